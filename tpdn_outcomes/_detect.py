"""Value detectors of the identifier guard, backed by the field's libraries.

Private to :mod:`tpdn_outcomes.privacy`. Each detector takes the *distinct* values of
one column as a pyarrow string array and returns a boolean mask over them. Cheap
vectorised (RE2) passes pick candidates; the libraries then judge the candidates:

- python-stdnum: check digits of US Social Security numbers, UK NHS numbers and Dutch
  BSNs;
- phonenumbers (Google's libphonenumber): whether a run of digits can be a phone number
  of the UK, the US, the Netherlands, Germany, France, Spain, Italy or Portugal;
- usaddress (a conditional random field trained on US addresses): street addresses;
- the US Census 1990 first-name and surname lists (package ``names``) and the
  international first-name dictionary of ``gender-guesser`` (about 48,000 names of
  50 countries): person names.

Where a library judges values one by one (phonenumbers, usaddress), at most
:data:`MAX_CHECKED` candidates of a column are judged, a seeded random sample of them
when there are more; the caller says so in its finding.
"""

from __future__ import annotations

import functools
import os
import unicodedata
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Most candidates of one column judged one by one by a library (a sample beyond this).
MAX_CHECKED = 20_000

_SEED = 20261204


def fold(text: str) -> str:
    """Lower case without accents (``Prénom`` -> ``prenom``, ``Straße`` -> ``strasse``)."""
    text = text.replace("ß", "ss").replace("ẞ", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def contains(arr: pa.Array, pattern: str) -> np.ndarray:
    """Boolean mask: ``pattern`` (RE2 syntax) is found in each value."""
    if not len(arr):
        return np.zeros(0, dtype=bool)
    return np.asarray(pc.fill_null(pc.match_substring_regex(arr, pattern), False), dtype=bool)


def sample_positions(idx: np.ndarray, limit: int | None = None) -> tuple[np.ndarray, bool]:
    """At most ``limit`` (default :data:`MAX_CHECKED`) of the positions ``idx`` (a seeded
    random sample), and whether sampled."""
    limit = MAX_CHECKED if limit is None else limit
    if len(idx) <= limit:
        return idx, False
    rng = np.random.default_rng(_SEED)
    return np.sort(rng.choice(idx, size=limit, replace=False)), True


def judge(
    arr: pa.Array, candidates: np.ndarray, test: Callable[[str], bool]
) -> tuple[np.ndarray, bool]:
    """Mask over ``arr``: ``test`` passes on the value, judged on (a sample of) candidates."""
    out = np.zeros(len(arr), dtype=bool)
    idx, sampled = sample_positions(np.flatnonzero(candidates))
    if len(idx):
        values = arr.take(pa.array(idx)).to_pylist()
        out[idx] = [bool(v is not None and test(v)) for v in values]
    return out, sampled


# ---------------------------------------------------------------------------
# Person names
# ---------------------------------------------------------------------------

#: Words that are in a names list but, in this data, are far more likely something else.
_NOT_NAMES = frozenset(
    """
    side lot none left right upper lower middle major minor long short north south east
    west grace hope may june april august summer winter autumn spring joy faith will mark
    bill rose page star sunny dawn king prince baron duke lord lady the and van clinic
    clinics physio physiotherapy health care centre center practice hospital medical
    therapy therapist pain neck back head low knee hip shoulder elbow wrist foot ankle
    jaw muscle muscles needle needles point points trigger soreness bruising bleeding
    none other unknown female male yes no true false chiropractor physician nurse doctor
    st saint street road lane park hill green brook wood field
    city town village new old great little big red white black brown gray grey blue
    golden silver lake river bay port mount valley cross bridge gate house hall court
    unit team group service services network partners associates sports rehab wellness
    age band pre post score total count
    """.split()
)
#: Particles of surnames, skipped when counting words (van, de, von, ...).
_PARTICLES = frozenset(
    "van von der den de del della di da dos das du le la los las y e mc "
    "dr mr mrs ms miss mx prof sir dhr mevr herr frau mme mlle sr sra dott".split()
)


@functools.lru_cache(maxsize=1)
def gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, surnames), lower case without accents.

    First names: the US Census 1990 lists (5,163 names) and gender-guesser's
    dictionary (about 48,000 first names of 50 countries). Surnames: the US Census 1990
    list (88,799 names).
    """
    import gender_guesser
    import names as census

    first: set[str] = set()
    last: set[str] = set()
    base = os.path.dirname(census.__file__)
    for fname, target in (
        ("dist.female.first", first),
        ("dist.male.first", first),
        ("dist.all.last", last),
    ):
        with open(os.path.join(base, fname), encoding="ascii") as fh:
            target.update(line.split(" ", 1)[0].strip().lower() for line in fh if line.strip())
    path = os.path.join(os.path.dirname(gender_guesser.__file__), "data", "nam_dict.txt")
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line[:1] in "#=" or len(line) < 4:
                continue
            parts = line.split()
            if len(parts) >= 2:
                for word in parts[1].split("+"):
                    w = fold(word)
                    if len(w) >= 2 and w.isalpha():
                        first.add(w)
    return frozenset(first - _NOT_NAMES), frozenset(last - _NOT_NAMES)


@functools.lru_cache(maxsize=1)
def _gazetteer_arrays() -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    first, last = gazetteer()
    return (
        pa.array(sorted(first), type=pa.string()),
        pa.array(sorted(last), type=pa.string()),
        pa.array(sorted(_PARTICLES), type=pa.string()),
        pa.array(sorted(_NOT_NAMES), type=pa.string()),
    )


_LETTERS = r"[^\p{L}]+"
_NAME_SHAPE = r"^[\p{L}][\p{L} ,.'’_-]*[\p{L}.]$"


def person_names(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(full names, single first names) among distinct values.

    A *full name* is a value of letters only (with spaces, commas, dots, hyphens,
    apostrophes or underscores between them: ``Emma Garcia``, ``SMITH_JOHN``,
    ``Smith, J.``, ``Jan de Vries``) of 2 to 4 words, not counting particles, with a
    first name among them and, besides it, another first name or a surname or an
    initial, and no word that names something else in this data (``clinic``,
    ``physio``, ``left``, ...; see ``_NOT_NAMES``). A *single first name* is a
    one-word value that is a first name (``Emma``).
    """
    n = len(arr)
    full = np.zeros(n, dtype=bool)
    single = np.zeros(n, dtype=bool)
    if not n:
        return full, single
    shaped = np.flatnonzero(contains(arr, _NAME_SHAPE))
    if not len(shaped):
        return full, single
    # words joined by "_" only when written as names are (SMITH_JOHN, Smith_John), not
    # as a code or a column name is (age_band, upper_trapezius)
    coded = contains(arr.take(pa.array(shaped)), r"_") & ~contains(
        arr.take(pa.array(shaped)), r"^(?:\p{Lu}[\p{L}'’-]*_)+\p{Lu}[\p{L}'’-]*$"
    )
    shaped = shaped[~coded]
    if not len(shaped):
        return full, single
    sub = arr.take(pa.array(shaped))
    folded = pa.array([fold(v) for v in sub.to_pylist()], type=pa.string())
    words = pc.split_pattern_regex(folded, _LETTERS)
    flat = pc.list_flatten(words)
    parent = np.asarray(pc.list_parent_indices(words), dtype=np.int64)
    keep = np.asarray(pc.greater(pc.utf8_length(flat), 0), dtype=bool)
    if len(flat) > 200_000:  # Arrow's hash lookup pays for building its set only on many
        first_arr, last_arr, particles, stops = _gazetteer_arrays()
        particle = np.asarray(pc.is_in(flat, particles), dtype=bool)
        stop = np.asarray(pc.is_in(flat, stops), dtype=bool)
        is_first = np.asarray(pc.is_in(flat, first_arr), dtype=bool)
        is_last = np.asarray(pc.is_in(flat, last_arr), dtype=bool)
    else:
        first_set, last_set = gazetteer()
        words_list = flat.to_pylist()
        particle = np.array([w in _PARTICLES for w in words_list], dtype=bool)
        stop = np.array([w in _NOT_NAMES for w in words_list], dtype=bool)
        is_first = np.array([w in first_set for w in words_list], dtype=bool)
        is_last = np.array([w in last_set for w in words_list], dtype=bool)
    initial = np.asarray(pc.equal(pc.utf8_length(flat), 1), dtype=bool)
    counted = keep & ~particle
    m = len(shaped)
    n_words = np.bincount(parent[counted], minlength=m)
    n_stop = np.bincount(parent[counted & stop], minlength=m)
    n_first = np.bincount(parent[counted & is_first], minlength=m)
    n_named = np.bincount(parent[counted & (is_first | is_last | initial)], minlength=m)
    n_initial = np.bincount(parent[counted & initial], minlength=m)
    ok = n_stop == 0
    full_sub = ok & (n_words >= 2) & (n_words <= 4) & (n_first >= 1) & (n_named == n_words)
    full_sub &= n_initial < n_words  # not initials alone
    # a first name plus at least one more name word (a surname, another first name or an
    # initial)
    full_sub &= (n_named - n_first >= 1) | (n_first >= 2)
    # an initial and a surname, written as names are: "J. Smith", "Smith, J."
    n_last = np.bincount(parent[counted & is_last & ~initial], minlength=m)
    initial_shape = contains(
        sub, r"^(?:\p{Lu}\.? ?\p{Lu}[\p{Ll}'’-]+|\p{Lu}[\p{Ll}'’-]+, ?\p{Lu}\.?)$"
    )
    full_sub |= ok & initial_shape & (n_words == 2) & (n_initial == 1) & (n_last == 1)
    single_sub = ok & (n_words == 1) & (n_first == 1)
    full[shaped] = full_sub
    single[shaped] = single_sub
    return full, single


def surnames_only(arr: pa.Array) -> np.ndarray:
    """Capitalised one-word values that are surnames or first names (``Garcia``)."""
    n = len(arr)
    out = np.zeros(n, dtype=bool)
    cand = np.flatnonzero(contains(arr, r"^\p{Lu}\p{Ll}+(?:[-'’]\p{Lu}\p{Ll}+)?$"))
    if not len(cand):
        return out
    first_set, last_set = gazetteer()
    values = [fold(v) for v in arr.take(pa.array(cand)).to_pylist()]
    out[cand] = [v not in _NOT_NAMES and (v in last_set or v in first_set) for v in values]
    return out


# ---------------------------------------------------------------------------
# Numbers: phone numbers and checksummed national ids
# ---------------------------------------------------------------------------

_REGIONS = ("GB", "US", "NL", "DE", "FR", "ES", "IT", "PT")


def is_phone_digits(digits: str) -> bool:
    """An unbroken digit string (a leading 0, 00 or + kept) that can be a phone number.

    ``07700900123`` (UK mobile) and ``0201234567`` (Dutch landline) are; a number
    stored as an integer loses its leading 0, so ``7700900123`` is tried with the
    trunk 0 put back.
    """
    import phonenumbers

    d = digits.strip()
    if d.startswith("+") or d.startswith("00"):
        text = "+" + d.lstrip("+0") if d.startswith("00") else d
        try:
            return bool(phonenumbers.is_possible_number(phonenumbers.parse(text, None)))
        except phonenumbers.NumberParseException:
            return False
    tries = [d] if d.startswith("0") else [d, "0" + d]
    for t in tries:
        for region in _REGIONS:
            try:
                num = phonenumbers.parse(t, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(num):
                return True
            # fictional / reserved ranges (Ofcom's 07700 900xxx) are still phone-shaped
            if t.startswith("0") and region == "GB" and phonenumbers.is_possible_number(num):
                return True
    return False


def phone_in_text(text: str) -> bool:
    """libphonenumber finds a phone number in free text (UK, US, NL, DE, FR, ES, IT, PT)."""
    import phonenumbers

    for region in _REGIONS:
        for _ in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID
        ):
            return True
    return False


def classify_digits(digits: str) -> str:
    """The kind of an unbroken run of 9 to 13 digits.

    ``nhs_number`` (10 digits passing the NHS check digit), ``ssn`` (9 digits that
    python-stdnum accepts as a US SSN), ``national_id`` (a Dutch BSN: 9 digits passing
    the 11-test), ``phone`` (libphonenumber), else ``ambiguous_number``: a long code
    that cannot be told from an identifier.
    """
    from stdnum.gb import nhs
    from stdnum.nl import bsn
    from stdnum.us import ssn

    digits = digits.split(".")[0]  # 447700900123.0, as a float is written
    core = digits.lstrip("+")
    if len(core) == 10 and nhs.is_valid(core):
        return "nhs_number"
    if len(core) == 9 and ssn.is_valid(core):
        return "ssn"
    if len(core) == 9 and bsn.is_valid(core):
        return "national_id"
    if is_phone_digits(digits):
        return "phone"
    return "ambiguous_number"


# ---------------------------------------------------------------------------
# Street addresses
# ---------------------------------------------------------------------------

_STREET_TYPES = (
    "street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|court|ct|place|pl|crescent|"
    "terrace|boulevard|blvd|square|sq|gardens|grove|mews|hill|parkway|pkwy|highway|hwy"
)
#: Dutch, German, French, Spanish, Italian, Portuguese street forms with a house number.
EURO_STREET = (
    r"(?i)(?:\p{L}+(?:straat|weg|laan|plein|gracht|kade|singel|dijk|steeg|strasse|straße|"
    r"gasse|allee|platz|ring|damm)\.? *[0-9]{1,5}[a-z]?(?:$|[^0-9]))"
    r"|(?:(?:^|[^\p{L}])(?:rue|avenue|boulevard|chemin|impasse|calle|avenida|paseo|plaza|"
    r"via|viale|piazza|corso|rua|travessa|largo|praça|praca) (?:[\p{L}'.-]+ ){0,4}"
    r"[\p{L}'.-]+,? *(?:n[.ºo°]? *)?[0-9]{1,5})"
    r"|(?:(?:^|[^0-9])[0-9]{1,5},? (?:rue|avenue|boulevard|chemin|bis rue) \p{L})"
)
US_STREET = (
    r"(?i)(?:^|[^0-9])[0-9]{1,5}[a-z]?,? +(?:[\p{L}'.-]+ +){1,3}(?:"
    + _STREET_TYPES
    + r")\.?(?:$|[^\p{L}])"
)
_ADDRESS_CANDIDATE = r"[0-9].*\p{L}{2}|\p{L}{2}.*[0-9]"


def usaddress_says(text: str) -> bool:
    import usaddress

    try:
        tags, kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        return False
    return (
        kind == "Street Address"
        and "AddressNumber" in tags
        and "StreetName" in tags
        and ("StreetNamePostType" in tags or "StreetNamePreType" in tags)
    )


def street_addresses(arr: pa.Array) -> tuple[np.ndarray, bool]:
    """Street addresses among distinct values, and whether a sample was judged.

    European forms (``Kerkstraat 12``, ``12 rue de la Paix``, ``Via Roma 5``) are
    matched by pattern; English forms must match a pattern (a house number, a
    street name and a street type: ``12 Baker Street``) *and* be tagged a street
    address by usaddress.
    """
    euro = contains(arr, EURO_STREET)
    cand = contains(arr, US_STREET) & ~euro
    us, sampled = judge(arr, cand, usaddress_says)
    return euro | us, sampled


# ---------------------------------------------------------------------------
# Patterns (RE2) for the other classes
# ---------------------------------------------------------------------------

_B = r"(?:^|[^0-9A-Za-z])"
_E = r"(?:$|[^0-9A-Za-z])"

#: "jane at gmail dot com", "jane [at] gmail [dot] com", "jane(at)gmail.com"
OBFUSCATED_EMAIL = (
    r"(?i)[a-z0-9._%+-]+ *(?:[\[({<] *(?:at|@) *[\])}>]| at | ?@ ?) *[a-z0-9-]+"
    r"(?: *(?:[\[({<] *dot *[\])}>]| dot |\.) *[a-z0-9-]+)*"
    r" *(?:[\[({<] *dot *[\])}>]| dot ) *(?:com|org|net|edu|gov|info|io|[a-z]{2})"
    + _E
    + r"|[a-z0-9._%+-]+ *[\[({<] *(?:at|@) *[\])}>] *[a-z0-9-]+(?:\.[a-z0-9-]+)+"
)
URL = r"(?i)(?:^|[^a-z])(?:https?://|ftp://|www\.)[^ ]+|(?:^|[ /])[a-z0-9-]+\.(?:com|org|net|nl|de|fr|es|it|pt|be|io|co\.uk|org\.uk|me)/"
IPV4 = (
    _B + r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    r"(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}" + r"(?:$|[^0-9A-Za-z.])"
)
IPV6 = (
    r"(?i)(?:^|[^0-9a-z:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"
    r"|[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5}::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?"
    r"|::(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})(?:$|[^0-9a-z:])"
)
#: Medicare Beneficiary Identifier (CMS format: C A AN N A AN N A A N N; no S L O I B Z).
_MA = "[AC-HJKMNP-RT-Y]"
_MAN = "[AC-HJKMNP-RT-Y0-9]"
MBI = (
    r"(?i)"
    + _B
    + r"[1-9]"
    + _MA
    + _MAN
    + r"[0-9]-?"
    + _MA
    + _MAN
    + r"[0-9]-?"
    + _MA
    + _MA
    + r"[0-9]{2}"
    + _E
)
#: Photo and image file names.
PHOTO = r"(?i)\.(?:jpe?g|png|gif|heic|heif|tiff?|bmp|webp|dcm|raw|cr2|nef)(?:$|[?#\" ])"
#: Vehicle registration plates written as such: UK (AB12 CDE) and Dutch side codes.
PLATE = (
    r"^(?:[A-Z]{2}[0-9]{2} [A-Z]{3}"
    r"|[A-Z]{2}-[0-9]{2}-[A-Z]{2}|[0-9]{2}-[A-Z]{2}-[0-9]{2}|[0-9]{2}-[A-Z]{3}-[0-9]"
    r"|[A-Z]-[0-9]{3}-[A-Z]{2}|[A-Z]{2}-[0-9]{3}-[A-Z]|[0-9]-[A-Z]{3}-[0-9]{2}"
    r"|[A-Z]{3}-[0-9]{2}-[A-Z]|[0-9]{3}-[A-Z]{2}-[0-9])$"
)
PLATE_LOOSE = r"(?i)^ *[A-Z]{2}[0-9]{2} ?[A-Z]{3} *$|" + PLATE
#: A date of birth's year (1900-1989) in a full date: 1975-03-02, 02/03/1975, 19750302.
_DD = r"(?:0?[1-9]|[12][0-9]|3[01])"
_MM = r"(?:0?[1-9]|1[0-2])"
_OLD_YEAR = r"(?:19[0-8][0-9])"
OLD_DATE = (
    _B.replace("A-Za-z", "")
    + "(?:"
    + _OLD_YEAR
    + r"[-/.]"
    + _MM
    + r"[-/.]"
    + _DD
    + "|"
    + _DD
    + r"[-/.]"
    + _MM
    + r"[-/.]"
    + _OLD_YEAR
    + "|"
    + _OLD_YEAR
    + r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    + ")(?:$|[^0-9])"
)
#: Any full date (for values that must be pseudonyms: patient ids).
ANY_DATE = (
    r"(?:^|[^0-9])(?:(?:19|20)[0-9]{2}[-/.]"
    + _MM
    + r"[-/.]"
    + _DD
    + "|"
    + _DD
    + r"[-/.]"
    + _MM
    + r"[-/.](?:19|20)[0-9]{2}"
    + r"|(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))(?:$|[^0-9])"
)
#: A record number written with its prefix: MRN0012352, NHS-123..., HOSP 4455.
RECORD_PREFIX = (
    r"(?i)(?:^|[^a-z])(?:mrn|nhs|ssn|bsn|hosp|emr|ehr|medrec|med rec|chart|hn|urn|dossier)"
    r" ?[-_#:.]? ?[0-9]{3,}"
)
#: An unbroken run of 9 to 13 digits as the whole value (a leading + or 00 allowed).
LONG_DIGITS = r"^ *\+?[0-9]{9,13}(?:\.0+)? *$"
#: Digits enough for a phone number inside longer text, standing apart from other words.
DIGITS_IN_TEXT = r"(?:^|[ (+:,;])[0-9(+][0-9 ().-]{7,}[0-9](?:$|[ ).,;])"
#: A date or date-time alone (2025-03-14, 2025-03-14T09:30:00.000001).
ISO_DATETIME = r"^ *[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9:.+Z-]*)? *$"
