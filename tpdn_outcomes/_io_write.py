"""Safe writers: atomic files, and text cells a spreadsheet would run neutralised.

Part of :mod:`tpdn_outcomes.io` (which re-exports these names).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from tpdn_outcomes._files import atomic_write as atomic_write  # the one atomic writer
from tpdn_outcomes._io_files import READERS

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
