r"""The two-rate law of a p-bit: escape rates of an asymmetric, tilted double well.

A bistable cell hops 0→1 at rate :math:`k_{01}` and 1→0 at rate :math:`k_{10}`; its stationary
occupation and its correlation time follow from the two rates together (Machlup 1954):

.. math::

    P(1) = \frac{k_{01}}{k_{01} + k_{10}},\qquad \tau_c = \frac{1}{k_{01} + k_{10}}.

Each rate is Arrhenius-like (Kramers 1940) with a bias-dependent prefactor and barrier:

.. math::

    \ln k_{ij}(v, T) = \lambda_{ij}(u) - \frac{E_{ij}(u)}{k_B}\left(\frac{1}{T} - \frac{1}{T_\mathrm{ref}}\right),
    \qquad u = \frac{v - v_c}{v_s}\,\frac{T_\mathrm{ref}}{T},

with :math:`\lambda_{ij}` (the log-rate at :math:`T_\mathrm{ref}`, [ln(1/s)]) and :math:`E_{ij}`
(the activation energy, [J]) polynomials in the reduced bias :math:`u`. The bias enters in units
of the thermal voltage (the factor :math:`T_\mathrm{ref}/T`) because a subthreshold transistor
tilts the wells through :math:`e^{v/nU_T}`. A tilt that lowers one barrier raises the other, so
:math:`\tau_c` peaks near the mid-point and falls toward both tails; the polynomials let the two
wells be asymmetric. :math:`v_c` and :math:`v_s` (centre and half-width of the fitted bias range)
are fixed so that :math:`|u| \lesssim 1` on the data.

Parameters (document names): ``rate_bias_center_V`` [V], ``rate_bias_scale_V`` [V], ``t_ref_K``
[K], ``k01_log_rate`` and ``k10_log_rate`` (power-series coefficients of :math:`\lambda` in
:math:`u`, [ln(1/s)]), ``k01_activation_energy_J`` and ``k10_activation_energy_J``
(coefficients of :math:`E`, [J]).
"""

from __future__ import annotations

import numpy as np

from noisecircuits.constants import BOLTZMANN

__all__ = ["RATE_NAMES", "law_from_flat", "reduced_bias", "log_rates", "logit_p_one", "p_one", "correlation_time", "coefficient_names", "v_mid", "v_width"]

#: The two rates, in the order of the fit's parameter vector.
RATE_NAMES = ("k01", "k10")


def coefficient_names(bias_degree: int, activation_degree: int) -> list[str]:
    """Flat names of the fitted coefficients, e.g. ``k01_log_rate_2``, ``k10_activation_energy_J_1`` [-]."""
    names = []
    for rate in RATE_NAMES:
        names += [f"{rate}_log_rate_{i}" for i in range(bias_degree + 1)]
        names += [f"{rate}_activation_energy_J_{i}" for i in range(activation_degree + 1)]
    return names


def reduced_bias(parameters: dict, v_bias, temperature):
    r""":math:`u = (v - v_c)/v_s \cdot T_\mathrm{ref}/T` [-].

    Parameters
    ----------
    parameters : dict
        ``rate_bias_center_V`` [V], ``rate_bias_scale_V`` [V], ``t_ref_K`` [K].
    v_bias : float or array_like
        Bias [V].
    temperature : float or array_like
        Temperature [K].
    """
    v = np.asarray(v_bias, dtype=float)
    t = np.asarray(temperature, dtype=float)
    return (v - parameters["rate_bias_center_V"]) / parameters["rate_bias_scale_V"] * (parameters["t_ref_K"] / t)


def _series(coefficients, u):
    return np.polynomial.polynomial.polyval(u, np.asarray(coefficients, dtype=float))


def log_rates(parameters: dict, v_bias, temperature):
    """``(ln k01, ln k10)`` at (``v_bias`` [V], ``temperature`` [K]); rates in [1/s]."""
    u = reduced_bias(parameters, v_bias, temperature)
    inv = 1.0 / np.asarray(temperature, dtype=float) - 1.0 / parameters["t_ref_K"]
    return tuple(
        _series(parameters[f"{rate}_log_rate"], u) - _series(parameters[f"{rate}_activation_energy_J"], u) / BOLTZMANN * inv
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
    law = {k: parameters[k] for k in ("rate_bias_center_V", "rate_bias_scale_V", "t_ref_K")}
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
    terms = []
    for rate, sign in zip(RATE_NAMES, (1.0, -1.0)):
        terms.append(sign * np.asarray(parameters[f"{rate}_log_rate"], dtype=float))
        terms.append(-sign * np.asarray(parameters[f"{rate}_activation_energy_J"], dtype=float) / BOLTZMANN * inv)
    size = max(t.size for t in terms)
    return sum(np.pad(t, (0, size - t.size)) for t in terms)


def _mid_and_slope(parameters: dict, temperature: float):
    series = _logit_series(parameters, temperature)
    roots = np.polynomial.polynomial.polyroots(series) if np.any(series[1:] != 0) else np.array([])
    real = roots[np.abs(roots.imag) < 1e-9 * np.maximum(1.0, np.abs(roots.real))].real
    if real.size == 0:
        return float("nan"), float("nan")
    u = float(real[np.argmin(np.abs(real))])
    scale = parameters["rate_bias_scale_V"] * temperature / parameters["t_ref_K"]
    slope = float(np.polynomial.polynomial.polyval(u, np.polynomial.polynomial.polyder(series))) / scale
    return parameters["rate_bias_center_V"] + u * scale, slope


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
