"""The telegraph reference kind against its closed forms (Machlup 1954)."""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit

from noisecircuits.constants import thermal_voltage
from noisecircuits.errors import ParameterError
from noisecircuits.sweeps import SweepSpec, run_sweep, load_results
from noisecircuits.sweeps.telegraph import TelegraphPBit, simulate_telegraph, telegraph_point


def _exact(design, v_bias, temperature):
    x = (v_bias - design.v_mid) / (design.slope_factor * thermal_voltage(temperature))
    return expit(x), design.attempt_time / (2 * math.cosh(x / 2))


def test_simulate_occupancy_and_rates_match_exact_chain():
    k_up, k_down = 3e6, 1e6
    run = simulate_telegraph(k_up, k_down, 0.05, 1e-8, np.random.default_rng(4))
    total = run["time_zero_s"] + run["time_one_s"]
    assert total == pytest.approx(0.05, rel=1e-12)
    assert run["n_samples"] == 5_000_000
    # each switch count is Poisson given the time spent in its state: 4 standard errors
    for n, rate, t in ((run["n_up"], k_up, run["time_zero_s"]), (run["n_down"], k_down, run["time_one_s"])):
        assert abs(n - rate * t) < 4 * math.sqrt(rate * t)
    # the read-outs sample the continuous occupation: fraction of time in 1 vs fraction of reads
    assert run["n_ones"] / run["n_samples"] == pytest.approx(run["time_one_s"] / total, abs=1e-3)


def test_chunked_counting_matches_per_read_states():
    # brute force on a short run: rebuild every read-out from the same dwell draws
    k_up, k_down, duration, dt = 2e6, 1e6, 2e-4, 1e-8
    run = simulate_telegraph(k_up, k_down, duration, dt, np.random.default_rng(3), chunk=16)
    rng = np.random.default_rng(3)
    state = int(rng.random() < k_up / (k_up + k_down))
    times, now = [], 0.0
    while now < duration:
        dwell = rng.exponential(1.0, 16) * np.where((state + np.arange(16)) % 2 == 0, 1 / k_up, 1 / k_down)
        for d in dwell:
            now += d
            times.append(now)
        state = (state + 16) % 2
    first = int(np.random.default_rng(3).random() < k_up / (k_up + k_down))
    reads = np.arange(run["n_samples"]) * dt
    flips = np.searchsorted(np.array(times), reads, side="right")
    assert run["n_ones"] == int(((first + flips) % 2).sum())
    assert run["n_up"] + run["n_down"] == int(np.searchsorted(np.array(times), duration))


def test_point_matches_closed_forms_chi_square():
    design = TelegraphPBit()
    z_p, z_tau = [], []
    for k, (t, v) in enumerate([(250.0, -0.03), (300.0, 0.0), (300.0, 0.02), (350.0, 0.05), (400.0, -0.06)]):
        row = telegraph_point(
            {"engine": "sde", "temperature_K": t, "v_bias_V": v, "duration_s": 0.01, "mismatch_seed": None},
            np.random.SeedSequence([9, k]),
        )
        p, tau = _exact(design, v, t)
        z_p.append((row["p_one"] - p) / row["p_one_stderr"])
        # relative standard error of the rate-sum estimate ~ 1/sqrt(number of switches)
        z_tau.append((row["correlation_time_s"] / tau - 1) * math.sqrt(row["n_switches"]))
        assert row["energy_per_sample_J"] == pytest.approx(2 * design.supply_power * row["correlation_time_s"])
    # sum of 5 squared z-scores is chi-square(5): fail above its 99.9 % quantile
    limit = stats.chi2.ppf(0.999, 5)
    assert sum(z**2 for z in z_p) < limit
    assert sum(z**2 for z in z_tau) < limit


def test_sweep_transfer_curve_and_mismatch_shift(tmp_path):
    spec = SweepSpec("telegraph", [300.0, 350.0], [-0.02, 0.0, 0.02], mismatch_samples=40, seed=2, duration=2e-4)
    run_sweep(spec, tmp_path, workers=1, show_progress=False)
    frame = load_results(tmp_path)
    assert len(frame) == 240 and list(frame.columns[:3]) == ["temperature_K", "v_bias_V", "mismatch_index"]
    # one mismatch instance is one die: its V_mid is the same at every temperature and bias
    per_instance = frame.groupby("mismatch_index")["v_mid_V"]
    assert (per_instance.nunique() == 1).all()
    v_mid = per_instance.first().to_numpy()
    # Pelgrom sigma 3.5 mV at W = L = 1 um; 40 draws: chi-square(40) bounds at 99.9 %
    sigma = 3.5e-3
    s2 = np.sum(v_mid**2) / sigma**2
    assert stats.chi2.ppf(0.0005, 40) < s2 < stats.chi2.ppf(0.9995, 40)
    z = []
    for row in frame.itertuples():
        p, _ = _exact(TelegraphPBit(v_mid=row.v_mid_V), row.v_bias_V, row.temperature_K)
        z.append((row.p_one - p) / row.p_one_stderr)
    # 240 z-scores: chi-square(240) at 99.9 % (the stderr uses the estimated tau: small bias)
    assert np.sum(np.square(z)) < stats.chi2.ppf(0.999, 240)


def test_telegraph_refuses_spice_and_unknown_options():
    params = {"engine": "spice", "temperature_K": 300.0, "v_bias_V": 0.0, "duration_s": 1e-4, "mismatch_seed": None}
    with pytest.raises(ParameterError, match="engine sde"):
        telegraph_point(params, np.random.SeedSequence(0))
    with pytest.raises(ParameterError, match="unknown telegraph option"):
        telegraph_point({**params, "engine": "sde", "options": {"colour": 1}}, np.random.SeedSequence(0))
    with pytest.raises(ParameterError, match="slope_factor must be > 0"):
        TelegraphPBit(slope_factor=0.0)
