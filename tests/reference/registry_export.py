"""Write the frozen inputs of registry_measures.R and risk_adjusted.R.

- ``data/registry_sessions.csv``: the bundled sample's sessions, pain and the columns the
  registry measures use (frozen, so that the R references outlive changes to the sample);
  loaded with ``export_date=2026-07-01`` (EXPORT_DATE) by the tests.
- ``data/registry_episodes.csv``: the library's pain episodes of that file (every episode:
  ``open``, sessions, first and last dates, baseline, final), the table R works from; the
  tests assert that the library still derives exactly this table.

Run from the repository root: ``.venv/bin/python tests/reference/registry_export.py``.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pandas as pd

from tpdn_outcomes import load_sessions
from tpdn_outcomes.datasets import write_sample
from tpdn_outcomes.errors import DataQualityWarning

HERE = Path(__file__).parent / "data"
EXPORT_DATE = "2026-07-01"
COLUMNS = [
    "patient_id", "session_date", "session_number", "clinic_id", "condition",
    "practitioner_role", "needle_count", "twitch_response", "adverse_events", "age_band",
    "sex", "pain_pre", "pain_post",
]  # fmt: skip
EPISODE_COLUMNS = [
    "episode_id", "patient_id", "clinic_id", "condition", "age_band", "sex", "first_date",
    "last_date", "n_sessions", "open", "n_values", "baseline", "final",
]  # fmt: skip


def episodes_table(path: Path) -> pd.DataFrame:
    """The pain episodes of the frozen sessions file, as written for R."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(path, export_date=EXPORT_DATE)
    ep = data.episodes("pain")[EPISODE_COLUMNS].copy()
    for col in ("first_date", "last_date"):
        ep[col] = ep[col].dt.strftime("%Y-%m-%d")
    for col in ("episode_id", "patient_id", "clinic_id", "condition", "age_band", "sex"):
        ep[col] = ep[col].astype("string")
    ep["open"] = ep["open"].astype(bool)
    return ep.reset_index(drop=True)


def main() -> None:
    # the four-clinic sample (the shipped sample before the seven-clinic network)
    with tempfile.TemporaryDirectory() as tmp:
        write_sample(tmp, sample="four_clinics")
        sessions = pd.read_csv(Path(tmp) / "sessions.csv", dtype=str, keep_default_na=False)
    sessions[COLUMNS].to_csv(HERE / "registry_sessions.csv", index=False)
    episodes_table(HERE / "registry_sessions.csv").to_csv(
        HERE / "registry_episodes.csv", index=False, float_format="%.17g"
    )


if __name__ == "__main__":
    main()
