"""``noisecircuits spice ...``: ngspice benches (kT/C, I–V) and SPICE-vs-SDE agreement checks.

Temperatures are checked against the models' range (:func:`noisecircuits._validate.temperature`),
R and C against :data:`RESISTANCE_RANGE` / :data:`CAPACITANCE_RANGE`, and the kT/C transient
is sized from ``--duration`` / RC (ngspice time points, memory) and checked against
``--max-memory`` / ``--max-time`` before ngspice starts.
"""

from __future__ import annotations

import re
import sys
import time

from noisecircuits.commands._common import (
    add_budget_flags,
    add_json_flag,
    budget_from_args,
    float_list,
    non_negative_int,
    output_errors,
    positive_float,
    positive_int,
)
from noisecircuits.constants import ROOM_TEMPERATURE, TEMPERATURE_RANGE

_CARDS = ("generic", "sky130")
#: Resistances the kT/C bench accepts [Ohm].
RESISTANCE_RANGE = (1e-3, 1e12)
#: Capacitances the kT/C bench accepts [F].
CAPACITANCE_RANGE = (1e-18, 1.0)
#: ngspice time points per RC of the kT/C transient (maximum step = RC/100) [-].
KTC_POINTS_PER_RC = 100
#: Memory ngspice and the reader need per time point [bytes] (all vectors kept, plus the table).
KTC_BYTES_PER_POINT = 64.0
#: Conservative ngspice throughput on the kT/C bench [time points/s] (measured: about 2.5e5).
KTC_POINTS_PER_SECOND = 1e5
#: SPICE duration per check point, in correlation times [-].
CORRELATION_TIMES_RANGE = (1.0, 1e6)
#: Wall time of one ngspice I-V sweep at one temperature [s] (conservative).
IV_SECONDS_PER_TEMPERATURE = 1.0
#: Wall time of the categorical check per SDE correlation time of SPICE record, ngspice plus the six SDE
#: ensembles (measured: 400 correlation times at 300 K, 63 s on the shared machine) [s].
CHECK_CATEGORICAL_SECONDS_PER_CORRELATION_TIME = 0.16
#: Wall time of the continuous check per correlation time, over the relaxation times per correlation time
#: of the *uncalibrated* light p-bit (18 at 320 K; the calibrated one has 36) (8 devices, 3 Itô sources,
#: N_T = timescale/20; measured: 100 correlation times at 320 K, 265 s) [s].
CHECK_CONTINUOUS_SECONDS_PER_RELAXATION_TIME = 0.15
#: Default SPICE duration per point of each check, in correlation times [-].
CHECK_DEFAULT_CORRELATION_TIMES = {"pbit": 100.0, "categorical": 400.0, "continuous": 100.0}
#: Default temperature of the one-temperature checks [K] (the continuous cell's light p-bit switches
#: 3x faster at 320 K than at 300 K).
CHECK_DEFAULT_TEMPERATURE = {"categorical": 300.0, "continuous": 320.0}
#: Wall time of the p-bit check per fastest relaxation time of simulated p-bit time, per bias
#: point, one worker [s] (docs/spice.md "Cost of the check": about 100 ngspice time points per
#: relaxation time at N_T = timescale/20; measured on the reference design at 300 K).
CHECK_PBIT_SECONDS_PER_RELAXATION_TIME = 0.012
#: Bias points per temperature of the p-bit check without ``--biases`` [-].
CHECK_DEFAULT_BIASES = 7
_TEMPERATURE_HELP = f"[K], each in [{TEMPERATURE_RANGE[0]:g}, {TEMPERATURE_RANGE[1]:g}]"


def register(subparsers) -> None:
    parser = subparsers.add_parser("spice", help="ngspice test benches and SPICE-vs-SDE agreement checks",
                                   description="Run the transistor-level ngspice benches of the toolkit.")
    sub = parser.add_subparsers(dest="spice_command", metavar="BENCH")
    sub.required = True

    ktc = sub.add_parser("ktc", help="kT/C noise of an RC node (ngspice transient noise vs kT/C)")
    ktc.add_argument("--resistance", type=positive_float, default=1e3,
                     help=f"R [Ohm], in [{RESISTANCE_RANGE[0]:g}, {RESISTANCE_RANGE[1]:g}]")
    ktc.add_argument("--capacitance", type=positive_float, default=1e-12,
                     help=f"C [F], in [{CAPACITANCE_RANGE[0]:g}, {CAPACITANCE_RANGE[1]:g}]")
    ktc.add_argument("--temperature", type=positive_float, default=ROOM_TEMPERATURE, help=f"T {_TEMPERATURE_HELP}")
    ktc.add_argument("--duration", type=positive_float, default=None, metavar="S",
                     help="simulated time, >= 100 RC; records under 1000 RC after 10 RC of settling are "
                          "flagged short_record [s] (default: 1010 RC)")
    ktc.add_argument("--seed", type=non_negative_int, default=0, help="noise seed")
    ktc.add_argument("--keep", default=None, help="keep netlist and ngspice output in this directory")
    add_budget_flags(ktc)
    add_json_flag(ktc)
    ktc.set_defaults(func=_ktc)

    iv = sub.add_parser("iv", help="subthreshold swing and slope factor of a card's transistor vs temperature")
    iv.add_argument("--card", choices=_CARDS, default="generic", help="model cards")
    iv.add_argument("--device", choices=("nmos", "pmos"), default="nmos", help="transistor type")
    iv.add_argument("--width", type=positive_float, default=1e-6, help="W [m]")
    iv.add_argument("--length", type=positive_float, default=1e-6, help="L [m]")
    iv.add_argument("--vds", type=positive_float, default=0.05, help="|V_DS| [V]")
    iv.add_argument("--temperatures", type=float_list, default=[ROOM_TEMPERATURE],
                    help=f"temperatures {_TEMPERATURE_HELP}: a,b,c or start:stop:count")
    iv.add_argument("--keep", default=None, help="keep netlists and ngspice output in this directory")
    add_budget_flags(iv)
    add_json_flag(iv)
    iv.set_defaults(func=_iv)

    check = sub.add_parser("check", help="SPICE transient noise vs the SDE model of a design")
    check.add_argument("design", choices=("pbit", "categorical", "continuous"), help="reference design")
    check.add_argument("--card", choices=_CARDS, default="generic", help="model cards")
    check.add_argument("--temperatures", type=float_list, default=None,
                       help=f"temperatures {_TEMPERATURE_HELP} (default: 300,320 for pbit; categorical and "
                            f"continuous check one temperature, default 300 and 320)")
    check.add_argument("--biases", type=float_list, default=None,
                       help="p-bit bias voltages [V] (default: 7 points spanning P(1) = 0.1..0.9 at each temperature)")
    check.add_argument("--correlation-times", type=positive_float, default=None,
                       help=f"SPICE duration per point in correlation times, in [{CORRELATION_TIMES_RANGE[0]:g}, "
                            f"{CORRELATION_TIMES_RANGE[1]:g}] (default: 100; categorical 400)")
    check.add_argument("--design", dest="design_file", default=None, metavar="FILE",
                       help="pbit only: a design file (noisecircuits design pbit ... --out FILE), checked on the full "
                            "card with its device capacitances (node capacitance extracted from ngspice)")
    check.add_argument("--workers", type=positive_int, default=2, help="concurrent ngspice runs")
    check.add_argument("--seed", type=non_negative_int, default=0, help="noise seed")
    check.add_argument("--keep", default=None, help="keep netlists and ngspice output in this directory")
    add_budget_flags(check)
    add_json_flag(check)
    # bias lists such as "-0.05,0.1" start with a minus sign
    check._negative_number_matcher = re.compile(r"^-\.?\d")
    check.set_defaults(func=_check)


def _prepare_keep(args) -> None:
    """Create the ``--keep`` directory up front, so an unwritable path is one clear error, not a traceback."""
    if args.keep is not None:
        from pathlib import Path

        with output_errors("--keep", args.keep):
            Path(args.keep).mkdir(parents=True, exist_ok=True)


def _temperatures(option: str, values) -> list[float]:
    from noisecircuits import _validate

    return [_validate.temperature(option, t) for t in values]


def _ktc(args) -> dict:
    from noisecircuits import _validate
    from noisecircuits.budget import check_budget
    from noisecircuits.errors import ParameterError
    from noisecircuits.spice.benches import ktc_variance

    r = _validate.in_range("--resistance", args.resistance, *RESISTANCE_RANGE, "Ohm")
    c = _validate.in_range("--capacitance", args.capacitance, *CAPACITANCE_RANGE, "F")
    (t,) = _temperatures("--temperature", [args.temperature])
    rc = r * c
    # default: the shortest record that is not flagged short (1000 RC after 10 RC of settling)
    duration = 1010.0 * rc if args.duration is None else args.duration
    if duration < 100.0 * rc:
        raise ParameterError(f"--duration must be at least 100 RC = {100 * rc:g} s, got {duration:g}")
    points = KTC_POINTS_PER_RC * duration / rc
    seconds = points / KTC_POINTS_PER_SECOND
    budget = budget_from_args(args)
    check_budget("spice ktc", memory_bytes=points * KTC_BYTES_PER_POINT, seconds=seconds, budget=budget,
                 options="--duration (in units of RC)")
    _prepare_keep(args)
    if seconds > 2.0 and sys.stderr.isatty():  # on a terminal only: a failure stays one line in scripts
        sys.stderr.write(f"spice ktc: {points:.3g} ngspice time points, about {seconds:.3g} s ...\n")
        sys.stderr.flush()
    return ktc_variance(r, c, t, duration, seed=args.seed, keep=args.keep,
                        timeout=min(max(600.0, 10.0 * seconds), budget.max_seconds))


def _iv(args) -> dict:
    from noisecircuits.spice.benches import iv_sweep, subthreshold_swing_table

    from noisecircuits.budget import check_budget

    _temperatures("--temperatures", args.temperatures)
    check_budget("spice iv", seconds=len(args.temperatures) * IV_SECONDS_PER_TEMPERATURE,
                 budget=budget_from_args(args), options="--temperatures")
    _prepare_keep(args)
    stop = 1.0 if args.card == "sky130" else 0.9
    sweep = iv_sweep(args.card, args.device, args.width, args.length, args.vds, args.temperatures, v_gate_stop=stop,
                     keep=args.keep)
    table = subthreshold_swing_table(sweep)
    return {"card": args.card, "device": args.device, "width_m": args.width, "length_m": args.length,
            "vds_V": args.vds,
            "points": [{"temperature_K": r.temperature_K, "swing_mV_per_decade": r.swing_mV_per_decade,
                        "slope_factor": r.slope_factor} for r in table.itertuples()]}


def _check(args) -> dict:
    from noisecircuits.validation import crosscheck
    from noisecircuits.errors import ParameterError

    from noisecircuits import _validate

    if args.temperatures is not None:
        temps = _temperatures("--temperatures", args.temperatures)
    else:
        temps = [300.0, 320.0] if args.design == "pbit" else [CHECK_DEFAULT_TEMPERATURE[args.design]]
    if args.design != "pbit" and len(temps) != 1:
        raise ParameterError(f"the {args.design} check runs at one temperature; --temperatures lists {len(temps)}")
    if args.correlation_times is None:
        args.correlation_times = CHECK_DEFAULT_CORRELATION_TIMES[args.design]
    _validate.in_range("--correlation-times", args.correlation_times, *CORRELATION_TIMES_RANGE)
    if args.design != "pbit" and args.biases is not None:
        raise ParameterError("--biases applies to the pbit check only")
    design_file = getattr(args, "design_file", None)
    if design_file is not None and args.design != "pbit":
        raise ParameterError("--design applies to the pbit check only")
    if design_file is None and args.card == "sky130" and args.design == "pbit":
        raise ParameterError(crosscheck._REFERENCE_REFUSAL.format(
            why="the sky130 card has no capacitance-free variant, and "))
    if design_file is not None:
        # one clear line for a bad file or for sizes the card cannot draw, before any ngspice run
        crosscheck.drawable_document(design_file, args.card)
    from noisecircuits.budget import check_budget

    per_temperature = len(args.biases) if args.biases is not None else CHECK_DEFAULT_BIASES
    if args.design == "pbit":
        seconds = sum(per_temperature * args.correlation_times * _relaxation_times_per_correlation_time(t, design_file)
                      for t in temps) * CHECK_PBIT_SECONDS_PER_RELAXATION_TIME / args.workers
    elif args.design == "categorical":
        seconds = args.correlation_times * CHECK_CATEGORICAL_SECONDS_PER_CORRELATION_TIME
    else:
        seconds = (args.correlation_times * _relaxation_times_per_correlation_time(temps[0], light=True)
                   * CHECK_CONTINUOUS_SECONDS_PER_RELAXATION_TIME)
    check_budget(f"spice check {args.design}", seconds=seconds, budget=budget_from_args(args),
                 options="--temperatures/--biases/--correlation-times")
    _prepare_keep(args)
    start = time.perf_counter()
    if args.design == "pbit":
        frame = crosscheck.check_pbit(args.card, temps, args.biases, seed=args.seed,
                                      correlation_times=args.correlation_times, workers=args.workers, keep=args.keep,
                                      show_progress=False if args.json else None, design=design_file)
    else:
        func = crosscheck.check_categorical if args.design == "categorical" else crosscheck.check_continuous
        frame = func(args.card, temps[0], seed=args.seed, correlation_times=args.correlation_times,
                     workers=args.workers, keep=args.keep)
        if not args.json:  # the p-bit check reports through its own progress line
            sys.stderr.write(f"spice check {args.design}: {len(frame)} points in {time.perf_counter() - start:.1f} s\n")
    points = frame.to_dict(orient="records")
    out = {"design": args.design, "card": args.card, "all_agree": bool(all(_agrees(p) for p in points)),
           "points": points}
    if design_file is not None:
        out["design_file"] = str(design_file)
    return out


def _relaxation_times_per_correlation_time(temperature: float, design_file=None, *, light: bool = False) -> float:
    """tau_c / fastest relaxation time at v_mid of the reference p-bit, of the design file's circuit as the
    design tool builds it, or (``light``) of the light check design
    (:func:`noisecircuits.validation.crosscheck.light_check_design`) [-]; uncalibrated devices (the generic
    card's calibrated ones give 1.0-1.5x more at 320-280 K for the reference design); 1 where the latch
    is not bistable there."""
    from noisecircuits.circuits.pbit import PBit, PBitDesign
    from noisecircuits.errors import SimulationError

    design = PBitDesign.default()
    if design_file is not None:
        from noisecircuits.design.document import load_design

        design = load_design(design_file)
    elif light:
        from noisecircuits.validation.crosscheck import light_check_design

        design = light_check_design()
    model = PBit(design, None, temperature)
    try:
        return model.correlation_time_exact() / model.timescale
    except SimulationError:
        return 1.0


def _agrees(point: dict) -> bool:
    return all(v for k, v in point.items() if k.endswith("agrees") and v is not None)
