"""Shared pytest fixtures and the skip rules for tests that need ngspice or Chromium."""

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


def chromium_path():
    """The headless-capable Chromium executable on PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def pytest_collection_modifyitems(config, items):
    missing = {}
    if not shutil.which("ngspice"):
        missing["requires_ngspice"] = "ngspice is not installed (make test installs it through apt)"
    # CI installs Chromium at set-up (scripts/install_chromium.sh), so there a missing one fails the test
    if chromium_path() is None and not os.environ.get("CI"):
        missing["requires_chromium"] = "chromium is not installed (make test installs it through apt)"
    for item in items:
        for marker, reason in missing.items():
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def chromium():
    """Path of the headless Chromium (tests marked ``requires_chromium``); fails where it is missing."""
    path = chromium_path()
    if path is None:
        pytest.fail("chromium not found on PATH: scripts/install_chromium.sh installs it (make test runs it)")
    return path


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
