"""Analysis visits (the AVISIT idea of CDISC ADaM) and the visit-based MMRM."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pandas as pd

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.stats.mmrm import Mmrm, mmrm

#: Default analysis windows: days since the first session (low, high, target), inclusive.
DEFAULT_VISITS: dict[str, tuple[int, int, int]] = {
    "Week 1": (4, 10, 7),
    "Week 2": (11, 17, 14),
    "Week 3": (18, 24, 21),
    "Week 4": (25, 31, 28),
}


def visit_data(
    data: SessionData,
    *,
    measure: str = "pain",
    visits: Mapping[str, tuple[int, int, int]] | None = None,
) -> pd.DataFrame:
    """One row per episode x analysis visit: the measure's pre value in the visit's window.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    measure : str, default "pain"
    visits : mapping, optional
        ``{label: (low_day, high_day, target_day)}``, days since the episode's first session,
        inclusive (default :data:`DEFAULT_VISITS`: weeks 1 to 4 around days 7, 14, 21, 28).

    Returns
    -------
    DataFrame
        ``episode_id``, ``condition``, ``clinic_id``, ``practitioner_role``,
        ``twitch_response``, ``age_band``, ``sex``, ``visit``, ``visit_number``, ``day``
        (of the chosen session), ``baseline`` (the episode's first pre value), ``value``
        (the chosen session's pre value) and ``change`` (value - baseline). Within a
        window the session nearest the target day is chosen (the earlier on a tie); a
        window without a session gives no row (a missing visit, never imputed).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import visit_data
    >>> sorted(visit_data(load_sample())["visit"].unique())
    ['Week 1', 'Week 2', 'Week 3', 'Week 4']
    """
    windows = dict(visits or DEFAULT_VISITS)
    for label, (low, high, target) in windows.items():
        if not low <= target <= high:
            raise ValueError(f"visit {label!r}: the target day must lie in its window")
    sc = data.session_changes(measure)
    episodes = data.episodes(measure)
    first = dict(zip(episodes["episode_id"].astype(str), episodes["first_date"], strict=True))
    base = dict(zip(episodes["episode_id"].astype(str), episodes["baseline"], strict=True))
    ep = sc["episode_id"].astype(str)
    day = (sc["session_date"] - pd.to_datetime(ep.map(first))).dt.days.to_numpy(dtype=float)
    frame = pd.DataFrame({"episode_id": ep.to_numpy(), "day": day,
                          "value": sc["pre"].to_numpy(dtype=float)})  # fmt: skip
    frame = frame[frame["value"].notna()]
    parts = []
    for number, (label, (low, high, target)) in enumerate(windows.items(), start=1):
        inside = frame[(frame["day"] >= low) & (frame["day"] <= high)].copy()
        inside["_distance"] = (inside["day"] - target).abs()
        chosen = inside.sort_values(["episode_id", "_distance", "day"], kind="stable")
        chosen = chosen.drop_duplicates("episode_id", keep="first")
        parts.append(chosen.assign(visit=label, visit_number=number))
    long = pd.concat(parts, ignore_index=True).drop(columns="_distance")
    attrs = episodes.assign(episode_id=episodes["episode_id"].astype(str))[
        ["episode_id", "condition", "clinic_id", "practitioner_role", "twitch_response",
         "age_band", "sex"]
    ]  # fmt: skip
    long = long.merge(attrs, on="episode_id", how="left")
    long["baseline"] = long["episode_id"].map(base).astype(float)
    long = long[long["baseline"].notna()]
    long["change"] = long["value"] - long["baseline"]
    cols = ["episode_id", "condition", "clinic_id", "practitioner_role", "twitch_response",
            "age_band", "sex", "visit", "visit_number", "day", "baseline", "value", "change"]  # fmt: skip
    return long.sort_values(["episode_id", "visit_number"]).reset_index(drop=True)[cols]


def visit_model(
    data: SessionData,
    *,
    measure: str = "pain",
    visits: Mapping[str, tuple[int, int, int]] | None = None,
    by: str | None = "condition",
    covariance: Literal["unstructured", "compound_symmetry", "ar1", "toeplitz"] = "unstructured",
    df_method: Literal["satterthwaite", "kenward-roger", "residual", "df.error"] = "satterthwaite",
    confidence: float = 0.95,
) -> Mmrm:
    """MMRM of the change from baseline at each analysis visit, adjusted for baseline.

    The model: ``change ~ baseline + visit * group`` with the chosen within-episode
    covariance over visits, fitted by REML on every available visit (see
    :func:`tpdn_outcomes.stats.mmrm`; episodes with missing visits contribute what they
    have, under missing at random). Visits from :func:`visit_data`.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import visit_model
    >>> fit = visit_model(load_sample(), by="twitch_response", df_method="residual")
    >>> fit.covariance_.shape
    (4, 4)
    """
    long = visit_data(data, measure=measure, visits=visits)
    if by is not None:
        long[by] = long[by].astype("string")
    order = list(dict(visits or DEFAULT_VISITS))
    return mmrm(long, outcome="change", subject="episode_id", visit="visit", group=by,
                baseline="baseline", covariance=covariance, df_method=df_method,
                visit_order=order, confidence=confidence)  # fmt: skip


__all__ = ["DEFAULT_VISITS", "visit_data", "visit_model"]
