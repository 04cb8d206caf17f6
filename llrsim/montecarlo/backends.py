"""Where draws run: in this process, in local worker processes, or on a Dask cluster.

Every backend runs the same pure function of (population, scenarios, years, outputs, draw
seed, parameter values), so results never depend on the backend or on the number of workers;
the caller receives each finished draw through ``on_result`` as soon as it is done and writes
it to the checkpoint from the calling process (one writer, no races).

- ``serial``: in this process, one draw after the other (Numba threads as configured).
- ``processes``: :class:`concurrent.futures.ProcessPoolExecutor` with the ``spawn`` start
  method (safe with Numba's thread pools). The population and scenarios reach each worker
  once, through the pool's initializer; tasks carry only (draw, seed, values). Each worker
  sets ``numba.set_num_threads(1)`` so ``workers`` processes use ``workers`` cores.
- ``dask``: a ``dask.distributed.Client``. Without one, a ``LocalCluster`` of ``workers``
  (default 2) worker processes with one thread each is started and closed afterwards. The
  context is scattered once to every worker (``broadcast=True``); each worker process sets
  Numba to one thread on its first task.

Before its first draw every worker checks that it reads the same llrsim code and data as the
caller (:func:`fingerprint`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from llrsim.errors import LlrsimError

BACKENDS = ("serial", "processes", "dask")

Frames = dict[str, pd.DataFrame]
OnResult = Callable[[int, Frames], None]


class BackendError(LlrsimError, ValueError):
    """A backend, worker count or client was asked for that cannot be used."""


@dataclass(frozen=True)
class Context:
    """What every draw of a run shares (sent once per worker)."""

    pop: Any
    scenarios: list[Any]
    years: list[int]
    outputs: dict[str, tuple[str, ...]]
    fingerprint: str = ""  #: :func:`fingerprint` of the calling process ("" = not checked)


def fingerprint() -> str:
    """SHA-256 of the llrsim code and data this process reads (``*.py``, ``*.toml``,
    ``*.csv``, templates under the package and the data folder).

    Workers compare it with the caller's before their first draw, so a worker with another
    llrsim installation or a checkout edited during the run is refused instead of silently
    giving other numbers.
    """
    import hashlib
    from pathlib import Path

    import llrsim
    from llrsim.tables import data_dir

    h = hashlib.sha256()
    data = Path(data_dir()).resolve()
    package = Path(llrsim.__file__).resolve().parent
    files: dict[str, Path] = {}
    for root, tag in ((data, "data"), (package, "llrsim")):
        for p in root.rglob("*"):
            if "__pycache__" in p.parts or not p.is_file():
                continue
            if p.suffix not in {".py", ".toml", ".csv", ".j2", ".html"}:
                continue
            real = p.resolve()
            if tag == "llrsim" and real.is_relative_to(data):
                continue  # the data folder seen through the package (wheel or symlink)
            files[f"{tag}/{p.relative_to(root).as_posix()}"] = real
    for key in sorted(files):
        h.update(key.encode())
        h.update(files[key].read_bytes())
    return h.hexdigest()


_CHECKED: set[str] = set()  #: fingerprints this process has verified


def _check_fingerprint(ctx: Context) -> None:
    if not ctx.fingerprint or ctx.fingerprint in _CHECKED:
        return
    if fingerprint() != ctx.fingerprint:
        raise BackendError(
            "this worker reads other llrsim code or data than the calling process (a different "
            "installation, or files edited during the run); install the same llrsim on every "
            "worker and rerun (finished draws stay in the checkpoint)"
        )
    _CHECKED.add(ctx.fingerprint)


@dataclass(frozen=True)
class Task:
    """One draw: its index, simulation seed and parameter values."""

    draw: int
    seed: int
    values: dict[str, float]


def compute(ctx: Context, task: Task) -> tuple[int, Frames]:
    """Simulate one draw and keep its compact outputs."""
    from llrsim.engine.simulate import simulate
    from llrsim.montecarlo.outputs import extract
    from llrsim.montecarlo.uncertain import scenario_values, split_name

    params = {k: v for k, v in task.values.items() if split_name(k) is None}
    scenario_level = {k: v for k, v in task.values.items() if split_name(k) is not None}
    scenarios = ctx.scenarios
    if scenario_level:
        scenarios = []
        for sc in ctx.scenarios:
            mine = scenario_values(sc.id, scenario_level)
            mine = {k: v for k, v in mine.items() if k in sc.uncertain()}
            scenarios.append(sc.with_values(mine) if mine else sc)
    res = simulate(ctx.pop, scenarios, ctx.years, seed=task.seed, params=params or None)
    return task.draw, extract(res, ctx.outputs)


def default_backend() -> str:
    """``"processes"`` when more than one core is available, else ``"serial"``."""
    return "processes" if _cores() > 1 else "serial"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _one_numba_thread() -> None:
    import numba

    numba.set_num_threads(1)


# ---------------------------------------------------------------- serial
def run_serial(ctx: Context, tasks: Sequence[Task], on_result: OnResult) -> None:
    """Run ``tasks`` one after the other in this process."""
    for task in tasks:
        draw, frames = compute(ctx, task)
        on_result(draw, frames)


# ---------------------------------------------------------------- processes
_WORKER_CTX: Context | None = None


def _init_worker(ctx: Context) -> None:
    global _WORKER_CTX
    _WORKER_CTX = ctx
    _one_numba_thread()


def _worker_task(task: Task) -> tuple[int, Frames]:
    if _WORKER_CTX is None:
        raise BackendError("worker process was not initialised with the run's context")
    _check_fingerprint(_WORKER_CTX)
    return compute(_WORKER_CTX, task)


def run_processes(
    ctx: Context, tasks: Sequence[Task], on_result: OnResult, workers: int | None
) -> None:
    """Run ``tasks`` on a pool of ``workers`` local processes (default: the cores)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    if not tasks:
        return
    n = _cores() if workers is None else workers
    n = max(1, min(n, len(tasks)))
    ex = ProcessPoolExecutor(
        max_workers=n,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(ctx,),
    )
    try:
        futures = [ex.submit(_worker_task, t) for t in tasks]
        for fut in as_completed(futures):
            draw, frames = fut.result()
            on_result(draw, frames)
    except BrokenProcessPool as exc:
        ex.shutdown(wait=True, cancel_futures=True)
        raise BackendError(
            "backend 'processes': a worker process died (out of memory, killed, or a script "
            'that starts the run without an `if __name__ == "__main__":` guard, which the '
            "'spawn' start method needs); finished draws are in the checkpoint, if any"
        ) from exc
    except BaseException:
        ex.shutdown(wait=True, cancel_futures=True)
        raise
    ex.shutdown(wait=True)


# ---------------------------------------------------------------- dask
_DASK_THREADS_SET = False


def _dask_task(ctx: Context, task: Task) -> tuple[int, Frames]:
    global _DASK_THREADS_SET
    _check_fingerprint(ctx)
    if not _DASK_THREADS_SET:
        _one_numba_thread()
        _DASK_THREADS_SET = True
    return compute(ctx, task)


def run_dask(
    ctx: Context,
    tasks: Sequence[Task],
    on_result: OnResult,
    client: Any = None,
    workers: int | None = None,
) -> None:
    """Run ``tasks`` on a Dask cluster: ``client``, or a fresh ``LocalCluster``."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise BackendError(
            "backend 'dask' needs dask.distributed: pip install 'dask[distributed]'"
        ) from exc
    if not tasks:
        return
    cluster = None
    if client is None:
        cluster = LocalCluster(
            n_workers=2 if workers is None else workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: never collides with another cluster
        )
        client = Client(cluster)
    elif workers is not None:
        raise BackendError("workers: not used with a given Dask client (its cluster decides)")
    futures: list[Any] = []
    try:
        ctx_future = client.scatter(ctx, broadcast=True)
        futures = [client.submit(_dask_task, ctx_future, t, pure=False) for t in tasks]
        for fut in as_completed(futures):
            draw, frames = fut.result()
            on_result(draw, frames)
    except BaseException:
        if futures:
            client.cancel(futures)
        raise
    finally:
        if cluster is not None:
            client.close()
            cluster.close()


def run(
    backend: str,
    ctx: Context,
    tasks: Sequence[Task],
    on_result: OnResult,
    *,
    client: Any = None,
    workers: int | None = None,
) -> None:
    """Dispatch to the backend (see the module docstring)."""
    if backend not in BACKENDS:
        raise BackendError(f"backend: {backend!r} not one of {BACKENDS}")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise BackendError(f"workers: expected a positive integer, got {workers!r}")
    if client is not None and backend != "dask":
        raise BackendError(f"client: only used with backend='dask' (backend is {backend!r})")
    if backend == "serial":
        if workers not in (None, 1):
            raise BackendError("workers: backend 'serial' runs in this process (workers=1)")
        run_serial(ctx, tasks, on_result)
    elif backend == "processes":
        run_processes(ctx, tasks, on_result, workers)
    else:
        run_dask(ctx, tasks, on_result, client=client, workers=workers)


class Progress:
    """Plain progress lines on stderr: draws done, elapsed and estimated time left.

    A line is printed at most every ``every`` seconds and at the end; the estimate uses the
    rate of the draws computed in this session (draws resumed from a checkpoint are counted
    as done but not in the rate).
    """

    def __init__(self, total: int, done: int, enabled: bool, every: float = 2.0) -> None:
        self.total, self.done, self.enabled, self.every = total, done, enabled, every
        self.start = time.monotonic()
        self.fresh = 0
        self._last = 0.0
        if enabled and done:
            self._print(f"{done} draw(s) resumed from the checkpoint")

    def _print(self, text: str) -> None:
        print(f"llrsim montecarlo: {text}", file=sys.stderr, flush=True)

    @staticmethod
    def _hms(seconds: float) -> str:
        s = int(round(seconds))
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"

    def update(self) -> None:
        """Count one finished draw and print a line when due."""
        self.done += 1
        self.fresh += 1
        if not self.enabled:
            return
        now = time.monotonic()
        if self.done < self.total and now - self._last < self.every:
            return
        self._last = now
        elapsed = now - self.start
        left = elapsed / self.fresh * (self.total - self.done)
        pct = 100.0 * self.done / self.total
        self._print(
            f"{self.done}/{self.total} draws ({pct:.0f}%), elapsed {self._hms(elapsed)}, "
            f"about {self._hms(left)} left"
        )


def summary(backend: str, workers: int | None, client: Any) -> Mapping[str, Any]:
    """How the run was executed, for the manifest (never part of the run's identity)."""
    info: dict[str, Any] = {"backend": backend}
    if backend == "processes":
        info["workers"] = _cores() if workers is None else workers
    elif backend == "dask":
        info["workers"] = (2 if workers is None else workers) if client is None else None
        info["client"] = None if client is None else str(getattr(client, "scheduler", client))
    return info
