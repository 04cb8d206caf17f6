"""Reading and writing populations: pandas and Parquet (pyarrow), with the schema checked.

A Parquet file holds one column per :data:`~llrsim.population.population.SCHEMA` field with
its exact dtype, and the reference year and schema version in the file's key-value metadata
(``llrsim.year``, ``llrsim.schema``). Reading refuses, with a
:class:`~llrsim.errors.DataError` naming the file and the problem, a file with a missing
column, a value that does not fit its dtype, or an impossible value (negative weight, age
outside 18-67, unknown category code, fte outside [0, 1], negative or non-finite wage,
duplicate person ids).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from llrsim.errors import DataError
from llrsim.population.codes import Education, EmployerSize, Flag, Sector, Sex, Status
from llrsim.population.population import SCHEMA
from llrsim.predicates import AGE_LOWER, AGE_UPPER

if TYPE_CHECKING:
    from llrsim.population.population import Population

SCHEMA_VERSION = "1"
_YEAR_KEY = b"llrsim.year"
_SCHEMA_KEY = b"llrsim.schema"
_CODES = {
    "sex": Sex,
    "education": Education,
    "status": Status,
    "sector": Sector,
    "employer_size": EmployerSize,
}


def to_pandas(pop: Population) -> pd.DataFrame:
    """The population as a DataFrame (columns in SCHEMA order, dtypes kept; ``attrs['year']``)."""
    frame = pd.DataFrame({name: arr.copy() for name, arr in pop.columns().items()})
    frame.attrs["year"] = pop.year
    return frame


def to_parquet(pop: Population, path: str | Path) -> Path:
    """Write ``pop`` to a Parquet file (year and schema version in the metadata)."""
    path = Path(path)
    table = pa.table({name: pa.array(arr) for name, arr in pop.columns().items()})
    meta = {_YEAR_KEY: str(pop.year).encode(), _SCHEMA_KEY: SCHEMA_VERSION.encode()}
    table = table.replace_schema_metadata(meta)
    pq.write_table(table, path)
    return path


def check_arrays(columns: dict[str, np.ndarray], where: str) -> None:
    """Refuse impossible values with a DataError naming ``where`` and the first bad record."""

    def bad(name: str, mask: np.ndarray, what: str) -> None:
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            raise DataError(
                f"{where}: column '{name}', record {i}: {what} (value {columns[name][i]!r})"
            )

    bad("weight", columns["weight"] < 0, "negative weight")
    age = columns["age"]
    bad("age", (age < AGE_LOWER) | (age > AGE_UPPER), f"age outside [{AGE_LOWER}, {AGE_UPPER}]")
    for name, enum in _CODES.items():
        codes = np.array(sorted(int(m) for m in enum))
        bad(name, ~np.isin(columns[name], codes), f"unknown {enum.__name__} code")
    bad("flags", columns["flags"] >= (1 << len(Flag)), "unknown flag bits")
    fte = columns["fte"]
    bad("fte", ~np.isfinite(fte) | (fte < 0) | (fte > 1), "fte outside [0, 1]")
    wage = columns["wage"]
    bad("wage", ~np.isfinite(wage) | (wage < 0), "negative or non-finite wage")
    bad("experience", columns["experience"] < 0, "negative experience")
    bad("unemployment_months", columns["unemployment_months"] < 0, "negative months")
    ids = columns["person_id"]
    if np.unique(ids).shape[0] != ids.shape[0]:
        raise DataError(f"{where}: column 'person_id': duplicate person ids")


def read_parquet(path: str | Path) -> Population:
    """Read a population written by :func:`to_parquet`, checking schema and values."""
    from llrsim.population.population import Population

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: population file not found")
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{path}: not a readable Parquet file: {exc}") from exc
    meta = table.schema.metadata or {}
    if _YEAR_KEY not in meta:
        raise DataError(f"{path}: metadata 'llrsim.year' missing (not written by llrsim?)")
    try:
        year = int(meta[_YEAR_KEY].decode())
    except ValueError:
        raise DataError(f"{path}: metadata 'llrsim.year' is not an integer") from None
    columns = _schema_columns({name: table.column(name) for name in table.column_names}, str(path))
    return Population(year=year, **columns)


def _schema_columns(raw: dict, where: str) -> dict[str, np.ndarray]:
    """SCHEMA columns from arrow or pandas columns: present, no nulls, lossless dtypes."""
    missing = [name for name in SCHEMA if name not in raw]
    if missing:
        raise DataError(f"{where}: missing column(s) {missing}; expected {list(SCHEMA)}")
    extra = [name for name in raw if name not in SCHEMA]
    if extra:
        raise DataError(f"{where}: unknown column(s) {extra}; expected {list(SCHEMA)}")
    columns = {}
    for name, (dtype, _) in SCHEMA.items():
        col = raw[name]
        nulls = int(col.null_count) if hasattr(col, "null_count") else int(col.isna().sum())
        if nulls:
            raise DataError(f"{where}: column '{name}' has {nulls} missing values")
        arr = np.asarray(col.to_numpy())
        if arr.dtype != np.dtype(dtype):
            if arr.dtype.kind not in "biuf":
                raise DataError(f"{where}: column '{name}' ({arr.dtype}) is not numeric")
            cast = arr.astype(dtype)
            if not np.array_equal(cast.astype(arr.dtype), arr, equal_nan=arr.dtype.kind == "f"):
                raise DataError(
                    f"{where}: column '{name}' ({arr.dtype}) does not fit {dtype} without loss"
                )
            arr = cast
        columns[name] = np.ascontiguousarray(arr)
    check_arrays(columns, where)
    return columns


def from_pandas(frame: pd.DataFrame, year: int | None = None) -> Population:
    """A population from a DataFrame with the SCHEMA columns (checked as for Parquet).

    ``year`` defaults to ``frame.attrs['year']`` (set by :func:`to_pandas`).
    """
    from llrsim.population.population import Population

    if year is None:
        if "year" not in frame.attrs:
            raise DataError("DataFrame: no year given and frame.attrs['year'] not set")
        year = int(frame.attrs["year"])
    columns = _schema_columns({name: frame[name] for name in frame.columns}, "DataFrame")
    return Population(year=int(year), **columns)
