"""Small-cell suppression for report tables, with complementary suppression.

A count of 1 to ``min_cell - 1`` patients (or episodes, or sessions) is never shown
(*primary* suppression; zero is shown, as the usual policies allow). Where a suppressed
count could be worked out from what is shown — a total minus the other cells of its row or
column — further cells are hidden (*complementary* suppression) until, on every line with a
published total, either nothing is hidden, or at least two cells are hidden and together
they count at least ``min_cell``. Rates, means and intervals computed from a hidden count
are hidden with it.

The rule protects against back-calculation from totals and from the other cells of a
line, which is what a reader of a clinic report can do; it is not a full linear-programming
audit of every possible combination of tables (see the report's methods section).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tpdn_outcomes.privacy import suppress_small_cells


def primary(values: np.ndarray, min_cell: int) -> np.ndarray:
    """Cells with ``0 < value < min_cell`` (missing values are not suppressed).

    Examples
    --------
    >>> primary(np.array([0.0, 3.0, 11.0, np.nan]), 11).tolist()
    [False, True, False, False]
    """
    values = np.asarray(values, dtype=float)
    return suppress_small_cells(np.nan_to_num(values, nan=0.0), min_cell=min_cell)


def _line_unsafe(values: np.ndarray, hidden: np.ndarray, min_cell: int) -> bool:
    n_hidden = int(hidden.sum())
    if n_hidden == 0 or n_hidden == len(values):
        return False
    total_hidden = float(np.nansum(values[hidden]))
    return n_hidden == 1 or total_hidden < min_cell


def complementary(
    values: np.ndarray,
    hidden: np.ndarray,
    *,
    min_cell: int,
    row_totals: bool = True,
    col_totals: bool = True,
) -> np.ndarray:
    """Extend ``hidden`` so that no hidden cell can be recovered from a published total.

    Parameters
    ----------
    values : 2-D array
        The counts (rows x columns); NaN cells are not part of any line.
    hidden : 2-D bool array
        Cells already hidden (usually :func:`primary`).
    min_cell : int
        The smallest count that may be shown.
    row_totals, col_totals : bool, default True
        Whether the total of each row / column is published (then the line is protected).

    Returns
    -------
    2-D bool array
        Hidden cells: on every protected line, none, all, or at least two whose sum is at
        least ``min_cell``. The smallest shown cells are hidden first.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.array([[3.0, 40.0, 50.0], [30.0, 45.0, 60.0]])
    >>> complementary(v, primary(v, 11), min_cell=11).astype(int)
    array([[1, 1, 0],
           [1, 1, 0]])
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    out = np.atleast_2d(np.asarray(hidden, dtype=bool)).copy()
    for _ in range(values.size + 1):
        changed = False
        lines: list[tuple[Any, Any]] = []
        if row_totals:
            lines += [(i, slice(None)) for i in range(values.shape[0])]
        if col_totals:
            lines += [(slice(None), j) for j in range(values.shape[1])]
        for line in lines:
            v, h = values[line], out[line]
            present = ~np.isnan(v)
            if not _line_unsafe(v[present], h[present], min_cell):
                continue
            candidates = np.flatnonzero(present & ~h)
            if candidates.size == 0:
                continue
            # the smallest shown cell, preferring non-zero cells (they protect more)
            order = np.lexsort((v[candidates], v[candidates] == 0))
            pick = candidates[order[0]]
            idx = np.arange(values.shape[1] if isinstance(line[0], int) else values.shape[0])
            target = (line[0], idx[pick]) if isinstance(line[0], int) else (idx[pick], line[1])
            out[target] = True
            changed = True
        if not changed:
            break
    return out.reshape(np.shape(hidden))


def suppress_vector(values: np.ndarray, *, min_cell: int, total_published: bool) -> np.ndarray:
    """Primary and complementary suppression of one column of counts with a known total.

    Examples
    --------
    >>> suppress_vector(np.array([5.0, 120.0, 80.0]), min_cell=11, total_published=True)
    array([ True, False,  True])
    """
    v = np.asarray(values, dtype=float).reshape(-1, 1)
    hidden = primary(v, min_cell)
    return complementary(v, hidden, min_cell=min_cell, row_totals=False,
                         col_totals=total_published).ravel()  # fmt: skip


def back_calculable(
    values: np.ndarray,
    hidden: np.ndarray,
    *,
    min_cell: int,
    row_totals: bool = True,
    col_totals: bool = True,
) -> list[tuple[int, int]]:
    """Cells a reader could recover, or narrow below ``min_cell``, from published totals.

    For tests and audits: an empty list means no hidden cell is exposed by its lines.

    Examples
    --------
    >>> v = np.array([[3.0, 40.0, 50.0]])
    >>> back_calculable(v, primary(v, 11), min_cell=11, col_totals=False)
    [(0, 0)]
    >>> back_calculable(v, complementary(v, primary(v, 11), min_cell=11), min_cell=11)
    []
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    hidden = np.atleast_2d(np.asarray(hidden, dtype=bool))
    exposed: list[tuple[int, int]] = []
    if row_totals:
        for i in range(values.shape[0]):
            present = ~np.isnan(values[i])
            if _line_unsafe(values[i][present], hidden[i][present], min_cell):
                exposed += [(i, int(j)) for j in np.flatnonzero(hidden[i] & present)]
    if col_totals:
        for j in range(values.shape[1]):
            present = ~np.isnan(values[:, j])
            if _line_unsafe(values[:, j][present], hidden[:, j][present], min_cell):
                exposed += [(int(i), j) for i in np.flatnonzero(hidden[:, j] & present)]
    return exposed


__all__ = ["back_calculable", "complementary", "primary", "suppress_vector"]
