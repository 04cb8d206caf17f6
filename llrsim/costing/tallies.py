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
            if bool((var < 0).any()):
                raise DataError(f"tallies: '{name}' has negative values")


def person_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Tidy frame of the (scenario, year, group) variables, one row per cell."""
    out = ds[list(PERSON_VARS)].transpose(*PERSON_DIMS).to_dataframe().reset_index()
    return out[[*PERSON_DIMS, *PERSON_VARS]]


def instrument_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Tidy frame of the (scenario, year, group, instrument) variables, with ``unit``."""
    sub = ds[list(INSTRUMENT_VARS)].transpose(*INSTRUMENT_DIMS)
    out = sub.to_dataframe().reset_index()
    unit = pd.Series(ds["unit"].values, index=ds["instrument"].values)
    out["unit"] = out["instrument"].map(unit)
    return out[[*INSTRUMENT_DIMS, "unit", *INSTRUMENT_VARS]]
