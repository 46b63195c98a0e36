"""The tutorial notebooks execute from top to bottom (nbclient, the venv's python3 kernel)."""

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

CASES = ["01_device_physics.ipynb", "02_sampler_traces.ipynb", "03_fitting_and_export.ipynb",
         "04_gibbs_and_energy.ipynb", "05_cells_in_thrml.ipynb"]


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_notebook_executes(name, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    from jupyter_client.manager import KernelManager

    # the test owns the kernel, so it can wait for the process to exit (a kernel still shutting
    # down when its handle is collected warns in whichever test runs next)
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(tmp_path))
    process = km.provisioner.process
    client = None
    try:
        # per-cell limit; the first cell that simulates also compiles the numba kernels
        client = nbclient.NotebookClient(
            notebook, km=km, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        )
        client.execute()  # raises CellExecutionError naming the failing cell
    finally:
        if client is not None and client.kc is not None:
            client.kc.stop_channels()
        km.shutdown_kernel(now=True)
        process.wait(timeout=60)
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type in ("stream", "display_data", "execute_result") for o in outputs)
