"""Provenance header lines shared by the exporters (printable ASCII only, safe inside comments)."""

from __future__ import annotations

import math
import re

from noisecircuits._version import __version__
from noisecircuits.errors import DataError

__all__ = ["provenance_lines", "number"]

_UNSAFE = re.compile(r"[^\x20-\x7e]")


def _safe(text) -> str:
    """Printable ASCII only, at most 200 characters, so it cannot end a comment line."""
    return _UNSAFE.sub("?", str(text))[:200]


def provenance_lines(cell) -> list[str]:
    """Lines (without comment markers) describing where a cell model came from."""
    prov = cell.provenance
    lines = [
        f"noisecircuits {__version__} export of cell model {cell.name!s} (kind {cell.kind})",
        f"model written by noisecircuits {_safe(prov['toolkit_version'])} at {_safe(prov['created_utc'])}",
        f"source data: {_safe(prov['source']) or '(unnamed)'}",
        f"source SHA-256: {_safe(prov['source_sha256'] or 'unknown')}",
    ]
    fit = prov.get("fit_quality", {}).get("transfer") if isinstance(prov.get("fit_quality"), dict) else None
    if isinstance(fit, dict):
        parts = [f"{_safe(k)}={_safe(v)}" for k, v in fit.items() if isinstance(v, (int, float, str))]
        lines.append("fit quality (transfer): " + ", ".join(parts))
    validity = cell.validity
    lines.append("valid for " + ", ".join(f"{k} in [{v[0]!r}, {v[1]!r}]" for k, v in validity.items()))
    return lines


def number(name: str, value) -> str:
    """A float as text for a netlist or Verilog-A source: its shortest round-trip repr; must be finite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DataError(f"{name} must be a finite number to be exported, got {value!r}")
    return repr(float(value))
