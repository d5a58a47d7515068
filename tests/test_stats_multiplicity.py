"""p_adjust against R 4.2.2's p.adjust (tests/reference/stats_multiplicity.R, printed output in
tests/reference/stats_multiplicity.Rout.txt): every method, on a vector with ties, zeros and NA
(NA stays NA and is not counted in m, as in R) and on a second vector of 15 p-values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tpdn_outcomes.stats import p_adjust

P1 = [0.04, 0.001, np.nan, 0.02, 0.3, 0.02, 0.04, 0.9, 0.0, 0.012, np.nan, 0.5]
P2 = [
    0.0001,
    0.0004,
    0.0019,
    0.0095,
    0.0201,
    0.0278,
    0.0298,
    0.0344,
    0.0459,
    0.324,
    0.4262,
    0.5719,
    0.6528,
    0.759,
    1.0,
]
R_P1 = {
    "holm": [
        0.2,
        0.009000000000000001,
        np.nan,
        0.14,
        0.8999999999999999,
        0.14,
        0.2,
        1.0,
        0.0,
        0.096,
        np.nan,
        1.0,
    ],
    "hochberg": [
        0.16,
        0.009000000000000001,
        np.nan,
        0.12,
        0.8999999999999999,
        0.12,
        0.16,
        0.9,
        0.0,
        0.096,
        np.nan,
        0.9,
    ],
    "bonferroni": [0.4, 0.01, np.nan, 0.2, 1.0, 0.2, 0.4, 1.0, 0.0, 0.12, np.nan, 1.0],
    "bh": [
        0.05714285714285715,
        0.005,
        np.nan,
        0.04,
        0.375,
        0.04,
        0.05714285714285715,
        0.9,
        0.0,
        0.04,
        np.nan,
        0.5555555555555556,
    ],
    "by": [
        0.16736961451247165,
        0.01464484126984127,
        np.nan,
        0.11715873015873016,
        1.0,
        0.11715873015873016,
        0.16736961451247165,
        1.0,
        0.0,
        0.11715873015873016,
        np.nan,
        1.0,
    ],
}
R_P2 = {
    "holm": [
        0.0015,
        0.0056,
        0.0247,
        0.11399999999999999,
        0.2211,
        0.27799999999999997,
        0.27799999999999997,
        0.27799999999999997,
        0.32130000000000003,
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
    ],
    "hochberg": [
        0.0015,
        0.0056,
        0.0247,
        0.11399999999999999,
        0.2211,
        0.2682,
        0.2682,
        0.2752,
        0.32130000000000003,
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
    ],
    "bonferroni": [
        0.0015,
        0.006,
        0.0285,
        0.1425,
        0.3015,
        0.417,
        0.447,
        0.516,
        0.6885,
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
    ],
    "bh": [
        0.0015,
        0.003,
        0.0095,
        0.035625,
        0.0603,
        0.06385714285714286,
        0.06385714285714286,
        0.0645,
        0.07650000000000001,
        0.486,
        0.5811818181818181,
        0.7148749999999999,
        0.7532307692307693,
        0.8132142857142857,
        1.0,
    ],
    "by": [
        0.00497734348984349,
        0.00995468697968698,
        0.031523175435675434,
        0.11821190788378289,
        0.2000892082917083,
        0.21189262285333715,
        0.21189262285333715,
        0.21402577006327006,
        0.253844517982018,
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
    ],
}


@pytest.mark.parametrize("method", ["holm", "hochberg", "bonferroni", "bh", "by"])
def test_matches_r_p_adjust(method: str) -> None:
    np.testing.assert_allclose(p_adjust(P1, method=method), R_P1[method], rtol=1e-14, atol=0)
    np.testing.assert_allclose(p_adjust(P2, method=method), R_P2[method], rtol=1e-14, atol=0)


def test_returns_array_in_input_order() -> None:
    out = p_adjust([0.5, 0.01], method="bonferroni")
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [1.0, 0.02])


def test_unknown_method_lists_the_allowed() -> None:
    with pytest.raises(ValueError, match="holm"):
        p_adjust([0.1], method="sidak-ish")


@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_adjusted_never_below_raw_and_at_most_one(p: list[float]) -> None:
    for method in ("holm", "hochberg", "bonferroni", "bh", "by"):
        adj = p_adjust(p, method=method)
        assert np.all(adj >= np.asarray(p) - 1e-15) and np.all(adj <= 1)
