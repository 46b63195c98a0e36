"""``noisecircuits spice ...``: ngspice benches (kT/C, I–V) and SPICE-vs-SDE agreement checks."""

from __future__ import annotations

import re

from noisecircuits.commands._common import (
    add_json_flag,
    float_list,
    non_negative_int,
    output_errors,
    positive_float,
    positive_int,
)

_CARDS = ("generic", "sky130")


def register(subparsers) -> None:
    parser = subparsers.add_parser("spice", help="ngspice test benches and SPICE-vs-SDE agreement checks",
                                   description="Run the transistor-level ngspice benches of the toolkit.")
    sub = parser.add_subparsers(dest="spice_command", metavar="BENCH")
    sub.required = True

    ktc = sub.add_parser("ktc", help="kT/C noise of an RC node (ngspice transient noise vs kT/C)")
    ktc.add_argument("--resistance", type=positive_float, required=True, help="R [Ohm]")
    ktc.add_argument("--capacitance", type=positive_float, required=True, help="C [F]")
    ktc.add_argument("--temperature", type=positive_float, default=300.0, help="T [K] (default 300)")
    ktc.add_argument("--duration", type=positive_float, required=True, help="simulated time, >= 100 RC [s]")
    ktc.add_argument("--seed", type=non_negative_int, default=0, help="noise seed (default 0)")
    ktc.add_argument("--keep", default=None, help="keep netlist and ngspice output in this directory")
    add_json_flag(ktc)
    ktc.set_defaults(func=_ktc)

    iv = sub.add_parser("iv", help="subthreshold swing and slope factor of a card's transistor vs temperature")
    iv.add_argument("--card", choices=_CARDS, default="generic", help="model cards (default generic)")
    iv.add_argument("--device", choices=("nmos", "pmos"), default="nmos", help="transistor type")
    iv.add_argument("--width", type=positive_float, default=1e-6, help="W [m] (default 1e-6)")
    iv.add_argument("--length", type=positive_float, default=1e-6, help="L [m] (default 1e-6)")
    iv.add_argument("--vds", type=positive_float, default=0.05, help="|V_DS| [V] (default 0.05)")
    iv.add_argument("--temperatures", type=float_list, default=[300.0], help="temperatures [K]: a,b,c or start:stop:count")
    iv.add_argument("--keep", default=None, help="keep netlists and ngspice output in this directory")
    add_json_flag(iv)
    iv.set_defaults(func=_iv)

    check = sub.add_parser("check", help="SPICE transient noise vs the SDE model of a design")
    check.add_argument("design", choices=("pbit", "categorical", "continuous"), help="reference design")
    check.add_argument("--card", choices=_CARDS, default="generic", help="model cards (default generic)")
    check.add_argument("--temperatures", type=float_list, default=None, help="temperatures [K] (default 300,320)")
    check.add_argument("--biases", type=float_list, default=None,
                       help="p-bit bias voltages [V] (default: 7 points spanning P(1) = 0.1..0.9 at each temperature)")
    check.add_argument("--correlation-times", type=positive_float, default=100.0,
                       help="SPICE duration per point in correlation times (default 100)")
    check.add_argument("--workers", type=positive_int, default=2, help="concurrent ngspice runs (default 2)")
    check.add_argument("--seed", type=non_negative_int, default=0, help="noise seed (default 0)")
    check.add_argument("--keep", default=None, help="keep netlists and ngspice output in this directory")
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


def _ktc(args) -> dict:
    from noisecircuits.spice.benches import ktc_variance

    _prepare_keep(args)
    return ktc_variance(args.resistance, args.capacitance, args.temperature, args.duration, seed=args.seed,
                        keep=args.keep)


def _iv(args) -> dict:
    from noisecircuits.spice.benches import iv_sweep, subthreshold_swing_table

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

    temps = args.temperatures if args.temperatures is not None else [300.0, 320.0]
    _prepare_keep(args)
    if args.design == "pbit":
        frame = crosscheck.check_pbit(args.card, temps, args.biases, seed=args.seed,
                                      correlation_times=args.correlation_times, workers=args.workers, keep=args.keep,
                                      show_progress=False if args.json else None)
    else:
        if args.biases is not None:
            raise ParameterError("--biases applies to the pbit check only")
        func = crosscheck.check_categorical if args.design == "categorical" else crosscheck.check_continuous
        frame = func(args.card, temps[0], seed=args.seed, correlation_times=args.correlation_times,
                     workers=args.workers, keep=args.keep)
    points = frame.to_dict(orient="records")
    return {"design": args.design, "card": args.card, "all_agree": bool(all(_agrees(p) for p in points)),
            "points": points}


def _agrees(point: dict) -> bool:
    return all(v for k, v in point.items() if k.endswith("agrees") and v is not None)
