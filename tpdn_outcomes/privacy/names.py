"""The column-name rules of the identifier guard: what a column's name says it holds.

A name is split into words (:func:`name_tokens`) and :func:`name_kind` says which kind of
direct identifier, if any, the name announces (the table of the module docstring of
:mod:`tpdn_outcomes.privacy`; other languages in :mod:`~tpdn_outcomes.privacy.header_words`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from tpdn_outcomes._detect import fold
from tpdn_outcomes.privacy.header_words import HEADER_WORDS, WHOLE_ONLY

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def normalise(name: object) -> str:
    """Lower case, runs of other characters to ``_`` (as ``schema.normalise_name``)."""
    return _NON_ALNUM.sub("_", str(name).strip().lower()).strip("_")


def name_tokens(name: object) -> tuple[str, ...]:
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
NON_PERSON_QUALIFIERS: frozenset[str] = frozenset(
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
            if len(stem) >= 3 and stem not in NON_PERSON_QUALIFIERS:
                return True
            continue
        qualifier = None
        if i > 0:
            qualifier = tokens[i - 1]
        elif i + 2 < len(tokens) and tokens[i + 1] == "of":
            qualifier = tokens[i + 2]
        if qualifier is None or qualifier not in NON_PERSON_QUALIFIERS:
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


def _foreign_kind(tokens: Sequence[str]) -> str | None:
    """The kind a name announces in the languages of ``HEADER_WORDS``, or None."""
    if not tokens:
        return None
    joined = "".join(tokens)
    for kind, phrases, compounds in HEADER_WORDS:
        for phrase in phrases:
            if phrase in WHOLE_ONLY:
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
def name_kind(tokens: tuple[str, ...]) -> str | None:
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


def is_age_name(tokens: Sequence[str]) -> bool:
    return any(t in _AGE_WORDS or (t.startswith("age") and t[3:] in _AGE_SUFFIXES) for t in tokens)


def age_scale(tokens: Sequence[str]) -> float:
    """Divide by this to get years (a name with months / weeks / days)."""
    if any(t in ("month", "months", "mo", "mos", "mths") for t in tokens):
        return 12.0
    if any(t in ("week", "weeks", "wk", "wks") for t in tokens):
        return 52.1775
    if any(t in ("day", "days") for t in tokens):
        return 365.25
    return 1.0


LOCATION_WORDS = frozenset(
    "location residence home city town county state region area district locality geo "
    "geography place hometown address zip postcode postal".split()
)
