r"""Supply power of a cell versus temperature (log-linear least squares).

.. math::

    \ln P_\mathrm{supply}(T) = \ln P_\mathrm{ref} + c\,(T - T_\mathrm{ref})

A subthreshold circuit's current grows roughly exponentially with temperature (threshold voltage
falling by ~1 mV/K, docs/physics.md §4), so a log-linear law is the natural first-order model.
Parameters ``supply_power_ref_W`` [W] and ``supply_power_log_slope_per_K`` [1/K] (fixed at 0
for a single temperature).
"""

from __future__ import annotations

import numpy as np

from noisecircuits.errors import FitError
from noisecircuits.fitting._linear import least_squares
from noisecircuits.fitting.result import FitResult

__all__ = ["supply_power", "fit_supply_power_ls"]


def supply_power(parameters: dict, temperature):
    """Supply power of the law [W].

    Parameters
    ----------
    parameters : dict
        ``supply_power_ref_W`` [W], ``supply_power_log_slope_per_K`` [1/K], ``t_ref_K`` [K].
    temperature : float or array_like
        Temperature [K].
    """
    t = np.asarray(temperature, dtype=float)
    return parameters["supply_power_ref_W"] * np.exp(parameters["supply_power_log_slope_per_K"] * (t - parameters["t_ref_K"]))


def fit_supply_power_ls(temperature, supply_power_W, *, t_ref: float) -> FitResult:
    """Fit the supply-power law by least squares on :math:`\\ln P`.

    Parameters
    ----------
    temperature : array_like
        Temperature of each point [K].
    supply_power_W : array_like
        Measured supply power [W].
    t_ref : float
        Reference temperature [K].

    Returns
    -------
    FitResult
        ``supply_power_ref_W`` [W], ``supply_power_log_slope_per_K`` [1/K], ``t_ref_K`` [K].
    """
    t = np.asarray(temperature, dtype=float)
    power = np.asarray(supply_power_W, dtype=float)
    keep = np.isfinite(power) & (power > 0) & np.isfinite(t)
    if not np.any(keep):
        raise FitError("need at least one point with a finite positive supply_power_W")
    t, power = t[keep], power[keep]
    several_t = np.unique(t).size > 1
    design = np.column_stack([np.ones_like(t)] + ([t - t_ref] if several_t else []))
    beta, cov, s2, loglik = least_squares(design, np.log(power))
    p_ref = float(np.exp(beta[0]))
    parameters = {
        "supply_power_ref_W": p_ref,
        "supply_power_log_slope_per_K": float(beta[1]) if several_t else 0.0,
        "t_ref_K": float(t_ref),
    }
    names = ["supply_power_ref_W"] + (["supply_power_log_slope_per_K"] if several_t else [])
    jac = np.array([p_ref] + ([1.0] if several_t else []))
    cov_direct = cov * np.outer(jac, jac)
    stderr = {name: float("nan") for name in parameters}
    stderr.update(dict(zip(names, np.sqrt(np.diag(cov_direct)).tolist(), strict=True)))
    return FitResult(
        parameters=parameters,
        stderr=stderr,
        covariance=cov_direct,
        parameter_names=tuple(names),
        log_likelihood=loglik,
        n_points=int(t.size),
        goodness_of_fit={"rms_log_residual": float(np.sqrt(s2)) if np.isfinite(s2) else float("nan")},
        form="log_linear",
        method="log_least_squares",
    )
