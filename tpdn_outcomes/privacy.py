"""Identifier guard and small-cell suppression.

The data this package analyses must be anonymised before it is loaded: patient
identifiers are pseudonyms, ages are bands, and nothing in a file should let a
reader pick out a person. :func:`find_identifiers` looks for *direct identifiers*
(the kind of thing HIPAA Safe Harbor lists and UK guidance treats the same way)
in the column **names** and in the **values** of every text column, and
:func:`check_identifiers` refuses the data with an :class:`IdentifierError` that
says which columns, what was found, how many values, and how to fix it. Neither
ever prints, logs or returns an identifying value itself: findings give counts
and row numbers only.

:func:`suppress_small_cells` marks report cells that count too few patients to
be shown.

Rules
-----
Column names are split into words (``PatientDOB`` -> ``patient dob``,
``e-mail`` -> ``e mail``, ``Address1`` -> ``address``) and a column is refused
when its name says it holds:

========================== ===================================================
kind                       names (any of these words or phrases in the name)
========================== ===================================================
``date_of_birth``          dob, date of birth, birth date, birthdate, birthday
``email``                  email, e-mail, mail
``phone``                  phone, telephone, tel, fax, pager; mobile or cell as
                           the last word or before number / no / phone
``ssn``                    ssn, social security
``nhs_number``             nhs (alone or with number / no / id)
``national_id``            national insurance, ni number, nino, national id,
                           passport, driving licence, chi number, itin, tax id,
                           insurance / medicare / medicaid number, health card
``medical_record_number``  mrn, medical record, med rec, hospital number / no,
                           chart number, emr / ehr id or number (REDCap's
                           ``record_id`` and a facility's ``hospital_id`` pass)
``postcode``               postcode, post code, postal code, zip, zip code -
                           refused when any value is a *full* code; a column
                           holding only UK districts or sectors (``SW1A``,
                           ``SW1A 1``) or 3-digit ZIP prefixes (``021``) passes
``street_address``         address, addr, street, house number
``person_name``            surname, forename, first / last / full / given /
                           family / middle / maiden name, initials, nickname,
                           next of kin, emergency contact;
                           and any other ``..._name`` column unless the word
                           before ``name`` (or after ``name of``) is a thing
                           rather than a person: ``muscle_name``,
                           ``clinic_name``, ``condition_name``, ``site_name``
                           ... pass (see ``_NON_PERSON_QUALIFIERS``), while
                           ``name``, ``patient_name``, ``client_name``,
                           ``therapist_name`` are refused (fail closed: an
                           unknown ``x_name`` is refused; one-word compounds
                           such as ``PatientName`` / ``clinicname`` likewise)
``free_text``              notes, note, comments, comment, remarks, narrative,
                           memo, free text
``exact_age``              age, age_years, age_at_visit, age_band, ... - refused
                           only when a value is an exact age of 90 or over
                           (see below)
========================== ===================================================

Since issue 18 a second pass (:func:`_scan_values`, detectors in
``tpdn_outcomes._detect``) checks the values of **every** column, of any type, and
the column names themselves, with the field's libraries: person names (a
gazetteer: the US Census 1990 first names and surnames and gender-guesser's
international first names) anywhere, one-word names in pseudonym or person
columns (``therapist``, ``seen_by``); unbroken runs of 9-13 digits, as text or as
typed integers and floats, judged by python-stdnum (US SSN, UK NHS, Dutch BSN)
and libphonenumber, and refused as ``ambiguous_number`` when neither places them;
phone numbers in free text (libphonenumber); street addresses (patterns, and
usaddress for English forms); e-mails written out (``x at gmail dot com``); URLs;
IP addresses; Medicare beneficiary identifiers; record numbers with their prefix
(``MRN0012352``); postcodes in any spelling; vehicle plates; photo file names;
full dates before 1990 (and any full date inside a pseudonym); datetime columns
with dates before 1990. Names in Dutch, German, French, Spanish, Italian and
Portuguese are recognised (``_HEADER_WORDS``), and a header that is itself an
identifier (an e-mail address used as a column name) is reported by position and
masked. Libraries that judge values one at a time see at most
``_detect.MAX_CHECKED`` candidates of a column (a seeded sample beyond that,
said in the finding and listed in ``findings.attrs["sampled_columns"]``).

:func:`mask_value` / :func:`mask_values` / :func:`could_identify` are the one way
the package shows values in messages: anything that could identify someone is
masked (``E*** G*****``).

The first pass searches the values of every text column (``object``,
``str``/``string`` and categorical columns of strings) for:

- e-mail addresses;
- phone or fax numbers *written as phone numbers*: international numbers with a
  leading ``+`` (``+44 20 7946 0958``, ``+33 1 23 45 67 89``, ``+15551234567``),
  US numbers with separators (``(555) 123-4567``, ``555-123-4567``,
  ``555.123.4567``, ``1-555-123-4567``) and UK numbers with a space or hyphen
  (``020 7946 0958``, ``0161 496 0000``, ``07700 900123``). An unbroken run of
  digits is not taken for a phone number (it could be any code); a column whose
  *name* says phone is refused whatever its values look like;
- US Social Security numbers ``123-45-6789`` (also spaced; area 000 and 666,
  group 00 and serial 0000 are never issued and are not matched; 9xx is matched
  because ITINs share the format and are identifiers too);
- NHS numbers: 10 digits, plain or spaced/hyphenated 3-3-4, that pass the NHS
  modulus-11 check digit. About 1 in 11 random 10-digit numbers pass the check,
  so in a column with 20 or more 10-digit candidates the passing ones are only
  reported when they are at least half of the candidates (real NHS numbers all
  pass; random codes do not). A value reported as an NHS number is not also
  counted as a phone number;
- full UK postcodes with the space (``SW1A 1AA``, ``M1 1AE``, capitals) and US
  ZIP+4 codes (``12345-6789``); in columns whose name suggests a place
  (location, residence, home, city, town, county, state, region, area,
  district, ...) also unspaced or lower-case postcodes and 5-digit ZIP codes;
- exact ages in age columns (name with the word ``age``): a bare number of 90 or
  over (``91``, ``93 years``), or a closed band that starts at 90 or over
  (``90-94``), or an open band above 90 (``95+``): Safe Harbor requires all
  ages over 89 to be one category ``90+``. Numeric age columns are checked the
  same way (values in months, weeks or days are converted when the name says
  so). Exact ages under 90 are not direct identifiers under Safe Harbor and are
  not refused, but banded ages (``18-29`` ... ``80-89``, ``90+``) are preferred;
- free text, conservatively: a value counts as free text when it has a run of 6
  or more whitespace-separated words not broken by ``;`` or ``|`` (so lists
  such as ``upper trapezius; levator scapulae`` do not count). A column is
  refused when at least half of its non-empty values are free text (the median
  word count is 6 or more) and those values are not a few repeated labels (the
  distinct ones are at least half of them, or 100 or more).

Values are matched on the distinct values of each column with vectorised
(pyarrow/RE2) string methods; counts and row numbers are then taken over all
rows. Missing values and empty strings count as missing. Boolean columns carry
one bit each and are never refused. ``allow_columns`` exempts columns from
every check, matched on the normalised name (lower case, runs of other
characters to ``_``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tpdn_outcomes import _detect as det
from tpdn_outcomes._detect import fold

__all__ = [
    "FINDING_COLUMNS",
    "KINDS",
    "IdentifierError",
    "check_identifiers",
    "could_identify",
    "find_identifiers",
    "mask_value",
    "mask_values",
    "suppress_small_cells",
]

#: Columns of the findings table returned by :func:`find_identifiers`.
FINDING_COLUMNS: tuple[str, ...] = ("file", "column", "kind", "n_values", "first_row", "reason")

#: Kinds of direct identifier, with the plain-language description used in messages.
KINDS: dict[str, str] = {
    "date_of_birth": "dates of birth",
    "email": "e-mail addresses",
    "phone": "phone or fax numbers",
    "ssn": "US Social Security numbers",
    "nhs_number": "NHS numbers",
    "national_id": "national identity or insurance numbers",
    "medical_record_number": "medical record or hospital numbers",
    "postcode": "full postcodes or ZIP codes",
    "street_address": "street addresses",
    "person_name": "person names",
    "free_text": "free-text notes",
    "exact_age": "exact ages of 90 or over",
    "admission_date": "admission, intake or discharge dates",
    "health_plan": "health-plan or Medicare beneficiary numbers",
    "ip_address": "IP addresses",
    "url": "web addresses (URLs)",
    "vehicle": "vehicle registration plates",
    "photo": "photographs or image file names",
    "ambiguous_number": "long unbroken numbers that could be identifiers (a Social Security, "
    "national id, phone or record number)",
}

_FIX: dict[str, str] = {
    "date_of_birth": "remove the column, or replace it with an age band such as '40-49' "
    "('90+' for anyone over 89)",
    "postcode": "remove the column, or coarsen the values to a UK postcode district "
    "(e.g. 'SW1A') or the first 3 digits of a ZIP code",
    "exact_age": "replace exact ages with bands such as '80-89' and a single '90+' band",
    "free_text": "remove the column (free text can name people, places and dates)",
    "admission_date": "remove the column, or keep only the month or the session dates",
    "ambiguous_number": "remove the column, or replace the values with pseudonyms (e.g. "
    "P0001); if the numbers are codes that identify no one (a lab or batch code)",
}
_FIX_DEFAULT = "remove the column, or replace the values with pseudonyms (e.g. P0001)"


class IdentifierError(ValueError):
    """Raised when data carries direct identifiers.

    Parameters
    ----------
    message : str
        The plain-language message (file, columns, kinds, counts and the fix).
    findings : pandas.DataFrame, optional
        The table from :func:`find_identifiers`, kept as ``.findings``.

    Attributes
    ----------
    findings : pandas.DataFrame
        One row per column and kind found; see :func:`find_identifiers`.
    """

    def __init__(self, message: str, findings: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.findings: pd.DataFrame = findings if findings is not None else _empty_findings()


# ---------------------------------------------------------------------------
# Column names
# ---------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _normalise(name: object) -> str:
    """Lower case, runs of other characters to ``_`` (as ``schema.normalise_name``)."""
    return _NON_ALNUM.sub("_", str(name).strip().lower()).strip("_")


def _tokens(name: object) -> tuple[str, ...]:
    """Split a column name into lower-case words without accents, dropping trailing digits
    of a word (``Prénom`` -> ``prenom``, ``PatientDOB`` -> ``patient dob``)."""
    words = _NON_ALNUM.split(fold(_CAMEL.sub("_", str(name))))
    return tuple((w.rstrip("0123456789") or w) for w in words if w)


_Phrase = tuple[str, ...]


def _has(tokens: Sequence[str], *phrases: str) -> bool:
    """True when any phrase ('date of birth', 'dob') occurs as consecutive words."""
    for phrase in phrases:
        words: _Phrase = tuple(phrase.split())
        k = len(words)
        for i in range(len(tokens) - k + 1):
            if tuple(tokens[i : i + k]) == words:
                return True
    return False


def _joined_has(tokens: Sequence[str], *parts: str) -> bool:
    joined = "".join(tokens)
    return any(p in joined for p in parts)


_NUMBERISH = ("number", "no", "num", "nr", "id")

#: Words before ``name`` (or after ``name of``) that make it the name of a thing.
_NON_PERSON_QUALIFIERS: frozenset[str] = frozenset(
    """
    muscle muscles clinic clinics site sites practice hospital facility centre center
    organisation organization org company condition diagnosis measure measures instrument
    scale outcome test variable field column file sheet study trial protocol drug
    medication device needle region location body side movement treatment technique
    exercise event category group code role product brand model country state county
    city town street road department dept unit ward team service program programme
    project dataset table source export system software app batch visit session episode
    timing procedure intervention point trigger
    """.split()
)
_PERSON_NAME_WORDS = frozenset(
    "surname surnames forename forenames firstname lastname fullname givenname "
    "familyname middlename maidenname nickname initials patientname".split()
)


def _is_person_name(tokens: Sequence[str]) -> bool:
    if any(t in _PERSON_NAME_WORDS for t in tokens):
        return True
    if _has(tokens, "next of kin", "nok", "emergency contact"):
        return True
    if _joined_has(tokens, "surname", "firstname", "lastname", "fullname", "forename"):
        return True
    for i, t in enumerate(tokens):
        if t not in ("name", "names"):
            # one-word compounds: patientname, username -> refused; clinicname -> passes
            stem = t[:-5] if t.endswith("names") else t[:-4] if t.endswith("name") else ""
            if len(stem) >= 3 and stem not in _NON_PERSON_QUALIFIERS:
                return True
            continue
        qualifier = None
        if i > 0:
            qualifier = tokens[i - 1]
        elif i + 2 < len(tokens) and tokens[i + 1] == "of":
            qualifier = tokens[i + 2]
        if qualifier is None or qualifier not in _NON_PERSON_QUALIFIERS:
            return True
    return False


def _is_phone(tokens: Sequence[str]) -> bool:
    if any(
        t in ("phone", "phones", "telephone", "tel", "telno", "fax", "pager", "cellphone")
        for t in tokens
    ):
        return True
    if _joined_has(tokens, "phonenumber", "telephone", "faxnumber"):
        return True
    for i, t in enumerate(tokens):
        if t in ("mobile", "cell"):
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is None or nxt in (*_NUMBERISH, "phone", "tel"):
                return True
    return False


#: Identifying column names in Dutch, German, French, Spanish, Italian and Portuguese
#: (and English words the rules below do not cover), folded (no accents, lower case),
#: matched as phrases of whole words or, for the one-word forms, inside a compound.
_HEADER_WORDS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "date_of_birth",
        (
            "born",
            "birth",
            "geboortedatum",
            "geboren",
            "geb datum",
            "geburtsdatum",
            "geburtstag",
            "date de naissance",
            "date naissance",
            "naissance",
            "ne le",
            "fecha de nacimiento",
            "fecha nacimiento",
            "nacimiento",
            "f nac",
            "data di nascita",
            "data nascita",
            "nascita",
            "data de nascimento",
            "data nascimento",
            "nascimento",
        ),
        ("geboortedatum", "geburtsdatum", "naissance", "nacimiento", "nascita", "nascimento"),
    ),
    (
        "admission_date",
        (
            "intake",
            "intake date",
            "admitted",
            "admission",
            "admit date",
            "admit",
            "discharge",
            "discharged",
            "opname",
            "opnamedatum",
            "ontslag",
            "ontslagdatum",
            "aufnahme",
            "aufnahmedatum",
            "entlassung",
            "entlassungsdatum",
            "date d admission",
            "date d entree",
            "date de sortie",
            "fecha de ingreso",
            "ingreso",
            "fecha de alta",
            "data di ricovero",
            "ricovero",
            "data ricovero",
            "dimissione",
            "data de admissao",
            "admissao",
            "internamento",
            "data de alta",
        ),
        ("opnamedatum", "aufnahmedatum", "entlassungsdatum", "intakedatum"),
    ),
    (
        "email",
        (
            "correo",
            "correo electronico",
            "courriel",
            "adresse mail",
            "posta elettronica",
            "e posta",
            "emailadres",
            "mailadres",
        ),
        ("emailadres", "mailadres", "emailadresse", "courriel"),
    ),
    (
        "phone",
        (
            "telefoon",
            "telefoonnummer",
            "mobiel",
            "mobiele",
            "gsm",
            "telefon",
            "telefonnummer",
            "handy",
            "handynummer",
            "mobilnummer",
            "telephone",
            "portable",
            "numero de telephone",
            "telefono",
            "movil",
            "celular",
            "cellulare",
            "telemovel",
            "contacto",
            "tlf",
            "tfno",
        ),
        ("telefoon", "telefon", "handynummer", "mobilnummer", "telemovel", "telefono"),
    ),
    (
        "national_id",
        (
            "bsn",
            "burgerservicenummer",
            "sofinummer",
            "sofi nummer",
            "steuer id",
            "steueridentifikationsnummer",
            "sozialversicherungsnummer",
            "svnr",
            "personalausweis",
            "ausweisnummer",
            "numero de securite sociale",
            "securite sociale",
            "nir",
            "insee",
            "carte vitale",
            "dni",
            "nie",
            "nif",
            "nss",
            "numero de seguridad social",
            "seguridad social",
            "codice fiscale",
            "tessera sanitaria",
            "cpf",
            "cartao de cidadao",
            "numero de utente",
            "niss",
            "identiteitskaart",
            "paspoort",
            "reisepass",
            "pasaporte",
            "passaporto",
            "passaporte",
        ),
        ("burgerservicenummer", "sozialversicherungsnummer", "codicefiscale"),
    ),
    (
        "medical_record_number",
        (
            "patientnummer",
            "patient nummer",
            "dossiernummer",
            "patientennummer",
            "fallnummer",
            "numero de dossier",
            "numero dossier",
            "historia clinica",
            "numero de historia",
            "cartella clinica",
            "processo clinico",
            "numero de processo",
            "numero processo",
        ),
        ("patientnummer", "dossiernummer", "patientennummer", "fallnummer"),
    ),
    (
        "health_plan",
        (
            "health plan",
            "healthplan",
            "member id",
            "member number",
            "member no",
            "beneficiary",
            "beneficiary id",
            "mbi",
            "hicn",
            "policy number",
            "policy no",
            "policy id",
            "insurance id",
            "insurance",
            "insurer id",
            "subscriber id",
            "subscriber number",
            "plan id",
            "plan number",
            "verzekeringsnummer",
            "verzekerdennummer",
            "polisnummer",
            "versichertennummer",
            "krankenkasse",
            "krankenversicherung",
            "numero d assure",
            "mutuelle",
            "numero de poliza",
            "poliza",
            "polizza",
            "numero de apolice",
            "apolice",
        ),
        ("verzekerdennummer", "versichertennummer", "polisnummer", "healthplan"),
    ),
    (
        "ip_address",
        (
            "ip",
            "ip address",
            "ipaddress",
            "ip adres",
            "ip adresse",
            "ipv4",
            "ipv6",
            "ip addr",
            "direccion ip",
            "indirizzo ip",
            "endereco ip",
        ),
        ("ipaddress", "ipadres", "ipadresse"),
    ),
    (
        "url",
        (
            "url",
            "urls",
            "website",
            "web address",
            "web site",
            "homepage",
            "home page",
            "profile url",
            "facebook",
            "twitter",
            "instagram",
            "linkedin",
            "social media",
            "webpagina",
            "webseite",
            "site web",
            "pagina web",
            "sitio web",
        ),
        ("website", "homepage", "webpagina", "webseite"),
    ),
    (
        "vehicle",
        (
            "license plate",
            "licence plate",
            "number plate",
            "plate",
            "plate number",
            "registration plate",
            "car reg",
            "car registration",
            "vehicle registration",
            "vehicle",
            "vehicle id",
            "vin",
            "vrm",
            "kenteken",
            "kennzeichen",
            "immatriculation",
            "plaque",
            "matricula",
            "targa",
        ),
        ("kenteken", "kennzeichen", "numberplate", "licenseplate", "licenceplate"),
    ),
    (
        "photo",
        (
            "photo",
            "photos",
            "photograph",
            "picture",
            "pictures",
            "image",
            "images",
            "img",
            "foto",
            "fotos",
            "bild",
            "selfie",
            "headshot",
            "portrait",
            "face",
            "imagen",
            "immagine",
            "imagem",
        ),
        ("photo", "selfie", "headshot"),
    ),
    (
        "street_address",
        (
            "adres",
            "straat",
            "straatnaam",
            "huisnummer",
            "woonplaats",
            "woonadres",
            "adresse",
            "strasse",
            "hausnummer",
            "wohnort",
            "anschrift",
            "wohnadresse",
            "rue",
            "domicile",
            "direccion",
            "calle",
            "domicilio",
            "indirizzo",
            "residenza",
            "endereco",
            "morada",
            "rua",
        ),
        ("huisnummer", "hausnummer", "woonadres", "wohnadresse", "straatnaam", "anschrift"),
    ),
    (
        "postcode",
        (
            "postleitzahl",
            "plz",
            "code postal",
            "codigo postal",
            "codice postale",
            "cap",
            "cep",
            "postcode nl",
        ),
        ("postleitzahl", "codepostal", "codigopostal"),
    ),
    (
        "person_name",
        (
            "naam",
            "voornaam",
            "achternaam",
            "roepnaam",
            "familienaam",
            "voorletters",
            "vorname",
            "nachname",
            "familienname",
            "nom",
            "prenom",
            "nom de famille",
            "apellido",
            "apellidos",
            "nome",
            "cognome",
            "sobrenome",
            "apelido",
            "first",
            "last",
            "given",
            "family",
            "full",
            "initials",
            "forenames",
        ),
        (
            "voornaam",
            "achternaam",
            "roepnaam",
            "familienaam",
            "vorname",
            "nachname",
            "familienname",
            "prenom",
            "apellido",
            "cognome",
            "sobrenome",
        ),
    ),
    (
        "free_text",
        (
            "opmerkingen",
            "opmerking",
            "notities",
            "notitie",
            "toelichting",
            "bemerkungen",
            "bemerkung",
            "notizen",
            "kommentar",
            "anmerkungen",
            "remarques",
            "commentaire",
            "commentaires",
            "observaciones",
            "notas",
            "comentarios",
            "comentario",
            "osservazioni",
            "commenti",
            "note libere",
            "observacoes",
            "observacao",
        ),
        ("opmerking", "bemerkung", "commentaire", "observacion", "osservazion"),
    ),
)
#: Header words of the table above that count only as the whole name, not as one word
#: among others (``patient`` alone is a name column; ``patient_id`` is a pseudonym).
_WHOLE_ONLY = frozenset(
    "first last given family full cap nom nome nie "
    "nif nir nss cpf vin face plate image images img insurance vehicle admit born".split()
)


def _foreign_kind(tokens: Sequence[str]) -> str | None:
    """The kind a name announces in the languages of ``_HEADER_WORDS``, or None."""
    if not tokens:
        return None
    joined = "".join(tokens)
    for kind, phrases, compounds in _HEADER_WORDS:
        for phrase in phrases:
            if phrase in _WHOLE_ONLY:
                if tuple(tokens) == (phrase,):
                    return kind
                continue
            if _has(tokens, phrase):
                return kind
        if any(c in joined for c in compounds):
            return kind
    if (
        len(tokens) <= 2
        and tokens[0] == "nombre"
        and (len(tokens) == 1 or tokens[1] in ("paciente", "completo", "apellidos"))
    ):
        return "person_name"
    return None


@functools.lru_cache(maxsize=4096)
def _name_kind(tokens: tuple[str, ...]) -> str | None:
    """The kind a column name announces, or None. First match wins, in this order."""
    num = _NUMBERISH
    if _has(tokens, "ip", "ip address", "ipaddress", "ipv4", "ipv6"):
        return "ip_address"
    if _has(tokens, "email", "emails", "mail", "e mail") or _joined_has(tokens, "email"):
        return "email"
    foreign = _foreign_kind(tokens)
    if foreign is not None:
        return foreign
    if _has(tokens, "dob", "date of birth", "birth date", "birthdate", "dateofbirth", "birthday"):
        return "date_of_birth"
    if _has(tokens, "birth day", "d o b") or _joined_has(tokens, "dateofbirth", "birthdate"):
        return "date_of_birth"
    if _has(tokens, "email", "emails", "mail", "e mail") or _joined_has(tokens, "email"):
        return "email"
    if _is_phone(tokens):
        return "phone"
    if _has(tokens, "ssn", "ssns", "social security") or _joined_has(tokens, "socialsecurity"):
        return "ssn"
    if "nhs" in tokens and (len(tokens) == 1 or any(t in num for t in tokens)):
        return "nhs_number"
    if _joined_has(tokens, "nhsnumber", "nhsno"):
        return "nhs_number"
    national = (
        "nino",
        "national insurance",
        "national id",
        "nationalid",
        "passport",
        "itin",
        "tax id",
        "health card",
        "social insurance",
        *(f"{a} {b}" for a in ("driver", "drivers", "driving") for b in ("license", "licence")),
        *(f"{a} {b}" for a in ("ni", "chi", "insurance", "medicare", "medicaid") for b in num),
    )
    if _has(tokens, *national) or _joined_has(tokens, "nationalinsurance"):
        return "national_id"
    mrn = (
        "mrn",
        "mrns",
        "medical record",
        "med rec",
        "medrec",
        # not "record id" (REDCap's study record) nor "hospital id" (a facility code)
        *(f"{a} {b}" for a in ("hospital", "hosp", "chart") for b in _NUMBERISH[:4]),
        *(f"{a} {b}" for a in ("emr", "ehr") for b in num),
    )
    if _has(tokens, *mrn) or _joined_has(tokens, "medicalrecord"):
        return "medical_record_number"
    if _has(tokens, "postcode", "postcodes", "post code", "postal code", "postalcode", "zip") or (
        _joined_has(tokens, "postcode", "zipcode", "postalcode")
    ):
        return "postcode"
    if _has(tokens, "address", "addresses", "addr", "street", "streetaddress", "house number"):
        return "street_address"
    if _is_person_name(tokens):
        return "person_name"
    free = ("notes", "note", "comments", "comment", "remarks", "remark", "narrative", "memo")
    if _has(tokens, *free, "free text", "freetext"):
        return "free_text"
    return None


_AGE_SUFFIXES = ("band", "group", "range", "years", "yrs", "cat", "category", "bracket")


#: "age" in Dutch, German, Spanish, Italian and Portuguese (French "âge" folds to "age").
_AGE_WORDS = frozenset(("age", "leeftijd", "alter", "edad", "eta", "idade", "lebensalter"))


def _is_age_name(tokens: Sequence[str]) -> bool:
    return any(t in _AGE_WORDS or (t.startswith("age") and t[3:] in _AGE_SUFFIXES) for t in tokens)


def _age_scale(tokens: Sequence[str]) -> float:
    """Divide by this to get years (a name with months / weeks / days)."""
    if any(t in ("month", "months", "mo", "mos", "mths") for t in tokens):
        return 12.0
    if any(t in ("week", "weeks", "wk", "wks") for t in tokens):
        return 52.1775
    if any(t in ("day", "days") for t in tokens):
        return 365.25
    return 1.0


_LOCATION_WORDS = frozenset(
    "location residence home city town county state region area district locality geo "
    "geography place hometown address zip postcode postal".split()
)

# ---------------------------------------------------------------------------
# Value patterns (RE2 and Python ``re`` compatible; searched, not anchored)
# ---------------------------------------------------------------------------

_B = r"(?:^|[^0-9A-Za-z])"  # boundary before (no look-behind in RE2)
_E = r"(?:$|[^0-9A-Za-z])"  # boundary after

_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_SSN = (
    _B + r"(?:00[1-9]|0[1-9][0-9]|[1-57-9][0-9]{2}|6[0-57-9][0-9]|66[0-57-9])[- ]"
    r"(?:0[1-9]|[1-9][0-9])[- ](?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})" + _E
)
_NHS_DIGITS = r"[0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{4}"
_NHS_CANDIDATE = _B + _NHS_DIGITS + _E
_NHS_EXTRACT = _B + "(?P<d>" + _NHS_DIGITS + ")" + _E
_PHONE = "|".join(
    (
        # international, with +: country code then at least 7 more digits
        r"(?:^|[^0-9A-Za-z+])\+[1-9][0-9]{0,2}(?:[ .()-]{0,3}[0-9]){7,14}",
        # US / NANP with separators or parentheses
        _B + r"(?:1[ .-]?)?(?:\([0-9]{3}\)[ .-]?|[0-9]{3}[ .-])[0-9]{3}[ .-][0-9]{4}" + _E,
        # UK national format with a space or hyphen
        _B + r"(?:\(?0[0-9]{4}\)?[ -](?:[0-9]{6}|[0-9]{3}[ -][0-9]{3})"
        r"|\(?0[0-9]{2}\)?[ -][0-9]{4}[ -]?[0-9]{4}"
        r"|\(?0[0-9]{3}\)?[ -][0-9]{3}[ -]?[0-9]{4})" + _E,
    )
)
_UK_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_UK_POSTCODE = _B + _UK_OUTWARD + r" [0-9][ABD-HJLNP-UW-Z]{2}" + _E
_UK_POSTCODE_LOOSE = r"(?i)" + _B + _UK_OUTWARD + r" ?[0-9][ABD-HJLNP-UW-Z]{2}" + _E
_ZIP4 = _B + r"[0-9]{5}-[0-9]{4}" + _E
_ZIP5 = _B + r"[0-9]{5}" + _E
# ASCII whitespace spelled out: RE2's \s is much slower on long unspaced values (UUIDs)
_WS = r"[ \t\r\n\f\v]"
_WORDS6 = r"(?:[^ \t\r\n\f\v;|]+" + _WS + r"+){5}[^ \t\r\n\f\v;|]"
_BLANK = "^" + _WS + "*$"
_PARTIAL_POSTCODE = (
    r"(?i)^" + _WS + "*(?:" + _UK_OUTWARD + r"(?: [0-9])?|[0-9]{3}(?:xx|\*\*)?)" + _WS + "*$"
)

_AGE_NUMBER = r"(?i)^ *([0-9]{1,3}(?:\.[0-9]+)?) *(?:y|yo|y/o|yrs?|years?(?: old)?)?\.? *$"
_AGE_CLOSED = (
    r"(?i)^ *[\[(]? *([0-9]{1,3}) *(?:-|–|to|\.\.) *([0-9]{1,3}) *[\])]? *(?:y|yrs?|years)? *$"
)
_AGE_OPEN = r"^ *(?:([0-9]{1,3}) *\+|(?:>=|≥|=>) *([0-9]{1,3})|> *([0-9]{1,3})) *$"

# Cheap first passes. Purely alphanumeric values (P0001, hex hashes) can only be a bare
# 10-digit number (NHS), or a ZIP / postcode in a place-named column. Other values are
# sorted by what each pattern needs: an @ (e-mail); whitespace (free text, postcodes);
# a + or ( or groups of 3-5 digits joined by a separator, or 10 digits in a row (phone,
# SSN, NHS, ZIP+4). Dates (2025-03-14 09:30) and UUIDs rarely pass the last one.
_HAS_AT = "@"
_HAS_WS = _WS
_HAS_DIGIT_GROUPS = r"[+(]|" + _B + r"(?:[0-9]{3}[ .-][0-9]{2}|[0-9]{3,5}[ .-][0-9]{3})|[0-9]{10}"
_PREFILTER = "|".join((_HAS_AT, _HAS_WS, _HAS_DIGIT_GROUPS))

#: Below this many 10-digit candidates in a column every checksum pass is reported.
_NHS_MIN_CANDIDATES = 20


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _empty_findings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": pd.Series([], dtype=object),
            "column": pd.Series([], dtype=object),
            "kind": pd.Series([], dtype=object),
            "n_values": pd.Series([], dtype="int64"),
            "first_row": pd.Series([], dtype="int64"),
            "reason": pd.Series([], dtype=object),
        }
    )


def is_boolean(dtype: Any) -> bool:
    """A boolean column, a categorical of booleans included (``pd.api.types.is_bool_dtype``
    without its deprecated reading of object categories, which pandas 4 drops)."""
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        if cats.dtype == object:
            return len(cats) > 0 and all(isinstance(c, bool | np.bool_) for c in cats)
        return pd.api.types.is_bool_dtype(cats.dtype)
    return pd.api.types.is_bool_dtype(dtype)


def _numbers(col: pd.Series) -> np.ndarray:
    """A numeric column's values as floats (NaN missing); of complex numbers the real part,
    so that an age of 93 typed as ``93+0j`` is still found."""
    v = pd.to_numeric(col, errors="coerce")
    if pd.api.types.is_complex_dtype(v.dtype):
        return np.real(np.asarray(v, dtype=complex))
    return v.to_numpy(dtype=float, na_value=np.nan)


def _is_text_dtype(dtype: Any) -> bool:
    if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
        return True
    if isinstance(dtype, pd.ArrowDtype):
        t = dtype.pyarrow_dtype
        return bool(pa.types.is_string(t) or pa.types.is_large_string(t))
    return False


def _as_arrow(values: pd.Series) -> pa.Array:
    """Distinct values as one pyarrow string array (matched with RE2 through pyarrow)."""
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):  # mixed objects
        arr = None
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pa.array(values.astype(str), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr


def _contains(arr: pa.Array, pattern: str) -> np.ndarray:
    """Boolean mask: ``pattern`` (RE2 syntax) is found in each value."""
    return np.asarray(pc.fill_null(pc.match_substring_regex(arr, pattern), False), dtype=bool)


def _nhs_check(numbers: list[str]) -> np.ndarray:
    """NHS modulus-11 check of 10-digit strings (separators already removed)."""
    raw = "".join(numbers).encode("ascii")
    d = (np.frombuffer(raw, dtype=np.uint8).reshape(-1, 10) - 48).astype(np.int64)
    check = 11 - (d[:, :9] @ np.arange(10, 1, -1)) % 11
    check = np.where(check == 11, 0, check)
    return np.asarray((check != 10) & (check == d[:, 9]), dtype=bool)


def _nhs_valid(candidates: pa.Array) -> np.ndarray:
    """For each value, True when a 10-digit group in it passes the NHS mod-11 check.

    A value that is just the number (``9434765919``, ``943 476 5919``) is checked
    directly; in longer values the first group is checked, then (if it fails) the
    next, up to four groups a value.
    """
    valid = np.zeros(len(candidates), dtype=bool)
    whole = _contains(candidates, "^" + _NHS_DIGITS + "$")
    if whole.any():
        digits = pc.replace_substring(candidates.filter(pa.array(whole)), " ", "")
        digits = pc.replace_substring(digits, "-", "")
        valid[whole] = _nhs_check(digits.to_pylist())
    todo = np.flatnonzero(~whole)
    values = candidates.take(pa.array(todo))
    for _ in range(4):
        if not len(todo):
            break
        found = pc.extract_regex(values, _NHS_EXTRACT)
        has = np.asarray(pc.is_valid(found), dtype=bool)
        if not has.any():
            break
        keep = np.flatnonzero(has)
        groups = pc.replace_substring_regex(
            pc.struct_field(found.filter(pa.array(has)), "d"), "[- ]", ""
        )
        ok = _nhs_check(groups.to_pylist())
        valid[todo[keep[ok]]] = True
        retry = keep[~ok]
        todo = todo[retry]
        values = pc.replace_substring_regex(
            values.take(pa.array(retry)), _NHS_CANDIDATE, "", max_replacements=1
        )
    return valid


def _age_over_89(arr: pa.Array, scale: float) -> np.ndarray:
    """Mask of string values that are exact ages (or bands finer than '90+') over 89."""
    values = pd.Series(arr.to_pylist(), dtype=object)  # the few distinct ages
    num = pd.to_numeric(values.str.extract(_AGE_NUMBER)[0], errors="coerce")
    exact = (num / scale >= 90).to_numpy(dtype=bool, na_value=False)
    closed = values.str.extract(_AGE_CLOSED)
    low = pd.to_numeric(closed[0], errors="coerce")
    band = (low / scale >= 90).to_numpy(dtype=bool, na_value=False)
    open_ = values.str.extract(_AGE_OPEN).apply(pd.to_numeric, errors="coerce")
    above = (open_[0] > 90) | (open_[1] > 90) | (open_[2] >= 90)
    return exact | band | above.to_numpy(dtype=bool, na_value=False)


def _rows(col: pd.Series, mask: np.ndarray) -> tuple[int, int]:
    """(count, first position) of True in a row mask; (0, -1) when none."""
    n = int(mask.sum())
    return n, (int(np.argmax(mask)) if n else -1)


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


# ---------------------------------------------------------------------------
# Masking: one helper for every message of the package
# ---------------------------------------------------------------------------

#: Years that are no living person's year of birth (before 1900, or 1990 on).
_NOT_BIRTH_YEAR = r"(?:199[0-9]|2[0-9]{3}|[3-9][0-9]{3}|1[0-8][0-9]{2}|0[0-9]{3})"
#: Values that may be echoed as written: plain numbers of up to 6 digits, ISO dates from
#: 1990 on (the session dates the data holds), short codes (P0001, CLN-01, 90+, 40-49),
#: words without digits (gout, neck pain, upper_trapezius;masseter) - unless a detector
#: finds an identifier in them (a person's name is words without digits).
_ECHO_SAFE = (
    r"^ *(?:"
    r"[+-]?[0-9]{0,6}(?:[.,][0-9]{1,6})?(?:[eE][+-]?[0-9]{1,3})?"
    r"|" + _NOT_BIRTH_YEAR + r"[-/.][0-9]{1,2}[-/.][0-9]{1,2}(?:[ T][0-9:.+Z]{1,15})?"
    r"|[0-9]{1,2}[-/.][0-9]{1,2}[-/.]" + _NOT_BIRTH_YEAR + r"(?:[ T][0-9:.]{1,15})?"
    r"|\(?[+-]?[0-9]{1,6}(?:\.[0-9]*)?[+-][0-9]{0,6}(?:\.[0-9]*)?j\)?"
    r"|(?:199[0-9]|20[0-9]{2})(?:[-/][0-9]{1,2})?|[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?"
    r"|[0-9]{1,3} *(?:-|–|to|\+) *[0-9]{0,3}"
    r"|[A-Za-z]{0,4}[-_ ]?[0-9]{1,6}[A-Za-z]?"
    r"|[\p{L}][\p{L} _;/&+'’().,:-]{0,59}"
    r"|nan|NaN|NA|N/A|<NA>|None|NaT|inf|-inf"
    r") *$"
)


def _value_kinds(values: Sequence[object]) -> list[str | None]:
    """For each value (a header or a message's value), the first kind of identifier any
    value detector finds in it, or None. Used where one value is judged alone."""
    if not len(values):
        return []
    # text that is not valid Unicode (lone surrogates) is judged as its escaped form
    texts = [str(v).encode("utf-8", "backslashreplace").decode("utf-8") for v in values]
    arr = pa.array(texts, type=pa.string())
    checks: list[tuple[str, np.ndarray]] = [
        ("email", det.contains(arr, _EMAIL) | det.contains(arr, det.OBFUSCATED_EMAIL)),
        ("url", det.contains(arr, det.URL)),
        ("ip_address", det.contains(arr, det.IPV4) | det.contains(arr, det.IPV6)),
        ("ssn", det.contains(arr, _SSN)),
        ("phone", det.contains(arr, _PHONE)),
        ("postcode", det.contains(arr, _UK_POSTCODE_LOOSE) | det.contains(arr, _ZIP4)),
        ("date_of_birth", det.contains(arr, det.OLD_DATE)),
        ("medical_record_number", det.contains(arr, det.RECORD_PREFIX)),
        ("health_plan", det.contains(arr, det.MBI)),
        ("vehicle", det.contains(arr, det.PLATE)),
        ("photo", det.contains(arr, det.PHOTO)),
        ("ambiguous_number", det.contains(arr, r"[0-9]{7}")),
        ("person_name", det.person_names(arr)[0]),
        ("street_address", det.street_addresses(arr)[0]),
    ]
    out: list[str | None] = [None] * len(values)
    for kind, mask in reversed(checks):
        for i in np.flatnonzero(mask):
            out[int(i)] = kind
    return out


def mask_value(value: object) -> str:
    """A value with every letter and digit but the first of each word replaced by ``*``.

    The one way this package shows a value that could identify someone: messages name
    the row and column and show only the value's shape.

    Parameters
    ----------
    value : object
        Any value; it is turned into text first.

    Returns
    -------
    str
        The masked text (white space and punctuation kept).

    Examples
    --------
    >>> from tpdn_outcomes.privacy import mask_value
    >>> mask_value("Emma Garcia")
    'E*** G*****'
    >>> mask_value("Smith, John (DOB 1975-03-02)")
    'S****, J*** (D** 1***-0*-0*)'
    >>> mask_value(7700900123)
    '7*********'
    """
    out: list[str] = []
    start = True
    for ch in str(value):
        if ch.isalnum():
            out.append(ch if start else "*")
            start = False
        else:
            out.append(ch)
            start = True
    return "".join(out)


def could_identify(values: Sequence[object] | pd.Series) -> np.ndarray:
    """For each value, whether it could identify a person, and so must not be echoed.

    A value may be shown as written only when it has a harmless shape (a number of up
    to 6 digits, an ISO date from 1990 on, a short code such as ``P0001`` or ``CLN-01``,
    an age band, words without digits) **and** none of the guard's value detectors
    finds an identifier in it (person names, e-mail addresses, phone numbers, ...).
    Everything else is masked: this fails closed.

    Parameters
    ----------
    values : sequence or pandas.Series
        The values (turned into text; missing values are never identifying).

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> from tpdn_outcomes.privacy import could_identify
    >>> could_identify(["gout", "12", "Emma Garcia", "07700900123", "2025-13-01", "P0001"])
    array([False, False,  True,  True, False, False])
    """
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values.array)
    out = np.zeros(len(series), dtype=bool)
    present = series.notna().to_numpy(dtype=bool)
    if not present.any():
        return out
    text = series[present].astype(str)
    uniq = pd.unique(text.to_numpy())
    arr = pa.array(list(uniq), type=pa.string())
    risky = ~det.contains(arr, _ECHO_SAFE)
    # of the harmless shapes, words may be names (or spelled-out e-mails, web addresses)
    # and short codes record numbers (MRN001); numbers, dates and bands cannot identify
    words = np.flatnonzero(~risky & det.contains(arr, r"\p{L}"))
    if len(words):
        sub = arr.take(pa.array(words))
        full, single = det.person_names(sub)
        hit = full | single | det.surnames_only(sub)
        hit |= det.contains(sub, det.OBFUSCATED_EMAIL) | det.contains(sub, det.URL)
        hit |= det.contains(sub, det.RECORD_PREFIX)
        risky[words[hit]] = True
    bad = set(np.asarray(uniq)[risky].tolist())
    out[present] = text.isin(bad).to_numpy(dtype=bool)
    return out


def mask_values(values: Sequence[object] | pd.Series) -> pd.Series:
    """The values as text, each masked with :func:`mask_value` when :func:`could_identify`
    says it could identify someone (missing values stay missing).

    Examples
    --------
    >>> from tpdn_outcomes.privacy import mask_values
    >>> mask_values(["gout", "Emma Garcia", None]).tolist()
    ['gout', 'E*** G*****', <NA>]
    """
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values.array)
    text = series.astype("string")
    risky = could_identify(series)
    if risky.any():
        masked = [mask_value(v) if r else v for v, r in zip(text, risky, strict=True)]
        text = pd.Series(masked, dtype="string")
    return text.reset_index(drop=True)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def find_identifiers(
    frame: pd.DataFrame,
    *,
    source: str = "<DataFrame>",
    allow_columns: Iterable[str] = (),
    first_row: int = 2,
) -> pd.DataFrame:
    """Scan column names and values for direct identifiers; never raise for findings.

    The rules are listed in the module docstring (``help(tpdn_outcomes.privacy)``).
    Banded ages (``18-29`` ... ``80-89``, ``90+``) are preferred to exact ages;
    exact ages are refused only from 90 on (HIPAA Safe Harbor).

    Parameters
    ----------
    frame : pandas.DataFrame
        The data as read from the file (before any renaming is fine: names are
        matched on their words).
    source : str, default "<DataFrame>"
        The file name to put in the findings and messages.
    allow_columns : iterable of str, default ()
        Columns exempt from every check, matched case- and space-insensitively
        (lower case, runs of other characters to ``_``): use it to override a
        finding with intent, e.g. a column called ``contact_name`` that holds a
        clinic's role mailbox.
    first_row : int, default 2
        The row number, as a person counts rows in the file, of the frame's first
        row: with one header row the first data row is row 2, so positional index
        ``i`` is reported as ``i + first_row``.

    Returns
    -------
    pandas.DataFrame
        One row per column and kind found, in column order, with columns

        - ``file`` : ``source``;
        - ``column`` : the column as named in the frame;
        - ``kind`` : one of :data:`KINDS` (``person_name``, ``email``, ``phone``,
          ``ssn``, ``nhs_number``, ``national_id``, ``medical_record_number``,
          ``postcode``, ``street_address``, ``date_of_birth``, ``exact_age``,
          ``free_text``);
        - ``n_values`` : how many values in the column look like this kind (for
          a finding made from the column name alone: the non-missing values);
        - ``first_row`` : the file row of the first of them;
        - ``reason`` : what was found and the fix, in plain language.

        Empty (with these columns) when nothing is found. No identifying value
        appears anywhere in it.

    Raises
    ------
    TypeError
        If ``frame`` is not a DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> from tpdn_outcomes.privacy import find_identifiers
    >>> frame = pd.DataFrame({
    ...     "patient_id": ["P0001", "P0002", "P0003"],
    ...     "age_band": ["40-49", "90+", "93"],
    ...     "comments": ["", "", "call 020 7946 0958"],
    ...     "Email": ["a@example.org", None, "b@example.org"],
    ... })
    >>> found = find_identifiers(frame, source="export.csv")
    >>> found[["column", "kind", "n_values", "first_row"]]
         column       kind  n_values  first_row
    0  age_band  exact_age         1          4
    1  comments  free_text         1          4
    2  comments      phone         1          4
    3     Email      email         2          2
    >>> print(found.loc[2, "reason"])
    1 value looks like phone or fax numbers (first in row 4). Fix: remove the column, or
    replace the values with pseudonyms (e.g. P0001); if 'comments' is not an identifier,
    pass allow_columns=['comments'].
    >>> len(find_identifiers(frame, allow_columns=["AGE BAND", "comments", "email"]))
    0
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"find_identifiers expects a pandas DataFrame, got {type(frame).__name__}")
    allowed = {_normalise(c) for c in allow_columns}
    rows: list[dict[str, Any]] = []
    positions: list[int] = []
    sampled: list[str] = []
    names = [str(label) for label in frame.columns]
    header_kinds = [_value_kinds([n])[0] if _header_identifies(n) else None for n in names]
    skipped = {
        j for j, n in enumerate(names) if header_kinds[j] is None and _normalise(n) in allowed
    }
    frame_text = _FrameText(frame, skipped)
    for j, name in enumerate(names):
        shown = header_kinds[j] is None
        label = name if shown else column_label(name, j)
        if shown and _normalise(name) in allowed:
            continue
        col = frame.iloc[:, j]
        found: list[tuple[str, int, int, str]] = []
        if not shown:
            found.append((str(header_kinds[j]), 0, -1, "header"))
        if not is_boolean(col.dtype):
            found += _scan_column(name, col, sampled_out=sampled, ctx=(frame_text, j))
        for kind, n, pos, how in found:
            row = pos + first_row if pos >= 0 else 1
            positions.append(j)
            rows.append(
                {
                    "file": source,
                    "column": label,
                    "kind": kind,
                    "n_values": n,
                    "first_row": row,
                    "reason": _reason(label, kind, n, row, how, shown=shown),
                }
            )
    if not rows:
        out = _empty_findings()
    else:
        out = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
        out = out.astype({"n_values": "int64", "first_row": "int64"})
    #: the columns' positions in the frame (the ``column`` of a finding may be masked)
    out.attrs["positions"] = positions
    #: columns of which only a sample of candidate values was judged by a library
    out.attrs["sampled_columns"] = [
        c if not _header_identifies(c) else "<withheld>" for c in dict.fromkeys(sampled)
    ]
    return out


@functools.lru_cache(maxsize=4096)
def _header_identifies(text: str) -> bool:
    return _value_kinds([text])[0] is not None


def column_label(name: object, position: int | None = None) -> str:
    """How to name a column in a message: as it is, or masked with its position when the
    name itself could identify someone (an e-mail address or a person's name used as a
    header).

    Examples
    --------
    >>> from tpdn_outcomes.privacy import column_label
    >>> column_label("pain_pre", 3)
    'pain_pre'
    >>> column_label("jane.doe@example.org", 3)
    'column 4 (name withheld: j***.d**@e******.o**)'
    """
    text = str(name)
    if not _header_identifies(text):
        return text
    if position is None:
        return f"a column (name withheld: {mask_value(text)})"
    return f"column {position + 1} (name withheld: {mask_value(text)})"


def _reason(column: str, kind: str, n: int, row: int, how: str, *, shown: bool = True) -> str:
    """The plain-language finding. ``column`` is the name as it may be shown (masked when
    the name itself identifies, and then ``shown`` is False: a masked name cannot be
    passed to ``allow_columns``)."""
    desc = KINDS[kind]
    where = f"(first in row {row})"
    sampled = how.endswith("+sampled")
    how = how.removesuffix("+sampled")
    if how == "header":
        what = f"the column name itself looks like {desc}."
    elif how == "name":
        what = (
            f"the column name suggests {desc}; it has {n} non-missing "
            f"{_plural(n, 'value', 'values')} {where}."
        )
    elif how == "postcode_name":
        what = (
            f"the column name suggests postcodes or ZIP codes and {n} "
            f"{_plural(n, 'value is a full code', 'values are full codes')} {where}."
        )
    elif kind == "exact_age":
        what = (
            f"{n} {_plural(n, 'value is an exact age', 'values are exact ages')} of 90 or "
            f"over, or a band finer than '90+' {where}; ages over 89 must be the single "
            f"band '90+'."
        )
    elif kind == "free_text":
        what = (
            f"{n} {_plural(n, 'value looks', 'values look')} like free text (6 or more "
            f"words in a row) {where}."
        )
    else:
        what = f"{n} {_plural(n, 'value looks', 'values look')} like {desc} {where}."
    if sampled:
        what += (
            f" (The column has more than {det.MAX_CHECKED:,} candidate values; a random "
            f"sample of {det.MAX_CHECKED:,} was checked, so there may be more.)"
        )
    fix = _FIX.get(kind, _FIX_DEFAULT)
    if not shown:
        return (
            f"{what} Fix: rename the column (its name must not identify anyone), then "
            f"{fix[0].lower()}{fix[1:]}."
        )
    if kind == "ambiguous_number" or how == "digits":
        if kind != "ambiguous_number":
            what += " Unbroken numbers could also be codes of another kind."
        return (
            f"{what} Fix: {_FIX['ambiguous_number']}, pass allow_columns=[{column!r}] (on "
            f"the command line: --allow-column {column!r})."
        )
    return (
        f"{what} Fix: {fix}; if {column!r} is not an identifier, pass allow_columns=[{column!r}]."
    )


def _scan_column(
    name: str,
    col: pd.Series,
    *,
    sampled_out: list[str] | None = None,
    ctx: tuple[_FrameText, int] | None = None,
) -> list[tuple[str, int, int, str]]:
    """Findings for one column as (kind, n_values, first position, how)."""
    found = _scan_column_base(name, col)
    more = _scan_values(name, col, {f[0] for f in found}, sampled_out, ctx)
    return found + more


def _scan_column_base(name: str, col: pd.Series) -> list[tuple[str, int, int, str]]:
    """Findings of the first guard: names, and the RE2 patterns on text values."""
    tokens = _tokens(name)
    found: list[tuple[str, int, int, str]] = []
    kind = _name_kind(tokens)

    # distinct non-missing values, as given (for isin) and as pyarrow strings (for regex)
    is_cat = isinstance(col.dtype, pd.CategoricalDtype)
    uniq = pd.Series([], dtype=object)
    if is_cat:
        cats = pd.Series(col.cat.categories)
        if _is_text_dtype(cats.dtype):
            uniq = cats
    elif _is_text_dtype(col.dtype):
        try:
            uniq = pd.Series(col.unique()).dropna().reset_index(drop=True)
        except TypeError:  # unhashable objects (lists, dicts): scan their text
            col = col.where(col.isna(), col.astype(str))
            uniq = pd.Series(col.unique()).dropna().reset_index(drop=True)
    text = _as_arrow(uniq) if len(uniq) else None

    def rows_of(mask: np.ndarray) -> tuple[int, int]:
        """Count and first position of the rows holding the distinct values in mask."""
        if not mask.any():
            return 0, -1
        return _rows(col, col.isin(uniq[mask]).to_numpy(dtype=bool))

    def nonmissing() -> np.ndarray:
        """Rows that are neither missing nor blank."""
        mask = col.notna().to_numpy(dtype=bool)
        if text is not None:
            blank = _contains(text, _BLANK)
            if blank.any():
                mask = mask & ~col.isin(uniq[blank]).to_numpy(dtype=bool)
        return mask

    numeric = pd.api.types.is_numeric_dtype(col.dtype) and not is_cat

    # -- rules from the column name ------------------------------------------------
    if kind == "postcode":
        if text is not None:
            n, pos = rows_of(~_contains(text, _PARTIAL_POSTCODE) & ~_contains(text, _BLANK))
        elif numeric:
            v = _numbers(col)
            n, pos = _rows(col, ~np.isnan(v) & ~((v >= 0) & (v < 1000) & (v == np.floor(v))))
        else:
            n, pos = _rows(col, nonmissing())
        if n:
            found.append(("postcode", n, pos, "postcode_name"))
    elif kind is not None:
        n, pos = _rows(col, nonmissing())
        if n:
            found.append((kind, n, pos, "name"))
    if _is_age_name(tokens) and kind is None:
        scale = _age_scale(tokens)
        if numeric:
            v = _numbers(col)
            with np.errstate(invalid="ignore"):
                n, pos = _rows(col, v / scale >= 90)
        elif text is not None:
            n, pos = rows_of(_age_over_89(text, scale))
        else:
            n = 0
        if n:
            found.append(("exact_age", n, pos, "values"))

    # -- rules on the values of text columns ---------------------------------------
    if text is None:
        return found
    named = {f[0] for f in found}
    location = any(t in _LOCATION_WORDS for t in tokens)
    n_text = len(text)
    alnum = np.asarray(pc.utf8_is_alnum(text), dtype=bool)
    if location:
        at = ws = digity = np.ones(n_text, dtype=bool)
    else:
        at = np.zeros(n_text, dtype=bool)
        ws = np.zeros(n_text, dtype=bool)
        digity = alnum & np.asarray(pc.utf8_is_digit(text), dtype=bool)
        digity &= np.asarray(pc.utf8_length(text), dtype=np.int64) == 10
        rest = np.flatnonzero(~alnum)
        if len(rest):
            rest = rest[_contains(text.take(pa.array(rest)), _PREFILTER)]
        if len(rest):
            sub_rest = text.take(pa.array(rest))
            at[rest] = np.asarray(pc.match_substring(sub_rest, _HAS_AT), dtype=bool)
            ws[rest] = _contains(sub_rest, _HAS_WS)
            digity[rest] = _contains(sub_rest, _HAS_DIGIT_GROUPS)

    def search(where: np.ndarray, pattern: str) -> np.ndarray:
        """Mask over all distinct values: pattern found, searched only ``where``."""
        out = np.zeros(n_text, dtype=bool)
        idx = np.flatnonzero(where)
        if len(idx):
            out[idx] = _contains(text.take(pa.array(idx)), pattern)
        return out

    masks: dict[str, np.ndarray] = {}
    masks["email"] = search(at, _EMAIL)
    masks["ssn"] = search(digity, _SSN)
    nhs_cand = np.flatnonzero(search(digity, _NHS_CANDIDATE))
    nhs = np.zeros(n_text, dtype=bool)
    if len(nhs_cand):
        valid = _nhs_valid(text.take(pa.array(nhs_cand)))
        n_cand, n_valid = len(nhs_cand), int(valid.sum())
        if n_valid and (n_cand < _NHS_MIN_CANDIDATES or n_valid >= 0.5 * n_cand):
            nhs[nhs_cand[valid]] = True
    masks["nhs_number"] = nhs
    masks["phone"] = search(digity, _PHONE) & ~nhs
    post = search(ws, _UK_POSTCODE) | search(digity, _ZIP4)
    if location:
        post |= search(alnum | ws, _UK_POSTCODE_LOOSE) | search(digity, _ZIP5)
    masks["postcode"] = post
    long_text = search(ws, _WORDS6)
    if long_text.any() and "free_text" not in named:
        long_rows = col.isin(uniq[long_text]).to_numpy(dtype=bool)
        n_long = int(long_rows.sum())
        n_distinct = int(long_text.sum())
        n_nonempty = int(nonmissing().sum())
        if 2 * n_long >= n_nonempty and (2 * n_distinct >= n_long or n_distinct >= 100):
            n, pos = _rows(col, long_rows)
            found.append(("free_text", n, pos, "values"))

    order = ("email", "phone", "ssn", "nhs_number", "postcode")
    for k in order:
        if k in named or not masks[k].any():
            continue
        n, pos = rows_of(masks[k])
        if n:
            found.append((k, n, pos, "values"))
    return found


_PERSON_HEADER_WORDS = frozenset(
    """therapist therapists clinician clinicians practitioner practitioners physician doctor
    dr provider providers staff treated treating seen referrer referring referred gp
    behandelaar therapeut fysiotherapeut arts huisarts behandler arzt therapeutin
    medecin kine kinesitherapeute praticien terapeuta fisioterapeuta medico
    fisioterapista terapista contact author user username owner signed signature
    witness carer caregiver guardian parent mother father spouse partner""".split()
)
_ID_WORDS = frozenset(
    "id ids pid patient patients subject participant pseudonym identifier code client "
    "study record nummer nr no number".split()
)


def _text_of(col: pd.Series) -> tuple[pd.Series, pa.Array | None]:
    """Distinct non-missing values of a column as text (pandas and pyarrow)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        uniq = pd.Series(col.cat.categories)
    else:
        try:
            uniq = pd.Series(col.unique())
        except TypeError:
            uniq = pd.Series(col.astype(str).unique())
    uniq = uniq[uniq.notna()].reset_index(drop=True)
    if not len(uniq):
        return uniq, None
    if pd.api.types.is_datetime64_any_dtype(uniq.dtype):
        return uniq, None
    return uniq, _as_arrow(uniq)


class _FrameText:
    """The distinct text values of all text columns of a frame in one array, so that each
    pattern is compiled and run once per frame rather than once per column."""

    def __init__(self, frame: pd.DataFrame, skip: set[int]) -> None:
        self.texts: dict[int, tuple[pd.Series, pa.Array]] = {}
        self.spans: dict[int, tuple[int, int]] = {}
        parts: list[pa.Array] = []
        pos = 0
        for j in range(frame.shape[1]):
            if j in skip:
                continue
            col = frame.iloc[:, j]
            dtype = (
                col.cat.categories.dtype
                if isinstance(col.dtype, pd.CategoricalDtype)
                else col.dtype
            )
            if is_boolean(dtype) or pd.api.types.is_numeric_dtype(dtype):
                continue
            if pd.api.types.is_datetime64_any_dtype(dtype):
                continue
            uniq, text = _text_of(col)
            if text is None or not len(text):
                continue
            text = text.cast(pa.string()) if text.type != pa.string() else text
            self.texts[j] = (uniq, text)
            self.spans[j] = (pos, pos + len(text))
            parts.append(text)
            pos += len(text)
        self.all = pa.concat_arrays(parts) if parts else pa.array([], type=pa.string())
        self.cache: dict[str, Any] = {}
        # values with punctuation or spaces; pseudonyms such as P00001 have none
        self.alnum = np.asarray(pc.fill_null(pc.utf8_is_alnum(self.all), False), dtype=bool)
        self.punct_idx = np.flatnonzero(~self.alnum)
        self.punct = self.all.take(pa.array(self.punct_idx)) if len(self.all) else self.all

    def contains(self, j: int, pattern: str, *, punct_only: bool = False) -> np.ndarray:
        """``pattern`` found in column ``j``'s values; with ``punct_only``, searched only
        in values with a space or punctuation (the pattern cannot match the others)."""
        key = ("p:" if punct_only else "a:") + pattern
        if key not in self.cache:
            if punct_only:
                mask = np.zeros(len(self.all), dtype=bool)
                mask[self.punct_idx] = det.contains(self.punct, pattern)
            else:
                mask = det.contains(self.all, pattern)
            self.cache[key] = mask
        a, b = self.spans[j]
        return np.asarray(self.cache[key][a:b])

    def names(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if "<names>" not in self.cache:
            full, single = det.person_names(self.all)
            self.cache["<names>"] = (full, single, det.surnames_only(self.all))
        a, b = self.spans[j]
        full, single, last = self.cache["<names>"]
        return full[a:b], single[a:b], last[a:b]


def _scan_values(
    name: str,
    col: pd.Series,
    named: set[str],
    sampled_out: list[str] | None,
    ctx: tuple[_FrameText, int] | None = None,
) -> list[tuple[str, int, int, str]]:
    """Findings of the value detectors backed by libraries (see ``tpdn_outcomes._detect``): person
    names, national ids and phone numbers without separators, addresses, dates of birth,
    URLs, IP addresses, health-plan numbers, plates, photos, in every column of any type.
    """
    tokens = _tokens(name)
    found: list[tuple[str, int, int, str]] = []
    sampled = False
    is_cat = isinstance(col.dtype, pd.CategoricalDtype)
    base_dtype = col.cat.categories.dtype if is_cat else col.dtype

    # a session date before 1990 is a data error (date_out_of_range), not a date of birth
    session_dates = _is_session_date_name(name)

    def add(kind: str, n: int, pos: int, how: str = "values") -> None:
        if n and kind not in named and kind not in {f[0] for f in found}:
            found.append((kind, n, pos, how + "+sampled" if sampled else how))

    # -- datetimes: dates before 1990 (the earliest session date) are dates of birth ----
    if pd.api.types.is_datetime64_any_dtype(base_dtype):
        values = pd.to_datetime(pd.Series(np.asarray(col, dtype=object))) if is_cat else col
        if not session_dates:
            earliest = pd.Timestamp(schema_min_date())
            tz = getattr(values.dtype, "tz", None)  # time-zone aware columns compare in theirs
            if tz is not None:
                earliest = earliest.tz_localize(tz)
            old = (values < earliest).to_numpy(dtype=bool, na_value=False)
            add("date_of_birth", *_rows(col, old))
        return found

    # -- numbers: long integers are phone numbers or national ids, or ambiguous --------
    if pd.api.types.is_numeric_dtype(base_dtype) and not is_boolean(base_dtype):
        if not is_cat and not pd.api.types.is_complex_dtype(base_dtype):
            # most numeric columns (scores, counts) hold no number of 8 digits or more:
            # two reductions decide it without copying the column
            bound = _abs_bound(col)
            if bound is not None and bound < 19000101:
                return found
        v = _numbers(pd.Series(np.asarray(col, dtype=object)) if is_cat else col)
        uniq_num = pd.unique(v[~np.isnan(v)])
        whole = uniq_num[(uniq_num == np.floor(uniq_num)) & (np.abs(uniq_num) < 1e15)]
        dates = whole[(whole >= 19000101) & (whole <= 19891231)]
        if len(dates) and not session_dates:
            text_dates = pa.array([str(int(d)) for d in dates], type=pa.string())
            old = dates[det.contains(text_dates, det.OLD_DATE)]
            if len(old):
                add("date_of_birth", *_rows(col, np.isin(v, old)))
        long = whole[np.abs(whole) >= 1e8]
        if len(long):
            idx, was_sampled = det.sample_positions(np.arange(len(long)))
            sampled = sampled or was_sampled
            kinds = list(
                _checksums_in_context(
                    np.array(
                        [det.classify_digits(str(abs(int(x)))) for x in long[idx]], dtype=object
                    )
                )
            )
            for kind in ("nhs_number", "ssn", "national_id", "phone", "ambiguous_number"):
                hit = long[idx][[k == kind for k in kinds]]
                if len(hit):
                    add(kind, *_rows(col, np.isin(v, hit)), "digits")
        if sampled and sampled_out is not None:
            sampled_out.append(name)
        return found

    if ctx is None:
        ctx = (_FrameText(col.to_frame(), set()), 0)
    frame_text, j = ctx
    if j not in frame_text.texts:
        return found
    uniq, text = frame_text.texts[j]
    n_text = len(text)

    def contains(pattern: str, punct_only: bool = False) -> np.ndarray:
        return frame_text.contains(j, pattern, punct_only=punct_only)

    def rows_of(mask: np.ndarray) -> tuple[int, int]:
        if not mask.any():
            return 0, -1
        if is_cat:
            codes = np.asarray(col.cat.codes)
            hit = np.flatnonzero(mask)
            return _rows(col, np.isin(codes, hit))
        return _rows(col, col.isin(uniq[mask]).to_numpy(dtype=bool))

    alnum = np.asarray(pc.utf8_is_alnum(text), dtype=bool)
    location = any(t in _LOCATION_WORDS for t in tokens)
    id_column = any(t in _ID_WORDS for t in tokens)
    person_header = any(t in _PERSON_HEADER_WORDS for t in tokens)
    vehicle_header = _name_kind(tokens) == "vehicle"

    # e-mail addresses written out ("jane at gmail dot com"), URLs, IP addresses
    add("email", *rows_of(contains(det.OBFUSCATED_EMAIL, True)))
    add("url", *rows_of(contains(det.URL, True)))
    add("ip_address", *rows_of(contains(det.IPV4, True) | contains(det.IPV6, True)))

    # unbroken runs of 9-13 digits: checksummed ids, phone numbers, or ambiguous codes
    long = contains(det.LONG_DIGITS)
    if long.any():
        idx, was_sampled = det.sample_positions(np.flatnonzero(long))
        sampled = sampled or was_sampled
        digits = text.take(pa.array(idx)).to_pylist()
        digit_kinds = _checksums_in_context(
            np.array([det.classify_digits(str(d).strip()) for d in digits], dtype=object)
        )
        for kind in ("nhs_number", "ssn", "national_id", "phone", "ambiguous_number"):
            mask = np.zeros(n_text, dtype=bool)
            mask[idx[digit_kinds == kind]] = True
            add(kind, *rows_of(mask), "digits")
    # phone numbers inside longer text, as libphonenumber finds them
    cand = contains(det.DIGITS_IN_TEXT, True) & ~long & ~alnum
    cand &= ~contains("^ *" + _NHS_DIGITS + " *$", True) & ~contains(_SSN, True)
    cand &= ~contains(det.ISO_DATETIME, True)
    if cand.any() and "phone" not in named:
        hit, was_sampled = det.judge(text, cand, det.phone_in_text)
        sampled = sampled or was_sampled
        add("phone", *rows_of(hit))

    # record numbers with their prefix, Medicare beneficiary identifiers
    add("medical_record_number", *rows_of(contains(det.RECORD_PREFIX)))
    add("health_plan", *rows_of(contains(det.MBI)))

    # dates of birth: a full date before 1990; in an id column any full date
    old = contains(det.OLD_DATE) if not session_dates else np.zeros(n_text, dtype=bool)
    if id_column:
        old |= contains(det.ANY_DATE)
    add("date_of_birth", *rows_of(old))

    # postcodes in any spelling as the whole value
    post = contains(r"(?i)^ *" + _UK_OUTWARD + r" ?[0-9][ABD-HJLNP-UW-Z]{2} *$")
    if post.any() and (location or n_text < 20 or post.sum() >= 0.1 * n_text):
        add("postcode", *rows_of(post))

    # vehicle plates, photo file names
    add(
        "vehicle",
        *rows_of(contains(det.PLATE_LOOSE, False) if vehicle_header else contains(det.PLATE, True)),
    )
    add("photo", *rows_of(contains(det.PHOTO, True)))

    # street addresses
    euro = contains(det.EURO_STREET, True)
    addr, was_sampled = det.judge(text, contains(det.US_STREET, True) & ~euro, det.usaddress_says)
    addr |= euro
    sampled = sampled or was_sampled
    add("street_address", *rows_of(addr))

    # person names: full names anywhere; single names where the column holds names
    full, single, last = frame_text.names(j)
    names_mask = full.copy()
    # one-word names: in a pseudonym or person column any; elsewhere a column mostly of
    # first names (not place or thing columns: Lyon, Leeds are surnames too)
    if id_column or person_header:
        names_mask |= single | last
    elif single.any() and not location and not any(t in _NON_PERSON_QUALIFIERS for t in tokens):
        words = ~alnum | np.asarray(pc.utf8_is_alpha(text), dtype=bool)
        if single.sum() >= 2 and 2 * single.sum() >= int(words.sum()):
            names_mask |= single
    add("person_name", *rows_of(names_mask))

    if sampled and sampled_out is not None:
        sampled_out.append(name)
    return found


def _checksums_in_context(kinds: np.ndarray) -> np.ndarray:
    """About 1 in 11 random 10-digit codes pass the NHS check (and 1 in 11 random 9-digit
    codes the BSN 11-test): in a column of 20 or more long numbers, a checksum kind is
    kept only when at least half of them pass it; otherwise they are ambiguous numbers
    (and refused as such). Real NHS numbers all pass."""
    kinds = kinds.copy()
    if len(kinds) >= _NHS_MIN_CANDIDATES:
        for kind in ("nhs_number", "national_id"):
            hit = kinds == kind
            if hit.any() and hit.sum() < 0.5 * len(kinds):
                kinds[hit] = "ambiguous_number"
    return kinds


def _abs_bound(col: pd.Series) -> float | None:
    """An upper bound of the absolute values of a numeric column, from its numpy buffer
    without a copy (for a masked column the buffer's hidden slots count too, which can
    only make the bound larger); None when there is no such buffer."""
    import warnings

    data = getattr(col.array, "_data", None)
    if not isinstance(data, np.ndarray):
        data = np.asarray(col.array) if isinstance(col.array, np.ndarray) else None
    if data is None:
        if isinstance(col.array, pd.arrays.NumpyExtensionArray):
            data = col.array.to_numpy()
        else:
            return None
    if data.dtype.kind not in "iuf":
        return None
    if not data.size:
        return 0.0
    if data.dtype.kind == "f":
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanmin(data), np.nanmax(data)
        if np.isnan(lo):
            return 0.0
    else:
        lo, hi = data.min(), data.max()
    return max(abs(float(lo)), abs(float(hi)))


def _is_session_date_name(name: str) -> bool:
    """The column is the session date by name (an alias of ``session_date``)."""
    from tpdn_outcomes.schema import COLUMN_ALIASES

    return COLUMN_ALIASES.get(_normalise(name)) == "session_date"


def schema_min_date() -> str:
    """The earliest session date the contract accepts (dates before it look like births)."""
    from tpdn_outcomes.schema import MIN_SESSION_DATE

    return MIN_SESSION_DATE


def check_identifiers(
    frame: pd.DataFrame,
    *,
    source: str = "<DataFrame>",
    allow_columns: Iterable[str] = (),
    first_row: int = 2,
) -> None:
    """Refuse data that carries direct identifiers.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data as read from the file.
    source : str, default "<DataFrame>"
        The file name to put in the message.
    allow_columns : iterable of str, default ()
        Columns exempt from every check (see :func:`find_identifiers`).
    first_row : int, default 2
        File row number of the frame's first row (header is row 1).

    Returns
    -------
    None
        When nothing is found.

    Raises
    ------
    IdentifierError
        When :func:`find_identifiers` finds anything. The message names the file,
        every column, the kind, how many values and the first row, and the fix
        (including ``allow_columns``); it never contains an identifying value.
        The findings table is kept as ``.findings``.

    Examples
    --------
    >>> import pandas as pd
    >>> from tpdn_outcomes.privacy import IdentifierError, check_identifiers
    >>> clean = pd.DataFrame({"patient_id": ["P0001", "P0002"], "age_band": ["40-49", "90+"]})
    >>> check_identifiers(clean, source="clean.csv")
    >>> bad = pd.DataFrame({"patient_id": ["P0001", "P0002"], "DOB": ["1950-01-02", None]})
    >>> try:
    ...     check_identifiers(bad, source="export.csv")
    ... except IdentifierError as err:
    ...     print(err)
    ...     print(err.findings["kind"].tolist())
    export.csv carries direct identifiers in 1 column, so it cannot be loaded:
      - column 'DOB' (date_of_birth): the column name suggests dates of birth; it has 1
        non-missing value (first in row 2). Fix: remove the column, or replace it with an
        age band such as '40-49' ('90+' for anyone over 89); if 'DOB' is not an
        identifier, pass allow_columns=['DOB'].
    Remove these columns or replace their values with pseudonyms or bands. If a column
    is not an identifier, say so with allow_columns=['DOB'].
    ['date_of_birth']
    """
    findings = find_identifiers(
        frame, source=source, allow_columns=allow_columns, first_row=first_row
    )
    if findings.empty:
        return
    columns = list(dict.fromkeys(findings["column"]))
    lines = [
        f"{source} carries direct identifiers in {len(columns)} "
        f"{_plural(len(columns), 'column', 'columns')}, so it cannot be loaded:"
    ]
    for rec in findings.itertuples(index=False):
        lines.append(f"  - column {rec.column!r} ({rec.kind}): {rec.reason}")
    lines.append(
        "Remove these columns or replace their values with pseudonyms or bands. If a column "
        f"is not an identifier, say so with allow_columns={columns!r}."
    )
    raise IdentifierError("\n".join(lines), findings)


def suppress_small_cells(
    counts: pd.Series | np.ndarray | Sequence[float], *, min_cell: int = 11
) -> np.ndarray:
    """Mark report cells that count too few patients to be shown.

    A cell is suppressed when ``0 < count < min_cell``. Zero is **not**
    suppressed: a zero reveals no individual, and disclosure-control policies
    such as the CMS cell size suppression policy (suppress counts of 1 to 10)
    allow it to be shown. Missing counts are not suppressed (there is nothing to
    show). Complementary suppression (hiding further cells so that a suppressed
    one cannot be worked out from totals) is not done here.

    Parameters
    ----------
    counts : pandas.Series, numpy.ndarray or sequence of numbers
        Patient counts, of any shape.
    min_cell : int, default 11
        The smallest count that may be shown.

    Returns
    -------
    numpy.ndarray of bool
        Same shape as ``counts``; True where the cell must be suppressed.

    Raises
    ------
    ValueError
        If ``min_cell`` is less than 1 or a count is negative.

    Examples
    --------
    >>> from tpdn_outcomes.privacy import suppress_small_cells
    >>> suppress_small_cells([0, 1, 10, 11, 250])
    array([False,  True,  True, False, False])
    >>> suppress_small_cells([3, 5, 6], min_cell=5)
    array([ True, False, False])
    """
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise ValueError(f"min_cell must be a whole number of at least 1, got {min_cell!r}")
    if isinstance(counts, (pd.Series, pd.Index, pd.DataFrame)):
        values = counts.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = np.asarray(counts, dtype=float)
    if np.any(values < 0):
        raise ValueError("counts must not be negative")
    return np.asarray((values > 0) & (values < min_cell), dtype=bool)
