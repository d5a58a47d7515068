"""Array helpers shared by the loader (validate) and the derivations (derive, data).

Public within the package; nothing here is part of the library's API.

Examples
--------
>>> import numpy as np
>>> is_sorted(np.array([1, 2, 2, 5])), is_sorted(np.array([2, 1]))
(True, False)
>>> int_array(np.array([1.0, np.nan])).tolist()
[1, <NA>]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

#: Rows per block where a row-long temporary would otherwise be made (the loader's too).
BLOCK = 1 << 20


def int_array(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers held as float (NaN missing) -> a nullable Int64 array."""
    missing = np.isnan(values)
    data = np.zeros(len(values), dtype=np.int64)
    np.copyto(data, values, casting="unsafe", where=~missing)
    return pd.arrays.IntegerArray(data, missing)


def cat_codes(values: pd.Series) -> np.ndarray:
    """The codes of a categorical column, as a read-only view (``.cat.codes`` copies)."""
    return np.asarray(values.array.codes)


def is_sorted(values: np.ndarray, step: int = 1 << 20) -> bool:
    """Is ``values`` non-decreasing? Checked in chunks, so that no temporary array as
    long as ``values`` is made."""
    for lo in range(0, len(values) - 1, step):
        hi = min(lo + step, len(values) - 1)
        if not np.all(values[lo + 1 : hi + 1] >= values[lo:hi]):
            return False
    return True


def arrow_text_dtype(labels: pa.Array | pa.ChunkedArray) -> pd.CategoricalDtype:
    """A categorical dtype over text ``labels`` that stay in Arrow's buffers.

    For labels the package generates (session ids, episode labels), which are unique by
    construction: no Python string is made per label (about 65 bytes each, a quarter of
    the held tables at ten million sessions), and their uniqueness is not checked again
    (pandas' check would build every string and a hash table). Values read from the
    column are ordinary Python strings. With a pandas without Arrow-backed strings, the
    categories are plain objects.

    Examples
    --------
    >>> import pyarrow as pa
    >>> dtype = arrow_text_dtype(pa.array(["S1", "S2"]))
    >>> pd.Categorical.from_codes([1, 0], dtype=dtype).tolist()
    ['S2', 'S1']
    """
    categories = pd.Index(pd.array(labels, dtype="str"))
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    if fast is None:  # pragma: no cover - (pandas without it: checked as usual)
        return pd.CategoricalDtype(categories)
    dtype: pd.CategoricalDtype = fast(categories, False)
    return dtype
