"""Running the policy kernel on a population and a plan: arrays in, labelled tallies out.

This is the thin layer between readable Python and the Numba kernel: it lays the person
attributes out as the kernel expects them (one compact ``int8`` block plus wage, fte and
unemployment duration), checks shapes, and labels the integer tallies it gets back.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from llrsim.engine.kernel import policy_kernel
from llrsim.engine.plan import KernelPlan
from llrsim.engine.tallies import tallies_dataset
from llrsim.population.dynamics import DemographyTables
from llrsim.population.population import Population

#: Number of person chunks the kernel splits the population into. Chunks are the unit of
#: parallel work; results do not depend on it (integer sums), so it is fixed for speed only.
DEFAULT_CHUNKS = 16


def state_block(pop: Population) -> np.ndarray:
    """The person's small integer attributes as one ``int8`` array of shape (n, 8).

    Columns: age, sex, education, status, sector, employer_size, experience, flags. Keeping
    them together lets the kernel read one cache line per person.
    """
    return np.stack(
        [
            pop.age,
            pop.sex,
            pop.education,
            pop.status,
            pop.sector,
            pop.employer_size,
            pop.experience,
            pop.flags.view(np.int8),
        ],
        axis=1,
    ).astype(np.int8, copy=False)


def run_plan(
    pop: Population,
    entry_year: np.ndarray,
    plan: KernelPlan,
    tables: DemographyTables,
    group_predicates: np.ndarray,
    group_names: list[str],
    coef: np.ndarray,
    seed: int,
    n_chunks: int = DEFAULT_CHUNKS,
) -> xr.Dataset:
    """Simulate ``plan`` on ``pop`` and return the tally Dataset of the contract.

    ``entry_year[i]`` is the first year record ``i`` is in the model (``pop.year`` for the
    base population, later years for entrants). The first simulated year must be
    ``pop.year + 1`` (the kernel's first demography step moves from ``pop.year``).
    """
    if plan.years[0] != pop.year + 1:
        raise ValueError(
            f"years start in {plan.years[0]}, but the population is for {pop.year}: the first "
            f"simulated year must be {pop.year + 1}"
        )
    if entry_year.shape != (pop.n,):
        raise ValueError(f"entry_year has shape {entry_year.shape}, expected ({pop.n},)")
    if group_predicates.shape[0] > 63 or group_predicates.shape[0] != len(group_names):
        raise ValueError("one compiled predicate per group name, at most 63 groups")
    if n_chunks < 1:
        raise ValueError(f"n_chunks must be >= 1, got {n_chunks}")
    tp, ti = policy_kernel(
        np.int64(seed),
        np.int64(plan.years[0]),
        np.int64(len(plan.years)),
        pop.person_id,
        pop.weight,
        entry_year.astype(np.int64, copy=False),
        state_block(pop),
        pop.wage,
        pop.fte,
        pop.unemployment_months,
        tables,
        np.ascontiguousarray(group_predicates, dtype=np.int64),
        plan.kind,
        plan.active,
        plan.elig_id,
        plan.unique_elig,
        plan.act_idx,
        plan.act_n,
        plan.bal_idx,
        plan.bal_n,
        plan.q,
        np.ascontiguousarray(coef, dtype=np.float64),
        np.int64(min(n_chunks, max(pop.n, 1))),
    )
    return tallies_dataset(
        tp, ti, plan.scenarios, plan.years, group_names, plan.instruments, plan.units
    )
