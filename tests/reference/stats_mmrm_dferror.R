# Reference values for tpdn_outcomes.stats.mmrm(df_method = "df.error") (issue 19):
# emmeans' mode = "df.error" for nlme::gls, df = N - p - length(unlist(fit$modelStruct)),
# on the models of stats_mmrm.R (the sample's change ~ baseline + visit * practitioner_role).
# R 4.2.2, nlme 3.1-162, emmeans 1.8.4-1.
# Run: Rscript tests/reference/stats_mmrm_dferror.R > tests/reference/stats_mmrm_dferror.Rout.txt
suppressMessages({library(nlme); library(emmeans)})
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
d <- read.csv("tests/reference/data/sample_pain_visits.csv", stringsAsFactors = FALSE)
d$visit <- factor(d$visit, levels = c("Week 1", "Week 2", "Week 3", "Week 4"))
d$practitioner_role <- factor(d$practitioner_role)
ctrl <- glsControl(tolerance = 1e-12, msTol = 1e-12, msMaxIter = 1000, maxIter = 1000,
                   opt = "optim", optimMethod = "BFGS")
show <- function(label, fit) {
  cat(label, "N", fit$dims$N, "p", fit$dims$p, "modelStruct", length(unlist(fit$modelStruct)), "\n")
  em <- summary(emmeans(fit, ~ practitioner_role | visit, mode = "df.error"))
  cat(label, "emmdf", f(em$df), "\n")
  cat(label, "emmlow", f(em$lower.CL), "\n")
  cat(label, "emmhigh", f(em$upper.CL), "\n")
}
show("UN", gls(change ~ baseline + visit * practitioner_role, data = d, method = "REML",
               correlation = corSymm(form = ~ visit_number | episode_id),
               weights = varIdent(form = ~ 1 | visit), control = ctrl))
show("CS", gls(change ~ baseline + visit * practitioner_role, data = d, method = "REML",
               correlation = corCompSymm(form = ~ visit_number | episode_id), control = ctrl))
show("AR1", gls(change ~ baseline + visit * practitioner_role, data = d, method = "REML",
                correlation = corAR1(form = ~ visit_number | episode_id),
                control = glsControl(tolerance = 1e-12, msTol = 1e-12, msMaxIter = 1000)))
cat(R.version.string, "nlme", as.character(packageVersion("nlme")), "emmeans",
    as.character(packageVersion("emmeans")), "\n")
