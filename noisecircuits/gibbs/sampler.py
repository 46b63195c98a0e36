"""Block-Gibbs sampling of Ising, Potts and Gaussian models (entry points).

Heat-bath (Glauber) update of spin i, given its neighbours (docs/physics.md §3):

.. math:: P(s_i = +1) = \\sigma(2\\beta I_i),\\qquad I_i = \\sum_j J_{ij} s_j + h_i,

applied to one colour block at a time (exact Gibbs). Potts nodes draw
:math:`P(s_i = a) \\propto \\exp(\\beta(h_{i,a} + \\sum_j J_{ij}\\delta_{a s_j}))`; Gaussian nodes
draw :math:`x_i \\sim N(\\mu_i - \\sum_{j} A_{ij}(x_j - \\mu_j)/A_{ii},\\, 1/(\\beta A_{ii}))`.

Observers record each chain's energy (and magnetisation) after every post-burn-in sweep
and, for n <= 20 spins, a histogram of the visited states; no spin trace is stored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from noisecircuits import _validate
from noisecircuits.citations import use
from noisecircuits.errors import ParameterError
from noisecircuits.gibbs import kernels
from noisecircuits.gibbs._ising_layout import discrete_fields, padded_neighbours, relabel_by_colour, tiles
from noisecircuits.gibbs._rng import chain_keys
from noisecircuits.gibbs.autocorr import SeriesSummary, summarise_series
from noisecircuits.gibbs.colouring import check_colouring, colour_blocks, dsatur_colouring
from noisecircuits.gibbs.exact import state_string
from noisecircuits.gibbs.models import GaussianModel, IsingModel, PottsModel

__all__ = ["HISTOGRAM_MAX_SPINS", "IsingRun", "PottsRun", "GaussianRun", "sample_ising", "sample_potts", "sample_gaussian"]

#: Largest model whose full state histogram is kept.
HISTOGRAM_MAX_SPINS = 20

#: Target wall time of one kernel call when a progress callback is given [s].
_CHUNK_SECONDS = 0.25


@dataclass(frozen=True, eq=False)
class IsingRun:
    """Result of :func:`sample_ising`.

    Attributes
    ----------
    energies : ndarray, shape (chains, sweeps)
        Energy after each recorded sweep [energy unit].
    magnetisations : ndarray, shape (chains, sweeps)
        :math:`\\sum_i s_i` after each recorded sweep [-].
    spin_sums : ndarray, shape (n,)
        :math:`\\sum s_i` over all recorded sweeps and chains [-].
    histogram : ndarray or None
        Visit counts of the :math:`2^n` states (code bit i = spin i is +1), summed over chains.
    final_spins : ndarray, shape (chains, n)
        Last state of each chain.
    snapshots : ndarray, shape (k, chains, n)
        States kept every ``snapshot_every`` sweeps (empty when not asked for).
    spin_updates : int
        Spin updates done, burn-in included [-].
    elapsed_s : float
        Wall time of the sweeps, compilation excluded [s].
    """

    model: IsingModel
    energies: np.ndarray
    magnetisations: np.ndarray
    spin_sums: np.ndarray
    histogram: np.ndarray | None
    final_spins: np.ndarray
    snapshots: np.ndarray
    spin_updates: int
    elapsed_s: float
    seed: object = None
    clamp: dict = field(default_factory=dict)

    @property
    def n_records(self) -> int:
        """Recorded sweeps × chains."""
        return int(self.energies.size)

    @property
    def updates_per_second(self) -> float:
        """Spin updates per second of wall time [1/s]."""
        return self.spin_updates / self.elapsed_s if self.elapsed_s > 0 else float("inf")

    def energy(self) -> SeriesSummary:
        """Mean energy with its error and integrated autocorrelation time [energy unit]."""
        return summarise_series(self.energies)

    def abs_magnetisation(self) -> SeriesSummary:
        """Mean :math:`|\\sum_i s_i| / n` [-]."""
        return summarise_series(np.abs(self.magnetisations) / self.model.n_nodes)

    def mean_spins(self) -> np.ndarray:
        """:math:`\\langle s_i \\rangle` [-]."""
        return self.spin_sums / self.n_records

    def state_probabilities(self) -> np.ndarray:
        """Sampled frequency of each state code (needs n <= 20)."""
        if self.histogram is None:
            raise ParameterError(f"state histograms are kept only for n <= {HISTOGRAM_MAX_SPINS} spins")
        return self.histogram / self.histogram.sum()

    def state_frequencies(self) -> dict[str, float]:
        """Visited states as ``{'1010...': frequency}`` ('1' = +1, spin 0 first)."""
        p = self.state_probabilities()
        n = self.model.n_nodes
        return {state_string(code, n): float(p[code]) for code in np.flatnonzero(p)}


def _check_common(sweeps, burn_in, chains):
    sweeps = _validate.positive_int("sweeps", sweeps)
    burn_in = _validate.positive_int("burn_in", burn_in, minimum=0)
    chains = _validate.positive_int("chains", chains)
    return sweeps, burn_in, chains


def _blocks(indptr, indices, colours, free):
    if colours is None:
        colours = dsatur_colouring(indptr, indices)
    else:
        colours = np.asarray(colours, dtype=np.int64)
        if colours.shape != (indptr.size - 1,):
            raise ParameterError(f"colours must have one entry per node ({indptr.size - 1}), got shape {colours.shape}")
        check_colouring(indptr, indices, colours)
    return colour_blocks(colours, free)


def _chunks(total, per_chunk):
    done = 0
    while done < total:
        step = min(per_chunk, total - done)
        yield done, step
        done += step


def _run_chunked(call, burn_in, sweeps, n_work, progress, snapshot_every):
    """Run burn-in then recorded sweeps in chunks; returns elapsed seconds.

    ``call(sweep0, n, record_from)`` runs ``n`` sweeps starting at global sweep ``sweep0``.
    Chunk boundaries never change results (counter-based random numbers).
    """
    per_chunk = max(1, int(_CHUNK_SECONDS * 5e7 / max(n_work, 1))) if progress else max(burn_in, sweeps)
    if snapshot_every:
        per_chunk = max(1, min(per_chunk, snapshot_every))
    elapsed = 0.0
    for phase_start, phase_len, recorded in ((0, burn_in, False), (burn_in, sweeps, True)):
        for offset, step in _chunks(phase_len, per_chunk):
            if recorded and snapshot_every:
                step = min(step, snapshot_every - offset % snapshot_every)
            start = time.perf_counter()
            call(phase_start + offset, step, offset if recorded else -1)
            elapsed += time.perf_counter() - start
            if progress:
                progress(step)
    return elapsed


def _initial_spins(initial, keys, n):
    chains = keys.size
    if initial is None:
        out = np.empty((chains, n), dtype=np.int8)
        for c in range(chains):
            out[c] = np.where(np.random.default_rng(int(keys[c])).random(n) < 0.5, -1, 1)
        return out
    if isinstance(initial, str):
        if initial not in ("up", "down"):
            raise ParameterError(f"initial must be None, 'up', 'down' or an array of ±1, got {initial!r}")
        return np.full((chains, n), 1 if initial == "up" else -1, dtype=np.int8)
    given = np.asarray(initial)
    try:
        given = np.broadcast_to(given, (chains, n))
    except ValueError:
        raise ParameterError(f"initial must have shape ({n},) or ({chains}, {n}), got {given.shape}") from None
    if not np.all((given == 1) | (given == -1)):
        raise ParameterError("initial spins must all be -1 or +1")
    return given.astype(np.int8)


def sample_ising(
    model: IsingModel,
    sweeps: int,
    burn_in: int = 0,
    chains: int = 1,
    seed=None,
    *,
    clamp: dict | None = None,
    hardware=None,
    colours=None,
    histogram: bool | None = None,
    snapshot_every: int = 0,
    initial=None,
    progress=None,
) -> IsingRun:
    """Block-Gibbs sampling of an Ising model.

    Parameters
    ----------
    model : IsingModel
        The model (its ``beta`` is the sampling inverse temperature).
    sweeps : int
        Recorded sweeps per chain [-].
    burn_in : int
        Sweeps discarded first [-].
    chains : int
        Independent chains [-].
    seed : int, SeedSequence or Generator, optional
        Randomness; chain c uses ``SeedSequence(seed).spawn(chains)[c]``.
    clamp : dict of int to ±1, optional
        Spins held fixed (conditional sampling).
    hardware : HardwareMode, optional
        Drive updates with a calibrated cell (see :mod:`noisecircuits.gibbs.hardware`).
    colours : array_like of int, optional
        A proper colouring; default DSATUR.
    histogram : bool, optional
        Keep the state histogram (default: when n <= 20).
    snapshot_every : int
        Keep every chain's state every this many recorded sweeps (0: never) [-].
    initial : {None, "up", "down"} or array_like of ±1, shape (chains, n) or (n,)
        Start state: random (default), all +1, all -1, or given.
    progress : callable, optional
        Called with the number of sweeps just done.

    Returns
    -------
    IsingRun
    """
    use("camsari2017")
    sweeps, burn_in, chains = _check_common(sweeps, burn_in, chains)
    snapshot_every = _validate.positive_int("snapshot_every", snapshot_every, minimum=0)
    n = model.n_nodes
    clamp = {} if clamp is None else dict(clamp)
    free = np.ones(n, dtype=bool)
    for node, value in clamp.items():
        if not (isinstance(node, (int, np.integer)) and 0 <= node < n):
            raise ParameterError(f"clamped node {node!r} is outside 0..{n - 1}")
        if value not in (-1, 1):
            raise ParameterError(f"clamped spin {node} must be -1 or +1, got {value!r}")
        free[node] = False
    block_nodes, block_ptr = _blocks(model.indptr, model.indices, colours, free)
    keep_hist = (n <= HISTOGRAM_MAX_SPINS) if histogram is None else bool(histogram)
    if keep_hist and n > HISTOGRAM_MAX_SPINS:
        raise ParameterError(f"state histograms are kept only for n <= {HISTOGRAM_MAX_SPINS} spins, got {n}")

    keys = chain_keys(seed, chains)
    initial = _initial_spins(initial, keys, n)
    for node, value in clamp.items():
        initial[:, node] = value

    degree = model.degrees
    for b in range(block_ptr.size - 1):  # by degree inside a block: even tiles for the padded table
        segment = block_nodes[block_ptr[b] : block_ptr[b + 1]]
        block_nodes[block_ptr[b] : block_ptr[b + 1]] = segment[np.argsort(degree[segment], kind="stable")]
    order, indptr, indices, weights, biases = relabel_by_colour(
        model.indptr, model.indices, model.weights, model.biases, block_nodes
    )
    spins = np.zeros((chains, n + 1), dtype=np.int8)  # column n: the padding node, always 0
    spins[:, :n] = initial[:, order]
    tile_ptr, block_tiles = tiles(block_ptr)

    dummy_f, dummy_i = np.zeros(1), np.zeros(1, dtype=np.int64)
    discrete = None if hardware is not None else discrete_fields(weights, biases, indptr, model.beta)
    if discrete is None:
        no_table = (np.zeros((1, 1), dtype=np.int32), np.zeros((1, 1), dtype=np.int8), dummy_i)
        discrete_args = (False, *no_table, dummy_i, 1.0, 0, dummy_i)
    else:
        int_weights, int_biases, unit, offset, thresholds = discrete
        ell = padded_neighbours(indptr, indices, int_weights, tile_ptr)
        discrete_args = (True, *ell, int_biases.astype(np.int32), unit, offset, thresholds)
    if hardware is not None:
        tables = hardware.tables(n, model.beta)
        hw_args = (True, tables.offset_x[order], tables.gain_x[order], tables.x0, tables.dx, tables.p_one, tables.keep)
    else:
        hw_args = (False, dummy_f, dummy_f, 0.0, 1.0, dummy_f, dummy_f)

    energies = np.zeros((chains, sweeps))
    mags = np.zeros((chains, sweeps), dtype=np.int64)
    hist = np.zeros((chains, (1 << n) if keep_hist else 1), dtype=np.int64)
    spin_sums = np.zeros((chains, n), dtype=np.int64)
    tile_energy = np.zeros((chains, tile_ptr.size - 1))
    tile_mag = np.zeros((chains, tile_ptr.size - 1), dtype=np.int64)
    snapshots = []
    no_record = np.zeros((chains, 0))
    no_record_int = np.zeros((chains, 0), dtype=np.int64)
    largest_block = int(np.diff(block_ptr).max())
    chains_innermost = discrete is not None and chains >= kernels.CHAINS_INNERMOST_FROM
    if chains_innermost:
        # layout (n + 1, chains): all chains of a node side by side
        spins = np.ascontiguousarray(spins.T)
        spin_sums_layout = np.zeros((n, chains), dtype=np.int64)
        kernel = kernels.ising_chains_kernel(chains, largest_block)
        static = (indptr, indices, weights, biases, order, tile_ptr, block_tiles, keys)
        table = discrete_args[1:]
        buffers = (spin_sums_layout, tile_energy, tile_mag, hist)

        def kernel_call(sweep0, n_sweeps, e, m):
            kernel(spins, *static, sweep0, n_sweeps, *table, e, m, *buffers)

        def chain_major(state):
            return state.T
    else:
        kernel = kernels.ising_kernel(chains, largest_block)
        static = (indptr, indices, weights, biases, float(model.beta), order, tile_ptr, block_tiles, keys)
        buffers = (spin_sums, tile_energy, tile_mag, hist)

        def kernel_call(sweep0, n_sweeps, e, m):
            kernel(spins, *static, sweep0, n_sweeps, *discrete_args, *hw_args, e, m, *buffers)

        def chain_major(state):
            return state

    kernel_call(0, 0, no_record, no_record_int)  # compile (or load from cache) outside the timing

    def to_user_order(state):
        state = chain_major(state)
        out = np.empty((chains, n), dtype=state.dtype)
        out[:, order] = state[:, :n]
        return out

    def call(sweep0, n_sweeps, record_from):
        if record_from < 0:
            kernel_call(sweep0, n_sweeps, no_record, no_record_int)
            return
        e = np.zeros((chains, n_sweeps))
        m = np.zeros((chains, n_sweeps), dtype=np.int64)
        kernel_call(sweep0, n_sweeps, e, m)
        energies[:, record_from : record_from + n_sweeps] = e
        mags[:, record_from : record_from + n_sweeps] = m
        if snapshot_every and (record_from + n_sweeps) % snapshot_every == 0:
            snapshots.append(to_user_order(spins))

    elapsed = _run_chunked(call, burn_in, sweeps, chains * n, progress, snapshot_every)
    spin_sums = to_user_order(spin_sums_layout if chains_innermost else spin_sums)
    for node, value in clamp.items():
        spin_sums[:, node] = value * sweeps
    spins = to_user_order(spins)
    total_updates = (burn_in + sweeps) * chains * int(block_nodes.size)
    return IsingRun(
        model=model,
        energies=energies,
        magnetisations=mags,
        spin_sums=spin_sums.sum(axis=0).astype(np.float64),
        histogram=hist.sum(axis=0) if keep_hist else None,
        final_spins=spins,
        snapshots=np.array(snapshots, dtype=np.int8).reshape(-1, chains, n),
        spin_updates=total_updates,
        elapsed_s=elapsed,
        seed=seed,
        clamp=clamp,
    )


@dataclass(frozen=True, eq=False)
class PottsRun:
    """Result of :func:`sample_potts`.

    Attributes
    ----------
    energies : ndarray, shape (chains, sweeps)
        Energy after each recorded sweep [energy unit].
    occupations : ndarray, shape (chains, q)
        Node-state counts summed over recorded sweeps [-].
    final_states : ndarray, shape (chains, n)
        Last state of each chain.
    spin_updates : int
        Node updates done, burn-in included [-].
    elapsed_s : float
        Wall time of the sweeps [s].
    """

    model: PottsModel
    energies: np.ndarray
    occupations: np.ndarray
    final_states: np.ndarray
    spin_updates: int
    elapsed_s: float

    def energy(self) -> SeriesSummary:
        """Mean energy with its error [energy unit]."""
        return summarise_series(self.energies)


def sample_potts(model: PottsModel, sweeps: int, burn_in: int = 0, chains: int = 1, seed=None, *, colours=None, progress=None):
    """Block-Gibbs (heat-bath) sampling of a Potts model; parameters as :func:`sample_ising`.

    Returns
    -------
    PottsRun
    """
    sweeps, burn_in, chains = _check_common(sweeps, burn_in, chains)
    n, q = model.n_nodes, model.n_states
    block_nodes, block_ptr = _blocks(model.indptr, model.indices, colours, None)
    keys = chain_keys(seed, chains)
    states = np.empty((chains, n), dtype=np.int8)
    for c in range(chains):
        states[c] = np.random.default_rng(int(keys[c])).integers(0, q, n)
    energies = np.zeros((chains, sweeps))
    occupations = np.zeros((chains, q), dtype=np.int64)
    local = np.zeros((chains, n))
    scratch = np.zeros((chains * n, q))
    kernel = kernels.potts_kernel(chains, int(np.diff(block_ptr).max()))
    static = (model.indptr, model.indices, model.weights, model.fields, float(model.beta), block_nodes, block_ptr, keys)
    none = np.zeros((chains, 0))
    kernel(states, *static, 0, 0, none, occupations, local, scratch)

    def call(sweep0, n_sweeps, record_from):
        if record_from < 0:
            kernel(states, *static, sweep0, n_sweeps, none, occupations, local, scratch)
            return
        e = np.zeros((chains, n_sweeps))
        kernel(states, *static, sweep0, n_sweeps, e, occupations, local, scratch)
        energies[:, record_from : record_from + n_sweeps] = e

    elapsed = _run_chunked(call, burn_in, sweeps, chains * n, progress, 0)
    return PottsRun(model, energies, occupations, states, (burn_in + sweeps) * chains * n, elapsed)


@dataclass(frozen=True, eq=False)
class GaussianRun:
    """Result of :func:`sample_gaussian`.

    Attributes
    ----------
    energies : ndarray, shape (chains, sweeps)
        :math:`\\tfrac12 (x-\\mu)^T A (x-\\mu)` after each recorded sweep [-].
    sums, squares : ndarray, shape (chains, n)
        :math:`\\sum x_i` and :math:`\\sum x_i^2` over recorded sweeps [state unit, state unit^2].
    final_values : ndarray, shape (chains, n)
        Last state of each chain [state unit].
    """

    model: GaussianModel
    energies: np.ndarray
    sums: np.ndarray
    squares: np.ndarray
    final_values: np.ndarray
    spin_updates: int
    elapsed_s: float

    def energy(self) -> SeriesSummary:
        """Mean energy with its error [-]."""
        return summarise_series(self.energies)

    def means(self) -> np.ndarray:
        """:math:`\\langle x_i \\rangle` [state unit]."""
        return self.sums.sum(axis=0) / self.energies.size

    def variances(self) -> np.ndarray:
        """:math:`\\mathrm{Var}\\, x_i` [state unit^2]."""
        m = self.means()
        return self.squares.sum(axis=0) / self.energies.size - m * m


def sample_gaussian(model: GaussianModel, sweeps: int, burn_in: int = 0, chains: int = 1, seed=None, *, colours=None):
    """Block-Gibbs sampling of a Gaussian Markov random field; parameters as :func:`sample_ising`.

    Returns
    -------
    GaussianRun
    """
    sweeps, burn_in, chains = _check_common(sweeps, burn_in, chains)
    n = model.n_nodes
    block_nodes, block_ptr = _blocks(model.indptr, model.indices, colours, None)
    keys = chain_keys(seed, chains)
    values = np.tile(model.mean, (chains, 1))
    energies = np.zeros((chains, sweeps))
    sums = np.zeros((chains, n))
    squares = np.zeros((chains, n))
    local = np.zeros((chains, n))
    kernel = kernels.gaussian_kernel(chains, int(np.diff(block_ptr).max()))
    static = (
        model.indptr,
        model.indices,
        model.weights,
        model.precision_diagonal,
        model.mean,
        float(model.beta),
        block_nodes,
        block_ptr,
        keys,
    )
    none = np.zeros((chains, 0))
    kernel(values, *static, 0, 0, none, sums, squares, local)

    def call(sweep0, n_sweeps, record_from):
        if record_from < 0:
            kernel(values, *static, sweep0, n_sweeps, none, sums, squares, local)
            return
        e = np.zeros((chains, n_sweeps))
        kernel(values, *static, sweep0, n_sweeps, e, sums, squares, local)
        energies[:, record_from : record_from + n_sweeps] = e

    elapsed = _run_chunked(call, burn_in, sweeps, chains * n, None, 0)
    return GaussianRun(model, energies, sums, squares, values, (burn_in + sweeps) * chains * n, elapsed)
