"""Is this month different? Monthly control charts of outcomes and side effects."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes.responders import responder_flags
from tpdn_outcomes.stats.control import control_chart

METRICS = ("responder_rate", "mean_change", "adverse_event_rate")

_SIGNAL_WORDS = {
    "signal_outside": "outside the control limits",
    "signal_run": "part of an unusually long run on one side of the centre line",
    "signal_crossings": "in a series that crosses its centre line too rarely",
    "signal_two_of_three": "two of three points beyond two sigma",
    "signal_four_of_five": "four of five points beyond one sigma",
    "signal_eight_in_a_row": "eight or more points in a row on one side",
    "signal_trend": "six points steadily rising or falling",
}


def monthly_control_chart(
    data: SessionData,
    *,
    metric: Literal["responder_rate", "mean_change", "adverse_event_rate"] = "responder_rate",
    measure: str = "pain",
    kind: Literal["p", "xmr"] | None = None,
    min_n: int = 1,
    limits_from: int | None = None,
) -> pd.DataFrame:
    """A control chart of one outcome per calendar month.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    metric : {"responder_rate", "mean_change", "adverse_event_rate"}
        ``responder_rate``: share of completed episodes ending in the month that reached
        the measure's moderate MCID; ``mean_change``: their mean change (final - baseline);
        ``adverse_event_rate``: share of the month's sessions (with an entry) with any side
        effect.
    measure : str, default "pain"
        The measure of the first two metrics.
    kind : {"p", "xmr"}, optional
        Chart type: default ``p`` for the two rates (limits vary with each month's n) and
        ``xmr`` for the mean change. ``xmr`` on a rate treats the monthly rates as
        individual values, whose limits do not reveal the monthly counts (the report's
        choice).
    min_n : int, default 1
        Months with fewer episodes (or sessions) are left out; they are listed in
        ``attrs["left_out"]``.
    limits_from : int, optional
        Compute the centre and limits from the first months only (a baseline period).

    Returns
    -------
    DataFrame
        :func:`tpdn_outcomes.stats.control_chart`'s columns with ``label`` the month
        (``YYYY-MM``), ``n`` the month's episodes (or sessions), ``count`` the responders
        (or sessions with a side effect; NaN for the mean change), and ``metric``.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import monthly_control_chart
    >>> chart = monthly_control_chart(load_sample(), metric="mean_change")
    >>> chart["label"].iloc[0], chart.attrs["kind"]
    ('2024-07', 'xmr')
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, not {metric!r}")
    if metric == "adverse_event_rate":
        s = data.sessions
        recorded = s["adverse_events"].notna()
        any_event = recorded & (s["adverse_events"].astype("string").fillna("none") != "none")
        month = s["session_date"].dt.to_period("M").astype("string")
        frame = pd.DataFrame({"month": month, "n": recorded, "count": any_event})
        per = frame.groupby("month", sort=True)[["n", "count"]].sum()
        values = per["count"].to_numpy(dtype=float)
        default_kind = "p"
    else:
        episodes = data.episodes(measure)
        done = episodes[~episodes["open"].fillna(False).to_numpy(dtype=bool)]
        done = done[done["change"].notna()]
        done = done.assign(month=done["last_date"].dt.to_period("M").astype("string"))
        if metric == "mean_change":
            per = done.groupby("month", sort=True).agg(
                n=("change", "size"), value=("change", "mean")
            )
            per["count"] = np.nan
            values = per["value"].to_numpy(dtype=float)
            default_kind = "xmr"
        else:
            episodes_all = data.episodes(measure)
            flag = pd.Series(
                responder_flags(episodes_all, measure),
                index=episodes_all["episode_id"].astype(str).to_numpy(),
            )
            done = done.assign(hit=done["episode_id"].astype(str).map(flag).fillna(False))
            per = done.groupby("month", sort=True).agg(n=("hit", "size"), count=("hit", "sum"))
            values = per["count"].to_numpy(dtype=float)
            default_kind = "p"
    chosen = kind or default_kind
    keep = per["n"].to_numpy() >= max(min_n, 1)
    left_out = list(per.index[~keep])
    per = per[keep]
    values = values[keep]
    if len(per) < 2:
        raise ValueError("fewer than two months with data: no chart")
    n = per["n"].to_numpy(dtype=float)
    if chosen == "p" and metric != "mean_change":
        chart = control_chart(values, kind="p", n=n, labels=per.index, limits_from=limits_from)
    else:
        plotted = values / n if metric != "mean_change" else values
        chart = control_chart(plotted, kind="xmr", labels=per.index, limits_from=limits_from)
        chart["n"] = n
    chart.insert(3, "count", per["count"].to_numpy(dtype=float))
    chart["metric"] = metric
    chart.attrs["left_out"] = left_out
    chart.attrs["kind"] = "p" if (chosen == "p" and metric != "mean_change") else "xmr"
    return chart


def describe_signals(chart: pd.DataFrame) -> list[str]:
    """The chart's signals in plain words, one sentence per kind of signal.

    Examples
    --------
    >>> from tpdn_outcomes.stats import control_chart
    >>> describe_signals(control_chart([1.0, 1.1, 0.9, 1.0, 5.0]))
    ['Point 5 is outside the control limits.']
    """
    sentences = []
    for column, words in _SIGNAL_WORDS.items():
        if column not in chart or not chart[column].any():
            continue
        labels = [str(v) for v in chart.loc[chart[column], "label"]]
        if column == "signal_crossings":
            sentences.append(
                "The series crosses its centre line too rarely (a sustained shift): "
                f"{chart.attrs.get('anhoej', {}).get('crossings', '?')} crossings."
            )
            continue
        where = ", ".join(labels[:6]) + (" ..." if len(labels) > 6 else "")
        noun = "Point" if len(labels) == 1 else "Points"
        verb = "is" if len(labels) == 1 else "are"
        sentences.append(f"{noun} {where} {verb} {words}.")
    return sentences or ["No signal: the variation is consistent with a stable process."]


__all__ = ["METRICS", "describe_signals", "monthly_control_chart"]
