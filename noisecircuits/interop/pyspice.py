"""Run a PySpice circuit through the toolkit's ngspice batch runner.

PySpice is an optional extra (``pip install 'noisecircuits[spice]'``). Only its netlist text is
used: the circuit's elements, models and options are written as PySpice renders them, a
transient analysis and a ``wrdata`` of the requested node voltages are appended, and the deck
runs in ``ngspice -b`` through :func:`noisecircuits.spice.runner.run_netlist` (the reference
path: no shared-library binding, so any ngspice version works).

>>> from PySpice.Spice.Netlist import Circuit               # doctest: +SKIP
>>> circuit = Circuit("rc"); circuit.V(1, "a", circuit.gnd, 1.0)  # doctest: +SKIP
>>> circuit.R(1, "a", "out", 1e3); circuit.C(1, "out", circuit.gnd, 1e-9)  # doctest: +SKIP
>>> frame = run_pyspice_transient(circuit, step=1e-8, stop=5e-6, nodes=["out"])  # doctest: +SKIP
"""

from __future__ import annotations

import re

from noisecircuits._validate import positive
from noisecircuits.errors import ParameterError

__all__ = ["pyspice_netlist", "run_pyspice_transient"]

_NODE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def pyspice_netlist(circuit) -> str:
    """The netlist text of a PySpice circuit, without any analysis or ``.end`` line.

    Parameters
    ----------
    circuit : PySpice.Spice.Netlist.Circuit
        The user's circuit [-].

    Returns
    -------
    str
    """
    try:
        from PySpice.Spice.Netlist import Circuit
    except ImportError:
        raise ParameterError("PySpice is not installed; install it with: pip install 'noisecircuits[spice]'") from None
    if not isinstance(circuit, Circuit):
        raise ParameterError(f"expected a PySpice Circuit, got {type(circuit).__name__}")
    lines = [ln for ln in str(circuit).splitlines() if ln.strip().lower() != ".end"]
    return "\n".join(lines) + "\n"


def run_pyspice_transient(circuit, *, step: float, stop: float, nodes, max_step: float | None = None,
                          name: str = "pyspice", timeout: float = 600.0, keep=None):
    """Transient run of a PySpice circuit in ``ngspice -b``; returns the node voltages.

    Parameters
    ----------
    circuit : PySpice.Spice.Netlist.Circuit
        The user's circuit [-].
    step : float
        Output time step of the transient analysis [s].
    stop : float
        Stop time [s].
    nodes : sequence of str
        Node names to record (identifiers) [-].
    max_step : float, optional
        Largest internal time step; default ``step`` [s].
    name : str
        Run label (directory name under ``keep``) [-].
    timeout : float
        Wall-clock limit [s].
    keep : path-like, optional
        Keep the deck, the output and the log in ``keep/<name>/`` [-].

    Returns
    -------
    pandas.DataFrame
        ``time_s`` and one column ``v_<node>_V`` per node [s, V].
    """
    from noisecircuits.spice.runner import run_netlist

    nodes = [str(n) for n in nodes]
    if not nodes or not all(_NODE.match(n) for n in nodes):
        raise ParameterError(f"nodes must be one or more identifiers (letters, digits, '_'), got {nodes!r}")
    step = positive("step", step, "s")
    stop = positive("stop", stop, "s")
    max_step = step if max_step is None else positive("max_step", max_step, "s")
    if stop <= step:
        raise ParameterError(f"stop must exceed step, got stop {stop!r} s and step {step!r} s")
    columns = [f"v_{n}_V" for n in nodes]
    deck = pyspice_netlist(circuit) + "\n".join([
        f".tran {step!r} {stop!r} 0 {max_step!r}",
        ".control",
        "run",
        "wrdata out.dat " + " ".join(f"v({n})" for n in nodes),
        "quit 0",
        ".endc",
        ".end",
    ]) + "\n"
    frame = run_netlist(deck, columns, name=name, timeout=timeout, keep=keep).data
    return frame.rename(columns={"x": "time_s"})
