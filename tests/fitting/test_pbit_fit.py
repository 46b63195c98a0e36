"""Binomial ML fits of p-bit transfer curves: round trips from known parameters, errors, internals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, special

from noisecircuits.errors import FitError
from noisecircuits.fitting import fit_pbit_temperature_ml, fit_pbit_transfer_ml
from noisecircuits.fitting._forms import log_terms
from noisecircuits.fitting.pbit import _Likelihood
from noisecircuits.fitting.transfer_law import PARAMETER_NAMES

TRUE = {"v_mid_ref_V": 0.05, "dv_mid_dT_V_per_K": -1.0e-3, "v_width_ref_V": 0.02, "width_exponent": 1.0, "t_ref_K": 300.0}


@pytest.mark.parametrize("form", ["logistic", "probit"])
def test_log_terms_match_scipy_and_finite_differences(form):
    z = np.linspace(-30, 30, 121)
    lf, lg, dlf, dlg, d2lf, d2lg = log_terms(form, z)
    ref = special.expit(z) if form == "logistic" else special.ndtr(z)
    ok = (ref > 1e-300) & (ref < 1.0)
    # log F agrees with scipy's CDF to double precision where it is representable
    assert np.allclose(lf[ok], np.log(ref[ok]), rtol=1e-12, atol=1e-12)
    h = 1e-5
    up, down = log_terms(form, z + h), log_terms(form, z - h)
    # central differences: error O(h^2) ~ 1e-10 relative to the derivative scale (|z| up to 30)
    assert np.allclose(dlf, (up[0] - down[0]) / (2 * h), rtol=1e-6, atol=1e-7)
    assert np.allclose(dlg, (up[1] - down[1]) / (2 * h), rtol=1e-6, atol=1e-7)
    assert np.allclose(d2lf, (up[2] - down[2]) / (2 * h), rtol=1e-6, atol=1e-7)
    assert np.allclose(d2lg, (up[3] - down[3]) / (2 * h), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("form", ["logistic", "probit"])
def test_analytic_gradient_and_hessian_match_numerical(form, pbit_frame):
    df = pbit_frame(1, form=form)
    lik = _Likelihood(df.v_bias_V.to_numpy(), df.temperature_K.to_numpy(), df.n_ones.to_numpy(float),
                      df.n_samples.to_numpy(float), 300.0, form)
    u = np.array([0.045, -8e-4, np.log(0.022), 0.8])
    free = [0, 1, 2, 3]
    _, g, hess = lik(u, free)
    num_g = optimize.approx_fprime(u, lambda x: lik(x, free)[0], 1e-7 * np.maximum(1, np.abs(u)))
    # forward differences at step 1e-7: relative accuracy ~1e-5 of the gradient's scale
    assert np.allclose(g, num_g, rtol=1e-4, atol=1e-3 * np.max(np.abs(g)))
    step = 1e-6 * np.maximum(1e-3, np.abs(u))
    num_h = np.column_stack([(lik(u + e, free)[1] - lik(u - e, free)[1]) / (2 * s) for e, s in zip(np.diag(step), step)])
    # central differences of the analytic gradient: relative accuracy ~1e-6
    assert np.allclose(hess, num_h, rtol=1e-5, atol=1e-6 * np.max(np.abs(hess)))


@pytest.mark.parametrize("form", ["logistic", "probit"])
def test_temperature_law_round_trip_within_three_sigma(form, pbit_frame):
    fit = fit_pbit_temperature_ml(pbit_frame(12345, form=form), form=form)
    assert fit.parameter_names == PARAMETER_NAMES
    assert fit.parameters["t_ref_K"] == 300.0
    for name in PARAMETER_NAMES:
        # one fixed seed: |error| <= 3 standard errors (fails with probability ~0.3 % per parameter)
        assert abs(fit.parameters[name] - TRUE[name]) <= 3.0 * fit.stderr[name], name
    assert fit.n_points == 45
    assert fit.goodness_of_fit["dof"] == 41
    assert fit.goodness_of_fit["p_value"] > 1e-3  # correct model: deviance ~ chi2(41)


def test_single_temperature_round_trip(pbit_frame):
    df = pbit_frame(7, temperatures=(300.0,), n_bias=21)
    fit = fit_pbit_transfer_ml(df, form="logistic")
    assert set(fit.parameter_names) == {"v_mid_V", "v_width_V"}
    # 3 sigma with one fixed seed
    assert abs(fit.parameters["v_mid_V"] - 0.05) <= 3 * fit.stderr["v_mid_V"]
    assert abs(fit.parameters["v_width_V"] - 0.02) <= 3 * fit.stderr["v_width_V"]
    assert fit.parameters["temperature_K"] == 300.0


@pytest.mark.parametrize("truth", ["logistic", "probit"])
def test_auto_form_picks_the_generating_form(truth, pbit_frame):
    # 45 points of n = 2000 over the whole sigmoid: the tails separate the forms by far more than
    # the likelihood noise (measured log-likelihood differences are ~50-60)
    fit = fit_pbit_temperature_ml(pbit_frame(3, form=truth), form="auto")
    other = "probit" if truth == "logistic" else "logistic"
    assert fit.form == truth
    assert fit.details[f"log_likelihood_{truth}"] - fit.details[f"log_likelihood_{other}"] > 10.0
    assert fit.log_likelihood == fit.details[f"log_likelihood_{truth}"]


def test_effective_sample_size_scales_standard_errors(pbit_frame):
    df = pbit_frame(5)
    full = fit_pbit_temperature_ml(df, form="logistic")
    quarter = df.assign(n_effective=df.n_samples / 4.0)
    reduced = fit_pbit_temperature_ml(quarter, form="logistic")
    assert reduced.details["n_effective_used"]
    for name in PARAMETER_NAMES:
        # counts scaled by 1/4 at fixed proportions: same estimates, information / 4 -> stderr x 2
        assert reduced.parameters[name] == pytest.approx(full.parameters[name], rel=1e-7, abs=1e-12)
        assert reduced.stderr[name] == pytest.approx(2.0 * full.stderr[name], rel=1e-6)


def test_fitted_stderr_matches_spread_over_seeds(pbit_frame):
    # 60 seeds: the sample std of an estimate has relative error 1/sqrt(2*59) = 9 %; allow 3.5 of those
    estimates = []
    errors = []
    for seed in range(60):
        fit = fit_pbit_temperature_ml(pbit_frame(1000 + seed), form="logistic")
        estimates.append([fit.parameters[n] for n in PARAMETER_NAMES])
        errors.append([fit.stderr[n] for n in PARAMETER_NAMES])
    spread = np.std(estimates, axis=0, ddof=1)
    mean_se = np.mean(errors, axis=0)
    assert np.all(np.abs(spread / mean_se - 1.0) < 3.5 / np.sqrt(2 * 59))


def test_non_monotone_data_raise(pbit_frame):
    df = pbit_frame(2, temperatures=(300.0,))
    df.loc[10, "n_ones"] = 0  # a deep drop on the high side
    with pytest.raises(FitError, match="not monotone"):
        fit_pbit_transfer_ml(df)


def test_decreasing_curve_raises(pbit_frame):
    df = pbit_frame(2, temperatures=(300.0,))
    df["n_ones"] = df.n_samples - df.n_ones
    with pytest.raises(FitError, match="monotone|increase"):
        fit_pbit_transfer_ml(df)


def test_saturated_and_empty_data_raise(pbit_frame):
    df = pbit_frame(2, temperatures=(300.0,))
    saturated = df.assign(n_ones=np.where(df.v_bias_V > 0.05, df.n_samples, 0))
    with pytest.raises(FitError, match="narrow|width is not resolved"):
        fit_pbit_transfer_ml(saturated)
    with pytest.raises(FitError, match="narrow"):
        fit_pbit_transfer_ml(df.assign(n_ones=0))
    one_inside = saturated.copy()
    one_inside.loc[7, "n_ones"] = 600  # a single point inside an otherwise perfectly separated step
    with pytest.raises(FitError, match="inside the transition"):
        fit_pbit_transfer_ml(one_inside)
    with pytest.raises(FitError, match="all counts are zero"):
        fit_pbit_transfer_ml(df.assign(n_ones=0, n_samples=0))


def test_temperature_law_needs_two_temperatures_and_transfer_needs_one(pbit_frame):
    with pytest.raises(FitError, match="two or more temperatures"):
        fit_pbit_temperature_ml(pbit_frame(2, temperatures=(300.0,)))
    with pytest.raises(FitError, match="temperatures"):
        fit_pbit_transfer_ml(pbit_frame(2))


def test_bad_form_raises(pbit_frame):
    from noisecircuits.errors import NoisecircuitsError

    with pytest.raises(NoisecircuitsError, match="form must be one of"):
        fit_pbit_transfer_ml(pbit_frame(2, temperatures=(300.0,)), form="tanh")


@pytest.mark.slow
def test_coverage_of_one_sigma_intervals(pbit_frame):
    n_seeds = 400
    inside = np.zeros(len(PARAMETER_NAMES))
    for seed in range(n_seeds):
        fit = fit_pbit_temperature_ml(pbit_frame(50_000 + seed), form="logistic")
        for i, name in enumerate(PARAMETER_NAMES):
            inside[i] += abs(fit.parameters[name] - TRUE[name]) < fit.stderr[name]
    fraction = inside / n_seeds
    expected = special.erf(1 / np.sqrt(2))  # 0.6827
    binomial_se = np.sqrt(expected * (1 - expected) / n_seeds)
    # each parameter's coverage within 3.5 binomial standard errors of 68.27 %
    assert np.all(np.abs(fraction - expected) < 3.5 * binomial_se), fraction
