"""Control charts for quarterly and monthly monitoring: XmR, MR, p and u charts with run rules.

Constants: an individuals chart estimates sigma as the mean moving range over d2 = 1.128
(the expected range of two normal observations in SD units; Montgomery, *Introduction to
Statistical Quality Control*, Appendix VI), so the limits are centre +- 2.66 MR-bar; the
moving-range chart's upper limit is D4 MR-bar with D4 = 3.267 for subgroups of two.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as sps

__all__ = ["D2", "D4", "anhoej_limits", "control_chart"]

D2 = 1.128
D4 = 3.267

KINDS = ("xmr", "mr", "p", "u")


def anhoej_limits(n_useful: int) -> tuple[int, int]:
    """Anhoej's limits for ``n_useful`` points not on the centre line.

    Returns (longest run allowed, fewest crossings expected): a run longer than
    ``round(log2(n) + 3)`` or fewer crossings than the 5th percentile of
    Binomial(n - 1, 0.5) signals non-random variation (Anhoej J, Olesen AV. Run charts
    revisited. PLoS One 2014;9:e113825).

    Examples
    --------
    >>> anhoej_limits(24)
    (8, 8)
    """
    if n_useful < 2:
        return (n_useful, 0)
    longest = round(math.log2(n_useful) + 3)
    crossings = int(sps.binom.ppf(0.05, n_useful - 1, 0.5))
    return longest, crossings


def _runs(side: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of runs of equal non-zero side, skipping points on the line (0)."""
    useful = np.flatnonzero(side != 0)
    runs: list[tuple[int, int]] = []
    if useful.size == 0:
        return runs
    start = 0
    for i in range(1, useful.size + 1):
        if i == useful.size or side[useful[i]] != side[useful[start]]:
            runs.append((int(useful[start]), int(useful[i - 1]) + 1))
            start = i
    return runs


def control_chart(
    values: ArrayLike,
    *,
    kind: str = "xmr",
    n: ArrayLike | None = None,
    rules: tuple[str, ...] = ("anhoej", "western_electric"),
    limits_from: int | None = None,
    labels: ArrayLike | None = None,
) -> pd.DataFrame:
    """A Shewhart control chart with its signals, one row per point.

    Parameters
    ----------
    values : array-like
        ``xmr`` / ``mr``: the measurements; ``p``: counts of events (e.g. responders) with
        ``n`` the sample sizes; ``u``: counts with ``n`` the exposure (e.g. sessions).
    kind : {"xmr", "mr", "p", "u"}, default "xmr"
        Individuals chart (of an XmR pair), its moving-range chart, proportion chart, rate
        chart.
    n : array-like, optional
        Sample sizes (``p``) or exposures (``u``); required for them.
    rules : tuple of str, default ("anhoej", "western_electric")
        Run rules to apply besides points outside the limits.
    limits_from : int, optional
        Compute the centre and limits from the first ``limits_from`` points only (a phase-1
        baseline, as qcc's ``trial``); later points are judged against them.
    labels : array-like, optional
        A label per point (e.g. the month), kept in column ``label``.

    Returns
    -------
    DataFrame
        ``label``, ``value`` (the plotted statistic: the measurement, moving range,
        proportion or rate), ``n``, ``centre``, ``lcl``, ``ucl`` (varying with ``n`` for p and
        u charts, and drawn at the bound where the 3-sigma limit is impossible: a p chart's
        limits within [0, 1], a u chart's lower limit at 0, as qcc and qicharts2 draw
        them), ``signal_outside``; with ``anhoej``:
        ``signal_run`` (points of a run on one side of the centre longer than Anhoej's
        limit) and ``signal_crossings`` (the whole series crosses the centre too few times);
        with ``western_electric``: ``signal_two_of_three`` (2 of 3 beyond 2 sigma on one
        side), ``signal_four_of_five`` (4 of 5 beyond 1 sigma), ``signal_eight_in_a_row``
        (8 in a row on one side) and ``signal_trend`` (6 in a row steadily rising or
        falling, Nelson's rule 3); and ``signal`` (any of them).

    Notes
    -----
    Points exactly on the centre line neither break nor extend a run. Checked against the
    printed output of R's qcc (p chart of Montgomery's orange-juice data, c chart of the
    circuit-board data, individuals chart of the viscosity data) and Anhoej's limits against
    R's ``qbinom`` (tests/test_stats_control.py).

    Examples
    --------
    >>> chart = control_chart([12, 15, 8, 10, 4], kind="p", n=[50] * 5)
    >>> round(float(chart["centre"].iloc[0]), 3)
    0.196
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, not {kind!r}")
    x = np.asarray(values, dtype=float).ravel()
    k = len(x)
    if k < 2:
        raise ValueError("a control chart needs at least two points")
    if np.isnan(x).any():
        raise ValueError("values contain missing points: drop them or fill them first")
    base = slice(0, limits_from if limits_from is not None else k)
    if kind in ("p", "u"):
        sizes = _sizes(x, n, kind)
        chart = _rate_limits(x, sizes, kind, base)
    else:
        sizes = np.full(k, np.nan)
        chart = _individuals_limits(x, kind, base)
    with np.errstate(invalid="ignore"):
        outside = (chart.value > chart.ucl) | (chart.value < chart.lcl)
    out = pd.DataFrame(
        {
            "label": np.arange(1, k + 1) if labels is None else np.asarray(labels),
            "value": chart.value,
            "n": sizes,
            "centre": chart.centre,
            "lcl": chart.lcl,
            "ucl": chart.ucl,
            "signal_outside": np.nan_to_num(outside, nan=0).astype(bool),
        }
    )
    side = np.sign(np.nan_to_num(chart.value - chart.centre, nan=0.0))
    flags = ["signal_outside"]
    if "anhoej" in rules:
        flags += _add_anhoej_signals(out, side)
    if "western_electric" in rules:
        flags += _add_western_electric_signals(out, chart, side, kind)
    out["signal"] = out[flags].any(axis=1)
    out.attrs["kind"] = kind
    return out


class _Limits(NamedTuple):
    """The plotted statistic of every point, its centre line, sigma and control limits."""

    value: np.ndarray
    centre: np.ndarray
    sigma: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray


def _sizes(x: np.ndarray, n: ArrayLike | None, kind: str) -> np.ndarray:
    """The checked sample sizes (``p``) or exposures (``u``) of the counts ``x``."""
    if n is None:
        raise ValueError(f"a {kind} chart needs n= (sample sizes or exposures)")
    sizes = np.asarray(n, dtype=float).ravel()
    if sizes.shape != x.shape:
        raise ValueError("values and n must have the same length")
    if (sizes <= 0).any():
        raise ValueError("every n must be > 0")
    if (x < 0).any() or (kind == "p" and (x > sizes).any()):
        raise ValueError("counts must be between 0 and n")
    return sizes


def _rate_limits(x: np.ndarray, sizes: np.ndarray, kind: str, base: slice) -> _Limits:
    """p or u chart: the proportion or rate of each point and its 3-sigma limits."""
    value = x / sizes
    centre_value = float(x[base].sum() / sizes[base].sum())
    if kind == "p":
        sigma = np.sqrt(centre_value * (1 - centre_value) / sizes)
        ucl = np.minimum(centre_value + 3 * sigma, 1.0)
    else:
        sigma = np.sqrt(centre_value / sizes)
        ucl = centre_value + 3 * sigma
    # limits beyond what a proportion or rate can be are drawn at the bound, as qcc
    # does (limits.np: pmax(center - tol, 0), pmin(center + tol, sizes); limits.u)
    lcl = np.maximum(centre_value - 3 * sigma, 0.0)
    centre = np.full(x.size, centre_value)
    return _Limits(value, centre, sigma, lcl, ucl)


def _individuals_limits(x: np.ndarray, kind: str, base: slice) -> _Limits:
    """Individuals (``xmr``) or moving-range (``mr``) chart, sigma from MR-bar / d2."""
    k = x.size
    mr = np.r_[np.nan, np.abs(np.diff(x))]
    mr_bar = float(np.nanmean(mr[base]))
    if kind == "xmr":
        s = mr_bar / D2
        centre = np.full(k, float(np.mean(x[base])))
        return _Limits(x, centre, np.full(k, s), centre - 3 * s, centre + 3 * s)
    nan = np.full(k, np.nan)
    return _Limits(mr, np.full(k, mr_bar), nan, nan.copy(), np.full(k, D4 * mr_bar))


def _add_anhoej_signals(out: pd.DataFrame, side: np.ndarray) -> list[str]:
    """Add Anhoej's run and crossing signals (and ``attrs["anhoej"]``); their columns."""
    k = side.size
    runs = _runs(side)
    n_useful = int((side != 0).sum())
    longest, min_crossings = anhoej_limits(n_useful)
    run_flag = np.zeros(k, dtype=bool)
    for start, stop in runs:
        if int((side[start:stop] != 0).sum()) > longest:
            run_flag[start:stop] = side[start:stop] != 0
    crossings = max(len(runs) - 1, 0)
    out["signal_run"] = run_flag
    out["signal_crossings"] = np.full(k, n_useful >= 2 and crossings < min_crossings)
    out.attrs["anhoej"] = {
        "useful_points": n_useful,
        "longest_run": max((int((side[a:b] != 0).sum()) for a, b in runs), default=0),
        "longest_run_limit": longest,
        "crossings": crossings,
        "crossings_limit": min_crossings,
    }
    return ["signal_run", "signal_crossings"]


def _add_western_electric_signals(
    out: pd.DataFrame, chart: _Limits, side: np.ndarray, kind: str
) -> list[str]:
    """Add the Western Electric zone rules and Nelson's trend rule; their columns."""
    value, centre, sigma = chart.value, chart.centre, chart.sigma
    k = side.size
    z = np.where(
        np.isnan(sigma) | (sigma == 0), 0.0, (value - centre) / np.where(sigma == 0, 1, sigma)
    )
    z = np.nan_to_num(z, nan=0.0)
    two = np.zeros(k, dtype=bool)
    four = np.zeros(k, dtype=bool)
    eight = np.zeros(k, dtype=bool)
    for sign in (1, -1):
        beyond2 = sign * z > 2
        beyond1 = sign * z > 1
        same = sign * side > 0
        for i in range(k):
            if i >= 2 and beyond2[i - 2 : i + 1].sum() >= 2:
                two[i - 2 : i + 1] |= beyond2[i - 2 : i + 1]
            if i >= 4 and beyond1[i - 4 : i + 1].sum() >= 4:
                four[i - 4 : i + 1] |= beyond1[i - 4 : i + 1]
            if i >= 7 and same[i - 7 : i + 1].all():
                eight[i - 7 : i + 1] = True
    trend = np.zeros(k, dtype=bool)
    steps = np.sign(np.diff(value))
    for i in range(5, k):
        window = steps[i - 5 : i]
        if (~np.isnan(window)).all() and (np.all(window > 0) or np.all(window < 0)):
            trend[i - 5 : i + 1] = True
    if kind == "mr":  # no sigma zones on a moving-range chart
        two[:] = four[:] = False
    out["signal_two_of_three"] = two
    out["signal_four_of_five"] = four
    out["signal_eight_in_a_row"] = eight
    out["signal_trend"] = trend
    return ["signal_two_of_three", "signal_four_of_five", "signal_eight_in_a_row", "signal_trend"]
