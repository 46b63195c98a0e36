"""A coupled two-state linear SDE: stationary covariance against the Lyapunov equation.

dx = A x dt + diag(s) dW has the stationary covariance C solving A C + C A^T + diag(s^2) = 0.
"""

import numpy as np
from numba import njit
from scipy.linalg import solve_continuous_lyapunov

from noisecircuits.sde.simulate import simulate
from noisecircuits.sde.terms import SDETerms

# params: a11, a12, a21, a22, s1, s2
PARAMS = np.array([-1.0, 0.5, 0.0, -2.0, 0.8, 1.3])


@njit(cache=True, inline="always")
def linear_drift(x, params, out):
    out[0] = params[0] * x[0] + params[1] * x[1]
    out[1] = params[2] * x[0] + params[3] * x[1]


@njit(cache=True, inline="always")
def diagonal_noise(x, params, out):
    out[0] = params[4]
    out[1] = params[5]


def test_coupled_linear_sde_covariance():
    terms = SDETerms(linear_drift, diagonal_noise, PARAMS, x0=[0.0, 0.0], state_names=("a", "b"), timescale=0.5)
    trace = simulate(terms, 5000.0, paths=64, seed=8, solver="heun", record_every=200)
    assert trace.state_names == ("a", "b") and trace.values.shape[2] == 2
    # one sample per 200 dt = 5 s = 5 slowest relaxation times (correlation e^-5), after a 50 s burn-in
    samples = trace.values[:, 10:, :].reshape(-1, 2)
    a = PARAMS[:4].reshape(2, 2)
    exact = solve_continuous_lyapunov(a, -np.diag(PARAMS[4:] ** 2))
    cov = np.cov(samples.T)
    n = samples.shape[0]
    # SE of a sample covariance: sqrt((C_ii C_jj + C_ij^2)/n); 4 SE (Heun's O(h^2) bias ~ 0.3 % is below 1 SE)
    se = np.sqrt((np.outer(np.diag(exact), np.diag(exact)) + exact**2) / n)
    assert np.all(np.abs(cov - exact) < 4 * se)
    assert exact[0, 1] > 10 * se[0, 1]  # the coupling is resolved
    assert np.abs(samples.mean(axis=0)).max() < 4 * np.sqrt(np.diag(exact).max() / n)
