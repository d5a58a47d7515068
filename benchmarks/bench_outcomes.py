"""Outcome statistics by condition versus a plain Parquet read and a pandas/scipy baseline.

On the 10-million-session file of benchmarks/bench_load.py (made once, then reused), each
step in its own fresh process (peak memory is the step's own):

* ``read``: ``pandas.read_parquet(path)`` (best of 3), the yardstick;
* ``library``: ``change_summary(pain)`` + ``responder_rates(pain)`` + ``rom_change()`` by
  condition, timed on a ``SessionData`` already loaded in the same process (loading is
  bench_load's business), best of 3 like the read, each run on a copy of the loaded data
  with nothing derived yet (every run derives its episodes afresh; the runs are printed). This includes deriving the episodes of pain and of every ROM
  site, the paired t, Wilcoxon and Hodges-Lehmann, effect sizes with their intervals,
  Holm, the responder definitions with Wilson intervals, the MDC shares;
* ``baseline``: the same questions answered as a notebook user would, on the DataFrame
  from ``read_parquet`` (not timed): sort, ``groupby(patient, condition)`` first ``pre``
  and last ``post`` per episode, then per condition ``scipy.stats.ttest_rel`` with its
  interval, ``scipy.stats.wilcoxon``, responder counts with statsmodels'
  ``proportion_confint(method="wilson")`` and the share of ROM changes beyond the MDC. (It
  does less than the library: no gap-based episodes, no Hodges-Lehmann, no effect-size
  intervals, no validation of anything); best of 3;
* ``bootstrap``: ``stats.paired_change`` of 1.5 million pairs with ``ci_method=
  "bootstrap"``, 2000 resamples (BCa), seeded.

Targets (issue 3): library <= 1.5x the read and faster than the baseline; the bootstrap in
<= 10 s. A benchmark reports; it never fails on a ratio.

Usage: python benchmarks/bench_outcomes.py [--sessions 10000000] [--patients 1500000]
       [--pairs 1500000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import best_of, in_child, machine, print_table
from bench_load import EXPORT_DATE, make_file

ROM_MDC = {  # the default registry's MDCs (tpdn_outcomes.mdc), as a notebook would type them
    "cervical_rotation": 9.6,
    "shoulder_abduction": 19.6,
    "lumbar_flexion": 15.0,
    "mouth_opening": 9.0,
}


def step_read(path: str) -> float:
    import pandas as pd

    return best_of(lambda: pd.read_parquet(path), k=3)


def fresh(data):  # type: ignore[no-untyped-def]
    """The same loaded data without anything derived yet (episodes, groupings)."""
    from tpdn_outcomes import SessionData

    return SessionData(data.sessions, data.measures, metadata=data.metadata,
                       report=data.report, exclusions=data.exclusions, check=False)  # fmt: skip


def step_library(path: str) -> float:
    from tpdn_outcomes import DataQualityWarning, load_sessions
    from tpdn_outcomes.outcomes import change_summary, responder_rates, rom_change

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(path, export_date=EXPORT_DATE)
    runs = []
    for _ in range(3):  # best of 3, like the read; each on a copy with nothing derived
        copy_ = fresh(data)
        start = time.perf_counter()
        change_summary(copy_, measure="pain", by="condition")
        responder_rates(copy_, measure="pain", by="condition")
        rom_change(copy_, by="condition")
        runs.append(time.perf_counter() - start)
        del copy_
    print("library analysis runs (s): " + ", ".join(f"{t:.2f}" for t in runs))
    return min(runs)


def baseline_analysis(df):  # type: ignore[no-untyped-def]
    """The analysis as a notebook user would write it with pandas and scipy."""
    from scipy import stats
    from statsmodels.stats.proportion import proportion_confint

    df = df.sort_values(["patient_id", "condition", "session_date"], kind="stable")
    grouped = df.groupby(["patient_id", "condition"], sort=False, observed=True)
    out = []

    def episodes(pre: str, post: str):  # type: ignore[no-untyped-def]
        ep = grouped.agg(baseline=(pre, "first"), final=(post, "last")).reset_index()
        return ep.dropna(subset=["baseline", "final"])

    pain = episodes("pain_pre", "pain_post")
    for condition, e in pain.groupby("condition", observed=True):
        t = stats.ttest_rel(e["final"], e["baseline"])
        ci = t.confidence_interval()
        w = stats.wilcoxon(e["final"], e["baseline"])
        improvement = e["baseline"] - e["final"]
        moderate = (improvement >= 2) | (improvement >= 0.3 * e["baseline"])
        substantial = improvement >= 0.5 * e["baseline"]
        rates = [
            proportion_confint(int(k.sum()), len(e), method="wilson")
            for k in (moderate, substantial)
        ]
        out.append((condition, t.statistic, ci.low, w.pvalue, rates))
    rom_cols = [c[4:-4] for c in df.columns if c.startswith("rom_") and c.endswith("_pre")]
    for site in rom_cols:
        ep = episodes(f"rom_{site}_pre", f"rom_{site}_post")
        mdc = next((v for k, v in ROM_MDC.items() if site.startswith(k)), None)
        for condition, e in ep.groupby("condition", observed=True):
            if len(e) < 2:
                continue
            t = stats.ttest_rel(e["final"], e["baseline"])
            ci = t.confidence_interval()
            k = int(((e["final"] - e["baseline"]) >= mdc).sum()) if mdc else 0
            share = proportion_confint(k, len(e), method="wilson")
            out.append((site, condition, t.statistic, ci.low, share))
    return out


def step_baseline(path: str) -> float:
    import pandas as pd

    df = pd.read_parquet(path)
    runs = []
    for _ in range(3):  # best of 3, like the read and the library
        start = time.perf_counter()
        baseline_analysis(df)
        runs.append(time.perf_counter() - start)
    print("baseline runs (s): " + ", ".join(f"{t:.2f}" for t in runs))
    return min(runs)


def step_bootstrap(n_pairs: int) -> float:
    import numpy as np

    from tpdn_outcomes.stats import paired_change

    rng = np.random.default_rng(7)
    before = rng.integers(3, 11, n_pairs).astype(float)
    after = np.clip(before - rng.normal(2.0, 1.8, n_pairs).round(), 0, 10)
    start = time.perf_counter()
    paired_change(before, after, ci_method="bootstrap", n_boot=2000, seed=1)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000_000)
    parser.add_argument("--patients", type=int, default=1_500_000)
    parser.add_argument("--pairs", type=int, default=1_500_000)
    args = parser.parse_args(argv)
    print(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}")
    path = str(make_file(args.sessions, args.patients))
    t_read, m_read = in_child(step_read, path)
    t_lib, m_lib = in_child(step_library, path)
    t_base, m_base = in_child(step_baseline, path)
    t_boot, m_boot = in_child(step_bootstrap, args.pairs)
    rows = [
        {"step": "read_parquet", "seconds": t_read, "ratio": 1.0, "target": "-", "met": "-",
         "peak_rss_mib": m_read},
        {"step": "library analysis", "seconds": t_lib, "ratio": t_lib / t_read,
         "target": "<= 1.5", "met": "yes" if t_lib <= 1.5 * t_read else "no",
         "peak_rss_mib": m_lib},
        {"step": "pandas/scipy baseline", "seconds": t_base, "ratio": t_base / t_read,
         "target": "> library", "met": "yes" if t_base > t_lib else "no",
         "peak_rss_mib": m_base},
        {"step": f"bootstrap {args.pairs:,} x 2000", "seconds": t_boot, "ratio": float("nan"),
         "target": "<= 10 s", "met": "yes" if t_boot <= 10 else "no", "peak_rss_mib": m_boot},
    ]  # fmt: skip
    print_table(rows)
    print(f"library / baseline = {t_lib / t_base:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
