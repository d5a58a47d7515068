"""The first pass of the identifier guard: the column name, and RE2 patterns on the
distinct values of text columns (e-mails, phone numbers, SSNs, NHS numbers, postcodes,
exact ages, free text)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tpdn_outcomes.privacy.names import (
    LOCATION_WORDS,
    age_scale,
    is_age_name,
    name_kind,
    name_tokens,
)
from tpdn_outcomes.privacy.patterns import (
    BLANK,
    EMAIL,
    HAS_AT,
    HAS_DIGIT_GROUPS,
    HAS_WS,
    NHS_CANDIDATE,
    NHS_MIN_CANDIDATES,
    PARTIAL_POSTCODE,
    PHONE,
    PREFILTER,
    SSN,
    UK_POSTCODE,
    UK_POSTCODE_LOOSE,
    WORDS6,
    ZIP4,
    ZIP5,
    age_over_89,
    as_arrow,
    as_numbers,
    count_rows,
    is_text_dtype,
    matches,
    nhs_valid,
)


def scan_column_base(name: str, col: pd.Series) -> list[tuple[str, int, int, str]]:
    """Findings of the first guard: names, and the RE2 patterns on text values."""
    tokens = name_tokens(name)
    kind = name_kind(tokens)
    values = _Distinct(col)
    found = _name_findings(tokens, kind, values)
    if values.text is None:
        return found
    return found + _value_findings(tokens, values, {f[0] for f in found})


class _Distinct:
    """A column's distinct non-missing values, as given (for isin) and as pyarrow strings
    (for regex; ``text`` is None when the column holds no text)."""

    def __init__(self, col: pd.Series) -> None:
        self.is_cat = isinstance(col.dtype, pd.CategoricalDtype)
        uniq = pd.Series([], dtype=object)
        if self.is_cat:
            cats = pd.Series(col.cat.categories)
            if is_text_dtype(cats.dtype):
                uniq = cats
        elif is_text_dtype(col.dtype):
            try:
                uniq = pd.Series(col.unique()).dropna().reset_index(drop=True)
            except TypeError:  # unhashable objects (lists, dicts): scan their text
                col = col.where(col.isna(), col.astype(str))
                uniq = pd.Series(col.unique()).dropna().reset_index(drop=True)
        self.col = col
        self.uniq = uniq
        self.text = as_arrow(uniq) if len(uniq) else None
        self.numeric = pd.api.types.is_numeric_dtype(col.dtype) and not self.is_cat

    def rows_of(self, mask: np.ndarray) -> tuple[int, int]:
        """Count and first position of the rows holding the distinct values in mask."""
        if not mask.any():
            return 0, -1
        return count_rows(self.col, self.col.isin(self.uniq[mask]).to_numpy(dtype=bool))

    def nonmissing(self) -> np.ndarray:
        """Rows that are neither missing nor blank."""
        mask = self.col.notna().to_numpy(dtype=bool)
        if self.text is not None:
            blank = matches(self.text, BLANK)
            if blank.any():
                mask = mask & ~self.col.isin(self.uniq[blank]).to_numpy(dtype=bool)
        return mask


def _name_findings(
    tokens: tuple[str, ...], kind: str | None, values: _Distinct
) -> list[tuple[str, int, int, str]]:
    """The rules from the column name: a named kind (postcodes: only full codes), and
    exact ages of 90 or over in an age column."""
    col, text, numeric = values.col, values.text, values.numeric
    found: list[tuple[str, int, int, str]] = []
    if kind == "postcode":
        if text is not None:
            n, pos = values.rows_of(~matches(text, PARTIAL_POSTCODE) & ~matches(text, BLANK))
        elif numeric:
            v = as_numbers(col)
            n, pos = count_rows(col, ~np.isnan(v) & ~((v >= 0) & (v < 1000) & (v == np.floor(v))))
        else:
            n, pos = count_rows(col, values.nonmissing())
        if n:
            found.append(("postcode", n, pos, "postcode_name"))
    elif kind is not None:
        n, pos = count_rows(col, values.nonmissing())
        if n:
            found.append((kind, n, pos, "name"))
    if is_age_name(tokens) and kind is None:
        scale = age_scale(tokens)
        if numeric:
            v = as_numbers(col)
            with np.errstate(invalid="ignore"):
                n, pos = count_rows(col, v / scale >= 90)
        elif text is not None:
            n, pos = values.rows_of(age_over_89(text, scale))
        else:
            n = 0
        if n:
            found.append(("exact_age", n, pos, "values"))
    return found


def _value_findings(
    tokens: tuple[str, ...], values: _Distinct, named: set[str]
) -> list[tuple[str, int, int, str]]:
    """The rules on the values of a text column, for the kinds not ``named`` already."""
    assert values.text is not None
    found: list[tuple[str, int, int, str]] = []
    location = any(t in LOCATION_WORDS for t in tokens)
    prefiltered = _prefilter(values.text, location)
    masks = _pattern_masks(values.text, prefiltered, location)
    if "free_text" not in named:
        found += _free_text(values, where=prefiltered[2])
    for k in ("email", "phone", "ssn", "nhs_number", "postcode"):
        if k in named or not masks[k].any():
            continue
        n, pos = values.rows_of(masks[k])
        if n:
            found.append((k, n, pos, "values"))
    return found


def _prefilter(text: pa.Array, location: bool) -> tuple[np.ndarray, ...]:
    """Cheap first passes over the distinct values: (alphanumeric, may hold an e-mail,
    may hold a space, may hold digits as a phone, SSN, NHS or ZIP+4 code does)."""
    n_text = len(text)
    alnum = np.asarray(pc.utf8_is_alnum(text), dtype=bool)
    if location:
        at = ws = digity = np.ones(n_text, dtype=bool)
        return alnum, at, ws, digity
    at = np.zeros(n_text, dtype=bool)
    ws = np.zeros(n_text, dtype=bool)
    digity = alnum & np.asarray(pc.utf8_is_digit(text), dtype=bool)
    digity &= np.asarray(pc.utf8_length(text), dtype=np.int64) == 10
    rest = np.flatnonzero(~alnum)
    if len(rest):
        rest = rest[matches(text.take(pa.array(rest)), PREFILTER)]
    if len(rest):
        sub_rest = text.take(pa.array(rest))
        at[rest] = np.asarray(pc.match_substring(sub_rest, HAS_AT), dtype=bool)
        ws[rest] = matches(sub_rest, HAS_WS)
        digity[rest] = matches(sub_rest, HAS_DIGIT_GROUPS)
    return alnum, at, ws, digity


def _search(text: pa.Array, where: np.ndarray, pattern: str) -> np.ndarray:
    """Mask over all distinct values: pattern found, searched only ``where``."""
    out = np.zeros(len(text), dtype=bool)
    idx = np.flatnonzero(where)
    if len(idx):
        out[idx] = matches(text.take(pa.array(idx)), pattern)
    return out


def _pattern_masks(
    text: pa.Array, prefiltered: tuple[np.ndarray, ...], location: bool
) -> dict[str, np.ndarray]:
    """For each kind found by pattern, which distinct values match it (a place-named
    column also matches unspaced or lower-case postcodes and 5-digit ZIP codes)."""
    alnum, at, ws, digity = prefiltered
    masks: dict[str, np.ndarray] = {}
    masks["email"] = _search(text, at, EMAIL)
    masks["ssn"] = _search(text, digity, SSN)
    nhs_cand = np.flatnonzero(_search(text, digity, NHS_CANDIDATE))
    nhs = np.zeros(len(text), dtype=bool)
    if len(nhs_cand):
        valid = nhs_valid(text.take(pa.array(nhs_cand)))
        n_cand, n_valid = len(nhs_cand), int(valid.sum())
        if n_valid and (n_cand < NHS_MIN_CANDIDATES or n_valid >= 0.5 * n_cand):
            nhs[nhs_cand[valid]] = True
    masks["nhs_number"] = nhs
    masks["phone"] = _search(text, digity, PHONE) & ~nhs
    post = _search(text, ws, UK_POSTCODE) | _search(text, digity, ZIP4)
    if location:
        post |= _search(text, alnum | ws, UK_POSTCODE_LOOSE) | _search(text, digity, ZIP5)
    masks["postcode"] = post
    return masks


def _free_text(values: _Distinct, where: np.ndarray) -> list[tuple[str, int, int, str]]:
    """Free text: at least half of the non-empty values have 6 or more words in a row
    (searched ``where`` a value may hold a space), and they are not a few repeated labels."""
    assert values.text is not None
    long_text = _search(values.text, where, WORDS6)
    if not long_text.any():
        return []
    col = values.col
    long_rows = col.isin(values.uniq[long_text]).to_numpy(dtype=bool)
    n_long = int(long_rows.sum())
    n_distinct = int(long_text.sum())
    n_nonempty = int(values.nonmissing().sum())
    if 2 * n_long >= n_nonempty and (2 * n_distinct >= n_long or n_distinct >= 100):
        n, pos = count_rows(col, long_rows)
        return [("free_text", n, pos, "values")]
    return []
