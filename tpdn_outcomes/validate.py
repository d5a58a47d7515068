"""Checking session data against the contract, and loading it into :class:`SessionData`.

:func:`validate` reports every problem and never raises for problems in the data;
:func:`load_sessions` runs the same checks and refuses data with errors (or, with
``errors="coerce"``, sets each offending value missing and records it).

Every problem names the file, the row as a person counts rows in the file (the
header is row 1), the column as named in the file, the value, and a fix.

Checks (``check`` column of the report)
---------------------------------------
Errors: ``unreadable_file``, ``no_data``, ``identifier``, ``missing_column``, ``duplicate_column``,
``missing_value``, ``unknown_condition``, ``invalid_category``, ``invalid_boolean``,
``invalid_number``, ``out_of_range``, ``invalid_date``, ``date_out_of_range``,
``duplicate_session``, ``session_order``, ``post_without_pre``, ``unknown_measure``, ``unknown_timing``,
``unit_mismatch``, ``unknown_session``, ``duplicate_measure``.
Warnings: ``unknown_column``, ``implausible_change``, ``long_gap``,
``single_session_episode``, ``identifier_sample`` (the identifier guard judged only a sample
of a very large column's candidate values with a library).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tpdn_outcomes import schema
from tpdn_outcomes._arrays import BLOCK as _BLOCK
from tpdn_outcomes._arrays import cat_codes as _cat_codes
from tpdn_outcomes._arrays import int_array as _int_array
from tpdn_outcomes._version import __version__
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.derive import assign_episodes
from tpdn_outcomes.errors import DataQualityWarning, SchemaError, format_count
from tpdn_outcomes.io import (
    DATAFRAME_LABEL,
    MEASURE_TABLE_ALIASES,
    RawTable,
    plan_columns,
    read_table,
)
from tpdn_outcomes.io import (
    short_text as _short,
)
from tpdn_outcomes.privacy import column_label, is_boolean, mask_values
from tpdn_outcomes.progress import Progress, Tracker
from tpdn_outcomes.validation_report import MAX_LISTED, REPORT_DTYPES, ValidationReport

Source = str | os.PathLike[str] | pd.DataFrame


class _Collector:
    """Accumulates problems as small vectorised frames."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []
        #: (file, column) pairs flagged by the identifier guard: their values are never echoed
        self.withheld: set[tuple[str, str]] = set()
        #: whether any problem recorded so far is an error (known without building the report)
        self.has_errors = False

    def add(
        self,
        *,
        file: str,
        rows: np.ndarray | None,
        column: str,
        canonical: str,
        values: Any,
        check: str,
        problem: str,
        fix: str,
        severity: str = "error",
        message: str | None = None,
    ) -> None:
        """Record one problem per row in ``rows`` (``None``: a whole-file problem).

        ``message`` replaces the composed message when the problem text is already whole.
        """
        column, file = _escaped(str(column)), _escaped(str(file))
        if message is not None:
            message = _escaped(message)
        if rows is None:
            rows_s = pd.Series([pd.NA], dtype="Int64")
            vals = pd.Series([values], dtype="string")
        else:
            if len(rows) == 0:
                return
            rows_s = pd.Series(np.asarray(rows), dtype="Int64")
            vals = _as_text(pd.Series(values))
        self.has_errors |= severity == "error"
        if (file, column) in self.withheld:
            vals = pd.Series("<withheld>", index=vals.index, dtype="string")
        elif len(vals):
            # never echo a value that could identify someone: mask it, name row and column
            vals = pd.Series(mask_values(vals).to_numpy(), index=vals.index, dtype="string")
        column = column_label(column)
        where = f"{file}, row " + rows_s.astype("string").fillna("-")
        msg = (
            where
            + f", column '{_short(column, 200)}': value '"
            + vals.fillna("").str.slice(0, 60)
            + f"' {problem}. Fix: {fix}"
        )
        if message is not None:
            msg = pd.Series([message] * len(rows_s), dtype="string")
        elif rows is None:
            msg = pd.Series(
                [f"{file}, column '{_short(column, 200)}': {problem}. Fix: {fix}"], dtype="string"
            )
        self.parts.append(
            pd.DataFrame(
                {
                    "file": file,
                    "row": rows_s.to_numpy(),
                    "column": column,
                    "canonical_column": canonical,
                    "value": vals.to_numpy(),
                    "check": check,
                    "severity": severity,
                    "message": msg.to_numpy(),
                }
            )
        )

    def add_columns(
        self,
        *,
        file: str,
        columns: list[str],
        check: str,
        problem: str,
        fixes: list[str],
        severity: str = "error",
    ) -> None:
        """Record one problem per column of the header (row 1; the value is the name),
        as one frame: a wide file's hundreds of columns cost one append, not hundreds."""
        if not columns:
            return
        columns = [_escaped(str(c)) for c in columns]
        fixes = [_escaped(f) for f in fixes]
        self.has_errors |= severity == "error"
        self.parts.append(
            pd.DataFrame(
                {
                    "file": file,
                    "row": np.ones(len(columns), dtype=np.int64),
                    "column": columns,
                    "canonical_column": "",
                    "value": columns,
                    "check": check,
                    "severity": severity,
                    "message": [
                        f"{file}, row 1, column '{_short(c, 200)}': value '{_short(c, 200)}' {problem}. "
                        f"Fix: {fix}"
                        for c, fix in zip(columns, fixes, strict=True)
                    ],
                }
            )
        )

    def report(self, files: Iterable[str]) -> ValidationReport:
        if not self.parts:
            return ValidationReport(files=files)
        table = pd.concat(self.parts, ignore_index=True)
        table = table.astype(REPORT_DTYPES)
        sev = (table["severity"] != "error").astype(int)
        table = table.assign(_s=sev).sort_values(["_s", "file", "row", "column"], kind="stable")
        return ValidationReport(table.drop(columns="_s"), files=files)


def _arrow_numbers(raw: pd.Series) -> Any:
    """The Arrow data of an Arrow-backed integer or floating-point column, else None."""
    dtype = raw.dtype
    if isinstance(dtype, pd.ArrowDtype):
        t = dtype.pyarrow_dtype
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            return pa.chunked_array(raw.array.__arrow_array__())
    return None


def _arrow_filled(
    arrow: pa.ChunkedArray, out: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(positions, values)`` of the filled cells of an Arrow integer or floating-point
    column, values as float64 (integers beyond 2**53 rounded, as pandas converts them).

    Each chunk's data buffer is viewed in place and only its filled cells are gathered:
    no copy of the whole column and no intermediate array without its nulls. With
    ``out`` (integer positions, float64 values, each at least as long as the filled
    cells) they are written there and views of it are returned.
    """
    n_filled = len(arrow) - arrow.null_count
    if out is None:
        keep = np.empty(n_filled, dtype=np.int64)
        values = np.empty(n_filled, dtype=np.float64)
    else:
        keep, values = out[0][:n_filled], out[1][:n_filled]
    at = start = 0
    for chunk in arrow.chunks:
        n = len(chunk)
        if n == 0:  # (an empty chunk may have no data buffer)
            continue
        data = np.frombuffer(
            chunk.buffers()[1], dtype=chunk.type.to_pandas_dtype(), count=chunk.offset + n
        )[chunk.offset :]
        if chunk.null_count == 0:
            k = np.arange(n)
        else:  # (positions below 2**63: the unsigned indices read as signed, no copy)
            k = np.asarray(pc.indices_nonzero(pc.is_valid(chunk))).view(np.int64)
        part = slice(at, at + len(k))
        np.add(k, start, out=keep[part])
        if data.dtype == np.float64:
            np.take(data, k, out=values[part])
        else:
            values[part] = data[k]
        at += len(k)
        start += n
    return keep, values


def _filled(raw: pd.Series) -> int:
    """Number of filled cells (from Arrow's null count when the column is Arrow-backed)."""
    arrow = _arrow_numbers(raw)
    return len(arrow) - arrow.null_count if arrow is not None else int(raw.count())


def _as_text(values: pd.Series) -> pd.Series:
    """Values as text for messages (integral floats without '.0')."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # label only the categories in use
        used = values.cat.remove_unused_categories()
        cats = used.cat.categories
        if pd.api.types.infer_dtype(cats, skipna=False) == "string":  # text is its own label
            labels = np.append(np.array([_escaped(c) for c in cats], dtype=object), "")
        else:
            labels = np.array([_label(c) for c in cats] + [""], dtype=object)
        codes = _cat_codes(used)
        return pd.Series(labels[np.where(codes >= 0, codes, len(labels) - 1)], dtype="string")
    if pd.api.types.is_float_dtype(values.dtype):
        v = values.astype("float64")
        return v.map(lambda x: "" if pd.isna(x) else _float_text(x)).astype("string")
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.dt.strftime("%Y-%m-%d").astype("string")
    return values.map(_label).astype("string")


def _float_text(x: float) -> str:
    """A float as a person writes it: whole numbers without '.0', huge ones in e-notation.

    >>> _float_text(6.0), _float_text(7.5), _float_text(1e300), _float_text(float("inf"))
    ('6', '7.5', '1e+300', 'inf')
    """
    return str(int(x)) if x.is_integer() and abs(x) < 1e16 else repr(x)


def _label(u: object) -> str:
    """A cell as the text a person would read in it."""
    if u is None or (isinstance(u, float) and np.isnan(u)) or u is pd.NA:
        return ""
    if isinstance(u, bool | np.bool_):
        return "true" if u else "false"
    if isinstance(u, float | np.floating) and float(u).is_integer():
        return _float_text(float(u))
    if isinstance(u, _dt.datetime):  # pd.Timestamp is a datetime
        try:
            stamp = pd.Timestamp(u)
        except (ValueError, OverflowError):  # (beyond what pandas' timestamps hold)
            return u.isoformat()
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.isoformat()
    return _escaped(str(u))


def _escaped(text: str) -> str:
    """Text with characters that are not valid Unicode (lone surrogates) escaped, so it
    can be written anywhere (``'\\udcff'`` stays visible as ``\\udcff``).

    >>> _escaped("P1"), _escaped("P\\udcff")
    ('P1', 'P\\\\udcff')
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


# ---------------------------------------------------------------------------
# Parsing one column at a time (vectorised over unique values)
# ---------------------------------------------------------------------------


def _factorize(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, distinct values)`` of a column, missing -> code -1.

    A categorical whose categories all occur is taken as it is (its codes, read-only);
    otherwise the column is factorised (distinct values in order of appearance).
    """
    if isinstance(raw.dtype, pd.CategoricalDtype):
        codes = _cat_codes(raw)
        n_cats = len(raw.dtype.categories)
        if n_cats and _used_categories(codes, n_cats).all():
            return codes, np.asarray(raw.dtype.categories, dtype=object)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def _code_dtype(n_categories: int) -> type[np.signedinteger[Any]]:
    """The narrowest signed integer holding codes -1 .. n_categories - 1 (as pandas keeps them)."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_categories <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def _used_categories(codes: np.ndarray, n_categories: int) -> np.ndarray:
    """Which of ``n_categories`` occur among ``codes`` (-1: missing).

    Counted block by block: ``np.bincount`` widens its input to 64 bits, which for a
    long table of 8-bit codes would be a copy eight times its size.
    """
    used = np.zeros(n_categories, dtype=bool)
    for start in range(0, len(codes), _BLOCK):
        block = codes[start : start + _BLOCK]
        if block.size and block.min() < 0:
            block = block[block >= 0]
        used |= np.bincount(block, minlength=n_categories)[:n_categories] > 0
    return used


def _spread(codes: np.ndarray, per_unique: np.ndarray, fill: Any) -> np.ndarray:
    """``per_unique[codes]``, with ``fill`` where the code is -1 (one gather, no masks)."""
    table = np.empty(len(per_unique) + 1, dtype=per_unique.dtype)
    table[:-1] = per_unique
    table[-1] = fill  # code -1 reads the last entry
    return table[codes]


def _spread_flags(codes: np.ndarray, flag_u: np.ndarray) -> np.ndarray:
    """Per-row flags from per-distinct-value flags (a new writable bool array; no gather
    when no value is flagged)."""
    if not flag_u.any():
        return np.zeros(len(codes), dtype=bool)
    return _spread(codes, flag_u.astype(bool, copy=False), False)


def _cell_text(value: object) -> object:
    """A cell pandas cannot hash, as text: a list, tuple or set as its ``;``-joined items
    (as ``muscles`` and ``adverse_events`` are written in files), anything else as its
    ``repr``. Hashable cells are returned as they are.

    >>> _cell_text(["upper_trapezius", "levator_scapulae"]), _cell_text({"a": 1}), _cell_text(5)
    ('upper_trapezius;levator_scapulae', "{'a': 1}", 5)
    """
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return ";".join(str(v) for v in items)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # (lone surrogates: escaped, as in a message)
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _printable(codes: np.ndarray, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values that every later step can encode: text that is not valid Unicode
    (lone surrogates, as ``bytes.decode(errors="surrogateescape")`` leaves them) with those
    characters escaped (``\\udcff``), and bytes as they print (``b'...'``), so that a
    message shows them and a check reports them instead of failing on them.

    All-text values are checked at C speed (one join and encode); the loop over distinct
    values runs only when one is not valid text or not text at all.

    >>> codes, u = _printable(np.array([0, 1, 0]), np.array(["P1", "\\udcff"], dtype=object))
    >>> u.tolist()
    ['P1', '\\\\udcff']
    >>> _printable(np.array([0, 1]), np.array([b"\\xff", 3], dtype=object))[1].tolist()
    ["b'\\\\xff'", 3]
    """
    kind = pd.api.types.infer_dtype(uniques, skipna=True)
    if kind == "string":
        try:
            "".join(uniques).encode("utf-8")
            return codes, uniques
        except UnicodeEncodeError:
            pass
    elif kind not in ("mixed", "mixed-integer", "bytes"):
        return codes, uniques
    out = uniques.copy()
    changed = False
    for i, u in enumerate(out):
        if isinstance(u, str):
            try:
                u.encode("utf-8")
            except UnicodeEncodeError:
                out[i], changed = u.encode("utf-8", "backslashreplace").decode("utf-8"), True
        elif isinstance(u, bytes | bytearray | memoryview):
            out[i], changed = repr(bytes(u)), True
    if not changed:
        return codes, uniques
    # an escaped value may equal one already there: the distinct values are found again
    new_codes, new_uniques = pd.factorize(pd.Series(out, dtype=object), use_na_sentinel=True)
    return _spread(codes, new_codes.astype(np.int64), -1), np.asarray(new_uniques, dtype=object)


def _unique_categories(codes: np.ndarray, distinct: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Categories from distinct values: values the hash table keeps apart but an Index
    finds equal (0 and -0.0, 1 and a numpy timedelta of 1) become one."""
    index = pd.Index(distinct, dtype=object)
    if not index.is_unique:
        first = index[~index.duplicated()]
        codes = _spread(codes, first.get_indexer(index).astype(np.int64), -1)
        index = first
    return codes, index


def _categorize(frame: pd.DataFrame) -> pd.DataFrame:
    """A view of the input with every text column as a categorical (codes + distinct values).

    Every later step then works on distinct values only; the input frame is not modified.
    """
    out = {}
    for j in range(frame.shape[1]):  # (by position: labels need not be text, nor unique)
        s = frame.iloc[:, j]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            try:
                codes, found = pd.factorize(s, use_na_sentinel=True)
            except (TypeError, UnicodeError):  # unhashable cells (lists, dicts), bad text
                codes, found = pd.factorize(s.map(_cell_text), use_na_sentinel=True)
            codes, distinct = _printable(codes, np.asarray(found, dtype=object))
            try:
                codes, index = _unique_categories(codes, distinct)
            except (OverflowError, TypeError, ValueError):
                # values pandas' index cannot order or compare (integers beyond 64 bits
                # among others): each taken as the text a person reads in it
                texts = pd.Series([_label(u) for u in distinct], dtype=object)
                text_codes, text_u = pd.factorize(texts, use_na_sentinel=True)
                codes = _spread(codes, text_codes.astype(np.int64), -1)
                index = pd.Index(np.asarray(text_u, dtype=object), dtype=object)
            s = pd.Series(_from_codes(codes, categories=index), index=frame.index)
        elif isinstance(s.dtype, pd.CategoricalDtype) and s.dtype.categories.dtype == object:
            cats = np.asarray(s.dtype.categories, dtype=object)
            codes, distinct = _printable(_cat_codes(s), cats)
            if distinct is not cats:  # (bad text or bytes among the categories)
                s = pd.Series(
                    _from_codes(codes, categories=pd.Index(distinct, dtype=object)),
                    index=frame.index,
                )
        out[j] = s
    categorized = pd.DataFrame(out, index=frame.index, copy=False)
    categorized.columns = frame.columns
    return categorized


def _blank_rows(frame: pd.DataFrame) -> np.ndarray | None:
    """Rows with no cell filled (a blank line of a text file, an empty spreadsheet row);
    None when there are none. Columns are checked while any candidate row is left."""
    if frame.shape[1] == 0 or len(frame) == 0:
        return None
    blank = np.ones(len(frame), dtype=bool)
    for j in range(frame.shape[1]):
        blank &= _is_blank(frame.iloc[:, j])
        if not blank.any():
            return None
    return blank


def _is_blank(raw: pd.Series) -> np.ndarray:
    """Missing cells, and text cells holding only white space."""
    if isinstance(raw.dtype, pd.CategoricalDtype):
        codes = _cat_codes(raw)
        blank_cat = np.asarray(_texts(np.asarray(raw.cat.categories, dtype=object)) == "", bool)
        return (codes < 0) | (blank_cat[codes] if blank_cat.size else False)
    blank = raw.isna().to_numpy().copy()
    if raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype):
        text = raw.astype("string")
        blank |= (text.str.strip() == "").fillna(True).to_numpy(dtype=bool)
    return blank


def _recode(
    raw: pd.Series, fn: Any, categories: list[Any] | None = None
) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """Map each distinct value with ``fn(text) -> (value or None, ok)`` into category codes.

    Returns ``(codes, categories, invalid mask)``: codes index ``categories`` (given, or the
    sorted distinct mapped values), -1 for missing or invalid.
    """
    codes, uniques = _factorize(raw)
    mapped: list[Any] = []
    bad_u = np.zeros(len(uniques), dtype=bool)
    for i, u in enumerate(uniques):  # distinct values only
        text = _label(u).strip()
        if text == "":
            mapped.append(None)
            continue
        value, ok = fn(text)
        mapped.append(value if ok else None)
        bad_u[i] = not ok
    if categories is None:
        categories = sorted({m for m in mapped if m is not None}, key=str)
    index = {c: i for i, c in enumerate(categories)}
    code_u = np.array(
        [index.get(m, -1) if m is not None else -1 for m in mapped],
        dtype=_code_dtype(len(categories)),  # codes at the width pandas keeps: no 64-bit copy
    )
    return _spread(codes, code_u, -1), categories, _spread_flags(codes, bad_u)


def _lookup(table: Mapping[str, Any]) -> Any:
    """``fn`` for :func:`_recode` that maps through an alias table."""

    def fn(text: str) -> tuple[Any, bool]:
        hit = table.get(schema.normalise_name(text))
        return hit, hit is not None

    return fn


def _is_real(dtype: Any) -> bool:
    """Integer or floating-point (not boolean, not complex: those are not numbers here)."""
    return (
        pd.api.types.is_numeric_dtype(dtype)
        and not is_boolean(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    )


def parse_numbers(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numbers from a column as read: ``(float values, invalid mask)``.

    Examples
    --------
    Infinite values are not numbers here, whether typed or written as text:

    >>> import pandas as pd
    >>> v, bad = parse_numbers(pd.Series(["6", " 7.5 ", None, "seven", "6,5", "inf"]))
    >>> v.tolist(), bad.tolist()
    ([6.0, 7.5, nan, nan, nan, nan], [False, False, False, True, True, True])
    >>> v, bad = parse_numbers(pd.Series([2.0, float("-inf")]))
    >>> v.tolist(), bad.tolist()
    ([2.0, nan], [False, True])
    """
    if is_boolean(raw.dtype):
        return np.full(len(raw), np.nan), raw.notna().to_numpy()
    if _is_real(raw.dtype):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        infinite = np.isinf(values)
        if infinite.any():  # (a new array: ``values`` may be a view of the input)
            values = np.where(infinite, np.nan, values)
        return values, infinite
    codes, uniques = _factorize(raw)
    parsed = np.full(len(uniques), np.nan)
    bad_u = np.zeros(len(uniques), dtype=bool)
    for i, u in enumerate(uniques):  # loop over distinct values only
        if isinstance(u, bool | np.bool_ | np.timedelta64 | np.datetime64 | _dt.timedelta):
            bad_u[i] = True  # (numpy's timedelta64 is an integer type, but no number here)
            continue
        if isinstance(u, int | float | np.integer | np.floating):
            try:
                parsed[i] = float(u)
            except OverflowError:  # (an integer beyond any float)
                parsed[i] = np.inf
            if not np.isfinite(parsed[i]):
                parsed[i], bad_u[i] = np.nan, True
            continue
        text = _label(u).strip()
        if text == "":
            continue
        try:
            parsed[i] = float(text)
        except ValueError:
            bad_u[i] = True
        else:
            if not np.isfinite(parsed[i]):
                parsed[i], bad_u[i] = np.nan, True
    values = _spread(codes, parsed, np.nan).astype(np.float64)
    bad = _spread_flags(codes, bad_u)
    return values, bad


#: The largest whole number a float64 holds exactly (2**53); whole-number columns
#: (session numbers, needle counts) refuse larger values rather than round or wrap them.
_MAX_WHOLE = float(2**53)


def _too_large(num: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Whole numbers beyond ``_MAX_WHOLE`` (not already flagged by ``frac``)."""
    with np.errstate(invalid="ignore"):  # (NaN compares False)
        return ~frac & (num > _MAX_WHOLE)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


#: Day numbers of the first and last whole days nanosecond timestamps can hold.
_NS_DAYS = (
    int(np.datetime64(pd.Timestamp.min.ceil("D"), "D").astype(np.int64)),
    int(np.datetime64(pd.Timestamp.max.floor("D"), "D").astype(np.int64)),
)


def _days_as_ns(days: np.ndarray) -> np.ndarray:
    """``datetime64[D]`` -> ``datetime64[ns]``; a day beyond what nanoseconds hold (before
    1677-09-22, after 2262-04-11) is held at that end instead of wrapping around, so it
    is still found before 1990 or after the export date (its message shows the file's
    own value)."""
    as_int = days.view(np.int64)
    known = as_int != np.iinfo(np.int64).min  # (NaT)
    lo = int(np.min(as_int, where=known, initial=_NS_DAYS[0]))
    hi = int(np.max(as_int, where=known, initial=_NS_DAYS[1]))
    if lo < _NS_DAYS[0] or hi > _NS_DAYS[1]:
        as_int = np.where(known, np.clip(as_int, *_NS_DAYS), as_int)
    return as_int.view("datetime64[D]").astype("datetime64[ns]")


def parse_dates(raw: pd.Series, date_format: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Dates from a column: ``(datetime64[ns] values at midnight, invalid mask)``.

    Text must be ISO ``YYYY-MM-DD`` (a time of day is allowed and dropped) unless
    ``date_format`` (a :func:`datetime.strptime` format such as ``"%d/%m/%Y"``) is given;
    nothing is guessed. Excel and Parquet date cells are taken as they are (at their
    local date when they carry a time zone). Days beyond what nanosecond timestamps hold
    are held at the nearest one they hold (1677-09-22 or 2262-04-11): far outside the
    dates a session can have, they are still reported as too early or too late.

    Examples
    --------
    >>> import pandas as pd
    >>> v, bad = parse_dates(pd.Series(["2025-03-14", "14/03/2025", "2025-02-30", None]))
    >>> [str(x)[:10] for x in v], bad.tolist()
    (['2025-03-14', 'NaT', 'NaT', 'NaT'], [False, True, True, False])
    >>> [str(x)[:10] for x in parse_dates(pd.Series(["9999-12-31", "1500-01-01"]))[0]]
    ['2262-04-11', '1677-09-22']
    """
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        values = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) else raw
        # (numpy datetimes of the column's unit, floored to the day: no pandas copy)
        days = np.asarray(values.to_numpy()).astype("datetime64[D]")
        return _days_as_ns(days), np.zeros(len(raw), dtype=bool)
    codes, uniques = _factorize(raw)
    parsed = np.full(len(uniques), np.datetime64("NaT"), dtype="datetime64[D]")
    bad_u = np.zeros(len(uniques), dtype=bool)
    for i, u in enumerate(uniques):
        if isinstance(u, pd.Timestamp | _dt.datetime | _dt.date):  # (its own local date)
            parsed[i] = np.datetime64(_dt.date(u.year, u.month, u.day), "D")
            continue
        text = str(u).strip()
        if text == "":
            continue
        try:
            if date_format is not None:
                stamp = _dt.datetime.strptime(text, date_format)
            elif _ISO_DATE.match(text):
                stamp = _dt.datetime.fromisoformat(text.replace(" ", "T"))
            else:
                raise ValueError(text)
            parsed[i] = np.datetime64(stamp.date(), "D")
        except ValueError:
            bad_u[i] = True
    dates = _days_as_ns(_spread(codes, parsed, np.datetime64("NaT")).astype("datetime64[D]"))
    return dates, _spread_flags(codes, bad_u)


def map_labels(raw: pd.Series, table: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Map labels through an alias table (after :func:`schema.normalise_name`).

    Returns ``(mapped values as object array, invalid mask)``; missing stays missing.

    Examples
    --------
    >>> import pandas as pd
    >>> v, bad = map_labels(pd.Series(["Yes", "0", None, "maybe"]), schema.BOOLEAN_VALUES)
    >>> v.tolist(), bad.tolist()
    ([True, False, None, None], [False, False, False, True])
    """
    codes, uniques = _factorize(raw)
    mapped = np.empty(len(uniques), dtype=object)
    bad_u = np.zeros(len(uniques), dtype=bool)
    for i, u in enumerate(uniques):
        text = _label(u)
        if text.strip() == "":
            mapped[i] = None
            continue
        hit = table.get(schema.normalise_name(text))
        mapped[i] = hit
        bad_u[i] = hit is None
    values = _spread(codes, mapped, None)
    bad = _spread_flags(codes, bad_u)
    return values, bad


def _map_unique(raw: pd.Series, fn: Any) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``fn(text) -> (value or None, ok)`` to each distinct value."""
    codes, uniques = _factorize(raw)
    mapped = np.empty(len(uniques), dtype=object)
    bad_u = np.zeros(len(uniques), dtype=bool)
    for i, u in enumerate(uniques):
        text = _label(u).strip()
        if text == "":
            mapped[i] = None
            continue
        mapped[i], ok = fn(text)
        bad_u[i] = not ok
    return _spread(codes, mapped, None), _spread_flags(codes, bad_u)


def _adverse(text: str) -> tuple[str | None, bool]:
    tokens = [schema.normalise_name(t) for t in text.split(schema.LIST_SEPARATOR) if t.strip()]
    mapped = [schema.ADVERSE_EVENT_ALIASES.get(t) for t in tokens]
    if not mapped or any(m is None for m in mapped):
        return None, False
    events = sorted(set(m for m in mapped if m is not None))
    if "none" in events and len(events) > 1:
        return None, False
    return schema.LIST_SEPARATOR.join(events), True


def _muscles(text: str) -> tuple[str | None, bool]:
    tokens = [schema.normalise_name(t) for t in text.split(schema.LIST_SEPARATOR)]
    tokens = [t for t in tokens if t]
    return (schema.LIST_SEPARATOR.join(tokens) if tokens else None), True


def _age_band(text: str) -> tuple[str | None, bool]:
    match = schema.AGE_BAND_PATTERN.match(text.replace(" ", ""))
    if not match:
        return None, False
    if match.group(1) is None:
        return "90+", True
    lo, hi = int(match.group(1)), int(match.group(2))
    if lo > hi or hi > 89:
        return None, False
    return f"{lo}-{hi}", True


_strip = np.frompyfunc(str.strip, 1, 1)


def _texts(uniques: np.ndarray) -> np.ndarray:
    """Distinct values as stripped text (an object array; one C loop when all are strings)."""
    values = np.asarray(uniques, dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty"):
        return np.asarray(_strip(values), dtype=object)
    return np.array([_label(u).strip() for u in values], dtype=object)


def _ids(raw: pd.Series) -> Any:
    """Identifier text as a categorical, stripped of surrounding white space; blank -> missing.

    Work is done on the distinct values only, so ten million rows with 1.5 million
    patients cost one factorisation.
    """
    codes, uniques = _factorize(raw)
    texts = _texts(uniques)
    blank = texts == ""
    # sorted categories: results never depend on the order of rows in the file
    # (distinct values that are already sorted and unique need no sort: one scan, in which
    # the index learns it is unique too, so no hash table is built)
    if not blank.any():
        index = pd.Index(texts, dtype=object)
        if index.is_monotonic_increasing and index.is_unique:
            # (a copy of the codes: they may be the input's own, which the user may change)
            return _from_codes(codes.copy(), categories=index)
    labels = pd.Series(texts, dtype=object).mask(blank)
    new_codes, categories = pd.factorize(labels, use_na_sentinel=True, sort=True)
    return _from_codes(
        _spread(codes, new_codes.astype(np.int64), -1),
        categories=pd.Index(categories, dtype=object),
    )


def _row_labels(prefix: str, rows: np.ndarray) -> pd.Categorical:
    """Categorical labels ``prefix + row`` for generated keys, built in one vectorised pass."""
    width = max(7, len(str(int(rows.max())))) if len(rows) else 7  # stable below 10M rows
    digits = pc.utf8_lpad(pc.cast(pa.array(rows), pa.string()), width=width, padding="0")
    text = pc.binary_join_element_wise(prefix, digits, "")
    # zero-padded rows sort in file order, so pandas checks their uniqueness in one scan
    categories = pd.Index(text.to_numpy(zero_copy_only=False), dtype=object)
    return _from_codes(
        np.arange(len(rows), dtype=_code_dtype(len(rows))),  # (at the width pandas keeps)
        dtype=cast(pd.CategoricalDtype, pd.CategoricalDtype(categories)),
    )


def _from_codes(
    codes: Any, categories: Any = None, ordered: bool = False, dtype: Any = None
) -> pd.Categorical:
    """``pd.Categorical.from_codes`` taking plain lists of categories (typed once, here)."""
    codes = np.asarray(codes)
    if codes.dtype.kind not in "iu":  # integer codes of any width are taken as they are
        codes = codes.astype(np.int64)
    if dtype is not None:
        return pd.Categorical.from_codes(codes, dtype=dtype)
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories), ordered=ordered)


def _drop_unused(values: pd.Series) -> pd.Series:
    """``cat.remove_unused_categories()`` by counting codes instead of sorting them."""
    codes = _cat_codes(values)
    cats = values.cat.categories
    used = _used_categories(codes, len(cats))
    if used.all():
        return values
    remap = np.cumsum(used) - 1
    new = np.where(codes >= 0, remap[codes], -1)
    return pd.Series(
        pd.Categorical.from_codes(new, categories=cats[used], ordered=values.cat.ordered),
        index=values.index,
        name=values.name,
    )


def _private_copy(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy to modify: shallow under copy-on-write (pandas 3, or 2.x with the option on),
    where a later change copies only what it touches; deep otherwise."""
    cow = int(pd.__version__.split(".")[0]) >= 3 or bool(
        getattr(pd.options.mode, "copy_on_write", False) is True
    )
    return frame.copy(deep=not cow)


def _row_dtype(n_rows: int) -> type[np.signedinteger[Any]]:
    """Integer type for row positions in a table of ``n_rows`` rows (32 bits while they fit)."""
    return np.int32 if n_rows < 2**31 else np.int64


def _measure_frame(
    *,
    pos: np.ndarray,
    measure: np.ndarray,
    measures: list[str],
    timing: np.ndarray,
    value: np.ndarray,
    source_row: np.ndarray,
    column: np.ndarray,
    columns: list[str],
    file: str,
    n_rows: int,
) -> pd.DataFrame:
    """The loader's intermediate measures table: integer codes under categoricals.

    ``_pos`` is the row of the measure's session in the session table of ``n_rows`` rows.
    """
    n = len(pos)
    return pd.DataFrame(
        {
            "_pos": np.asarray(pos, dtype=_row_dtype(n_rows)),
            "measure": _from_codes(measure, categories=measures),
            "timing": _from_codes(timing, categories=list(schema.TIMINGS), ordered=True),
            "value": np.asarray(value, dtype=np.float64),
            "source_row": np.asarray(source_row, dtype=np.int64),
            "_column": _from_codes(column, categories=columns),
            "_file": _from_codes(np.zeros(n, dtype=np.int8), categories=[file]),
        },
        copy=False,  # no consolidation into 2-D blocks: the columns are used one by one
    )


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate intermediate measures tables, uniting their categories (no object columns)."""
    frames = [f for f in frames if len(f)] or frames[:1]
    if len(frames) == 1:
        return frames[0]
    out = {}
    for col in frames[0].columns:
        parts = [f[col] for f in frames]
        if isinstance(parts[0].dtype, pd.CategoricalDtype):
            out[col] = pd.Series(pd.api.types.union_categoricals(parts))
        else:
            out[col] = pd.Series(np.concatenate([p.to_numpy() for p in parts]))
    return pd.DataFrame(out, copy=False)


# ---------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------

_ALIAS_HINT = {
    "patient_id": "Patient ID, pid, subject, participant_id",
    "condition": "Condition, Diagnosis, Dx",
    "session_date": "Date, Visit date, Treatment date",
    "session_number": "Session, Session No, Visit number",
}

_FIXES = {
    "condition": "use one of {allowed}, or map the label with conditions={{'{value}': 'a_condition'}}",
    "practitioner_role": "use one of " + ", ".join(schema.PRACTITIONER_ROLES),
    "sex": "use one of " + ", ".join(schema.SEXES),
    "adverse_events": (
        "use ';'-separated events from " + ", ".join(schema.ADVERSE_EVENTS) + " ('none' alone)"
    ),
    "age_band": "use a band such as 30-39 (upper bound at most 89) or 90+; exact ages are not accepted",
    "twitch_response": "use yes/no, true/false or 1/0",
}


#: load_sessions' progress: the units of each stage, about its share of the time (a
#: 94,000-session CSV: reading 1.8 s, identifiers 2.4 s, the rest 0.6 s).
_LOAD_UNITS = {"read": 9, "identifiers": 12, "sessions": 1, "measures": 1, "episodes": 2,
               "finish": 1}  # fmt: skip


class _Build:
    """One run of the checks over a session table (and optional long measures table)."""

    def __init__(
        self,
        raw: RawTable,
        measures_raw: RawTable | None,
        *,
        column_map: Mapping[str, str] | None,
        pain_scale: str,
        conditions: Mapping[str, str] | None,
        coerce: bool,
        allow_columns: Iterable[str],
        date_format: str | None,
        export_date: pd.Timestamp,
        episode_gap_days: int,
        open_after_days: int,
        raise_identifiers: bool,
    ) -> None:
        self.raw, self.measures_raw = raw, measures_raw
        self.column_map = column_map
        self.pain_scale = pain_scale
        self.condition_table = schema.condition_aliases(conditions)
        self.coerce = coerce
        self.allow_columns = list(allow_columns)
        self.date_format = date_format
        self.export_date = export_date
        self.episode_gap_days = episode_gap_days
        self.open_after_days = open_after_days
        self.raise_identifiers = raise_identifiers
        self.issues = _Collector()
        self.excluded: list[pd.DataFrame] = []
        self.generated_ids = False  # session ids made from the rows (set by _sessions)
        # rows of a text or Excel file with no cell filled (set by run); None: no such row
        self.blank_rows: np.ndarray | None = None
        # told each stage of run() with its units (load_sessions' progress; else nothing)
        self.step: Callable[[str, int], None] = lambda stage, units: None

    # -- helpers ---------------------------------------------------------
    def _add(
        self,
        mask: np.ndarray,
        column: str,
        canonical: str,
        raw: pd.Series,
        check: str,
        problem: str,
        fix: str,
        severity: str = "error",
        file: str | None = None,
        rows: np.ndarray | None = None,
    ) -> None:
        if rows is None and self.blank_rows is not None:  # (blank rows are excluded, not checked)
            mask = mask & ~self.blank_rows
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        base_rows = rows if rows is not None else self.rows
        self.issues.add(
            file=file or self.raw.file,
            rows=base_rows[idx],
            column=column,
            canonical=canonical,
            values=raw.iloc[idx].reset_index(drop=True),
            check=check,
            problem=problem,
            fix=fix,
            severity=severity,
        )

    def _header(
        self,
        column: str,
        canonical: str,
        check: str,
        problem: str,
        fix: str,
        severity: str = "error",
        file: str | None = None,
    ) -> None:
        self.issues.add(
            file=file or self.raw.file,
            rows=np.array([1]),
            column=column,
            canonical=canonical,
            values=pd.Series([column]),
            check=check,
            problem=problem,
            fix=fix,
            severity=severity,
        )

    def _exclude(self, mask: np.ndarray, reason: str) -> None:
        idx = np.flatnonzero(mask)
        if idx.size:
            self.excluded.append(
                pd.DataFrame({"file": self.raw.file, "row": self.rows[idx], "reason": reason})
            )

    # -- the run ---------------------------------------------------------
    def run(
        self,
    ) -> tuple[ValidationReport, pd.DataFrame | None, pd.DataFrame | None, dict[str, Any]]:
        frame = _categorize(self.raw.frame)
        self.rows = np.arange(self.raw.first_row, len(frame) + self.raw.first_row, dtype=np.int64)
        if self.raw.sheet_like:
            self.blank_rows = _blank_rows(frame)
        files = [self.raw.file] + ([self.measures_raw.file] if self.measures_raw else [])
        self.step("checking for identifiers", _LOAD_UNITS["identifiers"])
        self._identifiers(frame, self.raw.file, first_row=self.raw.first_row)
        plan = plan_columns([str(c) for c in frame.columns], self.column_map)
        findings_cols = set(self.identifier_columns)
        unknown = [col for col in plan.unknown if col not in findings_cols]
        self.issues.add_columns(  # (one frame for all: a wide file may have hundreds)
            file=self.raw.file,
            columns=unknown,
            check="unknown_column",
            problem="is not a column this library knows; it is ignored",
            fixes=[
                "rename it to a canonical name (see the data dictionary) or map it with "
                "column_map={'"
                + column_label(col)
                + "': 'canonical_name'}; remove it if not needed"
                for col in unknown
            ],
            severity="warning",
        )
        for canonical, cols in plan.duplicates.items():
            for col in cols[1:]:
                self._header(
                    col,
                    canonical,
                    "duplicate_column",
                    f"maps to {canonical!r}, as does column '{column_label(cols[0])}'",
                    "keep one of them, or map one elsewhere with column_map",
                )
        missing = [c for c in schema.REQUIRED_SESSION_COLUMNS if c not in plan.session]
        if not any(c in plan.session for c in schema.SESSION_TIME_COLUMNS):
            missing.append("session_date or session_number")
        elsewhere = ""
        if len(self.raw.sheets) > 1:  # the data may be on another sheet of the workbook
            others = [n for n in self.raw.sheets if n != self.raw.sheet]
            listed = ", ".join(repr(n) for n in others)
            fits = [n for n in others if self._sheet_fits(n)]
            elsewhere = (
                f"; sheet {self.raw.sheet!r} was read, and the workbook also has {listed}"
                + (
                    f": the sessions look to be on sheet {fits[0]!r}, so pass sheet={fits[0]!r}"
                    if fits
                    else ": if the sessions are on another sheet, pass sheet='its name'"
                )
            )
        names = [str(c) for c in frame.columns]
        if missing and sum(n.startswith("Unnamed: ") for n in names) * 2 >= len(names) > 0:
            elsewhere += (
                "; most cells of the header row are empty: if there are title or note rows "
                "above the header, delete them so that the header is the first row"
            )
        for c in missing:
            hint = _ALIAS_HINT.get(c, "Date or Session No")
            self.issues.add(
                file=self.raw.file,
                rows=None,
                column=c,
                canonical=c,
                values="",
                check="missing_column",
                problem="a required column is missing",
                fix=f"add it (accepted names include {hint}) or name yours with column_map="
                f"{{'Your name': '{c}'}}{elsewhere}",
            )
        n_blank = 0 if self.blank_rows is None else int(self.blank_rows.sum())
        no_data = len(frame) - n_blank == 0
        if no_data:
            what = (
                "has a header but no data rows"
                if not n_blank
                else f"has a header and {format_count(n_blank, 'blank row')}, but no data rows"
            )
            self.issues.add(
                file=self.raw.file,
                rows=None,
                column="",
                canonical="",
                values="",
                check="no_data",
                problem="",
                fix="",
                message=f"{self.raw.file}: the table {what}, so there is nothing to check or "
                "load. Fix: export the sessions again (check the export's date range and "
                f"filters){elsewhere}",
            )
        meta = self._metadata(frame)
        if missing or no_data:
            return self._final_report(files), None, None, meta

        self.step("checking the sessions", _LOAD_UNITS["sessions"])
        sessions, valid = self._sessions(frame, plan)
        self.step("checking the measures", _LOAD_UNITS["measures"])
        measures = self._wide_measures(frame, plan)
        if self.measures_raw is not None:
            long = self._long_measures(sessions, valid)
            measures = _stack([measures, long])

        self.step("checking across rows and finding the episodes", _LOAD_UNITS["episodes"])
        sessions, measures = self._cross_row(sessions, valid, measures)
        meta.update(self._counts(sessions, measures))
        report = self._final_report(files)
        return report, sessions, measures, meta

    def _sheet_fits(self, sheet: str) -> bool:
        """Whether a sheet of the workbook read has every required session column."""
        if self.raw.path is None:
            return False
        try:
            header = pd.read_excel(self.raw.path, sheet_name=sheet, nrows=0, engine="openpyxl")
        except Exception:  # (a sheet that cannot be read is just not suggested)
            return False
        plan = plan_columns([str(c) for c in header.columns], self.column_map)
        return all(c in plan.session for c in schema.REQUIRED_SESSION_COLUMNS) and any(
            c in plan.session for c in schema.SESSION_TIME_COLUMNS
        )

    def _final_report(self, files: Iterable[str]) -> ValidationReport:
        """The report; for a DataFrame with its own index, the index label of each row.

        ``row`` of a DataFrame is its position + 2 (the row it would have in a CSV written
        with ``to_csv(index=False)``); when the frame's index is not the default 0..n-1
        (rows dropped or reordered), ``index`` gives each problem row's own label.
        """
        report = self.issues.report(files)
        index = self.raw.frame.index
        default = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
        if self.raw.file == DATAFRAME_LABEL and not default and len(report.table):
            rows = report.table["row"]
            labels = [
                index[int(r) - 2] if pd.notna(r) and 2 <= int(r) < len(index) + 2 else None
                for r in rows
            ]
            report.table.insert(2, "index", pd.Series(labels, dtype=object))
        return report

    def _metadata(self, frame: pd.DataFrame) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "source": self.raw.path or self.raw.file,
            "sha256": self.raw.sha256,
            "pain_scale": self.pain_scale,
            "rows_read": len(frame),
            "export_date": self.export_date.date().isoformat(),
            "episode_gap_days": self.episode_gap_days,
            "open_after_days": self.open_after_days,
            "package_version": __version__,
            "loaded_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        if self.measures_raw is not None:
            meta["measures_source"] = self.measures_raw.path or self.measures_raw.file
            meta["measures_sha256"] = self.measures_raw.sha256
            meta["measure_rows_read"] = len(self.measures_raw.frame)
        return meta

    def _identifiers(self, frame: pd.DataFrame, file: str, first_row: int = 2) -> None:
        from tpdn_outcomes.privacy import check_identifiers, find_identifiers

        findings = find_identifiers(
            frame, source=file, allow_columns=self.allow_columns, first_row=first_row
        )
        if self.raise_identifiers and len(findings):
            check_identifiers(frame, source=file, allow_columns=self.allow_columns)  # raises
        names = [str(c) for c in frame.columns]
        self.identifier_columns = [names[j] for j in findings.attrs.get("positions", [])]
        for col in findings.attrs.get("sampled_columns", []):
            if col in self.identifier_columns:
                continue  # refused anyway; its finding says it was sampled
            from tpdn_outcomes._detect import MAX_CHECKED

            self.issues.add(
                file=file,
                rows=None,
                column=str(col),
                canonical="",
                values="",
                check="identifier_sample",
                problem="",
                fix="",
                severity="warning",
                message=(
                    f"{file}, column '{col}': the identifier guard judged a random sample of "
                    f"{MAX_CHECKED:,} of this column's candidate values with libphonenumber, "
                    "python-stdnum or usaddress (the rest were screened by pattern only) and "
                    "found no identifier. Fix: none needed; check the column yourself if it "
                    "may hold phone numbers, ids or addresses."
                ),
            )
        self.issues.withheld |= {(file, c) for c in self.identifier_columns}
        for f in findings.itertuples(index=False):
            row = getattr(f, "first_row", None)
            self.issues.add(
                file=file,
                rows=np.array([row if pd.notna(row) else 1]),
                column=str(f.column),
                canonical="",
                values=pd.Series(["<withheld>"]),
                check="identifier",
                problem="",
                fix="",
                message=f"{file}, column '{f.column}': {f.reason}",  # the reason carries the fix
            )

    # -- session columns ---------------------------------------------------
    def _sessions(self, frame: pd.DataFrame, plan: Any) -> tuple[pd.DataFrame, np.ndarray]:
        n = len(frame)
        out: dict[str, Any] = {}
        bad_key = np.zeros(n, dtype=bool)
        col = plan.session

        out["patient_id"] = _ids(frame[col["patient_id"]])  # blank text -> missing
        for key in ("patient_id", "condition"):
            blank = (
                np.asarray(out[key].codes) < 0
                if key == "patient_id"
                else _is_blank(frame[col[key]])
            )
            self._add(
                blank,
                col[key],
                key,
                frame[col[key]],
                "missing_value",
                "is blank, and this column is required",
                f"fill in the {key.replace('_', ' ')} or remove the row",
            )
            bad_key |= blank

        allowed = sorted(set(self.condition_table.values()))
        cond_codes, _, bad = _recode(
            frame[col["condition"]], _lookup(self.condition_table), categories=allowed
        )
        if bad.any():
            raw_cond = frame[col["condition"]]
            bad_codes, uniques = _factorize(raw_cond)
            for code in np.unique(bad_codes[bad]):
                value = _label(uniques[code])
                self._add(
                    bad & (bad_codes == code),
                    col["condition"],
                    "condition",
                    raw_cond,
                    "unknown_condition",
                    "is not a known condition",
                    _FIXES["condition"].format(allowed=", ".join(allowed), value=_short(value, 60)),
                )
        bad_key |= bad
        out["condition"] = _from_codes(cond_codes, categories=allowed)

        has_time = np.zeros(n, dtype=bool)
        if "session_date" in col:
            raw = frame[col["session_date"]]
            dates, bad = parse_dates(raw, self.date_format)
            fmt = (
                f"in the format {self.date_format!r}"
                if self.date_format
                else "in ISO form YYYY-MM-DD"
            )
            self._add(
                bad,
                col["session_date"],
                "session_date",
                raw,
                "invalid_date",
                f"is not a real date {fmt}",
                "write dates as YYYY-MM-DD (e.g. 2025-03-14), or pass date_format='%d/%m/%Y' "
                "if the whole column uses that form",
            )
            early = dates < np.datetime64(schema.MIN_SESSION_DATE)
            late = dates > np.datetime64(self.export_date.normalize().to_datetime64())
            self._add(
                early,
                col["session_date"],
                "session_date",
                raw,
                "date_out_of_range",
                f"is before {schema.MIN_SESSION_DATE}",
                "correct the date (typing error?)",
            )
            self._add(
                late,
                col["session_date"],
                "session_date",
                raw,
                "date_out_of_range",
                f"is after the export date {self.export_date.date()}",
                "correct the date, or pass export_date= if the export is newer",
            )
            dates = np.where(early | late, np.datetime64("NaT"), dates)
            out["session_date"] = pd.Series(dates, dtype="datetime64[ns]")
            has_time |= ~np.isnat(dates)
            bad_key |= bad | early | late if "session_number" not in col else np.zeros(n, bool)
        else:
            out["session_date"] = pd.Series(np.full(n, np.datetime64("NaT"), "datetime64[ns]"))
        if "session_number" in col:
            raw = frame[col["session_number"]]
            num, bad = parse_numbers(raw)
            frac = ~np.isnan(num) & (num != np.round(num))
            self._add(
                bad | frac,
                col["session_number"],
                "session_number",
                raw,
                "invalid_number",
                "is not a whole number",
                "write the session number as 1, 2, 3, ...",
            )
            low = ~np.isnan(num) & ~frac & (num < 1)
            self._add(
                low,
                col["session_number"],
                "session_number",
                raw,
                "out_of_range",
                "is below 1",
                "number sessions from 1",
            )
            huge = _too_large(num, frac)
            self._add(
                huge,
                col["session_number"],
                "session_number",
                raw,
                "out_of_range",
                f"is above {_MAX_WHOLE:.0f}, the largest whole number held exactly",
                "number sessions from 1",
            )
            low |= huge
            num = np.where(bad | frac | low, np.nan, num)
            out["session_number"] = _int_array(num)
            has_time |= ~np.isnan(num)
            if "session_date" not in col:
                bad_key |= bad | frac | low
        else:
            out["session_number"] = _int_array(np.full(n, np.nan))
        no_time = ~has_time & ~bad_key
        if "session_date" in col and "session_number" in col:
            cols = f"'{col['session_date']}' and '{col['session_number']}'"
            blank_both = (
                no_time
                & _is_blank(frame[col["session_date"]])
                & _is_blank(frame[col["session_number"]])
            )
            self._add(
                blank_both,
                col["session_date"],
                "session_date",
                frame[col["session_date"]],
                "missing_value",
                f"is blank, as is the session number ({cols})",
                "give the session date or number",
            )
        else:
            c = col.get("session_date", col.get("session_number"))
            canonical = "session_date" if "session_date" in col else "session_number"
            self._add(
                no_time & _is_blank(frame[c]),
                c,
                canonical,
                frame[c],
                "missing_value",
                "is blank, and this column is required",
                "give the session date or number",
            )
        bad_key |= ~has_time

        for key in ("session_id", "episode_id", "clinic_id"):
            out[key] = (
                _ids(frame[col[key]])
                if key in col
                else _from_codes(np.full(n, -1, np.int8), categories=pd.Index([], dtype=object))
            )

        for key, table, cats in (
            ("practitioner_role", schema.PRACTITIONER_ROLE_ALIASES, schema.PRACTITIONER_ROLES),
            ("sex", schema.SEX_ALIASES, schema.SEXES),
        ):
            codes = np.full(n, -1, dtype=np.int8)
            if key in col:
                codes, _, bad = _recode(frame[col[key]], _lookup(table), categories=list(cats))
                self._add(
                    bad,
                    col[key],
                    key,
                    frame[col[key]],
                    "invalid_category",
                    "is not allowed",
                    _FIXES[key],
                )
            out[key] = _from_codes(codes, categories=list(cats))
        if "twitch_response" in col:
            codes, _, bad = _recode(
                frame[col["twitch_response"]],
                _lookup(schema.BOOLEAN_VALUES),
                categories=[False, True],
            )
            self._add(
                bad,
                col["twitch_response"],
                "twitch_response",
                frame[col["twitch_response"]],
                "invalid_boolean",
                "is not yes or no",
                _FIXES["twitch_response"],
            )
            out["twitch_response"] = pd.arrays.BooleanArray(codes == 1, codes < 0)
        else:
            out["twitch_response"] = pd.arrays.BooleanArray(np.zeros(n, bool), np.ones(n, bool))
        for key, fn in (
            ("adverse_events", _adverse),
            ("muscles", _muscles),
            ("age_band", _age_band),
        ):
            codes = np.full(n, -1, dtype=np.int8)
            labels: list[Any] = []
            if key in col:
                codes, labels, bad = _recode(frame[col[key]], fn)
                self._add(
                    bad,
                    col[key],
                    key,
                    frame[col[key]],
                    "invalid_category",
                    "is not allowed",
                    _FIXES.get(key, ""),
                )
            if key == "age_band":  # ordered by the band's lower bound
                rank = np.argsort(
                    [int(str(b).split("-")[0].rstrip("+")) for b in labels], kind="stable"
                )
                remap = np.empty(len(labels), dtype=codes.dtype)
                remap[rank] = np.arange(len(labels))
                codes = np.where(codes >= 0, remap[np.maximum(codes, 0)] if len(labels) else -1, -1)
                out[key] = _from_codes(codes, categories=[labels[i] for i in rank], ordered=True)
            else:
                out[key] = _from_codes(codes, categories=pd.Index(labels, dtype=object))
        if "needle_count" in col:
            raw = frame[col["needle_count"]]
            num, bad = parse_numbers(raw)
            frac = ~np.isnan(num) & (num != np.round(num))
            self._add(
                bad | frac,
                col["needle_count"],
                "needle_count",
                raw,
                "invalid_number",
                "is not a whole number",
                "write the number of needles as 0, 1, 2, ...",
            )
            neg = ~np.isnan(num) & (num < 0)
            self._add(
                neg,
                col["needle_count"],
                "needle_count",
                raw,
                "out_of_range",
                "is below 0",
                "the needle count cannot be negative; correct it",
            )
            huge = _too_large(num, frac)
            self._add(
                huge,
                col["needle_count"],
                "needle_count",
                raw,
                "out_of_range",
                f"is above {_MAX_WHOLE:.0f}, the largest whole number held exactly",
                "correct the number of needles",
            )
            neg |= huge
            out["needle_count"] = _int_array(np.where(bad | frac | neg, np.nan, num))
        else:
            out["needle_count"] = _int_array(np.full(n, np.nan))

        out["source_row"] = self.rows
        sessions = pd.DataFrame(out, copy=False)
        self.generated_ids = bool(sessions["session_id"].isna().all())
        if self.generated_ids:  # codes 0, 1, 2, ...: a row's position is its id's code
            sessions["session_id"] = _row_labels("S", self.rows)
        else:
            blank = sessions["session_id"].isna().to_numpy()
            self._add(
                blank,
                col["session_id"],
                "session_id",
                frame[col["session_id"]],
                "missing_value",
                "is blank, but the file gives session ids",
                "fill in the session id",
            )
            bad_key |= blank
        if "episode_id" in col and not sessions["episode_id"].isna().all():
            blank = sessions["episode_id"].isna().to_numpy()
            self._add(
                blank,
                col["episode_id"],
                "episode_id",
                frame[col["episode_id"]],
                "missing_value",
                "is blank, but the file gives episodes, so this session belongs to none",
                "fill in the episode (that of the patient's other sessions of the same course "
                "of treatment), or remove the column to have episodes found from the dates",
            )
            bad_key |= blank
        if self.blank_rows is not None:
            bad_key |= self.blank_rows
            self._exclude(self.blank_rows, "blank row (no cell filled)")
            why = bad_key & ~self.blank_rows
        else:
            why = bad_key
        self._exclude(why, "missing or invalid patient, condition or session date/number")
        return sessions, ~bad_key

    # -- measures ------------------------------------------------------------
    def _check_values(
        self,
        values: np.ndarray,
        measure: np.ndarray | str,
        raw: pd.Series,
        column: str,
        file: str | None = None,
        rows: np.ndarray | None = None,
        at: np.ndarray | None = None,
    ) -> np.ndarray:
        """Range checks of measure values (on the declared pain scale); returns the out-of-range mask.

        ``at``: the positions in ``raw`` of ``values`` when they are only some of its
        cells (the returned mask is then over ``values``).
        """
        lows: np.ndarray | float
        highs: np.ndarray | float
        groups: dict[str, np.ndarray | None]
        if isinstance(measure, str):  # one measure: scalar bounds, no per-value arrays
            spec = schema.measure_spec(measure)
            lows = spec.low
            highs = schema.PAIN_SCALES[self.pain_scale][0] if spec.kind == "pain" else spec.high
            groups = {measure: None}
        else:
            codes, uniq = pd.factorize(measure)
            specs = [schema.measure_spec(str(u)) for u in uniq]
            lo = np.array([s.low for s in specs])
            hi = np.array(
                [
                    schema.PAIN_SCALES[self.pain_scale][0] if s.kind == "pain" else s.high
                    for s in specs
                ]
            )
            lows, highs = lo[codes], hi[codes]
            groups = {str(u): codes == i for i, u in enumerate(uniq)}
        with np.errstate(invalid="ignore"):  # NaN compares False: missing is never out of range
            out = (values < lows) | (values > highs)
        for name, in_group in groups.items():
            mask = out if in_group is None else out & in_group
            if not mask.any():
                continue
            if at is not None:  # back to a mask over the column's cells
                cells = np.zeros(len(raw), dtype=bool)
                cells[at[mask]] = True
                mask = cells
            spec = schema.measure_spec(name)
            top = schema.PAIN_SCALES[self.pain_scale][0] if spec.kind == "pain" else spec.high
            unit = schema.UNITS[spec.unit].words
            if spec.kind == "pain" and self.pain_scale == "vas100":
                unit = "mm"
            if spec.kind == "pain" and self.pain_scale == "nprs":
                fix = (
                    "pain is NPRS 0-10; correct the value, or if this file records VAS 0-100 mm, "
                    "pass pain_scale='vas100'"
                )
            elif spec.kind == "pain":
                fix = "VAS is 0-100 mm; correct the value"
            else:
                fix = f"{spec.label} must lie in {spec.low:g}-{top:g} {unit}; correct the value"
            self._add(
                mask,
                column,
                name,
                raw,
                "out_of_range",
                f"is outside {spec.low:g}-{top:g} {unit} for {name}",
                fix,
                file=file,
                rows=rows,
            )
        return out

    def _present_numbers(
        self,
        raw: pd.Series,
        col: str,
        measure: str,
        out: tuple[np.ndarray, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(positions, values)`` of the cells of a measure column holding a number.

        Cells that are not numbers are reported. A numeric column (Parquet, Excel) is read
        at its filled cells only: most measure columns are sparse (a ROM site or a function
        instrument belongs to some conditions), and fresh memory is the main cost of a
        ten-million-row file. An Arrow-backed column's cells are written into ``out``
        (the long table's position and value columns from the next free row) and views
        of it are returned; other columns return arrays of their own.
        """
        arrow = _arrow_numbers(raw)
        if arrow is not None:  # Arrow-backed (Parquet): the filled cells without a full copy
            keep, values = _arrow_filled(arrow, out)  # (written into ``out``)
        elif _is_real(raw.dtype):
            keep = np.flatnonzero(raw.notna().to_numpy())
            array = raw.array
            if isinstance(array, pd.api.extensions.ExtensionArray):
                values = array.take(keep).to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                values = np.asarray(array, dtype=np.float64)[keep]
        else:
            full, bad = parse_numbers(raw)
            self._add(
                bad,
                col,
                measure,
                raw,
                "invalid_number",
                "is not a number",
                "write a number with a point as decimal separator, or leave the cell blank",
            )
            keep = np.flatnonzero(~np.isnan(full))
            values = full[keep]
        # a float NaN that the column does not count as missing is left out; an infinite
        # value is reported as not a number, as it is when written as text
        number = np.isfinite(values)
        if not number.all():
            infinite = np.isinf(values)
            if infinite.any():
                cells = np.zeros(len(raw), dtype=bool)
                cells[keep[infinite]] = True
                self._add(
                    cells,
                    col,
                    measure,
                    raw,
                    "invalid_number",
                    "is not a finite number",
                    "write the measured value, or leave the cell blank",
                )
            keep, values = keep[number], values[number]
        return keep, values

    def _wide_measures(self, frame: pd.DataFrame, plan: Any) -> pd.DataFrame:
        divisor = schema.PAIN_SCALES[self.pain_scale][1]
        names = list(dict.fromkeys(m for _, m, _ in plan.measures))
        columns = [c for c, _, _ in plan.measures]
        # the output columns are allocated once, for every filled cell, and filled column
        # by column (no per-column parts to concatenate); cells found blank, not numbers
        # or out of range leave a tail that is never used
        cap = sum(_filled(frame[col]) for col in columns)
        pos = np.empty(cap, dtype=_row_dtype(len(frame)))
        measure_code = np.empty(cap, dtype=np.int16)
        timing_code = np.empty(cap, dtype=np.int8)
        value = np.empty(cap, dtype=np.float64)
        source_row = np.empty(cap, dtype=np.int64)
        column_code = np.empty(cap, dtype=np.int16)
        at = 0
        for c_code, (col, measure, timing) in enumerate(plan.measures):
            raw = frame[col]
            # (an Arrow column's cells are written in place; other columns' are copied)
            keep, values = self._present_numbers(raw, col, measure, out=(pos[at:], value[at:]))
            out = self._check_values(values, measure, raw, col, at=keep)
            if out.any():
                keep, values = keep[~out], values[~out]
            span = slice(at, at + len(keep))
            if keep.base is not pos:
                pos[span] = keep
            if values.base is not value:
                value[span] = values
            measure_code[span] = names.index(measure)
            timing_code[span] = schema.TIMINGS.index(timing)
            if measure == "pain" and divisor != 1:
                value[span] /= divisor
            np.add(keep, self.raw.first_row, out=source_row[span])  # (= self.rows[keep])
            column_code[span] = c_code
            at += len(keep)
        return _measure_frame(
            pos=pos[:at],
            measure=measure_code[:at],
            measures=names,
            timing=timing_code[:at],
            value=value[:at],
            source_row=source_row[:at],
            column=column_code[:at],
            columns=columns,
            file=self.raw.file,
            n_rows=len(frame),
        )

    def _long_measures(self, sessions: pd.DataFrame, valid: np.ndarray) -> pd.DataFrame:
        assert self.measures_raw is not None
        mraw = self.measures_raw
        frame = _categorize(mraw.frame)
        file = mraw.file
        rows = np.arange(mraw.first_row, len(frame) + mraw.first_row, dtype=np.int64)
        self._identifiers(frame, file, first_row=mraw.first_row)
        if mraw.sheet_like:
            blank = _blank_rows(frame)  # (blank lines carry nothing; the rest keep their rows)
            if blank is not None:
                frame, rows = frame[~blank].reset_index(drop=True), rows[~blank]
        cols: dict[str, str] = {}
        user = {schema.normalise_name(k): v for k, v in (self.column_map or {}).items()}
        for c in frame.columns:
            norm = schema.normalise_name(c)
            target = schema.normalise_name(user.get(norm, norm))
            canonical = MEASURE_TABLE_ALIASES.get(target) or schema.COLUMN_ALIASES.get(target)
            if canonical and canonical not in cols:
                cols[canonical] = str(c)
        need = ["measure", "timing", "value"]
        keys = (
            ["session_id"]
            if "session_id" in cols
            else [k for k in ("patient_id", "session_date", "session_number") if k in cols]
        )
        missing = [c for c in need if c not in cols]
        if "session_id" not in cols and ("patient_id" not in cols or len(keys) < 2):
            missing.append("session_id (or patient_id with session_date or session_number)")
        for c in missing:
            self.issues.add(
                file=file,
                rows=None,
                column=c,
                canonical=c,
                values="",
                check="missing_column",
                problem="a required column of the measures table is missing",
                fix="add it, or name yours with column_map={'Your name': '" + c.split()[0] + "'}",
            )
        if missing:
            return self._wide_measures(frame.iloc[:0], plan_columns([]))
        mlabel = frame[cols["measure"]]
        measure, bad_m = _map_unique(
            mlabel, lambda t: (schema.canonical_measure(t), schema.canonical_measure(t) is not None)
        )
        blank_m = _is_blank(mlabel)  # (a blank measure is no measure: reported as timing is)
        self._add(
            bad_m | blank_m,
            cols["measure"],
            "measure",
            mlabel,
            "unknown_measure",
            "is not a known measure",
            "use pain, rom:<site>[_left|_right] or function:<instrument> (see the data dictionary)",
            file=file,
            rows=rows,
        )
        timing, bad_t = map_labels(frame[cols["timing"]], schema.TIMING_ALIASES)
        blank_t = _is_blank(frame[cols["timing"]])
        self._add(
            bad_t | blank_t,
            cols["timing"],
            "timing",
            frame[cols["timing"]],
            "unknown_timing",
            "is not a timing",
            "use pre, post or followup",
            file=file,
            rows=rows,
        )
        values, bad_v = parse_numbers(frame[cols["value"]])
        self._add(
            bad_v,
            cols["value"],
            "value",
            frame[cols["value"]],
            "invalid_number",
            "is not a number",
            "write a number with a point as decimal separator",
            file=file,
            rows=rows,
        )
        ok = ~bad_m & ~blank_m & ~bad_t & ~blank_t & ~np.isnan(values)
        measure_s = np.where(ok, measure, "pain").astype(object)
        out = self._check_values(
            np.where(ok, values, np.nan),
            measure_s,
            frame[cols["value"]],
            cols["value"],
            file=file,
            rows=rows,
        )
        ok &= ~out
        if "unit" in cols:
            unit_raw = frame[cols["unit"]]
            units, _ = _map_unique(unit_raw, lambda t: (schema.normalise_name(t), True))
            spec_units = (
                pd.Series(measure_s).map(lambda m: schema.measure_spec(m).unit).to_numpy(object)
            )
            pain_unit = "nprs" if self.pain_scale == "nprs" else "vas100"
            unit_norm = pd.Series(units, dtype=object)
            canon = self._units_vectorised(unit_norm, spec_units)
            expect = np.where(spec_units == "nprs", pain_unit, spec_units)
            mismatch = ok & pd.notna(unit_norm).to_numpy() & (canon != expect)
            self._add(
                mismatch,
                cols["unit"],
                "unit",
                unit_raw,
                "unit_mismatch",
                "does not match the measure's unit",
                f"pain values are on the declared scale ({pain_unit}); ROM in deg (mouth opening in mm); "
                "function in points. Convert the value or correct the unit",
                file=file,
                rows=rows,
            )
            ok &= ~mismatch
        pain = ok & (measure_s == "pain")
        values = np.where(pain, values / schema.PAIN_SCALES[self.pain_scale][1], values)

        # join to sessions
        sess = sessions.loc[valid]
        if keys == ["session_id"]:
            sid = _ids(frame[cols["session_id"]])
            lookup = pd.Series(np.flatnonzero(valid), index=sess["session_id"].to_numpy())
            lookup = lookup[~lookup.index.duplicated()]
            pos = lookup.reindex(sid.to_numpy()).to_numpy()
            key_col = cols["session_id"]
        else:
            key_frame = pd.DataFrame({"patient_id": _ids(frame[cols["patient_id"]])})
            skeys = pd.DataFrame(
                {"patient_id": sess["patient_id"].to_numpy(), "_pos": np.flatnonzero(valid)}
            )
            if "session_date" in cols:
                d, _ = parse_dates(frame[cols["session_date"]], self.date_format)
                key_frame["session_date"] = d
                skeys["session_date"] = sess["session_date"].to_numpy()
            if "session_number" in cols:
                num, _ = parse_numbers(frame[cols["session_number"]])
                key_frame["session_number"] = num
                skeys["session_number"] = sess["session_number"].to_numpy(
                    dtype=np.float64, na_value=np.nan
                )
            on = [k for k in ("patient_id", "session_date", "session_number") if k in key_frame]
            skeys = skeys.drop_duplicates(on)
            pos = key_frame.merge(skeys, on=on, how="left")["_pos"].to_numpy(dtype=np.float64)
            key_col = cols["patient_id"]
        unmatched = np.isnan(pos)
        self._add(
            unmatched & ok,
            key_col,
            "session_id",
            frame[key_col],
            "unknown_session",
            "matches no valid session in the session table",
            "check the session key, or fix the session row it refers to",
            file=file,
            rows=rows,
        )
        ok &= ~unmatched
        m_codes, m_names = pd.factorize(pd.Series(measure_s[ok], dtype=object), sort=True)
        t_codes, _, _ = _recode(
            pd.Series(timing[ok], dtype=object),
            _lookup(schema.TIMING_ALIASES),
            list(schema.TIMINGS),
        )
        result = _measure_frame(
            pos=pos[ok].astype(_row_dtype(len(sessions))),
            measure=m_codes,
            measures=list(m_names),
            timing=t_codes,
            value=values[ok],
            source_row=rows[ok],
            column=np.zeros(int(ok.sum()), dtype=np.int64),
            columns=[cols["value"]],
            file=file,
            n_rows=len(sessions),
        )
        dup = result.duplicated(["_pos", "measure", "timing"], keep="first").to_numpy()
        self._add(
            dup,
            cols["measure"],
            "measure",
            pd.Series(result["measure"].to_numpy()),
            "duplicate_measure",
            "is recorded twice for the same session and timing",
            "keep one value per session, measure and timing",
            file=file,
            rows=result["source_row"].to_numpy(),
        )
        return result[~dup]

    @staticmethod
    def _units_vectorised(unit_norm: pd.Series, spec_units: np.ndarray) -> np.ndarray:
        out = np.empty(len(unit_norm), dtype=object)
        for su in schema.UNITS:
            table = schema.UNIT_ALIASES["pain" if su == "nprs" else su]
            m = spec_units == su
            out[m] = unit_norm[m].map(table).to_numpy(object)
        return out

    # -- rules across rows ---------------------------------------------------
    def _cross_row(
        self, sessions: pd.DataFrame, valid: np.ndarray, measures: pd.DataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        vs = sessions.loc[valid]
        vpos = np.flatnonzero(valid)
        ep = assign_episodes(vs, episode_gap_days=self.episode_gap_days)
        sessions = _private_copy(sessions)
        key_col = plan_columns([str(c) for c in self.raw.frame.columns], self.column_map).session

        def on_rows(values: Any, fill: Any) -> Any:
            """Values of the valid rows placed on every row (``fill`` elsewhere; an
            extension array such as Int64 is missing elsewhere).

            When every row is valid they are the same rows: the array is taken as it is
            (read-only; never written to below)."""
            extension = isinstance(values, pd.api.extensions.ExtensionArray)
            if len(vpos) == len(sessions):
                return values if extension else np.asarray(values)
            if extension:
                where = np.full(len(sessions), -1, dtype=np.intp)
                where[vpos] = np.arange(len(vpos))
                return values.take(where, allow_fill=True)
            values = np.asarray(values)
            out = np.full(len(sessions), fill, dtype=values.dtype)
            out[vpos] = values
            return out

        # session numbers given in the file must agree with the dates within an episode
        if "session_number" in key_col and "session_date" in key_col and len(vs):
            bad = _out_of_order(
                on_rows(_cat_codes(ep["episode_id"]), -1),
                on_rows(ep["order"].to_numpy(), -1),
                sessions["session_date"],
                on_rows(vs["session_number"].to_numpy(dtype=np.float64, na_value=np.nan), np.nan),
                valid,
            )
            self._add(
                bad,
                key_col["session_date"],
                "session_date",
                self.raw.frame[key_col["session_date"]],
                "session_order",
                "puts this session out of order: within its episode it has a lower session "
                "number than an earlier-dated session, or an earlier date than a "
                "lower-numbered one",
                "correct the session's date or its session number",
            )
            if self.coerce and bad.any():
                # the date is set missing; the session then takes its place by its number
                sessions.loc[bad, "session_date"] = pd.NaT
                vs = sessions.loc[valid]
                ep = assign_episodes(vs, episode_gap_days=self.episode_gap_days)
        ep_codes = on_rows(_cat_codes(ep["episode_id"]), -1)
        sessions["episode_id"] = _from_codes(
            ep_codes, dtype=cast(pd.CategoricalDtype, ep["episode_id"].dtype)
        )
        sessions["session_number"] = on_rows(ep["session_number"].array, pd.NA)
        order = on_rows(ep["order"].to_numpy(), -1)

        dup = on_rows(ep["duplicate"].to_numpy(), False)
        # a given session id that repeats is a duplicate too
        if "session_id" in key_col:  # generated ids are unique by construction
            dup = dup | (sessions["session_id"].duplicated(keep="first").to_numpy() & valid)
        # duplicates are defined by the session number when the file gives one, else by the date
        shown = key_col.get("session_number", key_col.get("session_date", key_col["patient_id"]))
        self._add(
            dup,
            shown,
            "session_id",
            self.raw.frame[shown],
            "duplicate_session",
            "repeats a session already in the file (same patient, episode and session)",
            "remove the repeated row, or correct its date or session number",
        )
        self._exclude(dup, "duplicate session")
        keep = valid & ~dup

        gap = on_rows(ep["gap_days"].notna().to_numpy(), False)
        if gap.any() and "session_date" in key_col:
            self._add(
                gap & keep,
                key_col["session_date"],
                "session_date",
                self.raw.frame[key_col["session_date"]],
                "long_gap",
                f"comes more than {self.episode_gap_days} days after the patient's previous "
                "session for this condition, so a new episode starts here",
                "nothing to do if this is a new course of treatment; otherwise pass episode_gap_days=",
                severity="warning",
            )

        # within-session rules on measures
        if len(measures):
            live = keep[measures["_pos"].to_numpy()]
            if not live.all():  # (no copy of the long table when every session is kept)
                measures = measures[live]
            measures = self._pre_post_rules(measures)
        # (at least one count: with no valid row there are no episodes, and every code is -1)
        counts = np.bincount(ep_codes[keep], minlength=max(1, len(ep["episode_id"].cat.categories)))
        single = keep & (counts[np.maximum(ep_codes, 0)] == 1)
        self._add(
            single,
            key_col["patient_id"],
            "episode_id",
            self.raw.frame[key_col["patient_id"]],
            "single_session_episode",
            "has only one session in its episode",
            "nothing to do if the patient came once; its change is the within-session change",
            severity="warning",
        )

        kept = np.flatnonzero(keep)
        kept = kept[np.argsort(order[kept], kind="stable")]  # episode and session order
        sid = sessions["session_id"]  # (codes by row of the file, before the rows are ordered)
        sessions = sessions.take(kept).reset_index(drop=True)[list(schema.SESSION_COLUMNS)]
        if not self.coerce and self.issues.has_errors:
            return sessions, measures
        # every measure left belongs to a kept session (filtered above): its session id is
        # the id on its row. Generated ids are the rows themselves (code = row), so the
        # row positions are their codes and nothing is looked up.
        pos = measures["_pos"].to_numpy()
        sid_codes = pos if self.generated_ids else _cat_codes(sid)[pos]
        measure = _drop_unused(measures["measure"])
        units = [schema.measure_spec(str(c)).unit for c in measure.cat.categories]
        unit_names = sorted(set(units))
        unit_of = np.array([unit_names.index(u) for u in units], dtype=np.int8)
        m_codes = _cat_codes(measure)
        out = pd.DataFrame(
            {
                "session_id": _from_codes(sid_codes, dtype=cast(pd.CategoricalDtype, sid.dtype)),
                "measure": measure.array,
                "timing": measures["timing"].array,
                "value": measures["value"].to_numpy(np.float64),
                "unit": _from_codes(
                    unit_of[m_codes] if len(unit_of) else m_codes, categories=unit_names
                ),
                "source_row": measures["source_row"].to_numpy(np.int64),
            },
            copy=False,  # the intermediate table is dropped: its columns are taken as they are
        )
        return sessions, out

    def _pre_post_rules(self, measures: pd.DataFrame) -> pd.DataFrame:
        """Post without pre (error) and implausible within-session changes (warnings)."""
        m = measures
        names = list(m["measure"].cat.categories)
        no_pre, rise, jump = _within_session_flags(
            m_code=_cat_codes(m["measure"]),  # views: no copies of long columns
            timing=_cat_codes(m["timing"]),
            pos=m["_pos"].to_numpy(),
            value=m["value"].to_numpy(),
            within_cat=np.array([n == "pain" or n.startswith("rom:") for n in names], dtype=bool),
            is_pain_cat=np.array([n == "pain" for n in names], dtype=bool),
        )

        def report(rows: np.ndarray, check: str, problem: str, fix: str, severity: str) -> None:
            sub = m.iloc[rows]
            for (column, file), grp in sub.groupby(["_column", "_file"], sort=False, observed=True):
                self.issues.add(
                    file=str(file),
                    rows=grp["source_row"].to_numpy(),
                    column=str(column),
                    canonical=str(grp["measure"].iloc[0]),
                    values=_as_text(grp["value"].reset_index(drop=True)),
                    check=check,
                    problem=problem,
                    fix=fix,
                    severity=severity,
                )

        if len(no_pre):
            report(
                no_pre,
                "post_without_pre",
                "is a post-needling value without the pre-needling value of the same session",
                "add the pre value, or remove the post value (a within-session change needs both)",
                "error",
            )
        if len(rise):
            report(
                rise,
                "implausible_change",
                f"rises by more than {schema.PAIN_RISE_WARNING:g} points within one session "
                "(possible but unusual)",
                "check the pre and post values",
                "warning",
            )
        if len(jump):
            report(
                jump,
                "implausible_change",
                f"changes by more than {schema.ROM_JUMP_WARNING:g} within one session "
                "(possible but unusual)",
                "check the pre and post values",
                "warning",
            )
        if len(no_pre):
            keep = np.ones(len(m), dtype=bool)
            keep[no_pre] = False
            m = m[keep]
        return m

    def _counts(self, sessions: pd.DataFrame, measures: pd.DataFrame) -> dict[str, Any]:
        excl = (
            pd.concat(self.excluded, ignore_index=True)
            if self.excluded
            else pd.DataFrame(
                {
                    "file": pd.Series(dtype="string"),
                    "row": pd.Series(dtype="int64"),
                    "reason": pd.Series(dtype="string"),
                }
            )
        )
        excl = excl.drop_duplicates(["file", "row"], keep="first").reset_index(drop=True)
        self.exclusions = excl
        return {
            "rows_excluded": len(excl),
            "n_sessions": len(sessions),
            "n_patients": int(sessions["patient_id"].nunique()),
            "n_measures": len(measures),
        }


# ---------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------


def _prepare(
    source: Source,
    measures: Source | None,
    *,
    pain_scale: str,
    errors: str,
    export_date: str | _dt.date | None,
    sheet: str | int | None,
    encoding: str,
    column_map: Mapping[str, str] | None = None,
    allow_columns: Iterable[str] = (),
    conditions: Mapping[str, str] | None = None,
    episode_gap_days: int = schema.EPISODE_GAP_DAYS,
    open_after_days: int = schema.OPEN_AFTER_DAYS,
    date_format: str | None = None,
    on_read: Callable[[str, float], None] | None = None,
) -> tuple[RawTable, RawTable | None, pd.Timestamp]:
    if pain_scale not in schema.PAIN_SCALES:
        raise ValueError(
            f"pain_scale must be one of {sorted(schema.PAIN_SCALES)}, not {pain_scale!r}"
        )
    if errors not in ("raise", "coerce"):
        raise ValueError(f"errors must be 'raise' or 'coerce', not {errors!r}")
    if column_map is not None and not isinstance(column_map, Mapping):
        raise TypeError(
            "column_map= must be a mapping of your column name -> canonical name, such as "
            "{'Dx': 'condition'}, not a " + type(column_map).__name__
        )
    if isinstance(allow_columns, str) or not isinstance(allow_columns, Iterable):
        raise TypeError(
            f"allow_columns= must be a list of column names, such as [{allow_columns!r}], "
            f"not a {type(allow_columns).__name__}"
        )
    schema.condition_aliases(conditions)  # (a TypeError naming conditions= if not a mapping)
    if date_format is not None and not isinstance(date_format, str):
        raise TypeError(
            f"date_format= must be a strptime format such as '%d/%m/%Y', not {date_format!r}"
        )
    for name, value in (
        ("episode_gap_days", episode_gap_days),
        ("open_after_days", open_after_days),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise TypeError(f"{name}= must be a whole number of days (0 or more), not {value!r}")
    try:
        stamp = (
            pd.Timestamp(export_date) if export_date is not None else pd.Timestamp(_dt.date.today())
        )
        if pd.isna(stamp):
            raise ValueError(export_date)
    except (ValueError, TypeError, OverflowError):
        raise ValueError(
            f"export_date= must be a date such as '2026-11-24', not {export_date!r}"
        ) from None
    raw = _read(source, sheet=sheet, encoding=encoding, on_read=on_read)
    mraw = _read(measures, sheet=None, encoding=encoding) if measures is not None else None
    return raw, mraw, stamp


def _read(
    source: Source,
    *,
    sheet: str | int | None,
    encoding: str,
    on_read: Callable[[str, float], None] | None = None,
) -> RawTable:
    """read_table, remembering which file failed on the exception."""
    try:
        return read_table(source, sheet=sheet, encoding=encoding, progress=on_read)
    except SchemaError as exc:
        name = (
            DATAFRAME_LABEL if isinstance(source, pd.DataFrame) else os.path.basename(str(source))
        )
        exc.file = name  # type: ignore[attr-defined]
        raise


def _unreadable_report(exc: SchemaError) -> ValidationReport:
    name = getattr(exc, "file", "")
    collector = _Collector()
    collector.add(
        file=name,
        rows=None,
        column="",
        canonical="",
        values="",
        check="unreadable_file",
        problem="",
        fix="",
        message=str(exc),  # already names the file and the fix
    )
    return collector.report([name])


#: Most runs of one measure and timing for which pre/post pairs are found run by run.
_MAX_RUNS = 4096


def _within_session_flags(
    *,
    m_code: np.ndarray,
    timing: np.ndarray,
    pos: np.ndarray,
    value: np.ndarray,
    within_cat: np.ndarray,
    is_pain_cat: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of a long measures table (ascending) whose post value has no pre value of the
    same session and measure, whose pain rises by more than ``PAIN_RISE_WARNING``, and
    whose other within-session measure changes by more than ``ROM_JUMP_WARNING``.

    ``m_code``/``timing`` are the rows' measure and timing codes, ``pos`` their session,
    ``within_cat``/``is_pain_cat`` mark the measures compared within a session and pain.
    A post row is compared with the first pre row of its session and measure.

    A wide file's table comes in runs of one measure and timing (its columns): then each
    measure's pre rows are placed in a table by session and its post rows look theirs
    up, slice by slice, with no key or index array as long as the table. Otherwise (or
    when a session has two pre values of a measure) pairs are found on integer keys
    (measure x session) by binary search.
    """
    n = len(m_code)
    found: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    pre_t, post_t = schema.TIMINGS.index("pre"), schema.TIMINGS.index("post")

    def check(rows: np.ndarray, at: np.ndarray, is_pain: Any) -> None:
        # post rows ``rows`` against their pre rows ``at`` (-1: none); ``is_pain`` a numpy
        # bool or bool array (``~`` of a Python bool is an integer)
        no = at < 0
        delta = value[rows] - value[np.where(no, 0, at)]
        if no.any():
            delta[no] = np.nan
            found[0].append(rows[no])
        with np.errstate(invalid="ignore"):
            found[1].append(rows[is_pain & (delta > schema.PAIN_RISE_WARNING)])
            np.abs(delta, out=delta)
            found[2].append(rows[~is_pain & (delta > schema.ROM_JUMP_WARNING)])

    def result() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return cast(
            tuple[np.ndarray, np.ndarray, np.ndarray],
            tuple(np.sort(np.concatenate(f)) if f else np.zeros(0, np.intp) for f in found),
        )

    if n == 0:
        return result()
    edges = np.flatnonzero((m_code[1:] != m_code[:-1]) | (timing[1:] != timing[:-1]))
    if len(edges) < _MAX_RUNS:
        bounds = [0, *(edges + 1).tolist(), n]
        pre_runs: dict[int, list[tuple[int, int]]] = {}
        post_runs: dict[int, list[tuple[int, int]]] = {}
        for a, b in itertools.pairwise(bounds):
            code, t = int(m_code[a]), int(timing[a])
            if code >= 0 and within_cat[code] and t in (pre_t, post_t):
                (pre_runs if t == pre_t else post_runs).setdefault(code, []).append((a, b))
        if not post_runs:  # (no post value to pair: no table by session)
            return result()
        slot = np.full(int(pos.max()) + 1, -1, dtype=np.int64)  # pre row by session
        one_pre = True
        for code, posts in post_runs.items():
            pres = [
                (s, min(s + _BLOCK, b))
                for a, b in pre_runs.get(code, [])
                for s in range(a, b, _BLOCK)
            ]
            for a, b in pres:
                slot[pos[a:b]] = np.arange(a, b)
            # a session with two pre rows of the measure leaves one of them overwritten
            one_pre = all(bool((slot[pos[a:b]] == np.arange(a, b)).all()) for a, b in pres)
            if one_pre:
                for c, d in posts:
                    for s in range(c, d, _BLOCK):
                        e = min(s + _BLOCK, d)
                        check(np.arange(s, e), slot[pos[s:e]], is_pain_cat[code])
            for a, b in pres:
                slot[pos[a:b]] = -1
            if not one_pre:
                break
        if one_pre:
            return result()
        found = ([], [], [])

    # pairs by keys: measure-major, so a table already in runs needs no argsort
    within = within_cat[m_code] if len(within_cat) else np.zeros(n, dtype=bool)
    span = int(pos.max()) + 1
    pre_idx = np.flatnonzero(within & (timing == pre_t))
    post_idx = np.flatnonzero(within & (timing == post_t))

    def keys(idx: np.ndarray) -> np.ndarray:
        key = m_code[idx].astype(np.int64)
        key *= span
        key += pos[idx]
        return key

    pre_keys = keys(pre_idx)
    ordered = len(pre_keys) < 2 or bool(np.all(pre_keys[1:] >= pre_keys[:-1]))
    sorter = None if ordered else np.argsort(pre_keys, kind="stable")
    # post rows in blocks: the temporaries of one block are reused by the next
    for start in range(0, len(post_idx), _BLOCK):
        rows = post_idx[start : start + _BLOCK]
        post_keys = keys(rows)
        if not len(pre_keys):
            check(rows, np.full(len(rows), -1), is_pain_cat[m_code[rows]])
            continue
        # the first pre row of each post row's key (searchsorted finds the leftmost)
        at = np.searchsorted(pre_keys, post_keys, sorter=sorter)
        np.minimum(at, len(pre_keys) - 1, out=at)
        if sorter is not None:
            at = sorter[at]
        at = np.where(pre_keys[at] == post_keys, pre_idx[at], -1)
        check(rows, at, is_pain_cat[m_code[rows]])
    return result()


def _out_of_order(
    episode: np.ndarray,
    order: np.ndarray,
    dates: pd.Series,
    numbers: np.ndarray,
    keep: np.ndarray,
) -> np.ndarray:
    """Rows whose session number or date goes backwards within their episode.

    Rows are taken in episode/session ``order`` as :func:`~tpdn_outcomes.derive.assign_episodes`
    gives it (by date in an episode whose sessions are all dated, else by number); a row
    is flagged when its number is below the largest number of the earlier rows of its
    episode, or its date before the latest earlier date. Missing values never flag.
    """
    rows = np.flatnonzero(keep & (order >= 0))
    # orders are distinct positions below len(order): placed by them, not sorted
    slots = np.full(len(order), -1, dtype=np.int64)
    slots[order[rows]] = rows
    rows = slots[slots >= 0]
    flag = np.zeros(len(order), dtype=bool)
    if rows.size < 2:
        return flag
    ep = episode[rows]
    as_days = dates.to_numpy(dtype="datetime64[D]")[rows]
    day_known = ~np.isnat(as_days)
    num = numbers[rows]
    start = np.r_[True, ep[1:] != ep[:-1]]
    passes = [(num, ~np.isnan(num))]
    # an episode whose sessions are all dated comes in date order, so dates can go
    # backwards only when some are missing
    if not day_known.all():
        passes.append((as_days.astype(np.int64).astype(np.float64), day_known))
    seg = np.cumsum(start) - 1
    for values, known in passes:
        if not known.any():
            continue
        top = max(
            abs(float(np.max(values, where=known, initial=-np.inf))),
            abs(float(np.min(values, where=known, initial=np.inf))),
        )
        # episodes lifted apart (each above the last), so one running max serves them all
        shifted = seg * (top * 4 + 4)
        shifted += values
        shifted[~known] = -np.inf  # (missing values never raise the running max)
        running = np.maximum.accumulate(shifted)
        # a row below the running max of the rows before it in its episode
        back = shifted[1:] < running[:-1]
        back &= known[1:]
        back &= ~start[1:]
        flag[rows[1:][back]] = True
    return flag


#: Problems with the shape of a file, which errors="coerce" cannot set missing.
STRUCTURAL_CHECKS = frozenset({"unreadable_file", "missing_column", "duplicate_column", "no_data"})


def _refusal(report: ValidationReport) -> SchemaError:
    errs = report.errors
    lines = [
        f"{' and '.join(report.files)}: {format_count(len(errs), 'error')} "
        f"({format_count(len(report.warnings), 'warning')}); the data was not loaded."
    ]
    lines += [f"- {m}" for m in errs["message"].head(MAX_LISTED)]
    if len(errs) > MAX_LISTED:
        lines.append(
            f"... and {len(errs) - MAX_LISTED} more: run tpdn_outcomes.validate(...) for the full report."
        )
    if set(errs["check"]) & STRUCTURAL_CHECKS:
        lines.append(
            "Fix the file itself first (its type, encoding or columns); errors='coerce' cannot repair that."
        )
    else:
        lines.append("Fix the file, or pass errors='coerce' to load with these values set missing.")
    return SchemaError("\n".join(lines), report=report)


def _make_build(
    source: Source,
    measures: Source | None,
    *,
    column_map: Mapping[str, str] | None,
    pain_scale: str,
    conditions: Mapping[str, str] | None,
    errors: str,
    allow_columns: Iterable[str],
    date_format: str | None,
    export_date: str | _dt.date | None,
    episode_gap_days: int,
    open_after_days: int,
    sheet: str | int | None,
    encoding: str,
    checking_only: bool,
    on_read: Callable[[str, float], None] | None = None,
) -> _Build:
    """Read the file(s) and set up one run of the checks (shared by validate and load).

    ``checking_only`` (validate): report identifiers instead of raising, never coerce.
    Raises SchemaError when a file cannot be read.
    """
    raw, mraw, stamp = _prepare(
        source,
        measures,
        pain_scale=pain_scale,
        errors=errors,
        export_date=export_date,
        sheet=sheet,
        encoding=encoding,
        column_map=column_map,
        allow_columns=allow_columns,
        conditions=conditions,
        episode_gap_days=episode_gap_days,
        open_after_days=open_after_days,
        date_format=date_format,
        on_read=on_read,
    )
    return _Build(
        raw,
        mraw,
        column_map=column_map,
        pain_scale=pain_scale,
        conditions=conditions,
        coerce=not checking_only and errors == "coerce",
        allow_columns=allow_columns,
        date_format=date_format,
        export_date=stamp,
        episode_gap_days=episode_gap_days,
        open_after_days=open_after_days,
        raise_identifiers=not checking_only,
    )


def validate(
    source: Source,
    *,
    measures: Source | None = None,
    column_map: Mapping[str, str] | None = None,
    pain_scale: Literal["nprs", "vas100"] = "nprs",
    conditions: Mapping[str, str] | None = None,
    errors: Literal["raise", "coerce"] = "raise",
    allow_columns: Iterable[str] = (),
    date_format: str | None = None,
    export_date: str | _dt.date | None = None,
    episode_gap_days: int = schema.EPISODE_GAP_DAYS,
    open_after_days: int = schema.OPEN_AFTER_DAYS,
    sheet: str | int | None = None,
    encoding: str = "utf-8-sig",
) -> ValidationReport:
    """Check a session dataset and report every problem; never raise for problems in the data.

    Takes the same arguments as :func:`load_sessions` (``errors`` is accepted and has no
    effect here). A file that cannot be read at all is reported as ``unreadable_file``
    (not a regular file, a loop of symbolic links, the wrong type, encoding or compression,
    NUL bytes, damaged or encrypted, beyond the column, header or memory limits of
    :mod:`tpdn_outcomes.io`), a table without data rows as ``no_data``, and any value of a
    DataFrame, of whatever type, as a row of the report.

    Returns
    -------
    ValidationReport

    Raises
    ------
    FileNotFoundError
        When the path does not exist (the command line exits 2).
    TypeError, ValueError
        When an argument is of the wrong type or value (``conditions=`` not a mapping,
        an unknown ``pain_scale`` or ``encoding``, ...), naming the argument.

    Examples
    --------
    >>> from tpdn_outcomes.datasets import sample_path
    >>> validate(sample_path("sessions.csv"), export_date="2026-11-24").ok
    True
    """
    try:
        build = _make_build(
            source,
            measures,
            column_map=column_map,
            pain_scale=pain_scale,
            conditions=conditions,
            errors=errors,
            allow_columns=allow_columns,
            date_format=date_format,
            export_date=export_date,
            episode_gap_days=episode_gap_days,
            open_after_days=open_after_days,
            sheet=sheet,
            encoding=encoding,
            checking_only=True,
        )
    except SchemaError as exc:
        return _unreadable_report(exc)
    report, *_ = build.run()
    return report


def load_sessions(
    source: Source,
    *,
    measures: Source | None = None,
    column_map: Mapping[str, str] | None = None,
    pain_scale: Literal["nprs", "vas100"] = "nprs",
    conditions: Mapping[str, str] | None = None,
    errors: Literal["raise", "coerce"] = "raise",
    allow_columns: Iterable[str] = (),
    date_format: str | None = None,
    export_date: str | _dt.date | None = None,
    episode_gap_days: int = schema.EPISODE_GAP_DAYS,
    open_after_days: int = schema.OPEN_AFTER_DAYS,
    sheet: str | int | None = None,
    encoding: str = "utf-8-sig",
    progress: Progress = False,
) -> SessionData:
    """Load, check and privacy-check a session dataset into a :class:`SessionData`.

    Parameters
    ----------
    source : path or DataFrame
        The session table: wide (one row per session, with measure columns such as
        ``pain_pre``, ``rom_cervical_rotation_left_post``, ``ndi_pre``) or a session
        index for a long measures table. CSV, TSV, XLSX or Parquet.
    measures : path or DataFrame, optional
        A long measures table (``session_id`` or ``patient_id`` + date/number, ``measure``,
        ``timing``, ``value``, optional ``unit``).
    column_map : mapping, optional
        Your column name -> canonical name, for names the alias table does not know.
    pain_scale : {"nprs", "vas100"}, default "nprs"
        The scale pain is recorded on; VAS 0-100 mm is converted to 0-10 on load
        (value / 10) and the original scale kept in ``metadata["pain_scale"]``.
    conditions : mapping, optional
        Extra condition labels -> canonical (or new) condition names; new names extend
        the vocabulary.
    errors : {"raise", "coerce"}, default "raise"
        ``"raise"``: refuse data with errors (:class:`SchemaError` lists the first problems
        and the total). ``"coerce"``: set each offending value missing (rows whose patient,
        condition or session key is unusable are excluded) and keep the report in
        ``SessionData.report``; every change is recorded there.
    allow_columns : iterable of str
        Columns to exempt from the identifier guard, with intent.
    date_format : str, optional
        A ``strptime`` format for non-ISO dates (e.g. ``"%d/%m/%Y"``); never guessed.
    export_date : str or date, optional
        Dates after it are errors (default: today).
    episode_gap_days : int, default 90
        A longer gap between sessions starts a new episode.
    open_after_days : int, default 30
        Episodes whose last session is within this many days of the data's end are open.
    sheet : str or int, optional
        The Excel sheet to read (default: the first).
    encoding : str, default "utf-8-sig"
        Text encoding of CSV/TSV files.
    progress : bool or ProgressCallback, default False
        ``True``: a progress bar on stderr. A callable ``progress(step, done, total)``
        (:class:`~tpdn_outcomes.progress.ProgressCallback`) is told each step as it starts:
        reading the file (about every MiB of a CSV/TSV file), the identifier check, the
        checks of the sessions and the measures, the checks across rows with the
        episodes, and last ``("done", total, total)``. It may raise
        :class:`~tpdn_outcomes.errors.Cancelled` to stop the load at that step: the
        exception reaches the caller.

    Returns
    -------
    SessionData

    Raises
    ------
    IdentifierError
        When the data carries direct identifiers (names, e-mails, phone numbers, ...).
    SchemaError
        When a file cannot be read or has no data rows (whatever ``errors`` is), and when
        ``errors="raise"`` and the data has errors; ``.report`` lists every problem.
    FileNotFoundError
        When the path does not exist.
    TypeError, ValueError
        When an argument is of the wrong type or value, naming the argument.

    Notes
    -----
    These are the only exceptions a user's input can cause (the exception model of
    ``docs/data.md``: the command line exits 1 for the first two, 2 for the others).

    Examples
    --------
    >>> from tpdn_outcomes.datasets import sample_path
    >>> data = load_sessions(sample_path("sessions.csv"), export_date="2026-11-24")
    >>> data.sessions.columns[:4].tolist()
    ['session_id', 'patient_id', 'episode_id', 'session_date']
    """
    # (Tracker checks progress=; a bar on stderr closes itself if the load raises)
    track = Tracker(progress, sum(_LOAD_UNITS.values()), desc="load")
    name = DATAFRAME_LABEL if isinstance(source, pd.DataFrame) else os.path.basename(str(source))
    track.step(f"reading {name}", _LOAD_UNITS["read"])
    try:
        build = _make_build(
            source,
            measures,
            column_map=column_map,
            pain_scale=pain_scale,
            conditions=conditions,
            errors=errors,
            allow_columns=allow_columns,
            date_format=date_format,
            export_date=export_date,
            episode_gap_days=episode_gap_days,
            open_after_days=open_after_days,
            sheet=sheet,
            encoding=encoding,
            checking_only=False,
            on_read=track.within,
        )
    except SchemaError as exc:
        raise _refusal(_unreadable_report(exc)) from exc
    build.step = track.step
    report, sessions, measure_table, meta = build.run()
    track.step("finishing", _LOAD_UNITS["finish"])
    structural = bool(set(report.errors["check"]) & STRUCTURAL_CHECKS)
    if (
        sessions is None
        or measure_table is None
        or structural
        or (errors == "raise" and not report.ok)
    ):
        raise _refusal(report)
    exclusions = build.exclusions
    del build  # (it holds the file as read)
    # the file's Arrow buffers are freed: hand back the memory Arrow's pool kept of them
    # (at 1M sessions the RSS after a load falls by a third; benchmarks/README.md)
    pa.default_memory_pool().release_unused()
    if len(report.warnings):
        warnings.warn(
            f"{' and '.join(report.files)}: {format_count(len(report.warnings), 'data-quality warning')} "
            "(implausible values, long gaps, one-session episodes); see data.report",
            DataQualityWarning,
            stacklevel=2,
        )
    track.finish()
    # valid by construction (tests/test_contract.py checks the schema on every kind of load)
    return SessionData(
        sessions,
        measure_table,
        metadata=meta,
        report=report,
        exclusions=exclusions,
        check=False,
    )
