"""Every SessionData the loader builds meets the canonical pandera schemas (schema.py)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tpdn_outcomes import SchemaError, SessionData, load_sample, load_sessions, schema
from tpdn_outcomes.datasets import sample_path
from tpdn_outcomes.errors import DataQualityWarning


def _quiet(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return fn(*args, **kwargs)


def _meets_contract(data: SessionData) -> None:
    schema.sessions_schema().validate(data.sessions, lazy=True)
    schema.measures_schema().validate(data.measures, lazy=True)
    # every measure belongs to a session of the table
    assert set(data.measures["session_id"].astype(str)) <= set(
        data.sessions["session_id"].astype(str)
    )


@pytest.mark.parametrize("kind", ["wide", "long", "xlsx"])
def test_sample_loads_meet_the_contract(kind: str) -> None:
    _meets_contract(_quiet(load_sample, kind=kind))


def test_coerced_messy_file_meets_the_contract() -> None:
    data = _quiet(
        load_sessions,
        sample_path("sessions_with_errors.csv"),
        errors="coerce",
        export_date="2026-07-01",
    )
    _meets_contract(data)


def test_vas_and_filter_meet_the_contract() -> None:
    wide = pd.read_csv(sample_path("sessions.csv"))
    vas = wide.assign(pain_pre=wide["pain_pre"] * 10, pain_post=wide["pain_post"] * 10)
    data = _quiet(load_sessions, vas, pain_scale="vas100", export_date="2026-07-01")
    _meets_contract(data)
    _meets_contract(data.filter(quarter="2025Q3", condition="neck_pain"))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["P1", "P2", "P3"]),
            st.sampled_from(["neck_pain", "TMD", "fm"]),
            st.integers(0, 300),
            st.one_of(st.none(), st.integers(0, 10)),
            st.one_of(st.none(), st.integers(0, 10)),
        ),
        min_size=1,
        max_size=20,
        unique_by=lambda r: (r[0], r[1], r[2]),
    )
)
def test_any_clean_frame_meets_the_contract(
    rows: list[tuple[str, str, int, int | None, int | None]],
) -> None:
    start = pd.Timestamp("2025-01-01")
    frame = pd.DataFrame(
        {
            "patient_id": [r[0] for r in rows],
            "condition": [r[1] for r in rows],
            "session_date": [(start + pd.Timedelta(days=r[2])).date().isoformat() for r in rows],
            "pain_pre": [r[3] for r in rows],
            "pain_post": [r[4] if r[3] is not None else None for r in rows],
        }
    )
    _meets_contract(_quiet(load_sessions, frame, export_date="2026-11-24"))


def test_hand_built_session_data_is_checked() -> None:
    good = _quiet(load_sample)
    bad_measures = good.measures.copy()
    bad_measures.loc[0, "value"] = 42.0  # pain out of 0-10
    with pytest.raises(SchemaError, match="value_within_measure_range"):
        SessionData(good.sessions, bad_measures)
    extra = good.sessions.assign(notes="free text")
    with pytest.raises(SchemaError, match="sessions"):
        SessionData(extra, good.measures)
    assert SessionData(good.sessions, good.measures).check() is not None
