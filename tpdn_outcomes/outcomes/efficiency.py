"""How much care does an episode take, and how complete are the outcome data? Efficiency
(sessions, days and change per session) and completeness (discharge capture, loss to
follow-up), as outcome registries report them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes._common import grouping_keys, with_quarter
from tpdn_outcomes.stats import proportion_ci
from tpdn_outcomes.stats._checks import check_confidence

#: Output columns of :func:`efficiency` after the grouping columns.
EFFICIENCY_COLUMNS: tuple[str, ...] = (
    "figure",
    "unit",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "note",
)

#: Output columns of :func:`completeness` after the grouping columns.
COMPLETENESS_COLUMNS: tuple[str, ...] = (
    "figure",
    "n",
    "count",
    "rate",
    "ci_low",
    "ci_high",
    "n_open",
    "n_not_recorded",
    "note",
)


def _episodes(data: SessionData, measure: str, keys: list[str]) -> pd.DataFrame:
    ep = data.episodes(measure)
    return with_quarter(ep) if "quarter" in keys else ep


def _t_rows(
    values: pd.Series, codes: np.ndarray, n_groups: int, confidence: float
) -> dict[str, Any]:
    """Mean, SD and t interval of ``values`` (NaN skipped) per group code, vectorised."""
    x = values.to_numpy(dtype=float)
    ok = ~np.isnan(x)
    n = np.bincount(codes[ok], minlength=n_groups).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(codes[ok], weights=x[ok], minlength=n_groups) / n
        dev = x[ok] - mean[codes[ok]]
        var = np.bincount(codes[ok], weights=dev * dev, minlength=n_groups) / (n - 1)
        sd = np.sqrt(np.where(n >= 2, var, np.nan))
        q = sps.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
        half = q * sd / np.sqrt(n)
    mean = np.where(n > 0, mean, np.nan)
    note = np.where(n >= 2, "", np.where(n == 1, "one episode: no interval", "no episode"))
    return {
        "n": n.astype(int),
        "mean": mean,
        "sd": sd,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "note": note,
    }


def _groups(frame: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, np.ndarray, int]:
    if not keys:
        return pd.DataFrame(index=[0]), np.zeros(len(frame), dtype=np.int64), 1
    grouped = frame.groupby(keys, observed=True, dropna=False, sort=True)
    labels = grouped.size().reset_index()[keys]
    return labels, grouped.ngroup().to_numpy(), grouped.ngroups


def efficiency(
    data: SessionData,
    *,
    by: str | Sequence[str] | None = "condition",
    measure: str = "pain",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Sessions per episode, days per episode and change per session, by group.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    by : str or list of str or None, default "condition"
        Grouping variables (see :data:`tpdn_outcomes.outcomes.GROUPINGS`); ``quarter`` is
        the quarter of the episode's last session.
    measure : str, default "pain"
        The measure of ``change_per_session``.
    confidence : float, default 0.95
        Level of the t intervals.

    Returns
    -------
    DataFrame
        Three rows per group, long and tidy: the grouping columns, ``figure``
        (``sessions_per_episode``, ``days_per_episode``, ``change_per_session``),
        ``unit``, ``n`` (episodes), ``mean``, ``sd``, ``ci_low``, ``ci_high`` (Student t
        interval of the mean) and ``note``.

    Notes
    -----
    Over completed episodes (not ``open``: an episode still under way would understate
    the care it takes). ``sessions_per_episode`` counts the episode's sessions;
    ``days_per_episode`` the days from its first to its last session (0 for one
    session); ``change_per_session`` is each episode's change (final - baseline) divided
    by its sessions, averaged over the episodes with a change (the mean of the ratios,
    so that each episode counts once and the t interval applies). Checked against R's
    ``t.test`` (tests/reference/registry_measures.R).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> table = efficiency(load_sample(), by=None)
    >>> table["figure"].tolist()
    ['sessions_per_episode', 'days_per_episode', 'change_per_session']
    """
    confidence = check_confidence(confidence)
    keys = grouping_keys(by)
    spec = schema.measure_spec(measure)
    ep = _episodes(data, measure, keys)
    ep = ep[~ep["open"].fillna(False).to_numpy(dtype=bool)]
    labels, codes, n_groups = _groups(ep, keys)
    sessions = ep["n_sessions"].astype(float)
    days = (ep["last_date"] - ep["first_date"]).dt.days.astype(float)
    per_session = ep["change"].astype(float) / sessions
    unit = {"nprs": "NPRS points"}.get(spec.unit, spec.unit)
    figures = [
        ("sessions_per_episode", "sessions", sessions),
        ("days_per_episode", "days", days),
        ("change_per_session", f"{unit} per session", per_session),
    ]
    blocks = []
    for name, figure_unit, values in figures:
        block = labels.copy()
        block["figure"] = name
        block["unit"] = figure_unit
        for column, value in _t_rows(values, codes, n_groups, confidence).items():
            block[column] = value
        block["_order"] = np.arange(n_groups)
        blocks.append(block)
    out = pd.concat(blocks, ignore_index=True)
    out = out.sort_values("_order", kind="stable").drop(columns="_order")
    out = out[[*keys, *EFFICIENCY_COLUMNS]].reset_index(drop=True)
    out.attrs["measure"] = measure
    return out


def completeness(
    data: SessionData,
    *,
    by: str | Sequence[str] | None = "condition",
    measure: str = "pain",
    confidence: float = 0.95,
    method: Literal["wilson", "clopper-pearson", "agresti-coull"] = "wilson",
) -> pd.DataFrame:
    """Discharge capture and loss to follow-up: the share of completed episodes with a
    final score, and the share that ended with a baseline but no final score.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    by : str or list of str or None, default "condition"
        Grouping variables.
    measure : str, default "pain"
        The measure whose final score is looked for.
    confidence : float, default 0.95
        Level of the intervals.
    method : {"wilson", "clopper-pearson", "agresti-coull"}, default "wilson"
        Interval method (:func:`tpdn_outcomes.stats.proportion_ci`).

    Returns
    -------
    DataFrame
        Two rows per group: the grouping columns, ``figure`` (``discharge_capture``,
        ``lost_to_follow_up``), ``n`` (completed episodes), ``count``, ``rate`` (a
        fraction), ``ci_low``, ``ci_high``, ``n_open`` (episodes still open, not in
        ``n``: reported apart), ``n_not_recorded`` (completed episodes in which the
        measure was never recorded, not in ``n``) and ``note``.

    Notes
    -----
    The denominator is the completed episodes in which the measure was recorded at all:
    those whose last session is more than ``open_after_days`` before the data's end (an
    open episode may still get its final score), leaving out those without any value of
    the measure (an instrument not used for the condition, such as the NDI for back
    pain; counted in ``n_not_recorded``). *Discharge capture* counts those with a final score (a ``post`` value after
    the baseline); *lost to follow-up* those with a baseline but no final score (the
    patient stopped coming before a closing score was taken). The rest had no baseline.
    Wilson score intervals by default, checked against R's
    ``prop.test(correct = FALSE)`` (tests/reference/registry_measures.R).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> table = completeness(load_sample(), by=None)
    >>> table["figure"].tolist()
    ['discharge_capture', 'lost_to_follow_up']
    >>> bool(table["rate"].sum() <= 1)
    True
    """
    confidence = check_confidence(confidence)
    keys = grouping_keys(by)
    ep = _episodes(data, measure, keys)
    is_open = ep["open"].fillna(False).to_numpy(dtype=bool)
    labels, codes, n_groups = _groups(ep, keys)
    recorded = ep["n_values"].to_numpy() > 0
    closed = ~is_open & recorded
    has_final = ep["final"].notna().to_numpy(dtype=bool)
    has_base = ep["baseline"].notna().to_numpy(dtype=bool)
    n = np.bincount(codes[closed], minlength=n_groups)
    n_open = np.bincount(codes[is_open & recorded], minlength=n_groups)
    n_not_recorded = np.bincount(codes[~is_open & ~recorded], minlength=n_groups)
    counts = {
        "discharge_capture": np.bincount(codes[closed & has_final], minlength=n_groups),
        "lost_to_follow_up": np.bincount(codes[closed & has_base & ~has_final], minlength=n_groups),
    }
    blocks = []
    for name, k in counts.items():
        ci = proportion_ci(k, n, confidence=confidence, method=method)
        block = labels.copy()
        block["figure"] = name
        block["n"] = n
        block["count"] = k
        block["rate"] = ci["proportion"].to_numpy()
        block["ci_low"] = ci["ci_low"].to_numpy()
        block["ci_high"] = ci["ci_high"].to_numpy()
        block["n_open"] = n_open
        block["n_not_recorded"] = n_not_recorded
        block["note"] = np.where(n == 0, "no completed episode", "")
        block["_order"] = np.arange(n_groups)
        blocks.append(block)
    out = pd.concat(blocks, ignore_index=True)
    out = out.sort_values("_order", kind="stable").drop(columns="_order")
    out = out[[*keys, *COMPLETENESS_COLUMNS]].reset_index(drop=True)
    out.attrs.update(measure=measure, method=method)
    return out


__all__ = ["COMPLETENESS_COLUMNS", "EFFICIENCY_COLUMNS", "completeness", "efficiency"]
