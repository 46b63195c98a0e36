"""How well a fitted p-bit cell reproduces the device it was fitted to (the truth figures).

* :func:`pbit_truth_figures` compares a cell with given true values of P(1) and tau_c;
* :func:`compare_with_exact_pbit` computes those values for the reference p-bit design from
  its exact Fokker-Planck solution (:mod:`noisecircuits.circuits.pbit`) over the cell's validity
  range, and adds the mid-point drift dv_mid/dT of both.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pbit_truth_figures", "compare_with_exact_pbit", "format_truth_figures"]


def pbit_truth_figures(cell, v_bias, temperature, p_one_true, correlation_time_true=None) -> dict:
    """Largest |P(1) error| and largest relative tau_c error of ``cell`` at the given points.

    Parameters
    ----------
    cell : PBitCellModel
        The fitted cell [-].
    v_bias : array_like
        Biases of the points [V].
    temperature : array_like
        Temperatures of the points [K].
    p_one_true : array_like
        True P(1) at the points [-].
    correlation_time_true : array_like, optional
        True correlation times; NaN where the device has none (monostable) [s].

    Returns
    -------
    dict
        ``max_abs_dp_one`` [-], ``max_rel_tau_error`` [-] (NaN without true times), ``n_points`` [-].
    """
    quiet = cell.with_out_of_range("ignore")
    v = np.asarray(v_bias, dtype=float)
    t = np.asarray(temperature, dtype=float)
    dp = np.abs(np.asarray(quiet.p_one(v, t)) - np.asarray(p_one_true, dtype=float))
    out = {"max_abs_dp_one": float(np.max(dp)), "max_rel_tau_error": float("nan"), "n_points": int(v.size)}
    if correlation_time_true is not None and cell.correlation_time_law is not None:
        tau = np.asarray(correlation_time_true, dtype=float)
        ok = np.isfinite(tau) & (tau > 0)
        if np.any(ok):
            rel = np.abs(np.asarray(quiet.correlation_time(v[ok], t[ok])) / tau[ok] - 1.0)
            out["max_rel_tau_error"] = float(np.max(rel))
    return out


def compare_with_exact_pbit(cell, design=None, *, n_bias: int = 11, n_temperature: int = 3) -> dict:
    """Truth figures of a p-bit cell against the exact reference p-bit over its validity range.

    Exact P(1) and tau_c come from the Fokker-Planck solution (about 0.05 s per point). Points
    where the latch is monostable have no correlation time and count for P(1) only.

    Parameters
    ----------
    cell : PBitCellModel
        A cell fitted to ``design`` [-].
    design : PBitDesign, optional
        The device; default the reference design [-].
    n_bias : int
        Biases across the validity range [-].
    n_temperature : int
        Temperatures across the validity range [-].

    Returns
    -------
    dict
        ``max_abs_dp_one`` [-], ``max_rel_tau_error`` [-], ``dv_mid_dT_V_per_K`` (cell) [V/K],
        ``dv_mid_dT_exact_V_per_K`` [V/K] (NaN for a single temperature), ``n_points`` [-].
    """
    from noisecircuits.circuits.pbit import PBit, PBitDesign, v_mid

    design = PBitDesign.default() if design is None else design
    validity = cell.validity
    biases = np.linspace(*validity["v_bias_V"], n_bias)
    temperatures = np.unique(np.linspace(*validity["temperature_K"], n_temperature))
    rows = []
    for t in temperatures:
        for v in biases:
            model = PBit(design, float(v), float(t))
            tau = model.correlation_time_exact() if model.bistable else float("nan")
            rows.append((t, v, model.p_one_exact(), tau))
    t, v, p, tau = np.array(rows).T
    figures = pbit_truth_figures(cell, v, t, p, tau)
    low, high = float(temperatures[0]), float(temperatures[-1])
    if high > low:
        quiet = cell.with_out_of_range("ignore")
        figures["dv_mid_dT_V_per_K"] = float((quiet.v_mid(high) - quiet.v_mid(low)) / (high - low))
        figures["dv_mid_dT_exact_V_per_K"] = float((v_mid(design, high) - v_mid(design, low)) / (high - low))
    else:
        figures["dv_mid_dT_V_per_K"] = figures["dv_mid_dT_exact_V_per_K"] = float("nan")
    return figures


def format_truth_figures(figures: dict) -> str:
    """One line: ``max |dP(1)| = ..., tau_c error = ... %, dv_mid/dT = ... uV/K (exact ...)``."""
    return (
        f"max |dP(1)| = {figures['max_abs_dp_one']:.4f}, max tau_c error = {100 * figures['max_rel_tau_error']:.1f} %, "
        f"dv_mid/dT = {1e6 * figures['dv_mid_dT_V_per_K']:+.1f} uV/K (exact {1e6 * figures['dv_mid_dT_exact_V_per_K']:+.1f} uV/K)"
    )
