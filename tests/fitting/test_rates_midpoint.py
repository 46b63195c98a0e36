"""The two-rate law in the mid-point frame: its fit recovers a known law within its errors, and it follows a fF latch
on a supply proportional to temperature between the temperatures it was fitted at, where the fixed frame does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from noisecircuits.errors import FitError
from noisecircuits.fitting import rates as law
from noisecircuits.fitting.rates_midpoint import fit_pbit_rates_midpoint_ml
from noisecircuits.fitting.selection import fit_pbit_law

K_B = 1.380649e-23
# a known mid-point law: v_mid(T) curved, width growing faster than T, tau_mid non-Arrhenius (peaks inside the range),
# asymmetric rates (a_1 = 0.65) whose shape changes with temperature
TRUTH = {
    "rate_bias_center_V": 0.259, "rate_bias_scale_V": 1.4e-3, "t_ref_K": 300.0,
    "rate_bias_center_dT_V_per_K": 1.55e-4, "rate_bias_center_d2T_V_per_K2": 2.4e-6,
    "rate_bias_scale_exponent": 2.0, "rate_bias_scale_curvature": 6.0,
    "k01_log_rate": [12.0, 0.65, -0.045], "k10_log_rate": [12.0, -0.35, -0.015],
    "k01_activation_energy_J": [-1.5 * K_B * 300.0, 0.05 * K_B * 300.0, 0.0],
    "k10_activation_energy_J": [-1.5 * K_B * 300.0, 0.05 * K_B * 300.0, 0.0],
    "k01_log_rate_curvature": -20.0, "k10_log_rate_curvature": -20.0,
}
N_SAMPLES = 20_000
TAU_REL = 0.03


def _data(parameters, temperatures, biases_at, seed):
    rng = np.random.default_rng(seed)
    rows = [(t, v) for t in temperatures for v in biases_at(t)]
    t, v = np.array(rows).T
    p = law.p_one(parameters, v, t)
    tau = law.correlation_time(parameters, v, t)
    return pd.DataFrame({"v_bias_V": v, "temperature_K": t, "n_ones": rng.binomial(N_SAMPLES, p), "n_samples": N_SAMPLES,
                         "correlation_time_s": tau * np.exp(TAU_REL * rng.standard_normal(tau.size))})


def _window(parameters, half_widths=3.5, n=11):
    def biases(t):
        mid, width = (float(x) for x in law.bias_frame(parameters, t))
        return mid + width * np.linspace(-half_widths, half_widths, n)
    return biases


@pytest.mark.parametrize("seed", [0, 1])
def test_the_fit_recovers_a_known_midpoint_law_within_its_errors(seed):
    data = _data(TRUTH, (280.0, 290.0, 300.0, 310.0, 320.0), _window(TRUTH), seed)
    fit = fit_pbit_rates_midpoint_ml(data, shape_degree=2, correlation_time_rel_stderr=TAU_REL)
    assert fit.details["temperature_degree"] == 2
    assert fit.goodness_of_fit["p_value"] > 1e-3
    truth = {"rate_bias_center_V": TRUTH["rate_bias_center_V"],
             "rate_bias_center_dT_V_per_K": TRUTH["rate_bias_center_dT_V_per_K"],
             "rate_bias_center_d2T_V_per_K2": TRUTH["rate_bias_center_d2T_V_per_K2"],
             "rate_bias_scale_V": TRUTH["rate_bias_scale_V"], "rate_bias_scale_exponent": 2.0,
             "rate_bias_scale_curvature": 6.0, "k01_log_rate_0": 12.0, "k01_log_rate_1": 0.65,
             "k01_log_rate_2": -0.045, "k10_log_rate_2": -0.015, "k01_log_rate_curvature": -20.0}
    for name, value in truth.items():
        assert abs(fit.parameters[name] - value) < 4 * fit.stderr[name], (name, fit.parameters[name], value, fit.stderr[name])
    fitted = law.law_from_flat(fit.parameters)
    # the frame is the mid-point and the width: P(1) = 1/2 at the centre, logit slope 1/v_s there
    for t in (285.0, 305.0):
        centre, scale = (float(x) for x in law.bias_frame(fitted, t))
        assert law.v_mid(fitted, t) == pytest.approx(centre, abs=1e-12)
        assert law.v_width(fitted, t) == pytest.approx(scale, rel=1e-9)
    # the documented law is the fitted model: its log-likelihood on the data is the fit's
    k01, k10 = law.log_rates(fitted, data["v_bias_V"].to_numpy(), data["temperature_K"].to_numpy())
    p, ones = 1 / (1 + np.exp(k10 - k01)), data["n_ones"].to_numpy()
    ll_counts = np.sum(ones * np.log(p) + (N_SAMPLES - ones) * np.log1p(-p))
    r = (np.log(data["correlation_time_s"].to_numpy()) + np.logaddexp(k01, k10)) / TAU_REL
    constant = fit.details["log_likelihood_counts"] - ll_counts  # the binomial coefficients
    assert np.sum(special.gammaln(N_SAMPLES + 1) - special.gammaln(ones + 1) - special.gammaln(N_SAMPLES - ones + 1)) \
        == pytest.approx(constant, rel=1e-9)
    assert fit.details["log_likelihood_times"] == pytest.approx(
        np.sum(-0.5 * r * r - np.log(TAU_REL * np.sqrt(2 * np.pi))), rel=1e-9)
    assert fitted["k01_log_rate"][0] == fitted["k10_log_rate"][0]
    assert fitted["k01_log_rate"][1] - fitted["k10_log_rate"][1] == pytest.approx(1.0, abs=1e-12)


def test_bad_requests_are_refused():
    data = _data(TRUTH, (290.0, 310.0), _window(TRUTH), 0)
    with pytest.raises(FitError, match="temperature_degree must be 0 to 1"):
        fit_pbit_rates_midpoint_ml(data, temperature_degree=2)
    with pytest.raises(FitError, match="shape_degree must be an integer from 1 to 5"):
        fit_pbit_rates_midpoint_ml(data, shape_degree=6)
    with pytest.raises(FitError, match="needs correlation_time_s"):
        fit_pbit_rates_midpoint_ml(data.drop(columns="correlation_time_s"))
    fit = fit_pbit_rates_midpoint_ml(data, shape_degree=2)
    assert fit.details["temperature_degree"] == 1 and fit.parameters["rate_bias_center_d2T_V_per_K2"] == 0.0


@pytest.mark.slow
def test_the_midpoint_frame_follows_a_ptat_femtofarad_latch_between_its_fit_temperatures():
    """Oracle: the exact Fokker-Planck P(1) and tau_c of a 1 fF latch on a PTAT supply (barrier 0.8-1.3 kT), fitted
    on exact-data samples at 280/300/320 K, compared with exact values at 290 and 310 K that the fit never saw."""
    from noisecircuits.circuits.pbit import PBit
    from noisecircuits.demo import bias_span
    from noisecircuits.design.geometry import PBitGeometry, build_design
    from noisecircuits.design.process import process_named

    geometry = PBitGeometry(supply_voltage=0.07155, latch_width=0.15e-6, latch_length=0.342e-6, bias_width=0.15e-6,
                            bias_length=5.29e-6, v_ref=0.2315, ref_width_ratio=2.0, threshold_shift=0.15,
                            supply_tracking="ptat")
    design = build_design(geometry, process_named("generic"))

    def exact(temperatures, n):
        rows = []
        for t in temperatures:
            for v in bias_span(design, t, n, 0.03, 0.9)[1]:
                cell = PBit(design, float(v), t)
                rows.append((t, v, cell.p_one_exact(), cell.correlation_time_exact() if cell.bistable else np.nan))
        return np.array(rows).T

    t, v, p, tau = exact((280.0, 300.0, 320.0), 9)
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"v_bias_V": v, "temperature_K": t, "n_ones": rng.binomial(N_SAMPLES, p), "n_samples": N_SAMPLES,
                         "correlation_time_s": tau * np.exp(TAU_REL * rng.standard_normal(tau.size))})
    chosen = fit_pbit_law(data, correlation_time_rel_stderr=TAU_REL)
    assert chosen.quality.get("frame") == "midpoint"
    assert chosen.transfer.goodness_of_fit["p_value"] > 0.01
    held_t, held_v, held_p, held_tau = exact((290.0, 310.0), 7)
    timed = np.isfinite(held_tau)
    fitted = law.law_from_flat(chosen.transfer.parameters)
    assert np.max(np.abs(law.p_one(fitted, held_v, held_t) - held_p)) < 0.01
    assert np.max(np.abs(law.correlation_time(fitted, held_v[timed], held_t[timed]) / held_tau[timed] - 1)) < 0.10
    # the fixed frame (Arrhenius in 1/T, bias scaled by T_ref/T) is far behind on the same data, and the best of it is
    # rejected by its own goodness-of-fit test
    fixed = {name: score for name, score in chosen.scores.items() if name.startswith("two_rate_") and "midpoint" not in name}
    assert min(fixed.values()) > min(chosen.scores.values()) + 50
    best_fixed = min(fixed, key=fixed.get)
    bias_degree, activation_degree = (int(x) for x in best_fixed.split("_")[2:])
    from noisecircuits.fitting.rates_fit import fit_pbit_rates_ml
    rejected = fit_pbit_rates_ml(data, bias_degree=bias_degree, activation_degree=activation_degree,
                                 correlation_time_rel_stderr=TAU_REL)
    assert rejected.goodness_of_fit["p_value"] < 0.01
