"""Figures for monitoring over time: control charts, and side effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tpdn_outcomes.plots._common import (
    NEUTRAL,
    PALETTE,
    group_keys,
    group_labels,
    new_axes,
    nice_label,
)


def plot_control_chart(
    chart: pd.DataFrame,
    *,
    ylabel: str | None = None,
    percent: bool | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A control chart: the points, the centre line, the limits and the signals marked.

    Parameters
    ----------
    chart : DataFrame
        From :func:`tpdn_outcomes.stats.control_chart` or
        :func:`tpdn_outcomes.outcomes.monthly_control_chart`.
    ylabel : str, optional
        The axis label (default from ``metric`` when the chart has one).
    percent : bool, optional
        Show proportions in percent (default: for p charts and rate metrics).
    ax : Axes, optional

    Returns
    -------
    Axes
        Points joined by a line; signals as vermillion diamonds (legend says which rules
        fired); the centre line and the limits (steps where they vary). Monthly charts keep
        a place for every month: a month without a point (left out for too few episodes)
        is a shaded gap in the line. The legend sits beside the axes.

    Examples
    --------
    >>> from tpdn_outcomes.stats import control_chart
    >>> ax = plot_control_chart(control_chart([1.0, 1.2, 0.9, 1.1, 3.0]))
    >>> len(ax.get_lines()) >= 3
    True
    """
    metric = str(chart["metric"].iloc[0]) if "metric" in chart else ""
    rate = metric in ("responder_rate", "adverse_event_rate") or chart.attrs.get("kind") == "p"
    scale = 100.0 if (percent if percent is not None else rate) else 1.0
    ax = new_axes(ax, figsize=(8.0, 3.8))
    x, labels = _positions(chart)
    full = np.arange(len(labels))

    def spread(column: str) -> np.ndarray:  # one value per position, NaN where no point
        out = np.full(len(labels), np.nan)
        out[x] = chart[column].to_numpy(dtype=float) * scale
        return out

    value = spread("value")
    ax.plot(full, value, color=PALETTE[0], marker="o", ms=4, lw=1.2, label="value")
    # centre and limits come from all the points: drawn across the gaps
    line = {c: pd.Series(spread(c)).ffill().bfill().to_numpy() for c in ("centre", "ucl", "lcl")}
    ax.plot(full, line["centre"], color=NEUTRAL, lw=1, label="centre")
    ax.step(full, line["ucl"], where="mid", color=PALETTE[3], lw=0.9, ls="--",
            label="control limits")  # fmt: skip
    ax.step(full, line["lcl"], where="mid", color=PALETTE[3], lw=0.9, ls="--")
    missing = np.setdiff1d(full, x)
    for i, m in enumerate(missing):
        ax.axvspan(m - 0.5, m + 0.5, color=NEUTRAL, alpha=0.12, lw=0,
                   label="no point (month left out)" if i == 0 else None)  # fmt: skip
    flagged = chart["signal"].to_numpy(dtype=bool) if "signal" in chart else np.zeros(len(x), bool)
    if flagged.any():
        fired = [c.removeprefix("signal_").replace("_", " ") for c in chart.columns
                 if c.startswith("signal_") and chart[c].any()]  # fmt: skip
        ax.scatter(x[flagged], value[x[flagged]], marker="D", s=45, color=PALETTE[3], zorder=4,
                   label="signal: " + ", ".join(fired))  # fmt: skip
    step = max(1, len(full) // 12)
    ax.set_xticks(full[::step], labels[::step], rotation=45, ha="right")
    ax.set_xlim(-0.6, len(full) - 0.4)
    names = {
        "responder_rate": "Responders (% of completed episodes)",
        "mean_change": "Mean change (final - baseline)",
        "adverse_event_rate": "Sessions with a side effect (%)",
    }
    ax.set_ylabel(ylabel or names.get(metric, "Value"))
    # the legend beside the axes: never over a point or a limit line
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              borderaxespad=0.0)  # fmt: skip
    return ax


def _positions(chart: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Each point's place on the x axis and the axis labels; a month without a point
    keeps its place (a gap), so that months either side of it are never drawn adjacent.

    Examples
    --------
    >>> x, labels = _positions(pd.DataFrame({"label": ["2025-01", "2025-03"]}))
    >>> x.tolist(), labels
    ([0, 2], ['2025-01', '2025-02', '2025-03'])
    >>> _positions(pd.DataFrame({"value": [1.0, 2.0]}))
    (array([0, 1]), ['1', '2'])
    """
    if "label" in chart:
        text = chart["label"].astype(str)
        if len(text) and text.str.fullmatch(r"\d{4}-\d{2}").all():
            months = pd.PeriodIndex(text, freq="M")
            first = months.min()
            x = np.asarray([(m - first).n for m in months], dtype=int)
            if (np.diff(x) > 0).all():
                span = pd.period_range(first, months.max(), freq="M")
                return x, [str(p) for p in span]
        return np.arange(len(chart)), text.tolist()
    return np.arange(len(chart)), [str(i + 1) for i in range(len(chart))]


def plot_adverse_events(
    table: pd.DataFrame,
    *,
    unit: str = "session",
    ax: Axes | None = None,
) -> Axes:
    """Adverse-event rates with their confidence intervals, one row per event (and group).

    Parameters
    ----------
    table : DataFrame
        The result of :func:`tpdn_outcomes.outcomes.adverse_event_rates`.
    unit : {"session", "patient"}, default "session"
        Which rate to draw.
    ax : Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    Axes
        Rates in percent on the x axis, one colour per group (legend with each group's
        ``n``), events on the y axis.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import adverse_event_rates
    >>> ax = plot_adverse_events(adverse_event_rates(load_sample(), by=None))
    >>> ax.get_xlabel()
    'Sessions with the event (%, 95% CI)'
    """
    if unit not in ("session", "patient"):
        raise ValueError(f"unit must be 'session' or 'patient', not {unit!r}")
    rows = table[table["unit"] == unit]
    if rows.empty:
        raise ValueError("the table is empty: nothing to draw")
    ax = new_axes(ax)
    keys = group_keys(rows)
    events = list(dict.fromkeys(rows["event"]))
    if keys:
        group_label = pd.Series(group_labels(rows, keys), index=rows.index)
    else:
        group_label = pd.Series("All", index=rows.index)
    groups = list(dict.fromkeys(group_label))
    height = 0.8 / len(groups)
    base = np.arange(len(events))[::-1].astype(float)
    for i, g in enumerate(groups):
        part = rows[group_label == g].set_index("event").reindex(events)
        y = base + 0.4 - height * (i + 0.5)
        rate = 100 * part["rate"].to_numpy(float)
        lo = 100 * part["ci_low"].to_numpy(float)
        hi = 100 * part["ci_high"].to_numpy(float)
        n = int(part["n"].max())
        ax.errorbar(rate, y, xerr=[rate - lo, hi - rate], fmt="o", ms=5, capsize=2,
                    color=PALETTE[i % len(PALETTE)], label=f"{g} (n = {n})")  # fmt: skip
    ax.set_yticks(base, [nice_label(e) for e in events])
    ax.set_xlim(left=0)
    ax.set_xlabel(f"{'Sessions' if unit == 'session' else 'Patients'} with the event (%, 95% CI)")
    ax.legend(frameon=False, loc="lower right", fontsize=9)
    ax.set_title("Adverse events", fontsize=11)
    return ax


__all__ = ["plot_adverse_events", "plot_control_chart"]
