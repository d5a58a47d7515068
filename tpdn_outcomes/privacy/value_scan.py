"""The second pass of the identifier guard: value detectors backed by the field's
libraries (``tpdn_outcomes._detect``), in every column of any type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tpdn_outcomes import _detect as det
from tpdn_outcomes.privacy.frame_text import FrameText
from tpdn_outcomes.privacy.names import (
    LOCATION_WORDS,
    NON_PERSON_QUALIFIERS,
    name_kind,
    name_tokens,
    normalise,
)
from tpdn_outcomes.privacy.patterns import (
    NHS_DIGITS,
    NHS_MIN_CANDIDATES,
    SSN,
    UK_OUTWARD,
    as_numbers,
    count_rows,
    is_boolean,
)

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


Finding = tuple[str, int, int, str]  # (kind, n_values, first position, how)

#: The kinds an unbroken run of digits is judged to be, in the order they are reported.
_DIGIT_KINDS = ("nhs_number", "ssn", "national_id", "phone", "ambiguous_number")


def scan_values(
    name: str,
    col: pd.Series,
    named: set[str],
    sampled_out: list[str] | None,
    ctx: tuple[FrameText, int] | None = None,
) -> list[Finding]:
    """Findings of the value detectors backed by libraries (see ``tpdn_outcomes._detect``): person
    names, national ids and phone numbers without separators, addresses, dates of birth,
    URLs, IP addresses, health-plan numbers, plates, photos, in every column of any type.
    """
    found = _Found(named)
    is_cat = isinstance(col.dtype, pd.CategoricalDtype)
    base_dtype = col.cat.categories.dtype if is_cat else col.dtype

    # a session date before 1990 is a data error (date_out_of_range), not a date of birth
    session_dates = _is_session_date_name(name)

    if pd.api.types.is_datetime64_any_dtype(base_dtype):
        _scan_datetimes(found, col, is_cat, session_dates)
        return found.found
    if pd.api.types.is_numeric_dtype(base_dtype) and not is_boolean(base_dtype):
        _scan_numbers(found, col, is_cat, session_dates)
    else:
        if ctx is None:
            ctx = (FrameText(col.to_frame(), set()), 0)
        frame_text, j = ctx
        if j not in frame_text.texts:
            return found.found
        _scan_text(found, _TextColumn(col, is_cat, frame_text, j), name, session_dates)
    if found.sampled and sampled_out is not None:
        sampled_out.append(name)
    return found.found


class _Found:
    """The findings of one column, one per kind, each marked ``+sampled`` when a library
    had judged only a sample of the column's candidates by the time it was found."""

    def __init__(self, named: set[str]) -> None:
        self.named = named  # kinds the first pass found already
        self.found: list[Finding] = []
        self.sampled = False

    def add(self, kind: str, n: int, pos: int, how: str = "values") -> None:
        if n and kind not in self.named and kind not in {f[0] for f in self.found}:
            self.found.append((kind, n, pos, how + "+sampled" if self.sampled else how))

    def judged(self, was_sampled: bool) -> None:
        """A library judged the column's candidates, all of them or (``was_sampled``) a sample."""
        self.sampled = self.sampled or was_sampled


def _scan_datetimes(found: _Found, col: pd.Series, is_cat: bool, session_dates: bool) -> None:
    """Datetimes: dates before 1990 (the earliest session date) are dates of birth."""
    values = pd.to_datetime(pd.Series(np.asarray(col, dtype=object))) if is_cat else col
    if not session_dates:
        earliest = pd.Timestamp(schema_min_date())
        tz = getattr(values.dtype, "tz", None)  # time-zone aware columns compare in theirs
        if tz is not None:
            earliest = earliest.tz_localize(tz)
        old = (values < earliest).to_numpy(dtype=bool, na_value=False)
        found.add("date_of_birth", *count_rows(col, old))


def _scan_numbers(found: _Found, col: pd.Series, is_cat: bool, session_dates: bool) -> None:
    """Numbers: long integers are phone numbers or national ids, or ambiguous; whole
    numbers such as 19750302 are dates of birth."""
    base_dtype = col.cat.categories.dtype if is_cat else col.dtype
    if not is_cat and not pd.api.types.is_complex_dtype(base_dtype):
        # most numeric columns (scores, counts) hold no number of 8 digits or more:
        # two reductions decide it without copying the column
        bound = _abs_bound(col)
        if bound is not None and bound < 19000101:
            return
    v = as_numbers(pd.Series(np.asarray(col, dtype=object)) if is_cat else col)
    uniq_num = pd.unique(v[~np.isnan(v)])
    whole = uniq_num[(uniq_num == np.floor(uniq_num)) & (np.abs(uniq_num) < 1e15)]
    dates = whole[(whole >= 19000101) & (whole <= 19891231)]
    if len(dates) and not session_dates:
        text_dates = pa.array([str(int(d)) for d in dates], type=pa.string())
        old = dates[det.contains(text_dates, det.OLD_DATE)]
        if len(old):
            found.add("date_of_birth", *count_rows(col, np.isin(v, old)))
    long = whole[np.abs(whole) >= 1e8]
    if len(long):
        idx, was_sampled = det.sample_positions(np.arange(len(long)))
        found.judged(was_sampled)
        kinds = list(
            _checksums_in_context(
                np.array([det.classify_digits(str(abs(int(x)))) for x in long[idx]], dtype=object)
            )
        )
        for kind in _DIGIT_KINDS:
            hit = long[idx][[k == kind for k in kinds]]
            if len(hit):
                found.add(kind, *count_rows(col, np.isin(v, hit)), "digits")


class _TextColumn:
    """Column ``j`` of a :class:`FrameText`: its distinct values searched, and the rows
    that hold them counted."""

    def __init__(self, col: pd.Series, is_cat: bool, frame_text: FrameText, j: int) -> None:
        self.col, self.is_cat, self.frame_text, self.j = col, is_cat, frame_text, j
        self.uniq, self.text = frame_text.texts[j]
        self.n_text = len(self.text)
        self.alnum = np.asarray(pc.utf8_is_alnum(self.text), dtype=bool)

    def contains(self, pattern: str, punct_only: bool = False) -> np.ndarray:
        return self.frame_text.contains(self.j, pattern, punct_only=punct_only)

    def rows_of(self, mask: np.ndarray) -> tuple[int, int]:
        col = self.col
        if not mask.any():
            return 0, -1
        if self.is_cat:
            codes = np.asarray(col.cat.codes)
            hit = np.flatnonzero(mask)
            return count_rows(col, np.isin(codes, hit))
        return count_rows(col, col.isin(self.uniq[mask]).to_numpy(dtype=bool))


def _scan_text(found: _Found, tc: _TextColumn, name: str, session_dates: bool) -> None:
    """The detectors on a text column's distinct values, in the order they report."""
    tokens = name_tokens(name)
    location = any(t in LOCATION_WORDS for t in tokens)
    id_column = any(t in _ID_WORDS for t in tokens)
    contains, rows_of, add = tc.contains, tc.rows_of, found.add

    # e-mail addresses written out ("jane at gmail dot com"), URLs, IP addresses
    add("email", *rows_of(contains(det.OBFUSCATED_EMAIL, True)))
    add("url", *rows_of(contains(det.URL, True)))
    add("ip_address", *rows_of(contains(det.IPV4, True) | contains(det.IPV6, True)))

    long = _long_digits(found, tc)
    _phone_in_text(found, tc, long)

    # record numbers with their prefix, Medicare beneficiary identifiers
    add("medical_record_number", *rows_of(contains(det.RECORD_PREFIX)))
    add("health_plan", *rows_of(contains(det.MBI)))

    # dates of birth: a full date before 1990; in an id column any full date
    old = contains(det.OLD_DATE) if not session_dates else np.zeros(tc.n_text, dtype=bool)
    if id_column:
        old |= contains(det.ANY_DATE)
    add("date_of_birth", *rows_of(old))

    # postcodes in any spelling as the whole value
    post = contains(r"(?i)^ *" + UK_OUTWARD + r" ?[0-9][ABD-HJLNP-UW-Z]{2} *$")
    if post.any() and (location or tc.n_text < 20 or post.sum() >= 0.1 * tc.n_text):
        add("postcode", *rows_of(post))

    # vehicle plates, photo file names
    vehicle_header = name_kind(tokens) == "vehicle"
    add(
        "vehicle",
        *rows_of(contains(det.PLATE_LOOSE, False) if vehicle_header else contains(det.PLATE, True)),
    )
    add("photo", *rows_of(contains(det.PHOTO, True)))

    # street addresses
    euro = contains(det.EURO_STREET, True)
    addr, was_sampled = det.judge(
        tc.text, contains(det.US_STREET, True) & ~euro, det.usaddress_says
    )
    addr |= euro
    found.judged(was_sampled)
    add("street_address", *rows_of(addr))

    add("person_name", *rows_of(_person_names(tc, tokens, location=location, id_column=id_column)))


def _long_digits(found: _Found, tc: _TextColumn) -> np.ndarray:
    """Unbroken runs of 9-13 digits: checksummed ids, phone numbers, or ambiguous codes.
    Returns the mask of values holding such a run."""
    long = tc.contains(det.LONG_DIGITS)
    if long.any():
        idx, was_sampled = det.sample_positions(np.flatnonzero(long))
        found.judged(was_sampled)
        digits = tc.text.take(pa.array(idx)).to_pylist()
        digit_kinds = _checksums_in_context(
            np.array([det.classify_digits(str(d).strip()) for d in digits], dtype=object)
        )
        for kind in _DIGIT_KINDS:
            mask = np.zeros(tc.n_text, dtype=bool)
            mask[idx[digit_kinds == kind]] = True
            found.add(kind, *tc.rows_of(mask), "digits")
    return long


def _phone_in_text(found: _Found, tc: _TextColumn, long: np.ndarray) -> None:
    """Phone numbers inside longer text, as libphonenumber finds them (not in values that
    are a long run of digits, an NHS or SSN number, or a date and time)."""
    contains = tc.contains
    cand = contains(det.DIGITS_IN_TEXT, True) & ~long & ~tc.alnum
    cand &= ~contains("^ *" + NHS_DIGITS + " *$", True) & ~contains(SSN, True)
    cand &= ~contains(det.ISO_DATETIME, True)
    if cand.any() and "phone" not in found.named:
        hit, was_sampled = det.judge(tc.text, cand, det.phone_in_text)
        found.judged(was_sampled)
        found.add("phone", *tc.rows_of(hit))


def _person_names(
    tc: _TextColumn, tokens: tuple[str, ...], *, location: bool, id_column: bool
) -> np.ndarray:
    """Person names: full names anywhere; single names where the column holds names."""
    full, single, last = tc.frame_text.names(tc.j)
    names_mask = full.copy()
    person_header = any(t in _PERSON_HEADER_WORDS for t in tokens)
    # one-word names: in a pseudonym or person column any; elsewhere a column mostly of
    # first names (not place or thing columns: Lyon, Leeds are surnames too)
    if id_column or person_header:
        names_mask |= single | last
    elif single.any() and not location and not any(t in NON_PERSON_QUALIFIERS for t in tokens):
        words = ~tc.alnum | np.asarray(pc.utf8_is_alpha(tc.text), dtype=bool)
        if single.sum() >= 2 and 2 * single.sum() >= int(words.sum()):
            names_mask |= single
    return names_mask


def _checksums_in_context(kinds: np.ndarray) -> np.ndarray:
    """About 1 in 11 random 10-digit codes pass the NHS check (and 1 in 11 random 9-digit
    codes the BSN 11-test): in a column of 20 or more long numbers, a checksum kind is
    kept only when at least half of them pass it; otherwise they are ambiguous numbers
    (and refused as such). Real NHS numbers all pass."""
    kinds = kinds.copy()
    if len(kinds) >= NHS_MIN_CANDIDATES:
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

    return COLUMN_ALIASES.get(normalise(name)) == "session_date"


def schema_min_date() -> str:
    """The earliest session date the contract accepts (dates before it look like births)."""
    from tpdn_outcomes.schema import MIN_SESSION_DATE

    return MIN_SESSION_DATE
