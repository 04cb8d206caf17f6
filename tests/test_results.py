"""``Results`` on the hand-built tallies of ``test_costing_fixture``: numbers worked out on paper.

Hand calculation, group ``all``, per year (users constant over the years):

S0  Flemish government: VOV 200 users x 1,278 EUR = 255,600 + admin 200 x 10 = 2,000
    -> 257,600; sector fund: cheques 100 x 125 = 12,500 + admin 200 x 2.50 = 500 -> 13,000;
    employers: VOV 200 x 600 = 120,000; individuals: 100 x 125 = 12,500. Total 403,100.
S3  Flemish: VOV 257,600 + account 800 x 500 = 400,000 + admin 800 x 1 = 800 + 8,000
    eligible x 0.50 = 4,000 -> 662,400; others as S0. Total 807,900.
S5  Flemish: VOV 600 x 1,278 = 766,800 + 6,000 + account 400 x 500 = 200,000 + 400 + 4,000
    + IT (2025: 1,000,000 + 200,000; later 200,000) -> 2,177,200 (2025), 1,177,200 (later);
    employers 600 x 600 = 360,000.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_costing_fixture import (
    MANIFEST,
    YEARS,
    make_instruments,
    make_it_costs,
    make_results,
    make_tallies,
)

from llrsim.costing import CostingAssumptions
from llrsim.costing.ratios import assert_no_nan
from llrsim.errors import DataError
from llrsim.results import Results


@pytest.fixture(scope="module")
def res() -> Results:
    return make_results()


def _one(frame: pd.DataFrame, **where) -> pd.Series:
    sel = frame
    for k, v in where.items():
        sel = sel.loc[sel[k] == v]
    assert len(sel) == 1, (where, sel)
    return sel.iloc[0]


def test_cost_by_funder_matches_the_hand_calculation(res):
    c = res.cost(["scenario", "year", "funder"])
    expected = {
        ("S0", "flemish_government"): 257_600.0,
        ("S0", "sector_fund"): 13_000.0,
        ("S0", "employer"): 120_000.0,
        ("S0", "individual"): 12_500.0,
        ("S3", "flemish_government"): 662_400.0,
        ("S5", "employer"): 360_000.0,
    }
    for (s, f), eur in expected.items():
        for y in YEARS:
            assert _one(c, scenario=s, year=y, funder=f)["cost_eur"] == eur
    assert _one(c, scenario="S5", year=2025, funder="flemish_government")["cost_eur"] == 2_177_200
    assert _one(c, scenario="S5", year=2026, funder="flemish_government")["cost_eur"] == 1_177_200
    assert "federal_government" not in set(c["funder"])
    total = res.cost(["scenario"])
    assert _one(total, scenario="S3")["cost_eur"] == 3 * 807_900


def test_admin_and_it_components(res):
    c = res.cost(["scenario", "year", "instrument", "item"])
    assert _one(c, scenario="S3", year=2026, instrument="account", item="admin_per_year")[
        "cost_eur"
    ] == pytest.approx(4_000.0)
    assert _one(c, scenario="S3", year=2026, instrument="account", item="admin_per_transaction")[
        "cost_eur"
    ] == pytest.approx(800.0)
    assert _one(c, scenario="S0", year=2025, instrument="cheque", item="admin_per_transaction")[
        "cost_eur"
    ] == pytest.approx(500.0)
    comp = res.cost(["scenario", "component"])
    assert _one(comp, scenario="S5", component="it")["cost_eur"] == 1_600_000.0
    assert set(comp["component"]) == {"payout", "employer", "own_contribution", "admin", "it"}


def test_cost_by_competence_tags_employer_cost_with_the_scheme_level(res):
    c = res.cost(["scenario", "competence", "funder"])
    # the employer's wage cost under VOV is borne by employers but set by Flemish rules
    assert _one(c, scenario="S0", competence="flemish", funder="employer")["cost_eur"] == 360_000
    assert _one(c, scenario="S0", competence="sectoral", funder="sector_fund")["cost_eur"] == 39_000


def test_cost_by_group_is_person_level_and_it_stays_in_all(res):
    c = res.cost(["scenario", "group", "component"])
    assert "it" not in set(c.loc[c["group"] != "all", "component"])
    # instrument tallies of high_educated are 2/5 of all
    hi = _one(c, scenario="S3", group="high_educated", component="payout")["cost_eur"]
    al = _one(c, scenario="S3", group="all", component="payout")["cost_eur"]
    assert hi == pytest.approx(0.4 * al)


def test_constant_prices_and_present_value_by_formula(res):
    nominal = res.cost(["scenario", "year"])
    constant = res.cost(["scenario", "year"], prices="constant")
    g = res.assumptions.health_index_growth
    for _, row in nominal.iterrows():
        c = _one(constant, scenario=row["scenario"], year=row["year"])["cost_eur"]
        assert c == pytest.approx(row["cost_eur"] / (1 + g) ** (row["year"] - 2025), rel=1e-12)
    s3 = 807_900.0
    pv = _one(res.present_value(), scenario="S3")
    r = res.assumptions.discount_rate
    expected = sum(s3 / (1 + g) ** t / (1 + r) ** t for t in range(3))
    assert pv["present_value_eur"] == pytest.approx(expected, rel=1e-12)
    pv_nom = _one(res.present_value(rate=0.05, prices="nominal"), scenario="S3")
    assert pv_nom["present_value_eur"] == pytest.approx(s3 * (1 + 1 / 1.05 + 1 / 1.05**2))
    assert pv_nom["undiscounted_eur"] == pytest.approx(3 * s3)
    const_27 = res.cost(["scenario", "year"], prices="constant", base_year=2027)
    assert _one(const_27, scenario="S3", year=2025)["cost_eur"] == pytest.approx(s3 * (1 + g) ** 2)


@settings(max_examples=25, deadline=None)
@given(growth=st.floats(0.0, 0.05), base=st.sampled_from(YEARS))
def test_constant_cost_equals_nominal_in_the_base_year(growth, base):
    r = Results(
        make_tallies(),
        make_instruments(),
        make_it_costs(),
        assumptions=CostingAssumptions(health_index_growth=growth),
    )
    nom = r.cost(["scenario", "year", "funder"])
    con = r.cost(["scenario", "year", "funder"], prices="constant", base_year=base)
    at_base = nom["year"] == base
    assert np.allclose(con.loc[at_base, "cost_eur"], nom.loc[at_base, "cost_eur"], rtol=1e-12)


def test_liability_values_time_at_the_reimbursement_rate(res):
    liab = res.liability()
    row = _one(liab, scenario="S0", year=2025, instrument="vov")
    # 3,000,000 accrued - 200 x 3,600 spent - 6,000 forfeited = 2,274,000 minutes
    assert row["closing"] == 2_274_000
    assert row["closing_hours"] == pytest.approx(37_900.0)
    assert row["outstanding_eur"] == pytest.approx(37_900 * 21.30)
    assert row["expected_redemption_eur"] == pytest.approx(0.5 * 37_900 * 21.30)
    acc = _one(liab, scenario="S3", year=2027, instrument="account")
    # 3 x (400,000,000 - 40,000,000 - 100,000) - 1,000,000 cents
    assert acc["outstanding_eur"] == pytest.approx(10_787_000.0)
    assert "cheque" not in set(liab["instrument"])  # no balance, no liability
    by_funder = res.liability(by=["scenario", "year", "funder"], redemption_rate=0.25)
    s3 = _one(by_funder, scenario="S3", year=2027, funder="flemish_government")
    assert s3["expected_redemption_eur"] == pytest.approx(0.25 * (10_787_000 + 113_700 * 21.30))


def test_cost_per_additional_participant_and_the_zero_case(res):
    cpp = res.cost_per_participant("S0")
    s3 = _one(cpp, scenario="S3", group="all")
    assert s3["extra_cost_eur"] == pytest.approx(3 * (807_900 - 403_100))
    assert s3["additional_participants"] == 1_500
    assert s3["cost_per_additional_participant_eur"] == pytest.approx(3 * 404_800 / 1_500)
    low = _one(cpp, scenario="S5", group="low_educated")
    assert low["additional_participants"] == 0
    assert low["cost_per_additional_participant_eur"] is pd.NA
    assert low["cost_per_additional_participant_eur_note"] == "no additional participants"
    assert "S0" not in set(cpp["scenario"])
    by_year = res.cost_per_participant("S0", by=["scenario", "year"])
    assert _one(by_year, scenario="S5", year=2025)[
        "cost_per_additional_participant_eur"
    ] == pytest.approx((2_562_700 - 403_100) / 1_000)


def test_takeup_rates_deadweight_and_participation(res):
    t = res.takeup()
    acc = _one(t, scenario="S3", year=2025, group="all", instrument="account")
    assert (acc["eligible"], acc["users"], acc["deadweight_users"]) == (8_000, 800, 400)
    assert acc["takeup_rate"] == pytest.approx(0.1)
    assert acc["deadweight_share"] == pytest.approx(0.5)
    assert acc["additional_users"] == 400
    none = _one(t, scenario="S0", year=2025, group="all", instrument="account")
    assert none["takeup_rate"] is pd.NA and none["takeup_rate_note"] == "no eligible persons"
    over_years = res.takeup(by=["scenario", "instrument"])
    assert _one(over_years, scenario="S5", instrument="vov")["users"] == 1_800  # person-years
    p = res.takeup(by=["scenario", "year", "group"])
    row = _one(p, scenario="S3", year=2026, group="low_educated")
    assert row["participants"] == 720 and row["additional_participants"] == 300
    assert row["participation_rate"] == pytest.approx(720 / 4_000)
    assert row["training_hours"] == pytest.approx(7_200.0)
    assert "eligible" not in p.columns  # users of different instruments are not added up


def test_matthew_ratio(res):
    m = res.matthew()
    assert _one(m, scenario="S0", year=2025)["matthew_ratio"] == pytest.approx(3.0)
    assert _one(m, scenario="S3", year=2025)["matthew_ratio"] == pytest.approx(2.0)
    assert _one(m, scenario="S5", year=2025)["matthew_ratio"] == pytest.approx(4.0)
    # instrument tallies of high / low groups are 2/5 and 1/5 of the same rates: ratio 1
    mi = res.matthew(["scenario", "instrument"])
    assert _one(mi, scenario="S3", instrument="account")["matthew_ratio"] == pytest.approx(1.0)
    assert _one(mi, scenario="S0", instrument="account")["matthew_ratio"] is pd.NA


def test_compare_against_the_baseline(res):
    c = res.compare("S0")
    s5 = _one(c, scenario="S5", year=2025)
    assert s5["extra_cost_eur"] == pytest.approx(2_562_700 - 403_100)
    assert s5["extra_participants"] == 1_000
    assert s5["extra_training_hours"] == pytest.approx(10_000.0)
    base = c.loc[c["scenario"] == "S0"]
    assert (base["extra_cost_eur"] == 0).all()
    assert (base["cost_per_additional_participant_eur_note"] == "no additional participants").all()
    with pytest.raises(DataError, match="S9"):
        res.compare("S9")


def test_ledger_balanced_detects_a_broken_row():
    ds = make_tallies()
    good = Results(ds, make_instruments(), make_it_costs()).ledger()
    assert good["balanced"].all() and good["all_groups_balanced"].all()
    broken = ds.copy(deep=True)
    broken["closing"].loc[dict(scenario="S3", year=2026, group="all", instrument="vov")] += 1
    led = Results(broken, make_instruments(), make_it_costs()).ledger()
    bad = led.loc[~led["balanced"]]
    assert len(bad) == 1
    assert (bad["scenario"].iloc[0], bad["year"].iloc[0], bad["instrument"].iloc[0]) == (
        "S3",
        2026,
        "vov",
    )
    assert bad["imbalance"].iloc[0] == -1
    hidden = ds.copy(deep=True)
    hidden["spent"].loc[dict(scenario="S0", year=2025, group="low_educated", instrument="vov")] += 5
    led = Results(hidden, make_instruments(), make_it_costs()).ledger()
    assert led["balanced"].all()  # the 'all' total is fine ...
    assert (~led["all_groups_balanced"]).sum() == 1  # ... but the group row is not


def test_unit_mismatch_and_bad_manifest_are_refused():
    meta = make_instruments().assign(unit=["cent", "cent", "cent"])
    with pytest.raises(DataError, match="vov"):
        Results(make_tallies(), meta)
    with pytest.raises(DataError, match="JSON"):
        Results(make_tallies(), make_instruments(), manifest={"x": object()})


def test_to_xarray_dims_and_totals(res):
    ds = res.to_xarray()
    assert ds["cost_eur"].dims == ("scenario", "year", "group", "instrument", "funder", "component")
    total = float(ds["cost_eur"].sel(group="all").sum() + ds["it_cost_eur"].sum())
    assert total == pytest.approx(float(res.cost([])["cost_eur"].iloc[0]))
    v = float(ds["outstanding_eur"].sel(scenario="S0", year=2025, group="all", instrument="vov"))
    assert v == pytest.approx(37_900 * 21.30)
    assert json.loads(ds.attrs["manifest"]) == MANIFEST


def _all_tables(res: Results) -> dict[str, pd.DataFrame]:
    return {
        **res.tables(),
        "cost_group": res.cost(["scenario", "year", "group", "funder", "competence"]),
        "cpp_year": res.cost_per_participant(by=["scenario", "group", "year"]),
        "compare_group": res.compare(by=["scenario", "year", "group"]),
        "liability_group": res.liability(by=["scenario", "group", "instrument"]),
    }


def test_no_nan_anywhere_in_outputs(res):
    for name, frame in _all_tables(res).items():
        assert len(frame) > 0, name
        assert_no_nan(frame, name)
        floats = [c for c in frame.columns if frame[c].dtype == np.float64]
        assert np.isfinite(frame[floats].to_numpy(dtype="float64")).all(), name
        for col in frame.columns:
            if str(frame[col].dtype) == "Float64":
                na = frame[col].isna()
                assert (frame.loc[na, f"{col}_note"] != "").all(), (name, col)
                assert (frame.loc[~na, f"{col}_note"] == "").all(), (name, col)
    ds = res.to_xarray()
    for name, var in ds.data_vars.items():
        assert np.isfinite(var.values.astype("float64")).all(), name


def test_empty_it_table_and_absent_high_low_groups():
    r = Results(make_tallies(), make_instruments())
    assert "it" not in set(r.cost(["component"])["component"])
    no_edu = Results(make_tallies().sel(group=["all"]), make_instruments())
    with pytest.raises(DataError, match="high_educated"):
        no_edu.matthew()
    assert math.isfinite(no_edu.cost([])["cost_eur"].iloc[0])


def test_instrument_costs_may_vary_by_scenario_and_year():
    meta = make_instruments().merge(pd.DataFrame({"year": YEARS}), how="cross")
    # VOV admin cost indexed at 2 % a year from 10 EUR: 10.00, 10.20, 10.404 -> 10.40 EUR
    vov = meta["id"] == "vov"
    meta.loc[vov, "admin_cost_per_transaction_eur"] = 10 * 1.02 ** (meta.loc[vov, "year"] - 2025)
    r = Results(make_tallies(), meta, make_it_costs())
    c = r.cost(["scenario", "year", "instrument", "item"])
    got = [
        _one(c, scenario="S0", year=y, instrument="vov", item="admin_per_transaction")["cost_eur"]
        for y in YEARS
    ]
    assert got == pytest.approx([200 * 10.00, 200 * 10.20, 200 * 10.40])
    # the liability of time uses the year's reimbursement rate
    meta.loc[vov & (meta["year"] == 2027), "reimbursement_eur_per_hour"] = 22.0
    liab = Results(make_tallies(), meta).liability()
    row = _one(liab, scenario="S0", year=2027, instrument="vov")
    assert row["outstanding_eur"] == pytest.approx(row["closing_hours"] * 22.0)


@settings(max_examples=20, deadline=None)
@given(k=st.integers(1, 10_000))
def test_cost_aggregations_are_exact_and_consistent(k):
    """Scaling every tally by k scales person-level cost by k exactly (integer cents), and
    totals over funders, components and competences agree to the cent."""
    ds = make_tallies()
    scaled = ds.copy()
    for name in ds.data_vars:
        scaled[name] = ds[name] * k
    r = Results(scaled, make_instruments())  # no IT: every line is person-level
    lines = r._lines
    total = int(lines.loc[lines["group"] == "all", "cost_cents"].sum())
    base = Results(ds, make_instruments())._lines
    assert total == k * int(base.loc[base["group"] == "all", "cost_cents"].sum())
    t = r.cost([])["cost_eur"].iloc[0]
    for by in (["funder"], ["component"], ["competence"], ["instrument", "item"]):
        assert r.cost(by)["cost_eur"].sum() == pytest.approx(t, rel=1e-15)
    assert t == total / 100
