"""Sweep execution: identical results for any executor, resume after a kill, refusals."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from noisecircuits import cli
from noisecircuits.errors import DataError, ParameterError, SimulationError
from noisecircuits.sweeps import SweepSpec, load_results, read_manifest, register_kind, run_sweep

SPEC = SweepSpec("telegraph", [280.0, 320.0], [-0.02, 0.0, 0.02], mismatch_samples=2, seed=5, duration=2e-4)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    summary = run_sweep(SPEC, out, workers=1, show_progress=False)
    assert summary["n_computed"] == len(SPEC) == 12
    return load_results(out)


def test_two_local_workers_give_identical_results(reference, tmp_path):
    summary = run_sweep(SPEC, tmp_path, workers=2, show_progress=False)
    assert summary["workers"] == 2
    pd.testing.assert_frame_equal(load_results(tmp_path), reference, check_exact=True)


def test_dask_cluster_gives_identical_results(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    # a light in-process cluster on loopback; dashboard off (it would need bokeh)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        summary = run_sweep(SPEC, tmp_path, scheduler=cluster.scheduler_address, show_progress=False)
    assert summary["scheduler"].startswith("tcp://127.0.0.1")
    pd.testing.assert_frame_equal(load_results(tmp_path), reference, check_exact=True)


def test_unreachable_scheduler_is_one_clear_error(tmp_path, monkeypatch):
    from noisecircuits.sweeps import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1.0)  # nothing listens on port 9: fail fast
    with pytest.raises(ParameterError, match="cannot reach the Dask scheduler"):
        run_sweep(SPEC, tmp_path, scheduler="tcp://127.0.0.1:9", show_progress=False)


def test_resume_computes_only_missing_points(reference, tmp_path):
    run_sweep(SPEC, tmp_path, workers=1, show_progress=False)
    points = sorted((tmp_path / "points").glob("*.json"))
    for path in points[::3]:
        path.unlink()
    summary = run_sweep(SPEC, tmp_path, workers=1, show_progress=False)
    assert summary["n_computed"] == len(points[::3]) and summary["n_resumed"] == 12 - len(points[::3])
    pd.testing.assert_frame_equal(load_results(tmp_path), reference, check_exact=True)


def test_changed_parameters_are_refused_unless_forced(tmp_path):
    run_sweep(SPEC, tmp_path, workers=1, show_progress=False)
    other = SweepSpec("telegraph", [280.0, 320.0], [-0.02, 0.0], mismatch_samples=2, seed=5, duration=2e-4)
    with pytest.raises(ParameterError, match=r"holds a sweep with different parameters \(v_biases_V was"):
        run_sweep(other, tmp_path, show_progress=False)
    summary = run_sweep(other, tmp_path, force=True, show_progress=False)
    assert summary["n_computed"] == 8 and len(load_results(tmp_path)) == 8
    assert len(list((tmp_path / "points").glob("*.json"))) == 8
    assert read_manifest(tmp_path)["parameters"]["v_biases_V"] == [-0.02, 0.0]


def test_manifest_records_everything(tmp_path):
    run_sweep(SPEC, tmp_path, workers=1, show_progress=False, csv=True)
    manifest = read_manifest(tmp_path)
    assert manifest["parameters"] == {**SPEC.parameters(), "duration_s": 2e-4}
    assert manifest["toolkit_version"] and manifest["parameters"]["seed"] == 5
    assert len(pd.read_csv(tmp_path / "results.csv")) == 12
    with pytest.raises(DataError, match="holds no sweep"):
        read_manifest(tmp_path / "nothing")


def _write_crashing_kind(directory):
    (directory / "crashing_kind.py").write_text(
        textwrap.dedent(
            """
            import os

            def point(params, seed):
                if params["v_bias_V"] > 0.5:
                    os._exit(3)  # the worker process dies as in a segfault or an OOM kill
                return {"value": float(params["v_bias_V"])}

            def not_a_row(params, seed):
                return [1.0]
            """
        )
    )


def test_worker_crash_keeps_finished_points(tmp_path, monkeypatch):
    _write_crashing_kind(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    import crashing_kind

    register_kind("crashing", crashing_kind.point, default_duration=1.0)
    spec = SweepSpec("crashing", [300.0], [0.0, 0.1, 0.2, 1.0], seed=1)
    with pytest.raises(SimulationError, match="worker process died"):
        run_sweep(spec, tmp_path / "out", workers=2, show_progress=False)
    saved = load_results(tmp_path / "out")
    assert set(saved["v_bias_V"]) <= {0.0, 0.1, 0.2} and (saved["value"] == saved["v_bias_V"]).all()
    register_kind("not_a_row", crashing_kind.not_a_row, default_duration=1.0)
    with pytest.raises(DataError, match="must return a dict"):
        run_sweep(SweepSpec("not_a_row", [300.0], [0.0]), tmp_path / "bad", show_progress=False)


def test_unknown_kind_and_engine(tmp_path):
    with pytest.raises(ParameterError, match="kind must be one of"):
        run_sweep(SweepSpec("nope", [300.0], [0.0]), tmp_path, show_progress=False)
    with pytest.raises(ParameterError, match="supports engine sde"):
        run_sweep(SweepSpec("telegraph", [300.0], [0.0], engine="spice"), tmp_path, show_progress=False)


def _cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "noisecircuits", *args], capture_output=True, text=True, **kwargs)


def _sweep_args(out):
    # 12 points of about 0.2 s each (10 s of simulated telegraph time: ~2·10^7 exact switches)
    return ["sweep", "telegraph", "--temperatures", "250:400:3", "--biases", "-0.06:0.06:4", "--duration", "10",
            "--seed", "11", "--workers", "1", "--out", str(out)]


@pytest.mark.slow
def test_resume_after_kill_matches_uninterrupted_run(tmp_path):
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "noisecircuits", *_sweep_args(killed), "--json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((killed / "points").glob("*.json"))) >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep finished before it could be killed: make the points longer"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = len(list((killed / "points").glob("*.json")))
    assert 3 <= kept < 12
    resumed = _cli(*_sweep_args(killed), "--json")
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["n_resumed"] == kept and summary["n_computed"] == 12 - kept
    whole = _cli(*_sweep_args(tmp_path / "whole"), "--json")
    assert whole.returncode == 0, whole.stderr
    pd.testing.assert_frame_equal(load_results(killed), load_results(tmp_path / "whole"), check_exact=True)


def test_cli_json_is_one_object_and_summary_on_stderr(tmp_path):
    out = _cli("sweep", "telegraph", "--temperatures", "300", "--biases", "-0.01,0,0.01", "--duration", "1e-4",
               "--workers", "1", "--out", str(tmp_path), "--json", "--csv")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["n_points"] == 3 and (tmp_path / "results.csv").exists()
    assert out.stderr.strip().splitlines() == [out.stderr.strip()] and "3/3 points" in out.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--temperatures", "250:350", "--biases", "0"], "a range is start:stop:count"),
        (["--temperatures", "250:350:0", "--biases", "0"], "count in start:stop:count must be an integer in [1, "),
        # the range is built while parsing, before any sizing: a huge count is refused there
        (["--temperatures", "250:350:1000000000", "--biases", "0"], "must be an integer in [1, 10000000]"),
        (["--temperatures", "300,,310", "--biases", "0"], "expected a comma-separated list of numbers"),
        (["--temperatures", "300", "--biases", "-0.1,abc"], "expected a finite number, got 'abc'"),
        (["--temperatures", "0", "--biases", "0"], "--temperatures must lie in [200, 450] K"),
        (["--temperatures", "300,300", "--biases", "0"], "temperatures must not repeat"),
        (["--temperatures", "300", "--biases", "0", "--workers", "0"], "expected an integer >= 1"),
    ],
)
def test_list_parsing_errors_are_one_clear_line(args, message, tmp_path, capsys):
    argv = ["sweep", "telegraph", *args, "--out", str(tmp_path / "o")]
    try:
        status = cli.main(argv)
    except SystemExit as exc:
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "o" / "results.parquet").exists()


def test_negative_lists_parse_as_values(tmp_path):
    status = cli.main(["sweep", "telegraph", "--temperatures", "300", "--biases", "-0.02:0.02:3", "--duration",
                       "1e-4", "--workers", "1", "--out", str(tmp_path), "--json"])
    assert status == 0
    assert load_results(tmp_path)["v_bias_V"].tolist() == [-0.02, 0.0, 0.02]
