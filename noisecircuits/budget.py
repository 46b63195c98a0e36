"""Up-front resource estimates: every command sizes its work before it allocates or runs.

A command computes the memory [bytes] and the wall time [s] its arguments imply, and calls
:func:`check_budget` before the first large allocation. Past the limit the command is refused
with one line that names the options responsible and how to raise the limit, instead of a
``MemoryError``, a swapping machine or an hour-long hang.

Limits (documented in docs/cli.md):

* memory: ``--max-memory GIB`` on every sub-command that does sizeable work, else the
  environment variable ``NOISECIRCUITS_MAX_MEMORY_GIB``, else :data:`DEFAULT_MAX_MEMORY_GIB`;
* wall time: ``--max-time S``, else ``NOISECIRCUITS_MAX_TIME_S``, else :data:`DEFAULT_MAX_TIME_S`.

Estimates are order-of-magnitude figures (a stated throughput per element or per step); they
exist to refuse work that is absurd, not to predict run times to the second.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from noisecircuits.errors import ParameterError

__all__ = [
    "DEFAULT_MAX_MEMORY_GIB",
    "DEFAULT_MAX_TIME_S",
    "Budget",
    "ResourceLimitError",
    "check_budget",
    "format_bytes",
    "format_seconds",
]

#: Default memory limit of one command [GiB].
DEFAULT_MAX_MEMORY_GIB = 4.0
#: Default wall-time limit of one command [s] (24 h).
DEFAULT_MAX_TIME_S = 86400.0

_GIB = 1024.0**3


class ResourceLimitError(ParameterError):
    """The work a command's arguments ask for exceeds the memory or time limit."""


@dataclass(frozen=True)
class Budget:
    """Resource limits of one command.

    Parameters
    ----------
    max_memory_bytes : float
        Largest memory the command may plan to allocate [bytes].
    max_seconds : float
        Longest wall time the command may plan to run [s].
    """

    max_memory_bytes: float = DEFAULT_MAX_MEMORY_GIB * _GIB
    max_seconds: float = DEFAULT_MAX_TIME_S

    @classmethod
    def from_environment(cls) -> Budget:
        """Limits from ``NOISECIRCUITS_MAX_MEMORY_GIB`` / ``NOISECIRCUITS_MAX_TIME_S`` or the defaults."""
        memory = _env_positive("NOISECIRCUITS_MAX_MEMORY_GIB", DEFAULT_MAX_MEMORY_GIB)
        seconds = _env_positive("NOISECIRCUITS_MAX_TIME_S", DEFAULT_MAX_TIME_S)
        return cls(max_memory_bytes=memory * _GIB, max_seconds=seconds)


def _env_positive(name: str, default: float) -> float:
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"environment variable {name} must be a number > 0, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ParameterError(f"environment variable {name} must be a number > 0, got {text!r}")
    return value


def format_bytes(n: float) -> str:
    """Human-readable size: ``'7.28 TiB'``."""
    if not math.isfinite(n):
        return "an unbounded amount"
    for unit, scale in (("EiB", 1024.0**6), ("PiB", 1024.0**5), ("TiB", 1024.0**4), ("GiB", _GIB), ("MiB", 1024.0**2)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n / 1024.0:.3g} KiB"


def format_seconds(s: float) -> str:
    """Human-readable duration: ``'3.2 h'``."""
    if not math.isfinite(s):
        return "an unbounded time"
    for unit, scale in (("years", 365.25 * 86400.0), ("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s:.3g} s"


def check_budget(what: str, *, memory_bytes: float = 0.0, seconds: float = 0.0, budget: Budget | None = None,
                 options: str = "") -> None:
    """Refuse work whose estimated memory or time exceeds the limits.

    Parameters
    ----------
    what : str
        What is being sized, as the user would say it, e.g. ``"gibbs ising2d"``.
    memory_bytes : float
        Estimated peak memory of the work [bytes].
    seconds : float
        Estimated wall time of the work [s].
    budget : Budget, optional
        The limits; :meth:`Budget.from_environment` when omitted.
    options : str
        The options that set the size, named in the message, e.g. ``"--size/--chains"``.

    Raises
    ------
    ResourceLimitError
        One line naming the estimate, the limit, the options and how to raise the limit.
    """
    budget = budget or Budget.from_environment()
    hint = f"; reduce {options}" if options else ""
    if not (memory_bytes <= budget.max_memory_bytes):  # also catches NaN
        raise ResourceLimitError(
            f"{what} would need about {format_bytes(memory_bytes)} of memory, over the limit of "
            f"{format_bytes(budget.max_memory_bytes)}{hint} or raise the limit with --max-memory GIB"
        )
    if not (seconds <= budget.max_seconds):
        raise ResourceLimitError(
            f"{what} would take about {format_seconds(seconds)}, over the limit of "
            f"{format_seconds(budget.max_seconds)}{hint} or raise the limit with --max-time S"
        )
