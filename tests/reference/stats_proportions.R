# Reference values for tpdn_outcomes.stats.proportion_ci (tests/test_stats_proportions.py).
# Run: Rscript tests/reference/stats_proportions.R > tests/reference/stats_proportions.Rout.txt
# Base R only: the binom package is not packaged for Debian (no r-cran-binom), so the
# Agresti-Coull interval is the formula written out (as binom::binom.confint(method="ac")
# computes it, clipped to [0, 1]).
options(digits = 15)
p <- function(name, x) cat(sprintf("%s = c(%s)\n", name, paste(sprintf("%.17g", x), collapse = ", ")))
cases <- list(c(0, 20), c(1, 20), c(7, 20), c(19, 20), c(20, 20), c(0, 1), c(1, 1), c(3, 7), c(45, 112), c(523, 1000))
ac <- function(k, n, conf) {
  z <- qnorm(1 - (1 - conf) / 2); nt <- n + z^2; pt <- (k + z^2 / 2) / nt
  h <- z * sqrt(pt * (1 - pt) / nt); c(max(0, pt - h), min(1, pt + h))
}
for (conf in c(0.95, 0.90)) {
  for (kn in cases) {
    k <- kn[1]; n <- kn[2]
    cat(sprintf("## k %d, n %d, conf.level %s\n", k, n, conf))
    p("clopper_pearson", binom.test(k, n, conf.level = conf)$conf.int)
    p("wilson", suppressWarnings(prop.test(k, n, conf.level = conf, correct = FALSE))$conf.int)
    p("agresti_coull", ac(k, n, conf))
  }
}
