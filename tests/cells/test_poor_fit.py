"""A poor fit is never silent: one warning line, a JSON flag, a note in every export, a mark in the report."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from noisecircuits.cells.calibrate import fit_pbit_cell
from noisecircuits.cells.csv_format import render_csv
from noisecircuits.cells.json_format import dumps_cell
from noisecircuits.cells.spice import render_spice
from noisecircuits.cells.verilog_a import render_verilog_a
from noisecircuits.fitting.selection import PoorFitWarning
from noisecircuits.fitting.transfer_law import p_one

LAW = {"v_mid_ref_V": 0.1, "dv_mid_dT_V_per_K": 0.0, "v_width_ref_V": 0.01, "width_exponent": 1.0, "t_ref_K": 300.0}


def _asymmetric(seed=0):
    """Counts from a skewed, monotone curve (logit = z + ln(1 + e^(2z))): no sigmoid describes it."""
    rng = np.random.default_rng(seed)
    t = np.repeat([290.0, 310.0], 15)
    v = np.tile(np.linspace(0.05, 0.15, 15), 2)
    z = (v - 0.1) / 0.01
    p = 1.0 / (1.0 + np.exp(-(z + np.logaddexp(0.0, 2.0 * z))))  # slope 1 left of v_mid, 3 right of it
    n = np.full(t.size, 20_000)
    return pd.DataFrame({"v_bias_V": v, "temperature_K": t, "n_ones": rng.binomial(n, p), "n_samples": n,
                         "correlation_time_s": np.full(t.size, 1e-6)})


def _good(seed=0):
    rng = np.random.default_rng(seed)
    t = np.repeat([290.0, 310.0], 15)
    v = np.tile(np.linspace(0.05, 0.15, 15), 2)
    p = p_one("logistic", LAW, v, t)
    n = np.full(t.size, 2000)
    return pd.DataFrame({"v_bias_V": v, "temperature_K": t, "n_ones": rng.binomial(n, p), "n_samples": n})


def test_poor_fit_warns_once_and_is_flagged_everywhere():
    with pytest.warns(PoorFitWarning) as record:
        cell, fit = fit_pbit_cell(_asymmetric(), form="logistic")
    assert len(record) == 1 and "\n" not in str(record[0].message)
    assert "p = " in str(record[0].message) and "logistic" in str(record[0].message)
    assert fit.goodness_of_fit["p_value"] < 0.01
    document = json.loads(dumps_cell(cell))
    assert document["provenance"]["fit_quality"]["transfer"]["poor_fit"] is True
    for text, marker in ((render_spice(cell), "* "), (render_verilog_a(cell), "// "), (render_csv(cell), "# ")):
        (line,) = [ln for ln in text.splitlines() if "WARNING: poor fit" in ln]
        assert line.startswith(marker + "WARNING: poor fit: the transfer law") and "p = " in line
        assert all(32 <= ord(c) < 127 for c in line)


def test_good_fit_is_silent_and_unflagged():
    # filterwarnings=error: any warning fails this test; a logistic fit to logistic counts has p ~ U(0, 1)
    cell, fit = fit_pbit_cell(_good(), form="logistic")
    assert fit.goodness_of_fit["p_value"] > 0.01
    assert cell.poor_fit is False and cell.fit_quality["poor_fit"] is False
    assert "WARNING" not in render_csv(cell)


def test_cli_prints_one_warning_line_and_sets_the_flag(tmp_path, run_cli_limited):
    data = tmp_path / "skewed.csv"
    _asymmetric().to_csv(data, index=False)
    out = tmp_path / "cell.json"
    result = run_cli_limited("fit", "transfer", data, "--form", "logistic", "--out", out, "--json",
                             env={"PYTHONPATH": os.getcwd()}, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("noisecircuits: warning: poor fit") and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["poor_fit"] is True
    assert json.loads(out.read_text())["provenance"]["fit_quality"]["transfer"]["poor_fit"] is True


def test_report_shows_a_visible_mark(tmp_path):
    from noisecircuits.cells.json_format import write_json
    from noisecircuits.reporting.report import build_report

    with pytest.warns(PoorFitWarning):
        cell, _ = fit_pbit_cell(_asymmetric(), form="logistic")
    write_json(cell, tmp_path / "cell.json")
    text = build_report(tmp_path)
    assert "&#9888; WARNING: poor fit: the transfer law" in text


@pytest.mark.parametrize("args, phrase", [
    (["--correlation-time-rel-stderr", "20"], "(--correlation-time-rel-stderr) must be in (0, 10)"),
    (["--form", "two_rate"], "needs correlation_time_s"),
])
def test_cli_bad_form_options_are_one_line(tmp_path, run_cli_limited, args, phrase):
    data = tmp_path / "plain.csv"
    frame = _good()
    frame.to_csv(data, index=False)
    out = tmp_path / "cell.json"
    result = run_cli_limited("fit", "transfer", data, "--out", out, *args, env={"PYTHONPATH": os.getcwd()}, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and phrase in lines[0], result.stderr
    assert not out.exists()


@pytest.mark.parametrize("form", ["two_rate", "monotone_spline", "logistic"])
def test_fitted_documents_of_every_form_validate_with_jsonschema(form):
    import jsonschema

    from noisecircuits.cells.schema import cell_schema

    frame = _good()
    # times from the generating logistic law: tau = 1 us * (4 P (1 - P))^(1/2), 3 % scatter
    rng = np.random.default_rng(5)
    p = p_one("logistic", LAW, frame["v_bias_V"], frame["temperature_K"])
    frame["correlation_time_s"] = 1e-6 * np.sqrt(4 * p * (1 - p)) * np.exp(rng.normal(0, 0.03, p.size))
    cell, _ = fit_pbit_cell(frame, form=form, correlation_time_rel_stderr=0.03)
    assert cell.form == form and not cell.poor_fit
    jsonschema.Draft202012Validator(cell_schema()).validate(json.loads(dumps_cell(cell)))
