r"""Drift and diffusion of an SDE, kept apart from the solvers.

A model hands the solvers an :class:`SDETerms`: numba ``@njit`` functions
``drift(x, params, out)`` and ``diffusion(x, params, out)`` for the Itô SDE with
diagonal noise

.. math:: dx_i = a_i(x)\,dt + g_i(x)\,dW_i ,

the parameter vector they read, the start state and the model's fastest time scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from noisecircuits import _validate
from noisecircuits.errors import ParameterError

__all__ = ["SDETerms", "zero_derivative"]


@njit(cache=True, inline="always")
def zero_derivative(x, params, out):
    """``diffusion_derivative`` of additive noise: writes zeros."""
    for i in range(out.shape[0]):
        out[i] = 0.0


def _is_njit(func) -> bool:
    return hasattr(func, "py_func") and hasattr(func, "signatures")


def _float_vector(name: str, value, dim: int | None = None) -> np.ndarray:
    arr = np.array(value, dtype=float).reshape(-1)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} must hold finite numbers, got {value!r}")
    if dim is not None and arr.shape[0] != dim:
        raise ParameterError(f"{name} must have {dim} entries (one per state), got {arr.shape[0]}")
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class SDETerms:
    r"""The terms of :math:`dx_i = a_i(x)\,dt + g_i(x)\,dW_i` (Itô, diagonal noise).

    Parameters
    ----------
    drift : numba dispatcher
        ``drift(x, params, out)`` writes :math:`a(x)` [state unit/s].
    diffusion : numba dispatcher
        ``diffusion(x, params, out)`` writes :math:`g(x)` [state unit/sqrt(s)].
    params : array_like
        Parameter vector handed to the functions [model units].
    x0 : array_like
        Start state, shape (dim,) [state unit].
    state_names : tuple of str
        Column name of each state, e.g. ``("x",)`` or ``("v_out_V",)`` [-].
    timescale : float
        Fastest relaxation time of the model; ``simulate`` refuses ``dt >= timescale`` [s].
    diffusion_derivative : numba dispatcher, optional
        ``(x, params, out)`` writes :math:`\partial g_i/\partial x_i` (Milstein) [1/sqrt(s)].
    ou : tuple of three array_like, optional
        ``(theta, mean, sigma)`` when the model is the linear
        :math:`dx_i = -\theta_i (x_i - \mu_i) dt + \sigma_i dW_i` ([1/s], [state unit],
        [state unit/sqrt(s)]); enables the exact update.
    """

    drift: object
    diffusion: object
    params: np.ndarray
    x0: np.ndarray
    state_names: tuple
    timescale: float
    diffusion_derivative: object = None
    ou: tuple | None = None

    def __post_init__(self):
        for name in ("drift", "diffusion"):
            if not _is_njit(getattr(self, name)):
                raise ParameterError(f"{name} must be a numba @njit function (x, params, out), got {getattr(self, name)!r}")
        if self.diffusion_derivative is not None and not _is_njit(self.diffusion_derivative):
            raise ParameterError("diffusion_derivative must be a numba @njit function (x, params, out) or None")
        x0 = _float_vector("x0", self.x0)
        if x0.shape[0] < 1:
            raise ParameterError("x0 must hold at least one state")
        object.__setattr__(self, "x0", x0)
        object.__setattr__(self, "params", _float_vector("params", self.params))
        names = tuple(self.state_names)
        if len(names) != x0.shape[0] or not all(isinstance(n, str) and n for n in names):
            raise ParameterError(f"state_names must be {x0.shape[0]} non-empty strings, got {self.state_names!r}")
        object.__setattr__(self, "state_names", names)
        object.__setattr__(self, "timescale", _validate.positive("timescale", self.timescale, "s"))
        if self.ou is not None:
            if len(self.ou) != 3:
                raise ParameterError("ou must be (theta, mean, sigma)")
            theta, mean, sigma = (_float_vector(n, v, x0.shape[0]) for n, v in zip(("theta", "mean", "sigma"), self.ou))
            if np.any(theta <= 0):
                raise ParameterError(f"ou theta must be > 0 [1/s], got {theta.tolist()}")
            object.__setattr__(self, "ou", (theta, mean, sigma))

    @property
    def dim(self) -> int:
        """Number of state variables [-]."""
        return int(self.x0.shape[0])
