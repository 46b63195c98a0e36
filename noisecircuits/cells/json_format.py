"""JSON reader and writer of cell models (the model document itself; exact float round trip).

Floats are written with Python's shortest round-trip ``repr``, so reading a written model
gives bit-identical parameters. ``NaN``/``Infinity`` are not JSON and are refused.
"""

from __future__ import annotations

import json
from pathlib import Path

from noisecircuits._io import atomic_write_text
from noisecircuits.cells.model import cell_from_document
from noisecircuits.errors import DataError

__all__ = ["dumps_cell", "loads_cell", "write_json", "read_json", "read_schema_version"]

_MAX_BYTES = 16 * 1024 * 1024


def _refuse_constant(name):
    raise DataError(f"cell model JSON contains {name}, which is not a number JSON allows")


def dumps_cell(cell) -> str:
    """The cell model's JSON text (indented, keys in schema order)."""
    try:
        # ensure_ascii: every string is escaped to printable ASCII, so no raw control character is written
        return json.dumps(cell.to_document(), indent=2, allow_nan=False, ensure_ascii=True) + "\n"
    except ValueError as exc:
        raise DataError(f"cell model cannot be written as JSON: {exc}") from None


def loads_cell(text, *, on_out_of_range: str = "warn", origin: str = "cell model"):
    """Parse and validate cell-model JSON text (str or bytes); raise DataError for anything wrong."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DataError(f"{origin}: not UTF-8 text") from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise DataError(f"{origin}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise DataError(f"{origin}: JSON nested too deeply") from None
    try:
        return cell_from_document(document, on_out_of_range=on_out_of_range)
    except DataError as exc:
        raise DataError(f"{origin}: {exc}") from None


def write_json(cell, path) -> Path:
    """Write the cell model to ``path`` atomically; returns the path."""
    return atomic_write_text(path, dumps_cell(cell))


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > _MAX_BYTES:
            raise DataError(f"{path}: larger than {_MAX_BYTES // (1024 * 1024)} MiB; not a cell model")
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror})") from None


def read_schema_version(path):
    """The ``schema_version`` a cell-model JSON file declares (None when it declares none) [-]."""
    path = Path(path)
    try:
        document = json.loads(_read_bytes(path).decode("utf-8-sig"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    version = document.get("schema_version") if isinstance(document, dict) else None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def read_json(path, *, on_out_of_range: str = "warn"):
    """Read a cell model from a JSON file.

    Parameters
    ----------
    path : str or path
        JSON file written by :func:`write_json` [-].
    on_out_of_range : {"warn", "raise", "ignore"}
        Behaviour outside the validity range [-].
    """
    path = Path(path)
    return loads_cell(_read_bytes(path), on_out_of_range=on_out_of_range, origin=str(path))
