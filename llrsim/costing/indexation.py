"""Nominal and constant prices with a health-index projection.

Amounts indexed to the Belgian health index (gezondheidsindex) grow with it; the kernel's
amounts are nominal. Constant prices of base year *b* divide by the index relative to *b*:
``cost_constant(y) = cost_nominal(y) * index(b) / index(y)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from llrsim.errors import ParameterError


def health_index_path(
    years: Iterable[int], growth: float | Mapping[int, float], base_year: int
) -> pd.Series:
    """Health-index level by year, 1.0 in ``base_year`` (dimensionless).

    ``growth`` is the yearly growth rate (fraction per year), either constant or by year
    (``{2026: 0.021, ...}``: growth from year-1 to year; every year between the base year and
    each requested year must be given). Years before the base year are deflated back.
    """
    years = sorted({int(y) for y in years} | {int(base_year)})
    lo, hi = years[0], years[-1]

    def g(year: int) -> float:
        if isinstance(growth, Mapping):
            if year not in growth:
                raise ParameterError(f"health index: growth for year {year} missing")
            rate = float(growth[year])
        else:
            rate = float(growth)
        if not np.isfinite(rate) or rate <= -1.0:
            raise ParameterError(f"health index: growth {rate} for year {year} not > -1")
        return rate

    level = {int(base_year): 1.0}
    for y in range(base_year + 1, hi + 1):
        level[y] = level[y - 1] * (1.0 + g(y))
    for y in range(base_year - 1, lo - 1, -1):
        level[y] = level[y + 1] / (1.0 + g(y + 1))
    return pd.Series({y: level[y] for y in years}, name="health_index", dtype="float64")


def to_constant_prices(
    cost: pd.DataFrame, base_year: int, index: pd.Series, column: str = "cost_eur"
) -> pd.DataFrame:
    """Copy of ``cost`` with ``column`` (EUR, nominal) in constant prices of ``base_year``.

    ``cost`` needs a ``year`` column; ``index`` is a health-index level by year (any base,
    e.g. ``health_index_path``) covering every year in ``cost`` and ``base_year``.
    """
    if "year" not in cost.columns:
        raise ValueError("to_constant_prices: cost table needs a 'year' column")
    needed = set(cost["year"].astype("int64")) | {int(base_year)}
    missing = sorted(needed - set(int(y) for y in index.index))
    if missing:
        raise ParameterError(f"health index: no level for years {missing}")
    factor = float(index.loc[int(base_year)]) / cost["year"].astype("int64").map(index)
    out = cost.copy()
    out[column] = out[column].astype("float64") * factor.to_numpy(dtype="float64")
    return out
