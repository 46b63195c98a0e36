"""gibbs command line: bad and extreme input is refused up front with one line and exit 2; new outputs."""

import json

import numpy as np
import pytest

from noisecircuits.cli import main

SMALL = ["--size", "8", "--beta", "0.3", "--sweeps", "50", "--burn-in", "10"]


def _one_line_exit_2(proc, fragment):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and fragment in proc.stderr
    assert proc.stdout == ""


def _model(tmp_path, text, name="model.json"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ('{"spins": 2, "beta": 1, "couplings": [[0, 1, 1e300]]}', "magnitude <= 1e+100"),
        ('{"spins": 2, "beta": 1, "biases": [1e300, 0]}', "magnitude <= 1e+100"),
        ('{"spins": 2, "beta": 1e300, "couplings": [[0, 1, 1]]}', "magnitude <= 1e+100"),
        ('{"spins": 2, "beta": 1e90, "couplings": [[0, 1, 1]]}', "largest local field"),
        ('{"spins": 99999999999999999999999, "beta": 1}', "'spins' must be an integer in 1.."),
        ('{"spins": 2, "couplings": [[0, 1, ' + "9" * 400 + "]]}", "couplings[0] J"),
        ('{"spins": 2, "couplings": [[0, 1, ' + "9" * 5000 + "]]}", "cannot be read"),
        ('{"spins": 2, "couplings": [[0, 1, 1e29]]}', "largest local field"),
        ('{"spins": 2, "couplings": [[0, 1000000000000, 1]]}', "outside 0..1"),
        ('{"spins": 1000000000000}', "'spins' must be an integer in 1.."),
        ('{"spins": 2000000000}', "memory"),
        ("[" * 100000 + "]" * 100000, "nested too deeply"),
    ],
)
def test_extreme_model_files(tmp_path, run_cli_limited, document, fragment):
    path = _model(tmp_path, document)
    _one_line_exit_2(run_cli_limited("gibbs", "model", path, "--samples", "10", "--burn-in", "0", "--json"), fragment)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--size", "1000000000", "--beta", "0.3"], "memory"),
        (["--size", "16", "--beta", "0.3", "--sweeps", "100000000000000"], "memory"),
        (["--size", "16", "--beta", "0.3", "--chains", "10000000"], "memory"),
        (["--size", "16", "--beta", "0.3", "--chains", "1000000000"], "memory"),
        (["--size", "256", "--beta", "0.3", "--sweeps", "100000000", "--max-memory", "1000"], "would take"),
        (["--size", "8", "--beta", "0.3", "--chains", "0"], "--chains"),
        (["--size", "8", "--beta", "0.3", "--r-hat-max", "1.0"], "--r-hat-max"),
        (["--size", "8", "--beta", "0.3", "--r-hat-max", "0.5"], "--r-hat-max"),
        (["--size", "8", "--beta", "1e300"], "--beta"),
    ],
)
def test_extreme_lattice_arguments(run_cli_limited, extra, fragment):
    _one_line_exit_2(run_cli_limited("gibbs", "ising2d", *extra, "--json"), fragment)


def test_temperature_far_out_of_range_with_a_cell_is_one_line(tmp_path, run_cli_limited):
    # the range is checked before the cell file is even read
    cell = _model(tmp_path, "{}", "cell.json")
    _one_line_exit_2(run_cli_limited("gibbs", "ising2d", *SMALL, "--cell", cell, "--temperature", "1e308"),
                     "--temperature must be in [200, 450] K")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("1 -1 1", "must hold 64 values"),
        (json.dumps([1] * 63 + [0]), "only +1 and -1"),
        (json.dumps([[1] * 64] * 3), "must hold 64 values"),
        ("up down", "must hold numbers"),
        ("[" * 5000, "must hold numbers"),
    ],
)
def test_bad_init_files(tmp_path, run_cli_limited, content, fragment):
    path = _model(tmp_path, content, "init.txt")
    _one_line_exit_2(run_cli_limited("gibbs", "ising2d", *SMALL, "--init", path), fragment)


def test_missing_init_file(run_cli_limited, tmp_path):
    _one_line_exit_2(run_cli_limited("gibbs", "ising2d", *SMALL, "--init", tmp_path / "nope"), "does not exist")


def test_init_file_equals_named_start(tmp_path, capsys):
    path = _model(tmp_path, " ".join(["1"] * 64), "up.txt")
    outs = []
    for init in ("up", str(path)):
        assert main(["gibbs", "ising2d", *SMALL, "--init", init, "--seed", "2", "--json"]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0]["energy_per_spin"] == outs[1]["energy_per_spin"]
    per_chain = np.array([[-1] * 64, [1] * 64])
    path.write_text(json.dumps(per_chain.tolist()))
    assert main(["gibbs", "ising2d", *SMALL, "--chains", "2", "--init", str(path), "--json"]) == 0


def test_help_shows_defaults_and_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["gibbs", "ising2d", "--help"])
    text = capsys.readouterr().out
    text = " ".join(text.split())
    assert "(default: 300)" in text and "(default: 4)" in text and "example: noisecircuits gibbs ising2d" in text
