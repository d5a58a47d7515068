"""Render a :class:`~tpdn_outcomes.report.build.Report` to HTML, PDF and XLSX."""

from __future__ import annotations

import base64
import dataclasses
import io
import math
import numbers
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from tpdn_outcomes._files import atomic_write, write_text
from tpdn_outcomes.labels import COLUMN_LABELS, column_label, row_label, value_label
from tpdn_outcomes.report.workbook import (
    LABEL_COLUMNS,
    NOT_REACHED,
    NOT_REACHED_COLUMNS,
    marker_meaning,
    parse_cell,
    sheet_name,
    table_one_sheet,
    wide_sheet,
    write_sheet,
)

if TYPE_CHECKING:  # pragma: no cover
    from tpdn_outcomes.report.build import Report
    from tpdn_outcomes.report.context import Section

_TEMPLATES = Path(__file__).parent / "templates"

#: Column headings shown for the report's column names (see :mod:`tpdn_outcomes.labels`).
HEADINGS: dict[str, str] = COLUMN_LABELS

_RATE_COLUMNS = {"rate", "moderate_rate", "substantial_rate"}
_COUNT_COLUMNS = {"n", "count", "events", "threshold"}


def _cell(column: str, value: Any) -> str:
    """A table cell as text: rates in percent, statistics with two decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_REACHED if column in NOT_REACHED_COLUMNS else ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        v = float(value)
        if column in _RATE_COLUMNS:
            return f"{100 * v:.1f} %"
        if column == "confidence":
            return f"{100 * v:.0f} %"
        if v.is_integer() and column in _COUNT_COLUMNS:
            return f"{int(v):,}"
        return f"{v:.2f}"
    return str(value)


def _label_cell(column: str, value: str) -> str:
    body = value.lstrip(" ")
    indent = value[: len(value) - len(body)]
    return indent + (row_label(body) if column == "variable" else value_label(body))


def _display(table: pd.DataFrame, key: str) -> dict[str, Any]:
    """Headings and text cells of one table (rates in the side-effect table as percent)."""
    cols = [str(c) for c in table.columns]
    rate_like = set(_RATE_COLUMNS)
    if key == "adverse_events":
        rate_like |= {"ci_low", "ci_high"}
    rows = []
    for values in table.itertuples(index=False, name=None):
        cells = []
        for c, v in zip(cols, values, strict=True):
            if c in rate_like and isinstance(v, numbers.Real) and not isinstance(v, bool):
                cells.append("" if math.isnan(float(v)) else f"{100 * float(v):.1f} %")
            elif (c in LABEL_COLUMNS or c == "variable") and isinstance(v, str):
                cells.append(_label_cell(c, v))
            else:
                cells.append(_cell(c, v))
        rows.append(cells)
    headings = [column_label(c, key) for c in cols]
    text = [i for i, c in enumerate(cols) if i > 0 and _is_text(table[c])]
    return {"headings": headings, "rows": rows, "text": text}


def _is_text(column: pd.Series) -> bool:
    """A column of words (left-aligned), not of numbers, markers or formatted estimates."""
    values = [v for v in column.tolist() if _shown(v)]
    return bool(values) and all(
        isinstance(v, str) and parse_cell("", v).text is not None for v in values
    )


def _shown(value: Any) -> bool:
    """Whether a cell shows something: not blank, not a hidden-cell marker."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return not (isinstance(value, str) and (not value.strip() or marker_meaning(value.strip())))


def publishable(table: pd.DataFrame) -> bool:
    """Whether a table shows anything: a published ``n``, or any shown value.

    A table with an ``n`` column shows something when one of its counts is published;
    other tables when a cell beyond the row labels shows a value.

    Examples
    --------
    >>> publishable(pd.DataFrame({"condition": ["neck_pain"], "n": ["<11"], "mean": ["—"]}))
    False
    >>> publishable(pd.DataFrame({"condition": ["neck_pain"], "n": [12], "mean": [1.5]}))
    True
    """
    if not len(table) or len(table.columns) < 2:
        return False
    if "n" in table.columns:
        return any(_shown(v) for v in table["n"].tolist())
    data = [c for c in table.columns[1:] if c not in LABEL_COLUMNS]
    return any(_shown(v) for c in data for v in table[c].tolist())


#: Sections kept even when they have no table or figure (their text is the content).
ALWAYS = {"methods"}


def visible_sections(report: Report) -> list[Section]:
    """The sections as the reader sees them: tables with nothing to show left out, and
    sections left with no table and no figure left out (also from the contents)."""
    out = []
    for s in report.sections:
        tables = [t for t in s.tables if t in report.tables and publishable(report.tables[t])]
        figures = [f for f in s.figures if f in report.figures]
        if tables or figures or s.key in ALWAYS:
            out.append(dataclasses.replace(s, tables=tables, figures=figures))
    return out


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def render_html(report: Report, *, fragment: bool = False) -> str:
    """The report as one self-contained HTML page (figures embedded, nothing fetched).

    Text from the data (condition, clinic, file names) is escaped by jinja2's autoescaping,
    so markup in a clinic's labels is shown as text, never run.
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
    )
    template = env.get_template("report.html.j2")
    sections = visible_sections(report)
    tables = {k: _display(report.tables[k], k) for s in sections for k in s.tables}
    figures = {k: _png(report.figures[k]) for s in sections for k in s.figures}
    css = (_TEMPLATES / "report.css").read_text(encoding="utf-8")
    internal = report.meta.get("audience") == "internal"
    return template.render(
        report=report, sections=sections, tables=tables, figures=figures, css=css,
        fragment=fragment, internal=internal,
        notice=internal_notice(report.clinic) if internal else "",
    )  # fmt: skip


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write text (UTF-8) to ``path`` through a temporary file moved into place."""
    return write_text(path, text)


class PdfEngineMissing(RuntimeError):
    """The PDF engine (WeasyPrint) cannot run here; the message says what to install."""


def render_pdf(report: Report, path: str | Path) -> Path:
    """Render the report's HTML to PDF with WeasyPrint, atomically.

    Raises
    ------
    PdfEngineMissing
        When WeasyPrint (or the Pango library it needs) is not available, naming what to
        install.
    """
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint present but Pango missing
        raise PdfEngineMissing(
            "PDF output needs WeasyPrint and the Pango library: "
            "pip install 'tpdn_outcomes[report]' (or pip install weasyprint), and on "
            "Debian/Ubuntu apt-get install libpango-1.0-0 libpangoft2-1.0-0. "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    html = render_html(report)
    return atomic_write(path, lambda p: weasyprint.HTML(string=html).write_pdf(str(p)))


_COVER_ITEMS = {
    "source": "Source file",
    "sha256": "SHA-256 of the file",
    "package_version": "tpdn_outcomes version",
    "generated": "Generated",
    "min_cell": "Smallest count shown",
    "data_end": "Data up to",
    "seconds_per_step": "Seconds per step",
}


def _cover(report: Report) -> pd.DataFrame:
    items = ["Title", "Clinic", "Quarter", "From", "To"]
    values: list[Any] = [
        report.title,
        report.clinic,
        report.quarter,
        str(report.period[0].date()),
        str(report.period[1].date()),
    ]
    for k, v in report.meta.items():
        items.append(_COVER_ITEMS.get(k, value_label(k)))
        if isinstance(v, dict):
            values.append("; ".join(f"{name} {t:.2f} s" for name, t in v.items()))
        else:
            values.append(v if isinstance(v, int | float) else str(v))
    if report.meta.get("audience") == "internal":
        items.insert(0, "Notice")
        values.insert(0, internal_notice(report.clinic))
    return pd.DataFrame({"item": items, "value": values})


def internal_notice(clinic: str) -> str:
    """The cover's words on an internal report.

    Examples
    --------
    >>> internal_notice("CLN-01")[:60]
    "Internal report: for CLN-01's internal quality review only. "
    """
    return (
        f"Internal report: for {clinic}'s internal quality review only. It must not leave "
        "the clinic: nothing is suppressed, and counts below the minimum cell are flagged "
        "small n."
    )


def _legend(report: Report) -> pd.DataFrame:
    m = int(report.meta.get("min_cell", 11))
    if report.meta.get("audience") == "internal":
        return pd.DataFrame(
            {
                "marker": ["small n"],
                "meaning": [
                    f"column Note: a count from 1 to {m - 1}, or a statistic of fewer than {m} "
                    "episodes, in that row (shown, not suppressed)"
                ],
            }
        )
    return pd.DataFrame(
        {
            "marker": [f"<{m}", "‡", "—", "≥ X % / ≤ X %", NOT_REACHED],
            "meaning": [
                f"a count from 1 to {m - 1} (not shown; the cell is empty, its comment and the "
                "row's Status say so)",
                f"a count of 0 or of {m} or more, hidden so that a small count cannot be worked "
                "out from the others (in this report or the other reports of the same run)",
                "a statistic, or a part, of a hidden count",
                f"a rate whose complement (or numerator) is from 1 to {m - 1}, shown as a bound "
                "wide enough that the small count cannot be worked out; no interval (the cell "
                "is empty, its comment and the row's Status give the bound)",
                "a Kaplan-Meier median or confidence limit the curve did not reach",
            ],
        }
    )


def render_excel(report: Report, path: str | Path) -> Path:
    """A cover sheet, a legend and one sheet per shown table, with real numbers.

    Numbers are stored as numbers with number formats (percent, decimals), estimates with
    intervals as three numeric columns, hidden cells empty with a comment and a Status
    column; headings are readable, the header row frozen and the widths set (see
    :mod:`tpdn_outcomes.report.workbook`). Text is never stored as a formula.
    """
    import openpyxl

    used: set[str] = set()
    sheets = {
        sheet_name("cover", used): wide_sheet(
            _cover(report), "cover", text=["item", "value"], status=False
        ),
        sheet_name("legend", used): wide_sheet(
            _legend(report), "legend", text=["marker"], status=False
        ),
    }
    for section in visible_sections(report):
        for key in section.tables:
            table = report.tables[key]
            sheet = table_one_sheet(table) if key == "table_one" else wide_sheet(table, key)
            sheets[sheet_name(key, used)] = sheet

    def write(tmp: Path) -> None:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, sheet in sheets.items():
            write_sheet(book.create_sheet(name), sheet)
        book.save(tmp)

    return atomic_write(path, write)


__all__ = [
    "HEADINGS",
    "PdfEngineMissing",
    "publishable",
    "render_excel",
    "render_html",
    "render_pdf",
    "visible_sections",
    "write_text_atomic",
]
