"""The ``noisecircuits spice`` command line: JSON contracts and one-line errors."""

import json
import math

import pytest

from noisecircuits import cli
from noisecircuits.constants import thermal_voltage

pytestmark = pytest.mark.requires_ngspice


def _run(capsys, argv):
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ktc_json_contract(capsys, tmp_path):
    code, out, _ = _run(capsys, ["spice", "ktc", "--resistance", "1e5", "--capacitance", "1e-12",
                                 "--temperature", "300", "--duration", "4e-4", "--seed", "2",
                                 "--keep", str(tmp_path), "--json"])
    assert code == 0
    result = json.loads(out)
    assert result["expected_V2"] == pytest.approx(1.380649e-23 * 300 / 1e-12, rel=1e-9)
    # 4 standard errors (about 2 % of kT/C here)
    assert abs(result["variance_V2"] - result["expected_held_noise_V2"]) < 4 * result["variance_stderr_V2"]
    assert (tmp_path / "ktc" / "netlist.cir").is_file() and (tmp_path / "ktc" / "out.dat").is_file()


def test_iv_json_contract(capsys):
    code, out, _ = _run(capsys, ["spice", "iv", "--card", "generic", "--device", "nmos", "--width", "1e-6",
                                 "--length", "1e-6", "--vds", "0.05", "--temperatures", "300,350", "--json"])
    assert code == 0
    points = json.loads(out)["points"]
    assert [p["temperature_K"] for p in points] == [300.0, 350.0]
    for p in points:
        assert set(p) == {"temperature_K", "swing_mV_per_decade", "slope_factor"}
        # S = n U_T ln 10 (U_T ln10 = 59.53 mV at 300 K)
        expected = p["slope_factor"] * thermal_voltage(p["temperature_K"]) * math.log(10) * 1e3
        assert p["swing_mV_per_decade"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "argv",
    [
        ["spice", "ktc", "--resistance", "-1", "--capacitance", "1e-12", "--duration", "1"],
        ["spice", "ktc", "--resistance", "1e5", "--capacitance", "1e-12", "--duration", "1e-9"],
        ["spice", "iv", "--card", "ptm", "--temperatures", "300"],
        ["spice", "iv", "--temperatures", "300,abc"],
        ["spice", "check", "pbit", "--card", "sky130", "--temperatures", "300"],
        ["spice", "check", "categorical", "--temperatures", "300,320"],
        ["spice", "check", "continuous", "--biases", "0.1"],
        ["spice", "check", "continuous", "--correlation-times", "1000", "--max-time", "600"],
    ],
)
def test_bad_input_is_one_line_exit_2(capsys, argv, monkeypatch, tmp_path):
    monkeypatch.setenv("NOISECIRCUITS_CACHE", str(tmp_path))
    try:
        code, _, err = _run(capsys, argv)
    except SystemExit as exc:  # argparse errors
        code, err = exc.code, capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1


def test_missing_ngspice_cli(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = _run(capsys, ["spice", "ktc", "--resistance", "1e5", "--capacitance", "1e-12",
                                 "--duration", "4e-4", "--json"])
    assert code == 2
    assert "sudo apt-get install ngspice" in err and len(err.strip().splitlines()) == 1


def test_check_pbit_json_contract(capsys, tmp_path):
    code, out, _ = _run(capsys, ["spice", "check", "pbit", "--temperatures", "320", "--biases", "0.159",
                                 "--correlation-times", "8", "--seed", "4", "--keep", str(tmp_path), "--json"])
    assert code == 0
    result = json.loads(out)
    (point,) = result["points"]
    for key in ("temperature_K", "v_bias_V", "p_one_spice", "p_one_spice_stderr", "p_one_sde", "tau_spice_s",
                "tau_sde_s"):
        assert key in point
    assert point["temperature_K"] == 320.0 and point["v_bias_V"] == 0.159
    assert 0.0 <= point["p_one_spice"] <= 1.0
    # beside the checked (card-calibrated) circuit, the uncalibrated reference design that simulate runs
    from noisecircuits.circuits.pbit import PBit, PBitDesign

    simulated = PBit(PBitDesign.default(), 0.159, 320.0)
    assert point["p_one_design_model"] == simulated.p_one_exact()
    assert point["tau_design_model_s"] == simulated.correlation_time_exact()
    assert (tmp_path / "pbit_00" / "netlist.cir").is_file()


def test_check_pbit_shows_progress_on_stderr_and_is_quiet_with_json(capsys):
    argv = ["spice", "check", "pbit", "--temperatures", "300", "--biases", "0.12", "--correlation-times", "2",
            "--seed", "1"]
    code, out, err = _run(capsys, argv)
    assert code == 0
    lines = err.splitlines()
    # a stage line before the ngspice calibration and the run counter's summary line at the end
    assert lines[0].startswith("spice check pbit: calibrating the generic card's three device types at 300 K")
    assert lines[-1].startswith("spice check pbit: 1/1 decks in ")
    code, out, err = _run(capsys, argv + ["--json"])
    assert code == 0 and err == ""
    assert json.loads(out)["design"] == "pbit"


def test_check_pbit_time_estimate_follows_the_reference_design(capsys):
    # 7 biases x 100 tau_c at 280 and 300 K: ~(540 + 226) relaxation times per tau_c x 0.012 s,
    # on 2 workers ~54 min, refused under a 10 min limit before any ngspice run; at 320 K with
    # 1 tau_c per point the same rule gives ~5 s
    from noisecircuits.commands.spice import CHECK_PBIT_SECONDS_PER_RELAXATION_TIME, _relaxation_times_per_correlation_time

    code, out, err = _run(capsys, ["spice", "check", "pbit", "--temperatures", "280,300", "--max-time", "600"])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "--max-time" in err and "min" in err
    seconds = 7 * 1 * _relaxation_times_per_correlation_time(320.0) * CHECK_PBIT_SECONDS_PER_RELAXATION_TIME / 2
    assert 2 < seconds < 10


@pytest.mark.slow
def test_check_categorical_json_contract(capsys):
    # a short record (the contract, not the agreement: that is tests/spice/test_crosscheck.py)
    code, out, _ = _run(capsys, ["spice", "check", "categorical", "--correlation-times", "20", "--seed", "1",
                                 "--json"])
    assert code == 0
    result = json.loads(out)
    assert result["design"] == "categorical" and isinstance(result["all_agree"], bool)
    points = result["points"]
    assert [p["quantity"] for p in points] == [f"occupation_{k}" for k in range(4)] + ["correlation_time_s"]
    controls = [p["v_control_V"] for p in points[:4]]
    assert all(b > a for a, b in zip(controls, controls[1:]))  # four distinct controls
    assert points[0]["temperature_K"] == 300.0
    for p in points:
        assert p["tolerance"] == pytest.approx(4 * math.hypot(p["spice_stderr"], p["sde_stderr"]) + p["budget"])
