"""Netlists generated from a design's own device list (one description for both simulators).

:meth:`noisecircuits.circuits.pbit.PBitDesign.devices` lists the p-bit's transistors with their
terminals; :meth:`~noisecircuits.circuits.pbit.PBitDesign.netlist` builds the SDE from the
same list, and :func:`pbit_netlist_text` builds the ngspice deck from it: one voltage source
per fixed node, each device through :func:`noisecircuits.spice.render.mos_lines` (ammeter,
BSIM4 instance of the card's model for the device's polarity at the device's W and L, shot
noise), the node capacitors, the Itô correction of each state node
(:func:`noisecircuits.spice.render.ito_correction_lines`), the initial state and the
transient. The shipped design's deck is kept as ``spice_models/pbit_reference.cir`` (a
reviewed golden file that ``tests/spice/test_generate.py`` regenerates and compares).
"""

from __future__ import annotations

from noisecircuits.constants import ELEMENTARY_CHARGE, celsius, thermal_voltage
from noisecircuits.spice.render import _include_line, ito_correction_lines, mos_lines
from noisecircuits.spice.units import format_value

__all__ = ["pbit_netlist_text", "REFERENCE_NETLIST"]

#: golden deck of the shipped p-bit, in spice_models/
REFERENCE_NETLIST = "pbit_reference.cir"


def pbit_netlist_text(design, card, *, v_bias: float, temperature: float, noise_step: float, duration: float,
                      seed: int, start, sample_step: float, max_step: float) -> str:
    """The noisy ngspice deck of a p-bit design, generated from ``design.devices()``.

    Parameters
    ----------
    design : PBitDesign
        Sizes, voltages and the device list [-].
    card : Card
        Model cards [-].
    v_bias : float
        Gate voltage of MNbias [V].
    temperature : float
        [K].
    noise_step : float
        Noise hold time N_T, at most 6 significant digits [s].
    duration : float
        Simulated time [s].
    seed : int
        ngspice seed [-].
    start : (float, float)
        Initial V(out), V(outb) [V].
    sample_step : float
        Output step [s].
    max_step : float
        ngspice maximum time step [s].

    Returns
    -------
    str
        The deck; ``wrdata`` writes V(out), V(outb) to ``out.dat``.
    """
    from noisecircuits.errors import ParameterError
    from noisecircuits.spice.units import round_significant

    if round_significant(noise_step, 6) != float(noise_step):
        raise ParameterError(f"noise_step must have at most 6 significant digits, got {noise_step!r}")
    netlist = design.netlist(v_bias, temperature)
    noise = {"noise_step": noise_step, "shot_scale": ELEMENTARY_CHARGE / noise_step,
             "inverse_two_ut": 1.0 / (2.0 * thermal_voltage(temperature))}
    f = format_value
    lines = [
        "* noisecircuits p-bit, generated from PBitDesign.devices(): two cross-coupled inverters",
        "* tilted by MNbias against MNref; state 1 <=> v(out) > v(outb).",
        _include_line(card),
        f".options temp={f(celsius(temperature))} seed={int(seed)} interp",
    ]
    for name, value in zip(netlist.fixed_names, netlist.fixed_voltages):
        if name != "0":
            lines.append(f"V{name} {name} 0 {f(value)}")
    devices = []
    for dev in design.devices():
        p = dev.params
        lines += mos_lines(card, p.polarity, dev.name, dev.drain, dev.gate, dev.source, dev.bulk, p.width, p.length,
                           noise=True, noise_values=noise)
        devices.append((p.polarity, dev.name, dev.drain, dev.gate, dev.source))
    capacitances = {}
    names = list(netlist.state_names)
    for name, c in zip(names, netlist.capacitances):
        lines.append(f"C{name} {name} 0 {f(float(c))}")
        capacitances.setdefault(float(c), []).append(name)
    for c, nodes in capacitances.items():
        lines += ito_correction_lines(devices, nodes, c, noise)
    lines += [
        ".ic " + " ".join(f"v({n})={f(float(v))}" for n, v in zip(names, start)),
        ".save " + " ".join(f"v({n})" for n in names),
        ".control",
        f"tran {f(sample_step)} {f(duration)} 0 {f(max_step)} uic",
        "wrdata out.dat " + " ".join(f"v({n})" for n in names),
        "quit 0",
        ".endc",
        ".end",
    ]
    return "\n".join(lines) + "\n"
