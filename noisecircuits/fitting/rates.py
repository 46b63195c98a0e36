r"""The two-rate law of a p-bit: escape rates of an asymmetric, tilted double well.

A bistable cell hops 0→1 at rate :math:`k_{01}` and 1→0 at rate :math:`k_{10}`; its stationary
occupation and its correlation time follow from the two rates together (Machlup 1954):

.. math::

    P(1) = \frac{k_{01}}{k_{01} + k_{10}},\qquad \tau_c = \frac{1}{k_{01} + k_{10}}.

Each rate is Arrhenius-like (Kramers 1940) with a bias-dependent prefactor and barrier:

.. math::

    \ln k_{ij}(v, T) = \lambda_{ij}(u) - \frac{E_{ij}(u)}{k_B}\left(\frac{1}{T} - \frac{1}{T_\mathrm{ref}}\right)
    + \kappa_{ij}\,\theta^2,
    \qquad u = \frac{v - v_c(T)}{v_s(T)},\qquad \theta = \frac{T_\mathrm{ref}}{T} - 1,

with :math:`\lambda_{ij}` (the log-rate at :math:`T_\mathrm{ref}`, [ln(1/s)]) and :math:`E_{ij}`
(the activation energy, [J]) polynomials in the reduced bias :math:`u`. The bias frame is

.. math::

    v_c(T) = v_{c} + v_c'\,(T - T_\mathrm{ref}) + \tfrac12 v_c''\,(T - T_\mathrm{ref})^2,\qquad
    v_s(T) = v_{s}\,\exp\!\big(\gamma\,\ell + \gamma_2\,\ell^2\big),\quad \ell = \ln(T/T_\mathrm{ref}).

With the defaults :math:`v_c' = v_c'' = 0`, :math:`\gamma = 1`, :math:`\gamma_2 = \kappa = 0` the
frame is fixed, :math:`u = (v - v_c)/v_s \cdot T_\mathrm{ref}/T`: the bias enters in units of the
thermal voltage because a subthreshold transistor tilts the wells through :math:`e^{v/nU_T}`, and
:math:`v_c`, :math:`v_s` (centre and half-width of the fitted bias range) keep :math:`|u| \lesssim 1`
on the data. A tilt that lowers one barrier raises the other, so :math:`\tau_c` peaks near the
mid-point and falls toward both tails; the polynomials let the two wells be asymmetric.

The *mid-point frame* (:mod:`noisecircuits.fitting.rates_midpoint`) fits the frame instead: then
:math:`v_c(T)` is the mid-point :math:`v_\mathrm{mid}(T)` (:math:`k_{01} = k_{10}`) and
:math:`v_s(T)` the logistic-equivalent transfer width there. The two rates share their constant
terms (:math:`\lambda_{01}(0) = \lambda_{10}(0)`, :math:`E_{01}(0) = E_{10}(0)`,
:math:`\kappa_{01} = \kappa_{10}`), so each is :math:`1/(2\tau_\mathrm{mid}(T))` at :math:`u = 0`,
and their linear terms differ by exactly one at every temperature. Such a frame follows a latch
whose barrier is not Arrhenius in 1/T (a supply that tracks temperature, a barrier of about 1 kT
that grows and shrinks across the range: docs/fitting.md "The mid-point frame").

Parameters (document names): ``rate_bias_center_V`` [V], ``rate_bias_scale_V`` [V], ``t_ref_K``
[K], ``k01_log_rate`` and ``k10_log_rate`` (power-series coefficients of :math:`\lambda` in
:math:`u`, [ln(1/s)]), ``k01_activation_energy_J`` and ``k10_activation_energy_J``
(coefficients of :math:`E`, [J]); optional (defaults in :data:`FRAME_DEFAULTS`):
``rate_bias_center_dT_V_per_K`` (:math:`v_c'`, [V/K]), ``rate_bias_center_d2T_V_per_K2``
(:math:`v_c''`, [V/K²]), ``rate_bias_scale_exponent`` (:math:`\gamma`, [-]),
``rate_bias_scale_curvature`` (:math:`\gamma_2`, [-]), ``k01_log_rate_curvature`` and
``k10_log_rate_curvature`` (:math:`\kappa_{ij}`, [ln(1/s)]).
"""

from __future__ import annotations

import numpy as np

from noisecircuits.constants import BOLTZMANN

__all__ = ["RATE_NAMES", "FRAME_DEFAULTS", "frame_value", "bias_frame", "law_from_flat", "reduced_bias", "log_rates", "logit_p_one", "p_one", "correlation_time", "coefficient_names", "v_mid", "v_width"]

#: The two rates, in the order of the fit's parameter vector.
RATE_NAMES = ("k01", "k10")
#: Optional scalars of the law and the values they take when a document leaves them out (the fixed frame).
FRAME_DEFAULTS = {
    "rate_bias_center_dT_V_per_K": 0.0,
    "rate_bias_center_d2T_V_per_K2": 0.0,
    "rate_bias_scale_exponent": 1.0,
    "rate_bias_scale_curvature": 0.0,
    "k01_log_rate_curvature": 0.0,
    "k10_log_rate_curvature": 0.0,
}


def frame_value(parameters: dict, name: str) -> float:
    """An optional scalar of the law (:data:`FRAME_DEFAULTS`), its default where absent [various]."""
    return float(parameters.get(name, FRAME_DEFAULTS[name]))


def bias_frame(parameters: dict, temperature):
    r"""Centre :math:`v_c(T)` [V] and scale :math:`v_s(T)` [V] of the reduced bias at ``temperature`` [K]."""
    t = np.asarray(temperature, dtype=float)
    dt = t - parameters["t_ref_K"]
    ell = np.log(t / parameters["t_ref_K"])
    centre = (parameters["rate_bias_center_V"] + frame_value(parameters, "rate_bias_center_dT_V_per_K") * dt
              + 0.5 * frame_value(parameters, "rate_bias_center_d2T_V_per_K2") * dt * dt)
    scale = parameters["rate_bias_scale_V"] * np.exp(frame_value(parameters, "rate_bias_scale_exponent") * ell
                                                     + frame_value(parameters, "rate_bias_scale_curvature") * ell * ell)
    return centre, scale


def coefficient_names(bias_degree: int, activation_degree: int) -> list[str]:
    """Flat names of the fitted coefficients, e.g. ``k01_log_rate_2``, ``k10_activation_energy_J_1`` [-]."""
    names = []
    for rate in RATE_NAMES:
        names += [f"{rate}_log_rate_{i}" for i in range(bias_degree + 1)]
        names += [f"{rate}_activation_energy_J_{i}" for i in range(activation_degree + 1)]
    return names


def reduced_bias(parameters: dict, v_bias, temperature):
    r""":math:`u = (v - v_c(T))/v_s(T)` [-] (:func:`bias_frame`).

    Parameters
    ----------
    parameters : dict
        ``rate_bias_center_V`` [V], ``rate_bias_scale_V`` [V], ``t_ref_K`` [K] and the optional
        frame scalars of :data:`FRAME_DEFAULTS`.
    v_bias : float or array_like
        Bias [V].
    temperature : float or array_like
        Temperature [K].
    """
    centre, scale = bias_frame(parameters, temperature)
    return (np.asarray(v_bias, dtype=float) - centre) / scale


def _series(coefficients, u):
    return np.polynomial.polynomial.polyval(u, np.asarray(coefficients, dtype=float))


def log_rates(parameters: dict, v_bias, temperature):
    """``(ln k01, ln k10)`` at (``v_bias`` [V], ``temperature`` [K]); rates in [1/s]."""
    u = reduced_bias(parameters, v_bias, temperature)
    t = np.asarray(temperature, dtype=float)
    inv = 1.0 / t - 1.0 / parameters["t_ref_K"]
    theta = parameters["t_ref_K"] / t - 1.0
    return tuple(
        _series(parameters[f"{rate}_log_rate"], u) - _series(parameters[f"{rate}_activation_energy_J"], u) / BOLTZMANN * inv
        + frame_value(parameters, f"{rate}_log_rate_curvature") * theta * theta
        for rate in RATE_NAMES
    )


def logit_p_one(parameters: dict, v_bias, temperature):
    r""":math:`\ln(k_{01}/k_{10})`, the log-odds of state 1 [-]."""
    a, b = log_rates(parameters, v_bias, temperature)
    return a - b


def p_one(parameters: dict, v_bias, temperature):
    """:math:`P(1) = k_{01}/(k_{01} + k_{10})` [-] at ``v_bias`` [V] and ``temperature`` [K]."""
    from scipy.special import expit

    return expit(logit_p_one(parameters, v_bias, temperature))


def correlation_time(parameters: dict, v_bias, temperature):
    r""":math:`\tau_c = 1/(k_{01} + k_{10})` [s] at ``v_bias`` [V] and ``temperature`` [K]."""
    a, b = log_rates(parameters, v_bias, temperature)
    return np.exp(-np.logaddexp(a, b))


def law_from_flat(parameters: dict) -> dict:
    """Group flat fitted coefficients (``k01_log_rate_0`` ...) into the law's coefficient lists [various]."""
    law = {k: parameters[k] for k in ("rate_bias_center_V", "rate_bias_scale_V", "t_ref_K", *FRAME_DEFAULTS)
           if k in parameters}
    for rate in RATE_NAMES:
        for key in (f"{rate}_log_rate", f"{rate}_activation_energy_J"):
            values, i = [], 0
            while f"{key}_{i}" in parameters:
                values.append(float(parameters[f"{key}_{i}"]))
                i += 1
            law[key] = values or [0.0]
    return law


def _logit_series(parameters: dict, temperature: float) -> np.ndarray:
    """Power-series coefficients in u of ln(k01/k10) at one temperature [-]."""
    inv = 1.0 / temperature - 1.0 / parameters["t_ref_K"]
    theta = parameters["t_ref_K"] / temperature - 1.0
    terms = []
    for rate, sign in zip(RATE_NAMES, (1.0, -1.0)):
        terms.append(sign * np.asarray(parameters[f"{rate}_log_rate"], dtype=float))
        terms.append(-sign * np.asarray(parameters[f"{rate}_activation_energy_J"], dtype=float) / BOLTZMANN * inv)
        terms.append(np.array([sign * frame_value(parameters, f"{rate}_log_rate_curvature") * theta * theta]))
    size = max(t.size for t in terms)
    return sum(np.pad(t, (0, size - t.size)) for t in terms)


def _mid_and_slope(parameters: dict, temperature: float):
    series = _logit_series(parameters, temperature)
    roots = np.polynomial.polynomial.polyroots(series) if np.any(series[1:] != 0) else np.array([])
    real = roots[np.abs(roots.imag) < 1e-9 * np.maximum(1.0, np.abs(roots.real))].real
    if real.size == 0:
        return float("nan"), float("nan")
    u = float(real[np.argmin(np.abs(real))])
    centre, scale = (float(x) for x in bias_frame(parameters, temperature))
    slope = float(np.polynomial.polynomial.polyval(u, np.polynomial.polynomial.polyder(series))) / scale
    return centre + u * scale, slope


def v_mid(parameters: dict, temperature):
    """Bias where k01 = k10 (P(1) = 1/2) nearest the centre of the fitted range [V]; NaN if none."""
    t = np.asarray(temperature, dtype=float)
    out = np.array([_mid_and_slope(parameters, float(x))[0] for x in t.ravel()])
    return out.reshape(t.shape)


def v_width(parameters: dict, temperature):
    """Logistic-equivalent width 1 / (d ln(k01/k10) / dv) at the mid-point [V]."""
    t = np.asarray(temperature, dtype=float)
    out = np.array([1.0 / _mid_and_slope(parameters, float(x))[1] for x in t.ravel()])
    return out.reshape(t.shape)
