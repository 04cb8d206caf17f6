"""Behaviour: calibration targets, probability functions, deadweight and the Matthew effect."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import llrsim
from llrsim.behaviour.calibrate import participation_moments
from llrsim.behaviour.coefficients import behaviour_vector
from llrsim.behaviour.participation import participation_probability
from llrsim.behaviour.response import (
    BOUND_MARGIN,
    may_train,
    odds_growth_max,
    response_probability,
    response_upper_bound,
)
from llrsim.behaviour.targets import PARTICIPATION_TARGETS, TAKEUP_TARGETS

COEF = behaviour_vector()


@pytest.fixture(scope="module")
def pop():
    # another, larger sample than the calibration population (200k records, seed 0): the fit
    # must generalise, and 1M records keep the sampling noise of the counts near 1-2 %
    return llrsim.synthesize(2024, 1_000_000, seed=1)


@pytest.fixture(scope="module")
def s0_first_year(pop):
    return llrsim.simulate(pop, ["S0"], years=range(2025, 2026), seed=1)


def test_participation_targets_hit(pop):
    got = participation_moments(pop, COEF)
    for t in PARTICIPATION_TARGETS:
        assert got[t.name] == pytest.approx(t.value, rel=t.tolerance), t.name


def test_s0_reproduces_observed_use_within_tolerance(s0_first_year):
    """The *simulated* S0 (not only its expectation) hits the counts and the profile shares
    that target groups can express."""
    users = s0_first_year.tallies["users"].sel(scenario="S0", year=2025)
    lbc = users.sel(instrument="loopbaancheques")
    sim = {
        "vov_users": users.sel(group="all", instrument="vov").item(),
        "opleidingscheques_users": users.sel(group="all", instrument="opleidingscheques").item(),
        "loopbaancheques_first": lbc.sel(group="all").item(),
        "loopbaancheques_share_high": lbc.sel(group="high_educated").item()
        / lbc.sel(group="all").item(),
    }
    targets = {t.name: t for t in TAKEUP_TARGETS}
    for name, value in sim.items():
        t = targets[name]
        assert value == pytest.approx(t.value, rel=t.tolerance), name


def test_takeup_profile_targets_hit_in_expectation(pop):
    from llrsim.behaviour.calibrate import first_year, takeup_moments
    from llrsim.behaviour.coefficients import default_parameters

    got = takeup_moments(first_year(pop, 1, default_parameters()), default_parameters())
    for t in TAKEUP_TARGETS:
        assert got[t.name] == pytest.approx(t.value, rel=t.tolerance), t.name


def test_deadweight_plus_additional_equals_users_and_participants(pop):
    small = llrsim.synthesize(2024, 20_000, seed=2)
    res = llrsim.simulate(small, ["S0", "S3"], years=range(2025, 2028))
    ds = res.tallies
    np.testing.assert_array_equal(
        ds["participants"], ds["participants_baseline"] + ds["additional_participants"]
    )
    assert (ds["deadweight_users"] <= ds["users"]).all()
    s0 = ds.sel(scenario="S0")
    assert int(s0["additional_participants"].sum()) == 0  # no new right in S0
    s3 = ds.sel(scenario="S3", group="all")
    assert int(s3["additional_participants"].sum()) > 0
    # common random numbers: baseline participants are the same persons in every scenario
    np.testing.assert_array_equal(
        ds["participants_baseline"].sel(scenario="S3"), ds["participants"].sel(scenario="S0")
    )


def test_a_generic_right_is_used_most_by_those_who_already_train(pop):
    """Matthew effect: under S3, most users would have trained anyway, and the high educated
    use the broad money right more often than the low educated."""
    small = llrsim.synthesize(2024, 30_000, seed=3)
    res = llrsim.simulate(small, ["S3"], years=range(2025, 2028))
    ds = res.tallies.sel(scenario="S3", instrument="llr_money_broad").sum("year")
    users, dead = ds["users"], ds["deadweight_users"]
    assert dead.sel(group="all") / users.sel(group="all") > 0.5
    rate = users / ds["eligible"]
    assert rate.sel(group="high_educated") > 2 * rate.sel(group="low_educated")


@given(
    age=st.integers(18, 67),
    sex=st.integers(0, 1),
    status=st.integers(0, 6),
    size=st.integers(0, 5),
)
def test_participation_is_a_probability_and_rises_with_education(age, sex, status, size):
    p = [participation_probability(COEF, age, sex, edu, status, size, 0) for edu in (0, 1, 2)]
    assert all(0.0 <= x <= 1.0 for x in p)
    assert p[0] <= p[1] <= p[2]


#: a course (fee in cents, minutes) and a time right (minutes) for response_probability
COURSE_AND_TIME = {
    "cost": st.integers(1, 1_000_000),
    "t": st.integers(0, 30_000),
    "minutes": st.integers(1, 30_000),
}


@settings(max_examples=200)
@given(
    p0=st.floats(0.0, 1.0),
    aware=st.floats(0.0, 1.0),
    m1=st.integers(0, 500_000),
    extra=st.integers(0, 500_000),
    **COURSE_AND_TIME,
)
def test_response_is_monotone_and_never_below_baseline(p0, aware, m1, extra, cost, t, minutes):
    a = response_probability(COEF, p0, aware, m1, cost, t, minutes)
    b = response_probability(COEF, p0, aware, m1 + extra, cost, t, minutes)
    assert 0.0 <= a <= 1.0
    assert a >= p0
    assert b >= a


@settings(max_examples=300)
@given(
    p0=st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1e-12, 0.5, 1.0 - 1e-12, 1.0])),
    aware=st.floats(0.0, 1.0),
    aware_max=st.floats(0.0, 1.0),
    money=st.integers(0, 500_000),
    below=st.floats(0.0, 1.0),
    **COURSE_AND_TIME,
)
def test_the_kernels_skip_test_never_skips_a_draw_that_could_train(
    p0, aware, aware_max, money, cost, t, minutes, below
):
    """``may_train`` is conservative: every draw below some right's p1 passes it, for any
    right whose awareness is at most the plan's largest; draws at or above the bound plus
    its margin fail it (so the kernel does skip work)."""
    aware = min(aware, aware_max)
    growth = odds_growth_max(COEF, aware_max)
    p1 = response_probability(COEF, p0, aware, money, cost, t, minutes)
    for u in (below * p1, np.nextafter(p1, 0.0), p1 - 1e-12):
        if 0.0 <= u < p1:
            assert may_train(u, p0, growth)
    if p0 < 1.0:
        u = response_upper_bound(p0, growth) + 2 * BOUND_MARGIN
        if u < 1.0:
            assert not may_train(u, p0, growth)


def test_plausibility_report_against_foreign_accounts():
    from llrsim.behaviour.plausibility import plausibility

    small = llrsim.synthesize(2024, 20_000, seed=4)
    table = plausibility(small, years=range(2025, 2030), seed=4)
    assert list(table["benchmark"].str.split(" ").str[0]) == ["CPF", "SkillsFuture", "STAP", "STAP"]
    shares = table["simulated"].iloc[:3]
    assert ((shares > 0) & (shares < 1)).all()
    # cumulative reach over five years exceeds the yearly take-up (people come back or not)
    assert table["simulated"].iloc[1] > table["simulated"].iloc[0]
    assert table["simulated"].notna().all()
    with pytest.raises(ValueError, match="no new money right"):
        plausibility(small, scenario="S0")
