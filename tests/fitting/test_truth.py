"""Truth tests: a cell fitted to the reference p-bit reproduces the exact (Fokker-Planck) device.

Data: the exact stationary P(1) and mean-first-passage correlation time of the reference p-bit
(circuits/pbit.py) on 5 temperatures (280-320 K) x 21 biases (0.05-0.15 V, the bistable range
at every temperature), turned into synthetic measurements: binomial counts of n = 20000
independent samples per point, and correlation times with a 3 % log-normal error (the relative
standard error given to the fit). The fitted cell is then compared with the exact device on a
grid between the data points (other biases and temperatures) over its whole validity range.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from noisecircuits.cells.calibrate import fit_pbit_cell
from noisecircuits.validation.truth import pbit_truth_figures
from noisecircuits.circuits.pbit import PBit, PBitDesign, v_mid
from noisecircuits.fitting.selection import PoorFitWarning

N_SAMPLES = 20_000
TAU_REL_SE = 0.03
TEMPERATURES = (280.0, 290.0, 300.0, 310.0, 320.0)
BIASES = np.linspace(0.05, 0.15, 21)
# checking grid: biases half-way between the data biases, temperatures between the data ones
CHECK_BIASES = np.linspace(0.0525, 0.1475, 20)
CHECK_TEMPERATURES = (285.0, 305.0, 315.0)


def _exact(temperatures, biases):
    design = PBitDesign.default()
    rows = []
    for t in temperatures:
        for v in biases:
            model = PBit(design, float(v), float(t))
            rows.append((t, v, model.p_one_exact(), model.correlation_time_exact()))
    return np.array(rows)


@pytest.fixture(scope="module")
def exact():
    """Exact P(1) and tau_c at the data points and at the checking points (about 8 s)."""
    design = PBitDesign.default()
    data = _exact(TEMPERATURES, BIASES)
    check = _exact(CHECK_TEMPERATURES, CHECK_BIASES)
    slope = (v_mid(design, 320.0) - v_mid(design, 280.0)) / 40.0
    return {"data": data, "check": np.vstack([data, check]), "dv_mid_dT": slope}


def _measurements(exact_rows, seed):
    rng = np.random.default_rng(seed)
    t, v, p, tau = exact_rows.T
    return pd.DataFrame({
        "v_bias_V": v, "temperature_K": t, "n_ones": rng.binomial(N_SAMPLES, p), "n_samples": N_SAMPLES,
        "correlation_time_s": tau * np.exp(TAU_REL_SE * rng.standard_normal(tau.size)),
    })


def _fit(exact, seed, **options):
    # at this precision (n = 20000, 3 %) the best two-rate law's systematic error is at the
    # detection limit of the goodness-of-fit test: p = 6e-4 to 0.4 over seeds 0-5, so the fit
    # may warn; the truth figures below are what the cell must meet either way
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PoorFitWarning)
        return fit_pbit_cell(_measurements(exact["data"], seed), correlation_time_rel_stderr=TAU_REL_SE, **options)


@pytest.mark.parametrize("seed", [0, 1])
def test_fitted_cell_reproduces_the_exact_pbit(exact, seed):
    cell, fit = _fit(exact, seed)
    assert cell.form == "two_rate"
    # the remaining misfit is small: deviance within about 3.5 sigma of its dof (p > 1e-4)
    assert fit.goodness_of_fit["p_value"] > 1e-4
    t, v, p, tau = exact["check"].T
    figures = pbit_truth_figures(cell, v, t, p, tau)
    # the acceptance: P(1) within 0.01 and tau_c within 10 % over the validity range
    assert figures["max_abs_dp_one"] <= 0.01, figures
    assert figures["max_rel_tau_error"] <= 0.10, figures
    # dv_mid/dT: exact +95 uV/K; the fit's v_mid carries about 0.1 mV of binomial noise per
    # temperature, so 10 % of the slope (about 10 uV/K) is several standard errors
    slope = (cell.v_mid(320.0) - cell.v_mid(280.0)) / 40.0
    assert exact["dv_mid_dT"] == pytest.approx(95e-6, rel=0.05)
    assert slope > 0 and slope == pytest.approx(exact["dv_mid_dT"], rel=0.10)


def test_tau_peaks_near_v_mid_and_falls_toward_both_tails(exact):
    cell, _ = _fit(exact, 1)
    for temperature in (280.0, 300.0, 320.0):
        v = np.linspace(0.05, 0.15, 201)
        tau = cell.correlation_time(v, temperature)
        peak = v[np.argmax(tau)]
        # exact peaks lie 5-15 mV below v_mid (the asymmetric well); both tails fall
        assert abs(peak - cell.v_mid(temperature)) < 0.02
        assert tau[0] < 0.9 * tau.max() and tau[-1] < 0.5 * tau.max()


def test_the_sigmoid_forms_are_rejected_on_the_exact_pbit(exact):
    # the logistic law cannot follow the asymmetric curve: its fit is flagged and warns
    from noisecircuits.fitting.selection import PoorFitWarning

    with pytest.warns(PoorFitWarning, match="poor fit"):
        cell, _ = fit_pbit_cell(_measurements(exact["data"], 0), form="logistic", correlation_time_rel_stderr=TAU_REL_SE)
    assert cell.poor_fit and cell.fit_quality["p_value"] < 0.01


def test_the_demo_summary_figures_agree(exact):
    # compare_with_exact_pbit recomputes the exact device over the cell's validity range itself
    from noisecircuits.validation.truth import compare_with_exact_pbit, format_truth_figures

    cell, _ = _fit(exact, 1)
    figures = compare_with_exact_pbit(cell, n_bias=6, n_temperature=3)
    assert figures["n_points"] == 18
    assert figures["max_abs_dp_one"] <= 0.01 and figures["max_rel_tau_error"] <= 0.10
    # the fixture's v_mid is on the design's 61-point grid, the truth reference's on 121 points
    # (TRUTH_GRID_POINTS): their slopes differ by 2e-5 relative
    assert figures["dv_mid_dT_exact_V_per_K"] == pytest.approx(exact["dv_mid_dT"], rel=1e-4)
    line = format_truth_figures(figures)
    assert line.startswith("max |dP(1)| = 0.00") and "uV/K (exact +95." in line


def test_monostable_points_without_times_count_for_p_one_only(exact):
    # above about 0.155 V the latch is monostable: no correlation time (NaN), counts only
    design = PBitDesign.default()
    extra = []
    for t in (280.0, 300.0, 320.0):
        for v in (0.16, 0.17):
            model = PBit(design, v, t)
            assert not model.bistable
            extra.append((t, v, model.p_one_exact(), np.nan))
    rows = np.vstack([exact["data"], extra])
    frame = _measurements(rows, 1)
    assert frame["correlation_time_s"].isna().sum() == 6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PoorFitWarning)
        cell, fit = fit_pbit_cell(frame, correlation_time_rel_stderr=TAU_REL_SE)
    assert cell.form == "two_rate" and cell.validity["v_bias_V"] == [0.05, 0.17]
    figures = pbit_truth_figures(cell, rows[:, 1], rows[:, 0], rows[:, 2], rows[:, 3])
    assert figures["max_abs_dp_one"] <= 0.01 and figures["max_rel_tau_error"] <= 0.10, figures


def test_the_summary_line_says_pass_or_fail():
    from noisecircuits.validation.truth import format_truth_figures, truth_failures

    good = {"max_abs_dp_one": 0.004, "max_rel_tau_error": 0.05, "dv_mid_dT_V_per_K": 97e-6,
            "dv_mid_dT_exact_V_per_K": 95e-6}
    assert truth_failures(good) == [] and format_truth_figures(good).endswith(": pass")
    # the demo's cell before its sweep was fixed: every figure misses
    bad = {**good, "max_abs_dp_one": 0.0236, "max_rel_tau_error": 0.556, "dv_mid_dT_V_per_K": 141.8e-6}
    assert len(truth_failures(bad)) == 3 and "FAIL (|dP(1)| > 0.01; tau_c error > 10 %" in format_truth_figures(bad)
    assert truth_failures({**good, "dv_mid_dT_V_per_K": -95e-6}) and truth_failures({**good, "max_abs_dp_one": 0.0101})
    # a figure that cannot be computed (one temperature, no tau law) is not a failure
    assert truth_failures({**good, "max_rel_tau_error": float("nan"), "dv_mid_dT_V_per_K": float("nan"),
                           "dv_mid_dT_exact_V_per_K": float("nan")}) == []
