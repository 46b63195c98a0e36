"""PTAT supply, latch threshold shift and the weak-inversion flag of the design layer."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from noisecircuits.circuits.pbit import PBit, PBitDesign
from noisecircuits.constants import thermal_voltage
from noisecircuits.design import PBitGeometry, build_design, evaluate, process_named
from noisecircuits.design.document import design_document, load_design
from noisecircuits.design.evaluate import WeakInversionWarning, check_weak_inversion
from noisecircuits.errors import DataError, ParameterError
from noisecircuits.physics.mosfet import drain_current

GENERIC = process_named("generic")
# min-size latch, 6 um tilt devices (bistable over 280-340 K at this supply, explored by hand)
BASE = dict(supply_voltage=0.0625, latch_width=0.15e-6, latch_length=0.15e-6, bias_length=6e-6, bias_width=0.15e-6)


def test_ptat_supply_scales_with_temperature_and_reaches_the_netlist():
    design = build_design(PBitGeometry(**BASE, supply_tracking="ptat", supply_reference_temperature=300.0), GENERIC)
    fixed = build_design(PBitGeometry(**BASE), GENERIC)
    for t in (280.0, 300.0, 340.0):
        assert design.supply_voltage_at(t) == pytest.approx(0.0625 * t / 300.0, rel=1e-15)
        assert fixed.supply_voltage_at(t) == 0.0625
        bit = PBit(design, 0.12, t, 41)
        assert bit.netlist.voltage_of("vdd", (0.0, 0.0)) == pytest.approx(0.0625 * t / 300.0, rel=1e-15)
        assert bit.supply_voltage == design.supply_voltage_at(t)
    # the grid spans the temperature's supply: its top is V_dd(T) + 7 sqrt(kT/C)
    bit = PBit(design, 0.12, 340.0, 41)
    assert bit.grid[-1] - bit.grid[0] == pytest.approx(
        design.supply_voltage_at(340.0) + 14 * math.sqrt(1.380649e-23 * 340.0 / design.node_capacitance), rel=1e-12)


def test_supply_tracking_is_checked():
    with pytest.raises(ParameterError, match="supply_tracking"):
        PBitDesign(supply_tracking="ctat")
    # a PTAT supply that would leave the allowed V_dd range at some temperature is named
    design = PBitDesign(supply_voltage=0.45, supply_tracking="ptat", supply_reference_temperature=300.0)
    with pytest.raises(ParameterError, match="supply_voltage at 400 K"):
        design.supply_voltage_at(400.0)


def test_threshold_shift_multiplies_weak_inversion_currents_by_the_closed_form():
    shift = 0.1
    plain = build_design(PBitGeometry(**BASE), GENERIC)
    low = build_design(PBitGeometry(**BASE, threshold_shift=shift), GENERIC)
    assert low.nmos.threshold_voltage == pytest.approx(GENERIC.nmos_threshold - shift)
    assert low.pmos.threshold_voltage == pytest.approx(GENERIC.pmos_threshold - shift)
    assert low.bias_nmos == plain.bias_nmos  # the tilt devices keep the standard flavour
    t = 300.0
    u_t = thermal_voltage(t)
    for name, vg, vs, vd in (("nmos", 0.02, 0.0, 0.06), ("pmos", 0.0425, 0.0625, 0.0)):
        a, b = getattr(plain, name), getattr(low, name)
        ratio = drain_current(b, vg, vs, vd, t) / drain_current(a, vg, vs, vd, t)
        n = a.slope_factor_at(t)
        # EKV ln^2(1 + e^x) = e^(2x)(1 - e^x + ...): x = (V_P - V_S)/(2U_T) of the shifted
        # device bounds the departure of the ratio from the weak-inversion closed form
        v_gs = abs(vg - vs)
        x = ((v_gs - b.threshold_at(t)) / n) / (2 * u_t)
        assert ratio == pytest.approx(math.exp(shift / (n * u_t)), rel=math.exp(x))
        assert math.exp(x) < 0.05  # so the check is sharp


def test_threshold_shift_is_bounded_by_the_card():
    g = PBitGeometry(**BASE, threshold_shift=GENERIC.max_threshold_shift + 0.01)
    with pytest.raises(ParameterError, match="threshold_shift"):
        g.check_sizes(GENERIC)


def test_design_file_carries_supply_tracking_and_shift(tmp_path):
    g = PBitGeometry(**BASE, threshold_shift=0.05, supply_tracking="ptat", supply_reference_temperature=310.0)
    path = tmp_path / "d.json"
    doc = design_document(g, "generic")
    path.write_text(json.dumps(doc))
    design = load_design(path)
    assert design.supply_tracking == "ptat" and design.supply_reference_temperature == 310.0
    assert design.nmos.threshold_voltage == pytest.approx(0.30)
    # a file without the optional fields is the fixed-supply standard-threshold design
    for key in ("threshold_shift_V", "supply_tracking", "supply_reference_temperature_K"):
        del doc["geometry"][key]
    path.write_text(json.dumps(doc))
    old = load_design(path)
    assert old.supply_tracking == "fixed" and old.nmos.threshold_voltage == GENERIC.nmos_threshold
    doc["geometry"]["supply_tracking"] = "ctat"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match="supply_tracking must be one of fixed, ptat"):
        load_design(path)


def test_ptat_keeps_the_barrier_in_kT_closer_over_the_range_than_a_fixed_supply():
    # V_dd/U_T is constant under PTAT, so the barrier varies less across 280-340 K
    spread = {}
    for tracking in ("fixed", "ptat"):
        g = PBitGeometry(**{**BASE, "supply_voltage": 0.0665}, supply_tracking=tracking)
        design = build_design(g, GENERIC)
        barriers = [evaluate(design, GENERIC, t, (t, t)).barrier_kT for t in (280.0, 340.0)]
        spread[tracking] = abs(barriers[0] - barriers[1])
    assert spread["ptat"] < 0.5 * spread["fixed"]


def test_weak_inversion_is_flagged_not_silently_accepted():
    metrics = evaluate(build_design(PBitGeometry(**BASE), GENERIC), GENERIC, 300.0, (300.0, 300.0))
    assert check_weak_inversion(metrics)  # IC ~ 1e-3 here
    with pytest.warns(WeakInversionWarning, match="inversion coefficient 0.3 > 0.1"):
        assert not check_weak_inversion(replace(metrics, max_inversion_coefficient=0.3))


@pytest.mark.filterwarnings("default::noisecircuits.design.evaluate.WeakInversionWarning")
def test_cli_flags_an_optimum_outside_weak_inversion(monkeypatch, tmp_path, capsys):
    """The command writes the design but says so on stderr and in the JSON (weak_inversion false)."""
    from noisecircuits import cli
    from noisecircuits.design import optimise

    geometry = PBitGeometry(**BASE, supply_tracking="ptat")
    design = build_design(geometry, GENERIC)
    metrics = replace(evaluate(design, GENERIC, 300.0, (300.0, 300.0)), max_inversion_coefficient=0.25)
    result = optimise.DesignResult(geometry, design, metrics, ("correlation_time",), {}, 1)
    monkeypatch.setattr(optimise, "optimise_pbit", lambda *a, **k: result)
    out = tmp_path / "d.json"
    status = cli.main(["design", "pbit", "--target-tau", "1e-4", "--max-inversion-coefficient", "0.3",
                       "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert status == 0
    report = json.loads(captured.out)
    assert report["weak_inversion"] is False and report["max_inversion_coefficient"] == 0.25
    flagged = [line for line in captured.err.splitlines() if "weak inversion" in line]
    assert len(flagged) == 1 and "inversion coefficient 0.25 > 0.1" in flagged[0]
    assert out.exists()


@pytest.fixture
def ptat_file(tmp_path):
    path = tmp_path / "ptat.json"
    path.write_text(json.dumps(design_document(PBitGeometry(**BASE, supply_tracking="ptat"), "generic")))
    return path


def test_simulate_and_sweep_run_a_ptat_design_at_its_supply_of_that_temperature(run_cli_limited, ptat_file, tmp_path):
    design = load_design(ptat_file)
    fixed = replace(design, supply_tracking="fixed")
    t = 330.0
    done = run_cli_limited("simulate", "pbit", "--design", ptat_file, "--temperature", t, "--v-bias", "0.124",
                           "--duration", "2e-5", "--seed", "1", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    power = json.loads(done.stdout)["supply_power_W"]
    exact = PBit(design, 0.124, t).supply_power()
    # the exact stationary power at V_dd(330 K) = 1.1 V_dd(300 K), not at the fixed supply (11 % apart)
    assert power == pytest.approx(exact, rel=1e-9)
    other = PBit(fixed, 0.124, t).supply_power()
    assert abs(other / exact - 1) > 0.1
    out = tmp_path / "sweep"
    done = run_cli_limited("sweep", "pbit", "--design", ptat_file, "--temperatures", t, "--biases", "0.124",
                           "--duration", "2e-5", "--workers", "1", "--out", out, "--csv", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    import pandas as pd

    row = pd.read_csv(out / "results.csv").iloc[0]
    # power averaged over the SDE trace: within a few per cent of the stationary power (as in
    # test_cli_design), and nearer to it than to the fixed-supply value
    assert row["supply_power_W"] == pytest.approx(exact, rel=0.05)
    assert abs(row["supply_power_W"] - exact) < 0.5 * abs(row["supply_power_W"] - other)


def test_search_takes_the_threshold_shift_and_the_supply_choice():
    from noisecircuits.design.space import DEFAULT_SUPPLY_TRACKING, DesignProblem

    problem = DesignProblem(GENERIC, 1e-6, temperature=310.0, temperature_range=(280.0, 340.0))
    names = [v.name for v in problem.variables]
    assert "threshold_shift" in names and "tilt_log_ratio" in names  # v_ref, as the tilt current ratio
    shift = problem.variables[names.index("threshold_shift")]
    assert (shift.low, shift.high) == (0.0, GENERIC.max_threshold_shift)
    # the shift is solved for the target, the supply in its place where the shift's box cannot reach it
    assert problem.solved_index() == names.index("threshold_shift")
    assert problem.fallback_index() == names.index("supply_voltage")
    g = problem.geometry([0.5] * len(names))
    # the searched V_dd is the PTAT supply at the target temperature
    assert g.supply_tracking == DEFAULT_SUPPLY_TRACKING == "ptat" and g.supply_reference_temperature == 310.0
    with pytest.raises(ParameterError, match="--supply must be one of fixed, ptat"):
        DesignProblem(GENERIC, 1e-6, supply_tracking="bandgap")


@pytest.mark.slow
def test_a_microsecond_design_exists_with_ptat_supply_and_low_threshold_latch():
    """Around the searched 3.3 us optimum (docs/design.md): the search meets the target with every
    default constraint, inside weak inversion, with the PTAT supply and the full low-V_T shift."""
    from noisecircuits.design.optimise import optimise_pbit
    from noisecircuits.design.space import DesignProblem, Variable

    variables = (Variable("supply_voltage", 0.066, 0.072, log=False), Variable("v_ref", 0.22, 0.25, log=False))
    fixed = {"latch_width": 0.15e-6, "latch_length": 0.35e-6, "bias_width": 0.15e-6, "bias_length": 6e-6,
             "threshold_shift": 0.15}
    target = 3.4e-6
    problem = DesignProblem(GENERIC, target, variables=variables, fixed=fixed, supply_tracking="ptat")
    result = optimise_pbit(problem, seed=2, population=5, generations=6)
    m = result.metrics
    # 5 % band of the search plus the difference of the search and final grids (about 1.5 %)
    assert m.correlation_time_s == pytest.approx(target, rel=0.07)
    assert m.max_inversion_coefficient <= 0.1
    assert m.offset_sigma_V <= 0.1 and 0.5e-3 <= m.transfer_width_V and m.max_transfer_width_V <= 50e-3
    # the barrier bound holds on the search grid; the final grid moves it by a few hundredths of kT
    assert m.min_barrier_kT >= 0.45
    assert result.geometry.supply_tracking == "ptat"
    # the same geometry with standard thresholds (v_ref lowered alike) is far slower (ms): the shift reaches us
    slow = replace(result.geometry, threshold_shift=0.0, v_ref=result.geometry.v_ref - 0.15)
    slow_m = evaluate(build_design(slow, GENERIC), GENERIC, 300.0, (300.0, 300.0))
    assert slow_m.correlation_time_s > 20 * m.correlation_time_s


@pytest.mark.requires_ngspice
def test_spice_engine_applies_the_design_threshold_shift_to_the_deck_and_the_current():
    """The shifted design's deck carries delvto on the four latch devices, and ngspice's current of a
    1 um x 1 um latch nmos at V_GS = 0 (deep weak inversion) changes by the design's EKV factor
    exp(dV/(n U_T)): the log ratios agree within 5 % (the design tool's n = 1.35 against the card's
    calibrated 1.40; short devices leave weak inversion when shifted and are not compared)."""
    from noisecircuits.spice.cards import capacitance_free, get_card
    from noisecircuits.spice.pbit import pbit_netlist
    from noisecircuits.spice.render import _include_line, mos_lines
    from noisecircuits.spice.runner import run_netlist

    plain = build_design(PBitGeometry(**BASE), GENERIC)
    shifted = build_design(PBitGeometry(**BASE, threshold_shift=0.1), GENERIC)
    deck = pbit_netlist(shifted, 0.124, 300.0, duration=1e-8, seed=1, threshold_shift=0.1)
    assert sum("delvto=" in line for line in deck.splitlines()) == 4
    card = capacitance_free(get_card("generic"))
    lines = ["* shift", _include_line(card), ".options temp=26.85", "Vd d 0 0.03", "Vg g 0 0"]
    for name, shift in (("A", 0.0), ("B", 0.1)):
        lines += mos_lines(card, "nmos", name, "d", "g", "0", "0", 1e-6, 1e-6, noise=False, threshold_shift=shift)
    lines += [".control", "dc Vg 0 0 0.01", "let ia = i(VA_i)", "let ib = i(VB_i)", "wrdata out.dat ia ib",
              "quit 0", ".endc", ".end"]
    frame = run_netlist("\n".join(lines) + "\n", ["ia", "ib"], name="shift").data
    spice_ratio = float(frame["ib"].iloc[0] / frame["ia"].iloc[0])
    ekv_ratio = float(drain_current(shifted.nmos, 0.0, 0.0, 0.03, 300.0) / drain_current(plain.nmos, 0.0, 0.0, 0.03,
                                                                                         300.0))
    assert math.log(spice_ratio) == pytest.approx(math.log(ekv_ratio), rel=0.05)
