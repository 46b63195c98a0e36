"""Argument types shared by the sub-commands: they turn bad text into one clear line."""

from __future__ import annotations

import argparse
import contextlib
import errno
import math
import os
from pathlib import Path

import numpy as np

__all__ = [
    "finite_float",
    "positive_float",
    "non_negative_float",
    "positive_int",
    "non_negative_int",
    "float_list",
    "add_json_flag",
    "output_errors",
    "check_output_path",
    "add_budget_flags",
    "budget_from_args",
]


def finite_float(text: str) -> float:
    """argparse type: a finite real number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a finite number >= 0."""
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


#: Largest count of a ``start:stop:count`` range: the list is built while the arguments are
#: parsed, before any command sizes its work, so it is capped here (80 MB of values).
MAX_RANGE_COUNT = 10_000_000


def float_list(text: str) -> list[float]:
    """argparse type: ``a,b,c`` or ``start:stop:count`` (inclusive, 1 <= count <= 1e7) of finite numbers."""
    text = text.strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise argparse.ArgumentTypeError(f"a range is start:stop:count, got {text!r}")
        start, stop = finite_float(parts[0]), finite_float(parts[1])
        try:
            count = int(parts[2])
        except ValueError:
            raise argparse.ArgumentTypeError(f"count in start:stop:count must be an integer >= 1, got {text!r}") from None
        if count < 1 or count > MAX_RANGE_COUNT:
            raise argparse.ArgumentTypeError(
                f"count in start:stop:count must be an integer in [1, {MAX_RANGE_COUNT}], got {text!r}")
        return [float(v) for v in np.linspace(start, stop, count)]
    items = [t for t in text.split(",")]
    if not items or any(not t.strip() for t in items):
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of numbers, got {text!r}")
    return [finite_float(t) for t in items]


def add_json_flag(parser) -> None:
    """Add ``--json``: print exactly one JSON object on stdout."""
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")


_FULL = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded", errno.EFBIG: "the file is too large"}


def _output_message(option: str, path, exc: OSError) -> str:
    """One line for an ``OSError`` raised while writing ``path`` (named by ``option``)."""
    from noisecircuits._io import UnsafeOutputError

    named = str(path)
    culprit = str(exc.filename) if exc.filename is not None else named
    where = "" if culprit == named else f" ({culprit!r})"
    if isinstance(exc, UnsafeOutputError):
        if culprit == named and exc.errno == errno.EISDIR:
            return f"{option} {named!r} is a directory; give a file name"
        return f"{option} {named!r} cannot be written{where}: {exc.strerror}"
    if exc.errno in _FULL:
        return f"{option} {named!r} cannot be written{where}: {_FULL[exc.errno]}; free some space or choose another {option}"
    if exc.errno == errno.EISDIR:
        if culprit == named:
            return f"{option} {named!r} is a directory; give a file name"
        return f"{option} {named!r} cannot be written: {culprit!r} is a directory, not a regular file"
    reason = exc.strerror or type(exc).__name__
    return f"{option} {named!r} cannot be written{where}: {reason}; give a path in a writable directory"


@contextlib.contextmanager
def output_errors(option: str, path):
    """Turn an ``OSError`` raised while writing ``path`` into one clear :class:`ParameterError` line.

    The line names ``option`` and the file that failed, and says why: a full disk, a directory
    or device where a regular file was expected, missing permission.

    Parameters
    ----------
    option : str
        The command-line option that named the path, e.g. ``"--out"``.
    path : str or os.PathLike
        The file or directory being written.
    """
    from noisecircuits.errors import ParameterError

    try:
        yield
    except OSError as exc:
        raise ParameterError(_output_message(option, path, exc)) from None


def check_output_path(option: str, path, *, directory: bool = False) -> None:
    """Refuse, before any work is done, an output that cannot or must not be written.

    An empty path is refused. An output *file* (``directory=False``) must be a new path or an
    existing regular file: a directory, device node, FIFO, socket or symbolic link is refused
    (it would be replaced). An output *directory* must be a new path or an existing directory.
    The nearest existing ancestor must be a writable directory. (The write itself is still
    guarded by :func:`output_errors`; this check spares a long run whose result could not be
    saved.)

    Parameters
    ----------
    option : str
        The command-line option that named the path, e.g. ``"--out"``.
    path : str or os.PathLike
        The output file or directory.
    directory : bool
        ``True`` when ``path`` is an output directory.
    """
    from noisecircuits._io import UnsafeOutputError, check_writable_target
    from noisecircuits.errors import ParameterError

    if not str(path).strip():
        raise ParameterError(f"{option} must name a {'directory' if directory else 'file'}, got an empty string")
    target = Path(path)
    if directory:
        if target.exists() and not target.is_dir():
            raise ParameterError(f"{option} must be a directory, got the file {str(path)!r}")
    else:
        try:
            check_writable_target(target)
        except UnsafeOutputError as exc:
            raise ParameterError(_output_message(option, path, exc)) from None
    ancestor = target if directory and target.is_dir() else target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ParameterError(f"{option} {str(path)!r} cannot be written: {str(ancestor)!r} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ParameterError(f"{option} {str(path)!r} cannot be written: no write permission in {str(ancestor)!r}")


def add_budget_flags(parser) -> None:
    """Add ``--max-memory GIB`` and ``--max-time S`` to a sub-command parser."""
    from noisecircuits.budget import DEFAULT_MAX_MEMORY_GIB, DEFAULT_MAX_TIME_S

    parser.add_argument(
        "--max-memory", type=positive_float, default=None, metavar="GIB",
        help=f"refuse work estimated to need more memory [GiB] (default: $NOISECIRCUITS_MAX_MEMORY_GIB "
             f"or {DEFAULT_MAX_MEMORY_GIB:g})",
    )
    parser.add_argument(
        "--max-time", type=positive_float, default=None, metavar="S",
        help=f"refuse work estimated to take longer [s] (default: $NOISECIRCUITS_MAX_TIME_S "
             f"or {DEFAULT_MAX_TIME_S:g})",
    )


def budget_from_args(args):
    """The :class:`~noisecircuits.budget.Budget` of a parsed command line (flags override the environment)."""
    from noisecircuits.budget import _GIB, Budget

    base = Budget.from_environment()
    memory = getattr(args, "max_memory", None)
    seconds = getattr(args, "max_time", None)
    return Budget(
        max_memory_bytes=base.max_memory_bytes if memory is None else memory * _GIB,
        max_seconds=base.max_seconds if seconds is None else seconds,
    )
