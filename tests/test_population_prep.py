"""The per-run preparation stages (entrants, demography tables): fast routes, same numbers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llrsim.errors import DataError
from llrsim.population import dynamics
from llrsim.population.codes import Status
from llrsim.population.dynamics import _weighted_select, demography_tables
from llrsim.population.population import Population
from llrsim.population.project import concat, entrants, with_entrants
from llrsim.population.transitions import reference_population, stocks_from_population

YEARS = range(2025, 2035)


@pytest.fixture(scope="module")
def pop():
    return reference_population(20_000, year=2024, seed=5)


def _tables_equal(a, b):
    for name, x in a._asdict().items():
        y = getattr(b, name)
        assert np.asarray(x).dtype == np.asarray(y).dtype, name
        assert np.array_equal(x, y), name


def _weighted_median(values, weights):
    """The weighted median by a stable sort and a cumulative sum (the rule of the tables)."""
    order = np.argsort(values, kind="stable")
    cw = np.cumsum(weights[order].astype(float))
    return float(values[order][np.searchsorted(cw, 0.5 * cw[-1])])


def test_one_pass_tallies_equal_plain_numpy_sums(pop):
    """Each tally of the one-pass kernel equals the numpy computation over the records."""
    early = dynamics._early_hazards(dynamics.load_parameters("demography"))
    t = dynamics._base_tallies(pop, early, 65)
    np.testing.assert_array_equal(t.stocks.astype(np.float64), stocks_from_population(pop))
    ages = pop.age.astype(np.int64)
    w = pop.weight.astype(np.int64)
    np.testing.assert_array_equal(t.age_total, np.bincount(ages, weights=w, minlength=128))
    stud = pop.status == Status.STUDENT
    np.testing.assert_array_equal(
        t.age_students, np.bincount(ages[stud], weights=w[stud], minlength=128)
    )
    for k in range(3):
        m = pop.status == k
        cell = pop.sector[m].astype(np.int64) * 6 + pop.employer_size[m]
        np.testing.assert_array_equal(
            t.job_cells[k], np.bincount(cell, weights=w[m], minlength=t.job_cells.shape[1])
        )
    emp = (pop.status <= Status.EMPLOYEE_PUBLIC) & (pop.wage > 0)
    for e in range(3):
        m = emp & (pop.age <= 29) & (pop.education == e)
        assert t.wage_median[e] == _weighted_median(pop.wage[m].astype(float), pop.weight[m])
    for s in (0, 1):
        m = (pop.sex == s) & (pop.age >= 25) & (pop.age <= 29) & (pop.status != Status.STUDENT)
        np.testing.assert_array_equal(
            t.upgrade_mix[s], np.bincount(pop.education[m], weights=w[m], minlength=3)
        )


def test_tables_do_not_depend_on_the_record_order(pop):
    fast = demography_tables(2025, 2034, base=pop)
    shuffled = pop.take(np.random.default_rng(2).permutation(pop.n))
    _tables_equal(fast, demography_tables(2025, 2034, base=shuffled))


def test_a_code_out_of_range_is_refused(pop):
    cols = pop.columns()
    cols["sex"] = cols["sex"].copy()
    cols["sex"][0] = 5
    odd = Population(year=pop.year, **cols)
    with pytest.raises(DataError, match=r"record 0 \(person_id \d+\) has a code outside"):
        demography_tables(2025, 2034, base=odd)


def test_no_paid_employee_of_an_education_is_refused(pop):
    keep = ~((pop.education == 2) & (pop.status <= 1))
    with pytest.raises(DataError, match="no paid employees with education 2"):
        demography_tables(2025, 2034, base=pop.take(np.flatnonzero(keep)))


def test_weighted_select_equals_the_sorted_weighted_median():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 10, 101, 5000):
        for _ in range(20):
            v = rng.integers(0, 40, n).astype(np.float64)  # many ties
            w = rng.integers(0, 4, n).astype(np.int32)  # zero weights too
            want = _weighted_median(v, w)
            got = _weighted_select(v.copy(), w.astype(np.int64))
            assert got == want


def test_pension_ages_follow_the_last_row_in_force():
    ages = dynamics._pension_ages(2020, 2031)
    assert ages.dtype == np.int64
    assert list(ages) == [65] * 5 + [66] * 5 + [67] * 2
    with pytest.raises(DataError, match="no pension age for year 2000"):
        dynamics._pension_ages(2000, 2030)


def test_with_entrants_equals_base_then_entrants(pop):
    full, ey = with_entrants(pop, YEARS, seed=3)
    ent, ey_ent = entrants(pop, YEARS, seed=3)
    assert full.equals(concat(pop, ent))
    assert np.array_equal(ey, np.concatenate([np.full(pop.n, 2024, np.int16), ey_ent]))
    assert ey.dtype == np.int16


def test_with_entrants_refuses_duplicate_ids(pop):
    cols = pop.columns()
    cols["person_id"] = cols["person_id"].copy()
    cols["person_id"][1] = cols["person_id"][0]
    dup = Population(year=pop.year, **cols)
    with pytest.raises(ValueError, match="not unique"):
        with_entrants(dup, YEARS, seed=1)
    with pytest.raises(ValueError, match="not unique"):
        with_entrants(pop, [2025, 2025], seed=1)


def test_entrants_without_18_year_olds_are_refused(pop):
    no18 = pop.take(np.flatnonzero(pop.age != 18))
    with pytest.raises(DataError, match="no 18-year-olds"):
        entrants(no18, YEARS, seed=1)


@settings(max_examples=100, deadline=None)  # the first example compiles the kernels
@given(
    st.lists(st.integers(0, 50), min_size=1, max_size=60),
    st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=1, max_size=20),
)
def test_donor_pick_equals_a_clipped_searchsorted(weights, draws):
    """The guide-table search picks the donor a plain cumulative-weight search picks."""
    from llrsim.population.project import _pick_in, _pool_cums

    w = np.asarray(weights, dtype=np.int64)
    pools = np.arange(w.size, dtype=np.int64)
    starts = np.array([0, w.size], dtype=np.int64)
    cum, guide = _pool_cums(pools, starts, w)
    plain = np.cumsum(w.astype(np.float64))
    for u in draws:
        want = min(int(np.searchsorted(plain, u * plain[-1], side="right")), w.size - 1)
        assert _pick_in(pools, cum, guide, 0, 0, w.size, u) == want
