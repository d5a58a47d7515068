"""The tpdn-outcomes command: exit codes, output formats, and no tracebacks for data problems."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from samples import four_clinic_path as sample_path  # the sample fixture's files

from tpdn_outcomes import __version__
from tpdn_outcomes.cli import main

EXPORT = ["--export-date", "2026-11-24"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"tpdn-outcomes {__version__}"


@pytest.mark.parametrize("command", [[], ["validate"], ["sample"], ["demo"], ["nonsense"]])
def test_usage_errors_exit_2(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(command)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["validate", "sample", "demo"])
def test_help_on_every_command(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "usage: tpdn-outcomes " + command in capsys.readouterr().out


def test_validate_clean_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(sample_path("sessions.csv")), *EXPORT]) == 0
    out = capsys.readouterr().out
    assert "0 errors" in out and "OK: the file can be loaded" in out


def test_validate_strict_fails_on_warnings() -> None:
    # the sample has one-session episodes (warnings)
    assert main(["validate", str(sample_path("sessions.csv")), *EXPORT, "--strict"]) == 1


def test_validate_messy_file_exits_1_with_fixes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(sample_path("sessions_with_errors.csv")), *EXPORT]) == 1
    out = capsys.readouterr().out
    assert "sessions_with_errors.csv, row" in out and "Fix:" in out
    assert "Traceback" not in out


def test_validate_says_coerce_cannot_repair_an_unreadable_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "excel_semicolons.csv"
    path.write_text("Patient ID;Condition;Session date\nP1;neck_pain;2025-01-01\n")
    assert main(["validate", str(path), *EXPORT]) == 1
    out = capsys.readouterr().out
    assert "separated by semicolons" in out and "--errors coerce cannot repair" in out
    assert "load with --errors coerce" not in out and "errors=" not in out


def test_validate_json_and_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    messy = str(sample_path("sessions_with_errors.csv"))
    assert main(["validate", messy, *EXPORT, "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and payload["errors"] == len(
        [p for p in payload["problems"] if p["severity"] == "error"]
    )
    assert {"file", "row", "column", "value", "check", "severity", "message"} <= set(
        payload["problems"][0]
    )
    assert main(["validate", messy, *EXPORT, "--format", "csv"]) == 1
    out = tmp_path / "report.csv"
    out.write_text(capsys.readouterr().out)
    table = pd.read_csv(out)
    assert len(table) == payload["errors"] + payload["warnings"]


def test_missing_file_exits_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "no/such/file.csv"]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "Traceback" not in err


def test_identifiers_refused_by_demo_with_a_message(
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
    assert "identifier" in out and "Jane Example" not in out
    assert main(["demo", str(path), *EXPORT, "--allow-column", "Patient Name"]) == 0


def test_sample_writes_the_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "--out", str(tmp_path / "s"), "--patients", "40", "--seed", "3"]) == 0
    written = {p.name for p in (tmp_path / "s").iterdir()}
    assert {"sessions.csv", "sessions_index.csv", "measures_long.csv"} <= written
    assert main(["validate", str(tmp_path / "s" / "sessions.csv"), *EXPORT]) == 0


def test_sample_rejects_zero_patients() -> None:
    with pytest.raises(SystemExit) as info:
        main(["sample", "--out", "x", "--patients", "0"])
    assert info.value.code == 2


def test_demo_prints_episodes_and_change_by_condition(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", str(sample_path("sessions.csv")), *EXPORT]) == 0
    out = capsys.readouterr().out
    assert "Episodes (first 10 of 659)" in out
    assert "Mean pain change (final - baseline) by condition" in out
    assert "neck_pain" in out and "not treatment effects" in out


def test_console_script_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tpdn_outcomes.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and __version__ in result.stdout


def test_output_cut_off_by_its_reader_gives_no_traceback() -> None:
    # as with `tpdn-outcomes validate FILE | head -1`: the reader is gone before the output
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tpdn_outcomes.cli",
            "validate",
            "--format",
            "csv",
            str(sample_path("sessions_with_errors.csv")),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # (long before the command has read its file)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err


@pytest.mark.parametrize("value", ["{not json", "[1, 2]"])
def test_json_options_must_be_objects(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate", str(sample_path("sessions.csv")), "--column-map", value])
    assert info.value.code == 2
    assert "--column-map must be" in capsys.readouterr().err
