"""Confidence intervals for binomial proportions (responder rates and the like)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special
from scipy import stats as sps

from tpdn_outcomes.stats._checks import check_confidence

__all__ = ["PROPORTION_METHODS", "proportion_ci"]

#: Methods accepted by :func:`proportion_ci`.
PROPORTION_METHODS: tuple[str, ...] = ("wilson", "clopper-pearson", "agresti-coull")


def proportion_ci(
    k: ArrayLike,
    n: ArrayLike,
    *,
    confidence: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Confidence interval for a proportion k / n, one row per (k, n) pair.

    Parameters
    ----------
    k : int or array-like of int
        Number of events (e.g. responders), 0 <= k <= n.
    n : int or array-like of int
        Number of trials; broadcast against ``k``. ``n = 0`` gives NaN with a note.
    confidence : float, default 0.95
        Confidence level, strictly between 0 and 1.
    method : {"wilson", "clopper-pearson", "agresti-coull"}, default "wilson"
        Interval method (see Notes).

    Returns
    -------
    pandas.DataFrame
        One row per (k, n) pair with the columns

        - ``k``, ``n``: the inputs (integers);
        - ``proportion``: k / n as a fraction in 0-1 (NaN when n = 0);
        - ``ci_low``, ``ci_high``: the confidence limits, always within [0, 1];
        - ``method``: the method used;
        - ``note``: "" or why the interval is not estimable.

    Raises
    ------
    ValueError
        If ``k`` or ``n`` are negative, not whole numbers, ``k > n``, the shapes do not
        broadcast, or ``confidence`` or ``method`` are invalid.

    Notes
    -----
    With z the 1 - alpha/2 normal quantile and p = k/n:

    - *Wilson* (score) interval: ``(p + z^2/(2n) +/- z sqrt(p(1-p)/n + z^2/(4n^2))) /
      (1 + z^2/n)``; it never leaves [0, 1]. Equals R's
      ``prop.test(k, n, correct=FALSE)$conf.int`` (validated, R 4.2.2).
    - *Clopper-Pearson* (exact): beta quantiles ``B(alpha/2; k, n-k+1)`` and
      ``B(1-alpha/2; k+1, n-k)``, with 0 when k = 0 and 1 when k = n. Equals R's
      ``binom.test(k, n)$conf.int`` (validated).
    - *Agresti-Coull*: ``n~ = n + z^2``, ``p~ = (k + z^2/2)/n~``, ``p~ +/- z
      sqrt(p~(1-p~)/n~)``, clipped to [0, 1] (as the R package binom's
      ``binom.confint(method="ac")`` does); validated against the formula computed in R.

    Examples
    --------
    >>> tab = proportion_ci([0, 7, 20], 20)
    >>> tab[["k", "n", "proportion"]].to_dict("list")
    {'k': [0, 7, 20], 'n': [20, 20, 20], 'proportion': [0.0, 0.35, 1.0]}
    >>> tab[["ci_low", "ci_high"]].round(4).values.tolist()
    [[0.0, 0.1611], [0.1812, 0.5671], [0.8389, 1.0]]
    >>> proportion_ci(0, 20, method="clopper-pearson")[["ci_low", "ci_high"]].round(4).values.tolist()
    [[0.0, 0.1684]]
    """
    conf = check_confidence(confidence)
    if method not in PROPORTION_METHODS:
        raise ValueError(f"method must be one of {list(PROPORTION_METHODS)}, got {method!r}")
    try:
        k_arr, n_arr = np.broadcast_arrays(
            np.atleast_1d(np.asarray(k, dtype=float)), np.atleast_1d(np.asarray(n, dtype=float))
        )
    except ValueError:
        raise ValueError(
            f"k and n must have the same length (or one be a scalar), got shapes "
            f"{np.shape(k)} and {np.shape(n)}"
        ) from None
    k_arr = k_arr.ravel()
    n_arr = n_arr.ravel()
    if not (np.isfinite(k_arr).all() and np.isfinite(n_arr).all()):
        raise ValueError("k and n must be finite whole numbers")
    if (k_arr != np.round(k_arr)).any() or (n_arr != np.round(n_arr)).any():
        raise ValueError("k and n must be whole numbers (counts)")
    if (k_arr < 0).any() or (n_arr < 0).any():
        raise ValueError("k and n must be non-negative")
    if (k_arr > n_arr).any():
        bad = int(np.flatnonzero(k_arr > n_arr)[0])
        raise ValueError(
            f"k must not exceed n (k={int(k_arr[bad])} > n={int(n_arr[bad])} at position {bad})"
        )

    alpha = 1.0 - conf
    z = float(special.ndtri(1.0 - alpha / 2.0))
    empty = n_arr == 0
    nn = np.where(empty, 1.0, n_arr)
    p = k_arr / nn
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "wilson":
            centre = (p + z**2 / (2 * nn)) / (1 + z**2 / nn)
            half = z * np.sqrt(p * (1 - p) / nn + z**2 / (4 * nn**2)) / (1 + z**2 / nn)
            # exact at the edges: in exact arithmetic the Wilson limit is 0 at k = 0 and 1 at
            # k = n; floating point leaves ~1e-17 (R's prop.test prints 0 and 1)
            low = np.where(k_arr == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
            high = np.where(k_arr == n_arr, 1.0, np.clip(centre + half, 0.0, 1.0))
        elif method == "clopper-pearson":
            low = np.where(k_arr == 0, 0.0, sps.beta.ppf(alpha / 2, k_arr, n_arr - k_arr + 1))
            high = np.where(
                k_arr == n_arr, 1.0, sps.beta.ppf(1 - alpha / 2, k_arr + 1, n_arr - k_arr)
            )
        else:
            n_t = nn + z**2
            p_t = (k_arr + z**2 / 2) / n_t
            half = z * np.sqrt(p_t * (1 - p_t) / n_t)
            low = np.clip(p_t - half, 0.0, 1.0)
            high = np.clip(p_t + half, 0.0, 1.0)
    nan = np.full(k_arr.shape, np.nan)
    return pd.DataFrame(
        {
            "k": k_arr.astype(np.int64),
            "n": n_arr.astype(np.int64),
            "proportion": np.where(empty, nan, p),
            "ci_low": np.where(empty, nan, low),
            "ci_high": np.where(empty, nan, high),
            "method": method,
            "note": np.where(empty, "n = 0: proportion not estimable", ""),
        }
    )
