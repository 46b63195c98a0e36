"""The pbit kind runs the reference p-bit circuit and agrees with its Fokker-Planck solution."""

import numpy as np
import pytest

from noisecircuits.errors import ParameterError
from noisecircuits.sweeps import SweepSpec, load_results, run_sweep

pbit_module = pytest.importorskip("noisecircuits.circuits.pbit")


@pytest.mark.slow
def test_pbit_sweep_point_agrees_with_exact_occupation(tmp_path):
    spec = SweepSpec("pbit", [300.0], [0.125], mismatch_samples=1, seed=4, duration=1e-3)
    run_sweep(spec, tmp_path, workers=1, show_progress=False)
    row = load_results(tmp_path).iloc[0]
    for column in ("p_one", "p_one_stderr", "n_samples", "n_ones", "n_effective", "correlation_time_s",
                   "supply_power_W", "energy_per_sample_J", "delta_vth_nmos_V", "delta_vth_bias_nmos_V"):
        assert column in row.index
    assert row["n_ones"] / row["n_samples"] == pytest.approx(row["p_one"], abs=1e-9)
    assert row["energy_per_sample_J"] == pytest.approx(2 * row["supply_power_W"] * row["correlation_time_s"])
    # the same perturbed die, rebuilt from the shifts, gives the exact P(1) to compare with
    from dataclasses import replace

    design = pbit_module.PBitDesign.default()
    die = replace(
        design,
        nmos=replace(design.nmos, threshold_voltage=design.nmos.threshold_voltage + row["delta_vth_nmos_V"]),
        pmos=replace(design.pmos, threshold_voltage=design.pmos.threshold_voltage + row["delta_vth_pmos_V"]),
        bias_nmos=replace(design.bias_nmos,
                          threshold_voltage=design.bias_nmos.threshold_voltage + row["delta_vth_bias_nmos_V"]),
    )
    exact = pbit_module.PBit(die, v_bias=0.125, temperature=300.0).p_one_exact()
    # 4 standard errors of the trace's own estimate (about 300 correlation times: stderr ~ 0.04)
    assert abs(row["p_one"] - exact) < 4 * row["p_one_stderr"]
    assert np.isfinite(row["correlation_time_s"]) and row["supply_power_W"] > 0


def test_unsupported_engine_and_unknown_options_are_refused(tmp_path):
    from noisecircuits.sweeps.circuit_kinds import categorical_point, pbit_point

    params = {"engine": "spice", "temperature_K": 300.0, "v_bias_V": 0.12, "duration_s": 1e-5, "mismatch_seed": None}
    with pytest.raises(ParameterError, match="use --engine sde"):
        categorical_point(params, np.random.SeedSequence(0))
    with pytest.raises(ParameterError, match="unknown design option"):
        pbit_point({**params, "engine": "sde", "options": {"gain": 2}}, np.random.SeedSequence(0))
    with pytest.raises(ParameterError, match="supports engine sde"):
        run_sweep(SweepSpec("categorical", [300.0], [0.12], engine="spice"), tmp_path, show_progress=False)


@pytest.mark.slow
@pytest.mark.requires_ngspice
def test_pbit_spice_engine_is_reproducible_and_near_the_model(tmp_path):
    design = pbit_module.PBitDesign.default()
    v_mid = pbit_module.v_mid(design, 300.0)
    # 30 us: some 20 correlation times of the BSIM4 latch, enough for a reproducibility check
    spec = SweepSpec("pbit", [300.0], [v_mid], engine="spice", seed=3, duration=3e-5)
    run_sweep(spec, tmp_path, workers=1, show_progress=False)
    row = load_results(tmp_path).iloc[0]
    assert row["n_ones"] / row["n_samples"] == pytest.approx(row["p_one"], abs=1e-9)
    assert row["n_switches"] > 0 and row["supply_power_W"] > 0
    # the point seed fixes the ngspice noise streams: a second sweep gives the same row
    run_sweep(spec, tmp_path / "again", workers=1, show_progress=False)
    assert load_results(tmp_path / "again").iloc[0]["p_one"] == row["p_one"]
    # BSIM4 devices of the default design's sizes are not the EKV devices of the SDE model (the
    # calibrated comparison is noisecircuits.validation.crosscheck): 4 SE plus a 0.15 model-mismatch budget
    assert abs(row["p_one"] - 0.5) < 4 * row["p_one_stderr"] + 0.15


@pytest.mark.slow
def test_categorical_symmetric_point_has_equal_occupations_and_plots(tmp_path):
    pytest.importorskip("noisecircuits.circuits.categorical")
    from scipy import stats

    from noisecircuits import cli
    from noisecircuits.circuits.categorical import CategoricalDesign

    v_nominal = CategoricalDesign.default().v_nominal
    run_sweep(SweepSpec("categorical", [300.0], [v_nominal], seed=2, duration=1e-4), tmp_path, workers=1,
              show_progress=False)
    row = load_results(tmp_path).iloc[0]
    p = np.array([row[f"occupations_{k}"] for k in range(4)])
    se = np.array([row[f"occupations_stderr_{k}"] for k in range(4)])
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    # all controls equal: the four states are exchangeable, so P(k) = 1/4 exactly. With se_k^2 = p(1-p)/n_eff,
    # sum z_k^2 = Pearson's statistic / (1 - p) = (4/3) chi2(3) for a multinomial of n_eff draws: 99.9 % bound
    assert np.sum(((p - 0.25) / se) ** 2) < stats.chi2.ppf(0.999, 3) * 4 / 3
    assert cli.main(["plot", "occupations", str(tmp_path), "--out", str(tmp_path / "occ.png")]) == 0
    assert (tmp_path / "occ.png").stat().st_size > 1000


@pytest.mark.slow
def test_continuous_point_weight_agrees_with_exact_mixture(tmp_path):
    continuous = pytest.importorskip("noisecircuits.circuits.continuous")
    run_sweep(SweepSpec("continuous", [300.0], [0.125], seed=3, duration=5e-4), tmp_path, workers=1,
              show_progress=False)
    row = load_results(tmp_path).iloc[0]
    exact = continuous.ContinuousCell(v_bias=0.125, temperature=300.0).mixture()
    # mode weight = the p-bit's P(1) (Fokker-Planck); 4 standard errors of the trace estimate
    assert abs(row["weight_one"] - exact["weight_one"]) < 4 * row["weight_one_stderr"]
    assert row["mean_mode1_V"] > row["mean_mode0_V"]  # state 1 selects v_mode_a = 40 mV > v_mode_b = 0
    assert row["energy_per_sample_J"] == pytest.approx(2 * row["supply_power_W"] * row["correlation_time_s"])
