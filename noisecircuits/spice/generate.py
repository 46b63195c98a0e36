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

:class:`DeckOptions` says what the design carries beyond ``PBitDesign``: the latch devices'
threshold shift (written as BSIM4 ``delvto`` on MPa, MNa, MPb, MNb) and, for a deck on a card
with its device capacitances (a *geometry-consistent* deck, docs/spice.md), the explicit
capacitor alone — the design's ``node_capacitance`` is then the node's total capacitance
(extracted from ngspice, :mod:`noisecircuits.spice.capacitance`), used only by the Itô
correction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from noisecircuits.constants import ELEMENTARY_CHARGE, celsius, thermal_voltage
from noisecircuits.spice.render import _include_line, ito_correction_lines, mos_lines
from noisecircuits.spice.units import format_value

__all__ = ["DeckOptions", "LATCH_DEVICES", "pbit_netlist_text", "pbit_copies_netlist_text", "categorical_netlist_text",
           "continuous_netlist_text", "REFERENCE_NETLIST", "CATEGORICAL_REFERENCE_NETLIST",
           "CONTINUOUS_REFERENCE_NETLIST"]

#: golden decks of the shipped designs, in spice_models/
REFERENCE_NETLIST = "pbit_reference.cir"
CATEGORICAL_REFERENCE_NETLIST = "categorical_reference.cir"
CONTINUOUS_REFERENCE_NETLIST = "continuous_reference.cir"
#: the latch devices, the ones a threshold shift applies to
LATCH_DEVICES = ("MPa", "MNa", "MPb", "MNb")


@dataclass(frozen=True)
class DeckOptions:
    """How a p-bit design's deck departs from the capacitance-free deck of its ``PBitDesign``.

    Parameters
    ----------
    threshold_shift : float
        Lowering of the threshold magnitude of the four latch devices (:data:`LATCH_DEVICES`),
        >= 0, written as BSIM4 ``delvto`` (:func:`noisecircuits.spice.render.mos_lines`) [V].
    explicit_capacitance : float or None
        None: the capacitance-free deck, each state node carries a capacitor equal to the
        design's ``node_capacitance``. A number >= 0: the deck is on a card with device
        capacitances, each state node carries only this explicit capacitor (none when 0),
        and the design's ``node_capacitance`` is the node's total capacitance [F].
    """

    threshold_shift: float = 0.0
    explicit_capacitance: float | None = None

    def __post_init__(self):
        from noisecircuits.errors import ParameterError

        shift = float(self.threshold_shift)
        if not (math.isfinite(shift) and shift >= 0.0):
            raise ParameterError(f"threshold_shift must be a finite value >= 0 [V], got {self.threshold_shift!r}")
        object.__setattr__(self, "threshold_shift", shift)
        c = self.explicit_capacitance
        if c is not None:
            c = float(c)
            if not (math.isfinite(c) and c >= 0.0):
                raise ParameterError(f"explicit_capacitance must be a finite value >= 0 [F], got {self.explicit_capacitance!r}")
            object.__setattr__(self, "explicit_capacitance", c)

    @property
    def full_capacitance(self) -> bool:
        """The deck is meant for a card with its device capacitances [-]."""
        return self.explicit_capacitance is not None

    def shift_of(self, device_name: str) -> float:
        """Threshold shift of device ``device_name`` [V]."""
        return self.threshold_shift if device_name in LATCH_DEVICES else 0.0


def pbit_netlist_text(design, card, *, v_bias: float, temperature: float, noise_step: float, duration: float,
                      seed: int, start, sample_step: float, max_step: float, options: DeckOptions | None = None) -> str:
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
    options : DeckOptions, optional
        Threshold shift and capacitance mode; default: no shift, capacitance-free [-].

    Returns
    -------
    str
        The deck; ``wrdata`` writes V(out), V(outb) to ``out.dat``.
    """
    return _deck(_PBIT_TITLE, [(design.netlist(float(v_bias), temperature), design.devices(), start)], card,
                 temperature=temperature, noise_step=noise_step, duration=duration, seed=seed,
                 sample_step=sample_step, max_step=max_step, options=options)


def pbit_copies_netlist_text(design, card, *, v_biases, temperature: float, noise_step: float, duration: float,
                             seed: int, starts, sample_step: float, max_step: float,
                             options: DeckOptions | None = None) -> str:
    """One ngspice deck holding several independent copies of the p-bit, one per entry of ``v_biases``.

    Copy ``k`` is the deck of :func:`pbit_netlist_text` with every node (but ground), device
    and source renamed ``<name>_k``: the copies share no element. Each copy has its own
    shot-noise sources (ngspice gives every ``trrandom`` source its own stream, seeded from the
    deck's ``seed``), so the copies are independent; all sources have the same noise step, so
    the copies share ngspice's time grid and noise breakpoints.

    Parameters
    ----------
    design : PBitDesign
        Sizes, voltages and the device list [-].
    card : Card
        Model cards [-].
    v_biases : sequence of float
        Gate voltage of each copy's MNbias (repeat a value for several copies at one bias) [V].
    temperature : float
        [K].
    noise_step : float
        Noise hold time N_T, at most 6 significant digits [s].
    duration : float
        Simulated time [s].
    seed : int
        ngspice seed [-].
    starts : sequence of (float, float)
        Initial V(out), V(outb) of each copy [V].
    sample_step : float
        Output step [s].
    max_step : float
        ngspice maximum time step [s].
    options : DeckOptions, optional
        Threshold shift and capacitance mode (as :func:`pbit_netlist_text`) [-].

    Returns
    -------
    str
        The deck; ``wrdata`` writes, on one time column, each copy's read-out
        V(out_k) − V(outb_k) to ``out.dat``.
    """
    from noisecircuits.errors import ParameterError

    biases = [float(v) for v in v_biases]
    starts = list(starts)
    if not biases or len(starts) != len(biases):
        raise ParameterError(f"a multi-copy p-bit deck needs one start point per bias; got {len(biases)} biases "
                             f"and {len(starts)} start points")
    copies = [(design.netlist(b, temperature), design.devices(), start) for b, start in zip(biases, starts)]
    return _deck(_PBIT_TITLE, copies, card, temperature=temperature, noise_step=noise_step, duration=duration,
                 seed=seed, sample_step=sample_step, max_step=max_step, suffixes=[f"_{k}" for k in range(len(biases))],
                 options=options)


def categorical_netlist_text(design, card, *, v_controls, temperature: float, noise_step: float, duration: float,
                             seed: int, start=None, sample_step: float, max_step: float) -> str:
    """The noisy ngspice deck of a categorical cell, generated from ``design.devices()``.

    Parameters
    ----------
    design : CategoricalDesign
        Sizes, voltages and the device list [-].
    card : Card
        Model cards (capacitance-free: each node carries the design's capacitor) [-].
    v_controls : sequence of float
        Gate voltage of each pull-up MP_k [V].
    start : sequence of float, optional
        Initial node voltages; default node 0 at V_dd, the others at 0 [V].
    temperature, noise_step, duration, seed, sample_step, max_step
        As for :func:`pbit_netlist_text` [K, s, s, -, s, s].

    Returns
    -------
    str
        The deck; ``wrdata`` writes V(out0) … V(out{N-1}) to ``out.dat``.
    """
    netlist = design.netlist([float(v) for v in v_controls], temperature)
    if start is None:
        start = [design.supply_voltage if k == 0 else 0.0 for k in range(len(netlist.state_names))]
    title = (f"* noisecircuits categorical cell ({len(netlist.state_names)} states), generated from "
             "CategoricalDesign.devices(): node",
             "* out_k pulled up by pmos MPk (gate v_k) and down by one nmos MNkj per other node j (gate",
             "* out_j); the state is the index of the highest node.")
    return _deck(title, [(netlist, design.devices(), start)], card, temperature=temperature, noise_step=noise_step,
                 duration=duration, seed=seed, sample_step=sample_step, max_step=max_step)


def continuous_netlist_text(design, card, *, v_bias: float, v_modes, temperature: float, noise_step: float,
                            duration: float, seed: int, start, sample_step: float, max_step: float) -> str:
    """The noisy ngspice deck of a continuous (Gaussian-mixture) cell, generated from ``design.devices()``.

    Parameters
    ----------
    design : ContinuousDesign
        Sizes, voltages and the device list [-].
    card : Card
        Model cards (capacitance-free: each node carries the design's capacitor) [-].
    v_bias : float
        Gate voltage of the latch's MNbias [V].
    v_modes : (float, float)
        Sources of MA (selected in state 1) and MB (state 0) [V].
    start : (float, float, float)
        Initial V(out), V(outb), V(y) [V].
    temperature, noise_step, duration, seed, sample_step, max_step
        As for :func:`pbit_netlist_text` [K, s, s, -, s, s].

    Returns
    -------
    str
        The deck; ``wrdata`` writes V(out), V(outb), V(y) to ``out.dat``.
    """
    netlist = design.netlist(float(v_bias), tuple(float(v) for v in v_modes), temperature)
    title = ("* noisecircuits continuous (Gaussian-mixture) cell, generated from ContinuousDesign.devices():",
             "* the p-bit latch plus node y fed by the pass devices MA (gate out, source v_mode_a) and MB",
             "* (gate outb, source v_mode_b); y sits near v_mode_a in state 1, near v_mode_b in state 0.")
    return _deck(title, [(netlist, design.devices(), start)], card, temperature=temperature, noise_step=noise_step,
                 duration=duration, seed=seed, sample_step=sample_step, max_step=max_step)


_PBIT_TITLE = ("* noisecircuits p-bit, generated from PBitDesign.devices(): two cross-coupled inverters",
               "* tilted by MNbias against MNref; state 1 <=> v(out) > v(outb).")


def _deck(title, copies, card, *, temperature, noise_step, duration, seed, sample_step, max_step,
          suffixes=("",), options=None) -> str:
    """The deck of ``copies`` = [(Netlist, devices, start), ...]: one voltage source per fixed node,
    each device through :func:`~noisecircuits.spice.render.mos_lines` with its shot noise, the node
    capacitors, the Itô correction of each state node, the initial state and the transient; several
    copies get their nodes, devices and sources suffixed ``suffixes[k]`` (ground shared)."""
    from noisecircuits.errors import ParameterError
    from noisecircuits.spice.units import round_significant

    options = DeckOptions() if options is None else options

    if round_significant(noise_step, 6) != float(noise_step):
        raise ParameterError(f"noise_step must have at most 6 significant digits, got {noise_step!r}")
    noise = {"noise_step": noise_step, "shot_scale": ELEMENTARY_CHARGE / noise_step,
             "inverse_two_ut": 1.0 / (2.0 * thermal_voltage(temperature))}
    f = format_value
    lines = list(title)
    if options.threshold_shift:
        lines.append(f"* latch devices {', '.join(LATCH_DEVICES)}: threshold magnitude lowered by "
                     f"{f(options.threshold_shift)}V (delvto).")
    if options.full_capacitance:
        lines.append(f"* device capacitances from the card; explicit node capacitor {f(options.explicit_capacitance)}F, "
                     f"total node capacitance {f(float(copies[0][0].capacitances[0]))}F (Ito correction).")
    if len(copies) > 1:
        lines.append(f"* {len(copies)} independent copies; copy k has nodes and devices suffixed _k.")
    lines += [_include_line(card), f".options temp={f(celsius(temperature))} seed={int(seed)} interp"]
    body, ics, saved = [], [], []
    for (netlist, design_devices, start), suffix in zip(copies, suffixes):
        names = list(netlist.state_names)
        # every copy has its own sources: a supply shared by K copies carries the sum of K noisy
        # currents, whose convergence test (relative to a small sum of large terms) stalled ngspice
        own = set(names) | {n for n in netlist.fixed_names if n != "0"}

        def node(n, own=own, suffix=suffix):
            return n + suffix if n in own else n

        body += [f"V{node(n)} {node(n)} 0 {f(v)}" for n, v in zip(netlist.fixed_names, netlist.fixed_voltages)
                 if n != "0"]
        devices = []
        for dev in design_devices:
            p = dev.params
            d, g, s, b = (node(t) for t in (dev.drain, dev.gate, dev.source, dev.bulk))
            body += mos_lines(card, p.polarity, dev.name + suffix, d, g, s, b, p.width, p.length, noise=True,
                              noise_values=noise, threshold_shift=options.shift_of(dev.name))
            devices.append((p.polarity, dev.name + suffix, d, g, s))
        capacitances = {}
        for name, c in zip(names, netlist.capacitances):
            explicit = float(c) if options.explicit_capacitance is None else options.explicit_capacitance
            if explicit > 0.0:
                body.append(f"C{node(name)} {node(name)} 0 {f(explicit)}")
            # the Itô correction needs the node's total capacitance
            capacitances.setdefault(float(c), []).append(node(name))
        for c, nodes in capacitances.items():
            body += ito_correction_lines(devices, nodes, c, noise, [node(n) for n in names])
        ics += [f"v({node(n)})={f(float(v))}" for n, v in zip(names, start)]
        saved.append([node(n) for n in names])
    lines += body
    if len(copies) == 1:
        out = " ".join(f"v({n})" for n in saved[0])
        control = [f"wrdata out.dat {out}"]
    else:
        out = " ".join(f"v({a})-v({b})" for a, b in saved)
        control = ["set wr_singlescale", f"wrdata out.dat {out}"]
    lines += [
        ".ic " + " ".join(ics),
        ".save " + " ".join(f"v({n})" for group in saved for n in group),
        ".control",
        f"tran {f(sample_step)} {f(duration)} 0 {f(max_step)} uic",
        *control,
        "quit 0",
        ".endc",
        ".end",
    ]
    return "\n".join(lines) + "\n"
