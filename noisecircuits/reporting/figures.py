"""Figures drawn from what a result directory holds (used by ``plot`` and ``report``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from noisecircuits.errors import DataError
from noisecircuits.sweeps.layout import CELL, ENERGY
from noisecircuits.sweeps.runner import load_results

__all__ = ["load_cell_if_any", "read_json_file", "energy_bars", "occupation_columns", "figure_from_source"]


def read_json_file(path) -> dict:
    """Read a JSON object from ``path`` (one clear error if it is not one)."""
    path = Path(path)
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path} not found") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise DataError(f"{path} must hold a JSON object, got {type(value).__name__}")
    return value


def load_cell_if_any(path):
    """Load a cell model with :func:`noisecircuits.load_cell`, or return None if there is none."""
    path = Path(path)
    if not path.is_file():
        return None
    from noisecircuits.cells import load_cell

    with warnings.catch_warnings():
        # a cell's validity range is checked when plotting (curves are clipped to it)
        warnings.simplefilter("ignore", category=UserWarning)
        return load_cell(path)


def energy_bars(document: dict):
    """Return (breakdown, baselines, label): energies [J] from an energy JSON document.

    ``breakdown_J`` maps components to energies (zero entries are dropped: they cannot be drawn
    on a log axis). Baselines come from ``baselines_J`` when present; otherwise, for the output
    of ``noisecircuits energy --json`` (:func:`noisecircuits.energy.chip.chip_energy_report`),
    whose breakdown is per cell update while ``gpu_baseline_J`` / ``trng_baseline_J`` cover all
    the updates of one sample, the baselines are scaled to one update by
    ``energy_per_update_J / energy_per_sample_J``. ``label`` names what one bar measures
    (``unit_label`` of the document, else "energy per cell update" for such a report).
    """
    breakdown = document.get("breakdown_J")
    if not isinstance(breakdown, dict) or not breakdown:
        raise DataError("an energy file needs a non-empty 'breakdown_J' object (component -> energy [J])")
    breakdown = {k: v for k, v in breakdown.items() if isinstance(v, (int, float)) and v > 0}
    label = document.get("unit_label") or ("energy per cell update" if "energy_per_update_J" in document else "energy")
    baselines = document.get("baselines_J")
    if baselines is None:
        baselines = {}
        per_update, per_sample = document.get("energy_per_update_J"), document.get("energy_per_sample_J")
        if isinstance(per_update, (int, float)) and isinstance(per_sample, (int, float)) and per_sample > 0:
            for key, name in (("gpu_baseline_J", "GPU, same updates"), ("trng_baseline_J", "TRNG + digital")):
                if isinstance(document.get(key), (int, float)):
                    baselines[f"{name} (per update)"] = document[key] * per_update / per_sample
    return breakdown, baselines, str(label)


def occupation_columns(frame):
    """Names of the ``occupations_<k>`` and ``occupations_stderr_<k>`` columns of a categorical sweep."""
    occupations = sorted((c for c in frame.columns if c.startswith("occupations_") and c[12:].isdigit()),
                         key=lambda c: int(c[12:]))
    errors = [f"occupations_stderr_{c[12:]}" for c in occupations]
    if not occupations:
        raise DataError("the sweep table has no occupations_<k> columns (it is not a categorical sweep)")
    return occupations, [e if e in frame.columns else None for e in errors]


def _cell_source(what, path):
    from noisecircuits import plotting

    cell = load_cell_if_any(path)
    if getattr(cell, "kind", None) != "pbit":
        raise DataError(f"{path} is not a p-bit cell model: only a p-bit cell has {what} curves")
    import numpy as np
    import pandas as pd

    low, high = cell.validity["v_bias_V"]
    t_low, t_high = cell.validity["temperature_K"]
    temperatures = np.unique(np.linspace(t_low, t_high, 3))
    rows = [{"temperature_K": t, "v_bias_V": v} for t in temperatures for v in np.linspace(low, high, 2)]
    frame = pd.DataFrame(rows)
    if what == "transfer":
        frame["p_one"] = np.nan
        return plotting.plot_transfer(frame, cell)
    frame["correlation_time_s"] = np.nan
    return plotting.plot_correlation_time(frame, cell if cell.correlation_time_law else None)


def figure_from_source(what: str, source, *, row: int = 0):
    """Draw figure ``what`` (transfer, tau, occupations, energy) from ``source`` and return its Axes."""
    from noisecircuits import plotting

    source = Path(source)
    if what in ("transfer", "tau") and source.suffix.lower() == ".json":
        return _cell_source(what, source)
    if what == "energy":
        document = read_json_file(source / ENERGY if source.is_dir() else source)
        breakdown, baselines, label = energy_bars(document)
        return plotting.plot_energy_breakdown(breakdown, baselines, unit_label=label)
    if not source.is_dir():
        raise DataError(f"{source} is not a sweep directory")
    frame = load_results(source)
    if what == "transfer":
        return plotting.plot_transfer(frame, load_cell_if_any(source / CELL))
    if what == "tau":
        cell = load_cell_if_any(source / CELL)
        return plotting.plot_correlation_time(frame, cell if getattr(cell, "correlation_time_law", None) else None)
    occupations, errors = occupation_columns(frame)
    if row >= len(frame):
        raise DataError(f"--row must be below the number of rows ({len(frame)}), got {row}")
    record = frame.iloc[row]
    stderr = None if None in errors else [record[e] for e in errors]
    ax = plotting.plot_occupations([record[c] for c in occupations], stderr)
    ax.set_title(f"T = {record['temperature_K']:g} K, V_bias = {record['v_bias_V'] * 1e3:g} mV", fontsize=9)
    return ax
