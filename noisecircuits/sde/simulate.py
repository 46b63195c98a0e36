r"""One entry point for every SDE model: :func:`simulate`.

Memory: the stored trace holds ``paths * samples * dim`` float64 values. When
``record_every`` is not given it is chosen as the smallest stride that keeps this at or
below :data:`MAX_STORED_VALUES` (2e7 values, 160 MB); an explicit ``record_every`` that
would exceed the bound is refused, and so is one longer than the run. The integration
itself always uses every step; only the storage is thinned.

Duration: the run covers exactly the ``duration`` asked for. The step is shortened (by less
than one recorded stride, so by a fraction below ``record_every / n_steps``) until whole
strides fill the duration; the duration is never lengthened. :func:`plan_run` fixes these
numbers, and the resource estimates the command line checks, before anything is allocated.

Dwell times: read from a stored trace they are biased long as soon as samples are more
than a few steps apart (brief visits to a minimum are missed: +3 % at a spacing of 1/160
of the dwell, +11 % at 1/40, on the h = 2 double well). So for models that declare a
:class:`~noisecircuits.sde.readouts.BinaryReadout` (``model.readout_spec()``) the kernel
counts dwells at every step and the trace carries them as ``trace.dwell_tally``, which
:func:`noisecircuits.trace_stats` uses. The solver knows a model only through its SDE terms
and that declaration, never by its kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from noisecircuits import _validate
from noisecircuits.errors import ParameterError, SimulationError
from noisecircuits.sde.ensemble import TALLY_COLUMNS, ensemble_kernel, increments_kernel
from noisecircuits.sde.noise import path_states, seed_sequence
from noisecircuits.sde.readouts import BinaryReadout
from noisecircuits.sde.solvers import get_solver, ou_table
from noisecircuits.sde.terms import SDETerms, zero_derivative
from noisecircuits.sde.trace import DwellTally, Trace

__all__ = [
    "simulate",
    "plan_run",
    "RunPlan",
    "integrate_increments",
    "readout_of",
    "MAX_STORED_VALUES",
    "MAX_STEPS_PER_PATH",
    "DEFAULT_STEPS_PER_TIMESCALE",
    "STATE_STEPS_PER_SECOND",
]

#: Upper bound on the number of float64 values a trace stores when ``record_every`` is automatic.
MAX_STORED_VALUES = 20_000_000
#: ``dt`` defaults to the model's fastest time scale divided by this.
DEFAULT_STEPS_PER_TIMESCALE = 20
#: Most integration steps one path may take (the kernel counts steps in 64-bit integers).
MAX_STEPS_PER_PATH = 2**62
#: Conservative throughput of the ensemble kernel for run-time estimates [state-steps/s]
#: (measured: about 1.4e7 on the 2-state p-bit and 3.5e7 on the double well, one core).
STATE_STEPS_PER_SECOND = 1e7
#: Working memory per path besides the stored trace: state, noise, generator, tally [bytes].
_BYTES_PER_PATH = 8 * (8 + TALLY_COLUMNS) + 64


@dataclass(frozen=True)
class RunPlan:
    """The size of one :func:`simulate` run, fixed before anything is allocated.

    Parameters
    ----------
    duration : float
        Simulated time per path, exactly the one asked for [s].
    dt : float
        Integration step actually used: the requested step shortened (by less than one
        stride) so that whole recorded strides cover ``duration`` exactly [s].
    paths : int
        Independent paths [-].
    dim : int
        State dimension of the model [-].
    n_steps : int
        Integration steps per path, ``n_records * record_every`` [-].
    record_every : int
        Steps between stored samples [-].
    n_records : int
        Stored samples per path after the start state [-].
    """

    duration: float
    dt: float
    paths: int
    dim: int
    n_steps: int
    record_every: int
    n_records: int

    @property
    def path_steps(self) -> int:
        """Integration steps summed over paths [-]."""
        return self.paths * self.n_steps

    @property
    def stored_values(self) -> int:
        """float64 values the trace stores [-]."""
        return self.paths * self.dim * (self.n_records + 1)

    @property
    def memory_bytes(self) -> float:
        """Estimated peak memory of the run: trace plus per-path working state [bytes]."""
        return 8.0 * self.stored_values + _BYTES_PER_PATH * float(self.paths) * self.dim

    @property
    def seconds(self) -> float:
        """Estimated wall time at :data:`STATE_STEPS_PER_SECOND` [s]."""
        return float(self.path_steps) * self.dim / STATE_STEPS_PER_SECOND


_NAMES = {"duration": "duration", "dt": "dt", "paths": "paths", "record_every": "record_every"}


def plan_run(model, duration, dt=None, paths=1, record_every=None, *, names=None) -> RunPlan:
    """Validate the size of a :func:`simulate` run and fix its steps and strides.

    Parameters
    ----------
    model : object with ``sde_terms()``, or SDETerms
        The model.
    duration : float
        Simulated time per path, > 0 [s].
    dt : float, optional
        Requested integration step, 0 < dt < ``timescale`` [s]; default ``timescale / 20``.
    paths : int
        Independent paths, >= 1 [-].
    record_every : int, optional
        Store every ``record_every``-th step, 1 <= record_every <= the steps in ``duration``;
        default: the smallest stride that keeps the trace within :data:`MAX_STORED_VALUES` [-].
    names : dict, optional
        What to call ``duration``, ``dt``, ``paths`` and ``record_every`` in error messages
        (the command line passes ``{"dt": "--dt", ...}``) [-].

    Returns
    -------
    RunPlan

    Raises
    ------
    ParameterError
        A bad or inconsistent size; the message names the argument and the allowed range.
    """
    n = {**_NAMES, **(names or {})}
    terms = _terms_of(model)
    duration = _validate.positive(n["duration"], duration, "s")
    if dt is None:
        dt = terms.timescale / DEFAULT_STEPS_PER_TIMESCALE
    dt = _validate.positive(n["dt"], dt, "s")
    if dt >= terms.timescale:
        raise ParameterError(
            f"{n['dt']} must be in (0, {terms.timescale:g}) [s] (below the model's fastest time scale), got {dt!r}"
        )
    paths = _validate.positive_int(n["paths"], paths)
    dim = terms.dim
    ratio = duration / dt
    if not ratio <= MAX_STEPS_PER_PATH:  # also catches inf from a denormal dt
        raise ParameterError(
            f"{n['duration']} = {duration:g} s at {n['dt']} = {dt:g} s asks for {ratio:.3g} steps per path; "
            f"at most {MAX_STEPS_PER_PATH:.3g} are allowed: shorten {n['duration']} or lengthen {n['dt']}"
        )
    n_steps = max(1, math.ceil(ratio * (1.0 - 1e-12)))
    capacity = MAX_STORED_VALUES // (paths * dim) - 1  # most stored samples per path after the start
    if capacity < 1:
        raise ParameterError(
            f"{n['paths']} must be <= {MAX_STORED_VALUES // (2 * dim)} for a {dim}-state model "
            f"(the trace keeps at least two samples per path within {MAX_STORED_VALUES:g} values), got {paths}"
        )
    minimum = max(1, -(-n_steps // capacity))
    if record_every is None:
        record_every = minimum
    else:
        record_every = _validate.positive_int(n["record_every"], record_every)
        if record_every > n_steps:
            raise ParameterError(
                f"{n['record_every']} must be in [1, {n_steps}] (the steps in {n['duration']} = {duration:g} s "
                f"at {n['dt']} = {dt:g} s), got {record_every}"
            )
        if record_every < minimum:
            raise ParameterError(
                f"{n['record_every']} must be >= {minimum} to keep the trace within {MAX_STORED_VALUES:g} values "
                f"for {paths} paths, got {record_every}"
            )
    n_records = -(-n_steps // record_every)
    total = n_records * record_every
    if abs(total * dt - duration) > 1e-9 * duration:  # keep the requested step when it already tiles the run
        dt = duration / total
    return RunPlan(duration=duration, dt=dt, paths=paths, dim=dim, n_steps=total,
                   record_every=record_every, n_records=n_records)


def _terms_of(model) -> SDETerms:
    terms = model.sde_terms() if hasattr(model, "sde_terms") else model
    if not isinstance(terms, SDETerms):
        raise ParameterError(f"model must have sde_terms() returning SDETerms, got {type(model).__name__}")
    return terms


def readout_of(model):
    """The typed read-out ``model.readout_spec()`` declares, or None (e.g. bare SDE terms)."""
    spec = getattr(model, "readout_spec", None)
    return spec() if callable(spec) else None


def _start_tally(readout, x: np.ndarray) -> np.ndarray:
    tally = np.zeros((x.shape[0], TALLY_COLUMNS))
    tally[:, 1] = -1.0
    if readout is not None:
        r = readout(x)
        tally[:, 0] = np.where(r <= readout.low, -1.0, np.where(r >= readout.high, 1.0, 0.0))
    return tally


def _dwell_tally(readout, tally: np.ndarray, dt: float):
    if readout is None:
        return None
    return DwellTally(
        counts=tally[:, [2, 5]].astype(np.int64),
        sums=tally[:, [3, 6]] * dt,
        sums_of_squares=tally[:, [4, 7]] * dt * dt,
        switches=tally[:, 8].astype(np.int64),
        low=readout.low,
        high=readout.high,
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
        Simulated time per path, > 0 [s]; simulated exactly (see :func:`plan_run`).
    dt : float, optional
        Integration step, 0 < dt < ``timescale`` [s]; default ``timescale / 20``. It is
        shortened by less than one recorded stride so that whole strides cover ``duration``.
    paths : int
        Number of independent paths, >= 1 [-].
    seed : None, int, SeedSequence or Generator
        Root seed; path ``p`` draws its noise from a stream that depends only on the seed
        and ``p`` (not on the thread count) [-].
    solver : str
        ``"euler"``, ``"milstein"``, ``"heun"`` or ``"exact"`` (linear models) [-].
    record_every : int, optional
        Store every ``record_every``-th step, at most the number of steps in ``duration``;
        default: 1, or the smallest stride keeping the trace at most
        :data:`MAX_STORED_VALUES` values [-].

    Returns
    -------
    Trace
        ``values[:, 0]`` is the start state at ``t = 0``; ``dwell_tally`` holds the dwells
        counted at every step for models declaring a binary read-out; ``readout`` is the
        model's declared read-out (None for bare SDE terms).

    Raises
    ------
    ParameterError
        Bad duration, dt (not below the model's time scale), paths (at most
        ``MAX_STORED_VALUES / (2 dim)``), seed, solver or stride (see :func:`plan_run`).
    SimulationError
        A path became NaN or infinite (names the time; use a smaller dt).
    """
    terms = _terms_of(model)
    scheme = get_solver(solver)
    scheme.check(terms)
    plan = plan_run(terms, duration, dt, paths, record_every)
    dt, paths, dim = plan.dt, plan.paths, plan.dim
    n_steps, record_every, n_records = plan.n_steps, plan.record_every, plan.n_records

    root = seed_sequence(seed)
    states = path_states(root, paths)
    x = np.tile(terms.x0, (paths, 1))
    values = np.empty((paths, n_records + 1, dim))
    values[:, 0, :] = terms.x0
    fail = np.zeros(paths, dtype=np.int64)
    spec = readout_of(model)
    readout = spec if isinstance(spec, BinaryReadout) else None
    if readout is not None and readout.weights.size != dim:
        raise ParameterError(f"the model's read-out has {readout.weights.size} weights for {dim} states")
    packed = np.zeros(0) if readout is None else np.concatenate([readout.weights, [readout.offset, readout.low,
                                                                                    readout.high]])
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
        readout=spec,
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
