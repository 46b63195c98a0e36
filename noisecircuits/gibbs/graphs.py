"""Graph builders and the JSON model reader.

* :func:`lattice_edges` — periodic 2-D square lattice (torus), 4 neighbours.
* :func:`offset_pattern_edges` — the degree-12 pattern of denoising-style chips: on a
  periodic grid every node (r, c) is coupled to (r ± dr, c ± dc) for the six offsets
  :data:`DEGREE12_OFFSETS` = (0,1), (1,0), (1,2), (2,-1), (0,3), (3,0). Every offset has odd
  Manhattan length, so on a torus with even sides the graph stays bipartite (two colours,
  the checkerboard) while reaching up to three sites away, as the published chip graphs do
  (docs/physics.md §6; arXiv:2510.23972).
* :func:`random_regular_edges` — uniform-ish random d-regular graph (Steger–Wormald pairing).
* :func:`erdos_renyi_edges` — G(n, p) with p = mean_degree / (n − 1).
* :func:`ising_from_json` — ``{"spins": n, "beta": b, "biases": [...], "couplings": [[i, j, J], ...]}``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from noisecircuits import _validate
from noisecircuits.errors import DataError, ParameterError
from noisecircuits.gibbs._rng import as_seed_sequence
from noisecircuits.gibbs.models import IsingModel
from noisecircuits.gibbs.sizing import MAX_NODES, ising_run_bytes

__all__ = [
    "DEGREE12_OFFSETS",
    "lattice_edges",
    "offset_pattern_edges",
    "random_regular_edges",
    "erdos_renyi_edges",
    "ising_lattice",
    "ising_from_dict",
    "ising_from_json",
]

#: Half of the degree-12 neighbourhood; each offset (dr, dc) also couples (-dr, -dc).
DEGREE12_OFFSETS = ((0, 1), (1, 0), (1, 2), (2, -1), (0, 3), (3, 0))


def offset_pattern_edges(rows: int, cols: int, offsets=DEGREE12_OFFSETS) -> np.ndarray:
    """Edges of a periodic grid where node (r, c) couples to (r + dr, c + dc) for each offset.

    Node (r, c) has index ``r * cols + c``.

    Parameters
    ----------
    rows, cols : int
        Grid size [-]; each must exceed twice the largest offset so no edge repeats.
    offsets : sequence of (int, int)
        Half-neighbourhood offsets [-]; the degree is twice their number.

    Returns
    -------
    ndarray of int64, shape (rows * cols * len(offsets), 2)
    """
    rows = _validate.positive_int("rows", rows)
    cols = _validate.positive_int("cols", cols)
    span_r = max(abs(int(dr)) for dr, _ in offsets)
    span_c = max(abs(int(dc)) for _, dc in offsets)
    if rows <= 2 * span_r or cols <= 2 * span_c:
        raise ParameterError(
            f"a periodic grid with these offsets needs rows > {2 * span_r} and cols > {2 * span_c}, got {rows}x{cols}"
        )
    r, c = np.divmod(np.arange(rows * cols), cols)
    parts = [np.stack([r * cols + c, ((r + dr) % rows) * cols + (c + dc) % cols], axis=1) for dr, dc in offsets]
    return np.concatenate(parts).astype(np.int64)


def lattice_edges(rows: int, cols: int | None = None) -> np.ndarray:
    """Nearest-neighbour edges of a periodic ``rows`` x ``cols`` square lattice (sides >= 3)."""
    cols = rows if cols is None else cols
    return offset_pattern_edges(rows, cols, ((0, 1), (1, 0)))


def ising_lattice(size: int, beta: float, coupling: float = 1.0, field: float = 0.0, cols: int | None = None):
    """Periodic 2-D Ising model :math:`E = -J \\sum_{<ij>} s_i s_j - H \\sum_i s_i`.

    Parameters
    ----------
    size : int
        Number of rows L [-] (>= 3).
    beta : float
        Inverse temperature [1/J].
    coupling : float
        J [-].
    field : float
        H [-].
    cols : int, optional
        Number of columns [-] (default ``size``).
    """
    cols = size if cols is None else cols
    edges = lattice_edges(size, cols)
    n = size * cols
    return IsingModel.from_edges(n, edges, np.full(len(edges), float(coupling)), np.full(n, float(field)), beta)


def random_regular_edges(n_nodes: int, degree: int, seed=None, max_restarts: int = 50) -> np.ndarray:
    """A random simple ``degree``-regular graph by Steger–Wormald pairing of stubs.

    Pairs of free stubs are drawn at random and accepted when they join two different,
    not yet connected nodes; a dead end restarts the pairing.

    Parameters
    ----------
    n_nodes : int
        Number of nodes [-]; ``n_nodes * degree`` must be even and ``degree < n_nodes``.
    degree : int
        Degree d [-].
    seed : int, SeedSequence or Generator, optional
        Randomness.
    max_restarts : int
        Attempts before giving up [-].
    """
    n = _validate.positive_int("n_nodes", n_nodes, minimum=2)
    d = _validate.positive_int("degree", degree)
    if d >= n or (n * d) % 2:
        raise ParameterError(f"degree must be < n_nodes with n_nodes*degree even, got n_nodes={n}, degree={d}")
    rng = np.random.default_rng(as_seed_sequence(seed))
    for _ in range(max_restarts):
        stubs = np.repeat(np.arange(n), d).tolist()
        adjacency: list[set[int]] = [set() for _ in range(n)]
        edges = []
        failures = 0
        while stubs and failures < 50 * len(stubs) + 1000:
            m = len(stubs)
            a, b = rng.integers(0, m, size=2)
            u, v = stubs[a], stubs[b]
            if a == b or u == v or v in adjacency[u]:
                failures += 1
                continue
            adjacency[u].add(v)
            adjacency[v].add(u)
            edges.append((u, v))
            for k in sorted((int(a), int(b)), reverse=True):
                stubs[k] = stubs[-1]
                stubs.pop()
        if not stubs:
            return np.asarray(edges, dtype=np.int64)
    raise ParameterError(f"could not build a simple {d}-regular graph on {n} nodes; try another seed")


def erdos_renyi_edges(n_nodes: int, mean_degree: float, seed=None) -> np.ndarray:
    """Erdős–Rényi G(n, p) edges with :math:`p = \\bar d / (n - 1)`.

    Parameters
    ----------
    n_nodes : int
        Number of nodes [-].
    mean_degree : float
        Expected degree :math:`\\bar d` [-], in (0, n - 1].
    seed : int, SeedSequence or Generator, optional
        Randomness.
    """
    n = _validate.positive_int("n_nodes", n_nodes, minimum=2)
    _validate.in_range("mean_degree", mean_degree, 0.0, n - 1.0)
    rng = np.random.default_rng(as_seed_sequence(seed))
    n_pairs = n * (n - 1) // 2
    n_edges = int(rng.binomial(n_pairs, mean_degree / (n - 1)))
    pair = np.sort(rng.choice(n_pairs, size=n_edges, replace=False))
    # pair index k -> (i, j), i < j, enumerating row by row of the upper triangle
    i = (n - 2 - np.floor(np.sqrt(-8.0 * pair + 4.0 * n * (n - 1) - 7) / 2.0 - 0.5)).astype(np.int64)
    j = pair + i + 1 - n * (n - 1) // 2 + (n - i) * ((n - i) - 1) // 2
    return np.stack([i, j], axis=1).astype(np.int64)


#: Largest |J| or |h| a model file may hold [energy unit].
MAX_MAGNITUDE = 1e100
#: Largest beta times the largest local field of a model file [-] (beyond it every update is deterministic).
MAX_BETA_FIELD = 1e6


def _finite_number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DataError(f"{what} must be a finite number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        raise DataError(f"{what} must be a finite number of magnitude <= {MAX_MAGNITUDE:g}, got an integer with "
                        f"{len(str(value))} digits") from None
    if not math.isfinite(number) or abs(number) > MAX_MAGNITUDE:
        raise DataError(f"{what} must be a finite number of magnitude <= {MAX_MAGNITUDE:g}, got {value!r}")
    return number


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def ising_from_dict(data, source: str = "model", budget=None) -> IsingModel:
    """Build an :class:`IsingModel` from ``{"spins", "beta", "biases", "couplings"}``.

    ``biases`` (default zeros) has one entry per spin; ``couplings`` is a list of
    ``[i, j, J]`` with 0 <= i, j < spins, i != j, each pair once. Every |J| and |h| is at most
    :data:`MAX_MAGNITUDE` and beta times the largest local field :math:`\\sum_j |J_{ij}| + |h_i|`
    at most :data:`MAX_BETA_FIELD`.

    Parameters
    ----------
    data : dict
        The decoded JSON document.
    source : str
        File name used in messages.
    budget : noisecircuits.budget.Budget, optional
        Memory and time limits checked (with one chain) before any array is built.
    """
    if not isinstance(data, dict):
        raise DataError(f"{source}: expected a JSON object with keys spins, beta, biases, couplings")
    unknown = set(data) - {"spins", "beta", "biases", "couplings"}
    if unknown:
        raise DataError(f"{source}: unknown key(s) {sorted(unknown)}; allowed: spins, beta, biases, couplings")
    n = data.get("spins")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_NODES:
        raise DataError(f"{source}: 'spins' must be an integer in 1..{MAX_NODES}, got {_short(n)}")
    beta = _finite_number(data.get("beta", 1.0), f"{source}: 'beta'")
    if beta < 0:
        raise DataError(f"{source}: 'beta' must be >= 0, got {beta!r}")
    couplings = data.get("couplings", [])
    if not isinstance(couplings, list):
        raise DataError(f"{source}: 'couplings' must be a list of [i, j, J]")
    if budget is not None:
        from noisecircuits.budget import check_budget

        check_budget(f"gibbs model {source}", memory_bytes=ising_run_bytes(n, len(couplings), 1, 0), budget=budget,
                     options="'spins' in the model file")
    biases = data.get("biases", None)
    if biases is None:
        biases = np.zeros(n)
    elif not isinstance(biases, list) or len(biases) != n:
        raise DataError(f"{source}: 'biases' must be a list of {n} numbers")
    else:
        biases = [_finite_number(b, f"{source}: biases[{k}]") for k, b in enumerate(biases)]
    edges, weights = [], []
    for k, item in enumerate(couplings):
        if (
            not isinstance(item, list)
            or len(item) != 3
            or any(isinstance(x, bool) or not isinstance(x, int) for x in item[:2])
        ):
            raise DataError(f"{source}: couplings[{k}] must be [i, j, J] with integer i, j, got {_short(item)}")
        if not (0 <= item[0] < n and 0 <= item[1] < n):
            raise DataError(f"{source}: couplings[{k}] has a node index outside 0..{n - 1}: {_short(item[:2])}")
        edges.append(item[:2])
        weights.append(_finite_number(item[2], f"{source}: couplings[{k}] J"))
    try:
        model = IsingModel.from_edges(n, np.array(edges, dtype=np.int64).reshape(-1, 2), weights, biases, beta)
    except DataError as exc:
        raise DataError(f"{source}: {exc}") from None
    reach = np.add.reduceat(np.abs(model.weights), model.indptr[:-1]) if model.weights.size else np.zeros(n)
    reach = np.where(np.diff(model.indptr) > 0, reach, 0.0) + np.abs(model.biases)
    if beta * float(reach.max()) > MAX_BETA_FIELD:
        raise DataError(
            f"{source}: 'beta' times the largest local field (sum of |J| and |h| at a spin) must be <= "
            f"{MAX_BETA_FIELD:g}, got {beta * float(reach.max()):.3g}"
        )
    return model


def ising_from_json(path, budget=None) -> IsingModel:
    """Read an Ising model JSON file (see :func:`ising_from_dict`).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    budget : noisecircuits.budget.Budget, optional
        Limits checked before the model's arrays are built.
    """
    path = Path(path)
    if budget is not None and path.is_file():
        from noisecircuits.budget import check_budget

        # decoded JSON numbers and lists take about 40 bytes of Python objects per byte of text at worst
        check_budget(f"reading model file {str(path)!r}", memory_bytes=40.0 * path.stat().st_size, budget=budget,
                     options="the model file's size")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"model file {str(path)!r} does not exist") from None
    except RecursionError:
        raise DataError(f"model file {str(path)!r} is nested too deeply; a model is one flat JSON object") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"model file {str(path)!r} is not valid JSON: {exc}") from None
    except ValueError as exc:  # integer literals longer than Python's conversion limit
        raise DataError(f"model file {str(path)!r} holds a number that cannot be read: {exc}") from None
    return ising_from_dict(data, source=str(path), budget=budget)
