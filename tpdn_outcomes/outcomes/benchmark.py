"""How does each clinic compare? Risk-adjusted observed minus expected change, by clinic."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from numpy.typing import NDArray
from scipy import stats as sps

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes.responders import responder_flags
from tpdn_outcomes.stats import proportion_ci

ADJUSTERS = ("baseline", "condition", "age_band", "sex", "practitioner_role")

#: z of the funnel limits: 95 % and 99.8 % (Spiegelhalter 2005).
Z95, Z998 = float(sps.norm.ppf(0.975)), float(sps.norm.ppf(0.999))


def clinic_benchmark(
    data: SessionData,
    *,
    measure: str = "pain",
    adjust_for: Sequence[str] = ("baseline", "condition", "age_band", "sex"),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Each clinic's observed change against the change expected for its case mix.

    Parameters
    ----------
    data : SessionData
        The loaded dataset with ``clinic_id``.
    measure : str, default "pain"
        The measure.
    adjust_for : sequence of str
        Case-mix variables of the risk-adjustment model, any of ``baseline``,
        ``condition``, ``age_band``, ``sex``, ``practitioner_role``.
    confidence : float, default 0.95
        Level of the clinic intervals.

    Returns
    -------
    DataFrame
        One row per clinic: ``clinic_id``, ``n`` (episodes with a change), ``observed``
        (mean change), ``expected`` (mean of the model's predictions for the clinic's
        episodes), ``o_minus_e`` with ``ci_low`` / ``ci_high`` (t interval of the mean
        residual), ``z`` (O - E over the model's residual SD / sqrt(n): the funnel
        statistic), ``outside_95`` and ``outside_998`` (beyond the funnel's 95 % and 99.8 %
        limits), ``improvement_vs_expected`` (O - E signed so that positive is better), and
        the moderate responder rate with its Wilson interval (``responders``, ``rate``,
        ``rate_ci_low``, ``rate_ci_high``) and its funnel flags against the overall rate
        (``rate_outside_95``, ``rate_outside_998``). ``attrs`` hold the model's residual SD
        (``sigma``), the overall rate and the formula.

    Notes
    -----
    The expected change of every episode comes from one ordinary least squares model
    fitted on all clinics together: ``change ~ baseline + C(condition) + C(age_band) +
    C(sex)`` by default (the baseline adjusts for regression to the mean; the others for
    case mix). A missing category is its own level (nothing dropped). Funnel limits follow
    Spiegelhalter (Stat Med 2005;24:1185-1202): 0 +- z sigma / sqrt(n) for O - E, and
    p +- z sqrt(p (1 - p) / n) for the rate, with z for 95 % and 99.8 %. A clinic outside
    the 99.8 % limits is unlikely to differ by chance alone, but unmeasured case mix can
    still explain it.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import clinic_benchmark
    >>> table = clinic_benchmark(load_sample())
    >>> table["clinic_id"].tolist()
    ['CLN-01', 'CLN-02', 'CLN-03', 'CLN-04', 'CLN-05', 'CLN-06', 'CLN-07']
    """
    unknown = [a for a in adjust_for if a not in ADJUSTERS]
    if unknown:
        raise ValueError(f"cannot adjust for {unknown}; use any of {list(ADJUSTERS)}")
    spec = schema.measure_spec(measure)
    ep = data.episodes(measure)
    ep = ep[ep["change"].notna() & ep["clinic_id"].notna()].copy()
    if ep["clinic_id"].nunique() < 2:
        raise ValueError("benchmarking needs at least two clinics with episodes")
    frame, formula = _model_frame(ep, adjust_for)
    sigma = _fit_expected(frame, formula)
    frame["clinic_id"] = ep["clinic_id"].astype(str).to_numpy()
    hit, overall_rate = _responder_hits(ep, measure)
    frame["hit"] = hit
    sign = 1.0 if spec.higher_is_better else -1.0
    rows = [
        _clinic_row(clinic, g, sigma, overall_rate, sign, confidence)
        for clinic, g in frame.groupby("clinic_id", sort=True)
    ]
    out = _with_rate_intervals(pd.DataFrame(rows), confidence)
    out.attrs.update(sigma=sigma, overall_rate=overall_rate, formula=formula, measure=measure)
    return out


def _model_frame(ep: pd.DataFrame, adjust_for: Sequence[str]) -> tuple[pd.DataFrame, str]:
    """The change and the case-mix variables of every episode, and the model's formula.

    A category with a single level is left out of the formula; a missing category is
    its own level, ``(missing)``.
    """
    frame = pd.DataFrame({"change": ep["change"].to_numpy(dtype=float)})
    terms = []
    for a in adjust_for:
        if a == "baseline":
            frame["baseline"] = ep["baseline"].to_numpy(dtype=float)
            terms.append("baseline")
        else:
            frame[a] = ep[a].astype("string").fillna("(missing)").to_numpy(dtype=object)
            if frame[a].nunique() > 1:
                terms.append(f"C({a})")
    formula = "change ~ " + (" + ".join(terms) if terms else "1")
    return frame, formula


def _fit_expected(frame: pd.DataFrame, formula: str) -> float:
    """Fit the OLS risk model; add ``expected`` and ``resid`` to ``frame``; return sigma."""
    fit = smf.ols(formula, data=frame).fit()
    frame["expected"] = fit.fittedvalues.to_numpy()
    frame["resid"] = fit.resid.to_numpy()
    return float(np.sqrt(fit.scale))


def _responder_hits(ep: pd.DataFrame, measure: str) -> tuple[NDArray[np.bool_], float]:
    """Each episode's moderate-responder flag and the overall rate (NaN without an MCID)."""
    try:
        hit = responder_flags(ep, measure)
        return hit, float(hit.mean())
    except ValueError:  # no registered MCID (ROM): no responder columns to compute
        return np.zeros(len(ep), dtype=bool), np.nan


def _clinic_row(
    clinic: object,
    g: pd.DataFrame,
    sigma: float,
    overall_rate: float,
    sign: float,
    confidence: float,
) -> dict[str, object]:
    """One clinic's O - E with its t interval and funnel z, and its responder funnel z."""
    n = len(g)
    resid = g["resid"].to_numpy()
    mean_resid = float(resid.mean())
    if n >= 2:
        se = float(resid.std(ddof=1) / np.sqrt(n))
        q = float(sps.t.ppf(0.5 + confidence / 2, n - 1))
        low, high = mean_resid - q * se, mean_resid + q * se
    else:
        low = high = np.nan
    z = mean_resid / (sigma / np.sqrt(n))
    k = int(g["hit"].sum())
    rate_z = (
        (k / n - overall_rate) / np.sqrt(overall_rate * (1 - overall_rate) / n)
        if 0 < overall_rate < 1
        else np.nan
    )
    return {
        "clinic_id": clinic,
        "n": n,
        "observed": float(g["change"].mean()),
        "expected": float(g["expected"].mean()),
        "o_minus_e": mean_resid,
        "ci_low": low,
        "ci_high": high,
        "z": z,
        "outside_95": bool(abs(z) > Z95),
        "outside_998": bool(abs(z) > Z998),
        "improvement_vs_expected": sign * mean_resid,
        "responders": k,
        "rate_z": rate_z,
        "rate_outside_95": bool(abs(rate_z) > Z95) if not np.isnan(rate_z) else False,
        "rate_outside_998": bool(abs(rate_z) > Z998) if not np.isnan(rate_z) else False,
    }


def _with_rate_intervals(out: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Add the responder rate with its Wilson interval, right after ``responders``."""
    ci = proportion_ci(out["responders"].to_numpy(), out["n"].to_numpy(), confidence=confidence)
    out["rate"] = ci["proportion"].to_numpy()
    out["rate_ci_low"] = ci["ci_low"].to_numpy()
    out["rate_ci_high"] = ci["ci_high"].to_numpy()
    names = list(out.columns)
    first = names[: names.index("responders") + 1]
    rate_cols = ["rate", "rate_ci_low", "rate_ci_high"]
    return out[[*first, *rate_cols, *[c for c in out.columns if c not in (*first, *rate_cols)]]]


__all__ = ["ADJUSTERS", "Z95", "Z998", "clinic_benchmark"]
