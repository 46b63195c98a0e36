r"""One entry point for every SDE model: :func:`simulate`.

Memory: the stored trace holds ``paths * samples * dim`` float64 values. When
``record_every`` is not given it is chosen as the smallest stride that keeps this at or
below :data:`MAX_STORED_VALUES` (2e7 values, 160 MB); an explicit ``record_every`` that
would exceed the bound is refused. The integration itself always uses every step; only
the storage is thinned.

Dwell times: read from a stored trace they are biased long as soon as samples are more
than a few steps apart (brief visits to a minimum are missed: +3 % at a spacing of 1/160
of the dwell, +11 % at 1/40, on the h = 2 double well). So for binary models - ``kind``
``"double_well"`` or ``"pbit"`` with ``wells`` and a read-out that is linear in the state
(found by probing ``model.readout``) - the kernel counts dwells at every step and the
trace carries them as ``trace.dwell_tally``, which :func:`noisecircuits.trace_stats` uses.
"""

from __future__ import annotations

import math

import numpy as np

from noisecircuits import _validate
from noisecircuits.errors import ParameterError, SimulationError
from noisecircuits.sde.ensemble import TALLY_COLUMNS, ensemble_kernel, increments_kernel
from noisecircuits.sde.noise import path_states, seed_sequence
from noisecircuits.sde.solvers import get_solver, ou_table
from noisecircuits.sde.terms import SDETerms, zero_derivative
from noisecircuits.sde.trace import DwellTally, Trace

__all__ = ["simulate", "integrate_increments", "MAX_STORED_VALUES", "DEFAULT_STEPS_PER_TIMESCALE"]

#: Upper bound on the number of float64 values a trace stores when ``record_every`` is automatic.
MAX_STORED_VALUES = 20_000_000
#: ``dt`` defaults to the model's fastest time scale divided by this.
DEFAULT_STEPS_PER_TIMESCALE = 20


def _terms_of(model) -> SDETerms:
    terms = model.sde_terms() if hasattr(model, "sde_terms") else model
    if not isinstance(terms, SDETerms):
        raise ParameterError(f"model must have sde_terms() returning SDETerms, got {type(model).__name__}")
    return terms


def _linear_readout(model, x0: np.ndarray):
    """``(weights, offset, low, high)`` of a binary model's linear read-out, or None."""
    if getattr(model, "kind", None) not in ("double_well", "pbit") or not hasattr(model, "wells"):
        return None
    dim = x0.shape[0]
    probe = np.vstack([np.zeros(dim), np.eye(dim)])[None]
    values = np.asarray(model.readout(probe), dtype=float).reshape(-1)
    offset, weights = values[0], values[1:] - values[0]
    scale = max(1.0, float(np.max(np.abs(x0))))
    check = x0 + scale * np.random.default_rng(0).standard_normal((1, 3, dim))
    expected = offset + check[0] @ weights
    got = np.asarray(model.readout(check), dtype=float).reshape(-1)
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-9, atol=1e-12 * scale):
        return None
    low, high = (float(w) for w in model.wells)
    return weights, float(offset), low, high


def _start_tally(readout, x: np.ndarray) -> np.ndarray:
    tally = np.zeros((x.shape[0], TALLY_COLUMNS))
    tally[:, 1] = -1.0
    if readout is not None:
        weights, offset, low, high = readout
        r = offset + x @ weights
        tally[:, 0] = np.where(r <= low, -1.0, np.where(r >= high, 1.0, 0.0))
    return tally


def _dwell_tally(readout, tally: np.ndarray, dt: float):
    if readout is None:
        return None
    return DwellTally(
        counts=tally[:, [2, 5]].astype(np.int64),
        sums=tally[:, [3, 6]] * dt,
        sums_of_squares=tally[:, [4, 7]] * dt * dt,
        switches=tally[:, 8].astype(np.int64),
        low=readout[2],
        high=readout[3],
    )


def _reported_seed(seed, root: np.random.SeedSequence):
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed)
    if seed is None:
        return int(root.entropy)
    return root


def simulate(model, duration, dt=None, paths=1, seed=None, *, solver="euler", record_every=None) -> Trace:
    r"""Integrate ``paths`` independent paths of ``model`` for ``duration`` seconds.

    Parameters
    ----------
    model : object with ``sde_terms()``, or SDETerms
        The model (e.g. :class:`noisecircuits.ReducedDoubleWell`).
    duration : float
        Simulated time per path, > 0 [s]; rounded up to whole recorded strides of ``dt``.
    dt : float, optional
        Integration step, 0 < dt < ``timescale`` [s]; default ``timescale / 20``.
    paths : int
        Number of independent paths, >= 1 [-].
    seed : None, int, SeedSequence or Generator
        Root seed; path ``p`` draws its noise from a stream that depends only on the seed
        and ``p`` (not on the thread count) [-].
    solver : str
        ``"euler"``, ``"milstein"``, ``"heun"`` or ``"exact"`` (linear models) [-].
    record_every : int, optional
        Store every ``record_every``-th step; default: 1, or the smallest stride keeping the
        trace at most :data:`MAX_STORED_VALUES` values [-].

    Returns
    -------
    Trace
        ``values[:, 0]`` is the start state at ``t = 0``; ``dwell_tally`` holds the dwells
        counted at every step for binary models with a linear read-out.

    Raises
    ------
    ParameterError
        Bad duration, dt (not below the model's time scale), paths (at most
        ``MAX_STORED_VALUES / (2 dim)``), seed, solver or stride.
    SimulationError
        A path became NaN or infinite (names the time; use a smaller dt).
    """
    terms = _terms_of(model)
    scheme = get_solver(solver)
    scheme.check(terms)
    duration = _validate.positive("duration", duration, "s")
    if dt is None:
        dt = terms.timescale / DEFAULT_STEPS_PER_TIMESCALE
    dt = _validate.positive("dt", dt, "s")
    if dt >= terms.timescale:
        raise ParameterError(
            f"dt must be in (0, {terms.timescale:g}) [s] (below the model's fastest time scale), got {dt!r}"
        )
    paths = _validate.positive_int("paths", paths)
    n_steps = max(1, math.ceil(duration / dt * (1.0 - 1e-12)))
    dim = terms.dim
    if 2 * paths * dim > MAX_STORED_VALUES:
        raise ParameterError(
            f"paths must be <= {MAX_STORED_VALUES // (2 * dim)} for a {dim}-state model "
            f"(the trace keeps at least two samples per path within {MAX_STORED_VALUES:g} values), got {paths}"
        )
    if record_every is None:
        record_every = max(1, math.ceil(paths * dim * (n_steps + 1) / MAX_STORED_VALUES))
    else:
        record_every = _validate.positive_int("record_every", record_every)
    n_records = math.ceil(n_steps / record_every)
    if paths * dim * (n_records + 1) > MAX_STORED_VALUES:
        minimum = math.ceil(paths * dim * (n_steps + 1) / MAX_STORED_VALUES)
        raise ParameterError(
            f"record_every must be >= {minimum} to keep the trace within {MAX_STORED_VALUES:g} values, got {record_every}"
        )
    n_steps = n_records * record_every

    root = seed_sequence(seed)
    states = path_states(root, paths)
    x = np.tile(terms.x0, (paths, 1))
    values = np.empty((paths, n_records + 1, dim))
    values[:, 0, :] = terms.x0
    fail = np.zeros(paths, dtype=np.int64)
    readout = _linear_readout(model, terms.x0)
    packed = np.zeros(0) if readout is None else np.concatenate([readout[0], readout[1:]])
    tally = _start_tally(readout, x)
    kernel = ensemble_kernel(scheme.step, terms.drift, terms.diffusion, terms.diffusion_derivative or zero_derivative)
    kernel(terms.params, ou_table(terms, dt), states, x, n_steps, record_every, dt, values, fail, packed, tally)
    if np.any(fail):
        bad = int(np.argmin(np.where(fail > 0, fail, np.iinfo(np.int64).max)))
        raise SimulationError(
            f"path {bad} became NaN/inf at t = {fail[bad] * dt:g} s (step {fail[bad]}) with dt = {dt:g} s; "
            "try a smaller dt"
        )
    return Trace(
        times=np.arange(n_records + 1) * (record_every * dt),
        values=values,
        state_names=terms.state_names,
        dt=dt,
        sample_interval=record_every * dt,
        model=model,
        solver=scheme.name,
        seed=_reported_seed(seed, root),
        path_steps=paths * n_steps,
        dwell_tally=_dwell_tally(readout, tally, dt),
    )



def integrate_increments(model, increments, dt, *, solver="euler") -> np.ndarray:
    """Final states of paths driven by given Brownian increments (same path, any step).

    Summing fine increments in groups gives the increments of a coarser step on the same
    Brownian path, which is how strong convergence is measured.

    Parameters
    ----------
    model : object with ``sde_terms()``, or SDETerms
        The model.
    increments : array_like, shape (paths, n_steps, dim)
        Brownian increments, each of variance ``dt`` [sqrt(s)].
    dt : float
        Step, > 0 [s].
    solver : str
        Scheme name [-].

    Returns
    -------
    ndarray, shape (paths, dim)
        State of every path after ``n_steps`` steps [state unit].
    """
    terms = _terms_of(model)
    scheme = get_solver(solver)
    scheme.check(terms)
    dt = _validate.positive("dt", dt, "s")
    dw = np.ascontiguousarray(increments, dtype=float)
    if dw.ndim != 3 or dw.shape[2] != terms.dim:
        raise ParameterError(f"increments must have shape (paths, n_steps, {terms.dim}), got {dw.shape}")
    kernel = increments_kernel(scheme.step, terms.drift, terms.diffusion, terms.diffusion_derivative or zero_derivative)
    return kernel(terms.params, ou_table(terms, dt), terms.x0, dt, dw)
