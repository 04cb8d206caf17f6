"""Turning the kernel's integer arrays into the tally ``xarray.Dataset`` of the contract.

See ``docs/architecture.md`` ("Tallies: what the kernel hands to costing"). Nothing is
rounded or rescaled here: the Dataset holds the kernel's exact int64 sums.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from llrsim.engine.mechanisms import I_VARS, P_VARS


def tallies_dataset(
    tp: np.ndarray,
    ti: np.ndarray,
    scenarios: Sequence[str],
    years: Sequence[int],
    groups: Sequence[str],
    instruments: Sequence[str],
    units: Sequence[str],
) -> xr.Dataset:
    """Label the kernel's ``tp[s, y, g, v]`` and ``ti[s, y, g, i, v]`` arrays.

    ``units`` gives each instrument's ledger unit (``"cent"`` or ``"minute"``).
    """
    expected_p = (len(scenarios), len(years), len(groups), len(P_VARS))
    expected_i = (len(scenarios), len(years), len(groups), len(instruments), len(I_VARS))
    if tp.shape != expected_p or ti.shape != expected_i:
        raise ValueError(
            f"tally shapes {tp.shape}, {ti.shape} do not match labels {expected_p}, {expected_i}"
        )
    coords = {
        "scenario": list(scenarios),
        "year": np.asarray(years, dtype=np.int64),
        "group": list(groups),
        "instrument": list(instruments),
    }
    data = {}
    for v, name in enumerate(P_VARS):
        data[name] = (("scenario", "year", "group"), np.ascontiguousarray(tp[..., v]))
    for v, name in enumerate(I_VARS):
        data[name] = (
            ("scenario", "year", "group", "instrument"),
            np.ascontiguousarray(ti[..., v]),
        )
    ds = xr.Dataset(data, coords=coords)
    ds = ds.assign_coords(unit=("instrument", list(units)))
    return ds
