"""HL7 FHIR R4 import and export: Patients, needling Procedures and measure Observations.

A dataset becomes a Bundle (or NDJSON, one resource per line) of:

- ``Organization``: one per clinic (``identifier`` = the clinic code);
- ``Patient``: one per pseudonymous patient (``identifier`` = the pseudonym, ``gender``);
  nothing else, so that no identifier leaves the library;
- ``Procedure``: one per needling session (``performedDateTime``, ``reasonCode`` = the
  condition, ``performer`` = practitioner role and clinic, ``bodySite`` = the muscles,
  ``complication`` = the adverse events), with the episode, session number, age band, needle
  count and twitch response as extensions;
- ``Observation``: one per measured value, ``partOf`` its session's Procedure, coded in
  LOINC where a code was verified (pain: 72514-3 "Pain severity - 0-10 verbal numeric rating
  [Score] - Reported"; ODI: 97909-6; NDI: 82237-9) and always in the library's own code
  system, with ``valueQuantity`` in UCUM units, the ROM site in SNOMED CT (``bodySite``) with
  its laterality (the mCODE laterality extension) and the timing (before or after needling)
  as an extension.

Codes the library could not verify against a published source are not invented: those
measures, conditions and events carry only the library's code system (``urn:tpdn-outcomes:*``)
and a text. What is written is validated with the ``fhir.resources`` models (FHIR R4B
4.3.0, which for Patient, Procedure, Observation, Organization and Bundle has the elements
of R4 4.0.1 used here). Reading validates every resource the same way, refuses Patients
that carry identifying elements (name, telecom, address, birthDate, photo, contact, or an
identifier other than the pseudonym), and goes through :func:`tpdn_outcomes.load_sessions`
with its usual checks.
"""

from __future__ import annotations

import json
import os
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.io import atomic_write
from tpdn_outcomes.privacy import IdentifierError

__all__ = [
    "LOINC",
    "SNOMED",
    "FhirError",
    "from_fhir",
    "load_fhir",
    "read_fhir",
    "to_fhir",
    "write_fhir",
]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
_NS = "urn:tpdn-outcomes"
_CS_MEASURE = f"{_NS}:measure"
_CS_CONDITION = f"{_NS}:condition"
_CS_ROLE = f"{_NS}:practitioner-role"
_CS_EVENT = f"{_NS}:adverse-event"
_CS_PROCEDURE = f"{_NS}:procedure"
_ID_PATIENT = f"{_NS}:patient"
_ID_SESSION = f"{_NS}:session"
_ID_CLINIC = f"{_NS}:clinic"
_EXT = f"{_NS}:extension"
_X_EPISODE = f"{_EXT}:episode"
_X_SESSION_NUMBER = f"{_EXT}:session-number"
_X_AGE_BAND = f"{_EXT}:age-band"
_X_NEEDLES = f"{_EXT}:needle-count"
_X_TWITCH = f"{_EXT}:twitch-response"
_X_TIMING = f"{_EXT}:timing"
_X_MUSCLES = f"{_EXT}:muscles"
#: The mCODE laterality extension (http://hl7.org/fhir/us/mcode), SNOMED CT qualifiers.
_X_LATERALITY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"
_OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

#: LOINC codes used (verified: loinc.org/97909-6; HL7 examples for 72514-3 and 82237-9).
_LOINC_CODES: dict[str, tuple[str, str]] = {
    "pain": ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
    "function:odi": ("97909-6", "Oswestry disability index score ODI"),
    "function:ndi": ("82237-9", "Total score [NDI]"),
}
#: SNOMED CT body structures of the ROM sites (DICOM CID 4031/1006 value sets in FHIR).
_SITE_SNOMED: dict[str, tuple[str, str]] = {
    "cervical": ("122494005", "Cervical spine"),
    "shoulder": ("16982005", "Shoulder region structure"),
    "lumbar": ("122496007", "Lumbar spine"),
    "hip": ("24136001", "Hip joint"),
    "knee": ("49076000", "Knee joint"),
    "ankle": ("70258002", "Ankle joint"),
    "mouth": ("53620006", "Temporomandibular joint"),
}
_LATERALITY: dict[str, tuple[str, str]] = {
    "left": ("7771000", "Left (qualifier value)"),
    "right": ("24028007", "Right (qualifier value)"),
}
#: SNOMED CT codes of the conditions where one was verified (others: the library's code).
_CONDITION_SNOMED: dict[str, tuple[str, str]] = {
    "fibromyalgia": ("203082005", "Fibromyalgia (disorder)"),
    "chronic_low_back_pain": ("278860009", "Chronic low back pain (finding)"),
    "neck_pain": ("81680005", "Neck pain"),
    "tmj_dysfunction": (
        "386207004",
        "Temporomandibular joint-pain-dysfunction syndrome (disorder)",
    ),
}
_SEX_TO_GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
#: Statuses (FHIR R4 value sets) of resources that did not happen or were recorded in error:
#: such resources are left out, with a DataQualityWarning that counts them.
_VOID = {"Procedure": {"not-done", "entered-in-error"},
         "Observation": {"cancelled", "entered-in-error"}}  # fmt: skip
_STATUSES = {
    "Procedure": {"preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
                  "entered-in-error", "unknown"},
    "Observation": {"registered", "preliminary", "final", "amended", "corrected", "cancelled",
                    "entered-in-error", "unknown"},
}  # fmt: skip
_IDENTIFYING = ("name", "telecom", "address", "birthDate", "photo", "contact",
                "deceasedDateTime", "multipleBirthInteger", "communication")  # fmt: skip


class FhirError(ValueError):
    """A FHIR resource that cannot be read, naming the entry, the resource and the field."""


def _models() -> Any:
    try:
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError as exc:  # pragma: no cover - a dependency
        raise ImportError(
            "FHIR needs the fhir.resources package: pip install fhir.resources"
        ) from exc
    return get_fhir_model_class


def _validate(resource: Mapping[str, Any], where: str) -> None:
    """Check one resource against the fhir.resources model of its type."""
    from pydantic import ValidationError

    kind = resource.get("resourceType")
    if not isinstance(kind, str):
        raise FhirError(f"{where}: no resourceType; every FHIR resource names its type")
    try:
        model = _models()(kind)
    except (KeyError, ValueError) as exc:
        raise FhirError(f"{where}: unknown resourceType {kind!r}") from exc
    try:
        model.model_validate(dict(resource))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        raise FhirError(
            f"{where} ({kind}/{resource.get('id', '?')}): field {loc or '(resource)'}: "
            f"{first.get('msg')} (value {first.get('input')!r}); {exc.error_count()} problem(s) "
            "in all; fix the resource so that it is valid FHIR R4"
        ) from exc


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _measure_concept(measure: str) -> dict[str, Any]:
    spec = schema.measure_spec(measure)
    codings = []
    if measure in _LOINC_CODES:
        codings.append(_coding(LOINC, *_LOINC_CODES[measure]))
    codings.append(_coding(_CS_MEASURE, measure, spec.label))
    return {"coding": codings, "text": spec.label}


def _rom_body_site(measure: str) -> dict[str, Any] | None:
    if not measure.startswith("rom:"):
        return None
    rest = measure[4:]
    side = None
    for s in schema.ROM_SIDES:
        if rest.endswith("_" + s):
            side, rest = s, rest[: -len(s) - 1]
    region = rest.split("_")[0]
    code = _SITE_SNOMED.get(region)
    site: dict[str, Any] = {
        "text": schema.ROM_SITES[rest].label if rest in schema.ROM_SITES else rest
    }
    if code:
        site["coding"] = [_coding(SNOMED, *code)]
    if side:
        site["extension"] = [{"url": _X_LATERALITY,
                              "valueCodeableConcept": {"coding": [_coding(SNOMED, *_LATERALITY[side])]}}]  # fmt: skip
    return site


def _ids(values: Iterable[str], prefix: str) -> dict[str, str]:
    """Resource ids: FHIR ids allow only letters, digits, '-' and '.', so number them."""
    return {v: f"{prefix}{i + 1}" for i, v in enumerate(dict.fromkeys(values))}


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value)
    return text if text and text != "nan" else None


def _full_url(kind: str, rid: str) -> str:
    """A stable ``urn:uuid`` for a resource (UUID 5 of its type and id)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'urn:tpdn-outcomes:{kind}/{rid}')}"


def _procedure(
    row: Mapping[Any, Any],
    ref: Callable[[str, str], dict[str, str]],
    patients: Mapping[str, str],
    sessions: Mapping[str, str],
    clinics: Mapping[str, str],
) -> dict[str, Any]:
    """The Procedure of one session (a row of the session table)."""
    sid = str(row["session_id"])
    cond = str(row["condition"])
    label = cond.replace("_", " ")
    codings = [_coding(_CS_CONDITION, cond, label)]
    if cond in _CONDITION_SNOMED:
        codings.insert(0, _coding(SNOMED, *_CONDITION_SNOMED[cond]))
    ext: list[dict[str, Any]] = [
        {"url": _X_EPISODE, "valueString": str(row["episode_id"])},
    ]
    if pd.notna(row["session_number"]):
        ext.append({"url": _X_SESSION_NUMBER, "valueInteger": int(row["session_number"])})
    if _text(row.get("age_band")):
        ext.append({"url": _X_AGE_BAND, "valueString": str(row["age_band"])})
    if pd.notna(row.get("needle_count")):
        ext.append({"url": _X_NEEDLES, "valueInteger": int(row["needle_count"])})
    if pd.notna(row.get("twitch_response")):
        ext.append({"url": _X_TWITCH, "valueBoolean": bool(row["twitch_response"])})
    proc: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": sessions[sid],
        "extension": ext,
        "identifier": [{"system": _ID_SESSION, "value": sid}],
        "status": "completed",
        "code": {
            "coding": [
                _coding(_CS_PROCEDURE, "trigger-point-dry-needling", "Trigger point dry needling")
            ],
            "text": "Trigger point dry needling",
        },
        "subject": ref("Patient", patients[str(row["patient_id"])]),
        "performedDateTime": pd.Timestamp(row["session_date"]).strftime("%Y-%m-%d"),
        "reasonCode": [{"coding": codings, "text": label}],
    }
    role, clinic = _text(row.get("practitioner_role")), _text(row.get("clinic_id"))
    if role or clinic:
        performer: dict[str, Any] = {
            "actor": ref("Organization", clinics[clinic]) if clinic
            else {"display": "unknown clinic"}
        }  # fmt: skip
        if role:
            performer["function"] = {"coding": [_coding(_CS_ROLE, role)], "text": role}
        proc["performer"] = [performer]
    muscles = _text(row.get("muscles"))
    if muscles:
        proc["bodySite"] = [{"text": mu} for mu in muscles.split(";")]
        proc["extension"].append({"url": _X_MUSCLES, "valueString": muscles})
    events = _text(row.get("adverse_events"))
    if events:
        proc["complication"] = [{"coding": [_coding(_CS_EVENT, ev)], "text": ev}
                                for ev in events.split(";")]  # fmt: skip
    return proc


def _observation(
    i: int,
    msid: str,
    measure: str,
    timing: str,
    value: float,
    mrow: Mapping[Any, Any],
    ref: Callable[[str, str], dict[str, str]],
    patients: Mapping[str, str],
    sessions: Mapping[str, str],
) -> dict[str, Any]:
    """The Observation of one measured value (the ``i``-th row of the measures table)."""
    spec = schema.measure_spec(measure)
    unit = schema.UNITS[spec.unit].ucum
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"o{i + 1}",
        "extension": [{"url": _X_TIMING, "valueCode": timing}],
        "status": "final",
        "category": [
            {"coding": [_coding(_OBS_CATEGORY, "exam" if spec.kind == "rom" else "survey")]}
        ],
        "code": _measure_concept(measure),
        "subject": ref("Patient", patients[str(mrow["patient_id"])]),
        "effectiveDateTime": pd.Timestamp(mrow["session_date"]).strftime("%Y-%m-%d"),
        "partOf": [ref("Procedure", sessions[msid])],
        "valueQuantity": {"value": float(value), "unit": unit, "system": UCUM, "code": unit},
    }
    site = _rom_body_site(measure)
    if site:
        obs["bodySite"] = site
    return obs


def to_fhir(
    data: SessionData,
    *,
    bundle_type: str = "collection",
    validate: bool = True,
    references: str = "bundle",
) -> dict[str, Any]:
    """The dataset as a FHIR R4 Bundle (a JSON-ready dict).

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    bundle_type : str, default "collection"
        ``Bundle.type`` (``collection``, or ``transaction`` to post to a server: each entry
        then has a ``request``).
    validate : bool, default True
        Validate every resource with the ``fhir.resources`` models before returning.
    references : {"bundle", "relative"}, default "bundle"
        ``bundle``: entries have ``urn:uuid`` full URLs and resources refer to each other
        by them, so the Bundle resolves on its own (and a transaction posts as a whole);
        ``relative``: ``Patient/p1`` style references (for NDJSON bulk data).

    Returns
    -------
    dict
        The Bundle. Resource ids are ``c1``, ``p1``, ``s1``, ``o1``, ... (FHIR ids cannot hold
        every character a session or patient code may have); the library's own codes travel
        as identifiers (``urn:tpdn-outcomes:patient``, ``:session``, ``:clinic``).

    Examples
    --------
    >>> bundle = to_fhir(sample_subset(100))  # the sample's first 100 patients
    >>> bundle["resourceType"], bundle["type"]
    ('Bundle', 'collection')
    >>> sorted({e["resource"]["resourceType"] for e in bundle["entry"]})
    ['Observation', 'Organization', 'Patient', 'Procedure']
    """
    if references not in ("bundle", "relative"):
        raise ValueError(f"references must be 'bundle' or 'relative', not {references!r}")

    def ref(kind: str, rid: str) -> dict[str, str]:
        return {"reference": _full_url(kind, rid) if references == "bundle" else f"{kind}/{rid}"}

    if bundle_type not in ("collection", "transaction", "batch"):
        raise ValueError(
            f"bundle_type must be collection, transaction or batch, not {bundle_type!r}"
        )
    s = data.sessions.reset_index(drop=True)
    m = data.measures
    clinics = _ids((c for c in s["clinic_id"].astype("string").dropna()), "c")
    patients = _ids(s["patient_id"].astype(str), "p")
    sessions = _ids(s["session_id"].astype(str), "s")
    resources: list[dict[str, Any]] = []
    for code, rid in clinics.items():
        resources.append({"resourceType": "Organization", "id": rid,
                          "identifier": [{"system": _ID_CLINIC, "value": code}], "name": code})  # fmt: skip
    known = s[s["sex"].notna()]
    sex = dict(zip(known["patient_id"].astype(str), known["sex"].astype(str), strict=True))
    for pid, rid in patients.items():
        patient: dict[str, Any] = {"resourceType": "Patient", "id": rid,
                                   "identifier": [{"system": _ID_PATIENT, "value": pid}]}  # fmt: skip
        if sex.get(pid):
            patient["gender"] = _SEX_TO_GENDER[str(sex[pid])]
        resources.append(patient)
    records = s.to_dict("records")
    for row in records:
        resources.append(_procedure(row, ref, patients, sessions, clinics))
    by_session = {str(r["session_id"]): r for r in records}
    mrec = m[["session_id", "measure", "timing", "value"]].astype({"session_id": str,
                                                                  "measure": str, "timing": str})  # fmt: skip
    for i, (msid, measure, timing, value) in enumerate(mrec.itertuples(index=False, name=None)):
        mrow = by_session.get(msid)
        if mrow is None or pd.isna(value):
            continue
        resources.append(
            _observation(i, msid, measure, timing, value, mrow, ref, patients, sessions)
        )
    entries = []
    for res in resources:
        entry: dict[str, Any] = {"fullUrl": _full_url(res["resourceType"], res["id"]),
                                 "resource": res}  # fmt: skip
        if bundle_type != "collection":
            entry["request"] = {"method": "PUT", "url": f"{res['resourceType']}/{res['id']}"}
        entries.append(entry)
    bundle = {"resourceType": "Bundle", "type": bundle_type, "entry": entries}
    if validate:
        for i, res in enumerate(resources):
            _validate(res, f"entry {i}")
        _models()("Bundle").model_validate({"resourceType": "Bundle", "type": bundle_type})
    return bundle


def write_fhir(data: SessionData, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write the dataset as a FHIR Bundle (``.json``) or NDJSON (``.ndjson``), atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = write_fhir(sample_subset(100), pathlib.Path(tmp) / "sample.ndjson")
    ...     first = out.read_text().splitlines()[0]
    >>> json.loads(first)["resourceType"]
    'Organization'
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".ndjson":
        options.setdefault("references", "relative")
    bundle = to_fhir(data, **options)
    if suffix == ".json":
        text = json.dumps(bundle, indent=1, ensure_ascii=False) + "\n"
    elif suffix == ".ndjson":
        text = "".join(
            json.dumps(e["resource"], ensure_ascii=False) + "\n" for e in bundle["entry"]
        )
    else:
        raise ValueError(f"{target}: write .json (a Bundle) or .ndjson (one resource a line)")
    return atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _resources(
    source: str | os.PathLike[str] | Mapping[str, Any] | list[Any],
) -> tuple[str, list[dict[str, Any]], dict[str, str]]:
    """The resources of a Bundle, an NDJSON file or a list, the name of the source and the
    Bundle's full URLs (-> ``Type/id``)."""
    obj: Any
    if isinstance(source, Mapping):
        name, obj = "<bundle>", source
    elif isinstance(source, list):
        name, obj = "<resources>", source
    else:
        path = Path(source)
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise FhirError(f"{name}: cannot read the file: {exc.strerror or exc}") from exc
        if path.suffix.lower() == ".ndjson":
            obj = []
            for n, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    obj.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise FhirError(f"{name}, line {n}: not JSON ({exc.msg}); NDJSON has one "
                                    "resource per line") from exc  # fmt: skip
        else:
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise FhirError(f"{name}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    if isinstance(obj, Mapping):
        if obj.get("resourceType") != "Bundle":
            return name, [dict(obj)], {}
        out = []
        urls = {}
        for i, entry in enumerate(obj.get("entry") or []):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("resource"), Mapping):
                raise FhirError(f"{name}, entry {i}: no resource")
            res = dict(entry["resource"])
            out.append(res)
            if entry.get("fullUrl"):
                urls[str(entry["fullUrl"])] = f"{res.get('resourceType')}/{res.get('id')}"
        return name, out, urls
    return name, [dict(r) for r in obj], {}


def _ext(resource: Mapping[str, Any], url: str) -> Any:
    for e in resource.get("extension") or []:
        if e.get("url") == url:
            for key, value in e.items():
                if key.startswith("value"):
                    return value
    return None


def _ident(resource: Mapping[str, Any], system: str) -> str | None:
    for ident in resource.get("identifier") or []:
        if ident.get("system") == system and ident.get("value"):
            return str(ident["value"])
    return None


def _code(concept: Mapping[str, Any] | None, system: str) -> str | None:
    for c in (concept or {}).get("coding") or []:
        if c.get("system") == system and c.get("code"):
            return str(c["code"])
    return None


def _ref(reference: Mapping[str, Any] | None, urls: Mapping[str, str] | None = None) -> str | None:
    """``Type/id`` of a reference: a Bundle full URL, a relative or an absolute URL."""
    ref = (reference or {}).get("reference")
    if not ref:
        return None
    ref = str(ref)
    if urls and ref in urls:
        return urls[ref]
    parts = ref.rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else ref


def _by_type(
    name: str, resources: list[dict[str, Any]]
) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """The resources by type, each with its entry number; those that did not happen or were
    entered in error left out with a warning."""
    by_type: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    void: list[str] = []
    for i, res in enumerate(resources):
        kind = res["resourceType"]
        if kind in _STATUSES:
            status = res.get("status")
            if status not in _STATUSES[kind]:
                raise FhirError(f"{name}, entry {i} ({kind}/{res.get('id')}): field status: "
                                f"{status!r} is not a {kind} status (one of "
                                f"{', '.join(sorted(_STATUSES[kind]))})")  # fmt: skip
            if status in _VOID[kind]:
                void.append(f"{kind}/{res.get('id')} ({status})")
                continue
        by_type.setdefault(kind, []).append((i, res))
    if void:
        warnings.warn(
            f"{name}: {len(void)} resource(s) left out because they did not happen or were "
            f"entered in error: {', '.join(void[:5])}{', ...' if len(void) > 5 else ''}",
            DataQualityWarning,
            stacklevel=3,
        )
    return by_type


def _patients(
    name: str, by_type: Mapping[str, list[tuple[int, dict[str, Any]]]]
) -> dict[str, tuple[str, str | None]]:
    """``Patient/id`` -> (patient code, sex); a Patient with identifying elements refused."""
    patients: dict[str, tuple[str, str | None]] = {}
    found = []
    for i, r in by_type.get("Patient", []):
        bad = [k for k in _IDENTIFYING if r.get(k)]
        others = [x.get("system", "?") for x in r.get("identifier") or []
                  if x.get("system") != _ID_PATIENT]  # fmt: skip
        if others:
            bad.append(f"identifier ({', '.join(map(str, others))})")
        if bad:
            found.append(f"entry {i} (Patient/{r.get('id')}): {', '.join(bad)}")
        gender = r.get("gender")
        patients[f"Patient/{r['id']}"] = (_ident(r, _ID_PATIENT) or str(r["id"]),
                                          gender if gender in schema.SEXES else None)  # fmt: skip
    if found:
        raise IdentifierError(
            f"{name}: {len(found)} Patient resource(s) carry identifying elements: "
            + "; ".join(found[:5])
            + ("; ..." if len(found) > 5 else "")
            + ". Export pseudonymous Patients (an id or a pseudonym identifier, gender) only."
        )
    return patients


def _sessions(
    name: str,
    by_type: Mapping[str, list[tuple[int, dict[str, Any]]]],
    urls: Mapping[str, str],
    patients: dict[str, tuple[str, str | None]],
    clinics: Mapping[str, str],
) -> tuple[pd.DataFrame, dict[str, str], dict[tuple[str, str], list[str]]]:
    """The session table of the Procedures, ``Procedure/id`` -> session, and the sessions
    of each (patient, date)."""
    rows = []
    proc_index: dict[str, str] = {}
    by_patient_date: dict[tuple[str, str], list[str]] = {}
    for i, r in by_type.get("Procedure", []):
        where = f"{name}, entry {i} (Procedure/{r.get('id')})"
        subject = _ref(r.get("subject"), urls)
        if subject not in patients:
            raise FhirError(f"{where}: field subject: {subject!r} is not a Patient in the data")
        date = r.get("performedDateTime") or (r.get("performedPeriod") or {}).get("start")
        if not date:
            raise FhirError(f"{where}: field performedDateTime: missing; a session needs its date")
        reason = (r.get("reasonCode") or [{}])[0]
        condition = _code(reason, _CS_CONDITION) or reason.get("text")
        if condition is None:
            snomed = _code(reason, SNOMED)
            condition = next((k for k, v in _CONDITION_SNOMED.items() if v[0] == snomed), None)
        if condition is None:
            raise FhirError(f"{where}: field reasonCode: no condition; code it in "
                            f"{_CS_CONDITION} or give its text")  # fmt: skip
        performer = (r.get("performer") or [{}])[0]
        session = _ident(r, _ID_SESSION) or str(r["id"])
        pid, gender = patients[subject]
        events = [c.get("text") or _code(c, _CS_EVENT) for c in r.get("complication") or []]
        twitch = _ext(r, _X_TWITCH)
        rows.append({
            "session_id": session,
            "patient_id": pid,
            "episode_id": _ext(r, _X_EPISODE),
            "session_date": str(date)[:10],
            "session_number": _ext(r, _X_SESSION_NUMBER),
            "clinic_id": clinics.get(_ref(performer.get("actor"), urls) or "", None),
            "condition": condition,
            "practitioner_role": _code(performer.get("function"), _CS_ROLE)
            or (performer.get("function") or {}).get("text"),
            "muscles": _ext(r, _X_MUSCLES) or ";".join(b["text"] for b in r.get("bodySite") or []
                                                        if b.get("text")) or None,
            "needle_count": _ext(r, _X_NEEDLES),
            "twitch_response": None if twitch is None else ("yes" if twitch else "no"),
            "adverse_events": ";".join(e for e in events if e) or None,
            "age_band": _ext(r, _X_AGE_BAND),
            "sex": gender,
        })  # fmt: skip
        proc_index[f"Procedure/{r['id']}"] = session
        by_patient_date.setdefault((pid, str(date)[:10]), []).append(session)
    sessions = pd.DataFrame(rows)
    if sessions.empty:
        raise FhirError(f"{name}: no Procedure resources; each needling session is a Procedure")
    if sessions["episode_id"].isna().all():
        sessions = sessions.drop(columns=["episode_id"])
    if sessions["session_number"].isna().all():
        sessions = sessions.drop(columns=["session_number"])
    return sessions, proc_index, by_patient_date


def _measures(
    name: str,
    by_type: Mapping[str, list[tuple[int, dict[str, Any]]]],
    urls: Mapping[str, str],
    patients: Mapping[str, tuple[str, str | None]],
    proc_index: Mapping[str, str],
    by_patient_date: Mapping[tuple[str, str], list[str]],
) -> pd.DataFrame:
    """The long measures table of the Observations (with their timings, given or told)."""
    measures = []
    for i, r in by_type.get("Observation", []):
        where = f"{name}, entry {i} (Observation/{r.get('id')})"
        code = r.get("code")
        measure = _code(code, _CS_MEASURE)
        if measure is None:
            loinc = _code(code, LOINC)
            measure = next((k for k, v in _LOINC_CODES.items() if v[0] == loinc), None)
        if measure is None:
            raise FhirError(f"{where}: field code: not a measure this library knows; code it in "
                            f"{_CS_MEASURE} or LOINC 72514-3 (pain)")  # fmt: skip
        sid: str | None = None
        for part in r.get("partOf") or []:
            sid = proc_index.get(_ref(part, urls) or "") or sid
        if sid is None:
            subject = _ref(r.get("subject"), urls)
            who = patients.get(subject or "", ("", None))[0]
            date = str(r.get("effectiveDateTime") or "")[:10]
            candidates = by_patient_date.get((who, date), [])
            if len(candidates) != 1:
                raise FhirError(f"{where}: field partOf: no session; link the Observation to its "
                                f"Procedure (found {len(candidates)} on {date or 'no date'})")  # fmt: skip
            sid = candidates[0]
        quantity = r.get("valueQuantity") or {}
        if quantity.get("value") is None:
            raise FhirError(f"{where}: field valueQuantity.value: missing")
        measures.append({"session_id": sid, "measure": measure, "timing": _ext(r, _X_TIMING),
                         "value": float(quantity["value"]), "_when": str(r.get("effectiveDateTime") or ""),
                         "_where": where})  # fmt: skip
    table = pd.DataFrame(
        measures, columns=["session_id", "measure", "timing", "value", "_when", "_where"]
    )
    missing = table["timing"].isna()
    if missing.any():
        order = table[missing].sort_values("_when", kind="stable")
        rank = order.groupby(["session_id", "measure"]).cumcount()
        over = order[rank > 1]
        if len(over):
            raise FhirError(f"{over['_where'].iloc[0]}: a third value of {over['measure'].iloc[0]} "
                            "in one session without a timing; add the timing extension "
                            f"{_X_TIMING} (pre, post or followup)")  # fmt: skip
        table.loc[order.index, "timing"] = np.where(rank == 0, "pre", "post")
    return table


def read_fhir(
    source: str | os.PathLike[str] | Mapping[str, Any] | list[Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read FHIR resources into a session table and a long measures table.

    Parameters
    ----------
    source : path, dict or list
        A Bundle (``.json``), an NDJSON file (``.ndjson``, one resource per line), a Bundle
        as a dict, or a list of resources.

    Returns
    -------
    (DataFrame, DataFrame)
        The session table (one row per Procedure) and the measures table (``session_id``,
        ``measure``, ``timing``, ``value``) in the forms :func:`tpdn_outcomes.load_sessions`
        reads.

    Raises
    ------
    FhirError
        A resource that is not valid FHIR R4, a reference to nothing, an Observation whose
        measure or session cannot be told; the message names the entry, the resource and
        the field.
    IdentifierError
        A Patient with identifying elements.

    Notes
    -----
    Procedures with status ``not-done`` or ``entered-in-error`` and Observations with
    status ``cancelled`` or ``entered-in-error`` are left out with a
    :class:`~tpdn_outcomes.errors.DataQualityWarning` that names them; an Observation of a
    left-out Procedure is then an error (it has no session). Measures are recognised by the library's code (``urn:tpdn-outcomes:measure``) or by
    LOINC (pain 72514-3, ODI 97909-6, NDI 82237-9). An Observation belongs to the Procedure
    in its ``partOf``, or else to the only Procedure of its patient on its date. Its timing
    is the library's timing extension; without it the first value of a measure in a session
    is ``pre`` and a second one ``post``, in the order of ``effectiveDateTime``.
    """
    name, resources, urls = _resources(source)
    for i, res in enumerate(resources):
        _validate(res, f"{name}, entry {i}")
    by_type = _by_type(name, resources)
    clinics = {f"Organization/{r['id']}": _ident(r, _ID_CLINIC) or r.get("name") or r["id"]
               for _, r in by_type.get("Organization", [])}  # fmt: skip
    patients = _patients(name, by_type)
    sessions, proc_index, by_patient_date = _sessions(name, by_type, urls, patients, clinics)
    table = _measures(name, by_type, urls, patients, proc_index, by_patient_date)
    return sessions, table[["session_id", "measure", "timing", "value"]]


def from_fhir(
    source: str | os.PathLike[str] | Mapping[str, Any] | list[Any], **load_options: Any
) -> SessionData:
    """:func:`read_fhir` and then :func:`tpdn_outcomes.load_sessions` with its checks.

    Examples
    --------
    >>> first = sample_subset(100)  # the sample's first 100 patients
    >>> data = from_fhir(to_fhir(first), export_date="2026-07-01")
    >>> len(data.sessions) == len(first.sessions), data.sessions["patient_id"].nunique()
    (True, 100)
    """
    from tpdn_outcomes.validate import load_sessions

    sessions, measures = read_fhir(source)
    return load_sessions(sessions, measures=measures, **load_options)


#: Alias in the style of :func:`tpdn_outcomes.interop.load_redcap`.
load_fhir = from_fhir


def sample_subset(n_patients: int = 6) -> SessionData:
    """The first ``n_patients`` patients of the shipped sample (the source of the sample Bundle).

    Examples
    --------
    >>> sample_subset(3).sessions["patient_id"].nunique()
    3
    """
    from tpdn_outcomes.datasets import SAMPLE_EXPORT_DATE, sample_path
    from tpdn_outcomes.validate import load_sessions

    wide = pd.read_csv(sample_path("sessions.csv"), dtype=str, keep_default_na=False)
    keep = wide["patient_id"].isin(list(dict.fromkeys(wide["patient_id"]))[:n_patients])
    return load_sessions(wide[keep].reset_index(drop=True), export_date=SAMPLE_EXPORT_DATE)


def main(argv: list[str] | None = None) -> int:
    """Write the sample Bundle: ``python -m tpdn_outcomes.interop.fhir data/sample/fhir_bundle.json``."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tpdn_outcomes.interop.fhir OUT.json|OUT.ndjson", file=sys.stderr)
        return 2
    print(f"wrote {write_fhir(sample_subset(), args[0])}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
