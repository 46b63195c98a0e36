"""``noisecircuits characterise``: a user's p-bit netlist swept in ngspice and fitted into a cell model."""

from __future__ import annotations

from noisecircuits.commands._common import (
    add_budget_flags,
    add_json_flag,
    budget_from_args,
    check_output_path,
    finite_float,
    float_list,
    output_errors,
    positive_float,
    positive_int,
)

__all__ = ["register"]

#: columns of the ``--points`` table (the lab CSV that ``fit transfer`` reads, plus the diagnostics)
_POINT_COLUMNS = ("v_bias_V", "temperature_K", "n_ones", "n_samples", "n_effective", "p_one", "p_one_stderr",
                  "correlation_time_s", "correlation_time_stderr_s", "n_switches", "duration_s", "threshold_V",
                  "seed", "low_switching")


def _run(args):
    from noisecircuits._io import atomic_write_text
    from noisecircuits.cells.export import export_cell
    from noisecircuits.interop.characterise import characterise

    allowed = None
    if args.allow_include_from:
        from pathlib import Path

        from noisecircuits.spice.cards import spice_models_dir

        allowed = [spice_models_dir(), Path(args.netlist).parent, *args.allow_include_from]
    check_output_path("--out", args.out)
    if args.points is not None:
        check_output_path("--points", args.points)
    cell, frame = characterise(
        args.netlist, control=args.control, output=args.output, reference=args.reference,
        temperatures=args.temperatures, biases=args.biases, seed=args.seed, sample_step=args.sample_step,
        duration=args.duration, threshold=args.threshold, uic=args.uic, form=args.form, criterion=args.criterion,
        name=args.name, workers=args.workers, allowed_folders=allowed, budget=budget_from_args(args),
        show_progress=False if args.json else None,
    )
    written = None
    if args.points is not None:
        with output_errors("--points", args.points):
            written = atomic_write_text(args.points, frame[list(_POINT_COLUMNS)].to_csv(index=False))
    try:
        with output_errors("--out", args.out):
            path = export_cell(cell, args.out, "json")
    except BaseException:
        if written is not None:  # no table without its cell
            written.unlink(missing_ok=True)
        raise
    points = frame[["temperature_K", "v_bias_V", "p_one", "p_one_stderr", "correlation_time_s",
                    "correlation_time_stderr_s", "n_switches"]]
    return {
        "netlist": args.netlist,
        "form": cell.form,
        "parameters": cell.parameters,
        "stderr": cell.parameter_stderr,
        "poor_fit": cell.poor_fit,
        "points": points.to_dict(orient="records"),
        "out": str(path),
        "points_out": args.points,
    }


def register(subparsers) -> None:
    """Add ``characterise`` to the CLI."""
    parser = subparsers.add_parser(
        "characterise",
        help="sweep a p-bit netlist's control in ngspice (transient noise), measure P(1) and tau_c, fit a cell model",
        description="The netlist is a circuit only: no .control block, no analyses, no shell; .include/.lib only "
                    "of files in spice_models/ or the netlist's folder; it needs trnoise/trrandom noise sources. "
                    "Its temp= and seed= options are replaced by the sweep's.",
    )
    parser.add_argument("netlist", help="the netlist file (first line: its title)")
    parser.add_argument("--control", required=True, metavar="SOURCE_OR_NODE",
                        help="voltage source (e.g. Vbias) or node whose voltage is swept")
    parser.add_argument("--output", required=True, metavar="NODE", help="output node; state 1 is a high read-out")
    parser.add_argument("--reference", default=None, metavar="NODE",
                        help="read V(output) - V(NODE), e.g. the latch's other side (default: ground)")
    parser.add_argument("--biases", type=float_list, required=True, metavar="LIST",
                        help="control voltages [V]: a,b,c or lo:hi:n (at least 2)")
    parser.add_argument("--temperatures", type=float_list, default=[300.0], metavar="LIST",
                        help="temperatures [K]: a,b,c or lo:hi:n")
    parser.add_argument("--duration", type=positive_float, default=None, metavar="S",
                        help="simulated time per run [s] (default: 20000 output steps)")
    parser.add_argument("--sample-step", type=positive_float, default=None, metavar="S",
                        help="output step [s] (default: half the netlist's shortest noise step)")
    parser.add_argument("--threshold", type=finite_float, default=None, metavar="V",
                        help="read-out threshold of state 1 [V] (default: midway between the two read-out levels)")
    parser.add_argument("--uic", action="store_true",
                        help="start each run from the netlist's .ic values without an operating point")
    parser.add_argument("--seed", type=int, default=0, help="seed of the runs' noise sources")
    parser.add_argument("--form", choices=("auto", "logistic", "probit", "two_rate"), default="auto",
                        help="transfer law, as for fit transfer (default auto)")
    parser.add_argument("--criterion", choices=("aicc", "aic", "bic"), default="aicc",
                        help="information criterion of --form auto (default aicc)")
    parser.add_argument("--name", default="netlist_cell", help="cell name (identifier)")
    parser.add_argument("--out", required=True, help="output cell-model JSON file")
    parser.add_argument("--points", default=None, metavar="CSV",
                        help="also write the measured points (a table that fit transfer reads)")
    parser.add_argument("--allow-include-from", action="append", default=None, metavar="DIR",
                        help="another folder whose files the netlist may include, besides spice_models/ and the "
                             "netlist's folder (repeatable)")
    parser.add_argument("--workers", type=positive_int, default=1, help="concurrent ngspice processes")
    add_budget_flags(parser)
    add_json_flag(parser)
    parser.set_defaults(func=_run)
