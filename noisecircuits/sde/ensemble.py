"""Numba kernels that advance an ensemble of paths.

:func:`ensemble_kernel` builds, once per process and per (solver step, model terms)
combination, a kernel in which the model's ``drift``/``diffusion`` and the solver's
``step`` are compile-time constants: numba inlines functions declared with
``inline="always"`` (as the toolkit's models and solvers are), which fuses the drift into
the update loop - about 3-4x faster than calling them through function arguments. The
price: such a kernel cannot live in numba's on-disk cache (its cache key would be the
function objects), so it is compiled on first use in each process (2-8 s on a busy
2-core machine; the parallel wrapper only when a run has more than one block of paths)
and memoised.

Paths are processed in blocks of :data:`~noisecircuits.sde.noise.PATHS_PER_BLOCK` spread
over threads with ``prange``; every path draws its normals from its own generator state,
so results do not depend on the number of threads. Inside a block, :data:`INTERLEAVE`
paths advance together step by step: their independent dependency chains overlap in the
CPU (about 2x faster than one path at a time on the double well). The generator state
travels in registers (four uint64 scalars), not through memory.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit, prange

from noisecircuits.sde.noise import PATHS_PER_BLOCK, next_normal

__all__ = ["ensemble_kernel", "increments_kernel", "INTERLEAVE", "TALLY_COLUMNS"]

#: Paths of a block advanced together, step by step.
INTERLEAVE = 4
#: Columns of the dwell tally: state, last switch step, then count, sum, sum of squares of the
#: low dwells and of the high dwells (in steps), and the number of switches.
TALLY_COLUMNS = 9


@functools.lru_cache(maxsize=64)
def ensemble_kernel(step, drift, diffusion, diffusion_derivative):
    """Return ``kernel(params, ou, states, x, n_steps, record_every, dt, out, fail, readout, tally)``.

    The kernel advances every path ``n_steps`` steps of ``dt`` [s], drawing normals from
    ``states`` (uint64[paths, 4], advanced in place) and updating ``x`` (float64[paths,
    dim]) in place; after the r-th stride of ``record_every`` steps it stores the state in
    ``out[:, r]`` (out: float64[paths, 1 + n_steps // record_every, dim], C order; row 0 is
    left to the caller). ``fail[p]`` (int64) receives the first step (1-based) at which
    path ``p`` became NaN/inf; that path stops there.
    ``ou`` is the table of :func:`noisecircuits.sde.solvers.ou_table`.

    Dwell tally (binary models): ``readout`` is float64[dim + 3] = (weights w, offset c,
    low, high) of the linear read-out ``r = w.x + c``, or empty to skip; ``tally`` is
    float64[paths, TALLY_COLUMNS], initialised by the caller (column 0 the hysteresis state
    of the start, -1/0/+1; column 1 = -1) and updated after every step: a switch between
    the wells (r <= low after the high state, r >= high after the low state) at step s
    closes the dwell begun at the previous switch, whose length in steps is added to the
    count, sum and sum of squares of its state.
    """

    @njit
    def advance_block(params, ou, states, x, block, n_steps, record_every, dt, out, fail, readout, tally):
        paths, dim = x.shape
        root_dt = math.sqrt(dt)
        track = readout.shape[0] == dim + 3
        low = readout[dim + 1] if track else 0.0
        high = readout[dim + 2] if track else 0.0
        tl = np.empty((INTERLEAVE, TALLY_COLUMNS))
        xg = np.empty((INTERLEAVE, dim))
        dw = np.empty((INTERLEAVE, dim))
        work = np.empty((INTERLEAVE, 6, dim))
        rng = np.empty((INTERLEAVE, 4), dtype=np.uint64)
        alive = np.empty(INTERLEAVE, dtype=np.bool_)
        block_end = min(paths, (block + 1) * PATHS_PER_BLOCK)
        for first in range(block * PATHS_PER_BLOCK, block_end, INTERLEAVE):
            size = min(INTERLEAVE, block_end - first)
            for j in range(size):
                alive[j] = True
                for i in range(dim):
                    xg[j, i] = x[first + j, i]
                for w in range(4):
                    rng[j, w] = states[first + j, w]
                for c in range(TALLY_COLUMNS):
                    tl[j, c] = tally[first + j, c]
            living = size
            countdown = record_every
            row = 1
            for k in range(n_steps):
                for j in range(size):
                    if not alive[j]:
                        continue
                    s0, s1, s2, s3 = rng[j, 0], rng[j, 1], rng[j, 2], rng[j, 3]
                    for i in range(dim):
                        z, s0, s1, s2, s3 = next_normal(s0, s1, s2, s3)
                        dw[j, i] = root_dt * z
                    rng[j, 0], rng[j, 1], rng[j, 2], rng[j, 3] = s0, s1, s2, s3
                    step(drift, diffusion, diffusion_derivative, params, ou, xg[j], dt, dw[j], work[j])
                    for i in range(dim):
                        if not math.isfinite(xg[j, i]):
                            alive[j] = False
                    if not alive[j]:
                        fail[first + j] = k + 1
                        living -= 1
                    elif track:
                        r = readout[dim]
                        for i in range(dim):
                            r += readout[i] * xg[j, i]
                        state = tl[j, 0]
                        # branch-free test: the read-out sits at a threshold half the time
                        if ((r <= low) & (state > -1.0)) | ((r >= high) & (state < 1.0)):
                            new = -1.0 if r <= low else 1.0
                            if state != 0.0:
                                tl[j, 8] += 1.0
                                if tl[j, 1] >= 0.0:
                                    length = (k + 1) - tl[j, 1]
                                    column = 2 if state < 0.0 else 5
                                    tl[j, column] += 1.0
                                    tl[j, column + 1] += length
                                    tl[j, column + 2] += length * length
                                tl[j, 1] = k + 1
                            tl[j, 0] = new
                if living == 0:
                    break
                countdown -= 1
                if countdown == 0:
                    countdown = record_every
                    for j in range(size):
                        for i in range(dim):
                            out[first + j, row, i] = xg[j, i]
                    row += 1
            for j in range(size):
                for i in range(dim):
                    x[first + j, i] = xg[j, i]
                for w in range(4):
                    states[first + j, w] = rng[j, w]
                for c in range(TALLY_COLUMNS):
                    tally[first + j, c] = tl[j, c]

    @njit(parallel=True)
    def advance_blocks(params, ou, states, x, n_steps, record_every, dt, out, fail, readout, tally):
        n_blocks = (x.shape[0] + PATHS_PER_BLOCK - 1) // PATHS_PER_BLOCK
        for block in prange(n_blocks):
            advance_block(params, ou, states, x, block, n_steps, record_every, dt, out, fail, readout, tally)

    def kernel(params, ou, states, x, n_steps, record_every, dt, out, fail, readout, tally):
        # a single block needs no thread pool (and skips compiling the parallel wrapper)
        if x.shape[0] <= PATHS_PER_BLOCK:
            advance_block(params, ou, states, x, 0, n_steps, record_every, dt, out, fail, readout, tally)
        else:
            advance_blocks(params, ou, states, x, n_steps, record_every, dt, out, fail, readout, tally)

    return kernel


@functools.lru_cache(maxsize=64)
def increments_kernel(step, drift, diffusion, diffusion_derivative):
    """Return ``kernel(params, ou, x0, dt, dw) -> final`` integrating given increments.

    ``dw`` is float64[paths, n_steps, dim] of Brownian increments (variance ``dt``)
    [sqrt(s)]; every path starts at ``x0`` (float64[dim]); the result is the final state
    of each path, float64[paths, dim].
    """

    @njit
    def kernel(params, ou, x0, dt, dw):
        paths, n_steps, dim = dw.shape
        final = np.empty((paths, dim))
        xp = np.empty(dim)
        work = np.empty((6, dim))
        for p in range(paths):
            for i in range(dim):
                xp[i] = x0[i]
            for k in range(n_steps):
                step(drift, diffusion, diffusion_derivative, params, ou, xp, dt, dw[p, k], work)
            for i in range(dim):
                final[p, i] = xp[i]
        return final

    return kernel
