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


def _third_party_imports(paths):
    """Top-level names of the non-stdlib, non-noisecircuits modules imported anywhere under ``paths``."""
    import ast
    from pathlib import Path

    names, _generated = set(), set()
    for root in paths:
        for path in Path(root).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                # a module a test writes itself, e.g. (tmp_path / "crashing_kind.py").write_text(...)
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(".py"):
                    _generated.add(node.value[:-3])
                if isinstance(node, ast.Import):
                    names.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names.add(node.module.split(".")[0])
                elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "importorskip" and node.args:
                    if isinstance(node.args[0], ast.Constant):  # pytest.importorskip("verilogae")
                        names.add(str(node.args[0].value).split(".")[0])
    local = {p.stem for root in paths for p in Path(root).rglob("*.py")}  # helper modules beside the tests
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("noisecircuits", "tests") and n not in local
            and n not in _generated}


def _requirement_names(requirements):
    import re

    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_core_and_test_extra_cover_every_import_of_the_package_and_the_suite():
    # make test installs '.[test]' on a fresh machine: each module the package or the suite imports
    # must come from a core dependency or the test extra (importorskip included: a skip is not a pass)
    import tomllib
    from importlib.metadata import packages_distributions
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = _requirement_names(project["dependencies"] + project["optional-dependencies"]["test"])
    declared |= {"dask", "distributed"} if "dask" in declared else set()  # dask[distributed] brings both
    providers = packages_distributions()
    missing = []
    for module in sorted(_third_party_imports([root / "noisecircuits", root / "tests"])):
        dists = {d.lower().replace("_", "-") for d in providers.get(module, [module])}
        if not dists & declared:
            missing.append(f"{module} (from {', '.join(sorted(dists))})")
    assert not missing, "imported but in neither the core dependencies nor the test extra: " + "; ".join(missing)


def test_core_dependencies_are_imported_by_the_package():
    # the core list stays honest: every core dependency is imported by the package itself
    import tomllib
    from importlib.metadata import packages_distributions
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    core = _requirement_names(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
                              ["dependencies"])
    providers = packages_distributions()
    used = {d.lower().replace("_", "-") for m in _third_party_imports([root / "noisecircuits"])
            for d in providers.get(m, [m])}
    # pyarrow is the Parquet engine pandas loads by name (DataFrame.to_parquet / read_parquet)
    assert core - {"pyarrow"} <= used, f"core dependencies the package never imports: {sorted(core - used)}"
