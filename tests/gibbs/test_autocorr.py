"""Sokal-windowed integrated autocorrelation time on processes with known answers."""

import numpy as np
import pytest

from noisecircuits.errors import ParameterError
from noisecircuits.gibbs.autocorr import integrated_autocorrelation_time, summarise_series


def _ar1(rho, n, chains, seed):
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(chains, n))
    x = np.empty((chains, n))
    x[:, 0] = noise[:, 0] / np.sqrt(1 - rho**2)
    for t in range(1, n):
        x[:, t] = rho * x[:, t - 1] + noise[:, t]
    return x


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_ar1_tau_matches_closed_form(rho):
    x = _ar1(rho, 20000, 4, seed=11)
    exact = (1 + rho) / (2 * (1 - rho))  # tau_int = 1/2 + sum rho^t
    # relative error of tau_int is about sqrt(2 (2W+1)/N) (Sokal eq. 3.19); W <= 5 tau + 1:
    # 4 such standard errors plus the window bias exp(-5)
    sd = np.sqrt(2 * (2 * (5 * exact + 1) + 1) / x.size)
    assert integrated_autocorrelation_time(x) == pytest.approx(exact, rel=4 * sd + np.exp(-5))


def test_stderr_covers_the_true_mean():
    rho = 0.8
    x = _ar1(rho, 5000, 2, seed=3)
    summary = summarise_series(x)
    # the true mean is 0: within 4 standard errors
    assert abs(summary.mean) < 4 * summary.stderr
    assert summary.n_effective == pytest.approx(x.size / (2 * summary.tau_int))


def test_constant_series_and_too_short():
    assert integrated_autocorrelation_time(np.ones(50)) == 0.5
    with pytest.raises(ParameterError, match="at least 2"):
        integrated_autocorrelation_time([1.0])
