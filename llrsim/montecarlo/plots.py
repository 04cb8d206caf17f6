"""Plots of a Monte Carlo run: a fan chart over years and a bar chart of Sobol' indices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from llrsim.montecarlo.outputs import OutputError

if TYPE_CHECKING:
    from llrsim.montecarlo.results import MonteCarloResults

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def fan(
    mc: MonteCarloResults,
    output: str = "cost",
    *,
    scenarios: Sequence[str] | None = None,
    value: str | None = None,
    q: Sequence[float] = FAN_QUANTILES,
    scale: float = 1e6,
    ax: Any = None,
) -> Any:
    """Median line and shaded bands between symmetric quantiles, by year, per scenario.

    ``q`` must be symmetric around a median (default 5-25-50-75-95 %); values are divided by
    ``scale`` (default millions, so cost is in MEUR). Returns the matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt

    qs = sorted(float(x) for x in q)
    if len(qs) % 2 == 0 or any(
        not np.isclose(a + b, 1.0) for a, b in zip(qs, qs[::-1], strict=True)
    ):
        raise OutputError(f"plot_fan: q must be symmetric with a median, got {qs}")
    table = mc.quantiles(output, qs, by=["scenario", "year"], value=value)
    if "note" in table.columns:
        raise OutputError(f"plot_fan: {output!r} is undefined in some draws: {table['note'][0]}")
    chosen = list(mc.scenarios if scenarios is None else scenarios)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    from llrsim.montecarlo.results import qname

    k = len(qs) // 2
    for i, sc in enumerate(chosen):
        rows = table[table["scenario"] == sc]
        if rows.empty:
            raise OutputError(f"plot_fan: scenario {sc!r} not in the run {mc.scenarios}")
        years = rows["year"].to_numpy(dtype=np.int64)
        color = f"C{i % 10}"
        for j in range(k):
            lo = rows[qname(qs[j])].to_numpy(dtype=np.float64) / scale
            hi = rows[qname(qs[-1 - j])].to_numpy(dtype=np.float64) / scale
            ax.fill_between(years, lo, hi, color=color, alpha=0.15 + 0.15 * j, linewidth=0)
        med = rows[qname(qs[k])].to_numpy(dtype=np.float64) / scale
        ax.plot(years, med, color=color, label=sc)
    unit = "MEUR" if output == "cost" and scale == 1e6 else f"/ {scale:g}"
    ax.set_xlabel("year")
    ax.set_ylabel(f"{value or output} ({unit})")
    ax.set_xticks(sorted({int(y) for y in table["year"]}))
    bands = ", ".join(f"{100 * qs[j]:g}-{100 * qs[-1 - j]:g} %" for j in range(k))
    ax.set_title(f"{output}: median and {bands} over {mc.n_draws} draws")
    ax.legend()
    return ax


def sobol_bars(
    mc: MonteCarloResults,
    output: str = "cost",
    *,
    scenario: str | None = None,
    value: str | None = None,
    top: int = 15,
    ax: Any = None,
) -> Any:
    """Bars of first-order and total-order Sobol' indices of ``output`` summed over years.

    ``scenario``: which scenario (default the last one run); the ``top`` inputs by ``ST``
    are shown, with confidence half-widths as error bars. Returns the matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt

    table = mc.sobol(output, by=["scenario"], value=value)
    sc = mc.scenarios[-1] if scenario is None else scenario
    rows = table[table["scenario"] == sc]
    if rows.empty:
        raise OutputError(f"plot_sobol: scenario {sc!r} not in the run {mc.scenarios}")
    if rows["ST"].isna().any():
        raise OutputError(f"plot_sobol: {output!r} of {sc} does not vary; no indices to plot")
    rows = rows.sort_values("ST", ascending=False).head(top)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1.5))
    y = np.arange(len(rows))
    ax.barh(
        y - 0.2,
        rows["S1"].to_numpy(float),
        0.4,
        xerr=rows["S1_conf"].to_numpy(float),
        label="first order S1",
    )
    ax.barh(
        y + 0.2,
        rows["ST"].to_numpy(float),
        0.4,
        xerr=rows["ST_conf"].to_numpy(float),
        label="total order ST",
    )
    ax.set_yticks(y, rows["parameter"].tolist())
    ax.invert_yaxis()
    ax.set_xlabel("Sobol' index (share of variance)")
    ax.set_title(f"{sc}: sensitivity of {value or output} over all years ({mc.n_draws} draws)")
    ax.legend()
    return ax
