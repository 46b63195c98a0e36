"""Fokker-Planck grid solver against closed forms and the exact 1-D oracles."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import linalg

from noisecircuits.errors import ParameterError
from noisecircuits.physics import fokker_planck as fp
from noisecircuits.physics.oracles import mean_first_passage_time as exact_mfpt
from noisecircuits.physics.oracles import occupation
from noisecircuits.physics.potentials import DoubleWellPotential, GaussianMixturePotential

WELL = DoubleWellPotential(3.0, 0.5)
SQRT2 = math.sqrt(2.0)


def well_drift(x):
    return -WELL.gradient(x)


def unit_noise(x):
    return SQRT2 + 0.0 * x  # D = 1


def cell_widths(x):
    w = np.gradient(x)  # interior (x[i+1]-x[i-1])/2; edges full spacing -> halve them
    w[0] /= 2
    w[-1] /= 2
    return w


def exact_masses(density, x):
    m = density(x) * cell_widths(x)
    return m / m.sum()


def test_bernoulli_is_stable_and_exact():
    z = np.array([-50.0, -1.0, -1e-7, 0.0, 1e-7, 1e-3, 1.0, 50.0])
    with np.errstate(all="ignore"):
        direct = np.where(z == 0, 1.0, z / np.expm1(z))
    np.testing.assert_allclose(fp._bernoulli(z), direct, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            extreme = fp._bernoulli(np.array([-1e4, 1e4]))
    assert extreme[0] == pytest.approx(1e4) and extreme[1] == 0.0


def test_generator_is_a_rate_matrix():
    x = np.linspace(-2, 2, 41)
    q = fp.generator_matrix(well_drift, unit_noise, x).toarray()
    np.testing.assert_allclose(q.sum(axis=1), 0.0, atol=1e-12 * np.abs(q).max())
    off = q - np.diag(np.diag(q))
    assert np.all(off >= 0)
    # constant D, zero drift: the classic 3-point Laplacian D/h^2 (interior)
    h = x[1] - x[0]
    q0 = fp.generator_matrix(lambda x: 0.0 * x, unit_noise, x).toarray()
    assert q0[5, 6] == pytest.approx(1.0 / h**2) and q0[5, 4] == pytest.approx(1.0 / h**2)


def test_1d_stationary_converges_at_second_order():
    errors = []
    for n in (101, 201, 401):
        x = np.linspace(-2.2, 2.2, n)
        pi = fp.stationary_distribution(well_drift, unit_noise, x)
        exact = exact_masses(lambda z: np.exp(-WELL.energy(z)), x)
        errors.append(np.abs(pi - exact).max() / exact.max())
    assert errors[-1] < 1e-4
    # second-order scheme: error ratio 4 per halving (3.7-4.3 allows the next order term)
    np.testing.assert_allclose(np.array(errors[:-1]) / errors[1:], 4.0, rtol=0.08)


def test_state_dependent_diffusion_ito_law():
    # a = -x, g^2 = 1 + x^2/2: p ∝ g^-2 exp(∫ 2a/g^2) = (1 + x^2/2)^-3 (Itô)
    drift = lambda x: -x  # noqa: E731
    noise = lambda x: np.sqrt(1.0 + x * x / 2)  # noqa: E731
    errors = []
    for n in (201, 401, 801):
        x = np.linspace(-12, 12, n)
        pi = fp.stationary_distribution(drift, noise, x)
        exact = exact_masses(lambda z: (1 + z * z / 2) ** -3.0, x)
        errors.append(np.abs(pi - exact).max() / exact.max())
    assert errors[-1] < 1e-4
    # second-order convergence (tails cut at |x| = 12 carry < 1e-6 of the mass)
    np.testing.assert_allclose(np.array(errors[:-1]) / errors[1:], 4.0, rtol=0.1)


def test_region_probability_matches_exact_occupation():
    x = np.linspace(-2.4, 2.4, 800)
    mask = x > 0  # no node at 0: the cell boundary between the two middle nodes is the split
    got = fp.region_probability(well_drift, unit_noise, x, mask)
    # O(h^2) = (6e-3)^2 discretisation error with O(1) constant
    assert got == pytest.approx(occupation(WELL, 0.0), abs=1e-4)


def _nodes_at(points, lo, hi, per_unit):
    """Piecewise-uniform grid with nodes exactly at ``points``."""
    edges = [lo, *points, hi]
    parts = [np.linspace(a, b, max(3, int(per_unit * (b - a))), endpoint=False) for a, b in zip(edges[:-1], edges[1:])]
    return np.concatenate([*parts, [hi]])


def test_1d_mfpt_matches_exact_double_integral():
    left, right = WELL.minima()
    exact = exact_mfpt(WELL, left, right, 1.0, reflecting=-2.2)
    errors = []
    for per_unit in (100, 200):
        x = _nodes_at([left, right], -2.2, 2.2, per_unit)
        tau = fp.mean_first_passage_time(well_drift, unit_noise, x, x >= right)
        errors.append(tau[np.flatnonzero(x == left)[0]] / exact - 1)
    # brief: < 1e-3 on a fine grid; measured 2e-4 at 200 nodes per unit, O(h^2)
    assert abs(errors[-1]) < 1e-3
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.1)


def test_1d_mfpt_leftward_and_scaling_with_diffusion():
    left, right = WELL.minima()
    x = _nodes_at([left, right], -2.2, 2.2, 200)
    tau = fp.mean_first_passage_time(lambda z: -4 * WELL.gradient(z), lambda z: 2 * SQRT2 + 0 * z, x, x <= left)
    exact = exact_mfpt(WELL, right, left, 4.0, reflecting=2.2)
    assert tau[np.flatnonzero(x == right)[0]] == pytest.approx(exact, rel=1e-3)  # O(h^2), as above


def _separable_drift(x, y):
    return -WELL.gradient(x), -3.0 * MIX.gradient(y)


def _separable_noise(x, y):
    return SQRT2 + 0 * x, math.sqrt(6.0) + 0 * y  # D_x = 1, D_y = 3


MIX = GaussianMixturePotential((-0.8, 0.9), (0.35, 0.5), (0.4, 0.6))


def test_2d_separable_is_product_of_1d_laws():
    x = np.linspace(-2.2, 2.2, 81)
    y = np.linspace(-2.5, 3.0, 91)
    pi = fp.stationary_distribution(_separable_drift, _separable_noise, (x, y))
    assert pi.shape == (81, 91)
    # the 2-D chain of a separable problem has exactly the product of the 1-D chains' laws
    px = fp.stationary_distribution(well_drift, unit_noise, x)
    py = fp.stationary_distribution(lambda z: -3.0 * MIX.gradient(z), lambda z: math.sqrt(6.0) + 0 * z, y)
    np.testing.assert_allclose(pi, np.outer(px, py), rtol=1e-9, atol=1e-14)
    # and the exact continuum product to O(h^2) (h = 0.055-0.06)
    exact = np.outer(exact_masses(lambda z: np.exp(-WELL.energy(z)), x), exact_masses(MIX.density, y))
    assert np.abs(pi - exact).max() / exact.max() < 5e-3


def test_2d_mfpt_of_separable_problem_is_1d():
    left, right = WELL.minima()
    x = _nodes_at([left, right], -2.2, 2.2, 40)
    y = np.linspace(-2.5, 3.0, 23)
    target = np.broadcast_to(x[:, None] >= right, (x.size, y.size))
    tau = fp.mean_first_passage_time(_separable_drift, _separable_noise, (x, y), target)
    tau_1d = fp.mean_first_passage_time(well_drift, unit_noise, x, x >= right)
    # y does not affect passage in x: every column equals the 1-D chain's answer (solver round-off)
    np.testing.assert_allclose(tau, np.broadcast_to(tau_1d[:, None], tau.shape), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("coupling", [0.0, 0.8])
def test_2d_ornstein_uhlenbeck_covariance(coupling):
    # dx = A x dt + sigma dW; stationary covariance solves A S + S A^T + sigma^2 I = 0 (Lyapunov);
    # coupling != 0 makes the drift non-gradient (irreversible chain)
    theta, sigma = 1.5, 0.8
    a = np.array([[-theta, coupling], [-coupling, -2 * theta]])
    cov = linalg.solve_continuous_lyapunov(a, -(sigma**2) * np.eye(2))
    if coupling == 0.0:
        assert cov[0, 0] == pytest.approx(sigma**2 / (2 * theta))
    x = np.linspace(-3.0, 3.0, 121)
    y = np.linspace(-2.2, 2.2, 111)
    pi = fp.stationary_distribution(
        lambda X, Y: (a[0, 0] * X + a[0, 1] * Y, a[1, 0] * X + a[1, 1] * Y), lambda X, Y: (sigma, sigma), (x, y)
    )
    X, Y = np.meshgrid(x, y, indexing="ij")
    mean = np.array([np.sum(pi * X), np.sum(pi * Y)])
    got = np.array([[np.sum(pi * X * X), np.sum(pi * X * Y)], [np.sum(pi * X * Y), np.sum(pi * Y * Y)]])
    np.testing.assert_allclose(mean, 0.0, atol=1e-12)
    # O(h^2) = 2.5e-3 relative with h/std ~ 0.07-0.1; domain cut beyond 6 std
    np.testing.assert_allclose(got, cov, rtol=3e-3, atol=3e-3 * cov[0, 0])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: fp.stationary_distribution(well_drift, unit_noise, [0.0, 1.0]), "at least 3"),
        (lambda: fp.stationary_distribution(well_drift, unit_noise, [0.0, 2.0, 1.0]), "increasing"),
        (lambda: fp.stationary_distribution(well_drift, lambda x: 0.0 * x, np.linspace(-1, 1, 5)), "nonzero"),
        (lambda: fp.stationary_distribution(lambda x: np.nan * x, unit_noise, np.linspace(-1, 1, 5)), "finite"),
        (lambda: fp.stationary_distribution(lambda x, y: (x,), _separable_noise, (np.arange(3.0), np.arange(4.0))), "2 components"),
        (lambda: fp.region_probability(well_drift, unit_noise, np.linspace(-1, 1, 5), np.ones(4, bool)), "region"),
        (lambda: fp.mean_first_passage_time(well_drift, unit_noise, np.linspace(-1, 1, 5), np.zeros(5, bool)), "at least one"),
        (lambda: fp.stationary_distribution(well_drift, unit_noise, np.zeros((3, 3))), "grid"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def _metastable(barrier):
    well = DoubleWellPotential(barrier, 0.3)
    x = np.linspace(-1.8, 1.8, 61)
    y = np.linspace(-1.7, 1.9, 50)

    def drift(X, Y):
        return -well.gradient(X), -2 * well.gradient(Y)

    def noise(X, Y):
        return SQRT2 + 0 * X, 2.0 + 0 * Y

    px = fp.stationary_distribution(lambda z: -well.gradient(z), lambda z: SQRT2 + 0 * z, x)
    py = fp.stationary_distribution(lambda z: -2 * well.gradient(z), lambda z: 2.0 + 0 * z, y)
    return well, x, y, drift, noise, np.outer(px, py)


@pytest.mark.parametrize("barrier", [20.0, 60.0])
def test_2d_metastable_stationary_is_entrywise_exact(barrier):
    well, x, y, drift, noise, product = _metastable(barrier)
    rates = fp._Rates(drift, noise, (x, y))
    src, dst, rate = rates.transitions()
    # the LU path's error estimate rejects it here (its rounding acts as a leak larger than
    # the escape flux) ...
    assert fp._stationary_lu(src, dst, rate, product.size) is None
    pi = fp.stationary_distribution(drift, noise, (x, y))
    # ... and the GTH fallback matches the product of the exact 1-D chain laws entrywise over
    # 200 decades (GTH's error bound: a few n eps relative per entry)
    significant = product > 1e-200
    np.testing.assert_allclose(pi[significant], product[significant], rtol=1e-10)


def test_gth_and_lu_agree_on_an_irreversible_chain():
    x = np.linspace(-2.0, 2.0, 31)
    y = np.linspace(-2.0, 2.0, 27)

    def drift(X, Y):
        return -WELL.gradient(X) + 0.7 * Y, -WELL.gradient(Y) - 0.7 * X

    def noise(X, Y):
        return SQRT2 * (1 + 0.2 * np.tanh(Y)), SQRT2 * (1 + 0.1 * X * X)

    rates = fp._Rates(drift, noise, (x, y))
    src, dst, rate = rates.transitions()
    lu = fp._stationary_lu(src, dst, rate, x.size * y.size)
    assert lu is not None  # the fast path is trusted on this benign chain
    gth = fp._gth_solve(rates, np.zeros(lu.size), np.zeros(lu.size), stationary=True)
    # LU accepted means estimated error < 1e-10 of the largest mass; GTH is exact entrywise
    np.testing.assert_allclose(gth / gth.sum(), lu, rtol=0, atol=1e-9 * lu.max())
    target = np.zeros((x.size, y.size), bool)
    target[-3:, :] = True
    margin = np.zeros(lu.size)
    flat = target.ravel()
    into = flat[dst] & ~flat[src]
    margin += np.bincount(src[into], weights=rate[into], minlength=lu.size)
    tau_public = fp.mean_first_passage_time(drift, noise, (x, y), target)
    assert fp._mfpt_lu(src, dst, rate, flat) is not None  # the fast path was taken above
    # GTH on the same chain (moves touching the target removed, their rates as margins)
    for k in range(2):
        low = target[tuple(slice(None, -1) if i == k else slice(None) for i in range(2))]
        high = target[tuple(slice(1, None) if i == k else slice(None) for i in range(2))]
        rates.forward[k] = np.where(low | high, 0.0, rates.forward[k])
        rates.backward[k] = np.where(low | high, 0.0, rates.backward[k])
    margin[flat] = 1.0
    tau_gth = fp._gth_solve(rates, margin, np.where(flat, 0.0, 1.0), stationary=False).reshape(target.shape)
    np.testing.assert_allclose(tau_gth, tau_public, rtol=1e-9)


def test_metastable_mfpt_keeps_relative_accuracy():
    well = DoubleWellPotential(20.0, 0.3)
    left, right = well.minima()
    x = _nodes_at([left, right], -1.8, 1.8, 400)
    tau = fp.mean_first_passage_time(lambda z: -well.gradient(z), lambda z: SQRT2 + 0 * z, x, x >= right)
    exact = exact_mfpt(well, left, right, 1.0, reflecting=-1.8)
    rates = fp._Rates(lambda z: -well.gradient(z), lambda z: SQRT2 + 0 * z, (x,))
    src, dst, rate = rates.transitions()
    # rate x time ~ 1e5/s x 2e7 s: LU's rounding exceeds the 1e-8 acceptance, GTH is used
    assert fp._mfpt_lu(src, dst, rate, x >= right) is None
    # O(h^2) discretisation error at 400 nodes per unit (steep walls: constant ~ |u'''|)
    assert tau[np.flatnonzero(x == left)[0]] == pytest.approx(exact, rel=2e-3)
    # 2-D separable version: every y column equals the 1-D answer
    y = np.linspace(-1.7, 1.9, 12)
    target = np.broadcast_to((x >= right)[:, None], (x.size, y.size))
    tau_2d = fp.mean_first_passage_time(
        lambda X, Y: (-well.gradient(X), -2 * well.gradient(Y)), lambda X, Y: (SQRT2 + 0 * X, 2.0 + 0 * Y), (x, y), target
    )
    np.testing.assert_allclose(tau_2d, np.broadcast_to(tau[:, None], tau_2d.shape), rtol=1e-10)
