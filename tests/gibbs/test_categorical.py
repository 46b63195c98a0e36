"""Potts nodes drawn through a calibrated categorical cell, against exact enumeration."""

import itertools

import numpy as np
import pytest
from scipy import stats

from noisecircuits.errors import ParameterError
from noisecircuits.gibbs.categorical import CategoricalHardwareMode
from noisecircuits.gibbs.models import PottsModel
from noisecircuits.gibbs.sampler import sample_potts

model_module = pytest.importorskip("noisecircuits.cells.model")


def _cell(theta=(0.0, 0.4, -0.3), gain_per_v=25.0):
    document = {
        "schema_version": 1, "kind": "categorical", "name": "pdit",
        "parameters": {"n_states": len(theta), "theta_offsets": list(theta), "gain_per_V": gain_per_v},
        "parameter_stderr": {"theta_offsets": [None] * len(theta), "gain_per_V": None},
        "validity": {"v_control_V": [-5.0, 5.0], "temperature_K": [250.0, 350.0]},
        "provenance": {"toolkit_version": "test", "source": "tests/gibbs/test_categorical.py", "source_sha256": None,
                       "created_utc": "2026-01-01T00:00:00Z", "fit_quality": {}},
    }  # fmt: skip
    return model_module.cell_from_document(document)


def _model():
    rng = np.random.default_rng(4)
    edges = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]
    return PottsModel.from_edges(4, 3, edges, rng.normal(0.0, 0.8, len(edges)), rng.normal(0.0, 0.5, (4, 3)), 0.9)


def _exact(model, beta=None, fields=None):
    beta = model.beta if beta is None else beta
    fields = model.fields if fields is None else fields
    rows = np.repeat(np.arange(model.n_nodes), np.diff(model.indptr))
    upper = rows < model.indices
    states = np.array(list(itertools.product(range(model.n_states), repeat=model.n_nodes)))
    energy = -fields[np.arange(model.n_nodes), states].sum(axis=1)
    same = states[:, rows[upper]] == states[:, model.indices[upper]]
    energy -= same @ model.weights[upper]
    p = np.exp(-beta * (energy - energy.min()))
    return p / p.sum()


def _histogram(run, model):
    codes = np.ravel_multi_index(run.final_states.T.astype(np.int64), (model.n_states,) * model.n_nodes)
    return np.bincount(codes, minlength=model.n_states**model.n_nodes)


def test_law_is_read_through_the_cell():
    theta, b = CategoricalHardwareMode(_cell(), temperature=300.0).law()
    # theta relative to state 0, b the calibrated slope, to rounding of the finite-difference probe
    assert theta == pytest.approx([0.0, 0.4, -0.3], abs=1e-8) and b == pytest.approx(25.0, rel=1e-8)


def test_ideal_bias_network_reproduces_the_heat_bath_update():
    model = _model()
    beta, fields = CategoricalHardwareMode(_cell()).update_law(model)
    assert beta == pytest.approx(model.beta, rel=1e-8)
    assert fields == pytest.approx(model.fields, abs=1e-7)
    run = sample_potts(model, 1, 40, chains=20000, seed=2, hardware=CategoricalHardwareMode(_cell()))
    hist, p = _histogram(run, model), _exact(model)
    chi2 = float(np.sum((hist - p * hist.sum()) ** 2 / (p * hist.sum())))
    assert stats.chi2.sf(chi2, p.size - 1) > 1e-3  # chi-square test at the 0.1 % level


def test_offset_mismatch_gives_the_enumerated_distorted_law():
    model = _model()
    mode = CategoricalHardwareMode(_cell(), offset_sigma=0.02, mismatch_seed=7)  # 0.5 logit units of spread
    beta, fields = mode.update_law(model)
    run = sample_potts(model, 1, 40, chains=20000, seed=3, hardware=mode)
    hist = _histogram(run, model)
    distorted, ideal = _exact(model, beta, fields), _exact(model)
    chi2 = float(np.sum((hist - distorted * hist.sum()) ** 2 / (distorted * hist.sum())))
    assert stats.chi2.sf(chi2, distorted.size - 1) > 1e-3  # the sampler follows the distorted law ...
    chi2_ideal = float(np.sum((hist - ideal * hist.sum()) ** 2 / (ideal * hist.sum())))
    assert stats.chi2.sf(chi2_ideal, ideal.size - 1) < 1e-6  # ... which is measurably not the ideal one
    # energies are recorded for the user's model, not the shifted update fields
    e = run.energies[:, -1]
    states = run.final_states.astype(np.int64)
    rows = np.repeat(np.arange(4), np.diff(model.indptr))
    pair = sum(model.weights[k] * (states[:, rows[k]] == states[:, model.indices[k]]) for k in range(rows.size)) / 2
    assert e == pytest.approx(-(model.fields[np.arange(4), states].sum(axis=1) + pair))


def test_mismatched_cell_is_refused():
    with pytest.raises(ParameterError, match="3 states but the Potts model has 2"):
        CategoricalHardwareMode(_cell()).update_law(PottsModel.from_edges(2, 2, [(0, 1)], [1.0]))
