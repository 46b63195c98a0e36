"""Atomic file writing: nothing half-written is ever left behind, and only regular files are replaced.

Every writer goes through :func:`atomic_path`: the data go to a temporary file beside the
target (``.<name>.<random>.tmp``), which is renamed onto the target only when complete. A
target that exists and is not a regular file (a directory, a device node, a FIFO, a socket
or a symbolic link) is never replaced: :class:`UnsafeOutputError` is raised before a byte is
written, so ``--out /dev/full`` cannot turn a device into a file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)

__all__ = [
    "UnsafeOutputError",
    "TEMP_SUFFIX",
    "atomic_path",
    "atomic_write_text",
    "atomic_write_bytes",
    "check_regular",
    "check_writable_target",
    "write_table",
]

#: Suffix of the temporary files :func:`atomic_path` writes (their names start with a dot).
TEMP_SUFFIX = ".tmp"


class UnsafeOutputError(OSError):
    """An output path that exists but is not a regular file (or is empty); never replaced."""


def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; ``None`` for a regular file."""
    for test, name in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def check_regular(mode: int) -> bool:
    """Whether an ``lstat`` mode is a regular file (not a link, directory, device, FIFO or socket)."""
    return _kind_of(mode) is None


def check_writable_target(path) -> Path:
    """Raise :class:`UnsafeOutputError` unless ``path`` is a new path or an existing regular file.

    Parameters
    ----------
    path : str or os.PathLike
        The file about to be written [-].

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.
    """
    if not str(path).strip():
        raise UnsafeOutputError(errno.EINVAL, "an empty path names no file", str(path))
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # a new path (a bad parent fails when it is created)
        return path
    kind = _kind_of(mode)
    if kind is not None:
        raise UnsafeOutputError(
            errno.EISDIR if kind == "a directory" else errno.EEXIST,
            f"it is {kind}, not a regular file; give a regular file or a new path",
            str(path),
        )
    return path


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    Raises :class:`UnsafeOutputError` (before anything is written, and again just before the
    rename) when ``path`` exists and is not a regular file.
    """
    path = check_writable_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; give the file ordinary permissions
    try:
        yield Path(tmp)
        check_writable_target(path)  # it may have changed while the data were written
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_table(frame, path) -> Path:
    """Write a pandas DataFrame to ``.parquet`` or ``.csv`` (chosen by suffix), atomically."""
    from noisecircuits.errors import ParameterError

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ParameterError(f"output file must end in .parquet or .csv, got {str(path)!r}")
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
    return path
