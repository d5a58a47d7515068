"""How much did pain, ROM and function change from episode baseline to final value?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes._common import (
    UNCONTROLLED_CAVEAT,
    GroupIndex,
    grouping_keys,
    paired_by_group,
    with_quarter,
)
from tpdn_outcomes.stats import regression_to_mean


def change_summary(
    data: SessionData,
    *,
    measure: str = "pain",
    by: str | Sequence[str] | None = "condition",
    confidence: float = 0.95,
    ci_method: Literal["t", "bootstrap"] = "t",
    adjust: Literal["holm", "hochberg", "bonferroni", "bh", "by", "none"] = "holm",
    final: Literal["post", "last"] = "post",
    n_boot: int = 2000,
    seed: int | None = None,
    rtm: Mapping[str, float] | None = None,
    hl_zero_method: Literal["pratt", "wilcox"] = "pratt",
) -> pd.DataFrame:
    """Change of a measure from episode baseline to final value, by group.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    measure : str, default "pain"
        ``pain``, ``rom:<site>`` or ``function:<instrument>`` (see ``data.measure_names()``).
    by : str or list of str or None, default "condition"
        Grouping variables (see :data:`GROUPINGS`); ``None`` for one overall row.
    confidence : float, default 0.95
        Confidence level of every interval.
    ci_method : {"t", "bootstrap"}, default "t"
        Interval of the mean change: Student t, or BCa bootstrap (seeded by ``seed``).
    adjust : {"holm", "hochberg", "bonferroni", "bh", "by", "none"}, default "holm"
        Multiplicity adjustment of the paired t p-values across the groups (``p_adj``).
    final : {"post", "last"}, default "post"
        Which value counts as final (see :meth:`SessionData.episodes`).
    n_boot : int, default 2000
        Bootstrap resamples when ``ci_method="bootstrap"``.
    seed : int, optional
        Seed of the bootstrap.
    rtm : mapping, optional
        When patients were selected on a high baseline, the population the baselines come
        from: ``{"population_mean": ..., "population_sd": ..., "correlation": ...}``
        (correlation = test-retest reliability without treatment). Adds ``rtm_effect``,
        the change expected from regression to the mean alone for each group's mean
        baseline (Barnett et al. 2005, via
        :func:`tpdn_outcomes.stats.regression_to_mean`), signed like ``mean_change``,
        and ``mean_change_beyond_rtm`` = ``mean_change - rtm_effect``.
    hl_zero_method : {"pratt", "wilcox"}, default "pratt"
        Hodges-Lehmann convention (see :func:`tpdn_outcomes.stats.paired_change`):
        the pseudo-median of all changes, zero changes included, with the interval of
        the signed-rank test with Pratt's zeros; or R's ``wilcox.test(conf.int=TRUE)``,
        which drops the zero changes.

    Returns
    -------
    DataFrame
        One row per group: the grouping columns, then ``measure``, ``unit``,
        ``higher_is_better``, ``n_episodes`` (all episodes of the group),
        ``n_excluded`` (episodes without a change) and ``excluded_reasons`` (counts per
        reason), every column of :func:`tpdn_outcomes.stats.paired_change` computed on
        (baseline, final) of the included episodes — ``n``, ``mean_baseline``,
        ``mean_final``, ``mean_change`` (final - baseline), ``sd_change``, ``ci_low``,
        ``ci_high``, ``median_change``, ``q1_change``, ``q3_change``, ``statistic``
        (paired t), ``dof``, ``p_val``, ``wilcoxon_statistic`` (V), ``wilcoxon_p_val``,
        ``hl_estimate`` with ``hl_ci_low``/``hl_ci_high``, ``cohen_dz`` with its CI,
        ``hedges_g_av`` with its CI, ``effect_size``, ``effect_type`` — plus ``p_adj``
        (``p_val`` adjusted across groups) and ``mean_improvement`` (``mean_change`` signed
        so that positive is better). ``attrs["caveat"]`` holds the uncontrolled-data caveat.

    Notes
    -----
    Every statistic is :func:`tpdn_outcomes.stats.paired_change` (validated against R's
    ``t.test(paired=TRUE)`` and ``wilcox.test(paired=TRUE, conf.int=TRUE)``; the
    Hodges-Lehmann columns equal R's with ``hl_zero_method="wilcox"``) applied to the
    episodes of each group; the assembly is checked against the same R calls on the
    sample's episodes (tests/reference/outcomes_change_summary.R). Percent change is never
    the analysed outcome (Vickers 2001); it is shown by the episode table only.
    A group with fewer than two usable episodes gives a row of missing values whose
    ``note`` says why.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import change_summary
    >>> table = change_summary(load_sample(), measure="pain", by="condition")
    >>> table[["condition", "n", "mean_change"]].head(2).round(2)
                   condition    n  mean_change
    0  chronic_low_back_pain  760        -2.12
    1           fibromyalgia  196        -1.41
    >>> bool((table["mean_change"] < 0).all())  # pain fell in every condition of the sample
    True
    """
    keys = grouping_keys(by)
    out, _ = change_by_group(
        data,
        measure,
        keys,
        final=final,
        adjust=adjust,
        confidence=confidence,
        ci_method=ci_method,
        n_boot=n_boot,
        seed=seed,
        hl_zero_method=hl_zero_method,
    )
    if rtm is not None:
        # regression toward the population mean: a baseline above it is expected to fall
        effects = [
            -float(
                regression_to_mean(
                    population_mean=rtm["population_mean"],
                    population_sd=rtm["population_sd"],
                    correlation=rtm["correlation"],
                    baseline_mean=b,
                )["rtm_effect"].iloc[0]
            )
            if pd.notna(b)
            else float("nan")
            for b in out["mean_baseline"]
        ]
        out["rtm_effect"] = effects
        out["mean_change_beyond_rtm"] = out["mean_change"] - out["rtm_effect"]
    return out


def change_by_group(
    data: SessionData,
    measure: str,
    keys: list[str],
    *,
    final: str = "post",
    adjust: str = "holm",
    **paired_options: Any,
) -> tuple[pd.DataFrame, GroupIndex]:
    """The rows of :func:`change_summary` (without ``rtm``), and the :class:`GroupIndex`
    of the episodes they came from (columns ``baseline``, ``final``, ``n_values``,
    ``note``), for callers that go on with the same groups."""
    episodes = data.episodes(measure, final=final)
    if "quarter" in keys:
        episodes = with_quarter(episodes)
    slim = episodes[[*keys, "baseline", "final", "n_values"]].assign(
        note=episodes["note"].astype("category")  # a few distinct texts: group codes, not text
    )
    index = GroupIndex(slim, keys)
    # change = final - baseline is missing where either is: the rows not in a complete pair
    pairs = index.pairs("baseline", "final")
    reasons = index.exclusion_texts("note")
    out = paired_by_group(
        index,
        keys,
        before="baseline",
        after="final",
        measure=measure,
        counts=lambda g: {
            "n_episodes": len(g),
            "n_excluded": len(g) - len(pairs[g.k][0]),
            "excluded_reasons": reasons[g.k],
        },
        adjust=adjust,
        **paired_options,
    )
    return out, index


def function_change(
    data: SessionData,
    *,
    instruments: Sequence[str] | None = None,
    by: str | Sequence[str] | None = "condition",
    confidence: float = 0.95,
    ci_method: Literal["t", "bootstrap"] = "t",
    adjust: Literal["holm", "hochberg", "bonferroni", "bh", "by", "none"] = "holm",
    final: Literal["post", "last"] = "post",
    n_boot: int = 2000,
    seed: int | None = None,
) -> pd.DataFrame:
    """:func:`change_summary` for every function / disability instrument present.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    instruments : list of str, optional
        Instruments (``"ndi"`` or ``"function:ndi"``); default every one in the data.
    by, confidence, ci_method, adjust, final, n_boot, seed
        As in :func:`change_summary`; ``p_adj`` is adjusted across the groups of each
        instrument.

    Returns
    -------
    DataFrame
        The rows of :func:`change_summary` for each instrument, one per instrument x group,
        stacked; ``measure`` names the instrument, ``higher_is_better`` its direction
        (True only for PSFS), ``mean_improvement`` the change signed so that positive is
        better. A group in which an instrument was never recorded has no row for it
        (instruments are condition-specific: the ODI for back pain, the HIT-6 for headache).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import function_change
    >>> table = function_change(load_sample(), by=None)
    >>> table[["measure", "n", "mean_change", "mean_improvement"]].round(1)
                  measure     n  mean_change  mean_improvement
    0       function:fiqr   155         -8.8               8.8
    1       function:hit6   262         -5.2               5.2
    2        function:ndi  1027         -5.7               5.7
    3        function:odi   592         -8.7               8.7
    4       function:psfs   469          2.8               2.8
    5  function:quickdash   423        -14.4              14.4
    """
    if instruments is None:
        names = [m for m in data.measure_names() if m.startswith("function:")]
    else:
        names = [i if i.startswith("function:") else f"function:{i}" for i in instruments]
    if not names:
        raise ValueError(
            f"the data has no function instruments; measures present: {data.measure_names()}"
        )
    frames = []
    for measure in names:
        if schema.measure_spec(measure).kind != "function":
            raise ValueError(f"{measure!r} is not a function instrument")
        out, index = change_by_group(
            data,
            measure,
            grouping_keys(by),
            final=final,
            adjust=adjust,
            confidence=confidence,
            ci_method=ci_method,
            n_boot=n_boot,
            seed=seed,
        )
        frames.append(out[index.any("n_values")])
    result = pd.concat(frames, ignore_index=True)
    result.attrs["caveat"] = UNCONTROLLED_CAVEAT
    return result


__all__ = ["change_summary", "function_change"]
