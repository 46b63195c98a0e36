"""``noisecircuits plot WHAT SOURCE --out FILE``: draw one figure from a sweep directory or a cell.

The input is sized before it is read (:func:`input_estimate`: the files' bytes on disk
times :data:`READ_EXPANSION`) and checked against ``--max-memory`` / ``--max-time``.
"""

from __future__ import annotations

from pathlib import Path

from noisecircuits.commands._common import add_budget_flags, add_json_flag, budget_from_args, non_negative_int, output_errors

_WHAT = ("transfer", "tau", "occupations", "energy")
#: Memory a table or JSON document takes once read, per byte on disk [-] (Parquet decompresses
#: about 3-10x; pandas and matplotlib add their own copies).
READ_EXPANSION = 20.0
#: Fixed memory of drawing one figure (matplotlib, fonts, the image buffer) [bytes].
FIGURE_BYTES = 200.0 * 1024**2
#: Conservative reading throughput for time estimates [bytes on disk per s].
READ_BYTES_PER_SECOND = 20.0 * 1024**2


def input_estimate(source) -> tuple[float, float]:
    """``(memory [bytes], seconds [s])`` to read ``source`` (a file, or every file directly in a directory)."""
    path = Path(source)
    files = [p for p in path.iterdir() if p.is_file()] if path.is_dir() else [path] if path.is_file() else []
    size = float(sum(p.stat().st_size for p in files))
    return FIGURE_BYTES + READ_EXPANSION * size, 1.0 + size / READ_BYTES_PER_SECOND


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
    add_budget_flags(parser)
    add_json_flag(parser)
    parser.set_defaults(func=run)


def run(args) -> dict:
    from noisecircuits.budget import check_budget
    from noisecircuits.errors import ParameterError
    from noisecircuits.plotting import FIGURE_FORMATS, save_figure
    from noisecircuits.reporting import figures

    if not args.out.lower().endswith(FIGURE_FORMATS):
        raise ParameterError(f"--out must end in {', '.join(FIGURE_FORMATS)}, got {args.out!r}")
    memory, seconds = input_estimate(args.source)
    check_budget(f"plot {args.what}", memory_bytes=memory, seconds=seconds, budget=budget_from_args(args),
                 options=f"the size of {args.source!r}")
    ax = figures.figure_from_source(args.what, args.source, row=args.row)
    with output_errors("--out", args.out):
        path = save_figure(ax, args.out)
    return {"out": str(path), "figure": args.what, "source": args.source}
