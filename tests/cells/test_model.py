"""Cell-model objects: the p-bit contract of docs/architecture.md, validity handling, other kinds."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import special

from noisecircuits.cells import ValidityRangeWarning
from noisecircuits.cells.build import categorical_cell_from_fit, continuous_cell_from_fit
from noisecircuits.cells.model import cell_from_document
from noisecircuits.constants import BOLTZMANN
from noisecircuits.errors import ParameterError, ValidityRangeError
from noisecircuits.fitting import fit_categorical_softmax_ml
from noisecircuits.fitting.categorical import softmax_probabilities


@pytest.mark.parametrize("form", ["logistic", "probit"])
def test_pbit_methods_follow_the_closed_forms(pbit_doc, form):
    cell = cell_from_document(pbit_doc(form))
    v = np.linspace(-0.1, 0.2, 7)[:, None]
    t = np.array([250.0, 300.0, 350.0])[None, :]
    v_mid = 0.05 - 1e-3 * (t - 300.0)
    v_width = 0.02 * (t / 300.0)
    z = (v - v_mid) / v_width
    p = special.expit(z) if form == "logistic" else special.ndtr(z)
    assert np.allclose(cell.p_one(v, t), p, rtol=1e-13, atol=1e-15)
    assert np.allclose(cell.v_mid(t), v_mid, rtol=1e-14)
    assert np.allclose(cell.v_width(t), v_width, rtol=1e-14)
    tau = 1e-6 * np.exp(1e-20 / BOLTZMANN * (1 / t - 1 / 300.0)) * np.sqrt(4 * p * (1 - p))
    assert np.allclose(cell.correlation_time(v, t), tau, rtol=1e-12)
    power = 1e-9 * np.exp(0.01 * (t - 300.0))
    assert np.allclose(cell.supply_power(t), power, rtol=1e-13)
    assert np.allclose(cell.energy_per_sample(v, t), 2 * power * tau, rtol=1e-12)
    assert cell.p_one(cell.v_mid(320.0), 320.0) == pytest.approx(0.5, abs=1e-15)
    assert isinstance(cell.p_one(0.0, 300.0), float)
    assert cell.form == form and cell.kind == "pbit"
    assert cell.mismatch == {"v_mid_sigma_V": 0.002, "v_width_rel_sigma": 0.03}
    assert cell.validity == {"v_bias_V": [-0.1, 0.2], "temperature_K": [250.0, 350.0]}
    assert set(cell.parameters) == {"v_mid_ref_V", "dv_mid_dT_V_per_K", "v_width_ref_V", "width_exponent", "t_ref_K"}


def test_out_of_range_policies(pbit_doc):
    cell = cell_from_document(pbit_doc())
    with pytest.warns(ValidityRangeWarning, match="v_bias = 0.3 V is outside"):
        cell.p_one(0.3, 300.0)
    with pytest.warns(ValidityRangeWarning, match="temperature = 400 K"):
        cell.supply_power(400.0)
    strict = cell.with_out_of_range("raise")
    with pytest.raises(ValidityRangeError, match="temperature = 200 K"):
        strict.energy_per_sample(0.0, [300.0, 200.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert 0 < cell.with_out_of_range("ignore").p_one(0.3, 400.0) < 1
        cell.p_one(0.2, 350.0)  # the edges are inside
    with pytest.raises(ParameterError, match="on_out_of_range"):
        cell.with_out_of_range("silently")


def test_missing_timing_laws_raise_clearly(pbit_doc):
    doc = pbit_doc()
    doc["correlation_time"] = None
    cell = cell_from_document(doc)
    assert 0 < cell.p_one(0.0, 300.0) < 1
    with pytest.raises(ParameterError, match="no correlation time model"):
        cell.correlation_time(0.0, 300.0)


def test_categorical_cell_from_fit():
    rng = np.random.default_rng(3)
    v = rng.uniform(0.0, 0.1, size=(30, 3))
    counts = np.array([rng.multinomial(2000, p) for p in softmax_probabilities([0.0, 0.3, -0.2], 25.0, v)])
    fit = fit_categorical_softmax_ml(v, counts)
    cell = categorical_cell_from_fit(fit, temperature_range_K=300.0)
    probs = cell.probabilities(v, 300.0)
    offsets = [fit.parameters[f"theta_offset_{k}"] for k in range(3)]
    assert np.allclose(probs, softmax_probabilities(offsets, fit.parameters["gain_per_V"], v), rtol=1e-13)
    assert np.allclose(probs.sum(axis=-1), 1.0)
    with pytest.raises(ParameterError, match="last dimension 3"):
        cell.probabilities([0.0, 0.1], 300.0)
    with pytest.warns(ValidityRangeWarning):
        cell.probabilities([0.0, 0.0, 0.0], 310.0)


def test_continuous_cell_mixture():
    from noisecircuits.fitting.result import FitResult

    names = ("weight_v_mid_V", "weight_v_width_V", "mean_zero_V", "mean_one_V", "std_zero_V", "std_one_V")
    values = (0.4, 0.05, 0.2, 0.7, 0.08, 0.05)
    fit = FitResult(dict(zip(names, values)), dict.fromkeys(names, 0.001), np.eye(6) * 1e-6, names, 0.0, 9,
                    form="logistic", details={"bias_range_V": [0.2, 0.6]})
    cell = continuous_cell_from_fit(fit, temperature_range_K=[290.0, 310.0])
    mix = cell.mixture(np.array([0.35, 0.4]), 300.0)
    assert mix["weights"].shape == (2, 2)
    assert np.allclose(mix["weights"][:, 1], special.expit((np.array([0.35, 0.4]) - 0.4) / 0.05))
    assert np.allclose(mix["means_V"], [[0.2, 0.7], [0.2, 0.7]])
    assert np.allclose(mix["stds_V"], [[0.08, 0.05], [0.08, 0.05]])
