"""A first page a manager can read aloud: five plain sentences written from the numbers."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes.trends import quarterly_trends, report_quarters

#: The last sentence of every summary: what before/after registry data cannot show.
SUMMARY_CAVEAT = (
    "These are observational before-and-after figures with no control group: some of "
    "the improvement would have happened anyway (natural recovery, regression to the "
    "mean, placebo response), so they describe how patients did, not what the needling "
    "itself achieved."
)


def _figure(trends: pd.DataFrame, quarter: str, figure: str) -> dict[str, Any]:
    row = trends[(trends["quarter"] == quarter) & (trends["figure"] == figure)].iloc[0]
    return {
        "value": float(row["value"]),
        "ci_low": float(row["ci_low"]),
        "ci_high": float(row["ci_high"]),
        "n": int(row["n"]),
    }


def summary_figures(data: SessionData, quarter: str, *, confidence: float = 0.95) -> dict[str, Any]:
    """The numbers :func:`plain_language_summary` writes about.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    quarter : str
        The report quarter, e.g. ``"2026Q2"``.
    confidence : float, default 0.95
        Level of the intervals.

    Returns
    -------
    dict
        ``quarter``, ``year_before`` (the same quarter a year earlier), ``confidence``,
        and for each figure of :func:`tpdn_outcomes.outcomes.quarterly_trends`
        (``patients``, ``completed_episodes``, ``mean_pain_change``, ``responder_rate``,
        ``side_effect_rate``) a dict of ``value``, ``ci_low``, ``ci_high`` and ``n`` for
        the quarter, and under ``"<figure>_year_before"`` the same a year earlier. The
        values are exactly those of the trends table.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> numbers = summary_figures(load_sample(), "2026Q2")
    >>> numbers["year_before"], numbers["patients"]["n"] > 0
    ('2025Q2', True)
    """
    quarters = report_quarters(quarter, 5)
    trends = quarterly_trends(data, quarters[-1], n_quarters=5, confidence=confidence)
    out: dict[str, Any] = {
        "quarter": quarters[-1],
        "year_before": quarters[0],
        "confidence": confidence,
    }
    for figure in trends["figure"].unique():
        out[figure] = _figure(trends, quarters[-1], figure)
        out[f"{figure}_year_before"] = _figure(trends, quarters[0], figure)
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def plain_language_summary(
    data: SessionData,
    quarter: str,
    *,
    confidence: float = 0.95,
    min_n: int = schema.MIN_CELL,
    figures: dict[str, Any] | None = None,
) -> list[str]:
    """Five sentences a clinic manager can read aloud, written from the quarter's numbers.

    Parameters
    ----------
    data : SessionData
        The loaded dataset (one clinic, or all).
    quarter : str
        The report quarter, e.g. ``"2026Q2"``.
    confidence : float, default 0.95
        Level of the intervals quoted.
    min_n : int, default :data:`tpdn_outcomes.schema.MIN_CELL`
        Fewest episodes (or sessions) behind a mean or a rate for it to be quoted; below
        it the sentence says there were too few to report one (no small counts are shown:
        the sentence names the threshold, not the count).
    figures : dict, optional
        :func:`summary_figures` already computed (the same ``quarter``).

    Returns
    -------
    list of str
        Five sentences: activity, pain change (with the interval, and the same quarter a
        year earlier when it can be quoted), meaningful improvement, side effects, and
        the uncontrolled-data caveat (:data:`SUMMARY_CAVEAT`).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> sentences = plain_language_summary(load_sample(), "2026Q2")
    >>> len(sentences), sentences[-1].startswith("These are observational")
    (5, True)
    """
    f = figures if figures is not None else summary_figures(data, quarter, confidence=confidence)
    level = f"{100 * f['confidence']:g}%"
    q, before = f["quarter"], f["year_before"]
    patients, episodes = f["patients"], f["completed_episodes"]
    first = (
        f"In {q}, {int(patients['value'])} patients were seen and "
        f"{int(episodes['value'])} episodes of care were completed."
        if patients["value"] >= min_n and episodes["value"] >= min_n
        else f"In {q}, fewer than {min_n} patients or completed episodes were recorded, "
        f"too few to report figures for the quarter."
    )
    pain, pain_before = f["mean_pain_change"], f["mean_pain_change_year_before"]
    if pain["n"] >= min_n and not math.isnan(pain["value"]):
        verb = "fell" if pain["value"] < 0 else "rose"
        second = (
            f"From the first to the last visit, pain {verb} by {abs(pain['value']):.1f} points "
            f"on the 0-10 scale on average ({level} confidence interval "
            f"{abs(pain['ci_high'] if pain['value'] < 0 else pain['ci_low']):.1f} to "
            f"{abs(pain['ci_low'] if pain['value'] < 0 else pain['ci_high']):.1f})"
        )
        if pain_before["n"] >= min_n and not math.isnan(pain_before["value"]):
            verb_before = "fell" if pain_before["value"] < 0 else "rose"
            second += f"; in {before} it {verb_before} by {abs(pain_before['value']):.1f} points."
        else:
            second += "."
    else:
        second = f"Fewer than {min_n} completed episodes had a pain score at both ends: too few for an average."
    resp = f["responder_rate"]
    third = (
        f"{_pct(resp['value'])} of these episodes ({_pct(resp['ci_low'])} to "
        f"{_pct(resp['ci_high'])}) improved by a clinically meaningful amount "
        f"(at least 2 points or 30% less pain)."
        if resp["n"] >= min_n and not math.isnan(resp["value"])
        else f"With fewer than {min_n} episodes, the share with a meaningful improvement is not reported."
    )
    ae = f["side_effect_rate"]
    fourth = (
        f"Side effects such as soreness or bruising were recorded at {_pct(ae['value'])} of "
        f"sessions ({_pct(ae['ci_low'])} to {_pct(ae['ci_high'])})."
        if ae["n"] >= min_n and not math.isnan(ae["value"])
        else f"Fewer than {min_n} sessions had side effects recorded, too few to report a rate."
    )
    return [first, second, third, fourth, SUMMARY_CAVEAT]


__all__ = ["SUMMARY_CAVEAT", "plain_language_summary", "summary_figures"]
