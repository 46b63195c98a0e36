"""Monotone-spline fit: recovers curves a sigmoid cannot, with honest error bars, and is chosen by the criterion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from noisecircuits.fitting.selection import fit_pbit_law
from noisecircuits.fitting.spline import fit_pbit_spline_ml, law_from_fit, p_one


def _skewed(seed, n=5000, temperatures=(300.0,)):
    """A skewed, monotone curve: logit = z + ln(1 + e^(2z)), z = (v - 0.1) / 0.01."""
    rng = np.random.default_rng(seed)
    t = np.repeat(np.asarray(temperatures), 21)
    v = np.tile(np.linspace(0.06, 0.14, 21), len(temperatures))
    z = (v - 0.1) / 0.01
    p = 1 / (1 + np.exp(-(z + np.logaddexp(0.0, 2 * z))))
    return pd.DataFrame({"v_bias_V": v, "temperature_K": t, "n_ones": rng.binomial(n, p), "n_samples": n}), p


def test_spline_recovers_a_skewed_curve():
    frame, p = _skewed(0)
    fit = fit_pbit_spline_ml(frame, intervals=4)
    law = law_from_fit(fit)
    # n = 5000 per point: 3 binomial standard errors at P = 1/2 are 0.021
    assert np.max(np.abs(p_one(law, frame["v_bias_V"], frame["temperature_K"]) - p)) < 0.021
    assert fit.goodness_of_fit["p_value"] > 0.01 and fit.form == "monotone_spline"
    assert all(s > 0 for s in law["spline_slopes"])
    assert all(np.isfinite(fit.stderr[f"spline_slope_{j}"]) for j in range(4))


def test_spline_error_bars_match_the_scatter_over_seeds():
    # 30 seeds: the scatter of the fitted offset against its mean standard error; the sample SD of
    # 30 draws is within +-40 % of the true SD with probability > 0.99 (chi-square, 29 dof)
    offsets, errors = [], []
    for seed in range(30):
        frame, _ = _skewed(100 + seed, n=2000)
        fit = fit_pbit_spline_ml(frame, intervals=4)
        offsets.append(fit.parameters["spline_offset"])
        errors.append(fit.stderr["spline_offset"])
    ratio = np.std(offsets, ddof=1) / np.mean(errors)
    assert 0.6 < ratio < 1.4, ratio


def test_auto_prefers_the_spline_to_sigmoids_on_a_skewed_curve():
    frame, _ = _skewed(1, temperatures=(290.0, 310.0))
    result = fit_pbit_law(frame)
    assert result.transfer.form == "monotone_spline"
    assert result.scores[f"monotone_spline_{result.quality['spline_intervals']}"] == min(result.scores.values())
    assert result.scores["logistic"] > result.scores[min(result.scores, key=result.scores.get)] + 10


def test_too_few_points_is_a_fit_error():
    from noisecircuits.errors import FitError

    frame, _ = _skewed(2)
    with pytest.raises(FitError, match="needs more than"):
        fit_pbit_spline_ml(frame.iloc[:5], intervals=4)
