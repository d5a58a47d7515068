"""REDCap: read a records export (with its data dictionary) into the canonical session
table, and write a session dataset as a REDCap project (records + dictionary).

The REDCap project this reads has a non-repeating ``patient`` instrument (age band, sex)
and a repeating ``session`` instrument (one instance per needling session). Which REDCap
field is which canonical column lives in a small TOML mapping the user can edit
(:data:`DEFAULT_MAPPING`, or ``mapping=`` as a dict or a path).
"""

from __future__ import annotations

import os
import re

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import SchemaError
from tpdn_outcomes.io import atomic_write, neutralise_formulas
from tpdn_outcomes.privacy import IdentifierError

__all__ = ["DEFAULT_MAPPING", "load_redcap", "read_redcap", "to_redcap", "write_redcap"]

#: REDCap field -> canonical column for the project made by :func:`to_redcap`.
DEFAULT_MAPPING: dict[str, Any] = {
    "record_id": "patient_id",
    "age_band": "age_band",
    "sex": "sex",
    "session_date": "session_date",
    "session_number": "session_number",
    "clinic": "clinic_id",
    "condition": "condition",
    "practitioner_role": "practitioner_role",
    "muscles": "muscles",
    "needle_count": "needle_count",
    "twitch": "twitch_response",
    "adverse": "adverse_events",
}

_CHOICE = re.compile(r"\s*([^,|]+?)\s*,\s*([^|]*?)\s*(?:\||$)")
_DICT_COLUMNS = {
    "field": "Variable / Field Name",
    "form": "Form Name",
    "type": "Field Type",
    "label": "Field Label",
    "choices": "Choices, Calculations, OR Slider Labels",
    "validation": "Text Validation Type OR Show Slider Number",
    "identifier": "Identifier?",
}


def _choices(text: object) -> dict[str, str]:
    if not isinstance(text, str) or not text.strip():
        return {}
    return {code.strip(): label.strip() for code, label in _CHOICE.findall(text)}


def _load_mapping(mapping: Mapping[str, Any] | str | os.PathLike[str] | None) -> dict[str, Any]:
    if mapping is None:
        return dict(DEFAULT_MAPPING)
    if isinstance(mapping, Mapping):
        return dict(mapping)
    path = Path(mapping)
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    fields = table.get("fields", table)
    return {str(k): v for k, v in fields.items()}


def _read_dictionary(
    data_dictionary: str | os.PathLike[str] | pd.DataFrame | None,
) -> pd.DataFrame | None:
    """The data dictionary (None without one), refused when it lacks a column read here."""
    dictionary = None
    if data_dictionary is not None:
        dictionary = (
            data_dictionary.copy()
            if isinstance(data_dictionary, pd.DataFrame)
            else pd.read_csv(data_dictionary, dtype=str, keep_default_na=False)
        )
        missing = [c for c in ("field", "type", "choices") if _DICT_COLUMNS[c] not in dictionary]
        if missing:
            raise SchemaError(
                f"data dictionary: missing column(s) {[_DICT_COLUMNS[c] for c in missing]}; "
                "export it from REDCap (Project Setup > Data Dictionary)"
            )
    return dictionary


def _choices_of(
    dictionary: pd.DataFrame | None,
    frame: pd.DataFrame,
    name: str,
    allow_fields: tuple[str, ...],
) -> dict[str, dict[str, str]]:
    """Field -> {code: label} from the dictionary; a flagged identifier field with values
    refused (unless allowed)."""
    choices: dict[str, dict[str, str]] = {}
    ftype: dict[str, str] = {}
    if dictionary is None:
        return choices
    for _, row in dictionary.iterrows():
        field = row[_DICT_COLUMNS["field"]]
        ftype[field] = row[_DICT_COLUMNS["type"]]
        choices[field] = _choices(row[_DICT_COLUMNS["choices"]])
        if ftype[field] == "yesno":
            choices[field] = {"1": "yes", "0": "no"}
    if _DICT_COLUMNS["identifier"] in dictionary:
        flagged = dictionary.loc[
            dictionary[_DICT_COLUMNS["identifier"]].str.lower().str.startswith("y"),
            _DICT_COLUMNS["field"],
        ]
        present = [f for f in flagged if f in frame and f not in allow_fields
                   and (frame[f] != "").any()]  # fmt: skip
        if present:
            counts = ", ".join(f"{f} ({int((frame[f] != '').sum())} values)" for f in present)
            raise IdentifierError(
                f"{name}: field(s) flagged as identifiers in the data dictionary hold "
                f"values: {counts}. Remove them from the export (REDCap's de-identified "
                "export option does this) or pass allow_fields= if they are not identifying."
            )
    return choices


def _split_rows(
    frame: pd.DataFrame, fields: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(patient rows, session rows) of a records export (see :func:`read_redcap`)."""
    repeat = frame.get("redcap_repeat_instrument", pd.Series("", index=frame.index))
    date_field = next((f for f, c in fields.items() if c == "session_date"), None)
    if (repeat != "").any():
        is_session = repeat != ""
    elif date_field is not None and date_field in frame and "redcap_event_name" in frame:
        is_session = frame[date_field] != ""
    else:
        is_session = pd.Series(True, index=frame.index)
    patients = frame[~is_session] if (~is_session).any() else frame
    sessions = frame[is_session].copy()
    return patients, sessions


def _checkbox(
    sessions: pd.DataFrame, field: str, choices: Mapping[str, Mapping[str, str]]
) -> pd.Series | None:
    """A checkbox field's ticked labels, ``;``-separated (None when ``field`` is no checkbox)."""
    checkbox = [c for c in sessions.columns if c.startswith(f"{field}___")]
    if not checkbox:
        return None
    codes = [c.split("___", 1)[1] for c in checkbox]
    labels = [choices.get(field, {}).get(code, code) for code in codes]
    ticked = sessions[checkbox].apply(
        lambda r, labels=labels: ";".join(
            lab for lab, v in zip(labels, r, strict=True) if v in ("1", "Checked")
        ),
        axis=1,
    )
    answered = (sessions[checkbox] != "").any(axis=1)
    return ticked.where(answered, "")


def _per_patient(patients: pd.DataFrame, id_field: str, field: str) -> pd.Series:
    """A patient field's first filled value of each patient (by record id)."""
    per_patient = patients.set_index(id_field)[field]
    per_patient = per_patient[per_patient != ""]
    return per_patient[~per_patient.index.duplicated()]


def read_redcap(
    records: str | os.PathLike[str] | pd.DataFrame,
    *,
    data_dictionary: str | os.PathLike[str] | pd.DataFrame | None = None,
    raw_or_label: str = "raw",
    mapping: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    allow_fields: tuple[str, ...] = (),
) -> pd.DataFrame:
    """A REDCap records export as the canonical wide session table (one row per session).

    Parameters
    ----------
    records : path or DataFrame
        The records export (CSV), "raw" (coded) or "label" values, with
        ``redcap_event_name``, ``redcap_repeat_instrument`` and ``redcap_repeat_instance``
        where the project uses them, checkbox columns ``field___code`` and
        ``<instrument>_complete`` columns (ignored).
    data_dictionary : path or DataFrame, optional
        The project's data dictionary: supplies the choice labels of coded fields, and any
        field flagged as an identifier (``Identifier? = y``) is refused (unless listed in
        ``allow_fields``).
    raw_or_label : {"raw", "label"}, default "raw"
        How the export was made. Raw codes need the dictionary.
    mapping : dict or path to TOML, optional
        REDCap field -> canonical column (:data:`DEFAULT_MAPPING`); measures map by name
        (``pain_pre``, ``rom_<site>_post``, ``ndi_pre``, ...) through the usual aliases.

    Returns
    -------
    DataFrame
        Canonical columns (and measure columns), one row per session, patient fields
        copied onto their sessions. Sessions are the rows of a repeating instrument
        (classic projects) or, in a longitudinal project without one, the event rows
        (``redcap_event_name``) that carry a session date; patient fields recorded at
        another event (e.g. enrolment) fill in. Load it with :func:`tpdn_outcomes.load_sessions`
        (or use :func:`load_redcap`).

    Raises
    ------
    IdentifierError
        A dictionary-flagged identifier field has values.
    SchemaError
        The export lacks ``record_id`` or a coded value has no label in the dictionary
        (naming the record, field and value).

    Examples
    --------
    >>> from tpdn_outcomes.datasets import sample_path
    >>> table = read_redcap(sample_path("redcap_records.csv"),
    ...                     data_dictionary=sample_path("redcap_dictionary.csv"))
    >>> table[["patient_id", "condition", "pain_pre"]].iloc[0].tolist()
    ['P00001', 'tension_type_headache', '6']
    """
    frame = (
        records.copy()
        if isinstance(records, pd.DataFrame)
        else pd.read_csv(records, dtype=str, keep_default_na=False)
    )
    name = "<DataFrame>" if isinstance(records, pd.DataFrame) else Path(records).name
    frame = frame.astype(str).replace({"nan": ""})
    fields = _load_mapping(mapping)
    dictionary = _read_dictionary(data_dictionary)
    raw_checkboxes = raw_or_label == "raw" and any(c.endswith("___1") for c in frame.columns)
    if dictionary is None and raw_checkboxes:
        raise SchemaError(f"{name}: raw checkbox codes need the data dictionary (data_dictionary=)")
    id_field = next((f for f, c in fields.items() if c == "patient_id"), "record_id")
    if id_field not in frame:
        raise SchemaError(f"{name}: no {id_field!r} column; is this a REDCap records export?")
    choices = _choices_of(dictionary, frame, name, allow_fields)
    # split patient rows from session rows: sessions are the rows of a repeating instrument
    # (classic projects) or, in a longitudinal project without one, the event rows that
    # carry a session date; patient-level fields fill in from the other rows
    patients, sessions = _split_rows(frame, fields)
    out = pd.DataFrame(index=sessions.index)
    row_of = {int(i): n + 2 for n, i in enumerate(frame.index)}

    def decode(field: str, values: pd.Series) -> pd.Series:
        if raw_or_label == "label" or field not in choices or not choices[field]:
            return values
        table = choices[field]
        bad = values[(values != "") & ~values.isin(list(table))]
        if len(bad):
            i = bad.index[0]
            raise SchemaError(
                f"{name} row {row_of[int(i)]}, field {field!r}: code {bad.iloc[0]!r} is not "
                f"among the data dictionary's choices {sorted(table)}; fix the record or the "
                "dictionary"
            )
        return values.map(lambda v: table.get(v, v))

    for field, canonical in fields.items():
        if canonical == "patient_id":
            out["patient_id"] = sessions[field]
            continue
        ticked = _checkbox(sessions, field, choices)
        if ticked is not None:
            out[canonical] = ticked
            continue
        if field in sessions and (sessions[field] != "").any():
            values = sessions[field]
            if field in patients and (values == "").any() and patients is not sessions:
                # a longitudinal project: patient fields recorded at another event
                filler = sessions[id_field].map(_per_patient(patients, id_field, field)).fillna("")
                values = values.where(values != "", filler)
            out[canonical] = decode(field, values)
        elif field in patients:
            per_patient = _per_patient(patients, id_field, field)
            out[canonical] = decode(field, sessions[id_field].map(per_patient).fillna(""))
    mapped = set(fields) | {id_field}
    skip = {"redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance"}
    for col in sessions.columns:
        base = col.split("___", 1)[0]
        if col in skip or base in mapped or col.endswith("_complete"):
            continue
        out[col] = sessions[col]
    out = out.replace({"": np.nan})
    return out.reset_index(drop=True)


def load_redcap(
    records: str | os.PathLike[str] | pd.DataFrame,
    *,
    data_dictionary: str | os.PathLike[str] | pd.DataFrame | None = None,
    raw_or_label: str = "raw",
    mapping: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    allow_fields: tuple[str, ...] = (),
    **load_options: Any,
) -> SessionData:
    """:func:`read_redcap` and then :func:`tpdn_outcomes.load_sessions` with its checks.

    Examples
    --------
    >>> from tpdn_outcomes.datasets import sample_path
    >>> data = load_redcap(sample_path("redcap_records.csv"),
    ...                    data_dictionary=sample_path("redcap_dictionary.csv"),
    ...                    export_date="2026-07-01")
    >>> len(data.sessions)
    16189
    """
    from tpdn_outcomes.validate import load_sessions

    table = read_redcap(records, data_dictionary=data_dictionary, raw_or_label=raw_or_label,
                        mapping=mapping, allow_fields=allow_fields)  # fmt: skip
    return load_sessions(table, **load_options)


def _field_name(measure: str, timing: str) -> str:
    spec = schema.measure_spec(measure)
    rest = measure.split(":", 1)[1] if ":" in measure else measure
    if spec.kind == "rom":
        return f"rom_{rest}_{timing}"
    return f"{rest}_{timing}"


def _session_records(
    s: pd.DataFrame,
    codes: Mapping[str, Mapping[str, str]],
    ae_codes: Mapping[str, str],
    measure_fields: list[tuple[str, str, str]],
    lookup: Mapping[tuple[str, str, str], float],
) -> list[dict[str, str]]:
    """The ``session`` instances of the records export: one per session, in ``s``'s order."""
    records = []
    instance = (s.groupby("patient_id", observed=True).cumcount() + 1).to_numpy()
    for i, row in s.iterrows():
        rec: dict[str, str] = {
            "record_id": str(row["patient_id"]),
            "redcap_repeat_instrument": "session",
            "redcap_repeat_instance": str(int(instance[int(str(i))])),
            "session_date": row["session_date"].strftime("%Y-%m-%d") if pd.notna(row["session_date"]) else "",
            "session_number": str(int(row["session_number"])) if pd.notna(row["session_number"]) else "",
            "clinic": codes["clinic"].get(str(row["clinic_id"]), "") if pd.notna(row["clinic_id"]) else "",
            "condition": codes["condition"][str(row["condition"])],
            "practitioner_role": codes["practitioner_role"].get(str(row["practitioner_role"]), "") if pd.notna(row["practitioner_role"]) else "",
            "muscles": str(row["muscles"]) if pd.notna(row["muscles"]) else "",
            "needle_count": str(int(row["needle_count"])) if pd.notna(row["needle_count"]) else "",
            "twitch": "" if pd.isna(row["twitch_response"]) else ("1" if row["twitch_response"] else "0"),
        }  # fmt: skip
        ae = set(str(row["adverse_events"]).split(";")) if pd.notna(row["adverse_events"]) else None
        for event, code in ae_codes.items():
            rec[f"adverse___{code}"] = "" if ae is None else ("1" if event in ae else "0")
        sid = str(row["session_id"])
        for measure, timing, field in measure_fields:
            v = lookup.get((sid, measure, timing))
            rec[field] = "" if v is None or np.isnan(v) else f"{v:g}"
        rec["session_complete"] = "2"
        records.append(rec)
    return records


def to_redcap(data: SessionData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A REDCap project for the dataset: (records in "raw" form, data dictionary).

    One ``patient`` record row per patient (age band, sex) and one repeating ``session``
    instance per session, with coded choices (condition, role, sex, age band, clinic),
    a yes/no twitch field and the adverse events as a checkbox field.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> records, dictionary = to_redcap(load_sample())
    >>> records["redcap_repeat_instrument"].value_counts().to_dict()
    {'session': 16189, '': 3400}
    """
    s = data.sessions.reset_index(drop=True)
    m = data.measures
    dictionary_rows: list[dict[str, str]] = []

    def add(field: str, form: str, ftype: str, label: str, choices: str = "",
            validation: str = "") -> None:  # fmt: skip
        dictionary_rows.append({_DICT_COLUMNS["field"]: field, _DICT_COLUMNS["form"]: form,
                                _DICT_COLUMNS["type"]: ftype, _DICT_COLUMNS["label"]: label,
                                _DICT_COLUMNS["choices"]: choices,
                                _DICT_COLUMNS["validation"]: validation,
                                _DICT_COLUMNS["identifier"]: ""})  # fmt: skip

    def coded(values: list[str]) -> tuple[dict[str, str], str]:
        codes = {v: str(i + 1) for i, v in enumerate(values)}
        return codes, " | ".join(f"{c}, {v}" for v, c in codes.items())

    add("record_id", "patient", "text", "Pseudonymous patient id")
    age_codes, age_choices = coded(sorted(s["age_band"].dropna().astype(str).unique()))
    add("age_band", "patient", "dropdown", "Age band", age_choices)
    sex_codes, sex_choices = coded(list(schema.SEXES))
    add("sex", "patient", "radio", "Sex", sex_choices)
    add("session_date", "session", "text", "Session date", validation="date_ymd")
    add("session_number", "session", "text", "Session number", validation="integer")
    clinics = sorted(s["clinic_id"].dropna().astype(str).unique())
    clinic_codes, clinic_choices = coded(clinics)
    add("clinic", "session", "dropdown", "Clinic", clinic_choices)
    cond_codes, cond_choices = coded(sorted(s["condition"].astype(str).unique()))
    add("condition", "session", "dropdown", "Condition treated", cond_choices)
    role_codes, role_choices = coded(["physical_therapist", "chiropractor", "physician", "other"])
    add("practitioner_role", "session", "dropdown", "Practitioner role", role_choices)
    add("muscles", "session", "text", "Muscles needled (;-separated)")
    add("needle_count", "session", "text", "Needle count", validation="integer")
    add("twitch", "session", "yesno", "Local twitch response")
    events = [e for e in schema.ADVERSE_EVENTS]
    ae_codes, ae_choices = coded(events)
    add("adverse", "session", "checkbox", "Adverse events", ae_choices)
    measure_fields = []
    for measure in data.measure_names():
        for timing in ("pre", "post"):
            field = _field_name(measure, timing)
            measure_fields.append((measure, timing, field))
            add(field, "session", "text", f"{schema.measure_spec(measure).label} ({timing})",
                validation="number")  # fmt: skip
    records = []
    patients = s.drop_duplicates("patient_id")
    for _, p in patients.iterrows():
        records.append({"record_id": str(p["patient_id"]), "redcap_repeat_instrument": "",
                        "redcap_repeat_instance": "",
                        "age_band": age_codes.get(str(p["age_band"]), "") if pd.notna(p["age_band"]) else "",
                        "sex": sex_codes.get(str(p["sex"]), "") if pd.notna(p["sex"]) else "",
                        "patient_complete": "2"})  # fmt: skip
    values = m.assign(sid=m["session_id"].astype(str), mm=m["measure"].astype(str),
                      tt=m["timing"].astype(str))  # fmt: skip
    lookup: dict[tuple[str, str, str], float] = dict(
        zip(
            zip(values["sid"], values["mm"], values["tt"], strict=True),
            values["value"].to_numpy(dtype=float).tolist(),
            strict=True,
        )
    )
    codes = {"clinic": clinic_codes, "condition": cond_codes, "practitioner_role": role_codes}
    records += _session_records(s, codes, ae_codes, measure_fields, lookup)
    return pd.DataFrame(records).fillna(""), pd.DataFrame(dictionary_rows)


def write_redcap(data: SessionData, folder: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write ``redcap_records.csv`` and ``redcap_dictionary.csv`` into ``folder``.

    Examples
    --------
    >>> import tempfile
    >>> from tpdn_outcomes import load_sample
    >>> [p.name for p in write_redcap(load_sample(), tempfile.mkdtemp())]
    ['redcap_records.csv', 'redcap_dictionary.csv']
    """
    records, dictionary = to_redcap(data)
    out = Path(folder)
    a = atomic_write(out / "redcap_records.csv",
                     lambda p: neutralise_formulas(records).to_csv(p, index=False))  # fmt: skip
    b = atomic_write(out / "redcap_dictionary.csv",
                     lambda p: neutralise_formulas(dictionary).to_csv(p, index=False))  # fmt: skip
    return a, b
