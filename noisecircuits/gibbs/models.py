"""Probabilistic graphical models sampled by the Gibbs engine.

All three hold a symmetric sparse coupling graph in CSR form (``indptr``, ``indices``,
``weights``; every edge stored in both directions, no self loops) and an inverse
temperature ``beta`` kept apart from the couplings.

* :class:`IsingModel`: spins :math:`s_i = \\pm 1`,
  :math:`E(s) = -(\\sum_i h_i s_i + \\sum_{i<j} J_{ij} s_i s_j)`, :math:`p \\propto e^{-\\beta E}`.
* :class:`PottsModel`: categorical nodes :math:`s_i \\in \\{0..q-1\\}`,
  :math:`E(s) = -(\\sum_i h_{i,s_i} + \\sum_{i<j} J_{ij} \\delta_{s_i s_j})`.
* :class:`GaussianModel`: continuous nodes,
  :math:`E(x) = \\tfrac12 (x-\\mu)^T A (x-\\mu)` with precision :math:`A`
  (diagonal ``precision_diagonal``, off-diagonal the CSR weights), :math:`p \\propto e^{-\\beta E}`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from noisecircuits import _validate
from noisecircuits.errors import DataError, ParameterError

__all__ = ["IsingModel", "PottsModel", "GaussianModel", "csr_from_edges"]


def csr_from_edges(n_nodes: int, edges, weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Symmetric CSR adjacency from an undirected edge list.

    Parameters
    ----------
    n_nodes : int
        Number of nodes [-].
    edges : array_like of int, shape (m, 2)
        Node pairs ``(i, j)`` with ``i != j``, each pair at most once [-].
    weights : array_like of float, shape (m,)
        Coupling of each edge [-] (in units of the energy scale).

    Returns
    -------
    indptr, indices, weights : ndarray
        CSR arrays with every edge stored as ``i -> j`` and ``j -> i``, neighbours sorted.

    Raises
    ------
    DataError
        On out-of-range indices, self loops, duplicate edges or non-finite weights.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    if weights.shape[0] != edges.shape[0]:
        raise DataError(f"got {edges.shape[0]} edges but {weights.shape[0]} weights; give one weight per edge")
    if edges.size and (edges.min() < 0 or edges.max() >= n_nodes):
        bad = int(np.flatnonzero((edges < 0).any(1) | (edges >= n_nodes).any(1))[0])
        raise DataError(f"edge {bad} {edges[bad].tolist()} has a node index outside 0..{n_nodes - 1}")
    loops = np.flatnonzero(edges[:, 0] == edges[:, 1])
    if loops.size:
        raise DataError(f"edge {int(loops[0])} couples node {int(edges[loops[0], 0])} to itself; i != j is required")
    if not np.all(np.isfinite(weights)):
        bad = int(np.flatnonzero(~np.isfinite(weights))[0])
        raise DataError(f"edge {bad} has a non-finite coupling {weights[bad]!r}; couplings must be finite numbers")
    lo, hi = np.minimum(edges[:, 0], edges[:, 1]), np.maximum(edges[:, 0], edges[:, 1])
    key = lo * n_nodes + hi
    order = np.argsort(key, kind="stable")
    dup = np.flatnonzero(np.diff(key[order]) == 0)
    if dup.size:
        first = int(order[dup[0] + 1])
        raise DataError(
            f"edge {first} ({int(lo[first])}, {int(hi[first])}) appears more than once; each pair may be coupled once"
        )
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    vals = np.concatenate([weights, weights])
    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    return np.cumsum(indptr), cols.astype(np.int64), vals.astype(np.float64)


def _check_csr(n, indptr, indices, weights):
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    indices = np.ascontiguousarray(indices, dtype=np.int64)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    if indptr.shape != (n + 1,) or indptr[0] != 0 or indptr[-1] != indices.size or np.any(np.diff(indptr) < 0):
        raise ParameterError(f"indptr must be a non-decreasing array of length {n + 1} from 0 to len(indices)")
    if indices.size != weights.size:
        raise ParameterError("indices and weights must have the same length")
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ParameterError(f"indices must lie in 0..{n - 1}")
    if not np.all(np.isfinite(weights)):
        raise ParameterError("couplings must be finite numbers")
    rows = np.repeat(np.arange(n), np.diff(indptr))
    if np.any(rows == indices):
        raise ParameterError("the coupling graph must have no self loops (i != j)")
    forward = np.lexsort((indices, rows))
    backward = np.lexsort((rows, indices))
    same = (rows[forward] == indices[backward]) & (indices[forward] == rows[backward])
    if not (np.all(same) and np.array_equal(weights[forward], weights[backward])):
        raise ParameterError("couplings must be symmetric: every J[i,j] needs an equal J[j,i]")
    return indptr, indices, weights


@dataclass(frozen=True, eq=False)
class IsingModel:
    """Ising model with fields and sparse couplings.

    Parameters
    ----------
    biases : ndarray, shape (n,)
        Fields :math:`h_i` [-] (energy units).
    indptr, indices, weights : ndarray
        Symmetric CSR couplings :math:`J_{ij}` [-] (each edge stored both ways).
    beta : float
        Inverse temperature :math:`\\beta` [1/energy unit]; must be >= 0.
    """

    biases: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    beta: float = 1.0

    def __post_init__(self):
        biases = np.ascontiguousarray(self.biases, dtype=np.float64).reshape(-1)
        if biases.size < 1 or not np.all(np.isfinite(biases)):
            raise ParameterError("biases must be a non-empty array of finite numbers")
        object.__setattr__(self, "biases", biases)
        arrays = _check_csr(biases.size, self.indptr, self.indices, self.weights)
        for name, arr in zip(("indptr", "indices", "weights"), arrays):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        biases.setflags(write=False)
        object.__setattr__(self, "beta", _validate.non_negative("beta", self.beta))

    @classmethod
    def from_edges(cls, n_nodes, edges, couplings, biases=None, beta=1.0) -> "IsingModel":
        """Build from an undirected edge list (see :func:`csr_from_edges`)."""
        n = _validate.positive_int("n_nodes", n_nodes)
        indptr, indices, weights = csr_from_edges(n, edges, couplings)
        biases = np.zeros(n) if biases is None else np.asarray(biases, dtype=float)
        if biases.shape != (n,):
            raise DataError(f"biases must have one entry per spin ({n}), got shape {biases.shape}")
        return cls(biases, indptr, indices, weights, beta)

    @property
    def n_nodes(self) -> int:
        """Number of spins."""
        return int(self.biases.size)

    @property
    def degrees(self) -> np.ndarray:
        """Number of neighbours of each node."""
        return np.diff(self.indptr)

    def with_beta(self, beta: float) -> "IsingModel":
        """The same model at another inverse temperature."""
        return IsingModel(self.biases, self.indptr, self.indices, self.weights, beta)

    def dense_couplings(self) -> np.ndarray:
        """Dense symmetric :math:`J` (for small models)."""
        n = self.n_nodes
        out = np.zeros((n, n))
        rows = np.repeat(np.arange(n), self.degrees)
        out[rows, self.indices] = self.weights
        return out

    def energy(self, spins) -> np.ndarray:
        """Energy :math:`E(s)` of spin configurations ``spins`` (..., n) of ±1."""
        s = np.asarray(spins, dtype=np.float64)
        rows = np.repeat(np.arange(self.n_nodes), self.degrees)
        pair = 0.5 * np.sum(s[..., rows] * self.weights * s[..., self.indices], axis=-1)
        return -(s @ self.biases + pair)

    def local_fields(self, spins) -> np.ndarray:
        """:math:`I_i = \\sum_j J_{ij} s_j + h_i` for configurations (..., n)."""
        s = np.asarray(spins, dtype=np.float64)
        rows = np.repeat(np.arange(self.n_nodes), self.degrees)
        contrib = s[..., self.indices] * self.weights
        out = np.zeros(s.shape)
        np.add.at(out.reshape(-1, self.n_nodes), (slice(None), rows), contrib.reshape(-1, rows.size))
        return out + self.biases


@dataclass(frozen=True, eq=False)
class PottsModel:
    """q-state Potts model with sparse couplings and optional per-state fields.

    Parameters
    ----------
    n_states : int
        Number of states q per node [-]; >= 2.
    indptr, indices, weights : ndarray
        Symmetric CSR couplings :math:`J_{ij}` [-].
    fields : ndarray, shape (n, q)
        Per-state fields :math:`h_{i,a}` [-].
    beta : float
        Inverse temperature [1/energy unit].
    """

    n_states: int
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    fields: np.ndarray
    beta: float = 1.0

    def __post_init__(self):
        q = _validate.positive_int("n_states", self.n_states, minimum=2)
        if q > 127:
            raise ParameterError(f"n_states must be in [2, 127], got {q}")
        object.__setattr__(self, "n_states", q)
        fields = np.ascontiguousarray(self.fields, dtype=np.float64)
        if fields.ndim != 2 or fields.shape[1] != q or fields.shape[0] < 1 or not np.all(np.isfinite(fields)):
            raise ParameterError(f"fields must be a finite array of shape (n, {q})")
        object.__setattr__(self, "fields", fields)
        arrays = _check_csr(fields.shape[0], self.indptr, self.indices, self.weights)
        for name, arr in zip(("indptr", "indices", "weights"), arrays):
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "beta", _validate.non_negative("beta", self.beta))

    @classmethod
    def from_edges(cls, n_nodes, n_states, edges, couplings, fields=None, beta=1.0) -> "PottsModel":
        """Build from an undirected edge list."""
        n = _validate.positive_int("n_nodes", n_nodes)
        indptr, indices, weights = csr_from_edges(n, edges, couplings)
        fields = np.zeros((n, int(n_states))) if fields is None else fields
        return cls(n_states, indptr, indices, weights, fields, beta)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.fields.shape[0])

    def with_beta(self, beta: float) -> "PottsModel":
        """The same model at another inverse temperature."""
        return PottsModel(self.n_states, self.indptr, self.indices, self.weights, self.fields, beta)


@dataclass(frozen=True, eq=False)
class GaussianModel:
    """Gaussian Markov random field :math:`p(x) \\propto \\exp(-\\beta (x-\\mu)^T A (x-\\mu)/2)`.

    Parameters
    ----------
    mean : ndarray, shape (n,)
        :math:`\\mu` [state unit].
    precision_diagonal : ndarray, shape (n,)
        :math:`A_{ii}` > 0 [1/state unit^2].
    indptr, indices, weights : ndarray
        Symmetric CSR off-diagonal precision :math:`A_{ij}` [1/state unit^2]; :math:`A` must be
        positive definite.
    beta : float
        Inverse temperature [-]; > 0.
    """

    mean: np.ndarray
    precision_diagonal: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    beta: float = 1.0

    def __post_init__(self):
        mean = np.ascontiguousarray(self.mean, dtype=np.float64).reshape(-1)
        diag = np.ascontiguousarray(self.precision_diagonal, dtype=np.float64).reshape(-1)
        if mean.size < 1 or diag.shape != mean.shape or not np.all(np.isfinite(mean)):
            raise ParameterError("mean and precision_diagonal must be finite arrays of the same length n >= 1")
        if not np.all(np.isfinite(diag)) or np.any(diag <= 0):
            raise ParameterError("precision_diagonal must be finite and > 0")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "precision_diagonal", diag)
        arrays = _check_csr(mean.size, self.indptr, self.indices, self.weights)
        for name, arr in zip(("indptr", "indices", "weights"), arrays):
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "beta", _validate.positive("beta", self.beta))

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.mean.size)

    def dense_precision(self) -> np.ndarray:
        """Dense :math:`A`."""
        n = self.n_nodes
        out = np.diag(self.precision_diagonal.copy())
        rows = np.repeat(np.arange(n), np.diff(self.indptr))
        out[rows, self.indices] = self.weights
        return out
