"""The public contract ``simulate pbit --temperature K [--v-bias V] [--duration S] [--seed N] --json``."""

import json

import pytest

from noisecircuits import cli
from noisecircuits.circuits.pbit import PBit
from noisecircuits.commands import simulate as simulate_command

KEYS = {"p_one", "p_one_stderr", "correlation_time_s", "correlation_time_stderr_s", "mean_dwell_zero_s",
        "mean_dwell_one_s", "mean_dwell_zero_stderr_s", "mean_dwell_one_stderr_s", "n_switches", "n_effective", "path_steps", "duration_s", "v_bias_V", "temperature_K",
        "supply_power_W", "energy_per_sample_J", "v_mid_V"}


def _run(capsys, argv):
    assert cli.main(argv) == 0
    out = capsys.readouterr()
    return json.loads(out.out), out.err


@pytest.fixture(scope="module")
def cell():
    return PBit(None, None, 300.0)


def test_no_duration_runs_a_thousand_exact_correlation_times(capsys, cell):
    result, err = _run(capsys, ["simulate", "pbit", "--temperature", "300", "--seed", "3", "--json"])
    assert set(result) == KEYS
    tau = cell.correlation_time_exact()
    assert result["duration_s"] == pytest.approx(1000 * tau, rel=1e-9)
    assert "--duration not given" in err and "1000 exact correlation times" in err
    # measured against exact (Fokker-Planck): 4 standard errors, plus 3 % for the Euler step
    # bias at dt = timescale/20 and the 61-point grid of the exact value
    assert abs(result["correlation_time_s"] - tau) < 4 * result["correlation_time_stderr_s"] + 0.03 * tau
    assert abs(result["p_one"] - cell.p_one_exact()) < 4 * result["p_one_stderr"] + 0.01
    assert result["n_switches"] > 500  # about one switch per correlation time... at least 500 of 1000


def test_the_full_contract_with_every_option(capsys):
    argv = ["simulate", "pbit", "--temperature", "310", "--v-bias", "0.13", "--duration", "2e-4", "--seed", "5",
            "--json"]
    first, err = _run(capsys, argv)
    second, _ = _run(capsys, argv)
    assert first == second  # --seed reproduces
    assert first["v_bias_V"] == 0.13 and first["temperature_K"] == 310
    assert first["duration_s"] == pytest.approx(2e-4, rel=1e-12)  # the duration asked for, not lengthened
    assert "--duration not given" not in err


def test_a_slow_default_is_capped_with_one_line(capsys, monkeypatch, cell):
    monkeypatch.setattr(simulate_command, "DEFAULT_DURATION_MAX_SECONDS", 0.05)
    result, err = _run(capsys, ["simulate", "pbit", "--temperature", "300", "--seed", "3", "--json"])
    tau = cell.correlation_time_exact()
    assert result["duration_s"] < 1000 * tau
    notes = [line for line in err.splitlines() if "--duration not given" in line]
    assert len(notes) == 1 and "capped at" in notes[0] and "give --duration to run longer" in notes[0]


def test_every_run_option_has_a_default():
    parser = dict(cli.sub_commands(cli.build_parser()))[("simulate", "pbit")]
    required = [a.option_strings for a in parser._actions if a.required]
    assert required == []
