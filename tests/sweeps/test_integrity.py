"""Sweep state you can trust: verified checkpoints, refused foreign or corrupt state, a lock, nothing left behind."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import warnings

import pandas as pd
import pytest

from noisecircuits import cli
from noisecircuits.errors import ParameterError
from noisecircuits.sweeps import SweepSpec, load_results, run_sweep
from noisecircuits.sweeps.runner import SweepCheckpointWarning

SPEC = SweepSpec("telegraph", [280.0, 320.0], [-0.02, 0.0, 0.02], seed=5, duration=2e-5)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished sweep directory and its table."""
    out = tmp_path_factory.mktemp("finished") / "sweep"
    run_sweep(SPEC, out, show_progress=False)
    return out, load_results(out)


@pytest.fixture
def copy(finished, tmp_path):
    out = tmp_path / "sweep"
    shutil.copytree(finished[0], out)
    return out


def _points(directory):
    return sorted((directory / "points").glob("*.json"))


def _resume(directory, spec=SPEC, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = run_sweep(spec, directory, show_progress=False, **kwargs)
    return summary, [str(w.message) for w in caught if issubclass(w.category, SweepCheckpointWarning)]


CORRUPTIONS = {
    "binary": lambda path, other: path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00"),
    "json-list": lambda path, other: path.write_text("[1, 2, 3]\n"),
    "json-string": lambda path, other: path.write_text('"hello"\n'),
    "garbage-object": lambda path, other: path.write_text('{"garbage": 1}\n'),
    "copied-from-another-point": lambda path, other: shutil.copyfile(other, path),
    "legacy-bare-row": lambda path, other: path.write_text(json.dumps(json.loads(path.read_text())["row"])),
    "altered-value": lambda path, other: path.write_text(path.read_text().replace('"p_one": 0.', '"p_one": 1.', 1)),
    "truncated": lambda path, other: path.write_bytes(path.read_bytes()[:40]),
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_corrupt_checkpoint_is_named_once_and_recomputed(finished, copy, corrupt):
    # issue: a copied checkpoint gave one row twice; {"garbage":1} an all-NaN row; binary/list/string a traceback
    points = _points(copy)
    victim, other = points[1], points[4]
    corrupt(victim, other)
    summary, messages = _resume(copy)
    assert len(messages) == 1 and victim.name in messages[0] and "recomputing" in messages[0], messages
    assert "\n" not in messages[0]
    assert summary["n_computed"] == 1 and summary["n_recomputed"] == 1
    pd.testing.assert_frame_equal(load_results(copy), finished[1], check_exact=True)
    assert load_results(copy)["point_id"].is_unique


def test_missing_manifest_with_checkpoints_is_another_sweep(finished, copy):
    # issue: after deleting manifest.json a resume with another seed reused all 12 old points
    (copy / "manifest.json").unlink()
    other = SweepSpec("telegraph", [280.0, 320.0], [-0.02, 0.0, 0.02], seed=6, duration=3e-5)
    kept = sorted(p.read_bytes() for p in _points(copy))
    with pytest.raises(ParameterError, match=r"holds sweep results \(points\) but no manifest.json.*--force"):
        run_sweep(other, copy, show_progress=False)
    assert sorted(p.read_bytes() for p in _points(copy)) == kept and (copy / "results.parquet").exists()
    summary, _ = _resume(copy, other, force=True)
    assert summary["n_computed"] == 6 and summary["n_resumed"] == 0
    assert (load_results(copy)["seed"] == 6).all()


@pytest.mark.parametrize("content", [b"\x00\xff\xfe binary", b"[1, 2]", b'"text"', b"{}", b'{"parameters": []}'],
                         ids=["binary", "list", "string", "empty-object", "parameters-not-object"])
def test_corrupt_manifest_is_one_line_naming_it(copy, content, capsys):
    (copy / "manifest.json").write_bytes(content)
    argv = ["sweep", "telegraph", "--temperatures", "280,320", "--biases", "-0.02,0,0.02", "--duration", "2e-5",
            "--seed", "5", "--workers", "1", "--out", str(copy)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "manifest.json" in err[0] and "--force" in err[0], err
    assert cli.main([*argv, "--force", "--json"]) == 0
    capsys.readouterr()


def test_manifest_that_is_a_directory_is_refused_then_forced(copy):
    (copy / "manifest.json").unlink()
    (copy / "manifest.json").mkdir()
    with pytest.raises(ParameterError, match=r"manifest.json is a directory.*--force"):
        run_sweep(SPEC, copy, show_progress=False)
    summary, _ = _resume(copy, force=True)
    assert summary["n_computed"] == 6


def test_results_that_are_not_a_file_are_refused_then_forced(copy):
    (copy / "results.parquet").unlink()
    (copy / "results.parquet").mkdir()
    with pytest.raises(ParameterError, match=r"results.parquet is not a regular file.*--force"):
        run_sweep(SPEC, copy, show_progress=False)
    summary, _ = _resume(copy, force=True)
    assert summary["n_computed"] == 6 and (copy / "results.parquet").is_file()


def test_edited_manifest_hash_is_refused(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["parameters_sha256"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ParameterError, match="manifest.json does not match its parameters_sha256"):
        run_sweep(SPEC, copy, show_progress=False)


def test_second_writer_is_refused_naming_the_holder(copy):
    # issue: a --force sweep started while another wrote the same directory mixed rows of both
    fd = os.open(copy / ".lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, f"pid 4242 on {socket.gethostname()}\n".encode())
        for force in (False, True):
            with pytest.raises(ParameterError, match=r"being written by another sweep \(pid 4242 on .+\)"):
                run_sweep(SPEC, copy, force=force, show_progress=False)
    finally:
        os.close(fd)
    summary, _ = _resume(copy)  # the lock is free again
    assert summary["n_computed"] == 0


def test_lock_names_this_process_while_running(tmp_path):
    seen = {}

    def spy(params, seed):
        seen["holder"] = (tmp_path / "out" / ".lock").read_text()
        return {"value": 1.0}

    from noisecircuits.sweeps import register_kind

    register_kind("spy", spy, default_duration=1.0)
    run_sweep(SweepSpec("spy", [300.0], [0.0]), tmp_path / "out", show_progress=False)
    assert seen["holder"].strip() == f"pid {os.getpid()} on {socket.gethostname()}"


def test_stale_temporaries_are_removed_on_the_next_run(finished, copy):
    # issue: the temporary files of an interrupted write stayed even after a resume
    stale = [copy / ".results.parquet.abc123.tmp", copy / "points" / f".{_points(copy)[0].name}.x9.tmp"]
    for path in stale:
        path.write_text("half")
    _resume(copy)
    assert not any(path.exists() for path in stale)
    assert not list(copy.rglob("*.tmp"))


def _sweep_cli(*extra, out):
    return ["sweep", "telegraph", "--temperatures", "300", "--biases", "-0.01,0.01", "--duration", "1e-5",
            "--workers", "1", "--out", str(out), "--json", *extra]


def test_refused_bias_leaves_nothing_and_corrected_command_runs(tmp_path, capsys):
    # issue: `--biases 1e308` left a manifest behind and the corrected command was refused as a changed sweep
    out = tmp_path / "o"
    argv = _sweep_cli(out=out)
    bad = list(argv)
    bad[bad.index("-0.01,0.01")] = "1e308"
    assert cli.main(bad) == 2
    assert not out.exists()
    for pbit_bias in ("1e308", "0.9"):
        assert cli.main(["sweep", "pbit", "--temperatures", "300", "--biases", pbit_bias, "--out", str(out)]) == 2
        assert not out.exists()
    assert cli.main(argv) == 0
    capsys.readouterr()


def test_unreachable_scheduler_leaves_nothing(tmp_path, monkeypatch, capsys):
    from noisecircuits.sweeps import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1.0)  # nothing listens on port 9: fail fast
    out = tmp_path / "o"
    assert cli.main(_sweep_cli("--scheduler", "tcp://127.0.0.1:9", out=out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scheduler" in err[0]
    assert not out.exists()
    out.mkdir()  # an existing empty directory stays empty
    assert cli.main(_sweep_cli("--scheduler", "tcp://127.0.0.1:9", out=out)) == 2
    assert list(out.iterdir()) == []
    assert cli.main(_sweep_cli(out=out)) == 0
    capsys.readouterr()


def test_failing_point_function_in_a_first_run_leaves_nothing(tmp_path):
    from noisecircuits.sweeps import register_kind

    def refuse(params, seed):
        raise ParameterError("bias out of range")

    register_kind("refuse", refuse, default_duration=1.0)
    with pytest.raises(ParameterError, match="bias out of range"):
        run_sweep(SweepSpec("refuse", [300.0], [0.0, 1.0]), tmp_path / "o", show_progress=False)
    assert not (tmp_path / "o").exists()
    (tmp_path / "o").mkdir()
    with pytest.raises(ParameterError, match="bias out of range"):
        run_sweep(SweepSpec("refuse", [300.0], [0.0, 1.0]), tmp_path / "o", show_progress=False)
    assert list((tmp_path / "o").iterdir()) == []


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["telegraph", "--temperatures", "300", "--biases", "0.1:0.2:10000000"], "--max-memory"),
        (["telegraph", "--temperatures", "300", "--biases", "0", "--duration", "1e308"], "--duration"),
        (["pbit", "--temperatures", "300", "--biases", "0.12", "--duration", "1e308"], "--duration"),
        (["telegraph", "--temperatures", "1e-320", "--biases", "0"], "--temperatures"),
        (["telegraph", "--temperatures", "1e308", "--biases", "0"], "--temperatures"),
        (["telegraph", "--temperatures", "300", "--biases", "1e308"], "--biases"),
    ],
    ids=["ten-million-biases", "telegraph-duration-1e308", "pbit-duration-1e308", "temperature-denormal",
         "temperature-1e308", "telegraph-bias-1e308"],
)
def test_extreme_sweep_input_is_one_line(run_cli_limited, tmp_path, args, needle):
    done = run_cli_limited("sweep", *args, "--out", tmp_path / "o", timeout=60)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert needle in lines[0]
    assert not (tmp_path / "o").exists()


def _children(pid):
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def test_workers_exit_when_the_sweep_process_is_killed(tmp_path):
    # issue: after killing only the main process its workers stayed alive for at least 90 s
    import psutil

    out = tmp_path / "o"
    argv = [sys.executable, "-m", "noisecircuits", "sweep", "telegraph", "--temperatures", "300,320",
            "--biases", "-0.01,0.01", "--duration", "200", "--workers", "2", "--out", str(out), "--json"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        workers = []
        while time.monotonic() < deadline:
            workers = [c for c in _children(proc.pid) if "spawn_main" in " ".join(c.cmdline())]
            if len(workers) >= 2:
                break
            time.sleep(0.1)
        assert len(workers) >= 2, "the pool never started"
        time.sleep(1.0)  # let them pick up their (long) points
        proc.kill()
        proc.wait()
        _, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive, f"{len(alive)} worker(s) outlived the killed sweep"
    finally:
        for child in _children(proc.pid):
            child.kill()
        if proc.poll() is None:
            proc.kill()


def test_full_disk_during_a_sweep_is_named(tmp_path, monkeypatch, capsys):
    # issue: a full disk during a sweep was reported as "--out 'DIR' is a directory; give a file name"
    import errno
    from pathlib import Path

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_text", full)
    out = tmp_path / "o"
    assert cli.main(_sweep_cli(out=out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the disk is full" in err[0] and "is a directory" not in err[0], err
    assert not out.exists()


def test_checkpoint_path_that_is_a_directory_is_one_line(copy, capsys):
    victim = _points(copy)[2]
    victim.unlink()
    victim.mkdir()
    argv = ["sweep", "telegraph", "--temperatures", "280,320", "--biases", "-0.02,0,0.02", "--duration", "2e-5",
            "--seed", "5", "--workers", "1", "--out", str(copy)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and victim.name in err[0] and "not a regular file" in err[0], err
    assert "give a file name" not in err[0]


def test_checkpoint_of_another_sweep_is_recomputed(finished, copy, tmp_path):
    # issue: a --force sweep writing into a directory another run wrote left rows of both, and a resume kept them
    other = SweepSpec("telegraph", [280.0, 320.0], [-0.02, 0.0, 0.02], seed=6, duration=2e-5)
    run_sweep(other, tmp_path / "other", show_progress=False)
    name = _points(copy)[3].name
    shutil.copyfile(tmp_path / "other" / "points" / name, copy / "points" / name)
    summary, messages = _resume(copy)
    assert len(messages) == 1 and name in messages[0] and "a sweep with other parameters" in messages[0], messages
    pd.testing.assert_frame_equal(load_results(copy), finished[1], check_exact=True)
