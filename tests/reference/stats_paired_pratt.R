# Reference values for the Hodges-Lehmann estimate and interval of all changes, zeros
# included (paired_change(hl_zero_method = "pratt"); tests/test_stats_paired.py).
# Run: Rscript tests/reference/stats_paired_pratt.R > tests/reference/stats_paired_pratt.Rout.txt
# Base R only. R has no Pratt version of wilcox.test's interval, so it is computed here by
# brute force from its definition, independently of the library's algorithm:
# * estimate: the median of all n(n+1)/2 Walsh averages (d_i + d_j)/2, i <= j;
# * interval: every distinct Walsh average and every midpoint between two consecutive ones
#   is tested with the signed-rank test of d - mu with Pratt's zeros (zeros ranked with
#   the rest, then left out of the rank sum; mean n(n+1)/4 - n0(n0+1)/4, variance
#   (n(n+1)(2n+1) - n0(n0+1)(2n0+1) - sum over non-zero tie groups of (t^3 - t)/2) / 24,
#   continuity correction 0.5; Cureton 1967). The limits are the smallest and largest
#   accepted Walsh averages (the ends of the accepted gaps if none is accepted).
options(digits = 15, warn = 1)
p <- function(name, x) cat(sprintf("%s = c(%s)\n", name, paste(sprintf("%.17g", x), collapse = ", ")))

pratt_z <- function(x) {
  n <- length(x); n0 <- sum(x == 0)
  r <- rank(abs(x))                       # average ranks, zeros included
  rplus <- sum(r[x > 0])
  mn <- (n * (n + 1) - n0 * (n0 + 1)) / 4
  ties <- table(abs(x)[x != 0])
  v <- (n * (n + 1) * (2 * n + 1) - n0 * (n0 + 1) * (2 * n0 + 1) - sum(ties^3 - ties) / 2) / 24
  if (v <= 0) return(NaN)
  z <- (rplus - mn) / sqrt(v)
  z - sign(z) * 0.5 / sqrt(v)
}

hl_pratt <- function(d, conf) {
  w <- outer(d, d, "+") / 2
  walsh <- w[upper.tri(w, diag = TRUE)]
  est <- median(walsh)
  u <- sort(unique(walsh))
  zq <- qnorm(1 - (1 - conf) / 2)
  acc_pt <- sapply(u, function(m) { z <- pratt_z(d - m); is.nan(z) || abs(z) <= zq })
  if (any(acc_pt)) return(c(est, min(u[acc_pt]), max(u[acc_pt])))
  mids <- (u[-1] + u[-length(u)]) / 2
  acc_gap <- sapply(mids, function(m) abs(pratt_z(d - m)) <= zq)
  c(est, min(u[-length(u)][acc_gap]), max(u[-1][acc_gap]))
}

datasets <- list(
  # R's sleep data: extra[group == 2] - extra[group == 1] (ties and one zero)
  sleep = sleep$extra[sleep$group == 2] - sleep$extra[sleep$group == 1],
  # the 'ties' pairs of stats_paired.R: integer pain changes, ties and zeros
  ties = c(3, 5, 3, 3, 10, 6, 5, 1, 8, 3, 6, 6, 7, 9, 5, 4, 5, 6, 5, 6, 10, 8, 1, 4, 10, 1, 2, 2, 7, 2) -
         c(5, 9, 6, 4, 9, 7, 6, 3, 8, 5, 8, 5, 9, 9, 6, 4, 4, 4, 8, 6, 9, 9, 4, 6, 9, 3, 5, 6, 7, 6),
  # 40 integer changes, symmetric about -2 in distribution, 8 zeros
  zeros = c(-2, 0, -4, -1, -3, 0, -2, -4, 1, -3, 0, -2, -1, -4, -5, 0, -2, -3, -1, 0,
            -4, -2, 0, -3, -1, -2, -4, 0, -1, -3, -2, 0, -4, -2, -1, -3, -5, -2, -1, -4)
)
for (conf in c(0.95, 0.90)) {
  for (nm in names(datasets)) {
    d <- datasets[[nm]]
    cat(sprintf("## dataset %s, conf.level %s\n", nm, conf))
    p("hl_pratt", hl_pratt(d, conf))
    wt <- suppressWarnings(wilcox.test(d, conf.int = TRUE, conf.level = conf))
    p("wilcox.test_estimate_conf.int", c(wt$estimate, wt$conf.int))
  }
}
