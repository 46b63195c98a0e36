"""``noisecircuits simulate double-well``: JSON keys, --out, one-line errors with exit 2."""

import json

import numpy as np
import pandas as pd
import pytest

from noisecircuits import cli

KEYS = {"p_right", "p_right_stderr", "mean_dwell_left_s", "mean_dwell_right_s", "mean_dwell_left_stderr_s",
        "mean_dwell_right_stderr_s", "correlation_time_s", "correlation_time_stderr_s", "n_switches", "n_effective",
        "path_steps",
        "duration_s"}
BASE = ["simulate", "double-well", "--barrier", "2", "--tilt", "-0.5", "--tau", "1e-9", "--duration", "2e-7",
        "--seed", "4", "--paths", "2"]


def run(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_has_exactly_the_contract_keys(capsys):
    code, out, err = run([*BASE, "--json"], capsys)
    assert code == 0
    result = json.loads(out)
    assert set(result) == KEYS
    assert result["path_steps"] > 0 and result["n_switches"] > 0
    assert result["p_right"] < 0.5  # negative tilt favours the left well
    assert "path-steps" in err  # progress goes to stderr only


def test_same_seed_same_numbers_and_solver_option(capsys):
    _, first, _ = run([*BASE, "--json"], capsys)
    _, second, _ = run([*BASE, "--json"], capsys)
    assert first == second
    code, heun, _ = run([*BASE, "--solver", "heun", "--json"], capsys)
    assert code == 0 and json.loads(heun) != json.loads(first)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_out_writes_the_trace(tmp_path, capsys, suffix):
    target = tmp_path / f"trace{suffix}"
    code, out, _ = run([*BASE, "--out", str(target), "--json"], capsys)
    assert code == 0 and json.loads(out)
    frame = pd.read_parquet(target) if suffix == ".parquet" else pd.read_csv(target)
    assert list(frame.columns) == ["path", "time_s", "x"]
    assert sorted(frame["path"].unique()) == [0, 1]
    assert np.all(np.diff(frame[frame.path == 0]["time_s"].to_numpy()) > 0)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


@pytest.mark.parametrize(
    "change",
    [
        ["--tau", "0"],
        ["--tau", "-1e-9"],
        ["--duration", "0"],
        ["--duration", "nan"],
        ["--barrier", "inf"],
        ["--dt", "1e-9"],
        ["--tilt", "9"],
        ["--paths", "0"],
        ["--solver", "rk45"],
        ["--bogus", "1"],
        ["--out", "OUT.txt"],
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_file(tmp_path, capsys, change):
    argv = [*BASE, *change, "--json"]
    argv = [str(tmp_path / a) if a == "OUT.txt" else a for a in argv]
    if "--out" not in change:
        argv += ["--out", str(tmp_path / "trace.parquet")]
    with pytest.raises(SystemExit) as exc:
        # argparse errors exit through SystemExit; toolkit errors return 2
        code = cli.main(argv)
        raise SystemExit(code)
    assert exc.value.code == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0]
    assert list(tmp_path.iterdir()) == []
