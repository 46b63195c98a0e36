"""The cheapest p-bit for a target: global search, local polish, active constraints, sensitivities.

:func:`optimise_pbit` searches the unit cube of a :class:`~noisecircuits.design.space.DesignProblem`'s
searched variables with :func:`scipy.optimize.differential_evolution` (feasibility-first
handling of the constraints), then polishes the best point with COBYLA (also when the global
search ends just outside the feasible set: only then is a target refused), evaluating every
candidate with the exact Fokker–Planck figures of :func:`~noisecircuits.design.evaluate.evaluate`.

With a target, one variable is not searched but solved for the target at every point
(:mod:`noisecircuits.design.target_solve`): the latch threshold shift, which scales the
currents and so τ_c, with the supply solved in its place where the shift's box cannot reach
the target (or the supply alone, on a card without a shift). So every candidate meets the
target where the boxes can; the optimum's solved variable is solved again on the finer grid at
the exact v_mid, so its reported τ_c is the target. ``solve_for="none"`` searches every variable
instead: the target is then a 5 % band, widened to a factor 1.5 in the global phase, and the
optimum is re-aimed by the ratio of the two grids' τ_c.

Sensitivities of the optimum energy to each active constraint's bound come from the KKT
conditions: with central-difference gradients of ln E and of the active normalised slacks
:math:`s_i`, non-negative multipliers solve :math:`\\nabla \\ln E = \\sum_i \\lambda_i \\nabla s_i`
(least squares), and :math:`\\partial E/\\partial b_i = \\pm E \\lambda_i / \\mathrm{scale}_i`
(+ for a lower bound, − for an upper one). With a solved variable the target's own sensitivity,
``correlation_time.target`` = dE/d ln τ_target [J], is a central difference of the energy with
that variable solved at target·e^(±0.02) and the searched variables held (by the envelope theorem,
the optimum energy's sensitivity to first order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from noisecircuits.design.evaluate import FINAL_GRID_POINTS, SEARCH_GRID_POINTS, DesignMetrics, evaluate
from noisecircuits.design.geometry import PBitGeometry, build_design
from noisecircuits.design.space import TAU_TOLERANCE, DesignProblem
from noisecircuits.errors import ParameterError

__all__ = ["DesignResult", "DesignInfeasibleError", "ConstraintMissWarning", "optimise_pbit", "ACTIVE_SLACK"]

#: A constraint whose normalised slack is below this at the optimum is reported active [-].
ACTIVE_SLACK = 0.05
_INFEASIBLE_OBJECTIVE = 1e3
#: Normalised violation still counted as feasible: COBYLA ends on its constraints to within
#: about 1e-8 of their scale [-].
FEASIBILITY_TOLERANCE = 1e-6
#: Largest total normalised violation from which an infeasible end of the global phase is
#: polished: a barrier 0.5 kT short is 1, a target missed by 15 % about 2 [-].
POLISH_REACH = 3.0
#: Target band of the global phase: tau_c within this factor of the target [-].
GLOBAL_TAU_FACTOR = 1.5


class DesignInfeasibleError(ParameterError):
    """No design in the box meets the constraints; the message names the binding one."""


class ConstraintMissWarning(UserWarning):
    """The optimum's reported figures miss a constraint that the search's figures met."""


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
        Points evaluated (each with its solved variable solved for the target) [-].
    point : tuple
        The optimum's position in the unit cube of the searched variables [-].
    violated : tuple of str
        Constraints the reported figures (resolved grid, exact v_mid) miss although the search's
        41-point figures met them: on fF nodes the grids differ by several per cent in the
        barrier and width [-].
    """

    geometry: PBitGeometry
    design: object
    metrics: DesignMetrics
    active_constraints: tuple
    sensitivities: dict
    evaluations: int
    point: tuple = ()
    violated: tuple = ()

    def violation_message(self, problem: DesignProblem) -> str:
        """One line naming each violated constraint, its final figure and its bound ('' if none)."""
        parts = []
        for c in problem.constraints:
            if c.name in self.violated:
                value = c.value(self.metrics, problem)
                bound = c.lower if c.lower is not None and not value >= c.lower else c.upper
                parts.append(f"{c.name} {value:.3g} {c.unit} against the bound {bound:.3g} {c.unit}")
        if not parts:
            return ""
        return (f"the reported figures (final grid) miss {'; '.join(parts)}, which the search's figures met: "
                f"the design is short of its constraints by the grid difference (docs/design.md)")


#: Figures of a point whose voltages leave the allowed ranges (not a circuit).
_NOT_A_DESIGN = DesignMetrics(False, *([math.nan] * 13))


class _Evaluator:
    """Memoised exact figures, objective and slacks on the unit cube of the searched variables.

    With a solved variable (:meth:`DesignProblem.solved_index`) a point ``u`` holds every
    variable but that one, which :func:`~noisecircuits.design.target_solve.solve_for_target`
    finds for the target (the threshold shift, and where its box cannot reach the target the
    supply in its place); :meth:`full` gives the point with it.
    """

    def __init__(self, problem: DesignProblem, grid_points: int = SEARCH_GRID_POINTS, exact_v_mid: bool = False):
        self.problem = problem
        self.grid_points = grid_points
        self.exact_v_mid = exact_v_mid
        self.solved = problem.solved_index()
        self.dimension = len(problem.searched_variables())
        self.cache: dict = {}
        self.points: dict = {}

    @staticmethod
    def _key(u) -> tuple:
        return tuple(float(x) for x in np.round(np.clip(np.asarray(u, dtype=float), 0.0, 1.0), 12))

    def full(self, u) -> tuple:
        """Unit point over all the problem's variables (the solved variable inserted) [-]."""
        key = self._key(u)
        if self.solved is None:
            return key
        if key not in self.points:
            self.points[key] = self._solve(key)
        return self.points[key]

    def _solve(self, key) -> tuple:
        from noisecircuits.design.target_solve import reached, solve_for_target

        p = self.problem
        point = list(key[:self.solved]) + [1.0] + list(key[self.solved:])
        margin = p.margin_index()
        if margin is not None:
            point[margin] = self._edge(point) + key[self._searched_position(margin)] * self._margin_unit()
            point[margin] = min(point[margin], 1.0)

        def solve(index, rising):
            def design_at(s):
                return build_design(p.geometry(tuple(point[:index]) + (s,) + tuple(point[index + 1:])), p.process)

            point[index] = solve_for_target(design_at, p.target_tau, p.temperature, self.grid_points,
                                            rising=rising, exact_v_mid=self.exact_v_mid)
            return point[index]

        shift = p.solved_name() == "threshold_shift"
        s = solve(self.solved, rising=not shift)
        fallback = p.fallback_index()
        if fallback is not None and not reached(s):
            # the shift's box cannot reach the target: hold it at that end, solve the supply
            solve(fallback, rising=True)
        return tuple(point)

    def _searched_position(self, index: int) -> int:
        """Position in a searched point of variable ``index`` of the problem [-]."""
        return index if index < self.solved else index - 1

    def _margin_unit(self) -> float:
        """The supply margin's span in unit coordinates of the supply box [-]."""
        box = self.problem.variables[self.problem.margin_index()]
        return self.problem.supply_margin / (box.high - box.low)

    def _edge(self, point) -> float:
        """Unit supply of the bistable edge over the temperatures, the shift at the top of its box [-]."""
        from noisecircuits.design.target_solve import bistable_edge

        p = self.problem
        index = p.margin_index()
        at_full_shift = list(point)
        at_full_shift[self.solved] = 1.0

        def design_at(s):
            return build_design(p.geometry(tuple(at_full_shift[:index]) + (s,) + tuple(at_full_shift[index + 1:])),
                                p.process)

        low, high = p.temperature_range
        return bistable_edge(design_at, sorted({low, p.temperature, high}))

    def searched_point(self, full) -> tuple:
        """The searched coordinates of a point over all the variables (inverse of :meth:`full`) [-]."""
        full = list(full)
        margin = self.problem.margin_index()
        if margin is not None:
            full[margin] = (full[margin] - self._edge(full)) / self._margin_unit()
        return tuple(u for k, u in enumerate(full) if k != self.solved)

    def metrics(self, u) -> DesignMetrics:
        key = self._key(u)
        if key not in self.cache:
            p = self.problem
            try:
                design = build_design(p.geometry(self.full(key)), p.process)
            except ParameterError:  # e.g. a tilt reference outside the control range
                self.cache[key] = _NOT_A_DESIGN
            else:
                self.cache[key] = evaluate(design, p.process, p.temperature, p.temperature_range,
                                           grid_points=self.grid_points, exact_v_mid=self.exact_v_mid)
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


#: Said with every refusal: a global search that ends infeasible has not shown that no design exists.
_NOT_A_PROOF = " (a search result, not a proof: more effort or another seed may find one)"


def _binding_message(problem: DesignProblem, evaluator: _Evaluator, u) -> str:
    slacks = evaluator.slacks(u)
    names = _slack_names(problem)
    worst = int(np.argmin(slacks))
    name, side = names[worst]
    constraint = next(c for c in problem.constraints if c.name == name)
    m = evaluator.metrics(u)
    target = f"{problem.target_tau:g} s" if problem.target_tau else f"an energy budget of {problem.max_energy:g} J"
    if not m.bistable:
        return (f"the search found no design in the box that is bistable and meets the constraints for {target}; "
                f"binding constraint: {name} ({constraint.description}){_NOT_A_PROOF}")
    value = constraint.value(m, problem)
    bound = constraint.lower if side == "lower" else constraint.upper
    others = sorted({other for (other, _side), slack in zip(names, slacks, strict=True) if slack < 0 and other != name})
    also = f"; also violated there: {', '.join(others)}" if others else ""
    return (f"the search found no feasible design for {target} at {problem.temperature:g} K over "
            f"{problem.temperature_range[0]:g}:{problem.temperature_range[1]:g} K; binding constraint: {name} "
            f"({constraint.description}): best {value:.3g} {constraint.unit} against the {side} bound "
            f"{bound:.3g} {constraint.unit}{also}{_NOT_A_PROOF}")


def _sensitivities(problem: DesignProblem, evaluator: _Evaluator, u, active) -> dict:
    from scipy.optimize import nnls

    if not active:
        return {}
    names = _slack_names(problem)
    solved = evaluator.solved is not None
    rows = [i for i, (name, _side) in enumerate(names)
            if name in active and not (solved and name == "correlation_time")]
    if not rows:
        return {}
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


def optimise_pbit(problem: DesignProblem, *, seed=None, population: int = 5, generations: int = 12,
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
    d = evaluator.dimension

    def callback(*_args, **_kwargs):
        if progress_bar is not None:
            progress_bar.update()

    if evaluator.solved is None:
        # global phase on a wider target band (tau_c within a factor 1.5): tau_c moves by e per mV
        # of V_dd, so the final 5 % band is a sliver a population rarely lands in; the polish
        # below then meets the final band from there (the figures are shared, only the band differs)
        wide = _Evaluator(_widened(problem))
        wide.cache = evaluator.cache
    else:  # every point meets the target through its solved variable
        wide = evaluator
    if d:
        search = differential_evolution(
            wide.objective, [(0.0, 1.0)] * d, constraints=NonlinearConstraint(wide.slacks, 0.0, np.inf),
            seed=seed, popsize=population, maxiter=generations, tol=1e-3, polish=False,
            init=_initial_population(wide, population * d, seed), callback=callback,
        )
        best = np.clip(search.x, 0.0, 1.0)
        # the global search may end just outside the feasible set: the local polish (which
        # accepts an infeasible start) is tried before refusing; from far outside (a target
        # decades beyond reach, a latch with one state) it cannot get there, and is not run,
        # except when the global phase ran on the widened target band, which only the polish meets
        if evaluator.solved is None or _violation(evaluator, best) <= POLISH_REACH:
            best = _polish(evaluator, best)
    else:
        best = np.empty(0)
    if np.min(evaluator.slacks(best)) < -FEASIBILITY_TOLERANCE:
        raise DesignInfeasibleError(_binding_message(problem, evaluator, best))
    if evaluator.solved is not None:
        # the solved variable solved again on the final grid at the exact v_mid, so the reported tau_c is
        # the target to the solver's tolerance
        finisher = _Evaluator(problem, FINAL_GRID_POINTS, exact_v_mid=True)
        final = finisher.metrics(best)
        full = finisher.full(best)
    else:
        final = _final(problem, best)
        if problem.target_tau is not None and final.bistable:
            # the search grid's tau_c differs from the final grid's by a few per cent (more at
            # high barriers): aim the search at the target corrected by that ratio and polish again
            ratio = final.correlation_time_s / evaluator.metrics(best).correlation_time_s
            if abs(math.log(final.correlation_time_s / problem.target_tau)) > 0.5 * math.log1p(TAU_TOLERANCE):
                aimed = _Evaluator(replace(problem, target_tau=problem.target_tau / ratio))
                candidate = _polish(aimed, best)
                if np.min(aimed.slacks(candidate)) >= -FEASIBILITY_TOLERANCE:
                    evaluator, best = aimed, candidate
                    final = _final(problem, best)
        full = tuple(best)
    slacks = evaluator.slacks(best)
    names = _slack_names(problem)
    active = tuple(dict.fromkeys(name for (name, _side), s in zip(names, slacks, strict=True) if s < ACTIVE_SLACK))
    sensitivities = _sensitivities(evaluator.problem, evaluator, best, active)
    if evaluator.solved is not None and any(c.name == "correlation_time" for c in problem.constraints):
        active = ("correlation_time", *(a for a in active if a != "correlation_time"))
        sensitivities = {"correlation_time.target": _target_sensitivity(problem, best), **sensitivities}
    geometry = problem.geometry(full)
    design = build_design(geometry, problem.process)
    return DesignResult(geometry=geometry, design=design, metrics=final, active_constraints=active,
                        sensitivities=sensitivities, evaluations=len(evaluator.cache),
                        point=tuple(float(x) for x in best), violated=_violated(problem, final))


#: Sobol candidates drawn per member of the initial population: the feasible set of a fast target
#: is a small corner of the default box (no feasible point in 60 uniform draws at 3.4 us), so the
#: population starts from the best of a larger pool [-].
INITIAL_POOL = 3


def _violation(evaluator: _Evaluator, u) -> float:
    """Total normalised violation of the constraints at ``u`` (0 where feasible) [-]."""
    return float(np.sum(np.clip(-evaluator.slacks(u), 0.0, None)))


def _initial_population(evaluator: _Evaluator, size: int, seed) -> np.ndarray:
    """The ``size`` best (at least 5) of at least ``INITIAL_POOL * size`` scrambled Sobol points (the
    next power of two): feasible ones by objective first, then the rest by their total normalised
    violation [-]."""
    from scipy.stats import qmc

    size = max(int(size), 5)
    pool = qmc.Sobol(evaluator.dimension, scramble=True, seed=seed).random_base2(
        math.ceil(math.log2(INITIAL_POOL * size)))
    ranks = []
    for u in pool:
        violation = _violation(evaluator, u)
        ranks.append((0.0, evaluator.objective(u)) if violation <= FEASIBILITY_TOLERANCE else (1.0, violation))
    order = sorted(range(len(pool)), key=lambda k: ranks[k])
    return pool[order[:size]]


def _violated(problem: DesignProblem, metrics: DesignMetrics) -> tuple:
    """Names of the constraints that ``metrics`` miss by more than the feasibility tolerance."""
    if not metrics.bistable:
        return tuple(c.name for c in problem.constraints)
    return tuple(c.name for c in problem.constraints
                 if min(c.slacks(metrics, problem), default=0.0) < -FEASIBILITY_TOLERANCE)


#: Step in ln(target) of the target sensitivity's central difference [-].
_TARGET_STEP = 0.02


def _target_sensitivity(problem: DesignProblem, u) -> float:
    """dE / d ln(τ_target) at fixed searched variables, the solved variable solved at each end [J].

    By the envelope theorem this is the optimum energy's sensitivity to the target to first
    order, since the searched variables are at their optimum.
    """
    ends = []
    for sign in (1.0, -1.0):
        shifted = _Evaluator(replace(problem, target_tau=problem.target_tau * math.exp(sign * _TARGET_STEP)))
        ends.append(shifted.metrics(u).energy_per_sample_J + problem.readout_energy)
    return float((ends[0] - ends[1]) / (2.0 * _TARGET_STEP))


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


