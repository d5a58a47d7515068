"""Readers, column mapping and safe writers.

Reading never modifies the input file and never guesses: CSV and TSV cells are read
as text (so ``007`` stays ``007`` and ``03/04/2025`` is not turned into a date),
Excel and Parquet keep their own cell types, and every later conversion is done
(and checked) by :mod:`tpdn_outcomes.validate`.

Writing is atomic: a temporary file is written beside the target and moved into
place, so a reader never sees half a file and an existing file is never half
overwritten. Text cells that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-`` or ``@``) are neutralised in CSV and Excel output.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.errors import SchemaError

#: Cell texts read as missing in CSV/TSV files (and nothing else is).
MISSING_MARKERS: tuple[str, ...] = ("", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null")

#: File endings and the reader used for them.
READERS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
}

DATAFRAME_LABEL = "<DataFrame>"


@dataclass
class RawTable:
    """A table as read from its source, before any checking.

    Attributes
    ----------
    frame : DataFrame
        The cells as read (text for CSV/TSV). Row ``i`` (0-based) is row ``i + 2``
        of the file as a person counts rows (the header is row 1).
    file : str
        The file name shown in messages (``<DataFrame>`` for a frame).
    path : str or None
        The full path, when read from a file.
    sha256 : str
        SHA-256 of the file's bytes (of the frame's contents for a DataFrame).
    """

    frame: pd.DataFrame
    file: str
    path: str | None
    sha256: str

    @property
    def sheet_like(self) -> bool:
        """Read from a text or Excel file, where a blank line or empty row is a row."""
        kind = READERS.get(Path(self.path).suffix.lower()) if self.path else None
        return kind in ("csv", "tsv", "excel")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_frame(frame: pd.DataFrame) -> str:
    """A digest of a DataFrame's column names and values (pandas' row hashes).

    Cells pandas cannot hash (a list or dict in an object column) are hashed by their
    ``repr``; the checks then report them as values of the wrong kind.
    """
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    if len(frame):
        try:
            rows = pd.util.hash_pandas_object(frame, index=False)
        except TypeError:  # unhashable cells
            as_text = {
                i: col.map(repr) if col.dtype == np.dtype(object) else col
                for i, (_, col) in enumerate(frame.items())
            }
            rows = pd.util.hash_pandas_object(pd.DataFrame(as_text), index=False)
        digest.update(rows.to_numpy().tobytes())
    return digest.hexdigest()


def _read_parquet(path: Path) -> pd.DataFrame:
    """Parquet with text columns as pandas categoricals (codes + distinct values), and
    integer and floating-point columns as pandas Arrow-backed columns (``int64[pyarrow]``,
    ``double[pyarrow]``: the file's values, missing cells as nulls, not NaN).

    Values are unchanged. Each text column is dictionary-encoded once by Arrow over the
    whole file (one shared dictionary, not one per row group), and its categorical is
    built from those codes and distinct values directly: the loader then works on
    distinct values without factorising ten million strings again, and no per-row-group
    dictionaries are unified. Index columns recorded by pandas are restored as pandas
    does.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    _refuse_repeated_names(pq.read_schema(path).names, path.name)
    table = pq.read_table(path)
    meta = table.schema.pandas_metadata or {}
    index_cols = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
    encoded: dict[str, Any] = {}
    for i, col in enumerate(table.schema):
        if col.name in index_cols:
            continue
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            enc = pc.dictionary_encode(table.column(i)).combine_chunks()
            codes = pc.fill_null(enc.indices, -1).to_numpy()
            uniques = pd.Index(enc.dictionary.to_numpy(zero_copy_only=False), dtype=object)
            encoded[col.name] = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(uniques))
        elif pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
            # numbers stay in Arrow's memory (pandas ArrowDtype, no copy): the loader reads
            # each measure column at its filled cells, so the full float copies pandas
            # would make (one per column, most of them sparse) are never needed
            encoded[col.name] = pd.arrays.ArrowExtensionArray(table.column(i))
    # pandas converts the other columns (dates, Arrow dictionaries) and restores the index;
    # the columns made here are then put back in their places
    rest = table.drop_columns(list(encoded)).to_pandas()
    labels = iter(rest.columns)
    columns: dict[Any, Any] = {}
    for name in table.column_names:
        if name in encoded:
            columns[name] = encoded[name]
        elif name not in index_cols:
            label = next(labels)
            columns[label] = rest[label]
    return pd.DataFrame(columns, index=rest.index, copy=False)


def read_table(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    sheet: str | int | None = None,
    encoding: str = "utf-8-sig",
) -> RawTable:
    """Read a session or measures table from a file or take a DataFrame as it is.

    Parameters
    ----------
    source : path or DataFrame
        A ``.csv``, ``.tsv``/``.tab``, ``.xlsx``/``.xlsm`` or ``.parquet``/``.pq`` file,
        or a DataFrame (which is not copied or modified).
    sheet : str or int, optional
        The Excel sheet (default: the first).
    encoding : str, default "utf-8-sig"
        Text encoding of CSV/TSV files (a UTF-8 byte-order mark is accepted).

    Returns
    -------
    RawTable

    Raises
    ------
    FileNotFoundError
        When the path does not exist.
    SchemaError
        When the file cannot be read (unsupported type, wrong encoding, damaged file),
        with the fix in the message.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = read_table(pd.DataFrame({"Patient ID": ["P1"], "NPRS pre": [6]}))
    >>> raw.file, list(raw.frame.columns)
    ('<DataFrame>', ['Patient ID', 'NPRS pre'])
    """
    if isinstance(source, pd.DataFrame):
        _refuse_repeated_names(list(source.columns), DATAFRAME_LABEL)
        return RawTable(source, DATAFRAME_LABEL, None, _sha256_frame(source))
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: no such file; check the path (working folder: {Path.cwd()})"
        )
    if path.is_dir():
        raise SchemaError(f"{path}: is a folder. Fix: give the path of a session file inside it")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        allowed = ", ".join(sorted(READERS))
        hint = " (in Excel, save it as .xlsx)" if path.suffix.lower() == ".xls" else ""
        raise SchemaError(
            f"{path.name}: files of type {path.suffix or '(none)'!r} cannot be read. "
            f"Fix: save the table as one of {allowed}{hint}"
        )
    try:
        if kind in ("csv", "tsv"):
            sep = "," if kind == "csv" else "\t"
            text_options: dict[str, Any] = {
                "sep": sep,
                "dtype": str,
                "encoding": encoding,
                "skiprows": _leading_blank_lines(path, encoding),  # (the header follows)
            }
            with warnings.catch_warnings():
                # a first data row longer than the header is an error, not an index
                # (pandas' reading) and not cut to the header's length (index_col=False)
                warnings.simplefilter("error", pd.errors.ParserWarning)
                try:
                    frame = pd.read_csv(
                        path,
                        index_col=False,
                        skip_blank_lines=False,  # (rows keep their numbers in the file)
                        keep_default_na=False,
                        na_values=list(MISSING_MARKERS),
                        skipinitialspace=False,
                        **text_options,
                    )
                except pd.errors.ParserWarning as exc:
                    raise SchemaError(
                        f"{path.name}: the first data row has more cells than the header has "
                        "columns (often a comma inside a cell that is not quoted). Fix: quote "
                        "such cells or remove the extra cells, then re-export"
                    ) from exc
            header = pd.read_csv(path, header=None, nrows=1, **text_options)
            _refuse_repeated_names(header.iloc[0].tolist(), path.name)
            _refuse_other_separator(frame, path.name, sep)
        elif kind == "excel":
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=object, engine="openpyxl")
            if any(str(c).rpartition(".")[2].isdigit() for c in frame.columns):  # mangled?
                header = pd.read_excel(
                    path, sheet_name=sheet or 0, header=None, nrows=1, engine="openpyxl"
                )
                _refuse_repeated_names(header.iloc[0].tolist(), path.name)
        else:
            frame = _read_parquet(path)
    except SchemaError:  # (already names the file and the fix)
        raise
    except UnicodeDecodeError as exc:
        raise SchemaError(
            f"{path.name}: the file is not {encoding} text ({exc.reason} at byte {exc.start}). "
            "Fix: save it as 'CSV UTF-8' in Excel, or pass encoding='cp1252' (or the file's encoding)"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise SchemaError(
            f"{path.name}: the file is empty. Fix: export the table with its header row"
        ) from exc
    except pd.errors.ParserError as exc:
        raise SchemaError(
            f"{path.name}: cannot be read as {kind.upper()} ({exc}). Fix: check the separator and "
            "quoting, or re-export the table"
        ) from exc
    except (ValueError, OSError, KeyError) as exc:
        raise SchemaError(
            f"{path.name}: cannot be read as {kind} ({exc}). Fix: re-export the table"
        ) from exc
    return RawTable(frame, path.name, str(path), _sha256_file(path))


def _leading_blank_lines(path: Path, encoding: str) -> int:
    """Number of empty lines before a text file's header (read past, as pandas does)."""
    n = 0
    with path.open(encoding=encoding, newline="") as f:
        for line in f:
            if line.strip("\r\n"):
                break
            n += 1
    return n


def _refuse_repeated_names(names: list[Any], file: str) -> None:
    """Raise SchemaError when a header repeats a column name (pandas would rename the
    second ``Patient ID`` to ``Patient ID.1``, or keep two columns of one name)."""
    seen: set[str] = set()
    repeated = []
    for name in names:
        key = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
        if key in seen and key and key not in repeated:
            repeated.append(key)
        seen.add(key)
    if repeated:
        listed = ", ".join(repr(r) for r in repeated)
        raise SchemaError(
            f"{file}: the header names {listed} more than once; which column is meant "
            "cannot be told. Fix: rename or remove the repeated column"
        )


def _refuse_other_separator(frame: pd.DataFrame, file: str, sep: str) -> None:
    """Raise SchemaError when a text file read as one column is separated by another
    character (a semicolon, as Excel writes CSV in several languages, or a tab)."""
    if frame.shape[1] != 1:
        return
    header = str(frame.columns[0])
    names = {";": "semicolons", "\t": "tabs", ",": "commas", "|": "vertical bars"}
    found = [c for c in names if c != sep and c in header]
    if not found:
        return
    fix = {
        ";": "save it as 'CSV UTF-8 (Comma delimited)' in Excel, or with commas",
        "\t": "give it the extension .tsv",
        ",": "give it the extension .csv",
        "|": "re-export it with commas as the separator",
    }[found[0]]
    raise SchemaError(
        f"{file}: the columns are separated by {names[found[0]]}, not {names[sep]} "
        f"(the header reads as one column: {header[:60]!r}). Fix: {fix}"
    )


# ---------------------------------------------------------------------------
# Column mapping
# ---------------------------------------------------------------------------


@dataclass
class ColumnPlan:
    """How the columns of a wide session file map onto the canonical tables.

    Attributes
    ----------
    session : dict
        Canonical session column -> the column's name in the file.
    measures : list of tuple
        ``(name in file, canonical measure, timing)`` for every wide measure column.
    unknown : list of str
        Columns that are neither session columns nor measures (ignored, with a warning).
    duplicates : dict
        Canonical column -> the several file columns that all map to it (an error).
    """

    session: dict[str, str] = field(default_factory=dict)
    measures: list[tuple[str, str, str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    duplicates: dict[str, list[str]] = field(default_factory=dict)


def _split_timing(name: str) -> tuple[str, str] | None:
    """Split a normalised wide measure name into (stem, timing)."""
    for alias, timing in schema.TIMING_ALIASES.items():
        if name.endswith("_" + alias) and len(name) > len(alias) + 1:
            return name[: -len(alias) - 1], timing
        if name.startswith(alias + "_") and len(name) > len(alias) + 1:
            return name[len(alias) + 1 :], timing
    return None


def wide_measure(name: str) -> tuple[str, str] | None:
    """Recognise a wide measure column name: ``(canonical measure, timing)`` or ``None``.

    Examples
    --------
    >>> wide_measure("NPRS pre"), wide_measure("rom_cervical_rotation_left_post")
    (('pain', 'pre'), ('rom:cervical_rotation_left', 'post'))
    >>> wide_measure("HIT-6 post"), wide_measure("ndi"), wide_measure("grip_pre")
    (('function:hit6', 'post'), ('function:ndi', 'pre'), None)
    """
    norm = schema.normalise_name(name)
    split = _split_timing(norm)
    stem, timing = split if split else (norm, "pre")
    if split is None and norm not in schema.FUNCTION_ALIASES:
        return None  # a bare stem counts only for function instruments (measured at the session)
    if stem in schema.PAIN_STEMS:
        return "pain", timing
    if stem.startswith("function_"):
        stem = stem[len("function_") :]
    if stem in schema.FUNCTION_ALIASES:
        return "function:" + schema.FUNCTION_ALIASES[stem], timing
    if stem.startswith("rom_"):
        candidate = "rom:" + stem[4:]
        try:
            schema.measure_spec(candidate)
        except KeyError:
            return None
        return candidate, timing
    return None


def plan_columns(columns: list[str], column_map: Mapping[str, str] | None = None) -> ColumnPlan:
    """Map a wide session file's column names onto canonical columns and measures.

    Names are matched case- and space-insensitively (see :func:`schema.normalise_name`)
    through :data:`schema.COLUMN_ALIASES`; ``column_map`` (file name -> canonical name,
    either a session column such as ``"patient_id"`` or a wide measure name such as
    ``"rom_cervical_rotation_left_pre"``) takes precedence.

    Examples
    --------
    >>> plan = plan_columns(["Patient ID", "Dx", "Date", "NPRS pre", "Notes2"],
    ...                     column_map={"Notes2": "clinic_id"})
    >>> plan.session
    {'patient_id': 'Patient ID', 'condition': 'Dx', 'session_date': 'Date', 'clinic_id': 'Notes2'}
    >>> plan.measures
    [('NPRS pre', 'pain', 'pre')]
    """
    user = {schema.normalise_name(k): v for k, v in (column_map or {}).items()}
    plan = ColumnPlan()
    claimed: dict[str, list[str]] = {}
    for col in columns:
        norm = schema.normalise_name(col)
        target = user.get(norm)
        if target is not None:
            target_norm = schema.normalise_name(target)
            canonical = schema.COLUMN_ALIASES.get(target_norm)
            if canonical is None and target_norm in schema.SESSION_COLUMNS:
                canonical = target_norm
        else:
            target_norm = norm
            canonical = schema.COLUMN_ALIASES.get(norm)
        if canonical is not None:
            claimed.setdefault(canonical, []).append(col)
            continue
        measure = wide_measure(target_norm)
        if measure is not None:
            key = f"{measure[0]}|{measure[1]}"
            claimed.setdefault(key, []).append(col)
            plan.measures.append((col, *measure))
            continue
        plan.unknown.append(col)
    for key, cols in claimed.items():
        if len(cols) > 1:
            plan.duplicates[key.replace("|", " ")] = cols
        if "|" not in key:
            plan.session[key] = cols[0]
    plan.measures = [
        m
        for m in plan.measures
        if len(claimed[f"{m[1]}|{m[2]}"]) == 1 or claimed[f"{m[1]}|{m[2]}"][0] == m[0]
    ]
    return plan


#: Aliases of the columns of a long measures table.
MEASURE_TABLE_ALIASES: dict[str, str] = {
    "session_id": "session_id",
    "visit_id": "session_id",
    "encounter_id": "session_id",
    "measure": "measure",
    "instrument": "measure",
    "outcome": "measure",
    "variable": "measure",
    "timing": "timing",
    "time_point": "timing",
    "timepoint": "timing",
    "phase": "timing",
    "when": "timing",
    "value": "value",
    "score": "value",
    "result": "value",
    "unit": "unit",
    "units": "unit",
}


# ---------------------------------------------------------------------------
# Safe writers
# ---------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy in which text cells a spreadsheet would run as a formula are quoted.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a
    leading apostrophe (the OWASP advice against CSV injection). Numbers are untouched.

    Examples
    --------
    >>> import pandas as pd
    >>> neutralise_formulas(pd.DataFrame({"a": ["=1+1", "ok"], "b": [-1, 2]}))
           a  b
    0  '=1+1 -1
    1     ok  2
    >>> neutralise_formulas(pd.DataFrame({"mixed": [-1.5, "-x", "<11"]}))["mixed"].tolist()
    [-1.5, "'-x", '<11']
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object:  # mixed cells: only text is at risk, numbers stay numbers
            risky = s.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
            mask = risky.to_numpy(dtype=bool)
            if mask.any():
                quoted = s.copy()
                quoted[mask] = ["'" + v for v in s[mask]]
                out[col] = quoted
        elif pd.api.types.is_string_dtype(s.dtype):
            text = s.astype("string")
            risky = text.str.startswith(_FORMULA_START).fillna(False).astype(bool)
            if risky.any():
                out[col] = s.where(~risky.to_numpy(), "'" + text)
    return out


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Write a file atomically: ``write(tmp_path)``, then move it into place.

    Parameters
    ----------
    path : path
        The target. Its folder is created if needed.
    write : callable
        Called with a temporary path in the same folder; must write the whole file there.

    Returns
    -------
    Path
        The target path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> atomic_write(target, lambda p: p.write_text("done")).read_text()
    'done'
    """
    from tpdn_outcomes._files import atomic_write as write_atomically

    return write_atomically(path, write)  # (permissions follow the umask; no leftovers)


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike[str], *, sheet_name: str = "data"
) -> Path:
    """Write a table atomically as CSV, TSV, XLSX or Parquet (by the file ending).

    CSV, TSV and XLSX output has formula-like text cells neutralised
    (:func:`neutralise_formulas`); Parquet keeps values as they are.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = write_table(pd.DataFrame({"x": [1, 2]}), pathlib.Path(tempfile.mkdtemp()) / "t.csv")
    >>> p.read_text()
    'x\\n1\\n2\\n'
    """
    target = Path(path)
    kind = READERS.get(target.suffix.lower())
    if kind is None:
        raise ValueError(
            f"{target.name}: cannot write {target.suffix!r}; use one of {sorted(READERS)}"
        )
    if kind == "parquet":
        return atomic_write(target, lambda p: frame.to_parquet(p, index=False))
    safe = neutralise_formulas(frame)
    if kind == "excel":
        return atomic_write(
            target,
            lambda p: safe.to_excel(p, index=False, sheet_name=sheet_name, engine="openpyxl"),
        )
    sep = "," if kind == "csv" else "\t"
    return atomic_write(target, lambda p: safe.to_csv(p, index=False, sep=sep, lineterminator="\n"))


def file_rows(n: int) -> np.ndarray:
    """Row numbers as a person counts them in a file with a header: ``2 .. n + 1``."""
    return np.arange(2, n + 2, dtype=np.int64)
