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


def scan_values(
    name: str,
    col: pd.Series,
    named: set[str],
    sampled_out: list[str] | None,
    ctx: tuple[FrameText, int] | None = None,
) -> list[tuple[str, int, int, str]]:
    """Findings of the value detectors backed by libraries (see ``tpdn_outcomes._detect``): person
    names, national ids and phone numbers without separators, addresses, dates of birth,
    URLs, IP addresses, health-plan numbers, plates, photos, in every column of any type.
    """
    tokens = name_tokens(name)
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
            add("date_of_birth", *count_rows(col, old))
        return found

    # -- numbers: long integers are phone numbers or national ids, or ambiguous --------
    if pd.api.types.is_numeric_dtype(base_dtype) and not is_boolean(base_dtype):
        if not is_cat and not pd.api.types.is_complex_dtype(base_dtype):
            # most numeric columns (scores, counts) hold no number of 8 digits or more:
            # two reductions decide it without copying the column
            bound = _abs_bound(col)
            if bound is not None and bound < 19000101:
                return found
        v = as_numbers(pd.Series(np.asarray(col, dtype=object)) if is_cat else col)
        uniq_num = pd.unique(v[~np.isnan(v)])
        whole = uniq_num[(uniq_num == np.floor(uniq_num)) & (np.abs(uniq_num) < 1e15)]
        dates = whole[(whole >= 19000101) & (whole <= 19891231)]
        if len(dates) and not session_dates:
            text_dates = pa.array([str(int(d)) for d in dates], type=pa.string())
            old = dates[det.contains(text_dates, det.OLD_DATE)]
            if len(old):
                add("date_of_birth", *count_rows(col, np.isin(v, old)))
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
                    add(kind, *count_rows(col, np.isin(v, hit)), "digits")
        if sampled and sampled_out is not None:
            sampled_out.append(name)
        return found

    if ctx is None:
        ctx = (FrameText(col.to_frame(), set()), 0)
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
            return count_rows(col, np.isin(codes, hit))
        return count_rows(col, col.isin(uniq[mask]).to_numpy(dtype=bool))

    alnum = np.asarray(pc.utf8_is_alnum(text), dtype=bool)
    location = any(t in LOCATION_WORDS for t in tokens)
    id_column = any(t in _ID_WORDS for t in tokens)
    person_header = any(t in _PERSON_HEADER_WORDS for t in tokens)
    vehicle_header = name_kind(tokens) == "vehicle"

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
    cand &= ~contains("^ *" + NHS_DIGITS + " *$", True) & ~contains(SSN, True)
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
    post = contains(r"(?i)^ *" + UK_OUTWARD + r" ?[0-9][ABD-HJLNP-UW-Z]{2} *$")
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
    elif single.any() and not location and not any(t in NON_PERSON_QUALIFIERS for t in tokens):
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
