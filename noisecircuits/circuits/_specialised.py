"""Node-equation kernels specialised to one netlist topology, generated as source and cached.

The generic kernels of :mod:`noisecircuits.circuits._subthreshold` interpret the packed
parameter array at every call: they read each device's terminal indices, branch on whether
a terminal is a state or a fixed node and loop over devices. For a fixed topology all of
that is known in advance. :func:`specialised_terms` writes the drift, the diffusion and its
derivative of one topology as straight-line Python (one block per device, node indices and
polarities as literals, voltages and device constants read from the packed array at literal
offsets, currents that depend on fixed nodes only stored after it), loads it as a module through
:func:`noisecircuits.sde.ensemble.generated_module` and returns its numba functions, which
carry ``cache=True`` and so compile once per machine, not once per process.

The generated code performs the same floating-point operations in the same order as the
generic kernels (multiplying by a polarity of ±1 is exact), so its results are bitwise
identical to theirs: a simulation gives the same trace with either. Devices with no
terminal on a state node are left out (they add nothing to either term).

The module also defines ``drift_diffusion(x, params, a, g)``, both terms from one evaluation
of the device currents, which the ensemble kernel's Euler-Maruyama step calls instead of the
two (half the exp/log1p calls), and ``constant_currents(params, out)``, which fills the
entries appended to the parameter array. Reference for the device equations:
:mod:`noisecircuits.circuits._subthreshold` (EKV, Enz, Krummenacher and Vittoz 1995).
"""

from __future__ import annotations

import functools
import inspect
from typing import NamedTuple

import numpy as np

from noisecircuits.circuits import _subthreshold
from noisecircuits.circuits._subthreshold import _DEVICE_SLOTS, _HEADER

__all__ = ["CircuitTerms", "specialised_terms", "topology"]


def topology(netlist) -> tuple:
    """Structure of ``netlist`` that the generated code depends on (no voltages or sizes).

    Parameters
    ----------
    netlist : Netlist
        The node equations [-].

    Returns
    -------
    tuple
        ``(n_state, n_fixed, ((sign, gate, drain, source, bulk), ...))`` with node indices as
        in the packed parameter array.
    """
    params = netlist.params
    n_state, n_fixed, n_dev = (int(params[k]) for k in range(3))
    dev0 = _HEADER + n_state + n_fixed
    rows = []
    for d in range(n_dev):
        base = dev0 + _DEVICE_SLOTS * d
        rows.append((float(params[base]), *(int(params[base + k]) for k in (4, 5, 6, 7))))
    return n_state, n_fixed, tuple(rows)


def _voltage(node: int, n_state: int) -> str:
    return f"v{node}" if node < n_state else f"f{node - n_state}"


def _signed(sign: float, expression: str) -> str:
    """``sign * (expression)`` written without the (exact) multiplication."""
    return f"({expression})" if sign > 0 else f"(-({expression}))"


def _constant_currents(topo) -> list[tuple[int, str]]:
    """``(device, "f" or "r")`` of every current that depends on fixed nodes only, in slot order.

    The forward current of a device whose gate, source and bulk are fixed (the reverse one,
    gate, drain and bulk) does not change during a simulation: :func:`specialised_params`
    stores it after the packed netlist array, and the generated terms read it from there.
    """
    n_state, _, rows = topo
    constant = []
    for d, (_, gate, drain, source, bulk) in enumerate(rows):
        if drain < n_state or source < n_state:
            for name, terminal in (("f", source), ("r", drain)):
                if min(gate, terminal, bulk) >= n_state:
                    constant.append((d, name))
    return constant


def _packed_length(topo) -> int:
    n_state, n_fixed, rows = topo
    return _HEADER + n_state + n_fixed + _DEVICE_SLOTS * len(rows)


def _device_block(d: int, topo, stored: dict, which=("f", "r")) -> list[str]:
    """Statements computing the currents ``which`` of device ``d`` as ``ekv_forward_reverse`` does.

    A current in ``stored`` (``(d, name) -> slot``) is read from ``params[slot]`` instead.
    """
    n_state, n_fixed, rows = topo
    sign, gate, drain, source, bulk = rows[d]
    base = _HEADER + n_state + n_fixed + _DEVICE_SLOTS * d
    vg, vd, vs, vb = (_voltage(k, n_state) for k in (gate, drain, source, bulk))
    lines = [f"    vp = ({_signed(sign, f'{vg} - {vb}')} - params[{base + 1}]) / params[{base + 2}]"]
    for name, terminal in (("f", vs), ("r", vd)):
        if name not in which:
            continue
        if (d, name) in stored:
            lines.append(f"    i_{name}{d} = params[{stored[d, name]}]")
        else:
            lines += [
                f"    l{name} = _softplus((vp - {_signed(sign, f'{terminal} - {vb}')}) / two_ut)",
                f"    i_{name}{d} = params[{base + 3}] * l{name} * l{name}",
            ]
    return lines


def _loads(topo, state: bool) -> list[str]:
    """Loads of the node voltages (state ones only if ``state``) and of 2 U_T."""
    n_state, n_fixed, rows = topo
    used = {k for row in rows for k in row[1:]}
    lines = [f"    v{i} = x[{i}]" for i in range(n_state)] if state else []
    lines += [f"    f{j} = params[{_HEADER + n_state + j}]" for j in range(n_fixed) if n_state + j in used]
    return lines + ["    two_ut = 2.0 * params[3]"]


def _currents(topo) -> list[str]:
    """Loads of the node voltages and the device currents of every device touching a state node."""
    n_state, _, rows = topo
    stored = {key: _packed_length(topo) + k for k, key in enumerate(_constant_currents(topo))}
    lines = _loads(topo, state=True)
    for d, row in enumerate(rows):
        if row[2] < n_state or row[3] < n_state:
            lines += _device_block(d, topo, stored)
    return lines


def _constants_function(topo) -> list[str]:
    """``constant_currents(params, out)``: the currents of :func:`_constant_currents`, in order."""
    lines = ["@njit(cache=True)", "def constant_currents(params, out):",
             '    """Currents that depend on fixed nodes only, in slot order [A]."""']
    lines += _loads(topo, state=False)
    for k, (d, name) in enumerate(_constant_currents(topo)):
        lines += _device_block(d, topo, {}, which=(name,))
        lines.append(f"    out[{k}] = i_{name}{d}")
    return lines


def _accumulations(topo, noise: bool) -> list[str]:
    """``acc{i}`` of every state node, updated device by device in netlist order."""
    n_state, _, rows = topo
    lines = [f"    acc{i} = 0.0" for i in range(n_state)]
    for d, (sign, _, drain, source, _) in enumerate(rows):
        if noise:
            term = f"params[4] * (i_f{d} + i_r{d})"
            updates = [(drain, "+="), (source, "+=")]
        else:
            term = _signed(sign, f"i_f{d} - i_r{d}")
            updates = [(drain, "-="), (source, "+=")]
        for node, op in updates:
            if node < n_state:
                lines.append(f"    acc{node} {op} {term}")
    return lines


def _source(topo) -> str:
    n_state = topo[0]
    caps = [f"params[{_HEADER + i}]" for i in range(n_state)]
    drift = ["@njit(cache=True, inline='always')", "def drift(x, params, out):",
             '    """Itô drift dV_i/dt = I_i(V)/C_i of every state node [V/s]."""']
    drift += _currents(topo) + _accumulations(topo, noise=False)
    drift += [f"    out[{i}] = acc{i} / {caps[i]}" for i in range(n_state)]
    diffusion = ["@njit(cache=True, inline='always')", "def diffusion(x, params, out):",
                 '    """Noise amplitude g_i = sqrt(q Σ(I_f + I_r))/C_i of every state node [V/√s]."""']
    diffusion += _currents(topo) + _accumulations(topo, noise=True)
    diffusion += [f"    out[{i}] = math.sqrt(acc{i}) / {caps[i]}" for i in range(n_state)]
    fused = ["@njit(cache=True, inline='always')", "def drift_diffusion(x, params, a, g):",
             '    """drift (into ``a``) and diffusion (into ``g``) from one evaluation of the currents."""']
    fused += _currents(topo) + _accumulations(topo, noise=False)
    fused += [f"    a[{i}] = acc{i} / {caps[i]}" for i in range(n_state)]
    fused += _accumulations(topo, noise=True)
    fused += [f"    g[{i}] = math.sqrt(acc{i}) / {caps[i]}" for i in range(n_state)]
    derivative = [
        "@njit(cache=True, inline='always')",
        "def diffusion_derivative(x, params, out):",
        '    """∂g_i/∂V_i by a central difference of step 1e-6 V [1/√s] (for Milstein)."""',
        "    h = 1e-6",
        "    xp = x.copy()",
        f"    gp = np.empty({n_state})",
        f"    gm = np.empty({n_state})",
        f"    for i in range({n_state}):",
        "        xp[i] = x[i] + h",
        "        diffusion(xp, params, gp)",
        "        xp[i] = x[i] - h",
        "        diffusion(xp, params, gm)",
        "        xp[i] = x[i]",
        "        out[i] = (gp[i] - gm[i]) / (2.0 * h)",
    ]
    header = [
        f'"""Generated by noisecircuits.circuits._specialised for the topology {topo!r}."""',
        "import math",
        "import numpy as np",
        "from numba import njit",
        "from noisecircuits.circuits._subthreshold import _softplus",
        # the generator and the generic kernels it mirrors: editing either renames this module
        f"# generator {hash_of_sources()}",
    ]
    parts = [header, drift, diffusion, fused, derivative, _constants_function(topo)]
    return "\n\n".join("\n".join(part) for part in parts) + "\n"


@functools.lru_cache(maxsize=1)
def hash_of_sources() -> str:
    """SHA-256 (16 hex digits) of this generator's and the generic kernels' source [-]."""
    import hashlib
    import sys

    text = inspect.getsource(sys.modules[__name__]) + inspect.getsource(_subthreshold)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=64)
def _module_for(topo):
    from noisecircuits.sde.kernel_cache import generated_module

    return generated_module("circuit", _source(topo))


class CircuitTerms(NamedTuple):
    """Specialised node equations of one netlist, ready for :class:`~noisecircuits.sde.terms.SDETerms`."""

    drift: object
    diffusion: object
    diffusion_derivative: object
    params: np.ndarray


def specialised_terms(netlist) -> CircuitTerms:
    """Drift, diffusion, diffusion derivative and parameter array specialised to ``netlist``.

    The functions have the SDE-layer signature ``(x, params, out)`` and are shared by every
    netlist of the same :func:`topology`; they take the returned ``params``: ``netlist.params``
    followed by the device currents that depend on fixed nodes only (computed once here by
    the same code). Given those, they return bitwise the same values as
    :func:`~noisecircuits.circuits._subthreshold.circuit_drift`,
    :func:`~noisecircuits.circuits._subthreshold.circuit_diffusion` and
    :func:`~noisecircuits.circuits._subthreshold.circuit_diffusion_derivative` on
    ``netlist.params`` (which ignore the appended entries).

    Parameters
    ----------
    netlist : Netlist
        The node equations [-].

    Returns
    -------
    CircuitTerms
        ``(drift, diffusion, diffusion_derivative, params)``.
    """
    topo = topology(netlist)
    module = _module_for(topo)
    constants = np.empty(len(_constant_currents(topo)))
    module.constant_currents(netlist.params, constants)
    params = np.concatenate([netlist.params, constants])
    return CircuitTerms(module.drift, module.diffusion, module.diffusion_derivative, params)
