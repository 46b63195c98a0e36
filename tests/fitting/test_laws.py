"""Correlation-time, supply-power, softmax and mixture fits against known parameters and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from noisecircuits.constants import BOLTZMANN
from noisecircuits.errors import FitError
from noisecircuits.fitting import (
    FitResult,
    fit_categorical_softmax_ml,
    fit_continuous_mixture_ml,
    fit_correlation_time_ls,
    fit_supply_power_ls,
)
from noisecircuits.fitting.categorical import softmax_probabilities
from noisecircuits.fitting.correlation import correlation_time
from noisecircuits.fitting.power import supply_power


def test_correlation_law_equals_two_state_rates_for_symmetric_tilt():
    # oracle: k+- = k0 exp(+-x/2), P(1) = k+/(k+ + k-), tau_c = 1/(k+ + k-) (Machlup 1954)
    k0 = 2.0e6
    x = np.linspace(-8, 8, 33)
    k_plus, k_minus = k0 * np.exp(x / 2), k0 * np.exp(-x / 2)
    p = k_plus / (k_plus + k_minus)
    tau_exact = 1.0 / (k_plus + k_minus)
    law = {"tau_peak_ref_s": 1 / (2 * k0), "tau_activation_energy_J": 0.0, "tau_shape_exponent": 0.5, "t_ref_K": 300.0}
    assert np.allclose(correlation_time(law, p, 300.0), tau_exact, rtol=1e-12)


def test_correlation_fit_recovers_known_law():
    rng = np.random.default_rng(4)
    truth = {"tau_peak_ref_s": 1e-7, "tau_activation_energy_J": 0.2 * 1.602e-19, "tau_shape_exponent": 0.5, "t_ref_K": 300.0}
    t = np.repeat([250.0, 300.0, 350.0], 20)
    p = np.tile(np.linspace(0.02, 0.98, 20), 3)
    noise = 0.05
    tau = correlation_time(truth, p, t) * np.exp(rng.normal(0, noise, t.size))
    fit = fit_correlation_time_ls(p, t, tau, t_ref=300.0)
    for name in ("tau_peak_ref_s", "tau_activation_energy_J", "tau_shape_exponent"):
        # fixed seed, 3 standard errors
        assert abs(fit.parameters[name] - truth[name]) <= 3 * fit.stderr[name], name
    # the residual scatter estimates the injected log-normal noise (60 points: ~10 % relative error)
    assert fit.goodness_of_fit["rms_log_residual"] == pytest.approx(noise, rel=0.3)


def test_correlation_fit_single_temperature_fixes_activation():
    p = np.linspace(0.1, 0.9, 9)
    law = {"tau_peak_ref_s": 3e-8, "tau_activation_energy_J": 0.0, "tau_shape_exponent": 0.7, "t_ref_K": 310.0}
    fit = fit_correlation_time_ls(p, np.full(9, 310.0), correlation_time(law, p, 310.0), t_ref=310.0)
    assert fit.parameters["tau_activation_energy_J"] == 0.0
    assert np.isnan(fit.stderr["tau_activation_energy_J"])
    # noiseless data: exact up to rounding
    assert fit.parameters["tau_shape_exponent"] == pytest.approx(0.7, rel=1e-9)
    assert fit.parameters["tau_peak_ref_s"] == pytest.approx(3e-8, rel=1e-9)
    with pytest.raises(FitError, match="not identifiable"):
        fit_correlation_time_ls(np.full(4, 0.5), np.full(4, 300.0), np.full(4, 1e-7), t_ref=300.0)


def test_supply_power_fit_is_exact_on_noiseless_data():
    t = np.array([250.0, 275.0, 300.0, 325.0, 350.0])
    law = {"supply_power_ref_W": 2e-9, "supply_power_log_slope_per_K": 0.012, "t_ref_K": 300.0}
    fit = fit_supply_power_ls(t, supply_power(law, t), t_ref=300.0)
    assert fit.parameters["supply_power_ref_W"] == pytest.approx(2e-9, rel=1e-9)
    assert fit.parameters["supply_power_log_slope_per_K"] == pytest.approx(0.012, rel=1e-9)


def test_boltzmann_constant_comes_from_scipy():
    from scipy import constants

    assert BOLTZMANN == constants.k


def test_softmax_round_trip_within_three_sigma():
    rng = np.random.default_rng(11)
    offsets = np.array([0.0, 0.4, -0.3, 0.2])
    gain = 30.0
    v = rng.uniform(0.0, 0.1, size=(40, 4))
    counts = np.array([rng.multinomial(1500, p) for p in softmax_probabilities(offsets, gain, v)])
    fit = fit_categorical_softmax_ml(v, counts)
    for k in range(1, 4):
        # fixed seed, 3 sigma
        assert abs(fit.parameters[f"theta_offset_{k}"] - offsets[k]) <= 3 * fit.stderr[f"theta_offset_{k}"]
    assert abs(fit.parameters["gain_per_V"] - gain) <= 3 * fit.stderr["gain_per_V"]
    assert fit.goodness_of_fit["p_value"] > 1e-3


def test_softmax_effective_counts_scale_errors():
    rng = np.random.default_rng(12)
    v = rng.uniform(0.0, 0.1, size=(20, 3))
    counts = np.array([rng.multinomial(1000, p) for p in softmax_probabilities([0, 0.2, -0.1], 20.0, v)])
    full = fit_categorical_softmax_ml(v, counts)
    ninth = fit_categorical_softmax_ml(v, counts, n_effective=counts.sum(axis=1) / 9.0)
    # information / 9 at fixed proportions -> stderr x 3, estimates unchanged
    assert ninth.stderr["gain_per_V"] == pytest.approx(3 * full.stderr["gain_per_V"], rel=1e-6)
    assert ninth.parameters["gain_per_V"] == pytest.approx(full.parameters["gain_per_V"], rel=1e-8)


def test_softmax_errors():
    v = np.zeros((5, 3))
    with pytest.raises(FitError, match="not identifiable"):
        fit_categorical_softmax_ml(v, np.full((5, 3), 10))
    with pytest.raises(FitError, match="never observed"):
        fit_categorical_softmax_ml(np.random.default_rng(0).random((5, 3)), np.array([[5, 5, 0]] * 5))
    with pytest.raises(FitError, match="shape"):
        fit_categorical_softmax_ml(np.zeros(3), np.zeros(3))


def _mixture_samples(seed, n=1500):
    rng = np.random.default_rng(seed)
    v = np.linspace(0.2, 0.6, 9)
    w = special.expit((v - 0.4) / 0.05)
    samples = []
    for wi in w:
        upper = rng.random(n) < wi
        samples.append(np.where(upper, rng.normal(0.7, 0.05, n), rng.normal(0.2, 0.08, n)))
    return v, samples


def test_mixture_round_trip_within_three_sigma():
    v, samples = _mixture_samples(21)
    fit = fit_continuous_mixture_ml(v, samples)
    truth = {"weight_v_mid_V": 0.4, "weight_v_width_V": 0.05, "mean_zero_V": 0.2, "mean_one_V": 0.7,
             "std_zero_V": 0.08, "std_one_V": 0.05}
    for name, value in truth.items():
        # fixed seed, 3 sigma
        assert abs(fit.parameters[name] - value) <= 3 * fit.stderr[name], name


def test_mixture_of_one_mode_raises():
    rng = np.random.default_rng(2)
    with pytest.raises(FitError, match="two modes"):
        fit_continuous_mixture_ml([0.1, 0.2, 0.3], [rng.normal(0, 0.1, 500) for _ in range(3)])


def test_fit_result_validates_shapes_and_serialises():
    res = FitResult({"a": 1.0, "t": 2.0}, {"a": 0.1, "t": float("nan")}, [[0.01]], ("a",), -3.0, 5)
    d = res.to_dict()
    assert d["stderr"]["t"] is None and d["covariance"] == [[0.01]]
    assert res.covariance.flags.writeable is False
    with pytest.raises(FitError, match="covariance"):
        FitResult({"a": 1.0}, {"a": 0.1}, [[1.0, 0.0]], ("a",), 0.0, 1)
    with pytest.raises(FitError, match="not keys"):
        FitResult({"a": 1.0}, {"a": 0.1}, [[1.0]], ("b",), 0.0, 1)


@pytest.mark.slow
def test_mixture_stderr_matches_spread_over_seeds():
    estimates, errors = [], []
    for seed in range(30):
        v, samples = _mixture_samples(700 + seed, n=600)
        fit = fit_continuous_mixture_ml(v, samples)
        estimates.append(list(fit.parameters.values()))
        errors.append(list(fit.stderr.values()))
    ratio = np.std(estimates, axis=0, ddof=1) / np.mean(errors, axis=0)
    # 30 seeds: a sample std has relative error 1/sqrt(58) = 13 %; allow 3.5 of those
    assert np.all(np.abs(ratio - 1) < 3.5 / np.sqrt(58)), ratio
