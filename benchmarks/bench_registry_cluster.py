"""The registry on a local Dask cluster (2 worker processes) against the embedded registry.

Uses the hive-partitioned dataset of ``bench_registry.py`` (made once, chunk by chunk, in
benchmarks/_data/). Each step in a fresh process:

* ``embedded``: ``open_registry`` + ``change_summary`` + ``responder_rates`` by condition
  (every file loaded and checked, one after the other, in this process): the baseline;
* ``cluster``: the same on ``distributed.LocalCluster(n_workers=2, threads_per_worker=1,
  processes=True)``: the cluster's start, then ``open_registry(cluster=client)`` (the
  patient check as a Dask shuffle) and the same statistics (each file's checks and
  episodes on a worker); the largest relative difference from the embedded results;
* the engine's own aggregate, for the choice of engine: DuckDB's plain aggregate
  (``bench_registry.DUCKDB_PLAIN``: a patient's sessions of one condition as one episode;
  n, mean, SD of last post - first pre pain by condition) against the same aggregate in
  ``dask.dataframe`` on the same 2-worker cluster (read, groupby, reduce), the cluster's
  start timed apart.

Prints seconds and the ratio to the embedded registry. A benchmark reports; it never fails
on a ratio. Needs the ``cluster`` (or ``test``) extra.

Usage: python benchmarks/bench_registry_cluster.py [--sessions 1000000] [--chunk 200000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import in_child, machine, print_table
from bench_registry import DUCKDB_PLAIN, EXPORT_DATE, make_dataset, max_difference, step_duckdb

#: Keep Dask's default worker environment (``MALLOC_TRIM_THRESHOLD_=65536``, set by the
#: nanny), which doubles the CPU time of the loader's pandas code (see docs/registry.md).
DASK_DEFAULT_ENV = "--dask-default-env" in sys.argv


def _start_cluster() -> tuple[Any, Any, float]:
    import dask
    import distributed

    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    if not DASK_DEFAULT_ENV:
        env.pop("MALLOC_TRIM_THRESHOLD_", None)
    start = time.perf_counter()
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    client = distributed.Client(cluster)
    client.wait_for_workers(2)
    return cluster, client, time.perf_counter() - start


def _statistics(reg: Any) -> tuple[Any, Any]:
    return reg.change_summary(by="condition"), reg.responder_rates(by="condition")


def step_embedded(folder: Path) -> tuple[float, tuple[Any, Any]]:
    from tpdn_outcomes.errors import DataQualityWarning
    from tpdn_outcomes.registry import open_registry

    warnings.simplefilter("ignore", DataQualityWarning)
    start = time.perf_counter()
    reg = open_registry(folder, export_date=EXPORT_DATE)
    out = _statistics(reg)
    return time.perf_counter() - start, out


def step_cluster(folder: Path) -> tuple[float, list[tuple[float, float]], tuple[Any, Any]]:
    """The cluster's start, then (open, total) of two runs on it: the first with cold
    workers (they import pandas, dask.dataframe and the library), the second warm, as a
    registry's long-running cluster is."""
    from tpdn_outcomes.errors import DataQualityWarning
    from tpdn_outcomes.registry import open_registry

    warnings.simplefilter("ignore", DataQualityWarning)
    cluster, client, started = _start_cluster()
    runs = []
    try:
        for _ in range(2):
            start = time.perf_counter()
            reg = open_registry(folder, export_date=EXPORT_DATE, cluster=client)
            opened = time.perf_counter() - start
            out = _statistics(reg)
            runs.append((opened, time.perf_counter() - start))
    finally:
        client.close()
        cluster.close()
    return started, runs, out


def _plain(frame: Any) -> Any:
    """Per (patient, condition): first pre and last post pain by session number."""
    frame = frame.sort_values(["patient_id", "condition", "session_number"])
    first = frame.dropna(subset=["pain_pre"]).groupby(["patient_id", "condition"]).first()
    last = frame.dropna(subset=["pain_post"]).groupby(["patient_id", "condition"]).last()
    change = (last["pain_post"] - first["pain_pre"]).dropna()
    return change.rename("change").reset_index()


def step_dask_plain(folder: Path) -> tuple[float, float, Any]:
    import dask.dataframe as dd

    cluster, client, started = _start_cluster()
    try:
        start = time.perf_counter()
        sessions = dd.read_parquet(
            str(folder),
            columns=["patient_id", "condition", "session_number", "pain_pre", "pain_post"],
        )
        # a patient's sessions are in one file: the per-patient step runs per partition
        change = sessions.map_partitions(_plain, meta=_plain(sessions._meta))
        by = change.groupby("condition")["change"]
        out = dd.concat(
            [by.count().rename("n"), by.mean().rename("mean"), by.std().rename("sd")], axis=1
        ).compute()
        seconds = time.perf_counter() - start
    finally:
        client.close()
        cluster.close()
    return started, seconds, out.sort_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=200_000, help="patients per chunk")
    parser.add_argument(
        "--dask-default-env",
        action="store_true",
        help="keep the nanny's MALLOC_TRIM_THRESHOLD_=65536 in the workers (Dask's default)",
    )
    args = parser.parse_args()
    print(machine())
    print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}")
    print(
        "workers' environment: "
        + ("Dask's default" if DASK_DEFAULT_ENV else "without MALLOC_TRIM_THRESHOLD_")
    )
    folder, _ = in_child(make_dataset, args.sessions, args.chunk)
    n_files = sum(1 for _ in folder.rglob("*.parquet"))
    duck, _duck_rows, _duck_mib = in_child(step_duckdb, folder, DUCKDB_PLAIN)[0]
    d_start, d_sec, d_out = in_child(step_dask_plain, folder)[0]
    base, base_out = in_child(step_embedded, folder)[0]
    started, runs, out = in_child(step_cluster, folder)[0]
    (cold_open, cold), (opened, total) = runs
    rows = [
        {"step": "embedded registry: check + change + responders (baseline)", "s": base},
        {"step": "cluster registry: the same, 2 worker processes, warm", "s": total},
        {"step": "  open (patient check, a Dask shuffle)", "s": opened},
        {"step": "cluster registry: first run, cold workers", "s": cold},
        {"step": "  open (patient check, a Dask shuffle)", "s": cold_open},
        {"step": "  cluster start (LocalCluster, 2 processes)", "s": started},
        {"step": "engine's plain aggregate: DuckDB, embedded", "s": duck},
        {"step": "engine's plain aggregate: dask.dataframe, 2 workers", "s": d_sec},
        {"step": "  cluster start", "s": d_start},
    ]
    for row in rows:
        row["ratio"] = row["s"] / base
    print(
        f"{args.sessions:,} sessions in {n_files} files; load average now {os.getloadavg()[0]:.1f}"
    )
    print_table(rows)
    print(
        f"cluster vs embedded: {total / base:.2f}x warm, "
        f"{(cold + started) / base:.2f}x with the cluster's start and cold workers; dask.dataframe vs DuckDB plain aggregate: {d_sec / duck:.2f}x"
    )
    d1 = max_difference(out[0], base_out[0])
    d2 = max_difference(out[1], base_out[1])
    print(
        f"cluster vs embedded, largest relative difference: change_summary {d1:.2e}, "
        f"responder_rates {d2:.2e} (target <= 1e-12)"
    )
    print("dask.dataframe plain aggregate:")
    print(d_out.to_string())


if __name__ == "__main__":
    main()
