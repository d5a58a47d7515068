"""immediate_change against R on the bundled sample.

Expected values: tests/reference/outcomes_immediate.R (R 4.2.2) on
tests/reference/data/immediate_pain_sessions.csv (every session with both a pre and a post
pain value); R averages pre and post per episode with aggregate() and runs
t.test(post, pre, paired = TRUE) per condition and overall. Printed output:
tests/reference/outcomes_immediate.Rout.txt.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from tpdn_outcomes import load_sessions
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.outcomes import immediate_change
from tpdn_outcomes.outcomes.immediate import episode_session_means

# group: episodes, sessions used, mean change, CI, t, p (R 4.2.2)
R_VALUES = {
    "chronic_low_back_pain": (
        130,
        533,
        -0.94340659340659339,
        -1.029457817598884,
        -0.85735536921430266,
        -21.691185314306903,
        7.2911428725822704e-45,
    ),
    "fibromyalgia": (
        31,
        121,
        -0.55023041474654366,
        -0.71659405658519759,
        -0.38386677290788973,
        -6.7546033991363421,
        1.7291307658367965e-07,
    ),
    "myofascial_pain_syndrome": (
        86,
        342,
        -1.0986710963455149,
        -1.183746819067037,
        -1.0135953736239924,
        -25.676566849592948,
        8.1847158158496993e-42,
    ),
    "neck_pain": (
        128,
        497,
        -1.154008556547619,
        -1.2311759943790075,
        -1.0768411187162303,
        -29.592464633856096,
        7.850486869879156e-59,
    ),
    "other": (
        21,
        82,
        -0.73888888888888893,
        -0.97154250293073541,
        -0.50623527484704245,
        -6.6248496511035686,
        1.8836052278600447e-06,
    ),
    "shoulder_pain": (
        98,
        397,
        -1.1468780369290572,
        -1.2306004107727051,
        -1.0631556630854091,
        -27.187898848570434,
        3.6347902007285272e-47,
    ),
    "sports_injury": (
        60,
        241,
        -1.2940873015873016,
        -1.4096489931506566,
        -1.1785256100239467,
        -22.407622061323629,
        1.5183702206150616e-30,
    ),
    "tension_type_headache": (
        58,
        264,
        -0.92697044334975365,
        -1.042021616953918,
        -0.81191926974558903,
        -16.133918815795216,
        6.5148412478949982e-23,
    ),
    "tmj_dysfunction": (
        45,
        167,
        -1.0067460317460317,
        -1.1320794668269443,
        -0.8814125966651194,
        -16.188523890460932,
        3.7829591128530116e-20,
    ),
    "overall": (
        657,
        2644,
        -1.0449354932231645,
        -1.0811743096081232,
        -1.0086966768382057,
        -56.61944198103977,
        1.0291002664573411e-254,
    ),
}


def test_reference_input_is_the_sample(sample: SessionData) -> None:
    from pathlib import Path

    sc = sample.session_changes("pain")
    both = sc[sc["pre"].notna() & sc["post"].notna()][["episode_id", "condition", "pre", "post"]]
    ref = pd.read_csv(Path(__file__).parent / "reference" / "data" / "immediate_pain_sessions.csv")
    pd.testing.assert_frame_equal(
        both.astype({"episode_id": str, "condition": str}).reset_index(drop=True), ref
    )


def test_matches_r(sample: SessionData) -> None:
    by_condition = immediate_change(sample).set_index("condition")
    overall = immediate_change(sample, by=None).iloc[0]
    for group, (n, k, mean, lo, hi, t, p) in R_VALUES.items():
        row = overall if group == "overall" else by_condition.loc[group]
        assert (row["n"], row["n_sessions_used"]) == (n, k), group
        np.testing.assert_allclose(
            row[["mean_change", "ci_low", "ci_high", "statistic", "p_val"]].to_numpy(float),
            [mean, lo, hi, t, p],
            rtol=1e-9,
            err_msg=group,
        )


def test_one_value_per_episode_not_per_session() -> None:
    # patient A: 3 sessions dropping 1 point each; patient B: 1 session dropping 5 points.
    # Per episode: A -1, B -5 -> mean -3 (a per-session mean would give -2).
    frame = pd.DataFrame(
        {
            "patient_id": ["A", "A", "A", "B"],
            "condition": ["neck_pain"] * 4,
            "session_number": [1, 2, 3, 1],
            "pain_pre": [6, 6, 6, 8],
            "pain_post": [5, 5, 5, 3],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(frame, export_date="2026-11-24")
    row = immediate_change(data, by=None).iloc[0]
    assert row["mean_change"] == -3 and row["n"] == 2 and row["n_sessions_used"] == 4
    means = episode_session_means(data).set_index("episode_id")
    assert (
        means.loc["A:neck_pain:1", "mean_pre"] == 6 and means.loc["B:neck_pain:1", "mean_post"] == 3
    )
