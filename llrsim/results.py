"""``Results``: what a simulation run hands to analysts and budget officers.

A ``Results`` wraps the kernel's exact integer tallies (``docs/architecture.md``), the
instrument metadata, the scenarios' IT cost and the run manifest, and turns them into tidy
pandas tables (cost, take-up, participation, Matthew effect, ledger, liability, present value,
comparison with a baseline), an ``xarray.Dataset``, exports (Parquet, CSV, Excel) with the
manifest, plots and (``llrsim.report``) an HTML report.

Conventions of every table:

- money in EUR (``*_eur`` float columns; exact int64 cents behind them), nominal unless the
  method says ``prices="constant"``;
- counts are weighted persons per year; summed over years they are person-years;
- target groups overlap and ``all`` is everybody: without ``group`` in ``by`` a table is for
  ``all``, never a sum over groups;
- an undefined ratio is ``pandas.NA`` with a ``<column>_note`` saying why; NaN never appears
  (checked on every table returned).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from llrsim.costing.assumptions import CostingAssumptions
from llrsim.costing.budget import LINE_KEYS, aggregate_cost, cost_lines
from llrsim.costing.discounting import present_value as _present_value
from llrsim.costing.effectiveness import cost_per_additional_participant
from llrsim.costing.indexation import health_index_path, to_constant_prices
from llrsim.costing.indicators import instrument_takeup, matthew_effect, participation
from llrsim.costing.ledger import ledger_table
from llrsim.costing.liability import liability_table
from llrsim.costing.metadata import (
    COMPETENCES,
    COMPONENTS,
    FUNDERS,
    IT_INSTRUMENT,
    ITEMS,
    validate_instruments,
    validate_it_costs,
)
from llrsim.costing.ratios import assert_no_nan, ratio
from llrsim.costing.tallies import (
    ALL_GROUP,
    instrument_frame,
    person_frame,
    validate_tallies,
)
from llrsim.errors import DataError

if TYPE_CHECKING:
    from llrsim.report.plots import ResultsPlots

PRICES = ("nominal", "constant")


def _checked(
    frame: pd.DataFrame, what: str, order: Mapping[str, list] | None = None
) -> pd.DataFrame:
    """Check the no-NaN rule and sort rows by the label columns in run order."""
    assert_no_nan(frame, what)
    if order:
        cols = [c for c in order if c in frame.columns]
        if cols:
            frame = frame.iloc[np.lexsort([_ranks(frame[c], order[c]) for c in reversed(cols)])]
    return frame.reset_index(drop=True)


def _ranks(values: pd.Series, order: list) -> np.ndarray:
    """Position of each value in ``order`` (values not in it rank last), vectorised.

    Each distinct value is looked up once (a label column has few), then taken for every row.
    """
    rank = {v: k for k, v in enumerate(order)}
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    at = pd.Index(list(rank)).get_indexer(uniques)[codes]
    return np.where(at >= 0, np.asarray(list(rank.values()), dtype=np.int64)[at], len(rank))


class Results:
    """Tallies + instrument metadata + IT cost + manifest, with costing and exports.

    Parameters
    ----------
    tallies:
        The kernel's ``xarray.Dataset`` of int64 tallies (contract: ``docs/architecture.md``;
        checked by ``llrsim.costing.tallies.validate_tallies``).
    instruments:
        One row per instrument, columns ``id, name, kind, funder, competence, unit,
        admin_cost_per_transaction_eur, admin_cost_per_year_eur, reimbursement_eur_per_hour``
        and optionally ``admin_cost_per_year_basis`` (eligible_person | user | fixed; default
        eligible_person) and key columns ``scenario`` and/or ``year`` (then one row per
        combination, e.g. when S2 lowers admin cost or unit costs are indexed; EUR amounts
        are nominal in their year). Must cover every instrument in the tallies; units must
        agree with the tallies. Kept as given in ``.instruments``; the checked per-scenario
        table is ``.instrument_costs``.
    it_costs:
        Optional scenario IT cost, columns ``scenario, year, it_one_off_eur, it_yearly_eur``
        (EUR, nominal) and optionally ``funder, competence`` (default Flemish government).
        A scenario-year without a row has no IT cost.
    manifest:
        Run manifest (llrsim version, scenario file hashes, parameters, seed, population size,
        years); must be JSON-serialisable; stored with every export as given.
    assumptions:
        Costing parameters (health index, base year, discount and redemption rates);
        default ``CostingAssumptions.shipped()`` (``data/parameters/costing.toml``).
    """

    def __init__(
        self,
        tallies: xr.Dataset,
        instruments: pd.DataFrame,
        it_costs: pd.DataFrame | None = None,
        manifest: Mapping[str, Any] | None = None,
        assumptions: CostingAssumptions | None = None,
    ) -> None:
        validate_tallies(tallies)
        self.tallies = tallies
        ids = [str(i) for i in tallies["instrument"].values]
        self.scenarios: list[str] = [str(s) for s in tallies["scenario"].values]
        self.years: list[int] = [int(y) for y in tallies["year"].values]
        self.instrument_costs = validate_instruments(instruments, ids, self.scenarios, self.years)
        units = pd.Series(tallies["unit"].values, index=ids).astype("str")
        meta_units = self.instrument_costs["unit"].astype("str")
        tally_units = units.reindex(self.instrument_costs.index.get_level_values("instrument"))
        bad = meta_units.to_numpy() != tally_units.to_numpy()
        if bad.any():
            raise DataError(
                "instrument table: unit of "
                f"{sorted(set(meta_units.index[bad].get_level_values('instrument')))} "
                "disagrees with the tallies"
            )
        self.instruments = instruments.copy()
        self.groups: list[str] = [str(g) for g in tallies["group"].values]
        self.it_costs = validate_it_costs(it_costs, self.scenarios, self.years)
        try:
            self.manifest: dict[str, Any] = json.loads(json.dumps(dict(manifest or {})))
        except TypeError as exc:
            raise DataError(f"manifest is not JSON-serialisable: {exc}") from exc
        self.assumptions = assumptions if assumptions is not None else CostingAssumptions.shipped()
        self._persons = person_frame(tallies)
        self._inst = instrument_frame(tallies)
        self._order: dict[str, list] = {
            "scenario": self.scenarios,
            "year": self.years,
            "group": self.groups,
            "instrument": [*ids, IT_INSTRUMENT],
            "funder": list(FUNDERS),
            "competence": list(COMPETENCES),
            "component": list(COMPONENTS),
            "item": list(ITEMS),
        }

    # ------------------------------------------------------------------ cost lines
    @functools.cached_property
    def _lines(self) -> pd.DataFrame:
        """Every cost line of the run (``llrsim.costing.budget.cost_lines``), built on first
        use: a Monte Carlo draw asks only for totals, which need the ``all`` lines alone."""
        return cost_lines(self._inst, self.instrument_costs, self.it_costs)

    @functools.cached_property
    def _lines_all(self) -> pd.DataFrame:
        """The cost lines of group ``all``: the rows of ``_lines`` with that group, in the
        same order (lines are built per tally row, so building them from the ``all`` rows of
        the tallies gives the same lines, for one group instead of all)."""
        if "_lines" in self.__dict__:
            return self._lines.loc[self._lines["group"] == ALL_GROUP]
        inst = self._inst.loc[self._inst["group"] == ALL_GROUP]
        return cost_lines(inst, self.instrument_costs, self.it_costs)

    def _cost_lines_for(self, by: Sequence[str]) -> pd.DataFrame:
        """The lines ``aggregate_cost`` reads for ``by``: without ``group`` only ``all``."""
        return self._lines if "group" in by else self._lines_all

    # ------------------------------------------------------------------ helpers
    @property
    def base_year(self) -> int:
        """Price base year: the assumptions' ``base_year`` or the first simulated year."""
        b = self.assumptions.base_year
        return int(b) if b is not None else self.years[0]

    def health_index(self, base_year: int | None = None) -> pd.Series:
        """Health-index level by simulated year (1.0 in ``base_year``), from the assumptions."""
        b = self.base_year if base_year is None else int(base_year)
        return health_index_path(self.years, self.assumptions.health_index_growth, b)

    def in_run_order(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` sorted by its label columns in run order (scenarios as asked, funders
        as ``FUNDERS``, ...); used for wide tables built from the tidy ones."""
        return _checked(frame, "table", self._order)

    def default_baseline(self) -> str:
        """``"S0"`` when the run has it, else the first scenario (recorded in exports)."""
        return "S0" if "S0" in self.scenarios else self.scenarios[0]

    def _check_baseline(self, baseline: str) -> None:
        if baseline not in self.scenarios:
            raise DataError(f"baseline {baseline!r} not in the run's scenarios {self.scenarios}")

    # ------------------------------------------------------------------ cost
    def cost_lines(self) -> pd.DataFrame:
        """Every cost line (nominal EUR) with all labels (see ``llrsim.costing.budget``)."""
        out = self._lines.copy()
        out["cost_eur"] = out.pop("cost_cents").astype("float64") / 100.0
        return _checked(out, "cost_lines", self._order)

    def cost(
        self,
        by: Sequence[str] = ("scenario", "year", "funder"),
        prices: str = "nominal",
        base_year: int | None = None,
    ) -> pd.DataFrame:
        """Budget cost (column ``cost_eur``) summed over everything not in ``by``.

        ``by``: any subset of scenario, year, group, instrument, funder, competence,
        component, item. Cost by ``group`` is meaningful for person-level components only
        (payout, employer, own contribution, per-person admin); IT and fixed admin appear
        in group ``all`` only, and groups overlap (never add them up).
        ``prices``: ``"nominal"`` or ``"constant"`` (prices of ``base_year``, default the
        assumptions' base year, deflated with the health index).
        """
        if prices not in PRICES:
            raise ValueError(f"cost: prices={prices!r} not one of {PRICES}")
        by = list(by)
        if prices == "nominal":
            out = aggregate_cost(self._cost_lines_for(by), by)
            out["cost_eur"] = out.pop("cost_cents").astype("float64") / 100.0
            return _checked(out, "cost", self._order)
        b = self.base_year if base_year is None else int(base_year)
        with_year = by if "year" in by else [*by, "year"]
        out = aggregate_cost(self._cost_lines_for(with_year), with_year)
        out["cost_eur"] = out.pop("cost_cents").astype("float64") / 100.0
        out = to_constant_prices(out, b, self.health_index(b))
        if "year" not in by:
            out = (
                out.groupby(by, sort=False)["cost_eur"].sum().reset_index()
                if by
                else pd.DataFrame({"cost_eur": [out["cost_eur"].sum()]})
            )
        return _checked(out, "cost", self._order)

    def present_value(
        self,
        rate: float | None = None,
        base_year: int | None = None,
        by: Sequence[str] = ("scenario",),
        prices: str = "constant",
    ) -> pd.DataFrame:
        """Present value (EUR) of the multi-year cost per ``by`` (year summed over).

        ``rate``: discount rate per year (default the assumptions' real rate, applied to
        constant prices); use ``prices="nominal"`` with a nominal rate. Discounted to
        ``base_year`` (default the price base year). Columns ``present_value_eur`` and
        ``undiscounted_eur``.
        """
        r = self.assumptions.discount_rate if rate is None else float(rate)
        b = self.base_year if base_year is None else int(base_year)
        by = list(by)
        if "year" in by:
            raise ValueError("present_value: 'year' cannot be in 'by' (it is summed over)")
        cost = self.cost(by=[*by, "year"], prices=prices, base_year=b)
        out = _present_value(cost, r, b, by=by)
        out["rate"] = r
        out["base_year"] = b
        out["prices"] = prices
        return _checked(out, "present_value", self._order)

    # ------------------------------------------------------------------ take-up
    def takeup(
        self, by: Sequence[str] = ("scenario", "year", "group", "instrument")
    ) -> pd.DataFrame:
        """Take-up and impact indicators.

        With ``instrument`` in ``by``: per instrument ``eligible``, ``users``, ``takeup_rate``,
        ``deadweight_users``, ``deadweight_share``, ``additional_users``, ``transactions``.
        Without it (users of different instruments are not distinct persons, so they are not
        added up): person-level ``persons``, ``participants``, ``participation_rate``,
        ``participants_baseline`` (deadweight), ``additional_participants``,
        ``training_hours``. ``by`` within scenario, year, group, instrument.
        """
        by = list(by)
        if "instrument" in by:
            return _checked(instrument_takeup(self._inst, by), "takeup", self._order)
        return _checked(participation(self._persons, by), "takeup", self._order)

    def participation(self, by: Sequence[str] = ("scenario", "year", "group")) -> pd.DataFrame:
        """Person-level training participation (see ``takeup`` without ``instrument``)."""
        return _checked(participation(self._persons, by), "participation", self._order)

    def matthew(self, by: Sequence[str] = ("scenario", "year")) -> pd.DataFrame:
        """Matthew-effect ratio: participation (or, with ``instrument`` in ``by``, take-up)
        of group ``high_educated`` over ``low_educated``; > 1 favours the high-educated."""
        return _checked(matthew_effect(self._persons, self._inst, by), "matthew", self._order)

    def cost_per_participant(
        self, baseline: str = "S0", by: Sequence[str] = ("scenario", "group")
    ) -> pd.DataFrame:
        """Extra cost (EUR, nominal, all funders) per additional participant vs ``baseline``.

        NA with the note "no additional participants" when there are none (never NaN).
        """
        self._check_baseline(baseline)
        out = cost_per_additional_participant(self._lines, self._persons, baseline, by)
        return _checked(out, "cost_per_participant", self._order)

    # ------------------------------------------------------------------ comparison
    def compare(
        self,
        baseline: str = "S0",
        by: Sequence[str] = ("scenario", "year"),
        prices: str = "nominal",
    ) -> pd.DataFrame:
        """Each scenario against ``baseline``: cost and take-up differences.

        ``by`` contains ``scenario`` and optionally ``year`` and ``group``. Columns:
        ``cost_eur``, ``baseline_cost_eur``, ``extra_cost_eur``; ``participants``,
        ``baseline_participants``, ``extra_participants``; ``additional_participants``
        (vs baseline, deadweight excluded); ``training_hours``, ``extra_training_hours``;
        ``participation_rate`` (with note); ``cost_per_additional_participant_eur`` (with note).
        The baseline's own rows are included (differences zero).
        """
        self._check_baseline(baseline)
        by = list(by)
        if "scenario" not in by or not set(by) <= {"scenario", "year", "group"}:
            raise ValueError(
                f"compare: by must contain 'scenario' within scenario, year, group: {by}"
            )
        keys = [b for b in by if b != "scenario"]
        cost = self.cost(by=by, prices=prices)
        part = participation(self._persons, by)
        df = part.merge(cost, on=by, how="left", validate="one_to_one")
        df["cost_eur"] = df["cost_eur"].fillna(0.0)  # a scenario-group with no line costs 0
        cols = ["cost_eur", "participants", "additional_participants", "training_hours"]
        base = df.loc[df["scenario"] == baseline, [*keys, *cols]]
        base = base.rename(columns={c: f"baseline_{c}" for c in cols})
        df = df.merge(base, on=keys, how="left") if keys else df.merge(base, how="cross")
        df["extra_cost_eur"] = df["cost_eur"] - df["baseline_cost_eur"]
        df["extra_participants"] = df["participants"] - df["baseline_participants"]
        df["additional_participants"] = (
            df["additional_participants"] - df["baseline_additional_participants"]
        )
        df["extra_training_hours"] = df["training_hours"] - df["baseline_training_hours"]
        col = "cost_per_additional_participant_eur"
        df[col], df[f"{col}_note"] = ratio(
            df["extra_cost_eur"], df["additional_participants"], "no additional participants"
        )
        order = [
            *by,
            "cost_eur",
            "baseline_cost_eur",
            "extra_cost_eur",
            "participants",
            "baseline_participants",
            "extra_participants",
            "additional_participants",
            "participation_rate",
            "training_hours",
            "extra_training_hours",
            col,
            "participation_rate_note",
            f"{col}_note",
        ]
        return _checked(df[order], "compare", self._order)

    # ------------------------------------------------------------------ ledger, liability
    def ledger(self, by: Sequence[str] = ("scenario", "year", "instrument")) -> pd.DataFrame:
        """Ledger totals in each instrument's unit with ``balanced`` (exact int identity)
        and ``all_groups_balanced`` (the identity in every group's row)."""
        return _checked(ledger_table(self._inst, by), "ledger", self._order)

    def liability(
        self,
        by: Sequence[str] = ("scenario", "year", "instrument", "funder"),
        redemption_rate: float | None = None,
    ) -> pd.DataFrame:
        """Outstanding rights at year end (EUR): ``outstanding_eur`` (money at face value,
        time at the reimbursement rate) and ``expected_redemption_eur`` (times the
        redemption-rate assumption). ``closing`` (native unit) and ``closing_hours`` are kept
        when ``instrument`` is in ``by``. Instruments without balances are left out."""
        rr = self.assumptions.redemption_rate if redemption_rate is None else redemption_rate
        table = liability_table(self._inst, self.instrument_costs, float(rr))
        by = list(by)
        allowed = {"scenario", "year", "group", "instrument", "funder"}
        if not set(by) <= allowed:
            raise ValueError(f"liability: by {by} not within {sorted(allowed)}")
        sel = table if "group" in by else table.loc[table["group"] == ALL_GROUP]
        cols = ["outstanding_eur", "expected_redemption_eur"]
        if "instrument" in by:
            cols = ["closing", "closing_hours", *cols]
            keys = [*by, "unit"]
        else:
            keys = by
        if not keys:
            out = sel[cols].sum().to_frame().T
        else:
            out = sel.groupby(keys, sort=False)[cols].sum().reset_index()
        out["redemption_rate"] = float(rr)
        return _checked(out, "liability", self._order)

    # ------------------------------------------------------------------ xarray
    def to_xarray(self) -> xr.Dataset:
        """The tallies plus ``cost_eur`` (scenario, year, group, instrument, funder,
        component; nominal EUR, person-level lines), ``it_cost_eur`` (scenario, year, funder),
        ``outstanding_eur`` and ``expected_redemption_eur`` (scenario, year, group,
        instrument). Absent combinations are zero cost (not missing)."""
        ds = self.tallies.copy()
        lines = self._lines.loc[self._lines["instrument"] != IT_INSTRUMENT]
        dims = ["scenario", "year", "group", "instrument", "funder", "component"]
        cost = lines.groupby(dims, sort=False)["cost_cents"].sum()
        coords = {
            "scenario": self.scenarios,
            "year": self.years,
            "group": self.groups,
            "instrument": list(ds["instrument"].values),
            "funder": list(FUNDERS),
            "component": [c for c in COMPONENTS if c != "it"],
        }
        full = pd.MultiIndex.from_product([coords[d] for d in dims], names=dims)
        cost = cost.reindex(full, fill_value=0).astype("float64") / 100.0
        arr = cost.to_numpy().reshape([len(coords[d]) for d in dims])
        ds["cost_eur"] = xr.DataArray(arr, dims=dims, coords={d: coords[d] for d in dims})
        it = self._lines.loc[self._lines["instrument"] == IT_INSTRUMENT]
        it_dims = ["scenario", "year", "funder"]
        itc = it.groupby(it_dims, sort=False)["cost_cents"].sum()
        itc = itc.reindex(
            pd.MultiIndex.from_product([coords[d] for d in it_dims], names=it_dims), fill_value=0
        )
        ds["it_cost_eur"] = xr.DataArray(
            (itc.astype("float64") / 100.0).to_numpy().reshape([len(coords[d]) for d in it_dims]),
            dims=it_dims,
            coords={d: coords[d] for d in it_dims},
        )
        liab = liability_table(self._inst, self.instrument_costs, self.assumptions.redemption_rate)
        ldims = ["scenario", "year", "group", "instrument"]
        lidx = pd.MultiIndex.from_product([coords[d] for d in ldims], names=ldims)
        shape = [len(coords[d]) for d in ldims]
        for col in ("outstanding_eur", "expected_redemption_eur"):
            s = liab.set_index(ldims)[col].reindex(lidx, fill_value=0.0)
            ds[col] = xr.DataArray(s.to_numpy().reshape(shape), dims=ldims)
        for name in ("cost_eur", "it_cost_eur", "outstanding_eur", "expected_redemption_eur"):
            if not bool(np.isfinite(ds[name].values).all()):
                raise ValueError(f"to_xarray: '{name}' has NaN or inf (a bug)")
        ds.attrs["manifest"] = json.dumps(self.manifest, sort_keys=True)
        return ds

    # ------------------------------------------------------------------ exports
    def tables(self, baseline: str | None = None) -> dict[str, pd.DataFrame]:
        """The standard set of tidy tables every export writes (name -> DataFrame)."""
        from llrsim.report.export import standard_tables

        return standard_tables(self, baseline)

    def to_parquet(self, directory: str | Path, baseline: str | None = None) -> Path:
        """Write every standard table as ``<name>.parquet`` plus ``manifest.json`` into
        ``directory`` (atomic: written to a temporary directory, then renamed)."""
        from llrsim.report.export import write_parquet

        return write_parquet(self, Path(directory), baseline)

    def to_csv(self, directory: str | Path, baseline: str | None = None) -> Path:
        """Write every standard table as ``<name>.csv`` (UTF-8) plus ``manifest.json``
        (atomic, as ``to_parquet``); an NA ratio is an empty cell with its note."""
        from llrsim.report.export import write_csv

        return write_csv(self, Path(directory), baseline)

    def to_excel(self, path: str | Path, baseline: str | None = None) -> Path:
        """Write a workbook for budget officers (README, manifest, multi-year budget with
        years as columns, take-up, Matthew, liability, ...; units in headers). Atomic."""
        from llrsim.report.export import write_excel

        return write_excel(self, Path(path), baseline)

    @property
    def plot(self) -> ResultsPlots:
        """Plots: ``res.plot.cost()``, ``res.plot.takeup()``, ``res.plot.matthew()``."""
        from llrsim.report.plots import ResultsPlots

        return ResultsPlots(self)

    def statement(self, person_id: int, year: int) -> pd.DataFrame:
        """One person's rights overview in ``year`` under each scenario (as S1 would show it):
        per instrument, eligible or not and why, balance, accrued, used, expiring when.

        Only for results of :func:`llrsim.simulate` (which keeps the run context).
        """
        ctx = getattr(self, "context", None)
        if ctx is None:
            raise DataError("statement() needs the run context of llrsim.simulate()")
        from llrsim.engine.statement import statement

        return statement(ctx, person_id, year)

    def __repr__(self) -> str:
        return (
            f"Results(scenarios={self.scenarios}, years={self.years[0]}-{self.years[-1]}, "
            f"groups={len(self.groups)}, instruments={self.tallies.sizes['instrument']})"
        )


__all__ = ["LINE_KEYS", "Results"]
