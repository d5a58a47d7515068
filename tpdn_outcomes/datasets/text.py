"""The text form: every cell as the CSV files hold it, and the CSV and XLSX writers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd


def _text_column(s: pd.Series) -> np.ndarray:
    """A column as the text written to CSV: ISO dates, whole numbers without '.0', '' for missing."""
    if s.dtype.kind == "M":
        out = s.dt.strftime("%Y-%m-%d").to_numpy(dtype=object, na_value="")
        return out
    if pd.api.types.is_bool_dtype(s.dtype):
        flags = s.astype("boolean")
        return np.where(flags.isna(), "", np.where(flags.fillna(False), "yes", "no")).astype(object)
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("string").fillna("").to_numpy(dtype=object)
    if pd.api.types.is_float_dtype(s.dtype):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        miss = np.isnan(v)
        tenths = np.rint(np.where(miss, 0, v) * 10).astype(np.int64)
        whole = np.abs(tenths) % 10 == 0
        text = np.where(
            whole,
            pd.Series(tenths // 10).astype(str).to_numpy(dtype=object),
            pd.Series(v).round(1).astype(str).to_numpy(dtype=object),
        )
        return np.where(miss, "", text).astype(object)
    return s.astype("string").fillna("").to_numpy(dtype=object)


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the text a CSV file holds ('' for blank)."""
    return pd.DataFrame(
        {c: pd.array(_text_column(frame[c]), dtype="str") for c in frame.columns},
        index=frame.index,
    )


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Write via a temporary file in the same folder, then move it into place."""
    from tpdn_outcomes._files import atomic_write

    return atomic_write(path, write)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    text = as_text(frame)
    return atomic_write(
        path,
        lambda p: text.to_csv(p, index=False, lineterminator="\n", encoding="utf-8"),
    )


def write_xlsx(frame: pd.DataFrame, path: Path, sheet_name: str = "sessions") -> Path:
    """Write an XLSX: dates as real Excel dates shown YYYY-MM-DD, numbers as numbers."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(
            out[col].dtype
        ):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        elif pd.api.types.is_integer_dtype(out[col].dtype) or pd.api.types.is_float_dtype(
            out[col].dtype
        ):
            v = out[col].astype("Float64")
            out[col] = v.astype(object).where(v.notna(), None)

    def write(p: Path) -> None:
        with pd.ExcelWriter(
            p, engine="openpyxl", date_format="YYYY-MM-DD", datetime_format="YYYY-MM-DD"
        ) as xw:
            out.to_excel(xw, index=False, sheet_name=sheet_name)

    return atomic_write(path, write)
