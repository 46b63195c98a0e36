"""Numba kernels that advance an ensemble of paths.

:func:`ensemble_kernel` builds, once per (solver step, model terms) combination, a kernel in
which the model's ``drift``/``diffusion`` and the solver's ``step`` are compile-time
constants: numba inlines functions declared with ``inline="always"`` (as the toolkit's
models and solvers are), which fuses the drift into the update loop (about 15 % faster than
passing them as arguments, which numba also fails to cache on disk:
``benchmarks/bench_kernel_paths.py``). The kernel is written out as a small module that
imports its step and terms by name (:func:`~noisecircuits.sde.kernel_cache.generated_module`,
named after the source of everything it imports); numba caches that module's functions on
disk, and the 2-8 s compilation is paid once per machine and source version instead of once
per process.

Paths are processed in blocks of :data:`~noisecircuits.sde.noise.PATHS_PER_BLOCK` spread
over threads with ``prange``; every path draws its normals from its own generator state,
so results do not depend on the number of threads. Inside a block, :data:`INTERLEAVE`
paths advance together step by step: their independent dependency chains overlap in the
CPU (about 2x faster than one path at a time on the double well). The generator state
travels in registers (four uint64 scalars), not through memory.
"""

from __future__ import annotations

import functools
import os
import sys

import numpy as np
from numba import njit

from noisecircuits.sde.kernel_cache import generated_module
from noisecircuits.sde.noise import PATHS_PER_BLOCK

__all__ = ["ensemble_kernel", "increments_kernel", "generated_module", "INTERLEAVE", "TALLY_COLUMNS"]

#: Paths of a block advanced together, step by step.
INTERLEAVE = 4
#: Columns of the dwell tally: state, last switch step, then count, sum, sum of squares of the
#: low dwells and of the high dwells (in steps), and the number of switches.
TALLY_COLUMNS = 9


#: Text of the kernel module; ``{options}`` are the numba options, ``{step_call}`` the
#: statements advancing path ``j`` by one step.
_KERNEL_TEMPLATE = """\
import math

import numpy as np
from numba import njit, prange

from noisecircuits.sde.ensemble import INTERLEAVE, TALLY_COLUMNS
from noisecircuits.sde.noise import PATHS_PER_BLOCK, next_normal


@njit({options})
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
{step_call}                for i in range(dim):
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

@njit(parallel=True, {options})
def advance_blocks(params, ou, states, x, n_steps, record_every, dt, out, fail, readout, tally):
    n_blocks = (x.shape[0] + PATHS_PER_BLOCK - 1) // PATHS_PER_BLOCK
    for block in prange(n_blocks):
        advance_block(params, ou, states, x, block, n_steps, record_every, dt, out, fail, readout, tally)
"""

_GENERIC_STEP = "                step(drift, diffusion, diffusion_derivative, params, ou, xg[j], dt, dw[j], work[j])\n"
# Euler-Maruyama with both terms from one evaluation: the arithmetic of euler_step
_FUSED_EULER_STEP = (
    "                drift_diffusion(xg[j], params, work[j, 0], work[j, 1])\n"
    "                for i in range(dim):\n"
    "                    xg[j, i] += work[j, 0, i] * dt + work[j, 1, i] * dw[j, i]\n"
)


def _importable(func) -> str | None:
    """Name of the module whose attribute ``func.__name__`` is the numba function ``func``, else None."""
    py_func = getattr(func, "py_func", None)
    module = sys.modules.get(getattr(py_func, "__module__", None) or "")
    if module is None or getattr(module, py_func.__name__, None) is not func:
        return None
    return module.__name__


def _fused(drift, diffusion):
    """``drift_diffusion(x, params, a, g)`` of the module defining both terms, or None.

    A module holding a model's ``drift`` and ``diffusion`` may also define
    ``drift_diffusion`` writing both from one evaluation (the generated circuit modules do:
    their terms share every transcendental); Euler-Maruyama then calls it once per step.
    """
    name = _importable(drift)
    if name is None or _importable(diffusion) != name:
        return None
    module = sys.modules[name]
    if getattr(module, "drift", None) is not drift or getattr(module, "diffusion", None) is not diffusion:
        return None
    return getattr(module, "drift_diffusion", None)


def _has_source(names) -> bool:
    """Whether every module in ``names`` has a Python source file (so a generated module can import it)."""
    for name in set(names):
        path = getattr(sys.modules.get(name), "__file__", None)
        if not path or not path.endswith(".py") or not os.path.isfile(path):
            return False
    return True


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

    When the step and the terms are module-level functions of modules with source files
    (as the toolkit's are), the kernel is generated as a module file importing them
    (:func:`generated_module`) and numba caches it on disk: it compiles once per machine and
    source version, not once per process. Other functions (closures, interactive
    definitions) get the same kernel compiled in memory. Euler-Maruyama on terms whose
    module offers ``drift_diffusion`` evaluates both terms at once (bitwise the same
    update). The kernel releases the GIL, so separate runs can proceed in parallel threads.
    """
    from noisecircuits.sde.solvers import euler_step

    functions = {"step": step, "drift": drift, "diffusion": diffusion, "diffusion_derivative": diffusion_derivative}
    fused = _fused(drift, diffusion) if step is euler_step else None
    if fused is not None:
        functions["drift_diffusion"] = fused
    step_call = _GENERIC_STEP if fused is None else _FUSED_EULER_STEP
    modules = {alias: _importable(f) for alias, f in functions.items()}
    if None in modules.values() or not _has_source(modules.values()):
        namespace = dict(functions)
        text = _KERNEL_TEMPLATE.format(options="nogil=True", step_call=step_call)
        exec(compile(text, "<noisecircuits ensemble kernel>", "exec"), namespace)  # the template above, no user text
    else:
        imports = "".join(f"from {modules[alias]} import {f.py_func.__name__} as {alias}\n" for alias, f in functions.items())
        text = _KERNEL_TEMPLATE.format(options="cache=True, nogil=True", step_call=step_call)
        source = '"""Ensemble kernel generated by noisecircuits.sde.ensemble."""\n' + imports + text
        namespace = vars(generated_module("ensemble", source))
    advance_block, advance_blocks = namespace["advance_block"], namespace["advance_blocks"]

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
