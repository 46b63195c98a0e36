"""``noisecircuits energy``: energy per update, sweep and sample of a p-bit chip, vs a GPU."""

from __future__ import annotations

from noisecircuits.commands._common import add_json_flag, finite_float, non_negative_int, positive_float, positive_int

__all__ = ["register"]


def register(subparsers) -> None:
    """Add ``energy``."""
    parser = subparsers.add_parser("energy", help="end-to-end energy per sample of a chip of p-bit cells")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--cell", metavar="CELL.json", help="calibrated cell model (random-source energy)")
    source.add_argument("--cell-energy", type=finite_float, metavar="J", help="whole energy of one cell update E_cell [J] (lumped: replaces the term-by-term model)")
    parser.add_argument("--graph", choices=("ising2d", "degree12"), default="ising2d", help="chip graph")
    parser.add_argument("--size", type=positive_int, required=True, help="grid side L")
    parser.add_argument("--sweeps", type=positive_int, required=True, help="K: sweeps per denoising step")
    parser.add_argument("--steps", type=positive_int, default=1, help="T: denoising steps per sample")
    parser.add_argument("--beta", type=finite_float, default=0.4, help="coupling strength beta*J of the graph")
    parser.add_argument("--temperature", type=positive_float, default=300.0, help="chip temperature [K]")
    parser.add_argument("--toggle-rate", type=finite_float, help="fraction of updates that flip (default: measured)")
    parser.add_argument("--rng-energy-from", choices=("power", "sample"), default="power", help="cell energy source")
    parser.add_argument("--update-interval", type=positive_float, default=100e-9, help="time per update [s]")
    parser.add_argument("--bias-energy", type=finite_float, default=50e-18, help="energy per neighbour input [J]")
    parser.add_argument("--wire-capacitance", type=finite_float, default=0.2e-9, help="wire capacitance [F/m]")
    parser.add_argument("--wire-length", type=finite_float, default=20e-6, help="output wire length [m]")
    parser.add_argument("--signal-voltage", type=finite_float, default=0.5, help="wire voltage swing [V]")
    parser.add_argument("--clock-energy", type=finite_float, default=100e-18, help="clock energy per update [J]")
    parser.add_argument("--energy-per-flop", type=positive_float, default=0.71e-12, help="GPU baseline [J/FLOP]")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="seed of the measurement run")
    add_json_flag(parser)
    parser.set_defaults(func=run_energy)


def run_energy(args) -> dict:
    """Measure toggle rate and mixing on the graph, then add up the energy."""
    import numpy as np

    from noisecircuits.energy.accounting import ChipEnergyParameters
    from noisecircuits.energy.chip import chip_energy_report
    from noisecircuits.errors import ParameterError
    from noisecircuits.gibbs.graphs import ising_lattice, offset_pattern_edges
    from noisecircuits.gibbs.models import IsingModel

    if args.beta < 0:
        raise ParameterError(f"--beta must be >= 0, got {args.beta}")
    if args.graph == "ising2d":
        if args.size < 3:
            raise ParameterError(f"--size must be >= 3 for a periodic lattice, got {args.size}")
        model = ising_lattice(args.size, args.beta)
    else:
        edges = offset_pattern_edges(args.size, args.size)
        model = IsingModel.from_edges(args.size**2, edges, np.ones(len(edges)), beta=args.beta)
    params = ChipEnergyParameters(
        rng_energy=ChipEnergyParameters.rng_energy,
        bias_energy_per_input=args.bias_energy,
        wire_capacitance_per_length=args.wire_capacitance,
        wire_length=args.wire_length,
        signal_voltage=args.signal_voltage,
        clock_energy=args.clock_energy,
        update_interval=args.update_interval,
    )
    from noisecircuits.commands.gibbs import load_cell_file

    cell = load_cell_file(args.cell) if args.cell else None
    return chip_energy_report(
        model,
        args.sweeps,
        args.steps,
        params,
        cell=cell,
        cell_energy=args.cell_energy,
        temperature=args.temperature,
        rng_source=args.rng_energy_from,
        toggle_rate=args.toggle_rate,
        seed=args.seed,
        energy_per_flop=args.energy_per_flop,
    )
