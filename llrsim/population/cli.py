"""``llrsim population``: synthesize a population, write it to Parquet, print the validation.

Examples::

    llrsim population --year 2024 --n 100000 --seed 0 --out pop.parquet
    llrsim population --year 2024 --n full --out flanders_2024.parquet   # every resident, weight 1

``--n full`` gives the whole population (one record per person, about 4.3 million in 2024);
otherwise ``--n`` is a positive number of records. The exit status is 0 when every calibrated
target is within tolerance and 1 otherwise (reference targets never fail the command).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from llrsim.population.synthesize import YEAR_MAX, YEAR_MIN, synthesize


def _records(text: str) -> int | None:
    if text.strip().lower() == "full":
        return None
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--n must be 'full' or a positive integer, got {text!r}"
        ) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"--n must be 'full' or a positive integer, got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``llrsim population``."""
    parser.add_argument(
        "--year", type=int, default=2024, help=f"reference year {YEAR_MIN}-{YEAR_MAX} (1 January)"
    )
    parser.add_argument(
        "--n",
        type=_records,
        default=100_000,
        metavar="N|full",
        help="number of records, or 'full' for every resident with weight 1 (default 100000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (integer >= 0)")
    parser.add_argument("--out", type=Path, default=None, help="Parquet file to write")
    parser.add_argument(
        "--all-columns", action="store_true", help="print the source column of the validation too"
    )


def run(args: argparse.Namespace) -> int:
    """Synthesize, write, print the validation table; 0 when calibrated targets are met."""
    try:
        pop = synthesize(year=args.year, n=args.n, seed=args.seed)
    except ValueError as exc:
        print(f"llrsim population: error: {exc}", file=sys.stderr)
        return 2
    if args.out is not None:
        pop.to_parquet(args.out)
        print(f"wrote {args.out}: {pop.n:,} records, {pop.total:,} persons, year {pop.year}")
    table = pop.validate()
    shown = table if args.all_columns else table.drop(columns=["source"])
    with pd.option_context(
        "display.max_rows", None, "display.width", 200, "display.float_format", "{:.6g}".format
    ):
        print(shown.to_string(index=False))
    failed = table[table["calibrated"] & ~table["within_tolerance"]]
    n_ref = int((~table["calibrated"] & ~table["within_tolerance"]).sum())
    print(
        f"{len(table)} targets: {len(failed)} calibrated target(s) outside tolerance; "
        f"{n_ref} reference target(s) outside tolerance (see data/population/*.toml)"
    )
    return 0 if failed.empty else 1
