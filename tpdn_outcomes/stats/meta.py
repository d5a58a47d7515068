"""Meta-analysis: pooled effects across clinics or published trials, as metafor computes them."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, special
from scipy import stats as sps

from tpdn_outcomes.stats._checks import check_confidence

__all__ = ["MetaAnalysis", "effect_size", "egger_test", "meta_analysis"]

METHODS = ("REML", "DL", "PM", "FE")


@dataclass
class MetaAnalysis:
    """A fitted fixed- or random-effects meta-analysis.

    Attributes
    ----------
    pooled : DataFrame
        One row: ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``statistic`` (z, or t with
        Knapp-Hartung), ``p_val``, ``tau2``, ``i2`` (percent), ``h2``, ``q``, ``q_dof``,
        ``q_p_val``, ``pi_low``, ``pi_high`` (prediction interval; NaN for a fixed-effect
        model), ``method``, ``k``, ``note`` ("" or what to be aware of).
    studies : DataFrame
        One row per study: ``label``, ``effect``, ``variance``, ``se``, ``ci_low``,
        ``ci_high``, ``weight`` (percent, as metafor's ``weights()``).
    """

    pooled: pd.DataFrame
    studies: pd.DataFrame

    def summary(self) -> str:
        """A short text summary."""
        p = self.pooled.iloc[0]
        return (
            f"{p['method']} meta-analysis of {int(p['k'])} studies: estimate {p['estimate']:.3f} "
            f"(95% CI {p['ci_low']:.3f} to {p['ci_high']:.3f}), tau^2 = {p['tau2']:.3f}, "
            f"I^2 = {p['i2']:.1f} %, Q = {p['q']:.2f} on {int(p['q_dof'])} df (p = {p['q_p_val']:.2g})"
        )

    @cached_property
    def egger(self) -> pd.DataFrame | None:
        """Egger's test of funnel-plot asymmetry over :attr:`studies` (:func:`egger_test`).

        ``None`` with fewer than three studies, where the test is not defined.

        Examples
        --------
        >>> res = meta_analysis([0.2, 0.5, 0.1, 0.3], [0.04, 0.02, 0.05, 0.01])
        >>> int(res.egger["dof"].iloc[0]), meta_analysis([0.2, 0.5], [0.04, 0.02]).egger
        (2, None)
        """
        if len(self.studies) < 3:
            return None
        return egger_test(self.studies["effect"], self.studies["variance"])

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.summary())}</p>" + self.studies.to_html(index=False)


def _pool(y: np.ndarray, v: np.ndarray, tau2: float) -> tuple[float, float, np.ndarray]:
    w = 1.0 / (v + tau2)
    est = float(np.sum(w * y) / np.sum(w))
    return est, float(np.sqrt(1.0 / np.sum(w))), w


def _q(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    est, _, w = _pool(y, v, tau2)
    return float(np.sum(w * (y - est) ** 2))


def _tau2(y: np.ndarray, v: np.ndarray, method: str) -> float:
    k = len(y)
    if method == "FE" or k < 2:
        return 0.0
    w = 1.0 / v
    q = _q(y, v, 0.0)
    if method == "DL":
        c = np.sum(w) - np.sum(w**2) / np.sum(w)
        return max(0.0, (q - (k - 1)) / c)
    hi = max(10.0 * float(np.var(y, ddof=1)), 1.0)
    if method == "PM":
        if q <= k - 1:
            return 0.0
        f = lambda t: _q(y, v, t) - (k - 1)  # noqa: E731
        while f(hi) > 0:
            hi *= 10
        return float(optimize.brentq(f, 0.0, hi, xtol=1e-15, rtol=1e-15, maxiter=1000))

    def score(t: float) -> float:  # derivative of the restricted log-likelihood
        est, _, wt = _pool(y, v, t)
        return (
            float(-np.sum(wt) + np.sum(wt**2) / np.sum(wt) + np.sum(wt**2 * (y - est) ** 2)) / 2.0
        )

    if score(0.0) <= 0:
        return 0.0
    while score(hi) > 0:
        hi *= 10
    return float(optimize.brentq(score, 0.0, hi, xtol=1e-15, rtol=1e-15, maxiter=1000))


def meta_analysis(
    effect: ArrayLike,
    variance: ArrayLike,
    *,
    method: str = "REML",
    knha: bool | str = False,
    labels: ArrayLike | None = None,
    confidence: float = 0.95,
) -> MetaAnalysis:
    """Pool study effects with the inverse-variance method, as ``metafor::rma``.

    Parameters
    ----------
    effect, variance : array-like
        Each study's effect and its sampling variance (e.g. from :func:`effect_size`).
    method : {"REML", "DL", "PM", "FE"}, default "REML"
        Between-study variance estimator: restricted maximum likelihood, DerSimonian-Laird,
        Paule-Mandel, or none (fixed effect).
    knha : bool or "adhoc", default False
        Knapp-Hartung adjustment: t tests and intervals on k - 1 df with the adjusted SE
        (metafor's ``test = "knha"``), recommended with few studies. ``"adhoc"``: the
        same, but the SE is never below the unadjusted one (Knapp & Hartung 2003's ad hoc
        modification; metafor's ``test = "adhoc"``), see Notes. With one study there is
        nothing to adjust: the normal interval is used and ``note`` says so (metafor
        does the same, with a warning).
    labels : array-like, optional
        Study labels (default ``1..k``).
    confidence : float, default 0.95

    Returns
    -------
    MetaAnalysis
        ``pooled["note"]`` is "" or says what to be aware of (Knapp-Hartung on one study,
        or narrower than the normal interval).

    Notes
    -----
    tau^2 by REML solves the restricted likelihood's score equation, PM the generalised Q
    equation, both with Brent's method to 1e-15 (metafor iterates to its ``threshold``);
    I^2 = 100 tau^2 / (tau^2 + s^2) and H^2 = (tau^2 + s^2) / s^2 with the typical
    within-study variance s^2 = (k - 1) / (sum w - sum w^2 / sum w); for a fixed-effect model
    I^2 = 100 (Q - df) / Q and H^2 = Q / df. With one study I^2 = 0 and H^2 = 1, as
    metafor gives. The prediction interval is
    estimate +- crit sqrt(se^2 + tau^2), crit normal, or t on k - 1 df with Knapp-Hartung.
    Checked against metafor 3.8-1 on ``dat.bcg`` and ``dat.normand1999``
    (tests/reference/stats_meta.R), and for one study and homogeneous studies
    (tests/reference/stats_meta_edges.R).

    *Knapp-Hartung with homogeneous studies.* The adjusted SE is the unadjusted one times
    ``sqrt(f)``, ``f = sum w (y - estimate)^2 / (k - 1)``. When the studies agree more
    closely than their variances lead one to expect, ``f < 1`` and the interval is
    *narrower* than the normal one, down to zero width when every effect is the same.
    metafor 3.8-1 gives the same numbers without a word (``se = 0`` for equal effects);
    here ``note`` says so whenever ``f < 1``. ``knha="adhoc"`` uses ``max(1, f)``
    (metafor's ``test = "adhoc"``), which keeps the t quantile on k - 1 df and never
    narrows the interval.

    Examples
    --------
    >>> res = meta_analysis([0.2, 0.5, 0.1, 0.4], [0.04, 0.02, 0.05, 0.03], method="DL")
    >>> round(float(res.pooled["estimate"].iloc[0]), 4)
    0.3529
    """
    check_confidence(confidence)
    if knha not in (True, False, "adhoc"):
        raise ValueError(f"knha must be True, False or 'adhoc', not {knha!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, not {method!r}")
    y, v = _studies_arrays(effect, variance)
    k = len(y)
    names = (
        [str(i + 1) for i in range(k)]
        if labels is None
        else [str(x) for x in np.asarray(labels).ravel()]
    )
    tau2 = _tau2(y, v, method)
    est, se, w = _pool(y, v, tau2)
    q, dof, i2, h2 = _heterogeneity(y, v, tau2, method)
    alpha = 1.0 - confidence
    test = _pooled_test(y, est, se, w, method, knha, alpha)
    se = test.se
    if method == "FE":
        pi_low = pi_high = np.nan
    else:
        half = test.crit * np.sqrt(se**2 + tau2)
        pi_low, pi_high = est - half, est + half
    pooled = pd.DataFrame(
        [
            {
                "estimate": est,
                "se": se,
                "ci_low": est - test.crit * se,
                "ci_high": est + test.crit * se,
                "statistic": test.statistic,
                "p_val": test.p_val,
                "tau2": tau2,
                "i2": i2,
                "h2": h2,
                "q": q,
                "q_dof": dof,
                "q_p_val": float(sps.chi2.sf(q, dof)) if dof > 0 else 1.0,  # metafor: 1
                "pi_low": pi_low,
                "pi_high": pi_high,
                "method": test.label,
                "k": k,
                "note": "; ".join(test.notes),
            }
        ]
    )
    return MetaAnalysis(pooled, _study_table(names, y, v, w, alpha))


def _studies_arrays(effect: ArrayLike, variance: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The checked effects and variances as float arrays."""
    y = np.asarray(effect, dtype=float).ravel()
    v = np.asarray(variance, dtype=float).ravel()
    if y.shape != v.shape:
        raise ValueError("effect and variance must have the same length")
    if len(y) < 1:
        raise ValueError("no studies to pool")
    if np.isnan(y).any() or np.isnan(v).any():
        raise ValueError("effects or variances are missing: drop those studies first")
    if (v <= 0).any():
        raise ValueError("every variance must be > 0")
    return y, v


def _heterogeneity(
    y: np.ndarray, v: np.ndarray, tau2: float, method: str
) -> tuple[float, int, float, float]:
    """Cochran's Q with its df, and I^2 (percent) and H^2 as metafor computes them."""
    k = len(y)
    q = _q(y, v, 0.0)
    dof = k - 1
    w0 = 1.0 / v
    s2 = dof / (np.sum(w0) - np.sum(w0**2) / np.sum(w0)) if k > 1 else np.nan
    if k == 1:  # no heterogeneity to measure: metafor's I^2 = 0, H^2 = 1
        i2, h2 = 0.0, 1.0
    elif method == "FE":
        i2 = max(0.0, 100.0 * (q - dof) / q) if q > 0 else 0.0
        h2 = q / dof
    else:
        i2 = 100.0 * tau2 / (tau2 + s2)
        h2 = (tau2 + s2) / s2
    return q, dof, i2, h2


class _PooledTest(NamedTuple):
    """The test of the pooled estimate: its (adjusted) SE, the interval's critical value,
    the z or t statistic and p-value, the method's label and notes."""

    se: float
    crit: float
    statistic: float
    p_val: float
    label: str
    notes: list[str]


def _pooled_test(
    y: np.ndarray,
    est: float,
    se: float,
    w: np.ndarray,
    method: str,
    knha: bool | str,
    alpha: float,
) -> _PooledTest:
    """z test and normal interval, or with ``knha`` the Knapp-Hartung t test and interval."""
    k = len(y)
    notes: list[str] = []
    label = method
    if knha is not False and k == 1:
        notes.append(
            "one study: no Knapp-Hartung adjustment, normal interval (as metafor with a warning)"
        )
    if knha is False or k == 1:
        crit = float(special.ndtri(1 - alpha / 2))
        stat = est / se
        return _PooledTest(se, crit, stat, float(2 * sps.norm.sf(abs(stat))), label, notes)
    factor = float(np.sum(w * (y - est) ** 2) / (k - 1))
    if knha == "adhoc":
        label += "+KNHA-adhoc"
        factor = max(1.0, factor)
    else:
        label += "+KNHA"
        if factor < 1.0:
            notes.append(
                f"Knapp-Hartung factor {factor:.3g} < 1: the studies agree more closely"
                " than their variances imply, so the interval is narrower than the"
                " normal one (zero width when all effects are equal; metafor gives the"
                " same); knha='adhoc' never narrows it"
            )
    se = float(se * np.sqrt(factor))
    crit = float(sps.t.ppf(1 - alpha / 2, k - 1))
    # equal effects: se = 0, t = -Inf or Inf and p = 0, as metafor prints
    stat = est / se if se > 0 else (math.copysign(math.inf, est) if est != 0 else math.nan)
    return _PooledTest(se, crit, stat, float(2 * sps.t.sf(abs(stat), k - 1)), label, notes)


def _study_table(
    names: list[str], y: np.ndarray, v: np.ndarray, w: np.ndarray, alpha: float
) -> pd.DataFrame:
    """:attr:`MetaAnalysis.studies`: each study's effect, normal interval and weight."""
    z = float(special.ndtri(1 - alpha / 2))
    sd = np.sqrt(v)
    return pd.DataFrame(
        {
            "label": names,
            "effect": y,
            "variance": v,
            "se": sd,
            "ci_low": y - z * sd,
            "ci_high": y + z * sd,
            "weight": 100.0 * w / np.sum(w),
        }
    )


def effect_size(
    mean1: ArrayLike,
    sd1: ArrayLike,
    n1: ArrayLike,
    mean2: ArrayLike,
    sd2: ArrayLike,
    n2: ArrayLike,
    *,
    measure: str = "SMD",
    correction: str = "exact",
) -> pd.DataFrame:
    """Effect sizes from summary statistics of two groups (group 1 minus group 2).

    Parameters
    ----------
    mean1, sd1, n1, mean2, sd2, n2 : array-like
        Means, standard deviations and sizes of the two groups of each study.
    measure : {"SMD", "MD"}, default "SMD"
        Standardized mean difference (Hedges' g) or raw mean difference.
    correction : {"exact", "approx"}, default "exact"
        Small-sample correction of g: the exact gamma-function factor (metafor's default)
        or Hedges' approximation 1 - 3 / (4 m - 1), m = n1 + n2 - 2.

    Returns
    -------
    DataFrame
        ``effect``, ``variance``, ``se``, one row per study, ready for
        :func:`meta_analysis`. SMD variance: 1/n1 + 1/n2 + g^2 / (2 (n1 + n2)) (metafor's
        large-sample ``vtype = "LS"``); MD variance: sd1^2/n1 + sd2^2/n2.

    Examples
    --------
    >>> effect_size([55], [47], [155], [75], [64], [156])["effect"].round(4).tolist()
    [-0.3552]
    """
    m1, s1, k1, m2, s2, k2 = (np.asarray(a, dtype=float).ravel() for a in
                              (mean1, sd1, n1, mean2, sd2, n2))  # fmt: skip
    if not (len(m1) == len(s1) == len(k1) == len(m2) == len(s2) == len(k2)):
        raise ValueError("all six inputs must have the same length")
    if (k1 < 2).any() or (k2 < 2).any():
        raise ValueError("each group needs at least two participants")
    if (s1 < 0).any() or (s2 < 0).any():
        raise ValueError("standard deviations must be >= 0")
    if measure == "MD":
        effect = m1 - m2
        variance = s1**2 / k1 + s2**2 / k2
    elif measure == "SMD":
        m = k1 + k2 - 2
        sp = np.sqrt(((k1 - 1) * s1**2 + (k2 - 1) * s2**2) / m)
        d = (m1 - m2) / sp
        if correction == "exact":
            j = np.exp(
                special.gammaln(m / 2) - np.log(np.sqrt(m / 2)) - special.gammaln((m - 1) / 2)
            )
        elif correction == "approx":
            j = 1.0 - 3.0 / (4.0 * m - 1.0)
        else:
            raise ValueError(f"correction must be 'exact' or 'approx', not {correction!r}")
        effect = j * d
        variance = 1.0 / k1 + 1.0 / k2 + effect**2 / (2.0 * (k1 + k2))
    else:
        raise ValueError(f"measure must be 'SMD' or 'MD', not {measure!r}")
    return pd.DataFrame({"effect": effect, "variance": variance, "se": np.sqrt(variance)})


def egger_test(effect: ArrayLike, variance: ArrayLike) -> pd.DataFrame:
    """Egger's regression test for funnel-plot asymmetry (metafor ``regtest(model = "lm")``).

    Weighted least squares of the effects on their standard errors (weights 1 / variance);
    the test is of the slope, on k - 2 df.

    Returns
    -------
    DataFrame
        One row: ``statistic`` (t), ``dof``, ``p_val``, ``intercept`` (the effect a study of
        infinite precision would show) and ``slope``.

    Examples
    --------
    >>> int(egger_test([0.1, 0.3, 0.2, 0.6], [0.01, 0.04, 0.02, 0.09])["dof"].iloc[0])
    2
    """
    y = np.asarray(effect, dtype=float).ravel()
    v = np.asarray(variance, dtype=float).ravel()
    k = len(y)
    if k < 3:
        raise ValueError("Egger's test needs at least three studies")
    x = np.column_stack([np.ones(k), np.sqrt(v)])
    w = 1.0 / v
    xtw = x.T * w
    coef = np.linalg.solve(xtw @ x, xtw @ y)
    resid = y - x @ coef
    dof = k - 2
    sigma2 = float(np.sum(w * resid**2) / dof)
    cov = sigma2 * np.linalg.inv(xtw @ x)
    stat = float(coef[1] / np.sqrt(cov[1, 1]))
    return pd.DataFrame(
        {
            "statistic": [stat],
            "dof": [dof],
            "p_val": [float(2 * sps.t.sf(abs(stat), dof))],
            "intercept": [float(coef[0])],
            "slope": [float(coef[1])],
        }
    )
