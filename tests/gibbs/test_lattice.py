"""The periodic-lattice kernel against exact enumeration, Kaufman/Onsager and itself (threads, layouts)."""

import numba
import numpy as np
import pytest
from scipy import stats

import noisecircuits.gibbs.sampler as sampler_module
from noisecircuits.gibbs import lattice
from noisecircuits.gibbs.exact import (
    exact_distribution,
    kaufman_energy_per_site,
    onsager_energy_per_site,
    state_spins,
)
from noisecircuits.gibbs.graphs import ising_lattice, lattice_edges
from noisecircuits.gibbs.hardware import HardwareMode
from noisecircuits.gibbs.models import IsingModel
from noisecircuits.gibbs.sampler import sample_ising
from noisecircuits.gibbs.schedule import Schedule

from tests.gibbs.test_hardware import LogisticCell

P_REJECT = 1e-3  # chi-square rejection level


def _uses_lattice_kernel(model, hardware=None):
    return sampler_module._lattice_thresholds(model, hardware, {}, None, Schedule(1)) is not None


def _exact_levels(model):
    """Exact law of the 2^n states, their energies and magnetisations."""
    p = exact_distribution(model)
    spins = state_spins(np.arange(p.size), model.n_nodes)
    return p, model.energy(spins), spins.sum(axis=1)


def _check_against_enumeration(model, run):
    p, energy, mag = _exact_levels(model)
    n_samples = run.energies.size
    for name, sampled, exact_values in (("E", run.energies, energy), ("M", run.magnetisations, mag)):
        mean = float(p @ exact_values)
        sd = float(np.sqrt(p @ (exact_values - mean) ** 2))
        # independent chains, one sample each: SE = exact sd / sqrt(N); 4 SE
        assert abs(sampled.mean() - mean) < 4 * sd / np.sqrt(n_samples), name
    # chi-square over the energy levels (levels with < 5 expected counts merged into one cell)
    levels, inverse = np.unique(np.round(energy, 9), return_inverse=True)
    expected = np.bincount(inverse, weights=p) * n_samples
    observed = np.array([np.sum(np.isclose(run.energies, level)) for level in levels])
    small = expected < 5
    expected = np.append(expected[~small], expected[small].sum())
    observed = np.append(observed[~small], observed[small].sum())
    chi2 = float(np.sum((observed - expected) ** 2 / np.maximum(expected, 1e-300)))
    assert stats.chi2.sf(chi2, expected.size - 1) > P_REJECT
    # every site's <s_i> (translation invariant, so the mean over sites is the exact <M>/n): 4 SE of a mean of ±1
    exact_site = float(p @ mag) / model.n_nodes
    site_se = np.sqrt(max(1 - exact_site**2, 1e-12) / n_samples)
    assert np.max(np.abs(run.mean_spins() - exact_site)) < 4.5 * site_se  # 16 sites: 4.5 SE keeps P(fail) < 1e-3


@pytest.mark.parametrize(("coupling", "field", "beta"), [(1.0, 0.0, 0.4), (-0.8, 0.3, 0.6), (0.5, -0.7, 1.1)])
def test_4x4_lattice_matches_enumeration(coupling, field, beta):
    model = ising_lattice(4, beta, coupling=coupling, field=field)
    assert _uses_lattice_kernel(model)
    # 20000 chains, one recorded sweep after 40 of burn-in: independent samples
    run = sample_ising(model, 1, burn_in=40, chains=20000, seed=3, histogram=False)
    _check_against_enumeration(model, run)
    # the energy trace is the model's energy of the state (tracked, not recomputed per sweep)
    assert np.allclose(run.energies[:, -1], model.energy(run.final_spins))
    assert np.array_equal(run.magnetisations[:, -1], run.final_spins.sum(axis=1))


def test_4x4_lattice_through_a_cell_with_finite_correlation_time_matches_enumeration():
    # ideal logistic cell with ideal gain = heat bath at beta; keeping the old output is a lazy Gibbs step
    # (paramagnetic: chains from all -1 mix within the burn-in even when the cells keep 61 % of outputs)
    model = ising_lattice(4, 0.35, field=0.2)
    mode = HardwareMode(LogisticCell(tau=100e-9), update_interval=50e-9)
    assert _uses_lattice_kernel(model, mode)
    run = sample_ising(model, 1, burn_in=150, chains=20000, seed=5, hardware=mode, histogram=False)
    _check_against_enumeration(model, run)


def test_lattice_kernel_applies_only_where_it_is_exact():
    assert lattice.lattice_shape(ising_lattice(8, 0.4)) == (8, 8)
    assert lattice.lattice_shape(ising_lattice(6, 0.4, cols=10)) == (6, 10)
    assert lattice.lattice_shape(ising_lattice(5, 0.4)) is None  # odd: not two colours
    edges = lattice_edges(8)
    varied = IsingModel.from_edges(64, edges, np.linspace(0.5, 1.5, len(edges)), beta=0.4)
    assert lattice.lattice_shape(varied) is None
    assert not _uses_lattice_kernel(ising_lattice(8, 0.4), HardwareMode(LogisticCell(v_mid_sigma=0.01), mismatch=True))
    model = ising_lattice(8, 0.4)
    assert sampler_module._lattice_thresholds(model, None, {0: 1}, None, Schedule(1)) is None
    assert sampler_module._lattice_thresholds(model, None, {}, None, Schedule(1, block_order=(1, 0))) is None
    board = np.arange(2 * 60).reshape(2, 60)
    assert np.array_equal(lattice.from_checkerboard(lattice.to_checkerboard(board, 6, 10)), board)


def test_16x16_energy_matches_kaufman():
    beta = 0.44
    run = sample_ising(ising_lattice(16, beta), 20000, burn_in=1000, chains=4, seed=2)
    energy = run.energy()
    # 4 standard errors (stderr from ESS, chains compared)
    assert abs(energy.mean / 256 - kaufman_energy_per_site(16, 16, beta)) < 4 * energy.stderr / 256


def test_64x64_energy_matches_onsager():
    beta = 0.3
    run = sample_ising(ising_lattice(64, beta), 2000, burn_in=200, chains=2, seed=4)
    energy = run.energy()
    # L = 64 at beta = 0.3: finite-size correction exponentially small; 4 standard errors
    assert abs(energy.mean / 4096 - onsager_energy_per_site(beta)) < 4 * energy.stderr / 4096


def test_lattice_runs_do_not_depend_on_threads_chunking_or_chain_count():
    model = ising_lattice(48, 0.42)  # 2304 spins: parallel kernels
    before = numba.get_num_threads()
    runs = {}
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            for chains in (1, 3):  # one chain: rows in parallel; three: one task per chain
                runs[threads, chains] = sample_ising(model, 30, burn_in=5, chains=chains, seed=9)
    finally:
        numba.set_num_threads(before)
    chunked = sample_ising(model, 30, burn_in=5, chains=3, seed=9, progress=lambda n: None, snapshot_every=7)
    threads = max(t for t, _ in runs)
    for chains in (1, 3):
        for other in (runs[threads, chains], chunked if chains == 3 else runs[1, 1]):
            for name in ("energies", "magnetisations", "final_spins", "spin_sums"):
                assert np.array_equal(getattr(runs[1, chains], name), getattr(other, name)), name
    # chain c does not depend on how many chains run
    assert np.array_equal(runs[1, 3].final_spins[:1], runs[1, 1].final_spins)
    assert np.array_equal(runs[1, 3].energies[:1], runs[1, 1].energies)
    assert not np.array_equal(runs[1, 3].final_spins[0], runs[1, 3].final_spins[1])
    # snapshots at kept samples 7, 14, 21, 28: the state of a 28-sample run
    assert chunked.snapshots.shape == (4, 3, 2304)
    assert np.array_equal(chunked.snapshots[-1], sample_ising(model, 28, burn_in=5, chains=3, seed=9).final_spins)


def test_row_and_chain_parallel_kernels_make_the_same_updates():
    model = ising_lattice(32, 0.44, field=0.1)
    keys = np.array([11, 12], dtype=np.uint64)
    start = np.where(np.random.default_rng(1).random((2, 1024)) < 0.5, -1, 1).astype(np.int8)
    thresholds = lattice.update_thresholds(model)
    outputs = []
    for kernel in (lattice._CHAINS[0], lattice._CHAINS[1], lattice._ROWS[0], lattice._ROWS[1]):
        board = lattice.to_checkerboard(start, 32, 32)
        sums = np.zeros(board.shape, dtype=np.int64)
        e, m = np.zeros((2, 20)), np.zeros((2, 20), dtype=np.int64)
        kernel(board, keys, thresholds, 1.0, 0.1, 3, 20, e, m, sums, np.zeros((2, 1), dtype=np.int64))
        outputs.append((board, sums, e, m))
    for other in outputs[1:]:
        for a, b in zip(outputs[0], other):
            assert np.array_equal(a, b)
    final = lattice.from_checkerboard(outputs[0][0])
    assert np.allclose(outputs[0][2][:, -1], model.energy(final))


def test_lattice_kernel_makes_the_general_kernels_decisions(monkeypatch):
    # same counters and hash: 64 bits < round(2^64 p) and 53 bits < ceil(2^53 p) disagree with
    # probability < 2^-52 per update, so the two kernels give the same chains
    model = ising_lattice(12, 0.44, coupling=-1.0, field=0.5, cols=8)
    fast = sample_ising(model, 200, burn_in=10, chains=3, seed=4)
    monkeypatch.setattr(sampler_module, "LATTICE_KERNEL", False)
    general = sample_ising(model, 200, burn_in=10, chains=3, seed=4)
    assert np.array_equal(fast.final_spins, general.final_spins)
    assert np.array_equal(fast.magnetisations, general.magnetisations)
    assert np.allclose(fast.energies, general.energies)
    assert np.array_equal(fast.spin_sums, general.spin_sums)


def test_lattice_histogram_codes_the_users_spins():
    # one chain, one recorded sweep: the histogram holds exactly the final state (bit i = spin i is +1)
    model = ising_lattice(4, 0.3, field=0.1)
    for seed in range(5):
        run = sample_ising(model, 1, burn_in=seed, chains=1, seed=seed, initial="random")
        code = int(np.sum((run.final_spins[0] > 0) << np.arange(16)))
        assert run.histogram[code] == 1 and run.histogram.sum() == 1


def test_cold_lattice_tables_saturate_without_warnings():
    # beta = 1e3: sigma(2 beta I) is 0 or 1 to double precision; the table must not overflow
    thresholds = lattice.update_thresholds(ising_lattice(4, 1e3))
    assert thresholds[0, 0] == 0 and thresholds[0, 8] == np.iinfo(np.uint64).max
    assert thresholds[0, 4] == 2**63  # S = 0: p = 1/2 exactly
    run = sample_ising(ising_lattice(8, 1e3), 5, chains=1, seed=1, initial="up")
    assert np.all(run.final_spins == 1)
