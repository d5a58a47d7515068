"""Recovery of a known effect by the comparative and longitudinal models.

A randomised comparison is planted in data from ``datasets.synthesize``: patients are
allocated to two practitioner roles by a fair coin (seeded), independently of everything
else, and every pain value after the baseline (each session's post value and the pre value
of every later session) of the second role is raised by exactly ``DELTA`` points. By
construction the true difference between the roles is ``DELTA`` in the final change
(ANCOVA) and at every analysis visit (MMRM), whatever the generator's other parameters are.
For the trajectory model a slope is planted instead: ``slope * (session_number - 1)`` added
to the pre-session values of one role, so the true time x group interaction is ``slope``. Patients with a post-baseline value
that the plant would push off the 0-10 scale are set aside *before* allocation so that no shifted value is clipped
at the top of the scale (a selection independent of the allocation, which keeps the truth
exact). The tests check that the 95 % intervals cover the truth and that the estimates are
within three standard errors of it; with the fixed seeds below they are deterministic.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes import load_sessions
from tpdn_outcomes.datasets import synthesize
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.outcomes import compare_groups, trajectory_model, visit_model

DELTA = 1.0
ROLES = ("physical_therapist", "physician")


def _planted(delta: float, seed: int, slope: float = 0.0):  # type: ignore[no-untyped-def]
    """Plant ``delta`` in every post-baseline value, and ``slope`` per session in the pre
    values (``slope * (session_number - 1)``), of a randomly allocated half of patients."""
    wide = synthesize(n_patients=1500, seed=seed)
    later = wide["session_number"] > 1
    steps = (wide["session_number"] - 1).to_numpy(dtype=float)
    post_base = pd.concat([wide["pain_post"], wide["pain_pre"].where(later)], axis=1).max(axis=1)
    too_high = post_base.groupby(wide["patient_id"]).transform("max") > 10 - delta
    planted_pre = wide["pain_pre"].to_numpy(dtype=float, na_value=np.nan) + slope * steps
    out = pd.Series((planted_pre < 0) | (planted_pre > 10), index=wide.index)
    out = out.groupby(wide["patient_id"]).transform("max")
    drop = (too_high.astype("boolean").fillna(False) | out.astype(bool)).to_numpy(dtype=bool)
    wide = wide[~drop].copy()
    later = wide["session_number"] > 1
    steps = (wide["session_number"] - 1).to_numpy(dtype=float)
    patients = wide["patient_id"].unique()
    rng = np.random.default_rng(seed + 1000)
    arm = pd.Series(rng.integers(0, 2, len(patients)), index=patients)
    second = wide["patient_id"].map(arm).to_numpy() == 1
    wide["practitioner_role"] = np.where(second, ROLES[1], ROLES[0])
    shift = np.where(second, delta, 0.0)
    wide["pain_post"] = wide["pain_post"] + shift
    wide["pain_pre"] = (wide["pain_pre"] + np.where(later.to_numpy(), shift, 0.0)
                        + np.where(second, slope * steps, 0.0))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_sessions(wide, export_date="2026-12-31")


@pytest.fixture(scope="module")
def planted():  # type: ignore[no-untyped-def]
    return _planted(DELTA, seed=21)


def test_ancova_recovers_the_planted_difference(planted) -> None:  # type: ignore[no-untyped-def]
    fit = compare_groups(planted, by="practitioner_role", covariates=("condition",))
    row = fit.contrasts(method="trt.vs.ctrl", reference=ROLES[0]).iloc[0]
    assert row["ci_low"] <= DELTA <= row["ci_high"]
    assert abs(row["estimate"] - DELTA) < 3 * row["se"]
    assert row["se"] < 0.15  # the test has power: the interval is narrow


@pytest.mark.parametrize("df_method", ["satterthwaite", "kenward-roger"])
def test_mmrm_recovers_the_planted_difference_at_every_visit(planted, df_method: str) -> None:  # type: ignore[no-untyped-def]
    fit = visit_model(planted, by="practitioner_role", df_method=df_method)  # type: ignore[arg-type]
    con = fit.contrasts(method="trt.vs.ctrl", reference=ROLES[0])
    assert len(con) == 4
    assert ((con["ci_low"] <= DELTA) & (DELTA <= con["ci_high"])).all()
    assert ((con["estimate"] - DELTA).abs() < 3 * con["se"]).all()


def test_trajectory_model_recovers_a_planted_slope() -> None:
    # a per-session slope of -0.25 points added to the pre values of one role: the
    # time x group interaction of the mixed model is the planted slope
    slope = -0.25
    data = _planted(0.0, seed=23, slope=slope)
    fit = trajectory_model(data, by="practitioner_role", time="session_number")
    row = fit.model.fixed.set_index("term").loc[f"time:C(group)[T.{ROLES[1]}]"]
    assert row["ci_low"] <= slope <= row["ci_high"]
    assert abs(row["estimate"] - slope) < 3 * row["se"]
    assert row["se"] < 0.05


def test_no_effect_is_found_when_none_is_planted() -> None:
    data = _planted(0.0, seed=22)
    fit = compare_groups(data, by="practitioner_role", covariates=("condition",))
    row = fit.contrasts(method="trt.vs.ctrl", reference=ROLES[0]).iloc[0]
    assert row["ci_low"] <= 0.0 <= row["ci_high"]
