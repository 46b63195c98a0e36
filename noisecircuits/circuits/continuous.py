r"""The continuous (Gaussian-mixture) cell: a p-bit selecting the mean of a noisy analog node.

Topology (the circuit-level netlist mirrors it exactly): a p-bit
(:mod:`noisecircuits.circuits.pbit`, nodes ``out``, ``outb``; by default the selector latch of
:func:`selector_latch`) plus

* node ``y`` with capacitance ``output_capacitance`` to ground;
* MA (nmos, G = out, D = y, S = v_mode_a, B = 0) and MB (nmos, G = outb, D = y,
  S = v_mode_b, B = 0): subthreshold pass devices. An nmos conducts more when its gate is
  high, so in state 1 (out high) MA dominates and ``y`` sits near ``v_mode_a``; in state 0
  near ``v_mode_b``.

Gates draw no current, so ``y`` does not load the latch: the p-bit's statistics are exactly
those of :class:`~noisecircuits.circuits.pbit.PBit`. ``y`` relaxes in
:math:`\tau_y = C_y / (g_A + g_B)`, much faster than the latch's correlation time, so its
histogram is a two-component mixture:

* weights: P(1) and 1 − P(1) of the p-bit (exact, Fokker–Planck);
* means: the deterministic fixed point of ``y`` with the latch in each stable state, i.e. the
  root of :math:`I_A + I_B = 0` (the conductance-weighted average of the mode voltages when
  the pass devices are linear);
* variances: the ``y`` entry of the stationary covariance Σ of the linearised 3-node SDE at
  that fixed point, :math:`J\Sigma + \Sigma J^T + \mathrm{diag}(g^2) = 0` (Lyapunov); for a
  single linear conductance this is kT/C_y, for the subthreshold pass pair
  :math:`q(I_f + I_r)/(C_y (g_A + g_B))`.

Read-out = V(y); mode read-out = p-bit state (V(out) > V(outb)).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from noisecircuits import _validate
from noisecircuits.circuits._specialised import specialised_terms
from noisecircuits.circuits._subthreshold import Device, Netlist
from noisecircuits.circuits.pbit import V_BIAS_RANGE, PBit, PBitDesign, _fastest_timescale
from noisecircuits.citations import use
from noisecircuits.constants import TEMPERATURE_RANGE
from noisecircuits.errors import ParameterError, SimulationError

__all__ = ["ContinuousDesign", "ContinuousCell", "V_MODE_RANGE"]

#: Mode voltages the cell accepts [V].
V_MODE_RANGE = (-0.1, 0.3)


def _pass_nmos():
    from noisecircuits.physics.mosfet import MosfetParams

    return MosfetParams("nmos", width=4e-6, length=1e-6, threshold_voltage=0.35, slope_factor=1.35, current_factor=8e-4)


def selector_latch() -> PBitDesign:
    """The default latch of the continuous cell, defined here so that it does not follow the reference p-bit.

    V_dd = 80 mV (fixed), 70 aF per node, latch devices 1 µm × 1 µm (nmos V_T0 = 0.35 V, n = 1.35,
    β = 200 µA/V²; pmos n = 1.4, β = 80 µA/V²), MNbias 0.5 µm × 20 µm (β = 5 µA/V²), v_ref =
    0.1 V, MNref twice MNbias: today the sizes and voltages of ``PBitDesign.default()``. Like the
    0.2 fF output node, its node capacitance is below what its devices would add (docs/circuits.md).
    """
    from noisecircuits.physics.mosfet import MosfetParams

    return PBitDesign(
        supply_voltage=0.08, node_capacitance=7e-17,
        nmos=MosfetParams("nmos", width=1e-6, length=1e-6, threshold_voltage=0.35, slope_factor=1.35,
                          current_factor=2e-4),
        pmos=MosfetParams("pmos", width=1e-6, length=1e-6, threshold_voltage=0.35, slope_factor=1.4,
                          current_factor=8e-5),
        bias_nmos=MosfetParams("nmos", width=0.5e-6, length=20e-6, threshold_voltage=0.35, slope_factor=1.35,
                               current_factor=5e-6),
        v_ref=0.1, ref_width_ratio=2.0, supply_tracking="fixed")


@dataclass(frozen=True)
class ContinuousDesign:
    """The p-bit plus the output node and its two pass devices (topology in the module docstring).

    Parameters
    ----------
    pbit : PBitDesign
        The latch that selects the mode [-].
    output_capacitance : float
        Capacitance of ``y`` to ground, in [1e-18, 1e-12] [F].
    pass_nmos : MosfetParams
        MA and MB (nmos) [-].
    """

    pbit: PBitDesign = field(default_factory=lambda: selector_latch())
    output_capacitance: float = 2e-16
    pass_nmos: object = field(default_factory=_pass_nmos)

    def __post_init__(self):
        from noisecircuits.physics.mosfet import MosfetParams

        if not isinstance(self.pbit, PBitDesign):
            raise ParameterError(f"pbit must be a PBitDesign, got {self.pbit!r}")
        object.__setattr__(
            self, "output_capacitance",
            _validate.in_range("output_capacitance", self.output_capacitance, 1e-18, 1e-12, "F"),
        )
        if not isinstance(self.pass_nmos, MosfetParams) or self.pass_nmos.polarity != "nmos":
            raise ParameterError(f"pass_nmos must be an nmos MosfetParams, got {self.pass_nmos!r}")

    @classmethod
    def default(cls) -> ContinuousDesign:
        """The selector latch (:func:`selector_latch`), C_y = 0.2 fF, 4 µm × 1 µm pass devices."""
        return cls()

    def devices(self) -> tuple[Device, ...]:
        """The p-bit's six devices plus MA and MB."""
        return self.pbit.devices() + (
            Device("MA", self.pass_nmos, gate="out", drain="y", source="v_mode_a", bulk="0"),
            Device("MB", self.pass_nmos, gate="outb", drain="y", source="v_mode_b", bulk="0"),
        )

    def netlist(self, v_bias: float, v_modes, temperature: float) -> Netlist:
        """Node equations at ``v_bias`` [V], ``v_modes = (v_mode_a, v_mode_b)`` [V], ``temperature`` [K]."""
        p = self.pbit
        c = p.node_capacitance
        fixed = [("0", 0.0), ("vdd", p.supply_voltage), ("v_bias", v_bias), ("v_ref", p.v_ref),
                 ("v_mode_a", v_modes[0]), ("v_mode_b", v_modes[1])]
        return Netlist([("out", c), ("outb", c), ("y", self.output_capacitance)], fixed, self.devices(), temperature)


class ContinuousCell:
    """The Gaussian-mixture cell at one bias, pair of mode voltages and temperature.

    Parameters
    ----------
    design : ContinuousDesign, optional
        Circuit; default :meth:`ContinuousDesign.default` [-].
    v_bias : float, optional
        Bias of the p-bit, in [-0.2, 0.6]; default the p-bit's v_mid [V].
    v_modes : (float, float)
        ``(v_mode_a, v_mode_b)``: sources of MA (selected in state 1) and MB (state 0),
        each in [-0.1, 0.3] [V].
    temperature : float
        Temperature, in [200, 450] [K].
    start_mode : {None, 0, 1}
        Start of the simulation: ``None`` = latch at its saddle point and y between the
        modes; 0 or 1 = the stable state of that mode [-].
    """

    kind = "continuous"

    def __init__(self, design: ContinuousDesign | None = None, v_bias: float | None = None,
                 v_modes=(0.04, 0.0), temperature: float = 300.0, start_mode: int | None = None):
        self.design = ContinuousDesign.default() if design is None else design
        if not isinstance(self.design, ContinuousDesign):
            raise ParameterError(f"design must be a ContinuousDesign, got {type(design).__name__}")
        self.temperature = _validate.in_range("temperature", temperature, *TEMPERATURE_RANGE, "K")
        self.pbit = PBit(self.design.pbit, v_bias, self.temperature)
        self.v_bias = self.pbit.v_bias
        _validate.in_range("v_bias", self.v_bias, *V_BIAS_RANGE, "V")
        modes = list(np.atleast_1d(np.asarray(v_modes, dtype=float)))
        if len(modes) != 2:
            raise ParameterError(f"v_modes must be two voltages (v_mode_a, v_mode_b), got {len(modes)}")
        self.v_modes = tuple(_validate.in_range(n, v, *V_MODE_RANGE, "V") for n, v in zip(("v_mode_a", "v_mode_b"), modes))
        self.netlist = self.design.netlist(self.v_bias, self.v_modes, self.temperature)
        self.state_names = ("v_out_V", "v_outb_V", "v_y_V")
        if start_mode not in (None, 0, 1):
            raise ParameterError(f"start_mode must be None, 0 or 1, got {start_mode!r}")
        self.start_mode = start_mode

    def __repr__(self):
        return f"ContinuousCell(v_bias={self.v_bias!r}, v_modes={self.v_modes!r}, temperature={self.temperature!r})"

    @functools.cached_property
    def fixed_points(self) -> dict:
        """Stable 3-node states with the latch in state 0 and state 1: ``{0: x, 1: x}`` [V]."""
        from scipy.optimize import brentq

        if not self.pbit.bistable:
            raise SimulationError(f"the p-bit is not bistable at v_bias = {self.v_bias:g} V; no mixture")
        out = {}
        for mode, key in ((0, "zero"), (1, "one")):
            latch = self.pbit.fixed_points[key]

            def into_y(y, latch=latch):
                return float(self.netlist.drift(np.array([latch[0], latch[1], y]))[2])

            # current into y falls strictly with V_y (both pass devices): one root between the modes
            lo, hi = min(self.v_modes) - 0.05, max(self.v_modes) + 0.05
            y = brentq(into_y, lo, hi, xtol=1e-15, rtol=1e-14)
            out[mode] = np.array([latch[0], latch[1], y])
        return out

    @functools.cached_property
    def timescale(self) -> float:
        """Fastest relaxation time of the 3-node system at its two stable states [s]."""
        return _fastest_timescale(self.netlist, self.fixed_points.values())

    def sde_terms(self):
        """Itô SDE terms of (V_out, V_outb, V_y); start as set by ``start_mode``."""
        from noisecircuits.sde.terms import SDETerms

        use("ekv", "sarpeshkar1993")
        if self.start_mode is None:
            saddle = self.pbit.fixed_points["saddle"]
            x0 = np.array([saddle[0], saddle[1], 0.5 * sum(self.v_modes)])
        else:
            x0 = self.fixed_points[self.start_mode]
        circuit = specialised_terms(self.netlist)
        return SDETerms(
            drift=circuit.drift,
            diffusion=circuit.diffusion,
            diffusion_derivative=circuit.diffusion_derivative,
            params=circuit.params,
            x0=x0,
            state_names=self.state_names,
            timescale=self.timescale,
        )

    @staticmethod
    def readout(values):
        """V(y) of states ``values`` (..., 3) [V]."""
        return np.asarray(values, dtype=float)[..., 2]

    @staticmethod
    def mode_readout(values):
        """p-bit state (1 ⇔ V(out) > V(outb)) of states ``values`` (..., 3) [-]."""
        values = np.asarray(values, dtype=float)
        return (values[..., 0] > values[..., 1]).astype(np.int64)

    def readout_spec(self):
        """V(y) with the p-bit state as its mixture mode."""
        from noisecircuits.sde.readouts import MixtureReadout

        return MixtureReadout(value=self.readout, mode=self.mode_readout)

    def output_law(self, mode: int, grid_points: int = 2001):
        """Exact stationary law of V(y) with the latch frozen at its ``mode`` fixed point.

        With the gates of MA and MB held, ``y`` obeys a 1-D Itô SDE whose stationary density
        is :math:`p(y) \\propto D(y)^{-1}\\exp\\int a/D` (Risken 1989, §5.2), solved on a grid of
        ± 12 kT/C_y-standard deviations around the fixed point.

        Parameters
        ----------
        mode : {0, 1}
            Latch state [-].
        grid_points : int
            Grid points, >= 101 [-].

        Returns
        -------
        (ndarray, ndarray)
            Grid of V(y) [V] and probability mass on it [-].
        """
        from noisecircuits.constants import BOLTZMANN
        from noisecircuits.physics.fokker_planck import stationary_distribution

        grid_points = _validate.positive_int("grid_points", grid_points, minimum=101)
        x = self.fixed_points[mode]
        half = 12.0 * np.sqrt(BOLTZMANN * self.temperature / self.design.output_capacitance)
        axis = np.linspace(x[2] - half, x[2] + half, grid_points)

        def states(y):
            return np.stack([np.full_like(y, x[0]), np.full_like(y, x[1]), y], axis=-1)

        mass = stationary_distribution(
            lambda y: self.netlist.drift(states(y))[..., 2],
            lambda y: self.netlist.diffusion(states(y))[..., 2],
            axis,
        )
        return axis, mass

    def mixture(self) -> dict:
        """The predicted two-component mixture of V(y): :meth:`component_moments` plus the weight.

        Returns
        -------
        dict
            ``weight_one``: exact (Fokker–Planck) P(1) of the p-bit [-], and the keys of
            :meth:`component_moments`.
        """
        return {"weight_one": self.pbit.p_one_exact(), **self.component_moments()}

    def component_moments(self) -> dict:
        """Predicted position, mean and standard deviation of V(y) in each latch state.

        Returns
        -------
        dict
            ``position_V``: deterministic fixed
            point of y per mode 0, 1 [V]; ``mean_V``: mean of the exact frozen-latch law
            (:meth:`output_law`) per mode [V]; ``std_V``: its standard deviation with the
            latch-induced variance of the linearised 3-node SDE added (Lyapunov
            :math:`J\\Sigma + \\Sigma J^T + \\mathrm{diag}(g^2) = 0`, minus its frozen-latch
            part :math:`g_y^2/2|J_{yy}|`) per mode [V]; ``std_linear_V``: the plain Lyapunov
            standard deviation [V].
        """
        from scipy.linalg import solve_continuous_lyapunov

        use("vankampen2007", "risken")
        positions, means, stds, linear = [], [], [], []
        for mode in (0, 1):
            x = self.fixed_points[mode]
            axis, mass = self.output_law(mode)
            mean = float((mass * axis).sum())
            var_frozen = float((mass * (axis - mean) ** 2).sum())
            jac = self.netlist.jacobian(x)
            g = self.netlist.diffusion(x)
            cov = solve_continuous_lyapunov(jac, -np.diag(g**2))
            latch_part = cov[2, 2] - g[2] ** 2 / (2.0 * -jac[2, 2])
            positions.append(float(x[2]))
            means.append(mean)
            stds.append(float(np.sqrt(var_frozen + latch_part)))
            linear.append(float(np.sqrt(cov[2, 2])))
        return {"position_V": positions, "mean_V": means, "std_V": stds, "std_linear_V": linear}

    def supply_power(self) -> float:
        """Mean power delivered by the supply and the two mode sources [W].

        The latch part is the p-bit's exact stationary supply power. The mode sources deliver
        :math:`\\sum_s V_s I_s` (current out of each source into MA/MB), evaluated at the two
        fixed points and weighted by the exact P(1): the y node's fluctuations are small and
        nearly linear, so this is its stationary mean to first order.
        """
        p1 = self.pbit.p_one_exact()
        mode_power = 0.0
        for mode, weight in ((0, 1.0 - p1), (1, p1)):
            x = self.fixed_points[mode]
            for name, v in zip(("v_mode_a", "v_mode_b"), self.v_modes):
                mode_power += weight * v * float(self.netlist.supply_current(x, name))
        return self.pbit.supply_power() + mode_power
