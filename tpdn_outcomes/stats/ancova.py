"""ANCOVA: a group comparison adjusted for baseline and covariates, with estimated marginal
means and contrasts computed as R's ``lm`` + ``emmeans`` compute them."""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps

from tpdn_outcomes.stats._checks import check_confidence
from tpdn_outcomes.stats.multiplicity import p_adjust

__all__ = ["Ancova", "ancova"]

COEFFICIENT_COLUMNS = ("term", "estimate", "se", "statistic", "dof", "p_val", "ci_low", "ci_high")


@dataclass
class Ancova:
    """A fitted ANCOVA.

    Attributes
    ----------
    coefficients : DataFrame
        One row per model term (``Intercept``, ``group[T.level]``, ``baseline``, ...):
        ``estimate``, ``se``, ``statistic`` (t), ``dof``, ``p_val``, ``ci_low``, ``ci_high``.
    adjusted_means : DataFrame
        One row per group: ``group``, ``estimate``, ``se``, ``dof``, ``ci_low``,
        ``ci_high``: estimated marginal means with numeric covariates at their means and
        categorical covariates averaged with equal weight over their levels (emmeans'
        defaults).
    result : statsmodels RegressionResults
        The underlying OLS fit.
    """

    coefficients: pd.DataFrame
    adjusted_means: pd.DataFrame
    result: Any
    group: str
    confidence: float
    _grid_rows: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    def contrasts(
        self,
        method: str = "pairwise",
        *,
        reference: str | None = None,
        adjust: str = "holm",
    ) -> pd.DataFrame:
        """Differences between adjusted means, with tests and intervals.

        Parameters
        ----------
        method : {"pairwise", "trt.vs.ctrl"}, default "pairwise"
            Every pair (first minus second, in level order, as emmeans' ``pairs``), or each
            group minus the reference.
        reference : str, optional
            The control group of ``trt.vs.ctrl`` (default: the first level).
        adjust : {"holm", "tukey", "bonferroni", "none"}, default "holm"
            Multiplicity adjustment of the p-values. Intervals follow emmeans: Tukey
            intervals with ``tukey``, Bonferroni intervals with ``holm`` or ``bonferroni``
            (emmeans has no Holm interval), unadjusted with ``none``.

        Returns
        -------
        DataFrame
            ``contrast`` (``"a - b"``), ``estimate``, ``se``, ``dof``, ``statistic``, ``p_val``
            (adjusted), ``ci_low``, ``ci_high``, ``adjust``.
        """
        levels = list(self.adjusted_means["group"])
        if method == "pairwise":
            pairs = list(itertools.combinations(levels, 2))
        elif method == "trt.vs.ctrl":
            ref = reference if reference is not None else levels[0]
            if ref not in levels:
                raise ValueError(f"reference {ref!r} is not a group; groups: {levels}")
            pairs = [(lev, ref) for lev in levels if lev != ref]
        else:
            raise ValueError(f"method must be 'pairwise' or 'trt.vs.ctrl', not {method!r}")
        if adjust not in ("holm", "tukey", "bonferroni", "none"):
            raise ValueError(f"adjust must be holm, tukey, bonferroni or none, not {adjust!r}")
        if adjust == "tukey" and method != "pairwise":
            raise ValueError("the Tukey adjustment is for pairwise comparisons")
        beta = np.asarray(self.result.params)
        cov = np.asarray(self.result.cov_params())
        dof = float(self.result.df_resid)
        rows = []
        for a, b in pairs:
            weights = self._grid_rows[a] - self._grid_rows[b]
            est = float(weights @ beta)
            se = float(np.sqrt(weights @ cov @ weights))
            rows.append({"contrast": f"{a} - {b}", "estimate": est, "se": se, "dof": dof,
                         "statistic": est / se})  # fmt: skip
        out = pd.DataFrame(rows)
        t = out["statistic"].to_numpy(dtype=float)
        raw = 2 * sps.t.sf(np.abs(t), dof)
        k = len(levels)
        m = len(out)
        alpha = 1 - self.confidence
        if adjust == "tukey":
            p = sps.studentized_range.sf(np.abs(t) * np.sqrt(2), k, dof)
            crit = float(sps.studentized_range.ppf(self.confidence, k, dof) / np.sqrt(2))
        elif adjust in ("holm", "bonferroni"):
            p = p_adjust(raw, method=adjust)
            crit = float(sps.t.ppf(1 - alpha / (2 * m), dof))
        else:
            p = raw
            crit = float(sps.t.ppf(1 - alpha / 2, dof))
        out["p_val"] = np.minimum(p, 1.0)
        out["ci_low"] = out["estimate"] - crit * out["se"]
        out["ci_high"] = out["estimate"] + crit * out["se"]
        out["adjust"] = adjust
        return out

    def summary(self) -> str:
        """A short text summary: the adjusted means."""
        lines = [f"ANCOVA of {self.result.model.endog_names} by {self.group}"]
        for _, r in self.adjusted_means.iterrows():
            lines.append(
                f"  {r['group']}: {r['estimate']:.3f} ({r['ci_low']:.3f} to {r['ci_high']:.3f})"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.summary())}</pre>" + self.adjusted_means.to_html(
            index=False
        )


def ancova(
    data: pd.DataFrame,
    *,
    outcome: str,
    baseline: str | None,
    group: str,
    covariates: Sequence[str] = (),
    confidence: float = 0.95,
) -> Ancova:
    """Compare groups on an outcome adjusted for baseline and covariates (OLS).

    Parameters
    ----------
    data : DataFrame
        One row per unit (episode).
    outcome, baseline, group : str
        Columns: the outcome, its baseline value (None for no baseline term) and the
        grouping factor.
    covariates : sequence of str
        Further adjustment columns; numeric columns enter linearly, others as factors.
    confidence : float, default 0.95

    Returns
    -------
    Ancova

    Notes
    -----
    Rows with a missing value in any model column are dropped (their number is in
    ``result.nobs`` against ``len(data)``). Group levels are sorted; the first is the
    reference of the coefficients. Adjusted means are the model's predictions averaged over
    the reference grid: each group crossed with every level of each factor covariate (equal
    weights) and numeric covariates at their means over the rows used, as emmeans does by
    default. Checked against R's ``lm`` and ``emmeans`` (tests/reference/stats_ancova.R).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 7], "b": [1.0, 2, 1, 2, 1, 2],
    ...                    "g": ["a", "a", "b", "b", "c", "c"]})
    >>> res = ancova(df, outcome="y", baseline="b", group="g")
    >>> res.adjusted_means["estimate"].round(2).tolist()
    [1.5, 3.5, 6.0]
    """
    check_confidence(confidence)
    cols = [outcome, group, *([baseline] if baseline else []), *covariates]
    missing_cols = [c for c in cols if c not in data]
    if missing_cols:
        raise ValueError(f"columns not in the data: {missing_cols}")
    frame = data[cols].dropna().copy()
    if frame[group].nunique() < 2:
        raise ValueError("an ANCOVA needs at least two groups with data")
    frame[group] = frame[group].astype(str)
    levels = sorted(frame[group].unique())
    numeric = [c for c in [*([baseline] if baseline else []), *covariates]
               if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]  # fmt: skip
    factors = [c for c in covariates if c not in numeric]
    factor_levels = {c: sorted(frame[c].astype(str).unique()) for c in factors}

    def design(rows: pd.DataFrame) -> pd.DataFrame:
        x = pd.DataFrame({"Intercept": np.ones(len(rows))}, index=rows.index)
        for lev in levels[1:]:
            x[f"{group}[T.{lev}]"] = (rows[group].astype(str) == lev).astype(float)
        for c in numeric:
            x[c] = rows[c].astype(float)
        for c in factors:
            for lev in factor_levels[c][1:]:
                x[f"{c}[T.{lev}]"] = (rows[c].astype(str) == lev).astype(float)
        return x

    x = design(frame)
    fit = sm.OLS(frame[outcome].astype(float), x).fit()
    dof = float(fit.df_resid)
    q = float(sps.t.ppf(0.5 + confidence / 2, dof))
    ci = fit.conf_int(alpha=1 - confidence)
    coefficients = pd.DataFrame(
        {
            "term": list(x.columns),
            "estimate": fit.params.to_numpy(),
            "se": fit.bse.to_numpy(),
            "statistic": fit.tvalues.to_numpy(),
            "dof": dof,
            "p_val": fit.pvalues.to_numpy(),
            "ci_low": ci.iloc[:, 0].to_numpy(),
            "ci_high": ci.iloc[:, 1].to_numpy(),
        }
    )
    means = {c: float(frame[c].astype(float).mean()) for c in numeric}
    grid_rows: dict[str, np.ndarray] = {}
    cov = np.asarray(fit.cov_params())
    beta = fit.params.to_numpy()
    rows = []
    for lev in levels:
        combos = list(itertools.product(*[factor_levels[c] for c in factors])) or [()]
        grid = pd.DataFrame([{group: lev, **means, **dict(zip(factors, combo, strict=True))}
                             for combo in combos])  # fmt: skip
        weights = design(grid).to_numpy(dtype=float).mean(axis=0)
        grid_rows[lev] = weights
        est = float(weights @ beta)
        se = float(np.sqrt(weights @ cov @ weights))
        rows.append({"group": lev, "estimate": est, "se": se, "dof": dof,
                     "ci_low": est - q * se, "ci_high": est + q * se})  # fmt: skip
    adjusted = pd.DataFrame(rows)
    return Ancova(coefficients, adjusted, fit, group, confidence, grid_rows)
