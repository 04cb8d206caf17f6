"""``llrsim montecarlo``: a Monte Carlo run from the command line, quantile tables on disk.

Examples::

    llrsim montecarlo --scenarios S0,S4 --n 200 --checkpoint runs/mc1 --out mc1
    llrsim montecarlo --scenarios S0,S4 --n 200 --backend dask --checkpoint runs/
    llrsim montecarlo --scenarios S0,S4 --n 64 --sampler saltelli --uncertain my.toml
    llrsim montecarlo --backend dask --scheduler tcp://10.0.0.5:8786 --n 1000

It synthesizes a population of ``--records`` records for ``--base-year`` (seeded by
``--seed``; or reads ``--population FILE``), runs
:func:`llrsim.montecarlo` and writes into ``--out`` (default ``llrsim-montecarlo``) the
quantile tables of :meth:`MonteCarloResults.summary_tables` (cost by scenario, year and
funder; take-up and participation; paired cost differences against the baseline; the
parameter samples; Sobol' indices with ``--sampler saltelli``) as CSV or Parquet, and
``manifest.json``. With ``--checkpoint`` every draw is on disk as soon as it is done and the
same command resumes an interrupted run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from llrsim.montecarlo.backends import BACKENDS
from llrsim.montecarlo.run import MonteCarloError
from llrsim.montecarlo.sampling import SAMPLERS


def _positive(text: str) -> int:
    try:
        v = int(str(text).replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {v}")
    return v


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``llrsim montecarlo``."""
    parser.add_argument(
        "--scenarios",
        default="S0,S4",
        metavar="LIST",
        help="comma-separated scenarios, e.g. S0,S4,S1+S2+S4 (default S0,S4)",
    )
    parser.add_argument(
        "--n",
        type=_positive,
        default=200,
        help="draws (for --sampler saltelli: base sample size N) (default 200)",
    )
    parser.add_argument(
        "--records",
        type=_positive,
        default=100_000,
        help="records of the synthetic population (default 100000)",
    )
    parser.add_argument(
        "--population",
        type=Path,
        default=None,
        metavar="FILE",
        help="a population Parquet file (llrsim population --out) instead of synthesizing",
    )
    parser.add_argument(
        "--base-year",
        type=int,
        default=2024,
        help="reference year of the population (default 2024)",
    )
    parser.add_argument(
        "--years",
        default="2025-2034",
        metavar="FIRST-LAST",
        help="simulated years, starting the year after --base-year",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the run (default 0)")
    parser.add_argument(
        "--sampler", choices=SAMPLERS, default="lhs", help="sample design (default lhs)"
    )
    parser.add_argument(
        "--uncertain",
        default=None,
        metavar="all|FILE.toml|NAMES",
        help="uncertain inputs: 'all', a TOML file of specs, or comma-separated "
        "parameter names (default: every ranged behaviour parameter)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="where draws run (default processes on more than one core)",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="worker processes (default: the cores; dask: 2)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address (with --backend dask); default a local cluster",
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        metavar="DIR",
        help="write each draw at once into DIR; rerunning resumes",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("llrsim-montecarlo"),
        metavar="DIR",
        help="folder for the quantile tables (default ./llrsim-montecarlo)",
    )
    parser.add_argument(
        "--format", choices=("csv", "parquet"), default="csv", help="table format (default csv)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def _uncertain(text: str | None) -> str | list[str] | None:
    if text is None or text == "all" or text.endswith(".toml"):
        return text
    names = [x.strip() for x in text.split(",")]
    if any(not x for x in names):
        raise MonteCarloError(f"--uncertain: empty name in {text!r}")
    return names


def run(args: argparse.Namespace) -> int:
    """Synthesize, run the Monte Carlo, write the tables; print the cost summary."""
    from llrsim.compare import parse_scenarios, parse_years
    from llrsim.montecarlo.run import montecarlo
    from llrsim.population.synthesize import synthesize

    if args.seed < 0:
        raise MonteCarloError(f"--seed: must be a non-negative integer, got {args.seed}")
    scenarios = list(parse_scenarios(args.scenarios))
    pop = None
    if args.population is not None:
        from llrsim.population.population import Population

        pop = Population.read_parquet(args.population)
    years = parse_years(args.years, args.base_year if pop is None else pop.year)
    uncertain = _uncertain(args.uncertain)
    if args.scheduler is not None and args.backend != "dask":
        raise MonteCarloError("--scheduler: only with --backend dask")
    client = None
    if args.scheduler is not None:
        from dask.distributed import Client

        client = Client(args.scheduler)
    try:
        if pop is None:
            pop = synthesize(year=args.base_year, n=args.records, seed=args.seed)
        mc = montecarlo(
            pop,
            scenarios,
            n=args.n,
            years=years,
            seed=args.seed,
            uncertain=uncertain,
            sampler=args.sampler,
            backend=args.backend,
            client=client,
            workers=args.workers,
            checkpoint=args.checkpoint,
            progress=not args.quiet,
        )
    finally:
        if client is not None:
            client.close()
    paths = mc.write(args.out, fmt=args.format)
    total = mc.quantiles("cost", by=["scenario"])
    with pd.option_context("display.width", 200, "display.float_format", "{:,.0f}".format):
        print(f"total cost {years[0]}-{years[-1]} over {mc.n_draws} draws (nominal EUR):")
        print(total.to_string(index=False))
    print(f"wrote {len(paths)} files to {args.out}", file=sys.stderr)
    return 0
