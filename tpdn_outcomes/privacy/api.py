"""The identifier guard's entry points (:func:`find_identifiers`,
:func:`check_identifiers`), its error, and small-cell suppression."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import _detect as det
from tpdn_outcomes.privacy.column_scan import scan_column_base
from tpdn_outcomes.privacy.frame_text import FrameText
from tpdn_outcomes.privacy.masking import mask_value, value_kinds
from tpdn_outcomes.privacy.names import normalise
from tpdn_outcomes.privacy.patterns import is_boolean
from tpdn_outcomes.privacy.value_scan import scan_values

#: Columns of the findings table returned by :func:`find_identifiers`.
FINDING_COLUMNS: tuple[str, ...] = ("file", "column", "kind", "n_values", "first_row", "reason")

#: Kinds of direct identifier, with the plain-language description used in messages.
KINDS: dict[str, str] = {
    "date_of_birth": "dates of birth",
    "email": "e-mail addresses",
    "phone": "phone or fax numbers",
    "ssn": "US Social Security numbers",
    "nhs_number": "NHS numbers",
    "national_id": "national identity or insurance numbers",
    "medical_record_number": "medical record or hospital numbers",
    "postcode": "full postcodes or ZIP codes",
    "street_address": "street addresses",
    "person_name": "person names",
    "free_text": "free-text notes",
    "exact_age": "exact ages of 90 or over",
    "admission_date": "admission, intake or discharge dates",
    "health_plan": "health-plan or Medicare beneficiary numbers",
    "ip_address": "IP addresses",
    "url": "web addresses (URLs)",
    "vehicle": "vehicle registration plates",
    "photo": "photographs or image file names",
    "ambiguous_number": "long unbroken numbers that could be identifiers (a Social Security, "
    "national id, phone or record number)",
}

_FIX: dict[str, str] = {
    "date_of_birth": "remove the column, or replace it with an age band such as '40-49' "
    "('90+' for anyone over 89)",
    "postcode": "remove the column, or coarsen the values to a UK postcode district "
    "(e.g. 'SW1A') or the first 3 digits of a ZIP code",
    "exact_age": "replace exact ages with bands such as '80-89' and a single '90+' band",
    "free_text": "remove the column (free text can name people, places and dates)",
    "admission_date": "remove the column, or keep only the month or the session dates",
    "ambiguous_number": "remove the column, or replace the values with pseudonyms (e.g. "
    "P0001); if the numbers are codes that identify no one (a lab or batch code)",
}
_FIX_DEFAULT = "remove the column, or replace the values with pseudonyms (e.g. P0001)"


class IdentifierError(ValueError):
    """Raised when data carries direct identifiers.

    Parameters
    ----------
    message : str
        The plain-language message (file, columns, kinds, counts and the fix).
    findings : pandas.DataFrame, optional
        The table from :func:`find_identifiers`, kept as ``.findings``.

    Attributes
    ----------
    findings : pandas.DataFrame
        One row per column and kind found; see :func:`find_identifiers`.
    """

    def __init__(self, message: str, findings: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.findings: pd.DataFrame = findings if findings is not None else _empty_findings()


def _empty_findings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": pd.Series([], dtype=object),
            "column": pd.Series([], dtype=object),
            "kind": pd.Series([], dtype=object),
            "n_values": pd.Series([], dtype="int64"),
            "first_row": pd.Series([], dtype="int64"),
            "reason": pd.Series([], dtype=object),
        }
    )


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def find_identifiers(
    frame: pd.DataFrame,
    *,
    source: str = "<DataFrame>",
    allow_columns: Iterable[str] = (),
    first_row: int = 2,
) -> pd.DataFrame:
    """Scan column names and values for direct identifiers; never raise for findings.

    The rules are listed in the module docstring (``help(tpdn_outcomes.privacy)``).
    Banded ages (``18-29`` ... ``80-89``, ``90+``) are preferred to exact ages;
    exact ages are refused only from 90 on (HIPAA Safe Harbor).

    Parameters
    ----------
    frame : pandas.DataFrame
        The data as read from the file (before any renaming is fine: names are
        matched on their words).
    source : str, default "<DataFrame>"
        The file name to put in the findings and messages.
    allow_columns : iterable of str, default ()
        Columns exempt from every check, matched case- and space-insensitively
        (lower case, runs of other characters to ``_``): use it to override a
        finding with intent, e.g. a column called ``contact_name`` that holds a
        clinic's role mailbox.
    first_row : int, default 2
        The row number, as a person counts rows in the file, of the frame's first
        row: with one header row the first data row is row 2, so positional index
        ``i`` is reported as ``i + first_row``.

    Returns
    -------
    pandas.DataFrame
        One row per column and kind found, in column order, with columns

        - ``file`` : ``source``;
        - ``column`` : the column as named in the frame;
        - ``kind`` : one of :data:`KINDS` (``person_name``, ``email``, ``phone``,
          ``ssn``, ``nhs_number``, ``national_id``, ``medical_record_number``,
          ``postcode``, ``street_address``, ``date_of_birth``, ``exact_age``,
          ``free_text``);
        - ``n_values`` : how many values in the column look like this kind (for
          a finding made from the column name alone: the non-missing values);
        - ``first_row`` : the file row of the first of them;
        - ``reason`` : what was found and the fix, in plain language.

        Empty (with these columns) when nothing is found. No identifying value
        appears anywhere in it.

    Raises
    ------
    TypeError
        If ``frame`` is not a DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> from tpdn_outcomes.privacy import find_identifiers
    >>> frame = pd.DataFrame({
    ...     "patient_id": ["P0001", "P0002", "P0003"],
    ...     "age_band": ["40-49", "90+", "93"],
    ...     "comments": ["", "", "call 020 7946 0958"],
    ...     "Email": ["a@example.org", None, "b@example.org"],
    ... })
    >>> found = find_identifiers(frame, source="export.csv")
    >>> found[["column", "kind", "n_values", "first_row"]]
         column       kind  n_values  first_row
    0  age_band  exact_age         1          4
    1  comments  free_text         1          4
    2  comments      phone         1          4
    3     Email      email         2          2
    >>> print(found.loc[2, "reason"])
    1 value looks like phone or fax numbers (first in row 4). Fix: remove the column, or
    replace the values with pseudonyms (e.g. P0001); if 'comments' is not an identifier,
    pass allow_columns=['comments'].
    >>> len(find_identifiers(frame, allow_columns=["AGE BAND", "comments", "email"]))
    0
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"find_identifiers expects a pandas DataFrame, got {type(frame).__name__}")
    allowed = {normalise(c) for c in allow_columns}
    rows: list[dict[str, Any]] = []
    positions: list[int] = []
    sampled: list[str] = []
    names = [str(label) for label in frame.columns]
    header_kinds = [value_kinds([n])[0] if _header_identifies(n) else None for n in names]
    skipped = {
        j for j, n in enumerate(names) if header_kinds[j] is None and normalise(n) in allowed
    }
    frame_text = FrameText(frame, skipped)
    for j, name in enumerate(names):
        shown = header_kinds[j] is None
        label = name if shown else column_label(name, j)
        if shown and normalise(name) in allowed:
            continue
        col = frame.iloc[:, j]
        found: list[tuple[str, int, int, str]] = []
        if not shown:
            found.append((str(header_kinds[j]), 0, -1, "header"))
        if not is_boolean(col.dtype):
            found += _scan_column(name, col, sampled_out=sampled, ctx=(frame_text, j))
        for kind, n, pos, how in found:
            row = pos + first_row if pos >= 0 else 1
            positions.append(j)
            rows.append(
                {
                    "file": source,
                    "column": label,
                    "kind": kind,
                    "n_values": n,
                    "first_row": row,
                    "reason": _reason(label, kind, n, row, how, shown=shown),
                }
            )
    if not rows:
        out = _empty_findings()
    else:
        out = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
        out = out.astype({"n_values": "int64", "first_row": "int64"})
    #: the columns' positions in the frame (the ``column`` of a finding may be masked)
    out.attrs["positions"] = positions
    #: columns of which only a sample of candidate values was judged by a library
    out.attrs["sampled_columns"] = [
        c if not _header_identifies(c) else "<withheld>" for c in dict.fromkeys(sampled)
    ]
    return out


@functools.lru_cache(maxsize=4096)
def _header_identifies(text: str) -> bool:
    return value_kinds([text])[0] is not None


def column_label(name: object, position: int | None = None) -> str:
    """How to name a column in a message: as it is, or masked with its position when the
    name itself could identify someone (an e-mail address or a person's name used as a
    header).

    Examples
    --------
    >>> from tpdn_outcomes.privacy import column_label
    >>> column_label("pain_pre", 3)
    'pain_pre'
    >>> column_label("jane.doe@example.org", 3)
    'column 4 (name withheld: j***.d**@e******.o**)'
    """
    text = str(name)
    if not _header_identifies(text):
        return text
    if position is None:
        return f"a column (name withheld: {mask_value(text)})"
    return f"column {position + 1} (name withheld: {mask_value(text)})"


def _reason(column: str, kind: str, n: int, row: int, how: str, *, shown: bool = True) -> str:
    """The plain-language finding. ``column`` is the name as it may be shown (masked when
    the name itself identifies, and then ``shown`` is False: a masked name cannot be
    passed to ``allow_columns``)."""
    desc = KINDS[kind]
    where = f"(first in row {row})"
    sampled = how.endswith("+sampled")
    how = how.removesuffix("+sampled")
    if how == "header":
        what = f"the column name itself looks like {desc}."
    elif how == "name":
        what = (
            f"the column name suggests {desc}; it has {n} non-missing "
            f"{_plural(n, 'value', 'values')} {where}."
        )
    elif how == "postcode_name":
        what = (
            f"the column name suggests postcodes or ZIP codes and {n} "
            f"{_plural(n, 'value is a full code', 'values are full codes')} {where}."
        )
    elif kind == "exact_age":
        what = (
            f"{n} {_plural(n, 'value is an exact age', 'values are exact ages')} of 90 or "
            f"over, or a band finer than '90+' {where}; ages over 89 must be the single "
            f"band '90+'."
        )
    elif kind == "free_text":
        what = (
            f"{n} {_plural(n, 'value looks', 'values look')} like free text (6 or more "
            f"words in a row) {where}."
        )
    else:
        what = f"{n} {_plural(n, 'value looks', 'values look')} like {desc} {where}."
    if sampled:
        what += (
            f" (The column has more than {det.MAX_CHECKED:,} candidate values; a random "
            f"sample of {det.MAX_CHECKED:,} was checked, so there may be more.)"
        )
    fix = _FIX.get(kind, _FIX_DEFAULT)
    if not shown:
        return (
            f"{what} Fix: rename the column (its name must not identify anyone), then "
            f"{fix[0].lower()}{fix[1:]}."
        )
    if kind == "ambiguous_number" or how == "digits":
        if kind != "ambiguous_number":
            what += " Unbroken numbers could also be codes of another kind."
        return (
            f"{what} Fix: {_FIX['ambiguous_number']}, pass allow_columns=[{column!r}] (on "
            f"the command line: --allow-column {column!r})."
        )
    return (
        f"{what} Fix: {fix}; if {column!r} is not an identifier, pass allow_columns=[{column!r}]."
    )


def _scan_column(
    name: str,
    col: pd.Series,
    *,
    sampled_out: list[str] | None = None,
    ctx: tuple[FrameText, int] | None = None,
) -> list[tuple[str, int, int, str]]:
    """Findings for one column as (kind, n_values, first position, how)."""
    found = scan_column_base(name, col)
    more = scan_values(name, col, {f[0] for f in found}, sampled_out, ctx)
    return found + more


def check_identifiers(
    frame: pd.DataFrame,
    *,
    source: str = "<DataFrame>",
    allow_columns: Iterable[str] = (),
    first_row: int = 2,
) -> None:
    """Refuse data that carries direct identifiers.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data as read from the file.
    source : str, default "<DataFrame>"
        The file name to put in the message.
    allow_columns : iterable of str, default ()
        Columns exempt from every check (see :func:`find_identifiers`).
    first_row : int, default 2
        File row number of the frame's first row (header is row 1).

    Returns
    -------
    None
        When nothing is found.

    Raises
    ------
    IdentifierError
        When :func:`find_identifiers` finds anything. The message names the file,
        every column, the kind, how many values and the first row, and the fix
        (including ``allow_columns``); it never contains an identifying value.
        The findings table is kept as ``.findings``.

    Examples
    --------
    >>> import pandas as pd
    >>> from tpdn_outcomes.privacy import IdentifierError, check_identifiers
    >>> clean = pd.DataFrame({"patient_id": ["P0001", "P0002"], "age_band": ["40-49", "90+"]})
    >>> check_identifiers(clean, source="clean.csv")
    >>> bad = pd.DataFrame({"patient_id": ["P0001", "P0002"], "DOB": ["1950-01-02", None]})
    >>> try:
    ...     check_identifiers(bad, source="export.csv")
    ... except IdentifierError as err:
    ...     print(err)
    ...     print(err.findings["kind"].tolist())
    export.csv carries direct identifiers in 1 column, so it cannot be loaded:
      - column 'DOB' (date_of_birth): the column name suggests dates of birth; it has 1
        non-missing value (first in row 2). Fix: remove the column, or replace it with an
        age band such as '40-49' ('90+' for anyone over 89); if 'DOB' is not an
        identifier, pass allow_columns=['DOB'].
    Remove these columns or replace their values with pseudonyms or bands. If a column
    is not an identifier, say so with allow_columns=['DOB'].
    ['date_of_birth']
    """
    findings = find_identifiers(
        frame, source=source, allow_columns=allow_columns, first_row=first_row
    )
    if findings.empty:
        return
    columns = list(dict.fromkeys(findings["column"]))
    lines = [
        f"{source} carries direct identifiers in {len(columns)} "
        f"{_plural(len(columns), 'column', 'columns')}, so it cannot be loaded:"
    ]
    for rec in findings.itertuples(index=False):
        lines.append(f"  - column {rec.column!r} ({rec.kind}): {rec.reason}")
    lines.append(
        "Remove these columns or replace their values with pseudonyms or bands. If a column "
        f"is not an identifier, say so with allow_columns={columns!r}."
    )
    raise IdentifierError("\n".join(lines), findings)


def suppress_small_cells(
    counts: pd.Series | np.ndarray | Sequence[float], *, min_cell: int = 11
) -> np.ndarray:
    """Mark report cells that count too few patients to be shown.

    A cell is suppressed when ``0 < count < min_cell``. Zero is **not**
    suppressed: a zero reveals no individual, and disclosure-control policies
    such as the CMS cell size suppression policy (suppress counts of 1 to 10)
    allow it to be shown. Missing counts are not suppressed (there is nothing to
    show). Complementary suppression (hiding further cells so that a suppressed
    one cannot be worked out from totals) is not done here.

    Parameters
    ----------
    counts : pandas.Series, numpy.ndarray or sequence of numbers
        Patient counts, of any shape.
    min_cell : int, default 11
        The smallest count that may be shown.

    Returns
    -------
    numpy.ndarray of bool
        Same shape as ``counts``; True where the cell must be suppressed.

    Raises
    ------
    ValueError
        If ``min_cell`` is less than 1 or a count is negative.

    Examples
    --------
    >>> from tpdn_outcomes.privacy import suppress_small_cells
    >>> suppress_small_cells([0, 1, 10, 11, 250])
    array([False,  True,  True, False, False])
    >>> suppress_small_cells([3, 5, 6], min_cell=5)
    array([ True, False, False])
    """
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise ValueError(f"min_cell must be a whole number of at least 1, got {min_cell!r}")
    if isinstance(counts, (pd.Series, pd.Index, pd.DataFrame)):
        values = counts.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = np.asarray(counts, dtype=float)
    if np.any(values < 0):
        raise ValueError("counts must not be negative")
    return np.asarray((values > 0) & (values < min_cell), dtype=bool)
