"""change_summary: the pipeline (load -> episodes -> by condition -> paired_change -> Holm)
checked against R on the bundled sample.

Expected values: tests/reference/outcomes_change_summary.R, run with R 4.2.2 on
tests/reference/data/sample_pain_episodes.csv (the sample's pain episodes); its printed
output is tests/reference/outcomes_change_summary.Rout.txt. R calls:
t.test(final, baseline, paired = TRUE); wilcox.test(final, baseline, paired = TRUE,
conf.int = TRUE); p.adjust(p, "holm").
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes import load_sessions
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.outcomes import UNCONTROLLED_CAVEAT, change_summary
from tpdn_outcomes.stats import paired_change

REF = Path(__file__).parent / "reference"

# condition: n, mean, t, df, p, ci_low, ci_high, V, wilcoxon p, HL, HL ci_low, HL ci_high
R_VALUES = {
    "chronic_low_back_pain": (
        130,
        -1.88461538461538,
        -13.1726097284791,
        129,
        1.22656659150727e-25,
        -2.16768440224661,
        -1.60154636698416,
        121,
        6.67507432126954e-18,
        -2.49999980222247,
        -2.50007688118176,
        -2.00001376987063,
    ),
    "fibromyalgia": (
        31,
        -1.83870967741935,
        -5.15771986790751,
        30,
        1.49225141731584e-05,
        -2.56677289634162,
        -1.11064645849709,
        21.5,
        8.57710189402131e-05,
        -2.00005120008505,
        -2.99999801425689,
        -1.499946848749,
    ),
    "myofascial_pain_syndrome": (
        86,
        -2.53488372093023,
        -13.4050303937608,
        85,
        1.12550922676055e-22,
        -2.91086406588028,
        -2.15890337598019,
        60,
        2.39242308294923e-14,
        -2.50002483898759,
        -3.00003587305776,
        -2.4999978312344,
    ),
    "neck_pain": (
        128,
        -2.4296875,
        -18.274212717576,
        127,
        2.33134230341218e-37,
        -2.69278573369841,
        -2.16658926630159,
        17,
        7.56984563039274e-22,
        -2.49991161099579,
        -2.50002413363592,
        -2.00002348360361,
    ),
    "other": (
        21,
        -1.28571428571429,
        -4.78795658939038,
        20,
        0.000112086717922335,
        -1.84585992478931,
        -0.725568646639263,
        4,
        0.000852431608137105,
        -1.50005397735627,
        -2.000002263951,
        -1.00003915509148,
    ),
    "shoulder_pain": (
        98,
        -2.60204081632653,
        -17.4453134854479,
        97,
        1.13306371973086e-31,
        -2.89807050610114,
        -2.30601112655192,
        7.5,
        9.81489227565629e-17,
        -2.99997542992703,
        -3.00004178860954,
        -2.49994401383303,
    ),
    "sports_injury": (
        60,
        -2.85,
        -16.0478600136146,
        59,
        3.4323490834381e-23,
        -3.20536431790366,
        -2.49463568209634,
        0,
        1.23884310904423e-11,
        -2.99996001822673,
        -3.00004074214889,
        -2.49995476873684,
    ),
    "tension_type_headache": (
        58,
        -2.20689655172414,
        -10.7428487289752,
        57,
        2.54790257473398e-15,
        -2.61826175182573,
        -1.79553135162254,
        24,
        2.98011829560539e-10,
        -2.49996594001018,
        -2.50000747708779,
        -1.99995529262547,
    ),
    "tmj_dysfunction": (
        45,
        -2.26666666666667,
        -10.1470962719902,
        44,
        4.25017151864637e-13,
        -2.71686112423601,
        -1.81647220909732,
        0,
        1.27016493114835e-08,
        -2.00005611650757,
        -2.99995547853484,
        -1.9999492744829,
    ),
}
# p.adjust(p, "holm") over the conditions in the order above
R_HOLM = [
    8.58596614055091e-25,
    2.98450283463169e-05,
    5.62754613380277e-22,
    2.09820807307096e-36,
    0.000112086717922335,
    9.0645097578469e-31,
    2.05940945006286e-22,
    1.01916102989359e-14,
    1.27505145559391e-12,
]
COLUMNS = [
    "n",
    "mean_change",
    "statistic",
    "dof",
    "p_val",
    "ci_low",
    "ci_high",
    "wilcoxon_statistic",
    "wilcoxon_p_val",
    "hl_estimate",
    "hl_ci_low",
    "hl_ci_high",
]


def test_reference_input_is_the_sample(sample: SessionData) -> None:
    # the R script's input must be exactly what the library derives from the sample
    ep = sample.episodes("pain")[["episode_id", "condition", "baseline", "final"]]
    ref = pd.read_csv(REF / "data" / "sample_pain_episodes.csv")
    pd.testing.assert_frame_equal(
        ep.astype({"episode_id": str, "condition": str}).reset_index(drop=True), ref
    )


def test_change_summary_matches_r(sample: SessionData) -> None:
    # R's wilcox.test drops zero changes: its Hodges-Lehmann is hl_zero_method="wilcox"
    table = change_summary(
        sample, measure="pain", by="condition", hl_zero_method="wilcox"
    ).set_index("condition")
    assert list(table.index) == sorted(R_VALUES)
    for condition, expected in R_VALUES.items():
        got = table.loc[condition, COLUMNS].to_numpy(dtype=float)
        # t-test parts: printed to 15 significant digits
        np.testing.assert_allclose(got[:9], expected[:9], rtol=1e-9, err_msg=condition)
        # Hodges-Lehmann: R's uniroot(tol = 1e-4) answer, reproduced by the same algorithm
        np.testing.assert_allclose(got[9:], expected[9:], rtol=1e-7, err_msg=condition)
    np.testing.assert_allclose(table["p_adj"].to_numpy(), R_HOLM, rtol=1e-9)


def test_default_hodges_lehmann_is_of_all_changes(sample: SessionData) -> None:
    # the default columns are paired_change's default (all changes, Pratt's zeros) on each
    # condition's episodes; every other column is unchanged by the convention
    table = change_summary(sample, measure="pain", by="condition").set_index("condition")
    r_conv = change_summary(
        sample, measure="pain", by="condition", hl_zero_method="wilcox"
    ).set_index("condition")
    ep = sample.episodes("pain").dropna(subset=["baseline", "final"])
    for condition, group in ep.groupby("condition", observed=True):
        want = paired_change(group["baseline"], group["final"]).iloc[0]
        got = table.loc[condition]
        for col in ("hl_estimate", "hl_ci_low", "hl_ci_high"):
            assert got[col] == want[col] or (np.isnan(got[col]) and np.isnan(want[col]))
    hl = ["hl_estimate", "hl_ci_low", "hl_ci_high", "note"]
    pd.testing.assert_frame_equal(table.drop(columns=hl), r_conv.drop(columns=hl))
    # chronic low back pain: R's convention gives -2.5 in [-2.5, -2] (R_VALUES), the
    # Walsh median of all 130 changes is -2 (brute force: median of all (d_i + d_j)/2)
    d = (
        ep.loc[ep["condition"] == "chronic_low_back_pain", "final"].to_numpy()
        - ep.loc[ep["condition"] == "chronic_low_back_pain", "baseline"].to_numpy()
    )
    i, j = np.triu_indices(d.size)
    assert table.loc["chronic_low_back_pain", "hl_estimate"] == np.median((d[i] + d[j]) / 2)


def test_counts_exclusions_and_direction(sample: SessionData) -> None:
    table = change_summary(sample, by="condition")
    assert (table["n_episodes"] == table["n"] + table["n_excluded"]).all()
    assert table["n_episodes"].sum() == len(sample.episodes("pain"))
    clbp = table.set_index("condition").loc["chronic_low_back_pain"]
    assert clbp["n_excluded"] == clbp["n_episodes"] - 130
    assert "no final value" in clbp["excluded_reasons"]
    # pain: lower is better, so improvement = -change
    np.testing.assert_allclose(table["mean_improvement"], -table["mean_change"])
    assert table.attrs["caveat"] == UNCONTROLLED_CAVEAT


def test_group_with_fewer_than_two_episodes_gives_a_row_that_says_why() -> None:
    frame = pd.DataFrame(
        {
            "patient_id": ["A", "A", "B", "B", "C"],
            "condition": ["neck_pain", "neck_pain", "neck_pain", "neck_pain", "fibromyalgia"],
            "session_number": [1, 2, 1, 2, 1],
            "pain_pre": [7, 6, 8, 5, 6],
            "pain_post": [6, 4, 6, 3, 5],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(frame, export_date="2026-11-24")
    table = change_summary(data).set_index("condition")
    assert np.isnan(table.loc["fibromyalgia", "mean_change"])
    assert table.loc["fibromyalgia", "note"] != ""
    # neck pain: changes 4-7 = -3 and 3-8 = -5
    assert table.loc["neck_pain", "mean_change"] == -4


def test_overall_and_multiple_groupings(sample: SessionData) -> None:
    overall = change_summary(sample, by=None)
    assert len(overall) == 1 and overall["n_episodes"].iloc[0] == len(sample.episodes())
    two = change_summary(sample, by=["condition", "practitioner_role"])
    assert {"condition", "practitioner_role"} <= set(two.columns)
    assert two["n_episodes"].sum() == len(sample.episodes())
    q = change_summary(sample, by="quarter")
    assert q["quarter"].str.fullmatch(r"\d{4}Q[1-4]").all()
    with pytest.raises(ValueError, match="cannot group by"):
        change_summary(sample, by="colour")


def test_rom_direction(sample: SessionData) -> None:
    rom = change_summary(sample, measure="rom:lumbar_flexion", by=None)
    assert rom["higher_is_better"].iloc[0]
    np.testing.assert_allclose(rom["mean_improvement"], rom["mean_change"])


def test_regression_to_mean_beside_the_change(sample: SessionData) -> None:
    # Barnett et al. 2005: expected RTM for a group with mean baseline x is (1 - rho)(x - mu);
    # a high baseline is expected to fall, so the effect is signed like a change (negative)
    rtm = {"population_mean": 4.0, "population_sd": 2.5, "correlation": 0.7}
    table = change_summary(sample, by="condition", rtm=rtm)
    expected = -(1 - 0.7) * (table["mean_baseline"] - 4.0)
    np.testing.assert_allclose(table["rtm_effect"], expected, rtol=1e-12)
    np.testing.assert_allclose(
        table["mean_change_beyond_rtm"], table["mean_change"] - expected, rtol=1e-12
    )
    assert "rtm_effect" not in change_summary(sample).columns
