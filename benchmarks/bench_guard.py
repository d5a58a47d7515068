"""What the identifier guard's value scan costs on a 10-million-session file (issue 18).

Uses the Parquet file of ``bench_load.py`` (made once with
``tpdn_outcomes.datasets.synthesize`` and kept in benchmarks/_data/). In one process:

* ``read``: ``pandas.read_parquet(path)`` (best of 3), the baseline;
* ``scan``: ``tpdn_outcomes.privacy.find_identifiers`` on the frame as the loader sees it
  (text columns as categories: ``validate.memory_parse.categorize``), best of 3 - every column's
  names and distinct values, with the libraries' checks on at most
  ``_detect.MAX_CHECKED`` candidates a column (a sample beyond that, said in a finding);
* ``scan (raw frame)``: the same on the frame as read (text not yet categorical), once.

Prints seconds and the ratio to the read. The budget (issue 18): the scan must stay a
small part of the load, whose target is 2x the read (bench_load.py). A benchmark
reports; it never fails on a ratio.

Usage: python benchmarks/bench_guard.py [--sessions 10000000] [--patients 1500000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, runs_of
from bench_load import make_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000_000)
    parser.add_argument("--patients", type=int, default=1_500_000)
    args = parser.parse_args()
    print(machine())
    path = make_file(args.sessions, args.patients)

    import pandas as pd

    from tpdn_outcomes.privacy import find_identifiers
    from tpdn_outcomes.validate.memory_parse import categorize

    read_runs = runs_of(lambda: pd.read_parquet(path), k=3)
    frame = pd.read_parquet(path)
    start = time.perf_counter()
    categorized = categorize(frame)
    categorize = time.perf_counter() - start
    found = find_identifiers(categorized)  # warm: the gazetteer is read once a process
    scan_runs = runs_of(lambda: find_identifiers(categorized), k=3)
    start = time.perf_counter()
    find_identifiers(frame)
    raw = time.perf_counter() - start

    read = min(read_runs)
    scan = min(scan_runs)
    print("read runs (s): " + ", ".join(f"{t:.2f}" for t in read_runs))
    print("scan runs (s): " + ", ".join(f"{t:.2f}" for t in scan_runs))
    print(f"findings: {len(found)}; sampled columns: {found.attrs.get('sampled_columns')}")
    rows = [
        ("read_parquet", read, 1.0),
        ("categorize (the loader's)", categorize, categorize / read),
        ("find_identifiers", scan, scan / read),
        ("find_identifiers (raw frame)", raw, raw / read),
    ]
    print_table([{"step": name, "seconds": sec, "ratio": ratio} for name, sec, ratio in rows])
    print(f"scan / read = {scan / read:.2f}")


if __name__ == "__main__":
    main()
