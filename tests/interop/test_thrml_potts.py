"""Categorical cells in thrml: a Potts model sampled through a calibrated p-dit cell, against exact
enumeration and the toolkit's own categorical Gibbs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

pytest.importorskip("thrml")

from noisecircuits.analysis.diagnostics import summarise_series  # noqa: E402
from noisecircuits.cells.model import cell_from_document  # noqa: E402
from noisecircuits.errors import ParameterError  # noqa: E402
from noisecircuits.gibbs.categorical import CategoricalHardwareMode  # noqa: E402
from noisecircuits.gibbs.models import PottsModel  # noqa: E402
from noisecircuits.gibbs.sampler import sample_potts as toolkit_sample  # noqa: E402
from noisecircuits.interop.thrml import sample_potts  # noqa: E402

SWEEPS, BURN_IN, CHAINS = 2000, 100, 4
MISMATCH_V = 0.02  # 0.5 logit units of per-cell, per-state offset spread at 25 /V


def _cell():
    return cell_from_document({
        "schema_version": 1, "kind": "categorical", "name": "pdit",
        "parameters": {"n_states": 3, "theta_offsets": [0.0, 0.4, -0.3], "gain_per_V": 25.0},
        "parameter_stderr": {"theta_offsets": [None] * 3, "gain_per_V": None},
        "validity": {"v_control_V": [-5.0, 5.0], "temperature_K": [250.0, 350.0]},
        "provenance": {"toolkit_version": "test", "source": "tests/interop/test_thrml_potts.py",
                       "source_sha256": None, "created_utc": "2026-01-01T00:00:00Z", "fit_quality": {}},
    })


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(4)
    edges = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]  # 4 nodes, q = 3: 81 states to enumerate
    return PottsModel.from_edges(4, 3, edges, rng.normal(0.0, 0.8, len(edges)), rng.normal(0.0, 0.5, (4, 3)), 0.9)


def _energies(model, states):
    """E(s) = -sum_i h_{i,s_i} - sum_{i<j} J_ij delta(s_i, s_j) of states shaped (..., n)."""
    rows = np.repeat(np.arange(model.n_nodes), np.diff(model.indptr))
    upper = rows < model.indices
    s = np.asarray(states, dtype=np.int64)
    e = -np.take_along_axis(np.broadcast_to(model.fields, (*s.shape[:-1], *model.fields.shape)),
                            s[..., None], axis=-1)[..., 0].sum(axis=-1)
    return e - (s[..., rows[upper]] == s[..., model.indices[upper]]) @ model.weights[upper]


def _observables(model, states):
    """Per-sweep series (chains, sweeps): the energy and the number of nodes in each state."""
    out = {"energy": _energies(model, states)}
    for a in range(model.n_states):
        out[f"count_{a}"] = (states == a).sum(axis=-1).astype(float)
    return out


def _exact(model, beta=None, fields=None):
    """Exact means of the observables under P(s) ∝ exp(-beta' E'(s)) (the update law's stationary law)."""
    beta = model.beta if beta is None else beta
    law = model if fields is None else PottsModel(model.n_states, model.indptr, model.indices, model.weights,
                                                  fields, beta)
    states = np.array(list(itertools.product(range(model.n_states), repeat=model.n_nodes)))
    e = _energies(law, states)
    p = np.exp(-beta * (e - e.min()))
    p /= p.sum()
    return {k: float(p @ v) for k, v in _observables(model, states).items()}


def _summaries(model, states):
    return {k: summarise_series(v) for k, v in _observables(model, states).items()}


def test_bad_models_and_cells_are_refused(model):
    with pytest.raises(ParameterError, match="PottsModel"):
        sample_potts(None, {"spins": 4}, 300.0, 5, 2, 3, seed=1)
    four = cell_from_document({**_cell().document, "parameters": {"n_states": 4, "theta_offsets": [0.0] * 4,
                                                                  "gain_per_V": 25.0},
                               "parameter_stderr": {"theta_offsets": [None] * 4, "gain_per_V": None}})
    with pytest.raises(ParameterError, match="4 states but the Potts model has 3"):
        sample_potts(four, model, 300.0, 5, 2, 3, seed=1)


@pytest.mark.slow
def test_heat_bath_and_ideal_cell_match_exact_enumeration(model):
    exact = _exact(model)
    for cell, seed in ((None, 1), (_cell(), 2)):
        states = sample_potts(cell, model, 300.0, SWEEPS, BURN_IN, CHAINS, seed=seed)
        assert states.shape == (CHAINS, SWEEPS, 4) and states.dtype == np.int8
        assert set(np.unique(states)) == {0, 1, 2}
        for name, summary in _summaries(model, states).items():
            # 4 SE of the autocorrelation-aware Monte-Carlo error (summarise_series)
            assert abs(summary.mean - exact[name]) < 4 * summary.stderr, (cell, name)


@pytest.mark.slow
def test_mismatched_chip_matches_its_enumerated_law_and_the_toolkit_gibbs(model):
    mode = CategoricalHardwareMode(_cell(), temperature=300.0, offset_sigma=MISMATCH_V, mismatch_seed=7)
    beta, fields = mode.update_law(model)
    distorted, ideal = _exact(model, beta, fields), _exact(model)
    ours = _summaries(model, sample_potts(_cell(), model, 300.0, SWEEPS, BURN_IN, CHAINS, seed=3,
                                          offset_sigma=MISMATCH_V, chip_seed=7))
    run = toolkit_sample(model, SWEEPS, BURN_IN, chains=CHAINS, seed=4, hardware=mode)
    toolkit = summarise_series(run.energies)
    for name, summary in ours.items():
        assert abs(summary.mean - distorted[name]) < 4 * summary.stderr, name  # 4 SE against enumeration
    # the toolkit's own hardware-aware Gibbs: 4 combined SE
    assert abs(ours["energy"].mean - toolkit.mean) < 4 * np.hypot(ours["energy"].stderr, toolkit.stderr)
    # the mismatch is resolved: the state-1 count is off the ideal law's by more than 6 SE
    assert abs(ours["count_1"].mean - ideal["count_1"]) > 6 * ours["count_1"].stderr
