"""The HTML report: sections from what the directory holds, self-contained, renders in Chromium."""

import base64
import json
import re
import shutil
import subprocess

import pytest

from noisecircuits import cli
from noisecircuits.errors import DataError
from noisecircuits.reporting.report import RENDER_CHECK_ID, RENDER_OK, build_report, write_report


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    from noisecircuits.sweeps import SweepSpec, run_sweep

    out = tmp_path_factory.mktemp("report")
    run_sweep(SweepSpec("telegraph", [260.0, 340.0], [-0.04, 0.0, 0.04], seed=1, duration=5e-4), out,
              show_progress=False)
    return out


def _images(text):
    return re.findall(r'<img [^>]*src="data:image/png;base64,([^"]+)"', text)


def test_sweep_only_report_has_sweep_section_and_embedded_pngs(sweep_dir):
    text = build_report(sweep_dir)
    assert "<h2>Sweep</h2>" in text and "<h2>Energy</h2>" not in text and "<h2>SPICE agreement</h2>" not in text
    images = _images(text)
    assert len(images) == 2  # transfer curves and correlation times
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert "6 of 6" in text  # points finished
    assert "<h2>Transfer-curve fit</h2>" in text and "v_width_ref_V" in text  # fitted for the report
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing loaded from elsewhere


def test_all_sections_when_their_files_exist(sweep_dir, tmp_path):
    shutil.copytree(sweep_dir, tmp_path / "d")
    (tmp_path / "d" / "energy.json").write_text(json.dumps(
        {"breakdown_J": {"rng": 3.5e-16, "wire": 6e-16}, "baselines_J": {"GPU": 1e-11}, "note": "test"}))
    (tmp_path / "d" / "spice_check.json").write_text(json.dumps(
        {"simulator": "ngspice", "rows": [{"quantity": "p_one", "sde": 0.5, "spice": 0.49, "z": 0.7}]}))
    text = build_report(tmp_path / "d")
    for heading in ("Sweep", "SPICE agreement", "Energy"):
        assert f"<h2>{heading}</h2>" in text
    assert len(_images(text)) == 3 and "ngspice" in text and "GPU" in text


def test_unfittable_sweep_says_why(tmp_path):
    from noisecircuits.sweeps import SweepSpec, run_sweep

    run_sweep(SweepSpec("telegraph", [300.0], [0.0], seed=1, duration=1e-4), tmp_path, show_progress=False)
    text = build_report(tmp_path)
    assert "<h2>Transfer-curve fit</h2>" in text and "could not be fitted" in text


def test_cell_section_from_a_fitted_cell(sweep_dir, tmp_path):
    calibrate = pytest.importorskip("noisecircuits.cells.calibrate")
    json_format = pytest.importorskip("noisecircuits.cells.json_format")
    import pandas as pd

    shutil.copytree(sweep_dir, tmp_path / "d")
    cell, _ = calibrate.fit_pbit_cell(pd.read_parquet(sweep_dir / "results.parquet"))
    json_format.write_json(cell, tmp_path / "d" / "cell.json")
    text = build_report(tmp_path / "d")
    assert "<h2>Cell model</h2>" in text and "Fitted parameters" in text
    assert "<h2>Transfer-curve fit</h2>" not in text  # the directory's own cell is used
    for name in cell.parameters:
        assert name in text


def test_empty_directory_and_bad_output_are_clear_errors(tmp_path, capsys):
    with pytest.raises(DataError, match="nothing to report"):
        build_report(tmp_path)
    assert cli.main(["report", str(tmp_path / "none")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    with pytest.raises(DataError, match="must end in .html"):
        write_report(tmp_path, tmp_path / "r.txt")


def test_report_command_json(sweep_dir, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert cli.main(["report", str(sweep_dir), "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["out"] == str(out) and result["bytes"] == out.stat().st_size > 10_000


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _dump_dom(browser, page, profile):
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
               "--dump-dom", page.as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    marker = re.search(rf'id="{RENDER_CHECK_ID}"[^>]*>([^<]*)<', dom)
    assert marker is not None, "the page's load script did not run"
    return dom, marker.group(1)


@pytest.mark.slow
def test_report_renders_in_headless_chromium(sweep_dir, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium not found (scripts/install_chromium.sh installs Debian's package)")
    shutil.copytree(sweep_dir, tmp_path / "d")
    (tmp_path / "d" / "energy.json").write_text(
        json.dumps({"breakdown_J": {"rng": 3.5e-16}, "baselines_J": {"GPU": 1e-11}}))
    page = write_report(tmp_path / "d", tmp_path / "report.html")
    dom, status = _dump_dom(browser, page, tmp_path / "profile")
    assert status == RENDER_OK and dom.count("<img") == 3
    # the check can fail: a corrupted image is reported as not decoded
    broken = tmp_path / "broken.html"
    broken.write_text(re.sub(r"base64,[^\"]+", "base64,AAAA", page.read_text(), count=1))
    _, status = _dump_dom(browser, broken, tmp_path / "profile")
    assert status.startswith("image-decode-failed")


def test_energy_command_output_is_reported_per_update(sweep_dir, tmp_path):
    # the shape of `noisecircuits energy --json` (noisecircuits.energy.chip.chip_energy_report)
    shutil.copytree(sweep_dir, tmp_path / "d")
    document = {"energy_per_update_J": 1e-15, "energy_per_sample_J": 2e-12, "breakdown_J": {"rng": 4e-16,
                "bias": 6e-16, "clock": 0.0}, "gpu_baseline_J": 4e-8, "trng_baseline_J": 6e-8, "cells": 16}
    (tmp_path / "d" / "energy.json").write_text(json.dumps(document))
    from noisecircuits.reporting.figures import energy_bars

    breakdown, baselines, label = energy_bars(document)
    assert breakdown == {"rng": 4e-16, "bias": 6e-16} and label == "energy per cell update"
    # 2000 updates per sample: the GPU spends 4e-8 J / 2000 = 2e-11 J per update
    assert baselines["GPU, same updates (per update)"] == pytest.approx(2e-11)
    assert baselines["TRNG + digital (per update)"] == pytest.approx(3e-11)
    text = build_report(tmp_path / "d")
    assert "energy per cell update: breakdown and baselines" in text
