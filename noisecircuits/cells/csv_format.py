"""CSV lookup-table export of a p-bit cell model (and its reader; exact float round trip).

Rows cover a bias grid across the validity range at a few temperatures; columns
``temperature_K, v_bias_V, p_one`` and, when the model has them, ``correlation_time_s``,
``supply_power_W``, ``energy_per_sample_J``. Header lines start with ``#`` and carry the
provenance. Numbers are written with Python's shortest round-trip ``repr``, so
:func:`read_lookup_csv` returns exactly the values the model computed.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from noisecircuits._io import atomic_write_text
from noisecircuits.cells._header import check_export_text, provenance_lines
from noisecircuits.errors import DataError, ParameterError
from noisecircuits.fitting.data import csv_rows

__all__ = ["lookup_table", "render_csv", "write_csv", "read_lookup_csv", "parse_lookup_csv"]

_BASE_COLUMNS = ("temperature_K", "v_bias_V", "p_one")
_TIMING_COLUMNS = ("correlation_time_s", "supply_power_W", "energy_per_sample_J")
_MAX_BYTES = 200 * 1024 * 1024


def lookup_table(cell, *, n_bias: int = 101, n_temperature: int = 5) -> dict:
    """The lookup table as a dict of float64 columns.

    Parameters
    ----------
    cell : PBitCellModel
        p-bit cell model [-].
    n_bias : int
        Number of bias points across the validity range [-].
    n_temperature : int
        Number of temperatures across the validity range (1 when the range is a single temperature) [-].
    """
    if cell.kind != "pbit":
        raise DataError(f"CSV export supports p-bit cells only, got kind {cell.kind!r}")
    if isinstance(n_bias, bool) or not isinstance(n_bias, int) or n_bias < 2:
        raise ParameterError(f"n_bias must be an integer >= 2, got {n_bias!r}")
    if isinstance(n_temperature, bool) or not isinstance(n_temperature, int) or n_temperature < 1:
        raise ParameterError(f"n_temperature must be an integer >= 1, got {n_temperature!r}")
    validity = cell.validity
    v = np.linspace(*validity["v_bias_V"], n_bias)
    t = np.unique(np.linspace(*validity["temperature_K"], n_temperature))
    tt, vv = (a.ravel() for a in np.meshgrid(t, v, indexing="ij"))
    columns = {"temperature_K": tt, "v_bias_V": vv, "p_one": np.asarray(cell.p_one(vv, tt), dtype=float)}
    if cell.correlation_time_law is not None and cell.supply_power_law is not None:
        columns["correlation_time_s"] = np.asarray(cell.correlation_time(vv, tt), dtype=float)
        columns["supply_power_W"] = np.asarray(cell.supply_power(tt), dtype=float)
        columns["energy_per_sample_J"] = np.asarray(cell.energy_per_sample(vv, tt), dtype=float)
    return columns


def render_csv(cell, **grid) -> str:
    """CSV text of the lookup table with a ``#`` provenance header."""
    columns = lookup_table(cell, **grid)
    out = io.StringIO()
    for line in provenance_lines(cell):
        out.write(f"# {line}\n")
    out.write(f"# form: {cell.form}; units in column names\n")
    names = list(columns)
    out.write(",".join(names) + "\n")
    for row in zip(*(columns[n] for n in names), strict=True):
        out.write(",".join(repr(float(x)) for x in row) + "\n")
    return check_export_text(out.getvalue(), "CSV")


def write_csv(cell, path, **grid) -> Path:
    """Write the lookup table to ``path`` atomically; returns the path."""
    return atomic_write_text(path, render_csv(cell, **grid))


def parse_lookup_csv(raw, *, origin: str = "lookup CSV") -> dict:
    """Parse lookup-table CSV text or bytes into float64 columns; any problem raises DataError."""
    rows = csv_rows(raw, origin=origin, expected_header=",".join(_BASE_COLUMNS) + ",...")
    header = [h.strip() for h in rows[0]]
    allowed = (*_BASE_COLUMNS, *_TIMING_COLUMNS)
    unknown = [h for h in header if h not in allowed]
    if unknown:
        raise DataError(f"{origin}: unknown column {unknown[0]!r}; allowed: {', '.join(allowed)}")
    missing = [c for c in _BASE_COLUMNS if c not in header]
    if missing or len(set(header)) != len(header):
        raise DataError(f"{origin}: the header must name {', '.join(_BASE_COLUMNS)} once each, got {','.join(header)}")
    body = rows[1:]
    if not body:
        raise DataError(f"{origin}: no data rows")
    columns = {h: np.empty(len(body)) for h in header}
    for r, fields in enumerate(body, start=1):
        if len(fields) != len(header):
            raise DataError(f"{origin}: row {r}: has {len(fields)} fields, the header has {len(header)}")
        for h, text in zip(header, fields, strict=True):
            try:
                value = float(text)
            except ValueError:
                raise DataError(f"{origin}: row {r}, column {h}: expected a number, got {text!r}") from None
            if not math.isfinite(value):
                raise DataError(f"{origin}: row {r}, column {h}: value is not a finite number ({text!r})")
            columns[h][r - 1] = value
    return columns


def read_lookup_csv(path) -> dict:
    """Read a lookup table written by :func:`write_csv` into float64 columns."""
    path = Path(path)
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise DataError(f"{path}: larger than {_MAX_BYTES // (1024 * 1024)} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror})") from None
    return parse_lookup_csv(raw, origin=str(path))
