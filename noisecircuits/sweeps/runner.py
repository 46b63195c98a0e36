"""Run a sweep into a directory, with checkpoint/resume you can trust.

Directory layout (``DIR``):

* ``manifest.json`` — the full parameter set (:meth:`SweepSpec.parameters`) and its SHA-256,
  toolkit version and the seeding rule, written before any point runs;
* ``points/<point_id>.json`` — one checkpoint per finished point, written atomically as soon
  as it completes, so an interrupted sweep (Ctrl-C, kill, a worker crash) loses only the
  points in flight. Each holds the parameter-set hash, its grid point, its row and a SHA-256
  of the three (:func:`checkpoint_document`);
* ``results.parquet`` (and ``results.csv`` with ``csv=True``) — every finished point, one
  row each, in grid order; rebuilt at the end and on every resume;
* ``.lock`` — held (``fcntl.flock``) by the run that writes the directory; it names the holder.

Running the same sweep again computes only the missing points. A checkpoint that does not
verify (unreadable, another sweep's, another point's, altered) is named in one warning line
and recomputed. A different parameter set, a manifest that cannot be read, or checkpoints
without a manifest are refused unless ``force=True`` (which discards the old sweep). A run
refused before its first point leaves the directory as it found it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import hashlib
import json
import os
import shutil
import socket
import stat
import time
import warnings
from pathlib import Path

from noisecircuits import _io, _validate
from noisecircuits._version import __version__
from noisecircuits.errors import DataError, ParameterError
from noisecircuits.progress import progress
from noisecircuits.sweeps import executors
from noisecircuits.sweeps.grid import SweepSpec, mismatch_seed, parameters_hash, point_id, point_key, point_seed
from noisecircuits.sweeps.layout import LOCK, MANIFEST, POINTS, RESULTS, RESULTS_CSV, RESULTS_NC
from noisecircuits.sweeps.registry import get_kind

__all__ = [
    "run_sweep",
    "read_manifest",
    "load_results",
    "estimate_sweep",
    "check_grid_size",
    "checkpoint_document",
    "SweepCheckpointWarning",
    "MANIFEST",
    "RESULTS",
    "POINTS",
    "CHECKPOINT_FORMAT",
    "BYTES_PER_POINT",
]

MANIFEST_SCHEMA = 2
#: Version of the checkpoint document (points/<point_id>.json).
CHECKPOINT_FORMAT = 2
#: Memory the runner holds per grid point (coordinates, task, row, table cell) [bytes]
BYTES_PER_POINT = 4096


class SweepCheckpointWarning(UserWarning):
    """A checkpoint did not verify; its point is recomputed."""


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=True)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def checkpoint_document(parameters_sha256: str, coordinates: dict, row: dict) -> dict:
    """The checkpoint of one finished point.

    ``content_sha256`` is the SHA-256 of the canonical JSON (sorted keys, no spaces) of
    ``{"format", "parameters_sha256", "point", "row"}``.
    """
    body = {"format": CHECKPOINT_FORMAT, "parameters_sha256": parameters_sha256, "point": dict(coordinates),
            "row": row}
    return {**body, "content_sha256": _sha256(_canonical(body))}


def _read_json(path: Path):
    """Parse ``path`` as JSON; ``(value, None)`` or ``(None, why)``."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, "is missing"
    except IsADirectoryError:
        return None, "is a directory"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror})"
    try:
        return json.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, "is not text (binary content)"
    except (json.JSONDecodeError, RecursionError) as exc:
        return None, f"is not valid JSON ({getattr(exc, 'msg', 'nested too deeply')})"


def _verify_checkpoint(document, parameters_sha256: str, coordinates: dict):
    """The row of a checkpoint that verifies against this sweep and point, else ``(None, why)``."""
    if not isinstance(document, dict):
        return None, f"holds a JSON {type(document).__name__}, not a checkpoint"
    needed = ("format", "parameters_sha256", "point", "row", "content_sha256")
    missing = [k for k in needed if k not in document]
    if missing:
        return None, f"is not a checkpoint (no {missing[0]!r} field)"
    if document["format"] != CHECKPOINT_FORMAT:
        return None, f"has checkpoint format {document['format']!r}, not {CHECKPOINT_FORMAT}"
    body = {k: document[k] for k in ("format", "parameters_sha256", "point", "row")}
    if document["content_sha256"] != _sha256(_canonical(body)):
        return None, "does not match its checksum (altered or damaged)"
    if document["parameters_sha256"] != parameters_sha256:
        return None, "belongs to a sweep with other parameters"
    if not isinstance(document["point"], dict) or point_key(document["point"]) != point_key(coordinates):
        return None, f"belongs to another grid point ({point_key(document['point']) if isinstance(document['point'], dict) else document['point']!r})"
    row = document["row"]
    if not isinstance(row, dict):
        return None, "holds no result row"
    return row, None


def _load_point(path: Path, parameters_sha256: str, coordinates: dict):
    """``(row, None)`` for a verified checkpoint, ``(None, None)`` when there is none, else ``(None, why)``."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None, None
    if not _io.check_regular(mode):
        raise ParameterError(
            f"checkpoint {path} is not a regular file (a directory or special file); remove it, or use --force "
            "to discard the sweep"
        )
    document, why = _read_json(path)
    if why is not None:
        return None, why
    return _verify_checkpoint(document, parameters_sha256, coordinates)


def read_manifest(directory) -> dict:
    """Return the manifest of the sweep in ``directory`` (one clear :class:`DataError` when unusable)."""
    path = Path(directory) / MANIFEST
    document, why = _read_json(path)
    if why == "is missing":
        raise DataError(f"{path} not found: {directory} holds no sweep")
    if why is None and not (isinstance(document, dict) and isinstance(document.get("parameters"), dict)):
        why = f"holds a JSON {type(document).__name__} without a 'parameters' object"
    if why is None and document.get("parameters_sha256", parameters_hash(document["parameters"])) != parameters_hash(
        document["parameters"]
    ):
        why = "does not match its parameters_sha256 (altered or damaged)"
    if why is not None:
        raise DataError(f"{path} {why}: it is not a sweep manifest")
    return document


def _first_difference(old: dict, new: dict) -> str:
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            return f"{key} was {old.get(key)!r}, now {new.get(key)!r}"
    return ""


@contextlib.contextmanager
def _locked(directory: Path):
    """Hold an exclusive ``flock`` on ``DIR/.lock`` while the body runs; refuse if another run holds it."""
    path = directory / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "an unknown process"
            raise ParameterError(
                f"--out {str(directory)!r} is being written by another sweep ({holder}); wait for it to finish "
                "or choose another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def _remove_stale_temporaries(directory: Path) -> int:
    """Delete what interrupted atomic writes left (``.*.tmp``) in the sweep directory; return the count."""
    removed = 0
    for folder in (directory, directory / POINTS):
        if not folder.is_dir():
            continue
        for path in folder.glob(f".*{_io.TEMP_SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                if _io.check_regular(os.lstat(path).st_mode):
                    path.unlink()
                    removed += 1
    return removed


def _discard(directory: Path) -> None:
    """Remove a previous sweep's manifest, checkpoints and results (``--force``)."""
    for name in (POINTS, RESULTS, RESULTS_CSV, RESULTS_NC, MANIFEST):
        path = directory / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _check_previous(directory: Path, parameters: dict, force: bool) -> None:
    """Refuse (or with ``force`` discard) a previous sweep in ``directory`` that this one must not resume."""
    manifest_path = directory / MANIFEST
    hint = "use --force to discard it or choose another --out"
    if manifest_path.exists() or manifest_path.is_symlink():
        try:
            old = read_manifest(directory)
        except DataError as exc:
            if not force:
                raise ParameterError(f"{exc}; {hint}") from None
            _discard(directory)
            return
        if old.get("parameters") != parameters:
            if not force:
                raise ParameterError(
                    f"{directory} holds a sweep with different parameters "
                    f"({_first_difference(old.get('parameters', {}), parameters)}); {hint}"
                )
            _discard(directory)
        return
    leftovers = [p for p in (directory / POINTS, directory / RESULTS, directory / RESULTS_CSV, directory / RESULTS_NC)
                 if p.exists()]
    if (directory / POINTS).is_dir() and not any((directory / POINTS).iterdir()):
        leftovers = [p for p in leftovers if p != directory / POINTS]
    if leftovers:
        if not force:
            raise ParameterError(
                f"{directory} holds sweep results ({leftovers[0].name}) but no {MANIFEST}, so they may belong to "
                f"another sweep; {hint}"
            )
        _discard(directory)


def _write_manifest(directory: Path, spec: SweepSpec, parameters: dict, phash: str) -> None:
    from noisecircuits.circuits.transfer import MAX_AUTO_STEPS, MIN_DURATION, MIN_SWITCHES, TARGET_SWITCHES

    manifest = {
        "schema": MANIFEST_SCHEMA,
        "toolkit_version": __version__,
        "parameters": parameters,
        "parameters_sha256": phash,
        "n_points": len(spec),
        "columns_by_coordinate": ["temperature_K", "v_bias_V"] + (["mismatch_index"] if spec.mismatch_samples else []),
        "seeding": "point seed = SeedSequence(entropy=seed, spawn_key=sha256('point:'+key)[:16]); "
        "mismatch seed = SeedSequence(entropy=seed, spawn_key=sha256('mismatch:'+index)[:16])",
        "checkpoint": f"format {CHECKPOINT_FORMAT}: parameters_sha256, point, row, content_sha256 "
        "(SHA-256 of the canonical JSON of format, parameters_sha256, point and row)",
        "min_switches": MIN_SWITCHES,
    }
    if parameters["duration_s"] is None:
        manifest["duration_rule"] = (
            f"per point: {TARGET_SWITCHES} expected switching events from the exact correlation time, "
            f"at least {MIN_DURATION:g} s, at most {MAX_AUTO_STEPS:g} steps"
        )
    _io.atomic_write_text(directory / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _consolidate(directory: Path, spec: SweepSpec, rows: dict, write_csv: bool):
    import pandas as pd

    from noisecircuits.sweeps.dataset import write_results

    frame = pd.DataFrame([rows[point_id(c)] for c in spec.coordinates() if point_id(c) in rows])
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    write_results(frame, directory, manifest, parquet_name=RESULTS, netcdf_name=RESULTS_NC)
    if write_csv:
        _io.write_table(frame, directory / RESULTS_CSV)
    return frame


def _flatten(value):
    """Turn numpy scalars/arrays and lists into JSON-ready values."""
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _row_for(coords: dict, spec: SweepSpec, result: dict) -> dict:
    if not isinstance(result, dict):
        raise DataError(f"a point function must return a dict, got {type(result).__name__}")
    if {"p_one", "p_one_stderr", "n_effective", "n_switches"} <= set(result) and "low_switching" not in result:
        from noisecircuits.circuits.transfer import honest_binary_point

        result = honest_binary_point(result)
    row = dict(coords)
    for key, value in result.items():
        value = _flatten(value)
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                row[f"{key}_{i}"] = _flatten(item)
        else:
            row[key] = value
    row["seed"] = spec.seed
    row["point_id"] = point_id(coords)
    return row


def estimate_sweep(spec: SweepSpec) -> tuple[float, float]:
    """Up-front size of a sweep: ``(memory_bytes, seconds)`` on one worker.

    Memory is :data:`BYTES_PER_POINT` per grid point (checked first, from the grid size
    alone); the time comes from the kind's step or dwell count
    (:func:`noisecircuits.sweeps.circuit_kinds.estimate_seconds`).
    """
    from noisecircuits.sweeps.circuit_kinds import estimate_seconds

    return float(len(spec)) * BYTES_PER_POINT, estimate_seconds(spec)


def check_grid_size(kind: str, n_points: int, budget=None) -> None:
    """Refuse a grid whose bookkeeping alone would exceed the memory limit (before the grid is built)."""
    from noisecircuits.budget import check_budget

    check_budget(f"sweep {kind} ({n_points} point{'s' if n_points != 1 else ''})", memory_bytes=float(n_points) * BYTES_PER_POINT, budget=budget,
                 options="--temperatures/--biases/--mismatch-samples")


def _check_size(spec: SweepSpec, budget) -> None:
    from noisecircuits.budget import check_budget
    from noisecircuits.sweeps.circuit_kinds import estimate_seconds

    check_grid_size(spec.kind, len(spec), budget)
    check_budget(f"sweep {spec.kind} ({len(spec)} point{'s' if len(spec) != 1 else ''})", seconds=estimate_seconds(spec), budget=budget,
                 options="--duration or the grid")


def run_sweep(spec: SweepSpec, directory, *, workers=1, scheduler=None, force=False, csv=False, show_progress=None,
              budget=None):
    """Run (or resume) ``spec`` into ``directory``.

    Parameters
    ----------
    spec : SweepSpec
        The sweep.
    directory : str or Path
        Output directory (created if needed).
    workers : int
        Local worker processes; 1 runs in this process [-].
    scheduler : str or None
        Address of a Dask distributed scheduler (``tcp://host:port``); overrides ``workers``.
    force : bool
        Discard a previous sweep with different parameters (or an unreadable one) in ``directory``.
    csv : bool
        Also write ``results.csv``.
    show_progress : bool or None
        Progress bar on stderr: ``None`` when stderr is a terminal; ``False`` prints only
        the final summary line.
    budget : noisecircuits.budget.Budget, optional
        Memory and time limits checked before anything runs; default from the environment.

    Returns
    -------
    dict
        ``out``, ``results`` (path), ``n_points``, ``n_computed``, ``n_resumed``, ``wall_s``,
        ``workers`` (local processes used; None on a Dask cluster), ``scheduler``,
        ``n_recomputed`` (checkpoints that did not verify), ``n_low_switching``.
    """
    kind = get_kind(spec.kind)
    if spec.engine not in kind.engines:
        raise ParameterError(f"kind {spec.kind} supports engine {', '.join(kind.engines)}, got {spec.engine!r}")
    workers = _validate.positive_int("workers", workers)
    if not str(directory).strip():
        raise ParameterError("--out must name a directory, got an empty string")
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ParameterError(f"--out must be a directory, got the file {str(directory)!r}")
    start = time.perf_counter()
    if spec.duration is None and not (kind.auto_duration and spec.engine == "sde"):
        spec = dataclasses.replace(spec, duration=kind.default_duration)  # recorded, so a resume can compare it
    _check_size(spec, budget)
    client = executors.connect_dask(scheduler) if scheduler is not None else None  # before the first byte
    created = not directory.exists()
    state = {"written": 0}
    try:
        directory.mkdir(parents=True, exist_ok=True)
        existing = {name for name in (MANIFEST, RESULTS, RESULTS_CSV, RESULTS_NC, LOCK, POINTS)
                    if os.path.lexists(directory / name)}
        with _locked(directory):
            try:
                summary = _run_locked(spec, kind, directory, workers, client, force, csv, show_progress, state)
            except Exception:
                if state["written"] == 0 and MANIFEST not in existing:
                    _undo(directory, created, existing)  # a refused or failed first run leaves nothing behind
                raise
    except BaseException:
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
        if created and state["written"] == 0 and directory.exists() and not (directory / MANIFEST).exists():
            shutil.rmtree(directory, ignore_errors=True)
        raise
    summary["wall_s"] = time.perf_counter() - start
    summary["scheduler"] = scheduler
    return summary


def _undo(directory: Path, created: bool, existing: set) -> None:
    """Remove what this (refused or failed) run created, and nothing that was there before it."""
    if created:
        shutil.rmtree(directory, ignore_errors=True)
        return
    for name in (MANIFEST, RESULTS, RESULTS_CSV, RESULTS_NC, LOCK):
        if name not in existing:
            with contextlib.suppress(FileNotFoundError):
                (directory / name).unlink()
    if POINTS not in existing:
        with contextlib.suppress(OSError):
            (directory / POINTS).rmdir()  # only when empty


def _run_locked(spec, kind, directory, workers, client, force, csv, show_progress, state):
    parameters = spec.parameters()
    phash = parameters_hash(parameters)
    _check_previous(directory, parameters, force)
    for name in (MANIFEST, RESULTS, RESULTS_CSV, RESULTS_NC, POINTS):
        path = directory / name
        with contextlib.suppress(FileNotFoundError):
            mode = os.lstat(path).st_mode
            ok = stat.S_ISDIR(mode) if name == POINTS else _io.check_regular(mode)
            if not ok:
                what = "a directory" if name == POINTS else "a regular file"
                if not force:
                    raise ParameterError(f"{path} is not {what}; remove it, or use --force to discard the sweep")
                _discard(directory)
    _remove_stale_temporaries(directory)
    (directory / POINTS).mkdir(parents=True, exist_ok=True)
    _write_manifest(directory, spec, parameters, phash)
    coordinates = spec.coordinates()
    rows, tasks, recomputed = {}, [], 0
    for index, coords in enumerate(coordinates):
        path = directory / POINTS / f"{point_id(coords)}.json"
        row, why = _load_point(path, phash, coords)
        if row is not None:
            rows[point_id(coords)] = row
            continue  # finished in an earlier run
        if why is not None:
            recomputed += 1
            warnings.warn(f"checkpoint {path} {why}; recomputing its point", SweepCheckpointWarning, stacklevel=3)
        params = dict(coords)
        params.setdefault("mismatch_index", None)
        params.update({"duration_s": spec.duration, "engine": spec.engine, "options": spec.options})
        instance = mismatch_seed(spec.seed, coords["mismatch_index"]) if "mismatch_index" in coords else None
        tasks.append((index, (kind.function, params, point_seed(spec.seed, coords), instance)))
    n_resumed = len(coordinates) - len(tasks)
    if client is not None:
        stream = executors.run_dask(tasks, client)
        processes = None  # as many as the cluster has
    elif workers > 1 and len(tasks) > 1:
        processes = min(workers, len(tasks))
        stream = executors.run_process_pool(tasks, processes)
    else:
        processes = 1
        stream = executors.run_inline(tasks)
    bar = progress(len(coordinates), f"sweep {spec.kind}", unit="point", enabled=show_progress, initial=n_resumed)
    try:
        with bar:
            for index, result in stream:
                coords = coordinates[index]
                row = _row_for(coords, spec, result)
                document = checkpoint_document(phash, coords, row)
                _io.atomic_write_text(directory / POINTS / f"{point_id(coords)}.json",
                                      json.dumps(document, allow_nan=True) + "\n")
                rows[point_id(coords)] = row
                state["written"] += 1
                bar.update()
    except BaseException:
        if rows:
            with contextlib.suppress(Exception):
                _consolidate(directory, spec, rows, csv)
        raise
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    _consolidate(directory, spec, rows, csv)
    low = sum(1 for r in rows.values() if r.get("low_switching") is True)
    summary = {
        "out": str(directory),
        "results": str(directory / RESULTS),
        "n_points": len(coordinates),
        "n_computed": len(tasks),
        "n_resumed": n_resumed,
        "n_recomputed": recomputed,
        "n_low_switching": low,
        "workers": processes,
    }
    return summary


def load_results(directory):
    """Return the sweep results in ``directory`` as a pandas DataFrame (grid order; units and
    provenance in ``frame.attrs``, see :func:`noisecircuits.sweeps.dataset.load_sweep`)."""
    from noisecircuits.sweeps.dataset import load_sweep

    return load_sweep(directory, "frame")
