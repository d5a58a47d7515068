"""Reliability statistics against R 4.2.2 (tests/reference/stats_reliability.R, printed output
in tests/reference/stats_reliability.Rout.txt): SEM = SD sqrt(1 - ICC); MDC = z sqrt(2) SEM;
the reliable change index of Jacobson & Truax (1991); regression to the mean after Barnett,
van der Pols & Dobson (2005), with dnorm/pnorm in R."""

from __future__ import annotations

import numpy as np
import pytest

from tpdn_outcomes.stats import mdc, regression_to_mean, reliable_change_index, sem_from_icc


def test_sem_from_icc() -> None:
    # R: sd <- c(2.1, 7.5, 15, 0); icc <- c(0.84, 0.88, 0.5, 0.9); sd * sqrt(1 - icc)
    got = sem_from_icc([2.1, 7.5, 15, 0], [0.84, 0.88, 0.5, 0.9])
    np.testing.assert_allclose(
        got, [0.8400000000000001, 2.598076211353316, 10.606601717798213, 0.0], rtol=1e-14
    )


def test_mdc() -> None:
    # R: qnorm(0.975) * sqrt(2) * sem and qnorm(0.95) * sqrt(2) * sem, sem <- c(0.5, 1, 2.6, 0)
    sem = [0.5, 1, 2.6, 0]
    np.testing.assert_allclose(
        mdc(sem), [1.3859038243496775, 2.771807648699355, 7.206699886618323, 0.0], rtol=1e-14
    )
    np.testing.assert_allclose(
        mdc(sem, confidence=0.90),
        [1.1630871536766734, 2.3261743073533467, 6.048053199118701, 0.0],
        rtol=1e-14,
    )


def test_reliable_change_index() -> None:
    # R: x1 <- c(60, 50, 72.5, 41, 55); x2 <- c(45, 52, 60.25, 41, 70); s1 = 7.5; rxx = 0.88
    got = reliable_change_index(
        [60, 50, 72.5, 41, 55], [45, 52, 60.25, 41, 70], sd_baseline=7.5, reliability=0.88
    )
    np.testing.assert_allclose(
        got,
        [-4.08248290463863, 0.5443310539518174, -3.334027705454881, 0.0, 4.08248290463863],
        rtol=1e-13,
    )


@pytest.mark.parametrize(
    "mu, sigma, rho, cutoff, expected",
    [
        (5, 2, 0.6, 7, 1.2201082209287852),
        (50, 10, 0.8, 40, 0.5751999418783567),
        (120, 15, 0.5, 160, 22.313682327461954),
        (0, 1, 0.3, 0, 0.5585191925620058),
    ],
)
def test_regression_to_mean_by_cutoff(
    mu: float, sigma: float, rho: float, cutoff: float, expected: float
) -> None:
    # R: sigma * (1 - rho) * dnorm(z) / pnorm(z, lower.tail = FALSE), z = (c - mu) / sigma
    table = regression_to_mean(
        population_mean=mu, population_sd=sigma, correlation=rho, cutoff=cutoff
    )
    np.testing.assert_allclose(table["rtm_effect"].iloc[0], expected, rtol=1e-13)
    assert table["method"].iloc[0] == "cutoff"


def test_regression_to_mean_by_baseline_mean() -> None:
    # R: (1 - 0.6) * (7.5 - 5) and (1 - 0.75) * (62.3 - 50)
    a = regression_to_mean(population_mean=5, population_sd=2, correlation=0.6, baseline_mean=7.5)
    b = regression_to_mean(
        population_mean=50, population_sd=10, correlation=0.75, baseline_mean=62.3
    )
    np.testing.assert_allclose(a["rtm_effect"].iloc[0], 1.0, rtol=1e-14)
    np.testing.assert_allclose(b["rtm_effect"].iloc[0], 3.0749999999999993, rtol=1e-14)


def test_regression_to_mean_argument_errors() -> None:
    with pytest.raises(ValueError):
        regression_to_mean(population_mean=0, population_sd=1, correlation=0.5)
    with pytest.raises(ValueError):
        regression_to_mean(
            population_mean=0, population_sd=1, correlation=0.5, cutoff=1, baseline_mean=1
        )
    with pytest.raises(ValueError):
        regression_to_mean(population_mean=0, population_sd=0, correlation=0.5, cutoff=1)
    with pytest.raises(ValueError):
        regression_to_mean(population_mean=0, population_sd=1, correlation=1.5, cutoff=1)
