"""Value patterns of the identifier guard (RE2 syntax, searched with pyarrow) and the
vectorised helpers that apply them to a column's distinct values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# ---------------------------------------------------------------------------
# Value patterns (RE2 and Python ``re`` compatible; searched, not anchored)
# ---------------------------------------------------------------------------

_B = r"(?:^|[^0-9A-Za-z])"  # boundary before (no look-behind in RE2)
_E = r"(?:$|[^0-9A-Za-z])"  # boundary after

EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
SSN = (
    _B + r"(?:00[1-9]|0[1-9][0-9]|[1-57-9][0-9]{2}|6[0-57-9][0-9]|66[0-57-9])[- ]"
    r"(?:0[1-9]|[1-9][0-9])[- ](?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})" + _E
)
NHS_DIGITS = r"[0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{4}"
NHS_CANDIDATE = _B + NHS_DIGITS + _E
_NHS_EXTRACT = _B + "(?P<d>" + NHS_DIGITS + ")" + _E
PHONE = "|".join(
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
UK_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
UK_POSTCODE = _B + UK_OUTWARD + r" [0-9][ABD-HJLNP-UW-Z]{2}" + _E
UK_POSTCODE_LOOSE = r"(?i)" + _B + UK_OUTWARD + r" ?[0-9][ABD-HJLNP-UW-Z]{2}" + _E
ZIP4 = _B + r"[0-9]{5}-[0-9]{4}" + _E
ZIP5 = _B + r"[0-9]{5}" + _E
# ASCII whitespace spelled out: RE2's \s is much slower on long unspaced values (UUIDs)
_WS = r"[ \t\r\n\f\v]"
WORDS6 = r"(?:[^ \t\r\n\f\v;|]+" + _WS + r"+){5}[^ \t\r\n\f\v;|]"
BLANK = "^" + _WS + "*$"
PARTIAL_POSTCODE = (
    r"(?i)^" + _WS + "*(?:" + UK_OUTWARD + r"(?: [0-9])?|[0-9]{3}(?:xx|\*\*)?)" + _WS + "*$"
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
HAS_AT = "@"
HAS_WS = _WS
HAS_DIGIT_GROUPS = r"[+(]|" + _B + r"(?:[0-9]{3}[ .-][0-9]{2}|[0-9]{3,5}[ .-][0-9]{3})|[0-9]{10}"
PREFILTER = "|".join((HAS_AT, HAS_WS, HAS_DIGIT_GROUPS))

#: Below this many 10-digit candidates in a column every checksum pass is reported.
NHS_MIN_CANDIDATES = 20

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def is_boolean(dtype: Any) -> bool:
    """A boolean column, a categorical of booleans included (``pd.api.types.is_bool_dtype``
    without its deprecated reading of object categories, which pandas 4 drops)."""
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        if cats.dtype == object:
            return len(cats) > 0 and all(isinstance(c, bool | np.bool_) for c in cats)
        return pd.api.types.is_bool_dtype(cats.dtype)
    return pd.api.types.is_bool_dtype(dtype)


def as_numbers(col: pd.Series) -> np.ndarray:
    """A numeric column's values as floats (NaN missing); of complex numbers the real part,
    so that an age of 93 typed as ``93+0j`` is still found."""
    v = pd.to_numeric(col, errors="coerce")
    if pd.api.types.is_complex_dtype(v.dtype):
        return np.real(np.asarray(v, dtype=complex))
    return v.to_numpy(dtype=float, na_value=np.nan)


def is_text_dtype(dtype: Any) -> bool:
    if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
        return True
    if isinstance(dtype, pd.ArrowDtype):
        t = dtype.pyarrow_dtype
        return bool(pa.types.is_string(t) or pa.types.is_large_string(t))
    return False


def as_arrow(values: pd.Series) -> pa.Array:
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


def matches(arr: pa.Array, pattern: str) -> np.ndarray:
    """Boolean mask: ``pattern`` (RE2 syntax) is found in each value."""
    return np.asarray(pc.fill_null(pc.match_substring_regex(arr, pattern), False), dtype=bool)


def _nhs_check(numbers: list[str]) -> np.ndarray:
    """NHS modulus-11 check of 10-digit strings (separators already removed)."""
    raw = "".join(numbers).encode("ascii")
    d = (np.frombuffer(raw, dtype=np.uint8).reshape(-1, 10) - 48).astype(np.int64)
    check = 11 - (d[:, :9] @ np.arange(10, 1, -1)) % 11
    check = np.where(check == 11, 0, check)
    return np.asarray((check != 10) & (check == d[:, 9]), dtype=bool)


def nhs_valid(candidates: pa.Array) -> np.ndarray:
    """For each value, True when a 10-digit group in it passes the NHS mod-11 check.

    A value that is just the number (``9434765919``, ``943 476 5919``) is checked
    directly; in longer values the first group is checked, then (if it fails) the
    next, up to four groups a value.
    """
    valid = np.zeros(len(candidates), dtype=bool)
    whole = matches(candidates, "^" + NHS_DIGITS + "$")
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
            values.take(pa.array(retry)), NHS_CANDIDATE, "", max_replacements=1
        )
    return valid


def age_over_89(arr: pa.Array, scale: float) -> np.ndarray:
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


def count_rows(col: pd.Series, mask: np.ndarray) -> tuple[int, int]:
    """(count, first position) of True in a row mask; (0, -1) when none."""
    n = int(mask.sum())
    return n, (int(np.argmax(mask)) if n else -1)
