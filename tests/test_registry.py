"""The registry (out of core, DuckDB embedded): the same reports and statistics as the
in-memory path.

Every comparison is against :func:`tpdn_outcomes.load_sessions` / :func:`validate` and the
functions of :mod:`tpdn_outcomes.outcomes` on the same data (the in-memory path is itself
tested against R elsewhere). The 1M-session equality runs in
``benchmarks/bench_registry.py --check`` (too slow for the unit suite).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("duckdb")

from samples import four_clinic_path as sample_path  # the R reference data

from tpdn_outcomes import load_sessions, outcomes, validate
from tpdn_outcomes.datasets import synthesize
from tpdn_outcomes.errors import DataQualityWarning, SchemaError
from tpdn_outcomes.privacy import IdentifierError
from tpdn_outcomes.registry import Registry, open_registry, write_registry

EXPORT = "2026-11-24"
DATA = Path(__file__).parent / "data"
TOL = {"check_exact": False, "rtol": 1e-12, "atol": 1e-12}


def _quiet_load(source: object, **options: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_sessions(source, export_date=EXPORT, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def wide() -> pd.DataFrame:
    return pd.read_csv(sample_path("sessions.csv"))


@pytest.fixture(scope="module")
def memory(wide: pd.DataFrame) -> object:
    return _quiet_load(wide)


@pytest.fixture(scope="module")
def hive(wide: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    folder = tmp_path_factory.mktemp("registry") / "sessions"
    # two chunks of patients, each written by clinic: 8 files
    patients = wide["patient_id"].drop_duplicates()
    first = set(patients.iloc[: len(patients) // 2])
    in_first = wide["patient_id"].isin(first)
    write_registry([wide[in_first], wide[~in_first]], folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        reg = open_registry(folder, export_date=EXPORT)
        reg.load(["pain"])
    return reg


def test_files_are_the_partitions(hive: Registry) -> None:
    assert len(hive.files) == 8
    assert hive.files[0] == "clinic_id=CLN-01/part-00000.parquet"


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("change_summary", {}),
        ("change_summary", {"by": ["clinic_id", "sex"], "measure": "pain", "final": "last"}),
        ("change_summary", {"by": "quarter", "ci_method": "bootstrap", "seed": 4, "n_boot": 200}),
        ("change_summary", {"by": None, "measure": "function:ndi"}),
        ("responder_rates", {}),
        ("responder_rates", {"by": ["condition", "open"]}),
        ("clinic_benchmark", {}),
        ("rom_change", {}),
        ("rom_change", {"by": None}),
        ("adverse_event_rates", {}),
        ("adverse_event_rates", {"by": ["clinic_id", "quarter"], "method": "wilson"}),
        ("adverse_event_rates", {"by": None}),
    ],
)
def test_statistics_equal_in_memory(
    hive: Registry, memory: object, name: str, options: dict[str, object]
) -> None:
    expected = getattr(outcomes, name)(memory, **options)
    got = getattr(hive, name)(**options)
    pd.testing.assert_frame_equal(got, expected, **TOL)  # type: ignore[arg-type]


@pytest.mark.parametrize("options", [{}, {"by": None, "time": "sessions"}])
def test_time_to_response_equal_in_memory(
    hive: Registry, memory: object, options: dict[str, object]
) -> None:
    expected = outcomes.time_to_response(memory, **options)  # type: ignore[arg-type]
    got = hive.time_to_response(**options)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got.summary, expected.summary, **TOL)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got.episodes, expected.episodes, **TOL)  # type: ignore[arg-type]
    assert got.rule == expected.rule
    if expected.logrank is None:
        assert got.logrank is None
    else:
        pd.testing.assert_frame_equal(got.logrank, expected.logrank, **TOL)  # type: ignore[arg-type]
    assert list(got.curves) == list(expected.curves)


def test_episodes_equal_in_memory(hive: Registry, memory: object) -> None:
    expected = memory.episodes("pain").drop(columns="pct_change")  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(hive.episodes("pain"), expected, **TOL)  # type: ignore[arg-type]
    assert hive.measure_names() == memory.measure_names()  # type: ignore[attr-defined]
    assert hive.metadata["n_sessions"] == len(memory.sessions)  # type: ignore[attr-defined]


def test_single_file_report_equals_load_sessions(wide: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "sessions.parquet"
    wide.to_parquet(path, index=False)
    expected = _quiet_load(path)
    with pytest.warns(DataQualityWarning, match="83 data-quality warnings"):
        reg = open_registry(path, export_date=EXPORT)
        got = reg.report
    pd.testing.assert_frame_equal(got.table, expected.report.table)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(reg.validate().table, validate(path, export_date=EXPORT).table)
    pd.testing.assert_frame_equal(
        reg.change_summary(),
        outcomes.change_summary(expected),  # type: ignore[arg-type]
        **TOL,  # type: ignore[arg-type]
    )


@pytest.mark.filterwarnings("ignore::tpdn_outcomes.errors.DataQualityWarning")
def test_progress_bars(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    write_registry([synthesize(n_patients=30, seed=5)], folder, progress=True)
    reg = open_registry(folder, export_date="2026-07-01", progress=True)
    assert reg.validate().ok
    assert int(reg.change_summary(by=None)["n_episodes"].iloc[0]) > 0


def test_patient_in_two_files_is_refused(wide: pd.DataFrame, tmp_path: Path) -> None:
    write_registry([wide.iloc[:1000], wide.iloc[1000:]], tmp_path / "s")
    with pytest.raises(SchemaError, match=r"patients? ha(s|ve) sessions in more than one file"):
        open_registry(tmp_path / "s")
    reg = open_registry(tmp_path / "s", check_patients=False, export_date=EXPORT)
    assert len(reg.files) == 8


def test_no_parquet_files(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="holds no Parquet files"):
        open_registry(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        open_registry(tmp_path / "nothing")


def test_arguments_checked_as_load_sessions(tmp_path: Path, wide: pd.DataFrame) -> None:
    wide.to_parquet(tmp_path / "s.parquet", index=False)
    with pytest.raises(ValueError, match="pain_scale must be one of"):
        open_registry(tmp_path / "s.parquet", pain_scale="vas")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="column_map= must be a mapping"):
        open_registry(tmp_path / "s.parquet", mapping=["x"])  # type: ignore[arg-type]
    assert open_registry(str(tmp_path / "*.parquet")).files == ["s.parquet"]


def test_sql_view(hive: Registry, wide: pd.DataFrame) -> None:
    got = hive.sql("SELECT count(*) AS n, count(DISTINCT clinic_id) AS k FROM sessions")
    assert int(got["n"].iloc[0]) == len(wide)
    assert int(got["k"].iloc[0]) == wide["clinic_id"].nunique()


def _corpus() -> list[Path]:
    files = sorted((DATA / "bad").glob("*.csv")) + sorted((DATA / "broken").glob("*.csv"))
    files += sorted((DATA / "bad").glob("*.parquet")) + sorted((DATA / "broken").glob("*.parquet"))
    return [f for f in files if not f.name.startswith(("long_", "_"))]


def _as_parquet(path: Path, folder: Path) -> Path | None:
    """The corpus file as Parquet (text cells, as read from the CSV), or None."""
    if path.suffix == ".parquet":
        return path
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        target = folder / (path.stem + ".parquet")
        frame.to_parquet(target, index=False)
    except Exception:
        return None
    return target


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_reports_equal_load_sessions(path: Path, tmp_path: Path) -> None:
    target = _as_parquet(path, tmp_path)
    if target is None:
        pytest.skip("not convertible to Parquet")
    reg = open_registry(target, export_date=EXPORT)
    pd.testing.assert_frame_equal(reg.validate().table, validate(target, export_date=EXPORT).table)
    expected: object
    try:
        expected = _quiet_load(target)
    except (SchemaError, IdentifierError) as exc:
        with pytest.raises(type(exc)) as got:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataQualityWarning)
                reg.report  # noqa: B018
        assert str(got.value) == str(exc)
        report = getattr(exc, "report", None)
        if report is not None:
            pd.testing.assert_frame_equal(got.value.report.table, report.table)  # type: ignore[attr-defined]
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        pd.testing.assert_frame_equal(reg.report.table, expected.report.table)  # type: ignore[attr-defined]
