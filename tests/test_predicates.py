"""Structured predicates: validation, compilation and matching."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from llrsim.population.codes import Education, Flag, Status
from llrsim.predicates import Predicate, match_arrays, matches


def person(age=40, sex=0, edu=1, status=0, size=3, sector=1, flags=0, exp=10, unemp=0, groups=0):
    return (age, sex, edu, status, size, sector, flags, exp, unemp, groups)


def test_default_predicate_matches_everyone_in_age_range():
    p = Predicate().compile()
    assert matches(p, *person())
    assert not matches(p, *person(age=68))


def test_conditions_are_conjunctive():
    p = Predicate(age_min=55, education=["low"], statuses=["employed"]).compile()
    assert matches(p, *person(age=56, edu=Education.LOW, status=Status.SELF_EMPLOYED))
    assert not matches(p, *person(age=56, edu=Education.HIGH))
    assert not matches(p, *person(age=56, edu=Education.LOW, status=Status.JOBSEEKER))


def test_flags_and_groups():
    p = Predicate(flags=["work_disability"], any_of_groups=["b"]).compile({"a": 0, "b": 1})
    wd = 1 << Flag.WORK_DISABILITY
    assert matches(p, *person(flags=wd, groups=0b10))
    assert not matches(p, *person(flags=wd, groups=0b01))
    assert not matches(p, *person(flags=0, groups=0b10))


def test_unknown_values_and_fields_are_refused():
    with pytest.raises(ValidationError, match="unknown value 'phd'"):
        Predicate(education=["phd"])
    with pytest.raises(ValidationError, match="extra"):
        Predicate(salary_min=3)
    with pytest.raises(ValidationError, match="age_min"):
        Predicate(age_min=60, age_max=50)
    with pytest.raises(ValueError, match="unknown target group"):
        Predicate(any_of_groups=["x"]).compile({"a": 0})


@given(st.integers(0, 60), st.integers(0, 60), st.integers(18, 67))
def test_age_range_is_inclusive(lo, span, age):
    p = Predicate(age_min=lo, age_max=lo + span).compile()
    assert matches(p, *person(age=age)) == (lo <= age <= lo + span)


def test_vectorised_equals_scalar():
    rng = np.random.default_rng(0)
    n = 500
    cols = [
        rng.integers(18, 68, n),
        rng.integers(0, 2, n),
        rng.integers(0, 3, n),
        rng.integers(0, 7, n),
        rng.integers(0, 6, n),
        rng.integers(0, 8, n),
        rng.integers(0, 4, n),
        rng.integers(0, 40, n),
        rng.integers(0, 60, n),
        rng.integers(0, 4, n),
    ]
    p = Predicate(age_max=50, statuses=["employee"], min_experience_years=5).compile()
    vec = match_arrays(p, *cols)
    assert vec.tolist() == [matches(p, *(c[i] for c in cols)) for i in range(n)]
    assert 0 < vec.sum() < n
