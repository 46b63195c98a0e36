"""Itô corrections of the categorical and continuous netlists, and the laws and budget rules of their checks."""

import math
import re

import numpy as np
import pytest

from noisecircuits.circuits.categorical import CategoricalCell, CategoricalDesign, softmax
from noisecircuits.circuits.continuous import ContinuousCell
from noisecircuits.errors import ParameterError
from noisecircuits.spice.cards import capacitance_free, get_card
from noisecircuits.spice.generate import categorical_netlist_text, continuous_netlist_text
from noisecircuits.spice.render import ito_correction_lines
from noisecircuits.spice.units import parse_value
from noisecircuits.validation.cell_laws import (
    agreement_frame,
    continuous_with_pass_ratio,
    recompare,
    softmax_budget,
    softmax_width,
)

_NUMBER = re.compile(r"(?<![A-Za-z_(])(\d+(?:\.\d+)?(?:e-?\d+)?(?:meg|[fpnumkg])?)(?![A-Za-z_\d])")


def _evaluate(expression, currents, voltages):
    """Evaluate a rendered B-source expression with given ammeter currents and node voltages."""
    names = {}

    def hold(value):
        key = f"h_{len(names)}_"  # digits between underscores: not read as a SPICE number
        names[key] = value
        return f" {key} "

    text = re.sub(r"i\((V\w+)\)", lambda m: hold(currents[m.group(1)]), expression)
    text = re.sub(r"v\((\w+),(\w+)\)", lambda m: hold(voltages[m.group(1)] - voltages[m.group(2)]), text)
    text = _NUMBER.sub(lambda m: repr(parse_value(m.group(1))), text).replace("^", "**")
    return eval(text, {"sqrt": math.sqrt, "tanh": math.tanh, **names})  # noqa: S307 - our own rendered text


def _check_ito_sources(text, netlist, state, node_names, volts):
    """Each rendered Bito source against C × (−½ g ∂g/∂V_i) = −(1/4) ∂(q Σ I_tot)/∂V_i of the SDE netlist."""
    lines = {ln.split()[0]: ln.split("I=", 1)[1] for ln in text.splitlines() if ln.startswith("Bito_")}
    assert sorted(lines) == sorted(f"Bito_{n}" for n in node_names)
    currents = {}
    for dev, (i_f, i_r) in zip(netlist.devices, netlist.device_currents(np.array(state))):
        sign = 1.0 if dev.params.polarity == "nmos" else -1.0
        currents[f"V{dev.name}_i"] = float(sign * (i_f - i_r))  # into the drain, as the ammeter reads
    for k, node in enumerate(node_names):
        step = 1e-5
        up, down = np.array(state, dtype=float), np.array(state, dtype=float)
        up[k] += step
        down[k] -= step
        d_half_psd = (netlist.currents_and_noise(up)[1][k] - netlist.currents_and_noise(down)[1][k]) / (2 * step)
        expected = -d_half_psd / 4.0  # C (−½ g ∂g/∂V), g² = q Σ(I_f + I_r)/C²: only the drain node's derivative
        got = _evaluate(lines[f"Bito_{node}"], currents, volts)
        # weak-inversion identity ∂I_tot/∂V_D = ∓I_r/U_T, up to the smoothing floors and EKV's
        # moderate-inversion terms (as for the p-bit, tests/spice/test_ito.py)
        assert got == pytest.approx(expected, rel=1e-2), node


@pytest.mark.parametrize("state", [(0.11, 0.01, 0.02, 0.005), (0.06, 0.05, 0.04, 0.07), (0.003, 0.1, 0.09, 0.05)])
def test_categorical_ito_sources_are_minus_half_g_dg(state):
    # inhibitor MN_kj has its gate on another state node (out_j): only ∂/∂V(out_k) enters
    design, temperature = CategoricalDesign.default(), 300.0
    controls = (0.046, 0.049, 0.051, 0.054)
    cell = CategoricalCell(design, controls, temperature)
    text = categorical_netlist_text(design, capacitance_free(get_card("generic")), v_controls=controls,
                                    temperature=temperature, noise_step=1e-10, duration=1e-8, seed=1,
                                    sample_step=5e-11, max_step=5e-11)
    volts = {f"out{k}": v for k, v in enumerate(state)} | {"vdd": design.supply_voltage, "0": 0.0}
    _check_ito_sources(text, _Scaled(cell.netlist), state, [f"out{k}" for k in range(4)], volts)


@pytest.mark.parametrize("state", [(0.07, 0.004, 0.025), (0.003, 0.072, 0.006), (0.04, 0.035, 0.05)])
def test_continuous_ito_sources_are_minus_half_g_dg(state):
    # MA, MB: drain on y, source on a fixed mode source, gate on the latch; y below a mode
    # source (third state: y = 50 mV > 40 mV; first: y = 25 mV < 40 mV) exercises both signs of V_DS
    from dataclasses import replace

    from noisecircuits.circuits.continuous import ContinuousDesign
    from noisecircuits.circuits.pbit import PBitDesign

    design = replace(ContinuousDesign.default(), pbit=replace(PBitDesign.default(), supply_voltage=0.075))
    temperature, v_bias, modes = 300.0, 0.13, (0.04, 0.0)
    cell = ContinuousCell(design, v_bias, modes, temperature)
    text = continuous_netlist_text(design, capacitance_free(get_card("generic")), v_bias=v_bias, v_modes=modes,
                                   temperature=temperature, noise_step=1e-10, duration=1e-8, seed=1,
                                   start=(0.0, 0.0, 0.02), sample_step=5e-11, max_step=4.99e-11)
    volts = {"out": state[0], "outb": state[1], "y": state[2], "vdd": design.pbit.supply_voltage, "0": 0.0,
             "v_mode_a": modes[0], "v_mode_b": modes[1]}
    _check_ito_sources(text, _Scaled(cell.netlist), state, ["out", "outb", "y"], volts)


class _Scaled:
    """A netlist whose currents_and_noise half-PSD is divided by each node's capacitance (C × correction)."""

    def __init__(self, netlist):
        self._n = netlist
        self.devices = netlist.devices

    def device_currents(self, state):
        return self._n.device_currents(state)

    def currents_and_noise(self, state):
        current, half_psd = self._n.currents_and_noise(state)
        return current, half_psd / self._n.capacitances


def test_ito_refuses_a_source_on_a_state_node_of_another_directive():
    noise = {"inverse_two_ut": 19.3}
    devices = [("nmos", "MX", "y", "g", "out")]
    # alone, y's source "out" looks fixed; with out declared a state node elsewhere it is refused
    assert len(ito_correction_lines(devices, ["y"], 2e-16, noise)) == 1
    with pytest.raises(ParameterError, match="source on a fixed node"):
        ito_correction_lines(devices, ["y"], 2e-16, noise, state_nodes=["out", "outb"])


def test_softmax_width_and_budget_follow_the_closed_form():
    w = 0.005
    v = np.array([0.046, 0.049, 0.051, 0.054])
    p = softmax(-v / w)
    assert softmax_width(v, p) == pytest.approx(w, rel=1e-12)
    # a gate error on control 0 alone: first-order change of the exact softmax, and its bound
    dv = np.array([1e-5, 0.0, 0.0, 0.0])
    change = np.abs(softmax(-(v - dv) / w) - p)
    bound = softmax_budget(p, w, dv)
    np.testing.assert_allclose(change, bound, rtol=2e-3)
    # errors on several controls: the bound is the sum of the single-control ones
    dv2 = np.array([1e-5, 2e-5, 0.0, 3e-5])
    np.testing.assert_allclose(softmax_budget(p, w, dv2), sum(softmax_budget(p, w, np.eye(4)[k] * dv2[k])
                                                            for k in range(4)))
    with pytest.raises(ParameterError, match="distinct"):
        softmax_width([0.05] * 4, p)


def test_pass_ratio_moves_the_mode_means_towards_the_stronger_device():
    cell = ContinuousCell(None, None, (0.04, 0.0), 300.0)
    base = cell.component_moments()["mean_V"]
    stronger_a = continuous_with_pass_ratio(cell.design, cell.v_bias, (0.04, 0.0), 300.0, 0.2).component_moments()
    # MA (source at 40 mV) stronger: both modes move up, and e^0 gives back the design's values
    assert all(m > b for m, b in zip(stronger_a["mean_V"], base))
    same = continuous_with_pass_ratio(cell.design, cell.v_bias, (0.04, 0.0), 300.0, 0.0).component_moments()
    np.testing.assert_allclose(same["mean_V"], base, rtol=1e-12)


def test_agreement_rule_and_recompare():
    rows = [("a", 1.0, 0.1, 1.3, 0.05, 0.05), ("b", 2.0, 0.1, 2.0, 0.0, 0.0)]
    frame = agreement_frame(rows, 4.0)
    assert frame["tolerance"].iloc[0] == pytest.approx(4 * math.hypot(0.1, 0.05) + 0.05)
    assert frame["agrees"].tolist() == [True, True]
    # the same recorded values against a law 0.5 away fail; nothing else changes
    wrong = recompare(frame, {"b": 2.5}, 4.0)
    assert wrong["agrees"].tolist() == [True, False]
    np.testing.assert_allclose(wrong["tolerance"], frame["tolerance"])
