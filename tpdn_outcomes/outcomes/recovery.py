"""How fast do patients reach meaningful relief? Time to response, Kaplan-Meier by group."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.mcid import mcid_for
from tpdn_outcomes.outcomes._common import (
    UNCONTROLLED_CAVEAT,
    exclusion_text,
    grouped,
    grouping_keys,
    with_quarter,
)
from tpdn_outcomes.outcomes.responders import meets_threshold
from tpdn_outcomes.stats.survival import KaplanMeier, kaplan_meier, logrank

#: Columns of :attr:`TimeToResponse.summary` after the grouping columns.
TIME_TO_RESPONSE_COLUMNS: tuple[str, ...] = (
    "measure",
    "time_unit",
    "n_episodes",
    "n",
    "n_excluded",
    "excluded_reasons",
    "n_events",
    "n_censored",
    "median",
    "median_ci_low",
    "median_ci_high",
    "rmean",
    "rmean_se",
    "tau",
    "note",
)


@dataclass
class TimeToResponse:
    """Time to a clinically meaningful response, by group.

    Attributes
    ----------
    summary : DataFrame
        One row per group (columns :data:`TIME_TO_RESPONSE_COLUMNS`): episodes used,
        responses (events) and censored episodes, the Kaplan-Meier median time with its
        interval, and the restricted mean time up to ``tau`` (the largest follow-up of all
        groups, so that the groups' restricted means are comparable).
    episodes : DataFrame
        One row per episode: the grouping columns, ``episode_id``, ``time``, ``event``
        (True = reached the threshold at that session) and ``note`` (why an episode is not
        used).
    curves : dict
        Group label -> :class:`~tpdn_outcomes.stats.KaplanMeier` (label ``"All episodes"``
        without groups; ``" / "``-joined values with several grouping variables).
    logrank : DataFrame or None
        The log-rank test across the groups (None with one group).
    rule : str
        The response rule, e.g. ``improvement >= 2 points or >= 30 %``.
    """

    summary: pd.DataFrame
    episodes: pd.DataFrame
    curves: dict[str, KaplanMeier]
    logrank: pd.DataFrame | None
    rule: str

    def _repr_html_(self) -> str:
        head = html.escape(f"Time to response ({self.rule})")
        return f"<p><b>{head}</b></p>" + self.summary.to_html(index=False)


def response_times(
    data: SessionData,
    *,
    measure: str = "pain",
    threshold: float | None = None,
    kind: Literal["absolute", "percent"] = "absolute",
    time: Literal["days", "sessions"] = "days",
    registry: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, str]:
    """Per episode: the first session whose post value reaches the response threshold.

    The improvement at session k is its *post* value against the episode's baseline (the
    first *pre* value), signed so that positive is better; the threshold is the measure's
    ``moderate`` (or only) MCID definition from the registry unless ``threshold`` is given.
    ``time`` is days from the episode's first session to that session (``days``) or the
    session's number within the episode (``sessions``: responding at the first session's
    post measurement counts 1). An episode that never reaches it is censored at its last
    session with a post value.

    Returns
    -------
    (DataFrame, str)
        The episode table (see :class:`TimeToResponse`) and the rule as text.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> episodes, rule = response_times(load_sample(), time="sessions")
    >>> rule, int(episodes["event"].sum())
    ('improvement >= 2 points or >= 30 %', 3143)
    """
    if time not in ("days", "sessions"):
        raise ValueError(f"time must be 'days' or 'sessions', not {time!r}")
    spec = schema.measure_spec(measure)
    unit = schema.UNITS[spec.unit].short
    if threshold is not None:
        rules = [(float(threshold), kind)]
    else:
        defs = mcid_for(measure, registry)
        if defs.empty:
            raise ValueError(
                f"no clinically meaningful change is registered for {measure!r}; pass "
                "threshold= (and kind=)"
            )
        first = "moderate" if (defs["definition"] == "moderate").any() else defs["definition"][0]
        defs = defs[defs["definition"] == first]
        rules = list(zip(defs["threshold"].astype(float), defs["kind"], strict=True))
    rule = "improvement " + " or ".join(
        f">= {t:g} {'%' if k == 'percent' else unit}" for t, k in rules
    )
    episodes = data.episodes(measure)
    sessions = data.session_changes(measure)
    # each session's episode as a row of `episodes`, through the shared category codes
    ep_cat = episodes["episode_id"].astype("category")
    s_cat = sessions["episode_id"].astype("category")
    if not s_cat.cat.categories.equals(ep_cat.cat.categories):
        s_cat = s_cat.cat.set_categories(ep_cat.cat.categories)
    row_of_code = np.full(len(ep_cat.cat.categories), -1, dtype=np.int64)
    row_of_code[ep_cat.cat.codes.to_numpy()] = np.arange(len(episodes))
    codes = s_cat.cat.codes.to_numpy()
    row = np.where(codes >= 0, row_of_code[np.maximum(codes, 0)], -1)
    known = row >= 0
    baseline = np.full(len(sessions), np.nan)
    baseline[known] = episodes["baseline"].to_numpy(dtype=float)[row[known]]
    post = sessions["post"].to_numpy(dtype=float)
    sign = 1.0 if spec.higher_is_better else -1.0
    improvement = sign * (post - baseline)
    hit = np.zeros(len(sessions), dtype=bool)
    for t, k in rules:
        hit |= meets_threshold(improvement, baseline, t, k)
    has_post = ~np.isnan(post) & ~np.isnan(baseline) & known
    if time == "days":
        first = episodes["first_date"].to_numpy(dtype="datetime64[ns]")
        start_day = np.full(len(sessions), np.datetime64("NaT"), dtype="datetime64[ns]")
        start_day[known] = first[row[known]]
        session_day = sessions["session_date"].to_numpy(dtype="datetime64[ns]")
        clock = (session_day - start_day) / np.timedelta64(1, "D")
    else:
        clock = sessions["session_number"].to_numpy(dtype=float, na_value=np.nan)
    n_ep = len(episodes)
    big = np.inf
    first_hit = np.full(n_ep, big)
    use = hit & has_post & ~np.isnan(clock)
    np.minimum.at(first_hit, row[use], clock[use])
    last_post = np.full(n_ep, -big)
    use = has_post & ~np.isnan(clock)
    np.maximum.at(last_post, row[use], clock[use])
    t_hit = np.where(np.isinf(first_hit), np.nan, first_hit)
    t_last = np.where(np.isinf(last_post), np.nan, last_post)
    event = ~np.isnan(t_hit)
    out = episodes.drop(columns=["baseline", "final", "change", "pct_change", "improvement"])
    out = out.assign(
        time=np.where(event, t_hit, t_last),
        event=event,
    )
    note = np.full(len(out), "", dtype=object)
    note[np.isnan(t_last) & ~event] = "no post value after the baseline"
    note[np.isnan(episodes["baseline"].to_numpy(dtype=float))] = "no baseline: no pre value"
    note[(episodes["n_values"] == 0).to_numpy()] = "no values of this measure"
    out["note"] = note
    return out, rule


def time_to_response(
    data: SessionData,
    *,
    measure: str = "pain",
    threshold: float | None = None,
    kind: Literal["absolute", "percent"] = "absolute",
    time: Literal["days", "sessions"] = "days",
    by: str | Sequence[str] | None = "condition",
    confidence: float = 0.95,
    conf_type: Literal["log", "log-log", "plain"] = "log",
    registry: pd.DataFrame | None = None,
) -> TimeToResponse:
    """Time from the first session to a clinically meaningful response, by group.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    measure : str, default "pain"
        The measure; the response is its ``moderate`` MCID (pain: improvement of at least
        2 points or 30 %, Farrar et al. 2001) unless ``threshold`` is given.
    threshold, kind : float and {"absolute", "percent"}, optional
        A custom response threshold (required for ROM).
    time : {"days", "sessions"}, default "days"
        Days since the first session, or the number of the session.
    by : str or list of str or None, default "condition"
        Grouping variables.
    confidence, conf_type
        The Kaplan-Meier band (see :func:`tpdn_outcomes.stats.kaplan_meier`).
    registry : DataFrame, optional
        Your own MCID table.

    Returns
    -------
    TimeToResponse

    Notes
    -----
    Each episode is followed from its first session; the event is the first session
    whose post value reaches the threshold against the episode's baseline; episodes that
    never reach it are censored at their last measured session (they may have stopped
    coming because they were better, or worse: censoring assumes neither, which is the
    main caveat of this analysis). Episodes with no baseline or no post value are
    excluded and counted. Still-open episodes are censored at their last session so far.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import time_to_response
    >>> ttr = time_to_response(load_sample(), by=None, time="sessions")
    >>> ttr.rule
    'improvement >= 2 points or >= 30 %'
    >>> float(ttr.summary["median"].iloc[0])
    2.0
    """
    keys = grouping_keys(by)
    episodes, rule = response_times(
        data, measure=measure, threshold=threshold, kind=kind, time=time, registry=registry
    )
    return time_to_response_of(
        episodes,
        rule,
        keys,
        measure=measure,
        time=time,
        confidence=confidence,
        conf_type=conf_type,
    )


def time_to_response_of(
    episodes: pd.DataFrame,
    rule: str,
    keys: list[str],
    *,
    measure: str,
    time: str,
    confidence: float = 0.95,
    conf_type: Literal["log", "log-log", "plain"] = "log",
) -> TimeToResponse:
    """:func:`time_to_response` from the episode table of :func:`response_times`."""
    if "quarter" in keys:
        episodes = with_quarter(episodes)
    used = episodes[episodes["note"] == ""]
    tau = float(used["time"].max()) if len(used) else float("nan")
    rows: list[dict[str, Any]] = []
    curves: dict[str, KaplanMeier] = {}
    for values, group in grouped(episodes, keys):
        head: dict[str, Any] = dict(zip(keys, values, strict=True))
        label = " / ".join(str(v) for v in values) if keys else "All episodes"
        ok = group[group["note"] == ""]
        head.update(
            measure=measure,
            time_unit=time,
            n_episodes=len(group),
            n=len(ok),
            n_excluded=len(group) - len(ok),
            excluded_reasons=exclusion_text(group["note"]),
        )
        if len(ok) == 0:
            head.update(n_events=0, n_censored=0, note="no episode with a post value")
            rows.append(head)
            continue
        km = kaplan_meier(
            ok["time"].to_numpy(dtype=float),
            ok["event"].to_numpy(dtype=int),
            confidence=confidence,
            conf_type=conf_type,
            tau=tau,
        )
        curves[label] = km
        head.update(
            n_events=km.n_events,
            n_censored=km.n - km.n_events,
            median=km.median,
            median_ci_low=km.median_ci[0],
            median_ci_high=km.median_ci[1],
            rmean=km.rmean,
            rmean_se=km.rmean_se,
            tau=km.tau,
            note="" if not np.isnan(km.median) else "the curve does not reach 50 % responders",
        )
        rows.append(head)
    summary = pd.DataFrame(rows)
    for col in TIME_TO_RESPONSE_COLUMNS:
        if col not in summary:
            summary[col] = np.nan
    summary = summary[[*keys, *TIME_TO_RESPONSE_COLUMNS]]
    summary.attrs["caveat"] = UNCONTROLLED_CAVEAT
    test = None
    if keys and len(curves) >= 2:
        ok = used
        labels = ok[keys[0]].astype(str)
        for key in keys[1:]:
            labels = labels + " / " + ok[key].astype(str)
        test = logrank(ok["time"], ok["event"].astype(int), labels)
    cols = [*keys, "episode_id", "time", "event", "note"]
    return TimeToResponse(summary, episodes[cols].reset_index(drop=True), curves, test, rule)


__all__ = ["TIME_TO_RESPONSE_COLUMNS", "TimeToResponse", "response_times", "time_to_response"]
