"""Calibration and validation targets in one structured format.

A *target* is a statistic of the population with a sourced (or labelled) value: a share of a
domain, or a number of persons. The same structured description serves two purposes, so a
number in ``data/`` is written once:

- :func:`llrsim.population.synthesize.synthesize` imposes the targets with ``calibrate = true``
  (by iterative proportional fitting over sex x age x education x status, or by calibrated
  draws for the other attributes);
- :meth:`llrsim.population.Population.validate` reports every target.

Tables in the common format (``education_2022``, ``labour_status_2023``) have the columns
``target, year, sex, age_min, age_max, education, status, measure, value, kind, basis,
calibrate, source``. The domain is the persons matching ``sex``, the age range, ``education``
and ``status`` (``"all"`` = any; several values separated by ``|``; statuses also accept the
shorthands ``employed`` and ``employee``). ``measure`` names the numerator as
``field:value|value`` with field ``education``, ``status``, ``sector``, ``employer_size``,
``flag`` or ``group`` (a target group of :mod:`llrsim.population.groups`), or ``all``.
Nothing is evaluated as code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pandas as pd

from llrsim.errors import DataError
from llrsim.population.codes import (
    EMPLOYED_STATUSES,
    EMPLOYEE_STATUSES,
    Education,
    EmployerSize,
    Flag,
    Sector,
    Sex,
    Status,
)

_SEX_NAMES = {"men": Sex.MEN, "women": Sex.WOMEN}
_STATUS_SHORTHANDS = {"employed": EMPLOYED_STATUSES, "employee": EMPLOYEE_STATUSES}
_FIELDS: dict[str, type[IntEnum]] = {
    "sex": Sex,
    "education": Education,
    "status": Status,
    "sector": Sector,
    "employer_size": EmployerSize,
    "flag": Flag,
}
#: Fields of the cell table used by the IPF fit (the other fields are drawn per record).
CELL_FIELDS = ("sex", "age", "education", "status")


def parse_codes(field: str, text: str, where: str) -> tuple[int, ...] | None:
    """Codes named by ``text`` (``"all"`` -> ``None``, i.e. no restriction).

    ``field`` is the attribute (``sex``, ``education``, ``status`` ...). Raises
    :class:`~llrsim.errors.DataError` naming ``where`` for an unknown name.
    """
    text = text.strip().lower()
    if text in ("all", "any", ""):
        return None
    enum = _FIELDS[field]
    allowed = {m.name.lower(): int(m) for m in enum}
    if field == "sex":
        allowed = {k: int(v) for k, v in _SEX_NAMES.items()}
    out: list[int] = []
    for name in text.split("|"):
        name = name.strip()
        if field == "status" and name in _STATUS_SHORTHANDS:
            out.extend(int(s) for s in _STATUS_SHORTHANDS[name])
        elif name in allowed:
            out.append(allowed[name])
        else:
            known = sorted(allowed) + (sorted(_STATUS_SHORTHANDS) if field == "status" else [])
            raise DataError(f"{where}: unknown {field} {name!r}; allowed {known}")
    return tuple(sorted(set(out)))


@dataclass(frozen=True)
class Target:
    """One target: the value of a share of a domain, or of a number of persons.

    ``value`` is for the reference ``year`` of the row; counts are rescaled to the population
    year by :meth:`scaled`.
    """

    name: str
    year: int
    sex: tuple[int, ...] | None
    age_min: int
    age_max: int
    education: tuple[int, ...] | None
    status: tuple[int, ...] | None
    measure_field: str  # "all", a field of _FIELDS, or "group"
    measure_values: tuple[int, ...] | tuple[str, ...] | None
    value: float
    kind: str  # "share" | "count"
    basis: str
    calibrate: bool
    source: str

    @property
    def in_cells(self) -> bool:
        """True when domain and measure only use the IPF cell fields."""
        return self.measure_field in ("all", "sex", "education", "status")

    def scaled(self, factor: float) -> Target:
        """The target with a count value multiplied by ``factor`` (shares unchanged)."""
        if self.kind != "count":
            return self
        return Target(**{**self.__dict__, "value": self.value * factor})

    def domain_mask(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        """Boolean mask of the records (or cells) in the domain."""
        age = cols["age"]
        mask = (age >= self.age_min) & (age <= self.age_max)
        for field in ("sex", "education", "status"):
            codes = getattr(self, field)
            if codes is not None:
                mask &= np.isin(cols[field], codes)
        return mask

    def measure_mask(
        self, cols: Mapping[str, np.ndarray], groups: Mapping[str, np.ndarray] | None = None
    ) -> np.ndarray:
        """Boolean mask of the numerator condition (without the domain)."""
        f = self.measure_field
        if f == "all":
            return np.ones(cols["age"].shape[0], dtype=bool)
        if f == "flag":
            bits = 0
            for code in self.measure_values:  # type: ignore[union-attr]
                bits |= 1 << int(code)
            return (cols["flags"].astype(np.int64) & bits) != 0
        if f == "group":
            if groups is None:
                raise ValueError(f"target {self.name}: group membership needed")
            out = np.zeros(cols["age"].shape[0], dtype=bool)
            for g in self.measure_values:  # type: ignore[union-attr]
                out |= groups[str(g)]
            return out
        return np.isin(cols[f], self.measure_values)

    def evaluate(
        self,
        cols: Mapping[str, np.ndarray],
        weight: np.ndarray,
        groups: Mapping[str, np.ndarray] | None = None,
    ) -> float:
        """The statistic on weighted records (or cells): a share or a count of persons."""
        dom = self.domain_mask(cols)
        num = float(weight[dom & self.measure_mask(cols, groups)].sum(dtype=np.float64))
        if self.kind == "count":
            return num
        den = float(weight[dom].sum(dtype=np.float64))
        if den <= 0:
            return float("nan")
        return num / den


def parse_measure(text: str, where: str) -> tuple[str, tuple | None]:
    """``field:value|value`` -> (field, codes or group names); ``all`` -> (``all``, None)."""
    text = text.strip()
    if text.lower() == "all":
        return "all", None
    if ":" not in text:
        raise DataError(f"{where}: measure {text!r} is not 'field:value|value' or 'all'")
    field, values = (s.strip().lower() for s in text.split(":", 1))
    if field == "group":
        return "group", tuple(v.strip() for v in values.split("|"))
    if field not in _FIELDS:
        raise DataError(
            f"{where}: measure field {field!r}; allowed {sorted([*_FIELDS, 'group', 'all'])}"
        )
    codes = parse_codes(field, values, where)
    if codes is None:
        raise DataError(f"{where}: measure {text!r} names no value")
    return field, codes


def targets_from_frame(frame: pd.DataFrame, where: str) -> list[Target]:
    """Parse a table in the common target format (see the module docstring)."""
    out = []
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        at = f"{where}: row {i} (data row, target {row.target!r})"
        if row.kind not in ("share", "count"):
            raise DataError(f"{at}: kind {row.kind!r}; allowed ['count', 'share']")
        if row.age_min > row.age_max:
            raise DataError(f"{at}: age_min {row.age_min} above age_max {row.age_max}")
        if row.kind == "share" and not 0.0 <= row.value <= 1.0:
            raise DataError(f"{at}: share {row.value} outside [0, 1]")
        field, values = parse_measure(row.measure, at)
        out.append(
            Target(
                name=row.target,
                year=int(row.year),
                sex=parse_codes("sex", row.sex, at),
                age_min=int(row.age_min),
                age_max=int(row.age_max),
                education=parse_codes("education", row.education, at),
                status=parse_codes("status", row.status, at),
                measure_field=field,
                measure_values=values,
                value=float(row.value),
                kind=row.kind,
                basis=row.basis,
                calibrate=bool(row.calibrate),
                source=row.source,
            )
        )
    return out
