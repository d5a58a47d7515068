"""Figures comparing clinics: funnel plot and caterpillar plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tpdn_outcomes.plots._common import (
    NEUTRAL,
    PALETTE,
    new_axes,
)


def plot_funnel(table: pd.DataFrame, *, metric: str = "o_minus_e", ax: Axes | None = None) -> Axes:
    """Funnel plot of clinics: O - E change (or responder rate) against volume.

    Parameters
    ----------
    table : DataFrame
        From :func:`tpdn_outcomes.outcomes.clinic_benchmark`.
    metric : {"o_minus_e", "rate"}, default "o_minus_e"
        Observed minus expected mean change, or the responder rate.
    ax : Axes, optional

    Returns
    -------
    Axes
        One point per clinic (labelled), the target line (0, or the overall rate) and the
        95 % and 99.8 % limits as curves over the number of episodes; clinics beyond the
        99.8 % limits in vermillion.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import clinic_benchmark
    >>> plot_funnel(clinic_benchmark(load_sample())).get_xlabel()
    'Episodes with a change (n)'
    """
    from tpdn_outcomes.outcomes.benchmark import Z95, Z998

    if metric not in ("o_minus_e", "rate"):
        raise ValueError(f"metric must be 'o_minus_e' or 'rate', not {metric!r}")
    ax = new_axes(ax, figsize=(7.0, 4.5))
    n = table["n"].to_numpy(dtype=float)
    grid = np.linspace(max(n.min() * 0.5, 2), n.max() * 1.15, 200)
    if metric == "o_minus_e":
        sigma = float(table.attrs["sigma"])
        y = table["o_minus_e"].to_numpy(dtype=float)
        target = 0.0
        half95, half998 = Z95 * sigma / np.sqrt(grid), Z998 * sigma / np.sqrt(grid)
        outside = table["outside_998"].to_numpy(dtype=bool)
        ylabel = "Observed - expected mean change"
    else:
        p = float(table.attrs["overall_rate"])
        y = 100 * table["rate"].to_numpy(dtype=float)
        target = 100 * p
        sd = 100 * np.sqrt(p * (1 - p) / grid)
        half95, half998 = Z95 * sd, Z998 * sd
        outside = table["rate_outside_998"].to_numpy(dtype=bool)
        ylabel = "Responders (%)"
    ax.axhline(target, color=NEUTRAL, lw=1)
    for half, style, label in ((half95, "--", "95 % limits"), (half998, ":", "99.8 % limits")):
        ax.plot(grid, target + half, color=PALETTE[0], ls=style, lw=1, label=label)
        ax.plot(grid, target - half, color=PALETTE[0], ls=style, lw=1)
    colours = [PALETTE[3] if o else PALETTE[7] for o in outside]
    ax.scatter(n, y, c=colours, zorder=3)
    for xi, yi, name in zip(n, y, table["clinic_id"], strict=True):
        ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel("Episodes with a change (n)")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_caterpillar(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Clinics ranked by observed - expected change, with their confidence intervals.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import clinic_benchmark
    >>> ax = plot_caterpillar(clinic_benchmark(load_sample()))
    >>> ax.get_xlabel()
    'Observed - expected mean change (95% CI)'
    """
    ordered = table.sort_values("o_minus_e").reset_index(drop=True)
    ax = new_axes(ax, figsize=(6.5, 0.35 * len(ordered) + 1.5))
    y = np.arange(len(ordered))
    est = ordered["o_minus_e"].to_numpy(dtype=float)
    low = ordered["ci_low"].to_numpy(dtype=float)
    high = ordered["ci_high"].to_numpy(dtype=float)
    colours = [PALETTE[3] if o else PALETTE[0] for o in ordered["outside_998"]]
    ax.hlines(y, low, high, colors=colours, lw=1.4)
    ax.scatter(est, y, c=colours, zorder=3)
    ax.axvline(0, color=NEUTRAL, lw=1)
    ax.set_yticks(y, [f"{c} (n = {int(n)})" for c, n in zip(ordered["clinic_id"], ordered["n"],
                                                            strict=True)])  # fmt: skip
    ax.set_xlabel("Observed - expected mean change (95% CI)")
    return ax


__all__ = ["plot_caterpillar", "plot_funnel"]
