"""``noisecircuits fit transfer``: fit a p-bit transfer curve and write the calibrated cell model."""

from __future__ import annotations

from noisecircuits.commands._common import (
    add_budget_flags,
    add_json_flag,
    budget_from_args,
    output_errors,
    positive_float,
)

__all__ = ["register"]


# Peak memory and time per CSV row of reading and fitting (measured: 330 bytes on 400 000 rows, and
# 6 us + 4.4 us per row on a shared 2-core machine; the figures below leave a margin). The row count
# is bounded by the file's line breaks.
_BYTES_PER_ROW = 400.0
_SECONDS_PER_ROW = 2e-5


def _check_size(args) -> None:
    from pathlib import Path

    from noisecircuits.budget import check_budget
    from noisecircuits.fitting.data import csv_row_bound

    path = Path(args.data)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return  # sweep results (Parquet) are sized by the sweep that wrote them
    rows = csv_row_bound(path)
    check_budget("fit transfer", memory_bytes=rows * _BYTES_PER_ROW, seconds=rows * _SECONDS_PER_ROW,
                 budget=budget_from_args(args), options=f"the number of rows of {args.data}")


def _run_transfer(args):
    from noisecircuits.cells.calibrate import fit_pbit_cell
    from noisecircuits.cells.export import export_cell

    _check_size(args)
    cell, fit = fit_pbit_cell(args.data, form=args.form, name=args.name, correlation_time_s=args.correlation_time,
                              criterion=args.criterion, correlation_time_rel_stderr=args.correlation_time_rel_stderr)
    with output_errors("--out", args.out):
        path = export_cell(cell, args.out, "json")
    return {
        "kind": args.kind,
        "form": fit.form,
        "parameters": fit.parameters,
        "stderr": fit.stderr,
        "log_likelihood": fit.log_likelihood,
        "n_points": fit.n_points,
        "goodness_of_fit": fit.goodness_of_fit,
        "log_likelihoods": {k: v for k, v in fit.details.items() if k.startswith("log_likelihood_")},
        "correlation_time_source": None if cell.correlation_time_law is None else cell.correlation_time_law["source"],
        "selection": {k: v for k, v in cell.fit_quality.items()
                      if k in ("criterion", "aic", "aicc", "bic", "bias_degree", "activation_degree")
                      or k.startswith(f"{args.criterion}_")},
        "poor_fit": cell.poor_fit,
        "out": str(path),
    }


def register(subparsers) -> None:
    """Add ``fit`` (with its ``transfer`` sub-command) to the CLI."""
    parser = subparsers.add_parser("fit", help="fit measured or simulated data to calibrated cell models")
    sub = parser.add_subparsers(dest="fit_command", metavar="WHAT", parser_class=type(parser))
    sub.required = True
    transfer = sub.add_parser(
        "transfer",
        help="fit P(1) vs v_bias (and temperature) by binomial maximum likelihood; write the cell model JSON",
    )
    transfer.add_argument(
        "data",
        help="lab CSV (v_bias_V,temperature_K,n_ones,n_samples[,n_effective]) or a sweep directory with results.parquet",
    )
    transfer.add_argument("--kind", choices=("pbit",), default="pbit", help="cell kind (default pbit)")
    transfer.add_argument("--out", required=True, help="output cell-model JSON file")
    transfer.add_argument(
        "--form", choices=("auto", "logistic", "probit", "two_rate"), default="auto",
        help="transfer law: logistic or probit sigmoid, two_rate (escape rates k01, k10 fitted jointly to counts and "
             "correlation times, in a fixed bias frame or in the mid-point frame that follows temperature; the "
             "smallest --criterion of both), or auto (every candidate, the smallest --criterion wins)",
    )
    transfer.add_argument("--criterion", choices=("aicc", "aic", "bic"), default="aicc",
                          help="information criterion of --form auto (default aicc)")
    transfer.add_argument(
        "--correlation-time-rel-stderr", type=positive_float, default=0.05, metavar="R",
        help="relative standard error of the measured correlation times, in (0, 10) (default 0.05)",
    )
    transfer.add_argument("--name", default="pbit_cell", help="cell name (identifier; SPICE/Verilog-A name)")
    transfer.add_argument(
        "--correlation-time", type=positive_float, default=None, metavar="S",
        help="correlation time [s] for data without a correlation_time_s column: the cell gets this constant "
             "correlation-time law (marked as given, not fitted), so its SPICE export works (default: none)",
    )
    add_budget_flags(transfer)
    add_json_flag(transfer)
    transfer.set_defaults(func=_run_transfer)
