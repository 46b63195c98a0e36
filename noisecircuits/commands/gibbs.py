"""``noisecircuits gibbs``: block-Gibbs sampling of a periodic 2-D Ising lattice or a JSON model.

Every run uses several chains (default 4) from overdispersed starts and reports the
rank-normalised split-R-hat and the bulk/tail ESS of the energy and |m|; when a threshold is
missed, ``converged`` is false and one warning line goes to stderr (the exit status stays 0).
"""

from __future__ import annotations

import sys

from noisecircuits.commands._common import (
    add_budget_flags,
    add_json_flag,
    budget_from_args,
    finite_float,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)
from noisecircuits.errors import DataError, ParameterError

__all__ = ["register", "load_cell_file", "sweep_progress"]

_DEFAULT_SWEEPS = 2000
_DEFAULT_BURN_IN = 500
_DEFAULT_CHAINS = 4
_DEFAULT_TEMPERATURE = 300.0
#: Snapshots per chain kept for the pseudo-likelihood beta_eff of a --cell run.
_SNAPSHOTS = 200



def load_cell_file(path):
    """Load a calibrated cell model with ``noisecircuits.load_cell`` (the cells layer)."""
    try:
        from noisecircuits.cells import load_cell
    except ImportError:
        raise DataError("cell models cannot be loaded: noisecircuits.cells.load_cell is not available") from None
    try:
        return load_cell(path)
    except FileNotFoundError:
        raise DataError(f"cell file {str(path)!r} does not exist") from None


def sweep_progress(total: int, as_json: bool, description: str):
    """A :func:`noisecircuits.progress.progress` counter of sweeps (no bar and no summary under --json)."""
    from noisecircuits.progress import progress

    return progress(total, description, unit="sweep", enabled=False if as_json else None, summary=False)


def _r_hat_threshold(text: str) -> float:
    import argparse

    value = finite_float(text)
    if value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number > 1, got {text!r}")
    return value


def _add_run_options(parser, samples_option: str) -> None:
    parser.add_argument(samples_option, type=positive_int, default=_DEFAULT_SWEEPS,
                        help="recorded sweeps per chain")
    parser.add_argument("--burn-in", type=non_negative_int, default=_DEFAULT_BURN_IN,
                        help="discarded sweeps per chain")
    parser.add_argument("--chains", type=positive_int, default=_DEFAULT_CHAINS,
                        help="independent chains, each from its own seed")
    parser.add_argument("--init", default="mixed", metavar="mixed|random|up|down|FILE",
                        help="start states: mixed (chains cycle random/up/down), random, all +1, all -1, or a "
                             "JSON/text file of n (or chains x n) values of +1/-1")
    parser.add_argument("--r-hat-max", type=_r_hat_threshold, default=1.01,
                        help="largest split-R-hat of a converged run, > 1")
    parser.add_argument("--ess-min", type=positive_float, default=400.0,
                        help="smallest bulk and tail ESS of a converged run")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="random seed")
    parser.add_argument("--cell", metavar="CELL.json", help="drive updates with this calibrated cell model")
    parser.add_argument("--temperature", type=positive_float, default=_DEFAULT_TEMPERATURE,
                        help="chip temperature [K], 200-450 (with --cell)")
    parser.add_argument("--update-interval", type=non_negative_float, default=0.0,
                        help="time between updates of one cell [s] (with --cell; 0: every read is fresh)")
    parser.add_argument("--bias-network", choices=("inverse", "linear"), default="inverse",
                        help="local field to cell bias (with --cell): inverse = lookup table through the cell's own "
                             "law at the design temperature, so a matched chip samples sigma(2 beta I); linear = "
                             "v_mid + gain I with the slope matched at I = 0 (docs/gibbs.md)")
    parser.add_argument("--design-temperature", type=positive_float, default=None,
                        help="temperature the bias network is calibrated at [K], 200-450 (with --cell; default "
                             "--temperature)")
    parser.add_argument("--mismatch", action="store_true", help="draw per-cell mismatch from the cell's statistics")
    parser.add_argument("--chip-seed", type=non_negative_int, default=0,
                        help="seed of the mismatch draw (the chip)")
    add_budget_flags(parser)
    add_json_flag(parser)


def _hardware(args):
    if not args.cell:
        return None
    from noisecircuits.circuits.pbit import TEMPERATURE_RANGE
    from noisecircuits.gibbs.hardware import HardwareMode

    low, high = TEMPERATURE_RANGE
    if not low <= args.temperature <= high:
        raise ParameterError(f"--temperature must be in [{low:g}, {high:g}] K, got {args.temperature:g}")
    if args.design_temperature is not None and not low <= args.design_temperature <= high:
        raise ParameterError(f"--design-temperature must be in [{low:g}, {high:g}] K, got {args.design_temperature:g}")
    return HardwareMode(
        load_cell_file(args.cell),
        temperature=args.temperature,
        update_interval=args.update_interval,
        mismatch=args.mismatch,
        mismatch_seed=args.chip_seed,
        bias_network=args.bias_network,
        design_temperature=args.design_temperature,
    )


def register(subparsers) -> None:
    """Add ``gibbs ising2d`` and ``gibbs model``."""
    parser = subparsers.add_parser("gibbs", help="block-Gibbs sampling on graphs of ideal or calibrated p-bits")
    sub = parser.add_subparsers(dest="gibbs_command", metavar="MODEL")
    sub.required = True

    lattice = sub.add_parser("ising2d", help="periodic L x L Ising lattice, J = 1")
    lattice.add_argument("--size", type=positive_int, required=True, help="lattice side L (>= 3)")
    lattice.add_argument("--beta", type=finite_float, required=True, help="inverse temperature [1/J], >= 0")
    lattice.add_argument("--field", type=finite_float, default=0.0, help="uniform field H [J]")
    _add_run_options(lattice, "--sweeps")
    lattice.set_defaults(func=run_ising2d)

    model = sub.add_parser("model", help='JSON model {"spins", "beta", "biases", "couplings"}')
    model.add_argument("model", metavar="MODEL.json", help="model file")
    _add_run_options(model, "--samples")
    model.set_defaults(func=run_model)


def _check_size(args, n_nodes: int, n_edges: int, sweeps: int, what: str, sweeps_option: str) -> None:
    from noisecircuits.budget import check_budget
    from noisecircuits.gibbs.sizing import ising_run_bytes, ising_run_seconds

    hardware = bool(args.cell)
    check_budget(
        what,
        memory_bytes=ising_run_bytes(n_nodes, n_edges, args.chains, sweeps, snapshots=_SNAPSHOTS if hardware else 0),
        # with --cell an ideal reference run with the same schedule follows the hardware run
        seconds=ising_run_seconds(n_nodes, args.chains, args.burn_in + sweeps, hardware=hardware)
        + (ising_run_seconds(n_nodes, args.chains, args.burn_in + sweeps) if hardware else 0.0),
        budget=budget_from_args(args),
        options=f"--chains/{sweeps_option}" + ("/--size" if what.endswith("ising2d") else ""),
    )


def _initial(args, n_nodes: int):
    from noisecircuits.gibbs.sampler import INITIAL_STATES, read_initial_state

    if args.init in INITIAL_STATES:
        return args.init
    return read_initial_state(args.init, n_nodes, args.chains)


def _summary_fields(prefix: str, s) -> dict:
    return {
        f"{prefix}_r_hat": s.r_hat,
        f"{prefix}_ess_bulk": s.ess_bulk,
        f"{prefix}_ess_tail": s.ess_tail,
    }


def _verdict(summaries: dict, args, command: str) -> dict:
    """r_hat / ess_bulk / ess_tail (worst watched quantity), converged, and the warning line."""
    from noisecircuits.analysis.diagnostics import convergence_problems

    problems = convergence_problems(summaries, args.r_hat_max, args.ess_min)
    if problems:
        sweeps = "--sweeps" if command == "ising2d" else "--samples"
        sys.stderr.write(
            f"noisecircuits gibbs {command}: warning: not converged ({'; '.join(problems)}); "
            f"the estimates and their errors are not reliable: run more {sweeps} or --burn-in\n"
        )
    import numpy as np

    values = list(summaries.values())

    def worst(name, pick):  # NaN (too few draws) wins, and becomes null in the JSON
        numbers = np.array([getattr(s, name) for s in values], dtype=float)
        return float("nan") if np.isnan(numbers).any() else float(pick(numbers))

    return {
        "r_hat": worst("r_hat", np.max),
        "ess_bulk": worst("ess_bulk", np.min),
        "ess_tail": worst("ess_tail", np.min),
        "converged": not problems,
        "convergence_problems": problems,
    }


def _sample(model, sweeps, args, hardware, description, *, snapshot_every=0, initial="mixed"):
    from noisecircuits.gibbs.sampler import sample_ising

    with sweep_progress(args.burn_in + sweeps, args.json, description) as bar:
        return sample_ising(model, sweeps, args.burn_in, args.chains, args.seed, hardware=hardware,
                            progress=bar.update, snapshot_every=snapshot_every, initial=initial)


def _shift(measured, ideal) -> tuple[float, float]:
    return measured.mean - ideal.mean, float((measured.stderr**2 + ideal.stderr**2) ** 0.5)


def run_ising2d(args) -> dict:
    """Sample the lattice; energy per spin is the pair energy -sum s_i s_j / N (J = 1)."""
    import numpy as np

    from noisecircuits.analysis.diagnostics import summarise_series
    from noisecircuits.gibbs.graphs import ising_lattice

    if args.size < 3:
        raise ParameterError(f"--size must be >= 3 for a periodic lattice, got {args.size}")
    if args.beta < 0:
        raise ParameterError(f"--beta must be >= 0, got {args.beta}")
    if args.beta * (4 + abs(args.field)) > 1e6:
        raise ParameterError(f"--beta times the largest local field (4 + |--field|) must be <= 1e6, got {args.beta:g}")
    n = args.size * args.size
    _check_size(args, n, 2 * n, args.sweeps, "gibbs ising2d", "--sweeps")
    hardware = _hardware(args)
    initial = _initial(args, n)
    model = ising_lattice(args.size, args.beta, field=args.field)
    snapshot_every = max(1, args.sweeps // _SNAPSHOTS) if hardware is not None else 0
    run = _sample(model, args.sweeps, args, hardware, "gibbs ising2d", snapshot_every=snapshot_every, initial=initial)

    def observables(r):
        pair = summarise_series((r.energies + args.field * r.magnetisations) / n)
        return pair, r.abs_magnetisation()

    pair, magnet = observables(run)
    out = {
        "energy_per_spin": pair.mean,
        "energy_per_spin_stderr": pair.stderr,
        "abs_magnetization": magnet.mean,
        "abs_magnetization_stderr": magnet.stderr,
        "spin_updates": int(run.spin_updates),
        "spin_updates_per_second": float(run.updates_per_second),
        "integrated_autocorrelation_sweeps": pair.tau_int,
        "chains": args.chains,
        "mean_magnetization": float(np.mean(run.magnetisations) / n),
        **_verdict({"energy_per_spin": pair, "abs_magnetization": magnet}, args, "ising2d"),
        **_summary_fields("energy_per_spin", pair),
        **_summary_fields("abs_magnetization", magnet),
    }
    if hardware is not None:
        out["bias_network"] = hardware.describe_network()
        out.update(_lattice_distortion(run, model, args, initial, observables, (pair, magnet)))
    return out


def _lattice_distortion(run, model, args, initial, observables, measured) -> dict:
    """beta_eff (pseudo-likelihood) and the shift of E/N and |m| from an ideal run with the same schedule."""
    from noisecircuits.gibbs.distortion import pseudolikelihood_beta

    ideal = _sample(model, args.sweeps, args, None, "gibbs ising2d (ideal reference)", initial=initial)
    ideal_pair, ideal_magnet = observables(ideal)
    de, de_err = _shift(measured[0], ideal_pair)
    dm, dm_err = _shift(measured[1], ideal_magnet)
    beta_eff = pseudolikelihood_beta(model, run.snapshots.reshape(-1, model.n_nodes))
    return {
        "beta_eff": beta_eff,
        "distortion": {
            "reference": "ideal heat-bath run with the same sweeps, chains, starts and seed",
            "beta": float(model.beta),
            "beta_eff_pseudolikelihood": beta_eff,
            "energy_per_spin_ideal": ideal_pair.mean,
            "energy_per_spin_shift": de,
            "energy_per_spin_shift_stderr": de_err,
            "abs_magnetization_ideal": ideal_magnet.mean,
            "abs_magnetization_shift": dm,
            "abs_magnetization_shift_stderr": dm_err,
        },
    }


def run_model(args) -> dict:
    """Sample a JSON Ising model; state probabilities for n <= 20 ('1' = +1, spin 0 first)."""
    from noisecircuits.gibbs.distortion import distortion_report
    from noisecircuits.gibbs.graphs import ising_from_json
    from noisecircuits.gibbs.sampler import HISTOGRAM_MAX_SPINS

    model = ising_from_json(args.model, budget=budget_from_args(args))
    _check_size(args, model.n_nodes, model.indices.size // 2, args.samples, "gibbs model", "--samples")
    hardware = _hardware(args)
    initial = _initial(args, model.n_nodes)
    snapshot_every = max(1, args.samples // _SNAPSHOTS) if hardware is not None else 0
    run = _sample(model, args.samples, args, hardware, "gibbs model", snapshot_every=snapshot_every, initial=initial)
    energy, magnet = run.energy(), run.abs_magnetisation()
    out = {
        "spins": model.n_nodes,
        "mean_spins": run.mean_spins().tolist(),
        "mean_energy": energy.mean,
        "mean_energy_stderr": energy.stderr,
        "integrated_autocorrelation_sweeps": energy.tau_int,
        "spin_updates": int(run.spin_updates),
        "spin_updates_per_second": float(run.updates_per_second),
        "chains": args.chains,
        **_verdict({"energy": energy, "abs_magnetization": magnet}, args, "model"),
        **_summary_fields("energy", energy),
    }
    if model.n_nodes <= HISTOGRAM_MAX_SPINS:
        out["state_probabilities"] = run.state_frequencies()
    if hardware is None:
        return out
    out["bias_network"] = hardware.describe_network()
    if model.n_nodes <= HISTOGRAM_MAX_SPINS:
        report = distortion_report(run)
        out["beta_eff"] = report.get("beta_eff_energy", report.get("beta_eff_pseudolikelihood"))
        out["distortion"] = report
        return out
    from noisecircuits.gibbs.distortion import pseudolikelihood_beta

    ideal = _sample(model, args.samples, args, None, "gibbs model (ideal reference)", initial=initial)
    de, de_err = _shift(energy, ideal.energy())
    dm, dm_err = _shift(magnet, ideal.abs_magnetisation())
    out["beta_eff"] = pseudolikelihood_beta(model, run.snapshots.reshape(-1, model.n_nodes))
    out["distortion"] = {
        "reference": "ideal heat-bath run with the same samples, chains, starts and seed",
        "beta": float(model.beta),
        "beta_eff_pseudolikelihood": out["beta_eff"],
        "mean_energy_shift": de,
        "mean_energy_shift_stderr": de_err,
        "abs_magnetization_shift": dm,
        "abs_magnetization_shift_stderr": dm_err,
    }
    return out
