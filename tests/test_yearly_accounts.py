"""Use-it-or-lose-it accounts (``KernelPlan.yearly``): no ledger, the same tallies.

The kernel keeps no ledger for an account whose rights expire at the end of the year of
accrual (vov's hours, the sectoral account): an eligible person holds ``min(accrual, cap)``
in every year, and accrued and expired rights are tallied after the kernel. These tests
check which accounts qualify and that the result is, integer for integer, what the ledger
gives for the same plan.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llrsim.engine import mechanisms as m
from llrsim.engine.build import build_plan
from llrsim.engine.plan import KernelPlan
from llrsim.engine.simulate import resolve_parameters
from llrsim.population import groups
from llrsim.scenarios import load
from llrsim.scenarios.compiled import compile_scenarios

ALL7 = ["S0", "S1", "S2", "S3", "S4", "S5", "S6"]


@pytest.fixture(scope="module")
def plan() -> KernelPlan:
    sets = resolve_parameters(None)
    compiled = compile_scenarios(
        [load(s) for s in ALL7], list(range(2025, 2035)), groups.group_index(),
        costing=sets["costing"],
    )  # fmt: skip
    baseline = {inst.id for inst in load("S0").instruments_in_force()}
    return build_plan(compiled, sets["behaviour"], baseline)


def _replan(p: KernelPlan, q: np.ndarray) -> KernelPlan:
    return KernelPlan(
        p.scenarios, p.years, p.instruments, p.kind, p.active, p.elig, q, p.units, p.metadata
    )


def _with_ledgers(p: KernelPlan) -> KernelPlan:
    """The same plan with a ledger for every account (no use-it-or-lose-it shortcut)."""
    out = _replan(p, p.q)
    out.yearly = np.zeros_like(p.yearly)
    out.ledger_idx, out.ledger_n = out.bal_idx, out.bal_n
    return out


def test_vov_and_the_sectoral_account_need_no_ledger(plan):
    ix = plan.instruments.index
    for s, name in enumerate(plan.scenarios):
        in_force = plan.active[s].any(axis=0)
        for inst in ("vov", "mtech_plus_loopbaanrekening"):
            assert plan.yearly[s, ix(inst)] == in_force[ix(inst)], (name, inst)
        for inst in ("llr_money_broad", "llr_money_selective", "llr_time", "llr_money"):
            assert not plan.yearly[s, ix(inst)], (name, inst)  # rights carried over
        ledgers = set(plan.ledger_idx[s, : plan.ledger_n[s]].tolist())
        accounts = set(plan.bal_idx[s, : plan.bal_n[s]].tolist())
        assert ledgers == accounts - set(np.flatnonzero(plan.yearly[s]).tolist())
    assert not plan.yearly[:, ~np.isin(plan.kind, m.BALANCE_KINDS)].any()


@pytest.mark.parametrize(
    "field, value",
    [
        (m.Q_EXPIRY_YEARS, 2.0),  # rights carried over a year
        (m.Q_PRO_RATA_FTE, 1.0),  # the accrual depends on the person
        (m.Q_NEW_RIGHT, 1.0),  # raises participation: its balance enters p1
    ],
)
def test_a_ledger_where_the_balance_depends_on_more_than_the_year(plan, field, value):
    j = plan.instruments.index("vov")
    q = plan.q.copy()
    q[0, :, j, field] = value
    assert not _replan(plan, q).yearly[0, j]
    assert _replan(plan, q).yearly[1, j]  # the other scenarios keep theirs


def test_a_ledger_for_accounts_linked_by_an_exchange_or_a_conversion(plan):
    ix = plan.instruments.index
    vov, mtech = ix("vov"), ix("mtech_plus_loopbaanrekening")
    for field in (m.Q_EXCHANGE_PARTNER, m.Q_CONVERT_FROM):
        q = plan.q.copy()
        q[0, 3, vov, field] = mtech  # one year is enough
        yearly = _replan(plan, q).yearly
        assert not yearly[0, vov] and not yearly[0, mtech]
        assert yearly[1, vov] and yearly[1, mtech]


@pytest.fixture(scope="module")
def small_run():
    import llrsim

    pop = llrsim.synthesize(n=2500, seed=3)
    res = llrsim.simulate(pop, ["S0", "S4", "S6"], years=range(2025, 2033), seed=5)
    return res.context


def _tallies(ctx, p: KernelPlan):
    from llrsim.engine.run import run_plan

    return run_plan(
        ctx.population, ctx.entry_year, p, ctx.tables, groups.compiled(), groups.names(),
        ctx.coef, ctx.seed,
    )  # fmt: skip


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    accrual=st.lists(st.sampled_from([0.0, 1.0, 2999.4, 7500.0, 60000.5]), min_size=2, max_size=2),
    cap=st.lists(st.sampled_from([-1.0, 0.0, 1000.0, 7500.0]), min_size=2, max_size=2),
    max_use=st.sampled_from([-1.0, 1.0, 20000.0]),
    awareness=st.floats(0.0, 1.0),
)
def test_no_ledger_gives_the_ledger_tallies(small_run, accrual, cap, max_use, awareness):
    """Over random accruals, caps, maxima per use and take-up of vov and the sectoral
    account (changing from the fourth year on), every tally is the ledger's, integer for
    integer: accrued, spent, expired, opening and closing balances, users, costs."""
    ctx = small_run
    p = ctx.plan
    ix = p.instruments.index
    q = p.q.copy()
    for k, j in enumerate((ix("vov"), ix("mtech_plus_loopbaanrekening"))):
        q[:, 3:, j, m.Q_ACCRUAL] = accrual[k]
        q[:, 3:, j, m.Q_CAP] = cap[k]
        q[:, :, j, m.Q_MAX_PER_USE] = max_use
        q[:, :, j, m.Q_AWARENESS] = awareness
    plan = _replan(p, q)
    assert plan.yearly[:, ix("vov")].any()
    fast, ledger = _tallies(ctx, plan), _tallies(ctx, _with_ledgers(plan))
    for v in ledger.data_vars:
        np.testing.assert_array_equal(fast[v].values, ledger[v].values, err_msg=v)
    j = ix("vov")
    assert (fast["expired"].values[:, :, :, j] >= 0).all()
    assert (fast["closing"].values[:, :, :, j] == 0).all()
