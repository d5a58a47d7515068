"""Figures: each function draws a table the library computed and returns the Axes.

Plots compute no statistic: they draw what :mod:`tpdn_outcomes.outcomes` returned (or,
for the descriptive plots, the episodes of a :class:`SessionData`). Nothing here calls
``plt.show()`` or saves a file. One shared style: readable fonts, the Okabe-Ito
colour-blind-safe palette, units on the axes, and ``n`` written next to every group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes import GROUPINGS

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
NEUTRAL = "#7f7f7f"


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7.0, 4.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=10)
    return ax


_ACRONYMS = {"tmj": "TMJ", "nprs": "NPRS", "rom": "ROM"}


def _label(value: object) -> str:
    """A readable label for a group value (``neck_pain`` -> ``Neck pain``, ``tmj`` -> ``TMJ``)."""
    text = str(value)
    if not text.islower():
        return text
    words = [_ACRONYMS.get(w, w) for w in text.split("_")]
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


def _group_labels(table: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    if not keys:
        return ["All episodes"] * len(table)
    return [" / ".join(_label(row[k]) for k in keys) for _, row in table.iterrows()]


def _keys(table: pd.DataFrame) -> list[str]:
    """The grouping columns a result table carries (the outcomes' vocabulary)."""
    return [c for c in GROUPINGS if c in table.columns]


def axis_label(measure: str, what: str = "change") -> str:
    """``'Change in Pain (NPRS 0-10) (points, NPRS 0-10)'``-style axis labels with units.

    Examples
    --------
    >>> axis_label("rom:lumbar_flexion")
    'Change in Thoracolumbar flexion (degrees)'
    """
    spec = schema.measure_spec(measure)
    name = "Pain" if spec.kind == "pain" else spec.label
    return f"{what.capitalize()} in {name} ({schema.UNITS[spec.unit].axis})"


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
    ax = _axes(ax)
    keys = _keys(table)
    labels = _group_labels(table, keys)
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
    ax = _axes(ax, figsize=(4.5, 4.5))
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
    where = _label(condition) if condition else "all conditions"
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
    ax = _axes(ax)
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
        positions, [f"{_label(g)}  (n = {len(v)})" for g, v in zip(groups, values, strict=True)]
    )
    ax.axvline(0, color=NEUTRAL, lw=1)
    ax.set_xlabel(axis_label(measure))
    ax.set_title("Change per episode (final - baseline)", fontsize=11)
    return ax


def plot_responders(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Responder rates with confidence intervals: one row per group, a colour per definition.

    Parameters
    ----------
    table : DataFrame
        The result of :func:`tpdn_outcomes.outcomes.responder_rates`.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import responder_rates
    >>> ax = plot_responders(responder_rates(load_sample()))
    >>> ax.get_xlabel()
    'Responders (% of episodes with a change)'
    """
    if table.empty:
        raise ValueError("the table is empty: nothing to draw")
    keys = [k for k in _keys(table) if k != "definition"]
    definitions = list(dict.fromkeys(table["definition"]))
    groups = table.drop_duplicates(keys)[keys] if keys else table.iloc[:1]
    labels = _group_labels(groups, keys)
    ax = _axes(ax)
    base = np.arange(len(groups))[::-1].astype(float)
    offset = np.linspace(-0.2, 0.2, len(definitions)) if len(definitions) > 1 else [0.0]
    for i, name in enumerate(definitions):
        rows = table[table["definition"] == name]
        rate = 100 * rows["rate"].to_numpy(float)
        low = 100 * rows["ci_low"].to_numpy(float)
        high = 100 * rows["ci_high"].to_numpy(float)
        rule = str(rows["threshold"].iloc[0])
        ax.errorbar(
            rate,
            base + offset[i],
            xerr=[rate - low, high - rate],
            fmt="o",
            color=PALETTE[i % len(PALETTE)],
            capsize=3,
            label=f"{name} ({rule})",
        )
    n = table.drop_duplicates(keys)["n"] if keys else table["n"].iloc[:1]
    ax.set_yticks(base, [f"{lab}  (n = {int(k)})" for lab, k in zip(labels, n, strict=True)])
    ax.set_xlim(0, 100)
    ax.set_xlabel("Responders (% of episodes with a change)")
    ax.set_title(f"Responders: {_label(table['measure'].iloc[0])}", fontsize=11)
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=9)
    return ax


def plot_responder_curve(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """The responder curve: % of episodes improving by at least each threshold, per group.

    Parameters
    ----------
    table : DataFrame
        The result of :func:`tpdn_outcomes.outcomes.responder_curve`.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import responder_curve
    >>> ax = plot_responder_curve(responder_curve(load_sample(), by=None))
    >>> ax.get_ylabel()
    'Episodes improving at least this much (%)'
    """
    if table.empty:
        raise ValueError("the table is empty: nothing to draw")
    keys = _keys(table)
    measure = str(table["measure"].iloc[0])
    kind = str(table["kind"].iloc[0])
    ax = _axes(ax)
    parts = table.groupby(keys, observed=True, sort=True) if keys else [((), table)]
    for i, (key, group) in enumerate(parts):
        values = key if isinstance(key, tuple) else (key,)
        name = " / ".join(_label(v) for v in values) or "All episodes"
        ax.step(
            group["threshold"],
            100 * group["rate"],
            where="post",
            color=PALETTE[i % len(PALETTE)],
            linestyle=("-", "--", ":")[(i // len(PALETTE)) % 3],  # distinct beyond 8 groups
            label=f"{name} (n = {int(group['n'].iloc[0])})",
        )
    spec = schema.measure_spec(measure)
    unit = "% of baseline" if kind == "percent" else schema.UNITS[spec.unit].axis
    name = "pain" if spec.kind == "pain" else spec.label
    ax.set_xlabel(f"Improvement in {name} ({unit})")
    ax.set_ylabel("Episodes improving at least this much (%)")
    ax.set_ylim(0, 100)
    ax.legend(frameon=False, loc="best", fontsize=8)
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
    ax = _axes(ax, figsize=(9.0, 0.45 * len(done) + 1.5))
    keys = _keys(done)
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
    for (_, row), group in zip(done.iterrows(), _group_labels(done, keys), strict=True):
        site = schema.measure_spec(str(row["measure"])).label
        labels.append(f"{site} - {group}  (n = {int(row['n'])})" if keys else
                      f"{site}  (n = {int(row['n'])})")  # fmt: skip
    ax.set_yticks(y, labels)
    ax.axvline(0, color=NEUTRAL, lw=1)
    ax.set_xlabel(xlabel)
    ax.set_title("ROM: mean change (95% CI) and MDC", fontsize=11)
    return ax


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
    ax = _axes(ax)
    keys = _keys(rows)
    events = list(dict.fromkeys(rows["event"]))
    if keys:
        group_label = pd.Series(_group_labels(rows, keys), index=rows.index)
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
    ax.set_yticks(base, [_label(e) for e in events])
    ax.set_xlim(left=0)
    ax.set_xlabel(f"{'Sessions' if unit == 'session' else 'Patients'} with the event (%, 95% CI)")
    ax.legend(frameon=False, loc="lower right", fontsize=9)
    ax.set_title("Adverse events", fontsize=11)
    return ax


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
    ax = _axes(ax, figsize=(7.5, 4.5 + 0.25 * len(curves)))
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
                label=f"{_label(label)} (n = {km.n}; median {median})")  # fmt: skip
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
        rows.append((_label(label), colour, counts))
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
    ax = _axes(ax, figsize=(7.0, 0.4 * k + 2.0))
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
    ax = _axes(ax, figsize=(5.5, 4.5))
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
        fired); the centre line and the limits (steps where they vary).

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
    ax = _axes(ax, figsize=(8.0, 3.8))
    x = np.arange(len(chart))
    value = chart["value"].to_numpy(dtype=float) * scale
    ax.plot(x, value, color=PALETTE[0], marker="o", ms=4, lw=1.2, label="value")
    ax.plot(x, chart["centre"].to_numpy(dtype=float) * scale, color=NEUTRAL, lw=1, label="centre")
    ax.step(x, chart["ucl"].to_numpy(dtype=float) * scale, where="mid", color=PALETTE[3],
            lw=0.9, ls="--", label="control limits")  # fmt: skip
    ax.step(x, chart["lcl"].to_numpy(dtype=float) * scale, where="mid", color=PALETTE[3],
            lw=0.9, ls="--")  # fmt: skip
    flagged = chart["signal"].to_numpy(dtype=bool) if "signal" in chart else np.zeros(len(x), bool)
    if flagged.any():
        fired = [c.removeprefix("signal_").replace("_", " ") for c in chart.columns
                 if c.startswith("signal_") and chart[c].any()]  # fmt: skip
        ax.scatter(x[flagged], value[flagged], marker="D", s=45, color=PALETTE[3], zorder=4,
                   label="signal: " + ", ".join(fired))  # fmt: skip
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], [str(v) for v in chart["label"].to_numpy()[::step]], rotation=45,
                  ha="right")  # fmt: skip
    names = {
        "responder_rate": "Responders (% of completed episodes)",
        "mean_change": "Mean change (final - baseline)",
        "adverse_event_rate": "Sessions with a side effect (%)",
    }
    ax.set_ylabel(ylabel or names.get(metric, "Value"))
    ax.legend(frameon=False, fontsize=8, loc="best")
    return ax


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
    ax = _axes(ax, figsize=(7.0, 4.5))
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
    ax = _axes(ax, figsize=(6.5, 0.35 * len(ordered) + 1.5))
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
        ax = _axes(ax, figsize=(7.5, 4.5))
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
                        label=_label(g))  # fmt: skip
        ax.set_xticks(x, visits)
        ax.axhline(0, color=NEUTRAL, lw=1)
        ax.set_ylabel(ylabel or "Adjusted mean change (95% CI)")
        ax.legend(frameon=False, fontsize=8)
        return ax
    ax = _axes(ax)
    y = np.arange(len(means))[::-1]
    est = means["estimate"].to_numpy(float)
    ax.errorbar(est, y, xerr=[est - means["ci_low"], means["ci_high"] - est], fmt="o",
                capsize=3, color=PALETTE[0])  # fmt: skip
    ax.set_yticks(y, [_label(g) for g in means["group"]])
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
    ax = _axes(ax, figsize=(7.5, 4.5))
    for i, (g, part) in enumerate(pred.groupby("group", sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(part["time"], part["estimate"], color=colour, lw=1.8, label=_label(g))
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
    ax = _axes(ax, figsize=(7.0, 4.5))
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


def plot_attrition(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of episodes without a final value by group, with the counts.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import attrition
    >>> plot_attrition(attrition(load_sample())).get_xlabel()
    'Episodes without a final value (%)'
    """
    keys = _keys(table)
    ax = _axes(ax)
    y = np.arange(len(table))[::-1]
    rate = 100 * table["rate_non_completion"].to_numpy(float)
    ax.barh(y, rate, color=PALETTE[1])
    labels = _group_labels(table, keys)
    ax.set_yticks(y, [f"{lab}  ({int(k)} of {int(k + c)})" for lab, k, c in
                      zip(labels, table["n_non_completers"], table["n_completers"], strict=True)])  # fmt: skip
    ax.set_xlabel("Episodes without a final value (%)")
    ax.set_xlim(left=0)
    return ax


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
    "plot_responder_curve",
    "plot_responders",
    "plot_rom_change",
    "plot_spaghetti",
    "plot_time_to_response",
    "plot_trajectories",
]
