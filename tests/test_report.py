"""The quarterly report: contents, privacy (nothing suppressed can be back-calculated),
escaping, formats, atomic writes and the command line."""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import itertools

import numpy as np
import pandas as pd
import pytest
from samples import four_clinic_path as sample_path  # the sample fixture's files
from samples import load_four_clinics as load_sample

from tpdn_outcomes import load_sessions
from tpdn_outcomes.cli import main
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.report import PdfEngineMissing, Report, quarterly_report
from tpdn_outcomes.report.build import HIDDEN, SECONDARY
from tpdn_outcomes.report.render import visible_sections
from tpdn_outcomes.report.workbook import SHEET_NAMES

MIN = 11
LABEL = "<11"
#: what a hidden count reads: a count of 1 to 10, or a count hidden to protect one
MARKS = (LABEL, SECONDARY, HIDDEN)


@pytest.fixture(scope="module")
def report(sample: SessionData) -> Report:
    return quarterly_report(sample, quarter="2026Q1")


@pytest.fixture(scope="module")
def clinic_report(sample: SessionData) -> Report:
    return quarterly_report(sample, quarter="2026Q1", clinic="CLN-03")


def _raw() -> pd.DataFrame:
    raw = pd.read_csv(sample_path("sessions.csv"), parse_dates=["session_date"])
    return raw


# ---------------------------------------------------------------- contents (golden)
def test_key_figures_match_a_direct_count(report) -> None:  # type: ignore[no-untyped-def]
    raw = _raw()
    key = report.tables["key_figures"].set_index("figure")
    for quarter in ("2026Q1", "2025Q4", "2025Q1"):
        period = pd.Period(quarter, freq="Q")
        in_q = raw[raw["session_date"].dt.to_period("Q") == period]
        assert key.loc["Patients seen", quarter] == in_q["patient_id"].nunique()
        assert key.loc["Sessions", quarter] == len(in_q)
        recorded = in_q["adverse_events"].notna()
        rate = ((in_q["adverse_events"] != "none") & recorded).sum() / recorded.sum()
        assert key.loc["Sessions with any side effect", quarter] == f"{100 * rate:.1f} %"
    assert list(report.tables) == [
        "key_figures", "trends_table", "data_flow", "table_one", "pain", "pain_immediate", "rom",
        "time_to_relief", "function", "adverse_events", "risk_clinics", "efficiency",
        "completeness", "by_role", "twitch", "monthly_signals", "mcid", "mdc",
        "data_quality",
    ]  # fmt: skip


def test_pain_table_is_change_summary_of_completed_episodes(
    sample: SessionData, report: Report
) -> None:
    from tpdn_outcomes.outcomes import change_summary

    ep = sample.episodes("pain")
    # the condition tables pool the trailing 4 quarters (window=4, the default)
    ending = ep[(ep["last_date"] >= "2025-04-01") & (ep["last_date"] <= "2026-03-31")]
    done = ending[~ending["open"].astype(bool)].copy()
    # conditions with fewer than MIN completed episodes are grouped first
    sizes = done.groupby(done["condition"].astype(str))["episode_id"].nunique()
    rare = sizes.index[sizes < MIN]
    condition = done["condition"].astype(str)
    done["condition"] = condition.where(~condition.isin(rare), "other_conditions")
    pain = report.tables["pain"].set_index("condition")
    assert set(pain.index) == {*done["condition"], "All conditions"}
    for condition, group in done.groupby("condition", observed=True):
        pairs = group.dropna(subset=["change"])
        shown = pain.loc[condition, "n"]
        if shown == SECONDARY:  # hidden to protect another count
            assert len(pairs) >= MIN
        elif len(pairs) >= MIN:
            assert shown == len(pairs)
            # stored at the precision shown
            assert pain.loc[condition, "mean_change"] == round(pairs["change"].mean(), 2)
        else:
            assert shown == LABEL
    everyone = done.dropna(subset=["change"])
    total = pain.loc["All conditions", "n"]
    # hidden when the data-flow line of episodes without a change is small: completed minus
    # this total would give it
    assert total == len(everyone) or (total == SECONDARY and len(everyone) >= MIN)
    assert change_summary  # the same function the report calls


def test_sections_and_captions(report) -> None:  # type: ignore[no-untyped-def]
    titles = [s.title for s in report.sections]
    assert titles[0] == "2026Q1 in brief"  # the plain-language first page
    assert titles[1:5] == ["Key figures", "Trends", "Data flow", "Who was treated"]
    for s in report.sections:
        for key in s.tables + s.figures:
            assert report.captions[key]


# ---------------------------------------------------------------- privacy
def _counts_shown(table: pd.DataFrame, columns: list[str]) -> list[object]:
    return [v for c in columns if c in table for v in table[c]]


@pytest.mark.parametrize("which", ["report", "clinic_report"])
def test_no_small_count_is_shown(which: str, request: pytest.FixtureRequest) -> None:
    rep = request.getfixturevalue(which)
    count_cols = ["n", "count", "events", "n_events", "n_beyond_mdc", "moderate_responders",
                  "substantial_responders", "n_twitch", "n_no_twitch"]  # fmt: skip
    for key, table in rep.tables.items():
        if key in ("data_quality", "mcid", "mdc"):
            continue
        for value in _counts_shown(table, count_cols):
            if isinstance(value, (int, float, np.integer, np.floating)) and not pd.isna(value):
                assert value == 0 or value >= MIN, (key, value)
    key = rep.tables["key_figures"]
    for q in key.columns[1:]:
        for value in key[q].iloc[:5]:
            assert value in MARKS or value == 0 or value >= MIN


def _t1_count(cell: object) -> float | None:
    """The count in a Table 1 cell: '12 (3.4)' -> 12; '<11' or '—' -> None (hidden)."""
    text = str(cell)
    if text in (*MARKS, ""):
        return None
    return float(text.split(" ")[0].replace(",", ""))


@pytest.mark.parametrize("which", ["report", "clinic_report"])
def test_table_one_cannot_be_back_calculated(which: str, request: pytest.FixtureRequest) -> None:
    rep = request.getfixturevalue(which)
    view = rep.tables["table_one"]
    groups = [c for c in view.columns if c not in ("variable", "Overall", "SMD", "Missing")]
    n_row = view[view["variable"] == "n_episodes"].iloc[0]
    headers = [*view.index[view["variable"].str.endswith("(%)")].tolist(), len(view)]
    for start, stop in itertools.pairwise(headers):
        block = view.iloc[start + 1 : stop]
        block = block[block["variable"].str.startswith("   ")]
        # down each group's column: n - shown levels = the hidden levels together
        for g in groups:
            n = _t1_count(n_row[g])
            cells = [_t1_count(c) for c in block[g]]
            hidden = [c is None for c in cells]
            if n is None or not any(hidden) or all(hidden):
                continue
            rest = n - sum(c for c in cells if c is not None)
            # the hidden levels share `rest`: a hidden small one could be anything from 0
            # to rest, which must span the label (the audit's criterion: width >= MIN - 1)
            assert sum(hidden) >= 2 and rest >= MIN - 1, (g, block["variable"].tolist())
        # along each level: Overall - shown groups = the hidden groups together
        for _, row in block.iterrows() if "Overall" in view else ():
            total = _t1_count(row["Overall"])
            cells = [_t1_count(row[g]) for g in groups]
            hidden = [c is None for c in cells]
            if total is None or not any(hidden) or all(hidden):
                continue
            rest = total - sum(c for c in cells if c is not None)
            assert sum(hidden) >= 2 and rest >= MIN - 1, row["variable"]


@pytest.mark.parametrize("which", ["report", "clinic_report"])
def test_group_rows_and_rates_cannot_be_back_calculated(
    which: str, request: pytest.FixtureRequest
) -> None:
    rep = request.getfixturevalue(which)
    key = rep.tables["key_figures"].set_index("figure")
    # completed episodes of the trailing year: the pooled tables' window (the published total)
    completed = key.iloc[3, -1]
    pain = rep.tables["pain"]
    pain = pain[pain["condition"] != "All conditions"]
    for table in (pain, rep.tables["by_role"]):
        shown = [v for v in table["n"] if v not in MARKS]
        hidden = [v in MARKS for v in table["n"]]
        if completed not in MARKS and any(hidden):
            # the analysed n sum to at most the completed episodes: the hidden rows together
            # must not be pinned below the label's span, and one hidden small row alone is
            # never enough (a lone secondary row, 0 or >= MIN, is not small itself)
            assert sum(hidden) >= 2 or LABEL not in list(table["n"])
            assert completed - sum(shown) >= MIN - 1
    # a shown rate with a shown n reveals k: k and n - k must both be 0 or >= min_cell
    for definition in ("moderate", "substantial"):
        for n, rate in zip(pain["n"], pain[f"{definition}_rate"], strict=True):
            if n in MARKS or rate in MARKS:
                continue
            k = round(float(rate) * int(n))
            assert k == 0 or k >= MIN
            assert int(n) - k == 0 or int(n) - k >= MIN


def test_figures_leave_out_small_groups(report) -> None:  # type: ignore[no-untyped-def]
    fig = report.figures["pain_change"]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    pain = report.tables["pain"]
    shown = [n for c, n in zip(pain["condition"], pain["n"], strict=True)
             if n not in MARKS and c != "All conditions"]  # fmt: skip
    assert len(labels) == len(shown)
    assert all(int(re.search(r"n = (\d+)", lab).group(1)) >= MIN for lab in labels)  # type: ignore[union-attr]


# ---------------------------------------------------------------- formats
def test_html_is_self_contained_and_escapes_markup(tmp_path: Path) -> None:
    frame = pd.read_csv(sample_path("sessions.csv"))
    evil = "<script>alert('x')</script>"
    frame.loc[frame["clinic_id"] == "CLN-02", "clinic_id"] = evil
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(frame, export_date="2026-07-01")
    rep = quarterly_report(data, quarter="2026Q1", clinic=evil, title="Q1 <b>bold</b>")
    html = rep.to_html(str(tmp_path / "r.html"))
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched
    assert html.count("data:image/png;base64,") == len(rep.figures)
    assert '<th scope="col">' in html
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == html


def test_excel_one_sheet_per_table_neutralised(tmp_path: Path, sample: SessionData) -> None:
    rep = quarterly_report(sample, quarter="2026Q1", title='=HYPERLINK("http://x")')
    path = tmp_path / "r.xlsx"
    rep.to_excel(str(path))
    sheets = pd.read_excel(path, sheet_name=None)
    shown = [k for s in visible_sections(rep) for k in s.tables]
    assert list(sheets) == ["Cover", "Legend", *[SHEET_NAMES[k] for k in shown]]
    assert list(sheets["Legend"]["Marker"])[:3] == [LABEL, SECONDARY, HIDDEN]
    cover = sheets["Cover"].set_index("Item")["Value"]
    assert cover["Title"] == '=HYPERLINK("http://x")'  # kept as text, never run
    import openpyxl

    title = openpyxl.load_workbook(path)["Cover"]["B2"]
    assert title.data_type == "s" and title.quotePrefix  # a string, not a formula
    pain = sheets["Pain"]
    statuses = [s["Status"].astype(str) for s in sheets.values() if "Status" in s]
    assert any(s.str.contains(f"n: ({LABEL}|{SECONDARY})").any() for s in statuses)
    numeric = pd.to_numeric(pain["Mean change"], errors="coerce")
    assert numeric.notna().any()  # numbers stay numbers


def test_pdf_has_pages_with_content(tmp_path: Path, report) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("weasyprint", reason="PDF output needs WeasyPrint (the test extra)")
    path = tmp_path / "r.pdf"
    try:
        report.to_pdf(str(path))
    except PdfEngineMissing as exc:
        pytest.skip(f"WeasyPrint cannot run here: {exc}")
    assert path.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: pages not rendered")
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 3
    from PIL import Image

    for page in pages[:3]:
        pixels = np.asarray(Image.open(page).convert("L"))
        assert (pixels < 200).mean() > 0.01  # ink on the page


def test_existing_report_is_never_half_overwritten(tmp_path: Path, report, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"previous report")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("tpdn_outcomes.report.render.write_sheet", broken)  # mid-write
    with pytest.raises(RuntimeError, match="disk full"):
        report.to_excel(str(path))
    assert path.read_bytes() == b"previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]  # no temporary left


def test_missing_pdf_engine_names_what_to_install(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import builtins

    real_import = builtins.__import__

    def no_weasy(name: str, *args: object, **kwargs: object) -> object:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_weasy)
    code = main(["report", str(sample_path("sessions.csv")), "--quarter", "2026Q1", "--out",
                 str(tmp_path), "--quiet", "--export-date", "2026-07-01"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "weasyprint" in err.lower() and "pango" in err.lower()
    written = sorted(p.suffix for p in tmp_path.iterdir())
    assert written == [".html", ".xlsx"]
    with pytest.raises(PdfEngineMissing):
        quarterly_report(load_sample(), quarter="2026Q1").to_pdf(str(tmp_path / "x.pdf"))


# ---------------------------------------------------------------- command line
def test_cli_report_with_config_and_all_clinics(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "report.toml"
    config.write_text('[report]\nquarter = "2026Q1"\nformat = "html"\nmin_cell = 15\n')
    code = main(["report", str(sample_path("sessions.csv")), "--config", str(config),
                 "--all-clinics", "--out", str(tmp_path / "out"), "--quiet",
                 "--export-date", "2026-07-01"])  # fmt: skip
    assert code == 0
    from tpdn_outcomes.report.files import report_stem

    folder = tmp_path / "out" / "tpdn_reports_2026Q1"  # one complete set (tests/test_cli_files.py)
    names = sorted(p.name for p in folder.iterdir())
    clinics = ("CLN-01", "CLN-02", "CLN-03", "CLN-04", None)
    expected = [f"{report_stem('2026Q1', c)}.html" for c in clinics]
    assert names == sorted([*expected, "index.html", "manifest.json"])
    html = (folder / f"{report_stem('2026Q1', 'CLN-02')}.html").read_text(encoding="utf-8")
    assert "&lt;15" in html and "CLN-02" in html
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "doc"], "html, pdf and/or xlsx"),
        (["--min-cell", "0"], "at least 1"),
        ([], "--quarter is required"),
    ],
)
def test_cli_report_usage_errors(argv: list[str], message: str, capsys) -> None:  # type: ignore[no-untyped-def]
    base = ["report", str(sample_path("sessions.csv")), "--quiet"]
    if argv and argv[0] != "--quarter":
        base += ["--quarter", "2026Q1"]
    with pytest.raises(SystemExit) as exc:
        main(base + argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_unknown_clinic_is_a_clear_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["report", str(sample_path("sessions.csv")), "--quarter", "2026Q1", "--clinic",
                 "CLN-99", "--out", str(tmp_path), "--quiet", "--export-date", "2026-07-01"])  # fmt: skip
    assert code == 1
    assert "CLN-99" in capsys.readouterr().err


def test_cli_summary_formats(capsys) -> None:  # type: ignore[no-untyped-def]
    path = str(sample_path("sessions.csv"))
    assert main(["summary", path, "--export-date", "2026-07-01"]) == 0
    out = capsys.readouterr().out
    assert "neck_pain" in out and "mean_change" in out
    assert main(["summary", path, "--by", "sex", "--format", "csv",
                 "--export-date", "2026-07-01"]) == 0  # fmt: skip
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert list(table["sex"]) == ["female", "male", "other", "unknown"]
    assert main(["summary", path, "--measure", "function:odi", "--format", "json",
                 "--export-date", "2026-07-01"]) == 0  # fmt: skip
    assert '"measure": "function:odi"' in capsys.readouterr().out


def test_table_one_patients_and_missing_are_suppressed(report) -> None:  # type: ignore[no-untyped-def]
    view = report.tables["table_one"]
    assert "SMD" not in view.columns
    patients = view[view["variable"] == "n_patients"].iloc[0]
    for g in view.columns[1:-1]:
        value = _t1_count(patients[g])
        assert value is None or value == 0 or value >= MIN
    for value in view["Missing"]:
        count = _t1_count(value)
        assert count is None or count == 0 or count >= MIN


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_renders_in_headless_chromium(tmp_path: Path, report) -> None:  # type: ignore[no-untyped-def]
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium): page not rendered")
    path = tmp_path / "report.html"
    report.to_html(str(path))
    run = subprocess.run(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--v=0", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    dom = run.stdout
    for heading in ("Key figures", "Data flow", "Who was treated", "Pain", "Side effects",
                    "Methods and definitions"):  # fmt: skip
        assert f">{heading}</h2>" in dom
    patients = report.tables["key_figures"].iloc[0, 1]
    assert f"<td>{patients:,}</td>" in dom
    assert len(re.findall(r"<tr>", dom)) > 50
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console


def test_console_check_can_fail(tmp_path: Path) -> None:
    """The console check above sees a page's console errors (so it can fail)."""
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    page = tmp_path / "bad.html"
    page.write_text('<html><body><script>console.error("boom")</script></body></html>')
    run = subprocess.run(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert any(":CONSOLE" in line and "boom" in line for line in run.stderr.splitlines())


def test_time_to_relief_figure_shows_no_small_risk_set(report) -> None:  # type: ignore[no-untyped-def]
    ax = report.figures["time_to_relief"].axes[0]
    # no at-risk counts under the axes: they are counts the disclosure audit does not hold
    assert not [t.get_text() for t in ax.texts if t.get_text().lstrip("<").isdigit()]
    drawn = {t.get_text().split(" (n = ")[0] for t in ax.get_legend().get_texts()}
    table = report.tables["time_to_relief"]
    from tpdn_outcomes.plots import _label

    published = {_label(c) for c, n in zip(table["condition"], table["n"], strict=True)
                 if n not in MARKS}  # fmt: skip
    assert drawn <= published
    for line in ax.get_lines():
        if line.get_linestyle() == "-" and len(line.get_xdata()) > 2:
            assert min(line.get_ydata()) > 0  # curves stop before the small risk sets


def test_monitoring_and_clinic_sections(report, clinic_report) -> None:  # type: ignore[no-untyped-def]
    signals = report.tables["monthly_signals"]
    assert signals["chart"].iloc[0] == "Mean pain change of completed episodes"
    assert all(text.endswith(".") for text in signals["signals"])
    for metric in ("mean_change", "responder_rate", "adverse_event_rate"):
        assert f"monthly_{metric}" in report.figures
    # one clinic comparison: the risk-adjusted one, with the funnel in the all-clinics report
    assert "clinics" not in report.tables and "clinics" not in {s.key for s in report.sections}
    compared = report.tables["risk_clinics"]
    assert list(compared["clinic_id"]) == ["CLN-01", "CLN-02", "CLN-03", "CLN-04"]
    assert "clinic_funnel" in report.figures
    risk = next(s for s in report.sections if s.key == "risk")
    assert "clinic_funnel" in risk.figures
    ax = report.figures["clinic_funnel"].axes[0]
    shown = compared[compared["n"].map(lambda v: v not in MARKS)]
    assert 2 <= len(shown) < len(compared)  # a clinic's count is hidden on this sample
    drawn = sorted(t.get_text() for t in ax.texts)
    assert drawn == list(shown["clinic_id"])  # every published clinic, and only those
    # the points are the table's observed - expected (two decimals) against its n
    points = ax.collections[0].get_offsets()
    assert np.allclose(points[:, 0], shown["n"].astype(float))
    assert np.allclose(points[:, 1], shown["o_minus_e"].astype(float), atol=0.005)
    # a clinic's own report: its own row and rank, no funnel of the others
    assert "clinic_funnel" not in clinic_report.figures
    assert list(clinic_report.tables["risk_clinics"].columns[:1]) == ["n"]
