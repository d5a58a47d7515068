# Reference values for tpdn_outcomes.stats.paired_change (tests/test_stats_paired.py).
# Run: Rscript tests/reference/stats_paired.R > tests/reference/stats_paired.Rout.txt
# Base R only (stats). Every value is printed with 17 significant digits.
options(digits = 15, warn = 1)
p <- function(name, x) cat(sprintf("%s = c(%s)\n", name, paste(sprintf("%.17g", x), collapse = ", ")))

datasets <- list(
  # R's sleep data: extra[group == 2] vs extra[group == 1] (ties and one zero)
  sleep = list(before = sleep$extra[sleep$group == 1], after = sleep$extra[sleep$group == 2]),
  # n = 12, no ties, no zeros, all changes negative: exact Wilcoxon path
  small = list(before = c(5.68, 5.22, 6.22, 3.32, 6.43, 5.52, 4.91, 6.15, 3.07, 5.76, 4.9, 6.61),
               after  = c(4.71, 2.61, 3.6, 0.06, 3.98, 4.4, 4.44, 4.92, 1.61, 3.22, 3.63, 4.13)),
  # n = 9, no ties, mixed signs: exact Wilcoxon path
  mixed = list(before = c(12.1, 9.8, 14.3, 11.0, 10.4, 13.7, 8.9, 12.6, 10.0),
               after  = c(10.2, 10.5, 11.9, 11.3, 8.1, 12.0, 9.5, 10.1, 9.35)),
  # n = 30 integer pain scores: ties and zeros, normal approximation
  ties = list(before = c(5, 9, 6, 4, 9, 7, 6, 3, 8, 5, 8, 5, 9, 9, 6, 4, 4, 4, 8, 6, 9, 9, 4, 6, 9, 3, 5, 6, 7, 6),
              after  = c(3, 5, 3, 3, 10, 6, 5, 1, 8, 3, 6, 6, 7, 9, 5, 4, 5, 6, 5, 6, 10, 8, 1, 4, 10, 1, 2, 2, 7, 2)),
  # n = 60 continuous: normal approximation without ties
  large = list(before = c(45.104, 58.546, 40.285, 58.766, 38.047, 36.33, 44.515, 50.921, 34.79, 44.958, 49.96, 49.644, 58.756, 57.843, 53.328, 59.134, 59.397, 38.908, 71.853, 49.511, 43.941, 56.001, 45.114, 56.272, 37.986, 57.254, 37.361, 53.757, 47.868, 44.985, 51.531, 44.247, 42.281, 53.949, 69.312, 40.022, 61.552, 60.816, 38.799, 51.902, 55.24, 40.891, 60.792, 58.779, 66.984, 53.898, 59.46, 68.121, 52.03, 44.998, 35.491, 52.865, 37.328, 60.977, 51.472, 58.111, 51.627, 62.383, 45.436, 50.501),
               after  = c(57.505, 54.996, 45.44, 68.618, 35.666, 36.132, 41.016, 62.006, 37.654, 47.067, 45.485, 47.261, 68.315, 60.706, 54.923, 67.885, 57.962, 52.588, 73.644, 50.433, 46.35, 60.225, 53.321, 56.079, 37.042, 61.483, 43.395, 63.021, 49.007, 54.787, 49.412, 56.562, 39.729, 57.431, 74.484, 50.101, 74.313, 65.111, 54.173, 50.985, 61.203, 43.47, 68.227, 57.068, 64.397, 65.597, 69.844, 75.488, 51.817, 52.55, 42.174, 64.266, 42.725, 55.29, 54.174, 61.946, 60.38, 64.896, 43.087, 61.403))
)

ncp_limits <- function(t, df, conf) {
  a <- 1 - conf
  # pt() warns about precision only far from the root, during the bracket search
  f <- function(ncp, target) suppressWarnings(pt(t, df, ncp)) - target
  lo <- uniroot(f, c(t - 30, t + 30), target = 1 - a / 2, tol = 1e-13, extendInt = "yes")$root
  hi <- uniroot(f, c(t - 30, t + 30), target = a / 2, tol = 1e-13, extendInt = "yes")$root
  c(lo, hi)
}

for (conf in c(0.95, 0.90)) {
  for (nm in names(datasets)) {
    b <- datasets[[nm]]$before; a <- datasets[[nm]]$after
    cat(sprintf("## dataset %s, conf.level %s\n", nm, conf))
    d <- a - b; n <- length(d); df <- n - 1
    tt <- t.test(a, b, paired = TRUE, conf.level = conf)
    wt <- suppressWarnings(wilcox.test(a, b, paired = TRUE, conf.int = TRUE, conf.level = conf))
    p("mean_baseline", mean(b)); p("mean_final", mean(a))
    p("mean_change", mean(d)); p("sd_change", sd(d)); p("se_change", sd(d) / sqrt(n))
    p("t.test_conf.int", tt$conf.int); p("t.test_statistic", tt$statistic)
    p("t.test_parameter", tt$parameter); p("t.test_p.value", tt$p.value)
    p("quantile_type7", quantile(d, c(0.25, 0.5, 0.75), type = 7))
    cat(sprintf("wilcox.test_method = %s\n", wt$method))
    p("wilcox.test_statistic_V", wt$statistic); p("wilcox.test_p.value", wt$p.value)
    p("wilcox.test_estimate", wt$estimate); p("wilcox.test_conf.int", wt$conf.int)
    # Cohen's d_z and its noncentral-t interval: P(T(ncp) <= t) = 1 - a/2 and a/2
    tstat <- unname(tt$statistic)
    lim <- ncp_limits(tstat, df, conf)
    p("cohen_dz", mean(d) / sd(d)); p("dz_ci", lim / sqrt(n))
    # Hedges' g_av: d_av = mean / ((sd_b + sd_a)/2), J = 1 - 3/(4 df - 1);
    # interval = dz limits * sd(d) / s_av * J
    s_av <- (sd(b) + sd(a)) / 2; J <- 1 - 3 / (4 * df - 1)
    p("hedges_g_av", mean(d) / s_av * J); p("g_ci", lim / sqrt(n) * sd(d) / s_av * J)
  }
}
