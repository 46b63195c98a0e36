"""Transfer-curve table, the ``simulate pbit|categorical|continuous`` commands and the demo."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from noisecircuits import cli
from noisecircuits.circuits.pbit import PBit, PBitDesign, p_one_exact, v_mid
from noisecircuits.circuits.transfer import COLUMNS, pbit_transfer_curve, point_seeds
from noisecircuits.errors import ParameterError

DESIGN = PBitDesign.default()


def test_exact_engine_rows_equal_the_exact_functions():
    frame = pbit_transfer_curve(DESIGN, [290.0, 310.0], [0.11, 0.13], engine="exact")
    assert list(frame.columns) == list(COLUMNS)
    assert list(frame.temperature_K) == [290.0, 290.0, 310.0, 310.0]
    for row in frame.itertuples():
        assert row.p_one == pytest.approx(p_one_exact(DESIGN, row.v_bias_V, row.temperature_K), abs=1e-12)
        cell = PBit(DESIGN, row.v_bias_V, row.temperature_K)
        assert row.correlation_time_s == pytest.approx(cell.correlation_time_exact(), rel=1e-9)
        assert row.energy_per_sample_J == pytest.approx(row.supply_power_W * 2 * row.correlation_time_s, rel=1e-12)
    assert np.all(frame.p_one_stderr == 0.0) and frame.n_samples.isna().all()


def test_sde_points_do_not_depend_on_the_other_points():
    # point i draws from SeedSequence(seed).spawn(n)[i], whose spawn key (i,) does not depend on n
    both = pbit_transfer_curve(DESIGN, [320.0], [0.12, 0.13], duration=2e-5, seed=4)
    alone = pbit_transfer_curve(DESIGN, [320.0], [0.12], duration=2e-5, seed=4)
    pd.testing.assert_series_equal(both.iloc[0], alone.iloc[0], check_names=False)
    assert point_seeds(4, 2)[0].spawn_key == (0,)
    row = both.iloc[0]
    assert row.n_ones <= row.n_samples and 0.0 <= row.p_one <= 1.0
    assert row.p_one == pytest.approx(row.n_ones / row.n_samples, abs=1e-12)
    assert row.seed == 4


def test_transfer_curve_validates_input():
    with pytest.raises(ParameterError, match="engine must be one of"):
        pbit_transfer_curve(DESIGN, [300.0], [0.12], engine="spice")
    with pytest.raises(ParameterError, match="at least one value"):
        pbit_transfer_curve(DESIGN, [300.0], [], engine="exact")


def _run_cli(capsys, argv):
    status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured


def test_simulate_pbit_json(capsys):
    status, out = _run_cli(capsys, ["simulate", "pbit", "--temperature", "320", "--duration", "5e-5", "--seed", "3", "--json"])
    assert status == 0
    result = json.loads(out.out)
    for key in ("p_one", "p_one_stderr", "correlation_time_s", "supply_power_W", "energy_per_sample_J", "v_mid_V"):
        assert key in result
    assert result["v_bias_V"] == pytest.approx(v_mid(DESIGN, 320.0))
    assert result["v_mid_V"] == pytest.approx(result["v_bias_V"])


def test_simulate_categorical_and_continuous_json(capsys):
    status, out = _run_cli(capsys, ["simulate", "categorical", "--temperature", "300", "--v-controls",
                                    "0.045,0.05,0.05,0.055", "--duration", "5e-6", "--seed", "1", "--json"])
    assert status == 0
    result = json.loads(out.out)
    assert len(result["occupations"]) == 4 and result["supply_power_W"] > 0
    status, out = _run_cli(capsys, ["simulate", "continuous", "--temperature", "320", "--v-modes", "0.04,0",
                                    "--duration", "2e-5", "--seed", "1", "--json"])
    assert status == 0
    result = json.loads(out.out)
    assert len(result["predicted_mean_V"]) == 2 and result["predicted_mean_V"][1] > result["predicted_mean_V"][0]


def test_simulate_pbit_bad_temperature_is_one_line_exit_2(capsys):
    status, out = _run_cli(capsys, ["simulate", "pbit", "--temperature", "600", "--duration", "1e-6"])
    assert status == 2
    assert out.err.count("\n") == 1 and "temperature must be in [200, 450]" in out.err


@pytest.mark.slow
def test_demo_writes_table_and_figure(tmp_path, capsys):
    from noisecircuits import demo
    from noisecircuits.cli import main

    assert main(["demo", "--out", str(tmp_path), "--n-biases", "5", "--duration-tau", "100", "--no-spice"]) == 0
    table = pd.read_csv(tmp_path / "transfer_curve.csv")
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 5 * len(demo.DEMO_TEMPERATURES)
    assert (tmp_path / "transfer_curve.png").stat().st_size > 10_000
    for name in ("results.parquet", "cell.json", "energy.json", "report.html"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert {p.suffix for p in (tmp_path / "cell").iterdir()} >= {".json", ".csv", ".va", ".cir"}
    out = capsys.readouterr().out
    assert "v_mid [mV]" in out and "GPU / chip" in out and "cell 320 K" in out
