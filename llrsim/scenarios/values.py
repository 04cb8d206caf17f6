"""Value types of the scenario files: year-varying schedules and parameters with a range.

**Schedules.** A numeric rule field accepts a number or a table of years, as statutory rules
change by year::

    accrual_eur = 500                      # the same every year
    accrual_eur = {2025 = 500, 2028 = 600} # step function

A table is a step function: the value in year *t* is the value of the latest key year ≤ *t*.
**A year before the first key is an error** (:class:`~llrsim.errors.ScenarioError`), never a
silent extrapolation: a rule that starts in 2025 says nothing about 2024. Start the table at
or before the first simulated year.

**Indexation.** An instrument lists in ``indexed = [...]`` the EUR fields that follow the
health index (*gezondheidsindex*). Their nominal value in year *t* is::

    value(k) * (1 + g) ** (t - k)

where *k* is the key year of the step in force (a value set in a year is in prices of that
year and indexed from then on) or, for a plain number, the index base year of
``data/parameters/costing.toml`` (``health_index.base_year``); *g* is
``health_index.growth`` (a parameter with a range).

**Ranged parameters.** Behavioural hooks and scenario effects that no source pins down
(awareness, friction, uplifts, IT cost) are written as a number (fixed) or as a table with
a range, which Monte Carlo may vary::

    awareness = {value = 0.5, low = 0.3, high = 0.7, source = "assumption: ..."}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from llrsim.errors import ScenarioError

YEAR_MIN, YEAR_MAX = 1900, 2200  #: accepted key years of a schedule

#: Tags of the tagged unions below; they are dropped from error paths.
VALUE_TAGS = frozenset({"number", "table", "ranged"})

Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
NonNegative = Annotated[float, Field(ge=0, strict=True, allow_inf_nan=False)]
ShareValue = Annotated[float, Field(ge=0, le=1, strict=True, allow_inf_nan=False)]


def _number_or_table(v: Any) -> str:
    return "table" if isinstance(v, Mapping) else "number"


def _number_or_ranged(v: Any) -> str:
    return "ranged" if isinstance(v, Mapping | BaseModel) else "number"


#: A non-negative amount (EUR, hours, days ...), a number or ``{year = value}``.
Amount = Annotated[
    Annotated[NonNegative, Tag("number")] | Annotated[dict[Year, NonNegative], Tag("table")],
    Discriminator(_number_or_table),
]
#: A share in [0, 1], a number or ``{year = value}``.
Share = Annotated[
    Annotated[ShareValue, Tag("number")] | Annotated[dict[Year, ShareValue], Tag("table")],
    Discriminator(_number_or_table),
]


class Ranged(BaseModel):
    """A parameter with a central value, a plausible range and its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(allow_inf_nan=False, description="central value (deterministic run)")
    low: float = Field(allow_inf_nan=False, description="lower end of the plausible range")
    high: float = Field(allow_inf_nan=False, description="upper end of the plausible range")
    distribution: Literal["uniform", "triangular", "normal", "beta"] = "uniform"
    source: str = Field(min_length=1, description="source, or 'assumption: ...'")

    @model_validator(mode="after")
    def _ordered(self) -> Ranged:
        if not self.low <= self.value <= self.high:
            raise ValueError(
                f"need low <= value <= high, got low={self.low}, value={self.value}, "
                f"high={self.high}"
            )
        return self


class _RangedNonNegative(Ranged):
    @model_validator(mode="after")
    def _nonneg(self) -> _RangedNonNegative:
        if self.low < 0:
            raise ValueError(f"low={self.low} is negative; allowed range [0, inf)")
        return self


class _RangedShare(Ranged):
    @model_validator(mode="after")
    def _share(self) -> _RangedShare:
        if self.low < 0 or self.high > 1:
            raise ValueError(f"range [{self.low}, {self.high}] outside the allowed range [0, 1]")
        return self


#: A share in [0, 1], fixed (number) or with a range (table).
RangedShare = Annotated[
    Annotated[ShareValue, Tag("number")] | Annotated[_RangedShare, Tag("ranged")],
    Discriminator(_number_or_ranged),
]
#: A non-negative amount, fixed (number) or with a range (table).
RangedAmount = Annotated[
    Annotated[NonNegative, Tag("number")] | Annotated[_RangedNonNegative, Tag("ranged")],
    Discriminator(_number_or_ranged),
]


def central(v: float | Ranged) -> float:
    """Central value of a fixed or ranged parameter."""
    return float(v.value) if isinstance(v, Ranged) else float(v)


def value_at(
    schedule: float | Mapping[int, float], year: int, where: str
) -> tuple[float, int | None]:
    """Value of a schedule in ``year`` and the key year of the step in force.

    Returns ``(value, key_year)``; ``key_year`` is ``None`` for a plain number. ``where`` names
    the field for the error raised when ``year`` precedes the first key year.
    """
    if not isinstance(schedule, Mapping):
        return float(schedule), None
    keys = sorted(schedule)
    if year < keys[0]:
        raise ScenarioError(
            f"{where}: no value for {year}; the year table starts in {keys[0]} "
            f"(years before the first key are refused, not extrapolated)"
        )
    key = max(k for k in keys if k <= year)
    return float(schedule[key]), key


def nominal(
    schedule: float | Mapping[int, float],
    year: int,
    where: str,
    *,
    indexed: bool,
    growth: float,
    base_year: int,
) -> float:
    """Nominal value in ``year``: the schedule's value, indexed when the field is indexed.

    ``growth`` is the yearly health-index growth (0.02 = 2 %/yr); ``base_year`` is the price
    year of plain numbers (see the module docstring).
    """
    value, key = value_at(schedule, year, where)
    if not indexed:
        return value
    ref = base_year if key is None else key
    return value * (1.0 + growth) ** (year - ref)
