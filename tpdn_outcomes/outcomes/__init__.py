"""Domain questions answered as tidy tables, one row per group.

Each function takes a :class:`~tpdn_outcomes.data.SessionData`, works on its episodes
(baseline -> final, see :mod:`tpdn_outcomes.derive`), applies a domain-free statistic from
:mod:`tpdn_outcomes.stats` group by group (a loop over the handful of groups, never over
patients), and returns one row per group with the grouping variables as columns.

Caveat (kept with every result in ``DataFrame.attrs["caveat"]``): these are
uncontrolled before/after comparisons. Change from baseline mixes the treatment's effect
with natural recovery, regression to the mean and placebo response; it is not a
treatment effect.

Modules by topic: :mod:`.change` (change from baseline; function instruments),
:mod:`.rom` (range of motion against the normative range and the MDC), :mod:`.immediate`
(within-session change), :mod:`.responders` (who improved by a clinically meaningful
amount; thresholds from :mod:`tpdn_outcomes.mcid`), :mod:`.adverse` (side effects),
:mod:`.twitch` (change with and without a twitch response), :mod:`.recovery` (time to a
meaningful response, Kaplan-Meier), :mod:`.table_one` (baseline
characteristics), :mod:`.risk` (risk-adjusted observed minus expected change per clinic),
:mod:`.efficiency` (sessions, days and change per session; discharge capture and loss to
follow-up), :mod:`.trends` (the key figures quarter by quarter) and :mod:`.summary` (a
plain-language first page).
"""

from tpdn_outcomes.outcomes._common import GROUPINGS, UNCONTROLLED_CAVEAT
from tpdn_outcomes.outcomes.adverse import adverse_event_rates
from tpdn_outcomes.outcomes.benchmark import clinic_benchmark
from tpdn_outcomes.outcomes.change import change_summary, function_change
from tpdn_outcomes.outcomes.compare import compare_groups
from tpdn_outcomes.outcomes.efficiency import completeness, efficiency
from tpdn_outcomes.outcomes.immediate import immediate_change
from tpdn_outcomes.outcomes.missing import attrition, multiple_imputation, tipping_point
from tpdn_outcomes.outcomes.monitoring import describe_signals, monthly_control_chart
from tpdn_outcomes.outcomes.pooling import meta_by_clinic
from tpdn_outcomes.outcomes.recovery import TimeToResponse, response_times, time_to_response
from tpdn_outcomes.outcomes.responders import responder_curve, responder_rates
from tpdn_outcomes.outcomes.risk import (
    RISK_ADJUSTERS,
    RiskModel,
    completed_changes,
    fit_risk_model,
    risk_adjusted_benchmark,
)
from tpdn_outcomes.outcomes.rom import rom_change
from tpdn_outcomes.outcomes.summary import plain_language_summary, summary_figures
from tpdn_outcomes.outcomes.table_one import TableOne, table_one
from tpdn_outcomes.outcomes.trajectory import Trajectory, trajectory_model
from tpdn_outcomes.outcomes.trends import quarterly_trends
from tpdn_outcomes.outcomes.twitch import twitch_association
from tpdn_outcomes.outcomes.visits import visit_data, visit_model

__all__ = [
    "GROUPINGS",
    "RISK_ADJUSTERS",
    "UNCONTROLLED_CAVEAT",
    "RiskModel",
    "TableOne",
    "TimeToResponse",
    "Trajectory",
    "adverse_event_rates",
    "attrition",
    "change_summary",
    "clinic_benchmark",
    "compare_groups",
    "completed_changes",
    "completeness",
    "describe_signals",
    "efficiency",
    "fit_risk_model",
    "function_change",
    "immediate_change",
    "meta_by_clinic",
    "monthly_control_chart",
    "multiple_imputation",
    "plain_language_summary",
    "quarterly_trends",
    "responder_curve",
    "responder_rates",
    "response_times",
    "risk_adjusted_benchmark",
    "rom_change",
    "summary_figures",
    "table_one",
    "time_to_response",
    "tipping_point",
    "trajectory_model",
    "twitch_association",
    "visit_data",
    "visit_model",
]
