"""What the reader sees: human labels, a typed workbook, no empty sections, the PDF's
captions with their tables, the cover naming the file only.

One release (all clinics and CLN-01) of the sample, loaded from a file under a full path.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.report import quarterly_release
from tpdn_outcomes.report.render import publishable, visible_sections
from tpdn_outcomes.report.workbook import SHEET_NAMES

SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
MEASURE_TOKEN = re.compile(r"\b(?:pain|rom|function):[a-z0-9_]+")
FULL_PATH = "/srv/clinic-share/exports/2026/sessions.csv"


@pytest.fixture(scope="module")
def release(sample: SessionData):  # type: ignore[no-untyped-def]
    data = SessionData(sample.sessions, sample.measures,
                       metadata={**sample.metadata, "source": FULL_PATH}, report=sample.report,
                       exclusions=sample.exclusions, check=False)  # fmt: skip
    return quarterly_release(data, quarter="2026Q1", clinics=[None, "CLN-01"])


@pytest.fixture(scope="module")
def html(release) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.to_html() for r in release]


@pytest.fixture(scope="module")
def workbooks(release, tmp_path_factory):  # type: ignore[no-untyped-def]
    import openpyxl

    books = []
    for i, r in enumerate(release):
        path = tmp_path_factory.mktemp("xlsx") / f"r{i}.xlsx"
        r.to_excel(str(path))
        books.append(openpyxl.load_workbook(path))
    return books


def _headers(page: str) -> list[str]:
    return re.findall(r'<th scope="(?:col|row)"[^>]*>([^<]*)</th>', page)


def test_html_table_headers_are_human_labels(html: list[str]) -> None:
    for page in html:
        heads = _headers(page)
        assert len(heads) > 100
        raw = [h for h in heads if SNAKE.search(h) or MEASURE_TOKEN.search(h)]
        assert raw == []  # no n_episodes, age_band (%), function:odi, physical_therapist
        assert "mcid" not in heads and "True" not in [h.strip() for h in heads]
        assert "Age band (%)" in heads and "Episodes" in heads


def test_each_rom_site_has_one_name_across_tables(html: list[str]) -> None:
    page = html[0]
    rom = page[page.index('id="table-rom"') : page.index("</table>", page.index('id="table-rom"'))]
    mdc = page[page.index('id="table-mdc"') : page.index("</table>", page.index('id="table-mdc"'))]
    assert "Thoracolumbar flexion" in rom and "Thoracolumbar flexion" in mdc
    assert re.search(r"(?<!Thoraco)[Ll]umbar flexion", page) is None


def test_mdc_unit_column_is_unit_and_side_effects_per(html: list[str]) -> None:
    page = html[0]
    for key, heading in (("mdc", "Unit"), ("adverse_events", "Per")):
        start = page.index(f'id="table-{key}"')
        thead = page[start : page.index("</thead>", start)]
        assert heading in _headers(thead)
    mdc = page[page.index('id="table-mdc"') :]
    assert "Per" not in _headers(mdc[: mdc.index("</thead>")])


def test_time_to_relief_says_not_reached(release, html) -> None:  # type: ignore[no-untyped-def]
    table = release[0].tables["time_to_relief"]
    published = table["n"].map(lambda v: isinstance(v, int | np.integer))
    blank = table["median_ci_high"].map(lambda v: isinstance(v, float) and np.isnan(v))
    assert (published & blank).any()  # the sample has such rows
    start = html[0].index('id="table-time_to_relief"')
    body = html[0][start : html[0].index("</table>", start)]
    assert body.count("Not reached") >= int((published & blank).sum())
    assert "<td></td>" not in body


def test_no_empty_sections_and_no_clinics_compared_in_a_clinics_report(
    release,
    html,  # type: ignore[no-untyped-def]
) -> None:
    for report, page in zip(release, html, strict=True):
        shown = visible_sections(report)
        for s in shown:
            assert (
                s.figures
                or s.key == "methods"
                or any(publishable(report.tables[t]) for t in s.tables)
            )
        left_out = {s.key for s in report.sections} - {s.key for s in shown}
        for key in left_out:
            assert f'href="#{key}"' not in page and f'<section id="{key}">' not in page
    one = release[1]
    # one clinic comparison (risk-adjusted): the clinics side by side only in the
    # all-clinics report, never an empty section
    for report, page in zip(release, html, strict=True):
        assert "clinics" not in {s.key for s in report.sections}
        assert "Clinics compared" not in page and 'href="#clinics"' not in page
    assert 'href="#risk"' in html[0] and 'href="#risk"' in html[1]
    assert "clinic_funnel" in release[0].figures and "clinic_funnel" not in one.figures
    assert len(one.tables["risk_clinics"]) == 1


def test_publishable() -> None:
    hidden = pd.DataFrame({"event": ["any"], "n": ["‡"], "rate": ["—"]})
    assert not publishable(hidden)
    assert not publishable(pd.DataFrame({"check": [], "severity": [], "n": []}))
    assert publishable(pd.DataFrame({"chart": ["x"], "signals": ["No signal"]}))
    assert not publishable(pd.DataFrame({"variable": ["a"], "g": ["<11"], "h": ["—"]}))


def test_cover_names_the_file_not_its_path(release, html, workbooks) -> None:  # type: ignore[no-untyped-def]
    for page, book in zip(html, workbooks, strict=True):
        assert "sessions.csv" in page and "/srv/clinic-share" not in page
        cover = {r[0].value: r[1].value for r in book["Cover"].iter_rows(min_row=2)}
        assert cover["Source file"] == "sessions.csv"


def test_workbook_headers_are_human_labels(workbooks) -> None:  # type: ignore[no-untyped-def]
    for book in workbooks:
        for ws in book.worksheets:
            heads = [c.value for c in ws[1]]
            assert all(isinstance(h, str) and h for h in heads), (ws.title, heads)
            raw = [h for h in heads if SNAKE.search(h) or MEASURE_TOKEN.search(h)]
            assert raw == [], ws.title
            labels = [r[0].value for r in ws.iter_rows(min_row=2) if isinstance(r[0].value, str)]
            assert not [v for v in labels if MEASURE_TOKEN.search(v)], ws.title


def test_workbook_cells_are_typed_and_formatted(workbooks) -> None:  # type: ignore[no-untyped-def]
    for book in workbooks:
        assert list(book.sheetnames[:2]) == ["Cover", "Legend"]
        for ws in book.worksheets:
            assert ws.freeze_panes == "A2", ws.title
            for column in ws.iter_cols(min_row=2):
                kinds = {c.data_type for c in column if c.value is not None}
                assert not ({"s"} < kinds or ("s" in kinds and "n" in kinds)), (
                    ws.title, column[0].column_letter, kinds)  # fmt: skip
                for c in column:
                    assert not (isinstance(c.value, str) and c.value.startswith("'"))
                    assert c.value not in ("<11", "‡", "—") or ws.title == "Legend"
            letters = [c.column_letter for c in ws[1]]
            assert all(ws.column_dimensions[x].width for x in letters)
    key = workbooks[0]["Key figures"]
    heads = [c.value for c in key[1]]
    assert heads[:4] == ["Figure", "2026Q1", "2026Q1: 95% CI low", "2026Q1: 95% CI high"]
    rows = {r[0].value: r for r in key.iter_rows(min_row=2)}
    mean = rows["Mean pain change, NPRS points (95% CI)"]
    assert all(isinstance(c.value, float) for c in mean[1:4])
    assert mean[2].value < mean[1].value < mean[3].value and mean[1].number_format == "0.00"
    share = rows["Sessions with any side effect"][1]
    assert 0 < share.value < 1 and share.number_format == "0.0%"
    assert (
        rows["Patients seen"][1].data_type == "n"
        and rows["Patients seen"][1].number_format == "#,##0"
    )


def test_workbook_hidden_cells_are_empty_with_a_status(workbooks, release) -> None:  # type: ignore[no-untyped-def]
    ws = workbooks[1][SHEET_NAMES["pain"]]
    heads = [c.value for c in ws[1]]
    n_col, status_col = heads.index("n"), heads.index("Status")
    table = release[1].tables["pain"]
    for row, (_, source) in zip(ws.iter_rows(min_row=2), table.iterrows(), strict=True):
        if source["n"] in ("<11", "‡"):
            assert row[n_col].value is None and row[n_col].comment is not None
            assert f"n: {source['n']}" in row[status_col].value
        else:
            assert row[n_col].value == source["n"]
    side = workbooks[0][SHEET_NAMES["adverse_events"]]
    heads = [c.value for c in side[1]]
    rate = [r[heads.index("Rate")] for r in side.iter_rows(min_row=2)]
    assert all(c.number_format == "0.0%" for c in rate if c.value is not None)


def test_pdf_keeps_captions_with_their_tables(release, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    weasyprint = pytest.importorskip("weasyprint")
    report = release[0]
    document = weasyprint.HTML(string=report.to_html()).render()

    def texts(box, out):  # type: ignore[no-untyped-def]
        if getattr(box, "text", None):
            out.append(box.text)
        for child in getattr(box, "children", None) or []:
            texts(child, out)
        return out

    pages = [" ".join(texts(p._page_box, [])) for p in document.pages]
    captions = [report.captions[k] for s in visible_sections(report) for k in s.tables]
    for caption in captions:
        head = caption[:40]
        where = [i for i, text in enumerate(pages) if head in " ".join(text.split())]
        assert where, caption
        text = " ".join(pages[where[0]].split())
        after = text[text.index(head) + len(head) :]
        # the caption's page goes on with the table's heading row and its first rows
        assert len(after) > len(caption) + 20, f"caption orphaned: {caption!r}"
