"""``noisecircuits gibbs``: block-Gibbs sampling of a periodic 2-D Ising lattice or a JSON model."""

from __future__ import annotations

import contextlib
import sys

from noisecircuits.commands._common import (
    add_json_flag,
    finite_float,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)
from noisecircuits.errors import DataError

__all__ = ["register", "load_cell_file", "sweep_progress"]


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


@contextlib.contextmanager
def sweep_progress(total: int, as_json: bool, description: str):
    """Yield a callback ``update(n_sweeps)``: a tqdm bar on a terminal stderr (never under --json)."""
    if as_json or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=total, unit="sweep", desc=description, file=sys.stderr)
    try:
        yield bar.update
    finally:
        bar.close()


def _add_hardware_options(parser) -> None:
    parser.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
    parser.add_argument("--cell", metavar="CELL.json", help="drive updates with this calibrated cell model")
    parser.add_argument("--temperature", type=positive_float, default=300.0, help="chip temperature [K] (with --cell)")
    parser.add_argument(
        "--update-interval",
        type=non_negative_float,
        default=0.0,
        help="time between updates of one cell [s] (with --cell; 0: every read is fresh)",
    )
    parser.add_argument("--mismatch", action="store_true", help="draw per-cell mismatch from the cell's statistics")
    parser.add_argument("--chip-seed", type=non_negative_int, default=0, help="seed of the mismatch draw (the chip)")


def _hardware(args):
    if not args.cell:
        return None
    from noisecircuits.gibbs.hardware import HardwareMode

    return HardwareMode(
        load_cell_file(args.cell),
        temperature=args.temperature,
        update_interval=args.update_interval,
        mismatch=args.mismatch,
        mismatch_seed=args.chip_seed,
    )


def register(subparsers) -> None:
    """Add ``gibbs ising2d`` and ``gibbs model``."""
    parser = subparsers.add_parser("gibbs", help="block-Gibbs sampling on graphs of ideal or calibrated p-bits")
    sub = parser.add_subparsers(dest="gibbs_command", metavar="MODEL")
    sub.required = True

    lattice = sub.add_parser("ising2d", help="periodic L x L Ising lattice, J = 1")
    lattice.add_argument("--size", type=positive_int, required=True, help="lattice side L (>= 3)")
    lattice.add_argument("--beta", type=finite_float, required=True, help="inverse temperature [1/J]")
    lattice.add_argument("--field", type=finite_float, default=0.0, help="uniform field H [J]")
    lattice.add_argument("--sweeps", type=positive_int, required=True, help="recorded sweeps per chain")
    lattice.add_argument("--burn-in", type=non_negative_int, required=True, help="discarded sweeps")
    lattice.add_argument("--chains", type=positive_int, default=1, help="independent chains")
    _add_hardware_options(lattice)
    add_json_flag(lattice)
    lattice.set_defaults(func=run_ising2d)

    model = sub.add_parser("model", help='JSON model {"spins", "beta", "biases", "couplings"}')
    model.add_argument("model", metavar="MODEL.json", help="model file")
    model.add_argument("--samples", type=positive_int, required=True, help="recorded sweeps (one sample each)")
    model.add_argument("--burn-in", type=non_negative_int, required=True, help="discarded sweeps")
    _add_hardware_options(model)
    add_json_flag(model)
    model.set_defaults(func=run_model)


def run_ising2d(args) -> dict:
    """Sample the lattice; energy per spin is the pair energy -sum s_i s_j / N (J = 1)."""
    import numpy as np

    from noisecircuits.errors import ParameterError
    from noisecircuits.gibbs.autocorr import summarise_series
    from noisecircuits.gibbs.graphs import ising_lattice
    from noisecircuits.gibbs.sampler import sample_ising

    if args.size < 3:
        raise ParameterError(f"--size must be >= 3 for a periodic lattice, got {args.size}")
    if args.beta < 0:
        raise ParameterError(f"--beta must be >= 0, got {args.beta}")
    model = ising_lattice(args.size, args.beta, field=args.field)
    hardware = _hardware(args)
    with sweep_progress(args.burn_in + args.sweeps, args.json, "gibbs ising2d") as progress:
        run = sample_ising(model, args.sweeps, args.burn_in, args.chains, args.seed, hardware=hardware, progress=progress)
    n = model.n_nodes
    pair = summarise_series((run.energies + args.field * run.magnetisations) / n)
    magnet = run.abs_magnetisation()
    return {
        "energy_per_spin": pair.mean,
        "energy_per_spin_stderr": pair.stderr,
        "abs_magnetization": magnet.mean,
        "abs_magnetization_stderr": magnet.stderr,
        "spin_updates": int(run.spin_updates),
        "spin_updates_per_second": float(run.updates_per_second),
        "integrated_autocorrelation_sweeps": pair.tau_int,
        "chains": args.chains,
        "mean_magnetization": float(np.mean(run.magnetisations) / n),
    }


def run_model(args) -> dict:
    """Sample a JSON Ising model; state probabilities for n <= 20 ('1' = +1, spin 0 first)."""
    from noisecircuits.gibbs.distortion import distortion_report
    from noisecircuits.gibbs.graphs import ising_from_json
    from noisecircuits.gibbs.sampler import HISTOGRAM_MAX_SPINS, sample_ising

    model = ising_from_json(args.model)
    hardware = _hardware(args)
    with sweep_progress(args.burn_in + args.samples, args.json, "gibbs model") as progress:
        run = sample_ising(model, args.samples, args.burn_in, 1, args.seed, hardware=hardware, progress=progress)
    energy = run.energy()
    out = {
        "spins": model.n_nodes,
        "mean_spins": run.mean_spins().tolist(),
        "mean_energy": energy.mean,
        "mean_energy_stderr": energy.stderr,
        "integrated_autocorrelation_sweeps": energy.tau_int,
        "spin_updates": int(run.spin_updates),
        "spin_updates_per_second": float(run.updates_per_second),
    }
    if model.n_nodes <= HISTOGRAM_MAX_SPINS:
        out["state_probabilities"] = run.state_frequencies()
        if hardware is not None:
            out["distortion"] = distortion_report(run)
    return out
