"""``noisecircuits plot WHAT SOURCE --out FILE``: draw one figure from a sweep directory or a cell."""

from __future__ import annotations

from noisecircuits.commands._common import add_json_flag, non_negative_int, output_errors

_WHAT = ("transfer", "tau", "occupations", "energy")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "plot",
        help="draw a figure (transfer, tau, occupations, energy) from a sweep directory or CELL.json",
        description="transfer/tau: P(1) or correlation time against bias per temperature from DIR/results.parquet "
        "(with DIR/cell.json's fitted curves when present), or the curves of a CELL.json alone; occupations: a "
        "categorical sweep's occupations at one row; energy: DIR/energy.json or an energy JSON file.",
    )
    parser.add_argument("what", choices=_WHAT, help="which figure")
    parser.add_argument("source", help="sweep directory, CELL.json (transfer, tau) or energy JSON (energy)")
    parser.add_argument("--out", required=True, help="figure file (.png, .svg or .pdf)")
    parser.add_argument("--row", type=non_negative_int, default=0, help="row of the sweep table (occupations)")
    add_json_flag(parser)
    parser.set_defaults(func=run)


def run(args) -> dict:
    from noisecircuits.plotting import FIGURE_FORMATS, save_figure
    from noisecircuits.errors import ParameterError
    from noisecircuits.reporting import figures

    if not args.out.lower().endswith(FIGURE_FORMATS):
        raise ParameterError(f"--out must end in {', '.join(FIGURE_FORMATS)}, got {args.out!r}")
    ax = figures.figure_from_source(args.what, args.source, row=args.row)
    with output_errors("--out", args.out):
        path = save_figure(ax, args.out)
    return {"out": str(path), "figure": args.what, "source": args.source}
