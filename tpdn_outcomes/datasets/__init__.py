"""Synthetic, anonymised TPDN session data: the generator and the shipped sample.

The data made here are **invented**. They look like a multi-clinic export of trigger
point dry needling sessions (one row per session, pain before and after needling,
range of motion and a function questionnaire where they apply, adverse events), with
a documented ground truth (:func:`ground_truth`) so that statistics computed on them
can be checked against known values. The numbers are illustrative, not clinical
evidence.

* :func:`synthesize` makes a wide session table (the file format of ``sessions.csv``),
  fully vectorised (no loop over patients or sessions).
* :func:`to_long` turns it into the long pair (session index + measures table).
* :func:`make_messy` turns a small clean table into a messy clinic export with planted
  problems, and lists them.
* :func:`write_sample` writes the sample files; :func:`load_sample` loads the copy
  shipped inside the package, :func:`sample_path` finds it.

Run ``python -m tpdn_outcomes.datasets --out data/sample`` to regenerate the sample
(it also refreshes the copy in ``tpdn_outcomes/sample_data``).

The package: ``design.py`` holds the sample designs and the generating parameters (the
ground truth), ``simulate.py`` the generator, ``long.py`` the long form, ``text.py`` the
CSV/XLSX text form and writers, ``messy.py`` the messy export, ``readme.py`` the sample's
README and ``sample.py`` the sample files; this package re-exports their public names.

Examples
--------
>>> from tpdn_outcomes.datasets import synthesize, to_long
>>> wide = synthesize(n_patients=20, seed=1)
>>> wide.columns[:5].tolist()
['patient_id', 'session_date', 'session_number', 'clinic_id', 'condition']
>>> index, measures = to_long(wide)
>>> len(index) == len(wide), sorted(measures["timing"].unique())
(True, ['post', 'pre'])
"""

from __future__ import annotations

from tpdn_outcomes.datasets.design import (
    ADVERSE_EVENT_RATES,
    DEFAULT_PATIENTS,
    DEFAULT_SEED,
    DROPOUT_RATE,
    FUNCTION_COLUMNS,
    FUNCTION_POST_MISSING,
    MESSY_ROWS,
    MESSY_SEED,
    MUSCLES,
    PAIN_POST_MISSING,
    RECURRENCE_SHARE,
    ROM_COLUMNS,
    ROM_MISSING,
    SAMPLE_CLINIC_WEIGHTS,
    SAMPLE_EXPORT_DATE,
    SAMPLE_FILES,
    SAMPLE_PATIENTS,
    SAMPLE_QUARTERS,
    SAMPLE_SEED,
    SAMPLE_START,
    SAMPLES,
    SECOND_EPISODE_RATE,
    TWITCH_RATE,
    SampleDesign,
    ground_truth,
    wide_columns,
)
from tpdn_outcomes.datasets.long import SESSION_INDEX_COLUMNS as _SESSION_INDEX_COLUMNS  # noqa: F401 (tests read it)
from tpdn_outcomes.datasets.long import to_long
from tpdn_outcomes.datasets.messy import (
    MESSY_COLUMN_NAMES,
    MESSY_CONDITION_LABELS,
    PLANT_NOTES,
    make_messy,
)
from tpdn_outcomes.datasets.messy import messy_slice as _messy_slice  # noqa: F401 (tests read it)
from tpdn_outcomes.datasets.sample import load_sample, sample_frame, sample_path, write_sample
from tpdn_outcomes.datasets.sample import main as main
from tpdn_outcomes.datasets.simulate import simulate as _simulate  # noqa: F401 (tests read it)
from tpdn_outcomes.datasets.simulate import synthesize
from tpdn_outcomes.datasets.text import as_text as _as_text  # noqa: F401 (tests read it)

__all__ = [
    "ADVERSE_EVENT_RATES",
    "DEFAULT_PATIENTS",
    "DEFAULT_SEED",
    "DROPOUT_RATE",
    "FUNCTION_COLUMNS",
    "FUNCTION_POST_MISSING",
    "MESSY_COLUMN_NAMES",
    "MESSY_CONDITION_LABELS",
    "MESSY_ROWS",
    "MESSY_SEED",
    "MUSCLES",
    "PAIN_POST_MISSING",
    "PLANT_NOTES",
    "RECURRENCE_SHARE",
    "ROM_COLUMNS",
    "ROM_MISSING",
    "SAMPLES",
    "SAMPLE_CLINIC_WEIGHTS",
    "SAMPLE_EXPORT_DATE",
    "SAMPLE_FILES",
    "SAMPLE_PATIENTS",
    "SAMPLE_QUARTERS",
    "SAMPLE_SEED",
    "SAMPLE_START",
    "SECOND_EPISODE_RATE",
    "TWITCH_RATE",
    "SampleDesign",
    "ground_truth",
    "load_sample",
    "make_messy",
    "sample_frame",
    "sample_path",
    "synthesize",
    "to_long",
    "wide_columns",
    "write_sample",
]
