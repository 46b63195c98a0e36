"""Periodic-lattice Ising kernel: checkerboard layout, per-field threshold tables.

Applies to an L_r x L_c torus (both even, >= 4) with one coupling J on every bond and one
field h on every site — the model :func:`~noisecircuits.gibbs.graphs.ising_lattice` builds — when
no spin is clamped and no colouring or block order is imposed. The local field of a site is
I = J S + h with S, the sum of its four neighbours, in {-4, -2, 0, 2, 4}, so the heat-bath
probability σ(2βI) takes 5 values (10 for a cell with a finite correlation time, which also
depends on the current spin). They are stored as 64-bit integer thresholds
``T = min(round(2^64 p), 2^64 - 1)`` and the update is ``bits < T`` with 64 random bits:
the decision has probability p to within 2^-64 (p itself is a double), with no exponential
and no float conversion per update.

Layout: colour p = (r + c) mod 2 is stored as an array (rows, cols / 2); the site (r, k) of
colour p sits in column c = 2k + ((r + p) mod 2). Its neighbours in the other colour are
(r ± 1, k), (r, k) and (r, k - 1) (offset 0) or (r, k + 1) (offset 1), so a row of one colour
is updated by a contiguous, vectorisable loop over k. Random bits come from the same
counter-based generator as the general kernels (:mod:`noisecircuits.gibbs._rng`) with the
counter of the user's site number, so a run does not depend on the thread count.

Parallel work: with several chains, one task per chain runs all its sweeps (no barrier
between colours); with one chain, the rows of a colour are split between threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange
from scipy import special

from noisecircuits.gibbs._rng import DRAWS_PER_UPDATE, bits64
from noisecircuits.gibbs.kernels import _pair

__all__ = ["lattice_shape", "threshold_table", "to_checkerboard", "from_checkerboard", "lattice_kernel"]

_DRAWS = np.uint64(DRAWS_PER_UPDATE)
_TWO_POW_64 = 2.0**64
_MAX = np.uint64(0xFFFFFFFFFFFFFFFF)


def lattice_shape(model) -> tuple[int, int] | None:
    """``(rows, cols)`` when ``model`` is an even periodic lattice with one coupling and one field, else None."""
    n = model.n_nodes
    if n < 16 or model.indices.size != 4 * n or not np.all(np.diff(model.indptr) == 4):
        return None
    if not (np.all(model.weights == model.weights[0]) and np.all(model.biases == model.biases[0])):
        return None
    if model.weights[0] == 0:
        return None
    for cols in np.unique(model.indices[:4]):
        cols = int(cols)
        if cols < 4 or n % cols or cols % 2 or (n // cols) % 2 or n // cols < 4:
            continue
        rows = n // cols
        r, c = np.divmod(np.arange(n), cols)
        expected = np.stack(
            [((r - 1) % rows) * cols + c, ((r + 1) % rows) * cols + c, r * cols + (c - 1) % cols, r * cols + (c + 1) % cols],
            axis=1,
        )
        got = model.indices.reshape(n, 4)
        if np.array_equal(np.sort(expected, axis=1), np.sort(got, axis=1)):
            return rows, cols
    return None


def threshold_table(p_up: np.ndarray) -> np.ndarray:
    """64-bit thresholds for probabilities ``p_up``: ``bits < T`` has probability p to within 2^-64."""
    out = np.empty(p_up.shape, dtype=np.uint64)
    for index, p in np.ndenumerate(p_up):
        scaled = math.floor(float(p) * _TWO_POW_64 + 0.5)
        out[index] = min(scaled, int(_MAX)) if scaled > 0 else 0
    return out


def to_checkerboard(states: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """(chains, n) in user numbering (node r * cols + c) to (chains, 2, rows, cols / 2)."""
    grid = states.reshape(states.shape[0], rows, cols)
    out = np.empty((states.shape[0], 2, rows, cols // 2), dtype=states.dtype)
    for p in (0, 1):
        for r in range(rows):
            out[:, p, r] = grid[:, r, (r + p) % 2 :: 2]
    return out


def from_checkerboard(board: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_checkerboard`: (chains, 2, rows, cols / 2) to (chains, n)."""
    chains, _, rows, half = board.shape
    grid = np.empty((chains, rows, 2 * half), dtype=board.dtype)
    for p in (0, 1):
        for r in range(rows):
            grid[:, r, (r + p) % 2 :: 2] = board[:, p, r]
    return grid.reshape(chains, rows * 2 * half)


@njit(cache=True, inline="always")
def _update_row(board, p, r, key, sweep_base, thresholds, neighbour_sum, scratch, spin_sums, observe):
    """Heat-bath update of row r of colour p; returns (change of Σ s_i s_j over bonds, change of Σ s_i)."""
    rows = board.shape[1]
    half = board.shape[2]
    cols = 2 * half
    q = 1 - p
    offset = (r + p) & 1
    target = board[p, r]
    up = board[q, (r - 1) % rows]
    down = board[q, (r + 1) % rows]
    same = board[q, r]
    for k in range(half):
        neighbour_sum[k] = up[k] + down[k] + same[k]
    if offset == 0:
        neighbour_sum[0] += same[half - 1]
        for k in range(1, half):
            neighbour_sum[k] += same[k - 1]
    else:
        for k in range(half - 1):
            neighbour_sum[k] += same[k + 1]
        neighbour_sum[half - 1] += same[0]
    base = (sweep_base + np.uint64(r * cols + offset)) * _DRAWS
    step = np.uint64(2) * _DRAWS
    # separate simple loops: the hash loop vectorises (64-bit multiplies), the others are cheap
    bits = scratch[0]
    limit = scratch[1]
    for k in range(half):
        bits[k] = bits64(key, base + np.uint64(k) * step)
    for k in range(half):
        # row 0 of the table: current spin -1, row 1: +1 (equal rows for the ideal heat bath)
        limit[k] = thresholds[(target[k] + 1) >> 1, neighbour_sum[k] + 4]
    d_pairs = 0
    d_mag = 0
    for k in range(half):
        new = np.int8(1) if bits[k] < limit[k] else np.int8(-1)
        change = np.int64(new - target[k])
        target[k] = new
        d_pairs += change * neighbour_sum[k]
        d_mag += change
    if observe:
        for k in range(half):
            spin_sums[p, r, k] += target[k]
    return d_pairs, d_mag


@njit(cache=True)
def _totals(board):
    """(Σ over bonds of s_i s_j, Σ s_i) of one chain's board."""
    rows = board.shape[1]
    half = board.shape[2]
    pairs = 0
    mag = 0
    for r in range(rows):
        offset = r & 1
        for k in range(half):
            s = np.int64(board[0, r, k])
            other = board[1, r, (k - 1) % half] if offset == 0 else board[1, r, (k + 1) % half]
            pairs += s * (board[1, (r - 1) % rows, k] + board[1, (r + 1) % rows, k] + board[1, r, k] + other)
            mag += s + board[1, r, k]
    return pairs, mag


@njit(cache=True)
def _record(board, c, t, pairs, mag, coupling, field, energies, magnetisations, histogram):
    energies[c, t] = -(coupling * pairs + field * mag)
    magnetisations[c, t] = mag
    if histogram.shape[1] > 1:
        rows = board.shape[1]
        half = board.shape[2]
        code = 0
        for p in range(2):
            for r in range(rows):
                for k in range(half):
                    if board[p, r, k] > 0:
                        code += 1 << (r * 2 * half + 2 * k + ((r + p) & 1))
        histogram[c, code] += 1


def _lattice_sweeps_chains(boards, keys, thresholds, coupling, field, sweep0, n_sweeps, energies, magnetisations,
                           spin_sums, histogram):  # fmt: skip
    """All sweeps of each chain in one task (parallel over chains)."""
    n_chains, _, rows, half = boards.shape
    n_nodes = rows * 2 * half
    observe = energies.shape[1] > 0
    for c in prange(n_chains):
        board = boards[c]
        neighbour_sum = np.empty(half, dtype=np.int8)
        scratch = np.empty((2, half), dtype=np.uint64)
        pairs, mag = _totals(board)
        for t in range(n_sweeps):
            sweep_base = np.uint64(sweep0 + t) * np.uint64(n_nodes)
            for p in range(2):
                for r in range(rows):
                    d_pairs, d_mag = _update_row(
                        board, p, r, keys[c], sweep_base, thresholds, neighbour_sum, scratch, spin_sums[c], observe
                    )
                    pairs += d_pairs
                    mag += d_mag
            if observe:
                _record(board, c, t, pairs, mag, coupling, field, energies, magnetisations, histogram)


def _lattice_sweeps_rows(boards, keys, thresholds, coupling, field, sweep0, n_sweeps, energies, magnetisations,
                         spin_sums, histogram):  # fmt: skip
    """Sweeps with the rows of each colour split between threads (for one or few chains)."""
    n_chains, _, rows, half = boards.shape
    n_nodes = rows * 2 * half
    observe = energies.shape[1] > 0
    row_pairs = np.zeros(rows, dtype=np.int64)
    row_mag = np.zeros(rows, dtype=np.int64)
    for c in range(n_chains):
        board = boards[c]
        pairs, mag = _totals(board)
        for t in range(n_sweeps):
            sweep_base = np.uint64(sweep0 + t) * np.uint64(n_nodes)
            for p in range(2):
                for r in prange(rows):
                    neighbour_sum = np.empty(half, dtype=np.int8)
                    scratch = np.empty((2, half), dtype=np.uint64)
                    d_pairs, d_mag = _update_row(
                        board, p, r, keys[c], sweep_base, thresholds, neighbour_sum, scratch, spin_sums[c], observe
                    )
                    row_pairs[r] = d_pairs
                    row_mag[r] = d_mag
                for r in range(rows):
                    pairs += row_pairs[r]
                    mag += row_mag[r]
            if observe:
                _record(board, c, t, pairs, mag, coupling, field, energies, magnetisations, histogram)


_CHAINS = _pair(_lattice_sweeps_chains)
_ROWS = _pair(_lattice_sweeps_rows)

#: Sites x chains below which the serial kernel is used.
PARALLEL_THRESHOLD = 2048


def lattice_kernel(n_chains: int, n_nodes: int, n_threads: int):
    """The lattice kernel: one task per chain when there are at least as many chains as threads, else rows in parallel."""
    if n_chains * n_nodes < PARALLEL_THRESHOLD or n_threads <= 1:
        return _CHAINS[1]
    return _CHAINS[0] if n_chains >= n_threads else _ROWS[0]


def update_thresholds(model, hardware=None) -> np.ndarray | None:
    """Threshold table (2, 9) of a lattice update: row = current spin (-1, +1), column = S + 4.

    ``hardware`` (a :class:`~noisecircuits.gibbs.hardware.HardwareMode`) is table-expressible
    when every cell has the same bias network (no mismatch): then P(+1) = F(x) with
    x = offset + gain I, and a cell that keeps its output with probability ``keep(x)`` gives
    P(+1 | s) = keep [s = +1] + (1 - keep) F(x) — the same law as the general kernel's two
    draws. Returns None for a cell with per-node mismatch (use the general kernel).
    """
    coupling = float(model.weights[0])
    field = float(model.biases[0])
    local = coupling * np.arange(-4, 5) + field
    if hardware is None:
        p_up = special.expit(2.0 * float(model.beta) * local)
        return threshold_table(np.stack([p_up, p_up]))
    tables = hardware.tables(model.n_nodes, model.beta, field_bound=abs(field) + 4.0 * abs(coupling))
    if np.ptp(tables.offset_x) != 0 or np.ptp(tables.gain_x) != 0:
        return None
    x = tables.control(local[:, None])[:, 0]
    grid = tables.x0 + tables.dx * np.arange(tables.p_one.size)
    p_fresh = np.interp(x, grid, tables.p_one)
    keep = np.interp(x, grid, tables.keep)
    return threshold_table(np.stack([(1.0 - keep) * p_fresh, keep + (1.0 - keep) * p_fresh]))
