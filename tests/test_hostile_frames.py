"""Hostile DataFrames: ``validate`` reports, ``load_sessions`` refuses or loads; nothing else.

The exception model (docs/data.md, "Errors and exit codes"): for any DataFrame,

* :func:`tpdn_outcomes.validate` returns a :class:`ValidationReport` and never raises;
* :func:`tpdn_outcomes.load_sessions` (here with ``errors="coerce"``) returns a
  ``SessionData`` or raises :class:`SchemaError` or :class:`IdentifierError`;
* the frame is never modified.

Each example is the clean base export (``tests/data/bad/_base_valid.csv``, as text or
with pandas' own types) with one to all of its columns made hostile: whole columns of
another type (timedelta64, huge integers, infinities, bytes, complex, periods,
time-zone-aware dates, sparse, Arrow-backed, unsigned 64-bit), or single cells replaced
by bytes, text that is not valid Unicode (lone surrogates), timedeltas, lists, dicts,
sets, integers beyond 2**64, infinities, NaN/NA/NaT, decimals, complex numbers, dates
and numpy scalars; sometimes the rows are cut, the index is not the default one, or a
column label is not text.

The number of frames is ``TPDN_HOSTILE_EXAMPLES`` (default 300, about a minute on a
laptop core); the issue's acceptance run is ``TPDN_HOSTILE_EXAMPLES=2000``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tpdn_outcomes import load_sessions, validate
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning, SchemaError
from tpdn_outcomes.privacy import IdentifierError
from tpdn_outcomes.validate import ValidationReport

BASE = Path(__file__).parent / "data" / "bad" / "_base_valid.csv"
AS_TEXT = pd.read_csv(BASE, dtype=str, keep_default_na=False, na_values=[""])
TYPED = pd.read_csv(BASE)
EXAMPLES = int(os.environ.get("TPDN_HOSTILE_EXAMPLES", "300"))

#: Lone surrogates: what ``bytes.decode(errors="surrogateescape")`` leaves of bad bytes.
surrogate_text = st.builds(
    lambda a, s, b: a + s + b,
    st.text(max_size=3),
    st.characters(categories=["Cs"]),
    st.text(max_size=3),
)

hostile_values = st.one_of(
    st.binary(max_size=6),
    surrogate_text,
    st.text(max_size=12),
    st.timedeltas(),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.frozensets(st.integers(0, 3), max_size=3),
    st.tuples(st.integers()),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            None,
            pd.NA,
            pd.NaT,
            np.nan,
            np.inf,
            -np.inf,
            np.int64(-(2**63)),
            np.uint64(2**64 - 1),
            np.float32(3.5),
            np.timedelta64(1, "D"),
            np.datetime64("9999-12-31"),
            np.datetime64("NaT"),
            pd.Timestamp("2026-01-05", tz="Asia/Tokyo"),
            pd.Period("2026-01"),
            pd.Interval(0, 1),
            "x" * 5000,
            "P\x001",
            "  ",
            "7",
            "2026-01-05",
            "neck_pain",
        ]
    ),
)


def _column(kind: str, n: int) -> Any:
    """A whole column of a hostile type, ``n`` rows."""
    return {
        "timedelta64": lambda: pd.to_timedelta(np.arange(n), unit="D"),
        "int64 max": lambda: np.full(n, 2**63 - 1, dtype=np.int64),
        "inf": lambda: np.full(n, np.inf),
        "-inf float32": lambda: np.full(n, -np.inf, dtype=np.float32),
        "bytes": lambda: np.array([b"\xff\xfe"] * n, dtype=object),
        "complex": lambda: np.full(n, 1 + 2j),
        "UInt64 max": lambda: pd.array([2**64 - 1] * n, dtype="UInt64"),
        "tz dates": lambda: pd.date_range("2026-01-01", periods=n, tz="UTC"),
        "arrow int": lambda: pd.array([None, 5, 2**62] * n, dtype="int64[pyarrow]")[:n],
        "arrow text": lambda: pd.array(["P1", None] * n, dtype="string[pyarrow]")[:n],
        "period": lambda: pd.period_range("2026-01", periods=n, freq="M"),
        "sparse": lambda: pd.arrays.SparseArray([0.0] * n),
        "bool": lambda: np.resize([True, False], n),
        "huge float": lambda: np.full(n, 1e300),
        "categorical": lambda: pd.Categorical.from_codes(
            np.resize([0, 1], n), categories=pd.Index(["a", "\udcff"], dtype=object)
        ),
        "all missing": lambda: np.full(n, None, dtype=object),
    }[kind]()


COLUMN_KINDS = [
    "timedelta64",
    "int64 max",
    "inf",
    "-inf float32",
    "bytes",
    "complex",
    "UInt64 max",
    "tz dates",
    "arrow int",
    "arrow text",
    "period",
    "sparse",
    "bool",
    "huge float",
    "categorical",
    "all missing",
]


@st.composite
def hostile_frames(draw: st.DrawFn) -> pd.DataFrame:
    df = (AS_TEXT if draw(st.booleans()) else TYPED).copy()
    if draw(st.integers(0, 9)) == 0:
        df = df.iloc[: draw(st.integers(0, len(df)))]
    n = len(df)
    columns = list(df.columns)
    if draw(st.integers(0, 9)) == 0:
        hit = columns  # every column at once
    else:
        hit = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=5, unique=True))
    for c in hit:
        if draw(st.integers(0, 2)) == 0:
            df[c] = pd.Series(_column(draw(st.sampled_from(COLUMN_KINDS)), n), index=df.index)
        else:
            cells = df[c].astype(object).copy()
            for i in draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=3, unique=True)):
                if i < n:
                    cells.iloc[i] = draw(hostile_values)
            df[c] = cells
    if n and draw(st.integers(0, 9)) == 0:
        df.index = pd.Index(
            draw(st.lists(st.sampled_from(["a", 1, None, 2.5]), min_size=n, max_size=n)),
            dtype=object,
        )
    if draw(st.integers(0, 9)) == 0:
        labels = list(df.columns)
        j = draw(st.integers(0, len(labels) - 1))
        labels[j] = draw(st.sampled_from([5, None, ("a", "b"), "\udcff", b"x", 2.5]))
        df.columns = pd.Index(labels, dtype=object)
    return df


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """The same labels, dtypes and cells (cells of object columns: the same objects)."""
    if not (a.columns.equals(b.columns) and a.index.equals(b.index)):
        return False
    for j in range(a.shape[1]):
        x, y = a.iloc[:, j], b.iloc[:, j]
        if x.dtype != y.dtype:
            return False
        if x.dtype == object:
            if any(p is not q for p, q in zip(x.array, y.array, strict=True)):
                return False
        else:
            try:
                same = x.equals(y)
            except (TypeError, ValueError, UnicodeError):  # (categories pandas cannot compare)
                same = all(p is q or p == q for p, q in zip(x.array, y.array, strict=True))
            if not same:
                return False
    return True


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hostile_frames())
def test_hostile_frames_raise_only_documented_exceptions(frame: pd.DataFrame) -> None:
    before = frame.copy(deep=True)  # (object cells: the same objects, new array)
    report = validate(frame, export_date="2026-11-24")
    assert isinstance(report, ValidationReport)
    assert all(isinstance(m, str) and "Fix" in m for m in report.table["message"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        try:
            data = load_sessions(frame, export_date="2026-11-24", errors="coerce")
        except (SchemaError, IdentifierError) as exc:
            assert str(exc)
        else:
            assert isinstance(data, SessionData)
    assert _same(frame, before), "the input frame was modified"


@pytest.mark.parametrize("column", ["Patient ID", "Condition", "Session", "NPRS pre", "Sex"])
def test_values_an_index_cannot_compare_are_reported(column: str) -> None:
    """An integer beyond 64 bits beside a numpy timedelta: pandas' Index cannot order them
    (OverflowError); found by the 2,000-frame run, kept as a case."""
    frame = AS_TEXT.copy()
    frame[column] = pd.Series(
        np.resize(np.array([2**200, np.timedelta64(1, "D")], dtype=object), len(frame)),
        index=frame.index,
        dtype=object,
    )
    report = validate(frame, export_date="2026-11-24")
    assert isinstance(report, ValidationReport)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        with contextlib.suppress(SchemaError, IdentifierError):
            load_sessions(frame, export_date="2026-11-24", errors="coerce")


@pytest.mark.parametrize("kind", COLUMN_KINDS)
@pytest.mark.parametrize("column", list(AS_TEXT.columns))
def test_every_column_of_every_hostile_type(column: str, kind: str) -> None:
    """The systematic sweep beside the random one: each column, each hostile type."""
    frame = AS_TEXT.copy()
    frame[column] = pd.Series(_column(kind, len(frame)), index=frame.index)
    report = validate(frame, export_date="2026-11-24")
    assert isinstance(report, ValidationReport)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        try:
            load_sessions(frame, export_date="2026-11-24", errors="coerce")
        except (SchemaError, IdentifierError):
            pass


@pytest.mark.parametrize(
    "value",
    [
        b"\xff\xfe",
        "P\udcff1",
        dt.timedelta(days=1),
        [1, 2],
        {"a": 1},
        2**70,
        float("inf"),
        decimal.Decimal("1e999"),
        1 + 2j,
        np.timedelta64(1, "D"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("column", ["Condition", "Session date", "Session", "NPRS pre"])
def test_a_hostile_cell_in_a_key_or_measure_column_is_a_report_row(column: str, value: Any) -> None:
    """A hostile cell where a value is checked is reported at its row (never raised)."""
    frame = AS_TEXT.copy()
    cells = frame[column].astype(object).copy()
    cells.iloc[1] = value  # row 3 of the file
    frame[column] = cells
    report = validate(frame, export_date="2026-11-24")
    assert 3 in set(report.errors["row"].dropna().astype(int)), report.table


@pytest.mark.xfail(
    strict=True,
    reason="errors='coerce' sets an invalid session number missing (test_validate's "
    "session_fraction case expects that), but the canonical sessions schema declares "
    "session_number not nullable, so SessionData.check() refuses the loaded data; which "
    "of the two is right is the data contract's call (found by the hostile-frame test)",
)
def test_coerced_data_meets_the_canonical_schema() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(
            BASE.parent / "session_fraction.csv", export_date="2026-11-24", errors="coerce"
        )
    data.check()
