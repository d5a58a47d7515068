"""Kenward-Roger degrees of freedom and adjusted standard errors in stats.mmrm.

Expected values: tests/reference/stats_mmrm_kr.R (R 4.2.2, lme4 1.1.31, pbkrtest 0.5.2,
emmeans 1.8.4.1), printed with 17 significant digits to tests/reference/stats_mmrm_kr.Rout.txt
and copied below. Model: change ~ baseline + visit * practitioner_role on
tests/reference/data/sample_pain_visits.csv with compound symmetry, which (with a positive
within-subject correlation) is lmer's random-intercept model, so pbkrtest's vcovAdj and
get_Lb_ddf and emmeans(lmer.df = "kenward-roger") are the reference. Tolerance 1e-6 relative:
the two REML optimisers agree on the log-likelihood to 1e-14 and on the covariance
parameters to about 1e-7, which bounds the agreement of anything computed from them.

The unstructured case has no Kenward-Roger implementation among R's Debian packages (the
mmrm package is not packaged); it is checked against the exact result Kenward and Roger
(1997, Biometrics 53:983-997, section 5) show their method reproduces: with complete,
balanced data and a saturated visit x group mean model, the contrast at a visit is an exact
t test on N - G degrees of freedom.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from samples import load_four_clinics as load_sample  # the R reference data
from test_stats_mmrm import _r_to_ours as _ours  # R's coefficient names in ours

from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.outcomes import visit_model
from tpdn_outcomes.stats import mmrm

KR = {
    "loglik": "-2222.0617823950238",
    "names": "(Intercept),baseline,visitWeek 2,visitWeek 3,visitWeek 4,practitioner_roleother,practitioner_rolephysical_therapist,practitioner_rolephysician,visitWeek 2:practitioner_roleother,visitWeek 3:practitioner_roleother,visitWeek 4:practitioner_roleother,visitWeek 2:practitioner_rolephysical_therapist,visitWeek 3:practitioner_rolephysical_therapist,visitWeek 4:practitioner_rolephysical_therapist,visitWeek 2:practitioner_rolephysician,visitWeek 3:practitioner_rolephysician,visitWeek 4:practitioner_rolephysician",
    "coef": "1.2770347853424049,-0.28471828052450715,-0.37829062565854144,-0.31634816027943852,-0.58273167712657459,-0.13990467232649192,-0.10486892313080558,-0.13409405950685069,0.19791003672498539,-0.79538681249874965,-1.5226882018894905,0.064640542145107172,-0.36227154673367201,-0.25635994901475562,0.016536610791424086,-0.42374119636906143,-0.47105555107779246",
    "se": "0.23099615822164793,0.027887596728424682,0.15295849417551333,0.15189552384659022,0.17274915305635266,0.4364178243170424,0.16080092977752999,0.22836252199307849,0.49577330948124743,0.43156728528721411,0.64525226538491842,0.1620985117296749,0.16239457623052667,0.18395090781398168,0.23405865725962155,0.25073271297317579,0.26958350527136976",
    "df": "695.73900534723577,564.49115883029515,1056.6507409533576,1059.3048395984645,1072.6376648044507,920.0920366477925,920.5186689741123,920.48162029746879,1101.7846131617578,1079.4863813392233,1100.7135170137465,1058.0309957027873,1061.905093448122,1074.2635139784504,1075.48117784801,1086.8606815896192,1090.8847754402441",
    "emm": "-0.49238777028267666,-0.63229244260916861,-0.5972566934134822,-0.62648182978952738,-0.8706783959412181,-0.81267303154272463,-0.91090677692691646,-0.98823584465664471,-0.80873593056211512,-1.7440274153873567,-1.2758764004265928,-1.3665711864380272,-1.0751194474092514,-2.7377123216252337,-1.4363483195548123,-1.6802690579938944",
    "emmse": "0.15186809304757584,0.40911768107708979,0.052845909894387463,0.17053716868679247,0.16950930646004916,0.51109754419773135,0.059377188917849745,0.19523251924007776,0.16855045332152629,0.44951358181717116,0.062817518876431222,0.21570226317857644,0.18755809232105136,0.6520708250441023,0.068121596620906097,0.22263475265283889",
    "emmdf": "920.52411000932295,920.08430845005273,920.52700638718352,920.48805294492649,1187.7920334006133,1399.6375280234886,1194.3611278829871,1224.7415528964739,1170.5665482277941,1124.1347903247249,1320.9444652692137,1424.2326194815989,1404.4327966068099,1579.118646823483,1465.0314354617392,1472.3480434791079",
    "emmlow": "-0.7904356467871706,-1.435204564398664,-0.70096913784241566,-0.96116861352047678,-1.2032494168599275,-1.8152728161912655,-1.0274019828047933,-1.3712630755303661,-1.1394306806141763,-2.6260074634772699,-1.3991093900713776,-1.7896994381817524,-1.4430436321537186,-4.0167279825914743,-1.5699745919217998,-2.1169841577024382",
    "conest": "-0.13990467232649192,-0.10486892313080558,-0.13409405950685069,0.058005364398493464,-0.040228380985698406,-0.1175574487154266,-0.9352914848252416,-0.4671404698644776,-0.55783525587591209,-1.6625928742159823,-0.36122887214556121,-0.60514961058464312",
    "conse": "0.4364178243170424,0.16080092977752999,0.22836252199307849,0.53848447590479698,0.17960794003649935,0.25855358469265427,0.48008696365689896,0.17987634424895671,0.27374866732456327,0.67850475326451354,0.19954651281647698,0.29110603698636001",
    "condf": "920.0920366477925,920.5186689741123,920.48162029746879,1380.2092086587445,1188.4958897159272,1208.8268194946916,1129.7149123587667,1189.1378863381244,1333.7681949135037,1580.9643481319767,1411.9751628772447,1445.4958510317701",
    "conp": "0.74860522831460563,0.51445680288409523,0.55721460580898419,0.9142337302279584,0.82281225075978259,0.6494258247802378,0.05164187728714513,0.0095200075503308109,0.041770507020123068,0.014378372691425315,0.070469690691716783,0.03781225376071367",
}


def _f(key: str) -> np.ndarray:
    return np.array([float(x) for x in KR[key].split(",")])


@pytest.fixture(scope="module")
def fit():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        sample = load_sample()
    return visit_model(sample, by="practitioner_role", covariance="compound_symmetry",
                       df_method="kenward-roger")  # fmt: skip


def test_coefficients_match_pbkrtest(fit) -> None:  # type: ignore[no-untyped-def]
    assert fit.loglik == pytest.approx(float(KR["loglik"]), rel=1e-9)
    coef = fit.coefficients.set_index("term").loc[[_ours(n) for n in KR["names"].split(",")]]
    np.testing.assert_allclose(coef["estimate"], _f("coef"), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(coef["se"], _f("se"), rtol=1e-6)  # vcovAdj
    np.testing.assert_allclose(coef["dof"], _f("df"), rtol=1e-6)  # get_Lb_ddf


def test_adjusted_means_and_contrasts_match_emmeans(fit) -> None:  # type: ignore[no-untyped-def]
    em = fit.adjusted_means
    np.testing.assert_allclose(em["estimate"], _f("emm"), rtol=1e-6)
    np.testing.assert_allclose(em["se"], _f("emmse"), rtol=1e-6)
    np.testing.assert_allclose(em["dof"], _f("emmdf"), rtol=1e-6)
    np.testing.assert_allclose(em["ci_low"], _f("emmlow"), rtol=1e-6)
    con = fit.contrasts(method="trt.vs.ctrl")
    np.testing.assert_allclose(con["estimate"], _f("conest"), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(con["se"], _f("conse"), rtol=1e-6)
    np.testing.assert_allclose(con["dof"], _f("condf"), rtol=1e-6)
    np.testing.assert_allclose(con["p_val"], _f("conp"), rtol=1e-5)


def test_kenward_roger_differs_from_the_model_based_covariance(fit) -> None:  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        plain = visit_model(load_sample(), by="practitioner_role",
                            covariance="compound_symmetry", df_method="satterthwaite")  # fmt: skip
    # the adjustment inflates the standard errors of the visit x group terms a little
    ratio = fit.coefficients["se"] / plain.coefficients["se"]
    assert (ratio >= 1 - 1e-9).all() and ratio.max() > 1.0001


def _balanced(seed: int, n: int = 30, visits: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    chol = np.array([[1.0, 0, 0], [0.6, 0.8, 0], [0.3, 0.4, 0.85]])[:visits, :visits]
    arm = np.repeat(rng.integers(0, 2, n), visits).astype(str)
    err = (rng.normal(size=(n, visits)) @ chol.T).ravel()
    return pd.DataFrame({"id": np.repeat(np.arange(n), visits),
                         "visit": np.tile([f"v{i}" for i in range(visits)], n),
                         "arm": arm, "y": err + (arm == "1") * 0.5})  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_unstructured_reproduces_the_exact_t_test(seed: int) -> None:
    df = _balanced(seed)
    fit = mmrm(df, outcome="y", subject="id", visit="visit", group="arm",
               df_method="kenward-roger")  # fmt: skip
    # Kenward and Roger (1997): exact N - G df; the GLS estimate is the per-visit OLS one
    np.testing.assert_allclose(fit.contrasts()["dof"], 30 - 2, rtol=1e-6)
    np.testing.assert_allclose(fit.adjusted_means["dof"], 30 - 2, rtol=1e-6)
    for vis, part in df.groupby("visit"):
        groups = [g["y"].to_numpy() for _, g in part.groupby("arm")]
        pooled = sum(((g - g.mean()) ** 2).sum() for g in groups) / (30 - 2)
        se = np.sqrt(pooled * sum(1 / len(g) for g in groups))
        row = fit.contrasts(visit=str(vis)).iloc[0]
        assert row["se"] == pytest.approx(se, rel=1e-6)


@pytest.mark.parametrize("covariance", ["ar1", "toeplitz"])
def test_other_structures_give_finite_kenward_roger(covariance: str) -> None:
    df = _balanced(4, n=40).sample(frac=0.9, random_state=1)  # some visits missing
    kr = mmrm(df, outcome="y", subject="id", visit="visit", group="arm",
              covariance=covariance, df_method="kenward-roger")  # fmt: skip
    sw = mmrm(df, outcome="y", subject="id", visit="visit", group="arm",
              covariance=covariance, df_method="satterthwaite")  # fmt: skip
    assert np.isfinite(kr.adjusted_means["dof"]).all()
    # the same model: estimates equal, standard errors adjusted upwards by little
    np.testing.assert_allclose(kr.adjusted_means["estimate"], sw.adjusted_means["estimate"])
    ratio = kr.adjusted_means["se"] / sw.adjusted_means["se"]
    assert ((ratio > 0.999) & (ratio < 1.1)).all()
