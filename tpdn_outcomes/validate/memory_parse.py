"""The in-memory engine's column parsers: one column at a time, vectorised over its
distinct values (numbers, dates, labels, identifiers), and the intermediate tables."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tpdn_outcomes import schema
from tpdn_outcomes._arrays import BLOCK as _BLOCK
from tpdn_outcomes._arrays import arrow_text_dtype
from tpdn_outcomes._arrays import cat_codes as _cat_codes
from tpdn_outcomes.privacy import is_boolean
from tpdn_outcomes.validate.collect import cell_label


def arrow_numbers(raw: pd.Series) -> Any:
    """The Arrow data of an Arrow-backed integer or floating-point column, else None."""
    dtype = raw.dtype
    if isinstance(dtype, pd.ArrowDtype):
        t = dtype.pyarrow_dtype
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            return pa.chunked_array(raw.array.__arrow_array__())
    return None


def arrow_filled(
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


def filled_count(raw: pd.Series) -> int:
    """Number of filled cells (from Arrow's null count when the column is Arrow-backed)."""
    arrow = arrow_numbers(raw)
    return len(arrow) - arrow.null_count if arrow is not None else int(raw.count())


# ---------------------------------------------------------------------------
# Parsing one column at a time (vectorised over unique values)
# ---------------------------------------------------------------------------


def factorize(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
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


def categorize(frame: pd.DataFrame) -> pd.DataFrame:
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
                texts = pd.Series([cell_label(u) for u in distinct], dtype=object)
                text_codes, text_u = pd.factorize(texts, use_na_sentinel=True)
                codes = _spread(codes, text_codes.astype(np.int64), -1)
                index = pd.Index(np.asarray(text_u, dtype=object), dtype=object)
            s = pd.Series(from_codes(codes, categories=index), index=frame.index)
        elif isinstance(s.dtype, pd.CategoricalDtype) and s.dtype.categories.dtype == object:
            cats = np.asarray(s.dtype.categories, dtype=object)
            codes, distinct = _printable(_cat_codes(s), cats)
            if distinct is not cats:  # (bad text or bytes among the categories)
                s = pd.Series(
                    from_codes(codes, categories=pd.Index(distinct, dtype=object)),
                    index=frame.index,
                )
        out[j] = s
    categorized = pd.DataFrame(out, index=frame.index, copy=False)
    categorized.columns = frame.columns
    return categorized


def blank_rows(frame: pd.DataFrame) -> np.ndarray | None:
    """Rows with no cell filled (a blank line of a text file, an empty spreadsheet row);
    None when there are none. Columns are checked while any candidate row is left."""
    if frame.shape[1] == 0 or len(frame) == 0:
        return None
    blank = np.ones(len(frame), dtype=bool)
    for j in range(frame.shape[1]):
        blank &= is_blank(frame.iloc[:, j])
        if not blank.any():
            return None
    return blank


def is_blank(raw: pd.Series) -> np.ndarray:
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


def recode(
    raw: pd.Series, fn: Any, categories: list[Any] | None = None
) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """Map each distinct value with ``fn(text) -> (value or None, ok)`` into category codes.

    Returns ``(codes, categories, invalid mask)``: codes index ``categories`` (given, or the
    sorted distinct mapped values), -1 for missing or invalid.
    """
    codes, uniques = factorize(raw)
    mapped: list[Any] = []
    bad_u = np.zeros(len(uniques), dtype=bool)
    for i, u in enumerate(uniques):  # distinct values only
        text = cell_label(u).strip()
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


def alias_lookup(table: Mapping[str, Any]) -> Any:
    """``fn`` for :func:`recode` that maps through an alias table."""

    def fn(text: str) -> tuple[Any, bool]:
        hit = table.get(schema.normalise_name(text))
        return hit, hit is not None

    return fn


def is_real(dtype: Any) -> bool:
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
    if is_real(raw.dtype):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        infinite = np.isinf(values)
        if infinite.any():  # (a new array: ``values`` may be a view of the input)
            values = np.where(infinite, np.nan, values)
        return values, infinite
    codes, uniques = factorize(raw)
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
        text = cell_label(u).strip()
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
    codes, uniques = factorize(raw)
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
    codes, uniques = factorize(raw)
    mapped = np.empty(len(uniques), dtype=object)
    bad_u = np.zeros(len(uniques), dtype=bool)
    for i, u in enumerate(uniques):
        text = cell_label(u)
        if text.strip() == "":
            mapped[i] = None
            continue
        hit = table.get(schema.normalise_name(text))
        mapped[i] = hit
        bad_u[i] = hit is None
    values = _spread(codes, mapped, None)
    bad = _spread_flags(codes, bad_u)
    return values, bad


def map_unique(raw: pd.Series, fn: Any) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``fn(text) -> (value or None, ok)`` to each distinct value."""
    codes, uniques = factorize(raw)
    mapped = np.empty(len(uniques), dtype=object)
    bad_u = np.zeros(len(uniques), dtype=bool)
    for i, u in enumerate(uniques):
        text = cell_label(u).strip()
        if text == "":
            mapped[i] = None
            continue
        mapped[i], ok = fn(text)
        bad_u[i] = not ok
    return _spread(codes, mapped, None), _spread_flags(codes, bad_u)


def parse_adverse(text: str) -> tuple[str | None, bool]:
    tokens = [schema.normalise_name(t) for t in text.split(schema.LIST_SEPARATOR) if t.strip()]
    mapped = [schema.ADVERSE_EVENT_ALIASES.get(t) for t in tokens]
    if not mapped or any(m is None for m in mapped):
        return None, False
    events = sorted(set(m for m in mapped if m is not None))
    if "none" in events and len(events) > 1:
        return None, False
    return schema.LIST_SEPARATOR.join(events), True


def parse_muscles(text: str) -> tuple[str | None, bool]:
    tokens = [schema.normalise_name(t) for t in text.split(schema.LIST_SEPARATOR)]
    tokens = [t for t in tokens if t]
    return (schema.LIST_SEPARATOR.join(tokens) if tokens else None), True


def parse_age_band(text: str) -> tuple[str | None, bool]:
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
    return np.array([cell_label(u).strip() for u in values], dtype=object)


def id_categories(raw: pd.Series) -> Any:
    """Identifier text as a categorical, stripped of surrounding white space; blank -> missing.

    Work is done on the distinct values only, so ten million rows with 1.5 million
    patients cost one factorisation.
    """
    codes, uniques = factorize(raw)
    texts = _texts(uniques)
    blank = texts == ""
    # sorted categories: results never depend on the order of rows in the file
    # (distinct values that are already sorted and unique need no sort: one scan, in which
    # the index learns it is unique too, so no hash table is built)
    if not blank.any():
        index = pd.Index(texts, dtype=object)
        if index.is_monotonic_increasing and index.is_unique:
            # (a copy of the codes: they may be the input's own, which the user may change)
            return from_codes(codes.copy(), categories=index)
    labels = pd.Series(texts, dtype=object).mask(blank)
    new_codes, categories = pd.factorize(labels, use_na_sentinel=True, sort=True)
    return from_codes(
        _spread(codes, new_codes.astype(np.int64), -1),
        categories=pd.Index(categories, dtype=object),
    )


def row_labels(prefix: str, rows: np.ndarray) -> pd.Categorical:
    """Categorical labels ``prefix + row`` for generated keys, built in one vectorised pass
    and kept as Arrow text (no Python string per row until one is read)."""
    width = max(7, len(str(int(rows.max())))) if len(rows) else 7  # stable below 10M rows
    digits = pc.utf8_lpad(pc.cast(pa.array(rows), pa.string()), width=width, padding="0")
    text = pc.binary_join_element_wise(prefix, digits, "")
    # zero-padded rows sort in file order and are unique by construction
    return pd.Categorical.from_codes(
        np.arange(len(rows), dtype=_code_dtype(len(rows))),  # (at the width pandas keeps)
        dtype=arrow_text_dtype(text),
        validate=False,  # 0 .. n-1
    )


def from_codes(
    codes: Any, categories: Any = None, ordered: bool = False, dtype: Any = None
) -> pd.Categorical:
    """``pd.Categorical.from_codes`` taking plain lists of categories (typed once, here)."""
    codes = np.asarray(codes)
    if codes.dtype.kind not in "iu":  # integer codes of any width are taken as they are
        codes = codes.astype(np.int64)
    if dtype is not None:
        return pd.Categorical.from_codes(codes, dtype=dtype)
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories), ordered=ordered)


def drop_unused(values: pd.Series) -> pd.Series:
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


def private_copy(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy to modify: shallow under copy-on-write (pandas 3, or 2.x with the option on),
    where a later change copies only what it touches; deep otherwise."""
    cow = int(pd.__version__.split(".")[0]) >= 3 or bool(
        getattr(pd.options.mode, "copy_on_write", False) is True
    )
    return frame.copy(deep=not cow)


def row_dtype(n_rows: int) -> type[np.signedinteger[Any]]:
    """Integer type for row positions in a table of ``n_rows`` rows (32 bits while they fit)."""
    return np.int32 if n_rows < 2**31 else np.int64


def measure_frame(
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
            "_pos": np.asarray(pos, dtype=row_dtype(n_rows)),
            "measure": from_codes(measure, categories=measures),
            "timing": from_codes(timing, categories=list(schema.TIMINGS), ordered=True),
            "value": np.asarray(value, dtype=np.float64),
            "source_row": np.asarray(source_row, dtype=np.int64),
            "_column": from_codes(column, categories=columns),
            "_file": from_codes(np.zeros(n, dtype=np.int8), categories=[file]),
        },
        copy=False,  # no consolidation into 2-D blocks: the columns are used one by one
    )


def stack_measures(frames: list[pd.DataFrame]) -> pd.DataFrame:
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
