"""``noisecircuits design pbit``: the cheapest p-bit that decorrelates in a target time.

``noisecircuits design pbit --target-tau S [--temperature K] [--temperature-range LO:HI]
[--card generic|sky130] [--max-energy J] [--supply ptat|fixed] [--max-inversion-coefficient IC]
[--seed N] [--verify] --out FILE --json`` searches the drawn sizes, the latch threshold shift and
the supply of the p-bit (docs/design.md) with the exact Fokker–Planck figures, writes the design
file and prints ``correlation_time_s``, ``energy_per_sample_J``, ``supply_power_W``,
``barrier_kT``, ``v_mid_V``, ``active_constraints`` and ``design`` (the file's content). An
infeasible target gives one line naming the binding constraint, exit 2, and no file.

Weak inversion: by default every device must have IC <= 0.1 at the optimum (a constraint, so a
design outside it is refused). ``--max-inversion-coefficient`` relaxes that bound; an optimum
above 0.1 is then written but flagged: ``weak_inversion`` is false in the JSON and one warning
line goes to stderr (the shot-noise model 2q(I_f + I_r) is a weak-inversion result).
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from noisecircuits.commands._common import (
    add_budget_flags,
    add_json_flag,
    budget_from_args,
    check_output_path,
    non_negative_int,
    output_errors,
    positive_float,
    positive_int,
)

__all__ = ["register"]

#: Wall time of one searched point (its bistable edge, the threshold shift or the supply solved for
#: the target, then the full figures), measured about 2.5 s with two searches on a 2-core machine [s].
_SECONDS_PER_EVALUATION = 2.5
#: Default search effort: differential-evolution population per variable and generations [-].
_POPULATION = 5
_GENERATIONS = 12
_POLISH_EVALUATIONS = 150
#: Default targets of ``design pareto``: 10 ns to 100 us, two per decade [s].
_DEFAULT_TAUS_TEXT = "1e-8:1e-4:9"
#: Paths and correlation times per path of the --verify ensemble [-].
_VERIFY_PATHS = 4
_VERIFY_TAUS_PER_PATH = 100.0


def _temperature_range(text: str) -> tuple[float, float]:
    parts = text.split(":")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected LO:HI in kelvin, got {text!r}")
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LO:HI in kelvin, got {text!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise argparse.ArgumentTypeError(f"expected finite LO <= HI in kelvin, got {text!r}")
    return low, high


def _verify(design, figures, temperature, seed, budget) -> dict:
    """SDE ensemble at the optimum: τ_c and P(1) against the exact values within 4 SE."""
    from noisecircuits.analysis.stats import trace_stats
    from noisecircuits.budget import check_budget
    from noisecircuits.circuits.pbit import PBit
    from noisecircuits.sde.simulate import plan_run, simulate

    bit = PBit(design, figures.v_bias_V, temperature)
    duration = _VERIFY_TAUS_PER_PATH * figures.correlation_time_s
    plan = plan_run(bit, duration, paths=_VERIFY_PATHS, record_every=20)
    check_budget("design pbit --verify", memory_bytes=plan.memory_bytes, seconds=plan.seconds, budget=budget,
                 options="--target-tau (the SDE check runs 400 correlation times)")
    trace = simulate(bit, duration, paths=_VERIFY_PATHS, seed=seed, record_every=20)
    stats = trace_stats(trace)
    tau, tau_se = stats["correlation_time_s"], stats["correlation_time_stderr_s"]
    p, p_se = stats["p_one"], stats["p_one_stderr"]
    tau_ok = math.isfinite(tau) and abs(tau - figures.correlation_time_s) <= 4.0 * tau_se
    p_ok = abs(p - figures.p_one) <= 4.0 * p_se
    return {"correlation_time_s": tau, "correlation_time_stderr_s": tau_se, "p_one": p, "p_one_stderr": p_se,
            "n_switches": stats["n_switches"], "agrees": bool(tau_ok and p_ok)}


def _targets(text: str) -> tuple[float, ...]:
    from noisecircuits.design.pareto import log_targets
    from noisecircuits.errors import ParameterError

    try:
        if ":" in text:
            low, high, count = text.split(":")
            return log_targets(float(low), float(high), int(count))
        values = tuple(float(v) for v in text.split(","))
    except (ValueError, ParameterError) as error:
        raise argparse.ArgumentTypeError(f"expected LO:HI:N (log-spaced) or S,S,... in seconds, got {text!r}"
                                         + (f": {error}" if isinstance(error, ParameterError) else "")) from None
    if len(values) < 1 or not all(math.isfinite(v) and v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive finite correlation times in seconds, got {text!r}")
    return tuple(sorted(set(values)))


def _run_pareto(args) -> dict:
    from pathlib import Path

    from noisecircuits import _validate
    from noisecircuits._io import atomic_write_text
    from noisecircuits.budget import check_budget
    from noisecircuits.design.document import design_document
    from noisecircuits.design.pareto import TARGET_RANGE, front_rows, pareto_front
    from noisecircuits.design.process import process_named
    from noisecircuits.design.space import DEFAULT_SUPPLY_TRACKING
    from noisecircuits.plotting import plot_pareto_front, save_figure
    from noisecircuits.progress import progress

    from noisecircuits.design.space import default_variables

    from noisecircuits.validation.card_process import ensure_process

    ensure_process(args.card)
    variables = len(default_variables(process_named(args.card))) - 1  # one variable is solved for each target
    temperature = _validate.temperature("--temperature", args.temperature)
    low, high = args.temperature_range
    _validate.temperature("--temperature-range", low)
    _validate.temperature("--temperature-range", high)
    for tau in args.taus:
        _validate.in_range("--taus", tau, *TARGET_RANGE, "s")
    check_output_path("--out", args.out, directory=True)
    from noisecircuits.design.optimise import INITIAL_POOL

    per_target = args.population * variables * (args.generations + INITIAL_POOL) + _POLISH_EVALUATIONS
    rounds = math.ceil(len(args.taus) / args.workers)
    check_budget("design pareto", memory_bytes=2e8 * min(args.workers, len(args.taus)),
                 seconds=rounds * per_target * _SECONDS_PER_EVALUATION, budget=budget_from_args(args),
                 options="--taus, --population or --generations (or add --workers)")
    with progress(len(args.taus), "design pareto", unit="target", enabled=False if args.json else None) as bar:
        points = pareto_front(args.card, args.taus, temperature=temperature, temperature_range=(low, high),
                              supply_tracking=args.supply or DEFAULT_SUPPLY_TRACKING,
                              bounds=None if args.max_inversion_coefficient is None else
                              {"weak_inversion": (None, args.max_inversion_coefficient)}, seed=args.seed,
                              population=args.population, generations=args.generations, workers=args.workers,
                              progress_bar=bar)
    if not any(p.feasible for p in points):
        from noisecircuits.design.optimise import DesignInfeasibleError

        raise DesignInfeasibleError(f"no target of the front has a feasible design; at {points[0].target_tau_s:g} s: "
                                    f"{points[0].binding}")
    rows = front_rows(points)
    out = Path(args.out)
    files = []
    with output_errors("--out", out):
        out.mkdir(parents=True, exist_ok=True)
        for point in points:
            if not point.feasible:
                continue
            r = point.result
            target = {"target_tau_s": point.target_tau_s, "temperature_K": temperature,
                      "temperature_range_K": [low, high], "max_energy_J": None}
            doc = design_document(r.geometry, args.card, figures=r.metrics.as_dict(), target=target,
                                  active_constraints=r.active_constraints, sensitivities=r.sensitivities)
            path = out / f"design_tau_{point.target_tau_s:.3g}.json"
            atomic_write_text(path, json.dumps(doc, indent=2, allow_nan=False) + "\n")
            files.append(str(path))
        import pandas as pd

        csv = out / "pareto.csv"
        atomic_write_text(csv, pd.DataFrame(rows).to_csv(index=False))
        png = save_figure(plot_pareto_front(rows), out / "pareto.png", dpi=200)
    for row in rows:
        if not row["feasible"]:
            sys.stderr.write(f"design pareto: {row['target_tau_s']:.3g} s: {row['binding']}\n")
    return {"card": args.card, "temperature_K": temperature, "temperature_range_K": [low, high],
            "front": [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
                      for row in rows],
            "pareto_csv": str(csv), "pareto_png": str(png), "design_files": files}


def _run(args) -> dict:
    from noisecircuits import _validate
    from noisecircuits._io import atomic_write_text
    from noisecircuits.budget import check_budget
    from noisecircuits.design.document import design_document
    from noisecircuits.design.optimise import optimise_pbit
    from noisecircuits.design.process import process_named
    from noisecircuits.design.space import DesignProblem
    from noisecircuits.progress import progress

    from noisecircuits.validation.card_process import ensure_process

    ensure_process(args.card)
    process = process_named(args.card)
    temperature = _validate.temperature("--temperature", args.temperature)
    low, high = args.temperature_range
    _validate.temperature("--temperature-range", low)
    _validate.temperature("--temperature-range", high)
    check_output_path("--out", args.out)
    from noisecircuits.design.evaluate import check_weak_inversion
    from noisecircuits.design.space import DEFAULT_SUPPLY_TRACKING

    problem = DesignProblem(process, args.target_tau, temperature=temperature, temperature_range=(low, high),
                            max_energy=args.max_energy,
                            supply_tracking=args.supply or DEFAULT_SUPPLY_TRACKING)
    if args.max_inversion_coefficient is not None:
        problem = problem.with_bound("weak_inversion", upper=args.max_inversion_coefficient)
    from noisecircuits.design.optimise import INITIAL_POOL

    # the initial pool (INITIAL_POOL candidates per member), the generations and the polish
    evaluations = (args.population * len(problem.searched_variables()) * (args.generations + INITIAL_POOL)
                   + _POLISH_EVALUATIONS)
    check_budget("design pbit", memory_bytes=2e8, seconds=evaluations * _SECONDS_PER_EVALUATION,
                 budget=budget_from_args(args), options="the search")
    with progress(args.generations, "design pbit: search", unit="generation",
                  enabled=False if args.json else None) as bar:
        result = optimise_pbit(problem, seed=args.seed, population=args.population, generations=args.generations,
                               progress_bar=bar)
    m = result.metrics
    target = {"target_tau_s": args.target_tau, "temperature_K": temperature,
              "temperature_range_K": [low, high], "max_energy_J": args.max_energy}
    verify = None
    if args.verify:
        verify = _verify(result.design, m, temperature, args.seed, budget_from_args(args))
    doc = design_document(result.geometry, args.card, figures=m.as_dict(), target=target,
                          active_constraints=result.active_constraints, sensitivities=result.sensitivities)
    with output_errors("--out", args.out):
        atomic_write_text(args.out, json.dumps(doc, indent=2, allow_nan=False) + "\n")
    weak = check_weak_inversion(m)  # a warning line on stderr when it is left
    if result.violated:
        import warnings

        from noisecircuits.design.optimise import ConstraintMissWarning

        warnings.warn(result.violation_message(problem), ConstraintMissWarning, stacklevel=1)
    out = {
        "correlation_time_s": m.correlation_time_s,
        "energy_per_sample_J": m.energy_per_sample_J,
        "energy_per_tau_J": m.energy_per_tau_J,
        "supply_power_W": m.supply_power_W,
        "barrier_kT": m.barrier_kT,
        "v_mid_V": m.v_bias_V,
        "max_inversion_coefficient": m.max_inversion_coefficient,
        "weak_inversion": weak,
        "supply_tracking": result.geometry.supply_tracking,
        "threshold_shift_V": result.geometry.threshold_shift,
        "active_constraints": list(result.active_constraints),
        "violated_constraints": list(result.violated),
        "sensitivities": result.sensitivities,
        "design": doc,
        "out": str(args.out),
    }
    if verify is not None:
        out["verify"] = verify
    return out


def _run_audit(args) -> dict:
    from noisecircuits.budget import check_budget
    from noisecircuits.design.audit import random_feasible_designs, search_energy, search_feasible, searched_point
    from noisecircuits.design.document import geometry_from_document, read_design_document
    from noisecircuits.design.process import process_named
    from noisecircuits.design.space import DesignProblem
    from noisecircuits.errors import DataError
    from noisecircuits.progress import progress
    from noisecircuits.validation.card_process import ensure_process

    where = f"design file {str(args.design)!r}"
    doc = read_design_document(args.design)
    ensure_process(doc.get("card"))  # a derived card (sky130) must exist before its sizes are checked
    geometry = geometry_from_document(doc, where)
    target = doc.get("target") or {}
    if not target.get("target_tau_s"):
        raise DataError(f"{where}: the design has no target_tau_s in its 'target' section; audit compares a "
                        f"design with random designs that meet the same target (a file from `design pbit --target-tau`)")
    low, high = target.get("temperature_range_K", (280.0, 340.0))
    problem = DesignProblem(process_named(doc["card"]), float(target["target_tau_s"]),
                            temperature=float(target.get("temperature_K", 300.0)), temperature_range=(low, high),
                            supply_tracking=geometry.supply_tracking)
    if args.max_inversion_coefficient is not None:
        problem = problem.with_bound("weak_inversion", upper=args.max_inversion_coefficient)
    point = searched_point(problem, geometry)
    outside = [v.name for v, u in zip(problem.searched_variables(), point, strict=True) if not -1e-9 <= u <= 1 + 1e-9]
    if outside:
        raise DataError(f"{where}: {', '.join(outside)} outside the search box of the default problem, so "
                        f"random draws of that box do not include this design")
    check_budget("design audit", memory_bytes=2e8, seconds=(args.draws + 1) * _SECONDS_PER_EVALUATION,
                 budget=budget_from_args(args), options="--draws")
    energy = search_energy(problem, point)
    with progress(args.draws, "design audit: random designs", unit="draw",
                  enabled=False if args.json else None) as bar:
        draws = random_feasible_designs(problem, args.draws, seed=args.seed, progress_bar=bar)
    cheaper = int((draws.energies_J < energy).sum())
    return {"design": str(args.design), "target_tau_s": problem.target_tau, "design_energy_J": energy,
            "design_feasible": search_feasible(problem, point), "draws": draws.count, "feasible_draws": draws.feasible,
            "cheapest_draw_energy_J": float(draws.energies_J.min()) if draws.feasible else None,
            "cheaper_draws": cheaper}


def register(subparsers) -> None:
    """Add ``design`` (with its ``pbit`` sub-command) to the CLI."""
    from noisecircuits.constants import ROOM_TEMPERATURE

    parser = subparsers.add_parser("design", help="design a sampler cell for a target (docs/design.md)")
    sub = parser.add_subparsers(dest="design_command", metavar="WHAT", parser_class=type(parser))
    sub.required = True
    pbit = sub.add_parser("pbit", help="the p-bit of least energy per sample that decorrelates in --target-tau")
    pbit.add_argument("--target-tau", type=positive_float, default=None, metavar="S",
                      help="correlation time to reach at --temperature [s]")
    pbit.add_argument("--temperature", type=positive_float, default=ROOM_TEMPERATURE,
                      help="temperature of the target [K], 200-450")
    pbit.add_argument("--temperature-range", type=_temperature_range, default=(280.0, 340.0), metavar="LO:HI",
                      help="range over which the constraints hold [K]")
    pbit.add_argument("--card", default="generic",
                      help="process card of the drawn sizes: generic (stated values) or sky130 (derived from the "
                           "fetched SkyWater cards, docs/design.md)")
    pbit.add_argument("--max-energy", type=positive_float, default=None, metavar="J",
                      help="energy budget per sample [J]; without --target-tau: the fastest cell under it")
    pbit.add_argument("--supply", default=None, metavar="ptat|fixed",
                      help="supply over temperature: ptat (V_dd proportional to T, equal to the searched "
                           "V_dd at --temperature; the default) or fixed")
    pbit.add_argument("--max-inversion-coefficient", type=positive_float, default=None, metavar="IC",
                      help="relax the weak-inversion bound (default 0.1); an optimum above 0.1 is flagged")
    pbit.add_argument("--seed", type=non_negative_int, default=0, help="seed of the global search")
    pbit.add_argument("--population", type=positive_int, default=_POPULATION,
                      help="search effort: differential-evolution population per variable")
    pbit.add_argument("--generations", type=positive_int, default=_GENERATIONS,
                      help="search effort: largest number of generations")
    pbit.add_argument("--verify", action="store_true",
                      help="re-simulate the optimum with the SDE ensemble and compare with the exact figures")
    pbit.add_argument("--out", required=True, help="design file to write (JSON)")
    add_budget_flags(pbit)
    add_json_flag(pbit)
    pbit.set_defaults(func=_run)

    audit = sub.add_parser("audit", help="compare a design file's energy with random feasible designs of the same "
                                         "target, drawn from the search box (each with its target solved)")
    audit.add_argument("design", metavar="FILE", help="design file from `design pbit --target-tau`")
    audit.add_argument("--draws", type=positive_int, default=200, help="random designs to draw (default 200)")
    audit.add_argument("--seed", type=non_negative_int, default=0, help="seed of the draws")
    audit.add_argument("--max-inversion-coefficient", type=positive_float, default=None, metavar="IC",
                       help="the weak-inversion bound the design was searched with (default 0.1)")
    add_budget_flags(audit)
    add_json_flag(audit)
    audit.set_defaults(func=_run_audit)

    front = sub.add_parser("pareto", help="the cheapest p-bit at each of several target correlation times "
                                          "(energy-speed front: CSV, PNG and one design file per target)")
    front.add_argument("--taus", type=_targets, default=_DEFAULT_TAUS_TEXT, metavar="LO:HI:N|S,S,...",
                       help=f"target correlation times at --temperature [s] (default {_DEFAULT_TAUS_TEXT})")
    front.add_argument("--temperature", type=positive_float, default=ROOM_TEMPERATURE,
                       help="temperature of the targets [K], 200-450")
    front.add_argument("--temperature-range", type=_temperature_range, default=(280.0, 340.0), metavar="LO:HI",
                       help="range over which the constraints hold [K]")
    front.add_argument("--card", default="generic", help="process card of the drawn sizes (generic or sky130)")
    front.add_argument("--supply", default=None, metavar="ptat|fixed", help="supply over temperature (default ptat)")
    front.add_argument("--max-inversion-coefficient", type=positive_float, default=None, metavar="IC",
                       help="relax the weak-inversion bound (default 0.1)")
    front.add_argument("--seed", type=non_negative_int, default=0, help="seed of each target's global search")
    front.add_argument("--population", type=positive_int, default=_POPULATION,
                       help="search effort per target: differential-evolution population per variable")
    front.add_argument("--generations", type=positive_int, default=_GENERATIONS,
                       help="search effort per target: largest number of generations")
    front.add_argument("--workers", type=positive_int, default=1, help="processes to spread the targets over")
    front.add_argument("--out", required=True, metavar="DIR",
                       help="directory for pareto.csv, pareto.png and design_tau_<S>.json (one per feasible target)")
    add_budget_flags(front)
    add_json_flag(front)
    front.set_defaults(func=_run_pareto)
