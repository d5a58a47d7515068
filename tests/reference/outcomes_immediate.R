# Reference values for tpdn_outcomes.outcomes.immediate_change on the bundled sample.
# Input: tests/reference/data/immediate_pain_sessions.csv: every session of the sample with both
# a pre and a post pain value (episode_id, condition, pre, post), written from
# tpdn_outcomes.load_sample().session_changes("pain"). R does the per-episode averaging itself.
# Run: Rscript tests/reference/outcomes_immediate.R > tests/reference/outcomes_immediate.Rout.txt
s <- read.csv("tests/reference/data/immediate_pain_sessions.csv", stringsAsFactors = FALSE)
ep <- aggregate(cbind(pre, post) ~ episode_id + condition, data = s, FUN = mean)
nses <- aggregate(pre ~ episode_id, data = s, FUN = length)
for (cn in sort(unique(ep$condition))) {
  d <- ep[ep$condition == cn, ]
  tt <- t.test(d$post, d$pre, paired = TRUE)
  k <- sum(nses$pre[nses$episode_id %in% d$episode_id])
  cat(sprintf("%s n=%d sessions=%d mean=%.17g ci=%.17g,%.17g t=%.17g p=%.17g\n", cn, nrow(d), k,
              unname(tt$estimate), tt$conf.int[1], tt$conf.int[2], unname(tt$statistic), tt$p.value))
}
tt <- t.test(ep$post, ep$pre, paired = TRUE)
cat(sprintf("overall n=%d sessions=%d mean=%.17g ci=%.17g,%.17g t=%.17g p=%.17g\n", nrow(ep), nrow(s),
            unname(tt$estimate), tt$conf.int[1], tt$conf.int[2], unname(tt$statistic), tt$p.value))
cat(R.version.string, "\n")
