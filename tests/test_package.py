"""Package-level contracts: light import, version, CLI wiring."""

import subprocess
import sys

import pytest

import noisecircuits
from noisecircuits import cli
from noisecircuits.constants import thermal_voltage
from noisecircuits.errors import ParameterError


def test_import_is_light():
    code = (
        "import sys, noisecircuits; "
        "heavy = [m for m in ('matplotlib', 'PySpice', 'numba', 'pandas', 'dask') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_thermal_voltage_300K():
    # U_T = kT/q = 25.852 mV at 300 K (docs/physics.md §4)
    assert thermal_voltage(300.0) == pytest.approx(0.025852, abs=2e-6)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_thermal_voltage_rejects_bad_temperature(bad):
    with pytest.raises(ParameterError, match="temperature"):
        thermal_voltage(bad)


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert noisecircuits.__version__ in capsys.readouterr().out


def test_unknown_command_is_one_line_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["no-such-command"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0]


def test_cite_records_used_references():
    from noisecircuits import citations

    citations.use("kramers1940")
    refs = noisecircuits.cite()
    assert any("Kramers" in r for r in refs)
    assert len(noisecircuits.cite(all_references=True)) >= len(refs)
