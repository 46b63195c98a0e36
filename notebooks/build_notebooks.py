"""Write the five tutorial notebooks (without outputs) with nbformat.

    .venv/bin/python notebooks/build_notebooks.py

Each notebook uses the public API only and runs in well under 30 s; tests/test_notebooks.py
executes them with nbclient.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """import numpy as np
import matplotlib
matplotlib.use("Agg")  # figures are drawn without a display; use %matplotlib inline to see them
import matplotlib.pyplot as plt
import noisecircuits as nc
from noisecircuits import plotting"""

DEVICE_PHYSICS = [
    new_markdown_cell(
        "# Device physics and double wells\n\n"
        "A subthreshold MOSFET (EKV model), its shot noise, and the reduced double well "
        "$u(x) = h(x^2-1)^2 - b x$ that every bistable sampler maps onto. Each simulated number is "
        "compared with its exact value from `noisecircuits.physics.oracles`."
    ),
    new_code_cell(SETUP),
    new_markdown_cell("## Subthreshold I–V and swing\n\n$I_D \\propto e^{(V_{GS}-V_{th})/nU_T}$; "
                      "the swing $S = n U_T \\ln 10$ grows with temperature."),
    new_code_cell(
        """from noisecircuits.physics.mosfet import MosfetParams, drain_current, subthreshold_swing

nmos = MosfetParams.default_nmos()
v_gate = np.linspace(0.0, 0.6, 61)
fig, ax = plt.subplots()
for temperature in (250.0, 300.0, 350.0):
    current = drain_current(nmos, v_gate, 0.0, 0.5, temperature)
    ax.semilogy(v_gate, current, label=f"{temperature:g} K")
    swing = subthreshold_swing(nmos, temperature)
    print(f"{temperature:5.0f} K: swing {swing * 1e3:.1f} mV/decade")
ax.set_xlabel("V_GS [V]"); ax.set_ylabel("I_D [A]"); ax.legend()"""
    ),
    new_markdown_cell("## Shot noise\n\nIn saturation the one-sided PSD is $2qI$."),
    new_code_cell(
        """from noisecircuits.constants import ELEMENTARY_CHARGE
from noisecircuits.physics.mosfet import forward_reverse_currents
from noisecircuits.physics.noise import shot_noise_psd

i_f, i_r = forward_reverse_currents(nmos, 0.25, 0.0, 0.5, 300.0)
psd = shot_noise_psd(i_f, i_r)
print(f"I_D = {i_f - i_r:.3e} A, S_I = {psd:.3e} A^2/Hz, 2qI = {2 * ELEMENTARY_CHARGE * (i_f - i_r):.3e} A^2/Hz")"""
    ),
    new_markdown_cell(
        "## The reduced double well\n\nSimulate $dx = -u'(x)/\\tau\\,dt + \\sqrt{2/\\tau}\\,dW$ and compare the "
        "occupation of the right well, the correlation time and the histogram with their exact values."
    ),
    new_code_cell(
        """from noisecircuits.physics import oracles

barrier, tilt, tau = 2.0, 0.4, 1e-6
model = nc.ReducedDoubleWell(barrier=barrier, tilt=tilt, tau=tau)
trace = nc.simulate(model, duration=4e-3, paths=4, seed=1, record_every=10)
stats = nc.trace_stats(trace)
p_exact = oracles.double_well_p_right(barrier, tilt)
tau_exact = oracles.double_well_correlation_time(barrier, tilt, tau)
print(f"P(right): simulated {stats['p_right']:.4f} ± {stats['p_right_stderr']:.4f}, exact {p_exact:.4f}")
print(f"correlation time: simulated {stats['correlation_time_s']:.3e} s, exact {tau_exact:.3e} s")
assert abs(stats["p_right"] - p_exact) < 5 * stats["p_right_stderr"]"""
    ),
    new_code_cell(
        """x = model.readout(trace.values)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
plotting.plot_trace(trace.times[:4000], x[0, :4000], states=(x[0, :4000] > 0).astype(int), wells=model.wells, ax=ax1)
plotting.plot_histogram(x, lambda grid: oracles.stationary_density(model.potential, grid), ax=ax2)
ax2.set_xlabel("x")"""
    ),
]

FITTING = [
    new_markdown_cell(
        "# Fitting and exporting a cell model\n\n"
        "Sweep a p-bit over temperature and bias, fit its transfer law $P(1) = \\sigma((V - V_{mid})/w(T))$, "
        "and export the calibrated cell to JSON, SPICE, Verilog-A and CSV. The sweep uses the `telegraph` "
        "kind, an exactly simulated two-state p-bit whose width is $w = n U_T$ with $n = 1.4$, so the fit "
        "can be checked against the truth."
    ),
    new_code_cell(SETUP + "\nimport tempfile, pathlib\nwork = pathlib.Path(tempfile.mkdtemp())"),
    new_code_cell(
        """from noisecircuits.sweeps import SweepSpec, run_sweep, load_results

spec = SweepSpec("telegraph", temperatures=[250.0, 300.0, 350.0, 400.0],
                 v_biases=np.linspace(-0.08, 0.08, 9), seed=7, duration=2e-3)
summary = run_sweep(spec, work / "sweep", workers=1, show_progress=False)
frame = load_results(work / "sweep")
frame[["temperature_K", "v_bias_V", "p_one", "p_one_stderr", "correlation_time_s"]].head()"""
    ),
    new_code_cell(
        """from noisecircuits.cells.calibrate import fit_pbit_cell

cell, fit = fit_pbit_cell(frame)
print("form:", cell.form)
for name, value in cell.parameters.items():
    print(f"  {name} = {np.round(value, 6).tolist()}")
u_t = nc.thermal_voltage(300.0)
width = cell.v_width(300.0)
print(f"width at 300 K: fitted {width * 1e3:.2f} mV, true n U_T = {1.4 * u_t * 1e3:.2f} mV")"""
    ),
    new_code_cell(
        """fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
plotting.plot_transfer(frame, cell, ax=ax1)
plotting.plot_correlation_time(frame, cell, ax=ax2)"""
    ),
    new_code_cell(
        """from noisecircuits.cells.export import EXPORT_FORMATS, export_cell

suffix = {"json": ".json", "spice": ".cir", "verilog-a": ".va", "csv": ".csv"}
for fmt in EXPORT_FORMATS:
    path = export_cell(cell, work / f"pbit_cell{suffix[fmt]}", fmt)
    print(f"{fmt:10s} -> {path.name} ({path.stat().st_size} bytes)")
again = nc.load_cell(work / "pbit_cell.json")
print("reloaded P(1) at +20 mV, 300 K:", again.p_one(0.02, 300.0))"""
    ),
]


TRACES = [
    new_markdown_cell(
        "# Sampler traces against temperature and bias\n\n"
        "The reference p-bit is a latch of two cross-coupled subthreshold inverters at V_dd = 80 mV; shot "
        "noise makes it hop between its two states and the bias voltage tilts the wells. We simulate short "
        "traces at a few biases and temperatures, and compare P(1) with the exact Fokker–Planck value."
    ),
    new_code_cell(SETUP),
    new_code_cell(
        """from noisecircuits.circuits.pbit import PBit

fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True)
for ax, v_bias in zip(axes, (0.115, 0.125, 0.135)):
    model = nc.PBit(v_bias=v_bias, temperature=300.0)
    trace = nc.simulate(model, duration=5e-4, seed=3, record_every=20)
    x = model.readout(trace.values)[0]
    shown = trace.times < 1e-4  # draw the first 100 µs, use all 500 µs for the statistics
    plotting.plot_trace(trace.times[shown], x[shown], states=(x[shown] > 0).astype(int), wells=model.wells, ax=ax)
    stats = nc.trace_stats(trace)
    ax.set_title(f"V_bias = {v_bias * 1e3:.0f} mV: P(1) = {stats['p_one']:.2f} ± {stats['p_one_stderr']:.2f}, "
                 f"exact {model.p_one_exact():.2f}", fontsize=9)"""
    ),
    new_markdown_cell("## Temperature\n\nHotter means more noise against the same barrier: much faster hopping "
                      "(τ_c is about 3.4 µs at 300 K)."),
    new_code_cell(
        """for temperature in (325.0, 350.0):
    model = nc.PBit(v_bias=0.125, temperature=temperature)
    trace = nc.simulate(model, duration=5e-4, seed=4, record_every=20)
    stats = nc.trace_stats(trace)
    print(f"{temperature:5.0f} K: P(1) = {stats['p_one']:.3f} ± {stats['p_one_stderr']:.3f} "
          f"(exact {model.p_one_exact():.3f}), τ_c = {stats['correlation_time_s'] * 1e6:.2f} µs "
          f"(exact {model.correlation_time_exact() * 1e6:.2f} µs)")"""
    ),
]

GIBBS = [
    new_markdown_cell(
        "# Gibbs sampling with calibrated cells, and the energy estimate\n\n"
        "Calibrate a p-bit cell from a sweep, drive a small Ising model's block-Gibbs updates with it, "
        "check the sampled mean energy against exact enumeration, and estimate the energy per sample "
        "against a GPU baseline."
    ),
    new_code_cell(SETUP + "\nimport tempfile, pathlib\nwork = pathlib.Path(tempfile.mkdtemp())"),
    new_code_cell(
        """from noisecircuits.sweeps import SweepSpec, run_sweep, load_results
from noisecircuits.cells.calibrate import fit_pbit_cell

spec = SweepSpec("telegraph", temperatures=[280.0, 300.0, 320.0], v_biases=np.linspace(-0.1, 0.1, 11),
                 seed=2, duration=2e-3)
run_sweep(spec, work / "sweep", workers=1, show_progress=False)
cell, _ = fit_pbit_cell(load_results(work / "sweep"))
# strong local fields map to biases beyond the calibrated range, where the cell is saturated
# (P(1) = 0 or 1); evaluate there without a warning
cell = cell.with_out_of_range("ignore")
print(cell.form, {k: round(v, 6) for k, v in cell.parameters.items()})"""
    ),
    new_code_cell(
        """from noisecircuits.gibbs import HardwareMode, ising_lattice, sample_ising
from noisecircuits.gibbs.exact import exact_mean_energy

model = ising_lattice(4, beta=0.3)  # 16 spins: exact enumeration is cheap
exact = exact_mean_energy(model)
ideal = sample_ising(model, sweeps=4000, burn_in=200, chains=2, seed=1)
chip = sample_ising(model, sweeps=4000, burn_in=200, chains=2, seed=1,
                    hardware=HardwareMode(cell, temperature=300.0))
for name, run in (("ideal heat bath", ideal), ("calibrated cell", chip)):
    e = run.energy()
    print(f"{name:16s}: <E> = {e.mean:.3f} ± {e.stderr:.3f}   exact {exact:.3f}")
fig, ax = plt.subplots()
plotting.plot_gibbs_observable(chip.energies[0], exact=exact, label="energy [J]", ax=ax)"""
    ),
    new_code_cell(
        """from noisecircuits.energy.chip import chip_energy_report

report = chip_energy_report(model, sweeps=250, steps=8, cell=cell, temperature=300.0, measure_sweeps=200)
print(f"energy per sample: {report['energy_per_sample_J']:.3e} J, GPU baseline {report['gpu_baseline_J']:.3e} J "
      f"({report['gpu_over_chip']:.0f}x)")
fig, ax = plt.subplots()
plotting.plot_energy_breakdown({k: v for k, v in report["breakdown_J"].items() if v > 0},
                               {"GPU (H100)": report["gpu_baseline_J"] / (250 * 8 * model.n_nodes)},
                               unit_label="energy per cell update", ax=ax)"""
    ),
]

def write(name: str, cells) -> Path:
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = HERE / name
    nbformat.write(notebook, path)
    return path


THRML = [
    new_markdown_cell(
        "# Calibrated cells inside thrml\n\n"
        "`noisecircuits.interop.thrml.sample_ising` runs Gibbs sampling of an Ising model in thrml "
        "(Extropic's JAX library) with every spin drawn through a calibrated p-bit cell's law. "
        "Here: a 3 × 3 torus, a logistic cell, the ideal bias network tuned at 300 K, and the same "
        "chip drifted to 330 K, against the exact Boltzmann law by enumeration."
    ),
    new_code_cell(SETUP),
    new_code_cell(
        """import json
from noisecircuits.interop.thrml import sample_ising
from noisecircuits.gibbs.exact import exact_mean_energy
from noisecircuits.gibbs.hardware import HardwareMode

beta = 0.3
edges = []
for r in range(3):
    for c in range(3):
        i = 3 * r + c
        edges.append([i, 3 * r + (c + 1) % 3, 1.0])
        edges.append([i, 3 * ((r + 1) % 3) + c, 1.0])
model = {"spins": 9, "beta": beta, "biases": [0.0] * 9, "couplings": edges}
print(json.dumps(model)[:80], "...")"""
    ),
    new_markdown_cell("A logistic cell, as `noisecircuits fit transfer` would write it (midpoint 0.30 V, "
                      "width 35 mV at 300 K)."),
    new_code_cell(
        """from noisecircuits.cells.model import cell_from_document

document = {
    "schema_version": 1, "kind": "pbit", "name": "notebook_cell", "form": "logistic",
    "parameters": {"v_mid_ref_V": 0.30, "dv_mid_dT_V_per_K": -1.0e-3, "v_width_ref_V": 0.035,
                   "width_exponent": 1.0, "t_ref_K": 300.0},
    "parameter_stderr": {k: None for k in ("v_mid_ref_V", "dv_mid_dT_V_per_K", "v_width_ref_V",
                                           "width_exponent", "t_ref_K")},
    "correlation_time": {"law": "power_arrhenius", "tau_peak_ref_s": 1e-7, "tau_activation_energy_J": 1e-20,
                         "tau_shape_exponent": 0.5, "t_ref_K": 300.0},
    "supply_power": {"law": "log_linear", "supply_power_ref_W": 2e-9, "supply_power_log_slope_per_K": 0.01,
                     "t_ref_K": 300.0},
    "energy_per_sample": {"law": "supply_power_times_2tau"},
    "mismatch": {"v_mid_sigma_V": 0.0, "v_width_rel_sigma": 0.0},
    "validity": {"v_bias_V": [0.1, 0.5], "temperature_K": [250.0, 350.0]},
    "provenance": {"toolkit_version": "notebook", "source": "notebook", "source_sha256": None,
                   "created_utc": "2026-01-01T00:00:00Z", "fit_quality": {}},
}
cell = cell_from_document(document)
network = {"gain": HardwareMode(cell, 300.0).ideal_gain(beta), "offset": float(cell.v_mid(300.0))}"""
    ),
    new_code_cell(
        """from noisecircuits.gibbs.graphs import ising_from_dict

ising = ising_from_dict(model, source="notebook")
exact_energy = exact_mean_energy(ising) / 9

for temperature in (300.0, 330.0):
    spins = sample_ising(cell, model, temperature, sweeps=2000, burn_in=200, chains=4, seed=1, **network)
    energy = np.mean([ising.energy(chain.astype(float)).mean() for chain in spins]) / 9
    print(f"chip at {temperature:.0f} K: E/N = {energy:.4f}   (exact at beta = {beta}: {exact_energy:.4f})")"""
    ),
]

NOTEBOOKS = {
    "01_device_physics.ipynb": DEVICE_PHYSICS,
    "02_sampler_traces.ipynb": TRACES,
    "03_fitting_and_export.ipynb": FITTING,
    "04_gibbs_and_energy.ipynb": GIBBS,
    "05_cells_in_thrml.ipynb": THRML,
}


if __name__ == "__main__":
    for filename, cells in NOTEBOOKS.items():
        print(write(filename, cells))
