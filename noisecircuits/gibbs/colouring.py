"""Graph colouring for block-Gibbs updates.

Nodes of one colour share no edge, so updating a whole colour class at once is exact
Gibbs sampling (each node's conditional depends only on other colours). Colours come from
DSATUR (Brélaz 1979), which colours bipartite graphs (lattices, the degree-12 offset
pattern on an even torus) with two colours.
"""

from __future__ import annotations

import heapq

import numpy as np

from noisecircuits.citations import use
from noisecircuits.errors import ParameterError

__all__ = ["dsatur_colouring", "check_colouring", "colour_blocks"]


def dsatur_colouring(indptr, indices) -> np.ndarray:
    """Colour a graph given in CSR form with the DSATUR heuristic.

    Parameters
    ----------
    indptr, indices : ndarray
        CSR adjacency (symmetric) [-].

    Returns
    -------
    ndarray of int64, shape (n,)
        Colour of each node, 0-based; neighbours never share a colour.
    """
    use("brelaz1979")
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    n = indptr.size - 1
    colours = np.full(n, -1, dtype=np.int64)
    degree = np.diff(indptr)
    neighbour_colours: list[set[int]] = [set() for _ in range(n)]
    heap = [(0, -int(degree[v]), v) for v in range(n)]
    heapq.heapify(heap)
    ptr, nbr = indptr.tolist(), indices.tolist()
    while heap:
        neg_sat, _neg_deg, v = heapq.heappop(heap)
        if colours[v] >= 0 or -neg_sat != len(neighbour_colours[v]):
            continue  # stale entry
        used = neighbour_colours[v]
        c = 0
        while c in used:
            c += 1
        colours[v] = c
        for u in nbr[ptr[v] : ptr[v + 1]]:
            if colours[u] < 0 and c not in neighbour_colours[u]:
                neighbour_colours[u].add(c)
                heapq.heappush(heap, (-len(neighbour_colours[u]), -int(degree[u]), u))
    check_colouring(indptr, indices, colours)
    return colours


def check_colouring(indptr, indices, colours) -> None:
    """Raise :class:`ParameterError` if two neighbours share a colour.

    Parameters
    ----------
    indptr, indices : ndarray
        CSR adjacency [-].
    colours : ndarray of int, shape (n,)
        Colour of each node [-].
    """
    colours = np.asarray(colours)
    rows = np.repeat(np.arange(colours.size), np.diff(np.asarray(indptr)))
    clash = np.flatnonzero(colours[rows] == colours[np.asarray(indices)])
    if clash.size:
        i, j = int(rows[clash[0]]), int(np.asarray(indices)[clash[0]])
        raise ParameterError(f"nodes {i} and {j} are neighbours with the same colour; block Gibbs would not be exact")


def colour_blocks(colours, free=None) -> tuple[np.ndarray, np.ndarray]:
    """Group nodes by colour into the (block_nodes, block_ptr) layout used by the kernels.

    Parameters
    ----------
    colours : ndarray of int, shape (n,)
        A proper colouring [-].
    free : ndarray of bool, shape (n,), optional
        Nodes to update (clamped nodes are left out) [-].

    Returns
    -------
    block_nodes : ndarray of int64
        Node indices, colour 0 first.
    block_ptr : ndarray of int64
        Block ``b`` is ``block_nodes[block_ptr[b]:block_ptr[b + 1]]``; empty blocks are dropped.
    """
    colours = np.asarray(colours, dtype=np.int64)
    nodes = np.arange(colours.size)
    if free is not None:
        nodes = nodes[np.asarray(free, dtype=bool)]
    order = np.argsort(colours[nodes], kind="stable")
    block_nodes = nodes[order].astype(np.int64)
    _, counts = np.unique(colours[block_nodes], return_counts=True)
    block_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    if block_nodes.size == 0:
        raise ParameterError("every node is clamped; there is nothing to sample")
    return block_nodes, block_ptr
