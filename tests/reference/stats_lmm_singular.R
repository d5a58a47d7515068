# Reference values for singular-fit flagging in tpdn_outcomes.stats.lmm (issue 19):
# data on which lme4 1.1-31 reports "boundary (singular) fit" and isSingular(fit) TRUE
# (some diagonal element of the relative covariance factor theta below 1e-4).
# Data written to tests/reference/data/lmm_singular.csv.
# Run: Rscript tests/reference/stats_lmm_singular.R > tests/reference/stats_lmm_singular.Rout.txt
suppressMessages(library(lme4))
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
set.seed(29)  # a seed where both fits are singular (correlation -1; zero variance)
g <- rep(1:15, each = 6); t <- rep(0:5, 15)
# 'slope': a random intercept and no random slope in truth, fitted with (1 + t | g)
slope <- 5 + rnorm(15, 0, 1)[g] - 0.4 * t + rnorm(90, 0, 1)
# 'flat': no group effect at all, fitted with (1 | g)
flat <- 5 - 0.4 * t + rnorm(90, 0, 1)
d <- data.frame(g = g, t = t, slope = round(slope, 4), flat = round(flat, 4))
write.csv(d, "tests/reference/data/lmm_singular.csv", row.names = FALSE)
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2, rhoend = 1e-12))
show <- function(label, m) {
  cat(label, "isSingular", isSingular(m), "\n")
  cat(label, "theta", f(getME(m, "theta")), "\n")
  cat(label, "fixed", f(fixef(m)), "\n")
  cat(label, "cov", f(as.vector(VarCorr(m)$g)), "\n")
  cat(label, "sigma2", f(sigma(m)^2), "\n")
  cat(label, "loglik", f(as.numeric(logLik(m))), "\n")
}
msg <- function(expr) withCallingHandlers(expr, message = function(m) {
  cat("message:", conditionMessage(m)); invokeRestart("muffleMessage") })
show("slope", msg(lmer(slope ~ t + (1 + t | g), data = d, REML = TRUE, control = ctrl)))
show("flat", msg(lmer(flat ~ t + (1 | g), data = d, REML = TRUE, control = ctrl)))
show("slope_int", msg(lmer(slope ~ t + (1 | g), data = d, REML = TRUE, control = ctrl)))
cat(R.version.string, "lme4", as.character(packageVersion("lme4")), "\n")
