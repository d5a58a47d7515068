# Reference values for tpdn_outcomes.stats.meta_analysis, effect_size and egger_test
# (metafor, R 4.2.2). Data: metafor's dat.bcg (log risk ratios, via escalc "RR") and
# dat.normand1999 (means, SDs, n of two groups). Convergence threshold (REML) and uniroot tol (PM) tightened so
# that the printed digits are the estimate's, not the iteration's.
# Run: Rscript tests/reference/stats_meta.R > tests/reference/stats_meta.Rout.txt
suppressMessages(library(metafor))
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
cat("BCG yi", f(dat$yi), "\n")
cat("BCG vi", f(dat$vi), "\n")
show <- function(label, res) {
  pi <- predict(res)
  cat(label, "est", f(res$beta), "se", f(res$se), "ci", f(c(res$ci.lb, res$ci.ub)),
      "stat", f(res$zval), "p", f(res$pval), "tau2", f(res$tau2), "i2", f(res$I2),
      "h2", f(res$H2), "q", f(res$QE), "qp", f(res$QEp),
      "pi", f(c(pi$pi.lb, pi$pi.ub)), "\n")
  cat(label, "weights", f(weights(res)), "\n")
}
ctrl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-15)  # tol: uniroot (PM)
for (m in c("REML", "DL", "PM", "FE")) {
  show(paste0("bcg_", m), rma(yi, vi, data = dat, method = m, control = ctrl))
}
show("bcg_REML_knha", rma(yi, vi, data = dat, method = "REML", test = "knha", control = ctrl))
show("bcg_DL_knha", rma(yi, vi, data = dat, method = "DL", test = "knha", control = ctrl))
eg <- regtest(rma(yi, vi, data = dat, method = "FE"), model = "lm")
cat("bcg_egger_lm stat", f(eg$zval), "p", f(eg$pval), "dof", eg$dfs, "\n")

n99 <- dat.normand1999
for (meas in c("MD", "SMD")) {
  es <- escalc(measure = meas, m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
               n2i = n2i, data = n99)
  cat("N99", meas, "yi", f(es$yi), "\n")
  cat("N99", meas, "vi", f(es$vi), "\n")
}
es <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
             n2i = n2i, data = n99, correct = TRUE)
cat("N99 m1", f(n99$m1i), "\nN99 sd1", f(n99$sd1i), "\nN99 n1", f(n99$n1i), "\n")
cat("N99 m2", f(n99$m2i), "\nN99 sd2", f(n99$sd2i), "\nN99 n2", f(n99$n2i), "\n")
show("n99_SMD_REML", rma(yi, vi, data = es, method = "REML", control = ctrl))
cat(R.version.string, "metafor", as.character(packageVersion("metafor")), "\n")
