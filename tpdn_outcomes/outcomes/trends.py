"""How have the key figures moved? The last quarters of each, with confidence intervals."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from tpdn_outcomes.data import SessionData, parse_quarter
from tpdn_outcomes.outcomes._common import with_quarter
from tpdn_outcomes.outcomes.responders import responder_flags
from tpdn_outcomes.stats import proportion_ci
from tpdn_outcomes.stats._checks import check_confidence

#: The figures of :func:`quarterly_trends`, in order, with their units.
TREND_FIGURES: dict[str, str] = {
    "patients": "patients",
    "completed_episodes": "episodes",
    "mean_pain_change": "NPRS points",
    "responder_rate": "fraction of episodes",
    "side_effect_rate": "fraction of sessions",
}

#: Output columns of :func:`quarterly_trends`.
TREND_COLUMNS: tuple[str, ...] = (
    "quarter",
    "figure",
    "unit",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "note",
)


def report_quarters(quarter: str, n_quarters: int) -> list[str]:
    """The ``n_quarters`` quarters ending with ``quarter`` (any spelling that
    :func:`tpdn_outcomes.parse_quarter` accepts), oldest first.

    Examples
    --------
    >>> report_quarters("2026Q2", 3)
    ['2025Q4', '2026Q1', '2026Q2']
    """
    end = pd.Period(parse_quarter(quarter), freq="Q")
    if isinstance(n_quarters, bool) or not isinstance(n_quarters, (int, np.integer)):
        raise ValueError(f"n_quarters must be a whole number of at least 1, got {n_quarters!r}")
    if n_quarters < 1:
        raise ValueError(f"n_quarters must be at least 1, got {n_quarters}")
    return [str(end - k) for k in range(int(n_quarters) - 1, -1, -1)]


def _long_table(
    figures: dict[str, tuple[Any, ...]], quarters: list[str], dates: pd.Series
) -> pd.DataFrame:
    """One row per quarter and figure, in :data:`TREND_COLUMNS`, quarter by quarter."""
    nq = len(quarters)
    # quarters wholly outside the data's dates have no counts at all (not counts of 0)
    outside = np.zeros(nq, dtype=bool)
    if len(dates):
        first, last = dates.min().to_period("Q"), dates.max().to_period("Q")
        outside = np.array([not (first <= pd.Period(q, freq="Q") <= last) for q in quarters])
    blocks = []
    for name, (value, low, high, n, note) in figures.items():
        value = np.where(outside, np.nan, value)
        note = np.where(outside, "outside the data's dates", note)
        blocks.append(
            pd.DataFrame(
                {
                    "quarter": quarters,
                    "figure": name,
                    "unit": TREND_FIGURES[name],
                    "value": value,
                    "ci_low": low,
                    "ci_high": high,
                    "n": np.asarray(n, dtype=np.int64),
                    "note": note,
                    "_q": np.arange(nq),
                }
            )
        )
    out = pd.concat(blocks, ignore_index=True)
    out = out.sort_values("_q", kind="stable").drop(columns="_q").reset_index(drop=True)
    out = out[list(TREND_COLUMNS)]
    return out


def quarterly_trends(
    data: SessionData,
    quarter: str,
    n_quarters: int = 8,
    *,
    confidence: float = 0.95,
    method: Literal["wilson", "clopper-pearson", "agresti-coull"] = "wilson",
) -> pd.DataFrame:
    """The key figures of each of the last ``n_quarters`` quarters, long and tidy.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    quarter : str
        The report quarter, e.g. ``"2026Q2"`` (the last quarter shown).
    n_quarters : int, default 8
        How many quarters, ending with ``quarter``.
    confidence : float, default 0.95
        Level of the intervals.
    method : {"wilson", "clopper-pearson", "agresti-coull"}, default "wilson"
        Interval of the two rates (:func:`tpdn_outcomes.stats.proportion_ci`).

    Returns
    -------
    DataFrame
        One row per quarter x figure (quarters oldest first), with the columns of
        :data:`TREND_COLUMNS`. ``figure`` is one of :data:`TREND_FIGURES`:

        - ``patients``: patients with a session dated in the quarter (no interval);
        - ``completed_episodes``: episodes whose last session falls in the quarter and
          that are not open (no interval);
        - ``mean_pain_change``: mean pain change (final - baseline, NPRS points) of those
          episodes that have one, with a Student t interval; ``n`` is their number;
        - ``responder_rate``: share of them with a moderate response (>= 2 points or
          >= 30 %, :func:`tpdn_outcomes.outcomes.responders.responder_flags`);
        - ``side_effect_rate``: share of the quarter's sessions with an adverse-event entry
          that recorded any event other than ``none``.

        A quarter without data gives counts of 0 and missing values, ``note`` saying why;
        a quarter wholly before the data's first session or after its last has no value
        at all (``value`` missing, ``n`` 0, ``note`` "outside the data's dates").
        ``attrs["report_quarter"]`` is ``quarter``.

    Notes
    -----
    The definitions are those of the report's key figures, so that the last row of each
    figure is the key figure itself. Rates are fractions; intervals are Wilson score
    intervals by default (checked against R's ``prop.test(correct = FALSE)``), means
    with R's ``t.test`` (tests/reference/registry_measures.R).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> trends = quarterly_trends(load_sample(), "2026Q2", n_quarters=4)
    >>> trends["quarter"].unique().tolist()
    ['2025Q3', '2025Q4', '2026Q1', '2026Q2']
    >>> trends[trends["figure"] == "patients"]["value"].gt(0).all()
    np.True_
    """
    confidence = check_confidence(confidence)
    quarters = report_quarters(quarter, n_quarters)
    position = {q: k for k, q in enumerate(quarters)}
    nq = len(quarters)

    def slot(labels: pd.Series) -> np.ndarray:
        return labels.map(position).fillna(-1).to_numpy(dtype=np.int64)

    # sessions: patients seen, side effects
    s = data.sessions
    s_q = slot(s["session_date"].dt.to_period("Q").astype("string"))
    in_window = s_q >= 0
    patients = np.zeros(nq, dtype=np.int64)
    seen = pd.DataFrame({"q": s_q[in_window], "p": s["patient_id"].to_numpy()[in_window]})
    counted = seen.drop_duplicates().groupby("q").size()
    patients[counted.index.to_numpy(dtype=np.int64)] = counted.to_numpy()
    ae = s["adverse_events"]
    recorded = ae.notna().to_numpy(dtype=bool)
    event = recorded & (ae.astype("string").fillna("none") != "none").to_numpy(dtype=bool)
    n_recorded = np.bincount(s_q[in_window & recorded], minlength=nq)
    n_event = np.bincount(s_q[in_window & event], minlength=nq)

    # completed episodes ending in each quarter
    ep = with_quarter(data.episodes("pain"))
    e_q = slot(ep["quarter"])
    done = (e_q >= 0) & ~ep["open"].fillna(False).to_numpy(dtype=bool)
    completed = np.bincount(e_q[done], minlength=nq)
    change = ep["change"].to_numpy(dtype=float)
    has = done & ~np.isnan(change)
    n_change = np.bincount(e_q[has], minlength=nq)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(e_q[has], weights=change[has], minlength=nq) / n_change
        dev = change[has] - mean[e_q[has]]
        sd = np.sqrt(np.bincount(e_q[has], weights=dev * dev, minlength=nq) / (n_change - 1))
        half = sps.t.ppf(0.5 + confidence / 2, np.maximum(n_change - 1, 1)) * sd / np.sqrt(n_change)
    half = np.where(n_change >= 2, half, np.nan)
    mean = np.where(n_change > 0, mean, np.nan)
    responders = np.bincount(e_q[has & responder_flags(ep, "pain")], minlength=nq)
    resp_ci = proportion_ci(responders, n_change, confidence=confidence, method=method)
    ae_ci = proportion_ci(n_event, n_recorded, confidence=confidence, method=method)

    nan = np.full(nq, np.nan)
    figures = {
        "patients": (patients.astype(float), nan, nan, patients,
                     np.where(patients == 0, "no session in the quarter", "")),
        "completed_episodes": (completed.astype(float), nan, nan, completed,
                               np.where(completed == 0, "no completed episode", "")),
        "mean_pain_change": (mean, mean - half, mean + half, n_change,
                             np.where(n_change == 0, "no episode with a pain change",
                                      np.where(n_change == 1, "one episode: no interval", ""))),
        "responder_rate": (resp_ci["proportion"].to_numpy(), resp_ci["ci_low"].to_numpy(),
                           resp_ci["ci_high"].to_numpy(), n_change,
                           np.where(n_change == 0, "no episode with a pain change", "")),
        "side_effect_rate": (ae_ci["proportion"].to_numpy(), ae_ci["ci_low"].to_numpy(),
                             ae_ci["ci_high"].to_numpy(), n_recorded,
                             np.where(n_recorded == 0, "no side-effect entry", "")),
    }  # fmt: skip
    out = _long_table(figures, quarters, s["session_date"])
    out.attrs.update(report_quarter=str(quarters[-1]), confidence=confidence, method=method)
    return out


__all__ = ["TREND_COLUMNS", "TREND_FIGURES", "quarterly_trends", "report_quarters"]
