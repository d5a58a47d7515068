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

The values of every text column (``object``, ``str``/``string`` and
categorical columns of strings; numeric, date and boolean columns are not
scanned) are searched for:

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

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "FINDING_COLUMNS",
    "KINDS",
    "IdentifierError",
    "check_identifiers",
    "find_identifiers",
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
}

_FIX: dict[str, str] = {
    "date_of_birth": "remove the column, or replace it with an age band such as '40-49' "
    "('90+' for anyone over 89)",
    "postcode": "remove the column, or coarsen the values to a UK postcode district "
    "(e.g. 'SW1A') or the first 3 digits of a ZIP code",
    "exact_age": "replace exact ages with bands such as '80-89' and a single '90+' band",
    "free_text": "remove the column (free text can name people, places and dates)",
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
    """Split a column name into lower-case words, dropping trailing digits of a word."""
    words = _NON_ALNUM.split(_CAMEL.sub("_", str(name)).lower())
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


def _name_kind(tokens: Sequence[str]) -> str | None:
    """The kind a column name announces, or None. First match wins, in this order."""
    num = _NUMBERISH
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


def _is_age_name(tokens: Sequence[str]) -> bool:
    return any(t == "age" or (t.startswith("age") and t[3:] in _AGE_SUFFIXES) for t in tokens)


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
    for j, label in enumerate(frame.columns):
        name = str(label)
        if _normalise(name) in allowed:
            continue
        col = frame.iloc[:, j]
        if is_boolean(col.dtype):
            continue
        for kind, n, pos, how in _scan_column(name, col):
            rows.append(
                {
                    "file": source,
                    "column": name,
                    "kind": kind,
                    "n_values": n,
                    "first_row": pos + first_row,
                    "reason": _reason(name, kind, n, pos + first_row, how),
                }
            )
    if not rows:
        return _empty_findings()
    out = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    return out.astype({"n_values": "int64", "first_row": "int64"})


def _reason(column: str, kind: str, n: int, row: int, how: str) -> str:
    desc = KINDS[kind]
    where = f"(first in row {row})"
    if how == "name":
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
    fix = _FIX.get(kind, _FIX_DEFAULT)
    return (
        f"{what} Fix: {fix}; if {column!r} is not an identifier, pass allow_columns=[{column!r}]."
    )


def _scan_column(name: str, col: pd.Series) -> list[tuple[str, int, int, str]]:
    """Findings for one column as (kind, n_values, first position, how)."""
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
