"""``llrsim.simulate()``: the baseline and the scenarios over one population and years.

The orchestrator holds no policy and no behaviour; it chooses by name and wires together,
in the one direction data flows:

population (+ entrants) → demography tables → compiled scenarios → kernel plan → kernel →
tallies → :class:`~llrsim.results.Results` (costing and indicators).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from llrsim.behaviour.coefficients import behaviour_vector, default_parameters
from llrsim.engine.build import build_plan
from llrsim.engine.run import DEFAULT_CHUNKS, run_plan
from llrsim.engine.statement import RunContext
from llrsim.errors import ParameterError
from llrsim.parameters import ParameterSet, load_parameters
from llrsim.population import groups
from llrsim.population.dynamics import demography_tables
from llrsim.population.population import Population
from llrsim.population.project import with_entrants
from llrsim.scenarios import GrowthPath, Scenario, compile_scenarios, load

ScenarioLike = str | Path | Scenario | GrowthPath

#: parameter sets a caller may override through ``params`` (name prefix -> file)
PARAMETER_FILES = ("behaviour", "demography", "costing")


def _check_years(years: Iterable[int], pop: Population) -> list[int]:
    ys = [int(y) for y in years]
    if not ys:
        raise ValueError("years: empty; give e.g. range(2025, 2035)")
    if any(b - a != 1 for a, b in itertools.pairwise(ys)):
        raise ValueError(f"years: must be consecutive and increasing, got {ys}")
    if ys[0] != pop.year + 1:
        raise ValueError(
            f"years: must start in {pop.year + 1}, the year after the population's reference "
            f"year {pop.year} (got {ys[0]}); synthesize(year={ys[0] - 1}) for another start"
        )
    if len(ys) > 60:
        raise ValueError(f"years: at most 60 years, got {len(ys)}")
    return ys


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
    return int(seed)


def resolve_parameters(
    params: Mapping[str, float] | None,
) -> dict[str, ParameterSet]:
    """The behaviour, demography and costing parameter sets with ``params`` overrides.

    ``params`` maps parameter names (``"participation.intercept"``, ``"response.beta_money"``,
    ``"health_index.growth"``, ...) to values; a name found in no set is refused.
    """
    sets = {name: load_parameters(name) for name in PARAMETER_FILES}
    sets["behaviour"] = default_parameters()
    if not params:
        return sets
    unknown = [k for k in params if not any(k in ps for ps in sets.values())]
    if unknown:
        known = sorted(k for ps in sets.values() for k in ps)
        raise ParameterError(f"params: unknown parameter(s) {unknown}; known: {known}")
    for name, ps in sets.items():
        mine = {k: float(v) for k, v in params.items() if k in ps}
        if mine:
            bad = [k for k, v in mine.items() if not np.isfinite(v)]
            if bad:
                raise ParameterError(f"params: {bad} must be finite numbers")
            sets[name] = ps.with_values(mine)
    return sets


def _items(scenarios: ScenarioLike | Sequence[ScenarioLike]) -> list[Scenario | GrowthPath]:
    if isinstance(scenarios, str | Path | Scenario | GrowthPath):
        scenarios = [scenarios]
    items = [x if isinstance(x, GrowthPath) else load(x) for x in scenarios]
    if not items:
        raise ValueError("scenarios: give at least one scenario, e.g. ['S0', 'S4']")
    return items


def _digest(item: Scenario | GrowthPath) -> str:
    if isinstance(item, Scenario):
        return item.digest()
    steps = {str(start): sc.digest() for start, sc in item.steps}
    if item.before is not None:
        steps["before"] = item.before.digest()
    text = json.dumps(steps, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def simulate(
    pop: Population,
    scenarios: ScenarioLike | Sequence[ScenarioLike],
    years: Iterable[int] = range(2025, 2035),
    seed: int = 0,
    params: Mapping[str, float] | None = None,
    *,
    n_chunks: int | None = DEFAULT_CHUNKS,
):  # -> llrsim.results.Results
    """Simulate ``scenarios`` on ``pop`` over ``years`` with common random numbers.

    Parameters
    ----------
    pop:
        Base population for 1 January of the year before ``years[0]``
        (:func:`llrsim.synthesize`); entrants (18-year-olds, immigrants) are added each year.
    scenarios:
        Names (``"S4"``), combinations (``"S1+S2+S4"``), paths to TOML files,
        :class:`~llrsim.scenarios.Scenario` objects or growth paths
        (:func:`llrsim.scenarios.phase`).
    years:
        Consecutive simulated years.
    seed:
        Key of every random draw (non-negative integer): the same seed gives the same result
        bit for bit, whatever the threads or chunks; every scenario shares the draws.
    params:
        Overrides of behaviour, demography or costing parameters by name (see
        ``data/parameters/*.toml``), e.g. ``{"response.beta_money": 0.5}``.
    n_chunks:
        Number of person chunks for parallel work; ``None`` (default) is one per numba
        thread. Speed only: results do not change.
    """
    from llrsim.costing.assumptions import CostingAssumptions
    from llrsim.results import Results

    if not isinstance(pop, Population):
        raise TypeError(f"pop: expected a Population, got {type(pop).__name__}")
    ys = _check_years(years, pop)
    seed = _check_seed(seed)
    sets = resolve_parameters(params)
    items = _items(scenarios)
    compiled = compile_scenarios(items, ys, groups.group_index(), costing=sets["costing"])
    baseline_ids = {inst.id for inst in load("S0").instruments_in_force()}
    plan = build_plan(compiled, sets["behaviour"], baseline_ids)
    full, entry_year = with_entrants(pop, ys, seed, sets["demography"])
    tables = demography_tables(ys[0], ys[-1], params=sets["demography"], base=pop)
    coef = behaviour_vector(sets["behaviour"])
    tallies = run_plan(
        full,
        entry_year.astype(np.int64),
        plan,
        tables,
        groups.compiled(),
        groups.names(),
        coef,
        seed,
        n_chunks=n_chunks,
    )
    from llrsim import __version__

    manifest: dict[str, Any] = {
        "llrsim_version": __version__,
        "scenarios": {label: _digest(x) for label, x in zip(plan.scenarios, items, strict=True)},
        "years": ys,
        "seed": seed,
        "population": {
            "year": pop.year,
            "records": pop.n,
            "persons": pop.total,
            "entrant_records": int(full.n - pop.n),
        },
        "params": {k: float(v) for k, v in (params or {}).items()},
    }
    res = Results(
        tallies,
        plan.metadata,
        it_costs=plan.it_costs,
        manifest=manifest,
        assumptions=CostingAssumptions.from_parameters(sets["costing"]),
    )
    res.context = RunContext(full, entry_year, plan, tables, coef, seed, tuple(items))
    return res
