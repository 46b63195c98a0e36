"""Reading p-bit transfer data: DataFrames, sweep directories, lab CSVs; malformed input -> DataError."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noisecircuits.errors import DataError, NoisecircuitsError
from noisecircuits.fitting.data import parse_pbit_csv, read_pbit_data, source_sha256

GOOD = "v_bias_V,temperature_K,n_ones,n_samples\n0.0,300,10,100\n0.1,300,60,100\n0.2,300,95,100\n"


def test_reads_lab_csv_and_hashes_the_file(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text("# measured on bench 3\n" + GOOD.replace("n_samples\n", "n_samples\n", 1))
    data = read_pbit_data(path)
    assert len(data) == 3
    assert np.array_equal(data["n_ones"], [10, 60, 95])
    assert data.sha256 == source_sha256(path)
    assert np.array_equal(data.n_effective, [100, 100, 100])


def test_effective_counts_are_scaled(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text("n_samples,n_ones,temperature_K,v_bias_V,n_effective\n100,10,300,0.0,25\n")
    data = read_pbit_data(path)
    assert data.ones_effective[0] == pytest.approx(2.5)
    assert data.n_effective[0] == 25


def test_reads_sweep_directory_and_frame(tmp_path):
    frame = pd.DataFrame(
        {
            "temperature_K": [300.0, 300.0],
            "v_bias_V": [0.0, 0.1],
            "p_one": [0.1, 0.6],
            "p_one_stderr": [0.01, 0.01],
            "n_samples": [100, 100],
            "n_ones": [10, 60],
            "n_effective": [50.0, 40.0],
            "correlation_time_s": [1e-7, 2e-7],
            "supply_power_W": [1e-9, 1e-9],
            "energy_per_sample_J": [2e-16, 4e-16],
        }
    )
    frame.to_parquet(tmp_path / "results.parquet")
    from_dir = read_pbit_data(tmp_path)
    from_frame = read_pbit_data(frame)
    for name in ("v_bias_V", "n_effective", "correlation_time_s", "supply_power_W"):
        assert np.array_equal(from_dir[name], from_frame[name])
    assert from_dir.sha256 == source_sha256(tmp_path / "results.parquet")


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("", "empty"),
        ("v_bias_V,temperature_K,n_ones\n0,300,1\n", "missing column.*n_samples"),
        ("v_bias_V,temperature_K,n_ones,n_samples\n", "no data rows"),
        ("v_bias_V,temperature_K,n_ones,n_samples\n0,300,abc,10\n", "row 1, column n_ones: expected a number"),
        ("v_bias_V,temperature_K,n_ones,n_samples\n0,300,1,10\n0,300,-1,10\n", "row 2, column n_ones: counts"),
        ("v_bias_V,temperature_K,n_ones,n_samples\n0,300,11,10\n", "row 1, column n_ones: n_ones .* exceeds"),
        ("v_bias_V,temperature_K,n_ones,n_samples\nnan,300,1,10\n", "row 1, column v_bias_V: value is not a finite"),
        ("v_bias_V,temperature_K,n_ones,n_samples\n0,300,1.5,10\n", "row 1, column n_ones: counts must be integers"),
        ("v_bias_V,temperature_K,n_ones,n_samples\n0,-3,1,10\n", "row 1, column temperature_K"),
        ("v_bias_V,temperature_K,n_ones,n_samples\n0,300,1\n", "row 1: has 3 fields"),
        ("v_bias_V,temperature_K,n_ones,n_samples,n_effective\n0,300,1,10,0\n", "row 1, column n_effective"),
    ],
)
def test_malformed_csv_names_row_and_column(tmp_path, text, pattern):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=pattern):
        read_pbit_data(path)


def test_missing_file_and_wrong_suffix(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_pbit_data(tmp_path / "nope.csv")
    (tmp_path / "x.txt").write_text(GOOD)
    with pytest.raises(DataError, match=r"\.csv or \.parquet"):
        read_pbit_data(tmp_path / "x.txt")
    with pytest.raises(DataError, match="results.parquet"):
        read_pbit_data(tmp_path)
    (tmp_path / "results.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match="cannot read Parquet"):
        read_pbit_data(tmp_path)


def test_frame_with_text_in_a_number_column():
    frame = pd.DataFrame({"v_bias_V": [0.0, "x"], "temperature_K": [300, 300], "n_ones": [1, 2], "n_samples": [5, 5]})
    with pytest.raises(DataError, match="row 1, column v_bias_V"):
        read_pbit_data(frame)


_cells = st.one_of(
    st.text(max_size=8),
    st.integers(-5, 200).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "nan", "inf", "1e400", "-0", "  3 ", '"4"', "1,2"]),
)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.sampled_from(["v_bias_V", "temperature_K", "n_ones", "n_samples", "n_effective", "x", ""]), max_size=6),
    rows=st.lists(st.lists(_cells, max_size=7), max_size=5),
)
def test_fuzz_structured_csv_only_raises_data_error(header, rows):
    text = ",".join(header) + "\n" + "\n".join(",".join(r) for r in rows)
    try:
        data = parse_pbit_csv(text.encode())
    except DataError:
        return
    assert np.all(data["n_ones"] <= data["n_samples"])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(raw=st.binary(max_size=300))
def test_fuzz_raw_bytes_only_raise_data_error(raw):
    try:
        parse_pbit_csv(raw)
    except NoisecircuitsError as exc:
        assert isinstance(exc, DataError)


def test_example_data_are_reproduced_by_their_generator(tmp_path):
    import importlib.util
    from pathlib import Path

    data_dir = Path(__file__).resolve().parents[2] / "data"
    spec = importlib.util.spec_from_file_location("generate_example_pbit", data_dir / "generate_example_pbit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("example_pbit_transfer.csv", "example_pbit_transfer.json"):
        assert (tmp_path / name).read_bytes() == (data_dir / name).read_bytes(), name
    sidecar = (data_dir / "example_pbit_transfer.json").read_text()
    assert "SYNTHETIC" in sidecar


def test_timing_columns_may_be_missing_at_some_points(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text("v_bias_V,temperature_K,n_ones,n_samples,correlation_time_s\n0,300,1,10,\n0.1,300,5,10,1e-7\n")
    data = read_pbit_data(path)
    assert np.isnan(data["correlation_time_s"][0]) and data["correlation_time_s"][1] == 1e-7
    path.write_text("v_bias_V,temperature_K,n_ones,n_samples,correlation_time_s\n0,300,1,10,-1\n")
    with pytest.raises(DataError, match="row 1, column correlation_time_s: must be > 0"):
        read_pbit_data(path)
    path.write_text("v_bias_V,temperature_K,n_ones,n_samples,correlation_time_s\n0,300,1,10,inf\n")
    with pytest.raises(DataError, match="row 1, column correlation_time_s"):
        read_pbit_data(path)


# ---------------------------------------------------------------------------------------------
# Lab-data formats: °C, delimiters, impossible rows, extreme counts, streaming.

HEADER = "v_bias_V,temperature_K,n_ones,n_samples"


def test_temperature_celsius_is_converted(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text(GOOD.replace("temperature_K", "temperature_C").replace(",300,", ",26.85,"))
    data = read_pbit_data(path)
    assert "temperature_C" not in data
    # 26.85 °C = 300 K to the rounding of the addition
    assert np.allclose(data["temperature_K"], 300.0, rtol=0, atol=1e-12)
    path.write_text("v_bias_V,temperature_C,temperature_K,n_ones,n_samples\n0,27,300,1,10\n")
    with pytest.raises(DataError, match="temperature_K or temperature_C, not both"):
        read_pbit_data(path)
    path.write_text("v_bias_V,temperature_C,n_ones,n_samples\n0,-200,1,10\n")
    with pytest.raises(DataError, match=r"row 1, column temperature_C: -200 °C is below -173.15 °C \(100 K\)"):
        read_pbit_data(path)
    frame = pd.DataFrame({"v_bias_V": [0.0], "temperature_C": [26.85], "n_ones": [1], "n_samples": [10]})
    assert read_pbit_data(frame)["temperature_K"][0] == pytest.approx(300.0, abs=1e-12)


def test_kelvin_column_holding_celsius_is_refused_with_a_hint(tmp_path):
    """Issue case: 16.85 and 36.85 in temperature_K gave a cell 'valid from 16.85 K to 36.85 K'."""
    path = tmp_path / "lab.csv"
    path.write_text(f"{HEADER}\n0.0,16.85,10,100\n0.1,36.85,60,100\n")
    with pytest.raises(DataError) as info:
        read_pbit_data(path)
    message = str(info.value)
    assert "\n" not in message
    assert "row 1, column temperature_K: 16.85 K is below 100 K; if the column holds °C, name it temperature_C" in message


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_files_are_read(tmp_path, delimiter):
    comma = tmp_path / "comma.csv"
    comma.write_text("# note, with a comma\n" + GOOD)
    other = tmp_path / "other.csv"
    other.write_text("# note, with a comma\n" + GOOD.replace(",", delimiter))
    a, b = read_pbit_data(comma), read_pbit_data(other)
    for name in a.columns:
        assert np.array_equal(a[name], b[name])
    assert b.sha256 == source_sha256(other)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("v_bias_V;temperature_K;n_ones\n0;300;1\n", r"missing column\(s\) n_samples.*3 column\(s\) separated by semicolons"),
        ("v_bias_V;temperature_K;n_ones;n_samples\n0,1;300;1;10\n", r"got '0,1' \(a decimal comma"),
        ("v_bias_V;temperature_K;n_ones;n_samples\n0,300,1,10\n", r"row 1: has 1 fields, the header has 4 \(separated by semicolons\)"),
        ("v_bias_V|temperature_K|n_ones|n_samples\n0|300|1|10\n", r"separated by commas; comma, semicolon and tab are read"),
    ],
)
def test_delimiter_problems_name_the_delimiter(tmp_path, text, pattern):
    path = tmp_path / "lab.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=pattern):
        read_pbit_data(path)


def test_more_effective_than_actual_samples_is_refused_by_row(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text(f"{HEADER},n_effective\n0,300,1,10,10\n0.1,300,5,10,11\n")
    with pytest.raises(DataError, match=r"row 2, column n_effective: n_effective \(11\) exceeds n_samples \(10\)"):
        read_pbit_data(path)
    # a toolkit sweep's estimate T/(2 tau_c) may exceed the samples read: it is clipped to them
    frame = pd.DataFrame({"v_bias_V": [0.0, 0.1], "temperature_K": 300.0, "n_ones": [1, 5], "n_samples": 10,
                          "n_effective": [10.0, 11.0]})
    assert np.array_equal(read_pbit_data(frame).n_effective, [10.0, 10.0])


@pytest.mark.parametrize("count", ["1e30", "1e16", "9007199254740994"])
def test_counts_beyond_exact_floats_are_refused(tmp_path, count):
    path = tmp_path / "lab.csv"
    path.write_text(f"{HEADER}\n0,300,1,{count}\n")
    with pytest.raises(DataError, match="row 1, column n_samples: counts must be integers from 0 to 2\\^53"):
        read_pbit_data(path)
    path.write_text(f"{HEADER}\n0,300,1,{2**53}\n")
    assert read_pbit_data(path)["n_samples"][0] == 2.0**53


def test_large_csv_streams_with_memory_following_the_rows(tmp_path):
    """A wide lab file: memory follows the kept columns (8 bytes per value), not the file's text."""
    import tracemalloc

    n_rows = 60_000
    path = tmp_path / "big.csv"
    notes = "x" * 150  # an ignored text column, as lab exports carry
    with open(path, "w") as handle:
        handle.write(f"{HEADER},operator_notes\n")
        for i in range(n_rows):
            handle.write(f"{(i % 101) * 1e-3!r},300,{i % 50},100,{notes}\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        data = read_pbit_data(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(data) == n_rows and data.sha256 == source_sha256(path)
    kept = 4 * 8 * n_rows  # the four float64 columns
    # the chunks and their concatenation hold each value at most twice, plus one chunk per column
    # and the reader's buffers (well under 2 MB); reading the whole text would peak above `size`
    assert peak < 2 * kept + 2_000_000, (peak, kept, size)
    assert peak < size / 3, (peak, size)
