r"""A one-node bistable bench with state-dependent noise, and its exact Fokker–Planck values.

The node (``spice_models/bistable.cir.tmpl``) obeys

.. math:: C\,dV = G V (1 - V^2/a^2)\,dt + \sigma(V)\,dW, \qquad
          \sigma^2(V) = q I_0 e^{V/V_s},

a double well at :math:`\pm a` whose noise grows with :math:`V` like shot noise of a current
:math:`I_0 e^{V/V_s}`. With the Itô correction :math:`-\tfrac14 \partial_V \sigma^2 / C` on
(``ito=True``) ngspice integrates the Itô process; without it, the Stratonovich one (its
drift is larger by :math:`\tfrac12 g g'`, :math:`g = \sigma/C`). Both have exact
one-dimensional answers (:func:`exact_values`): the stationary density
:math:`p \propto g^{-2} \exp\int 2 f/g^2` and the mean first-passage times
:math:`T(x \to b) = \int_x^b s(y) \int_{-\infty}^{y} 2/(g^2 s)\,dz\,dy`,
:math:`s = \exp(-\int 2f/g^2)` (Gardiner, *Stochastic Methods*, §5.2), so the bench tells
the two calculi apart, and checks the dwell-time estimator, with no device model involved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from noisecircuits.constants import ELEMENTARY_CHARGE
from noisecircuits.errors import ParameterError

__all__ = ["BistableNode", "exact_values", "simulate_bistable_spice"]


@dataclass(frozen=True)
class BistableNode:
    """Parameters of the bench.

    Parameters
    ----------
    capacitance : float
        C [F].
    conductance : float
        G; the wells relax with time constant C/(2G) [S].
    well : float
        a, the wells' positions ±a [V].
    noise_current : float
        I_0, noise PSD 2 q I_0 at V = 0 [A].
    noise_voltage : float
        V_s, e-fold voltage of the noise PSD [V].
    """

    capacitance: float = 1e-14
    conductance: float = 5e-7
    well: float = 0.05
    noise_current: float = 1.6e-5
    noise_voltage: float = 0.1

    def __post_init__(self):
        for name in ("capacitance", "conductance", "well", "noise_current", "noise_voltage"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ParameterError(f"{name} must be a positive number, got {value!r}")

    @property
    def relaxation_time(self) -> float:
        """Linear relaxation time in a well, C/(2G) [s]."""
        return self.capacitance / (2.0 * self.conductance)

    def drift(self, v, ito: bool = True):
        """Drift of V: Itô, or the Stratonovich drift f − ½ g g' whose Stratonovich SDE is this Itô one [V/s]."""
        f = self.conductance * v * (1.0 - (v / self.well) ** 2) / self.capacitance
        return f if ito else f + 0.5 * self.diffusion_squared(v) / (2.0 * self.noise_voltage)

    def diffusion_squared(self, v):
        """g² = σ²/C² [V²/s]."""
        return ELEMENTARY_CHARGE * self.noise_current * np.exp(v / self.noise_voltage) / self.capacitance**2


def exact_values(node: BistableNode, ito: bool = True, points: int = 20001) -> dict:
    """Exact P(V > 0) and τ_c = 1/(1/T₋ + 1/T₊) (well-to-well first passages) of the bench.

    Parameters
    ----------
    node : BistableNode
        Bench parameters [-].
    ito : bool
        The process ngspice integrates with the correction (Itô) or without (its drift is
        then that of the Itô SDE with the extra ½ g g') [-].
    points : int
        Quadrature points over [−2.5a, 2.5a] (the density there is below e⁻³⁰ of its peak) [-].

    Returns
    -------
    dict
        ``p_one`` [-], ``correlation_time_s`` [s], ``t_up_s``, ``t_down_s`` [s].
    """
    from scipy.integrate import cumulative_trapezoid

    a = node.well
    x = np.linspace(-2.5 * a, 2.5 * a, points)
    f = node.drift(x, ito=True) if ito else node.drift(x, ito=True) + 0.5 * node.diffusion_squared(x) / (
        2.0 * node.noise_voltage)
    g2 = node.diffusion_squared(x)
    phi = cumulative_trapezoid(2.0 * f / g2, x, initial=0.0)
    phi -= phi.max()
    density = np.exp(phi) / g2
    weights = np.gradient(x)
    norm = float((density * weights).sum())
    p_one = float((density * weights)[x > 0].sum() / norm)
    s = np.exp(-phi)  # scale density (phi <= 0, bounded on this range)
    inner_left = cumulative_trapezoid(2.0 / (g2 * s), x, initial=0.0)  # ∫_{-2.5a}^{y}
    inner_right = inner_left[-1] - inner_left  # ∫_{y}^{2.5a}
    lo, hi = np.searchsorted(x, -a), np.searchsorted(x, a)
    t_up = float(np.trapezoid((s * inner_left)[lo:hi + 1], x[lo:hi + 1]))
    t_down = float(np.trapezoid((s * inner_right)[lo:hi + 1], x[lo:hi + 1]))
    return {"p_one": p_one, "correlation_time_s": 1.0 / (1.0 / t_up + 1.0 / t_down), "t_up_s": t_up,
            "t_down_s": t_down}


def simulate_bistable_spice(node: BistableNode, *, duration: float, noise_step: float, ito: bool = True,
                            samples_per_noise_step: float = 2.0, max_step_per_noise_step: float = 0.199, seed=0,
                            timeout: float = 600.0) -> dict:
    """One ngspice run of the bench, reduced like the p-bit's (P(V > 0), dwell-time τ_c).

    Parameters
    ----------
    node : BistableNode
        Bench parameters [-].
    duration : float
        Simulated time [s].
    noise_step : float
        Hold time N_T of the noise, at most 6 significant digits [s].
    ito : bool
        Include the Itô correction source [-].
    max_step_per_noise_step : float
        ngspice maximum time step over N_T, in [0.05, 0.999] (just under a round fraction:
        with exactly N_T/5 ngspice 39 sometimes freezes trrandom, measured at N_T = 2 ns) [-].
    samples_per_noise_step : float
        Output samples per noise step, in [0.01, 5] (at most 5: the output step must not be below
        the maximum time step N_T/5, see :func:`noisecircuits.spice.pbit.uniform_samples`) [-].
    seed : int, SeedSequence or Generator
        ngspice seed [-].
    timeout : float
        ngspice wall-clock limit [s].

    Returns
    -------
    dict
        ``p_one``, ``p_one_stderr``, ``correlation_time_s``, ``correlation_time_stderr_s``,
        ``n_switches`` (as :func:`noisecircuits.spice.pbit.readout_statistics`).
    """
    from noisecircuits.spice.cards import get_card
    from noisecircuits.spice.pbit import readout_statistics, uniform_samples
    from noisecircuits.spice.render import render_netlist
    from noisecircuits.spice.runner import run_netlist
    from noisecircuits.spice.seeds import spice_seeds

    from noisecircuits._validate import in_range

    in_range("samples_per_noise_step", samples_per_noise_step, 0.01, 5.0)
    (s,) = spice_seeds(seed, 1)
    sample = noise_step / samples_per_noise_step
    values = {
        "seed": s,
        "capacitance": node.capacitance,
        "conductance": node.conductance,
        "inverse_well_squared": 1.0 / node.well**2,
        "noise_step": noise_step,
        "noise_scale": ELEMENTARY_CHARGE * node.noise_current / noise_step,
        "inverse_noise_voltage": 1.0 / node.noise_voltage,
        "ito_scale": (ELEMENTARY_CHARGE * node.noise_current / (4.0 * node.capacitance * node.noise_voltage)
                      if ito else 0.0),
        "v_initial": -node.well,
        "sample_step": sample,
        "stop_time": duration,
        "max_step": in_range("max_step_per_noise_step", max_step_per_noise_step, 0.05, 0.999) * noise_step,
    }
    frame = run_netlist(render_netlist("bistable", get_card("generic"), values), ["v_V"], name="bistable",
                        timeout=timeout).data
    frame = frame[frame["x"].to_numpy() > 0]
    uniform_samples(frame["x"].to_numpy(), sample)
    v = frame["v_V"].to_numpy()
    p, p_se, tau, tau_se, n_sw = readout_statistics(v, sample, (-node.well, node.well))
    return {"p_one": p, "p_one_stderr": p_se, "correlation_time_s": tau, "correlation_time_stderr_s": tau_se,
            "n_switches": n_sw}
