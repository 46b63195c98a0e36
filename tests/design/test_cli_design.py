"""`noisecircuits design pbit` and the design file accepted by `simulate pbit` and `sweep pbit`."""

from __future__ import annotations

import json

import pytest

from noisecircuits.circuits.pbit import PBit, v_mid
from noisecircuits.design.document import design_document, load_design
from noisecircuits.design.geometry import PBitGeometry

GEOMETRY = PBitGeometry(supply_voltage=0.065, latch_width=0.15e-6, latch_length=0.15e-6, bias_length=6e-6,
                        bias_width=0.15e-6)


@pytest.fixture
def design_file(tmp_path):
    path = tmp_path / "design.json"
    path.write_text(json.dumps(design_document(GEOMETRY, "generic")))
    return path


def _one_line(done):
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    return done.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--target-tau", "1e-12", "--generations", "1", "--population", "1"], "binding constraint: correlation_time"),
    (["--target-tau", "1e-6", "--card", "tsmc"], "--card must be one of"),
    (["--temperature", "300"], "give --target-tau"),
    (["--target-tau", "1e-6", "--temperature-range", "300:250"], "LO <= HI"),
    (["--target-tau", "1e-6", "--temperature", "250"], "inside --temperature-range"),
    (["--target-tau", "-1"], "expected a number > 0"),
])
def test_bad_or_infeasible_requests_are_one_line_and_write_nothing(run_cli_limited, tmp_path, args, message):
    out = tmp_path / "design.json"
    err = _one_line(run_cli_limited("design", "pbit", *args, "--out", out, "--json", timeout=300))
    assert message in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_simulate_runs_the_design_file(run_cli_limited, design_file):
    done = run_cli_limited("simulate", "pbit", "--design", design_file, "--temperature", "300",
                           "--duration", "2e-5", "--seed", "1", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    design = load_design(design_file)
    centre = v_mid(design, 300.0)
    assert result["v_mid_V"] == pytest.approx(centre, abs=1e-9)
    # the power is the design's exact stationary power, not the reference p-bit's (3.56 pW)
    assert result["supply_power_W"] == pytest.approx(PBit(design, centre, 300.0).supply_power(), rel=1e-9)
    assert abs(result["supply_power_W"] - PBit(None, None, 300.0).supply_power()) > 0.1e-12


def test_sweep_runs_the_design_file(run_cli_limited, design_file, tmp_path):
    out = tmp_path / "sweep"
    done = run_cli_limited("sweep", "pbit", "--design", design_file, "--temperatures", "300", "--biases", "0.124",
                           "--duration", "2e-5", "--workers", "1", "--out", out, "--csv", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    import pandas as pd

    row = pd.read_csv(out / "results.csv").iloc[0]
    design = load_design(design_file)
    # supply power averaged over the trace: within a few per cent of the design's stationary power
    assert row["supply_power_W"] == pytest.approx(PBit(design, 0.124, 300.0).supply_power(), rel=0.05)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("extra_capacitance_F", -1e-15, "extra_capacitance"),
    ("latch_width_m", 1e-9, "latch_width"),
    ("supply_voltage_V", float("nan"), "strict JSON"),
])
def test_non_physical_design_files_are_refused(run_cli_limited, tmp_path, field, value, message):
    doc = design_document(GEOMETRY, "generic")
    doc["geometry"][field] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    err = _one_line(run_cli_limited("simulate", "pbit", "--design", path, "--duration", "1e-6", "--json"))
    assert message in err
    out = tmp_path / "sweep"
    err = _one_line(run_cli_limited("sweep", "pbit", "--design", path, "--temperatures", "300", "--biases", "0.12",
                                    "--out", out))
    assert message in err and not out.exists()


def test_unknown_design_fields_are_named(tmp_path):
    from noisecircuits.errors import DataError

    doc = design_document(GEOMETRY, "generic")
    doc["geometry"]["latch_widht_m"] = 1e-6
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match="latch_widht_m"):
        load_design(path)


# the 0.25 um latch of docs/design.md's hand-found rows at 65.9 mV (tau_c 3.21 us at 300 K, 1.18 fJ, every
# default constraint met; 0.3 mV above its bistable edge, so inside the search's supply margin)
HAND = PBitGeometry(supply_voltage=0.0659, latch_width=0.25e-6, latch_length=0.25e-6, bias_width=0.15e-6,
                    bias_length=6e-6, v_ref=0.25, threshold_shift=0.15, supply_tracking="ptat")


def test_audit_compares_a_design_with_random_designs_of_its_target(run_cli_limited, tmp_path):
    path = tmp_path / "hand.json"
    target = {"target_tau_s": 3.21e-6, "temperature_K": 300.0, "temperature_range_K": [280.0, 340.0],
              "max_energy_J": None}
    path.write_text(json.dumps(design_document(HAND, "generic", target=target)))
    done = run_cli_limited("design", "audit", path, "--draws", "4", "--seed", "2", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["draws"] == 4 and 0 <= out["feasible_draws"] <= 4 and out["design_feasible"] is True
    # its energy with the shift solved again for 3.21 us on the search grid: the hand row's 1.18 fJ
    # within the 41-point grid's difference (tau_c about 20 % high there, so a smaller shift)
    assert 0.7e-15 < out["design_energy_J"] < 1.8e-15
    assert out["cheaper_draws"] <= out["feasible_draws"]
    if out["feasible_draws"]:
        assert (out["cheaper_draws"] > 0) == (out["cheapest_draw_energy_J"] < out["design_energy_J"])


def test_audit_needs_a_design_with_a_target(run_cli_limited, design_file):
    err = _one_line(run_cli_limited("design", "audit", design_file, "--json", timeout=120))
    assert "has no target_tau_s" in err
