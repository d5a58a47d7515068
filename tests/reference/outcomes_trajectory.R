# Reference values for tpdn_outcomes.outcomes.trajectory_model on the sample (lme4 1.1-31):
# pre-needling pain at every session against sessions since the first, by condition, with a
# random intercept and slope per episode, REML.
# Input: tests/reference/data/sample_pain_trajectory.csv (asserted equal to the library's
# long data in tests/test_stats_lmm.py).
# Run: Rscript tests/reference/outcomes_trajectory.R > tests/reference/outcomes_trajectory.Rout.txt
suppressMessages(library(lme4))
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
d <- read.csv("tests/reference/data/sample_pain_trajectory.csv", stringsAsFactors = FALSE)
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2, rhoend = 1e-12))
m <- lmer(value ~ time * factor(group) + (1 + time | episode_id), data = d, REML = TRUE,
          control = ctrl)
co <- summary(m)$coefficients
cat("fixed", f(co[, 1]), "\nse", f(co[, 2]), "\n")
cat("cov", f(as.vector(VarCorr(m)$episode_id)), "\nsigma2", f(sigma(m)^2),
    "\nloglik", f(as.numeric(logLik(m))), "\n")
cat(R.version.string, "lme4", as.character(packageVersion("lme4")), "\n")
