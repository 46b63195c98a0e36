"""Shared pytest fixtures and the ngspice skip rule."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_OWN_KERNEL_DIR = None


def pytest_configure(config):
    """Generated kernels of this run go to a temporary folder, never the user's cache.

    The folder is made once by the controlling process (xdist workers inherit the variable).
    """
    global _OWN_KERNEL_DIR
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        _OWN_KERNEL_DIR = tempfile.mkdtemp(prefix="noisecircuits-test-kernels-")
        os.environ["NOISECIRCUITS_KERNEL_DIR"] = _OWN_KERNEL_DIR


def pytest_unconfigure(config):
    if _OWN_KERNEL_DIR is not None:
        shutil.rmtree(_OWN_KERNEL_DIR, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    if shutil.which("ngspice"):
        return
    skip = pytest.mark.skip(reason="ngspice is not installed (make test installs it through apt)")
    for item in items:
        if "requires_ngspice" in item.keywords:
            item.add_marker(skip)


#: Address-space limit under which extreme-input CLI tests run [bytes] (12 GiB).
CLI_ADDRESS_SPACE_LIMIT = 12 * 1024**3


@pytest.fixture
def run_cli_limited():
    """Run ``python -m noisecircuits ARGS...`` under a 12 GiB address-space limit.

    Returns a function ``run(*args, timeout=30, cwd=None, env=None)`` giving the
    :class:`subprocess.CompletedProcess` (text mode). Extreme-input tests assert exit status 2,
    exactly one stderr line and no traceback; the limit turns an attempted huge allocation into a
    ``MemoryError`` (a test failure) instead of a swapping machine.
    """
    import os
    import subprocess
    import sys

    # The limit is set by the child itself before the toolkit loads: a preexec_fn would make
    # Python fork this (possibly multithreaded, e.g. JAX-loaded) test process.
    launcher = (
        "import resource, runpy, sys; "
        f"resource.setrlimit(resource.RLIMIT_AS, ({CLI_ADDRESS_SPACE_LIMIT}, {CLI_ADDRESS_SPACE_LIMIT})); "
        "sys.argv[0] = 'noisecircuits'; runpy.run_module('noisecircuits', run_name='__main__', alter_sys=True)"
    )

    def run(*args, timeout=30, cwd=None, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run(
            [sys.executable, "-c", launcher, *map(str, args)],
            capture_output=True, text=True, timeout=timeout, cwd=cwd, env=full_env,
        )

    return run
