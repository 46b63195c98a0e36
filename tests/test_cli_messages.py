"""Every refusal names the user's option and the allowed range, in exactly one line."""

import json
import re
from pathlib import Path

import pytest

from noisecircuits.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "example_pbit_transfer.csv"
#: snake_case words are internal names (``sweep_energy_j``, ``v_bias``): none may appear before "got"
INTERNAL = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")

CASES = [
    (["simulate", "double-well", "--tau", "1e-320"], "--tau must be in [1e-15, 1e+06] [s]"),
    (["simulate", "pbit", "--v-bias", "0.9"], "--v-bias must be in [-0.2, 0.6] [V]"),
    (["simulate", "pbit", "--temperature", "1000"], "--temperature must be in [200, 450] [K]"),
    (["simulate", "pbit", "--record-every", "10000000000"], "--record-every must be in [1, "),
    (["simulate", "double-well", "--duration", "1e-6", "--dt", "1e-320"], "asks for inf steps per path"),
    (["energy", "--cell-energy", "-1"], "--cell-energy must be in [0, 1e-06] [J]"),
    (["energy", "--bias-energy", "1e300"], "--bias-energy must be in [0, 1e-06] [J]"),
    (["energy", "--clock-energy", "1e308"], "--clock-energy must be in [0, 1e-06] [J]"),
    (["energy", "--signal-voltage", "-0.5"], "--signal-voltage must be in [0, 10] [V]"),
    (["energy", "--wire-capacitance", "1"], "--wire-capacitance must be in [0, 1e-06] [F/m]"),
    (["energy", "--energy-per-flop", "1e-320"], "--energy-per-flop must be in [1e-18, 1e-06] [J/FLOP]"),
    (["energy", "--toggle-rate", "1.5"], "--toggle-rate must be in [0, 1]"),
    (["energy", "--beta", "-1"], "--beta must be in [0, 1000]"),
    (["energy", "--temperature", "1e308"], "--temperature must be in [200, 450] [K]"),
    (["energy", "--temperature", "1e308", "--cell", "CELL"], "--temperature must be in [200, 450] [K]"),
    (["spice", "ktc", "--resistance", "1e-320"], "--resistance must be in [0.001, 1e+12] [Ohm]"),
    (["spice", "ktc", "--capacitance", "1e-30"], "--capacitance must be in [1e-18, 1] [F]"),
    (["spice", "ktc", "--duration", "1e-12"], "--duration must be at least 100 RC"),
    (["spice", "ktc", "--temperature", "1"], "--temperature must be in [200, 450] [K]"),
]


@pytest.fixture(scope="module")
def cell(tmp_path_factory):
    path = tmp_path_factory.mktemp("cell") / "cell.json"
    assert main(["fit", "transfer", str(DATA), "--out", str(path)]) == 0
    return path


@pytest.mark.parametrize(("argv", "expected"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_message_names_the_option_and_its_range(capsys, cell, argv, expected):
    capsys.readouterr()
    argv = [str(cell) if a == "CELL" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert expected in lines[0]
    assert not INTERNAL.findall(lines[0].split(" got ")[0].split("error: ", 1)[1]), lines[0]


def test_warnings_do_not_add_lines_to_an_error(capsys, cell):
    import warnings

    # out of the cell's validity range (a warning) and a cell without a power model (the error)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["energy", "--temperature", "440", "--cell", str(cell), "--size", "4", "--sweeps", "5"]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_warnings_of_a_successful_run_are_printed(capsys, cell, monkeypatch):
    import warnings

    from noisecircuits.commands import energy

    real = energy.run_energy

    def noisy(args):
        warnings.warn("a test warning", UserWarning)
        return real(args)

    monkeypatch.setattr(energy, "run_energy", noisy)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["energy", "--size", "4", "--sweeps", "5", "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["cells"] == 16
    assert out.err.splitlines() == ["noisecircuits: warning: a test warning"]
