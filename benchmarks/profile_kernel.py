"""Where the policy kernel's time goes: cost per component by varying one thing at a time.

    python benchmarks/profile_kernel.py            # 100k records, 1 thread, median of 3
    python benchmarks/profile_kernel.py --n 50000 --repeat 5

The kernel is timed with ``numba.set_num_threads(1)`` and ``time.process_time`` (CPU time of
this process: robust when other jobs share the cores) on ``simulate``'s own inputs
(``res.context``), changing one input at a time:

- demography alone: the projection kernel (``llrsim.population.project._run``), the same
  ``demography_step`` the policy kernel calls;
- scenarios with no instrument in force (demography + group masks + episode draws + the
  person tallies), 1 and 7 of them;
- the real scenarios S0..S6, the first k of them (k = 1..7): the marginal cost per scenario;
- S0 with only one instrument in force, for each instrument of S0-S6: its marginal cost;
- S0-S6 with the first g target groups only (``run_plan`` with fewer group predicates);
- 2 threads against 1 (parallel efficiency).

Prints a markdown report (ns per person-year or per person-scenario-year, where a
person-year is a record in the model in a simulated year).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import _kernel_call, _record_years, sub_plan

import llrsim
from llrsim.behaviour.episode import episode_cost_cents, episode_kind, episode_minutes
from llrsim.behaviour.participation import participation_probability
from llrsim.engine import mechanisms as m
from llrsim.engine.plan import KernelPlan
from llrsim.engine.rng import person_key, person_year_key, uniform_from_key
from llrsim.population.dynamics import person_state
from llrsim.population.project import _run
from llrsim.predicates import matches, matches_row

ALL7 = ["S0", "S1", "S2", "S3", "S4", "S5", "S6"]


# --- micro-benchmarks of the per-person-year pieces, with the library's own functions ------


@numba.njit(cache=True)
def _micro_draws(seed, pid, year, reps):
    acc = 0.0
    for _ in range(reps):
        for i in range(pid.shape[0]):
            k = person_year_key(person_key(seed, pid[i]), year)
            for d in range(5):
                acc += uniform_from_key(k, 101, d)
    return acc


@numba.njit(cache=True)
def _micro_episode(coef, edu, u, reps):
    acc = 0
    for _ in range(reps):
        for i in range(edu.shape[0]):
            kd = episode_kind(coef, edu[i], u[i, 0], u[i, 1], u[i, 2])
            mins = episode_minutes(coef, kd, u[i, 3], u[i, 4])
            acc += episode_cost_cents(coef, mins) + kd
    return acc


@numba.njit(cache=True)
def _micro_p0(coef, st, reps):
    acc = 0.0
    for _ in range(reps):
        for i in range(st.shape[0]):
            acc += participation_probability(
                coef, np.int64(st[i, 0]), np.int64(st[i, 1]), np.int64(st[i, 2]),
                np.int64(st[i, 3]), np.int64(st[i, 5]), np.int64(st[i, 4]),
            )  # fmt: skip
    return acc


@numba.njit(cache=True)
def _match_view(preds, g, age, sex, edu, status, size, sector, flags, exp, um, groups):
    """One predicate through :func:`matches` on a row view (not the kernel's path)."""
    return matches(preds[g], age, sex, edu, status, size, sector, flags, exp, um, groups)


@numba.njit(cache=True)
def _micro_rows(match, preds, st, um, reps):
    """Every predicate of ``preds`` for every record, through ``match`` (``matches_row``, as
    the kernel, or :func:`_match_view`); numba compiles one loop per function passed."""
    acc = 0
    for _ in range(reps):
        for i in range(st.shape[0]):
            for g in range(preds.shape[0]):
                if match(
                    preds, g, np.int64(st[i, 0]), np.int64(st[i, 1]), np.int64(st[i, 2]),
                    np.int64(st[i, 3]), np.int64(st[i, 5]), np.int64(st[i, 4]),
                    np.int64(st[i, 7]), np.int64(st[i, 6]), np.int64(um[i]), np.int64(0),
                ):  # fmt: skip
                    acc += 1
    return acc


def micro(ctx, repeat: int, rec) -> None:
    """Per-person-year pieces on their own (indicative: in the kernel they interleave).

    The predicate tables are passed as writable copies: a loop over the read-only
    ``groups.compiled()`` array measured 10x slower stand-alone (not inside the kernel).
    """
    from llrsim.engine.run import state_block
    from llrsim.population import groups

    pop = ctx.population
    n, reps = pop.n, 10
    st = state_block(pop)
    um = pop.unemployment_months.astype(np.int64)
    u = np.random.default_rng(0).random((n, 5))
    edu = st[:, 2].astype(np.int64)
    cases = (
        ("5 keyed draws (person key, year key, 5 finalisers)",
         lambda: _micro_draws(1, pop.person_id, 2025, reps)),
        ("episode kind, minutes (log, sqrt, cos, exp), fee",
         lambda: _micro_episode(ctx.coef, edu, u, reps)),
        ("participation probability p0 (exp)", lambda: _micro_p0(ctx.coef, st, reps)),
        (f"{len(groups.names())} group predicates (matches_row, as the kernel)",
         lambda: _micro_rows(matches_row, groups.compiled().copy(), st, um, reps)),
        (f"{ctx.plan.unique_elig.shape[0]} distinct eligibility rules (matches_row)",
         lambda: _micro_rows(matches_row, ctx.plan.unique_elig, st, um, reps)),
        (f"{len(groups.names())} group predicates via matches(row view) (not the kernel)",
         lambda: _micro_rows(_match_view, groups.compiled().copy(), st, um, 1)),
    )  # fmt: skip
    for label, fn in cases:
        c, _ = cpu_time(fn, repeat)
        rec(f"micro: {label}, per person-year", c, n * (1 if "not the kernel" in label else reps))


def cpu_time(fn, repeat: int) -> tuple[float, float]:
    """Median CPU and wall seconds of ``repeat`` calls (after one untimed call)."""
    fn()
    cpus, walls = [], []
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - t0)
    return statistics.median(cpus), statistics.median(walls)


def with_active(plan: KernelPlan, active: np.ndarray) -> KernelPlan:
    return KernelPlan(
        scenarios=plan.scenarios,
        years=plan.years,
        instruments=plan.instruments,
        kind=plan.kind,
        active=np.ascontiguousarray(active),
        elig=plan.elig,
        q=plan.q,
        units=plan.units,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--micro-only", action="store_true", help="only the micro-benchmarks")
    args = ap.parse_args()
    import os

    load0 = os.getloadavg()
    pop = llrsim.synthesize(year=2024, n=args.n, seed=1)
    ctx = llrsim.simulate(pop, ALL7, years=range(2025, 2035), seed=1).context
    plan = ctx.plan
    ny = len(plan.years)
    py = sum(_record_years(ctx, ny))
    numba.set_num_threads(1)
    rows: list[tuple[str, float, float, float]] = []  # label, cpu s, ns per unit, units

    def rec(label: str, cpu: float, units: float) -> float:
        ns = cpu / units * 1e9
        rows.append((label, cpu, ns, units))
        print(f"{label:<60} {cpu:7.3f} s CPU  {ns:7.1f} ns/unit", flush=True)
        return ns

    micro(ctx, args.repeat, rec)
    if args.micro_only:
        return 0

    # demography alone
    def demo():
        st = person_state(ctx.population, ctx.entry_year)
        _run(st, ctx.population.weight, ctx.seed, plan.years[0], ny, ctx.tables)

    c, _ = cpu_time(demo, args.repeat)
    c_copy, _ = cpu_time(lambda: person_state(ctx.population, ctx.entry_year), args.repeat)
    ns_demo = rec("demography alone (projection kernel), per person-year", c - c_copy, py)
    # no instrument in force
    empty = {}
    for k in (1, 7):
        p = sub_plan(plan, n_scenarios=k)
        p = with_active(p, np.zeros_like(p.active))
        c, _ = cpu_time(_kernel_call(ctx, p), args.repeat)
        empty[k] = c
        rec(f"kernel, {k} scenario(s) with no instrument, per person-year", c, py)
    # real scenarios
    per_k = {}
    for k in range(1, 8):
        c, _ = cpu_time(_kernel_call(ctx, sub_plan(plan, n_scenarios=k)), args.repeat)
        per_k[k] = c
        rec(f"kernel, scenarios S0..S{k - 1}, per person-scenario-year", c, py * k)
    # one instrument at a time (in scenario s where it is in force)
    inst = {}
    for j, name in enumerate(plan.instruments):
        s = int(np.flatnonzero(plan.active[:, :, j].any(axis=1))[0])
        act = np.zeros((1, ny, len(plan.instruments)), dtype=bool)
        act[0, :, j] = plan.active[s, :, j]
        p = KernelPlan(
            scenarios=[plan.scenarios[s]],
            years=plan.years,
            instruments=plan.instruments,
            kind=plan.kind,
            active=act,
            elig=plan.elig[s : s + 1].copy(),
            q=plan.q[s : s + 1].copy(),
            units=plan.units,
        )
        c, _ = cpu_time(_kernel_call(ctx, p), args.repeat)
        inst[name] = c - empty[1]
        rec(
            f"  + {name} ({m.KIND_NAMES[int(plan.kind[j])]}) alone, marginal per person-year",
            c - empty[1],
            py,
        )
    # target groups
    from llrsim.population import groups

    n_groups = len(groups.names())
    for g in (1, 4, 7, n_groups):
        c, _ = cpu_time(_kernel_call(ctx, plan, group_slice=g), args.repeat)
        rec(f"kernel S0-S6 with the first {g} target group(s), per psy", c, py * 7)
    # threads (as many as numba has: one under `taskset -c 0`)
    for th in range(1, min(2, numba.config.NUMBA_NUM_THREADS) + 1):
        numba.set_num_threads(th)
        c, w = cpu_time(_kernel_call(ctx), args.repeat)
        rec(f"kernel S0-S6, {th} thread(s): wall {w:.2f} s; CPU per psy", c, py * 7)
    numba.set_num_threads(1)
    print()
    print(f"records {ctx.population.n:,}, person-years {py:,}; load average {load0} at start, "
          f"{os.getloadavg()} at the end")  # fmt: skip
    print(f"demography ns/person-year {ns_demo:.1f}; per extra scenario "
          f"{(per_k[7] - per_k[1]) / 6 / py * 1e9:.1f} ns/person-year; empty scenario "
          f"{(empty[7] - empty[1]) / 6 / py * 1e9:.1f} ns/person-year")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
