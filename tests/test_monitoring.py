"""monthly_control_chart: the monthly counts behind each chart, and recovery of a planted
shift from datasets.synthesize (the limits themselves are checked against qcc in
tests/test_stats_control.py)."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from tpdn_outcomes import load_sessions
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.datasets import synthesize
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.outcomes import describe_signals, monthly_control_chart
from tpdn_outcomes.plots import plot_control_chart


@pytest.fixture(scope="module")
def shifted():  # type: ignore[no-untyped-def]
    wide = synthesize(n_patients=3000, seed=4, ae_shift=("2025-09", 2.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_sessions(wide, export_date="2026-12-31")


def test_adverse_event_chart_counts_sessions_per_month(sample: SessionData) -> None:
    chart = monthly_control_chart(sample, metric="adverse_event_rate")
    s = sample.sessions
    month = s["session_date"].dt.to_period("M").astype(str)
    events = s["adverse_events"].astype(str) != "none"
    for _, row in chart.iterrows():
        in_month = month == row["label"]
        assert row["n"] == in_month.sum()
        assert row["count"] == (events & in_month).sum()
    centre = chart["count"].sum() / chart["n"].sum()
    assert chart["centre"].iloc[0] == pytest.approx(centre)
    assert chart.attrs["kind"] == "p"


def test_responder_and_mean_change_charts_use_completed_episodes(sample: SessionData) -> None:
    ep = sample.episodes("pain")
    done = ep[~ep["open"].astype(bool) & ep["change"].notna()]
    month = done["last_date"].dt.to_period("M").astype(str)
    mean = monthly_control_chart(sample, metric="mean_change")
    for _, row in mean.iterrows():
        changes = done.loc[month == row["label"], "change"]
        assert row["n"] == len(changes)
        assert row["value"] == pytest.approx(changes.mean())
    rates = monthly_control_chart(sample, metric="responder_rate")
    improvement = -done["change"]
    moderate = (improvement >= 2) | (100 * improvement >= 30 * done["baseline"])
    for _, row in rates.iterrows():
        assert row["count"] == moderate[month == row["label"]].sum()
    as_xmr = monthly_control_chart(sample, metric="responder_rate", kind="xmr")
    np.testing.assert_allclose(as_xmr["value"], rates["value"])
    assert as_xmr["ucl"].nunique() == 1  # limits do not depend on the months' n


def test_small_months_are_left_out_and_listed(sample: SessionData) -> None:
    full = monthly_control_chart(sample, metric="mean_change")
    cut = monthly_control_chart(sample, metric="mean_change", min_n=40)
    assert len(cut) < len(full)
    assert sorted(cut.attrs["left_out"]) == sorted(full.loc[full["n"] < 40, "label"])
    with pytest.raises(ValueError, match="metric"):
        monthly_control_chart(sample, metric="pain")  # type: ignore[arg-type]


def test_a_planted_shift_is_found(shifted) -> None:  # type: ignore[no-untyped-def]
    chart = monthly_control_chart(shifted, metric="adverse_event_rate")
    flagged = list(chart.loc[chart["signal_outside"], "label"])
    assert flagged == ["2025-09"]
    assert describe_signals(chart)[0] == "Point 2025-09 is outside the control limits."


def test_no_shift_no_outside_point() -> None:
    wide = synthesize(n_patients=3000, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(wide, export_date="2026-12-31")
    chart = monthly_control_chart(data, metric="adverse_event_rate")
    assert not chart["signal_outside"].any()


def test_plot_marks_the_signal(shifted) -> None:  # type: ignore[no-untyped-def]
    chart = monthly_control_chart(shifted, metric="adverse_event_rate")
    ax = plot_control_chart(chart)
    points = ax.collections[-1].get_offsets()
    assert len(points) == 1
    assert points[0][1] == pytest.approx(100 * chart.loc[chart["signal"], "value"].iloc[0])
    assert ax.get_ylabel() == "Sessions with a side effect (%)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "signal: outside" in legend
    plt.close("all")
