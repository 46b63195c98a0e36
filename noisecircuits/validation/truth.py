"""How well a fitted p-bit cell reproduces the device it was fitted to (the truth figures).

* :func:`pbit_truth_figures` compares a cell with given true values of P(1) and tau_c;
* :func:`compare_with_exact_pbit` computes those values for the reference p-bit design from
  its exact Fokker-Planck solution (:mod:`noisecircuits.circuits.pbit`) over the cell's validity
  range, and adds the mid-point drift dv_mid/dT of both.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TRUTH_TOLERANCES", "TRUTH_GRID_POINTS", "pbit_truth_figures", "compare_with_exact_pbit", "truth_failures", "format_truth_figures"]

#: What a cell must meet against its device: largest |P(1) error| [-], largest relative tau_c
#: error [-], and the relative error of dv_mid/dT, whose sign must also be right [-].
TRUTH_TOLERANCES = {"max_abs_dp_one": 0.01, "max_rel_tau_error": 0.10, "dv_mid_dT_rel": 0.10}
#: Fokker-Planck grid points per axis of the exact reference. The design's default 61-point grid
#: puts tau_c 1.1-1.5 % above its converged value (P(1) within 4e-4); 121 points are within
#: 0.3 % of a 241-point grid, so the reference's own error is negligible against 10 %
#: (docs/physics.md section 2, tests/circuits/test_pbit_dwell.py) [-].
TRUTH_GRID_POINTS = 121


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


def compare_with_exact_pbit(cell, design=None, *, n_bias: int = 11, n_temperature: int = 3,
                            grid_points: int = TRUTH_GRID_POINTS) -> dict:
    """Truth figures of a p-bit cell against the exact reference p-bit over its validity range.

    Exact P(1) and tau_c come from the Fokker-Planck solution on a grid-converged grid (about
    0.2 s per point). Points where the latch is monostable have no correlation time and count
    for P(1) only.

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
    grid_points : int
        Fokker-Planck grid points per axis of the exact reference, >= 41 [-].

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
            model = PBit(design, float(v), float(t), grid_points=grid_points)
            tau = model.correlation_time_exact() if model.bistable else float("nan")
            rows.append((t, v, model.p_one_exact(), tau))
    t, v, p, tau = np.array(rows).T
    figures = pbit_truth_figures(cell, v, t, p, tau)
    low, high = float(temperatures[0]), float(temperatures[-1])
    if high > low:
        quiet = cell.with_out_of_range("ignore")
        figures["dv_mid_dT_V_per_K"] = float((quiet.v_mid(high) - quiet.v_mid(low)) / (high - low))
        exact_mid = [v_mid(design, t, grid_points=grid_points) for t in (high, low)]
        figures["dv_mid_dT_exact_V_per_K"] = float((exact_mid[0] - exact_mid[1]) / (high - low))
    else:
        figures["dv_mid_dT_V_per_K"] = figures["dv_mid_dT_exact_V_per_K"] = float("nan")
    return figures


def truth_failures(figures: dict) -> list[str]:
    """The :data:`TRUTH_TOLERANCES` that ``figures`` miss, as short phrases (empty: the cell passes).

    A figure that could not be computed (NaN: no correlation-time law, a single temperature)
    is not a failure; ``format_truth_figures`` shows it as nan.
    """
    tol = TRUTH_TOLERANCES
    failed = []
    if not figures["max_abs_dp_one"] <= tol["max_abs_dp_one"]:
        failed.append(f"|dP(1)| > {tol['max_abs_dp_one']:g}")
    tau_error = figures.get("max_rel_tau_error", float("nan"))
    if np.isfinite(tau_error) and tau_error > tol["max_rel_tau_error"]:
        failed.append(f"tau_c error > {100 * tol['max_rel_tau_error']:g} %")
    slope, exact = figures.get("dv_mid_dT_V_per_K", float("nan")), figures.get("dv_mid_dT_exact_V_per_K", float("nan"))
    if np.isfinite(exact) and exact != 0:
        if not (np.isfinite(slope) and np.sign(slope) == np.sign(exact) and abs(slope / exact - 1.0) <= tol["dv_mid_dT_rel"]):
            failed.append(f"dv_mid/dT off by more than {100 * tol['dv_mid_dT_rel']:g} % (or wrong sign)")
    return failed


def format_truth_figures(figures: dict) -> str:
    """One line: ``max |dP(1)| = ..., tau_c error = ... %, dv_mid/dT = ... uV/K (exact ...): pass`` (or ``FAIL (...)``)."""
    failed = truth_failures(figures)
    verdict = "pass" if not failed else f"FAIL ({'; '.join(failed)})"
    return (
        f"max |dP(1)| = {figures['max_abs_dp_one']:.4f}, max tau_c error = {100 * figures['max_rel_tau_error']:.1f} %, "
        f"dv_mid/dT = {1e6 * figures['dv_mid_dT_V_per_K']:+.1f} uV/K (exact {1e6 * figures['dv_mid_dT_exact_V_per_K']:+.1f} uV/K): "
        f"{verdict}"
    )
