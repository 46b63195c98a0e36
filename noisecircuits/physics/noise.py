r"""One-sided noise power spectral densities of devices [A²/Hz], and kT/C.

All functions are vectorised (numpy broadcasting) and return one-sided PSDs: the variance
in a band is :math:`\int_{f_1}^{f_2} S(f)\, df`. A white one-sided PSD S corresponds to the
SDE noise term :math:`\sigma\, dW` with :math:`\sigma^2 = S/2` (see docs/physics.md §1).
"""

from __future__ import annotations

import numpy as np

from noisecircuits.citations import use
from noisecircuits.constants import BOLTZMANN, ELEMENTARY_CHARGE, thermal_voltage
from noisecircuits.errors import ParameterError

__all__ = [
    "shot_noise_psd",
    "shot_noise_psd_from_bias",
    "thermal_noise_psd",
    "flicker_noise_psd",
    "telegraph_noise_psd",
    "kt_over_c",
]


def _out(value):
    value = np.asarray(value, dtype=float)
    return float(value) if value.ndim == 0 else value


def _array(name: str, value, unit: str, *, positive: bool = False, non_negative: bool = False) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} must be finite [{unit}], got {value!r}")
    if positive and np.any(arr <= 0):
        raise ParameterError(f"{name} must be > 0 [{unit}], got {value!r}")
    if non_negative and np.any(arr < 0):
        raise ParameterError(f"{name} must be >= 0 [{unit}], got {value!r}")
    return arr


def shot_noise_psd(forward_current, reverse_current=0.0):
    r"""Shot noise of a device carrying independent forward and reverse currents.

    .. math:: S_I = 2 q (I_f + I_r)

    For a subthreshold MOSFET with EKV components this equals
    :math:`2 q I_D \coth(V_{DS}/2U_T)` (Sarpeshkar, Delbrück and Mead 1993).

    Parameters
    ----------
    forward_current : float or array_like
        Forward current component, >= 0 [A].
    reverse_current : float or array_like
        Reverse current component, >= 0 [A].

    Returns
    -------
    float or ndarray
        One-sided current PSD [A^2/Hz].
    """
    use("sarpeshkar1993")
    i_f = _array("forward_current", forward_current, "A", non_negative=True)
    i_r = _array("reverse_current", reverse_current, "A", non_negative=True)
    return _out(2.0 * ELEMENTARY_CHARGE * (i_f + i_r))


def _x_coth_x(x: np.ndarray) -> np.ndarray:
    """:math:`x \\coth x` with its limit 1 at x = 0 (series below |x| = 1e-4)."""
    small = np.abs(x) < 1e-4
    safe = np.where(small, 1.0, x)
    return np.where(small, 1.0 + x * x / 3.0, safe / np.tanh(safe))


def shot_noise_psd_from_bias(current, v_ds, temperature, conductance=None):
    r"""Shot noise of a weak-inversion MOSFET from its current and drain-source voltage.

    .. math::

        S_I = 2 q I \coth\!\left(\frac{V_{DS}}{2 U_T}\right)
            = 4 k T g\, x\coth x, \quad x = \frac{V_{DS}}{2U_T},\ g = \frac{I}{V_{DS}},

    which tends to 2q|I| in saturation (:math:`|V_{DS}| \gg U_T`) and to the thermal value
    :math:`4kTg_{ds0}` at :math:`V_{DS} \to 0` (Sarpeshkar, Delbrück and Mead 1993). Exact for
    the exponential (weak-inversion) law, where :math:`I_f/I_r = e^{V_{DS}/U_T}`.

    Parameters
    ----------
    current : float or array_like
        Drain current I, same sign as ``v_ds`` [A].
    v_ds : float or array_like
        Drain-source voltage [V].
    temperature : float or array_like
        Absolute temperature [K].
    conductance : float or array_like, optional
        Channel conductance :math:`g_{ds0}` used where ``v_ds`` is exactly 0 (where I/V_DS
        is undefined) [S].

    Returns
    -------
    float or ndarray
        One-sided current PSD [A^2/Hz].
    """
    use("sarpeshkar1993")
    current = _array("current", current, "A")
    v_ds = _array("v_ds", v_ds, "V")
    u_t = thermal_voltage(temperature)
    current, v_ds, u_t = np.broadcast_arrays(current, v_ds, np.asarray(u_t, dtype=float))
    zero = v_ds == 0
    if np.any(zero) and conductance is None:
        raise ParameterError("v_ds = 0 leaves I/V_DS undefined: pass conductance (4kTg limit) or use shot_noise_psd(I_f, I_r)")
    if np.any(~zero & (current * v_ds < 0)):
        raise ParameterError("current and v_ds must have the same sign (a passive channel conducts along V_DS)")
    g = np.where(zero, 0.0, current / np.where(zero, 1.0, v_ds))
    if conductance is not None:
        g_zero = np.broadcast_to(_array("conductance", conductance, "S", non_negative=True), g.shape)
        g = np.where(zero, g_zero, g)
    x = v_ds / (2.0 * u_t)
    return _out(4.0 * ELEMENTARY_CHARGE * u_t * np.abs(g) * _x_coth_x(x))


def thermal_noise_psd(resistance, temperature):
    r"""Johnson–Nyquist current noise of a resistor, :math:`S_I = 4kT/R`.

    Parameters
    ----------
    resistance : float or array_like
        Resistance, > 0 [Ohm].
    temperature : float or array_like
        Absolute temperature [K].

    Returns
    -------
    float or ndarray
        One-sided current PSD [A^2/Hz].
    """
    use("sarpeshkar1993")
    resistance = _array("resistance", resistance, "Ohm", positive=True)
    return _out(4.0 * BOLTZMANN * _temperature(temperature) / resistance)


def _temperature(temperature) -> np.ndarray:
    thermal_voltage(temperature)  # validates
    return np.asarray(temperature, dtype=float)


def flicker_noise_psd(frequency, current, kf, c_ox, width, length, ef=1.0, af=2.0):
    r"""SPICE-style flicker (1/f) drain-current noise.

    .. math:: S_I(f) = \frac{K_F\, |I_D|^{A_F}}{C_{ox} W L\, f^{E_F}}

    (the area-normalised form, HSPICE ``NLEV=1``; SPICE2's level-1 form divides by
    :math:`C_{ox} L^2` instead). K_F carries whatever units make S_I come out in A²/Hz
    (A^(2-AF) F/m² Hz^(EF-1) for the usual values); see Hooge (1994) for the physics.

    Parameters
    ----------
    frequency : float or array_like
        Frequency, > 0 [Hz].
    current : float or array_like
        Drain current [A].
    kf : float
        Flicker coefficient K_F, >= 0 [A^(2-AF) F m^-2 Hz^(EF-1)].
    c_ox : float
        Gate oxide capacitance per area, > 0 [F/m^2].
    width : float
        Channel width, > 0 [m].
    length : float
        Channel length, > 0 [m].
    ef : float
        Frequency exponent E_F, > 0 [-].
    af : float
        Current exponent A_F, > 0 [-].

    Returns
    -------
    float or ndarray
        One-sided current PSD [A^2/Hz].
    """
    use("hooge")
    frequency = _array("frequency", frequency, "Hz", positive=True)
    current = _array("current", current, "A")
    kf = _array("kf", kf, "A^(2-AF) F m^-2 Hz^(EF-1)", non_negative=True)
    area_cap = (
        _array("c_ox", c_ox, "F/m^2", positive=True)
        * _array("width", width, "m", positive=True)
        * _array("length", length, "m", positive=True)
    )
    ef = _array("ef", ef, "", positive=True)
    af = _array("af", af, "", positive=True)
    return _out(kf * np.abs(current) ** af / (area_cap * frequency**ef))


def telegraph_noise_psd(frequency, amplitude, tau_capture, tau_emission):
    r"""Random telegraph noise (one trap) — Machlup's Lorentzian.

    A signal switching between two levels ΔI apart, staying a mean :math:`\tau_c` in the
    empty state and :math:`\tau_e` in the filled one (exponential dwells), has variance
    :math:`\Delta I^2 p(1-p)` with :math:`p = \tau_e/(\tau_c+\tau_e)` and autocovariance
    :math:`\Delta I^2 p(1-p)\, e^{-|t|/\tau}`, :math:`1/\tau = 1/\tau_c + 1/\tau_e`. Its
    one-sided PSD (twice the Fourier transform) is

    .. math::

        S(f) = \frac{4 \Delta I^2 p (1-p)\, \tau}{1 + (2\pi f \tau)^2}
             = \frac{4 \Delta I^2}{(\tau_c + \tau_e)\left[(1/\tau_c + 1/\tau_e)^2 + (2\pi f)^2\right]}

    (Machlup 1954), whose integral over :math:`f \ge 0` is the variance.

    Parameters
    ----------
    frequency : float or array_like
        Frequency, >= 0 [Hz].
    amplitude : float or array_like
        Step ΔI between the two levels [A].
    tau_capture : float or array_like
        Mean time before capture (in the empty state), > 0 [s].
    tau_emission : float or array_like
        Mean time before emission (in the filled state), > 0 [s].

    Returns
    -------
    float or ndarray
        One-sided current PSD [A^2/Hz].
    """
    use("machlup1954")
    frequency = _array("frequency", frequency, "Hz", non_negative=True)
    amplitude = _array("amplitude", amplitude, "A")
    tau_c = _array("tau_capture", tau_capture, "s", positive=True)
    tau_e = _array("tau_emission", tau_emission, "s", positive=True)
    rate = 1.0 / tau_c + 1.0 / tau_e
    return _out(4.0 * amplitude**2 / ((tau_c + tau_e) * (rate**2 + (2.0 * np.pi * frequency) ** 2)))


def kt_over_c(capacitance, temperature):
    r"""Thermal voltage variance of a capacitor, :math:`\langle V^2 \rangle = kT/C` [V^2].

    Parameters
    ----------
    capacitance : float or array_like
        Capacitance, > 0 [F].
    temperature : float or array_like
        Absolute temperature [K].

    Returns
    -------
    float or ndarray
        Variance of the node voltage [V^2].
    """
    capacitance = _array("capacitance", capacitance, "F", positive=True)
    return _out(BOLTZMANN * _temperature(temperature) / capacitance)
