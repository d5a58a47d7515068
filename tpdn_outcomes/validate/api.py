"""The entry points: :func:`validate` and :func:`load_sessions` (argument checks, reading,
one run of the in-memory engine, the refusal)."""

from __future__ import annotations

import datetime as _dt
import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning, SchemaError, format_count
from tpdn_outcomes.io import (
    DATAFRAME_LABEL,
    RawTable,
    read_table,
)
from tpdn_outcomes.progress import Progress, Tracker
from tpdn_outcomes.validate.collect import Collector
from tpdn_outcomes.validate.memory import LOAD_UNITS, Build
from tpdn_outcomes.validation_report import MAX_LISTED, ValidationReport

# ---------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------

Source = str | os.PathLike[str] | pd.DataFrame


def prepare(
    source: Source,
    measures: Source | None,
    *,
    pain_scale: str,
    errors: str,
    export_date: str | _dt.date | None,
    sheet: str | int | None,
    encoding: str,
    column_map: Mapping[str, str] | None = None,
    allow_columns: Iterable[str] = (),
    conditions: Mapping[str, str] | None = None,
    episode_gap_days: int = schema.EPISODE_GAP_DAYS,
    open_after_days: int = schema.OPEN_AFTER_DAYS,
    date_format: str | None = None,
    on_read: Callable[[str, float], None] | None = None,
) -> tuple[RawTable, RawTable | None, pd.Timestamp]:
    if pain_scale not in schema.PAIN_SCALES:
        raise ValueError(
            f"pain_scale must be one of {sorted(schema.PAIN_SCALES)}, not {pain_scale!r}"
        )
    if errors not in ("raise", "coerce"):
        raise ValueError(f"errors must be 'raise' or 'coerce', not {errors!r}")
    if column_map is not None and not isinstance(column_map, Mapping):
        raise TypeError(
            "column_map= must be a mapping of your column name -> canonical name, such as "
            "{'Dx': 'condition'}, not a " + type(column_map).__name__
        )
    if isinstance(allow_columns, str) or not isinstance(allow_columns, Iterable):
        raise TypeError(
            f"allow_columns= must be a list of column names, such as [{allow_columns!r}], "
            f"not a {type(allow_columns).__name__}"
        )
    schema.condition_aliases(conditions)  # (a TypeError naming conditions= if not a mapping)
    if date_format is not None and not isinstance(date_format, str):
        raise TypeError(
            f"date_format= must be a strptime format such as '%d/%m/%Y', not {date_format!r}"
        )
    for name, value in (
        ("episode_gap_days", episode_gap_days),
        ("open_after_days", open_after_days),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise TypeError(f"{name}= must be a whole number of days (0 or more), not {value!r}")
    try:
        stamp = (
            pd.Timestamp(export_date) if export_date is not None else pd.Timestamp(_dt.date.today())
        )
        if pd.isna(stamp):
            raise ValueError(export_date)
    except (ValueError, TypeError, OverflowError):
        raise ValueError(
            f"export_date= must be a date such as '2026-11-24', not {export_date!r}"
        ) from None
    raw = _read(source, sheet=sheet, encoding=encoding, on_read=on_read)
    mraw = _read(measures, sheet=None, encoding=encoding) if measures is not None else None
    return raw, mraw, stamp


def _read(
    source: Source,
    *,
    sheet: str | int | None,
    encoding: str,
    on_read: Callable[[str, float], None] | None = None,
) -> RawTable:
    """read_table, remembering which file failed on the exception."""
    try:
        return read_table(source, sheet=sheet, encoding=encoding, progress=on_read)
    except SchemaError as exc:
        name = (
            DATAFRAME_LABEL if isinstance(source, pd.DataFrame) else os.path.basename(str(source))
        )
        exc.file = name  # type: ignore[attr-defined]
        raise


def unreadable_report(exc: SchemaError) -> ValidationReport:
    name = getattr(exc, "file", "")
    collector = Collector()
    collector.add(
        file=name,
        rows=None,
        column="",
        canonical="",
        values="",
        check="unreadable_file",
        problem="",
        fix="",
        message=str(exc),  # already names the file and the fix
    )
    return collector.report([name])


#: Problems with the shape of a file, which errors="coerce" cannot set missing.
STRUCTURAL_CHECKS = frozenset({"unreadable_file", "missing_column", "duplicate_column", "no_data"})


def refusal(report: ValidationReport) -> SchemaError:
    errs = report.errors
    lines = [
        f"{' and '.join(report.files)}: {format_count(len(errs), 'error')} "
        f"({format_count(len(report.warnings), 'warning')}); the data was not loaded."
    ]
    lines += [f"- {m}" for m in errs["message"].head(MAX_LISTED)]
    if len(errs) > MAX_LISTED:
        lines.append(
            f"... and {len(errs) - MAX_LISTED} more: run tpdn_outcomes.validate(...) for the full report."
        )
    if set(errs["check"]) & STRUCTURAL_CHECKS:
        lines.append(
            "Fix the file itself first (its type, encoding or columns); errors='coerce' cannot repair that."
        )
    else:
        lines.append("Fix the file, or pass errors='coerce' to load with these values set missing.")
    return SchemaError("\n".join(lines), report=report)


def make_build(
    source: Source,
    measures: Source | None,
    *,
    column_map: Mapping[str, str] | None,
    pain_scale: str,
    conditions: Mapping[str, str] | None,
    errors: str,
    allow_columns: Iterable[str],
    date_format: str | None,
    export_date: str | _dt.date | None,
    episode_gap_days: int,
    open_after_days: int,
    sheet: str | int | None,
    encoding: str,
    checking_only: bool,
    on_read: Callable[[str, float], None] | None = None,
) -> Build:
    """Read the file(s) and set up one run of the checks (shared by validate and load).

    ``checking_only`` (validate): report identifiers instead of raising, never coerce.
    Raises SchemaError when a file cannot be read.
    """
    raw, mraw, stamp = prepare(
        source,
        measures,
        pain_scale=pain_scale,
        errors=errors,
        export_date=export_date,
        sheet=sheet,
        encoding=encoding,
        column_map=column_map,
        allow_columns=allow_columns,
        conditions=conditions,
        episode_gap_days=episode_gap_days,
        open_after_days=open_after_days,
        date_format=date_format,
        on_read=on_read,
    )
    return Build(
        raw,
        mraw,
        column_map=column_map,
        pain_scale=pain_scale,
        conditions=conditions,
        coerce=not checking_only and errors == "coerce",
        allow_columns=allow_columns,
        date_format=date_format,
        export_date=stamp,
        episode_gap_days=episode_gap_days,
        open_after_days=open_after_days,
        raise_identifiers=not checking_only,
    )


def validate(
    source: Source,
    *,
    measures: Source | None = None,
    column_map: Mapping[str, str] | None = None,
    pain_scale: Literal["nprs", "vas100"] = "nprs",
    conditions: Mapping[str, str] | None = None,
    errors: Literal["raise", "coerce"] = "raise",
    allow_columns: Iterable[str] = (),
    date_format: str | None = None,
    export_date: str | _dt.date | None = None,
    episode_gap_days: int = schema.EPISODE_GAP_DAYS,
    open_after_days: int = schema.OPEN_AFTER_DAYS,
    sheet: str | int | None = None,
    encoding: str = "utf-8-sig",
) -> ValidationReport:
    """Check a session dataset and report every problem; never raise for problems in the data.

    Takes the same arguments as :func:`load_sessions` (``errors`` is accepted and has no
    effect here). A file that cannot be read at all is reported as ``unreadable_file``
    (not a regular file, a loop of symbolic links, the wrong type, encoding or compression,
    NUL bytes, damaged or encrypted, beyond the column, header or memory limits of
    :mod:`tpdn_outcomes.io`), a table without data rows as ``no_data``, and any value of a
    DataFrame, of whatever type, as a row of the report.

    Returns
    -------
    ValidationReport

    Raises
    ------
    FileNotFoundError
        When the path does not exist (the command line exits 2).
    TypeError, ValueError
        When an argument is of the wrong type or value (``conditions=`` not a mapping,
        an unknown ``pain_scale`` or ``encoding``, ...), naming the argument.

    Examples
    --------
    >>> from tpdn_outcomes.datasets import sample_path
    >>> validate(sample_path("sessions.csv"), export_date="2026-11-24").ok
    True
    """
    try:
        build = make_build(
            source,
            measures,
            column_map=column_map,
            pain_scale=pain_scale,
            conditions=conditions,
            errors=errors,
            allow_columns=allow_columns,
            date_format=date_format,
            export_date=export_date,
            episode_gap_days=episode_gap_days,
            open_after_days=open_after_days,
            sheet=sheet,
            encoding=encoding,
            checking_only=True,
        )
    except SchemaError as exc:
        return unreadable_report(exc)
    report, *_ = build.run()
    return report


def load_sessions(
    source: Source,
    *,
    measures: Source | None = None,
    column_map: Mapping[str, str] | None = None,
    pain_scale: Literal["nprs", "vas100"] = "nprs",
    conditions: Mapping[str, str] | None = None,
    errors: Literal["raise", "coerce"] = "raise",
    allow_columns: Iterable[str] = (),
    date_format: str | None = None,
    export_date: str | _dt.date | None = None,
    episode_gap_days: int = schema.EPISODE_GAP_DAYS,
    open_after_days: int = schema.OPEN_AFTER_DAYS,
    sheet: str | int | None = None,
    encoding: str = "utf-8-sig",
    progress: Progress = False,
) -> SessionData:
    """Load, check and privacy-check a session dataset into a :class:`SessionData`.

    Parameters
    ----------
    source : path or DataFrame
        The session table: wide (one row per session, with measure columns such as
        ``pain_pre``, ``rom_cervical_rotation_left_post``, ``ndi_pre``) or a session
        index for a long measures table. CSV, TSV, XLSX or Parquet.
    measures : path or DataFrame, optional
        A long measures table (``session_id`` or ``patient_id`` + date/number, ``measure``,
        ``timing``, ``value``, optional ``unit``).
    column_map : mapping, optional
        Your column name -> canonical name, for names the alias table does not know.
    pain_scale : {"nprs", "vas100"}, default "nprs"
        The scale pain is recorded on; VAS 0-100 mm is converted to 0-10 on load
        (value / 10) and the original scale kept in ``metadata["pain_scale"]``.
    conditions : mapping, optional
        Extra condition labels -> canonical (or new) condition names; new names extend
        the vocabulary.
    errors : {"raise", "coerce"}, default "raise"
        ``"raise"``: refuse data with errors (:class:`SchemaError` lists the first problems
        and the total). ``"coerce"``: set each offending value missing (rows whose patient,
        condition or session key is unusable are excluded) and keep the report in
        ``SessionData.report``; every change is recorded there.
    allow_columns : iterable of str
        Columns to exempt from the identifier guard, with intent.
    date_format : str, optional
        A ``strptime`` format for non-ISO dates (e.g. ``"%d/%m/%Y"``); never guessed.
    export_date : str or date, optional
        Dates after it are errors (default: today).
    episode_gap_days : int, default 90
        A longer gap between sessions starts a new episode.
    open_after_days : int, default 30
        Episodes whose last session is within this many days of the data's end are open.
    sheet : str or int, optional
        The Excel sheet to read (default: the first).
    encoding : str, default "utf-8-sig"
        Text encoding of CSV/TSV files.
    progress : bool or ProgressCallback, default False
        ``True``: a progress bar on stderr. A callable ``progress(step, done, total)``
        (:class:`~tpdn_outcomes.progress.ProgressCallback`) is told each step as it starts:
        reading the file (about every MiB of a CSV/TSV file), the identifier check, the
        checks of the sessions and the measures, the checks across rows with the
        episodes, and last ``("done", total, total)``. It may raise
        :class:`~tpdn_outcomes.errors.Cancelled` to stop the load at that step: the
        exception reaches the caller.

    Returns
    -------
    SessionData

    Raises
    ------
    IdentifierError
        When the data carries direct identifiers (names, e-mails, phone numbers, ...).
    SchemaError
        When a file cannot be read or has no data rows (whatever ``errors`` is), and when
        ``errors="raise"`` and the data has errors; ``.report`` lists every problem.
    FileNotFoundError
        When the path does not exist.
    TypeError, ValueError
        When an argument is of the wrong type or value, naming the argument.

    Notes
    -----
    These are the only exceptions a user's input can cause (the exception model of
    ``docs/data.md``: the command line exits 1 for the first two, 2 for the others).

    Examples
    --------
    >>> from tpdn_outcomes.datasets import sample_path
    >>> data = load_sessions(sample_path("sessions.csv"), export_date="2026-11-24")
    >>> data.sessions.columns[:4].tolist()
    ['session_id', 'patient_id', 'episode_id', 'session_date']
    """
    # (Tracker checks progress=; a bar on stderr closes itself if the load raises)
    track = Tracker(progress, sum(LOAD_UNITS.values()), desc="load")
    name = DATAFRAME_LABEL if isinstance(source, pd.DataFrame) else os.path.basename(str(source))
    track.step(f"reading {name}", LOAD_UNITS["read"])
    try:
        build = make_build(
            source,
            measures,
            column_map=column_map,
            pain_scale=pain_scale,
            conditions=conditions,
            errors=errors,
            allow_columns=allow_columns,
            date_format=date_format,
            export_date=export_date,
            episode_gap_days=episode_gap_days,
            open_after_days=open_after_days,
            sheet=sheet,
            encoding=encoding,
            checking_only=False,
            on_read=track.within,
        )
    except SchemaError as exc:
        raise refusal(unreadable_report(exc)) from exc
    build.step = track.step
    report, sessions, measure_table, meta = build.run()
    track.step("finishing", LOAD_UNITS["finish"])
    structural = bool(set(report.errors["check"]) & STRUCTURAL_CHECKS)
    if (
        sessions is None
        or measure_table is None
        or structural
        or (errors == "raise" and not report.ok)
    ):
        raise refusal(report)
    exclusions = build.exclusions
    del build  # (it holds the file as read)
    # the file's Arrow buffers are freed: hand back the memory Arrow's pool kept of them
    # (at 1M sessions the RSS after a load falls by a third; benchmarks/README.md)
    pa.default_memory_pool().release_unused()
    if len(report.warnings):
        warnings.warn(
            f"{' and '.join(report.files)}: {format_count(len(report.warnings), 'data-quality warning')} "
            "(implausible values, long gaps, one-session episodes); see data.report",
            DataQualityWarning,
            stacklevel=2,
        )
    track.finish()
    # valid by construction (tests/test_contract.py checks the schema on every kind of load)
    return SessionData(
        sessions,
        measure_table,
        metadata=meta,
        report=report,
        exclusions=exclusions,
        check=False,
    )
