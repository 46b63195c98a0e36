"""The versioned JSON document of a calibrated cell model, and its validation.

The layout is published as a JSON Schema (draft 2020-12) shipped beside this module,
``noisecircuits/cells/cell.schema.json`` (:func:`cell_schema`; see docs/cells.md). The toolkit
validates with that same file, interpreted here by a small reader of the keywords it uses
(``type``, ``const``, ``enum``, ``pattern``, ``maxLength``, ``minimum``, ``maximum``,
``exclusiveMinimum``, ``minItems``, ``maxItems``, ``uniqueItems``, ``items``, ``required``,
``properties``, ``patternProperties``, ``additionalProperties``, ``allOf``, ``if``/``then``,
``$ref``), so the published schema and the reader cannot drift apart and ``import noisecircuits``
needs no schema library. Every object is closed: an unknown or misspelled field is an error that
names it. Checks that a schema cannot express follow in :mod:`noisecircuits.cells.checks`.

Schema version 2 (written); version 1 documents are read and upgraded (:func:`upgrade_document`):
the correlation-time law gains ``source`` (``"fitted"``) and the flat ``fit_quality`` of
categorical and continuous cells moves under ``fit_quality.transfer``.
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
import math
import re
from importlib import resources

from noisecircuits.errors import DataError

__all__ = [
    "SCHEMA_VERSION",
    "READABLE_VERSIONS",
    "KINDS",
    "cell_schema",
    "upgrade_document",
    "check_structure",
    "validate_document",
    "validate_name",
]

SCHEMA_VERSION = 2
#: Schema versions this toolkit reads (older ones are upgraded on reading).
READABLE_VERSIONS = (1, 2)
KINDS = ("pbit", "categorical", "continuous")

_TYPE_WORDS = {
    "number": "a finite number",
    "integer": "an integer",
    "string": "a string",
    "object": "an object",
    "array": "a list",
    "null": "null",
    "boolean": "true or false",
}
_STATISTICS = ("transfer", "correlation_time", "supply_power")


@functools.cache
def _schema_text() -> str:
    return resources.files("noisecircuits.cells").joinpath("cell.schema.json").read_text(encoding="utf-8")


def cell_schema() -> dict:
    """The published JSON Schema of the cell document (a fresh copy) [-]."""
    return json.loads(_schema_text())


@functools.cache
def _root() -> dict:
    return json.loads(_schema_text())


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field(path: str) -> str:
    return _shown(path or "<document>")


def _fail(path: str, what: str, value) -> DataError:
    return DataError(f"cell model field {_field(path)}: {what}, got {_shown(value)}")


def _join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _is_type(value, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):
        finite = abs(value) <= 1.7976931348623157e308
    else:
        finite = math.isfinite(value)
    if not finite:
        return False
    return name == "number" or float(value).is_integer()


def _same(a, b) -> bool:
    """JSON equality: booleans are not numbers."""
    return isinstance(a, bool) == isinstance(b, bool) and type(a) is not dict and a == b


def _resolve(ref: str) -> dict:
    if not ref.startswith("#/"):
        raise DataError(f"cell schema reference {ref!r} is not local")  # the shipped schema has none
    node = _root()
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _check(value, schema, path: str) -> None:
    """Raise DataError for the first way ``value`` breaks ``schema`` (keywords listed in the module doc)."""
    if schema is True:
        return
    if "$ref" in schema:
        _check(value, _resolve(schema["$ref"]), path)
    if "const" in schema and not _same(value, schema["const"]):
        raise _fail(path, f"must be {schema['const']!r}", value)
    if "enum" in schema and not any(_same(value, e) for e in schema["enum"]):
        raise _fail(path, f"must be one of {', '.join(map(str, schema['enum']))}", value)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, t) for t in types):
            raise _fail(path, "expected " + " or ".join(_TYPE_WORDS[t] for t in types), value)
    described = schema.get("description")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise _fail(path, f"at most {schema['maxLength']} characters", value)
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise _fail(path, f"expected {described or 'text matching ' + schema['pattern']}", value)
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            raise _fail(path, f"must be >= {schema['minimum']:g}", value)
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            raise _fail(path, f"must be > {schema['exclusiveMinimum']:g}", value)
        if "maximum" in schema and value > schema["maximum"]:
            raise _fail(path, f"must be <= {schema['maximum']:g}", value)
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            raise _fail(path, f"expected a list of at least {schema['minItems']} items", value)
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise _fail(path, f"expected a list of at most {schema['maxItems']} items", value)
        if schema.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) != len(value):
            raise _fail(path, "items must be distinct", value)
        if "items" in schema:
            for i, item in enumerate(value):
                _check(item, schema["items"], _join(path, i))
    if isinstance(value, dict):
        known = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        if schema.get("additionalProperties") is False:
            for key in value:
                if key not in known and not (isinstance(key, str) and any(re.search(p, key) for p in patterns)):
                    hint = difflib.get_close_matches(key, list(known), n=1) if isinstance(key, str) else []
                    suggestion = f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(known)}"
                    raise DataError(f"cell model field {_field(_join(path, key))} is not a known field{suggestion}")
        for key in schema.get("required", ()):
            if key not in value:
                raise DataError(f"cell model field {_field(_join(path, key))} is missing")
        for key, sub in known.items():
            if key in value:
                _check(value[key], sub, _join(path, key))
        for key, item in value.items():
            for pattern, sub in patterns.items():
                if key not in known and isinstance(key, str) and re.search(pattern, key):
                    _check(item, sub, _join(path, key))
    for sub in schema.get("allOf", ()):
        _check(value, sub, path)
    if "if" in schema:
        try:
            _check(value, schema["if"], path)
        except DataError:
            pass
        else:
            if "then" in schema:
                _check(value, schema["then"], path)


def upgrade_document(doc) -> dict:
    """A version-2 copy of a version-1 or version-2 document (structure not yet checked).

    Raises
    ------
    DataError
        Not an object, no ``schema_version``, or a version this toolkit does not read.
    """
    if not isinstance(doc, dict):
        raise _fail("", "expected a JSON object", doc)
    if "schema_version" not in doc:
        raise DataError("cell model field 'schema_version' is missing")
    version = doc["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version not in READABLE_VERSIONS:
        readable = " and ".join(map(str, READABLE_VERSIONS))
        raise _fail("schema_version", f"unknown schema version (this toolkit reads {readable})", version)
    if version == SCHEMA_VERSION:
        return doc
    new = copy.deepcopy(doc)
    new["schema_version"] = SCHEMA_VERSION
    tau = new.get("correlation_time")
    if isinstance(tau, dict):
        if "source" in tau:
            raise DataError("cell model field 'correlation_time.source' is not a known field of schema version 1")
        tau["source"] = "fitted"
    provenance = new.get("provenance")
    quality = provenance.get("fit_quality") if isinstance(provenance, dict) else None
    if new.get("kind") in ("categorical", "continuous") and isinstance(quality, dict) and quality:
        if not set(quality) <= set(_STATISTICS):
            provenance["fit_quality"] = {"transfer": quality}
    return new


def check_structure(doc) -> None:
    """Check a version-2 document against :func:`cell_schema`; DataError names the first problem's field."""
    _check(doc, _root(), "")


def validate_name(name) -> str:
    """Return ``name`` if it is a safe identifier for netlists and Verilog-A, else raise DataError."""
    _check(name, _root()["$defs"]["identifier"], "name")
    return name


def validate_document(doc) -> dict:
    """Check a decoded cell-model document (version 1 or 2); return its version-2 form.

    Raises
    ------
    DataError
        Unknown schema version, an unknown or missing field, a field of the wrong type or value, a
        covariance that is not symmetric positive semi-definite, or laws that are not finite over
        the validity range; the message names the field (dotted path).
    """
    from noisecircuits.cells.checks import check_semantics

    doc = upgrade_document(doc)
    check_structure(doc)
    check_semantics(doc)
    return doc
