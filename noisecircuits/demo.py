"""The end-to-end demonstration, first stage: the reference p-bit's transfer curve vs temperature.

Run ``python -m noisecircuits.demo --out DIR``. Stages (each a small function, so later stages
— SPICE check, fitting, exports, Gibbs sampling, energy, report — can be appended):

1. :func:`bias_span` — per temperature, the exact v_mid and the biases spanning
   P(1) ≈ 0.05 … 0.95 (Fokker–Planck);
2. :func:`simulate_transfer` — SDE transfer curve on that grid (each point
   ``duration_tau`` correlation times long);
3. :func:`exact_transfer` — the Fokker–Planck curve on a fine grid, for the lines;
4. :func:`summarize` — per temperature: v_mid, 10–90 % width, τ_c, power, energy per sample;
5. :func:`write_outputs` — ``DIR/transfer_curve.csv``, ``DIR/transfer_curve.png`` and the table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["DEMO_TEMPERATURES", "bias_span", "simulate_transfer", "exact_transfer", "summarize", "write_outputs", "main"]

#: Temperatures of the demonstration [K].
DEMO_TEMPERATURES = (280.0, 300.0, 320.0)


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

    from noisecircuits.circuits.pbit import correlation_time_exact
    from noisecircuits.circuits.transfer import pbit_transfer_curve

    frames = []
    roots = np.random.SeedSequence(seed).spawn(len(spans))
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
    """Per temperature: exact v_mid, 10–90 % width, τ_c and power at v_mid, energy per sample.

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
        supply_power_W, energy_per_sample_J``.
    """
    import pandas as pd

    from noisecircuits.circuits.pbit import PBit

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
            "energy_per_sample_J": power * 2.0 * tau,
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


def write_outputs(out_dir, table, exact, summary, stream=sys.stdout) -> dict:
    """Write ``transfer_curve.csv`` and ``transfer_curve.png`` and print the summary table.

    Parameters
    ----------
    out_dir : path
        Output folder (created) [-].
    table, exact, summary : pandas.DataFrame
        Outputs of :func:`simulate_transfer`, :func:`exact_transfer`, :func:`summarize`.
    stream : file
        Where the table goes [-].

    Returns
    -------
    dict
        Paths written, by name.
    """
    from noisecircuits._io import write_table

    out_dir = Path(out_dir)
    csv = write_table(table, out_dir / "transfer_curve.csv")
    png = out_dir / "transfer_curve.png"
    _plot(table, exact, png)
    stream.write("\nReference p-bit (SDE points, Fokker-Planck exact values)\n")
    stream.write(f"{'T [K]':>6} {'v_mid [mV]':>10} {'width10-90 [mV]':>15} {'tau_c exact [us]':>16} "
                 f"{'tau_c SDE [us]':>14} {'power [pW]':>10} {'E/sample [aJ]':>13}\n")
    for row in summary.itertuples():
        stream.write(f"{row.temperature_K:6.0f} {row.v_mid_V * 1e3:10.2f} {row.width_10_90_V * 1e3:15.2f} "
                     f"{row.tau_c_exact_s * 1e6:16.3f} {row.tau_c_sde_s * 1e6:14.3f} {row.supply_power_W * 1e12:10.3f} "
                     f"{row.energy_per_sample_J * 1e18:13.2f}\n")
    stream.write(f"\nwrote {csv} and {png}\n")
    return {"transfer_curve_csv": csv, "transfer_curve_png": png}


def main(argv=None) -> int:
    """Command-line entry: ``python -m noisecircuits.demo --out DIR [--seed N] [--duration-tau X]``."""
    from noisecircuits.circuits.pbit import PBitDesign
    from noisecircuits.commands._common import positive_float, positive_int
    from noisecircuits.errors import NoisecircuitsError

    parser = argparse.ArgumentParser(prog="python -m noisecircuits.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    parser.add_argument("--duration-tau", type=positive_float, default=100.0,
                        help="simulated time per point in correlation times at v_mid (default 100)")
    parser.add_argument("--n-biases", type=positive_int, default=11, help="biases per temperature (default 11)")
    args = parser.parse_args(argv)
    try:
        start = time.perf_counter()

        def stage(name):
            sys.stderr.write(f"demo: {name} done at {time.perf_counter() - start:.1f} s\n")

        design = PBitDesign.default()
        spans = {t: bias_span(design, t, args.n_biases) for t in DEMO_TEMPERATURES}
        stage("bias spans")
        table = simulate_transfer(design, spans, args.duration_tau, args.seed)
        stage("SDE transfer curve")
        exact = exact_transfer(design, spans)
        summary = summarize(design, spans, table)
        stage("exact curve and summary")
        write_outputs(args.out, table, exact, summary)
        sys.stdout.write(f"demo finished in {time.perf_counter() - start:.1f} s\n")
    except NoisecircuitsError as exc:
        sys.stderr.write(f"demo: error: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
