# Reference values for tpdn_outcomes.outcomes.time_to_response on the sample (days to a
# moderate pain response: improvement >= 2 points or >= 30 %), survival 3.5-3.
# Input: tests/reference/data/sample_response_days.csv (one row per usable episode; asserted
# equal to the library's response_times in tests/test_recovery.py).
# Run: Rscript tests/reference/outcomes_recovery.R > tests/reference/outcomes_recovery.Rout.txt
library(survival)
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
d <- read.csv("tests/reference/data/sample_response_days.csv", stringsAsFactors = FALSE)
tau <- max(d$time)
fit <- survfit(Surv(time, event) ~ condition, data = d)
tab <- summary(fit, rmean = tau)$table
for (i in seq_len(nrow(tab))) {
  cat(rownames(tab)[i], "n", tab[i, "records"], "events", tab[i, "events"],
      "median", f(tab[i, "median"]), "ci", f(tab[i, c("0.95LCL", "0.95UCL")]),
      "rmean", f(tab[i, "rmean"]), "se", f(tab[i, "se(rmean)"]), "\n")
}
sd <- survdiff(Surv(time, event) ~ condition, data = d)
cat("logrank chisq", f(sd$chisq), "df", length(sd$n) - 1,
    "p", f(pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE)), "tau", tau, "\n")
cat(R.version.string, "\n")
