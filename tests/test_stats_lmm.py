"""stats.lmm and outcomes.trajectory_model against lme4 1.1-31 (R 4.2.2).

Expected values: tests/reference/stats_lmm.R (sleepstudy: Reaction ~ Days with (Days |
Subject) and (1 | Subject)) and tests/reference/outcomes_trajectory.R (the sample's pain
trajectory, value ~ time * group + (1 + time | episode)), printed with 17 significant digits
to the .Rout.txt files (constants below); lme4 was run with bobyqa to rhoend = 1e-12.
Tolerances: the REML log-likelihood 1e-11 and fixed effects 1e-8 relative (sleepstudy);
variance components 1e-4 relative, as the issue sets for them, and standard errors and BLUPs
1e-5: the restricted likelihood is flat near its maximum. On sleepstudy's random-slope
model the library's optimum and lme4's differ by 1e-7 in theta while their deviances differ
by 4e-11 (floating-point noise: the deviance along the line between them varies at that
level without a trend), which moves the intercept-slope covariance by 8e-6 relative;
``test_optimum_is_as_good_as_lme4s`` shows the library's point is no worse than lme4's. The
trajectory model's fixed effects agree to 2e-7 points (1e-6 absolute), a millionth of their
standard errors.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from samples import load_four_clinics as load_sample  # the R reference data

from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.outcomes import trajectory_model
from tpdn_outcomes.stats import lmm

REF = Path(__file__).parent / "reference"

R = {
    "M1_fixed": "251.4051048484861,10.46728595959604",
    "M1_se": "6.824555776275826,1.5457889324298524",
    "M1_t": "36.838310520143246,6.7714846056908513",
    "M1_cov": "612.08974827466864,9.6043354747548584,9.6043354747548584,35.071662344213507",
    "M1_sigma2": "654.9410406819693",
    "M1_loglik": "-871.81413597924552",
    "M1_ranef_int": "2.2585655005934941,-40.398576924924541,-38.960245800740438,23.690498389017598,22.260202656563621,9.0395258889010197,16.84043112036602,-7.2325791726335558,-0.33369595171369887,34.890350847748728,-25.210110330069814,-13.069956601615029,4.5778351281824108,20.863592471863829,3.2754530241156679,-25.612869329912915,0.80703973156669806,12.314539352672618",
    "M1_ranef_days": "9.1989719042254841,-8.6197031829601602,-5.4488799171620883,-4.8143312867478389,-3.06989458100609,-0.27217065160553833,-0.22362443249389696,1.074576070132186,-10.752159085825761,8.628283952890925,1.1734142368045464,6.6142049810156145,-3.0152571782348909,3.5360133159202962,0.87221660004955825,4.8224645990713535,-0.9881550894021579,1.2840297453263911",
    "M2_fixed": "251.40510484848389,10.467285959595921",
    "M2_se": "9.7467161546096754,0.80422143012324077",
    "M2_cov": "1378.1784726260964",
    "M2_sigma2": "960.4565813741641",
    "M2_loglik": "-893.23254269746042",
    "T_fixed": "6.0868719402896136,-0.29933300133462321,0.93658091019684753,0.17486743991514656,0.12808737856613914,-0.22511330015496953,0.19363949964277807,-0.49520651979668001,-0.10610482029088551,-0.21215101446780343,-0.17653817517224651,-0.16670548896942497,-0.18648148488321054,0.11513775093882919,-0.19696383222952693,-0.24758832682390031,-0.076339049385846361,-0.14275208774147324",
    "T_se": "0.12483824064810985,0.042402064202987762,0.28586250724203932,0.19830124795859747,0.17743141675926657,0.33658162239173228,0.19090364768335491,0.22284445454963012,0.22485093041167833,0.24742035193472775,0.099349285544730034,0.067506342829604618,0.061209611722977675,0.11840010068573512,0.064878921272914017,0.076888340591937082,0.073444242403629026,0.087481026983644683",
    "T_cov": "1.7867441931019035,-0.088416761393530899,-0.088416761393530899,0.13205200189237287",
    "T_sigma2": "0.39205064288478819",
    "T_loglik": "-3905.9339064207352",
}


def _f(key: str) -> np.ndarray:
    return np.array([float(x) for x in R[key].split(",")])


@pytest.fixture(scope="module")
def sleep() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "sleepstudy.csv")


def test_random_slope_model_matches_lme4(sleep: pd.DataFrame) -> None:
    fit = lmm(sleep, formula="Reaction ~ Days", group="Subject", random="1 + Days")
    assert list(fit.fixed["term"]) == ["Intercept", "Days"]
    np.testing.assert_allclose(fit.fixed["estimate"], _f("M1_fixed"), rtol=1e-8)
    np.testing.assert_allclose(fit.fixed["se"], _f("M1_se"), rtol=1e-6)
    np.testing.assert_allclose(fit.fixed["statistic"], _f("M1_t"), rtol=1e-6)
    np.testing.assert_allclose(fit.random_cov.to_numpy().ravel(), _f("M1_cov"), rtol=1e-4)
    assert list(fit.random_cov.index) == ["Intercept", "Days"]
    assert fit.residual_variance == pytest.approx(float(R["M1_sigma2"]), rel=1e-6)
    assert fit.loglik == pytest.approx(float(R["M1_loglik"]), rel=1e-11)
    np.testing.assert_allclose(fit.random_effects["Intercept"], _f("M1_ranef_int"), rtol=1e-5,
                               atol=1e-5)  # fmt: skip
    np.testing.assert_allclose(fit.random_effects["Days"], _f("M1_ranef_days"), rtol=1e-5,
                               atol=1e-5)  # fmt: skip
    assert "residual variance" in fit.summary()


def test_optimum_is_as_good_as_lme4s(sleep: pd.DataFrame) -> None:
    import statsmodels.formula.api as smf

    from tpdn_outcomes.stats.lmm import _ProfiledLmm

    design = smf.ols("Reaction ~ Days", sleep)
    z = np.column_stack([np.ones(len(sleep)), sleep["Days"].to_numpy(float)])
    codes, labels = pd.factorize(sleep["Subject"], sort=True)
    prof = _ProfiledLmm(design.endog, design.exog, z, codes, len(labels), reml=True)
    # lme4's theta: the Cholesky factor of its random-effect covariance over sigma^2
    lam = np.linalg.cholesky(_f("M1_cov").reshape(2, 2) / float(R["M1_sigma2"]))
    at_lme4 = prof.deviance(lam[np.tril_indices(2)])
    assert at_lme4 == pytest.approx(-2 * float(R["M1_loglik"]), rel=1e-13)  # same function
    ours = prof.optimise()
    assert ours.fun <= at_lme4 + 1e-10


def test_random_intercept_model_matches_lme4(sleep: pd.DataFrame) -> None:
    fit = lmm(sleep, formula="Reaction ~ Days", group="Subject")
    np.testing.assert_allclose(fit.fixed["estimate"], _f("M2_fixed"), rtol=1e-8)
    np.testing.assert_allclose(fit.fixed["se"], _f("M2_se"), rtol=1e-6)
    assert fit.random_cov.iloc[0, 0] == pytest.approx(float(R["M2_cov"]), rel=1e-6)
    assert fit.residual_variance == pytest.approx(float(R["M2_sigma2"]), rel=1e-6)
    assert fit.loglik == pytest.approx(float(R["M2_loglik"]), rel=1e-11)
    with pytest.raises(ValueError, match="random"):
        lmm(sleep, formula="Reaction ~ Days", group="Subject", random="Days")


def test_trajectory_model_matches_lme4() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        traj = trajectory_model(load_sample())
    ref = pd.read_csv(REF / "data" / "sample_pain_trajectory.csv")
    pd.testing.assert_frame_equal(traj.data.reset_index(drop=True), ref, check_dtype=False)
    fixed = traj.model.fixed.set_index("term")
    groups = sorted(ref["group"].unique())
    r_names = ["Intercept", "time", *[f"C(group)[T.{g}]" for g in groups[1:]],
               *[f"time:C(group)[T.{g}]" for g in groups[1:]]]  # fmt: skip
    np.testing.assert_allclose(fixed.loc[r_names, "estimate"], _f("T_fixed"), rtol=1e-6,
                               atol=1e-6)  # fmt: skip
    np.testing.assert_allclose(fixed.loc[r_names, "se"], _f("T_se"), rtol=1e-5)
    np.testing.assert_allclose(traj.model.random_cov.to_numpy().ravel(), _f("T_cov"), rtol=1e-4)
    assert traj.model.loglik == pytest.approx(float(R["T_loglik"]), rel=1e-10)
    first = traj.predictions.iloc[0]
    assert first["time"] == 0 and first["estimate"] == pytest.approx(_f("T_fixed")[0], rel=1e-6)
    one = trajectory_model(load_sample(), by=None, random="intercept", transform="log1p")
    assert list(one.predictions["group"].unique()) == ["All episodes"]
    assert (one.predictions["ci_low"] <= one.predictions["estimate"]).all()


def test_agrees_with_statsmodels_mixedlm() -> None:
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(4)
    n_groups, per = 150, 6
    g = np.repeat(np.arange(n_groups), per)
    t = np.tile(np.arange(per, dtype=float), n_groups)
    arm = np.repeat(rng.integers(0, 2, n_groups), per)
    b0, b1 = rng.normal(0, 1.0, n_groups), rng.normal(0, 0.3, n_groups)
    y = 5 + b0[g] + (-0.4 + 0.2 * arm + b1[g]) * t + rng.normal(0, 0.8, len(g))
    df = pd.DataFrame({"y": y, "t": t, "arm": arm.astype(str), "g": g}).sample(frac=0.85,
                                                                             random_state=2)  # fmt: skip
    ours = lmm(df, formula="y ~ t * C(arm)", group="g", random="1 + t")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = smf.mixedlm("y ~ t * C(arm)", df, groups=df["g"], re_formula="~t").fit(
            reml=True, method=["lbfgs"], gtol=1e-10
        )
    np.testing.assert_allclose(ours.fixed["estimate"], sm.fe_params, rtol=1e-5)
    # statsmodels' standard errors come from the inverse Hessian of all parameters, lme4's
    # (and the library's) from the GLS covariance at the variance components: 1e-4 apart
    np.testing.assert_allclose(ours.fixed["se"], sm.bse_fe, rtol=1e-3)
    np.testing.assert_allclose(ours.random_cov.to_numpy(), sm.cov_re.to_numpy(), rtol=1e-4)
    assert ours.residual_variance == pytest.approx(sm.scale, rel=1e-4)
    assert ours.loglik >= sm.llf - 1e-6  # at least as high a restricted likelihood


@pytest.mark.parametrize("slope", [False, True])
def test_profiled_deviance_equals_the_dense_formula(slope: bool) -> None:
    """The pooled-pattern deviance equals -2 x the restricted log-likelihood computed from
    the full covariance matrix V = sigma^2 (I + Z L L' Z') with profiled beta and sigma^2."""
    from tpdn_outcomes.stats.lmm import _ProfiledLmm

    rng = np.random.default_rng(9)
    sizes = rng.integers(1, 5, 40)  # many groups share a size: patterns are pooled
    codes = np.repeat(np.arange(40), sizes)
    t = np.concatenate([np.arange(k, dtype=float) for k in sizes])
    arm = rng.integers(0, 2, 40)[codes].astype(float)
    x = np.column_stack([np.ones(len(t)), t, arm, t * arm])
    y = rng.normal(size=len(t)) + t * 0.3
    z = np.column_stack([np.ones(len(t)), t]) if slope else np.ones((len(t), 1))
    theta = np.array([0.8, -0.3, 0.5]) if slope else np.array([0.7])
    prof = _ProfiledLmm(y, x, z, codes, 40, reml=True)
    assert len(prof.count) < 40 and prof.count.sum() == 40
    lam = prof.factor(theta)
    zfull = np.zeros((len(t), 40 * z.shape[1]))
    for g in range(40):
        rows = codes == g
        zfull[np.ix_(rows, range(g * z.shape[1], (g + 1) * z.shape[1]))] = z[rows]
    big = np.kron(np.eye(40), lam)
    v = np.eye(len(t)) + zfull @ big @ big.T @ zfull.T
    vinv = np.linalg.inv(v)
    a = x.T @ vinv @ x
    beta = np.linalg.solve(a, x.T @ vinv @ y)
    r2 = float((y - x @ beta) @ vinv @ (y - x @ beta))
    df = len(y) - x.shape[1]
    dense = (np.linalg.slogdet(v)[1] + np.linalg.slogdet(a)[1]
             + df * (1 + np.log(2 * np.pi * r2 / df)))  # fmt: skip
    assert prof.deviance(theta) == pytest.approx(dense, rel=1e-12)
    ml = _ProfiledLmm(y, x, z, codes, 40, reml=False)
    n = len(y)
    dense_ml = np.linalg.slogdet(v)[1] + n * (1 + np.log(2 * np.pi * r2 / n))
    assert ml.deviance(theta) == pytest.approx(dense_ml, rel=1e-12)
    # row order and group labels do not matter
    perm = rng.permutation(len(t))
    again = _ProfiledLmm(y[perm], x[perm], z[perm], (codes[perm] * 7) % 40, 40, reml=True)
    assert again.deviance(theta) == pytest.approx(prof.deviance(theta), rel=1e-12)


# lme4 1.1-31 (R 4.2.2), tests/reference/stats_lmm_singular.R on
# tests/reference/data/lmm_singular.csv (15 groups x 6 times, simulated in R with
# set.seed(29)), output tests/reference/stats_lmm_singular.Rout.txt. lme4 prints
# "boundary (singular) fit: see help('isSingular')" for the first two fits.
R_SINGULAR = {
    # (response, random): (isSingular, theta, fixed, VarCorr, sigma^2, REML log-likelihood)
    ("slope", "1 + t"): (
        True,
        [1.145391625284057, -0.065518638372197041, 0.0],
        [5.0928717460317152, -0.43571847619047122],
        [1.2357120143369882, -0.070685141057710885, -0.070685141057710885, 0.0040433281447289802],
        0.94190968489712867,
        -140.74457273865056,
    ),
    ("flat", "1"): (True, [0.0], [5.1615828571428546, -0.43842380952380838], [0.0],
                    1.3239948117294371, -142.25037700863862),
    ("slope", "1"): (False, [0.97209112797594255], [5.0928717460317321, -0.43571847619047416],
                     [0.90395478716484179], 0.95660522822184768, -141.23267852804901),
}  # fmt: skip


@pytest.mark.parametrize(("response", "random"), list(R_SINGULAR))
def test_singular_fits_are_flagged_as_lme4(response: str, random: str) -> None:
    singular, theta, fixed, cov, sigma2, loglik = R_SINGULAR[(response, random)]
    data = pd.read_csv(REF / "data" / "lmm_singular.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = lmm(data, formula=f"{response} ~ t", group="g", random=random)
    assert fit.singular is singular
    said = [str(w.message) for w in caught if "boundary (singular) fit" in str(w.message)]
    assert len(said) == int(singular)
    assert ("boundary (singular) fit" in fit.summary()) is singular
    # the fit itself still matches lme4 (theta to 1e-6 absolute: on the boundary lme4's
    # bobyqa stops at exactly 0, the library's unconstrained search within 1e-8 of it)
    np.testing.assert_allclose(fit.result.x, theta, atol=1e-6)
    np.testing.assert_allclose(fit.fixed["estimate"], fixed, rtol=1e-8)
    np.testing.assert_allclose(fit.random_cov.to_numpy().ravel(), cov, rtol=1e-5, atol=1e-12)
    assert fit.residual_variance == pytest.approx(sigma2, rel=1e-7)
    assert fit.loglik == pytest.approx(loglik, rel=1e-11)


def test_sleepstudy_is_not_singular(sleep: pd.DataFrame) -> None:
    # lme4: isSingular(lmer(Reaction ~ Days + (Days | Subject), sleepstudy)) is FALSE
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = lmm(sleep, formula="Reaction ~ Days", group="Subject", random="1 + Days")
    assert fit.singular is False
