# Reference values for tpdn_outcomes.outcomes.clinic_benchmark on the sample (R 4.2.2 lm).
# Input: tests/reference/data/sample_benchmark_episodes.csv (pain episodes with a change;
# asserted equal to the library's episodes in tests/test_benchmark.py).
# Model: lm(change ~ baseline + factor(condition) + factor(age_band) + factor(sex));
# per clinic: observed mean, mean fitted value, mean residual with its t interval, and
# z = mean residual / (sigma / sqrt(n)).
# Run: Rscript tests/reference/outcomes_benchmark.R > tests/reference/outcomes_benchmark.Rout.txt
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
d <- read.csv("tests/reference/data/sample_benchmark_episodes.csv", stringsAsFactors = FALSE)
d$change <- d$final - d$baseline
fit <- lm(change ~ baseline + factor(condition) + factor(age_band) + factor(sex), data = d)
sigma <- summary(fit)$sigma
cat("sigma", f(sigma), "\n")
d$fitted <- fitted(fit)
d$resid <- resid(fit)
for (cl in sort(unique(d$clinic_id))) {
  g <- d[d$clinic_id == cl, ]
  n <- nrow(g)
  tt <- t.test(g$resid)
  cat(cl, "n", n, "observed", f(mean(g$change)), "expected", f(mean(g$fitted)),
      "ome", f(mean(g$resid)), "ci", f(tt$conf.int), "z", f(mean(g$resid) / (sigma / sqrt(n))),
      "\n")
}
cat(R.version.string, "\n")
