"""The end-to-end job: sweep → cell model → energy → report, all files present and consistent."""

import json

import pytest

from noisecircuits.sweeps import load_results
from noisecircuits.pipeline import run_pipeline

pytest.importorskip("noisecircuits.cells.calibrate")
pytest.importorskip("noisecircuits.energy.chip")


@pytest.mark.slow
def test_pipeline_writes_every_artifact_and_a_full_report(tmp_path):
    biases = [-0.08 + 0.02 * i for i in range(9)]
    summary = run_pipeline(tmp_path, kind="telegraph", temperatures=(280.0, 320.0), v_biases=biases,
                           duration=2e-3, lattice_size=6, sweeps_per_step=50, steps=2, show_progress=False)
    for name in ("manifest.json", "results.parquet", "cell.json", "energy.json", "report.html"):
        assert (tmp_path / name).is_file()
    assert len(load_results(tmp_path)) == 18
    assert set(summary["cell_files"]) == {"json", "spice", "verilog_a", "csv"}
    energy = json.loads((tmp_path / "energy.json").read_text())
    assert energy["energy_per_sample_J"] == summary["energy_per_sample_J"] > 0
    html = (tmp_path / "report.html").read_text()
    for heading in ("Sweep", "Cell model", "Energy"):
        assert f"<h2>{heading}</h2>" in html
    # the calibrated width at the reference temperature matches the telegraph truth n U_T (n = 1.4)
    # within 4 of the fit's standard errors
    from noisecircuits import load_cell
    from noisecircuits.constants import thermal_voltage

    cell = load_cell(tmp_path / "cell.json")
    t_ref = cell.parameters["t_ref_K"]
    width, width_se = cell.parameters["v_width_ref_V"], cell.parameter_stderr["v_width_ref_V"]
    assert abs(width - 1.4 * thermal_voltage(t_ref)) < 4 * width_se
    # a second run resumes the sweep: nothing is recomputed
    again = run_pipeline(tmp_path, kind="telegraph", temperatures=(280.0, 320.0), v_biases=biases,
                         duration=2e-3, lattice_size=6, sweeps_per_step=50, steps=2, show_progress=False)
    assert again["sweep"]["n_computed"] == 0 and again["sweep"]["n_resumed"] == 18
