r"""Convergence diagnostics of several Markov chains: rank-normalised split-:math:`\hat R`, bulk and tail ESS.

Definitions follow Vehtari, Gelman, Simpson, Carpenter & Bürkner, "Rank-normalization, folding,
and localization: an improved :math:`\hat R` for assessing convergence of MCMC", Bayesian
Analysis 16, 667 (2021), doi:10.1214/20-BA1221:

* every chain of N draws is split into its two halves (2M chains of N/2 draws);
* rank normalisation: pooled fractional ranks r (ties averaged) become
  :math:`z = \Phi^{-1}((r - 3/8)/(S + 1/4))` over all S draws;
* :math:`\hat R = \sqrt{(\hat V^+ / W)}` with :math:`\hat V^+ = \tfrac{N-1}{N} W + B/N`,
  W the mean within-chain variance and B/N the variance of the chain means; the reported
  :math:`\hat R` is the larger of the bulk value (z of the draws) and the tail value (z of
  :math:`|x - \mathrm{median}|`);
* :math:`\mathrm{ESS} = S / \hat\tau` with
  :math:`\hat\rho_t = 1 - (W - \overline{\gamma_t}) / \hat V^+` from the chains'
  autocovariances :math:`\gamma_t` (:func:`noisecircuits.analysis.autocorrelation.autocovariances`),
  truncated by Geyer's initial positive sequence and made monotone; bulk ESS uses the z
  values, tail ESS is the smaller ESS of the indicators :math:`x \le q_{0.05}` and
  :math:`x \le q_{0.95}`; the ESS of the mean uses the split draws themselves.

The between-chain term B enters both :math:`\hat R` and every ESS, so chains stuck in different
states give a large :math:`\hat R`, a small ESS and a large standard error
(:func:`summarise_series`). The numbers agree with arviz-stats (the test reference) to
rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from noisecircuits.analysis.autocorrelation import autocovariances, integrated_autocorrelation_time
from noisecircuits.citations import use
from noisecircuits.errors import DataError, ParameterError

__all__ = [
    "R_HAT_MAX",
    "ESS_MIN",
    "split_r_hat",
    "ess_bulk",
    "ess_tail",
    "ess_mean",
    "SeriesSummary",
    "summarise_series",
    "convergence_problems",
]

#: Largest :math:`\hat R` of a converged run (Vehtari et al. 2021, §4) [-].
R_HAT_MAX = 1.01
#: Smallest bulk and tail ESS of a converged run (Vehtari et al. 2021, §4) [-].
ESS_MIN = 400.0

#: Tail probability of the tail ESS [-].
_TAIL = 0.05
#: Fewest draws per chain for the diagnostics.
_MIN_DRAWS = 4


def _chains(series) -> np.ndarray:
    arr = np.asarray(series, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] < _MIN_DRAWS or arr.shape[0] < 1:
        raise DataError(f"draws must be 1-D (n,) or 2-D (chains, n) with n >= {_MIN_DRAWS}, got shape {np.shape(series)}")
    if not np.all(np.isfinite(arr)):
        raise DataError("draws must hold finite numbers only")
    return arr


def _split(arr: np.ndarray) -> np.ndarray:
    """Halves of every chain as separate chains (the middle draw of an odd chain is dropped)."""
    half = arr.shape[1] // 2
    return np.vstack((arr[:, :half], arr[:, -half:]))


def _z_scale(arr: np.ndarray) -> np.ndarray:
    """Rank-normalised values: :math:`\\Phi^{-1}((r - 3/8)/(S + 1/4))`, ties share their mean rank."""
    ranks = stats.rankdata(arr, method="average").reshape(arr.shape)
    return special.ndtri((ranks - 0.375) / (arr.size + 0.25))


def _r_hat(arr: np.ndarray) -> float:
    n = arr.shape[1]
    within = float(np.mean(np.var(arr, axis=1, ddof=1)))
    between = n * float(np.var(arr.mean(axis=1), ddof=1))
    if within <= 0:
        return 1.0 if between <= 0 else float("inf")
    return float(np.sqrt((between / within + n - 1) / n))


def _ess(arr: np.ndarray) -> float:
    """ESS of (chains, n) draws from the multi-chain autocorrelation with Geyer's truncation."""
    if np.ptp(arr) < np.finfo(float).resolution:
        return float(arr.size)
    chains, n = arr.shape
    acov = autocovariances(arr).mean(axis=0)
    mean_var = acov[0] * n / (n - 1.0)
    var_plus = mean_var * (n - 1.0) / n
    if chains > 1:
        var_plus += float(np.var(arr.mean(axis=1), ddof=1))
    rho_all = 1.0 - (mean_var - acov) / var_plus
    rho = np.zeros(n)
    rho[0] = 1.0
    rho[1] = rho_all[1]
    even, odd = 1.0, rho_all[1]
    t = 1
    while t < n - 3 and even + odd > 0.0:  # initial positive sequence of pair sums
        even, odd = rho_all[t + 1], rho_all[t + 2]
        if even + odd >= 0:
            rho[t + 1], rho[t + 2] = even, odd
        t += 2
    last = t - 2
    if even > 0:
        rho[last + 1] = even
    t = 1
    while t <= last - 2:  # initial monotone sequence
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]:
            rho[t + 1] = rho[t + 2] = (rho[t - 1] + rho[t]) / 2.0
        t += 2
    total = chains * n
    tau = -1.0 + 2.0 * float(np.sum(rho[: last + 1])) + float(np.sum(rho[last + 1 : last + 2]))
    return total / max(tau, 1.0 / np.log10(total))


def split_r_hat(draws) -> float:
    """Rank-normalised split-:math:`\\hat R` (the larger of bulk and folded tail) [-].

    Parameters
    ----------
    draws : array_like, shape (chains, n) or (n,)
        Draws of one quantity, chains in rows, n >= 4 [any unit].

    Returns
    -------
    float
        :math:`\\hat R`; 1 for draws that are all equal, inf when every half-chain is constant
        but they differ.
    """
    split = _split(_chains(draws))
    bulk = _r_hat(_z_scale(split))
    tail = _r_hat(_z_scale(np.abs(split - np.median(split))))
    return max(bulk, tail)


def ess_bulk(draws) -> float:
    """Bulk effective sample size: ESS of the rank-normalised split chains [-].

    Parameters
    ----------
    draws : array_like, shape (chains, n) or (n,)
        Draws, chains in rows [any unit].
    """
    return _ess(_z_scale(_split(_chains(draws))))


def ess_tail(draws, probability: float = _TAIL) -> float:
    """Tail effective sample size: the smaller ESS of the indicators of the p and 1-p quantiles [-].

    Parameters
    ----------
    draws : array_like, shape (chains, n) or (n,)
        Draws, chains in rows [any unit].
    probability : float
        Tail probability p, in (0, 0.5] [-].
    """
    if not 0 < probability <= 0.5:
        raise ParameterError(f"tail probability must be in (0, 0.5], got {probability!r}")
    arr = _chains(draws)
    low, high = np.quantile(arr, [probability, 1.0 - probability])
    return min(_ess(_split((arr <= low).astype(float))), _ess(_split((arr <= high).astype(float))))


def ess_mean(draws) -> float:
    """ESS of the mean: the multi-chain ESS of the split draws themselves [-].

    Parameters
    ----------
    draws : array_like, shape (chains, n) or (n,)
        Draws, chains in rows [any unit].
    """
    return _ess(_split(_chains(draws)))


@dataclass(frozen=True)
class SeriesSummary:
    """Mean of correlated draws from one or several chains, with its error and diagnostics.

    Attributes
    ----------
    mean : float
        Mean over all chains and draws [series unit].
    stderr : float
        Standard error of the mean, including the spread between chains [series unit].
    variance : float
        Pooled variance [series unit^2].
    tau_int : float
        Sokal-windowed integrated autocorrelation time, chains pooled [draws].
    n_effective : float
        variance / stderr^2, the independent draws the error corresponds to [-].
    r_hat : float
        Rank-normalised split-:math:`\\hat R` (NaN with fewer than 4 draws per chain) [-].
    ess_bulk, ess_tail : float
        Bulk and tail ESS (NaN with fewer than 4 draws per chain) [-].
    """

    mean: float
    stderr: float
    variance: float
    tau_int: float
    n_effective: float
    r_hat: float = float("nan")
    ess_bulk: float = float("nan")
    ess_tail: float = float("nan")


def summarise_series(series) -> SeriesSummary:
    """Mean, standard error and convergence diagnostics of (chains, n) draws.

    The standard error is the larger of

    * :math:`s / \\sqrt{\\mathrm{ESS}_{mean}}` (s the pooled standard deviation; the
      Monte-Carlo error of Vehtari et al. 2021, whose ESS already shrinks when chains disagree);
    * with two or more chains, the spread of the chain means,
      :math:`\\mathrm{sd}(\\bar x_c)/\\sqrt{C}`, which holds for independent chains however
      badly each one mixes.

    With one draw per chain (n = 1, several chains) the draws are independent; with fewer than
    4 draws per chain the Sokal time alone sets the error and the diagnostics are NaN.

    Parameters
    ----------
    series : array_like, shape (chains, n) or (n,)
        Draws in time order [any unit].

    Returns
    -------
    SeriesSummary
    """
    use("vehtari2021")
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    if x.ndim != 2 or x.size == 0:
        raise DataError(f"series must be 1-D (n,) or 2-D (chains, n) and not empty, got shape {np.shape(series)}")
    if not np.all(np.isfinite(x)):
        raise DataError("series must hold finite numbers only")
    chains, n = x.shape
    mean, var = float(x.mean()), float(x.var())
    if n == 1:
        if chains < 2:
            raise DataError("need at least 2 draws to estimate an error")
        stderr = float(np.sqrt(var / chains))
        return SeriesSummary(mean, stderr, var, 0.5, float(chains))
    tau = integrated_autocorrelation_time(x)
    if n < _MIN_DRAWS:
        n_eff = x.size / (2.0 * tau)
        return SeriesSummary(mean, float(np.sqrt(var / n_eff)), var, tau, float(n_eff))
    sd = float(x.std(ddof=1))
    stderr = sd / np.sqrt(ess_mean(x))
    if chains > 1:
        stderr = max(stderr, float(x.mean(axis=1).std(ddof=1)) / np.sqrt(chains))
    n_eff = var / stderr**2 if stderr > 0 else float(x.size)
    return SeriesSummary(mean, float(stderr), var, tau, float(n_eff), split_r_hat(x), ess_bulk(x), ess_tail(x))


def convergence_problems(summaries: dict, r_hat_max: float = R_HAT_MAX, ess_min: float = ESS_MIN) -> list[str]:
    """What keeps a multi-chain run from being called converged (empty when nothing does).

    Parameters
    ----------
    summaries : dict of str to SeriesSummary
        The watched quantities by name.
    r_hat_max : float
        Largest acceptable :math:`\\hat R`, > 1 [-].
    ess_min : float
        Smallest acceptable bulk and tail ESS, > 0 [-].

    Returns
    -------
    list of str
        One short phrase per failed check, e.g. ``"R-hat 1.22 > 1.01 for energy"``; a NaN
        diagnostic (too few draws) counts as failed.
    """
    if not r_hat_max > 1:
        raise ParameterError(f"the R-hat threshold must be > 1, got {r_hat_max!r}")
    if not ess_min > 0:
        raise ParameterError(f"the ESS threshold must be > 0, got {ess_min!r}")
    problems = []
    for name, s in summaries.items():
        if np.isnan(s.r_hat) or np.isnan(s.ess_bulk) or np.isnan(s.ess_tail):
            problems.append(f"fewer than {_MIN_DRAWS} draws per chain to diagnose {name}")
            continue
        if not s.r_hat <= r_hat_max:
            problems.append(f"R-hat {s.r_hat:.3g} > {r_hat_max:g} for {name}")
        for kind, value in (("bulk", s.ess_bulk), ("tail", s.ess_tail)):
            if not value >= ess_min:
                problems.append(f"{kind} ESS {value:.0f} < {ess_min:g} for {name}")
    return problems
