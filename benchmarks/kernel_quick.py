"""Quick check of a kernel change: a checksum of every tally, and the kernel's speed.

    python benchmarks/kernel_quick.py              # 100k records, S0-S6, 2025-2034
    python benchmarks/kernel_quick.py --n 20000 --repeat 3

Prints the SHA-256 (first 16 hex digits) of all tally arrays, so a change meant to be
bit-identical can be checked in seconds (the full check is ``tests/test_reference_agreement.py``),
then the policy kernel's CPU time on one thread (``numba.set_num_threads(1)``,
``time.process_time``, best and median of ``--repeat`` runs; the best is the most stable
figure on a shared machine), in ns per person-scenario-year, and its wall time on all
threads. The kernel is ``run_plan`` on ``simulate``'s own inputs, as in ``run.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ALL7, YEARS, _context_without_kernel, _kernel_call

import llrsim


def tally_checksum(ds) -> str:
    """SHA-256 over every tally array of the Dataset, in variable-name order."""
    h = hashlib.sha256()
    for name in sorted(ds.data_vars):
        h.update(name.encode())
        h.update(np.ascontiguousarray(ds[name].values).tobytes())
    return h.hexdigest()[:16]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="base records (default 100,000)")
    ap.add_argument("--repeat", type=int, default=7, help="timed runs (default 7)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    pop = llrsim.synthesize(n=args.n, seed=args.seed)
    ctx = _context_without_kernel(pop, ALL7, YEARS, seed=args.seed)
    run = _kernel_call(ctx)
    ds = run()  # also loads or compiles the kernel
    years = np.asarray(YEARS)
    entry = np.asarray(ctx.entry_year)
    person_years = int((entry[:, None] <= years[None, :]).sum())
    psy = person_years * len(ALL7)
    threads = numba.get_num_threads()

    numba.set_num_threads(1)
    cpu = []
    for _ in range(args.repeat):
        t = time.process_time()
        run()
        cpu.append(time.process_time() - t)
    numba.set_num_threads(threads)
    wall = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        run()
        wall.append(time.perf_counter() - t)

    print(f"tally checksum {tally_checksum(ds)}")
    print(
        f"{ctx.population.n:,} records, {person_years:,} person-years (from entry), "
        f"{len(ALL7)} scenarios"
    )
    print(
        f"1 thread: best {min(cpu):.3f} s CPU = {min(cpu) / psy * 1e9:.1f} ns/psy "
        f"(median {statistics.median(cpu):.3f} s); {threads} threads: best wall "
        f"{min(wall):.3f} s (median {statistics.median(wall):.3f} s)"
    )


if __name__ == "__main__":
    main()
