"""Geometry-consistent p-bit decks: delvto threshold shift, capacitance extraction, full-card checks."""

from __future__ import annotations


import numpy as np
import pytest

from noisecircuits.constants import thermal_voltage
from noisecircuits.design.document import design_document
from noisecircuits.design.geometry import PBitGeometry, build_design
from noisecircuits.design.process import process_named
from noisecircuits.errors import ParameterError, SpiceError
from noisecircuits.spice.capacitance import capacitance_matrices
from noisecircuits.spice.cards import get_card
from noisecircuits.spice.generate import DeckOptions
from noisecircuits.spice.render import mos_lines

GENERIC = process_named("generic")
# a design-tool design (no optimisation): minimum-length latch with a 0.1 V threshold shift, 0.42 um
# widths (drawable on sky130 too); at 50 mV its calibrated generic-card latch is bistable at 300 K with
# tau_c ~ 130 fastest relaxation times
GEOMETRY = PBitGeometry(supply_voltage=0.05, latch_width=0.42e-6, latch_length=0.15e-6, bias_length=6e-6,
                        bias_width=0.42e-6, threshold_shift=0.1)


def _sky130():
    try:
        return get_card("sky130")
    except SpiceError:
        pytest.skip("sky130 cards not fetched (python -m noisecircuits.spice.cards fetch)")


def _currents(card, polarity, shifts, v_gates, temperature=300.0):
    """Drain-current magnitudes [A] of one W = L = 1 um device per shift, at |V_DS| = 50 mV, over |V_GS|."""
    from noisecircuits.spice.runner import run_netlist
    from noisecircuits.spice.render import _include_line

    sign = 1.0 if polarity == "nmos" else -1.0
    lines = ["* delvto bench", _include_line(card), f".options temp={temperature - 273.15:.6g}",
             f"Vd d 0 {sign * 0.05:.6g}", "Vg g 0 0"]
    for k, shift in enumerate(shifts):
        lines += mos_lines(card, polarity, f"M{k}", "d", "g", "0", "0", 1e-6, 1e-6, noise=False,
                           threshold_shift=shift)
    cols = [f"i{k}" for k in range(len(shifts))]
    lines += [".control", f"dc Vg {sign * v_gates[0]:.6g} {sign * v_gates[1]:.6g} {sign * 0.01:.6g}",
              *[f"let i{k} = abs(i(VM{k}_i))" for k in range(len(shifts))], "wrdata out.dat " + " ".join(cols),
              "quit 0", ".endc", ".end"]
    frame = run_netlist("\n".join(lines) + "\n", cols, name="delvto").data
    return [frame[c].to_numpy() for c in cols]


@pytest.mark.requires_ngspice
@pytest.mark.parametrize("card_name, polarity, gates", [("generic", "nmos", (0.0, 0.08)),
                                                         ("generic", "pmos", (0.0, 0.08))])
def test_delvto_multiplies_the_weak_inversion_current_as_the_ekv_threshold_shift(card_name, polarity, gates):
    """Lowering |V_T| by dV through delvto multiplies the weak-inversion current by exp(dV/(n U_T)),
    n from the calibration of the same device, within 3 % of the exponent (DIBL and the slope's
    gate-voltage dependence, which the EKV model lacks)."""
    from noisecircuits.validation.calibration import calibrate_card

    card = _sky130() if card_name == "sky130" else get_card(card_name)
    n = calibrate_card(card_name, polarity, 1e-6, 1e-6, (300.0,), t_ref=300.0, workers=1).params.slope_factor
    shift = 0.05
    base, lower, higher = _currents(card, polarity, (0.0, shift, -shift), gates)
    expected = shift / (n * thermal_voltage(300.0))
    np.testing.assert_allclose(np.log(lower / base), expected, rtol=0.03)
    np.testing.assert_allclose(np.log(base / higher), expected, rtol=0.03)


def test_mos_lines_write_delvto_with_the_measured_sign_convention():
    card = get_card("generic")
    n_line = mos_lines(card, "nmos", "MNa", "out", "outb", "0", "0", 1e-6, 1e-6, noise=False, threshold_shift=0.1)[1]
    p_line = mos_lines(card, "pmos", "MPa", "out", "outb", "vdd", "vdd", 1e-6, 1e-6, noise=False,
                       threshold_shift=0.1)[1]
    plain = mos_lines(card, "nmos", "MNb", "out", "outb", "0", "0", 1e-6, 1e-6, noise=False)[1]
    assert n_line.endswith("delvto=-100m") and p_line.endswith("delvto=100m") and "delvto" not in plain


@pytest.mark.requires_ngspice
def test_capacitance_extraction_recovers_known_capacitors_within_one_percent():
    def two_capacitors(s):
        return [f"C1{s} a{s} 0 1f", f"C2{s} a{s} b{s} 0.5f"], {f"a{s}": 0.04, f"b{s}": 0.01}

    (matrix,) = capacitance_matrices("generic", 300.0, [two_capacitors])
    np.testing.assert_allclose(matrix, [[1.5e-15, -0.5e-15], [-0.5e-15, 0.5e-15]], rtol=0.01)


@pytest.mark.requires_ngspice
def test_a_mos_gate_adds_a_capacitance_within_its_oxide_and_overlap_bounds_at_any_frequency():
    """Gate of a 1 um x 1 um nmos (drain, source, bulk grounded) at 40 mV in parallel with 1 fF: the
    extracted excess lies between the overlaps 2 C_ov W = 0.6 fF and C_ox W L + 2 C_ov W = 9.23 fF of
    the card (toxe = 4 nm, cgso = cgdo = 0.3 fF/um), the same at 1 kHz and 1 MHz (quasi-static)."""
    card = get_card("generic")

    def gate(s):
        return ([f"C1{s} g{s} 0 1f"] + mos_lines(card, "nmos", f"M{s}", "0", f"g{s}", "0", "0", 1e-6, 1e-6,
                                                  noise=False)), {f"g{s}": 0.04}

    (slow,) = capacitance_matrices(card, 300.0, [gate], frequency=1e3)
    (fast,) = capacitance_matrices(card, 300.0, [gate], frequency=1e6)
    excess = fast[0, 0] - 1e-15
    assert 0.6e-15 < excess < 3.9 * 8.854e-12 / 4e-9 * 1e-12 + 0.6e-15
    assert slow[0, 0] == pytest.approx(fast[0, 0], rel=1e-3)


def test_a_design_tool_design_renders_a_full_card_deck_with_delvto_and_its_explicit_capacitor():
    from noisecircuits.spice.pbit import check_card, render_pbit

    geometry = PBitGeometry(**{**GEOMETRY.__dict__, "extra_capacitance": 2e-16})
    design = build_design(geometry, GENERIC)
    deck, name = check_card("generic", full_capacitance=True)
    options = DeckOptions(threshold_shift=geometry.threshold_shift, explicit_capacitance=2e-16)
    text = render_pbit(design, deck, 0.12, 300.0, 1e-9, 1e-7, 1, (0.025, 0.025), options)
    lines = text.splitlines()
    assert name == "generic" and "nch_generic_dc" not in text and "pch_generic_dc" not in text
    for dev, value in (("MNa", "-100m"), ("MNb", "-100m"), ("MPa", "100m"), ("MPb", "100m")):
        (line,) = [ln for ln in lines if ln.startswith(f"M{dev} ")]
        assert line.endswith(f"delvto={value}")
    assert all("delvto" not in ln for ln in lines if ln.startswith(("MMNbias ", "MMNref ")))
    from noisecircuits.constants import ELEMENTARY_CHARGE
    from noisecircuits.spice.units import format_value

    assert f"Cout out 0 {format_value(2e-16)}" in lines and f"Coutb outb 0 {format_value(2e-16)}" in lines
    # the Ito correction uses the node's total capacitance (the design's), not the explicit capacitor

    k = format_value(ELEMENTARY_CHARGE / (2 * thermal_voltage(300.0)) / (4 * design.node_capacitance))
    assert any(ln.startswith("Bito_out 0 out I=" + k + "*") for ln in lines)


def test_the_reference_design_is_refused_on_sky130_and_in_full_capacitance_mode_in_one_line():
    from noisecircuits.validation.crosscheck import check_pbit

    for kwargs in ({"card": "sky130"}, {"card": "generic", "full_capacitance": True}):
        with pytest.raises(ParameterError) as info:
            check_pbit(temperatures=(300.0,), show_progress=False, **kwargs)
        message = str(info.value)
        assert "\n" not in message and "70 aF" in message and "below its own" in message and "--design" in message


def test_cli_refuses_the_reference_pbit_on_sky130_with_one_line(run_cli_limited):
    done = run_cli_limited("spice", "check", "pbit", "--card", "sky130", "--temperatures", "300")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "below its own" in done.stderr and "--design" in done.stderr


def test_cli_refuses_a_design_file_for_a_categorical_check(run_cli_limited, tmp_path):
    path = tmp_path / "d.json"
    import json

    path.write_text(json.dumps(design_document(GEOMETRY, "generic")))
    done = run_cli_limited("spice", "check", "categorical", "--design", path)
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and "--design" in done.stderr


def test_a_design_the_card_cannot_draw_is_refused_in_one_line_before_any_ngspice_run(run_cli_limited, tmp_path,
                                                                                       monkeypatch):
    # a generic-card design with 0.15 um latch widths, below sky130's 0.42 um: ngspice's binned models would
    # fail with an opaque error, so the check refuses it up front, naming the size and the allowed range
    import json

    from noisecircuits.validation import crosscheck

    _sky130()
    narrow = PBitGeometry(supply_voltage=0.07, latch_width=0.15e-6, latch_length=0.34e-6, bias_length=5e-6,
                          bias_width=0.15e-6, threshold_shift=0.15)
    document = design_document(narrow, "generic")
    with pytest.raises(ParameterError) as info:
        crosscheck.drawable_document(document, "sky130")
    message = str(info.value)
    assert "\n" not in message and "sky130" in message and "latch_width" in message and "4.2e-07" in message
    assert crosscheck.drawable_document(document, "generic")["geometry"] == document["geometry"]

    def no_ngspice(*args, **kwargs):  # pragma: no cover - reached only if the refusal comes too late
        raise AssertionError("ngspice ran before the refusal")

    monkeypatch.setattr("noisecircuits.validation.calibration.calibrate_card", no_ngspice)
    with pytest.raises(ParameterError, match="latch_width"):
        crosscheck.check_pbit("sky130", (300.0,), design=document, show_progress=False)
    path = tmp_path / "narrow.json"
    path.write_text(json.dumps(document))
    done = run_cli_limited("spice", "check", "pbit", "--card", "sky130", "--design", path, "--temperatures", "300",
                           "--json")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "latch_width" in done.stderr and done.stdout == ""
