r"""Correlation time of a p-bit versus bias and temperature (log-linear least squares).

A two-state process with rates :math:`k_+` (0→1) and :math:`k_-` (1→0) has
:math:`P(1) = k_+/(k_+ + k_-)` and autocorrelation time :math:`\tau_c = 1/(k_+ + k_-)`
(Machlup 1954). If the bias moves the two barriers in opposite directions, each by a fraction of
the tilt, :math:`k_\pm = k_0 e^{\pm x/2}` with :math:`x = \mathrm{logit}\,P(1)`, then
:math:`\tau_c = \tau_\mathrm{peak} [4 P(1)(1-P(1))]^{1/2}`. The fitted law generalises the
exponent and adds Arrhenius (Kramers) temperature dependence of the peak:

.. math::

    \ln \tau_c = \ln \tau_\mathrm{peak,ref} + \frac{E_a}{k_B}\left(\frac{1}{T} - \frac{1}{T_\mathrm{ref}}\right)
    + s \ln\!\big(4 P(1) (1 - P(1))\big)

with :math:`P(1)` the fitted transfer curve. Parameters ``tau_peak_ref_s`` [s],
``tau_activation_energy_J`` [J] (fixed at 0 for a single temperature), ``tau_shape_exponent`` [-].
Energy per independent sample: :math:`E = P_\mathrm{supply}(T) \cdot 2\tau_c` (docs/architecture.md).
"""

from __future__ import annotations

import numpy as np

from noisecircuits.citations import use
from noisecircuits.constants import BOLTZMANN
from noisecircuits.errors import FitError
from noisecircuits.fitting._linear import least_squares
from noisecircuits.fitting.result import FitResult

__all__ = ["TAU_PARAMETER_NAMES", "correlation_time", "fit_correlation_time_ls"]

TAU_PARAMETER_NAMES = ("tau_peak_ref_s", "tau_activation_energy_J", "tau_shape_exponent")
_P_FLOOR = 1e-12


def correlation_time(parameters: dict, p_one, temperature):
    r""":math:`\tau_c(P(1), T)` of the fitted law [s].

    Parameters
    ----------
    parameters : dict
        ``tau_peak_ref_s`` [s], ``tau_activation_energy_J`` [J], ``tau_shape_exponent`` [-], ``t_ref_K`` [K].
    p_one : float or array_like
        P(1) at the operating point [-].
    temperature : float or array_like
        Temperature [K].
    """
    p = np.clip(np.asarray(p_one, dtype=float), _P_FLOOR, 1.0 - _P_FLOOR)
    t = np.asarray(temperature, dtype=float)
    log_tau = (
        np.log(parameters["tau_peak_ref_s"])
        + parameters["tau_activation_energy_J"] / BOLTZMANN * (1.0 / t - 1.0 / parameters["t_ref_K"])
        + parameters["tau_shape_exponent"] * np.log(4.0 * p * (1.0 - p))
    )
    return np.exp(log_tau)


def fit_correlation_time_ls(p_one, temperature, correlation_time_s, *, t_ref: float) -> FitResult:
    """Fit the correlation-time law by least squares on :math:`\\ln \\tau_c`.

    Parameters
    ----------
    p_one : array_like
        Fitted P(1) at each point (from the transfer fit, not the noisy estimate) [-].
    temperature : array_like
        Temperature of each point [K].
    correlation_time_s : array_like
        Measured correlation time of each point [s].
    t_ref : float
        Reference temperature of the law [K].

    Returns
    -------
    FitResult
        Parameters ``tau_peak_ref_s`` [s], ``tau_activation_energy_J`` [J], ``tau_shape_exponent`` [-],
        ``t_ref_K`` [K]; with a single temperature the activation energy is fixed at 0 (stderr nan).
    """
    p = np.clip(np.asarray(p_one, dtype=float), _P_FLOOR, 1.0 - _P_FLOOR)
    t = np.asarray(temperature, dtype=float)
    tau = np.asarray(correlation_time_s, dtype=float)
    keep = np.isfinite(tau) & (tau > 0) & np.isfinite(p) & np.isfinite(t)
    if np.count_nonzero(keep) < 2:
        raise FitError("need at least two points with a finite positive correlation_time_s to fit its law")
    p, t, tau = p[keep], t[keep], tau[keep]
    shape = np.log(4.0 * p * (1.0 - p))
    inv_t = 1.0 / t - 1.0 / t_ref
    several_t = np.unique(t).size > 1
    columns = [np.ones_like(tau), shape] + ([inv_t] if several_t else [])
    if np.ptp(shape) < 1e-9:
        raise FitError("P(1) is the same at every point: the bias dependence of the correlation time is not identifiable")
    beta, cov, s2, loglik = least_squares(np.column_stack(columns), np.log(tau))
    tau_peak = float(np.exp(beta[0]))
    parameters = {
        "tau_peak_ref_s": tau_peak,
        "tau_activation_energy_J": float(beta[2] * BOLTZMANN) if several_t else 0.0,
        "tau_shape_exponent": float(beta[1]),
        "t_ref_K": float(t_ref),
    }
    names = ["tau_peak_ref_s", "tau_shape_exponent"] + (["tau_activation_energy_J"] if several_t else [])
    jac = np.array([tau_peak, 1.0] + ([BOLTZMANN] if several_t else []))
    cov_direct = cov * np.outer(jac, jac)
    se = np.sqrt(np.diag(cov_direct))
    stderr = {name: float("nan") for name in parameters}
    stderr.update(dict(zip(names, se.tolist(), strict=True)))
    use("machlup1954", "kramers1940")
    return FitResult(
        parameters=parameters,
        stderr=stderr,
        covariance=cov_direct,
        parameter_names=tuple(names),
        log_likelihood=loglik,
        n_points=int(tau.size),
        goodness_of_fit={"rms_log_residual": float(np.sqrt(s2)) if np.isfinite(s2) else float("nan")},
        form="power_arrhenius",
        method="log_least_squares",
    )
