"""Subthreshold-CMOS node equations shared by the sampler circuits.

A sampler circuit here is a small netlist of MOSFETs between *state nodes* (each with a
capacitance to ground) and *fixed nodes* (ground, supply, bias and control voltages). One
pair of numba kernels integrates every such netlist: the drift of state node ``i`` is the net
device current flowing into it divided by its capacitance, and its noise is the shot noise of
every transistor whose drain or source is the node,

.. math::

    C_i \\frac{dV_i}{dt} = \\sum_{d \\ni i} \\pm (I_{f,d} - I_{r,d}),\\qquad
    S_{I,i} = \\sum_{d \\ni i} 2 q (I_{f,d} + I_{r,d}),\\qquad
    g_i = \\frac{\\sqrt{S_{I,i}/2}}{C_i},

with the EKV forward/reverse currents (Enz, Krummenacher and Vittoz 1995)

.. math::

    I_{f,r} = I_\\mathrm{spec} \\ln^2\\!\\left(1 + e^{(V_P - V_{S,D})/2U_T}\\right),\\quad
    V_P = \\frac{V_G - V_{T0}}{n},\\quad I_\\mathrm{spec} = 2 n \\beta U_T^2,

all voltages taken from the bulk (and mirrored, ``V -> -V``, for a pmos). The SDE is Itô:
``dV_i = a_i dt + g_i dW_i`` with the state-dependent amplitude ``g_i`` evaluated at the start
of the step. A Stratonovich integrator of the same equations (ngspice integrating
behavioural noise sources) adds the noise-induced drift ``½ g_i ∂g_i/∂V_i``; a SPICE
comparison must add that term, or subtract it from the SPICE drift, to compare like with like.

Every device may have at most one terminal (drain or source) on a state node, so each noise
current enters exactly one node and the diffusion is diagonal, as the SDE layer requires.
The module also holds the numpy path used by the exact (Fokker–Planck) computations, built
on :mod:`noisecircuits.physics.mosfet`, so that the two implementations check each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from noisecircuits.constants import ELEMENTARY_CHARGE, thermal_voltage
from noisecircuits.errors import ParameterError

__all__ = [
    "Device",
    "Netlist",
    "device_constants",
    "ekv_forward_reverse",
    "circuit_drift",
    "circuit_diffusion",
    "circuit_diffusion_derivative",
]

#: Number of float64 slots per device in the packed parameter array.
_DEVICE_SLOTS = 8
#: Header slots: n_state, n_fixed, n_devices, thermal voltage, elementary charge.
_HEADER = 5


def device_constants(params, temperature: float) -> tuple[float, float, float]:
    """Threshold, slope factor and specific current of a device at ``temperature``.

    The temperature laws of :class:`~noisecircuits.physics.mosfet.MosfetParams`:
    :math:`V_{T0}(T) = V_{T0} + (dV_{T0}/dT)(T - T_\\mathrm{ref})`,
    :math:`n(T) = n + (dn/dT)(T - T_\\mathrm{ref})`,
    :math:`\\beta(T) = \\beta (T/T_\\mathrm{ref})^{u_{te}}`, :math:`I_\\mathrm{spec} = 2 n \\beta U_T^2`.

    Parameters
    ----------
    params : MosfetParams
        The transistor [-].
    temperature : float
        Device temperature [K].

    Returns
    -------
    tuple of float
        ``(threshold_voltage [V], slope_factor [-], specific_current [A])``.
    """
    return (
        float(params.threshold_at(temperature)),
        float(params.slope_factor_at(temperature)),
        float(params.specific_current(temperature)),
    )


@numba.njit(cache=True, inline="always")
def _softplus(x):
    """ln(1 + e^x) without overflow or cancellation."""
    if x > 30.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@numba.njit(cache=True, inline="always")
def ekv_forward_reverse(sign, vt0, n, ispec, ut, vg, vd, vs, vb):
    """EKV forward and reverse currents of one device (numba).

    Parameters
    ----------
    sign : float
        +1 for an nmos, -1 for a pmos [-].
    vt0, n, ispec : float
        Threshold magnitude [V], slope factor [-], specific current [A] at the temperature.
    ut : float
        Thermal voltage [V].
    vg, vd, vs, vb : float
        Gate, drain, source and bulk voltages [V].

    Returns
    -------
    tuple of float
        ``(I_f, I_r)`` [A]; the channel current is ``I_f - I_r``, flowing into the drain of
        an nmos and out of the drain of a pmos.
    """
    vp = (sign * (vg - vb) - vt0) / n
    lf = _softplus((vp - sign * (vs - vb)) / (2.0 * ut))
    lr = _softplus((vp - sign * (vd - vb)) / (2.0 * ut))
    return ispec * lf * lf, ispec * lr * lr


@numba.njit(cache=True, inline="always")
def _voltage(x, params, node, n_state, fixed0):
    """Voltage of node index ``node``: a state entry or a fixed voltage [V]."""
    if node < n_state:
        return x[node]
    return params[fixed0 + node - n_state]


@numba.njit(cache=True, inline="always")
def _accumulate(x, params, out, want_noise):
    """Net current into each state node [A], or (``want_noise``) q Σ(I_f + I_r) at each [A^2/Hz]."""
    n_state = int(params[0])
    n_fixed = int(params[1])
    n_dev = int(params[2])
    ut = params[3]
    q = params[4]
    fixed0 = _HEADER + n_state
    dev0 = fixed0 + n_fixed
    for i in range(n_state):
        out[i] = 0.0
    for d in range(n_dev):
        base = dev0 + _DEVICE_SLOTS * d
        sign = params[base]
        dr = int(params[base + 5])
        so = int(params[base + 6])
        i_f, i_r = ekv_forward_reverse(
            sign,
            params[base + 1],
            params[base + 2],
            params[base + 3],
            ut,
            _voltage(x, params, int(params[base + 4]), n_state, fixed0),
            _voltage(x, params, dr, n_state, fixed0),
            _voltage(x, params, so, n_state, fixed0),
            _voltage(x, params, int(params[base + 7]), n_state, fixed0),
        )
        if want_noise:
            shot = q * (i_f + i_r)  # sigma^2 C^2 = S_I / 2 = q (I_f + I_r)
            if dr < n_state:
                out[dr] += shot
            if so < n_state:
                out[so] += shot
        else:
            i_ch = sign * (i_f - i_r)  # conventional current from drain to source through the channel
            if dr < n_state:
                out[dr] -= i_ch
            if so < n_state:
                out[so] += i_ch


@numba.njit(cache=True, inline="always")
def circuit_drift(x, params, out):
    """Itô drift dV_i/dt = I_i(V)/C_i of every state node [V/s] (SDE-layer signature)."""
    _accumulate(x, params, out, False)
    for i in range(int(params[0])):
        out[i] /= params[_HEADER + i]


@numba.njit(cache=True, inline="always")
def circuit_diffusion(x, params, out):
    """Noise amplitude g_i = sqrt(q Σ(I_f + I_r))/C_i of every state node [V/√s]."""
    _accumulate(x, params, out, True)
    for i in range(int(params[0])):
        out[i] = math.sqrt(out[i]) / params[_HEADER + i]


@numba.njit(cache=True)
def _drift_rows(states, params, out):
    """circuit_drift applied to every row of ``states`` (n, n_state) [V/s]."""
    for k in range(states.shape[0]):
        circuit_drift(states[k], params, out[k])


@numba.njit(cache=True, inline="always")
def circuit_diffusion_derivative(x, params, out):
    """∂g_i/∂V_i by a central difference of step 1e-6 V [1/√s] (for Milstein)."""
    n_state = int(params[0])
    h = 1e-6
    xp = x.copy()
    gp = np.empty(n_state)
    gm = np.empty(n_state)
    for i in range(n_state):
        xp[i] = x[i] + h
        circuit_diffusion(xp, params, gp)
        xp[i] = x[i] - h
        circuit_diffusion(xp, params, gm)
        xp[i] = x[i]
        out[i] = (gp[i] - gm[i]) / (2.0 * h)


@dataclass(frozen=True)
class Device:
    """One transistor of a netlist: its parameters and the names of its four terminals.

    Parameters
    ----------
    name : str
        Instance name, e.g. ``"MPa"`` [-].
    params : MosfetParams
        The transistor [-].
    gate, drain, source, bulk : str
        Node names (state or fixed) [-].
    """

    name: str
    params: object
    gate: str
    drain: str
    source: str
    bulk: str


class Netlist:
    """State nodes with capacitances, fixed nodes with voltages, and the devices between them.

    Parameters
    ----------
    state_nodes : sequence of (str, float)
        Node name and its capacitance to ground [F].
    fixed_nodes : sequence of (str, float)
        Node name and its voltage [V] (include ``"0"`` for ground).
    devices : sequence of Device
        Transistors; each has at most one of drain/source on a state node [-].
    temperature : float
        Temperature of every device [K].
    """

    def __init__(self, state_nodes, fixed_nodes, devices, temperature):
        self.state_names = tuple(name for name, _ in state_nodes)
        self.capacitances = np.array([c for _, c in state_nodes], dtype=float)
        self.fixed_names = tuple(name for name, _ in fixed_nodes)
        self.fixed_voltages = np.array([v for _, v in fixed_nodes], dtype=float)
        self.devices = tuple(devices)
        self.temperature = float(temperature)
        index = {name: i for i, name in enumerate(self.state_names + self.fixed_names)}
        if len(index) != len(self.state_names) + len(self.fixed_names):
            raise ParameterError("node names of a netlist must be unique")
        n_state = len(self.state_names)
        rows = []
        for dev in self.devices:
            terms = [dev.gate, dev.drain, dev.source, dev.bulk]
            missing = [t for t in terms if t not in index]
            if missing:
                raise ParameterError(f"device {dev.name} connects to unknown node(s) {missing}")
            if index[dev.drain] < n_state and index[dev.source] < n_state:
                raise ParameterError(f"device {dev.name} has both drain and source on state nodes; not supported")
            vt0, n, ispec = device_constants(dev.params, self.temperature)
            sign = 1.0 if dev.params.polarity == "nmos" else -1.0
            rows.append([sign, vt0, n, ispec, *(float(index[t]) for t in terms)])
        self._index = index
        header = [float(n_state), float(len(self.fixed_names)), float(len(rows)), thermal_voltage(self.temperature), ELEMENTARY_CHARGE]
        self.params = np.concatenate(
            [np.array(header), self.capacitances, self.fixed_voltages, np.array(rows, dtype=float).ravel()]
        )

    @property
    def thermal_voltage(self) -> float:
        """Thermal voltage at the netlist temperature [V]."""
        return float(self.params[3])

    def voltage_of(self, name: str, states):
        """Voltage of node ``name`` for state vectors ``states`` (..., n_state) [V]."""
        i = self._index[name]
        states = np.asarray(states, dtype=float)
        n_state = len(self.state_names)
        if i < n_state:
            return states[..., i]
        return np.full(states.shape[:-1], self.fixed_voltages[i - n_state])

    def device_currents(self, states):
        """Forward/reverse currents of every device from :mod:`noisecircuits.physics.mosfet` (numpy).

        Parameters
        ----------
        states : array_like, shape (..., n_state)
            State-node voltages [V].

        Returns
        -------
        list of (ndarray, ndarray)
            ``(I_f, I_r)`` per device in netlist order [A].
        """
        from noisecircuits.physics.mosfet import forward_reverse_currents

        out = []
        for dev in self.devices:
            v = {t: self.voltage_of(getattr(dev, t), states) for t in ("gate", "drain", "source", "bulk")}
            i_f, i_r = forward_reverse_currents(
                dev.params, v["gate"], v["source"], v["drain"], self.temperature, v_bulk=v["bulk"]
            )
            out.append((np.asarray(i_f, dtype=float), np.asarray(i_r, dtype=float)))
        return out

    def currents_and_noise(self, states):
        """Net current into each state node and q Σ(I_f + I_r) at each, numpy path.

        Parameters
        ----------
        states : array_like, shape (..., n_state)
            State-node voltages [V].

        Returns
        -------
        tuple of ndarray
            ``(current [A], half_psd [A^2/Hz])``, each of shape (..., n_state); ``half_psd`` is
            S_I/2 = q Σ(I_f + I_r).
        """
        states = np.asarray(states, dtype=float)
        n_state = len(self.state_names)
        current = np.zeros(states.shape)
        half_psd = np.zeros(states.shape)
        for dev, (i_f, i_r) in zip(self.devices, self.device_currents(states)):
            sign = 1.0 if dev.params.polarity == "nmos" else -1.0
            i_ch = sign * (i_f - i_r)
            shot = ELEMENTARY_CHARGE * (i_f + i_r)
            d, s = self._index[dev.drain], self._index[dev.source]
            if d < n_state:
                current[..., d] -= i_ch
                half_psd[..., d] += shot
            if s < n_state:
                current[..., s] += i_ch
                half_psd[..., s] += shot
        return current, half_psd

    def drift(self, states):
        """Itô drift I_i/C_i [V/s], numpy path, shape (..., n_state)."""
        current, _ = self.currents_and_noise(states)
        return current / self.capacitances

    def drift_fast(self, states):
        """Itô drift I_i/C_i [V/s] from the numba kernel (agrees with :meth:`drift` to 1e-12).

        Parameters
        ----------
        states : array_like, shape (..., n_state)
            State-node voltages [V].
        """
        states = np.asarray(states, dtype=float)
        flat = np.ascontiguousarray(states.reshape(-1, states.shape[-1]))
        out = np.empty_like(flat)
        _drift_rows(flat, self.params, out)
        return out.reshape(states.shape)

    def diffusion(self, states):
        """Noise amplitude g_i = sqrt(S_I/2)/C_i [V/√s], numpy path, shape (..., n_state)."""
        _, half_psd = self.currents_and_noise(states)
        return np.sqrt(half_psd) / self.capacitances

    def supply_current(self, states, node: str):
        """Current delivered by the fixed source ``node`` into the circuit [A], numpy path.

        Parameters
        ----------
        states : array_like, shape (..., n_state)
            State-node voltages [V].
        node : str
            Name of a fixed node (e.g. ``"vdd"``) [-].

        Returns
        -------
        ndarray
            Sum over devices with a terminal on ``node`` of the current leaving that node into
            the device [A].
        """
        states = np.asarray(states, dtype=float)
        total = np.zeros(states.shape[:-1])
        for dev, (i_f, i_r) in zip(self.devices, self.device_currents(states)):
            sign = 1.0 if dev.params.polarity == "nmos" else -1.0
            i_ch = sign * (i_f - i_r)  # drain -> source through the channel
            if dev.drain == node:
                total = total + i_ch
            if dev.source == node:
                total = total - i_ch
        return total

    def jacobian(self, state, step: float = 1e-7):
        """Jacobian of the drift at ``state`` by central differences [1/s], shape (n, n)."""
        state = np.asarray(state, dtype=float)
        n = state.size
        jac = np.empty((n, n))
        for j in range(n):
            e = np.zeros(n)
            e[j] = step
            jac[:, j] = (self.drift(state + e) - self.drift(state - e)) / (2 * step)
        return jac
