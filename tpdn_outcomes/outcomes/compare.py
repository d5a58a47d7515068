"""Do groups differ once baselines are taken into account? ANCOVA across groups."""

from __future__ import annotations

from collections.abc import Sequence

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.stats.ancova import Ancova, ancova

COMPARABLE = ("condition", "clinic_id", "practitioner_role", "twitch_response", "age_band", "sex")


def compare_groups(
    data: SessionData,
    *,
    measure: str = "pain",
    by: str = "condition",
    adjust_for: Sequence[str] = ("baseline",),
    covariates: Sequence[str] = (),
    confidence: float = 0.95,
) -> Ancova:
    """Compare the change of a measure between groups, adjusted for baseline (ANCOVA).

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    measure : str, default "pain"
        The measure.
    by : str, default "condition"
        The groups: condition, clinic_id, practitioner_role, twitch_response, age_band, sex.
    adjust_for : sequence of str, default ("baseline",)
        ``("baseline",)`` adjusts for the episode's baseline value (recommended: groups
        with higher baselines improve more by regression to the mean alone); ``()`` for an
        unadjusted comparison.
    covariates : sequence of str
        Further episode columns to adjust for (e.g. ``("condition",)`` when comparing
        practitioner roles).
    confidence : float, default 0.95

    Returns
    -------
    Ancova
        With ``adjusted_means`` (the adjusted mean change per group, emmeans-style) and
        ``contrasts(...)``. The outcome is the change (final - baseline); with the baseline
        as covariate, group differences are the same as with the final value as outcome
        (Vickers & Altman, BMJ 2001;323:1123).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import compare_groups
    >>> res = compare_groups(load_sample(), by="twitch_response")
    >>> res.contrasts("pairwise", adjust="none")["contrast"].tolist()
    ['False - True']
    """
    if by not in COMPARABLE:
        raise ValueError(f"cannot compare by {by!r}; use one of {list(COMPARABLE)}")
    unknown = [a for a in adjust_for if a != "baseline"]
    if unknown:
        raise ValueError(f"adjust_for takes 'baseline' only; put {unknown} in covariates=")
    episodes = data.episodes(measure)
    frame = episodes[episodes["change"].notna()].copy()
    frame[by] = frame[by].astype("string")
    for c in covariates:
        if c not in frame:
            raise ValueError(f"unknown covariate {c!r}; episode columns: {list(frame.columns)}")
        if frame[c].dtype.kind not in "fiu":
            frame[c] = frame[c].astype("string")
    return ancova(
        frame,
        outcome="change",
        baseline="baseline" if "baseline" in adjust_for else None,
        group=by,
        covariates=list(covariates),
        confidence=confidence,
    )


__all__ = ["COMPARABLE", "compare_groups"]
