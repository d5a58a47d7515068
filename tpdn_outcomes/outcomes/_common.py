"""Shared pieces of the outcome functions: grouping, exclusion counts, the caveat."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pandas as pd

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
    for key, group in frame.groupby(keys, observed=True, dropna=False, sort=True):
        yield (key if isinstance(key, tuple) else (key,)), group


def exclusion_text(notes: pd.Series) -> str:
    """``'reason: count; ...'`` for the non-empty notes of excluded episodes.

    Examples
    --------
    >>> exclusion_text(pd.Series(["", "no baseline", "no baseline"]))
    'no baseline: 2'
    """
    counts = notes[notes != ""].value_counts()
    return "; ".join(f"{reason}: {n}" for reason, n in counts.items())
