"""Scenario files: every shipped file loads, round trips, and bad files are refused clearly."""

from __future__ import annotations

import copy
import tomllib

import matplotlib
import pytest
import tomli_w

import llrsim.scenarios as sc
from llrsim.cli import main
from llrsim.errors import ScenarioError

matplotlib.use("Agg")

S0_IDS = [
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
]

MONEY = {
    "id": "test_money",
    "kind": "money_account",
    "name": "Testrekening",
    "funder": "flemish_government",
    "competence": "flemish",
    "training_types": ["job_related"],
    "accrual_eur": 500.0,
    "cap_eur": 2500.0,
    "carry_over_unused": True,
    "transferable": True,
    "awareness": 0.4,
    "friction": {"value": 0.2, "low": 0.1, "high": 0.3, "source": "assumption: test"},
    "eligibility": {"statuses": ["employed", "jobseeker"]},
}
GOOD = {"id": "T1", "name": "Test", "base": "S0", "instruments": [MONEY]}


def write(tmp_path, data, name="bad.toml"):
    path = tmp_path / name
    path.write_text(tomli_w.dumps(data))
    return path


def bad(tmp_path, mutate):
    data = copy.deepcopy(GOOD)
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        sc.load(str(path))
    msg = str(exc.value)
    assert str(path) in msg or path.name in msg, msg
    assert "\n" not in msg
    return msg


# -- shipped files ------------------------------------------------------------------------


def test_names_are_s0_to_s6():
    assert sc.names() == [f"S{k}" for k in range(7)]


@pytest.mark.parametrize("name", [f"S{k}" for k in range(7)])
def test_every_shipped_file_loads_and_round_trips(name, tmp_path):
    s = sc.load(name)
    assert s.id == name
    assert s.instruments_in_force()
    # file -> object -> file -> object: equal objects, identical text
    path = s.dump(tmp_path / f"{name}.toml")
    again = sc.read(path)
    assert again == s
    assert again.to_toml() == s.to_toml()
    assert [i.id for i in again.instruments_in_force()] == [i.id for i in s.instruments_in_force()]


def test_s0_holds_the_inventory_instruments():
    assert [i.id for i in sc.load("S0").instruments_in_force()] == S0_IDS
    assert sorted(sc.inventory()["id"]) == sorted(S0_IDS)


def test_scenario_declarations_remove_and_add_instruments():
    ids = {n: {i.id for i in sc.load(n).instruments_in_force()} for n in sc.names()}
    s0 = set(S0_IDS)
    assert ids["S1"] == ids["S2"] == s0
    assert ids["S3"] == s0 - {"opleidingscheques", "loopbaancheques"} | {"llr_money_broad"}
    assert ids["S4"] == s0 | {"llr_money_selective"}
    assert ids["S5"] == s0 - {"vov"} | {"llr_time"}
    assert ids["S6"] == s0 - {"vov", "opleidingscheques", "loopbaancheques"} | {
        "llr_time",
        "llr_money",
        "llr_exchange",
    }


def test_design_defaults_are_as_documented():
    s3 = sc.load("S3").instrument("llr_money_broad")
    assert (s3.accrual_eur, s3.cap_eur) == (500.0, 2500.0)
    assert (s3.eligibility.age_min, s3.eligibility.age_max) == (18, 64)
    s4 = sc.load("S4").instrument("llr_money_selective")
    assert (s4.accrual_eur, s4.cap_eur, s4.own_share_basic_skills) == (1000.0, 5000.0, 0.0)
    assert set(s4.eligibility.any_of_groups) == {
        "low_educated",
        "jobseeker",
        "age_55_plus",
        "migration_background",
        "work_disability",
    }
    s5 = sc.load("S5").instrument("llr_time")
    assert (s5.accrual_hours, s5.cap_hours, s5.employer_reimbursement_eur_per_hour) == (
        125.0,
        500.0,
        21.30,
    )
    assert "employer_reimbursement_eur_per_hour" in s5.indexed
    s6 = sc.load("S6")
    assert s6.instrument("llr_time").accrual_hours == 125.0
    assert s6.instrument("llr_money").accrual_eur == 500.0
    assert s6.instrument("llr_exchange").rate_eur_per_hour == 21.30


def test_current_rules_of_s0():
    s0 = sc.load("S0")
    cheques = s0.instrument("opleidingscheques")
    assert (cheques.own_share, cheques.ceiling_eur_per_year) == (0.5, 250.0)
    assert (cheques.ceiling_higher_education_eur_per_year, cheques.own_share_basic_skills) == (
        500.0,
        0.0,
    )
    lbc = s0.instrument("loopbaancheques")
    assert (lbc.vouchers_per_period, lbc.period_years, lbc.own_contribution_eur) == (2, 6, 45.0)
    kmo = s0.instrument("kmo_portefeuille")
    assert kmo.rate_by_size["small_20_49"] == 0.30 and kmo.rate_by_size["medium"] == 0.20
    assert kmo.ceiling_eur_per_firm_per_year == 7500.0
    ftr = s0.instrument("federal_training_right")
    assert ftr.funder == "employer" and ftr.days_per_fte_by_size["small_10_19"] == 1.0
    assert s0.instrument("vov").employer_reimbursement_eur_per_hour == 21.30


def test_good_tmp_file_loads(tmp_path):
    s = sc.load(str(write(tmp_path, GOOD, "good.toml")))
    assert "test_money" in [i.id for i in s.instruments_in_force()]


# -- validation: one bad file per rule -------------------------------------------------------


def test_unknown_top_level_key(tmp_path):
    msg = bad(tmp_path, lambda d: d.update(colour="red"))
    assert "unknown key 'colour'" in msg and "absorbs" in msg


def test_unknown_instrument_key_lists_allowed_keys(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(accrual_per_month=3))
    assert "instruments[0]: unknown key 'accrual_per_month'" in msg
    assert "accrual_eur" in msg and "cap_eur" in msg


def test_unknown_eligibility_key(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0]["eligibility"].update(income_max=3))
    assert "instruments[0].eligibility: unknown key 'income_max'" in msg and "statuses" in msg


def test_wrong_type(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(accrual_eur="500"))
    assert "instruments[0].accrual_eur" in msg and "number" in msg


def test_wrong_type_bool(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(transferable="yes"))
    assert "instruments[0].transferable" in msg


def test_negative_amount_in_year_table_names_the_year(tmp_path):
    msg = bad(
        tmp_path,
        lambda d: d["instruments"][0].update(accrual_eur={"2025": 500.0, "2028": -1.0}),
    )
    assert "instruments[0].accrual_eur[2028]" in msg and "greater than or equal to 0" in msg


def test_negative_amount(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(admin_cost_per_transaction_eur=-5))
    assert "instruments[0].admin_cost_per_transaction_eur" in msg and "0" in msg


def test_bad_year_key(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(accrual_eur={"soon": 500.0}))
    assert "instruments[0].accrual_eur" in msg and "integer" in msg


def test_share_outside_unit_interval(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(own_share=1.5))
    assert "instruments[0].own_share" in msg and "less than or equal to 1" in msg


def test_ranged_share_outside_unit_interval(tmp_path):
    aw = {"value": 0.5, "low": 0.2, "high": 1.2, "source": "assumption"}
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(awareness=aw))
    assert "instruments[0].awareness" in msg and "[0, 1]" in msg


def test_ranged_value_outside_its_range(tmp_path):
    up = {"value": 0.9, "low": 0.1, "high": 0.5, "source": "assumption"}
    msg = bad(tmp_path, lambda d: d.update(awareness_uplift=up))
    assert "awareness_uplift" in msg and "low <= value <= high" in msg


def test_cap_below_accrual(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(cap_eur=400.0))
    assert "instruments[0].cap_eur" in msg and "cap >= accrual" in msg


def test_cap_below_accrual_in_a_later_year(tmp_path):
    def mutate(d):
        d["instruments"][0].update(
            accrual_eur={"2025": 500.0, "2028": 600.0}, cap_eur={"2025": 2500.0, "2028": 550.0}
        )

    msg = bad(tmp_path, mutate)
    assert "instruments[0].cap_eur[2028]" in msg


def test_unknown_target_group(tmp_path):
    msg = bad(
        tmp_path, lambda d: d["instruments"][0]["eligibility"].update(any_of_groups=["pirates"])
    )
    assert "instruments[0].eligibility.any_of_groups[0]" in msg
    assert "'pirates'" in msg and "low_educated" in msg


def test_unknown_status_value(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0]["eligibility"].update(statuses=["pirate"]))
    assert "instruments[0].eligibility.statuses" in msg and "jobseeker" in msg


def test_unknown_instrument_in_replaces(tmp_path):
    msg = bad(tmp_path, lambda d: d.update(replaces=["nope"]))
    assert "replaces[0]" in msg and "'nope'" in msg and "vov" in msg


def test_unknown_instrument_in_absorbs(tmp_path):
    msg = bad(tmp_path, lambda d: d.update(absorbs=["opleidingscheque"]))
    assert "absorbs[0]" in msg and "opleidingscheques" in msg


def test_unknown_kind(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(kind="lottery"))
    assert "instruments[0]" in msg and "money_account" in msg and "lottery" in msg


def test_unknown_funder(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(funder="eu"))
    assert "instruments[0].funder" in msg and "flemish_government" in msg


def test_unknown_training_type(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(training_types=["hobby"]))
    assert "instruments[0].training_types[0]" in msg and "basic_skills" in msg


def test_duplicate_instrument_ids(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"].append(copy.deepcopy(MONEY)))
    assert "duplicate instrument id 'test_money'" in msg


def test_removed_and_defined(tmp_path):
    def mutate(d):
        d["replaces"] = ["vov"]
        d["instruments"][0]["id"] = "vov"

    msg = bad(tmp_path, mutate)
    assert "replaces[0]" in msg


def test_indexed_field_must_be_an_eur_field(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(indexed=["own_share"]))
    assert "instruments[0].indexed[0]" in msg and "accrual_eur" in msg


def test_convert_needs_a_known_source(tmp_path):
    msg = bad(
        tmp_path,
        lambda d: d["instruments"][0].update(carry_over="convert", convert_from="nowhere"),
    )
    assert "convert_from" in msg and "'nowhere'" in msg and "llr_money_broad" in msg


def test_convert_needs_convert(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].update(convert_from="vov"))
    assert "instruments[0].convert_from" in msg


def test_exchange_needs_accounts_in_force(tmp_path):
    ex = {
        "id": "ex",
        "kind": "exchange",
        "name": "Uitwisseling",
        "funder": "flemish_government",
        "competence": "flemish",
        "training_types": [],
        "from_time_account": "vov",
        "to_money_account": "missing_money",
        "rate_eur_per_hour": 21.3,
        "time_to_money": True,
        "money_to_time": False,
        "awareness": 0.3,
        "friction": 0.2,
    }
    msg = bad(tmp_path, lambda d: d["instruments"].append(ex))
    assert "to_money_account" in msg and "'missing_money'" in msg and "test_money" in msg


def test_guidance_contribution_above_price(tmp_path):
    g = {
        "id": "g",
        "kind": "guidance_voucher",
        "name": "Cheque",
        "funder": "flemish_government",
        "competence": "flemish",
        "training_types": ["career_guidance"],
        "vouchers_per_period": 2,
        "period_years": 6,
        "price_eur": 40.0,
        "own_contribution_eur": 45.0,
        "awareness": 0.3,
        "friction": 0.2,
    }
    msg = bad(tmp_path, lambda d: d["instruments"].append(g))
    assert "instruments[1].own_contribution_eur" in msg


def test_employer_sizes_complete(tmp_path):
    s0 = tomllib.loads((sc.scenario.FILES_DIR / "S0.toml").read_text())
    kmo = next(i for i in s0["instruments"] if i["id"] == "kmo_portefeuille")
    kmo = copy.deepcopy(kmo) | {"id": "kmo2"}
    del kmo["rate_by_size"]["large"]
    msg = bad(tmp_path, lambda d: d["instruments"].append(kmo))
    assert "instruments[1].rate_by_size" in msg and "large" in msg


def test_missing_required_field(tmp_path):
    msg = bad(tmp_path, lambda d: d["instruments"][0].pop("awareness"))
    assert "instruments[0].awareness" in msg and "required" in msg


def test_invalid_toml(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('id = "x"\nname = \n')
    with pytest.raises(ScenarioError, match="invalid TOML"):
        sc.load(str(path))


def test_unknown_name():
    with pytest.raises(ScenarioError, match=r"unknown scenario 'S9'.*S0, S1"):
        sc.load("S9")


# -- describe ---------------------------------------------------------------------------------


def test_describe_answers_the_five_questions():
    table = sc.load("S4").describe()
    for col in ("target_group", "training_types", "financing", "competence", "mechanism"):
        assert col in table.columns
    row = table.loc["llr_money_selective"]
    assert "any of groups: low_educated" in row["target_group"]
    assert "basic_skills" in row["training_types"]
    assert "flemish_government" in row["financing"] and "0.1" in row["financing"]
    assert row["competence"] == "flemish"
    assert row["mechanism"].startswith("money account: 1,000 EUR/yr, cap 5,000 EUR")
    assert table.loc["federal_training_right", "financing"] == "employer (no public cost)"
    assert len(table) == 11
    assert sc.load("S1").describe().attrs["effects"]["awareness_uplift"] == 0.3


# -- CLI ----------------------------------------------------------------------------------------


def test_cli_list(capsys):
    assert main(["scenarios", "list"]) == 0
    out = capsys.readouterr().out
    for k in range(7):
        assert f"S{k} " in out


def test_cli_show(capsys):
    assert main(["scenarios", "show", "S4"]) == 0
    out = capsys.readouterr().out
    assert "llr_money_selective" in out and "target group:" in out and "mechanism:" in out


def test_cli_show_combination(capsys):
    assert main(["scenarios", "show", "S1+S2+S4"]) == 0
    assert "S1+S2+S4" in capsys.readouterr().out


def test_cli_diff(capsys):
    assert main(["scenarios", "diff", "S3", "S4"]) == 0
    out = capsys.readouterr().out
    assert "only in S3: llr_money_broad" in out
    assert "only in S4: opleidingscheques, loopbaancheques, llr_money_selective" in out


def test_cli_bad_name_exits_2_with_one_line(capsys):
    assert main(["scenarios", "show", "S9"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown scenario 'S9'" in err


def test_cli_bad_file_exits_2_with_one_line(tmp_path, capsys):
    data = copy.deepcopy(GOOD)
    data["instruments"][0]["cap_eur"] = 10.0
    data["colour"] = "red"
    path = write(tmp_path, data)
    assert main(["scenarios", "show", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "colour" in err and "cap_eur" in err


# -- inventory ----------------------------------------------------------------------------------


def test_inventory_reports_published_derived_and_missing():
    inv = sc.inventory().set_index("id")
    assert inv.loc["vov", "users_per_year"] == 55793
    assert inv.loc["vov", "budget_status"] == "derived"
    assert inv.loc["vov", "budget_meur_per_year"] == pytest.approx(55793 * 53 * 21.30 / 1e6, 1e-3)
    assert inv.loc["opleidingscheques", "budget_meur_per_year"] == 3.9
    assert inv.loc["loopbaancheques", "budget_status"] == "published"
    assert inv.loc["kmo_portefeuille", "budget_status"] == "not published"
    assert inv.loc["federal_training_right", "budget_meur_per_year"] == 0.0
    assert set(inv["level"]) == {"flemish", "federal", "sectoral"}
    assert all(u.startswith("http") for u in inv["source_url"])


def test_plot_inventory_labels_units():
    fig = sc.plot_inventory()
    xlabels = [ax.get_xlabel() for ax in fig.axes]
    assert any("M EUR per year" in x for x in xlabels)
    assert any("users per year" in x for x in xlabels)
    assert fig.axes[0].get_ylabel()


# -- uncertain parameters (Monte Carlo) ---------------------------------------------------------


def test_uncertain_parameters_and_with_values():
    s = sc.load("S1+S4")
    u = s.uncertain()
    assert u["awareness_uplift"].value == 0.3 and u["awareness_uplift"].high == 0.5
    assert "vov.awareness" in u and "llr_money_selective.friction" in u
    t = s.with_values({"awareness_uplift": 0.45, "vov.awareness": 0.6})
    assert t.awareness_uplift == 0.45
    assert t.instrument("vov").awareness == 0.6
    assert sc.load("S1+S4").instrument("vov").awareness.value == 0.5  # original untouched
    assert t.digest() != s.digest()
    assert [i.id for i in t.instruments_in_force()] == [i.id for i in s.instruments_in_force()]


def test_with_values_checks_names_and_bounds():
    s = sc.load("S4")
    with pytest.raises(ScenarioError, match="unknown uncertain parameters"):
        s.with_values({"vov.colour": 1.0})
    with pytest.raises(ScenarioError, match=r"awareness: Input should be less than or equal to 1"):
        s.with_values({"vov.awareness": 1.5})


def test_inventory_notes_say_how_a_figure_was_derived_or_why_it_is_missing():
    inv = sc.inventory().set_index("id")
    assert inv.loc["vov", "budget_note"].startswith("DERIVED: 55793 users x 53 h")
    assert "no sourced basis" in inv.loc["kmo_portefeuille", "budget_note"]
    assert "no sourced basis" in inv.loc["kmo_portefeuille", "users_note"]
