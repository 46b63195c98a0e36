"""SPICE export: the behavioural subcircuit samples P(1) and tau_c of the model when run in ngspice."""

from __future__ import annotations

import numpy as np
import pytest

from noisecircuits.cells.model import cell_from_document
from noisecircuits.cells.spice import default_noise_step, render_spice
from noisecircuits.validation.spice_check import measure_spice_sampler
from noisecircuits.errors import DataError, ParameterError


def _check(row):
    assert row["min_V"] > -0.01 and row["max_V"] < 1.01
    assert row["settled_fraction"] == 1.0
    # the estimators' standard errors are derived in noisecircuits/validation/spice_check.py; 4 sigma
    assert abs(row["p_one_measured"] - row["p_one_model"]) < 4 * row["p_one_stderr"], row
    assert abs(row["correlation_time_measured_s"] - row["correlation_time_model_s"]) < 4 * row["correlation_time_stderr_s"], row


@pytest.mark.slow
@pytest.mark.requires_ngspice
def test_logistic_subcircuit_samples_the_model_at_two_temperatures(pbit_doc):
    cell = cell_from_document(pbit_doc("logistic"))
    for temperature, seed in ((300.0, 11), (350.0, 12)):
        # h = tau_peak / 5; 20000 steps = 4000 tau_peak: stderr of P(1) about 0.01
        rows = measure_spice_sampler(cell, [0.03, 0.05, 0.08], temperature, n_steps=20_000, noise_step=2e-7, seed=seed)
        for row in rows:
            _check(row)
    # the two temperatures really probe the temperature law: P(1) at 0.05 V moves from 0.5 to 0.89
    assert cell.p_one(0.05, 350.0) - cell.p_one(0.05, 300.0) > 0.35


@pytest.mark.slow
@pytest.mark.requires_ngspice
def test_probit_subcircuit_samples_the_model(pbit_doc):
    cell = cell_from_document(pbit_doc("probit"))
    rows = measure_spice_sampler(cell, [0.04, 0.07, 0.09], 280.0, n_steps=10_000, noise_step=2e-7, seed=5)
    for row in rows:
        _check(row)


def test_netlist_text_is_validated(pbit_doc):
    cell = cell_from_document(pbit_doc())
    text = render_spice(cell)
    assert text.splitlines()[0].startswith("* noisecircuits")
    assert ".subckt pcell ctl out" in text and text.rstrip().endswith(".ends pcell")
    with pytest.raises(DataError, match="noise_step"):
        render_spice(cell, noise_step=float("nan"))
    doc = pbit_doc()
    doc["provenance"]["source"] = "x\n.end\nR1 a b 1"
    with pytest.raises(DataError, match="provenance.source"):
        cell_from_document(doc)
    doc["provenance"]["source"] = "x .end R1 a b 1 \u00e9\\"
    (line,) = [ln for ln in render_spice(cell_from_document(doc)).splitlines() if "source data" in ln]
    assert line == "* source data: x .end R1 a b 1 ??"
    doc["correlation_time"] = None
    with pytest.raises(DataError, match="correlation-time model"):
        render_spice(cell_from_document(doc))
    # default step: a tenth of the shortest correlation time in the validity range
    tau_min = np.min(cell.correlation_time(np.linspace(-0.1, 0.2, 201)[:, None], np.linspace(250, 350, 5)[None, :]))
    assert default_noise_step(cell) == pytest.approx(max(tau_min / 10, 1e-6 / 1000))
    with pytest.raises(ParameterError, match="n_steps"):
        measure_spice_sampler(cell, [0.0], 300.0, n_steps=3)
