"""The energy command line."""

import json

import pytest

from noisecircuits.cli import main


def test_denoising_chip_from_the_command_line(capsys):
    argv = ["energy", "--cell-energy", "1.3e-15", "--graph", "ising2d", "--size", "70", "--sweeps", "250", "--steps", "8"]
    assert main([*argv, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    # T K L^2 E_cell = 12.74 nJ, "about 13 nJ" (docs/physics.md §6)
    assert result["energy_per_sample_J"] == pytest.approx(12.74e-9, rel=1e-12)
    assert result["energy_per_update_J"] == 1.3e-15
    assert result["energy_per_sweep_J"] == pytest.approx(4900 * 1.3e-15)
    assert set(result["breakdown_J"]) == {"rng", "bias", "wire", "clock"}
    # GPU: 8*250*4900 updates x 23 FLOPs x 0.71 pJ
    assert result["gpu_baseline_J"] == pytest.approx(8 * 250 * 4900 * 23 * 0.71e-12)


def test_term_by_term_model_and_degree12(capsys):
    argv = ["energy", "--graph", "degree12", "--size", "20", "--sweeps", "10", "--toggle-rate", "0.5", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    b = result["breakdown_J"]
    assert b["bias"] == pytest.approx(12 * 50e-18) and b["wire"] == pytest.approx(0.5e-15)
    assert result["energy_per_update_J"] == pytest.approx(sum(b.values()))


def test_errors(capsys):
    assert main(["energy", "--size", "2", "--sweeps", "5"]) == 2
    assert "--size must be >= 3" in capsys.readouterr().err
    assert main(["energy", "--size", "10", "--sweeps", "5", "--wire-length", "-1"]) == 2
    assert "--wire-length must be in [0, 1]" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["energy", "--size", "10", "--sweeps", "5", "--cell", "a.json", "--cell-energy", "1e-15"])
