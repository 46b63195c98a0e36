"""Where the points of a sweep run: in this process, a local process pool, or a Dask cluster.

Every executor yields ``(index, row)`` pairs as points finish, in completion order; the
caller writes each finished point to disk at once. Work is the module-level
:func:`compute_point`, so it pickles by reference to any worker.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from noisecircuits.errors import ParameterError, SimulationError

__all__ = ["compute_point", "run_inline", "run_process_pool", "connect_dask", "run_dask", "CONNECT_TIMEOUT_S",
           "PARENT_POLL_S"]

#: How long to wait for a Dask scheduler to answer [s]
CONNECT_TIMEOUT_S = 10.0
#: How often a local worker checks that the sweep process that started it is still alive [s]
PARENT_POLL_S = 0.5


def _exit_with_parent(parent_pid: int, interval: float) -> None:
    """Worker initializer: end this process as soon as ``parent_pid`` is no longer its parent.

    A worker computing a long point would otherwise outlive a killed sweep (SIGKILL leaves
    the pool no chance to shut down). A daemon thread polls ``os.getppid()``; when the
    parent has died the worker is re-parented and exits at once, mid-point.
    """

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="noisecircuits-parent-watch", daemon=True).start()


def compute_point(function, params: dict, seed, mismatch) -> dict:
    """Run one point function; ``mismatch`` (a SeedSequence or None) goes in ``params``."""
    return function({**params, "mismatch_seed": mismatch}, seed)


def run_inline(tasks):
    """Run the tasks one after another in this process."""
    for index, args in tasks:
        yield index, compute_point(*args)


def run_process_pool(tasks, workers: int):
    """Run the tasks on ``workers`` local processes (spawned, so no state leaks in)."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_exit_with_parent,
                               initargs=(os.getpid(), PARENT_POLL_S))
    try:
        pending = {pool.submit(compute_point, *args): index for index, args in tasks}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                try:
                    row = future.result()
                except BrokenProcessPool:
                    raise SimulationError(
                        "a sweep worker process died; the finished points are saved, run the same command to resume"
                    ) from None
                yield index, row
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def connect_dask(address: str):
    """Connect to the Dask distributed scheduler at ``address``; one clear line when it cannot be reached."""
    try:
        from distributed import Client
    except ImportError:  # the distributed engine is an optional extra
        raise ParameterError("--scheduler needs dask.distributed: pip install 'noisecircuits[distributed]'") from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ParameterError(f"--scheduler: cannot reach the Dask scheduler at {address!r}: {exc}") from None


def run_dask(tasks, client):
    """Run the tasks on a Dask cluster; ``client`` is a :func:`connect_dask` client or an address.

    The client is closed when the stream ends.
    """
    from distributed import as_completed

    if isinstance(client, str):
        client = connect_dask(client)
    try:
        futures = {}
        for index, args in tasks:
            futures[client.submit(compute_point, *args, pure=False)] = index
        try:
            for future in as_completed(list(futures), loop=client.loop):
                yield futures[future], future.result()
        finally:
            client.cancel(list(futures))
    finally:
        client.close()
