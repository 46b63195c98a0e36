"""Counter-based random numbers for the Gibbs kernels.

Every uniform is a pure function of (chain key, counter): the SplitMix64 finaliser of
``key + counter * golden_gamma`` (Steele, Lea & Flood, OOPSLA 2014). No generator state is
shared between threads, so a run gives the same numbers whatever the number of threads.
The counter of a draw is ``((sweep * n_nodes + node) * DRAWS_PER_UPDATE + k)`` for the
``k``-th draw of an update.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from noisecircuits._seeding import seed_sequence as as_seed_sequence

__all__ = ["DRAWS_PER_UPDATE", "TWO_POW_53", "bits53", "bits64", "chain_keys", "uniform"]

#: Independent uniforms available to one node update.
DRAWS_PER_UPDATE = 4

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
#: 2^53, the range of :func:`bits53`
TWO_POW_53 = 9007199254740992
_INV53 = 1.0 / TWO_POW_53


@njit(cache=True, inline="always")
def bits64(key, counter):
    """64 random bits (uint64) from a 64-bit ``key`` and ``counter`` (uint64)."""
    z = key + (counter + np.uint64(1)) * _GAMMA
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def bits53(key, counter):
    """53 random bits (as int64 in [0, 2^53)) from a 64-bit ``key`` and ``counter`` (uint64)."""
    return np.int64(bits64(key, counter) >> _S11)


@njit(cache=True, inline="always")
def uniform(key, counter):
    """Uniform in [0, 1) from a 64-bit ``key`` and ``counter``: ``bits53 / 2^53``."""
    return bits53(key, counter) * _INV53




def chain_keys(seed, n_chains: int) -> np.ndarray:
    """One uint64 key per chain, from ``SeedSequence(seed).spawn(n_chains)``.

    Chain ``c`` gets the same key whatever ``n_chains`` is, so adding chains never
    changes the existing ones.
    """
    children = as_seed_sequence(seed).spawn(n_chains)
    return np.array([child.generate_state(1, np.uint64)[0] for child in children], dtype=np.uint64)
