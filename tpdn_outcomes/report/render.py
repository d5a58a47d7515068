"""Render a :class:`~tpdn_outcomes.report.build.Report` to HTML, PDF and XLSX."""

from __future__ import annotations

import base64
import io
import math
import numbers
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from tpdn_outcomes._files import atomic_write, write_text
from tpdn_outcomes.io import neutralise_formulas

if TYPE_CHECKING:  # pragma: no cover
    from tpdn_outcomes.report.build import Report

_TEMPLATES = Path(__file__).parent / "templates"

#: Column headings shown for the report's column names.
HEADINGS: dict[str, str] = {
    "figure": "",
    "step": "",
    "count": "n",
    "condition": "Condition",
    "n": "n",
    "mean_baseline": "Baseline mean",
    "mean_final": "Final mean",
    "mean_change": "Mean change",
    "ci_low": "95% CI low",
    "ci_high": "95% CI high",
    "median_change": "Median change",
    "moderate_responders": "Moderate responders",
    "moderate_rate": "Moderate rate",
    "substantial_responders": "Substantial responders",
    "substantial_rate": "Substantial rate",
    "measure": "Measure",
    "mean_change_pct_normal": "Change, % of normal range",
    "mdc": "MDC",
    "n_beyond_mdc": "Episodes beyond MDC",
    "mean_improvement": "Mean improvement",
    "event": "Event",
    "unit": "Per",
    "events": "With the event",
    "rate": "Rate",
    "practitioner_role": "Practitioner role",
    "n_twitch": "n with twitch",
    "n_no_twitch": "n without",
    "mean_change_twitch": "Change with twitch",
    "mean_change_no_twitch": "Change without",
    "difference": "Difference",
    "adjusted_difference": "Baseline-adjusted difference",
    "adjusted_ci_low": "Adjusted CI low",
    "adjusted_ci_high": "Adjusted CI high",
    "variable": "",
    "n_events": "Responded",
    "median": "Median days",
    "median_ci_low": "95% CI low",
    "median_ci_high": "95% CI high",
    "chart": "Chart",
    "signals": "Signals",
    "clinic_id": "Clinic",
    "observed": "Observed change",
    "expected": "Expected change",
    "o_minus_e": "Observed - expected",
    "outside_95": "Beyond 95 % limits",
    "outside_998": "Beyond 99.8 % limits",
    "small_n": "Note",
}

_RATE_COLUMNS = {"rate", "moderate_rate", "substantial_rate"}
#: Columns whose values are vocabulary words shown as labels (``neck_pain`` -> ``Neck pain``).
_LABEL_COLUMNS = {"condition", "practitioner_role", "event", "site", "check", "severity"}


def _pretty(value: Any) -> str:
    from tpdn_outcomes.plots import _label

    return _label(value)


def _cell(column: str, value: Any) -> str:
    """A table cell as text: rates in percent, statistics with two decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        v = float(value)
        if column in _RATE_COLUMNS or (column in ("ci_low", "ci_high") and _rate_table(column)):
            return f"{100 * v:.1f} %"
        if v.is_integer() and column in ("n", "count", "events", "threshold"):
            return f"{int(v):,}"
        return f"{v:.2f}"
    return str(value)


def _rate_table(_: str) -> bool:
    return False


def _display(table: pd.DataFrame, key: str) -> dict[str, Any]:
    """Headings and text cells of one table (rates in the side-effect table as percent)."""
    cols = list(table.columns)
    rate_like = {"rate", "moderate_rate", "substantial_rate"}
    if key == "adverse_events":
        rate_like |= {"ci_low", "ci_high"}
    rows = []
    for _, row in table.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            if c in rate_like and isinstance(v, numbers.Real) and not isinstance(v, bool):
                cells.append("" if math.isnan(float(v)) else f"{100 * float(v):.1f} %")
            elif c in _LABEL_COLUMNS and isinstance(v, str):
                cells.append(_pretty(v))
            else:
                cells.append(_cell(c, v))
        rows.append(cells)
    headings = [HEADINGS.get(c, c.replace("_", " ")) for c in cols]
    return {"headings": headings, "rows": rows}


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
    tables = {k: _display(t, k) for k, t in report.tables.items()}
    figures = {k: _png(f) for k, f in report.figures.items()}
    css = (_TEMPLATES / "report.css").read_text(encoding="utf-8")
    internal = report.meta.get("audience") == "internal"
    return template.render(
        report=report, tables=tables, figures=figures, css=css, fragment=fragment,
        internal=internal, notice=internal_notice(report.clinic) if internal else "",
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


def _sheet_name(key: str, used: set[str]) -> str:
    name = key[:31]
    i = 2
    while name in used:
        name = f"{key[:28]}_{i}"
        i += 1
    used.add(name)
    return name


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


def _legend(m: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "marker": [f"<{m}", "‡", "—"],
            "meaning": [
                f"a count from 1 to {m - 1} (not shown)",
                f"a count of 0 or of {m} or more, hidden so that a small count cannot be worked "
                "out from the others (in this report or the other reports of the same run)",
                "a statistic, or a part, of a hidden count",
            ],
        }
    )


def render_excel(report: Report, path: str | Path) -> Path:
    """One sheet per table plus a cover sheet; text that would run as a formula is quoted."""

    cover = pd.DataFrame(
        {
            "item": ["title", "clinic", "quarter", "from", "to", *report.meta],
            "value": [
                report.title,
                report.clinic,
                report.quarter,
                str(report.period[0].date()),
                str(report.period[1].date()),
                *[
                    "; ".join(f"{k} {t:.2f} s" for k, t in v.items())
                    if isinstance(v, dict)
                    else str(v)
                    for v in report.meta.values()
                ],
            ],
        }
    )
    m = int(report.meta.get("min_cell", 11))
    if report.meta.get("audience") == "internal":
        notice = pd.DataFrame({"item": ["notice"], "value": [internal_notice(report.clinic)]})
        cover = pd.concat([notice, cover], ignore_index=True)
        legend = pd.DataFrame(
            {
                "marker": ["small n"],
                "meaning": [
                    f"column Note: a count from 1 to {m - 1}, or a statistic of fewer than {m} "
                    "episodes, in that row (shown, not suppressed)"
                ],
            }
        )
    else:
        legend = _legend(m)
    used: set[str] = set()
    sheets = {
        _sheet_name("cover", used): neutralise_formulas(cover),
        _sheet_name("legend", used): neutralise_formulas(legend),
    }
    for key, table in report.tables.items():
        sheets[_sheet_name(key, used)] = neutralise_formulas(table)

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                frame.to_excel(writer, sheet_name=name, index=False)

    return atomic_write(path, write)


__all__ = [
    "HEADINGS",
    "PdfEngineMissing",
    "render_excel",
    "render_html",
    "render_pdf",
    "write_text_atomic",
]
