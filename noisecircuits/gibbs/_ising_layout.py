"""Work layout and discrete-field tables for the Ising kernel."""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from noisecircuits.gibbs._rng import TWO_POW_53

__all__ = ["TILE_SIZE", "tiles", "discrete_fields", "relabel_by_colour", "padded_neighbours", "signed_neighbours"]

#: Nodes per unit of parallel work.
TILE_SIZE = 512

#: Largest |I| / unit for which the threshold table is built.
_MAX_LEVELS = 1 << 16


def relabel_by_colour(indptr, indices, weights, biases, block_nodes):
    """Renumber nodes so that each colour block is contiguous (clamped nodes last).

    Sweeping a contiguous block streams through its CSR rows instead of skipping through
    every row of the graph, which roughly halves the memory traffic of a lattice sweep.

    Parameters
    ----------
    indptr, indices, weights : ndarray
        CSR couplings in the original numbering.
    biases : ndarray
        Fields in the original numbering.
    block_nodes : ndarray of int64
        Free nodes, block after block (from :func:`~noisecircuits.gibbs.colouring.colour_blocks`).

    Returns
    -------
    order : ndarray of int64
        ``order[new] = old``.
    indptr, indices (int32), weights, biases : ndarray
        The model in the new numbering.
    """
    n = biases.size
    clamped = np.setdiff1d(np.arange(n), block_nodes)
    order = np.concatenate([block_nodes, clamped]).astype(np.int64)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    degrees = np.diff(indptr)[order]
    new_indptr = np.concatenate([[0], np.cumsum(degrees)]).astype(np.int64)
    positions = np.repeat(indptr[order] - new_indptr[:-1], degrees) + np.arange(new_indptr[-1])
    new_indices = inverse[indices[positions]].astype(np.int32)
    return order, new_indptr, new_indices, weights[positions], biases[order]


def padded_neighbours(indptr, indices, int_weights, tile_ptr):
    """Neighbour lists padded to a common length (ELL layout) for the threshold-table path.

    Row i holds node i's neighbours and integer couplings; missing entries point to a dummy
    node ``n`` whose spin is always 0. ``tile_degree[t]`` is the longest row in tile t, so a
    tile only walks the columns it needs.

    Returns
    -------
    neighbours : ndarray of int32, shape (n, d_max)
    couplings : ndarray, shape (n, d_max)
        Same dtype as ``int_weights``.
    tile_degree : ndarray of int64, shape (n_tiles,)
    """
    n = indptr.size - 1
    degree = np.diff(indptr)
    width = max(int(degree.max()) if n else 0, 1)
    neighbours = np.full((n, width), n, dtype=np.int32)
    couplings = np.zeros((n, width), dtype=int_weights.dtype)
    for column in range(width):
        rows = np.flatnonzero(degree > column)
        neighbours[rows, column] = indices[indptr[rows] + column]
        couplings[rows, column] = int_weights[indptr[rows] + column]
    tile_degree = np.array(
        [int(degree[tile_ptr[t] : tile_ptr[t + 1]].max(initial=0)) for t in range(tile_ptr.size - 1)], dtype=np.int64
    )
    return neighbours, couplings, tile_degree


def signed_neighbours(neighbours: np.ndarray, couplings: np.ndarray):
    """Signed indices into the doubled spin row when every coupling is -1, 0 or +1 unit, else None.

    The kernels keep each chain's spins as ``[s_0 .. s_{n-1}, 0, -s_0 .. -s_{n-1}, 0]``, so
    ``J_ij s_j`` with ``J_ij = +-1`` is one load: index j for +1, j + n + 1 for -1 (padding,
    coupling 0, keeps pointing at the dummy node n, whose value is 0).

    Parameters
    ----------
    neighbours : ndarray of int32, shape (n, d_max)
        Padded neighbour table (:func:`padded_neighbours`); the dummy node is n.
    couplings : ndarray, shape (n, d_max)
        Integer couplings in field units.

    Returns
    -------
    ndarray of int32, shape (n, d_max), or None
    """
    if couplings.size and np.max(np.abs(couplings.astype(np.int64))) > 1:
        return None
    n = neighbours.shape[0]
    return np.where(couplings < 0, neighbours + (n + 1), neighbours).astype(np.int32)


def tiles(block_ptr: np.ndarray, tile_size: int = TILE_SIZE):
    """Split each contiguous colour block ``block_ptr[b]:block_ptr[b + 1]`` into runs of at most ``tile_size`` nodes.

    Returns
    -------
    tile_ptr : ndarray of int64
        Tile t covers nodes ``tile_ptr[t]:tile_ptr[t + 1]``.
    block_tiles : ndarray of int64
        Block b owns tiles ``block_tiles[b]:block_tiles[b + 1]``.
    """
    starts = []
    block_tiles = [0]
    for b in range(block_ptr.size - 1):
        lo, hi = int(block_ptr[b]), int(block_ptr[b + 1])
        starts.extend(range(lo, hi, tile_size))
        block_tiles.append(len(starts))
    tile_ptr = np.array([*starts, int(block_ptr[-1])], dtype=np.int64)
    return tile_ptr, np.array(block_tiles, dtype=np.int64)


def discrete_fields(weights: np.ndarray, biases: np.ndarray, indptr: np.ndarray, beta: float):
    """Integer couplings and a threshold table when all couplings and biases share a unit.

    If every :math:`J_{ij}` and :math:`h_i` is an integer multiple of ``unit`` (the smallest
    non-zero magnitude), the local field is ``unit`` times an integer level L and the
    heat-bath decision ``u < sigma(2 beta I)`` with ``u = bits / 2^53`` equals
    ``bits < ceil(2^53 sigma(2 beta unit L))``.

    Returns
    -------
    tuple or None
        ``(int_weights, int_biases, unit, offset, thresholds)`` or None when the values do
        not share a unit (or the table would be too large).
    """
    values = np.concatenate([weights, biases])
    nonzero = np.abs(values[values != 0])
    if nonzero.size == 0:
        unit = 1.0
    else:
        unit = float(nonzero.min())
    levels = values / unit
    rounded = np.rint(levels)
    if np.any(np.abs(levels - rounded) > 1e-9) or np.any(np.abs(rounded) > _MAX_LEVELS):
        return None
    int_weights = rounded[: weights.size]
    small = int_weights.size == 0 or np.max(np.abs(int_weights)) <= 127
    int_weights = int_weights.astype(np.int8 if small else np.int32)
    int_biases = rounded[weights.size :].astype(np.int64)
    magnitudes = np.abs(int_weights.astype(np.int64))
    abs_sum = np.add.reduceat(magnitudes, np.minimum(indptr[:-1], max(magnitudes.size - 1, 0))) if magnitudes.size else 0
    abs_sum = np.where(np.diff(indptr) > 0, abs_sum, 0)
    reach = int(np.max(abs_sum + np.abs(int_biases))) if biases.size else 0
    if reach > _MAX_LEVELS:
        return None
    level = np.arange(-reach, reach + 1)
    p_up = special.expit(2.0 * beta * unit * level)
    thresholds = np.array([math.ceil(p * TWO_POW_53) for p in p_up], dtype=np.int64)
    return int_weights, int_biases, unit, reach, thresholds
