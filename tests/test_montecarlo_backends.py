"""Monte Carlo backends agree exactly: serial, local processes and a Dask cluster."""

from __future__ import annotations

import pandas as pd
import pytest

import llrsim
from llrsim.montecarlo import montecarlo
from llrsim.montecarlo.backends import BackendError

distributed = pytest.importorskip("dask.distributed")

SCEN = ["S0", "S4"]
YEARS = range(2025, 2028)
KW = {"n": 4, "years": YEARS, "seed": 11, "progress": False}


@pytest.fixture(scope="module")
def pop():
    return llrsim.synthesize(year=2024, n=2000, seed=0)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def serial(pop):
    return montecarlo(pop, SCEN, backend="serial", **KW)


def assert_same(a, b):
    for k in a.tables:
        pd.testing.assert_frame_equal(a.tables[k], b.tables[k])
    assert a.seeds.tolist() == b.seeds.tolist()


def test_processes_equal_serial(pop, serial):
    mc = montecarlo(pop, SCEN, backend="processes", workers=2, **KW)
    assert mc.manifest["execution"] == {"backend": "processes", "workers": 2}
    assert_same(serial, mc)


def test_dask_cluster_equals_serial(pop, serial, client):
    mc = montecarlo(pop, SCEN, backend="dask", client=client, **KW)
    assert mc.manifest["execution"]["backend"] == "dask"
    assert_same(serial, mc)


def test_interrupted_on_processes_resumed_on_a_local_dask_cluster_equals_serial(
    pop, serial, tmp_path
):
    done = []

    def stop_after_one(draw):
        done.append(draw)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        montecarlo(
            pop,
            SCEN,
            backend="processes",
            workers=2,
            checkpoint=tmp_path,
            _on_draw=stop_after_one,
            **KW,
        )
    assert len(done) == 1
    rest = []
    # no client: llrsim starts (and closes) a LocalCluster of 2 single-threaded workers
    mc = montecarlo(pop, SCEN, backend="dask", checkpoint=tmp_path, _on_draw=rest.append, **KW)
    assert mc.manifest["execution"] == {"backend": "dask", "workers": 2, "client": None}
    assert sorted(done + rest) == [0, 1, 2, 3]
    assert_same(serial, mc)


def test_backend_arguments_are_checked(pop, client):
    with pytest.raises(BackendError, match="workers"):
        montecarlo(pop, SCEN, backend="dask", client=client, workers=2, **KW)
    with pytest.raises(BackendError, match="workers"):
        montecarlo(pop, SCEN, backend="serial", workers=2, **KW)


@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_a_worker_with_other_code_or_data_is_refused(pop, client, backend):
    from llrsim.montecarlo import backends

    ctx = backends.Context(pop, SCEN, list(YEARS), {"cost": ("scenario",)}, fingerprint="0" * 64)
    task = backends.Task(0, 1, {})
    kw = {"client": client} if backend == "dask" else {"workers": 1}
    with pytest.raises(BackendError, match="other llrsim code or data"):
        backends.run(backend, ctx, [task], lambda *_: None, **kw)
