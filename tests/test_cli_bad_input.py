"""Audit of the command line against bad input.

For every sub-command a battery of bad inputs must give: exit status 2, exactly one non-empty
line on stderr that names the offending option or parameter, no Python traceback, and no
``--out`` target left behind. Most cases run in-process through :func:`noisecircuits.cli.main`
(fast); a few representative ones run the installed console script in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from noisecircuits.cli import main

#: Short simulation options: every case that gets as far as simulating stays well under a second.
SIM = ["--duration", "1e-6", "--seed", "1"]
WELL = ["simulate", "double-well", "--barrier", "3", "--tau", "1e-6", "--duration", "1e-5", "--seed", "1"]
ISING = ["gibbs", "ising2d", "--size", "4", "--beta", "0.4", "--sweeps", "5", "--burn-in", "1"]
ENERGY = ["energy", "--size", "4", "--sweeps", "5"]
SWEEP = ["sweep", "pbit", "--biases", "0.1"]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working directory holding the broken input files the cases refer to."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notjson.json").write_text("not json {", encoding="utf-8")
    (tmp_path / "badindex.json").write_text(
        json.dumps({"spins": 2, "beta": 1.0, "biases": [0.0, 0.0], "couplings": [[0, 5, 1.0]]}), encoding="utf-8"
    )
    (tmp_path / "textcell.csv").write_text(
        "v_bias_V,temperature_K,n_ones,n_samples\n0.1,300,abc,100\n0.2,300,50,100\n", encoding="utf-8"
    )
    (tmp_path / "afile").write_text("a regular file, so afile/... cannot be a directory\n", encoding="utf-8")
    (tmp_path / "emptydir").mkdir()
    (tmp_path / "emptydir.csv").mkdir()  # a directory whose name looks like an output file
    return tmp_path


# (argv, text the one stderr line must contain, --out target that must not exist afterwards)
CASES = [
    # --- simulate double-well: numbers, options, --out
    pytest.param(["simulate", "double-well", "--barrier", "nan", "--tau", "1e-6", "--duration", "1e-5"],
                 "--barrier", None, id="well-barrier-nan"),
    pytest.param(["simulate", "double-well", "--barrier", "-1", "--tau", "1e-6", "--duration", "1e-5"],
                 "--barrier", None, id="well-barrier-negative"),
    pytest.param(["simulate", "double-well", "--barrier", "3", "--tau", "abc", "--duration", "1e-5"],
                 "--tau", None, id="well-tau-text"),
    pytest.param(["simulate", "double-well", "--barrier", "3", "--tau", "1e-6", "--duration", "inf"],
                 "--duration", None, id="well-duration-inf"),
    pytest.param(["simulate", "double-well", "--barrier", "3", "--tau", "1e-6", "--duration", "0"],
                 "--duration", None, id="well-duration-zero"),
    pytest.param([*WELL, "--bogus"], "--bogus", None, id="well-unknown-option"),
    pytest.param([*WELL, "--dt", "1e-3"], "dt", None, id="well-dt-above-timescale"),
    pytest.param([*WELL, "--paths", "0"], "--paths", None, id="well-paths-zero"),
    pytest.param([*WELL[:-1], "-1"], "--seed", None, id="well-seed-negative"),
    pytest.param([*WELL, "--solver", "rk4"], "--solver", None, id="well-unknown-solver"),
    pytest.param([*WELL, "--out", "trace.txt"], "--out", "trace.txt", id="well-out-wrong-suffix"),
    pytest.param([*WELL, "--out", "afile/trace.csv"], "--out", "afile/trace.csv", id="well-out-unwritable-dir"),
    pytest.param([*WELL, "--out", "afile/deeper/trace.csv"], "--out", "afile/deeper/trace.csv",
                 id="well-out-below-a-file"),
    pytest.param([*WELL, "--out", "emptydir.csv/"], "--out", None, id="well-out-trailing-slash"),
    # --- simulate pbit / categorical / continuous
    pytest.param(["simulate", "pbit", "--temperature", "1000", *SIM], "temperature", None, id="pbit-temperature-hot"),
    pytest.param(["simulate", "pbit", "--temperature", "0", *SIM], "--temperature", None, id="pbit-temperature-zero"),
    pytest.param(["simulate", "pbit", "--temperature", "-300", *SIM], "--temperature", None,
                 id="pbit-temperature-negative"),
    pytest.param(["simulate", "pbit", "--temperature", "10", *SIM], "temperature", None, id="pbit-temperature-cold"),
    pytest.param(["simulate", "pbit", "--temperature", "300", "--v-bias", "50", *SIM], "--v-bias", None,
                 id="pbit-v-bias-out-of-range"),
    pytest.param(["simulate", "pbit", "--temperature", "300", "--v-bias", "nan", *SIM], "--v-bias", None,
                 id="pbit-v-bias-nan"),
    pytest.param(["simulate", "pbit", "--temperature", "300", *SIM, "--out", "afile/p.parquet"], "--out",
                 "afile/p.parquet", id="pbit-out-unwritable-dir"),
    pytest.param(["simulate", "categorical", "--temperature", "300", "--v-controls", "0.05,0.05", *SIM],
                 "v_controls", None, id="categorical-too-few-controls"),
    pytest.param(["simulate", "categorical", "--temperature", "300", "--v-controls", "", *SIM], "--v-controls", None,
                 id="categorical-empty-list"),
    pytest.param(["simulate", "categorical", "--temperature", "300", "--v-controls", "0:1:0", *SIM], "--v-controls",
                 None, id="categorical-range-count-zero"),
    pytest.param(["simulate", "categorical", "--temperature", "300", "--v-controls", "0.05,nan,0.05,0.05", *SIM],
                 "--v-controls", None, id="categorical-list-nan"),
    pytest.param(["simulate", "continuous", "--temperature", "300", "--v-modes", "0.1", *SIM], "v_modes", None,
                 id="continuous-one-mode"),
    pytest.param(["simulate", "continuous", "--temperature", "300", "--v-modes", "0.1,abc", *SIM], "--v-modes", None,
                 id="continuous-mode-text"),
    # --- spice (argument checks happen before ngspice is needed)
    pytest.param(["spice", "ktc", "--resistance", "-1", "--capacitance", "1e-12", "--duration", "1e-6"],
                 "--resistance", None, id="ktc-resistance-negative"),
    pytest.param(["spice", "ktc", "--resistance", "1e3", "--capacitance", "1e-12", "--duration", "1e-6",
                  "--temperature", "-5"], "--temperature", None, id="ktc-temperature-negative"),
    pytest.param(["spice", "ktc", "--resistance", "1e3", "--capacitance", "1e-12", "--duration", "1e-6",
                  "--keep", "afile/keep"], "--keep", "afile/keep", id="ktc-keep-unwritable"),
    pytest.param(["spice", "iv", "--temperatures", "0:1:0"], "--temperatures", None, id="iv-range-count-zero"),
    pytest.param(["spice", "iv", "--temperatures", "abc"], "--temperatures", None, id="iv-temperatures-text"),
    pytest.param(["spice", "iv", "--temperatures", ""], "--temperatures", None, id="iv-temperatures-empty"),
    pytest.param(["spice", "iv", "--width", "nan"], "--width", None, id="iv-width-nan"),
    pytest.param(["spice", "iv", "--card", "ptm"], "--card", None, id="iv-unknown-card"),
    pytest.param(["spice", "check", "pbit", "--temperatures", "300:320:0"], "--temperatures", None,
                 id="check-range-count-zero"),
    pytest.param(["spice", "check", "categorical", "--biases", "0.1"], "--biases", None,
                 id="check-biases-not-pbit"),
    pytest.param(["spice", "check", "bogus"], "bogus", None, id="check-unknown-design"),
    # --- fit transfer
    pytest.param(["fit", "transfer", "missing.csv", "--out", "cell.json"], "missing.csv", "cell.json",
                 id="fit-missing-file"),
    pytest.param(["fit", "transfer", "textcell.csv", "--out", "cell.json"], "n_ones", "cell.json",
                 id="fit-csv-text-cell"),
    pytest.param(["fit", "transfer", "notjson.json", "--out", "cell.json"], "notjson.json", "cell.json",
                 id="fit-garbage-file"),
    pytest.param(["fit", "transfer", "emptydir", "--out", "cell.json"], "emptydir", "cell.json",
                 id="fit-directory-without-results"),
    pytest.param(["fit", "transfer", "textcell.csv", "--form", "tanh", "--out", "cell.json"], "--form", "cell.json",
                 id="fit-unknown-form"),
    # --- export
    pytest.param(["export", "missing.json", "--format", "spice", "--out", "x.cir"], "missing.json", "x.cir",
                 id="export-missing-file"),
    pytest.param(["export", "notjson.json", "--format", "spice", "--out", "x.cir"], "notjson.json", "x.cir",
                 id="export-not-json"),
    pytest.param(["export", "badindex.json", "--format", "verilog-a", "--out", "x.va"], "badindex.json", "x.va",
                 id="export-not-a-cell"),
    pytest.param(["export", "notjson.json", "--format", "bogus", "--out", "x.cir"], "--format", "x.cir",
                 id="export-unknown-format"),
    pytest.param(["export", "notjson.json", "--format", "spice", "--noise-step", "-1e-9", "--out", "x.cir"],
                 "--noise-step", "x.cir", id="export-noise-step-negative"),
    # --- gibbs
    pytest.param(["gibbs", "ising2d", "--size", "2", "--beta", "0.4", "--sweeps", "5", "--burn-in", "1"], "--size",
                 None, id="ising-size-too-small"),
    pytest.param(["gibbs", "ising2d", "--size", "4", "--beta", "nan", "--sweeps", "5", "--burn-in", "1"], "--beta",
                 None, id="ising-beta-nan"),
    pytest.param(["gibbs", "ising2d", "--size", "4", "--beta", "-0.4", "--sweeps", "5", "--burn-in", "1"], "--beta",
                 None, id="ising-beta-negative"),
    pytest.param(["gibbs", "ising2d", "--size", "4", "--beta", "0.4", "--sweeps", "0", "--burn-in", "1"], "--sweeps",
                 None, id="ising-sweeps-zero"),
    pytest.param([*ISING, "--cell", "missing.json"], "missing.json", None, id="ising-cell-missing"),
    pytest.param([*ISING, "--cell", "notjson.json"], "notjson.json", None, id="ising-cell-not-json"),
    pytest.param([*ISING, "--update-interval", "-1"], "--update-interval", None, id="ising-update-interval-negative"),
    pytest.param(["gibbs", "model", "badindex.json", "--samples", "5", "--burn-in", "1"], "outside 0..1", None,
                 id="model-bad-indices"),
    pytest.param(["gibbs", "model", "notjson.json", "--samples", "5", "--burn-in", "1"], "notjson.json", None,
                 id="model-not-json"),
    pytest.param(["gibbs", "model", "missing.json", "--samples", "5", "--burn-in", "1"], "missing.json", None,
                 id="model-missing"),
    # --- energy
    pytest.param([*ENERGY, "--cell", "missing.json"], "missing.json", None, id="energy-cell-missing"),
    pytest.param([*ENERGY, "--cell", "notjson.json"], "notjson.json", None, id="energy-cell-not-json"),
    pytest.param([*ENERGY, "--cell-energy", "-1"], "--cell-energy", None, id="energy-cell-energy-negative"),
    pytest.param([*ENERGY, "--temperature", "-3"], "--temperature", None, id="energy-temperature-negative"),
    pytest.param([*ENERGY, "--wire-length", "-1"], "--wire-length", None, id="energy-wire-length-negative"),
    pytest.param([*ENERGY, "--toggle-rate", "2"], "--toggle-rate", None, id="energy-toggle-rate-above-one"),
    pytest.param([*ENERGY, "--update-interval", "nan"], "--update-interval", None, id="energy-update-interval-nan"),
    pytest.param([*ENERGY, "--size", "many"], "--size", None, id="energy-size-text"),
    # --- sweep
    pytest.param(["sweep", "pbit", "--temperatures", "300", "--biases", "", "--out", "sw"], "--biases", "sw",
                 id="sweep-empty-list"),
    pytest.param(["sweep", "pbit", "--temperatures", "300:310:0", "--biases", "0.1", "--out", "sw"], "--temperatures",
                 "sw", id="sweep-range-count-zero"),
    pytest.param([*SWEEP, "--temperatures", "5000", "--out", "sw"], "--temperatures", "sw",
                 id="sweep-temperature-out-of-range"),
    pytest.param([*SWEEP, "--temperatures", "abc", "--out", "sw"], "--temperatures", "sw", id="sweep-temperatures-text"),
    pytest.param([*SWEEP, "--temperatures", "300", "--out", "notjson.json"], "--out", None, id="sweep-out-is-a-file"),
    pytest.param([*SWEEP, "--temperatures", "300", "--out", "afile/sw"], "--out", "afile/sw",
                 id="sweep-out-unwritable"),
    pytest.param([*SWEEP, "--temperatures", "300", "--out", "sw", "--scheduler", "not an address"], "--scheduler",
                 "sw", id="sweep-scheduler-malformed"),
    pytest.param([*SWEEP, "--temperatures", "300", "--out", "sw", "--workers", "0"], "--workers", "sw",
                 id="sweep-workers-zero"),
    # --- plot
    pytest.param(["plot", "transfer", "missing", "--out", "x.png"], "missing", "x.png", id="plot-missing-source"),
    pytest.param(["plot", "transfer", "notjson.json", "--out", "x.png"], "notjson.json", "x.png",
                 id="plot-garbage-cell"),
    pytest.param(["plot", "transfer", "emptydir", "--out", "x.png"], "results.parquet", "x.png",
                 id="plot-empty-directory"),
    pytest.param(["plot", "transfer", "emptydir", "--out", "x.txt"], "--out", "x.txt", id="plot-out-wrong-suffix"),
    pytest.param(["plot", "energy", "notjson.json", "--out", "x.png"], "notjson.json", "x.png",
                 id="plot-energy-not-json"),
    pytest.param(["plot", "histogram", "emptydir", "--out", "x.png"], "histogram", "x.png", id="plot-unknown-figure"),
    # --- report
    pytest.param(["report", "missing"], "missing", "missing/report.html", id="report-missing-directory"),
    pytest.param(["report", "emptydir"], "emptydir", "emptydir/report.html", id="report-nothing-to-report"),
    pytest.param(["report", "emptydir", "--out", "x.txt"], ".html", "x.txt", id="report-out-wrong-suffix"),
    # --- top level
    pytest.param(["frobnicate"], "frobnicate", None, id="unknown-command"),
]


def _check_one_line(status: int, stderr: str, needle: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert status == 2, f"exit status {status}, stderr: {stderr!r}"
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, f"expected exactly one stderr line, got {len(lines)}: {stderr!r}"
    assert needle in lines[0], f"the error line does not name {needle!r}: {lines[0]!r}"
    return lines[0]


def _run_in_process(argv, capsys) -> tuple[int, str]:
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse errors exit through _OneLineParser.error
        status = exc.code
    return status, capsys.readouterr().err


@pytest.mark.parametrize(("argv", "needle", "out"), CASES)
def test_bad_input_gives_one_line_and_status_2(workdir, capsys, argv, needle, out):
    status, stderr = _run_in_process(argv, capsys)
    _check_one_line(status, stderr, needle)
    if out is not None:
        assert not (workdir / out).exists(), f"{out} was left behind"
    leftovers = [p.name for p in workdir.rglob(".*.tmp")]
    assert not leftovers, f"temporary files left behind: {leftovers}"


@pytest.fixture(scope="module")
def fitted_cell(tmp_path_factory):
    """A valid cell model, fitted from the repository's example lab CSV."""
    path = tmp_path_factory.mktemp("cell") / "cell.json"
    data = Path(__file__).resolve().parents[1] / "data" / "example_pbit_transfer.csv"
    assert main(["fit", "transfer", str(data), "--out", str(path)]) == 0
    return path


@pytest.mark.parametrize(
    ("argv", "needle", "out"),
    [
        pytest.param(["export", "CELL", "--format", "json", "--out", "emptydir"], "--out", None,
                     id="export-out-is-a-directory"),
        pytest.param(["export", "CELL", "--format", "csv", "--out", "afile/x.csv"], "--out", "afile/x.csv",
                     id="export-out-unwritable"),
        pytest.param(["export", "CELL", "--format", "json", "--noise-step", "1e-9", "--out", "x.json"],
                     "--noise-step", "x.json", id="export-noise-step-not-spice"),
        pytest.param(["fit", "transfer", "DATA", "--out", "afile/cell.json"], "--out", "afile/cell.json",
                     id="fit-out-unwritable"),
        pytest.param(["plot", "transfer", "CELL", "--out", "afile/x.png"], "--out", "afile/x.png",
                     id="plot-out-unwritable"),
    ],
)
def test_bad_output_with_valid_input(workdir, capsys, fitted_cell, argv, needle, out):
    """With a valid input, an unwritable --out is still one line, status 2, and nothing written."""
    data = Path(__file__).resolve().parents[1] / "data" / "example_pbit_transfer.csv"
    argv = [str(fitted_cell) if a == "CELL" else str(data) if a == "DATA" else a for a in argv]
    status, stderr = _run_in_process(argv, capsys)
    _check_one_line(status, stderr, needle)
    if out is not None:
        assert not (workdir / out).exists(), f"{out} was left behind"
    assert not list(workdir.rglob(".*.tmp")), "temporary files left behind"


def test_bad_input_leaves_existing_output_untouched(workdir, capsys):
    """A failing run never truncates or replaces a file the user already had at --out."""
    target = workdir / "cell.json"
    target.write_text("precious\n", encoding="utf-8")
    status, stderr = _run_in_process(["fit", "transfer", "textcell.csv", "--out", "cell.json"], capsys)
    _check_one_line(status, stderr, "n_ones")
    assert target.read_text(encoding="utf-8") == "precious\n"


SUBPROCESS_CASES = [
    pytest.param([*WELL, "--out", "afile/trace.csv"], "--out", id="simulate-out-unwritable"),
    pytest.param(["sweep", "pbit", "--temperatures", "0:1:0", "--biases", "0.1", "--out", "sw"], "--temperatures",
                 id="sweep-range-count-zero"),
    pytest.param(["gibbs", "model", "badindex.json", "--samples", "5", "--burn-in", "1"], "outside 0..1",
                 id="gibbs-model-bad-indices"),
]


@pytest.mark.parametrize(("argv", "needle"), SUBPROCESS_CASES)
def test_console_script_bad_input(workdir, argv, needle):
    """The installed entry point behaves like main(): status 2, one line, no traceback."""
    script = Path(sys.executable).with_name("noisecircuits")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "noisecircuits"]
    done = subprocess.run([*command, *argv], capture_output=True, text=True, timeout=120, cwd=workdir)
    _check_one_line(done.returncode, done.stderr, needle)
    assert done.stdout == ""
