"""Does a local twitch response go with more improvement? Change with and without twitch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes._common import (
    exclusion_text,
    grouped,
    grouping_keys,
    with_quarter,
)
from tpdn_outcomes.stats._checks import check_confidence

TWITCH_CAVEAT = (
    "Observational association: episodes with and without a twitch response differ in "
    "more than the twitch (muscle, condition, practitioner); the baseline-adjusted "
    "difference removes only the imbalance in baseline, and neither is a causal effect."
)

#: Output columns of :func:`twitch_association` after the grouping columns.
TWITCH_COLUMNS: tuple[str, ...] = (
    "measure",
    "unit",
    "higher_is_better",
    "n_episodes",
    "n_excluded",
    "excluded_reasons",
    "n_twitch",
    "n_no_twitch",
    "mean_change_twitch",
    "mean_change_no_twitch",
    "sd_change_twitch",
    "sd_change_no_twitch",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "statistic",
    "dof",
    "p_val",
    "adjusted_difference",
    "adjusted_se",
    "adjusted_ci_low",
    "adjusted_ci_high",
    "adjusted_statistic",
    "adjusted_dof",
    "adjusted_p_val",
    "note",
)


def _welch(a: np.ndarray, b: np.ndarray, confidence: float) -> dict[str, float]:
    """Welch two-sample t of mean(a) - mean(b), as R's t.test(a, b)."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = float(np.sqrt(va + vb))
    diff = float(a.mean() - b.mean())
    dof = float((va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)))
    q = float(sps.t.ppf(0.5 + confidence / 2, dof))
    stat = diff / se
    return {
        "difference": diff,
        "se": se,
        "ci_low": diff - q * se,
        "ci_high": diff + q * se,
        "statistic": stat,
        "dof": dof,
        "p_val": float(2 * sps.t.sf(abs(stat), dof)),
    }


def _ancova(
    change: np.ndarray, twitch: np.ndarray, baseline: np.ndarray, confidence: float
) -> dict[str, float] | None:
    """OLS ``change ~ twitch + baseline``: the twitch coefficient, as R's lm."""
    x = np.column_stack([np.ones(len(change)), twitch.astype(float), baseline])
    coef, _, rank, _ = np.linalg.lstsq(x, change, rcond=None)
    dof = len(change) - 3
    if rank < 3 or dof < 1:
        return None
    resid = change - x @ coef
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.inv(x.T @ x)
    se = float(np.sqrt(cov[1, 1]))
    est = float(coef[1])
    q = float(sps.t.ppf(0.5 + confidence / 2, dof))
    stat = est / se if se > 0 else np.nan
    return {
        "adjusted_difference": est,
        "adjusted_se": se,
        "adjusted_ci_low": est - q * se,
        "adjusted_ci_high": est + q * se,
        "adjusted_statistic": stat,
        "adjusted_dof": float(dof),
        "adjusted_p_val": float(2 * sps.t.sf(abs(stat), dof)),
    }


def twitch_association(
    data: SessionData,
    *,
    measure: str = "pain",
    by: str | Sequence[str] | None = "condition",
    confidence: float = 0.95,
    final: Literal["post", "last"] = "post",
) -> pd.DataFrame:
    """Change from baseline in episodes with and without a local twitch response.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    measure : str, default "pain"
        ``pain``, ``rom:<site>`` or ``function:<instrument>``.
    by : str or list of str or None, default "condition"
        Grouping variables (``twitch_response`` itself is not allowed).
    confidence : float, default 0.95
        Confidence level of both intervals.
    final : {"post", "last"}, default "post"
        Which value counts as final.

    Returns
    -------
    DataFrame
        One row per group: the grouping columns, ``measure``, ``unit``,
        ``higher_is_better``, ``n_episodes``, ``n_excluded`` (no change, or twitch not
        recorded) with ``excluded_reasons``; ``n_twitch``, ``n_no_twitch``, the mean and SD
        of the change (final - baseline) in each; ``difference`` (twitch minus no twitch)
        with its Welch ``se``, ``ci_low``, ``ci_high``, ``statistic``, ``dof`` and ``p_val``
        (R's ``t.test(var.equal = FALSE)``); and ``adjusted_difference`` with
        ``adjusted_se``, CI, ``adjusted_statistic``, ``adjusted_dof`` and
        ``adjusted_p_val``: the twitch coefficient of the ordinary least squares model
        ``change ~ twitch + baseline`` (an ANCOVA; R's ``lm``), which removes the part of the
        difference due to different baselines. ``note`` says why a row is empty.

    Notes
    -----
    An episode counts as *with twitch* when any of its sessions recorded a twitch response,
    *without* when its sessions recorded only "no", and is excluded when none recorded
    it. Signs follow ``change``: for pain a negative difference means more pain relief with
    a twitch. ``attrs["caveat"]`` says why this is an association, not an effect.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import twitch_association
    >>> row = twitch_association(load_sample(), by=None).iloc[0]
    >>> int(row["n_twitch"]), int(row["n_no_twitch"]), round(float(row["difference"]), 2)
    (3345, 473, -0.63)
    """
    check_confidence(confidence)
    keys = grouping_keys(by)
    if "twitch_response" in keys:
        raise ValueError("twitch_association compares twitch_response; do not group by it")
    spec = schema.measure_spec(measure)
    episodes = data.episodes(measure, final=final)
    if "quarter" in keys:
        episodes = with_quarter(episodes)
    rows = []
    for values, group in grouped(episodes, keys):
        head: dict[str, Any] = dict(zip(keys, values, strict=True))
        head.update(measure=measure, unit=spec.unit, higher_is_better=spec.higher_is_better)
        twitch = group["twitch_response"]
        notes = group["note"].to_numpy(dtype=object).copy()
        no_twitch_info = twitch.isna().to_numpy() & (notes == "")
        notes[no_twitch_info] = "twitch response not recorded"
        use = (notes == "") & group["change"].notna().to_numpy()
        change = group["change"].to_numpy(dtype=float)[use]
        has = twitch.to_numpy(dtype=bool, na_value=False)[use]
        base = group["baseline"].to_numpy(dtype=float)[use]
        head.update(
            n_episodes=len(group),
            n_excluded=int((~use).sum()),
            excluded_reasons=exclusion_text(pd.Series(notes)),
            n_twitch=int(has.sum()),
            n_no_twitch=int((~has).sum()),
        )
        a, b = change[has], change[~has]
        head.update(
            mean_change_twitch=a.mean() if len(a) else np.nan,
            mean_change_no_twitch=b.mean() if len(b) else np.nan,
            sd_change_twitch=a.std(ddof=1) if len(a) > 1 else np.nan,
            sd_change_no_twitch=b.std(ddof=1) if len(b) > 1 else np.nan,
        )
        note = ""
        if len(a) < 2 or len(b) < 2:
            note = "fewer than two episodes with and without twitch"
        elif a.var(ddof=1) + b.var(ddof=1) == 0:
            note = "no variation in change"
        else:
            head.update(_welch(a, b, confidence))
            adjusted = _ancova(change, has, base, confidence)
            if adjusted is None:
                note = (
                    "baseline-adjusted model not estimable (too few episodes or constant baseline)"
                )
            else:
                head.update(adjusted)
        head["note"] = note
        rows.append(head)
    out = pd.DataFrame(rows)
    for col in TWITCH_COLUMNS:
        if col not in out:
            out[col] = np.nan
    out.attrs["caveat"] = TWITCH_CAVEAT
    return out[[*keys, *TWITCH_COLUMNS]]


__all__ = ["TWITCH_CAVEAT", "TWITCH_COLUMNS", "twitch_association"]
