"""The attacks of issue 18 on one run's reports (all clinics and each clinic), as tests.

The intruder holds every report of a run of ``report --all-clinics``. Each attack that
recovered a hidden count before must now fail; the release's own audit must pass; and the
markers must tell the truth.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes import load_sessions
from tpdn_outcomes.datasets import synthesize
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.report import quarterly_release
from tpdn_outcomes.report.build import HIDDEN, SECONDARY

MIN = 11
LABEL = "<11"
MARKS = (LABEL, SECONDARY, HIDDEN)
QUARTER = "2026Q2"


@pytest.fixture(scope="module")
def run():  # type: ignore[no-untyped-def]
    # the file: 4 clinics, 1500 patients
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(synthesize(n_patients=1500, n_clinics=4, seed=11))
    clinics = [None, *sorted(data.sessions["clinic_id"].dropna().astype(str).unique())]
    reports = quarterly_release(data, quarter=QUARTER, clinics=clinics)
    return data, reports


def _n(table: pd.DataFrame, key: str, row: object, column: str = "n") -> object:
    return table.set_index(key).loc[row, column]


def test_the_release_audit_passes_for_every_hidden_count(run) -> None:  # type: ignore[no-untyped-def]
    _, reports = run
    audit = reports[0].disclosure_audit()
    assert len(audit) and audit["passes"].all()
    small = audit[audit["status"] == "primary"]
    assert (small["width"] >= MIN - 1).all()
    assert {"lower", "upper"} <= set(audit.columns) and "value" not in audit.columns


def test_differencing_clinics_from_the_total_recovers_nothing(run) -> None:  # type: ignore[no-untyped-def]
    # all-clinics n minus the other clinics' n gave a hidden clinic's count exactly
    _, reports = run
    total, clinics = reports[0], reports[1:]
    for condition in total.tables["pain"]["condition"]:
        cells = [_n(r.tables["pain"], "condition", condition) for r in clinics
                 if condition in set(r.tables["pain"]["condition"])]  # fmt: skip
        whole = _n(total.tables["pain"], "condition", condition)
        hidden = [c for c in cells if c in MARKS]
        if whole in MARKS or LABEL not in hidden:
            continue  # (a lone hidden count of 11 or more may be found: it is not small)
        rest = int(whole) - sum(int(c) for c in cells if c not in MARKS)
        assert len(hidden) >= 2, condition  # one hidden cell alone would be the difference
        assert rest >= MIN - 1, condition  # the hidden ones together span the label


def test_rows_do_not_give_a_hidden_row_as_total_minus_the_rest(run) -> None:  # type: ignore[no-untyped-def]
    _, reports = run
    for r in reports:
        pain = r.tables["pain"]
        rows, total = pain[pain["condition"] != "All conditions"], _n(pain, "condition",
                                                                       "All conditions")  # fmt: skip
        hidden = [v for v in rows["n"] if v in MARKS]
        if total in MARKS or LABEL not in hidden:
            continue
        assert len(hidden) >= 2
        assert int(total) - sum(int(v) for v in rows["n"] if v not in MARKS) >= MIN - 1


def test_twitch_complement_is_not_published(run) -> None:  # type: ignore[no-untyped-def]
    # "n without twitch" = the analysed episodes - "n with twitch"
    _, reports = run
    for r in reports:
        tw = r.tables["twitch"].iloc[0]
        if LABEL in (tw["n_twitch"], tw["n_no_twitch"]):
            assert tw["n_twitch"] in MARKS and tw["n_no_twitch"] in MARKS, r.clinic


def test_ending_open_completed_never_reveal_a_small_count(run) -> None:  # type: ignore[no-untyped-def]
    _, reports = run
    for r in reports:
        key = r.tables["key_figures"]
        for q in key.columns[1:]:
            ending, done, still_open = key[q].iloc[2], key[q].iloc[3], key[q].iloc[4]
            hidden = [v in MARKS for v in (ending, done, still_open)]
            if sum(hidden) == 1:  # two shown give the third (ending = open + completed)
                if hidden[0]:
                    third = int(done) + int(still_open)
                elif hidden[1]:
                    third = int(ending) - int(still_open)
                else:
                    third = int(ending) - int(done)
                assert third == 0 or third >= MIN, (r.clinic, q)


def test_open_is_decided_once_for_the_whole_run(run) -> None:  # type: ignore[no-untyped-def]
    data, reports = run
    ep = data.episodes("pain")
    start, end = pd.Timestamp("2026-04-01"), pd.Timestamp("2026-06-30")
    ending = ep[(ep["last_date"] >= start) & (ep["last_date"] <= end)]
    done = ending[~ending["open"].fillna(False).astype(bool)]
    per_clinic = done.groupby("clinic_id", observed=True)["episode_id"].nunique()
    assert per_clinic.sum() == len(done)
    for r in reports[1:]:
        shown = r.tables["key_figures"][QUARTER].iloc[3]
        if shown not in MARKS:
            assert shown == per_clinic[r.clinic]
    assert reports[0].tables["key_figures"][QUARTER].iloc[3] == len(done)


def test_the_small_label_is_only_on_counts_of_one_to_ten(run) -> None:  # type: ignore[no-untyped-def]
    data, reports = run
    ep = data.episodes("pain")
    # the condition tables pool the trailing 4 quarters (window=4, the default)
    start, end = pd.Timestamp("2025-07-01"), pd.Timestamp("2026-06-30")
    ending = ep[(ep["last_date"] >= start) & (ep["last_date"] <= end)]
    completed = ending[~ending["open"].fillna(False).astype(bool)]
    for r in reports:
        scope = (completed if r.clinic == "All clinics"
                 else completed[completed["clinic_id"] == r.clinic]).copy()  # fmt: skip
        # conditions with fewer than MIN completed episodes are grouped first
        sizes = scope.groupby(scope["condition"].astype(str))["episode_id"].nunique()
        condition = scope["condition"].astype(str)
        rare = sizes.index[sizes < MIN]
        scope["condition"] = condition.where(~condition.isin(rare), "other_conditions")
        scope = scope[scope["change"].notna()]
        truth = scope.groupby("condition")["episode_id"].nunique()
        for condition, shown in zip(r.tables["pain"]["condition"], r.tables["pain"]["n"],
                                    strict=True):  # fmt: skip
            value = len(scope) if condition == "All conditions" else truth.get(condition, 0)
            if shown == LABEL:
                assert 1 <= value <= MIN - 1, (r.clinic, condition)
            elif shown == SECONDARY:
                assert value == 0 or value >= MIN, (r.clinic, condition)
            else:
                assert shown == value


def test_workbook_stores_statistics_at_the_precision_shown(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, reports = run
    path = tmp_path / "r.xlsx"
    reports[0].to_excel(str(path))
    pain = pd.read_excel(path, sheet_name="Pain")
    values = pd.to_numeric(pain["Mean change"], errors="coerce").dropna().to_numpy()
    assert len(values)
    assert np.allclose(values, np.round(values, 2), atol=1e-12)
    legend = pd.read_excel(path, sheet_name="Legend")
    assert list(legend["Marker"])[:3] == [LABEL, SECONDARY, HIDDEN]
