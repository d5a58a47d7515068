"""proportion_ci against R 4.2.2 (tests/reference/stats_proportions.R, printed output in
tests/reference/stats_proportions.Rout.txt): Clopper-Pearson = binom.test(k, n)$conf.int,
Wilson = prop.test(k, n, correct = FALSE)$conf.int, Agresti-Coull = the formula in the script
(Agresti & Coull 1998, as binom::binom.confint(method = "ac")). Values printed with %.17g."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tpdn_outcomes.stats import proportion_ci

# k, n, confidence, Clopper-Pearson, Wilson, Agresti-Coull (R 4.2.2)
R_CASES = [
    (
        0,
        20,
        0.95,
        [0.0, 0.16843347098308536],
        [0.0, 0.1611251580528193],
        [0.0, 0.18980956054248876],
    ),
    (
        1,
        20,
        0.95,
        [0.0012650894979498051, 0.24873276277202772],
        [0.00888144880079538, 0.23613119344674197],
        [0.0, 0.2541145139292027],
    ),
    (
        7,
        20,
        0.95,
        [0.15390920478454115, 0.5921885345328282],
        [0.18119182410108206, 0.5671457233147637],
        [0.17992636143822804, 0.5684111859776177],
    ),
    (
        19,
        20,
        0.95,
        [0.7512672372279723, 0.9987349105020502],
        [0.763868806553258, 0.9911185511992047],
        [0.7458854860707973, 1.0],
    ),
    (20, 20, 0.95, [0.8315665290169146, 1.0], [0.8388748419471806, 1.0], [0.8101904394575112, 1.0]),
    (0, 1, 0.95, [0.0, 0.975], [0.0, 0.7934506856227626], [0.0, 0.8325005145205869]),
    (
        1,
        1,
        0.95,
        [0.025000000000000022, 1.0],
        [0.2065493143772375, 1.0],
        [0.16749948547941307, 1.0],
    ),
    (
        3,
        7,
        0.95,
        [0.09898827844250789, 0.815948432359917],
        [0.1582198552514697, 0.7495416354723426],
        [0.15752124573939863, 0.7502402449844139],
    ),
    (
        45,
        112,
        0.95,
        [0.31025682177626585, 0.4986416433591032],
        [0.3157058067186338, 0.49437945788380167],
        [0.31564842577390617, 0.4944368388285293],
    ),
    (
        523,
        1000,
        0.95,
        [0.4915140103158689, 0.5543502196835383],
        [0.49201420125459355, 0.553809767855071],
        [0.4920140763741433, 0.553809892735521],
    ),
    (
        0,
        20,
        0.9,
        [0.0, 0.13910834066826516],
        [0.0, 0.11915783736096437],
        [0.0, 0.14128771121031997],
    ),
    (
        1,
        20,
        0.9,
        [0.0025613787765302798, 0.21610616420684725],
        [0.01123481685085164, 0.1960072367740163],
        [0.0, 0.2088247433045803],
    ),
    (
        7,
        20,
        0.9,
        [0.17731091757444906, 0.5580345113154886],
        [0.20226004005676107, 0.5334873111515283],
        [0.20141263689081404, 0.5343347143174754],
    ),
    (
        19,
        20,
        0.9,
        [0.7838938357931526, 0.9974386212234697],
        [0.8039927632259836, 0.9887651831491483],
        [0.7911752566954197, 1.0],
    ),
    (20, 20, 0.9, [0.8608916593317348, 1.0], [0.8808421626390355, 1.0], [0.85871228878968, 1.0]),
    (0, 1, 0.9, [0.0, 0.95], [0.0, 0.7301340512159457], [0.0, 0.7764549564150676]),
    (1, 1, 0.9, [0.04999999999999999, 1.0], [0.26986594878405434, 1.0], [0.22354504358493255, 1.0]),
    (
        3,
        7,
        0.9,
        [0.1287563928042427, 0.7746784159675522],
        [0.18644319036395615, 0.710522908986407],
        [0.18589813248295023, 0.7110679668674129],
    ),
    (
        45,
        112,
        0.9,
        [0.3238114772602087, 0.48373951180092567],
        [0.32877259704100203, 0.4794319645039743],
        [0.3287378252714981, 0.47946673627347824],
    ),
    (
        523,
        1000,
        0.9,
        [0.49649492166413095, 0.549404506792137],
        [0.49699305091526863, 0.5488828298957025],
        [0.4969929768930648, 0.5488829039179063],
    ),
]


@pytest.mark.parametrize("k, n, conf, cp, wilson, ac", R_CASES)
def test_matches_r(
    k: int, n: int, conf: float, cp: list[float], wilson: list[float], ac: list[float]
) -> None:
    for method, expected in (("clopper-pearson", cp), ("wilson", wilson), ("agresti-coull", ac)):
        row = proportion_ci(k, n, confidence=conf, method=method).iloc[0]
        np.testing.assert_allclose(
            [row["ci_low"], row["ci_high"]], expected, rtol=1e-12, atol=1e-15
        )
        assert row["proportion"] == k / n and row["k"] == k and row["n"] == n


def test_vectorised_rows_in_order() -> None:
    table = proportion_ci([0, 7, 20], [20, 20, 20], method="wilson")
    assert list(table["k"]) == [0, 7, 20]
    assert table["ci_low"].iloc[0] == 0 and table["ci_high"].iloc[2] == 1


def test_zero_n_gives_missing_with_a_note() -> None:
    row = proportion_ci(0, 0).iloc[0]
    assert np.isnan(row["ci_low"]) and np.isnan(row["proportion"])
    assert "note" in row.index and row["note"]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="method"):
        proportion_ci(1, 2, method="exact-ish")
    with pytest.raises(ValueError):
        proportion_ci(3, 2)
    with pytest.raises(ValueError):
        proportion_ci(1, 2, confidence=1.5)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_intervals_contain_the_estimate_and_stay_in_0_1(kn: tuple[int, int]) -> None:
    k, n = kn
    for method in ("wilson", "clopper-pearson", "agresti-coull"):
        row = proportion_ci(k, n, method=method).iloc[0]
        assert 0 <= row["ci_low"] <= k / n <= row["ci_high"] <= 1
