"""``llrsim.montecarlo()``: many simulations with drawn parameters, on any backend.

Each draw is one full :func:`llrsim.simulate` of every scenario with its own parameter values
(from the sample design) and its own random key (:func:`~llrsim.montecarlo.sampling.draw_seed`).
Within a draw all scenarios share the random numbers, so scenario differences are paired
draw by draw. Only compact tables are kept per draw (:mod:`llrsim.montecarlo.outputs`).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llrsim.errors import LlrsimError
from llrsim.montecarlo import backends
from llrsim.montecarlo.checkpoint import Checkpoint
from llrsim.montecarlo.outputs import resolve_outputs
from llrsim.montecarlo.results import MonteCarloResults
from llrsim.montecarlo.sampling import design as make_design
from llrsim.montecarlo.sampling import draw_seed
from llrsim.montecarlo.store import Store
from llrsim.montecarlo.uncertain import resolve_uncertain
from llrsim.population.population import SCHEMA, Population


class MonteCarloError(LlrsimError, ValueError):
    """An argument of :func:`llrsim.montecarlo` is invalid."""


def population_digest(pop: Population) -> str:
    """SHA-256 of a population's year and every column (name, dtype, bytes)."""
    h = hashlib.sha256(f"year={pop.year};n={pop.n}".encode())
    for name in SCHEMA:
        arr = np.ascontiguousarray(getattr(pop, name))
        h.update(f";{name}:{arr.dtype.str}".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _scenario_digest(item: Any) -> dict[str, str]:
    from llrsim.scenarios import GrowthPath, load

    if isinstance(item, GrowthPath):
        steps = {str(start): sc.digest() for start, sc in item.steps}
        if item.before is not None:
            steps["before"] = item.before.digest()
        text = json.dumps(steps, sort_keys=True)
        return {"growth_path": str(item.id), "digest": hashlib.sha256(text.encode()).hexdigest()}
    sc = load(item)
    return {"id": str(sc.id), "digest": sc.digest()}


def _scenario_list(scenarios: Any) -> list[Any]:
    """The run's scenarios loaded once (names, combinations and paths become ``Scenario``)."""
    from llrsim.scenarios import GrowthPath, Scenario, load

    if isinstance(scenarios, str | Path | Scenario | GrowthPath):
        scenarios = [scenarios]
    items = [x if isinstance(x, GrowthPath) else load(x) for x in scenarios]
    if not items:
        raise MonteCarloError("scenarios: give at least one scenario, e.g. ['S0', 'S4']")
    return items


def _check_int(name: str, v: object, minimum: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < minimum:
        raise MonteCarloError(f"{name}: expected an integer >= {minimum}, got {v!r}")
    return int(v)


def montecarlo(
    pop: Population,
    scenarios: Any,
    n: int = 200,
    years: Iterable[int] = range(2025, 2035),
    seed: int = 0,
    uncertain: str | Path | Iterable[str] | Mapping[str, Any] | None = None,
    sampler: str = "lhs",
    backend: str | None = None,
    client: Any = None,
    workers: int | None = None,
    checkpoint: str | Path | None = None,
    outputs: Iterable[str] | Mapping[str, Iterable[str] | None] | None = None,
    *,
    progress: bool = True,
    _on_draw: Callable[[int], None] | None = None,
) -> MonteCarloResults:
    """Monte Carlo over uncertain parameters: ``n`` draws of ``simulate(pop, scenarios)``.

    Parameters
    ----------
    pop, scenarios, years:
        As for :func:`llrsim.simulate` (the same population and scenarios in every draw).
    n:
        Number of draws; for ``sampler="saltelli"`` the base sample size N, giving
        ``N * (2D + 2)`` draws for D uncertain inputs (N ideally a power of two).
    seed:
        Seed of the run: the design is drawn from ``SeedSequence(seed)`` and draw ``i``
        simulates with ``draw_seed(seed, i)`` (see :mod:`llrsim.montecarlo.sampling`).
        The same seed gives identical results on every backend and worker count.
    uncertain:
        Which parameters vary and how (:mod:`llrsim.montecarlo.uncertain`); default every
        ranged behaviour parameter.
    sampler:
        ``"lhs"`` (default), ``"random"``, ``"sobol"`` or ``"saltelli"`` (for
        :meth:`MonteCarloResults.sobol`).
    backend:
        ``"serial"``, ``"processes"`` or ``"dask"``; default ``"processes"`` when more than
        one core is available (:mod:`llrsim.montecarlo.backends`).
    client:
        A ``dask.distributed.Client`` for ``backend="dask"`` (e.g. ``Client("tcp://host:8786")``);
        without one a local cluster of ``workers`` (default 2) processes is started and closed.
    workers:
        Worker processes (``processes``: default the cores; ``dask`` without a client).
    checkpoint:
        A folder: every finished draw is written at once and a rerun with the same
        arguments resumes (:mod:`llrsim.montecarlo.checkpoint`); other arguments are refused.
    outputs:
        Which compact tables to keep per draw (:mod:`llrsim.montecarlo.outputs`).
    progress:
        Print progress lines (draws done, estimated time left) on stderr.
    """
    if not isinstance(pop, Population):
        raise TypeError(f"pop: expected a Population, got {type(pop).__name__}")
    n = _check_int("n", n, 1)
    seed = _check_int("seed", seed, 0)
    ys = [int(y) for y in years]
    if not ys:
        raise MonteCarloError("years: empty; give e.g. range(2025, 2035)")
    items = _scenario_list(scenarios)
    backend = backends.default_backend() if backend is None else backend
    if backend not in backends.BACKENDS:
        raise MonteCarloError(f"backend: {backend!r} not one of {backends.BACKENDS}")
    params = resolve_uncertain(uncertain, items)
    out_spec = resolve_outputs(outputs)
    dsg = make_design(params, n, sampler, seed)
    tasks = [
        backends.Task(draw=i, seed=draw_seed(seed, i), values=dsg.row(i))
        for i in range(dsg.n_draws)
    ]
    from llrsim import __version__

    spec = {
        "llrsim_version": __version__,
        "population": population_digest(pop),
        "scenarios": [_scenario_digest(x) for x in items],
        "years": ys,
        "seed": seed,
        "n": n,
        "n_draws": dsg.n_draws,
        "sampler": sampler,
        "uncertain": [{"name": p.name, **p.spec} for p in params],
        "outputs": {k: list(v) for k, v in out_spec.items()},
    }
    ckpt = None if checkpoint is None else Checkpoint(checkpoint, spec)
    store = Store(out_spec, dsg.n_draws)
    if ckpt is not None:
        for t in tasks:
            frames = ckpt.read(t.draw, t.seed, t.values, out_spec)
            if frames is not None:
                store.add(t.draw, frames)
        for draw, reason in ckpt.discarded:
            if progress:
                print(
                    f"llrsim montecarlo: checkpoint draw {draw} is damaged ({reason}); "
                    "computing it again",
                    file=sys.stderr,
                )
    pending = [t for t in tasks if t.draw not in store]
    resumed = len(store)
    bar = backends.Progress(dsg.n_draws, resumed, progress)
    by_draw = {t.draw: t for t in tasks}

    def on_result(draw: int, frames: dict[str, pd.DataFrame]) -> None:
        if draw in store:
            raise MonteCarloError(f"internal: draw {draw} finished twice")
        if ckpt is not None:
            t = by_draw[draw]
            ckpt.write(draw, t.seed, t.values, frames)
        store.add(draw, frames)
        bar.update()
        if _on_draw is not None:
            _on_draw(draw)

    code = backends.fingerprint()
    ctx = backends.Context(
        pop=pop,
        scenarios=items,
        years=ys,
        outputs=out_spec,
        fingerprint=code if backend != "serial" else "",
    )
    start = time.monotonic()
    backends.run(backend, ctx, pending, on_result, client=client, workers=workers)
    elapsed = time.monotonic() - start
    store.check_complete()
    manifest = {
        "spec": spec,
        "spec_hash": ckpt.hash if ckpt is not None else None,
        "execution": dict(backends.summary(backend, workers, client)),
        "draws_computed": len(pending),
        "draws_resumed": resumed,
        "draws_redone_damaged": [d for d, _ in (ckpt.discarded if ckpt else [])],
        "seconds": round(elapsed, 3),
        "code_fingerprint": code,
        "checkpoint": None if checkpoint is None else str(checkpoint),
    }
    if ckpt is None:
        from llrsim.montecarlo.checkpoint import spec_hash

        manifest["spec_hash"] = spec_hash(spec)
    return MonteCarloResults(store.labels, store.values, dsg, [t.seed for t in tasks], manifest)
