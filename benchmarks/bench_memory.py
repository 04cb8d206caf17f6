"""Memory of ``simulate`` itself: peak resident memory above the population, per person.

    python benchmarks/bench_memory.py            # the whole of Flanders (4.3 M persons), S0-S6
    python benchmarks/bench_memory.py --n 100000

The synthetic population is built first and its memory settles; then the kernel is loaded on
a tiny run, the process's peak-RSS mark is reset (``/proc/self/clear_refs``, Linux) and
``simulate`` runs S0-S6 over 2025-2034. The peak during the call minus the resident memory
before it is what the simulation needs on top of its input — entrants, person state, tally
slots, tallies and the ``Results`` — printed in MiB and in bytes per person of the
population (issue #9 asks for under 100 bytes per person plus the results).
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

import llrsim

SCENARIOS = ["S0", "S1", "S2", "S3", "S4", "S5", "S6"]


def _status_mib(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"/proc/self/status has no {key}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help="base records (default: all)")
    args = ap.parse_args(argv)

    pop = llrsim.synthesize(n=args.n, seed=1)
    llrsim.simulate(llrsim.synthesize(n=2000, seed=1), SCENARIOS)  # load the kernels
    gc.collect()
    before = _status_mib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    t = time.perf_counter()
    res = llrsim.simulate(pop, SCENARIOS, years=range(2025, 2035), seed=1)
    wall = time.perf_counter() - t
    peak = _status_mib("VmHWM")
    tallies = sum(v.nbytes for v in res.tallies.data_vars.values()) / 2**20
    extra = peak - before
    print(
        f"{pop.total:,} persons in {pop.n:,} records; S0-S6 x 10 years in {wall:.1f} s\n"
        f"resident before simulate {before:.0f} MiB, peak during it {peak:.0f} MiB: "
        f"+{extra:.0f} MiB = {extra * 2**20 / pop.total:.0f} bytes per person, "
        f"{extra * 2**20 / pop.n:.0f} per record (of which the tally arrays {tallies:.1f} MiB)"
    )


if __name__ == "__main__":
    main()
