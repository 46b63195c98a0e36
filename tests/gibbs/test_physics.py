"""Sampled lattice physics against closed forms: Kaufman, Onsager, Yang, Potts, Gaussian."""

import itertools

import numpy as np
import pytest

from noisecircuits.analysis.autocorrelation import integrated_autocorrelation_time
from noisecircuits.gibbs.exact import (
    kaufman_energy_per_site,
    onsager_energy_per_site,
    potts_critical_beta,
    yang_magnetisation,
)
from noisecircuits.gibbs.graphs import erdos_renyi_edges, ising_lattice, lattice_edges
from noisecircuits.gibbs.models import GaussianModel, PottsModel, csr_from_edges
from noisecircuits.gibbs.sampler import sample_gaussian, sample_ising, sample_potts


@pytest.mark.parametrize("beta", [0.3, 0.44, 0.6])
def test_8x8_energy_matches_kaufman(beta):
    run = sample_ising(ising_lattice(8, beta), sweeps=20000, burn_in=500, chains=4, seed=int(beta * 100))
    energy = run.energy()
    exact = kaufman_energy_per_site(8, 8, beta) * 64
    # 5 standard errors, stderr from the Sokal-windowed autocorrelation time
    assert abs(energy.mean - exact) < 5 * energy.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("beta", "size"), [(0.3, 64), (0.55, 64)])
def test_large_lattice_onsager_and_yang(beta, size):
    n = size * size
    # ordered phase: start ordered, as a random start can freeze into long-lived stripe states
    start = "up" if beta > 0.5 else None
    run = sample_ising(ising_lattice(size, beta), sweeps=3000, burn_in=500, chains=2, seed=5, initial=start)
    energy = run.energy()
    # finite-size corrections at L = 64 away from K_c are exponentially small (< 1e-6): 5 stderr
    assert abs(energy.mean / n - onsager_energy_per_site(beta)) < 5 * energy.stderr / n
    magnet = run.abs_magnetisation()
    if beta > 0.5:
        assert abs(magnet.mean - yang_magnetisation(beta)) < 5 * magnet.stderr + 1e-4  # + L=64 correction
    else:
        # disordered: |M|/N ~ sqrt(chi/(beta N)) -> a few 1/sqrt(N); far from ordered values
        assert magnet.mean < 0.1


def _potts_enumeration(model):
    n, q = model.n_nodes, model.n_states
    states = np.array(list(itertools.product(range(q), repeat=n)))
    rows = np.repeat(np.arange(n), np.diff(model.indptr))
    same = states[:, rows] == states[:, model.indices]
    energy = -(0.5 * (same * model.weights).sum(axis=1) + model.fields[np.arange(n), states].sum(axis=1))
    w = np.exp(-model.beta * (energy - energy.min()))
    return float(w @ energy / w.sum())


def test_small_potts_matches_enumeration():
    rng = np.random.default_rng(1)
    edges = lattice_edges(3)
    model = PottsModel.from_edges(9, 3, edges, rng.uniform(0.5, 1.5, len(edges)), rng.normal(0, 0.3, (9, 3)), 0.9)
    run = sample_potts(model, sweeps=20000, burn_in=200, chains=2, seed=3)
    energy = run.energy()
    assert abs(energy.mean - _potts_enumeration(model)) < 5 * energy.stderr  # 5 standard errors


@pytest.mark.slow
def test_potts_q3_specific_heat_peaks_at_beta_c():
    size, q = 16, 3
    edges = lattice_edges(size)
    beta_c = potts_critical_beta(q)
    heat, err = [], []
    for factor in (0.9, 1.0, 1.1):
        model = PottsModel.from_edges(size * size, q, edges, np.ones(len(edges)), beta=factor * beta_c)
        run = sample_potts(model, sweeps=6000, burn_in=500, chains=8, seed=11)
        per_chain = (factor * beta_c) ** 2 * run.energies.var(axis=1) / size**2  # C/N = beta^2 Var(E)/N
        heat.append(per_chain.mean())
        err.append(per_chain.std(ddof=1) / np.sqrt(per_chain.size))  # spread of 8 independent chains
    # the L = 16 peak lies within a few % of beta_c (shift ~ L^{-1/nu}, nu = 5/6): 4 combined sigma
    assert heat[1] - heat[0] > 4 * np.hypot(err[1], err[0])
    assert heat[1] - heat[2] > 4 * np.hypot(err[1], err[2])


def test_gaussian_moments_match_precision_inverse():
    rng = np.random.default_rng(0)
    n = 8
    edges = erdos_renyi_edges(n, 3, seed=2)
    indptr, indices, weights = csr_from_edges(n, edges, rng.normal(0, 0.3, len(edges)))
    beta = 2.0
    model = GaussianModel(rng.normal(size=n), np.full(n, 2.0), indptr, indices, weights, beta)
    run = sample_gaussian(model, sweeps=40000, burn_in=100, chains=2, seed=3)
    cov = np.linalg.inv(beta * model.dense_precision())
    total = run.energies.size
    # samples per independent sample: 2 tau_int of the energy, with a 3x margin for slower nodes
    spacing = 3 * 2 * integrated_autocorrelation_time(run.energies)
    # 5 sigma on each mean
    assert np.all(np.abs(run.means() - model.mean) < 5 * np.sqrt(np.diag(cov) * spacing / total))
    # variance estimate of a Gaussian: relative sd sqrt(2 / N_eff), 5 sigma
    assert np.allclose(run.variances(), np.diag(cov), rtol=5 * np.sqrt(2 * spacing / total))
    # <(x-mu)^T A (x-mu)/2> = n / (2 beta) exactly (equipartition); 5 standard errors
    energy = run.energy()
    assert abs(energy.mean - n / (2 * beta)) < 5 * energy.stderr
