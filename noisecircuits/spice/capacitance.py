r"""Node capacitances of a circuit at its operating point, from an ngspice AC analysis.

Method (docs/spice.md "Capacitance extraction"): every state node is held at its operating
voltage by a voltage source; one source at a time carries an AC amplitude of 1 V, the others
none. With all nodes held, the small-signal current into source :math:`i` when node :math:`j`
is driven is :math:`Y_{ij} = G_{ij} + j\omega C_{ij}`, and for quasi-static device models
(BSIM4's default charge model) the imaginary part is exactly :math:`\omega C_{ij}` at any
frequency: the conductances enter the real part only, and holding the nodes removes the
latch's own (unstable) feedback from the measurement. Hence the Maxwell capacitance matrix

.. math:: C_{ij} = -\,\mathrm{Im}\,i(V_i) / (2\pi f)

(ngspice's ``i(V)`` is the current into the source's positive terminal). :math:`C_{jj}` is
the total capacitance of node :math:`j` with every other node held (explicit capacitors,
gate, overlap and junction capacitances, and the coupling to the other nodes);
:math:`-C_{ij}` is the coupling between nodes :math:`i` and :math:`j`. All drives of one
extraction run in one ngspice deck, as independent copies of the circuit.

:func:`extract_node_capacitance` applies it to a p-bit design at the latch's fixed points;
:func:`node_capacitance` to a bench of single devices (:class:`BenchDevice`), e.g. the
gate or junction of one transistor, as the card's process is derived from.

Bench devices may carry drain and source diffusions (``diffusion_length``): area
:math:`W L_d` and perimeter :math:`2(W + L_d)` (the sky130 cards take the perimeter including
the gate edge, BSIM4 ``permod = 1``). Without it the card's defaults apply (sky130: no
diffusion area or perimeter).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from noisecircuits._validate import positive, temperature as _temperature
from noisecircuits.constants import celsius
from noisecircuits.errors import ParameterError, SimulationError

__all__ = ["EXTRACTION_FREQUENCY", "capacitance_matrices", "extract_node_capacitance", "BenchDevice",
           "node_capacitance"]

#: Frequency of the AC analysis [Hz]. Any frequency gives the same quasi-static result; 1 MHz
#: keeps ω C (6 nS at 1 fF) far above ngspice's current resolution.
EXTRACTION_FREQUENCY = 1e6
_NAME = re.compile(r"^[A-Za-z0-9_]+$")


def _card(card):
    from noisecircuits.spice.cards import Card, get_card

    return card if isinstance(card, Card) else get_card(card)


def capacitance_matrices(card, temperature: float, builders, *, frequency: float = EXTRACTION_FREQUENCY,
                         timeout: float = 600.0, keep=None) -> list[np.ndarray]:
    """Maxwell capacitance matrices of circuits at their operating points (module docstring).

    Parameters
    ----------
    card : Card or str
        Model cards [-].
    temperature : float
        [K].
    builders : sequence of callables
        ``build(suffix) -> (lines, {node: voltage})``: the circuit's element lines with every
        node and element name (ground "0" excepted) ending in ``suffix``, and its state nodes
        (suffixed) with their operating voltages [V]. The extraction adds the holding sources
        ``Vcap<node>`` [-].
    frequency : float
        AC frequency [Hz].
    timeout : float
        ngspice wall-clock limit [s].
    keep : path-like, optional
        Keep the ngspice files [-].

    Returns
    -------
    list of ndarray
        For each builder, ``C[i, j]`` over its state nodes in the order given [F].
    """
    from noisecircuits.spice.render import _include_line
    from noisecircuits.spice.runner import run_netlist
    from noisecircuits.spice.units import format_value as f

    card = _card(card)
    if not (math.isfinite(frequency) and frequency > 0):
        raise ParameterError(f"frequency must be positive [Hz], got {frequency!r}")
    body, columns, lets, layout = [], [], [], []
    for b, build in enumerate(builders):
        count = None
        j = 0
        while count is None or j < count:
            lines, nodes = build(f"_{b}_{j}")
            nodes = dict(nodes)
            if not nodes:
                raise ParameterError("a capacitance extraction needs at least one state node per circuit")
            count = len(nodes)
            body += lines
            for i, (node, voltage) in enumerate(nodes.items()):
                body.append(f"Vcap{node} {node} 0 dc {f(float(voltage))} ac {1 if i == j else 0}")
                col = f"c_{b}_{i}_{j}"
                columns.append(col)
                # C[i, j] = -Im(current into source i) / omega with node j driven
                lets.append(f"let {col} = -imag(i(Vcap{node}))/(2*pi*{f(frequency)})")
            j += 1
        layout.append(count)
    netlist = "\n".join([
        "* noisecircuits capacitance extraction: every state node held, one AC drive per copy",
        _include_line(card),
        f".options temp={f(celsius(temperature))}",
        *body,
        ".control",
        f"ac lin 1 {f(frequency)} {f(frequency)}",
        *lets,
        "set wr_singlescale",
        "wrdata out.dat " + " ".join(columns),
        "quit 0",
        ".endc",
        ".end",
    ]) + "\n"
    frame = run_netlist(netlist, columns, name="capacitance", timeout=timeout, keep=keep).data
    out = []
    for b, n in enumerate(layout):
        matrix = np.array([[float(frame[f"c_{b}_{i}_{j}"].iloc[0]) for j in range(n)] for i in range(n)])
        if not np.all(np.isfinite(matrix)):
            raise SimulationError("ngspice returned a non-finite capacitance")
        out.append(matrix)
    return out


def _pbit_builder(design, card, v_bias, temperature, point, options):
    from noisecircuits.spice.render import mos_lines
    from noisecircuits.spice.units import format_value as f

    netlist = design.netlist(v_bias, temperature)
    explicit = options.explicit_capacitance or 0.0

    def build(suffix):
        def node(n):
            return "0" if n == "0" else n + suffix

        lines = [f"V{node(n)} {node(n)} 0 {f(v)}" for n, v in zip(netlist.fixed_names, netlist.fixed_voltages)
                 if n != "0"]
        for dev in design.devices():
            p = dev.params
            lines += mos_lines(card, p.polarity, dev.name + suffix, *(node(t) for t in (dev.drain, dev.gate,
                                                                                          dev.source, dev.bulk)),
                               p.width, p.length, noise=False, threshold_shift=options.shift_of(dev.name))
        if explicit > 0.0:
            lines += [f"C{node(n)} {node(n)} 0 {f(explicit)}" for n in netlist.state_names]
        return lines, {node(n): float(v) for n, v in zip(netlist.state_names, point)}

    return build


def extract_node_capacitance(design, card, temperature: float, *, options=None, v_bias: float | None = None,
                             frequency: float = EXTRACTION_FREQUENCY, timeout: float = 600.0, keep=None) -> dict:
    """Capacitance of the p-bit's nodes ``out`` and ``outb`` in ngspice, at the latch's fixed points.

    The deck's devices (the card's own, with the threshold shift of ``options`` as ``delvto``)
    and explicit capacitors are held at each fixed point of the noise-free latch that the SDE
    model ``PBit(design, v_bias, temperature)`` finds (``zero``, ``saddle``, ``one``; or the
    single ``stable`` one); :func:`capacitance_matrices` gives each point's 2 × 2 matrix.

    Parameters
    ----------
    design : PBitDesign
        Sizes and voltages (its ``node_capacitance`` is not used) [-].
    card : Card or str
        Model cards (the full card: device capacitances on) [-].
    temperature : float
        [K].
    options : DeckOptions, optional
        Threshold shift and explicit capacitor (``explicit_capacitance`` None counts as 0) [-].
    v_bias : float, optional
        Gate voltage of MNbias; default the design's v_mid at ``temperature`` [V].
    frequency : float
        AC frequency [Hz].
    timeout : float
        ngspice wall-clock limit [s].
    keep : path-like, optional
        Keep the ngspice files [-].

    Returns
    -------
    dict
        ``node_capacitance_F``: mean of C(out,out) and C(outb,outb) over the fixed points
        (the value an SDE with one node capacitance uses); ``out_F``, ``outb_F``: each node's
        mean; ``coupling_F``: mean coupling −C(out,outb); ``explicit_F``; ``device_F`` =
        node − explicit; ``spread``: largest |C(node,node) − node_capacitance_F| /
        node_capacitance_F over nodes and points [-]; ``points``: per fixed point its name,
        voltages [V] and matrix [F]; ``v_bias_V``, ``temperature_K``, ``frequency_Hz``.
    """
    from noisecircuits.circuits.pbit import PBit, v_mid
    from noisecircuits.spice.generate import DeckOptions

    options = DeckOptions() if options is None else options
    card = _card(card)
    vb = v_mid(design, temperature) if v_bias is None else float(v_bias)
    model = PBit(design, vb, temperature)
    points = list(model.fixed_points.items())
    builders = [_pbit_builder(design, card, vb, temperature, point, options) for _, point in points]
    matrices = capacitance_matrices(card, temperature, builders, frequency=frequency, timeout=timeout, keep=keep)
    diagonal = np.array([np.diag(m) for m in matrices])
    mean = float(diagonal.mean())
    explicit = options.explicit_capacitance or 0.0
    return {
        "node_capacitance_F": mean,
        "out_F": float(diagonal[:, 0].mean()),
        "outb_F": float(diagonal[:, 1].mean()),
        "coupling_F": float(np.mean([-m[0, 1] for m in matrices])),
        "explicit_F": float(explicit),
        "device_F": mean - float(explicit),
        "spread": float(np.max(np.abs(diagonal - mean)) / mean),
        "points": [{"name": name, "v_out_V": float(p[0]), "v_outb_V": float(p[1]), "matrix_F": m.tolist()}
                   for (name, p), m in zip(points, matrices)],
        "v_bias_V": vb,
        "temperature_K": float(temperature),
        "frequency_Hz": float(frequency),
    }


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
        Node names (letters, digits, ``_``); ``"0"`` is ground [-].
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

    def line(self, card, suffix: str = "") -> str:
        """The SPICE line of the device on ``card`` (lengths in the card's unit), every name but
        ground ending in ``suffix``."""
        from noisecircuits.spice.units import format_value

        for label in ("name", "drain", "gate", "source", "bulk"):
            if not _NAME.match(getattr(self, label)):
                raise ParameterError(f"bench device {label} must be letters, digits or '_', "
                                     f"got {getattr(self, label)!r}")

        def node(n):
            return "0" if n == "0" else n + suffix

        s = card.geometry_scale
        w, length = positive("width", self.width, "m") / s, positive("length", self.length, "m") / s
        text = f"{'X' if card.subcircuit else 'M'}{self.name}{suffix} {node(self.drain)} {node(self.gate)} " \
               f"{node(self.source)} {node(self.bulk)} {card.model(self.polarity)} " \
               f"w={format_value(w)} l={format_value(length)}"
        if self.diffusion_length is not None:
            d = positive("diffusion_length", self.diffusion_length, "m") / s
            area, perimeter = format_value(w * d), format_value(2.0 * (w + d))
            text += f" ad={area} as={area} pd={perimeter} ps={perimeter}"
        return text


def node_capacitance(card, devices, voltages: dict, node: str, *, temperature: float = 300.0,
                     frequency: float = EXTRACTION_FREQUENCY, timeout: float = 60.0) -> float:
    """Capacitance of ``node`` of a device bench with every node held at ``voltages`` [F].

    The diagonal element C(node, node) of :func:`capacitance_matrices`: the node's total
    capacitance to every other node and ground at that DC point (gate, overlap, junction and
    channel parts of all devices on it).

    Parameters
    ----------
    card : Card or str
        Model cards [-].
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
    card = _card(card)
    temperature = _temperature("temperature", temperature)
    positive("frequency", frequency, "Hz")
    if node not in voltages:
        raise ParameterError(f"node {node!r} has no DC voltage; nodes: {', '.join(sorted(voltages))}")
    for name in voltages:
        if not _NAME.match(name) or name == "0":
            raise ParameterError(f"bench node must be letters, digits or '_' (not ground), got {name!r}")
    used = {getattr(d, t) for d in devices for t in ("drain", "gate", "source", "bulk")} - {"0"}
    missing = sorted(used - set(voltages))
    if missing:
        raise ParameterError(f"bench node {missing[0]!r} has no DC voltage")
    order = [node, *sorted(set(voltages) - {node})]

    def build(suffix):
        return [d.line(card, suffix) for d in devices], {n + suffix: float(voltages[n]) for n in order}

    (matrix,) = capacitance_matrices(card, temperature, [build], frequency=frequency, timeout=timeout)
    return float(matrix[0, 0])
