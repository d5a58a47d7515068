# Reference values for tpdn_outcomes.stats.power (R 4.2.2 power.t.test, strict = FALSE
# and TRUE). Run: Rscript tests/reference/stats_power.R > tests/reference/stats_power.Rout.txt
f <- function(x) sprintf("%.17g", x)
for (n in c(10, 20, 50)) for (s in c(FALSE, TRUE)) {
  p <- power.t.test(n = n, delta = 1, sd = 2, type = "paired", strict = s)$power
  cat("paired power n", n, "strict", s, f(p), "\n")
}
for (s in c(FALSE, TRUE)) {
  r <- power.t.test(delta = 1, sd = 2, power = 0.8, type = "paired", strict = s)
  cat("paired n strict", s, f(r$n), "\n")
}
r <- power.t.test(delta = 1.5, sd = 2.5, power = 0.9, sig.level = 0.01, type = "paired")
cat("paired n2", f(r$n), "\n")
for (rho in c(0, 0.5, 0.7)) {
  r <- power.t.test(delta = 1, sd = 2 * sqrt(1 - rho^2), power = 0.8, type = "two.sample")
  cat("ancova n rho", rho, f(r$n), "\n")
}
cat(R.version.string, "\n")
