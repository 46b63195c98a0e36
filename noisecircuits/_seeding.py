"""Seeds: the one place a user's ``seed`` becomes a :class:`numpy.random.SeedSequence`.

Every random function of the toolkit takes ``seed`` as None, an int >= 0, a SeedSequence or a
Generator and passes it through :func:`seed_sequence`; work split over points, paths, chains
or workers then uses ``SeedSequence.spawn`` (or spawn keys), so a result does not depend on
how many workers ran it.
"""

from __future__ import annotations

import numpy as np

from noisecircuits.errors import ParameterError

__all__ = ["seed_sequence"]


def seed_sequence(seed) -> np.random.SeedSequence:
    """Turn ``seed`` into the root :class:`~numpy.random.SeedSequence` of a run.

    Parameters
    ----------
    seed : None, int, SeedSequence or Generator
        ``None`` draws fresh entropy (recorded in the returned sequence); an int >= 0 or a
        SeedSequence is used as is; a Generator contributes 126 bits drawn from it (two
        63-bit words), so the same Generator state always gives the same sequence [-].

    Returns
    -------
    numpy.random.SeedSequence
    """
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63, size=2, dtype=np.int64).tolist())
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.SeedSequence(int(seed))
    raise ParameterError(f"seed must be None, an integer >= 0, a SeedSequence or a Generator, got {seed!r}")
