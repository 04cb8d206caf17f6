"""Property tests: any valid population projects to a valid one, and nothing is lost."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llrsim.population.codes import Status
from llrsim.population.dynamics import demography_tables
from llrsim.population.population import Population
from llrsim.population.project import project, with_entrants
from llrsim.population.transitions import reference_population

TB = demography_tables(2025, 2029, base=reference_population(5000, 2024, 0))
DONORS = reference_population(5000, 2024, 1)


@st.composite
def populations(draw):
    n = draw(st.integers(1, 40))
    ints = lambda lo, hi: st.lists(st.integers(lo, hi), min_size=n, max_size=n)  # noqa: E731
    status = np.array(draw(ints(0, 6)), dtype=np.int8)
    employed = status <= Status.SELF_EMPLOYED
    employee = status <= Status.EMPLOYEE_PUBLIC
    return Population(
        year=2024,
        person_id=np.array(draw(st.permutations(range(10 * n)))[:n], dtype=np.int64),
        weight=np.array(draw(ints(1, 5000)), dtype=np.int32),
        age=np.array(draw(ints(18, 67)), dtype=np.int8),
        sex=np.array(draw(ints(0, 1)), dtype=np.int8),
        education=np.array(draw(ints(0, 2)), dtype=np.int8),
        status=status,
        sector=np.where(employed, 3, 0).astype(np.int8),
        employer_size=np.where(employee, 4, 0).astype(np.int8),
        wage=np.where(employee, 30000.0, 0.0).astype(np.float32),
        fte=np.where(employed, 1.0, 0.0).astype(np.float32),
        experience=np.array(draw(ints(0, 40)), dtype=np.int8),
        unemployment_months=np.where(status == Status.JOBSEEKER, 12, 0).astype(np.int16),
        flags=np.zeros(n, dtype=np.uint8),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pop=populations(), seed=st.integers(0, 2**31))
def test_projection_keeps_persons_valid_and_counts_every_exit(pop, seed):
    res = project(
        pop,
        range(2025, 2030),
        seed=seed,
        with_new_entrants=False,
        tables=TB,
        return_population=True,
    )
    fin = res.population
    assert fin.n == 0 or (fin.age.min() >= 18 and fin.age.max() <= 67)
    assert np.unique(fin.person_id).size == fin.n
    assert set(fin.person_id) <= set(pop.person_id)
    ev = res.events
    exits = (ev["died"] + ev["emigrated"] + ev["aged_out"]).cumsum().to_numpy()
    assert np.array_equal(ev["persons"].to_numpy(), pop.total - exits)
    assert fin.total == ev["persons"].iloc[-1]
    by_id = dict(zip(pop.person_id.tolist(), pop.weight.tolist(), strict=True))
    assert [by_id[k] for k in fin.person_id.tolist()] == fin.weight.tolist()  # weights kept
    assert np.all((fin.status >= 0) & (fin.status <= 6))
    not_emp = fin.status > Status.SELF_EMPLOYED
    assert np.all(fin.wage[not_emp] == 0) and np.all(fin.fte[not_emp] == 0)
    assert np.all(fin.unemployment_months[fin.status != Status.JOBSEEKER] == 0)
    assert np.all(np.isfinite(fin.wage)) and np.all(fin.wage >= 0)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), n_years=st.integers(1, 5))
def test_entrants_are_counted_and_ids_stay_unique(seed, n_years):
    years = range(2025, 2025 + n_years)
    full, ey = with_entrants(DONORS, years, seed)
    res = project(
        full,
        years,
        seed=seed,
        with_new_entrants=False,
        tables=TB,
        entry_year=ey,
        return_population=True,
    )
    ev = res.events
    flow = (ev["entered"] - ev["died"] - ev["emigrated"] - ev["aged_out"]).cumsum().to_numpy()
    assert np.array_equal(ev["persons"].to_numpy(), DONORS.total + flow)
    assert np.unique(res.population.person_id).size == res.population.n
    assert ev["entered"].sum() == int(full.weight[ey > 2024].sum())
