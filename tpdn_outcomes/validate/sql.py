"""The SQL engine: the declared checks as DuckDB SQL over a Parquet file where it lies.

Each per-cell declaration of :mod:`tpdn_outcomes.validate.checks` becomes one query,
``SELECT row, value FROM file WHERE <rule>``: the column's cells are parsed in SQL (text
to number with ``TRY_CAST``, to date by the ISO pattern, labels by the normalised alias
tables) and the rule's :meth:`~tpdn_outcomes.validate.checks.Rule.sql` expression
flags them. Only the flagged cells leave DuckDB; their report rows are made by the same
collector as the in-memory engine's (masking, message and fix from the declaration), so
a row of this report equals the in-memory engine's row for the same cell.

Covered (per cell, of a wide session file): the blank patient, condition, session id and
episode, unknown conditions, session dates (not dates, too early, too late), session
numbers and needle counts (not whole, too small, too large), practitioner roles, sexes,
twitch responses, and the measure columns (not numbers, not finite, out of range).
Across rows (:mod:`tpdn_outcomes.validate.sql_rows`, window queries): session order,
duplicate sessions, long gaps, one-session episodes, post values without a pre value and
implausible within-session changes.
Not yet in SQL (the in-memory engine runs them; see :func:`not_in_sql`): the blank
session time (it depends on the other key checks), the parsed labels (adverse events,
muscles, age bands), the long measures table, a ``date_format=`` other than ISO, and
the header and identifier checks.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.io import plan_columns
from tpdn_outcomes.io import short_text as _short
from tpdn_outcomes.validate.checks import (
    CHECKS,
    DECLARED,
    MAX_WHOLE,
    Blank,
    Check,
    NotIn,
    measure_range,
)
from tpdn_outcomes.validate.collect import Collector, cell_label
from tpdn_outcomes.validate.sql_rows import ROWS_IN_SQL, SqlCrossRows
from tpdn_outcomes.validation_report import ValidationReport

#: The declarations the SQL engine runs.
IN_SQL: tuple[str, ...] = (
    "patient_id.missing",
    "condition.missing",
    "condition.unknown",
    "session_date.invalid",
    "session_date.too_early",
    "session_date.too_late",
    "session_number.not_whole",
    "session_number.below_1",
    "session_number.too_large",
    "practitioner_role.invalid",
    "sex.invalid",
    "twitch_response.invalid",
    "needle_count.not_whole",
    "needle_count.negative",
    "needle_count.too_large",
    "session_id.missing",
    "episode_id.missing",
    "measure.not_number",
    "measure.not_finite",
    "pain.out_of_range",
    "pain.out_of_range_vas",
    "measure.out_of_range",
)

_ISO = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
_UNSIGNED = ("UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")


def not_in_sql() -> list[str]:
    """The declarations the SQL engine does not run yet (the in-memory engine does).

    >>> "muscles.invalid" in not_in_sql(), "session.duplicate" in not_in_sql()
    (True, False)
    """
    return [c.name for c in DECLARED if c.name not in IN_SQL + ROWS_IN_SQL]


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


class _Column:
    """One column of the file in SQL: its quoted name, its type, its parsed forms."""

    def __init__(self, name: str, sql_type: str) -> None:
        self.name, self.type = name, sql_type.upper()
        self.x = _quote(name)

    @property
    def numeric(self) -> bool:
        return self.type.startswith(_NUMERIC + _UNSIGNED)

    @property
    def text(self) -> bool:
        return self.type == "VARCHAR"

    @property
    def temporal(self) -> bool:
        return self.type.startswith(("DATE", "TIMESTAMP"))

    def blank(self) -> str:
        return Blank().sql(self.x)

    def number(self) -> str:
        """The cell as a finite DOUBLE (NULL: blank, not a number or not finite)."""
        raw = f"CAST({self.x} AS DOUBLE)" if self.numeric else f"TRY_CAST(trim({self.x}) AS DOUBLE)"
        return f"(CASE WHEN isfinite({raw}) THEN {raw} END)"

    def not_number(self) -> str:
        """A filled cell that is not a finite number (text: not a number; a typed column:
        infinite; NaN in a typed column is missing, as pandas reads it)."""
        if self.numeric:
            return f"isinf(CAST({self.x} AS DOUBLE))"
        if self.text:
            return f"(NOT {self.blank()} AND {self.number()} IS NULL)"
        return f"({self.x} IS NOT NULL)"  # (booleans, dates: not numbers)

    def label(self) -> str:
        """The cell as the text a person reads in it (whole floats without '.0')."""
        if self.type in ("DOUBLE", "FLOAT"):
            return (
                f"(CASE WHEN {self.x} = round({self.x}) AND abs({self.x}) < 1e16 "
                f"THEN CAST(CAST({self.x} AS HUGEINT) AS VARCHAR) ELSE CAST({self.x} AS VARCHAR) END)"
            )
        return f"CAST({self.x} AS VARCHAR)"

    def normalised(self) -> str:
        """:func:`schema.normalise_name` of the cell, in SQL."""
        low = f"lower(trim({self.label()}))"
        return f"trim(regexp_replace({low}, '[^0-9a-z]+', '_', 'g'), '_')"

    def date(self) -> str:
        """The cell as a DATE (NULL: blank or not an ISO date)."""
        if self.temporal:
            return f"CAST({self.x} AS DATE)"
        t = f"trim({self.label()})"
        return (
            f"(CASE WHEN regexp_full_match({t}, {_literal(_ISO)}) AND "
            f"TRY_CAST(replace({t}, 'T', ' ') AS TIMESTAMP) IS NOT NULL "
            f"THEN TRY_CAST(left({t}, 10) AS DATE) END)"
        )

    def not_date(self) -> str:
        if self.temporal:
            return "false"
        return f"(NOT {self.blank()} AND {self.date()} IS NULL)"


class SqlChecks(SqlCrossRows):
    """The declared checks of one Parquet file (per cell and across rows), run by DuckDB.

    Parameters
    ----------
    path : path
        The Parquet file.
    file : str, optional
        Its name in the report (default: the file's name).
    con : duckdb connection, optional
        The connection to run on (default: a new in-memory one).
    column_map, pain_scale, conditions, export_date, date_format, episode_gap_days
        As :func:`tpdn_outcomes.validate`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        file: str | None = None,
        con: Any = None,
        column_map: Mapping[str, str] | None = None,
        pain_scale: str = "nprs",
        conditions: Mapping[str, str] | None = None,
        export_date: str | _dt.date | None = None,
        date_format: str | None = None,
        episode_gap_days: int = schema.EPISODE_GAP_DAYS,
    ) -> None:
        import duckdb

        if date_format is not None:
            raise NotImplementedError(
                "the SQL engine reads ISO dates only; use the in-memory engine"
            )
        self.file = file or os.path.basename(str(path))
        self.con = con if con is not None else duckdb.connect()
        self.source = f"read_parquet({_literal(str(path))}, file_row_number = true)"
        self.pain_scale = pain_scale
        self.conditions = conditions
        self.episode_gap_days = episode_gap_days
        stamp = pd.Timestamp(export_date) if export_date is not None else pd.Timestamp.today()
        self.export_date = stamp.date()
        types = self.con.execute(f"DESCRIBE SELECT * FROM {self.source}").fetchall()
        self.columns = {str(r[0]): _Column(str(r[0]), str(r[1])) for r in types}
        self.columns.pop("file_row_number", None)
        self.plan = plan_columns(list(self.columns), column_map)
        self.issues = Collector()

    # -- running --------------------------------------------------------------
    def _rows(self, where: str, column: _Column) -> tuple[np.ndarray, pd.Series]:
        """The file rows (header: row 1) and values of the cells where ``where`` holds."""
        found = self.con.execute(
            f"SELECT file_row_number + 2 AS row, {column.x} AS value FROM {self.source} "
            f"WHERE {where} ORDER BY 1"
        ).df()
        return found["row"].to_numpy(np.int64), found["value"].reset_index(drop=True)

    def _run(
        self, name: str, column: _Column, where: str, canonical: str | None = None, **settings: Any
    ) -> None:
        check: Check = CHECKS[name]
        rows, values = self._rows(where, column)
        if not len(rows):
            return
        message, fix = check.text(**settings)
        self.issues.add(
            file=self.file,
            rows=rows,
            column=column.name,
            canonical=canonical or check.columns[0],
            values=values,
            check=check.check,
            problem=message,
            fix=fix,
            severity=check.severity,
        )

    def report(self) -> ValidationReport:
        """The report of the declared checks the SQL engine runs (:data:`IN_SQL` and
        :data:`~tpdn_outcomes.validate.sql_rows.ROWS_IN_SQL`).

        A file without a required column, or without rows, is checked no further (as
        the in-memory engine does; its report says so).
        """
        col = self.plan.session
        required = all(c in col for c in schema.REQUIRED_SESSION_COLUMNS)
        timed = any(c in col for c in schema.SESSION_TIME_COLUMNS)
        (n,) = self.con.execute(f"SELECT count(*) FROM {self.source}").fetchone() or (0,)
        if required and timed and n:
            self._keys()
            self._dates_and_numbers()
            self._labels()
            self._given_ids()
            self._measures()
            self._cross_rows()
        return self.issues.report([self.file])

    # -- the checks ---------------------------------------------------------
    def _column(self, key: str) -> _Column | None:
        name = self.plan.session.get(key)
        return None if name is None else self.columns[name]

    def _keys(self) -> None:
        patient, condition = self._column("patient_id"), self._column("condition")
        assert patient is not None and condition is not None
        self._run("patient_id.missing", patient, patient.blank())
        self._run("condition.missing", condition, condition.blank())
        rule = CHECKS["condition.unknown"].rule
        assert isinstance(rule, NotIn)
        table = rule.aliases(self.conditions)
        allowed = ", ".join(sorted(set(table.values())))
        keys = ", ".join(_literal(k) for k in table) or "''"
        unknown = f"(NOT {condition.blank()} AND {condition.normalised()} NOT IN ({keys}))"
        _, values = self._rows(unknown, condition)
        for value in pd.unique(values.map(cell_label)):  # one fix per distinct label
            label = _literal(value)
            self._run(
                "condition.unknown",
                condition,
                f"{unknown} AND {condition.label()} = {label}",
                allowed=allowed,
                value=_short(str(value), 60),
            )

    def _whole(self, key: str, low: str) -> None:
        column = self._column(key)
        if column is None:
            return
        num = column.number()
        frac = f"coalesce({num} <> round({num}), false)"
        self._run(f"{key}.not_whole", column, f"({column.not_number()} OR {frac})")
        below = CHECKS[low].rule.sql(num)
        self._run(low, column, f"{below} AND NOT {frac}" if key == "session_number" else below)
        huge = CHECKS[f"{key}.too_large"].rule.sql(num)
        self._run(f"{key}.too_large", column, f"{huge} AND NOT {frac}", max_whole=MAX_WHOLE)

    def _dates_and_numbers(self) -> None:
        date = self._column("session_date")
        if date is not None:
            form = "in ISO form YYYY-MM-DD"
            self._run("session_date.invalid", date, date.not_date(), date_form=form)
            early = CHECKS["session_date.too_early"].rule.sql(date.date())
            self._run("session_date.too_early", date, early, min_date=schema.MIN_SESSION_DATE)
            late = f"({date.date()} > DATE '{self.export_date.isoformat()}')"
            self._run("session_date.too_late", date, late, export_date=self.export_date)
        self._whole("session_number", "session_number.below_1")
        self._whole("needle_count", "needle_count.negative")

    def _labels(self) -> None:
        for key in ("practitioner_role", "sex", "twitch_response"):
            column = self._column(key)
            if column is None:
                continue
            rule = CHECKS[f"{key}.invalid"].rule
            assert isinstance(rule, NotIn)
            keys = ", ".join(_literal(k) for k in rule.aliases())
            where = f"(NOT {column.blank()} AND {column.normalised()} NOT IN ({keys}))"
            self._run(f"{key}.invalid", column, where)

    def _given_ids(self) -> None:
        for key in ("session_id", "episode_id"):
            column = self._column(key)
            if column is None:
                continue
            (given,) = self.con.execute(
                f"SELECT count(*) FROM {self.source} WHERE NOT {column.blank()}"
            ).fetchone() or (0,)
            if given:  # (none given: session ids are made from the rows, episodes found)
                self._run(f"{key}.missing", column, column.blank())

    def _measures(self) -> None:
        for name, measure, _ in self.plan.measures:
            column = self.columns[name]
            if column.numeric:
                self._run("measure.not_finite", column, column.not_number(), measure)
            else:
                self._run("measure.not_number", column, column.not_number(), measure)
            check, settings = measure_range(measure, self.pain_scale)
            num = column.number()
            outside = f"({num} < {settings['low']!r} OR {num} > {settings['top']!r})"
            self._run(check, column, outside, measure, **settings)


def sql_report(path: str | os.PathLike[str], **kwargs: Any) -> ValidationReport:
    """The report of the declared checks of a Parquet file that DuckDB runs (per cell
    and across rows).

    Takes the arguments of :class:`SqlChecks`.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.parquet"
    >>> pd.DataFrame({"patient_id": ["P1", "P2"], "condition": ["neck_pain", "gout"],
    ...               "session_number": [1, 0]}).to_parquet(path)
    >>> sql_report(path, export_date="2026-11-24").table[["row", "check"]].values.tolist()
    [[3, 'unknown_condition'], [3, 'out_of_range'], [2, 'single_session_episode']]
    """
    return SqlChecks(path, **kwargs).report()
