r"""The two-rate law in the mid-point frame, fitted by maximum likelihood.

The law is that of :mod:`noisecircuits.fitting.rates` with its bias frame fitted instead of fixed:

.. math::

    \ln k_{01} = \lambda(T) + \sum_{n=1}^{d} (a_n + a_n'\theta)\,u^n,\qquad
    \ln k_{10} = \lambda(T) + \sum_{n=1}^{d} (b_n + b_n'\theta)\,u^n,\qquad
    u = \frac{v - v_\mathrm{mid}(T)}{v_\mathrm{width}(T)},

with :math:`\theta = T_\mathrm{ref}/T - 1`, :math:`\lambda(T) = \lambda_0 + \varepsilon_0\theta +
\kappa\theta^2 = -\ln 2\tau_\mathrm{mid}(T)`, :math:`b_1 = a_1 - 1` and :math:`b_1' = a_1'`. So
:math:`\ln(k_{01}/k_{10}) = u + O(u^2)`: :math:`v_\mathrm{mid}(T)` is where P(1) = 1/2,
:math:`v_\mathrm{width}(T)` the logistic-equivalent width there and :math:`\tau_\mathrm{mid}(T)`
the correlation time there, each a smooth function of temperature,

.. math::

    v_\mathrm{mid}(T) = v_0 + v_1\Delta T + \tfrac12 v_2\Delta T^2,\qquad
    \ln v_\mathrm{width}(T) = \ln w_0 + \gamma\ell + \gamma_2\ell^2,

(:math:`\Delta T = T - T_\mathrm{ref}`, :math:`\ell = \ln(T/T_\mathrm{ref})`), while the shape of
the two log-rates against the tilt, in units of the width, changes only linearly in
:math:`\theta`. The fixed-frame law instead scales the bias by :math:`T_\mathrm{ref}/T` about a
fixed centre and is Arrhenius in 1/T at every bias: right for a latch with a fixed supply and a
barrier of a few kT, wrong for a fF latch on a supply proportional to temperature, whose barrier
(about 1 kT) first grows and then shrinks across 280-320 K (docs/fitting.md "The mid-point frame").

With a temperature degree of 2 (three or more temperatures) every frame function is quadratic;
with 1 (two temperatures) linear (:math:`v_2 = \gamma_2 = \kappa = 0`); with 0 (one temperature)
the frame is the one temperature's (:math:`v_1 = 0`, :math:`\gamma = 1`, :math:`\varepsilon_0 =
0`, no :math:`a_n'`, :math:`b_n'`).

The likelihood is that of :mod:`noisecircuits.fitting.rates_fit` (binomial counts with
``n_effective``, Gaussian log correlation times); the model is not linear in the frame, so the
maximum is found by quasi-Newton (scipy.optimize) from a start read off each temperature's
data, and the covariance is the inverse of the observed information, a central-difference
Hessian of the log-likelihood at the maximum.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

from noisecircuits.citations import use
from noisecircuits.constants import BOLTZMANN
from noisecircuits.errors import FitError
from noisecircuits.fitting import rates as _law
from noisecircuits.fitting.rates_fit import DEFAULT_TAU_REL_STDERR, lik_saturated, log_time_likelihood, time_relative_errors
from noisecircuits.fitting.result import FitResult

__all__ = ["MIDPOINT_SHAPE_DEGREES", "fit_pbit_rates_midpoint_ml"]

#: Shape degrees d of the mid-point candidates compared by ``form="auto"``.
MIDPOINT_SHAPE_DEGREES = (2, 3, 4)
# frame coordinates: v_mid offset in start widths, its slope per 10 K and curvature per (10 K)^2 in start
# widths, ln width, gamma, gamma_2
_FRAME = 6


class _Model:
    """The map from the internal vector to the law's log-rates and document parameters."""

    def __init__(self, degree, temperature_degree, t_ref, v_start, w_start):
        self.d, self.td = degree, temperature_degree
        self.t_ref, self.v0, self.w0 = t_ref, v_start, w_start
        self.shape_t = temperature_degree >= 1
        common = {0: 1, 1: 2, 2: 3}[temperature_degree]
        shape = 1 + 2 * (degree - 1)
        self.sizes = (_FRAME, common, shape, shape if self.shape_t else 0)
        self.size = sum(self.sizes)
        # frame coordinates that the temperature degree leaves fixed: (index, value)
        self.fixed = {0: ((1, 0.0), (2, 0.0), (4, 1.0), (5, 0.0)), 1: ((2, 0.0), (5, 0.0)), 2: ()}[temperature_degree]

    def free(self):
        fixed = {i for i, _ in self.fixed}
        return np.array([i for i in range(self.size) if i not in fixed])

    def full(self, x_free):
        x = np.zeros(self.size)
        x[self.free()] = x_free
        for i, value in self.fixed:
            x[i] = value
        return x

    def parameters(self, x) -> dict:
        """The law's parameters (document names, coefficient lists) of the full internal vector ``x``."""
        d, t_ref = self.d, self.t_ref
        f, rest = x[:_FRAME], x[_FRAME:]
        common, rest = rest[: self.sizes[1]], rest[self.sizes[1]:]
        shape, shape_t = rest[: self.sizes[2]], rest[self.sizes[2]:]
        lam = common[0]
        eps = common[1] if common.size > 1 else 0.0
        kappa = common[2] if common.size > 2 else 0.0
        a = np.concatenate([[shape[0]], shape[1:d]])
        b = np.concatenate([[shape[0] - 1.0], shape[d:]])
        ap = np.concatenate([[shape_t[0]], shape_t[1:d]]) if self.shape_t else np.zeros(d)
        bp = np.concatenate([[shape_t[0]], shape_t[d:]]) if self.shape_t else np.zeros(d)
        to_energy = -BOLTZMANN * t_ref  # E = -eps k_B T_ref: -E/k_B (1/T - 1/T_ref) = eps theta
        return {
            "rate_bias_center_V": self.v0 + self.w0 * f[0],
            "rate_bias_scale_V": float(self.w0 * np.exp(f[3])),
            "t_ref_K": t_ref,
            "rate_bias_center_dT_V_per_K": self.w0 * f[1] / 10.0,
            "rate_bias_center_d2T_V_per_K2": self.w0 * f[2] / 50.0,
            "rate_bias_scale_exponent": f[4],
            "rate_bias_scale_curvature": f[5],
            "k01_log_rate": [lam, *a.tolist()],
            "k10_log_rate": [lam, *b.tolist()],
            "k01_activation_energy_J": [to_energy * eps, *(to_energy * ap).tolist()],
            "k10_activation_energy_J": [to_energy * eps, *(to_energy * bp).tolist()],
            "k01_log_rate_curvature": kappa,
            "k10_log_rate_curvature": kappa,
        }


def _flat(parameters: dict) -> dict:
    out = {}
    for key, value in parameters.items():
        if isinstance(value, list):
            out.update({f"{key}_{i}": float(c) for i, c in enumerate(value)})
        else:
            out[key] = float(value)
    return out


def _start(model: _Model, v, temperature, ones, n, log_tau) -> np.ndarray:
    """Internal start vector from each temperature's logistic regression and its longest time."""
    t_ref = model.t_ref
    temps, mids, log_widths, lams = [], [], [], []
    for t in np.unique(temperature):
        sel = temperature == t
        if np.unique(v[sel]).size < 2:
            continue
        p = (ones[sel] + 0.5) / (n[sel] + 1.0)
        slope, intercept = np.polyfit(v[sel], special.logit(p), 1, w=np.sqrt(n[sel] * p * (1.0 - p)))
        if slope <= 0:
            raise FitError(f"P(1) does not increase with v_bias_V at {t:g} K; a p-bit transfer curve must rise")
        timed = sel & np.isfinite(log_tau)
        temps.append(t)
        mids.append(-intercept / slope)
        log_widths.append(-np.log(slope))
        lams.append(-np.log(2.0) - (np.max(log_tau[timed]) if np.any(timed) else np.nanmax(log_tau)))
    temps, mids, log_widths, lams = map(np.asarray, (temps, mids, log_widths, lams))
    deg = min(model.td, temps.size - 1)
    vm = np.polyfit(temps - t_ref, mids, deg)[::-1] if deg > 0 else np.array([mids.mean()])
    lw = np.polyfit(np.log(temps / t_ref), log_widths, deg)[::-1] if deg > 0 else np.array([log_widths.mean()])
    lm = np.polyfit(t_ref / temps - 1.0, lams, deg)[::-1] if deg > 0 else np.array([lams.mean()])
    x = np.zeros(model.size)
    x[0] = (vm[0] - model.v0) / model.w0
    if deg >= 1:
        x[1], x[4] = vm[1] * 10.0 / model.w0, lw[1]
    else:
        x[4] = 1.0
    if deg >= 2:
        x[2], x[5] = vm[2] * 2.0 * 50.0 / model.w0, lw[2]
    x[3] = lw[0] - np.log(model.w0)
    common = lm[: model.sizes[1]]
    x[_FRAME: _FRAME + common.size] = common
    x[_FRAME + model.sizes[1]] = 0.5  # a_1: the tilt splits evenly between the two barriers
    return x


def _check_monotone(parameters, bias_range, temperature_range, degree) -> None:
    v = np.linspace(*bias_range, 401)
    t = np.linspace(*temperature_range, 9)
    vv, tt = np.meshgrid(v, t)
    logit = _law.logit_p_one(parameters, vv, tt)
    if np.any(np.diff(logit, axis=1) <= 0):
        raise FitError(f"the mid-point two-rate law of shape degree {degree} makes P(1) fall with bias somewhere in the "
                       "fitted range: use a lower degree or more points")


def _hessian(function, x, steps) -> np.ndarray:
    """Central-difference Hessian of a scalar ``function`` at ``x`` with per-coordinate ``steps``."""
    k = x.size
    h = np.zeros((k, k))
    f0 = function(x)
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = steps[i]
        h[i, i] = (function(x + ei) - 2.0 * f0 + function(x - ei)) / steps[i] ** 2
        for j in range(i):
            ej = np.zeros(k)
            ej[j] = steps[j]
            h[i, j] = h[j, i] = (function(x + ei + ej) - function(x + ei - ej) - function(x - ei + ej)
                                 + function(x - ei - ej)) / (4.0 * steps[i] * steps[j])
    return h


def fit_pbit_rates_midpoint_ml(data, *, shape_degree: int = 3, temperature_degree: int | None = None,
                               t_ref: float | None = None, correlation_time_stderr_s=None,
                               correlation_time_rel_stderr: float = DEFAULT_TAU_REL_STDERR) -> FitResult:
    r"""Fit the two-rate law in the mid-point frame to counts and correlation times by maximum likelihood.

    Parameters
    ----------
    data : DataFrame, path or PBitData
        Transfer data with ``correlation_time_s`` at (some of) the points [-].
    shape_degree : int
        Degree d of the log-rate polynomials in the reduced bias, 1 to 5 [-].
    temperature_degree : int, optional
        Degree of the frame's temperature functions, 0 to 2; default the number of measured
        temperatures less one, at most 2 [-].
    t_ref : float, optional
        Reference temperature; default the measured temperature nearest 300 K [K].
    correlation_time_stderr_s : array_like, optional
        Standard error of each point's correlation time (one per row of ``data``) [s].
    correlation_time_rel_stderr : float
        Relative standard error of the times where ``correlation_time_stderr_s`` is not given [-].

    Returns
    -------
    FitResult
        ``form`` ``"two_rate"``, ``method`` ``"joint_ml_midpoint"``; parameters named as in
        :mod:`noisecircuits.fitting.rates` (flat coefficient names plus the frame scalars), the
        covariance over all of them (singular: the shared terms are equal); ``details`` as
        :func:`~noisecircuits.fitting.rates_fit.fit_pbit_rates_ml` plus ``shape_degree`` and
        ``temperature_degree``.

    Raises
    ------
    FitError
        Too few points with a correlation time, data that do not rise with bias, a maximum that
        is not one (information matrix not positive definite), or a law that falls with bias.
    """
    from noisecircuits.fitting.pbit import _prepare

    if isinstance(shape_degree, bool) or not isinstance(shape_degree, (int, np.integer)) or not 1 <= shape_degree <= 5:
        raise FitError(f"shape_degree must be an integer from 1 to 5, got {shape_degree!r}")
    data, v, temperature, ones, n = _prepare(data)
    if "correlation_time_s" not in data:
        raise FitError("the two-rate law needs correlation_time_s: the data have no correlation times")
    keep = data.n_effective > 0
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
    temps = np.unique(temperature)
    most = min(2, temps.size - 1)
    td = most if temperature_degree is None else int(temperature_degree)
    if not 0 <= td <= most:
        raise FitError(f"temperature_degree must be 0 to {most} for data at {temps.size} temperature(s), got {temperature_degree!r}")
    if t_ref is None:
        t_ref = float(temps[np.argmin(np.abs(temps - 300.0))])
    lo, hi = float(np.min(v)), float(np.max(v))
    model = _Model(int(shape_degree), td, float(t_ref), 0.5 * (lo + hi), 0.25 * (hi - lo) or 1e-3)
    free = model.free()
    if np.count_nonzero(has_tau) + v.size <= free.size:
        raise FitError(f"the mid-point two-rate law of degree {shape_degree} has {free.size} coefficients: "
                       f"too many for {v.size} points and {np.count_nonzero(has_tau)} correlation times")
    rel_t, y_t = rel[has_tau], log_tau[has_tau]
    constant = float(np.sum(special.gammaln(n + 1) - special.gammaln(ones + 1) - special.gammaln(n - ones + 1)))

    def parts(x_free):
        law = model.parameters(model.full(x_free))
        with np.errstate(all="ignore"):
            e1, e2 = _law.log_rates(law, v, temperature)
        d = e1 - e2
        ll_counts = float(np.sum(-ones * np.logaddexp(0.0, -d) - (n - ones) * np.logaddexp(0.0, d))) + constant
        ll_tau, chi2 = log_time_likelihood(y_t, -np.logaddexp(e1, e2)[has_tau], rel_t)
        return ll_counts, ll_tau, chi2, law

    def objective(x_free):
        ll_counts, ll_tau, _, _ = parts(x_free)
        total = ll_counts + ll_tau
        return -total if np.isfinite(total) else 1e300

    x0 = _start(model, v, temperature, ones, n, log_tau)[free]
    best = None
    for method, options in (("BFGS", {"maxiter": 4000, "gtol": 1e-7}), ("Nelder-Mead", {"maxiter": 40000, "maxfev": 40000,
                                                                                          "xatol": 1e-9, "fatol": 1e-10}),
                            ("BFGS", {"maxiter": 4000, "gtol": 1e-8})):
        result = optimize.minimize(objective, x0 if best is None else best.x, method=method, options=options)
        if best is None or result.fun <= best.fun:
            best = result
    x = best.x
    if not np.isfinite(best.fun) or best.fun >= 1e300:
        raise FitError("the mid-point two-rate fit found no finite likelihood: the data do not look like a p-bit")
    info = _hessian(objective, x, 1e-4 * np.maximum(1.0, np.abs(x)))
    try:
        cov_internal = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise FitError("the mid-point two-rate information matrix is singular: the coefficients are not identifiable") from None
    if not np.all(np.isfinite(cov_internal)) or np.any(np.diag(cov_internal) <= 0) or \
            np.min(np.linalg.eigvalsh(0.5 * (info + info.T))) <= 0:
        raise FitError("the mid-point two-rate information matrix is not positive definite at the maximum: "
                       "use a lower degree or more points")
    ll_counts, ll_tau, chi2, law = parts(x)
    _check_monotone(law, (lo, hi), (float(temps.min()), float(temps.max())), shape_degree)
    flat = _flat(law)
    names = tuple(k for k in flat if k != "t_ref_K")
    # document parameters are linear in the internal ones except rate_bias_scale_V = w0 e^x3: central differences
    jac = np.zeros((len(names), free.size))
    for j in range(free.size):
        step = np.zeros(free.size)
        step[j] = 1e-6
        up, down = _flat(model.parameters(model.full(x + step))), _flat(model.parameters(model.full(x - step)))
        jac[:, j] = [(up[k] - down[k]) / 2e-6 for k in names]
    cov = jac @ cov_internal @ jac.T
    cov = 0.5 * (cov + cov.T)
    stderr = {k: float(np.sqrt(max(cov[i, i], 0.0))) for i, k in enumerate(names)}
    stderr["t_ref_K"] = float("nan")
    deviance = max(0.0, 2.0 * (lik_saturated(ones, n) + constant - ll_counts))
    n_obs = int(v.size + np.count_nonzero(has_tau))
    dof = int(n_obs - free.size)
    use("machlup1954", "kramers1940")
    return FitResult(
        parameters=flat,
        stderr=stderr,
        covariance=cov,
        parameter_names=names,
        log_likelihood=ll_counts + ll_tau,
        n_points=int(v.size),
        goodness_of_fit={"deviance": deviance + chi2, "dof": dof,
                         "p_value": float(stats.chi2.sf(deviance + chi2, dof)) if dof > 0 else float("nan")},
        form="two_rate",
        method="joint_ml_midpoint",
        details={
            "log_likelihood_counts": ll_counts,
            "log_likelihood_times": ll_tau,
            "n_observations": n_obs,
            "n_coefficients": int(free.size),
            "shape_degree": int(shape_degree),
            "temperature_degree": td,
            "bias_range_V": (lo, hi),
            "temperature_range_K": (float(temps.min()), float(temps.max())),
            "source_sha256": data.sha256,
        },
    )
