r"""Verilog-A export of a p-bit cell model.

The module has pins ``(ctl, out)``; its parameters are named after the fitted parameters with the
fitted values as defaults; the real variable ``p_one`` (marked ``(* retrieve *)``) holds
:math:`P(1)` of ``V(ctl)`` and ``$temperature``, and ``V(out) <+ p_one`` (the expected value of
the sampled output, in volts). When the model has a correlation-time law, ``tau_c`` [s] is
retrieved as well.

Verilog-A has no standard normal CDF (OpenVAF has no ``erf``): the probit form uses Marsaglia's
series :math:`\Phi(z) = \tfrac12 + \varphi(z) \sum_{n\ge0} z^{2n+1}/(2n+1)!!` (G. Marsaglia,
J. Stat. Softw. 11(4), 2004), summed to double precision, and exactly 0 or 1 beyond
:math:`|z| > 9` (where :math:`\Phi` differs from 0 or 1 by less than 1.2e-19).
"""

from __future__ import annotations

import math
from pathlib import Path

from noisecircuits._io import atomic_write_text
from noisecircuits.cells._header import check_export_text, number, provenance_lines
from noisecircuits.cells.schema import validate_name
from noisecircuits.citations import use
from noisecircuits.constants import BOLTZMANN
from noisecircuits.errors import DataError

__all__ = ["render_verilog_a", "write_verilog_a"]

_TRANSFER = ("v_mid_ref_V", "dv_mid_dT_V_per_K", "v_width_ref_V", "width_exponent", "t_ref_K")
_TAU = ("tau_peak_ref_s", "tau_activation_energy_J", "tau_shape_exponent")
_POSITIVE = {"v_width_ref_V", "t_ref_K", "tau_peak_ref_s", "tau_t_ref_K"}

_LOGISTIC = """    if (z >= 0.0) begin
      e = exp(-z);
      p_one = 1.0 / (1.0 + e);
    end else begin
      e = exp(z);
      p_one = e / (1.0 + e);
    end"""

_PROBIT = """    if (z > 9.0) begin
      p_one = 1.0;
    end else if (z < -9.0) begin
      p_one = 0.0;
    end else begin
      z2 = z * z;
      term = z;
      series = z;
      k = 1.0;
      while (abs(term) > 1.0e-17 * abs(series)) begin
        k = k + 2.0;
        term = term * z2 / k;
        series = series + term;
      end
      p_one = 0.5 + series * exp(-0.5 * z2 - LOG_SQRT_2PI);
    end"""

_TAU_BLOCK = """    p_clip = min(max(p_one, 1.0e-12), 1.0 - 1.0e-12);
    tau_c = tau_peak_ref_s * exp(tau_activation_energy_J / BOLTZMANN_K * (1.0 / t_k - 1.0 / tau_t_ref_K)
            + tau_shape_exponent * ln(4.0 * p_clip * (1.0 - p_clip)));"""


def render_verilog_a(cell) -> str:
    """Verilog-A source of a p-bit cell model (module named after the cell)."""
    if cell.kind != "pbit":
        raise DataError(f"Verilog-A export supports p-bit cells only, got kind {cell.kind!r}")
    name = validate_name(cell.name)
    if cell.form == "probit":
        use("marsaglia2004")
    params = cell.parameters
    lines = [f"// {line}" for line in provenance_lines(cell)]
    lines += [
        f"// P(1) = F((V(ctl) - v_mid(T)) / v_width(T)), F = {cell.form}; V(out) = P(1) [V]",
        "`include \"constants.vams\"",
        "`include \"disciplines.vams\"",
        "",
        f"module {name}(ctl, out);",
        "  inout ctl, out;",
        "  electrical ctl, out;",
    ]
    declared = [(key, params[key]) for key in _TRANSFER]
    tau = cell.correlation_time_law
    if tau is not None:
        declared += [(key, tau[key]) for key in _TAU] + [("tau_t_ref_K", tau["t_ref_K"])]
    for key, value in declared:
        bound = " from (0:inf)" if key in _POSITIVE else ""
        lines.append(f"  parameter real {key} = {number(key, value)}{bound};")
    lines += [
        "  (* retrieve *) real p_one;",
        *(["  (* retrieve *) real tau_c;", "  real p_clip;"] if tau is not None else []),
        "  real t_k, v_mid, v_width, z, e, z2, term, series, k;",
        "",
        "  analog begin",
        "    t_k = $temperature;",
        "    v_mid = v_mid_ref_V + dv_mid_dT_V_per_K * (t_k - t_ref_K);",
        "    v_width = v_width_ref_V * pow(t_k / t_ref_K, width_exponent);",
        "    z = (V(ctl) - v_mid) / v_width;",
        _LOGISTIC if cell.form == "logistic" else _PROBIT.replace("LOG_SQRT_2PI", repr(0.5 * math.log(2.0 * math.pi))),
        *([_TAU_BLOCK.replace("BOLTZMANN_K", repr(BOLTZMANN))] if tau is not None else []),
        "    V(out) <+ p_one;",
        "  end",
        "endmodule",
        "",
    ]
    return check_export_text("\n".join(lines), "Verilog-A")


def write_verilog_a(cell, path) -> Path:
    """Write the Verilog-A module of ``cell`` to ``path`` atomically; returns the path."""
    return atomic_write_text(path, render_verilog_a(cell))
