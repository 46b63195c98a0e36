"""The reference p-bit: fixed points, exact (Fokker–Planck) statistics, SDE agreement, power."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import constants
from scipy.optimize import fsolve

import noisecircuits as nc
from noisecircuits.circuits.pbit import PBit, PBitDesign, correlation_time_exact, p_one_exact, v_mid
from noisecircuits.errors import ParameterError, SimulationError

DESIGN = PBitDesign.default()
SYMMETRIC = replace(DESIGN, ref_width_ratio=1.0)


def test_fixed_points_agree_with_independent_2d_root_finding():
    pb = PBit(DESIGN, 0.12, 300.0)
    fp = pb.fixed_points
    vdd = DESIGN.supply_voltage
    scale = DESIGN.node_capacitance / 1e-12  # node currents in pA
    for name, start in (("zero", (0.1 * vdd, 0.9 * vdd)), ("one", (0.9 * vdd, 0.1 * vdd)), ("saddle", (0.35 * vdd, 0.35 * vdd))):
        root = fsolve(lambda v: pb.netlist.drift(v) * scale, start, xtol=1e-13)
        # both solve the same smooth equations; the fixed points are well conditioned
        np.testing.assert_allclose(fp[name], root, atol=1e-9)


def test_latch_is_bistable_with_a_saddle_between_the_wells():
    pb = PBit(DESIGN, 0.12, 300.0)
    assert pb.bistable
    eig = {k: np.linalg.eigvals(pb.netlist.jacobian(v)).real for k, v in pb.fixed_points.items()}
    assert np.all(eig["zero"] < 0) and np.all(eig["one"] < 0)
    assert np.sum(eig["saddle"] > 0) == 1
    low, high = pb.wells
    assert low < pb.readout(pb.fixed_points["saddle"]) < high


def test_symmetric_design_has_mirror_fixed_points_and_p_one_half():
    # ref_width_ratio = 1 and v_bias = v_ref: swapping out and outb maps the circuit onto itself
    pb = PBit(SYMMETRIC, SYMMETRIC.v_ref, 300.0)
    fp = pb.fixed_points
    np.testing.assert_allclose(fp["zero"], fp["one"][::-1], atol=1e-12)
    assert fp["saddle"][0] == pytest.approx(fp["saddle"][1], abs=1e-12)
    # the grid is the same on both axes, so the discrete chain is mirror-symmetric too
    assert pb.p_one_exact() == pytest.approx(0.5, abs=1e-10)
    assert v_mid(SYMMETRIC, 300.0) == pytest.approx(SYMMETRIC.v_ref, abs=1e-5)


def test_monostable_far_from_v_mid():
    pb = PBit(DESIGN, 0.3, 300.0)
    assert not pb.bistable
    assert pb.p_one_exact() > 0.999
    low, high = pb.wells
    assert low == -high
    with pytest.raises(SimulationError, match="bistable"):
        pb.correlation_time_exact()


def test_exact_p_one_is_monotone_sigmoid_in_bias():
    biases = np.linspace(0.07, 0.16, 10)
    p = [p_one_exact(DESIGN, v, 300.0, grid_points=41) for v in biases]
    assert np.all(np.diff(p) > 0)
    assert p[0] < 0.1 and p[-1] > 0.95


def test_exact_p_one_is_grid_converged():
    # Scharfetter-Gummel chain is second order: 41 -> 81 points changes P(1) by < 1e-3
    coarse = p_one_exact(DESIGN, 0.11, 300.0, grid_points=41)
    fine = p_one_exact(DESIGN, 0.11, 300.0, grid_points=81)
    assert coarse == pytest.approx(fine, abs=1e-3)


def test_v_mid_is_where_exact_p_one_is_half_and_near_weak_inversion_estimate():
    for temperature in (280.0, 320.0):
        vm = v_mid(DESIGN, temperature)
        assert p_one_exact(DESIGN, vm, temperature) == pytest.approx(0.5, abs=1e-5)
        # MNbias and MNref carry equal weak-inversion currents at v_ref + n U_T ln(ratio); the
        # latch is not symmetric (different loads), so allow a few mV
        n = DESIGN.bias_nmos.slope_factor_at(temperature)
        estimate = DESIGN.v_ref + n * constants.k * temperature / constants.e * math.log(DESIGN.ref_width_ratio)
        assert vm == pytest.approx(estimate, abs=5e-3)


def test_design_meets_its_targets_at_300K():
    vm = v_mid(DESIGN, 300.0)
    pb = PBit(DESIGN, vm, 300.0)
    assert 2.0 < pb.effective_barrier() < 6.0
    tau = pb.correlation_time_exact()
    assert 1e-7 < tau < 1e-5
    assert pb.supply_power() < 1e-9
    assert p_one_exact(DESIGN, vm - 0.03, 300.0) < 0.15 and p_one_exact(DESIGN, vm + 0.03, 300.0) > 0.9


def test_supply_current_matches_hand_calculation_at_fixed_point():
    temperature = 300.0
    pb = PBit(DESIGN, 0.12, temperature)
    v_out, v_outb = pb.fixed_points["one"]
    vdd = DESIGN.supply_voltage
    ut = constants.k * temperature / constants.e

    def pmos_current(gate, drain):  # EKV written out: source and bulk at vdd, mirrored voltages
        p = DESIGN.pmos
        n = p.slope_factor
        vt = p.threshold_voltage + p.threshold_tempco * (temperature - p.t_ref)
        ispec = 2 * n * p.current_factor * (temperature / p.t_ref) ** p.mobility_exponent * ut**2
        vp = ((vdd - gate) - vt) / n
        f = math.log1p(math.exp(vp / (2 * ut))) ** 2
        r = math.log1p(math.exp((vp - (vdd - drain)) / (2 * ut))) ** 2
        return ispec * (f - r)

    hand = pmos_current(v_outb, v_out) + pmos_current(v_out, v_outb)  # MPa + MPb deliver all of I_dd
    assert float(pb.supply_current(np.array([v_out, v_outb]))) == pytest.approx(hand, rel=1e-12)


def test_validation_messages_name_parameter_and_range():
    with pytest.raises(ParameterError, match="temperature must be in"):
        PBit(DESIGN, 0.12, 500.0)
    with pytest.raises(ParameterError, match="v_bias must be in"):
        PBit(DESIGN, 2.0, 300.0)
    with pytest.raises(ParameterError, match="supply_voltage must be in"):
        PBitDesign(supply_voltage=5.0)
    with pytest.raises(ParameterError, match="nmos must be a nmos MosfetParams"):
        PBitDesign(nmos=DESIGN.pmos)


def _simulate(pb, duration, seed, steps_per_timescale=20):
    trace = nc.simulate(pb, duration, dt=pb.timescale / steps_per_timescale, seed=seed, record_every=steps_per_timescale)
    return trace, nc.trace_stats(trace)


def test_sde_p_one_and_correlation_time_match_fokker_planck_at_320K():
    temperature = 320.0
    vm = v_mid(DESIGN, temperature)
    pb = PBit(DESIGN, vm + 0.01, temperature)
    _, stats = _simulate(pb, 4e-4, seed=2024)
    exact_p = pb.p_one_exact()
    # 4 standard errors (autocorrelation-corrected SE of the occupation)
    assert abs(stats["p_one"] - exact_p) < 4 * stats["p_one_stderr"]
    tau = pb.correlation_time_exact()
    # dwell-based tau: relative SE ~ 1/sqrt(n_switches) (exponential dwells); plus <= 5 % Euler and
    # trace-thinning bias at dt = timescale/20 (measured: SDE/exact = 0.97-1.08 at 300-320 K)
    tolerance = 4 / math.sqrt(stats["n_switches"]) + 0.05
    assert stats["correlation_time_s"] / tau == pytest.approx(1.0, abs=tolerance)


@pytest.mark.slow
@pytest.mark.parametrize(("temperature", "offset"), [(300.0, -0.03), (300.0, 0.0), (300.0, 0.02), (290.0, -0.01)])
def test_sde_p_one_matches_fokker_planck(temperature, offset):
    vm = v_mid(DESIGN, temperature)
    pb = PBit(DESIGN, vm + offset, temperature)
    tau = pb.correlation_time_exact()
    _, stats = _simulate(pb, 300 * tau, seed=int(temperature * 1000 + offset * 1e4))
    # 4 standard errors of the autocorrelation-corrected occupation
    assert abs(stats["p_one"] - pb.p_one_exact()) < 4 * stats["p_one_stderr"]


@pytest.mark.slow
def test_supply_power_from_fokker_planck_matches_trace_average():
    pb = PBit(DESIGN, v_mid(DESIGN, 300.0) - 0.01, 300.0)
    trace, _ = _simulate(pb, 1e-3, seed=99)
    current = pb.supply_current(trace.values[0, 1:, :])
    # SE of the trace mean from 200 consecutive blocks (each many correlation times long)
    blocks = current[: current.size // 200 * 200].reshape(200, -1).mean(axis=1)
    stderr = blocks.std(ddof=1) / math.sqrt(blocks.size)
    power = pb.supply_power()
    assert abs(DESIGN.supply_voltage * current.mean() - power) < 4 * DESIGN.supply_voltage * stderr


def test_correlation_time_exact_function_matches_method():
    assert correlation_time_exact(DESIGN, 0.125, 300.0) == pytest.approx(PBit(DESIGN, 0.125, 300.0).correlation_time_exact())
