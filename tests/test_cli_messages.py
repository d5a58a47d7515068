"""The command line in its own words: flags, quarters, exit codes and no tracebacks (issue 19).

Each test names the finding of issue 19 it covers.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from samples import four_clinic_path as sample_path  # the sample fixture's files

from tpdn_outcomes import parse_quarter, quarter_bounds
from tpdn_outcomes.cli import cli_words, main
from tpdn_outcomes.data import QuarterError, SessionData

validate_module = sys.modules[
    "tpdn_outcomes.validate"
]  # (the package's `validate` is the function)

EXPORT = ["--export-date", "2026-07-01"]
SAMPLE = str(sample_path("sessions.csv"))
MESSY = str(sample_path("sessions_with_errors.csv"))
BAD = Path(__file__).parent / "data" / "bad"


def _exit(argv: list[str]) -> int:
    """The exit code, whether main returns it or argparse exits."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


# ----------------------------------------------------------------- one quarter parser
@pytest.mark.parametrize(
    "text", ["2026Q3", "2026-Q3", "2026q3", "Q3 2026", "Q3-2026", " q3 2026 ", "2026 Q3"]
)
def test_quarter_spellings_give_one_canonical_form(text: str) -> None:
    assert parse_quarter(text) == "2026Q3"
    assert quarter_bounds(text) == (pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30"))


@pytest.mark.parametrize("text", ["2026Q5", "2026-07", "Q3", "2026", "26Q3", "Q3 2026 x", ""])
def test_other_quarters_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(QuarterError, match="such as 2026Q3"):
        parse_quarter(text)
    with pytest.raises(ValueError, match="such as 2026Q3"):
        quarter_bounds(text)


def test_quarter_in_the_python_api_is_canonical(sample: SessionData) -> None:
    q = sample.filter(quarter="Q1 2026")
    assert q.metadata["filter"]["quarter"] == "2026Q1"
    assert len(q.sessions) == len(sample.filter(quarter="2026Q1").sessions) > 0
    assert parse_quarter(pd.Period("2026Q1", freq="Q")) == "2026Q1"


@pytest.mark.parametrize("bad", ["2026-07", "Q5 2026", "third quarter"])
def test_cli_bad_quarter_is_a_usage_error_with_an_example(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _exit(["report", SAMPLE, "--quarter", bad, *EXPORT]) == 2
    err = capsys.readouterr().err
    assert "usage: tpdn-outcomes report" in err and "--quarter 2026Q3" in err
    assert "Traceback" not in err


def test_cli_quarter_spelling_is_canonical_in_file_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # before: --quarter 2026-Q3 gave files named 2026-Q3 and "Q3 2026" exited 1
    assert main(["report", SAMPLE, "--quarter", "Q1 2026", "--format", "html", "--out",
                 str(tmp_path), "--quiet", *EXPORT]) == 0  # fmt: skip
    (written,) = tmp_path.iterdir()
    assert written.name == "tpdn_report_2026Q1_all_clinics.html"


def test_report_quarter_without_sessions_names_the_quarters_with_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", SAMPLE, "--quarter", "2024Q1", "--format", "html", "--out",
                 str(tmp_path), "--quiet", *EXPORT]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "no sessions in 2024Q1" in err and "2025Q1" in err and "2026Q2" in err
    assert list(tmp_path.iterdir()) == []
    assert main(["report", SAMPLE, "--quarter", "2026Q3", "--clinic", "CLN-01", "--format",
                 "html", "--out", str(tmp_path), "--quiet", *EXPORT]) == 1  # fmt: skip
    assert "clinic 'CLN-01' has no sessions in 2026Q3" in capsys.readouterr().err


# ----------------------------------------------------------------- usage errors
def test_report_format_docx_lists_the_formats_in_the_report_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _exit(["report", SAMPLE, "--quarter", "2026Q1", "--format", "docx"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: tpdn-outcomes report")  # not the top-level usage
    assert "html, pdf and/or xlsx" in err and "not docx" in err


@pytest.mark.parametrize("command", ["summary", "validate", "report", "demo"])
def test_help_shows_percent_signs_once(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "%%" not in out and "%d/%m/%Y" in out
    if command == "summary":
        assert "95% CI" in " ".join(out.split())


def test_top_level_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit(["--help"]) == 0
    assert "0 ok, 1 a problem with the data, 2 a usage error" in capsys.readouterr().out


# ----------------------------------------------------------------- summary
def test_summary_table_does_not_round_p_to_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", SAMPLE, *EXPORT]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[-1] == "p_adj"
    p_texts = [line.split()[-1] for line in lines[1:10]]
    assert "<0.001" in p_texts and "0.0" not in p_texts


def test_summary_of_a_header_only_file_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "header.csv"
    path.write_text(Path(SAMPLE).read_text(encoding="utf-8").splitlines()[0] + "\n")
    code = _exit(["summary", str(path), *EXPORT])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "KeyError" not in err
    assert "header.csv" in err


def test_summary_misspelt_measure_suggests_the_right_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _exit(["summary", SAMPLE, "--measure", "pian", *EXPORT]) == 2
    err = capsys.readouterr().err
    assert "unknown measure 'pian'" in err and "did you mean pain?" in err
    assert "Traceback" not in err
    assert _exit(["summary", SAMPLE, "--measure", "rom:cervical_rotaton_left", *EXPORT]) == 2
    assert "did you mean rom:cervical_rotation_left" in capsys.readouterr().err


def test_summary_rows_with_n_zero_get_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", SAMPLE, "--measure", "rom:cervical_rotation", *EXPORT]) == 0
    err = capsys.readouterr().err
    assert "no values of rom:cervical_rotation" in err
    assert "rom:cervical_rotation_left, rom:cervical_rotation_right" in err
    assert main(["summary", SAMPLE, "--measure", "function:ndi", *EXPORT]) == 0
    assert "no values" not in capsys.readouterr().err


def test_summary_unknown_by_column_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit(["summary", SAMPLE, "--by", "gender", *EXPORT]) == 2
    assert "no column 'gender'" in capsys.readouterr().err


# ----------------------------------------------------------------- the library's words
@pytest.mark.parametrize(
    ("library", "cli"),
    [
        ("pass allow_columns=['Patient Name'].", "pass --allow-column 'Patient Name'."),
        ("say so with allow_columns=['a', 'b'].", "say so with --allow-column a --allow-column b."),
        ("or pass encoding='cp1252' (or the", "or pass --encoding cp1252 (or the"),
        ("pass errors='coerce' to load", "pass --errors coerce to load"),
        ("... and 12 more (see report.table)", "... and 12 more (write them all with --problems FILE)"),
        ("or pass date_format='%d/%m/%Y' if", "or pass --date-format %d/%m/%Y if"),
        ("pass pain_scale='vas100'", "pass --pain-scale vas100"),
        ("or pass export_date= if the export", "or pass --export-date YYYY-MM-DD if the export"),
        ("otherwise pass episode_gap_days=", "otherwise pass --episode-gap-days DAYS"),
        ("column_map={'Your name': 'patient_id'}", "--column-map '{\"Your name\": \"patient_id\"}'"),
        ("map the label with conditions={'whiplash': 'a_condition'}",
         "map the label with --condition-map '{\"whiplash\": \"a_condition\"}'"),
        ("choose it with sheet='Data'", "choose it with --sheet Data"),
        ("pass one of these names as sheet=", "pass one of these names as --sheet NAME"),
        ("or pass sheet=0", "or pass --sheet 0"),
        ("nothing to translate here", "nothing to translate here"),
    ],
)  # fmt: skip
def test_library_words_become_flags(library: str, cli: str) -> None:
    assert cli_words(library) == cli


def _library_messages() -> list[str]:
    """Every ``name=`` a library message tells the user to pass (from the sources)."""
    import re

    root = Path(validate_module.__file__).parents[1]
    found = set()
    validate_files = sorted(str(f.relative_to(root)) for f in (root / "validate").glob("*.py"))
    privacy_files = sorted(str(f.relative_to(root)) for f in (root / "privacy").glob("*.py"))
    split_off = sorted(
        f.name for pattern in ("_io_*.py", "_schema_*.py") for f in root.glob(pattern)
    )
    for module in (*validate_files, *privacy_files, "io.py", *split_off, "schema.py", "data.py"):
        text = (root / module).read_text(encoding="utf-8")
        found |= set(re.findall(r"pass ([a-z_]+)=", text))
        found |= set(re.findall(r"with ([a-z_]+)=", text))
    return sorted(found)


def test_every_argument_the_library_asks_for_has_a_flag() -> None:
    from tpdn_outcomes.cli import build_parser

    help_text = build_parser()._subparsers._group_actions[0].choices["validate"].format_help()  # type: ignore[union-attr]
    names = _library_messages()
    assert {"allow_columns", "column_map", "encoding", "errors", "date_format"} <= set(names)
    for name in names:
        value = {"column_map": "{'x': 'y'}", "conditions": "{'x': 'y'}"}.get(name, "'x'")
        said = cli_words(f"pass {name}={value}")
        assert "=" not in said, name
        flag = said.split()[1]
        assert flag in help_text, (name, flag)


def test_identifier_refusal_names_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "with_names.csv"
    pd.DataFrame(
        {
            "patient_id": ["P1", "P1"],
            "Patient Name": ["Jane Example", "Jane Example"],
            "condition": ["neck_pain"] * 2,
            "session_number": [1, 2],
            "pain_pre": [6, 5],
            "pain_post": [4, 3],
        }
    ).to_csv(path, index=False)
    assert main(["validate", str(path), *EXPORT]) == 1
    out = capsys.readouterr().out
    assert "allow_columns" not in out and "Jane Example" not in out
    assert _exit(["summary", str(path), *EXPORT]) == 1
    err = capsys.readouterr().err
    assert "allow_columns" not in err and "--allow-column" in err
    assert "Jane Example" not in err and "Traceback" not in err


def test_encoding_flag_reads_a_cp1252_file(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(BAD / "cp1252.csv")
    assert main(["validate", path, *EXPORT]) == 1
    out = capsys.readouterr().out
    assert "--encoding cp1252" in out and "encoding=" not in out
    assert main(["validate", path, *EXPORT, "--encoding", "cp1252"]) == 0


def test_errors_coerce_flag_loads_a_messy_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", MESSY, *EXPORT]) == 1
    err = capsys.readouterr().err
    assert "--errors coerce" in err and "errors=" not in err and "Traceback" not in err
    assert main(["summary", MESSY, *EXPORT, "--errors", "coerce"]) == 0
    assert "neck_pain" in capsys.readouterr().out
    assert main(["validate", MESSY, *EXPORT]) == 1
    assert "load with --errors coerce" in capsys.readouterr().out


def test_problems_file_holds_the_whole_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problems = tmp_path / "problems.csv"
    assert main(["validate", MESSY, *EXPORT, "--max-rows", "3", "--problems", str(problems)]) == 1
    out = capsys.readouterr().out
    assert "write them all with --problems FILE" in out and "report.table" not in out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from tpdn_outcomes import validate

        report = validate(MESSY, export_date="2026-07-01")
    table = pd.read_csv(problems)
    assert len(table) == len(report.table) > 3
    assert list(table.columns) == list(report.table.columns)
    assert not table["message"].str.contains("errors='coerce'|allow_columns=").any()
    assert [p.name for p in tmp_path.iterdir()] == ["problems.csv"]  # (no temporary left)
    # a load that fails also writes its problems (summary, report, demo)
    again = tmp_path / "again.csv"
    assert main(["summary", MESSY, *EXPORT, "--problems", str(again)]) == 1
    assert len(pd.read_csv(again)) == len(report.table)
    assert _exit(["validate", MESSY, "--problems", str(tmp_path / "p.txt")]) == 2
    assert "--problems writes .csv" in capsys.readouterr().err


def _two_sheets(path: Path, first: str = "Notes") -> None:
    frame = pd.read_csv(SAMPLE, dtype=str).head(40)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"note": ["exported by the clinic system"]}).to_excel(
            writer, sheet_name=first, index=False
        )
        frame.to_excel(writer, sheet_name="Sessions", index=False)


def test_sheets_are_listed_when_the_data_is_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # (the CLI lists the sheets itself unless the library's messages already do)
    path = tmp_path / "export.xlsx"
    _two_sheets(path)
    assert main(["validate", str(path), *EXPORT]) == 1
    out = capsys.readouterr().out
    assert "'Notes'" in out and "'Sessions'" in out and "--sheet" in out and "sheet=" not in out
    assert main(["validate", str(path), *EXPORT, "--sheet", "Sessions"]) == 0
    capsys.readouterr()
    assert main(["validate", str(path), *EXPORT, "--sheet", "Data"]) == 1
    out = capsys.readouterr().out
    assert "'Notes', 'Sessions'" in out and "no sheet 'Data'" in out and "sheet=" not in out
    assert _exit(["summary", str(path), *EXPORT, "--sheet", "Data"]) == 1
    err = capsys.readouterr().err
    assert "'Notes', 'Sessions'" in err and "Traceback" not in err


def test_sep_flag_reaches_the_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    real = validate_module.validate

    def validate_with_sep(source: Any, *, sep: str = ",", **kwargs: Any) -> Any:
        seen["sep"] = sep
        return real(SAMPLE, **kwargs)

    def load_with_sep(source: Any, *, sep: str = ",", **kwargs: Any) -> Any:
        raise AssertionError("not used by validate")  # pragma: no cover

    monkeypatch.setattr(validate_module, "validate", validate_with_sep)
    monkeypatch.setattr(validate_module, "load_sessions", load_with_sep)
    assert main(["validate", "semicolons.csv", *EXPORT, "--sep", ";"]) == 0
    assert seen["sep"] == ";"
    assert main(["validate", "tabs.txt", *EXPORT, "--sep", "tab"]) == 0
    assert seen["sep"] == "\t"
    assert _exit(["validate", "x.csv", "--sep", ";;"]) == 2


def test_sep_flag_reads_a_semicolon_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sample: SessionData,
) -> None:
    import hashlib
    import tempfile

    from tpdn_outcomes.cli import _load, _load_options, build_parser

    if "sep" in inspect.signature(validate_module.load_sessions).parameters:
        pytest.skip("the loader takes sep=: covered by test_sep_flag_reaches_the_loader")
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    assert frame["muscles"].str.contains(";").any()  # (cells holding the separator: quoted)
    path = tmp_path / "semicolons.csv"
    frame.to_csv(path, sep=";", index=False, encoding="cp1252")
    assert main(["validate", str(path), *EXPORT, "--encoding", "cp1252"]) == 1
    assert "Fix: read it with --sep ';'" in capsys.readouterr().out
    before = set(Path(tempfile.gettempdir()).glob("tpdn-sep-*"))
    assert main(["validate", str(path), *EXPORT, "--encoding", "cp1252", "--sep", ";"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("semicolons.csv: 0 errors, 83 warnings")  # the same name and rows
    assert "row 10, column 'patient_id'" in out
    args = build_parser().parse_args(["summary", str(path), "--sep", "semicolon",
                                      "--encoding", "cp1252", *EXPORT])  # fmt: skip
    data = _load(args)
    assert _load_options(args)["sep"] == ";"
    pd.testing.assert_frame_equal(data.measures, sample.measures)
    assert data.metadata["source"] == str(path)
    assert data.metadata["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert set(Path(tempfile.gettempdir()).glob("tpdn-sep-*")) == before  # copy removed
    assert _exit(["validate", str(sample_path("sessions.xlsx")), "--sep", ";"]) == 2
    assert "--sep is for text tables" in capsys.readouterr().err


def test_day_options_reach_the_loader(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit(["validate", SAMPLE, *EXPORT, "--episode-gap-days", "0"]) == 2
    assert "--episode-gap-days must be at least 1" in capsys.readouterr().err
    assert main(["validate", SAMPLE, *EXPORT, "--format", "json"]) == 0
    default = capsys.readouterr().out.count('"check": "long_gap"')
    assert main(["validate", SAMPLE, *EXPORT, "--format", "json",
                 "--episode-gap-days", "7"]) == 0  # fmt: skip
    assert capsys.readouterr().out.count('"check": "long_gap"') > default


# ----------------------------------------------------------------- no tracebacks
def test_ctrl_c_exits_130_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(validate_module, "validate", interrupted)
    assert main(["validate", SAMPLE]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_unwritable_output_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = _exit(["validate", SAMPLE, *EXPORT, "--problems", str(blocker / "p.csv")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "file" in err


def test_no_traceback_in_a_real_process(tmp_path: Path) -> None:
    header = tmp_path / "header.csv"
    header.write_text("patient_id,condition,session_date,pain_pre\n")
    for argv in (
        ["summary", str(header)],
        ["summary", SAMPLE, "--measure", "pian"],
        ["report", SAMPLE, "--quarter", "Q3 2026", "--format", "docx"],
        ["report", SAMPLE, "--quarter", "2026/3"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "tpdn_outcomes.cli", *argv, *EXPORT],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode in (1, 2), argv
        assert "Traceback" not in result.stderr, argv


def test_convert_takes_the_load_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "adtpdn.csv"
    argv = ["convert", MESSY, str(out), "--from", "sessions", "--to", "adam", *EXPORT]
    assert main(argv) == 1
    assert "--errors coerce" in capsys.readouterr().err and not out.exists()
    assert main([*argv, "--errors", "coerce", "--problems", str(tmp_path / "p.csv")]) == 0
    assert out.exists() and len(pd.read_csv(tmp_path / "p.csv")) > 0
    assert _exit(["convert", str(out), str(tmp_path / "b.csv"), "--from", "adam", "--to",
                  "sessions", "--encoding", "cp1252"]) == 2  # fmt: skip
    assert "only with --from sessions" in capsys.readouterr().err
