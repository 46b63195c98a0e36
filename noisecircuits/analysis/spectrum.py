r"""Power spectral density of a telegraph (two-state) signal and its Lorentzian.

A stationary telegraph process with variance :math:`\sigma^2` and autocorrelation
:math:`e^{-|t|/\tau_c}` has the one-sided PSD (Machlup 1954)

.. math:: S(f) = \frac{4\sigma^2\tau_c}{1 + (2\pi f \tau_c)^2}.

:func:`telegraph_psd` estimates it with Welch's method (Hann window, 50 % overlap),
averaged over paths.
"""

from __future__ import annotations

import numpy as np

from noisecircuits import _validate
from noisecircuits.citations import use

__all__ = ["telegraph_psd", "lorentzian_psd"]


def telegraph_psd(signal, sample_interval: float, segment_length: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """One-sided Welch PSD of a sampled signal, averaged over paths.

    Parameters
    ----------
    signal : array_like, shape (n,) or (paths, n)
        Samples at a fixed interval [unit].
    sample_interval : float
        Time between samples [s].
    segment_length : int
        Welch segment length in samples (clipped to n) [-].

    Returns
    -------
    (ndarray, ndarray)
        Frequencies [Hz] and PSD [unit^2/Hz].
    """
    from scipy.signal import welch

    sample_interval = _validate.positive("sample_interval", sample_interval, "s")
    arr = np.atleast_2d(np.asarray(signal, dtype=float))
    nperseg = min(_validate.positive_int("segment_length", segment_length, minimum=8), arr.shape[1])
    freqs, psd = welch(arr, fs=1.0 / sample_interval, nperseg=nperseg, axis=-1)
    return freqs, psd.mean(axis=0)


def lorentzian_psd(frequency, correlation_time: float, variance: float):
    r"""One-sided Lorentzian :math:`4\sigma^2\tau_c / (1 + (2\pi f\tau_c)^2)` [unit^2/Hz].

    Parameters
    ----------
    frequency : float or array_like
        Frequencies [Hz].
    correlation_time : float
        :math:`\tau_c` [s].
    variance : float
        Variance of the signal [unit^2].

    Returns
    -------
    float or ndarray
    """
    use("machlup1954")
    tau = _validate.positive("correlation_time", correlation_time, "s")
    var = _validate.non_negative("variance", variance, "unit^2")
    f = np.asarray(frequency, dtype=float)
    return 4.0 * var * tau / (1.0 + (2.0 * np.pi * f * tau) ** 2)
