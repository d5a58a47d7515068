"""The report of one run of the checks: problems collected as small vectorised frames,
and cells as the text a person reads in them (escaped, never an identifier)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes._arrays import cat_codes as _cat_codes
from tpdn_outcomes.io import (
    short_text as _short,
)
from tpdn_outcomes.privacy import column_label, mask_values
from tpdn_outcomes.validation_report import REPORT_DTYPES, ValidationReport


class Collector:
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
            vals = as_text(pd.Series(values))
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


def as_text(values: pd.Series) -> pd.Series:
    """Values as text for messages (integral floats without '.0')."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # label only the categories in use
        used = values.cat.remove_unused_categories()
        cats = used.cat.categories
        if pd.api.types.infer_dtype(cats, skipna=False) == "string":  # text is its own label
            labels = np.append(np.array([_escaped(c) for c in cats], dtype=object), "")
        else:
            labels = np.array([cell_label(c) for c in cats] + [""], dtype=object)
        codes = _cat_codes(used)
        return pd.Series(labels[np.where(codes >= 0, codes, len(labels) - 1)], dtype="string")
    if pd.api.types.is_float_dtype(values.dtype):
        v = values.astype("float64")
        return v.map(lambda x: "" if pd.isna(x) else _float_text(x)).astype("string")
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.dt.strftime("%Y-%m-%d").astype("string")
    return values.map(cell_label).astype("string")


def _float_text(x: float) -> str:
    """A float as a person writes it: whole numbers without '.0', huge ones in e-notation.

    >>> _float_text(6.0), _float_text(7.5), _float_text(1e300), _float_text(float("inf"))
    ('6', '7.5', '1e+300', 'inf')
    """
    return str(int(x)) if x.is_integer() and abs(x) < 1e16 else repr(x)


def cell_label(u: object) -> str:
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
