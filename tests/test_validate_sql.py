"""The SQL engine runs the declared checks as the in-memory engine does.

Each file of the bad-input corpus (``tests/test_validate.py``'s ``CASES`` and
``WARN_CASES`` whose file is a wide session table) is written to Parquet twice: every
cell as text, and with the types pandas infers from the CSV. On each, the SQL engine's
report (``validate.sql.sql_report``, DuckDB over the file) must equal the in-memory
engine's (``validate``) restricted to the declarations the SQL engine runs: row, column,
value (masked as the report masks it), check, severity, message and fix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_validate import BAD, CASES, EXPORT, WARN_CASES

from tpdn_outcomes.validate import validate
from tpdn_outcomes.validate.checks import CHECKS, DECLARED, CrossRow, per_cell
from tpdn_outcomes.validate.sql import IN_SQL, not_in_sql, sql_report
from tpdn_outcomes.validate.sql_rows import ROWS_IN_SQL

pytest.importorskip("duckdb")

COLUMNS = ["file", "row", "column", "canonical_column", "value", "check", "severity", "message"]
SESSION_KEYS = {c.columns[0] for c in DECLARED} - {"measure"}


def _declared(row: pd.Series) -> tuple[str, str]:
    """(check, declared column) of a report row: measure columns are named by measure."""
    canonical = row["canonical_column"]
    return row["check"], canonical if canonical in SESSION_KEYS else "measure"


def _in_sql(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of an in-memory report that the SQL engine's declarations report."""
    covered = {(CHECKS[n].check, CHECKS[n].columns[0]) for n in IN_SQL + ROWS_IN_SQL}
    keep = [_declared(r) in covered for _, r in table.iterrows()]
    return table[np.array(keep, dtype=bool)] if len(table) else table


def _same(parquet: Path, **kwargs: object) -> int:
    kwargs = {"export_date": EXPORT, **kwargs}
    memory = _in_sql(validate(parquet, **kwargs).table)[COLUMNS]  # type: ignore[arg-type]
    sql = sql_report(parquet, **kwargs).table[COLUMNS]
    order = COLUMNS
    pd.testing.assert_frame_equal(
        sql.sort_values(order).reset_index(drop=True),
        memory.sort_values(order).reset_index(drop=True),
        check_dtype=False,
    )
    return len(sql)


_WIDE = sorted(
    {
        (c.file, tuple(sorted(c.kwargs.items())))
        for c in [*CASES, *WARN_CASES]
        if not getattr(c, "long", False) and c.file.endswith(".csv") and c.file != "empty.csv"
    }
)


@pytest.mark.parametrize("typed", [False, True], ids=["text", "typed"])
@pytest.mark.parametrize(("file", "kwargs"), _WIDE, ids=[f for f, _ in _WIDE])
def test_sql_engine_reports_the_corpus_as_the_memory_engine(
    file: str, kwargs: tuple[tuple[str, object], ...], typed: bool, tmp_path: Path
) -> None:
    options = dict(kwargs)
    if "date_format" in options:
        pytest.skip("the SQL engine reads ISO dates")
    encoding = str(options.pop("encoding", "cp1252" if file == "cp1252.csv" else "utf-8-sig"))
    read = (
        {"encoding": encoding}
        if typed
        else {"dtype": str, "keep_default_na": False, "encoding": encoding}
    )
    frame = pd.read_csv(BAD / file, **read)  # type: ignore[call-overload]
    parquet = tmp_path / (Path(file).stem + ".parquet")
    frame.to_parquet(parquet, index=False)
    options.pop("sheet", None)
    _same(parquet, **options)


def test_the_corpus_exercises_every_declaration_in_sql(tmp_path: Path) -> None:
    # (not a vacuous comparison: the corpus and the frame below flag each SQL declaration)
    seen: set[str] = set()
    for file, _ in _WIDE:
        if file == "cp1252.csv":
            continue
        for typed in (False, True):
            read = {} if typed else {"dtype": str, "keep_default_na": False}
            parquet = tmp_path / f"{typed}_{Path(file).stem}.parquet"
            pd.read_csv(BAD / file, **read).to_parquet(parquet, index=False)  # type: ignore[call-overload]
            table = sql_report(parquet, export_date=EXPORT).table
            pairs = zip(table["check"], table["canonical_column"], strict=True)
            seen |= {f"{c}:{k}" for c, k in pairs}
    for c, k in [("missing_value", "patient_id"), ("unknown_condition", "condition")]:
        assert f"{c}:{k}" in seen
    assert {s.split(":")[0] for s in seen} >= {
        "missing_value",
        "unknown_condition",
        "invalid_date",
        "date_out_of_range",
        "invalid_number",
        "out_of_range",
        "invalid_category",
        "invalid_boolean",
    }


def test_typed_cells_the_corpus_lacks_are_reported_alike(tmp_path: Path) -> None:
    # infinite and NaN floats, whole numbers too large to hold, numeric labels, blank ids
    frame = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P2", "P2", "P3"],
            "session_id": ["S1", "", "S3", "S4", "S5"],
            "episode_id": ["E1", "E1", None, "E2", "E3"],
            "condition": ["neck_pain", "Neck pain", "gout", "neck_pain", None],
            "session_date": pd.to_datetime(
                ["2025-01-02", "1980-01-01", "2027-01-01", "2025-02-01", None]
            ),
            "session_number": [1.0, 2.5, 2.0**60, -3.0, np.nan],
            "needle_count": [3, -1, 2**60, 0, 4],
            "sex": [1.0, 2.0, 3.0, np.nan, 1.5],
            "twitch_response": [True, False, None, True, False],
            "pain_pre": [5.0, np.inf, 11.0, np.nan, -1.0],
            "pain_post": [3.0, 2.0, -np.inf, 4.0, 10.0],
        }
    )
    parquet = tmp_path / "typed.parquet"
    frame.to_parquet(parquet, index=False)
    assert _same(parquet) >= 10
    assert _same(parquet, pain_scale="vas100") >= 8


def test_declarations_are_either_in_sql_or_listed() -> None:
    assert set(IN_SQL) <= set(CHECKS)
    assert set(IN_SQL) | set(ROWS_IN_SQL) | set(not_in_sql()) == set(CHECKS)
    assert all(isinstance(CHECKS[n].rule, CrossRow) for n in ROWS_IN_SQL)
    assert {c.name for c in per_cell()} >= set(IN_SQL)
    assert all(not isinstance(CHECKS[n].rule, CrossRow) for n in IN_SQL)


def test_registry_checks_cells_in_sql_as_it_validates(tmp_path: Path) -> None:
    from tpdn_outcomes.registry import open_registry

    folder = tmp_path / "registry"
    folder.mkdir()
    for i, file in enumerate(["date_future.csv", "pain_11.csv", "unknown_condition.csv"]):
        frame = (
            pd.read_csv(BAD / file, dtype=str, keep_default_na=False)
            if i % 2
            else (pd.read_csv(BAD / file))
        )
        frame.to_parquet(folder / f"part-{i}.parquet", index=False)
    registry = open_registry(folder, export_date=EXPORT, check_patients=False)
    cells = registry.validate_cells().table[COLUMNS]
    memory = _in_sql(registry.validate().table)[COLUMNS]
    assert len(cells) >= 3
    pd.testing.assert_frame_equal(
        cells.sort_values(COLUMNS).reset_index(drop=True),
        memory.sort_values(COLUMNS).reset_index(drop=True),
        check_dtype=False,
    )
