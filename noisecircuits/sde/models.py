r"""Linear reference SDEs with closed-form solutions, used to check the solvers.

* :class:`OrnsteinUhlenbeck`: :math:`dx = -\theta (x - \mu)\,dt + \sigma\,dW`; stationary
  variance :math:`\sigma^2/(2\theta)` (Euler-Maruyama gives :math:`\sigma^2/(\theta(2 - \theta h))`).
* :class:`GeometricBrownianMotion`: :math:`dx = \mu x\,dt + \sigma x\,dW` (Itô), with
  :math:`x_t = x_0 \exp((\mu - \sigma^2/2) t + \sigma W_t)`; the Stratonovich reading of the
  same symbols gives :math:`x_0 \exp(\mu t + \sigma W_t)` (Kloeden & Platen 1992, §4.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from noisecircuits import _validate
from noisecircuits.sde.terms import SDETerms, zero_derivative

__all__ = ["OrnsteinUhlenbeck", "GeometricBrownianMotion"]


@njit(cache=True, inline="always")
def _ou_drift(x, params, out):
    out[0] = -params[0] * (x[0] - params[1])


@njit(cache=True, inline="always")
def _ou_diffusion(x, params, out):
    out[0] = params[2]


@njit(cache=True, inline="always")
def _gbm_drift(x, params, out):
    out[0] = params[0] * x[0]


@njit(cache=True, inline="always")
def _gbm_diffusion(x, params, out):
    out[0] = params[1] * x[0]


@njit(cache=True, inline="always")
def _gbm_diffusion_derivative(x, params, out):
    out[0] = params[1]


@dataclass(frozen=True)
class OrnsteinUhlenbeck:
    r"""One-dimensional OU process :math:`dx = -\theta (x - \mu) dt + \sigma dW`.

    Parameters
    ----------
    theta : float
        Relaxation rate, > 0 [1/s].
    mean : float
        Long-time mean [state unit].
    sigma : float
        Noise amplitude, >= 0 [state unit/sqrt(s)].
    x0 : float
        Start state [state unit].
    """

    theta: float
    mean: float = 0.0
    sigma: float = 1.0
    x0: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "theta", _validate.positive("theta", self.theta, "1/s"))
        object.__setattr__(self, "mean", _validate.finite("mean", self.mean))
        object.__setattr__(self, "sigma", _validate.non_negative("sigma", self.sigma))
        object.__setattr__(self, "x0", _validate.finite("x0", self.x0))

    @property
    def stationary_variance(self) -> float:
        r""":math:`\sigma^2/(2\theta)` [state unit^2]."""
        return self.sigma**2 / (2.0 * self.theta)

    def euler_stationary_variance(self, dt: float) -> float:
        r"""Stationary variance of the Euler-Maruyama chain, :math:`\sigma^2/(\theta(2-\theta h))` [state unit^2]."""
        return self.sigma**2 / (self.theta * (2.0 - self.theta * dt))

    def sde_terms(self) -> SDETerms:
        """Terms with ``ou`` set, so the exact update is available."""
        return SDETerms(
            drift=_ou_drift,
            diffusion=_ou_diffusion,
            diffusion_derivative=zero_derivative,
            params=np.array([self.theta, self.mean, self.sigma]),
            x0=np.array([self.x0]),
            state_names=("x",),
            timescale=1.0 / self.theta,
            ou=([self.theta], [self.mean], [self.sigma]),
        )


@dataclass(frozen=True)
class GeometricBrownianMotion:
    r"""Geometric Brownian motion :math:`dx = \mu x\,dt + \sigma x\,dW`.

    Parameters
    ----------
    drift_rate : float
        :math:`\mu` [1/s].
    volatility : float
        :math:`\sigma`, > 0 [1/sqrt(s)].
    x0 : float
        Start state, > 0 [state unit].
    """

    drift_rate: float
    volatility: float
    x0: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "drift_rate", _validate.finite("drift_rate", self.drift_rate, "1/s"))
        object.__setattr__(self, "volatility", _validate.positive("volatility", self.volatility, "1/sqrt(s)"))
        object.__setattr__(self, "x0", _validate.positive("x0", self.x0))

    def exact(self, time, brownian, calculus: str = "ito"):
        r"""Exact solution at ``time`` [s] given :math:`W_t` = ``brownian`` [sqrt(s)], Itô or Stratonovich."""
        correction = 0.5 * self.volatility**2 if calculus == "ito" else 0.0
        return self.x0 * np.exp((self.drift_rate - correction) * time + self.volatility * np.asarray(brownian))

    def sde_terms(self) -> SDETerms:
        """Terms with the diffusion derivative (for Milstein)."""
        rate = max(abs(self.drift_rate), self.volatility**2)
        return SDETerms(
            drift=_gbm_drift,
            diffusion=_gbm_diffusion,
            diffusion_derivative=_gbm_diffusion_derivative,
            params=np.array([self.drift_rate, self.volatility]),
            x0=np.array([self.x0]),
            state_names=("x",),
            timescale=1.0 / rate,
        )
