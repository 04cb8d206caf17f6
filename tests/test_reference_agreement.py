"""The numpy reference of the benchmarks (benchmarks/reference_policy_numpy.py) agrees with
the policy kernel: same inputs, same keyed draws, same order of operations, so the tallies
are identical — every variable, scenario, year, group and instrument."""

import importlib.util
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

import llrsim
from llrsim.engine import mechanisms as m
from llrsim.engine.run import run_plan
from llrsim.population import groups
from llrsim.scenarios import phase

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "reference_policy_numpy.py"
_spec = importlib.util.spec_from_file_location("reference_policy_numpy", _PATH)
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)

SCENARIOS = ["S0", "S1", "S2", "S3", "S4", "S5", "S6"]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    pop = llrsim.synthesize(2024, 4_000, seed=5)
    path = phase({2026: "S1+S2", 2028: "S4", 2031: "S6"})
    # S3 with a right that ends with the job (forfeited at an employer change or on leaving
    # employment)
    text = (files("llrsim.scenarios") / "files" / "S3.toml").read_text(encoding="utf-8")
    assert "transferable = true" in text
    tied = tmp_path_factory.mktemp("scen") / "S3_tied.toml"
    tied.write_text(
        text.replace('id = "S3"', 'id = "S3_tied"').replace(
            "transferable = true", "transferable = false"
        ),
        encoding="utf-8",
    )
    res = llrsim.simulate(pop, [*SCENARIOS, path, tied], years=range(2025, 2035), seed=7)
    c = res.context
    ds = run_plan(
        c.population, c.entry_year, c.plan, c.tables, groups.compiled(), groups.names(),
        c.coef, c.seed,
    )  # fmt: skip
    tp = np.stack([ds[v].values for v in m.P_VARS], axis=-1)
    ti = np.stack([ds[v].values for v in m.I_VARS], axis=-1)
    rtp, rti = ref.policy_numpy(
        c.population, c.entry_year, c.plan, c.tables, groups.compiled(), c.coef, c.seed
    )
    return c.plan, (tp, ti), (rtp, rti)


def test_person_tallies_identical(both):
    _, (tp, _), (rtp, _) = both
    assert rtp.shape == tp.shape
    for v, name in enumerate(m.P_VARS):
        np.testing.assert_array_equal(rtp[..., v], tp[..., v], err_msg=name)


@pytest.mark.parametrize("name", m.I_VARS)
def test_instrument_tallies_identical(both, name):
    plan, (_, ti), (_, rti) = both
    v = m.I_VARS.index(name)
    diff = np.argwhere(rti[..., v] != ti[..., v])
    where = [(plan.scenarios[s], plan.years[y], plan.instruments[i]) for s, y, _, i in diff[:5]]
    assert diff.size == 0, f"{name} differs at (scenario, year, instrument) {where}"


def test_agreement_is_not_vacuous(both):
    """Every mechanism the kernel has is exercised: users, spending, expiry, exits,
    exchange (S6) and the growth path's phase switches."""
    plan, (_, ti), _ = both
    users = ti[..., m.W_USERS].sum(axis=(0, 1, 2))
    for k in (
        m.KIND_MONEY,
        m.KIND_TIME,
        m.KIND_VOUCHER,
        m.KIND_GUIDANCE,
        m.KIND_SUBSIDY,
        m.KIND_OBLIGATION,
        m.KIND_LEAVE,
    ):
        assert users[plan.kind == k].sum() > 0, m.KIND_NAMES[k]
    for v in (m.W_SPENT, m.W_EXPIRED, m.W_FORFEITED, m.W_EXCHANGED_OUT, m.W_FIRST_USERS):
        assert ti[..., v].sum() > 0, m.I_VARS[v]
    # the right that ends with the job is forfeited more often than the transferable one
    s3, tied = plan.scenarios.index("S3"), plan.scenarios.index("S3_tied")
    j = plan.instruments.index("llr_money_broad")
    forfeited = ti[..., j, m.W_FORFEITED].sum(axis=(1, 2))
    assert forfeited[tied] > forfeited[s3]


def test_numpy_keyed_draws_equal_the_library_generator():
    from llrsim.engine.rng import uniform_array

    pid = np.array([0, 1, 17, 10**12 + 2025 * 10**7 + 3, 2**40], dtype=np.int64)
    for seed, stream, year, index in (
        (0, 1, 2025, 0),
        (7, 1000, 2031, 1695373067),
        (3, 102, 2034, 1),
    ):
        got = ref.keyed_uniform(ref.person_year_keys(seed, pid, year), stream, index)
        np.testing.assert_array_equal(got, uniform_array(seed, stream, pid, year, index))
