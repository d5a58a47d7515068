# Reference values for tpdn_outcomes.stats.kaplan_meier and logrank (survival 3.5-3).
# Data: survival::aml (23 patients, printed below) and survival::lung (written to
# tests/reference/data/lung.csv: time, status 1 = event, sex), plus a small set whose
# curve is exactly 0.5 over an interval (median = midpoint, as quantile.survfit does).
# Run from the repository root:
#   Rscript tests/reference/stats_survival.R > tests/reference/stats_survival.Rout.txt
library(survival)
options(digits = 17)
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
show_fit <- function(label, fit, tau) {
  s <- summary(fit, censored = TRUE)
  cat(label, "time", f(s$time), "\n")
  cat(label, "n.risk", f(s$n.risk), "\n")
  cat(label, "n.event", f(s$n.event), "\n")
  cat(label, "n.censor", f(s$n.censor), "\n")
  cat(label, "surv", f(s$surv), "\n")
  cat(label, "std.err", f(s$std.err), "\n")
  cat(label, "lower", f(s$lower), "\n")
  cat(label, "upper", f(s$upper), "\n")
  tab <- summary(fit, rmean = tau)$table
  cat(label, "median", f(tab["median"]), "ci", f(tab[c("0.95LCL", "0.95UCL")]), "\n")
  cat(label, "rmean", f(tab["rmean"]), "se", f(tab["se(rmean)"]), "tau", tau, "\n")
}
aml2 <- aml
aml2$event <- aml2$status
cat("AML time", f(aml2$time), "\n")
cat("AML status", f(aml2$status), "\n")
cat("AML group", paste(as.character(aml2$x), collapse = ","), "\n")
for (ct in c("log", "log-log", "plain")) {
  show_fit(paste0("aml_", ct), survfit(Surv(time, status) ~ 1, data = aml, conf.type = ct), 161)
}
show_fit("aml_maintained", survfit(Surv(time, status) ~ 1, data = aml[aml$x == "Maintained", ]), 161)
sd <- survdiff(Surv(time, status) ~ x, data = aml)
cat("AML logrank chisq", f(sd$chisq), "df", length(sd$n) - 1,
    "p", f(pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE)),
    "obs", f(sd$obs), "exp", f(sd$exp), "\n")

lung2 <- data.frame(time = lung$time, status = lung$status - 1, sex = lung$sex)
write.csv(lung2, "tests/reference/data/lung.csv", row.names = FALSE)
show_fit("lung", survfit(Surv(time, status) ~ 1, data = lung2), 1000)
sd <- survdiff(Surv(time, status) ~ sex, data = lung2)
cat("LUNG logrank chisq", f(sd$chisq), "df", length(sd$n) - 1,
    "p", f(pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE)), "\n")

half <- data.frame(time = c(1, 2, 3, 4, 5, 6), status = c(1, 1, 1, 1, 1, 1))
show_fit("half", survfit(Surv(time, status) ~ 1, data = half), 6)
cat(R.version.string, "\n")
