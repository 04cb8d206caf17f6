"""The population tables: provenance labels and the DERIVED numbers recomputed from sources."""

import math

import pytest

from llrsim.population.synthesize import population_total, target_by_name
from llrsim.tables import list_tables, load_table

POP_TABLES = [t for t in list_tables() if t.startswith("population/")]


@pytest.mark.parametrize("name", POP_TABLES)
def test_every_table_names_source_year_unit_and_derivation(name):
    t = load_table(name)
    assert t.source.publisher and t.source.url and t.unit and t.year
    assert t.derivation.strip(), f"{name}: derivation text missing"
    if t.assumption:
        assert "ASSUMPTION" in t.derivation.upper()


@pytest.mark.parametrize("name", ["education_2022", "labour_status_2023"])
def test_target_rows_label_their_basis(name):
    frame = load_table(f"population/{name}").frame
    assert set(frame["basis"]) <= {"sourced", "derived", "proxy", "assumption"}
    for row in frame.itertuples():
        if row.basis == "assumption":
            assert "ASSUMPTION range" in row.source, row.target
        if row.basis == "derived":
            assert "DERIVED" in row.source, row.target


def test_population_totals_and_interpolation():
    assert population_total(2021) == 6_653_062
    assert population_total(2023) == 6_774_807
    assert population_total(2022) == 6_774_807 - 75_931
    assert population_total(2024) == round(6_774_807 + (7_110_000 - 6_774_807) / 10)
    with pytest.raises(ValueError, match="year must be in"):
        population_total(2040)


def test_age_sex_table_sums_to_statbel_totals():
    frame = load_table("population/age_sex_2021").frame
    assert frame["men"].sum() == 2_126_383 and frame["women"].sum() == 2_096_134


def test_derived_labour_numbers():
    assert target_by_name("students_20_64").value == round(378_000 * 3_847_557 / (1_619_000 / 0.24))
    assert target_by_name("long_term_jobseeker_share").value == pytest.approx(
        61_500 / 210_153, 1e-4
    )


def test_derived_low_education_shares_reproduce_the_25_64_total():
    # Age weights 25-64 from the Statbel 2021 table.
    frame = load_table("population/age_sex_2021").frame
    tot = frame.assign(t=frame["men"] + frame["women"]).set_index("age")["t"]
    bands = [(25, 34), (35, 44), (45, 54), (55, 64)]
    w = [tot.loc[a:b].sum() for a, b in bands]
    low = [target_by_name(f"low_{a}_{b}").value for a, b in bands]
    high = [target_by_name(f"high_{a}_{b}").value for a, b in bands]
    assert sum(x * y for x, y in zip(w, low, strict=True)) / sum(w) == pytest.approx(
        0.146, abs=5e-4
    )
    assert sum(x * y for x, y in zip(w, high, strict=True)) / sum(w) == pytest.approx(
        0.467, abs=5e-4
    )


def test_odds_ratios_recomputed_from_the_sourced_rates():
    frame = load_table("population/status_seed_by_education").frame.set_index("education")

    def odds(r):
        return r / (1 - r)

    for edu, rate in (("low", 0.526), ("high", 0.908)):
        want = odds(rate) / odds(0.780)
        assert frame.loc[edu, "employed_odds_ratio"] == pytest.approx(want, abs=1e-4)
    for edu, share in (("low", 0.10), ("high", 0.15)):
        want = odds(share) / odds(0.13)
        assert frame.loc[edu, "self_employed_odds_ratio"] == pytest.approx(want, abs=1e-4)


def test_flemish_wage_targets_from_belgian_survey():
    frame = load_table("population/wages_2021").frame.set_index("statistic")["value"]
    ratio = 3_120 / 3_140
    for stat, be in (("d1", 2_303), ("median", 3_507), ("d9", 5_922), ("mean", 3_886)):
        assert frame[stat] == pytest.approx(be * ratio, abs=0.1)
    assert math.isclose(ratio, 0.99363, abs_tol=1e-5)


def test_employer_size_private_matches_the_proxy():
    frame = load_table("population/employer_size_2020").frame.set_index("employer_size")
    assert frame.loc["micro", "private"] == pytest.approx(0.339)
    assert frame.loc["large", "private"] == pytest.approx(1 - 0.653)
