"""The identifier guard's corpus (issue 18): one-leak variants of the bundled sample.

Each leak is the sample (its first patients, ``data/sample/sessions.csv``) plus one
identifier: a column holding it (in one row or in all) or a patient's pseudonym replaced
by it, or a header that is itself an identifier. Every leak must be refused by
``load_sessions`` with an :class:`IdentifierError` and reported by ``validate``, as a
DataFrame, as CSV and (where types matter) as Parquet; and the identifying text must
appear in no message, warning, report table or ``str()`` of anything the package
returns or raises. Legitimate columns (muscle and clinic names, UUIDs, codes, lot
numbers, age bands, region codes, serials) must load without an identifier finding.
"""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes import IdentifierError, load_sessions, validate
from tpdn_outcomes.privacy import could_identify, find_identifiers, mask_value

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "sessions.csv"
EXPORT_DATE = "2026-07-01"
ROW = 4  # position of the row that carries a one-row leak


def base() -> pd.DataFrame:
    """The sample's first 6 patients (all their sessions), as read from the CSV."""
    frame = pd.read_csv(SAMPLE, dtype={"patient_id": str})
    keep = frame["patient_id"].isin(frame["patient_id"].drop_duplicates().iloc[:6])
    return frame[keep].reset_index(drop=True)


def one(value: object) -> Callable[[int], list[object]]:
    """A column blank but for one row holding ``value``."""

    def make(n: int) -> list[object]:
        out: list[object] = [None] * n
        out[ROW] = value
        return out

    return make


def every(*values: object) -> Callable[[int], list[object]]:
    """A column holding the values in turn in every row."""

    def make(n: int) -> list[object]:
        return [values[i % len(values)] for i in range(n)]

    return make


@dataclass
class Leak:
    id: str
    column: str | None  # a column added with values made by ``values``
    values: Callable[[int], list[object]] | None = None
    secrets: tuple[str, ...] = ()  # text that must never be echoed
    patient: str | None = None  # replaces the first patient's pseudonym
    dtype: str | None = None  # cast of the added column ("int64", "float64", "datetime")
    formats: tuple[str, ...] = ("frame", "csv")
    extra: dict[str, object] = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        frame = base()
        if self.patient is not None:
            first = frame["patient_id"].iloc[0]
            frame["patient_id"] = frame["patient_id"].where(
                frame["patient_id"] != first, self.patient
            )
        if self.column is not None and self.values is not None:
            col = pd.Series(self.values(len(frame)), dtype=object)
            if self.dtype == "datetime":
                col = pd.to_datetime(col)
            elif self.dtype is not None:
                col = col.astype(self.dtype)
            frame[self.column] = col
        return frame


def L(
    id: str,
    column: str | None,
    values: object = None,
    secrets: tuple[str, ...] = (),
    **kw: object,
) -> Leak:
    """A leak; ``values`` is one value (put in one row) or a maker of a whole column."""
    make: Callable[[int], list[object]] | None
    if values is None:
        make = None
    elif callable(values):
        make = values
    else:
        make = one(values)
    if not secrets and make is not None:
        secrets = tuple(str(v) for v in {*make(len(base()))} if v is not None and v != "")
    return Leak(id, column, make, secrets, **kw)  # type: ignore[arg-type]


PARQ = ("frame", "csv", "parquet")

LEAKS: list[Leak] = [
    # -- person names in columns named otherwise, and headers in other languages -------
    L("therapist-title", "therapist", "Dr Sarah Jones"),
    L("clinician-names", "Clinician", every("Emma Garcia", "Liam Walker", "Noah Patel")),
    L("first", "first", every("Liam", "Olivia", "Noah")),
    L("last", "last", every("Murphy", "Garcia", "Kowalski")),
    L("naam", "naam", "Jan de Vries"),
    L("nachname", "Nachname", "Müller"),
    L("prenom", "prénom", "Élodie"),
    L("nombre", "nombre", "José García"),
    L("cognome", "cognome", "Rossi"),
    L("sobrenome", "sobrenome", "Silva"),
    L("practitioner-caps", "practitioner", "JONES, SARAH"),
    L("seen-by-lower", "seen_by", "sarah jones"),
    L("treating-physio", "treating_physio", "Sanne Jansen"),
    L("behandelaar", "behandelaar", "Pieter Bakker"),
    L("initial-surname", "treated_by", "J. Smith"),
    L("surname-initial", "signed", "Smith, J."),
    # -- names, record numbers and initials + birth date inside patient_id ------------
    L("pid-name", None, secrets=("Zoe Murphy",), patient="Zoe Murphy"),
    L("pid-surname-first", None, secrets=("SMITH_JOHN",), patient="SMITH_JOHN"),
    L("pid-mrn", None, secrets=("MRN0012352",), patient="MRN0012352"),
    L("pid-initials-dob", None, secrets=("AC-1956-11-06", "1956-11-06"), patient="AC-1956-11-06"),
    L("pid-first-name", None, secrets=("Emma",), patient="Emma"),
    L("pid-dotted", None, secrets=("garcia.emma",), patient="garcia.emma"),
    L("pid-nhs", None, secrets=("9434765919",), patient="9434765919"),
    L("pid-ssn", None, secrets=("536-90-4123",), patient="536-90-4123"),
    L("pid-email", None, secrets=("zoe.murphy@example.org",), patient="zoe.murphy@example.org"),
    L("pid-dob-compact", None, secrets=("19561106",), patient="AC19561106"),
    # -- dates of birth and admission under other names; typed datetimes --------------
    L("born", "born", "1975-03-02"),
    L("geboortedatum", "geboortedatum", "02-03-1975"),
    L("geburtsdatum", "Geburtsdatum", "02.03.1975"),
    L("naissance", "date_de_naissance", "02/03/1975"),
    L("nacimiento", "fecha_nacimiento", "1975-03-02"),
    L("intake", "intake", "2025-07-01"),
    L("admitted", "admitted", "2025-06-30"),
    L("opname", "opnamedatum", "2025-06-30"),
    L("dob-typed", "birth_date", "1975-03-02", dtype="datetime", formats=PARQ),
    L("neutral-typed-date", "d1", "1961-08-14", dtype="datetime", formats=PARQ),
    L("old-date-text", "ref_date", "14/08/1961"),
    L("dob-int", "geb", 19610814, dtype="Int64", formats=PARQ),
    # -- ages of 90 and over under other names ----------------------------------------
    L("leeftijd", "leeftijd", 93, dtype="Int64", formats=PARQ),
    L("alter", "Alter", "92"),
    L("edad", "edad", 95.0, dtype="float64", formats=PARQ),
    L("eta", "età", "91"),
    L("idade", "idade", "90"),
    # -- national ids and phone numbers without separators; typed ---------------------
    L("ssn-9", "ref", "536904123"),
    L("uk-mobile", "contact", "07700900123"),
    L("nhs-int64", "ref_no", 9434765919, dtype="Int64", formats=PARQ),
    L("nhs-int64-all", "code2", every(9434765919, 4010232137), dtype="int64", formats=PARQ),
    L("phone-int-11", "callback", 15551234567, dtype="Int64", formats=PARQ),
    L("phone-int-uk", "callback2", 7700900123, dtype="Int64", formats=PARQ),
    L("phone-float", "cb", 447700900123.0, dtype="float64", formats=PARQ),
    L("bsn", "burger", "111222333"),
    L("ssn-dashed", "misc", "078-05-1120"),
    L("phone-intl", "misc2", "+31 20 123 4567"),
    L("phone-in-text", "contact_pref", "call 07700 900123 after 5"),
    L("phone-us-plain", "x1", "2025550143"),
    L("lab-9digit", "lab_code", every("123456780", "223456781", "323456782")),
    # -- health plan and Medicare numbers ---------------------------------------------
    L("mbi", "plan_ref", "1EG4TE5MK73"),
    L("mbi-dashed", "ref2", "1EG4-TE5-MK73"),
    L("member-id", "member_id", "XEH123456789"),
    L("versicherten", "Versichertennummer", "A123456780"),
    L("health-plan", "health_plan_number", "HP-99812"),
    # -- street addresses -------------------------------------------------------------
    L("addr-location", "location", "12 Baker Street"),
    L("addr-nl", "woon", "Kerkstraat 12, Utrecht"),
    L("addr-st", "where", "221B Baker St, London"),
    L("addr-fr", "home", "4 rue de la Paix"),
    L("addr-it", "domicile2", "Via Roma 5"),
    L("addr-es", "sitio", "Calle Mayor 10"),
    # -- postcodes --------------------------------------------------------------------
    L("pc-lower-unspaced", "area", "sw1a1aa"),
    L("pc-lower", "region", "m1 1ae"),
    L("pc-header", "pc", "SW1A 1AA"),
    L("pc-neutral", "x2", "sw1a 1aa"),
    # -- IP addresses, URLs -----------------------------------------------------------
    L("ip-header", "ip_address", "192.168.1.23"),
    L("ip-neutral", "device", "10.0.0.7"),
    L("ipv6", "host", "2001:db8::1"),
    L("url-facebook", "profile", "https://www.facebook.com/emma.garcia"),
    L("url-linkedin", "link", "www.linkedin.com/in/zoe-murphy"),
    # -- vehicle plates, photos -------------------------------------------------------
    L("plate-uk", "parking", "AB12 CDE"),
    L("plate-nl", "kenteken", "12-ABC-3"),
    L("plate-header", "car_reg", "ab12cde"),
    L("photo-header", "photo", "emma_garcia.jpg"),
    L("photo-neutral", "attachment", "IMG_2041.JPG"),
    L("photo-png", "scan", "patient_0001_face.png"),
    # -- e-mail addresses in any spelling ---------------------------------------------
    L("email-at-dot", "contact2", "emma.garcia at gmail dot com"),
    L("email-brackets", "contact3", "zoe[at]hotmail[dot]co[dot]uk"),
    L("email-plain", "misc3", "jane.doe@example.org"),
    L("correo", "correo", "x@y.es"),
    # -- headers that are themselves identifiers, and in other languages --------------
    L("header-email", "emma.garcia@gmail.com", every(""), secrets=("emma.garcia@gmail.com",)),
    L(
        "header-name-dob",
        "Smith, John (DOB 1975-03-02)",
        every(""),
        secrets=("Smith, John (DOB 1975-03-02)", "Smith", "1975-03-02"),
    ),
    L("header-phone", "07700900123", every(""), secrets=("07700900123",)),
    L("telefoonnummer", "Telefoonnummer", "020-1234567"),
    L("strasse", "Straße", "Hauptstraße 5"),
    L("direccion", "dirección", "Calle Mayor 10"),
    L("indirizzo", "indirizzo", "Via Roma 5"),
    L("endereco", "endereço", "Rua Augusta 100"),
    L("code-postal", "code_postal", "75001"),
    L("secu", "numéro de sécurité sociale", "1 85 05 78 006 084 36"),
    L("codice-fiscale", "codice_fiscale", "RSSMRA85T10A562S"),
    L("bsn-header", "BSN", "111222333"),
    L("handy", "Handynummer", "0151 12345678"),
    L("telephone", "Téléphone", "01 23 45 67 89"),
    L("notities", "notities", "belde na de sessie, voelde zich veel beter vandaag"),
]


def _text_of_everything(*objs: object) -> str:
    parts: list[str] = []
    for obj in objs:
        if isinstance(obj, pd.DataFrame):
            parts.append(obj.to_string())
            parts.append(obj.to_csv())
        else:
            parts.append(str(obj))
    return "\n".join(parts)


def _source(leak_frame: pd.DataFrame, fmt: str, tmp_path: Path) -> object:
    if fmt == "frame":
        return leak_frame
    if fmt == "csv":
        path = tmp_path / "export.csv"
        leak_frame.to_csv(path, index=False)
        return path
    path = tmp_path / "export.parquet"
    leak_frame.to_parquet(path, index=False)
    return path


def _assert_not_echoed(text: str, secrets: tuple[str, ...]) -> None:
    for secret in secrets:
        if len(secret) < 5 and secret.replace(".", "").isdigit():
            continue  # an age such as 93 identifies no one alone, and digits are everywhere
        assert secret not in text, f"{secret!r} echoed"


def test_corpus_size():
    assert len(LEAKS) >= 80
    assert len({leak.id for leak in LEAKS}) == len(LEAKS)
    assert len(LEGIT) >= 20


CASES = [(leak, fmt) for leak in LEAKS for fmt in leak.formats]


@pytest.mark.parametrize(("leak", "fmt"), CASES, ids=[f"{c[0].id}-{c[1]}" for c in CASES])
def test_leak_is_refused_and_never_echoed(leak: Leak, fmt: str, tmp_path: Path):
    frame = leak.frame()
    source = _source(frame, fmt, tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(IdentifierError) as err:
            load_sessions(source, export_date=EXPORT_DATE)
        report = validate(source, export_date=EXPORT_DATE)
    assert "identifier" in set(report.table["check"]), report.table
    assert not report.ok
    text = _text_of_everything(
        err.value, err.value.findings, report.table, report, *[w.message for w in caught]
    )
    _assert_not_echoed(text, leak.secrets)


# ---------------------------------------------------------------------------
# legitimate columns: no finding, loads
# ---------------------------------------------------------------------------

_rng = np.random.default_rng(18)
_ALNUM = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))


def _codes(n: int, k: int = 6) -> list[str]:
    return ["".join(_rng.choice(_ALNUM, k)) for _ in range(n)]


LEGIT: dict[str, Callable[[int], list[object]]] = {
    "muscle_name": every("upper trapezius", "levator scapulae", "infraspinatus", "gluteus medius"),
    "trigger_point": every(
        "TrP1 upper trapezius", "TrP2 levator scapulae", "quadratus lumborum TrP"
    ),
    "clinic_name": every("Northside Physio", "Riverside Physiotherapy", "City Sports Clinic"),
    "clinic_label": every("Grace Street Clinic", "Park Lane Physio", "Hope Health Centre"),
    "record_uuid": lambda n: [
        str(uuid.UUID(int=int(_rng.integers(0, 2**62)) << 60)) for _ in range(n)
    ],
    "random_code": lambda n: _codes(n),
    "needle_lot": every("LOT-25A-0412", "LOT-25B-0007", "L2025-118"),
    "age_band_2": every("80-89", "90+", "70-79"),
    "region_code": every("SW1A", "M1", "EH1", "B33"),
    "device_serial": every("SN-4F7A-0031", "SN-9C2B-1177", "SN-0D0E-0420"),
    "needle_size": every("0.25 x 40 mm", "0.30 x 50 mm"),
    "file_hash": lambda n: [f"{int(_rng.integers(0, 2**62)):016x}abc" for _ in range(n)],
    "room": every("Room 3", "Room 12"),
    "visit_type": every("follow-up", "initial assessment", "review"),
    "referral_source": every("GP", "self", "sports club"),
    "body_side": every("left", "right", "bilateral"),
    "postcode_district": every("SW1A", "M1 1", "EH1"),
    "zip3": every("021", "100", "945"),
    "batch": every("B2025-07", "B2025-08"),
    "pain_location": every("neck and shoulder", "lower back", "jaw"),
    "therapist_code": every("T07", "T12", "T03"),
    "clinic_city": every("Utrecht", "Leeds", "Lyon"),
    "device_model": every("Seirin J-Type", "Dongbang DB100"),
    "skin_temp": every(31.5, 32.25, 30.75),
    "session_time": every("09:30", "14:15"),
    "needle_depth_mm": every(12, 25, 40),
    "assessment_version": every("v2.1", "v2.2"),
}


@pytest.mark.parametrize("column", sorted(LEGIT))
def test_legitimate_column_passes(column: str):
    frame = base()
    frame[column] = pd.Series(LEGIT[column](len(frame)), dtype=object).infer_objects()
    found = find_identifiers(frame)
    assert found.empty, found[["column", "kind", "reason"]].to_string()
    data = load_sessions(frame, export_date=EXPORT_DATE)
    assert len(data.sessions) == len(frame)


def test_sample_itself_passes():
    assert find_identifiers(base()).empty


# ---------------------------------------------------------------------------
# echo: values that slip past (or are allowed past) the guard are masked everywhere
# ---------------------------------------------------------------------------


def test_one_session_warning_does_not_echo_an_allowed_name():
    """With the guard overridden for patient_id, the one-session-episode warning (which
    names the episode's pseudonym) masks a pseudonym that is a person's name."""
    frame = base()
    first = frame["patient_id"].iloc[0]
    rows = frame.index[frame["patient_id"] == first]
    frame = frame.drop(rows[1:]).reset_index(drop=True)
    frame.loc[frame["patient_id"] == first, "patient_id"] = "Emma Garcia"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = validate(frame, export_date=EXPORT_DATE, allow_columns=["patient_id"])
    assert "single_session_episode" in set(report.table["check"])
    text = _text_of_everything(report.table, *[w.message for w in caught])
    assert "Emma Garcia" not in text
    assert "E*** G*****" in text


def test_invalid_category_does_not_echo_a_name():
    frame = base()
    frame.loc[ROW, "sex"] = "Emma Garcia"
    report = validate(frame, export_date=EXPORT_DATE, allow_columns=["sex"])
    bad = report.table[report.table["column"] == "sex"]
    assert len(bad) and "Emma Garcia" not in _text_of_everything(report.table)
    assert (bad["row"] == ROW + 2).all()


def test_invalid_category_still_echoes_a_harmless_value():
    frame = base()
    frame.loc[ROW, "sex"] = "femail"
    report = validate(frame, export_date=EXPORT_DATE)
    assert "femail" in set(report.table["value"])


def test_unknown_column_warning_does_not_echo_an_email_header():
    frame = base()
    frame["emma.garcia@gmail.com"] = ""
    report = validate(frame, export_date=EXPORT_DATE)
    assert "emma.garcia@gmail.com" not in _text_of_everything(report.table)
    assert mask_value("emma.garcia@gmail.com") in _text_of_everything(report.table)


def test_refusal_does_not_repeat_a_refused_header():
    frame = base()
    frame["Smith, John (DOB 1975-03-02)"] = ""
    with pytest.raises(IdentifierError) as err:
        load_sessions(frame, export_date=EXPORT_DATE)
    assert "Smith" not in str(err.value) and "1975" not in str(err.value)
    assert "column 39" in str(err.value)  # named by position


def test_ambiguous_codes_name_the_override():
    frame = base()
    frame["lab_code"] = every("123456780", "223456781")(len(frame))
    with pytest.raises(IdentifierError) as err:
        load_sessions(frame, export_date=EXPORT_DATE)
    assert "allow_columns=['lab_code']" in str(err.value)
    assert "--allow-column 'lab_code'" in str(err.value)
    load_sessions(frame, export_date=EXPORT_DATE, allow_columns=["lab_code"])


def test_could_identify_fails_closed():
    odd = [
        "Zoe Murphy",
        "SMITH_JOHN",
        "MRN0012352",
        "AC-1956-11-06",
        "07700900123",
        "x at gmail dot com",
        "12 Baker Street",
        "https://a.b/c",
        "1975-03-02",
        "192.168.0.1",
        "a value with ~ odd # characters",
    ]
    assert could_identify(odd).all()
    harmless = ["neck pain", "12", "7.5", "P00001", "CLN-01", "90+", "2026-02-30"]
    harmless += ["upper_trapezius;masseter", dt.date(2025, 3, 1)]
    assert not could_identify(harmless).any()


def test_a_sampled_column_is_said_to_be_sampled(monkeypatch: pytest.MonkeyPatch):
    """When a library judged only a sample of a column's candidates, the finding says so,
    and a column found clean that way gets an ``identifier_sample`` warning."""
    from tpdn_outcomes import _detect

    monkeypatch.setattr(_detect, "MAX_CHECKED", 5)
    frame = base()
    # free text with digits: every value is a candidate for libphonenumber; none is a phone
    frame["grid_cells"] = [f"grid {i % 90 + 10} 22 33 44" for i in range(len(frame))]
    found = find_identifiers(frame)
    assert found.empty and found.attrs["sampled_columns"] == ["grid_cells"]
    report = validate(frame, export_date=EXPORT_DATE)
    sample = report.table[report.table["check"] == "identifier_sample"]
    assert list(sample["column"]) == ["grid_cells"]
    assert (sample["severity"] == "warning").all()
    assert "random sample of 5" in sample["message"].iloc[0]
    # a column refused on a sample says so in its finding
    frame["ref_nums"] = [3_000_000_000 + 7 * i for i in range(len(frame))]
    found = find_identifiers(frame)
    hit = found[found["column"] == "ref_nums"]
    assert len(hit) and all("random sample of 5" in r for r in hit["reason"])
