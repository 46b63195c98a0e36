r"""ngspice export of a p-bit cell model: a behavioural subcircuit that *samples*.

``.subckt <name> ctl out``: ``ctl`` is referred to ground; ``out`` is a random telegraph voltage,
0 V in state 0 and 1 V in state 1, with :math:`P(1)` following the fitted transfer law of
``V(ctl)`` and the circuit temperature (ngspice's ``temper``, in °C) and the fitted correlation
time :math:`\tau_c`.

Realisation (two-state Markov process with :math:`k_{01} = p/\tau_c`, :math:`k_{10} = (1-p)/\tau_c`,
so :math:`P(1) = p` and the autocorrelation time is :math:`\tau_c`; Machlup 1954): every noise step
:math:`h` a uniform number :math:`u` (``trrandom``, reproducible with ``.options seed=N``) sets the
state to 1 if :math:`u < q p`, resets it to 0 if :math:`u > 1 - q(1-p)`, and otherwise leaves it,
with :math:`q = 1 - e^{-h/\tau_c}`. This is the exact discretisation of the continuous process:
:math:`P(0\to1) = p\,q`, :math:`P(1\to0) = (1-p)\,q`, stationary :math:`P(1) = p`, lag-h
correlation :math:`e^{-h/\tau_c}`. The state is held on a 1 F capacitor by a behavioural
positive-feedback current (a bistable with stable points 0 V and 1 V, relaxation time h/20).

Run the transient with a maximum step at or below h/5. The probit form uses the
Abramowitz–Stegun 7.1.26 erf approximation (|error| < 1.5e-7), ngspice having no ``erf``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from noisecircuits._io import atomic_write_text
from noisecircuits.cells._header import check_export_text, number, provenance_lines, safe_text
from noisecircuits.cells.schema import validate_name
from noisecircuits.citations import use
from noisecircuits.constants import BOLTZMANN, ZERO_CELSIUS
from noisecircuits.errors import DataError

__all__ = ["default_noise_step", "render_spice", "write_spice"]

_ZERO_CELSIUS = ZERO_CELSIUS
_TRANSFER = ("v_mid_ref_V", "dv_mid_dT_V_per_K", "v_width_ref_V", "width_exponent", "t_ref_K")
_TAU = ("tau_peak_ref_s", "tau_activation_energy_J", "tau_shape_exponent", "t_ref_K")
# every line of the subcircuit starts with one of these (a comment or the elements written below)
_LINE_STARTS = ("* ", ".subckt ", ".ends ", "Bz nz 0 ", "Bp np 0 ", "Bq nq 0 ", "Vu nu 0 ", "Bs 0 ns ", "Cs ns 0 ",
                "Bo out 0 ", "Bw nw 0 ", "Ba na 0 ", "Bb nb 0 ")
# Abramowitz & Stegun 7.1.26: erf(x) = 1 - (a1 t + ... + a5 t^5) exp(-x^2), t = 1/(1 + p x)
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
#: The default noise step is the shortest correlation time in the validity range divided by this.
STEPS_PER_TAU = 10.0
#: ... but never shorter than the peak correlation time at t_ref divided by this.
MAX_STEPS_PER_PEAK_TAU = 1000.0
#: The bistable state node relaxes in h / RELAXATION_PER_STEP (settled well before mid-step).
RELAXATION_PER_STEP = 20.0


def default_noise_step(cell) -> float:
    """Noise step h: min over the validity range of tau_c / 10, at least tau_peak(t_ref) / 1000 [s]."""
    validity = cell.validity
    v = np.linspace(*validity["v_bias_V"], 201)
    t = np.unique(np.linspace(*validity["temperature_K"], 5))
    quiet = cell.with_out_of_range("ignore")
    tau = quiet.correlation_time(v[:, None], t[None, :])
    law = cell.correlation_time_law
    peak = law["tau_peak_ref_s"] if "tau_peak_ref_s" in law else float(np.max(tau))
    floor = peak / MAX_STEPS_PER_PEAK_TAU
    return float(max(np.min(tau) / STEPS_PER_TAU, floor))


def _probability_expression(form: str) -> str:
    if form == "logistic":
        return "1/(1+exp(-max(min(V(nz),60),-60)))"
    a1, a2, a3, a4, a5 = (repr(a) for a in _AS_A)
    x = "(abs(V(nz))*0.7071067811865476)"
    t = f"(1/(1+{_AS_P!r}*{x}))"
    poly = f"({t}*({a1}+{t}*({a2}+{t}*({a3}+{t}*({a4}+{t}*{a5})))))"
    return f"0.5+sgn(V(nz))*(0.5-0.5*{poly}*exp(-{x}*{x}))"


def _horner(u: str, coefficients, name: str) -> str:
    """``c0+u*(c1+u*(c2+...))`` of exported numbers."""
    text = number(name, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        text = f"{number(name, c)}+{u}*({text})"
    return f"({text})"


def _rate_lines(cell, tk: str) -> tuple[list, list, str]:
    """Header lines, element lines and the correlation-time expression of a two-rate cell."""
    from noisecircuits.fitting.rates import FRAME_DEFAULTS, frame_value

    p = cell.parameters
    t_ref = number("t_ref_K", p["t_ref_K"])
    f = {key: number(key, frame_value(p, key)) for key in FRAME_DEFAULTS}
    half_curvature = number("rate_bias_center_d2T_V_per_K2 / 2", 0.5 * frame_value(p, "rate_bias_center_d2T_V_per_K2"))
    dt = f"({tk}-{t_ref})"
    ell = f"ln({tk}/{t_ref})"
    centre = (f"({number('rate_bias_center_V', p['rate_bias_center_V'])}+({f['rate_bias_center_dT_V_per_K']})*{dt}"
              f"+({half_curvature})*{dt}*{dt})")
    scale = (f"({number('rate_bias_scale_V', p['rate_bias_scale_V'])}*exp(({f['rate_bias_scale_exponent']})*{ell}"
             f"+({f['rate_bias_scale_curvature']})*{ell}*{ell}))")
    theta = f"({t_ref}/{tk}-1)"
    elements = [f"Bw nw 0 V = (V(ctl)-{centre})/{scale}"]
    header = [
        "* P(1) = k01/(k01+k10), tau_c = 1/(k01+k10); ln k = sum c_n u^n - (sum E_n u^n)/k_B (1/T - 1/t_ref_K)"
        " + kappa (t_ref_K/T - 1)^2,",
        "* u = (V(ctl) - v_c(T))/v_s(T), v_c = rate_bias_center_V + c1 (T - t_ref_K) + c2/2 (T - t_ref_K)^2,",
        f"* v_s = rate_bias_scale_V exp(g l + g2 l^2), l = ln(T/t_ref_K), T = temper + {_ZERO_CELSIUS!r} K, t_ref_K = {t_ref};",
        "* frame: " + ", ".join(f"{k} = {v}" for k, v in f.items() if not k.endswith("log_rate_curvature")),
    ]
    for rate, node in (("k01", "a"), ("k10", "b")):
        log_rate = p[f"{rate}_log_rate"]
        energy_over_k = [e / BOLTZMANN for e in p[f"{rate}_activation_energy_J"]]
        kappa = f[f"{rate}_log_rate_curvature"]
        header.append(f"* {rate}: log-rate coefficients c_n = {', '.join(number(rate, c) for c in log_rate)}; "
                      f"E_n/k_B [K] = {', '.join(number(rate, c) for c in energy_over_k)}; kappa = {kappa}")
        elements.append(f"B{node} n{node} 0 V = {_horner('V(nw)', log_rate, rate)}"
                        f"-{_horner('V(nw)', energy_over_k, rate)}*(1/{tk}-1/{t_ref})+({kappa})*{theta}*{theta}")
    elements.append("Bz nz 0 V = V(na)-V(nb)")
    tau = "exp(-(max(V(na),V(nb))+ln(1+exp(-abs(V(na)-V(nb))))))"
    return header, elements, tau


def _softplus(x: str) -> str:
    return f"(max({x},0)+ln(1+exp(-abs({x}))))"


def _spline_lines(cell, tk: str) -> tuple[list, list]:
    """Header and element lines of a monotone-spline cell: V(nw) = u, V(nz) = logit P(1)."""
    p = cell.parameters
    t_ref = number("t_ref_K", p["t_ref_K"])
    shift = number("spline_shift_dT_V_per_K", p["spline_shift_dT_V_per_K"])
    u = (f"((V(ctl)-({number('spline_bias_center_V', p['spline_bias_center_V'])})-({shift})*({tk}-{t_ref}))"
         f"/{number('spline_bias_scale_V', p['spline_bias_scale_V'])})")
    knots = [number("spline_knots", k) for k in p["spline_knots"]]
    h = number("spline_smoothing", p["spline_smoothing"])
    w = "V(nw)"
    count = len(p["spline_slopes"])
    ramps = []
    for j in range(count):
        if count == 1:
            ramps.append(w)
        elif j == 0:
            ramps.append(f"(-{h}*{_softplus(f'({knots[1]}-{w})/{h}')})")
        elif j == count - 1:
            ramps.append(f"({h}*{_softplus(f'({w}-({knots[j]}))/{h}')})")
        else:
            ramps.append(f"({h}*({_softplus(f'({w}-({knots[j]}))/{h}')}-{_softplus(f'({w}-({knots[j + 1]}))/{h}')}))")
    terms = [
        f"{number('spline_slopes', s)}*exp(({number('spline_slope_exponents', e)})*ln({t_ref}/{tk}))*{r}"
        for s, e, r in zip(p["spline_slopes"], p["spline_slope_exponents"], ramps, strict=True)
    ]
    logit = f"{number('spline_offset', p['spline_offset'])}+" + "+".join(terms)
    header = [
        "* P(1) = logistic(g), g = spline_offset + sum_j s_j (t_ref_K/T)^eta_j rho_j(u) (monotone spline),",
        "* u = (V(ctl) - spline_bias_center_V - spline_shift_dT_V_per_K (T - t_ref_K)) / spline_bias_scale_V, "
        f"T = temper + {_ZERO_CELSIUS!r} K",
        f"* knots = {', '.join(knots)}; smoothing h = {h}; slopes s_j = "
        f"{', '.join(number('s', x) for x in p['spline_slopes'])}; exponents eta_j = "
        f"{', '.join(number('e', x) for x in p['spline_slope_exponents'])}",
    ]
    return header, [f"Bw nw 0 V = {u}", f"Bz nz 0 V = {logit}"]


def render_spice(cell, *, noise_step: float | None = None) -> str:
    """ngspice subcircuit text of a p-bit cell model.

    Parameters
    ----------
    cell : PBitCellModel
        Cell with a correlation-time law [-].
    noise_step : float, optional
        Time between random draws h; default :func:`default_noise_step` [s].
    """
    if cell.kind != "pbit":
        raise DataError(f"SPICE export supports p-bit cells only, got kind {cell.kind!r}")
    tau = cell.correlation_time_law
    if tau is None:
        raise DataError(
            f"cell {cell.name!r} has no correlation-time model (its data had no correlation_time_s): "
            "the SPICE sampler needs one"
        )
    name = validate_name(cell.name)
    use("machlup1954", *(("abramowitz_stegun",) if cell.form == "probit" else ()))
    h = default_noise_step(cell) if noise_step is None else noise_step
    if not (isinstance(h, (int, float)) and np.isfinite(h) and h > 0):
        what = "noise_step" if noise_step is not None else "the default noise step (tau_c / 10 over the validity range)"
        raise DataError(f"{what} of cell {cell.name!r} must be a finite positive time [s], got {h!r}")
    tk = f"(temper+{_ZERO_CELSIUS!r})"
    hs = number("noise_step", float(h))
    relax = number("relaxation rate", RELAXATION_PER_STEP / float(h))
    header = [f"* {line}" for line in provenance_lines(cell)]
    if tau["law"] == "power_arrhenius":
        ea_over_k = number("tau_activation_energy_J / k_B", tau["tau_activation_energy_J"] / BOLTZMANN)
        tau_expr = (
            f"{number('tau_peak_ref_s', tau['tau_peak_ref_s'])}"
            f"*exp(({ea_over_k})*(1/{tk}-1/{number('t_ref_K', tau['t_ref_K'])})"
            f"+({number('tau_shape_exponent', tau['tau_shape_exponent'])})*ln(4*V(np)*(1-V(np))))"
        )
        tau_header = ["* correlation time: " + ", ".join(f"{k} = {number(k, tau[k])}" for k in _TAU)]
    if cell.form == "two_rate":
        law_header, law_elements, tau_expr = _rate_lines(cell, tk)
        form = "logistic"
    elif cell.form == "monotone_spline":
        law_header, law_elements = _spline_lines(cell, tk)
        law_header += tau_header
        form = "logistic"
    else:
        p = cell.parameters
        n = {key: number(key, p[key]) for key in _TRANSFER}
        v_mid = f"({n['v_mid_ref_V']}+({n['dv_mid_dT_V_per_K']})*({tk}-{n['t_ref_K']}))"
        v_width = f"({n['v_width_ref_V']}*exp(({n['width_exponent']})*ln({tk}/{n['t_ref_K']})))"
        law_header = [
            f"* P(1) = F((V(ctl) - v_mid(T)) / v_width(T)), F = {cell.form}, T = temper + {_ZERO_CELSIUS!r} K",
            "* parameters: " + ", ".join(f"{k} = {v}" for k, v in n.items()),
            *tau_header,
        ]
        law_elements = [f"Bz nz 0 V = (V(ctl)-{v_mid})/{v_width}"]
        form = cell.form
    header += law_header + [
        f"* noise step h = {hs} s: run .tran with a maximum step <= h/5; seed with .options seed=N",
        "* out: 0 V = state 0, 1 V = state 1",
    ]
    body = [
        f".subckt {name} ctl out",
        *law_elements,
        f"Bp np 0 V = max(min({_probability_expression(form)},{1 - 1e-12!r}),1e-12)",
        f"Bq nq 0 V = 1-exp(-{hs}/({tau_expr}))",
        f"Vu nu 0 DC 0 TRRANDOM(1 {hs} 0 0.5 0.5)",
        "Bs 0 ns I = " + relax + "*(((V(nu) < V(nq)*V(np)) ? 1 : ((V(nu) > 1-V(nq)*(1-V(np))) ? 0 : "
        "(0.5+0.5*tanh(20*(V(ns)-0.5))))) - V(ns))",
        "Cs ns 0 1",
        "Bo out 0 V = V(ns)",
        f".ends {name}",
        "",
    ]
    return _checked("\n".join(header + body))


def _checked(text: str) -> str:
    """The subcircuit text if every line is a comment or one of the lines written above."""
    check_export_text(text, "SPICE")
    for line in text.splitlines():
        if line and not line.startswith(_LINE_STARTS):
            raise DataError(f"SPICE export would contain an unexpected line {safe_text(line)[:40]!r}; refusing to write it")
    return text


def write_spice(cell, path, *, noise_step: float | None = None) -> Path:
    """Write the ngspice subcircuit of ``cell`` to ``path`` atomically; returns the path."""
    return atomic_write_text(path, render_spice(cell, noise_step=noise_step))
