"""Sigmoid forms F(z) of a p-bit transfer curve and the derivatives of log F and log(1 - F).

``logistic``: :math:`F(z) = 1/(1 + e^{-z})`; ``probit``: :math:`F(z) = \\Phi(z)`, the standard
normal CDF. Everything is computed in log space (``log_ndtr``) so saturated points stay finite.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from noisecircuits.errors import ParameterError

__all__ = ["FORMS", "check_form", "cdf", "inverse_cdf", "log_terms"]

FORMS = ("logistic", "probit")
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def check_form(form: str, *, allow_auto: bool = False) -> str:
    """Return ``form`` if it names a known sigmoid form (or ``"auto"`` when allowed), else raise."""
    allowed = (*FORMS, "auto") if allow_auto else FORMS
    if form not in allowed:
        raise ParameterError(f"form must be one of {', '.join(allowed)}, got {form!r}")
    return form


def cdf(form: str, z):
    """F(z) for ``form`` (vectorised) [-]."""
    z = np.asarray(z, dtype=float)
    return special.expit(z) if form == "logistic" else special.ndtr(z)


def inverse_cdf(form: str, p):
    """F^{-1}(p) for ``form`` (vectorised) [-]."""
    p = np.asarray(p, dtype=float)
    return special.logit(p) if form == "logistic" else special.ndtri(p)


def _mills(z):
    """phi(z)/Phi(z), computed in log space."""
    return np.exp(-0.5 * z * z - _LOG_SQRT_2PI - special.log_ndtr(z))


def log_terms(form: str, z):
    """Log-probabilities and their first two z-derivatives.

    Returns
    -------
    tuple of ndarray
        ``(log F, log(1-F), d log F, d log(1-F), d2 log F, d2 log(1-F))`` at ``z`` [-].
    """
    z = np.asarray(z, dtype=float)
    if form == "logistic":
        p = special.expit(z)
        q = special.expit(-z)
        curv = -p * q
        return -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z), q, -p, curv, curv
    lam_pos = _mills(z)
    lam_neg = _mills(-z)
    return (
        special.log_ndtr(z),
        special.log_ndtr(-z),
        lam_pos,
        -lam_neg,
        -lam_pos * (z + lam_pos),
        -lam_neg * (lam_neg - z),
    )
