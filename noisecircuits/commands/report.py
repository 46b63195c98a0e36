"""``noisecircuits report DIR [--cell CELL.json]``: a self-contained HTML page summarising a run directory."""

from __future__ import annotations

from noisecircuits.commands._common import add_budget_flags, add_json_flag, budget_from_args, output_errors


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report of a sweep directory",
        description="Summarise DIR (results.parquet, manifest.json, cell.json, spice_check.json, gibbs.json, "
        "design*.json, energy.json: each section appears when its file exists) in one HTML file with embedded "
        "figures, and write each section's numbers beside it (REPORT_results.csv, ...).",
    )
    parser.add_argument("directory", help="sweep directory")
    parser.add_argument("--out", default=None, help="HTML file to write (default DIR/report.html)")
    parser.add_argument("--cell", default=None, metavar="CELL.json",
                        help="cell model to report and overlay instead of DIR/cell.json (the sweep is not refitted)")
    add_budget_flags(parser)
    add_json_flag(parser)
    parser.set_defaults(func=run)


def run(args) -> dict:
    from noisecircuits.budget import check_budget
    from noisecircuits.commands.plot import FIGURE_BYTES, input_estimate
    from noisecircuits.reporting.report import data_files, write_report

    memory, seconds = input_estimate(args.directory)
    # the report draws up to five figures (transfer, tau, occupations, energy, design front) and may fit once
    check_budget("report", memory_bytes=memory + 5 * FIGURE_BYTES, seconds=4 * seconds, budget=budget_from_args(args),
                 options=f"the size of {args.directory!r}")
    target = args.out if args.out is not None else f"{args.directory}/report.html"
    with output_errors("--out", target):
        path = write_report(args.directory, args.out, cell=args.cell)
    return {"out": str(path), "bytes": path.stat().st_size, "data_files": [str(p) for p in data_files(path)]}
