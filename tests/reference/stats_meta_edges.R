# Reference values for tpdn_outcomes.stats.meta_analysis at its edges (issue 19):
# one study, and Knapp-Hartung with homogeneous studies (tests/test_stats_meta.py).
# metafor 3.8-1, R 4.2.2.
# Run: Rscript tests/reference/stats_meta_edges.R > tests/reference/stats_meta_edges.Rout.txt
suppressMessages(library(metafor))
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
show <- function(label, res) {
  cat(label, "est", f(res$beta), "se", f(res$se), "ci", f(c(res$ci.lb, res$ci.ub)),
      "stat", f(res$zval), "p", f(res$pval),
      "tau2", f(res$tau2), "i2", f(res$I2), "h2", f(res$H2), "q", f(res$QE), "qp", f(res$QEp),
      "test", res$test, "\n")
}
ctrl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-15)
# one study: I^2 = 0 and H^2 = 1 for every estimator; test = "knha" falls back to "z"
# with the warning 'Setting argument test="z" since k=1.'
for (m in c("REML", "DL", "PM", "FE")) show(paste0("one_", m), rma(yi = 0.3, vi = 0.04, method = m))
show("one_REML_knha", withCallingHandlers(rma(yi = 0.3, vi = 0.04, test = "knha"),
     warning = function(w) { cat("warning:", conditionMessage(w), "\n"); invokeRestart("muffleWarning") }))
# homogeneous studies: Knapp-Hartung's scale factor sum(w (y - est)^2) / (k - 1) is below 1,
# so its interval is narrower than the normal one; equal effects give a zero-width interval
# (metafor prints se 0 and no warning). test = "adhoc" uses max(1, factor).
v <- c(0.04, 0.05, 0.03, 0.06)
for (nm in c("equal", "close")) {
  y <- if (nm == "equal") c(-2, -2, -2, -2) else c(-2.01, -1.99, -2.0, -2.02)
  for (t in c("z", "knha", "adhoc")) show(paste0(nm, "_REML_", t), rma(yi = y, vi = v, test = t, control = ctrl))
}
# heterogeneous studies (dat.bcg): the factor is above 1 and "adhoc" equals "knha"
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
show("bcg_REML_adhoc", rma(yi, vi, data = dat, method = "REML", test = "adhoc", control = ctrl))
show("bcg_REML_knha", rma(yi, vi, data = dat, method = "REML", test = "knha", control = ctrl))
