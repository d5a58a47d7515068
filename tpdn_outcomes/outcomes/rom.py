"""Range of motion: change in degrees (or mm), as a percent of the normative range, and
against the minimal detectable change of each site."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.mdc import check_mdc_registry, mdc_for, mdc_registry, rom_site
from tpdn_outcomes.outcomes._common import (
    UNCONTROLLED_CAVEAT,
    grouping_keys,
)
from tpdn_outcomes.outcomes.change import change_by_group
from tpdn_outcomes.stats import proportion_ci

_PCT_OF = {
    "mean_baseline": "mean_baseline_pct_normal",
    "mean_final": "mean_final_pct_normal",
    "mean_change": "mean_change_pct_normal",
    "ci_low": "ci_low_pct_normal",
    "ci_high": "ci_high_pct_normal",
}


def rom_change(
    data: SessionData,
    *,
    measures: Sequence[str] | None = None,
    by: str | Sequence[str] | None = "condition",
    confidence: float = 0.95,
    adjust: Literal["holm", "hochberg", "bonferroni", "bh", "by", "none"] = "holm",
    final: Literal["post", "last"] = "post",
    mdc: Mapping[str, float] | None = None,
    registry: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Change in range of motion by site and group, with the normative range and the MDC.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    measures : list of str, optional
        ROM measures (``rom:<site>[_side]``); default every ROM measure in the data.
    by : str or list of str or None, default "condition"
        Grouping variables (see :data:`tpdn_outcomes.outcomes.GROUPINGS`).
    confidence : float, default 0.95
        Confidence level of the t interval of the mean change and of the Wilson interval of
        the share beyond the MDC.
    adjust : str, default "holm"
        Multiplicity adjustment of ``p_val`` across the groups of each measure, as in
        :func:`change_summary`.
    final : {"post", "last"}, default "post"
        Which value counts as final.
    mdc : mapping, optional
        ``{site: value}`` overriding the registry for these sites (in the site's unit;
        ``site`` without ``rom:`` and side, e.g. ``{"cervical_rotation": 7.0}``).
    registry : DataFrame, optional
        A whole MDC registry in place of :func:`tpdn_outcomes.mdc.mdc_registry`.

    Returns
    -------
    DataFrame
        One row per measure x group: the grouping columns, ``site``, and every column of
        :func:`change_summary` (``mean_change`` in degrees, or mm for mouth opening), then
        ``normal_range`` (the site's normative adult range, see
        :data:`tpdn_outcomes.schema.ROM_NORMATIVE_SOURCE`), ``mean_baseline_pct_normal``,
        ``mean_final_pct_normal``, ``mean_change_pct_normal`` with ``ci_low_pct_normal`` /
        ``ci_high_pct_normal`` (the same numbers as a percent of the normative range, a
        display scale only), ``mdc``, ``mdc_confidence`` and ``mdc_citation`` (NaN / empty
        when the site has no MDC), ``n_beyond_mdc`` (episodes whose improvement is at least
        the MDC), ``share_beyond_mdc`` with its Wilson ``share_ci_low`` /
        ``share_ci_high``, and ``n_worse_beyond_mdc`` (episodes that lost at least the MDC).

    Notes
    -----
    ROM has no universal MCID; the MDC says only that a change is larger than measurement
    error, not that it matters to the patient. The share beyond the MDC counts each
    episode's baseline -> final change against the site's MDC, inclusively (>=). Changes of
    ``rom:<site>_left`` and ``_right`` are separate measures and separate rows. A group in
    which a site was never measured (no episode has a value) has no row for that site:
    ROM is recorded only where it applies (mouth opening for TMJ dysfunction, not for low
    back pain); a group whose episodes were measured but lack a pair keeps its row and
    ``note``.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import rom_change
    >>> table = rom_change(load_sample(), measures=["rom:mouth_opening"], by=None)
    >>> table[["measure", "n", "mean_change", "mdc", "n_beyond_mdc"]].round(2)
                 measure    n  mean_change  mdc  n_beyond_mdc
    0  rom:mouth_opening  223         5.21  9.0            50
    """
    keys = grouping_keys(by)
    table = check_mdc_registry(mdc_registry() if registry is None else registry)
    if mdc:
        extra = pd.DataFrame({"site": list(mdc), "mdc": [float(v) for v in mdc.values()]})
        table = pd.concat([table[~table["site"].isin(list(mdc))], extra], ignore_index=True)
    names = list(measures) if measures is not None else data.measure_names()
    names = [m for m in names if m.startswith("rom:")] if measures is None else names
    frames = []
    for measure in names:
        spec = schema.measure_spec(measure)
        if spec.kind != "rom":
            raise ValueError(f"rom_change takes ROM measures, not {measure!r}")
        out, index = change_by_group(
            data, measure, keys, confidence=confidence, adjust=adjust, final=final
        )
        out.insert(len(keys), "site", rom_site(measure))
        normal = float(spec.normative) if spec.normative else float("nan")
        out["normal_range"] = normal
        for col, pct_col in _PCT_OF.items():
            out[pct_col] = 100.0 * out[col] / normal
        row = mdc_for(measure, table)
        value = float(row["mdc"]) if row is not None else float("nan")
        out["mdc"] = value
        out["mdc_confidence"] = (
            float(row["confidence"]) if row is not None and "confidence" in row else np.nan
        )
        out["mdc_citation"] = str(row["citation"]) if row is not None and "citation" in row else ""
        measured = index.any("n_values")
        sign = 1.0 if spec.higher_is_better else -1.0
        beyond, worse, n_used = [], [], []
        for before, after in index.pairs("baseline", "final"):
            imp = sign * (after - before)  # the episodes' improvement, as in data.episodes
            n_used.append(len(imp))
            known = not np.isnan(value) and len(imp) > 0
            beyond.append(int(np.sum(imp >= value)) if known else -1)
            worse.append(int(np.sum(-imp >= value)) if known else -1)
        k = np.asarray(beyond)
        n = np.asarray(n_used)
        usable = (k >= 0) & (n > 0)
        share = np.full(len(out), np.nan)
        low = np.full(len(out), np.nan)
        high = np.full(len(out), np.nan)
        if usable.any():
            ci = proportion_ci(k[usable], n[usable], confidence=confidence, method="wilson")
            share[usable] = ci["proportion"].to_numpy()
            low[usable] = ci["ci_low"].to_numpy()
            high[usable] = ci["ci_high"].to_numpy()
        out["n_beyond_mdc"] = pd.array(np.where(k >= 0, k, 0), dtype="Int64")
        out.loc[k < 0, "n_beyond_mdc"] = pd.NA
        out["share_beyond_mdc"] = share
        out["share_ci_low"] = low
        out["share_ci_high"] = high
        w = np.asarray(worse)
        out["n_worse_beyond_mdc"] = pd.array(np.where(w >= 0, w, 0), dtype="Int64")
        out.loc[w < 0, "n_worse_beyond_mdc"] = pd.NA
        frames.append(out[measured])
    if not frames:
        raise ValueError(
            f"the data has no range-of-motion measures; measures present: {data.measure_names()}"
        )
    result = pd.concat(frames, ignore_index=True)
    result.attrs["caveat"] = UNCONTROLLED_CAVEAT
    return result


__all__ = ["rom_change"]
