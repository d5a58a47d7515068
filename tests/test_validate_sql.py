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


# --------------------------------------------------------------------------- across rows

ROW_CHECKS = {CHECKS[n].check for n in ROWS_IN_SQL}


def _cross_rows(parquet: Path, **kwargs: object) -> set[str]:
    """The cross-row checks the SQL engine reports on ``parquet`` (after :func:`_same`)."""
    _same(parquet, **kwargs)
    table = sql_report(parquet, export_date=EXPORT, **kwargs).table  # type: ignore[arg-type]
    return set(table["check"]) & ROW_CHECKS


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_parquet(path, index=False)
    return path


def test_duplicates_gaps_and_single_sessions_by_date(tmp_path: Path) -> None:
    # no session numbers: episodes found by date, a repeated date is a duplicate; an
    # invalid row (blank condition) among them neither splits nor joins an episode
    frame = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P1", "P1", "P1", "P2", "P2", " P2 ", "P3", "P1"],
            "condition": ["neck_pain", "neck_pain", "", "Neck pain", "neck_pain",
                          "low_back_pain", "low_back_pain", "low_back_pain", "neck_pain",
                          "low_back_pain"],
            "session_date": ["2025-01-02", "2025-01-02", "2025-01-20", "2025-06-01",
                             "2025-01-09", "2025-03-01", "2025-03-01", "2025-09-30",
                             "2025-04-04", "2025-01-02"],
            "pain_pre": ["5", "6", "4", "3", "", "7", "7", "6", "5", "4"],
            "pain_post": ["4", "2", "3", "9", "3", "5", "", "2", "5", "3"],
        }
    )  # fmt: skip
    found = _cross_rows(_write(frame, tmp_path / "dates.parquet"))
    assert found >= {"duplicate_session", "long_gap", "single_session_episode", "post_without_pre"}
    assert _cross_rows(tmp_path / "dates.parquet", episode_gap_days=200) >= {"duplicate_session"}


def test_order_and_duplicates_by_session_number(tmp_path: Path) -> None:
    # numbers and dates: a number going backwards, a date going backwards in an episode
    # with an undated session (ordered by number), repeated numbers, a repeated given
    # session id (its first copy on a row without a key), refused numbers and dates
    frame = pd.DataFrame(
        {
            "patient_id": ["P1"] * 6 + ["P2"] * 5 + ["", "P3"],
            "session_id": ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S11",
                           "S12", "S12"],
            "condition": ["neck_pain"] * 6 + ["shoulder_pain"] * 5 + ["neck_pain"] * 2,
            "session_date": ["2025-01-05", "2025-01-26", "2025-01-19", "", "2025-02-20",
                             "2025-02-02", "2025-03-01", "2025-02-01", "not a date", "2025-01-08",
                             "2031-01-01", "2025-05-01", "2025-05-01"],
            "session_number": ["1", "2", "3", "4", "5", "5", "1", "2", "3", "4", "1.5", "1",
                               "1"],
            "rom_shoulder_abduction_right_pre": ["", "", "", "", "", "", "90", "100", "110",
                                                 "", "95", "", ""],
            "rom_shoulder_abduction_right_post": ["", "", "", "", "", "", "170", "120", "", "130",
                                                  "100", "", ""],
        }
    )  # fmt: skip
    found = _cross_rows(_write(frame, tmp_path / "numbers.parquet"))
    assert found >= {"session_order", "duplicate_session", "implausible_change", "post_without_pre"}


def test_given_episodes_and_numbers_only(tmp_path: Path) -> None:
    given = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P1", "P1", "P2", "P2"],
            # (labels unique to a patient: the in-memory engine counts an episode label shared
            # by two patients as one episode for single_session_episode; SQL by patient)
            "episode_id": ["E1", "E1", "E2", "E1", "E4", "E3"],
            "condition": ["neck_pain"] * 6,
            "session_date": ["2025-01-05", "2025-03-26", "2025-09-19", "2025-02-01",
                             "2025-01-01", "2025-01-01"],
            "session_number": ["1", "2", "1", "3", "1", "1"],
            "pain_pre": ["2", "3", "4", "5", "1", ""],
            "pain_post": ["9", "2", "", "4", "8", "3"],
        }
    )  # fmt: skip
    found = _cross_rows(_write(given, tmp_path / "given.parquet"))
    assert found >= {"session_order", "single_session_episode", "implausible_change"}
    assert "long_gap" not in found  # given episodes are never split by gaps
    numbers = given.drop(columns=["episode_id", "session_date"])
    found = _cross_rows(_write(numbers, tmp_path / "numbers_only.parquet"))
    assert found >= {"duplicate_session", "single_session_episode"}
    vas = given.assign(
        pain_pre=["20", "30", "40", "50", "10", ""], pain_post=["90", "20", "", "40", "80", "30"]
    )
    assert "implausible_change" in _cross_rows(
        _write(vas, tmp_path / "vas.parquet"), pain_scale="vas100"
    )


@pytest.mark.parametrize("seed", range(6))
def test_messy_files_are_reported_across_rows_as_in_memory(seed: int, tmp_path: Path) -> None:
    # random files with every cross-row problem at once (repeats, gaps, missing and
    # refused dates and numbers, given or found episodes), as text and typed
    rng = np.random.default_rng(seed)
    n = 300
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D")
    dates = pd.Series(day.strftime("%Y-%m-%d"))
    dates[rng.random(n) < 0.1] = ""
    dates[rng.random(n) < 0.03] = "2030-01-01"
    numbers = pd.Series(rng.integers(1, 6, n).astype(str))
    numbers[rng.random(n) < 0.1] = ""
    numbers[rng.random(n) < 0.03] = "0"

    def values(low: int, high: int) -> pd.Series:
        v = pd.Series(rng.integers(low, high, n).astype(str))
        v[rng.random(n) < 0.2] = ""
        return v

    frame = pd.DataFrame(
        {
            "patient_id": [f"P{i}" for i in rng.integers(0, 25, n)],
            "condition": rng.choice(
                ["neck_pain", "low_back_pain", "gout", ""], n, p=[0.45, 0.45, 0.05, 0.05]
            ),
            "session_date": dates,
            "session_number": numbers,
            "pain_pre": values(0, 12),
            "pain_post": values(0, 11),
            "rom_cervical_rotation_left_pre": values(0, 90),
            "rom_cervical_rotation_left_post": values(0, 90),
        }
    )
    if seed % 3 == 1:
        frame["episode_id"] = (
            frame["patient_id"] + "-E" + pd.Series(rng.integers(0, 3, n).astype(str))
        )
    if seed % 3 == 2:
        frame["session_id"] = [f"S{i}" for i in rng.integers(0, 280, n)]
        frame = frame.drop(columns="session_number")
    if seed == 3:
        frame = frame.drop(columns="session_date")
    text = _write(frame, tmp_path / "text.parquet")
    assert len(_cross_rows(text, episode_gap_days=60)) >= 3
    typed = frame.replace("", None)
    for c in ("session_number", "pain_pre", "pain_post", "rom_cervical_rotation_left_pre",
              "rom_cervical_rotation_left_post"):  # fmt: skip
        if c in typed:
            typed[c] = pd.to_numeric(typed[c]).astype("Float64")
    if "session_date" in typed:
        typed["session_date"] = pd.to_datetime(typed["session_date"])
    _cross_rows(_write(typed, tmp_path / "typed.parquet"))
