# Reference values for tpdn_outcomes.outcomes.risk (risk_adjusted_benchmark, fit_risk_model).
# Input: tests/reference/data/registry_episodes.csv (the library's pain episodes of the frozen
# tests/reference/data/registry_sessions.csv; written by tests/reference/registry_export.py
# and asserted equal to the library's episodes in tests/test_registry_measures.py).
# Completed episodes: not open, with a baseline and a final value; change = final - baseline.
# Model: lm(change ~ baseline + condition + age_band + sex), factor levels in sorted
# (C-locale) order, first level the reference (R's treatment contrasts).
# Per group of n episodes: O = mean(change), E = mean(predict(fit, group)), O - E,
# se_expected = sqrt(xbar' vcov(fit) xbar) with xbar the mean model-matrix row,
# se = sqrt(sigma^2 / n + se_expected^2), CI = O - E -+ qt(0.975, df.residual) * se.
# Fits: (1) on the whole file; (2) on clinics CLN-01 and CLN-02 only (a reference
# registry), predicting every clinic.
# Run: Rscript tests/reference/risk_adjusted.R > tests/reference/risk_adjusted.Rout.txt
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
e <- read.csv("tests/reference/data/registry_episodes.csv", stringsAsFactors = FALSE,
              na.strings = "")
e$open <- e$open == "True"
d <- e[!e$open & !is.na(e$baseline) & !is.na(e$final), ]
d$change <- d$final - d$baseline
lv <- function(x) sort(unique(x), method = "radix")
for (k in c("condition", "age_band", "sex")) d[[k]] <- factor(d[[k]], levels = lv(d[[k]]))

report <- function(label, fit, data, keys) {
  X <- model.matrix(delete.response(terms(fit)), data, xlev = fit$xlevels)
  V <- vcov(fit)
  s <- sigma(fit)
  q <- qt(0.975, fit$df.residual)
  pred <- as.vector(predict(fit, newdata = data))
  key <- do.call(paste, c(lapply(keys, function(k) as.character(data[[k]])), sep = " | "))
  for (g in sort(unique(key), method = "radix")) {
    rows <- key == g
    n <- sum(rows)
    o <- mean(data$change[rows])
    ex <- mean(pred[rows])
    xbar <- colMeans(X[rows, , drop = FALSE])
    se_e <- sqrt(as.numeric(t(xbar) %*% V %*% xbar))
    se <- sqrt(s^2 / n + se_e^2)
    cat(label, "|", g, "| n", n, "observed", f(o), "expected", f(ex), "ome", f(o - ex),
        "se_expected", f(se_e), "se", f(se), "ci", f(c(o - ex - q * se, o - ex + q * se)), "\n")
  }
}

fit <- lm(change ~ baseline + condition + age_band + sex, data = d)
cat("file n", nobs(fit), "df", fit$df.residual, "sigma", f(sigma(fit)),
    "r2", f(summary(fit)$r.squared), "\n")
cf <- coef(fit)
for (k in names(cf)) cat("file coef", k, f(cf[[k]]), "se", f(sqrt(vcov(fit)[k, k])), "\n")
report("file clinic", fit, d, "clinic_id")
report("file clinic_condition", fit, d, c("clinic_id", "condition"))

ref <- d[d$clinic_id %in% c("CLN-01", "CLN-02"), ]
fit2 <- lm(change ~ baseline + condition + age_band + sex, data = ref)
cat("reference n", nobs(fit2), "df", fit2$df.residual, "sigma", f(sigma(fit2)), "\n")
report("reference clinic", fit2, d, "clinic_id")
cat(R.version.string, "\n")
