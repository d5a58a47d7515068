"""Build the quarterly outcome report: tables and figures for one clinic and quarter."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import numpy as np
import pandas as pd

from tpdn_outcomes import __version__, schema
from tpdn_outcomes.data import SessionData, quarter_bounds
from tpdn_outcomes.mcid import registry as mcid_registry
from tpdn_outcomes.mdc import mdc_registry
from tpdn_outcomes.outcomes import (
    UNCONTROLLED_CAVEAT,
    adverse_event_rates,
    change_summary,
    clinic_benchmark,
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
from tpdn_outcomes.report.suppress import complementary, primary

#: The default smallest count shown in a report.
MIN_CELL = 11


def suppressed_label(min_cell: int) -> str:
    """How a suppressed count is shown (``"<11"`` for ``min_cell=11``).

    Examples
    --------
    >>> suppressed_label(11), suppressed_label(5)
    ('<11', '<5')
    """
    return f"<{min_cell}"


HIDDEN = "—"  # a statistic hidden with its count


@dataclass
class Section:
    """One section of the report: a title, a few sentences, tables, figures and notes."""

    key: str
    title: str
    intro: str = ""
    tables: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    """A quarterly outcome report: suppressed tables, figures and their sections.

    Attributes
    ----------
    title, clinic, quarter : str
        What the report covers (``clinic`` is ``"All clinics"`` without ``clinic=``).
    period : tuple of Timestamp
        First and last day of the quarter.
    meta : dict
        Source file, its SHA-256, package version, generation time, ``min_cell``.
    tables : dict of DataFrame
        Every table as shown: counts below ``min_cell`` read ``"<11"`` and statistics
        computed from them ``"—"``; nothing here can recover a suppressed count.
    figures : dict of matplotlib Figure
        The figures, drawing only groups of at least ``min_cell`` patients.
    captions : dict of str
        Title of every table and alt text of every figure.
    sections : list of Section
        The order of the report.
    """

    title: str
    clinic: str
    quarter: str
    period: tuple[pd.Timestamp, pd.Timestamp]
    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    figures: dict[str, Any]
    captions: dict[str, str]
    sections: list[Section]

    def to_html(self, path: str | None = None) -> str:
        """Render as one self-contained HTML page; write it atomically when ``path`` given."""
        from tpdn_outcomes.report.render import render_html, write_text_atomic

        text = render_html(self)
        if path is not None:
            write_text_atomic(path, text)
        return text

    def to_pdf(self, path: str) -> None:
        """Render the same page to PDF with WeasyPrint (``pip install weasyprint``)."""
        from tpdn_outcomes.report.render import render_pdf

        render_pdf(self, path)

    def to_excel(self, path: str) -> None:
        """One sheet per table (formulas neutralised), written atomically."""
        from tpdn_outcomes.report.render import render_excel

        render_excel(self, path)

    def _repr_html_(self) -> str:
        from tpdn_outcomes.report.render import render_html

        return render_html(self, fragment=True)


# ---------------------------------------------------------------------------
# scope: which episodes and sessions a quarter covers
# ---------------------------------------------------------------------------


def _subset(data: SessionData, episode_ids: pd.Index, data_end: pd.Timestamp) -> SessionData:
    keep = data.sessions["episode_id"].isin(episode_ids).to_numpy(dtype=bool)
    sessions = data.sessions.loc[keep].reset_index(drop=True)
    measures = data.measures[data.measures["session_id"].isin(sessions["session_id"])]
    meta = dict(data.metadata)
    meta["data_end"] = str(pd.Timestamp(data_end).date())
    return SessionData(
        sessions,
        measures.reset_index(drop=True),
        metadata=meta,
        report=data.report,
        exclusions=data.exclusions,
        check=False,
    )


def _previous(quarter: str, back: int) -> str:
    start, _ = quarter_bounds(quarter)
    period = pd.Period(start, freq="Q") - back
    return f"{period.year}Q{period.quarter}"


@dataclass
class _Scope:
    quarter: str
    start: pd.Timestamp
    end: pd.Timestamp
    sessions_in_quarter: pd.DataFrame
    ending: pd.DataFrame  # pain episodes whose last session is in the quarter
    completed: SessionData | None


def _scope(data: SessionData, quarter: str, data_end: pd.Timestamp) -> _Scope:
    start, end = quarter_bounds(quarter)
    s = data.sessions
    in_q = s[(s["session_date"] >= start) & (s["session_date"] <= end)]
    ep = data.episodes("pain")
    ending = ep[(ep["last_date"] >= start) & (ep["last_date"] <= end)]
    done = ending[~ending["open"].fillna(False).to_numpy(dtype=bool)]
    completed = (
        _subset(data, pd.Index(done["episode_id"].astype(str)), data_end) if len(done) else None
    )
    return _Scope(quarter, start, end, in_q, ending, completed)


# ---------------------------------------------------------------------------
# helpers for suppressed display tables
# ---------------------------------------------------------------------------


def _hide_rows(
    table: pd.DataFrame,
    *,
    count: str,
    dependent: list[str],
    min_cell: int,
    total_published: bool = True,
) -> pd.DataFrame:
    """Hide rows whose ``count`` is small (and complements); blank their statistics."""
    n = table[count].to_numpy(dtype=float)
    hidden = complementary(
        n.reshape(-1, 1), primary(n, min_cell).reshape(-1, 1), min_cell=min_cell,
        row_totals=False, col_totals=total_published,
    ).ravel()  # fmt: skip
    out = table.astype(object)
    out.loc[hidden, count] = suppressed_label(min_cell)
    for col in dependent:
        out.loc[hidden, col] = HIDDEN
    return out


def _hide_counts(
    out: pd.DataFrame,
    *,
    k: str,
    n: str,
    dependent: list[str],
    min_cell: int,
    total_published: bool,
    source: pd.DataFrame,
) -> pd.DataFrame:
    """Hide ``k`` (and rates from it) where k or n - k is small, with complements."""
    kv = source[k].to_numpy(dtype=float)
    nv = pd.to_numeric(source[n], errors="coerce").to_numpy(dtype=float)
    small = primary(kv, min_cell) | primary(nv - kv, min_cell)
    hidden = complementary(
        kv.reshape(-1, 1), small.reshape(-1, 1), min_cell=min_cell, row_totals=False,
        col_totals=total_published,
    ).ravel()  # fmt: skip
    hidden &= ~out[k].astype(str).eq(HIDDEN).to_numpy()
    out.loc[hidden, k] = suppressed_label(min_cell)
    for col in dependent:
        out.loc[hidden, col] = HIDDEN
    return out


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------


@contextmanager
def _steps(
    names: list[str], enabled: bool, timings: dict[str, float]
) -> Iterator[Callable[[str], None]]:
    """Progress bar on stderr (when enabled) and seconds per step in ``timings``."""
    import time

    bar = None
    if enabled:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(names), desc="report", unit="step", leave=False)
    last = time.perf_counter()

    def step(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        timings[name] = round(now - last, 3)
        last = now
        if bar is not None:
            bar.set_postfix_str(name)
            bar.update(1)

    try:
        yield step
    finally:
        if bar is not None:
            bar.close()


def _key_figures(
    data: SessionData, quarter: str, data_end: pd.Timestamp, min_cell: int
) -> dict[str, Any]:
    sc = _scope(data, quarter, data_end)
    row: dict[str, Any] = {
        "sessions": len(sc.sessions_in_quarter),
        "patients": int(sc.sessions_in_quarter["patient_id"].nunique()),
        "episodes_ending": len(sc.ending),
        "episodes_completed": 0 if sc.completed is None else int(
            sc.completed.sessions["episode_id"].nunique()
        ),
        "episodes_open": int(sc.ending["open"].fillna(False).sum()),
    }  # fmt: skip
    row.update(mean_change=np.nan, ci_low=np.nan, ci_high=np.nan, n_change=0)
    row.update(responders=0, responder_rate=np.nan)
    if sc.completed is not None:
        cs = change_summary(sc.completed, measure="pain", by=None).iloc[0]
        row.update(
            mean_change=cs["mean_change"], ci_low=cs["ci_low"], ci_high=cs["ci_high"],
            n_change=int(cs["n"]),
        )  # fmt: skip
        rr = responder_rates(sc.completed, measure="pain", by=None)
        mod = rr[rr["definition"] == "moderate"].iloc[0]
        row.update(responders=int(mod["responders"]), responder_rate=mod["rate"])
    s = sc.sessions_in_quarter
    if "adverse_events" in s and len(s):
        recorded = s["adverse_events"].notna().to_numpy(dtype=bool)
        text = s["adverse_events"].astype("string").fillna("none")
        any_event = (text != "none").to_numpy(dtype=bool)
        row["ae_sessions"] = int((recorded & any_event).sum())
        row["ae_recorded"] = int(recorded.sum())
    else:
        row["ae_sessions"] = row["ae_recorded"] = 0
    row["ae_rate"] = row["ae_sessions"] / row["ae_recorded"] if row["ae_recorded"] else np.nan
    return row


def _key_table(rows: dict[str, dict[str, Any]], min_cell: int) -> pd.DataFrame:
    label = suppressed_label(min_cell)
    lines = []

    def count(value: int) -> object:
        return label if 0 < value < min_cell else value

    specs = [
        ("Patients seen", "patients"),
        ("Sessions", "sessions"),
        ("Episodes ending in the quarter", "episodes_ending"),
        ("  of which completed (analysed)", "episodes_completed"),
        ("  of which still open (reported apart)", "episodes_open"),
    ]
    for name, key in specs:
        lines.append({"figure": name, **{q: count(r[key]) for q, r in rows.items()}})
    change = {}
    rate = {}
    ae = {}
    for q, r in rows.items():
        if r["n_change"] < min_cell:
            change[q] = HIDDEN
        else:
            change[q] = f"{r['mean_change']:.2f} ({r['ci_low']:.2f} to {r['ci_high']:.2f})"
        k, n = r["responders"], r["n_change"]
        if n < min_cell or 0 < k < min_cell or 0 < n - k < min_cell:
            rate[q] = HIDDEN
        else:
            rate[q] = f"{100 * r['responder_rate']:.0f} %"
        k, n = r["ae_sessions"], r["ae_recorded"]
        if n == 0 or 0 < k < min_cell or 0 < n - k < min_cell:
            ae[q] = HIDDEN
        else:
            ae[q] = f"{100 * r['ae_rate']:.1f} %"
    lines.append({"figure": "Mean pain change, NPRS points (95% CI)", **change})
    lines.append({"figure": "Moderate pain responders (>= 2 points or 30 %)", **rate})
    lines.append({"figure": "Sessions with any side effect", **ae})
    return pd.DataFrame(lines)


def _figure(draw: Callable[[Any], Any], width: float = 7.5, height: float = 4.0) -> Any:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    draw(ax)
    plt.close(fig)
    return fig


def quarterly_report(
    data: SessionData,
    *,
    quarter: str,
    clinic: str | None = None,
    min_cell: int = MIN_CELL,
    title: str | None = None,
    progress: bool = False,
) -> Report:
    """Build the quarterly outcome report of one clinic (or all clinics together).

    Parameters
    ----------
    data : SessionData
        The loaded dataset (all quarters: earlier ones give the comparisons).
    quarter : str
        The quarter, e.g. ``"2026Q2"``.
    clinic : str, optional
        A ``clinic_id``; the report covers all clinics together when omitted.
    min_cell : int, default 11
        Counts from 1 to ``min_cell - 1`` are shown as ``"<11"``, with complementary
        suppression (see :mod:`tpdn_outcomes.report.suppress`); groups under it are not
        drawn.
    title : str, optional
        The report's title.
    progress : bool, default False
        Show a progress bar on stderr.

    Returns
    -------
    Report

    Notes
    -----
    The outcomes of a quarter are those of the *completed* episodes whose last session falls
    in it (all of their sessions, also those of earlier quarters); episodes still open at
    the data's end are counted apart. Side effects are those of the sessions dated in the
    quarter.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.report import quarterly_report
    >>> report = quarterly_report(load_sample(), quarter="2026Q1")
    >>> list(report.tables)[:3]
    ['key_figures', 'data_flow', 'table_one']
    >>> report.tables["key_figures"].columns.tolist()
    ['figure', '2026Q1', '2025Q4', '2025Q1']
    """
    import matplotlib.pyplot as plt  # noqa: F401  (backend chosen by the caller)

    quarter_bounds(quarter)  # validates the text
    scope_data = data.filter(clinic_id=clinic) if clinic is not None else data
    if clinic is not None and len(scope_data.sessions) == 0:
        known = sorted(data.sessions["clinic_id"].dropna().astype(str).unique())
        raise ValueError(f"no sessions for clinic {clinic!r}; clinics in the data: {known}")
    end_meta = data.metadata.get("data_end")
    data_end = (
        pd.Timestamp(end_meta) if end_meta is not None else data.sessions["session_date"].max()
    )
    label = suppressed_label(min_cell)
    names = ["key figures", "data flow", "Table 1", "pain", "ROM", "time to relief",
             "function", "side effects", "breakdowns", "monitoring", "clinics",
             "figures"]  # fmt: skip
    tables: dict[str, pd.DataFrame] = {}
    figures: dict[str, Any] = {}
    captions: dict[str, str] = {}
    notes: dict[str, list[str]] = {}
    timings: dict[str, float] = {}
    with warnings.catch_warnings(), _steps(names, progress, timings) as step:
        warnings.simplefilter("ignore", RuntimeWarning)
        quarters = {quarter: quarter, "prev": _previous(quarter, 1), "year": _previous(quarter, 4)}
        rows = {q: _key_figures(scope_data, q, data_end, min_cell) for q in quarters.values()}
        tables["key_figures"] = _key_table(rows, min_cell)
        captions["key_figures"] = (
            f"Key figures: {quarter}, the quarter before and the same quarter a year earlier"
        )
        step("key figures")

        sc = _scope(scope_data, quarter, data_end)
        q_data = sc.completed
        meta = data.metadata
        excl = data.exclusions
        flow = [
            ("Rows read from the file", int(meta.get("rows_read", len(data.sessions)))),
            ("Rows excluded by the checks", int(meta.get("rows_excluded", len(excl)))),
            ("Sessions loaded (all quarters)", len(data.sessions)),
            ("Sessions in this report's scope (all quarters)", len(scope_data.sessions)),
            (f"Sessions dated in {quarter}", len(sc.sessions_in_quarter)),
            (f"Episodes ending in {quarter}", len(sc.ending)),
            ("  still open at the data's end (reported apart)",
             int(sc.ending["open"].fillna(False).sum())),
            ("  completed: analysed", 0 if q_data is None else
             int(q_data.sessions["episode_id"].nunique())),
        ]  # fmt: skip
        if q_data is not None:
            ep = q_data.episodes("pain")
            reasons = ep.loc[ep["note"] != "", "note"].astype(str).value_counts()
            for reason, n in reasons.items():
                flow.append((f"    without a pain change: {reason}", int(n)))
        for reason, n in excl["reason"].astype(str).value_counts().items() if len(excl) else []:
            flow.append((f"  excluded row: {reason}", int(n)))
        flow_df = pd.DataFrame(flow, columns=["step", "count"])
        flow_df["count"] = [label if 0 < v < min_cell else v for v in flow_df["count"]]
        tables["data_flow"] = flow_df
        captions["data_flow"] = "From the file to the analysis"
        step("data flow")

        if q_data is not None:
            t1 = table_one(q_data, by="condition", measures=["pain"])
            tables["table_one"] = _suppress_table_one(t1, min_cell)
        else:
            tables["table_one"] = pd.DataFrame({"variable": ["no completed episodes"]})
        captions["table_one"] = "Table 1: the completed episodes by condition"
        step("Table 1")

        if q_data is not None:
            cs = change_summary(q_data, measure="pain", by="condition")
            rr = responder_rates(q_data, measure="pain", by="condition")
            pain = cs[["condition", "n", "mean_baseline", "mean_final", "mean_change", "ci_low",
                       "ci_high", "median_change"]].copy()  # fmt: skip
            for definition in ("moderate", "substantial"):
                part = rr[rr["definition"] == definition].set_index("condition")
                pain[f"{definition}_responders"] = (
                    part["responders"].reindex(pain["condition"]).to_numpy()
                )
                pain[f"{definition}_rate"] = part["rate"].reindex(pain["condition"]).to_numpy()
            stats_cols = ["mean_baseline", "mean_final", "mean_change", "ci_low", "ci_high",
                          "median_change"]  # fmt: skip
            rate_cols = [c for c in pain.columns if c.endswith(("_responders", "_rate"))]
            shown = _hide_rows(pain, count="n", dependent=stats_cols + rate_cols,
                               min_cell=min_cell)  # fmt: skip
            for definition in ("moderate", "substantial"):
                shown = _hide_counts(shown, k=f"{definition}_responders", n="n",
                                     dependent=[f"{definition}_rate"], min_cell=min_cell,
                                     total_published=definition == "moderate", source=pain)  # fmt: skip
            tables["pain"] = shown
            imm = immediate_change(q_data, measure="pain", by="condition")
            imm = imm[["condition", "n", "mean_change", "ci_low", "ci_high"]]
            tables["pain_immediate"] = _hide_rows(
                imm, count="n", dependent=["mean_change", "ci_low", "ci_high"], min_cell=min_cell
            )
            notes["pain"] = [UNCONTROLLED_CAVEAT]
            kept = cs[cs["n"] >= min_cell]
            if len(kept):
                from tpdn_outcomes.plots import plot_change_by_condition

                figures["pain_change"] = _figure(
                    lambda ax: plot_change_by_condition(kept, improvement=True, mcid=2, ax=ax)
                )
                captions["pain_change"] = (
                    "Mean improvement in pain (NPRS points) by condition with 95% confidence "
                    f"intervals; dashed line: the 2-point MCID. Conditions with fewer than "
                    f"{min_cell} episodes are not drawn."
                )
        captions["pain"] = "Pain (NPRS 0-10): change from baseline to final, and responders"
        captions["pain_immediate"] = "Pain: within-session change (post - pre needling)"
        step("pain")

        if q_data is not None and any(m.startswith("rom:") for m in q_data.measure_names()):
            rom = rom_change(q_data, by="condition")
            rom_t = rom[["measure", "condition", "n", "mean_change", "ci_low", "ci_high",
                         "mean_change_pct_normal", "mdc", "n_beyond_mdc"]].copy()  # fmt: skip
            rom_t["measure"] = rom_t["measure"].map(lambda m: schema.measure_spec(m).label)
            shown = _hide_rows(rom_t, count="n", dependent=["mean_change", "ci_low", "ci_high",
                               "mean_change_pct_normal", "n_beyond_mdc"],
                               min_cell=min_cell, total_published=False)  # fmt: skip
            tables["rom"] = _hide_counts(shown, k="n_beyond_mdc", n="n", dependent=[],
                                         min_cell=min_cell, total_published=False,
                                         source=rom_t.fillna({"n_beyond_mdc": 0}))  # fmt: skip
            kept = rom[rom["n"] >= min_cell]
            if len(kept):
                from tpdn_outcomes.plots import plot_rom_change

                figures["rom_change"] = _figure(
                    lambda ax: plot_rom_change(kept, ax=ax), height=0.45 * len(kept) + 1.6
                )
                captions["rom_change"] = (
                    "Mean change in range of motion as a percent of each site's normative "
                    "range with 95% CI; vertical ticks: the minimal detectable change. Sites "
                    f"and conditions with fewer than {min_cell} episodes are not drawn."
                )
        captions["rom"] = "Range of motion by site (degrees; mouth opening in mm)"
        step("ROM")

        if q_data is not None:
            ttr = time_to_response(q_data, measure="pain", by="condition")
            tt = ttr.summary[["condition", "n", "n_events", "median", "median_ci_low",
                              "median_ci_high"]].copy()  # fmt: skip
            shown = _hide_rows(tt, count="n", dependent=["n_events", "median", "median_ci_low",
                               "median_ci_high"], min_cell=min_cell,
                               total_published=False)  # fmt: skip
            tables["time_to_relief"] = _hide_counts(
                shown, k="n_events", n="n", dependent=[], min_cell=min_cell,
                total_published=False, source=tt,
            )  # fmt: skip
            if any(km.n >= min_cell for km in ttr.curves.values()):
                from tpdn_outcomes.plots import plot_time_to_response

                figures["time_to_relief"] = _figure(
                    lambda ax: plot_time_to_response(
                        ttr, min_n=min_cell, min_at_risk=min_cell, ci=False, ax=ax
                    ),
                    height=5.0,
                )
                captions["time_to_relief"] = (
                    "Share of episodes without a meaningful pain response yet, by days since "
                    f"the first session (Kaplan-Meier); curves stop where fewer than {min_cell} "
                    "episodes remain."
                )
            notes["time_to_relief"] = [
                f"Response: {ttr.rule} against the episode's first pain score. Episodes that "
                "stop coming before responding are censored at their last session."
            ]
        captions["time_to_relief"] = (
            "Days to a meaningful pain response: Kaplan-Meier median (95% CI)"
        )
        step("time to relief")

        if q_data is not None and any(m.startswith("function:") for m in q_data.measure_names()):
            fn = function_change(q_data, by="condition")
            fn_t = fn[["measure", "condition", "n", "mean_baseline", "mean_change", "ci_low",
                       "ci_high", "mean_improvement"]].copy()  # fmt: skip
            fn_t["measure"] = fn_t["measure"].map(lambda m: schema.measure_spec(m).label)
            tables["function"] = _hide_rows(
                fn_t, count="n", dependent=["mean_baseline", "mean_change", "ci_low", "ci_high",
                                            "mean_improvement"],
                min_cell=min_cell, total_published=False,
            )  # fmt: skip
        captions["function"] = "Function and disability by instrument"
        step("function")

        q_sessions = scope_data.filter(quarter=quarter)
        if len(q_sessions.sessions) and q_sessions.sessions["adverse_events"].notna().any():
            ae = adverse_event_rates(q_sessions, by=None)
            ae_t = ae[["event", "unit", "n", "events", "rate", "ci_low", "ci_high"]].copy()
            shown = ae_t.astype(object)
            for unit in ("session", "patient"):
                is_unit = (ae_t["unit"] == unit).to_numpy(dtype=bool)
                sub = _hide_counts(shown[is_unit].copy(), k="events", n="n",
                                   dependent=["rate", "ci_low", "ci_high"], min_cell=min_cell,
                                   total_published=False, source=ae_t[is_unit])  # fmt: skip
                shown.loc[is_unit] = sub
            tables["adverse_events"] = shown
        captions["adverse_events"] = (
            f"Side effects in the sessions dated in {quarter}: share of sessions and of patients "
            "(exact 95% CI)"
        )
        step("side effects")

        if q_data is not None:
            role = change_summary(q_data, measure="pain", by="practitioner_role")
            role_t = role[["practitioner_role", "n", "mean_change", "ci_low", "ci_high"]]
            tables["by_role"] = _hide_rows(role_t, count="n",
                                           dependent=["mean_change", "ci_low", "ci_high"],
                                           min_cell=min_cell)  # fmt: skip
            tw = twitch_association(q_data, measure="pain", by=None)
            tw_t = tw[["n_twitch", "n_no_twitch", "mean_change_twitch", "mean_change_no_twitch",
                       "difference", "ci_low", "ci_high", "adjusted_difference",
                       "adjusted_ci_low", "adjusted_ci_high"]].astype(object)  # fmt: skip
            small = any(0 < int(tw[c].iloc[0]) < min_cell for c in ("n_twitch", "n_no_twitch"))
            if small:
                for c in tw_t.columns:
                    tw_t[c] = HIDDEN
                for c in ("n_twitch", "n_no_twitch"):
                    tw_t[c] = label if 0 < int(tw[c].iloc[0]) < min_cell else tw[c].iloc[0]
            tables["twitch"] = tw_t
        captions["by_role"] = "Pain change by practitioner role"
        captions["twitch"] = (
            "Pain change with and without a local twitch response (an association, not an effect)"
        )
        step("breakdowns")

        # monthly monitoring: XmR charts (their limits do not depend on, or reveal, the
        # months' counts), months with at least min_cell episodes or sessions
        upto = scope_data.filter(end=str(quarter_bounds(quarter)[1].date()))
        signal_rows = []
        monitored: list[tuple[Literal["mean_change", "responder_rate", "adverse_event_rate"], str]]
        monitored = [
            ("mean_change", "Mean pain change of completed episodes"),
            ("responder_rate", "Share of moderate pain responders"),
            ("adverse_event_rate", "Share of sessions with a side effect"),
        ]
        for metric, chart_title in monitored:
            try:
                chart = monthly_control_chart(upto, metric=metric, kind="xmr", min_n=min_cell)
            except ValueError:
                continue
            from tpdn_outcomes.plots import plot_control_chart

            figures[f"monthly_{metric}"] = _figure(
                partial(_draw_chart, plot_control_chart, chart), height=3.6
            )
            captions[f"monthly_{metric}"] = (
                f"{chart_title} per month (individuals chart: centre line and control limits from "
                f"all months shown; months with fewer than {min_cell} left out)."
            )
            signal_rows.append({"chart": chart_title, "signals": " ".join(describe_signals(chart))})
        if signal_rows:
            tables["monthly_signals"] = pd.DataFrame(signal_rows)
        captions["monthly_signals"] = "What the monthly charts show"
        step("monitoring")

        if clinic is None and q_data is not None and q_data.sessions["clinic_id"].nunique() > 1:
            try:
                bench = clinic_benchmark(q_data)
            except ValueError:
                bench = None
            if bench is not None:
                shown_b = bench[["clinic_id", "n", "observed", "expected", "o_minus_e",
                                 "ci_low", "ci_high", "outside_95", "outside_998"]].copy()  # fmt: skip
                tables["clinics"] = _hide_rows(
                    shown_b, count="n", dependent=["observed", "expected", "o_minus_e", "ci_low",
                                                   "ci_high", "outside_95", "outside_998"],
                    min_cell=min_cell,
                )  # fmt: skip
                kept_b = bench[bench["n"] >= min_cell]
                if len(kept_b) >= 2:
                    from tpdn_outcomes.plots import plot_funnel

                    kept_b.attrs.update(bench.attrs)
                    figures["clinic_funnel"] = _figure(lambda ax: plot_funnel(kept_b, ax=ax))
                    captions["clinic_funnel"] = (
                        "Observed minus expected mean pain change of each clinic's completed "
                        "episodes against their number, with 95 % and 99.8 % limits; expected "
                        "from baseline pain, condition, age band and sex. Clinics with fewer "
                        f"than {min_cell} episodes are not drawn."
                    )
        captions["clinics"] = "Clinics compared: observed and case-mix expected pain change"
        step("clinics")

        counts = data.report.counts()
        tables["data_quality"] = (
            counts if len(counts) else pd.DataFrame({"check": [], "severity": [], "n": []})
        )
        captions["data_quality"] = "Appendix: data-quality findings of the checks"
        tables["mcid"] = mcid_registry()[["instrument", "definition", "threshold", "kind",
                                          "citation"]]  # fmt: skip
        captions["mcid"] = "Clinically meaningful change thresholds used"
        tables["mdc"] = mdc_registry()[["site", "mdc", "unit", "confidence", "citation"]]
        captions["mdc"] = "Minimal detectable change of each ROM site"
        step("figures")

    clinic_name = clinic if clinic is not None else "All clinics"
    start, end = quarter_bounds(quarter)
    report_meta = {
        "source": str(data.metadata.get("source", "")),
        "sha256": str(data.metadata.get("sha256", "")),
        "package_version": __version__,
        "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "min_cell": min_cell,
        "data_end": str(pd.Timestamp(data_end).date()) if pd.notna(data_end) else "",
        "seconds_per_step": timings,
    }
    sections = [
        Section("key", "Key figures", "This quarter at a glance, beside the quarter before and "
                "the same quarter a year earlier.", ["key_figures"]),
        Section("flow", "Data flow", "What was read, what was excluded and why, and what was "
                "analysed. Episodes still open are counted apart.", ["data_flow"]),
        Section("table1", "Who was treated", "Baseline characteristics of the completed "
                "episodes.", ["table_one"]),
        Section("pain", "Pain", "Change from the first to the last pain score of each "
                "episode, and the share of episodes that improved by a clinically meaningful "
                "amount.", ["pain", "pain_immediate"], ["pain_change"], notes.get("pain", [])),
        Section("rom", "Range of motion", "Change in degrees (mm for mouth opening), as a "
                "percent of the normative range, and the episodes whose change reached the "
                "site's minimal detectable change.", ["rom"], ["rom_change"]),
        Section("relief", "Time to relief", "How many days it took until pain had improved by "
                "a clinically meaningful amount.", ["time_to_relief"], ["time_to_relief"],
                notes.get("time_to_relief", [])),
        Section("function", "Function", "Change on each function or disability "
                "instrument; improvement is signed so that positive is better.", ["function"]),
        Section("safety", "Side effects", "Per session and per patient; sessions without an "
                "entry are counted as not recorded, never as event-free.", ["adverse_events"]),
        Section("breakdowns", "Practitioner role and twitch response", "", ["by_role", "twitch"]),
        Section("monitoring", "Monthly monitoring", "Control charts separate the month-to-month "
                "variation expected of a stable service from signals worth a look: a point "
                "outside the limits, a long run on one side, too few crossings, or a steady "
                "trend.", ["monthly_signals"], ["monthly_mean_change", "monthly_responder_rate",
                "monthly_adverse_event_rate"]),
        Section("clinics", "Clinics compared", "Each clinic's pain change against the change "
                "expected for its patients (risk-adjusted). A clinic beyond the 99.8 % limits "
                "is unlikely to differ by chance alone; unmeasured case mix may still explain "
                "it.", ["clinics"], ["clinic_funnel"]),
        Section("methods", "Methods and definitions", _methods_text(min_cell), ["mcid", "mdc"]),
        Section("appendix", "Appendix: data quality", "", ["data_quality"]),
    ]  # fmt: skip
    for section in sections:
        section.tables = [t for t in section.tables if t in tables]
        section.figures = [f for f in section.figures if f in figures]
    return Report(
        title=title or f"Dry needling outcomes, {quarter}",
        clinic=clinic_name,
        quarter=quarter,
        period=(start, end),
        meta=report_meta,
        tables=tables,
        figures=figures,
        captions=captions,
        sections=sections,
    )


def _draw_chart(draw: Callable[..., Any], chart: pd.DataFrame, ax: Any) -> Any:
    return draw(chart, ax=ax)


def _methods_text(min_cell: int) -> str:
    return (
        "An episode is a course of treatment of one patient for one condition (a gap of more "
        "than 90 days starts a new one). Its change is the last post-needling score minus the "
        "first pre-needling score (final - baseline); for pain, negative is better. Intervals "
        "are 95% t intervals for means, Wilson intervals for responder rates, exact "
        "(Clopper-Pearson) intervals for side effects. "
        f"Privacy: any count from 1 to {min_cell - 1} is shown as <{min_cell}, with further "
        "cells hidden where a total would reveal it (complementary suppression); statistics "
        f"from hidden counts are shown as {HIDDEN}, and groups under {min_cell} are not drawn. "
        "Caveats: these are uncontrolled before/after data from routine care. Change from "
        "baseline includes natural recovery, regression to the mean (patients come when pain "
        "is high) and placebo response; it is not a treatment effect. Percent change is "
        "shown only as a display; analyses use change in each instrument's units."
    )


def _suppress_table_one(t1: Any, min_cell: int) -> pd.DataFrame:
    """The formatted Table 1 with every small count (and its complements) hidden."""
    label = suppressed_label(min_cell)
    tab = t1.table
    groups = list(t1.groups)
    view = t1.formatted()
    # group sizes: hide small groups (the n_episodes row) with complements
    n = (
        tab[(tab["variable"] == "n_episodes") & (tab["group"].isin(groups))]
        .set_index("group")["n"].reindex(groups).to_numpy(dtype=float)
    )  # fmt: skip
    hide_group = complementary(
        n.reshape(1, -1), primary(n, min_cell).reshape(1, -1), min_cell=min_cell,
        row_totals=True, col_totals=False,
    ).ravel()  # fmt: skip
    out = view.copy()
    for g, hidden in zip(groups, hide_group, strict=True):
        if hidden:
            out[g] = [label if i < 2 else HIDDEN for i in range(len(out))]
    # categorical levels: counts x groups, with level totals (Overall) and group totals
    for variable in tab.loc[tab["kind"] == "categorical", "variable"].unique():
        part = tab[(tab["variable"] == variable) & (tab["group"].isin(groups))]
        levels = list(dict.fromkeys(part["level"]))
        counts = part.pivot(index="level", columns="group", values="count").reindex(
            index=levels, columns=groups
        )
        values = counts.to_numpy(dtype=float)
        hidden = primary(values, min_cell)
        hidden[:, hide_group] = True
        hidden = complementary(values, hidden, min_cell=min_cell)
        overall = (
            tab[(tab["variable"] == variable) & (tab["group"] == "Overall")]
            .set_index("level")["count"].reindex(levels).to_numpy(dtype=float)
        )  # fmt: skip
        hidden_overall = complementary(
            overall.reshape(-1, 1), primary(overall, min_cell).reshape(-1, 1),
            min_cell=min_cell, row_totals=False, col_totals=True,
        ).ravel()  # fmt: skip
        for li, level in enumerate(levels):
            row = out.index[out["variable"] == f"   {level}"]
            row = [r for r in row if r > out.index[out["variable"] == f"{variable} (%)"][0]][:1]
            if not row:
                continue
            for gi, g in enumerate(groups):
                if hidden[li, gi] and not hide_group[gi]:
                    out.loc[row[0], g] = label
            if hidden_overall[li] and "Overall" in out:
                out.loc[row[0], "Overall"] = label
    # patients per group: hide small ones (and complements along the row's Overall total)
    pat = (
        tab[(tab["variable"] == "n_patients") & (tab["group"].isin(groups))]
        .set_index("group")["n"].reindex(groups).to_numpy(dtype=float)
    )  # fmt: skip
    hide_pat = primary(pat, min_cell) | hide_group
    hide_pat = complementary(
        pat.reshape(1, -1), hide_pat.reshape(1, -1), min_cell=min_cell, row_totals=True,
        col_totals=False,
    ).ravel()  # fmt: skip
    row = out.index[out["variable"] == "n_patients"][0]
    for g, hidden in zip(groups, hide_pat, strict=True):
        if hidden:
            out.loc[row, g] = label
    # missing counts: small ones hidden; SMDs mix every group's proportions (hidden ones
    # too), so the report leaves them out
    missing = pd.to_numeric(out["Missing"], errors="coerce")
    small = primary(missing.fillna(0).to_numpy(dtype=float), min_cell)
    out.loc[small, "Missing"] = label
    return out.drop(columns=["SMD"])


__all__ = ["HIDDEN", "MIN_CELL", "Report", "Section", "quarterly_report", "suppressed_label"]
