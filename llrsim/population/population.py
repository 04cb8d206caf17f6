"""The :class:`Population`: a weighted sample of persons as compact columnar arrays.

A record of weight ``w`` stands for ``w`` identical residents of the Flemish Region. The
columns and their dtypes are fixed by :data:`SCHEMA`; categorical codes are defined in
:mod:`llrsim.population.codes`. The kernels read these arrays directly.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

#: Column name -> (numpy dtype, unit or meaning). Order is the on-disk order.
SCHEMA: dict[str, tuple[str, str]] = {
    "person_id": ("int64", "stable identifier, unique within a population and its projections"),
    "weight": ("int32", "number of residents the record represents (persons)"),
    "age": ("int8", "age in completed years on 1 January"),
    "sex": ("int8", "codes.Sex"),
    "education": ("int8", "codes.Education"),
    "status": ("int8", "codes.Status"),
    "sector": ("int8", "codes.Sector (0 when not employed)"),
    "employer_size": ("int8", "codes.EmployerSize (0 without an employer)"),
    "wage": ("float32", "annual gross wage, EUR/year (0 when not an employee)"),
    "fte": ("float32", "working time as a fraction of full time (0 when not employed)"),
    "experience": ("int8", "years of work experience"),
    "unemployment_months": ("int16", "months in the current unemployment spell (0 otherwise)"),
    "flags": ("uint8", "bit set of codes.Flag (migration background, work disability)"),
}


@dataclass
class Population:
    """A weighted synthetic population for one reference ``year`` (1 January).

    Attributes are equal-length numpy arrays with the dtypes of :data:`SCHEMA`.
    """

    year: int
    person_id: np.ndarray
    weight: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    education: np.ndarray
    status: np.ndarray
    sector: np.ndarray
    employer_size: np.ndarray
    wage: np.ndarray
    fte: np.ndarray
    experience: np.ndarray
    unemployment_months: np.ndarray
    flags: np.ndarray

    def __post_init__(self) -> None:
        n = None
        for name, (dtype, _) in SCHEMA.items():
            arr = getattr(self, name)
            if not isinstance(arr, np.ndarray) or arr.ndim != 1:
                raise ValueError(f"Population.{name}: expected a 1-d numpy array")
            if arr.dtype != np.dtype(dtype):
                raise ValueError(f"Population.{name}: dtype {arr.dtype}, expected {dtype}")
            if n is None:
                n = arr.shape[0]
            elif arr.shape[0] != n:
                raise ValueError(f"Population.{name}: length {arr.shape[0]}, expected {n}")

    @property
    def n(self) -> int:
        """Number of records."""
        return int(self.person_id.shape[0])

    @property
    def total(self) -> int:
        """Number of residents represented (sum of weights, persons)."""
        return int(self.weight.sum(dtype=np.int64))

    def columns(self) -> dict[str, np.ndarray]:
        """The attribute arrays by name, in :data:`SCHEMA` order."""
        return {name: getattr(self, name) for name in SCHEMA}

    def take(self, index: np.ndarray) -> Population:
        """A new population with the records at ``index`` (e.g. a chunk or a subsample)."""
        return Population(year=self.year, **{k: v[index] for k, v in self.columns().items()})

    def __len__(self) -> int:
        return self.n

    def validate(self) -> pd.DataFrame:
        """Every target of ``data/population`` against this population, one row per target.

        Columns: target, kind (share / count / amount), value (sourced or labelled), synthetic,
        abs_error, rel_error, tolerance (1 percentage point for shares, 1 % otherwise),
        within_tolerance, calibrated (imposed by the synthesis) and basis, source.
        """
        from llrsim.population.validation import validate

        return validate(self)

    def in_group(self, name: str) -> np.ndarray:
        """Boolean membership of every record in target group ``name`` (see ``groups``)."""
        from llrsim.population import groups

        return groups.membership(self, [name])[name]

    def to_pandas(self) -> pd.DataFrame:
        """A DataFrame with one column per SCHEMA field (dtypes kept, ``attrs['year']`` set)."""
        from llrsim.population.io import to_pandas

        return to_pandas(self)

    @classmethod
    def from_pandas(cls, frame: pd.DataFrame, year: int | None = None) -> Population:
        """The inverse of :meth:`to_pandas` (``year`` defaults to ``frame.attrs['year']``)."""
        from llrsim.population.io import from_pandas

        return from_pandas(frame, year)

    def to_parquet(self, path: str | Path) -> Path:
        """Write to Parquet; :meth:`read_parquet` gives back an identical population."""
        from llrsim.population.io import to_parquet

        return to_parquet(self, path)

    @classmethod
    def read_parquet(cls, path: str | Path) -> Population:
        """Read a Parquet file, refusing bad schemas or values with a ``DataError``."""
        from llrsim.population.io import read_parquet

        return read_parquet(path)

    def equals(self, other: Population) -> bool:
        """True when year and every column are identical (values and dtypes)."""
        return self.year == other.year and all(
            a.dtype == b.dtype and np.array_equal(a, b)
            for a, b in zip(self.columns().values(), other.columns().values(), strict=True)
        )


assert [f.name for f in fields(Population)][1:] == list(SCHEMA), "SCHEMA and fields disagree"
