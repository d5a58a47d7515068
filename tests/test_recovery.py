"""time_to_response: the response rule on hand-built data, and the Kaplan-Meier summary by
condition on the sample checked against R.

Expected values: tests/reference/outcomes_recovery.R (survival 3.5-3, R 4.2.2; output in
tests/reference/outcomes_recovery.Rout.txt) on tests/reference/data/sample_response_days.csv,
asserted equal to the library's response times below. R calls: survfit(Surv(time, event) ~
condition), summary(fit, rmean = 55)$table, survdiff. Printed with 17 significant digits.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from tpdn_outcomes import load_sessions
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.outcomes import response_times, time_to_response
from tpdn_outcomes.plots import plot_time_to_response

REF = Path(__file__).parent / "reference"

# condition: n, events, median, (lcl, ucl), rmean, se(rmean)   (tau = 55 days)
R_KM = {
    "chronic_low_back_pain": (130, 101, 8, (7, 10), 11.843125713577997, 1.3067656984043539),
    "fibromyalgia": (31, 20, 13, (9, math.nan), 17.868143909036263, 2.5721510000523242),
    "myofascial_pain_syndrome": (86, 70, 8, (7, 10), 13.19082963865678, 1.8504050506782219),
    "neck_pain": (128, 105, 9, (7, 10), 10.718999852902234, 1.1225630297278375),
    "other": (21, 14, 10, (8, math.nan), 16.204120879120879, 4.3201154744253367),
    "shoulder_pain": (98, 86, 7, (6, 10), 9.2181841821154968, 1.0143556322992484),
    "sports_injury": (60, 56, 5, (0, 9), 7.245333333333333, 1.2533194709635274),
    "tension_type_headache": (58, 47, 10, (8, 15), 14.281280149983145, 1.9639159205511769),
    "tmj_dysfunction": (45, 36, 9, (8, 10), 12.38210678210678, 1.7788803704758915),
}


def test_reference_input_is_the_sample(sample: SessionData) -> None:
    ref = pd.read_csv(REF / "data" / "sample_response_days.csv")
    ep, _ = response_times(sample)
    ep = ep[ep["note"] == ""]
    np.testing.assert_array_equal(ep["episode_id"].astype(str), ref["episode_id"])
    np.testing.assert_array_equal(ep["time"], ref["time"])
    np.testing.assert_array_equal(ep["event"].astype(int), ref["event"])


def test_summary_matches_survfit(sample: SessionData) -> None:
    result = time_to_response(sample)
    table = result.summary.set_index("condition")
    for condition, (n, events, median, (lcl, ucl), rmean, se) in R_KM.items():
        row = table.loc[condition]
        assert (row["n"], row["n_events"]) == (n, events)
        assert row["median"] == median
        np.testing.assert_equal((row["median_ci_low"], row["median_ci_high"]), (lcl, ucl))
        assert row["rmean"] == pytest.approx(rmean, rel=1e-10)
        assert row["rmean_se"] == pytest.approx(se, rel=1e-9)
        assert row["tau"] == 55
    test = result.logrank.iloc[0]
    assert test["statistic"] == pytest.approx(21.228279934425579, rel=1e-10)
    assert test["p_val"] == pytest.approx(0.0065651200990110717, rel=1e-9)
    assert test["dof"] == 8


def _data(rows: list[tuple[str, str, int, float, float]]):  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(rows, columns=["patient_id", "session_date", "session_number",
                                        "pain_pre", "pain_post"])  # fmt: skip
    frame["condition"] = "neck_pain"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_sessions(frame, export_date="2026-12-31")


def test_response_rule_by_hand() -> None:
    data = _data(
        [
            # P1: baseline 8; post 7 (1 point, 12.5 %), post 6 (2 points) at day 14 -> event
            ("P1", "2026-01-05", 1, 8, 7),
            ("P1", "2026-01-12", 2, 7, 7),
            ("P1", "2026-01-19", 3, 7, 6),
            # P2: baseline 3; post 2 at day 0 is 33 % -> event at day 0 (percent rule)
            ("P2", "2026-02-02", 1, 3, 2),
            ("P2", "2026-02-09", 2, 3, 3),
            # P3: never improves by 2 points or 30 %: censored at its last session (day 7)
            ("P3", "2026-03-02", 1, 6, 6),
            ("P3", "2026-03-09", 2, 6, 5),
            # P4: no post value at all: excluded, counted
            ("P4", "2026-04-06", 1, 5, float("nan")),
        ]
    )
    ep, rule = response_times(data)
    assert rule == "improvement >= 2 points or >= 30 %"
    got = ep.set_index("patient_id")[["time", "event", "note"]]
    assert got.loc["P1"].tolist() == [14.0, True, ""]
    assert got.loc["P2"].tolist() == [0.0, True, ""]
    assert got.loc["P3"].tolist() == [7.0, False, ""]
    assert math.isnan(got.loc["P4", "time"]) and got.loc["P4", "note"] != ""
    by_session, _ = response_times(data, time="sessions")
    assert by_session.set_index("patient_id").loc["P1", "time"] == 3
    custom, rule = response_times(data, threshold=1, kind="absolute")
    assert rule == "improvement >= 1 points"
    assert custom.set_index("patient_id").loc["P1", "time"] == 0
    summary = time_to_response(data, by=None).summary.iloc[0]
    assert (summary["n_episodes"], summary["n"], summary["n_excluded"]) == (4, 3, 1)
    with pytest.raises(ValueError, match="threshold"):
        response_times(data, measure="rom:lumbar_flexion")
    with pytest.raises(ValueError, match="days"):
        response_times(data, time="weeks")  # type: ignore[arg-type]


def test_plot_draws_curves_and_at_risk_table(sample: SessionData) -> None:
    result = time_to_response(sample, by="practitioner_role")
    ax = plot_time_to_response(result, at=[0, 14, 28])
    curves = ax.get_lines()[: len(result.curves)]
    for line, km in zip(curves, result.curves.values(), strict=True):
        np.testing.assert_allclose(line.get_ydata()[1:], km.table["survival"])
    texts = [t.get_text() for a in ax.figure.axes for t in a.texts]  # (the at-risk axes too)
    first = next(iter(result.curves.values()))
    assert str(int(first.table["n_at_risk"].iloc[0])) in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("Physical therapist (n = ")
    few = plot_time_to_response(result, min_n=100)
    assert len(few.get_legend().get_texts()) == 1
    plt.close("all")
