"""Paired (before/after) change: t, Wilcoxon signed rank, Hodges-Lehmann, effect sizes.

Everything here works on plain arrays and knows nothing of sessions or measures.
The one public function, :func:`paired_change`, returns a one-row tidy DataFrame
whose columns follow the shared result vocabulary (``n``, ``n_missing``,
``mean_change``, ``ci_low``, ``ci_high``, ``statistic``, ``dof``, ``p_val``,
``effect_size``, ``effect_type``, ...).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special
from scipy import stats as sps

__all__ = ["PAIRED_CHANGE_COLUMNS", "paired_change"]

#: Columns of :func:`paired_change`, in order.
PAIRED_CHANGE_COLUMNS: tuple[str, ...] = (
    "n",
    "n_missing",
    "mean_baseline",
    "mean_final",
    "mean_change",
    "sd_change",
    "se_change",
    "ci_low",
    "ci_high",
    "median_change",
    "q1_change",
    "q3_change",
    "statistic",
    "dof",
    "p_val",
    "wilcoxon_statistic",
    "wilcoxon_p_val",
    "hl_estimate",
    "hl_ci_low",
    "hl_ci_high",
    "cohen_dz",
    "dz_ci_low",
    "dz_ci_high",
    "hedges_g_av",
    "g_ci_low",
    "g_ci_high",
    "effect_size",
    "effect_type",
    "ci_method",
    "note",
)

_CI_METHODS = ("t", "bootstrap")
_DBL_EPSILON = float(np.finfo(float).eps)
#: At or below this many resampled values (n_boot * n) the resamples are drawn in one
#: ``rng.integers(0, n, (n_boot, n))`` call, exactly as scipy.stats.bootstrap does.
_SMALL_RESAMPLE = 1 << 22
#: Number of values gathered per block in the large-data bootstrap.
_GATHER_BLOCK = 1 << 22


# ---------------------------------------------------------------------------
# Input checks shared with the other stats modules
# ---------------------------------------------------------------------------


def _check_confidence(confidence: float) -> float:
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(
            f"confidence must be a number strictly between 0 and 1, got {confidence!r}"
        ) from None
    if not (0.0 < value < 1.0):
        raise ValueError(
            f"confidence must be strictly between 0 and 1 (e.g. 0.95), got {confidence!r}"
        )
    return value


def _as_float_1d(values: ArrayLike, name: str) -> NDArray[np.float64]:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric (NaN marks a missing value)") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values; use NaN for a missing value")
    return arr


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


def _wilcoxon(d: NDArray[np.float64], confidence: float) -> tuple[dict[str, float], list[str]]:
    """R's ``wilcox.test(d, conf.int=TRUE, conf.level=confidence)`` (two-sided, mu = 0)."""
    notes: list[str] = []
    out = dict.fromkeys(
        ("wilcoxon_statistic", "wilcoxon_p_val", "hl_estimate", "hl_ci_low", "hl_ci_high"),
        math.nan,
    )
    x = d[d != 0]
    zeroes = x.size < d.size
    n = x.size
    u, cnt = np.unique(x, return_counts=True)
    c = cnt.astype(float)
    ties = u.size < n or (u.size > 0 and np.unique(np.abs(u)).size < u.size)
    alpha = 1.0 - confidence
    if n < 50 and not ties and not zeroes:
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

    # Normal approximation with continuity and tie correction.
    if n == 0:
        out["wilcoxon_statistic"] = 0.0
        notes.append("all differences are zero: no Wilcoxon p-value or Hodges-Lehmann estimate")
        return out, notes
    v, _, _, z = _signed_rank_z(u, c, 0.0, correct=True)
    out["wilcoxon_statistic"] = v
    out["wilcoxon_p_val"] = float(2.0 * min(special.ndtr(z), special.ndtr(-z)))
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
    a = alpha
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


# ---------------------------------------------------------------------------
# Noncentral-t interval for the standardized mean change
# ---------------------------------------------------------------------------


def _nct_ncp_interval(t_obs: float, dof: float, confidence: float) -> tuple[float, float]:
    """Noncentrality parameters with P(T <= t_obs) = 1 - alpha/2 and alpha/2."""
    alpha = 1.0 - confidence

    def solve(target: float) -> float:
        def f(ncp: float) -> float:
            value = float(special.nctdtr(dof, ncp, t_obs))
            if math.isnan(value):  # scipy's series can fail far in the tails: use the limits
                value = 1.0 if ncp < t_obs else 0.0
            return value - target

        step = 2.0 + abs(t_obs) / math.sqrt(dof)
        lo, hi = t_obs - step, t_obs + step
        for _ in range(200):
            if f(lo) > 0:
                break
            lo -= step
        for _ in range(200):
            if f(hi) < 0:
                break
            hi += step
        flo, fhi = f(lo), f(hi)
        if not (flo > 0 > fhi):
            return math.nan
        try:
            return float(optimize.brentq(f, lo, hi, xtol=1e-14, rtol=4 * _DBL_EPSILON, maxiter=500))
        except (ValueError, RuntimeError):  # no sign change found numerically
            return math.nan

    return solve(1.0 - alpha / 2.0), solve(alpha / 2.0)


# ---------------------------------------------------------------------------
# Bootstrap (BCa) for the mean change
# ---------------------------------------------------------------------------


def _bootstrap_means(
    d: NDArray[np.float64], n_boot: int, rng: np.random.Generator
) -> tuple[NDArray[np.float64], float]:
    """Means of ``n_boot`` ordinary (multinomial) resamples of ``d``, and the mean of ``d``
    computed the same way (so that ties with the resample means are recognised).

    Three exact ways of drawing the same distribution, chosen by size:

    * small (``n_boot * n <= 2**22``): one ``rng.integers(0, n, (n_boot, n))`` index
      array, as scipy.stats.bootstrap draws it (same seed, same resamples);
    * few distinct values (``32 * distinct <= n``, typical of scores on a scale):
      multinomial counts over the distinct values, ``rng.multinomial(n, counts / n)``,
      which is the distribution of the resample counts without drawing n indices;
    * otherwise: integer indices drawn in chunks from independent child generators
      (``rng.spawn``), gathered on two threads.
    """
    n = d.size
    if n * n_boot <= _SMALL_RESAMPLE:
        idx = rng.integers(0, n, size=(n_boot, n))
        return np.mean(d[idx], axis=-1), float(np.mean(d))
    u, cnt = np.unique(d, return_counts=True)
    if 32 * u.size <= n:
        means = np.empty(n_boot)
        rows = max(1, _GATHER_BLOCK // u.size)
        pvals = cnt / n
        for start in range(0, n_boot, rows):
            stop = min(n_boot, start + rows)
            counts = rng.multinomial(n, pvals, size=stop - start)
            means[start:stop] = (counts * u).sum(axis=1) / n
        return means, float((cnt * u).sum() / n)

    rows = max(1, _GATHER_BLOCK // n)
    starts = list(range(0, n_boot, rows))
    children = rng.spawn(len(starts))
    means = np.empty(n_boot)

    def work(job: int) -> None:
        start = starts[job]
        stop = min(n_boot, start + rows)
        idx = children[job].integers(0, n, size=(stop - start, n))
        means[start:stop] = np.mean(d[idx], axis=-1)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(work, range(len(starts))))
    return means, float(np.mean(d))


def _bca_interval(
    theta_b: NDArray[np.float64],
    theta_hat: float,
    d: NDArray[np.float64],
    confidence: float,
) -> tuple[float, float, str]:
    """BCa limits (Efron & Tibshirani 1993, 14.3) for the mean of ``d``.

    z0 = Phi^-1 of the share of resample means below the estimate (ties count half, as
    scipy.stats.bootstrap); the acceleration is the jackknife value, which for the mean
    is sum(r^3) / (6 * sum(r^2)^1.5) with r = d - mean(d); limits are type-7 quantiles
    of the resample means at the adjusted levels.
    """
    n_b = theta_b.size
    share = (np.count_nonzero(theta_b < theta_hat) + np.count_nonzero(theta_b <= theta_hat)) / (
        2.0 * n_b
    )
    z0 = float(special.ndtri(share))
    r = d - d.mean()
    den = float(np.sum(r**2))
    if not math.isfinite(z0) or den == 0.0:
        return math.nan, math.nan, "BCa interval not estimable (degenerate bootstrap distribution)"
    a_hat = float(np.sum(r**3)) / (6.0 * den**1.5)
    z_alpha = float(special.ndtri((1.0 - confidence) / 2.0))
    num1 = z0 + z_alpha
    num2 = z0 - z_alpha
    a1 = float(special.ndtr(z0 + num1 / (1 - a_hat * num1)))
    a2 = float(special.ndtr(z0 + num2 / (1 - a_hat * num2)))
    low, high = np.quantile(theta_b, [a1, a2])
    return float(low), float(high), ""


# ---------------------------------------------------------------------------
# Public function
# ---------------------------------------------------------------------------


def _empty_row(n: int, n_missing: int, ci_method: str, note: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(PAIRED_CHANGE_COLUMNS, math.nan)
    row.update(n=n, n_missing=n_missing, effect_type="cohen_dz", ci_method=ci_method, note=note)
    return row


def paired_change(
    before: ArrayLike,
    after: ArrayLike,
    *,
    confidence: float = 0.95,
    ci_method: str = "t",
    n_boot: int = 2000,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Summarise paired change (after - before) with tests, intervals and effect sizes.

    Parameters
    ----------
    before, after : array-like of float
        Paired values of equal length (baseline and final). A pair with NaN in either
        value is dropped and counted in ``n_missing``.
    confidence : float, default 0.95
        Confidence level of every interval, strictly between 0 and 1.
    ci_method : {"t", "bootstrap"}, default "t"
        Interval for the mean change (``ci_low``, ``ci_high``): the paired t interval,
        or the bias-corrected and accelerated (BCa) bootstrap interval.
    n_boot : int, default 2000
        Bootstrap resamples (only with ``ci_method="bootstrap"``).
    seed : int, numpy.random.Generator or None
        Seed or generator for the bootstrap (``numpy.random.default_rng(seed)``).

    Returns
    -------
    pandas.DataFrame
        One row with the columns (in this order):

        - ``n``: pairs used; ``n_missing``: pairs dropped because a value was NaN.
        - ``mean_baseline``, ``mean_final``: means of ``before`` and ``after``.
        - ``mean_change``: mean of after - before; ``sd_change`` its SD (n - 1
          denominator); ``se_change`` = sd_change / sqrt(n).
        - ``ci_low``, ``ci_high``: interval of the mean change (t or BCa, see
          ``ci_method``).
        - ``median_change``, ``q1_change``, ``q3_change``: median and quartiles of the
          change (quantile type 7, R's default = numpy's "linear").
        - ``statistic``, ``dof``, ``p_val``: paired t statistic (sign of
          ``mean_change``), n - 1 degrees of freedom, two-sided p-value.
        - ``wilcoxon_statistic``: V, the sum of the ranks of |change| over positive
          changes (R's ``wilcox.test(after, before, paired=TRUE)``);
          ``wilcoxon_p_val``: its two-sided p-value.
        - ``hl_estimate``, ``hl_ci_low``, ``hl_ci_high``: Hodges-Lehmann pseudo-median
          of the change with its interval, as ``wilcox.test(conf.int=TRUE)``.
        - ``cohen_dz``: mean_change / sd_change (the standardized response mean);
          ``dz_ci_low``, ``dz_ci_high``: its noncentral-t interval.
        - ``hedges_g_av``: mean_change / ((sd_before + sd_after) / 2) times Hedges' J;
          ``g_ci_low``, ``g_ci_high``: its interval (see Notes).
        - ``effect_size``, ``effect_type``: the headline effect size, ``cohen_dz``.
        - ``ci_method``: "t" or "bootstrap"; ``note``: "" when every value is
          estimable, otherwise why not (e.g. fewer than two pairs).

    Raises
    ------
    ValueError
        If the arrays differ in length, contain infinite values, or ``confidence``,
        ``ci_method`` or ``n_boot`` are invalid.

    Notes
    -----
    *t.* ``statistic = mean_change / (sd_change / sqrt(n))`` with ``n - 1`` df; the
    interval is ``mean_change +/- t_{1-alpha/2, n-1} * se_change``. Validated against R
    4.2.2 ``t.test(after, before, paired=TRUE)``.

    *Wilcoxon.* Zero differences are dropped; with fewer than 50 non-zero differences
    and no ties the exact null distribution gives the p-value and the exact
    Hodges-Lehmann interval (order statistics of the Walsh averages); otherwise the
    normal approximation with continuity and tie correction, and the asymptotic
    interval found by R's root search (Brent's zeroin, ``tol = 1e-4``), which this
    follows step for step. These are R's ``wilcox.test`` defaults, validated against R
    4.2.2 ``wilcox.test(after, before, paired=TRUE, conf.int=TRUE)``.

    *Cohen's d_z.* ``d_z = t / sqrt(n)``. Its interval inverts the noncentral t
    distribution: ``[l, u] / sqrt(n)`` where ``P(T_{n-1}(l) <= t) = 1 - alpha/2`` and
    ``P(T_{n-1}(u) <= t) = alpha/2``. Validated against R (``pt(t, df, ncp)`` inverted
    with ``uniroot``).

    *Hedges' g_av.* ``d_av = mean_change / s_av`` with ``s_av = (sd_before +
    sd_after) / 2`` (Cumming 2012; Lakens 2013) and ``g_av = J d_av`` with Hedges'
    approximation ``J = 1 - 3 / (4 * dof - 1)``, ``dof = n - 1``. Its interval is an
    approximation in the manner of Algina & Keselman (2003): the noncentral-t limits of
    ``d_z`` rescaled to the average-SD metric, ``[dz_l, dz_u] * sd_change / s_av``,
    times J (the ratio sd_change / s_av is treated as known). Validated against the
    same formula computed in R.

    *Bootstrap.* BCa (Efron & Tibshirani 1993, ch. 14) from ``n_boot`` ordinary
    resamples of the pairs (see ``_bootstrap_means`` for how they are drawn without a
    Python loop); z0 counts ties with the estimate as half, the acceleration is the
    jackknife value, and the limits are type-7 quantiles of the resample means, as
    scipy.stats.bootstrap(method="BCa"). For small problems the resamples are exactly
    those scipy draws from the same seed, and the interval is tested equal to it.

    Examples
    --------
    R's ``sleep`` data (extra sleep with drug 2 versus drug 1):

    >>> import numpy as np
    >>> drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    >>> drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    >>> res = paired_change(drug1, drug2)
    >>> res[["n", "mean_change", "statistic", "dof"]].round(4).to_dict("records")
    [{'n': 10, 'mean_change': 1.58, 'statistic': 4.0621, 'dof': 9.0}]
    >>> round(float(res["p_val"].iloc[0]), 5), round(float(res["wilcoxon_p_val"].iloc[0]), 5)
    (0.00283, 0.00909)
    >>> paired_change([1.0], [2.0])["note"].iloc[0]
    'fewer than two complete pairs'
    """
    return pd.DataFrame(
        [paired_change_row(before, after, confidence=confidence, ci_method=ci_method,
                           n_boot=n_boot, seed=seed)],
        columns=list(PAIRED_CHANGE_COLUMNS),
    )  # fmt: skip


def paired_change_row(
    before: ArrayLike,
    after: ArrayLike,
    *,
    confidence: float = 0.95,
    ci_method: str = "t",
    n_boot: int = 2000,
    seed: int | np.random.Generator | None = None,
) -> dict[str, Any]:
    """:func:`paired_change` as one dict (its columns in order), for callers that
    collect many rows into one table."""
    conf = _check_confidence(confidence)
    if ci_method not in _CI_METHODS:
        raise ValueError(f"ci_method must be one of {list(_CI_METHODS)}, got {ci_method!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 2:
        raise ValueError(f"n_boot must be an integer >= 2, got {n_boot!r}")
    x1 = _as_float_1d(before, "before")
    x2 = _as_float_1d(after, "after")
    if x1.size != x2.size:
        raise ValueError(
            f"before and after must have the same length (pairs), got {x1.size} and {x2.size}"
        )
    ok = ~(np.isnan(x1) | np.isnan(x2))
    n_missing = int(x1.size - ok.sum())
    x1, x2 = x1[ok], x2[ok]
    n = int(x1.size)
    if n < 2:
        return _empty_row(n, n_missing, ci_method, "fewer than two complete pairs")

    notes: list[str] = []
    d = x2 - x1
    row = _empty_row(n, n_missing, ci_method, "")
    mean_change = float(np.mean(d))
    sd_change = float(np.std(d, ddof=1))
    se = sd_change / math.sqrt(n)
    dof = float(n - 1)
    q1, med, q3 = np.quantile(d, [0.25, 0.5, 0.75])
    sd_before = float(np.std(x1, ddof=1))
    sd_after = float(np.std(x2, ddof=1))
    row.update(
        mean_baseline=float(np.mean(x1)),
        mean_final=float(np.mean(x2)),
        mean_change=mean_change,
        sd_change=sd_change,
        se_change=se,
        median_change=float(med),
        q1_change=float(q1),
        q3_change=float(q3),
        dof=dof,
    )
    if sd_change > 0:
        t = mean_change / se
        tq = float(sps.t.ppf(1 - (1 - conf) / 2, dof))
        dz = mean_change / sd_change
        ncp_low, ncp_high = _nct_ncp_interval(t, dof, conf)
        j = 1.0 - 3.0 / (4.0 * dof - 1.0)
        s_av = (sd_before + sd_after) / 2.0
        row.update(
            statistic=t,
            p_val=float(2 * sps.t.sf(abs(t), dof)),
            ci_low=mean_change - tq * se,
            ci_high=mean_change + tq * se,
            cohen_dz=dz,
            dz_ci_low=ncp_low / math.sqrt(n),
            dz_ci_high=ncp_high / math.sqrt(n),
        )
        if s_av > 0:
            scale = sd_change / s_av * j
            row.update(
                hedges_g_av=mean_change / s_av * j,
                g_ci_low=row["dz_ci_low"] * scale,
                g_ci_high=row["dz_ci_high"] * scale,
            )
        if not (math.isfinite(ncp_low) and math.isfinite(ncp_high)):
            notes.append("noncentral-t interval for cohen_dz did not converge")
    else:
        notes.append("all changes are equal: t test and standardized effect sizes not estimable")
    row["effect_size"] = row["cohen_dz"]

    wil, wil_notes = _wilcoxon(d, conf)
    row.update(wil)
    notes.extend(wil_notes)

    if ci_method == "bootstrap":
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        theta_b, theta_hat = _bootstrap_means(d, int(n_boot), rng)
        low, high, bnote = _bca_interval(theta_b, theta_hat, d, conf)
        row.update(ci_low=low, ci_high=high)
        if bnote:
            notes.append(bnote)
    row["note"] = "; ".join(notes)
    return row
