"""Growth paths: which scenario is in force in which year (*groeipad*).

``phase({2026: "S1+S2", 2028: "S4", 2031: "S6"})`` builds a :class:`GrowthPath`. Rules:

- A step ``{year: scenario}`` is in force from ``year`` until the next step's year.
- **Cumulative by default** (``cumulative=True``), as in the VIONA conclusion (a "double
  foundation" on which the pillars are built): each step is combined with everything before
  it (:func:`~llrsim.scenarios.scenario.combine`), so 2028 above is ``S1+S2+S4`` and 2031
  ``S1+S2+S4+S6``. With ``cumulative=False`` each step replaces the previous one.
- Years before the first step are under ``before`` (default ``"S0"``, today's incentives);
  ``before=None`` makes them an error.
- **Rights at a switch** follow the later scenario's instruments (their ``carry_over``):
  ``keep`` the balance of the same instrument id, ``convert`` the balance of
  ``convert_from`` at ``convert_rate``, or ``forfeit`` it; an instrument no longer in force
  forfeits its balance unless converted (see :mod:`llrsim.scenarios.instruments`). The
  compiled arrays carry this per year (``switch``, ``carry_over``, ``link_from``).
- One-off IT cost: a scenario's one-off is paid in the first year it is in force; at a switch
  the *increase* of the one-off cost of the scenario in force is paid (exact for cumulative
  paths, where components only accumulate; an approximation for non-cumulative paths that
  swap one system for another).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from llrsim.errors import ScenarioError
from llrsim.scenarios.scenario import Scenario, combine, load


@dataclass(frozen=True)
class GrowthPath:
    """Scenarios in force by year: ``steps`` are (first year, scenario), years ascending."""

    id: str
    steps: tuple[tuple[int, Scenario], ...]
    before: Scenario | None

    def in_force(self, year: int) -> Scenario:
        """The scenario in force in ``year``."""
        current = self.before
        for start, scenario in self.steps:
            if year >= start:
                current = scenario
        if current is None:
            raise ScenarioError(
                f"growth path {self.id}: no scenario in force in {year}; the path starts in "
                f"{self.steps[0][0]} and before=None"
            )
        return current

    @property
    def switch_years(self) -> list[int]:
        """Years in which a new step enters into force."""
        return [start for start, _ in self.steps]

    def to_frame(self, years: range | list[int]) -> pd.DataFrame:
        """One row per year: scenario id in force and its instrument ids."""
        rows = []
        for y in years:
            s = self.in_force(int(y))
            rows.append(
                {
                    "year": int(y),
                    "scenario": s.id,
                    "instruments": [i.id for i in s.instruments_in_force()],
                }
            )
        return pd.DataFrame(rows).set_index("year")


def phase(
    steps: Mapping[int, str | Scenario],
    *,
    cumulative: bool = True,
    before: str | Scenario | None = "S0",
) -> GrowthPath:
    """A growth path from ``{first year: scenario}`` (see the module docstring)."""
    if not steps:
        raise ScenarioError("phase: give at least one {year: scenario} step")
    for y in steps:
        if isinstance(y, bool) or not isinstance(y, int):
            raise ScenarioError(f"phase: step key {y!r} is not a year (int)")
    ordered = sorted(steps.items())
    built: list[tuple[int, Scenario]] = []
    previous: Scenario | None = None
    for year, spec in ordered:
        scenario = load(spec)
        if cumulative and previous is not None:
            scenario = combine(previous, scenario)
        built.append((year, scenario))
        previous = scenario
    label = ",".join(f"{y}:{spec if isinstance(spec, str) else spec.id}" for y, spec in ordered)
    first = None if before is None else load(before)
    mode = "" if cumulative else ";replace"
    return GrowthPath(id=f"path({label}{mode})", steps=tuple(built), before=first)
