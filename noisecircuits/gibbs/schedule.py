"""What a sampling run does (the schedule) and what it watches (observers).

A :class:`Schedule` says how many warm-up sweeps are discarded, how many samples are kept,
how many sweeps separate two kept samples (thinning) and in which order the colour blocks are
visited within a sweep. The kernels themselves observe each chain's energy and magnetisation
at every kept sample and the spin sums and state histogram over every recorded sweep; the
observers here receive the states of all chains at chosen kept samples, in the user's node
numbering, between kernel calls:

* :class:`SnapshotObserver` keeps the states;
* :class:`MomentObserver` accumulates :math:`\\langle s_i \\rangle` and :math:`\\langle s_i s_j \\rangle`
  for chosen pairs;
* :class:`CallbackObserver` hands them to a user function.

Observers never change the chains: random numbers are counter based, so where a run is cut
into kernel calls does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from noisecircuits import _validate
from noisecircuits.errors import ParameterError

__all__ = ["Schedule", "Observer", "SnapshotObserver", "MomentObserver", "CallbackObserver"]


@dataclass(frozen=True)
class Schedule:
    """Warm-up, samples, thinning and block order of a run.

    Parameters
    ----------
    samples : int
        Kept samples per chain [-].
    burn_in : int
        Warm-up sweeps discarded first [-].
    thin : int
        Sweeps per kept sample (1: every sweep) [-].
    block_order : tuple of int, optional
        Order in which the colour blocks are visited in a sweep (a permutation of
        0..n_blocks-1, blocks numbered by colour); default ascending colour.
    """

    samples: int
    burn_in: int = 0
    thin: int = 1
    block_order: tuple | None = None

    def __post_init__(self):
        object.__setattr__(self, "samples", _validate.positive_int("samples", self.samples))
        object.__setattr__(self, "burn_in", _validate.positive_int("burn_in", self.burn_in, minimum=0))
        object.__setattr__(self, "thin", _validate.positive_int("thin", self.thin))
        if self.block_order is not None:
            order = tuple(int(b) for b in self.block_order)
            object.__setattr__(self, "block_order", order)

    @property
    def recorded_sweeps(self) -> int:
        """Sweeps after warm-up: samples x thin [-]."""
        return self.samples * self.thin

    @property
    def total_sweeps(self) -> int:
        """Warm-up plus recorded sweeps [-]."""
        return self.burn_in + self.recorded_sweeps

    def check_block_order(self, n_blocks: int) -> np.ndarray | None:
        """The block order as an index array, checked against the number of colour blocks."""
        if self.block_order is None:
            return None
        order = np.asarray(self.block_order, dtype=np.int64)
        if sorted(order.tolist()) != list(range(n_blocks)):
            raise ParameterError(
                f"block_order must be a permutation of 0..{n_blocks - 1} (one entry per colour block), "
                f"got {list(self.block_order)}"
            )
        return order


class Observer:
    """Base class: ``observe(sample, states)`` is called every ``every`` kept samples.

    Parameters
    ----------
    every : int
        Kept samples between two calls (the first call is after sample ``every - 1``) [-].
    """

    def __init__(self, every: int = 1):
        self.every = _validate.positive_int("every", every)

    def observe(self, sample: int, states: np.ndarray) -> None:  # pragma: no cover - interface
        """Receive the states (chains, n) after kept sample index ``sample`` (0-based)."""
        raise NotImplementedError


class SnapshotObserver(Observer):
    """Keep every chain's state every ``every`` kept samples; ``states`` is (k, chains, n) int8."""

    def __init__(self, every: int = 1):
        super().__init__(every)
        self._kept = []

    def observe(self, sample, states):
        self._kept.append(np.array(states, dtype=np.int8))

    @property
    def states(self) -> np.ndarray:
        """The kept states, shape (k, chains, n)."""
        if not self._kept:
            return np.zeros((0, 0, 0), dtype=np.int8)
        return np.stack(self._kept)


class MomentObserver(Observer):
    """First and second moments over chains and observed samples.

    Parameters
    ----------
    pairs : array_like of int, shape (k, 2), optional
        Node pairs (i, j) whose :math:`\\langle s_i s_j\\rangle` is accumulated.
    every : int
        Kept samples between two observations [-].
    """

    def __init__(self, pairs=None, every: int = 1):
        super().__init__(every)
        self.pairs = np.zeros((0, 2), dtype=np.int64) if pairs is None else np.asarray(pairs, dtype=np.int64)
        if self.pairs.ndim != 2 or self.pairs.shape[1] != 2:
            raise ParameterError(f"pairs must have shape (k, 2), got {self.pairs.shape}")
        self.count = 0
        self._sum = None
        self._pair_sum = np.zeros(len(self.pairs))

    def observe(self, sample, states):
        s = np.asarray(states, dtype=np.float64)
        if self._sum is None:
            if self.pairs.size and (self.pairs.min() < 0 or self.pairs.max() >= s.shape[1]):
                raise ParameterError(f"pairs must name nodes in 0..{s.shape[1] - 1}")
            self._sum = np.zeros(s.shape[1])
        self._sum += s.sum(axis=0)
        if self.pairs.size:
            self._pair_sum += np.sum(s[:, self.pairs[:, 0]] * s[:, self.pairs[:, 1]], axis=0)
        self.count += s.shape[0]

    def mean(self) -> np.ndarray:
        """:math:`\\langle s_i \\rangle` [-]."""
        if not self.count:
            raise ParameterError("no states were observed")
        return self._sum / self.count

    def pair_mean(self) -> np.ndarray:
        """:math:`\\langle s_i s_j \\rangle` for each pair [-]."""
        if not self.count:
            raise ParameterError("no states were observed")
        return self._pair_sum / self.count


class CallbackObserver(Observer):
    """Call ``function(sample, states)`` every ``every`` kept samples.

    Parameters
    ----------
    function : callable
        Receives the kept-sample index and a read-only (chains, n) int8 array.
    every : int
        Kept samples between two calls [-].
    """

    def __init__(self, function, every: int = 1):
        super().__init__(every)
        if not callable(function):
            raise ParameterError(f"the observer callback must be callable, got {type(function).__name__}")
        self.function = function

    def observe(self, sample, states):
        view = np.asarray(states)
        view.flags.writeable = False
        self.function(sample, view)
