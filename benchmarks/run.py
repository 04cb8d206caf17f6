"""The llrsim benchmark suite: one command, one table (issue #9, the measuring side).

    python benchmarks/run.py                       # 100k and 1M, 3 runs each
    python benchmarks/run.py --sizes 100k,1M,full  # the whole of Flanders too (~4.3 M records)
    python benchmarks/run.py --quick               # 100k only, 1 run, short sweeps (~2 min)

Every configuration runs in a fresh Python subprocess (this file with ``--child``), so its
peak resident memory (``ru_maxrss``) is that configuration's alone — interpreter, imports,
the synthetic population and the stage — and nothing is cached between configurations
except Numba's machine code on disk. Stages:

- ``synthesize``: ``llrsim.synthesize(year=2024, n)``;
- ``project``: ``llrsim.population.project.project`` over 2025-2034 (demography alone);
- ``simulate k``: ``llrsim.simulate`` with k = 1 (S0), 3 (S0, S3, S4) or 7 (S0-S6)
  scenarios over 2025-2034, end to end; ``kernel k``: the policy kernel alone
  (``run_plan`` on the simulation's context), the number llrsim is judged by;
- ``numpy k``: the vectorised numpy reference (``benchmarks/reference_policy_numpy.py``,
  identical tallies) on the same inputs; ``llrsim/ref`` = kernel time / reference time;
- ``montecarlo``: ``llrsim.montecarlo`` (serial backend) with a few draws of S0-S6, the
  time per draw extrapolated linearly to 1,000 draws (said so in the table);
- ``compare``: the ``llrsim compare`` command as a whole process (synthesis, simulation of
  S0-S6, report, Excel, Parquet);
- JIT: ``simulate`` on a tiny population in a process whose ``NUMBA_CACHE_DIR`` is a fresh
  temporary folder (compilation = first call - second call), then again in a new process
  with that folder filled (loading cached machine code).

Times are medians of ``--repeat`` runs (one run at full size, to spare the shared
machine): wall time, and CPU time of the process (all threads). Person-years are the
records in the model in each simulated year (entrants counted from their entry year);
throughput is person-scenario-years per second of wall time; "ns/psy·core" is CPU time per
person-scenario-year (what one core spends; robust when other jobs share the cores).
The load average (``uptime``) is printed next to the numbers: on a 2-core machine shared
with other jobs, wall times above CPU time / threads mean the cores were busy elsewhere.

The scaling sweeps time the kernel against population size, number of years and number of
scenarios, fit a straight line and save ``benchmarks/output/scaling.png``. The table is
printed and written to ``benchmarks/output/results.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "output"
YEARS = list(range(2025, 2035))
SCENARIO_SETS = {1: ["S0"], 3: ["S0", "S3", "S4"], 7: ["S0", "S1", "S2", "S3", "S4", "S5", "S6"]}
ALL7 = SCENARIO_SETS[7]
MC_DRAWS = 2  #: Monte Carlo draws actually run
MC_TARGET = 1000  #: draws the Monte Carlo time is extrapolated to


# =============================================================================== children


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``repeat`` calls; returns the last value too."""
    walls, cpus, value = [], [], None
    for _ in range(repeat):
        value = None
        t0, c0 = time.perf_counter(), time.process_time()
        value = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), value


def _population(n: int | None):
    import llrsim

    return llrsim.synthesize(year=2024, n=n, seed=1)


def _record_years(ctx, n_years: int) -> list[int]:
    """Records in the model per simulated year (the projection kernel, unit weights)."""
    import numpy as np

    from llrsim.population.dynamics import person_state
    from llrsim.population.project import _run

    st = person_state(ctx.population, ctx.entry_year)
    ones = np.ones(ctx.population.n, dtype=ctx.population.weight.dtype)
    stocks, _ = _run(st, ones, ctx.seed, ctx.plan.years[0], n_years, ctx.tables)
    return [int(x) for x in stocks.reshape(n_years, -1).sum(axis=1)]


def _kernel_call(ctx, plan=None, group_slice=None):
    from llrsim.engine.run import run_plan
    from llrsim.population import groups

    preds, names = groups.compiled(), groups.names()
    if group_slice is not None:
        preds, names = preds[:group_slice], names[:group_slice]
    plan = ctx.plan if plan is None else plan
    return lambda: run_plan(
        ctx.population, ctx.entry_year, plan, ctx.tables, preds, names, ctx.coef, ctx.seed
    )


def _context_without_kernel(pop, scenarios, years, seed=1):
    """``simulate``'s inputs to the kernel (its context) without running the kernel."""
    import numpy as np

    import llrsim
    import llrsim.engine.simulate as sim
    from llrsim.engine.mechanisms import I_VARS, P_VARS
    from llrsim.engine.tallies import tallies_dataset

    real = sim.run_plan

    def fake(pop, entry_year, plan, tables, preds, names, coef, seed, n_chunks=16):
        s, y, i = plan.active.shape
        g = len(names)
        return tallies_dataset(
            np.zeros((s, y, g, len(P_VARS)), dtype=np.int64),
            np.zeros((s, y, g, i, len(I_VARS)), dtype=np.int64),
            plan.scenarios, plan.years, names, plan.instruments, plan.units,
        )  # fmt: skip

    sim.run_plan = fake
    try:
        return llrsim.simulate(pop, scenarios, years=years, seed=seed).context
    finally:
        sim.run_plan = real


def sub_plan(plan, n_scenarios: int | None = None, n_years: int | None = None):
    """The first scenarios / years of a :class:`KernelPlan` (same instruments)."""
    from llrsim.engine.plan import KernelPlan

    s = slice(None, n_scenarios)
    y = slice(None, n_years)
    return KernelPlan(
        scenarios=plan.scenarios[s],
        years=plan.years[y],
        instruments=plan.instruments,
        kind=plan.kind,
        active=plan.active[s, y].copy(),
        elig=plan.elig[s, y].copy(),
        q=plan.q[s, y].copy(),
        units=plan.units,
    )


def child(spec: dict) -> dict:
    """Run one configuration (in its own process) and return its measurements."""
    import numba

    import llrsim

    task, repeat = spec["task"], spec.get("repeat", 1)
    n = spec.get("n")
    out: dict = {"task": task, "threads": numba.get_num_threads()}
    if task == "synthesize":
        t0 = time.perf_counter()
        pop = _population(n)  # the first call also fits the year's cells (cached per year)
        out["first"] = time.perf_counter() - t0
        seeds = iter(range(2, 2 + repeat))
        wall, cpu, pop = _timed(lambda: llrsim.synthesize(year=2024, n=n, seed=next(seeds)), repeat)
        out.update(records=pop.n, persons=int(pop.total))
    elif task == "project":
        from llrsim.population.project import project

        pop = _population(n)
        project(pop, YEARS[:2], seed=1)  # compile / load machine code outside the timing
        wall, cpu, _ = _timed(lambda: project(pop, YEARS, seed=1), repeat)
        out.update(records=pop.n)
    elif task == "simulate":
        pop = _population(n)
        scen = SCENARIO_SETS[spec["k"]]
        llrsim.simulate(pop, scen, years=YEARS[:2], seed=1)  # machine code outside the timing
        wall, cpu, res = _timed(lambda: llrsim.simulate(pop, scen, years=YEARS, seed=1), repeat)
        ctx = res.context
        del res
        k_wall, k_cpu, _ = _timed(_kernel_call(ctx), repeat)
        py = _record_years(ctx, len(YEARS))
        out.update(records=ctx.population.n, base_records=pop.n, person_years=sum(py))
        out.update(kernel_wall=k_wall, kernel_cpu=k_cpu)
    elif task == "reference":
        sys.path.insert(0, str(HERE))
        from reference_policy_numpy import policy_numpy

        from llrsim.population import groups

        pop = _population(n)
        ctx = _context_without_kernel(pop, SCENARIO_SETS[spec["k"]], YEARS)
        base_mib = _peak_mib()

        def run():
            return policy_numpy(
                ctx.population, ctx.entry_year, ctx.plan, ctx.tables, groups.compiled(),
                ctx.coef, ctx.seed,
            )  # fmt: skip

        wall, cpu, _ = _timed(run, repeat)
        out.update(records=ctx.population.n, setup_peak_mib=base_mib)
    elif task == "montecarlo":
        pop = _population(n)
        llrsim.simulate(pop, ALL7, years=YEARS[:2], seed=1)
        t0 = time.perf_counter()
        c0 = time.process_time()
        llrsim.montecarlo(
            pop, ALL7, n=MC_DRAWS, years=YEARS, seed=0, backend="serial", progress=False
        )
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        out.update(records=pop.n, draws=MC_DRAWS)
    elif task == "compare":
        tmp = Path(tempfile.mkdtemp(prefix="llrsim-bench-compare-"))
        cmd = [
            sys.executable, "-c", "import sys; from llrsim.cli import main; sys.exit(main())",
            "compare", "--n", "full" if n is None else str(n), "--out", str(tmp / "out"),
        ]  # fmt: skip
        walls = []
        try:
            for _ in range(repeat):
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True, text=True)
                walls.append(time.perf_counter() - t0)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, cpu = statistics.median(walls), (ch.ru_utime + ch.ru_stime) / repeat
        out["peak_mib"] = ch.ru_maxrss / 1024
    elif task == "jit":
        t0 = time.perf_counter()
        pop = _population(2000)
        t1 = time.perf_counter()
        llrsim.simulate(pop, ALL7, years=YEARS[:2], seed=1)
        t2 = time.perf_counter()
        llrsim.simulate(pop, ALL7, years=YEARS[:2], seed=1)
        t3 = time.perf_counter()
        wall, cpu = t2 - t1, t3 - t2  # first call, second call (reported as such)
        out.update(synthesize_first=t1 - t0)
    elif task == "sweep":
        out.update(_sweep(spec, repeat))
        wall = cpu = 0.0
    else:
        raise ValueError(f"unknown task {task}")
    out.update(wall=wall, cpu=cpu)
    out.setdefault("peak_mib", _peak_mib())
    return out


def _sweep(spec: dict, repeat: int) -> dict:
    """Kernel time against population size, years and scenarios (3 scenarios, 10 years,
    ``spec['n']`` records unless varied)."""
    import llrsim

    points = {"size": [], "years": [], "scenarios": []}
    for n in spec["sizes"]:
        pop = _population(n)
        res = llrsim.simulate(pop, SCENARIO_SETS[3], years=YEARS, seed=1)
        ctx = res.context
        wall, cpu, _ = _timed(_kernel_call(ctx), repeat)
        py = sum(_record_years(ctx, len(YEARS)))
        points["size"].append({"x": ctx.population.n, "wall": wall, "cpu": cpu, "py": py * 3})
    pop = _population(spec["n"])
    ctx = llrsim.simulate(pop, ALL7, years=YEARS, seed=1).context
    py_year = _record_years(ctx, len(YEARS))
    for ny in spec["years"]:
        plan = sub_plan(ctx.plan, n_scenarios=3, n_years=ny)
        wall, cpu, _ = _timed(_kernel_call(ctx, plan), repeat)
        points["years"].append({"x": ny, "wall": wall, "cpu": cpu, "py": sum(py_year[:ny]) * 3})
    for k in spec["scenarios"]:
        plan = sub_plan(ctx.plan, n_scenarios=k)
        wall, cpu, _ = _timed(_kernel_call(ctx, plan), repeat)
        points["scenarios"].append({"x": k, "wall": wall, "cpu": cpu, "py": sum(py_year) * k})
    return {"points": points, "records": ctx.population.n}


# ================================================================================ parent


def _run_child(spec: dict, env: dict | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["?"])[-1]
        return {"task": spec["task"], "error": tail[:160]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _size_label(n: int | None) -> str:
    if n is None:
        return "full"
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def parse_sizes(text: str) -> list[int | None]:
    out: list[int | None] = []
    for part in text.split(","):
        p = part.strip().lower()
        if p == "full":
            out.append(None)
        elif p.endswith("m"):
            out.append(int(float(p[:-1]) * 1_000_000))
        elif p.endswith("k"):
            out.append(int(float(p[:-1]) * 1000))
        else:
            out.append(int(p))
    return out


def jit_times() -> dict:
    """Cold-cache compilation and warm-cache loading of ``simulate``'s machine code."""
    with tempfile.TemporaryDirectory(prefix="llrsim-numba-") as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=tmp)
        cold = _run_child({"task": "jit"}, env)
        warm = _run_child({"task": "jit"}, env)
    return {"cold": cold, "warm": warm}


def _int(x) -> str:
    return f"{x:,}" if isinstance(x, int) else ""


def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "" if x is None else format(x, spec)


class Table:
    """Rows of the results table (markdown)."""

    HEAD = (
        "| stage | size | records | scenarios | wall s | CPU s | M psy/s | ns/psy·core "
        "| peak MiB | numpy s | llrsim/ref | load avg |"
    )

    def __init__(self) -> None:
        self.rows: list[str] = []
        self.notes: list[str] = []

    def add(self, stage, size, r: dict, k=None, psy=None, ref=None, note="") -> None:
        if "error" in r:
            self.rows.append(f"| {stage} | {size} | | {k or ''} | failed: {r['error']} " + "|" * 8)
            return
        wall, cpu = r["wall"], r["cpu"]
        rate = f"{psy / wall / 1e6:.1f}" if psy and wall else ""
        ns = f"{cpu / psy * 1e9:.0f}" if psy and cpu else ""
        ref_s = ratio = ""
        if ref is not None and "error" not in ref:
            ref_s = f"{ref['wall']:.2f}"
            ratio = f"{wall / ref['wall']:.2f}"
        self.rows.append(
            f"| {stage}{note} | {size} | {_int(r.get('records'))} | {k or ''} | {wall:.2f} "
            f"| {cpu:.2f} | {rate} | {ns} | {r.get('peak_mib', 0):.0f} | {ref_s} | {ratio} "
            f"| {r.get('load', '')} |"
        )

    def markdown(self) -> str:
        sep = "|" + "---|" * (self.HEAD.count("|") - 1)
        return "\n".join([self.HEAD, sep, *self.rows])


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Intercept, slope and R² of a least-squares line."""
    import numpy as np

    x, y = np.asarray(xs, float), np.asarray(ys, float)
    b, a = np.polyfit(x, y, 1)
    resid = y - (a + b * x)
    ss = ((y - y.mean()) ** 2).sum()
    return float(a), float(b), float(1 - (resid**2).sum() / ss) if ss > 0 else 1.0


def plot_scaling(points: dict, path: Path, extra_sizes: list[dict]) -> list[str]:
    """Three panels (size, years, scenarios) of kernel CPU and wall time with a linear fit."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    lines = []
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    panels = (
        ("size", "records (incl. entrants)", points["size"] + extra_sizes),
        ("years", "simulated years (3 scenarios)", points["years"]),
        ("scenarios", "scenarios (10 years)", points["scenarios"]),
    )
    for ax, (key, label, pts) in zip(axes, panels, strict=True):
        pts = sorted(pts, key=lambda p: p["x"])
        xs = [p["x"] for p in pts]
        for metric, style in (("cpu", "o-"), ("wall", "s--")):
            ys = [p[metric] for p in pts]
            ax.plot(xs, ys, style, label=f"{metric} time")
            if len(xs) >= 2:
                a, b, r2 = linear_fit(xs, ys)
                grid = np.linspace(0, max(xs), 50)
                ax.plot(grid, a + b * grid, ":", color="grey")
                if metric == "cpu":
                    per = [p["cpu"] / p["py"] * 1e9 for p in pts]
                    lines.append(
                        f"- kernel CPU time vs {key}: R² of a straight line {r2:.3f}; "
                        f"intercept {a:.2f} s; ns per person-scenario-year "
                        + ", ".join(f"{_fmt(p, '.0f')}" for p in per)
                        + f" (x = {', '.join(str(x) for x in xs)})"
                    )
        ax.set_xlabel(label)
        ax.set_ylabel("kernel seconds")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("llrsim policy kernel: time against population, years and scenarios")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k,1M", help="comma-separated: 100k, 1M, full")
    ap.add_argument("--repeat", type=int, default=3, help="runs per configuration (median)")
    ap.add_argument("--quick", action="store_true", help="100k only, 1 run, short sweeps")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--no-sweep", action="store_true", help="skip the scaling sweeps")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    sizes = [100_000] if args.quick else parse_sizes(args.sizes)
    repeat = 1 if args.quick else args.repeat
    import numba
    import numpy as np

    t_start = time.perf_counter()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    git = subprocess.run(
        ["git", "-C", str(HERE.parent), "describe", "--always", "--dirty"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    head = (
        f"llrsim benchmarks, {started}, commit {git or '?'}: "
        f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, numba {numba.__version__} ({numba.get_num_threads()} threads), "
        f"numpy {np.__version__}, Python {platform.python_version()}; load average at start "
        f"{load_average()}"
    )
    print(head, flush=True)
    table = Table()

    def step(spec: dict) -> dict:
        t0 = time.perf_counter()
        r = _run_child(spec)
        r["load"] = f"{os.getloadavg()[0]:.1f}"
        what = f"  {spec['task']} {spec.get('k', '')} {_size_label(spec.get('n'))}: "
        if "error" in r:
            what += r["error"]
        else:
            what += f"{r['wall']:.2f} s wall, {r['cpu']:.2f} s CPU, {r.get('peak_mib', 0):.0f} MiB"
            if "kernel_wall" in r:
                what += f"; kernel {r['kernel_wall']:.2f} s wall, {r['kernel_cpu']:.2f} s CPU"
        print(what + f" [{time.perf_counter() - t0:.0f} s]", flush=True)
        return r

    t0 = time.perf_counter()
    jit = jit_times()
    print(f"  JIT cold/warm: {time.perf_counter() - t0:.1f} s", flush=True)
    size_points = []
    for n in sizes:
        rep = 1 if n is None else repeat
        label = _size_label(n)
        syn = step({"task": "synthesize", "n": n, "repeat": rep})
        first = f" (first call {syn['first']:.1f} s)" if "first" in syn else ""
        table.add("synthesize", label, syn, note=first)
        proj = step({"task": "project", "n": n, "repeat": rep})
        sims = {}
        for k in (1, 3, 7):
            sims[k] = step({"task": "simulate", "n": n, "k": k, "repeat": rep})
        py = next((s["person_years"] for s in sims.values() if "person_years" in s), None)
        table.add("project (demography)", label, proj, psy=py)
        for k in (1, 3, 7):
            s = sims[k]
            ref = None
            if k == 7 or (n is not None and not args.quick):
                ref = step({"task": "reference", "n": n, "k": k, "repeat": 1})
            psy = s.get("person_years", 0) * k or None
            table.add("simulate (end to end)", label, s, k=k, psy=psy)
            if "error" not in s:
                kr = dict(s, wall=s["kernel_wall"], cpu=s["kernel_cpu"])
                table.add("kernel (run_plan)", label, kr, k=k, psy=psy, ref=ref)
                if k == 3:
                    size_points.append(
                        {"x": s["records"], "wall": s["kernel_wall"], "cpu": s["kernel_cpu"],
                         "py": s["person_years"] * 3}
                    )  # fmt: skip
            if ref is not None:
                table.add("numpy reference", label, ref, k=k, psy=psy)
        if n == sizes[0]:
            try:
                import llrsim.montecarlo  # noqa: F401

                mc = step({"task": "montecarlo", "n": n})
                if "error" not in mc:
                    per = mc["wall"] / mc["draws"]
                    table.notes.append(
                        f"- Monte Carlo ({label}, S0-S6, 10 years, serial backend): "
                        f"{mc['draws']} draws in {mc['wall']:.1f} s, {per:.1f} s per draw; "
                        f"**extrapolated** to {MC_TARGET} draws: {per * MC_TARGET / 60:.0f} min "
                        f"on one process (the processes/Dask backends divide this by the "
                        f"workers; see benchmarks/bench_montecarlo.py)"
                    )
                mc_row = dict(mc)
                if "error" not in mc_row:
                    mc_row["records"] = mc.get("records", "")
                table.add(
                    f"montecarlo ({MC_DRAWS} draws)", label, mc_row, k=7,
                    psy=(py or 0) * 7 * MC_DRAWS or None,
                )  # fmt: skip
            except ImportError:
                table.notes.append("- Monte Carlo: llrsim.montecarlo not available")
        comp = step({"task": "compare", "n": n, "repeat": 1})
        table.add("llrsim compare (process)", label, comp, k=7)
    # JIT
    cold, warm = jit["cold"], jit["warm"]
    if "error" in cold or "error" in warm:
        table.notes.append(f"- JIT measurement failed: {cold.get('error') or warm.get('error')}")
    else:
        table.notes.append(
            f"- JIT (simulate S0-S6, 2 years, 2,000 records): cold cache first call "
            f"{cold['wall']:.1f} s vs second call {cold['cpu']:.2f} s → compilation ≈ "
            f"{cold['wall'] - cold['cpu']:.1f} s; warm cache (new process) first call "
            f"{warm['wall']:.1f} s (loading machine code ≈ {warm['wall'] - warm['cpu']:.1f} s); "
            f"synthesize first call cold {cold['synthesize_first']:.1f} s, warm "
            f"{warm['synthesize_first']:.1f} s"
        )
    # sweeps
    fit_lines: list[str] = []
    if not args.no_sweep:
        sweep_spec = {
            "task": "sweep",
            "n": 100_000,
            "repeat": repeat,
            "sizes": [25_000, 50_000, 100_000]
            if args.quick
            else [25_000, 50_000, 100_000, 200_000],
            "years": [2, 5, 10] if args.quick else [2, 4, 6, 8, 10],
            "scenarios": [1, 3, 7] if args.quick else [1, 2, 3, 5, 7],
        }
        sw = step(sweep_spec)
        if "error" in sw:
            fit_lines.append(f"- scaling sweep failed: {sw['error']}")
        else:
            pts = sw["points"]
            extra = [p for p in size_points if p["x"] > max(q["x"] for q in pts["size"])]
            fit_lines = plot_scaling(pts, OUT / "scaling.png", extra)
    total = time.perf_counter() - t_start
    md = [
        "# llrsim benchmark results",
        "",
        head + ".",
        "",
        f"Command: `python benchmarks/run.py {' '.join(sys.argv[1:])}`".rstrip()
        + f" ({total:.0f} s).",
        "Median of "
        + (f"{repeat} runs" if repeat > 1 else "1 run")
        + " per configuration (1 at full size), each configuration in a fresh process. "
        "psy = person-scenario-years (records in the model × years × scenarios); "
        "ns/psy·core = CPU seconds (all threads) per psy; llrsim/ref = kernel wall time / "
        "numpy reference wall time (same inputs, identical tallies; < 1: llrsim faster). "
        "Kernel rows: the policy kernel alone on simulate's inputs; simulate rows: the whole "
        "call (entrants, tables, scenario compilation, kernel, results).",
        "",
        table.markdown(),
        "",
        *table.notes,
        "",
        "Scaling (kernel only, `benchmarks/output/scaling.png`):",
        "",
        *fit_lines,
        "",
        f"Load average at the end: {load_average()}.",
    ]
    text = "\n".join(md) + "\n"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.md").write_text(text)
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
