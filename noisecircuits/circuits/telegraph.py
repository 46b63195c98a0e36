"""An exactly simulated two-state (random telegraph) p-bit: the cell model behind the ``telegraph`` sweep kind.

A behavioural p-bit whose output hops between 0 and 1 as a continuous-time Markov chain,
with rates set by the bias through a subthreshold exponential:

.. math::

    k_{0\\to1} = \\frac{e^{+x/2}}{\\tau_0},\\quad k_{1\\to0} = \\frac{e^{-x/2}}{\\tau_0},\\quad
    x = \\frac{V_{bias} - V_{mid}}{n U_T},

so :math:`P(1) = \\sigma(x)` and the output's autocorrelation time is
:math:`\\tau_c = 1/(k_{0\\to1} + k_{1\\to0}) = \\tau_0 / (2\\cosh(x/2))` (Machlup 1954).
It is simulated without discretisation error (exponential dwell times) and read every
``read_interval``. It serves as the fast reference kind of the sweep machinery
(:mod:`noisecircuits.sweeps.telegraph`; its exact answers test the whole pipeline) and as a
stand-in cell when no circuit model is needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from noisecircuits import _validate
from noisecircuits.constants import thermal_voltage
from noisecircuits.errors import ParameterError

__all__ = ["TelegraphPBit", "simulate_telegraph"]


@dataclass(frozen=True)
class TelegraphPBit:
    """Parameters of the telegraph p-bit.

    Parameters
    ----------
    v_mid : float
        Bias at which P(1) = 1/2 [V].
    slope_factor : float
        Subthreshold slope factor n; the transfer width is n U_T [-].
    attempt_time : float
        τ_0; the correlation time at V_mid is τ_0/2 [s].
    read_interval : float
        Time between read-outs of the output [s].
    supply_power : float
        Static supply power of the cell [W].
    input_width : float
        Width of the input transistor whose threshold mismatch shifts V_mid [m].
    input_length : float
        Length of that transistor [m].
    """

    v_mid: float = 0.0
    slope_factor: float = 1.4
    attempt_time: float = 1e-6
    read_interval: float = 1e-8
    supply_power: float = 1e-9
    input_width: float = 1e-6
    input_length: float = 1e-6

    def __post_init__(self):
        _validate.finite("v_mid", self.v_mid, "V")
        _validate.positive("slope_factor", self.slope_factor, "-")
        _validate.positive("attempt_time", self.attempt_time, "s")
        _validate.positive("read_interval", self.read_interval, "s")
        _validate.non_negative("supply_power", self.supply_power, "W")
        _validate.positive("input_width", self.input_width, "m")
        _validate.positive("input_length", self.input_length, "m")

    def rates(self, v_bias, temperature) -> tuple[float, float]:
        """Return (k_0→1, k_1→0) [1/s] at bias ``v_bias`` [V] and ``temperature`` [K]."""
        x = (v_bias - self.v_mid) / (self.slope_factor * thermal_voltage(temperature))
        return math.exp(0.5 * x) / self.attempt_time, math.exp(-0.5 * x) / self.attempt_time


def simulate_telegraph(k_up, k_down, duration, read_interval, rng, *, chunk: int = 1 << 16):
    """Simulate a two-state Markov chain exactly and read it every ``read_interval``.

    Dwell times are drawn in chunks of at most ``chunk`` (memory stays bounded for any
    duration); the read-outs falling inside each dwell are counted, not stored.

    Parameters
    ----------
    k_up : float
        Rate 0 → 1 [1/s].
    k_down : float
        Rate 1 → 0 [1/s].
    duration : float
        Simulated time [s].
    read_interval : float
        Read-out period [s]; reads happen at 0, Δt, 2Δt, ... < duration.
    rng : numpy.random.Generator
        Random source.
    chunk : int
        Dwell times drawn per batch [-].

    Returns
    -------
    dict
        ``n_samples`` and ``n_ones`` (read-outs in total and in state 1), ``n_up``,
        ``n_down`` (switches in [0, duration)), ``time_zero_s``, ``time_one_s`` (time spent
        in each state) [s].
    """
    n_reads = int(math.floor(duration / read_interval + 1e-9))  # tolerate float round-off in the ratio
    if n_reads < 2:
        raise ParameterError(f"duration must hold at least 2 read intervals of {read_interval:g} s, got {duration:g} s")
    scales = np.array([1.0 / k_up, 1.0 / k_down])  # a dwell in 0 ends with a 0→1 switch at rate k_up
    state = int(rng.random() < k_up / (k_up + k_down))  # start in the stationary law: no burn-in
    now = 0.0
    n_switches = [0, 0]  # switches out of state 0 and out of state 1
    time_in = [0.0, 0.0]
    n_ones = 0
    while now < duration:
        states = (state + np.arange(chunk)) % 2
        ends = now + np.cumsum(rng.exponential(1.0, chunk) * scales[states])
        starts = np.concatenate(([now], ends[:-1]))
        inside = int(np.searchsorted(ends, duration, side="left"))  # dwells that end before `duration`
        used = min(inside + 1, chunk)
        clipped_ends = np.minimum(ends[:used], duration)
        first_read = np.minimum(np.ceil(starts[:used] / read_interval), n_reads)
        after_last = np.minimum(np.ceil(clipped_ends / read_interval), n_reads)
        ones = states[:used] == 1
        n_ones += int((after_last - first_read)[ones].sum())
        lengths = clipped_ends - starts[:used]
        time_in[1] += float(lengths[ones].sum())
        time_in[0] += float(lengths[~ones].sum())
        completed = states[: min(inside, chunk)]
        n_switches[1] += int(completed.sum())
        n_switches[0] += int(completed.size - completed.sum())
        now = float(ends[-1])
        state = (state + chunk) % 2
    return {
        "n_samples": n_reads,
        "n_ones": n_ones,
        "n_up": n_switches[0],
        "n_down": n_switches[1],
        "time_zero_s": time_in[0],
        "time_one_s": time_in[1],
    }
