"""Property and recovery tests of the comparative and longitudinal models: row order and
group labels change nothing; simulated known effects are recovered with intervals that
cover them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tpdn_outcomes.stats import ancova, lmm, mmrm


def _ancova_data(seed: int, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], size=n)
    base = rng.normal(6, 1.5, n)
    effect = pd.Series(group).map({"a": 0.0, "b": -0.8, "c": -1.5}).to_numpy()
    change = -0.3 * (base - 6) + effect - 1.0 + rng.normal(0, 1, n)
    return pd.DataFrame({"g": group, "baseline": base, "change": change})


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.randoms(use_true_random=False))
def test_ancova_row_order_and_relabelling(seed: int, rnd) -> None:  # type: ignore[no-untyped-def]
    df = _ancova_data(seed)
    base = ancova(df, outcome="change", baseline="baseline", group="g")
    order = list(range(len(df)))
    rnd.shuffle(order)
    shuffled = ancova(df.iloc[order], outcome="change", baseline="baseline", group="g")
    pd.testing.assert_frame_equal(base.adjusted_means, shuffled.adjusted_means, rtol=1e-9)
    renamed = df.assign(g=df["g"].map({"a": "z_a", "b": "y_b", "c": "x_c"}))
    again = ancova(renamed, outcome="change", baseline="baseline", group="g")
    means = again.adjusted_means.set_index("group")["estimate"]
    for old, new in {"a": "z_a", "b": "y_b", "c": "x_c"}.items():
        assert means[new] == pytest.approx(
            base.adjusted_means.set_index("group").loc[old, "estimate"], rel=1e-9
        )


def test_ancova_recovers_known_group_differences() -> None:
    covered = 0
    for seed in range(40):
        df = _ancova_data(seed, n=150)
        con = ancova(df, outcome="change", baseline="baseline", group="g").contrasts(
            "trt.vs.ctrl", adjust="none"
        )
        truth = {"b - a": -0.8, "c - a": -1.5}
        covered += sum(
            row["ci_low"] <= truth[row["contrast"]] <= row["ci_high"] for _, row in con.iterrows()
        )
    assert covered >= 70  # 80 intervals at 95 %: at least 70 should cover


def _mmrm_data(seed: int, n: int = 120) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    sigma = np.array([[1.0, 0.6, 0.4], [0.6, 1.5, 0.9], [0.4, 0.9, 2.0]])
    arm = rng.integers(0, 2, n)
    means = np.array([-0.5, -1.0, -1.5])
    y = rng.multivariate_normal(np.zeros(3), sigma, size=n) + means - 0.7 * arm[:, None]
    df = pd.DataFrame({"id": np.repeat(np.arange(n), 3), "visit": np.tile(["v1", "v2", "v3"], n),
                       "arm": np.repeat(arm, 3).astype(str), "y": y.ravel()})  # fmt: skip
    drop = rng.random(len(df)) < 0.15
    drop[df["visit"] == "v1"] = False
    return df[~drop].reset_index(drop=True), sigma


def test_mmrm_row_order_and_recovery() -> None:
    df, sigma = _mmrm_data(3, n=300)
    fit = mmrm(df, outcome="y", subject="id", visit="visit", group="arm", df_method="residual")
    shuffled = mmrm(df.sample(frac=1.0, random_state=1), outcome="y", subject="id",
                    visit="visit", group="arm", df_method="residual")  # fmt: skip
    np.testing.assert_allclose(fit.adjusted_means["estimate"],
                               shuffled.adjusted_means["estimate"], rtol=1e-7)  # fmt: skip
    np.testing.assert_allclose(fit.covariance_.to_numpy(), sigma, atol=0.35)
    con = fit.contrasts(method="trt.vs.ctrl")
    assert ((con["ci_low"] <= -0.7) & (con["ci_high"] >= -0.7)).sum() >= 2


def test_lmm_recovers_a_known_slope() -> None:
    rng = np.random.default_rng(4)
    n, t = 80, 6
    g = np.repeat(np.arange(n), t)
    time = np.tile(np.arange(t), n).astype(float)
    slopes = -0.4 + rng.normal(0, 0.2, n)
    y = 6 + rng.normal(0, 1, n)[g] + slopes[g] * time + rng.normal(0, 0.5, n * t)
    df = pd.DataFrame({"g": g, "time": time, "y": y})
    fit = lmm(df, formula="y ~ time", group="g", random="1 + time")
    slope = fit.fixed.set_index("term").loc["time"]
    assert slope["ci_low"] <= -0.4 <= slope["ci_high"]
    assert fit.random_cov.loc["time", "time"] == pytest.approx(0.04, abs=0.03)
    assert fit.residual_variance == pytest.approx(0.25, abs=0.06)
    shuffled = lmm(df.sample(frac=1.0, random_state=2), formula="y ~ time", group="g",
                   random="1 + time")  # fmt: skip
    assert shuffled.loglik == pytest.approx(fit.loglik, rel=1e-9)
