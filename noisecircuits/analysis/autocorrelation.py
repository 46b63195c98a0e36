r"""Autocorrelation, integrated autocorrelation time and effective sample size.

For a stationary series with normalised autocorrelation :math:`\rho(t)` the integrated
autocorrelation time (Sokal 1997) is

.. math:: \tau_\text{int} = \tfrac12 + \sum_{t=1}^{M} \rho(t),

with the window M the smallest lag for which :math:`M \ge c\,\tau_\text{int}(M)`
(``c = 5`` by default). The variance of the sample mean of N values is
:math:`2\tau_\text{int}\,\sigma^2/N`, so the effective sample size is
:math:`N_\text{eff} = N / (2\tau_\text{int})`. A continuous process with
:math:`\rho(t) = e^{-t/\tau_c}` sampled every :math:`\Delta \ll \tau_c` has
:math:`\tau_\text{int}\,\Delta \to \tau_c`.

A 2-D input (paths, n) is treated as independent paths of one process: the
autocovariance is averaged over paths (each path about its own mean). Long inputs are
first averaged over consecutive blocks of m samples so that at most
:data:`MAX_FFT_SAMPLES` remain; the variance of the mean is invariant under this, so
:math:`\tau_\text{int} = m\,\tau'_\text{int}\,\sigma'^2/\sigma^2` from the block series
(primed) is a consistent estimate that costs bounded memory.

Multi-chain convergence diagnostics (split-:math:`\hat R`, bulk and tail ESS) and the
summary of a set of chains are in :mod:`noisecircuits.analysis.diagnostics`, built on
:func:`autocovariances`.
"""

from __future__ import annotations

import numpy as np

from noisecircuits.citations import use
from noisecircuits.errors import DataError

__all__ = [
    "autocorrelation",
    "autocovariances",
    "integrated_autocorrelation_time",
    "effective_sample_size",
    "mean_and_stderr",
]

#: Sokal's window constant c.
SOKAL_WINDOW = 5.0
#: Samples (over all paths) above which series are block-averaged before the FFT.
MAX_FFT_SAMPLES = 1 << 20


def _as_paths(series) -> np.ndarray:
    arr = np.asarray(series, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise DataError(f"series must be 1-D (n,) or 2-D (paths, n) with n >= 2 samples, got shape {np.shape(series)}")
    if not np.all(np.isfinite(arr)):
        raise DataError("series must hold finite numbers only")
    return arr


def _block_average(arr: np.ndarray) -> tuple[np.ndarray, int]:
    """Average consecutive blocks of m samples so that at most MAX_FFT_SAMPLES remain; return (blocks, m)."""
    m = max(1, -(-arr.size // MAX_FFT_SAMPLES))
    n = (arr.shape[1] // m) * m
    if m == 1 or n // m < 2:
        return arr, 1
    return arr[:, :n].reshape(arr.shape[0], n // m, m).mean(axis=2), m


def _sokal_tau(arr: np.ndarray, window: float) -> float:
    """Sokal's windowed integrated autocorrelation time of ``arr`` (paths, n) [samples]."""
    acov = _autocovariance(arr)
    if acov[0] <= 0:
        return 0.5
    rho = acov / acov[0]
    partial = np.cumsum(rho) - 0.5
    lags = np.arange(rho.size)
    inside = lags >= window * partial
    inside[0] = False
    stop = int(np.argmax(inside)) if np.any(inside) else rho.size - 1
    return float(max(partial[stop], 0.5))


def autocovariances(paths) -> np.ndarray:
    """Autocovariance of each path about its own mean at lags 0..n-1 (biased, 1/n; FFT).

    Parameters
    ----------
    paths : ndarray, shape (paths, n)
        Finite samples at a fixed interval [any unit].

    Returns
    -------
    ndarray, shape (paths, n)
        :math:`\\gamma_t = \\frac1n \\sum_{s=0}^{n-1-t} (x_s - \\bar x)(x_{s+t} - \\bar x)` [unit^2].
    """
    arr = np.asarray(paths, dtype=float)
    n = arr.shape[1]
    centred = arr - arr.mean(axis=1, keepdims=True)
    size = 1 << int(2 * n - 1).bit_length()
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    return np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=1)[:, :n] / n


def _autocovariance(arr: np.ndarray) -> np.ndarray:
    """Path-averaged autocovariance at lags 0..n-1."""
    return autocovariances(arr).mean(axis=0)


def autocorrelation(series, max_lag: int | None = None) -> np.ndarray:
    """Normalised autocorrelation :math:`\\rho(t)` at lags 0..max_lag [-].

    Parameters
    ----------
    series : array_like, shape (n,) or (paths, n)
        Samples at a fixed interval [any unit].
    max_lag : int, optional
        Largest lag returned, in samples [-]; default n - 1.

    Returns
    -------
    ndarray
        :math:`\\rho(0) = 1, \\rho(1), ...`; all zeros after lag 0 for a constant series.
    """
    arr = _as_paths(series)
    acov = _autocovariance(arr)
    if max_lag is not None:
        acov = acov[: int(max_lag) + 1]
    if acov[0] <= 0:
        rho = np.zeros_like(acov)
        rho[0] = 1.0
        return rho
    return acov / acov[0]


def integrated_autocorrelation_time(series, window: float = SOKAL_WINDOW) -> float:
    """Integrated autocorrelation time with Sokal's automatic window [samples].

    Parameters
    ----------
    series : array_like, shape (n,) or (paths, n)
        Samples at a fixed interval [any unit].
    window : float
        Window constant c (stop at the first lag M >= c tau(M)) [-].

    Returns
    -------
    float
        :math:`\\tau_\\text{int}` in samples (0.5 for white noise); multiply by the sample
        interval for seconds.
    """
    use("sokal1997")
    arr = _as_paths(series)
    variance = float(np.mean(arr.var(axis=1)))
    if variance <= 0:
        return 0.5
    blocks, m = _block_average(arr)
    block_variance = float(np.mean(blocks.var(axis=1)))
    return float(max(m * _sokal_tau(blocks, window) * block_variance / variance, 0.5))


def effective_sample_size(series, window: float = SOKAL_WINDOW) -> float:
    """Number of independent samples :math:`N_\\text{eff} = N / (2\\tau_\\text{int})` [-].

    Parameters
    ----------
    series : array_like, shape (n,) or (paths, n)
        Samples at a fixed interval; N counts all paths [any unit].
    window : float
        Sokal window constant [-].

    Returns
    -------
    float
    """
    arr = _as_paths(series)
    return arr.size / (2.0 * integrated_autocorrelation_time(arr, window))


def mean_and_stderr(series, window: float = SOKAL_WINDOW) -> tuple[float, float]:
    """Sample mean and its standard error corrected for autocorrelation.

    Parameters
    ----------
    series : array_like, shape (n,) or (paths, n)
        Samples at a fixed interval [any unit].
    window : float
        Sokal window constant [-].

    Returns
    -------
    (float, float)
        Mean and :math:`\\sqrt{2\\tau_\\text{int}\\,\\hat\\sigma^2 / N}` [unit of the series].
    """
    use("sokal1997")
    arr = _as_paths(series)
    blocks, _ = _block_average(arr)
    variance = float(np.mean(blocks.var(axis=1)))
    stderr = np.sqrt(2.0 * _sokal_tau(blocks, window) * variance / blocks.size)
    return float(arr.mean()), float(stderr)
