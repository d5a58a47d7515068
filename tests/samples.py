"""The four-clinic sample the R-referenced tests use, written once per test run.

The shipped sample (``load_sample()``, ``data/sample``) is the seven-clinic network. The
tests whose expected values were computed by R (``tests/reference/``) were computed on
the sample shipped before it: 600 patients in four clinics, six quarters from
2025-01-01 (``sample_frame("four_clinics")``). :func:`four_clinic_path` writes those
files (the same bytes as the files shipped then) to a temporary folder once, and
:func:`load_four_clinics` loads them as ``load_sample()`` loaded the shipped ones.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import warnings
from functools import cache
from pathlib import Path
from typing import Any

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.datasets import SAMPLE_EXPORT_DATE, write_sample
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.validate import load_sessions

#: sha256 of the four-clinic ``sessions.csv``: the shipped ``data/sample/sessions.csv``
#: before the seven-clinic network replaced it (main at fac2832).
FOUR_CLINIC_SESSIONS_SHA256 = "ce4eaa6dddc5c314b2af178abcffcce5385ca9fb544663daa1b93cf7734d3906"


@cache
def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="tpdn_four_clinics_"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    write_sample(folder, sample="four_clinics")
    return folder


def four_clinic_path(name: str = "sessions.csv") -> Path:
    """The path of a file of the four-clinic sample (as ``sample_path`` for the shipped one)."""
    path = _folder() / name
    if not path.is_file():
        raise FileNotFoundError(f"the four-clinic sample has no file {name!r}")
    return path


def load_four_clinics(kind: str = "wide", **options: Any) -> SessionData:
    """The four-clinic sample loaded as ``load_sample(kind)`` loads the shipped one.

    Loading warns about its one-session episodes; the warning is silenced unless
    ``warn=True``.
    """
    warn = options.pop("warn", False)
    options.setdefault("export_date", SAMPLE_EXPORT_DATE)
    with warnings.catch_warnings():
        if not warn:
            warnings.simplefilter("ignore", DataQualityWarning)
        if kind == "wide":
            return load_sessions(four_clinic_path("sessions.csv"), **options)
        if kind == "long":
            return load_sessions(
                four_clinic_path("sessions_index.csv"),
                measures=four_clinic_path("measures_long.csv"),
                **options,
            )
        options.setdefault("sheet", "sessions")
        return load_sessions(four_clinic_path("sessions.xlsx"), **options)
