r"""The reference p-bit: a weakly bistable latch of two cross-coupled subthreshold inverters.

Topology (the netlist in ``spice_models/`` is built from the same description):

* nodes ``out``, ``outb`` (each with ``node_capacitance`` to ground), supply ``vdd``, ground ``0``;
* inverter A (input ``outb``, output ``out``): MPa (pmos, S = vdd, G = outb, D = out, B = vdd),
  MNa (nmos, S = 0, G = outb, D = out, B = 0);
* inverter B (input ``out``, output ``outb``): MPb (pmos, S = vdd, G = out, D = outb, B = vdd),
  MNb (nmos, S = 0, G = out, D = outb, B = 0);
* tilt: MNbias (nmos, G = v_bias, D = outb, S = B = 0) and MNref (nmos, G = v_ref, D = out,
  S = B = 0), MNref being MNbias with width and current factor scaled by ``ref_width_ratio``.

State 1 ⇔ V(out) > V(outb); read-out = V(out) − V(outb). Raising ``v_bias`` pulls ``outb``
down, so P(1) rises with ``v_bias`` as a sigmoid. The node equations, the EKV currents and the
shot noise S_I = 2q(I_f + I_r) of every device are those of
:mod:`noisecircuits.circuits._subthreshold` (Itô SDE, state-dependent diagonal noise).

Exact quantities come from the 2-D stationary Fokker–Planck solution on a grid
(:mod:`noisecircuits.physics.fokker_planck`), evaluated with the numpy EKV functions of
:mod:`noisecircuits.physics.mosfet` (an implementation independent of the numba kernels the
SDE runs):

* :math:`P(1) = \int_{V_{out} > V_{outb}} p_\infty` (nodes on the diagonal count one half);
* the correlation time :math:`\tau_c = 1/(1/T_{0\to1} + 1/T_{1\to0})` of the sign process,
  with :math:`T_{0\to1}` the mean first-passage time from the state-0 fixed point to the
  read-out of the state-1 fixed point (the dwell definition of the analysis layer);
* the supply power :math:`V_{dd}\,\langle I_{dd}\rangle_{p_\infty}`, the stationary mean of
  the current drawn from ``vdd``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace

import numpy as np

from noisecircuits import _validate
from noisecircuits.circuits._specialised import specialised_terms
from noisecircuits.circuits._subthreshold import Device, Netlist
from noisecircuits.citations import use
from noisecircuits.constants import BOLTZMANN, TEMPERATURE_RANGE
from noisecircuits.errors import ParameterError, SimulationError

__all__ = [
    "PBitDesign",
    "PBit",
    "TEMPERATURE_RANGE",
    "V_BIAS_RANGE",
    "v_mid",
    "resolved_grid_points",
    "p_one_exact",
    "correlation_time_exact",
]

#: Bias voltages the p-bit accepts [V].
V_BIAS_RANGE = (-0.2, 0.6)
#: How the supply follows temperature (:meth:`PBitDesign.supply_voltage_at`) [-].
SUPPLY_TRACKING = ("fixed", "ptat")
#: Fewest grid points per axis of the Fokker–Planck solution (convergence: docs/circuits.md).
FP_GRID_POINTS = 61
#: Margin of the Fokker–Planck grid beyond 0 and V_dd, in thermal spreads sqrt(kT/C) [-].
GRID_MARGIN = 7.0
#: Largest spacing of the default Fokker–Planck grid, in units of the thermal spread sqrt(kT/C)
#: of a node: the reference design's 61-point resolution (0.41 at 300 K). A fF node has a spread
#: far below V_dd, and 61 points then under-resolve its wells: on a 2.15 fF, 67 mV latch, tau_c
#: is 9.8 % high at 1.04 (61 points), 1.4 % at 0.40 and 0.8 % at 0.31 (docs/circuits.md) [-].
MAX_GRID_SPACING = 0.42
#: Most grid points per axis of the default grid (a solve there takes about 0.5 s); a latch that
#: would need more (a supply of several hundred mV on a fF node, as the sky130 latches) gets a
#: coarser grid, and its exact figures are not resolved (docs/circuits.md) [-].
MAX_GRID_POINTS = 201


def _latch_nmos():
    from noisecircuits.physics.mosfet import MosfetParams

    return MosfetParams("nmos", width=1e-6, length=1e-6, threshold_voltage=0.35, slope_factor=1.35, current_factor=2e-4)


def _latch_pmos():
    from noisecircuits.physics.mosfet import MosfetParams

    return MosfetParams("pmos", width=1e-6, length=1e-6, threshold_voltage=0.35, slope_factor=1.4, current_factor=8e-5)


def _bias_nmos():
    from noisecircuits.physics.mosfet import MosfetParams

    return MosfetParams("nmos", width=0.5e-6, length=20e-6, threshold_voltage=0.35, slope_factor=1.35, current_factor=5e-6)


@dataclass(frozen=True)
class PBitDesign:
    """Sizes and voltages of the cross-coupled-inverter p-bit (topology in the module docstring).

    Parameters
    ----------
    supply_voltage : float
        V_dd, in [0.02, 0.5] [V].
    node_capacitance : float
        Capacitance of each of ``out`` and ``outb`` to ground, in [1e-18, 1e-12] [F].
    nmos : MosfetParams
        MNa and MNb [-].
    pmos : MosfetParams
        MPa and MPb [-].
    bias_nmos : MosfetParams
        MNbias; MNref is this device with width and current factor × ``ref_width_ratio`` [-].
    v_ref : float
        Gate voltage of MNref, in [-0.2, 0.6] [V].
    ref_width_ratio : float
        Width of MNref over width of MNbias, in [0.05, 20] [-].
    supply_tracking : str
        ``"fixed"``: V_dd is ``supply_voltage`` at every temperature; ``"ptat"``: the supply
        is proportional to absolute temperature, V_dd(T) = ``supply_voltage`` · T / T_0 [-].
    supply_reference_temperature : float
        T_0 at which a ``"ptat"`` supply equals ``supply_voltage``, in [200, 450] [K].
    """

    supply_voltage: float = 0.08
    node_capacitance: float = 7e-17
    nmos: object = field(default_factory=_latch_nmos)
    pmos: object = field(default_factory=_latch_pmos)
    bias_nmos: object = field(default_factory=_bias_nmos)
    v_ref: float = 0.1
    ref_width_ratio: float = 2.0
    supply_tracking: str = "fixed"
    supply_reference_temperature: float = 300.0

    def __post_init__(self):
        from noisecircuits.physics.mosfet import MosfetParams

        object.__setattr__(self, "supply_voltage", _validate.in_range("supply_voltage", self.supply_voltage, 0.02, 0.5, "V"))
        object.__setattr__(
            self, "node_capacitance", _validate.in_range("node_capacitance", self.node_capacitance, 1e-18, 1e-12, "F")
        )
        object.__setattr__(self, "v_ref", _validate.in_range("v_ref", self.v_ref, *V_BIAS_RANGE, "V"))
        object.__setattr__(
            self, "ref_width_ratio", _validate.in_range("ref_width_ratio", self.ref_width_ratio, 0.05, 20.0)
        )
        if self.supply_tracking not in SUPPLY_TRACKING:
            raise ParameterError(f"supply_tracking must be one of {', '.join(SUPPLY_TRACKING)}, "
                                 f"got {self.supply_tracking!r}")
        object.__setattr__(self, "supply_reference_temperature",
                           _validate.temperature("supply_reference_temperature", self.supply_reference_temperature))
        for name, polarity in (("nmos", "nmos"), ("pmos", "pmos"), ("bias_nmos", "nmos")):
            dev = getattr(self, name)
            if not isinstance(dev, MosfetParams) or dev.polarity != polarity:
                raise ParameterError(f"{name} must be a {polarity} MosfetParams, got {dev!r}")

    @classmethod
    def default(cls) -> PBitDesign:
        """The reference design: V_dd = 80 mV (fixed), 70 aF nodes, v_ref = 0.1 V, MNref twice MNbias.

        Latch devices 1 µm × 1 µm (nmos V_T0 = 0.35 V, n = 1.35, β = 200 µA/V²; pmos
        V_T0 = 0.35 V, n = 1.4, β = 80 µA/V²); MNbias 0.5 µm × 20 µm (β = 5 µA/V²). At 300 K
        v_mid = 124.7 mV, the effective barrier is 2.35 kT, τ_c = 3.43 µs and the latch draws
        3.56 pW (docs/circuits.md). Its 70 aF node is below its own devices' capacitance
        (docs/design.md "The 3.4 µs optimum as the reference p-bit").
        """
        return cls()

    def supply_voltage_at(self, temperature: float) -> float:
        """V_dd at ``temperature`` [K]: ``supply_voltage``, scaled by T/T_0 for a ``"ptat"`` supply [V]."""
        if self.supply_tracking == "fixed":
            return self.supply_voltage
        v = self.supply_voltage * float(temperature) / self.supply_reference_temperature
        return _validate.in_range(f"supply_voltage at {float(temperature):g} K", v, 0.02, 0.5, "V")

    @property
    def ref_nmos(self):
        """MNref: MNbias with width and current factor scaled by ``ref_width_ratio`` [-]."""
        b = self.bias_nmos
        return replace(b, width=b.width * self.ref_width_ratio, current_factor=b.current_factor * self.ref_width_ratio)

    def devices(self) -> tuple[Device, ...]:
        """The six transistors with their terminals (gate, drain, source, bulk)."""
        n, p = self.nmos, self.pmos
        return (
            Device("MPa", p, gate="outb", drain="out", source="vdd", bulk="vdd"),
            Device("MNa", n, gate="outb", drain="out", source="0", bulk="0"),
            Device("MPb", p, gate="out", drain="outb", source="vdd", bulk="vdd"),
            Device("MNb", n, gate="out", drain="outb", source="0", bulk="0"),
            Device("MNbias", self.bias_nmos, gate="v_bias", drain="outb", source="0", bulk="0"),
            Device("MNref", self.ref_nmos, gate="v_ref", drain="out", source="0", bulk="0"),
        )

    def netlist(self, v_bias: float, temperature: float) -> Netlist:
        """The node equations at ``v_bias`` [V] and ``temperature`` [K]."""
        c = self.node_capacitance
        fixed = [("0", 0.0), ("vdd", self.supply_voltage_at(temperature)), ("v_bias", v_bias), ("v_ref", self.v_ref)]
        return Netlist([("out", c), ("outb", c)], fixed, self.devices(), temperature)


def _check_temperature(temperature) -> float:
    return _validate.temperature("temperature", temperature)


class PBit:
    """The p-bit at one bias and temperature: SDE terms, read-out, exact statistics.

    Parameters
    ----------
    design : PBitDesign, optional
        Circuit; default :meth:`PBitDesign.default` [-].
    v_bias : float, optional
        Gate voltage of MNbias, in [-0.2, 0.6]; default :func:`v_mid` of the design [V].
    temperature : float
        Temperature, in [200, 450] [K].
    grid_points : int, optional
        Points per axis of the Fokker–Planck grid used by the exact quantities, >= 41; default
        :func:`resolved_grid_points` of the design at this temperature [-].
    """

    kind = "pbit"

    def __init__(self, design: PBitDesign | None = None, v_bias: float | None = None, temperature: float = 300.0,
                 grid_points: int | None = None):
        self.design = PBitDesign.default() if design is None else design
        if not isinstance(self.design, PBitDesign):
            raise ParameterError(f"design must be a PBitDesign, got {type(design).__name__}")
        self.temperature = _check_temperature(temperature)
        if grid_points is None:
            grid_points = resolved_grid_points(self.design, self.temperature)
        self.grid_points = _validate.positive_int("grid_points", grid_points, minimum=41)
        if v_bias is None:
            v_bias = v_mid(self.design, self.temperature, grid_points=self.grid_points)
        self.v_bias = _validate.in_range("v_bias", v_bias, *V_BIAS_RANGE, "V")
        #: V_dd at this temperature (:meth:`PBitDesign.supply_voltage_at`) [V].
        self.supply_voltage = self.design.supply_voltage_at(self.temperature)
        self.netlist = self.design.netlist(self.v_bias, self.temperature)
        self.state_names = ("v_out_V", "v_outb_V")

    def __repr__(self):
        return f"PBit(v_bias={self.v_bias!r}, temperature={self.temperature!r})"

    # ------------------------------------------------------------------ deterministic
    @functools.cached_property
    def fixed_points(self) -> dict:
        """Fixed points of the noise-free latch.

        Returns
        -------
        dict
            Bistable: ``"zero"``, ``"saddle"``, ``"one"`` (ordered by V_out − V_outb);
            outside the bistable bias range: ``"stable"`` only. Values are arrays
            ``(V_out, V_outb)`` [V].
        """
        return _latch_fixed_points(self.netlist, self.supply_voltage)

    @property
    def bistable(self) -> bool:
        """Whether the noise-free latch has two stable states at this bias [-]."""
        return "saddle" in self.fixed_points

    @property
    def wells(self) -> tuple[float, float]:
        """Read-out V(out) − V(outb) of the state-0 and state-1 fixed points [V].

        Outside the bistable range: the single stable state's read-out ``d`` and its mirror
        ``-d`` (so dwell counting still works, and finds few or no dwells).
        """
        fp = self.fixed_points
        if not self.bistable:
            d = abs(float(self.readout(fp["stable"])))
            return -d, d
        return float(self.readout(fp["zero"])), float(self.readout(fp["one"]))

    @functools.cached_property
    def timescale(self) -> float:
        """Fastest relaxation time [s]: 1/(largest |eigenvalue| of the drift Jacobian at the
        three fixed points); ``dt = timescale/20`` is a tenth of Euler's stability limit."""
        return _fastest_timescale(self.netlist, self.fixed_points.values())

    def _require_bistable(self, what: str):
        if not self.bistable:
            raise SimulationError(
                f"{what} needs a bistable latch; v_bias = {self.v_bias:g} V at {self.temperature:g} K has one stable state"
            )

    # ------------------------------------------------------------------ SDE protocol
    def sde_terms(self):
        """Itô SDE terms of the two node voltages (start: the saddle point)."""
        from noisecircuits.sde.terms import SDETerms

        use("ekv", "sarpeshkar1993")
        circuit = specialised_terms(self.netlist)
        return SDETerms(
            drift=circuit.drift,
            diffusion=circuit.diffusion,
            diffusion_derivative=circuit.diffusion_derivative,
            params=circuit.params,
            x0=self.fixed_points["saddle" if self.bistable else "stable"],
            state_names=self.state_names,
            timescale=self.timescale,
        )

    @staticmethod
    def readout(values):
        """V(out) − V(outb) of states ``values`` (..., 2) [V]; positive = state 1."""
        values = np.asarray(values, dtype=float)
        return values[..., 0] - values[..., 1]

    def readout_spec(self):
        """V(out) − V(outb), a binary read-out with the latch's fixed points as wells (zero, one)."""
        from noisecircuits.sde.readouts import BinaryReadout

        low, high = self.wells
        return BinaryReadout(weights=[1.0, -1.0], offset=0.0, low=low, high=high, labels=("zero", "one"))

    # ------------------------------------------------------------------ exact (Fokker–Planck)
    @functools.cached_property
    def grid(self) -> np.ndarray:
        """Grid axis shared by both node voltages [V]: V_dd ± 7 sqrt(kT/C) margins."""
        margin = GRID_MARGIN * math.sqrt(BOLTZMANN * self.temperature / self.design.node_capacitance)
        return np.linspace(-margin, self.supply_voltage + margin, self.grid_points)

    def _fp_terms(self, x, y):
        """(drift, diffusion) on the grid points (x, y), memoised for the last grid."""
        key = (x.shape, x.tobytes(), y.tobytes())
        if getattr(self, "_fp_key", None) != key:
            current, half_psd = self.netlist.currents_and_noise(np.stack([x, y], axis=-1))
            c = self.netlist.capacitances
            self._fp_key, self._fp_value = key, (current / c, np.sqrt(half_psd) / c)
        return self._fp_value

    def _fp_drift(self, x, y):
        a = self._fp_terms(x, y)[0]
        return a[..., 0], a[..., 1]

    def _fp_diffusion(self, x, y):
        g = self._fp_terms(x, y)[1]
        return g[..., 0], g[..., 1]

    @functools.cached_property
    def stationary_density(self) -> np.ndarray:
        """Stationary probability mass on ``grid`` × ``grid`` (``[i, j]`` = V_out_i, V_outb_j) [-]."""
        from noisecircuits.physics.fokker_planck import stationary_distribution

        return stationary_distribution(self._fp_drift, self._fp_diffusion, (self.grid, self.grid))

    def p_one_exact(self) -> float:
        """Stationary P(V(out) > V(outb)) from the Fokker–Planck solution [-]."""
        pi = self.stationary_density
        n = self.grid.size
        upper = np.tril(np.ones((n, n)), -1)  # i > j: V_out > V_outb
        return float((pi * (upper + 0.5 * np.eye(n))).sum())

    def correlation_time_exact(self) -> float:
        r"""τ_c = 1/(1/T_{0→1} + 1/T_{1→0}) from grid mean first-passage times [s]."""
        from noisecircuits.physics.fokker_planck import mean_first_passage_time

        self._require_bistable("correlation_time_exact")
        low, high = self.wells
        x, y = np.meshgrid(self.grid, self.grid, indexing="ij")
        d = x - y
        times = []
        for start, target in (("zero", d >= high), ("one", d <= low)):
            tau = mean_first_passage_time(self._fp_drift, self._fp_diffusion, (self.grid, self.grid), target)
            times.append(_interpolate(self.grid, tau, self.fixed_points[start]))
        return 1.0 / (1.0 / times[0] + 1.0 / times[1])

    def supply_current(self, states):
        """Current drawn from ``vdd`` at node voltages ``states`` (..., 2) [A]."""
        return self.netlist.supply_current(states, "vdd")

    def supply_power(self, states=None) -> float:
        """V_dd × mean supply current: stationary (Fokker–Planck), or over sampled node voltages.

        Parameters
        ----------
        states : array_like, optional
            Node voltages (..., 2) of a trace (SDE or ngspice); the mean is taken over them.
            Default: the exact stationary mean from the Fokker–Planck density [V].

        Returns
        -------
        float
            Supply power [W].
        """
        if states is not None:
            return float(self.supply_voltage * np.mean(self.supply_current(np.asarray(states, dtype=float))))
        x, y = np.meshgrid(self.grid, self.grid, indexing="ij")
        current = self.supply_current(np.stack([x, y], axis=-1))
        return float(self.supply_voltage * (self.stationary_density * current).sum())

    def effective_barrier(self) -> float:
        """ln(p_well / p_saddle) of the stationary density, averaged over both wells [kT]."""
        self._require_bistable("effective_barrier")
        pi = self.stationary_density
        values = [_interpolate(self.grid, pi, self.fixed_points[k]) for k in ("zero", "one", "saddle")]
        return float(0.5 * (math.log(values[0] / values[2]) + math.log(values[1] / values[2])))


def _interpolate(axis, table, point) -> float:
    """Bilinear interpolation of ``table`` on ``axis`` × ``axis`` at ``point``."""
    from scipy.interpolate import RegularGridInterpolator

    return float(RegularGridInterpolator((axis, axis), table)(np.asarray(point, dtype=float)[None, :])[0])


def _outb_nullcline(netlist: Netlist, v_out, iterations: int = 40):
    """V_outb at which node ``outb`` carries no net current, for each ``v_out`` (vectorised bisection).

    The current into ``outb`` falls strictly with V_outb (MPb's drive shrinks, MNb's and
    MNbias's grow), so the root is unique; 40 halvings of the bracket reach ~1e-12 V.
    """
    v_out = np.atleast_1d(np.asarray(v_out, dtype=float))
    lo = np.full(v_out.shape, -0.5)
    hi = np.full(v_out.shape, netlist.fixed_voltages[1] + 0.5)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        into = netlist.drift_fast(np.stack([v_out, mid], axis=-1))[..., 1]
        lo = np.where(into > 0, mid, lo)
        hi = np.where(into > 0, hi, mid)
    return 0.5 * (lo + hi)


def _latch_fixed_points(netlist: Netlist, vdd: float) -> dict:
    """Fixed points of the latch by reduction to one dimension, polished in two.

    On the ``outb`` nullcline V_outb = f(V_out) the fixed points are the zeros of the current
    into ``out``; a scan of 301 points over [−V_dd/4, 5V_dd/4] brackets them, and a 2-D
    Powell-hybrid solve started at each bracket's better end polishes them. Bistable ⇔
    three zeros (stable, saddle, stable); one zero ⇔ monostable.
    """
    from scipy.optimize import root

    scan = np.linspace(-0.25 * vdd, 1.25 * vdd, 301)
    curve = np.stack([scan, _outb_nullcline(netlist, scan)], axis=-1)
    into_out = netlist.drift_fast(curve)[:, 0]
    crossings = np.flatnonzero(np.sign(into_out[:-1]) != np.sign(into_out[1:]))
    if crossings.size not in (1, 3):
        raise SimulationError(
            f"the latch has {crossings.size} fixed points at v_bias = {netlist.fixed_voltages[2]:g} V and "
            f"temperature = {netlist.temperature:g} K; expected 1 or 3"
        )

    def residual(v):  # node currents in pA
        return netlist.drift_fast(v) * netlist.capacitances / 1e-12

    found = []
    for k in crossings:
        start = curve[k] if abs(into_out[k]) < abs(into_out[k + 1]) else curve[k + 1]
        sol = root(residual, start, method="hybr", tol=1e-13)
        if np.max(np.abs(residual(sol.x))) > 1e-9:  # 1e-21 A: far below any device current
            raise SimulationError(f"latch fixed point near {start} not found: {sol.message}")
        found.append(sol.x)
    if len(found) == 1:
        return {"stable": found[0]}
    return {"zero": found[0], "saddle": found[1], "one": found[2]}


def _fastest_timescale(netlist: Netlist, points) -> float:
    """1 / (largest |eigenvalue| of the drift Jacobian over ``points``) [s]."""
    rate = max(np.max(np.abs(np.linalg.eigvals(netlist.jacobian(p)))) for p in points)
    return float(1.0 / rate)


def resolved_grid_points(design: PBitDesign, temperature: float) -> int:
    """Grid points per axis that resolve the thermal spread of the design's nodes [-].

    The grid spans V_dd ± 7 sqrt(kT/C); its spacing is at most :data:`MAX_GRID_SPACING`
    sqrt(kT/C), and it has at least :data:`FP_GRID_POINTS` and at most :data:`MAX_GRID_POINTS`
    points.

    Parameters
    ----------
    design : PBitDesign
        The circuit [-].
    temperature : float
        Temperature [K].
    """
    temperature = _check_temperature(temperature)
    spread = math.sqrt(BOLTZMANN * temperature / design.node_capacitance)
    span = design.supply_voltage_at(temperature) + 2.0 * GRID_MARGIN * spread
    return min(MAX_GRID_POINTS, max(FP_GRID_POINTS, math.ceil(span / (MAX_GRID_SPACING * spread)) + 1))


def p_one_exact(design: PBitDesign, v_bias: float, temperature: float, grid_points: int | None = None) -> float:
    """Stationary P(1) of the p-bit from the 2-D Fokker–Planck solution [-].

    Parameters
    ----------
    design : PBitDesign
        The circuit [-].
    v_bias : float
        Gate voltage of MNbias [V].
    temperature : float
        Temperature [K].
    grid_points : int, optional
        Grid points per axis; default :func:`resolved_grid_points` [-].
    """
    return PBit(design, v_bias, temperature, grid_points).p_one_exact()


def correlation_time_exact(design: PBitDesign, v_bias: float, temperature: float,
                           grid_points: int | None = None) -> float:
    """Correlation time of the sign process from Fokker–Planck mean first-passage times [s].

    Parameters
    ----------
    design : PBitDesign
        The circuit [-].
    v_bias : float
        Gate voltage of MNbias [V].
    temperature : float
        Temperature [K].
    grid_points : int, optional
        Grid points per axis; default :func:`resolved_grid_points` [-].
    """
    return PBit(design, v_bias, temperature, grid_points).correlation_time_exact()


def v_mid(design: PBitDesign, temperature: float, grid_points: int | None = None, tolerance: float = 1e-6) -> float:
    """Bias at which the exact P(1) is one half [V] (Brent root of the Fokker–Planck P(1)).

    The bracket starts at the weak-inversion estimate
    :math:`v_{ref} + n U_T \\ln(\\text{ref\\_width\\_ratio})` (where MNbias and MNref carry the same
    current) and widens until it contains the root.

    Parameters
    ----------
    design : PBitDesign
        The circuit [-].
    temperature : float
        Temperature [K].
    grid_points : int, optional
        Grid points per axis; default :func:`resolved_grid_points` [-].
    tolerance : float
        Absolute tolerance of the root [V].
    """
    temperature = _check_temperature(temperature)
    return _v_mid_cached(design, temperature, grid_points, tolerance)


@functools.lru_cache(maxsize=64)
def _v_mid_cached(design, temperature, grid_points, tolerance):
    from scipy.optimize import brentq

    from noisecircuits.constants import thermal_voltage

    n = float(design.bias_nmos.slope_factor_at(temperature))
    guess = design.v_ref + n * thermal_voltage(temperature) * math.log(design.ref_width_ratio)

    def excess(v):
        return p_one_exact(design, v, temperature, grid_points) - 0.5

    step = 0.01
    lo, hi = guess - step, guess + step
    f_lo, f_hi = excess(lo), excess(hi)
    while f_lo > 0 or f_hi < 0:
        step *= 2
        if step > 0.5:
            raise SimulationError(f"no bias in {V_BIAS_RANGE} V gives P(1) = 0.5 at {temperature:g} K")
        if f_lo > 0:
            lo, f_lo = guess - step, excess(guess - step)
        if f_hi < 0:
            hi, f_hi = guess + step, excess(guess + step)
    return float(brentq(excess, lo, hi, xtol=tolerance))
