"""Reading and validating p-bit transfer data: toolkit sweeps and lab CSV files.

Accepted sources (see docs/fitting.md):

* a pandas DataFrame of a toolkit sweep (columns ``temperature_K, v_bias_V, n_ones,
  n_samples`` and optionally ``n_effective``; other sweep columns such as ``p_one`` or
  ``correlation_time_s`` are kept);
* a sweep directory holding ``results.parquet``, or a ``.parquet`` file;
* a lab CSV file with the header ``v_bias_V,temperature_K,n_ones,n_samples`` and optionally
  ``n_effective``, ``correlation_time_s``, ``supply_power_W``, ``mismatch_index`` (any column
  order; other columns are ignored). ``correlation_time_s`` and ``supply_power_W`` may be NaN
  (empty in a CSV) where not measured.

Every problem raises :class:`~noisecircuits.errors.DataError` naming the row and column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from pathlib import Path

import numpy as np

from noisecircuits.errors import DataError

__all__ = [
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "NULLABLE_COLUMNS",
    "PBitData",
    "parse_pbit_csv",
    "read_pbit_data",
    "source_sha256",
]

#: Columns every p-bit transfer table must have.
REQUIRED_COLUMNS = ("v_bias_V", "temperature_K", "n_ones", "n_samples")
#: Columns used when present.
OPTIONAL_COLUMNS = ("n_effective", "correlation_time_s", "supply_power_W", "mismatch_index")
#: Optional columns where NaN (or an empty CSV field) means "not measured at this point".
NULLABLE_COLUMNS = ("correlation_time_s", "supply_power_W")

_MAX_CSV_BYTES = 200 * 1024 * 1024


class PBitData:
    """Validated p-bit transfer data, one entry per (temperature, bias) point.

    Attributes
    ----------
    columns : dict of str to ndarray
        float64 arrays for the required columns and any optional column present [units in names].
    sha256 : str or None
        SHA-256 of the source file(s) when read from disk, else of the table's values [-].
    origin : str
        Where the data came from (path or ``"DataFrame"``) [-].
    """

    def __init__(self, columns: dict, sha256: str | None, origin: str):
        self.columns = columns
        self.sha256 = sha256
        self.origin = origin

    def __len__(self) -> int:
        return len(self.columns["v_bias_V"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    @property
    def n_effective(self) -> np.ndarray:
        """Effective binomial n per point: ``n_effective`` when given, else ``n_samples`` [-]."""
        if "n_effective" in self.columns:
            return self.columns["n_effective"]
        return self.columns["n_samples"]

    @property
    def ones_effective(self) -> np.ndarray:
        """``n_ones`` scaled to the effective sample size, ``n_ones * n_eff / n_samples`` [-]."""
        n = self.columns["n_samples"]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, self.columns["n_ones"] * self.n_effective / np.where(n > 0, n, 1), 0.0)


def source_sha256(path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_values(columns: dict, origin: str, row_label) -> None:
    """Range checks shared by every source; ``row_label(i)`` names row ``i`` in messages."""
    for name, values in columns.items():
        bad = np.flatnonzero(np.isinf(values) if name in NULLABLE_COLUMNS else ~np.isfinite(values))
        if bad.size:
            raise DataError(f"{origin}: {row_label(bad[0])}, column {name}: value is not a finite number")
    n_ones, n_samples = columns["n_ones"], columns["n_samples"]
    for name in ("n_ones", "n_samples"):
        values = columns[name]
        bad = np.flatnonzero((values < 0) | (values != np.round(values)))
        if bad.size:
            raise DataError(
                f"{origin}: {row_label(bad[0])}, column {name}: counts must be integers >= 0, got {values[bad[0]]!r}"
            )
    bad = np.flatnonzero(n_ones > n_samples)
    if bad.size:
        i = bad[0]
        raise DataError(
            f"{origin}: {row_label(i)}, column n_ones: n_ones ({n_ones[i]:g}) exceeds n_samples ({n_samples[i]:g})"
        )
    bad = np.flatnonzero(columns["temperature_K"] <= 0)
    if bad.size:
        raise DataError(f"{origin}: {row_label(bad[0])}, column temperature_K: must be > 0 K")
    if "n_effective" in columns:
        n_eff = columns["n_effective"]
        bad = np.flatnonzero((n_eff < 0) | ((n_eff == 0) & (n_samples > 0)) | ((n_eff > 0) & (n_samples == 0)))
        if bad.size:
            raise DataError(
                f"{origin}: {row_label(bad[0])}, column n_effective: must be > 0 when n_samples > 0 "
                f"(and 0 when n_samples is 0), got {n_eff[bad[0]]!r}"
            )
    for name in NULLABLE_COLUMNS:
        if name in columns:
            bad = np.flatnonzero(~(columns[name] > 0) & ~np.isnan(columns[name]))
            if bad.size:
                raise DataError(f"{origin}: {row_label(bad[0])}, column {name}: must be > 0")


def _from_frame(frame, origin: str, sha256: str | None) -> PBitData:
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{origin}: missing column(s) {', '.join(missing)}; required: {', '.join(REQUIRED_COLUMNS)}")
    if len(frame) == 0:
        raise DataError(f"{origin}: the table has no rows")
    columns = {}
    for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        if name not in frame.columns:
            continue
        series = frame[name]
        try:
            values = np.asarray(series.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        except (TypeError, ValueError):
            values = np.empty(len(series))
            for i, item in enumerate(series.tolist()):
                try:
                    values[i] = float(item)
                except (TypeError, ValueError):
                    raise DataError(f"{origin}: row {i}, column {name}: expected a number, got {item!r}") from None
        columns[name] = values
    _check_values(columns, origin, lambda i: f"row {i}")
    if sha256 is None:
        digest = hashlib.sha256()
        for name in sorted(columns):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(columns[name]).tobytes())
        sha256 = digest.hexdigest()
    return PBitData(columns, sha256, origin)


def _parse_number(text: str, origin: str, row: int, name: str) -> float:
    if name in NULLABLE_COLUMNS and text.lower() in ("", "nan"):
        return float("nan")
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{origin}: row {row}, column {name}: expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise DataError(f"{origin}: row {row}, column {name}: value is not a finite number ({text!r})")
    return value


def _read_csv(path: Path) -> PBitData:
    origin = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{origin}: cannot read the file ({exc.strerror})") from None
    if len(raw) > _MAX_CSV_BYTES:
        raise DataError(f"{origin}: file is larger than {_MAX_CSV_BYTES // (1024 * 1024)} MiB")
    return parse_pbit_csv(raw, origin=origin, sha256=hashlib.sha256(raw).hexdigest())


def csv_rows(raw, *, origin: str, expected_header: str) -> list[list[str]]:
    """Split CSV text or UTF-8 bytes into rows, skipping blank and ``#`` comment lines.

    The first row returned is the header. Raises DataError (naming ``origin``) for text that
    is not UTF-8, contains NUL bytes, has no header line or is not valid CSV.
    """
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DataError(f"{origin}: the file is not UTF-8 text") from None
    if "\x00" in raw:
        raise DataError(f"{origin}: the file contains NUL bytes; expected CSV text")
    lines = [line for line in raw.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise DataError(f"{origin}: the file is empty; expected a header {expected_header}")
    try:
        return list(csv.reader(io.StringIO("\n".join(lines))))
    except csv.Error as exc:
        raise DataError(f"{origin}: not valid CSV ({exc})") from None


def parse_pbit_csv(raw: bytes, *, origin: str = "CSV", sha256: str | None = None) -> PBitData:
    """Parse the bytes of a lab p-bit CSV (header line first; ``#`` lines are comments).

    Rows are numbered from 1 for the first data row. Raises DataError for anything malformed.
    """
    rows = csv_rows(raw, origin=origin, expected_header=",".join(REQUIRED_COLUMNS))
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header):
        raise DataError(f"{origin}: the header repeats a column name: {','.join(header)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DataError(f"{origin}: missing column(s) {', '.join(missing)}; required: {', '.join(REQUIRED_COLUMNS)}")
    body = rows[1:]
    if not body:
        raise DataError(f"{origin}: the file has a header but no data rows")
    wanted = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in header]
    index = {c: header.index(c) for c in wanted}
    columns = {c: np.empty(len(body)) for c in wanted}
    for r, fields in enumerate(body, start=1):
        if len(fields) != len(header):
            raise DataError(f"{origin}: row {r}: has {len(fields)} fields, the header has {len(header)}")
        for c in wanted:
            columns[c][r - 1] = _parse_number(fields[index[c]].strip(), origin, r, c)
    _check_values(columns, origin, lambda i: f"row {i + 1}")
    if sha256 is None:
        sha256 = hashlib.sha256(raw).hexdigest()
    return PBitData(columns, sha256, origin)


def read_pbit_data(source) -> PBitData:
    """Read and validate p-bit transfer data.

    Parameters
    ----------
    source : pandas.DataFrame, PBitData, str or path
        A sweep DataFrame, a sweep directory with ``results.parquet``, a ``.parquet`` file or a
        lab ``.csv`` file [-].

    Returns
    -------
    PBitData
        Validated float64 columns.

    Raises
    ------
    DataError
        Missing file or column, text in a number column, NaN, negative or non-integer counts,
        ``n_ones > n_samples``, an empty table; the message names the row and column.
    """
    if isinstance(source, PBitData):
        return source
    if hasattr(source, "columns") and hasattr(source, "to_numpy"):
        return _from_frame(source, "DataFrame", None)
    if not isinstance(source, (str, Path)):
        raise DataError(f"data source must be a DataFrame, a CSV/Parquet file or a sweep directory, got {type(source).__name__}")
    path = Path(source)
    if path.is_dir():
        path = path / "results.parquet"
        if not path.is_file():
            raise DataError(f"{source}: sweep directory has no results.parquet")
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".parquet":
        import pandas as pd

        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types for a corrupt file
            raise DataError(f"{path}: cannot read Parquet ({type(exc).__name__})") from None
        return _from_frame(frame, str(path), source_sha256(path))
    raise DataError(f"{path}: expected a .csv or .parquet file or a sweep directory")
