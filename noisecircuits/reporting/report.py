"""A self-contained HTML report of a run directory, with a data file per section beside it.

:func:`write_report` turns what a directory holds (file names in
:mod:`noisecircuits.sweeps.layout` and :mod:`noisecircuits.reporting.checks`) into one HTML
file with every figure embedded as a base64 PNG at print resolution, so it can be mailed or
archived alone, and writes each section's numbers beside it as ``<stem>_<section>.csv`` (or
``.json``). Each section appears only when its input exists:

* **Sweep** — ``manifest.json`` + ``results.parquet``: parameters, transfer curves, correlation
  times, categorical occupations, the results table (the main columns on the page, all of
  them in ``<stem>_results.csv``);
* **Transfer-curve fit** — without a cell model, a p-bit sweep is fitted for the report
  (:func:`noisecircuits.cells.calibrate.fit_pbit_cell`) and its curves overlaid;
* **Cell model** — ``cell.json``, or the file given as ``cell``: form, fit quality (form chosen,
  deviance/dof, p-value, AICc, poor-fit mark, the candidate forms), parameters with standard
  errors, validity, provenance; its curves are overlaid on the sweep figures;
* **SPICE agreement** — ``spice_check.json``;
* **Gibbs sampling through the cell** — ``gibbs.json`` (KL divergence, β_eff, drift);
* **Cell design** — ``design*.json`` (the optima and, with several targets, their front);
* **Energy** — ``energy.json``;
* **References** — :func:`noisecircuits.cite` for what was run to build the report.

The page carries no visible test marker: a small inline script records on the ``<html>``
element (``data-images``, ``data-images-decoded``, ``data-scroll-width``,
``data-column-right``, ``data-layout``) how many images decoded, where the text column ends and
where each figure and table was laid out, for the headless-browser test.
"""

from __future__ import annotations

from pathlib import Path

from noisecircuits._io import atomic_write_text
from noisecircuits._version import __version__
from noisecircuits.errors import DataError
from noisecircuits.reporting._html import Page, esc

__all__ = ["build_report", "assemble_report", "write_report", "data_files", "load_report_cell", "DATA_SUFFIXES"]

#: Data files a report may write beside itself, as ``<stem>_<suffix>``; stale ones of an earlier report of
#: the same name are removed.
DATA_SUFFIXES = ("results.csv", "fit.json", "spice_check.csv", "gibbs.csv", "design.csv", "energy.csv")
#: Width of the page's text column [CSS px]: about an A4 page at 96 px per inch.
PAGE_WIDTH_PX = 800

_STYLE = f"""
@page {{ size: A4; margin: 14mm; }}
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: {PAGE_WIDTH_PX}px; padding: 0 1em;
       color: #222; font-size: 15px; line-height: 1.35; }}
h1 {{ font-size: 1.5em; }} h2 {{ border-bottom: 1px solid #ccc; margin-top: 1.8em; }} h3 {{ margin-bottom: 0.3em; }}
table {{ border-collapse: collapse; font-size: 0.8em; margin: 0.4em 0; max-width: 100%; }}
td, th {{ border: 1px solid #ddd; padding: 2px 6px; text-align: right; }} td {{ white-space: nowrap; }}
th {{ background: #f3f3f3; font-weight: 600; }}
table.kv th {{ text-align: left; font-family: monospace; font-weight: normal; }}
table.kv td {{ overflow-wrap: anywhere; text-align: left; white-space: normal; }}
td:first-child {{ text-align: left; }}
tr.bad td {{ background: #fde8e8; }}
figure {{ margin: 0.8em 0; break-inside: avoid; }} img {{ max-width: 100%; height: auto; display: block; }}
.note {{ color: #555; font-size: 0.85em; }}
.warn {{ color: #b00; font-weight: bold; }}
code {{ font-size: 0.9em; }}
@media print {{ body {{ margin: 0; max-width: none; }} h2 {{ break-after: avoid; }} table {{ break-inside: auto; }} }}
"""

_CHECK_SCRIPT = """
window.addEventListener("load", function () {
  var root = document.documentElement;
  var images = Array.prototype.slice.call(document.images);
  var decoded = images.filter(function (im) { return im.complete && im.naturalWidth > 0; });
  root.setAttribute("data-images", String(images.length));
  root.setAttribute("data-images-decoded", String(decoded.length));
  root.setAttribute("data-scroll-width", String(root.scrollWidth));
  root.setAttribute("data-page-height", String(root.scrollHeight));
  root.setAttribute("data-column-right", String(document.body.getBoundingClientRect().right));
  var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-figure],[data-table]")).map(function (e) {
    var r = e.getBoundingClientRect();
    return {name: e.getAttribute("data-figure") || e.getAttribute("data-table"),
            kind: e.hasAttribute("data-figure") ? "figure" : "table",
            left: r.left + window.scrollX, top: r.top + window.scrollY, width: r.width, height: r.height};
  });
  root.setAttribute("data-layout", JSON.stringify(boxes));
});
"""


def load_report_cell(path):
    """Load the cell model the report uses instead of refitting; one :class:`DataError` line if it is not one."""
    from noisecircuits.reporting.figures import load_cell_if_any

    path = Path(path)
    if not path.is_file():
        raise DataError(f"--cell {str(path)!r} is not a file")
    try:
        return load_cell_if_any(path)
    except DataError as exc:
        raise DataError(f"--cell {str(path)!r} is not a cell model: {exc}") from None


def _fit_for_report(directory: Path):
    """Fit a p-bit cell to the sweep (p-bit transfer data, no cell model): ``(cell, fit, message)``."""
    from noisecircuits.errors import NoisecircuitsError
    from noisecircuits.sweeps.layout import RESULTS
    from noisecircuits.sweeps.runner import load_results

    if not (directory / RESULTS).exists():
        return None, None, ""
    frame = load_results(directory)
    if not {"temperature_K", "v_bias_V", "n_ones", "n_samples"} <= set(frame.columns):
        return None, None, ""
    from noisecircuits.cells.calibrate import fit_pbit_cell

    try:
        cell, fit = fit_pbit_cell(frame, on_out_of_range="ignore")
    except NoisecircuitsError as exc:
        return None, None, f"the transfer data could not be fitted: {exc}"
    return cell, fit, ""


def assemble_report(directory, *, cell=None, prefix: str = "report") -> tuple[str, dict]:
    """Return ``(html, files)``: the report of ``directory`` and its data files ``{name: text}``.

    Parameters
    ----------
    directory : str or Path
        A run directory (or any directory holding some of the report's files) [-].
    cell : str or Path, optional
        Cell-model JSON to report and overlay instead of ``DIR/cell.json`` (no refit) [-].
    prefix : str
        Stem of the data files' names (``<prefix>_results.csv``, ...) [-].
    """
    from noisecircuits.citations import cite
    from noisecircuits.reporting import checks, sections
    from noisecircuits.reporting.figures import load_cell_if_any
    from noisecircuits.sweeps.layout import CELL, DESIGN_GLOB, ENERGY, GIBBS, RESULTS, SPICE_CHECK

    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory} is not a directory")
    if cell is not None:
        model, source = load_report_cell(cell), str(cell)
    else:
        model, source = load_cell_if_any(directory / CELL), CELL
    fit, message, curves = None, "", model
    if model is None:
        curves, fit, message = _fit_for_report(directory)
    page = Page(prefix)
    shown = {
        "sweep": (sections.sweep_section(page, directory, curves), RESULTS),
        "fit": (sections.fit_section(page, fit, message, curves if fit is not None else None), ""),
        "cell": (sections.cell_section(page, model, source), CELL),
        "spice": (checks.spice_section(page, directory), SPICE_CHECK),
        "gibbs": (checks.gibbs_section(page, directory), GIBBS),
        "design": (checks.design_section(page, directory), DESIGN_GLOB),
        "energy": (sections.energy_section(page, directory), ENERGY),
    }
    if not page.parts:
        raise DataError(f"{directory} holds none of {RESULTS}, {CELL}, {SPICE_CHECK}, {GIBBS}, {DESIGN_GLOB}, "
                        f"{ENERGY}: nothing to report")
    body = page.parts
    head = Page(prefix)
    checks.describe_missing(head, {name: value for name, value in shown.items() if value[1]})
    references = "".join(f"<li>{esc(r)}</li>" for r in cite())
    if references:
        body.append(f"<h2>References</h2><ol class=note>{references}</ol>")
    title = f"noisecircuits report: {directory.resolve().name}"
    html = (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1><p class=note>noisecircuits {esc(__version__)}; directory {esc(directory)}</p>"
        + "\n".join(head.parts + body) + f"<script>{_CHECK_SCRIPT}</script></body></html>\n"
    )
    return html, page.files


def build_report(directory, *, cell=None) -> str:
    """Return the HTML text of the report of ``directory`` (see :func:`assemble_report`)."""
    return assemble_report(directory, cell=cell)[0]


def write_report(directory, out=None, *, cell=None) -> Path:
    """Write the report of ``directory`` to ``out`` (default ``DIR/report.html``) and its data files beside it.

    Everything is built in memory first and each file is written atomically, the HTML last; if
    a data file cannot be written, the ones already written are removed, so no half-written
    report is left behind.

    Parameters
    ----------
    directory : str or Path
        The run directory [-].
    out : str or Path, optional
        HTML file to write; must end in .html [-].
    cell : str or Path, optional
        Cell model to use instead of ``DIR/cell.json`` (no refit) [-].

    Returns
    -------
    Path
        The HTML file.
    """
    out = Path(directory) / "report.html" if out is None else Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise DataError(f"the report file must end in .html, got {str(out)!r}")
    html, files = assemble_report(directory, cell=cell, prefix=out.stem)
    written = []
    try:
        for name, text in files.items():
            written.append(atomic_write_text(out.parent / name, text))
        atomic_write_text(out, html)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    for suffix in DATA_SUFFIXES:
        if f"{out.stem}_{suffix}" not in files:
            (out.parent / f"{out.stem}_{suffix}").unlink(missing_ok=True)
    return out


def data_files(out) -> list[Path]:
    """The data files beside the report ``out`` (what :func:`write_report` wrote with it)."""
    out = Path(out)
    return [p for p in (out.parent / f"{out.stem}_{s}" for s in DATA_SUFFIXES) if p.is_file()]
