r"""The categorical (p-dit) cell: a noisy winner-take-all of N mutually inhibiting nodes.

Topology (N states, default 4; the circuit-level netlist mirrors it exactly):

* nodes ``out0 … out{N-1}``, each with ``node_capacitance`` to ground; supply ``vdd``; ground ``0``;
* pull-up MP\ *k* (pmos, S = B = vdd, D = out\ *k*, G = control voltage ``v_k``);
* inhibition MN\ *kj* for every j ≠ k (nmos, G = out\ *j*, D = out\ *k*, S = B = 0).

With N = 2 this is the cross-coupled latch with current-source loads. The read-out is the
index of the highest node. **Sign convention:** a *lower* gate voltage on MP\ *k* drives more
current into node k, so state k becomes *more* likely. Near the nominal control voltage the
occupations follow a softmax law

.. math:: P(k) = \frac{e^{\theta_k}}{\sum_j e^{\theta_j}},\qquad
          \theta_k \approx -\frac{v_k - v_\mathrm{nominal}}{w},

with a width w of a few mV set by the design and temperature (docs/circuits.md gives the
measured w and how well the law holds). Node equations and noise as for every circuit here
(:mod:`noisecircuits.circuits._subthreshold`, Itô, shot noise 2q(I_f + I_r) per device).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from noisecircuits import _validate
from noisecircuits.circuits._specialised import specialised_terms
from noisecircuits.circuits._subthreshold import Device, Netlist
from noisecircuits.circuits.pbit import _fastest_timescale
from noisecircuits.citations import use
from noisecircuits.constants import TEMPERATURE_RANGE
from noisecircuits.errors import ParameterError, SimulationError

__all__ = ["CategoricalDesign", "CategoricalCell", "softmax"]

#: Control voltages the cell accepts [V].
V_CONTROL_RANGE = (-0.3, 0.5)


def _inhibit_nmos():
    from noisecircuits.physics.mosfet import MosfetParams

    return MosfetParams("nmos", width=1e-6, length=1e-6, threshold_voltage=0.35, slope_factor=1.35, current_factor=2e-4)


def _pullup_pmos():
    from noisecircuits.physics.mosfet import MosfetParams

    return MosfetParams("pmos", width=4e-6, length=1e-6, threshold_voltage=0.35, slope_factor=1.4, current_factor=3.2e-4)


def softmax(theta):
    """``exp(theta) / sum(exp(theta))`` along the last axis, computed stably [-].

    Parameters
    ----------
    theta : array_like
        Log-probabilities up to a constant [-].
    """
    theta = np.asarray(theta, dtype=float)
    z = np.exp(theta - theta.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class CategoricalDesign:
    """Sizes and voltages of the N-state winner-take-all cell (topology in the module docstring).

    Parameters
    ----------
    n_states : int
        Number of states N, in [2, 8] [-].
    supply_voltage : float
        V_dd, in [0.02, 0.5] [V].
    node_capacitance : float
        Capacitance of each node to ground, in [1e-18, 1e-12] [F].
    nmos : MosfetParams
        The inhibition devices MN_kj [-].
    pmos : MosfetParams
        The pull-up devices MP_k [-].
    v_nominal : float
        Control voltage at which the default cell is operated (all states equally likely when
        every control equals it), in [-0.3, 0.5] [V].
    """

    n_states: int = 4
    supply_voltage: float = 0.12
    node_capacitance: float = 4e-17
    nmos: object = field(default_factory=_inhibit_nmos)
    pmos: object = field(default_factory=_pullup_pmos)
    v_nominal: float = 0.05

    def __post_init__(self):
        from noisecircuits.physics.mosfet import MosfetParams

        n = _validate.positive_int("n_states", self.n_states, minimum=2)
        if n > 8:
            raise ParameterError(f"n_states must be an integer in [2, 8], got {self.n_states!r}")
        object.__setattr__(self, "n_states", n)
        object.__setattr__(self, "supply_voltage", _validate.in_range("supply_voltage", self.supply_voltage, 0.02, 0.5, "V"))
        object.__setattr__(
            self, "node_capacitance", _validate.in_range("node_capacitance", self.node_capacitance, 1e-18, 1e-12, "F")
        )
        object.__setattr__(self, "v_nominal", _validate.in_range("v_nominal", self.v_nominal, *V_CONTROL_RANGE, "V"))
        for name in ("nmos", "pmos"):
            dev = getattr(self, name)
            if not isinstance(dev, MosfetParams) or dev.polarity != name:
                raise ParameterError(f"{name} must be a {name} MosfetParams, got {dev!r}")

    @classmethod
    def default(cls) -> CategoricalDesign:
        """Four states, V_dd = 120 mV, 40 aF nodes, 1 µm inhibitors, 4 µm pull-ups, v_nominal = 50 mV."""
        return cls()

    def node_names(self) -> tuple[str, ...]:
        """``("out0", …, "out{N-1}")``."""
        return tuple(f"out{k}" for k in range(self.n_states))

    def devices(self) -> tuple[Device, ...]:
        """MP_k and MN_kj with their terminals (gate, drain, source, bulk)."""
        nodes = self.node_names()
        devices = []
        for k, node in enumerate(nodes):
            devices.append(Device(f"MP{k}", self.pmos, gate=f"v{k}", drain=node, source="vdd", bulk="vdd"))
            for j, other in enumerate(nodes):
                if j != k:
                    devices.append(Device(f"MN{k}{j}", self.nmos, gate=other, drain=node, source="0", bulk="0"))
        return tuple(devices)

    def netlist(self, v_controls, temperature: float) -> Netlist:
        """The node equations at control voltages ``v_controls`` [V] and ``temperature`` [K]."""
        fixed = [("0", 0.0), ("vdd", self.supply_voltage)] + [(f"v{k}", float(v)) for k, v in enumerate(v_controls)]
        return Netlist([(n, self.node_capacitance) for n in self.node_names()], fixed, self.devices(), temperature)


class CategoricalCell:
    """The categorical cell at given control voltages and temperature.

    Parameters
    ----------
    design : CategoricalDesign, optional
        Circuit; default :meth:`CategoricalDesign.default` [-].
    v_controls : sequence of float, optional
        Gate voltage of each pull-up MP_k, each in [-0.3, 0.5]; default all at
        ``design.v_nominal`` [V]. Lower = more likely.
    temperature : float
        Temperature, in [200, 450] [K].
    """

    kind = "categorical"

    def __init__(self, design: CategoricalDesign | None = None, v_controls=None, temperature: float = 300.0):
        self.design = CategoricalDesign.default() if design is None else design
        if not isinstance(self.design, CategoricalDesign):
            raise ParameterError(f"design must be a CategoricalDesign, got {type(design).__name__}")
        n = self.design.n_states
        if v_controls is None:
            v_controls = [self.design.v_nominal] * n
        v_controls = list(np.atleast_1d(np.asarray(v_controls, dtype=float)))
        if len(v_controls) != n:
            raise ParameterError(f"v_controls must hold n_states = {n} voltages, got {len(v_controls)}")
        self.v_controls = tuple(
            _validate.in_range(f"v_controls[{k}]", v, *V_CONTROL_RANGE, "V") for k, v in enumerate(v_controls)
        )
        self.temperature = _validate.in_range("temperature", temperature, *TEMPERATURE_RANGE, "K")
        self.netlist = self.design.netlist(self.v_controls, self.temperature)
        self.state_names = tuple(f"v_{name}_V" for name in self.design.node_names())

    def __repr__(self):
        return f"CategoricalCell(v_controls={self.v_controls!r}, temperature={self.temperature!r})"

    @property
    def n_states(self) -> int:
        """Number of states N [-]."""
        return self.design.n_states

    @functools.cached_property
    def fixed_points(self) -> dict:
        """Noise-free stable states: ``{k: node voltages}`` for every winner k that is stable [V].

        Each is found by a Powell-hybrid solve from "node k at V_dd, the others at 0"; a state
        is kept when the solve converges to a stable point whose node k is highest by > 1 mV.
        Without any winner state the cell is monostable and the symmetric-start solution is
        returned under the key ``-1``.
        """
        from scipy.optimize import root

        vdd = self.design.supply_voltage
        c = self.design.node_capacitance

        def residual(v):  # node currents in pA
            return self.netlist.drift(v) * c / 1e-12

        found = {}
        for k in range(self.n_states):
            start = np.zeros(self.n_states)
            start[k] = vdd
            sol = root(residual, start, method="hybr", tol=1e-13)
            others = np.delete(sol.x, k)
            # a winner state: converged, and node k above every other node by > 1 mV
            if np.max(np.abs(residual(sol.x))) > 1e-9 or sol.x[k] - others.max() < 1e-3:
                continue
            if np.all(np.linalg.eigvals(self.netlist.jacobian(sol.x)).real < 0):
                found[k] = sol.x
        if not found:
            sol = root(residual, np.full(self.n_states, 0.5 * vdd), method="hybr", tol=1e-13)
            if np.max(np.abs(residual(sol.x))) > 1e-9:
                raise SimulationError(f"no stable state found at v_controls = {self.v_controls} V")
            found[-1] = sol.x
        return found

    @functools.cached_property
    def timescale(self) -> float:
        """Fastest relaxation time at the stable states [s] (1/largest |Jacobian eigenvalue|)."""
        return _fastest_timescale(self.netlist, self.fixed_points.values())

    def sde_terms(self):
        """Itô SDE terms of the N node voltages; start: all nodes at V_dd/2."""
        from noisecircuits.sde.terms import SDETerms

        use("ekv", "sarpeshkar1993")
        circuit = specialised_terms(self.netlist)
        return SDETerms(
            drift=circuit.drift,
            diffusion=circuit.diffusion,
            diffusion_derivative=circuit.diffusion_derivative,
            params=circuit.params,
            x0=np.full(self.n_states, 0.5 * self.design.supply_voltage),
            state_names=self.state_names,
            timescale=self.timescale,
        )

    @staticmethod
    def readout(values):
        """Index of the highest node for states ``values`` (..., N) [-]."""
        return np.argmax(np.asarray(values, dtype=float), axis=-1)

    def readout_spec(self):
        """The index of the highest node, a categorical read-out of ``n_states`` labels."""
        from noisecircuits.sde.readouts import CategoricalReadout

        return CategoricalReadout(function=self.readout, n_states=self.n_states)

    def occupations_exact(self, grid_points: int = 61) -> np.ndarray:
        """Stationary occupations from the 2-D Fokker–Planck solution (N = 2 only) [-].

        State k is the half-plane where node k is higher; grid nodes on the diagonal count
        one half to each. Grid: each node voltage over V_dd ± 7 sqrt(kT/C).

        Parameters
        ----------
        grid_points : int
            Grid points per axis, >= 21 [-].
        """
        from noisecircuits.constants import BOLTZMANN
        from noisecircuits.physics.fokker_planck import stationary_distribution

        if self.n_states != 2:
            raise ParameterError(f"occupations_exact needs n_states = 2, got {self.n_states}")
        grid_points = _validate.positive_int("grid_points", grid_points, minimum=21)
        margin = 7.0 * np.sqrt(BOLTZMANN * self.temperature / self.design.node_capacitance)
        axis = np.linspace(-margin, self.design.supply_voltage + margin, grid_points)

        def drift(x, y):
            a = self.netlist.drift(np.stack([x, y], axis=-1))
            return a[..., 0], a[..., 1]

        def diffusion(x, y):
            g = self.netlist.diffusion(np.stack([x, y], axis=-1))
            return g[..., 0], g[..., 1]

        pi = stationary_distribution(drift, diffusion, (axis, axis))
        p0 = float((pi * (np.tril(np.ones_like(pi), -1) + 0.5 * np.eye(axis.size))).sum())
        return np.array([p0, 1.0 - p0])

    def supply_current(self, states):
        """Current drawn from ``vdd`` at node voltages ``states`` (..., N) [A]."""
        return self.netlist.supply_current(states, "vdd")

    def supply_power_at_occupations(self, occupations) -> float:
        """Σ_k P(k) V_dd I_dd(winner-k fixed point): power from the fixed points weighted by occupation [W].

        Parameters
        ----------
        occupations : sequence of float
            Occupation of each state (e.g. ``trace_stats(...)["occupations"]``) [-].
        """
        occupations = np.asarray(occupations, dtype=float)
        if occupations.shape != (self.n_states,):
            raise ParameterError(f"occupations must hold n_states = {self.n_states} values")
        fp = self.fixed_points
        if sorted(fp) != list(range(self.n_states)):
            raise SimulationError("supply_power_at_occupations needs a stable winner state for every node")
        currents = np.array([float(self.supply_current(fp[k])) for k in range(self.n_states)])
        return float(self.design.supply_voltage * np.dot(occupations, currents))

    def supply_power(self, trace=None, duration_timescales: float = 2e4, seed: int = 0) -> float:
        """V_dd × mean supply current over a stationary trace [W].

        There is no exact stationary solution for N > 2, so the mean is taken over ``trace``
        when given, else over a simulation of ``duration_timescales`` fastest relaxation times
        with ``seed`` (deterministic; tens of thousands of correlation times).

        Parameters
        ----------
        trace : Trace, optional
            A simulation of this cell [-].
        duration_timescales : float
            Length of the internal simulation in units of :attr:`timescale` [-].
        seed : int
            Seed of the internal simulation [-].
        """
        if trace is None:
            from noisecircuits.sde.simulate import simulate

            trace = simulate(self, duration_timescales * self.timescale, seed=seed, record_every=20)
        return float(self.design.supply_voltage * np.mean(self.supply_current(trace.values[:, 1:, :])))
