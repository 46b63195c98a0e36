"""``noisecircuits demo``: the reference p-bit end to end (what ``make demo`` runs)."""

from __future__ import annotations

from noisecircuits.commands._common import (
    add_budget_flags,
    budget_from_args,
    non_negative_int,
    output_errors,
    positive_float,
    positive_int,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the reference p-bit end to end: transfer curve, ngspice check, cell model, Gibbs, energy, report",
        description="The main job on built-in defaults: SDE and exact transfer curves of the reference p-bit at "
        "280, 300 and 320 K, an ngspice check at 300 K, a calibrated cell model and its exports, Gibbs sampling "
        "through that cell, the energy per sample of a 16x16 chip, and a self-contained HTML report. Tables go "
        "to stdout, stage timings to stderr.",
        epilog="example: noisecircuits demo --out demo_output --seed 0",
    )
    parser.add_argument("--out", default="demo_output", help="output folder (default demo_output)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="root seed (default 0)")
    parser.add_argument("--duration-tau", type=positive_float, default=15000.0,
                        help="simulated time of a P(1) = 1/2 point in its correlation times; every point gets the "
                             "same P(1) standard error and at least 1000 switching events (default 15000, the most; fewer switches, at least 150, for shorter runs)")
    parser.add_argument("--n-biases", type=positive_int, default=9,
                        help="biases, the same at every temperature (default 9)")
    parser.add_argument("--no-spice", action="store_true", help="skip the ngspice circuit-level check")
    add_budget_flags(parser)
    parser.set_defaults(func=run)


def run(args) -> None:
    from pathlib import Path

    from noisecircuits.budget import check_budget
    from noisecircuits.demo import check_duration_tau, estimate_cost, run_demo

    memory, seconds = estimate_cost(args.n_biases, args.duration_tau)
    check_budget("demo", memory_bytes=memory, seconds=seconds, budget=budget_from_args(args),
                 options="--n-biases/--duration-tau")
    check_duration_tau(args.duration_tau)
    with output_errors("--out", args.out):
        Path(args.out).mkdir(parents=True, exist_ok=True)
    run_demo(args.out, seed=args.seed, duration_tau=args.duration_tau, n_biases=args.n_biases,
             spice=not args.no_spice)
