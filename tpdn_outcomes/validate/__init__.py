"""Checking session data against the contract, and loading it into :class:`SessionData`.

:func:`validate` reports every problem and never raises for problems in the data;
:func:`load_sessions` runs the same checks and refuses data with errors (or, with
``errors="coerce"``, sets each offending value missing and records it).

Every problem names the file, the row as a person counts rows in the file (the
header is row 1), the column as named in the file, the value, and a fix.

The package
-----------
``validate/checks.py`` declares each check of the data contract once (name, columns,
rule, severity, message, fix); ``validate/memory.py`` (with its ``memory_*`` modules) is
the in-memory numpy/Arrow engine that runs them on a table read into memory;
``validate/sql.py`` generates DuckDB SQL for the same declarations, to check a Parquet
dataset where it lies; ``validate/api.py`` holds the entry points.

Checks (``check`` column of the report)
---------------------------------------
Errors: ``unreadable_file``, ``no_data``, ``identifier``, ``missing_column``, ``duplicate_column``,
``missing_value``, ``unknown_condition``, ``invalid_category``, ``invalid_boolean``,
``invalid_number``, ``out_of_range``, ``invalid_date``, ``date_out_of_range``,
``duplicate_session``, ``session_order``, ``post_without_pre``, ``unknown_measure``, ``unknown_timing``,
``unit_mismatch``, ``unknown_session``, ``duplicate_measure``.
Warnings: ``unknown_column``, ``implausible_change``, ``long_gap``,
``single_session_episode``, ``identifier_sample`` (the identifier guard judged only a sample
of a very large column's candidate values with a library).
"""

from tpdn_outcomes.validate.api import (
    STRUCTURAL_CHECKS,
    Source,
    load_sessions,
    make_build,
    prepare,
    refusal,
    unreadable_report,
    validate,
)
from tpdn_outcomes.validate.memory import Build
from tpdn_outcomes.validate.memory_parse import map_labels, parse_dates, parse_numbers
from tpdn_outcomes.validation_report import ValidationReport

# (documented, and resolved by the docs, as names of the package)
validate.__module__ = load_sessions.__module__ = __name__

__all__ = [
    "STRUCTURAL_CHECKS",
    "Build",
    "Source",
    "ValidationReport",
    "load_sessions",
    "make_build",
    "map_labels",
    "parse_dates",
    "parse_numbers",
    "prepare",
    "refusal",
    "unreadable_report",
    "validate",
]
