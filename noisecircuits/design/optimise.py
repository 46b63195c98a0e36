"""The cheapest p-bit for a target: global search, local polish, active constraints, sensitivities.

:func:`optimise_pbit` searches the unit cube of a :class:`~noisecircuits.design.space.DesignProblem`'s
variables with :func:`scipy.optimize.differential_evolution` (feasibility-first handling of
the constraints, with the target band widened to a factor 1.5 so that the population can find
the region), then polishes the best point with COBYLA (also when the global search ends
just outside the feasible set: only then is a target refused), evaluating every candidate with
the exact Fokker–Planck figures of :func:`~noisecircuits.design.evaluate.evaluate`. The
optimum is re-evaluated on the finer grid with v_mid solved exactly; when that moves τ_c off
the target (the two grids differ by a few per cent, more at high barriers), the polish is
repeated with the target scaled by the ratio of the two grids' τ_c at the optimum.

Sensitivities of the optimum energy to each active constraint's bound come from the KKT
conditions: with central-difference gradients of ln E and of the active normalised slacks
:math:`s_i`, non-negative multipliers solve :math:`\\nabla \\ln E = \\sum_i \\lambda_i \\nabla s_i`
(least squares), and :math:`\\partial E/\\partial b_i = \\pm E \\lambda_i / \\mathrm{scale}_i`
(+ for a lower bound, − for an upper one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from noisecircuits.design.evaluate import FINAL_GRID_POINTS, SEARCH_GRID_POINTS, DesignMetrics, evaluate
from noisecircuits.design.geometry import PBitGeometry, build_design
from noisecircuits.design.space import TAU_TOLERANCE, DesignProblem
from noisecircuits.errors import ParameterError

__all__ = ["DesignResult", "DesignInfeasibleError", "optimise_pbit", "ACTIVE_SLACK"]

#: A constraint whose normalised slack is below this at the optimum is reported active [-].
ACTIVE_SLACK = 0.05
_INFEASIBLE_OBJECTIVE = 1e3
#: Normalised violation still counted as feasible: COBYLA ends on its constraints to within
#: about 1e-8 of their scale [-].
FEASIBILITY_TOLERANCE = 1e-6
#: Target band of the global phase: tau_c within this factor of the target [-].
GLOBAL_TAU_FACTOR = 1.5


class DesignInfeasibleError(ParameterError):
    """No design in the box meets the constraints; the message names the binding one."""


@dataclass(frozen=True)
class DesignResult:
    """An optimum and what limits it.

    Attributes
    ----------
    geometry : PBitGeometry
        Drawn sizes and voltages [-].
    design : PBitDesign
        The circuit built from them [-].
    metrics : DesignMetrics
        Exact figures on the final grid at the exact v_mid [-].
    active_constraints : tuple of str
        Constraints at their bound [-].
    sensitivities : dict
        ``name -> dE/d(bound)`` of each active constraint [J per constraint unit].
    evaluations : int
        Exact evaluations spent [-].
    """

    geometry: PBitGeometry
    design: object
    metrics: DesignMetrics
    active_constraints: tuple
    sensitivities: dict
    evaluations: int


class _Evaluator:
    """Memoised exact figures, objective and slacks on the unit cube."""

    def __init__(self, problem: DesignProblem):
        self.problem = problem
        self.cache: dict = {}

    def metrics(self, u) -> DesignMetrics:
        key = tuple(np.round(np.clip(np.asarray(u, dtype=float), 0.0, 1.0), 12))
        if key not in self.cache:
            p = self.problem
            design = build_design(p.geometry(key), p.process)
            self.cache[key] = evaluate(design, p.process, p.temperature, p.temperature_range,
                                       grid_points=SEARCH_GRID_POINTS)
        return self.cache[key]

    def objective(self, u) -> float:
        m = self.metrics(u)
        if not m.bistable:
            return _INFEASIBLE_OBJECTIVE
        return _objective_value(m, self.problem)

    def slacks(self, u) -> np.ndarray:
        m = self.metrics(u)
        if not m.bistable:
            return np.full(self._n_slacks(), -1e3)
        return np.array([s for c in self.problem.constraints for s in c.slacks(m, self.problem)])

    def _n_slacks(self) -> int:
        return sum((c.lower is not None) + (c.upper is not None) for c in self.problem.constraints)


def _objective_value(m: DesignMetrics, problem: DesignProblem) -> float:
    if problem.target_tau is None:  # fastest cell under the energy budget
        return math.log(m.correlation_time_s)
    return math.log(m.energy_per_sample_J + problem.readout_energy)


def _slack_names(problem: DesignProblem) -> list[tuple[str, str]]:
    return [(c.name, side) for c in problem.constraints for side, bound in (("lower", c.lower), ("upper", c.upper))
            if bound is not None]


def _binding_message(problem: DesignProblem, evaluator: _Evaluator, u) -> str:
    slacks = evaluator.slacks(u)
    names = _slack_names(problem)
    worst = int(np.argmin(slacks))
    name, side = names[worst]
    constraint = next(c for c in problem.constraints if c.name == name)
    m = evaluator.metrics(u)
    target = f"{problem.target_tau:g} s" if problem.target_tau else f"an energy budget of {problem.max_energy:g} J"
    if not m.bistable:
        return (f"no design in the search box is bistable and meets the constraints for {target}; "
                f"binding constraint: {name} ({constraint.description})")
    value = constraint.value(m, problem)
    bound = constraint.lower if side == "lower" else constraint.upper
    others = sorted({other for (other, _side), slack in zip(names, slacks, strict=True) if slack < 0 and other != name})
    also = f"; also violated there: {', '.join(others)}" if others else ""
    return (f"no feasible design for {target} at {problem.temperature:g} K over "
            f"{problem.temperature_range[0]:g}:{problem.temperature_range[1]:g} K; binding constraint: {name} "
            f"({constraint.description}): best {value:.3g} {constraint.unit} against the {side} bound "
            f"{bound:.3g} {constraint.unit}{also}")


def _sensitivities(problem: DesignProblem, evaluator: _Evaluator, u, active) -> dict:
    from scipy.optimize import nnls

    if not active:
        return {}
    names = _slack_names(problem)
    rows = [i for i, (name, _side) in enumerate(names) if name in active]
    h = 2e-3
    d = len(u)
    grad_f = np.empty(d)
    grad_s = np.empty((len(rows), d))
    for k in range(d):
        up, down = np.array(u, dtype=float), np.array(u, dtype=float)
        up[k] = min(1.0, up[k] + h)
        down[k] = max(0.0, down[k] - h)
        span = up[k] - down[k]
        grad_f[k] = (evaluator.objective(up) - evaluator.objective(down)) / span
        grad_s[:, k] = (evaluator.slacks(up)[rows] - evaluator.slacks(down)[rows]) / span
    multipliers, _ = nnls(grad_s.T, grad_f)
    energy = evaluator.metrics(u).energy_per_sample_J + problem.readout_energy
    out = {}
    for lam, i in zip(multipliers, rows, strict=True):
        name, side = names[i]
        constraint = next(c for c in problem.constraints if c.name == name)
        sign = 1.0 if side == "lower" else -1.0
        out[f"{name}.{side}"] = float(sign * energy * lam / constraint.scale)
    return out


def optimise_pbit(problem: DesignProblem, *, seed=None, population: int = 8, generations: int = 30,
                  progress_bar=None) -> DesignResult:
    """The design of least energy per sample (or shortest τ_c under a budget) meeting the constraints.

    Parameters
    ----------
    problem : DesignProblem
        Variables, constraints, target [-].
    seed : int, optional
        Seed of the global search [-].
    population : int
        Population size per variable of differential evolution [-].
    generations : int
        Largest number of generations [-].
    progress_bar : Progress, optional
        Advanced once per generation [-].

    Raises
    ------
    DesignInfeasibleError
        When no feasible design was found; names the binding constraint.
    """
    from scipy.optimize import NonlinearConstraint, differential_evolution

    evaluator = _Evaluator(problem)
    d = len(problem.variables)

    def callback(*_args, **_kwargs):
        if progress_bar is not None:
            progress_bar.update()

    # global phase on a wider target band (tau_c within a factor 1.5): tau_c moves by e per mV of
    # V_dd, so the final 5 % band is a sliver a population rarely lands in; the polish below
    # then meets the final band from there (the figures are shared, only the band differs)
    wide = _Evaluator(_widened(problem))
    wide.cache = evaluator.cache
    search = differential_evolution(
        wide.objective, [(0.0, 1.0)] * d, constraints=NonlinearConstraint(wide.slacks, 0.0, np.inf),
        seed=seed, popsize=population, maxiter=generations, tol=1e-3, polish=False, init="sobol", callback=callback,
    )
    best = np.clip(search.x, 0.0, 1.0)
    # the band around the target is thin: a global search often ends just outside the feasible
    # set, and the local polish (which accepts an infeasible start) is tried before refusing
    best = _polish(evaluator, best)
    if np.min(evaluator.slacks(best)) < -FEASIBILITY_TOLERANCE:
        raise DesignInfeasibleError(_binding_message(problem, evaluator, best))
    final = _final(problem, best)
    if problem.target_tau is not None and final.bistable:
        # the search grid's tau_c differs from the final grid's by a few per cent (more at high
        # barriers): aim the search at the target corrected by that ratio and polish again
        ratio = final.correlation_time_s / evaluator.metrics(best).correlation_time_s
        if abs(math.log(final.correlation_time_s / problem.target_tau)) > 0.5 * math.log1p(TAU_TOLERANCE):
            aimed = _Evaluator(replace(problem, target_tau=problem.target_tau / ratio))
            candidate = _polish(aimed, best)
            if np.min(aimed.slacks(candidate)) >= -FEASIBILITY_TOLERANCE:
                evaluator, best = aimed, candidate
                final = _final(problem, best)
    slacks = evaluator.slacks(best)
    names = _slack_names(problem)
    active = tuple(dict.fromkeys(name for (name, _side), s in zip(names, slacks, strict=True) if s < ACTIVE_SLACK))
    sensitivities = _sensitivities(evaluator.problem, evaluator, best, active)
    geometry = problem.geometry(tuple(best))
    design = build_design(geometry, problem.process)
    return DesignResult(geometry=geometry, design=design, metrics=final, active_constraints=active,
                        sensitivities=sensitivities, evaluations=len(evaluator.cache))


def _widened(problem: DesignProblem) -> DesignProblem:
    """The problem with the target band widened to a factor GLOBAL_TAU_FACTOR (global phase)."""
    if not any(c.name == "correlation_time" for c in problem.constraints):
        return problem
    band = math.log(GLOBAL_TAU_FACTOR)
    return problem.with_bound("correlation_time", lower=-band, upper=band)


def _polish(evaluator: _Evaluator, start):
    """COBYLA from ``start`` inside the unit cube: the result if it is feasible and better (or the start is not)."""
    from scipy.optimize import minimize

    d = len(start)
    box = [{"type": "ineq", "fun": lambda u, k=k: u[k]} for k in range(d)]
    box += [{"type": "ineq", "fun": lambda u, k=k: 1.0 - u[k]} for k in range(d)]
    polished = minimize(evaluator.objective, start, method="COBYLA",
                        constraints=[{"type": "ineq", "fun": evaluator.slacks}, *box],
                        options={"maxiter": 120, "rhobeg": 0.02})
    candidate = np.clip(polished.x, 0.0, 1.0)
    if np.min(evaluator.slacks(candidate)) < -FEASIBILITY_TOLERANCE:
        return start
    if np.min(evaluator.slacks(start)) < -FEASIBILITY_TOLERANCE or evaluator.objective(candidate) < evaluator.objective(start):
        return candidate
    return start


def _final(problem: DesignProblem, u) -> DesignMetrics:
    """Figures of point ``u`` on the final grid at the exact v_mid."""
    design = build_design(problem.geometry(tuple(u)), problem.process)
    return evaluate(design, problem.process, problem.temperature, problem.temperature_range,
                    grid_points=FINAL_GRID_POINTS, exact_v_mid=True)


