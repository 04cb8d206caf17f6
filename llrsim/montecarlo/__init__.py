"""Monte Carlo uncertainty and global sensitivity: ``llrsim.montecarlo(pop, scenarios, ...)``.

::

    import llrsim
    pop = llrsim.synthesize(year=2024, n=100_000, seed=0)
    mc = llrsim.montecarlo(pop, ["S0", "S4"], n=200, seed=0)        # LHS over behaviour
    mc.quantiles("cost", by=["scenario", "year"])                  # 5 / 50 / 95 %
    mc.difference("cost", baseline="S0", by=["scenario"])          # paired by draw
    mc.plot_fan("cost")
    sa = llrsim.montecarlo(pop, ["S0", "S4"], n=64, sampler="saltelli")
    sa.sobol("cost", by=["scenario"])                               # S1 and ST per input

The package itself is callable (``llrsim.montecarlo(...)`` is :func:`montecarlo`), so the
name means the same whether or not a submodule was imported first.

Modules: :mod:`~llrsim.montecarlo.uncertain` (which inputs vary, distributions),
:mod:`~llrsim.montecarlo.sampling` (designs, seeds, the SALib bridge),
:mod:`~llrsim.montecarlo.outputs` (compact tables per draw),
:mod:`~llrsim.montecarlo.backends` (serial, processes, Dask),
:mod:`~llrsim.montecarlo.checkpoint` (resumable runs),
:mod:`~llrsim.montecarlo.results` (:class:`MonteCarloResults`),
:mod:`~llrsim.montecarlo.cli` (``llrsim montecarlo``).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from llrsim.montecarlo.checkpoint import CheckpointError, CheckpointMismatchError
from llrsim.montecarlo.outputs import OutputError
from llrsim.montecarlo.results import MonteCarloResults
from llrsim.montecarlo.run import MonteCarloError, montecarlo
from llrsim.montecarlo.sampling import Design, SamplingError, design, draw_seed, sobol_indices
from llrsim.montecarlo.uncertain import (
    Uncertain,
    UncertainError,
    all_names,
    default_names,
    read_uncertain,
    resolve_uncertain,
)

__all__ = [
    "CheckpointError",
    "CheckpointMismatchError",
    "Design",
    "MonteCarloError",
    "MonteCarloResults",
    "OutputError",
    "SamplingError",
    "Uncertain",
    "UncertainError",
    "all_names",
    "default_names",
    "design",
    "draw_seed",
    "montecarlo",
    "read_uncertain",
    "resolve_uncertain",
    "sobol_indices",
]


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`montecarlo`."""

    def __call__(self, *args: Any, **kwargs: Any) -> MonteCarloResults:
        return montecarlo(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
