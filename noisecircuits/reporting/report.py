"""A self-contained HTML report of a sweep directory.

:func:`write_report` turns what a directory holds (file names in
:mod:`noisecircuits.sweeps.layout`) into one HTML file with every figure embedded as a
base64 PNG, so it can be mailed or archived alone. Each section appears only when its data
exist:

* **Sweep** — ``manifest.json`` + ``results.parquet``: parameters, transfer curves, correlation
  times, categorical occupations, the results table;
* **Transfer-curve fit** — without ``cell.json``, a p-bit sweep is fitted for the report
  (:func:`noisecircuits.cells.calibrate.fit_pbit_cell`) and its curves overlaid;
* **Cell model** — ``cell.json``: form, fitted parameters with standard errors, validity,
  provenance (its curves are overlaid on the sweep figures);
* **SPICE agreement** — ``spice_check.json``: its ``rows`` as a table plus any scalar fields;
* **Energy** — ``energy.json`` (e.g. ``noisecircuits energy --json`` output): ``breakdown_J``
  against ``baselines_J`` (or the report's GPU/TRNG baselines per update) and the scalar fields;
* **References** — :func:`noisecircuits.cite` for what was run to build the report.

A tiny inline script writes ``<div id="render-check">`` once the page has loaded, saying
whether every image decoded (used by the test suite with headless Chromium).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path

from noisecircuits._io import atomic_write_text
from noisecircuits._version import __version__
from noisecircuits.errors import DataError

__all__ = ["build_report", "write_report", "RENDER_CHECK_ID", "RENDER_OK"]

#: id of the element the page's check script adds, and its text when all images decoded
RENDER_CHECK_ID = "render-check"
RENDER_OK = "all-images-decoded"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
td, th { border: 1px solid #ddd; padding: 2px 8px; text-align: right; }
th { background: #f3f3f3; } td.k { text-align: left; font-family: monospace; }
figure { display: inline-block; margin: 0.5em; } img { max-width: 470px; }
.note { color: #666; font-size: 0.85em; }
.scroll { overflow-x: auto; }
"""

_CHECK_SCRIPT = f"""
window.addEventListener("load", function () {{
  var images = Array.prototype.slice.call(document.images);
  var ok = images.length > 0 && images.every(function (im) {{ return im.complete && im.naturalWidth > 0; }});
  var marker = document.createElement("div");
  marker.id = "{RENDER_CHECK_ID}";
  marker.className = "note";
  marker.textContent = ok ? "{RENDER_OK}" : "image-decode-failed (" + images.length + " images)";
  document.body.appendChild(marker);
}});
"""


def _png(ax) -> str:
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(ax, caption: str) -> str:
    return (
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{_png(ax)}">'
        f"<figcaption class=note>{html.escape(caption)}</figcaption></figure>"
    )


def _cell(value) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    if isinstance(value, list) and all(isinstance(v, float) for v in value):
        return html.escape("[" + ", ".join(f"{v:.6g}" for v in value) + "]")
    if isinstance(value, (dict, list)):
        return html.escape(json.dumps(value))
    return html.escape(str(value))


def _key_value_table(mapping: dict) -> str:
    rows = "".join(f"<tr><td class=k>{html.escape(str(k))}</td><td>{_cell(v)}</td></tr>" for k, v in mapping.items())
    return f"<table>{rows}</table>"


def _records_table(records: list, max_rows: int = 200) -> str:
    if not records:
        return "<p class=note>(no rows)</p>"
    columns = list(dict.fromkeys(k for r in records for k in r))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(r.get(c, ''))}</td>" for c in columns) + "</tr>" for r in records[:max_rows]
    )
    more = f"<p class=note>{len(records) - max_rows} more rows not shown</p>" if len(records) > max_rows else ""
    return f"<div class=scroll><table><tr>{head}</tr>{body}</table></div>{more}"


def _sweep_section(directory: Path, cell) -> list[str]:
    from noisecircuits import plotting
    from noisecircuits.reporting.figures import occupation_columns
    from noisecircuits.sweeps.layout import MANIFEST, RESULTS
    from noisecircuits.sweeps.runner import load_results, read_manifest

    if not (directory / RESULTS).exists():
        return []
    frame = load_results(directory)
    parts = ["<h2>Sweep</h2>"]
    if (directory / MANIFEST).exists():
        manifest = read_manifest(directory)
        parameters = dict(manifest.get("parameters", {}))
        parameters["toolkit_version"] = manifest.get("toolkit_version")
        expected = manifest.get("n_points")
        parameters["points finished"] = f"{len(frame)} of {expected}" if expected else len(frame)
        parts.append(_key_value_table(parameters))
    figures = []
    if {"temperature_K", "v_bias_V", "p_one"} <= set(frame.columns):
        model = cell if getattr(cell, "kind", None) == "pbit" else None
        figures.append(_figure(plotting.plot_transfer(frame, model), "P(1) against bias per temperature"))
    if {"temperature_K", "v_bias_V", "correlation_time_s"} <= set(frame.columns):
        model = cell if getattr(cell, "correlation_time_law", None) else None
        figures.append(_figure(plotting.plot_correlation_time(frame, model), "correlation time against bias"))
    if any(c.startswith("occupations_") for c in frame.columns):
        occupations, errors = occupation_columns(frame)
        record = frame.iloc[0]
        stderr = None if None in errors else [record[e] for e in errors]
        ax = plotting.plot_occupations([record[c] for c in occupations], stderr)
        figures.append(_figure(ax, f"occupations at T = {record['temperature_K']:g} K, "
                                   f"V_bias = {record['v_bias_V'] * 1e3:g} mV (first row)"))
    parts.extend(figures)
    shown = [c for c in frame.columns if c not in ("point_id",)]
    parts.append("<h3>Results</h3>" + _records_table(frame[shown].to_dict("records")))
    return parts


def _fit_for_report(directory: Path):
    """Fit a p-bit cell to the sweep (when it is p-bit transfer data and no cell.json exists).

    Returns ``(cell, fit, message)``; ``cell`` is None when there is nothing to fit or the
    fit failed (``message`` then says why, or is empty).
    """
    from noisecircuits.errors import NoisecircuitsError
    from noisecircuits.sweeps.layout import RESULTS
    from noisecircuits.sweeps.runner import load_results

    if not (directory / RESULTS).exists():
        return None, None, ""
    frame = load_results(directory)
    if not {"temperature_K", "v_bias_V", "n_ones", "n_samples"} <= set(frame.columns):
        return None, None, ""
    try:
        from noisecircuits.cells.calibrate import fit_pbit_cell
    except ImportError:  # pragma: no cover - the cells layer is part of the toolkit
        return None, None, ""
    try:
        cell, fit = fit_pbit_cell(frame, on_out_of_range="ignore")
    except NoisecircuitsError as exc:
        return None, None, f"the transfer data could not be fitted: {exc}"
    return cell, fit, ""


def _fit_section(fit, message: str) -> list[str]:
    if fit is None and not message:
        return []
    parts = ["<h2>Transfer-curve fit</h2>"]
    if fit is None:
        return parts + [f"<p>{html.escape(message)}</p>"]
    parts.append(f"<p class=note>Computed for this report (no cell.json in the directory): {html.escape(fit.form)} "
                 f"form, {html.escape(fit.method)}, {fit.n_points} points; the lines in the sweep figures.</p>")
    parts.append(_records_table([{"parameter": k, "value": v, "stderr": fit.stderr.get(k)}
                                 for k, v in fit.parameters.items()]))
    if fit.goodness_of_fit:
        parts.append(_key_value_table(dict(fit.goodness_of_fit)))
    parts += _poor_fit_marks({"transfer": {"poor_fit": (fit.goodness_of_fit.get("p_value") or 1.0) < 0.01,
                                           "p_value": fit.goodness_of_fit.get("p_value")}})
    return parts


def _poor_fit_marks(fit_quality: dict) -> list[str]:
    """A visible warning paragraph per law flagged poor (goodness-of-fit p below 0.01)."""
    from noisecircuits.cells._header import poor_fit_lines

    return [f"<p style='color:#b00;font-weight:bold'>&#9888; {html.escape(line)}</p>" for line in poor_fit_lines(fit_quality)]


def _cell_section(cell, path: Path) -> list[str]:
    if cell is None:
        return []
    document = cell.to_document() if hasattr(cell, "to_document") else json.loads(path.read_text(encoding="utf-8"))
    parts = ["<h2>Cell model</h2>"]
    summary = {k: document.get(k) for k in ("name", "kind", "form", "schema_version") if k in document}
    parts.append(_key_value_table(summary))
    parts += _poor_fit_marks((document.get("provenance") or {}).get("fit_quality") or {})
    parameters = document.get("parameters") or {}
    stderr = document.get("parameter_stderr") or {}
    parts.append("<h3>Fitted parameters</h3>")
    parts.append(_records_table([{"parameter": k, "value": v, "stderr": stderr.get(k)} for k, v in parameters.items()]))
    for key in ("validity", "mismatch", "correlation_time", "supply_power", "provenance"):
        if isinstance(document.get(key), dict):
            parts.append(f"<h3>{html.escape(key.replace('_', ' '))}</h3>" + _key_value_table(document[key]))
    return parts


def _spice_section(directory: Path) -> list[str]:
    from noisecircuits.reporting.figures import read_json_file
    from noisecircuits.sweeps.layout import SPICE_CHECK

    path = directory / SPICE_CHECK
    if not path.exists():
        return []
    document = read_json_file(path)
    parts = ["<h2>SPICE agreement</h2>"]
    scalars = {k: v for k, v in document.items() if not isinstance(v, (list, dict))}
    if scalars:
        parts.append(_key_value_table(scalars))
    rows = document.get("rows")
    if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
        parts.append(_records_table(rows))
    return parts


def _energy_section(directory: Path) -> list[str]:
    from noisecircuits import plotting
    from noisecircuits.reporting.figures import energy_bars, read_json_file
    from noisecircuits.sweeps.layout import ENERGY

    path = directory / ENERGY
    if not path.exists():
        return []
    document = read_json_file(path)
    breakdown, baselines, label = energy_bars(document)
    ax = plotting.plot_energy_breakdown(breakdown, baselines, unit_label=label)
    parts = ["<h2>Energy</h2>", _figure(ax, f"{label}: breakdown and baselines")]
    parts.append(_key_value_table({**{f"{k} [J]": v for k, v in breakdown.items()},
                                   **{f"baseline {k} [J]": v for k, v in baselines.items()}}))
    scalars = {k: v for k, v in document.items() if not isinstance(v, (list, dict))}
    if scalars:
        parts.append(_key_value_table(scalars))
    return parts


def build_report(directory) -> str:
    """Return the HTML text of the report of ``directory`` (see the module docstring).

    Parameters
    ----------
    directory : str or Path
        A sweep directory (or any directory holding some of the report's files).

    Returns
    -------
    str
        A complete, self-contained HTML document.
    """
    from noisecircuits.citations import cite
    from noisecircuits.reporting.figures import load_cell_if_any
    from noisecircuits.sweeps.layout import CELL

    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory} is not a directory")
    cell = load_cell_if_any(directory / CELL)
    fit, message = None, ""
    if cell is None:
        fitted, fit, message = _fit_for_report(directory)
        curves = fitted
    else:
        curves = cell
    sections = (
        _sweep_section(directory, curves)
        + _fit_section(fit, message)
        + _cell_section(cell, directory / CELL)
        + _spice_section(directory)
        + _energy_section(directory)
    )
    if not sections:
        raise DataError(
            f"{directory} holds none of results.parquet, cell.json, spice_check.json, energy.json: nothing to report"
        )
    references = "".join(f"<li>{html.escape(r)}</li>" for r in cite())
    if references:
        sections.append(f"<h2>References</h2><ol class=note>{references}</ol>")
    title = f"noisecircuits report: {directory.resolve().name}"
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class=note>noisecircuits {html.escape(__version__)}; "
        f"directory {html.escape(str(directory))}</p>" + "\n".join(sections)
        + f"<script>{_CHECK_SCRIPT}</script></body></html>\n"
    )


def write_report(directory, out=None) -> Path:
    """Write the report of ``directory`` to ``out`` (default ``DIR/report.html``) atomically."""
    out = Path(directory) / "report.html" if out is None else Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise DataError(f"the report file must end in .html, got {str(out)!r}")
    return atomic_write_text(out, build_report(directory))
