"""Exact 1-D oracles against independent quadrature, ODE solutions and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from noisecircuits.errors import ParameterError
from noisecircuits.physics.oracles import (
    double_well_correlation_time,
    double_well_dwell_times,
    double_well_p_right,
    kramers_rate,
    mean_first_passage_time,
    occupation,
    stationary_density,
)
from noisecircuits.physics.potentials import DoubleWellPotential, GaussianMixturePotential, MultiWellPotential


def quad(f, a, b):
    return integrate.quad(f, a, b, epsabs=0, epsrel=1e-13, limit=500)[0]


class LinearPotential:
    """u = f x: no stationary point; needs a reflecting wall (closed-form MFPT)."""

    def __init__(self, force):
        self.force = force

    def energy(self, x):
        return self.force * np.asarray(x, dtype=float)

    def curvature(self, x):
        return np.zeros_like(np.asarray(x, dtype=float))

    def stationary_points(self):
        return np.array([])


@pytest.mark.parametrize(
    "potential, split",
    [
        (DoubleWellPotential(3.0, 0.5), 0.0),
        (DoubleWellPotential(12.0, -1.0), 0.3),
        (MultiWellPotential((-2.0, 0.0, 2.0), (0.0, 1.5, 0.5), 0.5), 1.0),
    ],
    ids=["dw3", "dw12", "multi"],
)
def test_occupation_matches_adaptive_quadrature(potential, split):
    boltz = lambda x: math.exp(-float(potential.energy(x)) + float(potential.energy(potential.minima()[0])))  # noqa: E731
    right = quad(boltz, split, np.inf)
    left = quad(boltz, -np.inf, split)
    # both are exact to ~1e-12 relative (quad's estimate); 1e-10 leaves room for its error
    assert occupation(potential, split) == pytest.approx(right / (left + right), rel=1e-10)


def test_occupation_of_a_mixture_is_its_closed_form():
    mix = GaussianMixturePotential((-1.0, 0.5, 2.0), (0.3, 0.2, 0.6), (0.2, 0.5, 0.3))
    for split in (-1.0, 0.0, 0.9, 3.5):
        exact = sum(w * stats.norm.sf(split, m, s) for m, s, w in zip(mix.means, mix.stds, mix.weights))
        # closed form via the normal survival function, exact to ~1e-16
        assert occupation(mix, split) == pytest.approx(exact, rel=1e-10)
    x = np.linspace(-2, 3, 11)
    np.testing.assert_allclose(stationary_density(mix, x), mix.density(x), rtol=1e-10)


def test_stationary_density_is_normalised():
    well = DoubleWellPotential(6.0, 1.3)
    total = quad(lambda x: stationary_density(well, x), -np.inf, np.inf)
    assert total == pytest.approx(1.0, abs=1e-10)


def test_p_right_tends_to_logistic_2b_at_order_1_over_h():
    tilt = 0.5
    errors = {h: double_well_p_right(h, tilt) - special.expit(2 * tilt) for h in (20.0, 40.0, 80.0, 160.0)}
    # corrections (well shift b/8h, curvature ratio) are O(1/h): halving them when h doubles
    ratios = [errors[h] / errors[2 * h] for h in (20.0, 40.0, 80.0)]
    np.testing.assert_allclose(ratios, 2.0, rtol=0.05)
    assert abs(errors[160.0]) < 2e-3


def test_slope_at_zero_tilt_is_half_mean_abs_x():
    for barrier in (0.5, 2.0, 6.0):
        well = DoubleWellPotential(barrier)
        z = quad(lambda x: math.exp(-float(well.energy(x))), -np.inf, np.inf)
        mean_abs = 2 * quad(lambda x: x * math.exp(-float(well.energy(x))), 0, np.inf) / z
        db = 1e-3
        slope = (double_well_p_right(barrier, db) - double_well_p_right(barrier, -db)) / (2 * db)
        # central difference: error db^2/6 P''' ~ 1e-7 (P''' = O(1)); oracles exact to 1e-11
        assert slope == pytest.approx(mean_abs / 2, abs=1e-6)


def _mfpt_by_backward_ode(potential, start, target, reflecting, diffusion):
    """Integrate the backward equation D T'' - D u' T' = -1 with T'(r) = 0, T(b) = 0 as an IVP.

    w = T' obeys w' = u' w - 1/D from w(r) = 0; T(a) = -int_a^b w (independent of the quadrature).
    """

    def rhs(x, y):
        w = y[0]
        return [float(potential.gradient(x)) * w - 1.0 / diffusion, w]

    sol = integrate.solve_ivp(rhs, (reflecting, target), [0.0, 0.0], method="DOP853", rtol=1e-12, atol=1e-14,
                              dense_output=True)
    assert sol.success
    return float(sol.sol(start)[1] - sol.y[1, -1])


@pytest.mark.parametrize("barrier, tilt", [(2.0, 0.0), (4.0, 0.8), (6.0, -1.5)])
def test_mfpt_matches_backward_equation(barrier, tilt):
    well = DoubleWellPotential(barrier, tilt)
    left, right = well.minima()
    diffusion = 0.7
    exact = mean_first_passage_time(well, left, right, diffusion, reflecting=-2.0)
    reference = _mfpt_by_backward_ode(well, left, right, -2.0, diffusion)
    # DOP853 at rtol 1e-12 per step, a few hundred steps: agreement to ~1e-11 (measured 4e-13 .. 1e-12)
    assert exact == pytest.approx(reference, rel=1e-10)


def test_mfpt_with_wall_at_minus_2_equals_unbounded_to_truncation():
    well = DoubleWellPotential(4.0, 0.0)
    left, right = well.minima()
    walled = mean_first_passage_time(well, left, right, 1.0, reflecting=-2.0)
    free = mean_first_passage_time(well, left, right, 1.0)
    # mass beyond x = -2 is e^{-u(-2)} ~ e^{-36}: the two agree to that order
    assert walled == pytest.approx(free, rel=1e-12)


def test_mfpt_linear_potential_closed_form():
    length, diffusion = 1.5, 2.0
    for force in (-3.0, 0.5, 4.0):
        exact = (math.expm1(force * length) / force - length) / (diffusion * force)
        got = mean_first_passage_time(LinearPotential(force), 0.0, length, diffusion, reflecting=0.0)
        assert got == pytest.approx(exact, rel=1e-11)
    # free diffusion from a wall: L^2 / (2D)
    assert mean_first_passage_time(LinearPotential(0.0), 0.0, length, diffusion, reflecting=0.0) == pytest.approx(
        length**2 / (2 * diffusion), rel=1e-12
    )


def test_mfpt_is_additive_and_mirror_symmetric():
    well = DoubleWellPotential(5.0, 0.6)
    a, b, c = -1.2, 0.1, 0.9
    whole = mean_first_passage_time(well, a, c, 1.0)
    assert whole == pytest.approx(mean_first_passage_time(well, a, b, 1.0) + mean_first_passage_time(well, b, c, 1.0), rel=1e-10)
    mirror = DoubleWellPotential(5.0, -0.6)
    assert mean_first_passage_time(well, c, a, 1.0) == pytest.approx(mean_first_passage_time(mirror, -c, -a, 1.0), rel=1e-10)
    assert mean_first_passage_time(well, a, c, 2.0) == pytest.approx(whole / 2, rel=1e-14)
    assert mean_first_passage_time(well, a, a, 1.0) == 0.0


def test_mfpt_against_nested_quadrature():
    well = MultiWellPotential((-1.5, 0.0, 1.5), (0.0, 0.5, 1.0), 0.4)
    start, target = well.minima()[0], well.minima()[2]
    lo = -6.0  # u(-6) - u_min > 80 kT: truncation below e^-80
    inner = lambda y: quad(lambda z: math.exp(-float(well.energy(z))), lo, y)  # noqa: E731
    reference = quad(lambda y: math.exp(float(well.energy(y))) * inner(y), start, target)
    assert mean_first_passage_time(well, start, target, 1.0) == pytest.approx(reference, rel=1e-9)


def test_kramers_is_the_high_barrier_limit():
    ratios = []
    for barrier in (3.0, 5.0, 10.0, 20.0, 40.0):
        well = DoubleWellPotential(barrier)
        left, right = well.minima()
        dwell = mean_first_passage_time(well, left, right, 1.0)
        ratios.append(dwell * kramers_rate(well, left, well.maxima()[0], 1.0))
    ratios = np.array(ratios)
    # docs/physics.md §2: Kramers is 4-20 % off at 10-3 kT
    assert 0.04 < ratios[2] - 1 < ratios[0] - 1 < 0.20
    # the first correction is O(1/h): h (ratio - 1) settles to a constant (~0.38)
    scaled = np.array([3.0, 5.0, 10.0, 20.0, 40.0]) * (ratios - 1)
    assert np.all(np.diff(ratios) < 0) and np.all(ratios > 1)
    assert abs(scaled[-1] - scaled[-2]) < 0.05 * scaled[-1]


def test_kramers_closed_form_and_physical_units():
    well = DoubleWellPotential(7.0, 0.0)
    rate = kramers_rate(well, -1.0, 0.0, 3.0)
    assert rate == pytest.approx(3.0 / (2 * math.pi) * math.sqrt(56.0 * 28.0) * math.exp(-7.0), rel=1e-14)


def test_double_well_conveniences():
    tau = 2e-9
    left, right = double_well_dwell_times(4.0, 0.4, tau)
    potential = DoubleWellPotential(4.0, 0.4)
    wl, wr = potential.minima()
    assert left == pytest.approx(mean_first_passage_time(potential, wl, wr, 1 / tau), rel=1e-14)
    assert right > left  # tilt > 0 deepens the right well: it is left more slowly
    assert double_well_correlation_time(4.0, 0.4, tau) == pytest.approx(1 / (1 / left + 1 / right), rel=1e-14)
    sym_left, sym_right = double_well_dwell_times(4.0, 0.0, tau)
    assert sym_left == pytest.approx(sym_right, rel=1e-10)
    assert double_well_correlation_time(4.0, 0.0, tau) == pytest.approx(sym_left / 2, rel=1e-10)
    assert double_well_p_right(4.0, 0.4) + double_well_p_right(4.0, -0.4) == pytest.approx(1.0, abs=1e-12)
    # high barrier: the dwell ratio and the occupation agree (both -> sigma(2b))
    dl, dr = double_well_dwell_times(20.0, 0.4, 1.0)
    assert dr / (dl + dr) == pytest.approx(double_well_p_right(20.0, 0.4), abs=1e-3)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: double_well_dwell_times(2.0, 5.0, 1.0), "tilt"),
        (lambda: double_well_dwell_times(2.0, 0.0, 0.0), "tau"),
        (lambda: mean_first_passage_time(DoubleWellPotential(2.0), -1.0, 1.0, -1.0), "diffusion"),
        (lambda: mean_first_passage_time(DoubleWellPotential(2.0), -1.0, 1.0, 1.0, reflecting=0.0), "reflecting"),
        (lambda: mean_first_passage_time(LinearPotential(1.0), 0.0, 1.0, 1.0), "reflecting"),
        (lambda: kramers_rate(DoubleWellPotential(2.0), 0.0, 1.0, 1.0), "well"),
        (lambda: kramers_rate(DoubleWellPotential(2.0), 1.0, 1.0, 1.0), "top"),
        (lambda: occupation(object()), "potential"),
        (lambda: occupation(DoubleWellPotential(2.0), float("nan")), "split"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(ParameterError, match=match):
        call()
