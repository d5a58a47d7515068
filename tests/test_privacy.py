"""Red-team tests of the identifier guard and small-cell suppression (tpdn_outcomes.privacy).

Every positive asserts the column and kind reported and that neither the raised message
nor the findings table contains the identifying value. Every negative is something a
clean, pseudonymised clinic export really contains.

Test values are the reserved / fictitious ones: NHS 943 476 5919 is the NHS test number,
+44 20 7946 0958 and 07700 900123 are Ofcom drama numbers, 555 numbers are fictitious,
example.org is reserved for documentation.
"""

from __future__ import annotations

import string
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tpdn_outcomes.privacy import (
    FINDING_COLUMNS,
    KINDS,
    IdentifierError,
    check_identifiers,
    find_identifiers,
    suppress_small_cells,
)

DATA = Path(__file__).parent / "data" / "privacy"
TEXT_DTYPES = ["str", object]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def nhs_check_digit_ok(number: str) -> bool:
    """The published NHS number algorithm (NHS Data Dictionary, 'NHS Number').

    Multiply the first nine digits by 10, 9, ..., 2 and add them up; the check digit is
    11 minus the remainder of the sum divided by 11; 11 becomes 0, and 10 means the
    number is invalid.
    """
    digits = [int(c) for c in number if c.isdigit()]
    assert len(digits) == 10
    total = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == digits[9]


def frame_of(dtype: object = "str", **columns: list[object]) -> pd.DataFrame:
    """A frame whose text columns have the given dtype (pyarrow ``str`` or object)."""
    out = {}
    for name, values in columns.items():
        s = pd.Series(values)
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            s = s.astype(dtype) if dtype == "str" else s.astype(object)
        out[name] = s
    return pd.DataFrame(out)


def kinds_by_column(findings: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(findings["column"], findings["kind"], strict=True))


def assert_refused(
    frame: pd.DataFrame,
    column: str,
    kind: str,
    secrets: list[str],
    *,
    n: int | None = None,
    row: int | None = None,
) -> pd.DataFrame:
    """The column/kind is found, check_identifiers raises, nothing leaks the secrets."""
    found = find_identifiers(frame, source="export.csv")
    assert (column, kind) in kinds_by_column(found), found
    hit = found[(found["column"] == column) & (found["kind"] == kind)].iloc[0]
    if n is not None:
        assert hit["n_values"] == n
    if row is not None:
        assert hit["first_row"] == row
    with pytest.raises(IdentifierError) as info:
        check_identifiers(frame, source="export.csv")
    message = str(info.value)
    assert "export.csv" in message
    assert repr(column) in message
    assert kind in message
    assert "allow_columns" in message
    rendered = found.to_string() + "\n".join(found["reason"])
    for secret in secrets:
        for text in (message, rendered):
            assert secret not in text
            assert secret.replace(" ", "") not in text.replace(" ", "")
    pd.testing.assert_frame_equal(info.value.findings, found)
    return found


def assert_clean(frame: pd.DataFrame, allow_columns: tuple[str, ...] | list[str] = ()) -> None:
    found = find_identifiers(frame, allow_columns=allow_columns)
    assert found.empty, found[["column", "kind", "n_values", "reason"]].to_string()
    check_identifiers(frame, allow_columns=allow_columns)


def clean_sessions(dtype: object = "str", n: int = 60) -> pd.DataFrame:
    """A realistic pseudonymised wide session export."""
    rng = np.random.default_rng(7)
    muscles = [
        "upper_trapezius;levator_scapulae",
        "gluteus_medius",
        "infraspinatus;teres_minor;upper_trapezius",
        "masseter;temporalis",
        "quadratus_lumborum",
    ]
    frame = frame_of(
        dtype,
        patient_id=[f"P{i // 4 + 1:04d}" for i in range(n)],
        session_date=[
            (pd.Timestamp("2025-01-06") + pd.Timedelta(days=int(d))).date().isoformat()
            for d in rng.integers(0, 300, n)
        ],
        session_number=[i % 4 + 1 for i in range(n)],
        clinic_id=[["CLN-01", "CLN-02", "C3"][i % 3] for i in range(n)],
        condition=[
            ["myofascial_pain_syndrome", "neck_pain", "tension_type_headache", "CLBP"][i % 4]
            for i in range(n)
        ],
        practitioner_role=[
            ["physical_therapist", "chiropractor", "physician"][i % 3] for i in range(n)
        ],
        muscles=[muscles[i % len(muscles)] for i in range(n)],
        needle_count=rng.integers(0, 12, n).tolist(),
        twitch_response=[["yes", "no", "true", "0"][i % 4] for i in range(n)],
        adverse_events=[
            ["none", "soreness", "soreness;bruising", "fatigue"][i % 4] for i in range(n)
        ],
        age_band=[["18-29", "30-39", "40-49", "80-89", "90+"][i % 5] for i in range(n)],
        sex=[["female", "male", "other", "unknown"][i % 4] for i in range(n)],
        pain_pre=rng.integers(3, 11, n).tolist(),
        pain_post=rng.integers(0, 8, n).tolist(),
        rom_cervical_rotation_left_pre=rng.uniform(40, 85, n).round(1).tolist(),
    )
    return frame


# ---------------------------------------------------------------------------
# shape of the result
# ---------------------------------------------------------------------------


def test_empty_findings_have_the_documented_columns_and_types():
    found = find_identifiers(clean_sessions())
    assert list(found.columns) == list(FINDING_COLUMNS)
    assert found.empty
    assert found["n_values"].dtype == "int64"
    assert found["first_row"].dtype == "int64"


def test_findings_columns_and_kinds_are_documented():
    frame = frame_of(Email=["a.person@example.org"], age=[95])
    found = find_identifiers(frame, source="clinic.csv")
    assert list(found.columns) == list(FINDING_COLUMNS)
    assert set(found["kind"]) <= set(KINDS)
    assert (found["file"] == "clinic.csv").all()
    assert found["n_values"].dtype == "int64"
    assert found["first_row"].dtype == "int64"


def test_rejects_non_frames():
    with pytest.raises(TypeError, match="DataFrame"):
        find_identifiers([["P0001"]])  # type: ignore[arg-type]


def test_identifier_error_is_a_value_error_with_findings():
    err = IdentifierError("nope")
    assert isinstance(err, ValueError)
    assert list(err.findings.columns) == list(FINDING_COLUMNS)


# ---------------------------------------------------------------------------
# positives: column names
# ---------------------------------------------------------------------------

PERSON_NAMES = ["Jane Smith", "Oluwaseun Adeyemi", "María José García"]


@pytest.mark.parametrize(
    "column",
    [
        "name",
        "Name",
        "Patient Name",
        "patient_name",
        "first_name",
        "FirstName",
        "Surname",
        "last_name",
        "LastName",
        "full_name",
        "given_name",
        "family_name",
        "Client name",
        "therapist_name",
        "name_of_patient",
        "Forename",
        "initials",
        "Next of kin",
        "Emergency contact",
    ],
)
@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_person_name_columns_are_refused(column, dtype):
    frame = frame_of(dtype, patient_id=["P0001", "P0002", "P0003"], **{column: PERSON_NAMES})
    assert_refused(frame, column, "person_name", PERSON_NAMES, n=3, row=2)


@pytest.mark.parametrize(
    "column", ["muscle_name", "clinic_name", "Clinic Name", "condition_name", "site_name"]
)
def test_names_of_things_are_not_person_names(column):
    frame = frame_of(patient_id=["P0001", "P0002"], **{column: ["Northside Physio", "C3"]})
    assert_clean(frame)


@pytest.mark.parametrize(
    ("column", "kind", "values"),
    [
        ("email", "email", ["jane.smith@example.org", "j.s@example.co.uk"]),
        ("E-mail", "email", ["jane.smith@example.org", "j.s@example.co.uk"]),
        ("phone", "phone", ["5551234567", "07700900123"]),
        ("Telephone", "phone", ["5551234567", "07700900123"]),
        ("mobile", "phone", ["07700900123", "07700900456"]),
        ("cell_phone", "phone", ["5551234567", "5559876543"]),
        ("Fax", "phone", ["02079460958", "02079460959"]),
        ("address", "street_address", ["10 Downing Street", "221B Baker Street"]),
        ("Street", "street_address", ["10 Downing Street", "221B Baker Street"]),
        ("Address Line 1", "street_address", ["10 Downing Street", "221B Baker Street"]),
        ("home_addr", "street_address", ["10 Downing Street", "221B Baker Street"]),
        ("SSN", "ssn", ["123456789", "987654321"]),
        ("NHS Number", "nhs_number", ["4010232137", "9434765919"]),
        ("nhs_no", "nhs_number", ["4010232137", "9434765919"]),
        ("national_insurance_number", "national_id", ["QQ123456C", "QQ654321C"]),
        ("NINO", "national_id", ["QQ123456C", "QQ654321C"]),
        ("MRN", "medical_record_number", ["A1234567", "A7654321"]),
        ("medical_record_number", "medical_record_number", ["A1234567", "A7654321"]),
        ("Hospital No", "medical_record_number", ["A1234567", "A7654321"]),
        ("DOB", "date_of_birth", ["1950-01-02", "1987-11-30"]),
        ("date_of_birth", "date_of_birth", ["1950-01-02", "1987-11-30"]),
        ("BirthDate", "date_of_birth", ["02/01/1950", "30/11/1987"]),
        ("PatientDOB", "date_of_birth", ["02/01/1950", "30/11/1987"]),
        ("birth_date", "date_of_birth", ["02/01/1950", "30/11/1987"]),
        ("notes", "free_text", ["tolerated well", "bruising L trap"]),
        ("Clinical Notes", "free_text", ["tolerated well", "bruising L trap"]),
        ("comments", "free_text", ["ok", "bruising"]),
        ("remarks", "free_text", ["ok", "bruising"]),
        ("narrative", "free_text", ["ok", "bruising"]),
        ("free_text", "free_text", ["ok", "bruising"]),
    ],
)
def test_identifier_columns_are_refused_by_name(column, kind, values):
    frame = frame_of(patient_id=["P0001", "P0002"], **{column: values})
    assert_refused(frame, column, kind, values, n=2, row=2)


def test_name_based_count_skips_missing_and_blank_values():
    frame = frame_of(patient_id=["P1", "P2", "P3", "P4"], email=[None, "  ", "x@example.org", ""])
    assert_refused(frame, "email", "email", ["x@example.org"], n=1, row=4)


def test_empty_identifier_column_carries_nothing():
    frame = frame_of(patient_id=["P1", "P2"], email=[None, ""])
    assert_clean(frame)


def test_date_of_birth_as_datetime_dtype():
    frame = pd.DataFrame(
        {"patient_id": ["P1", "P2"], "dob": pd.to_datetime(["1950-01-02", "1987-11-30"])}
    )
    assert_refused(frame, "dob", "date_of_birth", ["1950-01-02"], n=2, row=2)


def test_numeric_identifier_columns_are_refused_by_name():
    frame = pd.DataFrame({"patient_id": ["P1", "P2"], "nhs_number": [9434765919, 4010232137]})
    assert_refused(frame, "nhs_number", "nhs_number", ["9434765919", "4010232137"], n=2)


def test_boolean_columns_carry_no_identifier():
    frame = pd.DataFrame({"patient_id": ["P1", "P2"], "email_reminder_sent": [True, False]})
    assert_clean(frame)


# ---------------------------------------------------------------------------
# positives: values in any column
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_email_hidden_in_a_clinic_id(dtype):
    secret = "front.desk@northside-physio.example.org"
    frame = frame_of(
        dtype,
        patient_id=["P0001", "P0002", "P0003", "P0004"],
        clinic_id=["CLN-01", "CLN-01", f"CLN-02 ({secret})", "CLN-02"],
    )
    assert_refused(frame, "clinic_id", "email", [secret], n=1, row=4)


def test_email_hidden_in_comments():
    secret = "jsmith42@example.com"
    frame = frame_of(
        patient_id=["P0001", "P0002", "P0003"],
        comments=["", "pt asked for results by email " + secret, "none"],
    )
    found = assert_refused(frame, "comments", "email", [secret], n=1, row=3)
    assert ("comments", "free_text") in kinds_by_column(found)


def test_emails_in_the_patient_id_column():
    ids = [f"patient{i}@example.org" for i in range(37)] + ["P0038", "P0039"]
    frame = frame_of(patient_id=["P0000", *ids])
    found = assert_refused(frame, "patient_id", "email", ids, n=37, row=3)
    assert "37 values look like e-mail addresses (first in row 3)" in found["reason"].iloc[0]


PHONES = [
    "(555) 123-4567",
    "555-123-4567",
    "555.123.4567",
    "1-555-123-4567",
    "+1 555 123 4567",
    "+15551234567",
    "07700 900123",
    "+44 20 7946 0958",
    "+44 (0)20 7946 0958",
    "020 7946 0958",
    "0161 496 0000",
    "+33 1 23 45 67 89",
    "+61 2 9374 4000",
    "+49 30 901820",
]


@pytest.mark.parametrize("phone", PHONES)
@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_phone_numbers_in_a_contact_column(phone, dtype):
    frame = frame_of(dtype, patient_id=["P0001", "P0002"], contact=["", phone])
    assert_refused(frame, "contact", "phone", [phone], n=1, row=3)


@pytest.mark.parametrize("phone", ["+44 20 7946 0958", "(555) 123-4567", "07700 900123"])
def test_phone_numbers_inside_another_column(phone):
    frame = frame_of(
        patient_id=["P0001", "P0002", "P0003"],
        practitioner_role=["physician", f"physical_therapist, call {phone}", "chiropractor"],
    )
    assert_refused(frame, "practitioner_role", "phone", [phone], n=1, row=3)


@pytest.mark.parametrize("ssn", ["123-45-6789", "078-05-1120", "219 09 9999", "912-70-1234"])
def test_social_security_numbers_in_values(ssn):
    frame = frame_of(patient_id=["P0001", ssn, "P0003"])
    assert_refused(frame, "patient_id", "ssn", [ssn], n=1, row=3)


@pytest.mark.parametrize(
    "never_issued", ["000-12-3456", "666-12-3456", "123-00-4567", "123-45-0000"]
)
def test_ssn_patterns_that_are_never_issued_are_not_ssns(never_issued):
    found = find_identifiers(frame_of(patient_id=["P0001", never_issued]))
    assert "ssn" not in set(found["kind"])


def test_the_test_nhs_number_passes_the_published_check():
    assert nhs_check_digit_ok("943 476 5919")
    assert nhs_check_digit_ok("4010232137")
    assert not nhs_check_digit_ok("943 476 5918")


@pytest.mark.parametrize("nhs", ["943 476 5919", "9434765919", "943-476-5919"])
@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_nhs_numbers_in_values(nhs, dtype):
    assert nhs_check_digit_ok(nhs)
    frame = frame_of(dtype, patient_id=["P0001", nhs, "P0003"])
    found = assert_refused(frame, "patient_id", "nhs_number", [nhs], n=1, row=3)
    assert "phone" not in set(found["kind"])  # reported once, as what it is


def test_nhs_number_inside_free_text_of_another_column():
    frame = frame_of(patient_id=["P1", "P2"], clinic_id=["CLN-01", "CLN-01 ref NHS:9434765919"])
    assert_refused(frame, "clinic_id", "nhs_number", ["9434765919"], n=1, row=3)


def test_ten_digit_numbers_failing_the_check_are_not_nhs_numbers():
    """Not an NHS number, but an unbroken 10-digit number could be a phone number or
    another id: refused (issue 18), as what libphonenumber says or as ambiguous."""
    assert not nhs_check_digit_ok("9434765918")
    frame = frame_of(patient_id=["P0001", "9434765918"])
    found = find_identifiers(frame)
    assert set(found["kind"]) <= {"phone", "ambiguous_number"} and len(found) == 1
    assert_clean(frame, allow_columns=["patient_id"])


def test_random_ten_digit_codes_are_not_nhs_numbers():
    """About 1 in 11 random 10-digit codes pass the check; a column of them is not NHS,
    but it is refused as long numbers that could be identifiers (issue 18)."""
    rng = np.random.default_rng(3)
    codes = [str(x) for x in rng.integers(10**9, 10**10, 500)]
    passing = [c for c in codes if nhs_check_digit_ok(c)]
    assert 0 < len(passing) < 100
    found = find_identifiers(frame_of(patient_id=codes))
    assert "nhs_number" not in set(found["kind"])
    assert set(found["kind"]) <= {"phone", "ambiguous_number"}
    assert int(found["n_values"].sum()) == 500
    with pytest.raises(IdentifierError) as err:
        check_identifiers(frame_of(patient_id=codes))
    assert "--allow-column 'patient_id'" in str(err.value) or "phone" in set(found["kind"])


def test_a_column_of_real_nhs_numbers_is_refused():
    rng = np.random.default_rng(5)
    numbers = []
    while len(numbers) < 300:
        c = str(rng.integers(10**9, 10**10))
        if nhs_check_digit_ok(c):
            numbers.append(f"{c[:3]} {c[3:6]} {c[6:]}")
    assert_refused(frame_of(patient_id=numbers), "patient_id", "nhs_number", numbers[:20], n=300)


def test_mrn_column_with_pseudonym_like_values_is_refused_by_name():
    frame = frame_of(patient_id=["P0001", "P0002"], mrn=["MRN0012345", "MRN0012346"])
    assert_refused(frame, "mrn", "medical_record_number", ["MRN0012345"], n=2, row=2)


# ---------------------------------------------------------------------------
# ages
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_exact_age_of_91_in_an_age_column(dtype):
    frame = frame_of(dtype, patient_id=["P1", "P2", "P3"], age=[45, 91, 67])
    assert_refused(frame, "age", "exact_age", [], n=1, row=3)
    as_text = frame_of(dtype, patient_id=["P1", "P2", "P3"], age=["45", "91", "67"])
    assert_refused(as_text, "age", "exact_age", [], n=1, row=3)


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_bare_number_93_in_an_age_band_column(dtype):
    frame = frame_of(dtype, patient_id=["P1", "P2", "P3"], age_band=["18-29", "90+", "93"])
    found = assert_refused(frame, "age_band", "exact_age", [], n=1, row=4)
    assert "'90+'" in found["reason"].iloc[0]


@pytest.mark.parametrize("value", ["90", "104", "92 years", "91.5", "90-94", "95+", "> 95"])
def test_ages_and_bands_finer_than_90_plus_are_refused(value):
    frame = frame_of(patient_id=["P1", "P2"], age_at_visit=["40-49", value])
    assert_refused(frame, "age_at_visit", "exact_age", [], n=1, row=3)


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("age", [18, 45, 89]),
        ("age_years", [18.5, 89.9]),
        ("age_band", ["18-29", "30-39", "80-89", "90+", ">=90", ">89"]),
        ("age_group", ["18-29", "90+"]),
        ("age_months", [500, 1000]),  # under 90 years
        ("stage", [95, 120]),  # not an age
        ("pain_pre", [95, 100]),  # VAS in mm: not an age
    ],
)
def test_ages_under_90_and_bands_pass(column, values):
    assert_clean(frame_of(patient_id=["P1"] * len(values), **{column: values}))


def test_age_in_days_over_90_years_is_refused():
    frame = pd.DataFrame({"patient_id": ["P1", "P2"], "age_days": [20000, 34000]})
    assert_refused(frame, "age_days", "exact_age", [], n=1, row=3)


# ---------------------------------------------------------------------------
# postcodes and ZIP codes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("zip", ["02139", "90210"]),
        ("ZIP Code", ["02139-4307", "90210"]),
        ("postcode", ["SW1A 1AA", "M1 1AE"]),
        ("Post Code", ["sw1a1aa", "m11ae"]),
        ("postal_code", ["EC1A 1BB", "B33 8TH"]),
    ],
)
def test_full_postcode_and_zip_columns_are_refused(column, values):
    frame = frame_of(patient_id=["P1", "P2"], **{column: values})
    assert_refused(frame, column, "postcode", values, n=2, row=2)


def test_numeric_zip_column_is_refused():
    frame = pd.DataFrame({"patient_id": ["P1", "P2"], "zip": [2139, 90210]})
    assert_refused(frame, "zip", "postcode", [], n=2, row=2)


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("postcode_district", ["SW1A", "M1", "B33"]),
        ("postcode_sector", ["SW1A 1", "M1 1"]),
        ("zip3", ["021", "902", "100xx"]),
    ],
)
def test_coarsened_postcodes_pass(column, values):
    assert_clean(frame_of(patient_id=["P1"] * len(values), **{column: values}))


@pytest.mark.parametrize("secret", ["SW1A 1AA", "M1 1AE", "02139-4307"])
def test_full_postcodes_and_zip4_inside_any_column(secret):
    frame = frame_of(patient_id=["P1", "P2"], clinic_id=["CLN-01", f"CLN-02 {secret}"])
    assert_refused(frame, "clinic_id", "postcode", [secret], n=1, row=3)


def test_five_digit_zip_in_a_location_column():
    frame = frame_of(patient_id=["P1", "P2"], home_location=["02139", "Boston MA 90210"])
    assert_refused(frame, "home_location", "postcode", ["02139", "90210"], n=2, row=2)


def test_five_digit_numbers_elsewhere_are_not_zip_codes():
    assert_clean(frame_of(patient_id=["P1", "P2"], batch=["02139", "90210"]))


# ---------------------------------------------------------------------------
# free text
# ---------------------------------------------------------------------------

NOTES = [
    "Pt reports less neck pain since last visit, slept well",
    "Twitch response in R upper trap, mild soreness after session",
    "Husband drove her in today because of the dizziness",
    "Reviewed home exercise programme and booked two more sessions",
]


def test_free_text_found_by_value_in_an_innocently_named_column():
    frame = frame_of(patient_id=["P1", "P2", "P3", "P4", "P5"], extra_info=["", *NOTES])
    assert_refused(frame, "extra_info", "free_text", NOTES, n=4, row=3)


def test_repeated_long_labels_are_not_free_text():
    label = "myofascial pain syndrome of the upper back"
    assert_clean(frame_of(patient_id=[f"P{i}" for i in range(40)], condition=[label] * 40))


def test_mostly_short_values_are_not_free_text():
    values = ["none"] * 9 + ["soreness after the session in the left upper trapezius"]
    assert_clean(frame_of(patient_id=[f"P{i}" for i in range(10)], adverse_detail=values))


def test_lists_with_spaces_are_not_free_text():
    values = [
        "upper trapezius; levator scapulae; splenius capitis; rhomboid major",
        "gluteus medius; quadratus lumborum; tensor fasciae latae",
        "masseter; temporalis; lateral pterygoid",
    ]
    assert_clean(frame_of(patient_id=["P1", "P2", "P3"], muscles=values))


# ---------------------------------------------------------------------------
# negatives
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_realistic_clean_session_export_passes(dtype):
    assert_clean(clean_sessions(dtype))


def test_clean_export_as_categoricals_passes():
    frame = clean_sessions()
    for c in ("clinic_id", "condition", "sex", "age_band"):
        frame[c] = frame[c].astype("category")
    assert_clean(frame)


@pytest.mark.parametrize(
    "values",
    [
        ["P0001", "P0002", "P9999999"],
        ["PT-000123", "PT-999999"],
        ["SUBJ_0042", "SUBJ_1000"],
        ["S000123", "S999999"],
        ["3f9a1c2e", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"],
        ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
        ["123e4567-e89b-12d3-a456-426614174000", str(uuid.UUID(int=10**37))],
        ["CLN-01", "C3", "CLN-12"],
        ["2025-03-14", "2024-12-31", "14/03/2025", "03/14/2025"],
        ["2025-03-14T09:30:00", "2025-03-14 09:30:00+01:00", "2025-03-14T09:30:00.123456Z"],
        ["18-29", "40-49", "80-89", "90+"],
        ["myofascial_pain_syndrome", "tension_type_headache", "TMJ", "low back pain"],
        ["upper_trapezius;levator_scapulae", "gluteus_medius;piriformis"],
        ["none", "soreness;bruising", "dizziness;fainting", "other"],
        ["7", "3.5", "10", "0", "-2", "+2", "12.25"],
        ["120", "85.5", "45"],
        ["female", "male", "other", "unknown"],
        ["yes", "no", "true", "false", "1", "0"],
        ["physical_therapist", "chiropractor", "physician", "other"],
        ["NPRS 0-10", "VAS 0-100 mm", "NDI 0-50"],
        ["C3-C4", "L4-L5", "T1"],
    ],
)
@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_ordinary_values_pass(values, dtype):
    assert_clean(frame_of(dtype, value=values))


def test_numeric_columns_of_any_kind_pass():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "patient_id": [f"P{i:04d}" for i in range(100)],
            "big_ints": rng.integers(10**9, 10**10, 100),  # could pass an NHS check as text
            "needle_count": rng.integers(0, 20, 100),
            "rom": rng.normal(60, 10, 100),
            "session_date": pd.date_range("2025-01-01", periods=100, freq="D"),
            "twitch_response": rng.integers(0, 2, 100).astype(bool),
        }
    )
    # typed integers are scanned (issue 18): 10-digit numbers could be phone numbers or ids
    found = find_identifiers(frame)
    assert set(found["column"]) == {"big_ints"}
    assert set(found["kind"]) <= {"phone", "nhs_number", "ambiguous_number"}
    assert_clean(frame, allow_columns=["big_ints"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=string.digits, min_size=1, max_size=12), min_size=1, max_size=30))
def test_property_p_plus_digits_pseudonyms_never_trigger(digits):
    assert_clean(frame_of(patient_id=["P" + d for d in digits]))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet="0123456789abcdef", min_size=8, max_size=64)
        | st.text(alphabet="0123456789ABCDEF", min_size=8, max_size=64),
        min_size=1,
        max_size=30,
    )
)
def test_property_hex_hashes_never_trigger(hashes):
    # A hash cut to exactly 10 characters that happens to be all digits (about 1 in 110)
    # *is* a 10-digit number and can pass the NHS check by chance: indistinguishable.
    # Since issue 18 any all-digit value of 9 to 13 digits is refused (it could be an SSN,
    # a phone or a record number), whatever it is meant to be.
    assume(not any(9 <= len(h) <= 13 and h.isdigit() for h in hashes))
    assert_clean(frame_of(patient_id=hashes))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.uuids(), min_size=1, max_size=30))
def test_property_uuids_never_trigger(uuids):
    assert_clean(frame_of(patient_id=[str(u) for u in uuids]))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.datetimes(
            min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
            max_value=pd.Timestamp("2030-12-31").to_pydatetime(),
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(["T", " "]),
)
def test_property_iso_dates_and_datetimes_never_trigger(stamps, sep):
    values = [s.isoformat(sep=sep) for s in stamps] + [s.date().isoformat() for s in stamps]
    assert_clean(frame_of(session_date=values))


# ---------------------------------------------------------------------------
# allow_columns and first_row
# ---------------------------------------------------------------------------


def test_allow_columns_overrides_with_intent():
    frame = frame_of(
        patient_id=["P1", "P2"],
        **{"Patient Name": PERSON_NAMES[:2], "contact": ["", "+44 20 7946 0958"]},
    )
    assert kinds_by_column(find_identifiers(frame)) == {
        ("Patient Name", "person_name"),
        ("contact", "phone"),
    }
    only_contact = find_identifiers(frame, allow_columns=["patient name"])
    assert kinds_by_column(only_contact) == {("contact", "phone")}
    assert find_identifiers(frame, allow_columns=("PATIENT-NAME", " Contact ")).empty
    check_identifiers(frame, allow_columns=["patient_name", "contact"])


def test_allow_columns_does_not_exempt_other_columns():
    frame = frame_of(patient_id=["P1", "x@example.org"], email=["a@example.org", ""])
    found = find_identifiers(frame, allow_columns=["email"])
    assert kinds_by_column(found) == {("patient_id", "email")}


@pytest.mark.parametrize("first_row", [2, 5, 100])
def test_first_row_is_position_plus_first_row(first_row):
    values = ["P1", "P2", "P3", "P4", "x@example.org", "y@example.org"]
    found = find_identifiers(frame_of(patient_id=values), first_row=first_row)
    assert found["first_row"].tolist() == [4 + first_row]
    assert f"first in row {4 + first_row}" in found["reason"].iloc[0]


def test_first_row_ignores_the_frame_index():
    frame = frame_of(patient_id=["P1", "x@example.org"]).set_axis([70, 3])
    assert find_identifiers(frame)["first_row"].tolist() == [3]


def test_message_lists_every_column_kind_count_and_fix():
    frame = frame_of(
        patient_id=["P1", "P2", "P3"],
        Email=["a@example.org", "b@example.org", None],
        age=["45", "91", "92"],
        contact=["", "", "020 7946 0958"],
    )
    with pytest.raises(IdentifierError) as info:
        check_identifiers(frame, source="q3_export.xlsx")
    message = str(info.value)
    assert message.startswith("q3_export.xlsx carries direct identifiers in 3 columns")
    assert "column 'Email' (email)" in message
    assert "2 non-missing values (first in row 2)" in message
    assert "column 'age' (exact_age): 2 values are exact ages" in message
    assert "column 'contact' (phone): 1 value looks like phone or fax numbers (first in row 4)" in (
        message
    )
    assert "allow_columns=['Email', 'age', 'contact']" in message
    assert "pseudonyms" in message
    for secret in ("a@example.org", "b@example.org", "020 7946 0958"):
        assert secret not in message


def test_duplicate_and_non_string_column_labels():
    frame = pd.DataFrame([["P1", "x@example.org", 3]], columns=["id", "id", 0])
    found = find_identifiers(frame)
    assert kinds_by_column(found) == {("id", "email")}


# ---------------------------------------------------------------------------
# red-team fixture files, read as a clinic would export them
# ---------------------------------------------------------------------------


def test_red_team_export_file():
    path = DATA / "red_team_export.csv"
    frame = pd.read_csv(path)
    found = find_identifiers(frame, source=path.name)
    assert kinds_by_column(found) == {
        ("Patient Name", "person_name"),
        ("DOB", "date_of_birth"),
        ("Age", "exact_age"),
        ("Contact", "phone"),
        ("Contact", "email"),
        ("Clinic", "postcode"),
        ("Ref", "nhs_number"),
        ("Ref", "ssn"),
        ("Follow-up notes", "free_text"),
    }
    with pytest.raises(IdentifierError) as info:
        check_identifiers(frame, source=path.name)
    message = str(info.value) + found.to_string()
    raw = path.read_text(encoding="utf-8")
    secrets = [
        "Jane Smith",
        "Oluwaseun Adeyemi",
        "1950-01-02",
        "07700 900123",
        "jsmith42@example.com",
        "SW1A 1AA",
        "943 476 5919",
        "078-05-1120",
        "drove her",
    ]
    for secret in secrets:
        assert secret in raw
        assert secret not in message


def test_clean_export_file():
    path = DATA / "clean_export.csv"
    assert_clean(pd.read_csv(path))
    assert_clean(pd.read_csv(path, dtype=str))


# ---------------------------------------------------------------------------
# small-cell suppression
# ---------------------------------------------------------------------------


def test_suppress_small_cells_default_threshold_is_11():
    counts = np.array([0, 1, 5, 10, 11, 12, 1000])
    expected = np.array([False, True, True, True, False, False, False])
    np.testing.assert_array_equal(suppress_small_cells(counts), expected)


def test_suppress_small_cells_keeps_shape_and_handles_series_and_missing():
    table = np.array([[0, 3], [11, 40]])
    out = suppress_small_cells(table, min_cell=5)
    assert out.dtype == bool
    np.testing.assert_array_equal(out, [[False, True], [False, False]])
    series = pd.Series([2, None, 30], dtype="Int64")
    np.testing.assert_array_equal(suppress_small_cells(series), [True, False, False])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_suppress_small_cells_rejects_bad_thresholds(bad):
    with pytest.raises(ValueError, match="min_cell"):
        suppress_small_cells([1, 2], min_cell=bad)


def test_suppress_small_cells_rejects_negative_counts():
    with pytest.raises(ValueError, match="negative"):
        suppress_small_cells([3, -1])


# ---------------------------------------------------------------------------
# more red team: dtypes, compounds, REDCap
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["patientname", "username", "Patientname", "clientnames"])
def test_one_word_name_compounds_are_refused(column):
    frame = frame_of(patient_id=["P1", "P2"], **{column: PERSON_NAMES[:2]})
    assert_refused(frame, column, "person_name", PERSON_NAMES[:2], n=2, row=2)


@pytest.mark.parametrize(
    "column",
    [
        "record_id",
        "hospital_id",
        "clinicname",
        "filename",
        "redcap_event_name",
        "Unnamed: 0",
        "rename",
    ],
)
def test_redcap_and_facility_columns_pass(column):
    assert_clean(frame_of(patient_id=["P1", "P2"], **{column: ["1", "baseline_arm_1"]}))


def test_categorical_columns_are_scanned():
    frame = pd.DataFrame(
        {
            "patient_id": pd.Categorical(["P1", "P2", "x@example.org", "P1"]),
            "age_band": pd.Categorical(["18-29", "93", "90+", "18-29"]),
        }
    )
    found = assert_refused(frame, "patient_id", "email", ["x@example.org"], n=1, row=4)
    assert ("age_band", "exact_age") in kinds_by_column(found)


def test_unused_categories_are_not_reported():
    values = pd.Categorical(["P1", "P2"], categories=["P1", "P2", "x@example.org"])
    assert_clean(pd.DataFrame({"patient_id": values}))


def test_pyarrow_string_columns_are_scanned():
    import pyarrow as pa

    frame = pd.DataFrame(
        {"contact": pd.Series(["", "+44 20 7946 0958"], dtype=pd.ArrowDtype(pa.string()))}
    )
    assert_refused(frame, "contact", "phone", ["+44 20 7946 0958"], n=1, row=3)


def test_object_columns_of_lists_and_mixed_values_are_scanned():
    frame = pd.DataFrame(
        {
            "muscles": pd.Series([["upper_trapezius"], ["x@example.org"], None], dtype=object),
            "mixed": pd.Series([1, "P2", 3.5], dtype=object),
        }
    )
    found = find_identifiers(frame)
    assert kinds_by_column(found) == {("muscles", "email")}
    assert found["first_row"].tolist() == [3]


def test_nhs_number_after_a_failing_ten_digit_group_in_the_same_value():
    assert not nhs_check_digit_ok("1234567890")
    value = "ref 1234567890 / NHS 943 476 5919"
    frame = frame_of(patient_id=["P1", "P2"], clinic_id=["CLN-01", value])
    assert_refused(frame, "clinic_id", "nhs_number", ["943 476 5919"], n=1, row=3)


def test_large_column_of_unique_pseudonyms_is_clean_and_vectorised():
    """200 000 unique P-numbers, repeated: a smoke test of the distinct-value path."""
    ids = pd.Series([f"P{i:07d}" for i in range(200_000)] * 2, dtype="str")
    found = find_identifiers(pd.DataFrame({"patient_id": ids}))
    assert found.empty
