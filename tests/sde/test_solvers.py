"""Solvers: empirical strong order on geometric Brownian motion, OU step bias, exact OU update."""

import numpy as np
import pytest

from noisecircuits.errors import ParameterError
from noisecircuits.sde.models import GeometricBrownianMotion, OrnsteinUhlenbeck
from noisecircuits.sde.noise import brownian_increments
from noisecircuits.sde.simulate import integrate_increments, simulate
from noisecircuits.sde.solvers import SOLVERS, get_solver

GBM = GeometricBrownianMotion(drift_rate=0.5, volatility=0.8)


@pytest.mark.parametrize("solver", ["euler", "milstein", "heun"])
def test_empirical_strong_order(solver):
    scheme = get_solver(solver)
    horizon, fine, paths = 1.0, 2**10, 1000
    dw_fine = brownian_increments(2026, paths, fine, 1, horizon / fine)
    exact = GBM.exact(horizon, dw_fine.sum(axis=1)[:, 0], scheme.calculus)
    steps, errors = [], []
    for k in range(3, 9):
        n = 2**k
        dw = dw_fine.reshape(paths, n, fine // n, 1).sum(axis=2)
        final = integrate_increments(GBM, dw, horizon / n, solver=solver)[:, 0]
        steps.append(horizon / n)
        errors.append(np.mean(np.abs(final - exact)))
    slope = np.polyfit(np.log(steps), np.log(errors), 1)[0]
    # fitted slopes over seeds 0-3 scatter with SD 0.02 around 0.49 / 0.97 / 0.96: 0.1 is 5 SD
    assert slope == pytest.approx(scheme.strong_order, abs=0.1)


def test_every_solver_declares_its_order():
    assert {name: s.strong_order for name, s in SOLVERS.items()} == {
        "euler": 0.5, "milstein": 1.0, "heun": 1.0, "exact": np.inf
    }


OU = OrnsteinUhlenbeck(theta=2.0, mean=0.5, sigma=1.5, x0=0.5)
THETA_H = 0.5  # theta*dt: Euler's variance is 2/(2 - 0.5) = 1.33x the true one


def _final_variance(solver, paths=20_000):
    dt = THETA_H / OU.theta
    trace = simulate(OU, 40 * dt, dt=dt, paths=paths, seed=99, solver=solver, record_every=40)
    final = trace.values[:, -1, 0]
    return final.var(ddof=1), final.mean(), np.sqrt(2.0 / (paths - 1))


def test_euler_has_the_ou_step_bias():
    dt = THETA_H / OU.theta
    var, _, rel_se = _final_variance("euler")
    biased, true = OU.euler_stationary_variance(dt), OU.stationary_variance
    # relative SE of a sample variance of N normal values is sqrt(2/(N-1)); 4 SE
    assert abs(var / biased - 1) < 4 * rel_se
    # the biased and true values are 33 % apart, i.e. ~30 SE: the test resolves the bias
    assert abs(biased / true - 1) > 20 * rel_se


def test_exact_ou_update_has_no_bias():
    var, mean, rel_se = _final_variance("exact")
    # relative SE of a sample variance sqrt(2/(N-1)); 4 SE
    assert abs(var / OU.stationary_variance - 1) < 4 * rel_se
    # mean: SE sqrt(var/N); 4 SE
    assert abs(mean - OU.mean) < 4 * np.sqrt(OU.stationary_variance / 20_000)


def test_exact_needs_a_linear_model():
    from noisecircuits.circuits.double_well import ReducedDoubleWell

    with pytest.raises(ParameterError, match="exact"):
        simulate(ReducedDoubleWell(2.0), 1.0, solver="exact")


def test_unknown_solver_is_refused():
    with pytest.raises(ParameterError, match="solver must be one of"):
        get_solver("rk45")


def test_milstein_needs_the_diffusion_derivative():
    from dataclasses import replace

    terms = replace(GBM.sde_terms(), diffusion_derivative=None)
    with pytest.raises(ParameterError, match="diffusion_derivative"):
        integrate_increments(terms, np.zeros((1, 4, 1)), 0.1, solver="milstein")


def test_increments_must_match_the_state_dimension():
    with pytest.raises(ParameterError, match="increments must have shape"):
        integrate_increments(GBM, np.zeros((1, 4, 2)), 0.1)
