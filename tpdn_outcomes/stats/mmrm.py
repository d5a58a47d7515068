"""Mixed model for repeated measures (MMRM): REML with a structured or unstructured visit
covariance, fitted on all available data, with Satterthwaite or Kenward-Roger degrees of freedom."""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps

from tpdn_outcomes.stats._checks import check_confidence
from tpdn_outcomes.stats.multiplicity import p_adjust

__all__ = ["COVARIANCES", "DF_METHODS", "Mmrm", "mmrm"]

COVARIANCES = ("unstructured", "compound_symmetry", "ar1", "toeplitz")
DF_METHODS = ("satterthwaite", "kenward-roger", "residual", "df.error")


def _n_theta(structure: str, v: int) -> int:
    return {"unstructured": v * (v + 1) // 2, "compound_symmetry": 2, "ar1": 2,
            "toeplitz": v}[structure]  # fmt: skip


def _sigma(theta: np.ndarray, structure: str, v: int) -> np.ndarray:
    """The visit covariance from unconstrained parameters."""
    if structure == "unstructured":
        lower = np.zeros((v, v))
        idx = np.tril_indices(v)
        lower[idx] = theta
        lower[np.diag_indices(v)] = np.exp(np.diag(lower))
        return lower @ lower.T
    var = float(np.exp(theta[0]))
    lag = np.abs(np.subtract.outer(np.arange(v), np.arange(v)))
    if structure == "compound_symmetry":
        rho = float(np.tanh(theta[1]))
        corr = np.where(lag == 0, 1.0, rho)
    elif structure == "ar1":
        rho = float(np.tanh(theta[1]))
        corr = rho**lag
    else:
        rhos = np.r_[1.0, np.tanh(theta[1:])]
        corr = rhos[lag]
    return var * corr


@dataclass
class _Design:
    x: np.ndarray  # rows x p
    y: np.ndarray
    visit: np.ndarray  # visit index per row
    patterns: list[tuple[np.ndarray, np.ndarray]]  # (visit indices, subject row-blocks n x m)


@dataclass
class Mmrm:
    """A fitted MMRM.

    Attributes
    ----------
    coefficients : DataFrame
        ``term``, ``estimate``, ``se``, ``statistic`` (t), ``dof`` (per ``df_method``),
        ``p_val``, ``ci_low``, ``ci_high``.
    adjusted_means : DataFrame
        ``visit`` x ``group``: ``estimate``, ``se``, ``dof``, ``ci_low``, ``ci_high``;
        numeric covariates at their mean over the rows used, factor covariates averaged
        with equal weights (emmeans' defaults).
    covariance_ : DataFrame
        The estimated visit covariance matrix.
    loglik : float
        The REML log-likelihood.
    """

    coefficients: pd.DataFrame
    adjusted_means: pd.DataFrame
    covariance_: pd.DataFrame
    loglik: float
    structure: str
    df_method: str
    confidence: float
    visits: list[str]
    groups: list[str]
    _beta: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    _cov_beta: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))
    _grid: dict[tuple[str, str], np.ndarray] = field(repr=False, default_factory=dict)
    _dof: Any = field(repr=False, default=None)

    def contrasts(
        self,
        *,
        visit: str | None = None,
        method: str = "trt.vs.ctrl",
        reference: str | None = None,
        adjust: str = "none",
    ) -> pd.DataFrame:
        """Group differences of the adjusted means at each visit (or one visit).

        Returns
        -------
        DataFrame
            ``visit``, ``contrast``, ``estimate``, ``se``, ``dof``, ``statistic``, ``p_val``,
            ``ci_low``, ``ci_high``; ``adjust`` (holm, bonferroni or none) applies within a
            visit.
        """
        if len(self.groups) < 2:
            raise ValueError("contrasts need a group")
        if adjust not in ("holm", "bonferroni", "none"):
            raise ValueError(f"adjust must be holm, bonferroni or none, not {adjust!r}")
        visits = self.visits if visit is None else [visit]
        ref = reference if reference is not None else self.groups[0]
        if method == "pairwise":
            pairs = list(itertools.combinations(self.groups, 2))
        elif method == "trt.vs.ctrl":
            pairs = [(g, ref) for g in self.groups if g != ref]
        else:
            raise ValueError(f"method must be 'pairwise' or 'trt.vs.ctrl', not {method!r}")
        alpha = 1 - self.confidence
        out = []
        for vis in visits:
            rows = []
            for a, b in pairs:
                weights = self._grid[(vis, a)] - self._grid[(vis, b)]
                est = float(weights @ self._beta)
                se = float(np.sqrt(weights @ self._cov_beta @ weights))
                dof = self._dof(weights)
                rows.append({"visit": vis, "contrast": f"{a} - {b}", "estimate": est, "se": se,
                             "dof": dof, "statistic": est / se})  # fmt: skip
            part = pd.DataFrame(rows)
            raw = 2 * sps.t.sf(np.abs(part["statistic"]), part["dof"])
            m = len(part)
            part["p_val"] = raw if adjust == "none" else p_adjust(raw, method=adjust)
            level = alpha / (2 * m) if adjust != "none" else alpha / 2
            crit = sps.t.ppf(1 - level, part["dof"])
            part["ci_low"] = part["estimate"] - crit * part["se"]
            part["ci_high"] = part["estimate"] + crit * part["se"]
            out.append(part)
        return pd.concat(out, ignore_index=True)

    def summary(self) -> str:
        """Adjusted means as text."""
        lines = [f"MMRM ({self.structure} covariance, {self.df_method} df), "
                 f"REML log-likelihood {self.loglik:.4f}"]  # fmt: skip
        for _, r in self.adjusted_means.iterrows():
            lines.append(f"  {r['visit']} / {r['group']}: {r['estimate']:.3f} "
                         f"({r['ci_low']:.3f} to {r['ci_high']:.3f})")  # fmt: skip
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.summary())}</pre>"


def _reml(theta: np.ndarray, d: _Design, structure: str, v: int) -> tuple[float, Any]:
    """-2 x REML log-likelihood (without the constant) and the pieces for beta."""
    sigma = _sigma(theta, structure, v)
    p = d.x.shape[1]
    xtvx = np.zeros((p, p))
    xtvy = np.zeros(p)
    logdet = 0.0
    pieces = []
    for vis, rows in d.patterns:
        sub = sigma[np.ix_(vis, vis)]
        try:
            chol = np.linalg.cholesky(sub)
        except np.linalg.LinAlgError:
            return np.inf, None
        inv = np.linalg.inv(sub)
        n = rows.shape[0]
        logdet += n * 2.0 * float(np.sum(np.log(np.diag(chol))))
        xs = d.x[rows]  # n x m x p
        ys = d.y[rows]  # n x m
        xi = np.einsum("jk,nkp->njp", inv, xs)
        xtvx += np.einsum("nmp,nmq->pq", xs, xi)
        xtvy += np.einsum("nmp,nm->p", xi, ys)
        pieces.append((xs, ys, inv))
    try:
        c = np.linalg.cholesky(xtvx)
    except np.linalg.LinAlgError:
        return np.inf, None
    beta = np.linalg.solve(xtvx, xtvy)
    quad = 0.0
    for xs, ys, inv in pieces:
        r = ys - xs @ beta
        quad += float(np.einsum("nm,mk,nk->", r, inv, r))
    value = logdet + 2.0 * float(np.sum(np.log(np.diag(c)))) + quad
    return value, (beta, xtvx, sigma)


def mmrm(
    data: pd.DataFrame,
    *,
    outcome: str,
    subject: str,
    visit: str,
    group: str | None = None,
    baseline: str | None = None,
    baseline_by_visit: bool = False,
    covariates: Sequence[str] = (),
    covariance: str = "unstructured",
    df_method: str = "satterthwaite",
    visit_order: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> Mmrm:
    """Fit a mixed model for repeated measures by REML on all available visits.

    Parameters
    ----------
    data : DataFrame
        Long data: one row per subject x visit (missing visits simply absent).
    outcome, subject, visit : str
        Columns: the outcome (e.g. change from baseline), the subject id and the visit label.
    group : str, optional
        Treatment or comparison group; the model has visit, group and visit x group.
    baseline : str, optional
        The baseline value as a covariate (main effect; with ``baseline_by_visit`` also its
        interaction with visit).
    covariates : sequence of str
        Further covariates (numeric linear, others as factors).
    covariance : {"unstructured", "compound_symmetry", "ar1", "toeplitz"}
        The within-subject covariance over visits (structured ones have a common variance).
    df_method : {"satterthwaite", "kenward-roger", "residual", "df.error"}, default "satterthwaite"
        Degrees of freedom of tests and intervals: Satterthwaite's approximation (from the
        numerical information of the covariance parameters); Kenward and Roger's (1997),
        which also inflates the standard errors for the estimated covariance (SAS
        ``ddfm=kr``; see Notes); ``"residual"``: N - p (N observations, p fixed effects;
        SAS ``ddfm=residual``); or ``"df.error"``: emmeans' ``mode = "df.error"`` for an
        ``nlme::gls`` fit, N - p minus the covariance parameters other than the residual
        variance (``length(unlist(fit$modelStruct))``: v(v + 1)/2 - 1 for unstructured
        over v visits, 1 for compound symmetry and AR(1), v - 1 for Toeplitz). The two
        differ by that count only (9 df for an unstructured covariance over 4 visits), so
        ``"residual"`` is not emmeans' df for gls; use
        ``"df.error"`` to match it.
    visit_order : sequence of str, optional
        The order of the visits (default: sorted labels).
    confidence : float, default 0.95

    Returns
    -------
    Mmrm

    Notes
    -----
    Missing visits are handled by the likelihood (missing at random); no value is carried
    forward. Subjects are grouped by their pattern of observed visits so that each
    pattern's covariance is factored once. The covariance parameters are found by BFGS on
    -2 x the restricted log-likelihood (unstructured: a Cholesky factor with log diagonal);
    the fixed effects are the generalised least squares solution at them. Checked against
    R's ``nlme::gls`` (``corSymm`` + ``varIdent`` for the unstructured case) with
    ``emmeans`` (tests/reference/stats_mmrm.R).

    Kenward-Roger uses the covariance parameters of SAS PROC MIXED: the entries of the
    matrix (unstructured), one covariance per lag (Toeplitz), the between- and
    within-subject variances (compound symmetry), all linear, and the variance and
    correlation (AR(1)), whose second derivatives enter the adjustment. It matches R's
    pbkrtest for compound symmetry (tests/reference/stats_mmrm_kr.R) and gives the exact
    N - G degrees of freedom for complete balanced data with an unstructured covariance.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 40
    >>> df = pd.DataFrame({"id": np.repeat(np.arange(n), 3), "visit": np.tile(["v1", "v2", "v3"], n),
    ...                    "arm": np.repeat(rng.integers(0, 2, n), 3).astype(str)})
    >>> df["y"] = rng.normal(0, 1, 3 * n) + (df["arm"] == "1") * 0.5
    >>> fit = mmrm(df, outcome="y", subject="id", visit="visit", group="arm")
    >>> fit.adjusted_means[["visit", "group"]].head(2).values.tolist()
    [['v1', '0'], ['v1', '1']]
    """
    check_confidence(confidence)
    if covariance not in COVARIANCES:
        raise ValueError(f"covariance must be one of {list(COVARIANCES)}, not {covariance!r}")
    if df_method not in DF_METHODS:
        raise ValueError(f"df_method must be one of {list(DF_METHODS)}, not {df_method!r}")
    cols = [outcome, subject, visit, *([group] if group else []),
            *([baseline] if baseline else []), *covariates]  # fmt: skip
    frame, visits = _model_frame(data, cols, subject, visit, group, visit_order)
    terms = _Terms.of(frame, visit, visits, group, baseline, baseline_by_visit, covariates)
    xdf = terms.design(frame)
    frame, d = _subject_design(frame, xdf, outcome, subject, visit, visits)
    v = len(visits)
    p = d.x.shape[1]
    if np.linalg.matrix_rank(d.x) < p:
        raise ValueError("the design is rank deficient (a group without data at a visit?)")
    objective = lambda th: _reml(th, d, covariance, v)[0]  # noqa: E731
    theta = _minimise(objective, _start(d, covariance, v))
    value, (beta, xtvx, sigma) = _reml(theta, d, covariance, v)
    cov_beta = np.linalg.inv(xtvx)
    n_obs, n_par = len(d.y), p
    loglik = -0.5 * (value + (n_obs - n_par) * np.log(2 * np.pi))
    resid_df = float(n_obs - n_par)

    dof: Callable[[np.ndarray], float]
    if df_method == "satterthwaite":
        dof = _satterthwaite(objective, theta, d, covariance, v, cov_beta)
    elif df_method == "kenward-roger":
        cov_beta, dof = _kenward_roger(d, sigma, covariance, cov_beta)
    elif df_method == "df.error":  # emmeans: N - p - length(unlist(modelStruct))
        error_df = resid_df - (_n_theta(covariance, v) - 1)
        dof = lambda weights: error_df  # noqa: E731
    else:
        dof = lambda weights: resid_df  # noqa: E731

    coefficients = _coefficients(list(xdf.columns), beta, cov_beta, dof, confidence)
    adjusted_means, grid = _adjusted_means(terms, frame, beta, cov_beta, dof, confidence)
    return Mmrm(
        coefficients=coefficients,
        adjusted_means=adjusted_means,
        covariance_=pd.DataFrame(sigma, index=visits, columns=visits),
        loglik=float(loglik),
        structure=covariance,
        df_method=df_method,
        confidence=confidence,
        visits=visits,
        groups=terms.groups,
        _beta=beta,
        _cov_beta=cov_beta,
        _grid=grid,
        _dof=dof,
    )


def _model_frame(
    data: pd.DataFrame,
    cols: list[str],
    subject: str,
    visit: str,
    group: str | None,
    visit_order: Sequence[str] | None,
) -> tuple[pd.DataFrame, list[str]]:
    """The complete rows of the model's columns (visit and group labels as text), and the
    visits in order."""
    missing = [c for c in cols if c not in data]
    if missing:
        raise ValueError(f"columns not in the data: {missing}")
    frame = data[cols].dropna().copy()
    frame[visit] = frame[visit].astype(str)
    visits = list(visit_order) if visit_order is not None else sorted(frame[visit].unique())
    unknown = sorted(set(frame[visit]) - set(visits))
    if unknown:
        raise ValueError(f"visits {unknown} are not in visit_order")
    if frame.duplicated([subject, visit]).any():
        raise ValueError("a subject has two rows for the same visit; give one value per visit")
    if group:
        frame[group] = frame[group].astype(str)
    return frame, visits


@dataclass(frozen=True)
class _Terms:
    """The fixed effects: visit, group and visit x group, the baseline (by visit or not)
    and covariates (numeric linear, others as factors, first level the reference)."""

    visit: str
    visits: list[str]
    group: str | None
    groups: list[str]
    baseline: str | None
    baseline_by_visit: bool
    numeric: list[str]
    factors: list[str]
    levels: dict[str, list[str]]

    @classmethod
    def of(
        cls,
        frame: pd.DataFrame,
        visit: str,
        visits: list[str],
        group: str | None,
        baseline: str | None,
        baseline_by_visit: bool,
        covariates: Sequence[str],
    ) -> _Terms:
        """The terms of the model over the rows of ``frame``."""
        groups = sorted(frame[group].astype(str).unique()) if group else ["all"]
        numeric = [c for c in [*([baseline] if baseline else []), *covariates]
                   if pd.api.types.is_numeric_dtype(frame[c])]  # fmt: skip
        factors = [c for c in covariates if c not in numeric]
        levels = {c: sorted(frame[c].astype(str).unique()) for c in factors}
        return cls(visit, visits, group, groups, baseline, baseline_by_visit, numeric, factors,
                   levels)  # fmt: skip

    def design(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The design matrix of ``rows``, one named column per fixed effect."""
        visits, groups, group, baseline = self.visits, self.groups, self.group, self.baseline
        x = pd.DataFrame({"Intercept": np.ones(len(rows))}, index=rows.index)
        vis = rows[self.visit].astype(str)
        for lev in visits[1:]:
            x[f"visit[{lev}]"] = (vis == lev).astype(float)
        if group:
            g = rows[group].astype(str)
            for lev in groups[1:]:
                x[f"group[{lev}]"] = (g == lev).astype(float)
            for vl in visits[1:]:
                for gl in groups[1:]:
                    x[f"visit[{vl}]:group[{gl}]"] = ((vis == vl) & (g == gl)).astype(float)
        for c in self.numeric:
            x[c] = rows[c].astype(float)
        if baseline and self.baseline_by_visit:
            for vl in visits[1:]:
                x[f"visit[{vl}]:{baseline}"] = (vis == vl) * rows[baseline].astype(float)
        for c in self.factors:
            for lev in self.levels[c][1:]:
                x[f"{c}[{lev}]"] = (rows[c].astype(str) == lev).astype(float)
        return x


def _subject_design(
    frame: pd.DataFrame,
    xdf: pd.DataFrame,
    outcome: str,
    subject: str,
    visit: str,
    visits: list[str],
) -> tuple[pd.DataFrame, _Design]:
    """The rows sorted by subject and visit, and the design grouped by pattern of visits."""
    vis_idx = frame[visit].map({lab: i for i, lab in enumerate(visits)}).to_numpy()
    frame = frame.assign(_v=vis_idx).sort_values([subject, "_v"], kind="stable")
    xmat = xdf.loc[frame.index].to_numpy(dtype=float)
    yvec = frame[outcome].to_numpy(dtype=float)
    vis_idx = frame["_v"].to_numpy()
    subj = frame[subject].astype(str).to_numpy()
    starts = np.flatnonzero(np.r_[True, subj[1:] != subj[:-1]])
    ends = np.r_[starts[1:], len(subj)]
    by_pattern: dict[tuple[int, ...], list[np.ndarray]] = {}
    for s, e in zip(starts, ends, strict=True):
        by_pattern.setdefault(tuple(vis_idx[s:e]), []).append(np.arange(s, e))
    patterns = [(np.array(k), np.vstack(blocks)) for k, blocks in by_pattern.items()]
    return frame, _Design(xmat, yvec, vis_idx, patterns)


def _start(d: _Design, covariance: str, v: int) -> np.ndarray:
    """Starting covariance parameters: the OLS residual variance, correlations 0.3."""
    beta0 = np.linalg.lstsq(d.x, d.y, rcond=None)[0]
    resid = d.y - d.x @ beta0
    var0 = float(np.var(resid)) or 1.0
    k = _n_theta(covariance, v)
    if covariance == "unstructured":
        start = np.zeros(k)
        diag_pos = [i * (i + 1) // 2 + i for i in range(v)]
        start[diag_pos] = 0.5 * np.log(var0)
        return start
    return np.r_[np.log(var0), np.full(k - 1, 0.3)]


def _minimise(objective: Callable[[np.ndarray], float], start: np.ndarray) -> np.ndarray:
    """BFGS from ``start``, then a second pass from its optimum with a smaller
    finite-difference step; the better of the two."""
    best = optimize.minimize(objective, start, method="BFGS",
                             options={"gtol": 1e-7, "maxiter": 10000})  # fmt: skip
    again = optimize.minimize(objective, best.x, method="BFGS",
                              options={"gtol": 1e-9, "eps": 1e-10, "maxiter": 10000})  # fmt: skip
    theta: np.ndarray = again.x if again.fun <= best.fun else best.x
    return theta


def _satterthwaite(
    objective: Callable[[np.ndarray], float],
    theta: np.ndarray,
    d: _Design,
    covariance: str,
    v: int,
    cov_beta: np.ndarray,
) -> Callable[[np.ndarray], float]:
    """Satterthwaite's df of a contrast, from the numerical information of the covariance
    parameters and the numerical derivatives of the fixed effects' covariance."""
    hess = _hessian(objective, theta)
    # objective = -2 loglik: information = hess / 2, covariance of theta = 2 inv(hess)
    a_cov = 2.0 * np.linalg.pinv(hess)

    def cov_beta_at(th: np.ndarray) -> np.ndarray:
        return np.linalg.inv(_reml(th, d, covariance, v)[1][1])

    steps = 1e-4 * np.maximum(np.abs(theta), 1.0)
    derivs = []
    for j in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[j] += steps[j]
        down[j] -= steps[j]
        derivs.append((cov_beta_at(up) - cov_beta_at(down)) / (2 * steps[j]))

    def satterthwaite(weights: np.ndarray) -> float:
        var = float(weights @ cov_beta @ weights)
        grad = np.array([weights @ dc @ weights for dc in derivs])
        denom = float(grad @ a_cov @ grad)
        return 2.0 * var**2 / denom if denom > 0 else np.inf

    return satterthwaite


def _coefficients(
    names: list[str],
    beta: np.ndarray,
    cov_beta: np.ndarray,
    dof: Callable[[np.ndarray], float],
    confidence: float,
) -> pd.DataFrame:
    """:attr:`Mmrm.coefficients`: each fixed effect's t test and interval."""
    p = len(beta)
    se = np.sqrt(np.diag(cov_beta))
    unit = np.eye(p)
    dofs = np.array([dof(unit[i]) for i in range(p)])
    tstat = beta / se
    q = sps.t.ppf(0.5 + confidence / 2, dofs)
    return pd.DataFrame(
        {"term": names, "estimate": beta, "se": se, "statistic": tstat, "dof": dofs,
         "p_val": 2 * sps.t.sf(np.abs(tstat), dofs), "ci_low": beta - q * se,
         "ci_high": beta + q * se}
    )  # fmt: skip


def _adjusted_means(
    terms: _Terms,
    frame: pd.DataFrame,
    beta: np.ndarray,
    cov_beta: np.ndarray,
    dof: Callable[[np.ndarray], float],
    confidence: float,
) -> tuple[pd.DataFrame, dict[tuple[str, str], np.ndarray]]:
    """:attr:`Mmrm.adjusted_means` (emmeans' defaults: numeric covariates at their mean,
    factors averaged with equal weights), and each cell's weights on the fixed effects."""
    visit, group, factors = terms.visit, terms.group, terms.factors
    means = {c: float(frame[c].astype(float).mean()) for c in terms.numeric}
    grid: dict[tuple[str, str], np.ndarray] = {}
    rows = []
    combos = list(itertools.product(*[terms.levels[c] for c in factors])) or [()]
    for vl in terms.visits:
        for gl in terms.groups:
            cells = pd.DataFrame([{visit: vl, **({group: gl} if group else {}), **means,
                                   **dict(zip(factors, combo, strict=True))}
                                  for combo in combos])  # fmt: skip
            weights = terms.design(cells).to_numpy(dtype=float).mean(axis=0)
            grid[(vl, gl)] = weights
            est = float(weights @ beta)
            s_e = float(np.sqrt(weights @ cov_beta @ weights))
            df_ = dof(weights)
            crit = float(sps.t.ppf(0.5 + confidence / 2, df_))
            rows.append({"visit": vl, "group": gl, "estimate": est, "se": s_e, "dof": df_,
                         "ci_low": est - crit * s_e, "ci_high": est + crit * s_e})  # fmt: skip
    return pd.DataFrame(rows), grid


def _hessian(f: Any, x: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of a scalar function."""
    n = len(x)
    h = 1e-4 * np.maximum(np.abs(x), 1.0)
    out = np.zeros((n, n))
    f0 = f(x)
    for i in range(n):
        for j in range(i, n):
            if i == j:
                up, down = x.copy(), x.copy()
                up[i] += h[i]
                down[i] -= h[i]
                out[i, i] = (f(up) - 2 * f0 + f(down)) / h[i] ** 2
            else:
                pp, pm, mp, mm = x.copy(), x.copy(), x.copy(), x.copy()
                pp[i] += h[i]
                pp[j] += h[j]
                pm[i] += h[i]
                pm[j] -= h[j]
                mp[i] -= h[i]
                mp[j] += h[j]
                mm[i] -= h[i]
                mm[j] -= h[j]
                out[i, j] = out[j, i] = (f(pp) - f(pm) - f(mp) + f(mm)) / (4 * h[i] * h[j])
    return out


def _linear_parameters(
    sigma: np.ndarray, structure: str
) -> tuple[list[np.ndarray], dict[tuple[int, int], np.ndarray]]:
    """First and second derivatives of the visit covariance in SAS's parametrisation.

    Unstructured: one parameter per distinct entry; compound symmetry: the between- and
    within-subject variances; Toeplitz: one covariance per lag (all three linear, so no
    second derivatives); AR(1): the variance and the correlation (non-linear).
    """
    v = sigma.shape[0]
    lag = np.abs(np.subtract.outer(np.arange(v), np.arange(v)))
    second: dict[tuple[int, int], np.ndarray] = {}
    if structure == "unstructured":
        first = []
        for i, j in zip(*np.tril_indices(v), strict=True):
            g = np.zeros((v, v))
            g[i, j] = g[j, i] = 1.0
            first.append(g)
    elif structure == "compound_symmetry":
        first = [np.ones((v, v)), np.eye(v)]
    elif structure == "toeplitz":
        first = [(lag == k).astype(float) for k in range(v)]
    else:  # ar1
        var = float(sigma[0, 0])
        rho = float(sigma[0, 1] / var) if v > 1 else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            d_rho = np.where(lag >= 1, lag * rho ** np.maximum(lag - 1, 0), 0.0)
            d_rho2 = np.where(lag >= 2, lag * (lag - 1) * rho ** np.maximum(lag - 2, 0), 0.0)
        first = [rho**lag, var * d_rho]
        second = {(0, 1): d_rho, (1, 0): d_rho, (1, 1): var * d_rho2}
    return first, second


def _kenward_roger(
    d: _Design, sigma: np.ndarray, structure: str, phi: np.ndarray
) -> tuple[np.ndarray, Any]:
    """Kenward and Roger's (1997) adjusted covariance of the fixed effects and their df.

    Follows Kenward and Roger (1997), with the expected REML information of the covariance
    parameters and the second-derivative term R for non-linear structures, as SAS PROC MIXED
    ``ddfm=kr`` and R's pbkrtest compute them. Returns the adjusted covariance and a
    function giving the denominator degrees of freedom of a single contrast.
    """
    first, second = _linear_parameters(sigma, structure)
    r = len(first)
    p = phi.shape[0]
    big_p = [np.zeros((p, p)) for _ in range(r)]
    big_q = [[np.zeros((p, p)) for _ in range(r)] for _ in range(r)]
    big_r = {key: np.zeros((p, p)) for key in second}
    trace = np.zeros((r, r))
    for vis, rows in d.patterns:
        inv = np.linalg.inv(sigma[np.ix_(vis, vis)])
        a = np.einsum("jk,nkp->njp", inv, d.x[rows])  # Sigma^-1 X per subject
        n = rows.shape[0]
        gs = [g[np.ix_(vis, vis)] for g in first]
        igs = [inv @ g for g in gs]
        for i in range(r):
            big_p[i] -= np.einsum("nmp,mk,nkq->pq", a, gs[i], a)
            for j in range(r):
                mid = gs[i] @ igs[j]
                big_q[i][j] += np.einsum("nmp,mk,nkq->pq", a, mid, a)
                trace[i, j] += n * float(np.sum(igs[i] * igs[j].T))
        for key, g2 in second.items():
            big_r[key] += np.einsum("nmp,mk,nkq->pq", a, g2[np.ix_(vis, vis)], a)
    info = np.empty((r, r))
    for i in range(r):
        for j in range(r):
            info[i, j] = 0.5 * (trace[i, j] - 2.0 * float(np.sum(phi * big_q[i][j].T))
                                + float(np.sum((phi @ big_p[i]) * (phi @ big_p[j]).T)))  # fmt: skip
    w = np.linalg.pinv(info)
    lam = np.zeros((p, p))
    for i in range(r):
        for j in range(r):
            term = big_q[i][j] - big_p[i] @ phi @ big_p[j]
            if (i, j) in big_r:
                term = term - 0.25 * big_r[(i, j)]
            lam += w[i, j] * term
    adjusted = phi + 2.0 * phi @ lam @ phi
    adjusted = (adjusted + adjusted.T) / 2.0

    def dof(weights: np.ndarray) -> float:
        ell = np.atleast_2d(weights)
        theta = ell.T @ np.linalg.solve(ell @ phi @ ell.T, ell)
        u = [theta @ phi @ pi @ phi for pi in big_p]
        a1 = sum(w[i, j] * np.trace(u[i]) * np.trace(u[j]) for i in range(r) for j in range(r))
        a2 = sum(w[i, j] * float(np.sum(u[i] * u[j].T)) for i in range(r) for j in range(r))
        q = ell.shape[0]
        b = (a1 + 6.0 * a2) / (2.0 * q)
        g = ((q + 1) * a1 - (q + 4) * a2) / ((q + 2) * a2)
        denom = 3 * q + 2 * (1 - g)
        c1, c2, c3 = g / denom, (q - g) / denom, (q + 2 - g) / denom
        e_star = 1.0 / (1.0 - a2 / q)
        v_star = (2.0 / q) * (1 + c1 * b) / ((1 - c2 * b) ** 2 * (1 - c3 * b))
        rho = v_star / (2.0 * e_star**2)
        return float(4.0 + (q + 2) / (q * rho - 1.0))

    return adjusted, dof
