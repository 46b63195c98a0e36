r"""The p-bit transfer law with its temperature dependence (shared by the fits and the cell models).

.. math::

    P(1) = F\!\left(\frac{v - v_\mathrm{mid}(T)}{v_\mathrm{width}(T)}\right),\quad
    v_\mathrm{mid}(T) = v_\mathrm{mid,ref} + \frac{dv_\mathrm{mid}}{dT}(T - T_\mathrm{ref}),\quad
    v_\mathrm{width}(T) = v_\mathrm{width,ref}\,(T/T_\mathrm{ref})^{\gamma}

with :math:`F` the logistic function or the standard normal CDF :math:`\Phi`. The width exponent
tells the mechanism (docs/physics.md §3): γ = 1 for a bias acting through a subthreshold exponential
(width ∝ n U_T), γ = 1/2 for a latch resolving kT/C noise (probit), γ = 0 for fixed energies with
an externally scaled bias. Logistic p-bit rule: Camsari et al., Phys. Rev. X 7, 031014 (2017).
"""

from __future__ import annotations

import numpy as np

from noisecircuits.fitting._forms import cdf

__all__ = ["PARAMETER_NAMES", "v_mid", "v_width", "p_one"]

#: Parameters of the temperature law, in the order of the fit's covariance matrix (t_ref is fixed).
PARAMETER_NAMES = ("v_mid_ref_V", "dv_mid_dT_V_per_K", "v_width_ref_V", "width_exponent")


def v_mid(parameters: dict, temperature):
    """Mid-point bias :math:`v_\\mathrm{mid}(T)` [V].

    Parameters
    ----------
    parameters : dict
        ``v_mid_ref_V`` [V], ``dv_mid_dT_V_per_K`` [V/K], ``t_ref_K`` [K].
    temperature : float or array_like
        Temperature [K].
    """
    t = np.asarray(temperature, dtype=float)
    return parameters["v_mid_ref_V"] + parameters["dv_mid_dT_V_per_K"] * (t - parameters["t_ref_K"])


def v_width(parameters: dict, temperature):
    """Transfer width :math:`v_\\mathrm{width}(T)` [V].

    Parameters
    ----------
    parameters : dict
        ``v_width_ref_V`` [V], ``width_exponent`` [-], ``t_ref_K`` [K].
    temperature : float or array_like
        Temperature [K].
    """
    t = np.asarray(temperature, dtype=float)
    return parameters["v_width_ref_V"] * (t / parameters["t_ref_K"]) ** parameters["width_exponent"]


def p_one(form: str, parameters: dict, v_bias, temperature):
    """:math:`P(1) = F((v - v_\\mathrm{mid}(T)) / v_\\mathrm{width}(T))` [-].

    Parameters
    ----------
    form : str
        ``"logistic"`` or ``"probit"`` [-].
    parameters : dict
        The temperature-law parameters (see :data:`PARAMETER_NAMES`, plus ``t_ref_K``) [various].
    v_bias : float or array_like
        Control (bias) voltage [V].
    temperature : float or array_like
        Temperature [K].
    """
    v = np.asarray(v_bias, dtype=float)
    return cdf(form, (v - v_mid(parameters, temperature)) / v_width(parameters, temperature))
