"""Small multiples of the quarterly key figures, the report quarter marked.

Draws the table :func:`tpdn_outcomes.outcomes.quarterly_trends` computed; computes
nothing.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tpdn_outcomes.plots._common import NEUTRAL, PALETTE

#: Panel titles and whether the figure is drawn in percent.
TREND_LABELS: dict[str, tuple[str, bool]] = {
    "patients": ("Patients seen", False),
    "completed_episodes": ("Completed episodes", False),
    "mean_pain_change": ("Mean pain change (NPRS points)", False),
    "responder_rate": ("Moderate pain responders (%)", True),
    "side_effect_rate": ("Sessions with any side effect (%)", True),
}


def plot_quarterly_trends(
    trends: pd.DataFrame, quarter: str | None = None, *, ncols: int = 3
) -> Figure:
    """One small panel per key figure over the quarters, the report quarter marked.

    Parameters
    ----------
    trends : DataFrame
        From :func:`tpdn_outcomes.outcomes.quarterly_trends`.
    quarter : str, optional
        The report quarter to mark (default ``trends.attrs["report_quarter"]``, else the
        last quarter).
    ncols : int, default 3
        Panels per row.

    Returns
    -------
    Figure
        Each panel draws one figure's values with their intervals as error bars (counts
        have none); quarters without a value are gaps, not joined across; the report
        quarter is shaded and its point filled in vermillion. Rates are in percent.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import quarterly_trends
    >>> fig = plot_quarterly_trends(quarterly_trends(load_sample(), "2026Q2"))
    >>> [ax.get_title() for ax in fig.axes][:2]
    ['Patients seen', 'Completed episodes']
    """
    missing = {"quarter", "figure", "value", "ci_low", "ci_high"} - set(trends.columns)
    if missing:
        raise ValueError(
            f"trends lacks the columns {sorted(missing)}; pass the table of quarterly_trends()"
        )
    quarters = list(dict.fromkeys(trends["quarter"].astype(str)))
    if quarter is None:
        quarter = str(trends.attrs.get("report_quarter", quarters[-1] if quarters else ""))
    if quarter not in quarters:
        raise ValueError(f"quarter {quarter!r} is not among the table's quarters {quarters}")
    figures = list(dict.fromkeys(trends["figure"]))
    ncols = max(1, min(ncols, len(figures)))
    nrows = math.ceil(len(figures) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.3 * ncols, 2.6 * nrows), layout="constrained", squeeze=False
    )
    x = np.arange(len(quarters))
    mark = quarters.index(quarter)
    for ax, name in zip(axes.flat, figures, strict=False):
        rows = trends[trends["figure"] == name].set_index("quarter").reindex(quarters)
        title, percent = TREND_LABELS.get(name, (str(name), False))
        scale = 100.0 if percent else 1.0
        value = rows["value"].to_numpy(dtype=float) * scale
        low = rows["ci_low"].to_numpy(dtype=float) * scale
        high = rows["ci_high"].to_numpy(dtype=float) * scale
        ax.axvspan(mark - 0.45, mark + 0.45, color=NEUTRAL, alpha=0.15, lw=0)
        ax.plot(x, value, color=PALETTE[0], lw=1.2, marker="o", ms=4)  # NaN: a gap
        has_ci = ~np.isnan(low) & ~np.isnan(high)
        if has_ci.any():
            ax.errorbar(x[has_ci], value[has_ci],
                        yerr=[value[has_ci] - low[has_ci], high[has_ci] - value[has_ci]],
                        fmt="none", ecolor=PALETTE[0], elinewidth=0.9, capsize=2)  # fmt: skip
        if not np.isnan(value[mark]):
            ax.plot([mark], [value[mark]], marker="o", ms=6, color=PALETTE[3], zorder=4)
        ax.set_title(title, fontsize=10)
        ax.set_xticks(x, [q.replace("Q", "\nQ") for q in quarters], fontsize=7)
        ax.tick_params(axis="y", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(axes.flat)[len(figures) :]:
        ax.set_visible(False)
    plt.close(fig)
    return fig


__all__ = ["TREND_LABELS", "plot_quarterly_trends"]
