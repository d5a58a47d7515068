"""Domain questions answered as tidy tables, one row per group.

Each function takes a :class:`~tpdn_outcomes.data.SessionData`, works on its episodes
(baseline -> final, see :mod:`tpdn_outcomes.derive`), applies a domain-free statistic from
:mod:`tpdn_outcomes.stats` group by group (a loop over the handful of groups, never over
patients), and returns one row per group with the grouping variables as columns.

Caveat (kept with every result in ``DataFrame.attrs["caveat"]``): these are
uncontrolled before/after comparisons. Change from baseline mixes the treatment's effect
with natural recovery, regression to the mean and placebo response; it is not a
treatment effect.

Modules by topic: :mod:`.change` (change from baseline), :mod:`.immediate` (within-session
change), :mod:`.responders` (who improved
by a clinically meaningful amount; thresholds from :mod:`tpdn_outcomes.mcid`).
"""

from tpdn_outcomes.outcomes._common import GROUPINGS, UNCONTROLLED_CAVEAT
from tpdn_outcomes.outcomes.change import change_summary
from tpdn_outcomes.outcomes.immediate import immediate_change
from tpdn_outcomes.outcomes.responders import responder_curve, responder_rates

__all__ = [
    "GROUPINGS",
    "UNCONTROLLED_CAVEAT",
    "change_summary",
    "immediate_change",
    "responder_curve",
    "responder_rates",
]
