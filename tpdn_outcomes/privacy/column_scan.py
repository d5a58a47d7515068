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
    found: list[tuple[str, int, int, str]] = []
    kind = name_kind(tokens)

    # distinct non-missing values, as given (for isin) and as pyarrow strings (for regex)
    is_cat = isinstance(col.dtype, pd.CategoricalDtype)
    uniq = pd.Series([], dtype=object)
    if is_cat:
        cats = pd.Series(col.cat.categories)
        if is_text_dtype(cats.dtype):
            uniq = cats
    elif is_text_dtype(col.dtype):
        try:
            uniq = pd.Series(col.unique()).dropna().reset_index(drop=True)
        except TypeError:  # unhashable objects (lists, dicts): scan their text
            col = col.where(col.isna(), col.astype(str))
            uniq = pd.Series(col.unique()).dropna().reset_index(drop=True)
    text = as_arrow(uniq) if len(uniq) else None

    def rows_of(mask: np.ndarray) -> tuple[int, int]:
        """Count and first position of the rows holding the distinct values in mask."""
        if not mask.any():
            return 0, -1
        return count_rows(col, col.isin(uniq[mask]).to_numpy(dtype=bool))

    def nonmissing() -> np.ndarray:
        """Rows that are neither missing nor blank."""
        mask = col.notna().to_numpy(dtype=bool)
        if text is not None:
            blank = matches(text, BLANK)
            if blank.any():
                mask = mask & ~col.isin(uniq[blank]).to_numpy(dtype=bool)
        return mask

    numeric = pd.api.types.is_numeric_dtype(col.dtype) and not is_cat

    # -- rules from the column name ------------------------------------------------
    if kind == "postcode":
        if text is not None:
            n, pos = rows_of(~matches(text, PARTIAL_POSTCODE) & ~matches(text, BLANK))
        elif numeric:
            v = as_numbers(col)
            n, pos = count_rows(col, ~np.isnan(v) & ~((v >= 0) & (v < 1000) & (v == np.floor(v))))
        else:
            n, pos = count_rows(col, nonmissing())
        if n:
            found.append(("postcode", n, pos, "postcode_name"))
    elif kind is not None:
        n, pos = count_rows(col, nonmissing())
        if n:
            found.append((kind, n, pos, "name"))
    if is_age_name(tokens) and kind is None:
        scale = age_scale(tokens)
        if numeric:
            v = as_numbers(col)
            with np.errstate(invalid="ignore"):
                n, pos = count_rows(col, v / scale >= 90)
        elif text is not None:
            n, pos = rows_of(age_over_89(text, scale))
        else:
            n = 0
        if n:
            found.append(("exact_age", n, pos, "values"))

    # -- rules on the values of text columns ---------------------------------------
    if text is None:
        return found
    named = {f[0] for f in found}
    location = any(t in LOCATION_WORDS for t in tokens)
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
            rest = rest[matches(text.take(pa.array(rest)), PREFILTER)]
        if len(rest):
            sub_rest = text.take(pa.array(rest))
            at[rest] = np.asarray(pc.match_substring(sub_rest, HAS_AT), dtype=bool)
            ws[rest] = matches(sub_rest, HAS_WS)
            digity[rest] = matches(sub_rest, HAS_DIGIT_GROUPS)

    def search(where: np.ndarray, pattern: str) -> np.ndarray:
        """Mask over all distinct values: pattern found, searched only ``where``."""
        out = np.zeros(n_text, dtype=bool)
        idx = np.flatnonzero(where)
        if len(idx):
            out[idx] = matches(text.take(pa.array(idx)), pattern)
        return out

    masks: dict[str, np.ndarray] = {}
    masks["email"] = search(at, EMAIL)
    masks["ssn"] = search(digity, SSN)
    nhs_cand = np.flatnonzero(search(digity, NHS_CANDIDATE))
    nhs = np.zeros(n_text, dtype=bool)
    if len(nhs_cand):
        valid = nhs_valid(text.take(pa.array(nhs_cand)))
        n_cand, n_valid = len(nhs_cand), int(valid.sum())
        if n_valid and (n_cand < NHS_MIN_CANDIDATES or n_valid >= 0.5 * n_cand):
            nhs[nhs_cand[valid]] = True
    masks["nhs_number"] = nhs
    masks["phone"] = search(digity, PHONE) & ~nhs
    post = search(ws, UK_POSTCODE) | search(digity, ZIP4)
    if location:
        post |= search(alnum | ws, UK_POSTCODE_LOOSE) | search(digity, ZIP5)
    masks["postcode"] = post
    long_text = search(ws, WORDS6)
    if long_text.any() and "free_text" not in named:
        long_rows = col.isin(uniq[long_text]).to_numpy(dtype=bool)
        n_long = int(long_rows.sum())
        n_distinct = int(long_text.sum())
        n_nonempty = int(nonmissing().sum())
        if 2 * n_long >= n_nonempty and (2 * n_distinct >= n_long or n_distinct >= 100):
            n, pos = count_rows(col, long_rows)
            found.append(("free_text", n, pos, "values"))

    order = ("email", "phone", "ssn", "nhs_number", "postcode")
    for k in order:
        if k in named or not masks[k].any():
            continue
        n, pos = rows_of(masks[k])
        if n:
            found.append((k, n, pos, "values"))
    return found
