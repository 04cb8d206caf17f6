"""Compilation: year tables, indexation, effects and phase switches give the expected numbers."""

from __future__ import annotations

import copy
import tomllib

import numpy as np
import pytest
import tomli_w

import llrsim.scenarios as sc
from llrsim.errors import ScenarioError
from llrsim.parameters import Parameter, ParameterSet
from llrsim.population import groups
from llrsim.predicates import P_GROUPS, P_LEN, Predicate
from llrsim.scenarios import compiled as cp

GI = groups.group_index()
YEARS = range(2025, 2036)
G = 0.02  # shipped health-index growth (data/parameters/costing.toml)


def costing(growth: float, base_year: int = 2025) -> ParameterSet:
    return ParameterSet(
        {
            "health_index.growth": Parameter("health_index.growth", growth, "1/yr", "test"),
            "health_index.base_year": Parameter("health_index.base_year", base_year, "yr", "t"),
        }
    )


@pytest.fixture(scope="module")
def c():
    return sc.compile_scenarios(["S0", "S1", "S2", "S3", "S4", "S5", "S6"], YEARS, GI)


def test_layout_constants():
    assert len(cp.K_NAMES) == cp.K_LEN == 40
    assert cp.K_NAMES[cp.K_MIN_TRAINING_HOURS] == "min_training_hours_per_year"
    ks = {v for k, v in vars(cp).items() if k.startswith("K_") and isinstance(v, int)}
    assert ks == set(range(cp.K_LEN + 1))  # 0 .. K_LEN-1 plus K_LEN itself
    assert cp.K_NAMES[cp.K_CAP_EUR] == "cap_eur"
    assert cp.K_NAMES[cp.K_FRICTION] == "friction"
    assert cp.K_NAMES[cp.K_BY_SIZE_0 + 4] == "by_size_medium"
    assert cp.KIND_CODES == {
        "money_account": 0,
        "time_account": 1,
        "voucher": 2,
        "guidance_voucher": 3,
        "employer_subsidy": 4,
        "employer_obligation": 5,
        "exchange": 6,
        "leave_allowance": 7,
    }
    assert cp.FUNDER_CODES["flemish_government"] == 0 and cp.FUNDER_CODES["individual"] == 4


def test_shapes_and_codes(c):
    S, Y, n = 7, len(YEARS), len(c.instrument_ids)
    assert c.active.shape == (S, Y, n) and c.params.shape == (S, Y, n, cp.K_LEN)
    assert c.eligibility.shape == (S, Y, n, P_LEN) and c.eligibility.dtype == np.int64
    i_vov = c.instrument_ids.index("vov")
    assert c.kind[i_vov] == cp.KIND_CODES["time_account"] and c.unit[i_vov] == "minute"
    i_kmo = c.instrument_ids.index("kmo_portefeuille")
    assert c.kind[i_kmo] == 4 and c.unit[i_kmo] == "cent"
    i_ftr = c.instrument_ids.index("federal_training_right")
    assert c.funder[i_ftr] == cp.FUNDER_CODES["employer"]
    assert c.competence[i_ftr] == cp.COMPETENCE_CODES["federal"]
    # inactive: zeros and forfeit
    s3, i_ch = c.scenarios.index("S3"), c.instrument_ids.index("opleidingscheques")
    assert not c.active[s3, :, i_ch].any()
    assert (c.params[s3, :, i_ch] == 0).all()
    assert (c.carry_over[s3, :, i_ch] == cp.CARRY_OVER_CODES["forfeit"]).all()
    assert list(c.instruments["id"]) == list(c.instrument_ids)


def test_training_types_mask(c):
    s, y, i = c.index("S0", 2025, "vov")
    # job_related (bit 0) + certified (bit 2) + basic_skills (bit 3)
    assert c.training_types_mask[s, y, i] == 1 + 4 + 8


def test_year_table_is_a_step_function():
    c = sc.compile_scenarios(["S0"], range(2023, 2027), GI)
    medium = cp.K_BY_SIZE_0 + 4
    assert c.param("S0", 2023, "federal_training_right", medium) == 4.0
    assert c.param("S0", 2024, "federal_training_right", medium) == 5.0
    assert c.param("S0", 2026, "federal_training_right", medium) == 5.0
    assert c.param("S0", 2023, "federal_training_right", cp.K_BY_SIZE_0 + 2) == 1.0
    assert c.param("S0", 2023, "federal_training_right", cp.K_BY_SIZE_0 + 1) == 0.0


def test_year_before_the_first_key_is_an_error(tmp_path):
    s3 = tomllib.loads((sc.scenario.FILES_DIR / "S3.toml").read_text())
    s3["id"] = "S3late"
    s3["instruments"][0]["accrual_eur"] = {"2027": 500.0}
    path = tmp_path / "late.toml"
    path.write_text(tomli_w.dumps(s3))
    with pytest.raises(ScenarioError, match=r"llr_money_broad\.accrual_eur: no value for 2025"):
        sc.compile_scenarios([str(path)], YEARS, GI)
    ok = sc.compile_scenarios([str(path)], range(2027, 2030), GI)
    assert ok.param("S3late", 2027, "llr_money_broad", cp.K_ACCRUAL_EUR) == 500.0


def test_indexation_of_plain_numbers_from_the_base_year(c):
    for year in (2025, 2030, 2035):
        f = (1 + G) ** (year - 2025)
        assert c.param("S3", year, "llr_money_broad", cp.K_ACCRUAL_EUR) == pytest.approx(500 * f)
        assert c.param("S3", year, "llr_money_broad", cp.K_CAP_EUR) == pytest.approx(2500 * f)
        assert c.param("S5", year, "llr_time", cp.K_REIMBURSEMENT_EUR_PER_HOUR) == pytest.approx(
            21.30 * f
        )
    # VOV's 21.30 EUR/h is not indexed (flat since 2014-15)
    assert c.param("S0", 2035, "vov", cp.K_REIMBURSEMENT_EUR_PER_HOUR) == 21.30


def test_indexation_of_a_year_table_from_each_key_year():
    c = sc.compile_scenarios(["S0"], range(2024, 2028), GI)
    ceiling = cp.K_WAGE_CEILING_EUR_PER_MONTH
    assert c.param("S0", 2024, "vov", ceiling) == 3641.0
    assert c.param("S0", 2025, "vov", ceiling) == 3714.0
    assert c.param("S0", 2027, "vov", ceiling) == pytest.approx(3714.0 * 1.02**2)


def test_indexed_year_table_and_growth_parameter(tmp_path):
    s3 = tomllib.loads((sc.scenario.FILES_DIR / "S3.toml").read_text())
    s3["id"] = "S3step"
    s3["instruments"][0]["accrual_eur"] = {"2025": 500.0, "2028": 600.0}
    path = tmp_path / "step.toml"
    path.write_text(tomli_w.dumps(s3))
    c = sc.compile_scenarios([str(path)], range(2025, 2031), GI, costing=costing(0.03))
    got = [c.param("S3step", y, "llr_money_broad", cp.K_ACCRUAL_EUR) for y in range(2025, 2031)]
    want = [500.0, 515.0, 500 * 1.03**2, 600.0, 618.0, 600 * 1.03**2]
    assert got == pytest.approx(want)
    flat = sc.compile_scenarios([str(path)], range(2025, 2031), GI, costing=costing(0.0))
    assert flat.param("S3step", 2027, "llr_money_broad", cp.K_ACCRUAL_EUR) == 500.0


def test_no_limit_and_defaults(c):
    assert c.param("S3", 2025, "llr_money_broad", cp.K_MAX_PER_TRAINING_EUR) == np.inf
    assert c.param("S3", 2025, "llr_money_broad", cp.K_EXPIRY_YEARS) == 0.0
    assert c.param("S3", 2025, "llr_money_broad", cp.K_CARRY_OVER_UNUSED) == 1.0
    assert c.param("S0", 2025, "vov", cp.K_CARRY_OVER_UNUSED) == 0.0
    assert c.param("S0", 2025, "opleidingscheques", cp.K_OWN_SHARE) == 0.5
    assert c.param("S0", 2025, "opleidingscheques", cp.K_OWN_SHARE_BASIC_SKILLS) == 0.0
    assert c.param("S0", 2025, "opleidingscheques", cp.K_CEILING_HIGHER_ED_EUR_PER_YEAR) == 500.0
    assert c.param("S4", 2025, "llr_money_selective", cp.K_OWN_SHARE) == 0.1
    assert c.param("S0", 2025, "loopbaancheques", cp.K_OWN_CONTRIBUTION_EUR) == 45.0
    assert c.param("S0", 2025, "kmo_portefeuille", cp.K_BY_SIZE_0 + 3) == 0.30
    assert c.param("S0", 2025, "kmo_portefeuille", cp.K_CEILING_EUR_PER_FIRM_PER_YEAR) == 7500.0
    assert c.param("S6", 2025, "llr_exchange", cp.K_TIME_TO_MONEY) == 1.0
    assert c.param("S6", 2025, "llr_exchange", cp.K_EXCHANGE_EUR_PER_HOUR) == 21.30
    assert c.param("S3", 2025, "llr_money_broad", cp.K_ADMIN_PER_YEAR_PER_ELIGIBLE) == 1.0


def test_scenario_effects_are_applied_within_their_scope(c):
    # S1: awareness 0.5 + 0.3 * (1 - 0.5) for every competence
    assert c.param("S1", 2025, "vov", cp.K_AWARENESS) == pytest.approx(0.65)
    assert c.param("S1", 2025, "federal_training_right", cp.K_AWARENESS) == pytest.approx(
        0.3 + 0.3 * 0.7
    )
    # S2: friction and admin cost of Flemish instruments only
    assert c.param("S2", 2025, "vov", cp.K_FRICTION) == pytest.approx(0.3 * 0.7)
    assert c.param("S2", 2025, "vov", cp.K_ADMIN_PER_TRANSACTION_EUR) == pytest.approx(18.75)
    assert c.param("S2", 2025, "federal_training_right", cp.K_FRICTION) == pytest.approx(0.2)
    assert c.param("S2", 2025, "mtech_plus_loopbaanrekening", cp.K_FRICTION) == 0.3
    assert c.param("S0", 2025, "vov", cp.K_AWARENESS) == 0.5
    s1, s2 = c.scenarios.index("S1"), c.scenarios.index("S2")
    assert (c.awareness_uplift[s1] == 0.3).all() and (c.friction_reduction[s2] == 0.3).all()
    rows = c.instrument_table().set_index(["scenario", "year", "id"])
    assert rows.loc[("S2", 2025, "vov"), "admin_cost_per_transaction_eur"] == 18.75
    assert rows.loc[("S0", 2025, "vov"), "admin_cost_per_transaction_eur"] == 25.0
    assert rows.loc[("S5", 2030, "llr_time"), "reimbursement_eur_per_hour"] == pytest.approx(
        21.30 * 1.02**5
    )
    # an instrument never in force in a scenario still has a row (costing needs every pair)
    assert rows.loc[("S0", 2025, "llr_time"), "reimbursement_eur_per_hour"] == pytest.approx(21.30)


def test_it_costs_single_scenarios(c):
    s1 = c.scenarios.index("S1")
    assert c.it_cost_oneoff_eur[s1, 0] == 5e6 and (c.it_cost_oneoff_eur[s1, 1:] == 0).all()
    assert (c.it_cost_yearly_eur[s1] == 1e6).all()
    it = c.it_costs()
    assert set(it.columns) >= {"scenario", "year", "it_one_off_eur", "it_yearly_eur"}
    assert it["it_one_off_eur"].sum() == pytest.approx(5e6 + 3e6 + 2e6 + 2e6 + 1.5e6 + 3e6)


def test_eligibility_compiles_groups(c):
    s, y, i = c.index("S4", 2025, "llr_money_selective")
    pred = sc.load("S4").instrument("llr_money_selective").eligibility
    assert (c.eligibility[s, y, i] == pred.compile(GI)).all()
    want = sum(
        1 << GI[g]
        for g in (
            "low_educated",
            "jobseeker",
            "age_55_plus",
            "migration_background",
            "work_disability",
        )
    )
    assert c.eligibility[s, y, i, P_GROUPS] == want
    s0, _, v = c.index("S0", 2025, "vov")
    assert (c.eligibility[s0, 0, v] == Predicate(statuses=["employee_private"]).compile()).all()


def test_groups_need_the_group_index():
    with pytest.raises(ScenarioError, match=r"llr_money_selective\.eligibility"):
        sc.compile_scenarios(["S4"], YEARS, None)
    sc.compile_scenarios(["S0"], YEARS, None)  # no groups used: fine


def test_growth_path_compiles_with_switches_and_it_costs():
    path = sc.phase({2026: "S1+S2", 2028: "S4", 2031: "S6"})
    c = sc.compile_scenarios(["S0", path], YEARS, GI)
    p = c.scenarios.index(path.id)
    years = list(YEARS)
    assert [y for y, sw in zip(years, c.switch[p], strict=True) if sw] == [2026, 2028, 2031]
    assert not c.switch[c.scenarios.index("S0")].any()
    oneoff = dict(zip(years, c.it_cost_oneoff_eur[p], strict=True))
    assert oneoff[2025] == 0.0 and oneoff[2026] == pytest.approx(8e6)
    assert oneoff[2027] == 0.0 and oneoff[2028] == pytest.approx(2e6)
    assert oneoff[2031] == pytest.approx(3e6)
    yearly = dict(zip(years, c.it_cost_yearly_eur[p], strict=True))
    assert yearly[2027] == pytest.approx(1.5e6) and yearly[2031] == pytest.approx(2.7e6)
    active = {
        y: {c.instrument_ids[i] for i in np.flatnonzero(c.active[p, k])}
        for k, y in enumerate(years)
    }
    assert "llr_money_selective" not in active[2027] and "llr_money_selective" in active[2028]
    assert "vov" in active[2030] and "vov" not in active[2031]
    assert {"llr_time", "llr_money", "llr_exchange"} <= active[2031]
    k31 = years.index(2031)
    ex = c.instrument_ids.index("llr_exchange")
    assert c.exchange_from[p, k31, ex] == c.instrument_ids.index("llr_time")
    assert c.exchange_to[p, k31, ex] == c.instrument_ids.index("llr_money")
    # awareness uplift of S1 stays in force along the cumulative path
    assert c.param(path.id, 2031, "llr_time", cp.K_AWARENESS) == pytest.approx(0.5 + 0.3 * 0.5)


def test_carry_over_at_a_switch_keep_and_convert():
    path = sc.phase({2026: "S3", 2029: "S6"}, cumulative=False)
    c = sc.compile_scenarios([path], YEARS, GI)
    k = list(YEARS).index(2029)
    money, broad = c.instrument_ids.index("llr_money"), c.instrument_ids.index("llr_money_broad")
    assert c.carry_over[0, k, money] == cp.CARRY_OVER_CODES["convert"]
    assert c.convert_from[0, k, money] == broad
    assert c.param(path.id, 2029, "llr_money", cp.K_CONVERT_RATE) == 1.0
    assert c.carry_over[0, k, broad] == cp.CARRY_OVER_CODES["forfeit"]  # not in force any more
    t = c.instrument_ids.index("llr_time")
    assert c.carry_over[0, k, t] == cp.CARRY_OVER_CODES["keep"]
    assert c.convert_from[0, k, t] == -1


def test_cache_reuses_blocks_and_results_are_equal():
    cp.clear_cache()
    a = sc.compile_scenarios(["S0", "S4"], YEARS, GI)
    n = len(cp._CACHE)
    assert n == 2 * len(YEARS)
    b = sc.compile_scenarios(["S4", "S0"], YEARS, GI)
    assert len(cp._CACHE) == n
    assert (a.params[1] == b.params[0]).all()
    other = sc.compile_scenarios(["S0"], YEARS, GI, costing=costing(0.03))
    assert len(cp._CACHE) == n + len(YEARS)
    assert other.params.shape[0] == 1


def test_compile_refuses_bad_input():
    with pytest.raises(ScenarioError, match="list of scenarios"):
        sc.compile_scenarios("S0", YEARS, GI)
    with pytest.raises(ScenarioError, match="consecutive"):
        sc.compile_scenarios(["S0"], [2025, 2027], GI)
    with pytest.raises(ScenarioError, match="repeat"):
        sc.compile_scenarios(["S0", "S0"], YEARS, GI)


def test_instrument_table_is_accepted_by_costing(c):
    from llrsim.costing.metadata import validate_instruments

    table = validate_instruments(c.instrument_table(), c.instrument_ids, c.scenarios, c.years)
    assert len(table) == len(c.scenarios) * len(c.years) * len(c.instrument_ids)


def test_metadata_copy_is_independent():
    rows = copy.deepcopy(sc.compile_scenarios(["S0"], YEARS, GI).instruments)
    assert {"id", "name", "kind", "funder", "competence", "unit"} <= set(rows.columns)
    assert {"admin_cost_per_transaction_eur", "reimbursement_eur_per_hour"} <= set(rows.columns)
