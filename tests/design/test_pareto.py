"""The energy–speed front: per-target optima, dominance, the CSV/PNG/design files of `design pareto`."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from noisecircuits.design import pareto
from noisecircuits.design.evaluate import evaluate
from noisecircuits.design.pareto import FrontPoint, dominated_by, front_rows, log_targets, non_dominated, pareto_front
from noisecircuits.design.process import process_named
from noisecircuits.design.space import Variable

# The small problem of test_optimise: a min-size latch whose supply and explicit capacitor are
# searched. Energy per sample scales with C V_dd, so in this box the faster target is the cheaper.
VARIABLES = (Variable("supply_voltage", 0.065, 0.068, log=False), Variable("extra_capacitance", 0.0, 0.3e-15, log=False))
FIXED = {"latch_width": 0.15e-6, "latch_length": 0.15e-6, "bias_width": 0.15e-6, "bias_length": 6e-6}
TARGETS = (1.5e-3, 3e-3, 1e-9)  # [s]; 1 ns is out of reach of this box
SMALL = dict(temperature=300.0, temperature_range=(300.0, 300.0), supply_tracking="fixed",
             bounds={"offset_spread": (None, 0.2)}, variables=VARIABLES, fixed=FIXED, population=4, generations=6)


@pytest.fixture(scope="module")
def front():
    return pareto_front("generic", TARGETS, seed=3, **SMALL)


@pytest.mark.slow
def test_each_target_gets_its_optimum_or_its_binding_constraint(front):
    by_target = {p.target_tau_s: p for p in front}
    for target in (1.5e-3, 3e-3):
        point = by_target[target]
        assert point.feasible and point.binding is None
        # the 5 % band of the search plus the 41/61-point grid difference (as test_optimise)
        assert point.result.metrics.correlation_time_s == pytest.approx(target, rel=0.07)
        again = evaluate(point.result.design, process_named("generic"), 300.0, (300.0, 300.0))
        assert again.energy_per_sample_J == pytest.approx(point.result.metrics.energy_per_sample_J, rel=0.03)
    fast = by_target[1e-9]
    assert not fast.feasible and "binding constraint: correlation_time" in fast.binding


@pytest.mark.slow
def test_slower_optimum_is_dominated_and_the_front_never_gets_cheaper_when_faster(front):
    # in this box slowing the latch costs capacitor: the 3 ms optimum costs more than the 1.5 ms one
    e = {p.target_tau_s: p.result.metrics.energy_per_sample_J for p in front if p.feasible}
    assert e[3e-3] > 1.5 * e[1.5e-3]
    assert dominated_by(front) == {3e-3: 1.5e-3}
    kept = non_dominated(front)
    assert [p.target_tau_s for p in kept] == [1.5e-3]
    energies = [p.result.metrics.energy_per_sample_J for p in kept]
    assert all(a >= b for a, b in zip(energies, energies[1:]))  # fastest first: non-increasing


def test_dominance_on_a_made_up_front():
    class M:
        def __init__(self, tau, energy):
            self.correlation_time_s, self.energy_per_sample_J = tau, energy

    class R:
        def __init__(self, tau, energy):
            self.metrics = M(tau, energy)

    points = [FrontPoint(1e-8, R(1e-8, 5.0), None), FrontPoint(1e-7, R(1e-7, 2.0), None),
              FrontPoint(1e-6, R(1e-6, 3.0), None), FrontPoint(1e-5, R(1e-5, 1.0), None),
              FrontPoint(1e-9, None, "binding constraint: correlation_time")]
    assert dominated_by(points) == {1e-6: 1e-7}
    kept = non_dominated(points)
    assert [p.target_tau_s for p in kept] == [1e-8, 1e-7, 1e-5]
    energies = [p.result.metrics.energy_per_sample_J for p in kept]
    assert energies == sorted(energies, reverse=True)


def test_log_targets_and_their_refusals():
    assert log_targets(1e-8, 1e-4, 9) == (1e-8, 3.16e-8, 1e-7, 3.16e-7, 1e-6, 3.16e-6, 1e-5, 3.16e-5, 1e-4)
    from noisecircuits.errors import ParameterError

    with pytest.raises(ParameterError, match="LO < HI"):
        log_targets(1e-4, 1e-8, 3)
    with pytest.raises(ParameterError, match="lowest target"):
        log_targets(1e-13, 1e-8, 3)


@pytest.mark.slow
def test_cli_writes_the_front_files(front, monkeypatch, tmp_path, capsys):
    from noisecircuits.cli import main

    by_target = {p.target_tau_s: p for p in front}
    monkeypatch.setattr(pareto, "_optimise_one", lambda card, target, *args: by_target[target])
    out = tmp_path / "front"
    assert main(["design", "pareto", "--taus", "1e-9,1.5e-3,3e-3", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    rows = pd.read_csv(out / "pareto.csv")
    assert list(rows["target_tau_s"]) == [1e-9, 1.5e-3, 3e-3]
    assert list(rows["feasible"]) == [False, True, True]
    assert "binding constraint: correlation_time" in rows["binding"][0]
    assert rows["dominated_by_target_s"][2] == pytest.approx(1.5e-3) and math.isnan(rows["dominated_by_target_s"][1])
    assert rows["energy_per_sample_J"][1] == pytest.approx(by_target[1.5e-3].result.metrics.energy_per_sample_J)
    assert sorted(p.name for p in out.glob("design_tau_*.json")) == ["design_tau_0.0015.json", "design_tau_0.003.json"]
    assert printed["design_files"] and printed["pareto_png"].endswith("pareto.png")
    from PIL import Image

    with Image.open(out / "pareto.png") as image:
        assert image.size[0] >= 1000
    # the report draws the front from those design files
    from noisecircuits.reporting.report import build_report

    html = build_report(out)
    assert "Pareto front" in html and "design_tau_0.0015.json" in html


@pytest.mark.parametrize(("taus", "message"), [
    ("1e-4:1e-8:3", "LO < HI"),
    ("abc", "expected LO:HI:N"),
    ("1e-12,1e-6", "--taus"),
    ("1e-6,-1", "positive finite"),
])
def test_bad_targets_are_one_line_and_write_nothing(run_cli_limited, tmp_path, taus, message):
    out = tmp_path / "front"
    done = run_cli_limited("design", "pareto", "--taus", taus, "--out", out, timeout=120)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr
    assert not out.exists()


def test_front_rows_of_an_infeasible_target_name_the_binding_line():
    rows = front_rows([FrontPoint(1e-9, None, "no feasible design ...; binding constraint: weak_inversion (...)")])
    assert rows == [{"target_tau_s": 1e-9, "feasible": False, "binding": "no feasible design ...; binding constraint: "
                                                                        "weak_inversion (...)"}]
