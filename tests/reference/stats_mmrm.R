# Reference values for tpdn_outcomes.stats.mmrm / outcomes.visit_model on the sample
# (R 4.2.2, nlme 3.1, emmeans 1.8.4): change from baseline at weeks 1-4 by practitioner
# role, adjusted for baseline; REML; unstructured covariance (corSymm + varIdent), compound
# symmetry (corCompSymm) and AR(1) (corAR1); emmeans with Satterthwaite df.
# Input: tests/reference/data/sample_pain_visits.csv (asserted equal to visit_data()).
# Run: Rscript tests/reference/stats_mmrm.R > tests/reference/stats_mmrm.Rout.txt
suppressMessages({library(nlme); library(emmeans)})
f <- function(x) paste(sprintf("%.17g", x), collapse = ",")
d <- read.csv("tests/reference/data/sample_pain_visits.csv", stringsAsFactors = FALSE)
d$visit <- factor(d$visit, levels = c("Week 1", "Week 2", "Week 3", "Week 4"))
d$practitioner_role <- factor(d$practitioner_role)
ctrl <- glsControl(tolerance = 1e-12, msTol = 1e-12, msMaxIter = 1000, maxIter = 1000,
                   opt = "optim", optimMethod = "BFGS")
show <- function(label, fit) {
  cat(label, "loglik", f(as.numeric(logLik(fit))), "\n")
  cat(label, "names", paste(names(coef(fit)), collapse = ","), "\n")
  cat(label, "coef", f(coef(fit)), "\n")
  cat(label, "se", f(sqrt(diag(vcov(fit)))), "\n")
  full <- names(which(table(d$episode_id) == 4))[1]
  cat(label, "cov", f(as.vector(getVarCov(fit, individual = full))), "\n")
  em <- summary(emmeans(fit, ~ practitioner_role | visit, mode = "satterthwaite"))
  cat(label, "emm", f(em$emmean), "\n")
  cat(label, "emmse", f(em$SE), "\n")
  cat(label, "emmdf", f(em$df), "\n")
  cat(label, "emmlow", f(em$lower.CL), "\n")
}
un <- gls(change ~ baseline + visit * practitioner_role, data = d, method = "REML",
          correlation = corSymm(form = ~ visit_number | episode_id),
          weights = varIdent(form = ~ 1 | visit), control = ctrl)
show("UN", un)
cs <- gls(change ~ baseline + visit * practitioner_role, data = d, method = "REML",
          correlation = corCompSymm(form = ~ visit_number | episode_id), control = ctrl)
show("CS", cs)
ar <- gls(change ~ baseline + visit * practitioner_role, data = d, method = "REML",
          correlation = corAR1(form = ~ visit_number | episode_id),
          control = glsControl(tolerance = 1e-12, msTol = 1e-12, msMaxIter = 1000))
show("AR1", ar)
cat(R.version.string, "nlme", as.character(packageVersion("nlme")), "emmeans",
    as.character(packageVersion("emmeans")), "\n")
