"""What a file is, told before it is parsed, and the checks of a table's header.

Part of :mod:`tpdn_outcomes.io` (which re-exports the public names): the file endings
and the first bytes that tell a file's type, the refusal of what is not a regular file,
digests, NUL bytes, and a header that repeats a name or is split by another separator.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes.errors import SchemaError

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

#: Endings of compressed text files (``sessions.csv.gz``) and their compression.
COMPRESSED: dict[str, str] = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # (an empty archive)
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"PAR1", "parquet"),
    (b"%PDF", "pdf"),
)
_BZIP2 = re.compile(rb"^BZh[1-9]1AY&SY")


def short_text(text: object, n: int = 60) -> str:
    """Text cut to ``n`` characters for a message (``...`` and the full length after)."""
    t = str(text)
    return t if len(t) <= n else f"{t[:n]}... ({len(t)} characters)"


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB chunks, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_frame(frame: pd.DataFrame) -> str:
    """A digest of a DataFrame's column names and values (pandas' row hashes).

    Cells pandas cannot hash (a list or dict in an object column) are hashed by their
    ``repr``; the checks then report them as values of the wrong kind.
    """
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode("utf-8", "surrogatepass"))
    if len(frame):
        try:
            rows = pd.util.hash_pandas_object(frame, index=False)
        except (TypeError, ValueError, UnicodeError, OverflowError):
            # unhashable cells, text that is not valid Unicode (lone surrogates), or
            # types pandas cannot hash: such columns are hashed by each cell's ``repr``
            as_text = {}
            for i, (_, col) in enumerate(frame.items()):
                try:
                    pd.util.hash_pandas_object(col, index=False)
                    as_text[i] = col
                except (TypeError, ValueError, UnicodeError, OverflowError):
                    as_text[i] = pd.Series(
                        [repr(v) for v in col.array], index=col.index, dtype=object
                    )
            rows = pd.util.hash_pandas_object(pd.DataFrame(as_text), index=False)
        digest.update(rows.to_numpy().tobytes())
    return digest.hexdigest()


def file_stat(path: Path) -> os.stat_result:
    """The file's status, refusing what is not a regular file (before anything is read)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise FileNotFoundError(
                f"{path}: is a symbolic link to {os.readlink(path)!r}, which does not exist. "
                "Fix: give the path of the file itself, or repair the link"
            ) from None
        raise FileNotFoundError(
            f"{path}: no such file; check the path (working folder: {Path.cwd()})"
        ) from None
    except ValueError:  # (a NUL character in the path)
        raise FileNotFoundError(
            f"{str(path)!r}: no such file (a path cannot contain a NUL character)"
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SchemaError(
                f"{path.name}: is a symbolic link that leads back to itself (a loop of links), "
                "so there is no file to read. Fix: give the path of the session file itself, "
                "or repair the link"
            ) from None
        raise SchemaError(
            f"{path.name}: cannot be opened ({exc.strerror}). Fix: check the path and that "
            "you may read the file"
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise SchemaError(f"{path}: is a folder. Fix: give the path of a session file inside it")
    if not stat.S_ISREG(st.st_mode):
        what = (
            "a named pipe (FIFO)"
            if stat.S_ISFIFO(st.st_mode)
            else "a socket"
            if stat.S_ISSOCK(st.st_mode)
            else "a device"
        )
        raise SchemaError(
            f"{path.name}: is {what}, not a regular file; it is not read (a pipe or device "
            "can wait forever or never end). Fix: save the table to a file and give that "
            "file's path"
        )
    return st


def file_kind(path: Path) -> tuple[str | None, str | None]:
    """``(reader, compression)`` told by a file's endings (``sessions.csv.gz``: csv, gzip).

    Examples
    --------
    >>> file_kind(Path("a.CSV")), file_kind(Path("a.csv.gz")), file_kind(Path("a.gz")), file_kind(Path("a.txt"))
    (('csv', None), ('csv', 'gzip'), (None, 'gzip'), (None, None))
    """
    suffix = path.suffix.lower()
    if suffix in COMPRESSED:
        return READERS.get(Path(path.stem).suffix.lower()), COMPRESSED[suffix]
    return READERS.get(suffix), None


def file_head(path: Path, n: int = 1 << 16) -> bytes:
    with path.open("rb") as f:
        return f.read(n)


def file_magic(head: bytes) -> str | None:
    """The kind of file its first bytes say it is (None: no known signature, e.g. text).

    Examples
    --------
    >>> file_magic(b"\\x1f\\x8b\\x08..."), file_magic(b"PK\\x03\\x04..."), file_magic(b"Patient ID,Condition")
    ('gzip', 'zip', None)
    """
    for sig, kind in _MAGIC:
        if head.startswith(sig):
            return kind
    if _BZIP2.match(head):
        return "bzip2"
    return None


WHAT = {
    "gzip": "gzip-compressed data",
    "bzip2": "bzip2-compressed data",
    "xz": "xz-compressed data",
    "zstd": "zstd-compressed data",
    "7z": "a 7-Zip archive",
    "zip": "a ZIP archive",
    "ole2": "an old Excel 97-2003 workbook (or a password-protected one)",
    "parquet": "a Parquet file",
    "pdf": "a PDF document",
}


def not_text(name: str, magic: str, path: Path) -> SchemaError:
    """The error for a CSV/TSV file whose first bytes say it is something else."""
    if magic == "zip":
        try:
            with zipfile.ZipFile(path) as z:
                workbook = "xl/workbook.xml" in z.namelist()
        except (zipfile.BadZipFile, OSError):
            workbook = False
        if workbook:
            return SchemaError(
                f"{name}: is an Excel workbook, not CSV text. Fix: give it the ending .xlsx, "
                "or save it from Excel as 'CSV UTF-8'"
            )
        return SchemaError(
            f"{name}: is a ZIP archive, not CSV text. Fix: extract the table from it and "
            "give the path of the extracted file"
        )
    fixes = {
        "zstd": "decompress it (zstd -d) and give the .csv file, or compress it with gzip",
        "7z": "extract the table from it and give the path of the extracted file",
        "ole2": "open it in Excel and save it as 'CSV UTF-8' (remove any password first)",
        "parquet": "give it the ending .parquet",
        "pdf": "export the table itself from the clinic system as CSV",
    }
    return SchemaError(f"{name}: is {WHAT[magic]}, not CSV text. Fix: {fixes[magic]}")


def nul_error(name: str, at: int, line: int, head: bytes) -> SchemaError:
    even, odd = head[0:64:2], head[1:64:2]
    utf16 = len(head) >= 4 and any(  # (ASCII in UTF-16: every other byte is zero)
        a.count(0) >= 0.7 * len(a) and b.count(0) <= 0.3 * len(b)
        for a, b in ((odd, even), (even, odd))
    )
    hint = (
        "it looks like UTF-16 text: pass encoding='utf-16', or save it as 'CSV UTF-8'"
        if utf16
        else "the file is binary data or damaged, not a CSV export; export the table again"
    )
    return SchemaError(
        f"{name}: contains NUL bytes (zero bytes; the first at byte {at}, line {line}), which "
        f"text never has. Fix: {hint}"
    )


def sha256_and_nul(path: Path) -> tuple[str, int, int]:
    """SHA-256 of a file's bytes, and the offset and line of its first NUL byte (-1, 0 if
    none). One pass; it stops at the first NUL (the digest is then of no use)."""
    digest = hashlib.sha256()
    at, lines = 0, 1
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            nul = chunk.find(b"\0")
            if nul >= 0:
                return "", at + nul, lines + chunk.count(b"\n", 0, nul)
            digest.update(chunk)
            lines += chunk.count(b"\n")
            at += len(chunk)
    return digest.hexdigest(), -1, 0


SEP_LINE = re.compile(r'^"?sep=(.)"?$')


def split_line(line: str, sep: str) -> list[str]:
    """The cells of one line of delimited text."""
    try:
        return next(csv.reader([line], delimiter=sep), [])
    except csv.Error:  # (an unclosed quote, a huge cell)
        return line.split(sep)


def refuse_repeated_names(names: list[Any], file: str) -> None:
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


def refuse_other_separator(frame: pd.DataFrame, file: str, sep: str) -> None:
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
