r"""What the categorical and continuous SPICE checks compare against, and their budgets.

* :func:`categorical_law` — occupations and correlation time of the categorical cell's Itô
  SDE (an Euler–Maruyama ensemble; there is no exact law for N = 4), estimated with the
  same estimators as the SPICE trace;
* :func:`softmax_width` — the width w of the cell's law :math:`P_k \propto e^{-v_k/w}`,
  fitted to occupations at distinct controls (the law's sensitivity to the controls);
* :func:`softmax_budget` — an error :math:`\delta_k` of pull-up k's current, relative to
  the others, propagated through that law:
  :math:`|\Delta P_j| \le \sum_k |P_j(\delta_{jk} - P_k)|\, n_p U_T |\delta_k| / w`;
* :func:`differential_log_errors` — the measured BSIM4-vs-EKV current error of identical
  devices at nearby gate voltages, relative to their mean (ngspice DC sweeps);
* :func:`continuous_with_pass_ratio` — the continuous cell with MA's current scaled against MB's;
* :func:`agreement_frame` — the tolerance rule ``4 × combined SE + budget`` applied to rows.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from noisecircuits.constants import thermal_voltage
from noisecircuits.errors import ParameterError

__all__ = ["categorical_law", "softmax_width", "softmax_budget", "differential_log_errors",
           "continuous_with_pass_ratio", "agreement_frame", "recompare", "tau_and_stderr",
           "thermal_gate_scale"]

#: Euler–Maruyama steps per fastest relaxation time of the categorical SDE ensemble [-]
#: (stationary variance of the fastest mode high by dt/2τ = 1.25 %; budgeted with the capacitance).
SDE_STEPS_PER_TIMESCALE = 40
#: Samples discarded at the start of each SDE path, in fastest relaxation times [-].
BURN_IN_TIMESCALES = 50.0


def tau_and_stderr(states, n_states: int, sample: float) -> tuple[float, float]:
    r"""Correlation time of a categorical record and its standard error [s].

    τ = the integrated autocorrelation time (Sokal window) of the state indicators pooled over
    the states (Σ_k autocovariance_k / Σ_k variance_k) × the sample interval. One pooled
    estimate, not the largest of the per-state ones: the largest of several noisy estimates
    is biased upwards by about one SE, more on a short record than on a long one. SE from
    Sokal's :math:`\mathrm{var}(\tau)/\tau^2 \approx 2(2M+1)/N` with window M ≈ 5τ and N
    the number of samples (time samples × paths).

    Parameters
    ----------
    states : array_like of int, shape (n,) or (paths, n)
        State per sample [-].
    n_states : int
        Number of states [-].
    sample : float
        Sample interval [s].
    """
    from noisecircuits.analysis.autocorrelation import integrated_autocorrelation_time

    arr = np.atleast_2d(np.asarray(states))
    indicators = np.concatenate([(arr == k).astype(float) for k in range(n_states)], axis=0)
    tau = integrated_autocorrelation_time(indicators)
    return tau * sample, tau * sample * math.sqrt(2 * (10 * tau + 1) / arr.size)


def categorical_law(design, v_controls, temperature: float, duration: float, sample: float, seed, *,
                    paths: int = 16) -> dict:
    """Occupations and correlation time of the categorical cell's Itô SDE (Euler–Maruyama ensemble).

    Parameters
    ----------
    design : CategoricalDesign
        The circuit [-].
    v_controls : sequence of float
        Control voltages [V].
    temperature : float
        [K].
    duration : float
        Total simulated time over all paths (burn-in excluded) [s].
    sample : float
        Sample interval of the read-out (the SPICE record's) [s].
    seed : int or SeedSequence
        Seed [-].
    paths : int
        Independent paths [-].

    Returns
    -------
    dict
        ``occupations``, ``occupations_stderr`` [-], ``tau_s``, ``tau_stderr_s`` [s],
        ``samples`` [-], ``timescale_s`` [s].
    """
    from noisecircuits.analysis.occupation import state_occupations
    from noisecircuits.circuits.categorical import CategoricalCell
    from noisecircuits.sde.simulate import simulate

    cell = CategoricalCell(design, v_controls, temperature)
    stride = max(1, math.ceil(sample * SDE_STEPS_PER_TIMESCALE / cell.timescale))
    burn = math.ceil(BURN_IN_TIMESCALES * cell.timescale / sample)
    per_path = burn + math.ceil(duration / (paths * sample))
    trace = simulate(cell, per_path * sample, dt=sample / stride, paths=paths, seed=seed, solver="euler",
                     record_every=stride)
    states = cell.readout(trace.values[:, 1 + burn:, :])
    occ, occ_se = state_occupations(states, cell.n_states)
    tau, tau_se = tau_and_stderr(states, cell.n_states, trace.sample_interval)
    return {"occupations": occ, "occupations_stderr": occ_se, "tau_s": tau, "tau_stderr_s": tau_se,
            "samples": int(states.size), "timescale_s": cell.timescale}


def softmax_width(v_controls, occupations) -> float:
    """Width w of the law :math:`P_k \\propto e^{-v_k/w}` fitted to ``occupations`` at ``v_controls`` [V].

    Least squares of ln P_k against v_k (slope −1/w).

    Parameters
    ----------
    v_controls : sequence of float
        Distinct control voltages [V].
    occupations : sequence of float
        Occupations, each > 0 [-].
    """
    v = np.asarray(v_controls, dtype=float)
    p = np.asarray(occupations, dtype=float)
    if np.ptp(v) <= 0 or np.any(p <= 0):
        raise ParameterError("softmax_width needs distinct controls and positive occupations")
    slope = np.polyfit(v, np.log(p), 1)[0]
    if slope >= 0:
        raise ParameterError(f"occupations do not fall with the control voltage (slope {slope:g} 1/V)")
    return float(-1.0 / slope)


def softmax_budget(occupations, width: float, gate_errors) -> np.ndarray:
    """Largest occupation change from gate-equivalent control errors, through the softmax law [-].

    :math:`|\\Delta P_j| \\le \\sum_k |P_j(\\delta_{jk} - P_k)|\\,|\\Delta v_k|/w`.

    Parameters
    ----------
    occupations : sequence of float
        P_k [-].
    width : float
        Softmax width w [V].
    gate_errors : sequence of float
        Bound on each control's equivalent gate-voltage error |Δv_k| [V].
    """
    p = np.asarray(occupations, dtype=float)
    dv = np.abs(np.asarray(gate_errors, dtype=float))
    jac = np.abs(np.diag(p) - np.outer(p, p))  # |dP_j/dθ_k|
    return jac @ (dv / width)


def differential_log_errors(card: str, params, temperature: float, v_gs, v_ds, *, workers: int = 2) -> np.ndarray:
    """Measured ln(I_BSIM4/I_EKV) of one device type at gate voltages ``v_gs``, relative to their mean.

    One ngspice DC sweep (1 mV gate step) per drain voltage in ``v_ds``; ln I is interpolated
    linearly in V_GS. Source and bulk at 0, magnitudes in the nmos convention (as
    :func:`noisecircuits.spice.benches.iv_sweep`).

    Parameters
    ----------
    card : str
        Calibration card name (e.g. "generic-dc") [-].
    params : MosfetParams
        The calibrated device [-].
    temperature : float
        [K].
    v_gs : sequence of float
        |V_GS| of each device [V].
    v_ds : sequence of float
        |V_DS| values spanning the devices' drain range [V].
    workers : int
        Concurrent ngspice runs [-].

    Returns
    -------
    ndarray, shape (len(v_ds), len(v_gs))
        :math:`e_k - \\bar e` at each drain voltage [-].
    """
    from noisecircuits.physics.mosfet import drain_current
    from noisecircuits.spice.benches import iv_sweep

    v_gs = np.asarray(v_gs, dtype=float)
    sign = 1.0 if params.polarity == "nmos" else -1.0
    rows = []
    for vds in v_ds:
        sweep = iv_sweep(card, params.polarity, params.width, params.length, float(vds), (temperature,),
                         v_gate_stop=float(v_gs.max()) + 0.01, v_gate_step=1e-3, workers=workers)
        order = np.argsort(sweep["v_gs_V"].to_numpy())
        v = sweep["v_gs_V"].to_numpy()[order]
        ln_i = np.log(sweep["i_d_A"].to_numpy()[order])
        spice = np.interp(v_gs, v, ln_i)
        model = np.log(np.abs(drain_current(params, sign * v_gs, 0.0, sign * float(vds), temperature, v_bulk=0.0)))
        e = spice - model
        rows.append(e - e.mean())
    return np.array(rows)


def continuous_with_pass_ratio(design, v_bias: float, v_modes, temperature: float, log_ratio: float):
    """The continuous cell with MA's current factor × e^{log_ratio} (MB unchanged) [-].

    Parameters
    ----------
    design : ContinuousDesign
        The circuit [-].
    v_bias : float
        p-bit bias [V].
    v_modes : (float, float)
        Mode voltages [V].
    temperature : float
        [K].
    log_ratio : float
        ln of MA's current scale [-].
    """
    from noisecircuits.circuits._subthreshold import Netlist
    from noisecircuits.circuits.continuous import ContinuousCell

    cell = ContinuousCell(design, v_bias, v_modes, temperature)
    base = cell.netlist
    pass_a = replace(design.pass_nmos, current_factor=design.pass_nmos.current_factor * math.exp(log_ratio))
    devices = [replace(d, params=pass_a) if d.name == "MA" else d for d in design.devices()]
    p = design.pbit
    fixed = [("0", 0.0), ("vdd", p.supply_voltage), ("v_bias", cell.v_bias), ("v_ref", p.v_ref),
             ("v_mode_a", cell.v_modes[0]), ("v_mode_b", cell.v_modes[1])]
    cell.netlist = Netlist(list(zip(base.state_names, base.capacitances)), fixed, devices, temperature)
    return cell


def agreement_frame(rows, sigmas: float, extra: dict | None = None) -> pd.DataFrame:
    """Rows ``(quantity, spice, spice_stderr, sde, sde_stderr, budget)`` with tolerance and verdict.

    ``tolerance = sigmas × sqrt(spice_stderr² + sde_stderr²) + budget``; ``agrees`` is
    ``|spice − sde| ≤ tolerance`` (False where a value is not finite).

    Parameters
    ----------
    rows : iterable of tuple
        One per compared quantity [SI].
    sigmas : float
        Statistical part of the tolerance, in combined SE [-].
    extra : dict, optional
        Columns added to every row [SI].
    """
    out = []
    for name, sp, se, sde, sde_se, budget in rows:
        tol = sigmas * math.hypot(se, sde_se) + budget
        finite = all(math.isfinite(x) for x in (sp, se, sde, tol))
        out.append({"quantity": name, "spice": float(sp), "spice_stderr": float(se), "sde": float(sde),
                    "sde_stderr": float(sde_se), "budget": float(budget), "tolerance": float(tol),
                    "agrees": bool(finite and abs(sp - sde) <= tol), **(extra or {})})
    return pd.DataFrame(out)


def recompare(frame: pd.DataFrame, sde, sigmas: float, sde_stderr=None) -> pd.DataFrame:
    """A check's recorded SPICE columns against other SDE values (same budgets): a frame like ``frame``.

    Used to show that a check fails for a wrong law without a second ngspice run.

    Parameters
    ----------
    frame : DataFrame
        A check result (columns of :func:`agreement_frame`) [SI].
    sde : mapping of quantity to float
        Replacement SDE values [SI].
    sigmas : float
        As for :func:`agreement_frame` [-].
    sde_stderr : mapping of quantity to float, optional
        Replacement SDE standard errors (default: the recorded ones) [SI].
    """
    rows = []
    for r in frame.itertuples():
        se = r.sde_stderr if sde_stderr is None else sde_stderr.get(r.quantity, r.sde_stderr)
        rows.append((r.quantity, r.spice, r.spice_stderr, sde.get(r.quantity, r.sde), se, r.budget))
    return agreement_frame(rows, sigmas)


def thermal_gate_scale(params, temperature: float) -> float:
    """n U_T of a device: the gate-voltage change equivalent to a unit change of ln I in weak inversion [V]."""
    return float(params.slope_factor_at(temperature)) * thermal_voltage(temperature)
