"""R's Wilcoxon signed-rank test and Hodges-Lehmann interval (``wilcox.test``), on arrays.

The one-sample (paired) two-sided test of mu = 0 with R's defaults: zero differences
are dropped; with fewer than 50 non-zero differences and no ties the exact null
distribution gives the p-value and the exact Hodges-Lehmann interval
(:func:`exact_wilcoxon`); otherwise the normal approximation with continuity and tie
correction (:func:`normal_wilcoxon`) and the asymptotic interval found by R's root
search, Brent's zeroin with ``tol = 1e-4``, followed step for step
(:func:`asymptotic_hodges_lehmann`). :func:`tpdn_outcomes.stats.paired_change` reports
these values; validated against R 4.2.2 (tests/test_stats_paired.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy import special
from scipy import stats as sps

__all__ = [
    "WILCOXON_COLUMNS",
    "asymptotic_hodges_lehmann",
    "exact_applies",
    "exact_wilcoxon",
    "normal_wilcoxon",
]

#: The result keys of :func:`exact_wilcoxon` (and of the paired change's Wilcoxon columns).
WILCOXON_COLUMNS = (
    "wilcoxon_statistic",
    "wilcoxon_p_val",
    "hl_estimate",
    "hl_ci_low",
    "hl_ci_high",
)

_DBL_EPSILON = float(np.finfo(float).eps)


# ---------------------------------------------------------------------------
# Brent's root finder, step for step as R's uniroot (zeroin.c, R_zeroin2)
# ---------------------------------------------------------------------------


def _zeroin(
    f: Callable[[float], float],
    ax: float,
    bx: float,
    fa: float,
    fb: float,
    tol: float,
    maxit: int = 1000,
) -> float:
    """Brent (1973) zeroin with the arithmetic of R's ``uniroot`` (tol as given).

    ``wilcox.test`` finds its asymptotic Hodges-Lehmann limits as roots of a step
    function with ``tol = 1e-4``; the answer therefore depends on the exact sequence
    of trial points, which this follows so that results agree with R to rounding.
    """
    a, b = ax, bx
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxit + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * _DBL_EPSILON * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0.0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(prev_step * q / 2.0):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0.0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0.0 and fc > 0.0) or (fb < 0.0 and fc < 0.0):
            c, fc = a, fa
    return b


# ---------------------------------------------------------------------------
# Wilcoxon signed rank: exact distribution and the tie-corrected normal statistic
# ---------------------------------------------------------------------------


def _signrank_counts(n: int) -> NDArray[np.int64]:
    """Number of subsets of {1..n} with each rank sum 0..n(n+1)/2 (exact for n < 63)."""
    total = n * (n + 1) // 2
    counts = np.zeros(total + 1, dtype=np.int64)
    counts[0] = 1
    for i in range(1, n + 1):
        counts[i:] = counts[i:] + counts[:-i]
    return counts


def _psignrank(q: float, counts: NDArray[np.int64], n: int) -> float:
    """P(V <= q) for the signed-rank statistic (R's psignrank, lower tail)."""
    k = math.floor(q + 1e-7)
    if k < 0:
        return 0.0
    if k >= counts.size - 1:
        return 1.0
    return int(counts[: k + 1].sum()) / 2.0**n


def _qsignrank(p: float, counts: NDArray[np.int64], n: int) -> int:
    """Smallest q with P(V <= q) >= p, with R's 10 * DBL_EPSILON fuzz (p <= 0.5)."""
    target = p - 10 * _DBL_EPSILON
    cdf = np.cumsum(counts) / 2.0**n
    return int(np.searchsorted(cdf, target, side="left"))


def _signed_rank_z(
    u: NDArray[np.float64], c: NDArray[np.float64], shift: float, correct: bool
) -> tuple[float, float, float, float]:
    """V, sigma and the standardized statistic of (x - shift), R's ``W(d)``.

    ``u`` are the sorted distinct values of x and ``c`` their counts; zeros of
    ``x - shift`` are dropped, ties get average ranks and the tie correction
    ``sum(t^3 - t) / 48``, exactly as in R's wilcox.test.
    Returns (V, nx, sigma, z).
    """
    xd = u - shift
    neg = xd < 0
    pos = xd > 0
    # |x - shift| in increasing order: the negatives reversed, then merged with the
    # positives (two sorted runs, so the stable sort below is a linear merge).
    a = np.concatenate((-xd[neg][::-1], xd[pos]))
    cnt = np.concatenate((c[neg][::-1], c[pos]))
    is_pos = np.concatenate((np.zeros(int(neg.sum()), bool), np.ones(int(pos.sum()), bool)))
    nx = float(cnt.sum())
    if nx == 0:
        return 0.0, 0.0, 0.0, math.nan
    order = np.argsort(a, kind="stable")
    a, cnt, is_pos = a[order], cnt[order], is_pos[order]
    new_group = np.empty(a.size, dtype=bool)
    new_group[0] = True
    np.not_equal(a[1:], a[:-1], out=new_group[1:])
    gid = np.cumsum(new_group) - 1
    gsize = np.bincount(gid, weights=cnt)
    gend = np.cumsum(gsize)
    avg_rank = gend - gsize + (gsize + 1.0) / 2.0
    v = float(np.sum(cnt[is_pos] * avg_rank[gid[is_pos]]))
    ties = float(np.sum(gsize**3 - gsize))
    sigma = math.sqrt(nx * (nx + 1) * (2 * nx + 1) / 24 - ties / 48)
    zd = v - nx * (nx + 1) / 4
    corr = math.copysign(0.5, zd) if (correct and zd != 0) else 0.0
    num = zd - corr
    if sigma > 0:
        z = num / sigma
    else:  # R divides by zero here: NaN or +/-Inf
        z = math.nan if num == 0 else math.copysign(math.inf, num)
    return v, nx, sigma, z


def exact_applies(d: NDArray[np.float64]) -> bool:
    """Whether R uses the exact test: no zero, no tied magnitude, fewer than 50 values."""
    x = d[d != 0]
    n = x.size
    u = np.unique(x)
    ties = u.size < n or (u.size > 0 and np.unique(np.abs(u)).size < u.size)
    return n < 50 and not ties and n == d.size


def exact_wilcoxon(x: NDArray[np.float64], confidence: float) -> tuple[dict[str, float], list[str]]:
    """The exact test and Hodges-Lehmann interval of ``x`` (where :func:`exact_applies`).

    V is the sum of the ranks of |x| over positive x; the p-value is twice the smaller
    tail of its null distribution; the interval's limits are order statistics of the
    Walsh averages, from R's ``qsignrank``.
    """
    notes: list[str] = []
    out = dict.fromkeys(WILCOXON_COLUMNS, math.nan)
    n = x.size
    alpha = 1.0 - confidence
    counts = _signrank_counts(n)
    v = float(np.sum(sps.rankdata(np.abs(x))[x > 0]))
    if v > n * (n + 1) / 4:
        p = int(counts[int(v) :].sum()) / 2.0**n  # P(V >= v)
    else:
        p = _psignrank(v, counts, n)
    out["wilcoxon_statistic"] = v
    out["wilcoxon_p_val"] = min(2.0 * p, 1.0)
    i, j = np.triu_indices(n)
    walsh = np.sort((x[i] + x[j]) / 2.0)
    qu = _qsignrank(alpha / 2.0, counts, n)
    if qu == 0:
        qu = 1
    ql = n * (n + 1) // 2 - qu
    achieved = 2.0 * _psignrank(qu - 1, counts, n)
    out["hl_ci_low"] = float(walsh[qu - 1])
    out["hl_ci_high"] = float(walsh[ql])
    out["hl_estimate"] = float(np.median(walsh))
    if achieved - alpha > alpha / 2:
        notes.append(
            "requested confidence not achievable for the exact Hodges-Lehmann interval;"
            f" achieved {1 - float(f'{achieved:.2g}'):g}"
        )
    return out, notes


def normal_wilcoxon(x: NDArray[np.float64]) -> tuple[float, float]:
    """V and the two-sided p-value of the normal approximation, with continuity and tie
    correction (``x`` without zeros, not empty)."""
    u, cnt = np.unique(x, return_counts=True)
    v, _, _, z = _signed_rank_z(u, cnt.astype(float), 0.0, correct=True)
    return v, float(2.0 * min(special.ndtr(z), special.ndtr(-z)))


def asymptotic_hodges_lehmann(
    x: NDArray[np.float64], confidence: float
) -> tuple[dict[str, float], list[str]]:
    """R's asymptotic Hodges-Lehmann estimate and interval of ``x`` (without zeros).

    The limits are the shifts at which the continuity-corrected statistic equals the
    normal quantile, the estimate the shift at which the uncorrected one is zero, each
    found by :func:`_zeroin` between the smallest and largest value; when the
    requested confidence cannot be reached, R's doubling of alpha.
    """
    notes: list[str] = []
    out = dict.fromkeys(("hl_estimate", "hl_ci_low", "hl_ci_high"), math.nan)
    u, cnt = np.unique(x, return_counts=True)
    c = cnt.astype(float)
    mumin, mumax = float(u[0]), float(u[-1])

    def w_corr(shift: float) -> float:
        return _signed_rank_z(u, c, shift, correct=True)[3]

    def w_plain(shift: float) -> float:
        return _signed_rank_z(u, c, shift, correct=False)[3]

    wmin = w_corr(mumin)
    wmax = w_corr(mumax) if math.isfinite(wmin) else math.nan
    if not math.isfinite(wmax):
        out["hl_estimate"] = (mumin + mumax) / 2.0
        notes.append(
            "all differences tied: Hodges-Lehmann interval not estimable (estimate is the midrange)"
        )
        return out, notes
    a = 1.0 - confidence
    while True:
        zq_hi = float(special.ndtri(1 - a / 2))
        if wmin - zq_hi < 0 or wmax + zq_hi > 0:
            a *= 2
        else:
            break
    if a >= 1 or 1 - confidence < a * 0.75:
        notes.append(
            "requested confidence not achievable for the Hodges-Lehmann interval;"
            f" achieved {1 - min(1.0, a):g}"
        )
    if a < 1:
        zq = float(special.ndtri(1 - a / 2))
        out["hl_ci_low"] = _zeroin(
            lambda s: w_corr(s) - zq, mumin, mumax, wmin - zq, wmax - zq, 1e-4
        )
        out["hl_ci_high"] = _zeroin(
            lambda s: w_corr(s) + zq, mumin, mumax, wmin + zq, wmax + zq, 1e-4
        )
    else:
        out["hl_ci_low"] = out["hl_ci_high"] = float(np.median(x))
    out["hl_estimate"] = _zeroin(w_plain, mumin, mumax, w_plain(mumin), w_plain(mumax), 1e-4)
    return out, notes
