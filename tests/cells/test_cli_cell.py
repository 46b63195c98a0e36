"""`noisecircuits cell validate` and the lab-data options of `noisecircuits fit transfer`, end to end."""

from __future__ import annotations

import json

import pytest

from noisecircuits.cells import load_cell
from noisecircuits.cli import main


def _write(path, doc):
    path.write_text(json.dumps(doc))
    return path


def test_validate_accepts_version_2_and_version_1(tmp_path, capsys, pbit_doc):
    doc = pbit_doc()
    assert main(["cell", "validate", str(_write(tmp_path / "v2.json", doc)), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["valid"] is True and result["schema_version"] == 2 and result["kind"] == "pbit"
    old = dict(doc, schema_version=1, correlation_time={k: v for k, v in doc["correlation_time"].items() if k != "source"})
    assert main(["cell", "validate", str(_write(tmp_path / "v1.json", old)), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["schema_version"] == 1 and result["read_as_schema_version"] == 2


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(parameter_covarience=None),
         "'parameter_covarience' is not a known field; did you mean 'parameter_covariance'?"),
        (lambda d: d["parameters"].update({"x\n.control\nshell touch F\n.endc\n*": 1.0}),
         "'parameters.x\\n.control\\nshell touch F\\n.endc\\n*' is not a known field"),
        (lambda d: d["correlation_time"].update(tau_activation_energy_J=1e300), "'correlation_time': the Arrhenius factor"),
        (lambda d: d.update(parameter_covariance={"names": ["v_mid_ref_V"], "matrix": [[-1.0]]}), "is negative"),
        (lambda d: d.update(schema_version=9), "unknown schema version (this toolkit reads 1 and 2)"),
    ],
)
def test_validate_names_the_first_problem_in_one_line(tmp_path, capsys, pbit_doc, mutate, message):
    doc = pbit_doc()
    mutate(doc)
    assert main(["cell", "validate", str(_write(tmp_path / "cell.json", doc))]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert message in captured.err


def test_validate_unreadable_files(tmp_path, capsys):
    (tmp_path / "bad.json").write_text("{")
    for path, message in ((tmp_path / "bad.json", "not valid JSON"), (tmp_path / "none.json", "cannot read")):
        assert main(["cell", "validate", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err


def test_fit_with_a_given_correlation_time_exports_spice(tmp_path, capsys, lab_csv):
    data = lab_csv(tmp_path / "lab.csv")
    plain, given = tmp_path / "plain.json", tmp_path / "given.json"
    assert main(["fit", "transfer", str(data), "--out", str(plain)]) == 0
    capsys.readouterr()
    # without a correlation time the SPICE sampler cannot be written: one line, no file
    assert main(["export", str(plain), "--format", "spice", "--out", str(tmp_path / "plain.cir")]) == 2
    assert "correlation-time model" in capsys.readouterr().err
    assert not (tmp_path / "plain.cir").exists()
    assert main(["fit", "transfer", str(data), "--out", str(given), "--correlation-time", "2e-6", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["correlation_time_source"] == "given"
    cell = load_cell(given)
    assert cell.correlation_time_law["source"] == "given"
    assert cell.correlation_time([-0.05, 0.05, 0.15], [275.0, 300.0, 325.0]) == pytest.approx([2e-6] * 3, rel=1e-15)
    out = tmp_path / "given.cir"
    assert main(["export", str(given), "--format", "spice", "--out", str(out)]) == 0
    text = out.read_text()
    assert ".subckt pbit_cell ctl out" in text and "given by the user (constant 2e-06 s), not fitted" in text


def test_given_correlation_time_with_measured_ones_is_refused(tmp_path, capsys):
    data = tmp_path / "lab.csv"
    data.write_text("v_bias_V,temperature_K,n_ones,n_samples,correlation_time_s\n"
                    + "".join(f"{v},300,{n},100,1e-6\n" for v, n in ((0.0, 5), (0.05, 30), (0.1, 70), (0.15, 95))))
    out = tmp_path / "cell.json"
    assert main(["fit", "transfer", str(data), "--out", str(out), "--correlation-time", "1e-6"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--correlation-time is for data without a correlation_time_s column" in err
    assert not out.exists()


def test_fit_reads_celsius_and_semicolons(tmp_path, capsys, lab_csv):
    data = lab_csv(tmp_path / "lab.csv", temperature_column="temperature_C", offset=273.15, delimiter=";")
    out = tmp_path / "cell.json"
    assert main(["fit", "transfer", str(data), "--out", str(out)]) == 0
    low, high = load_cell(out).validity["temperature_K"]
    assert low == pytest.approx(275.0, abs=1e-9) and high == pytest.approx(325.0, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("v_bias_V,temperature_K,n_ones,n_samples\n0,16.85,1,10\n0.1,36.85,5,10\n", "name it temperature_C"),
        ("v_bias_V;temperature_K;n_ones\n0;300;1\n", "separated by semicolons"),
        ("v_bias_V,temperature_K,n_ones,n_samples,n_effective\n0,300,1,10,20\n", "row 1, column n_effective"),
        ("v_bias_V,temperature_K,n_ones,n_samples\n0,300,1,1e30\n0.1,300,1e29,1e30\n", "counts must be integers"),
        ("v_bias_V,temperature_K,n_ones,n_samples\n0,300,1e30,1e30\n", "counts must be integers"),
    ],
)
def test_bad_lab_data_one_line_exit_2_no_file(tmp_path, run_cli_limited, text, message):
    data = tmp_path / "lab.csv"
    data.write_text(text)
    out = tmp_path / "cell.json"
    done = run_cli_limited("fit", "transfer", data, "--out", out, "--correlation-time", "1e-6")
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr and message in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.csv"]


def test_fit_sizes_a_large_csv_up_front(tmp_path, capsys, lab_csv):
    data = lab_csv(tmp_path / "lab.csv")  # 40 lines: about 16 kB by the per-row estimate
    out = tmp_path / "cell.json"
    assert main(["fit", "transfer", str(data), "--out", str(out), "--max-memory", "1e-6"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--max-memory" in err and "number of rows" in err
    assert not out.exists()
    assert main(["fit", "transfer", str(data), "--out", str(out), "--max-memory", "0.001"]) == 0
