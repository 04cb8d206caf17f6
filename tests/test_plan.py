"""The kernel plan's derived lists: spending lists per episode class, guidance aliases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llrsim.engine import mechanisms as m
from llrsim.engine.build import build_plan
from llrsim.engine.plan import (
    EMPLOYEE_ONLY_KINDS,
    N_SPEND_CLASSES,
    SPEND_EMPLOYEE,
    STEP_GUIDE,
    KernelPlan,
    spend_class,
)
from llrsim.engine.simulate import resolve_parameters
from llrsim.population import groups
from llrsim.scenarios import load
from llrsim.scenarios.compiled import compile_scenarios

ALL7 = ["S0", "S1", "S2", "S3", "S4", "S5", "S6"]


@pytest.fixture(scope="module")
def plan() -> KernelPlan:
    sets = resolve_parameters(None)
    items = [load(s) for s in ALL7]
    years = list(range(2025, 2035))
    compiled = compile_scenarios(items, years, groups.group_index(), costing=sets["costing"])
    baseline = {inst.id for inst in load("S0").instruments_in_force()}
    return build_plan(compiled, sets["behaviour"], baseline)


def test_spending_lists_hold_exactly_the_instruments_that_can_pay(plan):
    """The list of class (ekind, employee) = the spending instruments in force, in plan order,
    covering a type of the episode and, for the employee-only mechanisms, employees only."""
    types = plan.q[..., m.Q_TYPES_MASK].astype(np.int64)
    spends = ~np.isin(plan.kind, (m.KIND_GUIDANCE, m.KIND_EXCHANGE))
    n_s, n_y, n_i = plan.active.shape
    for ekind in range(SPEND_EMPLOYEE):
        for employee in (False, True):
            c = spend_class(ekind, employee)
            assert 0 <= c < N_SPEND_CLASSES
            for s in range(n_s):
                for y in range(n_y):
                    want = [
                        j
                        for j in range(n_i)
                        if plan.active[s, y, j]
                        and spends[j]
                        and types[s, y, j] & ekind
                        and (employee or plan.kind[j] not in EMPLOYEE_ONLY_KINDS)
                    ]
                    got = plan.spend_idx[s, y, c, : plan.spend_n[s, y, c]].tolist()
                    assert got == want


def test_spend_class_refuses_an_unknown_training_type():
    with pytest.raises(ValueError, match="training-type bit set"):
        spend_class(SPEND_EMPLOYEE, True)


def test_guidance_aliases_only_identical_rules(plan):
    """A guidance voucher is skipped (and its tallies copied) only where an earlier scenario
    has the same rules in every year; S1 (more awareness) and S2 keep their own."""
    j = plan.instruments.index("loopbaancheques")
    alias = {plan.scenarios[s]: int(plan.guide_alias[s, j]) for s in range(len(ALL7))}
    assert alias == {"S0": -1, "S1": -1, "S2": -1, "S3": -1, "S4": 0, "S5": 0, "S6": -1}
    for s, a in enumerate(plan.guide_alias[:, j]):
        if a >= 0:
            assert np.array_equal(plan.q[s, :, j], plan.q[a, :, j])
            guided = plan.step_idx[s, :, STEP_GUIDE]
            for y in range(len(plan.years)):
                assert j not in guided[y, : plan.step_n[s, y, STEP_GUIDE]]


def test_aliased_guidance_tallies_equal_the_computed_ones(plan):
    """S4 and S5 copy S0's loopbaancheques tallies: they must equal a run of S4 alone."""
    import llrsim

    pop = llrsim.synthesize(n=3000, seed=2)
    both = llrsim.simulate(pop, ["S0", "S4"], years=range(2025, 2029), seed=3)
    alone = llrsim.simulate(pop, ["S4"], years=range(2025, 2029), seed=3)
    a = both.tallies.sel(scenario="S4", instrument="loopbaancheques")
    b = alone.tallies.sel(scenario="S4", instrument="loopbaancheques")
    assert int(b["users"].sum()) > 0
    for v in a.data_vars:
        np.testing.assert_array_equal(a[v].values, b[v].values)


def test_guidance_gate_is_the_largest_take_up_probability_where_the_step_runs(plan):
    """gate_p[y, g, t] = max over the scenarios whose step 4 holds voucher g in year y."""
    from llrsim.engine.kernel import QI_KEY, guidance_gate, integer_fields, takeup_table

    qi, ptab = integer_fields(plan.q), takeup_table(plan.q)
    gate_idx, gate_key, gate_p = guidance_gate(plan.step_idx, plan.step_n, qi, ptab)
    j = plan.instruments.index("loopbaancheques")
    assert gate_idx.tolist() == [j]
    assert gate_key[0] == qi[0, 0, j, QI_KEY] and gate_key[0] == int(plan.q[0, 0, j, m.Q_KEY])
    n_y = len(plan.years)
    stepping = [0, 1, 2]  # S0, S1, S2 (S4, S5 are aliases of S0; S3, S6 have none)
    for y in range(n_y):
        want = ptab[stepping, y, j, :].max(axis=0)
        np.testing.assert_array_equal(gate_p[y * len(gate_idx) : (y + 1) * len(gate_idx)][0], want)
        assert (want > ptab[0, y, j, :]).all()  # S1's awareness raises the bound


def test_guidance_gate_opens_when_the_period_length_changes(plan):
    """A period length that changes over the years would make a late end of period differ
    from an end in time: the gate is then always open (2 > any draw)."""
    from llrsim.engine.kernel import QI_PERIOD, guidance_gate, integer_fields, takeup_table

    qi, ptab = integer_fields(plan.q), takeup_table(plan.q)
    j = plan.instruments.index("loopbaancheques")
    qi[1, 5:, j, QI_PERIOD] += 1  # S1 only, from the sixth year on
    _, _, gate_p = guidance_gate(plan.step_idx, plan.step_n, qi, ptab)
    assert (gate_p == 2.0).all()


def test_gated_guidance_tallies_equal_an_always_open_gate(monkeypatch):
    """Skipping step 4 when the draw reaches every scenario's take-up probability changes
    no tally: the same run with the gate forced open (gate_p = 2) gives identical arrays."""
    import llrsim
    import llrsim.engine.run as run_mod
    from llrsim.engine.kernel import guidance_gate

    pop = llrsim.synthesize(n=4000, seed=5)
    years = range(2025, 2035)
    gated = llrsim.simulate(pop, ["S0", "S1", "S2"], years=years, seed=7).tallies

    def always_open(*args):
        idx, key, p = guidance_gate(*args)
        return idx, key, np.full_like(p, 2.0)

    monkeypatch.setattr(run_mod, "guidance_gate", always_open)
    opened = llrsim.simulate(pop, ["S0", "S1", "S2"], years=years, seed=7).tallies
    assert int(gated["users"].sel(instrument="loopbaancheques").sum()) > 0
    for v in gated.data_vars:
        np.testing.assert_array_equal(gated[v].values, opened[v].values)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    awareness=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
    friction=st.lists(st.floats(0.0, 0.9), min_size=3, max_size=3),
    period=st.lists(st.integers(1, 8), min_size=3, max_size=3),
    n_per_period=st.integers(1, 3),
    period_changes=st.booleans(),
)
def test_gated_guidance_equals_an_open_gate_for_random_rules(
    guidance_run, awareness, friction, period, n_per_period, period_changes
):
    """Over random loopbaancheques rules per scenario (take-up, period length, cheques per
    period; a period length that changes in some year opens the gate), the gated kernel
    gives exactly the tallies of the always-open gate."""
    import llrsim.engine.run as run_mod
    from llrsim.engine.kernel import integer_fields, takeup_table

    ctx, j = guidance_run
    q = ctx.plan.q.copy()
    for s in range(3):
        q[s, :, j, m.Q_AWARENESS] = awareness[s]
        q[s, :, j, m.Q_FRICTION] = friction[s]
        q[s, :, j, m.Q_PERIOD_YEARS] = period[s]
        q[s, :, j, m.Q_N_PER_PERIOD] = n_per_period
    if period_changes:
        q[1, 4:, j, m.Q_PERIOD_YEARS] += 1
    p = ctx.plan
    plan = KernelPlan(
        p.scenarios, p.years, p.instruments, p.kind, p.active, p.elig, q, p.units, p.metadata
    )

    def run():
        return run_mod.run_plan(
            ctx.population, ctx.entry_year.astype(np.int64), plan, ctx.tables,
            groups.compiled(), groups.names(), ctx.coef, ctx.seed,
        )  # fmt: skip

    real = run_mod.guidance_gate
    _, _, gate_p = real(plan.step_idx, plan.step_n, integer_fields(q), takeup_table(q))
    # the gate is closed for some draws exactly when the period length is fixed
    assert (gate_p < 1.0).all() != period_changes

    def always_open(*args):
        idx, key, p = real(*args)
        return idx, key, np.full_like(p, 2.0)

    gated = run()
    try:
        run_mod.guidance_gate = always_open
        opened = run()
    finally:
        run_mod.guidance_gate = real
    for v in gated.data_vars:
        np.testing.assert_array_equal(gated[v].values, opened[v].values)


@pytest.fixture(scope="module")
def guidance_run():
    """S0, S1, S2 on a small population: the run context and loopbaancheques' index."""
    import llrsim

    pop = llrsim.synthesize(n=1500, seed=9)
    res = llrsim.simulate(pop, ["S0", "S1", "S2"], years=range(2025, 2035), seed=4)
    return res.context, res.context.plan.instruments.index("loopbaancheques")
