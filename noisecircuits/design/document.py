"""The design file: a p-bit design as a strict JSON document, read back anywhere a design is used.

Layout (format ``noisecircuits-pbit-design``, version 1)::

    {"format": "noisecircuits-pbit-design", "version": 1, "card": "generic",
     "geometry": {"supply_voltage_V": ..., "latch_width_m": ..., "latch_length_m": ...,
                  "bias_width_m": ..., "bias_length_m": ..., "extra_capacitance_F": ...,
                  "v_ref_V": ..., "ref_width_ratio": ...,
                  "threshold_shift_V": ..., "supply_tracking": "fixed" | "ptat",
                  "supply_reference_temperature_K": ...},
     "circuit": {...},   # derived: node capacitance and current factors (informational)
     "figures": {...},   # exact figures of merit at the target temperature
     "target": {...}, "active_constraints": [...], "sensitivities": {...}}

Only ``card`` and ``geometry`` define the circuit: :func:`design_from_document` rebuilds it
from them with :func:`~noisecircuits.design.geometry.build_design`, so the derived sections
can never disagree with what runs. Unknown keys, non-finite numbers and sizes outside the
card's range are refused with one line naming the field. The last three geometry fields are
optional (default: no threshold shift, a fixed supply, 300 K), so files written before they
existed still describe the same circuit.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from noisecircuits.design.geometry import PBitGeometry, build_design, node_capacitances
from noisecircuits.design.process import process_named
from noisecircuits.errors import DataError, NoisecircuitsError

__all__ = ["DESIGN_FORMAT", "design_document", "geometry_document", "geometry_from_document",
           "design_from_document", "load_design",
           "read_design_document", "check_design_document", "defining_part"]

DESIGN_FORMAT = "noisecircuits-pbit-design"
_VERSION = 1
#: Geometry keys of the document and the PBitGeometry field each one fills.
_GEOMETRY_KEYS = {
    "supply_voltage_V": "supply_voltage",
    "latch_width_m": "latch_width",
    "latch_length_m": "latch_length",
    "bias_width_m": "bias_width",
    "bias_length_m": "bias_length",
    "extra_capacitance_F": "extra_capacitance",
    "v_ref_V": "v_ref",
    "ref_width_ratio": "ref_width_ratio",
    "threshold_shift_V": "threshold_shift",
    "supply_reference_temperature_K": "supply_reference_temperature",
}
#: Optional geometry keys and their values when absent.
_OPTIONAL_KEYS = {"threshold_shift_V": 0.0, "supply_tracking": "fixed", "supply_reference_temperature_K": 300.0}
#: The one text-valued geometry key, the field it fills and its allowed values.
_TRACKING_KEY = "supply_tracking"
_TOP_KEYS = {"format", "version", "card", "geometry", "circuit", "figures", "target", "active_constraints",
             "sensitivities"}
_MAX_BYTES = 1 << 20


def geometry_document(geometry: PBitGeometry) -> dict:
    """The ``geometry`` section of a design document (SI units in the key names)."""
    out = {key: float(getattr(geometry, name)) for key, name in _GEOMETRY_KEYS.items()}
    out[_TRACKING_KEY] = geometry.supply_tracking
    return out


def design_document(geometry: PBitGeometry, card: str, *, figures=None, target=None, active_constraints=(),
                    sensitivities=None) -> dict:
    """A strict-JSON design document.

    Parameters
    ----------
    geometry : PBitGeometry
        Drawn sizes and voltages [-].
    card : str
        Card name the sizes are drawn on [-].
    figures : dict, optional
        Exact figures of merit (:meth:`DesignMetrics.as_dict`) [SI].
    target : dict, optional
        What the design was optimised for [SI].
    active_constraints : sequence of str
        Constraints at their bound [-].
    sensitivities : dict, optional
        dE/d(bound) of the active constraints [J per constraint unit].
    """
    process = process_named(card)
    design = build_design(geometry, process)
    caps = node_capacitances(geometry, process)
    circuit = {
        "node_capacitance_F": design.node_capacitance,
        "gate_capacitance_F": caps["gate"],
        "overlap_capacitance_F": caps["overlap"],
        "junction_capacitance_F": caps["junction"],
        "nmos_current_factor_A_per_V2": design.nmos.current_factor,
        "pmos_current_factor_A_per_V2": design.pmos.current_factor,
        "bias_current_factor_A_per_V2": design.bias_nmos.current_factor,
    }
    doc = {"format": DESIGN_FORMAT, "version": _VERSION, "card": card, "geometry": geometry_document(geometry),
           "circuit": circuit, "figures": _strict(figures or {}), "target": _strict(target or {}),
           "active_constraints": list(active_constraints), "sensitivities": _strict(sensitivities or {})}
    json.dumps(doc, allow_nan=False)  # strict JSON or a clear failure here, never a bare NaN on disk
    return doc


def _strict(section: dict) -> dict:
    """Non-finite numbers become null (strict JSON)."""
    out = {}
    for key, value in section.items():
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        out[key] = value
    return out


def read_design_document(path) -> dict:
    """Read and check a design file; one :class:`DataError` line naming the problem."""
    path = Path(path)
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise DataError(f"design file {str(path)!r} is larger than {_MAX_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"design file {str(path)!r} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise DataError(f"design file {str(path)!r} is not strict JSON: {exc}") from None
    return check_design_document(doc, str(path))


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number in strict JSON")


def check_design_document(doc, where: str = "design") -> dict:
    """Check the layout of a design document (see module docstring); returns it."""
    if not isinstance(doc, dict):
        raise DataError(f"{where}: expected a JSON object")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise DataError(f"{where}: unknown field {sorted(unknown)[0]!r}; allowed: {', '.join(sorted(_TOP_KEYS))}")
    if doc.get("format") != DESIGN_FORMAT or doc.get("version") != _VERSION:
        raise DataError(f"{where}: expected format {DESIGN_FORMAT!r} version {_VERSION}, "
                        f"got {doc.get('format')!r} version {doc.get('version')!r}")
    if not isinstance(doc.get("card"), str):
        raise DataError(f"{where}: field 'card' must be a card name")
    geometry = doc.get("geometry")
    if not isinstance(geometry, dict):
        raise DataError(f"{where}: field 'geometry' must be an object")
    allowed = [*_GEOMETRY_KEYS, _TRACKING_KEY]
    unknown = set(geometry) - set(allowed)
    missing = set(_GEOMETRY_KEYS) - set(geometry) - set(_OPTIONAL_KEYS)
    if unknown or missing:
        field = sorted(unknown or missing)[0]
        raise DataError(f"{where}: geometry field {field!r} is {'unknown' if unknown else 'missing'}; "
                        f"fields: {', '.join(allowed)}")
    from noisecircuits.circuits.pbit import SUPPLY_TRACKING

    if geometry.get(_TRACKING_KEY, "fixed") not in SUPPLY_TRACKING:
        raise DataError(f"{where}: geometry.{_TRACKING_KEY} must be one of {', '.join(SUPPLY_TRACKING)}, "
                        f"got {geometry[_TRACKING_KEY]!r}")
    for key, value in geometry.items():
        if key == _TRACKING_KEY:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise DataError(f"{where}: geometry.{key} must be a finite number, got {value!r}")
    return doc


def defining_part(doc) -> dict:
    """The part of a design document that defines the circuit: format, version, card, geometry."""
    return {key: doc[key] for key in ("format", "version", "card", "geometry")}


def geometry_from_document(doc, where: str = "design") -> PBitGeometry:
    """The :class:`~noisecircuits.design.geometry.PBitGeometry` of a checked document, sizes checked on its card."""
    doc = check_design_document(doc, where)
    process = process_named(doc["card"])
    try:
        values = {**_OPTIONAL_KEYS, **doc["geometry"]}
        geometry = PBitGeometry(**{name: float(values[key]) for key, name in _GEOMETRY_KEYS.items()},
                                supply_tracking=values[_TRACKING_KEY])
        geometry.check_sizes(process)
        return geometry
    except NoisecircuitsError as exc:
        raise DataError(f"{where}: {exc}") from None


def design_from_document(doc, where: str = "design"):
    """The :class:`~noisecircuits.circuits.pbit.PBitDesign` a checked document describes."""
    geometry = geometry_from_document(doc, where)
    try:
        return build_design(geometry, process_named(doc["card"]))
    except NoisecircuitsError as exc:
        raise DataError(f"{where}: {exc}") from None


def load_design(path):
    """Read a design file and build its circuit (:func:`design_from_document`)."""
    return design_from_document(read_design_document(path), f"design file {str(path)!r}")
