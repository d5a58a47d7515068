# Reference values for tpdn_outcomes.stats.anhoej_limits: Anhoej's run-chart limits
# (Anhoej & Olesen, PLoS One 2014) as qicharts2 computes them: longest run
# round(log2(n) + 3), fewest crossings qbinom(0.05, n - 1, 0.5), for n = 10..60 useful points.
# Run: Rscript tests/reference/stats_control.R > tests/reference/stats_control.Rout.txt
n <- 10:60
cat("n", paste(n, collapse = ","), "\n")
cat("longest", paste(round(log2(n) + 3), collapse = ","), "\n")
cat("crossings", paste(qbinom(0.05, n - 1, 0.5), collapse = ","), "\n")
cat(R.version.string, "\n")
