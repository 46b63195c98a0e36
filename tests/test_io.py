"""Outputs are written only to regular files or new paths (noisecircuits._io and --out checks)."""

from __future__ import annotations

import errno
import os
import socket
import stat
from pathlib import Path

import pytest

from noisecircuits import _io
from noisecircuits.cli import main
from noisecircuits.commands._common import check_output_path, output_errors
from noisecircuits.errors import ParameterError

WELL = ["simulate", "double-well", "--barrier", "3", "--tau", "1e-6", "--duration", "1e-5", "--seed", "1"]
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "example_pbit_transfer.csv"


def _device(path: Path) -> Path:
    """A character device node like /dev/full (major 1, minor 7), made inside the test's directory."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except PermissionError:
        pytest.skip("creating device nodes is not permitted here")
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _socket(path: Path) -> Path:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.close()  # the socket file stays
    return path


def _link_to_dir(path: Path) -> Path:
    (path.parent / "real_dir").mkdir()
    path.symlink_to(path.parent / "real_dir")
    return path


def _link_to_file(path: Path) -> Path:
    (path.parent / "real_file.csv").write_text("keep me\n")
    path.symlink_to(path.parent / "real_file.csv")
    return path


SPECIAL = {"device": _device, "fifo": _fifo, "socket": _socket, "link-to-dir": _link_to_dir,
           "link-to-file": _link_to_file}


def _fingerprint(path: Path):
    st = os.lstat(path)
    return stat.S_IFMT(st.st_mode), st.st_ino, st.st_rdev


@pytest.mark.parametrize("make", SPECIAL.values(), ids=SPECIAL.keys())
def test_atomic_writers_never_replace_a_special_file(tmp_path, make):
    target = make(tmp_path / "out.csv")
    before = _fingerprint(target)
    with pytest.raises(_io.UnsafeOutputError, match="not a regular file"):
        _io.atomic_write_text(target, "data\n")
    assert _fingerprint(target) == before
    assert not list(tmp_path.glob(".*.tmp"))  # refused before the temporary file is made


def test_atomic_writer_replaces_a_regular_file_and_creates_new_paths(tmp_path):
    _io.atomic_write_text(tmp_path / "a" / "new.txt", "one\n")
    _io.atomic_write_text(tmp_path / "a" / "new.txt", "two\n")
    assert (tmp_path / "a" / "new.txt").read_text() == "two\n"
    with pytest.raises(_io.UnsafeOutputError, match="empty path"):
        _io.atomic_write_text("", "x")


@pytest.mark.parametrize("make", SPECIAL.values(), ids=SPECIAL.keys())
def test_simulate_out_special_file_is_one_line(tmp_path, make, capsys):
    target = make(tmp_path / "trace.csv")
    before = _fingerprint(target)
    assert main([*WELL, "--out", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out" in err[0] and "not a regular file" in err[0], err
    assert _fingerprint(target) == before


def test_fit_and_export_out_device_keep_the_device(tmp_path, capsys):
    # issue: `export cell.json --format json --out /dev/full` turned the device into a 2 kB file
    device = _device(tmp_path / "full")
    assert main(["fit", "transfer", str(EXAMPLE), "--out", str(device)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "character device" in err[0], err
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    cell = tmp_path / "cell.json"
    assert main(["fit", "transfer", str(EXAMPLE), "--out", str(cell)]) == 0
    capsys.readouterr()
    assert main(["export", str(cell), "--format", "json", "--out", str(device)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "character device" in err[0] and "Traceback" not in err[0], err
    assert stat.S_ISCHR(os.lstat(device).st_mode)


@pytest.mark.parametrize("argv", [[*WELL, "--out", ""], ["sweep", "telegraph", "--temperatures", "300",
                                                          "--biases", "0", "--duration", "1e-6", "--out", ""]],
                         ids=["simulate", "sweep"])
def test_empty_out_is_refused(tmp_path, monkeypatch, argv, capsys):
    monkeypatch.chdir(tmp_path)
    status = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1, err
    assert "--out" in err[0] and ("empty" in err[0] or ".parquet or .csv" in err[0]), err
    assert list(tmp_path.iterdir()) == []  # nothing written into the current directory


def test_check_output_path_directory_mode(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ParameterError, match="must be a directory"):
        check_output_path("--out", tmp_path / "file", directory=True)
    check_output_path("--out", tmp_path / "new_dir", directory=True)
    check_output_path("--out", tmp_path, directory=True)
    with pytest.raises(ParameterError, match="empty string"):
        check_output_path("--out", "", directory=True)


def test_full_disk_message_names_the_cause(tmp_path, monkeypatch):
    # issue: a full disk during a sweep was reported as "--out 'DIR' is a directory; give a file name"
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(ParameterError) as info:
        with output_errors("--out", tmp_path):
            _io.atomic_write_text(tmp_path / "points" / "x.json", "{}")
    message = str(info.value)
    assert "disk is full" in message and "is a directory" not in message and "\n" not in message
    assert not list((tmp_path / "points").glob(".*.tmp"))


def test_checkpoint_path_that_is_a_directory_is_named(tmp_path):
    (tmp_path / "points" / "x.json").mkdir(parents=True)
    with pytest.raises(ParameterError) as info:
        with output_errors("--out", tmp_path):
            _io.atomic_write_text(tmp_path / "points" / "x.json", "{}")
    message = str(info.value)
    assert "x.json" in message and "a directory, not a regular file" in message
    assert "give a file name" not in message
