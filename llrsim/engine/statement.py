"""One person's rights overview, the way a digital overview (S1, *opleidingstegoed*) shows it.

``Results.statement(person_id, year)`` re-runs the kernel for that single record. Because
every draw is keyed by (seed, person id, year), the person lives exactly the same life as in
the full run, so the single-record tallies *are* that person's ledger. For each scenario and
instrument the statement shows: in force or not, eligible or not and why (the conditions of
the eligibility rule the person does not meet), the balance at the start and end of the
year, what was accrued, used and lost, what the person and the public paid, and when the
remaining balance expires (first in, first out by vintage).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from llrsim.engine import mechanisms as m
from llrsim.engine.plan import KernelPlan
from llrsim.engine.run import run_plan
from llrsim.population import groups
from llrsim.population.codes import Education, EmployerSize, Flag, Sector, Sex, Status
from llrsim.population.dynamics import DemographyTables
from llrsim.population.population import Population
from llrsim.population.project import project
from llrsim.predicates import Predicate
from llrsim.scenarios import GrowthPath, Scenario


@dataclass(frozen=True)
class RunContext:
    """What a statement needs to replay one person of a simulation run."""

    population: Population  # base records and entrants
    entry_year: np.ndarray
    plan: KernelPlan
    tables: DemographyTables
    coef: np.ndarray
    seed: int
    items: tuple[Scenario | GrowthPath, ...]


_NAMES = {
    "sexes": Sex,
    "statuses": Status,
    "education": Education,
    "employer_sizes": EmployerSize,
    "sectors": Sector,
}
_ATTR = {
    "sexes": "sex",
    "statuses": "status",
    "education": "education",
    "employer_sizes": "employer_size",
    "sectors": "sector",
}
_SHORTHANDS = {
    "employed": {"employee_private", "employee_public", "self_employed"},
    "employee": {"employee_private", "employee_public"},
}


def unmet_conditions(pred: Predicate, person: dict[str, Any]) -> list[str]:
    """The conditions of ``pred`` that ``person`` (attribute -> code) does not meet, in words."""
    out = []
    age = int(person["age"])
    if not pred.age_min <= age <= pred.age_max:
        out.append(f"age {age} outside {pred.age_min}-{pred.age_max}")
    for field, enum in _NAMES.items():
        allowed = getattr(pred, field)
        if allowed is None:
            continue
        names: set[str] = set()
        for a in allowed:
            names |= _SHORTHANDS.get(a, {a})
        have = enum(int(person[_ATTR[field]])).name.lower()
        if have not in names:
            out.append(f"{_ATTR[field]} is {have}, needs {', '.join(allowed)}")
    for flag in pred.flags:
        if not int(person["flags"]) & (1 << int(Flag[flag.upper()])):
            out.append(f"no {flag.replace('_', ' ')}")
    if int(person["experience"]) < pred.min_experience_years:
        out.append(f"{person['experience']} years of experience, needs {pred.min_experience_years}")
    if int(person["unemployment_months"]) < pred.min_unemployment_months:
        out.append(
            f"{person['unemployment_months']} months unemployed, needs "
            f"{pred.min_unemployment_months}"
        )
    if pred.any_of_groups:
        member = [g for g in pred.any_of_groups if person["groups"].get(g, False)]
        if not member:
            out.append(f"in none of the groups {', '.join(pred.any_of_groups)}")
    return out


def _fifo_vintages(ds_person, expiry: int, upto: int) -> dict[int, int]:
    """Remaining balance by year of accrual after year index ``upto`` (exact replay of the
    kernel's order: inflows of the year, then FIFO outflows, then expiry at year end)."""
    vint: dict[int, int] = {}
    for t in range(upto + 1):
        row = {v: int(ds_person[v].values[t]) for v in ds_person.data_vars}
        inflow = row["accrued"] + row["exchanged_in"]
        if inflow:
            vint[t] = vint.get(t, 0) + inflow
        out = row["spent"] + row["exchanged_out"] + row["forfeited"]
        for k in sorted(vint):
            take = min(out, vint[k])
            vint[k] -= take
            out -= take
        if expiry > 0 and t - expiry + 1 in vint:
            lost = vint.pop(t - expiry + 1)
            if lost != row["expired"]:
                raise RuntimeError(
                    f"statement replay disagrees with the kernel: expired {lost} vs "
                    f"{row['expired']} in year index {t}"
                )
    return {k: v for k, v in vint.items() if v > 0}


def statement(ctx: RunContext, person_id: int, year: int) -> pd.DataFrame:
    """Rights overview of ``person_id`` in ``year`` under every scenario of the run."""
    plan = ctx.plan
    if year not in plan.years:
        raise ValueError(f"year: {year} not simulated; years {plan.years[0]}-{plan.years[-1]}")
    hits = np.flatnonzero(ctx.population.person_id == person_id)
    if hits.size != 1:
        raise ValueError(f"person_id: {person_id} is not a record of this run")
    one = ctx.population.take(hits)
    one.weight[:] = 1
    entry = ctx.entry_year[hits].astype(np.int64)
    yi = plan.years.index(year)
    ds = run_plan(one, entry, plan, ctx.tables, groups.compiled(), groups.names(), ctx.coef,
                  ctx.seed, n_chunks=1)  # fmt: skip
    if int(ds["persons"].sel(scenario=plan.scenarios[0], group="all", year=year)) == 0:
        raise ValueError(f"person {person_id} is not in the model in {year} (not yet entered "
                         f"or left: death, emigration or past the upper age)")  # fmt: skip
    state = project(
        one,
        range(plan.years[0], year + 1),
        seed=ctx.seed,
        return_population=True,
        with_new_entrants=False,
        tables=ctx.tables,
        entry_year=entry,
    ).population
    person = {k: v[0] for k, v in state.columns().items()}
    person["groups"] = {g: bool(v[0]) for g, v in groups.membership(state).items()}
    rows = []
    for s, label in enumerate(plan.scenarios):
        item = ctx.items[s]
        sc = item.in_force(year) if isinstance(item, GrowthPath) else item
        in_force = {inst.id: inst for inst in sc.instruments_in_force()}
        for j, iid in enumerate(plan.instruments):
            cell = ds.sel(scenario=label, group="all", instrument=iid)
            at = cell.sel(year=year)
            holds = int(at["opening"]) or int(at["closing"]) or int(at["forfeited"])
            if iid not in in_force and not holds:
                continue
            unit = plan.units[j]
            scale = 100.0 if unit == "cent" else 60.0
            kind = int(plan.kind[j])
            eligible = bool(int(at["eligible"]))
            if iid not in in_force:
                why = "not in force in this scenario and year"
            elif eligible:
                why = ""
            else:
                why = "; ".join(unmet_conditions(in_force[iid].eligibility, person)) or (
                    "eligible by the rule, but no balance can be used this year"
                )
            expiring = ""
            if kind in m.BALANCE_KINDS:
                expiry = int(plan.q[s, yi, j, m.Q_EXPIRY_YEARS])
                vint = _fifo_vintages(cell, expiry, yi)
                if expiry > 0:
                    expiring = "; ".join(
                        f"{v / scale:,.2f} at the end of {plan.years[0] + t + expiry - 1}"
                        for t, v in sorted(vint.items())
                    )
            rows.append(
                {
                    "scenario": label,
                    "instrument": iid,
                    "name": in_force[iid].name if iid in in_force else iid,
                    "unit": "EUR" if unit == "cent" else "hours",
                    "in_force": iid in in_force,
                    "eligible": eligible,
                    "why_not": why,
                    "opening": int(at["opening"]) / scale,
                    "accrued": int(at["accrued"]) / scale,
                    "used": int(at["spent"]) / scale,
                    "expired": int(at["expired"]) / scale,
                    "exchanged_in": int(at["exchanged_in"]) / scale,
                    "exchanged_out": int(at["exchanged_out"]) / scale,
                    "closing": int(at["closing"]) / scale,
                    "public_eur": int(at["public_cents"]) / 100.0,
                    "own_eur": int(at["own_cents"]) / 100.0,
                    "uses": int(at["transactions"]),
                    "expiring": expiring,
                }
            )
    return pd.DataFrame(rows)
