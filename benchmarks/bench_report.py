"""The quarterly report of 50 clinics with a 250,000-session quarter, rendered to HTML.

Makes (once) a Parquet file with ``datasets.synthesize`` (50 clinics, six quarters, sized so
that the busiest quarter has about 250,000 sessions), loads it (timed apart: loading is
bench_load's business), then times ``quarterly_report`` for all clinics together and
``Report.to_html``, and prints where the time goes (seconds per report step). Baseline in the
same run: ``pandas.read_parquet`` of the file. Target (issue 6): report + HTML <= 15 s.

Usage: python benchmarks/bench_report.py [--patients 340000] [--clinics 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import best_of, machine

DATA = Path(__file__).resolve().parent / "_data"


def make_file(n_patients: int, n_clinics: int) -> Path:
    import pandas as pd
    import pyarrow.parquet as pq

    from tpdn_outcomes.datasets import synthesize

    path = DATA / f"report_{n_patients}_{n_clinics}.parquet"
    if path.exists() and pq.ParquetFile(path).metadata.num_rows > 0:
        print(f"reusing {path}")
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    frame = synthesize(n_patients=n_patients, n_clinics=n_clinics, quarters=6, seed=5)
    frame["session_date"] = pd.to_datetime(frame["session_date"])
    tmp = path.with_suffix(".tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)
    print(f"wrote {path}: {len(frame):,} sessions")
    return path


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from tpdn_outcomes import DataQualityWarning, load_sessions
    from tpdn_outcomes.report import quarterly_report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=340_000)
    parser.add_argument("--clinics", type=int, default=50)
    args = parser.parse_args(argv)
    print(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}")
    path = make_file(args.patients, args.clinics)
    t_read = best_of(lambda: pd.read_parquet(path), k=3)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(path, export_date="2030-01-01")
    t_load = time.perf_counter() - start
    per_quarter = data.sessions["session_date"].dt.to_period("Q").value_counts()
    quarter = str(per_quarter.idxmax()).replace("Q", "Q")
    n_clinics = data.sessions["clinic_id"].nunique()
    print(f"quarter {quarter}: {int(per_quarter.max()):,} sessions, {n_clinics} clinics")
    start = time.perf_counter()
    report = quarterly_report(data, quarter=quarter)
    t_build = time.perf_counter() - start
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        report.to_html(str(Path(tmp) / "report.html"))
    t_html = time.perf_counter() - start
    total = t_build + t_html
    print(f"read_parquet (baseline)   {t_read:7.2f} s")
    print(f"load_sessions (apart)     {t_load:7.2f} s")
    print(f"quarterly_report          {t_build:7.2f} s")
    print(f"to_html                   {t_html:7.2f} s")
    print(f"report + HTML             {total:7.2f} s  (target <= 15 s: "
          f"{'met' if total <= 15 else 'not met'}; {total / t_read:.1f}x the read)")  # fmt: skip
    print("where the report's time goes (s):")
    for step, seconds in report.meta["seconds_per_step"].items():
        print(f"  {step:<14} {seconds:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
