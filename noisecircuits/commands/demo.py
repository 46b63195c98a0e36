"""``noisecircuits demo``: the reference p-bit end to end (what ``make demo`` runs)."""

from __future__ import annotations


def register(subparsers) -> None:
    from noisecircuits.demo import add_arguments

    parser = subparsers.add_parser(
        "demo",
        help="run the reference p-bit end to end: transfer curve, ngspice check, cell model, Gibbs, energy, report",
        description="The main job on built-in defaults: SDE and exact transfer curves of the reference p-bit at "
        "280, 300 and 320 K, an ngspice check at 300 K, a calibrated cell model and its exports, Gibbs sampling "
        "through that cell, the energy per sample of a 16x16 chip, and a self-contained HTML report.",
        epilog="example: noisecircuits demo --out demo_output --seed 0",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def run(args) -> None:
    from pathlib import Path

    from noisecircuits.commands._common import output_errors
    from noisecircuits.demo import run_demo

    with output_errors("--out", args.out):
        Path(args.out).mkdir(parents=True, exist_ok=True)
    run_demo(args.out, seed=args.seed, duration_tau=args.duration_tau, n_biases=args.n_biases,
             spice=not args.no_spice)
