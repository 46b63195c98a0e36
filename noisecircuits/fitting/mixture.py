r"""Direct maximum-likelihood fit of a continuous (Gaussian-mixture) cell versus its bias.

.. math::

    p(x \mid v) = (1 - w(v))\,\mathcal N(x; \mu_0, \sigma_0^2) + w(v)\,\mathcal N(x; \mu_1, \sigma_1^2),
    \qquad w(v) = F\!\left(\frac{v - v_\mathrm{mid}}{v_\mathrm{width}}\right)

The p-bit that selects the mode sets the weight; the mode positions and spreads are fixed by the
circuit (DESIGN.md, continuous cell). Start: EM on the pooled samples (Dempster, Laird & Rubin
1977); then the joint likelihood is maximised directly (BFGS with the analytic gradient) and the
covariance is the inverse observed information (central differences of the analytic gradient).
Correlated samples: each setting's log-likelihood is weighted by ``n_effective / n``.

A flexible weight law (``weight_degree`` J > 1) bends the sigmoid's argument,
:math:`w = F(z + \sum_{j=2}^{J} c_j z^j)` with :math:`z = (v - v_\mathrm{mid})/v_\mathrm{width}`:
:math:`v_\mathrm{mid}` is still where w = 1/2 and :math:`v_\mathrm{width}` still sets the slope
there, but the two tails may differ, as the weight of a p-bit's asymmetric double well does.
``weight_degree="auto"`` fits J = 1 to :data:`MAX_WEIGHT_DEGREE` and keeps the smallest AICc.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from noisecircuits.citations import use
from noisecircuits.errors import FitError
from noisecircuits.fitting._forms import check_form, cdf, inverse_cdf
from noisecircuits.fitting.result import FitResult

__all__ = ["fit_continuous_mixture_ml", "MIXTURE_PARAMETER_NAMES", "MAX_WEIGHT_DEGREE", "weight_argument"]

#: Highest power of z a ``weight_degree="auto"`` fit tries [-].
MAX_WEIGHT_DEGREE = 4


def weight_argument(z, powers=()):
    r""":math:`z + \sum_j c_j z^j` (j = 2, 3, ...) and its derivative in z, for ``powers`` :math:`c_2, c_3, ...` [-]."""
    z = np.asarray(z, dtype=float)
    eta, slope = z.copy(), np.ones_like(z)
    for j, c in enumerate(powers, start=2):
        eta = eta + c * z**j
        slope = slope + j * c * z ** (j - 1)
    return eta, slope

MIXTURE_PARAMETER_NAMES = ("weight_v_mid_V", "weight_v_width_V", "mean_zero_V", "mean_one_V", "std_zero_V", "std_one_V")
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def _em_two_gaussians(x, iterations=200):
    """Means and stds (sorted by mean) of a two-component mixture of pooled samples by EM."""
    lo, hi = np.quantile(x, [0.25, 0.75])
    mu = np.array([lo, hi])
    sd = np.full(2, max(np.std(x) / 2.0, 1e-12))
    w = np.array([0.5, 0.5])
    for _ in range(iterations):
        logf = -0.5 * ((x[:, None] - mu) / sd) ** 2 - np.log(sd) + np.log(w)
        logf -= logf.max(axis=1, keepdims=True)
        r = np.exp(logf)
        r /= r.sum(axis=1, keepdims=True)
        nk = r.sum(axis=0) + 1e-300
        w = nk / x.size
        mu = (r * x[:, None]).sum(axis=0) / nk
        sd = np.sqrt(np.maximum((r * (x[:, None] - mu) ** 2).sum(axis=0) / nk, 1e-24))
    order = np.argsort(mu)
    return mu[order], sd[order]


class _MixtureLikelihood:
    def __init__(self, v, x, weight, form):
        self.v, self.x, self.weight, self.form = v, x, weight, form

    def __call__(self, u):
        """Negative log-likelihood and its gradient in u = (v_mid, ln width, mu0, mu1, ln s0, ln s1, c_2, ...)."""
        m, ls, mu0, mu1, ls0, ls1 = u[:6]
        powers = u[6:]
        s, s0, s1 = np.exp(ls), np.exp(ls0), np.exp(ls1)
        z = (self.v - m) / s
        eta, deta = weight_argument(z, powers)
        w = np.clip(cdf(self.form, eta), 1e-300, 1.0 - 1e-16)
        dw = w * (1.0 - w) if self.form == "logistic" else np.exp(-0.5 * eta * eta - _LOG_SQRT_2PI)
        e0 = (self.x - mu0) / s0
        e1 = (self.x - mu1) / s1
        log0 = np.log1p(-w) - 0.5 * e0 * e0 - ls0 - _LOG_SQRT_2PI
        log1 = np.log(w) - 0.5 * e1 * e1 - ls1 - _LOG_SQRT_2PI
        top = np.maximum(log0, log1)
        logmix = top + np.log(np.exp(log0 - top) + np.exp(log1 - top))
        r1 = np.exp(log1 - logmix)
        r0 = 1.0 - r1
        c = self.weight
        dl_dw = r1 / w - r0 / (1.0 - w)
        dz = dl_dw * dw
        grad = np.array(
            [
                np.sum(c * dz * deta * (-1.0 / s)),
                np.sum(c * dz * deta * (-z)),
                np.sum(c * r0 * e0 / s0),
                np.sum(c * r1 * e1 / s1),
                np.sum(c * r0 * (e0 * e0 - 1.0)),
                np.sum(c * r1 * (e1 * e1 - 1.0)),
            ]
            + [np.sum(c * dz * z**j) for j in range(2, 2 + len(powers))]
        )
        return -float(np.sum(c * logmix)), -grad


def _hessian(lik, u):
    """Symmetrised central differences of the analytic gradient [per unit of u squared]."""
    step = 1e-5 * np.maximum(1.0, np.abs(u))
    hess = np.empty((u.size, u.size))
    for i in range(u.size):
        du = np.zeros(u.size)
        du[i] = step[i]
        hess[:, i] = (lik(u + du)[1] - lik(u - du)[1]) / (2.0 * step[i])
    return 0.5 * (hess + hess.T)


def fit_continuous_mixture_ml(v_bias, samples, *, n_effective=None, form: str = "logistic",
                              weight_degree=1) -> FitResult:
    """Fit the two-component Gaussian mixture with a bias-controlled weight.

    Parameters
    ----------
    v_bias : array_like, shape (M,)
        Bias voltage of each setting [V].
    samples : sequence of array_like
        Output-voltage samples at each setting [V].
    n_effective : array_like, shape (M,), optional
        Effective number of independent samples per setting (log-likelihood weights) [-].
    form : {"logistic", "probit"}
        Sigmoid of the weight law [-].
    weight_degree : int or "auto"
        Highest power J of z in the weight law's argument, 1 (the plain sigmoid) to
        :data:`MAX_WEIGHT_DEGREE`, or ``"auto"`` for the smallest AICc [-].

    Returns
    -------
    FitResult
        ``weight_v_mid_V`` [V], ``weight_v_width_V`` [V], ``mean_zero_V`` [V], ``mean_one_V`` [V],
        ``std_zero_V`` [V], ``std_one_V`` [V], and for J > 1 ``weight_power_2`` ... [-]; mode 0
        is the one with the lower mean; ``details["weight_degree"]`` = J.
    """
    check_form(form)
    if isinstance(weight_degree, str) and weight_degree == "auto":
        fits, aicc = {}, {}
        n_obs = int(sum(np.asarray(s).size for s in samples))
        for j in range(1, MAX_WEIGHT_DEGREE + 1):
            try:
                fits[j] = fit_continuous_mixture_ml(v_bias, samples, n_effective=n_effective, form=form, weight_degree=j)
            except FitError:
                if j == 1:
                    raise
                continue
            k = len(fits[j].parameter_names)
            aicc[j] = 2 * k - 2 * fits[j].log_likelihood + 2 * k * (k + 1) / max(n_obs - k - 1, 1)
        use("hurvich1989")
        best = min(aicc, key=aicc.get)
        fits[best].details["aicc"] = {str(j): float(a) for j, a in aicc.items()}
        return fits[best]
    if isinstance(weight_degree, bool) or not isinstance(weight_degree, (int, np.integer)) or \
            not 1 <= int(weight_degree) <= MAX_WEIGHT_DEGREE:
        raise FitError(f"weight_degree must be 1 to {MAX_WEIGHT_DEGREE} or 'auto', got {weight_degree!r}")
    n_powers = int(weight_degree) - 1
    v = np.asarray(v_bias, dtype=float)
    if v.ndim != 1 or len(samples) != v.size or v.size < 2:
        raise FitError("v_bias must be a 1-D array with one entry per sample set, at two or more settings")
    xs = [np.asarray(s, dtype=float).ravel() for s in samples]
    if any(s.size < 2 for s in xs) or not all(np.all(np.isfinite(s)) for s in xs) or not np.all(np.isfinite(v)):
        raise FitError("every setting needs at least two finite samples and a finite v_bias")
    if np.unique(v).size < 2:
        raise FitError("need at least two distinct v_bias values to fit the weight law")
    counts = np.array([s.size for s in xs], dtype=float)
    scale = np.ones_like(counts)
    if n_effective is not None:
        n_eff = np.asarray(n_effective, dtype=float)
        if n_eff.shape != counts.shape or np.any(~np.isfinite(n_eff)) or np.any(n_eff <= 0):
            raise FitError(f"n_effective must be {counts.size} finite numbers > 0")
        scale = n_eff / counts
    x = np.concatenate(xs)
    vv = np.repeat(v, counts.astype(int))
    weight = np.repeat(scale, counts.astype(int))
    mu, sd = _em_two_gaussians(x)
    if mu[1] - mu[0] < 2.0 * max(sd):
        raise FitError("the samples do not separate into two modes (mode distance below twice the mode width)")
    split = 0.5 * (mu[0] + mu[1])
    frac = np.array([(np.count_nonzero(s > split) + 0.5) / (s.size + 1.0) for s in xs])
    y = inverse_cdf(form, frac)
    slope, intercept = np.polyfit(v, y, 1)
    if slope <= 0:
        raise FitError("the weight of the upper mode does not increase with v_bias")
    use("dempster1977")
    u0 = np.array([-intercept / slope, -np.log(slope), mu[0], mu[1], np.log(sd[0]), np.log(sd[1])] + [0.0] * n_powers)
    lik = _MixtureLikelihood(vv, x, weight, form)
    res = optimize.minimize(lik, u0, jac=True, method="BFGS", options={"gtol": 1e-8, "maxiter": 2000})
    u = res.x
    if n_powers:
        # polish with Newton steps on the numerical Hessian: BFGS stalls on the powers' curvature
        for _ in range(20):
            _, g = lik(u)
            hess = _hessian(lik, u)
            try:
                step = np.linalg.solve(hess, g)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)):
                break
            u = u - step
            if float(g @ step) < 1e-12:
                break
        z = (np.linspace(v.min(), v.max(), 401) - u[0]) / np.exp(u[1])
        if np.any(weight_argument(z, u[6:])[1] <= 0):
            raise FitError(f"the weight law of degree {weight_degree} falls with v_bias somewhere in the fitted range: "
                           "use a lower degree")
    _, g = lik(u)
    hess = _hessian(lik, u)
    try:
        cov_internal = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        raise FitError("the mixture information matrix is singular") from None
    if np.any(np.diag(cov_internal) <= 0) or not np.all(np.isfinite(cov_internal)):
        raise FitError("the mixture fit did not reach a maximum (information not positive definite)")
    decrement = float(g @ cov_internal @ g)
    if decrement > 1e-6:
        raise FitError(f"the mixture fit did not converge (Newton decrement {decrement:.3g} of the log-likelihood)")
    jac = np.array([1.0, np.exp(u[1]), 1.0, 1.0, np.exp(u[4]), np.exp(u[5])] + [1.0] * n_powers)
    cov = cov_internal * np.outer(jac, jac)
    values = [u[0], np.exp(u[1]), u[2], u[3], np.exp(u[4]), np.exp(u[5])] + list(u[6:])
    names = MIXTURE_PARAMETER_NAMES + tuple(f"weight_power_{j}" for j in range(2, 2 + n_powers))
    parameters = dict(zip(names, [float(a) for a in values], strict=True))
    stderr = dict(zip(names, np.sqrt(np.diag(cov)).tolist(), strict=True))
    return FitResult(
        parameters=parameters,
        stderr=stderr,
        covariance=cov,
        parameter_names=names,
        log_likelihood=-float(res.fun),
        n_points=int(v.size),
        goodness_of_fit={"newton_decrement": decrement},
        form=form,
        method="mixture_ml",
        details={"bias_range_V": [float(v.min()), float(v.max())], "n_samples": int(x.size),
                 "weight_degree": n_powers + 1},
    )
