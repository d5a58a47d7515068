"""meta_by_clinic on the sample against metafor, and the forest and funnel plots.

Expected values: tests/reference/outcomes_pooling.R (metafor 3.8-1, R 4.2.2; output in
tests/reference/outcomes_pooling.Rout.txt, 17 significant digits) on
tests/reference/data/sample_pain_clinic_episodes.csv, asserted equal to the library's
episodes below: per-clinic mean change and var/n, rma(method = "REML", test = "knha").
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes import meta_by_clinic
from tpdn_outcomes.plots import plot_forest, plot_funnel_meta

REF = Path(__file__).parent / "reference"
R_YI = [-2.6970954356846475, -2.252688172043011, -1.9558823529411764, -1.9042553191489362]
R_VI = [0.010630843132866169, 0.014621437254111551, 0.014909329744969883, 0.025868027667849514]
R_POOLED = {
    "estimate": -2.2122850968922556,
    "se": 0.18301381288189861,
    "ci_low": -2.7947167295141382,
    "ci_high": -1.6298534642703733,
    "tau2": 0.11960074329658442,
    "i2": 88.623811953973913,
    "q": 28.914940007674037,
    "pi_low": -3.4574913799181912,
    "pi_high": -0.96707881386631978,
}
R_WEIGHTS = [26.084356593452647, 25.308835888519798, 25.254667277649894, 23.352140240377654]
R_EGGER = (1.896926477735398, 0.19828271196356884)


def test_reference_input_is_the_sample(sample: SessionData) -> None:
    ref = pd.read_csv(REF / "data" / "sample_pain_clinic_episodes.csv")
    ep = sample.episodes("pain")
    ep = ep[ep["change"].notna()]
    np.testing.assert_array_equal(ep["episode_id"].astype(str), ref["episode_id"])
    np.testing.assert_array_equal(ep["clinic_id"].astype(str), ref["clinic_id"])
    np.testing.assert_array_equal(ep["final"] - ep["baseline"], ref["final"] - ref["baseline"])


def test_meta_by_clinic_matches_metafor(sample: SessionData) -> None:
    res = meta_by_clinic(sample)
    np.testing.assert_allclose(res.studies["effect"], R_YI, rtol=1e-12)
    np.testing.assert_allclose(res.studies["variance"], R_VI, rtol=1e-12)
    row = res.pooled.iloc[0]
    for col, value in R_POOLED.items():
        assert row[col] == pytest.approx(value, rel=1e-9), col
    np.testing.assert_allclose(res.studies["weight"], R_WEIGHTS, rtol=1e-9)
    assert list(res.studies["n"]) == [241, 186, 136, 94]
    assert row["excluded"] == ""


def test_forest_plot_draws_studies_and_diamond(sample: SessionData) -> None:
    res = meta_by_clinic(sample)
    ax = plot_forest(res, xlabel="Mean pain change (NPRS points)")
    points = ax.collections[1].get_offsets()  # the squares (after the interval lines)
    np.testing.assert_allclose(points[:, 0], R_YI)
    diamond = ax.patches[0].get_xy()[:, 0]
    assert diamond.min() == pytest.approx(R_POOLED["ci_low"])
    assert diamond.max() == pytest.approx(R_POOLED["ci_high"])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "CLN-01 (26.1 %)" and labels[-1] == "Prediction interval"
    plt.close("all")


def test_funnel_plot_reports_egger(sample: SessionData) -> None:
    res = meta_by_clinic(sample)
    ax = plot_funnel_meta(res)
    assert f"t = {R_EGGER[0]:.2f}" in ax.get_title()
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 1], np.sqrt(R_VI))
    plt.close("all")


def _two_equal_clinics(sample: SessionData) -> SessionData:
    """CLN-01 and an exact copy of it as CLN-05: the two clinic means are equal."""
    from tpdn_outcomes.data import SessionData

    one = sample.filter(clinic_id="CLN-01")
    ids = ("session_id", "patient_id", "episode_id", "clinic_id")
    s1 = one.sessions.astype(dict.fromkeys(ids, str))
    m1 = one.measures.astype({"session_id": str})
    s2, m2 = s1.copy(), m1.copy()
    for col in ids[:3]:
        s2[col] = "copy-" + s2[col]
    s2["clinic_id"] = "CLN-05"
    m2["session_id"] = "copy-" + m2["session_id"]
    sessions = pd.concat([s1, s2], ignore_index=True).astype(dict.fromkeys(ids, "category"))
    measures = pd.concat([m1, m2], ignore_index=True).astype({"session_id": "category"})
    return SessionData(sessions, measures, metadata=one.metadata)


def test_homogeneous_clinics_knapp_hartung_is_noted(sample: SessionData) -> None:
    # metafor 3.8-1 on two equal means: rma(test = "knha") gives se 0 and a zero-width
    # interval without a word (tests/reference/stats_meta_edges.R, "equal_REML_knha");
    # meta_by_clinic notes it, and knha="adhoc" keeps the normal-based SE.
    data = _two_equal_clinics(sample)
    row = meta_by_clinic(data).pooled.iloc[0]
    assert row["ci_low"] == row["ci_high"]
    assert "zero width when all effects are equal" in row["note"]
    adhoc = meta_by_clinic(data, knha="adhoc").pooled.iloc[0]
    normal = meta_by_clinic(data, knha=False).pooled.iloc[0]
    assert adhoc["se"] == pytest.approx(normal["se"], rel=1e-12)
    assert adhoc["ci_high"] - adhoc["ci_low"] > normal["ci_high"] - normal["ci_low"]
    assert adhoc["note"] == ""


def test_one_clinic_has_i2_zero(sample: SessionData) -> None:
    # metafor: rma on one study gives I2 0 and H2 1 (stats_meta_edges.R); Knapp-Hartung
    # falls back to the normal interval, which the note says
    row = meta_by_clinic(sample.filter(clinic_id="CLN-01")).pooled.iloc[0]
    assert row["k"] == 1 and row["i2"] == 0.0 and row["h2"] == 1.0
    assert row["method"] == "REML" and "one study" in row["note"]
