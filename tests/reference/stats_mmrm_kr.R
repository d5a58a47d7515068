# Reference values for Kenward-Roger degrees of freedom and adjusted standard errors in
# tpdn_outcomes.stats.mmrm (R 4.2.2, lme4, pbkrtest, emmeans). Compound symmetry with a
# positive within-subject correlation is the random-intercept model, so lmer + pbkrtest
# (Halekoh and Hojsgaard 2014) give the Kenward-Roger values that SAS PROC MIXED ddfm=kr
# gives for type=cs. Same model and data as stats_mmrm.R (the "CS" fit there).
# Input: tests/reference/data/sample_pain_visits.csv.
# Run: Rscript tests/reference/stats_mmrm_kr.R > tests/reference/stats_mmrm_kr.Rout.txt
suppressMessages({library(lme4); library(pbkrtest); library(emmeans)})
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
d <- read.csv("tests/reference/data/sample_pain_visits.csv", stringsAsFactors = FALSE)
d$visit <- factor(d$visit, levels = c("Week 1", "Week 2", "Week 3", "Week 4"))
d$practitioner_role <- factor(d$practitioner_role)
fit <- lmer(change ~ baseline + visit * practitioner_role + (1 | episode_id), data = d,
            REML = TRUE, control = lmerControl(optimizer = "bobyqa",
                                               optCtrl = list(rhobeg = 0.2, rhoend = 1e-12)))
cat("KR loglik", f(as.numeric(logLik(fit))), "\n")
cat("KR names", paste(names(fixef(fit)), collapse = ","), "\n")
cat("KR coef", f(fixef(fit)), "\n")
adj <- as.matrix(vcovAdj(fit))
cat("KR se", f(sqrt(diag(adj))), "\n")
p <- length(fixef(fit))
cat("KR df", f(sapply(seq_len(p), function(i) { L <- rep(0, p); L[i] <- 1; get_Lb_ddf(fit, L) })), "\n")
em <- emmeans(fit, ~ practitioner_role | visit, lmer.df = "kenward-roger")
s <- summary(em)
cat("KR emm", f(s$emmean), "\n")
cat("KR emmse", f(s$SE), "\n")
cat("KR emmdf", f(s$df), "\n")
cat("KR emmlow", f(s$lower.CL), "\n")
ct <- summary(contrast(em, method = "trt.vs.ctrl", adjust = "none"), infer = TRUE)
cat("KR conest", f(ct$estimate), "\n")
cat("KR conse", f(ct$SE), "\n")
cat("KR condf", f(ct$df), "\n")
cat("KR conp", f(ct$p.value), "\n")
cat(R.version.string, "lme4", as.character(packageVersion("lme4")), "pbkrtest",
    as.character(packageVersion("pbkrtest")), "emmeans", as.character(packageVersion("emmeans")), "\n")
