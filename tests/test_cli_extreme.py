"""Extreme input is refused up front: exit status 2, one stderr line, no traceback, within seconds.

Each case runs ``python -m noisecircuits`` under the 12 GiB address-space limit of the
``run_cli_limited`` fixture, so an attempted huge allocation fails the test instead of the machine.
"""

import time

import pytest

HUGE_INT = "9999999999999999999999"

CASES = [
    # simulate: run sizes (default duration where none is given)
    pytest.param(["simulate", "double-well", "--duration", "1e308"], "--duration", id="well-duration-1e308"),
    pytest.param(["simulate", "double-well", "--dt", "1e-320"], "--dt", id="well-dt-denormal"),
    pytest.param(["simulate", "double-well", "--record-every", HUGE_INT], "--record-every", id="well-record-every-huge"),
    pytest.param(["simulate", "double-well", "--tau", "1e-320"], "--tau", id="well-tau-denormal"),
    pytest.param(["simulate", "double-well", "--paths", HUGE_INT], "--paths", id="well-paths-huge"),
    pytest.param(["simulate", "pbit", "--duration", "1e308"], "--duration", id="pbit-duration-1e308"),
    pytest.param(["simulate", "pbit", "--dt", "1e-320"], "--dt", id="pbit-dt-denormal"),
    pytest.param(["simulate", "pbit", "--record-every", HUGE_INT], "--record-every", id="pbit-record-every-huge"),
    pytest.param(["simulate", "pbit", "--temperature", "1e308"], "--temperature", id="pbit-temperature-1e308"),
    pytest.param(["simulate", "pbit", "--temperature", "1e-320"], "--temperature", id="pbit-temperature-denormal"),
    pytest.param(["simulate", "pbit", "--paths", "1000000", "--duration", "1e-3"], "--max-time",
                 id="pbit-million-paths-over-time-limit"),
    pytest.param(["simulate", "pbit", "--duration", "1", "--max-memory", "1e-6"], "--max-memory",
                 id="pbit-over-memory-limit"),
    pytest.param(["simulate", "categorical", "--temperature", "1e308"], "--temperature", id="cat-temperature-1e308"),
    pytest.param(["simulate", "continuous", "--v-modes", "0.02,0.06", "--duration", "1e308"], "--duration",
                 id="cont-duration-1e308"),
    # energy
    pytest.param(["energy", "--size", "1000000"], "--size", id="energy-size-million"),
    pytest.param(["energy", "--beta", "1e308"], "--beta", id="energy-beta-1e308"),
    pytest.param(["energy", "--temperature", "1e308"], "--temperature", id="energy-temperature-1e308"),
    pytest.param(["energy", "--sweeps", HUGE_INT], "--sweeps", id="energy-sweeps-huge"),
    pytest.param(["energy", "--steps", HUGE_INT], "--steps", id="energy-steps-huge"),
    pytest.param(["energy", "--bias-energy", "1e300"], "--bias-energy", id="energy-bias-energy-huge"),
    pytest.param(["energy", "--update-interval", "1e-320"], "--update-interval", id="energy-interval-denormal"),
    # spice (refused before ngspice is needed)
    pytest.param(["spice", "ktc", "--duration", "1e308"], "--duration", id="ktc-duration-1e308"),
    pytest.param(["spice", "ktc", "--resistance", "1e-320"], "--resistance", id="ktc-resistance-denormal"),
    pytest.param(["spice", "ktc", "--capacitance", "1e308"], "--capacitance", id="ktc-capacitance-huge"),
    pytest.param(["spice", "ktc", "--temperature", "1e308"], "--temperature", id="ktc-temperature-1e308"),
    pytest.param(["spice", "iv", "--temperatures", "300,1e308"], "--temperatures", id="iv-temperature-1e308"),
    pytest.param(["spice", "check", "pbit", "--temperatures", "1e-320"], "--temperatures", id="check-temperature"),
    pytest.param(["spice", "check", "pbit", "--correlation-times", "1e300"], "--correlation-times",
                 id="check-correlation-times-huge"),
    pytest.param(["spice", "iv", "--temperatures", "200:450:1000000"], "--temperatures", id="iv-million-temperatures"),
    pytest.param(["spice", "check", "pbit", "--biases", "0.1:0.2:100000"], "--biases", id="check-many-biases"),
    # plot, report
    pytest.param(["plot", "transfer", "BIG", "--out", "x.png", "--max-memory", "0.001"], "--max-memory",
                 id="plot-input-over-memory-limit"),
    pytest.param(["report", "BIG", "--max-memory", "0.001"], "--max-memory", id="report-input-over-memory-limit"),
]


@pytest.mark.parametrize(("argv", "needle"), CASES)
def test_extreme_input_is_one_line_and_status_2(run_cli_limited, tmp_path, argv, needle):
    big = tmp_path / "big"
    big.mkdir()
    (big / "results.parquet").write_bytes(b"\0" * (1 << 20))  # 1 MiB: 20 MiB once read, over 1 MiB
    argv = [str(big) if a == "BIG" else a for a in argv]
    start = time.perf_counter()
    done = run_cli_limited(*argv, cwd=tmp_path)
    elapsed = time.perf_counter() - start
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert len(lines) == 1, done.stderr
    assert needle in lines[0], lines[0]
    assert done.stdout == ""
    assert not (tmp_path / "x.png").exists()
    # refused before any work: the time is interpreter start-up, imports and (p-bit) one
    # Fokker-Planck solve, about 1 s; 20 s leaves room for a loaded machine
    assert elapsed < 20, f"took {elapsed:.1f} s"
