"""The report of a validation: every problem found in a dataset, as a tidy table.

:class:`ValidationReport` is made by :func:`tpdn_outcomes.validate.validate` and
:func:`tpdn_outcomes.validate.load_sessions`, carried by every
:class:`~tpdn_outcomes.data.SessionData` (``data.report``) and by a
:class:`~tpdn_outcomes.errors.SchemaError`. It lives in its own module so that those
modules need not import the validator.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.errors import format_count

#: How many problems the text of a :class:`SchemaError` lists before "and N more".
MAX_LISTED = 10


class ValidationReport:
    """Every problem found in a dataset, as a tidy table.

    Attributes
    ----------
    table : DataFrame
        One row per problem with columns ``file``, ``row`` (as a person counts rows in
        the file: header is row 1; missing for whole-file problems), ``column`` (as named
        in the file), ``canonical_column``, ``value`` (as written, or masked such as
        ``E*** G*****`` when it could identify someone: see
        :func:`tpdn_outcomes.privacy.could_identify`; a column the identifier guard
        flags is ``<withheld>``), ``check``, ``severity`` (``error`` or ``warning``) and ``message`` (the
        problem and its fix in plain language). For a DataFrame, ``row`` is the row's
        position + 2 (its row in a CSV written with ``to_csv(index=False)``); when the
        frame's index is not the default 0..n-1 (rows dropped, filtered or sorted), an
        extra column ``index`` after ``row`` gives each problem row's own index label.

    Examples
    --------
    >>> import pandas as pd
    >>> from tpdn_outcomes import validate
    >>> df = pd.DataFrame({"patient_id": ["P1", "P1"], "condition": ["neck pain", "gout"],
    ...                    "session_number": [1, 2], "pain_pre": [6, 12]})
    >>> report = validate(df)
    >>> report.ok
    False
    >>> report.errors[["row", "column", "value", "check"]]
       row     column value              check
    0    3  condition  gout  unknown_condition
    1    3   pain_pre    12       out_of_range
    """

    def __init__(self, table: pd.DataFrame | None = None, *, files: Iterable[str] = ()) -> None:
        if table is None or table.empty:
            table = pd.DataFrame(
                {c: pd.Series(dtype=REPORT_DTYPES[c]) for c in schema.REPORT_COLUMNS}
            )
        self.table = table.reset_index(drop=True)
        self.files = list(files)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not bool((self.table["severity"] == "error").any())

    @property
    def errors(self) -> pd.DataFrame:
        """The rows of :attr:`table` with severity ``error``."""
        return self.table[self.table["severity"] == "error"].reset_index(drop=True)

    @property
    def warnings(self) -> pd.DataFrame:
        """The rows of :attr:`table` with severity ``warning``."""
        return self.table[self.table["severity"] == "warning"].reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.table)

    def counts(self) -> pd.DataFrame:
        """Number of problems per check and severity.

        Returns
        -------
        DataFrame
            Columns ``check``, ``severity``, ``n``; errors first, then by count.
        """
        if self.table.empty:
            return pd.DataFrame({"check": [], "severity": [], "n": []})
        c = (
            self.table.groupby(["severity", "check"], observed=True)
            .size()
            .rename("n")
            .reset_index()
        )
        c["_e"] = c["severity"] != "error"
        c = c.sort_values(["_e", "n", "check"], ascending=[True, False, True])
        return c[["check", "severity", "n"]].reset_index(drop=True)

    def summary(self, max_rows: int = MAX_LISTED) -> str:
        """A plain-text summary: counts per check, then the first problems.

        Parameters
        ----------
        max_rows : int, default 10
            How many problems to list in full.
        """
        n_err, n_warn = len(self.errors), len(self.warnings)
        where = ", ".join(self.files) or "data"
        if not len(self.table):
            return f"{where}: no problems found"
        lines = [f"{where}: {format_count(n_err, 'error')}, {format_count(n_warn, 'warning')}"]
        for r in self.counts().itertuples(index=False):
            lines.append(f"  {r.n:>7}  {r.severity:<7}  {r.check}")
        ordered = pd.concat([self.errors, self.warnings])
        lines.append("")
        for msg, sev in zip(
            ordered["message"].head(max_rows), ordered["severity"].head(max_rows), strict=True
        ):
            lines.append(f"- [{sev}] {msg}")
        if len(ordered) > max_rows:
            lines.append(f"... and {len(ordered) - max_rows} more (see report.table)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ValidationReport: {self.summary(max_rows=5)}>"

    def _repr_html_(self) -> str:
        head = html.escape(self.summary(max_rows=0).splitlines()[0])
        body = self.table.head(50).to_html(index=False, escape=True, na_rep="")
        more = (
            f"<p>... {len(self.table) - 50} more rows in <code>.table</code></p>"
            if len(self) > 50
            else ""
        )
        return f"<div><strong>ValidationReport</strong>: {head}{body}{more}</div>"


REPORT_DTYPES = {
    "file": "string",
    "row": "Int64",
    "column": "string",
    "canonical_column": "string",
    "value": "string",
    "check": "string",
    "severity": "string",
    "message": "string",
}
