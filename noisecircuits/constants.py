"""Physical constants (from :mod:`scipy.constants`) and the thermal voltage.

Every constant in the toolkit comes from here; no module writes a literal Boltzmann
constant or elementary charge.
"""

from __future__ import annotations

import numpy as np
from scipy import constants as _c

#: Boltzmann constant [J/K]
BOLTZMANN: float = _c.k
#: Elementary charge [C]
ELEMENTARY_CHARGE: float = _c.e
#: Room temperature used as the default reference [K]
ROOM_TEMPERATURE: float = 300.0
#: 0 °C in kelvin (``scipy.constants.zero_Celsius``): T[°C] = T[K] − ZERO_CELSIUS [K]
ZERO_CELSIUS: float = _c.zero_Celsius
#: Temperatures the circuit models (EKV devices, shot noise) accept and every temperature a
#: command takes is checked against (``noisecircuits._validate.temperature``), inclusive [K]
TEMPERATURE_RANGE: tuple[float, float] = (200.0, 450.0)
#: Absolute temperatures a formula accepts at all (device laws, fits, benches), inclusive [K]
PHYSICAL_TEMPERATURE_RANGE: tuple[float, float] = (1.0, 1000.0)

__all__ = [
    "BOLTZMANN",
    "ELEMENTARY_CHARGE",
    "ROOM_TEMPERATURE",
    "ZERO_CELSIUS",
    "TEMPERATURE_RANGE",
    "PHYSICAL_TEMPERATURE_RANGE",
    "thermal_voltage",
    "thermal_energy",
    "celsius",
    "kelvin",
]


def thermal_voltage(temperature):
    r"""Thermal voltage :math:`U_T = k T / q`.

    Parameters
    ----------
    temperature : float or array_like
        Absolute temperature [K]; must be positive.

    Returns
    -------
    float or ndarray
        Thermal voltage [V] (25.85 mV at 300 K).
    """
    t = np.asarray(temperature, dtype=float)
    if np.any(~np.isfinite(t)) or np.any(t <= 0):
        from noisecircuits.errors import ParameterError

        raise ParameterError(f"temperature must be a finite positive number of kelvin, got {temperature!r}")
    u = BOLTZMANN * t / ELEMENTARY_CHARGE
    return float(u) if u.ndim == 0 else u


def thermal_energy(temperature):
    r"""Thermal energy :math:`k T`.

    Parameters
    ----------
    temperature : float or array_like
        Absolute temperature [K].

    Returns
    -------
    float or ndarray
        :math:`kT` [J].
    """
    return thermal_voltage(temperature) * ELEMENTARY_CHARGE


def celsius(temperature):
    """Temperature in degrees Celsius, for tools that take it so (ngspice ``.temp``).

    Parameters
    ----------
    temperature : float or array_like
        Absolute temperature [K].

    Returns
    -------
    float or ndarray
        The same temperature [°C].
    """
    t = np.asarray(temperature, dtype=float) - ZERO_CELSIUS
    return float(t) if t.ndim == 0 else t


def kelvin(temperature_celsius):
    """Absolute temperature of a temperature given in degrees Celsius.

    Parameters
    ----------
    temperature_celsius : float or array_like
        Temperature [°C].

    Returns
    -------
    float or ndarray
        The same temperature [K].
    """
    t = np.asarray(temperature_celsius, dtype=float) + ZERO_CELSIUS
    return float(t) if t.ndim == 0 else t
