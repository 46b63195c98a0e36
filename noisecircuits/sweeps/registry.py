"""Registry of point kinds: the function a sweep runs at each grid point.

A *point function* has the signature ``f(params: dict, seed: SeedSequence) -> dict`` and
returns one result row (column names carry units, e.g. ``p_one``, ``correlation_time_s``).
``params`` holds ``temperature_K`` [K], ``v_bias_V`` [V], ``mismatch_index`` (int or
``None``), ``mismatch_seed`` (a ``SeedSequence`` or ``None``), ``duration_s`` [s] (``None``
for a kind registered with ``auto_duration=True`` when the sweep gives none: the point
chooses its own and reports it in a ``duration_s`` column),
``engine`` (``"sde"``/``"spice"``) and ``options`` (dict). Point functions must be
module-level (picklable by reference) so process pools and Dask workers can run them.

The built-in kinds register themselves when their module is first imported.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from noisecircuits.errors import ParameterError

__all__ = ["PointKind", "register_kind", "get_kind", "available_kinds"]

#: built-in kind -> module that registers it on import
_BUILTIN = {
    "telegraph": "noisecircuits.sweeps.telegraph",
    "pbit": "noisecircuits.sweeps.circuit_kinds",
    "categorical": "noisecircuits.sweeps.circuit_kinds",
    "continuous": "noisecircuits.sweeps.circuit_kinds",
}

_KINDS: dict[str, "PointKind"] = {}


@dataclass(frozen=True)
class PointKind:
    """A registered point kind.

    Parameters
    ----------
    name : str
        Name used on the command line.
    function : callable
        ``f(params, seed) -> dict``, module-level.
    engines : tuple of str
        Engines the function supports.
    default_duration : float
        Simulated time per point when the sweep gives none [s].
    description : str
        One line for ``--help``.
    auto_duration : bool
        The point function chooses each point's duration when the sweep gives none [-].
    """

    name: str
    function: Callable
    engines: tuple
    default_duration: float
    description: str
    auto_duration: bool = False


def register_kind(name, function, *, engines=("sde",), default_duration, description="",
                  auto_duration=False) -> PointKind:
    """Register (or replace) a point kind and return it."""
    kind = PointKind(name, function, tuple(engines), float(default_duration), description, bool(auto_duration))
    _KINDS[name] = kind
    return kind


def get_kind(name: str) -> PointKind:
    """Return the registered kind ``name`` (importing a built-in kind's module on demand)."""
    if name not in _KINDS and name in _BUILTIN:
        importlib.import_module(_BUILTIN[name])
        if name not in _KINDS:
            raise ParameterError(f"kind {name} is not available in this installation (its circuit model is missing)")
    if name not in _KINDS:
        raise ParameterError(f"kind must be one of {', '.join(available_kinds())}, got {name!r}")
    return _KINDS[name]


def available_kinds() -> list[str]:
    """Names of the built-in and registered kinds."""
    return sorted(set(_BUILTIN) | set(_KINDS))
