"""llrsim: microsimulation of the Flemish leer- en loopbaanrekening (LLR).

Data flows one way: population -> engine -> scenarios -> costing -> results::

    import llrsim
    pop = llrsim.synthesize(year=2024, n=100_000, seed=0)
    res = llrsim.simulate(pop, ["S0", "S4"], years=range(2025, 2035), seed=0)
    res.cost(by=["scenario", "year", "funder"])

The public names are loaded on first use, so ``import llrsim`` (and ``llrsim --help``) stays
fast and does not compile anything.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("llrsim")
except PackageNotFoundError:  # a source tree that was never installed: say so, don't guess
    __version__ = "0+unknown"

# Compiled kernels are cached per exact source tree (see llrsim/_jit_cache.py): numba's own
# check looks at one file only and could run stale code after an upgrade or an edit.
from llrsim import _jit_cache

JIT_CACHE_DIR = _jit_cache.configure()

_LAZY = {
    "synthesize": ("llrsim.population.synthesize", "synthesize"),
    "Population": ("llrsim.population.population", "Population"),
    "project": ("llrsim.population.project", "project"),
    "simulate": ("llrsim.engine.simulate", "simulate"),
    "Results": ("llrsim.results", "Results"),
    "scenarios": ("llrsim.scenarios", None),
    "population": ("llrsim.population", None),
    "behaviour": ("llrsim.behaviour", None),
    "montecarlo": ("llrsim.montecarlo", None),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'llrsim' has no attribute {name!r}")
    module, attr = _LAZY[name]
    mod = importlib.import_module(module)
    return mod if attr is None else getattr(mod, attr)
