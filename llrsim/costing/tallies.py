"""The kernel's tally Dataset as costing reads it: contract check and tidy views.

The contract is ``docs/architecture.md`` ("Tallies: what the kernel hands to costing"): exact
int64 tallies on (scenario, year, group) and (scenario, year, group, instrument), a per-
instrument ``unit`` coordinate, and the overlapping target groups with ``all`` included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from llrsim.errors import DataError

PERSON_VARS: tuple[str, ...] = (
    "persons",
    "participants",
    "participants_baseline",
    "additional_participants",
    "training_minutes",
)
"""Variables on (scenario, year, group)."""

LEDGER_VARS: tuple[str, ...] = (
    "opening",
    "accrued",
    "exchanged_in",
    "spent",
    "expired",
    "exchanged_out",
    "forfeited",
    "closing",
)
"""Balance ledger on (scenario, year, group, instrument), in the instrument's unit."""

MONEY_VARS: tuple[str, ...] = ("public_cents", "employer_cents", "own_cents")
"""Nominal EUR cents on (scenario, year, group, instrument)."""

INSTRUMENT_VARS: tuple[str, ...] = (
    "eligible",
    "users",
    "deadweight_users",
    "transactions",
    "first_users",
    *LEDGER_VARS,
    *MONEY_VARS,
)
"""Variables on (scenario, year, group, instrument)."""

ALL_GROUP = "all"
PERSON_DIMS = ("scenario", "year", "group")
INSTRUMENT_DIMS = ("scenario", "year", "group", "instrument")


def validate_tallies(ds: xr.Dataset) -> None:
    """Refuse a tally Dataset that breaks the kernel contract (names the variable at fault).

    Checks coordinates, the ``unit`` coordinate on ``instrument``, the ``all`` group, the
    dimensions and int64 dtype of every variable, and that no count is negative (ledger
    flows are non-negative by definition; a negative value is a kernel bug).
    """
    for dim in INSTRUMENT_DIMS:
        if dim not in ds.coords:
            raise DataError(f"tallies: coordinate '{dim}' missing; have {list(ds.coords)}")
    if "unit" not in ds.coords or ds["unit"].dims != ("instrument",):
        raise DataError("tallies: coordinate 'unit' on dimension 'instrument' missing")
    units = set(np.asarray(ds["unit"].values).tolist())
    if not units <= {"cent", "minute"}:
        raise DataError(f"tallies: unit values {sorted(units)} not in ['cent', 'minute']")
    if ALL_GROUP not in set(ds["group"].values.tolist()):
        raise DataError(f"tallies: group '{ALL_GROUP}' missing; have {list(ds['group'].values)}")
    for names, dims in ((PERSON_VARS, PERSON_DIMS), (INSTRUMENT_VARS, INSTRUMENT_DIMS)):
        for name in names:
            if name not in ds.data_vars:
                raise DataError(f"tallies: variable '{name}' missing")
            var = ds[name]
            if set(var.dims) != set(dims):
                raise DataError(f"tallies: '{name}' has dims {var.dims}, expected {dims}")
            if var.dtype != np.int64:
                raise DataError(f"tallies: '{name}' has dtype {var.dtype}, expected int64")
            if bool((var.values < 0).any()):  # numpy, not xarray: same test, ~20x faster
                raise DataError(f"tallies: '{name}' has negative values")


def _cell_codes(ds: xr.Dataset, dims: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per dimension, the position of each cell's label when the cells of ``dims`` are
    listed in C order (the row order of ``Dataset.to_dataframe``)."""
    sizes = [ds.sizes[d] for d in dims]
    inner, outer = int(np.prod(sizes)), 1
    codes: dict[str, np.ndarray] = {}
    for dim, size in zip(dims, sizes, strict=True):
        inner //= size
        codes[dim] = np.tile(np.repeat(np.arange(size), inner), outer)
        outer *= size
    return codes


def _tidy(ds: xr.Dataset, names: tuple[str, ...], dims: tuple[str, ...]) -> dict[str, object]:
    """Label columns plus each variable in ``names`` flattened in C order of ``dims``.

    The same values and dtypes as ``ds[names].transpose(*dims).to_dataframe().reset_index()``
    (labels are the Dataset's own pandas indexes, taken by position), without building a
    MultiIndex: a Monte Carlo run builds these frames in every draw.
    """
    cols: dict[str, object] = {d: ds.indexes[d].take(c) for d, c in _cell_codes(ds, dims).items()}
    for name in names:
        # the bare Variable: no DataArray (with its coordinates) built per variable
        cols[name] = np.ascontiguousarray(ds.variables[name].transpose(*dims).values).reshape(-1)
    return cols


def person_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Tidy frame of the (scenario, year, group) variables, one row per cell (C order)."""
    return pd.DataFrame(_tidy(ds, PERSON_VARS, PERSON_DIMS))


def instrument_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Tidy frame of the (scenario, year, group, instrument) variables, with ``unit``.

    One row per cell in C order of (scenario, year, group, instrument).
    """
    cols = _tidy(ds, INSTRUMENT_VARS, INSTRUMENT_DIMS)
    unit = pd.Series(ds["unit"].values, index=ds["instrument"].values)
    # map each instrument once, then take it for every row of that instrument
    per_instrument = pd.Series(ds["instrument"].values).map(unit).array
    cols["unit"] = per_instrument.take(_cell_codes(ds, INSTRUMENT_DIMS)["instrument"])
    return pd.DataFrame({k: cols[k] for k in (*INSTRUMENT_DIMS, "unit", *INSTRUMENT_VARS)})
