"""Who stops coming, and does it change the answer? Attrition, multiple imputation and a
tipping-point analysis for the change from baseline."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes._common import grouped, grouping_keys
from tpdn_outcomes.stats.ancova import ancova
from tpdn_outcomes.stats.mi import rubin


def attrition(
    data: SessionData,
    *,
    measure: str = "pain",
    by: str | Sequence[str] | None = "condition",
) -> pd.DataFrame:
    """Who has no final value, by group, and how completers differ at baseline.

    Returns
    -------
    DataFrame
        One row per group: ``n_episodes``, ``n_no_baseline``, ``n_completers`` (a change),
        ``n_non_completers`` (a baseline but no final value), ``rate_non_completion``,
        ``still_open`` (non-completers whose episode is still open: not drop-outs yet),
        mean baseline and sessions of completers and non-completers, and the baseline
        difference (non-completers minus completers) with its Welch interval and p-value.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import attrition
    >>> int(attrition(load_sample(), by=None)["n_non_completers"].iloc[0])
    10
    """
    keys = grouping_keys(by)
    episodes = data.episodes(measure)
    rows = []
    for values, group in grouped(episodes, keys):
        has_base = group["baseline"].notna()
        done = group["change"].notna()
        non = has_base & ~done
        a = group.loc[done, "baseline"].to_numpy(dtype=float)
        b = group.loc[non, "baseline"].to_numpy(dtype=float)
        row: dict[str, Any] = dict(zip(keys, values, strict=True))
        row.update(
            measure=measure,
            n_episodes=len(group),
            n_no_baseline=int((~has_base).sum()),
            n_completers=int(done.sum()),
            n_non_completers=int(non.sum()),
            rate_non_completion=float(non.sum() / has_base.sum()) if has_base.any() else np.nan,
            still_open=int((non & group["open"].fillna(False).astype(bool)).sum()),
            baseline_completers=float(a.mean()) if len(a) else np.nan,
            baseline_non_completers=float(b.mean()) if len(b) else np.nan,
            sessions_completers=float(group.loc[done, "n_sessions"].mean()) if done.any() else np.nan,
            sessions_non_completers=float(group.loc[non, "n_sessions"].mean()) if non.any() else np.nan,
        )  # fmt: skip
        if len(a) >= 2 and len(b) >= 2 and (a.var(ddof=1) + b.var(ddof=1)) > 0:
            with warnings.catch_warnings():  # nearly constant groups: scipy warns, result fine
                warnings.simplefilter("ignore", RuntimeWarning)
                test = sps.ttest_ind(b, a, equal_var=False)
            ci = test.confidence_interval()
            row.update(baseline_difference=float(b.mean() - a.mean()), ci_low=float(ci.low),
                       ci_high=float(ci.high), p_val=float(test.pvalue), note="")  # fmt: skip
        else:
            row.update(baseline_difference=np.nan, ci_low=np.nan, ci_high=np.nan, p_val=np.nan,
                       note="fewer than two completers or non-completers")  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows)


def _impute_finals(
    frame: pd.DataFrame, group: str | None, rng: np.random.Generator, delta: float, sign: float
) -> np.ndarray:
    """One proper imputation of missing finals: final ~ baseline (+ group), Bayesian draws.

    sigma^2 is drawn from its scaled inverse chi-square posterior and beta from its normal
    posterior given sigma^2 (Rubin 1987, the "norm" method of mice), then each missing final
    is drawn from the regression; ``delta`` (in the worse direction) is added to imputed
    values only.
    """
    obs = frame["final"].notna().to_numpy()
    x = np.column_stack([np.ones(len(frame)), frame["baseline"].to_numpy(dtype=float)])
    if group is not None:
        levels = sorted(frame[group].astype(str).unique())
        for lev in levels[1:]:
            x = np.column_stack([x, (frame[group].astype(str) == lev).to_numpy(dtype=float)])
    xo, yo = x[obs], frame.loc[obs, "final"].to_numpy(dtype=float)
    xtx_inv = np.linalg.pinv(xo.T @ xo)
    beta_hat = xtx_inv @ xo.T @ yo
    resid = yo - xo @ beta_hat
    dof = max(len(yo) - x.shape[1], 1)
    sigma2 = float(resid @ resid) / rng.chisquare(dof)
    beta = rng.multivariate_normal(beta_hat, sigma2 * xtx_inv)
    missing = ~obs
    out = frame["final"].to_numpy(dtype=float).copy()
    out[missing] = x[missing] @ beta + rng.normal(0, np.sqrt(sigma2), missing.sum())
    out[missing] += sign * delta
    return out


def multiple_imputation(
    data: SessionData,
    *,
    measure: str = "pain",
    by: str | None = "condition",
    analysis: str = "change",
    m: int = 20,
    delta: float = 0.0,
    seed: int | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean change (or ANCOVA adjusted means) with missing final values multiply imputed.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    measure : str, default "pain"
    by : str or None, default "condition"
        Groups of the analysis (and a predictor of the imputation model).
    analysis : {"change", "ancova"}, default "change"
        ``change``: each group's mean change; ``ancova``: adjusted mean changes from
        ``change ~ baseline + group`` (:func:`tpdn_outcomes.stats.ancova`).
    m : int, default 20
        Imputations.
    delta : float, default 0.0
        Added to every imputed final value in the *worse* direction (higher pain, lower
        ROM): a delta-adjusted (missing-not-at-random) sensitivity analysis.
    seed : int, optional
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        One row per group: ``estimate`` (pooled), ``se``, ``dof``, ``ci_low``, ``ci_high``,
        ``p_val``, ``fmi`` (fraction of missing information), ``n`` (episodes with a
        baseline), ``n_imputed`` and ``delta``, pooled by Rubin's rules
        (:func:`tpdn_outcomes.stats.rubin`, Barnard-Rubin df).

    Notes
    -----
    Only the final value is missing (episodes without a baseline are left out and counted in
    :func:`attrition`), so chained equations reduce to one conditional model: final ~
    baseline + group, drawn from its posterior in each imputation (mice's ``norm``). This
    assumes the finals are missing at random given baseline and group; ``delta`` and
    :func:`tipping_point` ask what happens if non-completers fared worse.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import multiple_imputation
    >>> mi = multiple_imputation(load_sample(), by=None, m=5, seed=1)
    >>> int(mi["n_imputed"].iloc[0])
    10
    """
    if analysis not in ("change", "ancova"):
        raise ValueError(f"analysis must be 'change' or 'ancova', not {analysis!r}")
    if m < 2:
        raise ValueError("m must be at least 2")
    spec = schema.measure_spec(measure)
    sign = -1.0 if spec.higher_is_better else 1.0
    episodes = data.episodes(measure)
    frame = episodes[episodes["baseline"].notna()].copy()
    if by is not None:
        frame[by] = frame[by].astype("string").fillna("(missing)")
    rng = np.random.default_rng(seed)
    results: dict[str, list[tuple[float, float, float]]] = {}
    for _ in range(m):
        finals = _impute_finals(frame, by, rng, delta, sign)
        completed = frame.assign(final=finals, change=finals - frame["baseline"].to_numpy())
        if analysis == "change":
            groups = completed.groupby(by, sort=True) if by is not None else [("All", completed)]
            for label, g in groups:
                c = g["change"].to_numpy(dtype=float)
                results.setdefault(str(label), []).append(
                    (float(c.mean()), float(c.var(ddof=1) / len(c)), len(c) - 1.0)
                )
        else:
            if by is None:
                raise ValueError("an ANCOVA needs by=")
            fit = ancova(completed, outcome="change", baseline="baseline", group=by)
            for _, row in fit.adjusted_means.iterrows():
                results.setdefault(str(row["group"]), []).append(
                    (float(row["estimate"]), float(row["se"]) ** 2, float(row["dof"]))
                )
    rows = []
    for label, triples in results.items():
        est, var, dof = (np.array(v) for v in zip(*triples, strict=True))
        pooled = rubin(est, var, df_complete=float(dof[0]), confidence=confidence).iloc[0]
        part = frame if by is None else frame[frame[by] == label]
        rows.append({"group": label, "estimate": pooled["estimate"], "se": pooled["se"],
                     "dof": pooled["dof"], "ci_low": pooled["ci_low"],
                     "ci_high": pooled["ci_high"], "p_val": pooled["p_val"],
                     "fmi": pooled["fmi"], "n": len(part),
                     "n_imputed": int(part["final"].isna().sum()), "delta": delta})  # fmt: skip
    return pd.DataFrame(rows)


def tipping_point(
    data: SessionData,
    *,
    measure: str = "pain",
    by: str | None = None,
    deltas: Sequence[float] | None = None,
    m: int = 20,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """How much worse would non-completers have to be for the improvement to vanish?

    Repeats :func:`multiple_imputation` with every ``delta`` (the same seed, so only delta
    changes) and reports the pooled mean change per delta. ``attrs["tipping_delta"]`` is,
    per group, the smallest delta at which the confidence interval of the mean change
    reaches zero (NaN if none in the grid): the non-completers' shift, in the measure's
    units, that would overturn "patients improved".

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import tipping_point
    >>> table = tipping_point(load_sample(), deltas=[0, 50, 500], m=5)
    >>> table["delta"].tolist()
    [0.0, 50.0, 500.0]
    """
    grid = list(deltas) if deltas is not None else list(np.arange(0.0, 10.5, 0.5))
    parts = [
        multiple_imputation(
            data, measure=measure, by=by, m=m, delta=float(d), seed=seed, confidence=confidence
        )
        for d in grid
    ]
    table = pd.concat(parts, ignore_index=True).sort_values(["group", "delta"], kind="stable")
    table = table.reset_index(drop=True)
    spec = schema.measure_spec(measure)
    tipping = {}
    for label, g in table.groupby("group", sort=False):
        # improvement vanishes when the interval of the change reaches 0 from the better side
        if spec.higher_is_better:
            crossed = g[g["ci_low"] <= 0]
        else:
            crossed = g[g["ci_high"] >= 0]
        tipping[str(label)] = float(crossed["delta"].iloc[0]) if len(crossed) else np.nan
    table.attrs["tipping_delta"] = tipping
    return table


__all__ = ["attrition", "multiple_imputation", "tipping_point"]
