"""Time-to-response and control-chart figures: axis scaled to the data, every curve in the
at-risk table, legends off the data, months without a point drawn as gaps."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes import time_to_response
from tpdn_outcomes.plots import plot_control_chart, plot_time_to_response
from tpdn_outcomes.stats import control_chart


@pytest.fixture(autouse=True)
def _close() -> None:
    yield
    plt.close("all")


def _risk_axes(ax):  # type: ignore[no-untyped-def]
    return next(a for a in ax.figure.axes if a.get_label() == "at-risk table")


@pytest.mark.parametrize("min_at_risk", [0, 11])
def test_time_axis_ends_just_past_the_last_step_drawn(
    sample: SessionData, min_at_risk: int
) -> None:
    ttr = time_to_response(sample, by="condition")
    ax = plot_time_to_response(ttr, min_at_risk=min_at_risk)
    last = max(
        float(km.table.loc[km.table["n_at_risk"] >= min_at_risk, "time"].max())
        for km in ttr.curves.values()
    )
    right = ax.get_xlim()[1]
    assert last <= right <= last * 1.25 + 1  # not a 50-day axis for curves ending by day 25
    ticks = ax.get_xticks()
    assert ticks[0] == 0 and np.all(np.diff(ticks) == np.diff(ticks)[0])  # evenly spaced
    assert np.all(ticks == np.round(ticks)) and ticks[1] in (1, 2, 5, 10, 20, 50)  # round


def test_at_risk_table_has_a_row_for_every_curve_drawn(sample: SessionData) -> None:
    ttr = time_to_response(sample, by="condition")
    ax = plot_time_to_response(ttr)
    drawn = [line.get_label().split(" (n =")[0] for line in ax.get_lines()[:-1]]
    assert len(drawn) == len(ttr.curves) == 9
    table = _risk_axes(ax)
    rows = [t.get_text() for t in table.get_yticklabels()]
    assert rows == ["At risk", *drawn]  # Shoulder pain and TMJ dysfunction included
    ax.figure.canvas.draw()
    fig_box = ax.figure.bbox
    for label in table.get_yticklabels():  # every row label inside the figure
        box = label.get_window_extent()
        assert box.x0 >= fig_box.x0 - 1 and box.y0 >= fig_box.y0 - 1


def _months_chart() -> pd.DataFrame:
    chart = control_chart([2.0, 2.2, 1.9, 2.1, 2.0, 2.3])
    chart["label"] = ["2025-01", "2025-02", "2025-03", "2025-05", "2025-06", "2025-07"]
    return chart


def test_a_month_without_a_point_is_a_gap() -> None:
    ax = plot_control_chart(_months_chart())
    values = ax.get_lines()[0]
    y = np.asarray(values.get_ydata(), dtype=float)
    x = np.asarray(values.get_xdata(), dtype=float)
    assert len(y) == 7 and np.isnan(y[3]) and x[3] == 3  # 2025-04 keeps its place, blank
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "2025-04" in labels
    assert np.isfinite(np.delete(y, 3)).all()


def test_control_chart_legend_is_off_the_axes() -> None:
    ax = plot_control_chart(_months_chart())
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    axes = ax.get_window_extent()
    assert legend.x0 >= axes.x1  # beside the axes: over no point and no limit line
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "no point (month left out)" in texts
