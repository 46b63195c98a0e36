"""Per-point durations that follow the exact correlation time, and honest low-switching points."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import expit

from noisecircuits.circuits.pbit import PBit
from noisecircuits.circuits.transfer import (
    MIN_SWITCHES,
    TARGET_SWITCHES,
    auto_duration,
    honest_binary_point,
    pbit_transfer_curve,
)
from noisecircuits.constants import thermal_voltage
from noisecircuits.fitting.data import read_pbit_data
from noisecircuits.sweeps import SweepSpec, load_results, run_sweep
from noisecircuits.sweeps.telegraph import TelegraphPBit, telegraph_point


def _floor(p, switches):
    n = max(1.0, switches / 2.0)
    shrunk = (p * n + 0.5) / (n + 1.0)
    return math.sqrt(shrunk * (1.0 - shrunk) / n)


def test_auto_duration_aims_at_the_target_switch_count():
    model = PBit(None, 0.15, 260.0)
    duration, note = auto_duration(model)
    p, tau = model.p_one_exact(), model.correlation_time_exact()
    assert note == ""
    assert 2 * p * (1 - p) / tau * duration == pytest.approx(TARGET_SWITCHES, rel=1e-9)
    capped, why = auto_duration(model, max_steps=1e5)
    assert capped == pytest.approx(max(1e-3, 1e5 * model.timescale / 20)) and "capped" in why


def test_cold_pbit_points_have_switches_and_no_nan(tmp_path):
    # issue: 260 K points ran for a fixed 1 ms (a few tau_c) and came back with NaN correlation times
    spec = SweepSpec("pbit", [260.0], [0.15, 0.16], seed=21)
    run_sweep(spec, tmp_path, show_progress=False)
    frame = load_results(tmp_path)
    assert not frame[["correlation_time_s", "energy_per_sample_J", "p_one_stderr"]].isna().any().any()
    bistable = frame[frame.v_bias_V == 0.15].iloc[0]
    assert bistable.n_switches >= MIN_SWITCHES and not bistable.low_switching and bistable.note == ""
    tau = PBit(None, 0.15, 260.0).correlation_time_exact()
    # 40 expected switches: the dwell estimate of tau_c has a relative SE of about 1/sqrt(20); 4 SE
    assert abs(bistable.correlation_time_s / tau - 1) < 4 / math.sqrt(20)
    monostable = frame[frame.v_bias_V == 0.16].iloc[0]
    assert "monostable" in monostable.note and monostable.p_one_stderr > 0
    assert (frame["p_one_stderr"] > 0).all()


def test_explicit_short_duration_is_flagged_not_silent(tmp_path):
    # issue 10: a point with zero switching events reported P(1) with a standard error of 0.00089
    spec = SweepSpec("pbit", [260.0], [0.14], seed=3, duration=1e-3)
    run_sweep(spec, tmp_path, show_progress=False)
    row = load_results(tmp_path).iloc[0]
    assert row.n_switches < MIN_SWITCHES and row.low_switching
    assert "switching events" in row.note
    assert row.p_one_stderr >= _floor(row.p_one, row.n_switches) - 1e-15
    assert row.n_effective <= max(1.0, row.n_switches / 2.0)
    if math.isnan(row.energy_per_sample_J):  # never silent: the note says why
        assert "not measurable" in row.note


def test_honest_error_covers_the_exact_p_one():
    # telegraph p-bit at x = 1 (P(1) = sigmoid(1)), ~6 expected switches per trace: every trace is flagged
    design = TelegraphPBit()
    temperature = 300.0
    v_bias = design.slope_factor * thermal_voltage(temperature)
    exact = float(expit(1.0))
    tau = design.attempt_time / (2 * math.cosh(0.5))
    duration = 6.0 / (2 * exact * (1 - exact) / tau)
    params = {"temperature_K": temperature, "v_bias_V": v_bias, "mismatch_index": None, "mismatch_seed": None,
              "duration_s": duration, "engine": "sde", "options": {}}
    covered_raw = covered_honest = 0
    trials = 400
    for seed in range(trials):
        raw = telegraph_point(params, np.random.SeedSequence(seed))
        honest = honest_binary_point(raw)
        assert honest["low_switching"] == (raw["n_switches"] < MIN_SWITCHES)
        assert honest["p_one_stderr"] >= raw["p_one_stderr"] and honest["p_one_stderr"] > 0
        if honest["low_switching"]:
            assert honest["p_one_stderr"] >= _floor(raw["p_one"], raw["n_switches"]) - 1e-15
            assert honest["n_effective"] <= max(1.0, raw["n_switches"] / 2.0)
        covered_raw += abs(raw["p_one"] - exact) <= 2 * raw["p_one_stderr"]
        covered_honest += abs(honest["p_one"] - exact) <= 2 * honest["p_one_stderr"]
    # nominal 2-sigma coverage is 0.954; with 400 trials its binomial SE is 0.011, so 0.92 is 3 SE below it
    assert covered_honest / trials >= 0.92
    assert covered_honest > covered_raw  # the trace's own error is too small on such short traces


def test_fit_reads_the_honest_weight(tmp_path):
    spec = SweepSpec("telegraph", [300.0], [-0.04, -0.02, 0.0, 0.02, 0.04], seed=2, duration=4e-6)
    run_sweep(spec, tmp_path, show_progress=False)
    frame = load_results(tmp_path)
    assert frame.low_switching.any()
    flagged = frame[frame.low_switching]
    assert (flagged.n_effective <= np.maximum(1.0, flagged.n_switches / 2.0)).all()
    data = read_pbit_data(frame)
    # the binomial n of the fit is the sweep's honest n_effective (its SE is that of the flag)
    np.testing.assert_array_equal(data.n_effective, frame.n_effective.to_numpy())


def test_transfer_curve_follows_the_correlation_time():
    frame = pbit_transfer_curve(None, [260.0], [0.145], seed=4)
    row = frame.iloc[0]
    assert row.duration_s > 1e-3 and row.n_switches >= MIN_SWITCHES and not row.low_switching
    assert not frame[["correlation_time_s", "energy_per_sample_J"]].isna().any().any()


@pytest.mark.slow
def test_issue_grid_has_no_nan(tmp_path):
    # issue 14: `sweep pbit --temperatures 260,300,340 --biases 0.12:0.16:9 --seed 21` gave 7 NaN points of 27
    spec = SweepSpec("pbit", [260.0, 300.0, 340.0], list(np.linspace(0.12, 0.16, 9)), seed=21)
    run_sweep(spec, tmp_path, workers=2, show_progress=False)
    frame = load_results(tmp_path)
    assert len(frame) == 27
    assert not frame[["correlation_time_s", "energy_per_sample_J", "p_one_stderr"]].isna().any().any()
    explained = frame.low_switching | frame.note.str.contains("monostable")
    assert ((frame.n_switches >= MIN_SWITCHES) | explained).all()
