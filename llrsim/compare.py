"""``llrsim compare``: the main job — S0-S6 on the default population, report, Excel, Parquet.

Examples::

    llrsim compare                                   # S0-S6, n=100,000, 2025-2034
    llrsim compare --scenarios S0,S4,S1+S2+S4,my.toml --years 2025-2030 --out results
    llrsim compare --n full --seed 1                 # every resident (slow, several GB)

It synthesizes a weighted population for ``--base-year`` (:func:`llrsim.synthesize`),
simulates the scenarios over ``--years`` (:func:`llrsim.simulate`; the first scenario is
the baseline unless S0 is among them) and writes into ``--out`` (default ``llrsim-output``):

- ``report.html``: the self-contained report (:func:`llrsim.report.write_report`) with the
  inventory of existing incentives and every scenario's answers to the five questions;
- ``llrsim.xlsx``: the workbook for budget officers (:meth:`llrsim.Results.to_excel`);
- ``parquet/``: the tidy tables and their manifest (:meth:`llrsim.Results.to_parquet`);
- ``llrsim-compare.json``: the marker of an llrsim output folder (arguments, files, run
  manifest).

Nothing incomplete is ever left under the output name: everything is written into a
temporary sibling folder that is renamed to ``--out`` only when every file is complete. An
existing ``--out`` is replaced only if it is an earlier llrsim output (it holds the marker)
or an empty folder; anything else is refused. Every argument (scenario names and files,
years, sample size, seed, output folder) is checked before the population is synthesized;
bad input ends with a one-line message and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import llrsim
from llrsim.errors import LlrsimError

if TYPE_CHECKING:
    import pandas as pd

    from llrsim.results import Results
    from llrsim.scenarios import Scenario

MARKER = "llrsim-compare.json"
"""File that marks a folder as an ``llrsim compare`` output (so it may be replaced)."""

MARKER_KEY = "llrsim_compare"
"""Top-level key of the marker file (a JSON file with this key is an llrsim output)."""

REPORT = "report.html"
EXCEL = "llrsim.xlsx"
PARQUET = "parquet"

DEFAULT_SCENARIOS = "S0,S1,S2,S3,S4,S5,S6"
DEFAULT_YEARS = "2025-2034"
DEFAULT_N = "100000"
DEFAULT_BASE_YEAR = 2024
DEFAULT_OUT = "llrsim-output"

SEED_LIMIT = 2**63  #: seeds are integers in [0, 2**63) (the synthesis' generator key)
MAX_YEARS = 60  #: longest horizon ``llrsim.simulate`` accepts (years)

T = TypeVar("T")


class CompareError(LlrsimError, ValueError):
    """A bad ``llrsim compare`` argument or a refused output folder (one-line message)."""


@dataclass(frozen=True)
class CompareArgs:
    """The validated arguments of one ``llrsim compare`` run."""

    scenarios: tuple[str, ...]  #: as given (names, combinations or TOML paths), run order
    years: tuple[int, ...]  #: consecutive simulated years
    n: int | None  #: records of the synthetic population; None = every resident
    seed: int  #: key of every random draw
    base_year: int  #: reference year of the population (1 January)
    out: Path  #: output folder (absolute)
    loaded: tuple[Scenario, ...]  #: the scenarios, loaded and validated, run order


# -------------------------------------------------------------------------- arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``llrsim compare`` (all parsed as text and validated by :func:`validate`,
    so that every bad value ends with the same one-line message)."""
    parser.add_argument(
        "--scenarios",
        default=DEFAULT_SCENARIOS,
        metavar="LIST",
        help="comma-separated scenarios: shipped names (S4), combinations (S1+S2+S4) or "
        f"paths to TOML files (default {DEFAULT_SCENARIOS}); S0, if present, is the baseline, "
        "else the first",
    )
    parser.add_argument(
        "--years",
        default=DEFAULT_YEARS,
        metavar="FIRST-LAST",
        help=f"simulated years, FIRST = base year + 1 (default {DEFAULT_YEARS})",
    )
    parser.add_argument(
        "--n",
        default=DEFAULT_N,
        metavar="N|full",
        help="records of the synthetic population, or 'full' for every resident "
        f"(default {DEFAULT_N})",
    )
    parser.add_argument("--seed", default="0", help="random seed, integer >= 0 (default 0)")
    parser.add_argument(
        "--base-year",
        default=str(DEFAULT_BASE_YEAR),
        metavar="YEAR",
        help=f"reference year of the population, 1 January (default {DEFAULT_BASE_YEAR})",
    )
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"output folder (default ./{DEFAULT_OUT}); an earlier llrsim output is replaced",
    )


def _integer(text: str, option: str) -> int:
    cleaned = str(text).strip().replace("_", "")
    if not re.fullmatch(r"[+-]?\d+", cleaned):
        raise CompareError(f"{option}: expected an integer, got {text!r}")
    return int(cleaned)


def parse_records(text: str) -> int | None:
    """``--n``: a positive number of records, or None for ``full`` (every resident)."""
    if str(text).strip().lower() == "full":
        return None
    n = _integer(text, "--n")
    if n <= 0:
        raise CompareError(f"--n: must be 'full' or a positive integer, got {n}")
    return n


def parse_years(text: str, base_year: int) -> tuple[int, ...]:
    """``--years``: ``FIRST-LAST`` (or one year) with FIRST = ``base_year + 1``, at most
    :data:`MAX_YEARS` years."""
    m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", str(text))
    if m is None:
        raise CompareError(f"--years: expected FIRST-LAST like 2025-2034, got {text!r}")
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) is not None else first
    if last < first:
        raise CompareError(f"--years: last year {last} is before first year {first}")
    if first != base_year + 1:
        raise CompareError(
            f"--years: must start in {base_year + 1}, the year after --base-year {base_year} "
            f"(got {first}); use --base-year {first - 1} to start in {first}"
        )
    if last - first + 1 > MAX_YEARS:
        raise CompareError(f"--years: at most {MAX_YEARS} years, got {last - first + 1}")
    return tuple(range(first, last + 1))


def parse_scenarios(text: str) -> tuple[str, ...]:
    """``--scenarios``: comma-separated, non-empty, no repeats (as given, run order)."""
    items = tuple(part.strip() for part in str(text).split(","))
    if not items or any(not x for x in items):
        raise CompareError(f"--scenarios: empty item in {text!r}; give e.g. S0,S4,S1+S2+S4")
    seen = [x for i, x in enumerate(items) if x in items[:i]]
    if seen:
        raise CompareError(f"--scenarios: {seen[0]!r} given twice")
    return items


def _is_llrsim_output(folder: Path) -> bool:
    marker = folder / MARKER
    if not marker.is_file():
        return False
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False  # an unreadable marker does not prove the folder is ours
    return isinstance(data, dict) and MARKER_KEY in data


def check_output(out: Path) -> None:
    """Refuse an ``--out`` that exists and is not replaceable (not an llrsim output folder,
    not an empty folder) or whose parent cannot hold a folder."""
    if out.is_symlink():
        raise CompareError(f"--out: {out} is a symbolic link; give the real folder")
    if out.exists():
        if not out.is_dir():
            raise CompareError(f"--out: {out} exists and is not a folder; not replacing it")
        if any(out.iterdir()) and not _is_llrsim_output(out):
            raise CompareError(
                f"--out: {out} exists and is not an llrsim output (no {MARKER}); "
                "not replacing it: give another --out or remove the folder"
            )
    for ancestor in out.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise CompareError(f"--out: {ancestor} is not a folder")
            break


def validate(args: argparse.Namespace) -> CompareArgs:
    """Check every argument of ``llrsim compare`` (cheap; before any expensive work).

    Scenario files are loaded and compiled for the years, so an unknown name, an invalid
    file or a rule without a value for a simulated year is refused here, not after the
    synthesis. Raises :class:`CompareError` (or the library's ``ScenarioError``).
    """
    from llrsim.population import groups
    from llrsim.population.synthesize import YEAR_MAX, YEAR_MIN
    from llrsim.scenarios import compile_scenarios

    base_year = _integer(args.base_year, "--base-year")
    if not YEAR_MIN <= base_year <= YEAR_MAX:
        raise CompareError(f"--base-year: must be in [{YEAR_MIN}, {YEAR_MAX}], got {base_year}")
    years = parse_years(args.years, base_year)
    n = parse_records(args.n)
    seed = _integer(args.seed, "--seed")
    if not 0 <= seed < SEED_LIMIT:
        raise CompareError(f"--seed: must be an integer in [0, 2**63), got {seed}")
    names = parse_scenarios(args.scenarios)
    loaded = _load_all(names)
    labels = [s.id for s in loaded]
    dup = [x for i, x in enumerate(labels) if x in labels[:i]]
    if dup:
        raise CompareError(f"--scenarios: two scenarios have the same id {dup[0]!r}")
    compile_scenarios(loaded, list(years), groups.group_index())
    out = Path(os.path.abspath(Path(args.out).expanduser()))
    check_output(out)
    return CompareArgs(names, years, n, seed, base_year, out, tuple(loaded))


def _load_all(names: tuple[str, ...]) -> list[Scenario]:
    from llrsim.scenarios import load

    return [load(x) for x in names]


# -------------------------------------------------------------------------- outputs


def _scenario_row(s: Scenario) -> dict[str, str]:
    """The scenario-level answers (description, awareness/friction/admin-cost effects, IT
    cost) that no instrument row carries: without it S1 and S2 would read like S0."""
    e = s.describe().attrs["effects"]

    def scope(key: str) -> str:
        return ", ".join(e[key])

    effects = (
        f"awareness uplift {e['awareness_uplift']:g} ({scope('awareness_scope')}); "
        f"friction reduction {e['friction_reduction']:g} ({scope('friction_scope')}); "
        f"admin cost reduction {e['admin_cost_reduction']:g} ({scope('admin_cost_scope')})"
    )
    notes = "".join(f"; note: {n}" for n in s.notes)
    return {
        "instrument": "(scenario)",
        "name": s.description or s.name,
        "target_group": "per instrument (rows below)",
        "training_types": "per instrument (rows below)",
        "financing": f"IT cost {e['it_cost_oneoff_eur']:,.0f} EUR once, "
        f"{e['it_cost_yearly_eur']:,.0f} EUR per year",
        "competence": "-",
        "mechanism": effects + notes,
    }


def descriptions(scenarios: list[Scenario]) -> pd.DataFrame:
    """The five questions for every scenario run, in run order: per scenario one
    scenario-level row (description, effects, IT cost) and one row per instrument in force
    (``Scenario.describe()``: target group, eligible training, financing, competence level,
    mechanism), with the scenario id and title first."""
    import pandas as pd

    frames = []
    for s in scenarios:
        d = pd.concat(
            [pd.DataFrame([_scenario_row(s)]), s.describe().reset_index()], ignore_index=True
        )
        d.insert(0, "scenario", s.id)
        d.insert(1, "scenario_title", s.title or s.name)
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


def summary(res: Results, baseline: str) -> pd.DataFrame:
    """Terminal summary per scenario: total cost over the period (M EUR, nominal, all
    funders and components), extra cost versus ``baseline`` (M EUR), training participants
    and additional participants versus ``baseline`` (persons per year, average over the
    years; additional = deadweight excluded) and extra cost per additional participant
    (EUR, nominal; empty when there are none)."""
    import pandas as pd

    cmp = res.compare(baseline, by=["scenario"])
    n_years = len(res.years)
    return pd.DataFrame(
        {
            "scenario": cmp["scenario"],
            "cost (M EUR)": cmp["cost_eur"] / 1e6,
            f"extra vs {baseline} (M EUR)": cmp["extra_cost_eur"] / 1e6,
            "participants/yr": cmp["participants"] / n_years,
            "additional/yr": cmp["additional_participants"] / n_years,
            "EUR per additional": cmp["cost_per_additional_participant_eur"],
        }
    )


def format_summary(table: pd.DataFrame, years: tuple[int, ...]) -> str:
    """``summary`` as fixed-width text with the period in the title."""
    import pandas as pd

    def money(v: float) -> str:
        return f"{v:,.1f}"

    def count(v: float) -> str:
        return f"{v:,.0f}"

    def per(v: object) -> str:
        return "-" if pd.isna(v) else f"{float(v):,.0f}"  # type: ignore[arg-type]

    fmt: dict[str, Callable[[Any], str]] = {}
    for col in table.columns:
        if "M EUR" in col:
            fmt[col] = money
        elif col.startswith("EUR per"):
            fmt[col] = per
        elif col != "scenario":
            fmt[col] = count
    text = table.copy()
    for col, f in fmt.items():  # pandas skips formatters on <NA>: format every cell here
        text[col] = [f(v) for v in table[col]]
    title = (
        f"Total {years[0]}-{years[-1]} per scenario (cost nominal, all funders; "
        "participants: persons per year, average)"
    )
    return title + "\n" + text.to_string(index=False)


def _write_marker(folder: Path, a: CompareArgs, res: Results, baseline: str) -> None:
    data = {
        MARKER_KEY: {
            "llrsim_version": llrsim.__version__,
            "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "arguments": {
                "scenarios": list(a.scenarios),
                "years": [a.years[0], a.years[-1]],
                "n": "full" if a.n is None else a.n,
                "seed": a.seed,
                "base_year": a.base_year,
            },
            "baseline": baseline,
            "files": [REPORT, EXCEL, f"{PARQUET}/"],
        },
        "manifest": res.manifest,
    }
    (folder / MARKER).write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def _usual_permissions(folder: Path) -> None:
    """Give ``folder`` and everything in it the permissions of a plain ``mkdir``/``open``
    under the current umask: ``tempfile`` creates the temporary folder and the atomic
    writers' files private (0700/0600), which is right while writing but not for the
    published output other users or tools may read."""
    from llrsim.report.export import usual_permissions

    usual_permissions(folder)
    for root, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            usual_permissions(Path(root, name))


def _publish(tmp: Path, out: Path) -> None:
    """Rename the finished ``tmp`` folder to ``out``, replacing an earlier llrsim output
    (checked again: the folder may have changed while the run was going)."""
    from llrsim.report.export import replace_folder

    check_output(out)
    replace_folder(tmp, out)


# -------------------------------------------------------------------------- run


def _stage(label: str, fn: Callable[[], T]) -> T:
    """Run one stage, printing its name and wall time (seconds) on stderr."""
    print(f"llrsim compare: {label} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    value = fn()
    print(f"llrsim compare: {label}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return value


def _library(fn: Callable[[], T]) -> T:
    """Call synthesize/simulate; a ``ValueError`` (bad input the library refuses) becomes a
    :class:`CompareError`, so it ends as a one-line message, not a traceback."""
    try:
        return fn()
    except LlrsimError:
        raise
    except ValueError as exc:
        raise CompareError(str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    """Validate, synthesize, simulate, write report/Excel/Parquet atomically, print the
    summary and the output paths. Returns 0; errors raise :class:`CompareError` (exit 2)."""
    t_start = time.perf_counter()
    a = validate(args)  # silent: bad input gets exactly one line on stderr
    loaded = list(a.loaded)
    baseline = "S0" if "S0" in [s.id for s in loaded] else loaded[0].id
    n_text = "full" if a.n is None else f"{a.n:,}"
    pop = _stage(
        f"synthesize (base year {a.base_year}, n={n_text}, seed {a.seed})",
        lambda: _library(lambda: llrsim.synthesize(year=a.base_year, n=a.n, seed=a.seed)),
    )
    res: Results = _stage(
        f"simulate {','.join(s.id for s in loaded)} over {a.years[0]}-{a.years[-1]}",
        lambda: _library(lambda: llrsim.simulate(pop, loaded, years=a.years, seed=a.seed)),
    )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=a.out.parent, prefix=f".{a.out.name}.tmp-"))
    try:
        from llrsim.report import write_report
        from llrsim.scenarios import inventory

        _stage(
            f"write {REPORT}",
            lambda: write_report(
                res, tmp / REPORT, inventory(), descriptions(loaded), baseline=baseline
            ),
        )
        _stage(f"write {EXCEL}", lambda: res.to_excel(tmp / EXCEL, baseline=baseline))
        _stage(f"write {PARQUET}/", lambda: res.to_parquet(tmp / PARQUET, baseline=baseline))
        _write_marker(tmp, a, res, baseline)
        _usual_permissions(tmp)
        _publish(tmp, a.out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(format_summary(summary(res, baseline), a.years))
    print(f"\nwrote {a.out}/")
    for name in (REPORT, EXCEL, f"{PARQUET}/"):
        print(f"  {a.out / name}")
    print(f"llrsim compare: done in {time.perf_counter() - t_start:.1f} s", file=sys.stderr)
    return 0
