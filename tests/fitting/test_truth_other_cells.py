"""Truth tests of the categorical and continuous cells against their circuits' exact laws.

Categorical: the two-state cell (n_states = 2) has an exact Fokker-Planck occupation law
(circuits/categorical.py); synthetic multinomial counts of n = 20000 per point on 13 control
offsets (+-30 mV). Continuous: the weight of the upper mode is the p-bit's exact P(1) and the
modes' means and standard deviations come from circuits/continuous.py; 4000 samples per bias
on 11 biases (0.05-0.15 V) drawn from that exact mixture.

The linear softmax cannot follow the latch's curved log-odds, and says so (flagged poor); the
flexible softmax (powers of the control, degree chosen by AICc) reproduces the exact law. The
plain logistic weight cannot follow the asymmetric exact weight either; the flexible weight law
(powers of z in the sigmoid's argument, degree chosen by AICc) does.
"""

from __future__ import annotations

import numpy as np
import pytest

from noisecircuits.fitting.selection import PoorFitWarning

N_COUNTS = 20_000


@pytest.fixture(scope="module")
def categorical_exact():
    from noisecircuits.circuits.categorical import CategoricalCell, CategoricalDesign

    design = CategoricalDesign(n_states=2)
    offsets = np.linspace(-0.03, 0.03, 13)
    v = np.stack([np.full(offsets.size, design.v_nominal), design.v_nominal + offsets], axis=1)
    p = np.array([CategoricalCell(design, row, 300.0).occupations_exact() for row in v])
    return v, p


def _categorical_cell(categorical_exact, degree):
    from noisecircuits.cells.build import categorical_cell_from_fit
    from noisecircuits.fitting import fit_categorical_softmax_ml

    v, p = categorical_exact
    rng = np.random.default_rng(0)
    counts = np.array([rng.multinomial(N_COUNTS, row) for row in p])
    fit = fit_categorical_softmax_ml(v, counts, degree=degree)
    return categorical_cell_from_fit(fit, temperature_range_K=300.0), fit


def test_categorical_softmax_fit_to_the_exact_law_is_flagged_poor(categorical_exact):
    # the linear softmax cannot follow the latch's curved log-odds (measured max |dP| = 0.025)
    with pytest.warns(PoorFitWarning, match="softmax law"):
        cell, _ = _categorical_cell(categorical_exact, 1)
    assert cell.provenance["fit_quality"]["transfer"]["poor_fit"] is True


def test_categorical_cell_reproduces_the_exact_law(categorical_exact, tmp_path):
    from noisecircuits.circuits.categorical import CategoricalCell, CategoricalDesign

    cell, fit = _categorical_cell(categorical_exact, "auto")
    # AICc keeps the cubic log-odds (p = 0.25 on the counts); no warning, not flagged
    assert fit.details["degree"] == 3 and fit.goodness_of_fit["p_value"] > 0.01
    assert cell.provenance["fit_quality"]["transfer"]["poor_fit"] is False
    # checked between the data points too: 61 offsets over the validity range. With n = 20000
    # the fitted P has a standard error near 0.002 at the steep middle, so 0.01 is 5 of them
    # (measured 0.0037)
    design = CategoricalDesign(n_states=2)
    offsets = np.linspace(-0.03, 0.03, 61)
    v = np.stack([np.full(offsets.size, design.v_nominal), design.v_nominal + offsets], axis=1)
    p = np.array([CategoricalCell(design, row, 300.0).occupations_exact() for row in v])
    assert np.max(np.abs(cell.probabilities(v, 300.0) - p)) <= 0.01
    # the flexible law survives the JSON round trip and validates against the published schema
    from noisecircuits.cells import load_cell
    from noisecircuits.cells.export import export_cell

    again = load_cell(export_cell(cell, tmp_path / "pdit.json", "json"))
    assert len(again.document["parameters"]["control_powers"]) == 2
    assert np.allclose(again.probabilities(v, 300.0), cell.probabilities(v, 300.0), rtol=0, atol=1e-12)


@pytest.fixture(scope="module")
def continuous_exact():
    from noisecircuits.circuits.continuous import ContinuousCell

    biases = np.linspace(0.05, 0.15, 11)
    return biases, [ContinuousCell(v_bias=float(b), temperature=300.0).mixture() for b in biases]


def _continuous_samples(continuous_exact):
    biases, exact = continuous_exact
    rng = np.random.default_rng(1)
    samples = []
    for m in exact:
        one = rng.random(4000) < m["weight_one"]
        samples.append(np.where(one, rng.normal(m["mean_V"][1], m["std_V"][1], 4000),
                                rng.normal(m["mean_V"][0], m["std_V"][0], 4000)))
    return samples


def test_continuous_cell_reproduces_the_exact_mixture(continuous_exact, tmp_path):
    from noisecircuits.cells import load_cell
    from noisecircuits.cells.build import continuous_cell_from_fit
    from noisecircuits.cells.export import export_cell
    from noisecircuits.fitting import fit_continuous_mixture_ml

    biases, exact = continuous_exact
    samples = _continuous_samples(continuous_exact)
    exact_weight = np.array([m["weight_one"] for m in exact])
    # the plain logistic weight cannot follow the p-bit's asymmetric P(1): measured max |dw| = 0.075
    plain = continuous_cell_from_fit(fit_continuous_mixture_ml(biases, samples), temperature_range_K=300.0)
    assert np.max(np.abs(plain.mixture(biases, 300.0)["weights"][:, 1] - exact_weight)) > 0.05
    fit = fit_continuous_mixture_ml(biases, samples, weight_degree="auto")
    cell = continuous_cell_from_fit(fit, temperature_range_K=300.0)
    # AICc keeps the cubic argument; the weight's standard error with 4000 samples per bias is
    # at most 0.008 per point and about 0.004 for the fitted law, so 0.01 is 2.5 of them
    # (measured 0.0066)
    assert fit.details["weight_degree"] == 3
    weights = cell.mixture(biases, 300.0)["weights"][:, 1]
    assert np.max(np.abs(weights - exact_weight)) <= 0.01
    # still w = 1/2 at weight_v_mid_V, and the law rises across the validity range
    assert cell.mixture(cell.document["parameters"]["weight_v_mid_V"], 300.0)["weights"][1] == pytest.approx(0.5)
    fine = cell.mixture(np.linspace(biases[0], biases[-1], 201), 300.0)["weights"][:, 1]
    assert np.all(np.diff(fine) > 0)
    again = load_cell(export_cell(cell, tmp_path / "mixture.json", "json"))
    assert np.allclose(again.mixture(biases, 300.0)["weights"], cell.mixture(biases, 300.0)["weights"], rtol=0, atol=1e-12)
