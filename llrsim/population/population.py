"""The :class:`Population`: a weighted sample of persons as compact columnar arrays.

A record of weight ``w`` stands for ``w`` identical residents of the Flemish Region. The
columns and their dtypes are fixed by :data:`SCHEMA`; categorical codes are defined in
:mod:`llrsim.population.codes`. The kernels read these arrays directly.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

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


assert [f.name for f in fields(Population)][1:] == list(SCHEMA), "SCHEMA and fields disagree"
