r"""Seeded normal streams for the SDE kernels.

Every path owns a xoshiro256++ generator whose 256-bit state comes from a
:class:`numpy.random.SeedSequence`: paths are grouped in fixed blocks of
:data:`PATHS_PER_BLOCK`; block ``b`` uses the child seed sequence with spawn key
``root.spawn_key + (b,)`` (what ``root.spawn`` would give as its ``b``-th child) and
``generate_state`` fills the states of its paths. The noise of a path therefore
depends only on the seed and on the path's index - not on the number of paths, threads
or workers, nor on how the run is chunked in time.

Standard normals come from a 256-layer ziggurat (Marsaglia & Tsang 2000) driven by
the same generator, so a kernel draws its noise in registers without a round trip
through memory.

References: D. Blackman, S. Vigna, Scrambled linear pseudorandom number generators,
ACM Trans. Math. Softw. 47, 36 (2021); G. Marsaglia, W. W. Tsang, The ziggurat method
for generating random variables, J. Stat. Softw. 5(8) (2000).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from noisecircuits._seeding import seed_sequence
from noisecircuits.citations import use

__all__ = [
    "PATHS_PER_BLOCK",
    "seed_sequence",
    "path_states",
    "next_uint64",
    "next_double",
    "next_normal",
    "standard_normals",
    "brownian_increments",
]

#: Paths that share one spawned child seed sequence.
PATHS_PER_BLOCK = 64

_U64 = np.uint64
_MANTISSA_52 = 1 << 52


def _ziggurat_tables(layers: int = 256, r: float = 3.6541528853610088, v: float = 0.00492867323399):
    """Tables of the normal ziggurat: ``(k, w, f)``; ``r`` = right edge of the base, ``v`` = layer area."""
    k = np.zeros(layers, dtype=np.uint64)
    w = np.zeros(layers)
    f = np.zeros(layers)
    m = float(_MANTISSA_52)
    edge = r
    outer = r
    q = v / math.exp(-0.5 * edge * edge)
    k[0] = int(edge / q * m)
    k[1] = 0
    w[0] = q / m
    w[layers - 1] = edge / m
    f[0] = 1.0
    f[layers - 1] = math.exp(-0.5 * edge * edge)
    for i in range(layers - 2, 0, -1):
        edge = math.sqrt(-2.0 * math.log(v / edge + math.exp(-0.5 * edge * edge)))
        k[i + 1] = int(edge / outer * m)
        outer = edge
        f[i] = math.exp(-0.5 * edge * edge)
        w[i] = edge / m
    return k, w, f


_ZIG_K, _ZIG_W, _ZIG_F = _ziggurat_tables()
_ZIG_R = 3.6541528853610088
_ZIG_INV_R = 1.0 / _ZIG_R




def path_states(seed, paths: int, first_path: int = 0) -> np.ndarray:
    """xoshiro256++ states of paths ``first_path .. first_path + paths - 1``.

    Parameters
    ----------
    seed : None, int, SeedSequence or Generator
        Root seed of the run [-].
    paths : int
        Number of paths [-].
    first_path : int
        Index of the first path [-].

    Returns
    -------
    ndarray of uint64, shape (paths, 4)
    """
    use("blackman_vigna2021", "marsaglia_tsang2000")
    root = seed_sequence(seed)
    first_block = first_path // PATHS_PER_BLOCK
    last_block = (first_path + paths - 1) // PATHS_PER_BLOCK
    blocks = []
    for b in range(first_block, last_block + 1):
        child = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, b), pool_size=root.pool_size)
        blocks.append(child.generate_state(4 * PATHS_PER_BLOCK, np.uint64).reshape(PATHS_PER_BLOCK, 4))
    states = np.concatenate(blocks)
    offset = first_path - first_block * PATHS_PER_BLOCK
    return np.ascontiguousarray(states[offset : offset + paths])


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << _U64(k)) | (x >> _U64(64 - k))


@njit(cache=True, inline="always")
def next_uint64(s0, s1, s2, s3):
    """One xoshiro256++ step: return ``(bits, s0, s1, s2, s3)`` (64 random bits and the new state).

    The state travels as four uint64 scalars so that kernels keep it in registers.
    """
    result = _rotl(s0 + s3, 23) + s0
    t = s1 << _U64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@njit(cache=True, inline="always")
def next_double(s0, s1, s2, s3):
    """A uniform double in [0, 1) with 53 random bits: ``(u, s0, s1, s2, s3)``."""
    bits, s0, s1, s2, s3 = next_uint64(s0, s1, s2, s3)
    return float(np.int64(bits >> _U64(11))) * (1.0 / 9007199254740992.0), s0, s1, s2, s3


@njit(cache=True, inline="always")
def _ziggurat_draw(s0, s1, s2, s3):
    """Layer, candidate deviate and whether it lies inside the layer's rectangle."""
    bits, s0, s1, s2, s3 = next_uint64(s0, s1, s2, s3)
    layer = np.int64(bits & _U64(0xFF))
    bits >>= _U64(8)
    magnitude = (bits >> _U64(1)) & _U64(0x000FFFFFFFFFFFFF)
    x = float(np.int64(magnitude)) * _ZIG_W[layer]
    if bits & _U64(1):
        x = -x
    return layer, x, magnitude < _ZIG_K[layer], s0, s1, s2, s3


@njit(cache=True)
def _normal_slow_path(layer, x, s0, s1, s2, s3):
    """Ziggurat rejection branch (the tail, layer 0, or a wedge): ``(z, s0, s1, s2, s3)``."""
    while True:
        if layer == 0:
            while True:
                u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
                v, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
                xx = -_ZIG_INV_R * math.log1p(-u)
                yy = -math.log1p(-v)
                if yy + yy > xx * xx:
                    return (-(_ZIG_R + xx) if x < 0.0 else _ZIG_R + xx), s0, s1, s2, s3
        u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
        if (_ZIG_F[layer - 1] - _ZIG_F[layer]) * u + _ZIG_F[layer] < math.exp(-0.5 * x * x):
            return x, s0, s1, s2, s3
        layer, x, inside, s0, s1, s2, s3 = _ziggurat_draw(s0, s1, s2, s3)
        if inside:
            return x, s0, s1, s2, s3


@njit(cache=True, inline="always")
def next_normal(s0, s1, s2, s3):
    """A standard normal deviate (ziggurat, 256 layers): ``(z, s0, s1, s2, s3)``."""
    layer, x, inside, s0, s1, s2, s3 = _ziggurat_draw(s0, s1, s2, s3)
    if inside:
        return x, s0, s1, s2, s3
    return _normal_slow_path(layer, x, s0, s1, s2, s3)


@njit(cache=True)
def _fill_normals(states, out):
    paths, n = out.shape[0], out.shape[1]
    for p in range(paths):
        s0, s1, s2, s3 = states[p, 0], states[p, 1], states[p, 2], states[p, 3]
        for i in range(n):
            out[p, i], s0, s1, s2, s3 = next_normal(s0, s1, s2, s3)
        states[p, 0], states[p, 1], states[p, 2], states[p, 3] = s0, s1, s2, s3


def standard_normals(seed, paths: int, size: int) -> np.ndarray:
    """The first ``size`` normals of each path's stream, shape (paths, size).

    Parameters
    ----------
    seed : None, int, SeedSequence or Generator
        Root seed [-].
    paths : int
        Number of independent streams [-].
    size : int
        Normals per stream [-].

    Returns
    -------
    ndarray, shape (paths, size)
        Standard normal deviates [-], the same numbers the SDE kernels use for these paths.
    """
    states = path_states(seed, paths)
    out = np.empty((paths, size))
    _fill_normals(states, out)
    return out


def brownian_increments(seed, paths: int, n_steps: int, dim: int, dt: float) -> np.ndarray:
    """Brownian increments ``dW`` of ``paths`` paths, shape (paths, n_steps, dim).

    The increments are ``sqrt(dt) * z`` with ``z`` taken from :func:`standard_normals`
    in the order the ensemble kernel consumes them (step-major, component-minor).

    Parameters
    ----------
    seed : None, int, SeedSequence or Generator
        Root seed [-].
    paths : int
        Number of paths [-].
    n_steps : int
        Number of steps [-].
    dim : int
        State dimension [-].
    dt : float
        Step [s].

    Returns
    -------
    ndarray, shape (paths, n_steps, dim)
        Increments [sqrt(s)].
    """
    z = standard_normals(seed, paths, n_steps * dim)
    return math.sqrt(dt) * z.reshape(paths, n_steps, dim)
