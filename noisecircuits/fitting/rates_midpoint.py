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
maximum is found by quasi-Newton (scipy.optimize BFGS with the exact gradient) from a start read
off each temperature's data, and the covariance is the inverse of the observed information,
central differences of the exact gradient at the maximum.
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

    def _split(self, x):
        d = self.d
        f, rest = x[:_FRAME], x[_FRAME:]
        common, rest = rest[: self.sizes[1]], rest[self.sizes[1]:]
        shape, shape_t = rest[: self.sizes[2]], rest[self.sizes[2]:]
        a = np.concatenate([[shape[0]], shape[1:d]])
        b = np.concatenate([[shape[0] - 1.0], shape[d:]])
        ap = np.concatenate([[shape_t[0]], shape_t[1:d]]) if self.shape_t else np.zeros(d)
        bp = np.concatenate([[shape_t[0]], shape_t[d:]]) if self.shape_t else np.zeros(d)
        return f, common, a, b, ap, bp

    def log_rates(self, x, v, temperature, jacobian=False):
        """ln k01, ln k10 at every point [ln(1/s)] and, with ``jacobian``, their derivatives by ``x`` (N x size)."""
        d = self.d
        f, common, a, b, ap, bp = self._split(x)
        dt = temperature - self.t_ref
        ell = np.log(temperature / self.t_ref)
        theta = self.t_ref / temperature - 1.0
        centre = self.v0 + self.w0 * (f[0] + f[1] * dt / 10.0 + f[2] * dt * dt / 100.0)
        scale = self.w0 * np.exp(f[3] + f[4] * ell + f[5] * ell * ell)
        u = (v - centre) / scale
        powers = u[:, None] ** np.arange(d + 1)[None, :]  # u^0 .. u^d
        base = sum(c * theta**j for j, c in enumerate(common))
        c01 = a[None, :] + ap[None, :] * theta[:, None]  # coefficient of u^n, n = 1..d
        c10 = b[None, :] + bp[None, :] * theta[:, None]
        e1 = base + np.sum(c01 * powers[:, 1:], axis=1)
        e2 = base + np.sum(c10 * powers[:, 1:], axis=1)
        if not jacobian:
            return e1, e2
        n = np.arange(1, d + 1)
        de1_du = np.sum(n * c01 * powers[:, :-1], axis=1)
        de2_du = np.sum(n * c10 * powers[:, :-1], axis=1)
        du = np.column_stack([-self.w0 / scale, -self.w0 * dt / 10.0 / scale, -self.w0 * dt * dt / 100.0 / scale,
                              -u, -u * ell, -u * ell * ell])
        j1 = np.zeros((v.size, self.size))
        j2 = np.zeros((v.size, self.size))
        j1[:, :_FRAME] = de1_du[:, None] * du
        j2[:, :_FRAME] = de2_du[:, None] * du
        i = _FRAME
        for j in range(common.size):
            j1[:, i + j] = j2[:, i + j] = theta**j
        i += common.size
        j1[:, i] = j2[:, i] = powers[:, 1]  # a_1 (b_1 = a_1 - 1)
        j1[:, i + 1: i + d] = powers[:, 2:]  # a_2 .. a_d
        j2[:, i + d: i + 2 * d - 1] = powers[:, 2:]  # b_2 .. b_d
        if self.shape_t:
            i += 2 * d - 1
            j1[:, i] = j2[:, i] = theta * powers[:, 1]
            j1[:, i + 1: i + d] = theta[:, None] * powers[:, 2:]
            j2[:, i + d: i + 2 * d - 1] = theta[:, None] * powers[:, 2:]
        return e1, e2, j1, j2

    def parameters(self, x) -> dict:
        """The law's parameters (document names, coefficient lists) of the full internal vector ``x``."""
        t_ref = self.t_ref
        f, common, a, b, ap, bp = self._split(x)
        lam = common[0]
        eps = common[1] if common.size > 1 else 0.0
        kappa = common[2] if common.size > 2 else 0.0
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

    def parts(x_free, jacobian=False):
        with np.errstate(all="ignore"):
            out = model.log_rates(model.full(x_free), v, temperature, jacobian=jacobian)
        e1, e2 = out[:2]
        d = e1 - e2
        ll_counts = float(np.sum(-ones * np.logaddexp(0.0, -d) - (n - ones) * np.logaddexp(0.0, d))) + constant
        m = -np.logaddexp(e1, e2)
        ll_tau, chi2 = log_time_likelihood(y_t, m[has_tau], rel_t)
        if not jacobian:
            return ll_counts, ll_tau, chi2
        p = special.expit(d)
        r = np.zeros(v.size)
        r[has_tau] = (y_t - m[has_tau]) / rel_t**2
        g_counts = ones - n * p
        gradient = out[2].T @ (g_counts - r * p) + out[3].T @ (-g_counts - r * (1.0 - p))
        return ll_counts, ll_tau, chi2, gradient[free]

    def objective(x_free):
        ll_counts, ll_tau, _, gradient = parts(x_free, jacobian=True)
        total = ll_counts + ll_tau
        if not (np.isfinite(total) and np.all(np.isfinite(gradient))):
            return 1e300, np.zeros_like(x_free)
        return -total, -gradient

    x0 = _start(model, v, temperature, ones, n, log_tau)[free]
    best = None
    for attempt in range(3):  # quasi-Newton restarts from the last point reset its curvature estimate
        result = optimize.minimize(objective, x0 if best is None else best.x, jac=True, method="BFGS",
                                   options={"maxiter": 2000, "gtol": 1e-6})
        if best is not None and best.fun - result.fun < 1e-9:
            best = result if result.fun < best.fun else best
            break
        best = result
    x = best.x
    if not np.isfinite(best.fun) or best.fun >= 1e300:
        raise FitError("the mid-point two-rate fit found no finite likelihood: the data do not look like a p-bit")
    steps = 1e-5 * np.maximum(1.0, np.abs(x))
    info = np.zeros((x.size, x.size))
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = steps[j]
        info[:, j] = (objective(x + e)[1] - objective(x - e)[1]) / (2.0 * steps[j])
    info = 0.5 * (info + info.T)
    try:
        cov_internal = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise FitError("the mid-point two-rate information matrix is singular: the coefficients are not identifiable") from None
    if not np.all(np.isfinite(cov_internal)) or np.any(np.diag(cov_internal) <= 0) or np.min(np.linalg.eigvalsh(info)) <= 0:
        raise FitError("the mid-point two-rate information matrix is not positive definite at the maximum: "
                       "use a lower degree or more points")
    ll_counts, ll_tau, chi2 = parts(x)
    law = model.parameters(model.full(x))
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
