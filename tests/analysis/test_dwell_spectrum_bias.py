"""Dwell times, telegraph PSD and bias extraction on exact synthetic signals."""

import numpy as np
import pytest

from noisecircuits.analysis.autocorrelation import integrated_autocorrelation_time
from noisecircuits.analysis.bias import fraction_high, implied_tilt
from noisecircuits.analysis.dwell import dwell_times, hysteresis_state
from noisecircuits.analysis.spectrum import lorentzian_psd, telegraph_psd
from noisecircuits.errors import DataError, ParameterError
from noisecircuits.physics import oracles


def test_dwells_follow_the_hysteresis_definition():
    #            0     1    2    3    4     5    6     7    8     9    10    11
    x = np.array([0.0, -1.0, 0.5, 0.9, -0.2, 1.0, 0.3, -0.5, -1.1, 0.0, 1.2, -1.0])
    state = hysteresis_state(x, -1.0, 1.0)
    assert state.tolist() == [0, -1, -1, -1, -1, 1, 1, 1, -1, -1, 1, -1]
    d = dwell_times(x, -1.0, 1.0, sample_interval=0.5)
    # events at samples 5 (-> high), 8 (-> low), 10 (-> high), 11 (-> low); the dwell from sample 1
    # started before any arrival from the other well and is not counted
    assert d.n_switches == 4
    assert d.high.tolist() == [1.5, 0.5]
    assert d.low.tolist() == [1.0]


def _telegraph(rate_up, rate_down, interval, n, paths, seed):
    """Exact two-state Markov chain sampled every ``interval`` (transition matrix of the CTMC)."""
    rng = np.random.default_rng(seed)
    total = rate_up + rate_down
    decay = np.exp(-total * interval)
    p_up = rate_up / total * (1 - decay)  # P(low -> high within one interval)
    p_down = rate_down / total * (1 - decay)
    u = rng.random((paths, n))
    s = np.empty((paths, n), dtype=np.int8)
    s[:, 0] = np.where(rng.random(paths) < rate_up / total, 1, -1)
    for k in range(1, n):
        prev = s[:, k - 1]
        s[:, k] = np.where(prev < 0, np.where(u[:, k] < p_up, 1, -1), np.where(u[:, k] < p_down, -1, 1))
    return s.astype(float)


@pytest.fixture(scope="module")
def telegraph():
    rate_up, rate_down, interval = 2.0, 1.0, 0.01
    return rate_up, rate_down, interval, _telegraph(rate_up, rate_down, interval, 100_000, 8, seed=12)


def test_dwell_times_of_a_telegraph_process(telegraph):
    rate_up, rate_down, interval, s = telegraph
    d = dwell_times(s, -1.0, 1.0, interval).summary()
    # the dwell in a state of the sampled chain is geometric with mean interval / (1 - e^{-k interval})
    mean_low_exact = interval / (1 - np.exp(-rate_up * interval))
    mean_high_exact = interval / (1 - np.exp(-rate_down * interval))
    (low, low_se), (high, high_se) = d.mean_low, d.mean_high
    # SEs from the spread of ~10^4 dwells; 4 SE
    assert abs(low - mean_low_exact) < 4 * low_se
    assert abs(high - mean_high_exact) < 4 * high_se
    tau_c = 1 / (1 / mean_low_exact + 1 / mean_high_exact)
    assert d.correlation_time == pytest.approx(tau_c, rel=4 * max(low_se / low, high_se / high))


def test_sign_process_correlation_time_and_occupation(telegraph):
    rate_up, rate_down, interval, s = telegraph
    tau_c = 1 / (rate_up + rate_down)
    # sampled chain: rho(k) = exp(-k interval / tau_c), tau_int = 1/2 + r/(1 - r), r = exp(-interval/tau_c)
    r = np.exp(-interval / tau_c)
    tau_exact = (0.5 + r / (1 - r)) * interval
    tau = integrated_autocorrelation_time(s) * interval
    # Sokal's relative SE sqrt(2(2M+1)/N), M ~ 5 tau_int = 170 samples, N = 8e5: ~3 %; 4 SE
    assert tau == pytest.approx(tau_exact, rel=4 * np.sqrt(2 * (2 * 170 + 1) / s.size))
    p, p_se = fraction_high(s)
    assert abs(p - rate_up / (rate_up + rate_down)) < 4 * p_se


def test_telegraph_psd_is_lorentzian(telegraph):
    rate_up, rate_down, interval, s = telegraph
    tau_c = 1 / (rate_up + rate_down)
    freqs, psd = telegraph_psd(s, interval, segment_length=4096)
    variance = 1 - (s.mean()) ** 2  # +-1 signal: var = 1 - <s>^2
    band = (freqs > 0.05) & (freqs < 5.0)
    model = lorentzian_psd(freqs[band], tau_c, variance)
    # aliasing at f << 1/(2 interval) is negligible; Welch averages ~8 x 97 segments x 2 (overlap):
    # each bin's relative SE ~ 1/sqrt(8*48) ~ 5 %, the band mean over ~200 bins ~ 0.5 %; 3 % is ample
    assert np.mean(psd[band] / model) == pytest.approx(1.0, abs=0.03)
    assert np.max(np.abs(psd[band] / model - 1)) < 0.35  # single bins: 6-7 SE


def test_implied_tilt_inverts_the_exact_occupation():
    for barrier, tilt in [(2.0, 0.5), (4.0, -0.3)]:
        p = oracles.double_well_p_right(barrier, tilt)
        assert implied_tilt(p, barrier) == pytest.approx(tilt, abs=1e-9)
    # high-barrier law P = sigma(2b)
    assert implied_tilt(1 / (1 + np.exp(-2 * 0.7))) == pytest.approx(0.7)
    # and the exact law tends to it
    p = oracles.double_well_p_right(12.0, 0.7)
    assert implied_tilt(p, 12.0) == pytest.approx(implied_tilt(p), abs=0.02)


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5, float("nan")])
def test_implied_tilt_refuses_impossible_fractions(bad):
    with pytest.raises(ParameterError, match="p_right"):
        implied_tilt(bad)


def test_thresholds_must_be_ordered():
    with pytest.raises(DataError, match="low must be < high"):
        hysteresis_state([0.0, 1.0], 1.0, -1.0)
