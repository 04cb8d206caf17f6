"""combine() and phase(): worked examples with the expected instrument sets per year."""

from __future__ import annotations

import copy
import tomllib

import pytest
import tomli_w

import llrsim.scenarios as sc
from llrsim.errors import ScenarioError
from llrsim.scenarios.values import central

S0 = {
    "vov",
    "opleidingscheques",
    "loopbaancheques",
    "kmo_portefeuille",
    "vlaams_opleidingskrediet",
    "tijdskrediet_opleiding",
    "federal_training_right",
    "mtech_plus_loopbaanrekening",
    "ivoc_opleidingsbudget",
    "vdab_opleiding",
}


def ids(s) -> set[str]:
    return {i.id for i in s.instruments_in_force()}


def test_s1_s2_s4_combined():
    c = sc.combine("S1", "S2", "S4")
    assert c.id == "S1+S2+S4"
    assert c.components == ["S1", "S2", "S4"]
    assert ids(c) == S0 | {"llr_money_selective"}
    # max of uplifts, each with the scope of the scenario providing it
    assert central(c.awareness_uplift) == 0.3
    assert set(c.awareness_scope) == {"flemish", "federal", "sectoral", "employer"}
    assert central(c.friction_reduction) == 0.3 and c.friction_scope == ["flemish"]
    assert central(c.admin_cost_reduction) == 0.25 and c.admin_cost_scope == ["flemish"]
    # IT costs add up: 5 + 3 + 2 M EUR one-off, 1 + 0.5 + 0.5 M EUR yearly
    assert central(c.it_cost_oneoff_eur) == pytest.approx(10e6)
    assert central(c.it_cost_yearly_eur) == pytest.approx(2e6)
    assert c.it_cost_oneoff_eur.low == pytest.approx(4e6)
    assert c == sc.load("S1+S2+S4")


def test_combined_scenario_round_trips(tmp_path):
    c = sc.load("S1+S2+S4")
    again = sc.read(c.dump(tmp_path / "c.toml"))
    assert again == c
    assert ids(again) == ids(c)


def test_removals_conflicts_are_reported():
    c = sc.combine("S6", "S3")
    assert ids(c) == S0 - {"vov", "opleidingscheques", "loopbaancheques"} | {
        "llr_time",
        "llr_money",
        "llr_exchange",
        "llr_money_broad",
    }
    assert "S3 absorbs opleidingscheques, already removed by S6" in c.notes


def test_later_scenario_wins_for_the_same_instrument():
    c = sc.combine("S5", "S6")
    assert c.instrument("llr_time").source == sc.load("S6").instrument("llr_time").source
    assert any("llr_time" in n and "later (S6) wins" in n for n in c.notes)
    assert "vov" not in ids(c)


def test_later_wins_with_a_custom_override(tmp_path):
    s4 = tomllib.loads((sc.scenario.FILES_DIR / "S4.toml").read_text())
    custom = copy.deepcopy(s4)
    custom["id"] = "S4bis"
    custom["instruments"][0]["accrual_eur"] = 1500.0
    path = tmp_path / "S4bis.toml"
    path.write_text(tomli_w.dumps(custom))
    c = sc.combine("S4", str(path))
    assert c.instrument("llr_money_selective").accrual_eur == 1500.0
    assert any("llr_money_selective" in n for n in c.notes)
    c2 = sc.combine(str(path), "S4")
    assert c2.instrument("llr_money_selective").accrual_eur == 1000.0


def test_combining_a_scenario_with_s0_is_that_scenario():
    assert ids(sc.combine("S0", "S4")) == ids(sc.load("S4"))


def test_different_roots_are_refused(tmp_path):
    (tmp_path / "root.toml").write_text('id = "R"\nname = "Andere basis"\n')
    with pytest.raises(ScenarioError, match="different root bases"):
        sc.combine("S4", str(tmp_path / "root.toml"))


# -- growth paths -----------------------------------------------------------------------


GROWTH = {2026: "S1+S2", 2028: "S4", 2031: "S6"}


def test_growth_path_is_cumulative_by_default():
    p = sc.phase(GROWTH)
    expected = {
        2025: ("S0", S0),
        2026: ("S1+S2", S0),
        2027: ("S1+S2", S0),
        2028: ("S1+S2+S4", S0 | {"llr_money_selective"}),
        2030: ("S1+S2+S4", S0 | {"llr_money_selective"}),
        2031: (
            "S1+S2+S4+S6",
            S0 - {"vov", "opleidingscheques", "loopbaancheques"}
            | {"llr_money_selective", "llr_time", "llr_money", "llr_exchange"},
        ),
        2035: (
            "S1+S2+S4+S6",
            S0 - {"vov", "opleidingscheques", "loopbaancheques"}
            | {"llr_money_selective", "llr_time", "llr_money", "llr_exchange"},
        ),
    }
    for year, (sid, inst) in expected.items():
        s = p.in_force(year)
        assert s.id == sid, year
        assert ids(s) == inst, year
    assert p.switch_years == [2026, 2028, 2031]
    frame = p.to_frame(range(2025, 2032))
    assert list(frame["scenario"]) == ["S0", "S1+S2", "S1+S2", *["S1+S2+S4"] * 3, "S1+S2+S4+S6"]


def test_growth_path_replacing_steps():
    p = sc.phase(GROWTH, cumulative=False)
    assert p.in_force(2027).id == "S1+S2"
    assert p.in_force(2029).id == "S4"
    assert ids(p.in_force(2029)) == S0 | {"llr_money_selective"}
    assert p.in_force(2031).id == "S6"
    assert "llr_money_selective" not in ids(p.in_force(2031))


def test_years_before_the_path_need_a_before_scenario():
    p = sc.phase({2026: "S4"}, before=None)
    with pytest.raises(ScenarioError, match="no scenario in force in 2025"):
        p.in_force(2025)
    assert p.in_force(2026).id == "S4"


def test_phase_refuses_non_year_keys():
    with pytest.raises(ScenarioError, match="not a year"):
        sc.phase({"2026": "S4"})
    with pytest.raises(ScenarioError, match="at least one"):
        sc.phase({})
