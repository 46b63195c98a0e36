r"""Multinomial maximum-likelihood fit of a categorical (p-dit) cell: softmax in the control voltages.

.. math::

    P(k \mid v) = \frac{e^{\theta_k}}{\sum_j e^{\theta_j}},\qquad \theta_k = a_k + b\,v_k,\quad a_0 = 0

One control voltage per state shifts that state's log-probability with a common gain b [1/V]
(the winner-take-all cell of DESIGN.md); the offsets :math:`a_k` absorb branch mismatch. The
general linear map :math:`\theta = a + B v` is not fitted: with one control per state and
symmetric branches B is diagonal with equal entries. Counts may be scaled to an effective
sample size per row (correlated samples). Covariance: inverse observed information (for this
canonical-link model equal to the expected information).

A flexible law (``degree`` > 1) adds powers of the reduced control to every state's
log-probability, with common coefficients:

.. math::

    \theta_k = a_k + b\,v_k + \sum_{j=2}^{J} c_j u_k^j,\qquad u_k = \frac{v_k - v_c}{v_s},

with :math:`v_c, v_s` the centre and half-width of the fitted control range (fixed). A
winner-take-all latch is a tilted double well like the p-bit, so its occupation log-odds are
curved in the control (the two-state cell's exact law needs J = 3 for 0.003 in P). ``degree="auto"``
fits J = 1 to :data:`MAX_DEGREE` and keeps the smallest AICc (Hurvich and Tsai 1989).
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from noisecircuits.citations import use
from noisecircuits.errors import FitError
from noisecircuits.fitting.result import FitResult

__all__ = ["MAX_DEGREE", "fit_categorical_softmax_ml", "softmax_probabilities"]

#: Highest power of the control a ``degree="auto"`` fit tries [-].
MAX_DEGREE = 4


def softmax_probabilities(offsets, gain, v_controls, powers=(), center: float = 0.0, scale: float = 1.0):
    """:math:`P(k|v)` for offsets ``a`` [-], gain ``b`` [1/V] and controls ``v_controls`` (..., N) [V].

    ``powers`` are the coefficients :math:`c_2, c_3, ...` [-] of :math:`u^j`, :math:`u = (v - v_c)/v_s`
    with ``center`` :math:`v_c` [V] and ``scale`` :math:`v_s` [V].
    """
    v = np.asarray(v_controls, dtype=float)
    theta = np.asarray(offsets, dtype=float) + gain * v
    if len(powers):
        u = (v - center) / scale
        theta = theta + sum(c * u ** (j + 2) for j, c in enumerate(powers))
    theta = theta - theta.max(axis=-1, keepdims=True)
    w = np.exp(theta)
    return w / w.sum(axis=-1, keepdims=True)


def _design(v, n_states, degree, center, scale):
    """d theta / d beta, shape (M, N, p): columns a_1..a_{N-1}, b, c_2..c_degree."""
    k = n_states
    x = np.zeros((v.shape[0], k, k + degree - 1))
    x[:, np.arange(1, k), np.arange(0, k - 1)] = 1.0
    x[:, :, k - 1] = v
    u = (v - center) / scale
    for j in range(2, degree + 1):
        x[:, :, k + j - 2] = u**j
    return x


def _loglik(beta, x, counts, totals):
    theta = x @ beta
    theta = theta - theta.max(axis=-1, keepdims=True)
    w = np.exp(theta)
    prob = w / w.sum(axis=-1, keepdims=True)
    logp = np.log(np.clip(prob, 1e-300, None))
    ll = float(np.sum(counts * logp))
    resid = counts - totals[:, None] * prob
    grad = np.einsum("mk,mkp->p", resid, x)
    # information: sum_m n_m [X_m^T (diag P - P P^T) X_m], X_m = d theta_m / d beta
    weighted = prob[:, :, None] * x
    mean = weighted.sum(axis=1)  # (M, p)
    info = np.einsum("m,mkp,mkq->pq", totals, weighted, x) - np.einsum("m,mp,mq->pq", totals, mean, mean)
    return ll, grad, info


def fit_categorical_softmax_ml(v_controls, counts, *, n_effective=None, degree=1) -> FitResult:
    r"""Fit offsets :math:`a_k`, the gain :math:`b` (and powers :math:`c_j`) of a softmax cell by multinomial ML.

    Parameters
    ----------
    v_controls : array_like, shape (M, N)
        Control voltages of the N states at each of M settings [V].
    counts : array_like, shape (M, N)
        Number of samples in each state at each setting [-].
    n_effective : array_like, shape (M,), optional
        Effective number of independent samples per setting; counts are scaled to it [-].
    degree : int or "auto"
        Highest power J of the control in the log-probabilities, 1 (the linear softmax) to
        :data:`MAX_DEGREE`, or ``"auto"`` for the smallest AICc [-].

    Returns
    -------
    FitResult
        ``parameters``: ``theta_offset_0`` (fixed 0) ... ``theta_offset_{N-1}`` [-],
        ``gain_per_V`` [1/V], and for J > 1 ``control_power_2`` ... [-] with the fixed
        ``control_center_V`` and ``control_scale_V`` [V]; covariance over the free coefficients;
        ``details["degree"]`` = J (and ``details["aicc"]`` of every J tried with ``"auto"``).
    """
    if isinstance(degree, str) and degree == "auto":
        fits, aicc = {}, {}
        for j in range(1, MAX_DEGREE + 1):
            try:
                fits[j] = fit_categorical_softmax_ml(v_controls, counts, n_effective=n_effective, degree=j)
            except FitError:
                if j == 1:
                    raise
                continue
            k = len(fits[j].parameter_names)
            n_obs = int(fits[j].details["n_observations"])
            aicc[j] = 2 * k - 2 * fits[j].log_likelihood + (2 * k * (k + 1) / (n_obs - k - 1) if n_obs - k - 1 > 0 else np.inf)
        use("hurvich1989")
        best = min(aicc, key=aicc.get)
        fits[best].details["aicc"] = {str(j): float(a) for j, a in aicc.items()}
        return fits[best]
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or not 1 <= int(degree) <= MAX_DEGREE:
        raise FitError(f"degree must be 1 to {MAX_DEGREE} or 'auto', got {degree!r}")
    degree = int(degree)
    v = np.asarray(v_controls, dtype=float)
    c = np.asarray(counts, dtype=float)
    if v.ndim != 2 or c.shape != v.shape or v.shape[1] < 2:
        raise FitError(f"v_controls and counts must both have shape (settings, states >= 2), got {v.shape} and {c.shape}")
    if not (np.all(np.isfinite(v)) and np.all(np.isfinite(c))) or np.any(c < 0):
        raise FitError("v_controls must be finite and counts finite and >= 0")
    totals = c.sum(axis=1)
    if n_effective is not None:
        n_eff = np.asarray(n_effective, dtype=float)
        if n_eff.shape != totals.shape or np.any(~np.isfinite(n_eff)) or np.any(n_eff < 0):
            raise FitError(f"n_effective must be {totals.size} finite numbers >= 0")
        scale = np.divide(n_eff, totals, out=np.zeros_like(totals), where=totals > 0)
        c = c * scale[:, None]
        totals = c.sum(axis=1)
    if not np.any(totals > 0):
        raise FitError("all counts are zero")
    n_states = v.shape[1]
    never = np.flatnonzero(c.sum(axis=0) == 0)
    if never.size:
        raise FitError(f"state {never[0]} is never observed: its offset is not identifiable")
    keep = totals > 0
    v, c, totals = v[keep], c[keep], totals[keep]
    center, scale = 0.5 * (float(v.max()) + float(v.min())), 0.5 * (float(v.max()) - float(v.min())) or 1.0
    x = _design(v, n_states, degree, center, scale)
    n_free = x.shape[2]
    beta = np.zeros(n_free)
    ll, grad, info = _loglik(beta, x, c, totals)
    if np.linalg.matrix_rank(info) < n_free:
        if degree > 1:
            raise FitError(f"the powers of a degree-{degree} softmax law are not identifiable from these controls")
        raise FitError("the gain is not identifiable: the control voltages do not vary between states")
    for _ in range(200):
        step = np.linalg.solve(info, grad)
        shrink = 1.0
        while True:
            trial = beta + shrink * step
            ll_new, g_new, i_new = _loglik(trial, x, c, totals)
            if ll_new >= ll - 1e-12 * abs(ll) or shrink < 1e-8:
                break
            shrink /= 2.0
        beta, decrement = trial, float(grad @ step) * shrink
        ll, grad, info = ll_new, g_new, i_new
        if decrement < 1e-11:
            break
    else:
        raise FitError("the softmax fit did not converge (a state may be perfectly separated)")
    if np.any(np.abs(beta) > 1e3):
        raise FitError("the softmax fit diverged: a state is (almost) never or always chosen")
    cov = np.linalg.inv(info)
    constant = float(np.sum(special.gammaln(totals + 1)) - np.sum(special.gammaln(c + 1)))
    p_sat = c / totals[:, None]
    ll_sat = float(np.sum(special.xlogy(c, p_sat))) + constant
    ll_full = ll + constant
    deviance = max(0.0, 2.0 * (ll_sat - ll_full))
    n_obs = int(c.shape[0] * (n_states - 1))
    dof = int(n_obs - n_free)
    names = [f"theta_offset_{k}" for k in range(1, n_states)] + ["gain_per_V"]
    names += [f"control_power_{j}" for j in range(2, degree + 1)]
    parameters = {"theta_offset_0": 0.0, **dict(zip(names, beta.tolist(), strict=True))}
    stderr = {"theta_offset_0": float("nan"), **dict(zip(names, np.sqrt(np.diag(cov)).tolist(), strict=True))}
    if degree > 1:
        parameters.update(control_center_V=center, control_scale_V=scale)
        stderr.update(control_center_V=float("nan"), control_scale_V=float("nan"))
    return FitResult(
        parameters=parameters,
        stderr=stderr,
        covariance=cov,
        parameter_names=tuple(names),
        log_likelihood=ll_full,
        n_points=int(c.shape[0]),
        goodness_of_fit={
            "deviance": deviance,
            "dof": dof,
            "p_value": float(stats.chi2.sf(deviance, dof)) if dof > 0 else float("nan"),
        },
        form="softmax",
        method="multinomial_ml",
        details={"n_states": n_states, "v_control_range_V": [float(v.min()), float(v.max())], "degree": degree,
                 "n_observations": n_obs},
    )
