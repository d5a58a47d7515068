"""Multiplicity adjustment of p-values (R's ``p.adjust``)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["P_ADJUST_METHODS", "p_adjust"]

#: Methods accepted by :func:`p_adjust`.
P_ADJUST_METHODS: tuple[str, ...] = ("holm", "hochberg", "bonferroni", "bh", "by")


def p_adjust(p: ArrayLike, *, method: str = "holm") -> NDArray[np.float64]:
    """Adjust p-values for multiple comparisons, as R's ``p.adjust``.

    Parameters
    ----------
    p : array-like of float
        p-values in [0, 1]; NaN marks a missing one.
    method : {"holm", "hochberg", "bonferroni", "bh", "by"}, default "holm"
        Holm (1979) step-down, Hochberg (1988) step-up, Bonferroni,
        Benjamini-Hochberg (1995) false discovery rate, or Benjamini-Yekutieli (2001).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values (float) in the input order and shape. NaN stays NaN and is not
        counted in the number of tests m.

    Raises
    ------
    ValueError
        If a p-value lies outside [0, 1] or ``method`` is unknown.

    Notes
    -----
    With m non-missing p-values sorted increasingly p_(1) <= ... <= p_(m):

    - bonferroni: ``min(1, m p)``;
    - holm: ``cummax(min(1, (m - i + 1) p_(i)))``;
    - hochberg: ``cummin over i from m down of min(1, (m - i + 1) p_(i))``;
    - bh: ``cummin over i from m down of min(1, m / i * p_(i))``;
    - by: as bh times ``q = sum_{j=1..m} 1/j``.

    Ties are handled exactly as R does (its algorithm is followed step by step).
    Validated against R 4.2.2 ``p.adjust(p, method)`` for every method on a vector with
    ties and NA (tests/reference/stats_multiplicity.R).

    Examples
    --------
    >>> p_adjust([0.01, 0.04, 0.03, float("nan")], method="holm").round(4).tolist()
    [0.03, 0.06, 0.06, nan]
    >>> p_adjust([0.01, 0.04, 0.03], method="bh").round(4).tolist()
    [0.03, 0.04, 0.04]
    """
    if method not in P_ADJUST_METHODS:
        raise ValueError(f"method must be one of {list(P_ADJUST_METHODS)}, got {method!r}")
    arr = np.asarray(p, dtype=float)
    flat = arr.ravel()
    out = np.full(flat.shape, np.nan)
    ok = ~np.isnan(flat)
    pv = flat[ok]
    if ((pv < 0) | (pv > 1)).any():
        raise ValueError("p-values must lie in [0, 1] (NaN for a missing one)")
    m = pv.size
    if m == 0:
        return out.reshape(arr.shape)
    if method == "bonferroni":
        adj = np.minimum(1.0, m * pv)
    elif method == "holm":
        o = np.argsort(pv, kind="stable")
        i = np.arange(1, m + 1)
        adj_sorted = np.minimum(1.0, np.maximum.accumulate((m - i + 1) * pv[o]))
        adj = np.empty(m)
        adj[o] = adj_sorted
    else:
        # R: i <- lp:1; o <- order(p, decreasing = TRUE); ro <- order(o)
        o = np.argsort(-pv, kind="stable")
        i = np.arange(m, 0, -1, dtype=float)
        if method == "hochberg":
            vals = (m - i + 1) * pv[o]
        elif method == "bh":
            vals = m / i * pv[o]
        else:
            q = float(np.sum(1.0 / np.arange(1, m + 1)))
            vals = q * m / i * pv[o]
        adj_sorted = np.minimum(1.0, np.minimum.accumulate(vals))
        adj = np.empty(m)
        adj[o] = adj_sorted
    out[ok] = adj
    return out.reshape(arr.shape)
