r"""The supply voltage that gives a target correlation time, with every other size held.

At fixed sizes, tilt voltages and threshold shift, the correlation time of a latch rises
monotonically and steeply with V_dd: the barrier grows with the loop gain, about a factor e
per millivolt near a few kT (docs/design.md), while the current scale moves far less. So
:math:`\ln(\tau_c/\tau_{target})` has one root in the supply box, and solving for it removes
the target from the search: the optimiser draws the other variables, and every point it
evaluates meets the target (where the box can reach it). Without this, the feasible set is a
sliver of relative width ≈ 0.1/ln-slope in V_dd that a global population rarely lands in.

:func:`solve_supply` finds the root by Brent's method on the unit coordinate of the supply,
with τ_c from the same exact Fokker–Planck figures as :func:`~noisecircuits.design.evaluate.evaluate`
at the target temperature (same grid, same v_mid estimate), so the solved point reproduces
the target in the full evaluation. Below the bistable edge the latch has no correlation time;
there :math:`\ln(\tau_c/\tau_{target})` is taken as a large negative number, so the root lands
on that edge when the latch is already slower than the target there (then the target is not
met, and the full figures say so); where the barrier is so high that the grid solver
overflows, as a large positive one.
"""

from __future__ import annotations

import math

from noisecircuits.errors import ParameterError, SimulationError

__all__ = ["correlation_time_at", "solve_supply", "SUPPLY_TOLERANCE"]

#: Absolute tolerance of the solved unit supply coordinate; on the 45 mV default box this is
#: 4.5 uV, about 0.5 % in tau_c at e per mV [-].
SUPPLY_TOLERANCE = 1e-4
#: Stand-in for ln(tau_c / target) where the latch is not bistable [-].
_NOT_BISTABLE = -50.0
#: Cap of ln(tau_c / target) where the figures overflow (:func:`correlation_time_at`) [-].
_TOO_SLOW = 50.0


def correlation_time_at(design, temperature: float, grid_points: int, exact_v_mid: bool = False) -> float:
    """Exact τ_c of ``design`` at its v_mid at ``temperature`` [s].

    v_mid is the one :func:`~noisecircuits.design.evaluate.evaluate` uses (the two-point
    logistic estimate, or the solved one with ``exact_v_mid``). Returns nan where the latch is
    not bistable at the weak-inversion estimate of v_mid, and +inf where it is bistable but
    its figures overflow the grid solver (a barrier of many tens of kT: far slower than any
    target).
    """
    import numpy as np

    from noisecircuits.circuits.pbit import PBit
    from noisecircuits.design.evaluate import _centre_and_width, _estimated_v_mid

    with np.errstate(all="ignore"):
        try:
            bias, _width = _centre_and_width(design, temperature, grid_points, exact_v_mid)
            bit = PBit(design, bias, temperature, grid_points)
            tau = bit.correlation_time_exact() if bit.bistable else math.nan
        except (SimulationError, ValueError, ParameterError):
            # no figures: either no second state, or a barrier beyond the grid solver's range
            try:
                bistable = PBit(design, _estimated_v_mid(design, temperature), temperature, grid_points).bistable
            except (SimulationError, ValueError, ParameterError):
                return math.nan
            return math.inf if bistable else math.nan
    if math.isnan(tau) or tau <= 0:
        return math.nan
    return tau


def solve_supply(design_at, target_tau: float, temperature: float, grid_points: int, *,
                 exact_v_mid: bool = False) -> float:
    """Unit coordinate ``s`` in [0, 1] of the supply at which τ_c equals ``target_tau``.

    Parameters
    ----------
    design_at : callable
        ``design_at(s) -> PBitDesign`` with the supply at unit coordinate ``s`` of its box [-].
    target_tau : float
        Target correlation time [s].
    temperature : float
        Temperature of the target [K].
    grid_points : int
        Fokker–Planck grid points per axis [-].
    exact_v_mid : bool
        Take τ_c at the solved v_mid [-].

    Returns
    -------
    float
        The root; 1 when even the top of the box is faster than the target (or not bistable),
        0 when the bottom of the box is already slower [-].
    """
    from scipy.optimize import brentq

    def log_ratio(s):
        try:
            design = design_at(s)
        except ParameterError:  # e.g. a tilt reference outside the control range: no latch to speak of
            return _NOT_BISTABLE
        tau = correlation_time_at(design, temperature, grid_points, exact_v_mid)
        if math.isnan(tau):
            return _NOT_BISTABLE
        return min(math.log(tau / target_tau), _TOO_SLOW)

    high = log_ratio(1.0)
    if high <= 0.0:
        return 1.0
    low = log_ratio(0.0)
    if low >= 0.0:
        return 0.0
    return float(brentq(log_ratio, 0.0, 1.0, xtol=SUPPLY_TOLERANCE, rtol=1e-10, maxiter=60))
