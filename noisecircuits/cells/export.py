"""One entry point for writing a cell model in any supported format."""

from __future__ import annotations

from pathlib import Path

from noisecircuits.errors import ParameterError

__all__ = ["EXPORT_FORMATS", "export_cell"]

#: Format names accepted by :func:`export_cell` and ``noisecircuits export --format``.
EXPORT_FORMATS = ("json", "spice", "verilog-a", "csv")


def export_cell(cell, path, format: str) -> Path:  # noqa: A002 - the CLI's option name
    """Write ``cell`` to ``path`` in ``format`` (``json``, ``spice``, ``verilog-a``, ``csv``), atomically.

    Parameters
    ----------
    cell : PBitCellModel, CategoricalCellModel or ContinuousCellModel
        The model (SPICE, Verilog-A and CSV need a p-bit cell) [-].
    path : str or path
        Output file [-].
    format : str
        One of :data:`EXPORT_FORMATS` [-].

    Returns
    -------
    Path
        The written file.
    """
    if format == "json":
        from noisecircuits.cells.json_format import write_json as writer
    elif format == "spice":
        from noisecircuits.cells.spice import write_spice as writer
    elif format == "verilog-a":
        from noisecircuits.cells.verilog_a import write_verilog_a as writer
    elif format == "csv":
        from noisecircuits.cells.csv_format import write_csv as writer
    else:
        raise ParameterError(f"format must be one of {', '.join(EXPORT_FORMATS)}, got {format!r}")
    return Path(writer(cell, path))
