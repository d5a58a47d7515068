# Reference values for tpdn_outcomes.stats.rubin (mice 3.15, R 4.2.2): pool.scalar on fixed
# estimates and variances, with Rubin's large-sample df (n = Inf) and Barnard-Rubin df.
# Run: Rscript tests/reference/stats_mi.R > tests/reference/stats_mi.Rout.txt
suppressMessages(library(mice))
f <- function(x) sprintf("%.17g", x)
Q <- c(-2.31, -2.05, -2.22, -2.40, -2.12, -2.28)
U <- c(0.021, 0.019, 0.022, 0.020, 0.023, 0.021)
for (n in c(Inf, 40)) {
  p <- pool.scalar(Q, U, n = n, k = 1)
  cat("n", n, "qbar", f(p$qbar), "ubar", f(p$ubar), "b", f(p$b), "t", f(p$t), "df", f(p$df),
      "r", f(p$r), "fmi", f(p$fmi), "\n")
}
cat(R.version.string, "mice", as.character(packageVersion("mice")), "\n")
