r"""Binomial maximum-likelihood fits of p-bit transfer curves, at one or several temperatures.

Each data point i (bias :math:`v_i`, temperature :math:`T_i`) contributes the binomial
log-likelihood

.. math::

    \ell_i = \ln\binom{n_i}{k_i} + k_i \ln F(z_i) + (n_i - k_i) \ln(1 - F(z_i)),\quad
    z_i = \frac{v_i - v_\mathrm{mid}(T_i)}{v_\mathrm{width}(T_i)},

with :math:`n_i` the *effective* sample size when the samples are correlated (``n_effective``;
:math:`k_i` scaled by :math:`n_\mathrm{eff}/n`, the binomial constant through log-gamma), so the
standard errors reflect the number of independent samples (Sokal 1997). The covariance is the
inverse observed information (minus the Hessian of :math:`\sum_i \ell_i` at the maximum).
Goodness of fit: deviance against the saturated model and its chi-square p-value.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from noisecircuits.citations import use
from noisecircuits.constants import ROOM_TEMPERATURE
from noisecircuits.errors import FitError
from noisecircuits.fitting._forms import FORMS, check_form, inverse_cdf, log_terms
from noisecircuits.fitting.data import read_pbit_data
from noisecircuits.fitting.result import FitResult
from noisecircuits.fitting.transfer_law import PARAMETER_NAMES

__all__ = ["fit_pbit_transfer_ml", "fit_pbit_temperature_ml", "check_monotone"]

#: A drop of P(1) between adjacent biases larger than this many standard errors is "non-monotone".
MONOTONE_SIGMA = 5.0


class _Likelihood:
    """Binomial log-likelihood of the temperature law in internal coordinates u = (a, b, ln w0, gamma)."""

    def __init__(self, v, temperature, ones, n, t_ref, form):
        self.v, self.k, self.n, self.form = v, ones, n, form
        self.dt = temperature - t_ref
        self.log_ratio = np.log(temperature / t_ref)
        self.constant = float(np.sum(special.gammaln(n + 1) - special.gammaln(ones + 1) - special.gammaln(n - ones + 1)))

    def __call__(self, u, free):
        a, b, ell, gamma = u
        w = np.exp(ell + gamma * self.log_ratio)
        z = (self.v - a - b * self.dt) / w
        lf, lg, dlf, dlg, d2lf, d2lg = log_terms(self.form, z)
        k, m = self.k, self.n - self.k
        ll = float(np.sum(k * lf + m * lg)) + self.constant
        gz = k * dlf + m * dlg
        hz = k * d2lf + m * d2lg
        lr, dt = self.log_ratio, self.dt
        dz = np.stack([-1.0 / w, -dt / w, -z, -z * lr])  # dz/du, rows a, b, ell, gamma
        d2z = np.zeros((4, 4, z.size))
        d2z[0, 2] = d2z[2, 0] = 1.0 / w
        d2z[0, 3] = d2z[3, 0] = lr / w
        d2z[1, 2] = d2z[2, 1] = dt / w
        d2z[1, 3] = d2z[3, 1] = dt * lr / w
        d2z[2, 2] = z
        d2z[2, 3] = d2z[3, 2] = z * lr
        d2z[3, 3] = z * lr * lr
        grad = dz @ gz
        hess = (dz * hz) @ dz.T + d2z @ gz
        idx = np.asarray(free)
        return ll, grad[idx], hess[np.ix_(idx, idx)]

    def saturated(self) -> float:
        k, n = self.k, self.n
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(n > 0, k / np.where(n > 0, n, 1.0), 0.5)
        return float(np.sum(special.xlogy(k, p) + special.xlogy(n - k, 1.0 - p))) + self.constant


def _maximise(lik: _Likelihood, u0, free, max_iter=200):
    """Damped Newton (Levenberg-Marquardt on the observed information) over the free coordinates."""
    u = np.array(u0, dtype=float)
    ll, g, h = lik(u, free)
    damping = 0.0
    for _ in range(max_iter):
        info = -h
        scale = np.abs(np.diag(info)) + 1e-300
        while True:
            try:
                chol = np.linalg.cholesky(info + damping * np.diag(scale))
            except np.linalg.LinAlgError:
                damping = max(1e-6, 10.0 * damping)
                if damping > 1e12:
                    raise FitError("the likelihood maximisation failed (information matrix is singular)") from None
                continue
            step = np.linalg.solve(chol.T, np.linalg.solve(chol, g))
            trial = u.copy()
            trial[free] += step
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                ll_new, g_new, h_new = lik(trial, free)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12 * abs(ll):
                break
            damping = max(1e-6, 10.0 * damping)
            if damping > 1e12:
                return u, ll, g, h
        decrement = float(g @ step)
        u, ll, g, h = trial, ll_new, g_new, h_new
        damping /= 10.0
        if damping < 1e-9:
            damping = 0.0
        if decrement < 1e-11:
            return u, ll, g, h
    raise FitError(
        f"the likelihood maximisation did not converge in {max_iter} iterations; usually P(1) jumps from 0 to 1 "
        "with (almost) no bias point inside the transition: add bias points there"
    )


def check_monotone(v, ones, n, temperature) -> None:
    """Raise FitError if P(1) drops between adjacent biases by more than MONOTONE_SIGMA standard errors."""
    for t in np.unique(temperature):
        sel = (temperature == t) & (n > 0)
        order = np.argsort(v[sel], kind="stable")
        vs, ks, ns = v[sel][order], ones[sel][order], n[sel][order]
        p = (ks + 0.5) / (ns + 1.0)
        var = p * (1.0 - p) / (ns + 1.0)
        drop = p[:-1] - p[1:]
        sigma = np.sqrt(var[:-1] + var[1:])
        bad = np.flatnonzero((drop > MONOTONE_SIGMA * sigma) & (vs[1:] > vs[:-1]))
        if bad.size:
            i = bad[0]
            raise FitError(
                f"P(1) is not monotone increasing in v_bias_V at {t:g} K: it drops from {ks[i] / ns[i]:.3g} at "
                f"{vs[i]:.6g} V to {ks[i + 1] / ns[i + 1]:.3g} at {vs[i + 1]:.6g} V (more than "
                f"{MONOTONE_SIGMA:g} standard errors)"
            )


def _prepare(data):
    data = read_pbit_data(data)
    n = data.n_effective
    ones = data.ones_effective
    keep = n > 0
    if not np.any(keep):
        raise FitError("all counts are zero: no point has n_samples > 0")
    v, temperature = data["v_bias_V"][keep], data["temperature_K"][keep]
    n, ones = n[keep], ones[keep]
    if np.all((ones == 0) | (ones == n)):
        raise FitError(
            "too narrow a bias range: every point has P(1) = 0 or P(1) = 1; the bias sweep must cover the transition"
        )
    check_monotone(v, ones, n, temperature)
    return data, v, temperature, ones, n


def _initial(v, temperature, ones, n, t_ref, form, with_temperature):
    """Starting point from per-temperature weighted regressions of F^{-1}(p) on v."""
    mids, log_widths, temps = [], [], []
    for t in np.unique(temperature):
        sel = temperature == t
        if np.unique(v[sel]).size < 2:
            continue
        p = (ones[sel] + 0.5) / (n[sel] + 1.0)
        y = inverse_cdf(form, p)
        weight = n[sel] * p * (1.0 - p)
        slope, intercept = np.polyfit(v[sel], y, 1, w=np.sqrt(weight))
        if slope <= 0:
            raise FitError(f"P(1) does not increase with v_bias_V at {t:g} K; a p-bit transfer curve must rise")
        mids.append(-intercept / slope)
        log_widths.append(-np.log(slope))
        temps.append(t)
    if not temps:
        raise FitError("need at least two distinct v_bias_V values at one temperature to fit a transfer curve")
    temps = np.asarray(temps)
    if with_temperature and temps.size >= 2:
        b, a = np.polyfit(temps - t_ref, mids, 1)
        gamma, ell = np.polyfit(np.log(temps / t_ref), log_widths, 1)
    else:
        a, b, ell, gamma = float(np.mean(mids)), 0.0, float(np.mean(log_widths)), 0.0
    return np.array([a, b, ell, gamma])


def _fit_one_form(v, temperature, ones, n, t_ref, form, free):
    lik = _Likelihood(v, temperature, ones, n, t_ref, form)
    u0 = _initial(v, temperature, ones, n, t_ref, form, with_temperature=len(free) == 4)
    u, ll, g, h = _maximise(lik, u0, free)
    width = float(np.exp(u[2]))
    v_span = float(np.ptp(v)) or 1.0
    if width < 1e-6 * v_span:
        raise FitError(
            "the transfer width is not resolved: P(1) jumps from 0 to 1 between adjacent biases; "
            "add bias points inside the transition"
        )
    info = -h
    try:
        cov_internal = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise FitError("the observed information matrix is singular: the parameters are not identifiable") from None
    if not np.all(np.isfinite(cov_internal)) or np.any(np.diag(cov_internal) <= 0):
        raise FitError("the observed information matrix is not positive definite at the maximum")
    # internal (a, b, ln w0, gamma) -> (v_mid_ref, dv_mid_dT, v_width_ref, gamma): only w0 = exp(ell) changes
    jac = np.ones(4)
    jac[2] = width
    jac = jac[np.asarray(free)]
    cov = cov_internal * np.outer(jac, jac)
    deviance = max(0.0, 2.0 * (lik.saturated() - ll))
    dof = int(v.size - len(free))
    gof = {
        "deviance": deviance,
        "dof": dof,
        "p_value": float(stats.chi2.sf(deviance, dof)) if dof > 0 else float("nan"),
    }
    values = {"v_mid_ref_V": u[0], "dv_mid_dT_V_per_K": u[1], "v_width_ref_V": width, "width_exponent": u[3]}
    return values, cov, ll, gof


def _fit(data, form, t_ref, with_temperature):
    check_form(form, allow_auto=True)
    data, v, temperature, ones, n = _prepare(data)
    temps = np.unique(temperature)
    if with_temperature and temps.size < 2:
        raise FitError(
            f"a temperature law needs data at two or more temperatures, got only {temps[0]:g} K; "
            "use fit_pbit_transfer_ml for a single temperature"
        )
    if not with_temperature and temps.size > 1:
        raise FitError(
            f"the data hold {temps.size} temperatures; fit_pbit_transfer_ml fits one curve — "
            "use fit_pbit_temperature_ml or select one temperature"
        )
    if t_ref is None:
        t_ref = float(temps[np.argmin(np.abs(temps - ROOM_TEMPERATURE))])
    elif not (np.isfinite(t_ref) and t_ref > 0):
        raise FitError(f"t_ref must be a positive temperature [K], got {t_ref!r}")
    free = [0, 1, 2, 3] if with_temperature else [0, 2]
    forms = FORMS if form == "auto" else (form,)
    fits = {f: _fit_one_form(v, temperature, ones, n, t_ref, f, free) for f in forms}
    chosen = max(fits, key=lambda f: fits[f][2]) if form == "auto" else form
    values, cov, ll, gof = fits[chosen]
    names_all = list(PARAMETER_NAMES)
    names = [names_all[i] for i in free]
    stderr_free = np.sqrt(np.diag(cov))
    if with_temperature:
        parameters = {name: float(values[name]) for name in PARAMETER_NAMES}
        parameters["t_ref_K"] = float(t_ref)
        stderr = dict(zip(names, stderr_free.tolist(), strict=True))
        stderr["t_ref_K"] = float("nan")
    else:
        parameters = {"v_mid_V": float(values["v_mid_ref_V"]), "v_width_V": float(values["v_width_ref_V"])}
        names = ["v_mid_V", "v_width_V"]
        stderr = dict(zip(names, stderr_free.tolist(), strict=True))
        parameters["temperature_K"] = float(t_ref)
        stderr["temperature_K"] = float("nan")
    details = {f"log_likelihood_{f}": fits[f][2] for f in fits}
    details["form_selection"] = "largest likelihood" if form == "auto" else "given"
    details["n_effective_used"] = bool("n_effective" in data)
    details["source_sha256"] = data.sha256
    details["bias_range_V"] = [float(v.min()), float(v.max())]
    details["temperature_range_K"] = [float(temperature.min()), float(temperature.max())]
    use("camsari2017")
    return FitResult(
        parameters=parameters,
        stderr=stderr,
        covariance=cov,
        parameter_names=tuple(names),
        log_likelihood=ll,
        n_points=int(v.size),
        goodness_of_fit=gof,
        form=chosen,
        method="binomial_ml",
        details=details,
    )


def fit_pbit_transfer_ml(data, *, form: str = "auto") -> FitResult:
    r"""Fit one p-bit transfer curve :math:`P(1) = F((v - v_\mathrm{mid}) / v_\mathrm{width})` by binomial ML.

    Parameters
    ----------
    data : DataFrame, path or PBitData
        Transfer data at a single temperature (see :func:`~noisecircuits.fitting.data.read_pbit_data`);
        ``n_effective``, when present, is the binomial n (``n_ones`` scaled accordingly) [-].
    form : {"auto", "logistic", "probit"}
        Sigmoid form; ``"auto"`` fits both and keeps the one with the larger likelihood (both
        log-likelihoods are reported in ``details``) [-].

    Returns
    -------
    FitResult
        ``parameters``: ``v_mid_V`` [V], ``v_width_V`` [V], ``temperature_K`` [K] (fixed);
        covariance over ``("v_mid_V", "v_width_V")``.

    Raises
    ------
    FitError
        All counts zero, every point saturated (P = 0 or 1), non-monotone data, several
        temperatures, a width too small to resolve.
    """
    return _fit(data, form, None, with_temperature=False)


def fit_pbit_temperature_ml(data, *, form: str = "auto", t_ref: float | None = None) -> FitResult:
    r"""Fit the joint temperature law of a p-bit transfer curve by binomial ML.

    .. math::

        P(1) = F\!\left(\frac{v - v_\mathrm{mid,ref} - \frac{dv_\mathrm{mid}}{dT}(T - T_\mathrm{ref})}
        {v_\mathrm{width,ref} (T/T_\mathrm{ref})^{\gamma}}\right)

    Parameters
    ----------
    data : DataFrame, path or PBitData
        Transfer data at two or more temperatures [-].
    form : {"auto", "logistic", "probit"}
        Sigmoid form; ``"auto"`` picks the larger likelihood and reports both [-].
    t_ref : float, optional
        Reference temperature, held fixed; default: the measured temperature nearest 300 K [K].

    Returns
    -------
    FitResult
        ``parameters``: ``v_mid_ref_V`` [V], ``dv_mid_dT_V_per_K`` [V/K], ``v_width_ref_V`` [V],
        ``width_exponent`` [-], ``t_ref_K`` [K] (fixed, stderr nan); covariance over the first four.

    Raises
    ------
    FitError
        A single temperature, all counts zero, all points saturated, non-monotone data.
    """
    return _fit(data, form, t_ref, with_temperature=True)
