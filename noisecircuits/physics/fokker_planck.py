r"""Grid solutions of the Fokker–Planck equation of 1-D and 2-D Itô SDEs.

The SDE :math:`dx_i = a_i(x)\, dt + g_i(x)\, dW_i` (diagonal noise) has the Fokker–Planck
equation :math:`\partial_t p = -\sum_i \partial_i J_i` with flux
:math:`J_i = a_i p - \partial_i (D_i p)`, :math:`D_i = g_i^2/2`. It is discretised as a
continuous-time Markov chain on the grid whose rates between neighbours come from the
exponentially fitted (Scharfetter–Gummel) flux written for :math:`q = D p`,

.. math::

    J_{k+1/2} = \frac{1}{h_k}\Big[B(-z_k)\, D_k p_k - B(z_k)\, D_{k+1} p_{k+1}\Big],
    \qquad z_k = h_k \left(\frac{a}{D}\right)_{k+1/2},\qquad B(z) = \frac{z}{e^z - 1},

so the rate from node k to k+1 is :math:`D_k B(-z_k)/(h_k V_k)` and back
:math:`D_{k+1} B(z_k)/(h_k V_{k+1})` (:math:`V_k` the node's cell width). For constant D these
are the classic :math:`(D/h^2) B(\mp a h / D)` (Scharfetter and Gummel 1969). The chain is
reflecting at the grid edges, second-order accurate, positive for any drift strength, and in
1-D its stationary law is exactly :math:`p \propto D^{-1} \exp(\sum_k z_k)`, the midpoint rule
of the exact :math:`p \propto D^{-1} \exp\int a/D` (Risken 1989, §5.2).

Drift and diffusion are elementwise-vectorised numpy callables, called once each with flat
arrays of points (cell faces and nodes together): in 1-D ``drift(x)`` [x-unit/s] and
``diffusion(x)`` = g [x-unit/√s]; in 2-D ``drift(X, Y)`` → ``(a_x, a_y)`` and
``diffusion(X, Y)`` → ``(g_x, g_y)``. Grids are strictly increasing 1-D arrays (a tuple of
two for 2-D; non-uniform spacing is allowed). Results are indexed like the grid
(``indexing="ij"`` in 2-D).

Linear algebra: a sparse LU solve is tried first and kept only when an a-posteriori test says it
is accurate; metastable chains (where LU's rounding of the diagonal acts like a leak larger than
the escape flux) fall back to subtraction-free Grassmann–Taksar–Heyman elimination, which is
accurate entrywise however rare the transitions (Grassmann, Taksar and Heyman 1985).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from noisecircuits.citations import use
from noisecircuits.errors import ParameterError, SimulationError

__all__ = [
    "generator_matrix",
    "stationary_distribution",
    "region_probability",
    "mean_first_passage_time",
]


def _bernoulli(z: np.ndarray) -> np.ndarray:
    r"""Bernoulli function :math:`B(z) = z/(e^z - 1)` without overflow or cancellation."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    small = np.abs(z) < 1e-5
    pos = z >= 1e-5
    neg = z <= -1e-5
    zs = z[small]
    out[small] = 1.0 - zs / 2.0 + zs * zs / 12.0
    with np.errstate(under="ignore"):
        zp = z[pos]
        out[pos] = zp * np.exp(-zp) / -np.expm1(-zp)
    zn = z[neg]
    out[neg] = zn / np.expm1(zn)
    return out


def _axis(name: str, values) -> np.ndarray:
    axis = np.asarray(values, dtype=float)
    if axis.ndim != 1 or axis.size < 3:
        raise ParameterError(f"{name} must be a 1-D array of at least 3 points [x-unit], got shape {axis.shape}")
    if not np.all(np.isfinite(axis)) or np.any(np.diff(axis) <= 0):
        raise ParameterError(f"{name} must be finite and strictly increasing [x-unit]")
    return axis


def _grid(grid) -> tuple[np.ndarray, ...]:
    if isinstance(grid, (tuple, list)) and len(grid) == 2 and np.ndim(grid[0]) == 1:
        return _axis("grid[0]", grid[0]), _axis("grid[1]", grid[1])
    if np.ndim(grid) == 1:
        return (_axis("grid", grid),)
    raise ParameterError("grid must be a 1-D array (1-D problem) or a tuple of two 1-D arrays (2-D problem)")


def _cell_widths(axis: np.ndarray) -> np.ndarray:
    """Width of the cell around each node (half cells at the edges) [x-unit]."""
    spacing = np.diff(axis)
    widths = np.empty_like(axis)
    widths[0] = spacing[0] / 2.0
    widths[-1] = spacing[-1] / 2.0
    widths[1:-1] = (spacing[:-1] + spacing[1:]) / 2.0
    return widths


def _evaluate(func, coords, what: str, n_out: int):
    """Call ``func`` on flat coordinate arrays; return ``n_out`` finite float arrays."""
    size = coords[0].size
    try:
        result = func(*coords)
    except Exception as exc:  # a user's callable failing is bad input, reported in one line
        raise ParameterError(f"{what} callable failed on the grid: {exc}") from exc
    parts = (result,) if n_out == 1 else tuple(result)
    if len(parts) != n_out:
        raise ParameterError(f"{what} must return {n_out} components, got {len(parts)}")
    arrays = []
    for part in parts:
        arr = np.broadcast_to(np.asarray(part, dtype=float), (size,))
        if not np.all(np.isfinite(arr)):
            raise ParameterError(f"{what} must be finite on the grid")
        arrays.append(arr)
    return arrays


def _diffusion_coefficient(values: np.ndarray) -> np.ndarray:
    d = 0.5 * values * values
    if np.any(d <= 0):
        raise ParameterError("diffusion noise amplitude g must be nonzero everywhere on the grid [x-unit/sqrt(s)]")
    return d


class _Rates:
    """Neighbour rates of the grid chain, stored as a 2-D (nx, ny) problem (ny = 1 in 1-D).

    ``forward[k]``/``backward[k]``: rates from node to its +1 / from +1 back to it along axis k;
    ``log_ratio[k]``: log of their ratio (exact detailed-balance factor, computed without
    under/overflow).
    """

    def __init__(self, drift, diffusion, axes):
        dim = len(axes)
        shape = tuple(a.size for a in axes)
        faces = []
        for k in range(dim):
            face_axes = list(axes)
            face_axes[k] = 0.5 * (axes[k][:-1] + axes[k][1:])
            faces.append(np.meshgrid(*face_axes, indexing="ij"))
        nodes = np.meshgrid(*axes, indexing="ij")
        flat_faces = [np.concatenate([f[c].ravel() for f in faces]) for c in range(dim)]
        flat_all = [np.concatenate([flat_faces[c], nodes[c].ravel()]) for c in range(dim)]
        a_faces = _evaluate(drift, flat_faces, "drift", dim)
        g_all = _evaluate(diffusion, flat_all, "diffusion", dim)
        n_faces = flat_faces[0].size
        self.shape = shape
        self.forward, self.backward, self.log_ratio = [], [], []
        start = 0
        for k in range(dim):
            face_shape = faces[k][0].shape
            stop = start + faces[k][0].size
            a_face = a_faces[k][start:stop].reshape(face_shape)
            d_face = _diffusion_coefficient(g_all[k][start:stop]).reshape(face_shape)
            d_node = _diffusion_coefficient(g_all[k][n_faces:]).reshape(shape)
            start = stop
            self._axis(k, axes[k], a_face, d_face, d_node)

    def _axis(self, k, axis, a_face, d_face, d_node):
        dim = len(self.shape)
        bcast = [1] * dim
        bcast[k] = -1
        spacing = np.diff(axis).reshape(bcast)
        volume = _cell_widths(axis).reshape(bcast)
        lower = tuple(slice(None, -1) if i == k else slice(None) for i in range(dim))
        upper = tuple(slice(1, None) if i == k else slice(None) for i in range(dim))
        z = spacing * a_face / d_face
        self.forward.append(d_node[lower] * _bernoulli(-z) / (spacing * volume[lower]))
        self.backward.append(d_node[upper] * _bernoulli(z) / (spacing * volume[upper]))
        self.log_ratio.append(z + np.log(d_node[lower] / d_node[upper]) + np.log(volume[upper] / volume[lower]))

    def transitions(self):
        """(source, destination, rate) of all neighbour moves; flat C-order indices."""
        index = np.arange(int(np.prod(self.shape))).reshape(self.shape)
        sources, destinations, rates = [], [], []
        for k in range(len(self.shape)):
            low = index[tuple(slice(None, -1) if i == k else slice(None) for i in range(len(self.shape)))]
            high = index[tuple(slice(1, None) if i == k else slice(None) for i in range(len(self.shape)))]
            sources += [low.ravel(), high.ravel()]
            destinations += [high.ravel(), low.ravel()]
            rates += [self.forward[k].ravel(), self.backward[k].ravel()]
        return np.concatenate(sources), np.concatenate(destinations), np.concatenate(rates)

    def as_2d(self):
        """(fx, bx, fy, by): forward/backward rates along x (nx-1, ny) and y (nx, ny-1)."""
        if len(self.shape) == 2:
            return self.forward[0], self.backward[0], self.forward[1], self.backward[1]
        n = self.shape[0]
        return self.forward[0][:, None], self.backward[0][:, None], np.zeros((n, 0)), np.zeros((n, 0))


def _gth_solve(rates: _Rates, margin: np.ndarray, rhs: np.ndarray, stationary: bool) -> np.ndarray:
    r"""Subtraction-free (Grassmann–Taksar–Heyman) elimination on the banded grid chain.

    Solves either the stationary law (``stationary``: pi Q = 0, margins zero) or
    :math:`(\mathrm{diag}(m + \sum_j r_{ij}) - R)\,\tau = b` with off-diagonal rates R, margins m
    (killing rates, e.g. into a target) and right-hand side b. Pivots are sums of positive
    numbers, never differences, so every entry of the result is accurate to a modest multiple of
    the machine precision however metastable the chain is (Grassmann, Taksar and Heyman 1985).
    States are eliminated in reverse C order in a sliding dense window of two grid rows.
    """
    fx, bx, fy, by = rates.as_2d()
    nx, m = rates.shape[0], (rates.shape[1] if len(rates.shape) == 2 else 1)
    n = nx * m

    def block(b):
        out = np.zeros((m, m))
        if 0 <= b < nx and m > 1:
            idx = np.arange(m - 1)
            out[idx, idx + 1] = fy[b]
            out[idx + 1, idx] = by[b]
        return out

    def coupling(b):  # (rates b -> b+1, rates b+1 -> b) as diagonal matrices
        if b < 0:
            return np.zeros((m, m)), np.zeros((m, m))
        return np.diag(fx[b]), np.diag(bx[b])

    # padded by m in front so the (empty) block -1 has valid indices
    margin = np.concatenate([np.zeros(m), margin.astype(float)])
    rhs = np.concatenate([np.zeros(m), rhs.astype(float)])
    pivots = np.empty(n)
    store = np.empty((n, m))
    window = np.zeros((2 * m, 2 * m))
    window[m:, m:] = block(nx - 1)
    window[:m, :m] = block(nx - 2)
    window[:m, m:], window[m:, :m] = coupling(nx - 2)
    offsets = np.arange(m)
    for b in range(nx - 1, -1, -1):
        for c in range(m - 1, -1, -1):
            k = b * m + c
            kw = m + c
            span = slice(c, m + c)
            row = window[kw, span].copy()
            col = window[span, kw].copy()
            pivot = margin[m + k] + row.sum()
            if pivot <= 0 and (k > 0 or not stationary):
                raise SimulationError(
                    "the grid chain is reducible (a node cannot reach the rest or the target): refine or enlarge the grid"
                )
            pivots[k] = pivot
            store[k] = col if stationary else row
            if k > 0:
                window[span, span] += np.outer(col / pivot, row)
                lower = (b - 1) * m + c + offsets + m  # padded indices of the window span
                margin[lower] += col * (margin[m + k] / pivot)
                rhs[lower] += col * (rhs[m + k] / pivot)
        window[m:, m:] = window[:m, :m]
        window[:m, :m] = block(b - 2)
        window[:m, m:], window[m:, :m] = coupling(b - 2)
    result = np.empty(n)
    for k in range(n):
        lower = k - m + offsets  # global indices of the span below k (negative: padding)
        valid = lower >= 0
        total = store[k][valid] @ result[lower[valid]]
        if stationary:
            result[k] = 1.0 if k == 0 else total / pivots[k]
        else:
            result[k] = (rhs[m + k] + total) / pivots[k]
    return result


def generator_matrix(drift, diffusion, grid) -> sp.csr_matrix:
    """Generator Q of the grid Markov chain: Q[i, j] = rate i → j [1/s], rows sum to zero.

    Parameters
    ----------
    drift : callable
        Itô drift a, elementwise vectorised; 1-D ``drift(x)``, 2-D ``drift(X, Y) -> (a_x, a_y)``
        [x-unit/s].
    diffusion : callable
        Noise amplitude g (D = g²/2), same calling convention [x-unit/sqrt(s)].
    grid : array_like or tuple of two array_like
        Grid nodes, strictly increasing per axis [x-unit].

    Returns
    -------
    scipy.sparse.csr_matrix
        (N, N) generator, states in C order of the grid [1/s].
    """
    use("risken", "scharfetter1969")
    axes = _grid(grid)
    rates = _Rates(drift, diffusion, axes)
    src, dst, rate = rates.transitions()
    n = int(np.prod(rates.shape))
    out_rate = np.bincount(src, weights=rate, minlength=n)
    rows = np.concatenate([src, np.arange(n)])
    cols = np.concatenate([dst, np.arange(n)])
    return sp.csr_matrix((np.concatenate([rate, -out_rate]), (rows, cols)), shape=(n, n))


def _factorise(matrix: sp.csc_matrix):
    """Sparse LU with a fill-reducing symmetric ordering and no pivoting (generator blocks are
    diagonally dominant, so elimination without pivoting is stable in norm); None on breakdown."""
    try:
        return splu(matrix, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
    except RuntimeError:  # exactly zero pivot
        return None


def _mfpt_lu(src, dst, rate, target: np.ndarray) -> np.ndarray | None:
    r"""Fast LU solve of :math:`\sum_j r_{ij}(\tau_i - \tau_j) + m_i \tau_i = 1` off the target.

    Accepted only when every equation holds to 1e-8 of its right-hand side, evaluated in
    floating point: then tau is exact for a chain whose states' rates are rescaled by at most
    1 ± 1e-8 (a change of holding times), which moves every MFPT by at most that relative
    amount. Metastable chains, where rounding of rate x time swamps the 1, fail the test.
    """
    n = target.size
    free = np.flatnonzero(~target)
    if free.size == 0:
        return np.zeros(n)
    position = np.full(n, -1)
    position[free] = np.arange(free.size)
    out_rate = np.bincount(src, weights=rate, minlength=n)
    inner = ~target[src] & ~target[dst]
    rows = np.concatenate([position[src[inner]], np.arange(free.size)])
    cols = np.concatenate([position[dst[inner]], np.arange(free.size)])
    vals = np.concatenate([-rate[inner], out_rate[free]])
    lu = _factorise(sp.csc_matrix((vals, (rows, cols)), shape=(free.size, free.size)))
    if lu is None:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        solution = lu.solve(np.ones(free.size))
    if not np.all(np.isfinite(solution)) or np.any(solution < 0):
        return None
    tau = np.zeros(n)
    tau[free] = solution
    residual = out_rate * tau - np.bincount(src, weights=rate * tau[dst], minlength=n) - 1.0
    if np.any(np.abs(residual[free]) > _ACCEPT_MFPT):
        return None
    return tau


def _stationary_lu(src, dst, rate, n: int) -> np.ndarray | None:
    """Fast stationary law by sparse LU, or None when it cannot be trusted to 1e-10.

    Solves Q^T pi = 0 with the middle state's equation replaced by pi = 1 (scaled by its
    out-rate, which keeps every column weakly diagonally dominant), then does one step of
    iterative refinement. The change of the normalised law in that step estimates its error
    (it tracks the true error within a factor ~3-30 on metastable test chains); the result is
    kept when the estimate is below ``_ACCEPT`` of the largest mass. Metastable chains, where
    LU's rounding acts like a leak comparable to the escape flux, fail the test.
    """
    out_rate = np.bincount(src, weights=rate, minlength=n)
    pinned = n // 2
    rows = np.concatenate([dst, np.arange(n)])
    cols = np.concatenate([src, np.arange(n)])
    vals = np.concatenate([rate, -out_rate])
    keep = rows != pinned
    rows = np.concatenate([rows[keep], [pinned]])
    cols = np.concatenate([cols[keep], [pinned]])
    vals = np.concatenate([vals[keep], [out_rate[pinned]]])
    matrix = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
    rhs = np.zeros(n)
    rhs[pinned] = out_rate[pinned]
    lu = _factorise(matrix)
    if lu is None:
        return None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        first = lu.solve(rhs)
        refined = first + lu.solve(rhs - matrix @ first)
        first, refined = first / first.sum(), refined / refined.sum()
    if not (np.all(np.isfinite(first)) and np.all(np.isfinite(refined))):
        return None
    refined = np.clip(refined, 0.0, None)
    if np.max(np.abs(refined - first)) > _ACCEPT * refined.max():
        return None
    return refined / refined.sum()


_ACCEPT = 1e-10  # largest estimated error of LU stationary masses, relative to the largest mass
_ACCEPT_MFPT = 1e-8  # largest residual (relative to the right-hand side 1) accepted from LU MFPTs


def stationary_distribution(drift, diffusion, grid) -> np.ndarray:
    r"""Stationary probability mass on every grid node [-] (sums to 1).

    In 1-D it follows from detailed balance of the chain (exact, entrywise). In 2-D a sparse LU
    solve of :math:`Q^T \pi = 0` is tried first and kept when its estimated error is below
    1e-10 of the largest mass; otherwise (metastable chains, barriers above ~12 kT, where LU's
    rounding acts like a spurious leak) the subtraction-free GTH elimination is used: slower
    (~0.1-0.5 s) but accurate entrywise, even for masses 1e-200 below the largest. The mass
    approximates :math:`p(x) V` with second-order accuracy in the grid spacing.

    Parameters
    ----------
    drift : callable
        Itô drift, elementwise vectorised; 1-D ``drift(x)``, 2-D ``drift(X, Y) -> (a_x, a_y)``
        [x-unit/s].
    diffusion : callable
        Noise amplitude g (D = g²/2), same calling convention [x-unit/sqrt(s)].
    grid : array_like or tuple of two array_like
        Grid nodes, strictly increasing per axis [x-unit].

    Returns
    -------
    ndarray
        Probability mass, shape of the grid (``(nx, ny)`` in 2-D) [-].
    """
    use("risken", "scharfetter1969")
    axes = _grid(grid)
    rates = _Rates(drift, diffusion, axes)
    if len(axes) == 1:
        log_mass = np.concatenate([[0.0], np.cumsum(rates.log_ratio[0])])
        mass = np.exp(log_mass - log_mass.max())
        return mass / mass.sum()
    src, dst, rate = rates.transitions()
    n = int(np.prod(rates.shape))
    pi = _stationary_lu(src, dst, rate, n)
    if pi is None:
        use("gth1985")
        pi = _gth_solve(rates, np.zeros(n), np.zeros(n), stationary=True)
    return (pi / pi.sum()).reshape(rates.shape)


def _mask(region, shape, name: str) -> np.ndarray:
    mask = np.asarray(region)
    if mask.dtype != bool or mask.shape != shape:
        raise ParameterError(f"{name} must be a boolean array of the grid's shape {shape}, got {mask.dtype} {mask.shape}")
    return mask


def region_probability(drift, diffusion, grid, region) -> float:
    """Stationary probability of a region of the grid [-].

    Parameters
    ----------
    drift : callable
        Itô drift, elementwise vectorised [x-unit/s].
    diffusion : callable
        Noise amplitude g [x-unit/sqrt(s)].
    grid : array_like or tuple of two array_like
        Grid nodes [x-unit].
    region : ndarray of bool
        Mask of the grid's shape selecting the region [-].

    Returns
    -------
    float
        Stationary probability of the region.
    """
    pi = stationary_distribution(drift, diffusion, grid)
    return float(pi[_mask(region, pi.shape, "region")].sum())


def mean_first_passage_time(drift, diffusion, grid, target_mask) -> np.ndarray:
    r"""Mean first-passage time from every grid node into the target region [s].

    Solves :math:`\sum_j Q_{ij} \tau_j = -1` off the target with :math:`\tau = 0` on it
    (Gardiner 2009, §5.5), reflecting at the grid edges, by subtraction-free (GTH) elimination,
    so metastable times of any size keep full relative accuracy.

    Parameters
    ----------
    drift : callable
        Itô drift, elementwise vectorised [x-unit/s].
    diffusion : callable
        Noise amplitude g [x-unit/sqrt(s)].
    grid : array_like or tuple of two array_like
        Grid nodes [x-unit].
    target_mask : ndarray of bool
        Absorbing nodes, grid's shape, at least one True [-].

    Returns
    -------
    ndarray
        Mean first-passage time, grid's shape; zero on the target [s].
    """
    use("gardiner", "scharfetter1969", "gth1985")
    axes = _grid(grid)
    shape = tuple(a.size for a in axes)
    target = _mask(target_mask, shape, "target_mask")
    if not target.any():
        raise ParameterError("target_mask must select at least one grid node")
    rates = _Rates(drift, diffusion, axes)
    flat_target = target.ravel()
    src, dst, rate = rates.transitions()
    n = flat_target.size
    # moves into the target become margins (killing rates); target rows carry tau = 0 / 1
    into_target = flat_target[dst] & ~flat_target[src]
    margin = np.bincount(src[into_target], weights=rate[into_target], minlength=n)
    margin[flat_target] = 1.0
    for k in range(len(axes)):
        low = target[tuple(slice(None, -1) if i == k else slice(None) for i in range(len(axes)))]
        high = target[tuple(slice(1, None) if i == k else slice(None) for i in range(len(axes)))]
        rates.forward[k] = np.where(low | high, 0.0, rates.forward[k])
        rates.backward[k] = np.where(low | high, 0.0, rates.backward[k])
    tau = _mfpt_lu(src, dst, rate, flat_target)
    if tau is None:
        rhs = np.where(flat_target, 0.0, 1.0)
        tau = _gth_solve(rates, margin, rhs, stationary=False)
    if not np.all(np.isfinite(tau)):
        raise SimulationError("first-passage solve failed (some nodes cannot reach the target on this grid)")
    return tau.reshape(shape)
