r"""Sampling Verilog-A export of a p-bit cell: ``V(out)`` is a 0/1 V telegraph signal.

The module computes :math:`P(1)` and :math:`\tau_c` of ``V(ctl)`` and ``$temperature`` exactly as
the expected-value export (:mod:`noisecircuits.cells.verilog_a`) does, then draws the state from a
pseudo-random sequence that is a pure function of the time bin :math:`k = \lfloor t/\Delta t +
1/2\rfloor` (``$abstime``, parameter ``sample_interval_s`` :math:`=\Delta t`), so it needs none of
``$random``, ``$rdist_*``, ``@(timer)`` or ``transition()`` and gives the same output however often
the simulator evaluates the model within a time step.

The state follows a *refresh chain*: in every bin, with probability
:math:`\lambda = 1 - e^{-\Delta t/\tau_c}`, the state is redrawn from Bernoulli(:math:`P(1)`),
otherwise it keeps the previous bin's value. The chain is stationary at :math:`P(1)` and its
autocorrelation at lag :math:`m` bins is :math:`(1-\lambda)^m = e^{-m\Delta t/\tau_c}`, the
read-out law of the cell (lag-1 correlation :math:`\rho = e^{-\Delta t/\tau_c}`). Its state at bin
:math:`k` is the draw at the last refresh :math:`j \le k`, found by walking back from :math:`k`
(on average :math:`1/\lambda` steps; bin 0 always refreshes). Mean dwell times are
:math:`\Delta t/(\lambda P_0)` and :math:`\Delta t/(\lambda P_1)`, so the dwell-based
:math:`T_lT_h/(T_l+T_h) = \Delta t/\lambda \approx \tau_c + \Delta t/2`; choose
:math:`\Delta t \ll \tau_c`.

The uniform variate of bin :math:`j` is Wichmann and Hill's combination of three multiplicative
congruential generators (B. A. Wichmann, I. D. Hill, Appl. Stat. 31(2), 188, 1982), evaluated
directly at index :math:`j` by modular exponentiation and stepped back with the multipliers'
modular inverses; every product stays below :math:`2^{30}`, exact in double precision. One
variate serves both decisions: refresh when :math:`u < \lambda`, and then the state is
:math:`u < \lambda P(1)` (given :math:`u<\lambda`, :math:`u/\lambda` is uniform). Instances with
different ``seed`` (an integer 1..30000; a fraction is dropped) start the generators at different points.

A control voltage or temperature that changes with time changes :math:`P(1)` and :math:`\lambda`
of every bin at once (the walk back uses the present values): the output follows the cell's law
for inputs that change slowly compared with :math:`\tau_c`.
"""

from __future__ import annotations

import math
from pathlib import Path

from noisecircuits._io import atomic_write_text
from noisecircuits.cells._header import check_export_text, number, provenance_lines
from noisecircuits.cells.schema import validate_name
from noisecircuits.cells.verilog_a import _LOGISTIC, _POSITIVE, _PROBIT, _TAU, _TAU_BLOCK, _TRANSFER
from noisecircuits.citations import use
from noisecircuits.constants import BOLTZMANN
from noisecircuits.errors import DataError, ParameterError

__all__ = ["render_verilog_a_sampler", "write_verilog_a_sampler", "GENERATORS"]

#: (multiplier, modulus) of the three Wichmann-Hill generators.
GENERATORS = ((171, 30269), (172, 30307), (170, 30323))

#: Default bins per correlation time at the cell's peak (P(1) = 1/2 at the reference temperature).
BINS_PER_TAU = 20


def _mod(name: str, modulus: int) -> str:
    """Verilog-A statement reducing ``name`` (a non-negative integer-valued real) modulo ``modulus``."""
    return f"{name} = {name} - {modulus}.0 * floor({name} / {modulus}.0);"


def _generator_block(index: int, multiplier: int, modulus: int, seed_expression: str) -> list[str]:
    g, b, e = f"g{index}", f"b{index}", f"e{index}"
    return [
        f"    // generator {index}: {g} = seed * {multiplier}^k mod {modulus} (exponent reduced mod {modulus - 1})",
        f"    {g} = {seed_expression};",
        f"    {b} = {multiplier}.0;",
        f"    {e} = kbin;",
        f"    {_mod(e, modulus - 1)}",
        f"    while ({e} > 0.5) begin",
        f"      h = floor({e} / 2.0);",
        f"      if ({e} - 2.0 * h > 0.5) begin",
        f"        {g} = {g} * {b};",
        f"        {_mod(g, modulus)}",
        "      end",
        f"      {b} = {b} * {b};",
        f"      {_mod(b, modulus)}",
        f"      {e} = h;",
        "    end",
    ]


def _seed_expressions() -> list[str]:
    (_, m1), (_, m2), (_, m3) = GENERATORS
    return [
        "floor(seed)",  # 1..30000 < m1
        f"{m2}.0 - floor(seed)",  # 307..30306
        f"1.0 + 13.0 * floor(seed) - {m3 - 1}.0 * floor(13.0 * floor(seed) / {m3 - 1}.0)",  # 1..m3-1
    ]


def render_verilog_a_sampler(cell, sample_interval=None) -> str:
    """Verilog-A source of a sampling p-bit cell (module named after the cell).

    Parameters
    ----------
    cell : PBitCellModel
        A p-bit cell with a correlation-time law [-].
    sample_interval : float, optional
        Default of the ``sample_interval_s`` parameter, the time bin :math:`\\Delta t`; defaults to
        the peak correlation time over :data:`BINS_PER_TAU` [s].

    Returns
    -------
    str
    """
    use("wichmann1982")
    if cell.kind != "pbit":
        raise DataError(f"Verilog-A sampler export supports p-bit cells only, got kind {cell.kind!r}")
    tau = cell.correlation_time_law
    if tau is None:
        raise DataError("the Verilog-A sampler needs a cell with a correlation-time law (correlation_time)")
    name = validate_name(cell.name)
    if sample_interval is None:
        sample_interval = tau["tau_peak_ref_s"] / BINS_PER_TAU
    if isinstance(sample_interval, bool) or not isinstance(sample_interval, (int, float)) or not (
        math.isfinite(sample_interval) and sample_interval > 0
    ):
        raise ParameterError(f"sample interval must be a positive number of seconds, got {sample_interval!r}")
    if cell.form == "probit":
        use("marsaglia2004")
    params = cell.parameters
    lines = [f"// {line}" for line in provenance_lines(cell)]
    lines += [
        f"// Sampling cell: V(out) in {{0, 1}} V with P(V(out) = 1 V) = F((V(ctl) - v_mid(T)) / v_width(T)),",
        f"// F = {cell.form}, and lag-m correlation exp(-m sample_interval_s / tau_c(V(ctl), T)).",
        "`include \"constants.vams\"",
        "`include \"disciplines.vams\"",
        "",
        f"module {name}(ctl, out);",
        "  inout ctl, out;",
        "  electrical ctl, out;",
    ]
    declared = [(key, params[key]) for key in _TRANSFER]
    declared += [(key, tau[key]) for key in _TAU] + [("tau_t_ref_K", tau["t_ref_K"])]
    for key, value in declared:
        bound = " from (0:inf)" if key in _POSITIVE else ""
        lines.append(f"  parameter real {key} = {number(key, value)}{bound};")
    lines += [
        f"  parameter real sample_interval_s = {number('sample_interval_s', float(sample_interval))} from (0:inf);",
        "  parameter real seed = 1.0 from [1.0:30000.0];",
        "  real p_one, tau_c, p_clip;",
        "  real t_k, v_mid, v_width, z, e, z2, term, series, k;",
        "  real lambda, kbin, j, h, u, state, found, g1, g2, g3, b1, b2, b3, e1, e2, e3;",
        "",
        "  analog begin",
        "    t_k = $temperature;",
        "    v_mid = v_mid_ref_V + dv_mid_dT_V_per_K * (t_k - t_ref_K);",
        "    v_width = v_width_ref_V * pow(t_k / t_ref_K, width_exponent);",
        "    z = (V(ctl) - v_mid) / v_width;",
        _LOGISTIC if cell.form == "logistic" else _PROBIT.replace("LOG_SQRT_2PI", repr(0.5 * math.log(2.0 * math.pi))),
        _TAU_BLOCK.replace("BOLTZMANN_K", repr(BOLTZMANN)),
        "    lambda = 1.0 - exp(-sample_interval_s / tau_c);",
        "    kbin = floor($abstime / sample_interval_s + 0.5);",
        "    if (kbin < 0.0) begin",
        "      kbin = 0.0;",
        "    end",
    ]
    for index, ((multiplier, modulus), seed) in enumerate(zip(GENERATORS, _seed_expressions()), start=1):
        lines += _generator_block(index, multiplier, modulus, seed)
    inverse = [pow(a, -1, m) for a, m in GENERATORS]
    (_, m1), (_, m2), (_, m3) = GENERATORS
    lines += [
        "    // walk back to the last refresh (bin 0 always refreshes)",
        "    j = kbin;",
        "    found = 0.0;",
        "    state = 0.0;",
        "    while (found < 0.5) begin",
        f"      u = g1 / {m1}.0 + g2 / {m2}.0 + g3 / {m3}.0;",
        "      u = u - floor(u);",
        "      if (u < lambda) begin",
        "        found = 1.0;",
        "        state = (u < lambda * p_one) ? 1.0 : 0.0;",
        "      end else if (j < 0.5) begin",
        "        found = 1.0;",
        "        state = (u < p_one) ? 1.0 : 0.0;",
        "      end else begin",
        *(
            line
            for i, (inv, (_, m)) in enumerate(zip(inverse, GENERATORS), start=1)
            for line in (f"        g{i} = g{i} * {inv}.0;", f"        {_mod(f'g{i}', m)}")
        ),
        "        j = j - 1.0;",
        "      end",
        "    end",
        "    V(out) <+ state;",
        "  end",
        "endmodule",
        "",
    ]
    return check_export_text("\n".join(lines), "Verilog-A")


def write_verilog_a_sampler(cell, path, sample_interval=None) -> Path:
    """Write the sampling Verilog-A module of ``cell`` to ``path`` atomically; returns the path.

    Parameters
    ----------
    cell : PBitCellModel
        A p-bit cell with a correlation-time law [-].
    path : str or path
        Output file [-].
    sample_interval : float, optional
        Default time bin (see :func:`render_verilog_a_sampler`) [s].
    """
    return atomic_write_text(path, render_verilog_a_sampler(cell, sample_interval))
