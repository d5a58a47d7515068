"""stats.power_paired, sample_size_paired and sample_size_ancova against R's power.t.test.

Expected values: tests/reference/stats_power.R (R 4.2.2), printed output in
tests/reference/stats_power.Rout.txt. Power to 1e-10 relative; sample sizes to 1e-5 relative,
because power.t.test solves for n with uniroot at its default tolerance (about 1.2e-4 on n)
while the library solves to 1e-12.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tpdn_outcomes.stats import power_paired, sample_size_ancova, sample_size_paired

R_POWER = {  # (n, strict): power, for delta = 1, sd = 2, paired
    (10, False): 0.29282856726681905,
    (10, True): 0.29317560651438546,
    (20, False): 0.56448289667866192,
    (20, True): 0.56450441843908394,
    (50, False): 0.93389755286147413,
    (50, True): 0.93389758126152211,
}


@pytest.mark.parametrize(("n", "strict"), list(R_POWER))
def test_power_matches_power_t_test(n: int, strict: bool) -> None:
    assert power_paired(n, delta=1, sd=2, strict=strict) == pytest.approx(
        R_POWER[(n, strict)], rel=1e-10
    )


def test_sample_sizes_match_power_t_test() -> None:
    out = sample_size_paired(delta=1, sd=2)
    assert out["n_exact"] == pytest.approx(33.367204088022, rel=1e-5)
    assert out["n"] == 34 and out["power"] >= 0.8
    assert sample_size_paired(delta=1, sd=2, strict=True)["n_exact"] == pytest.approx(
        33.367129103906585, rel=1e-5
    )
    assert sample_size_paired(delta=1.5, sd=2.5, power=0.9, alpha=0.01)["n_exact"] == (
        pytest.approx(44.697770969812424, rel=1e-5)
    )
    for rho, n in [(0.0, 63.765763714273874), (0.5, 48.07276595759383), (0.7, 33.011868302845379)]:
        assert sample_size_ancova(delta=1, sd=2, correlation=rho)["n_exact"] == pytest.approx(
            n, rel=1e-5
        )


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        power_paired(1, delta=1, sd=1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        sample_size_paired(delta=1, sd=1, power=1.2)
    with pytest.raises(ValueError, match="correlation"):
        sample_size_ancova(delta=1, sd=1, correlation=1.0)


@given(st.integers(3, 200), st.floats(0.1, 3), st.floats(0.5, 5))
def test_power_grows_with_n_and_is_sign_free(n: int, delta: float, sd: float) -> None:
    assert power_paired(n + 1, delta=delta, sd=sd) >= power_paired(n, delta=delta, sd=sd) - 1e-12
    assert power_paired(n, delta=-delta, sd=sd) == pytest.approx(
        power_paired(n, delta=delta, sd=sd)
    )


def test_strict_power_equals_statsmodels() -> None:
    from statsmodels.stats.power import TTestPower

    for n in (8, 25, 60):
        ours = power_paired(n, delta=1.2, sd=2.5, strict=True)
        theirs = TTestPower().power(effect_size=1.2 / 2.5, nobs=n, alpha=0.05)
        assert ours == pytest.approx(theirs, rel=1e-10)
