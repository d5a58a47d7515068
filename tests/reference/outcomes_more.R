# Reference values for rom_change, function_change, twitch_association, adverse_event_rates
# and table_one on the bundled sample.
# Inputs: tests/reference/data/sample_measure_episodes.csv (every measure's episodes with a
# value; asserted equal to the library's episodes in tests/test_outcomes_more.py),
# tests/reference/data/sample_episode_baselines.csv (one row per episode), and the raw
# sample file data/sample/sessions.csv (adverse events).
# Run from the repository root:
#   Rscript tests/reference/outcomes_more.R > tests/reference/outcomes_more.Rout.txt
options(digits = 17)
f <- function(x) sprintf("%.17g", x)
ep <- read.csv("tests/reference/data/sample_measure_episodes.csv", stringsAsFactors = FALSE)
ep$twitch_response <- as.logical(ep$twitch_response)

# --- rom_change: paired t and share beyond the MDC (Wilson: prop.test, no correction) ---
mdc <- c(cervical_rotation = 9.6, shoulder_abduction = 19.6, lumbar_flexion = 15,
         mouth_opening = 9)
normal <- c(cervical_rotation = 60, shoulder_abduction = 180, lumbar_flexion = 80,
            mouth_opening = 50)
rom <- ep[startsWith(ep$measure, "rom:"), ]
for (m in sort(unique(rom$measure))) {
  site <- sub("_(left|right)$", "", sub("^rom:", "", m))
  for (cn in sort(unique(rom$condition[rom$measure == m]))) {
    d <- rom[rom$measure == m & rom$condition == cn & !is.na(rom$baseline) & !is.na(rom$final), ]
    if (nrow(d) < 2) { cat(m, cn, "n<2\n"); next }
    tt <- t.test(d$final, d$baseline, paired = TRUE)
    imp <- d$final - d$baseline
    k <- sum(imp >= mdc[[site]]); n <- nrow(d)
    w <- prop.test(k, n, correct = FALSE)$conf.int
    cat("ROM", m, cn, "n", n, "mean", f(tt$estimate), "ci", f(tt$conf.int[1]), f(tt$conf.int[2]),
        "pct_normal", f(100 * tt$estimate / normal[[site]]),
        "beyond", k, "wilson", f(w[1]), f(w[2]), "worse", sum(-imp >= mdc[[site]]), "\n")
  }
}

# --- function_change: paired t per instrument (all conditions together) ---
fun <- ep[startsWith(ep$measure, "function:"), ]
for (m in sort(unique(fun$measure))) {
  d <- fun[fun$measure == m & !is.na(fun$baseline) & !is.na(fun$final), ]
  tt <- t.test(d$final, d$baseline, paired = TRUE)
  cat("FUN", m, "n", nrow(d), "mean", f(tt$estimate), "t", f(tt$statistic), "p", f(tt$p.value),
      "ci", f(tt$conf.int[1]), f(tt$conf.int[2]), "\n")
}

# --- twitch_association: Welch t.test and lm(change ~ twitch + baseline) ---
pain <- ep[ep$measure == "pain" & !is.na(ep$baseline) & !is.na(ep$final) &
           !is.na(ep$twitch_response), ]
pain$change <- pain$final - pain$baseline
twitch_row <- function(label, d) {
  w <- t.test(d$change[d$twitch_response], d$change[!d$twitch_response], var.equal = FALSE)
  fit <- lm(change ~ twitch_response + baseline, data = d)
  co <- summary(fit)$coefficients["twitch_responseTRUE", ]
  ci <- confint(fit)["twitch_responseTRUE", ]
  cat("TWITCH", label, "n", sum(d$twitch_response), sum(!d$twitch_response),
      "diff", f(w$estimate[1] - w$estimate[2]), "ci", f(w$conf.int[1]), f(w$conf.int[2]),
      "t", f(w$statistic), "df", f(w$parameter), "p", f(w$p.value),
      "adj", f(co[1]), "se", f(co[2]), "t", f(co[3]), "p", f(co[4]),
      "ci", f(ci[1]), f(ci[2]), "df", fit$df.residual, "\n")
}
twitch_row("overall", pain)
for (cn in c("neck_pain", "shoulder_pain")) twitch_row(cn, pain[pain$condition == cn, ])

# --- adverse_event_rates: per session and per patient, Clopper-Pearson (binom.test) ---
s <- read.csv("data/sample/sessions.csv", stringsAsFactors = FALSE)
ev <- strsplit(s$adverse_events, ";")
events <- c("soreness", "bruising", "fatigue", "bleeding", "dizziness", "fainting", "other")
has <- sapply(events, function(e) vapply(ev, function(x) e %in% x, logical(1)))
has <- cbind(any = rowSums(has) > 0, has)
show_ae <- function(label, k, n) {
  cp <- binom.test(k, n)$conf.int
  cat("AE", label, "k", k, "n", n, "cp", f(cp[1]), f(cp[2]), "\n")
}
for (e in c("any", "fainting", "bruising")) {
  show_ae(paste("overall", e, "session"), sum(has[, e]), nrow(s))
  per_patient <- tapply(has[, e], s$patient_id, any)
  show_ae(paste("overall", e, "patient"), sum(per_patient), length(per_patient))
  for (cn in c("fibromyalgia", "neck_pain")) {
    sel <- s$condition == cn
    show_ae(paste(cn, e, "session"), sum(has[sel, e]), sum(sel))
    pp <- tapply(has[sel, e], s$patient_id[sel], any)
    show_ae(paste(cn, e, "patient"), sum(pp), length(pp))
  }
}

# --- table_one: counts, mean (SD), quantiles (type 7) and SMDs (Yang & Dalton 2012) ---
# SMD as tableone's ExtractSmd defines it: continuous |m1 - m2| / sqrt((v1 + v2) / 2);
# categorical: proportions among non-missing, first level dropped, pooled multinomial
# covariance, Mahalanobis distance with MASS::ginv; the mean over all pairs of groups.
b <- read.csv("tests/reference/data/sample_episode_baselines.csv", stringsAsFactors = FALSE)
smd_cont <- function(x, g) {
  lv <- sort(unique(g)); out <- c()
  for (i in seq_along(lv)) for (j in seq_along(lv)) if (i < j) {
    a <- x[g == lv[i]]; c2 <- x[g == lv[j]]
    out <- c(out, abs(mean(a) - mean(c2)) / sqrt((var(a) + var(c2)) / 2))
  }
  out
}
smd_cat <- function(x, g, levels) {
  tab <- table(factor(g), factor(x, levels = levels))
  p <- prop.table(tab, 1)[, -1, drop = FALSE]
  lv <- rownames(p); out <- c()
  for (i in seq_along(lv)) for (j in seq_along(lv)) if (i < j) {
    p1 <- p[i, ]; p2 <- p[j, ]
    S <- ((diag(p1, length(p1)) - outer(p1, p1)) + (diag(p2, length(p2)) - outer(p2, p2))) / 2
    d <- p1 - p2
    out <- c(out, sqrt(drop(t(d) %*% MASS::ginv(S) %*% d)))
  }
  out
}
by <- b$sex
cat("T1 n_episodes", table(by), "\n")
cat("T1 n_patients", tapply(b$patient_id, by, function(x) length(unique(x))), "\n")
for (g in sort(unique(by))) {
  x <- b$pain_baseline[by == g]
  q <- quantile(b$n_sessions[by == g], c(0.25, 0.5, 0.75))
  cat("T1 pain", g, "mean", f(mean(x)), "sd", f(sd(x)), "sessions_q", f(q[1]), f(q[2]), f(q[3]), "\n")
}
cat("T1 smd pain pairs", f(smd_cont(b$pain_baseline, by)), "mean", f(mean(smd_cont(b$pain_baseline, by))), "\n")
cat("T1 smd n_sessions mean", f(mean(smd_cont(b$n_sessions, by))), "\n")
age_levels <- c("18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+")
sa <- smd_cat(b$age_band, by, age_levels)
cat("T1 smd age_band pairs", f(sa), "mean", f(mean(sa)), "\n")
role_levels <- c("physical_therapist", "chiropractor", "physician", "other")
sr <- smd_cat(b$practitioner_role, by, role_levels)
cat("T1 smd practitioner_role mean", f(mean(sr)), "\n")
st <- smd_cat(b$twitch_response, by, c("False", "True"))
cat("T1 smd twitch_response mean", f(mean(st)), "\n")
cat("T1 age_band female counts", table(factor(b$age_band[by == "female"], levels = age_levels)), "\n")
# two groups: female vs male only
fm <- b[b$sex %in% c("female", "male"), ]
cat("T1 two-group smd pain", f(smd_cont(fm$pain_baseline, fm$sex)),
    "age_band", f(smd_cat(fm$age_band, fm$sex, age_levels)), "\n")
cat(R.version.string, "\n")
