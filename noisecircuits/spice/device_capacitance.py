r"""Small-signal capacitance of circuit nodes, measured with an ngspice AC analysis.

Every node of the bench is held by a DC voltage source; the node being measured also carries
an AC amplitude of 1 V at ``frequency``. The capacitance to AC ground is then

.. math:: C = -\frac{\mathrm{Im}\, I}{2\pi f},

with :math:`I` the current ngspice reports through that source (into its + terminal). All
other nodes are AC grounds, so the figure is the node's total capacitance to every other node
at the DC operating point (gate, overlap, junction and channel parts of all devices on it).
At 1 MHz the devices' resistive currents (pA to nA in weak inversion) put no imaginary part
into :math:`I`, and the AC analysis is linear, so the result does not depend on the amplitude.

Devices may carry drain and source diffusions (``diffusion_length``): area
:math:`W L_d` and perimeter :math:`2(W + L_d)` (the sky130 cards take the perimeter including
the gate edge, BSIM4 ``permod = 1``). Without it the card's defaults apply (sky130: no
diffusion area or perimeter).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from noisecircuits._validate import positive, temperature as _temperature
from noisecircuits.constants import celsius
from noisecircuits.errors import ParameterError
from noisecircuits.spice.cards import Card
from noisecircuits.spice.units import format_value

__all__ = ["BenchDevice", "node_capacitance", "MEASUREMENT_FREQUENCY"]

#: Frequency of the AC measurement [Hz].
MEASUREMENT_FREQUENCY = 1e6
_NODE = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class BenchDevice:
    """One transistor of a capacitance bench.

    Parameters
    ----------
    polarity : str
        ``"nmos"`` or ``"pmos"`` [-].
    name : str
        Instance name (letters, digits, ``_``) [-].
    drain, gate, source, bulk : str
        Node names; ``"0"`` is ground [-].
    width, length : float
        Drawn W and L [m].
    diffusion_length : float or None
        Extent of the drain and source diffusions along the channel, or None for the card's
        default (no area) [m].
    """

    polarity: str
    name: str
    drain: str
    gate: str
    source: str
    bulk: str
    width: float
    length: float
    diffusion_length: float | None = None

    def line(self, card: Card) -> str:
        """The SPICE line of the device on ``card`` (lengths in the card's unit)."""
        for label in ("name", "drain", "gate", "source", "bulk"):
            if not _NODE.match(getattr(self, label)):
                raise ParameterError(f"bench device {label} must be letters, digits or '_', "
                                     f"got {getattr(self, label)!r}")
        s = card.geometry_scale
        w, length = positive("width", self.width, "m") / s, positive("length", self.length, "m") / s
        text = f"{'X' if card.subcircuit else 'M'}{self.name} {self.drain} {self.gate} {self.source} {self.bulk} " \
               f"{card.model(self.polarity)} w={format_value(w)} l={format_value(length)}"
        if self.diffusion_length is not None:
            d = positive("diffusion_length", self.diffusion_length, "m") / s
            area, perimeter = format_value(w * d), format_value(2.0 * (w + d))
            text += f" ad={area} as={area} pd={perimeter} ps={perimeter}"
        return text


def node_capacitance(card: Card, devices, voltages: dict, node: str, *, temperature: float = 300.0,
                     frequency: float = MEASUREMENT_FREQUENCY, timeout: float = 60.0) -> float:
    """Capacitance of ``node`` to AC ground at the DC point ``voltages`` [F].

    Parameters
    ----------
    card : Card
        Model cards (:func:`noisecircuits.spice.cards.get_card`) [-].
    devices : sequence of BenchDevice
        The transistors [-].
    voltages : dict
        DC voltage of every non-ground node the devices use [V].
    node : str
        The node measured (a key of ``voltages``) [-].
    temperature : float
        Simulation temperature [K].
    frequency : float
        AC frequency [Hz].
    timeout : float
        ngspice wall-clock limit [s].
    """
    from noisecircuits.spice.render import _include_line
    from noisecircuits.spice.runner import run_netlist

    temperature = _temperature("temperature", temperature)
    frequency = positive("frequency", frequency, "Hz")
    if node not in voltages:
        raise ParameterError(f"node {node!r} has no DC voltage; nodes: {', '.join(sorted(voltages))}")
    used = {getattr(d, t) for d in devices for t in ("drain", "gate", "source", "bulk")} - {"0"}
    missing = sorted(used - set(voltages))
    if missing:
        raise ParameterError(f"bench node {missing[0]!r} has no DC voltage")
    lines = ["* noisecircuits capacitance bench", _include_line(card),
             f".options temp={format_value(celsius(temperature))}"]
    for name, value in sorted(voltages.items()):
        if not _NODE.match(name) or name == "0":
            raise ParameterError(f"bench node must be letters, digits or '_' (not ground), got {name!r}")
        ac = " ac 1" if name == node else ""
        lines.append(f"V_{name} {name} 0 dc {format_value(float(value))}{ac}")
    lines += [d.line(card) for d in devices]
    lines += [".control", f"ac lin 1 {format_value(frequency)} {format_value(frequency)}",
              f"wrdata out.dat imag(i(V_{node}))", "quit 0", ".endc", ".end"]
    run = run_netlist("\n".join(lines) + "\n", ["imag_current"], name="capacitance", timeout=timeout)
    current = float(run.data["imag_current"].iloc[-1])
    return -current / (2.0 * math.pi * frequency)
