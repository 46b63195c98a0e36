"""Plots: each returns its Axes, draws the data it was given, saves atomically; the plot command."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from noisecircuits import cli, plotting
from noisecircuits.errors import DataError, ParameterError


def _sweep_frame():
    rows = []
    for t in (250.0, 350.0):
        for v in (-0.02, 0.0, 0.02):
            p = float(expit(v / (1.4 * 8.617e-5 * t)))
            rows.append({"temperature_K": t, "v_bias_V": v, "p_one": p, "p_one_stderr": 0.01,
                         "correlation_time_s": 1e-7 * (1 + t / 1000)})
    return pd.DataFrame(rows)


def test_plotting_module_does_not_import_matplotlib_eagerly():
    code = "import sys, noisecircuits.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_transfer_draws_points_with_error_bars_and_model_curves():
    frame = _sweep_frame()
    ax = plotting.plot_transfer(frame, lambda v, t: expit(v / (1.4 * 8.617e-5 * t)))
    containers = ax.containers
    assert len(containers) == 2  # one errorbar container per temperature
    line = containers[0].lines[0]
    np.testing.assert_allclose(line.get_xdata(), [-20.0, 0.0, 20.0])  # mV
    np.testing.assert_allclose(line.get_ydata(), frame["p_one"][:3])
    curves = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 200]
    assert len(curves) == 2
    same = plotting.plot_transfer(frame, ax=ax)
    assert same is ax


def test_transfer_mismatch_error_bars_are_the_instance_spread():
    frame = pd.concat([_sweep_frame().assign(mismatch_index=i, p_one=lambda f, i=i: f["p_one"] + 0.01 * i)
                       for i in range(3)])
    ax = plotting.plot_transfer(frame)
    assert "spread over mismatch instances" in ax.get_title()
    segments = ax.containers[0].lines[2][0].get_segments()
    # p_one + {0, 0.01, 0.02}: sample standard deviation 0.01
    assert segments[0][1][1] - segments[0][0][1] == pytest.approx(0.02, abs=1e-12)


def test_transfer_needs_its_columns():
    with pytest.raises(DataError, match="needs the column"):
        plotting.plot_transfer(pd.DataFrame({"v_bias_V": [0.0]}))


def test_correlation_time_log_axis_in_ns():
    ax = plotting.plot_correlation_time(_sweep_frame())
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.containers[0].lines[0].get_ydata(), 1e9 * 1e-7 * 1.25)


def test_histogram_and_mixture_density():
    rng = np.random.default_rng(0)
    samples = np.concatenate([rng.normal(-0.1, 0.02, 3000), rng.normal(0.1, 0.03, 7000)])
    ax = plotting.plot_mixture(samples, [0.3, 0.7], [-0.1, 0.1], [0.02, 0.03])
    x, p = ax.get_lines()[0].get_data()
    # the drawn density integrates to 1 over the sample range (trapezoid on 400 points)
    assert np.trapezoid(p, x) == pytest.approx(1.0, abs=5e-3)
    with pytest.raises(ParameterError, match="stds must be > 0"):
        plotting.plot_mixture(samples, [1.0], [0.0], [0.0])
    with pytest.raises(DataError, match="no finite value"):
        plotting.plot_histogram([np.nan])


def test_trace_with_state_overlay_and_occupations_and_gibbs():
    t = np.linspace(0, 1e-5, 1000)
    x = np.sin(t * 1e6)
    ax = plotting.plot_trace(t, x, states=(x > 0).astype(int), wells=(-1, 1))
    assert ax.get_xlabel() == "time [µs]" and len(ax.figure.axes) == 2
    with pytest.raises(DataError, match="equal length"):
        plotting.plot_trace(t, x[:-1])
    ax = plotting.plot_occupations([0.1, 0.2, 0.3, 0.4], [0.01] * 4, expected=[0.1, 0.2, 0.3, 0.4])
    assert [round(b.get_height(), 12) for b in ax.patches] == [0.1, 0.2, 0.3, 0.4]
    ax = plotting.plot_gibbs_observable([1.0, 0.0, 1.0, 0.0], exact=0.5, stderr=0.1, label="m")
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), [1.0, 0.5, 2 / 3, 0.5])


def test_energy_breakdown_total_and_baseline():
    ax = plotting.plot_energy_breakdown({"rng": 3e-16, "wire": 1e-15}, {"GPU": 1e-11})
    widths = [b.get_width() for b in ax.patches]
    assert widths == pytest.approx([3e-16, 1e-15, 1.3e-15, 1e-11])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["rng", "wire", "total", "GPU"]
    with pytest.raises(DataError, match="positive energies"):
        plotting.plot_energy_breakdown({"rng": 0.0})


@pytest.mark.parametrize("low", [1e-17, 1e-16, 1e-13])
def test_energy_breakdown_decade_labels_never_overlap(low):
    # a chip estimate (1e-17 J) next to a GPU baseline (1e-8 J) spans nine decades
    ax = plotting.plot_energy_breakdown({"rng": low, "wire": 2 * low}, {"GPU, same updates (per update)": 1e-8})
    figure = ax.figure
    figure.set_size_inches(6.4, 3.9)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    left, right = ax.get_xlim()
    labels = [t for t in ax.get_xticklabels() if t.get_text() and left <= t.get_position()[0] <= right]
    boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
    assert len(boxes) >= 3
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:]))  # a gap between neighbouring labels
    # every value label ends inside the axes
    frame = ax.get_window_extent(renderer)
    assert all(t.get_window_extent(renderer).x1 <= frame.x1 for t in ax.texts)


def test_save_figure_formats(tmp_path):
    ax = plotting.plot_occupations([0.5, 0.5])
    assert plotting.save_figure(ax, tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in plotting.save_figure(ax.figure, tmp_path / "a.svg").read_bytes()[:400]
    with pytest.raises(ParameterError, match="must end in .png, .svg, .pdf"):
        plotting.save_figure(ax, tmp_path / "a.jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "a.svg"]


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    from noisecircuits.sweeps import SweepSpec, run_sweep

    out = tmp_path_factory.mktemp("sweep")
    spec = SweepSpec("telegraph", [250.0, 350.0], [-0.06, -0.03, 0.0, 0.03, 0.06], seed=3, duration=1e-3)
    run_sweep(spec, out, show_progress=False)
    return out


@pytest.mark.parametrize("what", ["transfer", "tau"])
def test_plot_command_from_sweep(sweep_dir, tmp_path, what, capsys):
    out = tmp_path / f"{what}.svg"
    assert cli.main(["plot", what, str(sweep_dir), "--out", str(out), "--json"]) == 0
    assert out.read_text().lstrip().startswith("<?xml") and f'"figure": "{what}"' in capsys.readouterr().out


def test_plot_command_with_fitted_cell(sweep_dir, tmp_path):
    calibrate = pytest.importorskip("noisecircuits.cells.calibrate")
    json_format = pytest.importorskip("noisecircuits.cells.json_format")
    cell, _ = calibrate.fit_pbit_cell(pd.read_parquet(sweep_dir / "results.parquet"))
    json_format.write_json(cell, tmp_path / "cell.json")
    assert cli.main(["plot", "transfer", str(tmp_path / "cell.json"), "--out", str(tmp_path / "c.png")]) == 0
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plot", "transfer", "{missing}", "--out", "{tmp}/x.png"], "is not a sweep directory"),
        (["plot", "occupations", "{sweep}", "--out", "{tmp}/x.png"], "no occupations_<k> columns"),
        (["plot", "energy", "{sweep}", "--out", "{tmp}/x.png"], "energy.json not found"),
        (["plot", "transfer", "{sweep}", "--out", "{tmp}/x.gif"], "--out must end in .png, .svg, .pdf"),
    ],
)
def test_plot_command_errors_are_one_line(sweep_dir, tmp_path, argv, message, capsys):
    argv = [a.format(missing=tmp_path / "nothing", tmp=tmp_path, sweep=sweep_dir) for a in argv]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "x.png").exists()
