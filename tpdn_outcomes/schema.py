"""The one definition of the data contract: columns, vocabularies, aliases and ranges.

Everything the loader, the validator and the statistics need to know about the
shape of TPDN session data lives here, so that the documentation (the data
dictionary in the README) and the code can be kept in step by reading one file.

Nothing in this module computes; it only declares. Functions here are small
lookups over the declarations (normalising a column name, describing a measure), and
the pandera schemas of the canonical tables (:func:`sessions_schema`,
:func:`measures_schema`), the contract every :class:`SessionData` satisfies.

Examples
--------
>>> from tpdn_outcomes import schema
>>> schema.normalise_name("  Patient ID ")
'patient_id'
>>> schema.canonical_condition("Low back pain")
'chronic_low_back_pain'
>>> spec = schema.measure_spec("rom:cervical_rotation_left")
>>> (spec.kind, spec.unit, spec.low, spec.high, spec.higher_is_better)
('rom', 'deg', 0.0, 100.0, True)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

# ---------------------------------------------------------------------------
# Canonical columns
# ---------------------------------------------------------------------------

#: Columns of the canonical ``sessions`` table, in display order.
SESSION_COLUMNS: tuple[str, ...] = (
    "session_id",
    "patient_id",
    "episode_id",
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
    "source_row",
)

#: Columns a session table must have (after alias mapping).
REQUIRED_SESSION_COLUMNS: tuple[str, ...] = ("patient_id", "condition")

#: At least one of these identifies the session in time.
SESSION_TIME_COLUMNS: tuple[str, ...] = ("session_date", "session_number")

#: Optional session columns that a file may carry.
OPTIONAL_SESSION_COLUMNS: tuple[str, ...] = (
    "session_id",
    "episode_id",
    "clinic_id",
    "practitioner_role",
    "muscles",
    "needle_count",
    "twitch_response",
    "adverse_events",
    "age_band",
    "sex",
)

#: Columns of the canonical long ``measures`` table.
MEASURE_COLUMNS: tuple[str, ...] = (
    "session_id",
    "measure",
    "timing",
    "value",
    "unit",
    "source_row",
)

#: Timings of a measurement relative to the needling in a session, in time order.
TIMINGS: tuple[str, ...] = ("pre", "post", "followup")

#: Columns of the episode table returned by ``SessionData.episodes``.
EPISODE_COLUMNS: tuple[str, ...] = (
    "episode_id",
    "patient_id",
    "condition",
    "clinic_id",
    "practitioner_role",
    "twitch_response",
    "age_band",
    "sex",
    "first_date",
    "last_date",
    "n_sessions",
    "open",
    "measure",
    "unit",
    "n_values",
    "baseline",
    "final",
    "change",
    "pct_change",
    "improvement",
    "note",
)

#: Columns of the within-session change table returned by ``SessionData.session_changes``.
SESSION_CHANGE_COLUMNS: tuple[str, ...] = (
    "session_id",
    "episode_id",
    "patient_id",
    "condition",
    "clinic_id",
    "session_date",
    "session_number",
    "measure",
    "unit",
    "pre",
    "post",
    "change",
    "improvement",
    "note",
)

#: Columns of ``ValidationReport.table`` (see API.md).
REPORT_COLUMNS: tuple[str, ...] = (
    "file",
    "row",
    "column",
    "canonical_column",
    "value",
    "check",
    "severity",
    "message",
)

#: Shared vocabulary of statistic result columns (ARCHITECTURE.md, API.md).
RESULT_COLUMNS: tuple[str, ...] = (
    "n",
    "n_missing",
    "mean_baseline",
    "mean_final",
    "mean_change",
    "sd_change",
    "ci_low",
    "ci_high",
    "median_change",
    "q1_change",
    "q3_change",
    "statistic",
    "dof",
    "p_val",
    "p_adj",
    "effect_size",
    "effect_type",
)

# ---------------------------------------------------------------------------
# Column names: normalisation and aliases
# ---------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_name(name: object) -> str:
    """Normalise a column name or label: lower case, runs of other characters to ``_``.

    Parameters
    ----------
    name : object
        A column name or a categorical label as written in a file.

    Returns
    -------
    str
        The normalised form used for alias look-ups.

    Examples
    --------
    >>> normalise_name("NPRS pre")
    'nprs_pre'
    >>> normalise_name("HIT-6 (post)")
    'hit_6_post'
    """
    return _NON_ALNUM.sub("_", str(name).strip().lower()).strip("_")


#: Aliases of session columns: normalised name -> canonical column.
COLUMN_ALIASES: dict[str, str] = {
    # patient
    "patient_id": "patient_id",
    "patient": "patient_id",
    "pid": "patient_id",
    "subject": "patient_id",
    "subject_id": "patient_id",
    "participant": "patient_id",
    "participant_id": "patient_id",
    "patient_code": "patient_id",
    "pseudonym": "patient_id",
    "study_id": "patient_id",
    # episode and session keys
    "episode_id": "episode_id",
    "episode": "episode_id",
    "course_id": "episode_id",
    "session_id": "session_id",
    "visit_id": "session_id",
    "encounter_id": "session_id",
    "session_date": "session_date",
    "date": "session_date",
    "visit_date": "session_date",
    "treatment_date": "session_date",
    "date_of_session": "session_date",
    "session_number": "session_number",
    "session_no": "session_number",
    "session_num": "session_number",
    "session_n": "session_number",
    "session": "session_number",
    "visit_number": "session_number",
    "visit_no": "session_number",
    "treatment_number": "session_number",
    # context
    "clinic_id": "clinic_id",
    "clinic": "clinic_id",
    "clinic_code": "clinic_id",
    "site_id": "clinic_id",
    "condition": "condition",
    "diagnosis": "condition",
    "dx": "condition",
    "indication": "condition",
    "practitioner_role": "practitioner_role",
    "role": "practitioner_role",
    "provider_role": "practitioner_role",
    "clinician_role": "practitioner_role",
    "profession": "practitioner_role",
    # needling
    "muscles": "muscles",
    "muscle": "muscles",
    "muscles_needled": "muscles",
    "target_muscles": "muscles",
    "needle_count": "needle_count",
    "needles": "needle_count",
    "n_needles": "needle_count",
    "number_of_needles": "needle_count",
    "needle_insertions": "needle_count",
    "twitch_response": "twitch_response",
    "twitch": "twitch_response",
    "ltr": "twitch_response",
    "local_twitch_response": "twitch_response",
    "adverse_events": "adverse_events",
    "adverse_event": "adverse_events",
    "ae": "adverse_events",
    "aes": "adverse_events",
    "side_effects": "adverse_events",
    # demographics (banded only)
    "age_band": "age_band",
    "age_group": "age_band",
    "age_range": "age_band",
    "ageband": "age_band",
    "sex": "sex",
    "gender": "sex",
}

#: Aliases of the pain measure's stem in wide columns (``<stem>_pre`` etc.).
PAIN_STEMS: tuple[str, ...] = ("pain", "nprs", "nrs", "vas", "pain_score", "pain_nprs", "pain_vas")

#: Aliases of wide-column timing suffixes -> canonical timing.
TIMING_ALIASES: dict[str, str] = {
    "pre": "pre",
    "before": "pre",
    "baseline": "pre",
    "post": "post",
    "after": "post",
    "followup": "followup",
    "follow_up": "followup",
    "fu": "followup",
}

# ---------------------------------------------------------------------------
# Conditions
# ---------------------------------------------------------------------------

#: The controlled vocabulary of conditions treated with TPDN.
CONDITIONS: tuple[str, ...] = (
    "myofascial_pain_syndrome",
    "tension_type_headache",
    "fibromyalgia",
    "chronic_low_back_pain",
    "tmj_dysfunction",
    "neck_pain",
    "shoulder_pain",
    "sports_injury",
    "other",
)

#: Aliases of condition labels (normalised) -> canonical condition.
CONDITION_ALIASES: dict[str, str] = {
    **{c: c for c in CONDITIONS},
    "mps": "myofascial_pain_syndrome",
    "myofascial_pain": "myofascial_pain_syndrome",
    "myofascial": "myofascial_pain_syndrome",
    "tth": "tension_type_headache",
    "tension_headache": "tension_type_headache",
    "tension_type_headaches": "tension_type_headache",
    "fm": "fibromyalgia",
    "fms": "fibromyalgia",
    "clbp": "chronic_low_back_pain",
    "lbp": "chronic_low_back_pain",
    "low_back_pain": "chronic_low_back_pain",
    "chronic_lbp": "chronic_low_back_pain",
    "tmd": "tmj_dysfunction",
    "tmj": "tmj_dysfunction",
    "tmj_disorder": "tmj_dysfunction",
    "temporomandibular_disorder": "tmj_dysfunction",
    "cervicalgia": "neck_pain",
    "athletic_rehab": "sports_injury",
    "sports_rehab": "sports_injury",
    "sports_rehabilitation": "sports_injury",
    "athletic_rehabilitation": "sports_injury",
}


def condition_aliases(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the condition alias table, extended by a user's mapping.

    Parameters
    ----------
    extra : mapping, optional
        Extra labels -> canonical or new condition names. A new name (not in
        :data:`CONDITIONS`) extends the vocabulary; it is normalised like any label.

    Returns
    -------
    dict
        Normalised label -> canonical condition name.

    Examples
    --------
    >>> table = condition_aliases({"Whiplash": "whiplash_associated_disorder"})
    >>> table["whiplash"], table["whiplash_associated_disorder"]
    ('whiplash_associated_disorder', 'whiplash_associated_disorder')

    A list is not a mapping: each label needs the condition it stands for.

    >>> condition_aliases(["whiplash"])
    Traceback (most recent call last):
    ...
    TypeError: conditions= must be a mapping of label -> condition name, such as {'Whiplash': 'whiplash_associated_disorder'}, not a list
    """
    if extra is not None and not isinstance(extra, Mapping):
        raise TypeError(
            "conditions= must be a mapping of label -> condition name, such as "
            "{'Whiplash': 'whiplash_associated_disorder'}, not a " + type(extra).__name__
        )
    table = dict(CONDITION_ALIASES)
    for label, target in (extra or {}).items():
        if not isinstance(label, str) or not isinstance(target, str):
            raise TypeError(
                f"conditions= maps text labels to text condition names; {label!r}: {target!r} "
                "is not text -> text"
            )
        canonical = normalise_name(target)
        table[normalise_name(label)] = canonical
        table.setdefault(canonical, canonical)
    return table


def canonical_condition(label: object, extra: Mapping[str, str] | None = None) -> str | None:
    """Map one condition label to the vocabulary, or ``None`` when it is unknown.

    Examples
    --------
    >>> canonical_condition("TMD"), canonical_condition("gout")
    ('tmj_dysfunction', None)
    """
    return condition_aliases(extra).get(normalise_name(label))


# ---------------------------------------------------------------------------
# Other categorical vocabularies
# ---------------------------------------------------------------------------

PRACTITIONER_ROLES: tuple[str, ...] = ("physical_therapist", "chiropractor", "physician", "other")
PRACTITIONER_ROLE_ALIASES: dict[str, str] = {
    **{r: r for r in PRACTITIONER_ROLES},
    "pt": "physical_therapist",
    "dpt": "physical_therapist",
    "physio": "physical_therapist",
    "physiotherapist": "physical_therapist",
    "physical_therapy": "physical_therapist",
    "dc": "chiropractor",
    "chiro": "chiropractor",
    "md": "physician",
    "do": "physician",
    "doctor": "physician",
}

SEXES: tuple[str, ...] = ("female", "male", "other", "unknown")
SEX_ALIASES: dict[str, str] = {
    **{s: s for s in SEXES},
    "f": "female",
    "m": "male",
    "u": "unknown",
    "not_stated": "unknown",
    "prefer_not_to_say": "unknown",
}

ADVERSE_EVENTS: tuple[str, ...] = (
    "none",
    "soreness",
    "bruising",
    "fatigue",
    "bleeding",
    "dizziness",
    "fainting",
    "other",
)
ADVERSE_EVENT_ALIASES: dict[str, str] = {
    **{a: a for a in ADVERSE_EVENTS},
    "no": "none",
    "nil": "none",
    "sore": "soreness",
    "post_needling_soreness": "soreness",
    "bruise": "bruising",
    "haematoma": "bruising",
    "hematoma": "bruising",
    "tired": "fatigue",
    "tiredness": "fatigue",
    "dizzy": "dizziness",
    "syncope": "fainting",
    "faint": "fainting",
    "vasovagal": "fainting",
}

#: Values accepted for booleans (normalised) -> bool.
BOOLEAN_VALUES: dict[str, bool] = {
    "yes": True,
    "y": True,
    "true": True,
    "t": True,
    "1": True,
    "no": False,
    "n": False,
    "false": False,
    "f": False,
    "0": False,
}

#: Age bands: ``LO-HI`` with ``HI <= 89``, or ``90+``. Exact ages are refused.
AGE_BAND_PATTERN = re.compile(r"^(?:(\d{1,2})-(\d{1,2})|90\+)$")

#: Separator of multi-valued cells (muscles, adverse events).
LIST_SEPARATOR = ";"

# ---------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureSpec:
    """What the library knows about one measure.

    Attributes
    ----------
    name : str
        Canonical measure name (``pain``, ``rom:<site>``, ``function:<instrument>``).
    kind : str
        ``pain``, ``rom`` or ``function``.
    unit : str
        ``nprs`` (0-10 points), ``deg``, ``mm`` or ``points``.
    low, high : float
        The plausible (for ROM) or possible (for scales) range; values outside are errors.
    higher_is_better : bool
        Direction of improvement: ``improvement = change`` when True, ``-change`` otherwise.
    label : str
        A human label for tables and axes.
    normative : float or None
        For ROM: the normal adult range of motion of the site, used to express change
        as a percent of the normative range (see :data:`ROM_NORMATIVE_SOURCE`).
    """

    name: str
    kind: str
    unit: str
    low: float
    high: float
    higher_is_better: bool
    label: str
    normative: float | None = None


@dataclass(frozen=True)
class Unit:
    """A unit of measurement and the words each output uses for it.

    Attributes
    ----------
    code : str
        The canonical unit in the ``unit`` column (``nprs``, ``deg``, ``mm``, ``points``).
    words : str
        The unit in messages and tables (``points``, ``degrees``, ``mm``).
    axis : str
        The unit on a plot axis (``points, NPRS 0-10`` for pain).
    ucum : str
        The UCUM code of FHIR ``valueQuantity`` (``{score}`` for scale scores).
    short : str
        The short unit of result tables (``points``, ``deg``, ``mm``).

    Examples
    --------
    >>> UNITS["deg"].words, UNITS["nprs"].ucum
    ('degrees', '{score}')
    """

    code: str
    words: str
    axis: str
    ucum: str
    short: str


#: The canonical units: code -> :class:`Unit`.
UNITS: dict[str, Unit] = {
    "nprs": Unit("nprs", "points", "points, NPRS 0-10", "{score}", "points"),
    "deg": Unit("deg", "degrees", "degrees", "deg", "deg"),
    "mm": Unit("mm", "mm", "mm", "mm", "mm"),
    "points": Unit("points", "points", "points", "{score}", "points"),
}


@dataclass(frozen=True)
class RomSite:
    """One range-of-motion site.

    Attributes
    ----------
    unit : str
        A key of :data:`UNITS` (``deg``, or ``mm`` for mouth opening).
    low, high : float
        The plausible range; values outside are errors.
    normal : float
        The normal adult range of motion (see :data:`ROM_NORMATIVE_SOURCE`).
    label : str
        A human label for tables and axes.

    Examples
    --------
    >>> ROM_SITES["mouth_opening"].unit, ROM_SITES["mouth_opening"].high
    ('mm', 80.0)
    """

    unit: str
    low: float
    high: float
    normal: float
    label: str


@dataclass(frozen=True)
class Instrument:
    """One function or disability instrument.

    Attributes
    ----------
    low, high : float
        The possible range of the score.
    higher_is_better : bool
        Direction of improvement.
    label : str
        A human label for tables and axes.

    Examples
    --------
    >>> FUNCTION_INSTRUMENTS["psfs"].higher_is_better
    True
    """

    low: float
    high: float
    higher_is_better: bool
    label: str


#: Range-of-motion sites: site -> :class:`RomSite`.
#: ``low`` is always 0. Plausible maxima are generous; normal values are the AAOS
#: averages tabulated by Norkin & White (see ROM_NORMATIVE_SOURCE); mouth opening
#: (interincisal distance, mm) after Gallagher et al. 2004.
ROM_SITES: dict[str, RomSite] = {
    "cervical_flexion": RomSite("deg", 0.0, 90.0, 45.0, "Cervical flexion"),
    "cervical_extension": RomSite("deg", 0.0, 100.0, 45.0, "Cervical extension"),
    "cervical_rotation": RomSite("deg", 0.0, 100.0, 60.0, "Cervical rotation"),
    "cervical_lateral_flexion": RomSite("deg", 0.0, 70.0, 45.0, "Cervical lateral flexion"),
    "shoulder_flexion": RomSite("deg", 0.0, 190.0, 180.0, "Shoulder flexion"),
    "shoulder_extension": RomSite("deg", 0.0, 90.0, 60.0, "Shoulder extension"),
    "shoulder_abduction": RomSite("deg", 0.0, 190.0, 180.0, "Shoulder abduction"),
    "shoulder_external_rotation": RomSite("deg", 0.0, 120.0, 90.0, "Shoulder external rotation"),
    "shoulder_internal_rotation": RomSite("deg", 0.0, 110.0, 70.0, "Shoulder internal rotation"),
    "lumbar_flexion": RomSite("deg", 0.0, 120.0, 80.0, "Thoracolumbar flexion"),
    "lumbar_extension": RomSite("deg", 0.0, 60.0, 25.0, "Thoracolumbar extension"),
    "lumbar_lateral_flexion": RomSite("deg", 0.0, 60.0, 35.0, "Thoracolumbar lateral flexion"),
    "hip_flexion": RomSite("deg", 0.0, 150.0, 120.0, "Hip flexion"),
    "knee_flexion": RomSite("deg", 0.0, 160.0, 135.0, "Knee flexion"),
    "ankle_dorsiflexion": RomSite("deg", 0.0, 45.0, 20.0, "Ankle dorsiflexion"),
    "mouth_opening": RomSite("mm", 0.0, 80.0, 50.0, "Mouth opening"),
}
ROM_NORMATIVE_SOURCE = (
    "American Academy of Orthopaedic Surgeons averages as tabulated in Norkin CC, White DJ. "
    "Measurement of Joint Motion: A Guide to Goniometry (F.A. Davis); mouth opening after "
    "Gallagher C et al. Eur J Orthod 2004;26:1-5."
)
ROM_SIDES: tuple[str, ...] = ("left", "right")

#: Function / disability instruments: name -> :class:`Instrument`.
FUNCTION_INSTRUMENTS: dict[str, Instrument] = {
    "ndi": Instrument(0.0, 50.0, False, "Neck Disability Index (0-50)"),
    "ndi_pct": Instrument(0.0, 100.0, False, "Neck Disability Index (0-100 %)"),
    "odi": Instrument(0.0, 100.0, False, "Oswestry Disability Index (0-100)"),
    "hit6": Instrument(36.0, 78.0, False, "HIT-6 headache impact (36-78)"),
    "fiqr": Instrument(0.0, 100.0, False, "Revised Fibromyalgia Impact Questionnaire (0-100)"),
    "psfs": Instrument(0.0, 10.0, True, "Patient-Specific Functional Scale (0-10)"),
    "quickdash": Instrument(0.0, 100.0, False, "QuickDASH (0-100)"),
}
#: Aliases of instrument names (normalised) -> canonical instrument.
FUNCTION_ALIASES: dict[str, str] = {
    **{k: k for k in FUNCTION_INSTRUMENTS},
    "hit_6": "hit6",
    "fiq_r": "fiqr",
    "quick_dash": "quickdash",
    "q_dash": "quickdash",
    "oswestry": "odi",
    "neck_disability_index": "ndi",
}

#: Pain scales accepted by ``load_sessions(pain_scale=...)``: name -> (max, divisor to NPRS).
PAIN_SCALES: dict[str, tuple[float, float]] = {"nprs": (10.0, 1.0), "vas100": (100.0, 10.0)}

PAIN = MeasureSpec("pain", "pain", "nprs", 0.0, 10.0, False, "Pain (NPRS 0-10)")


def measure_spec(name: str) -> MeasureSpec:
    """Describe a canonical measure name.

    Parameters
    ----------
    name : str
        ``pain``, ``rom:<site>[_left|_right]`` or ``function:<instrument>``.

    Returns
    -------
    MeasureSpec

    Raises
    ------
    KeyError
        When the name is not a known measure; the message lists what is allowed.

    Examples
    --------
    >>> measure_spec("function:psfs").higher_is_better
    True
    >>> measure_spec("rom:mouth_opening").unit
    'mm'
    """
    if name == "pain":
        return PAIN
    kind, _, rest = name.partition(":")
    if kind == "rom" and rest:
        site, side = rest, ""
        for s in ROM_SIDES:
            if rest.endswith("_" + s):
                site, side = rest[: -len(s) - 1], s
                break
        if site in ROM_SITES:
            rs = ROM_SITES[site]
            return MeasureSpec(
                name,
                "rom",
                rs.unit,
                rs.low,
                rs.high,
                True,
                f"{rs.label} ({side})" if side else rs.label,
                rs.normal,
            )
    if kind == "function" and rest in FUNCTION_INSTRUMENTS:
        ins = FUNCTION_INSTRUMENTS[rest]
        return MeasureSpec(
            name, "function", "points", ins.low, ins.high, ins.higher_is_better, ins.label
        )
    raise KeyError(
        f"unknown measure {name!r}: use 'pain', 'rom:<site>[_left|_right]' with a site in "
        f"{sorted(ROM_SITES)}, or 'function:<instrument>' with an instrument in "
        f"{sorted(FUNCTION_INSTRUMENTS)}"
    )


def canonical_measure(label: str) -> str | None:
    """Map a measure label from a long file to its canonical name, or ``None``.

    Examples
    --------
    >>> canonical_measure("NPRS"), canonical_measure("rom:Cervical Rotation Left")
    ('pain', 'rom:cervical_rotation_left')
    >>> canonical_measure("function:HIT-6"), canonical_measure("grip")
    ('function:hit6', None)
    """
    text = str(label).strip()
    kind, sep, rest = text.partition(":")
    if not sep:
        norm = normalise_name(text)
        if norm in PAIN_STEMS:
            return "pain"
        if norm in FUNCTION_ALIASES:
            return "function:" + FUNCTION_ALIASES[norm]
        if norm.startswith("rom_"):
            kind, rest = "rom", norm[4:]
        else:
            return None
    kind, rest = normalise_name(kind), normalise_name(rest)
    if kind == "rom":
        candidate = "rom:" + rest
    elif kind == "function" and rest in FUNCTION_ALIASES:
        candidate = "function:" + FUNCTION_ALIASES[rest]
    elif kind == "pain":
        candidate = "pain"
    else:
        return None
    try:
        measure_spec(candidate)
    except KeyError:
        return None
    return candidate


#: Units accepted in a long measures file per measure kind (normalised); blank is fine.
UNIT_ALIASES: dict[str, dict[str, str]] = {
    "pain": {
        "nprs": "nprs",
        "nrs": "nprs",
        "0_10": "nprs",
        "points": "nprs",
        "vas100": "vas100",
        "vas": "vas100",
        "mm": "vas100",
        "0_100": "vas100",
    },
    "deg": {"deg": "deg", "degree": "deg", "degrees": "deg", "o": "deg"},
    "mm": {"mm": "mm", "millimetres": "mm", "millimeters": "mm"},
    "points": {"points": "points", "score": "points", "pts": "points", "": "points"},
}

# ---------------------------------------------------------------------------
# Rules with numbers in them
# ---------------------------------------------------------------------------

#: Earliest plausible session date.
MIN_SESSION_DATE = "1990-01-01"
#: Default gap (days) after which a patient's next session for a condition starts a new episode.
EPISODE_GAP_DAYS = 90
#: Default window (days) before the data's end within which an episode counts as open.
OPEN_AFTER_DAYS = 30
#: Warning thresholds (DATA.md): pain rising by more than this in one session.
PAIN_RISE_WARNING = 6.0
#: Warning threshold: a within-session ROM change larger than this (degrees or mm).
ROM_JUMP_WARNING = 60.0
#: Default minimum cell size in reports (patients).
MIN_CELL = 11


# ---------------------------------------------------------------------------
# The canonical tables as pandera schemas (the contract of SessionData)
# ---------------------------------------------------------------------------


def _valid_measure(name: object) -> bool:
    try:
        measure_spec(str(name))
    except KeyError:
        return False
    return True


def _events_ok(s: pd.Series) -> bool:
    allowed = set(ADVERSE_EVENTS)
    return all(set(str(c).split(LIST_SEPARATOR)) <= allowed for c in s.cat.categories)


def _bands_ok(s: pd.Series) -> bool:
    return all(AGE_BAND_PATTERN.match(str(c)) for c in s.cat.categories)


def _names_ok(s: pd.Series) -> bool:
    return all(_valid_measure(c) for c in s.cat.categories)


def _values_within_measure_range(df: pd.DataFrame) -> pd.Series:
    """Element-wise: each value inside its measure's range (vectorised over codes)."""
    cats = list(df["measure"].cat.categories)
    if not all(map(_valid_measure, cats)):
        return pd.Series(False, index=df.index)
    specs = [measure_spec(str(c)) for c in cats]
    codes = np.asarray(df["measure"].cat.codes)
    lo = np.array([sp.low for sp in specs] + [np.nan])[codes]
    hi = np.array([sp.high for sp in specs] + [np.nan])[codes]
    v = df["value"].to_numpy(dtype=float)
    return pd.Series((v >= lo) & (v <= hi), index=df.index)


def sessions_schema() -> pa.DataFrameSchema:
    """The pandera schema of ``SessionData.sessions``.

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Columns, dtypes, nullability, uniqueness and vocabularies of the canonical session
        table (conditions are open: the vocabulary can be extended on load).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> _ = sessions_schema().validate(load_sample().sessions)
    """
    cat = "category"
    return pa.DataFrameSchema(
        {
            "session_id": pa.Column(cat, unique=True),
            "patient_id": pa.Column(cat),
            "episode_id": pa.Column(cat),
            "session_date": pa.Column(
                "datetime64[ns]", pa.Check.ge(pd.Timestamp(MIN_SESSION_DATE)), nullable=True
            ),
            "session_number": pa.Column("Int64", pa.Check.ge(1)),
            "clinic_id": pa.Column(cat, nullable=True),
            "condition": pa.Column(cat),
            "practitioner_role": pa.Column(cat, pa.Check.isin(PRACTITIONER_ROLES), nullable=True),
            "muscles": pa.Column(cat, nullable=True),
            "needle_count": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "twitch_response": pa.Column("boolean", nullable=True),
            "adverse_events": pa.Column(cat, pa.Check(_events_ok), nullable=True),
            "age_band": pa.Column(cat, pa.Check(_bands_ok), nullable=True),
            "sex": pa.Column(cat, pa.Check.isin(SEXES), nullable=True),
            "source_row": pa.Column("int64", pa.Check.ge(2)),
        },
        strict=True,
        ordered=True,
        name="sessions",
    )


def measures_schema() -> pa.DataFrameSchema:
    """The pandera schema of ``SessionData.measures``.

    Values must lie in each measure's range (pain on NPRS 0-10 after any VAS conversion),
    and there is one value per session, measure and timing.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> _ = measures_schema().validate(load_sample().measures)
    """
    cat = "category"
    return pa.DataFrameSchema(
        {
            "session_id": pa.Column(cat),
            "measure": pa.Column(cat, pa.Check(_names_ok)),
            "timing": pa.Column(cat, pa.Check.isin(TIMINGS)),
            "value": pa.Column("float64"),
            "unit": pa.Column(cat, pa.Check.isin(tuple(UNITS))),
            "source_row": pa.Column("int64", pa.Check.ge(2)),
        },
        checks=[pa.Check(_values_within_measure_range, name="value_within_measure_range")],
        strict=True,
        ordered=True,
        unique=["session_id", "measure", "timing"],
        name="measures",
    )
