"""Hardware-aware sampling and energy with a real cell-model JSON (the cells layer's writer)."""

import json

import numpy as np
import pytest
from scipy import stats

from noisecircuits.cli import main
from noisecircuits.gibbs.exact import exact_distribution
from noisecircuits.gibbs.graphs import ising_from_json
from noisecircuits.gibbs.hardware import HardwareMode
from noisecircuits.gibbs.sampler import sample_ising

cells = pytest.importorskip("noisecircuits.cells")
model_module = pytest.importorskip("noisecircuits.cells.model")
json_module = pytest.importorskip("noisecircuits.cells.json_format")


def _document(form="logistic", mismatch=(0.0, 0.0)):
    return {
        "schema_version": 1,
        "kind": "pbit",
        "name": "gibbs_test_cell",
        "form": form,
        "parameters": {
            "v_mid_ref_V": 0.30,
            "dv_mid_dT_V_per_K": -1.0e-3,
            "v_width_ref_V": 0.035,
            "width_exponent": 1.0,
            "t_ref_K": 300.0,
        },
        "parameter_stderr": {
            "v_mid_ref_V": None,
            "dv_mid_dT_V_per_K": None,
            "v_width_ref_V": None,
            "width_exponent": None,
            "t_ref_K": None,
        },
        "correlation_time": {
            "law": "power_arrhenius",
            "tau_peak_ref_s": 100e-9,
            "tau_activation_energy_J": 1.0e-20,
            "tau_shape_exponent": 0.5,
            "t_ref_K": 300.0,
        },
        "supply_power": {
            "law": "log_linear",
            "supply_power_ref_W": 2.0e-9,
            "supply_power_log_slope_per_K": 0.01,
            "t_ref_K": 300.0,
        },
        "energy_per_sample": {"law": "supply_power_times_2tau"},
        "mismatch": {"v_mid_sigma_V": mismatch[0], "v_width_rel_sigma": mismatch[1]},
        "validity": {"v_bias_V": [0.1, 0.5], "temperature_K": [250.0, 350.0]},
        "provenance": {
            "toolkit_version": "test",
            "source": "tests/gibbs/test_real_cell.py",
            "source_sha256": None,
            "created_utc": "2026-01-01T00:00:00Z",
            "fit_quality": {},
        },
    }


@pytest.fixture
def cell_file(tmp_path):
    def write(**kwargs):
        cell = model_module.cell_from_document(_document(**kwargs))
        path = tmp_path / "cell.json"
        json_module.write_json(cell, path)
        return path

    return write


@pytest.fixture
def model_file(tmp_path):
    rng = np.random.default_rng(5)
    couplings = [[i, j, float(rng.normal(0, 0.6))] for i in range(6) for j in range(i + 1, 6) if rng.random() < 0.5]
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"spins": 6, "beta": 0.8, "biases": rng.normal(0, 0.4, 6).tolist(), "couplings": couplings}))
    return path


def test_real_logistic_cell_reproduces_ideal_sampling(cell_file, model_file):
    cell = cells.load_cell(cell_file())
    model = ising_from_json(model_file)
    mode = HardwareMode(cell, temperature=320.0, update_interval=50e-9)
    # the fitted logistic law with the ideal gain 2 beta v_width(T) equals sigma(2 beta I)
    assert mode.ideal_gain(model.beta) == pytest.approx(2 * model.beta * cell.v_width(320.0), rel=1e-6)
    run = sample_ising(model, sweeps=1, burn_in=100, chains=20000, seed=3, hardware=mode)
    p = exact_distribution(model)
    expected = p * run.histogram.sum()
    chi2 = float(np.sum((run.histogram - expected) ** 2 / expected))
    assert stats.chi2.sf(chi2, p.size - 1) > 1e-3  # chi-square test at the 0.1 % level


def test_cli_with_a_real_cell(cell_file, model_file, capsys):
    path = cell_file(mismatch=(0.02, 0.2))
    argv = ["gibbs", "model", str(model_file), "--samples", "20000", "--burn-in", "50", "--cell", str(path), "--json"]
    assert main(argv) == 0
    ideal = json.loads(capsys.readouterr().out)["distortion"]
    assert main([*argv, "--mismatch", "--chip-seed", "2"]) == 0
    mismatched = json.loads(capsys.readouterr().out)["distortion"]
    # 20 mV / 35 mV midpoint spread: the KL grows well past the ideal cell's finite-sample level
    assert mismatched["kl_divergence_nats"] > 5 * max(ideal["kl_divergence_nats"], ideal["kl_finite_sample_bias_nats"])
    argv = ["energy", "--cell", str(path), "--graph", "ising2d", "--size", "16", "--sweeps", "10", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    # random-source energy = supply power (2 nW at 300 K) x update interval (100 ns) = 0.2 fJ
    assert result["breakdown_J"]["rng"] == pytest.approx(2e-9 * 100e-9, rel=1e-9)


def test_cli_cell_reports_beta_eff_and_distortion(cell_file, model_file, capsys):
    path = cell_file()
    argv = ["gibbs", "ising2d", "--size", "12", "--beta", "0.3", "--sweeps", "2000", "--burn-in", "100",
            "--cell", str(path), "--temperature", "320", "--json"]  # fmt: skip
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    shift = result["distortion"]
    # the logistic cell with its ideal gain is exactly the heat-bath update: no shift beyond 4 combined SE
    assert abs(shift["energy_per_spin_shift"]) < 4 * shift["energy_per_spin_shift_stderr"]
    assert abs(shift["abs_magnetization_shift"]) < 4 * shift["abs_magnetization_shift_stderr"]
    # pseudo-likelihood from 4 x 200 snapshots of 144 spins: about 1 % statistical error; 5 % allowed
    assert result["beta_eff"] == pytest.approx(0.3, rel=0.05)
    argv = ["gibbs", "model", str(model_file), "--samples", "20000", "--burn-in", "50", "--cell", str(path), "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    # beta_eff from the exact mean energy: the sampled energy's 4 SE map to a few % in beta
    assert result["beta_eff"] == pytest.approx(0.8, rel=0.05)
    assert result["distortion"]["kl_divergence_nats"] < 10 * result["distortion"]["kl_finite_sample_bias_nats"]


def test_cli_bias_network_matched_and_drifted(cell_file, model_file, capsys):
    # a probit cell (v_mid drifts -1 mV/K, width 35 mV) behind the default lookup-table network
    path = cell_file(form="probit")
    argv = ["gibbs", "model", str(model_file), "--samples", "20000", "--burn-in", "50", "--cell", str(path),
            "--temperature", "300", "--json"]  # fmt: skip
    assert main(argv) == 0
    matched = json.loads(capsys.readouterr().out)
    assert matched["bias_network"] == {"kind": "inverse", "design_temperature_K": 300.0}
    # the matched chip samples the exact law: KL within 1.5 of its finite-sample level (its scatter)
    assert matched["distortion"]["kl_divergence_nats"] < 1.5 * matched["distortion"]["kl_finite_sample_bias_nats"]
    assert main([*argv[:-1], "--design-temperature", "280", "--json"]) == 0
    drifted = json.loads(capsys.readouterr().out)
    assert drifted["bias_network"] == {"kind": "inverse", "design_temperature_K": 280.0}
    # 20 K of drift moves v_mid 20 mV (0.6 width): far past the finite-sample level
    assert drifted["distortion"]["kl_divergence_nats"] > 5 * drifted["distortion"]["kl_finite_sample_bias_nats"]
    assert main([*argv, "--bias-network", "linear"]) == 0
    assert json.loads(capsys.readouterr().out)["bias_network"]["kind"] == "linear"


def test_cli_bias_network_bad_design_temperature(cell_file, model_file, run_cli_limited):
    result = run_cli_limited("gibbs", "model", str(model_file), "--cell", str(cell_file()), "--design-temperature", "500")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and "--design-temperature" in result.stderr
