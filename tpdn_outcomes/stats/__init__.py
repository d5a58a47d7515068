"""Domain-free statistics: arrays in, tidy pandas DataFrames (or arrays) out.

Nothing here knows about sessions, patients or measures; :mod:`tpdn_outcomes.outcomes`
applies these functions group by group.

>>> from tpdn_outcomes import stats
>>> [name for name in sorted(stats.__all__) if name.islower()][:4]
['ancova', 'anhoej_limits', 'control_chart', 'effect_size']

Modules: :mod:`.paired` (change within patients; R's Wilcoxon test in :mod:`.ranks`),
:mod:`.proportions`, :mod:`.multiplicity`, :mod:`.reliability` (MDC, reliable change,
regression to the mean), :mod:`.survival` (Kaplan-Meier, log-rank), :mod:`.meta`
(meta-analysis, effect sizes, Egger's test), :mod:`.control` (control charts and run rules).
"""

from tpdn_outcomes.stats.ancova import Ancova, ancova
from tpdn_outcomes.stats.control import anhoej_limits, control_chart
from tpdn_outcomes.stats.lmm import Lmm, lmm
from tpdn_outcomes.stats.meta import MetaAnalysis, effect_size, egger_test, meta_analysis
from tpdn_outcomes.stats.mi import rubin
from tpdn_outcomes.stats.mmrm import Mmrm, mmrm
from tpdn_outcomes.stats.multiplicity import p_adjust
from tpdn_outcomes.stats.paired import paired_change
from tpdn_outcomes.stats.power import power_paired, sample_size_ancova, sample_size_paired
from tpdn_outcomes.stats.proportions import proportion_ci
from tpdn_outcomes.stats.reliability import (
    mdc,
    regression_to_mean,
    reliable_change_index,
    sem_from_icc,
)
from tpdn_outcomes.stats.survival import KaplanMeier, kaplan_meier, logrank

__all__ = [
    "Ancova",
    "KaplanMeier",
    "Lmm",
    "MetaAnalysis",
    "Mmrm",
    "ancova",
    "anhoej_limits",
    "control_chart",
    "effect_size",
    "egger_test",
    "kaplan_meier",
    "lmm",
    "logrank",
    "mdc",
    "meta_analysis",
    "mmrm",
    "p_adjust",
    "paired_change",
    "power_paired",
    "proportion_ci",
    "regression_to_mean",
    "reliable_change_index",
    "rubin",
    "sample_size_ancova",
    "sample_size_paired",
    "sem_from_icc",
]
