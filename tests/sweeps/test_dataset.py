"""Sweep results for N-d work: results.nc beside results.parquet, both with units and provenance."""

from __future__ import annotations

import numpy as np
import pytest

import noisecircuits as nc
from noisecircuits.sweeps import SweepSpec, run_sweep
from noisecircuits.sweeps.dataset import column_unit

TEMPERATURES = [290.0, 310.0]
BIASES = [-0.02, 0.0, 0.02]


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("nd") / "sweep"
    run_sweep(SweepSpec("telegraph", temperatures=TEMPERATURES, v_biases=BIASES, seed=3), out, workers=1,
              show_progress=False)
    return out


def test_units_follow_the_column_names():
    assert [column_unit(n) for n in ("v_bias_V", "temperature_K", "correlation_time_s", "supply_power_W",
                                     "energy_per_sample_J", "p_one", "p_one_stderr")] == ["V", "K", "s", "W", "J",
                                                                                          "1", "1"]


def test_dataset_holds_the_table_on_the_grid(sweep_dir):
    frame = nc.load_sweep(sweep_dir)
    dataset = nc.load_sweep(sweep_dir, "dataset")
    assert dict(dataset.sizes) == {"temperature_K": 2, "v_bias_V": 3}
    assert dataset["temperature_K"].values.tolist() == TEMPERATURES
    for _, row in frame.iterrows():
        point = dataset.sel(temperature_K=row["temperature_K"], v_bias_V=row["v_bias_V"])
        assert float(point["p_one"]) == row["p_one"]
        assert np.isclose(float(point["correlation_time_s"]), row["correlation_time_s"], equal_nan=True)
    assert dataset["correlation_time_s"].attrs["units"] == "s" and dataset["v_bias_V"].attrs["units"] == "V"
    assert dataset.attrs["kind"] == "telegraph" and dataset.attrs["seed"] == 3
    assert len(dataset.attrs["parameters_sha256"]) == 64


def test_parquet_carries_units_and_provenance(sweep_dir):
    import pyarrow.parquet as pq

    frame = nc.load_sweep(sweep_dir)
    assert frame.attrs["units"]["energy_per_sample_J"] == "J"
    assert frame.attrs["provenance"]["kind"] == "telegraph"
    schema = pq.read_schema(sweep_dir / "results.parquet")
    assert schema.field("v_bias_V").metadata[b"unit"] == b"V"


def test_bad_form_and_missing_results_are_one_line(tmp_path, sweep_dir):
    from noisecircuits.errors import DataError, ParameterError

    with pytest.raises(ParameterError, match="form must be"):
        nc.load_sweep(sweep_dir, "table")
    with pytest.raises(DataError, match="not found"):
        nc.load_sweep(tmp_path, "dataset")
