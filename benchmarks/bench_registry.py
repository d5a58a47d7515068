"""The registry (out of core) versus DuckDB's own plain aggregate, on N synthetic sessions.

Makes (once) a hive-partitioned Parquet dataset of N sessions in benchmarks/_data/
(git-ignored), written chunk by chunk with ``tpdn_outcomes.registry.write_registry``:
each chunk is ``synthesize(n_patients=CHUNK)`` with its own seed and patient ids
prefixed by the chunk number, so the dataset is never in memory as a whole.

Then, each in a fresh process (its peak RSS is its own, from ``getrusage``):

* ``duckdb plain``: DuckDB's plainest aggregate (a patient's sessions of one condition as
  one episode, no gaps): n, mean and SD of last post - first pre pain by condition;
* ``duckdb``: the baseline: DuckDB's own aggregate of the same episodes (episodes
  found with window functions: a patient's sessions of one condition, a new episode after
  a gap of more than 90 days; change = last post pain - first pre pain), n, mean and SD of
  the change by condition, under a 1 GB memory limit;
* ``registry``: ``open_registry`` then ``change_summary`` and ``responder_rates`` by
  condition (one pass: every file loaded and checked by the loader's steps; raises on any
  error), with the full statistics of the in-memory path (t, Wilcoxon, Hodges-Lehmann,
  effect sizes, Wilson intervals);
* ``validate``: ``Registry.validate()``, the report-only pass (as ``tpdn_outcomes.validate``);
* with ``--check``: the in-memory path on the same data (the files concatenated,
  ``load_sessions``) and the largest difference of every numeric column of
  ``change_summary`` and ``responder_rates`` against the registry's (target: <= 1e-12).

Prints seconds, the ratio to the DuckDB aggregate and peak RSS (VmHWM of each step's process). A benchmark reports; it
never fails on a ratio.

Usage: python benchmarks/bench_registry.py [--sessions 1000000] [--chunk 200000] [--check]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import in_child, machine, print_table

DATA = Path(__file__).resolve().parent / "_data"
EXPORT_DATE = "2030-01-01"

DUCKDB_EPISODES = """
WITH s AS (
    SELECT patient_id, condition, CAST(session_date AS DATE) AS d, session_number,
           date_diff('day', DATE '1970-01-01', CAST(session_date AS DATE)) AS epoch_days,
           pain_pre, pain_post
    FROM sessions
), g AS (
    SELECT *, CASE WHEN lag(d) OVER w IS NULL OR d - lag(d) OVER w > 90 THEN 1 ELSE 0 END
              AS new_episode
    FROM s WINDOW w AS (PARTITION BY patient_id, condition ORDER BY d, session_number)
), e AS (
    SELECT *, sum(new_episode) OVER (PARTITION BY patient_id, condition
                                     ORDER BY d, session_number ROWS UNBOUNDED PRECEDING) AS ep
    FROM g
), episodes AS (
    SELECT condition, patient_id, ep,
           arg_min(pain_pre, epoch_days * 1000 + session_number) FILTER (WHERE pain_pre IS NOT NULL)
               AS baseline,
           arg_max(pain_post, epoch_days * 1000 + session_number) FILTER (WHERE pain_post IS NOT NULL)
               AS final
    FROM e GROUP BY ALL
)
SELECT condition, count(final - baseline) AS n, avg(final - baseline) AS mean,
       stddev_samp(final - baseline) AS sd
FROM episodes GROUP BY condition ORDER BY condition
"""


DUCKDB_PLAIN = """
WITH episodes AS (
    SELECT condition, patient_id,
           arg_min(pain_pre, session_number) FILTER (WHERE pain_pre IS NOT NULL) AS baseline,
           arg_max(pain_post, session_number) FILTER (WHERE pain_post IS NOT NULL) AS final
    FROM sessions GROUP BY ALL
)
SELECT condition, count(final - baseline) AS n, avg(final - baseline) AS mean,
       stddev_samp(final - baseline) AS sd
FROM episodes GROUP BY condition ORDER BY condition
"""


def peak_mib() -> float:
    """This process's own peak RSS (VmHWM: unlike getrusage's maxrss it does not carry
    the parent's peak over fork and exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def make_dataset(n_sessions: int, chunk: int) -> Path:
    """The hive-partitioned dataset of ``n_sessions``, written chunk by chunk (reused)."""
    from tpdn_outcomes.datasets import synthesize
    from tpdn_outcomes.registry import write_registry

    folder = DATA / f"registry_{n_sessions}_{chunk}"
    done = folder / "_COMPLETE"
    if done.exists():
        print(f"reusing {folder}")
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    start = time.perf_counter()

    def chunks():  # type: ignore[no-untyped-def]
        left, k = n_sessions, 0
        while left > 0:
            wide = synthesize(n_patients=chunk, seed=1000 + k)
            wide = wide.iloc[:left]
            wide["patient_id"] = f"K{k:04d}" + wide["patient_id"].astype(str)
            left -= len(wide)
            k += 1
            yield wide

    files = write_registry(chunks(), folder, progress=True)
    done.write_text(str(n_sessions))
    size = sum(f.stat().st_size for f in files) / 2**20
    print(
        f"wrote {len(files)} files, {size:.0f} MiB, in {time.perf_counter() - start:.0f} s: {folder}"
    )
    return folder


def step_duckdb(folder: Path, query: str) -> tuple[float, list[tuple[object, ...]], float]:
    from tpdn_outcomes.registry import open_registry

    con = open_registry(folder, check_patients=False).connect()
    start = time.perf_counter()
    rows = con.execute(query).fetchall()
    return time.perf_counter() - start, rows, peak_mib()


def step_registry(folder: Path) -> tuple[float, dict[str, float], object, float]:
    from tpdn_outcomes.errors import DataQualityWarning
    from tpdn_outcomes.registry import open_registry

    warnings.simplefilter("ignore", DataQualityWarning)
    times = {}
    start = time.perf_counter()
    reg = open_registry(folder, export_date=EXPORT_DATE)
    times["open (patient check)"] = time.perf_counter() - start
    t = time.perf_counter()
    reg.load(["pain"])
    times["load + check + episodes"] = time.perf_counter() - t
    t = time.perf_counter()
    summary = reg.change_summary(by="condition")
    rates = reg.responder_rates(by="condition")
    times["statistics"] = time.perf_counter() - t
    assert reg.report.ok
    return time.perf_counter() - start, times, (summary, rates), peak_mib()


def step_validate(folder: Path) -> tuple[float, int, float]:
    from tpdn_outcomes.registry import open_registry

    reg = open_registry(folder, export_date=EXPORT_DATE, check_patients=False)
    start = time.perf_counter()
    report = reg.validate()
    return time.perf_counter() - start, len(report.table), peak_mib()


def step_memory(folder: Path) -> tuple[float, object, float]:
    """The in-memory path on the same data: the files concatenated and loaded whole."""
    import pandas as pd

    from tpdn_outcomes import load_sessions
    from tpdn_outcomes.errors import DataQualityWarning
    from tpdn_outcomes.outcomes import change_summary, responder_rates
    from tpdn_outcomes.registry import open_registry

    warnings.simplefilter("ignore", DataQualityWarning)
    reg = open_registry(folder, check_patients=False)
    parts = []
    for f in reg.files:
        frame = pd.read_parquet(folder / f)
        frame["clinic_id"] = f.split("/")[0].split("=", 1)[1]
        parts.append(frame)
    wide = pd.concat(parts, ignore_index=True)
    del parts
    start = time.perf_counter()
    data = load_sessions(wide, export_date=EXPORT_DATE)
    out = (change_summary(data, by="condition"), responder_rates(data, by="condition"))
    return time.perf_counter() - start, out, peak_mib()


def max_difference(a: object, b: object) -> float:
    import numpy as np
    import pandas as pd

    assert isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame)
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    worst = 0.0
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
            xv = x.to_numpy(dtype=float, na_value=np.nan)
            yv = y.to_numpy(dtype=float, na_value=np.nan)
            assert np.array_equal(np.isnan(xv), np.isnan(yv)), col
            both = ~np.isnan(xv)
            if both.any():
                scale = np.maximum(1.0, np.abs(yv[both]))
                worst = max(worst, float(np.max(np.abs(xv[both] - yv[both]) / scale)))
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), col
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=200_000, help="patients per chunk")
    parser.add_argument("--check", action="store_true", help="compare with the in-memory path")
    parser.add_argument("--skip-validate", action="store_true")
    args = parser.parse_args()
    print(machine())
    # (made in a child: the parent stays small, so the children start small)
    folder, _ = in_child(make_dataset, args.sessions, args.chunk)
    plain, _plain_rows, plain_mib = in_child(step_duckdb, folder, DUCKDB_PLAIN)[0]
    base, duck_rows, base_mib = in_child(step_duckdb, folder, DUCKDB_EPISODES)[0]
    total, parts, (summary, rates), reg_mib = in_child(step_registry, folder)[0]
    rows = [
        {
            "step": "duckdb plain aggregate: (patient, condition) as episode",
            "s": plain,
            "ratio": plain / base,
            "peak MiB": plain_mib,
        },
        {
            "step": "duckdb aggregate, episodes by 90-day gaps (baseline)",
            "s": base,
            "ratio": 1.0,
            "peak MiB": base_mib,
        },
        {
            "step": "registry: check + change + responders",
            "s": total,
            "ratio": total / base,
            "peak MiB": reg_mib,
        },
    ]
    for name, sec in parts.items():
        rows.append({"step": f"  {name}", "s": sec, "ratio": sec / base, "peak MiB": ""})
    if not args.skip_validate:
        sec, _n_rows, mib = in_child(step_validate, folder)[0]
        rows.append(
            {"step": "registry: validate()", "s": sec, "ratio": sec / base, "peak MiB": mib}
        )
    if args.check:
        sec, (m_summary, m_rates), mib = in_child(step_memory, folder)[0]
        rows.append(
            {
                "step": "in memory: load + change + responders",
                "s": sec,
                "ratio": sec / base,
                "peak MiB": mib,
            }
        )
    print(f"registry vs the plain DuckDB aggregate: {total / plain:.2f}x")
    print(
        f"{args.sessions:,} sessions; peak RSS per session: "
        f"{reg_mib * 2**20 / args.sessions:.0f} B (registry)"
    )
    print_table(rows)
    duck = {r[0]: r for r in duck_rows}
    worst_n = max(
        abs(int(duck[c][1]) - int(n))
        for c, n in zip(summary["condition"], summary["n"], strict=True)
        if c in duck
    )
    print(f"duckdb episodes vs registry n by condition: largest difference {worst_n}")
    if args.check:
        d1 = max_difference(summary, m_summary)
        d2 = max_difference(rates, m_rates)
        print(
            f"registry vs in memory, largest relative difference: change_summary {d1:.2e}, "
            f"responder_rates {d2:.2e} (target <= 1e-12)"
        )


if __name__ == "__main__":
    main()
