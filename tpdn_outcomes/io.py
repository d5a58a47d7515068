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

import bz2
import codecs
import gzip
import io
import lzma
import os
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes._io_columns import MEASURE_TABLE_ALIASES as MEASURE_TABLE_ALIASES
from tpdn_outcomes._io_columns import ColumnPlan as ColumnPlan
from tpdn_outcomes._io_columns import plan_columns as plan_columns
from tpdn_outcomes._io_columns import wide_measure as wide_measure
from tpdn_outcomes._io_files import COMPRESSED as COMPRESSED
from tpdn_outcomes._io_files import READERS as READERS
from tpdn_outcomes._io_files import SEP_LINE as _SEP_LINE
from tpdn_outcomes._io_files import WHAT as _WHAT
from tpdn_outcomes._io_files import file_head as _head
from tpdn_outcomes._io_files import file_kind as _kind
from tpdn_outcomes._io_files import file_magic as _magic
from tpdn_outcomes._io_files import file_stat as _stat
from tpdn_outcomes._io_files import not_text as _not_text
from tpdn_outcomes._io_files import nul_error as _nul_error
from tpdn_outcomes._io_files import refuse_other_separator as _refuse_other_separator
from tpdn_outcomes._io_files import refuse_repeated_names as _refuse_repeated_names
from tpdn_outcomes._io_files import sha256_and_nul as _sha256_and_nul
from tpdn_outcomes._io_files import sha256_file as sha256_file
from tpdn_outcomes._io_files import sha256_frame as _sha256_frame
from tpdn_outcomes._io_files import short_text as short_text
from tpdn_outcomes._io_files import split_line as _split
from tpdn_outcomes._io_write import atomic_write as atomic_write
from tpdn_outcomes._io_write import neutralise_formulas as neutralise_formulas
from tpdn_outcomes._io_write import write_table as write_table
from tpdn_outcomes.errors import SchemaError
from tpdn_outcomes.progress import counted

#: Cell texts read as missing in CSV/TSV files (and nothing else is).
MISSING_MARKERS: tuple[str, ...] = ("", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null")

DATAFRAME_LABEL = "<DataFrame>"

# ---------------------------------------------------------------------------
# Resource limits, checked before a file is parsed
# ---------------------------------------------------------------------------

#: Most columns a table may have. TPDN exports have fewer than 200; a file with tens of
#: thousands (a transposed table, a file that is not a session export) would take
#: minutes to check. Raise it with the environment variable ``TPDN_OUTCOMES_MAX_COLUMNS``
#: (or by setting this attribute).
MAX_COLUMNS = 2000

#: Longest header line of a CSV/TSV file, in characters (raise it with the environment
#: variable ``TPDN_OUTCOMES_MAX_HEADER_CHARS`` or this attribute).
MAX_HEADER_CHARS = 100_000

#: Memory needed to check a table, as a multiple of its text's size (CSV/TSV, decompressed),
#: of its worksheets' XML (XLSX) or of its uncompressed column data (Parquet). Measured on
#: the sample export read as text and validated: 6x to read, 14x at the peak of
#: ``validate``. A file whose estimate exceeds the memory available is refused before it
#: is read; set the environment variable ``TPDN_OUTCOMES_MEMORY_CHECK=0`` to read it anyway.
MEMORY_FACTOR: dict[str, float] = {"csv": 15.0, "tsv": 15.0, "excel": 10.0, "parquet": 4.0}


def _limit(name: str, default: int) -> int:
    """A limit from the environment variable ``TPDN_OUTCOMES_<name>``, else ``default``."""
    text = os.environ.get(f"TPDN_OUTCOMES_{name}", "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise SchemaError(
            f"the environment variable TPDN_OUTCOMES_{name}={text!r} is not a whole number. "
            f"Fix: set it to a number such as {default * 2}, or unset it"
        ) from None
    return value


def _memory_check_on() -> bool:
    return os.environ.get("TPDN_OUTCOMES_MEMORY_CHECK", "1").strip().lower() not in (
        "0",
        "off",
        "no",
        "false",
    )


def available_memory() -> int | None:
    """Bytes of memory this process can still use (None when it cannot be told).

    The smaller of the system's available memory (``MemAvailable`` in ``/proc/meminfo``)
    and the room left under a cgroup (container) limit.

    Examples
    --------
    >>> m = available_memory()
    >>> m is None or m > 0
    True
    """
    found: list[int] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, AttributeError):
            pass
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
        if limit != "max":
            found.append(max(int(limit) - int(used), 0))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def _size(n: float) -> str:
    """Bytes as a person reads them: ``'2.0 GB'``."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


def _check_memory(name: str, what: str, size: int, kind: str) -> None:
    """Raise SchemaError when checking ``size`` bytes of ``kind`` data would not fit."""
    if not _memory_check_on():
        return
    needed = size * MEMORY_FACTOR[kind]
    free = available_memory()
    if free is None or needed <= free:
        return
    raise SchemaError(
        f"{name}: {what} is {_size(size)}; checking it needs about {_size(needed)} of memory "
        f"and {_size(free)} is available. Fix: split the file (for example by quarter or "
        "clinic) and check each part, or use a machine with more memory; to read it anyway, "
        "set the environment variable TPDN_OUTCOMES_MEMORY_CHECK=0"
    )


def _too_many_columns(name: str, n: int) -> SchemaError:
    bound = _limit("MAX_COLUMNS", MAX_COLUMNS)
    return SchemaError(
        f"{name}: the table has {n} columns, more than the {bound} a session table may have "
        "(a TPDN export has fewer than 200; is this the right file, or a transposed table?). "
        f"Fix: remove the columns you do not need; if the file really has that many, set the "
        f"environment variable TPDN_OUTCOMES_MAX_COLUMNS={max(n, bound)} (or "
        "tpdn_outcomes.io.MAX_COLUMNS)"
    )


def _check_columns(name: str, n: int) -> None:
    if n > _limit("MAX_COLUMNS", MAX_COLUMNS):
        raise _too_many_columns(name, n)


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
    first_row : int
        The row of the file, as a person counts rows, of the table's first data row
        (2 when the header is the first line; more after blank lines or a ``sep=`` line).
    sheets : tuple of str
        For a workbook, the names of all its sheets (empty otherwise).
    sheet : str or None
        For a workbook, the sheet that was read.
    """

    frame: pd.DataFrame
    file: str
    path: str | None
    sha256: str
    first_row: int = 2
    sheets: tuple[str, ...] = ()
    sheet: str | None = None

    @property
    def sheet_like(self) -> bool:
        """Read from a text or Excel file, where a blank line or empty row is a row."""
        return _kind(Path(self.path))[0] in ("csv", "tsv", "excel") if self.path else False


def _read_parquet(path: Path, magic: str | None = "parquet", head: bytes = b"") -> pd.DataFrame:
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
    import pyarrow.parquet as pq

    name = path.name
    if magic != "parquet":
        what = (
            _WHAT[magic]
            if magic
            else "empty (0 bytes)"
            if not head
            else "text (a CSV file?)"
            if b"\0" not in head[:4096]
            else "other data"
        )
        raise SchemaError(
            f"{name}: is {what}, not a parquet file. Fix: give it the ending that matches its "
            "content, or re-export the table as Parquet"
        )
    try:
        meta = pq.ParquetFile(path).metadata
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise SchemaError(
            f"{name}: is a damaged parquet file ({short_text(exc, 100)}). Fix: re-export the table"
        ) from exc
    _check_columns(name, meta.num_columns)
    _check_memory(
        name,
        "its column data",
        sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)),
        "parquet",
    )
    _refuse_repeated_names(pq.read_schema(path).names, name)
    return arrow_frame(pq.read_table(path))


def arrow_frame(table: Any) -> pd.DataFrame:
    """An Arrow table as the loader takes it: text columns as pandas categoricals, numbers
    as Arrow-backed columns, the rest converted by pandas (see :func:`_read_parquet`).

    Examples
    --------
    >>> import pyarrow as pa
    >>> arrow_frame(pa.table({"id": ["a", "b", "a"], "x": [1, None, 3]})).dtypes.astype(str).tolist()
    ['category', 'int64[pyarrow]']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

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


def _frame_table(source: pd.DataFrame) -> RawTable:
    """A DataFrame as a :class:`RawTable` (not copied), checked as a file's header is."""
    _check_columns(DATAFRAME_LABEL, source.shape[1])
    _refuse_repeated_names(list(source.columns), DATAFRAME_LABEL)
    if not source.columns.is_unique:  # (blank labels, which a file may repeat)
        repeated = sorted({repr(c) for c in source.columns[source.columns.duplicated()]})
        raise SchemaError(
            f"{DATAFRAME_LABEL}: the column label(s) {', '.join(repeated)} are used more "
            "than once; which column is meant cannot be told. Fix: give every column its "
            "own name (df.columns = [...])"
        )
    if isinstance(source.columns, pd.MultiIndex):
        raise SchemaError(
            f"{DATAFRAME_LABEL}: has column labels on {source.columns.nlevels} levels (a "
            "MultiIndex). Fix: give each column one name, e.g. df.columns = "
            "['_'.join(map(str, c)) for c in df.columns]"
        )
    return RawTable(source, DATAFRAME_LABEL, None, _sha256_frame(source))


def read_table(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    sheet: str | int | None = None,
    encoding: str = "utf-8-sig",
    progress: Callable[[str, float], None] | None = None,
) -> RawTable:
    """Read a session or measures table from a file or take a DataFrame as it is.

    Before a file is parsed it is checked: it must be a regular file (not a folder, named
    pipe or device, nor a loop of symbolic links), of the type its ending says (told by
    its first bytes), with no NUL bytes in text, at most :data:`MAX_COLUMNS` columns and a
    header line of at most :data:`MAX_HEADER_CHARS` characters, and small enough for the
    memory available (:data:`MEMORY_FACTOR`). Compressed text (``.csv.gz``, ``.csv.bz2``,
    ``.csv.xz``, or gzip data in a file named ``.csv``) is decompressed in memory; the
    input file is never modified.

    Parameters
    ----------
    source : path or DataFrame
        A ``.csv``, ``.tsv``/``.tab`` (optionally compressed: ``.gz``, ``.bz2``, ``.xz``),
        ``.xlsx``/``.xlsm`` or ``.parquet``/``.pq`` file, or a DataFrame (which is not
        copied or modified).
    sheet : str or int, optional
        The Excel sheet (default: the first).
    encoding : str, default "utf-8-sig"
        Text encoding of CSV/TSV files (a UTF-8 byte-order mark is accepted).
    progress : callable, optional
        ``progress(what, fraction)`` as a CSV/TSV file is parsed; it may raise to stop.

    Returns
    -------
    RawTable

    Raises
    ------
    FileNotFoundError
        When the path does not exist.
    SchemaError
        When the file cannot be read (unsupported or wrong type, not a regular file, a
        loop of symbolic links, wrong encoding, NUL bytes, damaged, encrypted, too many
        columns, too large for the memory available), with the fix in the message.
    TypeError, ValueError
        When an argument is of the wrong type or value (``sheet``, ``encoding``).

    Examples
    --------
    >>> import pandas as pd
    >>> raw = read_table(pd.DataFrame({"Patient ID": ["P1"], "NPRS pre": [6]}))
    >>> raw.file, list(raw.frame.columns)
    ('<DataFrame>', ['Patient ID', 'NPRS pre'])
    """
    if sheet is not None and (not isinstance(sheet, str | int) or isinstance(sheet, bool)):
        raise TypeError(f"sheet= must be a sheet name or a 0-based position, not {sheet!r}")
    if not isinstance(encoding, str):
        raise TypeError(f"encoding= must be the name of a text encoding, not {encoding!r}")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ValueError(
            f"encoding={encoding!r} is not a text encoding Python knows; use for example "
            "'utf-8', 'cp1252' or 'latin-1'"
        ) from None
    if isinstance(source, pd.DataFrame):
        return _frame_table(source)
    if not isinstance(source, str | os.PathLike):
        raise TypeError(
            f"the source must be a file path or a pandas DataFrame, not {type(source).__name__}"
        )
    path = Path(source)
    st = _stat(path)
    kind, compression = _kind(path)
    if kind is None or (compression is not None and kind not in ("csv", "tsv")):
        allowed = ", ".join(sorted(READERS))
        suffix = "".join(path.suffixes[-2:]) if compression else path.suffix
        hint = " (in Excel, save it as .xlsx)" if path.suffix.lower() == ".xls" else ""
        if compression:
            hint = " (a compressed table must be a CSV or TSV file, named like sessions.csv.gz)"
        raise SchemaError(
            f"{path.name}: files of type {suffix or '(none)'!r} cannot be read. "
            f"Fix: save the table as one of {allowed}{hint}"
        )
    name = path.name
    try:
        head = _head(path)
        magic = _magic(head)
        sheets: tuple[str, ...] = ()
        chosen: str | None = None
        first_row = 2
        if kind in ("csv", "tsv"):
            text = _read_text(path, st, kind, compression, head, encoding, progress)
            frame, first_row, digest = text
        elif kind == "excel":
            frame, sheets, chosen = _read_excel(path, sheet, magic, head)
            digest = sha256_file(path)
        else:
            frame = _read_parquet(path, magic, head)
            digest = sha256_file(path)
    except SchemaError:  # (already names the file and the fix)
        raise
    except UnicodeDecodeError as exc:
        raise SchemaError(
            f"{name}: the file is not {encoding} text ({exc.reason} at byte {exc.start}). "
            "Fix: save it as 'CSV UTF-8' in Excel, or pass encoding='cp1252' (or the file's encoding)"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise SchemaError(
            f"{name}: the file is empty. Fix: export the table with its header row"
        ) from exc
    except pd.errors.ParserError as exc:
        raise SchemaError(
            f"{name}: cannot be read as {kind.upper()} ({short_text(str(exc).strip(), 200)}). Fix: "
            "check the separator and quoting, or re-export the table"
        ) from exc
    except MemoryError as exc:
        raise SchemaError(
            f"{name}: reading it ran out of memory. Fix: split the file (for example by "
            "quarter or clinic) and check each part, or use a machine with more memory"
        ) from exc
    except (ValueError, OSError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise SchemaError(
            f"{name}: cannot be read as {kind} ({short_text(exc, 200)}). Fix: re-export the table"
        ) from exc
    return RawTable(frame, name, str(path), digest, first_row, sheets, chosen)


def _decompress(path: Path, compression: str, name: str, kind: str) -> bytes:
    """The decompressed bytes, refused when larger than the memory can take."""
    free = available_memory() if _memory_check_on() else None
    cap = int(free / MEMORY_FACTOR[kind]) if free is not None else None
    openers: dict[str, Callable[..., Any]] = {
        "gzip": gzip.open,
        "bzip2": bz2.open,
        "xz": lzma.open,
    }
    opener = openers[compression]
    out = io.BytesIO()
    try:
        with opener(path, "rb") as f:
            while chunk := f.read(1 << 20):
                out.write(chunk)
                if cap is not None and out.tell() > cap:
                    _check_memory(name, "the decompressed text", out.tell(), kind)
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        raise SchemaError(
            f"{name}: the {compression} data is damaged or incomplete ({short_text(exc, 100)}). "
            "Fix: copy or export the file again"
        ) from exc
    return out.getvalue()


def _text_source(
    path: Path,
    st: os.stat_result,
    kind: str,
    compression: str | None,
    head: bytes,
    wide: bool,
) -> tuple[Callable[[], Any], str]:
    """A text file's bytes as a source to open (decompressed in memory when compressed)
    and its SHA-256, refused when it holds NUL bytes or does not fit in memory."""
    name = path.name
    if compression is not None:
        data = _decompress(path, compression, name, kind)
        digest = sha256_file(path)
        nul = -1 if wide else data.find(b"\0")
        if nul >= 0:
            raise _nul_error(name, nul, data.count(b"\n", 0, nul) + 1, data[:64])

        def source() -> Any:
            return io.BytesIO(data)

    else:
        _check_memory(name, "the file", st.st_size, kind)
        if wide:
            digest, nul = sha256_file(path), -1
        else:
            digest, nul, line = _sha256_and_nul(path)
            if nul >= 0:
                raise _nul_error(name, nul, line, head)

        def source() -> Any:
            return path

    return source, digest


def _read_text(
    path: Path,
    st: os.stat_result,
    kind: str,
    compression: str | None,
    head: bytes,
    encoding: str,
    progress: Callable[[str, float], None] | None = None,
) -> tuple[pd.DataFrame, int, str]:
    """A CSV/TSV file's cells as text, the file row of its first data row, its SHA-256."""
    name = path.name
    magic = _magic(head)
    if compression is not None and magic != compression:
        if magic is None:
            plain = path.name[: -len(path.suffix)]
            raise SchemaError(
                f"{name}: is named as {compression}-compressed but is not. Fix: rename it {plain}"
            )
        compression = None  # (its own signature decides below)
    if compression is None and magic in ("gzip", "bzip2", "xz"):
        compression = magic  # compressed though named .csv: read as what it is
    elif magic is not None and compression is None:
        raise _not_text(name, magic, path)
    wide = encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32", "utf16", "utf32"))
    if not wide and head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SchemaError(
            f"{name}: is UTF-16 text (it starts with a UTF-16 byte-order mark). Fix: save it "
            "as 'CSV UTF-8' in Excel, or pass encoding='utf-16'"
        )
    source, digest = _text_source(path, st, kind, compression, head, wide)
    sep = "," if kind == "csv" else "\t"
    skip, sep, header, later = _layout(source, encoding, sep, name)
    _check_columns(name, len(header))
    _refuse_repeated_names(header, name)
    text_options: dict[str, Any] = {
        "sep": sep,
        "dtype": str,
        "encoding": encoding,
        "skiprows": skip,  # (blank lines and a ``sep=`` line before the header)
    }
    title = ""
    if later is not None and len(header) <= 2 < len(later):
        title = (
            f"; the first line has {len(header)} cell(s) and a later one {len(later)}: if "
            "there are title or note lines above the header, delete them so that the header "
            "is the first line"
        )
    with warnings.catch_warnings(), counted(source(), progress, f"reading {name}") as src:
        # a first data row longer than the header is an error, not an index
        # (pandas' reading) and not cut to the header's length (index_col=False)
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(
                src,
                index_col=False,
                skip_blank_lines=False,  # (rows keep their numbers in the file)
                keep_default_na=False,
                na_values=list(MISSING_MARKERS),
                skipinitialspace=False,
                **text_options,
            )
        except pd.errors.ParserWarning as exc:
            raise SchemaError(
                f"{name}: the first data row has more cells than the header has columns "
                f"(often a comma inside a cell that is not quoted{title}). Fix: quote such "
                "cells or remove the extra cells, then re-export"
            ) from exc
        except pd.errors.ParserError as exc:
            if not title:
                raise
            raise SchemaError(
                f"{name}: cannot be read as {kind.upper()} ({short_text(str(exc).strip(), 200)}"
                f"{title}). Fix: delete the lines above the header, or check the separator "
                "and quoting"
            ) from exc
    _refuse_other_separator(frame, name, sep)
    return frame, skip + 2, digest


def _layout(
    source: Callable[[], Any], encoding: str, sep: str, name: str
) -> tuple[int, str, list[str], list[str] | None]:
    """Where a text table's header is and what it holds, read with bounded lines.

    Returns ``(lines before the header, separator, header cells, cells of the next
    non-blank line or None)``. Blank lines before the header are read past; a first line
    ``sep=;`` (which Excel writes and reads) sets the separator and is read past too.
    """
    limit = _limit("MAX_HEADER_CHARS", MAX_HEADER_CHARS)
    raw = source()
    binary = raw.open("rb") if isinstance(raw, Path) else raw
    with io.TextIOWrapper(binary, encoding=encoding, newline="") as text:

        def line() -> str:
            got = text.readline(limit + 1)
            if len(got) > limit and not got.endswith(("\n", "\r")):
                raise SchemaError(
                    f"{name}: the header line is longer than {limit} characters (is this a "
                    "session export?). Fix: check that the file is the table you meant; if "
                    "the header really is that long, set the environment variable "
                    f"TPDN_OUTCOMES_MAX_HEADER_CHARS to a larger number (or "
                    "tpdn_outcomes.io.MAX_HEADER_CHARS)"
                )
            return got

        skip = 0
        first = line()
        while first and not first.strip("\r\n"):
            skip += 1
            first = line()
        declared = _SEP_LINE.match(first.strip("\r\n").strip())
        if declared:
            sep = declared.group(1)
            skip += 1
            first = line()
        header = _split(first.rstrip("\r\n"), sep) if first else []
        later = None  # (the widest of the next few lines: a title may span several)
        for _ in range(10):
            nxt = text.readline(limit)  # (a long data line is no error here: cut short)
            if not nxt:
                break
            cells = _split(nxt.rstrip("\r\n"), sep) if nxt.strip("\r\n") else []
            if later is None or len(cells) > len(later):
                later = cells
    return skip, sep, header, later


def _read_excel(
    path: Path, sheet: str | int | None, magic: str | None, head: bytes
) -> tuple[pd.DataFrame, tuple[str, ...], str]:
    """A workbook's sheet, checked for being a whole workbook and fitting in memory first."""
    name = path.name
    if magic == "ole2":
        raise SchemaError(
            f"{name}: is a password-protected (encrypted) workbook, or an old Excel 97-2003 "
            "file renamed .xlsx; neither can be read. Fix: in Excel, remove the password "
            "(File > Info > Protect Workbook) and save it as .xlsx"
        )
    if magic != "zip":
        if not head:
            raise SchemaError(
                f"{name}: is empty (0 bytes), not an Excel workbook. Fix: export the table "
                "again as .xlsx"
            )
        if magic is None:
            text = b"\0" not in head[:4096]
            looks = "a text file (CSV?)" if text else "not a workbook"
            fix = (
                "give it the ending that matches its content (.csv or .tsv)"
                if text
                else "export the table again as .xlsx"
            )
            raise SchemaError(f"{name}: is {looks}, not an Excel workbook. Fix: {fix}")
        raise SchemaError(
            f"{name}: is {_WHAT[magic]}, not an Excel workbook. Fix: give it the ending that "
            "matches its content, or export the table again as .xlsx"
        )
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
    except zipfile.BadZipFile as exc:
        raise SchemaError(
            f"{name}: is damaged: not a complete workbook (a copy or download cut short?). "
            "Fix: copy or export the workbook again"
        ) from exc
    if not any(m.filename == "xl/workbook.xml" for m in members):
        raise SchemaError(
            f"{name}: is a ZIP archive but not an Excel workbook. Fix: export the table "
            "again as .xlsx"
        )
    _check_memory(
        name,
        "its worksheet data",
        sum(m.file_size for m in members if m.filename.startswith("xl/")),
        "excel",
    )
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            sheets = tuple(str(s) for s in book.sheet_names)
            listed = ", ".join(repr(s) for s in sheets)
            if sheet is None:
                chosen = sheets[0]
            elif isinstance(sheet, str):
                if sheet not in sheets:
                    raise SchemaError(
                        f"{name}: has no sheet {sheet!r}; its sheets are {listed}. Fix: pass "
                        "one of these names as sheet="
                    )
                chosen = sheet
            else:
                if not -len(sheets) <= sheet < len(sheets):
                    raise SchemaError(
                        f"{name}: has no sheet at position {sheet} (it has {len(sheets)}: "
                        f"{listed}). Fix: pass sheet= a name or a position from 0 to "
                        f"{len(sheets) - 1}"
                    )
                chosen = sheets[sheet]
            frame = pd.read_excel(book, sheet_name=chosen, dtype=object)
            _check_columns(name, frame.shape[1])
            if any(str(c).rpartition(".")[2].isdigit() for c in frame.columns):  # mangled?
                header = pd.read_excel(book, sheet_name=chosen, header=None, nrows=1)
                _refuse_repeated_names(header.iloc[0].tolist(), name)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise SchemaError(
            f"{name}: is damaged ({short_text(exc, 100)}). Fix: copy or export the workbook again"
        ) from exc
    return frame, sheets, chosen


def file_rows(n: int) -> np.ndarray:
    """Row numbers as a person counts them in a file with a header: ``2 .. n + 1``."""
    return np.arange(2, n + 2, dtype=np.int64)
