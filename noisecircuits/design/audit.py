"""How good an optimum is: random feasible designs from the same box.

:func:`random_feasible_designs` draws points uniformly from the unit cube of a problem's searched
variables (with a solved variable, each draw gets it solved for the target, so every
design that meets the target is one of these draws) and keeps those that meet every
constraint; :func:`search_energy` gives an optimum's energy the same way. Both use the
optimiser's own evaluator (search grid, same solve for the target), so the grid error of the exact
figures does not decide a comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from noisecircuits.design.optimise import FEASIBILITY_TOLERANCE, _Evaluator
from noisecircuits.design.space import DesignProblem

__all__ = ["RandomDraws", "random_feasible_designs", "search_energy", "search_feasible", "searched_point"]


@dataclass(frozen=True)
class RandomDraws:
    """Random designs of a problem's box and which of them are feasible.

    Attributes
    ----------
    count : int
        Points drawn [-].
    points : ndarray, shape (n_feasible, d)
        Unit-cube positions of the feasible draws [-].
    energies_J : ndarray, shape (n_feasible,)
        Their energy per sample, plus the problem's read-out energy [J].
    """

    count: int
    points: np.ndarray
    energies_J: np.ndarray

    @property
    def feasible(self) -> int:
        """Number of feasible draws [-]."""
        return int(self.energies_J.size)


def random_feasible_designs(problem: DesignProblem, count: int = 200, *, seed=0, progress_bar=None) -> RandomDraws:
    """Draw ``count`` uniform points of the searched box and keep the feasible ones.

    Parameters
    ----------
    problem : DesignProblem
        Variables, constraints and target [-].
    count : int
        Points to draw [-].
    seed : int
        Seed of the draws [-].
    progress_bar : Progress, optional
        Advanced once per draw [-].
    """
    evaluator = _Evaluator(problem)
    rng = np.random.default_rng(seed)
    points, energies = [], []
    for u in rng.random((int(count), evaluator.dimension)):
        if np.min(evaluator.slacks(u)) >= -FEASIBILITY_TOLERANCE:
            points.append(u)
            energies.append(evaluator.metrics(u).energy_per_sample_J + problem.readout_energy)
        if progress_bar is not None:
            progress_bar.update()
    return RandomDraws(int(count), np.array(points).reshape(-1, evaluator.dimension), np.array(energies))


def search_energy(problem: DesignProblem, point) -> float:
    """Energy per sample of a searched point on the search's own grid and solve for the target [J]."""
    evaluator = _Evaluator(problem)
    return float(evaluator.metrics(point).energy_per_sample_J + problem.readout_energy)


def search_feasible(problem: DesignProblem, point) -> bool:
    """True if a searched point meets every constraint on the search's own grid and solve for the target."""
    return bool(np.min(_Evaluator(problem).slacks(point)) >= -FEASIBILITY_TOLERANCE)


def searched_point(problem: DesignProblem, geometry) -> tuple:
    """The position of ``geometry`` in the searched unit cube of ``problem`` (the solved variable left out;
    a supply searched as a margin above the bistable edge given as that margin) [-]."""
    return _Evaluator(problem).searched_point(problem.unit_point(geometry))
