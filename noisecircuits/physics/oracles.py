r"""Exact results for 1-D overdamped Langevin dynamics in a potential u (units of kT).

The process is :math:`dx = -D u'(x)\, dt + \sqrt{2D}\, dW` with diffusion D [x-unit²/s]
(a physical well maps onto it by u = U/kT and D = kT/η). Its stationary density is
:math:`p \propto e^{-u}` and, with a reflecting boundary at r < a, the mean first-passage
time from a to b > a is (Gardiner 2009, §5.5)

.. math::

    T(a \to b) = \frac1D \int_a^b dy\, e^{u(y)} \int_r^y dz\, e^{-u(z)} .

The integrals are evaluated with composite Chebyshev–Lobatto (Clenshaw–Curtis) panels of
16 nodes whose cumulative integrals come from the spectral integration matrix; the panels
are halved until two successive results agree to 1e-12 relative, so the results are exact to
about 1e-11 for smooth potentials. The domain is cut where u exceeds its reference level by
80 kT (a relative truncation error below e^-80).

``potential`` is any object with vectorised ``energy(x)``, ``curvature(x)`` and
``stationary_points()`` (see :mod:`noisecircuits.physics.potentials`).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.polynomial import chebyshev
from scipy.optimize import brentq

from noisecircuits import _validate
from noisecircuits.citations import use
from noisecircuits.errors import ParameterError, SimulationError
from noisecircuits.physics.potentials import DoubleWellPotential

__all__ = [
    "stationary_density",
    "occupation",
    "mean_first_passage_time",
    "kramers_rate",
    "double_well_dwell_times",
    "double_well_correlation_time",
    "double_well_p_right",
]

_NODES = 16  # Chebyshev-Lobatto nodes per panel
_CUTOFF = 80.0  # [kT] domain ends where u exceeds its reference level by this much
_RTOL = 1e-12  # relative agreement of two successive panel refinements
_MAX_REFINEMENTS = 16


@functools.lru_cache(maxsize=1)
def _spectral_rule():
    """Nodes t on [-1, 1] and matrix S with (S f)_i = integral from -1 to t_i of the interpolant of f."""
    t = -np.cos(np.pi * np.arange(_NODES) / (_NODES - 1))
    vander = chebyshev.chebvander(t, _NODES - 1)
    antideriv = np.empty((_NODES, _NODES))
    for j in range(_NODES):
        coeffs = np.zeros(_NODES)
        coeffs[j] = 1.0
        antideriv[:, j] = chebyshev.chebval(t, chebyshev.chebint(coeffs, lbnd=-1.0))
    return t, antideriv @ np.linalg.inv(vander)


def _panels(breakpoints, max_width: float) -> np.ndarray:
    """Panel edges covering the sorted breakpoints, no panel wider than ``max_width``."""
    edges = [breakpoints[0]]
    for a, b in zip(breakpoints[:-1], breakpoints[1:]):
        if b <= a:
            continue
        n = max(1, math.ceil((b - a) / max_width))
        edges.extend(np.linspace(a, b, n + 1)[1:])
    return np.asarray(edges)


def _nodes(edges: np.ndarray):
    t, rule = _spectral_rule()
    half = 0.5 * np.diff(edges)
    nodes = 0.5 * (edges[:-1] + edges[1:])[:, None] + half[:, None] * t
    return nodes, half, rule


def _panel_integral(values, half, rule):
    """Integral of ``values`` (panels, nodes) over each panel."""
    return half * (values @ rule[-1])


def _cumulative(values, half, rule):
    """Integral from the first edge to every node."""
    local = (values @ rule.T) * half[:, None]
    offsets = np.concatenate([[0.0], np.cumsum(local[:, -1])[:-1]])
    return local + offsets[:, None]


def _converge(compute, scale: float, what: str) -> float:
    """Run ``compute(max_panel_width)`` on halving panel widths until it converges."""
    previous = compute(scale)
    width = scale
    for _ in range(_MAX_REFINEMENTS):
        width /= 2.0
        current = compute(width)
        if abs(current - previous) <= _RTOL * abs(current):
            return current
        previous = current
    raise SimulationError(f"{what} did not converge to {_RTOL:g} relative (potential too rough on its length scale)")


def _check_potential(potential):
    for method in ("energy", "curvature", "stationary_points"):
        if not callable(getattr(potential, method, None)):
            raise ParameterError(f"potential must provide a vectorised {method}(); got {type(potential).__name__}")


def _stationary(potential) -> np.ndarray:
    points = np.sort(np.asarray(potential.stationary_points(), dtype=float))
    if points.size == 0:
        raise ParameterError("potential has no stationary point, so it has no stationary law (not confining)")
    return points


def _length_scale(potential, points: np.ndarray) -> float:
    """Smallest curvature length 1/sqrt(|u''|) over the stationary points [x-unit]."""
    curv = np.abs(np.asarray(potential.curvature(points), dtype=float))
    curv = curv[curv > 0]
    spread = float(points[-1] - points[0])
    if curv.size == 0:
        return spread if spread > 0 else 1.0
    return float(1.0 / math.sqrt(curv.max()))


def _far_end(potential, x_from: float, direction: float, level: float, step: float) -> float:
    """Point beyond ``x_from`` (in ``direction``) where u first reaches ``level``."""
    def excess(x):
        return float(potential.energy(x)) - level

    if excess(x_from) >= 0:
        return x_from
    near, distance = 0.0, step
    for _ in range(200):
        if excess(x_from + direction * distance) >= 0:
            a, b = sorted((x_from + direction * near, x_from + direction * distance))
            return brentq(excess, a, b, xtol=1e-12 * max(1.0, abs(a)))
        near, distance = distance, 2.0 * distance
    raise ParameterError("potential does not confine: u does not grow by 80 kT towards infinity")


def _domain(potential, points, scale, level_left, level_right, x_left=None, x_right=None):
    left_from = points[0] if x_left is None else min(points[0], x_left)
    right_from = points[-1] if x_right is None else max(points[-1], x_right)
    return (
        _far_end(potential, left_from, -1.0, level_left, scale),
        _far_end(potential, right_from, +1.0, level_right, scale),
    )


def _boltzmann_integral(potential, lo: float, hi: float, breaks, u_shift: float, scale: float) -> float:
    """Integral of exp(-(u - u_shift)) from lo to hi."""
    inner = sorted({lo, hi, *[b for b in breaks if lo < b < hi]})

    def compute(width):
        nodes, half, rule = _nodes(_panels(inner, width))
        values = np.exp(-(np.asarray(potential.energy(nodes)) - u_shift))
        return float(np.sum(_panel_integral(values, half, rule)))

    return _converge(compute, scale, "Boltzmann integral")


def _global_minimum(potential, points) -> float:
    return float(np.min(potential.energy(points)))


def stationary_density(potential, x):
    r"""Normalised stationary density :math:`p(x) = e^{-u(x)} / \int e^{-u}` [1/x-unit].

    Parameters
    ----------
    potential : potential object
        Confining potential in units of kT.
    x : float or array_like
        Positions [x-unit].

    Returns
    -------
    float or ndarray
        Density at ``x`` [1/x-unit].
    """
    use("risken")
    _check_potential(potential)
    points = _stationary(potential)
    scale = _length_scale(potential, points)
    u_min = _global_minimum(potential, points)
    lo, hi = _domain(potential, points, scale, u_min + _CUTOFF, u_min + _CUTOFF)
    z = _boltzmann_integral(potential, lo, hi, points, u_min, scale)
    density = np.exp(-(np.asarray(potential.energy(np.asarray(x, dtype=float))) - u_min)) / z
    return float(density) if density.ndim == 0 else density


def occupation(potential, split: float = 0.0) -> float:
    r"""Stationary probability :math:`P(x > \text{split}) = \int_\text{split}^\infty e^{-u} / \int e^{-u}` [-].

    Parameters
    ----------
    potential : potential object
        Confining potential in units of kT.
    split : float
        Dividing position [x-unit].

    Returns
    -------
    float
        Probability of being right of ``split``, exact to about 1e-11 relative.
    """
    use("risken")
    _check_potential(potential)
    split = _validate.finite("split", split, "x-unit")
    points = _stationary(potential)
    scale = _length_scale(potential, points)
    u_min = _global_minimum(potential, points)
    level = max(u_min, float(potential.energy(split))) + _CUTOFF
    lo, hi = _domain(potential, points, scale, level, level, split, split)
    right = _boltzmann_integral(potential, split, hi, points, u_min, scale)
    left = _boltzmann_integral(potential, lo, split, points, u_min, scale)
    return right / (left + right)


class _Mirrored:
    """The potential u(-x): lets right-to-left passages reuse the left-to-right integral."""

    def __init__(self, potential):
        self._p = potential

    def energy(self, x):
        return self._p.energy(-np.asarray(x, dtype=float))

    def curvature(self, x):
        return self._p.curvature(-np.asarray(x, dtype=float))

    def stationary_points(self):
        return np.sort(-np.asarray(self._p.stationary_points(), dtype=float))


def _mfpt_rightward(potential, start: float, target: float, reflecting: float) -> float:
    """D × T(start → target) for target > start, reflecting boundary at ``reflecting`` <= start."""
    points = np.sort(np.asarray(potential.stationary_points(), dtype=float))
    if points.size == 0:
        if math.isinf(reflecting):
            raise ParameterError("potential has no stationary point (not confining): give a finite reflecting boundary")
        scale = (target - reflecting) / 4.0
    else:
        scale = _length_scale(potential, points)
    if math.isinf(reflecting):
        level = float(potential.energy(start)) + _CUTOFF
        reflecting = _far_end(potential, min(start, points[0]), -1.0, level, scale)
    breaks = sorted({reflecting, start, target, *[p for p in points if reflecting < p < target]})

    def compute(width):
        edges = _panels(breaks, width)
        nodes, half, rule = _nodes(edges)
        u = np.asarray(potential.energy(nodes), dtype=float)
        shift = float(u.min())
        inner = _cumulative(np.exp(-(u - shift)), half, rule)
        first = int(np.searchsorted(edges, start))  # start is an edge: outer integral runs from it
        outer = np.exp(u[first:] - shift) * inner[first:]
        return float(np.sum(_panel_integral(outer, half[first:], rule)))

    return _converge(compute, scale, "mean first-passage time")


def mean_first_passage_time(potential, start: float, target: float, diffusion: float, reflecting=None) -> float:
    r"""Exact mean first-passage time from ``start`` to ``target`` [s].

    .. math::

        T(a \to b) = \frac1D \int_a^b dy\, e^{u(y)} \int_r^y dz\, e^{-u(z)}, \qquad b > a,

    with a reflecting boundary at r (Gardiner 2009, §5.5); for b < a the mirror image.

    Parameters
    ----------
    potential : potential object
        Confining potential in units of kT.
    start : float
        Start position a [x-unit].
    target : float
        Absorbing target position b [x-unit].
    diffusion : float
        Diffusion coefficient D, > 0 [x-unit^2/s].
    reflecting : float, optional
        Reflecting boundary r on the far side of ``start`` (``r <= a`` when ``b > a``,
        ``r >= a`` when ``b < a``) [x-unit]; default: none (the potential confines).

    Returns
    -------
    float
        Mean first-passage time [s].
    """
    use("gardiner")
    _check_potential(potential)
    start = _validate.finite("start", start, "x-unit")
    target = _validate.finite("target", target, "x-unit")
    diffusion = _validate.positive("diffusion", diffusion, "x-unit^2/s")
    if target == start:
        return 0.0
    rightward = target > start
    if reflecting is None:
        reflecting = -math.inf if rightward else math.inf
    reflecting = float(reflecting)
    if math.isnan(reflecting) or (rightward and reflecting > start) or (not rightward and reflecting < start):
        side = "<= start" if rightward else ">= start"
        raise ParameterError(f"reflecting must be {side} (the far side from target) [x-unit], got {reflecting!r}")
    if rightward:
        return _mfpt_rightward(potential, start, target, reflecting) / diffusion
    return _mfpt_rightward(_Mirrored(potential), -start, -target, -reflecting) / diffusion


def kramers_rate(potential, well: float, top: float, diffusion: float) -> float:
    r"""Overdamped Kramers escape rate over the barrier at ``top`` from the well at ``well`` [1/s].

    .. math::

        r = \frac{D}{2\pi}\sqrt{u''(x_w)\,|u''(x_t)|}\; e^{-(u(x_t) - u(x_w))}

    which, with u = U/kT and D = kT/η, is :math:`\sqrt{U''U''_t}/(2\pi\eta)\, e^{-\Delta U/kT}`
    (Kramers 1940). Only the high-barrier limit of the exact rate.

    Parameters
    ----------
    potential : potential object
        Potential in units of kT.
    well : float
        Position of the well minimum [x-unit].
    top : float
        Position of the barrier top [x-unit].
    diffusion : float
        Diffusion coefficient D, > 0 [x-unit^2/s].

    Returns
    -------
    float
        Escape rate [1/s].
    """
    use("kramers1940")
    _check_potential(potential)
    well = _validate.finite("well", well, "x-unit")
    top = _validate.finite("top", top, "x-unit")
    diffusion = _validate.positive("diffusion", diffusion, "x-unit^2/s")
    k_well = float(potential.curvature(well))
    k_top = float(potential.curvature(top))
    if k_well <= 0:
        raise ParameterError(f"well must be at a minimum (u'' > 0), got u''({well!r}) = {k_well!r}")
    if k_top >= 0:
        raise ParameterError(f"top must be at a maximum (u'' < 0), got u''({top!r}) = {k_top!r}")
    barrier = float(potential.energy(top)) - float(potential.energy(well))
    return diffusion / (2.0 * math.pi) * math.sqrt(k_well * -k_top) * math.exp(-barrier)


def _double_well(barrier, tilt) -> tuple[DoubleWellPotential, np.ndarray]:
    potential = DoubleWellPotential(barrier, tilt)
    minima = potential.minima()
    if minima.size != 2:
        raise ParameterError(
            f"tilt must satisfy |tilt| < 8 barrier / (3 sqrt 3) = {potential.critical_tilt:g} kT for two wells, "
            f"got tilt={tilt!r}"
        )
    return potential, minima


def double_well_dwell_times(barrier: float, tilt: float, tau: float) -> tuple[float, float]:
    r"""Mean dwell times in the left and right wells of the reduced double well [s].

    The SDE is :math:`dx = -(1/\tau) u'(x) dt + \sqrt{2/\tau} dW` with
    :math:`u = h(x^2-1)^2 - b x`, so D = 1/τ. A dwell runs from reaching one minimum to first
    reaching the other; its mean is the exact first-passage time between the minima.

    Parameters
    ----------
    barrier : float
        Barrier height h [kT].
    tilt : float
        Tilt b [kT].
    tau : float
        Time unit τ, > 0 [s].

    Returns
    -------
    (float, float)
        Mean dwell left, mean dwell right [s].
    """
    tau = _validate.positive("tau", tau, "s")
    potential, (left, right) = _double_well(barrier, tilt)
    return (
        mean_first_passage_time(potential, left, right, 1.0 / tau),
        mean_first_passage_time(potential, right, left, 1.0 / tau),
    )


def double_well_correlation_time(barrier: float, tilt: float, tau: float) -> float:
    r"""Autocorrelation time :math:`\tau_c = 1/(k_+ + k_-)` of the well-sign process [s].

    :math:`k_\pm` are the inverse mean dwell times of :func:`double_well_dwell_times`.

    Parameters
    ----------
    barrier : float
        Barrier height h [kT].
    tilt : float
        Tilt b [kT].
    tau : float
        Time unit τ, > 0 [s].

    Returns
    -------
    float
        Correlation time [s].
    """
    dwell_left, dwell_right = double_well_dwell_times(barrier, tilt, tau)
    return dwell_left * dwell_right / (dwell_left + dwell_right)


def double_well_p_right(barrier: float, tilt: float) -> float:
    r"""Exact stationary :math:`P(x > 0)` of the reduced double well [-].

    Parameters
    ----------
    barrier : float
        Barrier height h [kT].
    tilt : float
        Tilt b [kT].

    Returns
    -------
    float
        Probability of the right half-line; tends to :math:`\sigma(2b)` for large h.
    """
    return occupation(DoubleWellPotential(barrier, tilt), 0.0)
