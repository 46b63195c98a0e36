"""Potentials: derivatives, stationary points, and the mixture law."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from noisecircuits.errors import ParameterError
from noisecircuits.physics.potentials import DoubleWellPotential, GaussianMixturePotential, MultiWellPotential

POTENTIALS = [
    DoubleWellPotential(4.0, 0.7),
    MultiWellPotential(positions=(-2.0, 0.0, 1.5), depths=(0.0, 1.0, -0.5), width=0.45),
    GaussianMixturePotential(means=(-1.0, 0.8), stds=(0.3, 0.5), weights=(1.0, 3.0)),
]


@pytest.mark.parametrize("potential", POTENTIALS, ids=type)
def test_derivatives_match_finite_differences(potential):
    x = np.linspace(-2.5, 2.5, 41)
    step = 1e-4
    # central differences: truncation error step^2/6 * |u'''| ~ 1e-8 * |u'''| (|u'''| <~ 1e2 here)
    du = (np.asarray(potential.energy(x + step)) - potential.energy(x - step)) / (2 * step)
    d2u = (np.asarray(potential.gradient(x + step)) - potential.gradient(x - step)) / (2 * step)
    np.testing.assert_allclose(potential.gradient(x), du, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(potential.curvature(x), d2u, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("potential", POTENTIALS, ids=type)
def test_stationary_points_are_roots_and_alternate(potential):
    points = potential.stationary_points()
    assert np.all(np.diff(points) > 0)
    # roots polished to machine precision relative to the curvature scale
    np.testing.assert_allclose(potential.gradient(points), 0.0, atol=1e-9 * np.max(np.abs(potential.curvature(points))))
    minima, maxima = potential.minima(), potential.maxima()
    assert minima.size == maxima.size + 1
    assert np.all(minima[:-1] < maxima) and np.all(maxima < minima[1:])


def test_double_well_closed_forms():
    well = DoubleWellPotential(5.0)
    np.testing.assert_allclose(well.minima(), [-1.0, 1.0], atol=1e-14)
    np.testing.assert_allclose(well.maxima(), [0.0], atol=1e-14)
    assert well.energy(0.0) - well.energy(1.0) == pytest.approx(5.0)
    assert well.curvature(1.0) == pytest.approx(8 * 5.0) and well.curvature(0.0) == pytest.approx(-4 * 5.0)
    tilted = DoubleWellPotential(5.0, 2.0)
    assert tilted.energy(1.0) == pytest.approx(-2.0)
    # beyond the critical tilt 8h/(3 sqrt 3) one well is left
    assert tilted.critical_tilt == pytest.approx(8 * 5 / (3 * math.sqrt(3)))
    assert DoubleWellPotential(5.0, 1.01 * tilted.critical_tilt).minima().size == 1
    assert DoubleWellPotential(5.0, 0.99 * tilted.critical_tilt).minima().size == 2


def test_mixture_density_is_the_mixture():
    mix = POTENTIALS[2]
    x = np.linspace(-3, 3, 61)
    expected = 0.25 * stats.norm.pdf(x, -1.0, 0.3) + 0.75 * stats.norm.pdf(x, 0.8, 0.5)
    np.testing.assert_allclose(mix.density(x), expected, rtol=1e-13)
    assert mix.weights == pytest.approx((0.25, 0.75))
    total, err = integrate.quad(mix.density, -np.inf, np.inf, epsabs=0, epsrel=1e-12)
    assert total == pytest.approx(1.0, abs=1e-10)


def test_multiwell_depths_set_log_occupations_of_separated_wells():
    # wells 12 widths apart, cut half-way: each well loses/gains tails Phi(-6) = 1e-9 (x e^2 at most)
    wells = MultiWellPotential(positions=(-12.0, 0.0, 12.0), depths=(0.0, 1.0, 2.0), width=1.0)
    boltz = lambda x: math.exp(-float(wells.energy(x)))  # noqa: E731
    masses = [integrate.quad(boltz, a, b, epsabs=0, epsrel=1e-12)[0] for a, b in ((-40, -6), (-6, 6), (6, 40))]
    np.testing.assert_allclose(np.log(masses) - math.log(masses[0]), [0.0, 1.0, 2.0], atol=1e-7)
    np.testing.assert_allclose(wells.minima(), [-12.0, 0.0, 12.0], atol=1e-9)


@pytest.mark.parametrize(
    "factory, match",
    [
        (lambda: DoubleWellPotential(0.0, 0.0), "barrier"),
        (lambda: DoubleWellPotential(float("inf"), 0.0), "barrier"),
        (lambda: DoubleWellPotential(1.0, float("nan")), "tilt"),
        (lambda: MultiWellPotential((0.0, 1.0), (0.0,), 1.0), "depths"),
        (lambda: MultiWellPotential((1.0, 0.0), (0.0, 0.0), 1.0), "increasing"),
        (lambda: MultiWellPotential((0.0, 1.0), (0.0, 0.0), 0.0), "width"),
        (lambda: GaussianMixturePotential((0.0,), (-1.0,), (1.0,)), "stds"),
        (lambda: GaussianMixturePotential((0.0,), (1.0,), (0.0,)), "weights"),
        (lambda: GaussianMixturePotential((0.0, 1.0), (1.0,), (1.0,)), "equal lengths"),
        (lambda: GaussianMixturePotential((), (), ()), "means"),
    ],
)
def test_bad_parameters_raise(factory, match):
    with pytest.raises(ParameterError, match=match):
        factory()
