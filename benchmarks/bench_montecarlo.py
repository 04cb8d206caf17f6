"""Benchmark of ``llrsim.montecarlo``: draws per minute at the target size, per backend.

Each draw is a full ``simulate`` of 7 scenarios (S0-S6) x 10 years (2025-2034) on a
population of 100,000 records. By default this measures ``--draws`` draws (default 20) and
extrapolates linearly to ``--target`` draws (default 1,000); it says so in its output.
``--draws 1000`` runs and times the whole target instead (about 3.3 minutes with the processes
backend on this 2-core machine). Two rates are printed per backend:

- ``overall``: draws / wall time of the whole call (worker start-up, population transfer,
  Numba cache loading included);
- ``steady``: draws finished after the first one / time from the first to the last finished
  draw (the rate a long run settles at).

The memory kept per draw (the compact outputs) is printed too.

    python benchmarks/bench_montecarlo.py                          # processes and dask
    python benchmarks/bench_montecarlo.py --draws 10 --backends processes --workers 2
"""

from __future__ import annotations

import argparse
import os
import time

import llrsim

SCENARIOS = ["S0", "S1", "S2", "S3", "S4", "S5", "S6"]


def bench(pop, backend: str, draws: int, workers: int | None, years: range) -> dict:
    """Run ``draws`` draws on ``backend``; wall time, steady rate, kept memory."""
    stamps: list[float] = []
    t0 = time.perf_counter()
    mc = llrsim.montecarlo(
        pop,
        SCENARIOS,
        n=draws,
        years=years,
        seed=0,
        backend=backend,
        workers=workers,
        progress=False,
        _on_draw=lambda _d: stamps.append(time.perf_counter()),
    )
    wall = time.perf_counter() - t0
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) * 60 if len(stamps) > 1 else float("nan")
    kept = sum(a.nbytes for cols in mc.values.values() for a in cols.values())
    return {
        "backend": backend,
        "workers": mc.manifest["execution"].get("workers"),
        "draws": mc.n_draws,
        "wall_s": wall,
        "overall_per_min": mc.n_draws / wall * 60,
        "steady_per_min": steady,
        "first_draw_s": stamps[0] - t0,
        "kept_kib_per_draw": kept / mc.n_draws / 1024,
    }


def main() -> None:
    """Parse arguments, synthesize once, time each backend, print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--backends", default="processes,dask")
    ap.add_argument("--workers", type=int, default=None, help="default: the cores (dask: 2)")
    ap.add_argument("--target", type=int, default=1000, help="draws to extrapolate to")
    args = ap.parse_args()
    years = range(2025, 2025 + args.years)
    pop = llrsim.synthesize(year=2024, n=args.records, seed=0)
    # compile / load the Numba cache in this process first, so no backend pays it alone
    llrsim.simulate(pop, SCENARIOS, years=years, seed=0)
    print(
        f"{args.records:,} records x {len(years)} years x {len(SCENARIOS)} scenarios; "
        f"{args.draws} draws per backend; {os.cpu_count()} cores"
    )
    head = (
        f"{'backend':<10} {'workers':>7} {'draws':>5} {'wall s':>8} {'first s':>8} "
        f"{'overall/min':>11} {'steady/min':>10} {'KiB/draw':>9} {'target min':>10}"
    )
    print(head)
    for backend in args.backends.split(","):
        r = bench(pop, backend, args.draws, args.workers, years)
        # a run of the target size is the measurement itself; a shorter one is extrapolated
        target_min = (
            r["wall_s"] / 60 if args.draws >= args.target else args.target / r["steady_per_min"]
        )
        print(
            f"{r['backend']:<10} {r['workers']!s:>7} {r['draws']:>5} {r['wall_s']:>8.1f} "
            f"{r['first_draw_s']:>8.1f} {r['overall_per_min']:>11.2f} "
            f"{r['steady_per_min']:>10.2f} {r['kept_kib_per_draw']:>9.0f} {target_min:>10.2f}",
            flush=True,
        )
    if args.draws >= args.target:
        print(f"'target min': wall minutes of this run of {args.draws} draws (measured)")
    else:
        print(
            f"'target min': minutes for {args.target} draws extrapolated linearly from the "
            f"steady rate of {args.draws} measured draws (not measured)"
        )


if __name__ == "__main__":
    main()
