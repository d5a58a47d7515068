"""The sample designs and the generating parameters (the ground truth) of the synthetic data."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from tpdn_outcomes import schema

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
CONDITION_PARAMS: dict[str, _Condition] = {
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
        (share, pb, pc, pi, site, sides, rb, rc, ri, inst, fb, fc, fem) = CONDITION_PARAMS[cond]  # fmt: skip
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
