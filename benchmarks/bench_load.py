"""Load and validate versus a plain Parquet read, on a 10-million-session file.

Makes (once) a Parquet file of 10 million sessions for 1.5 million patients with
``tpdn_outcomes.datasets.synthesize``: one draw of 1.5 million patients over six quarters
(about 7 million sessions), then a second two-year block for the same patient ids
(returning patients start new episodes), cut to exactly the requested number of sessions.
The file is kept in benchmarks/_data/ (git-ignored) and reused when it matches.

Then, each in its own fresh process so that each step's peak memory is its own:

* ``read``: ``pandas.read_parquet(path)`` (best of 3), the baseline;
* ``load``: ``tpdn_outcomes.load_sessions(path)`` with full validation (best of 3, as the
  read: the first run of either in a fresh process pays for fresh memory and is much
  slower, so both are timed the same way and every run is printed);
* ``episodes``: ``data.episodes("pain")`` (timed after a load in the same process).

Prints seconds, the ratio to the read, the target and peak RSS. Targets (issue 2):
load and validate <= 2x the read, episodes <= 1x the read. A benchmark reports; it never
fails on a ratio.

Usage: python benchmarks/bench_load.py [--sessions 10000000] [--patients 1500000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import in_child, machine, print_table, runs_of

DATA = Path(__file__).resolve().parent / "_data"
EXPORT_DATE = "2030-01-01"


def make_file(n_sessions: int, n_patients: int) -> Path:
    import pandas as pd
    import pyarrow.parquet as pq

    from tpdn_outcomes.datasets import synthesize

    path = DATA / f"sessions_{n_sessions}_{n_patients}.parquet"
    if path.exists() and pq.ParquetFile(path).metadata.num_rows == n_sessions:
        print(f"reusing {path} ({path.stat().st_size / 2**20:.0f} MiB)")
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    first = synthesize(n_patients=n_patients, start="2025-01-01", quarters=6, seed=1)
    parts = [first]
    if len(first) < n_sessions:
        second = synthesize(n_patients=n_patients, start="2027-01-01", quarters=8, seed=2)
        parts.append(second.iloc[: n_sessions - len(first)])
    frame = pd.concat(parts, ignore_index=True).iloc[:n_sessions]
    frame["session_date"] = pd.to_datetime(frame["session_date"])
    tmp = path.with_suffix(".tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)
    n_pat = frame["patient_id"].nunique()
    print(
        f"wrote {path}: {len(frame):,} sessions, {n_pat:,} patients "
        f"in {time.perf_counter() - start:.1f} s ({path.stat().st_size / 2**20:.0f} MiB)"
    )
    return path


def step_read(path: str) -> list[float]:
    import pandas as pd

    return runs_of(lambda: pd.read_parquet(path), k=3)


def step_load(path: str) -> list[float]:
    from tpdn_outcomes import DataQualityWarning, load_sessions

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return runs_of(lambda: load_sessions(path, export_date=EXPORT_DATE), k=3)


def step_episodes(path: str) -> float:
    from tpdn_outcomes import DataQualityWarning, load_sessions

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(path, export_date=EXPORT_DATE)
    start = time.perf_counter()
    data.episodes("pain")
    return time.perf_counter() - start


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times) + " s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000_000)
    parser.add_argument("--patients", type=int, default=1_500_000)
    args = parser.parse_args(argv)
    print(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}")
    path = str(make_file(args.sessions, args.patients))
    reads, m_read = in_child(step_read, path)
    loads, m_load = in_child(step_load, path)
    t_ep, m_ep = in_child(step_episodes, path)
    t_read, t_load = min(reads), min(loads)
    rows = [
        {
            "step": "read_parquet",
            "seconds": t_read,
            "first_run": reads[0],
            "ratio": 1.0,
            "target": "-",
            "met": "-",
            "peak_rss_mib": m_read,
        },
        {
            "step": "load_sessions",
            "seconds": t_load,
            "first_run": loads[0],
            "ratio": t_load / t_read,
            "target": "<= 2",
            "met": "yes" if t_load <= 2 * t_read else "no",
            "peak_rss_mib": m_load,
        },
        {
            "step": "episodes",
            "seconds": t_ep,
            "first_run": t_ep,
            "ratio": t_ep / t_read,
            "target": "<= 1",
            "met": "yes" if t_ep <= t_read else "no",
            "peak_rss_mib": m_ep,
        },
    ]
    print_table(rows)
    print(
        "seconds: best of 3 runs in one process for the read and the load (the same method "
        "for both; the first run in a fresh process is slower for both, see first_run); "
        "episodes: one run after a load. Peak RSS of the episodes step includes that load."
    )
    print(f"all runs: read {_fmt(reads)}; load {_fmt(loads)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
