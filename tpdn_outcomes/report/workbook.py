"""The report as an Excel workbook: real numbers with number formats, one sheet per table.

Each table of the report becomes one sheet with readable headings (from
:mod:`tpdn_outcomes.labels`), the header row frozen and the column widths set. Cells hold
numbers, never numbers written as text:

- an estimate with its interval (``-2.44 (-2.82 to -2.06)``) is split into three numeric
  columns (the estimate, ``95% CI low``, ``95% CI high``);
- a percent (``69 %``) is stored as 0.69 with a percent number format;
- a hidden cell (``<11``, ``‡``, ``—``) is left empty, with a comment on the cell and a
  ``Status`` column saying what is hidden and why; so no column mixes text and numbers;
- Table 1 (whose cells read ``n (%)``, ``mean (SD)`` and ``median [IQR]``) is written long:
  one row per characteristic and group, with ``n``, ``%``, ``Mean``, ``SD``, ``Median``,
  ``Q1`` and ``Q3`` columns.

Text that a spreadsheet would run as a formula (``=...``) is stored as text (a string
cell with Excel's quote prefix, not a visible apostrophe).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from tpdn_outcomes.labels import column_label, row_label, value_label

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.worksheet.worksheet import Worksheet

#: Cell markers of the report (see :mod:`tpdn_outcomes.report.context`).
_HIDDEN, _SECONDARY = "—", "‡"
_SMALL = re.compile(r"^<(\d+)$")
_NUM = r"-?\d[\d,]*(?:\.\d+)?"
_CI = re.compile(rf"^({_NUM}) \(({_NUM}) to ({_NUM})\)$")
_PCT = re.compile(rf"^({_NUM}) ?%$")
_PCT_CI = re.compile(rf"^({_NUM}) ?% \(({_NUM}) to ({_NUM}) ?%\)$")
_PAIR = re.compile(rf"^({_NUM}) \(({_NUM})\)$")
_IQR = re.compile(rf"^({_NUM}) \[({_NUM}), ({_NUM})\]$")
_PLAIN = re.compile(rf"^{_NUM}$")
_BOUND = re.compile(r"^([≥≤]) (\d+) %$")

#: Columns holding proportions (0-1), shown in percent.
RATE_COLUMNS = {"rate", "moderate_rate", "substantial_rate", "confidence"}
#: Columns whose values are vocabulary words shown as labels.
LABEL_COLUMNS = {
    "condition", "practitioner_role", "event", "site", "check", "severity", "measure",
    "instrument", "definition", "kind", "unit", "clinic_id",
}  # fmt: skip
#: Columns whose blank (NaN) means a Kaplan-Meier median or limit not reached.
NOT_REACHED_COLUMNS = {"median", "median_ci_low", "median_ci_high"}
NOT_REACHED = "Not reached"
#: Sheet names of the report's tables (at most 31 characters).
SHEET_NAMES: dict[str, str] = {
    "key_figures": "Key figures",
    "data_flow": "Data flow",
    "table_one": "Table 1",
    "pain": "Pain",
    "pain_immediate": "Pain within session",
    "rom": "Range of motion",
    "function": "Function",
    "time_to_relief": "Time to relief",
    "adverse_events": "Side effects",
    "by_role": "By practitioner role",
    "twitch": "Twitch response",
    "monthly_signals": "Monthly signals",
    "mcid": "MCID thresholds",
    "mdc": "MDC thresholds",
    "data_quality": "Data quality",
    "trends_table": "Quarterly trends",
    "risk_clinics": "Risk-adjusted, clinics",
    "risk_conditions": "Risk-adjusted, conditions",
    "efficiency": "Efficiency",
    "completeness": "Completeness",
}
#: Headings of first columns that read blank in the HTML.
_FIRST_HEADINGS = {"figure": "Figure", "step": "Step", "variable": "Characteristic"}


def marker_meaning(text: str) -> str | None:
    """What a hidden-cell marker means, or None for other text.

    Examples
    --------
    >>> marker_meaning("<11"), marker_meaning("‡"), marker_meaning("12")
    ('a count from 1 to 10, not shown', 'hidden so that a small count cannot be worked out', None)
    """
    small = _SMALL.match(text)
    if small:
        return f"a count from 1 to {int(small[1]) - 1}, not shown"
    if text == _SECONDARY:
        return "hidden so that a small count cannot be worked out"
    if text == _HIDDEN:
        return "hidden with its count"
    return None


def bound_meaning(text: str) -> str | None:
    """What a bounded rate (``"≥ 70 %"``, ``"≤ 30 %"``) says, or None for other text.

    Examples
    --------
    >>> bound_meaning("≥ 70 %")
    'at least 70 %: the exact rate is not shown, so that a small count cannot be worked out'
    >>> bound_meaning("70 %") is None
    True
    """
    bound = _BOUND.match(text)
    if bound is None:
        return None
    side = "at least" if bound[1] == "≥" else "at most"
    return (
        f"{side} {bound[2]} %: the exact rate is not shown, so that a small count cannot be "
        "worked out"
    )


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _fmt(decimals: int, percent: bool = False) -> str:
    body = "0" if decimals == 0 else "0." + "0" * decimals
    if percent:
        return body + "%"
    return "#,##0" if decimals == 0 else body


@dataclass
class _Cell:
    """A parsed cell: up to three numbers, their format, or text; or a note why blank."""

    values: tuple[Any, ...] = ()
    number_format: str = "General"
    note: str | None = None
    text: str | None = None
    parts: int = 1


def parse_cell(column: str, value: Any, rate: bool = False) -> _Cell:
    """A report table cell as numbers (with a format), text, or a blank with a note.

    Examples
    --------
    >>> parse_cell("2026Q1", "-2.44 (-2.82 to -2.06)").values
    (-2.44, -2.82, -2.06)
    >>> c = parse_cell("2026Q1", "38.5 %"); (c.values, c.number_format)
    ((0.385,), '0.0%')
    >>> c = parse_cell("2026Q1", "69 % (60 to 77 %)"); (c.values, c.number_format)
    ((0.69, 0.6, 0.77), '0%')
    >>> parse_cell("n", "<11").note
    '<11: a count from 1 to 10, not shown'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        note = NOT_REACHED if column in NOT_REACHED_COLUMNS else None
        return _Cell(note=note)
    if isinstance(value, bool):
        return _Cell(values=(value,))
    if isinstance(value, numbers.Integral):
        return _Cell(values=(int(value),), number_format="#,##0")
    if isinstance(value, numbers.Real):
        v = float(value)
        if rate:
            return _Cell(values=(v,), number_format="0.0%" if column != "confidence" else "0%")
        return _Cell(values=(v,), number_format="0.00")
    text = str(value)
    meaning = marker_meaning(text.strip()) or bound_meaning(text.strip())
    if meaning is not None:  # a blank cell (no column mixes text and numbers), with a note
        return _Cell(note=f"{text.strip()}: {meaning}")
    ci = _CI.match(text)
    if ci:
        nums = tuple(_number(g) for g in ci.groups())
        return _Cell(values=nums, number_format=_fmt(_decimals(ci[1])), parts=3)
    pct_ci = _PCT_CI.match(text)
    if pct_ci:
        nums = tuple(_number(g) / 100 for g in pct_ci.groups())
        return _Cell(values=nums, number_format=_fmt(_decimals(pct_ci[1]), percent=True), parts=3)
    pct = _PCT.match(text)
    if pct:
        return _Cell(values=(_number(pct[1]) / 100,),
                     number_format=_fmt(_decimals(pct[1]), percent=True))  # fmt: skip
    if _PLAIN.match(text):
        v = _number(text)
        return _Cell(values=(int(v) if _decimals(text) == 0 else v,),
                     number_format=_fmt(_decimals(text)))  # fmt: skip
    return _Cell(text=text)


@dataclass
class _Sheet:
    """A sheet to write: headings, rows of cells (value, number format), notes, indents."""

    headings: list[str]
    rows: list[list[tuple[Any, str]]] = field(default_factory=list)
    comments: dict[tuple[int, int], str] = field(default_factory=dict)
    indents: dict[tuple[int, int], int] = field(default_factory=dict)


def _status(notes: list[str]) -> str:
    """A row's Status: each hidden count named, the statistics hidden with it summed up."""
    counts = [n for n in notes if not n.endswith(f"{_HIDDEN}: hidden with its count")]
    if len(counts) < len(notes):
        counts.append("the statistics of a hidden count are hidden")
    return "; ".join(counts)


def _label_text(column: str, text: str) -> tuple[str, int]:
    """Text of a label cell (stripped of its indent, which is returned apart)."""
    body = text.lstrip(" ")
    indent = (len(text) - len(body) + 1) // 2
    if column == "variable":
        body = row_label(body)
    elif column in LABEL_COLUMNS:
        body = value_label(body)
    return body, indent


def wide_sheet(
    table: pd.DataFrame, key: str, *, text: Sequence[str] = (), status: bool = True
) -> _Sheet:
    """A table as it is shown, estimates with intervals split into three numeric columns.

    Columns in ``text`` are written as text as they are (the legend's markers); without
    ``status`` the sheet has no Status column.
    """
    rate_cols = RATE_COLUMNS | ({"ci_low", "ci_high"} if key == "adverse_events" else set())
    cols = [str(c) for c in table.columns]
    parsed = {
        c: [_Cell(text=str(v)) if c in text else parse_cell(c, v, c in rate_cols)
            for v in table[c].tolist()]
        for c in cols
    }  # fmt: skip
    width = {c: max([p.parts for p in parsed[c]] or [1]) for c in cols}
    headings: list[str] = []
    for i, c in enumerate(cols):
        head = _FIRST_HEADINGS.get(c) if i == 0 else None
        head = head or column_label(c, key) or c
        headings.append(head)
        if width[c] == 3:
            headings += [f"{head}: 95% CI low", f"{head}: 95% CI high"]
    if status:
        headings.append("Status")
    sheet = _Sheet(headings)
    for r in range(len(table)):
        row: list[tuple[Any, str]] = []
        notes: list[str] = []
        for c in cols:
            cell = parsed[c][r]
            at = len(row)
            if cell.text is not None:
                text, indent = _label_text(c, cell.text)
                row.append((text, "@"))
                if indent:
                    sheet.indents[(r, at)] = indent
            elif cell.values:
                row.append((cell.values[0], cell.number_format))
            else:
                row.append((None, "General"))
                if cell.note:
                    sheet.comments[(r, at)] = cell.note
                    notes.append(f"{headings[at]}: {cell.note}")
            for k in range(1, width[c]):
                extra = cell.values[k] if len(cell.values) > k else None
                row.append((extra, cell.number_format if extra is not None else "General"))
        if status:
            row.append((_status(notes), "@"))
        sheet.rows.append(row)
    return sheet


_T1_STATS = ["n", "%", "Mean", "SD", "Median", "Q1", "Q3"]


def table_one_sheet(table: pd.DataFrame) -> _Sheet:
    """Table 1 long: a row per characteristic and group, one statistic per column."""
    sheet = _Sheet(["Characteristic", "Group", *_T1_STATS, "Status"])
    groups = [c for c in table.columns if c != "variable"]
    for _, source in table.iterrows():
        raw = str(source["variable"])
        name, indent = _label_text("variable", raw)
        for g in groups:
            value = source[g]
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if isinstance(value, float) and math.isnan(value):
                continue
            stats: dict[str, tuple[Any, str]] = {}
            status = ""
            text = str(value).strip()
            meaning = marker_meaning(text)
            if meaning is not None:
                status = f"{text}: {meaning}"
            elif (m := _IQR.match(text)) is not None:
                fmt = _fmt(_decimals(m[1]))
                stats = {k: (_number(v), fmt) for k, v in zip(("Median", "Q1", "Q3"), m.groups(),
                                                               strict=True)}  # fmt: skip
            elif (m := _PAIR.match(text)) is not None:
                if raw.endswith("(mean (SD))"):
                    fmt = _fmt(_decimals(m[1]))
                    stats = {"Mean": (_number(m[1]), fmt), "SD": (_number(m[2]), fmt)}
                else:
                    stats = {"n": (int(_number(m[1])), "#,##0"),
                             "%": (_number(m[2]) / 100, _fmt(_decimals(m[2]), True))}  # fmt: skip
            elif _PLAIN.match(text):
                stats = {"n": (int(_number(text)), "#,##0")}
            else:
                status = text
            row: list[tuple[Any, str]] = [(name, "@"), (value_label(g), "@")]
            row += [stats.get(k, (None, "General")) for k in _T1_STATS]
            row.append((status, "@"))
            if status and meaning is not None:
                sheet.comments[(len(sheet.rows), 2)] = status
            if indent:
                sheet.indents[(len(sheet.rows), 0)] = indent
            sheet.rows.append(row)
    return sheet


def _width(values: Sequence[Any], heading: str) -> float:
    longest = max([len(heading)] + [len(f"{v:,.2f}") if isinstance(v, float) else len(str(v))
                                    for v in values if v is not None])  # fmt: skip
    return min(60.0, max(8.0, longest + 2.0))


def write_sheet(ws: Worksheet, sheet: _Sheet) -> None:
    """Write a sheet: bold frozen header row, formats, comments, indents, widths."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    for j, head in enumerate(sheet.headings, start=1):
        cell = ws.cell(row=1, column=j, value=head)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(sheet.rows):
        for j, (value, number_format) in enumerate(row):
            if value is None or value == "":
                if (i, j) in sheet.comments:
                    ws.cell(row=i + 2, column=j + 1).comment = Comment(sheet.comments[(i, j)],
                                                                       "tpdn_outcomes")  # fmt: skip
                continue
            cell = ws.cell(row=i + 2, column=j + 1, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
                cell.quotePrefix = value.startswith(("=", "+", "-", "@"))
            elif number_format != "General":
                cell.number_format = number_format
            if (i, j) in sheet.indents:
                cell.alignment = Alignment(indent=sheet.indents[(i, j)])
    for j, head in enumerate(sheet.headings):
        column = [row[j][0] for row in sheet.rows]
        ws.column_dimensions[get_column_letter(j + 1)].width = _width(column, head)
    ws.freeze_panes = "A2"


def sheet_name(key: str, used: set[str]) -> str:
    """A unique sheet name (at most 31 characters) for a report table.

    Examples
    --------
    >>> used = set(); sheet_name("table_one", used), sheet_name("table_one", used)
    ('Table 1', 'Table 1 (2)')
    """
    base = SHEET_NAMES.get(key) or value_label(key)
    name, i = base[:31], 2
    while name.casefold() in {u.casefold() for u in used}:
        name = f"{base[:26]} ({i})"
        i += 1
    used.add(name)
    return name


__all__ = [
    "LABEL_COLUMNS",
    "NOT_REACHED",
    "RATE_COLUMNS",
    "SHEET_NAMES",
    "bound_meaning",
    "marker_meaning",
    "parse_cell",
    "sheet_name",
    "table_one_sheet",
    "wide_sheet",
    "write_sheet",
]
