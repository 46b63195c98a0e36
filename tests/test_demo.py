"""The demo and the orchestrator: strict JSON everywhere, named energy quantities, the fit's gap to the exact curve."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from noisecircuits.pipeline import strict_document, write_json


def _strict_load(path):
    """json.loads that refuses NaN, Infinity and -Infinity (what jq and JavaScript do)."""

    def refuse(token):
        raise ValueError(f"{path}: non-standard JSON constant {token}")

    return json.loads(Path(path).read_text(encoding="utf-8"), parse_constant=refuse)


def test_strict_reader_refuses_what_python_writes_by_default(tmp_path):
    # the oracle of the other tests must itself fail on bare NaN
    path = tmp_path / "loose.json"
    path.write_text(json.dumps({"x": math.nan}))
    with pytest.raises(ValueError, match="NaN"):
        _strict_load(path)


def test_strict_document_nulls_non_finite_values_and_says_why(tmp_path):
    document = {"rows": [{"tau_s": math.nan, "p": np.float64(0.25), "n": np.int64(3)},
                         {"tau_s": 1e-6, "p": 0.5, "n": 4}],
                "gain": math.inf, "trace": np.array([1.0, np.nan])}
    path = write_json(tmp_path / "out.json", document, {"tau_s": "no completed dwell"})
    back = _strict_load(path)
    assert back["rows"][0] == {"tau_s": None, "p": 0.25, "n": 3, "null_reasons": {"tau_s": "no completed dwell"}}
    assert back["rows"][1] == {"tau_s": 1e-6, "p": 0.5, "n": 4}
    assert back["gain"] is None and back["null_reasons"] == {"gain": "not a finite number (not computable here)"}
    assert back["trace"] == [1.0, None]
    assert strict_document({"a": [math.nan]}) == {"a": [None]}


@pytest.mark.requires_ngspice
def test_demo_spice_check_json_is_strict_with_reasons(tmp_path, monkeypatch):
    # a real (short) ngspice check at a bias where the record has no completed dwell: tau is NaN
    from noisecircuits import demo
    from noisecircuits.validation import crosscheck

    real = crosscheck.check_pbit

    def short_check(card, temperatures, **kwargs):
        kwargs.update(correlation_times=5.0, probabilities=(0.1,), show_progress=False)
        return real(card, temperatures, **kwargs)

    monkeypatch.setattr(crosscheck, "check_pbit", short_check)
    rows = demo.spice_check(tmp_path, seed=1)
    assert rows is not None and rows["tau_spice_s"].isna().any()  # the case strict JSON has to handle
    document = _strict_load(tmp_path / "spice_check.json")
    row = document["rows"][0]
    assert row["tau_spice_s"] is None
    assert row["null_reasons"]["tau_spice_s"] == demo.SPICE_NULL_REASONS["tau_spice_s"]
    assert row["p_one_spice"] == pytest.approx(float(rows["p_one_spice"].iloc[0]), rel=1e-15)


class _ShiftedCell:
    """A cell model whose P(1) is the exact curve plus a known bump (the oracle of fit_deviation)."""

    def __init__(self, design, low, high, bump_at, bump):
        self.design, self.bump_at, self.bump = design, bump_at, bump
        self.validity = {"v_bias_V": [low, high], "temperature_K": [300.0, 300.0]}

    def p_one(self, v_bias, temperature):
        from noisecircuits.circuits.pbit import p_one_exact

        v = np.atleast_1d(v_bias)
        exact = np.array([p_one_exact(self.design, x, temperature) for x in v])
        return exact + np.where(np.isclose(v, self.bump_at), self.bump, 0.0)


def test_fit_deviation_finds_the_largest_gap_inside_the_validity_range():
    from noisecircuits.circuits.pbit import PBitDesign
    from noisecircuits.demo import fit_deviation

    design = PBitDesign.default()
    biases = np.linspace(0.11, 0.14, 7)
    cell = _ShiftedCell(design, 0.11, 0.14, bump_at=biases[2], bump=-0.031)
    gaps = fit_deviation(cell, design, temperatures=(280.0, 300.0), n_points=7)
    # 280 K lies outside the cell's validity range and is left out; at 300 K the gap is the bump
    assert set(gaps) == {300.0}
    gap, where = gaps[300.0]
    assert gap == pytest.approx(0.031, abs=1e-12) and where == pytest.approx(biases[2])


@pytest.mark.slow
def test_demo_writes_strict_json_and_names_each_energy(tmp_path, capsys):
    from noisecircuits.cli import main

    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--n-biases", "5", "--duration-tau", "100", "--no-spice"]) == 0
    text = capsys.readouterr().out
    written = sorted(out.rglob("*.json"))
    assert {p.name for p in written} >= {"cell.json", "energy.json", "pbit_cell.json"}
    for path in written:
        _strict_load(path)
    energy = _strict_load(out / "energy.json")
    assert energy["sample_counts"] == "16x16 chip of calibrated cells, 250 sweeps x 8 steps"
    # one cell's energy per independent sample and the chip's energy per sample have distinct names
    assert "E/sample" not in text
    assert "cell E per indep. sample [aJ]" in text and "one chip sample, 2000 sweeps [J]" in text
    assert "one cell update [J]" in text and "one sweep, 256 updates [J]" in text
    # the fitted cell's largest gap to the exact curve, per temperature, read back from the table
    assert "max |dP(1)|" in text
    lines = text.split("Calibrated cell", 1)[1].splitlines()[2:5]
    gaps = [float(line.split()[3]) for line in lines]
    assert all(0.0 <= g < 0.2 for g in gaps), gaps
    table = pd.read_csv(out / "transfer_curve.csv")
    assert len(table) == 15
    # the Gibbs results reach the report, with their data file
    gibbs = _strict_load(out / "gibbs.json")
    assert set(gibbs["runs"]) == {"ideal", "cell 300 K", "cell 320 K"}
    # the lookup-table network calibrated at 300 K: the matched chip samples the ideal law whatever
    # the (here short-sweep) cell's fit, and the summary says so
    assert gibbs["bias_network"] == "inverse" and gibbs["runs"]["cell 300 K"]["agrees_with_ideal"] is True
    assert "agrees with ideal within 4 SE" in text.split("cell 300 K", 1)[1].splitlines()[0]
    report = (out / "report.html").read_text()
    assert "<h2>Gibbs sampling through the cell</h2>" in report and (out / "report_gibbs.csv").exists()


@pytest.mark.parametrize("args, option", [
    (["--duration-tau", "1e308"], "--n-biases/--duration-tau"),
    (["--n-biases", "99999999999"], "--n-biases/--duration-tau"),
    (["--seed", "-1"], "--seed"),
])
def test_demo_refuses_extreme_input_up_front(run_cli_limited, tmp_path, args, option):
    out = tmp_path / "demo"
    done = run_cli_limited("demo", "--out", out, *args, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1 and option in done.stderr
    assert not out.exists()  # refused before anything is written


def test_the_demo_sweeps_one_bias_window_at_every_temperature():
    from noisecircuits.circuits.pbit import PBit, PBitDesign
    from noisecircuits.demo import DEMO_MIN_SWITCHES, DEFAULT_DURATION_TAU, common_window, min_switches, point_duration

    design = PBitDesign.default()
    spans = common_window(design, (280.0, 300.0, 320.0), 5)
    biases = spans[300.0][1]
    # the cell's validity rectangle is measured at every corner: the same biases at each temperature
    assert all(np.array_equal(b, biases) for _, b in spans.values())
    assert PBit(design, biases[0], 300.0).p_one_exact() == pytest.approx(0.1, abs=1e-4)
    assert PBit(design, biases[-1], 300.0).p_one_exact() == pytest.approx(0.9, abs=1e-4)
    for v in (biases[2], biases[-1]):
        model = PBit(design, float(v), 280.0)
        p, tau = model.p_one_exact(), model.correlation_time_exact()
        duration = point_duration(model, 5000.0, tau)
        # two-state P(1) standard error sqrt(2 tau p (1 - p) / T): that of a p = 1/2 point of 5000 tau_c ...
        assert np.sqrt(2 * tau * p * (1 - p) / duration) <= np.sqrt(0.5 / 5000.0) * (1 + 1e-12)
        # ... and at least the stated number of expected switching events (rate 2 p (1 - p) / tau_c)
        assert 2 * p * (1 - p) * duration / tau >= min_switches(5000.0) * (1 - 1e-12)
        # the default run gives a tail point the full number of switches, shorter runs proportionally fewer
        tail = point_duration(model, DEFAULT_DURATION_TAU, tau)
        assert 2 * p * (1 - p) * tail / tau >= DEMO_MIN_SWITCHES * (1 - 1e-12)
    assert min_switches(DEFAULT_DURATION_TAU) == DEMO_MIN_SWITCHES and min_switches(5000.0) == pytest.approx(1000 / 3)
    assert min_switches(100.0) == 150


def test_demo_refuses_a_duration_whose_trace_would_not_fit(run_cli_limited, tmp_path):
    out = tmp_path / "demo"
    done = run_cli_limited("demo", "--out", out, "--duration-tau", "20000", "--no-spice", timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1 and "--duration-tau must be in (0, 15000]" in done.stderr
    assert not out.exists()
