"""Netlist templates of the benches, their rendering, and the transistor and Itô-correction lines.

The sampler designs' decks (p-bit, categorical, continuous) are generated from their device lists
(:mod:`noisecircuits.spice.generate`, with :func:`mos_lines` and :func:`ito_correction_lines`).
The benches (kT/C, I-V sweeps, the one-node bistable bench) are templates in
``spice_models/<name>.cir.tmpl``: plain SPICE with two additions:

* ``${name}`` — a numeric parameter, filled from the values given to :func:`render_netlist`
  and written by :func:`noisecircuits.spice.units.format_value` (so SPICE suffixes exist
  only in this package);
* directive lines, expanded by the renderer from the chosen model card:
  ``@card`` (the card's ``.include``) and
  ``@mos POLARITY NAME DRAIN GATE SOURCE BULK WIDTH_PARAM LENGTH_PARAM``
  (one noiseless transistor with its ammeter, see :func:`mos_lines`).

Rendering accepts only the parameter names the template uses, each with a finite real
value (not a bool or a string); anything else raises
:class:`~noisecircuits.errors.ParameterError` before a file is written.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping
from numbers import Real
from pathlib import Path

from noisecircuits.errors import ParameterError
from noisecircuits.spice.cards import Card, spice_models_dir
from noisecircuits.spice.units import format_value, round_significant

__all__ = ["TEMPLATE_NAMES", "template_path", "template_parameters", "render_netlist", "mos_lines",
           "ito_correction_lines"]

#: Bench templates shipped in spice_models/.
TEMPLATE_NAMES = ("ktc", "iv_nmos", "iv_pmos", "bistable")

#: Smoothing of the noise amplitude so that its derivatives stay finite for Newton:
#: |I| -> sqrt(I^2 + I_floor^2) with I_floor = 1 fA, and |V_DS|/2U_T -> sqrt(x^2 + x_floor^2)
#: with x_floor = 1e-3 (|V_DS| < 52 uV at 300 K), both far below the circuits' operating values.
_CURRENT_FLOOR_SQUARED = "1e-30"
_X_FLOOR_SQUARED = "1e-6"
#: significant digits allowed in a trrandom step (see units.round_significant)
_NOISE_STEP_DIGITS = 6
_NODE = re.compile(r"^[A-Za-z0-9_]+$")
_POLARITIES = ("nmos", "pmos")


def template_path(name: str) -> Path:
    """Path of template ``name`` (one of :data:`TEMPLATE_NAMES`)."""
    if name not in TEMPLATE_NAMES:
        raise ParameterError(f"template must be one of {', '.join(TEMPLATE_NAMES)}, got {name!r}")
    return spice_models_dir() / f"{name}.cir.tmpl"


def _split(text: str):
    """Yield (is_directive, fields or line) for each template line."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("@"):
            yield True, stripped[1:].split()
        else:
            yield False, line


def template_parameters(name: str) -> tuple[str, ...]:
    """Sorted names of the numeric parameters template ``name`` needs.

    Parameters
    ----------
    name : str
        Template name [-].
    """
    text = template_path(name).read_text(encoding="utf-8")
    names: set[str] = set()
    for is_directive, item in _split(text):
        if is_directive:
            if item[0] == "mos":
                names.update(item[7:9])
        else:
            names.update(string.Template(item).get_identifiers())
    return tuple(sorted(names))


def _check_values(values: Mapping, allowed: tuple[str, ...], template: str) -> dict[str, object]:
    checked = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise ParameterError(f"netlist parameter names must be identifiers, got {key!r}")
        if key not in allowed:
            raise ParameterError(f"unknown parameter {key!r} for template {template!r}; allowed: {', '.join(allowed)}")
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
            raise ParameterError(f"netlist parameter {key} must be a finite real number, got {value!r}")
        checked[key] = value
    missing = [k for k in allowed if k not in checked]
    if missing:
        raise ParameterError(f"template {template!r} needs parameter(s) {', '.join(missing)}")
    return checked


def _include_line(card: Card) -> str:
    path = str(card.library)
    if any(c in path for c in '"\n\r'):
        raise ParameterError(f"model-card path must not contain quotes or newlines, got {path!r}")
    return f'.include "{path}"'


def mos_lines(card: Card, polarity: str, name: str, drain: str, gate: str, source: str, bulk: str,
              width: float, length: float, *, noise: bool, noise_values: Mapping | None = None,
              threshold_shift: float = 0.0) -> list[str]:
    r"""SPICE lines for one transistor, with an ammeter in series and, optionally, its shot noise.

    The drain current is read through the zero-volt source ``V<name>_i``. With ``noise``, a
    unit Gaussian ``trrandom`` stream (one value per noise step NT, held) drives a behavioural
    current source between drain and source:

    .. math:: i_n = \sqrt{\frac{q}{N_T} |I_D| \coth\frac{|V_{DS}|}{2 U_T}}\; w(t),
              \quad w \sim N(0, 1) \text{ per } N_T,

    whose one-sided PSD below 1/NT is :math:`2 q |I_D| \coth(V_{DS}/2U_T) = 2q(I_f + I_r)`
    (weak-inversion shot noise, Sarpeshkar et al. 1993).

    Parameters
    ----------
    card : Card
        Model cards [-].
    polarity : str
        "nmos" or "pmos" [-].
    name : str
        Instance name (letters, digits, underscore) [-].
    drain, gate, source, bulk : str
        Node names [-].
    width, length : float
        Drawn geometry [m].
    noise : bool
        Add the shot-noise source [-].
    noise_values : mapping, optional
        ``noise_step`` [s], ``shot_scale`` = q/NT [C/s], ``inverse_two_ut`` = 1/(2 U_T) [1/V],
        already validated; required with ``noise`` [-].
    threshold_shift : float
        Lowering of the device's threshold magnitude, written as the BSIM4 instance parameter
        ``delvto`` (which adds to the card's signed ``vth0``: measured in ngspice 39, a
        positive ``delvto`` lowers an nmos current and raises a pmos current), so
        ``delvto = -shift`` (nmos) or ``+shift`` (pmos); 0 writes no ``delvto`` [V].
    """
    for label, node in (("name", name), ("drain", drain), ("gate", gate), ("source", source), ("bulk", bulk)):
        if not _NODE.match(node):
            raise ParameterError(f"transistor {label} must be letters, digits or '_', got {node!r}")
    model = card.model(polarity)
    w = format_value(float(width) / card.geometry_scale)
    l_ = format_value(float(length) / card.geometry_scale)
    internal = f"{name}_d"
    prefix = "X" if card.subcircuit else "M"
    shift = float(threshold_shift)
    if not math.isfinite(shift):
        raise ParameterError(f"threshold_shift of {name} must be finite, got {threshold_shift!r}")
    delvto = f" delvto={format_value(-shift if polarity == 'nmos' else shift)}" if shift != 0.0 else ""
    lines = [
        f"V{name}_i {drain} {internal} 0",
        f"{prefix}{name} {internal} {gate} {source} {bulk} {model} w={w} l={l_}{delvto}",
    ]
    if noise:
        if noise_values is None:
            raise ParameterError("noise_values are required when noise=True")
        step = format_value(noise_values["noise_step"])
        scale = format_value(noise_values["shot_scale"])
        inv = format_value(noise_values["inverse_two_ut"])
        lines += [
            f"V{name}_w {name}_w 0 dc 0 trrandom(2 {step} 0 1 0)",
            f"B{name}_n {drain} {source} I=sqrt({scale}*sqrt(i(V{name}_i)^2+{_CURRENT_FLOOR_SQUARED})"
            f"/tanh(sqrt((v({drain},{source})*{inv})^2+{_X_FLOOR_SQUARED})))*v({name}_w)",
        ]
    return lines


def ito_correction_lines(devices, nodes, capacitance: float, noise_values: Mapping,
                         state_nodes=()) -> list[str]:
    r"""Behavioural current sources that turn ngspice's Stratonovich integration into Itô.

    ngspice integrates the held noise times a smoothly varying amplitude like an ordinary
    integral, which converges to the Stratonovich solution (Wong–Zakai). Node :math:`i`
    (capacitance :math:`C`) obeys :math:`dV_i = (I_i/C)\,dt + g_i\,dW_i` with
    :math:`g_i^2 = \sum_d q I_{tot,d}/C^2` over the devices whose drain is node :math:`i`
    (each source on a fixed node, so the noise is diagonal). The Itô process has the
    Stratonovich drift minus :math:`\tfrac12 g_i \partial g_i/\partial V_i`, i.e. the current

    .. math:: I_{Itô,i} = -\frac{q}{4C} \sum_d \frac{\partial I_{tot,d}}{\partial V_i}
              = \frac{q}{4 C U_T} \sum_d s_d I_{r,d},
              \qquad I_{r,d} = \tfrac12 (I_{tot,d} - s_d I_{D,d}),

    into the node, with :math:`s_d = +1` (nmos) or :math:`-1` (pmos), :math:`I_{D,d}` the
    drain ammeter current and :math:`I_{tot} = |I_D| \coth(|V_{DS}|/2U_T)` the amplitude of
    :func:`mos_lines`. It uses weak inversion, where only the reverse current
    :math:`I_r \propto e^{-V_D/U_T}` (nmos; :math:`e^{+V_D/U_T}` pmos) depends on the drain
    voltage (DIBL and channel-length modulation neglected: their share of
    :math:`\partial I_{tot}/\partial V_D` is below a per cent in the p-bit's bias range).

    Which devices qualify. Device d has its own Wiener process and its noise enters only its
    drain node i (its source is on a fixed node), so the noise matrix has one entry
    :math:`b_{i,d}` per device and the Itô–Stratonovich difference
    :math:`\tfrac12\sum_{j,d} b_{j,d}\,\partial_j b_{i,d}` keeps only
    :math:`j = i`: the derivative with respect to the drain node. A gate on *another* state
    node (the categorical inhibitors MN_kj, gate out_j; the continuous cell's pass devices,
    gate out/outb) therefore does not enter; a gate on the drain node would (its forward
    current then depends on V_i too) and is refused, as is a source on a state node (the
    noise would enter two state nodes, and the forward current would depend on a state).
    The identity holds for either sign of V_DS: EKV is symmetric, :math:`I_{tot} = I_f + I_r`
    and :math:`I_D = I_f - I_r` with :math:`I_r` the term of the terminal named drain.

    Parameters
    ----------
    devices : sequence of (polarity, name, drain, gate, source)
        The noisy transistors rendered so far [-].
    nodes : sequence of str
        State nodes to correct [-].
    capacitance : float
        Capacitance of each listed node [F].
    noise_values : mapping
        ``inverse_two_ut`` = 1/(2 U_T) [1/V] (as for :func:`mos_lines`) [-].
    state_nodes : sequence of str
        Further state nodes of the circuit (corrected elsewhere) that no device source may
        sit on [-].
    """
    from noisecircuits.constants import ELEMENTARY_CHARGE

    if not (isinstance(capacitance, Real) and float(capacitance) > 0):
        raise ParameterError(f"node capacitance must be positive, got {capacitance!r}")
    inv = noise_values["inverse_two_ut"]
    # q/(4 C U_T) * (s I_tot - I_D)/2 = k (s I_tot - I_D), k = q/(8 C U_T) = q inv/(4C)
    k = format_value(ELEMENTARY_CHARGE * inv / (4.0 * float(capacitance)))
    inv_text = format_value(inv)
    state = set(nodes) | set(state_nodes)
    lines = []
    for node in nodes:
        if not _NODE.match(node):
            raise ParameterError(f"Itô correction node must be letters, digits or '_', got {node!r}")
        terms = []
        for pol, name, drain, gate, source in devices:
            if drain != node:
                continue
            if source in state or gate == drain:
                raise ParameterError(f"the Itô correction needs each noisy device's source on a fixed node and its "
                                     f"gate off its drain; {name} has drain {drain}, gate {gate}, source {source}")
            sign = "" if pol == "nmos" else "-"
            i_tot = (f"sqrt(i(V{name}_i)^2+{_CURRENT_FLOOR_SQUARED})"
                     f"/tanh(sqrt((v({drain},{source})*{inv_text})^2+{_X_FLOOR_SQUARED}))")
            terms.append(f"({sign}{i_tot}-i(V{name}_i))")
        if not terms:
            raise ParameterError(f"Itô correction node {node!r} has no noisy device with its drain there")
        lines.append(f"Bito_{node} 0 {node} I={k}*({'+'.join(terms)})")
    return lines


def render_netlist(name: str, card: Card, values: Mapping) -> str:
    """Render bench template ``name`` with ``card`` and numeric ``values``.

    Parameters
    ----------
    name : str
        One of :data:`TEMPLATE_NAMES` [-].
    card : Card
        Model cards (from :func:`noisecircuits.spice.cards.get_card`) [-].
    values : mapping of str to float
        Exactly the parameters :func:`template_parameters` lists, SI units (geometry in
        metres, temperatures in the units the template names them) [SI].

    Returns
    -------
    str
        The netlist text.
    """
    allowed = template_parameters(name)
    checked = _check_values(values, allowed, name)
    step = checked.get("noise_step")
    if step is not None and round_significant(step, _NOISE_STEP_DIGITS) != float(step):
        raise ParameterError(f"noise_step must have at most {_NOISE_STEP_DIGITS} significant digits "
                             f"(ngspice's trrandom freezes otherwise; use units.round_significant), got {step!r}")
    formatted = {k: format_value(v) for k, v in checked.items()}
    out: list[str] = []
    text = template_path(name).read_text(encoding="utf-8")
    for is_directive, item in _split(text):
        if not is_directive:
            out.append(string.Template(item).substitute(formatted))
        elif item[0] == "card":
            out.append(_include_line(card))
        elif item[0] == "mos" and len(item) == 9 and item[1] in _POLARITIES:
            _, pol, inst, d, g, s, b, wname, lname = item
            out += mos_lines(card, pol, inst, d, g, s, b, checked[wname], checked[lname], noise=False)
        else:
            raise ParameterError(f"template {name!r} has a malformed directive: @{' '.join(item)}")
    return "\n".join(out) + "\n"
