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
from noisecircuits.gibbs import kernels, lattice
from noisecircuits.gibbs._sync import team_state
from noisecircuits.gibbs._ising_layout import (
    discrete_fields,
    padded_neighbours,
    relabel_by_colour,
    signed_neighbours,
    tiles,
)
from noisecircuits.gibbs._rng import chain_keys
from noisecircuits.analysis.diagnostics import ESS_MIN, R_HAT_MAX, SeriesSummary, convergence_problems, summarise_series
from noisecircuits.gibbs.colouring import check_colouring, colour_blocks, dsatur_colouring
from noisecircuits.gibbs.exact import state_string
from noisecircuits.gibbs.models import GaussianModel, IsingModel, PottsModel
from noisecircuits.gibbs.schedule import Observer, Schedule, SnapshotObserver

__all__ = ["DEFAULT_CHAINS", "INITIAL_STATES", "read_initial_state", "HISTOGRAM_MAX_SPINS", "IsingRun", "PottsRun", "GaussianRun", "sample_ising", "sample_potts", "sample_gaussian"]

#: Chains of a run unless told otherwise (enough for a between-chain R-hat).
DEFAULT_CHAINS = 4

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
    schedule: Schedule | None = None

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

    def diagnostics(self, r_hat_max: float = R_HAT_MAX, ess_min: float = ESS_MIN) -> dict:
        """Energy and |m| summaries with the convergence verdict.

        Parameters
        ----------
        r_hat_max : float
            Largest acceptable split-R-hat, > 1 [-].
        ess_min : float
            Smallest acceptable bulk and tail ESS [-].

        Returns
        -------
        dict
            ``energy``, ``abs_magnetisation`` (:class:`SeriesSummary`), ``problems`` (list of
            str, empty when converged) and ``converged`` (bool).
        """
        watched = {"energy": self.energy(), "abs_magnetisation": self.abs_magnetisation()}
        problems = convergence_problems(watched, r_hat_max, ess_min)
        return {**watched, "problems": problems, "converged": not problems}

    def mean_spins(self) -> np.ndarray:
        """:math:`\\langle s_i \\rangle` over every recorded sweep (thinned-out ones included) [-]."""
        thin = self.schedule.thin if self.schedule is not None else 1
        return self.spin_sums / (self.n_records * thin)

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


def _schedule(sweeps, burn_in, schedule) -> Schedule:
    if schedule is None:
        if sweeps is None:
            raise ParameterError("give sweeps (recorded sweeps per chain) or a schedule")
        return Schedule(_validate.positive_int("sweeps", sweeps), _validate.positive_int("burn_in", burn_in, minimum=0))
    if not isinstance(schedule, Schedule):
        raise ParameterError(f"schedule must be a Schedule, got {type(schedule).__name__}")
    if sweeps is not None or burn_in:
        raise ParameterError("give either sweeps/burn_in or a schedule, not both")
    return schedule


def _check_common(sweeps, burn_in, chains):
    sweeps = _validate.positive_int("sweeps", sweeps)
    burn_in = _validate.positive_int("burn_in", burn_in, minimum=0)
    chains = _validate.positive_int("chains", chains)
    return sweeps, burn_in, chains


def _blocks(indptr, indices, colours, free, schedule=None):
    if colours is None:
        colours = dsatur_colouring(indptr, indices)
    else:
        colours = np.asarray(colours, dtype=np.int64)
        if colours.shape != (indptr.size - 1,):
            raise ParameterError(f"colours must have one entry per node ({indptr.size - 1}), got shape {colours.shape}")
        check_colouring(indptr, indices, colours)
    block_nodes, block_ptr = colour_blocks(colours, free)
    order = schedule.check_block_order(block_ptr.size - 1) if schedule is not None else None
    if order is None:
        return block_nodes, block_ptr
    pieces = [block_nodes[block_ptr[b] : block_ptr[b + 1]] for b in order]
    sizes = np.array([piece.size for piece in pieces], dtype=np.int64)
    return np.concatenate(pieces), np.concatenate([[0], np.cumsum(sizes)]).astype(block_ptr.dtype)


def _chunks(total, per_chunk):
    done = 0
    while done < total:
        step = min(per_chunk, total - done)
        yield done, step
        done += step


def _run_chunked(call, schedule, n_work, progress, observer_every=()):
    """Run the warm-up, then the recorded sweeps, in chunks; returns the elapsed seconds.

    ``call(sweep0, n, record_from)`` runs ``n`` sweeps starting at global sweep ``sweep0``;
    ``record_from`` is the kept-sample index of the chunk's first kept sample (-1 in warm-up).
    Recorded chunks hold whole thinning intervals and end where an observer is due (every
    ``k`` kept samples for each ``k`` in ``observer_every``). Chunk boundaries never change
    results (counter-based random numbers).
    """
    thin = schedule.thin
    if progress:
        per_chunk = max(1, int(_CHUNK_SECONDS * 5e7 / max(n_work, 1)))
    else:
        per_chunk = max(schedule.burn_in, schedule.recorded_sweeps)
    elapsed = 0.0
    for offset, step in _chunks(schedule.burn_in, per_chunk):
        start = time.perf_counter()
        call(offset, step, -1)
        elapsed += time.perf_counter() - start
        if progress:
            progress(step)
    per_samples = max(1, per_chunk // thin)
    done = 0
    while done < schedule.samples:
        step = min(per_samples, schedule.samples - done)
        for every in observer_every:
            step = min(step, every - done % every)
        start = time.perf_counter()
        call(schedule.burn_in + done * thin, step * thin, done)
        elapsed += time.perf_counter() - start
        if progress:
            progress(step * thin)
        done += step
    return elapsed


#: Start states a run accepts by name.
INITIAL_STATES = ("mixed", "random", "up", "down")


def _initial_spins(initial, keys, n):
    """Start states (chains, n) int8: named (see :data:`INITIAL_STATES`) or given ±1 values.

    ``"mixed"`` (overdispersed) cycles through random, all +1 and all -1 over the chains, so
    chains that should agree start as far apart as the model allows.
    """
    chains = keys.size

    def random_row(c):
        return np.where(np.random.default_rng(int(keys[c])).random(n) < 0.5, -1, 1).astype(np.int8)

    if initial is None:
        initial = "mixed"
    if isinstance(initial, str):
        if initial not in INITIAL_STATES:
            raise ParameterError(
                f"initial must be one of {', '.join(INITIAL_STATES)} or an array of ±1, got {initial!r}"
            )
        out = np.empty((chains, n), dtype=np.int8)
        for c in range(chains):
            kind = ("random", "up", "down")[c % 3] if initial == "mixed" else initial
            out[c] = random_row(c) if kind == "random" else (1 if kind == "up" else -1)
        return out
    given = np.asarray(initial)
    try:
        given = np.broadcast_to(given, (chains, n))
    except ValueError:
        raise ParameterError(f"initial must have shape ({n},) or ({chains}, {n}), got {given.shape}") from None
    if not np.all((given == 1) | (given == -1)):
        raise ParameterError("initial spins must all be -1 or +1")
    return given.astype(np.int8)


def read_initial_state(path, n_nodes: int, chains: int) -> np.ndarray:
    """Start states from a file: a JSON list (n values, or chains lists of n) or whitespace-separated text.

    Parameters
    ----------
    path : str or os.PathLike
        The file (``--init FILE``).
    n_nodes : int
        Spins of the model [-].
    chains : int
        Chains of the run [-].

    Returns
    -------
    ndarray of int8, shape (n,) or (chains, n)
        Values of +1/-1.
    """
    import json
    from pathlib import Path

    from noisecircuits.errors import DataError

    path = Path(path)
    name = f"--init file {str(path)!r}"
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DataError(f"{name} does not exist; give mixed, random, up, down or a file of +1/-1 values") from None
    except OSError as exc:
        raise DataError(f"{name} cannot be read: {exc.strerror}") from None
    if size > 64 * (n_nodes * chains + 16):
        raise DataError(f"{name} is {size} bytes, far more than {chains} x {n_nodes} values of +1/-1 need")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{name} cannot be read as text: {exc}") from None
    try:
        values = json.loads(text) if text.lstrip()[:1] == "[" else text.split()
        array = np.array(values, dtype=float)
    except (ValueError, RecursionError, OverflowError):
        raise DataError(f"{name} must hold numbers +1/-1 (a JSON list or whitespace-separated text)") from None
    if array.shape not in ((n_nodes,), (chains, n_nodes)):
        raise DataError(f"{name} must hold {n_nodes} values (or {chains} x {n_nodes}), got shape {array.shape}")
    if not np.all((array == 1) | (array == -1)):
        raise DataError(f"{name} must hold only +1 and -1 values")
    return array.astype(np.int8)


def sample_ising(
    model: IsingModel,
    sweeps: int | None = None,
    burn_in: int = 0,
    chains: int = DEFAULT_CHAINS,
    seed=None,
    *,
    clamp: dict | None = None,
    hardware=None,
    colours=None,
    histogram: bool | None = None,
    snapshot_every: int = 0,
    initial="mixed",
    progress=None,
    schedule: Schedule | None = None,
    observers=(),
) -> IsingRun:
    """Block-Gibbs sampling of an Ising model.

    Parameters
    ----------
    model : IsingModel
        The model (its ``beta`` is the sampling inverse temperature).
    sweeps : int
        Recorded sweeps per chain [-] (or give ``schedule``).
    burn_in : int
        Sweeps discarded first [-].
    chains : int
        Independent chains (default 4, so that R-hat can compare them) [-].
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
    initial : {"mixed", "random", "up", "down"} or array_like of ±1, shape (chains, n) or (n,)
        Start state: overdispersed (default: chains cycle through random, all +1, all -1),
        random, all +1, all -1, or given.
    progress : callable, optional
        Called with the number of sweeps just done.
    schedule : Schedule, optional
        Warm-up, kept samples, thinning and block order, in place of ``sweeps``/``burn_in``.
    observers : sequence of Observer
        Receive all chains' states (user numbering) every ``observer.every`` kept samples.

    Returns
    -------
    IsingRun
        ``energies``/``magnetisations`` hold one column per kept sample.
    """
    use("camsari2017")
    schedule = _schedule(sweeps, burn_in, schedule)
    sweeps, burn_in = schedule.samples, schedule.burn_in
    chains = _validate.positive_int("chains", chains)
    snapshot_every = _validate.positive_int("snapshot_every", snapshot_every, minimum=0)
    observers = list(observers)
    for observer in observers:
        if not isinstance(observer, Observer):
            raise ParameterError(f"observers must be Observer instances, got {type(observer).__name__}")
    snapshot_observer = SnapshotObserver(snapshot_every) if snapshot_every else None
    if snapshot_observer is not None:
        observers.append(snapshot_observer)
    n = model.n_nodes
    clamp = {} if clamp is None else dict(clamp)
    free = np.ones(n, dtype=bool)
    for node, value in clamp.items():
        if not (isinstance(node, (int, np.integer)) and 0 <= node < n):
            raise ParameterError(f"clamped node {node!r} is outside 0..{n - 1}")
        if value not in (-1, 1):
            raise ParameterError(f"clamped spin {node} must be -1 or +1, got {value!r}")
        free[node] = False
    block_nodes, block_ptr = _blocks(model.indptr, model.indices, colours, free, schedule)
    keep_hist = (n <= HISTOGRAM_MAX_SPINS) if histogram is None else bool(histogram)
    if keep_hist and n > HISTOGRAM_MAX_SPINS:
        raise ParameterError(f"state histograms are kept only for n <= {HISTOGRAM_MAX_SPINS} spins, got {n}")

    keys = chain_keys(seed, chains)
    initial = _initial_spins(initial, keys, n)
    for node, value in clamp.items():
        initial[:, node] = value
    thresholds = _lattice_thresholds(model, hardware, clamp, colours, schedule)
    if thresholds is not None:
        return _sample_lattice(model, thresholds, keys, initial, schedule, observers, snapshot_observer, keep_hist,
                               progress, seed)  # fmt: skip

    degree = model.degrees
    for b in range(block_ptr.size - 1):  # by degree inside a block: even tiles for the padded table
        segment = block_nodes[block_ptr[b] : block_ptr[b + 1]]
        block_nodes[block_ptr[b] : block_ptr[b + 1]] = segment[np.argsort(degree[segment], kind="stable")]
    order, indptr, indices, weights, biases = relabel_by_colour(
        model.indptr, model.indices, model.weights, model.biases, block_nodes
    )
    # column n: the padding node, always 0; columns n + 1 ..: the same spins negated (see kernels)
    spins = np.zeros((chains, 2 * (n + 1)), dtype=np.int8)
    spins[:, :n] = initial[:, order]
    spins[:, n + 1 : 2 * n + 1] = -spins[:, :n]
    tile_ptr, block_tiles = tiles(block_ptr)

    dummy_f, dummy_i = np.zeros(1), np.zeros(1, dtype=np.int64)
    discrete = None if hardware is not None else discrete_fields(weights, biases, indptr, model.beta)
    if discrete is None:
        table = kernels.FieldTable(False, False, np.zeros((1, 1), dtype=np.int32), np.zeros((1, 1), dtype=np.int8),
                                   dummy_i, dummy_i.astype(np.int32), 1.0, 0, dummy_i)
    else:
        int_weights, int_biases, unit, offset, thresholds = discrete
        neighbours, couplings, tile_degree = padded_neighbours(indptr, indices, int_weights, tile_ptr)
        signed = signed_neighbours(neighbours, couplings)
        table = kernels.FieldTable(True, signed is not None, neighbours if signed is None else signed, couplings,
                                   tile_degree, int_biases.astype(np.int32), unit, offset, thresholds)
    if hardware is not None:
        from noisecircuits.gibbs.hardware import largest_field

        tables = hardware.tables(n, model.beta, field_bound=largest_field(model))
        hw = kernels.HardwareTables(True, tables.offset_x[order], tables.gain_x[order], tables.x0, tables.dx,
                                    tables.p_one, tables.keep, tables.network, tables.field0, tables.dfield)
    else:
        hw = kernels.HardwareTables(False, dummy_f, dummy_f, 0.0, 1.0, dummy_f, dummy_f, np.zeros(0), 0.0, 1.0)
    graph = kernels.IsingGraph(indptr, indices, weights, biases, float(model.beta), order, tile_ptr, block_tiles)

    energies = np.zeros((chains, sweeps))
    mags = np.zeros((chains, sweeps), dtype=np.int64)
    hist = np.zeros((chains, (1 << n) if keep_hist else 1), dtype=np.int64)
    spin_sums = np.zeros((chains, n), dtype=np.int64)
    tile_energy = np.zeros((chains, tile_ptr.size - 1))
    tile_mag = np.zeros((chains, tile_ptr.size - 1), dtype=np.int64)
    no_record = np.zeros((chains, 0))
    no_record_int = np.zeros((chains, 0), dtype=np.int64)
    largest_block = int(np.diff(block_ptr).max())
    path, workers = _ising_path(discrete is not None, chains, _threads(), largest_block, keep_hist)
    chains_innermost = path == "chains_innermost"
    if chains_innermost:
        # layout (2 (n + 1), chains): all chains of a node side by side
        spins = np.ascontiguousarray(spins.T)
        spin_sums_layout = np.zeros((n, chains), dtype=np.int64)
        kernel = kernels.ising_chains_kernel(chains, largest_block)

        def kernel_call(sweep0, n_sweeps, e, m):
            records = kernels.IsingRecords(e, m, spin_sums_layout, tile_energy, tile_mag, hist)
            kernel(spins, graph, table, kernels.SweepRange(keys, sweep0, n_sweeps), records)

        def chain_major(state):
            return state.T
    elif path == "per_chain":
        team = team_state(chains)

        def kernel_call(sweep0, n_sweeps, e, m):
            nonlocal workers
            sweep_range = kernels.SweepRange(keys, sweep0, n_sweeps)
            if workers > 1:
                team[:] = 0
                e_parts = np.zeros((chains * workers, e.shape[1]))
                m_parts = np.zeros((chains * workers, m.shape[1]), dtype=np.int64)
                records = kernels.IsingRecords(e_parts, m_parts, spin_sums, tile_energy, tile_mag, hist)
                kernels.ising_per_chain_kernel(chains, largest_block, workers)(
                    spins, graph, table, sweep_range, records, workers, team
                )
                if not np.any(team[:, 0] < 0):
                    e[:] = e_parts.reshape(chains, workers, -1).sum(axis=1)
                    m[:] = m_parts.reshape(chains, workers, -1).sum(axis=1)
                    return
                workers = 1  # the workers did not run at once (no spin was touched): one task per chain
            records = kernels.IsingRecords(e, m, spin_sums, tile_energy, tile_mag, hist)
            kernels.ising_per_chain_kernel(chains, largest_block)(spins, graph, table, sweep_range, records, 1, team)

        def chain_major(state):
            return state
    else:
        kernel = kernels.ising_kernel(chains, largest_block)

        def kernel_call(sweep0, n_sweeps, e, m):
            records = kernels.IsingRecords(e, m, spin_sums, tile_energy, tile_mag, hist)
            kernel(spins, graph, table, hw, kernels.SweepRange(keys, sweep0, n_sweeps), records)

        def chain_major(state):
            return state

    kernel_call(0, 0, no_record, no_record_int)  # compile (or load from cache) outside the timing

    def to_user_order(state):
        state = chain_major(state)
        out = np.empty((chains, n), dtype=state.dtype)
        out[:, order] = state[:, :n]
        return out

    thin = schedule.thin

    def call(sweep0, n_sweeps, record_from):
        if record_from < 0:
            kernel_call(sweep0, n_sweeps, no_record, no_record_int)
            return
        e = np.zeros((chains, n_sweeps))
        m = np.zeros((chains, n_sweeps), dtype=np.int64)
        kernel_call(sweep0, n_sweeps, e, m)
        kept = n_sweeps // thin
        energies[:, record_from : record_from + kept] = e[:, thin - 1 :: thin]
        mags[:, record_from : record_from + kept] = m[:, thin - 1 :: thin]
        last = record_from + kept - 1
        due = [o for o in observers if (last + 1) % o.every == 0]
        if due:
            state = to_user_order(spins)
            for observer in due:
                observer.observe(last, state)

    elapsed = _run_chunked(call, schedule, chains * n, progress, [o.every for o in observers])
    spin_sums = to_user_order(spin_sums_layout if chains_innermost else spin_sums)
    for node, value in clamp.items():
        spin_sums[:, node] = value * schedule.recorded_sweeps
    spins = to_user_order(spins)
    total_updates = schedule.total_sweeps * chains * int(block_nodes.size)
    snapshots = snapshot_observer.states if snapshot_observer is not None else np.zeros((0, chains, n), np.int8)
    return IsingRun(
        model=model,
        energies=energies,
        magnetisations=mags,
        spin_sums=spin_sums.sum(axis=0).astype(np.float64),
        histogram=hist.sum(axis=0) if keep_hist else None,
        final_spins=spins,
        snapshots=snapshots,
        spin_updates=total_updates,
        elapsed_s=elapsed,
        seed=seed,
        clamp=clamp,
        schedule=schedule,
    )


#: Updates in one colour block below which a barrier between parallel regions costs more than
#: a second thread saves (such a barrier costs about 10-30 us, a block of this size about 0.4 ms
#: per thread).
BARRIER_WORK = 65536
#: Nodes of one colour block per worker below which a single chain is not split into a team
#: (a spinning barrier costs about 1 us, a slice of this size about 3 us).
TEAM_SLICE = 384


def _ising_path(discrete: bool, chains: int, threads: int, largest_block: int, histogram: bool = False):
    """Which Ising kernel runs, and with how many workers per chain: ``("chains_innermost", 1)``,
    ``("per_chain", workers)`` or ``("tiles", 1)``.

    Only the float path (calibrated cells, couplings without a common unit) needs the tile
    kernel. On the threshold-table path, one task per chain needs no barrier between colour
    blocks and wins whenever there are as many chains as threads; with one thread, or blocks
    large enough, several chains go side by side (chains innermost), which vectorises the
    neighbour reads over chains. A single chain on several threads is split into a team of
    workers that meet at a spinning barrier after each block (no state histogram then).
    """
    if not discrete:
        return "tiles", 1
    big_blocks = chains * largest_block >= BARRIER_WORK
    if chains >= kernels.CHAINS_INNERMOST_FROM and (threads == 1 or big_blocks):
        return "chains_innermost", 1
    if threads == 1 or chains >= threads:
        return "per_chain", 1
    workers = min(threads, largest_block // TEAM_SLICE)
    if chains == 1 and workers > 1 and not histogram:
        return "per_chain", workers
    return ("tiles", 1) if big_blocks else ("per_chain", 1)


def _threads() -> int:
    import numba

    return numba.get_num_threads()


def _lattice_thresholds(model, hardware, clamp, colours, schedule):
    """The lattice kernel's threshold table when it applies (see :mod:`noisecircuits.gibbs.lattice`), else None."""
    if not LATTICE_KERNEL or clamp or colours is not None or schedule.block_order is not None:
        return None
    if lattice.lattice_shape(model) is None:
        return None
    return lattice.update_thresholds(model, hardware)


def _sample_lattice(model, thresholds, keys, initial, schedule, observers, snapshot_observer, keep_hist, progress,
                    seed):  # fmt: skip
    """:func:`sample_ising` on the periodic-lattice kernel."""
    rows, cols = lattice.lattice_shape(model)
    n, chains = model.n_nodes, keys.size
    boards = lattice.to_checkerboard(initial, rows, cols)
    spin_sums = np.zeros(boards.shape, dtype=np.int64)
    hist = np.zeros((chains, (1 << n) if keep_hist else 1), dtype=np.int64)
    energies = np.zeros((chains, schedule.samples))
    mags = np.zeros((chains, schedule.samples), dtype=np.int64)
    kernel = lattice.lattice_kernel(chains, n, _threads())
    coupling, field = float(model.weights[0]), float(model.biases[0])
    none, none_int = np.zeros((chains, 0)), np.zeros((chains, 0), dtype=np.int64)
    kernel(boards, keys, thresholds, coupling, field, 0, 0, none, none_int, spin_sums, hist)  # compile / load
    thin = schedule.thin

    def call(sweep0, n_sweeps, record_from):
        if record_from < 0:
            kernel(boards, keys, thresholds, coupling, field, sweep0, n_sweeps, none, none_int, spin_sums, hist)
            return
        e = np.zeros((chains, n_sweeps))
        m = np.zeros((chains, n_sweeps), dtype=np.int64)
        kernel(boards, keys, thresholds, coupling, field, sweep0, n_sweeps, e, m, spin_sums, hist)
        kept = n_sweeps // thin
        energies[:, record_from : record_from + kept] = e[:, thin - 1 :: thin]
        mags[:, record_from : record_from + kept] = m[:, thin - 1 :: thin]
        last = record_from + kept - 1
        due = [o for o in observers if (last + 1) % o.every == 0]
        if due:
            state = lattice.from_checkerboard(boards)
            for observer in due:
                observer.observe(last, state)

    elapsed = _run_chunked(call, schedule, chains * n, progress, [o.every for o in observers])
    snapshots = snapshot_observer.states if snapshot_observer is not None else np.zeros((0, chains, n), np.int8)
    return IsingRun(
        model=model,
        energies=energies,
        magnetisations=mags,
        spin_sums=lattice.from_checkerboard(spin_sums).sum(axis=0).astype(np.float64),
        histogram=hist.sum(axis=0) if keep_hist else None,
        final_spins=lattice.from_checkerboard(boards),
        snapshots=snapshots,
        spin_updates=schedule.total_sweeps * chains * n,
        elapsed_s=elapsed,
        seed=seed,
        clamp={},
        schedule=schedule,
    )


#: Use the periodic-lattice kernel where it applies (False: always the general kernel).
LATTICE_KERNEL = True


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


def sample_potts(model: PottsModel, sweeps: int, burn_in: int = 0, chains: int = DEFAULT_CHAINS, seed=None, *,
                 colours=None, progress=None, hardware=None):
    """Block-Gibbs (heat-bath) sampling of a Potts model; parameters as :func:`sample_ising`.

    ``hardware`` (a :class:`~noisecircuits.gibbs.categorical.CategoricalHardwareMode`) draws every
    node through a calibrated categorical cell; the recorded energies stay those of ``model``.

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
    if hardware is None:
        update_beta, update_fields = float(model.beta), model.fields
    else:
        update_beta, update_fields = hardware.update_law(model)
    static = (model.indptr, model.indices, model.weights, model.fields, np.ascontiguousarray(update_fields),
              float(update_beta), block_nodes, block_ptr, keys)  # fmt: skip
    none = np.zeros((chains, 0))
    kernel(states, *static, 0, 0, none, occupations, local, scratch)

    def call(sweep0, n_sweeps, record_from):
        if record_from < 0:
            kernel(states, *static, sweep0, n_sweeps, none, occupations, local, scratch)
            return
        e = np.zeros((chains, n_sweeps))
        kernel(states, *static, sweep0, n_sweeps, e, occupations, local, scratch)
        energies[:, record_from : record_from + n_sweeps] = e

    elapsed = _run_chunked(call, Schedule(sweeps, burn_in), chains * n, progress)
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


def sample_gaussian(model: GaussianModel, sweeps: int, burn_in: int = 0, chains: int = DEFAULT_CHAINS, seed=None, *, colours=None):
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

    elapsed = _run_chunked(call, Schedule(sweeps, burn_in), chains * n, None)
    return GaussianRun(model, energies, sums, squares, values, (burn_in + sweeps) * chains * n, elapsed)
