"""Integrated autocorrelation time with Sokal's automatic window, and standard errors.

For a stationary series with normalised autocorrelation :math:`\\rho(t)`,

.. math:: \\tau_{int} = \\tfrac12 + \\sum_{t=1}^{W} \\rho(t),

with the window :math:`W` the smallest lag such that :math:`W \\ge c\\,\\tau_{int}(W)`
(``c = 5``; Sokal 1997, §3). With this convention an uncorrelated series has
:math:`\\tau_{int} = 1/2`, the effective number of samples is :math:`N / (2\\tau_{int})`
and the standard error of the mean is :math:`\\sqrt{2 \\tau_{int} \\mathrm{Var}/N}`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from noisecircuits.citations import use
from noisecircuits.errors import ParameterError

__all__ = ["integrated_autocorrelation_time", "SeriesSummary", "summarise_series"]


def _autocovariance(series: np.ndarray) -> np.ndarray:
    """Autocovariance averaged over chains (rows), each chain centred on its own mean."""
    x = series - series.mean(axis=1, keepdims=True)
    n = x.shape[1]
    size = 1 << int(2 * n - 1).bit_length()
    spectrum = np.fft.rfft(x, n=size, axis=1)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=1)[:, :n]
    return acov.mean(axis=0) / n


def integrated_autocorrelation_time(series, window_factor: float = 5.0) -> float:
    """Integrated autocorrelation time of one or several chains.

    Parameters
    ----------
    series : array_like, shape (n,) or (chains, n)
        Samples in time order [any unit].
    window_factor : float
        Sokal's c [-].

    Returns
    -------
    float
        :math:`\\tau_{int}` in units of the sampling interval [samples]; 0.5 for a constant
        or uncorrelated series.
    """
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    if x.shape[1] < 2:
        raise ParameterError(f"need at least 2 samples per chain to estimate a correlation time, got {x.shape[1]}")
    use("sokal1997")
    acov = _autocovariance(x)
    if acov[0] <= 0:
        return 0.5
    rho = acov / acov[0]
    tau = 0.5 + np.cumsum(rho[1:])
    lags = np.arange(1, rho.size)
    ok = np.flatnonzero(lags >= window_factor * tau)
    value = tau[ok[0]] if ok.size else tau[-1]
    return float(max(value, 0.5))


@dataclass(frozen=True)
class SeriesSummary:
    """Mean of a correlated series with its error.

    Attributes
    ----------
    mean : float
        Sample mean over all chains and times [series unit].
    stderr : float
        Standard error of the mean [series unit].
    variance : float
        Sample variance [series unit^2].
    tau_int : float
        Integrated autocorrelation time [samples].
    n_effective : float
        Effective number of independent samples [-].
    """

    mean: float
    stderr: float
    variance: float
    tau_int: float
    n_effective: float


def summarise_series(series) -> SeriesSummary:
    """Mean, standard error, variance, :math:`\\tau_{int}` and effective samples of (chains, n) data.

    Chains are independent; with one sample per chain (n = 1) the samples are uncorrelated.
    """
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    # one sample per independent chain: nothing is correlated
    tau = 0.5 if x.shape[1] == 1 and x.shape[0] > 1 else integrated_autocorrelation_time(x)
    total = x.size
    var = float(x.var())
    n_eff = total / (2.0 * tau)
    return SeriesSummary(float(x.mean()), float(np.sqrt(var / n_eff)), var, tau, float(n_eff))
