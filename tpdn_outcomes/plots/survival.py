"""Figures of time to response (Kaplan-Meier curves)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from tpdn_outcomes.plots._common import (
    NEUTRAL,
    PALETTE,
    new_axes,
    nice_label,
)


def plot_time_to_response(
    result: Any,
    *,
    at: Sequence[float] | None = None,
    ci: bool = True,
    min_n: int = 1,
    min_at_risk: int = 0,
    risk_table: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Kaplan-Meier curves of the share still without a response, with an at-risk table.

    Parameters
    ----------
    result : TimeToResponse
        The result of :func:`tpdn_outcomes.outcomes.time_to_response`.
    at : sequence of float, optional
        The axis ticks, where the at-risk table counts episodes (default: up to 7 round
        numbers over the time the curves span).
    ci : bool, default True
        Shade each curve's confidence band.
    min_n : int, default 1
        Groups with fewer episodes are not drawn (the report passes its ``min_cell``).
    min_at_risk : int, default 0
        Privacy for reports: each curve stops where fewer episodes remain at risk (its
        late steps would show single patients), and at-risk counts below it read
        ``"<min_at_risk"``.
    risk_table : bool, default True
        Print the at-risk counts under the axes (a report whose counts are audited for
        disclosure leaves them out: they are counts that the audit does not register).
    ax : Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    Axes
        One step curve per group (legend: group, n, median); the time axis ends at the
        round tick just past the last step drawn. Under the axes, in a child axes labelled
        ``"at-risk table"``, the number of episodes still at risk at each tick, one row per
        curve drawn.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import time_to_response
    >>> ax = plot_time_to_response(time_to_response(load_sample(), by="practitioner_role"))
    >>> ax.get_xlabel()
    'Days since the first session'
    """
    curves = {k: v for k, v in result.curves.items() if v.n >= min_n}
    if not curves:
        raise ValueError("no group to draw")
    if ax is None and risk_table:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(7.5, 4.5 + 0.25 * len(curves)), layout="constrained")
        grid = fig.add_gridspec(2, 1, height_ratios=[4.0, 0.25 * (len(curves) + 1)])
        ax = new_axes(fig.add_subplot(grid[0]))
        ax._tpdn_risk_axes = fig.add_subplot(grid[1], sharex=ax)  # type: ignore[attr-defined]
    ax = new_axes(ax, figsize=(7.5, 4.5 + 0.25 * len(curves)))
    unit = str(result.summary["time_unit"].iloc[0])
    shown_parts = {k: km.table[km.table["n_at_risk"] >= min_at_risk] for k, km in curves.items()}
    horizon = max([float(part["time"].max()) for part in shown_parts.values() if len(part)] + [1.0])
    locator = MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10])
    ticks: np.ndarray = np.asarray(
        at if at is not None else locator.tick_values(0, horizon), dtype=float
    )
    ticks = ticks[ticks >= 0]
    right = max(float(ticks.max()), horizon) if len(ticks) else horizon
    rows = []
    for i, (label, km) in enumerate(curves.items()):
        colour = PALETTE[i % len(PALETTE)]
        shown = shown_parts[label]
        t = np.r_[0.0, shown["time"].to_numpy(dtype=float)]
        s = np.r_[1.0, shown["survival"].to_numpy(dtype=float)]
        median = "not reached" if np.isnan(km.median) else f"{km.median:g}"
        ax.step(t, s, where="post", color=colour, lw=1.8, ls="-" if i < len(PALETTE) else "--",
                label=f"{nice_label(label)} (n = {km.n}; median {median})")  # fmt: skip
        if ci:
            low = np.r_[1.0, shown["ci_low"].to_numpy(dtype=float)]
            high = np.r_[1.0, shown["ci_high"].to_numpy(dtype=float)]
            ax.fill_between(t, low, high, step="post", color=colour, alpha=0.12, lw=0)
        times = km.table["time"].to_numpy(dtype=float)
        at_risk = km.table["n_at_risk"].to_numpy()
        counts: list[str] = []
        for tick in ticks:
            later = np.flatnonzero(times >= tick)
            count = int(at_risk[later[0]]) if later.size else 0
            counts.append(f"<{min_at_risk}" if 0 < count < min_at_risk else str(count))
        rows.append((nice_label(label), colour, counts))
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, right)
    ax.set_xticks(ticks)
    ax.set_ylabel("Share without a response yet")
    ax.set_xlabel("Days since the first session" if unit == "days" else "Session number")
    ax.axhline(0.5, color=NEUTRAL, lw=0.8, ls=":")
    # the legend beside the axes, off the curves
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(f"Time to response ({result.rule})", fontsize=10)
    if risk_table:
        _risk_table(ax, ticks, rows)
    return ax


def _risk_table(ax: Axes, ticks: np.ndarray, rows: list[tuple[str, str, list[str]]]) -> Axes:
    """The at-risk counts in an axes under ``ax``: one row per curve drawn, at the ticks.

    A figure made here has the table's axes in its grid (so the layout leaves room for its
    labels); on a caller's axes the table is cut from the bottom of that axes.
    """
    table = getattr(ax, "_tpdn_risk_axes", None)
    if table is None:  # the caller's axes: a table axes cut from its bottom
        from mpl_toolkits.axes_grid1 import make_axes_locatable

        size = 0.22 * (len(rows) + 1)  # inches: a line of text per row
        table = make_axes_locatable(ax).append_axes("bottom", size=size, pad=0.55, sharex=ax)
    table.set_xlim(ax.get_xlim())
    table.set_ylim(len(rows) - 0.5, -1.5)
    for side in ("top", "right", "bottom", "left"):
        table.spines[side].set_visible(False)
    table.tick_params(axis="x", bottom=False, labelbottom=False)
    table.set_yticks(range(-1, len(rows)), ["At risk", *[label for label, _, _ in rows]],
                     fontsize=8)  # fmt: skip
    table.tick_params(axis="y", length=0, pad=14)
    table.get_yticklabels()[0].set_fontweight("bold")
    for r, (_, colour, counts) in enumerate(rows):
        table.get_yticklabels()[r + 1].set_color(colour)
        for tick, cell in zip(ticks, counts, strict=True):
            table.text(tick, r, cell, ha="center", va="center", fontsize=8)
    table.set_label("at-risk table")
    return table


__all__ = ["plot_time_to_response"]
