"""Block-Gibbs sampling against exact enumeration; determinism; clamping."""

import numba
import numpy as np
import pytest
from scipy import stats

from noisecircuits.errors import ParameterError
from noisecircuits.gibbs.exact import exact_distribution, exact_mean_energy, state_spins
from noisecircuits.gibbs.graphs import erdos_renyi_edges, ising_lattice, random_regular_edges
from noisecircuits.gibbs.models import IsingModel
from noisecircuits.gibbs._sync import team_state
from noisecircuits.gibbs.sampler import sample_ising

#: chi-square tests reject at this p-value (a correct sampler fails 0.1 % of seeds)
P_REJECT = 1e-3


def _random_model(n=6, beta=0.8, seed=0):
    rng = np.random.default_rng(seed)
    edges = erdos_renyi_edges(n, 3.0, seed=seed)
    return IsingModel.from_edges(n, edges, rng.normal(0, 0.7, len(edges)), rng.normal(0, 0.5, n), beta)


def _chi_square_p(counts, probabilities):
    """p-value of Pearson's chi-square for counts vs exact probabilities (cells with p > 0)."""
    mask = probabilities > 0
    expected = probabilities[mask] * counts.sum()
    chi2 = float(np.sum((counts[mask] - expected) ** 2 / expected))
    assert counts[~mask].sum() == 0
    return stats.chi2.sf(chi2, mask.sum() - 1)


def test_independent_chains_match_enumeration():
    model = _random_model()
    # 20000 chains, one recorded sweep each after 60 sweeps of burn-in: independent samples
    run = sample_ising(model, sweeps=1, burn_in=60, chains=20000, seed=42)
    assert _chi_square_p(run.histogram, exact_distribution(model)) > P_REJECT


@pytest.mark.slow
def test_long_chain_energy_and_spins_match_enumeration():
    model = _random_model(n=8, beta=0.6, seed=4)
    run = sample_ising(model, sweeps=40000, burn_in=100, chains=2, seed=7)
    energy = run.energy()
    # 5 standard errors (stderr from the measured integrated autocorrelation time)
    assert abs(energy.mean - exact_mean_energy(model)) < 5 * energy.stderr
    p = exact_distribution(model)
    exact_spins = p @ state_spins(np.arange(p.size), model.n_nodes)
    # each <s_i> has variance <= 1 and tau_int of order the energy's: 5 sigma bound, 3x tau margin
    bound = 5 * np.sqrt(2 * 3 * energy.tau_int / run.n_records)
    assert np.max(np.abs(run.mean_spins() - exact_spins)) < bound
    assert sum(run.state_frequencies().values()) == pytest.approx(1.0)


def test_invertible_and_gate():
    # Camsari et al. 2017 AND gate (A, B -> C): truth-table states share the ground energy
    couplings = [[0, 1, -1.0], [0, 2, 2.0], [1, 2, 2.0]]
    model = IsingModel.from_edges(3, [c[:2] for c in couplings], [c[2] for c in couplings], [1.0, 1.0, -2.0], 2.0)
    run_one = sample_ising(model, sweeps=1, burn_in=30, chains=20000, seed=1, clamp={2: 1})
    p_one = run_one.state_probabilities()
    # clamp C = 1: A = B = 1 with probability 1 / (1 + 2 e^{-8} + e^{-24}) = 0.99933
    assert p_one[0b111] > 0.995
    assert _chi_square_p(run_one.histogram, exact_distribution(model, clamp={2: 1})) > P_REJECT
    run_zero = sample_ising(model, sweeps=1, burn_in=30, chains=20000, seed=2, clamp={2: -1})
    p_zero = run_zero.state_probabilities()
    # clamp C = 0: (0,0), (0,1), (1,0) each 1/(3 + e^{-8}); (1,1) only e^{-8} of that
    for code in (0b000, 0b010, 0b001):
        assert p_zero[code] == pytest.approx(1 / 3, abs=5 * np.sqrt(2 / 9 / 20000))  # 5 binomial sigma
    assert _chi_square_p(run_zero.histogram, exact_distribution(model, clamp={2: -1})) > P_REJECT
    assert run_zero.state_frequencies().keys() <= {"000", "010", "100", "110"}


def test_results_do_not_depend_on_thread_count_or_chunking(monkeypatch):
    import noisecircuits.gibbs.sampler as sampler_module

    monkeypatch.setattr(sampler_module, "LATTICE_KERNEL", False)  # the general kernel (lattice: test_lattice.py)
    model = ising_lattice(48, 0.42)  # 2304 spins: the parallel kernel
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = sample_ising(model, 30, burn_in=5, chains=2, seed=9)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = sample_ising(model, 30, burn_in=5, chains=2, seed=9)
    finally:
        numba.set_num_threads(before)
    chunked = sample_ising(model, 30, burn_in=5, chains=2, seed=9, progress=lambda n: None, snapshot_every=7)
    for other in (two, chunked):
        assert np.array_equal(one.final_spins, other.final_spins)
        assert np.array_equal(one.energies, other.energies)
        assert np.array_equal(one.magnetisations, other.magnetisations)
    # chain c does not depend on how many chains run
    three = sample_ising(model, 30, burn_in=5, chains=3, seed=9)
    assert np.array_equal(three.final_spins[:2], one.final_spins)
    assert not np.array_equal(three.final_spins[0], three.final_spins[1])


def test_counts_and_snapshots():
    model = ising_lattice(4, 0.3)
    run = sample_ising(model, 20, burn_in=3, chains=2, seed=1, snapshot_every=5)
    assert run.spin_updates == 23 * 2 * 16
    assert run.snapshots.shape == (4, 2, 16)
    assert np.allclose(run.energies[:, -1], model.energy(run.final_spins))
    assert np.array_equal(run.magnetisations[:, -1], run.final_spins.sum(axis=1))


def test_bad_arguments():
    model = ising_lattice(4, 0.3)
    with pytest.raises(ParameterError, match="sweeps"):
        sample_ising(model, 0)
    with pytest.raises(ParameterError, match="clamped spin"):
        sample_ising(model, 5, clamp={0: 0})
    with pytest.raises(ParameterError, match="outside"):
        sample_ising(model, 5, clamp={99: 1})
    with pytest.raises(ParameterError, match="same colour"):
        sample_ising(model, 5, colours=np.zeros(16, dtype=int))
    with pytest.raises(ParameterError, match="seed"):
        sample_ising(model, 5, seed=-1)
    with pytest.raises(ParameterError, match="initial"):
        sample_ising(model, 5, initial="sideways")
    with pytest.raises(ParameterError, match="shape"):
        sample_ising(model, 5, initial=np.ones(3))
    assert np.all(sample_ising(ising_lattice(4, 5.0), 3, initial="down", seed=0).final_spins == -1)
    big = ising_lattice(5, 0.3)
    with pytest.raises(ParameterError, match="n <= 20"):
        sample_ising(big, 5, histogram=True)


def test_threshold_table_path_equals_the_exponential_path(monkeypatch):
    import noisecircuits.gibbs.sampler as sampler_module

    monkeypatch.setattr(sampler_module, "LATTICE_KERNEL", False)
    model = ising_lattice(12, 0.44)  # couplings 1: the integer-level threshold table applies
    table = sample_ising(model, 200, burn_in=10, chains=2, seed=4)
    monkeypatch.setattr(sampler_module, "discrete_fields", lambda *args: None)
    direct = sample_ising(model, 200, burn_in=10, chains=2, seed=4)
    # the same decision u < sigma(2 beta I) in integers or floats: identical chains
    assert np.array_equal(table.final_spins, direct.final_spins)
    assert np.allclose(table.energies, direct.energies)


def _assert_same_chains(run, other, model):
    assert np.array_equal(run.final_spins, other.final_spins)
    assert np.array_equal(run.snapshots, other.snapshots)
    assert np.array_equal(run.magnetisations, other.magnetisations)
    assert np.array_equal(run.spin_sums, other.spin_sums)
    assert np.allclose(run.energies, other.energies)
    assert np.allclose(run.energies[:, -1], model.energy(run.final_spins))


@pytest.mark.parametrize("signed", [True, False])
def test_every_ising_kernel_gives_the_same_chains(monkeypatch, signed):
    """The three threshold-table layouts (chains innermost, one task per chain, tiles) and a
    team of two workers on one chain, with and without signed neighbour indices, make the same
    decisions from the same counters."""
    import noisecircuits.gibbs.sampler as sampler_module

    monkeypatch.setattr(sampler_module, "LATTICE_KERNEL", False)
    if not signed:
        monkeypatch.setattr(sampler_module, "signed_neighbours", lambda neighbours, couplings: None)
    edges = random_regular_edges(60, 4, seed=3)
    signs = np.where(np.random.default_rng(4).random(len(edges)) < 0.5, -1.0, 1.0)
    models = [ising_lattice(12, 0.44), IsingModel.from_edges(60, edges, signs, beta=0.5)]
    before = numba.get_num_threads()

    def run(path, workers, threads, chains):
        monkeypatch.setattr(sampler_module, "_ising_path", lambda *args: (path, workers))
        try:
            numba.set_num_threads(threads)
            return sample_ising(model, 40, burn_in=5, chains=chains, seed=8, snapshot_every=20, histogram=False)
        finally:
            numba.set_num_threads(before)

    two = min(2, numba.config.NUMBA_NUM_THREADS)
    for model in models:
        first = run("tiles", 1, 1, 5)
        for path in ("chains_innermost", "per_chain", "tiles"):
            for threads in (1, two):
                _assert_same_chains(first, run(path, 1, threads, 5), model)
        if two == 2:  # one chain split over a team of two workers
            teams = []
            monkeypatch.setattr(sampler_module, "team_state", lambda n: teams.append(team_state(n)) or teams[-1])
            _assert_same_chains(run("per_chain", 1, 1, 1), run("per_chain", 2, 2, 1), model)
            assert teams[-1][0, 0] == 2  # both workers met at the rendezvous: the team ran, no fallback


def test_kernel_choice_avoids_barriers_on_small_blocks():
    from noisecircuits.gibbs.sampler import BARRIER_WORK, TEAM_SLICE, _ising_path

    assert _ising_path(False, 8, 2, 10**6) == ("tiles", 1)  # float path: only the tile kernel
    assert _ising_path(True, 8, 1, 500) == ("chains_innermost", 1)
    assert _ising_path(True, 8, 2, 500) == ("per_chain", 1)  # small blocks: no barrier at all
    assert _ising_path(True, 1, 2, 2 * TEAM_SLICE) == ("per_chain", 2)  # a team meeting at a spinning barrier
    assert _ising_path(True, 1, 2, 2 * TEAM_SLICE, histogram=True) == ("per_chain", 1)
    assert _ising_path(True, 1, 2, TEAM_SLICE) == ("per_chain", 1)
    assert _ising_path(True, 2, 4, BARRIER_WORK) == ("tiles", 1)
    assert _ising_path(True, 8, 2, BARRIER_WORK) == ("chains_innermost", 1)


def test_a_team_that_cannot_run_at_once_falls_back_to_one_task(monkeypatch):
    """With one thread the two workers of a team run one after the other: the team is closed
    at its start and the chain runs as one task, with the same result."""
    import noisecircuits.gibbs.sampler as sampler_module

    monkeypatch.setattr(sampler_module, "LATTICE_KERNEL", False)
    model = ising_lattice(10, 0.4)
    alone = sample_ising(model, 20, burn_in=2, chains=1, seed=3, histogram=False)
    monkeypatch.setattr(sampler_module, "_ising_path", lambda *args: ("per_chain", 2))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        team = sample_ising(model, 20, burn_in=2, chains=1, seed=3, histogram=False)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(team.final_spins, alone.final_spins)
    assert np.allclose(team.energies, alone.energies)


def test_schedule_thinning_block_order_and_observers():
    from noisecircuits.gibbs.schedule import CallbackObserver, MomentObserver, Schedule

    model = ising_lattice(6, 0.35)
    base = sample_ising(model, 60, 10, chains=2, seed=9)
    # thin = 3: the kept samples are every third sweep of the same chains
    thinned = sample_ising(model, schedule=Schedule(samples=20, burn_in=10, thin=3), chains=2, seed=9)
    assert np.array_equal(thinned.energies, base.energies[:, 2::3])
    assert np.array_equal(thinned.mean_spins(), base.mean_spins())
    # observers see the states after each due kept sample; chunking for them never changes the chains
    seen = []
    moments = MomentObserver(pairs=[[0, 1], [0, 6]], every=4)
    run = sample_ising(model, 60, 10, chains=2, seed=9, progress=lambda k: None,
                       observers=[CallbackObserver(lambda k, s: seen.append((k, s.copy())), every=20), moments])
    assert np.array_equal(run.energies, base.energies)
    assert [k for k, _ in seen] == [19, 39, 59]
    assert np.array_equal(seen[-1][1], run.final_spins)
    assert moments.count == 2 * 15 and np.all(np.abs(moments.mean()) <= 1)
    # visiting the two colours in the other order gives different (still exact) chains
    swapped = sample_ising(model, schedule=Schedule(60, 10, block_order=(1, 0)), chains=2, seed=9)
    assert not np.array_equal(swapped.energies, base.energies)
    with pytest.raises(ParameterError, match="permutation of 0..1"):
        sample_ising(model, schedule=Schedule(5, block_order=(0, 0)))
    with pytest.raises(ParameterError, match="not both"):
        sample_ising(model, 5, schedule=Schedule(5))
    with pytest.raises(ParameterError, match="thin"):
        Schedule(5, thin=0)


@pytest.mark.parametrize("graph", ["regular8", "erdos_renyi"])
def test_per_chain_and_tile_parallel_kernels_give_the_same_chain(graph, monkeypatch):
    import noisecircuits.gibbs.sampler as sampler_module
    from noisecircuits.gibbs.graphs import random_regular_edges

    n = 2400  # above the parallel threshold
    edges = random_regular_edges(n, 8, seed=3) if graph == "regular8" else erdos_renyi_edges(n, 5.0, seed=3)
    signs = np.where(np.random.default_rng(4).random(len(edges)) < 0.5, -1.0, 1.0)
    model = IsingModel.from_edges(n, edges, signs, np.where(np.arange(n) % 3 == 0, 1.0, 0.0), beta=0.5)
    runs = []
    for threads in (1, 2):
        # 1 thread: one task per chain; 2 threads and one chain: the tiles of a block in parallel
        monkeypatch.setattr(sampler_module, "_threads", lambda threads=threads: threads)
        runs.append(sample_ising(model, 40, burn_in=3, chains=1, seed=6))
    per_chain, tiled = runs
    assert np.array_equal(per_chain.final_spins, tiled.final_spins)
    assert np.array_equal(per_chain.magnetisations, tiled.magnetisations)
    assert np.array_equal(per_chain.spin_sums, tiled.spin_sums)
    assert np.allclose(per_chain.energies, tiled.energies)
    assert np.allclose(per_chain.energies[:, -1], model.energy(per_chain.final_spins))
