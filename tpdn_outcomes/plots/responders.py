"""Figures of responders: rates by definition, the responder curve, and attrition."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tpdn_outcomes import schema
from tpdn_outcomes.plots._common import (
    PALETTE,
    group_keys,
    group_labels,
    new_axes,
    nice_label,
)


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
    keys = [k for k in group_keys(table) if k != "definition"]
    definitions = list(dict.fromkeys(table["definition"]))
    groups = table.drop_duplicates(keys)[keys] if keys else table.iloc[:1]
    labels = group_labels(groups, keys)
    ax = new_axes(ax)
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
    ax.set_title(f"Responders: {nice_label(table['measure'].iloc[0])}", fontsize=11)
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
    keys = group_keys(table)
    measure = str(table["measure"].iloc[0])
    kind = str(table["kind"].iloc[0])
    ax = new_axes(ax)
    parts = table.groupby(keys, observed=True, sort=True) if keys else [((), table)]
    for i, (key, group) in enumerate(parts):
        values = key if isinstance(key, tuple) else (key,)
        name = " / ".join(nice_label(v) for v in values) or "All episodes"
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


def plot_attrition(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of episodes without a final value by group, with the counts.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import attrition
    >>> plot_attrition(attrition(load_sample())).get_xlabel()
    'Episodes without a final value (%)'
    """
    keys = group_keys(table)
    ax = new_axes(ax)
    y = np.arange(len(table))[::-1]
    rate = 100 * table["rate_non_completion"].to_numpy(float)
    ax.barh(y, rate, color=PALETTE[1])
    labels = group_labels(table, keys)
    ax.set_yticks(y, [f"{lab}  ({int(k)} of {int(k + c)})" for lab, k, c in
                      zip(labels, table["n_non_completers"], table["n_completers"], strict=True)])  # fmt: skip
    ax.set_xlabel("Episodes without a final value (%)")
    ax.set_xlim(left=0)
    return ax


__all__ = ["plot_attrition", "plot_responder_curve", "plot_responders"]
