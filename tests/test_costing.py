"""Unit tests of the costing functions: exact cents, indexation, discounting, valuation, ratios."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_costing_fixture import (
    SCENARIOS,
    YEARS,
    make_instruments,
    make_it_costs,
    make_tallies,
)

from llrsim.costing import (
    CostingAssumptions,
    balance_value_eur,
    discount_factors,
    health_index_path,
    present_value,
    to_constant_prices,
)
from llrsim.costing.admin import admin_per_transaction_cents, admin_per_year_cents
from llrsim.costing.metadata import eur_to_cents, validate_instruments, validate_it_costs
from llrsim.costing.ratios import assert_no_nan, ratio
from llrsim.costing.tallies import validate_tallies
from llrsim.errors import DataError, ParameterError
from llrsim.parameters import Parameter, ParameterSet


def test_eur_to_cents_rounds_unit_costs_half_up_to_the_cent():
    s = pd.Series([21.30, 0.1, 2.5, 0.0, 0.145, 10 * 1.02**3, 0.004])
    assert eur_to_cents(s, "x").tolist() == [2130, 10, 250, 0, 15, 1061, 0]
    with pytest.raises(DataError, match=">= 0"):
        eur_to_cents(pd.Series([-1.0]), "x")


def test_admin_per_year_follows_the_declared_basis():
    eligible = pd.Series([1000, 1000, 1000, 0, 1000])
    users = pd.Series([10, 10, 10, 0, 10])
    cents = pd.Series([50, 50, 100_000, 100_000, 100_000])
    basis = pd.Series(["eligible_person", "user", "fixed", "fixed", "fixed"])
    total = pd.Series([True, True, True, True, False])
    out = admin_per_year_cents(eligible, users, cents, basis, total)
    # fixed cost: once per instrument-year in group 'all', only where someone is eligible
    assert out.tolist() == [50_000, 500, 100_000, 0, 0]
    tx = admin_per_transaction_cents(pd.Series([3, 0]), pd.Series([250, 250]))
    assert tx.tolist() == [750, 0]


def test_health_index_path_compounds_from_the_base_year():
    idx = health_index_path([2024, 2025, 2026, 2027], 0.02, 2025)
    assert idx[2025] == 1.0
    assert idx[2027] == pytest.approx(1.02**2, rel=1e-15)
    assert idx[2024] == pytest.approx(1 / 1.02, rel=1e-15)
    by_year = health_index_path([2025, 2026, 2027], {2026: 0.01, 2027: 0.03}, 2025)
    assert by_year[2027] == pytest.approx(1.01 * 1.03, rel=1e-15)
    with pytest.raises(ParameterError, match="2027"):
        health_index_path([2025, 2027], {2026: 0.01}, 2025)


def test_to_constant_prices_by_formula():
    cost = pd.DataFrame({"year": [2025, 2026, 2027], "cost_eur": [100.0, 102.0, 104.04]})
    idx = health_index_path([2025, 2026, 2027], 0.02, 2025)
    out = to_constant_prices(cost, 2025, idx)
    assert out["cost_eur"].tolist() == pytest.approx([100.0, 100.0, 100.0], rel=1e-12)
    # in prices of 2027 everything is expressed in the later, higher price level
    out27 = to_constant_prices(cost, 2027, idx)
    assert out27["cost_eur"].tolist() == pytest.approx([104.04] * 3, rel=1e-12)
    with pytest.raises(ParameterError, match="2030"):
        to_constant_prices(cost, 2030, idx)


def test_present_value_by_formula():
    cost = pd.DataFrame(
        {"scenario": ["A"] * 3, "year": [2025, 2026, 2027], "cost_eur": [100.0, 100.0, 100.0]}
    )
    pv = present_value(cost, 0.03, 2025)
    assert pv["present_value_eur"].iloc[0] == pytest.approx(100 + 100 / 1.03 + 100 / 1.03**2)
    assert pv["undiscounted_eur"].iloc[0] == 300.0
    f = discount_factors(pd.Series([2024, 2025]), 0.05, 2025)
    assert f.tolist() == pytest.approx([1.05, 1.0])


@settings(max_examples=50, deadline=None)
@given(
    costs=st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1, max_size=8),
    rate=st.floats(0.0001, 0.2),
)
def test_present_value_never_exceeds_nominal_for_positive_rates(costs, rate):
    years = list(range(2025, 2025 + len(costs)))
    cost = pd.DataFrame({"scenario": "A", "year": years, "cost_eur": costs})
    pv = present_value(cost, rate, 2025)
    assert pv["present_value_eur"].iloc[0] <= pv["undiscounted_eur"].iloc[0] * (1 + 1e-12)


@settings(max_examples=50, deadline=None)
@given(
    costs=st.lists(st.floats(0, 1e9, allow_nan=False), min_size=3, max_size=3),
    growth=st.floats(0.0, 0.05),
    base=st.sampled_from([2025, 2026, 2027]),
)
def test_constant_prices_equal_nominal_in_the_base_year(costs, growth, base):
    cost = pd.DataFrame({"year": [2025, 2026, 2027], "cost_eur": costs})
    out = to_constant_prices(cost, base, health_index_path([2025, 2026, 2027], growth, 2025))
    row = cost["year"] == base
    assert out.loc[row, "cost_eur"].iloc[0] == pytest.approx(cost.loc[row, "cost_eur"].iloc[0])
    later = cost["year"] > base
    assert (out.loc[later, "cost_eur"] <= cost.loc[later, "cost_eur"] * (1 + 1e-12)).all()


def test_time_balances_are_valued_at_the_reimbursement_rate():
    value = balance_value_eur(
        pd.Series([6000, 12345]), pd.Series(["minute", "cent"]), pd.Series([21.30, 99.0])
    )
    assert value.tolist() == pytest.approx([100 * 21.30, 123.45])
    with pytest.raises(DataError, match="unit"):
        balance_value_eur(pd.Series([1]), pd.Series(["day"]), pd.Series([1.0]))


def test_ratio_marks_zero_denominators_with_a_note_not_nan():
    value, note = ratio(pd.Series([1, 0, 3]), pd.Series([2, 0, 0]), "nothing to divide by")
    assert value.dtype == "Float64"
    assert value.iloc[0] == 0.5
    assert value.isna().tolist() == [False, True, True]
    assert note.tolist() == ["", "nothing to divide by", "nothing to divide by"]
    frame = pd.DataFrame({"r": value, "r_note": note})
    assert_no_nan(frame, "t")
    with pytest.raises(ValueError, match="without"):
        assert_no_nan(frame[["r"]], "t")
    with pytest.raises(ValueError, match="NaN"):
        assert_no_nan(pd.DataFrame({"x": [1.0, np.nan]}), "t")


def test_instrument_table_errors_name_the_field_and_allowed_values():
    meta = make_instruments()
    bad = meta.assign(funder=["flemish_government", "ministry", "flemish_government"])
    with pytest.raises(DataError, match=r"funder='ministry'.*cheque.*allowed|not one of"):
        validate_instruments(bad, ["vov", "cheque", "account"], SCENARIOS, YEARS)
    with pytest.raises(DataError, match="no row"):
        validate_instruments(meta.iloc[:2], ["vov", "cheque", "account"], SCENARIOS, YEARS)
    with pytest.raises(DataError, match="missing"):
        validate_instruments(
            meta.drop(columns="reimbursement_eur_per_hour"), ["vov"], SCENARIOS, YEARS
        )


def test_instrument_table_may_vary_by_scenario():
    meta = make_instruments()
    rows = []
    for s in SCENARIOS:
        m = meta.copy()
        m["scenario"] = s
        if s == "S5":  # e.g. harmonised procedures halve the cost per transaction
            m["admin_cost_per_transaction_eur"] = m["admin_cost_per_transaction_eur"] / 2
        rows.append(m)
    ids = ["vov", "cheque", "account"]
    out = validate_instruments(pd.concat(rows), ids, SCENARIOS, YEARS)
    assert out.loc[("S5", 2026, "vov"), "admin_cost_per_transaction_cents"] == 500
    assert out.loc[("S0", 2026, "vov"), "admin_cost_per_transaction_cents"] == 1000
    with pytest.raises(DataError, match="no row"):
        validate_instruments(pd.concat(rows[:2]), ["vov"], SCENARIOS, YEARS)
    yearly = meta.merge(pd.DataFrame({"year": YEARS[:2]}), how="cross")
    with pytest.raises(DataError, match="2027"):
        validate_instruments(yearly, ids, SCENARIOS, YEARS)


def test_it_table_refuses_rows_outside_the_run():
    it = make_it_costs()
    out = validate_it_costs(it, SCENARIOS, [2025, 2026, 2027])
    assert out["it_one_off_cents"].tolist() == [100_000_000, 0, 0]
    assert set(out["funder"]) == {"flemish_government"}
    with pytest.raises(DataError, match="S9"):
        validate_it_costs(it.assign(scenario="S9"), SCENARIOS, [2025, 2026, 2027])
    with pytest.raises(DataError, match="2031"):
        validate_it_costs(it.assign(year=2031), SCENARIOS, [2025, 2026, 2027])


def test_tally_contract_violations_are_refused():
    ds = make_tallies()
    with pytest.raises(DataError, match="'spent'"):
        validate_tallies(ds.drop_vars("spent"))
    with pytest.raises(DataError, match="dtype"):
        validate_tallies(ds.assign(users=ds.users.astype("float64")))
    with pytest.raises(DataError, match="'all'"):
        validate_tallies(ds.sel(group=["high_educated", "low_educated"]))


def test_assumptions_read_from_a_parameter_set_and_ranges_are_enforced():
    def p(name, value, unit):
        return Parameter(name=name, value=value, unit=unit, source="assumption: test")

    ps = ParameterSet(
        {
            "health_index.growth": p("health_index.growth", 0.021, "1/yr"),
            "health_index.base_year": p("health_index.base_year", 2025, "year"),
            "discounting.rate": p("discounting.rate", 0.04, "1/yr"),
            "liability.redemption_rate": p("liability.redemption_rate", 0.6, "share"),
        }
    )
    a = CostingAssumptions.from_parameters(ps)
    assert (a.health_index_growth, a.base_year, a.discount_rate, a.redemption_rate) == (
        0.021,
        2025,
        0.04,
        0.6,
    )
    with pytest.raises(ParameterError, match="redemption_rate"):
        CostingAssumptions(redemption_rate=1.5)
    with pytest.raises(ParameterError, match="unknown parameter"):
        CostingAssumptions.from_parameters(ParameterSet({}))
    assert math.isclose(CostingAssumptions().discount_rate, 0.03)


def test_shipped_costing_parameters_are_read():
    a = CostingAssumptions.shipped()
    assert 0.0 <= a.health_index_growth <= 0.05
    assert a.base_year is not None
    assert 0.0 <= a.redemption_rate <= 1.0
