"""Occupation of states from a sampled read-out, with autocorrelation-aware errors."""

from __future__ import annotations

import numpy as np

from noisecircuits.analysis.autocorrelation import mean_and_stderr
from noisecircuits.errors import DataError

__all__ = ["occupation", "state_occupations"]


def occupation(indicator) -> tuple[float, float]:
    """Fraction of samples in a state and its standard error.

    Parameters
    ----------
    indicator : array_like of bool or 0/1, shape (n,) or (paths, n)
        Whether each sample is in the state [-].

    Returns
    -------
    (float, float)
        Fraction [-] and standard error [-] from the integrated autocorrelation time
        (:func:`noisecircuits.analysis.autocorrelation.mean_and_stderr`).
    """
    return mean_and_stderr(np.asarray(indicator, dtype=float))


def state_occupations(states, n_states: int) -> tuple[np.ndarray, np.ndarray]:
    """Occupation of each of ``n_states`` integer states and their standard errors.

    Parameters
    ----------
    states : array_like of int, shape (n,) or (paths, n)
        State index of each sample, in 0..n_states-1 [-].
    n_states : int
        Number of states [-].

    Returns
    -------
    (ndarray, ndarray)
        Occupations and standard errors, each of length ``n_states`` [-].
    """
    arr = np.asarray(states)
    if arr.size and (arr.min() < 0 or arr.max() >= n_states):
        raise DataError(f"state indices must be in [0, {n_states - 1}], got values in [{arr.min()}, {arr.max()}]")
    pairs = [occupation(arr == k) for k in range(n_states)]
    return np.array([p for p, _ in pairs]), np.array([s for _, s in pairs])
