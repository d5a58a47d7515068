"""Measurement error and change beyond it: SEM, MDC, the reliable change index and
the expected regression to the mean."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from tpdn_outcomes.stats._checks import check_confidence

__all__ = ["mdc", "regression_to_mean", "reliable_change_index", "sem_from_icc"]


def _scalar_or_array(x: NDArray[np.float64]) -> float | NDArray[np.float64]:
    return float(x) if x.ndim == 0 else x


def sem_from_icc(sd: ArrayLike, icc: ArrayLike) -> float | NDArray[np.float64]:
    """Standard error of measurement from a between-subject SD and a reliability.

    Parameters
    ----------
    sd : float or array-like
        Standard deviation of the scores (>= 0).
    icc : float or array-like
        Reliability coefficient (e.g. a test-retest ICC) in [0, 1].

    Returns
    -------
    float or numpy.ndarray
        ``SEM = sd * sqrt(1 - icc)``; a float for scalar input, else an array.

    Raises
    ------
    ValueError
        If ``sd`` is negative or ``icc`` outside [0, 1].

    Notes
    -----
    The classical test theory formula (e.g. de Vet et al. 2011, *Measurement in
    Medicine*, ch. 5); validated against the same formula in R
    (tests/reference/stats_reliability.R).

    Examples
    --------
    >>> round(sem_from_icc(2.0, 0.84), 6)
    0.8
    """
    s = np.asarray(sd, dtype=float)
    r = np.asarray(icc, dtype=float)
    if (s < 0).any():
        raise ValueError("sd must be non-negative")
    if ((r < 0) | (r > 1)).any():
        raise ValueError("icc must lie in [0, 1]")
    return _scalar_or_array(s * np.sqrt(1.0 - r))


def mdc(sem: ArrayLike, *, confidence: float = 0.95) -> float | NDArray[np.float64]:
    """Minimal detectable change from the standard error of measurement.

    Parameters
    ----------
    sem : float or array-like
        Standard error of measurement (>= 0), e.g. from :func:`sem_from_icc`.
    confidence : float, default 0.95
        Confidence level (MDC95 by default), strictly between 0 and 1.

    Returns
    -------
    float or numpy.ndarray
        ``MDC = z * sqrt(2) * SEM`` with z the 1 - (1 - confidence)/2 normal quantile
        (1.959964 for 95 %); a float for scalar input, else an array.

    Raises
    ------
    ValueError
        If ``sem`` is negative or ``confidence`` is outside (0, 1).

    Notes
    -----
    sqrt(2) because a change involves two measurements, each with error SEM (Weir 2005,
    J Strength Cond Res 19:231-240). Validated against ``qnorm(0.975) * sqrt(2) * sem``
    in R (tests/reference/stats_reliability.R).

    Examples
    --------
    >>> round(mdc(1.0), 4)
    2.7718
    >>> round(mdc(1.0, confidence=0.90), 4)
    2.3262
    """
    conf = check_confidence(confidence)
    s = np.asarray(sem, dtype=float)
    if (s < 0).any():
        raise ValueError("sem must be non-negative")
    z = float(special.ndtri(1.0 - (1.0 - conf) / 2.0))
    return _scalar_or_array(z * math.sqrt(2.0) * s)


def reliable_change_index(
    before: ArrayLike,
    after: ArrayLike,
    *,
    sd_baseline: float,
    reliability: float,
) -> NDArray[np.float64]:
    """Jacobson & Truax (1991) reliable change index for each pair.

    Parameters
    ----------
    before, after : array-like of float
        Paired scores of equal length; NaN gives NaN.
    sd_baseline : float
        SD of the baseline scores in a reference (e.g. the pre-treatment) population,
        s_1 in the paper (> 0).
    reliability : float
        Test-retest reliability r_xx of the measure, in [0, 1).

    Returns
    -------
    numpy.ndarray
        ``RC = (after - before) / S_diff`` for each pair, in input order. |RC| > 1.96
        marks change unlikely (p < 0.05) to be measurement error alone.

    Raises
    ------
    ValueError
        If the arrays differ in length, ``sd_baseline <= 0`` or ``reliability`` is
        outside [0, 1).

    Notes
    -----
    Jacobson NS, Truax P (1991). Clinical significance: a statistical approach to
    defining meaningful change in psychotherapy research. J Consult Clin Psychol
    59:12-19. ``SE = s_1 sqrt(1 - r_xx)``, ``S_diff = sqrt(2 SE^2)``,
    ``RC = (x_2 - x_1) / S_diff``. Validated against the same formulas in R
    (tests/reference/stats_reliability.R).

    Examples
    --------
    >>> reliable_change_index([60, 50], [45, 52], sd_baseline=7.5, reliability=0.88).round(4).tolist()
    [-4.0825, 0.5443]
    """
    x1 = np.asarray(before, dtype=float)
    x2 = np.asarray(after, dtype=float)
    if x1.shape != x2.shape:
        raise ValueError(
            f"before and after must have the same length (pairs), got {x1.size} and {x2.size}"
        )
    if not (sd_baseline > 0 and math.isfinite(sd_baseline)):
        raise ValueError(f"sd_baseline must be a positive number, got {sd_baseline!r}")
    if not (0 <= reliability < 1):
        raise ValueError(f"reliability must lie in [0, 1), got {reliability!r}")
    se = sd_baseline * math.sqrt(1.0 - reliability)
    s_diff = math.sqrt(2.0 * se**2)
    return np.atleast_1d((x2 - x1) / s_diff)


def regression_to_mean(
    *,
    population_mean: float,
    population_sd: float,
    correlation: float,
    cutoff: float | None = None,
    baseline_mean: float | None = None,
) -> pd.DataFrame:
    """Expected regression-to-the-mean effect for a group selected on its baseline.

    Give exactly one of ``cutoff`` (everyone with a baseline above ``cutoff`` was
    selected, e.g. patients entered at pain >= a threshold) or ``baseline_mean`` (the
    observed mean baseline of the selected group).

    Parameters
    ----------
    population_mean : float
        Mean mu of the measure in the population the group was selected from.
    population_sd : float
        SD sigma of the measure in that population (> 0).
    correlation : float
        Correlation rho between repeated measurements without treatment (test-retest),
        in [-1, 1].
    cutoff : float, optional
        Selection threshold c: subjects with baseline > c were selected.
    baseline_mean : float, optional
        Observed mean baseline of the selected group.

    Returns
    -------
    pandas.DataFrame
        One row with ``population_mean``, ``population_sd``, ``correlation``,
        ``cutoff`` and ``baseline_mean`` (NaN for the one not given), ``rtm_effect``
        (the expected change from baseline to follow-up due to regression to the
        mean alone, as a positive magnitude: scores selected as high are expected to
        fall by this much) and ``method`` (``"cutoff"`` or ``"baseline_mean"``).

    Raises
    ------
    ValueError
        If neither or both of ``cutoff`` and ``baseline_mean`` are given,
        ``population_sd <= 0`` or ``correlation`` is outside [-1, 1].

    Notes
    -----
    Barnett AG, van der Pols JC, Dobson AJ (2005). Regression to the mean: what it is
    and how to deal with it. Int J Epidemiol 34:215-220. For selection of subjects with
    baseline above c in a normal population, the expected RTM effect is
    ``sigma (1 - rho) C(z)`` with ``z = (c - mu) / sigma`` and
    ``C(z) = phi(z) / (1 - Phi(z))`` (the paper writes it as
    ``sigma^2 (1 - rho) / sigma * C(z)``). For a group with observed mean baseline x,
    the expected regression toward mu is ``(1 - rho) (x - mu)`` (positive when the
    group was selected above the mean). Validated against the same formulas with
    ``dnorm``/``pnorm`` in R (tests/reference/stats_reliability.R).

    Examples
    --------
    >>> tab = regression_to_mean(population_mean=5.0, population_sd=2.0, correlation=0.6, cutoff=7.0)
    >>> round(float(tab["rtm_effect"].iloc[0]), 6)
    1.220108
    >>> tab = regression_to_mean(population_mean=5.0, population_sd=2.0, correlation=0.6, baseline_mean=7.5)
    >>> round(float(tab["rtm_effect"].iloc[0]), 6)
    1.0
    """
    if (cutoff is None) == (baseline_mean is None):
        raise ValueError("give exactly one of cutoff= or baseline_mean=")
    if not (population_sd > 0 and math.isfinite(population_sd)):
        raise ValueError(f"population_sd must be a positive number, got {population_sd!r}")
    if not (-1 <= correlation <= 1):
        raise ValueError(f"correlation must lie in [-1, 1], got {correlation!r}")
    if cutoff is not None:
        z = (cutoff - population_mean) / population_sd
        # phi(z) / (1 - Phi(z)), the inverse Mills ratio, computed on the log scale so
        # that it stays accurate far in the upper tail.
        log_phi = -0.5 * z * z - 0.5 * math.log(2 * math.pi)
        c_z = math.exp(log_phi - float(special.log_ndtr(-z)))
        effect = population_sd * (1 - correlation) * c_z
        method = "cutoff"
    else:
        observed = math.nan if baseline_mean is None else float(baseline_mean)
        effect = (1 - correlation) * (observed - population_mean)
        method = "baseline_mean"
    return pd.DataFrame(
        [
            {
                "population_mean": float(population_mean),
                "population_sd": float(population_sd),
                "correlation": float(correlation),
                "cutoff": math.nan if cutoff is None else float(cutoff),
                "baseline_mean": math.nan if baseline_mean is None else float(baseline_mean),
                "rtm_effect": float(effect),
                "method": method,
            }
        ]
    )
