# Reference values for the bounded limits of tpdn_outcomes.stats.control_chart (issue 19):
# qcc draws a p chart's limits inside [0, 1] and a u chart's lower limit at 0 (qcc's
# limits.np: lcl <- pmax(center - tol, 0), ucl <- pmin(center + tol, sizes), divided by
# sizes; limits.c / limits.u: lcl <- pmax(0, ...)). qcc is not packaged for Debian, so the
# same limits are computed here in base R from Montgomery's formulas, bounded as qcc does.
# Run: Rscript tests/reference/stats_control_bounds.R > tests/reference/stats_control_bounds.Rout.txt
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
# p chart: 3 responders of 10, 1 of 12, 9 of 10, 2 of 8, 10 of 10 (limits from all points)
x <- c(3, 1, 9, 2, 10); n <- c(10, 12, 10, 8, 10)
pbar <- sum(x) / sum(n); s <- sqrt(pbar * (1 - pbar) / n)
cat("p_centre", f(pbar), "\n")
cat("p_lcl_unbounded", f(pbar - 3 * s), "\n")
cat("p_lcl", f(pmax(pbar - 3 * s, 0)), "\n")
cat("p_ucl_unbounded", f(pbar + 3 * s), "\n")
cat("p_ucl", f(pmin(pbar + 3 * s, 1)), "\n")
# u chart: 1 event in 4 sessions, 0 in 5, 6 in 4, 2 in 6
x <- c(1, 0, 6, 2); n <- c(4, 5, 4, 6)
ubar <- sum(x) / sum(n); s <- sqrt(ubar / n)
cat("u_centre", f(ubar), "\n")
cat("u_lcl", f(pmax(ubar - 3 * s, 0)), "\n")
cat("u_ucl", f(ubar + 3 * s), "\n")
cat(R.version.string, "\n")
