"""``noisecircuits energy``: energy per update, sweep and sample of a p-bit chip, vs a GPU.

Every number is range-checked by its option name before anything runs, the temperature
against the models' range (:func:`noisecircuits._validate.temperature`), and the
measurement run on the chip's graph is sized (memory per cell, updates per second) and
checked against ``--max-memory`` / ``--max-time`` before the graph is built.
"""

from __future__ import annotations

from noisecircuits.commands._common import (
    add_budget_flags,
    add_json_flag,
    budget_from_args,
    finite_float,
    non_negative_int,
    positive_float,
    positive_int,
)
from noisecircuits.constants import ROOM_TEMPERATURE, TEMPERATURE_RANGE

__all__ = ["register", "OPTION_RANGES"]

#: Allowed range and unit of each numeric option (attribute name: (low, high, unit)). The
#: bounds are far outside any real chip; they exist so that sums stay finite in float64.
OPTION_RANGES = {
    "sweeps": (1, 10**12, ""),
    "steps": (1, 10**12, ""),
    "beta": (0.0, 1000.0, ""),  # beyond ~10 every update is deterministic; near 1e300 thresholds overflow
    "cell_energy": (0.0, 1e-6, "J"),
    "toggle_rate": (0.0, 1.0, ""),
    "update_interval": (1e-15, 1.0, "s"),
    "bias_energy": (0.0, 1e-6, "J"),
    "wire_capacitance": (0.0, 1e-6, "F/m"),
    "wire_length": (0.0, 1.0, "m"),
    "signal_voltage": (0.0, 10.0, "V"),
    "clock_energy": (0.0, 1e-6, "J"),
    "energy_per_flop": (1e-18, 1e-6, "J/FLOP"),
}
#: Peak memory of the measurement run per cell, plus per edge end [bytes] (measured: 1.7 kB
#: per cell on the 4-neighbour lattice, 1.4 kB on the degree-12 graph, with 400 snapshots).
BYTES_PER_CELL = 2048.0
BYTES_PER_EDGE_END = 64.0
#: Conservative Gibbs throughput of the measurement run for run-time estimates [updates/s].
UPDATES_PER_SECOND = 1e6
_DEGREE = {"ising2d": 4, "degree12": 12}


def _range_help(name: str, text: str) -> str:
    low, high, unit = OPTION_RANGES[name]
    unit = f" [{unit}]" if unit else ""
    return f"{text}{unit}, in [{low:g}, {high:g}]"


def register(subparsers) -> None:
    """Add ``energy``."""
    parser = subparsers.add_parser(
        "energy",
        help="end-to-end energy per sample of a chip of p-bit cells",
        description="Measure toggle rate and mixing of a Gibbs run on the chip's graph, then add up the energy "
                    "per update, sweep and sample, with GPU and TRNG baselines.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--cell", metavar="CELL.json", help="calibrated cell model (random-source energy)")
    source.add_argument("--cell-energy", type=finite_float, metavar="J",
                        help=_range_help("cell_energy", "whole energy of one cell update E_cell (lumped: replaces "
                                         "the term-by-term model)"))
    parser.add_argument("--graph", choices=("ising2d", "degree12"), default="ising2d", help="chip graph")
    parser.add_argument("--size", type=positive_int, default=16, help="grid side L (L x L cells), >= 3")
    parser.add_argument("--sweeps", type=positive_int, default=100,
                        help=_range_help("sweeps", "K: sweeps per denoising step"))
    parser.add_argument("--steps", type=positive_int, default=1, help=_range_help("steps", "T: denoising steps per sample"))
    parser.add_argument("--beta", type=finite_float, default=0.4, help=_range_help("beta", "coupling strength beta*J"))
    parser.add_argument("--temperature", type=positive_float, default=ROOM_TEMPERATURE,
                        help=f"chip temperature [K], in [{TEMPERATURE_RANGE[0]:g}, {TEMPERATURE_RANGE[1]:g}]")
    parser.add_argument("--toggle-rate", type=finite_float,
                        help=_range_help("toggle_rate", "fraction of updates that flip (default: measured)"))
    parser.add_argument("--rng-energy-from", choices=("power", "sample"), default="power", help="cell energy source")
    parser.add_argument("--update-interval", type=positive_float, default=100e-9,
                        help=_range_help("update_interval", "time per update"))
    parser.add_argument("--bias-energy", type=finite_float, default=50e-18,
                        help=_range_help("bias_energy", "energy per neighbour input"))
    parser.add_argument("--wire-capacitance", type=finite_float, default=0.2e-9,
                        help=_range_help("wire_capacitance", "wire capacitance"))
    parser.add_argument("--wire-length", type=finite_float, default=20e-6, help=_range_help("wire_length", "output wire length"))
    parser.add_argument("--signal-voltage", type=finite_float, default=0.5,
                        help=_range_help("signal_voltage", "wire voltage swing"))
    parser.add_argument("--clock-energy", type=finite_float, default=100e-18,
                        help=_range_help("clock_energy", "clock energy per update"))
    parser.add_argument("--energy-per-flop", type=positive_float, default=0.71e-12,
                        help=_range_help("energy_per_flop", "GPU baseline"))
    parser.add_argument("--seed", type=non_negative_int, default=0, help="seed of the measurement run")
    add_budget_flags(parser)
    add_json_flag(parser)
    parser.set_defaults(func=run_energy)


def _check_options(args) -> None:
    """Range-check every numeric option by its name; one line naming the option and its range."""
    from noisecircuits import _validate
    from noisecircuits.errors import ParameterError

    for name, (low, high, unit) in OPTION_RANGES.items():
        value = getattr(args, name)
        if value is None:
            continue
        option = f"--{name.replace('_', '-')}"
        if isinstance(low, int):
            if not low <= value <= high:
                raise ParameterError(f"{option} must be an integer in [{low}, {high:g}], got {value}")
            continue
        _validate.in_range(option, value, low, high, unit)
    _validate.temperature("--temperature", args.temperature)
    if args.graph == "ising2d" and args.size < 3:
        raise ParameterError(f"--size must be >= 3 for a periodic lattice, got {args.size}")


def estimate(args) -> tuple[float, float]:
    """``(memory [bytes], seconds [s])`` of the measurement run the arguments ask for."""
    from noisecircuits.energy.chip import MEASURE_BURN_IN, MEASURE_SWEEPS

    cells = float(args.size) ** 2
    memory = cells * (BYTES_PER_CELL + BYTES_PER_EDGE_END * _DEGREE[args.graph])
    seconds = cells * (MEASURE_SWEEPS + MEASURE_BURN_IN) / UPDATES_PER_SECOND
    return memory, seconds


def run_energy(args) -> dict:
    """Measure toggle rate and mixing on the graph, then add up the energy."""
    import numpy as np

    from noisecircuits.budget import check_budget
    from noisecircuits.energy.accounting import ChipEnergyParameters
    from noisecircuits.energy.chip import MEASURE_BURN_IN, MEASURE_SWEEPS, chip_energy_report
    from noisecircuits.gibbs.graphs import ising_lattice, offset_pattern_edges
    from noisecircuits.gibbs.models import IsingModel
    from noisecircuits.progress import progress

    _check_options(args)
    memory, seconds = estimate(args)
    check_budget("energy", memory_bytes=memory, seconds=seconds, budget=budget_from_args(args), options="--size")
    from noisecircuits.commands.gibbs import load_cell_file

    cell = load_cell_file(args.cell) if args.cell else None
    if args.graph == "ising2d":
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
    # a bar only on a terminal and never under --json; the summary line only for runs worth one
    with progress(MEASURE_SWEEPS + MEASURE_BURN_IN, "energy: measurement run", unit="sweep",
                  enabled=False if args.json else None, summary=seconds > 2.0) as bar:
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
            progress=bar.update,
        )
