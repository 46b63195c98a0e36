"""Timing helper shared by the benchmark scripts."""

import time


def best_rates(runners, rounds):
    """Run every runner once per round (interleaved, so load changes hit all alike); best rate of each.

    ``runners`` maps a name to ``(run, work)``: a callable and the work it does per call (e.g.
    path-steps); the result maps each name to its best ``work / seconds``.
    """
    best = {name: 0.0 for name in runners}
    for _ in range(rounds):
        for name, (run, work) in runners.items():
            start = time.perf_counter()
            run()
            best[name] = max(best[name], work / (time.perf_counter() - start))
    return best
