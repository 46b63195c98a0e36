"""Atomic counters and a spinning barrier for numba kernels whose tasks share one chain.

numba has no atomics on the CPU, so three small intrinsics emit LLVM's ``atomicrmw``,
``cmpxchg`` and atomic ``load`` on an element of an int64 array. On them sits a
sense-reversing barrier: the last task to arrive resets the count and advances the
generation; the others spin on the generation, yielding the core (``sched_yield``) now and
then so that a descheduled partner can run on a busy machine.

A team only works if all its tasks run at the same time, which a parallel loop does not
promise (a nested one runs serially). :func:`team_rendezvous` therefore lets every task
wait for the others a bounded time at the start; if they do not all arrive, the team is
closed with a compare-and-swap and every task returns without touching the chain, so the
caller can run the serial kernel instead.
"""

from __future__ import annotations

import llvmlite.ir as ir
import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["team_state", "team_rendezvous", "team_barrier", "atomic_add", "atomic_load", "atomic_cas"]

#: Spins between two yields of the core.
_SPINS_PER_YIELD = 256
#: Yields a task waits at the rendezvous for its partners before the team is closed.
_RENDEZVOUS_YIELDS = 20_000
#: Value of the arrival count of a closed team.
CLOSED = -(1 << 40)


def _element_pointer(context, builder, array_type, array, index):
    ary = context.make_array(array_type)(context, builder, array)
    return cgutils.get_item_pointer(context, builder, array_type, ary, [index])


@intrinsic
def atomic_add(typingctx, array, index, value):
    """``array[index] += value`` atomically (sequentially consistent); returns the old value."""
    if not (isinstance(array, types.Array) and array.dtype == types.int64):
        return None
    signature = types.int64(array, types.intp, types.int64)

    def codegen(context, builder, sig, args):
        pointer = _element_pointer(context, builder, sig.args[0], args[0], args[1])
        return builder.atomic_rmw("add", pointer, args[2], "seq_cst")

    return signature, codegen


@intrinsic
def atomic_load(typingctx, array, index):
    """``array[index]`` read atomically (sequentially consistent)."""
    if not (isinstance(array, types.Array) and array.dtype == types.int64):
        return None
    signature = types.int64(array, types.intp)

    def codegen(context, builder, sig, args):
        pointer = _element_pointer(context, builder, sig.args[0], args[0], args[1])
        return builder.load_atomic(pointer, "seq_cst", 8)

    return signature, codegen


@intrinsic
def atomic_cas(typingctx, array, index, expected, new):
    """Set ``array[index] = new`` if it equals ``expected`` (atomically); returns the old value."""
    if not (isinstance(array, types.Array) and array.dtype == types.int64):
        return None
    signature = types.int64(array, types.intp, types.int64, types.int64)

    def codegen(context, builder, sig, args):
        pointer = _element_pointer(context, builder, sig.args[0], args[0], args[1])
        pair = builder.cmpxchg(pointer, args[2], args[3], "seq_cst", "seq_cst")
        return builder.extract_value(pair, 0)

    return signature, codegen


@intrinsic
def _sched_yield(typingctx):
    """POSIX ``sched_yield()``: give the core to another runnable thread (a named C symbol, so
    the compiled kernel stays cacheable)."""
    signature = types.int32()

    def codegen(context, builder, sig, args):
        function = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(32), []), "sched_yield")
        return builder.call(function, [])

    return signature, codegen


def team_state(n_teams: int) -> np.ndarray:
    """Shared state of ``n_teams`` teams: per team (arrivals, barrier count, generation), padded
    to a cache line each so that teams do not share one."""
    return np.zeros((n_teams, 8), dtype=np.int64)


@njit(cache=True)
def team_rendezvous(state, team, size):
    """Wait until all ``size`` tasks of ``team`` have arrived; False if the team was closed
    because they did not all run at the same time (then no task may touch the chain)."""
    row = state[team]
    arrived = atomic_add(row, 0, 1) + 1
    if arrived <= 0:
        return False
    waits = 0
    while True:
        now = atomic_load(row, 0)
        if now < 0:
            return False
        if now >= size:
            return True
        waits += 1
        if waits % _SPINS_PER_YIELD == 0:
            _sched_yield()
            if waits // _SPINS_PER_YIELD > _RENDEZVOUS_YIELDS:
                if atomic_cas(row, 0, now, CLOSED) == now:
                    return False


@njit(cache=True)
def team_barrier(state, team, size):
    """Block until all ``size`` tasks of ``team`` have called it (sense-reversing barrier)."""
    row = state[team]
    generation = atomic_load(row, 2)
    if atomic_add(row, 1, 1) == size - 1:
        atomic_cas(row, 1, size, 0)
        atomic_add(row, 2, 1)
        return
    waits = 0
    while atomic_load(row, 2) == generation:
        waits += 1
        if waits % _SPINS_PER_YIELD == 0:
            _sched_yield()
