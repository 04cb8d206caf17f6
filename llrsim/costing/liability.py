"""Outstanding rights at each year end: the liability a budget officer must provision.

The closing balance of every account instrument is valued in EUR: money balances are EUR
cents (``/ 100``); time balances are minutes valued at the instrument's employer
reimbursement rate (``minutes / 60 * EUR per hour``, VOV: 21.30 EUR/h), the public cost of a
used hour (DESIGN.md, "Valuing time"). The expected redemption applies a redemption-rate
assumption (share of the outstanding balance expected to be used eventually; see
``CostingAssumptions.redemption_rate``) -- an assumption, not a forecast from the tallies.
The liability falls on the instrument's funder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llrsim.errors import DataError, ParameterError


def balance_value_eur(
    amount: pd.Series, unit: pd.Series, reimbursement_eur_per_hour: pd.Series
) -> pd.Series:
    """EUR value of balances: ``cent`` -> amount / 100; ``minute`` -> amount / 60 * rate.

    ``amount`` int64 in each row's ``unit``; ``reimbursement_eur_per_hour`` in EUR/h (used for
    time only). Unknown units raise ``DataError``.
    """
    u = unit.astype("str").to_numpy()
    bad = sorted(set(u) - {"cent", "minute"})
    if bad:
        raise DataError(f"liability: unknown balance units {bad}")
    a = amount.astype("float64").to_numpy()
    rate = reimbursement_eur_per_hour.astype("float64").to_numpy()
    value = np.where(u == "cent", a / 100.0, a / 60.0 * rate)
    return pd.Series(value, index=amount.index, dtype="float64")


def liability_table(
    instruments: pd.DataFrame, meta: pd.DataFrame, redemption_rate: float
) -> pd.DataFrame:
    """Year-end outstanding rights per scenario, year, group and instrument.

    Columns: labels, ``funder``, ``unit``, ``closing`` (native unit), ``closing_hours`` (time
    instruments; 0 for money), ``outstanding_eur`` and ``expected_redemption_eur``
    (``outstanding_eur * redemption_rate``). Instruments without a balance are left out.
    """
    if not 0.0 <= redemption_rate <= 1.0:
        raise ParameterError(f"liability: redemption rate {redemption_rate} not in [0, 1]")
    has_balance = instruments.groupby("instrument")[["opening", "accrued", "closing"]].sum()
    keep = has_balance.index[(has_balance > 0).any(axis=1)]
    df = instruments.loc[instruments["instrument"].isin(keep)].copy()
    m = meta.reindex(pd.MultiIndex.from_frame(df[["scenario", "year", "instrument"]]))
    m.index = df.index
    df["funder"] = m["funder"].astype("str")
    df["reimbursement_eur_per_hour"] = m["reimbursement_eur_per_hour"].astype("float64")
    df["closing_hours"] = np.where(df["unit"] == "minute", df["closing"] / 60.0, 0.0)
    df["outstanding_eur"] = balance_value_eur(
        df["closing"], df["unit"], df["reimbursement_eur_per_hour"]
    )
    df["expected_redemption_eur"] = df["outstanding_eur"] * float(redemption_rate)
    cols = [
        "scenario",
        "year",
        "group",
        "instrument",
        "funder",
        "unit",
        "closing",
        "closing_hours",
        "reimbursement_eur_per_hour",
        "outstanding_eur",
        "expected_redemption_eur",
    ]
    return df[cols].reset_index(drop=True)
