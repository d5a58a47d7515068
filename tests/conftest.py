"""Fixtures shared by the test modules."""

from __future__ import annotations

import warnings

import pytest

from tpdn_outcomes import load_sample
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning


@pytest.fixture(scope="session")
def sample() -> SessionData:
    """The shipped sample, loaded once (its known one-session episodes warn; silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_sample()
