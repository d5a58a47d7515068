"""The immediate, within-session change: pre-needling to post-needling in the same visit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes._common import (
    grouping_keys,
    paired_by_group,
    with_quarter,
)


def episode_session_means(data: SessionData, *, measure: str = "pain") -> pd.DataFrame:
    """Per episode, the mean pre and mean post value over its sessions that have both.

    Returns
    -------
    DataFrame
        The episode table of ``data.episodes(measure)`` (grouping columns and all) with
        ``n_sessions_used``, ``mean_pre`` and ``mean_post`` (missing when no session of the
        episode has both values).
    """
    sc = data.session_changes(measure)
    both = sc[sc["pre"].notna() & sc["post"].notna()]
    agg = both.groupby("episode_id", observed=True).agg(
        n_sessions_used=("pre", "size"), mean_pre=("pre", "mean"), mean_post=("post", "mean")
    )
    episodes = data.episodes(measure)
    key = episodes["episode_id"].astype(str)
    agg.index = agg.index.astype(str)
    out = episodes.assign(
        n_sessions_used=agg["n_sessions_used"].reindex(key).fillna(0).astype(int).to_numpy(),
        mean_pre=agg["mean_pre"].reindex(key).to_numpy(),
        mean_post=agg["mean_post"].reindex(key).to_numpy(),
    )
    return out


def immediate_change(
    data: SessionData,
    *,
    measure: str = "pain",
    by: str | Sequence[str] | None = "condition",
    confidence: float = 0.95,
    adjust: Literal["holm", "hochberg", "bonferroni", "bh", "by", "none"] = "holm",
) -> pd.DataFrame:
    """Within-session change (post - pre needling), one value per episode, by group.

    Each episode contributes one pair: the mean pre and the mean post value over its
    sessions that have both. Averaging within the episode first keeps patients with many
    sessions from dominating (their sessions are not independent observations), so ``n``
    counts episodes, not sessions.

    Parameters
    ----------
    data : SessionData
    measure : str, default "pain"
        ``pain`` or a ``rom:`` measure (the measures taken before and after needling).
    by : str or list of str or None, default "condition"
    confidence : float, default 0.95
    adjust : {"holm", "hochberg", "bonferroni", "bh", "by", "none"}, default "holm"
        Adjustment of the paired t p-values across groups (``p_adj``).

    Returns
    -------
    DataFrame
        One row per group: the grouping columns, ``measure``, ``unit``,
        ``higher_is_better``, ``n_episodes``, ``n_sessions_used`` (sessions with both values),
        ``n_excluded`` (episodes with no such session), every column of
        :func:`tpdn_outcomes.stats.paired_change` on (mean pre, mean post) — ``mean_change``
        is post - pre — then ``p_adj`` and ``mean_improvement`` (positive = better).
        ``attrs["caveat"]`` holds the uncontrolled-data caveat.

    Notes
    -----
    Checked against R on the sample (tests/reference/outcomes_immediate.R): R averages the
    session-level pre and post values per episode with ``aggregate`` and runs
    ``t.test(post, pre, paired = TRUE)`` by condition.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> table = immediate_change(load_sample(), by=None)
    >>> int(table["n"].iloc[0]), bool(table["mean_change"].iloc[0] < 0)
    (3818, True)
    """
    keys = grouping_keys(by)
    episodes = episode_session_means(data, measure=measure)
    if "quarter" in keys:
        episodes = with_quarter(episodes)
    return paired_by_group(
        episodes,
        keys,
        before="mean_pre",
        after="mean_post",
        measure=measure,
        counts=lambda g: {
            "n_episodes": len(g),
            "n_sessions_used": int(g["n_sessions_used"].sum()),
            "n_excluded": int(g["mean_pre"].isna().sum()),
        },
        adjust=adjust,
        confidence=confidence,
    )


__all__ = ["episode_session_means", "immediate_change"]
