"""The registry of target groups (doelgroepen): named, documented predicates.

Groups are data: ``data/population/target_groups.toml`` defines each group as a
:class:`~llrsim.predicates.Predicate` with a description and its Flemish label. The order of
the file gives each group its bit in a person's group mask (``all`` first, at most 63
groups), which the engine uses to tally results by group and scenario eligibility uses
through ``Predicate.any_of_groups``. Groups may not refer to other groups, so membership
never depends on the order of evaluation.

API: :func:`names`, :func:`get`, :func:`description`, :func:`group_index`, :func:`compiled`
(one compiled predicate per row, for the Numba kernel), :func:`membership` and :func:`masks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import ValidationError

from llrsim.errors import DataError
from llrsim.tables import data_dir
from llrsim.tomlfile import read_toml

if TYPE_CHECKING:
    from llrsim.population.population import Population
    from llrsim.predicates import Predicate

# llrsim.predicates is imported inside the functions: it imports llrsim.population.codes, which
# loads this package, so a module-level import would be circular.

MAX_GROUPS = 63  #: bits available in an int64 group mask (the sign bit is not used)
_META_KEYS = ("description", "label_nl")


@dataclass(frozen=True)
class Group:
    """A named target group: its predicate, description and Flemish label."""

    name: str
    predicate: Predicate
    description: str
    label_nl: str


def default_path() -> Path:
    """The shipped registry file."""
    return data_dir() / "population" / "target_groups.toml"


def read_registry(path: str | Path) -> dict[str, Group]:
    """Read and check a registry file; raises :class:`~llrsim.errors.DataError` naming it."""
    path = Path(path)
    raw = read_toml(path, DataError, "target-group registry")
    if not raw:
        raise DataError(f"{path}: no groups defined")
    if next(iter(raw)) != "all":
        raise DataError(f"{path}: the first group must be 'all'")
    if len(raw) > MAX_GROUPS:
        raise DataError(f"{path}: {len(raw)} groups, at most {MAX_GROUPS} allowed")
    out = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict):
            raise DataError(f"{path}: group {name!r} must be a table")
        if not str(spec.get("description", "")).strip():
            raise DataError(f"{path}: group {name!r}: field 'description' missing or empty")
        if spec.get("any_of_groups"):
            raise DataError(f"{path}: group {name!r}: groups may not refer to other groups")
        fields = {k: v for k, v in spec.items() if k not in _META_KEYS}
        from llrsim.predicates import Predicate

        try:
            pred = Predicate(**fields)
        except ValidationError as exc:
            raise DataError(f"{path}: group {name!r}: {exc}") from exc
        out[name] = Group(name, pred, str(spec["description"]), str(spec.get("label_nl", "")))
    return out


@cache
def registry() -> dict[str, Group]:
    """The shipped groups by name, in bit order (cached)."""
    return read_registry(default_path())


def names() -> list[str]:
    """Group names in bit order (``all`` first)."""
    return list(registry())


def _group(name: str) -> Group:
    reg = registry()
    if name not in reg:
        raise KeyError(f"unknown target group {name!r}; known {list(reg)}")
    return reg[name]


def get(name: str) -> Predicate:
    """The predicate of group ``name`` (raises ``KeyError`` naming the known groups)."""
    return _group(name).predicate


def description(name: str) -> str:
    """What the group is and why it matters (English, with the policy term)."""
    return _group(name).description


def group_index() -> dict[str, int]:
    """Group name -> bit position in a person's group mask."""
    return {name: i for i, name in enumerate(registry())}


@cache
def _compiled() -> np.ndarray:
    arr = np.vstack([g.predicate.compile() for g in registry().values()]).astype(np.int64)
    arr.setflags(write=False)
    return arr


def compiled() -> np.ndarray:
    """Compiled predicates, shape (groups, predicates.P_LEN), int64, row i = bit i (read-only)."""
    return _compiled()


def _match(pred: np.ndarray, pop: Population) -> np.ndarray:
    from llrsim.predicates import match_arrays

    return match_arrays(
        pred,
        pop.age,
        pop.sex,
        pop.education,
        pop.status,
        pop.employer_size,
        pop.sector,
        pop.flags.astype(np.int64),
        pop.experience,
        pop.unemployment_months,
        np.zeros(pop.n, dtype=np.int64),
    )


def membership(pop: Population, which: list[str] | None = None) -> dict[str, np.ndarray]:
    """Boolean membership array per group (all groups, or the names in ``which``)."""
    idx = group_index()
    chosen = names() if which is None else which
    for name in chosen:
        _group(name)
    table = compiled()
    return {name: _match(table[idx[name]], pop) for name in chosen}


def masks(pop: Population) -> np.ndarray:
    """Group mask per person (int64; bit i set when the person is in group i)."""
    out = np.zeros(pop.n, dtype=np.int64)
    for i, member in enumerate(membership(pop).values()):
        out |= member.astype(np.int64) << np.int64(i)
    return out
