"""`noisecircuits fit transfer` / `noisecircuits export` and calibrate_pbit_cell, end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from noisecircuits.cells import load_cell
from noisecircuits.cells.calibrate import calibrate_pbit_cell
from noisecircuits.cells.csv_format import read_lookup_csv
from noisecircuits.cli import main
from noisecircuits.fitting.correlation import correlation_time
from noisecircuits.fitting.transfer_law import p_one

LAW = {"v_mid_ref_V": 0.3, "dv_mid_dT_V_per_K": -2e-3, "v_width_ref_V": 0.03, "width_exponent": 1.0, "t_ref_K": 300.0}
TAU = {"tau_peak_ref_s": 1e-7, "tau_activation_energy_J": 3e-20, "tau_shape_exponent": 0.5, "t_ref_K": 300.0}


# one fixed draw; coverage of the error bars over many seeds is tested in tests/fitting/test_pbit_fit.py
def _sweep(seed=0):
    rng = np.random.default_rng(seed)
    t = np.repeat([275.0, 300.0, 325.0], 13)
    v = np.tile(np.linspace(0.2, 0.4, 13), 3)
    p = p_one("logistic", LAW, v, t)
    n = np.full(t.size, 20_000)
    n_eff = n / 10.0
    ones = rng.binomial(n_eff.astype(int), p) * 10
    tau = correlation_time(TAU, p, t) * np.exp(rng.normal(0, 0.03, t.size))
    power = 2e-9 * np.exp(0.01 * (t - 300.0))
    return pd.DataFrame(
        {
            "temperature_K": t, "v_bias_V": v, "p_one": ones / n, "p_one_stderr": np.sqrt(p * (1 - p) / n_eff),
            "n_samples": n, "n_ones": ones, "n_effective": n_eff, "correlation_time_s": tau,
            "supply_power_W": power, "energy_per_sample_J": 2 * power * tau,
        }
    )


def test_calibrate_writes_model_and_four_exports(tmp_path):
    cell, paths = calibrate_pbit_cell(_sweep(), form="logistic", out_dir=tmp_path / "out")
    assert set(paths) == {"json", "spice", "verilog_a", "csv"}
    assert all(p.is_file() for p in paths.values())
    assert cell.form == "logistic" and cell.fit_quality["criterion"] == "given"
    for name, value in LAW.items():
        se = cell.parameter_stderr[name]
        if se is not None:
            # fixed seed; 4 sigma per parameter keeps the family-wise false-alarm rate of the
            # four fitted parameters below 3e-4 (Gaussian tails)
            assert abs(cell.parameters[name] - value) <= 4 * se, name
    again = load_cell(paths["json"])
    assert again.to_document() == cell.to_document()
    table = read_lookup_csv(paths["csv"])
    assert np.array_equal(table["energy_per_sample_J"], cell.energy_per_sample(table["v_bias_V"], table["temperature_K"]))
    # the correlation-time law recovers the generating one (3 % log-normal scatter, 39 points)
    assert cell.correlation_time_law["tau_shape_exponent"] == pytest.approx(0.5, abs=0.05)
    assert cell.supply_power(300.0) == pytest.approx(2e-9, rel=1e-9)
    assert ".subckt pbit_cell ctl out" in paths["spice"].read_text()
    assert cell.provenance["source_sha256"] and len(cell.provenance["source_sha256"]) == 64


def test_auto_form_picks_the_two_rate_law_equivalent_to_the_generating_one(tmp_path):
    # a logistic P(1) with tau_c = tau_peak (4 P (1 - P))^(1/2) and width proportional to T is exactly
    # ln k01 = ln(P / tau_c), ln k10 = ln((1 - P) / tau_c) linear in u and in 1/T: the degree-(1, 1)
    # two-rate law, fitted jointly to counts and times; AIC must prefer it to higher degrees
    cell, _ = calibrate_pbit_cell(_sweep(), out_dir=tmp_path / "out")
    quality = cell.fit_quality
    assert cell.form == "two_rate" and quality["criterion"] == "aicc"
    assert (quality["bias_degree"], quality["activation_degree"]) == (1, 1)
    scores = {k: v for k, v in quality.items() if k.startswith("aicc_")}
    assert quality["aicc"] == min(scores.values()) and len(scores) >= 5
    v = np.linspace(0.2, 0.4, 41)
    for t in (275.0, 300.0, 325.0):
        # 39 points of 2000 effective samples: P(1) to a few 0.001 (about 3 binomial standard errors)
        assert np.max(np.abs(cell.p_one(v, t) - p_one("logistic", LAW, v, t))) < 0.01
        p = p_one("logistic", LAW, v, t)
        # 3 % scatter on 39 times: the law to 5 %
        assert np.allclose(cell.correlation_time(v, t), correlation_time(TAU, p, t), rtol=0.05)


def test_cli_fit_and_export(tmp_path, capsys):
    sweep_dir = tmp_path / "sweep"
    sweep_dir.mkdir()
    _sweep(1).to_parquet(sweep_dir / "results.parquet")
    out = tmp_path / "cell.json"
    assert main(["fit", "transfer", str(sweep_dir), "--kind", "pbit", "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"form", "parameters", "stderr", "log_likelihood", "n_points"} <= set(result)
    assert result["n_points"] == 39 and result["stderr"]["t_ref_K"] is None
    assert out.is_file()
    for fmt, suffix in (("spice", ".cir"), ("verilog-a", ".va"), ("csv", ".csv"), ("json", ".json")):
        target = tmp_path / f"exported{suffix}"
        assert main(["export", str(out), "--format", fmt, "--out", str(target), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["out"] == str(target)
        assert target.is_file()
    assert load_cell(tmp_path / "exported.json").to_document() == load_cell(out).to_document()


def test_cli_fits_the_example_lab_csv(tmp_path, capsys):
    from pathlib import Path

    csv_path = Path(__file__).resolve().parents[2] / "data" / "example_pbit_transfer.csv"
    sidecar = json.loads(csv_path.with_suffix(".json").read_text())
    out = tmp_path / "lab_cell.json"
    assert main(["fit", "transfer", str(csv_path), "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["form"] == sidecar["true_form"]
    for name, value in sidecar["true_parameters"].items():
        if name != "t_ref_K":
            # the file is one fixed draw: 3 sigma
            assert abs(result["parameters"][name] - value) <= 3 * result["stderr"][name], name


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("v_bias_V,temperature_K,n_ones\n0,300,1\n", "missing column"),
        ("v_bias_V,temperature_K,n_ones,n_samples\n0,300,x,10\n", "row 1, column n_ones"),
        ("v_bias_V,temperature_K,n_ones,n_samples\n0,300,0,10\n0.1,300,0,10\n", "too narrow"),
    ],
)
def test_cli_bad_input_one_line_exit_2_no_file(tmp_path, capsys, content, message):
    data = tmp_path / "lab.csv"
    data.write_text(content)
    out = tmp_path / "cell.json"
    assert main(["fit", "transfer", str(data), "--out", str(out), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [data]


def test_cli_export_bad_cell(tmp_path, capsys):
    bad = tmp_path / "cell.json"
    bad.write_text('{"schema_version": 7}')
    target = tmp_path / "x.cir"
    assert main(["export", str(bad), "--format", "spice", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "schema_version" in err and err.count("\n") == 1
    assert not target.exists()


def test_mismatch_statistics_recover_the_instance_spread():
    from noisecircuits.cells.calibrate import mismatch_statistics
    from noisecircuits.fitting.data import read_pbit_data

    rng = np.random.default_rng(8)
    n_instances, sigma_mid, sigma_rel = 40, 0.01, 0.1
    frames = []
    for index in range(n_instances):
        law = dict(LAW, v_mid_ref_V=0.3 + sigma_mid * rng.normal(), v_width_ref_V=0.03 * (1 + sigma_rel * rng.normal()))
        v = np.linspace(0.15, 0.45, 21)
        p = p_one("logistic", law, v, 300.0)
        frames.append(pd.DataFrame({"v_bias_V": v, "temperature_K": 300.0, "n_samples": 20_000,
                                    "n_ones": rng.binomial(20_000, p), "mismatch_index": index}))
    stats = mismatch_statistics(read_pbit_data(pd.concat(frames)), form="logistic", t_ref=300.0)
    # 40 instances: a sample std has relative error 1/sqrt(78) = 11 %; allow 3.5 of those
    assert stats["v_mid_sigma_V"] == pytest.approx(sigma_mid, rel=3.5 / np.sqrt(78))
    assert stats["v_width_rel_sigma"] == pytest.approx(sigma_rel, rel=3.5 / np.sqrt(78))
    no_index = read_pbit_data(frames[0].drop(columns="mismatch_index"))
    assert mismatch_statistics(no_index, form="logistic", t_ref=300.0) == {"v_mid_sigma_V": 0.0, "v_width_rel_sigma": 0.0}


def test_cell_carries_the_fit_covariance(tmp_path):
    from noisecircuits.fitting import fit_pbit_temperature_ml

    cell, paths = calibrate_pbit_cell(_sweep(), form="logistic", out_dir=tmp_path)
    names, matrix = load_cell(paths["json"]).parameter_covariance
    fit = fit_pbit_temperature_ml(_sweep(), form=cell.form)
    assert names == fit.parameter_names
    assert np.array_equal(matrix, fit.covariance)
    assert np.allclose(np.sqrt(np.diag(matrix)), [cell.parameter_stderr[n] for n in names], rtol=1e-15)
