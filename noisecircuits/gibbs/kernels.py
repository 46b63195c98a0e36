"""numba block-Gibbs kernels (no per-update Python).

Each kernel runs ``n_sweeps`` sweeps of every chain. A sweep visits the colour blocks in
order; inside a block all (chain, node) pairs are updated in parallel (``prange``), which is
exact Gibbs because a block holds no two neighbours. Random numbers are counter based
(:mod:`noisecircuits.gibbs._rng`), so results do not depend on the thread count. After each
sweep the kernels write each chain's energy (and magnetisation / moments) and, when a
histogram array with more than one column is given, add the visited state to it.

Every kernel is compiled twice from the same Python function: a parallel version and a
serial one (used for small work, where thread start-up would dominate).
"""

from __future__ import annotations

import math
import types
from collections import namedtuple

import numpy as np
from numba import njit, prange

from noisecircuits.gibbs._rng import DRAWS_PER_UPDATE, bits53, uniform
from noisecircuits.gibbs._sync import team_barrier, team_rendezvous

__all__ = [
    "IsingGraph",
    "FieldTable",
    "HardwareTables",
    "SweepRange",
    "IsingRecords",
    "ising_kernel",
    "ising_chains_kernel",
    "ising_per_chain_kernel",
    "potts_kernel",
    "gaussian_kernel",
    "CHAINS_INNERMOST_FROM",
]

#: The model in the kernel's numbering: CSR couplings, fields, beta, original node numbers, tiles.
IsingGraph = namedtuple("IsingGraph", "indptr indices weights biases beta original tile_ptr block_tiles")
#: Integer-level path: padded neighbour table and the threshold table (``enabled`` false: float path).
#: With ``signed`` true every coupling is +-1 unit and ``neighbours`` holds signed indices into
#: the doubled spin row (j reads +s_j, j + n + 1 reads -s_j), so a gather needs no multiply.
FieldTable = namedtuple(
    "FieldTable", "enabled signed neighbours couplings tile_degree int_biases field_unit offset thresholds"
)
#: Calibrated-cell path (``enabled`` false: ideal heat bath); see :class:`~noisecircuits.gibbs.hardware.KernelTables`.
HardwareTables = namedtuple("HardwareTables", "enabled offset_x gain_x x0 dx p_one keep network field0 dfield")
#: Which sweeps to run: chain keys, first global sweep, number of sweeps.
SweepRange = namedtuple("SweepRange", "keys sweep0 n_sweeps")
#: Observer outputs: per-sweep energy and magnetisation (0 columns: not recorded), sums, scratch, histogram.
IsingRecords = namedtuple("IsingRecords", "energies magnetisations spin_sums tile_energy tile_mag histogram")

_DRAWS = np.uint64(DRAWS_PER_UPDATE)


@njit(cache=True, inline="always")
def _counter(sweep, n_nodes, node, draw):
    return (np.uint64(sweep) * np.uint64(n_nodes) + np.uint64(node)) * _DRAWS + np.uint64(draw)


@njit(cache=True, inline="always")
def _table(table, x0, dx, x):
    """Linear interpolation of ``table`` sampled at x0 + k dx, clamped at the ends."""
    pos = (x - x0) / dx
    last = table.shape[0] - 1
    if pos <= 0.0:
        return table[0]
    if pos >= last:
        return table[last]
    k = int(pos)
    frac = pos - k
    return table[k] + frac * (table[k + 1] - table[k])


@njit(cache=True, inline="always")
def _gather_fixed(levels, row, neighbours, couplings, signed, int_biases, lo, hi, width):
    for i in range(lo, hi):
        level = np.int32(int_biases[i])
        if signed:  # one load per neighbour: the sign is in the index
            for e in range(width):
                level += row[neighbours[i, e]]
        else:
            for e in range(width):
                level += couplings[i, e] * row[neighbours[i, e]]
        levels[i - lo] = level


@njit(cache=True, inline="always")
def _gather_levels(levels, row, table, lo, hi, width):
    """Integer levels of nodes lo..hi from the padded neighbour table of ``table`` (a
    :data:`FieldTable`); common widths get a loop of constant length (unrolled by the
    compiler, about twice as fast as a variable one)."""
    neighbours, couplings, signed, int_biases = table.neighbours, table.couplings, table.signed, table.int_biases
    if width == 8:
        _gather_fixed(levels, row, neighbours, couplings, signed, int_biases, lo, hi, 8)
    elif width == 4:
        _gather_fixed(levels, row, neighbours, couplings, signed, int_biases, lo, hi, 4)
    elif width == 3:
        _gather_fixed(levels, row, neighbours, couplings, signed, int_biases, lo, hi, 3)
    elif width == 6:
        _gather_fixed(levels, row, neighbours, couplings, signed, int_biases, lo, hi, 6)
    elif width == 12:
        _gather_fixed(levels, row, neighbours, couplings, signed, int_biases, lo, hi, 12)
    else:
        _gather_fixed(levels, row, neighbours, couplings, signed, int_biases, lo, hi, width)


@njit(cache=True, inline="always")
def _threshold_updates(levels, bits, row, key, sweep_base, original, table, negated, lo, hi):
    """Heat-bath updates of nodes lo..hi from their gathered integer ``levels``: 53 random bits
    per node (their own loop, where the hash vectorises), compared with the threshold table;
    keeps the negated copy of the row current. Returns the integer sums of (change x level)
    and of the changes (no floating-point add chain through the loop)."""
    thresholds, table_offset = table.thresholds, table.offset
    for i in range(lo, hi):
        bits[i - lo] = bits53(key, (sweep_base + np.uint64(original[i])) * _DRAWS)
    d_levels = 0
    d_mag = 0
    for i in range(lo, hi):
        level = levels[i - lo]
        new = np.int8(1) if bits[i - lo] < thresholds[level + table_offset] else np.int8(-1)
        change = np.int64(new - row[i])
        row[i] = new
        row[i + negated] = -new
        d_levels += change * level
        d_mag += change
    return d_levels, d_mag


def _ising_sweeps(spins, graph, table, hardware_tables, sweeps, records):
    """Ising heat-bath sweeps on a graph numbered block by block.

    ``spins`` has shape (chains, 2 (n + 1)): columns 0..n-1 hold the spins, column n is a
    dummy node held at 0 (the padding target of the neighbour table), and columns n+1..2n+1
    hold the same row negated (kept up to date by every update), so a signed neighbour index
    (:data:`FieldTable`) reads -s_j without a multiply. Tile t covers nodes ``tile_ptr[t]:tile_ptr[t+1]`` (all of one colour block); block b owns
    tiles ``block_tiles[b]:block_tiles[b+1]``. ``original[i]`` is node i's number in the
    user's model: it sets the random-number counter and the histogram bit, so results do not
    depend on the internal numbering. When ``discrete`` is true every coupling and bias is an
    integer multiple of ``field_unit``; a tile first gathers the integer levels I/unit of
    all its nodes from the padded neighbour table (``ell_*``, SIMD friendly), then compares
    53 random bits with ``thresholds[I/unit + table_offset]`` = ceil(2^53 sigma(2 beta I)) —
    the same decision as ``u < sigma(2 beta I)`` without an exponential. Energy and magnetisation are
    tracked through each update's change (dE = -(s_new - s_old) I), summed per tile.
    """
    indptr, indices, weights, biases, beta, original, tile_ptr, block_tiles = graph
    discrete, tile_degree, field_unit = table.enabled, table.tile_degree, table.field_unit
    hardware, offset_x, gain_x, table_x0, table_dx, p_table, keep_table, network, field0, dfield = hardware_tables
    inverse = network.shape[0] > 0
    keys, sweep0, n_sweeps = sweeps
    energies, magnetisations, spin_sums, tile_energy, tile_mag, histogram = records
    n_chains = spins.shape[0]
    n_nodes = spins.shape[1] // 2 - 1
    negated = n_nodes + 1
    n_blocks = block_tiles.shape[0] - 1
    observe = energies.shape[1] > 0
    use_hist = histogram.shape[1] > 1
    energy = np.zeros(n_chains)
    mag = np.zeros(n_chains, dtype=np.int64)
    if observe:
        for c in prange(n_chains):
            total = 0.0
            m = 0
            for i in range(n_nodes):
                pair = 0.0
                for e in range(indptr[i], indptr[i + 1]):
                    pair += weights[e] * spins[c, indices[e]]
                total -= spins[c, i] * (biases[i] + 0.5 * pair)
                m += spins[c, i]
            energy[c] = total
            mag[c] = m
    for t in range(n_sweeps):
        sweep_base = np.uint64(sweep0 + t) * np.uint64(n_nodes)
        for b in range(n_blocks):
            first_tile = block_tiles[b]
            n_tiles = block_tiles[b + 1] - first_tile
            for w in prange(n_chains * n_tiles):
                c = w // n_tiles
                tile = first_tile + w - c * n_tiles
                key = keys[c]
                row = spins[c]
                d_energy = 0.0
                d_mag = 0
                lo = tile_ptr[tile]
                hi = tile_ptr[tile + 1]
                if discrete:
                    levels = np.empty(hi - lo, dtype=np.int32)
                    _gather_levels(levels, row, table, lo, hi, tile_degree[tile])
                    bits = np.empty(hi - lo, dtype=np.int64)
                    d_levels, d_mag = _threshold_updates(levels, bits, row, key, sweep_base, original, table,
                                                         negated, lo, hi)
                    if observe:
                        d_energy = -(d_levels * field_unit)
                        for i in range(lo, hi):
                            spin_sums[c, i] += row[i]
                else:
                    for i in range(lo, hi):
                        old = row[i]
                        base = (sweep_base + np.uint64(original[i])) * _DRAWS
                        field = biases[i]
                        for e in range(indptr[i], indptr[i + 1]):
                            field += weights[e] * row[indices[e]]
                        u = uniform(key, base)
                        if hardware:
                            control = _table(network, field0, dfield, field) if inverse else field
                            x = offset_x[i] + gain_x[i] * control
                            keep = _table(keep_table, table_x0, table_dx, x)
                            if keep > 0.0 and uniform(key, base + np.uint64(1)) < keep:
                                new = old
                            else:
                                new = 1 if u < _table(p_table, table_x0, table_dx, x) else -1
                        else:
                            new = 1 if u < 1.0 / (1.0 + math.exp(-2.0 * beta * field)) else -1
                        row[i] = new
                        row[i + negated] = -new
                        if observe:
                            d_energy -= (new - old) * field
                            d_mag += new - old
                            spin_sums[c, i] += new
                tile_energy[c, tile] = d_energy
                tile_mag[c, tile] = d_mag
        if observe:
            n_all_tiles = tile_ptr.shape[0] - 1
            for c in prange(n_chains):
                for tile in range(n_all_tiles):
                    energy[c] += tile_energy[c, tile]
                    mag[c] += tile_mag[c, tile]
                energies[c, t] = energy[c]
                magnetisations[c, t] = mag[c]
                if use_hist:
                    code = 0
                    for i in range(n_nodes):
                        if spins[c, i] > 0:
                            code += 1 << original[i]
                    histogram[c, code] += 1


def _ising_sweeps_per_chain(spins, graph, table, sweeps, records, workers, team):
    """Threshold-table sweeps with each chain's sweeps in ``workers`` tasks (parallel over tasks).

    The same decisions, counters and observers as :func:`_ising_sweeps` on its ``discrete``
    path. With one worker per chain (``workers == 1``) a chain needs no barrier between colour
    blocks: each block is one contiguous loop of level gathers, then random bits (vectorised),
    then compares with integer energy sums. With several, worker w of a chain takes the w-th
    slice of every block and the chain's workers meet at a spinning barrier
    (:mod:`noisecircuits.gibbs._sync`) after each block; they must all run at once, so the
    caller gives exactly as many tasks as threads. If they do not meet at the start, ``team``
    marks the chain's team closed (``team[c, 0] < 0``) and no spin is touched.

    ``energies`` and ``magnetisations`` have one row per task (chain c, worker w: row
    ``c * workers + w``), each holding that worker's share; their sum over a chain's workers
    is the chain's energy and magnetisation. The histogram needs ``workers == 1``.
    """
    indptr, indices, weights, biases, _, original, tile_ptr, block_tiles = graph
    tile_degree, field_unit = table.tile_degree, table.field_unit
    keys, sweep0, n_sweeps = sweeps
    energies, magnetisations, spin_sums, _, _, histogram = records
    n_chains = spins.shape[0]
    n_nodes = spins.shape[1] // 2 - 1
    negated = n_nodes + 1
    n_blocks = block_tiles.shape[0] - 1
    observe = energies.shape[1] > 0
    use_hist = histogram.shape[1] > 1
    largest = 1
    for b in range(n_blocks):
        largest = max(largest, tile_ptr[block_tiles[b + 1]] - tile_ptr[block_tiles[b]])
    for task in prange(n_chains * workers):
        c = task // workers
        worker = task - c * workers
        if workers > 1 and not team_rendezvous(team, c, workers):
            continue
        row = spins[c]
        key = keys[c]
        levels = np.empty(largest, dtype=np.int32)
        bits = np.empty(largest, dtype=np.int64)
        energy = 0.0
        mag = 0
        if observe and worker == 0:
            for i in range(n_nodes):
                pair = 0.0
                for e in range(indptr[i], indptr[i + 1]):
                    pair += weights[e] * row[indices[e]]
                energy -= row[i] * (biases[i] + 0.5 * pair)
                mag += row[i]
        if observe and workers > 1:
            team_barrier(team, c, workers)  # worker 0 has read the whole state
        for t in range(n_sweeps):
            sweep_base = np.uint64(sweep0 + t) * np.uint64(n_nodes)
            d_levels = 0
            for b in range(n_blocks):
                first = tile_ptr[block_tiles[b]]
                size = tile_ptr[block_tiles[b + 1]] - first
                lo = first + size * worker // workers
                hi = first + size * (worker + 1) // workers
                width = 0
                for tile in range(block_tiles[b], block_tiles[b + 1]):
                    width = max(width, tile_degree[tile])
                _gather_levels(levels, row, table, lo, hi, width)
                block_levels, block_mag = _threshold_updates(levels, bits, row, key, sweep_base, original, table,
                                                             negated, lo, hi)
                d_levels += block_levels
                mag += block_mag
                if observe:
                    for i in range(lo, hi):
                        spin_sums[c, i] += row[i]
                if workers > 1:
                    team_barrier(team, c, workers)
            energy -= d_levels * field_unit
            if observe:
                energies[task, t] = energy
                magnetisations[task, t] = mag
                if use_hist:
                    code = 0
                    for i in range(n_nodes):
                        if row[i] > 0:
                            code += 1 << original[i]
                    histogram[c, code] += 1


def _ising_sweeps_chains(spins, graph, table, sweeps, records):
    """Threshold-table Ising sweeps of many chains at once, chains innermost.

    Same updates, random numbers and observers as :func:`_ising_sweeps` on its ``discrete``
    path (so the chains are identical), but ``spins`` is laid out (2 (n + 1), chains) and
    ``spin_sums`` (n, chains): every neighbour read loads all chains' spins at once, which
    vectorises over chains. Parallel over tiles.
    """
    indptr, indices, weights, biases, _, original, tile_ptr, block_tiles = graph
    signed, ell_neighbours, ell_couplings, int_biases = table.signed, table.neighbours, table.couplings, table.int_biases
    tile_degree, field_unit, table_offset, thresholds = table.tile_degree, table.field_unit, table.offset, table.thresholds
    keys, sweep0, n_sweeps = sweeps
    energies, magnetisations, spin_sums, tile_energy, tile_mag, histogram = records
    n_nodes = spins.shape[0] // 2 - 1
    negated = n_nodes + 1
    n_chains = spins.shape[1]
    n_blocks = block_tiles.shape[0] - 1
    observe = energies.shape[1] > 0
    use_hist = histogram.shape[1] > 1
    energy = np.zeros(n_chains)
    mag = np.zeros(n_chains, dtype=np.int64)
    if observe:
        pair = np.zeros(n_chains)
        for i in range(n_nodes):
            pair[:] = 0.0
            for e in range(indptr[i], indptr[i + 1]):
                for c in range(n_chains):
                    pair[c] += weights[e] * spins[indices[e], c]
            for c in range(n_chains):
                energy[c] -= spins[i, c] * (biases[i] + 0.5 * pair[c])
                mag[c] += spins[i, c]
    for t in range(n_sweeps):
        sweep_base = np.uint64(sweep0 + t) * np.uint64(n_nodes)
        for b in range(n_blocks):
            first_tile = block_tiles[b]
            for tile in prange(first_tile, block_tiles[b + 1]):
                width = tile_degree[tile]
                levels = np.empty(n_chains, dtype=np.int32)
                bits = np.empty(n_chains, dtype=np.int64)
                d_energy = np.zeros(n_chains)
                d_mag = np.zeros(n_chains, dtype=np.int64)
                for i in range(tile_ptr[tile], tile_ptr[tile + 1]):
                    bias = np.int32(int_biases[i])
                    for c in range(n_chains):
                        levels[c] = bias
                    for e in range(width):
                        j = ell_neighbours[i, e]
                        if signed:
                            for c in range(n_chains):
                                levels[c] += spins[j, c]
                        else:
                            coupling = ell_couplings[i, e]
                            for c in range(n_chains):
                                levels[c] += coupling * spins[j, c]
                    base = (sweep_base + np.uint64(original[i])) * _DRAWS
                    for c in range(n_chains):
                        bits[c] = bits53(keys[c], base)
                    for c in range(n_chains):
                        old = spins[i, c]
                        new = 1 if bits[c] < thresholds[levels[c] + table_offset] else -1
                        spins[i, c] = new
                        spins[i + negated, c] = -new
                        if observe:
                            d_energy[c] -= (new - old) * (levels[c] * field_unit)
                            d_mag[c] += new - old
                            spin_sums[i, c] += new
                for c in range(n_chains):
                    tile_energy[c, tile] = d_energy[c]
                    tile_mag[c, tile] = d_mag[c]
        if observe:
            n_all_tiles = tile_ptr.shape[0] - 1
            for c in range(n_chains):
                for tile in range(n_all_tiles):
                    energy[c] += tile_energy[c, tile]
                    mag[c] += tile_mag[c, tile]
                energies[c, t] = energy[c]
                magnetisations[c, t] = mag[c]
                if use_hist:
                    code = 0
                    for i in range(n_nodes):
                        if spins[i, c] > 0:
                            code += 1 << original[i]
                    histogram[c, code] += 1


def _potts_sweeps(
    states,
    indptr,
    indices,
    weights,
    fields,
    update_fields,
    beta,
    block_nodes,
    block_ptr,
    keys,
    sweep0,
    n_sweeps,
    energies,
    occupations,
    local,
    scratch,
):
    """Potts heat-bath sweeps: node i takes state a with probability proportional to
    ``exp(beta (update_fields[i, a] + sum_j J_ij [s_j = a]))``; the recorded energy uses ``fields``
    (they differ when a calibrated cell's bias network shifts the update)."""
    n_chains, n_nodes = states.shape
    q = fields.shape[1]
    n_blocks = block_ptr.shape[0] - 1
    observe = energies.shape[1] > 0
    for t in range(n_sweeps):
        sweep = sweep0 + t
        for b in range(n_blocks):
            start = block_ptr[b]
            size = block_ptr[b + 1] - start
            for k in prange(n_chains * size):
                c = k // size
                i = block_nodes[start + k % size]
                logits = scratch[k]
                for a in range(q):
                    logits[a] = update_fields[i, a]
                for e in range(indptr[i], indptr[i + 1]):
                    logits[states[c, indices[e]]] += weights[e]
                top = logits[0]
                for a in range(1, q):
                    top = max(top, logits[a])
                total = 0.0
                for a in range(q):
                    logits[a] = math.exp(beta * (logits[a] - top))
                    total += logits[a]
                target = uniform(keys[c], _counter(sweep, n_nodes, i, 0)) * total
                chosen = q - 1
                acc = 0.0
                for a in range(q):
                    acc += logits[a]
                    if target < acc:
                        chosen = a
                        break
                states[c, i] = chosen
        if observe:
            for k in prange(n_chains * n_nodes):
                c = k // n_nodes
                i = k % n_nodes
                s = states[c, i]
                pair = 0.0
                for e in range(indptr[i], indptr[i + 1]):
                    if states[c, indices[e]] == s:
                        pair += weights[e]
                local[c, i] = -(fields[i, s] + 0.5 * pair)
            for c in prange(n_chains):
                energy = 0.0
                for i in range(n_nodes):
                    energy += local[c, i]
                    occupations[c, states[c, i]] += 1
                energies[c, t] = energy


def _gaussian_sweeps(
    values,
    indptr,
    indices,
    weights,
    diagonal,
    mean,
    beta,
    block_nodes,
    block_ptr,
    keys,
    sweep0,
    n_sweeps,
    energies,
    sums,
    squares,
    local,
):
    n_chains, n_nodes = values.shape
    n_blocks = block_ptr.shape[0] - 1
    observe = energies.shape[1] > 0
    for t in range(n_sweeps):
        sweep = sweep0 + t
        for b in range(n_blocks):
            start = block_ptr[b]
            size = block_ptr[b + 1] - start
            for k in prange(n_chains * size):
                c = k // size
                i = block_nodes[start + k % size]
                pull = 0.0
                for e in range(indptr[i], indptr[i + 1]):
                    pull += weights[e] * (values[c, indices[e]] - mean[indices[e]])
                u1 = uniform(keys[c], _counter(sweep, n_nodes, i, 0))
                u2 = uniform(keys[c], _counter(sweep, n_nodes, i, 1))
                normal = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
                values[c, i] = mean[i] - pull / diagonal[i] + normal / math.sqrt(beta * diagonal[i])
        if observe:
            for k in prange(n_chains * n_nodes):
                c = k // n_nodes
                i = k % n_nodes
                d = values[c, i] - mean[i]
                pair = 0.0
                for e in range(indptr[i], indptr[i + 1]):
                    pair += weights[e] * (values[c, indices[e]] - mean[indices[e]])
                local[c, i] = 0.5 * d * (diagonal[i] * d + pair)
            for c in prange(n_chains):
                energy = 0.0
                for i in range(n_nodes):
                    energy += local[c, i]
                    sums[c, i] += values[c, i]
                    squares[c, i] += values[c, i] * values[c, i]
                energies[c, t] = energy


def _pair(function):
    """Parallel and serial compilations of ``function``.

    The serial one is a renamed copy so that numba's on-disk cache keeps both (the cache
    index is named after the function's qualified name).
    """
    serial = types.FunctionType(function.__code__, function.__globals__, function.__name__ + "_serial")
    serial.__qualname__ = function.__qualname__ + "_serial"
    return njit(parallel=True, cache=True)(function), njit(cache=True)(serial)


_ISING = _pair(_ising_sweeps)
_ISING_CHAINS = _pair(_ising_sweeps_chains)
_ISING_PER_CHAIN = _pair(_ising_sweeps_per_chain)
_POTTS = _pair(_potts_sweeps)
_GAUSSIAN = _pair(_gaussian_sweeps)

#: Chains from which the threshold-table path lays chains innermost.
CHAINS_INNERMOST_FROM = 4

#: Work per block (chains x nodes) below which the serial kernel is used.
PARALLEL_THRESHOLD = 2048


def _choose(pair, n_chains, n_nodes):
    return pair[0] if n_chains * n_nodes >= PARALLEL_THRESHOLD else pair[1]


def ising_kernel(n_chains: int, n_nodes: int):
    """The Ising kernel (parallel or serial by problem size)."""
    return _choose(_ISING, n_chains, n_nodes)


def ising_per_chain_kernel(n_chains: int, n_nodes: int, workers: int = 1):
    """The per-chain threshold-table Ising kernel: parallel or serial by problem size with one
    worker per chain, always parallel with several (a team needs its tasks to run at once)."""
    return _ISING_PER_CHAIN[0] if workers > 1 else _choose(_ISING_PER_CHAIN, n_chains, n_nodes)


def ising_chains_kernel(n_chains: int, n_nodes: int):
    """The chains-innermost threshold-table Ising kernel (parallel or serial by problem size)."""
    return _choose(_ISING_CHAINS, n_chains, n_nodes)


def potts_kernel(n_chains: int, n_nodes: int):
    """The Potts kernel (parallel or serial by problem size)."""
    return _choose(_POTTS, n_chains, n_nodes)


def gaussian_kernel(n_chains: int, n_nodes: int):
    """The Gaussian kernel (parallel or serial by problem size)."""
    return _choose(_GAUSSIAN, n_chains, n_nodes)
