"""Run a sweep into a directory, with checkpoint/resume.

Directory layout (``DIR``):

* ``manifest.json`` — the full parameter set (:meth:`SweepSpec.parameters`), toolkit version
  and sweep seed, written before any point runs;
* ``points/<point_id>.json`` — one small file per finished point, written atomically as
  soon as it completes, so an interrupted sweep (Ctrl-C, kill, a worker crash) loses only
  the points in flight;
* ``results.parquet`` (and ``results.csv`` with ``csv=True``) — every finished point, one
  row each, in grid order; rebuilt at the end and on every resume.

Running the same sweep again computes only the missing points. A different parameter set
in the same directory is refused unless ``force=True`` (which discards the old points).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
import time
from pathlib import Path

from noisecircuits import _io, _validate
from noisecircuits._version import __version__
from noisecircuits.errors import DataError, ParameterError
from noisecircuits.progress import progress
from noisecircuits.sweeps import executors
from noisecircuits.sweeps.grid import SweepSpec, mismatch_seed, point_id, point_seed
from noisecircuits.sweeps.layout import MANIFEST, POINTS, RESULTS, RESULTS_CSV
from noisecircuits.sweeps.registry import get_kind

__all__ = ["run_sweep", "read_manifest", "load_results", "MANIFEST", "RESULTS", "POINTS"]

MANIFEST_SCHEMA = 1


def read_manifest(directory) -> dict:
    """Return the manifest of the sweep in ``directory``."""
    path = Path(directory) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path} not found: {directory} holds no sweep") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON ({exc})") from None


def _first_difference(old: dict, new: dict) -> str:
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            return f"{key} was {old.get(key)!r}, now {new.get(key)!r}"
    return ""


def _prepare_directory(directory: Path, spec: SweepSpec, force: bool) -> None:
    parameters = spec.parameters()
    manifest_path = directory / MANIFEST
    if manifest_path.exists():
        old = read_manifest(directory).get("parameters", {})
        if old != parameters:
            if not force:
                raise ParameterError(
                    f"{directory} holds a sweep with different parameters ({_first_difference(old, parameters)}); "
                    "use --force to discard it or choose another --out"
                )
            shutil.rmtree(directory / POINTS, ignore_errors=True)
            for name in (RESULTS, RESULTS_CSV):
                with contextlib.suppress(FileNotFoundError):
                    (directory / name).unlink()
    (directory / POINTS).mkdir(parents=True, exist_ok=True)
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "toolkit_version": __version__,
        "parameters": parameters,
        "n_points": len(spec),
        "columns_by_coordinate": ["temperature_K", "v_bias_V"] + (["mismatch_index"] if spec.mismatch_samples else []),
        "seeding": "point seed = SeedSequence(entropy=seed, spawn_key=sha256('point:'+key)[:16]); "
        "mismatch seed = SeedSequence(entropy=seed, spawn_key=sha256('mismatch:'+index)[:16])",
    }
    _io.atomic_write_text(manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _read_point(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _consolidate(directory: Path, spec: SweepSpec, write_csv: bool):
    import pandas as pd

    rows = []
    for coords in spec.coordinates():
        row = _read_point(directory / POINTS / f"{point_id(coords)}.json")
        if row is not None:
            rows.append(row)
    frame = pd.DataFrame(rows)
    _io.write_table(frame, directory / RESULTS)
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


def run_sweep(spec: SweepSpec, directory, *, workers=1, scheduler=None, force=False, csv=False, show_progress=None):
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
        Discard a previous sweep with different parameters in ``directory``.
    csv : bool
        Also write ``results.csv``.
    show_progress : bool or None
        Progress bar on stderr: ``None`` when stderr is a terminal; ``False`` prints only
        the final summary line.

    Returns
    -------
    dict
        ``out``, ``results`` (path), ``n_points``, ``n_computed``, ``n_resumed``, ``wall_s``,
        ``workers`` (local processes used; None on a Dask cluster), ``scheduler``.
    """
    kind = get_kind(spec.kind)
    if spec.engine not in kind.engines:
        raise ParameterError(f"kind {spec.kind} supports engine {', '.join(kind.engines)}, got {spec.engine!r}")
    workers = _validate.positive_int("workers", workers)
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ParameterError(f"--out must be a directory, got the file {str(directory)!r}")
    start = time.perf_counter()
    if spec.duration is None:  # record the duration actually used, so a resume can compare it
        spec = dataclasses.replace(spec, duration=kind.default_duration)
    _prepare_directory(directory, spec, force)
    duration = spec.duration
    coordinates = spec.coordinates()
    done = {p.stem for p in (directory / POINTS).glob("*.json")}
    tasks = []
    for index, coords in enumerate(coordinates):
        if point_id(coords) in done and _read_point(directory / POINTS / f"{point_id(coords)}.json") is not None:
            continue  # finished in an earlier run
        params = dict(coords)
        params.setdefault("mismatch_index", None)
        params.update({"duration_s": duration, "engine": spec.engine, "options": spec.options})
        instance = mismatch_seed(spec.seed, coords["mismatch_index"]) if "mismatch_index" in coords else None
        tasks.append((index, (kind.function, params, point_seed(spec.seed, coords), instance)))
    n_resumed = len(coordinates) - len(tasks)
    if scheduler is not None:
        stream = executors.run_dask(tasks, scheduler)
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
                text = json.dumps(row, allow_nan=True)
                _io.atomic_write_text(directory / POINTS / f"{point_id(coords)}.json", text + "\n")
                bar.update()
    except BaseException:
        with contextlib.suppress(Exception):
            _consolidate(directory, spec, csv)
        raise
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    _consolidate(directory, spec, csv)
    return {
        "out": str(directory),
        "results": str(directory / RESULTS),
        "n_points": len(coordinates),
        "n_computed": len(tasks),
        "n_resumed": n_resumed,
        "wall_s": time.perf_counter() - start,
        "workers": processes,
        "scheduler": scheduler,
    }


def load_results(directory):
    """Return the sweep results in ``directory`` as a pandas DataFrame (grid order)."""
    import pandas as pd

    path = Path(directory) / RESULTS
    if not path.exists():
        raise DataError(f"{path} not found: run `noisecircuits sweep ... --out {directory}` first")
    return pd.read_parquet(path)
