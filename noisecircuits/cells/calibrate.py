"""Fit a p-bit cell model from transfer data and write it with all its exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from noisecircuits.cells.build import pbit_cell_from_fits
from noisecircuits.cells.export import export_cell
from noisecircuits.errors import FitError
from noisecircuits.fitting.data import PBitData, read_pbit_data
from noisecircuits.fitting.pbit import fit_pbit_transfer_ml
from noisecircuits.fitting.power import fit_supply_power_ls
from noisecircuits.fitting.rates_fit import DEFAULT_TAU_REL_STDERR
from noisecircuits.fitting.selection import fit_pbit_law, warn_if_poor

__all__ = ["fit_pbit_cell", "calibrate_pbit_cell", "mismatch_statistics"]


def fit_pbit_cell(data, *, form: str = "auto", name: str = "pbit_cell", on_out_of_range: str = "warn",
                  correlation_time_s: float | None = None, criterion: str = "aicc",
                  correlation_time_stderr_s=None, correlation_time_rel_stderr: float = DEFAULT_TAU_REL_STDERR):
    """Fit the transfer law (joint temperature law when the data hold several temperatures),
    the correlation-time law and the supply-power law, and build the cell model.

    ``form="auto"`` fits every candidate (logistic, probit, two-rate laws of several degrees) and
    keeps the smallest ``criterion`` (:func:`~noisecircuits.fitting.selection.fit_pbit_law`); the
    choice and every candidate's score go into ``provenance.fit_quality.transfer``. A law whose
    goodness-of-fit p-value is below 0.01 warns once (:class:`~noisecircuits.fitting.selection.PoorFitWarning`)
    and is flagged ``poor_fit``.

    Parameters
    ----------
    data : DataFrame, path or PBitData
        A toolkit sweep or a lab CSV (see :func:`~noisecircuits.fitting.data.read_pbit_data`) [-].
    form : {"auto", "logistic", "probit", "two_rate"}
        Form of the transfer law [-].
    name : str
        Cell name (identifier) [-].
    on_out_of_range : {"warn", "raise", "ignore"}
        Behaviour of the model outside its validity range [-].
    correlation_time_s : float, optional
        Correlation time for data without a measured one (no finite ``correlation_time_s``): the
        cell gets this constant correlation-time law, so its SPICE export works [s].
    criterion : {"aicc", "aic", "bic"}
        Information criterion of ``form="auto"`` [-].
    correlation_time_stderr_s : array_like, optional
        Standard error of each row's correlation time; default the data's
        ``correlation_time_stderr_s`` column when it has one [s].
    correlation_time_rel_stderr : float
        Relative standard error of the correlation times where no per-row error is given [-].

    Returns
    -------
    tuple
        ``(cell, transfer_fit)``: the :class:`~noisecircuits.cells.model.PBitCellModel` and the
        transfer :class:`~noisecircuits.fitting.result.FitResult`.
    """
    data = read_pbit_data(data)
    if correlation_time_stderr_s is None and "correlation_time_stderr_s" in data:
        correlation_time_stderr_s = data["correlation_time_stderr_s"]
    chosen = fit_pbit_law(data, form=form, criterion=criterion, correlation_time_stderr_s=correlation_time_stderr_s,
                          correlation_time_rel_stderr=correlation_time_rel_stderr)
    warn_if_poor(chosen, data.origin)
    fit = chosen.transfer
    t_ref = fit.parameters.get("t_ref_K", fit.parameters.get("temperature_K"))
    temperature = data["temperature_K"]
    power_fit = None
    if "supply_power_W" in data:
        power_fit = fit_supply_power_ls(temperature, data["supply_power_W"], t_ref=t_ref)
    mismatch_form = fit.form if fit.form in ("logistic", "probit") else "logistic"
    cell = pbit_cell_from_fits(
        fit,
        chosen.tau,
        power_fit,
        name=name,
        mismatch=mismatch_statistics(data, form=mismatch_form, t_ref=t_ref),
        source=data.origin,
        on_out_of_range=on_out_of_range,
        correlation_time_s=correlation_time_s,
        selection=chosen.quality,
        tau_quality=chosen.tau_quality,
    )
    return cell, fit


def mismatch_statistics(data, *, form: str, t_ref: float) -> dict:
    r"""Spread of the transfer curve between mismatched instances (``mismatch_index`` column).

    At the measured temperature nearest ``t_ref`` each instance's curve is fitted alone; the
    spread of the fitted values, less their mean squared standard error (so fit noise is not
    counted as mismatch), gives

    .. math::

        \sigma_{v_\mathrm{mid}} = \sqrt{\max(0, s^2(\hat v_{\mathrm{mid},i}) - \overline{\mathrm{se}^2_i})},\qquad
        \sigma_{w,\mathrm{rel}} = \sqrt{\max(0, s^2(\hat w_i/ar w) - \overline{(\mathrm{se}_i/ar w)^2})}.

    Returns zeros (unknown) when there is no ``mismatch_index`` column or fewer than two instances.

    Parameters
    ----------
    data : PBitData
        Transfer data [-].
    form : str
        Sigmoid form of the fitted law [-].
    t_ref : float
        Reference temperature of the law [K].
    """
    zeros = {"v_mid_sigma_V": 0.0, "v_width_rel_sigma": 0.0}
    if "mismatch_index" not in data:
        return zeros
    temperature = data["temperature_K"]
    t_near = temperature[np.argmin(np.abs(temperature - t_ref))]
    at_t = temperature == t_near
    instances = np.unique(data["mismatch_index"][at_t])
    if instances.size < 2:
        return zeros
    mids, mid_se, widths, width_se = [], [], [], []
    for index in instances:
        rows = at_t & (data["mismatch_index"] == index)
        subset = PBitData({k: v[rows] for k, v in data.columns.items()}, data.sha256, data.origin)
        try:
            one = fit_pbit_transfer_ml(subset, form=form)
        except FitError as exc:
            raise FitError(f"mismatch instance {index:g} at {t_near:g} K: {exc}") from None
        mids.append(one.parameters["v_mid_V"])
        mid_se.append(one.stderr["v_mid_V"])
        widths.append(one.parameters["v_width_V"])
        width_se.append(one.stderr["v_width_V"])
    mids, mid_se, widths, width_se = (np.asarray(a) for a in (mids, mid_se, widths, width_se))
    mean_w = float(np.mean(widths))
    mid_var = float(np.var(mids, ddof=1) - np.mean(mid_se**2))
    width_var = float(np.var(widths / mean_w, ddof=1) - np.mean((width_se / mean_w) ** 2))
    return {"v_mid_sigma_V": float(np.sqrt(max(0.0, mid_var))), "v_width_rel_sigma": float(np.sqrt(max(0.0, width_var)))}


def calibrate_pbit_cell(sweep_frame, *, form: str = "auto", out_dir, name: str = "pbit_cell"):
    """Fit the demo's p-bit sweep and write the cell model with all four exports.

    Parameters
    ----------
    sweep_frame : DataFrame or path
        p-bit sweep (docs/architecture.md, "sweeps → fitting") [-].
    form : {"auto", "logistic", "probit"}
        Sigmoid form of the transfer law [-].
    out_dir : str or path
        Directory to write into (created if needed) [-].
    name : str
        Cell name; also the file stem, SPICE subcircuit and Verilog-A module name [-].

    Returns
    -------
    tuple
        ``(cell, paths)`` with ``paths`` a dict ``{"json", "spice", "verilog_a", "csv"}`` of written files.
    """
    cell, _ = fit_pbit_cell(sweep_frame, form=form, name=name)
    out = Path(out_dir)
    paths = {
        "json": export_cell(cell, out / f"{name}.json", "json"),
        "spice": export_cell(cell, out / f"{name}.cir", "spice"),
        "verilog_a": export_cell(cell, out / f"{name}.va", "verilog-a"),
        "csv": export_cell(cell, out / f"{name}_table.csv", "csv"),
    }
    return cell, paths
