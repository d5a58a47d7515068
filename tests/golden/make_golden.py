"""Regenerate the golden copies of every table of the sample's quarterly report.

The golden files pin what a clinic sees (values, suppression, labels) so that any change
to a number of the report is a deliberate one: rerun this script, read the diff, commit.
The statistics behind the tables are checked against R elsewhere (tests/reference/).
The reports are of the four-clinic sample (``tests/samples.py``: the shipped sample
before the seven-clinic network), so the golden copies do not move with the shipped one.

Usage: python tests/golden/make_golden.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from tpdn_outcomes.report import quarterly_report

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # tests/, for samples.py when run as a script

from samples import load_four_clinics  # noqa: E402

CASES = {"report_2026Q1_all": {"quarter": "2026Q1"},
         "report_2026Q2_CLN-01": {"quarter": "2026Q2", "clinic": "CLN-01"}}  # fmt: skip


def build(name: str):  # type: ignore[no-untyped-def]
    data = load_four_clinics()
    return quarterly_report(data, **CASES[name])  # type: ignore[arg-type]


def main() -> None:
    for name in CASES:
        folder = HERE / name
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.csv"):
            old.unlink()
        report = build(name)
        for key, table in report.tables.items():
            table.to_csv(folder / f"{key}.csv", index=False, float_format="%.10g")
        print(f"wrote {len(report.tables)} tables to {folder}")


if __name__ == "__main__":
    main()
