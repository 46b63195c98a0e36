"""``noisecircuits cell validate FILE``: check a cell-model document against the published schema."""

from __future__ import annotations

from noisecircuits.commands._common import add_json_flag

__all__ = ["register"]


def _run_validate(args):
    from noisecircuits.cells.json_format import read_json, read_schema_version

    version = read_schema_version(args.file)
    cell = read_json(args.file, on_out_of_range="ignore")
    return {
        "file": str(args.file),
        "valid": True,
        "kind": cell.kind,
        "name": cell.name,
        "schema_version": version,
        "read_as_schema_version": cell.document["schema_version"],
    }


def register(subparsers) -> None:
    """Add ``cell`` (with its ``validate`` sub-command) to the CLI."""
    parser = subparsers.add_parser("cell", help="work with calibrated cell-model documents")
    sub = parser.add_subparsers(dest="cell_command", metavar="WHAT", parser_class=type(parser))
    sub.required = True
    validate = sub.add_parser(
        "validate",
        help="check a cell-model JSON file (schema version 1 or 2): exit 0 if valid, else one line naming "
             "the first problem and exit 2",
        description="Check a cell-model JSON file against noisecircuits/cells/cell.schema.json and the checks a "
                    "schema cannot express (finite laws over the validity range, a positive semi-definite "
                    "covariance). Example: noisecircuits cell validate cell.json",
    )
    validate.add_argument("file", help="cell-model JSON file")
    add_json_flag(validate)
    validate.set_defaults(func=_run_validate)
