"""Alignment hits external totals exactly to the record weight, and reports the gaps."""

import numpy as np
import pytest

from llrsim.engine import streams
from llrsim.engine.rng import uniform_array
from llrsim.population.align import align_sidewalk, align_sort_by_difference
from llrsim.population.project import project
from llrsim.population.transitions import reference_population


def draws(n, seed=1):
    rng = np.random.default_rng(seed)
    prob = rng.random(n) * 0.6
    u = uniform_array(seed, streams.ALIGNMENT, np.arange(n), 2030, 0)
    return prob, u


@pytest.mark.parametrize("method", [align_sort_by_difference, align_sidewalk])
def test_unit_weights_hit_the_target_exactly(method):
    prob, u = draws(50_000)
    w = np.ones(prob.size, dtype=np.int64)
    for target in (0, 1, 12_345, 20_000, 50_000):
        res = method(prob, w, target, u)
        assert res.after == target
        assert res.gap_after == 0
        assert res.before == int((u < prob).sum())
        assert res.gap_before == res.before - target


def test_sort_by_difference_weighted_within_half_a_record_and_prefers_high_scores():
    prob, u = draws(20_000, seed=2)
    w = np.random.default_rng(3).integers(20, 60, size=prob.size)
    target = int(0.4 * w.sum())
    res = align_sort_by_difference(prob, w, target, u)
    assert abs(res.gap_after) <= w.min() // 2
    score = prob - u
    assert score[res.selected].mean() > score[~res.selected].mean() + 0.2
    # equal weights: every selected record outranks every unselected but the skipped tail
    w2 = np.full(prob.size, 40)
    r2 = align_sort_by_difference(prob, w2, 40 * 5000, u)
    assert r2.after == 40 * 5000
    assert score[r2.selected].min() >= score[~r2.selected].max()


def test_sidewalk_weighted_within_one_record():
    prob, u = draws(20_000, seed=4)
    w = np.random.default_rng(5).integers(20, 60, size=prob.size)
    target = int(0.3 * w.sum())
    res = align_sidewalk(prob, w, target, u)
    assert abs(res.gap_after) <= w.max()


def test_alignment_refuses_bad_input():
    prob, u = draws(10)
    w = np.ones(10, dtype=np.int64)
    with pytest.raises(ValueError, match="target"):
        align_sort_by_difference(prob, w, 11, u)
    with pytest.raises(ValueError, match="prob"):
        align_sidewalk(prob + 1.0, w, 3, u)


def test_projection_aligned_to_the_80_percent_employment_target():
    pop = reference_population(20_000, year=2024, seed=6)
    pop.weight[:] = 1  # unit weights: the aligned total must equal the target exactly
    target = {2027: 0.80, 2030: 0.80}
    # no entrants: with unit weights they would be 71,000 records a year, swamping the sample
    res = project(pop, range(2025, 2031), seed=3, align=target, with_new_entrants=False)
    al = res.alignment.set_index("year")
    assert list(al.index) == [2027, 2030]
    assert np.all(al["gap_after"] == 0)
    assert al.loc[2027, "gap_before"] < 0  # the model alone stays below 80 %
    rate = res.employment_rate(ages=(20, 64)).set_index("year")
    for y in target:
        assert rate.loc[y, "employed"] == al.loc[y, "target"]
    # with realistic weights the gap is below one record weight
    res_w = project(reference_population(20_000, 2024, 6), range(2025, 2028), align={2027: 0.8})
    assert abs(res_w.alignment["gap_after"].iloc[0]) <= 212  # weights are 211 or 212


def test_infeasible_alignment_reports_the_remaining_gap():
    pop = reference_population(5_000, year=2024, seed=7)
    res = project(pop, [2025], seed=1, align={2025: 0.99}, with_new_entrants=False)
    assert res.alignment["gap_after"].iloc[0] < 0  # not enough jobseekers and inactive
