r"""Dwell times of a bistable read-out, with hysteresis at the two well minima.

A dwell in the low state runs from the first sample at or below ``low`` until the first
later sample at or above ``high``; a dwell in the high state the other way round
(docs/physics.md §2: from reaching one well's minimum to first reaching the other's). The dwell
in progress at the start of each path (its beginning was not observed as an arrival from
the other well) and the one unfinished at its end are not counted. With the mean dwell
times :math:`T_\mp` the switching rates are :math:`k_\pm = 1/T_\mp` and the sign process
has the autocorrelation time :math:`\tau_c = 1/(k_+ + k_-)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from noisecircuits.errors import DataError

__all__ = ["DwellSummary", "DwellTimes", "hysteresis_state", "dwell_times"]


def hysteresis_state(readout, low: float, high: float) -> np.ndarray:
    """Last well reached at each sample: -1 (low), +1 (high), 0 before either is reached.

    Parameters
    ----------
    readout : array_like, shape (n,) or (paths, n)
        Read-out samples [read-out unit].
    low, high : float
        Read-out values of the low and high minima, low < high [read-out unit].

    Returns
    -------
    ndarray of int8, same shape as ``readout``
    """
    arr = np.atleast_2d(np.asarray(readout, dtype=float))
    if not low < high:
        raise DataError(f"low must be < high, got low={low!r}, high={high!r}")
    marks = np.where(arr <= low, -1, np.where(arr >= high, 1, 0)).astype(np.int8)
    index = np.where(marks != 0, np.arange(arr.shape[1]), 0)
    np.maximum.accumulate(index, axis=1, out=index)
    state = np.take_along_axis(marks, index, axis=1)
    return state.reshape(np.shape(readout))


def _mean_and_stderr(count: float, total: float, total_sq: float) -> tuple[float, float]:
    if count < 1:
        return float("nan"), float("nan")
    mean = total / count
    if count < 2:
        return float(mean), float("nan")
    variance = max(total_sq - count * mean * mean, 0.0) / (count - 1)
    return float(mean), float(np.sqrt(variance / count))


@dataclass(frozen=True)
class DwellSummary:
    """Counts and moments of completed dwells, however they were collected.

    Parameters
    ----------
    counts : tuple of int
        Completed (low, high) dwells [-].
    sums : tuple of float
        Summed (low, high) dwell lengths [s].
    sums_of_squares : tuple of float
        Summed squared (low, high) dwell lengths [s^2].
    n_switches : int
        Switches between the wells [-].
    """

    counts: tuple
    sums: tuple
    sums_of_squares: tuple
    n_switches: int

    @classmethod
    def from_tally(cls, tally) -> "DwellSummary":
        """Pool the per-path dwell tally of a trace (:class:`noisecircuits.sde.trace.DwellTally`)."""
        counts = np.asarray(tally.counts).sum(axis=0)
        sums = np.asarray(tally.sums).sum(axis=0)
        squares = np.asarray(tally.sums_of_squares).sum(axis=0)
        return cls(
            counts=(int(counts[0]), int(counts[1])),
            sums=(float(sums[0]), float(sums[1])),
            sums_of_squares=(float(squares[0]), float(squares[1])),
            n_switches=int(np.asarray(tally.switches).sum()),
        )

    @property
    def mean_low(self) -> tuple[float, float]:
        """Mean low dwell and its standard error [s] (NaN when none completed)."""
        return _mean_and_stderr(self.counts[0], self.sums[0], self.sums_of_squares[0])

    @property
    def mean_high(self) -> tuple[float, float]:
        """Mean high dwell and its standard error [s] (NaN when none completed)."""
        return _mean_and_stderr(self.counts[1], self.sums[1], self.sums_of_squares[1])

    @property
    def correlation_time(self) -> float:
        r""":math:`\tau_c = 1/(1/T_\text{low} + 1/T_\text{high})` [s] (NaN without both kinds of dwell)."""
        t_low, t_high = self.mean_low[0], self.mean_high[0]
        return float(t_low * t_high / (t_low + t_high))


@dataclass(frozen=True, eq=False)
class DwellTimes:
    """Completed dwells of a bistable read-out.

    Parameters
    ----------
    low : ndarray
        Durations of the completed dwells in the low state [s].
    high : ndarray
        Durations of the completed dwells in the high state [s].
    n_switches : int
        Number of observed transitions between the wells, all paths [-].
    """

    low: np.ndarray
    high: np.ndarray
    n_switches: int

    def summary(self) -> DwellSummary:
        """Counts and moments of the dwells (mean dwell times, standard errors, tau_c)."""
        return DwellSummary(
            counts=(int(self.low.size), int(self.high.size)),
            sums=(float(self.low.sum()), float(self.high.sum())),
            sums_of_squares=(float(np.sum(self.low**2)), float(np.sum(self.high**2))),
            n_switches=self.n_switches,
        )


def dwell_times(readout, low: float, high: float, sample_interval: float) -> DwellTimes:
    """Dwell times of every path of a bistable read-out.

    Parameters
    ----------
    readout : array_like, shape (n,) or (paths, n)
        Read-out samples at a fixed interval [read-out unit].
    low, high : float
        Read-out values of the low and high minima [read-out unit].
    sample_interval : float
        Time between samples [s].

    Returns
    -------
    DwellTimes
    """
    state = np.atleast_2d(hysteresis_state(readout, low, high))
    low_dwells, high_dwells = [], []
    switches = 0
    for row in state:
        events = np.flatnonzero((row[1:] != row[:-1]) & (row[:-1] != 0)) + 1
        switches += events.size
        if events.size < 2:
            continue
        durations = np.diff(events) * float(sample_interval)
        after = row[events[:-1]]
        low_dwells.append(durations[after < 0])
        high_dwells.append(durations[after > 0])
    return DwellTimes(
        low=np.concatenate(low_dwells) if low_dwells else np.zeros(0),
        high=np.concatenate(high_dwells) if high_dwells else np.zeros(0),
        n_switches=int(switches),
    )
