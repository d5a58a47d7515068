"""The messy export: a small clean table made into a clinic export with planted problems."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.datasets.design import (
    MESSY_ROWS,
    MESSY_SEED,
    ROM_COLUMNS,
)
from tpdn_outcomes.datasets.text import as_text

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
PLANT_DESCRIPTIONS: dict[tuple[str, str], str] = {
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


def messy_slice(
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
    >>> from tpdn_outcomes.datasets import synthesize
    >>> from tpdn_outcomes.datasets.messy import messy_slice
    >>> messy, planted = make_messy(messy_slice(synthesize(n_patients=200, seed=5)))
    >>> messy.columns[:4].tolist()
    ['Patient ID', 'Date', 'Session No', 'Clinic']
    >>> planted["check"].value_counts()["out_of_range"]
    np.int64(4)
    """
    rng = np.random.default_rng(seed)
    clean = wide.reset_index(drop=True)
    text = as_text(clean)
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
