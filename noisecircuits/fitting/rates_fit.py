r"""Joint maximum-likelihood fit of the two-rate law (:mod:`noisecircuits.fitting.rates`).

One model predicts both read-outs of every point: the counts (binomial in :math:`P(1)`, with
``n_effective`` as the binomial n, as in :mod:`noisecircuits.fitting.pbit`) and the measured
correlation times (Gaussian in :math:`\ln\tau_c` with standard error :math:`\sigma_i =
\mathrm{se}(\tau_i)/\tau_i`):

.. math::

    \ell = \sum_i \Big[k_i \ln P_i + (n_i - k_i)\ln(1-P_i)\Big]
    - \sum_{i\,:\,\tau_i} \Big[\tfrac12 \big(\ln\tau_i - \ln\tau_c(v_i, T_i)\big)^2/\sigma_i^2
    + \ln(\sigma_i\sqrt{2\pi})\Big] + \mathrm{const}.

Both log-rates are linear in their coefficients, so the gradient and the Hessian are exact and
the maximum is found by damped Newton; the covariance is the inverse observed information.
Goodness of fit: the count deviance plus :math:`\sum r_i^2` of the times, chi-square on
N − k degrees of freedom.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from noisecircuits.citations import use
from noisecircuits.constants import BOLTZMANN
from noisecircuits.errors import FitError
from noisecircuits.fitting import rates as _law
from noisecircuits.fitting.result import FitResult

__all__ = ["DEFAULT_TAU_REL_STDERR", "RATE_DEGREES", "fit_pbit_rates_ml", "log_time_likelihood", "time_relative_errors"]

#: Relative standard error of a correlation time when the data give none [-].
DEFAULT_TAU_REL_STDERR = 0.05
#: (bias degree, activation degree) of the two-rate candidates compared by ``form="auto"``.
RATE_DEGREES = ((1, 1), (2, 1), (3, 2), (4, 2), (4, 3), (5, 4))


def log_time_likelihood(log_tau_observed, log_tau_model, rel_stderr):
    """Gaussian log-likelihood of log correlation times and the sum of squared residuals [-]."""
    r = (np.asarray(log_tau_observed) - np.asarray(log_tau_model)) / rel_stderr
    ll = float(np.sum(-0.5 * r * r - np.log(rel_stderr * np.sqrt(2.0 * np.pi))))
    return ll, float(np.sum(r * r))


def time_relative_errors(tau, stderr, default_rel: float) -> np.ndarray:
    """Relative standard error of each correlation time; NaN where the time is not to be fitted [-].

    Parameters
    ----------
    tau : array_like
        Correlation times; NaN or <= 0 where not measured [s].
    stderr : array_like or None
        Their standard errors [s]: a positive value gives ``stderr / tau``; 0 (an exact value) gives
        ``default_rel``; NaN (a time without an error, such as a monostable point's read-out
        autocorrelation time, which is not a switching time) leaves the time out. None: every
        measured time gets ``default_rel``.
    default_rel : float
        Relative standard error of a time without a stated one [-].
    """
    tau = np.asarray(tau, dtype=float)
    measured = np.isfinite(tau) & (tau > 0)
    if stderr is None:
        return np.where(measured, float(default_rel), np.nan)
    se = np.asarray(stderr, dtype=float)
    rel = np.where(se > 0, se / np.where(measured, tau, 1.0), np.where(se == 0, float(default_rel), np.nan))
    return np.where(measured & np.isfinite(rel), rel, np.nan)


class _Likelihood:
    def __init__(self, design, ones, n, log_tau, rel_se):
        self.x, self.k, self.n = design, ones, n
        self.y, self.s = log_tau, rel_se
        self.has_tau = np.isfinite(log_tau)
        self.q = design.shape[1]
        self.constant = float(np.sum(special.gammaln(n + 1) - special.gammaln(ones + 1) - special.gammaln(n - ones + 1)))

    def parts(self, beta):
        e1 = self.x @ beta[: self.q]
        e2 = self.x @ beta[self.q :]
        d = e1 - e2
        ll_counts = float(np.sum(-self.k * np.logaddexp(0.0, -d) - (self.n - self.k) * np.logaddexp(0.0, d))) + self.constant
        m = -np.logaddexp(e1, e2)
        t = self.has_tau
        ll_tau, chi2 = log_time_likelihood(self.y[t], m[t], self.s[t])
        return e1, e2, d, m, ll_counts, ll_tau, chi2

    def __call__(self, beta, free):
        e1, e2, d, m, ll_counts, ll_tau, _ = self.parts(beta)
        p = special.expit(d)
        pq = p * (1.0 - p)
        gd = self.k - self.n * p
        hd = -self.n * pq
        t = self.has_tau
        s2 = np.where(t, self.s, 1.0) ** 2
        r = np.where(t, (np.where(t, self.y, 0.0) - m), 0.0) / s2  # = residual / s^2 (0 without a time)
        w = np.where(t, 1.0 / s2, 0.0)
        g1 = gd - r * p
        g2 = -gd - r * (1.0 - p)
        h11 = hd - w * p * p - r * pq
        h22 = hd - w * (1.0 - p) ** 2 - r * pq
        h12 = -hd - w * pq + r * pq
        x = self.x
        grad = np.concatenate([x.T @ g1, x.T @ g2])
        hess = np.block([[(x.T * h11) @ x, (x.T * h12) @ x], [(x.T * h12) @ x, (x.T * h22) @ x]])
        idx = np.asarray(free)
        return ll_counts + ll_tau, grad[idx], hess[np.ix_(idx, idx)]


def _design(u, f, bias_degree, activation_degree):
    return np.column_stack([u**i for i in range(bias_degree + 1)] + [f * u**j for j in range(activation_degree + 1)])


def _check_monotone_law(beta, q, bias_degree, activation_degree, fixed, bias_range, temperature_range) -> None:
    """Raise FitError unless ln(k01/k10) rises with bias everywhere on the (bias x temperature) rectangle.

    Checked on 401 biases x 9 temperatures: a polynomial law that turns over between or beyond the
    data would give a P(1) that falls with bias somewhere in the cell's validity range.
    """
    v = np.linspace(*bias_range, 401)
    t = np.linspace(*temperature_range, 9)
    vv, tt = np.meshgrid(v, t)
    u = _law.reduced_bias(fixed, vv, tt)
    f = -(1.0 / tt - 1.0 / fixed["t_ref_K"]) * fixed["t_ref_K"]
    design = _design(u.ravel(), f.ravel(), bias_degree, activation_degree)
    logit = (design @ (beta[:q] - beta[q:])).reshape(vv.shape)
    if np.any(np.diff(logit, axis=1) <= 0):
        raise FitError(
            f"the two-rate law of degrees ({bias_degree}, {max(activation_degree, 0)}) makes P(1) fall with bias "
            "somewhere in the fitted range: use a lower degree or more points"
        )


def fit_pbit_rates_ml(data, *, bias_degree: int = 3, activation_degree: int = 2, t_ref: float | None = None,
                      correlation_time_stderr_s=None, correlation_time_rel_stderr: float = DEFAULT_TAU_REL_STDERR):
    r"""Fit the two escape rates jointly to counts and correlation times by maximum likelihood.

    Parameters
    ----------
    data : DataFrame, path or PBitData
        Transfer data with ``correlation_time_s`` at (some of) the points [-].
    bias_degree : int
        Degree of the log-rate polynomials in the reduced bias, 1 to 6 [-].
    activation_degree : int
        Degree of the activation-energy polynomials, 0 to ``bias_degree`` [-].
    t_ref : float, optional
        Reference temperature; default the measured temperature nearest 300 K [K].
    correlation_time_stderr_s : array_like, optional
        Standard error of each point's correlation time (one per row of ``data``) [s].
    correlation_time_rel_stderr : float
        Relative standard error of the times where ``correlation_time_stderr_s`` is not given [-].

    Returns
    -------
    FitResult
        ``form`` ``"two_rate"``; parameters named by :func:`~noisecircuits.fitting.rates.coefficient_names`
        plus the fixed ``rate_bias_center_V`` [V], ``rate_bias_scale_V`` [V], ``t_ref_K`` [K];
        ``details`` hold ``log_likelihood_counts``, ``log_likelihood_times``, the degrees, the
        validity ranges and the source SHA-256.

    Raises
    ------
    FitError
        Fewer points with a correlation time than coefficients of one rate, saturated or
        non-monotone data, a singular information matrix.
    """
    from noisecircuits.fitting.pbit import _maximise, _prepare

    if not (1 <= int(bias_degree) <= 6 and 0 <= int(activation_degree) <= int(bias_degree)):
        raise FitError(f"bias_degree must be 1 to 6 and activation_degree 0 to bias_degree, got {bias_degree}, {activation_degree}")
    bias_degree, activation_degree = int(bias_degree), int(activation_degree)
    data, v, temperature, ones, n = _prepare(data)
    keep = data.n_effective > 0
    if "correlation_time_s" not in data:
        raise FitError("the two-rate law needs correlation_time_s: the data have no correlation times")
    tau = np.asarray(data["correlation_time_s"], dtype=float)[keep]
    se = None
    if correlation_time_stderr_s is not None:
        se = np.asarray(correlation_time_stderr_s, dtype=float)
        if se.shape != keep.shape:
            raise FitError(f"correlation_time_stderr_s must have one value per data row ({keep.size}), got shape {se.shape}")
        se = se[keep]
    rel = time_relative_errors(tau, se, correlation_time_rel_stderr)
    has_tau = np.isfinite(rel)
    log_tau = np.where(has_tau, np.log(np.where(has_tau, tau, 1.0)), np.nan)
    rel = np.where(has_tau, rel, 1.0)
    temps = np.unique(temperature)
    q = bias_degree + 1 + activation_degree + 1
    if temps.size < 2:
        activation_degree = -1
        q = bias_degree + 1
    if np.count_nonzero(has_tau) < q:
        raise FitError(f"the two-rate law of degree {bias_degree} needs at least {q} points with a correlation time, "
                       f"got {np.count_nonzero(has_tau)}")
    if t_ref is None:
        t_ref = float(temps[np.argmin(np.abs(temps - 300.0))])
    lo, hi = float(np.min(v)), float(np.max(v))
    fixed = {"rate_bias_center_V": 0.5 * (lo + hi), "rate_bias_scale_V": 0.5 * (hi - lo) or 1.0, "t_ref_K": float(t_ref)}
    u = _law.reduced_bias(fixed, v, temperature)
    f = -(1.0 / temperature - 1.0 / t_ref) * t_ref  # E / (k_B T_ref) multiplies this
    design = _design(u, f, bias_degree, activation_degree)
    lik = _Likelihood(design, ones, n, log_tau, rel)
    # start: least squares of the per-point log-rates ln(p / tau), ln((1 - p) / tau)
    p = np.clip((ones + 0.5) / (n + 1.0), 1e-6, 1 - 1e-6)
    t = has_tau
    b1, *_ = np.linalg.lstsq(design[t], np.log(p[t]) - log_tau[t], rcond=None)
    b2, *_ = np.linalg.lstsq(design[t], np.log1p(-p[t]) - log_tau[t], rcond=None)
    free = list(range(2 * q))
    beta, ll, _, h = _maximise(lik, np.concatenate([b1, b2]), free, max_iter=500)
    try:
        cov_internal = np.linalg.inv(-h)
    except np.linalg.LinAlgError:
        raise FitError("the two-rate information matrix is singular: the coefficients are not identifiable") from None
    if not np.all(np.isfinite(cov_internal)) or np.any(np.diag(cov_internal) <= 0):
        raise FitError("the two-rate information matrix is not positive definite at the maximum: "
                       "use a lower degree or more points")
    _check_monotone_law(beta, q, bias_degree, activation_degree, fixed, (lo, hi), (float(temps.min()), float(temps.max())))
    _, _, _, _, ll_counts, ll_tau, chi2 = lik.parts(beta)
    names = _law.coefficient_names(bias_degree, max(activation_degree, 0))
    if activation_degree < 0:
        names = [nm for nm in names if "activation" not in nm]
    scale = np.array([BOLTZMANN * t_ref if "activation" in nm else 1.0 for nm in names])
    cov = cov_internal * np.outer(scale, scale)
    cov = 0.5 * (cov + cov.T)
    values = dict(zip(names, (beta * scale).tolist(), strict=True))
    parameters = {**values, **fixed}
    stderr = {nm: float(np.sqrt(cov[i, i])) for i, nm in enumerate(names)}
    stderr.update({k: float("nan") for k in fixed})
    sat = lik_saturated(ones, n) + lik.constant
    deviance = max(0.0, 2.0 * (sat - ll_counts))
    statistic = deviance + chi2
    n_obs = int(v.size + np.count_nonzero(has_tau))
    dof = int(n_obs - 2 * q)
    use("machlup1954", "kramers1940")
    return FitResult(
        parameters=parameters,
        stderr=stderr,
        covariance=cov,
        parameter_names=tuple(names),
        log_likelihood=ll,
        n_points=int(v.size),
        goodness_of_fit={
            "deviance": statistic,
            "dof": dof,
            "p_value": float(stats.chi2.sf(statistic, dof)) if dof > 0 else float("nan"),
        },
        form="two_rate",
        method="joint_ml",
        details={
            "log_likelihood_counts": ll_counts,
            "log_likelihood_times": ll_tau,
            "n_observations": n_obs,
            "bias_degree": bias_degree,
            "activation_degree": max(activation_degree, 0) if activation_degree >= 0 else None,
            "bias_range_V": (lo, hi),
            "temperature_range_K": (float(temps.min()), float(temps.max())),
            "source_sha256": data.sha256,
        },
    )


def lik_saturated(ones, n) -> float:
    """Binomial log-likelihood of the saturated model (without the binomial constant) [-]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, ones / np.where(n > 0, n, 1.0), 0.5)
    return float(np.sum(special.xlogy(ones, p) + special.xlogy(n - ones, 1.0 - p)))
