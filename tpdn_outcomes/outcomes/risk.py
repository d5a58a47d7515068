"""Risk-adjusted effectiveness: each clinic's observed change against the change expected
for its case mix, from a model fitted on the whole file or on a reference registry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import linalg as sla
from scipy import stats as sps

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes._common import UNCONTROLLED_CAVEAT, grouping_keys, with_quarter
from tpdn_outcomes.stats._checks import check_confidence

#: Case-mix variables the risk model may adjust for: all known at the first visit, none
#: caused by care (never sessions, days or needles).
RISK_ADJUSTERS: tuple[str, ...] = ("baseline", "condition", "age_band", "sex")

#: The level that stands for a missing category (its own level: nothing dropped).
MISSING_LEVEL = "(missing)"

#: Columns of :func:`completed_changes`.
COMPLETED_COLUMNS: tuple[str, ...] = (
    "episode_id",
    "clinic_id",
    "condition",
    "age_band",
    "sex",
    "first_date",
    "last_date",
    "quarter",
    "n_sessions",
    "baseline",
    "final",
    "change",
    "improvement",
)


def _texts(column: pd.Series) -> np.ndarray:
    """A column as an object array of strings, missing as :data:`MISSING_LEVEL` (by the
    categories' codes when categorical: no per-row conversion)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = np.array([str(c) for c in column.cat.categories] + [MISSING_LEVEL], dtype=object)
        codes = np.asarray(column.array.codes)
        return names[np.where(codes < 0, len(names) - 1, codes)]
    return column.astype("string").fillna(MISSING_LEVEL).to_numpy(dtype=object)


def completed_changes(
    data: SessionData, *, measure: str = "pain", final: Literal["post", "last"] = "post"
) -> pd.DataFrame:
    """The completed episodes with a change of ``measure``: the table the risk model uses.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    measure : str, default "pain"
        ``pain``, ``rom:<site>`` or ``function:<instrument>``.
    final : {"post", "last"}, default "post"
        Which value counts as final (see :meth:`SessionData.episodes`).

    Returns
    -------
    DataFrame
        One row per episode that is completed (not ``open``: its last session is more
        than ``open_after_days`` before the data's end) and has a baseline and a final
        value, with the columns of :data:`COMPLETED_COLUMNS`: ``quarter`` is the quarter
        of the last session; ``clinic_id``, ``condition``, ``age_band`` and ``sex`` are
        strings with missing values as ``"(missing)"``.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> table = completed_changes(load_sample())
    >>> bool(table["change"].notna().all()), list(table.columns[:3])
    (True, ['episode_id', 'clinic_id', 'condition'])
    """
    ep = data.episodes(measure, final=final)
    keep = ep["change"].notna().to_numpy(dtype=bool) & ~ep["open"].fillna(False).to_numpy(
        dtype=bool
    )
    ep = with_quarter(ep[keep])
    out = pd.DataFrame(
        {
            "episode_id": ep["episode_id"].astype(str).to_numpy(),
            **{k: _texts(ep[k]) for k in ("clinic_id", "condition", "age_band", "sex")},
            "first_date": ep["first_date"].to_numpy(),
            "last_date": ep["last_date"].to_numpy(),
            "quarter": ep["quarter"].to_numpy(dtype=object),
            "n_sessions": ep["n_sessions"].to_numpy(dtype=np.int64),
            "baseline": ep["baseline"].to_numpy(dtype=float),
            "final": ep["final"].to_numpy(dtype=float),
            "change": ep["change"].to_numpy(dtype=float),
            "improvement": ep["improvement"].to_numpy(dtype=float),
        }
    )
    out.attrs["measure"] = measure
    return out


@dataclass(frozen=True)
class RiskModel:
    """An ordinary least squares risk model of the change of one measure.

    ``change = b0 + b1 baseline + condition + age band + sex`` (treatment coding: the
    first level of each factor, in sorted order, is the reference level). Built by
    :func:`fit_risk_model`; :meth:`predict` gives the expected change of other episodes
    and :meth:`design` their model matrix.

    Attributes
    ----------
    measure : str
        The measure modelled.
    adjust_for : tuple of str
        The adjusters, in the order of the terms.
    levels : mapping of str to tuple of str
        The levels of each factor in the fitted data (first = reference level).
    columns : tuple of str
        Names of the model matrix columns (R's names: ``conditionmigraine``).
    params : ndarray
        Coefficients, in the order of ``columns``.
    cov : ndarray
        Their covariance matrix (``sigma**2 (X'X)^-1``, R's ``vcov(lm)``).
    sigma : float
        Residual standard deviation (R's ``sigma(lm)``).
    df_resid : int
        Residual degrees of freedom.
    n : int
        Episodes the model was fitted on.
    r_squared : float
        Share of the variance of change explained.

    Examples
    --------
    >>> table = pd.DataFrame({"baseline": [5.0, 6, 7, 8, 6], "change": [-1.0, -2, -2, -3, -2],
    ...                       "sex": ["female", "male", "female", "male", None]})
    >>> model = fit_risk_model(table, adjust_for=["baseline", "sex"])
    >>> model.columns  # a missing sex is its own level, (missing), first in sorted order
    ('(Intercept)', 'baseline', 'sexfemale', 'sexmale')
    >>> model.predict(table.iloc[:1]).round(3).tolist()
    [-1.0]
    """

    measure: str
    adjust_for: tuple[str, ...]
    levels: Mapping[str, tuple[str, ...]]
    columns: tuple[str, ...]
    params: np.ndarray = field(repr=False)
    cov: np.ndarray = field(repr=False)
    sigma: float
    df_resid: int
    n: int
    r_squared: float

    @property
    def formula(self) -> str:
        """The model as an R formula."""
        return "change ~ " + (" + ".join(self.adjust_for) if self.adjust_for else "1")

    def design(self, episodes: pd.DataFrame, *, source: str = "the data") -> np.ndarray:
        """The model matrix of ``episodes`` (a :func:`completed_changes` table).

        Raises ValueError when a factor has a level the model was not fitted on (a
        condition, age band or sex absent from the reference): the model cannot predict it.
        """
        n = len(episodes)
        blocks = [np.ones((n, 1))]
        for a in self.adjust_for:
            if a == "baseline":
                blocks.append(episodes["baseline"].to_numpy(dtype=float).reshape(n, 1))
                continue
            levels = self.levels[a]
            values = pd.Series(episodes[a], dtype=object).fillna(MISSING_LEVEL).to_numpy()
            codes = pd.Index(list(levels), dtype=object).get_indexer(pd.Index(values, dtype=object))
            if (codes < 0).any():
                absent = sorted(set(values[codes < 0].tolist()))
                counts = pd.Series(values[codes < 0]).value_counts()
                listed = ", ".join(f"{v!r} ({counts[v]} episodes)" for v in absent)
                raise ValueError(
                    f"{source} has {a} levels the risk model's reference has no completed "
                    f"episodes of: {listed}; the reference's levels are {list(levels)}. "
                    f"Use a reference registry that covers them, or leave those episodes out "
                    f"(SessionData.filter), or do not adjust for {a!r}."
                )
            dummies = np.zeros((n, len(levels) - 1))
            rows = np.flatnonzero(codes > 0)
            dummies[rows, codes[rows] - 1] = 1.0
            blocks.append(dummies)
        return np.hstack(blocks)

    def predict(self, episodes: pd.DataFrame, *, source: str = "the data") -> np.ndarray:
        """The expected change of each episode of ``episodes`` (``X @ params``)."""
        return np.asarray(self.design(episodes, source=source) @ self.params, dtype=float)


def fit_risk_model(
    episodes: pd.DataFrame | SessionData,
    *,
    measure: str = "pain",
    adjust_for: Sequence[str] = RISK_ADJUSTERS,
) -> RiskModel:
    """Fit the risk model: OLS of change on the case-mix variables (R's ``lm``).

    Parameters
    ----------
    episodes : DataFrame or SessionData
        A :func:`completed_changes` table, or a dataset (its completed changes are used).
    measure : str, default "pain"
        The measure, when ``episodes`` is a dataset.
    adjust_for : sequence of str, default :data:`RISK_ADJUSTERS`
        Any of ``baseline``, ``condition``, ``age_band``, ``sex``. A factor with a single
        level in the data is left out (nothing to adjust).

    Returns
    -------
    RiskModel

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> model = fit_risk_model(load_sample())
    >>> model.formula, model.columns[:2]
    ('change ~ baseline + condition + age_band + sex', ('(Intercept)', 'baseline'))
    """
    unknown = [a for a in adjust_for if a not in RISK_ADJUSTERS]
    if unknown:
        raise ValueError(
            f"cannot adjust for {unknown}: the risk model takes only what is known before "
            f"care, any of {list(RISK_ADJUSTERS)}"
        )
    if len(set(adjust_for)) != len(adjust_for):
        raise ValueError(f"adjust_for names a variable twice: {list(adjust_for)}")
    if isinstance(episodes, SessionData):
        table = completed_changes(episodes, measure=measure)
    else:
        table = episodes
        measure = str(table.attrs.get("measure", measure))
    levels: dict[str, tuple[str, ...]] = {}
    used: list[str] = []
    names = ["(Intercept)"]
    for a in adjust_for:
        if a == "baseline":
            used.append(a)
            names.append("baseline")
            continue
        lv = tuple(sorted(set(pd.Series(table[a], dtype=object).fillna(MISSING_LEVEL).tolist())))
        if len(lv) > 1:
            used.append(a)
            levels[a] = lv
            names.extend(f"{a}{v}" for v in lv[1:])
    model = RiskModel(
        measure=measure,
        adjust_for=tuple(used),
        levels=levels,
        columns=tuple(names),
        params=np.zeros(len(names)),
        cov=np.zeros((len(names), len(names))),
        sigma=np.nan,
        df_resid=0,
        n=len(table),
        r_squared=np.nan,
    )
    x = model.design(table, source="the reference")
    y = table["change"].to_numpy(dtype=float)
    if len(y) <= x.shape[1]:
        raise ValueError(
            f"the risk model has {x.shape[1]} coefficients but only {len(y)} completed "
            f"episodes with a {measure} change to fit them on; adjust for fewer variables "
            f"or use a larger reference"
        )
    params, cov, sigma, r_squared = _least_squares(x, y, model.formula)
    return RiskModel(
        measure=measure,
        adjust_for=tuple(used),
        levels=levels,
        columns=tuple(names),
        params=params,
        cov=cov,
        sigma=sigma,
        df_resid=len(y) - x.shape[1],
        n=len(y),
        r_squared=r_squared,
    )


def _least_squares(
    x: np.ndarray, y: np.ndarray, formula: str
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """OLS by the normal equations with one step of iterative refinement: coefficients,
    their covariance ``sigma**2 (X'X)^-1``, ``sigma`` and R squared.

    The cross-product is p x p (p about 20) whatever the episodes, so a 50,000-episode
    reference costs milliseconds where a QR or SVD of the whole matrix costs about a
    second; the refinement step brings the coefficients to QR accuracy (checked against
    R's ``lm`` at 1e-9 and statsmodels' ``OLS``).
    """
    n, p = x.shape
    norms = np.sqrt(np.einsum("ij,ij->j", x, x))
    if (norms == 0).any():
        raise ValueError(f"the risk model has an empty term in the reference ({formula})")
    xs = x / norms  # unit columns: the cross-product's condition is that of the design
    xtx = xs.T @ xs
    eig = np.linalg.eigvalsh(xtx)
    if eig[0] <= 1e-12 * eig[-1]:
        raise ValueError(
            f"the risk model's terms are collinear in the reference ({formula}); "
            f"adjust for fewer variables"
        )
    chol = sla.cho_factor(xtx)
    b = sla.cho_solve(chol, xs.T @ y)
    b += sla.cho_solve(chol, xs.T @ (y - xs @ b))  # iterative refinement
    resid = y - xs @ b
    rss = float(resid @ resid)
    sigma2 = rss / (n - p)
    inv = sla.cho_solve(chol, np.eye(p))
    params = b / norms
    cov = sigma2 * inv / np.outer(norms, norms)
    centred = y - y.mean()
    tss = float(centred @ centred)
    r_squared = 1.0 - rss / tss if tss > 0 else float("nan")
    return params, cov, float(np.sqrt(sigma2)), r_squared


def risk_adjusted_benchmark(
    data: SessionData,
    *,
    reference: SessionData | None = None,
    measure: str = "pain",
    by: str | Sequence[str] = "clinic_id",
    adjust_for: Sequence[str] = RISK_ADJUSTERS,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Observed minus expected change per clinic (and per clinic x condition), with its CI
    and the clinic's rank.

    Parameters
    ----------
    data : SessionData
        The dataset whose clinics are compared.
    reference : SessionData, optional
        A reference registry to fit the risk model on (``--benchmark FILE``); default
        ``data`` itself.
    measure : str, default "pain"
        The measure.
    by : str or list of str, default "clinic_id"
        The groups: must include ``clinic_id``; ``["clinic_id", "condition"]`` gives a row
        per clinic x condition (ranked among the clinics within each condition).
    adjust_for : sequence of str, default :data:`RISK_ADJUSTERS`
        Case-mix variables (baseline score, condition, age band, sex).
    confidence : float, default 0.95
        Level of the intervals.

    Returns
    -------
    DataFrame
        One row per group: the grouping columns, ``measure``, ``n`` (completed episodes
        with a change), ``observed`` (mean change), ``expected`` (mean expected change),
        ``o_minus_e`` (observed - expected), ``se`` with ``ci_low`` / ``ci_high`` (see
        Notes), ``se_expected`` (model-based SE of the mean prediction),
        ``improvement_vs_expected`` (``o_minus_e`` signed so that positive is better),
        ``rank`` (1 = the largest improvement beyond expected among the clinics compared;
        ties share the lowest rank) and ``n_ranked`` (clinics ranked). ``attrs`` hold the
        :class:`RiskModel` (``model``), its ``formula``, ``sigma``, ``reference``
        (``"the file"`` or ``"a reference registry"``), ``n_without_clinic`` (episodes
        without a ``clinic_id``: in the model fitted on the file, in no row) and the
        caveat.

    Notes
    -----
    Each completed episode's expected change is ``x_i' b`` of an ordinary least squares
    model fitted on the reference (:func:`fit_risk_model`). For a group of n episodes with
    mean model row ``xbar``, ``O - E = mean(y_i - x_i' b)`` and its variance is taken as

        ``Var(O - E) = sigma**2 / n + xbar' V xbar``

    where ``sigma**2`` is the model's residual variance (the variance of one episode's
    change around its expectation) and ``V`` the covariance of ``b``: the first term is
    the sampling variance of the observed mean, the second the squared model-based
    standard error of the mean prediction (``se_expected``). The interval is
    ``O - E +- t(df_resid) sqrt(Var)``. The formula is exact when the group's episodes are
    independent of the reference (an external registry). When the file is its own
    reference, the group's episodes helped fit ``b`` and the exact variance of their
    mean residual is ``sigma**2 / n - xbar' V xbar``; the formula then overstates it by
    ``2 xbar' V xbar`` (conservative; small beside ``sigma**2 / n`` when the clinic is a
    small part of the file). Ranks are point-estimate ranks and carry the uncertainty of
    the intervals (Goldstein & Spiegelhalter 1996). Gozalo et al. (Health Serv Res
    2016;51:768-789) benchmark rehabilitation clinics the same way, with a multilevel model.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> table = risk_adjusted_benchmark(load_sample())
    >>> sorted(table["rank"]) == list(range(1, len(table) + 1))  # no ties
    True
    >>> bool(abs((table["n"] * table["o_minus_e"]).sum()) < 1e-8)  # OLS residuals sum to 0
    True
    """
    confidence = check_confidence(confidence)
    keys = grouping_keys(by)
    if "clinic_id" not in keys:
        raise ValueError(f"by must include 'clinic_id' (clinics are ranked), got {keys}")
    other = [k for k in keys if k != "clinic_id"]
    unsupported = [k for k in other if k not in ("condition", "age_band", "sex", "quarter")]
    if unsupported:
        raise ValueError(
            f"cannot compare clinics within {unsupported}; use 'condition', 'age_band', "
            f"'sex' or 'quarter' beside 'clinic_id'"
        )
    spec = schema.measure_spec(measure)
    table = completed_changes(data, measure=measure)
    if reference is None:
        model = fit_risk_model(table, measure=measure, adjust_for=adjust_for)
    else:
        model = fit_risk_model(
            completed_changes(reference, measure=measure), measure=measure, adjust_for=adjust_for
        )
    if table.empty:
        raise ValueError(f"the data has no completed episodes with a {measure} change")
    source = "the data" if reference is None else "the data (compared with the reference)"
    keys = ["clinic_id", *other]
    no_clinic = table["clinic_id"].to_numpy() == MISSING_LEVEL
    if no_clinic.all():
        raise ValueError("no completed episode has a clinic_id: there is no clinic to compare")
    out = observed_minus_expected(
        model,
        table[~no_clinic] if no_clinic.any() else table,
        keys,
        confidence=confidence,
        higher_is_better=spec.higher_is_better,
        source=source,
    )
    out.insert(len(keys), "measure", measure)
    out.attrs.update(
        model=model,
        formula=model.formula,
        sigma=model.sigma,
        reference="the file" if reference is None else "a reference registry",
        n_without_clinic=int(no_clinic.sum()),
        caveat=UNCONTROLLED_CAVEAT,
        measure=measure,
    )
    return out


def observed_minus_expected(
    model: RiskModel,
    table: pd.DataFrame,
    keys: Sequence[str],
    *,
    confidence: float = 0.95,
    higher_is_better: bool = False,
    source: str = "the data",
) -> pd.DataFrame:
    """The rows of :func:`risk_adjusted_benchmark` (without ``measure``) for a
    :func:`completed_changes` table and a fitted :class:`RiskModel`, grouped by ``keys``
    (the first is ranked within the others).

    Examples
    --------
    >>> table = pd.DataFrame({"clinic_id": list("aabb"), "baseline": [5.0, 6, 7, 8],
    ...                       "change": [-1.0, -2, -2, -3]})
    >>> model = fit_risk_model(table, adjust_for=["baseline"])
    >>> observed_minus_expected(model, table, ["clinic_id"])["o_minus_e"].round(12).tolist()
    [0.0, 0.0]
    """
    confidence = check_confidence(confidence)
    keys = list(keys)
    other = keys[1:]
    x = model.design(table, source=source)
    change = table["change"].to_numpy(dtype=float)
    resid = change - x @ model.params
    groups = table[keys].groupby(keys, sort=True, observed=True)
    codes = groups.ngroup().to_numpy()
    n_groups = groups.ngroups
    n = np.bincount(codes, minlength=n_groups).astype(float)
    sum_x = np.zeros((n_groups, x.shape[1]))
    np.add.at(sum_x, codes, x)
    xbar = sum_x / n[:, None]
    observed = np.bincount(codes, weights=change, minlength=n_groups) / n
    o_minus_e = np.bincount(codes, weights=resid, minlength=n_groups) / n
    se_expected = np.sqrt(np.einsum("gi,ij,gj->g", xbar, model.cov, xbar))
    se = np.sqrt(model.sigma**2 / n + se_expected**2)
    q = float(sps.t.ppf(0.5 + confidence / 2, model.df_resid))
    out = groups.size().reset_index()[keys]
    out["n"] = n.astype(int)
    out["observed"] = observed
    out["expected"] = observed - o_minus_e
    out["o_minus_e"] = o_minus_e
    out["se"] = se
    out["ci_low"] = o_minus_e - q * se
    out["ci_high"] = o_minus_e + q * se
    out["se_expected"] = se_expected
    out["improvement_vs_expected"] = (1.0 if higher_is_better else -1.0) * o_minus_e + 0.0
    if other:
        ranking = out.groupby(other, sort=False)["improvement_vs_expected"]
        out["rank"] = ranking.rank(method="min", ascending=False).astype(int)
        out["n_ranked"] = ranking.transform("size").astype(int)
    else:
        out["rank"] = out["improvement_vs_expected"].rank(method="min", ascending=False)
        out["rank"] = out["rank"].astype(int)
        out["n_ranked"] = len(out)
    return out


__all__ = [
    "COMPLETED_COLUMNS",
    "MISSING_LEVEL",
    "RISK_ADJUSTERS",
    "RiskModel",
    "completed_changes",
    "fit_risk_model",
    "observed_minus_expected",
    "risk_adjusted_benchmark",
]
