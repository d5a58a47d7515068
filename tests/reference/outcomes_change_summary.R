# Reference values for tpdn_outcomes.outcomes.change_summary on the bundled sample.
# Input: tests/reference/data/sample_pain_episodes.csv, written from
#   tpdn_outcomes.load_sample().episodes("pain")[["episode_id", "condition", "baseline", "final"]]
# Run: Rscript tests/reference/outcomes_change_summary.R > tests/reference/outcomes_change_summary.Rout.txt
options(digits = 15)
ep <- read.csv("tests/reference/data/sample_pain_episodes.csv", stringsAsFactors = FALSE)
ep <- ep[!is.na(ep$baseline) & !is.na(ep$final), ]
conds <- sort(unique(ep$condition))
p <- numeric(0)
for (cn in conds) {
  d <- ep[ep$condition == cn, ]
  tt <- t.test(d$final, d$baseline, paired = TRUE)
  wt <- suppressWarnings(wilcox.test(d$final, d$baseline, paired = TRUE, conf.int = TRUE))
  p <- c(p, tt$p.value)
  cat(sprintf("%s n=%d mean=%.15g t=%.15g df=%.15g p=%.15g ci=%.15g,%.15g V=%.15g wp=%.15g hl=%.15g hlci=%.15g,%.15g\n",
              cn, nrow(d), unname(tt$estimate), unname(tt$statistic), unname(tt$parameter), tt$p.value,
              tt$conf.int[1], tt$conf.int[2], unname(wt$statistic), wt$p.value,
              unname(wt$estimate), wt$conf.int[1], wt$conf.int[2]))
}
cat("holm", sprintf("%.15g", p.adjust(p, method = "holm")), "\n")
cat(R.version.string, "\n")
