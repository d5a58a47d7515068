# Reference values for tpdn_outcomes.stats.ancova (R 4.2.2, lm + emmeans 1.8.4).
# Input: tests/reference/data/sample_benchmark_episodes.csv (the sample's pain episodes with a
# change; asserted equal to the library's episodes in tests/test_stats_ancova.py).
# Run: Rscript tests/reference/stats_ancova.R > tests/reference/stats_ancova.Rout.txt
suppressMessages(library(emmeans))
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
d <- read.csv("tests/reference/data/sample_benchmark_episodes.csv", stringsAsFactors = FALSE)
d$change <- d$final - d$baseline
d$condition <- factor(d$condition)
d$sex <- factor(d$sex)

fit <- lm(change ~ condition + baseline, data = d)
co <- summary(fit)$coefficients
ci <- confint(fit)
cat("M1 terms", paste(rownames(co), collapse = ","), "\n")
cat("M1 estimate", f(co[, 1]), "\nM1 se", f(co[, 2]), "\nM1 t", f(co[, 3]), "\nM1 p", f(co[, 4]), "\n")
cat("M1 cilow", f(ci[, 1]), "\nM1 cihigh", f(ci[, 2]), "\nM1 df", fit$df.residual, "\n")
em <- summary(emmeans(fit, "condition"))
cat("M1 emm", f(em$emmean), "\nM1 emmse", f(em$SE), "\nM1 emmlow", f(em$lower.CL),
    "\nM1 emmhigh", f(em$upper.CL), "\n")
pw <- summary(pairs(emmeans(fit, "condition"), adjust = "tukey"), infer = TRUE)
cat("M1 pairs", paste(pw$contrast, collapse = "|"), "\n")
cat("M1 pairest", f(pw$estimate), "\nM1 pairse", f(pw$SE), "\nM1 pairt", f(pw$t.ratio),
    "\nM1 pairp", f(pw$p.value), "\nM1 pairlow", f(pw$lower.CL), "\nM1 pairhigh", f(pw$upper.CL), "\n")
tc <- summary(contrast(emmeans(fit, "condition"), "trt.vs.ctrl", ref = 1, adjust = "holm"),
              infer = TRUE)
cat("M1 trt", paste(tc$contrast, collapse = "|"), "\n")
cat("M1 trtest", f(tc$estimate), "\nM1 trtp", f(tc$p.value), "\nM1 trtlow", f(tc$lower.CL),
    "\nM1 trthigh", f(tc$upper.CL), "\n")

fit2 <- lm(change ~ condition + baseline + sex, data = d)
em2 <- summary(emmeans(fit2, "condition"))
cat("M2 emm", f(em2$emmean), "\nM2 emmse", f(em2$SE), "\nM2 df", fit2$df.residual, "\n")
cat(R.version.string, "emmeans", as.character(packageVersion("emmeans")), "\n")
