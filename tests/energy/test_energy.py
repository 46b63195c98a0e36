"""Energy accounting: each term, the chip arithmetic, baselines and the measured chip report."""

import numpy as np
import pytest

from noisecircuits.energy import (
    ChipEnergyParameters,
    denoising_chain_energy,
    gibbs_update_flops,
    gpu_gibbs_energy,
    independent_sample_energy,
    inference_energy,
    inference_power,
    rng_energy_from_cell,
    sweep_energy,
    trng_energy,
    update_energy,
)
from noisecircuits.energy.chip import chip_energy_report, measure_chip_statistics
from noisecircuits.errors import ParameterError
from noisecircuits.gibbs.graphs import ising_lattice


class PowerCell:
    """Minimal cell: constant supply power and energy per sample."""

    mismatch = {}

    def supply_power(self, temperature):
        return 5e-9 * temperature / 300.0

    def energy_per_sample(self, v_bias, temperature):
        return 2 * 100e-9 * self.supply_power(temperature)  # P * 2 tau_c

    def v_mid(self, temperature):
        return 0.3

    def v_width(self, temperature):
        return 0.04

    def p_one(self, v_bias, temperature):
        return 1 / (1 + np.exp(-(np.asarray(v_bias) - 0.3) / 0.04))

    def correlation_time(self, v_bias, temperature):
        return np.full(np.shape(v_bias), 100e-9)


def test_denoising_chip_arithmetic():
    # E = T K L^2 E_cell = 8 * 250 * 70^2 * 1.3 fJ = 12.74 nJ (docs/physics.md §6: about 13 nJ)
    energy = denoising_chain_energy(1.3e-15, 70, 250, 8)
    assert energy == pytest.approx(8 * 250 * 4900 * 1.3e-15, rel=1e-12)
    assert energy == pytest.approx(13e-9, rel=0.03)


def test_update_energy_terms():
    params = ChipEnergyParameters()
    e = update_energy(params, degree=12, toggle_rate=0.5)
    assert e.rng == pytest.approx(350e-18)
    assert e.bias == pytest.approx(12 * 50e-18)
    # 0.2 fF/um * 20 um = 4 fF; * (0.5 V)^2 = 1 fJ; * toggle 0.5
    assert e.wire == pytest.approx(0.5e-15, rel=1e-12)
    assert e.clock == pytest.approx(100e-18)
    assert e.total == pytest.approx(sum(e.as_dict().values()))
    # wire energy is linear in each of c', length, V^2 and toggle rate
    custom = ChipEnergyParameters(wire_length=40e-6, signal_voltage=1.0)
    assert update_energy(custom, 12, 0.25).wire == pytest.approx(8 * e.wire / 2, rel=1e-12)
    assert update_energy(params, 12, 0.0).wire == 0.0
    assert update_energy(params, 4, 0.5, rng_energy=1e-15).rng == 1e-15


def test_sweep_and_independent_sample():
    assert sweep_energy(1e-15, 100) == pytest.approx(1e-13)
    assert independent_sample_energy(1e-13, 0.5) == pytest.approx(1e-13)  # uncorrelated: one sweep
    assert independent_sample_energy(1e-13, 5.0) == pytest.approx(1e-12)
    with pytest.raises(ParameterError, match="tau_int_sweeps"):
        independent_sample_energy(1e-13, 0.2)


def test_cell_rng_energy():
    cell = PowerCell()
    assert rng_energy_from_cell(cell, 300.0, 100e-9) == pytest.approx(5e-9 * 100e-9)
    assert rng_energy_from_cell(cell, 300.0, 100e-9, source="sample") == pytest.approx(1e-15)
    with pytest.raises(ParameterError, match="'power' or 'sample'"):
        rng_energy_from_cell(cell, 300.0, 100e-9, source="magic")


def test_baselines():
    assert gibbs_update_flops(4) == 8 + 4 + 10 + 1
    assert gpu_gibbs_energy(1e6, 4) == pytest.approx(1e6 * 23 * 0.71e-12)
    assert gpu_gibbs_energy(1, 4, energy_per_flop=10.5e-12) == pytest.approx(23 * 10.5e-12)
    assert trng_energy(8) == pytest.approx(8 * 2.9e-12)
    # 70e9 parameters, 1000 tokens, 10x reasoning at 0.71 pJ/FLOP: 2*70e9*1e3*10*0.71e-12 = 994 J
    assert inference_energy(70e9, 1000, 10) == pytest.approx(994.0)
    assert inference_power(70e9, 100, 1.0) == pytest.approx(9.94)
    with pytest.raises(ParameterError, match="reasoning_multiplier"):
        inference_energy(1e9, 10, 0.5)


def test_parameter_validation():
    with pytest.raises(ParameterError, match="wire_length"):
        ChipEnergyParameters(wire_length=-1.0)
    with pytest.raises(ParameterError, match="toggle_rate"):
        update_energy(ChipEnergyParameters(), 4, 1.5)


def test_measured_toggle_rate_matches_exact_single_spin_flip_rate():
    # free spins (beta = 0): a heat-bath update redraws a fair coin, so it flips with probability 1/2
    model = ising_lattice(16, 0.0)
    stats = measure_chip_statistics(model, sweeps=400, seed=1)
    # 256 * 399 independent Bernoulli(1/2) flips: 5 sigma
    assert stats["toggle_rate"] == pytest.approx(0.5, abs=5 * 0.5 / np.sqrt(256 * 399))
    assert stats["tau_int_sweeps"] == pytest.approx(0.5, abs=0.1)  # independent sweeps


def test_chip_report_is_consistent():
    model = ising_lattice(10, 0.3)
    report = chip_energy_report(model, sweeps=50, steps=2, cell_energy=1e-15, toggle_rate=0.25, seed=1)
    b = report["breakdown_J"]
    assert b == {"rng": 1e-15, "bias": 0.0, "wire": 0.0, "clock": 0.0} and report["cell_energy_lumped"]
    assert report["energy_per_update_J"] == pytest.approx(sum(b.values()))
    modelled = chip_energy_report(model, sweeps=50, steps=2, toggle_rate=0.25, seed=1)
    assert modelled["energy_per_update_J"] == pytest.approx(update_energy(ChipEnergyParameters(), 4, 0.25).total)
    assert report["energy_per_sweep_J"] == pytest.approx(100 * report["energy_per_update_J"])
    assert report["energy_per_sample_J"] == pytest.approx(100 * report["energy_per_sweep_J"])
    assert report["gpu_baseline_J"] == pytest.approx(100 * 100 * 23 * 0.71e-12)
    with_cell = chip_energy_report(model, sweeps=50, cell=PowerCell(), measure_sweeps=100)
    assert with_cell["breakdown_J"]["rng"] == pytest.approx(5e-9 * 100e-9)
    with pytest.raises(ParameterError, match="not both"):
        chip_energy_report(model, 5, cell=PowerCell(), cell_energy=1e-15)
