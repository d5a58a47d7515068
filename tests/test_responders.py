"""responder_rates / responder_curve against R on the bundled sample.

Expected values: tests/reference/outcomes_responders.R run with R 4.2.2 on
tests/reference/data/sample_pain_episodes.csv (whose equality with the library's episodes
is asserted in tests/test_outcomes.py); printed output in
tests/reference/outcomes_responders.Rout.txt. R calls: prop.test(k, n, correct = FALSE)
(Wilson) and binom.test(k, n) (Clopper-Pearson); counts with the inclusive rules of
Farrar et al. 2001 and Dworkin et al. 2008 written out in the script.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tpdn_outcomes import load_sessions
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.mcid import mcid_for, registry
from tpdn_outcomes.outcomes import responder_curve, responder_rates

# group ("overall" = by=None), definition, responders, n, Wilson CI, Clopper-Pearson CI (R 4.2.2)
R_RATES = [
    (
        "chronic_low_back_pain",
        "moderate",
        80,
        130,
        (0.52958510131319891, 0.69456069225731709),
        (0.5260529998447474, 0.69933466402548716),
    ),
    (
        "chronic_low_back_pain",
        "substantial",
        34,
        130,
        (0.1936153691642421, 0.34314999079002523),
        (0.18841442908024933, 0.34584796015953301),
    ),
    (
        "fibromyalgia",
        "moderate",
        17,
        31,
        (0.37772167637354509, 0.70838264019479968),
        (0.36034232716081654, 0.72683501399626493),
    ),
    (
        "fibromyalgia",
        "substantial",
        8,
        31,
        (0.13701705906393744, 0.43246135809433794),
        (0.11856399582955114, 0.44613393433489656),
    ),
    (
        "myofascial_pain_syndrome",
        "moderate",
        59,
        86,
        (0.58179596838515812, 0.77438702797363546),
        (0.57696989428547663, 0.78188165279002364),
    ),
    (
        "myofascial_pain_syndrome",
        "substantial",
        39,
        86,
        (0.35251594682459658, 0.55843830408570494),
        (0.34575891754985527, 0.56451328657067545),
    ),
    (
        "neck_pain",
        "moderate",
        89,
        128,
        (0.61084899160805295, 0.7683943848476078),
        (0.60779315832828251, 0.77354942219442147),
    ),
    (
        "neck_pain",
        "substantial",
        44,
        128,
        (0.26710157668112272, 0.42950372215434862),
        (0.26208553426469461, 0.43282738228873019),
    ),
    (
        "other",
        "moderate",
        9,
        21,
        (0.24469968925375948, 0.63453445630693284),
        (0.21819685688513024, 0.65979369071972527),
    ),
    (
        "other",
        "substantial",
        1,
        21,
        (0.0084559878098263777, 0.22669360074122558),
        (0.0012048834483635138, 0.23815990993682101),
    ),
    (
        "shoulder_pain",
        "moderate",
        77,
        98,
        (0.69451972585848143, 0.85535456550055811),
        (0.69128665406383938, 0.86218963146150407),
    ),
    (
        "shoulder_pain",
        "substantial",
        41,
        98,
        (0.32559186361349041, 0.51730119599821245),
        (0.31946240203428861, 0.52234099638345965),
    ),
    (
        "sports_injury",
        "moderate",
        51,
        60,
        (0.73885410930221451, 0.91902559419832253),
        (0.73425955224270489, 0.92904380474290882),
    ),
    (
        "sports_injury",
        "substantial",
        36,
        60,
        (0.47366053492040755, 0.71430509465117442),
        (0.46540543731142753, 0.72437842126446506),
    ),
    (
        "tension_type_headache",
        "moderate",
        40,
        58,
        (0.56196935575718288, 0.79377904377180919),
        (0.5545582123163505, 0.80461352261781593),
    ),
    (
        "tension_type_headache",
        "substantial",
        18,
        58,
        (0.20622095622819089, 0.43803064424281712),
        (0.19538647738218409, 0.4454417876836495),
    ),
    (
        "tmj_dysfunction",
        "moderate",
        31,
        45,
        (0.54335194422633182, 0.80471300736346596),
        (0.53350897008788423, 0.81834119606627775),
    ),
    (
        "tmj_dysfunction",
        "substantial",
        15,
        45,
        (0.21358874934330038, 0.47929511690099574),
        (0.20000568801069499, 0.48950363785836137),
    ),
    (
        "overall",
        "moderate",
        453,
        657,
        (0.65310143870761672, 0.72369090184007445),
        (0.65256231967546752, 0.72472021622596816),
    ),
    (
        "overall",
        "substantial",
        236,
        657,
        (0.32343884606874485, 0.39661503746007903),
        (0.32246521108274551, 0.3972232478004829),
    ),
]
# responder curve over all episodes: t, responders with improvement >= t (R: sum(imp >= t))
R_CURVE = [
    (0.0, 637),
    (1.0, 580),
    (2.0, 447),
    (3.0, 277),
    (4.0, 147),
    (5.0, 63),
]


@pytest.mark.parametrize("method, column", [("wilson", 4), ("clopper-pearson", 5)])
def test_rates_match_r(sample: SessionData, method: str, column: int) -> None:
    by_condition = responder_rates(sample, method=method).set_index(["condition", "definition"])
    overall = responder_rates(sample, by=None, method=method).set_index("definition")
    for group, definition, k, n, *cis in R_RATES:
        row = (
            overall.loc[definition] if group == "overall" else by_condition.loc[(group, definition)]
        )
        assert (row["responders"], row["n"]) == (k, n), (group, definition)
        np.testing.assert_allclose([row["ci_low"], row["ci_high"]], cis[column - 4], rtol=1e-12)
        assert row["rate"] == k / n


def test_curve_matches_r(sample: SessionData) -> None:
    ts = [t for t, _ in R_CURVE]
    curve = responder_curve(sample, by=None, thresholds=ts)
    assert curve["responders"].tolist() == [k for _, k in R_CURVE]


def test_curve_is_non_increasing_and_agrees_with_rates(sample: SessionData) -> None:
    curve = responder_curve(sample)
    for _, group in curve.groupby("condition", observed=True):
        assert np.all(np.diff(group["responders"].to_numpy()) <= 0)
    custom = responder_rates(sample, threshold=3, kind="absolute").set_index("condition")
    at3 = curve[curve["threshold"] == 3].set_index("condition")
    assert (custom["responders"] == at3["responders"]).all()


def _frame(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": [r[0] for r in rows],
            "condition": ["neck_pain"] * len(rows),
            "session_number": [1] * len(rows),
            "pain_pre": [r[1] for r in rows],
            "pain_post": [r[2] for r in rows],
        }
    )


def _load(frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_sessions(frame, export_date="2026-11-24")


def test_rules_are_inclusive_and_percent_needs_a_baseline() -> None:
    # A: 10 -> 7 is exactly 30 % (and 3 points); B: 5 -> 3.5 is exactly 30 % (1.5 points);
    # C: 4 -> 2 is exactly 2 points (50 %); D: 0 -> 0 cannot meet a percent threshold;
    # E: 6 -> 5 is 1 point, 16.7 %: not a responder
    data = _load(_frame([("A", 10, 7), ("B", 5, 3.5), ("C", 4, 2), ("D", 0, 0), ("E", 6, 5)]))
    rates = responder_rates(data, by=None).set_index("definition")
    assert rates.loc["moderate", "responders"] == 3  # A, B, C
    assert rates.loc["substantial", "responders"] == 1  # C
    assert rates.loc["moderate", "n"] == 5


def test_registry_override_and_rom_needs_a_threshold(sample: SessionData) -> None:
    strict = registry()
    strict.loc[strict["instrument"] == "pain", "threshold"] = [3.0, 40.0, 60.0]
    loose = responder_rates(sample, by=None).set_index("definition")
    tight = responder_rates(sample, by=None, registry=strict).set_index("definition")
    assert (tight["responders"] <= loose["responders"]).all()
    with pytest.raises(ValueError, match="threshold="):
        responder_rates(sample, measure="rom:lumbar_flexion")
    rom = responder_rates(sample, measure="rom:lumbar_flexion", threshold=5, by=None)
    assert rom["definition"].tolist() == ["custom"] and rom["threshold"].iloc[0] == ">= 5 deg"
    bad = registry().assign(kind="relative")
    with pytest.raises(ValueError, match="absolute"):
        responder_rates(sample, registry=bad)
    assert not mcid_for("function:ndi").empty


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(8))))
def test_row_order_changes_nothing(order: list[int]) -> None:
    rows = [
        ("A", 8, 5),
        ("B", 7, 7),
        ("C", 6, 2),
        ("D", 9, 8),
        ("E", 5, 3),
        ("F", 4, 1),
        ("G", 3, 3),
        ("H", 10, 4),
    ]
    a = responder_rates(_load(_frame(rows)), by=None)
    b = responder_rates(_load(_frame([rows[i] for i in order])), by=None)
    pd.testing.assert_frame_equal(a, b)
