"""stats.meta_analysis, effect_size and egger_test against metafor 3.8-1 (R 4.2.2).

Expected values: tests/reference/stats_meta.R, printed to tests/reference/stats_meta.Rout.txt
with 17 significant digits (constants below are that output). Data: metafor's dat.bcg (log
risk ratios from escalc "RR") and dat.normand1999 (two-group means, SDs and n). metafor was
run with its REML threshold and PM uniroot tolerance tightened so the printed digits are the
estimates'; the tolerance here is 1e-9 relative (1e-7 for the p-values of tiny size).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tpdn_outcomes.stats import effect_size, egger_test, meta_analysis

R_DATA = {
    "yi": "-0.88931133392020545,-1.5853886572014306,-1.3480731482996933,-1.4415511900213054,-0.21754732221129558,-0.78611558581886398,-1.6208982235983918,0.011952333523840508,-0.4694176487381494,-1.3713448034727844,-0.33935882833839059,0.44591340057137874,-0.017313948216879815",
    "vi": "0.32558476500396133,0.19458112139814385,0.41536796536796539,0.020010031902247573,0.051210172169630863,0.0069056184559087574,0.22301724757231517,0.0039615792978177295,0.056434210463248966,0.07302479361302891,0.01241221397155972,0.53250584520015276,0.071404659683986293",
    "N99_MD_yi": "-20,-2,-55,-71,-4,1,11,-10,7",
    "N99_MD_vi": "40.50802315963606,2.0806451612903225,15.698403755868545,150.22222222222223,17.307692307692307,1.1673414304993253,94.589126559714799,6.3108792846497765,19.842307692307692",
    "N99_SMD_yi": "-0.35516964094010689,-0.34794002273909852,-2.3175691601637305,-1.8879822529368466,-0.38396414116970129,0.17214866906959103,0.2720520738529319,-0.42459627189426086,0.28955623008075509",
    "N99_SMD_vi": "0.013064675541529683,0.064468876098856681,0.045812110280182811,0.16061773593617348,0.20543327839222422,0.036910570000361909,0.060267125836432664,0.014863038419332694,0.036271734158054549",
    "N99_m1": "55,27,64,66,14,19,52,21,30",
    "N99_sd1": "47,7,17,20,8,7,45,16,27",
    "N99_n1": "155,31,75,18,8,57,34,110,60",
    "N99_m2": "75,29,119,137,18,18,41,31,23",
    "N99_sd2": "64,4,29,48,11,4,34,27,20",
    "N99_n2": "156,32,71,18,13,52,33,183,52",
}

R_FITS = {
    "bcg_REML": {
        "est": "-0.71453234215813966",
        "se": "0.1797815161052069",
        "ci": "-1.0668976388103528,-0.36216704550592649",
        "stat": "-3.9744483061317619",
        "p": "7.0542581016423697e-05",
        "tau2": "0.3132432581364859",
        "i2": "92.221384521269073",
        "h2": "12.855758235309356",
        "q": "152.23300808237329",
        "qp": "1.9967645908459738e-26",
        "pi": "-1.8666922179028962,0.43762753358661677",
        "weights": "5.0594827343666582,6.3646793725630282,4.4360274026013968,9.6987470189206846,8.8684563912428906,10.095738544239072,6.0271814144444678,10.189439037095664,8.7431332116381917,8.367607257885874,9.9250269998113865,3.8216290629895808,8.4028515522011009",
    },
    "bcg_DL": {
        "est": "-0.71411722207322692",
        "se": "0.1787420895354031",
        "ci": "-1.0644452800840507,-0.36378916406240319",
        "stat": "-3.9952381888865807",
        "p": "6.462924304703998e-05",
        "tau2": "0.30876026286237618",
        "i2": "92.117346854562058",
        "h2": "12.686084006864441",
        "q": "152.23300808237329",
        "qp": "1.9967645908459738e-26",
        "pi": "-1.8581537527321683,0.42991930858571437",
        "weights": "5.0364916832317261,6.3473291826419755,4.4120272247306076,9.7176463568142921,8.8753773816567243,10.121060419345179,6.0079138257212463,10.216342533284294,8.7484167765581216,8.3682517242631338,9.9475318951447225,3.7976966224232349,8.4039143741847475",
    },
    "bcg_PM": {
        "est": "-0.71496815349344411",
        "se": "0.18089219153762351",
        "ci": "-1.0695103339917074,-0.36042597299518092",
        "stat": "-3.9524544836129034",
        "p": "7.7353646079027561e-05",
        "tau2": "0.31806845220502394",
        "i2": "92.330337954153251",
        "h2": "13.03838414290386",
        "q": "152.23300808237329",
        "qp": "1.9967645908459738e-26",
        "pi": "-1.875807082484017,0.44587077549712861",
        "weights": "5.0837910981279055,6.3829146934224754,4.4614617130090721,9.6788132038895593,8.8610557989096836,10.069106403699916,6.0474680762676982,10.161159444222678,8.7374505500562361,8.3667987901042444,9.9013310938438153,3.8470460557188613,8.4016030787278542",
    },
    "bcg_FE": {
        "est": "-0.43028516365409092",
        "se": "0.040498751710863812",
        "ci": "-0.5096612584262139,-0.35090906888196793",
        "stat": "-10.624652501046512",
        "p": "2.2886293069732448e-26",
        "tau2": "0",
        "i2": "92.117346854562058",
        "h2": "12.686084006864441",
        "q": "152.23300808237329",
        "qp": "1.9967645908459738e-26",
        "pi": "",
        "weights": "0.50375480256830796,0.84291265172749719,0.39486648631779353,8.1966330596103116,3.2027794882338854,23.750934121400952,0.73543589475354942,41.401389870996276,2.9063025364841262,2.2460164678172583,13.21399142728518,0.30800580029721786,2.2969773925076571",
    },
    "bcg_REML_knha": {
        "est": "-0.71453234215813966",
        "se": "0.18079174409284798",
        "ci": "-1.1084437136855514,-0.32062097063072803",
        "stat": "-3.9522398865248083",
        "p": "0.0019200150960572951",
        "tau2": "0.3132432581364859",
        "i2": "92.221384521269073",
        "h2": "12.855758235309356",
        "q": "152.23300808237329",
        "qp": "1.9967645908459738e-26",
        "pi": "-1.9960168341962121,0.5669521498799327",
        "weights": "5.0594827343666582,6.3646793725630282,4.4360274026013968,9.6987470189206846,8.8684563912428906,10.095738544239072,6.0271814144444678,10.189439037095664,8.7431332116381917,8.367607257885874,9.9250269998113865,3.8216290629895808,8.4028515522011009",
    },
    "bcg_DL_knha": {
        "est": "-0.71411722207322692",
        "se": "0.18069662833554737",
        "ci": "-1.1078213541683284,-0.3204130899781254",
        "stat": "-3.9520229494660852",
        "p": "0.0019207667670473566",
        "tau2": "0.30876026286237618",
        "i2": "92.117346854562058",
        "h2": "12.686084006864441",
        "q": "152.23300808237329",
        "qp": "1.9967645908459738e-26",
        "pi": "-1.9872069634307388,0.55897251928428504",
        "weights": "5.0364916832317261,6.3473291826419755,4.4120272247306076,9.7176463568142921,8.8753773816567243,10.121060419345179,6.0079138257212463,10.216342533284294,8.7484167765581216,8.3682517242631338,9.9475318951447225,3.7976966224232349,8.4039143741847475",
    },
    "n99_SMD_REML": {
        "est": "-0.53710825843296062",
        "se": "0.308661490278691",
        "ci": "-1.142073662793655,0.067857145927733731",
        "stat": "-1.7401207320939345",
        "p": "0.081837820577363607",
        "tau2": "0.79084291375077831",
        "i2": "95.494937073421127",
        "h2": "22.197248213786786",
        "q": "123.72927435971823",
        "qp": "5.6225132320430431e-23",
        "pi": "-2.3820943362353564,1.3078778193694354",
        "weights": "11.851102894168688,11.138852136927916,11.387240002701141,10.013227095877133,9.5628015938162054,11.509696721458374,11.193842294149109,11.824650832534426,11.518586428367017",
    },
}
R_EGGER = (-1.4012820022893326, 0.18870699508197877, 11)  # statistic, p, dof


def _f(text: str) -> np.ndarray:
    return np.array([float(x) for x in text.split(",")]) if text else np.array([])


YI, VI = _f(R_DATA["yi"]), _f(R_DATA["vi"])
CASES = {
    "bcg_REML": ("REML", False),
    "bcg_DL": ("DL", False),
    "bcg_PM": ("PM", False),
    "bcg_FE": ("FE", False),
    "bcg_REML_knha": ("REML", True),
    "bcg_DL_knha": ("DL", True),
}


@pytest.mark.parametrize("label", list(CASES))
def test_pooled_and_weights_match_metafor(label: str) -> None:
    method, knha = CASES[label]
    expected = R_FITS[label]
    res = meta_analysis(YI, VI, method=method, knha=knha)
    row = res.pooled.iloc[0]
    for col, key in [("estimate", "est"), ("se", "se"), ("statistic", "stat"), ("tau2", "tau2"),
                     ("i2", "i2"), ("h2", "h2"), ("q", "q")]:  # fmt: skip
        assert row[col] == pytest.approx(float(expected[key]), rel=1e-9, abs=1e-15), col
    for col, key in [("p_val", "p"), ("q_p_val", "qp")]:
        assert row[col] == pytest.approx(float(expected[key]), rel=1e-7), col
    np.testing.assert_allclose([row["ci_low"], row["ci_high"]], _f(expected["ci"]), rtol=1e-9)
    if expected["pi"]:
        np.testing.assert_allclose([row["pi_low"], row["pi_high"]], _f(expected["pi"]), rtol=1e-9)
    else:
        assert np.isnan(row["pi_low"]) and np.isnan(row["pi_high"])
    np.testing.assert_allclose(res.studies["weight"], _f(expected["weights"]), rtol=1e-9)
    assert row["q_dof"] == 12 and row["k"] == 13


def test_effect_sizes_match_escalc() -> None:
    args = [_f(R_DATA[f"N99_{k}"]) for k in ("m1", "sd1", "n1", "m2", "sd2", "n2")]
    for measure in ("MD", "SMD"):
        out = effect_size(*args, measure=measure)
        np.testing.assert_allclose(out["effect"], _f(R_DATA[f"N99_{measure}_yi"]), rtol=1e-12)
        np.testing.assert_allclose(out["variance"], _f(R_DATA[f"N99_{measure}_vi"]), rtol=1e-12)
    smd = effect_size(*args)
    res = meta_analysis(smd["effect"], smd["variance"], method="REML")
    expected = R_FITS["n99_SMD_REML"]
    assert res.pooled["estimate"].iloc[0] == pytest.approx(float(expected["est"]), rel=1e-9)
    assert res.pooled["tau2"].iloc[0] == pytest.approx(float(expected["tau2"]), rel=1e-9)


def test_approximate_correction_is_hedges_formula() -> None:
    # Hedges (1981): J = 1 - 3 / (4 m - 1), m = n1 + n2 - 2; d with the pooled SD
    out = effect_size([10.0], [2.0], [12], [8.0], [3.0], [10], correction="approx")
    sp = np.sqrt((11 * 4 + 9 * 9) / 20)
    assert out["effect"].iloc[0] == pytest.approx((1 - 3 / 79) * 2 / sp, rel=1e-14)


def test_egger_matches_regtest_lm() -> None:
    out = egger_test(YI, VI).iloc[0]
    stat, p, dof = R_EGGER
    assert out["statistic"] == pytest.approx(stat, rel=1e-9)
    assert out["p_val"] == pytest.approx(p, rel=1e-9)
    assert out["dof"] == dof


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="method"):
        meta_analysis([1, 2], [1, 1], method="HS")
    with pytest.raises(ValueError, match="> 0"):
        meta_analysis([1, 2], [1, 0])
    with pytest.raises(ValueError, match="missing"):
        meta_analysis([1, np.nan], [1, 1])
    with pytest.raises(ValueError, match="same length"):
        meta_analysis([1, 2], [1])
    with pytest.raises(ValueError, match="three"):
        egger_test([1, 2], [1, 1])
    with pytest.raises(ValueError, match="two participants"):
        effect_size([1], [1], [1], [1], [1], [5])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-3, 3), st.floats(0.01, 2)), min_size=2, max_size=15),
       st.sampled_from(["REML", "DL", "PM", "FE"]), st.floats(-5, 5))  # fmt: skip
def test_shift_and_order_invariance(studies, method, shift) -> None:  # type: ignore[no-untyped-def]
    y = np.array([s[0] for s in studies])
    v = np.array([s[1] for s in studies])
    base = meta_analysis(y, v, method=method).pooled.iloc[0]
    moved = meta_analysis(y + shift, v, method=method).pooled.iloc[0]
    assert moved["estimate"] == pytest.approx(base["estimate"] + shift, abs=1e-8)
    assert moved["tau2"] == pytest.approx(base["tau2"], abs=1e-8)
    flipped = meta_analysis(y[::-1], v[::-1], method=method).pooled.iloc[0]
    assert flipped["estimate"] == pytest.approx(base["estimate"], abs=1e-10)
    assert base["tau2"] >= 0 and 0 <= base["i2"] <= 100
    assert pd.notna(base["se"])


# metafor 3.8-1 (R 4.2.2), tests/reference/stats_meta_edges.R, output
# tests/reference/stats_meta_edges.Rout.txt (17 significant digits).
# One study (yi = 0.3, vi = 0.04), every estimator: est 0.30000000000000004,
# se 0.20000000000000001, ci (-0.091992796908010765, 0.69199279690801085), tau2 0, I2 0,
# H2 1, Q 0, QEp 1; test = "knha" falls back to "z" with a warning.
ONE_CI = (-0.091992796908010765, 0.69199279690801085)
# Four homogeneous studies, vi = (0.04, 0.05, 0.03, 0.06), REML:
# label: (yi, test, est, se, ci_low, ci_high, p)
EDGES = {
    "equal_z": ((-2, -2, -2, -2), False, -1.9999999999999998, 0.1025978352085154,
                -2.2010880619004656, -1.7989119380995342, 1.2444035588551528e-84),
    "equal_knha": ((-2, -2, -2, -2), True, -1.9999999999999998, 0.0,
                   -1.9999999999999998, -1.9999999999999998, 0.0),
    "equal_adhoc": ((-2, -2, -2, -2), "adhoc", -1.9999999999999998, 0.1025978352085154,
                    -2.3265121015894463, -1.6734878984105532, 0.0002949145620419417),
    "close_knha": ((-2.01, -1.99, -2.0, -2.02), True, -2.0040350877192976,
                   0.0058098171728747415, -2.0225245189154868, -1.9855456565231084,
                   5.3731509363374944e-08),
    "close_adhoc": ((-2.01, -1.99, -2.0, -2.02), "adhoc", -2.0040350877192976,
                    0.1025978352085154, -2.3305471893087444, -1.6775229861298508,
                    0.00029314782118037284),
}  # fmt: skip
EDGE_VI = (0.04, 0.05, 0.03, 0.06)


@pytest.mark.parametrize("method", ["REML", "DL", "PM", "FE"])
@pytest.mark.parametrize("knha", [False, True])
def test_one_study_matches_metafor(method: str, knha: bool) -> None:
    row = meta_analysis([0.3], [0.04], method=method, knha=knha).pooled.iloc[0]
    assert row["i2"] == 0.0 and row["h2"] == 1.0  # metafor: I2 0, H2 1 (were NaN)
    assert row["tau2"] == 0.0 and row["q"] == 0.0 and row["q_p_val"] == 1.0
    assert row["se"] == pytest.approx(0.20000000000000001, rel=1e-15)
    np.testing.assert_allclose([row["ci_low"], row["ci_high"]], ONE_CI, rtol=1e-14)
    assert row["p_val"] == pytest.approx(0.13361440253771603, rel=1e-12)
    assert row["method"] == method  # no Knapp-Hartung on one study
    assert ("one study" in row["note"]) is knha


@pytest.mark.parametrize("label", list(EDGES))
def test_knapp_hartung_with_homogeneous_studies_matches_metafor(label: str) -> None:
    y, knha, est, se, lo, hi, p = EDGES[label]
    row = meta_analysis(y, EDGE_VI, method="REML", knha=knha).pooled.iloc[0]
    assert row["estimate"] == pytest.approx(est, rel=1e-12)
    assert row["se"] == pytest.approx(se, rel=1e-9, abs=1e-15)
    np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [lo, hi], rtol=1e-9)
    assert row["p_val"] == pytest.approx(p, rel=1e-7, abs=1e-300)
    # metafor says nothing; the library notes an interval narrower than the normal one
    assert ("narrower than the normal one" in row["note"]) is (knha is True)
    if knha == "adhoc":
        assert row["method"] == "REML+KNHA-adhoc"


def test_adhoc_equals_knha_for_heterogeneous_studies() -> None:
    # metafor, dat.bcg, REML: test = "adhoc" and "knha" both give se 0.18079174409284798,
    # ci (-1.1084437136855514, -0.32062097063072803) (Knapp-Hartung factor > 1)
    for knha in (True, "adhoc"):
        row = meta_analysis(YI, VI, method="REML", knha=knha).pooled.iloc[0]
        assert row["se"] == pytest.approx(0.18079174409284798, rel=1e-9)
        np.testing.assert_allclose(
            [row["ci_low"], row["ci_high"]], [-1.1084437136855514, -0.32062097063072803], rtol=1e-9
        )
        assert row["note"] == ""


def test_knha_must_be_a_known_value() -> None:
    with pytest.raises(ValueError, match="knha must be True, False or 'adhoc'"):
        meta_analysis([1, 2], [1, 1], knha="yes")
