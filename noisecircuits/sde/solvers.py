r"""One-step schemes for :math:`dx_i = a_i(x)\,dt + g_i(x)\,dW_i` (diagonal noise).

Each scheme is an ``@njit`` step function

``step(drift, diffusion, diffusion_derivative, params, ou, x, dt, dw, work)``

that advances ``x`` (float64[dim], in place) by ``dt`` given the Brownian increments
``dw`` (float64[dim], variance ``dt``); ``work`` is a (6, dim) scratch array and ``ou`` the
(5, dim) table ``theta, mean, sigma, exp(-theta dt), sigma sqrt((1 - exp(-2 theta dt))
/ (2 theta))`` (read only by the exact OU update). A :class:`Solver` bundles a step
with its strong order and the calculus it converges in (Kloeden & Platen 1992).

=============  ============  =============  ====================================================
name           strong order  calculus       update
=============  ============  =============  ====================================================
``euler``      0.5           Itô            :math:`x + a\,h + g\,\Delta W`
``milstein``   1.0           Itô            Euler :math:`+\tfrac12 g\,g'(\Delta W^2 - h)`
``heun``       1.0           Stratonovich   predictor-corrector (trapezoidal in :math:`a, g`)
``exact``      exact         Itô            :math:`\mu + (x-\mu)e^{-\theta h} + \sigma\sqrt{(1-e^{-2\theta h})/2\theta}\,\xi`
=============  ============  =============  ====================================================

Heun converges to the Stratonovich solution; for additive noise (``g`` constant) the two
calculi agree, and Heun's trapezoidal drift makes its stationary-law bias
:math:`O(h^2)` instead of Euler's :math:`O(h)`. The strong order of ``heun`` is 1 for
commutative (in particular diagonal) noise. ``exact`` needs ``SDETerms.ou``; its strong
order is infinite on linear models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from noisecircuits.citations import use
from noisecircuits.errors import ParameterError

__all__ = ["Solver", "SOLVERS", "get_solver", "ou_table", "euler_step", "milstein_step", "heun_step", "exact_ou_step"]


@njit(cache=True, inline="always")
def euler_step(drift, diffusion, diffusion_derivative, params, ou, x, dt, dw, work):
    """Euler-Maruyama step (strong order 0.5)."""
    a = work[0]
    g = work[1]
    drift(x, params, a)
    diffusion(x, params, g)
    for i in range(x.shape[0]):
        x[i] += a[i] * dt + g[i] * dw[i]


@njit(cache=True, inline="always")
def milstein_step(drift, diffusion, diffusion_derivative, params, ou, x, dt, dw, work):
    """Milstein step for diagonal noise (strong order 1.0)."""
    a = work[0]
    g = work[1]
    gp = work[2]
    drift(x, params, a)
    diffusion(x, params, g)
    diffusion_derivative(x, params, gp)
    for i in range(x.shape[0]):
        x[i] += a[i] * dt + g[i] * dw[i] + 0.5 * g[i] * gp[i] * (dw[i] * dw[i] - dt)


@njit(cache=True, inline="always")
def heun_step(drift, diffusion, diffusion_derivative, params, ou, x, dt, dw, work):
    """Stochastic Heun step (Stratonovich, strong order 1.0 for commutative noise)."""
    a = work[0]
    g = work[1]
    xp = work[2]
    a2 = work[3]
    g2 = work[4]
    drift(x, params, a)
    diffusion(x, params, g)
    for i in range(x.shape[0]):
        xp[i] = x[i] + a[i] * dt + g[i] * dw[i]
    drift(xp, params, a2)
    diffusion(xp, params, g2)
    for i in range(x.shape[0]):
        x[i] += 0.5 * (a[i] + a2[i]) * dt + 0.5 * (g[i] + g2[i]) * dw[i]


@njit(cache=True, inline="always")
def exact_ou_step(drift, diffusion, diffusion_derivative, params, ou, x, dt, dw, work):
    """Exact Ornstein-Uhlenbeck transition driven by the normal ``dw / sqrt(dt)``."""
    root_dt = math.sqrt(dt)
    for i in range(x.shape[0]):
        x[i] = ou[1, i] + (x[i] - ou[1, i]) * ou[3, i] + ou[4, i] * (dw[i] / root_dt)


@dataclass(frozen=True)
class Solver:
    """A one-step scheme and what it promises.

    Parameters
    ----------
    name : str
        Name used by ``simulate(..., solver=name)`` [-].
    step : numba dispatcher
        The step function (see the module docstring) [-].
    strong_order : float
        Strong order of convergence; ``inf`` for an exact update [-].
    calculus : str
        ``"ito"`` or ``"stratonovich"``: the solution the scheme converges to [-].
    needs_derivative : bool
        Whether ``SDETerms.diffusion_derivative`` is required [-].
    needs_ou : bool
        Whether ``SDETerms.ou`` is required [-].
    """

    name: str
    step: object
    strong_order: float
    calculus: str
    needs_derivative: bool = False
    needs_ou: bool = False

    def check(self, terms) -> None:
        """Raise ParameterError if ``terms`` lacks what this scheme needs."""
        if self.needs_derivative and terms.diffusion_derivative is None:
            raise ParameterError(
                f"solver {self.name!r} needs SDETerms.diffusion_derivative; the model has none (use 'euler' or 'heun')"
            )
        if self.needs_ou and terms.ou is None:
            raise ParameterError(f"solver {self.name!r} needs a linear (Ornstein-Uhlenbeck) model with SDETerms.ou set")


SOLVERS: dict[str, Solver] = {
    "euler": Solver("euler", euler_step, 0.5, "ito"),
    "milstein": Solver("milstein", milstein_step, 1.0, "ito", needs_derivative=True),
    "heun": Solver("heun", heun_step, 1.0, "stratonovich"),
    "exact": Solver("exact", exact_ou_step, math.inf, "ito", needs_ou=True),
}


def get_solver(name) -> Solver:
    """Return the :class:`Solver` called ``name`` (or ``name`` itself if it is a Solver)."""
    if isinstance(name, Solver):
        return name
    if name not in SOLVERS:
        raise ParameterError(f"solver must be one of {', '.join(SOLVERS)}, got {name!r}")
    use("kloeden_platen")
    return SOLVERS[name]


def ou_table(terms, dt: float) -> np.ndarray:
    """The (5, dim) table read by :func:`exact_ou_step` for step ``dt`` [s] (zeros without ``ou``)."""
    table = np.zeros((5, terms.dim))
    if terms.ou is not None:
        theta, mean, sigma = terms.ou
        decay = np.exp(-theta * dt)
        table[0], table[1], table[2], table[3] = theta, mean, sigma, decay
        table[4] = sigma * np.sqrt(-np.expm1(-2.0 * theta * dt) / (2.0 * theta))
    return table
