"""Column mapping: a wide session file's column names onto the canonical tables.

Part of :mod:`tpdn_outcomes.io` (which re-exports these names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tpdn_outcomes import schema


@dataclass
class ColumnPlan:
    """How the columns of a wide session file map onto the canonical tables.

    Attributes
    ----------
    session : dict
        Canonical session column -> the column's name in the file.
    measures : list of tuple
        ``(name in file, canonical measure, timing)`` for every wide measure column.
    unknown : list of str
        Columns that are neither session columns nor measures (ignored, with a warning).
    duplicates : dict
        Canonical column -> the several file columns that all map to it (an error).
    """

    session: dict[str, str] = field(default_factory=dict)
    measures: list[tuple[str, str, str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    duplicates: dict[str, list[str]] = field(default_factory=dict)


def _split_timing(name: str) -> tuple[str, str] | None:
    """Split a normalised wide measure name into (stem, timing)."""
    for alias, timing in schema.TIMING_ALIASES.items():
        if name.endswith("_" + alias) and len(name) > len(alias) + 1:
            return name[: -len(alias) - 1], timing
        if name.startswith(alias + "_") and len(name) > len(alias) + 1:
            return name[len(alias) + 1 :], timing
    return None


def wide_measure(name: str) -> tuple[str, str] | None:
    """Recognise a wide measure column name: ``(canonical measure, timing)`` or ``None``.

    Examples
    --------
    >>> wide_measure("NPRS pre"), wide_measure("rom_cervical_rotation_left_post")
    (('pain', 'pre'), ('rom:cervical_rotation_left', 'post'))
    >>> wide_measure("HIT-6 post"), wide_measure("ndi"), wide_measure("grip_pre")
    (('function:hit6', 'post'), ('function:ndi', 'pre'), None)
    """
    norm = schema.normalise_name(name)
    split = _split_timing(norm)
    stem, timing = split if split else (norm, "pre")
    if split is None and norm not in schema.FUNCTION_ALIASES:
        return None  # a bare stem counts only for function instruments (measured at the session)
    if stem in schema.PAIN_STEMS:
        return "pain", timing
    if stem.startswith("function_"):
        stem = stem[len("function_") :]
    if stem in schema.FUNCTION_ALIASES:
        return "function:" + schema.FUNCTION_ALIASES[stem], timing
    if stem.startswith("rom_"):
        candidate = "rom:" + stem[4:]
        try:
            schema.measure_spec(candidate)
        except KeyError:
            return None
        return candidate, timing
    return None


def plan_columns(columns: list[str], column_map: Mapping[str, str] | None = None) -> ColumnPlan:
    """Map a wide session file's column names onto canonical columns and measures.

    Names are matched case- and space-insensitively (see :func:`schema.normalise_name`)
    through :data:`schema.COLUMN_ALIASES`; ``column_map`` (file name -> canonical name,
    either a session column such as ``"patient_id"`` or a wide measure name such as
    ``"rom_cervical_rotation_left_pre"``) takes precedence.

    Examples
    --------
    >>> plan = plan_columns(["Patient ID", "Dx", "Date", "NPRS pre", "Notes2"],
    ...                     column_map={"Notes2": "clinic_id"})
    >>> plan.session
    {'patient_id': 'Patient ID', 'condition': 'Dx', 'session_date': 'Date', 'clinic_id': 'Notes2'}
    >>> plan.measures
    [('NPRS pre', 'pain', 'pre')]
    """
    user = {schema.normalise_name(k): v for k, v in (column_map or {}).items()}
    plan = ColumnPlan()
    claimed: dict[str, list[str]] = {}
    for col in columns:
        norm = schema.normalise_name(col)
        target = user.get(norm)
        if target is not None:
            target_norm = schema.normalise_name(target)
            canonical = schema.COLUMN_ALIASES.get(target_norm)
            if canonical is None and target_norm in schema.SESSION_COLUMNS:
                canonical = target_norm
        else:
            target_norm = norm
            canonical = schema.COLUMN_ALIASES.get(norm)
        if canonical is not None:
            claimed.setdefault(canonical, []).append(col)
            continue
        measure = wide_measure(target_norm)
        if measure is not None:
            key = f"{measure[0]}|{measure[1]}"
            claimed.setdefault(key, []).append(col)
            plan.measures.append((col, *measure))
            continue
        plan.unknown.append(col)
    for key, cols in claimed.items():
        if len(cols) > 1:
            plan.duplicates[key.replace("|", " ")] = cols
        if "|" not in key:
            plan.session[key] = cols[0]
    plan.measures = [
        m
        for m in plan.measures
        if len(claimed[f"{m[1]}|{m[2]}"]) == 1 or claimed[f"{m[1]}|{m[2]}"][0] == m[0]
    ]
    return plan


#: Aliases of the columns of a long measures table.
MEASURE_TABLE_ALIASES: dict[str, str] = {
    "session_id": "session_id",
    "visit_id": "session_id",
    "encounter_id": "session_id",
    "measure": "measure",
    "instrument": "measure",
    "outcome": "measure",
    "variable": "measure",
    "timing": "timing",
    "time_point": "timing",
    "timepoint": "timing",
    "phase": "timing",
    "when": "timing",
    "value": "value",
    "score": "value",
    "result": "value",
    "unit": "unit",
    "units": "unit",
}
