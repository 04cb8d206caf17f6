"""Synthetic population of the Flemish Region and its yearly dynamics.

``synthesize``, ``project`` and ``groups`` are loaded on first use: ``llrsim.predicates``
imports the integer codes of this package, and the group registry imports the predicates,
so eager imports here would be circular (and would slow down ``import llrsim``).
"""

from __future__ import annotations

import importlib
from typing import Any

from llrsim.population.population import SCHEMA, Population

_LAZY = {
    "synthesize": ("llrsim.population.synthesize", "synthesize"),
    "project": ("llrsim.population.project", "project"),
    "groups": ("llrsim.population.groups", None),
}

__all__ = ["SCHEMA", "Population", "groups", "project", "synthesize"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'llrsim.population' has no attribute {name!r}")
    module, attr = _LAZY[name]
    mod = importlib.import_module(module)
    return mod if attr is None else getattr(mod, attr)
