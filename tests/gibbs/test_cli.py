"""The gibbs command line: JSON contracts and one-line errors."""

import json

import pytest

from noisecircuits.cli import main
from noisecircuits.gibbs.exact import exact_distribution, onsager_energy_per_site
from noisecircuits.gibbs.graphs import ising_from_json


def _run(capsys, argv):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_ising2d_json_contract(capsys):
    status, out, _ = _run(
        capsys, ["gibbs", "ising2d", "--size", "32", "--beta", "0.3", "--sweeps", "3000", "--burn-in", "200",
                 "--chains", "2", "--seed", "3", "--json"]
    )  # fmt: skip
    assert status == 0
    result = json.loads(out)
    for key in (
        "energy_per_spin",
        "energy_per_spin_stderr",
        "abs_magnetization",
        "abs_magnetization_stderr",
        "spin_updates",
        "spin_updates_per_second",
        "integrated_autocorrelation_sweeps",
    ):
        assert key in result
    assert result["spin_updates"] == 3200 * 2 * 1024
    # L = 32 at beta = 0.3 (correlation length ~1.5): Onsager within 5 stderr + 1e-4 finite size
    assert abs(result["energy_per_spin"] - onsager_energy_per_site(0.3)) < 5 * result["energy_per_spin_stderr"] + 1e-4


def test_field_is_excluded_from_the_pair_energy(capsys):
    args = ["gibbs", "ising2d", "--size", "8", "--beta", "0.0", "--sweeps", "2000", "--burn-in", "10", "--json"]
    _, out, _ = _run(capsys, [*args, "--field", "5"])
    result = json.loads(out)
    # beta = 0: spins are fair coins whatever the field, so <-sum s_i s_j>/N = 0; 5 stderr
    assert abs(result["energy_per_spin"]) < 5 * result["energy_per_spin_stderr"]


def test_model_json_contract(tmp_path, capsys):
    path = tmp_path / "and.json"
    path.write_text(
        json.dumps({"spins": 3, "beta": 1.0, "biases": [1, 1, -2], "couplings": [[0, 1, -1], [0, 2, 2], [1, 2, 2]]})
    )
    status, out, _ = _run(capsys, ["gibbs", "model", str(path), "--samples", "40000", "--burn-in", "100", "--json"])
    assert status == 0
    result = json.loads(out)
    assert set(result) >= {"mean_spins", "mean_energy", "spin_updates_per_second", "state_probabilities"}
    exact = exact_distribution(ising_from_json(path))
    for state, freq in result["state_probabilities"].items():
        code = sum(1 << i for i, ch in enumerate(state) if ch == "1")
        # 40000 correlated samples: 5 sigma with a generous 2 tau = 4
        assert freq == pytest.approx(exact[code], abs=5 * (exact[code] * 4 / 40000) ** 0.5 + 1e-3)
    assert len(result["mean_spins"]) == 3


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["gibbs", "ising2d", "--size", "2", "--beta", "1", "--sweeps", "5", "--burn-in", "0"], "--size must be >= 3"),
        (["gibbs", "ising2d", "--size", "4", "--beta", "-1", "--sweeps", "5", "--burn-in", "0"], "--beta must be >= 0"),
        (["gibbs", "model", "MISSING.json", "--samples", "5", "--burn-in", "0"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys, argv, fragment):
    status, out, err = _run(capsys, argv)
    assert status == 2 and out == ""
    assert fragment in err and err.count("\n") == 1


def test_bad_model_file_is_one_line(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"spins": 2, "couplings": [[0, 1, 1.0], [1, 0, 1.0]]}))
    status, _, err = _run(capsys, ["gibbs", "model", str(path), "--samples", "5", "--burn-in", "0"])
    assert status == 2 and "more than once" in err and err.count("\n") == 1


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["gibbs", "ising2d", "--size", "x"])
    assert info.value.code == 2
