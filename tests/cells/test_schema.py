"""The published JSON Schema: valid draft 2020-12, agrees with the reader, covers every JSON the toolkit writes."""

from __future__ import annotations

import copy
import json

import jsonschema
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noisecircuits.cells.json_format import dumps_cell, loads_cell
from noisecircuits.cells.model import cell_from_document
from noisecircuits.cells.schema import SCHEMA_VERSION, cell_schema, validate_document
from noisecircuits.errors import DataError

# what the schema cannot express and the reader checks on top (noisecircuits/cells/checks.py)
_SEMANTIC = ("low must not exceed high", "expected a list of", "positive semi-definite", "not symmetric",
             "is not finite", "range of floating-point numbers")


@pytest.fixture(scope="module")
def validator():
    schema = cell_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_is_draft_2020_12_and_shipped(validator):
    from importlib import resources
    from pathlib import Path

    assert cell_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert resources.files("noisecircuits.cells").joinpath("cell.schema.json").is_file()
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"cells/cell.schema.json"' in pyproject  # package-data, so wheels carry it


def test_every_kind_the_toolkit_writes_validates(validator, tmp_path, pbit_doc):
    from noisecircuits.cells.build import categorical_cell_from_fit, continuous_cell_from_fit
    from noisecircuits.fitting import fit_categorical_softmax_ml, fit_continuous_mixture_ml

    documents = [cell_from_document(pbit_doc(form)).to_document() for form in ("logistic", "probit")]
    rng = np.random.default_rng(3)
    v = rng.uniform(-0.2, 0.2, size=(40, 3))
    theta = np.array([0.0, 0.3, -0.2]) + 8.0 * v
    p = np.exp(theta) / np.exp(theta).sum(axis=1, keepdims=True)
    counts = np.array([rng.multinomial(500, row) for row in p])
    cat = categorical_cell_from_fit(fit_categorical_softmax_ml(v, counts), temperature_range_K=300.0)
    # the flexible softmax (a power of the control in every log-probability) too
    flexible = categorical_cell_from_fit(fit_categorical_softmax_ml(v, counts, degree=2), temperature_range_K=300.0)
    assert "control_powers" in flexible.to_document()["parameters"]
    broken = flexible.to_document()
    del broken["parameters"]["control_center_V"]
    with pytest.raises(DataError, match="parameters.control_center_V': required with parameters.control_powers"):
        cell_from_document(broken)
    broken = flexible.to_document()
    broken["parameter_stderr"]["control_powers"] = []
    with pytest.raises(DataError, match="parameter_stderr.control_powers"):
        cell_from_document(broken)
    bias = np.linspace(-0.1, 0.1, 9)
    samples = [np.where(rng.random(400) < 1 / (1 + np.exp(-b / 0.03)), rng.normal(0.8, 0.05, 400),
                        rng.normal(0.1, 0.05, 400)) for b in bias]
    mix = continuous_cell_from_fit(fit_continuous_mixture_ml(bias, samples), temperature_range_K=[290.0, 310.0])
    documents += [cat.to_document(), flexible.to_document(), mix.to_document()]
    for document in documents:
        validator.validate(json.loads(dumps_cell(cell_from_document(document))))
        assert document["schema_version"] == SCHEMA_VERSION


def test_cli_and_calibration_outputs_validate(validator, tmp_path, capsys, lab_csv, pbit_doc):
    import pandas as pd

    from noisecircuits.cells.calibrate import calibrate_pbit_cell
    from noisecircuits.cli import main

    data = lab_csv(tmp_path / "lab.csv")
    out, copy_out, upgraded = tmp_path / "cell.json", tmp_path / "copy.json", tmp_path / "upgraded.json"
    assert main(["fit", "transfer", str(data), "--out", str(out), "--correlation-time", "1e-6"]) == 0
    assert main(["export", str(out), "--format", "json", "--out", str(copy_out)]) == 0
    old = tmp_path / "v1.json"
    old.write_text(json.dumps(_v1(pbit_doc())))
    assert main(["export", str(old), "--format", "json", "--out", str(upgraded)]) == 0
    capsys.readouterr()
    # a sweep with timing and power columns: every law present, written by calibrate_pbit_cell
    frame = pd.read_csv(data)
    frame["correlation_time_s"] = 1e-6 * (frame["temperature_K"] / 300.0) ** -3
    frame["supply_power_W"] = 1e-9 * (frame["temperature_K"] / 300.0)
    _, paths = calibrate_pbit_cell(frame, out_dir=tmp_path / "calibrated")
    for path in (out, copy_out, upgraded, paths["json"]):
        validator.validate(json.loads(path.read_text()))


def _v1(doc):
    old = copy.deepcopy(doc)
    old["schema_version"] = 1
    if old.get("correlation_time"):
        del old["correlation_time"]["source"]
    return old


def test_version_1_documents_are_read_and_upgraded(validator, pbit_doc):
    doc = pbit_doc()
    cell = loads_cell(json.dumps(_v1(doc)))
    assert cell.to_document() == doc  # the upgrade is exactly the version-2 document
    validator.validate(cell.to_document())
    categorical_v1 = {
        "schema_version": 1, "kind": "categorical", "name": "c",
        "parameters": {"n_states": 2, "theta_offsets": [0.0, 0.1], "gain_per_V": 1.0},
        "parameter_stderr": {"theta_offsets": [None, 0.1], "gain_per_V": 0.1},
        "validity": {"v_control_V": [0.0, 1.0], "temperature_K": [300.0, 300.0]},
        "provenance": dict(doc["provenance"], fit_quality={"log_likelihood": -3.0, "n_points": 4, "deviance": 1.0,
                                                           "dof": 2, "p_value": 0.6}),
    }
    upgraded = loads_cell(json.dumps(categorical_v1)).to_document()
    assert upgraded["provenance"]["fit_quality"] == {"transfer": categorical_v1["provenance"]["fit_quality"]}
    validator.validate(upgraded)
    # version 1 was never open-ended either: unknown keys are refused there too
    bad = _v1(doc)
    bad["parameters"]["x\n.control"] = 1.0
    with pytest.raises(DataError, match="not a known field"):
        loads_cell(json.dumps(bad))
    bad = _v1(doc)
    bad["correlation_time"]["source"] = "fitted"
    with pytest.raises(DataError, match="not a known field of schema version 1"):
        loads_cell(json.dumps(bad))


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda d: d["correlation_time"].update(tau_activation_energy_J=1e300), "'correlation_time': the Arrhenius"),
        (lambda d: d["correlation_time"].update(tau_activation_energy_J=1e-16), "'correlation_time': the correlation time leaves"),
        (lambda d: d["correlation_time"].update(tau_shape_exponent=-40.0), "'correlation_time': the correlation time leaves"),
        (lambda d: d["supply_power"].update(supply_power_log_slope_per_K=20.0), "'supply_power': the supply power leaves"),
        (lambda d: d["parameters"].update(dv_mid_dT_V_per_K=1e307), "'parameters': v_mid"),
        (lambda d: d["parameters"].update(v_width_ref_V=1e-320), "'parameters': v_width"),
        (lambda d: d["validity"].update(temperature_K=[1e-300, 350.0]), "'correlation_time'"),
        (lambda d: d.update(parameter_covariance={"names": ["v_mid_ref_V"], "matrix": [[-1e-8]]}),
         "variance of v_mid_ref_V is negative"),
        (lambda d: d.update(parameter_covariance={"names": ["v_mid_ref_V", "v_width_ref_V"],
                                                  "matrix": [[1.0, 0.5], [0.4, 1.0]]}), "not symmetric"),
        (lambda d: d.update(parameter_covariance={"names": ["v_mid_ref_V", "v_width_ref_V"],
                                                  "matrix": [[1.0, 2.0], [2.0, 1.0]]}), "not positive semi-definite"),
        (lambda d: d.update(parameter_covariance={"names": ["v_mid_ref_V", "v_width_ref_V"],
                                                  "matrix": [[0.0, 0.1], [0.1, 1.0]]}), "zero variance"),
        (lambda d: d.update(parameter_covariance={"names": ["v_mid_ref_V"], "matrix": [[1.0, 0.0]]}), "1x1"),
    ],
)
def test_non_finite_laws_and_bad_covariances_are_refused(pbit_doc, mutate, pattern):
    doc = pbit_doc()
    mutate(doc)
    with pytest.raises(DataError, match=pattern):
        loads_cell(json.dumps(doc))


def test_the_reported_inf_cell_no_longer_exports_inf(pbit_doc, tmp_path):
    """tau_activation_energy_J = 1e300 used to export a CSV table of NaN/inf."""
    doc = pbit_doc()
    doc["correlation_time"]["tau_activation_energy_J"] = 1e300
    path = tmp_path / "cell.json"
    path.write_text(json.dumps(doc))
    from noisecircuits.cli import main

    assert main(["export", str(path), "--format", "csv", "--out", str(tmp_path / "t.csv")]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cell.json"]


_magnitude = st.one_of(st.floats(-1e300, 1e300), st.sampled_from([0.0, 1e-300, -1e-300, 1e300, 5e-324]),
                       st.floats(-50, 50).map(lambda e: 10.0**e))


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(_magnitude, min_size=14, max_size=14))
def test_accepted_laws_are_finite_everywhere_in_the_range(pbit_doc, values):
    """Oracle: a dense grid (including the corners) of every law of an accepted cell is finite and positive."""
    doc = pbit_doc()
    slots = [("parameters", "v_mid_ref_V"), ("parameters", "dv_mid_dT_V_per_K"), ("parameters", "v_width_ref_V"),
             ("parameters", "width_exponent"), ("parameters", "t_ref_K"), ("correlation_time", "tau_peak_ref_s"),
             ("correlation_time", "tau_activation_energy_J"), ("correlation_time", "tau_shape_exponent"),
             ("correlation_time", "t_ref_K"), ("supply_power", "supply_power_ref_W"),
             ("supply_power", "supply_power_log_slope_per_K"), ("supply_power", "t_ref_K")]
    for (section, key), value in zip(slots, values, strict=False):
        doc[section][key] = value
    low, high = sorted(values[12:14])
    doc["validity"]["temperature_K"] = [abs(low) or 1.0, max(abs(low) or 1.0, abs(high))]
    try:
        cell = cell_from_document(doc, on_out_of_range="ignore")
    except DataError:
        return
    v = np.linspace(*cell.validity["v_bias_V"], 41)[:, None]
    t = np.geomspace(*cell.validity["temperature_K"], 21)[None, :]
    with np.errstate(all="raise", under="ignore"):
        p = cell.p_one(v, t)
        tau, power, energy = cell.correlation_time(v, t), cell.supply_power(t), cell.energy_per_sample(v, t)
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    for values_ in (tau, power, energy):
        assert np.all(np.isfinite(values_)) and np.all(values_ > 0)


def _mutations():
    leaf = st.one_of(st.none(), st.booleans(), st.integers(-3, 70), st.floats(allow_nan=False, allow_infinity=False),
                     st.text(max_size=5), st.sampled_from(["pbit", "probit", "fitted", "given", "power_arrhenius"]),
                     st.lists(st.floats(-1, 1), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
    return st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["set", "delete", "add"]), leaf, st.text(max_size=8)),
                    min_size=1, max_size=3)


@settings(max_examples=600, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=_mutations(), kind=st.sampled_from(["pbit", "categorical"]))
def test_reader_and_published_schema_agree(validator, pbit_doc, doc_paths, mutations, kind):
    """Accepted by the reader => valid by the schema; refused by the reader but valid by the schema =>
    one of the checks a schema cannot express."""
    doc = pbit_doc() if kind == "pbit" else _categorical(pbit_doc())
    for index, action, value, key in mutations:
        paths = list(doc_paths(doc))
        path = paths[index % len(paths)]
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[key] = value
        else:
            parent[path[-1]] = value
    schema_ok = validator.is_valid(doc)
    try:
        validate_document(copy.deepcopy(doc))
    except DataError as exc:
        assert not schema_ok or any(s in str(exc) for s in _SEMANTIC), str(exc)
    else:
        assert schema_ok, list(validator.iter_errors(doc))[:1]


def _categorical(pbit):
    return {
        "schema_version": 2, "kind": "categorical", "name": "c",
        "parameters": {"n_states": 3, "theta_offsets": [0.0, 0.1, -0.2], "gain_per_V": 8.0},
        "parameter_stderr": {"theta_offsets": [None, 0.1, 0.1], "gain_per_V": 0.1},
        "validity": {"v_control_V": [0.0, 1.0], "temperature_K": [300.0, 300.0]},
        "provenance": pbit["provenance"],
    }
