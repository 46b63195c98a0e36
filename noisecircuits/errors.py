"""Exception types.

Every error the toolkit raises for bad input is a :class:`NoisecircuitsError` (a
``ValueError``) whose message names what was wrong and what is allowed; the command line
prints that message as one line and exits with status 2.
"""

from __future__ import annotations

__all__ = [
    "NoisecircuitsError",
    "ParameterError",
    "SimulationError",
    "DataError",
    "FitError",
    "SpiceError",
    "NgspiceNotFoundError",
    "ValidityRangeError",
]


class NoisecircuitsError(ValueError):
    """Base class of the toolkit's errors."""


class ParameterError(NoisecircuitsError):
    """A parameter is missing, not finite or outside its allowed range."""


class SimulationError(NoisecircuitsError):
    """A simulation could not proceed (e.g. a path blew up to NaN/inf)."""


class DataError(NoisecircuitsError):
    """An input file or table is malformed (names the row and column where possible)."""


class FitError(NoisecircuitsError):
    """A fit cannot be done on the given data (non-monotone, too narrow a range, ...)."""


class SpiceError(NoisecircuitsError):
    """ngspice failed; the message carries ngspice's own error lines."""


class NgspiceNotFoundError(SpiceError):
    """The ngspice executable is not installed."""


class ValidityRangeError(NoisecircuitsError):
    """A calibrated model was evaluated outside its validity range."""
