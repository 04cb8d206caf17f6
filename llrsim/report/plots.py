"""Plots of a ``Results`` with matplotlib's object API (no pyplot state; Agg-safe).

Each method returns a ``matplotlib.figure.Figure`` with labelled axes and units; save it
with ``fig.savefig(path)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from llrsim.costing.metadata import FUNDERS

if TYPE_CHECKING:
    from llrsim.results import Results

_FUNDER_LABELS = {
    "flemish_government": "Flemish government",
    "federal_government": "federal government",
    "sector_fund": "sector funds",
    "employer": "employers",
    "individual": "individuals (own contribution)",
}


def _figure(ncols: int, width: float = 4.0, height: float = 3.6) -> Figure:
    fig = Figure(figsize=(max(6.0, width * ncols), height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


class ResultsPlots:
    """``res.plot``: cost, take-up and Matthew-effect figures."""

    def __init__(self, results: Results) -> None:
        self._res = results

    def cost(self, prices: str = "nominal", base_year: int | None = None) -> Figure:
        """Multi-year cost by funder, one panel per scenario (stacked bars, million EUR)."""
        res = self._res
        table = res.cost(["scenario", "year", "funder"], prices=prices, base_year=base_year)
        fig = _figure(len(res.scenarios))
        axes = fig.subplots(1, len(res.scenarios), sharey=True, squeeze=False)[0]
        years = np.array(res.years)
        unit = "nominal" if prices == "nominal" else f"{base_year or res.base_year} prices"
        for ax, scen in zip(axes, res.scenarios, strict=True):
            sub = table.loc[table["scenario"] == scen]
            bottom = np.zeros(len(years))
            for funder in FUNDERS:
                vals = (
                    sub.loc[sub["funder"] == funder]
                    .set_index("year")["cost_eur"]
                    .reindex(years, fill_value=0.0)
                    .to_numpy()
                    / 1e6
                )
                if np.any(vals != 0):
                    ax.bar(years, vals, bottom=bottom, label=_FUNDER_LABELS[funder])
                    bottom = bottom + vals
            ax.set_title(scen)
            ax.set_xlabel("year")
            ax.set_xticks(years, [str(y) for y in years], rotation=90 if len(years) > 6 else 0)
        axes[0].set_ylabel(f"cost (million EUR, {unit})")
        handles, labels = {}, {}
        for ax in axes:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(lab, h)
                labels[lab] = lab
        if handles:
            fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=3)
        fig.suptitle("Budget cost by funder")
        return fig

    def takeup(self, year: int | None = None, instrument: str | None = None) -> Figure:
        """Bars by target group and scenario in ``year`` (default the last simulated year):
        training participation (% of persons), or with ``instrument`` that instrument's
        take-up rate (% of eligible persons). Undefined rates are not drawn."""
        res = self._res
        y = res.years[-1] if year is None else int(year)
        if instrument is None:
            table = res.participation(["scenario", "year", "group"])
            col, ylabel = "participation_rate", "participation in training (% of persons)"
            title = f"Training participation by target group, {y}"
        else:
            table = res.takeup(["scenario", "year", "group", "instrument"])
            if instrument not in set(table["instrument"]):
                raise ValueError(f"plot.takeup: unknown instrument {instrument!r}")
            table = table.loc[table["instrument"] == instrument]
            col, ylabel = "takeup_rate", "take-up (% of eligible persons)"
            title = f"Take-up of {instrument} by target group, {y}"
        table = table.loc[table["year"] == y]
        groups = res.groups
        fig = _figure(1, width=8.0, height=4.0)
        ax = fig.subplots()
        width = 0.8 / len(res.scenarios)
        x = np.arange(len(groups))
        for k, scen in enumerate(res.scenarios):
            rate = table.loc[table["scenario"] == scen].set_index("group")[col]
            vals = rate.reindex(groups).to_numpy(dtype="float64", na_value=np.nan) * 100
            ax.bar(x + k * width, vals, width=width, label=scen)
        ax.set_xticks(x + width * (len(res.scenarios) - 1) / 2, groups, rotation=30, ha="right")
        ax.set_xlabel("target group")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(title="scenario")
        return fig

    def matthew(self) -> Figure:
        """Matthew-effect ratio (participation high / low educated) by year and scenario."""
        res = self._res
        table = res.matthew(["scenario", "year"])
        fig = _figure(1, width=7.0, height=4.0)
        ax = fig.subplots()
        for scen in res.scenarios:
            sub = table.loc[table["scenario"] == scen].dropna(subset=["matthew_ratio"])
            ax.plot(sub["year"], sub["matthew_ratio"].astype("float64"), marker="o", label=scen)
        ax.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
        ax.set_xticks(res.years, [str(y) for y in res.years])
        ax.set_xlabel("year")
        ax.set_ylabel("participation ratio high / low educated (ratio)")
        ax.set_title("Matthew effect")
        ax.legend(title="scenario")
        return fig
