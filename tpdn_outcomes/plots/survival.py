"""Figures of time to response (Kaplan-Meier curves)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

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
        Times at which the at-risk table counts episodes (default: 5 evenly spaced).
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
        One step curve per group (legend: group, n, median); under the axes, the number of
        episodes still at risk at each time in ``at``, one row per group.

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
    ax = new_axes(ax, figsize=(7.5, 4.5 + 0.25 * len(curves)))
    unit = str(result.summary["time_unit"].iloc[0])
    horizon = max(float(km.table["time"].max()) for km in curves.values())
    ticks = (
        np.asarray(at, dtype=float)
        if at is not None
        else np.unique(np.round(np.linspace(0, horizon, 5)))
    )
    rows = []
    for i, (label, km) in enumerate(curves.items()):
        colour = PALETTE[i % len(PALETTE)]
        shown = km.table[km.table["n_at_risk"] >= min_at_risk]
        t = np.r_[0.0, shown["time"].to_numpy(dtype=float)]
        s = np.r_[1.0, shown["survival"].to_numpy(dtype=float)]
        median = "not reached" if np.isnan(km.median) else f"{km.median:g}"
        ax.step(t, s, where="post", color=colour, lw=1.8,
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
    ax.set_xlim(left=0)
    ax.set_xticks(ticks)
    ax.set_ylabel("Share without a response yet")
    ax.set_xlabel("Days since the first session" if unit == "days" else "Session number")
    ax.axhline(0.5, color=NEUTRAL, lw=0.8, ls=":")
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    ax.set_title(f"Time to response ({result.rule})", fontsize=10)
    if not risk_table:
        return ax
    # at-risk table under the axes, aligned with the ticks
    ax.text(-0.06, -0.2, "At risk", transform=ax.transAxes, ha="right", fontsize=8,
            fontweight="bold")  # fmt: skip
    span = ax.get_xlim()
    for r, (label, colour, counts) in enumerate(rows):
        y = -0.28 - 0.07 * r
        ax.text(-0.06, y, label, transform=ax.transAxes, ha="right", fontsize=8, color=colour)
        for tick, cell in zip(ticks, counts, strict=True):
            x = (tick - span[0]) / (span[1] - span[0])
            ax.text(x, y, cell, transform=ax.transAxes, ha="center", fontsize=8)
    return ax


__all__ = ["plot_time_to_response"]
