"""Monte Carlo: distributions, designs and the SALib bridge, seeds, checkpoints, summaries."""

from __future__ import annotations

import json
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import llrsim
from llrsim.errors import LlrsimError
from llrsim.montecarlo import (
    CheckpointError,
    CheckpointMismatchError,
    SamplingError,
    Uncertain,
    UncertainError,
    default_names,
    design,
    draw_seed,
    montecarlo,
    resolve_uncertain,
    sobol_indices,
)

matplotlib.use("Agg")

SCEN = ["S0", "S4"]
YEARS = range(2025, 2027)
FEW = ["participation.intercept", "response.beta_money", "episode.cost_per_hour_eur"]


@pytest.fixture(scope="module")
def pop():
    return llrsim.synthesize(year=2024, n=1000, seed=0)


def run(pop, **kw):
    args = {"n": 4, "years": YEARS, "seed": 3, "backend": "serial", "progress": False}
    args.update(kw)
    return montecarlo(pop, SCEN, **args)


@pytest.fixture(scope="module")
def reference(pop):
    return run(pop)


def assert_same(a, b):
    assert sorted(a.tables) == sorted(b.tables)
    for k in a.tables:
        pd.testing.assert_frame_equal(a.tables[k], b.tables[k])
    np.testing.assert_array_equal(a.design.values, b.design.values)
    np.testing.assert_array_equal(a.seeds, b.seeds)


# ------------------------------------------------------------------ SALib bridge
def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_the_ishigami_function_match_the_analytical_values():
    inputs = [
        Uncertain.from_scipy(f"x{i}", stats.uniform(-math.pi, 2 * math.pi)) for i in (1, 2, 3)
    ]
    d = design(inputs, 2**12, "saltelli", seed=0)
    assert d.n_draws == 2**12 * (2 * 3 + 2)
    idx = sobol_indices(d, ishigami(d.values)).set_index("parameter")
    np.testing.assert_allclose(idx["S1"].to_numpy(float), [0.314, 0.442, 0.0], atol=0.03)
    np.testing.assert_allclose(idx["ST"].to_numpy(float), [0.558, 0.442, 0.244], atol=0.03)
    assert (idx["ST_conf"].to_numpy(float) > 0).all()


def test_sobol_indices_see_a_shuffled_output_as_noise():
    # The bridge must hand SALib the rows in design order: shuffled outputs lose the structure.
    inputs = [
        Uncertain.from_scipy(f"x{i}", stats.uniform(-math.pi, 2 * math.pi)) for i in (1, 2, 3)
    ]
    d = design(inputs, 2**10, "saltelli", seed=1)
    y = np.random.default_rng(0).permutation(ishigami(d.values))
    idx = sobol_indices(d, y)
    assert float(idx["S1"].max()) < 0.2


def test_saltelli_rows_follow_salib_order_a_ab_ba_b():
    inputs = [Uncertain.shipped(f"p{i}", "uniform", 0.5, 0.0, 1.0) for i in range(3)]
    d = design(inputs, 8, "saltelli", seed=0)
    D = 3
    block = d.unit.reshape(8, 2 * D + 2, D)
    a, b = block[:, 0], block[:, -1]
    for j in range(D):
        ab, ba = block[:, 1 + j], block[:, 1 + D + j]
        expect_ab = a.copy()
        expect_ab[:, j] = b[:, j]
        expect_ba = b.copy()
        expect_ba[:, j] = a[:, j]
        np.testing.assert_array_equal(ab, expect_ab)
        np.testing.assert_array_equal(ba, expect_ba)
    np.testing.assert_array_equal(d.values, d.unit)  # uniform on [0, 1]: ppf is the identity


def test_sobol_of_a_constant_output_is_na_with_a_note_never_nan():
    inputs = [Uncertain.shipped(f"p{i}", "uniform", 0.5, 0.0, 1.0) for i in range(2)]
    d = design(inputs, 4, "saltelli", seed=0)
    out = sobol_indices(d, np.ones(d.n_draws))
    assert out["S1"].isna().all() and (out["note"] != "").all()


# ------------------------------------------------------------------ distributions
@pytest.mark.parametrize("dist", ["uniform", "triangular", "normal", "lognormal", "beta"])
def test_shipped_distributions_stay_in_range_and_centre_on_value(dist):
    u = Uncertain.shipped("x", dist, value=3.0, low=2.0, high=6.0)
    grid = np.linspace(0.0, 1.0, 10_001)
    x = u.ppf(grid)
    assert x.min() >= 2.0 - 1e-12 and x.max() <= 6.0 + 1e-12
    assert np.all(np.diff(x) >= 0)
    if dist == "uniform":
        assert x[5000] == pytest.approx(4.0)
    elif dist == "lognormal":
        assert x[5000] < 4.0
        sym = Uncertain.shipped("x", dist, value=3.0, low=1.5, high=6.0)  # symmetric in logs
        assert sym.ppf(np.array([0.5]))[0] == pytest.approx(3.0)  # median = value
    else:  # mode at (or median near) value: below the mid-range for a left-skewed value
        assert x[5000] < 4.0


def test_distribution_errors_name_the_parameter():
    with pytest.raises(UncertainError, match=r"'x'.*low < high"):
        Uncertain.shipped("x", "uniform", 1.0, 1.0, 1.0)
    with pytest.raises(UncertainError, match=r"'x'.*outside"):
        Uncertain.shipped("x", "uniform", 9.0, 0.0, 1.0)
    with pytest.raises(UncertainError, match="lognormal needs low > 0"):
        Uncertain.shipped("x", "lognormal", 0.5, 0.0, 1.0)
    with pytest.raises(UncertainError, match="not finite"):
        Uncertain.from_scipy("x", stats.norm(0, 1)).ppf(np.array([0.0, 0.5]))
    with pytest.raises(UncertainError, match="frozen scipy"):
        Uncertain.from_scipy("x", 3.0)


def test_default_uncertain_inputs_are_the_ranged_behaviour_parameters():
    from llrsim.parameters import load_parameters

    ranged = [k for k, p in load_parameters("behaviour").items() if p.uncertain]
    assert default_names() == ranged
    assert [u.name for u in resolve_uncertain(None)] == ranged
    assert len(resolve_uncertain("all")) > len(ranged)


def test_uncertain_specs_from_python_and_toml(tmp_path):
    got = resolve_uncertain(
        {
            "response.beta_money": "normal",
            "response.beta_time": {"distribution": "triangular", "low": 0.0, "high": 1.0},
            "episode.hours_mean": stats.uniform(40, 20),
        }
    )
    assert got[0].spec["distribution"] == "normal"
    assert got[1].spec == {"distribution": "triangular", "value": 0.25, "low": 0.0, "high": 1.0}
    assert got[2].spec == {"scipy": "uniform", "args": [40.0, 20.0], "kwds": {}}
    path = tmp_path / "u.toml"
    path.write_text('[response.beta_money]\ndistribution = "beta"\n[response.beta_time]\n')
    got = resolve_uncertain(path)
    assert [u.name for u in got] == ["response.beta_money", "response.beta_time"]
    assert got[0].spec["distribution"] == "beta"
    assert got[1].spec["distribution"] == "uniform"  # the file's own
    with pytest.raises(UncertainError, match="unknown parameter 'nope'"):
        resolve_uncertain(["nope"])
    with pytest.raises(UncertainError, match="unknown fields"):
        resolve_uncertain({"response.beta_money": {"sd": 1}})


# ------------------------------------------------------------------ designs and seeds
def test_draw_seeds_come_from_seedsequence_spawn_and_are_distinct():
    children = np.random.SeedSequence(7).spawn(50)
    expect = [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
    got = [draw_seed(7, i) for i in range(50)]
    assert got == expect
    assert len(set(got)) == 50 and all(0 <= s < 2**63 for s in got)


@pytest.mark.parametrize("sampler", ["lhs", "random", "sobol"])
def test_designs_are_reproducible_and_in_range(sampler):
    params = resolve_uncertain(FEW)
    a = design(params, 16, sampler, seed=5)
    b = design(params, 16, sampler, seed=5)
    c = design(params, 16, sampler, seed=6)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)
    assert a.unit.shape == (16, 3) and ((a.unit > 0) & (a.unit < 1)).all()
    for j, p in enumerate(params):
        assert p.spec["low"] <= a.values[:, j].min() and a.values[:, j].max() <= p.spec["high"]


def test_latin_hypercube_has_one_point_per_stratum():
    d = design(resolve_uncertain(FEW), 20, "lhs", seed=0)
    for j in range(3):
        assert sorted(np.floor(d.unit[:, j] * 20).astype(int)) == list(range(20))


def test_design_errors():
    with pytest.raises(SamplingError, match="sampler"):
        design(resolve_uncertain(FEW), 4, "grid")
    with pytest.raises(SamplingError, match="at least 2"):
        design(resolve_uncertain(FEW[:1]), 4, "saltelli")
    with pytest.raises(SamplingError, match="positive integer"):
        design(resolve_uncertain(FEW), 0, "lhs")


# ------------------------------------------------------------------ runs
def test_run_is_deterministic_and_draws_differ(pop, reference):
    again = run(pop)
    assert_same(reference, again)
    other = run(pop, seed=4)
    assert not reference.tables["cost"].equals(other.tables["cost"])
    cost = reference.per_draw("cost", by=["scenario"])
    assert cost.groupby("scenario", observed=True)["cost_eur"].nunique().min() == 4


def test_each_draw_is_a_simulate_with_its_seed_and_values(pop, reference):
    res = llrsim.simulate(
        pop, SCEN, YEARS, seed=int(reference.seeds[2]), params=reference.design.row(2)
    )
    expect = res.cost(by=["scenario", "year", "funder"])
    got = reference.data("cost")
    got = got[got["draw"] == 2]
    np.testing.assert_array_equal(got["cost_eur"].to_numpy(), expect["cost_eur"].to_numpy())


def test_tables_are_compact_tidy_and_free_of_nan(reference):
    assert set(reference.tables) == {"cost", "takeup", "participation"}
    for name, t in reference.tables.items():
        assert t.columns[0] == "draw" and sorted(t["draw"].unique()) == [0, 1, 2, 3], name
        assert not t.isna().any().any(), name
    assert reference.tables["takeup"]["users"].dtype == np.int64
    ds = reference.to_xarray("cost")
    assert ds["cost_eur"].dims[0] == "draw" and not ds["cost_eur"].isnull().any()
    cost = reference.data("cost")
    funders = [str(f) for f in cost["funder"].cat.categories]
    assert list(ds["funder"].values) == funders != sorted(funders)  # run order, not sorted
    first = cost[(cost["draw"] == 1)].iloc[0]
    cell = ds["cost_eur"].sel(draw=1, scenario=first["scenario"], year=first["year"])
    assert float(cell.sel(funder=first["funder"])) == first["cost_eur"]


def test_quantiles_mean_and_differences_agree_with_the_draws(reference):
    per = reference.per_draw("cost", by=["scenario"])
    s0 = per[per["scenario"] == "S0"]["cost_eur"].to_numpy()
    s4 = per[per["scenario"] == "S4"]["cost_eur"].to_numpy()
    q = reference.quantiles("cost", q=(0.1, 0.5, 0.9), by=["scenario"]).set_index("scenario")
    assert list(q.columns) == ["q10", "q50", "q90"]
    assert float(q.loc["S4", "q50"]) == pytest.approx(np.median(s4))
    m = reference.mean("cost", by=["scenario"]).set_index("scenario")
    assert float(m.loc["S0", "mean"]) == pytest.approx(s0.mean())
    diff = reference.difference("cost", baseline="S0", by=["scenario"]).set_index("scenario")
    assert list(diff.index) == ["S4"]
    assert float(diff.loc["S4", "mean"]) == pytest.approx((s4 - s0).mean())
    assert float(diff.loc["S4", "sd"]) == pytest.approx((s4 - s0).std(ddof=1))
    total = reference.quantiles("cost", by=["scenario", "year"])
    assert len(total) == 2 * len(YEARS) and "note" not in total.columns


def test_ratio_outputs_are_formed_after_summing_and_undefined_ones_are_na(reference):
    rate = reference.mean("participation", value="participation_rate", by=["scenario"])
    per = reference.per_draw("participation", by=["scenario"], value="participation_rate")
    expect = (per["participants"] / per["persons"]).groupby(per["scenario"], observed=True).mean()
    np.testing.assert_allclose(rate["mean"].to_numpy(float), expect.to_numpy())
    tk = reference.quantiles("takeup", by=["scenario", "instrument"], value="takeup_rate")
    undefined = tk[tk["q50"].isna()]
    assert (undefined["note"].str.contains("undefined")).all()
    assert not tk.drop(columns="note").dropna().empty


def test_paired_differences_have_smaller_variance_than_unpaired(pop):
    mc = run(pop, n=12)
    per = mc.per_draw("cost", by=["scenario"])
    s0 = per[per["scenario"] == "S0"]["cost_eur"].to_numpy()
    s4 = per[per["scenario"] == "S4"]["cost_eur"].to_numpy()
    paired = np.var(s4 - s0, ddof=1)
    unpaired = np.mean([np.var(s4 - np.roll(s0, k), ddof=1) for k in range(1, len(s0))])
    sd = float(mc.difference("cost", "S0", by=["scenario"])["sd"].iloc[0])
    assert sd == pytest.approx(math.sqrt(paired))
    assert paired < 0.5 * unpaired


def test_sobol_needs_a_saltelli_run_and_works_on_one(pop, reference):
    with pytest.raises(SamplingError, match="sampler='saltelli'"):
        reference.sobol("cost")
    sa = run(pop, n=4, sampler="saltelli", uncertain=FEW[:2])
    assert sa.n_draws == 4 * (2 * 2 + 2)
    idx = sa.sobol("cost", by=["scenario"])
    assert list(idx.columns[:2]) == ["scenario", "parameter"] and len(idx) == 4
    assert not idx.drop(columns=[c for c in ["note"] if c in idx]).isna().any().any()
    assert sa.plot_sobol("cost", scenario="S4") is not None


def test_plot_fan(reference):
    ax = reference.plot_fan("cost")
    assert len(ax.get_lines()) == 2
    with pytest.raises(LlrsimError, match="symmetric"):
        reference.plot_fan("cost", q=(0.1, 0.5, 0.8))


def test_argument_errors_are_llrsim_errors(pop):
    with pytest.raises(LlrsimError, match="backend"):
        run(pop, backend="gpu")
    with pytest.raises(LlrsimError, match="unknown output"):
        run(pop, outputs=["budget"])
    with pytest.raises(LlrsimError, match="by"):
        run(pop, n=1).quantiles("cost", by=["instrument"])
    with pytest.raises(LlrsimError, match="only used with backend='dask'"):
        run(pop, n=1, client=object())


def test_outputs_can_be_chosen(pop):
    mc = run(pop, n=2, outputs={"cost": ["scenario", "year", "component"]})
    assert list(mc.tables) == ["cost"]
    assert "component" in mc.tables["cost"].columns
    assert not mc.quantiles("cost", by=["scenario", "component"]).empty


# ------------------------------------------------------------------ checkpoints
class Stop(Exception):
    pass


def interrupted(pop, folder, after, **kw):
    done = []

    def hook(draw):
        done.append(draw)
        if len(done) == after:
            raise Stop

    with pytest.raises(Stop):
        run(pop, checkpoint=folder, _on_draw=hook, **kw)
    return done


def test_resume_after_an_interruption_equals_an_uninterrupted_run(pop, reference, tmp_path):
    first = interrupted(pop, tmp_path / "ck", after=2)
    assert len(list((tmp_path / "ck" / "draws").glob("*.json"))) == 2
    fresh = []
    mc = run(pop, checkpoint=tmp_path / "ck", _on_draw=fresh.append)
    assert sorted(first + fresh) == [0, 1, 2, 3]  # none lost, none recomputed or duplicated
    assert mc.manifest["draws_resumed"] == 2 and mc.manifest["draws_computed"] == 2
    assert_same(reference, mc)
    again = []
    assert_same(reference, run(pop, checkpoint=tmp_path / "ck", _on_draw=again.append))
    assert again == []


@pytest.mark.parametrize("damage", ["truncate", "flip", "marker", "delete"])
def test_a_damaged_checkpoint_draw_is_detected_and_redone(pop, reference, tmp_path, damage):
    folder = tmp_path / "ck"
    run(pop, checkpoint=folder)
    draws = folder / "draws"
    target = draws / "000001.takeup.parquet"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "flip":
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "marker":
        (draws / "000001.json").write_text("{not json")
    else:
        target.unlink()
    redone = []
    mc = run(pop, checkpoint=folder, _on_draw=redone.append)
    assert redone == [1]
    assert mc.manifest["draws_redone_damaged"] == [1]
    assert_same(reference, mc)


def test_another_run_into_the_same_folder_is_refused(pop, tmp_path):
    folder = tmp_path / "ck"
    run(pop, n=2, checkpoint=folder)
    for kw in ({"seed": 4}, {"n": 3}, {"sampler": "random"}, {"uncertain": FEW}):
        with pytest.raises(CheckpointMismatchError, match="holds another run") as exc:
            run(pop, checkpoint=folder, **{"n": 2, **kw})
        assert isinstance(exc.value, LlrsimError)
    other_pop = llrsim.synthesize(year=2024, n=1000, seed=1)
    with pytest.raises(CheckpointMismatchError, match="population"):
        run(other_pop, n=2, checkpoint=folder)
    spec = json.loads((folder / "run.json").read_text())
    assert spec["spec"]["n"] == 2


def test_a_foreign_folder_is_refused(pop, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(CheckpointError, match="not empty"):
        run(pop, n=1, checkpoint=tmp_path)


# ------------------------------------------------------------------ API and CLI
def test_llrsim_montecarlo_is_callable_before_and_after_submodule_imports(pop):
    import llrsim.montecarlo.cli

    assert callable(llrsim.montecarlo)
    assert llrsim.montecarlo.MonteCarloResults is not None
    mc = llrsim.montecarlo(pop, ["S0"], n=1, years=YEARS, backend="serial", progress=False)
    assert mc.n_draws == 1


def test_cli_writes_quantile_tables_and_resumes(tmp_path, capsys):
    from llrsim.cli import main

    argv = [
        "montecarlo", "--scenarios", "S0,S4", "--n", "2", "--records", "1000",
        "--years", "2025-2026", "--backend", "serial", "--quiet",
        "--checkpoint", str(tmp_path / "ck"), "--out", str(tmp_path / "out"),
    ]  # fmt: skip
    assert main(argv) == 0
    out = tmp_path / "out"
    cost = pd.read_csv(out / "cost_quantiles.csv")
    assert list(cost.columns) == ["scenario", "year", "funder", "q5", "q50", "q95"]
    assert (out / "cost_difference_total.csv").exists() and (out / "manifest.json").exists()
    assert "total cost" in capsys.readouterr().out
    assert main(argv) == 0
    assert main([*argv[:4], "3", *argv[5:]]) == 2
    assert "holds another run" in capsys.readouterr().err


def test_store_refuses_a_draw_with_other_rows(reference):
    from llrsim.montecarlo.store import Store

    frames = {k: v[v["draw"] == 0].drop(columns="draw") for k, v in reference.tables.items()}
    store = Store({"cost": ("scenario", "year", "funder")}, 2)
    store.add(0, {"cost": frames["cost"]})
    with pytest.raises(LlrsimError, match="stored twice"):
        store.add(0, {"cost": frames["cost"]})
    with pytest.raises(LlrsimError, match="differ from draw 0"):
        store.add(1, {"cost": frames["cost"].iloc[::-1]})
    with pytest.raises(LlrsimError, match="no result"):
        store.check_complete()


# ------------------------------------------------------------------ scenario-level values
def test_scenario_level_ranged_values_can_vary(pop):
    from llrsim.scenarios import load

    loaded = [load(s) for s in SCEN]
    got = resolve_uncertain(["*:vov.awareness", "S4:it_cost_oneoff_eur"], loaded)
    assert got[0].spec == {"distribution": "uniform", "value": 0.5, "low": 0.3, "high": 0.7}
    assert got[1].spec["high"] == 5_000_000.0
    with pytest.raises(UncertainError, match="not in the run"):
        resolve_uncertain(["S1:awareness_uplift"], loaded)
    with pytest.raises(UncertainError, match="no ranged field"):
        resolve_uncertain(["*:nope"], loaded)
    mc = run(pop, n=2, uncertain=["*:vov.awareness", "S4:it_cost_oneoff_eur"])
    row = mc.design.row(1)
    # draw 1 equals simulate() with the scenarios fixed at the drawn values
    scen = [
        loaded[0].with_values({"vov.awareness": row["*:vov.awareness"]}),
        loaded[1].with_values(
            {
                "vov.awareness": row["*:vov.awareness"],
                "it_cost_oneoff_eur": row["S4:it_cost_oneoff_eur"],
            }
        ),
    ]
    res = llrsim.simulate(pop, scen, YEARS, seed=int(mc.seeds[1]))
    got = mc.data("cost")
    np.testing.assert_array_equal(
        got[got["draw"] == 1]["cost_eur"].to_numpy(),
        res.cost(by=["scenario", "year", "funder"])["cost_eur"].to_numpy(),
    )
    it = mc.per_draw("cost", by=["scenario"])
    assert it[it["scenario"] == "S4"]["cost_eur"].nunique() == 2


def test_cli_reads_a_population_file(pop, tmp_path, capsys):
    from llrsim.cli import main

    path = pop.to_parquet(tmp_path / "pop.parquet")
    argv = [
        "montecarlo", "--scenarios", "S0", "--n", "1", "--population", str(path),
        "--years", "2025-2026", "--backend", "serial", "--quiet", "--format", "parquet",
        "--uncertain", "response.beta_money,participation.intercept",
        "--out", str(tmp_path / "out"),
    ]  # fmt: skip
    assert main(argv) == 0
    samples = pd.read_parquet(tmp_path / "out" / "samples.parquet")
    assert list(samples.columns) == ["draw", "response.beta_money", "participation.intercept"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["spec"]["population"] == llrsim.montecarlo.run.population_digest(pop)
    assert main([*argv[:-2], "--years", "2030-2031"]) == 2
    assert "--years" in capsys.readouterr().err


def test_growth_paths_run_but_their_scenario_values_are_not_varied(pop):
    from llrsim.scenarios import phase

    path = phase({2025: "S0", 2026: "S4"})
    mc = montecarlo(
        pop, ["S0", path], n=2, years=YEARS, backend="serial", progress=False, uncertain=FEW
    )
    assert len(mc.scenarios) == 2
    with pytest.raises(UncertainError, match="growth path"):
        montecarlo(pop, ["S0", path], n=2, years=YEARS, uncertain=["*:vov.awareness"])
