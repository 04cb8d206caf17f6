"""Benchmark of the yearly demography: Numba kernel vs a vectorised numpy reference.

Usage::

    python benchmarks/bench_project.py                 # 100k and 1M records
    python benchmarks/bench_project.py --full          # also the full population (~4.3 M)

For each size: the population (``llrsim.synthesize``; resampled reference population if
that is unavailable), entrants and tables are built once (setup, not timed as simulation);
then the projection kernel and the numpy reference (``benchmarks/reference_numpy.py``,
same tables) run over ten years. Reported: record-years per second (demography steps that
did work: each record in each year it was in the model), the speed ratio, peak memory, the
statistical agreement of the two (status shares by year) and ``project()`` end to end.
JIT compile time is measured cold in a subprocess with an empty Numba cache directory;
"warm" times are the best of three in this process.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_numpy import project_numpy

from llrsim.population.dynamics import demography_tables, person_state
from llrsim.population.project import _run, project, with_entrants

YEARS = range(2025, 2035)

_COLD = """
import time
t0 = time.perf_counter()
from llrsim.population.project import project
from llrsim.population.transitions import reference_population
t1 = time.perf_counter()
pop = reference_population(2000, 2024, 0)
t2 = time.perf_counter()
project(pop, range(2025, 2027), seed=0)
t3 = time.perf_counter()
project(pop, range(2025, 2027), seed=0)
t4 = time.perf_counter()
print(f"{t1 - t0:.3f} {t3 - t2:.3f} {t4 - t3:.3f}")
"""


def cold_compile() -> tuple[float, float, float, float]:
    """(import, first call cold cache, second call, first call warm cache) in seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=tmp)
        out = subprocess.run(
            [sys.executable, "-c", _COLD], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        warm = subprocess.run(
            [sys.executable, "-c", _COLD], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]), float(warm[1])


def make_population(n: int | None):
    try:
        from llrsim.population.synthesize import synthesize
    except ImportError:  # pragma: no cover - before synthesize() existed
        synthesize = None
    if synthesize is not None:
        return synthesize(year=2024, n=n, seed=1), "synthesize"
    from llrsim.population.transitions import reference_population

    return reference_population(n or 4_300_000, 2024, 1), "reference_population"


def record_years(entry: np.ndarray, exit_year: np.ndarray) -> int:
    """Number of demography steps that did work (record in the model at the start of y)."""
    total = 0
    for y in YEARS:
        total += int(np.sum((entry < y) & ((exit_year == 0) | (exit_year >= y))))
    return total


def best_of(fn, reps: int = 3) -> float:
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bench(n: int | None, reps: int) -> dict:
    pop, how = make_population(n)
    t = time.perf_counter()
    full, ey = with_entrants(pop, YEARS, seed=1)
    tb = demography_tables(YEARS[0], YEARS[-1], base=pop)
    setup = time.perf_counter() - t

    def kernel():
        st = person_state(full, ey)
        return st, _run(st, full.weight, 1, YEARS[0], len(YEARS), tb)

    st, (k_stocks, _k_events) = kernel()
    steps = record_years(st.entry_year, st.exit_year)
    t_kernel = best_of(kernel, reps)
    t_copy = best_of(lambda: person_state(full, ey), reps)  # state copy, part of kernel()

    def numpy_ref():
        s = person_state(full, ey)
        return project_numpy(s, full.weight, YEARS, tb, seed=1)

    tracemalloc.start()
    np_stocks, _ = numpy_ref()
    np_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    t_numpy = best_of(numpy_ref, max(1, reps - 1))
    t_project = best_of(lambda: project(pop, YEARS, seed=1), max(1, reps - 1))
    ks = k_stocks.sum(axis=(1, 2, 3)).astype(float)
    ns = np_stocks.sum(axis=(1, 2, 3)).astype(float)
    diff = np.abs(ks / ks.sum(axis=1, keepdims=True) - ns / ns.sum(axis=1, keepdims=True)).max()
    return {
        "records": full.n,
        "base_records": pop.n,
        "source": how,
        "steps": steps,
        "setup_s": setup,
        "kernel_s": t_kernel,
        "copy_s": t_copy,
        "numpy_s": t_numpy,
        "project_s": t_project,
        "numpy_peak_mb": np_peak / 2**20,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "max_share_diff": diff,
        "persons_diff": abs(ks.sum(axis=1) - ns.sum(axis=1)).max() / ks.sum(axis=1).max(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--full", action="store_true", help="also the full population (~4.3 M)")
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    print(f"numba {numba.__version__}, threads {numba.get_num_threads()}, numpy {np.__version__}")
    imp, cold, second, warm_cache = cold_compile()
    print(
        f"JIT: import {imp:.2f} s; first project() with a cold cache {cold:.2f} s "
        f"(compilation), with a warm cache {warm_cache:.2f} s; second call {second:.3f} s"
    )
    sizes: list[int | None] = list(args.sizes) + ([None] if args.full else [])
    hdr = (
        f"{'base':>9} {'records':>9} {'rec-years':>10} {'kernel s':>9} {'M rec-y/s':>10} "
        f"{'numpy s':>8} {'M rec-y/s':>10} {'ratio':>6} {'project s':>9} {'setup s':>8} "
        f"{'np peak MB':>10} {'maxrss MB':>9} {'share diff':>10}"
    )
    print(hdr)
    for n in sizes:
        r = bench(n, args.reps)
        k_rate = r["steps"] / r["kernel_s"] / 1e6
        n_rate = r["steps"] / r["numpy_s"] / 1e6
        print(
            f"{r['base_records']:>9} {r['records']:>9} {r['steps']:>10} {r['kernel_s']:>9.3f} "
            f"{k_rate:>10.1f} {r['numpy_s']:>8.3f} {n_rate:>10.1f} "
            f"{r['numpy_s'] / r['kernel_s']:>6.1f} {r['project_s']:>9.3f} {r['setup_s']:>8.2f} "
            f"{r['numpy_peak_mb']:>10.0f} {r['maxrss_mb']:>9.0f} {r['max_share_diff']:>10.4f}"
        )
        print(
            f"          (population from {r['source']}; kernel time includes a {r['copy_s']:.3f} s "
            f"state copy; persons differ by {100 * r['persons_diff']:.3f} %)"
        )


if __name__ == "__main__":
    main()
