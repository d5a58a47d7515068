"""Shared pieces of the outcome functions: grouping, exclusion counts, the caveat."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.stats import p_adjust, paired_change
from tpdn_outcomes.stats.paired import PAIRED_CHANGE_COLUMNS

UNCONTROLLED_CAVEAT = (
    "Uncontrolled before/after data: change from baseline includes natural recovery, "
    "regression to the mean and placebo response, and is not a treatment effect."
)

#: Grouping variables accepted by ``by=`` (episode attributes, plus ``quarter``).
GROUPINGS: tuple[str, ...] = (
    "condition",
    "clinic_id",
    "practitioner_role",
    "twitch_response",
    "age_band",
    "sex",
    "open",
    "quarter",
)


def grouping_keys(by: str | Sequence[str] | None) -> list[str]:
    """``by=`` as a list of grouping columns, refusing unknown ones.

    Examples
    --------
    >>> grouping_keys("condition"), grouping_keys(None)
    (['condition'], [])
    """
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    unknown = [k for k in keys if k not in GROUPINGS]
    if unknown:
        raise ValueError(f"cannot group by {unknown}; use any of {list(GROUPINGS)}")
    return keys


def with_quarter(episodes: pd.DataFrame) -> pd.DataFrame:
    """Add ``quarter`` (of the episode's last session, e.g. ``2026Q3``)."""
    period = episodes["last_date"].dt.to_period("Q")
    return episodes.assign(quarter=period.astype("string"))


def grouped(
    frame: pd.DataFrame, keys: list[str]
) -> Iterator[tuple[tuple[object, ...], pd.DataFrame]]:
    """Yield ``(group values, rows)`` sorted by group; one group of everything without keys.

    Missing group values form their own group (counted, never dropped).
    """
    if not keys:
        yield (), frame
        return
    if len(keys) == 1 and isinstance(frame[keys[0]].dtype, pd.CategoricalDtype):
        # one categorical key (the usual case): a radix sort of its small integer codes and
        # one take, instead of pandas' general grouping; the same groups in the same order
        # (categories in order, then the missing group)
        column = frame[keys[0]]
        codes = np.asarray(column.cat.codes)
        n_cat = len(column.cat.categories)
        # missing last; 16-bit codes so that numpy's stable sort is a one-pass radix sort
        small = np.int16 if n_cat < np.iinfo(np.int16).max else np.int64
        shifted = np.where(codes < 0, n_cat, codes).astype(small)
        order = np.argsort(shifted, kind="stable")
        counts = np.bincount(shifted, minlength=n_cat + 1)
        taken = frame.take(order)
        edges = np.r_[0, np.cumsum(counts)]
        labels = [*column.cat.categories, np.nan]
        for k in np.flatnonzero(counts):
            yield (labels[k],), taken.iloc[edges[k] : edges[k + 1]]
        return
    for key, group in frame.groupby(keys, observed=True, dropna=False, sort=True):
        yield (key if isinstance(key, tuple) else (key,)), group


def measured_groups(episodes: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """For each group (in :func:`grouped` order): was the measure recorded at all?

    Measures that apply to some conditions only (ROM sites, function instruments) give
    rows for the groups where they were recorded; pain is recorded everywhere.
    """
    slim = episodes[[*keys, "n_values"]]
    return np.array([bool((g["n_values"] > 0).any()) for _, g in grouped(slim, keys)])


def exclusion_text(notes: pd.Series) -> str:
    """``'reason: count; ...'`` for the non-empty notes of excluded episodes.

    Examples
    --------
    >>> exclusion_text(pd.Series(["", "no baseline", "no baseline"]))
    'no baseline: 2'
    """
    counts = notes[notes != ""].value_counts()
    return "; ".join(f"{reason}: {n}" for reason, n in counts.items() if n > 0)


def paired_by_group(
    frame: pd.DataFrame,
    keys: list[str],
    *,
    before: str,
    after: str,
    measure: str,
    counts: Callable[[pd.DataFrame], dict[str, Any]],
    adjust: str = "holm",
    **paired_options: Any,
) -> pd.DataFrame:
    """:func:`tpdn_outcomes.stats.paired_change` of ``after`` vs ``before`` in every group.

    One row per group: the grouping columns, ``measure``, ``unit``, ``higher_is_better``,
    the columns ``counts(group)`` returns (in its order), the paired_change columns, then
    ``p_adj`` (``p_val`` adjusted across the groups; ``adjust="none"`` keeps it) and
    ``mean_improvement`` (``mean_change`` signed so that positive is better).
    """
    spec = schema.measure_spec(measure)
    rows = []
    for values, group in grouped(frame, keys):
        stats_row = paired_change(
            group[before].to_numpy(dtype=float),
            group[after].to_numpy(dtype=float),
            **paired_options,
        )
        head: dict[str, Any] = dict(zip(keys, values, strict=True))
        head.update(measure=measure, unit=spec.unit, higher_is_better=spec.higher_is_better)
        head.update(counts(group))
        rows.append(pd.concat([pd.DataFrame([head]), stats_row.reset_index(drop=True)], axis=1))
    out = pd.concat(rows, ignore_index=True)
    p = out["p_val"].to_numpy(dtype=float)
    out["p_adj"] = p if adjust == "none" else p_adjust(p, method=adjust)
    sign = 1.0 if spec.higher_is_better else -1.0
    out["mean_improvement"] = sign * out["mean_change"] + 0.0
    out.attrs["caveat"] = UNCONTROLLED_CAVEAT
    head_cols = [c for c in out.columns if c not in PAIRED_CHANGE_COLUMNS]
    head_cols = [c for c in head_cols if c not in ("p_adj", "mean_improvement")]
    return out[[*head_cols, *PAIRED_CHANGE_COLUMNS, "p_adj", "mean_improvement"]]
