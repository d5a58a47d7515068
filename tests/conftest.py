"""Fixtures shared by the test modules."""

from __future__ import annotations

import warnings

import pytest
from samples import load_four_clinics

from tpdn_outcomes import load_sample
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning


@pytest.fixture(scope="session")
def sample() -> SessionData:
    """The four-clinic sample (600 patients, 2025-01-01 to 2026-06-30), loaded once.

    Not the shipped sample: the expected values of the tests that use it were computed
    by R on this data (``tests/reference/``), so it stays the same whatever is shipped.
    Its known one-session episodes warn; silenced.
    """
    return load_four_clinics()


@pytest.fixture(scope="session")
def network() -> SessionData:
    """The shipped sample (``load_sample()``: the seven-clinic network), loaded once."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_sample()
