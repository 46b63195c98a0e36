"""JSON and CSV writers/readers: exact round trips, schema errors naming the field, fuzzing."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noisecircuits.cells import load_cell
from noisecircuits.cells.csv_format import lookup_table, parse_lookup_csv, read_lookup_csv, write_csv
from noisecircuits.cells.json_format import dumps_cell, loads_cell, write_json
from noisecircuits.cells.model import cell_from_document
from noisecircuits.errors import DataError, NoisecircuitsError


def _awkward(doc):
    """Parameters whose decimal forms need all 17 significant digits."""
    doc["parameters"]["v_mid_ref_V"] = 0.1 + 0.2
    doc["parameters"]["v_width_ref_V"] = 1.0 / 3.0 * 0.06
    doc["correlation_time"]["tau_peak_ref_s"] = np.nextafter(1e-6, 1.0).item()
    return doc


def test_json_round_trip_is_exact(tmp_path, pbit_doc):
    cell = cell_from_document(_awkward(pbit_doc()))
    path = write_json(cell, tmp_path / "cell.json")
    again = load_cell(path)
    assert again.to_document() == cell.to_document()
    assert again.parameters["v_mid_ref_V"] == 0.1 + 0.2
    assert dumps_cell(again) == path.read_text()


def test_csv_round_trip_is_exact(tmp_path, pbit_doc):
    cell = cell_from_document(_awkward(pbit_doc("probit")))
    table = lookup_table(cell, n_bias=31, n_temperature=3)
    path = write_csv(cell, tmp_path / "table.csv", n_bias=31, n_temperature=3)
    back = read_lookup_csv(path)
    assert list(back) == ["temperature_K", "v_bias_V", "p_one", "correlation_time_s", "supply_power_W", "energy_per_sample_J"]
    for name, values in table.items():
        assert np.array_equal(back[name], values), name
    # and the table is the model evaluated at its own grid, bit for bit
    assert np.array_equal(back["p_one"], cell.p_one(back["v_bias_V"], back["temperature_K"]))
    text = path.read_text()
    assert text.startswith("# noisecircuits") and "source SHA-256" in text


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda d: d.update(schema_version=3), "'schema_version': unknown schema version"),
        (lambda d: d.update(parameter_covarience=None), "'parameter_covarience' is not a known field; did you mean 'parameter_covariance'"),
        (lambda d: d["parameters"].update(extra=1.0), "'parameters.extra' is not a known field"),
        (lambda d: d["provenance"]["fit_quality"]["transfer"].update({"a b": 1}), "'provenance.fit_quality.transfer.a b' is not"),
        (lambda d: d["provenance"].update(source="data\n.end"), "'provenance.source': expected text without control"),
        (lambda d: d["correlation_time"].pop("source"), "'correlation_time.source' is missing"),
        (lambda d: d["correlation_time"].update(source="guessed"), "'correlation_time.source': must be one of fitted, given"),
        (lambda d: d.update(name="abc\n"), "'name': expected an identifier"),
        (lambda d: d.pop("schema_version"), "'schema_version' is missing"),
        (lambda d: d.update(kind="qbit"), "'kind': must be one of"),
        (lambda d: d["parameters"].pop("v_width_ref_V"), "'parameters.v_width_ref_V' is missing"),
        (lambda d: d["parameters"].update(v_mid_ref_V="0.05"), "'parameters.v_mid_ref_V': expected a finite number"),
        (lambda d: d["parameters"].update(v_width_ref_V=-0.01), "'parameters.v_width_ref_V': must be > 0"),
        (lambda d: d["validity"].update(v_bias_V=[0.2, -0.1]), "'validity.v_bias_V': low must not exceed high"),
        (lambda d: d.update(name="x\n.end"), "'name': expected an identifier"),
        (lambda d: d.update(form="tanh"), "'form': must be one of"),
        (lambda d: d["provenance"].update(source_sha256="abc"), "'provenance.source_sha256'"),
        (lambda d: d["correlation_time"].update(tau_peak_ref_s=True), "'correlation_time.tau_peak_ref_s'"),
        (lambda d: d.pop("mismatch"), "'mismatch' is missing"),
    ],
)
def test_invalid_documents_name_the_field(pbit_doc, mutate, pattern):
    doc = pbit_doc()
    mutate(doc)
    with pytest.raises(DataError, match=pattern):
        loads_cell(json.dumps(doc))


def test_non_json_numbers_and_garbage(tmp_path):
    with pytest.raises(DataError, match="NaN"):
        loads_cell('{"schema_version": NaN}')
    with pytest.raises(DataError, match="not valid JSON"):
        loads_cell("{")
    with pytest.raises(DataError, match="nested too deeply"):
        loads_cell("[" * 100_000)
    with pytest.raises(DataError, match="cannot read"):
        load_cell(tmp_path / "missing.json")


def _mutations():
    leaf = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=5),
                     st.lists(st.floats(allow_nan=False), max_size=3))
    return st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["set", "delete"]), leaf), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutations=_mutations())
def test_fuzz_mutated_documents_only_raise_data_error(pbit_doc, doc_paths, mutations):
    doc = pbit_doc()
    for index, action, value in mutations:
        paths = list(doc_paths(doc))
        path = paths[index % len(paths)]
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    try:
        text = json.dumps(doc)
    except ValueError:
        return
    try:
        cell = loads_cell(text, on_out_of_range="ignore")
    except NoisecircuitsError as exc:
        assert isinstance(exc, DataError)
        return
    with np.errstate(all="ignore"):  # fuzzed parameters may be extreme; only reading is under test
        float(np.asarray(cell.p_one(0.0, 300.0)))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_fuzz_arbitrary_text_only_raises_data_error(text):
    for reader in (loads_cell, parse_lookup_csv):
        try:
            reader(text)
        except NoisecircuitsError as exc:
            assert isinstance(exc, DataError)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(rows=st.lists(st.lists(st.one_of(st.floats().map(repr), st.text(max_size=4)), min_size=3, max_size=3), max_size=4))
def test_fuzz_lookup_csv_only_raises_data_error(rows):
    text = "temperature_K,v_bias_V,p_one\n" + "\n".join(",".join(r) for r in rows)
    try:
        cols = parse_lookup_csv(text)
    except DataError:
        return
    assert all(np.all(np.isfinite(c)) for c in cols.values())


def test_invalid_covariance_names_the_field(pbit_doc):
    doc = pbit_doc()
    doc["parameter_covariance"] = {"names": ["v_mid_ref_V", "nope"], "matrix": [[1.0, 0.0], [0.0, 1.0]]}
    with pytest.raises(DataError, match="parameter_covariance.names"):
        loads_cell(json.dumps(doc))
    doc["parameter_covariance"] = {"names": ["v_mid_ref_V"], "matrix": [[1.0, 0.0]]}
    with pytest.raises(DataError, match="parameter_covariance.matrix"):
        loads_cell(json.dumps(doc))
    doc["parameter_covariance"] = {"names": ["v_mid_ref_V"], "matrix": [[1e-8]]}
    assert loads_cell(json.dumps(doc)).parameter_covariance[0] == ("v_mid_ref_V",)
