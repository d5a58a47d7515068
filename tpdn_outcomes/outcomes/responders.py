"""Who improved by a clinically meaningful amount? Responder rates and the responder curve."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.mcid import check_registry, mcid_for
from tpdn_outcomes.outcomes._common import (
    UNCONTROLLED_CAVEAT,
    GroupIndex,
    exclusion_text,
    grouped,
    grouping_keys,
    with_quarter,
)
from tpdn_outcomes.stats import proportion_ci


def meets_threshold(
    improvement: np.ndarray, baseline: np.ndarray, threshold: float, kind: str
) -> np.ndarray:
    """Inclusive rule on improvement; percent as ``100 * improvement >= threshold * baseline``.

    Written without a division so that an improvement of exactly 30 % counts whatever the
    floating point; a baseline of 0 (or below) cannot meet a percent threshold.
    """
    with np.errstate(invalid="ignore"):
        if kind == "absolute":
            return improvement >= threshold
        return (baseline > 0) & (100.0 * improvement >= threshold * baseline)


def responder_flags(
    episodes: pd.DataFrame, measure: str, definition: str | None = None
) -> np.ndarray:
    """For each episode row: does its improvement reach the registry's MCID?

    ``definition`` defaults to ``moderate`` where the measure has one, else its first
    definition; thresholds of one definition combine with "or". Episodes without a change
    are False. Raises ValueError when the measure has no registered MCID (ROM).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> ep = load_sample().episodes("pain")
    >>> int(responder_flags(ep, "pain").sum())
    2657
    """
    defs = mcid_for(measure)
    if defs.empty:
        raise ValueError(f"no clinically meaningful change is registered for {measure!r}")
    if definition is None:
        names = list(dict.fromkeys(defs["definition"]))
        definition = "moderate" if "moderate" in names else names[0]
    defs = defs[defs["definition"] == definition]
    imp = episodes["improvement"].to_numpy(dtype=float)
    base = episodes["baseline"].to_numpy(dtype=float)
    hit = np.zeros(len(episodes), dtype=bool)
    for t, k in zip(defs["threshold"].astype(float), defs["kind"], strict=True):
        hit |= meets_threshold(imp, base, t, k)
    return hit & ~np.isnan(imp)


def _describe(rows: pd.DataFrame, unit: str) -> str:
    parts = [
        f">= {t:g} {'%' if k == 'percent' else unit}"
        for t, k in zip(rows["threshold"], rows["kind"], strict=True)
    ]
    return " or ".join(parts)


def responder_rates(
    data: SessionData,
    *,
    measure: str = "pain",
    threshold: float | None = None,
    kind: Literal["absolute", "percent"] = "absolute",
    by: str | Sequence[str] | None = "condition",
    confidence: float = 0.95,
    method: Literal["wilson", "clopper-pearson", "agresti-coull"] = "wilson",
    registry: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Share of episodes whose improvement reaches a clinically meaningful threshold.

    Parameters
    ----------
    data : SessionData
    measure : str, default "pain"
        The measure; its definitions come from :mod:`tpdn_outcomes.mcid` (pain: ``moderate``
        = improvement >= 2 points or >= 30 %, ``substantial`` = >= 50 %).
    threshold : float, optional
        One custom definition (named ``custom``) instead of the registry, of ``kind``.
        Required for ROM, which has no universal MCID.
    kind : {"absolute", "percent"}, default "absolute"
        The kind of ``threshold``.
    by : str or list of str or None, default "condition"
        Grouping variables (see ``tpdn_outcomes.outcomes.GROUPINGS``).
    confidence : float, default 0.95
    method : {"wilson", "clopper-pearson", "agresti-coull"}, default "wilson"
        Confidence interval of the rate (:func:`tpdn_outcomes.stats.proportion_ci`).
    registry : DataFrame, optional
        Your own MCID table (columns as :func:`tpdn_outcomes.mcid.registry`).

    Returns
    -------
    DataFrame
        One row per group x definition: the grouping columns, ``measure``,
        ``definition``, ``threshold`` (the rule as text, e.g. ``>= 2 points or >= 30 %``),
        ``n`` (episodes with a change), ``n_excluded`` (episodes without one) and
        ``excluded_reasons``, ``responders``, ``rate`` (0-1), ``ci_low``, ``ci_high``,
        ``note``. ``attrs["caveat"]`` holds the uncontrolled-data caveat.

    Notes
    -----
    The rule is inclusive (>=) and applies to the direction-aware improvement; a percent
    threshold compares ``100 * improvement`` with ``threshold * baseline`` (no division),
    and an episode with a baseline of 0 cannot meet it. Checked against R (responder counts
    with ``prop.test(k, n, correct = FALSE)`` and ``binom.test``) on the sample's episodes:
    tests/reference/outcomes_responders.R.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> rates = responder_rates(load_sample(), by=None)
    >>> rates[["definition", "threshold", "n", "responders"]]
        definition               threshold     n  responders
    0     moderate  >= 2 points or >= 30 %  3818        2657
    1  substantial                 >= 50 %  3818        1449
    """
    keys = grouping_keys(by)
    spec = schema.measure_spec(measure)
    unit = schema.UNITS[spec.unit].short
    if threshold is not None:
        if kind not in ("absolute", "percent"):
            raise ValueError(f"kind must be 'absolute' or 'percent', not {kind!r}")
        defs = pd.DataFrame(
            {
                "instrument": [measure],
                "definition": ["custom"],
                "threshold": [float(threshold)],
                "kind": [kind],
            }
        )
        defs = check_registry(defs)
    else:
        defs = mcid_for(measure, registry)
        if defs.empty:
            raise ValueError(
                f"no clinically meaningful change is registered for {measure!r} (ROM has no "
                "universal MCID); pass threshold= (and kind=) explicitly"
            )
    episodes = data.episodes(measure)
    if "quarter" in keys:
        episodes = with_quarter(episodes)
    improvement = episodes["improvement"].to_numpy(dtype=float)
    baseline = episodes["baseline"].to_numpy(dtype=float)
    done = ~np.isnan(improvement)
    flags: dict[str, np.ndarray] = {}
    texts: dict[str, str] = {}
    for name, rows in defs.groupby("definition", sort=False):
        hit = np.zeros(len(episodes), dtype=bool)
        for t, k in zip(rows["threshold"].astype(float), rows["kind"], strict=True):
            hit |= meets_threshold(improvement, baseline, t, k)
        flags[str(name)] = hit & done
        texts[str(name)] = _describe(rows, unit)
    frame = episodes[[*keys, "note"]].assign(_done=done, **{f"_r_{n}": f for n, f in flags.items()})
    out_rows = []
    for values, group in GroupIndex(frame, keys):
        head = dict(zip(keys, values, strict=True))
        n = int(group["_done"].sum())
        for name in flags:
            out_rows.append(
                {
                    **head,
                    "measure": measure,
                    "definition": name,
                    "threshold": texts[name],
                    "n": n,
                    "n_excluded": int(len(group) - n),
                    "excluded_reasons": exclusion_text(group["note"]),
                    "responders": int(group[f"_r_{name}"].sum()),
                }
            )
    out = pd.DataFrame(out_rows)
    ci = proportion_ci(
        out["responders"].to_numpy(), out["n"].to_numpy(), confidence=confidence, method=method
    )
    out["rate"] = ci["proportion"].to_numpy()
    out["ci_low"] = ci["ci_low"].to_numpy()
    out["ci_high"] = ci["ci_high"].to_numpy()
    out["note"] = np.where(out["n"] == 0, "no episode with a change", "")
    out.attrs["caveat"] = UNCONTROLLED_CAVEAT
    return out


def responder_curve(
    data: SessionData,
    *,
    measure: str = "pain",
    by: str | Sequence[str] | None = "condition",
    kind: Literal["absolute", "percent"] = "absolute",
    thresholds: Sequence[float] | None = None,
) -> pd.DataFrame:
    """The responder curve: the share of episodes improving by at least each threshold.

    Parameters
    ----------
    data : SessionData
    measure : str, default "pain"
    by : str or list of str or None, default "condition"
    kind : {"absolute", "percent"}, default "absolute"
        Thresholds in the measure's units, or in percent of baseline.
    thresholds : sequence of float, optional
        Default: 0 to the largest improvement in steps of 0.5 (absolute; of 5 for percent).

    Returns
    -------
    DataFrame
        One row per group x threshold: the grouping columns, ``measure``, ``kind``,
        ``threshold``, ``n`` (episodes with a change), ``responders`` (improvement >=
        threshold), ``rate``. Non-increasing in the threshold within each group.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> curve = responder_curve(load_sample(), by=None, thresholds=[0, 2, 4])
    >>> curve[["threshold", "n", "responders"]]
       threshold     n  responders
    0        0.0  3818        3719
    1        2.0  3818        2626
    2        4.0  3818         879
    """
    if kind not in ("absolute", "percent"):
        raise ValueError(f"kind must be 'absolute' or 'percent', not {kind!r}")
    keys = grouping_keys(by)
    episodes = data.episodes(measure)
    if "quarter" in keys:
        episodes = with_quarter(episodes)
    improvement = episodes["improvement"].to_numpy(dtype=float)
    baseline = episodes["baseline"].to_numpy(dtype=float)
    if kind == "percent":
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(baseline > 0, 100.0 * improvement / baseline, np.nan)
    else:
        value = improvement
    frame = episodes[keys].assign(_value=value)
    if thresholds is None:
        top = np.nanmax(value) if np.isfinite(value).any() else 0.0
        step = 0.5 if kind == "absolute" else 5.0
        grid = np.arange(0.0, max(top, 0.0) + step, step)
    else:
        grid = np.asarray(sorted(thresholds), dtype=float)
    rows = []
    for values, group in grouped(frame, keys):
        v = np.sort(group["_value"].dropna().to_numpy(dtype=float))
        n = v.size
        responders = n - np.searchsorted(v, grid, side="left")  # inclusive: value >= t
        block = pd.DataFrame({"threshold": grid, "n": n, "responders": responders})
        for key, val in zip(keys, values, strict=True):
            block.insert(0, key, [val] * len(block))
        rows.append(block)
    out = pd.concat(rows, ignore_index=True)
    out.insert(len(keys), "measure", measure)
    out.insert(len(keys) + 1, "kind", kind)
    out["rate"] = np.where(out["n"] > 0, out["responders"] / out["n"].where(out["n"] > 0), np.nan)
    return out[[*keys, "measure", "kind", "threshold", "n", "responders", "rate"]]


__all__ = ["responder_curve", "responder_rates"]
