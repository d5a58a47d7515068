"""stats.mmrm and outcomes.visit_model against R's nlme::gls and emmeans (R 4.2.2).

Expected values: tests/reference/stats_mmrm.R, printed to tests/reference/stats_mmrm.Rout.txt
with 17 significant digits (constants below), on tests/reference/data/sample_pain_visits.csv
(asserted equal to visit_data() below). Models: change ~ baseline + visit * practitioner_role
by REML with an unstructured (corSymm + varIdent), compound-symmetry or AR(1) covariance.
Tolerances: log-likelihood 1e-9, estimates and standard errors 1e-5, covariance 1e-5
(both fits stop at tight convergence criteria; they agree on the likelihood to 1e-12).
Degrees of freedom: emmeans offers only an approximate Satterthwaite method for gls
("appx-satterthwaite"); the library computes Satterthwaite's formula from the numerical
information of the covariance parameters (as the mmrm package does). The two agree within
2 % here (0.03 % for AR(1), 0.2 % for compound symmetry, 1.4 % for the unstructured model),
which is the test's tolerance; they differ by method, not by error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes import visit_data, visit_model
from tpdn_outcomes.stats import mmrm

REF = Path(__file__).parent / "reference"
ROLES = ["chiropractor", "other", "physical_therapist", "physician"]
WEEKS = ["Week 1", "Week 2", "Week 3", "Week 4"]

R = {
    "UN_loglik": "-2158.6035571022308",
    "UN_names": "(Intercept),baseline,visitWeek 2,visitWeek 3,visitWeek 4,practitioner_roleother,practitioner_rolephysical_therapist,practitioner_rolephysician,visitWeek 2:practitioner_roleother,visitWeek 3:practitioner_roleother,visitWeek 4:practitioner_roleother,visitWeek 2:practitioner_rolephysical_therapist,visitWeek 3:practitioner_rolephysical_therapist,visitWeek 4:practitioner_rolephysical_therapist,visitWeek 2:practitioner_rolephysician,visitWeek 3:practitioner_rolephysician,visitWeek 4:practitioner_rolephysician",
    "UN_coef": "1.0404361160807694,-0.24681020644388413,-0.36760600224366002,-0.35664433050694533,-0.8236322607946307,-0.12127742902844879,-0.10355356126310665,-0.1307124546977613,0.18144475848102881,-0.78232289510108899,-1.3148221316487156,0.040092759971292032,-0.35844812352833921,-0.14598955311892867,-0.01843486706394902,-0.45684159837570743,-0.39420876213368056",
    "UN_se": "0.21137987534800054,0.026422396961825533,0.13680208337790889,0.16277173864497971,0.20318833112113613,0.3800306078709958,0.14001246430703176,0.198841151760417,0.4425744430142724,0.47031120259590586,0.72943079932567867,0.14505432952253705,0.17386127022379444,0.21638386146360375,0.21066016454149591,0.26757348717346457,0.31980889540253432",
    "UN_cov": "1.0141542105692176,0.72906203968022831,0.82187722002357722,0.91105229208046201,0.72906203968022842,1.2759715108905867,1.1248081380765631,1.3026759363784646,0.82187722002357722,1.1248081380765631,1.8069000074162893,1.6355038980441612,0.91105229208046201,1.3026759363784646,1.6355038980441614,2.3194004271937536",
    "UN_emm": "-0.49340128078669832,-0.61467870981514716,-0.59695484204980498,-0.62411373548445959,-0.86100728303035834,-0.80083995357777837,-0.92446808432217298,-1.0101546047920686,-0.85004561129364364,-1.7536459354231815,-1.3120472960850895,-1.4375996643671123,-1.317033541581329,-2.7531331022584933,-1.5665766559633643,-1.8419547584127709",
    "UN_emmse": "0.13223432408440763,0.35625833435917642,0.04601387223513688,0.14849092603711636,0.16238683862187778,0.48246984972723361,0.057031217928646419,0.18792215581069052,0.1932628201736995,0.52302855722572872,0.071046184107777868,0.24246613947506618,0.2349835090537345,0.76943167560776426,0.084987688880878459,0.28028124879981386",
    "UN_emmdf": "577.10425156414874,577.2275372989584,577.10343865016443,577.11437092352855,462.05046134868917,511.74334475425394,464.33743736696152,471.63622658056988,371.99493923056986,358.61981630274306,405.33260700134474,429.23977843067905,307.81933671184845,367.13235342263675,319.74770559167331,316.73805241534501",
    "UN_emmlow": "-0.75312048440408552,-1.3143993760727304,-0.68732991199012516,-0.91576224581383425,-1.1801155200126163,-1.7487052609205291,-1.036539334462016,-1.3794228761023863,-1.230070197835845,-2.7822344137260981,-1.4517122901302284,-1.9141683203748268,-1.7794107239884691,-4.2661794053476365,-1.7337823586195849,-2.393403040566263",
    "CS_loglik": "-2222.0617823950165",
    "CS_names": "(Intercept),baseline,visitWeek 2,visitWeek 3,visitWeek 4,practitioner_roleother,practitioner_rolephysical_therapist,practitioner_rolephysician,visitWeek 2:practitioner_roleother,visitWeek 3:practitioner_roleother,visitWeek 4:practitioner_roleother,visitWeek 2:practitioner_rolephysical_therapist,visitWeek 3:practitioner_rolephysical_therapist,visitWeek 4:practitioner_rolephysical_therapist,visitWeek 2:practitioner_rolephysician,visitWeek 3:practitioner_rolephysician,visitWeek 4:practitioner_rolephysician",
    "CS_coef": "1.2770347882986304,-0.28471828099812341,-0.37829062186418705,-0.31634817205411536,-0.58273169860122576,-0.13990467255941944,-0.1048689231474417,-0.13409405954930395,0.1979100286897367,-0.79538681161365943,-1.5226881823457767,0.064640527784282101,-0.3622715483555532,-0.25635994618963615,0.016536588833349186,-0.4237412078347933,-0.47105555392221587",
    "CS_se": "0.23098996118436368,0.027886277906971547,0.15293965682482455,0.15187603146452319,0.17271985458422864,0.43641782671747492,0.16080093789187572,0.22836253262522827,0.49566183707898154,0.43149809974123127,0.64509617989683776,0.16207812660689858,0.1623727289967492,0.18391904594260944,0.23402144983426784,0.25068478668763877,0.26952773474295488",
    "CS_cov": "1.3376751217941028,0.82360857565030898,0.82360857565030898,0.82360857565030898,0.82360857565030898,1.3376751217941028,0.82360857565030898,0.82360857565030898,0.82360857565030898,0.82360857565030898,1.3376751217941028,0.82360857565030898,0.82360857565030898,0.82360857565030898,0.82360857565030898,1.3376751217941028",
    "CS_emm": "-0.4923877702698074,-0.63229244282922681,-0.59725669341724907,-0.62648182981911138,-0.87067839213399445,-0.81267303600367713,-0.91090678749715404,-0.98823586284994924,-0.80873594232392276,-1.7440274264970017,-1.2758764138269176,-1.36657120970802,-1.075119468871033,-2.7377123237762295,-1.436348338208111,-1.680269082342553",
    "CS_emmse": "0.15186810079822119,0.40911768299408574,0.052845912607520446,0.17053717674228172,0.16949231883998861,0.51099504544225038,0.059370052675157062,0.19520268978829894,0.16853289809149943,0.44945371214340524,0.062808179450192833,0.21566031405676242,0.18753111882844489,0.65192398801468732,0.06810977070407756,0.22259000681180596",
    "CS_emmdf": "892.01101570617004,891.56629417675515,892.01394595370891,891.97455519239998,1165.7237812291569,1387.6759095901164,1172.5391531900152,1204.1140431759175,1147.872757396377,1099.9003165710146,1304.7047492047568,1413.7358659749004,1392.7519939416229,1579.1763931623636,1457.0988633669499,1464.8929971942284",
    "CS_emmlow": "-0.79044820525279247,-1.4352383976007719,-0.70097350784885171,-0.96118271589325244,-1.2032225052922545,-1.8150792313132109,-1.0273901914638435,-1.371211061108182,-1.1394030155478228,-2.6259109487961201,-1.3990924882765332,-1.7896198443364391,-1.4429934021234216,-4.0164399328302691,-1.5699520144333903,-2.1168982377934258",
    "AR1_loglik": "-2212.7167272858583",
    "AR1_names": "(Intercept),baseline,visitWeek 2,visitWeek 3,visitWeek 4,practitioner_roleother,practitioner_rolephysical_therapist,practitioner_rolephysician,visitWeek 2:practitioner_roleother,visitWeek 3:practitioner_roleother,visitWeek 4:practitioner_roleother,visitWeek 2:practitioner_rolephysical_therapist,visitWeek 3:practitioner_rolephysical_therapist,visitWeek 4:practitioner_rolephysical_therapist,visitWeek 2:practitioner_rolephysician,visitWeek 3:practitioner_rolephysician,visitWeek 4:practitioner_rolephysician",
    "AR1_coef": "1.2676629865881783,-0.28321672160804956,-0.33592695679608137,-0.30160452495613299,-0.6546189628668907,-0.13916683734189589,-0.10481682094990467,-0.13396011234734662,0.16389062969788978,-0.79152609830559151,-1.4545176384852254,0.0171544259753846,-0.3582488565459056,-0.16648790358931234,-0.038780424814346945,-0.44375922936179796,-0.34721326801502378",
    "AR1_se": "0.2289280315550162,0.027309067359789697,0.13582629465819626,0.17203427478681538,0.21287107757376589,0.43916746687154279,0.16181813188649866,0.22980660548105544,0.43483155468350354,0.49677255946819493,0.7425828549280864,0.14398035510235924,0.18342545054932508,0.22653581219573754,0.20857785871957746,0.27813325662959726,0.33260950306675802",
    "AR1_cov": "1.3546549700307084,0.94437675704796287,0.65835764750651593,0.45896384975122878,0.94437675704796287,1.3546549700307084,0.94437675704796287,0.65835764750651593,0.65835764750651593,0.94437675704796287,1.3546549700307084,0.94437675704796287,0.45896384975122878,0.65835764750651593,0.94437675704796287,1.3546549700307084",
    "AR1_emm": "-0.49242791597098323,-0.63159475331287918,-0.59724473692088786,-0.62638802831832985,-0.82835487276706465,-0.80363108041107068,-0.91601726774158465,-1.0010954099287581,-0.79403244092711622,-1.7247253765746036,-1.2570981184229264,-1.3717517826362609,-1.147046878837874,-2.7407313546649954,-1.4183516033770909,-1.6282202592002444",
    "AR1_emmse": "0.15282883651535684,0.41169513155703857,0.053180231235153023,0.17161565038814286,0.16630704060979606,0.48739741199991427,0.058280436963579568,0.19148707611718638,0.17012253853087478,0.46112497727127549,0.063006603690537649,0.21665420590911796,0.19437579646824871,0.67186741458114341,0.07133434991964574,0.23627873537614519",
    "AR1_emmdf": "926.88863070122977,926.43768622608502,926.89160505855034,926.85166483213595,1181.7060367178221,1400.6532001216442,1190.5697226495681,1224.0868926175508,1157.0053158173598,1107.1241123235832,1300.1393293335782,1397.4743960443375,1347.7659204909512,1575.959099056902,1394.7261335472892,1374.9372820962569",
    "AR1_emmlow": "-0.79235858280624316,-1.4395579410284802,-0.70161235833039581,-0.96318833589149122,-1.1546448800114755,-1.7597386555088341,-1.0303610680917705,-1.3767746441118285,-1.1278156599197624,-2.629502854756304,-1.3807038613664095,-1.796754316217033,-1.5283588723217052,-4.0585794070933652,-1.5582857953029183,-2.0917260913546922",
}


def _f(key: str) -> np.ndarray:
    return np.array([float(x) for x in R[key].split(",")])


def _r_to_ours(name: str) -> str:
    """R's coefficient names in the library's naming."""
    if name == "(Intercept)":
        return "Intercept"
    parts = []
    for piece in name.split(":"):
        if piece.startswith("visit"):
            parts.append(f"visit[{piece[len('visit') :]}]")
        elif piece.startswith("practitioner_role"):
            parts.append(f"group[{piece[len('practitioner_role') :]}]")
        else:
            parts.append(piece)
    return ":".join(parts)


def test_visit_data_is_the_reference_input(sample: SessionData) -> None:
    ref = pd.read_csv(REF / "data" / "sample_pain_visits.csv")
    ours = visit_data(sample)
    assert list(ours.columns) == list(ref.columns)
    for col in ("episode_id", "visit", "condition", "practitioner_role"):
        np.testing.assert_array_equal(ours[col].astype(str), ref[col].astype(str))
    for col in ("day", "baseline", "value", "change"):
        np.testing.assert_allclose(ours[col].to_numpy(float), ref[col].to_numpy(float))


@pytest.mark.parametrize(("label", "covariance"), [("UN", "unstructured"),
                                                   ("CS", "compound_symmetry"), ("AR1", "ar1")])  # fmt: skip
def test_matches_gls_and_emmeans(sample: SessionData, label: str, covariance: str) -> None:
    fit = visit_model(sample, by="practitioner_role", covariance=covariance)
    assert fit.loglik == pytest.approx(float(R[f"{label}_loglik"]), rel=1e-9)
    coef = fit.coefficients.set_index("term")
    names = [_r_to_ours(n) for n in R[f"{label}_names"].split(",")]
    np.testing.assert_allclose(coef.loc[names, "estimate"], _f(f"{label}_coef"), rtol=1e-5,
                               atol=1e-7)  # fmt: skip
    np.testing.assert_allclose(coef.loc[names, "se"], _f(f"{label}_se"), rtol=1e-5)
    np.testing.assert_allclose(fit.covariance_.to_numpy().ravel(), _f(f"{label}_cov"), rtol=1e-5)
    em = fit.adjusted_means
    assert list(em["visit"]) == [w for w in WEEKS for _ in ROLES]
    assert list(em["group"]) == ROLES * 4
    np.testing.assert_allclose(em["estimate"], _f(f"{label}_emm"), rtol=1e-5)
    np.testing.assert_allclose(em["se"], _f(f"{label}_emmse"), rtol=1e-5)
    np.testing.assert_allclose(em["dof"], _f(f"{label}_emmdf"), rtol=2e-2)


def test_structures_are_nested_and_contrasts(sample: SessionData) -> None:
    logliks = {c: visit_model(sample, by="practitioner_role", covariance=c).loglik
               for c in ("compound_symmetry", "toeplitz", "unstructured")}  # fmt: skip
    # compound symmetry is a special case of Toeplitz, which is one of unstructured
    assert logliks["compound_symmetry"] <= logliks["toeplitz"] + 1e-6
    assert logliks["toeplitz"] <= logliks["unstructured"] + 1e-6
    fit = visit_model(sample, by="twitch_response", df_method="residual")
    con = fit.contrasts(visit="Week 4")
    assert list(con["contrast"]) == ["True - False"]
    em = fit.adjusted_means.set_index(["visit", "group"])
    diff = em.loc[("Week 4", "True"), "estimate"] - em.loc[("Week 4", "False"), "estimate"]
    assert con["estimate"].iloc[0] == pytest.approx(diff)
    assert (fit.coefficients["dof"] == fit.coefficients["dof"].iloc[0]).all()


def test_missing_visits_use_all_available_data() -> None:
    rng = np.random.default_rng(2)
    n = 60
    df = pd.DataFrame({"id": np.repeat(np.arange(n), 3), "visit": np.tile(["a", "b", "c"], n)})
    df["y"] = rng.normal(0, 1, 3 * n) + np.repeat(rng.normal(0, 1, n), 3)
    complete = mmrm(df, outcome="y", subject="id", visit="visit", df_method="residual")
    dropped = df.drop(index=df.index[(df["visit"] == "c") & (df["id"] < 20)])
    partial = mmrm(dropped, outcome="y", subject="id", visit="visit", df_method="residual")
    # no imputation: the dropped visits are absent, the other visits still inform visit c
    assert partial.adjusted_means["estimate"].iloc[0] == pytest.approx(
        complete.adjusted_means["estimate"].iloc[0], abs=1e-9
    )
    assert partial.adjusted_means["se"].iloc[2] > complete.adjusted_means["se"].iloc[2]


def test_bad_input() -> None:
    df = pd.DataFrame({"id": [1, 1, 2, 2], "visit": ["a", "b", "a", "b"], "y": [1.0, 2, 3, 4]})
    with pytest.raises(ValueError, match="df_method"):
        mmrm(df, outcome="y", subject="id", visit="visit", df_method="kr")
    with pytest.raises(ValueError, match="covariance"):
        mmrm(df, outcome="y", subject="id", visit="visit", covariance="banded")
    with pytest.raises(ValueError, match="same visit"):
        mmrm(pd.concat([df, df.iloc[:1]]), outcome="y", subject="id", visit="visit")
    with pytest.raises(ValueError, match="visit_order"):
        mmrm(df, outcome="y", subject="id", visit="visit", visit_order=["a"])


# emmeans 1.8.4-1, mode = "df.error" on the same gls fits (R 4.2.2): df = N - p -
# length(unlist(fit$modelStruct)) = 1598 - 17 - 9 (UN) or - 1 (CS, AR1);
# tests/reference/stats_mmrm_dferror.R, output tests/reference/stats_mmrm_dferror.Rout.txt.
R_DF_ERROR = {"UN": 1572.0, "CS": 1580.0, "AR1": 1580.0}
R_DF_ERROR_CI = {
    "UN_emmlow": "-0.75277549659351362,-1.3134702432453802,-0.6872098655458635,-0.91537485669471519,-1.179524878341029,-1.747192118871518,-1.0363333472119198,-1.3787590661043296,-1.2291256479955337,-2.7795529592939205,-1.4514025536297106,-1.9131907427160868,-1.7779476333676749,-4.262353487052823,-1.7332778155098114,-2.3917191982899868",
    "UN_emmhigh": "-0.23402706497988296,0.084112823615085874,-0.50669981855374646,-0.33285261427420398,-0.54248968771968764,0.14551221171596118,-0.81260282143242601,-0.64155014347980766,-0.47096557459175353,-0.72773891155244241,-1.1726920385404684,-0.96200858601813777,-0.85611944979498311,-1.2439127174641635,-1.3998754964169171,-1.292190318535555",
    "CS_emmlow": "-0.7902719704992236,-1.4347630943870981,-0.70091218347569351,-0.96098479809388282,-1.2031319065804633,-1.8149727265423885,-1.027359160087334,-1.3711194099845514,-1.1393075850616847,-2.6256158501243334,-1.399072557092347,-1.7895817026052607,-1.4429554861565881,-4.016439421563188,-1.5699433753973211,-2.1168719358034802",
    "CS_emmhigh": "-0.19450357004039126,0.17017820872864453,-0.4936012033588047,-0.29197886154433988,-0.53822487768752558,0.18962665453503424,-0.79445441490697399,-0.60535231571534698,-0.47816429958616075,-0.86243900286967023,-1.1526802705614883,-0.94356071681077935,-0.70728345158547801,-1.4589852259892713,-1.302753301018901,-1.2436662288816256",
    "AR1_emmlow": "-0.79219656717612486,-1.4391209840198425,-0.70155598178557987,-0.96300638657807713,-1.1545605705020454,-1.7596448022155267,-1.0303323955575516,-1.3766909051224763,-1.1277221102184916,-2.6292065963849884,-1.3806834641991568,-1.7967117611594978,-1.5283085023820477,-4.0585768166203193,-1.5582715448461151,-2.0916730958973715",
    "AR1_emmhigh": "-0.19265926476584155,0.17593147739408399,-0.49293349205619585,-0.28976967005858262,-0.50214917503208389,0.1523826413933852,-0.80170213992561767,-0.62549991473503996,-0.460342771635741,-0.82024415676421858,-1.133512772646696,-0.94679180411302388,-0.76578525529370034,-1.4228858927096717,-1.2784316619080667,-1.164767422503117",
}


@pytest.mark.parametrize(
    ("label", "covariance"),
    [("UN", "unstructured"), ("CS", "compound_symmetry"), ("AR1", "ar1")],
)
def test_df_error_is_emmeans_convention(sample: SessionData, label: str, covariance: str) -> None:
    fit = visit_model(sample, by="practitioner_role", covariance=covariance, df_method="df.error")
    em = fit.adjusted_means
    assert (em["dof"] == R_DF_ERROR[label]).all()
    assert (fit.coefficients["dof"] == R_DF_ERROR[label]).all()
    # intervals: the estimates and SEs agree with gls to 1e-5 (test_matches_gls_and_emmeans)
    low = [float(x) for x in R_DF_ERROR_CI[f"{label}_emmlow"].split(",")]
    high = [float(x) for x in R_DF_ERROR_CI[f"{label}_emmhigh"].split(",")]
    np.testing.assert_allclose(em["ci_low"], low, rtol=1e-5)
    np.testing.assert_allclose(em["ci_high"], high, rtol=1e-5)
    # "residual" is N - p: it differs from emmeans' df.error by the covariance parameters
    # other than the residual variance
    resid = visit_model(sample, by="practitioner_role", covariance=covariance,
                        df_method="residual")  # fmt: skip
    assert (resid.adjusted_means["dof"] == 1598 - 17).all()


def test_df_error_counts_toeplitz_parameters() -> None:
    # Toeplitz over v visits: a variance and v - 1 correlations, so df.error = N - p - (v - 1)
    rng = np.random.default_rng(5)
    n = 30
    df = pd.DataFrame({"id": np.repeat(np.arange(n), 3), "visit": np.tile(["a", "b", "c"], n)})
    df["y"] = rng.normal(0, 1, 3 * n) + np.repeat(rng.normal(0, 1, n), 3)
    fit = mmrm(df, outcome="y", subject="id", visit="visit", covariance="toeplitz",
               df_method="df.error")  # fmt: skip
    assert (fit.coefficients["dof"] == 90 - 3 - 2).all()
