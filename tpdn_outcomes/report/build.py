"""Build the quarterly outcome reports of one run: sections, disclosure control, figures.

:func:`quarterly_release` builds the reports of one run together (the all-clinics report
and each clinic's), registers every count they publish in one disclosure ledger, chooses
the suppression over all of them (:mod:`tpdn_outcomes.report.disclosure`), audits it, and
only then draws the figures. :func:`quarterly_report` is the release of one report.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tpdn_outcomes import __version__
from tpdn_outcomes.data import SessionData, parse_quarter, quarter_bounds
from tpdn_outcomes.progress import Progress, Tracker, check_progress
from tpdn_outcomes.report.context import (
    HIDDEN,
    MIN_CELL,
    SECONDARY,
    Context,
    Section,
    suppressed_label,
)
from tpdn_outcomes.report.disclosure import Ledger, Protection, protect
from tpdn_outcomes.report.sections import SECTIONS


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
        Source file, its SHA-256, package version, generation time, ``min_cell``,
        ``audience`` and ``window``.
    tables : dict of DataFrame
        Every table as shown: counts below ``min_cell`` read ``"<11"`` and statistics
        computed from them ``"—"``; nothing here can recover a suppressed count. In an
        internal report (``meta["audience"] == "internal"``) nothing is hidden and a
        ``small_n`` column flags the rows with a count below ``min_cell``.
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
    audit: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def disclosure_audit(self) -> pd.DataFrame:
        """The release's audit: one row per hidden or derivable small count.

        Columns ``cell``, ``unit``, ``table`` (report / table), ``row``, ``column``,
        ``status`` (``primary``: a count of 1 to min_cell - 1; ``secondary``: hidden to
        protect one; ``unpublished``: derivable, not printed), the intruder's ``lower`` and
        ``upper`` bound from the linear programmes over everything the run published,
        ``width`` and ``passes``. The true values are not in it. Every row passes: a release
        whose audit fails is never built.
        """
        return self.audit.copy()

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


def _data_end(data: SessionData) -> pd.Timestamp:
    end = data.metadata.get("data_end")
    return pd.Timestamp(end) if end is not None else data.sessions["session_date"].max()


def _context(
    data: SessionData, quarter: str, clinic: str | None, min_cell: int, ledger: Ledger,
    data_end: pd.Timestamp, benchmark: SessionData | None, shared: dict[str, Any],
    audience: str = "external", window: int = 4,
) -> Context:  # fmt: skip
    meta = dict(data.metadata)
    if pd.notna(data_end):
        meta["data_end"] = str(pd.Timestamp(data_end).date())  # one "open" for every report
    whole = SessionData(data.sessions, data.measures, metadata=meta, report=data.report,
                        exclusions=data.exclusions, check=False)  # fmt: skip
    scope_data = whole.filter(clinic_id=clinic) if clinic is not None else whole
    if clinic is not None:
        scope_data.metadata["data_end"] = meta.get("data_end")
        if len(scope_data.sessions) == 0:
            known = sorted(data.sessions["clinic_id"].dropna().astype(str).unique())
            raise ValueError(f"no sessions for clinic {clinic!r}; clinics in the data: {known}")
    name = clinic if clinic is not None else "All clinics"
    return Context(whole, scope_data, clinic, quarter, data_end, min_cell, ledger, name,
                   benchmark=benchmark, shared=shared, audience=audience,
                   window=window)  # fmt: skip


def _report(
    ctx: Context,
    sections: list[Section],
    title: str | None,
    audit: pd.DataFrame,
    track: Tracker,
) -> Report:
    start, end = quarter_bounds(ctx.quarter)
    for finish in ctx.finishers:  # text quoting counts, now that their status is known
        finish(ctx)
    figures: dict[str, Any] = {}
    track.step(f"{ctx.name}: figures")
    for request in ctx.figure_requests:
        fig = request.draw(ctx)
        if fig is not None:
            figures[request.key] = fig
    for section in sections:
        section.tables = [t for t in section.tables if t in ctx.tables]
        section.figures = [f for f in section.figures if f in figures]
    meta = {
        "source": Path(str(ctx.data.metadata.get("source", ""))).name,  # not the full path
        "sha256": str(ctx.data.metadata.get("sha256", "")),
        "package_version": __version__,
        "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "min_cell": ctx.min_cell,
        "audience": ctx.audience,
        "window": ctx.window,
        "data_end": str(pd.Timestamp(ctx.data_end).date()) if pd.notna(ctx.data_end) else "",
        "seconds_per_step": track.timings,  # of the whole run (every report of the release)
        "risk_model_fitted_on": _reference_name(ctx),
    }
    return Report(
        title=title or f"Dry needling outcomes, {ctx.quarter}",
        clinic=ctx.name,
        quarter=ctx.quarter,
        period=(start, end),
        meta=meta,
        tables={k: ctx.tables[k] for k in ctx.tables},
        figures=figures,
        captions=ctx.captions,
        sections=[s for s in sections if s.tables or s.figures or s.key in _ALWAYS],
        audit=audit,
    )


#: Sections kept even without a table or figure (their text is the content).
_ALWAYS = {"methods", "summary"}


def _reference_name(ctx: Context) -> str:
    """What the risk model of the report was fitted on, in words (for the cover)."""
    if ctx.benchmark is None:
        return "this file (all its clinics and quarters)"
    name = Path(str(ctx.benchmark.metadata.get("source", ""))).name
    return f"the reference registry {name}" if name else "a reference registry"


#: Who a report is for: ``external`` (audited suppression) or ``internal`` (nothing hidden).
AUDIENCES = ("external", "internal")


def _check_options(min_cell: int, audience: str, window: int) -> None:
    if isinstance(min_cell, bool) or int(min_cell) < 1:
        raise ValueError(f"min_cell must be a whole number of at least 1, not {min_cell!r}")
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be 'external' or 'internal', not {audience!r}")
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 8:
        raise ValueError(f"window must be a whole number of quarters from 1 to 8, not {window!r}")


def _unprotected(ledger: Ledger) -> Protection:
    """An internal release: every count published, no audit (nothing is hidden)."""
    status = ["published" if c.published else "unpublished" for c in ledger.cells]
    columns = ["cell", "unit", "table", "row", "column", "status", "lower", "upper", "width",
               "passes"]  # fmt: skip
    return Protection(status, pd.DataFrame(columns=columns))


def quarterly_release(
    data: SessionData,
    *,
    quarter: str,
    clinics: Sequence[str | None] = (None,),
    min_cell: int = MIN_CELL,
    title: str | None = None,
    progress: Progress = False,
    benchmark: SessionData | None = None,
    audience: str = "external",
    window: int = 4,
) -> list[Report]:
    """Build the reports of one run together, with disclosure control over all of them.

    Parameters
    ----------
    data : SessionData
        The loaded dataset (all quarters: earlier ones give the comparisons).
    quarter : str
        The quarter, e.g. ``"2026Q2"``.
    clinics : sequence of str or None, default ``(None,)``
        The reports of the run: ``None`` is the all-clinics report, a ``clinic_id`` that
        clinic's report.
    min_cell : int, default 11
        Counts from 1 to ``min_cell - 1`` are shown as ``"<11"``; further counts are hidden
        (``"‡"``) so that none of them can be worked out from everything the run publishes,
        and the result is audited (see :mod:`tpdn_outcomes.report.disclosure`).
    title : str, optional
        The reports' title.
    progress : bool or ProgressCallback, default False
        ``True``: a progress bar on stderr. A callable ``progress(step, done, total)``
        (:class:`~tpdn_outcomes.progress.ProgressCallback`) is told each step as it starts:
        every section of every report, the stages of disclosure control, every report's
        figures, and last ``("done", total, total)``. It may raise
        :class:`~tpdn_outcomes.errors.Cancelled` to stop the release at that step: the
        exception reaches the caller and no report is returned.
    benchmark : SessionData, optional
        A reference registry: the risk model of the risk-adjusted comparison is fitted on
        its completed episodes instead of on ``data``'s (``--benchmark FILE``); the reports
        say which.
    audience : {"external", "internal"}, default "external"
        ``external``: the audited suppression above. ``internal``: the clinic's own quality
        review: nothing is hidden, every count from 1 to ``min_cell - 1`` is flagged
        ``"small n"`` (a ``small_n`` column) with its statistics and intervals shown, and
        the cover says the report must not leave the clinic.
    window : int, default 4
        Quarters pooled, ending with ``quarter``, in the tables by condition (4: the
        trailing 12 months; 1: the quarter alone). Conditions with fewer than ``min_cell``
        completed episodes in the window are grouped as "Other conditions" first.

    Returns
    -------
    list of Report
        In the order of ``clinics``; each carries the release's audit
        (:meth:`Report.disclosure_audit`).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> reports = quarterly_release(load_sample(), quarter="2026Q1", clinics=[None, "CLN-01"])
    >>> [r.clinic for r in reports]
    ['All clinics', 'CLN-01']
    >>> bool(reports[0].disclosure_audit()["passes"].all())
    True
    """
    import matplotlib.pyplot as plt  # (backend chosen by the caller)

    quarter = parse_quarter(quarter)  # 2026Q3, 2026-Q3, Q3 2026, ... -> 2026Q3
    _check_options(min_cell, audience, window)
    check_progress(progress)
    ledger = Ledger(min_cell)
    data_end = _data_end(data)
    shared: dict[str, Any] = {}  # results computed once for all the reports of the run
    contexts = [
        _context(data, quarter, c, min_cell, ledger, data_end, benchmark, shared, audience, window)
        for c in clinics
    ]
    # units: a section of a report, a report's figures, and disclosure control, which
    # takes most of the time (about five times the sections on the sample)
    n_sections = len(contexts) * len(SECTIONS)
    track = Tracker(progress, 6 * n_sections + len(contexts), desc="report")
    built: list[list[Section]] = []
    reports: list[Report] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for ctx in contexts:
                sections = []
                for make in SECTIONS:
                    track.step(f"{ctx.name}: {make.__name__}")
                    section = make(ctx)
                    if section is not None:
                        sections.append(section)
                built.append(sections)
            track.step("disclosure control", units=5 * n_sections)
            # internal: the counts are still registered (the small ones are flagged from them)
            protection = (
                _unprotected(ledger)
                if audience == "internal"
                else protect(ledger, progress=track.within)
            )
        for ctx, sections in zip(contexts, built, strict=True):
            ctx.status = dict(enumerate(protection.status))
            ctx.apply()
            reports.append(_report(ctx, sections, title, protection.audit, track))
        track.finish()
    except BaseException:  # (Cancelled from the callback, or a failure: close the figures)
        for report in reports:
            for fig in report.figures.values():
                plt.close(fig)
        raise
    finally:
        track.close()
    return reports


def quarterly_report(
    data: SessionData,
    *,
    quarter: str,
    clinic: str | None = None,
    min_cell: int = MIN_CELL,
    title: str | None = None,
    progress: Progress = False,
    benchmark: SessionData | None = None,
    audience: str = "external",
    window: int = 4,
) -> Report:
    """Build the quarterly outcome report of one clinic (or all clinics together).

    The release of one report (see :func:`quarterly_release`, which builds several reports
    of one run with disclosure control over all of them together: use it, or the CLI's
    ``--all-clinics``, whenever more than one report of the same data is handed out).

    Parameters
    ----------
    data : SessionData
        The loaded dataset (all quarters: earlier ones give the comparisons).
    quarter : str
        The quarter, e.g. ``"2026Q2"``.
    clinic : str, optional
        A ``clinic_id``; the report covers all clinics together when omitted.
    min_cell : int, default 11
        Counts from 1 to ``min_cell - 1`` are shown as ``"<11"``, with audited
        complementary suppression (``"‡"``); groups whose count is hidden are not drawn.
    title : str, optional
        The report's title.
    progress : bool or ProgressCallback, default False
        ``True``: a progress bar on stderr; a callable ``progress(step, done, total)`` is
        told each step, and may raise :class:`~tpdn_outcomes.errors.Cancelled` to stop
        (see :func:`quarterly_release`).
    benchmark : SessionData, optional
        A reference registry to fit the risk model on (see :func:`quarterly_release`).
    audience : {"external", "internal"}, default "external"
        ``internal`` hides nothing and flags small n (see :func:`quarterly_release`).
    window : int, default 4
        Quarters pooled in the tables by condition (see :func:`quarterly_release`).

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
    ['key_figures', 'trends_table', 'data_flow']
    >>> report.tables["key_figures"].columns.tolist()
    ['figure', '2026Q1', '2025Q4', '2025Q1', '12 months to 2026-03-31']
    >>> report.captions["pain"][:43]
    'Pain (NPRS 0-10), 12 months to 2026-03-31: '
    >>> own = quarterly_report(load_sample(), quarter="2026Q1", clinic="CLN-01", audience="internal")
    >>> own.meta["audience"], len(own.disclosure_audit())
    ('internal', 0)
    """
    return quarterly_release(
        data, quarter=quarter, clinics=[clinic], min_cell=min_cell, title=title,
        progress=progress, benchmark=benchmark, audience=audience, window=window,
    )[0]  # fmt: skip


__all__ = [
    "AUDIENCES",
    "HIDDEN",
    "MIN_CELL",
    "SECONDARY",
    "Report",
    "Section",
    "quarterly_release",
    "quarterly_report",
    "suppressed_label",
]
