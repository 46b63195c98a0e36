"""``noisecircuits simulate MODEL``: simulate an SDE model and print its trace statistics.

Models are sub-commands of ``simulate``. ``double-well`` is defined here. Further models
plug in from :mod:`noisecircuits.commands.simulate_cells` when that module exists: it
must define ``register(model_subparsers, add_run_options)`` which, for each model, adds a
parser with ``model_subparsers.add_parser(name, ...)``, adds the model's own options,
calls ``add_run_options(parser)`` for the shared ones (``--duration --dt --paths --seed
--solver --record-every --out --json`` and the budget flags) and sets ``build_model`` with
``parser.set_defaults(build_model=function)`` where ``function(args)`` returns the model
object (anything with ``sde_terms()`` and a ``kind`` known to
:func:`noisecircuits.trace_stats`). Running, statistics and ``--out`` are then handled
here by :func:`run`.

Every run option has a default. Without ``--duration`` the run covers
:data:`DEFAULT_CORRELATION_TIMES` exact correlation times of the model (Fokker–Planck for
the circuits, the MFPT integral for the double well), or :data:`DEFAULT_TIMESCALES` of its
fastest relaxation times when it has no exact correlation time; a default whose estimated
run time exceeds :data:`DEFAULT_DURATION_MAX_SECONDS` is shortened to fit, and one stderr
line says so. Before anything is allocated the run is sized (:func:`noisecircuits.sde.simulate.plan_run`)
and checked against the memory and time limits (``--max-memory``, ``--max-time``).
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

from noisecircuits.commands._common import (
    add_budget_flags,
    add_json_flag,
    budget_from_args,
    check_output_path,
    finite_float,
    non_negative_int,
    output_errors,
    positive_float,
    positive_int,
)
from noisecircuits.errors import ParameterError, SimulationError

_SOLVERS = ("euler", "milstein", "heun", "exact")

#: Exact correlation times a default ``--duration`` covers [-].
DEFAULT_CORRELATION_TIMES = 1000
#: Without an exact correlation time, a default ``--duration`` of this many fastest relaxation times [-].
DEFAULT_TIMESCALES = 100_000
#: A default ``--duration`` is shortened so that the run is estimated to take at most this long [s].
DEFAULT_DURATION_MAX_SECONDS = 60.0
#: How the run sizes are called in messages.
RUN_OPTION_NAMES = {"duration": "--duration", "dt": "--dt", "paths": "--paths", "record_every": "--record-every"}
#: Time units the double well accepts [s]: below a femtosecond an overdamped time unit means
#: nothing physically, and near the float64 limit 1/tau overflows.
TAU_RANGE = (1e-15, 1e6)


def add_run_options(parser) -> None:
    """Add the options every ``simulate`` model shares and route it to :func:`run`."""
    parser.add_argument(
        "--duration", type=positive_float, default=None, metavar="S",
        help=f"simulated time per path [s] (default: {DEFAULT_CORRELATION_TIMES} exact correlation times, "
             f"shortened to about {DEFAULT_DURATION_MAX_SECONDS:g} s of run time)",
    )
    parser.add_argument("--dt", type=positive_float, default=None, metavar="S",
                        help="integration step [s] (default: fastest relaxation time / 20)")
    parser.add_argument("--paths", type=positive_int, default=1, help="independent paths")
    parser.add_argument("--seed", type=non_negative_int, default=None, help="seed (default: fresh entropy, printed)")
    parser.add_argument("--solver", choices=_SOLVERS, default="euler", help="integration scheme")
    parser.add_argument("--record-every", type=positive_int, default=None, metavar="N",
                        help="store every N-th step (default: the smallest N keeping the trace within 2e7 values)")
    parser.add_argument("--out", default=None, help="write the trace to FILE (.parquet or .csv)")
    add_budget_flags(parser)
    add_json_flag(parser)
    parser.set_defaults(func=run)


def _double_well(args):
    from noisecircuits import _validate
    from noisecircuits.circuits.double_well import ReducedDoubleWell

    tau = _validate.in_range("--tau", args.tau, *TAU_RANGE, "s")
    return ReducedDoubleWell(barrier=args.barrier, tilt=args.tilt, tau=tau)


def register(subparsers) -> None:
    """Add ``simulate`` and its model sub-commands."""
    parser = subparsers.add_parser(
        "simulate",
        help="simulate an SDE model and print trace statistics",
        description="Integrate a model's SDE and print its trace statistics (one JSON object under --json).",
    )
    models = parser.add_subparsers(dest="model", metavar="MODEL")
    models.required = True
    well = models.add_parser(
        "double-well",
        help="reduced double well u = h (x^2-1)^2 - b x",
        description="Reduced double well dx = -(1/tau) u'(x) dt + sqrt(2/tau) dW, u = h (x^2-1)^2 - b x.",
    )
    well.add_argument("--barrier", type=positive_float, default=3.0,
                      help="barrier height h [kT], in (0, 500]")
    well.add_argument("--tilt", type=finite_float, default=0.0, help="tilt b [kT], |b| < 8h/(3 sqrt 3)")
    well.add_argument("--tau", type=positive_float, default=1e-6,
                      help=f"time unit tau [s], in [{TAU_RANGE[0]:g}, {TAU_RANGE[1]:g}]")
    add_run_options(well)
    well.set_defaults(build_model=_double_well)
    try:
        cells = importlib.import_module("noisecircuits.commands.simulate_cells")
    except ModuleNotFoundError as exc:
        if exc.name != "noisecircuits.commands.simulate_cells":
            raise
    else:
        cells.register(models, add_run_options)


def exact_correlation_time(model) -> float | None:
    """The model's exact correlation time [s], or None when it has none (or is not bistable).

    Double well: the MFPT integral; p-bit: the Fokker–Planck mean first-passage times;
    continuous cell: those of its p-bit.
    """
    try:
        if getattr(model, "kind", None) == "double_well":
            from noisecircuits.physics.oracles import double_well_correlation_time

            return float(double_well_correlation_time(model.barrier, model.tilt, model.tau))
        source = getattr(model, "pbit", model)
        method = getattr(source, "correlation_time_exact", None)
        return None if method is None else float(method())
    except SimulationError:  # a monostable cell has no switching time
        return None


def default_duration(model, args, max_seconds: float = DEFAULT_DURATION_MAX_SECONDS) -> tuple[float, str]:
    """``(duration [s], one stderr line)`` when ``--duration`` was not given.

    The run is shortened to an estimated ``max_seconds`` [s] of wall time when the full
    default would take longer; sizes that cannot be planned at all are left for
    :func:`~noisecircuits.sde.simulate.plan_run` to refuse with their own message.
    """
    from noisecircuits.sde.simulate import plan_run

    terms = model.sde_terms()
    tau = exact_correlation_time(model)
    if tau is not None:
        wanted, unit, count = DEFAULT_CORRELATION_TIMES * tau, tau, f"exact correlation times (tau_c = {tau:.3g} s)"
    else:
        wanted, unit, count = DEFAULT_TIMESCALES * terms.timescale, terms.timescale, "fastest relaxation times"
    prefix = f"simulate {args.model}: --duration not given:"
    try:
        seconds = plan_run(terms, wanted, args.dt, args.paths, None, names=RUN_OPTION_NAMES).seconds
    except ParameterError:
        return wanted, f"{prefix} {wanted:.3g} s"
    if seconds <= max_seconds:
        return wanted, f"{prefix} {wanted:.3g} s = {wanted / unit:.4g} {count}"
    duration = wanted * max_seconds / seconds
    return duration, (
        f"{prefix} capped at {duration:.3g} s = {duration / unit:.3g} {count} to keep the run near "
        f"{max_seconds:.3g} s (the full {wanted:.3g} s would take about {seconds:.3g} s); "
        "give --duration to run longer"
    )


def run(args) -> dict:
    """Build the model, size the run, simulate, write ``--out`` if asked, and return :func:`trace_stats`."""
    from noisecircuits.analysis.stats import trace_stats
    from noisecircuits.budget import check_budget
    from noisecircuits.sde.simulate import plan_run, simulate

    if args.out is not None and Path(args.out).suffix.lower() not in (".parquet", ".csv"):
        raise ParameterError(f"--out must end in .parquet or .csv, got {args.out!r}")
    if args.out is not None:
        check_output_path("--out", args.out)
    budget = budget_from_args(args)
    model = args.build_model(args)
    duration = args.duration
    note = None
    if duration is None:
        duration, note = default_duration(model, args, min(DEFAULT_DURATION_MAX_SECONDS, budget.max_seconds))
    plan = plan_run(model, duration, args.dt, args.paths, args.record_every, names=RUN_OPTION_NAMES)
    # --out builds a table of (path, time, states): about (2 + dim) / dim times the trace again
    memory = plan.memory_bytes * (1.0 + (2.0 + plan.dim) / plan.dim if args.out is not None else 1.0)
    check_budget(f"simulate {args.model}", memory_bytes=memory, seconds=plan.seconds, budget=budget,
                 options="--duration/--paths/--dt")
    if note is not None:
        sys.stderr.write(note + "\n")
    if plan.seconds > 2.0 and sys.stderr.isatty():  # on a terminal only: a failure stays one line in scripts
        sys.stderr.write(f"simulate {args.model}: {plan.path_steps:.3g} path-steps, about {plan.seconds:.3g} s ...\n")
        sys.stderr.flush()
    start = time.perf_counter()
    trace = simulate(
        model, duration, dt=args.dt, paths=args.paths, seed=args.seed, solver=args.solver,
        record_every=args.record_every,
    )
    elapsed = time.perf_counter() - start
    sys.stderr.write(
        f"simulate {args.model}: {trace.path_steps} path-steps in {elapsed:.2f} s, seed {trace.seed}\n"
    )
    stats = trace_stats(trace)
    stats["duration_s"] = plan.duration
    if args.out is not None:
        from noisecircuits._io import write_table

        with output_errors("--out", args.out):
            write_table(trace.to_frame(), args.out)
    return stats
