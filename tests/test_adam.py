"""CDISC ADaM (BDS) export and import: the variables' rules, the same numbers after a round
trip through CSV, Parquet and SAS transport, and clear errors on bad input."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes import load_sample, load_sessions
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.interop import from_adam, read_adam, to_adam, write_adam
from tpdn_outcomes.interop.adam import ADAM_COLUMNS, paramcd
from tpdn_outcomes.outcomes import responder_rates


@pytest.fixture(scope="module")
def adam(sample: SessionData) -> pd.DataFrame:
    return to_adam(sample)


def test_variables_follow_the_bds_rules(sample: SessionData, adam: pd.DataFrame) -> None:
    assert list(adam.columns) == list(ADAM_COLUMNS)
    assert all(len(c) <= 8 for c in adam.columns)
    assert all(len(label) <= 40 for label in ADAM_COLUMNS.values())
    assert len(adam) == len(sample.measures)
    assert adam["PARAMCD"].str.len().max() <= 8
    # one baseline record per episode and parameter, whose value is the baseline
    base = adam[adam["ABLFL"] == "Y"]
    assert not base.duplicated(["EPISODE", "PARAMCD"]).any()
    assert (base["AVAL"] == base["BASE"]).all()
    post = adam[adam["ATPT"] != "PRE"]
    np.testing.assert_allclose(post["CHG"], post["AVAL"] - post["BASE"])
    assert adam.loc[adam["ATPT"] == "PRE", "CHG"].isna().all()
    # the analysis records carry each episode's change
    ep = sample.episodes("pain").set_index(sample.episodes("pain")["episode_id"].astype(str))
    final = adam[(adam["ANL01FL"] == "Y") & (adam["PARAMCD"] == "PAIN")].set_index("EPISODE")
    np.testing.assert_allclose(final["CHG"], ep.loc[final.index, "change"])
    assert len(final) == ep["change"].notna().sum()
    # CRIT1FL on the analysis records gives the moderate responders of responder_rates
    rates = responder_rates(sample, by=None).set_index("definition")
    assert (final["CRIT1FL"] == "Y").sum() == rates.loc["moderate", "responders"]
    assert final["CRIT1"].iloc[0] == "Improvement from baseline >= 2 points or >= 30 %"


def test_pchg_is_missing_when_the_baseline_is_zero() -> None:
    frame = pd.DataFrame(
        {
            "patient_id": ["P1", "P1"],
            "session_date": ["2026-01-05", "2026-01-12"],
            "condition": ["neck_pain", "neck_pain"],
            "pain_pre": [0, 2],
            "pain_post": [1, 3],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(frame, export_date="2026-12-31")
    adam = to_adam(data)
    post = adam[adam["ATPT"] == "POST"]
    assert post["BASE"].eq(0).all() and post["PCHG"].isna().all()
    assert post["CHG"].tolist() == [1.0, 3.0]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xpt"])
def test_round_trip_gives_the_same_data(
    sample: SessionData, adam: pd.DataFrame, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"adtpdn{suffix}"
    write_adam(adam, path)
    back = read_adam(path)
    np.testing.assert_allclose(back["AVAL"].astype(float), adam["AVAL"], equal_nan=True)
    np.testing.assert_allclose(back["CHG"].astype(float), adam["CHG"], equal_nan=True)
    assert list(back["USUBJID"].astype(str)) == list(adam["USUBJID"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = from_adam(back, export_date="2026-07-01")
    assert data.measure_names() == sample.measure_names()
    for measure in sample.measure_names():
        a, b = sample.episodes(measure), data.episodes(measure)
        assert list(a["episode_id"].astype(str)) == list(b["episode_id"].astype(str))
        np.testing.assert_allclose(a["baseline"], b["baseline"], equal_nan=True)
        np.testing.assert_allclose(a["change"], b["change"], equal_nan=True)
    cols = ["session_id", "patient_id", "condition", "clinic_id", "practitioner_role",
            "adverse_events", "age_band", "sex"]  # fmt: skip
    for col in cols:
        assert list(data.sessions[col].astype(str)) == list(sample.sessions[col].astype(str)), col
    assert data.sessions["twitch_response"].equals(sample.sessions["twitch_response"])


def test_bad_input(adam, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="lacks"):
        from_adam(adam.drop(columns=["SESSID"]))
    bad = adam.copy()
    bad.loc[0, "PARAMCD"] = "WHAT"
    with pytest.raises(ValueError, match="unknown PARAMCD 'WHAT'"):
        from_adam(bad)
    with pytest.raises(ValueError, match="8 characters"):
        write_adam(adam, tmp_path / "x.xpt", name="TOOLONGNAME")
    with pytest.raises(ValueError, match=r"read \.csv"):
        read_adam(tmp_path / "x.sas7bdat")
    assert paramcd("rom:shoulder_abduction_right") == "SABDR"


def test_cli_convert_round_trip(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tpdn_outcomes.cli import main
    from tpdn_outcomes.datasets import sample_path

    xpt = tmp_path / "adtpdn.xpt"
    assert main(["convert", str(sample_path("sessions.csv")), str(xpt), "--from", "sessions",
                 "--to", "adam", "--export-date", "2026-07-01"]) == 0  # fmt: skip
    out = tmp_path / "sessions.csv"
    assert main(["convert", str(xpt), str(out), "--from", "adam", "--to", "sessions",
                 "--export-date", "2026-07-01"]) == 0  # fmt: skip
    assert not (tmp_path / "sessions_measures.csv").exists()  # one file, loadable alone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        again = load_sessions(out, export_date="2026-07-01")
        original = load_sample()
    np.testing.assert_allclose(again.episodes("pain")["change"],
                               original.episodes("pain")["change"], equal_nan=True)  # fmt: skip
    with pytest.raises(SystemExit):
        main(["convert", "a", "b", "--from", "adam", "--to", "adam"])
    assert "wrote" in capsys.readouterr().out
