"""Per-point correlation-time standard errors reach the two-rate fit as its weights.

A toolkit sweep carries ``correlation_time_stderr_s`` (the delta-method error of each point's
dwell-based tau_c); a fit that ignored it would give a 40-switch tail point (22 % error) the same
weight as a 2000-switch mid-point (3 %), and call the fit poor when it is not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from noisecircuits.errors import DataError
from noisecircuits.fitting.data import read_pbit_data
from noisecircuits.fitting.rates_fit import fit_pbit_rates_ml, time_relative_errors


def test_relative_errors_of_the_times():
    tau = np.array([1e-6, 2e-6, 4e-6, np.nan, 1e-6])
    se = np.array([1e-7, 0.0, np.nan, 1e-7, 1e-7])
    rel = time_relative_errors(tau, se, 0.05)
    # stated error -> se/tau; 0 (exact) -> the default; NaN error or no time -> not fitted
    assert rel[0] == pytest.approx(0.1) and rel[1] == 0.05 and np.isnan(rel[2]) and np.isnan(rel[3])
    assert rel[4] == pytest.approx(0.1)
    assert np.array_equal(np.isnan(time_relative_errors(tau, None, 0.05)), np.isnan(tau))


def test_lab_and_sweep_tables_keep_the_standard_error_column(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text("v_bias_V,temperature_K,n_ones,n_samples,correlation_time_s,correlation_time_stderr_s\n"
                    "0.1,300,10,100,1e-6,1e-7\n0.12,300,50,100,2e-6,\n0.14,300,90,100,1e-6,0\n")
    data = read_pbit_data(path)
    assert data["correlation_time_stderr_s"][0] == 1e-7 and np.isnan(data["correlation_time_stderr_s"][1])
    path.write_text("v_bias_V,temperature_K,n_ones,n_samples,correlation_time_s,correlation_time_stderr_s\n"
                    "0.1,300,10,100,1e-6,-1e-7\n")
    with pytest.raises(DataError, match="row 1, column correlation_time_stderr_s: must be >= 0"):
        read_pbit_data(path)


def _two_temperature_frame(seed):
    # a tilted-well two-rate process: ln k01 = 12 + 40 (v - 0.1), ln k10 = 12 - 40 (v - 0.1) at 300 K
    rng = np.random.default_rng(seed)
    rows = []
    for t in (290.0, 310.0):
        for v in np.linspace(0.05, 0.15, 9):
            a, b = 12 + 40 * (v - 0.1) + 0.02 * (t - 300), 12 - 40 * (v - 0.1) - 0.02 * (t - 300)
            p, tau = 1 / (1 + np.exp(b - a)), 1 / (np.exp(a) + np.exp(b))
            rel = 0.02 if abs(v - 0.1) < 0.03 else 0.3  # mid-points measured well, tails poorly
            rows.append((v, t, rng.binomial(20000, p), 20000, tau * np.exp(rel * rng.standard_normal()), rel))
    frame = pd.DataFrame(rows, columns=["v_bias_V", "temperature_K", "n_ones", "n_samples", "correlation_time_s", "rel"])
    frame["correlation_time_stderr_s"] = frame.rel * frame.correlation_time_s
    return frame.drop(columns="rel")


def test_the_fit_weights_each_time_by_its_stated_error():
    from noisecircuits.cells.calibrate import fit_pbit_cell

    frame = _two_temperature_frame(3)
    cell, fit = fit_pbit_cell(frame, form="two_rate")
    explicit = fit_pbit_rates_ml(frame, bias_degree=fit.details["bias_degree"],
                                 activation_degree=fit.details["activation_degree"],
                                 correlation_time_stderr_s=frame.correlation_time_stderr_s)
    # the column is what the cell's fit used ...
    assert fit.log_likelihood == pytest.approx(explicit.log_likelihood, rel=1e-9)
    # ... and it matters: with one 5 % error for all, the 30 % tail times are 6 sigma-scale
    # misfits and the goodness-of-fit test rejects a law that is right
    flat = fit_pbit_rates_ml(frame.drop(columns="correlation_time_stderr_s"), bias_degree=1, activation_degree=1)
    weighted = fit_pbit_rates_ml(frame, bias_degree=1, activation_degree=1,
                                 correlation_time_stderr_s=frame.correlation_time_stderr_s)
    assert weighted.goodness_of_fit["p_value"] > 0.01 > flat.goodness_of_fit["p_value"]
