r"""One-dimensional potentials in units of kT for overdamped Langevin dynamics.

Every potential here is a frozen dataclass with the same methods, all vectorised:
``energy(x)`` (u, in kT), ``gradient(x)`` (u'), ``curvature(x)`` (u''),
``stationary_points()`` (sorted real roots of u'), ``minima()`` and ``maxima()``.
The stationary law of :math:`dx = -D u'(x) dt + \sqrt{2D}\, dW` is :math:`p \propto e^{-u}`
(Risken 1989, ch. 5).

* :class:`DoubleWellPotential` — the reduced quartic :math:`u = h (x^2 - 1)^2 - b x`.
* :class:`MultiWellPotential` — N Gaussian-shaped wells,
  :math:`u = -\ln \sum_k \exp(\theta_k - (x - x_k)^2 / (2 w^2))`.
* :class:`GaussianMixturePotential` — :math:`u = -\ln \sum_k w_k \mathcal N(x; \mu_k, \sigma_k)`,
  whose stationary law is exactly the mixture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from noisecircuits import _validate
from noisecircuits.errors import ParameterError

__all__ = ["DoubleWellPotential", "MultiWellPotential", "GaussianMixturePotential"]


def _out(value):
    value = np.asarray(value, dtype=float)
    return float(value) if value.ndim == 0 else value


def _classify(potential, points: np.ndarray, sign: float) -> np.ndarray:
    """Stationary points whose curvature has the given sign (+1 minima, -1 maxima)."""
    if points.size == 0:
        return points
    return points[sign * np.asarray(potential.curvature(points)) > 0]


@dataclass(frozen=True)
class DoubleWellPotential:
    r"""Reduced double well :math:`u(x) = h (x^2 - 1)^2 - b x` in units of kT.

    Parameters
    ----------
    barrier : float
        Barrier height h of the untilted well, in (0, 500] [kT].
    tilt : float
        Tilt b, in [-1000, 1000] [kT]; two wells exist while
        :math:`|b| < 8h/(3\sqrt 3)`.
    """

    barrier: float
    tilt: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "barrier", _validate.in_range("barrier", self.barrier, 0.0, 500.0, "kT"))
        if self.barrier <= 0:
            raise ParameterError(f"barrier must be > 0 [kT], got {self.barrier!r}")
        object.__setattr__(self, "tilt", _validate.in_range("tilt", self.tilt, -1000.0, 1000.0, "kT"))

    @property
    def critical_tilt(self) -> float:
        r"""Tilt :math:`8h/(3\sqrt3)` above which only one well remains [kT]."""
        return 8.0 * self.barrier / (3.0 * math.sqrt(3.0))

    def energy(self, x):
        """Energy u(x) [kT] at position x [-]."""
        x = np.asarray(x, dtype=float)
        return _out(self.barrier * (x * x - 1.0) ** 2 - self.tilt * x)

    def gradient(self, x):
        """Derivative u'(x) [kT] at position x [-]."""
        x = np.asarray(x, dtype=float)
        return _out(4.0 * self.barrier * x * (x * x - 1.0) - self.tilt)

    def curvature(self, x):
        """Second derivative u''(x) [kT] at position x [-]."""
        x = np.asarray(x, dtype=float)
        return _out(4.0 * self.barrier * (3.0 * x * x - 1.0))

    def stationary_points(self) -> np.ndarray:
        """Sorted real roots of u'(x) = 4h x^3 - 4h x - b [-]."""
        roots = np.roots([4.0 * self.barrier, 0.0, -4.0 * self.barrier, -self.tilt])
        real = np.sort(roots[np.abs(roots.imag) <= 1e-9 * max(1.0, np.max(np.abs(roots)))].real)
        # polish each root with Newton steps on the cubic (np.roots is accurate to ~1e-8 near merges)
        for _ in range(3):
            curv = self.curvature(real)
            safe = np.abs(curv) > 0
            real = np.where(safe, real - np.asarray(self.gradient(real)) / np.where(safe, curv, 1.0), real)
        return np.unique(real)

    def minima(self) -> np.ndarray:
        """Positions of the local minima, ascending [-]."""
        return _classify(self, self.stationary_points(), +1.0)

    def maxima(self) -> np.ndarray:
        """Positions of the local maxima (barrier tops) [-]."""
        return _classify(self, self.stationary_points(), -1.0)


def _as_tuple(name: str, values, unit: str) -> tuple[float, ...]:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or arr.size == 0:
        raise ParameterError(f"{name} must be a non-empty 1-D sequence [{unit}], got {values!r}")
    return tuple(_validate.finite(f"{name}[{i}]", v, unit) for i, v in enumerate(arr))


class _LogSumGaussians:
    r"""Shared maths of :math:`u = -\ln\sum_k \exp(a_k)`, :math:`a_k = c_k - (x-m_k)^2/(2 s_k^2)`."""

    def _arrays(self):
        raise NotImplementedError

    def _terms(self, x):
        centres, widths, log_weights = self._arrays()
        x = np.asarray(x, dtype=float)
        dx = x[..., None] - centres
        a = log_weights - dx * dx / (2.0 * widths**2)
        top = np.max(a, axis=-1, keepdims=True)
        e = np.exp(a - top)
        total = np.sum(e, axis=-1, keepdims=True)
        resp = e / total
        u = -(top[..., 0] + np.log(total[..., 0]))
        return u, resp, dx / widths**2, 1.0 / widths**2

    def energy(self, x):
        """Energy u(x) [kT] at position x [x-unit]."""
        return _out(self._terms(x)[0])

    def gradient(self, x):
        """Derivative u'(x) [kT/x-unit] at position x [x-unit]."""
        _, r, g, _ = self._terms(x)
        return _out(np.sum(r * g, axis=-1))

    def curvature(self, x):
        """Second derivative u''(x) [kT/x-unit^2] at position x [x-unit]."""
        _, r, g, inv_var = self._terms(x)
        mean_g = np.sum(r * g, axis=-1)
        return _out(np.sum(r * inv_var, axis=-1) - (np.sum(r * g * g, axis=-1) - mean_g**2))

    def stationary_points(self) -> np.ndarray:
        """Sorted roots of u' found by a fine scan (spacing = smallest width / 200) and brentq [x-unit]."""
        centres, widths, _ = self._arrays()
        lo = centres.min() - 2.0 * widths.max()
        hi = centres.max() + 2.0 * widths.max()
        n = int(math.ceil((hi - lo) / (widths.min() / 200.0))) + 1
        grid = np.linspace(lo, hi, min(n, 2_000_001))
        grad = np.asarray(self.gradient(grid))
        roots = list(grid[grad == 0.0])
        for i in np.nonzero(grad[:-1] * grad[1:] < 0)[0]:
            roots.append(brentq(lambda z: float(self.gradient(z)), grid[i], grid[i + 1], xtol=1e-14, rtol=1e-15))
        return np.unique(np.array(roots, dtype=float))

    def minima(self) -> np.ndarray:
        """Positions of the local minima, ascending [x-unit]."""
        return _classify(self, self.stationary_points(), +1.0)

    def maxima(self) -> np.ndarray:
        """Positions of the local maxima (barrier tops) [x-unit]."""
        return _classify(self, self.stationary_points(), -1.0)


@dataclass(frozen=True)
class MultiWellPotential(_LogSumGaussians):
    r"""N smooth wells on a line: :math:`u = -\ln \sum_k \exp(\theta_k - (x - x_k)^2/(2 w^2))`.

    Well k sits near :math:`x_k`; a larger depth :math:`\theta_k` makes it deeper by that many
    kT (for well-separated wells the occupation of well k is :math:`\propto e^{\theta_k}`). The
    barrier between neighbours at distance d is about :math:`d^2/(8 w^2)` kT.

    Parameters
    ----------
    positions : sequence of float
        Well positions :math:`x_k`, strictly increasing [x-unit].
    depths : sequence of float
        Well depths :math:`\theta_k`, one per well [kT].
    width : float
        Common well width w, > 0 [x-unit].
    """

    positions: tuple[float, ...]
    depths: tuple[float, ...]
    width: float = 1.0

    def __post_init__(self):
        positions = _as_tuple("positions", self.positions, "x-unit")
        depths = _as_tuple("depths", self.depths, "kT")
        if len(depths) != len(positions):
            raise ParameterError(f"depths must have one entry per position ({len(positions)}), got {len(depths)}")
        if any(b <= a for a, b in zip(positions, positions[1:])):
            raise ParameterError(f"positions must be strictly increasing [x-unit], got {positions!r}")
        object.__setattr__(self, "positions", positions)
        object.__setattr__(self, "depths", depths)
        object.__setattr__(self, "width", _validate.positive("width", self.width, "x-unit"))

    def _arrays(self):
        n = len(self.positions)
        return np.array(self.positions), np.full(n, self.width), np.array(self.depths)


@dataclass(frozen=True)
class GaussianMixturePotential(_LogSumGaussians):
    r"""Potential whose Boltzmann law is a Gaussian mixture: :math:`u = -\ln \sum_k w_k \mathcal N(x; \mu_k, \sigma_k)`.

    :math:`e^{-u}` is the normalised mixture density itself.

    Parameters
    ----------
    means : sequence of float
        Component means :math:`\mu_k` [x-unit].
    stds : sequence of float
        Component standard deviations :math:`\sigma_k`, each > 0 [x-unit].
    weights : sequence of float
        Component weights, each > 0; normalised to sum to 1 [-].
    """

    means: tuple[float, ...]
    stds: tuple[float, ...]
    weights: tuple[float, ...]

    def __post_init__(self):
        means = _as_tuple("means", self.means, "x-unit")
        stds = tuple(_validate.positive(f"stds[{i}]", s, "x-unit") for i, s in enumerate(_as_tuple("stds", self.stds, "x-unit")))
        weights = tuple(_validate.positive(f"weights[{i}]", w) for i, w in enumerate(_as_tuple("weights", self.weights, "")))
        if not len(means) == len(stds) == len(weights):
            raise ParameterError(
                f"means, stds and weights must have equal lengths, got {len(means)}, {len(stds)}, {len(weights)}"
            )
        total = math.fsum(weights)
        object.__setattr__(self, "means", means)
        object.__setattr__(self, "stds", stds)
        object.__setattr__(self, "weights", tuple(w / total for w in weights))

    def _arrays(self):
        stds = np.array(self.stds)
        log_w = np.log(np.array(self.weights)) - np.log(stds * math.sqrt(2.0 * math.pi))
        return np.array(self.means), stds, log_w

    def density(self, x):
        """Mixture density :math:`e^{-u(x)}` [1/x-unit] at position x [x-unit]."""
        return _out(np.exp(-np.asarray(self.energy(x))))
