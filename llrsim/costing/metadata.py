"""Instrument metadata and scenario IT costs: the money facts costing needs besides the tallies.

The scenario compiler hands costing one row per instrument (who pays, which policy level sets
the rules, in which unit the balance is kept, what administration costs, at what rate a used
or outstanding hour of a time right is valued) and the scenarios' IT cost per year. This
module names the allowed codes and checks both tables, so a wrong code is refused here with
the instrument and the allowed values instead of silently vanishing from a budget table.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from llrsim.errors import DataError

FUNDERS: tuple[str, ...] = (
    "flemish_government",
    "federal_government",
    "sector_fund",
    "employer",
    "individual",
)
"""Who bears a cost. ``individual`` is the participant's own contribution."""

PUBLIC_FUNDERS: tuple[str, ...] = ("flemish_government", "federal_government", "sector_fund")

COMPETENCES: tuple[str, ...] = ("flemish", "federal", "sectoral", "employer")
"""Policy competence level that sets an instrument's rules (not necessarily who pays)."""

COMPONENTS: tuple[str, ...] = ("payout", "employer", "own_contribution", "admin", "it")
"""Cost components; every cost line carries exactly one."""

ITEMS: dict[str, str] = {
    "payout": "payout",
    "employer": "employer",
    "own_contribution": "own_contribution",
    "admin_per_transaction": "admin",
    "admin_per_year": "admin",
    "it_one_off": "it",
    "it_yearly": "it",
}
"""Detailed cost item -> component."""

UNITS: tuple[str, ...] = ("cent", "minute")

ADMIN_YEAR_BASES: tuple[str, ...] = ("eligible_person", "user", "fixed")
"""What ``admin_cost_per_year_eur`` is counted per: eligible person, user, or the instrument
as a whole (``fixed``: a programme cost per year wherever the instrument has eligible
persons). Same codes as ``llrsim.scenarios.instruments`` (plus ``user``)."""

DEFAULT_ADMIN_YEAR_BASIS = "eligible_person"
"""Used when the metadata has no ``admin_cost_per_year_basis`` column (documented default:
yearly administration is a per-eligible-person cost, e.g. keeping an account)."""

IT_INSTRUMENT = "(scenario IT)"
"""Instrument label of scenario-level IT cost lines in tidy tables (no real instrument)."""

IT_DEFAULT_FUNDER = "flemish_government"
IT_DEFAULT_COMPETENCE = "flemish"
"""IT rows without funder/competence columns are borne by the Flemish government: the S1
digital overview is a Flemish platform (DESIGN.md, scenario S1)."""

INSTRUMENT_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "kind",
    "funder",
    "competence",
    "unit",
    "admin_cost_per_transaction_eur",
    "admin_cost_per_year_eur",
    "reimbursement_eur_per_hour",
)

IT_COLUMNS: tuple[str, ...] = ("scenario", "year", "it_one_off_eur", "it_yearly_eur")


def eur_to_cents(values: pd.Series, what: str) -> pd.Series:
    """Convert EUR unit amounts to int64 cents, rounded half up to the nearest cent.

    Units: EUR in, EUR cents out. Unit costs are rounded to the cent as a paying
    administration would (indexed amounts such as 10 x 1.02**3 EUR are not whole cents);
    the costs built from them are then exact integer products. Raises ``DataError`` when an
    amount is negative or not finite.
    """
    arr = np.asarray(values, dtype="float64")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{what}: amounts must be finite EUR values, got {list(arr)}")
    if np.any(arr < 0):
        raise DataError(f"{what}: amounts must be >= 0 EUR, got {list(arr)}")
    # 1e-9 guards binary floats such as 0.145 * 100 = 14.499999999999998
    cents = np.floor(arr * 100.0 + 0.5 + 1e-9)
    return pd.Series(cents.astype("int64"), index=values.index, name=values.name)


def _check_codes(frame: pd.DataFrame, column: str, allowed: Iterable[str], table: str) -> None:
    allowed = tuple(allowed)
    wrong = ~frame[column].isin(allowed).to_numpy()
    if wrong.any():  # select rows only to name the first offender
        row = frame.loc[wrong].iloc[0]
        key = row["id"] if "id" in frame.columns else row.to_dict()
        raise DataError(f"{table}: {column}={row[column]!r} for {key!r} not one of {allowed}")


def validate_instruments(
    meta: pd.DataFrame,
    instruments: Iterable[str],
    scenarios: Iterable[str],
    years: Iterable[int],
) -> pd.DataFrame:
    """Check the instrument metadata table; return one row per (scenario, year, instrument).

    ``instruments``, ``scenarios`` and ``years`` are those of the tallies. The table may have
    optional key columns ``scenario`` and/or ``year``: without them a row holds for every
    scenario / year; with them every combination needs exactly one row (e.g. S2 lowers the
    administrative cost of existing instruments; indexed unit costs differ by year). EUR
    amounts are nominal in their year. Adds ``admin_cost_per_transaction_cents`` and
    ``admin_cost_per_year_cents`` (int64 EUR cents); ``admin_cost_per_year_basis`` is set to
    ``DEFAULT_ADMIN_YEAR_BASIS`` when the column is absent (a missing value is an error).
    Returned index: (``scenario``, ``year``, ``instrument``), in tally order.
    """
    missing_cols = [c for c in INSTRUMENT_COLUMNS if c not in meta.columns]
    if missing_cols:
        raise DataError(
            f"instrument table: columns {missing_cols} missing; need {INSTRUMENT_COLUMNS}"
        )
    meta = meta.copy()
    if "admin_cost_per_year_basis" not in meta.columns:
        meta["admin_cost_per_year_basis"] = DEFAULT_ADMIN_YEAR_BASIS
    wanted, scen, yrs = list(instruments), list(scenarios), [int(y) for y in years]
    if IT_INSTRUMENT in wanted:
        raise DataError(f"instrument id {IT_INSTRUMENT!r} is reserved for scenario IT cost")
    extra_keys = [k for k in ("scenario", "year") if k in meta.columns]
    keys = [*extra_keys, "id"]
    for col in (*INSTRUMENT_COLUMNS, "admin_cost_per_year_basis", *keys):
        if meta[col].isna().any():
            ids = list(meta.loc[meta[col].isna(), "id"])
            raise DataError(f"instrument table: column '{col}' has missing values for {ids}")
    duplicated = meta.duplicated(keys).to_numpy()
    if duplicated.any():
        dup = meta.loc[duplicated, keys]
        raise DataError(f"instrument table: duplicate rows for {dup.to_dict('records')[:3]}")
    _check_codes(meta, "funder", FUNDERS, "instrument table")
    _check_codes(meta, "competence", COMPETENCES, "instrument table")
    _check_codes(meta, "unit", UNITS, "instrument table")
    _check_codes(meta, "admin_cost_per_year_basis", ADMIN_YEAR_BASES, "instrument table")
    full = meta.rename(columns={"id": "instrument"})
    if "scenario" not in full.columns:
        full = full.merge(pd.DataFrame({"scenario": scen}), how="cross")
    if "year" not in full.columns:
        full = full.merge(pd.DataFrame({"year": yrs}), how="cross")
    full["year"] = full["year"].astype("int64")
    names = ["scenario", "year", "instrument"]
    index = pd.MultiIndex.from_product([scen, yrs, wanted], names=names)
    full = full.set_index(names)
    absent = index.difference(full.index)
    if len(absent):
        raise DataError(
            f"instrument table: no row for (scenario, year, instrument) {list(absent[:5])}"
        )
    full = full.loc[index]
    full["admin_cost_per_transaction_cents"] = eur_to_cents(
        full["admin_cost_per_transaction_eur"], "instrument table: admin_cost_per_transaction_eur"
    )
    full["admin_cost_per_year_cents"] = eur_to_cents(
        full["admin_cost_per_year_eur"], "instrument table: admin_cost_per_year_eur"
    )
    rate = full["reimbursement_eur_per_hour"].astype("float64")
    if not np.all(np.isfinite(rate)) or np.any(rate < 0):
        raise DataError(f"instrument table: reimbursement_eur_per_hour must be >= 0: {list(rate)}")
    full["reimbursement_eur_per_hour"] = rate
    return full


def validate_it_costs(
    it_costs: pd.DataFrame | None, scenarios: Iterable[str], years: Iterable[int]
) -> pd.DataFrame:
    """Check the scenario IT cost table (EUR per scenario and year) and return it.

    Columns ``scenario, year, it_one_off_eur, it_yearly_eur`` and optionally ``funder`` and
    ``competence`` (absent: ``IT_DEFAULT_FUNDER`` / ``IT_DEFAULT_COMPETENCE``). A scenario or
    year without a row has no IT cost; a row for a scenario or year outside the run is an error
    (it would otherwise be silently dropped). Adds int64 cent columns ``it_one_off_cents`` and
    ``it_yearly_cents``.
    """
    cols = [*IT_COLUMNS, "funder", "competence"]
    if it_costs is None:
        it_costs = pd.DataFrame({c: pd.Series([], dtype="object") for c in cols})
        for c in ("it_one_off_eur", "it_yearly_eur"):
            it_costs[c] = it_costs[c].astype("float64")
        it_costs["year"] = it_costs["year"].astype("int64")
    missing_cols = [c for c in IT_COLUMNS if c not in it_costs.columns]
    if missing_cols:
        raise DataError(f"IT cost table: columns {missing_cols} missing; need {IT_COLUMNS}")
    it = it_costs.copy()
    if "funder" not in it.columns:
        it["funder"] = IT_DEFAULT_FUNDER
    if "competence" not in it.columns:
        it["competence"] = IT_DEFAULT_COMPETENCE
    for col in cols:
        if it[col].isna().any():
            raise DataError(f"IT cost table: column '{col}' has missing values")
    scen, yrs = set(scenarios), {int(y) for y in years}
    outside = ~it["scenario"].isin(scen).to_numpy()
    if outside.any():
        first = it["scenario"].iloc[np.flatnonzero(outside)[0]]
        raise DataError(f"IT cost table: scenario {first!r} not in the run {sorted(scen)}")
    it["year"] = it["year"].astype("int64")
    outside = ~it["year"].isin(yrs).to_numpy()
    if outside.any():
        first = it["year"].iloc[np.flatnonzero(outside)[0]]
        raise DataError(f"IT cost table: year {first} not in the run {sorted(yrs)}")
    if it.duplicated(["scenario", "year"]).any():
        raise DataError("IT cost table: duplicate (scenario, year) rows")
    _check_codes(it, "funder", FUNDERS, "IT cost table")
    _check_codes(it, "competence", COMPETENCES, "IT cost table")
    it["it_one_off_cents"] = eur_to_cents(it["it_one_off_eur"], "IT cost table: it_one_off_eur")
    it["it_yearly_cents"] = eur_to_cents(it["it_yearly_eur"], "IT cost table: it_yearly_eur")
    return it.reset_index(drop=True)
