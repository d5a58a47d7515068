"""Figures of meta-analyses: forest plot and funnel plot with Egger's test."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tpdn_outcomes.plots._common import (
    NEUTRAL,
    PALETTE,
    new_axes,
)


def plot_forest(result: Any, *, xlabel: str = "Effect", ax: Axes | None = None) -> Axes:
    """Forest plot: each study's effect and interval, sized by weight; the pooled diamond.

    Parameters
    ----------
    result : MetaAnalysis
        From :func:`tpdn_outcomes.stats.meta_analysis` or
        :func:`tpdn_outcomes.outcomes.meta_by_clinic`.
    xlabel : str, default "Effect"
        The axis label (say what the effect is, with its unit).
    ax : Axes, optional

    Returns
    -------
    Axes
        Squares (area proportional to weight) with 95% intervals, one row per study
        (labelled with its weight); the pooled estimate as a diamond spanning its interval,
        and the prediction interval as a line under it when the model has one.

    Examples
    --------
    >>> from tpdn_outcomes.stats import meta_analysis
    >>> res = meta_analysis([0.2, 0.5, 0.1], [0.04, 0.02, 0.05], labels=["A", "B", "C"])
    >>> [t.get_text() for t in plot_forest(res).get_yticklabels()][:2]
    ['A (29.7 %)', 'B (45.0 %)']
    """
    studies = result.studies
    pooled = result.pooled.iloc[0]
    k = len(studies)
    ax = new_axes(ax, figsize=(7.0, 0.4 * k + 2.0))
    y = np.arange(k)[::-1] + 2.0
    eff = studies["effect"].to_numpy(dtype=float)
    low = studies["ci_low"].to_numpy(dtype=float)
    high = studies["ci_high"].to_numpy(dtype=float)
    weight = studies["weight"].to_numpy(dtype=float)
    ax.hlines(y, low, high, color=PALETTE[0], lw=1.2)
    ax.scatter(eff, y, marker="s", s=20 + 8 * weight, color=PALETTE[0], zorder=3)
    est, lo, hi = pooled["estimate"], pooled["ci_low"], pooled["ci_high"]
    ax.fill([lo, est, hi, est], [0.8, 1.1, 0.8, 0.5], color=PALETTE[3], zorder=3)
    if pd.notna(pooled["pi_low"]):
        ax.hlines(0.2, pooled["pi_low"], pooled["pi_high"], color=PALETTE[3], lw=1.5)
    ax.axvline(0, color=NEUTRAL, lw=1)
    ax.axvline(est, color=PALETTE[3], lw=0.8, ls=":")
    labels = [f"{lab} ({w:.1f} %)" for lab, w in zip(studies["label"], weight, strict=True)]
    pooled_label = f"Pooled ({pooled['method']})"
    ticks = [*y, 0.8] + ([0.2] if pd.notna(pooled["pi_low"]) else [])
    names = [*labels, pooled_label] + (
        ["Prediction interval"] if pd.notna(pooled["pi_low"]) else []
    )
    ax.set_yticks(ticks, names)
    ax.set_ylim(-0.3, k + 2.6)
    ax.set_xlabel(xlabel)
    ax.set_title(
        f"Pooled {est:.2f} ({lo:.2f} to {hi:.2f}); tau² = {pooled['tau2']:.3f}, "
        f"I² = {pooled['i2']:.0f} %",
        fontsize=10,
    )
    return ax


def plot_funnel_meta(result: Any, *, xlabel: str = "Effect", ax: Axes | None = None) -> Axes:
    """Funnel plot of effect against standard error, with Egger's test in the title.

    Parameters
    ----------
    result : MetaAnalysis
        A fitted meta-analysis; its ``egger`` attribute gives the test in the title.
    xlabel : str, default "Effect"
        The label of the effect axis.
    ax : Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    Axes
        One point per study (standard error increasing downwards), the pooled effect as a
        vertical line, and the pseudo 95% limits ``estimate +- 1.96 se``.

    Examples
    --------
    >>> from tpdn_outcomes.stats import meta_analysis
    >>> res = meta_analysis([0.2, 0.5, 0.1, 0.3], [0.04, 0.02, 0.05, 0.01])
    >>> plot_funnel_meta(res).get_ylabel()
    'Standard error'
    """
    studies = result.studies
    est = float(result.pooled["estimate"].iloc[0])
    ax = new_axes(ax, figsize=(5.5, 4.5))
    se = studies["se"].to_numpy(dtype=float)
    ax.scatter(studies["effect"], se, color=PALETTE[0], zorder=3)
    top = float(se.max()) * 1.1
    grid = np.linspace(0, top, 50)
    ax.plot(est - 1.96 * grid, grid, color=NEUTRAL, lw=0.8, ls="--")
    ax.plot(est + 1.96 * grid, grid, color=NEUTRAL, lw=0.8, ls="--")
    ax.axvline(est, color=PALETTE[3], lw=1)
    ax.set_ylim(top, 0)
    ax.set_ylabel("Standard error")
    ax.set_xlabel(xlabel)
    if result.egger is not None:
        egger = result.egger.iloc[0]
        ax.set_title(f"Egger's test: t = {egger['statistic']:.2f}, p = {egger['p_val']:.2g}",
                     fontsize=10)  # fmt: skip
    else:
        ax.set_title("Egger's test needs three or more studies", fontsize=10)
    return ax


__all__ = ["plot_forest", "plot_funnel_meta"]
