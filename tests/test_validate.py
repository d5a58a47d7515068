"""The bad-input corpus: one small file and one set of tests per rule of DATA.md.

Every file in ``tests/data/bad/`` differs from ``_base_valid.csv`` (a clean export of
three patients, seven sessions) in one way, described in ``tests/data/bad/README.md``.
For each rule the tests check, as DATA.md ("Bad input: what the loader does") and
API.md (``ValidationReport.table``) ask:

* ``validate`` reports exactly the expected problem(s): file, row as a person counts rows
  in the file (header is row 1), column and value as written, check and severity, and a
  message naming all of these with a fix;
* ``load_sessions`` refuses the file with a ``SchemaError`` listing the problem and the
  total;
* ``load_sessions(errors="coerce")`` sets the offending value missing (or excludes the
  row and says so in ``exclusions``), changes nothing else, and records it in
  ``data.report``;
* the input file's bytes and modification time are unchanged afterwards.

Tests that expose a bug in the library are marked ``xfail(strict=True)`` with the reason;
they keep the correct assertion.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tpdn_outcomes.errors import DataQualityWarning, SchemaError
from tpdn_outcomes.privacy import IdentifierError
from tpdn_outcomes.validate import ValidationReport, load_sessions, validate

ROOT = Path(__file__).resolve().parents[1]
BAD = Path(__file__).parent / "data" / "bad"
BASE = BAD / "_base_valid.csv"
LONG_INDEX = BAD / "long_index.csv"
LONG_OK = BAD / "long_measures_ok.csv"
EXPORT = "2026-11-24"

#: Every check name the validate module documents (its docstring).
ERROR_CHECKS = {
    "unreadable_file",
    "no_data",
    "identifier",
    "missing_column",
    "duplicate_column",
    "missing_value",
    "unknown_condition",
    "invalid_category",
    "invalid_boolean",
    "invalid_number",
    "out_of_range",
    "invalid_date",
    "date_out_of_range",
    "duplicate_session",
    "session_order",
    "post_without_pre",
    "unknown_measure",
    "unknown_timing",
    "unit_mismatch",
    "unknown_session",
    "duplicate_measure",
}
WARNING_CHECKS = {
    "unknown_column",
    "implausible_change",
    "long_gap",
    "single_session_episode",
    "identifier_sample",
}
CONDITIONS = (
    "chronic_low_back_pain, fibromyalgia, myofascial_pain_syndrome, neck_pain, other, "
    "shoulder_pain, sports_injury, tension_type_headache, tmj_dysfunction"
)

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One expected row of ``ValidationReport.table``."""

    row: int | None
    column: str
    value: str
    check: str
    severity: str = "error"
    file: str | None = None  # default: the file under test


@dataclass(frozen=True)
class Case:
    """One bad file (or a long measures table with ``long_index.csv``) and what it must do."""

    id: str
    file: str
    problems: tuple[Problem, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    long: bool = False  # ``file`` is a long measures table for long_index.csv
    # what errors="coerce" does, relative to the clean base data
    dropped: tuple[tuple[int, str, str], ...] = ()  # (source_row, measure, timing)
    blanked: tuple[tuple[int, str], ...] = ()  # (source_row, canonical session column)
    excluded: tuple[tuple[int, str], ...] = ()  # (file row, words of the reason)
    whole_file: bool = False  # nothing to coerce: load_sessions refuses even with coerce
    hints: tuple[str, ...] = ()  # more text the first message must contain
    bugs: dict[str, str] = field(default_factory=dict)  # test -> reason for an xfail


def _paths(case: Case) -> list[Path]:
    return [LONG_INDEX, BAD / case.file] if case.long else [BAD / case.file]


def _call(fn: Any, case: Case, **kw: Any) -> Any:
    kwargs = {"export_date": EXPORT, **case.kwargs, **kw}
    if case.long:
        return fn(LONG_INDEX, measures=BAD / case.file, **kwargs)
    return fn(BAD / case.file, **kwargs)


@contextlib.contextmanager
def untouched(*paths: Path) -> Iterator[None]:
    """Assert that the files' bytes and modification times do not change."""
    before = {p: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in paths}
    yield
    for p, (data, mtime) in before.items():
        assert p.read_bytes() == data, f"{p.name} was modified"
        assert os.stat(p).st_mtime_ns == mtime, f"{p.name} was touched"


def _quiet_load(*args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_sessions(*args, **kwargs)


def _rows(table: pd.DataFrame, default_file: str) -> list[tuple[Any, ...]]:
    return sorted(
        (
            str(r.file),
            None if pd.isna(r.row) else int(r.row),
            str(r.column),
            "" if pd.isna(r.value) else str(r.value),
            str(r.check),
            str(r.severity),
        )
        for r in table.itertuples(index=False)
    )


def _expected(problems: tuple[Problem, ...], default_file: str) -> list[tuple[Any, ...]]:
    return sorted(
        (p.file or default_file, p.row, p.column, p.value, p.check, p.severity) for p in problems
    )


def _assert_message(message: str, p: Problem, file: str) -> None:
    assert (p.file or file) in message
    if p.row is not None:
        assert re.search(rf"\brow {p.row}\b", message), message
    if p.column:  # whole-file problems (unreadable_file) name no column
        assert f"column '{p.column}'" in message, message
    if p.value:
        assert f"value '{p.value}'" in message, message
    assert "Fix:" in message, message


def _message_of(table: pd.DataFrame, p: Problem) -> str:
    rows = [None if pd.isna(r) else int(r) for r in table["row"]]
    hits = [
        m
        for m, r, c in zip(table["message"], rows, table["check"], strict=True)
        if r == p.row and c == p.check
    ]
    assert len(hits) == 1, hits
    return str(hits[0])


def _norm(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype("string")
    return out


def _base(case: Case | None = None) -> Any:
    """The clean data a case's file was made from, loaded with the case's arguments."""
    kwargs = {"export_date": EXPORT, **(case.kwargs if case else {})}
    if case is not None and case.long:
        return _quiet_load(LONG_INDEX, measures=LONG_OK, **kwargs)
    return _quiet_load(BASE, **kwargs)


def _assert_same_data(data: Any, case: Case) -> None:
    """The coerced data equals the clean base data with only the expected changes."""
    base = _base(case)
    sessions = _norm(base.sessions)
    gone = {row for row, _ in case.excluded}
    sessions = sessions[~sessions["source_row"].isin(gone)].copy()
    for row, column in case.blanked:
        sessions.loc[sessions["source_row"] == row, column] = pd.NA
    pd.testing.assert_frame_equal(
        _norm(data.sessions).reset_index(drop=True), sessions.reset_index(drop=True)
    )
    measures = _norm(base.measures)
    measures = measures[measures["session_id"].isin(sessions["session_id"])]
    if case.dropped:
        key = pd.MultiIndex.from_frame(measures[["source_row", "measure", "timing"]])
        assert set(case.dropped) <= set(key.tolist())  # each one is in the clean data
        measures = measures[~key.isin(pd.MultiIndex.from_tuples(case.dropped))]
    order = ["session_id", "measure", "timing", "source_row"]
    pd.testing.assert_frame_equal(
        _norm(data.measures).sort_values(order).reset_index(drop=True),
        measures.sort_values(order).reset_index(drop=True),
    )


def _params(cases: list[Case], test: str) -> list[Any]:
    return [
        pytest.param(
            c,
            id=c.id,
            marks=[pytest.mark.xfail(reason=c.bugs[test], strict=True)] if test in c.bugs else [],
        )
        for c in cases
    ]


# ---------------------------------------------------------------------------
# The corpus: errors
# ---------------------------------------------------------------------------

_WHOLE = {"row": None, "value": ""}
_MISSING_COLUMN = "a required column is missing"


CASES: list[Case] = [
    # -- unreadable files ----------------------------------------------------------
    Case(
        "unreadable-unsupported-extension",
        "unsupported.txt",
        (Problem(column="", check="unreadable_file", **_WHOLE),),
        whole_file=True,
        hints=("'.txt'", ".csv", ".xlsx"),
    ),
    Case(
        "unreadable-xls",
        "legacy.xls",
        (Problem(column="", check="unreadable_file", **_WHOLE),),
        whole_file=True,
        hints=("save it as .xlsx",),
    ),
    Case(
        "unreadable-not-utf8",
        "cp1252.csv",
        (Problem(column="", check="unreadable_file", **_WHOLE),),
        whole_file=True,
        hints=("CSV UTF-8", "encoding='cp1252'"),
    ),
    Case(
        "unreadable-empty-file",
        "empty.csv",
        (Problem(column="", check="unreadable_file", **_WHOLE),),
        whole_file=True,
        hints=("empty", "header row"),
    ),
    Case(
        "unreadable-garbage-parquet",
        "garbage.parquet",
        (Problem(column="", check="unreadable_file", **_WHOLE),),
        whole_file=True,
        hints=("parquet", "re-export"),
    ),
    Case(
        "no-data-rows",
        "header_only.csv",
        (Problem(column="", check="no_data", **_WHOLE),),
        whole_file=True,
        hints=("no data rows", "export"),
    ),
    # -- columns -----------------------------------------------------------------------
    Case(
        "missing-column-patient-id",
        "no_patient_column.csv",
        (Problem(column="patient_id", check="missing_column", **_WHOLE),),
        whole_file=True,
        hints=(_MISSING_COLUMN, "Patient ID", "column_map"),
    ),
    Case(
        "missing-column-condition",
        "no_condition_column.csv",
        (Problem(column="condition", check="missing_column", **_WHOLE),),
        whole_file=True,
        hints=(_MISSING_COLUMN, "Diagnosis", "column_map"),
    ),
    Case(
        "missing-column-no-date-no-number",
        "no_date_no_number.csv",
        (Problem(column="session_date or session_number", check="missing_column", **_WHOLE),),
        whole_file=True,
        hints=(_MISSING_COLUMN, "column_map"),
    ),
    Case(
        "duplicate-column-two-patient-ids",
        "duplicate_patient_column.csv",
        (Problem(1, "pid", "pid", "duplicate_column"),),
        hints=("'Patient ID'", "patient_id"),
        whole_file=True,  # which column to keep is the user's choice: refused even with coerce
    ),
    # -- required values and vocabularies ----------------------------------------------
    Case(
        "missing-value-patient-id",
        "blank_patient.csv",
        (Problem(4, "Patient ID", "", "missing_value"),),
        excluded=((4, "patient"),),
        hints=("blank",),
    ),
    Case(
        "unknown-condition",
        "unknown_condition.csv",
        (
            Problem(7, "Condition", "whiplash", "unknown_condition"),
            Problem(8, "Condition", "whiplash", "unknown_condition"),
        ),
        excluded=((7, "condition"), (8, "condition")),
        hints=(CONDITIONS, "conditions={'whiplash': "),
    ),
    # -- measure values ------------------------------------------------------------------
    Case(
        "pain-out-of-range-11",
        "pain_11.csv",
        (Problem(2, "NPRS post", "11", "out_of_range"),),
        dropped=((2, "pain", "post"),),
        hints=("0-10",),
    ),
    Case(
        "pain-out-of-range-11-tsv",
        "pain_11.tsv",
        (Problem(2, "NPRS post", "11", "out_of_range"),),
        dropped=((2, "pain", "post"),),
    ),
    Case(
        "pain-65-hints-vas100",
        "pain_65.csv",
        (Problem(7, "NPRS pre", "65", "out_of_range"),),
        dropped=((7, "pain", "pre"),),
        hints=("pain_scale='vas100'",),
    ),
    Case(
        "pain-negative",
        "pain_negative.csv",
        (Problem(6, "NPRS pre", "-1", "out_of_range"),),
        dropped=((6, "pain", "pre"),),
    ),
    Case(
        "vas100-out-of-range-101",
        "vas_101.csv",
        (Problem(7, "NPRS pre", "101", "out_of_range"),),
        kwargs={"pain_scale": "vas100"},
        dropped=((7, "pain", "pre"),),
        hints=("0-100",),
    ),
    Case(
        "rom-shoulder-abduction-250",
        "rom_shoulder_250.csv",
        (Problem(3, "rom_shoulder_abduction_right_post", "250", "out_of_range"),),
        dropped=((3, "rom:shoulder_abduction_right", "post"),),
        hints=("0-190",),
    ),
    Case(
        "rom-mouth-opening-95mm",
        "rom_mouth_95.csv",
        (Problem(5, "rom_mouth_opening_post", "95", "out_of_range"),),
        dropped=((5, "rom:mouth_opening", "post"),),
        hints=("0-80 mm",),
    ),
    Case(
        "function-hit6-30",
        "hit6_30.csv",
        (Problem(8, "HIT-6 pre", "30", "out_of_range"),),
        dropped=((8, "function:hit6", "pre"),),
        hints=("36-78",),
    ),
    Case(
        "function-psfs-11",
        "psfs_11.csv",
        (Problem(4, "PSFS pre", "11", "out_of_range"),),
        dropped=((4, "function:psfs", "pre"),),
        hints=("0-10",),
    ),
    Case(
        "non-numeric-word",
        "pain_word.csv",
        (Problem(7, "NPRS pre", "seven", "invalid_number"),),
        dropped=((7, "pain", "pre"),),
    ),
    Case(
        "non-numeric-decimal-comma",
        "pain_decimal_comma.csv",
        (Problem(6, "NPRS pre", "6,5", "invalid_number"),),
        dropped=((6, "pain", "pre"),),
        hints=("point as decimal separator",),
    ),
    # -- dates ---------------------------------------------------------------------------
    Case(
        "impossible-date",
        "date_impossible.csv",
        (Problem(3, "Session date", "2025-02-30", "invalid_date"),),
        blanked=((3, "session_date"),),
        hints=("YYYY-MM-DD",),
    ),
    Case(
        "non-iso-date-without-date-format",
        "date_dmy.csv",
        tuple(
            Problem(r, "Session date", v, "invalid_date")
            for r, v in zip(
                range(2, 9),
                [
                    "05/01/2026",
                    "12/01/2026",
                    "19/01/2026",
                    "02/02/2026",
                    "09/02/2026",
                    "02/03/2026",
                    "16/03/2026",
                ],
                strict=True,
            )
        ),
        blanked=tuple((r, "session_date") for r in range(2, 9)),
        hints=("date_format='%d/%m/%Y'",),
    ),
    Case(
        "date-after-export-date",
        "date_future.csv",
        (Problem(8, "Session date", "2027-01-10", "date_out_of_range"),),
        blanked=((8, "session_date"),),
        hints=("2026-11-24", "export_date="),
    ),
    Case(
        "date-before-1990",
        "date_1989.csv",
        # masked (issue 18): a full date before 1990 could be a date of birth
        (Problem(2, "Session date", "1***-1*-3*", "date_out_of_range"),),
        blanked=((2, "session_date"),),
        hints=("1990-01-01",),
    ),
    # -- sessions ------------------------------------------------------------------------
    Case(
        "duplicate-session-three-copies",
        "duplicate_session.csv",
        (
            Problem(9, "Session date", "2026-01-05", "duplicate_session"),
            Problem(10, "Session date", "2026-01-05", "duplicate_session"),
        ),
        excluded=((9, "duplicate"), (10, "duplicate")),
    ),
    Case(
        "duplicate-session-number-in-episode",
        "duplicate_session_number.csv",
        (Problem(3, "Session", "1", "duplicate_session"),),
        excluded=((3, "duplicate"),),
    ),
    Case(
        "session-number-against-date-order",
        "session_order.csv",
        (Problem(3, "Session date", "2026-01-26", "session_order"),),
        blanked=((3, "session_date"),),
        hints=("date or its session number",),
    ),
    Case(
        "post-without-pre",
        "post_without_pre.csv",
        (Problem(5, "NPRS post", "5", "post_without_pre"),),
        # the pre cell is blank in the file; the orphan post value is set missing
        dropped=((5, "pain", "pre"), (5, "pain", "post")),
        hints=("add the pre value",),
    ),
    # -- optional session columns --------------------------------------------------------
    Case(
        "invalid-boolean",
        "twitch_invalid.csv",
        (Problem(2, "Twitch", "maybe", "invalid_boolean"),),
        blanked=((2, "twitch_response"),),
        hints=("yes/no",),
    ),
    Case(
        "invalid-category-sex",
        "sex_invalid.csv",
        (Problem(5, "Sex", "X", "invalid_category"),),
        blanked=((5, "sex"),),
        hints=("female, male, other, unknown",),
    ),
    Case(
        "invalid-category-practitioner-role",
        "role_invalid.csv",
        (Problem(7, "Practitioner role", "nurse", "invalid_category"),),
        blanked=((7, "practitioner_role"),),
        hints=("physical_therapist, chiropractor, physician, other",),
    ),
    Case(
        "invalid-category-adverse-none-with-event",
        "adverse_none_and_soreness.csv",
        (Problem(3, "Adverse events", "none;soreness", "invalid_category"),),
        blanked=((3, "adverse_events"),),
        hints=("'none' alone",),
    ),
    Case(
        "invalid-category-adverse-unknown-event",
        "adverse_unknown.csv",
        (Problem(6, "Adverse events", "itching", "invalid_category"),),
        blanked=((6, "adverse_events"),),
        hints=("soreness, bruising",),
    ),
    Case(
        "age-band-exact-age-45",
        "age_exact.csv",
        (Problem(2, "Age band", "45", "invalid_category"),),
        blanked=((2, "age_band"),),
        hints=("90+", "exact ages"),
    ),
    Case(
        "needle-count-negative",
        "needle_negative.csv",
        (Problem(4, "Needle count", "-1", "out_of_range"),),
        blanked=((4, "needle_count"),),
    ),
    Case(
        "session-number-not-integer",
        "session_fraction.csv",
        (Problem(4, "Session", "2.5", "invalid_number"),),
        blanked=((4, "session_number"),),
        hints=("1, 2, 3",),
    ),
    # -- long measures table (with long_index.csv) ---------------------------------------
    Case(
        "long-unknown-measure",
        "long_unknown_measure.csv",
        (Problem(3, "measure", "grip", "unknown_measure"),),
        long=True,
        dropped=((3, "pain", "post"),),
        hints=("rom:<site>",),
    ),
    Case(
        "long-blank-measure",  # (once loaded as a row with no measure, or a crash with units)
        "long_blank_measure.csv",
        (Problem(3, "measure", "", "unknown_measure"),),
        long=True,
        dropped=((3, "pain", "post"),),
        hints=("rom:<site>",),
    ),
    Case(
        "long-unknown-timing",
        "long_unknown_timing.csv",
        (Problem(7, "timing", "during", "unknown_timing"),),
        long=True,
        dropped=((7, "pain", "post"),),
        hints=("pre, post or followup",),
    ),
    Case(
        "long-unit-mismatch",
        "long_unit_mismatch.csv",
        (Problem(3, "unit", "deg", "unit_mismatch"),),
        long=True,
        dropped=((3, "pain", "post"),),
    ),
    Case(
        "long-unknown-session",
        "long_unknown_session.csv",
        (Problem(5, "session_id", "V99", "unknown_session"),),
        long=True,
        dropped=((5, "pain", "post"),),
    ),
    Case(
        "long-duplicate-measure",
        "long_duplicate_measure.csv",
        (Problem(17, "measure", "pain", "duplicate_measure"),),
        long=True,
        hints=("twice",),
    ),
    Case(
        "long-missing-required-column",
        "long_missing_timing.csv",
        (Problem(column="timing", check="missing_column", **_WHOLE),),
        long=True,
        whole_file=True,
        hints=("measures table is missing",),
    ),
]


# ---------------------------------------------------------------------------
# The tests over the corpus
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params(CASES, "test_report_names_each_problem"))
def test_report_names_each_problem(case: Case) -> None:
    with untouched(*_paths(case)):
        report = _call(validate, case)
    assert isinstance(report, ValidationReport)
    assert list(report.table.columns) == [
        "file",
        "row",
        "column",
        "canonical_column",
        "value",
        "check",
        "severity",
        "message",
    ]
    assert not report.ok
    assert _rows(report.errors, case.file) == _expected(case.problems, case.file)
    assert set(report.table["check"]) <= ERROR_CHECKS | WARNING_CHECKS
    for p in case.problems:
        _assert_message(_message_of(report.errors, p), p, case.file)
    first = str(report.errors["message"].iloc[0])
    for hint in case.hints:
        assert hint in first, (hint, first)


@pytest.mark.parametrize("case", _params(CASES, "test_report_has_nothing_else"))
def test_report_has_nothing_else(case: Case) -> None:
    """No other problem, warnings included: one bad value is reported once, not as a cascade."""
    with untouched(*_paths(case)):
        report = _call(validate, case)
    assert _rows(report.table, case.file) == _expected(case.problems, case.file)


@pytest.mark.parametrize("case", _params(CASES, "test_load_refuses"))
def test_load_refuses(case: Case) -> None:
    with untouched(*_paths(case)), pytest.raises(SchemaError) as info:
        _call(load_sessions, case)
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, IdentifierError)
    text = str(info.value)
    assert case.file in text
    if case.whole_file and case.problems[0].check in ("unreadable_file", "no_data"):
        for hint in case.hints:
            assert hint in text
        return
    n = len(case.problems)
    assert f"{n} error{'s' if n > 1 else ''}" in text
    assert "errors='coerce'" in text
    for p in case.problems:
        lines = [
            ln
            for ln in text.splitlines()
            if ln.startswith("- ")
            and f"column '{p.column}'" in ln
            and (p.row is None or re.search(rf"\brow {p.row}\b", ln))
        ]
        assert len(lines) == 1, text
        _assert_message(lines[0], p, case.file)
    assert info.value.report is not None
    assert _rows(info.value.report.errors, case.file) == _expected(case.problems, case.file)


@pytest.mark.parametrize("case", _params(CASES, "test_coerce"))
def test_coerce(case: Case) -> None:
    if case.whole_file:
        with untouched(*_paths(case)), pytest.raises(SchemaError):
            _call(_quiet_load, case, errors="coerce")
        return
    with untouched(*_paths(case)):
        data = _call(_quiet_load, case, errors="coerce")
    # the report records every coerced problem
    assert _rows(data.report.errors, case.file) == _expected(case.problems, case.file)
    # excluded rows are named with their reason; nothing else is excluded
    excl = data.exclusions
    assert sorted(int(r) for r in excl["row"]) == sorted(r for r, _ in case.excluded)
    for row, words in case.excluded:
        reason = str(excl.loc[excl["row"] == row, "reason"].iloc[0])
        assert words in reason, reason
    assert set(excl["file"]) <= {case.file}
    assert data.metadata["rows_excluded"] == len(case.excluded)
    _assert_same_data(data, case)


# ---------------------------------------------------------------------------
# Formats: the same bad value in TSV, XLSX and Parquet
# ---------------------------------------------------------------------------


def test_huge_integer_in_parquet_is_reported_not_raised(tmp_path: Path) -> None:
    # an integer beyond a double's exact range is compared as the nearest double (as
    # pandas would read it) and reported as out of range with the file's own digits
    frame = pd.read_csv(BAD / "pain_11.csv")
    frame["NPRS post"] = frame["NPRS post"].astype("Int64")
    frame.loc[0, "NPRS post"] = 2**60 + 1
    path = tmp_path / "huge.parquet"
    frame.to_parquet(path, index=False)
    report = validate(path, export_date=EXPORT)
    assert _rows(report.table, path.name) == [
        # masked (issue 18): a 19-digit number could be an identifier; its shape is shown
        (path.name, 2, "NPRS post", "1" + "*" * 18, "out_of_range", "error")
    ]


_ARROW_TYPES = ["int8", "int32", "int64", "uint16", "uint64", "float32", "float64"]


@settings(max_examples=150, deadline=None)
@given(
    type_name=st.sampled_from(_ARROW_TYPES),
    chunks=st.lists(
        st.tuples(
            st.lists(st.one_of(st.none(), st.integers(0, 100)), max_size=40),
            st.integers(0, 5),  # a chunk sliced from this offset: a non-zero buffer offset
        ),
        max_size=5,
    ),
    into_out=st.booleans(),
)
def test_arrow_filled_cells_are_those_pandas_reads(
    type_name: str, chunks: list[tuple[list[int | None], int]], into_out: bool
) -> None:
    # the filled cells read from the chunks' buffers: the positions and float values
    # pandas gives for the same column after dropna (empty, sliced and null-free chunks)
    import pyarrow as pa

    from tpdn_outcomes.validate.memory_parse import arrow_filled

    typ = pa.type_for_alias(type_name)
    parts = [pa.array(cells, type=typ).slice(min(cut, len(cells))) for cells, cut in chunks]
    arrow = pa.chunked_array(parts, type=typ)
    expected = pd.Series(arrow.to_pandas(), dtype="float64").dropna()
    out = None
    if into_out:  # written into longer arrays of the loader's types
        out = (np.full(len(arrow) + 3, -7, dtype=np.int32), np.full(len(arrow) + 3, -7.0))
    keep, values = arrow_filled(arrow, out)
    assert keep.tolist() == expected.index.tolist()
    assert values.dtype == np.float64
    np.testing.assert_array_equal(values, expected.to_numpy())
    if out is not None:
        assert keep.base is out[0] and values.base is out[1]  # views, not copies
        assert (out[0][len(keep) :] == -7).all()  # nothing written past the filled cells


@pytest.mark.parametrize("fmt", ["csv", "parquet", "frame"])
def test_dates_beyond_nanoseconds_are_reported_as_too_late_or_too_early(
    fmt: str, tmp_path: Path
) -> None:
    # 9999-12-31 (a placeholder some systems export) and 1500-01-01 lie beyond what
    # nanosecond timestamps hold: they used to wrap around, so 9999 was reported as
    # "before 1990" and 1500 as "after the export date"
    frame = pd.read_csv(BAD / "_base_valid.csv", dtype=str, keep_default_na=False)
    frame.loc[1, "Session date"] = "9999-12-31"
    frame.loc[2, "Session date"] = "1500-01-01"
    source: Any = frame
    if fmt == "csv":
        source = tmp_path / "far.csv"
        frame.to_csv(source, index=False)
    else:  # as typed dates: Parquet's (milliseconds) and a DataFrame's (seconds)
        unit = "ms" if fmt == "parquet" else "s"
        frame["Session date"] = np.array(
            frame["Session date"].tolist(), dtype=f"datetime64[{unit}]"
        )
        if fmt == "parquet":
            source = tmp_path / "far.parquet"
            frame.to_parquet(source, index=False)
    report = validate(source, export_date=EXPORT)
    found = {(int(r.row), r.check, r.message.split(": ", 1)[1]) for r in report.table.itertuples()}
    assert found == {
        (
            3,
            "date_out_of_range",
            f"value '9999-12-31' is after the export date {EXPORT}. "
            "Fix: correct the date, or pass export_date= if the export is newer",
        ),
        (
            4,
            "date_out_of_range",
            "value '1500-01-01' is before 1990-01-01. Fix: correct the date (typing error?)",
        ),
    }
    data = _quiet_load(source, errors="coerce", export_date=EXPORT)
    assert data.sessions["session_date"].notna().sum() == len(frame) - 2


def test_long_pair_as_parquet_loads_as_the_csv_pair_does(tmp_path: Path) -> None:
    # typed key and value columns (numbers read as Arrow columns) give the CSV pair's data
    sample = ROOT / "data" / "sample"
    paths = {}
    for name in ("sessions_index", "measures_long"):
        paths[name] = tmp_path / f"{name}.parquet"
        pd.read_csv(sample / f"{name}.csv").to_parquet(paths[name], index=False)
    from_csv = _quiet_load(
        sample / "sessions_index.csv", measures=sample / "measures_long.csv", export_date=EXPORT
    )
    from_parquet = _quiet_load(
        paths["sessions_index"], measures=paths["measures_long"], export_date=EXPORT
    )
    assert str(pd.read_parquet(paths["measures_long"])["value"].dtype) == "float64"
    pd.testing.assert_frame_equal(from_parquet.sessions, from_csv.sessions)
    m_csv, m_pq = from_csv.measures, from_parquet.measures
    assert len(m_pq) == len(m_csv) > 0
    pd.testing.assert_frame_equal(m_pq, m_csv)


@pytest.mark.parametrize("fmt", ["tsv", "xlsx", "parquet"])
def test_same_problem_in_every_format(fmt: str, tmp_path: Path) -> None:
    if fmt == "tsv":
        path = BAD / "pain_11.tsv"
    else:
        frame = pd.read_csv(BAD / "pain_11.csv")  # typed cells, as Excel and Parquet keep them
        path = tmp_path / f"pain_11.{fmt}"
        if fmt == "xlsx":
            frame.to_excel(path, index=False, engine="openpyxl")
        else:
            frame.to_parquet(path, index=False)
    expected = [(path.name, 2, "NPRS post", "11", "out_of_range", "error")]
    with untouched(path):
        report = validate(path, export_date=EXPORT)
        assert _rows(report.table, path.name) == expected
        _assert_message(
            str(report.table["message"].iloc[0]),
            Problem(2, "NPRS post", "11", "out_of_range"),
            path.name,
        )
        with pytest.raises(SchemaError, match=r"1 error"):
            load_sessions(path, export_date=EXPORT)
        data = _quiet_load(path, export_date=EXPORT, errors="coerce")
    assert _rows(data.report.table, path.name) == expected
    pain_row2 = data.measures[
        (data.measures["source_row"] == 2) & (data.measures["measure"] == "pain")
    ]
    assert pain_row2["timing"].astype(str).tolist() == ["pre"]
    assert pain_row2["value"].tolist() == [7.0]
    assert len(data.measures) == len(_base().measures) - 1


# (row 3 of the file is the base file's second session)
_NOT_FINITE = {"Needle count": np.inf, "Session": np.inf, "NPRS post": np.inf, "PSFS pre": -np.inf}


@pytest.mark.parametrize("fmt", ["csv", "float64", "Float64", "double[pyarrow]", "parquet"])
def test_infinite_values_are_not_numbers_in_any_format(fmt: str, tmp_path: Path) -> None:
    """An infinite value is ``invalid_number`` whether written as text or typed.

    Typed as a float it was once taken as a number: a needle count of inf was loaded as
    -9223372036854775808, and an infinite measure was reported as ``out_of_range``."""
    frame = pd.read_csv(BASE).astype({c: "float64" for c in _NOT_FINITE})
    for col, value in _NOT_FINITE.items():
        frame.loc[1, col] = value
    source: Any
    if fmt == "csv":
        source = tmp_path / "not_finite.csv"
        frame.to_csv(source, index=False)  # written as inf / -inf
        assert "inf" in source.read_text()
    elif fmt == "parquet":
        source = tmp_path / "not_finite.parquet"
        frame.to_parquet(source, index=False)
    else:
        source = frame.astype({c: fmt for c in _NOT_FINITE})
    name = source.name if isinstance(source, Path) else "<DataFrame>"
    value = {np.inf: "inf", -np.inf: "-inf"}
    expected = sorted(
        (name, 3, col, value[v], "invalid_number", "error") for col, v in _NOT_FINITE.items()
    )
    report = validate(source, export_date=EXPORT)
    assert _rows(report.table, name) == expected
    data = _quiet_load(source, export_date=EXPORT, errors="coerce")
    assert _rows(data.report.table, name) == expected
    second = data.sessions[data.sessions["source_row"] == 3]
    assert second["needle_count"].isna().all() and second["session_number"].isna().all()
    at_row3 = data.measures[data.measures["source_row"] == 3]
    kept = set(zip(at_row3["measure"].astype(str), at_row3["timing"].astype(str), strict=True))
    assert ("pain", "pre") in kept and not {("pain", "post"), ("function:psfs", "pre")} & kept
    assert np.isfinite(data.measures["value"]).all()


def test_infinite_value_in_a_typed_long_table_is_not_a_number() -> None:
    measures = pd.read_csv(LONG_OK).astype({"value": "float64"})
    measures.loc[1, "value"] = -np.inf  # row 3 of the measures file: V01 pain post
    report = validate(LONG_INDEX, measures=measures, export_date=EXPORT)
    assert _rows(report.table, "<DataFrame>") == [
        ("<DataFrame>", 3, "value", "-inf", "invalid_number", "error")
    ]


@pytest.mark.parametrize("typed", [False, True])
def test_whole_numbers_too_large_to_hold_are_out_of_range(typed: bool, tmp_path: Path) -> None:
    """Session numbers and needle counts above 2**53 are refused, not rounded or wrapped
    into int64 (a typed 1e19 once became a negative needle count)."""
    frame = pd.read_csv(BASE).astype({"Needle count": "float64", "Session": "float64"})
    frame.loc[1, "Needle count"] = 1e19
    frame.loc[2, "Session"] = 1e300
    frame.loc[3, "Needle count"] = 2.0**53  # the largest held exactly: accepted
    source: Any = frame
    name = "<DataFrame>"
    if not typed:
        source = tmp_path / "huge.csv"
        frame.to_csv(source, index=False)
        name = source.name
    report = validate(source, export_date=EXPORT)
    # (a huge float is shown in e-notation, not as its 301 digits)
    assert _rows(report.table, name) == [
        (name, 3, "Needle count", "1e+19", "out_of_range", "error"),
        (name, 4, "Session", "1e+300", "out_of_range", "error"),
    ]
    assert report.table["message"].str.contains("is above 9007199254740992").all()
    data = _quiet_load(source, export_date=EXPORT, errors="coerce")
    by_row = data.sessions.set_index("source_row")
    assert pd.isna(by_row.loc[3, "needle_count"]) and pd.isna(by_row.loc[4, "session_number"])
    assert by_row.loc[5, "needle_count"] == 2**53


@pytest.mark.parametrize(
    ("column", "values", "check"),
    [
        ("Session date", ["garbage", "2025-13-45"], "invalid_date"),
        ("Session date", [20250101, 20250108], "invalid_date"),  # typed, not ISO text
        ("Patient ID", [None, None], "missing_value"),
        ("Condition", ["sciatica", "sciatica"], "unknown_condition"),
    ],
)
def test_a_file_with_no_usable_row_is_reported_not_raised(
    column: str, values: list[Any], check: str
) -> None:
    """Every row unusable (no session left to form an episode) once raised IndexError."""
    frame = pd.read_csv(BASE).head(2).drop(columns="Session")
    frame[column] = values
    report = validate(frame, export_date=EXPORT)
    assert set(report.errors["check"]) == {check}
    assert report.errors["row"].tolist() == [2, 3]
    with pytest.raises(SchemaError, match="2 errors"):
        load_sessions(frame, export_date=EXPORT)
    data = _quiet_load(frame, export_date=EXPORT, errors="coerce")
    assert len(data.sessions) == 0 and len(data.measures) == 0
    assert data.exclusions["row"].tolist() == [2, 3]
    assert len(data.episodes()) == 0


def test_complex_numbers_are_not_numbers() -> None:
    frame = pd.read_csv(BASE).astype({"NPRS post": "complex128"})
    frame.loc[0, "NPRS post"] = 4 + 2j  # the imaginary part was once dropped in silence
    report = validate(frame, export_date=EXPORT)
    bad = report.errors[report.errors["column"] == "NPRS post"]
    assert set(bad["check"]) == {"invalid_number"} and len(bad) == len(
        frame.dropna(subset=["NPRS post"])
    )
    assert "(4+2j)" in set(bad["value"])


def test_list_cells_of_a_dataframe_are_read_as_their_items() -> None:
    """In a notebook, muscles or adverse events may be Python lists or tuples: they are
    taken as their ``;``-joined items, as written in files."""
    text = pd.read_csv(BASE)
    listed = text.copy()
    listed["Muscles"] = listed["Muscles"].map(lambda m: m.split(";") if isinstance(m, str) else m)
    listed["Adverse events"] = listed["Adverse events"].map(
        lambda m: tuple(m.split(";")) if isinstance(m, str) else m
    )
    a, b = _quiet_load(listed, export_date=EXPORT), _quiet_load(text, export_date=EXPORT)
    pd.testing.assert_frame_equal(a.sessions, b.sessions)
    pd.testing.assert_frame_equal(a.measures, b.measures)


def test_cells_of_the_wrong_kind_are_reported_not_raised() -> None:
    """A dict or list where a number belongs, or an integer too large for any machine
    type, once raised TypeError or OverflowError inside the checks."""
    frame = pd.read_csv(BASE)
    post: list[Any] = frame["NPRS post"].tolist()
    post[0], post[1] = {"value": 4}, [3, 4]  # (a list is read as its ';'-joined items)
    frame["NPRS post"] = pd.Series(post, dtype=object)
    frame["Clinic"] = pd.Series([10**30, *frame["Clinic"].tolist()[1:]], dtype=object)
    report = validate(frame, export_date=EXPORT)
    assert _rows(report.table, "<DataFrame>") == [
        # masked (issue 18): only harmless shapes are echoed as written
        ("<DataFrame>", 2, "NPRS post", "{'v****': 4}", "invalid_number", "error"),
        ("<DataFrame>", 3, "NPRS post", "3;4", "invalid_number", "error"),
    ]
    data = _quiet_load(frame, export_date=EXPORT, errors="coerce")
    first = data.sessions[data.sessions["source_row"] == 2]
    assert first["clinic_id"].astype(str).tolist() == [str(10**30)]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "xlsx"])
def test_blank_rows_keep_the_row_numbers_and_are_excluded_not_errors(
    fmt: str, tmp_path: Path
) -> None:
    """A blank line (or empty spreadsheet row) carries nothing: it is excluded with its
    reason, and every other row keeps its number in the file. Text files' blank lines
    had been skipped by pandas, so every problem below one was reported a row too high;
    an empty Excel row had been reported as missing patient and condition."""
    rows = pd.read_csv(BASE, dtype=str, keep_default_na=False).head(3)
    rows.loc[2, "NPRS post"] = "44"  # out of range, in the file's row 6 once blanks are in
    empty = pd.DataFrame([[""] * rows.shape[1]], columns=rows.columns)
    frame = pd.concat([rows.iloc[:1], empty, rows.iloc[1:2], empty, rows.iloc[2:], empty])
    path = tmp_path / f"blank_rows.{fmt}"
    if fmt == "xlsx":
        frame.replace("", None).to_excel(path, index=False)
    else:
        lines = [",".join(frame.columns)] + [
            "" if not any(r) else ",".join(r) for r in frame.itertuples(index=False)
        ]
        text = "\n".join(lines) + "\n"
        path.write_text(text.replace(",", "\t") if fmt == "tsv" else text)
    with untouched(path):
        report = validate(path, export_date=EXPORT)
        assert report.errors[["row", "column", "check"]].values.tolist() == [
            [6, "NPRS post", "out_of_range"]
        ]
        data = _quiet_load(path, export_date=EXPORT, errors="coerce")
    # (an empty last row is not kept in an Excel sheet at all)
    assert data.exclusions["row"].tolist() == ([3, 5] if fmt == "xlsx" else [3, 5, 7])
    assert set(data.exclusions["reason"]) == {"blank row (no cell filled)"}
    assert sorted(data.sessions["source_row"]) == [2, 4, 6]


def test_blank_lines_in_a_long_measures_file_keep_the_row_numbers(tmp_path: Path) -> None:
    lines = LONG_OK.read_text().splitlines()
    lines[2] = lines[2].replace(",4,", ",44,")  # pain post 44: row 3 before blanks
    path = tmp_path / "long_with_blanks.csv"
    path.write_text("\n".join([*lines[:2], "", ",,,,", *lines[2:], ""]) + "\n")
    report = validate(LONG_INDEX, measures=path, export_date=EXPORT)
    assert _rows(report.table, path.name) == [
        (path.name, 5, "value", "44", "out_of_range", "error")
    ]


def test_cp1252_file_loads_with_its_encoding() -> None:
    path = BAD / "cp1252.csv"
    with untouched(path):
        data = load_sessions(path, export_date=EXPORT, encoding="cp1252")
    assert data.sessions.loc[data.sessions["source_row"] == 3, "clinic_id"].tolist() == ["Clínica"]


def test_unreadable_file_refusal_counts_the_problem() -> None:
    with pytest.raises(SchemaError) as info:
        load_sessions(BAD / "empty.csv", export_date=EXPORT)
    assert "1 error" in str(info.value)
    assert info.value.report is not None
    assert info.value.report.table["check"].tolist() == ["unreadable_file"]


def test_missing_path_still_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        validate(tmp_path / "nope.csv", export_date=EXPORT)


# ---------------------------------------------------------------------------
# Accepted variants: aliases, vocabulary extension, VAS, date formats, 90+
# ---------------------------------------------------------------------------


def test_condition_aliases_are_accepted() -> None:
    path = BAD / "condition_aliases.csv"
    with untouched(path):
        assert len(validate(path, export_date=EXPORT)) == 0
        data = load_sessions(path, export_date=EXPORT)
    by_row = dict(
        zip(data.sessions["source_row"], data.sessions["condition"].astype(str), strict=True)
    )
    assert by_row == {
        2: "chronic_low_back_pain",
        3: "chronic_low_back_pain",
        4: "chronic_low_back_pain",
        5: "tmj_dysfunction",
        6: "tmj_dysfunction",
        7: "tension_type_headache",
        8: "tension_type_headache",
    }


def test_conditions_argument_extends_the_vocabulary() -> None:
    path = BAD / "unknown_condition.csv"
    extra = {"whiplash": "whiplash_associated_disorder"}
    with untouched(path):
        assert len(validate(path, export_date=EXPORT, conditions=extra)) == 0
        data = load_sessions(path, export_date=EXPORT, conditions=extra)
    s = data.sessions.set_index("source_row")
    assert s.loc[[7, 8], "condition"].astype(str).tolist() == ["whiplash_associated_disorder"] * 2
    assert s.loc[[7, 8], "episode_id"].tolist() == ["P003:whiplash_associated_disorder:1"] * 2
    base = _base()
    assert len(data.sessions) == len(base.sessions)
    assert len(data.measures) == len(base.measures)


def test_vas100_declared_is_converted_and_kept_in_metadata() -> None:
    path = BAD / "pain_65.csv"
    with untouched(path):
        assert len(validate(path, export_date=EXPORT, pain_scale="vas100")) == 0
        data = load_sessions(path, export_date=EXPORT, pain_scale="vas100")
    assert data.metadata["pain_scale"] == "vas100"
    pain = data.measures[data.measures["measure"] == "pain"].set_index(["source_row", "timing"])
    assert pain.loc[(7, "pre"), "value"] == pytest.approx(6.5)
    assert pain.loc[(2, "pre"), "value"] == pytest.approx(0.7)  # every pain value is /10
    assert set(pain["unit"].astype(str)) == {"nprs"}


def test_non_iso_dates_accepted_with_date_format() -> None:
    path = BAD / "date_dmy.csv"
    with untouched(path):
        assert len(validate(path, export_date=EXPORT, date_format="%d/%m/%Y")) == 0
        data = load_sessions(path, export_date=EXPORT, date_format="%d/%m/%Y")
    pd.testing.assert_frame_equal(_norm(data.sessions), _norm(_base().sessions))


def test_age_band_90_plus_is_accepted() -> None:
    path = BAD / "age_90_plus.csv"
    with untouched(path):
        assert len(validate(path, export_date=EXPORT)) == 0
        data = load_sessions(path, export_date=EXPORT)
    s = data.sessions.set_index("source_row")
    assert s.loc[[7, 8], "age_band"].astype(str).tolist() == ["90+", "90+"]


def test_age_band_90_99_is_refused_as_identifier_and_as_category() -> None:
    path = BAD / "age_90_99.csv"
    with untouched(path):
        report = validate(path, export_date=EXPORT)
        assert sorted(zip(report.table["check"], report.table["row"], strict=True)) == [
            ("identifier", 7),
            ("invalid_category", 7),
        ]
        assert report.table.loc[report.table["check"] == "identifier", "value"].tolist() == [
            "<withheld>"
        ]
        with pytest.raises(IdentifierError, match="Age band"):
            load_sessions(path, export_date=EXPORT)
        with pytest.raises(IdentifierError):
            load_sessions(path, export_date=EXPORT, errors="coerce")  # coerce never bypasses it
        # with intent, the column passes the guard and the band is an ordinary bad category
        with pytest.raises(SchemaError, match=r"1 error.*\n.*row 7, column 'Age band'"):
            load_sessions(path, export_date=EXPORT, allow_columns=["Age band"])
        data = _quiet_load(path, export_date=EXPORT, allow_columns=["Age band"], errors="coerce")
    assert data.report.table["check"].tolist() == ["invalid_category"]
    s = data.sessions.set_index("source_row")
    assert pd.isna(s.loc[7, "age_band"]) and str(s.loc[8, "age_band"]) == "60-69"


def test_identifying_age_is_never_echoed() -> None:
    report = validate(BAD / "age_93.csv", export_date=EXPORT)
    assert set(report.table["check"]) == {"identifier", "invalid_category"}
    assert "93" not in set(report.table["value"])
    assert not any("'93'" in m for m in report.table["message"])


# ---------------------------------------------------------------------------
# Identifier guard
# ---------------------------------------------------------------------------

NAMES = ("Jane", "Smith", "Omar", "Haddad", "Li Wei")


def test_identifier_column_is_refused_and_never_echoed() -> None:
    path = BAD / "patient_name.csv"
    with untouched(path):
        report = validate(path, export_date=EXPORT)
        for errors in ("raise", "coerce"):
            with pytest.raises(IdentifierError) as info:
                load_sessions(path, export_date=EXPORT, errors=errors)  # type: ignore[arg-type]
            text = str(info.value)
            assert "Patient Name" in text and "allow_columns" in text
            assert "7" in text  # how many values
            assert not any(n in text for n in NAMES)
    assert _rows(report.table, path.name) == [
        ("patient_name.csv", 2, "Patient Name", "<withheld>", "identifier", "error")
    ]
    msg = str(report.table["message"].iloc[0])
    assert "Fix:" in msg and "allow_columns" in msg
    everything = " ".join(report.table.astype(str).to_numpy().ravel())
    assert not any(n in everything for n in NAMES)
    assert not any(n in report.summary() for n in NAMES)


def test_allow_columns_overrides_the_identifier_guard() -> None:
    path = BAD / "patient_name.csv"
    with untouched(path):
        report = validate(path, export_date=EXPORT, allow_columns=["Patient Name"])
        with pytest.warns(DataQualityWarning):
            data = load_sessions(path, export_date=EXPORT, allow_columns=["Patient Name"])
    assert _rows(report.table, path.name) == [
        ("patient_name.csv", 1, "Patient Name", "Patient Name", "unknown_column", "warning")
    ]
    pd.testing.assert_frame_equal(_norm(data.sessions), _norm(_base().sessions))


# ---------------------------------------------------------------------------
# Warnings: the data loads, the report says why it is worth a look
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WarnCase:
    id: str
    file: str
    problems: tuple[Problem, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    hints: tuple[str, ...] = ()


WARN_CASES = [
    WarnCase(
        "implausible-pain-rise",
        "pain_rise.csv",
        (Problem(2, "NPRS post", "8", "implausible_change", "warning"),),
        hints=("more than 6",),
    ),
    WarnCase(
        "implausible-rom-jump",
        "rom_jump.csv",
        (Problem(3, "rom_shoulder_abduction_right_post", "160", "implausible_change", "warning"),),
        hints=("more than 60",),
    ),
    WarnCase(
        "long-gap-new-episode",
        "episode_gap.csv",
        (
            Problem(4, "Session date", "2026-05-01", "long_gap", "warning"),
            Problem(4, "Patient ID", "P001", "single_session_episode", "warning"),
        ),
        hints=("90 days", "episode_gap_days="),
    ),
    WarnCase(
        "single-session-episode",
        "single_session.csv",
        (Problem(9, "Patient ID", "P004", "single_session_episode", "warning"),),
        hints=("one session",),
    ),
    WarnCase(
        "unknown-column",
        "unknown_column.csv",
        (Problem(1, "Grip strength", "Grip strength", "unknown_column", "warning"),),
        hints=("ignored", "column_map="),
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in WARN_CASES])
def test_warning_is_reported_and_data_loads(case: WarnCase) -> None:
    path = BAD / case.file
    with untouched(path):
        report = validate(path, export_date=EXPORT, **case.kwargs)
        with pytest.warns(DataQualityWarning, match=f"{len(case.problems)} data-quality warning"):
            data = load_sessions(path, export_date=EXPORT, **case.kwargs)
    assert report.ok
    assert _rows(report.table, case.file) == _expected(case.problems, case.file)
    for p in case.problems:
        _assert_message(_message_of(report.table, p), p, case.file)
    joined = " ".join(report.table["message"])
    for hint in case.hints:
        assert hint in joined, (hint, joined)
    assert _rows(data.report.table, case.file) == _expected(case.problems, case.file)
    assert len(data.exclusions) == 0
    assert len(data.sessions) == len(pd.read_csv(path))  # nothing dropped


def test_implausible_values_are_kept_as_written() -> None:
    with pytest.warns(DataQualityWarning):
        data = load_sessions(BAD / "pain_rise.csv", export_date=EXPORT)
    pain = data.measures[(data.measures["measure"] == "pain") & (data.measures["source_row"] == 2)]
    assert dict(zip(pain["timing"].astype(str), pain["value"], strict=True)) == {
        "pre": 1.0,
        "post": 8.0,
    }


def test_long_gap_starts_a_new_episode_and_episode_gap_days_changes_that() -> None:
    path = BAD / "episode_gap.csv"
    with pytest.warns(DataQualityWarning):
        data = load_sessions(path, export_date=EXPORT)
    ep = data.sessions.set_index("source_row")["episode_id"]
    assert ep.loc[[2, 3, 4]].tolist() == [
        "P001:neck_pain:1",
        "P001:neck_pain:1",
        "P001:neck_pain:2",
    ]
    with untouched(path):
        assert len(validate(path, export_date=EXPORT, episode_gap_days=120)) == 0
        wide = load_sessions(path, export_date=EXPORT, episode_gap_days=120)
    ep = wide.sessions.set_index("source_row")["episode_id"]
    assert ep.loc[[2, 3, 4]].tolist() == ["P001:neck_pain:1"] * 3
    assert wide.metadata["episode_gap_days"] == 120


# ---------------------------------------------------------------------------
# Long measures table: joining
# ---------------------------------------------------------------------------


def test_long_table_loads_and_joins_by_patient_and_date() -> None:
    with untouched(LONG_INDEX, LONG_OK, BAD / "long_measures_by_date.csv"):
        assert len(validate(LONG_INDEX, measures=LONG_OK, export_date=EXPORT)) == 0
        by_id = load_sessions(LONG_INDEX, measures=LONG_OK, export_date=EXPORT)
        by_date = load_sessions(
            LONG_INDEX, measures=BAD / "long_measures_by_date.csv", export_date=EXPORT
        )
    assert len(by_date.report) == 0
    pd.testing.assert_frame_equal(by_id.measures, by_date.measures)
    assert len(by_id.measures) == 15
    # the same values as the wide base file carries for pain and mouth opening
    wide = _base()
    wide_m = wide.measures[wide.measures["measure"].isin(["pain", "rom:mouth_opening"])]
    assert sorted(by_id.measures["value"]) == sorted(wide_m["value"])


# ---------------------------------------------------------------------------
# Coverage of the documented rules, and a property
# ---------------------------------------------------------------------------


def test_corpus_covers_every_documented_check() -> None:
    # the package re-exports the function validate, so fetch the module itself
    doc = importlib.import_module("tpdn_outcomes.validate").__doc__ or ""
    documented = set(re.findall(r"``([a-z_]+)``", doc.split("Errors:", 1)[1]))
    assert documented == ERROR_CHECKS | WARNING_CHECKS
    covered = {p.check for c in CASES for p in c.problems}
    covered |= {p.check for c in WARN_CASES for p in c.problems}
    covered |= {"identifier"}  # test_identifier_column_is_refused_and_never_echoed
    # test_identifier_corpus.py::test_a_sampled_column_is_said_to_be_sampled
    covered |= {"identifier_sample"}
    assert covered == documented


_BASE_FRAME = pd.read_csv(BASE, dtype=str, keep_default_na=False).drop(columns="Session")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(range(len(_BASE_FRAME))))
def test_row_order_does_not_change_episodes(order: list[int]) -> None:
    """Session numbers derive from dates, so any row order gives the same episodes."""
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.csv", Path(tmp) / "b.csv"
        _BASE_FRAME.to_csv(a, index=False)
        _BASE_FRAME.iloc[list(order)].to_csv(b, index=False)
        first = _quiet_load(a, export_date=EXPORT)
        second = _quiet_load(b, export_date=EXPORT)
    for measure in ("pain", "rom:shoulder_abduction_right", "function:hit6"):
        e1 = _norm(first.episodes(measure)).sort_values("episode_id", ignore_index=True)
        e2 = _norm(second.episodes(measure)).sort_values("episode_id", ignore_index=True)
        pd.testing.assert_frame_equal(e1, e2)
    cols = ["episode_id", "session_date", "session_number"]
    s1 = _norm(first.sessions)[cols].sort_values(cols, ignore_index=True)
    s2 = _norm(second.sessions)[cols].sort_values(cols, ignore_index=True)
    pd.testing.assert_frame_equal(s1, s2)


def test_session_order_and_episodes_with_invalid_rows_among_valid_ones(tmp_path: Path) -> None:
    # rows refused for other reasons sit between the sessions: the order check and the
    # episode columns are computed on the valid rows and placed back on the right ones
    frame = pd.read_csv(BAD / "session_order.csv", dtype=str, keep_default_na=False)
    refused = frame.iloc[[0, 0]].assign(Condition=["gout", "gout"])
    mixed = pd.concat([refused.iloc[:1], frame.iloc[:2], refused.iloc[1:], frame.iloc[2:]])
    path = tmp_path / "mixed.csv"
    mixed.to_csv(path, index=False)
    report = validate(path, export_date=EXPORT)
    found = set(zip(report.table["row"], report.table["check"], strict=True))
    # file rows: 2 refused, 3-4 the first two sessions, 5 refused, 6... the rest
    assert (4, "session_order") in found  # the file's row 3, one row further down
    assert {(2, "unknown_condition"), (5, "unknown_condition")} <= found
    assert not any(check == "session_order" for row, check in found if row != 4)
    data = _quiet_load(path, errors="coerce", export_date=EXPORT)
    clean = _quiet_load(BAD / "session_order.csv", errors="coerce", export_date=EXPORT)
    cols = ["patient_id", "episode_id", "session_date", "session_number"]
    pd.testing.assert_frame_equal(_norm(data.sessions)[cols], _norm(clean.sessions)[cols])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B"]),
            st.sampled_from([None, *range(0, 80, 8)]),  # day offset (one episode), or no date
            st.sampled_from([None, *range(1, 6)]),  # session number, or none
            st.booleans(),  # valid (else refused for another reason and not checked)
        ),
        min_size=1,
        max_size=25,
    ),
    st.booleans(),
)
@example(  # numbered sessions whose dates go backwards, one of them undated (date pass)
    [("A", 40, 1, True), ("A", 8, 2, True), ("A", None, 3, True)], False
)
def test_session_order_flags_match_the_plain_rule(
    rows: list[tuple[str, int | None, int | None, bool]], every_date: bool
) -> None:
    """A session is out of order when an earlier session of its episode (in episode order)
    has a higher number or a later date; checked pair by pair in Python against
    ``_out_of_order``, which skips the dates when every one is known."""
    from tpdn_outcomes.derive import assign_episodes
    from tpdn_outcomes.validate.memory_rows import _out_of_order

    days = [0 if every_date and r[1] is None else r[1] for r in rows]
    dates = pd.Series(
        [pd.NaT if d is None else pd.Timestamp("2025-01-01") + pd.Timedelta(days=d) for d in days],
        dtype="datetime64[ns]",
    )
    # a session needs a date or a number (assign_episodes takes valid keys)
    number = [1 if r[2] is None and d is None else r[2] for r, d in zip(rows, days, strict=True)]
    valid = np.array([r[3] for r in rows])
    s = pd.DataFrame(
        {
            "patient_id": [r[0] for r in rows],
            "condition": "neck_pain",
            "session_date": dates,
            "session_number": pd.array(number, dtype="Int64"),
        }
    )
    vpos = np.flatnonzero(valid)
    ep = assign_episodes(s.iloc[vpos])
    episode = np.full(len(s), -1)
    order = np.full(len(s), -1)
    episode[vpos] = ep["episode_id"].cat.codes.to_numpy()
    order[vpos] = ep["order"].to_numpy()
    numbers = s["session_number"].to_numpy(dtype=np.float64, na_value=np.nan)
    got = _out_of_order(episode, order, s["session_date"], numbers, valid)
    expected = np.zeros(len(s), dtype=bool)
    for r in vpos:
        for q in vpos:
            if episode[q] != episode[r] or order[q] >= order[r]:
                continue
            later_number = numbers[q] > numbers[r]  # (False when either is missing)
            later_date = bool(dates[q] > dates[r]) if dates.notna()[[q, r]].all() else False
            expected[r] |= later_number or later_date
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([0, 1, 2]),  # pain, a ROM site, a function instrument
            st.sampled_from([0, 1, 2]),  # pre, post, followup
            st.integers(0, 6),  # session
            st.sampled_from([0.0, 1.0, 5.0, 8.0, 30.0, 75.0, 150.0]),
        ),
        max_size=40,
    ),
    in_runs=st.booleans(),
    by_keys=st.booleans(),
)
@example(  # two pre values of one session: the first one counts (pain 0 -> 8 rises)
    rows=[(0, 0, 1, 0.0), (0, 0, 1, 5.0), (0, 1, 1, 8.0)], in_runs=True, by_keys=False
)
def test_within_session_flags_match_a_plain_pair_lookup(
    rows: list[tuple[int, int, int, float]], in_runs: bool, by_keys: bool
) -> None:
    """Post without pre, pain rising and other measures jumping within a session: the
    rows found run by run (a wide file's layout) or by keys agree with a lookup of each
    post row's first pre row in Python, whatever the order and with repeated pre rows."""
    from unittest import mock

    from tpdn_outcomes import schema

    v = importlib.import_module("tpdn_outcomes.validate.memory_rows")
    if in_runs:  # column by column, sessions ascending, as a wide file is laid out
        rows = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    m_code = np.array([r[0] for r in rows], dtype=np.int16)
    timing = np.array([r[1] for r in rows], dtype=np.int8)
    pos = np.array([r[2] for r in rows], dtype=np.int32)
    value = np.array([r[3] for r in rows], dtype=np.float64)
    with mock.patch.object(v, "_MAX_RUNS", 0 if by_keys else v._MAX_RUNS):
        got = v._within_session_flags(
            m_code=m_code,
            timing=timing,
            pos=pos,
            value=value,
            within_cat=np.array([True, True, False]),
            is_pain_cat=np.array([True, False, False]),
        )
    expected: tuple[list[int], list[int], list[int]] = ([], [], [])
    for i, (measure, when, session, post) in enumerate(rows):
        if measure == 2 or when != 1:
            continue
        pres = [j for j, r in enumerate(rows) if r[0] == measure and r[1] == 0 and r[2] == session]
        if not pres:
            expected[0].append(i)
            continue
        delta = post - rows[pres[0]][3]
        if measure == 0 and delta > schema.PAIN_RISE_WARNING:
            expected[1].append(i)
        if measure == 1 and abs(delta) > schema.ROM_JUMP_WARNING:
            expected[2].append(i)
    assert [g.tolist() for g in got] == [list(e) for e in expected]


@pytest.mark.parametrize("given_ids", [False, True])
def test_each_measure_keeps_the_session_id_of_its_row(given_ids: bool) -> None:
    # generated ids are looked up by row position, given ids by code: either way a
    # measure's session id is the id of the session on its row, with refused, duplicate
    # and reordered rows among them
    frame = pd.read_csv(ROOT / "data" / "sample" / "sessions.csv", dtype=str, keep_default_na=False)
    frame = frame.iloc[::-1].reset_index(drop=True)  # sessions out of episode order
    frame.loc[[3, 40], "condition"] = "gout"  # refused rows
    frame = pd.concat([frame, frame.iloc[[7]]], ignore_index=True)  # a duplicate row
    ids = [f"V{i:05d}" for i in np.random.default_rng(5).permutation(len(frame))]
    ids[-1] = ids[7]  # (ids not in row order: an id's code is not its row)
    if given_ids:
        frame.insert(0, "session_id", ids)
    else:
        frame = frame.drop(columns="session_id", errors="ignore")
    data = _quiet_load(frame, errors="coerce", export_date=EXPORT)
    by_row = data.sessions.set_index("source_row")["session_id"].astype(str)
    m = data.measures
    assert len(m) and set(m["source_row"]) <= set(by_row.index)
    assert (m["session_id"].astype(str).to_numpy() == by_row[m["source_row"]].to_numpy()).all()
    assert m["session_id"].cat.categories.equals(data.sessions["session_id"].cat.categories)
    expected = (
        set(ids) - {ids[3], ids[40]}
        if given_ids
        else {f"S{r:07d}" for r in range(2, len(frame) + 1)} - {"S0000005", "S0000042"}
    )
    assert set(by_row) == expected


def test_collector_knows_it_has_errors_as_its_report_does() -> None:
    from tpdn_outcomes.validate.collect import Collector

    issues = Collector()
    assert not issues.has_errors and issues.report([]).ok
    for severity, rows in (("warning", [2, 3]), ("error", []), ("warning", [4])):
        issues.add(
            file="f.csv",
            rows=np.array(rows),
            column="c",
            canonical="c",
            values=["x"] * len(rows),
            check="k",
            problem="is odd",
            fix="fix it",
            severity=severity,
        )
    assert not issues.has_errors and issues.report([]).ok  # an error on no rows is no error
    issues.add(
        file="f.csv",
        rows=np.array([5]),
        column="c",
        canonical="c",
        values=["y"],
        check="k",
        problem="is wrong",
        fix="fix it",
    )
    assert issues.has_errors and not issues.report([]).ok


def test_dataframe_with_its_own_index_reports_the_index_label() -> None:
    frame = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P2", "P2"],
            "condition": ["neck_pain"] * 4,
            "session_number": [1, 2, 1, 2],
            "pain_pre": [6, 5, 12, 4],
        },
        index=[10, 11, 17, 18],  # e.g. after dropping rows
    )
    table = validate(frame).errors
    assert list(table.columns[:3]) == ["file", "row", "index"]
    assert (table["row"].iloc[0], table["index"].iloc[0]) == (4, 17)
    # a default index needs no extra column
    plain = validate(frame.reset_index(drop=True)).errors
    assert "index" not in plain.columns and plain["row"].iloc[0] == 4


@pytest.mark.parametrize(
    "dtype",
    ["Int64", "Float64", "float64", "int64[pyarrow]", "double[pyarrow]", "parquet-int", "parquet"],
)
def test_typed_measure_columns_match_the_same_cells_as_text(dtype: str, tmp_path: Path) -> None:
    """Typed measure columns (Parquet, Excel, DataFrames) are read at their filled cells
    only; what is kept and what is reported must be what the same cells give as text.
    ``parquet``: the typed frame written to a Parquet file (its numbers are read as Arrow
    columns), as doubles or as integers with nulls."""
    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "sessions.csv"
    frame = pd.read_csv(sample)
    rng = np.random.default_rng(3)
    planted = set()
    for col in ("pain_post", "rom_cervical_rotation_left_pre"):
        values = frame[col].astype("float64")
        values[rng.random(len(values)) < 0.3] = np.nan  # sparse, as ROM columns are
        filled = np.flatnonzero(values.notna().to_numpy())
        values.iloc[filled[1]] = 12 if col == "pain_post" else 400  # out of range
        values.iloc[filled[4]] = -1  # out of range
        frame[col] = values
        planted |= {(int(filled[1]) + 2, col), (int(filled[4]) + 2, col)}  # header is row 1
    as_dtype = {"parquet": "float64", "parquet-int": "Int64"}.get(dtype, dtype)
    typed: Any = frame.astype(
        {c: as_dtype for c in ("pain_post", "rom_cervical_rotation_left_pre")}
    )
    if dtype.startswith("parquet"):
        typed.to_parquet(tmp_path / "same.parquet", index=False)
        typed = tmp_path / "same.parquet"
    text_path = tmp_path / "same.csv"
    frame.to_csv(text_path, index=False)
    as_text = _quiet_load(text_path, export_date=EXPORT, errors="coerce")
    as_typed = _quiet_load(typed, export_date=EXPORT, errors="coerce")
    pd.testing.assert_frame_equal(as_typed.measures, as_text.measures, check_categorical=False)
    cols = ["row", "column", "check", "severity"]
    pd.testing.assert_frame_equal(
        as_typed.report.table[cols].reset_index(drop=True),
        as_text.report.table[cols].reset_index(drop=True),
    )
    out = as_typed.report.table.query("check == 'out_of_range'")
    assert set(zip(out["row"], out["column"], strict=True)) == planted
    assert set(out["value"]) == {"12", "400", "-1"}


@pytest.mark.parametrize("block", [1, 2, 7])
@pytest.mark.parametrize(
    ("path", "checks"),
    [
        # a post without its pre and a pain rise
        (ROOT / "data" / "sample" / "sessions_with_errors.csv", {"post_without_pre"}),
        (BAD / "rom_jump.csv", {"implausible_change"}),
    ],
)
def test_pre_post_rules_give_the_same_report_in_any_block_size(
    block: int, path: Path, checks: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # with tiny blocks the flagged rows fall in other blocks than with the default size
    expected = validate(path, export_date=EXPORT).table
    assert checks <= set(expected["check"])
    for module in ("tpdn_outcomes.validate.memory_parse", "tpdn_outcomes.validate.memory_rows"):
        monkeypatch.setattr(importlib.import_module(module), "_BLOCK", block)
    pd.testing.assert_frame_equal(validate(path, export_date=EXPORT).table, expected)


@settings(max_examples=100, deadline=None)
@given(
    codes=st.lists(st.integers(-1, 5), max_size=40),
    block=st.integers(1, 8),
)
def test_used_categories_counts_across_blocks(codes: list[int], block: int) -> None:
    v = importlib.import_module("tpdn_outcomes.validate.memory_parse")
    arr = np.array(codes, dtype=np.int8)
    expected = np.isin(np.arange(6), arr)
    saved = v._BLOCK
    try:
        v._BLOCK = block
        got = v._used_categories(arr, 6)
    finally:
        v._BLOCK = saved
    assert got.tolist() == expected.tolist()


# --- no input makes the checks raise ----------------------------------------------------

_FUZZ_COLUMNS = [
    "Patient ID", "Condition", "Session date", "Session", "Clinic", "Practitioner role",
    "Muscles", "Needle count", "Twitch", "Adverse events", "Age band", "Sex", "NPRS pre",
    "NPRS post", "rom_lumbar_flexion_pre", "rom_lumbar_flexion_post", "HIT-6 pre",
    "PSFS post", "session_id", "episode_id",
]  # fmt: skip
_FUZZ_TEXT = [
    "", " ", "\u00a0", "P1", "P2", " p1", "neck_pain", "TTH", "sciatica", "2025-01-01",
    "2025-02-30", "2025-01-08T10:00", "9999-12-31", "1899-01-01", "yes", "no", "maybe",
    "soreness;bruising", "none;soreness", "upper_trapezius", "40-49", "90+", "93", "female",
    "C1", "physician", "7", "seven", "6,5", "1e3", "inf", "NaN", "NULL", "-", "1e400",
]  # fmt: skip
_CELL = st.one_of(
    st.none(),
    st.just(np.nan),
    st.sampled_from(_FUZZ_TEXT),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.just(pd.Timestamp("2025-01-05")),
    st.just(pd.NaT),
    st.complex_numbers(max_magnitude=10),
    st.lists(st.sampled_from(["upper_trapezius", "soreness", "5"]), max_size=2),
    st.just({"value": 4}),
    st.text(max_size=8),
)


@pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")  # (nothing dropped)
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_dataframe_makes_the_checks_raise(data: Any) -> None:
    """``validate`` never raises for what is in the data, and ``load_sessions`` either
    loads or refuses with a ``SchemaError`` (an ``IdentifierError`` for identifiers): any
    other exception is a bug. Cells of every kind a DataFrame can hold, in object columns
    or converted to numbers, strings or categories. The input frame is never changed."""
    columns = data.draw(st.lists(st.sampled_from(_FUZZ_COLUMNS), min_size=1, unique=True))
    if data.draw(st.booleans()):  # usually the required columns are there
        columns = list(dict.fromkeys([*columns, "Patient ID", "Condition", "Session date"]))
    n = data.draw(st.integers(0, 6))
    frame = pd.DataFrame(index=range(n))
    for col in columns:
        cells = pd.Series(data.draw(st.lists(_CELL, min_size=n, max_size=n)), dtype=object)
        kind = data.draw(st.sampled_from(["object", "numeric", "string", "category"]))
        with contextlib.suppress(Exception):  # (a conversion pandas refuses: object kept)
            if kind == "numeric":
                cells = pd.to_numeric(cells)
            elif kind == "string":
                cells = cells.astype("string")
            elif kind == "category":
                cells = cells.astype("category")
        frame[col] = cells
    before = frame.copy(deep=True)
    report = validate(frame, export_date=EXPORT)
    assert isinstance(report, ValidationReport)
    assert report.table["row"].dropna().between(1, n + 1).all()
    for errors in ("raise", "coerce"):
        try:
            loaded = _quiet_load(frame, export_date=EXPORT, errors=errors)
        except (SchemaError, IdentifierError):
            continue
        loaded.episodes()
        loaded.session_changes()
    pd.testing.assert_frame_equal(frame, before)


_LONG_COLUMNS = ["session_id", "measure", "timing", "value", "unit", "patient_id", "session_date"]
_LONG_TEXT = [
    "", "V01", "V02", "V99", "P001", "pain", "rom:lumbar_flexion", "function:ndi", "grip",
    "pre", "post", "followup", "during", "nprs", "deg", "mm", "%", "2026-01-05", "seven",
]  # fmt: skip
_LONG_GOOD: dict[str, list[Any]] = {
    "session_id": ["V01", "V02", "V03"],
    "measure": ["pain", "rom:shoulder_abduction_right", "function:hit6", None],
    "timing": ["pre", "post", "followup"],
    "value": [4, 7, 150, 55],
    "unit": ["nprs", "deg", "points", ""],
    "patient_id": ["P001", "P002"],
    "session_date": ["2026-01-05", "2026-01-12"],
}
_LONG_CELL = st.one_of(
    st.none(),
    st.sampled_from(_LONG_TEXT),
    st.integers(-5, 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.just({"value": 4}),
)


@pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_long_measures_table_makes_the_checks_raise(data: Any) -> None:
    """As ``test_no_dataframe_makes_the_checks_raise``, for a long measures table joined
    to ``long_index.csv`` (it found a blank measure that crashed the unit check)."""
    columns = data.draw(st.lists(st.sampled_from(_LONG_COLUMNS), min_size=1, unique=True))
    if data.draw(st.booleans()):
        columns = list(dict.fromkeys([*columns, "session_id", "measure", "timing", "value"]))
    n = data.draw(st.integers(0, 6))
    measures = pd.DataFrame(index=range(n))
    for col in columns:
        # about half the cells plausible for their column, so rows get as far as the
        # later checks (units, pairs, duplicates)
        cell = st.one_of(st.sampled_from(_LONG_GOOD[col]), _LONG_CELL)
        cells = pd.Series(data.draw(st.lists(cell, min_size=n, max_size=n)), dtype=object)
        if data.draw(st.booleans()):
            with contextlib.suppress(Exception):
                cells = pd.to_numeric(cells)
        measures[col] = cells
    before = measures.copy(deep=True)
    report = validate(LONG_INDEX, measures=measures, export_date=EXPORT)
    assert isinstance(report, ValidationReport)
    for errors in ("raise", "coerce"):
        try:
            loaded = _quiet_load(LONG_INDEX, measures=measures, export_date=EXPORT, errors=errors)
        except (SchemaError, IdentifierError):
            continue
        for name in loaded.measure_names():
            loaded.episodes(name)
        loaded.session_changes()
    pd.testing.assert_frame_equal(measures, before)
