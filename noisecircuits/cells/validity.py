"""Validity ranges of calibrated cell models and what happens outside them."""

from __future__ import annotations

import warnings

import numpy as np

from noisecircuits.errors import ParameterError, ValidityRangeError

__all__ = ["ValidityRangeWarning", "OUT_OF_RANGE_POLICIES", "check_policy", "enforce_range"]

#: What a model does when evaluated outside its validity range.
OUT_OF_RANGE_POLICIES = ("warn", "raise", "ignore")

# float rounding at the edges of the fitted range is not "outside"
_EDGE_TOLERANCE = 1e-9


class ValidityRangeWarning(UserWarning):
    """A calibrated cell model was evaluated outside the range its data covered."""


def check_policy(policy: str) -> str:
    """Return ``policy`` if it is one of :data:`OUT_OF_RANGE_POLICIES`, else raise ParameterError."""
    if policy not in OUT_OF_RANGE_POLICIES:
        raise ParameterError(f"on_out_of_range must be one of {', '.join(OUT_OF_RANGE_POLICIES)}, got {policy!r}")
    return policy


def enforce_range(policy: str, name: str, values, low: float, high: float, unit: str) -> None:
    """Warn, raise or do nothing (per ``policy``) if any of ``values`` lies outside [low, high].

    Parameters
    ----------
    policy : str
        ``"warn"`` (:class:`ValidityRangeWarning`), ``"raise"`` (:class:`ValidityRangeError`) or ``"ignore"`` [-].
    name : str
        Quantity name used in the message [-].
    values : array_like
        Values to check [unit].
    low, high : float
        Validity range [unit].
    unit : str
        Unit shown in the message [-].
    """
    if policy == "ignore":
        return
    v = np.asarray(values, dtype=float)
    tol = _EDGE_TOLERANCE * max(1.0, abs(low), abs(high))
    outside = (v < low - tol) | (v > high + tol) | ~np.isfinite(v)
    if not np.any(outside):
        return
    worst = v[outside].flat[0]
    message = f"{name} = {worst:g} {unit} is outside the cell model's validity range [{low:g}, {high:g}] {unit}"
    if policy == "raise":
        raise ValidityRangeError(message)
    warnings.warn(message, ValidityRangeWarning, stacklevel=3)
