"""Seeds for ngspice's ``trrandom`` sources (``.options seed=N``).

Every random function takes ``seed`` as an int, a :class:`numpy.random.SeedSequence` or a
:class:`numpy.random.Generator`; runs over several points use ``SeedSequence.spawn`` so a
point's noise does not depend on how many workers run the points.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from noisecircuits.errors import ParameterError

__all__ = ["seed_sequence", "spice_seeds"]

_MAX_SPICE_SEED = 2**31 - 1


def seed_sequence(seed) -> np.random.SeedSequence:
    """Turn ``seed`` (None, int >= 0, SeedSequence or Generator) into a SeedSequence."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(0, 2**63 - 1)))
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ParameterError(f"seed must be a non-negative int, a SeedSequence or a Generator, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def spice_seeds(seed, count: int) -> list[int]:
    """``count`` independent ngspice seeds (1 .. 2^31-1) spawned from ``seed``."""
    children = seed_sequence(seed).spawn(int(count))
    return [int(c.generate_state(1, dtype=np.uint32)[0]) % _MAX_SPICE_SEED + 1 for c in children]
