"""Present value of a multi-year cost with a discount rate.

``PV = sum_y cost(y) / (1 + r) ** (y - b)`` with base year *b*: a cost in the base year counts
in full, later costs less (for r > 0), earlier ones more.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from llrsim.errors import ParameterError


def discount_factors(years: pd.Series, rate: float, base_year: int) -> pd.Series:
    """Discount factor ``1 / (1 + rate) ** (year - base_year)`` (dimensionless) per row."""
    if not np.isfinite(rate) or rate <= -1.0:
        raise ParameterError(f"discount rate {rate} must be a finite fraction > -1")
    exponent = years.astype("int64") - int(base_year)
    return pd.Series((1.0 + rate) ** (-exponent.to_numpy(dtype="float64")), index=years.index)


def present_value(
    cost: pd.DataFrame,
    rate: float,
    base_year: int,
    by: Sequence[str] = ("scenario",),
    column: str = "cost_eur",
) -> pd.DataFrame:
    """Present value in EUR of ``column`` summed over years, per ``by`` (``year`` not in by).

    Returns ``by`` columns plus ``present_value_eur`` and ``undiscounted_eur``.
    """
    by = list(by)
    if "year" in by:
        raise ValueError("present_value: 'year' cannot be in 'by' (it is summed over)")
    df = cost.copy()
    df["present_value_eur"] = df[column].astype("float64") * discount_factors(
        df["year"], rate, base_year
    )
    df["undiscounted_eur"] = df[column].astype("float64")
    cols = ["present_value_eur", "undiscounted_eur"]
    if not by:
        return df[cols].sum().to_frame().T
    return df.groupby(by, sort=False, observed=True)[cols].sum().reset_index()
