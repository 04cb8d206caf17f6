"""Budget cost lines by scenario, year, target group, instrument, funder, competence, component.

A *cost line* is one amount of nominal EUR cents (int64, exact) with its labels:

==================  =============================================  ==========================
item                amount                                         funder
==================  =============================================  ==========================
payout              ``public_cents`` (direct payouts)              instrument's funder
employer            ``employer_cents``                             ``employer``
own_contribution    ``own_cents``                                  ``individual``
admin_per_transaction  transactions x admin EUR per transaction    instrument's funder
admin_per_year      admin EUR per year x basis count                instrument's funder
it_one_off, it_yearly  scenario IT cost                            IT table (Flemish default)
==================  =============================================  ==========================

``component`` groups items into payout, employer, own_contribution, admin, it. ``competence``
is always the policy level that sets the instrument's rules (an employer cost under a Flemish
scheme stays ``flemish``); IT lines carry the IT table's competence.

Target groups overlap and ``all`` is the whole population: the total budget is the ``all``
group; a cost *by group* is meaningful only for person-level items (payouts, employer and own
contributions, per-transaction and per-person admin). Fixed instrument admin and IT exist only
in ``all``; never sum lines over groups.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from llrsim.costing.admin import admin_per_transaction_cents, admin_per_year_cents
from llrsim.costing.it import it_cost_lines
from llrsim.costing.metadata import ITEMS
from llrsim.costing.tallies import ALL_GROUP
from llrsim.errors import DataError

LINE_KEYS: tuple[str, ...] = (
    "scenario",
    "year",
    "group",
    "instrument",
    "funder",
    "competence",
    "component",
    "item",
)
"""Label columns of a cost line; any subset can be a ``by`` of ``aggregate_cost``."""


def cost_lines(instruments: pd.DataFrame, meta: pd.DataFrame, it: pd.DataFrame) -> pd.DataFrame:
    """All cost lines (int64 ``cost_cents``, nominal) of a run.

    ``instruments``: ``tallies.instrument_frame``; ``meta``: ``validate_instruments`` output
    (indexed by scenario, year and instrument); ``it``: ``validate_it_costs`` output. Zero
    lines from the tallies are kept so every scenario x year x group x instrument appears.
    Rows: every tally row for item payout, then the same for employer, own_contribution,
    admin_per_transaction and admin_per_year, then the IT lines. Each label column is built
    once by position (a Monte Carlo run builds the lines in every draw).
    """
    keys = pd.MultiIndex.from_frame(instruments[["scenario", "year", "instrument"]])
    pos = meta.index.get_indexer(keys)
    if (pos < 0).any():
        raise DataError(
            "cost lines: instrument metadata has no row for (scenario, year, instrument) "
            f"{keys[pos < 0][:5].tolist()}"
        )

    def from_meta(col: str) -> pd.Series:
        return pd.Series(meta[col].to_numpy()[pos], index=instruments.index, name=col)

    own_funder = meta["funder"].astype("str").array.take(pos)
    cents: dict[str, pd.Series] = {
        "payout": instruments["public_cents"],
        "employer": instruments["employer_cents"],
        "own_contribution": instruments["own_cents"],
        "admin_per_transaction": admin_per_transaction_cents(
            instruments["transactions"], from_meta("admin_cost_per_transaction_cents")
        ),
        "admin_per_year": admin_per_year_cents(
            instruments["eligible"],
            instruments["users"],
            from_meta("admin_cost_per_year_cents"),
            from_meta("admin_cost_per_year_basis").astype("str"),
            instruments["group"] == ALL_GROUP,
        ),
    }
    #: funder per item: the instrument's own funder, or a fixed payer (index into ``payers``)
    payers = ("employer", "individual")
    item_payer = {"employer": 0, "own_contribution": 1}
    n, items = len(instruments), list(cents)
    rows = np.tile(np.arange(n), len(items))
    funder_codes, funders = pd.factorize(own_funder, use_na_sentinel=False)
    funder_labels = pd.array([*funders.tolist(), *payers], dtype="str")
    funder_at = np.concatenate(
        [
            np.full(n, len(funders) + item_payer[item]) if item in item_payer else funder_codes
            for item in items
        ]
    ).astype(np.intp)
    item_at = np.repeat(np.arange(len(items)), n)
    lines = pd.DataFrame(
        {
            "scenario": instruments["scenario"].array.take(rows),
            "year": instruments["year"].array.take(rows),
            "group": instruments["group"].array.take(rows),
            "instrument": instruments["instrument"].array.take(rows),
            "competence": meta["competence"].astype("str").array.take(pos[rows]),
            "funder": funder_labels.take(funder_at),
            "component": pd.array([ITEMS[i] for i in items], dtype="str").take(item_at),
            "item": pd.array(items, dtype="str").take(item_at),
            "cost_cents": np.concatenate([cents[i].astype("int64").to_numpy() for i in items]),
        }
    )
    lines = pd.concat([lines, it_cost_lines(it)], ignore_index=True)
    lines["year"] = lines["year"].astype("int64")
    return lines[[*LINE_KEYS, "cost_cents"]]


def aggregate_cost(lines: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Sum cost lines over everything not in ``by`` (int64 ``cost_cents``, exact).

    Without ``group`` in ``by`` only the ``all`` group is summed (the total; groups overlap).
    With ``group``, each group's person-level lines; IT and fixed admin appear in ``all`` only.
    """
    by = list(by)
    unknown = [b for b in by if b not in LINE_KEYS]
    if unknown:
        raise ValueError(f"cost: unknown 'by' columns {unknown}; allowed {list(LINE_KEYS)}")
    if len(set(by)) != len(by):
        raise ValueError(f"cost: duplicate 'by' columns {by}")
    sel = lines if "group" in by else lines.loc[lines["group"] == ALL_GROUP]
    if not by:
        return pd.DataFrame({"cost_cents": [int(sel["cost_cents"].sum())]})
    out = sel.groupby(by, sort=False, observed=True)["cost_cents"].sum().reset_index()
    out["cost_cents"] = out["cost_cents"].astype("int64")
    return out
