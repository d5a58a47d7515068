"""The registry measures of issue 21 on about 250,000 sessions, as ratios to change_summary.

Makes (once) a Parquet file with ``datasets.synthesize`` (12 clinics, eight quarters, about
250,000 sessions), loads it (not timed), then times in the same process, each on a copy of
the loaded data with nothing derived yet (every run derives its episodes afresh), best of 3:

* ``change_summary(pain, by="condition")``: the baseline, the library's everyday call;
* ``risk_adjusted_benchmark`` by clinic, and by clinic x condition;
* ``efficiency`` and ``completeness`` by condition;
* ``quarterly_trends`` (8 quarters) and ``plain_language_summary``;

and prints each time and its ratio to the baseline. No target is set by the issue beyond the
report's 15 s for 250k sessions; a benchmark reports, it never fails on a ratio.

Usage: python benchmarks/bench_registry_measures.py [--patients 55000] [--clinics 12]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table

DATA = Path(__file__).resolve().parent / "_data"
EXPORT_DATE = "2027-01-01"


def make_file(n_patients: int, n_clinics: int) -> Path:
    import pandas as pd
    import pyarrow.parquet as pq

    from tpdn_outcomes.datasets import synthesize

    path = DATA / f"registry_{n_patients}_{n_clinics}.parquet"
    if path.exists() and pq.ParquetFile(path).metadata.num_rows > 0:
        print(f"reusing {path}")
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    frame = synthesize(n_patients=n_patients, n_clinics=n_clinics, quarters=8, seed=21)
    frame["session_date"] = pd.to_datetime(frame["session_date"])
    tmp = path.with_suffix(".tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)
    print(f"wrote {path}: {len(frame):,} sessions")
    return path


def fresh(data: Any) -> Any:
    """The same loaded data without anything derived yet (episodes, groupings)."""
    new = copy.copy(data)
    for key in ("_episodes", "_skeletons", "_rows", "_rows_key"):
        new.__dict__.pop(key, None)
    return new


def best_fresh(data: Any, fn: Callable[[Any], Any], k: int = 3) -> float:
    """Best of ``k`` runs of ``fn`` on a fresh copy of ``data`` (copying not timed)."""
    times = []
    for _ in range(k):
        copy_ = fresh(data)
        start = time.perf_counter()
        fn(copy_)
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    from tpdn_outcomes import DataQualityWarning, load_sessions
    from tpdn_outcomes.outcomes import (
        change_summary,
        completeness,
        efficiency,
        plain_language_summary,
        quarterly_trends,
        risk_adjusted_benchmark,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=55_000)
    parser.add_argument("--clinics", type=int, default=12)
    args = parser.parse_args(argv)
    print(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}")
    path = make_file(args.patients, args.clinics)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(path, export_date=EXPORT_DATE)
    quarter = str(data.sessions["session_date"].max().to_period("Q"))
    print(
        f"{len(data.sessions):,} sessions, {len(data.episodes('pain')):,} episodes, "
        f"{data.sessions['clinic_id'].nunique()} clinics; report quarter {quarter}"
    )
    base = best_fresh(data, lambda d: change_summary(d, measure="pain", by="condition"))
    steps: list[tuple[str, Callable[[Any], Any]]] = [
        ("risk_adjusted_benchmark (clinic)", lambda d: risk_adjusted_benchmark(d)),
        (
            "risk_adjusted_benchmark (clinic x condition)",
            lambda d: risk_adjusted_benchmark(d, by=["clinic_id", "condition"]),
        ),
        ("efficiency (condition)", lambda d: efficiency(d)),
        ("completeness (condition)", lambda d: completeness(d)),
        ("quarterly_trends (8 quarters)", lambda d: quarterly_trends(d, quarter)),
        ("plain_language_summary", lambda d: plain_language_summary(d, quarter)),
    ]
    rows: list[dict[str, Any]] = [{"step": "change_summary (baseline)", "s": base, "ratio": 1.0}]
    for name, fn in steps:
        t = best_fresh(data, fn)
        rows.append({"step": name, "s": t, "ratio": t / base})
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
