"""The main job: the reference p-bit from device physics to energy per sample, end to end.

Run ``noisecircuits demo --out DIR`` (``make demo``; :mod:`noisecircuits.commands.demo`). Stages, each a small function:

1. :func:`common_window` — the exact v_mid per temperature and one set of biases for all
   temperatures, spanning P(1) = 0.1 … 0.9 at the middle temperature (Fokker–Planck), so the
   fitted cell's validity rectangle (bias × temperature) is measured everywhere, not
   extrapolated into corners no temperature visited;
2. :func:`simulate_transfer` — SDE transfer curve on that grid; each point's duration follows
   its exact P(1) and τ_c (:func:`point_duration`): the P(1) standard error of a v_mid point of
   ``duration_tau`` correlation times at every bias, and at least :func:`min_switches`
   switching events;
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
   calibrated cell (KL divergence to the exact law, effective β), written to ``DIR/gibbs.json``
   (:func:`write_gibbs`); the report is then rewritten with its Gibbs section.

Every JSON file it writes is strict JSON.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["DEMO_TEMPERATURES", "DEMO_MIN_SWITCHES", "FLOOR_MIN_SWITCHES", "min_switches", "DEFAULT_DURATION_TAU", "MAX_DURATION_TAU", "check_duration_tau", "bias_span",
           "common_window", "point_duration", "simulate_transfer", "exact_transfer", "summarize", "write_outputs",
           "spice_check", "fit_deviation", "GIBBS_AGREEMENT_SE", "gibbs_with_cell", "write_gibbs", "estimate_cost", "run_demo"]

#: Temperatures of the demonstration [K].
DEMO_TEMPERATURES = (280.0, 300.0, 320.0)
#: Largest ``duration_tau``: the 280 K mid-point trace (540 fastest relaxation times per tau_c, one
#: stored sample of two node voltages per relaxation time) must stay within the simulator's 2e7
#: stored values per path [-].
MAX_DURATION_TAU = 15000.0
#: Standard errors within which the cell's Gibbs energy must match the ideal run's at the design temperature [-].
GIBBS_AGREEMENT_SE = 4.0
#: P(1) at the middle temperature at the two ends of the common bias window [-].
WINDOW_P_ONE = (0.1, 0.9)
#: Fewest switching events a point's duration aims at with the default ``duration_tau``: the
#: mean dwells, hence tau_c, of a tail point to about sqrt(2/1000 * (p^2 + (1-p)^2)), 4.5 %, so
#: that the fitted tau_c law meets the 10 % truth tolerance at the corners of the validity
#: rectangle (docs/circuits.md, Demo). Shorter runs scale it down with ``duration_tau``, to no
#: fewer than :data:`FLOOR_MIN_SWITCHES` [-].
DEMO_MIN_SWITCHES = 1000
#: Fewest switching events of a point whatever ``duration_tau`` (tail tau_c to about 11 %) [-].
FLOOR_MIN_SWITCHES = 150
#: Default ``duration_tau``: a P(1) standard error of 0.0058 per point, the precision at which
#: the fitted cell meets the truth tolerances for every seed tried (docs/circuits.md, Demo) [-].
DEFAULT_DURATION_TAU = 15000.0
#: Wall time of the SDE transfer curve per bias per correlation time of ``duration_tau``, all three
#: temperatures together [s] (measured: 9 biases x 15000 tau_c, tails raised to 1000 switching
#: events, in 175 s on the loaded shared 2-core machine; 5000 tau_c in 90 s)
_SECONDS_PER_BIAS_TAU = 0.002
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


def common_window(design, temperatures=DEMO_TEMPERATURES, n_biases: int = 9, p_low: float = WINDOW_P_ONE[0],
                  p_high: float = WINDOW_P_ONE[1]) -> dict:
    """The same ``n_biases`` biases at every temperature, from P(1) = ``p_low`` to ``p_high`` at the middle one.

    Parameters
    ----------
    design : PBitDesign
        The p-bit [-].
    temperatures : sequence of float
        Temperatures [K].
    n_biases : int
        Number of biases [-].
    p_low, p_high : float
        Exact P(1) at the ends of the window at the middle temperature [-].

    Returns
    -------
    dict
        ``{temperature [K]: (v_mid [V], biases [V])}``, the biases shared.
    """
    from noisecircuits.circuits.pbit import v_mid

    temperatures = [float(t) for t in temperatures]
    middle = sorted(temperatures)[len(temperatures) // 2]
    _, biases = bias_span(design, middle, n_biases, p_low, p_high)
    return {t: (v_mid(design, t), biases) for t in temperatures}


def point_duration(model, duration_tau: float, tau_mid: float) -> float:
    """Simulated time of one SDE point from its exact P(1) = p and τ_c [s].

    A two-state trace of length T has Var P(1) = 2 τ_c p(1 - p) / T: the duration
    ``duration_tau`` · 4 p(1 - p) · τ_c gives every point the P(1) standard error of a v_mid point
    (p = 1/2) of ``duration_tau`` correlation times; it is raised to at least
    :func:`min_switches` expected switching events (rate 2 p(1 - p)/τ_c). A monostable
    point gets ``duration_tau`` · 4 p(1 - p) · ``tau_mid``.

    Parameters
    ----------
    model : PBit
        The p-bit at the point [-].
    duration_tau : float
        Duration of a p = 1/2 point in its correlation times [-].
    tau_mid : float
        Exact τ_c at v_mid, for monostable points [s].
    """
    p = min(max(model.p_one_exact(), 1e-6), 1.0 - 1e-6)
    spread = p * (1.0 - p)
    if not model.bistable:
        return float(duration_tau) * 4.0 * spread * tau_mid
    tau = model.correlation_time_exact()
    return max(float(duration_tau) * 4.0 * spread * tau, min_switches(duration_tau) * tau / (2.0 * spread))


def min_switches(duration_tau: float) -> float:
    """Fewest switching events of a point [-]: :data:`DEMO_MIN_SWITCHES` scaled by
    ``duration_tau`` [-] / :data:`DEFAULT_DURATION_TAU`, at least :data:`FLOOR_MIN_SWITCHES`."""
    return max(float(FLOOR_MIN_SWITCHES), DEMO_MIN_SWITCHES * float(duration_tau) / DEFAULT_DURATION_TAU)


def simulate_transfer(design, spans: dict, duration_tau: float = DEFAULT_DURATION_TAU, seed: int = 0):
    """SDE transfer curve: per temperature, every bias of ``spans[T]`` for its :func:`point_duration`.

    Bias ``j`` of temperature ``i`` uses the root seed
    ``SeedSequence(seed).spawn(len(spans))[i].spawn(n_biases)[j]`` for
    :func:`~noisecircuits.circuits.transfer.pbit_transfer_curve`; the points run on
    ``numba.get_num_threads()`` threads.

    Parameters
    ----------
    design : PBitDesign
        The p-bit [-].
    spans : dict
        ``{temperature [K]: (v_mid [V], biases [V])}`` from :func:`bias_span`.
    duration_tau : float
        Duration of a P(1) = 1/2 point in correlation times (:func:`point_duration`) [-].
    seed : int
        Root seed [-].

    Returns
    -------
    pandas.DataFrame
        The tidy transfer table (docs/architecture.md columns), ``seed`` = root seed.
    """
    from concurrent.futures import ThreadPoolExecutor

    import numba
    import pandas as pd

    from noisecircuits._seeding import seed_sequence
    from noisecircuits.circuits.pbit import PBit, correlation_time_exact
    from noisecircuits.circuits.transfer import pbit_transfer_curve

    jobs = []
    roots = seed_sequence(seed).spawn(len(spans))
    for root, (temperature, (vm, biases)) in zip(roots, spans.items()):
        tau_mid = correlation_time_exact(design, vm, temperature)
        for child, v in zip(root.spawn(len(biases)), biases):
            duration = point_duration(PBit(design, float(v), temperature), duration_tau, tau_mid)
            jobs.append((temperature, float(v), duration, child))

    def one(job):
        temperature, v, duration, child = job
        return pbit_transfer_curve(design, [temperature], [v], duration=duration, seed=child, engine="sde")

    # longest first, so that the threads finish together
    order = sorted(range(len(jobs)), key=lambda k: -jobs[k][2] / PBit(design, jobs[k][1], jobs[k][0]).timescale)
    with ThreadPoolExecutor(max_workers=max(1, min(len(jobs), numba.get_num_threads()))) as pool:
        done = dict(zip(order, pool.map(one, [jobs[k] for k in order])))
    table = pd.concat([done[k] for k in range(len(jobs))], ignore_index=True)
    table["seed"] = seed
    return table


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
                    seed: int = 0, bias_network: str = "inverse") -> dict:
    """Sample an enumerable periodic Ising lattice ideally and through the calibrated cell.

    The bias network is calibrated at the first temperature (the design temperature): by
    default the lookup-table network v(I) = P^-1(σ(2βI); T_design) through the cell's own law
    (:mod:`noisecircuits.gibbs.hardware`), or the linear one (offset v_mid, gain 2β·v_width).
    The chip is then run at each temperature with that same network, so the table shows what a
    temperature drift does to the sampled law; at the design temperature the inverse network
    must agree with ideal sampling.

    Parameters
    ----------
    cell : PBitCellModel
        The calibrated cell [-].
    temperatures : sequence of float
        Chip temperatures; the first is the one the bias network is calibrated at [K].
    size : int
        Lattice side; size² ≤ 20 so the exact law is enumerable [-].
    beta : float
        Inverse temperature of the model [1/J].
    sweeps : int
        Recorded sweeps per chain [-].
    seed : int
        Root seed [-].
    bias_network : str
        ``"inverse"`` or ``"linear"`` [-].

    Returns
    -------
    dict
        ``{label: distortion}`` with ``kl_divergence_nats``, ``kl_finite_sample_bias_nats``,
        ``beta_eff_energy``, ``energy_per_spin`` and ``energy_per_spin_stderr``; the cell runs
        also ``energy_shift_from_ideal``, its ``energy_shift_from_ideal_stderr`` and
        ``agrees_with_ideal`` (shift within :data:`GIBBS_AGREEMENT_SE` combined standard errors).
    """
    from noisecircuits._seeding import seed_sequence
    from noisecircuits.gibbs import HardwareMode, distortion_report, ising_lattice, sample_ising

    model = ising_lattice(size, beta=beta)
    tuned = float(temperatures[0])
    modes = {"ideal": None}
    for temperature in temperatures:
        if bias_network == "linear":
            mode = HardwareMode(cell, temperature=float(temperature), gain=2.0 * beta * float(cell.v_width(tuned)),
                                offset=float(cell.v_mid(tuned)))
        else:
            mode = HardwareMode(cell, temperature=float(temperature), bias_network=bias_network, design_temperature=tuned)
        modes[f"cell {temperature:g} K"] = mode
    seeds = seed_sequence(seed).spawn(len(modes))
    result = {}
    for (label, hardware), child in zip(modes.items(), seeds):
        run = sample_ising(model, sweeps, burn_in=500, chains=4, seed=child, histogram=True, hardware=hardware)
        energy = run.energy()
        result[label] = {**distortion_report(run), "energy_per_spin": float(energy.mean) / model.n_nodes,
                         "energy_per_spin_stderr": float(energy.stderr) / model.n_nodes}
    ideal = result["ideal"]
    for label, run in result.items():
        if label != "ideal":
            shift = run["energy_per_spin"] - ideal["energy_per_spin"]
            stderr = math.hypot(run["energy_per_spin_stderr"], ideal["energy_per_spin_stderr"])
            run.update({"energy_shift_from_ideal": shift, "energy_shift_from_ideal_stderr": stderr,
                        "agrees_with_ideal": bool(abs(shift) <= GIBBS_AGREEMENT_SE * stderr)})
    return result


def write_gibbs(out, gibbs: dict, tuned_temperature: float = 300.0, size: int = 3, beta: float = 0.3,
                bias_network: str = "inverse"):
    """Write :func:`gibbs_with_cell` output as ``DIR/gibbs.json`` (read by the report).

    Layout: ``{"model", "beta", "tuned_temperature_K", "bias_network", "runs": {label: distortion}}``; each run
    labelled ``cell <T> K`` also carries its chip ``temperature_K``.

    Parameters
    ----------
    out : path-like
        Output folder [-].
    gibbs : dict
        :func:`gibbs_with_cell` output [-].
    tuned_temperature : float
        Temperature the bias network was tuned at [K].
    size : int
        Lattice side [-].
    beta : float
        Inverse temperature of the model [1/J].
    bias_network : str
        The network of :func:`gibbs_with_cell` [-].
    """
    from noisecircuits.pipeline import write_json
    from noisecircuits.sweeps.layout import GIBBS

    runs = {}
    for label, run in gibbs.items():
        runs[label] = dict(run)
        if label.startswith("cell ") and label.endswith(" K"):
            runs[label]["temperature_K"] = float(label[5:-2])
    document = {"model": f"{size}x{size} periodic Ising lattice, exact law by enumeration", "beta": beta,
                "tuned_temperature_K": tuned_temperature, "bias_network": bias_network, "runs": runs}
    return write_json(Path(out) / GIBBS, document)


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
    stream.write("\nGibbs sampling of a 3x3 periodic Ising lattice (beta J = 0.3; lookup-table bias network through "
                 "the cell's law, calibrated at 300 K), exact law by enumeration\n")
    for name, d in gibbs.items():
        line = (f"  {name:10s}: E/N = {d['energy_per_spin']:.4f} +- {d['energy_per_spin_stderr']:.4f}, "
                f"KL = {d['kl_divergence_nats']:.4f} nats (finite-sample level "
                f"{d['kl_finite_sample_bias_nats']:.4f}), beta_eff = {d['beta_eff_energy']:.3f}")
        if "energy_shift_from_ideal" in d:
            shift, se = d["energy_shift_from_ideal"], d["energy_shift_from_ideal_stderr"]
            verdict = (f"agrees with ideal within {GIBBS_AGREEMENT_SE:g} SE" if d["agrees_with_ideal"]
                       else f"differs from ideal by more than {GIBBS_AGREEMENT_SE:g} SE")
            line += f"; E/N - ideal = {shift:+.4f} +- {se:.4f} ({shift / se if se else math.nan:+.1f} SE): {verdict}"
        stream.write(line + "\n")
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


def check_duration_tau(duration_tau: float) -> float:
    """``duration_tau`` [-] if in (0, :data:`MAX_DURATION_TAU`]; otherwise ParameterError naming ``--duration-tau``."""
    from noisecircuits.errors import ParameterError

    if not 0 < duration_tau <= MAX_DURATION_TAU:
        raise ParameterError(f"--duration-tau must be in (0, {MAX_DURATION_TAU:g}] (the longest point's trace must fit "
                             f"the simulator's stored-sample limit), got {duration_tau:g}")
    return float(duration_tau)


def estimate_cost(n_biases: int, duration_tau: float) -> tuple[float, float]:
    """Order-of-magnitude peak memory [bytes] and wall time [s] of :func:`run_demo`.

    The SDE transfer curve dominates: its points run two at a time, each storing one sample per
    fastest relaxation time of a trace at most ``duration_tau`` τ_c long (:func:`point_duration`).

    Parameters
    ----------
    n_biases : int
        Biases per temperature [-].
    duration_tau : float
        Duration of a P(1) = 1/2 point in correlation times (:func:`point_duration`) [-].

    Returns
    -------
    (float, float)
        Memory [bytes] and time [s].
    """
    memory = 2.0 * float(duration_tau) * _TIMESCALES_PER_TAU * _BYTES_PER_SAMPLE  # two points at once
    seconds = _FIXED_SECONDS + _SECONDS_PER_BIAS_TAU * float(n_biases) * float(duration_tau)
    return memory, seconds


def run_demo(out, *, seed: int = 0, duration_tau: float = DEFAULT_DURATION_TAU, n_biases: int = 9, spice: bool = True,
             stream=None) -> dict:
    """Run the whole demonstration into ``out`` (module docstring) and print its summary.

    Parameters
    ----------
    out : path-like
        Output folder [-].
    seed : int
        Root seed [-].
    duration_tau : float
        Duration of a P(1) = 1/2 point in correlation times (:func:`point_duration`) [-].
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

    check_duration_tau(duration_tau)
    stream = sys.stdout if stream is None else stream

    start = time.perf_counter()

    def stage(name):
        sys.stderr.write(f"demo: {name} done at {time.perf_counter() - start:.1f} s\n")

    design = PBitDesign.default()
    chip = ChipSettings()
    spans = common_window(design, DEMO_TEMPERATURES, n_biases)
    stage("bias window")
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
    from noisecircuits.validation.truth import compare_with_exact_pbit, truth_failures

    truth = compare_with_exact_pbit(cell, design)
    gibbs = gibbs_with_cell(cell, seed=seed)
    write_gibbs(out, gibbs)
    stage("Gibbs sampling with the calibrated cell")
    from noisecircuits.reporting.report import write_report

    write_report(out)  # again, now with the Gibbs section
    print_final_summary(cell, spice_rows, gibbs, done["energy"], deviation, chip, stream=stream, truth=truth)
    seconds = time.perf_counter() - start
    stream.write(f"\nreport: {done['report']}\ndemo finished in {seconds:.1f} s\n")
    return {"out": str(out), "report": str(done["report"]), "seconds": seconds,
            "max_abs_delta_p_one": max((gap for gap, _ in deviation.values()), default=math.nan),
            "truth_figures": {k: v for k, v in truth.items() if isinstance(v, float)},
            "truth_failures": truth_failures(truth),
            "cell_energy_per_independent_sample_J": [float(v) for v in summary.cell_energy_per_sample_J],
            "chip_energy_per_sample_J": done["energy"]["energy_per_sample_J"]}
