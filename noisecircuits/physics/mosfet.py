r"""Subthreshold / all-region MOSFET drain current (EKV interpolation).

The drain current is the difference of a forward and a reverse component,

.. math::

    I_D = I_f - I_r, \qquad
    I_{f,r} = I_\mathrm{spec}\,
        \ln^2\!\left(1 + e^{(V_P - V_{S,D})/(2 U_T)}\right), \qquad
    V_P = \frac{V_G - V_{T0}}{n}, \qquad
    I_\mathrm{spec} = 2 n \beta U_T^2,

with all terminal voltages measured from the bulk (Enz, Krummenacher and Vittoz 1995). Deep in
weak inversion this tends to the exponential law
:math:`I_\mathrm{spec} e^{(V_P - V_S)/U_T}(1 - e^{-V_{DS}/U_T})`; in strong inversion and
saturation to the square law :math:`\tfrac{\beta}{2n}(V_G - V_{T0} - n V_S)^2`.

A pmos device is evaluated as an nmos in voltages mirrored about its bulk
(:math:`V \to V_B - V`); its bulk defaults to its source (source-tied well). The current is
positive for conventional current flowing *into* the drain of an nmos and *out of* the drain
of a pmos.

Temperature enters through :math:`U_T = kT/q`, :math:`V_{T0}(T) = V_{T0} + \alpha_{V}(T -
T_\mathrm{ref})`, :math:`n(T) = n + \alpha_n (T - T_\mathrm{ref})` and
:math:`\beta(T) = \beta (T/T_\mathrm{ref})^{u_{te}}` (mobility :math:`\mu \propto T^{u_{te}}`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from noisecircuits import _validate
from noisecircuits.citations import use
from noisecircuits.constants import PHYSICAL_TEMPERATURE_RANGE, thermal_voltage
from noisecircuits.errors import ParameterError

__all__ = [
    "MosfetParams",
    "forward_reverse_currents",
    "drain_current",
    "weak_inversion_current",
    "subthreshold_swing",
]

_POLARITIES = ("nmos", "pmos")


def _out(value):
    """Return a Python float for 0-d results, the array otherwise."""
    value = np.asarray(value, dtype=float)
    return float(value) if value.ndim == 0 else value


@dataclass(frozen=True)
class MosfetParams:
    """Parameters of one MOS transistor for the EKV model.

    Parameters
    ----------
    polarity : str
        ``"nmos"`` or ``"pmos"`` [-].
    width : float
        Channel width, in (0, 1e-3) [m].
    length : float
        Channel length, in (0, 1e-3) [m].
    threshold_voltage : float
        Threshold voltage magnitude :math:`V_{T0}` at ``t_ref``, in [-1, 3] [V].
    slope_factor : float
        Subthreshold slope factor n at ``t_ref``, in [1, 5] [-].
    current_factor : float
        :math:`\\beta = \\mu C_{ox} W / L` at ``t_ref``, in (0, 10) [A/V^2].
    t_ref : float
        Reference temperature of the parameters, in [1, 1000] [K].
    mobility_exponent : float
        :math:`u_{te}` in :math:`\\mu \\propto T^{u_{te}}`, in [-5, 5] [-].
    threshold_tempco : float
        :math:`dV_{T0}/dT` of the magnitude, in [-0.02, 0.02] [V/K].
    slope_tempco : float
        :math:`dn/dT`, in [-0.01, 0.01] [1/K].
    """

    polarity: str
    width: float
    length: float
    threshold_voltage: float
    slope_factor: float
    current_factor: float
    t_ref: float = 300.0
    mobility_exponent: float = -1.5
    threshold_tempco: float = -1.0e-3
    slope_tempco: float = 0.0

    def __post_init__(self):
        if self.polarity not in _POLARITIES:
            raise ParameterError(f"polarity must be one of {_POLARITIES}, got {self.polarity!r}")
        checks = {
            "width": _validate.in_range("width", self.width, 0.0, 1e-3, "m", inclusive=False),
            "length": _validate.in_range("length", self.length, 0.0, 1e-3, "m", inclusive=False),
            "threshold_voltage": _validate.in_range("threshold_voltage", self.threshold_voltage, -1.0, 3.0, "V"),
            "slope_factor": _validate.in_range("slope_factor", self.slope_factor, 1.0, 5.0),
            "current_factor": _validate.in_range("current_factor", self.current_factor, 0.0, 10.0, "A/V^2",
                                                 inclusive=False),
            "t_ref": _validate.in_range("t_ref", self.t_ref, *PHYSICAL_TEMPERATURE_RANGE, "K"),
            "mobility_exponent": _validate.in_range("mobility_exponent", self.mobility_exponent, -5.0, 5.0),
            "threshold_tempco": _validate.in_range("threshold_tempco", self.threshold_tempco, -0.02, 0.02, "V/K"),
            "slope_tempco": _validate.in_range("slope_tempco", self.slope_tempco, -0.01, 0.01, "1/K"),
        }
        for name, value in checks.items():
            object.__setattr__(self, name, value)

    @classmethod
    def default_nmos(cls) -> MosfetParams:
        """A generic 130-180 nm-class nmos, W = L = 0.5 um, V_T0 = 0.42 V, n = 1.35."""
        return cls(
            polarity="nmos",
            width=0.5e-6,
            length=0.5e-6,
            threshold_voltage=0.42,
            slope_factor=1.35,
            current_factor=300e-6,
            threshold_tempco=-1.0e-3,
        )

    @classmethod
    def default_pmos(cls) -> MosfetParams:
        """A generic 130-180 nm-class pmos, W = L = 0.5 um, |V_T0| = 0.44 V, n = 1.40."""
        return cls(
            polarity="pmos",
            width=0.5e-6,
            length=0.5e-6,
            threshold_voltage=0.44,
            slope_factor=1.40,
            current_factor=80e-6,
            threshold_tempco=-1.0e-3,
        )

    def threshold_at(self, temperature):
        """Threshold magnitude :math:`V_{T0} + \\alpha_V (T - T_{ref})` [V].

        Parameters
        ----------
        temperature : float or array_like
            Absolute temperature [K].
        """
        t = _temperature(temperature)
        return _out(self.threshold_voltage + self.threshold_tempco * (t - self.t_ref))

    def slope_factor_at(self, temperature):
        """Slope factor :math:`n + \\alpha_n (T - T_{ref})` [-]; raises if it falls below 1.

        Parameters
        ----------
        temperature : float or array_like
            Absolute temperature [K].
        """
        t = _temperature(temperature)
        n = self.slope_factor + self.slope_tempco * (t - self.t_ref)
        if np.any(n < 1.0):
            raise ParameterError(
                f"slope factor at temperature {temperature!r} K falls below 1 (slope_tempco={self.slope_tempco!r} 1/K)"
            )
        return _out(n)

    def current_factor_at(self, temperature):
        """Current factor :math:`\\beta (T/T_{ref})^{u_{te}}` [A/V^2].

        Parameters
        ----------
        temperature : float or array_like
            Absolute temperature [K].
        """
        t = _temperature(temperature)
        return _out(self.current_factor * (t / self.t_ref) ** self.mobility_exponent)

    def specific_current(self, temperature):
        """Specific current :math:`I_{spec} = 2 n \\beta U_T^2` [A].

        Parameters
        ----------
        temperature : float or array_like
            Absolute temperature [K].
        """
        u_t = thermal_voltage(temperature)
        return _out(2.0 * self.slope_factor_at(temperature) * self.current_factor_at(temperature) * u_t**2)


def _temperature(temperature) -> np.ndarray:
    t = np.asarray(temperature, dtype=float)
    if np.any(~np.isfinite(t)) or np.any(t <= 0):
        raise ParameterError(f"temperature must be a finite positive number of kelvin, got {temperature!r}")
    return t


def _reduced_voltages(params: MosfetParams, v_gate, v_source, v_drain, temperature, v_bulk):
    """Return (V_P - V_S, V_P - V_D, U_T, I_spec) in the nmos-equivalent frame."""
    if not isinstance(params, MosfetParams):
        raise ParameterError(f"params must be a MosfetParams, got {type(params).__name__}")
    v_gate, v_source, v_drain = (np.asarray(v, dtype=float) for v in (v_gate, v_source, v_drain))
    for name, v in (("v_gate", v_gate), ("v_source", v_source), ("v_drain", v_drain)):
        if np.any(~np.isfinite(v)):
            raise ParameterError(f"{name} must be finite [V], got {v!r}")
    if v_bulk is None:
        v_bulk = 0.0 if params.polarity == "nmos" else v_source
    v_bulk = np.asarray(v_bulk, dtype=float)
    if np.any(~np.isfinite(v_bulk)):
        raise ParameterError(f"v_bulk must be finite [V], got {v_bulk!r}")
    sign = 1.0 if params.polarity == "nmos" else -1.0
    vg, vs, vd = (sign * (v - v_bulk) for v in (v_gate, v_source, v_drain))
    u_t = thermal_voltage(temperature)
    n = params.slope_factor_at(temperature)
    v_pinch = (vg - params.threshold_at(temperature)) / n
    return v_pinch - vs, v_pinch - vd, u_t, params.specific_current(temperature)


def _ekv_component(overdrive, u_t):
    """:math:`\\ln^2(1 + e^{x/(2U_T)})`, stable for any sign of x."""
    return np.logaddexp(0.0, overdrive / (2.0 * u_t)) ** 2


def forward_reverse_currents(params: MosfetParams, v_gate, v_source, v_drain, temperature, v_bulk=None):
    r"""Forward and reverse EKV currents :math:`(I_f, I_r)`, with :math:`I_D = I_f - I_r`.

    .. math::

        I_{f} = I_\mathrm{spec} \ln^2\!\left(1 + e^{(V_P - V_S)/(2U_T)}\right),\quad
        I_{r} = I_\mathrm{spec} \ln^2\!\left(1 + e^{(V_P - V_D)/(2U_T)}\right)

    (Enz, Krummenacher and Vittoz 1995). Arguments broadcast against each other.

    Parameters
    ----------
    params : MosfetParams
        The transistor.
    v_gate : float or array_like
        Gate voltage [V].
    v_source : float or array_like
        Source voltage [V].
    v_drain : float or array_like
        Drain voltage [V].
    temperature : float or array_like
        Absolute temperature [K].
    v_bulk : float or array_like, optional
        Bulk voltage [V]; default 0 V for nmos and ``v_source`` for pmos.

    Returns
    -------
    (float or ndarray, float or ndarray)
        Forward and reverse currents [A], both >= 0.
    """
    use("ekv")
    x_s, x_d, u_t, i_spec = _reduced_voltages(params, v_gate, v_source, v_drain, temperature, v_bulk)
    return _out(i_spec * _ekv_component(x_s, u_t)), _out(i_spec * _ekv_component(x_d, u_t))


def drain_current(params: MosfetParams, v_gate, v_source, v_drain, temperature, v_bulk=None):
    r"""EKV drain current :math:`I_D = I_f - I_r` [A], valid from weak to strong inversion.

    Positive for conventional current flowing into the drain of an nmos and out of the
    drain of a pmos. See :func:`forward_reverse_currents` for the equation and arguments.

    Parameters
    ----------
    params : MosfetParams
        The transistor.
    v_gate : float or array_like
        Gate voltage [V].
    v_source : float or array_like
        Source voltage [V].
    v_drain : float or array_like
        Drain voltage [V].
    temperature : float or array_like
        Absolute temperature [K].
    v_bulk : float or array_like, optional
        Bulk voltage [V]; default 0 V for nmos and ``v_source`` for pmos.

    Returns
    -------
    float or ndarray
        Drain current [A].
    """
    i_f, i_r = forward_reverse_currents(params, v_gate, v_source, v_drain, temperature, v_bulk)
    return _out(np.asarray(i_f) - np.asarray(i_r))


def weak_inversion_current(params: MosfetParams, v_gate, v_source, v_drain, temperature, v_bulk=None):
    r"""Weak-inversion (exponential) drain current, the deep-subthreshold limit of EKV.

    .. math::

        I_D = I_\mathrm{spec}\, e^{(V_P - V_S)/U_T}\left(1 - e^{-V_{DS}/U_T}\right)

    Parameters
    ----------
    params : MosfetParams
        The transistor.
    v_gate : float or array_like
        Gate voltage [V].
    v_source : float or array_like
        Source voltage [V].
    v_drain : float or array_like
        Drain voltage [V].
    temperature : float or array_like
        Absolute temperature [K].
    v_bulk : float or array_like, optional
        Bulk voltage [V]; default 0 V for nmos and ``v_source`` for pmos.

    Returns
    -------
    float or ndarray
        Drain current [A], same sign convention as :func:`drain_current`.
    """
    use("ekv")
    x_s, x_d, u_t, i_spec = _reduced_voltages(params, v_gate, v_source, v_drain, temperature, v_bulk)
    return _out(i_spec * np.exp(x_s / u_t) * -np.expm1((x_d - x_s) / u_t))


def subthreshold_swing(params: MosfetParams, temperature):
    r"""Subthreshold swing :math:`S = n(T)\, U_T \ln 10` [V/decade].

    Parameters
    ----------
    params : MosfetParams
        The transistor.
    temperature : float or array_like
        Absolute temperature [K].

    Returns
    -------
    float or ndarray
        Gate-voltage change per decade of weak-inversion current [V].
    """
    use("ekv")
    return _out(params.slope_factor_at(temperature) * thermal_voltage(temperature) * math.log(10.0))
