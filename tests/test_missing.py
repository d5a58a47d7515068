"""Missing follow-up: Rubin's rules against mice::pool.scalar, attrition counts, and
multiple imputation / tipping point recovering a known answer on synthetic data.

Expected values for rubin(): tests/reference/stats_mi.R (mice 3.15, R 4.2.2), printed output
in tests/reference/stats_mi.Rout.txt (17 significant digits): tolerance 1e-12.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes import load_sessions
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.datasets import synthesize
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.outcomes import attrition, multiple_imputation, tipping_point
from tpdn_outcomes.stats import rubin

Q = [-2.31, -2.05, -2.22, -2.40, -2.12, -2.28]
U = [0.021, 0.019, 0.022, 0.020, 0.023, 0.021]
R_POOL = {  # n: qbar, ubar, b, t, df, r, fmi
    np.inf: (-2.23, 0.021000000000000001, 0.016479999999999998, 0.040226666666666668,
             21.887194834574423, 0.91555555555555546, 0.51991087670624114),
    40: (-2.23, 0.021000000000000001, 0.016479999999999998, 0.040226666666666668,
         10.281564259368725, 0.91555555555555546, 0.55656972445455477),
}  # fmt: skip


@pytest.mark.parametrize("n", list(R_POOL))
def test_rubin_matches_mice_pool_scalar(n: float) -> None:
    out = rubin(Q, U, df_complete=None if np.isinf(n) else n - 1).iloc[0]
    qbar, ubar, b, t, df, r, fmi = R_POOL[n]
    for col, value in [("estimate", qbar), ("within", ubar), ("between", b), ("total", t),
                       ("dof", df), ("riv", r), ("fmi", fmi)]:  # fmt: skip
        assert out[col] == pytest.approx(value, rel=1e-12), col
    assert out["se"] == pytest.approx(np.sqrt(t), rel=1e-12)


def test_attrition_counts(sample: SessionData) -> None:
    table = attrition(sample).set_index("condition")
    ep = sample.episodes("pain")
    for condition, g in ep.groupby("condition", observed=True):
        row = table.loc[condition]
        assert row["n_episodes"] == len(g)
        assert row["n_completers"] == g["change"].notna().sum()
        assert row["n_non_completers"] == (g["baseline"].notna() & g["change"].isna()).sum()
    assert table["note"].str.startswith("fewer").all()  # the sample has almost no drop-outs


@pytest.fixture(scope="module")
def with_dropouts():  # type: ignore[no-untyped-def]
    """Synthetic data in which 30 % of episodes lose their final values completely at random."""
    wide = synthesize(n_patients=1500, seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        full = load_sessions(wide, export_date="2026-12-31")
    ep = full.episodes("pain")
    rng = np.random.default_rng(5)
    drop = set(ep.loc[rng.random(len(ep)) < 0.3, "episode_id"].astype(str))
    s = full.sessions
    m = full.measures
    first = s.groupby("episode_id", observed=True)["session_number"].transform("min")
    gone = (
        s["episode_id"].astype(str).isin(drop).to_numpy() & (s["session_number"] > first).to_numpy()
    )
    keep_ids = set(s.loc[~gone, "session_id"].astype(str))
    # keep every episode's first session, and its pre value only (no post) when dropped
    measures = m[m["session_id"].astype(str).isin(keep_ids)]
    first_ids = set(s.loc[s["episode_id"].astype(str).isin(drop) & (s["session_number"] == first),
                          "session_id"].astype(str))  # fmt: skip
    measures = measures[~(measures["session_id"].astype(str).isin(first_ids)
                          & (measures["timing"].astype(str) == "post"))]  # fmt: skip
    from tpdn_outcomes.data import SessionData

    partial = SessionData(s[~gone].reset_index(drop=True), measures.reset_index(drop=True),
                          metadata=dict(full.metadata), check=False)  # fmt: skip
    return full, partial


def test_imputation_recovers_the_complete_data_answer(with_dropouts) -> None:  # type: ignore[no-untyped-def]
    full, partial = with_dropouts
    truth = full.episodes("pain")["change"].mean()
    assert attrition(partial, by=None)["rate_non_completion"].iloc[0] > 0.25
    mi = multiple_imputation(partial, by=None, m=20, seed=3).iloc[0]
    assert mi["ci_low"] <= truth <= mi["ci_high"]
    assert mi["fmi"] > 0.05 and mi["n_imputed"] > 100
    worse = multiple_imputation(partial, by=None, m=20, seed=3, delta=1.0).iloc[0]
    assert worse["estimate"] > mi["estimate"]  # pain: worse means a smaller fall
    # the same seed and delta give the same answer
    again = multiple_imputation(partial, by=None, m=20, seed=3).iloc[0]
    assert again["estimate"] == mi["estimate"]


def test_tipping_point_finds_where_improvement_vanishes(with_dropouts) -> None:  # type: ignore[no-untyped-def]
    _, partial = with_dropouts
    table = tipping_point(partial, deltas=[0, 2, 4, 6, 8, 10, 15], m=10)
    delta = table.attrs["tipping_delta"]["All"]
    assert not np.isnan(delta)
    row = table[table["delta"] == delta].iloc[0]
    before = table[table["delta"] < delta]
    assert row["ci_high"] >= 0 and (before["ci_high"] < 0).all()
    assert table["estimate"].is_monotonic_increasing


def test_bad_input(sample: SessionData) -> None:
    with pytest.raises(ValueError, match="analysis"):
        multiple_imputation(sample, analysis="mmrm")
    with pytest.raises(ValueError, match="at least 2"):
        multiple_imputation(sample, m=1)
    with pytest.raises(ValueError, match="two estimates"):
        rubin([1.0], [0.1])
    out = multiple_imputation(sample, m=3, seed=1, analysis="ancova")
    assert isinstance(out, pd.DataFrame) and len(out) == 9
