"""The result of :func:`noisecircuits.simulate`: sampled paths and how they were made."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Trace", "DwellTally"]


@dataclass(frozen=True, eq=False)
class DwellTally:
    """Dwell statistics counted at every integration step (binary models).

    A dwell runs from one switch between the wells to the next (read-out <= ``low``
    after the high state, >= ``high`` after the low state); the dwell in progress at the
    start and the unfinished one at the end are not counted.

    Parameters
    ----------
    counts : ndarray of int, shape (paths, 2)
        Completed (low, high) dwells of each path [-].
    sums : ndarray, shape (paths, 2)
        Their summed lengths [s].
    sums_of_squares : ndarray, shape (paths, 2)
        Their summed squared lengths [s^2].
    switches : ndarray of int, shape (paths,)
        Switches between the wells [-].
    low, high : float
        Read-out thresholds (the two minima) [read-out unit].
    """

    counts: np.ndarray
    sums: np.ndarray
    sums_of_squares: np.ndarray
    switches: np.ndarray
    low: float
    high: float


@dataclass(frozen=True, eq=False)
class Trace:
    """Recorded paths of an SDE ensemble.

    Parameters
    ----------
    times : ndarray, shape (n,)
        Sample times, starting at 0 [s].
    values : ndarray, shape (paths, n, dim)
        State of every path at every sample time [state units].
    state_names : tuple of str
        Name of each state component [-].
    dt : float
        Integration step [s].
    sample_interval : float
        Time between stored samples, ``record_every * dt`` [s].
    readout : BinaryReadout, CategoricalReadout, MixtureReadout or None
        The read-out the simulated model declared (:mod:`noisecircuits.sde.readouts`); the
        analysis layer summarises the trace by it [-].
    solver : str
        Name of the scheme [-].
    seed : int or SeedSequence
        Seed that reproduces the run with ``simulate(..., seed=seed)`` [-].
    path_steps : int
        Integration steps taken, summed over paths [-].
    dwell_tally : DwellTally or None
        Dwells counted at every step for a binary read-out (exact at
        the step resolution however thinly the trace is stored); ``None`` otherwise.
    """

    times: np.ndarray
    values: np.ndarray
    state_names: tuple
    dt: float
    sample_interval: float
    readout: object
    solver: str
    seed: object
    path_steps: int
    dwell_tally: DwellTally | None = None

    @property
    def paths(self) -> int:
        """Number of paths [-]."""
        return int(self.values.shape[0])

    @property
    def duration(self) -> float:
        """Time covered by the samples [s]."""
        return float(self.times[-1])

    def to_frame(self):
        """Tidy :class:`pandas.DataFrame`: columns ``path``, ``time_s`` and one per state."""
        import pandas as pd

        paths, n, dim = self.values.shape
        columns = {
            "path": np.repeat(np.arange(paths), n),
            "time_s": np.tile(self.times, paths),
        }
        for i, name in enumerate(self.state_names):
            columns[name] = self.values[:, :, i].reshape(-1)
        return pd.DataFrame(columns)
