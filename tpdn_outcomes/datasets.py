"""Synthetic, anonymised TPDN session data: the generator and the shipped sample.

The data made here are **invented**. They look like a multi-clinic export of trigger
point dry needling sessions (one row per session, pain before and after needling,
range of motion and a function questionnaire where they apply, adverse events), with
a documented ground truth (:func:`ground_truth`) so that statistics computed on them
can be checked against known values. The numbers are illustrative, not clinical
evidence.

* :func:`synthesize` makes a wide session table (the file format of ``sessions.csv``),
  fully vectorised (no loop over patients or sessions).
* :func:`to_long` turns it into the long pair (session index + measures table).
* :func:`make_messy` turns a small clean table into a messy clinic export with planted
  problems, and lists them.
* :func:`write_sample` writes the sample files; :func:`load_sample` loads the copy
  shipped inside the package, :func:`sample_path` finds it.

Run ``python -m tpdn_outcomes.datasets --out data/sample`` to regenerate the sample
(it also refreshes the copy in ``tpdn_outcomes/sample_data``).

Examples
--------
>>> from tpdn_outcomes.datasets import synthesize, to_long
>>> wide = synthesize(n_patients=20, seed=1)
>>> wide.columns[:5].tolist()
['patient_id', 'session_date', 'session_number', 'clinic_id', 'condition']
>>> index, measures = to_long(wide)
>>> len(index) == len(wide), sorted(measures["timing"].unique())
(True, ['post', 'pre'])
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import warnings
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

import numpy as np
import pandas as pd

from tpdn_outcomes import schema

if TYPE_CHECKING:  # pragma: no cover
    from tpdn_outcomes.data import SessionData

__all__ = [
    "DEFAULT_SEED",
    "SAMPLES",
    "SAMPLE_EXPORT_DATE",
    "SAMPLE_FILES",
    "ground_truth",
    "load_sample",
    "make_messy",
    "sample_frame",
    "sample_path",
    "synthesize",
    "to_long",
    "wide_columns",
    "write_sample",
]

#: Seed of :func:`synthesize` (and of the four-clinic sample).
DEFAULT_SEED = 20260101
#: Patients of :func:`synthesize` (and of the four-clinic sample).
DEFAULT_PATIENTS = 600
#: Seed of the shipped sample (the seven-clinic network).
SAMPLE_SEED = 20240703
#: Patients in the shipped sample.
SAMPLE_PATIENTS = 3400
#: Relative sizes of the shipped sample's clinics ``CLN-01`` ... ``CLN-07``: about the
#: completed episodes per quarter of each (one large clinic, six smaller ones).
SAMPLE_CLINIC_WEIGHTS: tuple[int, ...] = (150, 80, 65, 55, 50, 45, 40)
#: First day of the shipped sample: two years (eight quarters) to 2026-06-30.
SAMPLE_START = "2024-07-01"
#: Quarters of the shipped sample.
SAMPLE_QUARTERS = 8
#: Seed of the planted problems in the shipped messy file.
MESSY_SEED = 7
#: Rows (before the planted duplicate) of the shipped messy file.
MESSY_ROWS = 120
#: The export date the shipped sample is loaded with: the day after its last quarter
#: (the data run from 2024-07-01 to 2026-06-30). Passing it makes loading the sample
#: independent of today's date. The four-clinic sample ends on the same day.
SAMPLE_EXPORT_DATE = "2026-07-01"


class SampleDesign(NamedTuple):
    """The :func:`synthesize` arguments of a named sample (see :data:`SAMPLES`)."""

    n_patients: int
    clinics: int | tuple[int, ...]
    start: str
    quarters: int
    seed: int
    description: str


#: The named samples :func:`sample_frame` and :func:`write_sample` make. ``"network"``
#: is the shipped sample (:func:`load_sample`): seven clinics over two years, one with
#: about 150 completed episodes a quarter and the smallest with about 40.
#: ``"four_clinics"`` is the sample shipped before it (600 patients, four clinics, six
#: quarters from 2025-01-01); the messy file is always cut from it, and the tests whose
#: expected values come from R use it.
SAMPLES: dict[str, SampleDesign] = {
    "network": SampleDesign(
        SAMPLE_PATIENTS,
        SAMPLE_CLINIC_WEIGHTS,
        SAMPLE_START,
        SAMPLE_QUARTERS,
        SAMPLE_SEED,
        "eight quarters from 2024-07-01",
    ),
    "four_clinics": SampleDesign(
        DEFAULT_PATIENTS,
        4,
        "2025-01-01",
        6,
        DEFAULT_SEED,
        "six quarters from 2025-01-01",
    ),
}
_EXCEL_MAX_ROWS = 1_048_576  # rows of an Excel sheet, the header included
#: The files :func:`write_sample` writes, in order.
SAMPLE_FILES: tuple[str, ...] = (
    "sessions.csv",
    "sessions.xlsx",
    "sessions_index.csv",
    "measures_long.csv",
    "sessions_with_errors.csv",
    "README.md",
)

# ---------------------------------------------------------------------------
# The ground truth
# ---------------------------------------------------------------------------


# condition: (episode share, pain baseline, pain change per completed episode,
#             immediate within-session pain change, ROM site, ROM sides, ROM baseline,
#             ROM change per completed episode, ROM immediate change, instrument,
#             function baseline, function change per completed episode, share female)
class _Condition(NamedTuple):
    share: float
    pain_baseline: float
    pain_change: float
    pain_immediate: float
    rom_site: str
    rom_sides: str
    rom_baseline: float
    rom_change: float
    rom_immediate: float
    instrument: str
    function_baseline: float
    function_change: float
    share_female: float


_NA = float("nan")
_CONDITION_PARAMS: dict[str, _Condition] = {
    "myofascial_pain_syndrome": _Condition(0.12, 6.4, -2.6, -1.1, "cervical_rotation", "both", 58.0, 7.0, 3.0, "ndi", 17.0, -5.0, 0.62),
    "tension_type_headache": _Condition(0.09, 6.0, -2.3, -0.9, "", "", _NA, _NA, _NA, "hit6", 62.0, -5.0, 0.68),
    "fibromyalgia": _Condition(0.05, 7.1, -1.6, -0.6, "", "", _NA, _NA, _NA, "fiqr", 58.0, -9.0, 0.85),
    "chronic_low_back_pain": _Condition(0.20, 6.3, -2.4, -1.0, "lumbar_flexion", "none", 62.0, 8.0, 3.0, "odi", 34.0, -9.0, 0.55),
    "tmj_dysfunction": _Condition(0.06, 5.9, -2.7, -1.1, "mouth_opening", "none", 36.0, 6.0, 2.0, "psfs", 4.2, 2.4, 0.75),
    "neck_pain": _Condition(0.22, 6.2, -2.9, -1.2, "cervical_rotation", "both", 56.0, 9.0, 4.0, "ndi", 16.0, -6.0, 0.60),
    "shoulder_pain": _Condition(0.14, 6.1, -2.8, -1.1, "shoulder_abduction", "affected", 128.0, 18.0, 7.0, "quickdash", 44.0, -14.0, 0.52),
    "sports_injury": _Condition(0.09, 5.7, -3.2, -1.3, "", "", _NA, _NA, _NA, "psfs", 4.0, 3.0, 0.38),
    "other": _Condition(0.03, 6.0, -2.0, -0.8, "", "", _NA, _NA, _NA, "", _NA, _NA, 0.55),
}  # fmt: skip

#: Session share of each adverse event (independent of condition and of each other).
#: Bruising and bleeding follow the therapist-reported rates of Brady et al. 2014
#: (7.55 % and 4.65 % of 7629 treatments); the others are illustrative (see
#: :func:`ground_truth`).
ADVERSE_EVENT_RATES: dict[str, float] = {
    "soreness": 0.30,
    "bruising": 0.075,
    "fatigue": 0.02,
    "bleeding": 0.046,
    "dizziness": 0.005,
    "fainting": 0.001,
    "other": 0.004,
}
#: Share of sessions with a local twitch response.
TWITCH_RATE = 0.5
#: Share of episodes that stop early (after 1 or 2 sessions, before the planned course).
DROPOUT_RATE = 0.15
#: Share of sessions without a recorded post-needling pain score.
PAIN_POST_MISSING = 0.03
#: Share of sessions (of conditions with a ROM site) without ROM measured.
ROM_MISSING = 0.05
#: Share of completed episodes whose closing function questionnaire was not returned.
FUNCTION_POST_MISSING = 0.04
#: Share of patients with a second episode (a recurrence after > 90 days, or another condition).
SECOND_EPISODE_RATE = 0.15
#: Of the second episodes, the share that are a recurrence of the same condition.
RECURRENCE_SHARE = 0.35
#: Planned sessions per course: values 2..8 and their probabilities.
_PLANNED_SESSIONS = (np.arange(2, 9), np.array([0.10, 0.17, 0.20, 0.18, 0.14, 0.11, 0.10]))

_ROLES = ("physical_therapist", "chiropractor", "physician", "other")
_ROLE_P = np.array([0.78, 0.12, 0.08, 0.02])
_AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+")
_AGE_P = np.array([0.12, 0.18, 0.22, 0.21, 0.15, 0.09, 0.025, 0.005])
_SEXES = ("female", "male", "other", "unknown")
_SEX_OTHER, _SEX_UNKNOWN = 0.005, 0.015

#: Muscles needled per condition, the most frequently needled first.
MUSCLES: dict[str, tuple[str, ...]] = {
    "myofascial_pain_syndrome": ("upper_trapezius", "levator_scapulae", "infraspinatus", "rhomboid_major", "gluteus_medius", "quadratus_lumborum"),
    "tension_type_headache": ("upper_trapezius", "suboccipitals", "sternocleidomastoid", "temporalis", "splenius_capitis"),
    "fibromyalgia": ("upper_trapezius", "gluteus_medius", "levator_scapulae", "supraspinatus"),
    "chronic_low_back_pain": ("quadratus_lumborum", "lumbar_multifidus", "gluteus_medius", "iliocostalis_lumborum", "piriformis", "gluteus_minimus"),
    "tmj_dysfunction": ("masseter", "temporalis", "lateral_pterygoid", "medial_pterygoid", "digastric"),
    "neck_pain": ("upper_trapezius", "levator_scapulae", "splenius_capitis", "suboccipitals", "sternocleidomastoid", "cervical_multifidus"),
    "shoulder_pain": ("infraspinatus", "supraspinatus", "teres_minor", "upper_trapezius", "deltoid", "subscapularis"),
    "sports_injury": ("gastrocnemius", "soleus", "vastus_lateralis", "biceps_femoris", "gluteus_medius", "peroneus_longus"),
    "other": ("gluteus_medius", "piriformis", "tensor_fasciae_latae", "gastrocnemius"),
}  # fmt: skip

#: ROM columns of the wide table (site with side), in column order.
ROM_COLUMNS: tuple[str, ...] = (
    "cervical_rotation_left",
    "cervical_rotation_right",
    "lumbar_flexion",
    "shoulder_abduction_left",
    "shoulder_abduction_right",
    "mouth_opening",
)
#: Function instruments of the wide table, in column order.
FUNCTION_COLUMNS: tuple[str, ...] = ("ndi", "hit6", "fiqr", "odi", "psfs", "quickdash")
# decimals recorded per instrument (PSFS is a mean of 0-10 items; FIQR and QuickDASH are
# computed scores with fractions)
_FUNCTION_DECIMALS = {"ndi": 0, "hit6": 0, "fiqr": 1, "odi": 0, "psfs": 1, "quickdash": 1}
# spreads of the latent model (see ground_truth Notes)
_SD = {
    "pain_baseline": 1.3,
    "pain_rel_change": 0.18,
    "pain_noise": 0.5,
    "pain_immediate": 0.6,
    "rom_baseline_rel": 0.16,
    "rom_change_rel": 0.10,
    "rom_noise_rel": 0.04,
    "rom_immediate_rel": 0.04,
    "function_baseline_rel": 0.22,
    "function_rel_change": 0.18,
    "function_noise_rel": 0.03,
}
_SESSION_INTERVAL = (5, 10)  # days between sessions, inclusive


def wide_columns() -> list[str]:
    """The columns of the wide session table, in file order.

    Examples
    --------
    >>> cols = wide_columns()
    >>> cols[:3], cols[13:15], cols[-2:]
    (['patient_id', 'session_date', 'session_number'], ['pain_post', 'rom_cervical_rotation_left_pre'], ['quickdash_pre', 'quickdash_post'])
    """
    cols = [
        "patient_id",
        "session_date",
        "session_number",
        "clinic_id",
        "condition",
        "practitioner_role",
        "muscles",
        "needle_count",
        "twitch_response",
        "adverse_events",
        "age_band",
        "sex",
        "pain_pre",
        "pain_post",
    ]
    cols += [f"rom_{s}_{t}" for s in ROM_COLUMNS for t in ("pre", "post")]
    cols += [f"{f}_{t}" for f in FUNCTION_COLUMNS for t in ("pre", "post")]
    return cols


def ground_truth() -> pd.DataFrame:
    """The true parameters behind :func:`synthesize`, one row per condition.

    The numbers are **illustrative**: chosen to be plausible for TPDN practice and to
    give each statistic something to find, not taken from trials and **not clinical
    evidence**. They are the means of the generating process; observed means in a
    synthesized table differ by sampling error and, a little, by rounding to whole
    points/degrees and clipping to each scale's range (in a 20,000-patient sample the
    differences are below 0.1 NPRS point, 0.5 degree and 0.5 questionnaire point).

    Returns
    -------
    DataFrame
        One row per condition of :data:`tpdn_outcomes.schema.CONDITIONS`, columns:

        - ``condition``;
        - ``episode_share``: probability that an episode is of this condition;
        - ``pain_baseline``: mean NPRS (0-10) before the first session;
        - ``pain_change``: mean change (last session's post - first session's pre) over
          **completed** episodes (the planned course, not stopped early, ended before
          the data's end);
        - ``pain_immediate_change``: mean within-session change (post - pre) per session;
        - ``rom_site``, ``rom_sides`` (``both``: left and right measured; ``affected``:
          one side per episode, 60 % right; ``none``: a site without side; blank: no
          ROM), ``rom_unit``;
        - ``rom_baseline``, ``rom_change`` (per completed episode, as pain),
          ``rom_immediate_change`` (per session);
        - ``instrument`` (``function:<instrument>``; blank for ``other``),
          ``function_higher_is_better``, ``function_baseline``, ``function_change``
          (``_post`` at the last session of a completed episode - ``_pre`` at its first);
        - ``share_female``: share of female patients among those whose first episode
          is of this condition (about 2 % more are ``other``/``unknown``);
        - ``dropout_share``: share of episodes stopped after 1-2 sessions;
        - ``twitch_share``: share of sessions with a local twitch response;
        - ``ae_<event>``: share of sessions with each adverse event (events are
          independent, so a session may list several).

    Notes
    -----
    The generating model, per episode of planned length ``K`` (2-8 sessions, 5-10 days
    apart): the latent pre-needling pain at session ``j = 1..K`` moves linearly from
    the baseline ``b`` to ``b + D`` and every session lowers pain by an immediate
    change ``I`` (mean ``pain_immediate_change``, 0.3 point more with a twitch
    response, centred so the mean is unchanged), so that the last post value is
    ``b + D + I`` on average: ``pain_change = E[D] + E[I]``. ``D`` is
    proportional to the baseline (``D = -b * g``), with ``g`` varying between
    patients (a patient random effect shared by a patient's episodes), episodes and
    clinics (clinic effects centred on zero, weighted by clinic size). ROM and
    function follow the same pattern (function is measured only at the first and last
    session). Recorded values are rounded as clinics record them and clipped to the
    scale.

    Adverse-event shares: bruising (7.5 %) and bleeding (4.6 %) follow the
    therapist-reported mild adverse events of Brady S, McEvoy J, Dommerholt J, Doody
    C. J Man Manip Ther 2014;22(3):134-140 (7.55 % and 4.65 % of 7629 treatments).
    Soreness (30 %) is illustrative of patient-reported post-needling soreness, which
    is far more common than the 2.19 % "pain after treatment" therapists reported in
    that survey; fatigue, dizziness, fainting and other are illustrative too.

    Examples
    --------
    >>> gt = ground_truth()
    >>> gt.set_index("condition").loc["neck_pain", ["pain_change", "rom_site", "instrument"]]
    pain_change                -2.9
    rom_site      cervical_rotation
    instrument                  ndi
    Name: neck_pain, dtype: object
    >>> round(float(gt["episode_share"].sum()), 6)
    1.0
    """
    rows = []
    for cond in schema.CONDITIONS:
        (share, pb, pc, pi, site, sides, rb, rc, ri, inst, fb, fc, fem) = _CONDITION_PARAMS[cond]  # fmt: skip
        rows.append(
            {
                "condition": cond,
                "episode_share": share,
                "pain_baseline": pb,
                "pain_change": pc,
                "pain_immediate_change": pi,
                "rom_site": site,
                "rom_sides": sides,
                "rom_unit": schema.ROM_SITES[site].unit if site else "",
                "rom_baseline": rb,
                "rom_change": rc,
                "rom_immediate_change": ri,
                "instrument": inst,
                "function_higher_is_better": (
                    schema.FUNCTION_INSTRUMENTS[inst].higher_is_better if inst else pd.NA
                ),
                "function_baseline": fb,
                "function_change": fc,
                "share_female": fem,
                "dropout_share": DROPOUT_RATE,
                "twitch_share": TWITCH_RATE,
                **{f"ae_{k}": v for k, v in ADVERSE_EVENT_RATES.items()},
            }
        )
    out = pd.DataFrame(rows)
    out["function_higher_is_better"] = out["function_higher_is_better"].astype("boolean")
    return out


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------


def _combo_strings(
    names: Sequence[str], order: Sequence[int] | np.ndarray | None = None
) -> list[str]:
    """Strings for every bit mask over ``names`` (bit i = names[i]); 0 -> ''."""
    idx = [int(i) for i in order] if order is not None else list(range(len(names)))
    out = []
    for mask in range(1 << len(names)):
        out.append(";".join(names[i] for i in idx if mask >> i & 1))
    return out


def _weighted_subset_masks(
    rng: np.random.Generator, n: int, n_items: int, k: np.ndarray
) -> np.ndarray:
    """Bit masks of ``k[i]`` distinct items out of ``n_items``, earlier items likelier."""
    weights = 1.0 / np.arange(1, n_items + 1)
    keys = rng.exponential(size=(n, n_items)) / weights  # exponential race
    ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
    chosen = ranks < k[:, None]
    return (chosen * (1 << np.arange(n_items))).sum(axis=1)


def _round(values: np.ndarray, decimals: int, low: float, high: float) -> np.ndarray:
    return np.clip(np.round(values, decimals), low, high)


def _int_array(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Float values (NaN for missing) -> nullable Int64."""
    missing = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


def _clinic_shares(clinics: int | Sequence[float]) -> np.ndarray:
    """Clinic shares: ``clinics`` of them sized from 1.6 down to 0.7, or as given."""
    if isinstance(clinics, (int, np.integer)):
        if clinics < 1:
            raise ValueError("n_patients, n_clinics and quarters must be at least 1")
        w = np.linspace(1.6, 0.7, int(clinics))
        return w / w.sum()
    w = np.asarray(clinics, dtype=np.float64)
    if w.ndim != 1 or len(w) < 1 or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError(
            f"clinic_weights must be one or more positive numbers, not {list(clinics)!r}"
        )
    return w / w.sum()


def _simulate(
    n_patients: int,
    n_clinics: int | Sequence[float],
    start: str,
    quarters: int,
    seed: int,
    ae_shift: tuple[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The wide table and, per session, the generator's bookkeeping.

    ``n_clinics`` is a number of clinics (sized 1.6 down to 0.7) or their relative sizes.

    The second frame (aligned with the first) has ``episode`` (episode number),
    ``complete`` (the planned course, not stopped early, ended within the data),
    ``first``/``last`` (first/last session of the episode as generated) and
    ``truncated`` (the episode runs past the data's end, so its last sessions are missing).
    """
    if n_patients < 1 or quarters < 1:
        raise ValueError("n_patients, n_clinics and quarters must be at least 1")
    rng = np.random.default_rng(seed)
    conds = list(schema.CONDITIONS)
    params = [_CONDITION_PARAMS[c] for c in conds]

    def per_condition(field: str) -> np.ndarray:
        return np.array([getattr(p, field) for p in params], dtype=np.float64)

    n_cond = len(conds)
    t0 = pd.Timestamp(start).normalize()
    window = int((t0 + pd.DateOffset(months=3 * quarters) - t0).days)

    # ---- patients -------------------------------------------------------------
    n = n_patients
    clinic_p = _clinic_shares(n_clinics)
    n_clinics = len(clinic_p)
    clinic = rng.choice(n_clinics, size=n, p=clinic_p)
    clinic_eff = np.linspace(0.06, -0.06, n_clinics)
    clinic_eff -= (clinic_p * clinic_eff).sum()  # weighted mean zero
    age = rng.choice(len(_AGE_BANDS), size=n, p=_AGE_P)
    u_patient = rng.standard_normal(n)
    n_eps = 1 + (rng.random(n) < SECOND_EPISODE_RATE)

    # ---- episodes -------------------------------------------------------------
    m = int(n_eps.sum())
    ep_patient = np.repeat(np.arange(n), n_eps)
    ep_first = np.ones(m, dtype=bool)
    ep_first[1:] = ep_patient[1:] != ep_patient[:-1]
    share = per_condition("share")
    cond = rng.choice(n_cond, size=m, p=share / share.sum())
    second = np.flatnonzero(~ep_first)
    recur = rng.random(second.size) < RECURRENCE_SHARE
    prev = cond[second - 1]
    clash = ~recur & (cond[second] == prev)
    cond[second[clash]] = (prev[clash] + rng.integers(1, n_cond, clash.sum())) % n_cond
    cond[second[recur]] = prev[recur]
    role = rng.choice(len(_ROLES), size=m, p=_ROLE_P)
    k_plan = rng.choice(_PLANNED_SESSIONS[0], size=m, p=_PLANNED_SESSIONS[1])
    drop = rng.random(m) < DROPOUT_RATE
    k_obs = np.where(drop, np.minimum(rng.integers(1, 3, m), k_plan - 1), k_plan)

    # sex depends on the condition of the first episode
    p_fem = per_condition("share_female")[cond[ep_first]]
    u = rng.random(n)
    sex = np.where(
        u < _SEX_OTHER,
        2,
        np.where(u < _SEX_OTHER + _SEX_UNKNOWN, 3, np.where(rng.random(n) < p_fem, 0, 1)),
    )

    # ---- sessions: days --------------------------------------------------------
    s_total = int(k_obs.sum())
    sess_ep = np.repeat(np.arange(m), k_obs)
    ep_start_idx = np.cumsum(k_obs) - k_obs
    j = np.arange(s_total) - ep_start_idx[sess_ep]  # 0-based position in the episode
    gaps = rng.integers(_SESSION_INTERVAL[0], _SESSION_INTERVAL[1] + 1, s_total)
    gaps[j == 0] = 0
    cs = np.cumsum(gaps)
    offset = cs - cs[ep_start_idx][sess_ep]
    duration = offset[ep_start_idx + k_obs - 1]
    ep_start = rng.integers(0, window, m)
    gap2 = np.where(
        recur,
        rng.integers(schema.EPISODE_GAP_DAYS + 1, 300, second.size),
        rng.integers(7, 150, second.size),
    )
    ep_start[second] = ep_start[second - 1] + duration[second - 1] + gap2
    day = ep_start[sess_ep] + offset
    complete = (k_obs == k_plan) & (ep_start + duration < window)

    # ---- latent episode parameters ------------------------------------------
    pt = ep_patient
    ep_u = 0.6 * u_patient[pt] + 0.8 * rng.standard_normal(m)
    c_eff = clinic_eff[clinic[pt]]
    pb = per_condition("pain_baseline")[cond]
    pc = per_condition("pain_change")[cond]
    pi = per_condition("pain_immediate")[cond]
    base = np.clip(pb + _SD["pain_baseline"] * rng.standard_normal(m), 1.0, 10.0)
    g = -(pc - pi) / pb + _SD["pain_rel_change"] * ep_u + c_eff
    d_pain = -base * g

    # ---- sessions: values -----------------------------------------------------
    s_cond = cond[sess_ep]
    frac = j / np.maximum(k_plan[sess_ep] - 1, 1)
    twitch = rng.random(s_total) < TWITCH_RATE
    imm = (
        pi[sess_ep]
        - 0.3 * (twitch - TWITCH_RATE)
        + _SD["pain_immediate"] * rng.standard_normal(s_total)
    )
    pre_latent = (
        base[sess_ep] + d_pain[sess_ep] * frac + _SD["pain_noise"] * rng.standard_normal(s_total)
    )
    pain_pre = _round(pre_latent, 0, 0, 10)
    pain_post = _round(pre_latent + imm, 0, 0, 10)
    pain_post[rng.random(s_total) < PAIN_POST_MISSING] = np.nan

    last = np.zeros(s_total, dtype=bool)
    last[ep_start_idx + k_obs - 1] = True
    first = j == 0
    keep = day < window  # sessions after the data's end are not in the export

    # ROM
    rom: dict[str, np.ndarray] = {c: np.full(s_total, np.nan) for c in ROM_COLUMNS}
    rom_post: dict[str, np.ndarray] = {c: np.full(s_total, np.nan) for c in ROM_COLUMNS}
    rom_missing = rng.random(s_total) < ROM_MISSING
    right_side = rng.random(m) < 0.6
    for ci, cname in enumerate(conds):
        cp = _CONDITION_PARAMS[cname]
        site, sides = cp.rom_site, cp.rom_sides
        if not site:
            continue
        unit_high = schema.ROM_SITES[site].high
        rb, rc, ri = cp.rom_baseline, cp.rom_change, cp.rom_immediate
        eps = np.flatnonzero(cond == ci)
        ep_base = rb * (1 + _SD["rom_baseline_rel"] * rng.standard_normal(eps.size))
        ep_d = (rc - ri) + rb * _SD["rom_change_rel"] * (
            0.6 * u_patient[pt[eps]] + 0.8 * rng.standard_normal(eps.size)
        )
        where_ep = np.full(m, -1)
        where_ep[eps] = np.arange(eps.size)
        rows = np.flatnonzero((s_cond == ci) & ~rom_missing)
        k = where_ep[sess_ep[rows]]
        if sides == "both":
            targets = [(f"{site}_left", rows, k), (f"{site}_right", rows, k)]
        elif sides == "affected":
            is_right = right_side[sess_ep[rows]]
            targets = [
                (f"{site}_left", rows[~is_right], k[~is_right]),
                (f"{site}_right", rows[is_right], k[is_right]),
            ]
        else:
            targets = [(site, rows, k)]
        for col, r, kk in targets:
            side_base = ep_base[kk] + rb * 0.03 * rng.standard_normal(r.size)
            latent = (
                side_base
                + ep_d[kk] * frac[r]
                + rb * _SD["rom_noise_rel"] * rng.standard_normal(r.size)
            )
            post = latent + ri + rb * _SD["rom_immediate_rel"] * rng.standard_normal(r.size)
            rom[col][r] = _round(latent, 0, 0, unit_high)
            rom_post[col][r] = _round(post, 0, 0, unit_high)

    # function
    fun: dict[str, np.ndarray] = {c: np.full(s_total, np.nan) for c in FUNCTION_COLUMNS}
    fun_post: dict[str, np.ndarray] = {c: np.full(s_total, np.nan) for c in FUNCTION_COLUMNS}
    returned = rng.random(m) >= FUNCTION_POST_MISSING
    for ci, cname in enumerate(conds):
        cp = _CONDITION_PARAMS[cname]
        inst = cp.instrument
        if not inst:
            continue
        ins = schema.FUNCTION_INSTRUMENTS[inst]
        lo, hi, better = ins.low, ins.high, ins.higher_is_better
        fb, fc = cp.function_baseline, cp.function_change
        dec = _FUNCTION_DECIMALS[inst]
        eps = np.flatnonzero(cond == ci)
        span = hi - lo
        pre = np.clip(
            fb + span * _SD["function_baseline_rel"] / 2 * rng.standard_normal(eps.size), lo, hi
        )
        room_mean = (hi - fb) if better else (fb - lo)
        room = (hi - pre) if better else (pre - lo)
        gf = abs(fc) / room_mean + _SD["function_rel_change"] * (
            0.6 * u_patient[pt[eps]] + 0.8 * rng.standard_normal(eps.size)
        )
        gf = np.clip(gf, -0.5, 1.0)
        post = (
            pre
            + np.sign(fc) * room * gf
            + span * _SD["function_noise_rel"] * rng.standard_normal(eps.size)
        )
        first_rows = ep_start_idx[eps]
        last_rows = (ep_start_idx + k_obs - 1)[eps]
        fun[inst][first_rows] = _round(pre, dec, lo, hi)
        done = complete[eps] & returned[eps]
        fun_post[inst][last_rows[done]] = _round(post[done], dec, lo, hi)

    # ---- categorical columns ----------------------------------------------------
    n_mus = rng.choice(np.array([1, 2, 3]), size=s_total, p=[0.30, 0.45, 0.25])
    muscle_codes = np.zeros(s_total, dtype=np.int64)
    muscle_cats: list[str] = []
    seen: dict[str, int] = {}
    for ci, cname in enumerate(conds):
        names = MUSCLES[cname]
        rows = np.flatnonzero(s_cond == ci)
        masks = _weighted_subset_masks(
            rng, rows.size, len(names), np.minimum(n_mus[rows], len(names))
        )
        strings = _combo_strings(names)
        lookup = np.array([seen.setdefault(s, len(seen)) for s in strings])
        muscle_codes[rows] = lookup[masks]
    muscle_cats = list(seen)
    needle = np.clip(2 * n_mus + rng.integers(0, 5, s_total), 2, 12)

    ae_names = list(ADVERSE_EVENT_RATES)
    ae_rates = np.array(list(ADVERSE_EVENT_RATES.values()))
    draws = rng.random((s_total, len(ae_names)))
    rates = np.broadcast_to(ae_rates, draws.shape)
    if ae_shift is not None:  # a month in which every side effect is more frequent
        month, factor = ae_shift
        when = (np.datetime64(t0.date(), "D") + day).astype("datetime64[M]")
        hit = when == np.datetime64(month, "M")
        rates = np.where(hit[:, None], np.minimum(ae_rates * factor, 1.0), rates)
    ae_mask = ((draws < rates) * (1 << np.arange(len(ae_names)))).sum(axis=1)
    ae_order = np.argsort(ae_names)
    ae_cats = ["none" if s == "" else s for s in _combo_strings(ae_names, order=ae_order)]

    width = max(5, len(str(n)))
    pid = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width).radd("P").to_numpy(object)
    cwidth = max(2, len(str(n_clinics)))
    clinic_names = [f"CLN-{i + 1:0{cwidth}d}" for i in range(n_clinics)]

    sel = np.flatnonzero(keep)
    sp = ep_patient[sess_ep[sel]]
    se = sess_ep[sel]
    dates = (np.datetime64(t0.date(), "D") + day[sel]).astype("datetime64[s]")

    def cat(codes: np.ndarray, cats: Sequence[str]) -> pd.Categorical[str]:
        return pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(list(cats)))

    data: dict[str, Any] = {
        "patient_id": pd.array(pid[sp], dtype="str"),
        "session_date": dates,
        "session_number": (j[sel] + 1).astype(np.int64),
        "clinic_id": cat(clinic[sp], clinic_names),
        "condition": cat(cond[se], conds),
        "practitioner_role": cat(role[se], _ROLES),
        "muscles": cat(muscle_codes[sel], muscle_cats),
        "needle_count": needle[sel].astype(np.int64),
        "twitch_response": cat(twitch[sel].astype(np.int64), ["no", "yes"]),
        "adverse_events": cat(ae_mask[sel], ae_cats),
        "age_band": cat(age[sp], _AGE_BANDS),
        "sex": cat(sex[sp], _SEXES),
        "pain_pre": _int_array(pain_pre[sel]),
        "pain_post": _int_array(pain_post[sel]),
    }
    for c in ROM_COLUMNS:
        data[f"rom_{c}_pre"] = _int_array(rom[c][sel])
        data[f"rom_{c}_post"] = _int_array(rom_post[c][sel])
    for c in FUNCTION_COLUMNS:
        if _FUNCTION_DECIMALS[c] == 0:
            data[f"{c}_pre"] = _int_array(fun[c][sel])
            data[f"{c}_post"] = _int_array(fun_post[c][sel])
        else:
            data[f"{c}_pre"] = fun[c][sel]
            data[f"{c}_post"] = fun_post[c][sel]
    wide = pd.DataFrame({c: data[c] for c in wide_columns()}, copy=False)
    info = pd.DataFrame(
        {
            "episode": se,
            "complete": complete[se],
            "first": first[sel],
            "last": last[sel],
            "truncated": (ep_start + duration)[se] >= window,
        }
    )
    return wide, info


def synthesize(
    n_patients: int = DEFAULT_PATIENTS,
    n_clinics: int = 4,
    start: str = "2025-01-01",
    quarters: int = 6,
    seed: int = DEFAULT_SEED,
    ae_shift: tuple[str, float] | None = None,
    *,
    clinic_weights: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Make a realistic, anonymised wide session table (one row per needling session).

    Fully vectorised: 1.5 million patients (about 7 million sessions) take 10-15 s on
    a two-core machine.
    The same seed gives the same table.

    Parameters
    ----------
    n_patients : int, default 600
        Patients; each has one episode, 15 % a second one (a recurrence of the same
        condition more than 90 days later, or another condition).
    n_clinics : int, default 4
        Clinics ``CLN-01`` ...; larger clinics first (relative sizes 1.6 down to 0.7).
        Ignored when ``clinic_weights`` is given.
    start : str, default "2025-01-01"
        First day of the data (ISO date).
    quarters : int, default 6
        Length of the data in quarters; sessions after it are not in the table, so
        the latest episodes are still open.
    seed : int, default 20260101
        Seed of :func:`numpy.random.default_rng`.
    ae_shift : (str, float), optional
        A month (``"YYYY-MM"``) in which every side effect is ``factor`` times as frequent
        (capped at 1), for testing that a control chart finds a real shift. Without it the
        table is the same as before this option existed (the same random draws).
    clinic_weights : sequence of float, optional
        The clinics' relative sizes (patients are drawn in proportion), one per clinic,
        ``CLN-01`` first; for example ``(150, 80, 40)`` for one large and two small
        clinics. Without it the ``n_clinics`` clinics are sized 1.6 down to 0.7 (the
        same random draws as before this option existed).

    Returns
    -------
    DataFrame
        The columns of :func:`wide_columns`: ``patient_id`` (``P00001`` ..., str),
        ``session_date`` (datetime64), ``session_number`` (1.. within the episode),
        ``clinic_id``, ``condition``, ``practitioner_role``, ``muscles``
        (``;``-separated), ``needle_count`` (2-12), ``twitch_response`` (yes/no),
        ``adverse_events`` (``none`` or ``;``-separated events in alphabetical order),
        ``age_band``, ``sex`` (categoricals), ``pain_pre``/``pain_post`` (NPRS 0-10,
        Int64), ``rom_<site>_pre``/``_post`` (whole degrees or mm, Int64; blank where
        the site does not apply or was not measured) and ``<instrument>_pre``/``_post``
        (``_pre`` at the first session of the episode, ``_post`` at the last session
        of a completed episode; Int64 for ndi, hit6, odi; float with one decimal for
        fiqr, psfs, quickdash). Rows are in patient, then date order. Missing values
        are ``<NA>``/``NaN``.

    See Also
    --------
    ground_truth : the parameters behind the numbers.

    Examples
    --------
    >>> wide = synthesize(n_patients=50, seed=3)
    >>> wide[["patient_id", "session_number", "condition", "pain_pre"]].dtypes.astype(str).tolist()
    ['str', 'int64', 'category', 'Int64']
    >>> bool(wide["pain_pre"].between(0, 10).all())
    True
    >>> synthesize(n_patients=50, seed=3).equals(wide)
    True
    >>> net = synthesize(n_patients=400, clinic_weights=(3, 1), seed=3)
    >>> net.drop_duplicates("patient_id")["clinic_id"].value_counts().to_dict()
    {'CLN-01': 308, 'CLN-02': 92}
    """
    clinics = n_clinics if clinic_weights is None else clinic_weights
    wide, _ = _simulate(n_patients, clinics, start, quarters, seed, ae_shift)
    return wide


# ---------------------------------------------------------------------------
# Long form
# ---------------------------------------------------------------------------

_SESSION_INDEX_COLUMNS: tuple[str, ...] = (
    "session_id",
    "patient_id",
    "session_date",
    "session_number",
    "clinic_id",
    "condition",
    "practitioner_role",
    "muscles",
    "needle_count",
    "twitch_response",
    "adverse_events",
    "age_band",
    "sex",
)


def _wide_measure_columns(columns: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """``(column, measure, timing, unit)`` for the canonical wide measure columns."""
    out = []
    for col in columns:
        stem, _, timing = col.rpartition("_")
        if timing not in ("pre", "post", "followup") or not stem:
            continue
        if stem == "pain":
            measure = "pain"
        elif stem.startswith("rom_"):
            measure = "rom:" + stem[4:]
        elif stem in schema.FUNCTION_INSTRUMENTS:
            measure = "function:" + stem
        else:
            continue
        out.append((col, measure, timing, schema.measure_spec(measure).unit))
    return out


def to_long(wide: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a wide session table into a session index and a long measures table.

    Parameters
    ----------
    wide : DataFrame
        A wide table with the canonical columns of :func:`synthesize`.

    Returns
    -------
    index : DataFrame
        One row per session: ``session_id`` (``S000001`` ... in row order), then
        ``patient_id``, ``session_date``, ``session_number``, ``clinic_id``,
        ``condition``, ``practitioner_role``, ``muscles``, ``needle_count``,
        ``twitch_response``, ``adverse_events``, ``age_band``, ``sex``.
    measures : DataFrame
        One row per recorded value: ``session_id``, ``measure`` (``pain``,
        ``rom:<site>``, ``function:<instrument>``), ``timing`` (``pre``/``post``),
        ``value`` (float), ``unit`` (``nprs``, ``deg``, ``mm`` or ``points``); in
        session order, then column order. Blank cells are not measurements and are
        left out.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"patient_id": ["P1", "P1"], "session_number": [1, 2],
    ...                      "condition": ["tmj_dysfunction"] * 2,
    ...                      "pain_pre": [6, 4], "pain_post": [5, None],
    ...                      "rom_mouth_opening_pre": [35, 38]})
    >>> index, measures = to_long(wide)
    >>> index.columns.tolist()
    ['session_id', 'patient_id', 'session_number', 'condition']
    >>> measures
      session_id               measure timing  value  unit
    0    S000001                  pain    pre    6.0  nprs
    1    S000001                  pain   post    5.0  nprs
    2    S000001  rom:mouth_opening    pre   35.0    mm
    3    S000002                  pain    pre    4.0  nprs
    4    S000002  rom:mouth_opening    pre   38.0    mm
    """
    n = len(wide)
    width = max(6, len(str(n)))
    ids = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width).radd("S")
    index = pd.DataFrame({"session_id": pd.array(ids.to_numpy(object), dtype="str")})
    for col in _SESSION_INDEX_COLUMNS[1:]:
        if col in wide:
            index[col] = wide[col].to_numpy() if wide[col].dtype.kind == "M" else wide[col].array
    cols = _wide_measure_columns([str(c) for c in wide.columns])
    parts_pos, parts_k, parts_val = [], [], []
    for k, (col, _, _, _) in enumerate(cols):
        v = pd.to_numeric(wide[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        pos = np.flatnonzero(~np.isnan(v))
        parts_pos.append(pos)
        parts_k.append(np.full(pos.size, k))
        parts_val.append(v[pos])
    if cols:
        pos = np.concatenate(parts_pos)
        kk = np.concatenate(parts_k)
        val = np.concatenate(parts_val)
        order = np.lexsort((kk, pos))
        pos, kk, val = pos[order], kk[order], val[order]
    else:
        pos = kk = np.zeros(0, dtype=np.int64)
        val = np.zeros(0)

    def spread(values: list[str]) -> pd.Categorical[str]:
        cats = list(dict.fromkeys(values))
        lookup = np.array([cats.index(v) for v in values] or [0], dtype=np.int64)
        return pd.Categorical.from_codes(lookup[kk], categories=pd.Index(cats))

    measures = pd.DataFrame(
        {
            "session_id": index["session_id"].take(pos).reset_index(drop=True),
            "measure": spread([c[1] for c in cols]),
            "timing": spread([c[2] for c in cols]),
            "value": val,
            "unit": spread([c[3] for c in cols]),
        },
        copy=False,
    )
    return index, measures


# ---------------------------------------------------------------------------
# Text form (what the CSV files hold)
# ---------------------------------------------------------------------------


def _text_column(s: pd.Series) -> np.ndarray:
    """A column as the text written to CSV: ISO dates, whole numbers without '.0', '' for missing."""
    if s.dtype.kind == "M":
        out = s.dt.strftime("%Y-%m-%d").to_numpy(dtype=object, na_value="")
        return out
    if pd.api.types.is_bool_dtype(s.dtype):
        flags = s.astype("boolean")
        return np.where(flags.isna(), "", np.where(flags.fillna(False), "yes", "no")).astype(object)
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("string").fillna("").to_numpy(dtype=object)
    if pd.api.types.is_float_dtype(s.dtype):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        miss = np.isnan(v)
        tenths = np.rint(np.where(miss, 0, v) * 10).astype(np.int64)
        whole = np.abs(tenths) % 10 == 0
        text = np.where(
            whole,
            pd.Series(tenths // 10).astype(str).to_numpy(dtype=object),
            pd.Series(v).round(1).astype(str).to_numpy(dtype=object),
        )
        return np.where(miss, "", text).astype(object)
    return s.astype("string").fillna("").to_numpy(dtype=object)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the text a CSV file holds ('' for blank)."""
    return pd.DataFrame(
        {c: pd.array(_text_column(frame[c]), dtype="str") for c in frame.columns},
        index=frame.index,
    )


def _atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Write via a temporary file in the same folder, then move it into place."""
    from tpdn_outcomes._files import atomic_write

    return atomic_write(path, write)


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    text = _as_text(frame)
    return _atomic_write(
        path,
        lambda p: text.to_csv(p, index=False, lineterminator="\n", encoding="utf-8"),
    )


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet_name: str = "sessions") -> Path:
    """Write an XLSX: dates as real Excel dates shown YYYY-MM-DD, numbers as numbers."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(
            out[col].dtype
        ):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        elif pd.api.types.is_integer_dtype(out[col].dtype) or pd.api.types.is_float_dtype(
            out[col].dtype
        ):
            v = out[col].astype("Float64")
            out[col] = v.astype(object).where(v.notna(), None)

    def write(p: Path) -> None:
        with pd.ExcelWriter(
            p, engine="openpyxl", date_format="YYYY-MM-DD", datetime_format="YYYY-MM-DD"
        ) as xw:
            out.to_excel(xw, index=False, sheet_name=sheet_name)

    return _atomic_write(path, write)


# ---------------------------------------------------------------------------
# The messy export
# ---------------------------------------------------------------------------

#: How a clinic's EMR names the columns of the messy file (all accepted by the loader).
MESSY_COLUMN_NAMES: dict[str, str] = {
    "patient_id": "Patient ID",
    "session_date": "Date",
    "session_number": "Session No",
    "clinic_id": "Clinic",
    "condition": "Diagnosis",
    "practitioner_role": "Role",
    "muscles": "Muscles needled",
    "needle_count": "Needles",
    "twitch_response": "Twitch",
    "adverse_events": "Adverse events",
    "age_band": "Age group",
    "sex": "Gender",
    "pain_pre": "NPRS pre",
    "pain_post": "NPRS post",
    **{
        f"rom_{site}_{t}": f"ROM {site.replace('_', ' ')} {t}"
        for site in ROM_COLUMNS
        for t in ("pre", "post")
    },
    **{
        f"{inst}_{t}": f"{label} {t}"
        for inst, label in {
            "ndi": "NDI",
            "hit6": "HIT-6",
            "fiqr": "FIQR",
            "odi": "ODI",
            "psfs": "PSFS",
            "quickdash": "QuickDASH",
        }.items()
        for t in ("pre", "post")
    },
}

#: Labels a clinic writes for each condition (aliases the loader maps back).
MESSY_CONDITION_LABELS: dict[str, tuple[str, ...]] = {
    "myofascial_pain_syndrome": ("MPS", "Myofascial pain"),
    "tension_type_headache": ("tension headache", "TTH"),
    "fibromyalgia": ("FM", "Fibromyalgia"),
    "chronic_low_back_pain": ("Low back pain", "CLBP", "LBP"),
    "tmj_dysfunction": ("TMD", "TMJ"),
    "neck_pain": ("Neck pain", "Cervicalgia"),
    "shoulder_pain": ("Shoulder pain",),
    "sports_injury": ("Athletic rehab", "Sports rehab"),
    "other": ("Other",),
}
_MESSY_ROLE = {
    "physical_therapist": "PT",
    "chiropractor": "Chiro",
    "physician": "MD",
    "other": "Other",
}
_MESSY_SEX = {"female": "F", "male": "M", "other": "Other", "unknown": "Unknown"}
_MESSY_TWITCH = {"yes": "Y", "no": "N"}

# What each planted problem is, for the README table.
PLANT_NOTES: dict[str, str] = {
    "unknown_condition": "a diagnosis outside the vocabulary (a typo, or a condition TPDN data does not cover)",
    "out_of_range": "a value outside its scale or plausible range",
    "invalid_number": "a number written in words",
    "invalid_date": "a date that is not ISO YYYY-MM-DD or does not exist",
    "date_out_of_range": "a date after the export date or before 1990",
    "duplicate_session": "a row repeated exactly (the copy is reported)",
    "post_without_pre": "post-needling pain with the pre-needling pain blank",
    "invalid_boolean": "a twitch response that is not yes/no",
    "invalid_category": "a sex, role or age band outside the vocabulary (an exact age)",
    "missing_value": "a required cell left blank",
    "implausible_change": "pain rising from 1 to 9 within one session (a warning: possible, but check)",
}


# Specific descriptions of the planted values, for the README table.
_PLANT_DESCRIPTIONS: dict[tuple[str, str], str] = {
    (
        "unknown_condition",
        "whiplsh",
    ): "a misspelt diagnosis (whiplash is not in the vocabulary either)",
    ("unknown_condition", "gout"): "a diagnosis outside the vocabulary",
    ("out_of_range", "11"): "pain above the NPRS maximum of 10",
    ("out_of_range", "65"): "a VAS 0-100 mm score typed into the NPRS column",
    ("out_of_range", "250"): "shoulder abduction beyond the plausible 190 degrees",
    ("out_of_range", "-1"): "a negative needle count",
    ("invalid_number", "seven"): "a pain score written in words",
    ("invalid_date", "15/03/2025"): "a day/month/year date (not ISO)",
    ("invalid_date", "2025-02-30"): "a date that does not exist",
    ("date_out_of_range", "2031-01-05"): "a date after the export date",
    ("date_out_of_range", "1985-03-14"): "a date before 1990",
    ("invalid_boolean", "maybe"): "a twitch response that is not yes/no",
    ("invalid_category", "x?"): "a sex outside female/male/other/unknown",
    ("invalid_category", "acupuncturist"): "a practitioner role outside the vocabulary",
    ("invalid_category", "45"): "an exact age in the age-band column",
    ("missing_value", ""): "a required cell (patient id or diagnosis) left blank",
    (
        "implausible_change",
        "9",
    ): "pain rising from 1 to 9 within one session (a warning: possible, but check)",
}


def _messy_slice(
    wide: pd.DataFrame, n_rows: int = MESSY_ROWS, seed: int = MESSY_SEED
) -> pd.DataFrame:
    """A small clean slice for :func:`make_messy`: whole patients, conditions in turn.

    Patients are eligible when they have one episode of 3+ sessions (no second
    episode, so no long gaps); they are taken round-robin over conditions (in a seeded
    order) until ``n_rows`` rows are reached. Rows keep the wide table's order.
    """
    rng = np.random.default_rng(seed)
    key = wide["patient_id"].astype(str)
    per = wide.groupby(key, sort=False, observed=True).agg(
        n=("session_number", "size"),
        n_cond=("condition", "nunique"),
        max_num=("session_number", "max"),
        cond=("condition", "first"),
    )
    ok = per[(per["n"] >= 3) & (per["n_cond"] == 1) & (per["max_num"] == per["n"])]
    queues = {
        c: list(rng.permutation(ok.index[ok["cond"] == c].to_numpy())) for c in schema.CONDITIONS
    }
    sizes = {str(k): int(v) for k, v in ok["n"].items()}
    chosen: list[str] = []
    total = 0
    while total < n_rows and any(queues.values()):
        for c in schema.CONDITIONS:
            if queues[c] and total < n_rows:
                p = queues[c].pop(0)
                size = sizes[str(p)]
                if total + size > n_rows + 2:
                    continue
                chosen.append(p)
                total += size
        if all(len(q) == 0 for q in queues.values()):
            break
    return wide[key.isin(chosen).to_numpy()].reset_index(drop=True)


def make_messy(wide: pd.DataFrame, seed: int = MESSY_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn a small clean wide table into a messy clinic export with planted problems.

    Columns get the names of :data:`MESSY_COLUMN_NAMES` (``Patient ID``, ``Date``,
    ``Session No``, ``Diagnosis``, ``NPRS pre`` ...), conditions, roles, sexes and
    twitch responses the labels a clinic writes (``Low back pain``, ``TMD``, ``PT``,
    ``F``, ``Y`` ...), all accepted by the loader. Then each problem below is planted
    once or twice, each in its own row; apart from them the file is clean.

    Parameters
    ----------
    wide : DataFrame
        A small clean wide table (a hundred rows or so) from :func:`synthesize`, with
        episodes of 3+ sessions and at least one shoulder-pain session with abduction
        measured (the shipped sample uses a 120-row slice).
    seed : int, default 7
        Chooses the rows and labels.

    Returns
    -------
    messy : DataFrame
        Every cell as text (``''`` for blank), as written to ``sessions_with_errors.csv``.
    planted : DataFrame
        One row per planted problem: ``row`` (the row as a person counts rows in the
        CSV file: the header is row 1, the first data row row 2), ``column`` (as named
        in the messy file), ``value`` (as written), ``check`` (the validator's check
        name) and ``severity`` (``error`` or ``warning``).

    Raises
    ------
    ValueError
        When the table lacks rows the problems need (listed in the message).

    Examples
    --------
    >>> from tpdn_outcomes.datasets import _messy_slice
    >>> messy, planted = make_messy(_messy_slice(synthesize(n_patients=200, seed=5)))
    >>> messy.columns[:4].tolist()
    ['Patient ID', 'Date', 'Session No', 'Clinic']
    >>> planted["check"].value_counts()["out_of_range"]
    np.int64(4)
    """
    rng = np.random.default_rng(seed)
    clean = wide.reset_index(drop=True)
    text = _as_text(clean)
    n = len(text)
    key = clean["patient_id"].astype(str) + "|" + clean["condition"].astype(str)
    ep_size = key.map(key.value_counts()).to_numpy()

    # accepted variants
    cond = clean["condition"].astype(str).to_numpy()
    labels = MESSY_CONDITION_LABELS
    # one label per patient, as a clinician would keep writing the same one
    patient_codes = pd.factorize(clean["patient_id"].astype(str))[0]
    pick = rng.integers(0, 6, patient_codes.max() + 1 if n else 0)[patient_codes]
    text["condition"] = [labels[c][pick[i] % len(labels[c])] for i, c in enumerate(cond)]
    for col, table in (
        ("practitioner_role", _MESSY_ROLE),
        ("sex", _MESSY_SEX),
        ("twitch_response", _MESSY_TWITCH),
    ):
        text[col] = text[col].map(lambda v, t=table: t.get(v, v)).astype("str")

    used: set[int] = set()
    used_episodes: set[str] = set()
    plants: list[
        tuple[int, str, str, str, str]
    ] = []  # (position, canonical col, value, check, severity)

    def choose(mask: np.ndarray, what: str, whole_episode: bool = False) -> int:
        ok = mask & ~np.isin(np.arange(n), list(used))
        if whole_episode:
            ok &= (ep_size >= 3) & ~key.isin(list(used_episodes)).to_numpy()
        cand = np.flatnonzero(ok)
        if cand.size == 0:
            raise ValueError(f"make_messy: the table has no row for {what}; pass a larger slice")
        i = int(rng.choice(cand))
        used.add(i)
        if whole_episode:
            used_episodes.add(str(key.iloc[i]))
        return i

    def plant(
        col: str,
        value: str,
        check: str,
        what: str,
        mask: np.ndarray | None = None,
        severity: str = "error",
        whole_episode: bool = False,
    ) -> int:
        i = choose(np.ones(n, bool) if mask is None else mask, what, whole_episode)
        text.loc[i, col] = value
        plants.append((i, col, value, check, severity))
        return i

    has_post = (text["pain_post"] != "").to_numpy() & (text["pain_pre"] != "").to_numpy()
    not_first = (clean["session_number"] > 1).to_numpy()
    abd = (text["rom_shoulder_abduction_right_post"] != "").to_numpy()
    abd_l = (text["rom_shoulder_abduction_left_post"] != "").to_numpy()

    plant("condition", "whiplsh", "unknown_condition", "a misspelt diagnosis", whole_episode=True)
    plant("condition", "gout", "unknown_condition", "an unknown diagnosis", whole_episode=True)
    plant("pain_post", "11", "out_of_range", "pain 11", has_post)
    plant("pain_post", "65", "out_of_range", "a VAS pain", has_post)
    if abd.any():
        plant("rom_shoulder_abduction_right_post", "250", "out_of_range", "abduction 250", abd)
    else:
        plant("rom_shoulder_abduction_left_post", "250", "out_of_range", "abduction 250", abd_l)
    plant("needle_count", "-1", "out_of_range", "a negative needle count")
    plant("pain_post", "seven", "invalid_number", "pain in words", has_post)
    plant("session_date", "15/03/2025", "invalid_date", "a non-ISO date", not_first)
    plant("session_date", "2025-02-30", "invalid_date", "an impossible date", not_first)
    plant("session_date", "2031-01-05", "date_out_of_range", "a future date", not_first)
    plant("session_date", "1985-03-14", "date_out_of_range", "a date before 1990", not_first)
    i = plant("pain_pre", "", "post_without_pre", "post without pre", has_post)
    plants[-1] = (i, "pain_post", str(text.loc[i, "pain_post"]), "post_without_pre", "error")
    plant("twitch_response", "maybe", "invalid_boolean", "an unclear twitch")
    plant("sex", "x?", "invalid_category", "an unclear sex")
    plant("practitioner_role", "acupuncturist", "invalid_category", "an unknown role")
    plant("age_band", "45", "invalid_category", "an exact age")
    plant("patient_id", "", "missing_value", "a blank patient id", whole_episode=True)
    plant("condition", "", "missing_value", "a blank diagnosis", whole_episode=True)
    i = plant("pain_post", "9", "implausible_change", "pain 1 -> 9", has_post, severity="warning")
    text.loc[i, "pain_pre"] = "1"

    # an exact copy of a row that carries nothing else, right after it
    src = choose(np.ones(n, bool), "a row to repeat")
    order = [*range(src + 1), src, *range(src + 1, n)]
    messy = text.iloc[order].reset_index(drop=True)
    shift = {p: p + (1 if p > src else 0) for p in range(n)}
    rows = [(shift[p] + 2, MESSY_COLUMN_NAMES[c], v, chk, sev) for p, c, v, chk, sev in plants]
    rows.append(  # the repeated key is the session number (the date repeats too)
        (
            src + 1 + 2,
            MESSY_COLUMN_NAMES["session_number"],
            str(text.loc[src, "session_number"]),
            "duplicate_session",
            "error",
        )
    )
    messy = messy.rename(columns=MESSY_COLUMN_NAMES)
    planted = pd.DataFrame(rows, columns=["row", "column", "value", "check", "severity"])
    planted = planted.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    planted["row"] = planted["row"].astype(np.int64)
    for c in ("column", "value", "check", "severity"):
        planted[c] = planted[c].astype("str")
    return messy, planted


# ---------------------------------------------------------------------------
# The sample files
# ---------------------------------------------------------------------------


def _readme(
    *,
    design: SampleDesign,
    wide: pd.DataFrame,
    index: pd.DataFrame,
    measures: pd.DataFrame,
    messy: pd.DataFrame,
    planted: pd.DataFrame,
) -> str:
    first, last = wide["session_date"].min(), wide["session_date"].max()
    n_pat = wide["patient_id"].nunique()
    plant_rows = "\n".join(
        f"| {r['row']} | {r['column']} | {r['value'] or '(blank)'} | {r['check']} | "
        f"{r['severity']} | "
        f"{_PLANT_DESCRIPTIONS.get((r['check'], r['value']), PLANT_NOTES.get(r['check'], ''))} |"
        for r in planted.to_dict("records")
    )
    lines = []
    for cond, c in _CONDITION_PARAMS.items():
        side = f" ({c.rom_sides})" if c.rom_sides in ("both", "affected") else ""
        unit = schema.ROM_SITES[c.rom_site].unit if c.rom_site else ""
        lines.append(
            f"| {cond} | {c.pain_baseline:g} | {c.pain_change:+g} | {c.pain_immediate:+g} | "
            f"{c.rom_site + side if c.rom_site else '-'} | "
            f"{f'{c.rom_change:+g} {unit}' if c.rom_site else '-'} | "
            f"{c.instrument or '-'} | {f'{c.function_change:+g}' if c.instrument else '-'} |"
        )
    truth_rows = "\n".join(lines)
    ae = ", ".join(f"{k} {v:.1%}" for k, v in ADVERSE_EVENT_RATES.items())
    return f"""# Sample data (synthetic)

These files are **synthetic**: made by `tpdn_outcomes.datasets.synthesize` with seed
{design.seed} for {design.n_patients} invented patients in {_clinics_text(design)}, sessions from
{first:%Y-%m-%d} to {last:%Y-%m-%d} ({design.description}). No row describes a real person; the file
holds no direct identifiers (patients are pseudonyms `P00001`...; ages are banded).
The numbers are illustrative, not clinical evidence.

Regenerate them (byte for byte; the XLSX differs only in its timestamps) with

```
python -m tpdn_outcomes.datasets --out data/sample
```

which also refreshes the copy shipped inside the package (`tpdn_outcomes/sample_data/`,
loaded by `tpdn_outcomes.datasets.load_sample()`; `--no-package-copy` skips it).
`tests/test_datasets.py` checks that the shipped files equal the generator's output.
`redcap_records.csv` and `redcap_dictionary.csv` hold the same data as a REDCap project
(a `patient` instrument and a repeating `session` instrument; coded choices; adverse events
as a checkbox field), made with
`tpdn_outcomes.interop.write_redcap(tpdn_outcomes.load_sample(), "data/sample")`;
`tests/test_redcap.py` checks they equal that output and read back into the same data.
`fhir_bundle.json` is an HL7 FHIR R4 Bundle of the first six patients (Organizations,
Patients, needling Procedures, measure Observations), made with
`python -m tpdn_outcomes.interop.fhir data/sample/fhir_bundle.json`; `tests/test_fhir.py`
checks it equals that output and reads back into the same data.

Load them with `export_date="{SAMPLE_EXPORT_DATE}"` (the day after the last quarter;
`load_sample()` does) so the result does not depend on today's date.

## Files

| file | rows | what it is for |
| --- | ---: | --- |
| `sessions.csv` | {len(wide)} | the wide session table a clinic exports: one row per needling session ({n_pat} patients) |
| `sessions.xlsx` | {len(wide)} | the same table as a spreadsheet (sheet `sessions`) |
| `sessions_index.csv` | {len(index)} | the long form, part 1: one row per session with a `session_id` |
| `measures_long.csv` | {len(measures)} | the long form, part 2: one row per session x measure x timing |
| `sessions_with_errors.csv` | {len(messy)} | a messy export of {len(messy) - 1} clean sessions plus one repeated row, with {len(planted)} planted problems (below), for the validation walkthrough |

Completed episodes per clinic and quarter of their last session, as the quarterly report
counts them (episodes stopped early count; those still open, with a session in the 30 days
before the export date, do not, so the last quarter is short):

{_completed_table(wide)}

### `sessions.csv` and `sessions.xlsx`
Columns, in order: `patient_id`, `session_date` (ISO `YYYY-MM-DD`), `session_number`
(1, 2, ... within the episode), `clinic_id` (`CLN-01`...), `condition` (canonical names),
`practitioner_role`, `muscles` (`;`-separated), `needle_count`, `twitch_response`
(`yes`/`no`), `adverse_events` (`none`, or `;`-separated events in alphabetical order),
`age_band`, `sex`, `pain_pre`, `pain_post` (NPRS 0-10, whole points), then range of motion
`rom_<site>_pre`/`_post` for {", ".join(ROM_COLUMNS)} (whole degrees; mouth opening in mm;
measured in the sessions of conditions where the site applies, blank otherwise), then
function `<instrument>_pre`/`_post` for {", ".join(FUNCTION_COLUMNS)} (`_pre` at the first
session of an episode, `_post` at the last session of a completed episode; PSFS: higher
is better, the others lower is better). A blank cell is a missing value. In the XLSX,
dates are real Excel dates shown as `YYYY-MM-DD`, numbers are numbers and blanks are
empty cells.

Realism built in: 15 % of patients have a second episode (some a recurrence of the same
condition more than 90 days later, which the loader reports as a `long_gap` warning);
15 % of episodes stop after 1-2 sessions (one-session episodes are reported as
`single_session_episode` warnings); about 3 % of post-needling pain scores are missing;
episodes still running at the end of June 2026 are open.

### `sessions_index.csv` and `measures_long.csv`
`sessions_index.csv`: `session_id` (`S000001`... in the order of `sessions.csv`) and the
session columns of `sessions.csv` (no measures). `measures_long.csv`: `session_id`,
`measure` (`pain`, `rom:<site>`, `function:<instrument>`), `timing` (`pre`/`post`),
`value`, `unit` (`nprs`, `deg`, `mm`, `points`); blank cells of the wide file are not
rows here. Load with `load_sessions("sessions_index.csv", measures="measures_long.csv")`.

### `sessions_with_errors.csv`
A slice of whole patients of the four-clinic sample (`sample_frame("four_clinics")`: 600
patients, seed 20260101, the sample shipped before the seven-clinic network), written as an EMR might: column names such
as `Patient ID`, `Date`, `Session No`, `Diagnosis`, `NPRS pre`, `HIT-6 post`; labels
such as `Low back pain`, `TMD`, `tension headache`, `PT`, `F`, `Y` (all accepted by the
loader). Apart from the planted problems below it is clean. Rows are counted as in a
spreadsheet: the header is row 1, the first data row row 2. The validator should report
each of these and nothing else (`tpdn-outcomes validate data/sample/sessions_with_errors.csv`).
Rows with a blank or unknown patient or diagnosis are left out when loading with
`errors="coerce"`.

| row | column | value | check | severity | what |
| ---: | --- | --- | --- | --- | --- |
{plant_rows}

## Ground truth
The generating parameters (`tpdn_outcomes.datasets.ground_truth()`): mean pain at
baseline, mean change from the first session's pre to the last session's post in
completed episodes, the mean immediate (within-session) change, and likewise for the
ROM site and the function instrument. Sampling error in a sample this small is large
(a few tenths of a point per condition).

| condition | pain baseline | pain change | immediate | ROM site | ROM change | instrument | function change |
| --- | ---: | ---: | ---: | --- | ---: | --- | ---: |
{truth_rows}

Adverse events per session (independent): {ae}. Bruising and bleeding follow the
therapist-reported rates of Brady et al. 2014 (J Man Manip Ther 22:134-140); the others
are illustrative. Twitch response in {TWITCH_RATE:.0%} of sessions.
"""


def _completed_table(wide: pd.DataFrame) -> str:
    """A Markdown table: episodes ended (not open) per clinic and quarter of the last session."""
    episode = (wide["session_number"] == 1).cumsum()
    ends = wide.groupby(episode, sort=False).agg(
        clinic_id=("clinic_id", "first"), last=("session_date", "max")
    )
    data_end = wide["session_date"].max()
    ended = ends[ends["last"] < data_end - pd.Timedelta(days=schema.OPEN_AFTER_DAYS)]
    counts = pd.crosstab(
        ended["clinic_id"].astype(str), ended["last"].dt.to_period("Q").astype(str)
    )
    head = "| clinic | " + " | ".join(counts.columns) + " |"
    rule = "| --- |" + " ---: |" * len(counts.columns)
    rows = [f"| {c} | " + " | ".join(str(v) for v in r) + " |" for c, r in counts.iterrows()]
    return "\n".join([head, rule, *rows])


def _clinics_text(design: SampleDesign) -> str:
    if isinstance(design.clinics, int):
        return f"{design.clinics} clinics"
    sizes = ", ".join(str(w) for w in design.clinics)
    return f"{len(design.clinics)} clinics of relative sizes {sizes} (`CLN-01` first)"


def sample_frame(sample: Literal["network", "four_clinics"] = "network") -> pd.DataFrame:
    """The wide session table of a named sample design (see :data:`SAMPLES`).

    Parameters
    ----------
    sample : {"network", "four_clinics"}, default "network"
        ``"network"``: the shipped sample (seven clinics, eight quarters to 2026-06-30);
        ``"four_clinics"``: the sample shipped before it (600 patients, four clinics,
        six quarters to 2026-06-30), kept because tests check statistics on it against R.

    Returns
    -------
    DataFrame
        :func:`synthesize` with the design's arguments.

    Examples
    --------
    >>> four = sample_frame("four_clinics")
    >>> four.equals(synthesize())
    True
    >>> sorted(four["clinic_id"].unique())
    ['CLN-01', 'CLN-02', 'CLN-03', 'CLN-04']
    """
    if sample not in SAMPLES:
        raise ValueError(f"sample must be one of {', '.join(map(repr, SAMPLES))}, not {sample!r}")
    return _design_frame(SAMPLES[sample])


def _design_frame(d: SampleDesign) -> pd.DataFrame:
    if isinstance(d.clinics, int):
        return synthesize(d.n_patients, d.clinics, d.start, d.quarters, d.seed)
    return synthesize(
        d.n_patients, start=d.start, quarters=d.quarters, seed=d.seed, clinic_weights=d.clinics
    )


def write_sample(
    out_dir: str | os.PathLike[str],
    *,
    n_patients: int | None = None,
    seed: int | None = None,
    sample: Literal["network", "four_clinics"] = "network",
) -> dict[str, Path]:
    """Write the sample files to a folder (each atomically).

    Parameters
    ----------
    out_dir : path
        The folder (created if needed).
    n_patients : int, optional
        Patients of the synthetic sample; the design's (:data:`SAMPLES`) by default.
    seed : int, optional
        Seed of :func:`synthesize`; the design's by default.
    sample : {"network", "four_clinics"}, default "network"
        The design (clinics, start, quarters): ``"network"`` is the shipped sample.

    Returns
    -------
    dict
        File name -> path, for the files of :data:`SAMPLE_FILES`: ``sessions.csv``
        (wide), ``sessions.xlsx`` (the same, sheet ``sessions``), ``sessions_index.csv``
        and ``measures_long.csv`` (:func:`to_long`), ``sessions_with_errors.csv``
        (:func:`make_messy` on a 120-row slice of the four-clinic sample, whatever the
        design, so the validation walkthrough stays the same) and ``README.md``. CSVs
        are UTF-8 with ``\\n`` line endings, ISO dates, ``yes``/``no``, blank for
        missing, no index. The XLSX is skipped (with a warning) when the table has more
        rows than an Excel sheet holds.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_sample(tempfile.mkdtemp(), n_patients=60, seed=2)
    >>> sorted(paths)
    ['README.md', 'measures_long.csv', 'sessions.csv', 'sessions.xlsx', 'sessions_index.csv', 'sessions_with_errors.csv']
    """
    out = Path(out_dir)
    if sample not in SAMPLES:
        raise ValueError(f"sample must be one of {', '.join(map(repr, SAMPLES))}, not {sample!r}")
    design = SAMPLES[sample]
    if n_patients is not None:
        design = design._replace(n_patients=n_patients)
    if seed is not None:
        design = design._replace(seed=seed)
    wide = _design_frame(design)
    index, measures = to_long(wide)
    messy, planted = make_messy(_messy_slice(sample_frame("four_clinics")), seed=MESSY_SEED)
    paths = {"sessions.csv": _write_csv(wide, out / "sessions.csv")}
    if len(wide) < _EXCEL_MAX_ROWS:
        paths["sessions.xlsx"] = _write_xlsx(wide, out / "sessions.xlsx")
    else:
        warnings.warn(
            f"sessions.xlsx not written: {len(wide)} sessions do not fit in one Excel sheet "
            f"({_EXCEL_MAX_ROWS - 1} rows at most)",
            UserWarning,
            stacklevel=2,
        )
    paths["sessions_index.csv"] = _write_csv(index, out / "sessions_index.csv")
    paths["measures_long.csv"] = _write_csv(measures, out / "measures_long.csv")
    paths["sessions_with_errors.csv"] = _write_csv(messy, out / "sessions_with_errors.csv")
    readme = _readme(
        design=design, wide=wide, index=index, measures=measures, messy=messy, planted=planted
    )
    paths["README.md"] = _atomic_write(
        out / "README.md", lambda p: p.write_text(readme, encoding="utf-8", newline="\n")
    )
    return paths


def sample_path(name: str = "sessions.csv") -> Path:
    """The path of a sample file shipped inside the package.

    Parameters
    ----------
    name : str, default "sessions.csv"
        One of :data:`SAMPLE_FILES`.

    Returns
    -------
    Path

    Raises
    ------
    FileNotFoundError
        When there is no such shipped file (the message lists the files).

    Examples
    --------
    >>> sample_path("sessions.csv").name
    'sessions.csv'
    """
    folder = resources.files("tpdn_outcomes").joinpath("sample_data")
    path = Path(str(folder.joinpath(name)))
    if not path.is_file():
        raise FileNotFoundError(
            f"no shipped sample file {name!r}; the sample files are {', '.join(SAMPLE_FILES)} "
            "(regenerate them with `python -m tpdn_outcomes.datasets --out data/sample`)"
        )
    return path


def _load_sessions() -> Callable[..., SessionData]:
    """The loader, imported when needed (``tpdn_outcomes.io`` or ``tpdn_outcomes.validate``)."""
    from tpdn_outcomes import io

    loader = getattr(io, "load_sessions", None)
    if loader is None:
        from tpdn_outcomes.validate import load_sessions as loader
    return cast("Callable[..., SessionData]", loader)


def load_sample(kind: Literal["wide", "long", "xlsx"] = "wide", **options: Any) -> SessionData:
    """Load the synthetic sample shipped with the package.

    Seven clinics over two years (:data:`SAMPLES`), ``CLN-01`` the largest.

    Parameters
    ----------
    kind : {"wide", "long", "xlsx"}, default "wide"
        ``"wide"``: ``sessions.csv``; ``"long"``: ``sessions_index.csv`` with
        ``measures_long.csv``; ``"xlsx"``: ``sessions.xlsx``. All three give the same
        sessions and measures.
    **options
        Passed to the loader (``load_sessions``); ``export_date`` defaults to
        :data:`SAMPLE_EXPORT_DATE` so that loading does not depend on today's date.

    Returns
    -------
    SessionData

    Notes
    -----
    The sample holds one-session episodes and recurrences after long gaps on purpose,
    so loading it emits a :class:`~tpdn_outcomes.errors.DataQualityWarning` that points
    to ``data.report``.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     data = load_sample()
    >>> data.sessions["condition"].nunique()
    9
    """
    if kind not in ("wide", "long", "xlsx"):
        raise ValueError(f"kind must be 'wide', 'long' or 'xlsx', not {kind!r}")
    options.setdefault("export_date", SAMPLE_EXPORT_DATE)
    load_sessions = _load_sessions()
    if kind == "wide":
        return load_sessions(sample_path("sessions.csv"), **options)
    if kind == "long":
        return load_sessions(
            sample_path("sessions_index.csv"), measures=sample_path("measures_long.csv"), **options
        )
    options.setdefault("sheet", "sessions")
    return load_sessions(sample_path("sessions.xlsx"), **options)


def _package_sample_dir() -> Path:
    return Path(__file__).resolve().with_name("sample_data")


def _copy_atomic(src: Path, dst: Path) -> Path:
    return _atomic_write(dst, lambda p: shutil.copyfile(src, p))


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the sample: ``python -m tpdn_outcomes.datasets --out data/sample``.

    Writes the files of :data:`SAMPLE_FILES` to ``--out`` and copies them into the
    package's ``sample_data`` folder (unless ``--no-package-copy``).

    Examples
    --------
    >>> import tempfile
    >>> main(["--out", tempfile.mkdtemp(), "--patients", "60", "--no-package-copy"])  # doctest: +ELLIPSIS
    wrote sessions.csv ...
    0
    """
    parser = argparse.ArgumentParser(
        prog="python -m tpdn_outcomes.datasets",
        description="Regenerate the synthetic sample files.",
    )
    parser.add_argument(
        "--out", default="data/sample", help="folder to write (default data/sample)"
    )
    parser.add_argument(
        "--sample",
        choices=sorted(SAMPLES),
        default="network",
        help="the design (default network: the shipped seven-clinic sample)",
    )
    parser.add_argument("--patients", type=int, default=None, help="default: the design's")
    parser.add_argument("--seed", type=int, default=None, help="default: the design's")
    parser.add_argument(
        "--no-package-copy",
        action="store_true",
        help="do not copy the files into tpdn_outcomes/sample_data",
    )
    args = parser.parse_args(argv)
    paths = write_sample(args.out, n_patients=args.patients, seed=args.seed, sample=args.sample)
    for name, path in paths.items():
        print(f"wrote {name} ({path})")
    if not args.no_package_copy:
        target = _package_sample_dir()
        for name, path in paths.items():
            if Path(path).resolve() != (target / name).resolve():
                _copy_atomic(Path(path), target / name)
        print(f"copied to {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
