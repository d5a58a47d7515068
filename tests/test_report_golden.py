"""Golden tests: every table of two sample reports equals its stored copy in tests/golden/.

A difference means a number a clinic sees has changed. If the change is intended, rerun
``python tests/golden/make_golden.py``, read the diff and commit it. Numbers are compared to
1e-9 relative (they are written with 10+ significant digits); text exactly.
"""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

GOLDEN = Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))

from make_golden import CASES, build  # noqa: E402


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if math.isnan(x) and math.isnan(y):
        return True
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_every_table_matches_its_golden_copy(name: str) -> None:
    report = build(name)
    folder = GOLDEN / name
    stored = sorted(p.stem for p in folder.glob("*.csv"))
    assert sorted(report.tables) == stored
    for key, table in report.tables.items():
        buffer = io.StringIO()
        table.to_csv(buffer, index=False, float_format="%.10g")
        now = pd.read_csv(io.StringIO(buffer.getvalue()), dtype=str, keep_default_na=False)
        gold = pd.read_csv(folder / f"{key}.csv", dtype=str, keep_default_na=False)
        assert list(now.columns) == list(gold.columns), key
        assert now.shape == gold.shape, key
        for col in gold.columns:
            for i, (a, b) in enumerate(zip(now[col], gold[col], strict=True)):
                if col == "signals" or key == "data_quality" or col == "value":
                    assert a == b, (key, col, i, a, b)
                else:
                    assert _same(a, b), (key, col, i, a, b)
