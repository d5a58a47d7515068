"""FHIR R4 import and export (tpdn_outcomes.interop.fhir).

Every written resource is checked against the fhir.resources models (R4B 4.3.0, which has
the R4 elements used), independently of the writer's own check; round trips give the same
sessions and the same numbers; a Bundle as another system would write it (LOINC pain,
Observations linked to sessions by patient and date, no library extensions) reads; and bad
input names the entry, the resource and the field.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fhir.resources.R4B import get_fhir_model_class

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.datasets import SAMPLE_EXPORT_DATE
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.interop import FhirError, from_fhir, read_fhir, to_fhir, write_fhir
from tpdn_outcomes.interop.fhir import sample_subset
from tpdn_outcomes.privacy import IdentifierError

ROOT = Path(__file__).resolve().parents[1]
SESSION_COLUMNS = ["session_id", "patient_id", "episode_id", "session_date", "session_number",
                   "clinic_id", "condition", "practitioner_role", "muscles", "needle_count",
                   "twitch_response", "adverse_events", "age_band", "sex"]  # fmt: skip


def _load(source: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return from_fhir(source, export_date=SAMPLE_EXPORT_DATE)


@pytest.fixture(scope="module")
def bundle(sample: SessionData) -> dict[str, Any]:
    return to_fhir(sample, validate=False)


def _same(a: Any, b: Any) -> None:
    for col in SESSION_COLUMNS:
        assert list(a.sessions[col].astype(str)) == list(b.sessions[col].astype(str)), col
    assert a.measure_names() == b.measure_names()
    for measure in a.measure_names():
        x, y = a.episodes(measure), b.episodes(measure)
        assert list(x["episode_id"].astype(str)) == list(y["episode_id"].astype(str))
        np.testing.assert_array_equal(x["baseline"], y["baseline"])
        np.testing.assert_array_equal(x["change"], y["change"])


def test_every_written_resource_is_valid_fhir(bundle) -> None:  # type: ignore[no-untyped-def]
    kinds: dict[str, int] = {}
    for entry in bundle["entry"]:
        res = entry["resource"]
        get_fhir_model_class(res["resourceType"]).model_validate(res)
        kinds[res["resourceType"]] = kinds.get(res["resourceType"], 0) + 1
        assert entry["fullUrl"].startswith("urn:uuid:")
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert kinds["Procedure"] == 2726 and kinds["Organization"] == 4


def test_codes_units_and_references(bundle) -> None:  # type: ignore[no-untyped-def]
    urls = {e["fullUrl"] for e in bundle["entry"]}
    obs = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    pain = [o for o in obs if o["code"]["coding"][0]["code"] == "72514-3"]
    assert pain and all(o["code"]["coding"][0]["system"] == "http://loinc.org" for o in pain)
    assert {o["valueQuantity"]["code"] for o in pain} == {"{score}"}
    rom = [o for o in obs if "bodySite" in o]
    assert {o["valueQuantity"]["code"] for o in rom} <= {"deg", "mm"}
    sides = {o["bodySite"]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]
             for o in rom if "extension" in o["bodySite"]}  # fmt: skip
    assert sides == {"7771000", "24028007"}  # SNOMED CT left, right
    # every reference resolves inside the Bundle
    for o in obs:
        assert o["subject"]["reference"] in urls and o["partOf"][0]["reference"] in urls
    patients = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert all(set(p) <= {"resourceType", "id", "identifier", "gender"} for p in patients)


@pytest.mark.parametrize("suffix", [".json", ".ndjson"])
def test_round_trip_gives_the_same_data(sample: SessionData, tmp_path: Path, suffix: str) -> None:
    path = write_fhir(sample, tmp_path / f"sample{suffix}")
    if suffix == ".ndjson":
        first = json.loads(path.read_text().splitlines()[-1])
        assert first["subject"]["reference"].startswith("Patient/")
    _same(sample, _load(path))


def test_shipped_sample_bundle_is_what_the_writer_makes(tmp_path: Path) -> None:
    shipped = ROOT / "data" / "sample" / "fhir_bundle.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        subset = sample_subset()
    fresh = write_fhir(subset, tmp_path / "fhir_bundle.json")
    assert fresh.read_text() == shipped.read_text()
    _same(subset, _load(shipped))


def _external() -> dict[str, Any]:
    """A Bundle as another system would write it: LOINC pain, no library extensions."""

    def entry(res: dict[str, Any]) -> dict[str, Any]:
        return {"fullUrl": f"http://ehr.example/fhir/{res['resourceType']}/{res['id']}",
                "resource": res}  # fmt: skip

    def obs(oid: str, when: str, value: float) -> dict[str, Any]:
        return {"resourceType": "Observation", "id": oid, "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
                "subject": {"reference": "Patient/x1"}, "effectiveDateTime": when,
                "valueQuantity": {"value": value, "unit": "{score}",
                                  "system": "http://unitsofmeasure.org", "code": "{score}"}}  # fmt: skip

    resources = [
        {"resourceType": "Patient", "id": "x1", "gender": "male"},
        {"resourceType": "Procedure", "id": "d1", "status": "completed",
         "code": {"text": "dry needling"}, "subject": {"reference": "Patient/x1"},
         "performedDateTime": "2026-03-02", "reasonCode": [{"text": "Neck pain"}]},
        {"resourceType": "Procedure", "id": "d2", "status": "completed",
         "code": {"text": "dry needling"}, "subject": {"reference": "Patient/x1"},
         "performedDateTime": "2026-03-09", "reasonCode": [{"text": "Neck pain"}]},
        obs("a", "2026-03-02T10:00:00Z", 7), obs("b", "2026-03-02T10:40:00Z", 5),
        obs("c", "2026-03-09T10:00:00Z", 5), obs("d", "2026-03-09T10:30:00Z", 3),
    ]  # fmt: skip
    return {"resourceType": "Bundle", "type": "searchset", "entry": [entry(r) for r in resources]}


def test_reads_a_bundle_from_another_system() -> None:
    sessions, measures = read_fhir(_external())
    assert list(sessions["session_id"]) == ["d1", "d2"]
    assert list(measures["timing"]) == ["pre", "post", "pre", "post"]
    data = _load(_external())
    ep = data.episodes("pain")
    assert ep["condition"].astype(str).tolist() == ["neck_pain"]
    assert ep["baseline"].tolist() == [7.0] and ep["change"].tolist() == [-4.0]


def test_entered_in_error_is_left_out_with_a_warning() -> None:
    data = _external()
    data["entry"][4]["resource"]["status"] = "entered-in-error"
    with pytest.warns(DataQualityWarning, match=r"1 resource\(s\) left out.*Observation/b"):
        _sessions, measures = read_fhir(data)
    assert list(measures["value"]) == [7.0, 5.0, 3.0]


def test_identifying_patients_are_refused() -> None:
    bad = _external()
    bad["entry"][0]["resource"].update(
        {"name": [{"family": "Smith", "given": ["Anna"]}], "birthDate": "1961-04-02",
         "identifier": [{"system": "http://hospital.example/mrn", "value": "MRN123456"}]}
    )  # fmt: skip
    with pytest.raises(
        IdentifierError, match=r"entry 0 \(Patient/x1\): name, birthDate, identifier"
    ):
        read_fhir(bad)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b["entry"][0]["resource"].update(id="x_1"),
         r"entry 0 \(Patient/x_1\): field id: String should match pattern"),
        (lambda b: b["entry"][3]["resource"].update(status="done"),
         r"entry 3 \(Observation/a\): field status: 'done' is not an? Observation status"),
        (lambda b: b["entry"][3]["resource"]["code"]["coding"][0].update(code="1234-5"),
         r"entry 3 \(Observation/a\): field code: not a measure"),
        (lambda b: b["entry"][1]["resource"].update(subject={"reference": "Patient/zz"}),
         r"entry 1 \(Procedure/d1\): field subject: 'Patient/zz' is not a Patient"),
        (lambda b: b["entry"][1]["resource"].pop("reasonCode"),
         r"entry 1 \(Procedure/d1\): field reasonCode"),
        (lambda b: b["entry"][3]["resource"].update(effectiveDateTime="2026-03-05"),
         r"entry 3 \(Observation/a\): field partOf: no session"),
        (lambda b: b["entry"][0]["resource"].pop("resourceType"), r"entry 0: no resourceType"),
    ],
)  # fmt: skip
def test_bad_input_names_entry_resource_and_field(change: Any, message: str) -> None:
    bad = _external()
    change(bad)
    with pytest.raises(FhirError, match=message):
        read_fhir(bad)


def test_bad_files(tmp_path: Path, sample: SessionData) -> None:
    nd = tmp_path / "bad.ndjson"
    nd.write_text('{"resourceType": "Patient", "id": "a"}\n{not json\n')
    with pytest.raises(FhirError, match=r"bad.ndjson, line 2: not JSON"):
        read_fhir(nd)
    with pytest.raises(FhirError, match="cannot read"):
        read_fhir(tmp_path / "missing.json")
    with pytest.raises(FhirError, match="no Procedure"):
        read_fhir([{"resourceType": "Patient", "id": "a"}])
    with pytest.raises(ValueError, match=r"\.json \(a Bundle\) or \.ndjson"):
        write_fhir(sample, tmp_path / "x.xml")


def test_cli_converts_to_and_from_fhir(
    tmp_path: Path, sample: SessionData, capsys: pytest.CaptureFixture[str]
) -> None:
    from tpdn_outcomes.cli import main
    from tpdn_outcomes.datasets import sample_path

    out = tmp_path / "bundle.json"
    assert main(["convert", str(sample_path("sessions.csv")), str(out), "--from", "sessions",
                 "--to", "fhir", "--export-date", SAMPLE_EXPORT_DATE]) == 0  # fmt: skip
    adam = tmp_path / "adtpdn.csv"
    assert main(["convert", str(out), str(adam), "--from", "fhir", "--to", "adam",
                 "--export-date", SAMPLE_EXPORT_DATE]) == 0  # fmt: skip
    assert "wrote" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                               "entry": [{"resource": {"resourceType": "Patient", "id": "a_b"}}]}))  # fmt: skip
    assert main(["convert", str(bad), str(adam), "--from", "fhir", "--to", "adam"]) != 0
    assert "entry 0 (Patient/a_b): field id" in capsys.readouterr().err
