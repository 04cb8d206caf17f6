"""Benchmark of ``llrsim.synthesize``: wall time and peak memory for 100k, 1M and full.

Each size runs in its own Python subprocess, so the peak resident memory (``ru_maxrss``) is
that of one synthesis (interpreter and imports included; the baseline after the imports is
printed too). Time is the median of ``--repeat`` runs after one warm-up run in the same
process (the warm-up pays for loading the tables and the IPF fit, which are cached per year;
its time is printed as ``first``).

    python benchmarks/bench_synthesize.py              # 100k, 1M, full; 3 runs each
    python benchmarks/bench_synthesize.py --repeat 5 --year 2024
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

_CHILD = r"""
import json, resource, statistics, sys, time
t0 = time.perf_counter()
import llrsim
t_import = time.perf_counter() - t0
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
year, repeat = int(sys.argv[1]), int(sys.argv[3])
n = None if sys.argv[2] == "full" else int(sys.argv[2])
t0 = time.perf_counter()
pop = llrsim.synthesize(year=year, n=n, seed=0)
first = time.perf_counter() - t0
times = []
for seed in range(1, repeat + 1):
    del pop
    t0 = time.perf_counter()
    pop = llrsim.synthesize(year=year, n=n, seed=seed)
    times.append(time.perf_counter() - t0)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = {"records": pop.n, "persons": pop.total, "import_s": t_import, "first_s": first}
result.update(median_s=statistics.median(times), base_mib=base / 1024, peak_mib=peak / 1024)
print(json.dumps(result))
"""


def run(year: int, n: str, repeat: int) -> dict:
    """One subprocess measurement (see the module docstring)."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(year), n, str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", nargs="+", default=["100000", "1000000", "full"])
    args = parser.parse_args()
    print(
        f"llrsim.synthesize(year={args.year}): median of {args.repeat} runs, one process per size"
    )
    head = (
        f"{'n':>9} {'records':>10} {'first s':>8} {'median s':>9} {'base MiB':>9} {'peak MiB':>9}"
    )
    print(head)
    print("-" * len(head))
    for n in args.sizes:
        r = run(args.year, n, args.repeat)
        print(
            f"{n:>9} {r['records']:>10,} {r['first_s']:>8.2f} {r['median_s']:>9.2f} "
            f"{r['base_mib']:>9.0f} {r['peak_mib']:>9.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
