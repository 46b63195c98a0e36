"""The main job: the reference p-bit from device physics to energy per sample, end to end.

Run ``noisecircuits demo --out DIR`` (``make demo``; :mod:`noisecircuits.commands.demo`). Stages, each a small function:

1. :func:`bias_span` — per temperature, the exact v_mid and the biases spanning
   P(1) ≈ 0.05 … 0.95 (Fokker–Planck);
2. :func:`simulate_transfer` — SDE transfer curve on that grid (each point
   ``duration_tau`` correlation times long);
3. :func:`exact_transfer` — the Fokker–Planck curve on a fine grid, for the lines;
4. :func:`summarize` — per temperature: v_mid, 10–90 % width, τ_c, power, and one cell's
   energy per independent sample;
5. :func:`write_outputs` — ``DIR/transfer_curve.csv``, ``DIR/transfer_curve.png`` and the table;
   :func:`noisecircuits.pipeline.save_table` — ``DIR/results.parquet``;
6. :func:`spice_check` — the same p-bit in ngspice (generic BSIM4 card, explicit shot-noise
   sources) at 300 K and five biases vs the SDE model (``DIR/spice_check.json``);
7. :func:`noisecircuits.pipeline.finish_job` (the orchestrator shared with the sweep
   pipeline) — fitted cell model ``DIR/cell.json`` and its SPICE, Verilog-A, CSV and JSON
   exports in ``DIR/cell/``; energy per sample of a 16×16 chip of such cells vs the GPU
   baseline (``DIR/energy.json``); ``DIR/report.html``, the self-contained report;
8. :func:`fit_deviation` — the largest gap |ΔP(1)| between the fitted cell and the exact curve;
9. :func:`gibbs_with_cell` — an enumerable Ising lattice sampled ideally and through the
   calibrated cell (KL divergence to the exact law, effective β).

Every JSON file it writes is strict JSON.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["DEMO_TEMPERATURES", "bias_span", "simulate_transfer", "exact_transfer", "summarize", "write_outputs",
           "spice_check", "fit_deviation", "gibbs_with_cell", "estimate_cost", "run_demo"]

#: Temperatures of the demonstration [K].
DEMO_TEMPERATURES = (280.0, 300.0, 320.0)
#: Wall time of the SDE transfer curve per bias per correlation time of ``duration_tau``, all three
#: temperatures together [s] (measured: 3 biases x 200 tau_c in 4.2 s on a loaded 2-core machine; x 2.4)
_SECONDS_PER_BIAS_TAU = 0.017
#: Wall time of everything else (ngspice check, fit and exports, Gibbs, chip energy, report) [s]
_FIXED_SECONDS = 120.0
#: Largest tau_c of the reference p-bit at v_mid in fastest relaxation times (280 K: 540), and the
#: bytes held per stored sample (two node voltages, the read-out and its copies) [-, bytes]
_TIMESCALES_PER_TAU, _BYTES_PER_SAMPLE = 600.0, 64.0


def _bias_at(design, temperature, target, v_mid, step):
    """Bias where the exact P(1) equals ``target`` (Brent, bracket widened from v_mid by ``step``)."""
    from scipy.optimize import brentq

    from noisecircuits.circuits.pbit import p_one_exact

    def excess(v):
        return p_one_exact(design, v, temperature) - target

    far = v_mid + step
    while np.sign(excess(far)) == np.sign(excess(v_mid)):
        far += step
    return float(brentq(excess, min(v_mid, far), max(v_mid, far), xtol=1e-6))


def bias_span(design, temperature, n_biases=11, p_low=0.05, p_high=0.95) -> tuple[float, np.ndarray]:
    """Exact v_mid and ``n_biases`` equally spaced biases from P(1) = ``p_low`` to ``p_high``.

    Parameters
    ----------
    design : PBitDesign
        The p-bit [-].
    temperature : float
        Temperature [K].
    n_biases : int
        Number of biases [-].
    p_low, p_high : float
        P(1) at the ends of the span [-].

    Returns
    -------
    (float, ndarray)
        v_mid [V] and the biases [V].
    """
    from noisecircuits.circuits.pbit import v_mid

    vm = v_mid(design, temperature)
    low = _bias_at(design, temperature, p_low, vm, -0.01)
    high = _bias_at(design, temperature, p_high, vm, +0.01)
    return vm, np.linspace(low, high, n_biases)


def simulate_transfer(design, spans: dict, duration_tau: float = 100.0, seed: int = 0):
    """SDE transfer curve: per temperature, every bias of ``spans[T]`` for ``duration_tau`` τ_c(v_mid).

    Temperature ``i`` uses the root seed ``SeedSequence(seed).spawn(len(spans))[i]`` for
    :func:`~noisecircuits.circuits.transfer.pbit_transfer_curve`.

    Parameters
    ----------
    design : PBitDesign
        The p-bit [-].
    spans : dict
        ``{temperature [K]: (v_mid [V], biases [V])}`` from :func:`bias_span`.
    duration_tau : float
        Simulated time per point in units of the exact τ_c at v_mid [-].
    seed : int
        Root seed [-].

    Returns
    -------
    pandas.DataFrame
        The tidy transfer table (docs/architecture.md columns), ``seed`` = root seed.
    """
    import pandas as pd

    from noisecircuits._seeding import seed_sequence
    from noisecircuits.circuits.pbit import correlation_time_exact
    from noisecircuits.circuits.transfer import pbit_transfer_curve

    frames = []
    roots = seed_sequence(seed).spawn(len(spans))
    for root, (temperature, (vm, biases)) in zip(roots, spans.items()):
        duration = duration_tau * correlation_time_exact(design, vm, temperature)
        frame = pbit_transfer_curve(design, [temperature], biases, duration=duration, seed=root, engine="sde")
        frame["seed"] = seed
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def exact_transfer(design, spans: dict, n_points: int = 41):
    """Fokker–Planck P(1) on a fine grid spanning each temperature's biases.

    Parameters
    ----------
    design : PBitDesign
        The p-bit [-].
    spans : dict
        ``{temperature [K]: (v_mid [V], biases [V])}``.
    n_points : int
        Points per temperature [-].

    Returns
    -------
    pandas.DataFrame
        Columns ``temperature_K, v_bias_V, p_one_exact``.
    """
    import pandas as pd

    from noisecircuits.circuits.pbit import p_one_exact

    rows = []
    for temperature, (_, biases) in spans.items():
        for v in np.linspace(biases[0], biases[-1], n_points):
            rows.append({"temperature_K": temperature, "v_bias_V": v, "p_one_exact": p_one_exact(design, v, temperature)})
    return pd.DataFrame(rows)


def summarize(design, spans: dict, table):
    """Per temperature: exact v_mid, 10–90 % width, τ_c and power at v_mid, one cell's energy per independent sample.

    Parameters
    ----------
    design : PBitDesign
        The p-bit [-].
    spans : dict
        ``{temperature [K]: (v_mid [V], biases [V])}``.
    table : pandas.DataFrame
        SDE transfer table (for the measured τ_c at the bias nearest v_mid).

    Returns
    -------
    pandas.DataFrame
        Columns ``temperature_K, v_mid_V, width_10_90_V, tau_c_exact_s, tau_c_sde_s,
        supply_power_W, cell_energy_per_sample_J`` (one cell, one independent sample:
        supply power × 2 τ_c).
    """
    import pandas as pd

    from noisecircuits.circuits.pbit import PBit
    from noisecircuits.physics.sampling import energy_per_sample

    rows = []
    for temperature, (vm, _) in spans.items():
        cell = PBit(design, vm, temperature)
        tau = cell.correlation_time_exact()
        power = cell.supply_power()
        width = _bias_at(design, temperature, 0.9, vm, 0.01) - _bias_at(design, temperature, 0.1, vm, -0.01)
        here = table[table.temperature_K == temperature]
        nearest = here.iloc[int(np.argmin(np.abs(here.v_bias_V.to_numpy() - vm)))]
        rows.append({
            "temperature_K": temperature,
            "v_mid_V": vm,
            "width_10_90_V": width,
            "tau_c_exact_s": tau,
            "tau_c_sde_s": float(nearest.correlation_time_s),
            "supply_power_W": power,
            "cell_energy_per_sample_J": energy_per_sample(power, tau),
        })
    return pd.DataFrame(rows)


def _plot(table, exact, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from noisecircuits._io import atomic_path

    fig, ax = plt.subplots(figsize=(6, 4))
    for (temperature, points), color in zip(table.groupby("temperature_K"), ("tab:blue", "tab:green", "tab:red", "k")):
        line = exact[exact.temperature_K == temperature]
        ax.plot(line.v_bias_V * 1e3, line.p_one_exact, color=color, label=f"{temperature:g} K, Fokker-Planck")
        ax.errorbar(points.v_bias_V * 1e3, points.p_one, yerr=points.p_one_stderr, fmt="o", color=color, ms=4,
                    capsize=2, label=f"{temperature:g} K, SDE")
    ax.set_xlabel("v_bias [mV]")
    ax.set_ylabel("P(out = 1)")
    ax.set_title("Reference p-bit transfer curve")
    ax.legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)


def write_outputs(out_dir, table, exact, summary, stream=None) -> dict:
    """Write ``transfer_curve.csv`` and ``transfer_curve.png`` and print the summary table.

    Parameters
    ----------
    out_dir : path
        Output folder (created) [-].
    table, exact, summary : pandas.DataFrame
        Outputs of :func:`simulate_transfer`, :func:`exact_transfer`, :func:`summarize`.
    stream : file, optional
        Where the table goes; default stdout [-].

    Returns
    -------
    dict
        Paths written, by name.
    """
    from noisecircuits._io import write_table

    stream = sys.stdout if stream is None else stream
    out_dir = Path(out_dir)
    csv = write_table(table, out_dir / "transfer_curve.csv")
    png = out_dir / "transfer_curve.png"
    _plot(table, exact, png)
    stream.write("\nReference p-bit (SDE points, Fokker-Planck exact values)\n")
    stream.write(f"{'T [K]':>6} {'v_mid [mV]':>10} {'width10-90 [mV]':>15} {'tau_c exact [us]':>16} "
                 f"{'tau_c SDE [us]':>14} {'power [pW]':>10} {'cell E per indep. sample [aJ]':>29}\n")
    for row in summary.itertuples():
        stream.write(f"{row.temperature_K:6.0f} {row.v_mid_V * 1e3:10.2f} {row.width_10_90_V * 1e3:15.2f} "
                     f"{row.tau_c_exact_s * 1e6:16.3f} {row.tau_c_sde_s * 1e6:14.3f} {row.supply_power_W * 1e12:10.3f} "
                     f"{row.cell_energy_per_sample_J * 1e18:29.2f}\n")
    stream.write(f"\nwrote {csv} and {png}\n")
    return {"transfer_curve_csv": csv, "transfer_curve_png": png}


#: why a ``spice_check.json`` value can be null
SPICE_NULL_REASONS = {
    "tau_spice_s": "no completed dwell in the ngspice record, or the latch is not bistable at this bias",
    "tau_spice_stderr_s": "no completed dwell in the ngspice record, or the latch is not bistable at this bias",
    "tau_sde_s": "the latch is not bistable at this bias: no correlation time",
    "tau_log_budget": "the latch is not bistable at this bias: no correlation time",
    "tau_tolerance_s": "the correlation time is not checked at this bias",
}


def spice_check(out_dir, seed: int = 0, temperature: float = 300.0, probabilities=(0.1, 0.3, 0.5, 0.7, 0.9),
                correlation_times: float = 150.0):
    """Circuit-level check of the p-bit in ngspice at one temperature and a few biases.

    Writes ``spice_check.json`` (``{"card", "correlation_times", "rows"}``, strict JSON: a
    value that cannot be computed is ``null`` and its row says why in ``null_reasons``).
    Returns ``None`` without ngspice.

    Parameters
    ----------
    out_dir : path
        Output folder [-].
    seed : int
        Root seed of the ngspice noise streams [-].
    temperature : float
        Check temperature [K].
    probabilities : sequence of float
        Target P(1) of the checked biases (chosen on the SDE model) [-].
    correlation_times : float
        ngspice run length per point in correlation times at v_mid [-].

    Returns
    -------
    pandas.DataFrame or None
        :func:`noisecircuits.validation.crosscheck.check_pbit` rows.
    """
    import shutil

    from noisecircuits.pipeline import write_json
    from noisecircuits.sweeps.layout import SPICE_CHECK

    if shutil.which("ngspice") is None:
        sys.stderr.write("demo: ngspice not found, circuit-level check skipped (install: sudo apt-get install ngspice)\n")
        return None
    from noisecircuits.validation.crosscheck import check_pbit

    # the light check design: the reference design's check costs ~5x more (docs/spice.md "Cost of the check")
    rows = check_pbit("generic", [temperature], probabilities=probabilities, seed=seed,
                      correlation_times=correlation_times, workers=2, light=True)
    document = {"card": "generic", "correlation_times": correlation_times, "rows": rows.to_dict("records")}
    write_json(Path(out_dir) / SPICE_CHECK, document, SPICE_NULL_REASONS)
    return rows


def fit_deviation(cell, design, temperatures=DEMO_TEMPERATURES, n_points: int = 201) -> dict:
    """How well the fitted cell reproduces the exact curve: max |P_cell(1) - P_exact(1)| per temperature.

    The maximum is taken on ``n_points`` biases spanning the cell's validity range of
    v_bias, at each of ``temperatures`` inside its validity range of temperature.

    Parameters
    ----------
    cell : PBitCellModel
        The calibrated cell [-].
    design : PBitDesign
        The p-bit whose exact (Fokker–Planck) curve is the reference [-].
    temperatures : sequence of float
        [K].
    n_points : int
        Biases per temperature [-].

    Returns
    -------
    dict
        ``{temperature [K]: (max |ΔP(1)| [-], bias where it occurs [V])}``.
    """
    from noisecircuits.circuits.pbit import p_one_exact

    low, high = cell.validity["v_bias_V"]
    t_low, t_high = cell.validity["temperature_K"]
    out = {}
    for temperature in temperatures:
        if not t_low <= temperature <= t_high:
            continue
        biases = np.linspace(low, high, n_points)
        fitted = np.asarray(cell.p_one(biases, temperature), dtype=float)
        exact = np.array([p_one_exact(design, v, temperature) for v in biases])
        k = int(np.argmax(np.abs(fitted - exact)))
        out[float(temperature)] = (float(abs(fitted[k] - exact[k])), float(biases[k]))
    return out


def gibbs_with_cell(cell, temperatures=(300.0, 320.0), size: int = 3, beta: float = 0.3, sweeps: int = 20000,
                    seed: int = 0) -> dict:
    """Sample an enumerable periodic Ising lattice ideally and through the calibrated cell.

    The bias network (offset v_mid, gain 2β·v_width) is tuned at the first temperature; the
    chip is then run at each temperature with that same network, so the table shows what a
    temperature drift does to the sampled law.

    Parameters
    ----------
    cell : PBitCellModel
        The calibrated cell [-].
    temperatures : sequence of float
        Chip temperatures; the first is the one the bias network is tuned for [K].
    size : int
        Lattice side; size² ≤ 20 so the exact law is enumerable [-].
    beta : float
        Inverse temperature of the model [1/J].
    sweeps : int
        Recorded sweeps per chain [-].
    seed : int
        Root seed [-].

    Returns
    -------
    dict
        ``{label: distortion}`` with ``kl_divergence_nats``, ``kl_finite_sample_bias_nats``,
        ``beta_eff_energy``, ``energy_per_spin`` and ``energy_per_spin_stderr``.
    """
    from noisecircuits._seeding import seed_sequence
    from noisecircuits.gibbs import HardwareMode, distortion_report, ising_lattice, sample_ising

    model = ising_lattice(size, beta=beta)
    tuned = float(temperatures[0])
    offset, gain = float(cell.v_mid(tuned)), 2.0 * beta * float(cell.v_width(tuned))
    modes = {"ideal": None}
    for temperature in temperatures:
        modes[f"cell {temperature:g} K"] = HardwareMode(cell, temperature=float(temperature), gain=gain, offset=offset)
    seeds = seed_sequence(seed).spawn(len(modes))
    result = {}
    for (label, hardware), child in zip(modes.items(), seeds):
        run = sample_ising(model, sweeps, burn_in=500, chains=4, seed=child, histogram=True, hardware=hardware)
        energy = run.energy()
        result[label] = {**distortion_report(run), "energy_per_spin": float(energy.mean) / model.n_nodes,
                         "energy_per_spin_stderr": float(energy.stderr) / model.n_nodes}
    return result


def print_final_summary(cell, spice_rows, gibbs, energy, deviation=None, chip=None, stream=None, truth=None) -> None:
    """Print the fit per temperature, the SPICE agreement, the Gibbs distortion and the energy table.

    Parameters
    ----------
    cell : PBitCellModel
        The calibrated cell [-].
    spice_rows : pandas.DataFrame or None
        :func:`spice_check` rows [-].
    gibbs : dict
        :func:`gibbs_with_cell` output [-].
    energy : dict
        :func:`noisecircuits.pipeline.energy_estimate` output [-].
    deviation : dict, optional
        :func:`fit_deviation` output [-].
    chip : ChipSettings, optional
        The chip of ``energy`` [-].
    stream : file, optional
        Where the text goes; default stdout [-].
    truth : dict, optional
        :func:`noisecircuits.validation.truth.compare_with_exact_pbit` of the cell [-].
    """
    from noisecircuits.pipeline import ChipSettings

    stream = sys.stdout if stream is None else stream
    chip = ChipSettings() if chip is None else chip
    deviation = deviation or {}
    stream.write(f"\nCalibrated cell ({cell.form} form) per temperature; max |dP(1)| = largest gap between the "
                 "fitted cell and the exact curve over the validity range of v_bias\n")
    stream.write(f"{'T [K]':>6} {'v_mid fit [mV]':>14} {'v_width fit [mV]':>16} {'max |dP(1)|':>12} {'at [mV]':>8}\n")
    for temperature in DEMO_TEMPERATURES:
        gap, where = deviation.get(float(temperature), (math.nan, math.nan))
        stream.write(f"{temperature:6.0f} {float(cell.v_mid(temperature)) * 1e3:14.2f} "
                     f"{float(cell.v_width(temperature)) * 1e3:16.2f} {gap:12.4f} {where * 1e3:8.2f}\n")
    if truth is not None:
        from noisecircuits.validation.truth import format_truth_figures

        stream.write("Against the exact reference p-bit over the cell's validity range (bias x temperature): "
                     f"{format_truth_figures(truth)}\n")
    if spice_rows is not None:
        stream.write("\nngspice (generic BSIM4 card, transient shot noise) vs SDE model\n")
        stream.write(f"{'T [K]':>6} {'v_bias [mV]':>11} {'P1 spice':>9} {'+-':>6} {'P1 SDE':>7} {'agrees':>7} "
                     f"{'tau spice [us]':>14} {'tau SDE [us]':>12} {'agrees':>7}\n")
        for row in spice_rows.itertuples():
            stream.write(f"{row.temperature_K:6.0f} {row.v_bias_V * 1e3:11.2f} {row.p_one_spice:9.3f} "
                         f"{row.p_one_spice_stderr:6.3f} {row.p_one_sde:7.3f} {str(row.p_one_agrees):>7} "
                         f"{row.tau_spice_s * 1e6:14.3f} {row.tau_sde_s * 1e6:12.3f} {str(row.tau_agrees):>7}\n")
    stream.write("\nGibbs sampling of a 3x3 periodic Ising lattice (beta J = 0.3; bias network tuned at 300 K), "
                 "exact law by enumeration\n")
    for name, d in gibbs.items():
        stream.write(f"  {name:10s}: E/N = {d['energy_per_spin']:.4f} +- {d['energy_per_spin_stderr']:.4f}, "
                     f"KL = {d['kl_divergence_nats']:.4f} nats (finite-sample level "
                     f"{d['kl_finite_sample_bias_nats']:.4f}), beta_eff = {d['beta_eff_energy']:.3f}\n")
    cells = chip.lattice_size**2
    stream.write(f"\nChip energy ({chip.describe()})\n")
    labels = (
        ("energy_per_update_J", "one cell update [J]"),
        ("energy_per_sweep_J", f"one sweep, {cells} updates [J]"),
        ("energy_per_sample_J", f"one chip sample, {chip.sweeps_per_step * chip.steps} sweeps [J]"),
        ("gpu_baseline_J", "GPU, the same updates [J]"),
        ("trng_baseline_J", "TRNG + digital, same updates [J]"),
    )
    for key, label in labels:
        stream.write(f"  {label:38s} {energy[key]:.3e}\n")
    stream.write(f"  {'GPU / chip, per chip sample':38s} {energy['gpu_over_chip']:.3g}\n")


def estimate_cost(n_biases: int, duration_tau: float) -> tuple[float, float]:
    """Order-of-magnitude peak memory [bytes] and wall time [s] of :func:`run_demo`.

    The SDE transfer curve dominates: its points run one after another, each storing one
    sample per fastest relaxation time of a ``duration_tau`` τ_c long trace.

    Parameters
    ----------
    n_biases : int
        Biases per temperature [-].
    duration_tau : float
        Simulated time per point in correlation times at v_mid [-].

    Returns
    -------
    (float, float)
        Memory [bytes] and time [s].
    """
    memory = float(duration_tau) * _TIMESCALES_PER_TAU * _BYTES_PER_SAMPLE
    seconds = _FIXED_SECONDS + _SECONDS_PER_BIAS_TAU * float(n_biases) * float(duration_tau)
    return memory, seconds


def run_demo(out, *, seed: int = 0, duration_tau: float = 400.0, n_biases: int = 11, spice: bool = True,
             stream=None) -> dict:
    """Run the whole demonstration into ``out`` (module docstring) and print its summary.

    Parameters
    ----------
    out : path-like
        Output folder [-].
    seed : int
        Root seed [-].
    duration_tau : float
        Simulated time per point in correlation times at v_mid [-].
    n_biases : int
        Biases per temperature [-].
    spice : bool
        Run the ngspice check (skipped anyway without ngspice) [-].
    stream : file, optional
        Where the tables go; default stdout [-].

    Returns
    -------
    dict
        ``out``, ``report``, ``seconds`` and the headline numbers.
    """
    from noisecircuits.circuits.pbit import PBitDesign
    from noisecircuits.pipeline import ChipSettings, finish_job, save_table

    stream = sys.stdout if stream is None else stream

    start = time.perf_counter()

    def stage(name):
        sys.stderr.write(f"demo: {name} done at {time.perf_counter() - start:.1f} s\n")

    design = PBitDesign.default()
    chip = ChipSettings()
    spans = {t: bias_span(design, t, n_biases) for t in DEMO_TEMPERATURES}
    stage("bias spans")
    table = simulate_transfer(design, spans, duration_tau, seed)
    stage("SDE transfer curve")
    exact = exact_transfer(design, spans)
    summary = summarize(design, spans, table)
    stage("exact curve and summary")
    write_outputs(out, table, exact, summary, stream=stream)
    save_table(out, table)
    spice_rows = spice_check(out, seed) if spice else None
    stage("ngspice check")
    done = finish_job(out, table, seed=seed, chip=chip)
    stage("fit, exports, chip energy and report")
    cell = done["cell"]
    deviation = fit_deviation(cell, design)
    from noisecircuits.validation.truth import compare_with_exact_pbit

    truth = compare_with_exact_pbit(cell, design)
    gibbs = gibbs_with_cell(cell, seed=seed)
    stage("Gibbs sampling with the calibrated cell")
    print_final_summary(cell, spice_rows, gibbs, done["energy"], deviation, chip, stream=stream, truth=truth)
    seconds = time.perf_counter() - start
    stream.write(f"\nreport: {done['report']}\ndemo finished in {seconds:.1f} s\n")
    return {"out": str(out), "report": str(done["report"]), "seconds": seconds,
            "max_abs_delta_p_one": max((gap for gap, _ in deviation.values()), default=math.nan),
            "truth_figures": {k: v for k, v in truth.items() if isinstance(v, float)},
            "cell_energy_per_independent_sample_J": [float(v) for v in summary.cell_energy_per_sample_J],
            "chip_energy_per_sample_J": done["energy"]["energy_per_sample_J"]}
