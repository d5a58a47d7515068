"""stats.ancova (and outcomes.compare_groups) against R's lm and emmeans 1.8.4.

Expected values: tests/reference/stats_ancova.R, printed to
tests/reference/stats_ancova.Rout.txt with 17 significant digits (constants below), on
tests/reference/data/sample_benchmark_episodes.csv (the sample's pain episodes with a change,
asserted equal to the library's episodes in tests/test_benchmark.py). Models:
lm(change ~ condition + baseline) and lm(change ~ condition + baseline + sex); emmeans,
pairs(adjust = "tukey"), contrast("trt.vs.ctrl", adjust = "holm") with infer = TRUE.
Tolerances: 1e-9 relative; 1e-7 for Tukey p-values and intervals, which R computes by
numerical integration (ptukey/qtukey; absolute 1e-9 for its p-values, 5e-8 for the
intervals).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from samples import load_four_clinics as load_sample  # the R reference data

from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.outcomes import compare_groups
from tpdn_outcomes.stats import ancova

REF = Path(__file__).parent / "reference"

R = {
    "M1_terms": "(Intercept),conditionfibromyalgia,conditionmyofascial_pain_syndrome,conditionneck_pain,conditionother,conditionshoulder_pain,conditionsports_injury,conditiontension_type_headache,conditiontmj_dysfunction,baseline",
    "M1_estimate": "0.085114361863307716,0.35626948681483078,-0.56526263776382635,-0.49923481125447339,0.54158745926824514,-0.65125163130195574,-1.1252037583444094,-0.35875606571528867,-0.43834496642715282,-0.32128590595010059",
    "M1_se": "0.27762359102780448,0.30229158780203791,0.20877185180344554,0.18687243411796925,0.35286299794216719,0.20084306452938411,0.23495969082587298,0.23690992796620247,0.25954293607867474,0.039875921356678244",
    "M1_t": "0.30658187781593593,1.1785623589636289,-2.7075615456819802,-2.6715273101184915,1.534837776776496,-3.2425895951546542,-4.7889225355607499,-1.5143141901865285,-1.6889111799763188,-8.0571406256997502",
    "M1_p": "0.75926028532178591,0.23900574513567496,0.0069569782953965717,0.0077407077536963869,0.12531251889053915,0.0012453504267869902,2.0804093817890803e-06,0.13043451297370146,0.09171827499880908,3.7709991110247596e-15",
    "M1_cilow": "-0.46003767884659136,-0.23732155265563021,-0.97521483466496961,-0.8661844945817605,-0.15130748783270132,-1.0456345657106461,-1.5865793729457756,-0.82396123872335514,-0.94799315853975297,-0.39958775278632086",
    "M1_cihigh": "0.63026640257320676,0.94986052628529172,-0.15531044086268309,-0.13228512792718633,1.2344824063691915,-0.25686869689326536,-0.66382814374304333,0.10644910729277779,0.071303225685447336,-0.24298405911388035",
    "M1_df": "647",
    "M1_emm": "-1.9056846078822929,-1.549415121067462,-2.4709472456461192,-2.4049194191367662,-1.3640971486140476,-2.5569362391842487,-3.0308883662267023,-2.2644406735975817,-2.3440295743094457",
    "M1_emmse": "0.13159057881424288,0.27180202419074206,0.16195093092207255,0.13262408926443087,0.32748602075356054,0.15163303867279368,0.19495484573932922,0.19709790931901638,0.22382285870748264",
    "M1_emmlow": "-2.1640807777221851,-2.0831357159495614,-2.7889601355456435,-2.6653450286540616,-2.0071609165626723,-2.8546885309310897,-3.4137089745460969,-2.65146948151382,-2.7835364898787618",
    "M1_emmhigh": "-1.6472884380424007,-1.0156945261853629,-2.152934355746595,-2.1444938096194708,-0.72103338066542311,-2.2591839474374078,-2.6480677579073078,-1.8774118656813434,-1.9045226587401296",
    "M1_pairs": "chronic_low_back_pain - fibromyalgia|chronic_low_back_pain - myofascial_pain_syndrome|chronic_low_back_pain - neck_pain|chronic_low_back_pain - other|chronic_low_back_pain - shoulder_pain|chronic_low_back_pain - sports_injury|chronic_low_back_pain - tension_type_headache|chronic_low_back_pain - tmj_dysfunction|fibromyalgia - myofascial_pain_syndrome|fibromyalgia - neck_pain|fibromyalgia - other|fibromyalgia - shoulder_pain|fibromyalgia - sports_injury|fibromyalgia - tension_type_headache|fibromyalgia - tmj_dysfunction|myofascial_pain_syndrome - neck_pain|myofascial_pain_syndrome - other|myofascial_pain_syndrome - shoulder_pain|myofascial_pain_syndrome - sports_injury|myofascial_pain_syndrome - tension_type_headache|myofascial_pain_syndrome - tmj_dysfunction|neck_pain - other|neck_pain - shoulder_pain|neck_pain - sports_injury|neck_pain - tension_type_headache|neck_pain - tmj_dysfunction|other - shoulder_pain|other - sports_injury|other - tension_type_headache|other - tmj_dysfunction|shoulder_pain - sports_injury|shoulder_pain - tension_type_headache|shoulder_pain - tmj_dysfunction|sports_injury - tension_type_headache|sports_injury - tmj_dysfunction|tension_type_headache - tmj_dysfunction",
    "M1_pairest": "-0.35626948681483078,0.56526263776382635,0.49923481125447339,-0.54158745926824514,0.65125163130195574,1.1252037583444094,0.35875606571528867,0.43834496642715282,0.92153212457865719,0.85550429806930417,-0.18531797245341436,1.0075211181167865,1.4814732451592403,0.71502555253011946,0.79461445324198365,-0.06602782650935296,-1.1068500970320714,0.085988993538129388,0.5599411205805831,-0.20650657204853767,-0.12691767133667353,-1.0408222705227186,0.15201682004748235,0.62596894708993611,-0.14047874553918471,-0.060889844827320572,1.1928390905702009,1.6667912176126545,0.90034352498353387,0.97993242569539796,0.47395212704245371,-0.29249556558666706,-0.21290666487480292,-0.76644769262912082,-0.68685879191725663,0.079588900711864141",
    "M1_pairse": "0.30229158780203791,0.20877185180344554,0.18687243411796925,0.35286299794216719,0.20084306452938411,0.23495969082587298,0.23690992796620247,0.25954293607867474,0.31549104418785628,0.30206744180730566,0.42640595165607037,0.3105912362848029,0.33689157389742408,0.33650675865774343,0.35307580398933608,0.20920914299641705,0.36555381885912219,0.22165702456468023,0.25414917948163374,0.25532144231048903,0.27654504821147585,0.35340635805586401,0.20136362588835821,0.23608170232349909,0.2376565688308358,0.26027841615288599,0.36103821509805495,0.38054916677056366,0.38204151544245912,0.39643025420775851,0.24749006473419871,0.2488375522056448,0.27054898581565973,0.27664831817408786,0.29609615110064574,0.29800521141096509",
    "M1_pairt": "-1.1785623589636289,2.7075615456819802,2.6715273101184915,-1.534837776776496,3.2425895951546542,4.7889225355607499,1.5143141901865285,1.6889111799763188,2.9209454327012185,2.8321632180903693,-0.43460456340648768,3.2438813476144563,4.3974778829295254,2.1248475227725292,2.25054915761371,-0.31560679214905901,-3.0278717932328081,0.38793714616988162,2.2031986163506287,-0.80881014214783808,-0.45894031427248244,-2.9451147292550766,0.75493684312063813,2.6514928557749071,-0.59109977994834062,-0.23394119930234339,3.3039136597942571,4.3799628619803999,2.3566641021743577,2.4718911215636976,1.9150349633286188,-1.1754478493862628,-0.78694312689040435,-2.7704766025247061,-2.3197153673361566,0.26707217747983208",
    "M1_pairp": "0.96081989506919041,0.14709801651902144,0.1601448608347964,0.83878990559696764,0.033730030997737304,7.2484420539753458e-05,0.84877917722533358,0.75332581478322669,0.085636854792446204,0.10808775431067241,0.99996579629317073,0.033595011774128158,0.00043418643298542836,0.45715016473155712,0.37425040660226783,0.99999715451567706,0.06378132041875717,0.9999857766461574,0.40473978712131775,0.9966101656939037,0.99994803813160593,0.080227073743699195,0.99791253833781424,0.1677560775111816,0.99964831336659077,0.99999973095060102,0.027817776021036744,0.0004687589725154151,0.31000225671947534,0.24770745609138656,0.60352799409082536,0.96142951513642183,0.99720157371209617,0.12624864853134632,0.33167740447733696,0.99999923425067405",
    "M1_pairlow": "-1.2970963560848012,-0.084501284388577513,-0.082371208358628711,-1.6398085247269085,0.026164598646880144,0.3939350123907186,-0.37858243400300845,-0.36943460086912727,-0.060375620668806529,-0.08462495809136128,-1.5124279309262931,0.040863122169236599,0.43296029427649119,-0.33228973182201749,-0.3042689318285996,-0.71715273692819892,-2.2445690042883824,-0.60387765471756893,-0.2310513731166739,-1.0011475178090912,-0.98761317997683118,-2.1407344442201941,-0.47469036392304181,-0.1087918529174976,-0.88014102737874289,-0.87095845834106855,0.069174168012169579,0.48240205290156291,-0.28869030000092955,-0.25388369754529505,-0.29631509895717356,-1.066956598064202,-1.054940534093167,-1.6274646100002337,-1.6084035059743993,-0.84789741181338263",
    "M1_pairhigh": "0.58455738245513977,1.2150265599162302,1.0808408308675754,0.55663360619041835,1.2763386639570313,1.8564725042981003,1.0960945654335859,1.246124533723433,1.903439869826121,1.7956335542299695,1.1417919860194643,1.9741791140643363,2.5299861960419894,1.7623408368822564,1.8934978383125669,0.58509708390949289,0.030868810224239818,0.77585564179382771,1.3509336142778401,0.58813437371201571,0.73377783730348412,0.05908990317475693,0.77872400401800657,1.3607297470973698,0.59918353630037346,0.7491787686864273,2.316504013128232,2.8511803823237463,2.0893773499679975,2.2137485489360911,1.2442193530420811,0.48196546689086778,0.62912720434356117,0.094569224741992031,0.23468592213988604,1.0070752132371108",
    "M1_trt": "fibromyalgia - chronic_low_back_pain|myofascial_pain_syndrome - chronic_low_back_pain|neck_pain - chronic_low_back_pain|other - chronic_low_back_pain|shoulder_pain - chronic_low_back_pain|sports_injury - chronic_low_back_pain|tension_type_headache - chronic_low_back_pain|tmj_dysfunction - chronic_low_back_pain",
    "M1_trtest": "0.35626948681483078,-0.56526263776382635,-0.49923481125447339,0.54158745926824514,-0.65125163130195574,-1.1252037583444094,-0.35875606571528867,-0.43834496642715282",
    "M1_trtp": "0.37593755667161743,0.041741869772379432,0.041741869772379432,0.37593755667161743,0.0087174529875089311,1.6643275054312642e-05,0.37593755667161743,0.36687309999523632",
    "M1_trtlow": "-0.47302286727277459,-1.1379973992838452,-1.0118917526221514,-0.42644009439792707,-1.2022349351933481,-1.7697809910006024,-1.0086834861186578,-1.1503627040442697",
    "M1_trthigh": "1.1855618409024362,0.0074721237561925502,0.013422130113204644,1.5096150129344172,-0.10026832741056335,-0.48062652568821662,0.29117135468808047,0.27367277118996403",
    "M2_emm": "-2.0275990273702598,-1.6024668198703826,-2.5907745280097925,-2.5308062840863403,-1.4893844231210158,-2.6690426498818773,-3.1824594723419399,-2.3965803109591368,-2.4693141861449082",
    "M2_emmse": "0.22981325091438493,0.33195496725373114,0.25291871279339828,0.24006672609294449,0.3869511367956876,0.24810729234680839,0.2778929834556767,0.27782032737234974,0.30434549815870454",
    "M2_df": "644",
}


def _f(key: str) -> np.ndarray:
    return np.array([float(x) for x in R[key].split(",")])


@pytest.fixture(scope="module")
def episodes() -> pd.DataFrame:
    d = pd.read_csv(REF / "data" / "sample_benchmark_episodes.csv")
    return d.assign(change=d["final"] - d["baseline"])


def test_coefficients_match_lm(episodes: pd.DataFrame) -> None:
    res = ancova(episodes, outcome="change", baseline="baseline", group="condition")
    co = res.coefficients
    assert len(co) == len(_f("M1_estimate"))
    np.testing.assert_allclose(co["estimate"], _f("M1_estimate"), rtol=1e-9)
    np.testing.assert_allclose(co["se"], _f("M1_se"), rtol=1e-9)
    np.testing.assert_allclose(co["statistic"], _f("M1_t"), rtol=1e-9)
    np.testing.assert_allclose(co["p_val"], _f("M1_p"), rtol=1e-7)
    np.testing.assert_allclose(co["ci_low"], _f("M1_cilow"), rtol=1e-9)
    np.testing.assert_allclose(co["ci_high"], _f("M1_cihigh"), rtol=1e-9)
    assert (co["dof"] == float(R["M1_df"])).all()
    assert co["term"].iloc[0] == "Intercept" and co["term"].iloc[-1] == "baseline"


def test_adjusted_means_match_emmeans(episodes: pd.DataFrame) -> None:
    res = ancova(episodes, outcome="change", baseline="baseline", group="condition")
    em = res.adjusted_means
    np.testing.assert_allclose(em["estimate"], _f("M1_emm"), rtol=1e-9)
    np.testing.assert_allclose(em["se"], _f("M1_emmse"), rtol=1e-9)
    np.testing.assert_allclose(em["ci_low"], _f("M1_emmlow"), rtol=1e-9)
    np.testing.assert_allclose(em["ci_high"], _f("M1_emmhigh"), rtol=1e-9)
    # a factor covariate is averaged with equal weights over its levels (emmeans' default)
    res2 = ancova(episodes, outcome="change", baseline="baseline", group="condition",
                  covariates=["sex"])  # fmt: skip
    np.testing.assert_allclose(res2.adjusted_means["estimate"], _f("M2_emm"), rtol=1e-9)
    np.testing.assert_allclose(res2.adjusted_means["se"], _f("M2_emmse"), rtol=1e-9)
    assert res2.result.df_resid == float(R["M2_df"])


def test_contrasts_match_emmeans(episodes: pd.DataFrame) -> None:
    res = ancova(episodes, outcome="change", baseline="baseline", group="condition")
    pw = res.contrasts("pairwise", adjust="tukey")
    assert "|".join(pw["contrast"]) == R["M1_pairs"]
    np.testing.assert_allclose(pw["estimate"], _f("M1_pairest"), rtol=1e-9)
    np.testing.assert_allclose(pw["se"], _f("M1_pairse"), rtol=1e-9)
    np.testing.assert_allclose(pw["statistic"], _f("M1_pairt"), rtol=1e-9)
    # R's ptukey integrates numerically: its p-values carry absolute errors near 4e-10
    np.testing.assert_allclose(pw["p_val"], _f("M1_pairp"), rtol=1e-7, atol=1e-9)
    # qtukey's critical value differs from scipy's by ~5e-8 relative: limits to 5e-8 absolute
    np.testing.assert_allclose(pw["ci_low"], _f("M1_pairlow"), rtol=1e-7, atol=5e-8)
    np.testing.assert_allclose(pw["ci_high"], _f("M1_pairhigh"), rtol=1e-7, atol=5e-8)
    tc = res.contrasts("trt.vs.ctrl", adjust="holm")
    assert "|".join(tc["contrast"]) == R["M1_trt"]
    np.testing.assert_allclose(tc["estimate"], _f("M1_trtest"), rtol=1e-9)
    np.testing.assert_allclose(tc["p_val"], _f("M1_trtp"), rtol=1e-9)
    np.testing.assert_allclose(tc["ci_low"], _f("M1_trtlow"), rtol=1e-9)  # Bonferroni intervals
    np.testing.assert_allclose(tc["ci_high"], _f("M1_trthigh"), rtol=1e-9)


def test_bad_input(episodes: pd.DataFrame) -> None:
    res = ancova(episodes, outcome="change", baseline="baseline", group="condition")
    with pytest.raises(ValueError, match="Tukey"):
        res.contrasts("trt.vs.ctrl", adjust="tukey")
    with pytest.raises(ValueError, match="reference"):
        res.contrasts("trt.vs.ctrl", reference="gout")
    with pytest.raises(ValueError, match="columns"):
        ancova(episodes, outcome="nope", baseline="baseline", group="condition")
    with pytest.raises(ValueError, match="two groups"):
        ancova(episodes.assign(g="x"), outcome="change", baseline="baseline", group="g")
    assert "ANCOVA of change by condition" in res.summary()
    assert "<table" in res._repr_html_()


def test_compare_groups_is_ancova_on_the_episodes() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sample()
    res = compare_groups(data, measure="pain", by="condition")
    np.testing.assert_allclose(res.adjusted_means["estimate"], _f("M1_emm"), rtol=1e-9)
    by_role = compare_groups(data, by="practitioner_role", covariates=("condition",))
    assert list(by_role.adjusted_means["group"]) == ["chiropractor", "other", "physical_therapist",
                                                     "physician"]  # fmt: skip
    twitch = compare_groups(data, by="twitch_response")
    assert list(twitch.adjusted_means["group"]) == ["False", "True"]
    with pytest.raises(ValueError, match="cannot compare"):
        compare_groups(data, by="quarter")
