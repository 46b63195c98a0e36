"""A user's PySpice circuit runs through the batch runner and matches its closed form."""

import math

import numpy as np
import pytest

from noisecircuits.errors import ParameterError

pytest.importorskip("PySpice")


def _rc(resistance, capacitance, v_step):
    from PySpice.Spice.Netlist import Circuit

    circuit = Circuit("rc step")
    # PULSE(V1 V2 TD TR TF PW PER): a 1 ps rising edge at t = 0, then held
    circuit.raw_spice = f"Vs src 0 PULSE(0 {v_step!r} 0 1e-12 1e-12 1 2)"
    circuit.R(1, "src", "out", resistance)
    circuit.C(1, "out", circuit.gnd, capacitance)
    return circuit


@pytest.mark.requires_ngspice
def test_rc_step_response_matches_the_closed_form():
    from noisecircuits.interop.pyspice import run_pyspice_transient

    r, c, v = 1e3, 1e-9, 0.5
    frame = run_pyspice_transient(_rc(r, c, v), step=1e-8, stop=5e-6, nodes=["out"], max_step=1e-8)
    t = frame["time_s"].to_numpy()
    exact = v * (1.0 - np.exp(-np.clip(t, 0.0, None) / (r * c)))
    # trapezoidal integration with steps of RC/100: local error ~ (h/RC)^3/12 per step, far below 1e-3 V
    assert np.max(np.abs(frame["v_out_V"].to_numpy() - exact)) < 1e-3
    assert t[-1] == pytest.approx(5e-6, rel=1e-6) and math.isclose(frame["v_out_V"].iloc[-1], v, rel_tol=1e-2)


def test_bad_input_is_refused_with_one_line():
    from noisecircuits.interop.pyspice import pyspice_netlist, run_pyspice_transient

    with pytest.raises(ParameterError, match="PySpice Circuit"):
        pyspice_netlist("R1 a b 1k")
    with pytest.raises(ParameterError, match="identifiers"):
        run_pyspice_transient(_rc(1e3, 1e-9, 1.0), step=1e-8, stop=1e-6, nodes=["out\n.control"])
    with pytest.raises(ParameterError, match="stop must exceed step"):
        run_pyspice_transient(_rc(1e3, 1e-9, 1.0), step=1e-6, stop=1e-7, nodes=["out"])
