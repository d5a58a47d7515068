"""Registry of clinically meaningful change thresholds (MCIDs), with their sources.

A responder is an episode whose *improvement* (the change signed so that positive is
better) reaches a threshold. Thresholds are either absolute (in the instrument's points)
or relative (percent of the baseline); a definition with both kinds counts an episode
that reaches either (``combine="or"``), as Farrar et al. define moderate pain relief.

The defaults are overridable: pass your own table (same columns) as ``registry=``.
ROM has no universal MCID (DATA.md): responder analyses of ROM need an explicit threshold.
"""

from __future__ import annotations

import pandas as pd

REGISTRY_COLUMNS: tuple[str, ...] = (
    "instrument",
    "definition",
    "threshold",
    "kind",
    "combine",
    "population",
    "citation",
    "verified",
)

_NOT_VERIFIED = False
_ROWS: list[tuple[str, str, float, str, str, str, str, bool]] = [
    (
        "pain",
        "moderate",
        2.0,
        "absolute",
        "or",
        "chronic pain (NPRS 0-10)",
        "Farrar JT, Young JP Jr, LaMoreaux L, Werth JL, Poole RM. Clinical importance of changes in "
        "chronic pain intensity measured on an 11-point numerical pain rating scale. Pain "
        "2001;94:149-158.",
        True,
    ),
    (
        "pain",
        "moderate",
        30.0,
        "percent",
        "or",
        "chronic pain (NPRS 0-10)",
        "Farrar JT et al. Pain 2001;94:149-158; Dworkin RH et al. (IMMPACT). J Pain 2008;9:105-121.",
        True,
    ),
    (
        "pain",
        "substantial",
        50.0,
        "percent",
        "",
        "chronic pain (NPRS 0-10)",
        "Dworkin RH, Turk DC, Wyrwich KW, et al. Interpreting the clinical importance of treatment "
        "outcomes in chronic pain clinical trials: IMMPACT recommendations. J Pain 2008;9:105-121.",
        True,
    ),
    (
        "function:odi",
        "mcid",
        10.0,
        "absolute",
        "or",
        "low back pain",
        "Ostelo RW, Deyo RA, Stratford P, et al. Interpreting change scores for pain and functional "
        "status in low back pain: towards international consensus regarding minimal important "
        "change. Spine 2008;33:90-94.",
        True,
    ),
    (
        "function:odi",
        "mcid",
        30.0,
        "percent",
        "or",
        "low back pain",
        "Ostelo RW et al. Spine 2008;33:90-94.",
        True,
    ),
    (
        "function:ndi",
        "mcid",
        7.5,
        "absolute",
        "",
        "mechanical neck pain (NDI 0-50)",
        "Young IA, Cleland JA, Michener LA, Brown C. Reliability, construct validity, and "
        "responsiveness of the Neck Disability Index ... in patients with mechanical neck "
        "disorders. Spine J 2009;9:802-808 (MCID 7.5 points; MDC 10.2).",
        True,
    ),
    (
        "function:ndi_pct",
        "mcid",
        15.0,
        "absolute",
        "",
        "mechanical neck pain (NDI 0-100 %)",
        "Young IA et al. Spine J 2009;9:802-808, 7.5 of 50 points expressed in percent.",
        True,
    ),
    (
        "function:psfs",
        "mcid",
        2.0,
        "absolute",
        "",
        "musculoskeletal conditions (PSFS 0-10)",
        "Stratford P, Gill C, Westaway M, Binkley J. Assessing disability and change on individual "
        "patients: a report of a patient specific measure. Physiother Can 1995;47:258-263 "
        "(commonly used value; not verified against the primary source here).",
        _NOT_VERIFIED,
    ),
    (
        "function:hit6",
        "mcid",
        2.3,
        "absolute",
        "",
        "headache (HIT-6 36-78)",
        "Coeytaux RR, Kaufman JS, Chao R, Mann JD, DeVellis RF. Four methods of estimating the "
        "minimal important difference score were compared to establish a clinically significant "
        "change in Headache Impact Test. J Clin Epidemiol 2006;59:374-380 (commonly used value; "
        "not verified against the primary source here).",
        _NOT_VERIFIED,
    ),
    (
        "function:fiqr",
        "mcid",
        14.0,
        "percent",
        "",
        "fibromyalgia (FIQR 0-100)",
        "Bennett RM, Bushmakin AG, Cappelleri JC, Zlateva G, Sadosky AB. Minimal clinically "
        "important difference in the Fibromyalgia Impact Questionnaire. J Rheumatol "
        "2009;36:1304-1311 (commonly used value; not verified against the primary source here).",
        _NOT_VERIFIED,
    ),
    (
        "function:quickdash",
        "mcid",
        8.0,
        "absolute",
        "",
        "shoulder conditions (QuickDASH 0-100)",
        "Mintken PE, Glynn P, Cleland JA. Psychometric properties of the shortened disabilities of "
        "the Arm, Shoulder, and Hand Questionnaire (QuickDASH) and Numeric Pain Rating Scale in "
        "patients with shoulder pain. J Shoulder Elbow Surg 2009;18:920-926 (commonly used value; "
        "not verified against the primary source here).",
        _NOT_VERIFIED,
    ),
]


def registry() -> pd.DataFrame:
    """The default MCID registry (a fresh copy).

    Returns
    -------
    DataFrame
        One row per threshold: ``instrument`` (measure name), ``definition``,
        ``threshold``, ``kind`` (``absolute`` points or ``percent`` of baseline),
        ``combine`` (``or`` when a definition has several thresholds, any of which counts),
        ``population``, ``citation`` and ``verified`` (whether the value was checked against
        the cited source when it was entered).

    Examples
    --------
    >>> table = registry()
    >>> table.loc[table["instrument"] == "pain", ["definition", "threshold", "kind"]]
        definition  threshold      kind
    0     moderate        2.0  absolute
    1     moderate       30.0   percent
    2  substantial       50.0   percent
    """
    return pd.DataFrame(_ROWS, columns=list(REGISTRY_COLUMNS))


def check_registry(table: pd.DataFrame) -> pd.DataFrame:
    """Validate a user's registry; return it. Raises ValueError naming the problem.

    Examples
    --------
    >>> len(check_registry(registry())) > 5
    True
    """
    missing = [c for c in ("instrument", "definition", "threshold", "kind") if c not in table]
    if missing:
        raise ValueError(
            f"the MCID registry lacks column(s) {missing}; see tpdn_outcomes.mcid.registry()"
        )
    bad_kind = sorted(set(table["kind"]) - {"absolute", "percent"})
    if bad_kind:
        raise ValueError(f"MCID kind must be 'absolute' or 'percent', not {bad_kind}")
    thresholds = pd.to_numeric(table["threshold"], errors="coerce")
    if thresholds.isna().any() or (thresholds < 0).any():
        raise ValueError("MCID thresholds must be numbers >= 0")
    return table


def mcid_for(measure: str, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The registered thresholds of one measure (empty for ROM: give a threshold).

    Examples
    --------
    >>> mcid_for("function:odi")["threshold"].tolist()
    [10.0, 30.0]
    >>> mcid_for("rom:lumbar_flexion").empty
    True
    """
    table = check_registry(registry() if table is None else table)
    return table[table["instrument"] == measure].reset_index(drop=True)


__all__ = ["REGISTRY_COLUMNS", "check_registry", "mcid_for", "registry"]
