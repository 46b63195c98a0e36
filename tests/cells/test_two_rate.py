"""The two-rate cell (k01, k10): its laws, schema, and every exporter (JSON, SPICE, Verilog-A, CSV), each with the
fixed bias frame and with a frame that moves with temperature (the mid-point frame's parameters)."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest
from scipy.constants import k as BOLTZMANN

from noisecircuits.cells.csv_format import parse_lookup_csv, render_csv
from noisecircuits.cells.json_format import dumps_cell, loads_cell
from noisecircuits.cells.model import cell_from_document
from noisecircuits.cells.schema import cell_schema
from noisecircuits.cells.spice import render_spice
from noisecircuits.cells.verilog_a import render_verilog_a
from noisecircuits.errors import DataError
from tests.cells.conftest import two_rate_document


@pytest.fixture(params=[False, True], ids=["fixed_frame", "moving_frame"])
def rate_doc(request):
    return lambda name="rcell": two_rate_document(name, frame=request.param)


def _rates_by_hand(doc, v, t):
    p = doc["parameters"]
    g = {"rate_bias_center_dT_V_per_K": 0.0, "rate_bias_center_d2T_V_per_K2": 0.0, "rate_bias_scale_exponent": 1.0,
         "rate_bias_scale_curvature": 0.0, "k01_log_rate_curvature": 0.0, "k10_log_rate_curvature": 0.0}
    g.update({k: p[k] for k in g if k in p})
    dt, ell, theta = t - 300.0, np.log(t / 300.0), 300.0 / t - 1
    centre = 0.1 + g["rate_bias_center_dT_V_per_K"] * dt + 0.5 * g["rate_bias_center_d2T_V_per_K2"] * dt**2
    scale = 0.05 * np.exp(g["rate_bias_scale_exponent"] * ell + g["rate_bias_scale_curvature"] * ell**2)
    u = (v - centre) / scale
    inv = 1 / t - 1 / 300.0
    lk = []
    for rate in ("k01", "k10"):
        c, e = p[f"{rate}_log_rate"], p[f"{rate}_activation_energy_J"]
        lk.append(c[0] + c[1] * u + c[2] * u * u - (e[0] + e[1] * u) / BOLTZMANN * inv
                  + g[f"{rate}_log_rate_curvature"] * theta**2)
    return np.exp(lk[0]), np.exp(lk[1])


def test_laws_follow_the_two_rates(rate_doc):
    doc = rate_doc()
    cell = cell_from_document(doc)
    v = np.linspace(0.05, 0.15, 11)
    for t in (280.0, 300.0, 320.0):
        k01, k10 = _rates_by_hand(doc, v, t)
        assert np.allclose(cell.p_one(v, t), k01 / (k01 + k10), rtol=1e-12)
        assert np.allclose(cell.correlation_time(v, t), 1 / (k01 + k10), rtol=1e-12)
        # v_mid: where k01 = k10; v_width: 1 / (d ln(k01/k10) / dv) there
        vm = cell.v_mid(t)
        assert cell.p_one(vm, t) == pytest.approx(0.5, abs=1e-12)
        h = 1e-6
        slope = np.diff(np.log(np.divide(*_rates_by_hand(doc, np.array([vm - h, vm + h]), t))))[0] / (2 * h)
        assert cell.v_width(t) == pytest.approx(1 / slope, rel=1e-6)


def test_schema_json_round_trip_and_refusals(rate_doc):
    validator = jsonschema.Draft202012Validator(cell_schema())
    cell = cell_from_document(rate_doc())
    text = dumps_cell(cell)
    validator.validate(json.loads(text))
    assert loads_cell(text).to_document() == cell.to_document()
    doc = rate_doc()
    doc["parameters"]["k01_log_rates"] = doc["parameters"].pop("k01_log_rate")
    with pytest.raises(DataError, match="k01_log_rates.*did you mean 'k01_log_rate'"):
        cell_from_document(doc)
    assert not validator.is_valid(doc)
    doc = rate_doc()
    doc["correlation_time"] = {"law": "power_arrhenius", "source": "fitted", "tau_peak_ref_s": 1e-6,
                               "tau_activation_energy_J": 0.0, "tau_shape_exponent": 0.0, "t_ref_K": 300.0}
    with pytest.raises(DataError, match="correlation_time.law"):
        cell_from_document(doc)
    doc = rate_doc()
    doc["parameters"]["k01_log_rate"] = [800.0]  # e^800 overflows
    with pytest.raises(DataError, match="range of floating-point numbers"):
        cell_from_document(doc)
    doc = rate_doc()
    doc["parameters"]["rate_bias_scale_curvature"] = 1e6  # v_s(T) = v_s e^(1e6 ln^2(T/300)) overflows at 280 K
    with pytest.raises(DataError, match="bias-frame scale"):
        cell_from_document(doc)
    doc = rate_doc()
    doc["form"] = "logistic"  # sigmoid form with rate parameters
    with pytest.raises(DataError, match="parameters"):
        cell_from_document(doc)
    assert not validator.is_valid(doc)


def test_csv_export_holds_the_laws(rate_doc):
    doc = rate_doc()
    doc["supply_power"] = {"law": "log_linear", "supply_power_ref_W": 1e-9, "supply_power_log_slope_per_K": 0.0,
                           "t_ref_K": 300.0}
    cell = cell_from_document(doc)
    table = parse_lookup_csv(render_csv(cell))
    assert np.array_equal(table["p_one"], cell.p_one(table["v_bias_V"], table["temperature_K"]))
    assert np.array_equal(table["correlation_time_s"], cell.correlation_time(table["v_bias_V"], table["temperature_K"]))
    assert "form: two_rate" in render_csv(cell)


def test_verilog_a_compiles_and_matches(tmp_path, rate_doc):
    verilogae = pytest.importorskip("verilogae")
    cell = cell_from_document(rate_doc(), on_out_of_range="ignore")
    path = tmp_path / "rcell.va"
    path.write_text(render_verilog_a(cell))
    model = verilogae.load(str(path))
    defaults = {name: param.default for name, param in model.modelcard.items()}
    assert defaults["k01_log_rate_2"] == 0.5 and defaults["k10_activation_energy_J_1"] == cell.parameters["k10_activation_energy_J"][1]
    v = np.linspace(0.0, 0.2, 101)
    for t in (280.0, 300.0, 320.0):
        for function, law in (("p_one", cell.p_one), ("tau_c", cell.correlation_time)):
            out = model.functions[function].eval(temperature=t, voltages={"br_ctl": v},
                                                 **{k: defaults[k] for k in model.functions[function].parameters})
            # same double-precision formula: agreement to rounding
            assert np.allclose(out, law(v, t), rtol=1e-12, atol=0), function


def test_spice_text_is_checked(rate_doc):
    cell = cell_from_document(rate_doc())
    text = render_spice(cell)
    assert "Ba na 0 V = " in text and "Bb nb 0 V = " in text and "Bz nz 0 V = V(na)-V(nb)" in text
    assert "* P(1) = k01/(k01+k10), tau_c = 1/(k01+k10)" in text


@pytest.mark.slow
@pytest.mark.requires_ngspice
def test_spice_subcircuit_samples_the_two_rate_law(rate_doc):
    from noisecircuits.validation.spice_check import measure_spice_sampler

    cell = cell_from_document(rate_doc())
    for temperature, seed in ((290.0, 3), (310.0, 4)):
        rows = measure_spice_sampler(cell, [0.07, 0.1, 0.13], temperature, n_steps=10_000, seed=seed)
        for row in rows:
            assert row["settled_fraction"] == 1.0
            # standard errors derived in noisecircuits/validation/spice_check.py; 4 sigma
            assert abs(row["p_one_measured"] - row["p_one_model"]) < 4 * row["p_one_stderr"], row
            assert abs(row["correlation_time_measured_s"] - row["correlation_time_model_s"]) < 4 * row["correlation_time_stderr_s"], row
