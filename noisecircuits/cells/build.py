"""Assemble cell-model documents from fit results (adds validity ranges and provenance)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

import numpy as np

from noisecircuits._version import __version__
from noisecircuits.cells.model import cell_from_document
from noisecircuits.cells.schema import SCHEMA_VERSION, validate_name
from noisecircuits.errors import ParameterError

__all__ = [
    "pbit_cell_from_fits",
    "categorical_cell_from_fit",
    "continuous_cell_from_fit",
    "constant_correlation_time",
    "provenance",
]

# the schema refuses control characters and line breaks in provenance.source, and more than 1000 of them
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MAX_SOURCE = 1000

_PBIT_PARAMETERS = ("v_mid_ref_V", "dv_mid_dT_V_per_K", "v_width_ref_V", "width_exponent", "t_ref_K")


def _finite_or_none(value):
    value = float(value)
    return value if math.isfinite(value) else None


def provenance(*, source: str, source_sha256: str | None, fit_quality: dict) -> dict:
    """Provenance block: toolkit version, source description and SHA-256, UTC time, fit quality."""
    return {
        "toolkit_version": __version__,
        "source": _CONTROL.sub("?", str(source))[:_MAX_SOURCE],
        "source_sha256": source_sha256,
        "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "fit_quality": fit_quality,
    }


_SINGLE_TEMPERATURE_NAMES = {"v_mid_V": "v_mid_ref_V", "v_width_V": "v_width_ref_V"}


def _covariance(transfer_fit) -> dict | None:
    """Covariance of the fitted transfer parameters under their temperature-law names."""
    names = [_SINGLE_TEMPERATURE_NAMES.get(n, n) for n in transfer_fit.parameter_names]
    matrix = transfer_fit.covariance
    if not np.all(np.isfinite(matrix)):
        return None
    return {"names": names, "matrix": [[float(x) for x in row] for row in matrix]}


def _rate_law(transfer_fit):
    """Two-rate parameters (coefficient lists) and their standard errors from ``fit_pbit_rates_ml``."""
    from noisecircuits.fitting.rates import law_from_flat

    params = law_from_flat(transfer_fit.parameters)
    stderr_flat = {k: (_finite_or_none(v) if v == v else None) for k, v in transfer_fit.stderr.items()}
    stderr = {}
    for key, values in params.items():
        if isinstance(values, list):
            stderr[key] = [stderr_flat.get(f"{key}_{i}") for i in range(len(values))]
        else:  # a frame scalar: fitted by the mid-point fit, fixed (no error) by the fixed-frame fit
            stderr[key] = stderr_flat.get(key)
    return params, stderr


def _spline_law(transfer_fit):
    """Monotone-spline parameters (lists) and their standard errors from ``fit_pbit_spline_ml``."""
    from noisecircuits.fitting.spline import law_from_fit

    params = law_from_fit(transfer_fit)
    s = {k: _finite_or_none(v) for k, v in transfer_fit.stderr.items()}
    n = len(params["spline_slopes"])
    stderr = {k: s.get(k) for k in ("spline_bias_center_V", "spline_bias_scale_V", "t_ref_K", "spline_shift_dT_V_per_K",
                                    "spline_offset", "spline_smoothing")}
    stderr["spline_slopes"] = [s.get(f"spline_slope_{j}") for j in range(n)]
    stderr["spline_slope_exponents"] = [s.get(f"spline_slope_exponent_{j}") for j in range(n)]
    stderr["spline_knots"] = None
    return params, stderr


def _temperature_law(transfer_fit):
    """Temperature-law parameters and stderr from a one- or several-temperature transfer fit."""
    p, s = transfer_fit.parameters, transfer_fit.stderr
    if transfer_fit.form == "two_rate":
        return _rate_law(transfer_fit)
    if transfer_fit.form == "monotone_spline":
        return _spline_law(transfer_fit)
    if "v_mid_ref_V" in p:
        return {k: p[k] for k in _PBIT_PARAMETERS}, {k: _finite_or_none(s[k]) for k in _PBIT_PARAMETERS}
    params = {
        "v_mid_ref_V": p["v_mid_V"],
        "dv_mid_dT_V_per_K": 0.0,
        "v_width_ref_V": p["v_width_V"],
        "width_exponent": 0.0,
        "t_ref_K": p["temperature_K"],
    }
    stderr = {
        "v_mid_ref_V": _finite_or_none(s["v_mid_V"]),
        "dv_mid_dT_V_per_K": None,
        "v_width_ref_V": _finite_or_none(s["v_width_V"]),
        "width_exponent": None,
        "t_ref_K": None,
    }
    return params, stderr


def pbit_cell_from_fits(
    transfer_fit,
    tau_fit,
    power_fit,
    *,
    name: str = "pbit_cell",
    mismatch: dict | None = None,
    source: str = "",
    on_out_of_range: str = "warn",
    correlation_time_s: float | None = None,
    selection: dict | None = None,
    tau_quality: dict | None = None,
):
    """Build a :class:`~noisecircuits.cells.model.PBitCellModel` from the three fits.

    Parameters
    ----------
    transfer_fit : FitResult
        From ``fit_pbit_transfer_ml`` or ``fit_pbit_temperature_ml``; its ``details`` give the
        validity ranges (``bias_range_V``, ``temperature_range_K``) and the source SHA-256 [-].
    tau_fit : FitResult or None
        From ``fit_correlation_time_ls``; None when the data have no correlation times [-].
    power_fit : FitResult or None
        From ``fit_supply_power_ls``; None when the data have no supply power [-].
    name : str
        Cell name (identifier; SPICE subcircuit and Verilog-A module name) [-].
    mismatch : dict, optional
        ``v_mid_sigma_V`` [V] and ``v_width_rel_sigma`` [-]; zeros when unknown.
    source : str
        Description of the source data (path) [-].
    on_out_of_range : {"warn", "raise", "ignore"}
        Behaviour of the returned model outside its validity range [-].
    correlation_time_s : float, optional
        A correlation time given by the user for data without one (``tau_fit`` must be None): the
        cell gets a constant correlation-time law with ``source`` ``"given"`` [s].
    selection : dict, optional
        Form selection and quality of the transfer law (``aic``, ``bic``, ``criterion``,
        ``poor_fit``, ``aic_<candidate>`` ...; :class:`~noisecircuits.fitting.selection.LawFit`) [-].
    tau_quality : dict, optional
        ``p_value`` and ``poor_fit`` of a separately fitted correlation-time law [-].
    """
    validate_name(name)
    params, stderr = _temperature_law(transfer_fit)
    tau = None if tau_fit is None else {"law": "power_arrhenius", "source": "fitted", **tau_fit.parameters}
    if transfer_fit.form == "two_rate":
        tau = {"law": "two_rate", "source": "fitted"}
    if correlation_time_s is not None and transfer_fit.form == "two_rate":
        raise ParameterError("--correlation-time is for data without a correlation_time_s column; this data has one")
    if correlation_time_s is not None:
        if tau_fit is not None:
            raise ParameterError("--correlation-time is for data without a correlation_time_s column; this data has one")
        tau = constant_correlation_time(correlation_time_s, t_ref=params["t_ref_K"])
    power = None if power_fit is None else {"law": "log_linear", **power_fit.parameters}
    fit_quality = {
        "transfer": {
            "form": transfer_fit.form,
            "log_likelihood": transfer_fit.log_likelihood,
            "n_points": transfer_fit.n_points,
            **{k: _finite_or_none(v) for k, v in transfer_fit.goodness_of_fit.items()},
            **{k: _finite_or_none(v) for k, v in transfer_fit.details.items() if k.startswith("log_likelihood_")},
            **{k: (v if isinstance(v, (bool, str)) or v is None else
                   (int(v) if isinstance(v, (int, np.integer)) else _finite_or_none(v)))
               for k, v in (selection or {}).items()},
        },
    }
    for key, fit in (("correlation_time", tau_fit), ("supply_power", power_fit)):
        if fit is not None:
            fit_quality[key] = {k: _finite_or_none(v) for k, v in fit.goodness_of_fit.items()}
    if tau_quality is not None and "correlation_time" in fit_quality:
        fit_quality["correlation_time"].update(p_value=_finite_or_none(tau_quality["p_value"]),
                                               dof=int(tau_quality["dof"]), poor_fit=bool(tau_quality["poor_fit"]))
    document = {
        "schema_version": SCHEMA_VERSION,
        "kind": "pbit",
        "name": name,
        "form": transfer_fit.form,
        "parameters": params,
        "parameter_stderr": stderr,
        "parameter_covariance": _covariance(transfer_fit),
        "correlation_time": tau,
        "supply_power": power,
        "energy_per_sample": {"law": "supply_power_times_2tau"},
        "mismatch": {"v_mid_sigma_V": 0.0, "v_width_rel_sigma": 0.0, **(mismatch or {})},
        "validity": {
            "v_bias_V": [float(x) for x in transfer_fit.details["bias_range_V"]],
            "temperature_K": [float(x) for x in transfer_fit.details["temperature_range_K"]],
        },
        "provenance": provenance(
            source=source, source_sha256=transfer_fit.details.get("source_sha256"), fit_quality=fit_quality
        ),
    }
    return cell_from_document(document, on_out_of_range=on_out_of_range)


def constant_correlation_time(correlation_time_s, *, t_ref: float) -> dict:
    """The correlation-time law of a constant, user-given correlation time.

    Parameters
    ----------
    correlation_time_s : float
        The correlation time, the same at every bias and temperature [s].
    t_ref : float
        Reference temperature of the cell's laws [K].
    """
    value = correlation_time_s
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
        raise ParameterError(f"--correlation-time must be a finite time > 0 [s], got {correlation_time_s!r}")
    return {
        "law": "power_arrhenius",
        "source": "given",
        "tau_peak_ref_s": float(value),
        "tau_activation_energy_J": 0.0,
        "tau_shape_exponent": 0.0,
        "t_ref_K": float(t_ref),
    }


def _statistics(fit, what: str) -> dict:
    """Fit-quality entry of a softmax or mixture fit (non-finite values as null); warns when poor."""
    from noisecircuits.fitting.selection import warn_if_poor_statistics

    stats = {
        "log_likelihood": _finite_or_none(fit.log_likelihood),
        "n_points": int(fit.n_points),
        **{k: (v if isinstance(v, int) and not isinstance(v, bool) else _finite_or_none(v))
           for k, v in fit.goodness_of_fit.items()},
    }
    if "p_value" in fit.goodness_of_fit:
        stats["poor_fit"] = warn_if_poor_statistics(fit, what)
    return stats


def _temperature_range(temperature_range_K) -> list:
    values = [float(x) for x in np.atleast_1d(np.asarray(temperature_range_K, dtype=float))]
    if len(values) == 1:
        values = values * 2
    if len(values) != 2 or not all(math.isfinite(x) and x > 0 for x in values) or values[0] > values[1]:
        raise ParameterError(f"temperature_range_K must be a positive temperature or [low, high] [K], got {temperature_range_K!r}")
    return values


def categorical_cell_from_fit(fit, *, temperature_range_K, name: str = "pdit_cell", source: str = "", on_out_of_range="warn"):
    """Build a :class:`~noisecircuits.cells.model.CategoricalCellModel` from ``fit_categorical_softmax_ml``.

    Parameters
    ----------
    fit : FitResult
        Softmax fit [-].
    temperature_range_K : float or [float, float]
        Temperature(s) the data were taken at [K].
    name : str
        Cell name (identifier) [-].
    source : str
        Description of the source data [-].
    on_out_of_range : {"warn", "raise", "ignore"}
        Behaviour outside the validity range [-].
    """
    validate_name(name)
    n = int(fit.details["n_states"])
    offsets = [fit.parameters[f"theta_offset_{k}"] for k in range(n)]
    offsets_se = [_finite_or_none(fit.stderr[f"theta_offset_{k}"]) for k in range(n)]
    parameters = {"n_states": n, "theta_offsets": offsets, "gain_per_V": fit.parameters["gain_per_V"]}
    parameter_stderr = {"theta_offsets": offsets_se, "gain_per_V": _finite_or_none(fit.stderr["gain_per_V"])}
    degree = int(fit.details.get("degree", 1))
    if degree > 1:
        powers = [f"control_power_{j}" for j in range(2, degree + 1)]
        parameters.update(control_powers=[float(fit.parameters[k]) for k in powers],
                          control_center_V=float(fit.parameters["control_center_V"]),
                          control_scale_V=float(fit.parameters["control_scale_V"]))
        parameter_stderr["control_powers"] = [_finite_or_none(fit.stderr[k]) for k in powers]
    document = {
        "schema_version": SCHEMA_VERSION,
        "kind": "categorical",
        "name": name,
        "parameters": parameters,
        "parameter_stderr": parameter_stderr,
        "validity": {
            "v_control_V": [float(x) for x in fit.details["v_control_range_V"]],
            "temperature_K": _temperature_range(temperature_range_K),
        },
        "provenance": provenance(
            source=source,
            source_sha256=None,
            fit_quality={"transfer": _statistics(fit, "softmax law")},
        ),
    }
    return cell_from_document(document, on_out_of_range=on_out_of_range)


def continuous_cell_from_fit(fit, *, temperature_range_K, name: str = "mixture_cell", source: str = "", on_out_of_range="warn"):
    """Build a :class:`~noisecircuits.cells.model.ContinuousCellModel` from ``fit_continuous_mixture_ml``.

    Parameters
    ----------
    fit : FitResult
        Mixture fit [-].
    temperature_range_K : float or [float, float]
        Temperature(s) the data were taken at [K].
    name : str
        Cell name (identifier) [-].
    source : str
        Description of the source data [-].
    on_out_of_range : {"warn", "raise", "ignore"}
        Behaviour outside the validity range [-].
    """
    from noisecircuits.fitting.mixture import MIXTURE_PARAMETER_NAMES

    validate_name(name)
    parameters = {k: float(fit.parameters[k]) for k in MIXTURE_PARAMETER_NAMES}
    parameter_stderr = {k: _finite_or_none(fit.stderr[k]) for k in MIXTURE_PARAMETER_NAMES}
    powers = [f"weight_power_{j}" for j in range(2, int(fit.details.get("weight_degree", 1)) + 1)]
    if powers:
        parameters["weight_powers"] = [float(fit.parameters[k]) for k in powers]
        parameter_stderr["weight_powers"] = [_finite_or_none(fit.stderr[k]) for k in powers]
    document = {
        "schema_version": SCHEMA_VERSION,
        "kind": "continuous",
        "name": name,
        "form": fit.form,
        "parameters": parameters,
        "parameter_stderr": parameter_stderr,
        "validity": {
            "v_bias_V": [float(x) for x in fit.details["bias_range_V"]],
            "temperature_K": _temperature_range(temperature_range_K),
        },
        "provenance": provenance(
            source=source,
            source_sha256=None,
            fit_quality={"transfer": _statistics(fit, "mixture law")},
        ),
    }
    return cell_from_document(document, on_out_of_range=on_out_of_range)
