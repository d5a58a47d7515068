"""The registry-measure sections of the quarterly report (issue 21, item 3): the first page,
risk-adjusted effectiveness, efficiency, completeness and trends.

The numbers in the report must be those of the outcome functions on the same data (which
are themselves checked against R: tests/test_registry_measures.py); every count the sections
show is in the release's disclosure ledger, hidden cells are marked, figures do not draw
them, and ``benchmark=`` (``--benchmark FILE``) fits the risk model on the reference.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes import load_sessions
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.datasets import sample_path, synthesize
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.outcomes.efficiency import completeness, efficiency
from tpdn_outcomes.outcomes.risk import completed_changes, fit_risk_model, risk_adjusted_benchmark
from tpdn_outcomes.outcomes.summary import SUMMARY_CAVEAT, plain_language_summary
from tpdn_outcomes.outcomes.trends import quarterly_trends
from tpdn_outcomes.report import quarterly_release, quarterly_report
from tpdn_outcomes.report.build import HIDDEN
from tpdn_outcomes.report.registry_sections import (
    COMPLETENESS_ROWS,
    EFFICIENCY_ROWS,
    TREND_ROWS,
)

QUARTER = "2026Q2"
CLINIC = "CLN-01"
MARKERS = ("<", "‡", HIDDEN)
RISK = ["n", "observed", "expected", "o_minus_e", "ci_low", "ci_high"]


def _quiet_load(frame: pd.DataFrame) -> SessionData:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_sessions(frame)


@pytest.fixture(scope="module")
def release(sample: SessionData) -> list:  # type: ignore[type-arg]
    return quarterly_release(sample, quarter=QUARTER, clinics=[None, CLINIC])


@pytest.fixture(scope="module")
def small_cells(sample: SessionData) -> list:  # type: ignore[type-arg]
    # min_cell 3: most condition rows are published, so their numbers can be compared
    return quarterly_release(sample, quarter=QUARTER, clinics=[None, CLINIC], min_cell=3)


@pytest.fixture(scope="module")
def reference() -> SessionData:
    return _quiet_load(synthesize(n_patients=1500, n_clinics=3, seed=5))


def _is_marker(value: object) -> bool:
    return isinstance(value, str) and value.startswith(MARKERS)


def _close(shown: object, expected: float) -> None:
    assert not _is_marker(shown)
    assert float(shown) == pytest.approx(round(float(expected), 2), abs=1e-9)  # type: ignore[arg-type]


# ---------------------------------------------------------------- sections and order
def test_registry_sections_are_present_and_in_order(release) -> None:  # type: ignore[no-untyped-def]
    for report in release:
        keys = [s.key for s in report.sections]
        assert keys[0] == "summary"  # the plain-language first page comes first
        assert keys[1:3] == ["key", "trends"]
        at = keys.index("safety")
        assert keys[at + 1 : at + 4] == ["risk", "efficiency", "completeness"]
        assert keys[-1] == "trends_appendix"
        assert report.sections[-1].tables == ["trends_table"]
        assert "trends" in report.figures
        for s in report.sections:
            for key in s.tables + s.figures:
                assert report.captions[key]
        assert "Risk-adjusted effectiveness" in report.sections[keys.index("methods")].intro


# ---------------------------------------------------------------- the first page
def test_first_page_is_the_plain_language_summary(sample: SessionData, release) -> None:  # type: ignore[no-untyped-def]
    for report, data in ((release[0], sample), (release[1], sample.filter(clinic_id=CLINIC))):
        expected = plain_language_summary(data, QUARTER, min_n=11)
        page = report.sections[0]
        assert page.notes == [SUMMARY_CAVEAT] == [expected[-1]]
        said = page.intro
        for sentence in expected[:2]:  # activity and pain change: no count to protect
            assert sentence in said
        for sentence in expected[2:4]:  # a rate with its interval: said only when published
            assert sentence in said or "is not shown in this report" in said
    assert expected[0] in release[1].sections[0].intro  # the clinic's own activity


def test_first_page_withholds_a_rate_whose_counts_are_hidden(release) -> None:  # type: ignore[no-untyped-def]
    # the clinic's trends hide its responder rate exactly when the first page withholds it
    for report in release:
        trends = report.tables["trends_table"]
        row = trends[(trends["quarter"] == QUARTER) & (trends["figure"] == TREND_ROWS[
            "responder_rate"][0])].iloc[0]  # fmt: skip
        withheld = "meaningful improvement is not shown" in report.sections[0].intro
        if not _is_marker(row["n"]) and int(row["n"]) >= 11:  # the sentence quotes a rate
            assert withheld == _is_marker(row["value"])  # the same counts: hidden together
        else:
            assert not withheld


# ---------------------------------------------------------------- risk-adjusted
def _expected_risk(data: SessionData, reference: SessionData | None = None) -> pd.DataFrame:
    table = risk_adjusted_benchmark(data, reference=reference, by=["clinic_id", "quarter"])
    return table[table["quarter"] == QUARTER].set_index("clinic_id")


def test_risk_table_is_risk_adjusted_benchmark(sample: SessionData, release) -> None:  # type: ignore[no-untyped-def]
    expected = _expected_risk(sample)
    shown = release[0].tables["risk_clinics"].set_index("clinic_id")
    assert sorted(shown.index) == sorted(expected.index)  # every clinic of the quarter
    for clinic, row in shown.iterrows():
        if _is_marker(row["n"]):
            assert all(row[c] == HIDDEN for c in [*RISK[1:], "rank"])
            continue
        e = expected.loc[clinic]
        for col in RISK:
            _close(row[col], e[col])
        assert row["rank"] == f"{e['rank']} of {e['n_ranked']}"
    own = release[1].tables["risk_clinics"]
    assert len(own) == 1 and "clinic_id" not in own  # a clinic's report: its own row only
    e = expected.loc[CLINIC]
    assert own.iloc[0]["rank"] == f"{e['rank']} of {len(expected)}"
    _close(own.iloc[0]["o_minus_e"], e["o_minus_e"])
    assert "every completed episode of this file" in release[0].sections[
        [s.key for s in release[0].sections].index("risk")].intro  # fmt: skip


def test_risk_by_condition_is_risk_adjusted_benchmark(sample: SessionData, small_cells) -> None:  # type: ignore[no-untyped-def]
    table = risk_adjusted_benchmark(sample, by=["clinic_id", "condition", "quarter"])
    expected = table[table["quarter"] == QUARTER].set_index(["clinic_id", "condition"])
    shown = small_cells[0].tables["risk_conditions"]
    assert len(shown) > 0
    for _, row in shown.iterrows():
        e = expected.loc[(row["clinic_id"], row["condition"])]
        assert int(row["n"]) >= 3  # only publishable rows are listed
        for col in RISK:
            _close(row[col], e[col])
        assert row["rank"] == f"{e['rank']} of {e['n_ranked']}"
    own = small_cells[1].tables["risk_conditions"]
    mine = expected.xs(CLINIC, level="clinic_id")
    for _, row in own.iterrows():
        _close(row["o_minus_e"], mine.loc[row["condition"], "o_minus_e"])


def test_benchmark_fits_the_risk_model_on_the_reference(
    sample: SessionData, reference: SessionData
) -> None:
    report = quarterly_report(sample, quarter=QUARTER, benchmark=reference)
    model = fit_risk_model(reference)
    changes = completed_changes(sample)
    in_q = changes[changes["quarter"] == QUARTER]
    shown = report.tables["risk_clinics"].set_index("clinic_id")
    without = _expected_risk(sample)
    with_ref = _expected_risk(sample, reference)
    moved = 0
    for clinic, row in shown.iterrows():
        if _is_marker(row["n"]):
            continue
        rows = in_q[in_q["clinic_id"] == clinic]
        _close(row["expected"], model.predict(rows).mean())  # as the reference's model says
        _close(row["ci_low"], with_ref.loc[clinic, "ci_low"])
        moved += abs(with_ref.loc[clinic, "expected"] - without.loc[clinic, "expected"]) > 0.01
    assert moved > 0  # the reference changed the expected values
    intro = report.sections[[s.key for s in report.sections].index("risk")].intro
    assert "reference registry" in intro and "this file" not in intro
    assert "reference registry" in report.meta["risk_model_fitted_on"]


# ---------------------------------------------------------------- efficiency, completeness
def _by_quarter(make, data: SessionData) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    per = make(data, by=["condition", "quarter"])
    per = per[per["quarter"] == QUARTER].assign(condition=lambda f: f["condition"].astype(str))
    every = make(data, by="quarter")
    every = every[every["quarter"] == QUARTER].assign(condition="All conditions")
    return pd.concat([per, every], ignore_index=True)


def test_efficiency_table_is_efficiency_of_the_quarter(sample: SessionData, small_cells) -> None:  # type: ignore[no-untyped-def]
    expected = _by_quarter(efficiency, sample)
    expected["figure"] = expected["figure"].map(EFFICIENCY_ROWS)
    expected = expected.set_index(["condition", "figure"])
    shown = small_cells[0].tables["efficiency"]
    assert (shown["condition"] == "All conditions").sum() == 3
    for _, row in shown.iterrows():
        e = expected.loc[(row["condition"], row["figure"])]
        assert int(row["n"]) == e["n"]
        for col in ("mean", "ci_low", "ci_high"):
            _close(row[col], e[col])


def test_completeness_table_is_completeness_of_the_quarter(
    sample: SessionData, small_cells
) -> None:  # type: ignore[no-untyped-def]
    expected = _by_quarter(completeness, sample)
    expected["figure"] = expected["figure"].map(COMPLETENESS_ROWS)
    expected = expected.set_index(["condition", "figure"])
    shown = small_cells[1].tables["completeness"]  # the clinic's report
    clinic = _by_quarter(completeness, sample.filter(clinic_id=CLINIC))
    clinic["figure"] = clinic["figure"].map(COMPLETENESS_ROWS)
    clinic = clinic.set_index(["condition", "figure"])
    for table, truth in ((small_cells[0].tables["completeness"], expected), (shown, clinic)):
        assert len(table)
        for _, row in table.iterrows():
            e = truth.loc[(row["condition"], row["figure"])]
            assert int(row["n"]) == e["n"]
            if not _is_marker(row["of_which"]):
                assert int(row["of_which"]) == e["count"]
                for col, ecol in (
                    ("percent", "rate"),
                    ("ci_low", "ci_low"),
                    ("ci_high", "ci_high"),
                ):
                    _close(row[col], 100 * e[ecol])


# ---------------------------------------------------------------- trends
def test_trends_table_is_quarterly_trends(sample: SessionData, release) -> None:  # type: ignore[no-untyped-def]
    for report, data in ((release[0], sample), (release[1], sample.filter(clinic_id=CLINIC))):
        expected = quarterly_trends(data, QUARTER, 8)
        shown = report.tables["trends_table"]
        assert len(shown) == len(expected) == 8 * len(TREND_ROWS)
        assert shown["quarter"].tolist() == expected["quarter"].tolist()
        for (_, row), (_, e) in zip(shown.iterrows(), expected.iterrows(), strict=True):
            scale = 100.0 if TREND_ROWS[e["figure"]][1] else 1.0
            assert row["figure"] == TREND_ROWS[e["figure"]][0]
            if _is_marker(row["n"]) or _is_marker(row["value"]):
                continue
            if e["figure"] == "mean_pain_change":  # its n is the responder row's
                assert pd.isna(row["n"]) and (e["n"] >= 11 or e["n"] == 0)
            else:
                assert int(row["n"]) == e["n"]
            for col in ("value", "ci_low", "ci_high"):
                if np.isnan(e[col]):
                    assert pd.isna(row[col])
                else:
                    _close(row[col], scale * e[col])


def test_trends_figure_leaves_hidden_quarters_out(release) -> None:  # type: ignore[no-untyped-def]
    report = release[1]  # the clinic: some responder rates hidden
    shown = report.tables["trends_table"]
    fig = report.figures["trends"]
    for panel, (name, (label, _)) in enumerate(TREND_ROWS.items()):
        rows = shown[shown["figure"] == label]
        drawn = np.asarray(fig.axes[panel].lines[0].get_ydata(), dtype=float)
        hidden = rows["value"].map(_is_marker).to_numpy() | rows["n"].map(_is_marker).to_numpy()
        assert np.isnan(drawn[hidden]).all(), name
        values = pd.to_numeric(rows["value"].where(~hidden), errors="coerce").to_numpy(float)
        assert np.allclose(drawn[~hidden], values[~hidden], atol=0.006, equal_nan=True), name


# ---------------------------------------------------------------- disclosure
def _numbers(table: pd.DataFrame, column: str) -> list[int]:
    return [int(v) for v in table[column] if not isinstance(v, str) and pd.notna(v)]


def test_hidden_cells_agree_with_the_ledger_and_the_audit_passes(release) -> None:  # type: ignore[no-untyped-def]
    audit = release[0].disclosure_audit()
    assert len(audit) and audit["passes"].all()
    for report in release:
        for key, counts in (("risk_clinics", ["n"]), ("efficiency", ["n"]),
                            ("completeness", ["n", "of_which"]), ("trends_table", ["n"])):  # fmt: skip
            if key not in report.tables:
                continue
            table = report.tables[key]
            for column in counts:
                assert not [v for v in _numbers(table, column) if 0 < v < 11], (key, column)
        # every small or hidden cell the audit lists for these tables is marked in them
        mine = audit[audit["table"].isin([f"{report.clinic} / risk_clinics",
                                          f"{report.clinic} / trends_table"])]  # fmt: skip
        for _, cell in mine[mine["status"].isin(["primary", "secondary"])].iterrows():
            table = report.tables[cell["table"].split(" / ")[1]]
            assert _is_marker(table.at[cell["row"], cell["column"]]), cell.to_dict()
        for key in ("efficiency", "completeness", "risk_conditions"):  # hidden rows left out
            if key in report.tables:
                assert not report.tables[key]["n"].map(_is_marker).any()


# ---------------------------------------------------------------- CLI
def test_cli_report_benchmark_flag(tmp_path: Path) -> None:
    from tpdn_outcomes.cli import build_parser, main

    args = build_parser().parse_args(
        ["report", "x.csv", "--quarter", QUARTER, "--benchmark", "ref.csv"]
    )
    assert args.benchmark == "ref.csv"
    ref = tmp_path / "reference_registry.csv"
    synthesize(n_patients=1500, n_clinics=3, seed=5).to_csv(ref, index=False)
    code = main(["report", str(sample_path("sessions.csv")), "--quarter", QUARTER,
                 "--export-date", "2026-07-01", "--format", "html", "--out", str(tmp_path),
                 "--benchmark", str(ref), "--quiet"])  # fmt: skip
    assert code == 0
    html = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert "the reference registry reference_registry.csv" in html
    assert str(tmp_path) not in html  # the file's name, not its path


def test_release_options_load_the_benchmark_like_the_main_file() -> None:
    from tpdn_outcomes._cli_parsers import release_options

    args = argparse.Namespace(file="main.csv", measures="m.csv", problems="p.csv",
                              date_format="%d/%m/%Y", benchmark="ref.csv")  # fmt: skip
    seen: list[argparse.Namespace] = []

    def load(a: argparse.Namespace) -> str:
        seen.append(a)
        return "loaded"

    options = release_options(args, {"min_cell": 5, "benchmark": "ref.csv"}, load)
    assert options == {"min_cell": 5, "title": None, "benchmark": "loaded"}
    (a,) = seen
    assert (a.file, a.date_format, a.measures, a.problems) == ("ref.csv", "%d/%m/%Y", None, None)
    assert release_options(args, {"min_cell": 11}, load) == {"min_cell": 11, "title": None}
    assert len(seen) == 1
