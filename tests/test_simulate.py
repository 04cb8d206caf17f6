"""simulate(): end to end on S0-S6, invariances, ledgers, growth paths and bad input."""

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kernel_helpers import forced_training_coef, frozen_demography, population
from kernel_helpers import single_instrument_plan as plan_of

import llrsim
from llrsim.engine import mechanisms as m
from llrsim.engine.run import run_plan
from llrsim.errors import ParameterError, ScenarioError
from llrsim.predicates import Predicate

ALL_SCENARIOS = ["S0", "S1", "S2", "S3", "S4", "S5", "S6"]
YEARS = range(2025, 2030)


@pytest.fixture(scope="module")
def pop():
    return llrsim.synthesize(2024, 8_000, seed=11)


@pytest.fixture(scope="module")
def res(pop):
    return llrsim.simulate(pop, ALL_SCENARIOS, years=YEARS, seed=4)


def ledger_identity(ds):
    lhs = ds["opening"] + ds["accrued"] + ds["exchanged_in"]
    rhs = ds["spent"] + ds["expired"] + ds["exchanged_out"] + ds["forfeited"] + ds["closing"]
    return lhs, rhs


def test_all_scenarios_run_and_ledgers_balance_to_the_cent(res):
    ds = res.tallies
    assert list(ds["scenario"].values) == ALL_SCENARIOS
    lhs, rhs = ledger_identity(ds)
    np.testing.assert_array_equal(lhs, rhs)
    for v in ds.data_vars:
        assert (ds[v] >= 0).all(), v
    led = res.ledger()
    assert led["balanced"].all()


def test_closing_balance_is_next_opening(res):
    ds = res.tallies.sel(group="all")
    np.testing.assert_array_equal(
        ds["closing"].isel(year=slice(0, -1)).values, ds["opening"].isel(year=slice(1, None)).values
    )


def test_new_rights_only_where_the_scenario_puts_them(res):
    spent = res.tallies["public_cents"].sel(group="all").sum("year")
    assert spent.sel(scenario="S0", instrument="llr_money_broad") == 0
    assert spent.sel(scenario="S3", instrument="llr_money_broad") > 0
    assert spent.sel(scenario="S4", instrument="llr_money_selective") > 0
    assert spent.sel(scenario="S5", instrument="llr_time") > 0
    assert spent.sel(scenario="S5", instrument="vov") == 0  # replaced
    assert spent.sel(scenario="S3", instrument="opleidingscheques") == 0  # absorbed


def test_demographic_life_is_the_same_under_every_scenario(res):
    persons = res.tallies["persons"]
    for s in ALL_SCENARIOS[1:]:
        np.testing.assert_array_equal(persons.sel(scenario=s), persons.sel(scenario="S0"))


def test_same_seed_same_numbers_other_seed_other_numbers(pop, res):
    again = llrsim.simulate(pop, ALL_SCENARIOS, years=YEARS, seed=4)
    for v in res.tallies.data_vars:
        np.testing.assert_array_equal(again.tallies[v], res.tallies[v], err_msg=v)
    other = llrsim.simulate(pop, ["S0"], years=YEARS, seed=5)
    assert not np.array_equal(
        other.tallies["participants"].values, res.tallies["participants"].sel(scenario=["S0"])
    )


def test_identical_for_one_or_two_threads(pop):
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = llrsim.simulate(pop, ["S0", "S6"], years=YEARS, seed=2)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = llrsim.simulate(pop, ["S0", "S6"], years=YEARS, seed=2)
    finally:
        numba.set_num_threads(before)
    for v in one.tallies.data_vars:
        np.testing.assert_array_equal(one.tallies[v], two.tallies[v], err_msg=v)


def test_results_do_not_depend_on_the_number_of_chunks(pop):
    """Chunking invariance at the API level (one chunk vs thirteen)."""
    from llrsim.engine.simulate import simulate

    whole = simulate(pop, ["S4"], years=YEARS, seed=9, n_chunks=1)
    other = simulate(pop, ["S4"], years=YEARS, seed=9, n_chunks=13)
    for v in whole.tallies.data_vars:
        np.testing.assert_array_equal(whole.tallies[v], other.tallies[v], err_msg=v)


def test_growth_path_switches_instruments_by_year(pop):
    path = llrsim.scenarios.phase({2026: "S1+S2", 2027: "S4", 2028: "S6"})
    res = llrsim.simulate(pop, [path], years=YEARS, seed=1)
    eligible = res.tallies["eligible"].sel(group="all").isel(scenario=0)
    assert eligible.sel(year=2026, instrument="llr_money_selective") == 0
    assert eligible.sel(year=2027, instrument="llr_money_selective") > 0
    assert eligible.sel(year=2028, instrument="llr_time") > 0
    lhs, rhs = ledger_identity(res.tallies)
    np.testing.assert_array_equal(lhs, rhs)


def test_bad_input_is_refused_with_a_clear_message(pop):
    with pytest.raises(ScenarioError, match="unknown scenario 'S9'"):
        llrsim.simulate(pop, ["S9"], years=YEARS)
    with pytest.raises(ValueError, match="years: must start in 2025"):
        llrsim.simulate(pop, ["S0"], years=range(2027, 2030))
    with pytest.raises(ValueError, match="seed"):
        llrsim.simulate(pop, ["S0"], years=YEARS, seed=-1)
    with pytest.raises(ParameterError, match="unknown parameter"):
        llrsim.simulate(pop, ["S0"], years=YEARS, params={"no.such": 1.0})


def test_a_larger_right_never_lowers_participation(pop):
    low = llrsim.simulate(pop, ["S3"], years=YEARS, seed=3)
    high = llrsim.simulate(pop, ["S3"], years=YEARS, seed=3, params={"response.beta_money": 0.7})
    assert (high.tallies["participants"] >= low.tallies["participants"]).all()


ALL = np.stack([Predicate(age_min=0, age_max=120).compile()])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    accrual=st.integers(0, 200_000),
    cap_extra=st.integers(0, 1_000_000),
    expiry=st.integers(0, 6),
    max_use=st.integers(1, 300_000),
    own=st.floats(0.0, 0.9),
    hours=st.floats(1.0, 200.0),
    n=st.integers(1, 40),
)
def test_money_ledger_balances_and_caps_hold_for_random_rules(
    accrual, cap_extra, expiry, max_use, own, hours, n
):
    pop = population(n, weight=2)
    years = list(range(2025, 2033))
    plan = plan_of(
        m.KIND_MONEY, years, "cent", accrual=accrual, cap=accrual + cap_extra,
        expiry_years=expiry, max_per_use=max_use, own_share=own,
    )  # fmt: skip
    entry = np.full(pop.n, pop.year, dtype=np.int64)
    tb = frozen_demography(years[0], years[-1])
    ds = run_plan(pop, entry, plan, tb, ALL, ["all"], forced_training_coef(hours), 0, 3)
    lhs, rhs = ledger_identity(ds)
    np.testing.assert_array_equal(lhs, rhs)
    closing = ds["closing"].values
    assert (closing >= 0).all()
    assert (closing <= 2 * n * (accrual + cap_extra)).all()  # cap per person x weight
    assert (ds["spent"].values <= 2 * n * max_use).all()  # at most one course a year


def test_single_records_add_up_to_the_whole_run():
    """Every record simulated alone (any chunking, here chunks of one) sums to the full run:
    the strongest form of 'two halves concatenated give the whole'."""
    from llrsim.population import groups

    small = llrsim.synthesize(2024, 40, seed=8)
    res = llrsim.simulate(small, ["S0", "S6"], years=range(2025, 2029), seed=8)
    ctx = res.context
    total = None
    for i in range(ctx.population.n):
        one = ctx.population.take(np.array([i]))
        entry = ctx.entry_year[[i]].astype(np.int64)
        gp, gn = groups.compiled(), groups.names()
        ds = run_plan(one, entry, ctx.plan, ctx.tables, gp, gn, ctx.coef, ctx.seed, n_chunks=1)
        total = ds if total is None else total + ds
    for v in res.tallies.data_vars:
        np.testing.assert_array_equal(total[v].values, res.tallies[v].values, err_msg=v)


def test_statement_shows_one_persons_rights(pop):
    res = llrsim.simulate(pop, ["S0", "S4"], years=YEARS, seed=4)
    seen_ineligible = False
    for rec in np.flatnonzero((pop.education == 0) & (pop.status == 4) & (pop.age >= 45))[:5]:
        st = res.statement(int(pop.person_id[rec]), 2027)
        if st.empty:  # left the model before 2027
            continue
        s4 = st[(st.scenario == "S4") & (st.instrument == "llr_money_selective")].iloc[0]
        assert s4.eligible and s4.why_not == ""  # low educated: in the S4 target group
        flows = s4.opening + s4.accrued + s4.exchanged_in - s4.used - s4.expired
        assert flows == pytest.approx(s4.closing + s4.exchanged_out)
        vov = st[(st.scenario == "S0") & (st.instrument == "vov")].iloc[0]
        assert vov.eligible == (vov.why_not == "")
        if not vov.eligible:
            seen_ineligible = True
            assert "needs employee_private" in vov.why_not
    assert seen_ineligible
    with pytest.raises(ValueError, match="not a record"):
        res.statement(-5, 2027)
    with pytest.raises(ValueError, match="not simulated"):
        res.statement(int(pop.person_id[0]), 2040)


def test_a_full_mask_table_is_retried_with_a_larger_one(monkeypatch):
    """A chunk that meets more distinct group masks than its table holds makes run_plan
    repeat the run with a larger table; the tallies equal those of a run that never
    overflowed (13 groups give far more than 2 distinct masks on 3,000 records)."""
    import llrsim.engine.run as run_module

    pop = llrsim.synthesize(2024, 3_000, seed=4)
    ref = llrsim.simulate(pop, ["S0", "S4"], years=YEARS, seed=2)
    monkeypatch.setattr(run_module, "MASK_SLOTS", 2)
    small = llrsim.simulate(pop, ["S0", "S4"], years=YEARS, seed=2)
    for v in ref.tallies.data_vars:
        np.testing.assert_array_equal(ref.tallies[v].values, small.tallies[v].values, err_msg=v)
