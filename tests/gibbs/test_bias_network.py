"""The calibrated (inverse) bias network: a chip at its design temperature samples the ideal law.

The cell here has a deliberately asymmetric curve P(1) = sigma(z)^0.6 (z = (v - c(T))/w), so
the linear network (slope matched at I = 0) distorts the law even at the matched temperature,
while v(I) = P^-1(sigma(2 beta I); T_design) reproduces sigma(2 beta I) whatever the shape.
Oracles: exact enumeration of the sampled models.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from noisecircuits.errors import ParameterError
from noisecircuits.gibbs.distortion import distortion_report
from noisecircuits.gibbs.exact import exact_mean_energy
from noisecircuits.gibbs.graphs import ising_lattice
from noisecircuits.gibbs.hardware import HardwareMode
from noisecircuits.gibbs.models import IsingModel
from noisecircuits.gibbs.sampler import sample_ising

POWER, WIDTH, DRIFT = 0.6, 0.02, -1.5e-3  # [-], [V], [V/K]


class SkewedCell:
    """P(1) = sigma((v - c(T))/w)^POWER with c(T) = 0.3 V + DRIFT (T - 300 K): monotone, not symmetric."""

    @property
    def mismatch(self):
        return {"v_mid_sigma_V": 0.0, "v_width_rel_sigma": 0.0}

    @staticmethod
    def _centre(temperature):
        return 0.3 + DRIFT * (np.asarray(temperature, dtype=float) - 300.0)

    def p_one(self, v_bias, temperature):
        return special.expit((np.asarray(v_bias, dtype=float) - self._centre(temperature)) / WIDTH) ** POWER

    def v_mid(self, temperature):
        return self._centre(temperature) + WIDTH * special.logit(0.5 ** (1.0 / POWER))

    def v_width(self, temperature):
        return WIDTH * np.ones_like(np.asarray(temperature, dtype=float))

    def correlation_time(self, v_bias, temperature):
        return 1e-6 * np.ones_like(np.asarray(v_bias, dtype=float))


def _run(model, mode, seed=1):
    run = sample_ising(model, 20000, burn_in=500, chains=4, seed=seed, histogram=True, hardware=mode)
    return run, run.energy(), distortion_report(run)


def test_inverse_network_maps_the_field_onto_the_ideal_update_probability():
    mode = HardwareMode(SkewedCell(), 300.0, bias_network="inverse")
    beta = 0.4
    fields = np.linspace(-6.0, 6.0, 25)
    tables = mode.tables(1, beta, field_bound=6.0)
    grid = tables.x0 + tables.dx * np.arange(tables.p_one.size)
    p = np.interp(tables.control(fields[:, None])[:, 0], grid, tables.p_one)
    # interpolation of the tabulated inverse and curve: measured error below 2e-6
    np.testing.assert_allclose(p, special.expit(2 * beta * fields), atol=1e-5)
    # the linear network matches only the slope at I = 0 and is visibly off away from it
    linear = HardwareMode(SkewedCell(), 300.0).tables(1, beta)
    p_linear = np.interp(linear.control(fields[:, None])[:, 0], grid, linear.p_one)
    assert np.max(np.abs(p_linear - special.expit(2 * beta * fields))) > 0.015  # measured 0.024


def test_inverse_network_refuses_a_gain_and_unknown_networks():
    with pytest.raises(ParameterError, match="linear bias network only"):
        HardwareMode(SkewedCell(), 300.0, gain=0.01, bias_network="inverse")
    with pytest.raises(ParameterError, match="bias network must be one of"):
        HardwareMode(SkewedCell(), 300.0, bias_network="quadratic")
    with pytest.raises(ParameterError, match="largest local field"):
        HardwareMode(SkewedCell(), 300.0, bias_network="inverse").tables(4, 0.3)


@pytest.mark.parametrize("model", [
    ising_lattice(3, beta=0.3),  # the lattice threshold path
    IsingModel.from_edges(5, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 2)], [0.8, -0.6, 1.0, 0.5, -0.9, 0.4],
                          biases=[0.3, -0.2, 0.0, 0.5, -0.4], beta=0.7),  # the general kernel
], ids=["lattice", "graph"])
def test_matched_chip_samples_the_exact_law_and_a_drifted_one_does_not(model):
    exact = exact_mean_energy(model)
    matched = HardwareMode(SkewedCell(), 300.0, bias_network="inverse", design_temperature=300.0)
    _, energy, report = _run(model, matched)
    # 4 standard errors of the sampled mean energy (chains' spread and ESS, docs/gibbs.md)
    assert abs(energy.mean - exact) < 4 * energy.stderr, (energy.mean, energy.stderr, exact)
    # KL of an ideal sampler is about its finite-sample level (K - 1)/(2 N_eff); 1.5 of it allows
    # the level's own scatter (chi-square with K - 1 >= 31 degrees of freedom: sd/mean <= 0.25)
    assert report["kl_divergence_nats"] < 1.5 * report["kl_finite_sample_bias_nats"], report
    # the same chip 10 K warmer: v_mid moves 15 mV (0.75 width) and the law is visibly wrong
    drifted = HardwareMode(SkewedCell(), 310.0, bias_network="inverse", design_temperature=300.0)
    _, energy_drift, report_drift = _run(model, drifted, seed=2)
    assert abs(energy_drift.mean - exact) > 4 * energy_drift.stderr
    assert report_drift["kl_divergence_nats"] > 5 * report_drift["kl_finite_sample_bias_nats"]


def test_linear_network_distorts_an_asymmetric_cell_even_at_its_design_temperature():
    model = ising_lattice(3, beta=0.3)
    _, _, report = _run(model, HardwareMode(SkewedCell(), 300.0, bias_network="linear"))
    # the distortion the inverse network removes (measured KL ~ 10x the finite-sample level)
    assert report["kl_divergence_nats"] > 3 * report["kl_finite_sample_bias_nats"], report
