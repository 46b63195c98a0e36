"""``noisecircuits simulate MODEL``: simulate an SDE model and print its trace statistics.

Models are sub-commands of ``simulate``. ``double-well`` is defined here. Further models
plug in from :mod:`noisecircuits.commands.simulate_cells` when that module exists: it
must define ``register(model_subparsers, add_run_options)`` which, for each model, adds a
parser with ``model_subparsers.add_parser(name, ...)``, adds the model's own options,
calls ``add_run_options(parser)`` for the shared ones (``--duration --dt --paths --seed
--solver --record-every --out --json``) and sets ``build_model`` with
``parser.set_defaults(build_model=function)`` where ``function(args)`` returns the model
object (anything with ``sde_terms()`` and a ``kind`` known to
:func:`noisecircuits.trace_stats`). Running, statistics and ``--out`` are then handled
here by :func:`run`.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

from noisecircuits.commands._common import (
    add_json_flag,
    check_output_path,
    finite_float,
    non_negative_int,
    output_errors,
    positive_float,
    positive_int,
)
from noisecircuits.errors import ParameterError

_SOLVERS = ("euler", "milstein", "heun", "exact")


def add_run_options(parser) -> None:
    """Add the options every ``simulate`` model shares and route it to :func:`run`."""
    parser.add_argument("--duration", type=positive_float, required=True, help="simulated time per path [s]")
    parser.add_argument("--dt", type=positive_float, default=None, help="integration step [s] (default: timescale/20)")
    parser.add_argument("--paths", type=positive_int, default=1, help="independent paths (default 1)")
    parser.add_argument("--seed", type=non_negative_int, default=None, help="seed (default: fresh entropy)")
    parser.add_argument("--solver", choices=_SOLVERS, default="euler", help="scheme (default euler)")
    parser.add_argument("--record-every", type=positive_int, default=None, help="store every N-th step (default: automatic)")
    parser.add_argument("--out", default=None, help="write the trace to FILE (.parquet or .csv)")
    add_json_flag(parser)
    parser.set_defaults(func=run)


def _double_well(args):
    from noisecircuits.circuits.double_well import ReducedDoubleWell

    return ReducedDoubleWell(barrier=args.barrier, tilt=args.tilt, tau=args.tau)


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
    well.add_argument("--barrier", type=positive_float, required=True, help="barrier height h [kT]")
    well.add_argument("--tilt", type=finite_float, default=0.0, help="tilt b [kT] (default 0)")
    well.add_argument("--tau", type=positive_float, required=True, help="time unit tau [s]")
    add_run_options(well)
    well.set_defaults(build_model=_double_well)
    try:
        cells = importlib.import_module("noisecircuits.commands.simulate_cells")
    except ModuleNotFoundError as exc:
        if exc.name != "noisecircuits.commands.simulate_cells":
            raise
    else:
        cells.register(models, add_run_options)


def run(args) -> dict:
    """Build the model, simulate, write ``--out`` if asked, and return :func:`trace_stats`."""
    from noisecircuits.analysis.stats import trace_stats
    from noisecircuits.sde.simulate import simulate

    if args.out is not None and Path(args.out).suffix.lower() not in (".parquet", ".csv"):
        raise ParameterError(f"--out must end in .parquet or .csv, got {args.out!r}")
    if args.out is not None:
        check_output_path("--out", args.out)
    model = args.build_model(args)
    start = time.perf_counter()
    trace = simulate(
        model, args.duration, dt=args.dt, paths=args.paths, seed=args.seed, solver=args.solver,
        record_every=args.record_every,
    )
    elapsed = time.perf_counter() - start
    sys.stderr.write(
        f"simulate {args.model}: {trace.path_steps} path-steps in {elapsed:.2f} s, seed {trace.seed}\n"
    )
    stats = trace_stats(trace)
    if args.out is not None:
        from noisecircuits._io import write_table

        with output_errors("--out", args.out):
            write_table(trace.to_frame(), args.out)
    return stats
