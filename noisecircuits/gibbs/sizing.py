"""Up-front size and time estimates of an Ising run, so that a caller can refuse it before allocating.

The figures are generous upper bounds per node, per edge, per chain and per recorded sweep of
what :func:`noisecircuits.gibbs.sampler.sample_ising` allocates (model and its colour-ordered
copy, padded neighbour table, spins and spin sums of every chain, energy and magnetisation
records, snapshots, the state histogram of a small model), and a conservative update rate.
"""

from __future__ import annotations

__all__ = ["MAX_NODES", "ising_run_bytes", "ising_run_seconds"]

#: Largest number of nodes (the kernels number nodes with int32).
MAX_NODES = 2**31 - 2

_BYTES_PER_NODE = 160.0  # CSR pointers, biases, colours, orderings and their relabelled copies
_BYTES_PER_EDGE = 2 * 2 * 8 * 2.0  # both directions, index + weight, model and relabelled copy
_BYTES_PER_CHAIN_NODE = 1 + 8 + 8 + 1  # spins, spin sums, user-order copy of the sums, final state
_BYTES_PER_RECORD = 8 + 8 + 8 + 8  # energy, magnetisation, chunk buffers of both
_HISTOGRAM_SPINS = 20

#: Conservative single-thread update rates [updates/s]: ideal heat bath, and a calibrated cell.
IDEAL_UPDATES_PER_S = 2.0e7
HARDWARE_UPDATES_PER_S = 5.0e6


def ising_run_bytes(n_nodes: int, n_edges: int, chains: int, sweeps: int, *, snapshots: int = 0) -> float:
    """Estimated peak memory of an Ising run [bytes].

    Parameters
    ----------
    n_nodes : int
        Spins [-].
    n_edges : int
        Undirected couplings [-].
    chains : int
        Chains [-].
    sweeps : int
        Recorded sweeps per chain [-].
    snapshots : int
        States kept per chain [-].
    """
    n, chains = float(n_nodes), float(chains)
    total = _BYTES_PER_NODE * n + _BYTES_PER_EDGE * float(n_edges)
    total += chains * n * (_BYTES_PER_CHAIN_NODE + float(snapshots))
    total += chains * float(sweeps) * _BYTES_PER_RECORD
    if n_nodes <= _HISTOGRAM_SPINS:
        total += chains * 8.0 * 2.0**n_nodes
    return total


def ising_run_seconds(n_nodes: int, chains: int, total_sweeps: int, *, hardware: bool = False) -> float:
    """Estimated wall time of an Ising run at a conservative single-thread rate [s].

    Parameters
    ----------
    n_nodes : int
        Spins [-].
    chains : int
        Chains [-].
    total_sweeps : int
        Burn-in plus recorded sweeps [-].
    hardware : bool
        Updates through a calibrated cell (slower path).
    """
    rate = HARDWARE_UPDATES_PER_S if hardware else IDEAL_UPDATES_PER_S
    return float(n_nodes) * float(chains) * float(total_sweeps) / rate
