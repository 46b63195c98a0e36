"""Sweep results for N-d work: units and provenance in the Parquet table, and an xarray/netCDF twin.

A sweep directory holds ``results.parquet`` (the tidy table, one row per point) and
``results.nc``, the same values as an :class:`xarray.Dataset` on the grid's dimensions
(``temperature_K`` × ``v_bias_V``, plus ``mismatch_index`` when the sweep draws mismatch). Both
carry the unit of every column (from its name: ``_V`` volts, ``_K`` kelvin, ``_s`` seconds,
``_W`` watts, ``_J`` joules, ``_F`` farads, ``_A`` amperes; ``1`` for dimensionless numbers)
and the sweep's provenance from its manifest (kind, engine, seed, parameter hash, toolkit
version). In Parquet the units are field metadata (``unit``) and the whole description is
the schema metadata key ``noisecircuits``; the netCDF file (netCDF3, written by scipy, so no
further library is needed) has ``units`` on every variable and the provenance as global
attributes.

:func:`load_sweep` returns either form.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from noisecircuits.errors import DataError, ParameterError

__all__ = ["column_unit", "describe", "write_results", "load_sweep", "GRID_DIMENSIONS"]

#: Coordinates of a sweep grid, in table order.
GRID_DIMENSIONS = ("temperature_K", "v_bias_V", "mismatch_index")
_UNIT_SUFFIXES = {"V": "V", "K": "K", "s": "s", "W": "W", "J": "J", "F": "F", "A": "A", "Hz": "Hz"}
_METADATA_KEY = b"noisecircuits"


def column_unit(name: str, dtype=None) -> str:
    """Unit of a results column from its name (``"V"``, ``"s"``, ...; ``"1"`` dimensionless; ``""`` text)."""
    match = re.search(r"_([A-Za-z]+)$", name)
    if match and match.group(1) in _UNIT_SUFFIXES:
        return _UNIT_SUFFIXES[match.group(1)]
    if dtype is not None and getattr(dtype, "kind", "f") in "OSU":
        return ""
    return "1"


def describe(frame, manifest: dict | None) -> dict:
    """Units of every column and the provenance of the sweep, as one JSON-ready dict."""
    from noisecircuits._version import __version__

    manifest = manifest or {}
    parameters = manifest.get("parameters", {}) if isinstance(manifest.get("parameters"), dict) else {}
    provenance = {
        "toolkit": "noisecircuits",
        "toolkit_version": str(manifest.get("toolkit_version", __version__)),
        "kind": str(parameters.get("kind", "")),
        "engine": str(parameters.get("engine", "")),
        "seed": parameters.get("seed"),
        "parameters_sha256": str(manifest.get("parameters_sha256", "")),
        "created_utc": str(manifest.get("created_utc", "")),
    }
    units = {str(c): column_unit(str(c), frame[c].dtype) for c in frame.columns}
    return {"units": units, "provenance": provenance}


def _parquet(frame, path: Path, description: dict) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from noisecircuits import _io

    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = [field.with_metadata({b"unit": description["units"].get(field.name, "").encode()}) for field in table.schema]
    metadata = dict(table.schema.metadata or {})
    metadata[_METADATA_KEY] = json.dumps(description, sort_keys=True).encode()
    table = table.cast(pa.schema(fields, metadata=metadata))
    with _io.atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def to_dataset(frame, description: dict):
    """The results on the grid's dimensions as an :class:`xarray.Dataset` (units and provenance attached)."""
    import numpy as np
    import xarray as xr

    dims = [d for d in GRID_DIMENSIONS if d in frame.columns]
    if not dims or frame.duplicated(dims).any():
        raise DataError(f"sweep results have no unique grid coordinates {list(GRID_DIMENSIONS)}")
    table = frame.copy()
    for column in table.columns:
        if table[column].dtype == bool:  # netCDF3 has no booleans: 0/1 bytes, said in the attributes
            table[column] = table[column].astype(np.int8)
    dataset = xr.Dataset.from_dataframe(table.set_index(dims))
    for name in list(dataset.variables):
        unit = description["units"].get(str(name), "1")
        if unit:
            dataset[name].attrs["units"] = unit
        if name in frame.columns and frame[name].dtype == bool:
            dataset[name].attrs["flag_values"] = "0 1"
            dataset[name].attrs["flag_meanings"] = "false true"
    for key, value in description["provenance"].items():
        dataset.attrs[key] = "" if value is None else value
    dataset.attrs["title"] = "noisecircuits sweep results"
    return dataset


def _netcdf(frame, path: Path, description: dict) -> None:
    from noisecircuits import _io

    dataset = to_dataset(frame, description)
    with _io.atomic_path(path) as tmp:
        dataset.to_netcdf(tmp, engine="scipy", format="NETCDF3_64BIT")


def write_results(frame, directory, manifest: dict | None, *, parquet_name: str, netcdf_name: str) -> dict:
    """Write ``frame`` as Parquet (with metadata) and netCDF beside it; returns the description."""
    directory = Path(directory)
    description = describe(frame, manifest)
    _parquet(frame, directory / parquet_name, description)
    _netcdf(frame, directory / netcdf_name, description)
    return description


def load_sweep(directory, form: str = "frame"):
    """The results of a sweep directory.

    Parameters
    ----------
    directory : str or os.PathLike
        Output folder of ``noisecircuits sweep`` [-].
    form : str
        ``"frame"``: the tidy pandas DataFrame of ``results.parquet``, with ``frame.attrs``
        holding ``units`` and ``provenance``; ``"dataset"``: the :class:`xarray.Dataset` of
        ``results.nc`` (loaded into memory) [-].
    """
    from noisecircuits.sweeps.layout import RESULTS, RESULTS_NC

    directory = Path(directory)
    if form == "frame":
        import pyarrow.parquet as pq

        path = directory / RESULTS
        if not path.is_file():
            raise DataError(f"{path} not found: run `noisecircuits sweep ... --out {directory}` first")
        table = pq.read_table(path)
        frame = table.to_pandas()
        raw = (table.schema.metadata or {}).get(_METADATA_KEY)
        if raw is not None:
            frame.attrs.update(json.loads(raw))
        return frame
    if form == "dataset":
        import xarray as xr

        path = directory / RESULTS_NC
        if not path.is_file():
            raise DataError(f"{path} not found: run `noisecircuits sweep ... --out {directory}` first")
        with xr.open_dataset(path, engine="scipy") as dataset:
            return dataset.load()
    raise ParameterError(f"form must be 'frame' or 'dataset', got {form!r}")
