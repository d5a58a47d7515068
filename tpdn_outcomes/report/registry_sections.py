"""The report sections of what outcome registries give their clinics: a plain-language first
page, risk-adjusted effectiveness, efficiency, completeness and trends.

Each is a section function (see :mod:`tpdn_outcomes.report.sections`): it computes its
tables with the outcome functions (:func:`~tpdn_outcomes.outcomes.risk.observed_minus_expected`,
:func:`~tpdn_outcomes.outcomes.efficiency.efficiency`,
:func:`~tpdn_outcomes.outcomes.efficiency.completeness`,
:func:`~tpdn_outcomes.outcomes.trends.quarterly_trends`,
:func:`~tpdn_outcomes.outcomes.summary.plain_language_summary`), registers every count it
shows (or that its rates and intervals let a reader work out) with the population it
counts, and writes text that quotes counts only once their suppression is known
(:meth:`~tpdn_outcomes.report.context.Context.finish`).

Examples
--------
>>> from tpdn_outcomes import load_sample
>>> from tpdn_outcomes.report import quarterly_report
>>> report = quarterly_report(load_sample(), quarter="2026Q2", clinic="CLN-01")
>>> [s.key for s in report.sections][:3]
['summary', 'key', 'trends']
>>> report.tables["risk_clinics"]["rank"].str.endswith("of 7").all()
np.True_
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.outcomes.benchmark import Z95, Z998
from tpdn_outcomes.outcomes.efficiency import completeness, efficiency
from tpdn_outcomes.outcomes.responders import responder_flags
from tpdn_outcomes.outcomes.risk import (
    MISSING_LEVEL,
    RiskModel,
    completed_changes,
    fit_risk_model,
    observed_minus_expected,
)
from tpdn_outcomes.outcomes.summary import plain_language_summary, summary_figures
from tpdn_outcomes.outcomes.trends import quarterly_trends
from tpdn_outcomes.report.context import HIDDEN, Context, Section, rounded

#: The all-conditions row (the word of :data:`tpdn_outcomes.report.sections.ALL`).
ALL = "All conditions"

#: Quarters shown in the trends.
TREND_QUARTERS = 8

#: How the trend figures read in the table (percent figures are shown in percent).
TREND_ROWS: dict[str, tuple[str, bool]] = {
    "patients": ("Patients seen", False),
    "completed_episodes": ("Completed episodes", False),
    "mean_pain_change": ("Mean pain change (NPRS points)", False),
    "responder_rate": ("Moderate pain responders (%)", True),
    "side_effect_rate": ("Sessions with any side effect (%)", True),
}

EFFICIENCY_ROWS = {
    "sessions_per_episode": "Sessions per episode",
    "days_per_episode": "Days per episode",
    "change_per_session": "Pain change per session (NPRS points)",
}

COMPLETENESS_ROWS = {
    "discharge_capture": "Final pain score recorded (discharge capture)",
    "lost_to_follow_up": "Baseline but no final score (lost to follow-up)",
}

#: What the methods section says of these sections.
REGISTRY_METHODS = (
    "Risk-adjusted effectiveness: each completed episode's expected pain change comes from "
    "an ordinary least squares model of change on the baseline score, condition, age band "
    "and sex (known before care; never sessions, days or needles), fitted on every "
    "completed episode of the file (all clinics and quarters), or of a reference registry "
    "given with --benchmark. Observed minus expected is the mean of the quarter's episodes' "
    "residuals; its 95% interval uses Var = sigma^2/n + xbar' V xbar (the residual variance "
    "and the model's uncertainty; R's lm and predict), and clinics are ranked from the "
    "largest improvement beyond expected (1 = best); a rank carries the uncertainty of the "
    "intervals. Efficiency: sessions per episode, days from the first to the last session, "
    "and each episode's pain change divided by its sessions, as means with 95% t intervals "
    "over the completed episodes. Completeness: of the completed episodes with any pain "
    "score, the share with a final score (discharge capture) and the share with a baseline "
    "but no final score (lost to follow-up), with Wilson intervals. Trends: the key "
    "figures of each of the last eight quarters with their intervals, by the definitions "
    "of the key figures. The first page's sentences are written from the same numbers and "
    "quote a figure only when at least the minimum cell of episodes or sessions lies "
    "behind it and its counts are published."
)


def _ids(frame: pd.DataFrame, column: str, mask: Any = None) -> np.ndarray:
    values = frame[column] if mask is None else frame.loc[np.asarray(mask, dtype=bool), column]
    return values.astype(str).to_numpy()


def _shown(ctx: Context, cells: Iterable[int]) -> bool:
    """Whether every one of ``cells`` is published after the release's suppression."""
    return all(ctx.status.get(c, "published") == "published" for c in cells)


def _hidden_rows(table: pd.DataFrame, column: str = "n") -> np.ndarray:
    """Rows whose ``column`` now shows a marker (a hidden count) instead of a number."""
    return table[column].map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)


# ---------------------------------------------------------------------------
# the quarter's populations (shared by the first page and the trends)
# ---------------------------------------------------------------------------


def _by_quarter(ctx: Context) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray]:
    """The scope's sessions and pain episodes with their quarters (of the session, of the
    episode's last session), found once per report."""

    def make() -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray]:
        s = ctx.scope_data.sessions
        ep = ctx.scope_data.episodes("pain")
        quarter = lambda d: d.dt.to_period("Q").astype("string").to_numpy(dtype=object)  # noqa: E731
        return s, quarter(s["session_date"]), ep, quarter(ep["last_date"])

    result: tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray] = ctx.once(
        f"quarters of {ctx.name}", make
    )
    return result


def _populations(ctx: Context, quarter: str) -> dict[str, Any]:
    """The units behind each key figure of ``quarter`` in this report's scope."""
    sessions, s_q, episodes, e_q = _by_quarter(ctx)
    s, ending = sessions[s_q == quarter], episodes[e_q == quarter]
    done = ~ending["open"].fillna(False).to_numpy(dtype=bool)
    has = done & ending["change"].notna().to_numpy(dtype=bool)
    hit = has & responder_flags(ending, "pain")
    ae = s["adverse_events"]
    recorded = ae.notna().to_numpy(dtype=bool)
    event = recorded & (ae.astype("string").fillna("none") != "none").to_numpy(dtype=bool)
    return {
        "patients": _ids(s, "patient_id"),
        "completed": _ids(ending, "episode_id", done),
        "with_change": _ids(ending, "episode_id", has),
        "responders": _ids(ending, "episode_id", hit),
        "non_responders": _ids(ending, "episode_id", has & ~hit),
        "recorded": _ids(s, "session_id", recorded),
        "events": _ids(s, "session_id", event),
        "no_events": _ids(s, "session_id", recorded & ~event),
    }


def _register_rate(
    ctx: Context, table: str | None, row: Any, unit: str, hit: np.ndarray, miss: np.ndarray,
    parent: int | None = None,
) -> list[int]:  # fmt: skip
    """Register a shown rate's numerator and its complement (both can be worked out from
    the rate and its interval); in ``table`` at ``(row, "value")`` or in the ledger only."""
    if table is None:
        return [
            ctx.ledger.add(
                unit,
                ids,
                table=f"{ctx.name} / first page",
                row=row,
                column=k,
                value=len(pd.unique(ids)),
            )
            for k, ids in (("numerator", hit), ("complement", miss))
        ]
    cell = ctx.count(table, row, "value", unit, hit, value=len(pd.unique(hit)),
                     as_statistic=True, dependents=["ci_low", "ci_high"], parent=parent)  # fmt: skip
    ctx.count(table, row, "value", unit, miss, published=False)
    return [cell]


def _publishable_only(ctx: Context, section: Section, key: str, what: str) -> None:
    """Once suppression is known, keep only the rows of ``tables[key]`` whose count is
    published (a row of markers says no more than its absence), saying so in a note."""

    def finish(c: Context) -> None:
        shown = c.tables[key]
        hidden = _hidden_rows(shown)
        if not hidden.any():
            return
        if hidden.all():
            del c.tables[key]
            section.notes.insert(0, f"No condition had enough completed episodes this quarter "
                                 f"to publish its {what}.")  # fmt: skip
            return
        c.tables[key] = shown[~hidden].reset_index(drop=True)
        section.notes.insert(0, f"Conditions whose {what} cannot be published this quarter "
                             f"(fewer than {c.min_cell} completed episodes, or hidden so that "
                             "a small count cannot be worked out) are not listed.")  # fmt: skip

    ctx.finish(finish)


# ---------------------------------------------------------------------------
# first page
# ---------------------------------------------------------------------------

_WITHHELD = (
    "is not shown in this report, so that small counts elsewhere in this release cannot be "
    "worked out from it"
)


def first_page(ctx: Context) -> Section:
    """Five sentences a manager can read aloud, written from the quarter's numbers."""
    figures = summary_figures(ctx.scope_data, ctx.quarter)
    sentences = plain_language_summary(
        ctx.scope_data, ctx.quarter, min_n=ctx.min_cell, figures=figures
    )
    m, pop = ctx.min_cell, _populations(ctx, ctx.quarter)
    cells: dict[int, list[int]] = {}
    if figures["patients"]["value"] >= m and figures["completed_episodes"]["value"] >= m:
        cells[0] = [
            ctx.ledger.add(
                unit,
                pop[k],
                table=f"{ctx.name} / first page",
                row=0,
                column=k,
                value=len(pd.unique(pop[k])),
            )
            for unit, k in (("patient", "patients"), ("episode", "completed"))
        ]
    for i, figure, unit, hit, miss in (
        (2, "responder_rate", "episode", "responders", "non_responders"),
        (3, "side_effect_rate", "session", "events", "no_events"),
    ):
        f = figures[figure]
        if f["n"] >= m and not np.isnan(f["value"]):
            cells[i] = _register_rate(ctx, None, i, unit, pop[hit], pop[miss])
    replacements = {
        0: f"The number of patients seen and episodes completed in {ctx.quarter} {_WITHHELD}.",
        2: f"The share of episodes with a clinically meaningful improvement {_WITHHELD}.",
        3: f"The share of sessions with a side effect {_WITHHELD}.",
    }
    section = Section("summary", f"{ctx.quarter} in brief", notes=[sentences[-1]])

    def finish(c: Context) -> None:
        said = [
            replacements[i] if i in cells and not _shown(c, cells[i]) else text
            for i, text in enumerate(sentences[:-1])
        ]
        section.intro = " ".join(said)

    ctx.finish(finish)
    return section


# ---------------------------------------------------------------------------
# trends
# ---------------------------------------------------------------------------


def _trend_table(trends: pd.DataFrame) -> pd.DataFrame:
    table = trends[["quarter", "figure", "value", "ci_low", "ci_high", "n"]].copy()
    percent = trends["figure"].map(lambda f: TREND_ROWS[f][1]).to_numpy(dtype=bool)
    for col in ("value", "ci_low", "ci_high"):
        table[col] = np.where(percent, 100 * table[col].to_numpy(dtype=float), table[col])
    table["figure"] = trends["figure"].map(lambda f: TREND_ROWS[f][0])
    return rounded(table)


def trends(ctx: Context) -> Section:
    """The key figures of the last eight quarters with their intervals, as small multiples."""
    raw = quarterly_trends(ctx.scope_data, ctx.quarter, TREND_QUARTERS)
    ctx.tables["trends_table"] = _trend_table(raw)  # shown in the appendix
    pops = {q: _populations(ctx, q) for q in raw["quarter"].unique()}
    for i, row in raw.iterrows():
        p = pops[row["quarter"]]
        figure = row["figure"]
        if figure in ("patients", "completed_episodes"):
            unit, key = (
                ("patient", "patients") if figure == "patients" else ("episode", "completed")
            )
            ctx.count(
                "trends_table", i, "n", unit, p[key], value=int(row["n"]), dependents=["value"]
            )
        elif figure == "mean_pain_change":  # a mean does not give its n (as in key figures)
            table = ctx.tables["trends_table"]
            table.at[i, "n"] = np.nan  # its n is the responder row's, shown there
            if 0 < row["n"] < ctx.min_cell:
                for col in ("value", "ci_low", "ci_high"):
                    table[col] = table[col].astype(object)
                    table.at[i, col] = HIDDEN
        else:
            unit, n_key, hit, miss = (
                ("episode", "with_change", "responders", "non_responders")
                if figure == "responder_rate"
                else ("session", "recorded", "events", "no_events")
            )
            n_cell = ctx.count("trends_table", i, "n", unit, p[n_key], value=int(row["n"]),
                               dependents=["value", "ci_low", "ci_high"])  # fmt: skip
            if row["n"] > 0:
                _register_rate(ctx, "trends_table", i, unit, p[hit], p[miss], parent=n_cell)

    def draw(c: Context) -> Any:
        shown = c.tables["trends_table"]
        hidden = _hidden_rows(shown, "n") | _hidden_rows(shown, "value")
        drawn = raw.copy()
        drawn.loc[hidden, ["value", "ci_low", "ci_high"]] = np.nan
        from tpdn_outcomes.plots import plot_quarterly_trends

        return plot_quarterly_trends(drawn, c.quarter, ncols=len(TREND_ROWS))  # one row

    ctx.figure("trends", draw)
    ctx.captions["trends"] = (
        f"Key figures of the last {TREND_QUARTERS} quarters with 95% confidence intervals; "
        f"the report quarter {ctx.quarter} is shaded. Quarters whose counts are not "
        "published are left as gaps."
    )
    ctx.captions["trends_table"] = f"The key figures of the last {TREND_QUARTERS} quarters"
    return Section("trends", "Trends", "How the key figures moved over the last two years. "
                   "An interval shows how much a quarter's figure could differ by chance; "
                   "look for a run of quarters, not one point.", [], ["trends"])  # fmt: skip


def trends_appendix(ctx: Context) -> Section:
    """The table behind the trends figure."""
    return Section("trends_appendix", "Appendix: quarterly trends", "", ["trends_table"])


# ---------------------------------------------------------------------------
# risk-adjusted effectiveness
# ---------------------------------------------------------------------------


def _risk_model(ctx: Context) -> tuple[pd.DataFrame, RiskModel | str]:
    """The file's completed changes and the risk model (or why there is none), once."""

    def make() -> tuple[pd.DataFrame, RiskModel | str]:
        table = completed_changes(ctx.data)
        try:
            reference = table if ctx.benchmark is None else completed_changes(ctx.benchmark)
            return table, fit_risk_model(reference)
        except ValueError:
            return table, "the reference has too few completed episodes to fit the risk model"

    result: tuple[pd.DataFrame, RiskModel | str] = ctx.once("risk_model", make)
    return result


def _reference_words(ctx: Context) -> str:
    if ctx.benchmark is None:
        return "every completed episode of this file (all its clinics and quarters)"
    name = Path(str(ctx.benchmark.metadata.get("source", ""))).name
    return f"the reference registry {name}" if name else "a reference registry"


_RISK_COLUMNS = ["n", "observed", "expected", "o_minus_e", "ci_low", "ci_high", "rank"]


def _risk_rows(
    ctx: Context, key: str, result: pd.DataFrame, episodes: pd.DataFrame, keys: list[str]
) -> None:
    """Show ``result`` (clinic rows, or clinic x condition) and register each row's n."""
    table = rounded(result[[*keys, *_RISK_COLUMNS]].reset_index(drop=True))
    table["rank"] = [f"{r} of {k}" for r, k in zip(result["rank"], result["n_ranked"], strict=True)]
    if ctx.clinic is not None:
        table = table.drop(columns="clinic_id")
    ctx.tables[key] = table
    for i, row in result.reset_index(drop=True).iterrows():
        mask = np.ones(len(episodes), dtype=bool)
        for k in keys:
            mask &= episodes[k].to_numpy() == row[k]
        ctx.count(key, i, "n", "episode", _ids(episodes, "episode_id", mask),
                  value=int(row["n"]), dependents=_RISK_COLUMNS[1:])  # fmt: skip


def risk_adjusted(ctx: Context) -> Section:
    """Observed minus expected pain change per clinic (and per condition), ranked."""
    table, model = _risk_model(ctx)
    done = table[(table["quarter"] == ctx.quarter) & (table["clinic_id"] != MISSING_LEVEL)]
    title, notes = "Risk-adjusted effectiveness", []
    if isinstance(model, str) or done.empty:
        notes.append(f"No risk-adjusted comparison: {model}." if isinstance(model, str) else "")
        return Section("risk", title, "", [], [], [n for n in notes if n])
    higher = schema.measure_spec("pain").higher_is_better
    try:
        clinics = observed_minus_expected(model, done, ["clinic_id"], higher_is_better=higher)
        by_cond = observed_minus_expected(
            model, done, ["clinic_id", "condition"], higher_is_better=higher
        )
    except ValueError:  # a level the reference has no episodes of (message not echoed)
        return Section("risk", title, "", [], [], [
            "No risk-adjusted comparison: this file has a condition, age band or sex that the "
            "reference registry has no completed episodes of, so its risk model cannot "
            "predict them."])  # fmt: skip
    if ctx.clinic is not None:
        clinics = clinics[clinics["clinic_id"] == ctx.clinic]
        by_cond = by_cond[by_cond["clinic_id"] == ctx.clinic]
    by_cond = by_cond.assign(condition=by_cond["condition"].astype(str))
    _risk_rows(ctx, "risk_clinics", clinics, done, ["clinic_id"])
    _risk_rows(ctx, "risk_conditions", by_cond, done, ["clinic_id", "condition"])

    section = Section("risk", "Risk-adjusted effectiveness", "", ["risk_clinics",
                      "risk_conditions"], [], notes)  # fmt: skip
    if ctx.clinic is None and len(clinics) >= 2:  # the clinics side by side: all-clinics only
        _funnel(ctx, section, clinics, model)
    _publishable_only(ctx, section, "risk_conditions", "risk-adjusted comparison")
    ctx.captions["risk_clinics"] = (
        "Pain change observed and expected for the case mix (NPRS points; negative = less "
        "pain), observed - expected with its 95% CI, and the rank among clinics (1 = the "
        "largest improvement beyond expected)"
    )
    ctx.captions["risk_conditions"] = (
        "Observed - expected pain change by condition, ranked among the clinics treating it; "
        "conditions too small to publish are left out"
    )
    intro = (
        "Each clinic's pain change against the change expected for its patients: expected "
        f"from a model fitted on {_reference_words(ctx)}, adjusting for baseline pain, "
        f"condition, age band and sex only (R squared {model.r_squared:.2f}). Below zero "
        "means more pain relief than expected."
    )
    notes.append(
        "A rank is a point estimate: clinics whose intervals overlap may not truly differ. "
        "Unmeasured case mix (duration of pain, work status) can still explain a difference."
    )
    section.intro = intro
    return section


def funnel_table(clinics: pd.DataFrame, sigma: float) -> pd.DataFrame:
    """The clinics' observed minus expected as :func:`~tpdn_outcomes.plots.plot_funnel`
    draws it: ``outside_95`` and ``outside_998`` beyond the funnel's limits
    ``z * sigma / sqrt(n)`` (the limits drawn), ``attrs["sigma"]`` the model's residual SD.

    Examples
    --------
    >>> t = funnel_table(pd.DataFrame({"clinic_id": ["a", "b"], "n": [25, 100],
    ...                                "o_minus_e": [-0.5, 0.9]}), sigma=1.5)
    >>> t[["outside_95", "outside_998"]].to_numpy().tolist(), t.attrs["sigma"]
    ([[False, False], [True, True]], 1.5)
    """
    out = clinics.copy()
    z = out["o_minus_e"].to_numpy(dtype=float) / (sigma / np.sqrt(out["n"].to_numpy(float)))
    out["outside_95"], out["outside_998"] = np.abs(z) > Z95, np.abs(z) > Z998
    out.attrs["sigma"] = float(sigma)
    return out


def _funnel(ctx: Context, section: Section, clinics: pd.DataFrame, model: RiskModel) -> None:
    """Ask for the funnel plot of the clinics whose count is published (at least two)."""
    table = funnel_table(clinics.reset_index(drop=True), model.sigma)

    def draw(c: Context) -> Any:
        keep = [i for i in range(len(table)) if c.published("risk_clinics", i)]
        if len(keep) < 2:
            return None
        import matplotlib.pyplot as plt

        from tpdn_outcomes.plots import plot_funnel

        kept = table.iloc[keep].copy()
        kept.attrs.update(table.attrs)
        fig, ax = plt.subplots(figsize=(7.5, 4.0), layout="constrained")
        plot_funnel(kept, ax=ax)
        plt.close(fig)
        return fig

    ctx.figure("clinic_funnel", draw)
    section.figures.append("clinic_funnel")
    section.notes.append(
        "In the funnel plot, a clinic beyond the 99.8 % limits is unlikely to differ from "
        "expected by chance alone."
    )
    ctx.captions["clinic_funnel"] = (
        "Observed minus expected mean pain change of each clinic's completed episodes against "
        "their number, with 95 % and 99.8 % limits (the residual SD of the risk model over "
        "the square root of n); expected from baseline pain, condition, age band and sex. "
        "Clinics whose count is not published are not drawn."
    )


# ---------------------------------------------------------------------------
# efficiency and completeness
# ---------------------------------------------------------------------------


def _by_condition(make: Callable[..., pd.DataFrame], data: Any) -> pd.DataFrame:
    per = make(data, by="condition")
    per["condition"] = per["condition"].astype(str)
    return pd.concat([per, make(data, by=None).assign(condition=ALL)], ignore_index=True)


def efficiency_section(ctx: Context) -> Section:
    """Sessions per episode, days per episode and pain change per session, by condition."""
    done = ctx.completed
    section = Section("efficiency", "Efficiency", "How much care an episode took: sessions, "
                      "days from the first to the last session, and pain change per session "
                      "(completed episodes of the quarter).", ["efficiency"])  # fmt: skip
    if done is None:
        return section
    result = _by_condition(efficiency, done)
    table = result[["condition", "figure", "n", "mean", "ci_low", "ci_high"]].copy()
    table["figure"] = table["figure"].map(EFFICIENCY_ROWS)
    ctx.tables["efficiency"] = rounded(table)
    ep = done.episodes("pain")
    ep = ep[~ep["open"].fillna(False).to_numpy(dtype=bool)]
    cond = ep["condition"].astype(str).to_numpy()
    has = ep["change"].notna().to_numpy(dtype=bool)
    for i, row in result.iterrows():
        mask = (cond == row["condition"]) | (row["condition"] == ALL)
        if row["figure"] == "change_per_session":
            mask = mask & has
        ctx.count("efficiency", i, "n", "episode", _ids(ep, "episode_id", mask),
                  value=int(row["n"]), dependents=["mean", "ci_low", "ci_high"])  # fmt: skip
    ctx.captions["efficiency"] = "Efficiency of the completed episodes: means with 95% CI"
    _publishable_only(ctx, section, "efficiency", "efficiency")
    return section


def completeness_section(ctx: Context) -> Section:
    """Discharge capture and loss to follow-up of the quarter's completed episodes."""
    done = ctx.completed
    section = Section("completeness", "Completeness", "How complete the outcome data are: of "
                      "the completed episodes with a pain score, the share with a final score "
                      "and the share that ended without one.", ["completeness"])  # fmt: skip
    if done is None:
        return section
    result = _by_condition(completeness, done)
    table = result[["condition", "figure", "n", "count", "rate", "ci_low", "ci_high"]].copy()
    table["figure"] = table["figure"].map(COMPLETENESS_ROWS)
    for col in ("rate", "ci_low", "ci_high"):
        table[col] = 100 * table[col]
    ctx.tables["completeness"] = rounded(
        table.rename(columns={"rate": "percent", "count": "of_which"})
    )
    ep = done.episodes("pain")
    closed = ~ep["open"].fillna(False).to_numpy(dtype=bool) & (ep["n_values"].to_numpy() > 0)
    cond = ep["condition"].astype(str).to_numpy()
    final = ep["final"].notna().to_numpy(dtype=bool)
    base = ep["baseline"].notna().to_numpy(dtype=bool)
    stats = ["percent", "ci_low", "ci_high"]
    for i, row in result.iterrows():
        group = closed & ((cond == row["condition"]) | (row["condition"] == ALL))
        hit = group & (final if row["figure"] == "discharge_capture" else base & ~final)
        n_cell = ctx.count("completeness", i, "n", "episode", _ids(ep, "episode_id", group),
                           value=int(row["n"]), dependents=stats)  # fmt: skip
        ctx.count("completeness", i, "of_which", "episode", _ids(ep, "episode_id", hit),
                  value=int(row["count"]), dependents=stats, parent=n_cell)  # fmt: skip
        ctx.count("completeness", i, "of_which", "episode", _ids(ep, "episode_id", group & ~hit),
                  published=False)  # fmt: skip
        if row["figure"] == "discharge_capture":  # neither: derivable from the two rows
            ctx.count("completeness", i, "of_which", "episode",
                      _ids(ep, "episode_id", group & ~base & ~final), published=False)  # fmt: skip
    ctx.captions["completeness"] = (
        "Completeness of the pain scores of the completed episodes (percent with Wilson 95% CI)"
    )
    _publishable_only(ctx, section, "completeness", "completeness")
    return section


__all__ = [
    "REGISTRY_METHODS",
    "completeness_section",
    "efficiency_section",
    "first_page",
    "risk_adjusted",
    "trends",
    "trends_appendix",
]
