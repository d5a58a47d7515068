"""tpdn_outcomes: outcome statistics for Trigger Point Dry Needling (TPDN) session data.

Load a clinic's export, check it, refuse identifiable data, and derive episodes::

    >>> import tpdn_outcomes as tpdn
    >>> data = tpdn.load_sample()
    >>> episodes = data.episodes("pain")
    >>> sorted(episodes.columns)[:3]
    ['age_band', 'baseline', 'change']
"""

from tpdn_outcomes._version import __version__
from tpdn_outcomes.data import SessionData, parse_quarter, quarter_bounds
from tpdn_outcomes.datasets import load_sample
from tpdn_outcomes.errors import DataQualityWarning, SchemaError
from tpdn_outcomes.privacy import IdentifierError
from tpdn_outcomes.validate import ValidationReport, load_sessions, validate

__all__ = [
    "DataQualityWarning",
    "IdentifierError",
    "SchemaError",
    "SessionData",
    "ValidationReport",
    "__version__",
    "load_sample",
    "load_sessions",
    "parse_quarter",
    "quarter_bounds",
    "validate",
]
