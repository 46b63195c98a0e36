"""``noisecircuits simulate pbit|categorical|continuous``: the sampler circuits on the command line.

Plugs into :mod:`noisecircuits.commands.simulate` through its hook
``register(model_subparsers, add_run_options)``. Each model parser gets its own options, the
shared run options (``--duration --dt --paths --seed --solver --record-every --out --json``)
and a runner that adds the circuit's supply power and energy per independent sample to the
trace statistics:

* ``pbit``: ``p_one, p_one_stderr, correlation_time_s`` (SDE), ``supply_power_W`` (exact,
  Fokker–Planck), ``energy_per_sample_J`` = supply power × 2 τ_c, ``v_mid_V`` (exact);
  without ``--v-bias`` the cell sits at v_mid.
* ``categorical``: ``occupations, occupations_stderr, correlation_time_s`` (SDE),
  ``supply_power_W`` (winner fixed points weighted by the measured occupations; a trace
  average when some winner state is not stable),
  ``energy_per_sample_J``.
* ``continuous``: ``weight_one, weight_one_stderr, mean_V, std_V, correlation_time_s`` (SDE),
  the predicted mixture (``predicted_weight_one, predicted_mean_V, predicted_std_V``),
  ``supply_power_W``, ``energy_per_sample_J``.
"""

from __future__ import annotations

import math

from noisecircuits.commands._common import finite_float, float_list, positive_float
from noisecircuits.constants import ROOM_TEMPERATURE, TEMPERATURE_RANGE

_TEMPERATURE_HELP = f"temperature [K], in [{TEMPERATURE_RANGE[0]:g}, {TEMPERATURE_RANGE[1]:g}]"

__all__ = ["register"]


def _energy(power: float, tau: float) -> float:
    from noisecircuits.physics.sampling import energy_per_sample

    return energy_per_sample(power, tau) if math.isfinite(tau) else float("nan")


def _temperature(args) -> float:
    from noisecircuits import _validate

    return _validate.temperature("--temperature", args.temperature)


def _v_bias(args):
    from noisecircuits import _validate
    from noisecircuits.circuits.pbit import V_BIAS_RANGE

    return None if args.v_bias is None else _validate.in_range("--v-bias", args.v_bias, *V_BIAS_RANGE, "V")


def _pbit(args):
    from noisecircuits.circuits.pbit import PBit

    temperature = _temperature(args)
    design = None
    if args.design is not None:
        from noisecircuits.design.document import load_design

        design = load_design(args.design)
    args.cell = PBit(design, _v_bias(args), temperature)
    return args.cell


def _categorical(args):
    from noisecircuits.circuits.categorical import CategoricalCell

    args.cell = CategoricalCell(None, args.v_controls, _temperature(args))
    return args.cell


def _continuous(args):
    from noisecircuits.circuits.continuous import ContinuousCell

    temperature = _temperature(args)
    args.cell = ContinuousCell(None, _v_bias(args), args.v_modes, temperature)
    return args.cell


def _run_pbit(args) -> dict:
    from noisecircuits.circuits.pbit import v_mid
    from noisecircuits.commands.simulate import run

    stats = run(args)
    cell = args.cell
    power = cell.supply_power()
    stats.update(
        {
            "v_bias_V": cell.v_bias,
            "temperature_K": cell.temperature,
            "supply_power_W": power,
            "energy_per_sample_J": _energy(power, stats["correlation_time_s"]),
            "v_mid_V": v_mid(cell.design, cell.temperature),
        }
    )
    return stats


def _run_categorical(args) -> dict:
    from noisecircuits.commands.simulate import run

    from noisecircuits.errors import SimulationError

    stats = run(args)
    cell = args.cell
    try:
        power = cell.supply_power_at_occupations(stats["occupations"])
    except SimulationError:  # some winner state is not stable: average over a trace instead
        power = cell.supply_power()
    stats.update(
        {
            "v_controls_V": list(cell.v_controls),
            "temperature_K": cell.temperature,
            "supply_power_W": power,
            "energy_per_sample_J": _energy(power, stats["correlation_time_s"]),
        }
    )
    return stats


def _run_continuous(args) -> dict:
    from noisecircuits.commands.simulate import run

    stats = run(args)
    cell = args.cell
    mix = cell.mixture()
    power = cell.supply_power()
    stats.update(
        {
            "v_bias_V": cell.v_bias,
            "v_modes_V": list(cell.v_modes),
            "temperature_K": cell.temperature,
            "predicted_weight_one": mix["weight_one"],
            "predicted_mean_V": mix["mean_V"],
            "predicted_std_V": mix["std_V"],
            "supply_power_W": power,
            "energy_per_sample_J": _energy(power, stats["correlation_time_s"]),
        }
    )
    return stats


def register(model_subparsers, add_run_options) -> None:
    """Add the ``pbit``, ``categorical`` and ``continuous`` models to ``simulate``."""
    pbit = model_subparsers.add_parser(
        "pbit",
        help="cross-coupled subthreshold-inverter p-bit (reference design)",
        description="Simulate the reference p-bit; prints P(1), correlation time, power and energy per sample.",
    )
    pbit.add_argument("--temperature", type=positive_float, default=ROOM_TEMPERATURE, help=_TEMPERATURE_HELP)
    pbit.add_argument("--v-bias", type=finite_float, default=None, help="bias gate voltage [V], in [-0.2, 0.6] (default: v_mid, where P(1) = 1/2)")
    pbit.add_argument("--design", metavar="FILE", default=None,
                      help="p-bit design file from `noisecircuits design pbit` (default: the reference p-bit)")
    add_run_options(pbit)
    pbit.set_defaults(build_model=_pbit, func=_run_pbit)

    cat = model_subparsers.add_parser(
        "categorical",
        help="N-state winner-take-all cell (reference design, N = 4)",
        description="Simulate the categorical cell; a lower control voltage makes its state more likely.",
    )
    cat.add_argument("--temperature", type=positive_float, default=ROOM_TEMPERATURE, help=_TEMPERATURE_HELP)
    cat.add_argument("--v-controls", type=float_list, default=None,
                     help="pull-up gate voltages a,b,c,d [V] (default: all at the nominal 0.05 V)")
    add_run_options(cat)
    cat.set_defaults(build_model=_categorical, func=_run_categorical)

    cont = model_subparsers.add_parser(
        "continuous",
        help="p-bit selecting the mean of a noisy analog node (Gaussian mixture)",
        description="Simulate the continuous cell; prints the measured and the predicted two-Gaussian mixture.",
    )
    cont.add_argument("--temperature", type=positive_float, default=ROOM_TEMPERATURE, help=_TEMPERATURE_HELP)
    cont.add_argument("--v-bias", type=finite_float, default=None, help="p-bit bias gate voltage [V], in [-0.2, 0.6] (default: v_mid, where P(1) = 1/2)")
    cont.add_argument("--v-modes", type=float_list, required=True, help="mode voltages a,b [V] (a selected in state 1)")
    add_run_options(cont)
    cont.set_defaults(build_model=_continuous, func=_run_continuous)
