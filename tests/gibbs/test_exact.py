"""Exact oracles checked against each other: Kaufman vs brute force vs Onsager."""

import math

import numpy as np
import pytest

from noisecircuits.gibbs.exact import (
    exact_distribution,
    exact_mean_energy,
    ising_critical_beta,
    kaufman_energy_per_site,
    kaufman_log_partition,
    kl_divergence,
    onsager_energy_per_site,
    potts_critical_beta,
    state_spins,
    state_string,
    yang_magnetisation,
)
from noisecircuits.gibbs.graphs import ising_lattice


def _brute_log_z(model):
    """ln Z summed state by state (chunks of 4096) with the model's own sparse energy."""
    total = 0.0
    for start in range(0, 1 << model.n_nodes, 4096):
        spins = state_spins(np.arange(start, min(start + 4096, 1 << model.n_nodes)), model.n_nodes)
        total += float(np.sum(np.exp(-model.beta * model.energy(spins))))
    return math.log(total)


@pytest.mark.parametrize(("rows", "cols"), [(4, 4), (3, 5), (3, 6)])
@pytest.mark.parametrize("k", [0.15, 0.4406868, 0.8])
def test_kaufman_matches_brute_force(rows, cols, k):
    model = ising_lattice(rows, k, cols=cols)
    # both are exact; 1e-12 relative is floating-point round-off
    assert kaufman_log_partition(rows, cols, k) == pytest.approx(_brute_log_z(model), rel=1e-12)
    assert kaufman_energy_per_site(rows, cols, k) == pytest.approx(exact_mean_energy(model) / (rows * cols), abs=1e-8)


@pytest.mark.parametrize("k", [0.25, 0.6])
def test_kaufman_large_torus_tends_to_onsager(k):
    # away from K_c finite-size corrections decay like exp(-L/xi): below 1e-8 at L = 128
    assert kaufman_energy_per_site(128, 128, k) == pytest.approx(onsager_energy_per_site(k), abs=1e-7)


def test_onsager_limits_and_yang():
    kc = ising_critical_beta()
    assert kc == pytest.approx(0.4406867935097715, rel=1e-15)
    # high temperature series u = -2 tanh K (1 + O(K^6)) ... leading term at small K
    assert onsager_energy_per_site(0.01) == pytest.approx(-2 * math.tanh(0.01), rel=1e-3)
    # ground state u -> -2J
    assert onsager_energy_per_site(3.0) == pytest.approx(-2.0, abs=1e-6)
    assert yang_magnetisation(0.4) == 0.0
    assert yang_magnetisation(2.0) == pytest.approx(1.0, abs=1e-6)
    assert 0 < yang_magnetisation(kc * 1.01) < yang_magnetisation(0.6) < 1


def test_potts_critical_point_reduces_to_ising():
    # q = 2 Potts with coupling J maps to Ising with J/2: beta_c = 2 K_c
    assert potts_critical_beta(2) == pytest.approx(2 * ising_critical_beta(), rel=1e-14)


def test_distribution_clamp_and_strings():
    model = ising_lattice(3, 0.5)
    p = exact_distribution(model, clamp={0: 1})
    spins = state_spins(np.arange(512), 9)
    assert p.sum() == pytest.approx(1.0)
    assert np.all(p[spins[:, 0] == -1] == 0)
    assert state_string(0b101, 3) == "101" and state_string(1, 3) == "100"
    assert kl_divergence(p, p) == 0.0
