"""The balance ledger identity, checked exactly in integers.

``opening + accrued + exchanged_in - spent - expired - exchanged_out - forfeited == closing``
for every scenario, year, group and instrument (docs/architecture.md). Units are the
instrument's: EUR cents for money, minutes for time.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from llrsim.costing.tallies import ALL_GROUP, LEDGER_VARS


def ledger_imbalance(frame: pd.DataFrame) -> pd.Series:
    """``opening + accrued + exchanged_in - spent - expired - exchanged_out - forfeited -
    closing`` (int64, in the instrument's unit); zero when the ledger balances."""
    f = {c: frame[c].astype("int64") for c in LEDGER_VARS}
    return (
        f["opening"]
        + f["accrued"]
        + f["exchanged_in"]
        - f["spent"]
        - f["expired"]
        - f["exchanged_out"]
        - f["forfeited"]
        - f["closing"]
    ).astype("int64")


def ledger_table(
    instruments: pd.DataFrame, by: Sequence[str] = ("scenario", "year", "instrument")
) -> pd.DataFrame:
    """Ledger totals with ``imbalance`` and ``balanced`` (exact integer identity) per ``by``.

    ``all_groups_balanced`` says whether the identity also holds in every target group's row
    behind the total (a broken group row cannot hide in the ``all`` total).

    ``by`` is a subset of scenario, year, group, instrument containing ``instrument`` (units
    differ between instruments); without ``group`` the ``all`` group is used.
    """
    by = list(by)
    if "instrument" not in by or not set(by) <= {"scenario", "year", "group", "instrument"}:
        raise ValueError(f"ledger: by must contain 'instrument'; got {by}")
    sel = instruments if "group" in by else instruments.loc[instruments["group"] == ALL_GROUP]
    out = sel.groupby([*by, "unit"], sort=False)[list(LEDGER_VARS)].sum().reset_index()
    out["imbalance"] = ledger_imbalance(out)
    out["balanced"] = out["imbalance"] == 0
    # The identity must also hold in every group's own row (a sum can hide two errors).
    rows = instruments.assign(_ok=ledger_imbalance(instruments) == 0)
    keys = [k for k in by if k != "group"]
    every = rows.groupby(keys, sort=False)["_ok"].all().rename("all_groups_balanced")
    out = out.merge(every.reset_index(), on=keys, how="left", validate="many_to_one")
    return out
