"""Netlist injection: no string of a cell document can put a control line into an export."""

from __future__ import annotations

import json
import subprocess

import pytest

from noisecircuits.cells.json_format import loads_cell
from noisecircuits.cells.spice import render_spice
from noisecircuits.errors import DataError
from noisecircuits.spice.runner import ngspice_environment

_EXPLOIT_KEY = "x\n.control\nshell touch {marker}\n.endc\n*"


def _deck(subcircuit: str) -> str:
    """A minimal ngspice deck that includes the exported subcircuit, as a user's testbench would."""
    return "\n".join([
        "* injection check", ".include cell.cir", "Vc c 0 DC 0.05", "Xp c o pcell",
        ".tran 1e-7 2e-6", ".end", "",
    ])


def _run_ngspice(directory):
    return subprocess.run(["ngspice", "-b", "deck.cir"], cwd=directory, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL, env=ngspice_environment())


@pytest.mark.requires_ngspice
@pytest.mark.parametrize("section", ["parameters", "correlation_time"])
def test_the_reported_exploit_is_refused(tmp_path, pbit_doc, section):
    """The published reproduction: an extra key holding a .control block, then ngspice on the export."""
    marker = tmp_path / "PWNED"
    doc = pbit_doc()
    doc[section][_EXPLOIT_KEY.format(marker=marker)] = 1.0
    try:
        cell = loads_cell(json.dumps(doc))
    except DataError as exc:
        # refused naming the field (shown as its repr, so the message stays one line)
        assert "\n" not in str(exc) and "not a known field" in str(exc) and section in str(exc)
    else:
        (tmp_path / "cell.cir").write_text(render_spice(cell))
        (tmp_path / "deck.cir").write_text(_deck(""))
        _run_ngspice(tmp_path)
    assert not marker.exists(), "the exported netlist ran a shell command"
