"""Human labels for the schema's vocabulary: column names, group values and measure names.

The one mapping from what the code calls things (``n_episodes``, ``age_band``,
``function:odi``, ``lumbar_flexion``) to what a reader sees (``Episodes``, ``Age band``,
``Oswestry Disability Index (0-100)``, ``Thoracolumbar flexion``). Reports (HTML, PDF,
XLSX) and figures read their headings and labels from here, so that a site, an instrument
or a column has one name everywhere. Measure, site and instrument names come from
:mod:`tpdn_outcomes.schema` (:class:`~tpdn_outcomes.schema.RomSite` and
:class:`~tpdn_outcomes.schema.Instrument` labels).

Examples
--------
>>> column_label("n_episodes"), column_label("age_band"), column_label("mcid")
('Episodes', 'Age band', 'MCID')
>>> value_label("function:odi"), value_label("lumbar_flexion"), value_label("tmj_dysfunction")
('Oswestry Disability Index (0-100)', 'Thoracolumbar flexion', 'TMJ dysfunction')
>>> row_label("age_band (%)"), row_label("   physical_therapist")
('Age band (%)', '   Physical therapist')
"""

from __future__ import annotations

import re

from tpdn_outcomes import schema

#: Column names (the schema's and the result tables' vocabulary) -> headings.
COLUMN_LABELS: dict[str, str] = {
    # schema columns
    "session_id": "Session",
    "patient_id": "Patient",
    "episode_id": "Episode",
    "session_date": "Date",
    "session_number": "Session number",
    "clinic_id": "Clinic",
    "condition": "Condition",
    "practitioner_role": "Practitioner role",
    "muscles": "Muscles",
    "needle_count": "Needles",
    "twitch_response": "Twitch response",
    "adverse_events": "Side effects",
    "age_band": "Age band",
    "sex": "Sex",
    "measure": "Measure",
    "unit": "Unit",
    "n_sessions": "Sessions",
    "n_episodes": "Episodes",
    "n_patients": "Patients",
    # result columns
    "figure": "",
    "step": "",
    "variable": "",
    "count": "n",
    "n": "n",
    "n_missing": "Missing",
    "mean_baseline": "Baseline mean",
    "mean_final": "Final mean",
    "mean_change": "Mean change",
    "sd_change": "SD of change",
    "ci_low": "95% CI low",
    "ci_high": "95% CI high",
    "p_adj": "p (Holm-adjusted)",
    "median_change": "Median change",
    "moderate_responders": "Moderate responders",
    "moderate_rate": "Moderate rate",
    "substantial_responders": "Substantial responders",
    "substantial_rate": "Substantial rate",
    "mean_change_pct_normal": "Change, % of normal range",
    "mdc": "MDC",
    "mcid": "MCID",
    "n_beyond_mdc": "Episodes beyond MDC",
    "mean_improvement": "Mean improvement",
    "event": "Event",
    "events": "With the event",
    "rate": "Rate",
    "n_twitch": "n with twitch",
    "n_no_twitch": "n without",
    "mean_change_twitch": "Change with twitch",
    "mean_change_no_twitch": "Change without",
    "difference": "Difference",
    "adjusted_difference": "Baseline-adjusted difference",
    "adjusted_ci_low": "Adjusted CI low",
    "adjusted_ci_high": "Adjusted CI high",
    "n_events": "Responded",
    "median": "Median days",
    "median_ci_low": "95% CI low",
    "median_ci_high": "95% CI high",
    "chart": "Chart",
    "signals": "Signals",
    "observed": "Observed change",
    "small_n": "Note",
    "expected": "Expected change",
    "o_minus_e": "Observed - expected",
    "outside_95": "Beyond 95 % limits",
    "outside_998": "Beyond 99.8 % limits",
    # methods tables
    "instrument": "Measure",
    "definition": "Definition",
    "threshold": "Threshold",
    "kind": "Kind",
    "citation": "Source",
    "site": "Site",
    "confidence": "Confidence",
    # the data-quality table
    "check": "Check",
    "severity": "Severity",
    "status": "Status",
}

#: Headings that differ by table (report table key -> column -> heading).
TABLE_COLUMN_LABELS: dict[str, dict[str, str]] = {
    "adverse_events": {"unit": "Per"},
}

#: Vocabulary words with a fixed spelling.
VALUE_LABELS: dict[str, str] = {
    "mcid": "MCID",
    "mdc": "MDC",
    "deg": "degrees",
    "mm": "mm",
    "nprs": "NPRS points",
    "True": "Yes",
    "False": "No",
    "physical_therapist": "Physical therapist",
}

ACRONYMS = {"tmj": "TMJ", "nprs": "NPRS", "rom": "ROM", "sd": "SD", "iqr": "IQR"}

_ROW = re.compile(
    r"^(?P<indent>\s*)(?P<body>.*?)(?P<suffix>\s\((?:%|mean \(SD\)|median \[IQR\])\))?$"
)
_MEASURE_IN = re.compile(r"^baseline (?P<measure>\S+) \((?P<unit>[a-z]+)\)$")


def _words(text: str) -> str:
    words = [ACRONYMS.get(w, w) for w in text.replace("_", " ").split(" ")]
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


def value_label(value: object) -> str:
    """A readable label for a vocabulary value: a group, a measure, a site or a flag.

    Measures (``pain``, ``rom:<site>``, ``function:<instrument>``) and ROM sites take their
    label from :mod:`tpdn_outcomes.schema`; booleans read ``Yes``/``No``; other lower-case
    words lose their underscores (``neck_pain`` -> ``Neck pain``). Text that is not all lower
    case (``CLN-01``, ``2026Q1``, a sentence already written for readers) is kept as it is.

    Examples
    --------
    >>> value_label("rom:cervical_rotation_left"), value_label(True), value_label("CLN-01")
    ('Cervical rotation (left)', 'Yes', 'CLN-01')
    """
    text = str(value)
    if text in VALUE_LABELS:
        return VALUE_LABELS[text]
    if text in schema.ROM_SITES:
        return schema.ROM_SITES[text].label
    if text == "pain" or text.startswith(("rom:", "function:")):
        try:
            return schema.measure_spec(text).label
        except KeyError:
            pass
    if not text.islower():
        return text
    return _words(text)


def column_label(column: object, table: str | None = None) -> str:
    """The heading of a column (of report table ``table`` when given).

    Names outside :data:`COLUMN_LABELS` (a condition or a clinic as a column of Table 1)
    read as :func:`value_label` gives them.

    Examples
    --------
    >>> column_label("unit"), column_label("unit", "adverse_events"), column_label("neck_pain")
    ('Unit', 'Per', 'Neck pain')
    """
    name = str(column)
    override = TABLE_COLUMN_LABELS.get(table or "", {})
    if name in override:
        return override[name]
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    return value_label(name)


def row_label(text: object) -> str:
    """A Table 1 row label: ``age_band (%)`` -> ``Age band (%)``, indent kept.

    Examples
    --------
    >>> row_label("baseline pain (nprs) (mean (SD))"), row_label("n_patients")
    ('Baseline pain (NPRS points) (mean (SD))', 'Patients')
    """
    match = _ROW.match(str(text))
    assert match is not None  # the pattern matches any text
    indent, body, suffix = match["indent"], match["body"], match["suffix"] or ""
    measure = _MEASURE_IN.match(body)
    if measure:
        spec_label = value_label(measure["measure"])
        unit = schema.UNITS[measure["unit"]].words if measure["unit"] in schema.UNITS else ""
        name = "Baseline pain" if measure["measure"] == "pain" else f"Baseline {spec_label}"
        return f"{indent}{name} ({'NPRS ' if measure['unit'] == 'nprs' else ''}{unit}){suffix}"
    label = COLUMN_LABELS.get(body) or value_label(body)
    return f"{indent}{label}{suffix}"


__all__ = [
    "ACRONYMS",
    "COLUMN_LABELS",
    "TABLE_COLUMN_LABELS",
    "VALUE_LABELS",
    "column_label",
    "row_label",
    "value_label",
]
