"""The one end-to-end orchestrator: transfer table → calibrated cell → chip energy → report.

Both ways of running the job go through :func:`finish_job`:

* :func:`run_pipeline` sweeps the sampler over temperature × bias first
  (:func:`~noisecircuits.sweeps.runner.run_sweep`; resumable, one row per point in
  ``OUT/results.parquet``);
* the demo (:mod:`noisecircuits.demo`, ``noisecircuits demo``) builds its transfer table on a
  bias grid chosen from the exact curve and stores it with :func:`save_table`.

:func:`finish_job` then

1. fits the transfer law, correlation-time and power laws and exports the cell model
   (:func:`calibrate_cell`: ``OUT/cell/`` in JSON, SPICE, Verilog-A and CSV, and
   ``OUT/cell.json`` for the report);
2. measures a block-Gibbs chain on an Ising lattice driven by the calibrated cell and
   estimates the energy per update, sweep and sample against a GPU baseline
   (:func:`energy_estimate`, ``OUT/energy.json``);
3. writes ``OUT/report.html`` (:func:`noisecircuits.reporting.report.write_report`).

Every JSON file the job writes goes through :func:`write_json`: strict JSON, where a value
that is not a finite number is ``null`` and the object says why in ``null_reasons``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from noisecircuits import _io
from noisecircuits.sweeps.layout import CELL, ENERGY, RESULTS

__all__ = [
    "DEFAULT_TEMPERATURES",
    "DEFAULT_BIASES",
    "ChipSettings",
    "strict_document",
    "write_json",
    "save_table",
    "calibrate_cell",
    "energy_estimate",
    "finish_job",
    "run_pipeline",
]

#: Temperatures of the default p-bit sweep [K]
DEFAULT_TEMPERATURES = (300.0, 320.0, 340.0)
#: Biases of the default p-bit sweep, ±20 mV around the reference p-bit's midpoint (≈ 125 mV) [V]
DEFAULT_BIASES = tuple(float(v) for v in np.linspace(0.105, 0.145, 9))
#: why a value is null when the writer is not told
_NOT_FINITE = "not a finite number (not computable here)"


@dataclass(frozen=True)
class ChipSettings:
    """The chip whose energy per sample the job estimates.

    Parameters
    ----------
    lattice_size : int
        L of the periodic L × L Ising lattice of calibrated cells [-].
    coupling_beta : float
        βJ of that lattice [-].
    sweeps_per_step : int
        K, Gibbs sweeps per denoising step [-].
    steps : int
        T, denoising steps per sample [-].
    temperature : float
        Temperature at which the calibrated cells drive the chip [K].
    """

    lattice_size: int = 16
    coupling_beta: float = 0.4
    sweeps_per_step: int = 250
    steps: int = 8
    temperature: float = 300.0

    def describe(self) -> str:
        """One phrase naming what one chip sample is, e.g. ``16x16 chip, 250 sweeps x 8 steps``."""
        size = self.lattice_size
        return f"{size}x{size} chip of calibrated cells, {self.sweeps_per_step} sweeps x {self.steps} steps"


def strict_document(value, reasons=None):
    """``value`` made strict-JSON ready: numpy scalars to Python, non-finite floats to ``None``.

    Every object that had a value replaced gains ``null_reasons`` ``{key: why}``; the text
    comes from ``reasons[key]`` when given, else a generic one.

    Parameters
    ----------
    value : object
        Nested dicts, lists, numbers and strings [-].
    reasons : dict, optional
        ``{key: text}``: why that key can be null [-].

    Returns
    -------
    object
        The same structure, serialisable by ``json.dumps(..., allow_nan=False)``.
    """
    reasons = reasons or {}
    if isinstance(value, dict):
        out, nulled = {}, {}
        for key, item in value.items():
            key = str(key)
            if isinstance(item, (float, np.floating)) and not math.isfinite(item):
                out[key] = None
                nulled[key] = reasons.get(key, _NOT_FINITE)
            else:
                out[key] = strict_document(item, reasons)
        if nulled:
            out["null_reasons"] = {**out.get("null_reasons", {}), **nulled}
        return out
    if isinstance(value, (list, tuple)):
        return [None if isinstance(v, (float, np.floating)) and not math.isfinite(v) else strict_document(v, reasons)
                for v in value]
    if isinstance(value, np.ndarray):
        return strict_document(value.tolist(), reasons)
    if isinstance(value, np.generic):
        return strict_document(value.item(), reasons)
    return value


def write_json(path, document, reasons=None) -> Path:
    """Write ``document`` as strict JSON (see :func:`strict_document`) to ``path``, atomically.

    Parameters
    ----------
    path : path-like
        The file [-].
    document : dict
        What to write [-].
    reasons : dict, optional
        ``{key: why it can be null}`` [-].

    Returns
    -------
    Path
    """
    text = json.dumps(strict_document(document, reasons), indent=2, allow_nan=False) + "\n"
    return _io.atomic_write_text(path, text)


def save_table(out, table) -> Path:
    """Store a transfer table as the directory's ``results.parquet`` (read by the report).

    Parameters
    ----------
    out : path-like
        Output directory [-].
    table : pandas.DataFrame
        One row per (temperature, bias) with ``temperature_K, v_bias_V, n_ones, n_samples``
        and, where known, ``correlation_time_s, supply_power_W`` [SI].

    Returns
    -------
    Path
    """
    return _io.write_table(table, Path(out) / RESULTS)


def calibrate_cell(out, table):
    """Fit ``table`` and write the cell model (``OUT/cell.json``) and its four exports (``OUT/cell/``).

    Parameters
    ----------
    out : path-like
        Output directory [-].
    table : pandas.DataFrame
        The transfer table [-].

    Returns
    -------
    (PBitCellModel, dict)
        The calibrated cell and the export paths by format.
    """
    from noisecircuits.cells.calibrate import calibrate_pbit_cell
    from noisecircuits.cells.export import export_cell

    out = Path(out)
    cell, paths = calibrate_pbit_cell(table, out_dir=out / "cell", name="pbit_cell")
    export_cell(cell, out / CELL, "json")
    return cell, paths


def energy_estimate(out, cell, chip: ChipSettings = ChipSettings(), seed=0) -> dict:
    """Energy per update, sweep and sample of a chip of calibrated cells; writes ``OUT/energy.json``.

    Parameters
    ----------
    out : path-like
        Output directory [-].
    cell : PBitCellModel
        The calibrated cell [-].
    chip : ChipSettings
        The chip [-].
    seed : int, SeedSequence or Generator
        Seed of the toggle-rate measurement [-].

    Returns
    -------
    dict
        :func:`noisecircuits.energy.chip.chip_energy_report` output, plus ``sample_counts``
        (what one ``energy_per_sample_J`` covers).
    """
    from noisecircuits.energy.chip import chip_energy_report
    from noisecircuits.gibbs import ising_lattice

    model = ising_lattice(chip.lattice_size, beta=chip.coupling_beta)
    report = chip_energy_report(model, chip.sweeps_per_step, chip.steps, cell=cell, temperature=chip.temperature,
                                seed=seed)
    report["sample_counts"] = chip.describe()
    write_json(Path(out) / ENERGY, report)
    return report


def finish_job(out, table, *, seed=0, chip: ChipSettings = ChipSettings()) -> dict:
    """Calibrate a cell from ``table``, estimate the chip energy and write the report of ``out``.

    Parameters
    ----------
    out : path-like
        Output directory; ``results.parquet`` (and any ``spice_check.json``) already there [-].
    table : pandas.DataFrame
        The transfer table the cell is fitted to [-].
    seed : int, SeedSequence or Generator
        Seed of the energy measurement [-].
    chip : ChipSettings
        The chip of the energy estimate [-].

    Returns
    -------
    dict
        ``cell`` (the model), ``cell_files``, ``energy`` (the energy report), ``report``
        (path of ``report.html``).
    """
    from noisecircuits.reporting.report import write_report

    cell, paths = calibrate_cell(out, table)
    energy = energy_estimate(out, cell, chip, seed)
    report = write_report(out)
    return {"cell": cell, "cell_files": paths, "energy": energy, "report": report}


def run_pipeline(
    out,
    *,
    kind: str = "pbit",
    temperatures=DEFAULT_TEMPERATURES,
    v_biases=DEFAULT_BIASES,
    duration: float | None = 1e-3,
    seed: int = 0,
    workers: int = 1,
    lattice_size: int = 16,
    coupling_beta: float = 0.4,
    sweeps_per_step: int = 250,
    steps: int = 8,
    chip_temperature: float = 300.0,
    show_progress=None,
) -> dict:
    """Sweep into directory ``out``, then :func:`finish_job`; return the headline numbers.

    Parameters
    ----------
    out : str or Path
        Output directory (a sweep directory; re-running resumes the sweep).
    kind : str
        Binary sweep kind: ``"pbit"`` (the reference circuit) or ``"telegraph"`` [-].
    temperatures : sequence of float
        Sweep temperatures [K].
    v_biases : sequence of float
        Sweep biases [V].
    duration : float or None
        Simulated time per sweep point [s].
    seed : int
        Seed of the sweep and of the Gibbs measurement [-].
    workers : int
        Local worker processes for the sweep [-].
    lattice_size, coupling_beta, sweeps_per_step, steps, chip_temperature
        The chip of the energy estimate (:class:`ChipSettings`) [-, -, -, -, K].
    show_progress : bool or None
        Progress bar for the sweep (see :func:`run_sweep`).

    Returns
    -------
    dict
        ``out``, ``sweep`` (the sweep summary), ``cell_files``, ``cell_form``,
        ``energy_per_sample_J``, ``gpu_over_chip``, ``report``.
    """
    from noisecircuits.sweeps.grid import SweepSpec
    from noisecircuits.sweeps.runner import load_results, run_sweep

    out = Path(out)
    spec = SweepSpec(kind, temperatures, v_biases, duration=duration, seed=seed)
    sweep = run_sweep(spec, out, workers=workers, show_progress=show_progress)
    chip = ChipSettings(lattice_size, coupling_beta, sweeps_per_step, steps, chip_temperature)
    done = finish_job(out, load_results(out), seed=seed, chip=chip)
    return {
        "out": str(out),
        "sweep": sweep,
        "cell_files": {k: str(v) for k, v in done["cell_files"].items()},
        "cell_form": done["cell"].form,
        "energy_per_sample_J": done["energy"]["energy_per_sample_J"],
        "gpu_over_chip": done["energy"]["gpu_over_chip"],
        "report": str(done["report"]),
    }
