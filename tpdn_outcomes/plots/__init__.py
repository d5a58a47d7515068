"""Figures: each function draws a table the library computed and returns the Axes.

Plots compute no statistic: they draw what :mod:`tpdn_outcomes.outcomes` returned (or,
for the descriptive plots, the episodes of a :class:`SessionData`). Nothing here calls
``plt.show()`` or saves a file. One shared style: readable fonts, the Okabe-Ito
colour-blind-safe palette, units on the axes, and ``n`` written next to every group.

One module per family, as seaborn's are: :mod:`.changes`, :mod:`.responders`,
:mod:`.survival`, :mod:`.benchmarking`, :mod:`.monitoring`, :mod:`.meta`, :mod:`.trends`; what they share
(palette, axes, labels) is in :mod:`._common`. Every figure is imported from here.
"""

from tpdn_outcomes.plots._common import PALETTE, axis_label
from tpdn_outcomes.plots._common import nice_label as _label  # noqa: F401 (report/render reads it)
from tpdn_outcomes.plots.benchmarking import plot_caterpillar, plot_funnel
from tpdn_outcomes.plots.changes import (
    plot_adjusted_means,
    plot_change_by_condition,
    plot_change_distribution,
    plot_paired,
    plot_rom_change,
    plot_spaghetti,
    plot_trajectories,
)
from tpdn_outcomes.plots.meta import plot_forest, plot_funnel_meta
from tpdn_outcomes.plots.monitoring import plot_adverse_events, plot_control_chart
from tpdn_outcomes.plots.responders import plot_attrition, plot_responder_curve, plot_responders
from tpdn_outcomes.plots.survival import plot_time_to_response
from tpdn_outcomes.plots.trends import plot_quarterly_trends

__all__ = [
    "PALETTE",
    "axis_label",
    "plot_adjusted_means",
    "plot_adverse_events",
    "plot_attrition",
    "plot_caterpillar",
    "plot_change_by_condition",
    "plot_change_distribution",
    "plot_control_chart",
    "plot_forest",
    "plot_funnel",
    "plot_funnel_meta",
    "plot_paired",
    "plot_quarterly_trends",
    "plot_responder_curve",
    "plot_responders",
    "plot_rom_change",
    "plot_spaghetti",
    "plot_time_to_response",
    "plot_trajectories",
]
