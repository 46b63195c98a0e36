"""The numba node-equation kernels against the numpy EKV functions of physics.mosfet."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import constants

from noisecircuits.circuits._subthreshold import (
    Device,
    Netlist,
    circuit_diffusion,
    circuit_diffusion_derivative,
    circuit_drift,
    device_constants,
    ekv_forward_reverse,
)
from noisecircuits.circuits.pbit import PBitDesign
from noisecircuits.errors import ParameterError
from noisecircuits.physics.mosfet import MosfetParams, forward_reverse_currents

DESIGN = PBitDesign.default()


@pytest.mark.parametrize("device", [DESIGN.nmos, DESIGN.pmos, DESIGN.bias_nmos, MosfetParams.default_pmos()])
@pytest.mark.parametrize("temperature", [200.0, 300.0, 450.0])
def test_numba_ekv_matches_physics_mosfet_to_1e12(device, temperature):
    rng = np.random.default_rng(7)
    vt0, n, ispec = device_constants(device, temperature)
    sign = 1.0 if device.polarity == "nmos" else -1.0
    ut = constants.k * temperature / constants.e
    for vg, vd, vs, vb in rng.uniform(-0.3, 0.8, size=(200, 4)):
        ref_f, ref_r = forward_reverse_currents(device, vg, vs, vd, temperature, v_bulk=vb)
        i_f, i_r = ekv_forward_reverse(sign, vt0, n, ispec, ut, vg, vd, vs, vb)
        # both are the same closed form in double precision: only rounding differs
        assert i_f == pytest.approx(ref_f, rel=1e-12)
        assert i_r == pytest.approx(ref_r, rel=1e-12)


def test_numba_drift_and_diffusion_match_numpy_netlist():
    netlist = DESIGN.netlist(0.12, 310.0)
    rng = np.random.default_rng(3)
    out = np.empty(2)
    for state in rng.uniform(-0.02, 0.1, size=(100, 2)):
        a_ref = netlist.drift(state)
        g_ref = netlist.diffusion(state)
        circuit_drift(state, netlist.params, out)
        # drift is a sum of currents of both signs: compare against the largest term's scale
        scale = np.max(np.abs([i for pair in netlist.device_currents(state) for i in pair])) / netlist.capacitances[0]
        assert np.all(np.abs(out - a_ref) <= 1e-12 * scale)
        circuit_diffusion(state, netlist.params, out)
        np.testing.assert_allclose(out, g_ref, rtol=1e-12)
        assert np.all(np.abs(netlist.drift_fast(state) - a_ref) <= 1e-12 * scale)


def test_noise_amplitude_is_half_the_summed_shot_noise_psd():
    # S_I = sum 2 q (I_f + I_r) over devices on the node; g = sqrt(S_I / 2) / C (docs/physics.md §1)
    netlist = DESIGN.netlist(0.12, 300.0)
    state = np.array([0.05, 0.02])
    psd_out = 0.0
    for dev, (i_f, i_r) in zip(netlist.devices, netlist.device_currents(state)):
        if dev.drain == "out":
            psd_out += 2 * constants.e * (i_f + i_r)
    g = np.empty(2)
    circuit_diffusion(state, netlist.params, g)
    assert g[0] == pytest.approx(np.sqrt(psd_out / 2) / DESIGN.node_capacitance, rel=1e-12)


def test_diffusion_derivative_matches_numpy_difference():
    netlist = DESIGN.netlist(0.12, 300.0)
    state = np.array([0.04, 0.03])
    out = np.empty(2)
    circuit_diffusion_derivative(state, netlist.params, out)
    h = 1e-5
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        ref = (netlist.diffusion(state + e)[i] - netlist.diffusion(state - e)[i]) / (2 * h)
        # central differences of step 1e-6 and 1e-5 V: truncation error ~ g''' h^2, far below 1e-4
        assert out[i] == pytest.approx(ref, rel=1e-4)


def test_netlist_refuses_devices_between_two_state_nodes():
    dev = Device("M1", DESIGN.nmos, gate="0", drain="a", source="b", bulk="0")
    with pytest.raises(ParameterError, match="both drain and source"):
        Netlist([("a", 1e-16), ("b", 1e-16)], [("0", 0.0)], [dev], 300.0)


def test_netlist_refuses_unknown_nodes():
    dev = Device("M1", DESIGN.nmos, gate="nowhere", drain="a", source="0", bulk="0")
    with pytest.raises(ParameterError, match="unknown node"):
        Netlist([("a", 1e-16)], [("0", 0.0)], [dev], 300.0)
