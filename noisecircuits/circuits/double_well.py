r"""The reduced double well, the canonical bistable SDE model of the toolkit.

.. math::

    u(x) = h (x^2 - 1)^2 - b x, \qquad
    dx = -\frac{1}{\tau} u'(x)\,dt + \sqrt{2/\tau}\,dW ,

with h the barrier height and b the tilt in units of kT and :math:`\tau` the time unit.
The stationary law is :math:`p(x) \propto e^{-u(x)}` (Risken 1989, ch. 5). A physical
well :math:`U` with friction :math:`\eta` and half-separation :math:`x_0` maps onto it by
:math:`h = \Delta U/kT`, :math:`b = F x_0/kT`, :math:`\tau = \eta x_0^2/kT` (docs/physics.md §1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from noisecircuits import _validate
from noisecircuits.citations import use
from noisecircuits.errors import ParameterError
from noisecircuits.physics.potentials import DoubleWellPotential
from noisecircuits.sde.terms import SDETerms, zero_derivative

__all__ = ["ReducedDoubleWell"]

# params layout: [barrier h, tilt b, tau [s], sqrt(2/tau) [1/sqrt(s)], 1/tau [1/s]]


@njit(cache=True, inline="always")
def double_well_drift(x, params, out):
    """Drift -u'(x)/tau = -(4 h x (x^2 - 1) - b)/tau [1/s]."""
    y = x[0]
    out[0] = (params[1] - 4.0 * params[0] * y * (y * y - 1.0)) * params[4]


@njit(cache=True, inline="always")
def double_well_diffusion(x, params, out):
    """Noise amplitude sqrt(2/tau) [1/sqrt(s)]."""
    out[0] = params[3]


@dataclass(frozen=True)
class ReducedDoubleWell:
    r"""Overdamped particle in :math:`u(x) = h (x^2 - 1)^2 - b x` (units of kT).

    Parameters
    ----------
    barrier : float
        Barrier height h of the untilted well, in (0, 500] [kT].
    tilt : float
        Tilt b; two wells need :math:`|b| < 8h/(3\sqrt3)` [kT].
    tau : float
        Time unit :math:`\tau = \eta x_0^2/kT`, > 0 [s].
    x0 : float or None
        Start position; ``None`` starts in the well of the lower energy (the left one when
        the tilt is zero) [-].

    Notes
    -----
    The read-out (:meth:`readout_spec`) is the position :math:`x` itself and :attr:`wells`
    are the two minima, used as the hysteresis thresholds of dwell times.
    """

    barrier: float
    tilt: float = 0.0
    tau: float = 1.0
    x0: float | None = None

    kind = "double_well"

    def __post_init__(self):
        potential = DoubleWellPotential(self.barrier, self.tilt)
        object.__setattr__(self, "barrier", potential.barrier)
        object.__setattr__(self, "tilt", potential.tilt)
        object.__setattr__(self, "tau", _validate.positive("tau", self.tau, "s"))
        if abs(self.tilt) >= potential.critical_tilt:
            raise ParameterError(
                f"tilt must satisfy |tilt| < 8*barrier/(3*sqrt(3)) = {potential.critical_tilt:g} [kT] "
                f"for two wells, got {self.tilt!r}"
            )
        if self.x0 is not None:
            object.__setattr__(self, "x0", _validate.finite("x0", self.x0))

    @property
    def potential(self) -> DoubleWellPotential:
        """The potential u(x) in units of kT."""
        return DoubleWellPotential(self.barrier, self.tilt)

    @property
    def wells(self) -> tuple[float, float]:
        """Positions of the (left, right) minima [-]."""
        low, high = self.potential.minima()
        return float(low), float(high)

    @property
    def timescale(self) -> float:
        r"""Fastest relaxation time :math:`\tau / \max |u''|` over the stationary points [s]."""
        curvature = np.abs(self.potential.curvature(self.potential.stationary_points()))
        return self.tau / float(np.max(curvature))

    def readout(self, values) -> np.ndarray:
        """Position x from trace values of shape (paths, n, 1); positive = right [-]."""
        return np.asarray(values)[..., 0]

    def readout_spec(self):
        """The position, a binary read-out whose wells are the two minima (left, right)."""
        from noisecircuits.sde.readouts import BinaryReadout

        return BinaryReadout(weights=[1.0], offset=0.0, low=self.wells[0], high=self.wells[1],
                             labels=("left", "right"))

    def sde_terms(self) -> SDETerms:
        """Drift, diffusion and time scale for :func:`noisecircuits.simulate`."""
        use("risken")
        low, high = self.wells
        if self.x0 is None:
            u_low, u_high = self.potential.energy(np.array([low, high]))
            start = high if u_high < u_low else low
        else:
            start = self.x0
        params = np.array([self.barrier, self.tilt, self.tau, math.sqrt(2.0 / self.tau), 1.0 / self.tau])
        return SDETerms(
            drift=double_well_drift,
            diffusion=double_well_diffusion,
            diffusion_derivative=zero_derivative,
            params=params,
            x0=np.array([start]),
            state_names=("x",),
            timescale=self.timescale,
        )
