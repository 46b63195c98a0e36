r"""Checks of a cell document that a JSON Schema cannot express.

* every ``validity`` range has low <= high;
* list lengths follow ``n_states`` (categorical);
* ``parameter_covariance`` is a k×k symmetric positive semi-definite matrix;
* every law is finite (and every time and power positive and normal) **anywhere** in the validity
  range, not only on a grid. The bounds are exact consequences of the laws' shapes: ``v_mid(T)``
  is affine and ``v_width(T)`` and the Arrhenius and supply-power factors are monotone in T, so
  their extremes over the range lie at its ends; :math:`|v - v_\mathrm{mid}(T)|` is convex, so its
  maximum over the (bias × temperature) rectangle lies at a corner; P(1) is clipped to
  :math:`[10^{-12}, 1-10^{-12}]` in the correlation-time law, so the shape term
  :math:`s \ln(4P(1-P))` lies between 0 and :math:`s \ln(4\cdot10^{-12}(1-10^{-12}))`; the
  two-rate log-rates are polynomials in the reduced bias u, bounded by :math:`\sum_n |c_n| U^n`
  with U a bound of |u| (the frame's centre and log-scale are quadratics, whose extremes over the
  range lie at its ends or vertex), and :math:`\ln\tau_c` lies in
  :math:`[-B - \ln 2, B]` for a bound B of both.
"""

from __future__ import annotations

import math

import numpy as np

from noisecircuits.constants import BOLTZMANN
from noisecircuits.errors import DataError

__all__ = ["check_semantics"]

# a fitted covariance is symmetric to rounding; allowed asymmetry relative to its largest entry
_SYMMETRY_TOLERANCE = 1e-10
# eigenvalues of the correlation matrix may dip below zero by rounding only
_PSD_TOLERANCE = 1e-9
# P(1) is clipped to [P_FLOOR, 1 - P_FLOOR] in the correlation-time law (fitting/correlation.py)
_P_FLOOR = 1e-12
# ln of the largest finite double and of the smallest normal one
_LOG_MAX = math.log(np.finfo(float).max)
_LOG_MIN = math.log(np.finfo(float).tiny)


def _ranges(doc) -> None:
    for key, (low, high) in doc["validity"].items():
        if low > high:
            raise DataError(f"cell model field 'validity.{key}': low must not exceed high, got {[low, high]!r}")


def _covariance(doc) -> None:
    cov = doc.get("parameter_covariance")
    if cov is None:
        return
    names, matrix = cov["names"], cov["matrix"]
    k = len(names)
    if len(matrix) != k or any(len(row) != k for row in matrix):
        raise DataError(f"cell model field 'parameter_covariance.matrix': expected a {k}x{k} list of lists (one row per name)")
    if k == 0:
        return
    c = np.array(matrix, dtype=float)
    diagonal = np.diag(c)
    bad = np.flatnonzero(diagonal < 0)
    if bad.size:
        raise DataError(
            f"cell model field 'parameter_covariance.matrix': the variance of {names[bad[0]]} is negative "
            f"({diagonal[bad[0]]!r}); a covariance must be positive semi-definite"
        )
    with np.errstate(all="ignore"):
        scale = float(np.max(np.abs(c)))
        if not math.isfinite(scale) or np.any(np.abs(c - c.T) > _SYMMETRY_TOLERANCE * scale):
            raise DataError("cell model field 'parameter_covariance.matrix': the matrix is not symmetric")
        sd = np.sqrt(diagonal)
        zero = sd == 0
        if np.any(c[zero] != 0):
            raise DataError(
                "cell model field 'parameter_covariance.matrix': a parameter with zero variance has non-zero "
                "covariances; a covariance must be positive semi-definite"
            )
        keep = ~zero
        corr = c[np.ix_(keep, keep)] / np.outer(sd[keep], sd[keep])
        lowest = float(np.min(np.linalg.eigvalsh(corr))) if corr.size else 0.0
    if not lowest >= -_PSD_TOLERANCE:
        raise DataError(
            "cell model field 'parameter_covariance.matrix': the matrix is not positive semi-definite "
            f"(its correlation matrix has an eigenvalue {lowest:.3g})"
        )


def _finite(what: str, field: str, values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(values)):
        raise DataError(
            f"cell model field {field!r}: {what} is not finite somewhere in the validity range; "
            "check these parameters and the validity range"
        )
    return values


def _log_bounds_ok(what: str, field: str, low: float, high: float) -> None:
    if not (_LOG_MIN < low and high < _LOG_MAX):
        raise DataError(
            f"cell model field {field!r}: {what} leaves the range of floating-point numbers somewhere in the "
            f"validity range (its logarithm reaches [{low:.4g}, {high:.4g}]); check these parameters"
        )


def _extremes(a0: float, a1: float, a2: float, x) -> np.ndarray:
    """Values of the quadratic a0 + a1 x + a2 x^2 at the ends of the interval ``x`` and at its vertex inside it."""
    points = [float(np.min(x)), float(np.max(x))]
    if a2 != 0.0 and points[0] < -a1 / (2.0 * a2) < points[1]:
        points.append(-a1 / (2.0 * a2))
    points = np.array(points)
    return a0 + a1 * points + a2 * points * points


def _rate_bound(p, v, t) -> float:
    """An upper bound of |ln k01| and |ln k10| over the validity rectangle (polynomials in u: sum |c_n| U^n).

    U bounds |u| = |v - v_c(T)| / v_s(T): v_c(T) is quadratic in T - t_ref and ln v_s(T) in ln(T/t_ref),
    so their extremes over the range lie at its ends or at the vertex.
    """
    from noisecircuits.fitting.rates import frame_value

    t_ref = p["t_ref_K"]
    centres = _finite("the bias-frame centre", "parameters",
                      _extremes(p["rate_bias_center_V"], frame_value(p, "rate_bias_center_dT_V_per_K"),
                                0.5 * frame_value(p, "rate_bias_center_d2T_V_per_K2"), t - t_ref))
    log_scales = _finite("the bias-frame scale", "parameters",
                         math.log(p["rate_bias_scale_V"]) + _extremes(0.0, frame_value(p, "rate_bias_scale_exponent"),
                                                                      frame_value(p, "rate_bias_scale_curvature"),
                                                                      np.log(t / t_ref)))
    _log_bounds_ok("the bias-frame scale", "parameters", float(log_scales.min()), float(log_scales.max()))
    spread = float(np.max(np.abs(v[:, None] - centres[None, :])))
    big_u = float(_finite("the reduced bias", "parameters", spread / math.exp(float(log_scales.min()))))
    inv = float(np.max(np.abs(1.0 / t - 1.0 / t_ref)))
    theta = float(np.max(np.abs(t_ref / t - 1.0)))
    bound = 0.0
    for rate in ("k01", "k10"):
        powers = big_u ** np.arange(max(len(p[f"{rate}_log_rate"]), len(p[f"{rate}_activation_energy_J"])))
        log_rate = np.abs(np.array(p[f"{rate}_log_rate"], dtype=float)) @ powers[: len(p[f"{rate}_log_rate"])]
        energy = np.abs(np.array(p[f"{rate}_activation_energy_J"], dtype=float)) @ powers[: len(p[f"{rate}_activation_energy_J"])]
        curvature = abs(frame_value(p, f"{rate}_log_rate_curvature")) * theta * theta
        bound = max(bound, float(_finite("the log escape rate", "parameters",
                                         log_rate + energy / BOLTZMANN * inv + curvature)))
    return bound


def _spline_law(p, v, t) -> None:
    """Knots increase; |logit P(1)| <= |c0| + sum_j s_j max (t_ref/T)^eta_j (|u|max + |knot|max + h) is finite."""
    knots = np.array(p["spline_knots"], dtype=float)
    if len(p["spline_slopes"]) != knots.size - 1 or len(p["spline_slope_exponents"]) != knots.size - 1:
        raise DataError("cell model field 'parameters.spline_slopes': expected one slope and one slope exponent per "
                        f"knot interval ({knots.size - 1})")
    if np.any(np.diff(knots) <= 0):
        raise DataError("cell model field 'parameters.spline_knots': knots must increase")
    shift = abs(p["spline_shift_dT_V_per_K"]) * float(np.max(np.abs(t - p["t_ref_K"])))
    big_u = (float(np.max(np.abs(v - p["spline_bias_center_V"]))) + shift) / p["spline_bias_scale_V"]
    ratio = np.log(p["t_ref_K"] / t)
    exponents = np.array(p["spline_slope_exponents"], dtype=float)
    factors = np.exp(np.max(exponents[:, None] * ratio[None, :], axis=1))
    reach = big_u + float(np.max(np.abs(knots))) + p["spline_smoothing"]
    _finite("the spline logit", "parameters",
            abs(p["spline_offset"]) + float(np.array(p["spline_slopes"], dtype=float) @ factors) * reach)


def _sigmoid_law(p, v, t) -> None:
    mid = _finite("v_mid(T)", "parameters", p["v_mid_ref_V"] + p["dv_mid_dT_V_per_K"] * (t - p["t_ref_K"]))
    log_width = math.log(p["v_width_ref_V"]) + p["width_exponent"] * np.log(t / p["t_ref_K"])
    _log_bounds_ok("v_width(T)", "parameters", float(log_width.min()), float(log_width.max()))
    spread = _finite("v_bias - v_mid(T)", "parameters", np.abs(v[:, None] - mid[None, :]))
    _finite("the transfer-law argument (v_bias - v_mid) / v_width", "parameters",
            float(spread.max()) / float(np.exp(log_width.min())))


def _pbit_laws(doc) -> None:
    p = doc["parameters"]
    v = np.array(doc["validity"]["v_bias_V"], dtype=float)
    t = np.array(doc["validity"]["temperature_K"], dtype=float)
    tau = doc.get("correlation_time")
    if (doc["form"] == "two_rate") != (tau is not None and tau["law"] == "two_rate"):
        raise DataError("cell model field 'correlation_time.law': a two_rate cell has the two_rate correlation-time law, "
                        "and only a two_rate cell has it")
    with np.errstate(all="ignore"):
        log_tau = None
        if doc["form"] == "two_rate":
            bound = _rate_bound(p, v, t)
            log_tau = (-bound - math.log(2.0), bound)
            _log_bounds_ok("the escape rates", "parameters", -bound, bound)
        elif doc["form"] == "monotone_spline":
            _spline_law(p, v, t)
        else:
            _sigmoid_law(p, v, t)
        if tau is not None and tau["law"] == "power_arrhenius":
            arrhenius = _finite(
                "the Arrhenius factor", "correlation_time",
                tau["tau_activation_energy_J"] / BOLTZMANN * (1.0 / t - 1.0 / tau["t_ref_K"]),
            )
            shape = _finite("the shape term", "correlation_time",
                            tau["tau_shape_exponent"] * math.log(4.0 * _P_FLOOR * (1.0 - _P_FLOOR)))
            base = math.log(tau["tau_peak_ref_s"])
            log_tau = (base + float(arrhenius.min()) + min(0.0, float(shape)),
                       base + float(arrhenius.max()) + max(0.0, float(shape)))
            _log_bounds_ok("the correlation time", "correlation_time", *log_tau)
        power = doc.get("supply_power")
        if power is not None:
            exponent = _finite("the supply power", "supply_power",
                               power["supply_power_log_slope_per_K"] * (t - power["t_ref_K"]))
            base = math.log(power["supply_power_ref_W"])
            log_power = (base + float(exponent.min()), base + float(exponent.max()))
            _log_bounds_ok("the supply power", "supply_power", *log_power)
            if log_tau is not None:
                log_two = math.log(2.0)
                _log_bounds_ok("the energy per sample", "supply_power",
                               log_two + log_power[0] + log_tau[0], log_two + log_power[1] + log_tau[1])


def _categorical(doc) -> None:
    params, stderr = doc["parameters"], doc["parameter_stderr"]
    n = int(params["n_states"])
    for section, values in (("parameters", params["theta_offsets"]), ("parameter_stderr", stderr["theta_offsets"])):
        if len(values) != n:
            raise DataError(f"cell model field '{section}.theta_offsets': expected a list of {n} items (n_states)")
    powers = params.get("control_powers", [])
    for key in ("control_center_V", "control_scale_V"):
        if powers and key not in params:
            raise DataError(f"cell model field 'parameters.{key}': required with parameters.control_powers")
    if len(powers) != len(stderr.get("control_powers", powers)):
        raise DataError("cell model field 'parameter_stderr.control_powers': expected one item per parameters.control_powers")
    v = np.array(doc["validity"]["v_control_V"], dtype=float)
    with np.errstate(all="ignore"):
        theta = np.abs(np.array(params["theta_offsets"], dtype=float))[:, None] + np.abs(params["gain_per_V"] * v)[None, :]
        if powers:
            u = np.max(np.abs((v - params["control_center_V"]) / params["control_scale_V"]))
            theta = theta + sum(abs(c) * u ** (j + 2) for j, c in enumerate(powers))
        _finite("the log-probability theta_k = a_k + b v_k + sum_j c_j u_k^j", "parameters", theta)


def _continuous(doc) -> None:
    p = doc["parameters"]
    if len(p.get("weight_powers", [])) != len(doc["parameter_stderr"].get("weight_powers", p.get("weight_powers", []))):
        raise DataError("cell model field 'parameter_stderr.weight_powers': expected one item per parameters.weight_powers")
    v = np.array(doc["validity"]["v_bias_V"], dtype=float)
    with np.errstate(all="ignore"):
        _finite("the weight-law argument (v_bias - weight_v_mid) / weight_v_width", "parameters",
                (v - p["weight_v_mid_V"]) / p["weight_v_width_V"])


def check_semantics(doc) -> None:
    """Raise DataError for a structurally valid version-2 document that is still not usable.

    Parameters
    ----------
    doc : dict
        A document that passed :func:`noisecircuits.cells.schema.check_structure` [-].
    """
    _ranges(doc)
    if doc["kind"] == "pbit":
        _covariance(doc)
        _pbit_laws(doc)
    elif doc["kind"] == "categorical":
        _categorical(doc)
    else:
        _continuous(doc)
