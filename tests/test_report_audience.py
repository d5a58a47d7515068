"""The report's audience (internal / external) and window (pooled condition tables).

Issue 21, items 1 and 2, on a synthetic network of three clinics whose smallest (CLN-03)
has about 40 completed episodes a quarter over the 9 conditions. The expected key figures
are computed here from the episodes with pandas, scipy (t interval) and statsmodels (Wilson
interval, ``proportion_confint(method="wilson")``), not with the report's own functions.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats as sps
from statsmodels.stats.proportion import proportion_confint

from tpdn_outcomes import load_sessions
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.datasets import synthesize
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.report import Report, quarterly_release, quarterly_report
from tpdn_outcomes.report.sections import methods_text

MIN = 11
QUARTER = "2026Q1"
YEAR = "12 months to 2026-03-31"
SMALL = "CLN-03"
MARKS = {"<11", "‡", "—"}
#: Reference tables that are never suppressed (thresholds, data-quality findings).
REFERENCE = {"mcid", "mdc", "data_quality"}


@pytest.fixture(scope="module")
def network() -> SessionData:
    # three clinics, 2024Q3 to 2026Q2; CLN-03 about 40 completed episodes a quarter
    wide = synthesize(n_patients=1300, n_clinics=3, start="2024-07-01", quarters=8, seed=21,
                      clinic_weights=[2, 1.5, 1])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_sessions(wide, export_date="2026-07-15")


@pytest.fixture(scope="module")
def external(network: SessionData) -> dict[str | None, Report]:
    clinics: list[str | None] = [None, SMALL]
    return dict(zip(clinics, quarterly_release(network, quarter=QUARTER, clinics=clinics),
                    strict=True))  # fmt: skip


@pytest.fixture(scope="module")
def internal(network: SessionData) -> Report:
    return quarterly_report(network, quarter=QUARTER, clinic=SMALL, audience="internal")


def _completed(data: SessionData, start: str, end: str, clinic: str = SMALL) -> pd.DataFrame:
    """The clinic's completed pain episodes whose last session is in [start, end]."""
    ep = data.episodes("pain")
    ep = ep[ep["clinic_id"].astype(str) == clinic]
    ending = ep[(ep["last_date"] >= start) & (ep["last_date"] <= end)]
    return ending[~ending["open"].astype(bool)]


def _hidden_or_empty(value: object) -> bool:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return True
    return isinstance(value, str) and value.strip() in MARKS | {""}


def test_the_small_clinic_is_the_issues_size(network: SessionData) -> None:
    ep = network.episodes("pain")
    ep = ep[(ep["clinic_id"].astype(str) == SMALL) & ~ep["open"].astype(bool)]
    per_quarter = ep.groupby(ep["last_date"].dt.to_period("Q")).size()
    assert 35 <= per_quarter.loc["2025Q2":"2026Q1"].mean() <= 48
    assert ep["condition"].nunique() == 9


def test_small_clinic_external_report_meets_the_target(external: dict) -> None:
    report = external[SMALL]
    key = report.tables["key_figures"].set_index("figure")
    for column in (QUARTER, YEAR):
        values = key[column].tolist()
        assert isinstance(values[0], int) and values[0] >= MIN  # patients
        assert isinstance(values[3], int) and values[3] >= MIN  # completed episodes
        assert re.fullmatch(r"-?\d+\.\d\d \(-?\d+\.\d\d to -?\d+\.\d\d\)", values[5])
        assert re.fullmatch(r"\d+ % \(\d+ to \d+ %\)", values[6])  # responders, Wilson CI
        assert re.fullmatch(r"\d+\.\d %", values[7])  # side effects
    pain = report.tables["pain"]
    named = pain[~pain["condition"].isin(["All conditions", "other_conditions"])]
    published = [n for n in named["n"] if not isinstance(n, str)]
    assert len(published) >= 3
    assert not isinstance(pain.set_index("condition").at["All conditions", "n"], str)
    cells = [v for k, t in report.tables.items() if k not in REFERENCE
             for v in t.astype(object).to_numpy().ravel()]  # fmt: skip
    share = sum(map(_hidden_or_empty, cells)) / len(cells)
    assert share <= 1 / 3, share


def test_external_release_passes_its_audit_and_shows_no_small_count(external: dict) -> None:
    for report in external.values():
        audit = report.disclosure_audit()
        assert len(audit) > 0 and bool(audit["passes"].all())
        assert report.meta["audience"] == "external" and report.meta["window"] == 4
        for key, table in report.tables.items():
            if key in REFERENCE or key == "key_figures":
                continue
            for column in ("n", "count", "events", "n_events", "moderate_responders"):
                if column in table:
                    shown = [v for v in table[column] if not isinstance(v, str)]
                    assert all(v == 0 or v >= MIN for v in shown if pd.notna(v)), (key, column)
        assert "small_n" not in report.tables["pain"]


def test_internal_report_suppresses_nothing_and_flags_small_n(
    network: SessionData, internal: Report, tmp_path: Path
) -> None:
    assert internal.meta["audience"] == "internal"
    assert len(internal.disclosure_audit()) == 0
    for key, table in internal.tables.items():
        assert not any(
            isinstance(v, str) and v in MARKS for v in table.astype(object).to_numpy().ravel()
        ), key
    # every n below the minimum cell is flagged, its interval still shown
    flagged = 0
    for key in ("pain", "time_to_relief", "rom", "function", "adverse_events"):
        table = internal.tables[key]
        for _, row in table.iterrows():
            if 0 < row["n"] < MIN:
                assert str(row["small_n"]).startswith("small n"), (key, row.to_dict())
                for column in ("ci_low", "ci_high", "median_ci_low"):
                    if column in table and key != "time_to_relief":
                        assert pd.notna(row[column])
                flagged += 1
            elif row["n"] >= MIN and key == "pain":
                assert "small n: n" not in str(row["small_n"])
    assert flagged > 0  # the fixture has small groups (ROM sites, function instruments)
    html = internal.to_html()
    assert "must not leave the clinic" in html and "internal quality review" in html
    assert "small n" in html
    internal.to_excel(str(tmp_path / "r.xlsx"))
    sheet = pd.read_excel(tmp_path / "r.xlsx", sheet_name="Pain")
    assert "Note" in sheet.columns  # the small_n column, under its human label
    cover = pd.read_excel(tmp_path / "r.xlsx", sheet_name="Cover")
    assert "must not leave the clinic" in " ".join(cover["Value"].astype(str))
    # the internal pain table is the truth, pooled over the window
    done = _completed(network, "2025-04-01", "2026-03-31")
    pairs = done.dropna(subset=["change"])
    pain = internal.tables["pain"].set_index("condition")
    assert pain.at["All conditions", "n"] == len(pairs)
    assert pain.at["All conditions", "mean_change"] == round(pairs["change"].mean(), 2)


def test_other_conditions_group_the_rare_ones_before_suppression(
    network: SessionData, internal: Report, external: dict
) -> None:
    done = _completed(network, "2025-04-01", "2026-03-31")
    sizes = done.groupby(done["condition"].astype(str))["episode_id"].nunique()
    rare, common = sizes[sizes < MIN].index, sizes[sizes >= MIN].index
    assert len(rare) >= 1  # the fixture has a rare condition
    pain = internal.tables["pain"].set_index("condition")
    assert set(pain.index) == {*common, "other_conditions", "All conditions"}
    in_rare = done[done["condition"].astype(str).isin(rare)].dropna(subset=["change"])
    assert pain.at["other_conditions", "n"] == len(in_rare)
    # the external report has the same rows (grouping comes first), some hidden
    shown = external[SMALL].tables["pain"]["condition"].tolist()
    assert shown == internal.tables["pain"]["condition"].tolist()
    assert "Other conditions" in external[SMALL].to_html()


def test_window_captions(network: SessionData, external: dict) -> None:
    report = external[SMALL]
    for key in ("pain", "pain_immediate", "rom", "function", "time_to_relief", "table_one",
                "by_role", "twitch"):  # fmt: skip
        assert YEAR in report.captions[key], key
    assert QUARTER in report.captions["adverse_events"]  # side effects: the quarter
    assert YEAR in report.tables["key_figures"].columns
    one = quarterly_report(network, quarter=QUARTER, clinic=SMALL, audience="internal", window=1)
    assert one.meta["window"] == 1
    for key in ("pain", "rom", "function", "time_to_relief"):
        assert QUARTER in one.captions[key] and "months" not in one.captions[key], key
    quarter_only = _completed(network, "2026-01-01", "2026-03-31").dropna(subset=["change"])
    pain = one.tables["pain"].set_index("condition")
    assert pain.at["All conditions", "n"] == len(quarter_only)
    with pytest.raises(ValueError, match="window"):
        quarterly_report(network, quarter=QUARTER, window=0)
    with pytest.raises(ValueError, match="audience"):
        quarterly_report(network, quarter=QUARTER, audience="public")


def _expected_key_figures(data: SessionData, start: str, end: str) -> list[str]:
    """Rows 5-7 of the key figures as the methods text defines them, with pandas."""
    done = _completed(data, start, end)
    change = done["change"].dropna().to_numpy(float)
    n = len(change)
    mean, se = change.mean(), change.std(ddof=1) / np.sqrt(n)
    lo, hi = sps.t.interval(0.95, n - 1, loc=mean, scale=se)
    with_change = done.dropna(subset=["change"])
    improvement = -with_change["change"].to_numpy(float)  # pain: less is better
    baseline = with_change["baseline"].to_numpy(float)
    responder = (improvement >= 2) | ((baseline > 0) & (100 * improvement >= 30 * baseline))
    k = int(responder.sum())
    w_lo, w_hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    s = data.sessions
    s = s[(s["clinic_id"].astype(str) == SMALL) & (s["session_date"] >= start)
          & (s["session_date"] <= end)]  # fmt: skip
    recorded = s["adverse_events"].dropna().astype(str)
    return [
        f"{mean:.2f} ({lo:.2f} to {hi:.2f})",
        f"{100 * k / n:.0f} % ({100 * w_lo:.0f} to {100 * w_hi:.0f} %)",
        f"{100 * (recorded != 'none').mean():.1f} %",
    ]


def test_key_figures_are_computed_as_the_methods_say(
    network: SessionData, external: dict, internal: Report
) -> None:
    text = methods_text(MIN, audience="external", window=4)
    assert "Wilson" in text and "trailing year" in text and "Other conditions" in text
    key = external[SMALL].tables["key_figures"].set_index("figure")
    for column, start, end in ((QUARTER, "2026-01-01", "2026-03-31"),
                               (YEAR, "2025-04-01", "2026-03-31")):  # fmt: skip
        expected = _expected_key_figures(network, start, end)
        assert key[column].iloc[5:8].tolist() == expected, column
        ending = _completed(network, start, end)
        assert key[column].iloc[3] == len(ending)
        s = network.sessions
        s = s[(s["clinic_id"].astype(str) == SMALL) & (s["session_date"] >= start)
              & (s["session_date"] <= end)]  # fmt: skip
        assert key[column].iloc[0] == s["patient_id"].nunique()
    assert internal.tables["key_figures"].set_index("figure")[YEAR].iloc[5:8].tolist() == (
        _expected_key_figures(network, "2025-04-01", "2026-03-31")
    )


def test_methods_text_names_audience_and_window() -> None:
    internal = methods_text(MIN, audience="internal", window=4)
    assert "must not leave the clinic" in internal and "small n" in internal
    assert "<11" not in internal
    external = methods_text(MIN, audience="external", window=1)
    assert "<11" in external and "the quarter alone" in external


def test_cli_audience_and_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tpdn_outcomes.cli import main
    from tpdn_outcomes.datasets import sample_path

    argv = ["report", str(sample_path("sessions.csv")), "--quarter", "2026Q1", "--clinic",
            "CLN-01", "--format", "html", "--out", str(tmp_path), "--quiet",
            "--export-date", "2026-07-01"]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        assert main([*argv, "--audience", "internal", "--window", "2"]) == 0
    (page,) = tmp_path.glob("*.html")
    text = page.read_text(encoding="utf-8")
    assert "must not leave the clinic" in text and "6 months to 2026-03-31" in text
    for bad in (["--window", "0"], ["--audience", "public"]):
        with pytest.raises(SystemExit) as exc, warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            main([*argv, *bad])
        assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--window must be a whole number of quarters from 1 to 8" in err
