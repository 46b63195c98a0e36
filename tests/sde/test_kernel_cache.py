"""The generated-kernel cache: keyed on everything the code imports, and never in an unsafe folder."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from noisecircuits.errors import SimulationError
from noisecircuits.sde import kernel_cache
from noisecircuits.sde.kernel_cache import dependency_fingerprint, kernel_directory, unsafe_directory_reason

# A user model whose drift calls a helper defined in another file: the helper's constant is
# what the edit changes. The model module itself never changes.
_HELPER = "from numba import njit\n\n\n@njit(cache=True, inline='always')\ndef pull(x):\n    return {gain} * x\n"
_MODEL = textwrap.dedent("""\
    from numba import njit

    from user_helper import pull


    @njit(cache=True, inline="always")
    def drift(x, params, out):
        out[0] = pull(x[0])


    @njit(cache=True, inline="always")
    def diffusion(x, params, out):
        out[0] = 0.0
    """)
# One Euler step of dx = -gain x dt from x = 1 with no noise: x(dt) = 1 - gain dt, exactly.
_RUN = textwrap.dedent("""\
    import numpy as np
    import noisecircuits as nc
    from noisecircuits.sde.terms import SDETerms
    from user_model import drift, diffusion
    terms = SDETerms(drift=drift, diffusion=diffusion, params=np.zeros(1), x0=np.ones(1),
                     state_names=("x",), timescale=1.0)
    trace = nc.simulate(terms, 0.25, dt=0.25, paths=1, seed=0, solver="euler")
    print(repr(float(trace.values[0, -1, 0])))
    """)


def _run_model(folder, kernel_dir):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")]),
               NOISECIRCUITS_KERNEL_DIR=str(kernel_dir))
    done = subprocess.run([sys.executable, "-c", _RUN], capture_output=True, text=True, env=env, cwd=folder,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return float(done.stdout.split()[-1])


@pytest.mark.slow
def test_editing_a_helper_in_another_file_recompiles_the_kernel(tmp_path):
    kernel_dir = tmp_path / "kernels"
    (tmp_path / "user_model.py").write_text(_MODEL)
    (tmp_path / "user_helper.py").write_text(_HELPER.format(gain="-2.0"))
    assert _run_model(tmp_path, kernel_dir) == 1.0 - 2.0 * 0.25
    # same sources again: the cached machine code is reused and gives the same number
    assert _run_model(tmp_path, kernel_dir) == 1.0 - 2.0 * 0.25
    (tmp_path / "user_helper.py").write_text(_HELPER.format(gain="-3.0"))
    # numba's own cache would still hold the -2.0 code for the unchanged model file
    assert _run_model(tmp_path, kernel_dir) == 1.0 - 3.0 * 0.25


def test_fingerprint_follows_imports_transitively(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "fp_leaf.py").write_text("VALUE = 1\n")
    (tmp_path / "fp_middle.py").write_text("from fp_leaf import VALUE\n")
    source = "import numpy as np\nfrom fp_middle import VALUE\n"
    before = dependency_fingerprint(source)
    assert dependency_fingerprint(source) == before
    (tmp_path / "fp_leaf.py").write_text("VALUE = 2\n")
    assert dependency_fingerprint(source) != before


def test_fingerprint_does_not_import_what_it_inspects():
    source = "import matplotlib.pyplot\n"
    had = "matplotlib" in sys.modules
    dependency_fingerprint(source)
    assert ("matplotlib" in sys.modules) == had


def _fallback_only(monkeypatch, tmp_path):
    """Make the temporary-folder fallback the only candidate, inside ``tmp_path``."""
    monkeypatch.delenv("NOISECIRCUITS_KERNEL_DIR", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".cache").write_text("not a directory")  # the user cache cannot be created
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(kernel_cache.tempfile, "gettempdir", lambda: str(tmp_path))
    return tmp_path / f"noisecircuits-kernels-{os.getuid()}"


def test_fallback_folder_writable_by_others_is_refused(tmp_path, monkeypatch):
    fallback = _fallback_only(monkeypatch, tmp_path)
    fallback.mkdir()
    fallback.chmod(0o777)
    with pytest.raises(SimulationError, match="writable by group or others"):
        kernel_directory()


@pytest.mark.skipif(os.getuid() != 0, reason="creating a folder owned by another user needs root")
def test_fallback_folder_owned_by_another_user_is_refused(tmp_path, monkeypatch):
    fallback = _fallback_only(monkeypatch, tmp_path)
    fallback.mkdir(mode=0o700)
    os.chown(fallback, 12345, 12345)
    with pytest.raises(SimulationError, match="owned by another user"):
        kernel_directory()


def test_fallback_folder_that_is_a_symlink_is_refused(tmp_path, monkeypatch):
    fallback = _fallback_only(monkeypatch, tmp_path)
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    fallback.symlink_to(target)
    with pytest.raises(SimulationError, match="symbolic link"):
        kernel_directory()


def test_fresh_fallback_folder_is_created_private(tmp_path, monkeypatch):
    fallback = _fallback_only(monkeypatch, tmp_path)
    assert kernel_directory() == fallback
    assert (fallback.stat().st_mode & 0o077) == 0
    assert unsafe_directory_reason(fallback) is None


def test_unsafe_configured_folder_is_refused_not_skipped(tmp_path, monkeypatch):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o775)
    monkeypatch.setenv("NOISECIRCUITS_KERNEL_DIR", str(folder))
    with pytest.raises(SimulationError, match="NOISECIRCUITS_KERNEL_DIR"):
        kernel_directory()


def test_suite_does_not_write_into_the_user_cache():
    # tests/conftest.py points the kernel folder at a temporary folder of this test run
    configured = os.environ.get("NOISECIRCUITS_KERNEL_DIR", "")
    assert configured and ".cache" not in configured
    assert kernel_directory() == kernel_cache.Path(configured)
