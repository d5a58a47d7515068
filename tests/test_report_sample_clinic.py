"""The shipped sample's smallest clinic gets a useful external report (issue 21, item 2).

``tests/test_report_audience.py`` checks the target on a synthetic network built for the
test; this file checks it on what a user holds after ``make demo``: the shipped seven-clinic
sample (``load_sample()``), its smallest clinic (CLN-07, about 40 completed episodes a
quarter) and the demo's quarter, 2026Q2, in one audited release with the all-clinics report.
The expected key figures are recomputed here from the episodes with pandas, scipy (t
interval) and statsmodels (Wilson interval), not with the report's own functions.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import scipy.stats as sps
from statsmodels.stats.proportion import proportion_confint

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.report import Report, quarterly_release

MIN = 11
QUARTER = "2026Q2"
YEAR = "12 months to 2026-06-30"
SMALLEST = "CLN-07"
MARKS = {"<11", "‡", "—"}
#: Reference tables that are never suppressed (thresholds, data-quality findings).
REFERENCE = {"mcid", "mdc", "data_quality"}


@pytest.fixture(scope="module")
def release(network: SessionData) -> dict[str | None, Report]:
    clinics: list[str | None] = [None, SMALLEST]
    reports = quarterly_release(network, quarter=QUARTER, clinics=clinics)
    return dict(zip(clinics, reports, strict=True))


def _hidden_or_empty(value: object) -> bool:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return True
    return isinstance(value, str) and value.strip() in MARKS | {""}


def test_cln07_is_the_smallest_clinic(network: SessionData) -> None:
    ep = network.episodes("pain")
    completed = ep[~ep["open"].astype(bool)]
    per_quarter = completed.groupby(
        [completed["clinic_id"].astype(str), completed["last_date"].dt.to_period("Q")]
    ).size()
    yearly = per_quarter.groupby(level=0).sum()
    assert yearly.idxmin() == SMALLEST
    steady = per_quarter.loc[SMALLEST].loc["2025Q2":"2026Q1"]
    assert 33 <= steady.mean() <= 47


def test_smallest_clinic_shows_the_key_figures(release: dict) -> None:
    key = release[SMALLEST].tables["key_figures"].set_index("figure")
    for column in (QUARTER, YEAR):
        values = key[column].tolist()
        assert isinstance(values[0], int) and values[0] >= MIN  # patients
        assert isinstance(values[3], int) and values[3] >= MIN  # completed episodes
        assert re.fullmatch(r"-?\d+\.\d\d \(-?\d+\.\d\d to -?\d+\.\d\d\)", values[5])
        assert re.fullmatch(r"\d+ % \(\d+ to \d+ %\)", values[6])  # responders, Wilson CI
        assert re.fullmatch(r"\d+\.\d %", values[7])  # side effects


def test_smallest_clinic_key_figures_equal_an_independent_computation(
    network: SessionData, release: dict
) -> None:
    key = release[SMALLEST].tables["key_figures"].set_index("figure")
    ep = network.episodes("pain")
    ep = ep[(ep["clinic_id"].astype(str) == SMALLEST) & ~ep["open"].astype(bool)]
    for column, start in ((QUARTER, "2026-04-01"), (YEAR, "2025-07-01")):
        done = ep[(ep["last_date"] >= start) & (ep["last_date"] <= "2026-06-30")]
        change = done["change"].dropna().to_numpy()
        n = len(change)
        assert key.iloc[3][column] == len(done)
        mean = change.mean()
        low, high = sps.t.interval(0.95, n - 1, loc=mean, scale=sps.sem(change))
        assert key.iloc[5][column] == f"{mean:.2f} ({low:.2f} to {high:.2f})"
        base = done.loc[done["change"].notna(), "baseline"].to_numpy()
        responders = int(((-change >= 2) | (-change >= 0.3 * base)).sum())
        lo, hi = proportion_confint(responders, n, method="wilson")
        expected = f"{100 * responders / n:.0f} % ({100 * lo:.0f} to {100 * hi:.0f} %)"
        assert key.iloc[6][column] == expected


def test_smallest_clinic_tables_are_mostly_published(release: dict) -> None:
    report = release[SMALLEST]
    pain = report.tables["pain"]
    named = pain[~pain["condition"].isin(["All conditions", "other_conditions"])]
    assert sum(not isinstance(n, str) for n in named["n"]) >= 3
    assert not isinstance(pain.set_index("condition").at["All conditions", "n"], str)
    cells = [v for k, t in report.tables.items() if k not in REFERENCE
             for v in t.astype(object).to_numpy().ravel()]  # fmt: skip
    assert sum(map(_hidden_or_empty, cells)) / len(cells) <= 1 / 3


def test_the_release_passes_its_audit(release: dict) -> None:
    for report in release.values():
        audit = report.disclosure_audit()
        assert len(audit) > 0 and bool(audit["passes"].all())
        shown = [v for v in report.tables["pain"]["n"] if not isinstance(v, str)]
        assert all(pd.isna(v) or v == 0 or v >= MIN for v in shown)
