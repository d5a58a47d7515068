"""stats.control_chart against the printed output of R's qcc, and the run rules by hand.

Sources of the expected values (named beside each):
- qcc (R package, Scrucca) printed output for Montgomery's *Introduction to Statistical
  Quality Control* examples, as given in qcc's documentation and test suites: p chart of the
  orange-juice data (30 trial samples of 50: centre 0.2313333, limits 0.05242755 and
  0.4102391, samples 15 and 23 above; without them centre 0.215, limits 0.04070284 and
  0.3892972); c chart of the circuit-board data (26 samples: centre 19.84615, samples 6 and
  20 outside); individuals chart of the viscosity data (centre 33.52333, sigma 0.4261651,
  limits 32.24484 and 34.80183). qcc prints 7 significant digits: tolerance 5e-7 relative.
- Anhoej's limits: tests/reference/stats_control.R (R 4.2.2 qbinom and round(log2(n) + 3)).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tpdn_outcomes.stats import anhoej_limits, control_chart

ORANGE = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15,
          9, 12, 7, 13, 9, 6]  # fmt: skip
CIRCUIT = [21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18, 39, 30, 24,
           16, 19, 17, 15]  # fmt: skip
VISCOSITY = [33.75, 33.05, 34, 33.81, 33.46, 34.02, 33.68, 33.27, 33.49, 33.20, 33.62, 33.00,
             33.54, 33.12, 33.84]  # fmt: skip
QCC = 5e-7

R_N = list(range(10, 61))
R_LONGEST = [6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
             8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]  # fmt: skip
R_CROSSINGS = [2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 8, 9, 9, 10, 10, 11, 11, 11, 12,
               12, 13, 13, 14, 14, 14, 15, 15, 16, 16, 17, 17, 17, 18, 18, 19, 19, 20, 20, 21, 21,
               21, 22, 22, 23, 23]  # fmt: skip


def test_p_chart_matches_qcc_orange_juice() -> None:
    chart = control_chart(ORANGE, kind="p", n=[50] * 30)
    assert chart["centre"].iloc[0] == pytest.approx(0.2313333, rel=QCC)
    assert chart["lcl"].iloc[0] == pytest.approx(0.05242755, rel=QCC)
    assert chart["ucl"].iloc[0] == pytest.approx(0.4102391, rel=QCC)
    assert list(chart.index[chart["signal_outside"]] + 1) == [15, 23]
    keep = [d for i, d in enumerate(ORANGE, start=1) if i not in (15, 23)]
    again = control_chart(keep, kind="p", n=[50] * 28)
    assert again["centre"].iloc[0] == pytest.approx(0.215, rel=QCC)
    assert again["lcl"].iloc[0] == pytest.approx(0.04070284, rel=QCC)
    assert again["ucl"].iloc[0] == pytest.approx(0.3892972, rel=QCC)


def test_u_chart_with_unit_exposure_is_qcc_c_chart() -> None:
    chart = control_chart(CIRCUIT, kind="u", n=[1] * 26)
    assert chart["centre"].iloc[0] == pytest.approx(19.84615, rel=QCC)
    assert list(chart.index[chart["signal_outside"]] + 1) == [6, 20]


def test_individuals_chart_matches_qcc_viscosity() -> None:
    chart = control_chart(VISCOSITY, kind="xmr")
    assert chart["centre"].iloc[0] == pytest.approx(33.52333, rel=QCC)
    assert (chart["ucl"].iloc[0] - chart["centre"].iloc[0]) / 3 == pytest.approx(0.4261651, rel=QCC)
    assert chart["lcl"].iloc[0] == pytest.approx(32.24484, rel=QCC)
    assert chart["ucl"].iloc[0] == pytest.approx(34.80183, rel=QCC)
    mr = control_chart(VISCOSITY, kind="mr")
    assert np.isnan(mr["value"].iloc[0])
    assert mr["ucl"].iloc[1] == pytest.approx(3.267 * np.nanmean(np.abs(np.diff(VISCOSITY))))


def test_varying_limits_and_phase_one_baseline() -> None:
    counts, sizes = [5, 9, 2, 30], [50, 90, 20, 60]
    chart = control_chart(counts, kind="p", n=sizes, limits_from=3)
    centre = 16 / 160  # from the first three samples only
    assert chart["centre"].iloc[3] == pytest.approx(centre)
    expected = centre + 3 * np.sqrt(centre * (1 - centre) / np.array(sizes))
    np.testing.assert_allclose(chart["ucl"], expected)
    assert chart["lcl"].iloc[2] == 0.0  # a negative lower limit is drawn at 0, as qcc
    assert bool(chart["signal_outside"].iloc[3])


def test_anhoej_limits_match_r() -> None:
    for n, longest, crossings in zip(R_N, R_LONGEST, R_CROSSINGS, strict=True):
        assert anhoej_limits(n) == (longest, crossings), n


def test_run_rules_by_hand() -> None:
    # 12 points: 9 above the centre in a row -> eight-in-a-row, and a run longer than
    # Anhoej's limit for 12 useful points (7)
    values = [10.0, 10.2, 10.1, 10.3, 10.2, 10.4, 10.1, 10.3, 10.2, 5.0, 5.2, 5.1]
    chart = control_chart(values)
    assert chart["signal_eight_in_a_row"].iloc[:9].all()
    assert chart["signal_run"].iloc[:9].all() and not chart["signal_run"].iloc[9:].any()
    # six points steadily rising -> trend
    rising = [1, 3, 2, 4, 5, 6, 7, 8, 9, 3, 2, 4]
    flags = control_chart(rising)["signal_trend"]
    assert flags.iloc[3:9].all() and not flags.iloc[0]
    # two of three beyond two sigma on the same side (here also beyond three)
    series = [0.0, 1.0] * 10 + [4.0, 4.0, 0.5]
    chart = control_chart(series)
    sigma = (chart["ucl"].iloc[0] - chart["centre"].iloc[0]) / 3
    z = (chart["value"] - chart["centre"]) / sigma
    assert (z.iloc[-3:-1] > 2).all() and (z.iloc[:-3].abs() < 2).all()
    assert chart["signal_two_of_three"].iloc[-3:-1].all()
    assert not chart["signal_two_of_three"].iloc[:-3].any()
    assert chart.attrs["anhoej"]["useful_points"] == 23
    assert set(chart.columns) >= {"signal", "signal_outside", "signal_crossings"}


def test_too_few_crossings() -> None:
    values = [1.0] * 10 + [3.0] * 10  # one crossing; 20 points need at least 6
    chart = control_chart(values, rules=("anhoej",))
    assert chart["signal_crossings"].all()
    assert "signal_two_of_three" not in chart


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="kind"):
        control_chart([1, 2], kind="np")
    with pytest.raises(ValueError, match="needs n"):
        control_chart([1, 2], kind="p")
    with pytest.raises(ValueError, match="between 0 and n"):
        control_chart([5, 2], kind="p", n=[4, 4])
    with pytest.raises(ValueError, match="two points"):
        control_chart([1])
    with pytest.raises(ValueError, match="missing"):
        control_chart([1, np.nan, 2])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=3, max_size=40), st.floats(-50, 50))
def test_shifting_moves_centre_and_limits_only(values, shift) -> None:  # type: ignore[no-untyped-def]
    a = control_chart(values)
    b = control_chart([v + shift for v in values])
    np.testing.assert_allclose(b["centre"], a["centre"] + shift, atol=1e-7)
    np.testing.assert_allclose(b["ucl"] - b["lcl"], a["ucl"] - a["lcl"], atol=1e-7)
    assert (a["lcl"] <= a["centre"]).all() and (a["centre"] <= a["ucl"]).all()


# tests/reference/stats_control_bounds.R (R 4.2.2, 17 significant digits): Montgomery's
# 3-sigma limits bounded as qcc's limits.np (p: pmax(., 0), pmin(., 1)) and limits.u
# (pmax(., 0)) bound them.
R_P_LCL = [0.025658350974743116, 0.066987298107780702, 0.025658350974743116, 0.0,
           0.025658350974743116]  # fmt: skip
R_P_UCL = [0.97434164902525688, 0.9330127018922193, 0.97434164902525688, 1.0,
           0.97434164902525688]  # fmt: skip
R_U_UCL = [1.5060550129438437, 1.3970647274029544, 1.5060550129438437, 1.3166114409498402]


def test_impossible_limits_are_drawn_at_the_bound() -> None:
    # p chart: n = 8 gives 3-sigma limits -0.0303 and 1.0303 (R: p_lcl_unbounded,
    # p_ucl_unbounded); they are drawn at 0 and 1, never NaN
    p = control_chart([3, 1, 9, 2, 10], kind="p", n=[10, 12, 10, 8, 10])
    assert p["centre"].iloc[0] == 0.5
    np.testing.assert_allclose(p["lcl"], R_P_LCL, rtol=1e-14, atol=0)
    np.testing.assert_allclose(p["ucl"], R_P_UCL, rtol=1e-14, atol=0)
    assert p[["lcl", "ucl"]].notna().all().all()
    # 10 of 10 (limit 0.974) signals; 2 of 8 (limits drawn at 0 and 1) does not
    assert p["signal_outside"].tolist() == [False, False, False, False, True]
    u = control_chart([1, 0, 6, 2], kind="u", n=[4, 5, 4, 6])
    assert u["centre"].iloc[0] == pytest.approx(0.47368421052631576, rel=1e-15)
    assert (u["lcl"] == 0.0).all()
    np.testing.assert_allclose(u["ucl"], R_U_UCL, rtol=1e-14)
