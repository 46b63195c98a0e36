"""The end-to-end job: sweep a p-bit, calibrate a cell model, estimate energy, write the report.

:func:`run_pipeline` chains the layers the way a designer does (DESIGN.md):

1. sweep the sampler over temperature × bias (:func:`~noisecircuits.sweeps.runner.run_sweep`;
   resumable, one row per point in ``OUT/results.parquet``);
2. fit the transfer law, correlation-time and power laws and export the cell model
   (:func:`noisecircuits.cells.calibrate.calibrate_pbit_cell`: ``OUT/cell/`` in JSON, SPICE,
   Verilog-A and CSV, and ``OUT/cell.json`` for the report);
3. measure a block-Gibbs chain on an Ising lattice driven by the calibrated cell and estimate
   the energy per update, sweep and sample against a GPU baseline
   (:func:`noisecircuits.energy.chip.chip_energy_report`, ``OUT/energy.json``);
4. write ``OUT/report.html`` (:func:`noisecircuits.report.write_report`).

A ``python -m`` wrapper only needs to parse ``--out`` and call :func:`run_pipeline`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from noisecircuits import _io
from noisecircuits.sweeps.grid import SweepSpec
from noisecircuits.sweeps.layout import CELL, ENERGY
from noisecircuits.sweeps.runner import load_results, run_sweep

__all__ = ["DEFAULT_TEMPERATURES", "DEFAULT_BIASES", "run_pipeline"]

#: Temperatures of the default p-bit sweep [K]
DEFAULT_TEMPERATURES = (300.0, 320.0, 340.0)
#: Biases of the default p-bit sweep, ±20 mV around the reference p-bit's midpoint (≈ 125 mV) [V]
DEFAULT_BIASES = tuple(float(v) for v in np.linspace(0.105, 0.145, 9))


def _json_ready(value):
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


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
    """Run the end-to-end job into directory ``out`` and return its headline numbers.

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
    lattice_size : int
        L of the L × L Ising lattice of the energy measurement [-].
    coupling_beta : float
        βJ of that lattice [-].
    sweeps_per_step : int
        K, Gibbs sweeps per denoising step [-].
    steps : int
        T, denoising steps per sample [-].
    chip_temperature : float
        Temperature at which the calibrated cell drives the chip [K].
    show_progress : bool or None
        Progress bar for the sweep (see :func:`run_sweep`).

    Returns
    -------
    dict
        ``out``, ``sweep`` (the sweep summary), ``cell_files``, ``cell_form``,
        ``energy_per_sample_J``, ``gpu_over_chip``, ``report``.
    """
    from noisecircuits.cells.calibrate import calibrate_pbit_cell
    from noisecircuits.cells.export import export_cell
    from noisecircuits.energy.chip import chip_energy_report
    from noisecircuits.gibbs import ising_lattice
    from noisecircuits.report import write_report

    out = Path(out)
    spec = SweepSpec(kind, temperatures, v_biases, duration=duration, seed=seed)
    sweep = run_sweep(spec, out, workers=workers, show_progress=show_progress)
    cell, paths = calibrate_pbit_cell(load_results(out), out_dir=out / "cell", name="pbit_cell")
    export_cell(cell, out / CELL, "json")
    model = ising_lattice(lattice_size, beta=coupling_beta)
    energy = chip_energy_report(model, sweeps_per_step, steps, cell=cell, temperature=chip_temperature, seed=seed)
    _io.atomic_write_text(out / ENERGY, json.dumps(_json_ready(energy), indent=2, allow_nan=True) + "\n")
    report = write_report(out)
    return {
        "out": str(out),
        "sweep": sweep,
        "cell_files": {k: str(v) for k, v in paths.items()},
        "cell_form": cell.form,
        "energy_per_sample_J": energy["energy_per_sample_J"],
        "gpu_over_chip": energy["gpu_over_chip"],
        "report": str(report),
    }
