"""Scenario-level IT cost (S1 digital overview, S2 shared database): one-off and yearly.

IT cost belongs to a scenario and a year, not to a person or instrument, so its cost lines
carry the instrument label ``IT_INSTRUMENT`` and only the ``all`` target group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llrsim.costing.metadata import IT_INSTRUMENT
from llrsim.costing.tallies import ALL_GROUP


def it_cost_lines(it: pd.DataFrame) -> pd.DataFrame:
    """Cost lines (int64 EUR cents) from a validated IT cost table (``validate_it_costs``).

    One line per scenario, year and item (``it_one_off``, ``it_yearly``), component ``it``:
    every row of ``it`` for ``it_one_off``, then every row for ``it_yearly``.
    """
    items = (("it_one_off", "it_one_off_cents"), ("it_yearly", "it_yearly_cents"))
    n = len(it)
    rows = np.tile(np.arange(n), len(items))
    item_at = np.repeat(np.arange(len(items)), n)

    def labels(col: str) -> pd.api.extensions.ExtensionArray:
        return it[col].astype("str").array.take(rows)

    def constant(value: str) -> pd.api.extensions.ExtensionArray:
        return pd.array([value], dtype="str").take(np.zeros(len(rows), dtype=np.intp))

    return pd.DataFrame(
        {
            "scenario": labels("scenario"),
            "year": it["year"].astype("int64").to_numpy()[rows],
            "group": constant(ALL_GROUP),
            "instrument": constant(IT_INSTRUMENT),
            "funder": labels("funder"),
            "competence": labels("competence"),
            "component": constant("it"),
            "item": pd.array([item for item, _ in items], dtype="str").take(item_at),
            "cost_cents": np.concatenate([it[col].astype("int64").to_numpy() for _, col in items]),
        }
    )
