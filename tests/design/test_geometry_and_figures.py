"""Design layer: capacitance from geometry, current factors, and exact figures of a design."""

from __future__ import annotations

import math

import pytest

from noisecircuits.circuits.pbit import PBit, v_mid
from noisecircuits.design import PBitGeometry, build_design, evaluate, node_capacitances, process_named
from noisecircuits.errors import ParameterError

GENERIC = process_named("generic")
# A geometry that is bistable over 280-340 K with a moderate barrier (explored by hand).
GEOMETRY = PBitGeometry(supply_voltage=0.066, latch_width=0.15e-6, latch_length=0.15e-6, bias_length=6e-6,
                        bias_width=0.15e-6)


def test_node_capacitance_by_hand():
    g = PBitGeometry(supply_voltage=0.08, latch_width=1e-6, latch_length=0.5e-6, bias_length=10e-6,
                     extra_capacitance=0.2e-15, bias_width=0.5e-6)
    p = GENERIC
    w, length, d = 1e-6, 0.5e-6, p.diffusion_length
    gate = p.oxide_capacitance * w * length * ((1.35 - 1) / 1.35 + (1.40 - 1) / 1.40)
    w_ref = 1e-6  # MNref = 2 x MNbias
    overlap = p.overlap_capacitance * (6 * w + w_ref)

    def junction(width):
        return p.junction_capacitance * width * d + p.junction_sidewall_capacitance * (width + 2 * d)

    caps = node_capacitances(g, p)
    assert caps["gate"] == pytest.approx(gate, rel=1e-12)
    assert caps["overlap"] == pytest.approx(overlap, rel=1e-12)
    assert caps["junction"] == pytest.approx(2 * junction(w) + junction(w_ref), rel=1e-12)
    assert caps["total"] == pytest.approx(gate + overlap + 2 * junction(w) + junction(w_ref) + 0.2e-15, rel=1e-12)
    assert caps["total_outb"] < caps["total"]  # MNbias is the narrower tilt device
    assert build_design(g, p).node_capacitance == caps["total"]


def test_current_factors_follow_width_over_length():
    design = build_design(GEOMETRY, GENERIC)
    assert design.nmos.current_factor == pytest.approx(200e-6 * 1.0)
    assert design.pmos.current_factor == pytest.approx(80e-6 * 1.0)
    assert design.bias_nmos.current_factor == pytest.approx(200e-6 * 0.15 / 6.0)
    assert design.ref_nmos.width == pytest.approx(0.3e-6)


def test_sizes_outside_the_card_are_refused():
    g = PBitGeometry(supply_voltage=0.07, latch_width=0.05e-6, latch_length=0.15e-6, bias_length=6e-6)
    with pytest.raises(ParameterError, match="latch_width"):
        g.check_sizes(GENERIC)
    with pytest.raises(ParameterError, match="--card"):
        process_named("tsmc7")


def test_figures_match_the_exact_pbit_at_the_exact_v_mid():
    design = build_design(GEOMETRY, GENERIC)
    metrics = evaluate(design, GENERIC, 300.0, (280.0, 340.0))
    assert metrics.bistable
    exact_centre = v_mid(design, 300.0, grid_points=41)
    # the two-point logit estimate of v_mid: exact for a logistic curve; the curve's departure
    # from logistic over +-2 mV moves it by well under a tenth of the width
    assert abs(metrics.v_bias_V - exact_centre) < 0.1 * metrics.transfer_width_V
    bit = PBit(design, metrics.v_bias_V, 300.0, 41)  # independent evaluation at the same bias
    assert metrics.correlation_time_s == pytest.approx(bit.correlation_time_exact(), rel=1e-12)
    assert metrics.supply_power_W == pytest.approx(bit.supply_power(), rel=1e-12)
    assert metrics.energy_per_sample_J == pytest.approx(2 * metrics.supply_power_W * metrics.correlation_time_s)
    assert metrics.energy_per_tau_J == pytest.approx(metrics.energy_per_sample_J / 2)
    assert metrics.min_barrier_kT <= metrics.barrier_kT
    # weak inversion everywhere: gate drives of tens of mV against V_T0 = 0.35 V
    assert metrics.max_inversion_coefficient < 0.01


def test_offset_spread_follows_pelgrom_area_scaling():
    # quadrupling every device's area halves each sigma(V_T); the current ratios change too, so
    # only the tilt-pair part is a clean check: with a latch far weaker than the bias pair
    # the spread tends to the pair's A_VT sqrt(1/(2 W_b L_b) + 1/(2 W_r L_r)).
    design = build_design(GEOMETRY, GENERIC)
    metrics = evaluate(design, GENERIC, 300.0, (300.0, 300.0))
    pair = GENERIC.pelgrom_threshold * math.sqrt(1 / (2 * 0.15e-6 * 6e-6) + 1 / (2 * 0.3e-6 * 6e-6))
    assert metrics.offset_sigma_V > pair  # the latch devices add to the pair


def test_monostable_design_is_reported_not_raised():
    low_supply = PBitGeometry(supply_voltage=0.05, latch_width=0.15e-6, latch_length=0.15e-6, bias_length=6e-6)
    metrics = evaluate(build_design(low_supply, GENERIC), GENERIC, 300.0, (280.0, 340.0))
    assert not metrics.bistable and math.isnan(metrics.correlation_time_s)


def test_latch_that_loses_a_state_at_a_range_end_keeps_its_figures():
    """A fixed 64 mV supply: bistable at 300 K (2.7 kT), one state at 340 K (docs/design.md). The
    figures at the target stay, and the barrier at the monostable end is 0 kT, so a search sees the
    point as short of the barrier constraint rather than as no circuit at all."""
    g = PBitGeometry(supply_voltage=0.064, latch_width=0.15e-6, latch_length=0.15e-6, bias_width=0.15e-6,
                     bias_length=6e-6, v_ref=0.1, supply_tracking="fixed")
    design = build_design(g, GENERIC)
    only_target = evaluate(design, GENERIC, 300.0, (300.0, 300.0))
    over_range = evaluate(design, GENERIC, 300.0, (280.0, 340.0))
    assert over_range.bistable and over_range.min_barrier_kT == 0.0
    assert over_range.barrier_kT == pytest.approx(only_target.barrier_kT, rel=1e-12) and over_range.barrier_kT > 2.0
    assert over_range.correlation_time_s == pytest.approx(only_target.correlation_time_s, rel=1e-12)


def test_default_grid_resolves_the_thermal_spread_of_a_fF_node():
    """A 1.3 fF node spreads by sqrt(kT/C) = 1.8 mV against a 65 mV supply: 61 points (1.0 spread
    apart) put tau_c several per cent high; the default grid (0.42 spread apart) agrees with a grid
    1.6x finer within 2 %."""
    from noisecircuits.circuits.pbit import resolved_grid_points

    g = PBitGeometry(supply_voltage=0.0655, latch_width=0.25e-6, latch_length=0.25e-6, bias_width=0.15e-6,
                     bias_length=6e-6, v_ref=0.25, threshold_shift=0.15, supply_tracking="ptat")
    design = build_design(g, GENERIC)
    n = resolved_grid_points(design, 300.0)
    assert n > 100
    bias = v_mid(design, 300.0)
    resolved = PBit(design, bias, 300.0)
    assert resolved.grid_points == n
    fine = PBit(design, bias, 300.0, grid_points=int(1.6 * n)).correlation_time_exact()
    assert resolved.correlation_time_exact() == pytest.approx(fine, rel=0.02)
    assert PBit(design, bias, 300.0, grid_points=61).correlation_time_exact() > 1.05 * fine
