"""Scenario-level IT cost (S1 digital overview, S2 shared database): one-off and yearly.

IT cost belongs to a scenario and a year, not to a person or instrument, so its cost lines
carry the instrument label ``IT_INSTRUMENT`` and only the ``all`` target group.
"""

from __future__ import annotations

import pandas as pd

from llrsim.costing.metadata import IT_INSTRUMENT
from llrsim.costing.tallies import ALL_GROUP


def it_cost_lines(it: pd.DataFrame) -> pd.DataFrame:
    """Cost lines (int64 EUR cents) from a validated IT cost table (``validate_it_costs``).

    One line per scenario, year and item (``it_one_off``, ``it_yearly``), component ``it``.
    """
    parts = []
    for item, col in (("it_one_off", "it_one_off_cents"), ("it_yearly", "it_yearly_cents")):
        part = pd.DataFrame(
            {
                "scenario": it["scenario"].astype("str"),
                "year": it["year"].astype("int64"),
                "group": ALL_GROUP,
                "instrument": IT_INSTRUMENT,
                "funder": it["funder"].astype("str"),
                "competence": it["competence"].astype("str"),
                "component": "it",
                "item": item,
                "cost_cents": it[col].astype("int64"),
            }
        )
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
