"""The versioned JSON document of a calibrated cell model, and its validation.

Schema version 1 (see docs/cells.md for the full layout). Common fields:
``schema_version`` (int, 1), ``kind`` (``pbit`` | ``categorical`` | ``continuous``), ``name``
(identifier, also the SPICE subcircuit / Verilog-A module name), ``parameters`` (units in the
names), ``parameter_stderr``, optionally ``parameter_covariance`` (p-bit), ``validity`` (ranges), ``mismatch``, ``provenance``. p-bit cells
add ``form``, ``correlation_time`` and ``supply_power`` laws and ``energy_per_sample``.

:func:`validate_document` raises :class:`~noisecircuits.errors.DataError` naming the field for an
unknown schema version, a missing field or a wrong type or value.
"""

from __future__ import annotations

import math
import re

from noisecircuits.errors import DataError

__all__ = ["SCHEMA_VERSION", "KINDS", "NAME_PATTERN", "validate_document", "validate_name"]

SCHEMA_VERSION = 1
KINDS = ("pbit", "categorical", "continuous")
#: Cell names become SPICE subcircuit and Verilog-A module names: a letter, then letters, digits, _.
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")
_MAX_STATES = 64

_PBIT_PARAMETERS = ("v_mid_ref_V", "dv_mid_dT_V_per_K", "v_width_ref_V", "width_exponent", "t_ref_K")
_TAU_FIELDS = ("tau_peak_ref_s", "tau_activation_energy_J", "tau_shape_exponent", "t_ref_K")
_POWER_FIELDS = ("supply_power_ref_W", "supply_power_log_slope_per_K", "t_ref_K")
_CONTINUOUS_PARAMETERS = ("weight_v_mid_V", "weight_v_width_V", "mean_zero_V", "mean_one_V", "std_zero_V", "std_one_V")


def _fail(field: str, what: str, value) -> DataError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return DataError(f"cell model field {field!r}: {what}, got {shown}")


def _section(doc, field: str) -> dict:
    if field not in doc:
        raise DataError(f"cell model field {field!r} is missing")
    value = doc[field]
    if not isinstance(value, dict):
        raise _fail(field, "expected an object", value)
    return value


def _number(section: dict, key: str, prefix: str, *, positive=False, non_negative=False, nullable=False):
    field = f"{prefix}.{key}"
    if key not in section:
        raise DataError(f"cell model field {field!r} is missing")
    value = section[key]
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(field, "expected a finite number", value)
    if positive and value <= 0:
        raise _fail(field, "must be > 0", value)
    if non_negative and value < 0:
        raise _fail(field, "must be >= 0", value)
    return float(value)


def _range(section: dict, key: str, prefix: str, *, positive=False) -> list:
    field = f"{prefix}.{key}"
    if key not in section:
        raise DataError(f"cell model field {field!r} is missing")
    value = section[key]
    if not isinstance(value, list) or len(value) != 2:
        raise _fail(field, "expected [low, high]", value)
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item):
            raise _fail(field, "expected two finite numbers", value)
    if value[0] > value[1]:
        raise _fail(field, "low must not exceed high", value)
    if positive and value[0] <= 0:
        raise _fail(field, "must be > 0", value)
    return [float(value[0]), float(value[1])]


def _string(doc: dict, key: str, prefix: str = "", *, choices=None, nullable=False):
    field = f"{prefix}.{key}" if prefix else key
    if key not in doc:
        raise DataError(f"cell model field {field!r} is missing")
    value = doc[key]
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise _fail(field, "expected a string", value)
    if choices is not None and value not in choices:
        raise _fail(field, f"must be one of {', '.join(choices)}", value)
    return value


def validate_name(name) -> str:
    """Return ``name`` if it is a safe identifier for netlists and Verilog-A, else raise DataError."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise _fail("name", "expected an identifier: a letter, then up to 62 letters, digits or _", name)
    return name


def _numbers_section(doc, field, keys, **flags):
    section = _section(doc, field)
    return {k: _number(section, k, field, **flags.get(k, {})) for k in keys}


def _stderr(doc, keys):
    section = _section(doc, "parameter_stderr")
    out = {}
    for k in keys:
        out[k] = _number(section, k, "parameter_stderr", nullable=True, non_negative=True)
    return out


def _covariance(doc) -> None:
    """Optional ``parameter_covariance``: ``{"names": [...], "matrix": [[...]]}`` over fitted parameters."""
    if doc.get("parameter_covariance") is None:
        return
    section = _section(doc, "parameter_covariance")
    names = section.get("names")
    params = doc["parameters"]
    if (
        not isinstance(names, list)
        or len(set(map(str, names))) != len(names)
        or not all(isinstance(n, str) and n in params for n in names)
    ):
        raise _fail("parameter_covariance.names", "expected distinct names of parameters", names)
    matrix = section.get("matrix")
    k = len(names)
    if not isinstance(matrix, list) or len(matrix) != k or not all(isinstance(r, list) and len(r) == k for r in matrix):
        raise _fail("parameter_covariance.matrix", f"expected a {k}x{k} list of lists", matrix)
    for row in matrix:
        for item in row:
            if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item):
                raise _fail("parameter_covariance.matrix", "expected finite numbers", item)


def _provenance(doc) -> dict:
    prov = _section(doc, "provenance")
    _string(prov, "toolkit_version", "provenance")
    sha = _string(prov, "source_sha256", "provenance", nullable=True)
    if sha is not None and not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise _fail("provenance.source_sha256", "expected 64 lowercase hex digits or null", sha)
    _string(prov, "created_utc", "provenance")
    _string(prov, "source", "provenance")
    if "fit_quality" not in prov:
        raise DataError("cell model field 'provenance.fit_quality' is missing")
    if not isinstance(prov["fit_quality"], dict):
        raise _fail("provenance.fit_quality", "expected an object", prov["fit_quality"])
    return prov


def _validate_pbit(doc):
    _string(doc, "form", choices=("logistic", "probit"))
    params = _numbers_section(
        doc,
        "parameters",
        _PBIT_PARAMETERS,
        v_width_ref_V={"positive": True},
        t_ref_K={"positive": True},
    )
    if abs(params["width_exponent"]) > 20:
        raise _fail("parameters.width_exponent", "must be within [-20, 20]", params["width_exponent"])
    _stderr(doc, _PBIT_PARAMETERS)
    _covariance(doc)
    if "correlation_time" not in doc:
        raise DataError("cell model field 'correlation_time' is missing (null when unknown)")
    if doc["correlation_time"] is not None:
        tau = _section(doc, "correlation_time")
        _string(tau, "law", "correlation_time", choices=("power_arrhenius",))
        for key in _TAU_FIELDS:
            _number(tau, key, "correlation_time", positive=key in ("tau_peak_ref_s", "t_ref_K"))
    if "supply_power" not in doc:
        raise DataError("cell model field 'supply_power' is missing (null when unknown)")
    if doc["supply_power"] is not None:
        power = _section(doc, "supply_power")
        _string(power, "law", "supply_power", choices=("log_linear",))
        for key in _POWER_FIELDS:
            _number(power, key, "supply_power", positive=key in ("supply_power_ref_W", "t_ref_K"))
    energy = _section(doc, "energy_per_sample")
    _string(energy, "law", "energy_per_sample", choices=("supply_power_times_2tau",))
    _numbers_section(
        doc,
        "mismatch",
        ("v_mid_sigma_V", "v_width_rel_sigma"),
        v_mid_sigma_V={"non_negative": True},
        v_width_rel_sigma={"non_negative": True},
    )
    validity = _section(doc, "validity")
    _range(validity, "v_bias_V", "validity")
    _range(validity, "temperature_K", "validity", positive=True)


def _validate_categorical(doc):
    params = _section(doc, "parameters")
    n = params.get("n_states")
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= _MAX_STATES:
        raise _fail("parameters.n_states", f"expected an integer in [2, {_MAX_STATES}]", n)
    offsets = params.get("theta_offsets")
    if not isinstance(offsets, list) or len(offsets) != n:
        raise _fail("parameters.theta_offsets", f"expected a list of {n} numbers", offsets)
    for i, item in enumerate(offsets):
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item):
            raise _fail(f"parameters.theta_offsets[{i}]", "expected a finite number", item)
    _number(params, "gain_per_V", "parameters")
    stderr = _section(doc, "parameter_stderr")
    se = stderr.get("theta_offsets")
    if not isinstance(se, list) or len(se) != n:
        raise _fail("parameter_stderr.theta_offsets", f"expected a list of {n} numbers or nulls", se)
    for i, item in enumerate(se):
        if item is not None and (isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item)):
            raise _fail(f"parameter_stderr.theta_offsets[{i}]", "expected a finite number or null", item)
    _number(stderr, "gain_per_V", "parameter_stderr", nullable=True, non_negative=True)
    validity = _section(doc, "validity")
    _range(validity, "v_control_V", "validity")
    _range(validity, "temperature_K", "validity", positive=True)


def _validate_continuous(doc):
    _string(doc, "form", choices=("logistic", "probit"))
    _numbers_section(
        doc,
        "parameters",
        _CONTINUOUS_PARAMETERS,
        weight_v_width_V={"positive": True},
        std_zero_V={"positive": True},
        std_one_V={"positive": True},
    )
    _stderr(doc, _CONTINUOUS_PARAMETERS)
    validity = _section(doc, "validity")
    _range(validity, "v_bias_V", "validity")
    _range(validity, "temperature_K", "validity", positive=True)


def validate_document(doc) -> dict:
    """Check a decoded cell-model document; return it unchanged when valid.

    Raises
    ------
    DataError
        Unknown schema version, unknown kind, a missing field or a field of the wrong type or
        value; the message names the field (dotted path).
    """
    if not isinstance(doc, dict):
        raise _fail("<document>", "expected a JSON object", doc)
    if "schema_version" not in doc:
        raise DataError("cell model field 'schema_version' is missing")
    version = doc["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version != SCHEMA_VERSION:
        raise _fail("schema_version", f"unknown schema version (this toolkit reads {SCHEMA_VERSION})", version)
    kind = _string(doc, "kind", choices=KINDS)
    if "name" not in doc:
        raise DataError("cell model field 'name' is missing")
    validate_name(doc["name"])
    _provenance(doc)
    {"pbit": _validate_pbit, "categorical": _validate_categorical, "continuous": _validate_continuous}[kind](doc)
    return doc
