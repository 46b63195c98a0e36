"""The HTML report: sections and data files from what the directory holds, legible, fits the page."""

import base64
import csv
import io
import json
import re
import shutil
import struct
import subprocess

import pytest

from noisecircuits import cli
from noisecircuits.errors import DataError
from noisecircuits.reporting._html import FIGURE_DPI, FIGURE_HEIGHT_IN, FIGURE_WIDTH_IN, MIN_FONT_PT, png_base64
from noisecircuits.reporting.report import PAGE_WIDTH_PX, build_report, data_files, write_report

SPICE_ROWS = [  # the columns of noisecircuits.validation.crosscheck.check_pbit
    {"temperature_K": 300.0, "v_bias_V": v, "p_one_spice": p + 0.01, "p_one_spice_stderr": 0.02, "p_one_sde": p,
     "p_one_tolerance": 0.08, "p_one_agrees": True, "tau_spice_s": 4.1e-7, "tau_spice_stderr_s": 3e-8,
     "tau_sde_s": 4.3e-7, "tau_tolerance_s": 1.2e-7, "tau_agrees": v < 0.02, "n_switches_spice": 300, "seed": 1,
     "null_reasons": {}}
    for v, p in ((-0.02, 0.3), (0.0, 0.5), (0.02, 0.7))
]
GIBBS_RUNS = {  # the fields of noisecircuits.gibbs.distortion_report plus E/N, as noisecircuits.demo writes them
    "ideal": {"beta": 0.3, "beta_eff_energy": 0.302, "kl_divergence_nats": 0.036, "kl_finite_sample_bias_nats": 0.11,
              "energy_per_spin": -0.998, "energy_per_spin_stderr": 0.016},
    "cell 300 K": {"beta": 0.3, "beta_eff_energy": 0.301, "kl_divergence_nats": 0.038,
                   "kl_finite_sample_bias_nats": 0.06, "energy_per_spin": -0.997, "energy_per_spin_stderr": 0.011},
    "cell 320 K": {"beta": 0.3, "beta_eff_energy": 0.2876, "kl_divergence_nats": 0.035,
                   "kl_finite_sample_bias_nats": 0.058, "energy_per_spin": -0.926, "energy_per_spin_stderr": 0.011},
}
#: every figure and table of the report of `full_dir`
FULL_FIGURES = {"transfer", "correlation-time", "energy", "design-front"}
FULL_TABLES = {"sweep-parameters", "results", "cell-summary", "fit-quality", "fit-quality-candidates",
               "cell-parameters", "spice-check", "gibbs", "design", "design-geometry", "energy-breakdown"}


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    from noisecircuits.sweeps import SweepSpec, run_sweep

    out = tmp_path_factory.mktemp("report")
    run_sweep(SweepSpec("telegraph", [260.0, 340.0], [-0.04, 0.0, 0.04], seed=1, duration=5e-4), out,
              show_progress=False)
    return out


def _design_file(path, supply_voltage):
    from noisecircuits.design.document import design_document
    from noisecircuits.design.evaluate import evaluate
    from noisecircuits.design.geometry import PBitGeometry, build_design
    from noisecircuits.design.process import process_named

    process = process_named("generic")
    geometry = PBitGeometry(supply_voltage=supply_voltage, latch_width=0.15e-6, latch_length=0.15e-6,
                            bias_length=6e-6, bias_width=0.15e-6)
    figures = evaluate(build_design(geometry, process), process, 300.0, (280.0, 340.0))
    target = {"target_tau_s": figures.correlation_time_s, "temperature_K": 300.0,
              "temperature_range_K": [280.0, 340.0], "max_energy_J": None}
    path.write_text(json.dumps(design_document(geometry, "generic", figures=figures.as_dict(), target=target,
                                               active_constraints=["correlation_time"])))
    return figures


@pytest.fixture(scope="module")
def full_dir(sweep_dir, tmp_path_factory):
    """A run directory holding every input of the report (small: no demo, no ngspice, no Gibbs run)."""
    import pandas as pd

    from noisecircuits.cells.calibrate import fit_pbit_cell
    from noisecircuits.cells.json_format import write_json
    from noisecircuits.demo import write_gibbs

    out = tmp_path_factory.mktemp("full") / "run"
    shutil.copytree(sweep_dir, out)
    cell, _ = fit_pbit_cell(pd.read_parquet(sweep_dir / "results.parquet"))
    write_json(cell, out / "cell.json")
    (out / "energy.json").write_text(json.dumps(
        {"breakdown_J": {"rng": 3.5e-16, "wire": 6e-17}, "baselines_J": {"GPU": 1e-11}, "note": "test"}))
    (out / "spice_check.json").write_text(json.dumps({"card": "generic", "correlation_times": 150.0,
                                                      "rows": SPICE_ROWS}))
    write_gibbs(out, GIBBS_RUNS)
    _design_file(out / "design_a.json", 0.065)
    _design_file(out / "design_b.json", 0.068)
    return out


def _images(text):
    return re.findall(r'<img [^>]*src="data:image/png;base64,([^"]+)"', text)


def _visible_text(text):
    text = re.sub(r"<(script|style)>.*?</\1>", " ", text, flags=re.S)
    return re.sub(r"<[^>]+>", " ", text)


def _png_size(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_sweep_only_report_has_sweep_section_and_embedded_pngs(sweep_dir):
    text = build_report(sweep_dir)
    assert "<h2>Sweep</h2>" in text and "<h2>Energy</h2>" not in text and "<h2>SPICE agreement</h2>" not in text
    images = _images(text)
    assert len(images) == 2  # transfer curves and correlation times
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert "6 of 6" in text  # points finished
    assert "<h2>Transfer-curve fit</h2>" in text and "v_width_ref_V" in text  # fitted for the report
    assert "deviance / dof" in text and 'data-table="fit-quality"' in text
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing loaded from elsewhere
    assert "Not in this directory" in text and "spice_check.json" in _visible_text(text)


def test_no_test_marker_is_visible(full_dir):
    visible = _visible_text(build_report(full_dir))
    for marker in ("all-images-decoded", "render-check", "image-decode", "data-images"):
        assert marker not in visible


def test_figures_are_embedded_at_print_size(full_dir):
    text = build_report(full_dir)
    images = _images(text)
    assert len(images) == len(FULL_FIGURES)
    for image in images:
        # the PNG holds the printed size at print resolution, and the page shows it at that size
        assert _png_size(base64.b64decode(image)) == (round(FIGURE_WIDTH_IN * FIGURE_DPI),
                                                      round(FIGURE_HEIGHT_IN * FIGURE_DPI))
    assert text.count(f'style="width:{FIGURE_WIDTH_IN}in"') == len(images)


def test_small_fonts_are_raised_to_the_legible_size():
    from noisecircuits import plotting

    ax = plotting.plot_energy_breakdown({"rng": 1e-16}, {"GPU": 1e-11})
    ax.set_title("tiny", fontsize=5)
    png_base64(ax)
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in ax.figure.findobj(Text) if t.get_text()]
    assert min(sizes) >= MIN_FONT_PT and ax.title.get_fontsize() == MIN_FONT_PT


def test_results_table_shows_main_columns_and_the_data_file_holds_all(full_dir, tmp_path):
    import pandas as pd

    page = write_report(full_dir, tmp_path / "r.html")
    text = page.read_text()
    table = re.search(r'<table data-table="results">(.*?)</table>', text, re.S).group(1)
    headers = re.findall(r"<th>([^<]*)</th>", table)
    assert headers[:3] == ["T [K]", "V_bias [mV]", "P(1)"] and len(headers) <= 11
    assert "{" not in _visible_text(table)  # no JSON in the table
    frame = pd.read_parquet(full_dir / "results.parquet")
    kept = pd.read_csv(tmp_path / "r_results.csv")
    assert len(kept) == len(frame) and set(kept.columns) == set(frame.columns) - {"point_id"}
    assert kept["p_one"].tolist() == pytest.approx(frame["p_one"].tolist(), rel=1e-12)


def test_fit_quality_is_a_small_table_with_a_poor_fit_mark(full_dir, tmp_path):
    document = json.loads((full_dir / "cell.json").read_text())
    transfer = document["provenance"]["fit_quality"]["transfer"]
    transfer.update({"p_value": 1e-6, "poor_fit": True})
    shutil.copytree(full_dir, tmp_path / "d")
    (tmp_path / "d" / "cell.json").write_text(json.dumps(document))
    text = build_report(tmp_path / "d")
    table = re.search(r'<table data-table="fit-quality">(.*?)</table>', text, re.S).group(1)
    assert re.findall(r"<th>([^<]*)</th>", table) == ["law", "form chosen", "points", "deviance / dof", "ratio",
                                                     "p-value", "AICc", "fit"]
    assert "POOR FIT" in table and "class=bad" in table and transfer["form"] in table
    assert f"{transfer['deviance']:.4g} / {transfer['dof']:g}" in table
    assert "WARNING: poor fit" in text
    assert '"aicc_' not in _visible_text(text)  # the candidates are a table, not a JSON blob
    assert 'data-table="fit-quality-candidates"' in text


def test_every_section_and_its_data_file(full_dir, tmp_path):
    out = write_report(full_dir, tmp_path / "report.html")
    text = out.read_text()
    for heading in ("Sweep", "Cell model", "SPICE agreement", "Gibbs sampling through the cell", "Cell design",
                    "Energy", "References"):
        assert f"<h2>{heading}</h2>" in text
    assert set(re.findall(r'data-figure="([^"]+)"', text)) == FULL_FIGURES
    assert set(re.findall(r'data-table="([^"]+)"', text)) >= FULL_TABLES
    assert {p.name for p in data_files(out)} == {"report_results.csv", "report_spice_check.csv", "report_gibbs.csv",
                                                 "report_design.csv", "report_energy.csv"}
    for path in data_files(out):
        assert f'href="{path.name}"' in text
    spice = list(csv.DictReader(io.StringIO((tmp_path / "report_spice_check.csv").read_text())))
    assert [float(r["p_one_sde"]) for r in spice] == [r["p_one_sde"] for r in SPICE_ROWS]
    assert "1 of 6 checks outside tolerance" in text  # the 20 mV row's tau
    gibbs = {r["run"]: r for r in csv.DictReader(io.StringIO((tmp_path / "report_gibbs.csv").read_text()))}
    assert float(gibbs["cell 320 K"]["beta_eff"]) == GIBBS_RUNS["cell 320 K"]["beta_eff_energy"]
    assert float(gibbs["cell 320 K"]["temperature_K"]) == 320.0
    # drift of E/N at 320 K from the ideal run: (-0.926 + 0.998) / hypot(0.011, 0.016)
    assert float(gibbs["cell 320 K"]["energy_shift_se"]) == pytest.approx(0.072 / (0.011**2 + 0.016**2) ** 0.5)
    design = {r["file"]: r for r in csv.DictReader(io.StringIO((tmp_path / "report_design.csv").read_text()))}
    stored = json.loads((full_dir / "design_b.json").read_text())
    assert float(design["design_b.json"]["energy_per_sample_J"]) == stored["figures"]["energy_per_sample_J"]
    assert float(design["design_b.json"]["geometry_supply_voltage_V"]) == 0.068


def test_one_design_says_the_front_is_missing(sweep_dir, tmp_path):
    shutil.copytree(sweep_dir, tmp_path / "d")
    _design_file(tmp_path / "d" / "design.json", 0.065)
    text = build_report(tmp_path / "d")
    assert "<h2>Cell design</h2>" in text and 'data-figure="design-front"' not in text
    assert "Not available: the directory holds one design optimum" in text


def test_stale_data_files_of_an_earlier_report_go(full_dir, sweep_dir, tmp_path):
    out = write_report(full_dir, tmp_path / "r.html")
    assert (tmp_path / "r_gibbs.csv").exists()
    write_report(sweep_dir, out)
    assert {p.name for p in data_files(out)} == {"r_results.csv", "r_fit.json"}


def test_bad_inputs_are_one_clear_error(tmp_path, capsys):
    with pytest.raises(DataError, match="nothing to report"):
        build_report(tmp_path)
    assert cli.main(["report", str(tmp_path / "none")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    with pytest.raises(DataError, match="must end in .html"):
        write_report(tmp_path, tmp_path / "r.txt")
    (tmp_path / "gibbs.json").write_text(json.dumps({"runs": []}))
    with pytest.raises(DataError, match="gibbs.json: expected 'runs'"):
        build_report(tmp_path)


def test_report_command_json(sweep_dir, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert cli.main(["report", str(sweep_dir), "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["out"] == str(out) and result["bytes"] == out.stat().st_size > 10_000
    assert result["data_files"] == [str(tmp_path / "r_results.csv"), str(tmp_path / "r_fit.json")]

    def refuse(constant):
        raise AssertionError(f"{constant} in r_fit.json")

    fit = json.loads((tmp_path / "r_fit.json").read_text(), parse_constant=refuse)  # strict JSON
    # the report's own fit carries what a cell.json would: AICc and the points it was fitted to
    assert fit["goodness_of_fit"]["n_points"] == 6 and fit["goodness_of_fit"]["aicc"] > 0
    assert f'<td>{fit["goodness_of_fit"]["aicc"]:.5g}</td>' in out.read_text()


def test_given_cell_is_used_instead_of_refitting(full_dir, sweep_dir, tmp_path, capsys):
    shutil.copytree(sweep_dir, tmp_path / "d")  # no cell.json: without --cell the report fits one
    cell = tmp_path / "mine.json"
    document = json.loads((full_dir / "cell.json").read_text())
    document["name"] = "my_cell"
    cell.write_text(json.dumps(document))
    out = tmp_path / "d" / "report.html"
    assert cli.main(["report", str(tmp_path / "d"), "--cell", str(cell), "--json"]) == 0
    text = out.read_text()
    assert "<h2>Transfer-curve fit</h2>" not in text and "<h2>Cell model</h2>" in text
    assert "my_cell" in text and str(cell) in text
    assert not (tmp_path / "d" / "report_fit.json").exists()


@pytest.mark.parametrize("content", ["not json", json.dumps({"breakdown_J": {"rng": 1e-16}}), None])
def test_bad_cell_file_is_one_line_and_no_report(run_cli_limited, sweep_dir, tmp_path, content):
    shutil.copytree(sweep_dir, tmp_path / "d")
    cell = tmp_path / "cell_given.json"
    if content is not None:
        cell.write_text(content)
    done = run_cli_limited("report", tmp_path / "d", "--cell", cell)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "--cell" in done.stderr
    assert not list((tmp_path / "d").glob("report*"))


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


# --- in headless Chromium -------------------------------------------------------------------------

#: Browser width of the check [px]: a laptop screen, wider than the A4-like text column.
WINDOW_WIDTH = 1280


def _browser(chromium, profile, *args):
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def _layout(chromium, page, profile):
    dom = _browser(chromium, profile, f"--window-size={WINDOW_WIDTH},900", "--dump-dom", page.as_uri()).stdout
    root = re.search(r"<html[^>]*>", dom)
    assert root is not None and "data-layout" in root.group(0), "the page's load script did not run"
    attributes = dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', root.group(0)))
    boxes = json.loads(attributes["data-layout"].replace("&quot;", '"'))
    return attributes, boxes


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_report_page_in_headless_chromium(full_dir, tmp_path, chromium):
    import numpy as np
    from PIL import Image

    page = write_report(full_dir, tmp_path / "report.html")
    attributes, boxes = _layout(chromium, page, tmp_path / "profile")
    assert attributes["data-images"] == attributes["data-images-decoded"] == str(len(FULL_FIGURES))
    assert int(attributes["data-scroll-width"]) <= WINDOW_WIDTH  # no horizontal overflow
    column = float(attributes["data-column-right"])
    assert column <= (WINDOW_WIDTH + PAGE_WIDTH_PX) / 2 + 40  # the A4-wide column (plus its padding)
    assert all(b["left"] + b["width"] <= column + 0.5 for b in boxes), "a figure or table runs out of the column"
    assert {b["name"] for b in boxes if b["kind"] == "figure"} == FULL_FIGURES
    assert {b["name"] for b in boxes if b["kind"] == "table"} >= FULL_TABLES
    height = int(attributes["data-page-height"])
    shot = tmp_path / "page.png"
    _browser(chromium, tmp_path / "profile", f"--window-size={WINDOW_WIDTH},{height}", f"--screenshot={shot}",
             page.as_uri())
    image = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert image.shape == (height, WINDOW_WIDTH)
    right = max(b["left"] + b["width"] for b in boxes)
    assert right <= WINDOW_WIDTH
    assert image[:, int(right) + 2:].min() == 255  # nothing painted right of the widest figure or table
    for box in boxes:
        top, left = int(box["top"]), int(box["left"])
        region = image[top:top + int(box["height"]), left:left + int(box["width"])]
        assert box["height"] > 10 and region.size and region.std() > 10, f"{box['name']} not painted"
    # the check can fail: a corrupted image is counted as not decoded
    broken = tmp_path / "broken.html"
    broken.write_text(re.sub(r"base64,[^\"]+", "base64,AAAA", page.read_text(), count=1))
    attributes, _ = _layout(chromium, broken, tmp_path / "profile")
    assert int(attributes["data-images-decoded"]) == len(FULL_FIGURES) - 1
    # ... and a table wider than the column is seen
    wide = tmp_path / "wide.html"
    wide.write_text(page.read_text().replace("<h2>Energy</h2>", '<h2>Energy</h2><table data-table="wide"><tr>'
                                             + "<td>0.123456789</td>" * 40 + "</tr></table>"))
    attributes, boxes = _layout(chromium, wide, tmp_path / "profile")
    box = next(b for b in boxes if b["name"] == "wide")
    assert box["left"] + box["width"] > float(attributes["data-column-right"])


def test_values_are_short_readable_text():
    from noisecircuits.reporting._html import fmt

    assert [fmt(v) for v in (0.123456, 15208.3, 1.5e7, 3.2e-16, float("nan"), None, True, 7, [0.5, 0.25])] == [
        "0.1235", "15208", "1.5e+07", "3.2e-16", "\u2014", "\u2014", "yes", "7", "0.5, 0.25"]
    assert fmt({"law": "two_rate", "t_ref_K": 300.0}) == "law: two_rate; t_ref_K: 300"
