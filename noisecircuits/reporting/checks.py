"""Report sections of what was run on the cell: the SPICE check, Gibbs sampling, the cell design.

* ``spice_check.json`` — SDE-vs-ngspice rows (:func:`noisecircuits.validation.crosscheck.check_pbit`
  or any ``{"rows": [...]}``);
* ``gibbs.json`` — distortion of sampling through the cell: ``{"runs": {label: {...}}}`` with
  the fields of :func:`noisecircuits.gibbs.distortion_report` (what ``noisecircuits demo``
  writes), or the output of ``noisecircuits gibbs model --cell ... --json`` (one run);
* ``design*.json`` — design files of ``noisecircuits design pbit --out``; their optima, and the
  energy–τ_c front when several targets were designed.
"""

from __future__ import annotations

import math
from pathlib import Path

from noisecircuits.errors import DataError
from noisecircuits.reporting._html import Column, Page
from noisecircuits.sweeps.layout import DESIGN_GLOB, GIBBS

__all__ = ["spice_section", "gibbs_section", "design_section", "describe_missing"]

_SPICE_COLUMNS = (
    Column("quantity", "quantity"),
    Column("temperature_K", "T [K]"),
    Column("v_bias_V", "V_bias [mV]", 1e3),
    Column("p_one_spice", "P(1) SPICE"),
    Column("p_one_spice_stderr", "\u00b1", digits=3),
    Column("p_one_sde", "P(1) SDE"),
    Column("p_one_tolerance", "tolerance", digits=3),
    Column("p_one_agrees", "agrees"),
    Column("tau_spice_s", "\u03c4_c SPICE [ns]", 1e9),
    Column("tau_spice_stderr_s", "\u00b1 [ns]", 1e9, digits=3),
    Column("tau_sde_s", "\u03c4_c SDE [ns]", 1e9),
    Column("tau_tolerance_s", "tolerance [ns]", 1e9, digits=3),
    Column("tau_agrees", "agrees"),
    Column("spice", "SPICE"),
    Column("spice_stderr", "\u00b1", digits=3),
    Column("sde", "SDE"),
    Column("tolerance", "tolerance", digits=3),
    Column("agrees", "agrees"),
    Column("n_switches_spice", "switches"),
)


def _scalars(document: dict) -> dict:
    return {k: v for k, v in document.items() if not isinstance(v, (list, dict))}


def spice_section(page: Page, directory: Path) -> bool:
    """``spice_check.json``: the agreement table, its verdict and a data file."""
    from noisecircuits.reporting.figures import read_json_file
    from noisecircuits.sweeps.layout import SPICE_CHECK

    path = directory / SPICE_CHECK
    if not path.exists():
        return False
    document = read_json_file(path)
    rows = document.get("rows")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataError(f"{path}: 'rows' must be a list of objects (one per checked point)")
    page.heading("SPICE agreement")
    if _scalars(document):
        page.key_values(_scalars(document), "spice-settings")
    verdicts = [v for r in rows for k, v in r.items() if k.endswith("agrees") and isinstance(v, bool)]
    if verdicts:
        failed = verdicts.count(False)
        text = (f"all {len(verdicts)} checks agree within tolerance" if not failed
                else f"{failed} of {len(verdicts)} checks outside tolerance (rows marked)")
        (page.note if not failed else page.warning)(text)
    columns = [c for c in _SPICE_COLUMNS if any(r.get(c.key) is not None for r in rows)]
    page.table(columns, rows, "spice-check",
               row_class=lambda r: "bad" if any(v is False for k, v in r.items() if k.endswith("agrees")) else "")
    reasons = {}
    for row in rows:
        for key, why in (row.get("null_reasons") or {}).items():
            reasons.setdefault(str(why), set()).add(str(key))
    for why, keys in sorted(reasons.items()):
        page.note(f"\u2014 in {', '.join(sorted(keys))}: {why}")
    page.data_file("spice_check.csv", rows, "every column of every checked point")
    return True


def _gibbs_runs(document: dict, path: Path) -> dict:
    runs = document.get("runs")
    if runs is None and isinstance(document.get("distortion"), dict):  # `gibbs model --cell --json`
        one = dict(document["distortion"])
        if "mean_energy" in document:
            one.setdefault("energy", document["mean_energy"])
            one.setdefault("energy_stderr", document.get("mean_energy_stderr"))
        runs = {"run": one}
    if not isinstance(runs, dict) or not runs or not all(isinstance(r, dict) for r in runs.values()):
        raise DataError(f"{path}: expected 'runs' (label -> distortion fields) or the 'distortion' of a "
                        "`noisecircuits gibbs model --cell` run")
    return runs


def gibbs_section(page: Page, directory: Path) -> bool:
    """``gibbs.json``: KL divergence to the exact law, effective β and the drift from the ideal run."""
    from noisecircuits.reporting.figures import read_json_file

    path = directory / GIBBS
    if not path.exists():
        return False
    document = read_json_file(path)
    runs = _gibbs_runs(document, path)
    page.heading("Gibbs sampling through the cell")
    if _scalars(document):
        page.key_values(_scalars(document), "gibbs-settings")
    ideal = runs.get("ideal")
    records = []
    for label, run in runs.items():
        beta, beta_eff = run.get("beta"), run.get("beta_eff_energy", run.get("beta_eff_pseudolikelihood"))
        record = {"run": label, "temperature_K": run.get("temperature_K"), "kl_nats": run.get("kl_divergence_nats"),
                  "kl_level_nats": run.get("kl_finite_sample_bias_nats"), "beta": beta, "beta_eff": beta_eff,
                  "beta_ratio": beta_eff / beta if isinstance(beta_eff, float) and beta else None,
                  "energy_per_spin": run.get("energy_per_spin"),
                  "energy_per_spin_stderr": run.get("energy_per_spin_stderr")}
        if ideal is not None and run is not ideal:
            shift, se = _shift(run, ideal)
            record.update({"energy_shift": shift, "energy_shift_se": shift / se if se else None})
        records.append(record)
    columns = [Column("run", "run"), Column("temperature_K", "chip T [K]"), Column("kl_nats", "KL [nats]", digits=3),
               Column("kl_level_nats", "finite-sample KL [nats]", digits=3), Column("beta_eff", "\u03b2_eff"),
               Column("beta_ratio", "\u03b2_eff / \u03b2"), Column("energy_per_spin", "E/N"),
               Column("energy_per_spin_stderr", "\u00b1 E/N", digits=3),
               Column("energy_shift", "drift of E/N from ideal", digits=3),
               Column("energy_shift_se", "drift [SE]", digits=3)]
    columns = [c for c in columns if any(r.get(c.key) is not None for r in records)]
    page.table(columns, records, "gibbs")
    page.note("KL: divergence of the sampled state frequencies from the exact law (enumeration); an ideal "
              "sampler shows about the finite-sample level from its finite number of samples alone. "
              "\u03b2_eff: the inverse temperature whose exact mean energy equals the sampled one. Drift: "
              "E/N minus the ideal run's, in combined standard errors.")
    page.data_file("gibbs.csv", records, "one row per run")
    return True


def _shift(run: dict, ideal: dict) -> tuple[float, float]:
    try:
        shift = float(run["energy_per_spin"]) - float(ideal["energy_per_spin"])
        se = math.hypot(float(run["energy_per_spin_stderr"]), float(ideal["energy_per_spin_stderr"]))
    except (KeyError, TypeError, ValueError):
        return None, None
    return shift, se


def design_section(page: Page, directory: Path) -> bool:
    """``design*.json``: each optimum's figures; the energy–τ_c front when several targets exist."""
    from noisecircuits.design.document import read_design_document

    paths = sorted(directory.glob(DESIGN_GLOB))
    if not paths:
        return False
    documents = [(p, read_design_document(p)) for p in paths]
    page.heading("Cell design")
    records = []
    for path, doc in documents:
        figures, target = doc.get("figures") or {}, doc.get("target") or {}
        records.append({"file": path.name, "card": doc["card"], "target_tau_s": target.get("target_tau_s"),
                        "max_energy_J": target.get("max_energy_J"), "temperature_K": target.get("temperature_K"),
                        **{k: figures.get(k) for k in ("correlation_time_s", "energy_per_sample_J", "supply_power_W",
                                                       "barrier_kT", "v_bias_V", "offset_sigma_V")},
                        "active_constraints": ", ".join(doc.get("active_constraints") or []) or None,
                        **{f"geometry_{k}": v for k, v in doc["geometry"].items()}})
    columns = [Column("file", "design file"), Column("target_tau_s", "target \u03c4 [\u00b5s]", 1e6),
               Column("correlation_time_s", "\u03c4_c [\u00b5s]", 1e6), Column("energy_per_sample_J", "E/sample [aJ]", 1e18),
               Column("supply_power_W", "power [pW]", 1e12), Column("barrier_kT", "barrier [kT]", digits=3),
               Column("v_bias_V", "v_mid [mV]", 1e3), Column("active_constraints", "binding constraints")]
    columns = [c for c in columns if c.key == "file" or any(r.get(c.key) is not None for r in records)]
    page.table(columns, records, "design")
    page.heading("Geometry", 3)
    geometry = [Column("file", "design file")] + [
        Column(f"geometry_{k}", _geometry_header(k), *_geometry_scale(k)) for k in documents[0][1]["geometry"]]
    page.table(geometry, records, "design-geometry")
    front = [r for r in records if isinstance(r.get("correlation_time_s"), float)
             and isinstance(r.get("energy_per_sample_J"), float)]
    targets = {(r["target_tau_s"], r["max_energy_J"]) for r in front}
    page.heading("Pareto front: energy per sample against correlation time", 3)
    if len(front) >= 2 and len(targets) >= 2:
        page.figure(_front_axes(front), "design-front",
                    f"optimum of each of the {len(front)} design files: least energy per sample for its target")
    else:
        page.add("<p>Not available: the directory holds "
                 f"{'one design optimum' if len(front) == 1 else 'no design figures'}, and a front needs the "
                 "optimum at two or more targets. Write one design file per target into the directory, e.g. "
                 "<code>noisecircuits design pbit --target-tau S --out DIR/design_S.json</code> for a few "
                 "values of S, and rebuild the report.</p>")
    page.data_file("design.csv", records, "one row per design file: target, figures, geometry (SI units)")
    return True


def _geometry_header(key: str) -> str:
    name, _, unit = key.rpartition("_")
    label = {"m": "[\u00b5m]", "F": "[fF]", "V": "[mV]"}.get(unit)
    return f"{name.replace('_', ' ')} {label}" if label else key.replace("_", " ")


def _geometry_scale(key: str) -> tuple:
    return ({"m": 1e6, "F": 1e15, "V": 1e3}.get(key.rpartition("_")[2], 1.0),)


def _front_axes(front):
    from noisecircuits.plotting import new_axes

    ax = new_axes()
    points = sorted(front, key=lambda r: r["correlation_time_s"])
    tau = [r["correlation_time_s"] * 1e6 for r in points]
    energy = [r["energy_per_sample_J"] * 1e18 for r in points]
    ax.plot(tau, energy, "o-", color="tab:blue")
    for r, x, y in zip(points, tau, energy):
        ax.annotate(r["file"], (x, y), xytext=(4, 4), textcoords="offset points", fontsize=9)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("correlation time \u03c4_c [\u00b5s]")
    ax.margins(0.15)
    ax.set_ylabel("energy per sample [aJ]")
    return ax


def describe_missing(page: Page, present: dict) -> None:
    """One line naming the sections whose input files are not in the directory."""
    missing = [f"{name} ({what})" for name, (shown, what) in present.items() if not shown]
    if missing:
        page.note("Not in this directory, so not reported: " + "; ".join(missing) + ".")

