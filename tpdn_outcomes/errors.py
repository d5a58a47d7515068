"""Exceptions and warnings raised by tpdn_outcomes.

All subclass built-ins so that ``except ValueError`` keeps working for callers who do
not know this package. Messages name the file, row, column, value and the fix.

The exception model (``docs/data.md``, "Errors and exit codes"): a problem in the data or
the file is a row of :func:`tpdn_outcomes.validate`'s report (which never raises for a
bad file or DataFrame) and a :class:`SchemaError` from
:func:`tpdn_outcomes.load_sessions`; direct identifiers are an
:class:`~tpdn_outcomes.privacy.IdentifierError`; a path that does not exist is a
``FileNotFoundError``; an argument of the wrong type or value is a ``TypeError`` or
``ValueError`` naming it. ``tpdn-outcomes`` exits 0 when all is well, 1 for a data
problem and 2 for a usage error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from tpdn_outcomes.validation_report import ValidationReport


class SchemaError(ValueError):
    """The data breaks the data contract (DATA.md) and ``errors="raise"`` was asked for.

    Attributes
    ----------
    report : ValidationReport or None
        Every problem found, not only the first ones shown in the message.
    """

    def __init__(self, message: str, report: ValidationReport | None = None) -> None:
        super().__init__(message)
        self.report = report


class Cancelled(Exception):
    """Work stopped because a ``progress`` callback raised it (the user cancelled).

    Raise it from the callback given as ``progress=`` to
    :func:`~tpdn_outcomes.validate.load_sessions` or
    :func:`~tpdn_outcomes.report.quarterly_release` (see :mod:`tpdn_outcomes.progress`):
    the call stops at the step it was telling, and the exception reaches the caller
    unchanged. Nothing is returned and nothing is written.
    """


class DataQualityWarning(UserWarning):
    """Data loaded, but some values are implausible or worth a second look."""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def format_count(n: int, word: str) -> str:
    """Return ``'1 error'`` / ``'3 errors'``.

    Examples
    --------
    >>> format_count(1, "error"), format_count(3, "warning")
    ('1 error', '3 warnings')
    """
    return _plural(n, word)


__all__: list[Any] = ["Cancelled", "DataQualityWarning", "SchemaError", "format_count"]
