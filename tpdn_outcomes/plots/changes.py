"""Figures of change: by group, paired before/after, distributions, ROM, and models' adjusted means and trajectories."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.plots._common import (
    NEUTRAL,
    PALETTE,
    axis_label,
    group_keys,
    group_labels,
    new_axes,
    nice_label,
)


def plot_change_by_condition(
    table: pd.DataFrame,
    *,
    improvement: bool = False,
    mcid: float | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Mean change (or improvement) with its confidence interval, one row per group.

    Parameters
    ----------
    table : DataFrame
        The result of :func:`tpdn_outcomes.outcomes.change_summary` (one measure).
    improvement : bool, default False
        Draw ``mean_improvement`` (positive = better) instead of ``mean_change``
        (final - baseline).
    mcid : float, optional
        Draw the clinically meaningful change as a dashed line (in improvement units;
        drawn at ``-mcid`` for a lower-is-better measure shown as change).
    ax : Axes, optional
        Where to draw; a new figure when omitted.
    **kwargs
        Passed to ``Axes.errorbar``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import change_summary
    >>> ax = plot_change_by_condition(change_summary(load_sample()), mcid=2)
    >>> ax.get_xlabel()
    'Change in Pain (points, NPRS 0-10)'
    """
    if table.empty:
        raise ValueError("the table is empty: nothing to draw")
    measures = table["measure"].unique()
    if len(measures) != 1:
        raise ValueError(f"draw one measure at a time; the table has {list(measures)}")
    measure = str(measures[0])
    spec = schema.measure_spec(measure)
    ax = new_axes(ax)
    keys = group_keys(table)
    labels = group_labels(table, keys)
    sign = (1.0 if spec.higher_is_better else -1.0) if improvement else 1.0
    centre = table["mean_change"].to_numpy(float) * sign
    low = table["ci_low"].to_numpy(float) * sign
    high = table["ci_high"].to_numpy(float) * sign
    low, high = np.minimum(low, high), np.maximum(low, high)
    y = np.arange(len(table))[::-1]
    style: dict[str, Any] = {
        "fmt": "o",
        "color": PALETTE[0],
        "ecolor": PALETTE[0],
        "capsize": 3,
        "ms": 6,
    }
    style.update(kwargs)
    ax.errorbar(centre, y, xerr=[centre - low, high - centre], **style)
    ax.set_yticks(y, [f"{lab}  (n = {int(n)})" for lab, n in zip(labels, table["n"], strict=True)])
    ax.axvline(0, color=NEUTRAL, lw=1)
    if mcid is not None:
        at = mcid if improvement or spec.higher_is_better else -mcid
        ax.axvline(at, color=PALETTE[3], lw=1.2, ls="--", label=f"MCID ({mcid:g})")
        ax.legend(frameon=False, loc="best")
    ax.set_xlabel(axis_label(measure, "improvement" if improvement else "change"))
    conf = table.attrs.get("confidence", 0.95)
    ax.set_title(
        f"Mean {'improvement' if improvement else 'change'} with {conf:.0%} CI", fontsize=11
    )
    return ax


def plot_paired(
    data: SessionData,
    *,
    measure: str = "pain",
    condition: str | None = None,
    n_patients: int = 40,
    seed: int = 0,
    ax: Axes | None = None,
) -> Axes:
    """Baseline -> final slopes for a random sample of episodes, with the mean overlaid.

    Parameters
    ----------
    data : SessionData
    measure : str, default "pain"
    condition : str, optional
        Only episodes of this condition.
    n_patients : int, default 40
        How many episodes to draw (a seeded random sample of those with a change).
    seed : int, default 0
        Seed of the sample.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> ax = plot_paired(load_sample(), condition="neck_pain", n_patients=10)
    >>> len(ax.lines)  # 10 episodes and the mean
    11
    """
    episodes = data.episodes(measure)
    if condition is not None:
        episodes = episodes[episodes["condition"].astype(str) == condition]
    done = episodes[episodes["change"].notna()]
    if done.empty:
        raise ValueError("no episode has both a baseline and a final value to draw")
    sample = done.sample(n=min(n_patients, len(done)), random_state=seed)
    ax = new_axes(ax, figsize=(4.5, 4.5))
    for b, f in zip(sample["baseline"], sample["final"], strict=True):
        ax.plot([0, 1], [b, f], color=NEUTRAL, alpha=0.5, lw=0.8)
    ax.plot(
        [0, 1],
        [done["baseline"].mean(), done["final"].mean()],
        color=PALETTE[0],
        lw=3,
        marker="o",
        label=f"mean of all {len(done)} episodes",
    )
    spec = schema.measure_spec(measure)
    ax.set_xticks([0, 1], ["Baseline", "Final"])
    ax.set_xlim(-0.2, 1.2)
    ax.set_ylabel(
        f"{'Pain' if spec.kind == 'pain' else spec.label} ({schema.UNITS[spec.unit].axis})"
    )
    where = nice_label(condition) if condition else "all conditions"
    ax.set_title(f"{where}: {len(sample)} of {len(done)} episodes", fontsize=11)
    ax.legend(frameon=False, loc="best")
    return ax


def plot_change_distribution(
    data: SessionData,
    *,
    measure: str = "pain",
    by: str = "condition",
    ax: Axes | None = None,
) -> Axes:
    """Distribution of the change per episode, one box per group, with ``n``.

    Boxes show the median and quartiles; whiskers reach 1.5 IQR; points beyond are shown.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> ax = plot_change_distribution(load_sample())
    >>> ax.get_xlabel()
    'Change in Pain (points, NPRS 0-10)'
    """
    episodes = data.episodes(measure)
    done = episodes[episodes["change"].notna()]
    if done.empty:
        raise ValueError("no episode has a change to draw")
    groups = sorted(done[by].dropna().astype(str).unique())
    values = [done.loc[done[by].astype(str) == g, "change"].to_numpy(float) for g in groups]
    ax = new_axes(ax)
    positions = np.arange(len(groups))[::-1]
    ax.boxplot(
        values,
        positions=positions,
        orientation="horizontal",
        widths=0.6,
        patch_artist=True,
        boxprops={"facecolor": PALETTE[5], "alpha": 0.6},
        medianprops={"color": PALETTE[0], "lw": 2},
        flierprops={"marker": ".", "markersize": 3, "markeredgecolor": NEUTRAL},
    )
    ax.set_yticks(
        positions, [f"{nice_label(g)}  (n = {len(v)})" for g, v in zip(groups, values, strict=True)]
    )
    ax.axvline(0, color=NEUTRAL, lw=1)
    ax.set_xlabel(axis_label(measure))
    ax.set_title("Change per episode (final - baseline)", fontsize=11)
    return ax


def plot_rom_change(
    table: pd.DataFrame,
    *,
    percent_of_normal: bool = True,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Mean ROM change with its CI per site and group, against each site's MDC.

    Parameters
    ----------
    table : DataFrame
        The result of :func:`tpdn_outcomes.outcomes.rom_change`.
    percent_of_normal : bool, default True
        Draw the change as a percent of the site's normative range (so that degrees and
        millimetres share one axis); ``False`` draws the site's own unit (then the table must
        hold one unit only).
    ax : Axes, optional
        Where to draw; a new figure when omitted.
    **kwargs
        Passed to ``Axes.errorbar``.

    Returns
    -------
    Axes
        One row per site x group (labelled with ``n``); each site's MDC is a short
        vermillion tick on its row, so a mean beyond it is visible at a glance. Rows
        without a change (no pairs) are not drawn.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import rom_change
    >>> ax = plot_rom_change(rom_change(load_sample()))
    >>> ax.get_xlabel()
    'Mean change (% of the normative range)'
    """
    done = table[table["n"] >= 2] if "n" in table else table
    if done.empty:
        raise ValueError("the table has no site with a change to draw")
    ax = new_axes(ax, figsize=(9.0, 0.45 * len(done) + 1.5))
    keys = group_keys(done)
    if percent_of_normal:
        centre = done["mean_change_pct_normal"].to_numpy(float)
        low = done["ci_low_pct_normal"].to_numpy(float)
        high = done["ci_high_pct_normal"].to_numpy(float)
        mdc = 100.0 * done["mdc"].to_numpy(float) / done["normal_range"].to_numpy(float)
        xlabel = "Mean change (% of the normative range)"
    else:
        units = done["unit"].unique()
        if len(units) != 1:
            raise ValueError(f"sites in different units {list(units)}: use percent_of_normal=True")
        centre = done["mean_change"].to_numpy(float)
        low = done["ci_low"].to_numpy(float)
        high = done["ci_high"].to_numpy(float)
        mdc = done["mdc"].to_numpy(float)
        xlabel = f"Mean change ({schema.UNITS[str(units[0])].axis})"
    y = np.arange(len(done))[::-1]
    style: dict[str, Any] = {"fmt": "o", "color": PALETTE[2], "capsize": 3, "ms": 6}
    style.update(kwargs)
    ax.errorbar(centre, y, xerr=[centre - low, high - centre], **style)
    known = ~np.isnan(mdc)
    if known.any():
        ax.scatter(mdc[known], y[known], marker="|", s=250, color=PALETTE[3], label="MDC",
                   zorder=3)  # fmt: skip
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    labels = []
    for (_, row), group in zip(done.iterrows(), group_labels(done, keys), strict=True):
        site = schema.measure_spec(str(row["measure"])).label
        labels.append(f"{site} - {group}  (n = {int(row['n'])})" if keys else
                      f"{site}  (n = {int(row['n'])})")  # fmt: skip
    ax.set_yticks(y, labels)
    ax.axvline(0, color=NEUTRAL, lw=1)
    ax.set_xlabel(xlabel)
    ax.set_title("ROM: mean change (95% CI) and MDC", fontsize=11)
    return ax


def plot_adjusted_means(result: Any, *, ax: Axes | None = None, ylabel: str = "") -> Axes:
    """Adjusted means with their confidence intervals: one point per group (ANCOVA) or one
    line per group across visits (MMRM).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import compare_groups
    >>> ax = plot_adjusted_means(compare_groups(load_sample(), by="practitioner_role"))
    >>> [t.get_text() for t in ax.get_yticklabels()][0]
    'Chiropractor'
    """
    means = result.adjusted_means
    if "visit" in means:
        ax = new_axes(ax, figsize=(7.5, 4.5))
        visits = list(dict.fromkeys(means["visit"]))
        x = np.arange(len(visits))
        groups = list(dict.fromkeys(means["group"]))
        width = 0.08 * (len(groups) - 1)
        for i, g in enumerate(groups):
            part = means[means["group"] == g].set_index("visit").loc[visits]
            offset = (i - (len(groups) - 1) / 2) * (width / max(len(groups) - 1, 1))
            est = part["estimate"].to_numpy(float)
            ax.errorbar(x + offset, est, yerr=[est - part["ci_low"], part["ci_high"] - est],
                        marker="o", capsize=3, color=PALETTE[i % len(PALETTE)],
                        label=nice_label(g))  # fmt: skip
        ax.set_xticks(x, visits)
        ax.axhline(0, color=NEUTRAL, lw=1)
        ax.set_ylabel(ylabel or "Adjusted mean change (95% CI)")
        ax.legend(frameon=False, fontsize=8)
        return ax
    ax = new_axes(ax)
    y = np.arange(len(means))[::-1]
    est = means["estimate"].to_numpy(float)
    ax.errorbar(est, y, xerr=[est - means["ci_low"], means["ci_high"] - est], fmt="o",
                capsize=3, color=PALETTE[0])  # fmt: skip
    ax.set_yticks(y, [nice_label(g) for g in means["group"]])
    ax.axvline(0, color=NEUTRAL, lw=1)
    ax.set_xlabel(ylabel or "Adjusted mean change (95% CI)")
    return ax


def plot_trajectories(result: Any, *, ax: Axes | None = None, observed: bool = True) -> Axes:
    """Model-predicted mean trajectories with confidence bands, over observed means.

    Parameters
    ----------
    result : Trajectory
        From :func:`tpdn_outcomes.outcomes.trajectory_model`.
    observed : bool, default True
        Also draw the observed mean at each time point (open circles).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import trajectory_model
    >>> ax = plot_trajectories(trajectory_model(load_sample(), by=None))
    >>> ax.get_xlabel()
    'Sessions since the first'
    """
    pred = result.predictions
    ax = new_axes(ax, figsize=(7.5, 4.5))
    for i, (g, part) in enumerate(pred.groupby("group", sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(part["time"], part["estimate"], color=colour, lw=1.8, label=nice_label(g))
        ax.fill_between(part["time"], part["ci_low"], part["ci_high"], color=colour, alpha=0.15,
                        lw=0)  # fmt: skip
        if observed:
            obs = result.data
            obs = obs if "group" not in obs or g == "All episodes" else obs[obs["group"] == g]
            means = obs.groupby("time")["value"].mean()
            means = means[means.index <= part["time"].max()]
            ax.scatter(means.index, means.to_numpy(), facecolors="none", edgecolors=colour, s=18)
    ax.set_xlabel("Sessions since the first" if result.data["time"].max() < 30
                  else "Days since the first session")  # fmt: skip
    ax.set_ylabel("Value before needling (model mean, 95% CI; circles: observed means)")
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_spaghetti(result: Any, *, n: int = 30, seed: int = 0, ax: Axes | None = None) -> Axes:
    """A random sample of individual episode trajectories, with the overall mean on top.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import trajectory_model
    >>> ax = plot_spaghetti(trajectory_model(load_sample(), by=None), n=10)
    >>> len(ax.get_lines())
    11
    """
    data = result.data
    ids = data["episode_id"].unique()
    rng = np.random.default_rng(seed)
    chosen = rng.choice(ids, size=min(n, len(ids)), replace=False)
    ax = new_axes(ax, figsize=(7.0, 4.5))
    for ep in chosen:
        part = data[data["episode_id"] == ep].sort_values("time")
        ax.plot(part["time"], part["value"], color=NEUTRAL, lw=0.8, alpha=0.6)
    means = data.groupby("time")["value"].mean()
    ax.plot(means.index, means.to_numpy(), color=PALETTE[3], lw=2.2, label="mean of all episodes")
    ax.set_xlabel("Sessions since the first" if data["time"].max() < 30 else "Days")
    ax.set_ylabel("Value before needling")
    ax.set_title(f"{len(chosen)} of {len(ids)} episodes (random sample)", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return ax


__all__ = [
    "plot_adjusted_means",
    "plot_change_by_condition",
    "plot_change_distribution",
    "plot_paired",
    "plot_rom_change",
    "plot_spaghetti",
    "plot_trajectories",
]
