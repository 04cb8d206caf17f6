"""The keyed generator: uniform, independent across streams and adjacent keys, pure.

Each test uses fixed seeds, so results are deterministic; thresholds are p-values of 1e-6
(a correct generator fails such a test with probability 1e-6 per fixed key set, a biased one
fails it reliably: see ``test_the_statistics_can_fail``). About 10^7 draws per test.
"""

import numpy as np
import pytest
from scipy import stats

from llrsim.engine import streams
from llrsim.engine.rng import uniform, uniform_array

N = 10_000_000
P_MIN = 1e-6


def chi2_uniform_p(u: np.ndarray, bins: int = 1000) -> float:
    counts = np.bincount((u * bins).astype(np.int64), minlength=bins)
    return float(stats.chisquare(counts).pvalue)


def chi2_pairs_p(u: np.ndarray, v: np.ndarray, bins: int = 64) -> float:
    cell = (u * bins).astype(np.int64) * bins + (v * bins).astype(np.int64)
    counts = np.bincount(cell, minlength=bins * bins)
    return float(stats.chisquare(counts).pvalue)


@pytest.fixture(scope="module")
def base() -> np.ndarray:
    return uniform_array(12345, streams.MORTALITY, np.arange(N), 2025, 0)


def test_pure_function_and_scalar_equals_vector():
    ids = np.array([0, 1, 2, 10**12 + 7, -5])
    v = uniform_array(7, streams.LABOUR_TRANSITION, ids, 2030, 3)
    s = [uniform(7, streams.LABOUR_TRANSITION, int(i), 2030, 3) for i in ids]
    assert np.array_equal(v, np.array(s))
    assert np.array_equal(v, uniform_array(7, streams.LABOUR_TRANSITION, ids, 2030, 3))
    assert np.all((v >= 0) & (v < 1))


def test_uniformity_chi_square_and_ks(base):
    assert base.min() >= 0.0 and base.max() < 1.0
    assert chi2_uniform_p(base) > P_MIN
    assert stats.kstest(base, "uniform").pvalue > P_MIN
    assert abs(base.mean() - 0.5) < 5 * np.sqrt(1 / 12 / N)


@pytest.mark.parametrize(
    "other",
    [
        (
            "adjacent person id",
            lambda: uniform_array(12345, streams.MORTALITY, np.arange(1, N + 1), 2025, 0),
        ),
        ("adjacent year", lambda: uniform_array(12345, streams.MORTALITY, np.arange(N), 2026, 0)),
        ("adjacent index", lambda: uniform_array(12345, streams.MORTALITY, np.arange(N), 2025, 1)),
        ("other stream", lambda: uniform_array(12345, streams.RETIREMENT, np.arange(N), 2025, 0)),
        ("adjacent seed", lambda: uniform_array(12346, streams.MORTALITY, np.arange(N), 2025, 0)),
    ],
    ids=lambda o: o[0],
)
def test_independence_of_adjacent_keys(base, other):
    v = other[1]()
    assert chi2_uniform_p(v) > P_MIN
    r = np.corrcoef(base, v)[0, 1]
    assert abs(r) < 5 / np.sqrt(N)
    assert chi2_pairs_p(base, v) > P_MIN
    assert not np.any(base == v) or np.mean(base == v) < 1e-6


def test_index_walk_within_a_person_year_is_uniform_and_pairwise_independent():
    n_persons, n_idx = 1_000_000, 10
    pid = np.repeat(np.arange(n_persons), n_idx)
    idx = np.tile(np.arange(n_idx), n_persons)
    u = uniform_array(3, streams.WAGE, pid, 2027, idx).reshape(n_persons, n_idx)
    assert chi2_uniform_p(u.ravel()) > P_MIN
    for k in range(n_idx - 1):
        assert chi2_pairs_p(u[:, k], u[:, k + 1], bins=32) > P_MIN


def test_the_statistics_can_fail(base):
    # A slightly biased or a correlated sequence must be caught by the same statistics.
    assert chi2_uniform_p(base**1.01) < P_MIN
    shifted = np.mod(base * 1.01, 1.0)
    assert chi2_pairs_p(base, shifted) < P_MIN


def test_stream_constants_are_distinct_and_in_range():
    values = [getattr(streams, name) for name in streams.__all__ if name != "MAX_INSTRUMENTS"]
    assert len(values) == len(set(values))
    assert all(0 <= v < 2**32 for v in values)
    assert streams.takeup_stream(0) == streams.TAKEUP_BASE
    with pytest.raises(ValueError):
        streams.takeup_stream(streams.MAX_INSTRUMENTS)
