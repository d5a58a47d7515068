"""clinic_benchmark against R's lm on the sample, recovery of planted clinic effects from
datasets.synthesize, and the funnel and caterpillar plots.

Expected values: tests/reference/outcomes_benchmark.R (R 4.2.2; output in
tests/reference/outcomes_benchmark.Rout.txt, 17 significant digits) on
tests/reference/data/sample_benchmark_episodes.csv, asserted equal to the library's episodes.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from tpdn_outcomes import load_sessions
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.datasets import synthesize
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.outcomes import clinic_benchmark
from tpdn_outcomes.plots import plot_caterpillar, plot_funnel

REF = Path(__file__).parent / "reference"
R_SIGMA = 1.5045566402417452
# clinic: n, observed, expected, O - E, (ci), z
R_CLINICS = {
    "CLN-01": (241, -2.6970954356846475, -2.2923480664183176, -0.40474736926632976,
               (-0.58955456226794245, -0.21994017626471699), -4.1762262053042987),
    "CLN-02": (186, -2.252688172043011, -2.3112955302011144, 0.058607358158103653,
               (-0.15924307694737119, 0.2764577932635785), 0.53125138526663673),
    "CLN-03": (136, -1.9558823529411764, -2.2945750755114687, 0.33869272257029204,
               (0.10759128330364087, 0.5697941618369432), 2.6252264881490142),
    "CLN-04": (94, -1.9042553191489362, -2.3359674160236015, 0.43171209687466533,
               (0.13942853040240236, 0.72399566334692822), 2.7819518125765215),
}  # fmt: skip


def test_reference_input_is_the_sample(sample: SessionData) -> None:
    ref = pd.read_csv(REF / "data" / "sample_benchmark_episodes.csv")
    ep = sample.episodes("pain")
    ep = ep[ep["change"].notna()]
    for col in ("episode_id", "clinic_id", "condition", "age_band", "sex"):
        np.testing.assert_array_equal(ep[col].astype(str), ref[col])
    np.testing.assert_array_equal(ep["baseline"], ref["baseline"])
    np.testing.assert_array_equal(ep["final"], ref["final"])


def test_matches_r_lm(sample: SessionData) -> None:
    table = clinic_benchmark(sample).set_index("clinic_id")
    assert table.attrs["sigma"] == pytest.approx(R_SIGMA, rel=1e-10)
    for clinic, (n, observed, expected, ome, (lo, hi), z) in R_CLINICS.items():
        row = table.loc[clinic]
        assert row["n"] == n
        assert row["observed"] == pytest.approx(observed, rel=1e-12)
        assert row["expected"] == pytest.approx(expected, rel=1e-9)
        assert row["o_minus_e"] == pytest.approx(ome, rel=1e-8)
        assert (row["ci_low"], row["ci_high"]) == (pytest.approx(lo, rel=1e-8),
                                                   pytest.approx(hi, rel=1e-8))  # fmt: skip
        assert row["z"] == pytest.approx(z, rel=1e-8)
        assert row["outside_998"] == (abs(z) > sps.norm.ppf(0.999))
    assert table.loc["CLN-01", "improvement_vs_expected"] > 0  # less pain than expected


def test_rate_flags_and_errors(sample: SessionData) -> None:
    table = clinic_benchmark(sample)
    p = table.attrs["overall_rate"]
    for _, row in table.iterrows():
        z = (row["responders"] / row["n"] - p) / np.sqrt(p * (1 - p) / row["n"])
        assert row["rate_z"] == pytest.approx(z)
        assert row["rate_outside_95"] == (abs(z) > 1.959963984540054)
    with pytest.raises(ValueError, match="cannot adjust"):
        clinic_benchmark(sample, adjust_for=("shoe_size",))
    one = sample.filter(clinic_id="CLN-01")
    with pytest.raises(ValueError, match="two clinics"):
        clinic_benchmark(one)


def test_planted_clinic_effects_are_recovered() -> None:
    # synthesize gives clinics effects that fall linearly from CLN-01 (most relief) to the
    # last clinic; with 20,000 patients the funnel finds the extremes and the order.
    wide = synthesize(n_patients=20000, n_clinics=12, seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(wide, export_date="2026-12-31")
    table = clinic_benchmark(data)
    rank = sps.spearmanr(np.arange(12), table["o_minus_e"]).statistic
    assert rank > 0.95
    flags = dict(zip(table["clinic_id"], table["outside_998"], strict=True))
    assert flags["CLN-01"] and flags["CLN-12"]
    assert not (flags["CLN-05"] and flags["CLN-06"])  # the middle is near the expectation


def test_plots(sample: SessionData) -> None:
    table = clinic_benchmark(sample)
    ax = plot_funnel(table)
    points = ax.collections[0].get_offsets()
    np.testing.assert_allclose(points[:, 0], table["n"])
    np.testing.assert_allclose(points[:, 1], table["o_minus_e"])
    assert [t.get_text() for t in ax.texts] == list(table["clinic_id"])
    rate = plot_funnel(table, metric="rate")
    np.testing.assert_allclose(rate.collections[0].get_offsets()[:, 1], 100 * table["rate"])
    cat = plot_caterpillar(table)
    labels = [t.get_text() for t in cat.get_yticklabels()]
    assert labels[0].startswith("CLN-01")  # the lowest O - E first
    with pytest.raises(ValueError, match="metric"):
        plot_funnel(table, metric="mean")
    plt.close("all")
