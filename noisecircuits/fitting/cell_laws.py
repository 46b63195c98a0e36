"""The laws of a p-bit cell by form: one dispatcher shared by the cell model, its checks and the fits.

* ``"logistic"``, ``"probit"``: :mod:`noisecircuits.fitting.transfer_law` for P(1), with the
  correlation time from the ``power_arrhenius`` law of :mod:`noisecircuits.fitting.correlation`;
* ``"two_rate"``: :mod:`noisecircuits.fitting.rates`, P(1) and the correlation time from the
  same two escape rates;
* ``"monotone_spline"``: :mod:`noisecircuits.fitting.spline` for P(1), with the
  ``power_arrhenius`` correlation-time law.
"""

from __future__ import annotations

from noisecircuits.errors import ParameterError
from noisecircuits.fitting import correlation as _tau_law
from noisecircuits.fitting import rates as _rates
from noisecircuits.fitting import spline as _spline
from noisecircuits.fitting import transfer_law as _sigmoid

__all__ = ["PBIT_FORMS", "SIGMOID_FORMS", "p_one", "v_mid", "v_width", "correlation_time"]

SIGMOID_FORMS = ("logistic", "probit")
#: Every form a p-bit cell's transfer law can take.
PBIT_FORMS = (*SIGMOID_FORMS, "two_rate", "monotone_spline")


def _check(form: str) -> str:
    if form not in PBIT_FORMS:
        raise ParameterError(f"form must be one of {', '.join(PBIT_FORMS)}, got {form!r}")
    return form


def p_one(form: str, parameters: dict, v_bias, temperature):
    """P(1) at ``v_bias`` [V] and ``temperature`` [K] [-]."""
    if _check(form) == "two_rate":
        return _rates.p_one(parameters, v_bias, temperature)
    if form == "monotone_spline":
        return _spline.p_one(parameters, v_bias, temperature)
    return _sigmoid.p_one(form, parameters, v_bias, temperature)


def v_mid(form: str, parameters: dict, temperature):
    """Bias where P(1) = 1/2 [V]."""
    if _check(form) == "two_rate":
        return _rates.v_mid(parameters, temperature)
    if form == "monotone_spline":
        return _spline.v_mid(parameters, temperature)
    return _sigmoid.v_mid(parameters, temperature)


def v_width(form: str, parameters: dict, temperature):
    """Transfer width [V] (for ``two_rate`` the logistic-equivalent width at the mid-point)."""
    if _check(form) == "two_rate":
        return _rates.v_width(parameters, temperature)
    if form == "monotone_spline":
        return _spline.v_width(parameters, temperature)
    return _sigmoid.v_width(parameters, temperature)


def correlation_time(form: str, parameters: dict, tau_law: dict, v_bias, temperature):
    """Correlation time [s] at ``v_bias`` [V] and ``temperature`` [K] given the cell's correlation-time law."""
    if tau_law["law"] == "two_rate":
        return _rates.correlation_time(parameters, v_bias, temperature)
    return _tau_law.correlation_time(tau_law, p_one(form, parameters, v_bias, temperature), temperature)
