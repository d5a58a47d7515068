"""Linear mixed models (random intercept, or intercept and slope per group), fitted by REML
as lme4 fits them."""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import optimize, special
from scipy import stats as sps

from tpdn_outcomes.stats.paired import _check_confidence

__all__ = ["Lmm", "lmm"]


@dataclass
class Lmm:
    """A fitted linear mixed model.

    Attributes
    ----------
    fixed : DataFrame
        One row per fixed-effect term (``Intercept`` first): ``estimate``, ``se``,
        ``statistic`` (Wald z), ``p_val``, ``ci_low``, ``ci_high`` (normal).
    random_cov : DataFrame
        The covariance matrix of the random effects, rows and columns named by term.
    residual_variance : float
    loglik : float
        The REML log-likelihood (the maximum likelihood one with ``reml=False``).
    random_effects : DataFrame
        The predicted random effects (BLUPs), one row per group.
    result : statsmodels MixedLMResults
        statsmodels' fit before the final refinement (kept for its tools).
    """

    fixed: pd.DataFrame
    random_cov: pd.DataFrame
    residual_variance: float
    loglik: float
    random_effects: pd.DataFrame
    result: Any
    fixed_cov: pd.DataFrame
    formula: str

    def summary(self) -> str:
        """Fixed effects and variance components as text."""
        lines = [f"Linear mixed model {self.formula} (REML log-likelihood {self.loglik:.4f})"]
        for _, r in self.fixed.iterrows():
            lines.append(f"  {r['term']}: {r['estimate']:.4f} (SE {r['se']:.4f})")
        for name in self.random_cov.index:
            lines.append(f"  var({name}) = {self.random_cov.loc[name, name]:.4f}")
        lines.append(f"  residual variance = {self.residual_variance:.4f}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.summary())}</pre>"


def lmm(
    data: pd.DataFrame,
    *,
    formula: str,
    group: str,
    random: str = "1",
    reml: bool = True,
    confidence: float = 0.95,
) -> Lmm:
    """Fit ``formula`` with random effects per ``group`` by (restricted) maximum likelihood.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per observation.
    formula : str
        Fixed effects, e.g. ``"pain ~ session_number * condition"``.
    group : str
        The grouping column (patient or episode).
    random : str, default "1"
        ``"1"`` for a random intercept, ``"1 + <time>"`` for a random intercept and slope
        with an unstructured 2 x 2 covariance (lme4's ``(1 + time | group)``).
    reml : bool, default True
    confidence : float, default 0.95

    Returns
    -------
    Lmm

    Notes
    -----
    statsmodels' ``MixedLM`` finds the optimum; the profiled (restricted) likelihood is then
    maximised further with BFGS to a gradient of 1e-10, because the likelihood is flat near
    its maximum and statsmodels' default stopping rule leaves variance components about
    1e-5 off. Fixed effects and their covariance are the generalised least squares solution
    at the final variance components; random effects are the BLUPs. Checked against lme4
    1.1-31 on ``sleepstudy`` (tests/reference/stats_lmm.R).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"g": np.repeat(np.arange(20), 5), "t": np.tile(np.arange(5), 20)})
    >>> df["y"] = 3 + 0.5 * df["t"] + rng.normal(0, 1, 20)[df["g"]] + rng.normal(0, 0.5, 100)
    >>> fit = lmm(df, formula="y ~ t", group="g")
    >>> fit.fixed["term"].tolist()
    ['Intercept', 't']
    """
    _check_confidence(confidence)
    terms = [t.strip() for t in random.split("+")]
    if terms[0] != "1" or len(terms) > 2:
        raise ValueError(f"random must be '1' or '1 + <time>', not {random!r}")
    re_formula = "~1" if len(terms) == 1 else f"~{terms[1]}"
    frame = data.dropna(subset=[group]).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = smf.mixedlm(formula, frame, groups=frame[group], re_formula=re_formula)
        first = model.fit(reml=reml, method=["lbfgs"])
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    k_fe, k_re = model.k_fe, model.k_re

    def unpack(x: np.ndarray) -> Any:
        return MixedLMParams.from_packed(x, k_fe, k_re, use_sqrt=True, has_fe=False)

    x0 = first.params_object.get_packed(use_sqrt=True, has_fe=False)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        polished = optimize.minimize(
            lambda x: -model.loglike(unpack(x), profile_fe=True),
            x0,
            jac=lambda x: -model.score(unpack(x), profile_fe=True),
            method="BFGS",
            options={"gtol": 1e-10, "maxiter": 5000},
        )
    best = polished.x if polished.fun <= -first.llf + 1e-12 else x0
    params = unpack(best)
    fe, _ = model.get_fe_params(params.cov_re, params.vcomp)
    scale = float(model.get_scale(fe, params.cov_re, params.vcomp))
    cov_re = np.asarray(params.cov_re) * scale
    loglik = float(model.loglike(params, profile_fe=True))
    # GLS covariance of the fixed effects and the BLUPs at the final variance components
    x = np.asarray(model.exog)
    y = np.asarray(model.endog)
    z = np.asarray(model.exog_re)
    info = np.zeros((k_fe, k_fe))
    blups = []
    for label, rows in zip(model.group_labels, model.row_indices.values(), strict=True):
        zi, xi, yi = z[rows], x[rows], y[rows]
        vi = zi @ cov_re @ zi.T + scale * np.eye(len(rows))
        vinv = np.linalg.inv(vi)
        info += xi.T @ vinv @ xi
        blups.append((label, cov_re @ zi.T @ vinv @ (yi - xi @ fe)))
    cov_fe = np.linalg.inv(info)
    se = np.sqrt(np.diag(cov_fe))
    zstat = fe / se
    q = float(special.ndtri(0.5 + confidence / 2))
    names = ["Intercept" if n == "Intercept" else n for n in model.exog_names]
    raw_names = list(getattr(model.data, "exog_re_names", None) or [f"re{i}" for i in range(k_re)])
    re_names = ["Intercept", *raw_names[1:]]
    fixed = pd.DataFrame(
        {
            "term": names,
            "estimate": fe,
            "se": se,
            "statistic": zstat,
            "p_val": 2 * sps.norm.sf(np.abs(zstat)),
            "ci_low": fe - q * se,
            "ci_high": fe + q * se,
        }
    )
    effects = pd.DataFrame(
        [b for _, b in blups], columns=re_names, index=pd.Index([g for g, _ in blups], name=group)
    ).reset_index()
    return Lmm(
        fixed=fixed,
        random_cov=pd.DataFrame(cov_re, index=re_names, columns=re_names),
        residual_variance=scale,
        loglik=loglik,
        random_effects=effects,
        result=first,
        fixed_cov=pd.DataFrame(cov_fe, index=names, columns=names),
        formula=f"{formula} + ({random} | {group})",
    )
