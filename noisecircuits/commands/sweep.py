"""``noisecircuits sweep KIND``: run (or resume) a temperature × bias × mismatch sweep."""

from __future__ import annotations

import argparse
import re

from noisecircuits.commands._common import (
    add_budget_flags,
    add_json_flag,
    budget_from_args,
    check_output_path,
    float_list,
    non_negative_int,
    output_errors,
    positive_float,
    positive_int,
)

_KINDS = ("pbit", "categorical", "continuous", "telegraph")
#: Kinds that simulate the reference circuits, whose models are valid over circuits.pbit.TEMPERATURE_RANGE.
_CIRCUIT_KINDS = ("pbit", "categorical", "continuous")
_SCHEDULER_ADDRESS = re.compile(r"^(?:(?:tcp|tls)://)?[A-Za-z0-9_.\-]+:[0-9]{1,5}$")


def scheduler_address(text: str) -> str:
    """argparse type: a Dask scheduler address ``tcp://host:port`` (or ``tls://host:port``, ``host:port``)."""
    if not _SCHEDULER_ADDRESS.match(text):
        raise argparse.ArgumentTypeError(f"expected a scheduler address tcp://host:port, got {text!r}")
    return text


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="sweep a sampler over temperature, bias and device mismatch (resumable)",
        description="Run a sampler at every (temperature, bias, mismatch instance) point and write one row per "
        "point to OUT/results.parquet, with OUT/manifest.json. Finished points are kept in OUT/points/; "
        "running the same command again computes only what is missing.",
    )
    parser.add_argument("kind", choices=_KINDS,
                        help="sampler kind (categorical: --biases sets state 0's control; telegraph: exact "
                        "two-state reference p-bit)")
    parser.add_argument("--temperatures", type=float_list, required=True,
                        help="temperatures [K]: a,b,c or start:stop:count")
    parser.add_argument("--biases", type=float_list, required=True, help="bias voltages [V]: a,b,c or start:stop:count")
    parser.add_argument("--mismatch-samples", type=non_negative_int, default=0,
                        help="Monte Carlo mismatch instances (0: nominal design only)")
    parser.add_argument("--engine", choices=("sde", "spice"), default="sde", help="simulation engine (default sde)")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="local worker processes (default: CPU count)")
    parser.add_argument("--scheduler", type=scheduler_address, default=None,
                        help="Dask scheduler address tcp://host:port (runs on that cluster)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="sweep seed (default 0)")
    parser.add_argument("--duration", type=positive_float, default=None,
                        help="simulated time per point [s] (default: pbit follows each point's exact correlation "
                        "time, for 40 expected switching events, at least 1e-3 s; other kinds 1e-3 s, "
                        "categorical 2e-4 s)")
    parser.add_argument("--design", metavar="FILE", default=None,
                        help="p-bit design file from `noisecircuits design pbit` (pbit kind; default: the reference p-bit)")
    parser.add_argument("--csv", action="store_true", help="also write OUT/results.csv")
    parser.add_argument("--force", action="store_true", help="discard a previous sweep with other parameters in OUT")
    add_json_flag(parser)
    add_budget_flags(parser)
    # Lists such as "-0.04,0,0.04" or "-0.05:0.05:11" begin with a minus sign; let argparse read any
    # argument that starts with "-<digit>" as a value rather than an unknown option.
    parser._negative_number_matcher = re.compile(r"^-\.?\d")
    parser.set_defaults(func=run)


def run(args) -> dict:
    import os

    from noisecircuits.sweeps import SweepSpec, run_sweep
    from noisecircuits.sweeps.runner import check_grid_size

    check_output_path("--out", args.out, directory=True)
    budget = budget_from_args(args)
    check_grid_size(args.kind, len(args.temperatures) * len(args.biases) * max(args.mismatch_samples, 1), budget)
    _check_temperatures(args.temperatures)
    _check_biases(args.kind, args.biases, args.temperatures)
    options = {}
    if args.design is not None:
        from noisecircuits.design.document import defining_part, load_design, read_design_document
        from noisecircuits.errors import ParameterError

        if args.kind != "pbit":
            raise ParameterError(f"--design applies to the pbit kind, got kind {args.kind!r}")
        document = read_design_document(args.design)
        load_design(args.design)  # refuses a non-physical design before anything is written
        options = {"design": defining_part(document)}
    spec = SweepSpec(
        options=options,
        kind=args.kind,
        temperatures=args.temperatures,
        v_biases=args.biases,
        mismatch_samples=args.mismatch_samples,
        engine=args.engine,
        duration=args.duration,
        seed=args.seed,
    )
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    with output_errors("--out", args.out):
        return run_sweep(
            spec,
            args.out,
            workers=workers,
            scheduler=args.scheduler,
            force=args.force,
            csv=args.csv,
            show_progress=False if args.json else None,
            budget=budget,
        )


def _check_temperatures(temperatures) -> None:
    """Refuse temperatures outside the models' range (that of ``simulate``) before any point is run or written.

    Every kind, the telegraph reference included, is held to the circuit models' range
    :data:`noisecircuits.circuits.pbit.TEMPERATURE_RANGE`.
    """
    from noisecircuits.circuits.pbit import TEMPERATURE_RANGE
    from noisecircuits.errors import ParameterError

    low, high = TEMPERATURE_RANGE
    bad = [t for t in temperatures if not low <= t <= high]
    if bad:
        raise ParameterError(f"--temperatures must lie in [{low:g}, {high:g}] K, got {bad[0]:g}")


def _check_biases(kind: str, biases, temperatures) -> None:
    """Refuse biases the kind's model cannot take, before any point is run or written."""
    from noisecircuits.errors import ParameterError

    if kind in ("pbit", "continuous"):
        from noisecircuits.circuits.pbit import V_BIAS_RANGE as allowed
    elif kind == "categorical":
        from noisecircuits.circuits.categorical import V_CONTROL_RANGE as allowed
    else:
        from noisecircuits.constants import thermal_voltage
        from noisecircuits.circuits.telegraph import TelegraphPBit

        design = TelegraphPBit()
        # the rates are exp(±x/2): keep |x|/2 well inside the float range at the coldest temperature
        limit = 1400.0 * design.slope_factor * thermal_voltage(min(temperatures))
        allowed = (design.v_mid - limit, design.v_mid + limit)
    low, high = allowed
    bad = [v for v in biases if not low <= v <= high]
    if bad:
        raise ParameterError(f"--biases must lie in [{low:.4g}, {high:.4g}] V for the {kind} kind, got {bad[0]:g}")
