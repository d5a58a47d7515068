# Reference values for tpdn_outcomes.stats.lmm (lme4, R 4.2.2): the classic sleepstudy
# model and a random-intercept model. Data written to tests/reference/data/sleepstudy.csv.
# Run: Rscript tests/reference/stats_lmm.R > tests/reference/stats_lmm.Rout.txt
suppressMessages(library(lme4))
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
write.csv(sleepstudy, "tests/reference/data/sleepstudy.csv", row.names = FALSE)
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2, rhoend = 1e-12))
m1 <- lmer(Reaction ~ Days + (Days | Subject), data = sleepstudy, REML = TRUE, control = ctrl)
co <- summary(m1)$coefficients
vc <- as.data.frame(VarCorr(m1))
cat("M1 fixed", f(co[, 1]), "\nM1 se", f(co[, 2]), "\nM1 t", f(co[, 3]), "\n")
cat("M1 cov", f(as.vector(VarCorr(m1)$Subject)), "\n")
cat("M1 sigma2", f(sigma(m1)^2), "\nM1 loglik", f(as.numeric(logLik(m1))), "\n")
re <- ranef(m1)$Subject
cat("M1 ranef_int", f(re[, 1]), "\nM1 ranef_days", f(re[, 2]), "\n")
m2 <- lmer(Reaction ~ Days + (1 | Subject), data = sleepstudy, REML = TRUE, control = ctrl)
co2 <- summary(m2)$coefficients
cat("M2 fixed", f(co2[, 1]), "\nM2 se", f(co2[, 2]), "\n")
cat("M2 cov", f(as.vector(VarCorr(m2)$Subject)), "\nM2 sigma2", f(sigma(m2)^2),
    "\nM2 loglik", f(as.numeric(logLik(m2))), "\n")
cat(R.version.string, "lme4", as.character(packageVersion("lme4")), "\n")
