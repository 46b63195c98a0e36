"""Typed read-outs: how the state of a model becomes the quantity a user observes.

A model declares its read-out by returning one of these from ``readout_spec()``; the solver
layer uses only this declaration (never the model's kind or name), and the trace carries it
so that the analysis layer knows what to summarise:

* :class:`BinaryReadout`: a linear read-out :math:`r = w \\cdot x + c` with two wells; the
  state is the side of zero, and a dwell runs from reaching one well's threshold to reaching
  the other's (hysteresis). The kernel counts dwells at every step for it.
* :class:`CategoricalReadout`: a function of the state giving one of ``n_states`` labels.
* :class:`MixtureReadout`: a continuous value and a binary mode that selects its component.

The ``labels`` name the two sides of a binary read-out in the statistics (``p_<high>``,
``mean_dwell_<low>_s``, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from noisecircuits.errors import ParameterError

__all__ = ["BinaryReadout", "CategoricalReadout", "MixtureReadout"]


@dataclass(frozen=True, eq=False)
class BinaryReadout:
    """Linear two-well read-out :math:`r = w\\cdot x + c`.

    Parameters
    ----------
    weights : array_like, shape (dim,)
        Weights w [read-out unit per state unit].
    offset : float
        Offset c [read-out unit].
    low, high : float
        Read-out of the low and the high well: the hysteresis thresholds of dwells, low < high
        [read-out unit].
    labels : (str, str)
        Names of the low and the high side, e.g. ``("zero", "one")`` [-].
    """

    weights: np.ndarray
    offset: float
    low: float
    high: float
    labels: tuple = ("low", "high")

    def __post_init__(self):
        weights = np.asarray(self.weights, dtype=float).reshape(-1)
        if weights.size == 0 or not np.all(np.isfinite(weights)):
            raise ParameterError(f"read-out weights must be finite numbers, got {self.weights!r}")
        object.__setattr__(self, "weights", weights)
        if not float(self.low) < float(self.high):
            raise ParameterError(f"read-out wells must satisfy low < high, got {self.low!r}, {self.high!r}")
        object.__setattr__(self, "low", float(self.low))
        object.__setattr__(self, "high", float(self.high))
        object.__setattr__(self, "offset", float(self.offset))
        if len(self.labels) != 2 or not all(isinstance(s, str) and s.isidentifier() for s in self.labels):
            raise ParameterError(f"read-out labels must be two identifiers, got {self.labels!r}")

    def __call__(self, values) -> np.ndarray:
        """Read-out of states ``values`` (..., dim) [read-out unit]."""
        return np.asarray(values, dtype=float) @ self.weights + self.offset


@dataclass(frozen=True, eq=False)
class CategoricalReadout:
    """A label in ``range(n_states)`` from the state.

    Parameters
    ----------
    function : callable
        ``function(values) -> int array`` on states ``values`` (..., dim) [-].
    n_states : int
        Number of labels, >= 2 [-].
    """

    function: Callable
    n_states: int

    def __post_init__(self):
        if isinstance(self.n_states, bool) or not isinstance(self.n_states, (int, np.integer)) or self.n_states < 2:
            raise ParameterError(f"n_states must be an integer >= 2, got {self.n_states!r}")

    def __call__(self, values) -> np.ndarray:
        """Label of states ``values`` (..., dim) [-]."""
        return np.asarray(self.function(values))


@dataclass(frozen=True, eq=False)
class MixtureReadout:
    """A continuous value whose mixture component is chosen by a binary mode.

    Parameters
    ----------
    value : callable
        ``value(values) -> float array``: the observed value of states ``values`` [value unit].
    mode : callable
        ``mode(values) -> int array`` in {0, 1}: the selecting state [-].
    """

    value: Callable
    mode: Callable

    def __call__(self, values) -> np.ndarray:
        """Observed value of states ``values`` (..., dim) [value unit]."""
        return np.asarray(self.value(values), dtype=float)
