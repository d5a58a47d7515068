"""Rubin's rules for combining analyses of multiply imputed data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as sps

from tpdn_outcomes.stats._checks import check_confidence

__all__ = ["rubin"]


def rubin(
    estimates: ArrayLike,
    variances: ArrayLike,
    *,
    df_complete: float | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Pool one parameter's estimates from m imputed datasets (Rubin 1987).

    Parameters
    ----------
    estimates, variances : array-like
        The estimate and its squared standard error from each imputed dataset.
    df_complete : float, optional
        Degrees of freedom the analysis would have without missing data; gives the
        Barnard-Rubin (1999) small-sample df. Without it, Rubin's large-sample df.
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        One row: ``estimate`` (mean), ``within`` (mean variance, U-bar), ``between`` (B),
        ``total`` (T = U-bar + (1 + 1/m) B), ``se``, ``dof``, ``statistic``, ``p_val``,
        ``ci_low``, ``ci_high``, ``riv`` (relative increase in variance), ``fmi``
        (fraction of missing information), ``m``. As ``mice::pool.scalar``.

    Examples
    --------
    >>> out = rubin([1.0, 1.2, 0.9], [0.04, 0.05, 0.04])
    >>> round(float(out["estimate"].iloc[0]), 4), round(float(out["total"].iloc[0]), 4)
    (1.0333, 0.0744)
    """
    check_confidence(confidence)
    q = np.asarray(estimates, dtype=float).ravel()
    u = np.asarray(variances, dtype=float).ravel()
    if q.shape != u.shape or len(q) < 2:
        raise ValueError("give at least two estimates and as many variances")
    m = len(q)
    qbar = float(q.mean())
    ubar = float(u.mean())
    b = float(q.var(ddof=1))
    t = ubar + (1 + 1 / m) * b
    lam = (1 + 1 / m) * b / t if t > 0 else 0.0
    riv = (1 + 1 / m) * b / ubar if ubar > 0 else np.inf
    df_old = (m - 1) / lam**2 if lam > 0 else np.inf
    if df_complete is not None and np.isfinite(df_complete):
        df_obs = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - lam)
        dof = df_old * df_obs / (df_old + df_obs) if np.isfinite(df_old) else df_obs
    else:
        dof = df_old
    fmi = (riv + 2 / (dof + 3)) / (1 + riv) if np.isfinite(dof) else lam
    se = float(np.sqrt(t))
    stat = qbar / se if se > 0 else np.nan
    crit = (
        float(sps.t.ppf(0.5 + confidence / 2, dof))
        if np.isfinite(dof)
        else float(sps.norm.ppf(0.5 + confidence / 2))
    )
    p = (
        float(2 * sps.t.sf(abs(stat), dof))
        if np.isfinite(dof)
        else float(2 * sps.norm.sf(abs(stat)))
    )
    return pd.DataFrame(
        [{"estimate": qbar, "within": ubar, "between": b, "total": t, "se": se, "dof": dof,
          "statistic": stat, "p_val": p, "ci_low": qbar - crit * se, "ci_high": qbar + crit * se,
          "riv": riv, "fmi": fmi, "m": m}]
    )  # fmt: skip
