"""Synthetic population of the Flemish Region and its yearly dynamics.

``synthesize`` and ``groups`` are imported eagerly: neither imports ``llrsim.predicates`` at
module level (``llrsim.predicates`` imports the integer codes of this package, so that would
be circular). An eager ``from ... import synthesize`` also matters because the function has
the name of its module: the binding made here, after the submodule is loaded, is the one that
stays. ``project`` (which pulls in the Numba engine) is loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from llrsim.population import groups
from llrsim.population.population import SCHEMA, Population
from llrsim.population.synthesize import synthesize

_LAZY = {
    "project": ("llrsim.population.project", "project"),
}

__all__ = ["SCHEMA", "Population", "groups", "project", "synthesize"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'llrsim.population' has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # replaces the submodule binding made by the import system
    return value
