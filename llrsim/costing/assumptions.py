"""Costing assumptions: health-index growth, price base year, discount rate, redemption rate.

These are parameters with ranges. The shipped values live in ``data/parameters/costing.toml``
under the names in ``PARAMETER_NAMES``: ``CostingAssumptions.shipped()`` reads them (what a
``Results`` uses unless given other assumptions); ``from_parameters`` reads any
``ParameterSet`` (e.g. a Monte Carlo draw). The dataclass defaults mirror the shipped central
values for use without a file (tests, notebooks); each is an assumption with a range.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from llrsim.errors import ParameterError
from llrsim.parameters import ParameterSet, load_parameters

PARAMETER_NAMES: dict[str, str] = {
    "health_index_growth": "health_index.growth",
    "base_year": "health_index.base_year",
    "discount_rate": "discounting.rate",
    "redemption_rate": "liability.redemption_rate",
}
"""Field -> parameter name read from ``costing.toml``."""

RANGES: dict[str, tuple[float, float]] = {
    "health_index_growth": (0.0, 0.05),
    "discount_rate": (0.0, 0.08),
    "redemption_rate": (0.0, 1.0),
}
"""Allowed ranges (inclusive) enforced at construction."""


@dataclass(frozen=True)
class CostingAssumptions:
    """Parameters turning nominal cents into budget figures.

    - ``health_index_growth`` (fraction per year): health-index projection, default 0.02
      (assumption: the ECB medium-term inflation target; plausible range 0.01-0.035);
    - ``base_year`` (year or None): price base of constant prices and present values;
      None = first simulated year;
    - ``discount_rate`` (fraction per year): default 0.03 (assumption: the social discount
      rate recommended by the EU Better Regulation Toolbox, tool #61; range 0.01-0.05), a real
      rate applied to constant-price cost;
    - ``redemption_rate`` (fraction): share of outstanding rights expected to be used
      eventually, default 0.5 (assumption, no source; range 0.2-0.9). Take-up of individual
      training rights is low, so a budget officer provisions part, not all, of the balance.
    """

    health_index_growth: float = 0.02
    base_year: int | None = None
    discount_rate: float = 0.03
    redemption_rate: float = 0.5

    def __post_init__(self) -> None:
        for field, (low, high) in RANGES.items():
            value = getattr(self, field)
            if not low <= value <= high:
                raise ParameterError(
                    f"costing assumption '{field}' = {value} outside its range [{low}, {high}]"
                )

    @classmethod
    def from_parameters(cls, params: ParameterSet) -> CostingAssumptions:
        """Read the assumptions from a ``costing`` ParameterSet (names in ``PARAMETER_NAMES``).

        A missing name raises ``ParameterError`` (no silent default when a file is given).
        """
        values: dict[str, float | int] = {}
        for field, name in PARAMETER_NAMES.items():
            value = params.value(name)
            values[field] = int(value) if field == "base_year" else float(value)
        return cls(**values)

    @classmethod
    def shipped(cls) -> CostingAssumptions:
        """The central values of the shipped ``data/parameters/costing.toml``."""
        return cls.from_parameters(load_parameters("costing"))

    def as_dict(self) -> dict[str, float | int | None]:
        """Plain dict (for the run manifest and the README sheet)."""
        return asdict(self)
