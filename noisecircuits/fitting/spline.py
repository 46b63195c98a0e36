r"""The flexible transfer law: a monotone spline in bias with a smooth temperature dependence.

.. math::

    \mathrm{logit}\,P(1) = g(u),\qquad
    u = \frac{v - v_c - \beta\,(T - T_\mathrm{ref})}{v_s},

    g(u, T) = c_0 + \sum_{j=1}^{K} s_j \left(\frac{T_\mathrm{ref}}{T}\right)^{\eta_j} \rho_j(u),\qquad
    \rho_j(u) = h\left[\mathrm{sp}\!\left(\frac{u - \kappa_{j-1}}{h}\right) - \mathrm{sp}\!\left(\frac{u - \kappa_j}{h}\right)\right],

with :math:`\mathrm{sp}(x) = \ln(1 + e^x)` and the outer ramps open-ended
(:math:`\rho_1 = -h\,\mathrm{sp}((\kappa_1 - u)/h)`, :math:`\rho_K = h\,\mathrm{sp}((u - \kappa_{K-1})/h)`).
Each middle :math:`\rho_j` is a smoothed ramp rising by :math:`\kappa_j - \kappa_{j-1}` across
the knot interval :math:`[\kappa_{j-1}, \kappa_j]`, so :math:`g` is a smoothed linear spline
whose slope in interval j is :math:`s_j`; all slopes :math:`s_j > 0` (fitted as :math:`\ln s_j`),
so :math:`g` rises strictly: the law is monotone in bias by construction, and any monotone curve
is reached as the knots get denser. Temperature
moves the curve by :math:`\beta` [V/K] (as the sigmoid forms' :math:`v_\mathrm{mid}(T)`) and
steepens each piece by its own power :math:`(T_\mathrm{ref}/T)^{\eta_j}` (a piece set by a
subthreshold exponential has :math:`\eta_j = 1`), so the curve's shape may change smoothly
with temperature. :math:`v_c`,
:math:`v_s` (centre and half-width of the fitted bias range), the knots (equally spaced on
[-1, 1]) and :math:`h` are fixed.

Parameters (document names): ``spline_bias_center_V`` [V], ``spline_bias_scale_V`` [V],
``t_ref_K`` [K], ``spline_shift_dT_V_per_K`` (β) [V/K], ``spline_slope_exponents`` (:math:`\eta_j`) [-],
``spline_offset`` (:math:`c_0`) [-], ``spline_slopes`` (:math:`s_1 \dots s_K`) [-],
``spline_knots`` (:math:`\kappa_0 \dots \kappa_K`) [-], ``spline_smoothing`` (h) [-].
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from noisecircuits.errors import FitError
from noisecircuits.fitting.result import FitResult

__all__ = ["DEFAULT_INTERVALS", "reduced_bias", "logit_p_one", "p_one", "v_mid", "v_width", "fit_pbit_spline_ml", "law_from_fit"]

#: Knot intervals of the fitted spline on [-1, 1].
DEFAULT_INTERVALS = 4
# the ramps' smoothing, as a fraction of the knot spacing
_SMOOTHING_PER_SPACING = 0.1
# weak penalty on differences of adjacent log-slopes (keeps slopes finite where the data saturate)
_PENALTY = 0.01
# the schema's bound on the slope exponents (cell.schema.json)
_MAX_EXPONENT = 50.0


def _softplus(x):
    return np.logaddexp(0.0, x)


def reduced_bias(parameters: dict, v_bias, temperature):
    """The spline's argument u at ``v_bias`` [V] and ``temperature`` [K] [-]."""
    v = np.asarray(v_bias, dtype=float)
    t = np.asarray(temperature, dtype=float)
    centre = parameters["spline_bias_center_V"] + parameters["spline_shift_dT_V_per_K"] * (t - parameters["t_ref_K"])
    return (v - centre) / parameters["spline_bias_scale_V"]


def _ramps(u, knots, h):
    """The K basis ramps at ``u`` (..., K): open-ended outer ramps, smoothed clips between inner knots."""
    u = np.asarray(u, dtype=float)[..., None]
    k = np.asarray(knots, dtype=float)
    if k.size == 2:
        return u
    first = -h * _softplus((k[1] - u) / h)
    middle = h * (_softplus((u - k[1:-2]) / h) - _softplus((u - k[2:-1]) / h))
    last = h * _softplus((u - k[-2]) / h)
    return np.concatenate([first, middle, last], axis=-1)


def _ramp_slopes(u, knots, h):
    u = np.asarray(u, dtype=float)[..., None]
    k = np.asarray(knots, dtype=float)
    if k.size == 2:
        return np.ones_like(u)
    first = special.expit((k[1] - u) / h)
    middle = special.expit((u - k[1:-2]) / h) - special.expit((u - k[2:-1]) / h)
    last = special.expit((u - k[-2]) / h)
    return np.concatenate([first, middle, last], axis=-1)


def _slopes(parameters, temperature):
    """Slopes s_j (T_ref/T)^eta_j, shape (..., K) [-]."""
    ratio = parameters["t_ref_K"] / np.asarray(temperature, dtype=float)[..., None]
    return np.asarray(parameters["spline_slopes"], dtype=float) * ratio ** np.asarray(parameters["spline_slope_exponents"], dtype=float)


def _g(parameters, u, temperature):
    basis = _ramps(u, parameters["spline_knots"], parameters["spline_smoothing"])
    return parameters["spline_offset"] + np.sum(basis * _slopes(parameters, temperature), axis=-1)


def _g_slope(parameters, u, temperature):
    basis = _ramp_slopes(u, parameters["spline_knots"], parameters["spline_smoothing"])
    return np.sum(basis * _slopes(parameters, temperature), axis=-1)


def logit_p_one(parameters: dict, v_bias, temperature):
    """:math:`\\mathrm{logit}\\,P(1) = g(u)` [-]."""
    u = reduced_bias(parameters, v_bias, temperature)
    return _g(parameters, u, np.broadcast_to(np.asarray(temperature, dtype=float), np.shape(u)))


def p_one(parameters: dict, v_bias, temperature):
    """P(1) at ``v_bias`` [V] and ``temperature`` [K] [-]."""
    return special.expit(logit_p_one(parameters, v_bias, temperature))


def _root(parameters, temperature: float) -> float:
    """The u where g(u, T) = 0 (g rises strictly; bisection on a bracket that widens until it holds the root)."""
    def g(x):
        return float(_g(parameters, x, temperature))

    lo, hi = -1.0, 1.0
    while g(lo) > 0:
        lo *= 2.0
        if lo < -1e6:
            return float("nan")
    while g(hi) < 0:
        hi *= 2.0
        if hi > 1e6:
            return float("nan")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if g(mid) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15 * max(1.0, abs(mid)):
            break
    return 0.5 * (lo + hi)


def _mid(parameters, temperature: float):
    u0 = _root(parameters, temperature)
    centre = parameters["spline_bias_center_V"] + parameters["spline_shift_dT_V_per_K"] * (temperature - parameters["t_ref_K"])
    slope = float(_g_slope(parameters, u0, temperature)) / parameters["spline_bias_scale_V"]
    return centre + u0 * parameters["spline_bias_scale_V"], slope


def v_mid(parameters: dict, temperature):
    """Bias where P(1) = 1/2 [V] at ``temperature`` [K]."""
    t = np.asarray(temperature, dtype=float)
    return np.array([_mid(parameters, float(x))[0] for x in t.ravel()]).reshape(t.shape)


def v_width(parameters: dict, temperature):
    """Logistic-equivalent width 1 / (d logit P / dv) at the mid-point [V]."""
    t = np.asarray(temperature, dtype=float)
    return np.array([1.0 / _mid(parameters, float(x))[1] for x in t.ravel()]).reshape(t.shape)


def _unpack(theta, fixed, n_slopes):
    return {**fixed, "spline_offset": theta[0], "spline_slopes": np.exp(theta[1 : 1 + n_slopes]).tolist(),
            "spline_shift_dT_V_per_K": theta[1 + n_slopes] * fixed["_shift_scale"],
            "spline_slope_exponents": theta[2 + n_slopes : 2 + 2 * n_slopes].tolist()}


def fit_pbit_spline_ml(data, *, intervals: int = DEFAULT_INTERVALS, t_ref: float | None = None, max_iter: int = 500) -> FitResult:
    r"""Fit the monotone-spline transfer law by binomial maximum likelihood (Fisher scoring).

    A weak penalty :math:`10^{-2}\sum_j (\ln s_{j+1} - \ln s_j)^2` keeps the slopes finite where
    the data saturate (P(1) = 0 or 1 over a whole knot interval); its curvature is included in
    the information matrix whose inverse is the covariance. The reported log-likelihood is the
    binomial one, without the penalty.

    Parameters
    ----------
    data : DataFrame, path or PBitData
        Transfer data (``n_effective`` as the binomial n, as in the sigmoid fits) [-].
    intervals : int
        Knot intervals K on [-1, 1], 1 to 12 [-].
    t_ref : float, optional
        Reference temperature; default the measured temperature nearest 300 K [K].
    max_iter : int
        Iteration limit [-].

    Returns
    -------
    FitResult
        ``form`` ``"monotone_spline"``; free parameters ``spline_offset``, ``spline_slope_j``,
        ``spline_shift_dT_V_per_K`` and ``spline_slope_exponent_j`` (j = 0 ... K-1; the last two
        kinds fixed at 0 for one temperature), with the fixed ones; covariance: inverse Fisher
        information, slopes by the delta method.

    Raises
    ------
    FitError
        Saturated or non-monotone data, fewer points than parameters, no convergence.
    """
    from noisecircuits.fitting.pbit import _prepare

    if isinstance(intervals, bool) or not isinstance(intervals, int) or not 1 <= intervals <= 12:
        raise FitError(f"intervals must be an integer from 1 to 12, got {intervals!r}")
    data, v, temperature, ones, n = _prepare(data)
    temps = np.unique(temperature)
    several = temps.size > 1
    if t_ref is None:
        t_ref = float(temps[np.argmin(np.abs(temps - 300.0))])
    lo, hi = float(np.min(v)), float(np.max(v))
    scale = 0.5 * (hi - lo) or 1.0
    knots = np.linspace(-1.0, 1.0, intervals + 1)
    fixed = {"spline_bias_center_V": 0.5 * (lo + hi), "spline_bias_scale_V": scale, "t_ref_K": float(t_ref),
             "spline_knots": knots.tolist(), "spline_smoothing": _SMOOTHING_PER_SPACING * (knots[1] - knots[0]),
             "_shift_scale": scale / 100.0}
    n_slopes = intervals
    n_free = 1 + n_slopes + (1 + n_slopes if several else 0)
    if v.size <= n_free:
        raise FitError(f"the monotone spline with {intervals} intervals needs more than {n_free} points, got {v.size}")
    # start: a straight logit through the data (slope from a logistic regression on u)
    p = (ones + 0.5) / (n + 1.0)
    u0 = (v - fixed["spline_bias_center_V"]) / scale
    slope, intercept = np.polyfit(u0, special.logit(p), 1, w=np.sqrt(n * p * (1 - p)))
    if slope <= 0:
        raise FitError("P(1) does not increase with v_bias_V; a p-bit transfer curve must rise")
    theta = np.concatenate([[intercept], np.log([slope] * intervals), [0.0], np.zeros(intervals)])
    free = np.arange(n_free)

    def logit(th):
        return logit_p_one(_unpack(th, fixed, n_slopes), v, temperature)

    difference = np.zeros((max(n_slopes - 1, 0), theta.size))
    for j in range(n_slopes - 1):
        difference[j, 1 + j], difference[j, 2 + j] = -1.0, 1.0
    penalty_matrix = 2.0 * _PENALTY * (difference.T @ difference)[np.ix_(free, free)]

    def data_loglik(th):
        d = logit(th)
        return float(np.sum(-ones * np.logaddexp(0.0, -d) - (n - ones) * np.logaddexp(0.0, d)))

    def loglik(th):
        return data_loglik(th) - _PENALTY * float(np.sum((difference @ th) ** 2))

    def jacobian(th):
        cols = []
        for i in free:
            step = 1e-6 * max(1.0, abs(th[i]))
            up, down = th.copy(), th.copy()
            up[i] += step
            down[i] -= step
            cols.append((logit(up) - logit(down)) / (2.0 * step))
        return np.column_stack(cols)

    ll = loglik(theta)
    damping = 1e-3
    for _ in range(max_iter):
        d = logit(theta)
        pr = special.expit(d)
        jac = jacobian(theta)
        grad = jac.T @ (ones - n * pr) - penalty_matrix @ theta[free]
        info = (jac.T * (n * pr * (1.0 - pr))) @ jac + penalty_matrix
        try:
            decrement = float(grad @ np.linalg.solve(info + 1e-12 * np.diag(np.diag(info)), grad))
        except np.linalg.LinAlgError:
            decrement = float("inf")
        if decrement < 1e-7:  # Newton decrement: the log-likelihood is within about 1e-7 of its maximum
            break
        while True:
            step = np.linalg.solve(info + damping * np.diag(np.diag(info) + 1e-12), grad)
            step *= min(1.0, 2.0 / max(float(np.max(np.abs(step))), 1e-300))  # at most e^2 per slope and step
            trial = theta.copy()
            trial[free] += step
            with np.errstate(over="ignore", invalid="ignore"):
                ll_new = loglik(trial)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-10:
                break
            damping *= 10.0
            if damping > 1e10:
                raise FitError("the monotone-spline fit did not converge (no ascent step)")
        theta, ll = trial, ll_new
        damping = max(damping / 10.0, 1e-9)
    else:
        raise FitError(f"the monotone-spline fit did not converge in {max_iter} iterations")
    d = logit(theta)
    pr = special.expit(d)
    jac = jacobian(theta)
    info = (jac.T * (n * pr * (1.0 - pr))) @ jac + penalty_matrix
    ll = data_loglik(theta)
    try:
        cov_internal = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise FitError("the monotone-spline information matrix is singular: use fewer intervals") from None
    if not np.all(np.isfinite(cov_internal)) or np.any(np.diag(cov_internal) <= 0):
        raise FitError("the monotone-spline information matrix is not positive definite: use fewer intervals")
    law = _unpack(theta, fixed, n_slopes)
    if several and np.max(np.abs(law["spline_slope_exponents"])) > _MAX_EXPONENT:
        raise FitError(f"the monotone spline with {intervals} intervals needs a slope exponent beyond "
                       f"+-{_MAX_EXPONENT:g} (its temperature dependence is not resolved): use fewer intervals")
    names_all = ["spline_offset", *[f"spline_slope_{j}" for j in range(n_slopes)], "spline_shift_dT_V_per_K",
                 *[f"spline_slope_exponent_{j}" for j in range(n_slopes)]]
    values_all = [law["spline_offset"], *law["spline_slopes"], law["spline_shift_dT_V_per_K"], *law["spline_slope_exponents"]]
    jac_all = [1.0, *law["spline_slopes"], fixed["_shift_scale"], *([1.0] * n_slopes)]
    names = [names_all[i] for i in free]
    scale_vec = np.array([jac_all[i] for i in free])
    cov = cov_internal * np.outer(scale_vec, scale_vec)
    cov = 0.5 * (cov + cov.T)
    parameters = dict(zip(names_all, [float(x) for x in values_all], strict=True))
    parameters.update({k: fixed[k] for k in ("spline_bias_center_V", "spline_bias_scale_V", "t_ref_K", "spline_smoothing")})
    stderr = {k: float("nan") for k in parameters}
    stderr.update({name: float(np.sqrt(cov[i, i])) for i, name in enumerate(names)})
    constant = float(np.sum(special.gammaln(n + 1) - special.gammaln(ones + 1) - special.gammaln(n - ones + 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_sat = np.where(n > 0, ones / np.where(n > 0, n, 1.0), 0.5)
    saturated = float(np.sum(special.xlogy(ones, p_sat) + special.xlogy(n - ones, 1.0 - p_sat)))
    deviance = max(0.0, 2.0 * (saturated - ll))
    dof = int(v.size - len(names))
    return FitResult(
        parameters=parameters,
        stderr=stderr,
        covariance=cov,
        parameter_names=tuple(names),
        log_likelihood=ll + constant,
        n_points=int(v.size),
        goodness_of_fit={"deviance": deviance, "dof": dof,
                         "p_value": float(stats.chi2.sf(deviance, dof)) if dof > 0 else float("nan")},
        form="monotone_spline",
        method="binomial_ml",
        details={"knots": knots.tolist(), "bias_range_V": (lo, hi),
                 "temperature_range_K": (float(temps.min()), float(temps.max())), "source_sha256": data.sha256},
    )


def law_from_fit(fit: FitResult) -> dict:
    """The spline law (document parameters) of a :func:`fit_pbit_spline_ml` result [various]."""
    p = fit.parameters
    n_slopes = sum(1 for k in p if k.startswith("spline_slope_") and not k.startswith("spline_slope_exponent"))
    return {
        "spline_bias_center_V": p["spline_bias_center_V"], "spline_bias_scale_V": p["spline_bias_scale_V"],
        "t_ref_K": p["t_ref_K"], "spline_shift_dT_V_per_K": p["spline_shift_dT_V_per_K"],
        "spline_offset": p["spline_offset"],
        "spline_slopes": [p[f"spline_slope_{j}"] for j in range(n_slopes)],
        "spline_slope_exponents": [p[f"spline_slope_exponent_{j}"] for j in range(n_slopes)],
        "spline_knots": list(fit.details["knots"]), "spline_smoothing": p["spline_smoothing"],
    }
