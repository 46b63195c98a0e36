"""Report sections of the sweep itself: parameters and figures, results, the fit, the cell, energy.

Each ``*_section(page, ...)`` adds its HTML and data file to a :class:`~._html.Page` and
returns whether it added anything.
"""

from __future__ import annotations

import math
from pathlib import Path

from noisecircuits.reporting._html import Column, Page, esc

__all__ = ["sweep_section", "fit_section", "cell_section", "energy_section", "fit_quality_table"]

#: Results-table columns shown on the page when present (the data file holds every column).
RESULT_COLUMNS = (
    Column("temperature_K", "T [K]"),
    Column("v_bias_V", "V_bias [mV]", 1e3),
    Column("mismatch_index", "instance"),
    Column("p_one", "P(1)"),
    Column("p_one_stderr", "\u00b1 P(1)", digits=3),
    Column("correlation_time_s", "\u03c4_c [ns]", 1e9),
    Column("correlation_time_stderr_s", "\u00b1 \u03c4_c [ns]", 1e9, digits=3),
    Column("n_switches", "switches"),
    Column("n_effective", "N_eff", digits=3),
    Column("supply_power_W", "power [pW]", 1e12),
    Column("energy_per_sample_J", "E/sample [aJ]", 1e18),
)
#: At most this many occupation columns on the page [-].
_MAX_OCCUPATIONS = 6


def _result_columns(frame) -> list:
    columns = [c for c in RESULT_COLUMNS if c.key in frame.columns and frame[c.key].notna().any()
               and not (frame[c.key].dtype.kind == "f" and (frame[c.key].fillna(0) == 0).all())]
    occupations = sorted((c for c in frame.columns if c.startswith("occupations_") and c[12:].isdigit()),
                         key=lambda c: int(c[12:]))
    columns += [Column(c, f"P(state {c[12:]})") for c in occupations[:_MAX_OCCUPATIONS]]
    return columns


def sweep_section(page: Page, directory: Path, curves) -> bool:
    """Parameters, transfer and τ_c figures, occupations and the results table of ``results.parquet``."""
    from noisecircuits import plotting
    from noisecircuits.reporting.figures import occupation_columns
    from noisecircuits.sweeps.layout import MANIFEST, RESULTS
    from noisecircuits.sweeps.runner import load_results, read_manifest

    if not (directory / RESULTS).exists():
        return False
    frame = load_results(directory)
    page.heading("Sweep")
    if (directory / MANIFEST).exists():
        manifest = read_manifest(directory)
        parameters = dict(manifest.get("parameters", {}))
        parameters["toolkit_version"] = manifest.get("toolkit_version")
        expected = manifest.get("n_points")
        parameters["points finished"] = f"{len(frame)} of {expected}" if expected else len(frame)
        page.key_values(parameters, "sweep-parameters")
    if {"temperature_K", "v_bias_V", "p_one"} <= set(frame.columns):
        model = curves if getattr(curves, "kind", None) == "pbit" else None
        page.figure(plotting.plot_transfer(frame, model), "transfer", "P(1) against bias per temperature")
    if {"temperature_K", "v_bias_V", "correlation_time_s"} <= set(frame.columns) and \
            (frame["correlation_time_s"].fillna(0) > 0).any():
        model = curves if getattr(curves, "correlation_time_law", None) else None
        page.figure(plotting.plot_correlation_time(frame, model), "correlation-time", "correlation time against bias")
    if any(c.startswith("occupations_") for c in frame.columns):
        occupations, errors = occupation_columns(frame)
        record = frame.iloc[0]
        stderr = None if None in errors else [record[e] for e in errors]
        ax = plotting.plot_occupations([record[c] for c in occupations], stderr)
        page.figure(ax, "occupations", f"occupations at T = {record['temperature_K']:g} K, "
                                       f"V_bias = {record['v_bias_V'] * 1e3:g} mV (first row)")
    page.heading("Results", 3)
    records = frame.drop(columns=[c for c in ("point_id",) if c in frame.columns]).to_dict("records")
    page.table(_result_columns(frame), records, "results")
    page.data_file("results.csv", records, f"all {len(frame.columns)} columns, SI units in the column names")
    return True


def fit_quality_table(page: Page, fit_quality: dict, name: str) -> None:
    """Goodness of fit per law (form, deviance/dof, p-value, AICc, poor-fit mark) and the forms compared."""
    from noisecircuits.cells._header import poor_fit_lines

    for line in poor_fit_lines(fit_quality):
        page.warning(line)
    rows, extras = [], []
    for law, stats in fit_quality.items():
        if not isinstance(stats, dict):
            continue
        deviance, dof = stats.get("deviance"), stats.get("dof")
        ratio = deviance / dof if isinstance(deviance, (int, float)) and isinstance(dof, (int, float)) and dof else None
        p_value = stats.get("p_value")
        poor = stats.get("poor_fit")
        if poor is None and isinstance(p_value, (int, float)):
            poor = p_value < 0.01
        extras += [f"{law.replace('_', ' ')}: {k.replace('_', ' ')} = {v:.3g}" for k, v in stats.items()
                   if k in ("rms_log_residual", "rms_residual") and isinstance(v, (int, float))]
        if deviance is None and p_value is None and stats.get("aicc") is None:
            continue
        rows.append({"law": law.replace("_", " "), "form": stats.get("form"), "points": stats.get("n_points"),
                     "deviance_dof": f"{deviance:.4g} / {dof:g}" if ratio is not None else None,
                     "ratio": ratio, "p_value": p_value, "aicc": stats.get("aicc"),
                     "poor": None if poor is None else ("POOR FIT" if poor else "ok")})
    if rows:
        columns = [Column("law", "law"), Column("form", "form chosen"), Column("points", "points"),
                   Column("deviance_dof", "deviance / dof"), Column("ratio", "ratio", digits=3),
                   Column("p_value", "p-value", digits=3), Column("aicc", "AICc", digits=5), Column("poor", "fit")]
        page.table(columns, rows, name, row_class=lambda r: "bad" if r["poor"] == "POOR FIT" else "")
    for line in extras:
        page.note(line)
    transfer = fit_quality.get("transfer") or {}
    compared = {k[5:]: v for k, v in transfer.items() if k.startswith("aicc_") and isinstance(v, (int, float))}
    if compared:
        best = min(compared.values())
        records = [{"form": k, "aicc": v, "delta": v - best} for k, v in sorted(compared.items(), key=lambda kv: kv[1])]
        page.add("<details open><summary class=note>Forms compared (AICc; lower is better)</summary>")
        page.table([Column("form", "candidate"), Column("aicc", "AICc", digits=5),
                    Column("delta", "\u0394AICc", digits=3)], records, f"{name}-candidates")
        page.add("</details>")


def fit_section(page: Page, fit, message: str, fitted=None) -> bool:
    """The transfer-curve fit computed for the report (no cell model given or in the directory).

    ``fitted`` is the cell made from ``fit``; its provenance carries the fit-quality figures
    a ``cell.json`` would (AICc of each candidate form among them).
    """
    if fit is None and not message:
        return False
    page.heading("Transfer-curve fit")
    if fit is None:
        page.add(f"<p>{esc(message)}</p>")
        return True
    page.note(f"Computed for this report (no cell model in the directory): {fit.form} form, {fit.method}, "
              f"{fit.n_points} points; the lines in the sweep figures.")
    records = [{"parameter": k, "value": v, "stderr": fit.stderr.get(k)} for k, v in fit.parameters.items()]
    page.table([Column("parameter", "parameter"), Column("value", "value"), Column("stderr", "std. error", digits=2)],
               records, "fit-parameters")
    provenance = getattr(fitted, "provenance", None) or {}
    fit_quality = dict(provenance.get("fit_quality") or {})
    quality = {**dict(fit.goodness_of_fit or {}), **dict(fit_quality.get("transfer") or {})}
    quality.setdefault("form", fit.form)
    quality.setdefault("n_points", fit.n_points)
    p_value = quality.get("p_value")
    quality.setdefault("poor_fit", bool(isinstance(p_value, (int, float)) and p_value < 0.01))
    fit_quality["transfer"] = quality
    page.heading("Fit quality", 3)
    fit_quality_table(page, fit_quality, "fit-quality")
    page.data_file("fit.json", {"form": fit.form, "method": fit.method, "parameters": fit.parameters,
                                "stderr": fit.stderr, "goodness_of_fit": quality}, "the fit and its statistics")
    return True


def cell_section(page: Page, cell, source: str) -> bool:
    """Form, fitted parameters, fit quality, validity and provenance of the cell model."""
    if cell is None:
        return False
    document = cell.to_document() if hasattr(cell, "to_document") else dict(cell.document)
    page.heading("Cell model")
    summary = {k: document.get(k) for k in ("name", "kind", "form", "schema_version") if k in document}
    summary["file"] = source
    page.key_values(summary, "cell-summary")
    provenance = dict(document.get("provenance") or {})
    page.heading("Fit quality", 3)
    fit_quality_table(page, provenance.pop("fit_quality", None) or {}, "fit-quality")
    parameters = document.get("parameters") or {}
    stderr = document.get("parameter_stderr") or {}
    page.heading("Fitted parameters", 3)
    page.table([Column("parameter", "parameter"), Column("value", "value"), Column("stderr", "std. error", digits=2)],
               [{"parameter": k, "value": v, "stderr": stderr.get(k)} for k, v in parameters.items()],
               "cell-parameters")
    for key in ("validity", "mismatch", "correlation_time", "supply_power"):
        if isinstance(document.get(key), dict):
            page.heading(key.replace("_", " ").capitalize(), 3)
            page.key_values(document[key], f"cell-{key.replace('_', '-')}")
    if provenance:
        page.heading("Provenance", 3)
        page.key_values(provenance, "cell-provenance")
    return True


def energy_section(page: Page, directory: Path) -> bool:
    """``energy.json``: breakdown against the baselines (figure, table, data file)."""
    from noisecircuits import plotting
    from noisecircuits.reporting.figures import energy_bars, read_json_file
    from noisecircuits.sweeps.layout import ENERGY

    path = directory / ENERGY
    if not path.exists():
        return False
    document = read_json_file(path)
    breakdown, baselines, label = energy_bars(document)
    ax = plotting.plot_energy_breakdown(breakdown, baselines, unit_label=label)
    page.heading("Energy")
    page.figure(ax, "energy", f"{label}: breakdown and baselines")
    records = [{"item": k, "kind": "component", "energy_J": v} for k, v in breakdown.items()]
    records += [{"item": k, "kind": "baseline", "energy_J": v} for k, v in baselines.items()]
    page.table([Column("item", "item"), Column("kind", "kind"), Column("energy_J", "energy [J]")], records,
               "energy-breakdown")
    scalars = {k: v for k, v in document.items() if not isinstance(v, (list, dict))
               and not (isinstance(v, float) and math.isnan(v))}
    if scalars:
        page.key_values(scalars, "energy-figures")
    page.data_file("energy.csv", records, f"{label} per component and baseline [J]")
    return True
