"""Administrative cost of running an instrument: per transaction and per year.

Administration (processing a request, issuing a cheque, keeping an account) is costed from
the instrument metadata: ``admin_cost_per_transaction_eur`` times the kernel's
``transactions``, plus ``admin_cost_per_year_eur`` per eligible person, per user or per
instrument-year (``admin_cost_per_year_basis``). It is borne by the instrument's funder.
All amounts are exact int64 EUR cents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def admin_per_transaction_cents(
    transactions: pd.Series, cents_per_transaction: pd.Series
) -> pd.Series:
    """Administrative cost of the year's transactions (int64 EUR cents).

    ``transactions``: count of uses (requests, cheques, payments); ``cents_per_transaction``:
    EUR cents per use, aligned on the same index.
    """
    return (transactions.astype("int64") * cents_per_transaction.astype("int64")).astype("int64")


def admin_per_year_cents(
    eligible: pd.Series,
    users: pd.Series,
    cents_per_year: pd.Series,
    basis: pd.Series,
    is_total_group: pd.Series,
) -> pd.Series:
    """Yearly administrative cost (int64 EUR cents) by the basis each instrument declares.

    - ``eligible_person``: cents per eligible person per year;
    - ``user``: cents per user per year;
    - ``fixed``: a fixed yearly cost per instrument, counted once in the ``all`` group
      (``is_total_group``) for each scenario-year in which the instrument has eligible persons;
      it cannot be split over target groups and is zero in the other groups.
    """
    elig = eligible.astype("int64").to_numpy()
    use = users.astype("int64").to_numpy()
    cents = cents_per_year.astype("int64").to_numpy()
    b = basis.to_numpy()
    fixed = np.where(is_total_group.to_numpy() & (elig > 0), 1, 0).astype("int64")
    count = np.where(b == "eligible_person", elig, np.where(b == "user", use, fixed))
    return pd.Series((count * cents).astype("int64"), index=eligible.index)
