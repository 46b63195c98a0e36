"""ngspice batch runner: the reference way the toolkit runs SPICE.

Each netlist runs as ``ngspice -b netlist.cir`` in its own working directory (temporary, or
``keep/<name>/`` when the caller wants the files), with a timeout; its ``wrdata`` output
``out.dat`` is read into a :class:`pandas.DataFrame`. Several netlists run as a plain
subprocess fan-out (a thread per running ngspice, ``workers`` at a time), so the result does
not depend on the number of workers: each netlist carries its own seed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from noisecircuits._io import atomic_write_text
from noisecircuits._validate import positive, positive_int
from noisecircuits.errors import NgspiceNotFoundError, ParameterError, SpiceError

__all__ = ["SpiceRun", "find_ngspice", "run_netlist", "run_netlists", "read_wrdata", "ngspice_environment", "INSTALL_COMMAND"]

#: How to install ngspice on Debian/Ubuntu.
INSTALL_COMMAND = "sudo apt-get install ngspice"
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_ERROR_LINE = re.compile(r"error|undefined|cannot|can't|not found|unknown|singular|too small|aborted", re.I)
_MAX_ERROR_LINES = 6
#: ngspice exits 0 after an aborted analysis (e.g. "Timestep too small"); its log says so
_ABORTED = re.compile(r"simulation\(s\) aborted|timestep too small", re.I)


@dataclass(frozen=True)
class SpiceRun:
    """Result of one ngspice run.

    Parameters
    ----------
    name : str
        Label of the run (sub-directory name under ``keep``) [-].
    data : pandas.DataFrame
        The ``wrdata`` columns: the scale (``x``: time [s] or swept value) and one column
        per saved vector, named by ``columns`` [SI].
    log : str
        ngspice's standard output and error [-].
    workdir : pathlib.Path or None
        Where the netlist and output were kept, or None for a temporary directory [-].
    """

    name: str
    data: pd.DataFrame
    log: str
    workdir: Path | None


def find_ngspice() -> str:
    """Path of the ngspice executable; :class:`NgspiceNotFoundError` when it is missing."""
    path = shutil.which("ngspice")
    if path is None:
        raise NgspiceNotFoundError(f"ngspice was not found on PATH; install it with: {INSTALL_COMMAND}")
    return path


def read_wrdata(path, columns) -> pd.DataFrame:
    """Read an ngspice ``wrdata`` file (scale, value pairs per vector, or one scale column then the
    vectors as written with ``set wr_singlescale``) into a DataFrame.

    Parameters
    ----------
    path : path-like
        The file [-].
    columns : sequence of str
        Names for the vectors, in the order of the ``wrdata`` command [-].

    Returns
    -------
    pandas.DataFrame
        Column ``x`` (the scale) then one column per vector [SI].
    """
    columns = list(columns)
    try:
        raw = np.loadtxt(path, ndmin=2)
    except (OSError, ValueError) as exc:
        raise SpiceError(f"cannot read ngspice output {path}: {exc}") from None
    if raw.shape[1] == 2 * len(columns):
        values = raw[:, 1::2]
    elif raw.shape[1] == 1 + len(columns):  # written with ``set wr_singlescale``
        values = raw[:, 1:]
    else:
        raise SpiceError(f"ngspice output {path} has {raw.shape[1]} columns, expected {2 * len(columns)} "
                         f"(scale and value for {', '.join(columns)}) or {1 + len(columns)} (one scale)")
    frame = {"x": raw[:, 0]}
    for i, name in enumerate(columns):
        frame[name] = values[:, i]
    return pd.DataFrame(frame)


def _error_summary(log: str) -> str:
    lines = [ln.strip() for ln in log.splitlines() if ln.strip() and _ERROR_LINE.search(ln)]
    if not lines:
        lines = [ln.strip() for ln in log.splitlines() if ln.strip()][-3:]
    text = " | ".join(ln[:200] for ln in lines[:_MAX_ERROR_LINES])
    return text or "no output"


def ngspice_environment() -> dict:
    """Environment of an ngspice run: one passive OpenMP thread unless the caller chose otherwise.

    Debian's ngspice is linked with OpenMP (libgomp); with two ngspice processes on a 2-core
    machine its busy-waiting made each run ~50x slower (measured on one p-bit netlist: 1.1 s
    alone; two at once 208 s with the defaults, 86 s with OMP_NUM_THREADS=1, 1.9 s with
    OMP_NUM_THREADS=1 and OMP_WAIT_POLICY=passive).
    """
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OMP_WAIT_POLICY", "passive")
    return env


def _run_in(directory: Path, name: str, netlist: str, columns, timeout: float) -> SpiceRun:
    exe = find_ngspice()
    atomic_write_text(directory / "netlist.cir", netlist)
    out = directory / "out.dat"
    try:
        done = subprocess.run([exe, "-b", "netlist.cir"], cwd=directory, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, env=ngspice_environment())
    except subprocess.TimeoutExpired:
        raise SpiceError(f"ngspice run {name!r} did not finish within {timeout:g} s") from None
    log = done.stdout + done.stderr
    atomic_write_text(directory / "ngspice.log", log)
    if done.returncode != 0 or not out.is_file() or _ABORTED.search(log):
        raise SpiceError(f"ngspice run {name!r} failed (exit {done.returncode}): {_error_summary(log)}")
    return SpiceRun(name, read_wrdata(out, columns), log, None)


def run_netlist(netlist: str, columns, *, name: str = "run", timeout: float = 600.0, keep=None) -> SpiceRun:
    """Run one netlist through ``ngspice -b`` and read its ``out.dat``.

    Parameters
    ----------
    netlist : str
        Netlist text whose ``.control`` block ends with ``wrdata out.dat ...`` and ``quit 0`` [-].
    columns : sequence of str
        Names of the vectors written by ``wrdata`` [-].
    name : str
        Label; the sub-directory under ``keep`` [-].
    timeout : float
        Wall-clock limit [s].
    keep : path-like, optional
        Keep the netlist, ``out.dat`` and ``ngspice.log`` in ``keep/<name>/`` [-].

    Returns
    -------
    SpiceRun
    """
    timeout = positive("timeout", timeout, "s")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ParameterError(f"run name must be letters, digits, '.', '_' or '-', got {name!r}")
    if keep is not None:
        directory = Path(keep) / name
        directory.mkdir(parents=True, exist_ok=True)
        run = _run_in(directory, name, netlist, columns, timeout)
        return SpiceRun(run.name, run.data, run.log, directory)
    with tempfile.TemporaryDirectory(prefix="nc-spice-") as tmp:
        return _run_in(Path(tmp), name, netlist, columns, timeout)


def run_netlists(jobs, *, workers: int = 2, timeout: float = 600.0, keep=None, on_done=None) -> list[SpiceRun]:
    """Run several netlists, ``workers`` ngspice processes at a time.

    Parameters
    ----------
    jobs : sequence of (name, netlist, columns)
        One entry per run; names must be distinct [-].
    workers : int
        Number of concurrent ngspice processes [-].
    timeout : float
        Wall-clock limit per run [s].
    keep : path-like, optional
        Keep every run's files in ``keep/<name>/`` [-].
    on_done : callable, optional
        Called with no argument each time a run finishes (e.g. a progress bar's ``update``) [-].

    Returns
    -------
    list of SpiceRun
        In the order of ``jobs``.
    """
    workers = positive_int("workers", workers)
    jobs = list(jobs)
    names = [j[0] for j in jobs]
    if len(set(names)) != len(names):
        raise ParameterError("run names must be distinct")
    find_ngspice()

    def one(name, netlist, columns):
        run = run_netlist(netlist, columns, name=name, timeout=timeout, keep=keep)
        if on_done is not None:
            on_done()
        return run

    if workers == 1 or len(jobs) <= 1:
        return [one(*job) for job in jobs]
    with ThreadPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        futures = [pool.submit(one, *job) for job in jobs]
        return [f.result() for f in futures]
