"""Cost of the ngspice check of the reference p-bit, and what running its points as copies in one deck saves.

Runs ``check_pbit`` on the reference design (generic card, 300 K, the 7 default biases, P(1)
0.1-0.9) with a short record per point, two ways, interleaved over ``--rounds`` (best of each):

* plain: one single-copy ngspice deck per bias point, one at a time;
* copies: every bias point as an independent copy of the cell in one deck
  (``copies_per_deck=None`` on one worker);
* with ``--workers 2`` also both fanned out over two ngspice processes (the check's default:
  one deck per point, two at a time; and the copies split into two decks).

Prints the wall time per simulated correlation time (τ_c at v_mid, summed over the points) of
each and the speed-up of the copies over the plain runs (docs/spice.md "Cost of the check").

    .venv/bin/python benchmarks/bench_spice.py [--correlation-times 2] [--rounds 2] [--workers 2]
"""

from __future__ import annotations

import argparse

from _timing import best_rates


def main(argv=None) -> None:
    from noisecircuits.validation.crosscheck import check_pbit

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--correlation-times", type=float, default=2.0, help="record per point [tau_c at v_mid]")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved repetitions (best of each)")
    parser.add_argument("--workers", type=int, default=2, choices=(1, 2),
                        help="2: also time the fan-out over two ngspice processes")
    args = parser.parse_args(argv)
    n_points = 7
    work = n_points * args.correlation_times

    def variant(copies_per_deck, workers):
        return lambda: check_pbit("generic", (300.0,), seed=0, correlation_times=args.correlation_times,
                                  workers=workers, copies_per_deck=copies_per_deck, show_progress=False)

    runners = {"plain, one deck per point, 1 worker": (variant(1, 1), work),
               "copies, all points in one deck, 1 worker": (variant(None, 1), work)}
    if args.workers == 2:
        runners["plain, one deck per point, 2 workers"] = (variant(1, 2), work)
        runners["copies, two decks, 2 workers"] = (variant(None, 2), work)
    rates = best_rates(runners, args.rounds)
    plain = 1.0 / rates["plain, one deck per point, 1 worker"]
    print(f"spice check pbit, reference design, 300 K, {n_points} biases x {args.correlation_times:g} tau_c "
          f"(best of {args.rounds}):")
    for name, rate in rates.items():
        print(f"  {name}: {1.0 / rate:.2f} s per simulated correlation time, speed-up {plain * rate:.2f}x")


if __name__ == "__main__":
    main()
