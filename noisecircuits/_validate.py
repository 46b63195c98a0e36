"""Small validators used by the frozen parameter dataclasses.

Each raises :class:`~noisecircuits.errors.ParameterError` with a message of the form
``"<name> must be <rule> [unit], got <value>"``.
"""

from __future__ import annotations

import math
from numbers import Real

from noisecircuits.errors import ParameterError

__all__ = ["finite", "positive", "non_negative", "in_range", "positive_int", "temperature"]


def _fmt(unit: str) -> str:
    return f" [{unit}]" if unit else ""


def finite(name: str, value, unit: str = "") -> float:
    """Return ``value`` as float if it is a finite real number, else raise."""
    if isinstance(value, bool) or not isinstance(value, Real):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"{name} must be a finite number{_fmt(unit)}, got {value!r}") from None
    v = float(value)
    if not math.isfinite(v):
        raise ParameterError(f"{name} must be a finite number{_fmt(unit)}, got {value!r}")
    return v


def positive(name: str, value, unit: str = "") -> float:
    """Return ``value`` if finite and > 0, else raise."""
    v = finite(name, value, unit)
    if v <= 0:
        raise ParameterError(f"{name} must be > 0{_fmt(unit)}, got {value!r}")
    return v


def non_negative(name: str, value, unit: str = "") -> float:
    """Return ``value`` if finite and >= 0, else raise."""
    v = finite(name, value, unit)
    if v < 0:
        raise ParameterError(f"{name} must be >= 0{_fmt(unit)}, got {value!r}")
    return v


def in_range(name: str, value, low: float, high: float, unit: str = "", *, inclusive: bool = True) -> float:
    """Return ``value`` if finite and inside [low, high] (or (low, high)), else raise."""
    v = finite(name, value, unit)
    ok = (low <= v <= high) if inclusive else (low < v < high)
    if not ok:
        br = ("[", "]") if inclusive else ("(", ")")
        raise ParameterError(f"{name} must be in {br[0]}{low:g}, {high:g}{br[1]}{_fmt(unit)}, got {value!r}")
    return v


def positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as int if it is an integer >= ``minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int,)) and not (
        isinstance(value, float) and value.is_integer()
    ):
        try:
            iv = int(value)
            if iv != value:
                raise ValueError
        except (TypeError, ValueError):
            raise ParameterError(f"{name} must be an integer >= {minimum}, got {value!r}") from None
        value = iv
    iv = int(value)
    if iv < minimum:
        raise ParameterError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return iv


def temperature(name: str, value) -> float:
    """Return ``value`` if it lies in :data:`noisecircuits.constants.TEMPERATURE_RANGE` [K], else raise.

    Parameters
    ----------
    name : str
        What the user called it, e.g. ``"temperature"`` or ``"--temperature"``.
    value : float
        The temperature [K].
    """
    from noisecircuits.constants import TEMPERATURE_RANGE

    return in_range(name, value, *TEMPERATURE_RANGE, "K")
