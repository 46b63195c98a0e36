r"""Multinomial maximum-likelihood fit of a categorical (p-dit) cell: softmax in the control voltages.

.. math::

    P(k \mid v) = \frac{e^{\theta_k}}{\sum_j e^{\theta_j}},\qquad \theta_k = a_k + b\,v_k,\quad a_0 = 0

One control voltage per state shifts that state's log-probability with a common gain b [1/V]
(the winner-take-all cell of DESIGN.md); the offsets :math:`a_k` absorb branch mismatch. The
general linear map :math:`\theta = a + B v` is not fitted: with one control per state and
symmetric branches B is diagonal with equal entries. Counts may be scaled to an effective
sample size per row (correlated samples). Covariance: inverse observed information (for this
canonical-link model equal to the expected information).
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from noisecircuits.errors import FitError
from noisecircuits.fitting.result import FitResult

__all__ = ["fit_categorical_softmax_ml", "softmax_probabilities"]


def softmax_probabilities(offsets, gain, v_controls):
    """:math:`P(k|v)` for offsets ``a`` [-], gain ``b`` [1/V] and controls ``v_controls`` (..., N) [V]."""
    theta = np.asarray(offsets, dtype=float) + gain * np.asarray(v_controls, dtype=float)
    theta = theta - theta.max(axis=-1, keepdims=True)
    w = np.exp(theta)
    return w / w.sum(axis=-1, keepdims=True)


def _loglik(beta, v, counts, totals, n_states):
    offsets = np.concatenate([[0.0], beta[: n_states - 1]])
    gain = beta[-1]
    prob = softmax_probabilities(offsets, gain, v)
    logp = np.log(np.clip(prob, 1e-300, None))
    ll = float(np.sum(counts * logp))
    resid = counts - totals[:, None] * prob
    grad = np.concatenate([resid.sum(axis=0)[1:], [np.sum(resid * v)]])
    # information: sum_m n_m [X_m^T (diag P - P P^T) X_m], X_m = d theta_m / d beta
    k = n_states
    x = np.zeros((v.shape[0], k, k))  # columns: a_1..a_{k-1}, b
    x[:, np.arange(1, k), np.arange(0, k - 1)] = 1.0
    x[:, :, k - 1] = v
    weighted = prob[:, :, None] * x
    mean = weighted.sum(axis=1)  # (M, p)
    info = np.einsum("m,mkp,mkq->pq", totals, weighted, x) - np.einsum("m,mp,mq->pq", totals, mean, mean)
    return ll, grad, info


def fit_categorical_softmax_ml(v_controls, counts, *, n_effective=None) -> FitResult:
    r"""Fit offsets :math:`a_k` and the gain :math:`b` of a softmax cell by multinomial ML.

    Parameters
    ----------
    v_controls : array_like, shape (M, N)
        Control voltages of the N states at each of M settings [V].
    counts : array_like, shape (M, N)
        Number of samples in each state at each setting [-].
    n_effective : array_like, shape (M,), optional
        Effective number of independent samples per setting; counts are scaled to it [-].

    Returns
    -------
    FitResult
        ``parameters``: ``theta_offset_0`` (fixed 0) ... ``theta_offset_{N-1}`` [-],
        ``gain_per_V`` [1/V]; covariance over the free offsets and the gain.
    """
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
    beta = np.zeros(n_states)
    ll, grad, info = _loglik(beta, v, c, totals, n_states)
    if np.linalg.matrix_rank(info) < n_states:
        raise FitError("the gain is not identifiable: the control voltages do not vary between states")
    for _ in range(200):
        step = np.linalg.solve(info, grad)
        shrink = 1.0
        while True:
            trial = beta + shrink * step
            ll_new, g_new, i_new = _loglik(trial, v, c, totals, n_states)
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
    dof = int(c.shape[0] * (n_states - 1) - n_states)
    names = [f"theta_offset_{k}" for k in range(1, n_states)] + ["gain_per_V"]
    parameters = {"theta_offset_0": 0.0, **dict(zip(names, beta.tolist(), strict=True))}
    stderr = {"theta_offset_0": float("nan"), **dict(zip(names, np.sqrt(np.diag(cov)).tolist(), strict=True))}
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
        details={"n_states": n_states, "v_control_range_V": [float(v.min()), float(v.max())]},
    )
