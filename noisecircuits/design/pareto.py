"""The energy–speed front of a card: the cheapest p-bit at each target correlation time.

:func:`pareto_front` runs :func:`~noisecircuits.design.optimise.optimise_pbit` once per target
correlation time (in parallel over processes when asked) and returns one :class:`FrontPoint` per
target: the optimum's figures, or the line naming the binding constraint where the target is out
of reach. Each optimum is a design whose τ_c lies within the problem's band (5 %) of its target.

The front is a Pareto front in (τ_c, energy per sample), both to be made small: a design is
dominated when another one is at least as fast and cheaper. Per-target optima can be dominated:
the energy per sample scales as C·V_dd·U_T times a function of the barrier, not with the current
level, so once the smallest latch at its lowest current is reached, a slower target costs
capacitance or barrier, and a faster design of the front is cheaper. :func:`dominated_by` names
those optima, and the front proper (:func:`non_dominated`) keeps the others; on it the energy
never falls as the target gets shorter.
"""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass

import numpy as np

from noisecircuits import _validate
from noisecircuits.errors import ParameterError

__all__ = ["FrontPoint", "pareto_front", "dominated_by", "non_dominated", "front_rows", "log_targets", "TARGET_RANGE"]

#: Target correlation times a front may span [s].
TARGET_RANGE = (1e-10, 1e-1)


@dataclass(frozen=True)
class FrontPoint:
    """One target of the front.

    Attributes
    ----------
    target_tau_s : float
        Target correlation time [s].
    result : DesignResult or None
        The optimum, or None where no feasible design exists [-].
    binding : str or None
        The refusal line naming the binding constraint (None when feasible) [-].
    """

    target_tau_s: float
    result: object
    binding: str | None

    @property
    def feasible(self) -> bool:
        return self.result is not None


def log_targets(low: float, high: float, count: int) -> tuple[float, ...]:
    """``count`` log-spaced target correlation times from ``low`` to ``high`` [s], each to 3 digits."""
    for name, value in (("lowest target", low), ("highest target", high)):
        _validate.in_range(name, value, *TARGET_RANGE, "s")
    if not low < high or count < 2:
        raise ParameterError(f"--taus needs LO < HI and at least 2 targets, got {low:g}:{high:g}:{count}")
    return tuple(float(f"{t:.3g}") for t in np.geomspace(low, high, count))


def _optimise_one(card: str, target: float, temperature: float, temperature_range, supply_tracking: str,
                  bounds, variables, fixed, seed, population: int, generations: int):
    """One target's optimum or its binding line (module level: pickles to a worker process)."""
    from noisecircuits.design.optimise import DesignInfeasibleError, optimise_pbit
    from noisecircuits.design.process import process_named
    from noisecircuits.design.space import DesignProblem

    problem = DesignProblem(process_named(card), target, temperature=temperature,
                            temperature_range=tuple(temperature_range), supply_tracking=supply_tracking,
                            variables=tuple(variables or ()), fixed=dict(fixed or {}))
    for name, (lower, upper) in (bounds or {}).items():
        problem = problem.with_bound(name, lower=lower, upper=upper)
    try:
        result = optimise_pbit(problem, seed=seed, population=population, generations=generations)
    except DesignInfeasibleError as error:
        return FrontPoint(target, None, str(error))
    return FrontPoint(target, result, None)


def pareto_front(card: str, targets, *, temperature: float = 300.0, temperature_range=(280.0, 340.0),
                 supply_tracking: str = "ptat", bounds=None, variables=None, fixed=None, seed=0,
                 population: int = 5, generations: int = 12, workers: int = 1,
                 progress_bar=None) -> list[FrontPoint]:
    """The cheapest design of ``card`` at each target correlation time.

    Parameters
    ----------
    card : str
        Process card of the drawn sizes [-].
    targets : sequence of float
        Target correlation times at ``temperature`` [s].
    temperature : float
        Temperature of the targets [K].
    temperature_range : (float, float)
        Range over which the constraints hold [K].
    supply_tracking : str
        ``"ptat"`` or ``"fixed"`` [-].
    bounds : dict, optional
        ``constraint name -> (lower, upper)`` replacing the default bounds where not None, e.g.
        ``{"weak_inversion": (None, 0.3)}`` [constraint units].
    variables : tuple of Variable, optional
        Decision variables (default: the card's, :func:`~noisecircuits.design.space.default_variables`) [-].
    fixed : dict, optional
        Geometry fields held fixed [field units].
    seed : int
        Seed of every target's global search (the same seed for each, so that the front does not
        change with the order of the targets) [-].
    population, generations : int
        Search effort per target (:func:`~noisecircuits.design.optimise.optimise_pbit`) [-].
    workers : int
        Processes to spread the targets over [-].
    progress_bar : Progress, optional
        Advanced once per finished target [-].

    Returns
    -------
    list of FrontPoint
        In the order of ``targets``.
    """
    targets = [float(t) for t in targets]
    if not targets:
        raise ParameterError("a front needs at least one target correlation time")
    for t in targets:
        _validate.in_range("target correlation time", t, *TARGET_RANGE, "s")
    _validate.positive("workers", workers)
    args = [(card, t, temperature, tuple(temperature_range), supply_tracking, bounds, variables, fixed, seed,
             population, generations) for t in targets]
    points: list = [None] * len(targets)
    if workers == 1 or len(targets) == 1:
        for i, a in enumerate(args):
            points[i] = _optimise_one(*a)
            if progress_bar is not None:
                progress_bar.update()
        return points
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(targets)), mp_context=context) as pool:
        futures = {pool.submit(_optimise_one, *a): i for i, a in enumerate(args)}
        for future in as_completed(futures):
            points[futures[future]] = future.result()
            if progress_bar is not None:
                progress_bar.update()
    return points


def dominated_by(points) -> dict:
    """``target -> faster target`` for each optimum that a faster, cheaper optimum of the front beats [s]."""
    feasible = [p for p in points if p.feasible]
    out = {}
    for p in feasible:
        m = p.result.metrics
        beaters = [q for q in feasible if q is not p and q.result.metrics.correlation_time_s <= m.correlation_time_s
                   and q.result.metrics.energy_per_sample_J < m.energy_per_sample_J]
        if beaters:
            best = min(beaters, key=lambda q: q.result.metrics.energy_per_sample_J)
            out[p.target_tau_s] = best.target_tau_s
    return out


def non_dominated(points) -> list:
    """The feasible points no other point of the front dominates, fastest first."""
    dominated = dominated_by(points)
    keep = [p for p in points if p.feasible and p.target_tau_s not in dominated]
    return sorted(keep, key=lambda p: p.result.metrics.correlation_time_s)


def front_rows(points) -> list[dict]:
    """One flat row per target: figures, geometry, binding constraint, dominance [SI units]."""
    dominated = dominated_by(points)
    rows = []
    for p in points:
        row = {"target_tau_s": p.target_tau_s, "feasible": p.feasible}
        if p.feasible:
            m, g = p.result.metrics, p.result.geometry
            row.update({"correlation_time_s": m.correlation_time_s, "energy_per_sample_J": m.energy_per_sample_J,
                        "energy_per_tau_J": m.energy_per_tau_J, "supply_power_W": m.supply_power_W,
                        "barrier_kT": m.barrier_kT, "min_barrier_kT": m.min_barrier_kT, "v_mid_V": m.v_bias_V,
                        "offset_sigma_V": m.offset_sigma_V,
                        "max_inversion_coefficient": m.max_inversion_coefficient,
                        "node_capacitance_F": m.node_capacitance_F,
                        "active_constraints": ";".join(p.result.active_constraints),
                        "violated_constraints": ";".join(p.result.violated),
                        "dominated_by_target_s": dominated.get(p.target_tau_s, math.nan), "binding": ""})
            row.update({f"geometry_{k}": v for k, v in asdict(g).items() if isinstance(v, float)})
        else:
            row.update({"binding": p.binding})
        rows.append(row)
    return rows
