"""The compact outputs kept per draw: small tidy tables cut from each draw's ``Results``.

A Monte Carlo run of 1,000 draws must not hold 1,000 ``Results``; each draw keeps only the
tables named here, with their label columns and additive value columns (sums over any label
are meaningful, except over ``group``: groups overlap and ``all`` is everybody). Ratios are
computed after aggregation from their numerator and denominator.

=============  ==================================  =============================================
output         labels (default ``by``)             values (first is the default)
=============  ==================================  =============================================
cost           scenario, year, funder              cost_eur (nominal EUR)
takeup         scenario, year, group, instrument   users, eligible (weighted persons per year);
                                                   ratio takeup_rate = users / eligible
participation  scenario, year, group               participants, persons,
                                                   additional_participants (persons per year),
                                                   training_hours (hours per year);
                                                   ratio participation_rate =
                                                   participants / persons
=============  ==================================  =============================================

``outputs=`` of :func:`llrsim.montecarlo` may pick a subset and other labels, e.g.
``{"cost": ["scenario", "year", "funder", "component"], "takeup": ["scenario", "year",
"instrument"]}`` (any ``by`` the ``Results`` method accepts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from llrsim.errors import LlrsimError


class OutputError(LlrsimError, ValueError):
    """An output, label or value asked of a Monte Carlo run does not exist."""


@dataclass(frozen=True)
class OutputSpec:
    """How to cut one output from a ``Results``: its method, default labels and values."""

    method: str
    by: tuple[str, ...]
    values: tuple[str, ...]
    ratios: tuple[tuple[str, str, str], ...] = ()  #: (name, numerator, denominator)

    @property
    def default(self) -> str:
        """The value reported when none is asked for."""
        return self.values[0]


SPECS: dict[str, OutputSpec] = {
    "cost": OutputSpec("cost", ("scenario", "year", "funder"), ("cost_eur",)),
    "takeup": OutputSpec(
        "takeup",
        ("scenario", "year", "group", "instrument"),
        ("users", "eligible"),
        (("takeup_rate", "users", "eligible"),),
    ),
    "participation": OutputSpec(
        "participation",
        ("scenario", "year", "group"),
        ("participants", "persons", "additional_participants", "training_hours"),
        (("participation_rate", "participants", "persons"),),
    ),
}

#: value columns that are floats; every other value column is an exact int64 count
FLOAT_VALUES = frozenset({"cost_eur", "training_hours"})
#: label columns that are integers; every other label is a string
INT_LABELS = frozenset({"year"})


def resolve_outputs(
    outputs: Iterable[str] | Mapping[str, Iterable[str] | None] | None,
) -> dict[str, tuple[str, ...]]:
    """Output name -> labels kept per draw (defaults from :data:`SPECS`)."""
    if outputs is None:
        return {k: s.by for k, s in SPECS.items()}
    if isinstance(outputs, str):
        outputs = [outputs]
    items = outputs.items() if isinstance(outputs, Mapping) else ((k, None) for k in outputs)
    out: dict[str, tuple[str, ...]] = {}
    for name, by in items:
        if name not in SPECS:
            raise OutputError(f"outputs: unknown output {name!r}; known: {sorted(SPECS)}")
        labels = SPECS[name].by if by is None else tuple(str(b) for b in by)
        if "scenario" not in labels:
            raise OutputError(f"outputs: {name!r} must keep 'scenario' among its labels")
        if len(set(labels)) != len(labels):
            raise OutputError(f"outputs: {name!r}: duplicate labels in {list(labels)}")
        out[name] = labels
    if not out:
        raise OutputError("outputs: give at least one output, e.g. ['cost']")
    return out


def _as_str_labels(column: pd.Series) -> pd.api.extensions.ExtensionArray:
    """``column`` as a ``str`` array: ``pd.array(values.astype(str), "str")``.

    A string column has few distinct labels, so each distinct value is converted once and
    taken for every row (the conversion is elementwise, so the result is the same); any other
    dtype is converted row by row.
    """
    if isinstance(column.dtype, pd.StringDtype):
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        return pd.array(np.asarray(uniques, dtype=object).astype(str), "str").take(codes)
    return pd.array(column.to_numpy().astype(str), "str")


def canonical(frame: pd.DataFrame, name: str, by: Iterable[str]) -> pd.DataFrame:
    """``frame`` with only the kept columns, fixed dtypes and a clean index.

    Applied to a freshly computed draw and to one read back from a checkpoint, so both are
    equal to the bit.
    """
    spec = SPECS[name]
    by = list(by)
    cols: dict[str, object] = {}
    for col in by:
        if col in INT_LABELS:
            cols[col] = frame[col].to_numpy().astype(np.int64)
        else:
            cols[col] = _as_str_labels(frame[col])
    for col in spec.values:
        v = frame[col]
        if col in FLOAT_VALUES:
            arr = v.to_numpy(dtype=np.float64)
        else:
            arr = v.to_numpy(dtype=np.int64)
        if col in FLOAT_VALUES and not np.all(np.isfinite(arr)):
            raise OutputError(f"output {name!r}: non-finite values in {col!r}")
        cols[col] = arr
    return pd.DataFrame(cols, index=pd.RangeIndex(len(frame)))


def extract(results: object, outputs: Mapping[str, tuple[str, ...]]) -> dict[str, pd.DataFrame]:
    """The kept tables of one draw's ``Results``."""
    out = {}
    for name, by in outputs.items():
        spec = SPECS[name]
        frame = getattr(results, spec.method)(by=list(by))
        out[name] = canonical(frame, name, by)
    return out
