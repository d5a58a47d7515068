"""rom_change, function_change, twitch_association, adverse_event_rates and table_one,
checked against R on the bundled sample.

Expected values: tests/reference/outcomes_more.R, run with R 4.2.2 (printed output in
tests/reference/outcomes_more.Rout.txt) on tests/reference/data/sample_measure_episodes.csv,
tests/reference/data/sample_episode_baselines.csv (both asserted equal to the library's
episodes below) and the raw data/sample/sessions.csv. R calls: t.test(paired = TRUE),
prop.test(correct = FALSE) (Wilson), t.test(var.equal = FALSE) (Welch),
lm(change ~ twitch + baseline), binom.test (Clopper-Pearson), quantile (type 7), and the
Yang & Dalton SMD with MASS::ginv as tableone's ExtractSmd computes it. R printed 17
significant digits; tolerances allow floating-point noise only (rel 1e-9).
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
from tpdn_outcomes.mdc import check_mdc_registry, mdc_for, mdc_registry, rom_site
from tpdn_outcomes.outcomes import (
    UNCONTROLLED_CAVEAT,
    adverse_event_rates,
    function_change,
    rom_change,
    table_one,
    twitch_association,
)

REF = Path(__file__).parent / "reference"
REL = 1e-9


def test_reference_inputs_are_the_sample(sample: SessionData) -> None:
    ref = pd.read_csv(REF / "data" / "sample_measure_episodes.csv")
    for measure, part in ref.groupby("measure", sort=False):
        ep = sample.episodes(measure)
        ep = ep[ep["n_values"] > 0]
        np.testing.assert_array_equal(ep["episode_id"].astype(str), part["episode_id"])
        np.testing.assert_array_equal(ep["baseline"], part["baseline"])
        np.testing.assert_array_equal(ep["final"], part["final"])
        np.testing.assert_array_equal(
            ep["twitch_response"].astype(bool), part["twitch_response"].astype(bool)
        )
    base = pd.read_csv(REF / "data" / "sample_episode_baselines.csv")
    ep = sample.episodes("pain")
    for col in ("episode_id", "patient_id", "condition", "sex", "age_band", "clinic_id"):
        np.testing.assert_array_equal(ep[col].astype(str), base[col])
    np.testing.assert_array_equal(ep["n_sessions"], base["n_sessions"])
    np.testing.assert_array_equal(ep["baseline"], base["pain_baseline"])


# ---------------------------------------------------------------- rom_change
# measure, condition: n, mean, ci_low, ci_high, pct_normal, beyond, wilson low, high, worse
R_ROM = {
    ("rom:cervical_rotation_left", "myofascial_pain_syndrome"): (
        86, 7.3139534883720927, 5.6151411078982525, 9.012765868845932, 12.189922480620153,
        35, 0.30929123277851023, 0.51261726904209293, 2,
    ),
    ("rom:cervical_rotation_left", "neck_pain"): (
        128, 7.9375, 6.6751473949589846, 9.1998526050410163, 13.229166666666666,
        46, 0.28146730575525858, 0.4454774631966657, 0,
    ),
    ("rom:cervical_rotation_right", "myofascial_pain_syndrome"): (
        86, 6.7209302325581399, 5.0277331939413843, 8.4141272711748947, 11.201550387596901,
        24, 0.19528677770558545, 0.38174591411834718, 3,
    ),
    ("rom:cervical_rotation_right", "neck_pain"): (
        128, 7.84375, 6.6324849474878684, 9.0550150525121307, 13.072916666666666,
        52, 0.32510302194321716, 0.49286015735806565, 1,
    ),
    ("rom:lumbar_flexion", "chronic_low_back_pain"): (
        128, 7.171875, 5.8792851708627962, 8.4644648291372047, 8.96484375,
        21, 0.10988331645919329, 0.23781807603707014, 0,
    ),
    ("rom:mouth_opening", "tmj_dysfunction"): (
        45, 4.9555555555555557, 3.7185683434280139, 6.1925427676830962, 9.9111111111111114,
        8, 0.09294389514104151, 0.31329824626459762, 0,
    ),
    ("rom:shoulder_abduction_left", "shoulder_pain"): (
        34, 12.911764705882353, 7.5191051625706971, 18.30442424919401, 7.1732026143790852,
        10, 0.16834630670422432, 0.46168909794714436, 0,
    ),
    ("rom:shoulder_abduction_right", "shoulder_pain"): (
        61, 15.065573770491802, 10.447061583377863, 19.684085957605745, 8.3697632058287788,
        21, 0.2374750896034547, 0.46950250859431814, 0,
    ),
}  # fmt: skip


def test_rom_change_matches_r(sample: SessionData) -> None:
    table = rom_change(sample).set_index(["measure", "condition"])
    assert sorted(table.index) == sorted(R_ROM)
    for key, (n, mean, lo, hi, pct, k, wlo, whi, worse) in R_ROM.items():
        row = table.loc[key]
        assert row["n"] == n
        assert row["mean_change"] == pytest.approx(mean, rel=REL)
        assert row["ci_low"] == pytest.approx(lo, rel=REL)
        assert row["ci_high"] == pytest.approx(hi, rel=REL)
        assert row["mean_change_pct_normal"] == pytest.approx(pct, rel=REL)
        assert row["n_beyond_mdc"] == k
        assert row["share_beyond_mdc"] == pytest.approx(k / n, rel=REL)
        assert row["share_ci_low"] == pytest.approx(wlo, rel=REL)
        assert row["share_ci_high"] == pytest.approx(whi, rel=REL)
        assert row["n_worse_beyond_mdc"] == worse
    assert table.attrs["caveat"] == UNCONTROLLED_CAVEAT


def test_rom_mdc_override_and_registry(sample: SessionData) -> None:
    one = rom_change(sample, measures=["rom:mouth_opening"], by=None, mdc={"mouth_opening": 6.0})
    assert one["mdc"].iloc[0] == 6.0
    ep = sample.episodes("rom:mouth_opening")
    imp = ep["improvement"].dropna()
    assert one["n_beyond_mdc"].iloc[0] == int((imp >= 6.0).sum())
    reg = mdc_registry()
    assert set(reg["site"]) == {"cervical_rotation", "shoulder_abduction", "lumbar_flexion",
                                "mouth_opening"}  # fmt: skip
    assert reg["citation"].str.len().min() > 40
    assert rom_site("rom:shoulder_abduction_right") == "shoulder_abduction"
    assert mdc_for("rom:hip_flexion") is None
    no_mdc = rom_change(sample, measures=["rom:lumbar_flexion"], registry=reg.iloc[:0])
    assert no_mdc["mdc"].isna().all() and no_mdc["n_beyond_mdc"].isna().all()
    with pytest.raises(ValueError, match="MDC values"):
        check_mdc_registry(pd.DataFrame({"site": ["x"], "mdc": [-1.0]}))
    with pytest.raises(ValueError, match="not a range-of-motion"):
        rom_site("pain")
    with pytest.raises(ValueError, match="ROM measures"):
        rom_change(sample, measures=["pain"])


def test_rom_group_measured_but_without_pairs_keeps_its_row() -> None:
    frame = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P2", "P2", "P3"],
            "session_date": ["2026-01-05", "2026-01-12", "2026-01-05", "2026-01-12",
                             "2026-01-05"],
            "condition": ["neck_pain"] * 4 + ["tmj_dysfunction"],
            "pain_pre": [6, 5, 7, 6, 5],
            "pain_post": [5, 4, 6, 5, 4],
            "rom_cervical_rotation_left_pre": [50, 55, 40, 45, None],
            "rom_cervical_rotation_left_post": [55, 60, 45, 52, None],
            "rom_mouth_opening_pre": [None, None, None, None, 35],
            "rom_mouth_opening_post": [None, None, None, None, None],
        }
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(frame)
    table = rom_change(data)
    assert list(zip(table["measure"], table["condition"], strict=True)) == [
        ("rom:cervical_rotation_left", "neck_pain"),
        ("rom:mouth_opening", "tmj_dysfunction"),
    ]
    mouth = table.iloc[1]
    assert mouth["n"] == 0 and mouth["note"] != "" and pd.isna(mouth["n_beyond_mdc"])
    # P1: 50 -> 60 (+10 >= 9.6); P2: 40 -> 52 (+12)
    assert table.iloc[0]["n_beyond_mdc"] == 2


# ---------------------------------------------------------------- function_change
# instrument: n, mean, t, p, ci_low, ci_high
R_FUNCTION = {
    "function:fiqr": (25, -13.412000000000003, -6.0123890476092603, 3.305097000167464e-06,
                      -18.015994733102318, -8.8080052668976876),
    "function:hit6": (48, -5.5625, -7.4377599730171955, 1.7786017464956152e-09,
                      -7.0670264499282265, -4.0579735500717735),
    "function:ndi": (170, -5.6411764705882357, -18.343565184599051, 4.6498166058188989e-42,
                     -6.2482694147556339, -5.0340835264208392),
    "function:odi": (103, -7.8640776699029127, -9.5999493911853193, 6.2582049091976329e-16,
                     -9.4889154826464956, -6.2392398571593306),
    "function:psfs": (77, 2.8766233766233764, 19.513236205376003, 2.51800880105382e-31,
                      2.5830128280099243, 3.1702339252368286),
    "function:quickdash": (79, -13.305063291139239, -12.943906025436572,
                           4.0888905102201861e-21, -15.351458421130552, -11.258668161147929),
}  # fmt: skip


def test_function_change_matches_r(sample: SessionData) -> None:
    table = function_change(sample, by=None).set_index("measure")
    assert sorted(table.index) == sorted(R_FUNCTION)
    for m, (n, mean, t, p, lo, hi) in R_FUNCTION.items():
        row = table.loc[m]
        assert row["n"] == n
        assert row["mean_change"] == pytest.approx(mean, rel=REL)
        assert row["statistic"] == pytest.approx(t, rel=REL)
        assert row["p_val"] == pytest.approx(p, rel=1e-7)
        assert row["ci_low"] == pytest.approx(lo, rel=REL)
        assert row["ci_high"] == pytest.approx(hi, rel=REL)
    # direction: PSFS is the one instrument where higher is better
    assert table.loc["function:psfs", "mean_improvement"] > 0
    assert (
        table.loc["function:odi", "mean_improvement"] == -table.loc["function:odi", "mean_change"]
    )
    by_condition = function_change(sample, instruments=["odi"])
    assert list(by_condition["condition"]) == ["chronic_low_back_pain"]
    with pytest.raises(KeyError, match="unknown measure"):
        function_change(sample, instruments=["function:nope"])


# ---------------------------------------------------------------- twitch_association
# label: n twitch, n no twitch, diff, ci, t, df, p, adj, se, t, p, ci, df
R_TWITCH = {
    None: (582, 75, -0.62962199312714784, -0.96553486791128607, -0.29370911834300967,
           -3.7170314968664795, 103.75503054588495, 0.0003270060059857809,
           -0.68625635084740644, 0.18734491231307637, -3.6630637169403766,
           0.00026938406899507821, -1.0541264307495752, -0.31838627094523775, 654),
    "neck_pain": (110, 18, -0.62929292929292924, -1.2750614281437471, 0.016475569557888921,
                  -1.9982250774602446, 27.367876095597186, 0.055717211689322838,
                  -0.66448619348979798, 0.36981146891392574, -1.7968241910973786,
                  0.074778292664474402, -1.3963889875587723, 0.067416600579176311, 125),
    "shoulder_pain": (89, 9, -0.90761548064918873, -1.4831487267840184,
                      -0.33208223451435903, -3.3125745210285888, 18.04391547293147,
                      0.0038623467958276802, -0.98766339138545667, 0.48629442157716934,
                      -2.0309988096968654, 0.045049320230478772, -1.9530798798206577,
                      -0.022246902950255665, 95),
}  # fmt: skip


def test_twitch_association_matches_r(sample: SessionData) -> None:
    overall = twitch_association(sample, by=None).iloc[0]
    by_condition = twitch_association(sample).set_index("condition")
    for label, expected in R_TWITCH.items():
        row = overall if label is None else by_condition.loc[label]
        (nt, nn, diff, lo, hi, t, df, p, adj, se, at, ap, alo, ahi, adf) = expected
        assert (row["n_twitch"], row["n_no_twitch"]) == (nt, nn)
        for col, value in [("difference", diff), ("ci_low", lo), ("ci_high", hi),
                           ("statistic", t), ("dof", df), ("p_val", p),
                           ("adjusted_difference", adj), ("adjusted_se", se),
                           ("adjusted_statistic", at), ("adjusted_p_val", ap),
                           ("adjusted_ci_low", alo), ("adjusted_ci_high", ahi),
                           ("adjusted_dof", adf)]:  # fmt: skip
            assert row[col] == pytest.approx(value, rel=1e-8), (label, col)
    assert "association" in twitch_association(sample).attrs["caveat"].lower()
    with pytest.raises(ValueError, match="do not group by it"):
        twitch_association(sample, by="twitch_response")


def test_twitch_small_group_row_says_why(sample: SessionData) -> None:
    table = twitch_association(sample, by="sex").set_index("sex")
    other = table.loc["other"]
    assert other["n_no_twitch"] < 2 and other["note"].startswith("fewer than two")
    assert np.isnan(other["difference"])


# ---------------------------------------------------------------- adverse_event_rates
# label: k, n, Clopper-Pearson low, high  (binom.test)
R_AE = {
    ("overall", "any", "session"): (1087, 2726, 0.38030559150958887, 0.4174176245728638),
    ("overall", "any", "patient"): (498, 600, 0.79750443275991201, 0.85920458818362921),
    ("fibromyalgia", "any", "session"): (49, 121, 0.31669376823412232, 0.49798905848225761),
    ("fibromyalgia", "any", "patient"): (25, 30, 0.65278830116585618, 0.94357830353192851),
    ("neck_pain", "any", "session"): (188, 512, 0.32532892019547638, 0.4105892504580404),
    ("neck_pain", "any", "patient"): (98, 126, 0.69508956022213764, 0.84696970834143759),
    ("overall", "fainting", "session"): (2, 2726, 8.8863885877948844e-05,
                                         0.0026477503726591331),
    ("overall", "fainting", "patient"): (2, 600, 0.0004039373604426609, 0.011988833958652467),
    ("fibromyalgia", "fainting", "session"): (0, 121, 0.0, 0.030026577222757811),
    ("fibromyalgia", "fainting", "patient"): (0, 30, 0.0, 0.11570330822202779),
    ("neck_pain", "fainting", "session"): (0, 512, 0.0, 0.0071789500262594563),
    ("neck_pain", "fainting", "patient"): (0, 126, 0.0, 0.028852406856720969),
    ("overall", "bruising", "session"): (185, 2726, 0.058707963404858045, 0.077962565879700851),
    ("overall", "bruising", "patient"): (156, 600, 0.22532348447466155, 0.29705815701749305),
    ("fibromyalgia", "bruising", "session"): (9, 121, 0.034574388847879299, 0.13650279215109906),
    ("fibromyalgia", "bruising", "patient"): (9, 30, 0.14734518475470104, 0.49395904146255365),
    ("neck_pain", "bruising", "session"): (35, 512, 0.048073325372727398, 0.093791792786011685),
    ("neck_pain", "bruising", "patient"): (30, 126, 0.16676966626592279, 0.32212698200702738),
}  # fmt: skip


def test_adverse_event_rates_match_r(sample: SessionData) -> None:
    overall = adverse_event_rates(sample, by=None).set_index(["event", "unit"])
    by_condition = adverse_event_rates(sample).set_index(["condition", "event", "unit"])
    for (label, event, unit), (k, n, lo, hi) in R_AE.items():
        row = (
            overall.loc[(event, unit)]
            if label == "overall"
            else by_condition.loc[(label, event, unit)]
        )
        assert (row["events"], row["n"]) == (k, n), (label, event, unit)
        assert row["rate"] == pytest.approx(k / n, rel=REL)
        assert row["ci_low"] == pytest.approx(lo, rel=1e-8, abs=1e-15)
        assert row["ci_high"] == pytest.approx(hi, rel=1e-8)


def test_adverse_events_missing_counted_not_taken_as_none() -> None:
    frame = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P2", "P3"],
            "session_date": ["2026-01-05", "2026-01-12", "2026-01-05", "2026-01-05"],
            "condition": ["neck_pain"] * 4,
            "pain_pre": [6, 5, 7, 6],
            "pain_post": [5, 4, 6, 5],
            "adverse_events": ["soreness", None, "none", None],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(frame)
    table = adverse_event_rates(data, by=None, events=["any", "soreness"]).set_index(
        ["event", "unit"]
    )
    session = table.loc[("any", "session")]
    assert (session["events"], session["n"], session["n_not_recorded"]) == (1, 2, 2)
    patient = table.loc[("any", "patient")]
    # P1 recorded (soreness), P2 recorded (none), P3 never recorded
    assert (patient["events"], patient["n"], patient["n_not_recorded"]) == (1, 2, 1)
    with pytest.raises(ValueError, match="unknown adverse event"):
        adverse_event_rates(data, events=["nausea"])


# ---------------------------------------------------------------- table_one
def test_table_one_matches_r(sample: SessionData) -> None:
    t1 = table_one(sample, by="sex", measures=["pain"])
    tab = t1.table
    assert t1.groups == ["female", "male", "other", "unknown"]

    def cell(variable: str, group: str, col: str, level: str = "") -> float:
        row = tab[(tab["variable"] == variable) & (tab["group"] == group) & (tab["level"] == level)]
        assert len(row) == 1
        return float(row[col].iloc[0])

    for g, n, n_pat in [("female", 367, 331), ("male", 275, 254), ("other", 5, 4),
                        ("unknown", 12, 11)]:  # fmt: skip
        assert cell("n_episodes", g, "n") == n
        assert cell("n_patients", g, "n") == n_pat
    r_pain = {  # mean, sd, sessions q1, median, q3
        "female": (6.307901907356948, 1.43169344918109, 2, 4, 5.5),
        "male": (6.1018181818181816, 1.5697285679506752, 3, 4, 6),
        "other": (4.0, 0.70710678118654757, 3, 3, 4),
        "unknown": (5.833333333333333, 1.0298573010888745, 2, 3.5, 4.25),
    }
    for g, (mean, sd, q1, med, q3) in r_pain.items():
        assert cell("pain", g, "mean") == pytest.approx(mean, rel=REL)
        assert cell("pain", g, "sd") == pytest.approx(sd, rel=REL)
        assert (cell("n_sessions", g, "q1"), cell("n_sessions", g, "median"),
                cell("n_sessions", g, "q3")) == (q1, med, q3)  # fmt: skip
    counts = [56, 60, 87, 68, 40, 38, 16, 2]
    levels = ["18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+"]
    for level, c in zip(levels, counts, strict=True):
        assert cell("age_band", "female", "count", level) == c
        assert cell("age_band", "female", "percent", level) == pytest.approx(100 * c / 367)
    smd = t1.smd.set_index("variable")
    pairs = [0.13717906283492645, 2.0440140328933234, 0.38054777725238292, 1.7265038159683281,
             0.20224441834026663, 2.0754381141570546]  # fmt: skip
    np.testing.assert_allclose(smd.loc["pain"].iloc[2:].to_numpy(float), pairs, rtol=REL)
    assert smd.loc["pain", "smd"] == pytest.approx(1.0943212035743803, rel=REL)
    assert smd.loc["n_sessions", "smd"] == pytest.approx(0.17721399784552794, rel=REL)
    age_pairs = [0.22456814462259328, 2.106885873627808, 0.792335787461248, 1.9286159046018438,
                 0.87907362558129443, 3.2403703492039324]  # fmt: skip
    np.testing.assert_allclose(smd.loc["age_band"].iloc[2:].to_numpy(float), age_pairs, rtol=1e-8)
    assert smd.loc["age_band", "smd"] == pytest.approx(1.5286416141831201, rel=1e-8)
    assert smd.loc["practitioner_role", "smd"] == pytest.approx(0.5350951179296447, rel=1e-8)
    assert smd.loc["twitch_response", "smd"] == pytest.approx(0.34237595365860413, rel=1e-8)


def test_table_one_formatted_and_missing(sample: SessionData) -> None:
    t1 = table_one(sample)
    view = t1.formatted()
    assert list(view.columns) == ["variable", *t1.groups, "Overall", "SMD", "Missing"]
    assert view.iloc[0].tolist()[:2] == ["n_episodes", "131"]
    lumbar = view[view["variable"].str.startswith("baseline rom:lumbar_flexion")].iloc[0]
    assert lumbar["neck_pain"] == "-"  # never measured there
    assert int(lumbar["Missing"]) == 659 - 128  # counted, not hidden
    assert "<table" in t1._repr_html_() and "n_episodes" in repr(t1)
    no_group = table_one(sample, by=None, measures=["pain"])
    assert no_group.groups == ["All"] and no_group.smd.empty


def test_grouped_fast_path_matches_pandas_groupby() -> None:
    from tpdn_outcomes.outcomes._common import grouped

    rng = np.random.default_rng(3)
    cats = pd.Categorical(rng.choice(["b", "a", "c", None], 500), categories=["c", "b", "a", "z"])
    frame = pd.DataFrame({"k": cats, "v": rng.normal(size=500)})
    fast = list(grouped(frame, ["k"]))
    slow = list(frame.groupby(["k"], observed=True, dropna=False, sort=True))
    assert len(fast) == len(slow) == 4  # 'z' is unobserved; the missing group comes last
    for (key_f, g_f), (key_s, g_s) in zip(fast, slow, strict=True):
        assert (pd.isna(key_f[0]) and pd.isna(key_s[0])) or key_f == key_s
        pd.testing.assert_frame_equal(g_f, g_s)


@pytest.mark.parametrize("seed", range(5))
def test_exclusion_texts_counted_in_place_equal_value_counts(seed: int) -> None:
    from tpdn_outcomes.outcomes._common import GroupIndex, exclusion_text

    rng = np.random.default_rng(seed)
    reasons = ["", "no baseline", "no final value", "no values", "unused"]
    n = 400
    notes = pd.Categorical(
        rng.choice([*reasons[:4], None], n, p=[0.4, 0.2, 0.2, 0.1, 0.1]), categories=reasons
    )
    if seed == 0:  # ties between reasons, in and out of category order
        notes = pd.Categorical(["no final value", "no baseline"] * 5 + [""] * 3, categories=reasons)
    frame = pd.DataFrame(
        {"k": pd.Categorical(rng.choice(["a", "b", "c"], len(notes))), "note": notes}
    )
    index = GroupIndex(frame, ["k"])
    expected = [exclusion_text(view["note"]) for _, view in index]
    assert index.exclusion_texts("note") == expected
    plain = GroupIndex(frame.assign(note=frame["note"].astype(object)), ["k"])  # the general way
    assert plain.exclusion_texts("note") == [exclusion_text(view["note"]) for _, view in plain]
