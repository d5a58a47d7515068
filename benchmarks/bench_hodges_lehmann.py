"""Hodges-Lehmann of all changes (``hl_zero_method="pratt"``) against R's convention.

``stats.paired_change`` on one group of paired values, best of 3, for both Hodges-Lehmann
conventions (the rest of the row is the same work in both, so the difference is the
Hodges-Lehmann's):

* ``pain``: 170,000 whole-point pain changes (few distinct values, many zeros);
* ``rom``: 170,000 range-of-motion changes on a 0.1-degree grid (about 1,400 distinct);
* ``continuous``: 20,000 and 200,000 changes with no ties (every value distinct).

The Walsh averages are never listed: they are counted and selected from the distinct
values (``tpdn_outcomes.stats.paired._Walsh``), so time and memory grow with the number
of distinct changes, not with n^2. A benchmark reports; it never fails on a ratio.

Usage: python benchmarks/bench_hodges_lehmann.py
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from _common import best_of, machine, print_table

from tpdn_outcomes.stats.paired import paired_change_row


def datasets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(1)
    n = 170_000
    before = rng.integers(3, 11, n).astype(float)
    after = np.clip(before - rng.normal(2.0, 1.8, n).round(), 0, 10)
    rom_before = np.round(rng.normal(60, 10, n), 1)
    rom_after = np.round(rom_before + rng.normal(8, 6, n), 1)
    out = {"pain 170k": (before, after), "rom 170k": (rom_before, rom_after)}
    for size in (20_000, 200_000):
        b = rng.normal(60, 10, size)
        out[f"continuous {size // 1000}k"] = (b, b + rng.normal(8, 6, size))
    return out


def main() -> int:
    print(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}")
    rows = []
    for name, (before, after) in datasets().items():
        times = {}
        for method in ("wilcox", "pratt"):
            times[method] = best_of(
                lambda m=method, b=before, a=after: paired_change_row(b, a, hl_zero_method=m),
                k=3,
            )
        distinct = int(np.unique(after - before).size)
        rows.append({"data": name, "distinct": distinct, "r_convention_s": times["wilcox"],
                     "pratt_s": times["pratt"],
                     "ratio": times["pratt"] / times["wilcox"]})  # fmt: skip
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
