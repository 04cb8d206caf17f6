"""Structured predicates over person attributes: eligibility rules and target groups.

Rules are data, never code: a target group (``kansengroep``) or an instrument's eligibility is
a conjunction of simple conditions on person attributes (age range, sexes, statuses,
education levels, employer sizes, sectors, flags, minimum work experience, minimum
unemployment duration), optionally intersected with the union of named target groups.
There is no ``eval``: a :class:`Predicate` compiles to a small integer vector that the Numba
kernels test with :func:`matches`.

Category names are the lower-case names of the enums in :mod:`llrsim.population.codes`,
plus two shorthands for statuses: ``"employed"`` (private and public employees and
self-employed) and ``"employee"`` (private and public employees).
"""

from __future__ import annotations

from enum import IntEnum

import numba as nb
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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

AGE_LOWER = 18  #: youngest age in the model (years)
AGE_UPPER = 67  #: oldest age in the model (years); persons older leave the model

# Layout of a compiled predicate (int64 vector).
P_AGE_MIN, P_AGE_MAX, P_SEX, P_STATUS, P_EDU, P_SIZE, P_SECTOR = 0, 1, 2, 3, 4, 5, 6
P_FLAGS, P_MIN_EXP, P_MIN_UNEMP, P_GROUPS = 7, 8, 9, 10
P_LEN = 11

_STATUS_SHORTHANDS = {
    "employed": tuple(int(s) for s in EMPLOYED_STATUSES),
    "employee": tuple(int(s) for s in EMPLOYEE_STATUSES),
}


def _names(enum: type[IntEnum]) -> list[str]:
    return [m.name.lower() for m in enum]


def _mask(
    values: list[str] | None,
    enum: type[IntEnum],
    field: str,
    shorthands: dict[str, tuple[int, ...]] | None = None,
) -> int:
    """Bit mask of the allowed codes; 0 means 'any'."""
    if values is None:
        return 0
    shorthands = shorthands or {}
    allowed = {m.name.lower(): int(m) for m in enum}
    mask = 0
    for v in values:
        if v in shorthands:
            for code in shorthands[v]:
                mask |= 1 << code
        elif v in allowed:
            mask |= 1 << allowed[v]
        else:
            raise ValueError(
                f"{field}: unknown value {v!r}; allowed {sorted([*allowed, *shorthands])}"
            )
    return mask


class Predicate(BaseModel):
    """A conjunction of conditions on person attributes (all fields optional).

    ``None`` for a category list means "any value". Ages are in completed years and both
    bounds are inclusive. ``any_of_groups`` restricts further to persons in at least one of
    the named target groups (see :mod:`llrsim.population.groups`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    age_min: int = Field(AGE_LOWER, ge=0, le=120, description="minimum age, years (inclusive)")
    age_max: int = Field(AGE_UPPER, ge=0, le=120, description="maximum age, years (inclusive)")
    sexes: list[str] | None = None
    statuses: list[str] | None = None
    education: list[str] | None = None
    employer_sizes: list[str] | None = None
    sectors: list[str] | None = None
    flags: list[str] = Field(default_factory=list, description="flags that must all be set")
    min_experience_years: int = Field(0, ge=0, le=60, description="years of work experience")
    min_unemployment_months: int = Field(
        0, ge=0, le=600, description="months in the current unemployment spell"
    )
    any_of_groups: list[str] = Field(default_factory=list)

    @field_validator("sexes")
    @classmethod
    def _check_sexes(cls, v: list[str] | None) -> list[str] | None:
        _mask(v, Sex, "sexes")
        return v

    @field_validator("statuses")
    @classmethod
    def _check_statuses(cls, v: list[str] | None) -> list[str] | None:
        _mask(v, Status, "statuses", _STATUS_SHORTHANDS)
        return v

    @field_validator("education")
    @classmethod
    def _check_education(cls, v: list[str] | None) -> list[str] | None:
        _mask(v, Education, "education")
        return v

    @field_validator("employer_sizes")
    @classmethod
    def _check_sizes(cls, v: list[str] | None) -> list[str] | None:
        _mask(v, EmployerSize, "employer_sizes")
        return v

    @field_validator("sectors")
    @classmethod
    def _check_sectors(cls, v: list[str] | None) -> list[str] | None:
        _mask(v, Sector, "sectors")
        return v

    @field_validator("flags")
    @classmethod
    def _check_flags(cls, v: list[str]) -> list[str]:
        _mask(v, Flag, "flags")
        return v

    @model_validator(mode="after")
    def _check_ages(self) -> Predicate:
        if self.age_min > self.age_max:
            raise ValueError(f"age_min ({self.age_min}) is above age_max ({self.age_max})")
        return self

    def compile(self, group_index: dict[str, int] | None = None) -> np.ndarray:
        """Integer vector of length :data:`P_LEN` for :func:`matches`.

        ``group_index`` maps target-group names to their bit in a person's group mask; it is
        required when ``any_of_groups`` is used.
        """
        groups = 0
        if self.any_of_groups:
            if group_index is None:
                raise ValueError("any_of_groups needs the target-group registry to compile")
            for g in self.any_of_groups:
                if g not in group_index:
                    raise ValueError(
                        f"any_of_groups: unknown target group {g!r}; known {sorted(group_index)}"
                    )
                groups |= 1 << group_index[g]
        out = np.zeros(P_LEN, dtype=np.int64)
        out[P_AGE_MIN] = self.age_min
        out[P_AGE_MAX] = self.age_max
        out[P_SEX] = _mask(self.sexes, Sex, "sexes")
        out[P_STATUS] = _mask(self.statuses, Status, "statuses", _STATUS_SHORTHANDS)
        out[P_EDU] = _mask(self.education, Education, "education")
        out[P_SIZE] = _mask(self.employer_sizes, EmployerSize, "employer_sizes")
        out[P_SECTOR] = _mask(self.sectors, Sector, "sectors")
        out[P_FLAGS] = _mask(self.flags, Flag, "flags")
        out[P_MIN_EXP] = self.min_experience_years
        out[P_MIN_UNEMP] = self.min_unemployment_months
        out[P_GROUPS] = groups
        return out


@nb.njit(cache=True, inline="always")
def _in_mask(mask: np.int64, code: np.int64) -> bool:
    return mask == 0 or (mask >> code) & 1 == 1


@nb.njit(cache=True)
def matches_row(preds, r, age, sex, education, status, employer_size, sector, flags,
                experience, unemployment_months, group_mask) -> bool:  # fmt: skip
    """True when one person satisfies compiled predicate ``preds[r]`` (Numba, scalar).

    Reads the 2-d array of compiled predicates in place: no row view is made, which keeps
    numba's reference counting out of the kernels' inner loops.
    """
    if age < preds[r, P_AGE_MIN] or age > preds[r, P_AGE_MAX]:
        return False
    if not _in_mask(preds[r, P_SEX], sex):
        return False
    if not _in_mask(preds[r, P_STATUS], status):
        return False
    if not _in_mask(preds[r, P_EDU], education):
        return False
    if not _in_mask(preds[r, P_SIZE], employer_size):
        return False
    if not _in_mask(preds[r, P_SECTOR], sector):
        return False
    if (flags & preds[r, P_FLAGS]) != preds[r, P_FLAGS]:
        return False
    if experience < preds[r, P_MIN_EXP]:
        return False
    if unemployment_months < preds[r, P_MIN_UNEMP]:
        return False
    if preds[r, P_GROUPS] != 0 and (group_mask & preds[r, P_GROUPS]) == 0:
        return False
    return True


@nb.njit(cache=True)
def matches(pred, age, sex, education, status, employer_size, sector, flags,
            experience, unemployment_months, group_mask) -> bool:  # fmt: skip
    """True when one person satisfies the compiled predicate ``pred`` (a 1-d vector)."""
    return matches_row(pred.reshape((1, pred.shape[0])), 0, age, sex, education, status,
                       employer_size, sector, flags, experience, unemployment_months,
                       group_mask)  # fmt: skip


@nb.njit(cache=True)
def match_arrays(
    pred,
    age,
    sex,
    education,
    status,
    employer_size,
    sector,
    flags,
    experience,
    unemployment_months,
    group_mask,
) -> np.ndarray:
    """Vectorised :func:`matches` over person arrays (same rule, one implementation)."""
    n = age.shape[0]
    out = np.empty(n, dtype=np.bool_)
    for i in range(n):
        out[i] = matches(
            pred,
            age[i],
            sex[i],
            education[i],
            status[i],
            employer_size[i],
            sector[i],
            flags[i],
            experience[i],
            unemployment_months[i],
            group_mask[i],
        )
    return out
