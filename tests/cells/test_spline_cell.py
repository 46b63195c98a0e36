"""The monotone-spline cell: its law, schema, and every exporter (JSON, SPICE, Verilog-A, CSV)."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest

from noisecircuits.cells.csv_format import parse_lookup_csv, render_csv
from noisecircuits.cells.json_format import dumps_cell, loads_cell
from noisecircuits.cells.model import cell_from_document
from noisecircuits.cells.schema import cell_schema
from noisecircuits.cells.spice import render_spice
from noisecircuits.cells.verilog_a import render_verilog_a
from noisecircuits.errors import DataError


def _by_hand(v, t):
    """The conftest document's law written out: three pieces with slopes 2, 5, 3 at 300 K."""
    u = (v - 0.1 - 1e-4 * (t - 300.0)) / 0.05
    h = 1.0 / 6.0

    def sp(x):
        return np.log1p(np.exp(x))

    ramps = [-h * sp((-1 / 3 - u) / h), h * (sp((u + 1 / 3) / h) - sp((u - 1 / 3) / h)), h * sp((u - 1 / 3) / h)]
    slopes = [2.0 * (300 / t) ** 1.0, 5.0 * (300 / t) ** 0.5, 3.0 * (300 / t) ** -1.0]
    g = 0.2 + sum(s * r for s, r in zip(slopes, ramps))
    return 1 / (1 + np.exp(-g))


def test_law_is_the_written_spline_and_monotone(spline_doc):
    cell = cell_from_document(spline_doc())
    v = np.linspace(0.05, 0.15, 201)
    for t in (280.0, 300.0, 320.0):
        p = cell.p_one(v, t)
        assert np.allclose(p, _by_hand(v, t), rtol=1e-12, atol=1e-15)
        assert np.all(np.diff(p) > 0)
        assert cell.p_one(cell.v_mid(t), t) == pytest.approx(0.5, abs=1e-12)


def test_schema_round_trip_and_refusals(spline_doc):
    validator = jsonschema.Draft202012Validator(cell_schema())
    cell = cell_from_document(spline_doc())
    text = dumps_cell(cell)
    validator.validate(json.loads(text))
    assert loads_cell(text).to_document() == cell.to_document()
    doc = spline_doc()
    doc["parameters"]["spline_slopes"][1] = -5.0  # a falling piece: not monotone
    with pytest.raises(DataError, match=r"spline_slopes\[1\].*must be > 0"):
        cell_from_document(doc)
    assert not validator.is_valid(doc)
    doc = spline_doc()
    doc["parameters"]["spline_knots"] = [-1.0, 0.5, 0.2, 1.0]
    with pytest.raises(DataError, match="knots must increase"):
        cell_from_document(doc)
    doc = spline_doc()
    doc["parameters"]["spline_slopes"] = [1.0, 2.0]
    with pytest.raises(DataError, match="one slope and one slope exponent per knot interval"):
        cell_from_document(doc)
    doc = spline_doc()
    doc["parameters"]["spline_ofset"] = doc["parameters"].pop("spline_offset")
    with pytest.raises(DataError, match="did you mean 'spline_offset'"):
        cell_from_document(doc)


def test_csv_holds_the_law(spline_doc):
    cell = cell_from_document(spline_doc())
    table = parse_lookup_csv(render_csv(cell))
    assert np.array_equal(table["p_one"], cell.p_one(table["v_bias_V"], table["temperature_K"]))


def test_verilog_a_compiles_and_matches(tmp_path, spline_doc):
    verilogae = pytest.importorskip("verilogae")
    cell = cell_from_document(spline_doc(), on_out_of_range="ignore")
    path = tmp_path / "scell.va"
    path.write_text(render_verilog_a(cell))
    model = verilogae.load(str(path))
    defaults = {name: param.default for name, param in model.modelcard.items()}
    assert defaults["spline_slope_1"] == 5.0 and defaults["spline_knot_2"] == 1.0 / 3.0
    v = np.linspace(0.0, 0.2, 101)
    for t in (280.0, 300.0, 320.0):
        for function, law in (("p_one", cell.p_one), ("tau_c", cell.correlation_time)):
            out = model.functions[function].eval(temperature=t, voltages={"br_ctl": v},
                                                 **{k: defaults[k] for k in model.functions[function].parameters})
            # the same formula in double precision: rounding only
            assert np.allclose(out, law(v, t), rtol=1e-10, atol=1e-15), function


@pytest.mark.slow
@pytest.mark.requires_ngspice
def test_spice_subcircuit_samples_the_spline_law(spline_doc):
    from noisecircuits.validation.spice_check import measure_spice_sampler

    cell = cell_from_document(spline_doc())
    assert "Bz nz 0 V = 0.2+2.0*exp(" in render_spice(cell)
    for temperature, seed in ((285.0, 5), (315.0, 6)):
        rows = measure_spice_sampler(cell, [0.06, 0.09, 0.12], temperature, n_steps=10_000, seed=seed)
        for row in rows:
            assert row["settled_fraction"] == 1.0
            # standard errors derived in noisecircuits/validation/spice_check.py; 4 sigma
            assert abs(row["p_one_measured"] - row["p_one_model"]) < 4 * row["p_one_stderr"], row
            assert abs(row["correlation_time_measured_s"] - row["correlation_time_model_s"]) < 4 * row["correlation_time_stderr_s"], row
