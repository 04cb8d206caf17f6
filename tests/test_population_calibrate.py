"""IPF and integer rounding."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from llrsim.errors import DataError
from llrsim.population.calibrate import (
    Constraint,
    ipf,
    largest_remainder,
    round_within_groups,
)


def test_ipf_meets_constraints_and_margins():
    # 2 groups x 2 categories; margins 100 and 50 persons; share of category 1 = 0.4 overall
    # and 0.5 in group 0, so group 1 has 60 - 50 = 10 persons in category 1.
    group = np.array([0, 0, 1, 1])
    cat1 = np.array([False, True, False, True])
    cons = [
        Constraint("overall", np.ones(4, bool), cat1, 0.4, "share"),
        Constraint("group0", group == 0, cat1, 0.5, "share"),
    ]
    out = ipf(np.ones(4), cons, group, np.array([100.0, 50.0]))
    assert out[:2].sum() == pytest.approx(100) and out[2:].sum() == pytest.approx(50)
    assert out[1] / 100 == pytest.approx(0.5, abs=1e-9)
    assert out[cat1].sum() / 150 == pytest.approx(0.4, abs=1e-9)
    assert out[3] == pytest.approx(10, abs=1e-6)


def test_ipf_count_constraint():
    group = np.array([0, 0, 0])
    num = np.array([True, False, False])
    out = ipf(np.ones(3), [Constraint("c", np.ones(3, bool), num, 10.0, "count")], group, [40.0])
    assert out[0] == pytest.approx(10) and out.sum() == pytest.approx(40)


def test_ipf_refuses_contradictory_targets():
    group = np.zeros(2, dtype=np.int64)
    cat = np.array([True, False])
    cons = [
        Constraint("a", np.ones(2, bool), cat, 0.3, "share"),
        Constraint("b", np.ones(2, bool), cat, 0.6, "share"),
    ]
    with pytest.raises(DataError, match="worst target"):
        ipf(np.ones(2), cons, group, [10.0])


def test_ipf_refuses_target_on_structural_zero():
    group = np.zeros(2, dtype=np.int64)
    cat = np.array([True, False])
    with pytest.raises(DataError, match="structural zero"):
        ipf(
            np.array([0.0, 1.0]), [Constraint("z", np.ones(2, bool), cat, 0.2, "share")], group, [5]
        )


@given(
    st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=40),
    st.integers(min_value=0, max_value=10**7),
)
def test_largest_remainder_sums_exactly(values, total):
    values = np.array(values)
    if not values.sum() > 0:
        with pytest.raises(ValueError, match="positive sum"):
            largest_remainder(values, total)
        return
    out = largest_remainder(values, total)
    assert out.sum() == total
    assert (out >= 0).all()
    assert np.all(np.abs(out - values / values.sum() * total) < 1 + 1e-6)


def test_round_within_groups_absorbs_floating_point_overshoot():
    # values 1.5 persons (< 1e-6 relative) above the total; the floors overshoot by one unit,
    # taken from the value with the smallest fractional part
    values = np.array([1_000_001.0, 1_000_000.5])
    out = round_within_groups(values, np.zeros(2, dtype=np.int64), np.array([2_000_000]))
    assert out.tolist() == [1_000_000, 1_000_000]
    with pytest.raises(ValueError, match="group totals differ"):
        round_within_groups(np.array([2.0, 1.0, 1.0]), np.zeros(3, dtype=np.int64), [3])


def test_round_within_groups_keeps_group_totals():
    values = np.array([0.4, 0.4, 0.2, 2.5, 2.5])
    group = np.array([0, 0, 0, 1, 1])
    out = round_within_groups(values, group, np.array([1, 5]))
    assert out.tolist() == [1, 0, 0, 3, 2]
