"""Seeds for ngspice's ``trrandom`` sources (``.options seed=N``).

Every random function takes ``seed`` as an int, a :class:`numpy.random.SeedSequence` or a
:class:`numpy.random.Generator`; runs over several points use ``SeedSequence.spawn`` so a
point's noise does not depend on how many workers run the points.
"""

from __future__ import annotations

import numpy as np

from noisecircuits._seeding import seed_sequence

__all__ = ["seed_sequence", "spice_seeds"]

_MAX_SPICE_SEED = 2**31 - 1




def spice_seeds(seed, count: int) -> list[int]:
    """``count`` independent ngspice seeds (1 .. 2^31-1) spawned from ``seed``."""
    children = seed_sequence(seed).spawn(int(count))
    return [int(c.generate_state(1, dtype=np.uint32)[0]) % _MAX_SPICE_SEED + 1 for c in children]
