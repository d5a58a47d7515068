# Reference values for tpdn_outcomes.stats.reliability (tests/test_stats_reliability.py).
# Run: Rscript tests/reference/stats_reliability.R > tests/reference/stats_reliability.Rout.txt
options(digits = 15)
p <- function(name, x) cat(sprintf("%s = c(%s)\n", name, paste(sprintf("%.17g", x), collapse = ", ")))
# SEM = SD * sqrt(1 - ICC)
sd <- c(2.1, 7.5, 15, 0); icc <- c(0.84, 0.88, 0.5, 0.9)
p("sem_from_icc", sd * sqrt(1 - icc))
# MDC = z * sqrt(2) * SEM
sem <- c(0.5, 1, 2.6, 0)
p("mdc95", qnorm(0.975) * sqrt(2) * sem)
p("mdc90", qnorm(0.95) * sqrt(2) * sem)
# Jacobson & Truax (1991): SE = s1 sqrt(1 - rxx), Sdiff = sqrt(2 SE^2), RC = (x2 - x1) / Sdiff
x1 <- c(60, 50, 72.5, 41, 55); x2 <- c(45, 52, 60.25, 41, 70)
s1 <- 7.5; rxx <- 0.88
se <- s1 * sqrt(1 - rxx); sdiff <- sqrt(2 * se^2)
p("rci", (x2 - x1) / sdiff)
# Barnett, van der Pols & Dobson (2005): RTM = sigma (1 - rho) C(z), C(z) = phi(z) / (1 - Phi(z)),
# z = (c - mu) / sigma, selection above c
rtm <- function(mu, sigma, rho, c) { z <- (c - mu) / sigma; sigma * (1 - rho) * dnorm(z) / pnorm(z, lower.tail = FALSE) }
p("rtm_cutoff_5_2_0.6_7", rtm(5, 2, 0.6, 7))
p("rtm_cutoff_50_10_0.8_40", rtm(50, 10, 0.8, 40))
p("rtm_cutoff_120_15_0.5_160", rtm(120, 15, 0.5, 160))
p("rtm_cutoff_0_1_0.3_0", rtm(0, 1, 0.3, 0))
# observed baseline mean of a selected group: (1 - rho) (baseline - mu)
p("rtm_baseline_5_2_0.6_7.5", (1 - 0.6) * (7.5 - 5))
p("rtm_baseline_50_10_0.75_62.3", (1 - 0.75) * (62.3 - 50))
