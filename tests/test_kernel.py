"""The policy kernel: closed-form cases computed by hand, ledger identities, invariances."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_helpers import forced_training_coef, frozen_demography, population
from kernel_helpers import single_instrument_plan as plan_of

from llrsim.engine import mechanisms as m
from llrsim.engine.kernel import predicate_classes
from llrsim.engine.run import run_plan
from llrsim.predicates import Predicate, matches

YEARS = list(range(2025, 2031))
ALL = np.stack([Predicate(age_min=0, age_max=120).compile()])


def run(pop, plan, coef=None, chunks=4, seed=0, tb=None):
    tb = tb if tb is not None else frozen_demography(plan.years[0], plan.years[-1])
    coef = forced_training_coef() if coef is None else coef
    entry = np.full(pop.n, pop.year, dtype=np.int64)
    return run_plan(pop, entry, plan, tb, ALL, ["all"], coef, seed, n_chunks=chunks)


def ledger(ds, var):
    return ds[var].sel(scenario="T", group="all", instrument="x").values.tolist()


def test_money_account_with_cap_closed_form():
    """500 EUR/yr, cap 1,200 EUR, at most 300 EUR per course (40 h x 30 EUR = 1,200 EUR)."""
    pop = population(10, weight=3)
    plan = plan_of(m.KIND_MONEY, YEARS, "cent", accrual=50_000, cap=120_000, max_per_use=30_000)
    ds = run(pop, plan)
    w = 30  # 10 records of weight 3
    assert ledger(ds, "opening") == [w * c for c in (0, 20_000, 40_000, 60_000, 80_000, 90_000)]
    assert ledger(ds, "accrued") == [w * c for c in (50_000,) * 4 + (40_000, 30_000)]
    assert ledger(ds, "spent") == [w * 30_000] * 6
    assert ledger(ds, "closing") == [
        w * c for c in (20_000, 40_000, 60_000, 80_000, 90_000, 90_000)
    ]
    assert ledger(ds, "public_cents") == ledger(ds, "spent")
    assert ledger(ds, "users") == [w] * 6
    # budget cost over six years by hand: 30 persons x 300 EUR x 6 years = 54,000 EUR
    assert sum(ledger(ds, "public_cents")) == 54_000 * 100


def test_money_account_fifo_expiry_closed_form():
    """Vintages expire after 2 years, oldest spent first (hand computation in the docstring
    of the kernel's FIFO rule): expired 0, 0, 100, 200, 200, 200 EUR per person."""
    pop = population(4, weight=1)
    plan = plan_of(m.KIND_MONEY, YEARS, "cent", accrual=50_000, expiry_years=2, max_per_use=30_000)
    ds = run(pop, plan)
    assert ledger(ds, "expired") == [4 * c for c in (0, 0, 10_000, 20_000, 20_000, 20_000)]
    assert ledger(ds, "closing") == [
        4 * c for c in (20_000, 40_000, 50_000, 50_000, 50_000, 50_000)
    ]


def test_co_financing_splits_cost_between_public_and_person():
    pop = population(2, weight=5)
    plan = plan_of(m.KIND_VOUCHER, YEARS, "cent", own_share=0.5, max_per_use=25_000)
    ds = run(pop, plan)
    # course 1,200 EUR, face value 250 EUR a year: public 125 EUR, own contribution 125 EUR
    assert ledger(ds, "public_cents") == [10 * 12_500] * 6
    assert ledger(ds, "own_cents") == [10 * 12_500] * 6
    assert ledger(ds, "transactions") == [10] * 6


def test_time_account_values_leave_at_reimbursement_rate():
    """VOV-like: 125 h/yr without carry-over, 40 h used, 21.30 EUR/h to the employer."""
    pop = population(3, weight=2, wage=52_000.0)
    plan = plan_of(
        m.KIND_TIME, YEARS, "minute", accrual=125 * 60, cap=125 * 60, expiry_years=1,
        reimb_cents_per_hour=2130,
    )  # fmt: skip
    ds = run(pop, plan)
    assert ledger(ds, "spent") == [6 * 40 * 60] * 6
    assert ledger(ds, "expired") == [6 * 85 * 60] * 6
    assert ledger(ds, "closing") == [0] * 6
    assert ledger(ds, "public_cents") == [6 * 40 * 2130] * 6
    hourly = 52_000 * 100 / 12 / m.HOURS_PER_MONTH_FULL_TIME
    employer = ds["employer_cents"].sel(scenario="T", group="all", instrument="x").values
    assert employer.tolist() == [6 * int(40 * 60 * (hourly - 2130) // 60)] * 6


def test_time_account_needs_an_employer():
    pop = population(3, status=3, wage=0.0, fte=0.0, employer_size=0)  # jobseekers
    plan = plan_of(m.KIND_TIME, YEARS, "minute", accrual=600, reimb_cents_per_hour=2130)
    ds = run(pop, plan)
    assert ledger(ds, "spent") == [0] * 6
    assert ledger(ds, "closing") == [9 * 600 * k for k in range(1, 7)]  # kept, not lost


@pytest.mark.parametrize("chunks", [1, 3, 16])
def test_results_do_not_depend_on_chunking(chunks):
    from llrsim.population.synthesize import synthesize

    pop = synthesize(2024, 3_000, seed=5)
    plan = plan_of(m.KIND_MONEY, YEARS, "cent", accrual=50_000, cap=250_000, expiry_years=3)
    from llrsim.behaviour.coefficients import behaviour_vector
    from llrsim.population.dynamics import demography_tables

    tb = demography_tables(YEARS[0], YEARS[-1], base=pop)
    ref = run(pop, plan, coef=behaviour_vector(), chunks=7, tb=tb)
    got = run(pop, plan, coef=behaviour_vector(), chunks=chunks, tb=tb)
    for v in ref.data_vars:
        np.testing.assert_array_equal(ref[v].values, got[v].values, err_msg=v)


@pytest.mark.parametrize(("min_hours", "used"), [(360, False), (40, True)])
def test_leave_allowance_needs_long_enough_training(min_hours, used):
    """Tijdskrediet/VOK: an allowance per month of leave for courses of >= 360 h a year;
    the 40-hour course qualifies only when the rule asks for 40 h or less."""
    pop = population(2, weight=1)
    plan = plan_of(
        m.KIND_LEAVE, YEARS, "cent", allowance_month=30_014, max_months=36,
        min_minutes=min_hours * 60,
    )  # fmt: skip
    ds = run(pop, plan)
    public = ledger(ds, "public_cents")
    if used:
        # 12 months a year for three years, then the 36-month career maximum is reached
        assert public == [2 * 12 * 30_014] * 3 + [0] * 3
    else:
        assert public == [0] * 6


@pytest.mark.parametrize("transferable", [1.0, 0.0])
def test_a_right_that_is_not_transferable_ends_with_the_job(transferable):
    """Everyone changes employer every year and nobody trains: a transferable account keeps
    growing, a non-transferable one is forfeited at each move."""
    from kernel_helpers import forced_training_coef

    from llrsim.behaviour.coefficients import B_INTERCEPT

    pop = population(3, weight=2)
    plan = plan_of(m.KIND_MONEY, YEARS, "cent", accrual=50_000, transferable=transferable)
    tb = frozen_demography(YEARS[0], YEARS[-1])
    tb = tb._replace(job_change=np.ones_like(tb.job_change))
    coef = forced_training_coef()
    coef[B_INTERCEPT] = -60.0  # nobody trains
    ds = run(pop, plan, coef=coef, tb=tb)
    if transferable:
        assert ledger(ds, "closing") == [6 * 50_000 * k for k in range(1, 7)]
        assert ledger(ds, "forfeited") == [0] * 6
    else:
        assert ledger(ds, "closing") == [6 * 50_000] * 6
        assert ledger(ds, "forfeited") == [0] + [6 * 50_000] * 5


def test_a_phase_switch_conversion_does_not_end_other_rights():
    """Account ``a`` (years 1-3) converts into ``b`` (years 4-6) at a rate of 1; ``c`` is
    not transferable and runs all six years. Nobody changes job (frozen demography) and
    nobody knows the accounts (awareness 0), so nothing is spent: ``b`` opens in year 4
    with the 3 x 100 EUR of ``a``, and ``c`` is never forfeited (a conversion is not a
    change of employer)."""
    from llrsim.engine.plan import KernelPlan, empty_q

    pop = population(2, weight=1)
    s, y, i = 1, len(YEARS), 3
    q = empty_q(s, y, i)
    q[..., m.Q_ACCRUAL] = 10_000
    q[..., m.Q_KEY] = [1, 2, 3]
    q[..., 2, m.Q_TRANSFERABLE] = 0.0
    q[:, 3:, 1, m.Q_CONVERT_FROM] = 0
    q[:, 3:, 1, m.Q_CONVERT_FACTOR] = 1.0
    active = np.ones((s, y, i), dtype=np.bool_)
    active[:, 3:, 0] = False
    active[:, :3, 1] = False
    q[:, 3:, 0, m.Q_FORFEIT_INACTIVE] = 1.0
    plan = KernelPlan(
        scenarios=["T"], years=YEARS, instruments=["a", "b", "c"],
        kind=np.full(i, m.KIND_MONEY, dtype=np.int64), active=active,
        elig=np.tile(Predicate().compile(), (s, y, i, 1)), q=q, units=["cent"] * 3,
    )  # fmt: skip
    coef = forced_training_coef()
    ds = run(pop, plan, coef=coef)

    def led(var, inst):
        return ds[var].sel(scenario="T", group="all", instrument=inst).values.tolist()

    assert led("exchanged_out", "a") == [0, 0, 0, 2 * 30_000, 0, 0]
    assert led("exchanged_in", "b") == [0, 0, 0, 2 * 30_000, 0, 0]
    assert led("forfeited", "a") == [0] * 6
    assert led("forfeited", "c") == [0] * 6
    assert led("closing", "c") == [2 * 10_000 * k for k in range(1, 7)]
    assert led("closing", "b") == [0, 0, 0, 2 * 40_000, 2 * 50_000, 2 * 60_000]


def test_plan_refuses_a_conversion_into_an_instrument_without_a_ledger():
    with pytest.raises(ValueError, match="convert_from must link two money or time accounts"):
        plan_of(m.KIND_VOUCHER, YEARS, "cent", convert_from=0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 70), st.integers(0, 40), st.integers(0, 30), st.integers(0, 40)),
        min_size=1,
        max_size=6,
    ),
    st.tuples(st.integers(0, 100), st.integers(0, 100)),
    st.tuples(st.integers(0, 60), st.integers(0, 60)),
    st.tuples(st.integers(0, 80), st.integers(0, 80)),
)
def test_predicates_answer_the_same_within_a_threshold_class(rules, ages, exps, unemps):
    """The kernel re-evaluates predicates only when a class of predicate_classes changes:
    two persons in the same classes (same categorical attributes) must get the same answers."""
    preds = np.stack(
        [
            Predicate(
                age_min=lo, age_max=lo + span, min_experience_years=e, min_unemployment_months=u
            ).compile()
            for lo, span, e, u in rules
        ]
    )
    age_class, exp_class, unemp_bounds = predicate_classes(preds)
    same = (
        age_class[ages[0]] == age_class[ages[1]]
        and exp_class[exps[0]] == exp_class[exps[1]]
        and np.searchsorted(unemp_bounds, unemps[0], "right")
        == np.searchsorted(unemp_bounds, unemps[1], "right")
    )
    if not same:
        return
    for r in range(preds.shape[0]):
        a, b = (matches(preds[r], ages[k], 0, 1, 0, 3, 1, 0, exps[k], unemps[k], 0) for k in (0, 1))
        assert a == b


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=300))
def test_record_order_is_numpys_stable_argsort(keys):
    """The kernel's counting sort of group masks gives numpy's stable sort order."""
    from llrsim.engine.kernel import _counting_order

    a = np.asarray(keys, dtype=np.int64)
    np.testing.assert_array_equal(_counting_order(a, 41), np.argsort(a, kind="stable"))
