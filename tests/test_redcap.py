"""REDCap: the sample project reads back into the same data; labels, mapping files,
identifier flags and bad codes."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.datasets import sample_path
from tpdn_outcomes.errors import DataQualityWarning, SchemaError
from tpdn_outcomes.interop import load_redcap, read_redcap, to_redcap
from tpdn_outcomes.privacy import IdentifierError

RECORDS = sample_path("redcap_records.csv")
DICTIONARY = sample_path("redcap_dictionary.csv")


def _load(records: object, **kw: object):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_redcap(records, export_date="2026-07-01", **kw)  # type: ignore[arg-type]


def test_sample_project_reads_back_into_the_same_data(network: SessionData) -> None:
    sample = network  # the shipped project is the shipped sample
    data = _load(RECORDS, data_dictionary=DICTIONARY)
    assert data.measure_names() == sample.measure_names()
    for col in ("patient_id", "condition", "clinic_id", "practitioner_role", "age_band", "sex",
                "adverse_events", "muscles"):  # fmt: skip
        assert list(data.sessions[col].astype(str)) == list(sample.sessions[col].astype(str)), col
    assert data.sessions["twitch_response"].equals(sample.sessions["twitch_response"])
    for measure in sample.measure_names():
        a, b = sample.episodes(measure), data.episodes(measure)
        np.testing.assert_allclose(a["change"], b["change"], equal_nan=True)
    # the shipped sample project is what to_redcap makes of the sample
    records, dictionary = to_redcap(sample)
    shipped = pd.read_csv(RECORDS, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(records.astype(str), shipped)
    shipped_dict = pd.read_csv(DICTIONARY, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(dictionary.astype(str), shipped_dict)


def test_longitudinal_project_with_events_reads_the_same(network: SessionData) -> None:
    sample = network
    # the sample project rewritten as a longitudinal one: an enrolment event with the
    # patient fields and one event per session, no repeating instrument
    records = pd.read_csv(RECORDS, dtype=str, keep_default_na=False)
    session = records["redcap_repeat_instrument"] != ""
    events = np.where(session, "session_" + records["redcap_repeat_instance"] + "_arm_1",
                      "enrolment_arm_1")  # fmt: skip
    longitudinal = records.drop(columns=["redcap_repeat_instrument", "redcap_repeat_instance"])
    longitudinal.insert(1, "redcap_event_name", events)
    classic = read_redcap(RECORDS, data_dictionary=DICTIONARY)
    table = read_redcap(longitudinal, data_dictionary=DICTIONARY)
    pd.testing.assert_frame_equal(table, classic)
    data = _load(longitudinal, data_dictionary=DICTIONARY)
    np.testing.assert_array_equal(
        data.episodes("pain")["change"], sample.episodes("pain")["change"]
    )
    assert list(data.sessions["sex"].astype(str)) == list(sample.sessions["sex"].astype(str))


def test_label_export_needs_no_dictionary(sample: SessionData) -> None:
    records = pd.read_csv(RECORDS, dtype=str, keep_default_na=False)
    dictionary = pd.read_csv(DICTIONARY, dtype=str, keep_default_na=False)
    labelled = records.copy()
    for _, row in dictionary.iterrows():
        field = row["Variable / Field Name"]
        choices = row["Choices, Calculations, OR Slider Labels"]
        if field in labelled and isinstance(choices, str) and choices:
            table = dict(part.strip().split(", ", 1) for part in choices.split("|"))
            labelled[field] = labelled[field].map(lambda v, t=table: t.get(v, v))
    labelled["twitch"] = labelled["twitch"].map({"1": "Yes", "0": "No", "": ""})
    box = [c for c in labelled.columns if c.startswith("adverse___")]
    labelled[box] = labelled[box].replace({"1": "Checked", "0": "Unchecked"})
    table = read_redcap(labelled, raw_or_label="label", data_dictionary=dictionary)
    raw = read_redcap(RECORDS, data_dictionary=DICTIONARY)
    for col in ("condition", "clinic_id", "sex", "age_band", "adverse_events"):
        assert list(table[col].astype(str)) == list(raw[col].astype(str)), col


def test_mapping_file_renames_fields(tmp_path: Path, network: SessionData) -> None:
    records = pd.read_csv(RECORDS, dtype=str, keep_default_na=False).rename(
        columns={"record_id": "pid", "clinic": "site"}
    )
    dictionary = pd.read_csv(DICTIONARY, dtype=str, keep_default_na=False)
    dictionary["Variable / Field Name"] = dictionary["Variable / Field Name"].replace(
        {"record_id": "pid", "clinic": "site"}
    )
    mapping = tmp_path / "redcap.toml"
    mapping.write_text(
        '[fields]\npid = "patient_id"\nage_band = "age_band"\nsex = "sex"\n'
        'session_date = "session_date"\nsession_number = "session_number"\n'
        'site = "clinic_id"\ncondition = "condition"\npractitioner_role = "practitioner_role"\n'
        'twitch = "twitch_response"\nadverse = "adverse_events"\n'
    )
    table = read_redcap(records, data_dictionary=dictionary, mapping=mapping)
    first = network.sessions.iloc[0]  # P00001, the first record of the shipped project
    assert (
        table["clinic_id"].iloc[0] == first["clinic_id"] and table["patient_id"].iloc[0] == "P00001"
    )


def test_identifier_fields_are_refused() -> None:
    records = pd.read_csv(RECORDS, dtype=str, keep_default_na=False)
    dictionary = pd.read_csv(DICTIONARY, dtype=str, keep_default_na=False)
    records["phone"] = ""
    records.loc[0, "phone"] = "020 7946 0018"
    extra = pd.DataFrame([{"Variable / Field Name": "phone", "Form Name": "patient",
                           "Field Type": "text", "Field Label": "Phone", "Identifier?": "y"}])  # fmt: skip
    dictionary = pd.concat([dictionary, extra], ignore_index=True).fillna("")
    with pytest.raises(IdentifierError, match=r"phone \(1 values\)") as exc:
        read_redcap(records, data_dictionary=dictionary)
    assert "7946" not in str(exc.value)  # never echoed
    table = read_redcap(records, data_dictionary=dictionary, allow_fields=("phone",))
    assert "phone" in table


def test_bad_codes_and_missing_columns_name_the_place() -> None:
    records = pd.read_csv(RECORDS, dtype=str, keep_default_na=False)
    first_session = int(records.index[records["redcap_repeat_instrument"] == "session"][0])
    records.loc[first_session, "condition"] = "42"
    row = first_session + 2  # header is row 1
    with pytest.raises(SchemaError, match=rf"row {row}, field 'condition': code '42'"):
        read_redcap(records, data_dictionary=DICTIONARY)
    with pytest.raises(SchemaError, match="record_id"):
        read_redcap(records.drop(columns=["record_id"]), data_dictionary=DICTIONARY)
    with pytest.raises(SchemaError, match="data dictionary"):
        read_redcap(RECORDS)
    with pytest.raises(SchemaError, match="missing column"):
        read_redcap(RECORDS, data_dictionary=pd.DataFrame({"x": [1]}))


def test_cli_converts_redcap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], network: SessionData
) -> None:
    from tpdn_outcomes.cli import main

    sample = network  # the shipped project is the shipped sample

    out = tmp_path / "adtpdn.parquet"
    assert main(["convert", str(RECORDS), str(out), "--from", "redcap", "--to", "adam",
                 "--dictionary", str(DICTIONARY), "--export-date", "2026-07-01"]) == 0  # fmt: skip
    folder = tmp_path / "project"
    assert main(["convert", str(out), str(folder), "--from", "adam", "--to", "redcap",
                 "--export-date", "2026-07-01"]) == 0  # fmt: skip
    data = _load(folder / "redcap_records.csv", data_dictionary=folder / "redcap_dictionary.csv")
    np.testing.assert_allclose(data.episodes("pain")["change"], sample.episodes("pain")["change"],
                               equal_nan=True)  # fmt: skip
    assert "wrote" in capsys.readouterr().out
