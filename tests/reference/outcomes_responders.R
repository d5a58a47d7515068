# Reference values for tpdn_outcomes.outcomes.responder_rates / responder_curve on the sample.
# Input: tests/reference/data/sample_pain_episodes.csv (the sample's pain episodes; see
# tests/test_outcomes.py::test_reference_input_is_the_sample).
# Rules (Farrar 2001; Dworkin 2008): improvement = baseline - final;
#   moderate    = improvement >= 2  OR  100 * improvement >= 30 * baseline (baseline > 0)
#   substantial = 100 * improvement >= 50 * baseline (baseline > 0)
# Run: Rscript tests/reference/outcomes_responders.R > tests/reference/outcomes_responders.Rout.txt
ep <- read.csv("tests/reference/data/sample_pain_episodes.csv", stringsAsFactors = FALSE)
ep <- ep[!is.na(ep$baseline) & !is.na(ep$final), ]
imp <- ep$baseline - ep$final
ep$moderate <- imp >= 2 | (ep$baseline > 0 & 100 * imp >= 30 * ep$baseline)
ep$substantial <- ep$baseline > 0 & 100 * imp >= 50 * ep$baseline
show <- function(label, k, n) {
  w <- prop.test(k, n, correct = FALSE)$conf.int
  cp <- binom.test(k, n)$conf.int
  cat(sprintf("%s k=%d n=%d wilson=%.17g,%.17g cp=%.17g,%.17g\n", label, k, n, w[1], w[2], cp[1], cp[2]))
}
for (cn in sort(unique(ep$condition))) {
  d <- ep[ep$condition == cn, ]
  show(paste(cn, "moderate"), sum(d$moderate), nrow(d))
  show(paste(cn, "substantial"), sum(d$substantial), nrow(d))
}
show("overall moderate", sum(ep$moderate), nrow(ep))
show("overall substantial", sum(ep$substantial), nrow(ep))
for (t in c(0, 1, 2, 3, 4, 5)) cat(sprintf("curve t=%g responders=%d\n", t, sum(imp >= t)))
cat(R.version.string, "\n")
