"""SPICE number formatting: the only place in the toolkit where SPICE unit suffixes exist.

Numbers inside the toolkit are SI floats; netlists get them as SPICE literals with an
engineering suffix (``1.5u``, ``10meg``) so that a rendered netlist is readable.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

from noisecircuits.errors import ParameterError

__all__ = ["format_value", "parse_value", "round_significant", "SUFFIXES"]

#: SPICE engineering suffixes and their powers of ten (``m`` is milli, ``meg`` is mega).
#: ngspice has no atto suffix ("70a" is read as a model name): smaller values use exponents.
SUFFIXES: tuple[tuple[str, int], ...] = (
    ("t", 12),
    ("g", 9),
    ("meg", 6),
    ("k", 3),
    ("", 0),
    ("m", -3),
    ("u", -6),
    ("n", -9),
    ("p", -12),
    ("f", -15),
)

_SIGNIFICANT_DIGITS = 12


def format_value(value) -> str:
    """Return ``value`` as a SPICE literal with an engineering suffix.

    Integers are written exactly; other reals with 12 significant digits and the largest
    suffix that keeps the mantissa at or above 1 (values outside 1e-15..1e15 use exponent
    notation).

    Parameters
    ----------
    value : int or float
        A finite real number (not a bool) [any unit].

    Returns
    -------
    str
        E.g. ``format_value(1.5e-6) == "1.5u"``, ``format_value(2e6) == "2meg"``.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ParameterError(f"a SPICE value must be a finite real number, got {value!r}")
    if isinstance(value, Integral):
        return str(int(value))
    v = float(value)
    if not math.isfinite(v):
        raise ParameterError(f"a SPICE value must be a finite real number, got {value!r}")
    if v == 0.0:
        return "0"
    magnitude = abs(v)
    for suffix, power in SUFFIXES:
        if magnitude >= 10.0**power * (1 - 1e-15):
            mantissa = v / 10.0**power
            if abs(mantissa) >= 1000 and power == 12:
                break
            text = f"{mantissa:.{_SIGNIFICANT_DIGITS}g}"
            if "e" in text:
                break
            return text + suffix
    return f"{v:.{_SIGNIFICANT_DIGITS}e}"


def parse_value(text: str) -> float:
    """Parse a SPICE literal written by :func:`format_value` back to a float.

    Parameters
    ----------
    text : str
        E.g. ``"1.5u"`` or ``"2meg"`` [any unit].

    Returns
    -------
    float
        The value in SI units [any unit].
    """
    t = text.strip().lower()
    for suffix, power in sorted(SUFFIXES, key=lambda s: -len(s[0])):
        if suffix and t.endswith(suffix):
            try:
                return float(t[: -len(suffix)]) * 10.0**power
            except ValueError:
                break
    try:
        return float(t)
    except ValueError:
        raise ParameterError(f"not a SPICE number: {text!r}") from None


def round_significant(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant digits.

    Used for ``trrandom`` time steps: ngspice 39 holds a ``trrandom`` source at its first
    value for the whole run when its step is written with 12 significant digits (measured:
    ``3.45218615863n`` freezes, ``3.4521861586n`` and ``3.45n`` do not).

    Parameters
    ----------
    value : float
        A finite non-zero number [any unit].
    digits : int
        Significant digits to keep [-].
    """
    v = float(value)
    if not math.isfinite(v) or v == 0.0:
        raise ParameterError(f"cannot round {value!r} to significant digits")
    return float(f"{v:.{int(digits)}g}")
