r"""The variable solved for a target correlation time, with every other size held.

Two variables move τ_c monotonically at fixed sizes, so :math:`\ln(\tau_c/\tau_{target})` has
one root in each one's box and solving for it removes the target from the search (the
optimiser draws the other variables, and every point it evaluates meets the target where the
box can reach it; otherwise the feasible set is a sliver a global population rarely lands in):

* **the latch threshold shift** ΔV_T: it multiplies every latch current by
  :math:`e^{\Delta V_T/(nU_T)}`, and with the tilt held as a ratio to the latch current
  (:func:`~noisecircuits.design.space.v_ref_for_tilt`) τ_c falls by about that factor, while the
  supply, which alone sets the loop gain, keeps the barrier near where it is (in weak
  inversion exactly; near IC = 0.1 the barrier falls somewhat with the shift);
* **the supply** V_dd: τ_c rises steeply with it, about a factor e per millivolt near a few kT,
  through the barrier.

:func:`solve_for_target` finds the root by Brent's method on a unit coordinate of either, with
τ_c from the same exact Fokker–Planck figures as :func:`~noisecircuits.design.evaluate.evaluate`
at the target temperature (same grid, same v_mid estimate), so the solved point reproduces the
target in the full evaluation. Where the latch has no second state, ln(τ_c/τ_target) is taken as
a large negative number (no correlation time: the fast side), so a root lands on the bistable
edge when the latch is already slower than the target there (then the target is not met, and the
full figures say so); where the barrier is so high that the grid solver overflows, as a large
positive one.
"""

from __future__ import annotations

import math

from noisecircuits.errors import ParameterError, SimulationError

__all__ = ["correlation_time_at", "solve_for_target", "reached", "bistable_edge", "SOLVE_TOLERANCE"]

#: Absolute tolerance of the solved unit coordinate: on the 45 mV default supply box 4.5 uV,
#: about 0.5 % in tau_c at e per mV; on the 0.15 V threshold-shift box 15 uV, 0.04 % [-].
SOLVE_TOLERANCE = 1e-4
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


def solve_for_target(design_at, target_tau: float, temperature: float, grid_points: int, *,
                     rising: bool = True, exact_v_mid: bool = False) -> float:
    """Unit coordinate ``s`` in [0, 1] of the solved variable at which τ_c equals ``target_tau``.

    Parameters
    ----------
    design_at : callable
        ``design_at(s) -> PBitDesign`` with the solved variable at unit coordinate ``s`` of its box [-].
    target_tau : float
        Target correlation time [s].
    temperature : float
        Temperature of the target [K].
    grid_points : int
        Fokker–Planck grid points per axis [-].
    rising : bool
        τ_c rises with ``s`` (the supply); False where it falls (the threshold shift) [-].
    exact_v_mid : bool
        Take τ_c at the solved v_mid [-].

    Returns
    -------
    float
        The root; where the target lies beyond the box, the end nearest to it: the slow end
        (1 when rising) if even that is faster than the target (or not bistable), the fast end
        if even that is slower [-].
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

    slow, fast = (1.0, 0.0) if rising else (0.0, 1.0)
    if log_ratio(slow) <= 0.0:
        return slow
    if log_ratio(fast) >= 0.0:
        return fast
    return float(brentq(log_ratio, 0.0, 1.0, xtol=SOLVE_TOLERANCE, rtol=1e-10, maxiter=60))


def reached(s: float) -> bool:
    """True if a solved coordinate is a root inside its box, not an end where the target lies beyond [-]."""
    return 0.0 < s < 1.0


#: Bisection steps of :func:`bistable_edge`: 2^-12 of the unit box, 11 uV of the 45 mV default supply box [-].
_EDGE_STEPS = 12


def bistable_edge(design_at, temperatures) -> float:
    """Lowest unit supply coordinate at which the latch is bistable at every one of ``temperatures``.

    Bistability is that of the noise-free latch (a saddle between two wells) at the weak-inversion
    estimate of v_mid, which takes only fixed points (about 15 ms a check, no Fokker–Planck
    solve). The loop gain, and with it bistability, grows with V_dd, so the set is an interval
    from the edge to the top of the box; the edge is found by bisection to 2^-12 of the box.

    Parameters
    ----------
    design_at : callable
        ``design_at(s) -> PBitDesign`` with the supply at unit coordinate ``s`` of its box [-].
    temperatures : sequence of float
        Temperatures at which the latch must be bistable [K].

    Returns
    -------
    float
        The edge; 0 if the bottom of the box is bistable already, 1 if even its top is not [-].
    """
    from noisecircuits.circuits.pbit import PBit
    from noisecircuits.design.evaluate import SEARCH_GRID_POINTS, _estimated_v_mid

    def bistable(s):  # fixed points only: the grid size does not enter
        try:
            design = design_at(s)
            return all(PBit(design, _estimated_v_mid(design, t), t, SEARCH_GRID_POINTS).bistable for t in temperatures)
        except (SimulationError, ValueError, ParameterError):
            return False

    if bistable(0.0):
        return 0.0
    if not bistable(1.0):
        return 1.0
    low, high = 0.0, 1.0
    for _ in range(_EDGE_STEPS):
        mid = 0.5 * (low + high)
        low, high = (low, mid) if bistable(mid) else (mid, high)
    return high
