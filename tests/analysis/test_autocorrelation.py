"""Integrated autocorrelation time, effective sample size and standard errors on AR(1) series.

Oracle: an AR(1) series x_t = phi x_{t-1} + e_t has rho(t) = phi^t, so
tau_int = 1/2 + phi/(1 - phi) = (1 + phi) / (2 (1 - phi)) and N_eff = N (1 - phi)/(1 + phi).
"""

import numpy as np
import pytest
from scipy.signal import lfilter

from noisecircuits.analysis import autocorrelation as ac
from noisecircuits.errors import DataError


def ar1(phi, n, paths=1, seed=0):
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((paths, n + 2000))
    series = lfilter([1.0], [1.0, -phi], noise, axis=1)[:, 2000:]
    return series[0] if paths == 1 else series


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9, 0.98])
def test_integrated_autocorrelation_time_of_ar1(phi):
    n = 400_000
    exact = (1 + phi) / (2 * (1 - phi))
    tau = ac.integrated_autocorrelation_time(ar1(phi, n, seed=3))
    # Sokal's variance of the estimate: 2(2M+1)/N tau^2 with M ~ 5 tau; 4 SE plus the window bias e^{-5}
    se = exact * np.sqrt(2 * (2 * 5 * exact + 1) / n)
    assert abs(tau - exact) < 4 * se + np.exp(-5) * exact


def test_autocorrelation_of_ar1_is_geometric():
    rho = ac.autocorrelation(ar1(0.7, 200_000, seed=1), max_lag=5)
    # Bartlett SE of rho(k) ~ sqrt((1 + phi^2)/(1 - phi^2)/N) ~ 0.004; 4 SE
    assert rho == pytest.approx(0.7 ** np.arange(6), abs=0.016)


def test_effective_sample_size_of_ar1():
    phi, n = 0.8, 400_000
    ess = ac.effective_sample_size(ar1(phi, n, seed=5))
    exact = n * (1 - phi) / (1 + phi)
    # relative error of tau_int: sqrt(2(2M+1)/N) with M ~ 5 tau = 22; 4 SE
    assert ess == pytest.approx(exact, rel=4 * np.sqrt(2 * (2 * 22 + 1) / n))


def test_standard_error_matches_the_spread_of_replica_means():
    phi, n, replicas = 0.9, 20_000, 200
    series = ar1(phi, n, paths=replicas, seed=9)
    spread = series.mean(axis=1).std(ddof=1)
    estimates = np.array([ac.mean_and_stderr(row)[1] for row in series[:50]])
    # the SD of a sample SD from 200 replicas is 5 %; per-series estimates scatter ~ 3 %; 20 % is > 3 SE
    assert np.mean(estimates) == pytest.approx(spread, rel=0.2)
    exact = np.sqrt((1 + phi) / (1 - phi) / (1 - phi**2) / n)  # sqrt(2 tau_int var / N), var = 1/(1-phi^2)
    assert spread == pytest.approx(exact, rel=0.2)


def test_block_averaging_preserves_the_estimate(monkeypatch):
    series = ar1(0.95, 200_000, paths=2, seed=2)
    direct = ac.integrated_autocorrelation_time(series)
    monkeypatch.setattr(ac, "MAX_FFT_SAMPLES", 20_000)
    blocked = ac.integrated_autocorrelation_time(series)
    exact = (1 + 0.95) / (2 * 0.05)
    # both estimate the same tau_int = 19.5; each has ~4 % SE (Sokal) at N = 4e5
    assert blocked == pytest.approx(direct, rel=0.15)
    assert blocked == pytest.approx(exact, rel=0.2)


def test_paths_are_pooled():
    series = ar1(0.5, 50_000, paths=4, seed=4)
    mean, se = ac.mean_and_stderr(series)
    assert mean == pytest.approx(series.mean())
    # pooled SE of the grand mean: sqrt(2 tau var / (4 n)), tau = 1.5, var = 4/3; within 10 % (tau's SE ~ 2 %)
    assert se == pytest.approx(np.sqrt(2 * 1.5 * (4 / 3) / series.size), rel=0.1)


def test_white_noise_and_constants():
    assert ac.integrated_autocorrelation_time(np.ones(100)) == 0.5
    assert ac.autocorrelation(np.ones(10))[0] == 1.0


@pytest.mark.parametrize("bad", [[1.0], [[1.0, np.nan, 2.0]], np.zeros((2, 2, 2))])
def test_bad_series_is_refused(bad):
    with pytest.raises(DataError, match="series"):
        ac.integrated_autocorrelation_time(bad)
