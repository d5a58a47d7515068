# Reference values for tpdn_outcomes.outcomes.efficiency / completeness / quarterly_trends.
# Inputs: tests/reference/data/registry_sessions.csv (frozen sessions, loaded by the tests with
# export_date 2026-07-01) and tests/reference/data/registry_episodes.csv (the library's pain
# episodes of that file, asserted equal in tests/test_registry_measures.py; written by
# tests/reference/registry_export.py).
# Efficiency (completed = not open episodes): t.test of n_sessions, of days (last - first
# session) and of (final - baseline) / n_sessions (episodes with a change), by condition
# and overall.
# Completeness (completed episodes with at least one pain value): discharge capture = final
# present; lost to follow-up = baseline present and final missing; Wilson intervals =
# prop.test(correct = FALSE).
# Trends, 8 quarters to 2026Q2: patients with a session dated in the quarter; completed
# episodes whose last session is in it; t.test of their pain change; prop.test of moderate
# responders (improvement >= 2, or 100 * improvement >= 30 * baseline with baseline > 0);
# prop.test of sessions with any adverse event among sessions with an entry.
# Run: Rscript tests/reference/registry_measures.R > tests/reference/registry_measures.Rout.txt
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
e <- read.csv("tests/reference/data/registry_episodes.csv", stringsAsFactors = FALSE,
              na.strings = "")
e$open <- e$open == "True"
e$days <- as.numeric(as.Date(e$last_date) - as.Date(e$first_date))
e$change <- e$final - e$baseline
done <- e[!e$open, ]
tt <- function(x) {
  x <- x[!is.na(x)]
  r <- t.test(x)
  c(length(x), mean(x), sd(x), r$conf.int)
}
wilson <- function(k, n) {
  r <- prop.test(k, n, correct = FALSE)
  c(k, n, k / n, r$conf.int)
}
groups <- c("(all)", sort(unique(done$condition), method = "radix"))
for (g in groups) {
  x <- if (g == "(all)") done else done[done$condition == g, ]
  cat("efficiency |", g, "| sessions_per_episode", f(tt(x$n_sessions)), "\n")
  cat("efficiency |", g, "| days_per_episode", f(tt(x$days)), "\n")
  cat("efficiency |", g, "| change_per_session", f(tt(x$change / x$n_sessions)), "\n")
  x <- x[x$n_values > 0, ]
  cat("completeness |", g, "| discharge_capture", f(wilson(sum(!is.na(x$final)), nrow(x))), "\n")
  cat("completeness |", g, "| lost_to_follow_up",
      f(wilson(sum(!is.na(x$baseline) & is.na(x$final)), nrow(x))), "\n")
}

quarter_of <- function(d) paste0(format(d, "%Y"), "Q", (as.integer(format(d, "%m")) - 1) %/% 3 + 1)
s <- read.csv("tests/reference/data/registry_sessions.csv", stringsAsFactors = FALSE,
              na.strings = "")
s$quarter <- quarter_of(as.Date(s$session_date))
done$quarter <- quarter_of(as.Date(done$last_date))
done$improvement <- -done$change
done$responder <- !is.na(done$change) &
  (done$improvement >= 2 | (done$baseline > 0 & 100 * done$improvement >= 30 * done$baseline))
for (q in c("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2")) {
  sq <- s[s$quarter == q, ]
  eq <- done[done$quarter == q, ]
  withchange <- eq[!is.na(eq$change), ]
  rec <- sq[!is.na(sq$adverse_events), ]
  cat("trends |", q, "| patients", length(unique(sq$patient_id)), "\n")
  cat("trends |", q, "| completed_episodes", nrow(eq), "\n")
  cat("trends |", q, "| mean_pain_change", f(tt(withchange$change)), "\n")
  cat("trends |", q, "| responder_rate", f(wilson(sum(withchange$responder), nrow(withchange))), "\n")
  cat("trends |", q, "| side_effect_rate",
      f(wilson(sum(rec$adverse_events != "none"), nrow(rec))), "\n")
}
cat(R.version.string, "\n")
