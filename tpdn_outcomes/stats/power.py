"""Power and sample size for paired change and baseline-adjusted (ANCOVA) comparisons, as
R's ``power.t.test`` computes them."""

from __future__ import annotations

import math

from scipy import optimize
from scipy import stats as sps

__all__ = ["power_paired", "sample_size_ancova", "sample_size_paired"]


def _power(n: float, delta: float, sd: float, alpha: float, sample: str, strict: bool) -> float:
    if sample == "paired":
        df = n - 1
        ncp = math.sqrt(n) * delta / sd
    else:  # two independent groups of n each
        df = 2 * (n - 1)
        ncp = math.sqrt(n / 2) * delta / sd
    q = sps.t.ppf(1 - alpha / 2, df)
    power = sps.nct.sf(q, df, ncp)
    if strict:
        power += sps.nct.cdf(-q, df, ncp)
    return float(power)


def power_paired(
    n: int, *, delta: float, sd: float, alpha: float = 0.05, strict: bool = False
) -> float:
    """Power of the paired t test (two-sided) to detect a mean change ``delta``.

    Parameters
    ----------
    n : int
        Pairs (episodes).
    delta : float
        The true mean change to detect (its sign does not matter).
    sd : float
        The standard deviation of the changes.
    alpha : float, default 0.05
    strict : bool, default False
        Count both rejection tails (``True``, as statsmodels' ``TTestPower``); the default
        counts only the tail in the direction of ``delta``, as R's ``power.t.test`` does.

    Examples
    --------
    >>> round(power_paired(20, delta=1.0, sd=2.0), 4)
    0.5645
    """
    if n < 2:
        raise ValueError("n must be at least 2")
    if sd <= 0:
        raise ValueError("sd must be > 0")
    return _power(float(n), abs(delta), sd, alpha, "paired", strict)


def _solve_n(
    target: float, delta: float, sd: float, alpha: float, sample: str, strict: bool
) -> float:
    if not 0 < target < 1:
        raise ValueError("power must be between 0 and 1")
    if sd <= 0 or delta == 0:
        raise ValueError("sd must be > 0 and delta non-zero")
    f = lambda n: _power(n, abs(delta), sd, alpha, sample, strict) - target  # noqa: E731
    hi = 4.0
    while f(hi) < 0:
        hi *= 2
        if hi > 1e9:
            raise ValueError("no sample size reaches that power")
    return float(optimize.brentq(f, 2.0 + 1e-9, hi, xtol=1e-12, rtol=1e-14, maxiter=500))


def sample_size_paired(
    *, delta: float, sd: float, power: float = 0.8, alpha: float = 0.05, strict: bool = False
) -> dict[str, float]:
    """Pairs needed for a paired t test to reach ``power`` against a mean change ``delta``.

    Returns
    -------
    dict
        ``n_exact`` (the real solution, as R's ``power.t.test`` prints it), ``n`` (rounded
        up) and ``power`` (achieved with ``n``).

    Examples
    --------
    >>> sample_size_paired(delta=1.0, sd=2.0)["n"]
    34
    """
    exact = _solve_n(power, delta, sd, alpha, "paired", strict)
    n = math.ceil(exact - 1e-9)
    return {"n_exact": exact, "n": n, "power": _power(n, abs(delta), sd, alpha, "paired", strict)}


def sample_size_ancova(
    *,
    delta: float,
    sd: float,
    correlation: float,
    power: float = 0.8,
    alpha: float = 0.05,
    strict: bool = False,
) -> dict[str, float]:
    """Patients per group to compare two groups' outcomes adjusted for baseline.

    ANCOVA removes the part of the outcome's variance explained by the baseline, so the
    two-sample t calculation is made with ``sd * sqrt(1 - correlation**2)`` (Borm GF,
    Fransen J, Lemmens WA. J Clin Epidemiol 2007;60:1234-1238, without their one-df
    correction).

    Parameters
    ----------
    delta : float
        The true difference between the groups' mean outcomes.
    sd : float
        The outcome's standard deviation (within group).
    correlation : float
        The baseline-outcome correlation, in [0, 1).

    Returns
    -------
    dict
        ``n_exact``, ``n`` per group (rounded up), ``power`` achieved, ``sd_adjusted``.

    Examples
    --------
    >>> sample_size_ancova(delta=1.0, sd=2.0, correlation=0.5)["n"]
    49
    """
    if not 0 <= correlation < 1:
        raise ValueError("correlation must be in [0, 1)")
    sd_adj = sd * math.sqrt(1 - correlation**2)
    exact = _solve_n(power, delta, sd_adj, alpha, "two", strict)
    n = math.ceil(exact - 1e-9)
    return {"n_exact": exact, "n": n,
            "power": _power(n, abs(delta), sd_adj, alpha, "two", strict),
            "sd_adjusted": sd_adj}  # fmt: skip
