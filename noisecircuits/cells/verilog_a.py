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
_POSITIVE = {"v_width_ref_V", "t_ref_K", "tau_peak_ref_s", "tau_t_ref_K", "rate_bias_scale_V", "spline_bias_scale_V",
             "spline_smoothing"}
_RATE_FIXED = ("rate_bias_center_V", "rate_bias_scale_V", "t_ref_K")

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


def _series(coefficients, prefix: str) -> str:
    """Horner form ``p_0 + u * (p_1 + u * (...))`` in the module parameters ``prefix_0, prefix_1, ...``."""
    n = len(coefficients)
    text = f"{prefix}_{n - 1}"
    for i in range(n - 2, -1, -1):
        text = f"{prefix}_{i} + u * ({text})"
    return f"({text})"


def _rate_declarations(params) -> list:
    from noisecircuits.fitting.rates import FRAME_DEFAULTS, frame_value

    declared = [(key, params[key]) for key in _RATE_FIXED] + [(key, frame_value(params, key)) for key in FRAME_DEFAULTS]
    for rate in ("k01", "k10"):
        for key in (f"{rate}_log_rate", f"{rate}_activation_energy_J"):
            declared += [(f"{key}_{i}", c) for i, c in enumerate(params[key])]
    return declared


def _rate_block(params) -> list:
    rates = []
    for rate, var in (("k01", "la"), ("k10", "lb")):
        rates.append(
            f"    {var} = {_series(params[f'{rate}_log_rate'], f'{rate}_log_rate')}"
            f" - {_series(params[f'{rate}_activation_energy_J'], f'{rate}_activation_energy_J')}"
            " / BOLTZMANN_K * (1.0 / t_k - 1.0 / t_ref_K)".replace("BOLTZMANN_K", repr(BOLTZMANN))
            + f" + {rate}_log_rate_curvature * theta * theta;"
        )
    return [
        "    ell = ln(t_k / t_ref_K);",
        "    theta = t_ref_K / t_k - 1.0;",
        "    u = (V(ctl) - (rate_bias_center_V + rate_bias_center_dT_V_per_K * (t_k - t_ref_K)"
        " + 0.5 * rate_bias_center_d2T_V_per_K2 * (t_k - t_ref_K) * (t_k - t_ref_K)))"
        " / (rate_bias_scale_V * exp(rate_bias_scale_exponent * ell + rate_bias_scale_curvature * ell * ell));",
        *rates,
        "    z = la - lb;",
    ]


_SPLINE_FIXED = ("spline_bias_center_V", "spline_bias_scale_V", "t_ref_K", "spline_shift_dT_V_per_K", "spline_offset",
                 "spline_smoothing")


def _spline_declarations(params) -> list:
    declared = [(key, params[key]) for key in _SPLINE_FIXED]
    declared += [(f"spline_knot_{i}", k) for i, k in enumerate(params["spline_knots"])]
    declared += [(f"spline_slope_{j}", x) for j, x in enumerate(params["spline_slopes"])]
    declared += [(f"spline_slope_exponent_{j}", x) for j, x in enumerate(params["spline_slope_exponents"])]
    return declared


def _sp(x: str) -> str:
    return f"(max({x}, 0.0) + ln(1.0 + exp(-abs({x}))))"


def _spline_block(params) -> list:
    count = len(params["spline_slopes"])
    h = "spline_smoothing"
    lines = ["    u = (V(ctl) - spline_bias_center_V - spline_shift_dT_V_per_K * (t_k - t_ref_K)) / spline_bias_scale_V;",
             "    z = spline_offset;"]
    for j in range(count):
        if count == 1:
            ramp = "u"
        elif j == 0:
            ramp = f"(-{h} * {_sp(f'(spline_knot_1 - u) / {h}')})"
        elif j == count - 1:
            ramp = f"({h} * {_sp(f'(u - spline_knot_{j}) / {h}')})"
        else:
            ramp = f"({h} * ({_sp(f'(u - spline_knot_{j}) / {h}')} - {_sp(f'(u - spline_knot_{j + 1}) / {h}')}))"
        lines.append(f"    z = z + spline_slope_{j} * pow(t_ref_K / t_k, spline_slope_exponent_{j}) * {ramp};")
    return lines


def render_verilog_a(cell) -> str:
    """Verilog-A source of a p-bit cell model (module named after the cell)."""
    if cell.kind != "pbit":
        raise DataError(f"Verilog-A export supports p-bit cells only, got kind {cell.kind!r}")
    name = validate_name(cell.name)
    if cell.form == "probit":
        use("marsaglia2004")
    params = cell.parameters
    two_rate = cell.form == "two_rate"
    spline = cell.form == "monotone_spline"
    lines = [f"// {line}" for line in provenance_lines(cell)]
    if spline:
        lines += [
            "// P(1) = logistic(z), z = spline_offset + sum_j s_j (t_ref_K/T)^eta_j rho_j(u) (monotone spline); V(out) = P(1) [V]",
            "// u = (V(ctl) - spline_bias_center_V - spline_shift_dT_V_per_K (T - t_ref_K)) / spline_bias_scale_V",
        ]
    elif two_rate:
        lines += [
            "// P(1) = k01/(k01+k10), tau_c = 1/(k01+k10); V(out) = P(1) [V]",
            "// ln k = sum_n log_rate_n u^n - (sum_n activation_energy_J_n u^n)/k_B (1/T - 1/t_ref_K)"
            " + log_rate_curvature (t_ref_K/T - 1)^2,",
            "// u = (V(ctl) - v_c(T))/v_s(T), v_c = rate_bias_center_V + rate_bias_center_dT_V_per_K (T - t_ref_K)"
            " + rate_bias_center_d2T_V_per_K2 (T - t_ref_K)^2/2,",
            "// v_s = rate_bias_scale_V exp(rate_bias_scale_exponent l + rate_bias_scale_curvature l^2), l = ln(T/t_ref_K)",
        ]
    else:
        lines.append(f"// P(1) = F((V(ctl) - v_mid(T)) / v_width(T)), F = {cell.form}; V(out) = P(1) [V]")
    lines += [
        "`include \"constants.vams\"",
        "`include \"disciplines.vams\"",
        "",
        f"module {name}(ctl, out);",
        "  inout ctl, out;",
        "  electrical ctl, out;",
    ]
    tau = cell.correlation_time_law
    if two_rate:
        declared = _rate_declarations(params)
    elif spline:
        declared = _spline_declarations(params)
        if tau is not None:
            declared += [(key, tau[key]) for key in _TAU] + [("tau_t_ref_K", tau["t_ref_K"])]
    else:
        declared = [(key, params[key]) for key in _TRANSFER]
        if tau is not None:
            declared += [(key, tau[key]) for key in _TAU] + [("tau_t_ref_K", tau["t_ref_K"])]
    for key, value in declared:
        bound = " from (0:inf)" if key in _POSITIVE else ""
        lines.append(f"  parameter real {key} = {number(key, value)}{bound};")
    if two_rate:
        transfer = _rate_block(params)
        tau_block = ["    tau_c = exp(-(max(la, lb) + ln(1.0 + exp(-abs(la - lb)))));"]
        variables = ["  (* retrieve *) real tau_c;", "  real t_k, ell, theta, u, la, lb, z, e;"]
        form = "logistic"
    elif spline:
        transfer = _spline_block(params)
        tau_block = [_TAU_BLOCK.replace("BOLTZMANN_K", repr(BOLTZMANN))] if tau is not None else []
        variables = [*(["  (* retrieve *) real tau_c;", "  real p_clip;"] if tau is not None else []),
                     "  real t_k, u, z, e;"]
        form = "logistic"
    else:
        transfer = [
            "    v_mid = v_mid_ref_V + dv_mid_dT_V_per_K * (t_k - t_ref_K);",
            "    v_width = v_width_ref_V * pow(t_k / t_ref_K, width_exponent);",
            "    z = (V(ctl) - v_mid) / v_width;",
        ]
        tau_block = [_TAU_BLOCK.replace("BOLTZMANN_K", repr(BOLTZMANN))] if tau is not None else []
        variables = [*(["  (* retrieve *) real tau_c;", "  real p_clip;"] if tau is not None else []),
                     "  real t_k, v_mid, v_width, z, e, z2, term, series, k;"]
        form = cell.form
    lines += [
        "  (* retrieve *) real p_one;",
        *variables,
        "",
        "  analog begin",
        "    t_k = $temperature;",
        *transfer,
        _LOGISTIC if form == "logistic" else _PROBIT.replace("LOG_SQRT_2PI", repr(0.5 * math.log(2.0 * math.pi))),
        *tau_block,
        "    V(out) <+ p_one;",
        "  end",
        "endmodule",
        "",
    ]
    return check_export_text("\n".join(lines), "Verilog-A")


def write_verilog_a(cell, path) -> Path:
    """Write the Verilog-A module of ``cell`` to ``path`` atomically; returns the path."""
    return atomic_write_text(path, render_verilog_a(cell))
