"""The registry on a real multi-process Dask cluster (issue 23, item 3): the same reports
and statistics as the embedded path.

A :class:`distributed.LocalCluster` with two worker processes (one thread each) runs the
per-file tasks; every result is compared with the embedded registry on the same files
(itself compared with the in-memory path, and that with R, in tests/test_registry.py and
the statistics' own tests) to 1e-12. The data are ``datasets.synthesize`` output written
as a hive-partitioned Parquet dataset, as tests/test_registry.py writes the sample.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("duckdb")
pytest.importorskip("distributed")
pytest.importorskip("dask.dataframe")

import dask
import distributed

from tpdn_outcomes import load_sessions, outcomes
from tpdn_outcomes.datasets import synthesize
from tpdn_outcomes.errors import DataQualityWarning, SchemaError
from tpdn_outcomes.registry import (
    Registry,
    open_registry,
    repartition_by_patient,
    write_registry,
)

EXPORT = "2026-07-01"
TOL = {"check_exact": False, "rtol": 1e-12, "atol": 1e-12}

pytestmark = pytest.mark.filterwarnings("ignore::tpdn_outcomes.errors.DataQualityWarning")


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    # (without the nanny's MALLOC_TRIM_THRESHOLD_, which doubles the loader's CPU time)
    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit="2GiB",
        )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def wide() -> pd.DataFrame:
    return synthesize(n_patients=300, seed=23)


@pytest.fixture(scope="module")
def folder(wide: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cluster") / "sessions"
    patients = wide["patient_id"].drop_duplicates()
    first = set(patients.iloc[: len(patients) // 2])
    in_first = wide["patient_id"].isin(first)
    write_registry([wide[in_first], wide[~in_first]], out)
    return out


@pytest.fixture(scope="module")
def embedded(folder: Path) -> Registry:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return open_registry(folder, export_date=EXPORT).load(["pain"])


@pytest.fixture(scope="module")
def on_cluster(folder: Path, client: object) -> Registry:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return open_registry(folder, export_date=EXPORT, cluster=client).load(["pain"])


def test_tasks_run_on_two_worker_processes(on_cluster: Registry, client: object) -> None:
    info = client.scheduler_info()  # type: ignore[attr-defined]
    assert len(info["workers"]) == 2
    pids = client.run(lambda: __import__("os").getpid())  # type: ignore[attr-defined]
    assert len(set(pids.values())) == 2
    assert __import__("os").getpid() not in set(pids.values())
    assert "on the Dask cluster tcp://" in repr(on_cluster)


def test_report_and_episodes_equal_embedded(on_cluster: Registry, embedded: Registry) -> None:
    assert len(on_cluster.files) > 2
    pd.testing.assert_frame_equal(on_cluster.report.table, embedded.report.table)
    assert len(on_cluster.report.warnings) > 0  # the synthetic data carry warnings to compare
    pd.testing.assert_frame_equal(on_cluster.validate().table, embedded.validate().table)
    pd.testing.assert_frame_equal(on_cluster.episodes("pain"), embedded.episodes("pain"), **TOL)  # type: ignore[arg-type]
    assert on_cluster.metadata == {**embedded.metadata}
    assert on_cluster.measure_names() == embedded.measure_names()


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("change_summary", {}),
        ("change_summary", {"by": ["clinic_id", "sex"], "final": "last"}),
        ("responder_rates", {}),
        ("responder_rates", {"by": ["condition", "open"]}),
        ("clinic_benchmark", {}),
        ("rom_change", {}),
        ("adverse_event_rates", {"by": ["clinic_id", "quarter"], "method": "wilson"}),
    ],
)
def test_statistics_equal_embedded(
    on_cluster: Registry, embedded: Registry, name: str, options: dict[str, object]
) -> None:
    expected = getattr(embedded, name)(**options)
    got = getattr(on_cluster, name)(**options)
    assert len(got) > 0
    pd.testing.assert_frame_equal(got, expected, **TOL)  # type: ignore[arg-type]


def test_time_to_response_equals_embedded(on_cluster: Registry, embedded: Registry) -> None:
    expected = embedded.time_to_response()
    got = on_cluster.time_to_response()
    pd.testing.assert_frame_equal(got.summary, expected.summary, **TOL)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got.episodes, expected.episodes, **TOL)  # type: ignore[arg-type]
    assert got.rule == expected.rule


def test_patient_in_two_files_is_refused_by_a_cluster_shuffle(
    wide: pd.DataFrame, tmp_path: Path, client: object
) -> None:
    # rows split mid-patient: patients straddle the two chunks' files
    write_registry([wide.iloc[:1000], wide.iloc[1000:]], tmp_path / "s")
    with pytest.raises(SchemaError, match=r"1 patient has sessions in more than one file") as got:
        open_registry(tmp_path / "s", cluster=client)
    with pytest.raises(SchemaError) as expected:
        open_registry(tmp_path / "s")
    assert str(got.value) == str(expected.value)
    reg = open_registry(tmp_path / "s", cluster=client, check_patients=False, export_date=EXPORT)
    assert reg.validate().ok


def test_bad_file_reported_as_embedded(wide: pd.DataFrame, tmp_path: Path, client: object) -> None:
    bad = wide.copy()
    bad.loc[bad.index[5], "pain_pre"] = 42  # outside 0-10: an error row
    write_registry([bad], tmp_path / "s")
    embedded = open_registry(tmp_path / "s", export_date=EXPORT)
    got = open_registry(tmp_path / "s", export_date=EXPORT, cluster=client)
    pd.testing.assert_frame_equal(got.validate().table, embedded.validate().table)
    assert not got.validate().ok
    with pytest.raises(SchemaError) as exc:
        got.change_summary()
    with pytest.raises(SchemaError) as expected:
        embedded.change_summary()
    assert str(exc.value) == str(expected.value)


def test_cluster_argument_checked(folder: Path) -> None:
    with pytest.raises(TypeError, match="cluster= must be a scheduler address"):
        open_registry(folder, cluster=3)


def test_repartition_by_patient_makes_a_straddling_dataset_loadable(
    wide: pd.DataFrame, tmp_path: Path, client: object
) -> None:
    write_registry([wide.iloc[:1000], wide.iloc[1000:]], tmp_path / "s")  # patients straddle
    files = repartition_by_patient(tmp_path / "s", tmp_path / "t", cluster=client, npartitions=3)
    assert len(files) == 3
    reg = open_registry(tmp_path / "t", export_date=EXPORT, cluster=client)  # the check passes
    memory = load_sessions(wide, export_date=EXPORT)
    for name in ("change_summary", "responder_rates", "adverse_event_rates"):
        expected = getattr(outcomes, name)(memory)
        pd.testing.assert_frame_equal(getattr(reg, name)(), expected, **TOL)  # type: ignore[arg-type]
    assert reg.metadata["n_sessions"] == len(memory.sessions)
    with pytest.raises(FileExistsError, match="exists and is not empty"):
        repartition_by_patient(tmp_path / "s", tmp_path / "t", cluster=client)
