"""Reading and validating p-bit transfer data: toolkit sweeps and lab CSV files.

Accepted sources (see docs/fitting.md):

* a pandas DataFrame of a toolkit sweep (columns ``temperature_K, v_bias_V, n_ones,
  n_samples`` and optionally ``n_effective``; other sweep columns such as ``p_one`` or
  ``correlation_time_s`` are kept);
* a sweep directory holding ``results.parquet``, or a ``.parquet`` file;
* a lab CSV file with the header ``v_bias_V,temperature_K,n_ones,n_samples`` and optionally
  ``n_effective``, ``correlation_time_s``, ``correlation_time_stderr_s``, ``supply_power_W``,
  ``mismatch_index`` (any column order; other columns are ignored). ``correlation_time_s``,
  its standard error and ``supply_power_W`` may be NaN
  (empty in a CSV) where not measured. Columns may be separated by commas, semicolons or tabs
  (whichever names the columns in the header line); ``temperature_C`` may replace
  ``temperature_K``. The file is read row by row: memory follows the rows kept, not the file size.

Every problem raises :class:`~noisecircuits.errors.DataError` naming the row and column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from pathlib import Path

import numpy as np
from scipy.constants import zero_Celsius

from noisecircuits.errors import DataError

__all__ = [
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "NULLABLE_COLUMNS",
    "MIN_TEMPERATURE_K",
    "MAX_COUNT",
    "PBitData",
    "parse_pbit_csv",
    "read_pbit_data",
    "csv_row_bound",
    "source_sha256",
]

#: Columns every p-bit transfer table must have.
REQUIRED_COLUMNS = ("v_bias_V", "temperature_K", "n_ones", "n_samples")
#: Columns used when present.
OPTIONAL_COLUMNS = ("n_effective", "correlation_time_s", "correlation_time_stderr_s", "supply_power_W", "mismatch_index")
#: Optional columns where NaN (or an empty CSV field) means "not measured at this point".
NULLABLE_COLUMNS = ("correlation_time_s", "correlation_time_stderr_s", "supply_power_W")

#: Lowest temperature a transfer table may hold; lower values are read as a °C column named in kelvin [K].
MIN_TEMPERATURE_K = 100.0
#: Largest count: integers up to 2^53 are exact in float64 [-].
MAX_COUNT = 2.0**53

_MAX_CSV_BYTES = 200 * 1024 * 1024
# rows per chunk of the streaming CSV reader (memory grows by whole chunks)
_CHUNK_ROWS = 1 << 14
_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}
_REQUIRED_COUNTS = ("v_bias_V", "n_ones", "n_samples")
_DECIMAL_COMMA = re.compile(r"[-+]?[0-9]*,[0-9]+([eE][-+]?[0-9]+)?")


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


def _check_values(columns: dict, origin: str, row_label, *, clip_effective: bool = False) -> None:
    """Range checks shared by every source; ``row_label(i)`` names row ``i`` in messages.

    A ``temperature_C`` column is converted in place to ``temperature_K``. ``n_effective`` above
    ``n_samples`` is refused, or with ``clip_effective`` (toolkit sweeps, whose estimate
    T / (2 tau_c) can exceed the number of samples read when the samples are independent)
    clipped to ``n_samples``.
    """
    for name, values in columns.items():
        bad = np.flatnonzero(np.isinf(values) if name in NULLABLE_COLUMNS else ~np.isfinite(values))
        if bad.size:
            raise DataError(f"{origin}: {row_label(bad[0])}, column {name}: value is not a finite number")
    n_ones, n_samples = columns["n_ones"], columns["n_samples"]
    for name in ("n_ones", "n_samples"):
        values = columns[name]
        bad = np.flatnonzero((values < 0) | (values != np.round(values)) | (values > MAX_COUNT))
        if bad.size:
            raise DataError(
                f"{origin}: {row_label(bad[0])}, column {name}: counts must be integers from 0 to 2^53 "
                f"(exact in floating point), got {values[bad[0]]!r}"
            )
    bad = np.flatnonzero(n_ones > n_samples)
    if bad.size:
        i = bad[0]
        raise DataError(
            f"{origin}: {row_label(i)}, column n_ones: n_ones ({n_ones[i]:g}) exceeds n_samples ({n_samples[i]:g})"
        )
    _check_temperature(columns, origin, row_label)
    if "n_effective" in columns:
        n_eff = columns["n_effective"]
        bad = np.flatnonzero((n_eff < 0) | ((n_eff == 0) & (n_samples > 0)) | ((n_eff > 0) & (n_samples == 0)))
        if bad.size:
            raise DataError(
                f"{origin}: {row_label(bad[0])}, column n_effective: must be > 0 when n_samples > 0 "
                f"(and 0 when n_samples is 0), got {n_eff[bad[0]]!r}"
            )
        bad = np.flatnonzero(n_eff > n_samples)
        if bad.size and clip_effective:
            columns["n_effective"] = np.minimum(n_eff, n_samples)
        elif bad.size:
            i = bad[0]
            raise DataError(
                f"{origin}: {row_label(i)}, column n_effective: n_effective ({n_eff[i]:g}) exceeds n_samples "
                f"({n_samples[i]:g}); correlated samples carry at most as much information as independent ones"
            )
    for name in NULLABLE_COLUMNS:
        if name in columns:
            # a standard error may be 0 (an exact value); the measured quantities must be > 0
            low_ok = columns[name] >= 0 if name == "correlation_time_stderr_s" else columns[name] > 0
            bad = np.flatnonzero(~low_ok & ~np.isnan(columns[name]))
            if bad.size:
                bound = ">= 0" if name == "correlation_time_stderr_s" else "> 0"
                raise DataError(f"{origin}: {row_label(bad[0])}, column {name}: must be {bound}")


def _check_temperature(columns: dict, origin: str, row_label) -> None:
    """Convert ``temperature_C`` to ``temperature_K``; refuse temperatures below :data:`MIN_TEMPERATURE_K`."""
    if "temperature_C" in columns:
        celsius = columns.pop("temperature_C")
        kelvin = celsius + zero_Celsius
        bad = np.flatnonzero(kelvin < MIN_TEMPERATURE_K)
        if bad.size:
            raise DataError(
                f"{origin}: {row_label(bad[0])}, column temperature_C: {celsius[bad[0]]:g} °C is below "
                f"{MIN_TEMPERATURE_K - zero_Celsius:g} °C ({MIN_TEMPERATURE_K:g} K), the lowest temperature read"
            )
        columns["temperature_K"] = kelvin
        return
    kelvin = columns["temperature_K"]
    bad = np.flatnonzero(kelvin < MIN_TEMPERATURE_K)
    if bad.size:
        raise DataError(
            f"{origin}: {row_label(bad[0])}, column temperature_K: {kelvin[bad[0]]:g} K is below "
            f"{MIN_TEMPERATURE_K:g} K; if the column holds °C, name it temperature_C"
        )


def _from_frame(frame, origin: str, sha256: str | None) -> PBitData:
    header = list(frame.columns)
    temperature = _temperature_column(header, origin)
    required = [temperature if c == "temperature_K" else c for c in REQUIRED_COLUMNS]
    missing = [c for c in required if c not in header]
    if missing:
        raise DataError(f"{origin}: missing column(s) {', '.join(missing)}; required: {', '.join(REQUIRED_COLUMNS)}")
    if len(frame) == 0:
        raise DataError(f"{origin}: the table has no rows")
    columns = {}
    for name in (*required, *OPTIONAL_COLUMNS):
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
    _check_values(columns, origin, lambda i: f"row {i}", clip_effective=True)
    if sha256 is None:
        digest = hashlib.sha256()
        for name in sorted(columns):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(columns[name]).tobytes())
        sha256 = digest.hexdigest()
    return PBitData(columns, sha256, origin)


def _parse_number(text: str, origin: str, row: int, name: str, delimiter: str = ",") -> float:
    if name in NULLABLE_COLUMNS and text.lower() in ("", "nan"):
        return float("nan")
    try:
        value = float(text)
    except ValueError:
        hint = ""
        if delimiter != "," and _DECIMAL_COMMA.fullmatch(text):
            hint = " (a decimal comma; write numbers with a decimal point)"
        raise DataError(f"{origin}: row {row}, column {name}: expected a number, got {text!r}{hint}") from None
    if not math.isfinite(value):
        raise DataError(f"{origin}: row {row}, column {name}: value is not a finite number ({text!r})")
    return value


class _HashingReader(io.RawIOBase):
    """A binary file that updates a SHA-256 digest with every byte read through it."""

    def __init__(self, handle):
        self._handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._handle.readinto(buffer)
        if n:
            self.digest.update(memoryview(buffer)[:n])
        return n


def _data_lines(lines, origin: str):
    """Non-blank, non-``#`` lines; DataError for NUL bytes or text that is not UTF-8."""
    try:
        for line in lines:
            if "\x00" in line:
                raise DataError(f"{origin}: the file contains NUL bytes; expected CSV text")
            if line.strip() and not line.lstrip().startswith("#"):
                yield line
    except UnicodeDecodeError:
        raise DataError(f"{origin}: the file is not UTF-8 text") from None


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
    lines = list(_data_lines(raw.splitlines(), origin))
    if not lines:
        raise DataError(f"{origin}: the file is empty; expected a header {expected_header}")
    try:
        return list(csv.reader(io.StringIO("\n".join(lines))))
    except csv.Error as exc:
        raise DataError(f"{origin}: not valid CSV ({exc})") from None


def _header(line: str, origin: str) -> tuple[list[str], str]:
    """Column names and delimiter of a lab CSV header (comma, semicolon or tab, whichever names the columns)."""
    fallback = None
    for delimiter in _DELIMITERS:
        try:
            names = [h.strip() for h in next(csv.reader([line], delimiter=delimiter))]
        except (csv.Error, StopIteration):
            continue
        fallback = fallback or (names, delimiter)
        if all(c in names for c in _REQUIRED_COUNTS) and ("temperature_K" in names or "temperature_C" in names):
            return names, delimiter
    if fallback is None:
        raise DataError(f"{origin}: the header line is not valid CSV")
    names, delimiter = fallback
    if len(names) == 1:
        for other in _DELIMITERS[1:]:
            if other in line:
                delimiter = other
                names = [h.strip() for h in line.split(other)]
                break
    return names, delimiter


def _temperature_column(header: list[str], origin: str) -> str:
    if "temperature_K" in header and "temperature_C" in header:
        raise DataError(f"{origin}: give temperature_K or temperature_C, not both")
    return "temperature_C" if "temperature_C" in header else "temperature_K"


class _Columns:
    """Float64 columns grown in chunks, so memory follows the number of rows kept."""

    def __init__(self, names):
        self._chunks = {n: [] for n in names}
        self._current = {n: np.empty(_CHUNK_ROWS) for n in names}
        self._fill = 0

    def append(self, values: dict) -> None:
        if self._fill == _CHUNK_ROWS:
            for n, chunk in self._current.items():
                self._chunks[n].append(chunk)
                self._current[n] = np.empty(_CHUNK_ROWS)
            self._fill = 0
        for n, value in values.items():
            self._current[n][self._fill] = value
        self._fill += 1

    def arrays(self) -> dict:
        out = {}
        for n in list(self._current):
            parts = self._chunks.pop(n) + [self._current.pop(n)[: self._fill]]
            out[n] = np.concatenate(parts) if len(parts) > 1 else parts[0].copy()
        return out


def _parse_lines(lines, origin: str) -> dict:
    """Parse lab CSV lines (an iterable of str) into float64 columns, one row at a time."""
    lines = iter(_data_lines(lines, origin))
    first = next(lines, None)
    if first is None:
        raise DataError(f"{origin}: the file is empty; expected a header {','.join(REQUIRED_COLUMNS)}")
    header, delimiter = _header(first, origin)
    shown = _DELIMITER_NAMES[delimiter]
    if len(set(header)) != len(header):
        raise DataError(f"{origin}: the header repeats a column name: {','.join(header)}")
    temperature = _temperature_column(header, origin)
    required = [temperature if c == "temperature_K" else c for c in REQUIRED_COLUMNS]
    missing = [c for c in required if c not in header]
    if missing:
        names = ["temperature_K (or temperature_C)" if c == "temperature_K" else c for c in missing]
        raise DataError(
            f"{origin}: missing column(s) {', '.join(names)}; required: {', '.join(REQUIRED_COLUMNS)} "
            f"(the header was read as {len(header)} column(s) separated by {shown}; comma, semicolon and tab are read)"
        )
    wanted = [c for c in (*required, *OPTIONAL_COLUMNS) if c in header]
    index = {c: header.index(c) for c in wanted}
    store = _Columns(wanted)
    n_fields = len(header)
    row = 0
    try:
        for row, fields in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
            if len(fields) != n_fields:
                raise DataError(
                    f"{origin}: row {row}: has {len(fields)} fields, the header has {n_fields} (separated by {shown})"
                )
            store.append({c: _parse_number(fields[index[c]].strip(), origin, row, c, delimiter) for c in wanted})
    except csv.Error as exc:
        raise DataError(f"{origin}: row {row + 1}: not valid CSV ({exc})") from None
    if row == 0:
        raise DataError(f"{origin}: the file has a header but no data rows")
    columns = store.arrays()
    _check_values(columns, origin, lambda i: f"row {i + 1}")
    return columns


def parse_pbit_csv(raw: bytes, *, origin: str = "CSV", sha256: str | None = None) -> PBitData:
    """Parse the bytes of a lab p-bit CSV (header line first; ``#`` lines are comments).

    Rows are numbered from 1 for the first data row. Raises DataError for anything malformed.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline="")
    columns = _parse_lines(text, origin)
    if sha256 is None:
        sha256 = hashlib.sha256(raw).hexdigest()
    return PBitData(columns, sha256, origin)


def _read_csv(path: Path) -> PBitData:
    """Stream a lab CSV from disk: memory follows the rows kept, not the size of the file."""
    origin = str(path)
    try:
        if path.stat().st_size > _MAX_CSV_BYTES:
            raise DataError(f"{origin}: file is larger than {_MAX_CSV_BYTES // (1024 * 1024)} MiB")
        with open(path, "rb") as handle:
            hashing = _HashingReader(handle)
            text = io.TextIOWrapper(io.BufferedReader(hashing, 1 << 16), encoding="utf-8-sig", newline="")
            columns = _parse_lines(text, origin)
            while hashing.read(1 << 20):  # hash what follows the parsed rows too (trailing comments)
                pass
    except OSError as exc:
        raise DataError(f"{origin}: cannot read the file ({exc.strerror})") from None
    return PBitData(columns, hashing.digest.hexdigest(), origin)


def csv_row_bound(path) -> int:
    """Upper bound on the data rows of a CSV file (its line breaks plus one), read in 1 MiB blocks [-]."""
    count = 1
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                count += block.count(b"\n") + block.count(b"\r")
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror})") from None
    return count


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
