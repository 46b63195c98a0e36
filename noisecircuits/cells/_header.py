"""Provenance header lines shared by the exporters, and the last check on exported text.

Every string that reaches an export is either an identifier or enum value checked by the schema
(names, forms, law names, fit-statistic keys) or free text reduced here to printable ASCII
(:func:`safe_text`), and every rendered file is checked once more (:func:`check_export_text`)
before it is written, so no line break or control character can end a comment line.
"""

from __future__ import annotations

import math
import re

from noisecircuits._version import __version__
from noisecircuits.errors import DataError

__all__ = ["provenance_lines", "poor_fit_lines", "number", "safe_text", "check_export_text"]

_UNSAFE = re.compile(r"[^\x20-\x5b\x5d-\x7e]")
_PRINTABLE_LINES = re.compile(r"[\x20-\x7e\n]*")
_MAX_TEXT = 200


def safe_text(text) -> str:
    """Printable ASCII only (anything else, and the backslash, becomes ``?``), at most 200 characters.

    The backslash goes too, so no line can end in a continuation character in any target language.
    """
    return _UNSAFE.sub("?", str(text))[:_MAX_TEXT]


def provenance_lines(cell) -> list[str]:
    """Lines (without comment markers) describing where a cell model came from."""
    prov = cell.provenance
    lines = [
        f"noisecircuits {__version__} export of cell model {safe_text(cell.name)} (kind {safe_text(cell.kind)})",
        f"model written by noisecircuits {safe_text(prov['toolkit_version'])} at {safe_text(prov['created_utc'])}",
        f"source data: {safe_text(prov['source']) or '(unnamed)'}",
        f"source SHA-256: {safe_text(prov['source_sha256'] or 'unknown')}",
    ]
    fit = prov["fit_quality"].get("transfer")
    if fit:
        parts = [f"{safe_text(k)}={safe_text(v)}" for k, v in fit.items()]
        lines.append("fit quality (transfer): " + ", ".join(parts))
    lines += poor_fit_lines(prov["fit_quality"])
    tau = cell.document.get("correlation_time")
    if tau is not None and tau["source"] == "given":
        lines.append(f"correlation time: given by the user (constant {number('tau_peak_ref_s', tau['tau_peak_ref_s'])} s), not fitted")
    lines.append(
        "valid for " + ", ".join(f"{safe_text(k)} in [{number(k, v[0])}, {number(k, v[1])}]" for k, v in cell.validity.items())
    )
    return lines


def poor_fit_lines(fit_quality: dict) -> list[str]:
    """One ``WARNING: poor fit`` line per law flagged ``poor_fit`` (goodness-of-fit p below 0.01)."""
    lines = []
    for key in ("transfer", "correlation_time", "supply_power"):
        stats = fit_quality.get(key) or {}
        if stats.get("poor_fit"):
            p_value = stats.get("p_value")
            shown = "unknown" if p_value is None else f"{float(p_value):.3g}"
            lines.append(
                f"WARNING: poor fit: the {key.replace('_', '-')} law is rejected by its goodness-of-fit test "
                f"(p = {safe_text(shown)} < 0.01); it may misdescribe the device"
            )
    return lines


def number(name: str, value) -> str:
    """A float as text for a netlist or Verilog-A source: its shortest round-trip repr; must be finite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DataError(f"{name} must be a finite number to be exported, got {value!r}")
    return repr(float(value))


def check_export_text(text: str, what: str) -> str:
    """Return ``text`` if it holds only printable ASCII and line breaks, else raise DataError."""
    if not _PRINTABLE_LINES.fullmatch(text):
        raise DataError(f"{what} export would contain a control character; refusing to write it")
    return text
