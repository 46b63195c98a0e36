"""``noisecircuits export``: write a cell model as JSON, an ngspice subcircuit, Verilog-A (expected value or
sampling) or a CSV table."""

from __future__ import annotations

from noisecircuits.commands._common import add_json_flag, output_errors, positive_float

__all__ = ["register"]


def _run(args):
    from noisecircuits.cells import load_cell
    from noisecircuits.cells.export import export_cell
    from noisecircuits.errors import ParameterError

    cell = load_cell(args.cell)
    if args.noise_step is not None and args.format != "spice":
        raise ParameterError("--noise-step applies to --format spice only")
    with output_errors("--out", args.out):
        if args.noise_step is not None:
            from noisecircuits.cells.spice import write_spice

            path = write_spice(cell, args.out, noise_step=args.noise_step)
        elif args.format == "verilog-a-sampler":
            from noisecircuits.cells.verilog_a_sampler import write_verilog_a_sampler

            path = write_verilog_a_sampler(cell, args.out)
        else:
            path = export_cell(cell, args.out, args.format)
    return {"format": args.format, "cell": cell.name, "kind": cell.kind, "out": str(path)}


def register(subparsers) -> None:
    """Add ``export`` to the CLI."""
    parser = subparsers.add_parser("export", help="export a calibrated cell model to another tool's format")
    parser.add_argument("cell", help="cell-model JSON file (from `noisecircuits fit transfer`)")
    parser.add_argument(
        "--format",
        required=True,
        choices=("spice", "verilog-a", "verilog-a-sampler", "csv", "json"),
        help="output format (verilog-a-sampler: a 0/1 V telegraph output drawn in the model)",
    )
    parser.add_argument("--out", required=True, help="output file")
    parser.add_argument(
        "--noise-step", type=positive_float, default=None, help="SPICE only: time between random draws [s]"
    )
    add_json_flag(parser)
    parser.set_defaults(func=_run)
