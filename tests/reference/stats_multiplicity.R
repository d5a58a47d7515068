# Reference values for tpdn_outcomes.stats.p_adjust (tests/test_stats_multiplicity.py).
# Run: Rscript tests/reference/stats_multiplicity.R > tests/reference/stats_multiplicity.Rout.txt
options(digits = 15)
p <- function(name, x) cat(sprintf("%s = c(%s)\n", name, paste(sprintf("%.17g", x), collapse = ", ")))
# ties (0.02 twice, 0.04 twice), an NA, values near 1, an exact 0
pv <- c(0.04, 0.001, NA, 0.02, 0.3, 0.02, 0.04, 0.9, 0, 0.012, NA, 0.5)
p("p", pv)
for (m in c("holm", "hochberg", "bonferroni", "BH", "BY")) p(m, p.adjust(pv, method = m))
# a second vector without NA
pv2 <- c(0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1)
p("p2", pv2)
for (m in c("holm", "hochberg", "bonferroni", "BH", "BY")) p(paste0(m, "_2"), p.adjust(pv2, method = m))
