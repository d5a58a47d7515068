# Reference values for tpdn_outcomes.outcomes.meta_by_clinic on the sample (metafor 3.8-1).
# Input: tests/reference/data/sample_pain_clinic_episodes.csv (pain episodes with a change;
# asserted equal to the library's episodes in tests/test_pooling.py).
# Per clinic: mean change (final - baseline) and its variance var(change) / n; then
# rma(method = "REML", test = "knha").
# Run: Rscript tests/reference/outcomes_pooling.R > tests/reference/outcomes_pooling.Rout.txt
suppressMessages(library(metafor))
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
d <- read.csv("tests/reference/data/sample_pain_clinic_episodes.csv", stringsAsFactors = FALSE)
d$change <- d$final - d$baseline
clinics <- sort(unique(d$clinic_id))
yi <- sapply(clinics, function(c) mean(d$change[d$clinic_id == c]))
vi <- sapply(clinics, function(c) var(d$change[d$clinic_id == c]) / sum(d$clinic_id == c))
res <- rma(yi, vi, method = "REML", test = "knha", control = list(threshold = 1e-12))
pi <- predict(res)
cat("clinics", paste(clinics, collapse = ","), "\n")
cat("yi", f(yi), "\nvi", f(vi), "\n")
cat("est", f(res$beta), "se", f(res$se), "ci", f(c(res$ci.lb, res$ci.ub)), "tau2", f(res$tau2),
    "i2", f(res$I2), "q", f(res$QE), "pi", f(c(pi$pi.lb, pi$pi.ub)), "\n")
cat("weights", f(weights(res)), "\n")
eg <- regtest(rma(yi, vi, method = "FE"), model = "lm")
cat("egger", f(eg$zval), "p", f(eg$pval), "\n")
cat(R.version.string, "\n")
