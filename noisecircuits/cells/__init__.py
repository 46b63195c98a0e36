"""Calibrated cell models (versioned JSON) and their exporters (JSON, SPICE, Verilog-A, CSV).

See docs/cells.md. ``load_cell(path)`` reads a cell-model JSON file and returns a
:class:`PBitCellModel`, :class:`CategoricalCellModel` or :class:`ContinuousCellModel`;
``export_cell(cell, path, format)`` writes one; ``calibrate_pbit_cell`` fits a sweep and
writes all four formats.
"""

from __future__ import annotations

from noisecircuits.cells.calibrate import calibrate_pbit_cell, fit_pbit_cell
from noisecircuits.cells.export import EXPORT_FORMATS, export_cell
from noisecircuits.cells.json_format import read_json
from noisecircuits.cells.model import CategoricalCellModel, ContinuousCellModel, PBitCellModel
from noisecircuits.cells.validity import ValidityRangeWarning

__all__ = [
    "load_cell",
    "export_cell",
    "EXPORT_FORMATS",
    "calibrate_pbit_cell",
    "fit_pbit_cell",
    "PBitCellModel",
    "CategoricalCellModel",
    "ContinuousCellModel",
    "ValidityRangeWarning",
]


def load_cell(path, *, on_out_of_range: str = "warn"):
    """Read a calibrated cell model from its JSON file.

    Parameters
    ----------
    path : str or path
        Cell-model JSON (from ``noisecircuits fit transfer`` or :func:`export_cell`) [-].
    on_out_of_range : {"warn", "raise", "ignore"}
        What the model does when evaluated outside its validity range: warn with
        :class:`ValidityRangeWarning`, raise :class:`~noisecircuits.errors.ValidityRangeError`,
        or evaluate silently [-].

    Returns
    -------
    PBitCellModel, CategoricalCellModel or ContinuousCellModel
        The model, by the document's ``kind``.

    Raises
    ------
    DataError
        Unreadable file, invalid JSON, unknown schema version, a missing or mistyped field.
    """
    return read_json(path, on_out_of_range=on_out_of_range)
