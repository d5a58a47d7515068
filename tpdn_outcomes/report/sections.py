"""The sections of the quarterly report, in order: one function each, listed in SECTIONS.

Each function takes the report's :class:`~tpdn_outcomes.report.context.Context`, puts its
tables (with the numbers as computed) into ``ctx.tables``, registers every count it shows
with the population it counts (``ctx.count``), asks for its figures (``ctx.figure``) and
returns its :class:`~tpdn_outcomes.report.context.Section`. Suppression happens later, over
the whole release (:mod:`tpdn_outcomes.report.disclosure`). A new section is one function
and one entry in :data:`SECTIONS`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import quarter_bounds
from tpdn_outcomes.mcid import registry as mcid_registry
from tpdn_outcomes.mdc import mdc_registry
from tpdn_outcomes.outcomes import (
    UNCONTROLLED_CAVEAT,
    adverse_event_rates,
    change_summary,
    describe_signals,
    function_change,
    immediate_change,
    monthly_control_chart,
    responder_rates,
    rom_change,
    table_one,
    time_to_response,
    twitch_association,
)
from tpdn_outcomes.outcomes.responders import responder_flags
from tpdn_outcomes.report import registry_sections as registry
from tpdn_outcomes.report.context import (
    HIDDEN,
    SECONDARY,
    Context,
    Section,
    previous_quarter,
    rounded,
    suppressed_label,
    window_label,
)
from tpdn_outcomes.report.disclosure import bounded_rate

ALL = "All conditions"


def _ids(frame: pd.DataFrame, column: str, mask: Any = None) -> np.ndarray:
    values = frame[column] if mask is None else frame.loc[np.asarray(mask, dtype=bool), column]
    return values.astype(str).to_numpy()


def _figure(draw: Callable[[Any], Any], width: float = 7.5, height: float = 4.0) -> Any:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    draw(ax)
    plt.close(fig)
    return fig


def _excluded_ids(ctx: Context, mask: Any = None) -> np.ndarray:
    excl = ctx.data.exclusions
    if not len(excl):
        return np.array([], dtype=object)
    rows = excl["row"] if mask is None else excl.loc[np.asarray(mask, dtype=bool), "row"]
    return np.array([f"excluded row {r}" for r in rows], dtype=object)


# ---------------------------------------------------------------------------
# key figures
# ---------------------------------------------------------------------------


_KEY_LINES = [
    "Patients seen", "Sessions", "Episodes ending in the period",
    "  of which completed (analysed)", "  of which still open (reported apart)",
    "Mean pain change, NPRS points (95% CI)",
    "Moderate pain responders, >= 2 points or 30 % (95% CI)",
    "Sessions with any side effect",
]  # fmt: skip


def _side_effect_masks(s: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Sessions with a side-effect entry, and those whose entry names an event."""
    if not len(s):
        return np.zeros(0, bool), np.zeros(0, bool)
    recorded = s["adverse_events"].notna().to_numpy(dtype=bool)
    named = (s["adverse_events"].astype("string").fillna("none") != "none").to_numpy(dtype=bool)
    return recorded, recorded & named


def _key_statistics(ctx: Context, column: str, sc: Any) -> None:
    """Rows 5-7 of the key figures of one period, their counts registered."""
    table = ctx.tables["key_figures"]
    table.at[5, column] = table.at[6, column] = HIDDEN
    if sc.completed is not None:
        cs = change_summary(sc.completed, measure="pain", by=None).iloc[0]
        if cs["n"] >= ctx.min_cell or (ctx.internal and cs["n"] > 0):
            # a mean does not give its n: no count to register (flagged when internal)
            table.at[5, column] = (
                f"{cs['mean_change']:.2f} ({cs['ci_low']:.2f} to {cs['ci_high']:.2f})"
            )
            if cs["n"] < ctx.min_cell:
                ctx.flag("key_figures", 5, column)
        rr = responder_rates(sc.completed, measure="pain", by=None, method="wilson")
        mod = rr[rr["definition"] == "moderate"].iloc[0]
        if mod["n"] > 0:
            table.at[6, column] = (
                f"{100 * mod['rate']:.0f} % ({100 * mod['ci_low']:.0f} to "
                f"{100 * mod['ci_high']:.0f} %)"
            )
        ep = sc.completed.episodes("pain")
        has = ep["change"].notna().to_numpy(dtype=bool)
        resp = responder_flags(ep, "pain", "moderate")
        _key_rate(ctx, 6, column, "episode", _ids(ep, "episode_id", resp),
                  _ids(ep, "episode_id", has & ~resp))  # fmt: skip
    s = sc.sessions_in_quarter
    recorded, event = _side_effect_masks(s)
    table.at[7, column] = (
        f"{100 * event.sum() / recorded.sum():.1f} %" if recorded.any() else HIDDEN
    )
    if recorded.any():
        _key_rate(ctx, 7, column, "session", _ids(s, "session_id", event),
                  _ids(s, "session_id", recorded & ~event))  # fmt: skip


def _key_rate(
    ctx: Context, row: int, column: str, unit: str, hit: np.ndarray, miss: np.ndarray
) -> None:
    """Register a key figure's rate: its numerator and complement (a rate with its interval
    gives both back), or, in an external report whose one count is small, show the rate as
    a bound ("≥ 70 %", :func:`~tpdn_outcomes.report.disclosure.bounded_rate`) and register
    the two counts as unpublished with the bound."""
    bounded = None if ctx.internal else bounded_rate(len(hit), len(miss), ctx.min_cell)
    if bounded is None:
        for ids in (hit, miss):
            ctx.count("key_figures", row, column, unit, ids, value=len(ids),
                      as_statistic=True, keep=True)  # fmt: skip
        return
    cells = [ctx.count("key_figures", row, column, unit, ids, published=False)
             for ids in (hit, miss)]  # fmt: skip
    for coefs, lower, upper in bounded.rows():
        ctx.ledger.bound(cells, coefs, lower=lower, upper=upper,
                         table=f"{ctx.name} / key_figures", row=row, column=column)  # fmt: skip
    ctx.tables["key_figures"].at[row, column] = bounded.text


def key_figures(ctx: Context) -> Section:
    """Counts, pain change, responders and side effects: the quarter, two before, the year."""
    year = window_label(ctx.quarter, 4)
    periods = {
        ctx.quarter: ctx.scope(ctx.quarter),
        previous_quarter(ctx.quarter, 1): ctx.scope(previous_quarter(ctx.quarter, 1)),
        previous_quarter(ctx.quarter, 4): ctx.scope(previous_quarter(ctx.quarter, 4)),
        year: ctx.scope(ctx.quarter, 4),
    }
    table = pd.DataFrame({"figure": _KEY_LINES}, dtype=object)
    ctx.tables["key_figures"] = table
    for column, sc in periods.items():
        s = sc.sessions_in_quarter
        is_open = sc.ending["open"].fillna(False).to_numpy(dtype=bool)
        counts: list[tuple[str, np.ndarray]] = [
            ("patient", _ids(s, "patient_id")),
            ("session", _ids(s, "session_id")),
            ("episode", _ids(sc.ending, "episode_id")),
            ("episode", _ids(sc.ending, "episode_id", ~is_open)),
            ("episode", _ids(sc.ending, "episode_id", is_open)),
        ]
        table[column] = pd.Series(
            [len(pd.unique(ids)) for _, ids in counts] + [None] * 3, dtype=object
        )
        for i, (unit, ids) in enumerate(counts):
            ctx.count("key_figures", i, column, unit, ids, keep=True)
        _key_statistics(ctx, column, sc)
    ctx.captions["key_figures"] = (
        f"Key figures: {ctx.quarter}, the quarter before, the same quarter a year earlier and "
        f"the {year}"
    )
    return Section("key", "Key figures", "This quarter at a glance, beside the quarter before, "
                   "the same quarter a year earlier and the trailing year (the four quarters "
                   f"ending with {ctx.quarter}).", ["key_figures"])  # fmt: skip


# ---------------------------------------------------------------------------
# data flow
# ---------------------------------------------------------------------------


def data_flow(ctx: Context) -> Section:
    """From the file to the analysis: rows read, excluded, in scope, ending, analysed."""
    data, sc, q = ctx.data, ctx.scope(), ctx.quarter
    is_open = sc.ending["open"].fillna(False).to_numpy(dtype=bool)
    excl = data.exclusions
    lines: list[tuple[str, str, np.ndarray]] = [
        ("Rows read from the file", "session",
         np.concatenate([_ids(data.sessions, "session_id"), _excluded_ids(ctx)])),
        ("Rows excluded by the checks", "session", _excluded_ids(ctx)),
        ("Sessions loaded (all quarters)", "session", _ids(data.sessions, "session_id")),
        ("Sessions in this report's scope (all quarters)", "session",
         _ids(ctx.scope_data.sessions, "session_id")),
        (f"Sessions dated in {q}", "session", _ids(sc.sessions_in_quarter, "session_id")),
        (f"Episodes ending in {q}", "episode", _ids(sc.ending, "episode_id")),
        ("  still open at the data's end (reported apart)", "episode",
         _ids(sc.ending, "episode_id", is_open)),
        ("  completed: analysed", "episode", _ids(sc.ending, "episode_id", ~is_open)),
    ]  # fmt: skip
    if sc.completed is not None:
        ep = sc.completed.episodes("pain")
        notes = ep["note"].astype(str)
        for reason in notes[notes != ""].value_counts().index:
            lines.append((f"    without a pain change: {reason}", "episode",
                          _ids(ep, "episode_id", notes == reason)))  # fmt: skip
    if len(excl):
        reasons = excl["reason"].astype(str)
        for reason in reasons.value_counts().index:
            lines.append((f"  excluded row: {reason}", "session",
                          _excluded_ids(ctx, reasons == reason)))  # fmt: skip
    ctx.tables["data_flow"] = pd.DataFrame(
        {"step": [s for s, _, _ in lines], "count": [len(pd.unique(i)) for _, _, i in lines]}
    )
    for i, (_, unit, ids) in enumerate(lines):
        ctx.count("data_flow", i, "count", unit, ids)
    ctx.captions["data_flow"] = "From the file to the analysis"
    return Section("flow", "Data flow", "What was read, what was excluded and why, and what "
                   "was analysed. Episodes still open are counted apart.", ["data_flow"])  # fmt: skip


# ---------------------------------------------------------------------------
# Table 1
# ---------------------------------------------------------------------------


def who_was_treated(ctx: Context) -> Section:
    """Table 1 of the window's completed episodes (all together), every count registered.

    Not by condition: at a clinic's size nearly every age band or sex of a condition is a
    small count (the pain table gives each condition's number and baseline).
    """
    done = ctx.pooled
    if done is None:
        ctx.tables["table_one"] = pd.DataFrame({"variable": ["no completed episodes"]})
    else:
        t1 = table_one(done, by=None, measures=["pain"])
        tab, groups = t1.table, [str(g) for g in t1.groups]
        view = t1.formatted().drop(columns=["SMD", "Overall"]).reset_index(drop=True)
        ctx.tables["table_one"] = view
        ep = done.episodes("pain")
        columns = groups

        def in_group(g: str) -> np.ndarray:
            return np.ones(len(ep), bool)

        labels = view["variable"].astype(str).tolist()
        n_row, p_row = labels.index("n_episodes"), labels.index("n_patients")
        # rows of means and medians: hidden with their group's count
        summaries = [i for i, lab in enumerate(labels) if not lab.startswith(" ")
                     and not lab.endswith("(%)") and i not in (n_row, p_row)]  # fmt: skip
        group_cell = {}
        for g in columns:
            group_cell[g] = ctx.count("table_one", n_row, g, "episode",
                                      _ids(ep, "episode_id", in_group(g)),
                                      dependent_cells=[(i, g) for i in summaries])  # fmt: skip
            ctx.count("table_one", p_row, g, "patient", _ids(ep, "patient_id", in_group(g)),
                      parent=group_cell[g])  # fmt: skip
        for variable in tab.loc[tab["kind"] == "categorical", "variable"].unique():
            head = labels.index(f"{variable} (%)")
            levels = list(dict.fromkeys(tab.loc[tab["variable"] == variable, "level"]))
            values = ep[variable].astype("string")
            for offset, level in enumerate(levels, start=1):
                is_level = (values == str(level)).fillna(False).to_numpy(bool)
                for g in columns:
                    mask = is_level & in_group(g)
                    ctx.count("table_one", head + offset, g, "episode",
                              _ids(ep, "episode_id", mask), value=int(mask.sum()),
                              parent=group_cell[g])  # fmt: skip
            missing = values.isna().to_numpy(bool)
            ctx.count("table_one", head, "Missing", "episode", _ids(ep, "episode_id", missing),
                      value=int(missing.sum()))  # fmt: skip
    ctx.captions["table_one"] = (
        f"Table 1: the completed episodes of the {ctx.window_label}"
        if ctx.window > 1
        else f"Table 1: the completed episodes of {ctx.quarter}"
    )
    return Section("table1", "Who was treated", "Baseline characteristics of the completed "
                   "episodes of the period the tables by condition cover.",
                   ["table_one"])  # fmt: skip


# ---------------------------------------------------------------------------
# pain
# ---------------------------------------------------------------------------

_STATS = ["mean_baseline", "mean_final", "mean_change", "ci_low", "ci_high", "median_change"]


def _register_change_rows(
    ctx: Context, table: str, ep: pd.DataFrame, keys: list[str], dependents: list[str]
) -> dict[Any, int]:
    """Register each row's ``n`` (the episodes of its group with a change); their cells."""
    frame = ctx.tables[table]
    cells = {}
    has = ep["change"].notna().to_numpy(bool)
    for i, row in frame.iterrows():
        mask = has.copy()
        for k in keys:
            if row[k] != ALL:
                mask &= (ep[k].astype(str) == str(row[k])).to_numpy(bool)
        cells[i] = ctx.count(table, i, "n", "episode", _ids(ep, "episode_id", mask),
                             dependents=dependents, keep=ALL in set(row[keys]))  # fmt: skip
    return cells


def pain(ctx: Context) -> Section:
    """Pain change and responders by condition, with an all-conditions row."""
    done = ctx.pooled
    notes: list[str] = []
    if done is not None:
        cs = pd.concat([change_summary(done, measure="pain", by="condition"),
                        change_summary(done, measure="pain", by=None).assign(condition=ALL)],
                       ignore_index=True)  # fmt: skip
        rr = pd.concat([responder_rates(done, measure="pain", by="condition"),
                        responder_rates(done, measure="pain", by=None).assign(condition=ALL)],
                       ignore_index=True)  # fmt: skip
        table = cs[["condition", "n", *_STATS]].copy()
        table["condition"] = table["condition"].astype(str)
        rr["condition"] = rr["condition"].astype(str)
        for definition in ("moderate", "substantial"):
            part = rr[rr["definition"] == definition].set_index("condition")
            table[f"{definition}_responders"] = (
                part["responders"].reindex(table["condition"]).to_numpy()
            )
            table[f"{definition}_rate"] = part["rate"].reindex(table["condition"]).to_numpy()
        rates = ["moderate_rate", "substantial_rate"]
        ctx.tables["pain"] = rounded(table, rates)
        ep = done.episodes("pain")
        n_cells = _register_change_rows(ctx, "pain", ep, ["condition"], _STATS + rates)
        has = ep["change"].notna().to_numpy(bool)
        cond = ep["condition"].astype(str)
        for definition in ("moderate", "substantial"):
            hit = responder_flags(ep, "pain", definition)
            for i, row in table.iterrows():
                group = has & (
                    (cond == row["condition"]).to_numpy(bool) | (row["condition"] == ALL)
                )
                ctx.count("pain", i, f"{definition}_responders", "episode",
                          _ids(ep, "episode_id", group & hit), dependents=[f"{definition}_rate"],
                          parent=n_cells[i], keep=row["condition"] == ALL)  # fmt: skip
                ctx.count("pain", i, f"{definition}_responders", "episode",
                          _ids(ep, "episode_id", group & ~hit), published=False)  # fmt: skip
        imm = immediate_change(done, measure="pain", by="condition")
        imm = imm[["condition", "n", "mean_change", "ci_low", "ci_high"]].copy()
        imm["condition"] = imm["condition"].astype(str)
        ctx.tables["pain_immediate"] = rounded(imm)
        sch = done.session_changes("pain")
        sch = sch[sch["change"].notna()]
        for i, row in imm.iterrows():
            mask = (sch["condition"].astype(str) == row["condition"]).to_numpy(bool)
            ctx.count("pain_immediate", i, "n", "episode", _ids(sch, "episode_id", mask),
                      dependents=["mean_change", "ci_low", "ci_high"])  # fmt: skip
        notes = [UNCONTROLLED_CAVEAT]
        by_condition = cs[cs["condition"].astype(str) != ALL]

        def draw(c: Context) -> Any:
            rows = [i for i in range(len(by_condition)) if c.published("pain", i)]
            if not rows:
                return None
            from tpdn_outcomes.plots import plot_change_by_condition

            kept = by_condition.iloc[rows]
            return _figure(
                lambda ax: plot_change_by_condition(kept, improvement=True, mcid=2, ax=ax)
            )

        ctx.figure("pain_change", draw)
    ctx.captions["pain"] = (
        f"Pain (NPRS 0-10), {ctx.window_label}: change from baseline to final, and responders"
    )
    ctx.captions["pain_immediate"] = (
        f"Pain, {ctx.window_label}: within-session change (post - pre needling)"
    )
    ctx.captions["pain_change"] = (
        "Mean improvement in pain (NPRS points) by condition with 95% confidence intervals; "
        "dashed line: the 2-point MCID. Conditions whose count is not published are not drawn."
    )
    return Section("pain", "Pain", "Change from the first to the last pain score of each "
                   "episode, and the share of episodes that improved by a clinically meaningful "
                   "amount.", ["pain", "pain_immediate"], ["pain_change"], notes)  # fmt: skip


# ---------------------------------------------------------------------------
# ROM, function
# ---------------------------------------------------------------------------


def _by_measure(
    ctx: Context, table: str, result: pd.DataFrame, columns: list[str], dependents: list[str]
) -> None:
    """Show ``columns`` of a by-measure-and-condition result; register each row's counts."""
    done = ctx.pooled
    assert done is not None
    frame = result[columns].copy()
    keys = frame["measure"].astype(str)  # the measure's key: for the registration, not shown
    frame["measure"] = keys.map(lambda m: schema.measure_spec(m).label)
    frame["condition"] = frame["condition"].astype(str)
    frame = rounded(frame)
    ctx.tables[table] = frame
    for measure in keys.unique():
        ep = done.episodes(measure)
        has = ep["change"].notna().to_numpy(bool)
        for i in np.flatnonzero((keys == measure).to_numpy()).tolist():
            row = frame.iloc[i]
            mask = has & (ep["condition"].astype(str) == str(row["condition"])).to_numpy(bool)
            n_cell = ctx.count(table, frame.index[i], "n", "episode",
                               _ids(ep, "episode_id", mask), dependents=dependents)  # fmt: skip
            if "n_beyond_mdc" in frame and pd.notna(row["n_beyond_mdc"]):
                beyond = mask & (ep["improvement"].to_numpy(float) >= float(row["mdc"]))
                ctx.count(table, frame.index[i], "n_beyond_mdc", "episode",
                          _ids(ep, "episode_id", beyond), parent=n_cell)  # fmt: skip
                ctx.count(table, frame.index[i], "n_beyond_mdc", "episode",
                          _ids(ep, "episode_id", mask & ~beyond), published=False)  # fmt: skip


def range_of_motion(ctx: Context) -> Section:
    """ROM change by site and condition, and the episodes beyond the site's MDC."""
    done = ctx.pooled
    if done is not None and any(m.startswith("rom:") for m in done.measure_names()):
        rom = rom_change(done, by="condition")
        stats = ["mean_change", "ci_low", "ci_high", "mean_change_pct_normal"]
        columns = ["measure", "condition", "n", *stats, "mdc", "n_beyond_mdc"]
        _by_measure(ctx, "rom", rom, columns, [*stats, "n_beyond_mdc"])

        def draw(c: Context) -> Any:
            keep = [i for i in range(len(rom)) if c.published("rom", i)]
            if not keep:
                return None
            from tpdn_outcomes.plots import plot_rom_change

            kept = rom.iloc[keep]
            return _figure(lambda ax: plot_rom_change(kept, ax=ax), height=0.45 * len(kept) + 1.6)

        ctx.figure("rom_change", draw)
    ctx.captions["rom"] = (
        f"Range of motion by site, {ctx.window_label} (degrees; mouth opening in mm)"
    )
    ctx.captions["rom_change"] = (
        "Mean change in range of motion as a percent of each site's normative range with 95% "
        "CI; vertical ticks: the minimal detectable change. Sites and conditions whose count "
        "is not published are not drawn."
    )
    return Section("rom", "Range of motion", "Change in degrees (mm for mouth opening), as a "
                   "percent of the normative range, and the episodes whose change reached the "
                   "site's minimal detectable change.", ["rom"], ["rom_change"])  # fmt: skip


def function(ctx: Context) -> Section:
    """Function and disability change by instrument and condition."""
    done = ctx.pooled
    if done is not None and any(m.startswith("function:") for m in done.measure_names()):
        fn = function_change(done, by="condition")
        stats = ["mean_baseline", "mean_change", "ci_low", "ci_high", "mean_improvement"]
        _by_measure(ctx, "function", fn, ["measure", "condition", "n", *stats], stats)
    ctx.captions["function"] = f"Function and disability by instrument, {ctx.window_label}"
    return Section("function", "Function", "Change on each function or disability "
                   "instrument; improvement is signed so that positive is better.",
                   ["function"])  # fmt: skip


# ---------------------------------------------------------------------------
# time to relief
# ---------------------------------------------------------------------------


def time_to_relief(ctx: Context) -> Section:
    """Kaplan-Meier median days to a meaningful pain response, by condition."""
    done = ctx.pooled
    notes: list[str] = []
    if done is not None:
        ttr = time_to_response(done, measure="pain", by="condition")
        tt = ttr.summary[["condition", "n", "n_events", "median", "median_ci_low",
                          "median_ci_high"]].copy()  # fmt: skip
        tt["condition"] = tt["condition"].astype(str)
        ctx.tables["time_to_relief"] = rounded(tt)
        per = ttr.episodes
        per = per[per["time"].notna()]  # the curves use the episodes with a time
        cond = per["condition"].astype(str)
        event = per["event"].to_numpy(bool)
        for i, row in tt.iterrows():
            group = (cond == row["condition"]).to_numpy(bool)
            n_cell = ctx.count("time_to_relief", i, "n", "episode",
                               _ids(per, "episode_id", group),
                               dependents=["median", "median_ci_low", "median_ci_high"])  # fmt: skip
            ctx.count("time_to_relief", i, "n_events", "episode",
                      _ids(per, "episode_id", group & event), parent=n_cell)  # fmt: skip
            ctx.count("time_to_relief", i, "n_events", "episode",
                      _ids(per, "episode_id", group & ~event), published=False)  # fmt: skip

        def draw(c: Context) -> Any:
            shown = {
                str(r["condition"]) for i, r in tt.iterrows() if c.published("time_to_relief", i)
            }
            if not shown:
                return None
            from tpdn_outcomes.plots import plot_time_to_response

            drawn = dataclasses.replace(
                ttr, curves={k: v for k, v in ttr.curves.items() if str(k) in shown}
            )
            return _figure(
                lambda ax: plot_time_to_response(
                    drawn, min_n=c.min_cell, min_at_risk=c.min_cell, ci=False,
                    risk_table=False, ax=ax,
                ),
                width=9.5, height=4.0,
            )  # fmt: skip

        ctx.figure("time_to_relief", draw)
        notes = [
            f"Response: {ttr.rule} against the episode's first pain score. Episodes that stop "
            "coming before responding are censored at their last session."
        ]
    ctx.captions["time_to_relief"] = (
        f"Days to a meaningful pain response, {ctx.window_label}: Kaplan-Meier median (95% CI)"
    )
    return Section("relief", "Time to relief", "How many days it took until pain had improved "
                   "by a clinically meaningful amount.", ["time_to_relief"], ["time_to_relief"],
                   notes)  # fmt: skip


# ---------------------------------------------------------------------------
# side effects
# ---------------------------------------------------------------------------


def side_effects(ctx: Context) -> Section:
    """Share of sessions and of patients with each side effect in the quarter."""
    # the quarter alone: not a table by condition, and a small clinic's quarter has enough
    # sessions (pooling a year's sessions cost 4x the ledger's work at 250k a quarter)
    q_sessions = ctx.scope_data.filter(quarter=ctx.quarter)
    s = q_sessions.sessions
    if len(s) and s["adverse_events"].notna().any():
        ae = adverse_event_rates(q_sessions, by=None)
        table = ae[["event", "unit", "n", "events", "rate", "ci_low", "ci_high"]].copy()
        ctx.tables["adverse_events"] = rounded(table, ["rate", "ci_low", "ci_high"])
        recorded = s["adverse_events"].notna().to_numpy(bool)
        # the entries are few distinct texts: split each once (a window has many sessions)
        codes, entries = pd.factorize(s["adverse_events"].astype("string").fillna(""))
        words = [str(e).split(";") for e in entries]
        for i, row in table.iterrows():
            if row["event"] == "any":
                has = recorded & ~np.array([w == ["none"] for w in words], bool)[codes]
            else:
                named = np.array([str(row["event"]) in w for w in words], bool)
                has = named[codes] & recorded
            id_col = "session_id" if row["unit"] == "session" else "patient_id"
            hit = _ids(s, id_col, has)
            all_ids = _ids(s, id_col, recorded)
            n_cell = ctx.count("adverse_events", i, "n", str(row["unit"]), all_ids,
                               dependents=["rate", "ci_low", "ci_high"])  # fmt: skip
            ctx.count("adverse_events", i, "events", str(row["unit"]), hit,
                      dependents=["rate", "ci_low", "ci_high"], parent=n_cell)  # fmt: skip
            without = all_ids[~pd.Series(all_ids).isin(hit).to_numpy(bool)]
            ctx.count("adverse_events", i, "events", str(row["unit"]), without, published=False)
    ctx.captions["adverse_events"] = (
        f"Side effects in the sessions dated in {ctx.quarter}: share of sessions and of "
        "patients (exact 95% CI)"
    )
    return Section("safety", "Side effects", "Per session and per patient; sessions without an "
                   "entry are counted as not recorded, never as event-free.",
                   ["adverse_events"])  # fmt: skip


# ---------------------------------------------------------------------------
# practitioner role and twitch
# ---------------------------------------------------------------------------


def breakdowns(ctx: Context) -> Section:
    """Pain change by practitioner role, and with and without a twitch response."""
    done = ctx.pooled
    if done is not None:
        role = change_summary(done, measure="pain", by="practitioner_role")
        table = role[["practitioner_role", "n", "mean_change", "ci_low", "ci_high"]].copy()
        table["practitioner_role"] = table["practitioner_role"].astype(str)
        ctx.tables["by_role"] = rounded(table)
        ep = done.episodes("pain")
        _register_change_rows(ctx, "by_role", ep, ["practitioner_role"],
                              ["mean_change", "ci_low", "ci_high"])  # fmt: skip
        tw = twitch_association(done, measure="pain", by=None)
        cols = ["n_twitch", "n_no_twitch", "mean_change_twitch", "mean_change_no_twitch",
                "difference", "ci_low", "ci_high", "adjusted_difference", "adjusted_ci_low",
                "adjusted_ci_high"]  # fmt: skip
        ctx.tables["twitch"] = rounded(tw[cols].reset_index(drop=True))
        use = (ep["note"].astype(str) == "").to_numpy(bool) & ep["change"].notna().to_numpy(bool)
        twitch = ep["twitch_response"].astype("boolean")
        stats = cols[2:]
        for column, flag in (("n_twitch", True), ("n_no_twitch", False)):
            mask = use & (twitch == flag).fillna(False).to_numpy(bool)
            ctx.count("twitch", 0, column, "episode", _ids(ep, "episode_id", mask),
                      dependents=stats)  # fmt: skip
    ctx.captions["by_role"] = f"Pain change by practitioner role, {ctx.window_label}"
    ctx.captions["twitch"] = (
        f"Pain change with and without a local twitch response, {ctx.window_label} (an "
        "association, not an effect)"
    )
    return Section("breakdowns", "Practitioner role and twitch response", "",
                   ["by_role", "twitch"])  # fmt: skip


# ---------------------------------------------------------------------------
# monitoring
# ---------------------------------------------------------------------------


def monitoring(ctx: Context) -> Section:
    """Monthly XmR charts of pain change, responders and side effects."""
    upto = ctx.scope_data.filter(end=str(quarter_bounds(ctx.quarter)[1].date()))
    metrics: list[tuple[Literal["mean_change", "responder_rate", "adverse_event_rate"], str]] = [
        ("mean_change", "Mean pain change of completed episodes"),
        ("responder_rate", "Share of moderate pain responders"),
        ("adverse_event_rate", "Share of sessions with a side effect"),
    ]
    signals = []
    figures = []
    for metric, title in metrics:
        try:
            chart = monthly_control_chart(upto, metric=metric, kind="xmr", min_n=ctx.min_cell)
        except ValueError:
            continue
        key = f"monthly_{metric}"
        figures.append(key)

        def draw(c: Context, chart: pd.DataFrame = chart) -> Any:
            from tpdn_outcomes.plots import plot_control_chart

            return _figure(lambda ax: plot_control_chart(chart, ax=ax), height=3.6)

        ctx.figure(key, draw)
        ctx.captions[key] = (
            f"{title} per month (individuals chart: centre line and control limits from all "
            f"months shown; months with fewer than {ctx.min_cell} left out)."
        )
        signals.append({"chart": title, "signals": " ".join(describe_signals(chart))})
    if signals:
        ctx.tables["monthly_signals"] = pd.DataFrame(signals)
    ctx.captions["monthly_signals"] = "What the monthly charts show"
    return Section("monitoring", "Monthly monitoring", "Control charts separate the "
                   "month-to-month variation expected of a stable service from signals worth a "
                   "look: a point outside the limits, a long run on one side, too few crossings, "
                   "or a steady trend.", ["monthly_signals"], figures)  # fmt: skip


# ---------------------------------------------------------------------------
# methods and appendix
# ---------------------------------------------------------------------------


def _privacy_text(min_cell: int, audience: str) -> str:
    label = suppressed_label(min_cell)
    if audience == "internal":
        return (
            "Audience: internal. This report is for the clinic's own quality review and must "
            "not leave the clinic: nothing is suppressed. Every count from 1 to "
            f"{min_cell - 1}, and every statistic computed from fewer than {min_cell} "
            'episodes, is flagged "small n" in the table\'s last column (Note), with its '
            "interval shown; such numbers are imprecise and identify few patients. "
        )
    return (
        f"Audience: external. Privacy: any count from 1 to {min_cell - 1} is shown as {label}; "
        f"a count hidden so that such a count cannot be worked out from the others is shown "
        f"as {SECONDARY}; statistics of a hidden count are shown as {HIDDEN}, and groups whose "
        "count is hidden are not drawn. Which counts to hide is decided over every report of "
        "the run together (the all-clinics report, each clinic's report, the earlier quarters "
        "and the pooled tables beside the current quarter), and audited: for every hidden "
        "count an intruder's linear programmes over everything published give its smallest "
        f"and largest possible value, and the reports are written only when every count "
        f"shown as {label} could still be anything from 1 to {min_cell - 1} (and the interval "
        f"is at least {min_cell - 1} wide). "
    )


def methods_text(min_cell: int, *, audience: str = "external", window: int = 4) -> str:
    """The methods paragraph: definitions, pooling, the audience's disclosure rules.

    Examples
    --------
    >>> "must not leave the clinic" in methods_text(11, audience="internal")
    True
    >>> "12 months" in methods_text(11, window=4), "quarter alone" in methods_text(11, window=1)
    (True, True)
    """
    pooled = (
        "the quarter alone" if window == 1
        else f"the {3 * window} months ending with the quarter ({window} quarters)"
    )  # fmt: skip
    return (
        "An episode is a course of treatment of one patient for one condition (a gap of more "
        "than 90 days starts a new one). Its change is the last post-needling score minus the "
        "first pre-needling score (final - baseline); for pain, negative is better. An episode "
        "is open when its last session lies within 30 days of the data's end (one date for "
        "every report of a run). The key figures count the patients and sessions seen in each "
        "period and the episodes whose last session falls in it; the mean pain change is "
        "that of the completed episodes with a pain change, with its 95% t interval, and the "
        "moderate responder rate (pain down by at least 2 points or 30 %) is the share of "
        "those episodes, with its Wilson score interval (responder_rates, method='wilson'); "
        "the side-effect rate is the share of the period's sessions with a side-effect entry "
        "that name an event. The trailing year is the four quarters ending with the quarter. "
        f"The tables by condition pool the completed episodes ending in {pooled} (their "
        "captions name the period); conditions with fewer than "
        f'{min_cell} completed episodes in that period are grouped as "Other conditions" '
        "before anything is suppressed, and the all-conditions row is shown whenever it can "
        "be published. Intervals are 95% t intervals for means, Wilson intervals for "
        "responder rates, exact (Clopper-Pearson) intervals for side effects. "
        + _privacy_text(min_cell, audience)
        + "Statistics are stored at the precision shown. "
        "Caveats: these are uncontrolled before/after data from routine care. Change from "
        "baseline includes natural recovery, regression to the mean (patients come when pain "
        "is high) and placebo response; it is not a treatment effect. Percent change is "
        "shown only as a display; analyses use change in each instrument's units. "
        + registry.REGISTRY_METHODS
    )


def methods(ctx: Context) -> Section:
    """Definitions, the disclosure rules, and the MCID and MDC thresholds used."""
    ctx.tables["mcid"] = mcid_registry()[["instrument", "definition", "threshold", "kind",
                                          "citation"]]  # fmt: skip
    ctx.captions["mcid"] = "Clinically meaningful change thresholds used"
    ctx.tables["mdc"] = mdc_registry()[["site", "mdc", "unit", "confidence", "citation"]]
    ctx.captions["mdc"] = "Minimal detectable change of each ROM site"
    text = methods_text(ctx.min_cell, audience=ctx.audience, window=ctx.window)
    return Section("methods", "Methods and definitions", text,
                   ["mcid", "mdc"])  # fmt: skip


def appendix(ctx: Context) -> Section:
    """The data-quality findings of the checks (counts of findings, not of people)."""
    counts = ctx.data.report.counts()
    ctx.tables["data_quality"] = (
        counts if len(counts) else pd.DataFrame({"check": [], "severity": [], "n": []})
    )
    ctx.captions["data_quality"] = "Appendix: data-quality findings of the checks"
    return Section("appendix", "Appendix: data quality", "", ["data_quality"])


#: The report's sections in order.
SECTIONS: list[Callable[[Context], Section | None]] = [
    registry.first_page,
    key_figures,
    registry.trends,
    data_flow,
    who_was_treated,
    pain,
    range_of_motion,
    time_to_relief,
    function,
    side_effects,
    registry.risk_adjusted,
    registry.efficiency_section,
    registry.completeness_section,
    breakdowns,
    monitoring,
    methods,
    appendix,
    registry.trends_appendix,
]

__all__ = ["ALL", "SECTIONS", "methods_text"]
