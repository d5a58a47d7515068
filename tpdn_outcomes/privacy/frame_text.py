"""The distinct text values of a frame's text columns, searched once per frame."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tpdn_outcomes import _detect as det
from tpdn_outcomes.privacy.patterns import as_arrow, is_boolean


def _text_of(col: pd.Series) -> tuple[pd.Series, pa.Array | None]:
    """Distinct non-missing values of a column as text (pandas and pyarrow)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        uniq = pd.Series(col.cat.categories)
    else:
        try:
            uniq = pd.Series(col.unique())
        except TypeError:
            uniq = pd.Series(col.astype(str).unique())
    uniq = uniq[uniq.notna()].reset_index(drop=True)
    if not len(uniq):
        return uniq, None
    if pd.api.types.is_datetime64_any_dtype(uniq.dtype):
        return uniq, None
    return uniq, as_arrow(uniq)


class FrameText:
    """The distinct text values of all text columns of a frame in one array, so that each
    pattern is compiled and run once per frame rather than once per column."""

    def __init__(self, frame: pd.DataFrame, skip: set[int]) -> None:
        self.texts: dict[int, tuple[pd.Series, pa.Array]] = {}
        self.spans: dict[int, tuple[int, int]] = {}
        parts: list[pa.Array] = []
        pos = 0
        for j in range(frame.shape[1]):
            if j in skip:
                continue
            col = frame.iloc[:, j]
            dtype = (
                col.cat.categories.dtype
                if isinstance(col.dtype, pd.CategoricalDtype)
                else col.dtype
            )
            if is_boolean(dtype) or pd.api.types.is_numeric_dtype(dtype):
                continue
            if pd.api.types.is_datetime64_any_dtype(dtype):
                continue
            uniq, text = _text_of(col)
            if text is None or not len(text):
                continue
            text = text.cast(pa.string()) if text.type != pa.string() else text
            self.texts[j] = (uniq, text)
            self.spans[j] = (pos, pos + len(text))
            parts.append(text)
            pos += len(text)
        self.all = pa.concat_arrays(parts) if parts else pa.array([], type=pa.string())
        self.cache: dict[str, Any] = {}
        # values with punctuation or spaces; pseudonyms such as P00001 have none
        self.alnum = np.asarray(pc.fill_null(pc.utf8_is_alnum(self.all), False), dtype=bool)
        self.punct_idx = np.flatnonzero(~self.alnum)
        self.punct = self.all.take(pa.array(self.punct_idx)) if len(self.all) else self.all

    def contains(self, j: int, pattern: str, *, punct_only: bool = False) -> np.ndarray:
        """``pattern`` found in column ``j``'s values; with ``punct_only``, searched only
        in values with a space or punctuation (the pattern cannot match the others)."""
        key = ("p:" if punct_only else "a:") + pattern
        if key not in self.cache:
            if punct_only:
                mask = np.zeros(len(self.all), dtype=bool)
                mask[self.punct_idx] = det.contains(self.punct, pattern)
            else:
                mask = det.contains(self.all, pattern)
            self.cache[key] = mask
        a, b = self.spans[j]
        return np.asarray(self.cache[key][a:b])

    def names(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if "<names>" not in self.cache:
            full, single = det.person_names(self.all)
            self.cache["<names>"] = (full, single, det.surnames_only(self.all))
        a, b = self.spans[j]
        full, single, last = self.cache["<names>"]
        return full[a:b], single[a:b], last[a:b]
