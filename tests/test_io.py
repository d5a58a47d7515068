"""Readers, column mapping and safe writers (tpdn_outcomes.io).

DATA.md: column names are matched case- and space-insensitively and through an alias
table, a user's ``column_map`` wins; the input file is never modified; outputs are written
to a temp file and moved into place. io.py: CSV/TSV cells are read as text, only the
listed missing markers are missing, and formula-like cells are neutralised in CSV and
Excel output.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tpdn_outcomes.errors import DataQualityWarning, SchemaError
from tpdn_outcomes.io import (
    MISSING_MARKERS,
    atomic_write,
    neutralise_formulas,
    plan_columns,
    read_table,
    write_table,
)
from tpdn_outcomes.validate import load_sessions, validate

BAD = Path(__file__).parent / "data" / "bad"
EXPORT = "2026-11-24"

TEXT_FRAME = pd.DataFrame(
    {
        "Patient ID": ["007", "P002", "P003"],
        "Condition": ["neck pain", "TMD", None],
        "Session date": ["2026-01-05", "03/04/2025", "2026-02-01"],
        "NPRS pre": ["6", "1e3", None],
        "Adverse events": ["none", "soreness;bruising", "TRUE"],
    }
)


def _cells(frame: pd.DataFrame) -> list[list[object]]:
    """Cell values as plain Python objects, missing as None."""
    return [[None if pd.isna(v) else v for v in row] for row in frame.astype(object).to_numpy()]


def _write(frame: pd.DataFrame, path: Path) -> None:
    kind = path.suffix
    if kind == ".csv":
        frame.to_csv(path, index=False)
    elif kind == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif kind == ".xlsx":
        frame.to_excel(path, index=False, engine="openpyxl")
    else:
        frame.to_parquet(path, index=False)


# ---------------------------------------------------------------------------
# read_table
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("ext", [".csv", ".tsv", ".xlsx", ".parquet"])
def test_read_table_gives_the_same_frame_for_every_format(ext: str, tmp_path: Path) -> None:
    path = tmp_path / f"export{ext}"
    _write(TEXT_FRAME, path)
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    raw = read_table(path)
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before
    assert raw.file == path.name
    assert raw.path == str(path)
    assert len(raw.sha256) == 64
    assert list(raw.frame.columns) == list(TEXT_FRAME.columns)
    assert _cells(raw.frame) == _cells(TEXT_FRAME)


def test_parquet_text_is_read_as_categoricals_with_the_same_values(tmp_path: Path) -> None:
    # missing text, text types of both widths, several row groups (each with its own
    # dictionary in the file) and a text index kept by pandas: values as pandas reads them
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = pd.DataFrame(
        {
            "patient_id": ["P2", None, "P1", "P2", " P3", "P1"],
            "note": pd.array(["a", "b", None, "a", "", "c"], dtype="string"),
            "pain_pre": [6, 5, 4, 3, 2, 1],
        },
        index=pd.Index(["r1", "r2", "r3", "r4", "r5", "r6"], name="row"),
    )
    table = pa.Table.from_pandas(frame)
    schema = table.schema.set(
        table.schema.get_field_index("note"), pa.field("note", pa.large_string())
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table.cast(schema), path, row_group_size=2)
    assert pq.ParquetFile(path).num_row_groups == 3
    got = read_table(path).frame
    expected = pd.read_parquet(path)
    assert list(got.columns) == ["patient_id", "note", "pain_pre"]
    assert got.index.tolist() == expected.index.tolist() == list(frame.index)
    for col in ("patient_id", "note"):
        assert isinstance(got[col].dtype, pd.CategoricalDtype)
        assert _cells(got[[col]]) == _cells(expected[[col]])
    assert got["patient_id"].cat.categories.tolist() == ["P2", "P1", " P3"]  # as they come
    assert got["pain_pre"].tolist() == [6, 5, 4, 3, 2, 1]


def test_parquet_numbers_are_read_as_arrow_columns_with_the_same_values(tmp_path: Path) -> None:
    # integers with and without missing cells, doubles with missing cells and a NaN that
    # is not missing, over several row groups: the values pandas reads, kept in Arrow
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "pain_pre": pa.array([6, 5, 4, 3, 2, 1], pa.int64()),
            "pain_post": pa.array([4, None, 3, None, 1, 0], pa.int32()),
            "fiqr_pre": pa.array([55.5, None, float("nan"), 60.0, None, 12.25]),
            "session_date": pa.array([1, 2, 3, 4, 5, 6], pa.timestamp("ms")),
        }
    )
    path = tmp_path / "n.parquet"
    pq.write_table(table, path, row_group_size=4)
    got = read_table(path).frame
    expected = pd.read_parquet(path)
    assert str(got["pain_pre"].dtype) == "int64[pyarrow]"
    assert str(got["pain_post"].dtype) == "int32[pyarrow]"
    assert str(got["fiqr_pre"].dtype) == "double[pyarrow]"
    assert got["session_date"].dtype == expected["session_date"].dtype  # dates as pandas reads
    for col in ("pain_pre", "pain_post", "fiqr_pre"):
        assert got[col].isna().tolist() == [v is None for v in table.column(col).to_pylist()]
        np.testing.assert_array_equal(
            got[col].to_numpy(dtype=np.float64, na_value=np.nan),
            expected[col].to_numpy(dtype=np.float64, na_value=np.nan),
        )


def test_csv_cells_are_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Patient ID,Session date,NPRS pre,flag\n007,03/04/2025,06,TRUE\n")
    frame = read_table(path).frame
    assert frame.iloc[0].tolist() == ["007", "03/04/2025", "06", "TRUE"]
    assert all(pd.api.types.is_string_dtype(t) for t in frame.dtypes)


@pytest.mark.parametrize("marker", sorted(MISSING_MARKERS))
def test_missing_markers_are_missing(marker: str, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(f"patient_id,adverse_events\nP1,{marker}\n")
    assert read_table(path).frame["adverse_events"].isna().tolist() == [True]


def test_the_documented_markers_are_in_the_list() -> None:
    assert {"", "NA", "N/A", "null"} <= set(MISSING_MARKERS)


@pytest.mark.parametrize("value", ["none", "None", "-", "missing", "0", "n.a.", "nil", "NONE"])
def test_nothing_else_is_missing(value: str, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(f"patient_id,adverse_events\nP1,{value}\n")
    assert read_table(path).frame["adverse_events"].tolist() == [value]


def test_none_in_adverse_events_is_a_value_on_load() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(BAD / "_base_valid.csv", export_date=EXPORT)
    events = dict(zip(data.sessions["source_row"], data.sessions["adverse_events"], strict=True))
    assert events[3] == "none"
    assert events[2] == "soreness"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (BAD / "_base_valid.csv").read_bytes())
    raw = read_table(path)
    assert raw.frame.columns[0] == "Patient ID"
    report = validate(path, export_date=EXPORT)
    assert len(report) == 0


def test_read_table_takes_a_dataframe_as_it_is() -> None:
    frame = TEXT_FRAME.copy()
    raw = read_table(frame)
    assert raw.frame is frame
    assert raw.file == "<DataFrame>"
    assert raw.path is None
    pd.testing.assert_frame_equal(frame, TEXT_FRAME)


def test_read_table_missing_path_and_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_table(tmp_path / "absent.csv")
    with pytest.raises(SchemaError, match="folder"):
        read_table(tmp_path)


_HEADER = "Patient ID,Condition,Session date,NPRS pre"
_ROW = "P1,neck_pain,2025-01-01,5"


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        # an unquoted comma in a cell of the first row: pandas made the first cells an
        # index and shifted every column of every row one place
        (
            "extra.csv",
            f"{_HEADER}\nP1,neck_pain,2025-01-01,5,3\n{_ROW}\n",
            "more cells than the header",
        ),
        # and in a later row (pandas names the line)
        ("extra_later.csv", f"{_HEADER}\n{_ROW}\n{_ROW},3\n", "Expected 4 fields in line 3"),
        # pandas renamed the second 'Patient ID' to 'Patient ID.1', then ignored it
        ("twice.csv", f"{_HEADER},Patient ID\n{_ROW},P2\n", "names 'Patient ID' more than once"),
        # Excel's CSV in several languages; a TSV saved as .csv; a CSV saved as .tsv
        (
            "semicolons.csv",
            f"{_HEADER}\n{_ROW}\n".replace(",", ";"),
            "separated by semicolons, not commas",
        ),
        (
            "tabs.csv",
            f"{_HEADER}\n{_ROW}\n".replace(",", "\t"),
            "separated by tabs, not commas.*\\.tsv",
        ),
        ("commas.tsv", f"{_HEADER}\n{_ROW}\n", "separated by commas, not tabs.*\\.csv"),
    ],
)
def test_text_files_read_wrongly_are_refused_with_the_reason(
    name: str, text: str, match: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match=match) as info:
        read_table(path)
    assert str(info.value).startswith(f"{name}: ") and "Fix: " in str(info.value)
    report = validate(path, export_date="2026-01-01")
    assert report.table["check"].tolist() == ["unreadable_file"]


def test_blank_lines_before_the_header_are_read_past(tmp_path: Path) -> None:
    # (reading blank lines as rows, so that rows keep their numbers, must not make a
    # leading blank line the header)
    path = tmp_path / "leading_blank.csv"
    path.write_text(f"\n\n{_HEADER}\n{_ROW}\n")
    frame = read_table(path).frame
    assert list(frame.columns) == _HEADER.split(",") and len(frame) == 1


@pytest.mark.parametrize("fmt", ["frame", "xlsx", "parquet"])
def test_a_column_name_given_twice_is_refused(fmt: str, tmp_path: Path) -> None:
    frame = pd.DataFrame([["P1", "P2", "neck_pain", "2025-01-01"]])
    frame.columns = pd.Index(["Patient ID", "Patient ID", "Condition", "Session date"])
    source: Any = frame
    if fmt == "xlsx":
        source = tmp_path / "twice.xlsx"
        frame.to_excel(source, index=False)
    elif fmt == "parquet":
        source = tmp_path / "twice.parquet"
        pq.write_table(
            pa.Table.from_arrays(
                [pa.array(frame.iloc[:, i]) for i in range(4)], names=list(frame.columns)
            ),
            source,
        )
    with pytest.raises(SchemaError, match="names 'Patient ID' more than once"):
        read_table(source)
    assert validate(source).table["check"].tolist() == ["unreadable_file"]


def test_xlsx_column_names_with_a_number_after_a_point_are_kept(tmp_path: Path) -> None:
    """(The check for repeated names reads an Excel header again when a name looks like
    pandas' renaming, ``x.1``; a real name of that form is kept.)"""
    frame = pd.DataFrame({"Patient ID": ["P1"], "Version 2.1": ["a"]})
    frame.to_excel(tmp_path / "dots.xlsx", index=False)
    assert list(read_table(tmp_path / "dots.xlsx").frame.columns) == ["Patient ID", "Version 2.1"]


# ---------------------------------------------------------------------------
# plan_columns
# ---------------------------------------------------------------------------


def test_plan_columns_matches_aliases_case_and_space_insensitively() -> None:
    plan = plan_columns(
        [
            "  PATIENT id ",
            "DX",
            "Visit  Date",
            "session NO",
            "nprs PRE",
            "Pain_Post",
            "ROM Cervical Rotation Left post",
            "HIT-6",
            "Twitch",
            "Mystery",
        ]
    )
    assert plan.session == {
        "patient_id": "  PATIENT id ",
        "condition": "DX",
        "session_date": "Visit  Date",
        "session_number": "session NO",
        "twitch_response": "Twitch",
    }
    assert plan.measures == [
        ("nprs PRE", "pain", "pre"),
        ("Pain_Post", "pain", "post"),
        ("ROM Cervical Rotation Left post", "rom:cervical_rotation_left", "post"),
        ("HIT-6", "function:hit6", "pre"),
    ]
    assert plan.unknown == ["Mystery"]
    assert plan.duplicates == {}


def test_column_map_wins_over_the_alias_table() -> None:
    columns = ["pid", "Subject", "Condition", "Date", "Session", "Score A"]
    plan = plan_columns(
        columns,
        column_map={"subject": "clinic_id", "SESSION": "episode_id", "score a": "pain_pre"},
    )
    assert plan.session == {
        "patient_id": "pid",
        "clinic_id": "Subject",
        "condition": "Condition",
        "session_date": "Date",
        "episode_id": "Session",
    }
    assert plan.measures == [("Score A", "pain", "pre")]
    assert plan.duplicates == {}  # without the map, pid and Subject would clash
    assert plan_columns(columns).duplicates == {"patient_id": ["pid", "Subject"]}


def test_plan_columns_reports_duplicate_measures() -> None:
    plan = plan_columns(["patient_id", "NPRS pre", "pain_pre"])
    assert plan.duplicates == {"pain pre": ["NPRS pre", "pain_pre"]}
    assert plan.measures == [("NPRS pre", "pain", "pre")]


# ---------------------------------------------------------------------------
# write_table: atomic, formula-safe
# ---------------------------------------------------------------------------

RISKY = pd.DataFrame({"note": ["=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "ok"], "n": [-1, 2, 3, 4]})


@pytest.mark.parametrize(
    ("ext", "method"),
    [(".csv", "to_csv"), (".tsv", "to_csv"), (".xlsx", "to_excel"), (".parquet", "to_parquet")],
)
def test_write_table_is_atomic(
    ext: str, method: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / f"out{ext}"
    target.write_bytes(b"previous contents")
    before = target.read_bytes()

    def half_then_fail(self: pd.DataFrame, path: object, *args: object, **kwargs: object) -> None:
        Path(str(path)).write_bytes(b"half a fi")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, method, half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_table(RISKY, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temp file left


def test_atomic_write_replaces_whole_file_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.txt"
    atomic_write(target, lambda p: p.write_text("first"))
    atomic_write(target, lambda p: p.write_text("second"))
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]

    def interrupted(p: Path) -> None:
        p.write_text("partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, interrupted)
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


@pytest.mark.parametrize("ext", [".csv", ".tsv"])
def test_write_table_neutralises_formulas_in_text_output(ext: str, tmp_path: Path) -> None:
    path = write_table(RISKY, tmp_path / f"out{ext}")
    back = pd.read_csv(path, sep="," if ext == ".csv" else "\t", dtype=str)
    assert back["note"].tolist() == ["'=cmd|' /C calc'!A0", "'+1", "'@SUM(A1)", "ok"]
    assert back["n"].tolist() == ["-1", "2", "3", "4"]  # numbers are untouched


def test_write_table_neutralises_formulas_in_xlsx(tmp_path: Path) -> None:
    path = write_table(RISKY, tmp_path / "out.xlsx", sheet_name="results")
    book = openpyxl.load_workbook(path)
    sheet = book["results"]
    cells = [sheet.cell(row=r, column=1) for r in range(2, 6)]
    assert [c.value for c in cells] == ["'=cmd|' /C calc'!A0", "'+1", "'@SUM(A1)", "ok"]
    assert all(c.data_type != "f" for c in cells)  # no formula cells
    assert [sheet.cell(row=r, column=2).value for r in range(2, 6)] == [-1, 2, 3, 4]


def test_write_table_keeps_parquet_values_as_they_are(tmp_path: Path) -> None:
    path = write_table(RISKY, tmp_path / "out.parquet")
    back = pd.read_parquet(path)
    assert back["note"].tolist() == RISKY["note"].tolist()
    assert back["n"].tolist() == [-1, 2, 3, 4]


def test_write_table_does_not_change_the_frame_and_refuses_unknown_types(tmp_path: Path) -> None:
    frame = RISKY.copy()
    write_table(frame, tmp_path / "out.csv")
    pd.testing.assert_frame_equal(frame, RISKY)
    with pytest.raises(ValueError, match="cannot write"):
        write_table(frame, tmp_path / "out.txt")
    assert not (tmp_path / "out.txt").exists()


def test_neutralise_formulas_quotes_text_only() -> None:
    out = neutralise_formulas(
        pd.DataFrame({"a": ["=1+1", "-x", "\tTAB", "fine", None], "b": [-1.5, 2, 3, 4, 5]})
    )
    assert out["a"].tolist()[:4] == ["'=1+1", "'-x", "'\tTAB", "fine"]
    assert pd.isna(out["a"].iloc[4])
    assert out["b"].tolist() == [-1.5, 2, 3, 4, 5]


def test_csv_round_trip_keeps_text(tmp_path: Path) -> None:
    path = write_table(TEXT_FRAME, tmp_path / "round.csv")
    assert _cells(read_table(path).frame) == _cells(TEXT_FRAME)
