"""Do clinics agree? A random-effects meta-analysis of the change in each clinic."""

from __future__ import annotations

from typing import Literal

import numpy as np

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes.change import change_summary
from tpdn_outcomes.stats.meta import MetaAnalysis, meta_analysis


def meta_by_clinic(
    data: SessionData,
    *,
    measure: str = "pain",
    method: Literal["REML", "DL", "PM", "FE"] = "REML",
    knha: bool | Literal["adhoc"] = True,
    confidence: float = 0.95,
) -> MetaAnalysis:
    """Pool each clinic's mean change (final - baseline) in a random-effects meta-analysis.

    Parameters
    ----------
    data : SessionData
        The loaded dataset, with ``clinic_id``.
    measure : str, default "pain"
        The measure.
    method : {"REML", "DL", "PM", "FE"}, default "REML"
        Between-clinic variance estimator (:func:`tpdn_outcomes.stats.meta_analysis`).
    knha : bool or "adhoc", default True
        Knapp-Hartung intervals; the default because a network has few clinics, where the
        normal-based interval is too narrow. When the clinics agree more closely than
        their sampling variances imply, the Knapp-Hartung interval is itself narrower
        than the normal one, down to zero width for equal means (metafor's
        ``test = "knha"`` gives the same numbers); ``pooled["note"]`` then says so, and
        ``knha="adhoc"`` (metafor's ``test = "adhoc"``) keeps at least the normal width.
    confidence : float, default 0.95

    Returns
    -------
    MetaAnalysis
        ``studies`` has one row per clinic (``label`` = clinic id) with its mean change and
        the variance of that mean (SD^2 / n), plus ``n`` (episodes with a change);
        ``pooled`` the pooled change, tau^2 (how much clinics truly differ) and the
        prediction interval for a new clinic. Clinics with fewer than two episodes are left
        out and listed in ``pooled["excluded"]``.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import meta_by_clinic
    >>> res = meta_by_clinic(load_sample())
    >>> res.studies["label"].tolist()
    ['CLN-01', 'CLN-02', 'CLN-03', 'CLN-04', 'CLN-05', 'CLN-06', 'CLN-07']
    """
    table = change_summary(data, measure=measure, by="clinic_id", adjust="none")
    usable = table["n"].fillna(0).to_numpy() >= 2
    if usable.sum() < 1:
        raise ValueError("no clinic has two or more episodes with a change")
    rows = table[usable]
    variance = rows["se_change"].to_numpy(dtype=float) ** 2
    res = meta_analysis(
        rows["mean_change"].to_numpy(dtype=float),
        variance,
        method=method,
        knha=knha,
        labels=rows["clinic_id"].astype(str).to_numpy(),
        confidence=confidence,
    )
    res.studies["n"] = rows["n"].to_numpy(dtype=np.int64)
    res.pooled["measure"] = measure
    res.pooled["excluded"] = ", ".join(table.loc[~usable, "clinic_id"].astype(str))
    return res


__all__ = ["meta_by_clinic"]
