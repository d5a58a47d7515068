"""How often do side effects happen? Adverse-event rates per session and per patient."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes._common import grouping_keys
from tpdn_outcomes.stats import proportion_ci

#: Output columns of :func:`adverse_event_rates` after the grouping columns.
ADVERSE_EVENT_COLUMNS: tuple[str, ...] = (
    "event",
    "unit",
    "n",
    "events",
    "rate",
    "ci_low",
    "ci_high",
    "n_not_recorded",
    "note",
)


def _event_matrix(values: pd.Series, events: list[str]) -> np.ndarray:
    """Sessions x events booleans from the ``;``-joined categories (missing -> all False)."""
    cat = values.astype("category")
    sets = [set(str(c).split(";")) for c in cat.cat.categories]
    table = np.array([[e in s for e in events] for s in sets], dtype=bool).reshape(
        len(sets), len(events)
    )
    codes = np.asarray(cat.cat.codes)
    out = np.zeros((len(values), len(events)), dtype=bool)
    known = codes >= 0
    out[known] = table[codes[known]]
    return out


def adverse_event_rates(
    data: SessionData,
    *,
    by: str | Sequence[str] | None = "condition",
    events: Sequence[str] | None = None,
    confidence: float = 0.95,
    method: Literal["clopper-pearson", "wilson", "agresti-coull"] = "clopper-pearson",
) -> pd.DataFrame:
    """Share of sessions, and of patients, with each adverse event, by group.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    by : str or list of str or None, default "condition"
        Grouping variables. Session attributes are taken per session (``twitch_response``
        is the session's own; ``quarter`` is the quarter of the session date; ``open`` the
        session's episode's flag).
    events : list of str, optional
        Events to report; default ``any`` (any event other than ``none``) and every event of
        the vocabulary (:data:`tpdn_outcomes.schema.ADVERSE_EVENTS`), zero counts included.
    confidence : float, default 0.95
        Confidence level.
    method : {"clopper-pearson", "wilson", "agresti-coull"}, default "clopper-pearson"
        Interval method (:func:`tpdn_outcomes.stats.proportion_ci`). Clopper-Pearson is
        the default: adverse events are rare, and the exact interval keeps its coverage
        near 0 (for 0 events in n it gives the familiar upper bound near 3/n).

    Returns
    -------
    DataFrame
        One row per group x event x unit: the grouping columns, ``event``, ``unit``
        (``session``: the share of sessions with the event; ``patient``: the share of
        patients with the event in at least one of their sessions of the group), ``n``
        (sessions, or patients, with adverse events recorded), ``events`` (how many of them
        had the event), ``rate`` (``events / n``, a fraction), ``ci_low``, ``ci_high``,
        ``n_not_recorded`` (sessions, or patients, with no adverse-event entry: counted,
        never taken as "none") and ``note``.

    Notes
    -----
    A session whose ``adverse_events`` cell is empty is *not recorded*, not event-free;
    only an explicit ``none`` counts as no event. Patients are counted within each group, so
    a patient treated for two conditions counts once in each.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import adverse_event_rates
    >>> table = adverse_event_rates(load_sample(), by=None, events=["any", "fainting"])
    >>> table[["event", "unit", "n", "events", "rate"]].round(3)
          event     unit      n  events   rate
    0       any  session  16189    6441  0.398
    1       any  patient   3400    2824  0.831
    2  fainting  session  16189      12  0.001
    3  fainting  patient   3400      12  0.004
    """
    keys, wanted = adverse_plan(by, events)
    counts = adverse_counts(data, keys, wanted)
    return adverse_table(counts, keys, wanted, confidence=confidence, method=method)


def adverse_plan(
    by: str | Sequence[str] | None, events: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    """The grouping keys and the events of :func:`adverse_event_rates` (checked)."""
    keys = grouping_keys(by)
    vocabulary = [e for e in schema.ADVERSE_EVENTS if e != "none"]
    wanted = ["any", *vocabulary] if events is None else list(events)
    unknown = [e for e in wanted if e != "any" and e not in schema.ADVERSE_EVENTS]
    if unknown:
        raise ValueError(f"unknown adverse event(s) {unknown}; use 'any' or {vocabulary}")
    return keys, wanted


def adverse_counts(data: SessionData, keys: list[str], wanted: list[str]) -> pd.DataFrame:
    """The counts behind :func:`adverse_event_rates`: per group, event and unit (session,
    patient) ``n``, ``events`` and ``n_not_recorded``. Counts of datasets that share no
    patient add up (a patient's sessions are counted in one of them)."""
    vocabulary = [e for e in schema.ADVERSE_EVENTS if e != "none"]
    s = data.sessions
    if "adverse_events" not in s or s["adverse_events"].isna().all():
        raise ValueError("the data has no adverse_events column (or it is empty)")
    named = [e for e in wanted if e != "any"]
    matrix = _event_matrix(s["adverse_events"], [*named, *vocabulary])
    columns: dict[str, np.ndarray] = {e: matrix[:, i] for i, e in enumerate(named)}
    columns["any"] = np.asarray(matrix[:, len(named) :].any(axis=1), dtype=bool)
    flags = pd.DataFrame({e: columns[e] for e in wanted}, index=s.index)
    recorded = s["adverse_events"].notna().to_numpy()

    frame = pd.DataFrame(index=s.index)
    for key in keys:
        if key == "quarter":
            frame[key] = s["session_date"].dt.to_period("Q").astype("string")
        elif key == "open":
            episodes = data.episodes(data.measure_names()[0])
            is_open = dict(zip(episodes["episode_id"], episodes["open"], strict=True))
            frame[key] = s["episode_id"].map(is_open).astype("boolean")
        else:
            frame[key] = s[key]
    frame["_recorded"] = recorded
    frame["_patient"] = s["patient_id"]
    for e in wanted:
        frame[e] = flags[e].to_numpy() & recorded

    group_keys = keys if keys else None
    rows = []
    for unit in ("session", "patient"):
        if unit == "session":
            level = frame
        else:
            level = frame.groupby([*keys, "_patient"], observed=True, dropna=False, sort=False)[
                ["_recorded", *wanted]
            ].max()
            level = level.reset_index()
        if group_keys:
            g = level.groupby(keys, observed=True, dropna=False, sort=True)
            n = g["_recorded"].sum()
            total = g["_recorded"].size()
            counts = g[wanted].sum()
        else:
            n = pd.Series([int(level["_recorded"].sum())])
            total = pd.Series([len(level)])
            counts = level[wanted].sum().to_frame().T
        for e in wanted:
            part = pd.DataFrame(
                {
                    "event": e,
                    "unit": unit,
                    "n": n.to_numpy(dtype=np.int64),
                    "events": counts[e].to_numpy(dtype=np.int64),
                    "n_not_recorded": (total - n).to_numpy(dtype=np.int64),
                }
            )
            if group_keys:
                index = n.index.to_frame(index=False)
                part = pd.concat([index.reset_index(drop=True), part], axis=1)
            rows.append(part)
    return pd.concat(rows, ignore_index=True)


def adverse_table(
    counts: pd.DataFrame,
    keys: list[str],
    wanted: list[str],
    *,
    confidence: float = 0.95,
    method: str = "clopper-pearson",
) -> pd.DataFrame:
    """:func:`adverse_event_rates` from its counts (see :func:`adverse_counts`)."""
    out = counts.copy()
    ci = proportion_ci(out["events"], out["n"], confidence=confidence, method=method)
    out["rate"] = ci["proportion"].to_numpy()
    out["ci_low"] = ci["ci_low"].to_numpy()
    out["ci_high"] = ci["ci_high"].to_numpy()
    out["note"] = np.where(out["n"] == 0, "no adverse events recorded in this group", "")
    order = {e: i for i, e in enumerate(wanted)}
    out["_e"] = out["event"].map(order)
    out["_u"] = (out["unit"] == "patient").astype(int)
    out = out.sort_values([*keys, "_e", "_u"], kind="stable").drop(columns=["_e", "_u"])
    out = out.reset_index(drop=True)
    out.attrs["caveat"] = (
        "Adverse events as recorded by the clinic; rates are of sessions (or patients) with "
        "an entry, and under-recording of mild events is likely."
    )
    return out[[*keys, *ADVERSE_EVENT_COLUMNS]]


__all__ = ["ADVERSE_EVENT_COLUMNS", "adverse_event_rates"]
