"""Compilation of scenarios and growth paths into compact arrays for the Numba kernel.

``compile_scenarios(["S0", "S4", path], years=range(2025, 2036), group_index=...)`` returns a
:class:`CompiledScenarios`. Dimensions: ``S`` scenarios (in the order given; a growth path is
one scenario whose instruments vary by year), ``Y`` years, ``I`` instruments (union over the
scenarios, in order of first appearance), ``K`` = :data:`K_LEN` parameters,
``P_LEN`` = :data:`llrsim.predicates.P_LEN`.

Arrays
------
=========================  ==================  =============================================
array                      shape, dtype        meaning
=========================  ==================  =============================================
``instrument_ids``         tuple[str] (I)      instrument ids
``kind``                   (I,) int8           :data:`KIND_CODES`
``funder``                 (I,) int8           :data:`FUNDER_CODES`
``competence``             (I,) int8           :data:`COMPETENCE_CODES`
``unit``                   (I,) str            ``"cent"`` (money) / ``"minute"`` (time acct)
``active``                 (S, Y, n_inst) bool      instrument in force
``eligibility``            (S, Y, n_inst, P_LEN)    compiled :class:`~llrsim.predicates.Predicate`
                           int64               (zeros when inactive)
``params``                 (S, Y, I, K) f8     parameters, layout ``K_*`` below (0 inactive)
``training_types_mask``    (S, Y, n_inst) int16     bit ``TRAINING_TYPE_BITS[t]`` per type
``carry_over``             (S, Y, n_inst) int8      :data:`CARRY_OVER_CODES` of the instrument in
                                               force; ``forfeit`` when not in force
``convert_from``           (S, Y, n_inst) int16     instrument index converted into this one at a
                                               switch (``carry_over == convert``), else -1
``exchange_from/_to``      (S, Y, n_inst) int16     time / money account of an exchange, else -1
``switch``                 (S, Y) bool         a new scenario enters into force this year
                                               (never in the first compiled year)
``awareness_uplift``       (S, Y) f8           scenario effects in force (for reporting: the
``friction_reduction``                         effective values are already in ``params``)
``admin_cost_reduction``
``it_cost_oneoff_eur``     (S, Y) f8           EUR, nominal as declared (not indexed)
``it_cost_yearly_eur``     (S, Y) f8           EUR per year, nominal as declared
=========================  ==================  =============================================

Parameter layout ``params[..., K]`` (float64; flags are 1.0/0.0; "no limit" is ``inf``)
-------------------------------------------------------------------------------------
All EUR amounts are **nominal for the year**: fields listed in an instrument's ``indexed``
are already indexed with the health index (``data/parameters/costing.toml``, see
:mod:`llrsim.scenarios.values`). ``K_AWARENESS``, ``K_FRICTION`` and the admin costs are
**effective** values, after the scenario effects (do not apply the uplifts again)::

     0 K_ACCRUAL_EUR                  money account: EUR per year
     1 K_CAP_EUR                      money account: maximum balance, EUR
     2 K_ACCRUAL_HOURS                time account: hours per year
     3 K_CAP_HOURS                    time account: maximum balance, hours
     4 K_CARRY_OVER_UNUSED            accounts: unused balance kept into next year (1/0)
     5 K_EXPIRY_YEARS                 accounts: FIFO expiry of a vintage, years (0 = never)
     6 K_OWN_SHARE                    money account, voucher: own contribution share
     7 K_OWN_SHARE_BASIC_SKILLS       same for basic-skills training
     8 K_MAX_PER_TRAINING_EUR         money account: EUR per training (inf = none)
     9 K_TRANSFERABLE                 accounts: kept across employers/statuses (1/0)
    10 K_REIMBURSEMENT_EUR_PER_HOUR   time account: public reimbursement to the employer
    11 K_WAGE_CEILING_EUR_PER_MONTH   time account: wage ceiling (inf = none)
    12 K_CEILING_EUR_PER_YEAR         voucher: face value per year
    13 K_CEILING_HIGHER_ED_EUR_PER_YEAR  voucher: face value for higher education
    14 K_VOUCHERS_PER_PERIOD          guidance voucher: vouchers per period
    15 K_PERIOD_YEARS                 guidance voucher: period, years
    16 K_PRICE_EUR                    guidance voucher: real value per voucher
    17 K_OWN_CONTRIBUTION_EUR         guidance voucher: own contribution per voucher
    18-23 K_BY_SIZE_0 .. K_BY_SIZE_5  by EmployerSize code (none, micro, small_10_19,
                                      small_20_49, medium, large): employer subsidy rate
                                      (share) or employer obligation days per FTE
    24 K_CEILING_EUR_PER_FIRM_PER_YEAR  employer subsidy: ceiling per firm
    25 K_HOURS_PER_DAY                employer obligation: hours per training day
    26 K_EXCHANGE_EUR_PER_HOUR        exchange: EUR per hour
    27 K_EXCHANGE_MAX_HOURS_PER_YEAR  exchange: hours per year (inf = none)
    28 K_TIME_TO_MONEY                exchange: hours -> euro allowed (1/0)
    29 K_MONEY_TO_TIME                exchange: euro -> hours allowed (1/0)
    30 K_ALLOWANCE_EUR_PER_MONTH      leave allowance: EUR per month
    31 K_LEAVE_SHARE                  leave allowance: share of full time on leave
    32 K_MAX_MONTHS                   leave allowance: months per career
    33 K_CONVERT_RATE                 units of this instrument per unit of convert_from
    34 K_ADMIN_PER_TRANSACTION_EUR    admin cost per use (effective)
    35 K_ADMIN_PER_YEAR_EUR           admin cost per year (effective), see next
    36 K_ADMIN_PER_YEAR_PER_ELIGIBLE  1 = per eligible person, 0 = fixed for the programme
    37 K_AWARENESS                    effective awareness share: a + u (1 - a)
    38 K_FRICTION                     effective friction share: f (1 - r)
    39 K_MIN_TRAINING_HOURS           leave allowance: course hours per year required

Parameters are in EUR and hours; the kernel's ledgers are in cents and minutes (``unit``).
Compiled (scenario, year) blocks are cached on the scenario's digest, the year, the group
index and the indexation parameters, so repeated runs (Monte Carlo over behaviour) reuse them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llrsim.errors import ScenarioError
from llrsim.parameters import ParameterSet, load_parameters
from llrsim.predicates import P_LEN
from llrsim.scenarios.growth import GrowthPath
from llrsim.scenarios.instruments import (
    CARRY_OVER,
    COMPETENCES,
    FUNDERS,
    KINDS,
    SIZES,
    TRAINING_TYPES,
    EmployerObligation,
    EmployerSubsidy,
    Exchange,
    GuidanceVoucher,
    InstrumentBase,
    LeaveAllowance,
    MoneyAccount,
    TimeAccount,
    Voucher,
)
from llrsim.scenarios.scenario import Scenario, load
from llrsim.scenarios.values import central, nominal

KIND_CODES: dict[str, int] = {k: i for i, k in enumerate(KINDS)}
"""money_account 0, time_account 1, voucher 2, guidance_voucher 3, employer_subsidy 4,
employer_obligation 5, exchange 6, leave_allowance 7."""
FUNDER_CODES: dict[str, int] = {f: i for i, f in enumerate(FUNDERS)}
"""flemish_government 0, federal_government 1, sector_fund 2, employer 3, individual 4."""
COMPETENCE_CODES: dict[str, int] = {c: i for i, c in enumerate(COMPETENCES)}
"""flemish 0, federal 1, sectoral 2, employer 3."""
CARRY_OVER_CODES: dict[str, int] = {c: i for i, c in enumerate(CARRY_OVER)}
"""keep 0, convert 1, forfeit 2."""
TRAINING_TYPE_BITS: dict[str, int] = {t: i for i, t in enumerate(TRAINING_TYPES)}
"""job_related 0, general 1, certified 2, basic_skills 3, career_guidance 4."""

K_ACCRUAL_EUR = 0
K_CAP_EUR = 1
K_ACCRUAL_HOURS = 2
K_CAP_HOURS = 3
K_CARRY_OVER_UNUSED = 4
K_EXPIRY_YEARS = 5
K_OWN_SHARE = 6
K_OWN_SHARE_BASIC_SKILLS = 7
K_MAX_PER_TRAINING_EUR = 8
K_TRANSFERABLE = 9
K_REIMBURSEMENT_EUR_PER_HOUR = 10
K_WAGE_CEILING_EUR_PER_MONTH = 11
K_CEILING_EUR_PER_YEAR = 12
K_CEILING_HIGHER_ED_EUR_PER_YEAR = 13
K_VOUCHERS_PER_PERIOD = 14
K_PERIOD_YEARS = 15
K_PRICE_EUR = 16
K_OWN_CONTRIBUTION_EUR = 17
K_BY_SIZE_0 = 18  # EmployerSize.NONE; K_BY_SIZE_0 + code for the others
K_BY_SIZE_1 = 19  # micro
K_BY_SIZE_2 = 20  # small_10_19
K_BY_SIZE_3 = 21  # small_20_49
K_BY_SIZE_4 = 22  # medium
K_BY_SIZE_5 = 23  # large
K_CEILING_EUR_PER_FIRM_PER_YEAR = 24
K_HOURS_PER_DAY = 25
K_EXCHANGE_EUR_PER_HOUR = 26
K_EXCHANGE_MAX_HOURS_PER_YEAR = 27
K_TIME_TO_MONEY = 28
K_MONEY_TO_TIME = 29
K_ALLOWANCE_EUR_PER_MONTH = 30
K_LEAVE_SHARE = 31
K_MAX_MONTHS = 32
K_CONVERT_RATE = 33
K_ADMIN_PER_TRANSACTION_EUR = 34
K_ADMIN_PER_YEAR_EUR = 35
K_ADMIN_PER_YEAR_PER_ELIGIBLE = 36
K_AWARENESS = 37
K_FRICTION = 38
K_MIN_TRAINING_HOURS = 39
K_LEN = 40

#: Names of the K slots, in order (``K_NAMES[K_CAP_EUR] == "cap_eur"``).
K_NAMES: tuple[str, ...] = (
    "accrual_eur",
    "cap_eur",
    "accrual_hours",
    "cap_hours",
    "carry_over_unused",
    "expiry_years",
    "own_share",
    "own_share_basic_skills",
    "max_per_training_eur",
    "transferable",
    "reimbursement_eur_per_hour",
    "wage_ceiling_eur_per_month",
    "ceiling_eur_per_year",
    "ceiling_higher_education_eur_per_year",
    "vouchers_per_period",
    "period_years",
    "price_eur",
    "own_contribution_eur",
    *(f"by_size_{s}" for s in SIZES),
    "ceiling_eur_per_firm_per_year",
    "hours_per_day",
    "exchange_eur_per_hour",
    "exchange_max_hours_per_year",
    "time_to_money",
    "money_to_time",
    "allowance_eur_per_month",
    "leave_share",
    "max_months",
    "convert_rate",
    "admin_cost_per_transaction_eur",
    "admin_cost_per_year_eur",
    "admin_per_year_per_eligible",
    "awareness",
    "friction",
    "min_training_hours_per_year",
)


UNIT_OF_KIND = {k: ("minute" if k == "time_account" else "cent") for k in KINDS}


@dataclass(frozen=True)
class CompiledScenarios:
    """Parameter arrays for the kernel (layout in the module docstring)."""

    scenarios: tuple[str, ...]
    years: np.ndarray
    instrument_ids: tuple[str, ...]
    kind: np.ndarray
    funder: np.ndarray
    competence: np.ndarray
    unit: np.ndarray
    active: np.ndarray
    eligibility: np.ndarray
    params: np.ndarray
    training_types_mask: np.ndarray
    carry_over: np.ndarray
    convert_from: np.ndarray
    exchange_from: np.ndarray
    exchange_to: np.ndarray
    switch: np.ndarray
    awareness_uplift: np.ndarray
    friction_reduction: np.ndarray
    admin_cost_reduction: np.ndarray
    it_cost_oneoff_eur: np.ndarray
    it_cost_yearly_eur: np.ndarray
    instruments: pd.DataFrame
    instrument_rows: pd.DataFrame

    def index(self, scenario: str, year: int, instrument: str) -> tuple[int, int, int]:
        """Array indices (s, y, i) of a scenario label, a year and an instrument id."""
        try:
            s = self.scenarios.index(scenario)
            i = self.instrument_ids.index(instrument)
        except ValueError:
            raise ScenarioError(
                f"compiled: unknown scenario '{scenario}' or instrument '{instrument}'; "
                f"scenarios {list(self.scenarios)}, instruments {list(self.instrument_ids)}"
            ) from None
        hits = np.flatnonzero(self.years == year)
        if len(hits) == 0:
            raise ScenarioError(f"compiled: year {year} not compiled; years {list(self.years)}")
        return s, int(hits[0]), i

    def param(self, scenario: str, year: int, instrument: str, k: int) -> float:
        """One parameter value (``k`` a ``K_*`` constant); for inspection and tests."""
        s, y, i = self.index(scenario, year, instrument)
        return float(self.params[s, y, i, k])

    def instrument_table(self) -> pd.DataFrame:
        """One row per (scenario, year, instrument): the instrument metadata with the
        effective, nominal admin costs of that year (EUR, rounded to cents) and the
        reimbursement rate of a time account (EUR/h, nominal). Where an instrument is not in
        force, the values of the metadata row (:attr:`instruments`) are used, so costing finds
        every combination. Columns as ``llrsim.costing.metadata.INSTRUMENT_COLUMNS`` plus
        ``scenario``, ``year`` and ``admin_cost_per_year_basis``."""
        return self.instrument_rows.copy()

    def it_costs(self) -> pd.DataFrame:
        """Scenario IT cost per year (EUR): columns scenario, year, it_one_off_eur,
        it_yearly_eur, funder, competence (the Flemish government for S1/S2 platforms)."""
        rows = []
        for s, label in enumerate(self.scenarios):
            for y, year in enumerate(self.years):
                rows.append(
                    {
                        "scenario": label,
                        "year": int(year),
                        "it_one_off_eur": float(self.it_cost_oneoff_eur[s, y]),
                        "it_yearly_eur": float(self.it_cost_yearly_eur[s, y]),
                        "funder": "flemish_government",
                        "competence": "flemish",
                    }
                )
        return pd.DataFrame(rows)


# -- one (scenario, year) block ------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    eligibility: np.ndarray
    params: np.ndarray
    types_mask: int
    carry_over: int
    convert_from: str | None
    exchange: tuple[str, str] | None
    kind: str
    meta: dict[str, Any]


_CACHE: dict[tuple[Any, ...], dict[str, _Block]] = {}


def clear_cache() -> None:
    """Drop the compiled (scenario, year) blocks."""
    _CACHE.clear()


def _put_amount(
    row: np.ndarray, k: int, inst: InstrumentBase, field: str, year: int, ctx: dict[str, Any]
) -> None:
    value = getattr(inst, field)
    row[k] = nominal(
        value,
        year,
        f"{ctx['origin']}: instrument {inst.id}.{field}",
        indexed=field in inst.indexed,
        growth=ctx["growth"],
        base_year=ctx["base_year"],
    )


def _fill(inst: InstrumentBase, year: int, ctx: dict[str, Any]) -> np.ndarray:
    row = np.zeros(K_LEN, dtype=np.float64)

    def amt(k: int, field: str, default: float | None = None) -> None:
        if getattr(inst, field) is None:
            if default is None:
                raise ScenarioError(f"{ctx['origin']}: instrument {inst.id}.{field} missing")
            row[k] = default
        else:
            _put_amount(row, k, inst, field, year, ctx)

    if isinstance(inst, MoneyAccount | TimeAccount):
        row[K_CARRY_OVER_UNUSED] = float(inst.carry_over_unused)
        row[K_EXPIRY_YEARS] = float(inst.expiry_years or 0)
        row[K_TRANSFERABLE] = float(inst.transferable)
    if isinstance(inst, MoneyAccount):
        amt(K_ACCRUAL_EUR, "accrual_eur")
        amt(K_CAP_EUR, "cap_eur")
        amt(K_OWN_SHARE, "own_share")
        amt(K_MAX_PER_TRAINING_EUR, "max_per_training_eur", np.inf)
    elif isinstance(inst, TimeAccount):
        amt(K_ACCRUAL_HOURS, "accrual_hours")
        amt(K_CAP_HOURS, "cap_hours")
        amt(K_REIMBURSEMENT_EUR_PER_HOUR, "employer_reimbursement_eur_per_hour")
        amt(K_WAGE_CEILING_EUR_PER_MONTH, "wage_ceiling_eur_per_month", np.inf)
    elif isinstance(inst, Voucher):
        amt(K_CEILING_EUR_PER_YEAR, "ceiling_eur_per_year")
        amt(K_OWN_SHARE, "own_share")
        if inst.ceiling_higher_education_eur_per_year is None:
            row[K_CEILING_HIGHER_ED_EUR_PER_YEAR] = row[K_CEILING_EUR_PER_YEAR]
        else:
            amt(K_CEILING_HIGHER_ED_EUR_PER_YEAR, "ceiling_higher_education_eur_per_year")
    elif isinstance(inst, GuidanceVoucher):
        row[K_VOUCHERS_PER_PERIOD] = float(inst.vouchers_per_period)
        row[K_PERIOD_YEARS] = float(inst.period_years)
        amt(K_PRICE_EUR, "price_eur")
        amt(K_OWN_CONTRIBUTION_EUR, "own_contribution_eur")
    elif isinstance(inst, EmployerSubsidy | EmployerObligation):
        table = (
            inst.rate_by_size if isinstance(inst, EmployerSubsidy) else inst.days_per_fte_by_size
        )
        field = "rate_by_size" if isinstance(inst, EmployerSubsidy) else "days_per_fte_by_size"
        for code, size in enumerate(SIZES):
            row[K_BY_SIZE_0 + code] = nominal(
                table[size],
                year,
                f"{ctx['origin']}: instrument {inst.id}.{field}.{size}",
                indexed=False,
                growth=ctx["growth"],
                base_year=ctx["base_year"],
            )
        if isinstance(inst, EmployerSubsidy):
            amt(K_CEILING_EUR_PER_FIRM_PER_YEAR, "ceiling_eur_per_firm_per_year")
        else:
            amt(K_HOURS_PER_DAY, "hours_per_day")
    elif isinstance(inst, Exchange):
        amt(K_EXCHANGE_EUR_PER_HOUR, "rate_eur_per_hour")
        amt(K_EXCHANGE_MAX_HOURS_PER_YEAR, "max_hours_per_year", np.inf)
        row[K_TIME_TO_MONEY] = float(inst.time_to_money)
        row[K_MONEY_TO_TIME] = float(inst.money_to_time)
    elif isinstance(inst, LeaveAllowance):
        amt(K_ALLOWANCE_EUR_PER_MONTH, "allowance_eur_per_month")
        amt(K_LEAVE_SHARE, "leave_share")
        row[K_MAX_MONTHS] = float(inst.max_months)
        amt(K_MIN_TRAINING_HOURS, "min_training_hours_per_year")
    if isinstance(inst, MoneyAccount | Voucher):
        if inst.own_share_basic_skills is None:
            row[K_OWN_SHARE_BASIC_SKILLS] = row[K_OWN_SHARE]
        else:
            amt(K_OWN_SHARE_BASIC_SKILLS, "own_share_basic_skills")
    row[K_CONVERT_RATE] = inst.convert_rate
    amt(K_ADMIN_PER_TRANSACTION_EUR, "admin_cost_per_transaction_eur")
    amt(K_ADMIN_PER_YEAR_EUR, "admin_cost_per_year_eur")
    row[K_ADMIN_PER_YEAR_PER_ELIGIBLE] = float(inst.admin_cost_per_year_basis == "eligible_person")
    row[K_AWARENESS] = central(inst.awareness)
    row[K_FRICTION] = central(inst.friction)
    return row


def _apply_effects(row: np.ndarray, inst: InstrumentBase, sc: Scenario) -> np.ndarray:
    out = row.copy()
    if inst.competence in sc.awareness_scope:
        u = central(sc.awareness_uplift)
        out[K_AWARENESS] = out[K_AWARENESS] + u * (1.0 - out[K_AWARENESS])
    if inst.competence in sc.friction_scope:
        out[K_FRICTION] = out[K_FRICTION] * (1.0 - central(sc.friction_reduction))
    if inst.competence in sc.admin_cost_scope:
        r = 1.0 - central(sc.admin_cost_reduction)
        out[K_ADMIN_PER_TRANSACTION_EUR] *= r
        out[K_ADMIN_PER_YEAR_EUR] *= r
    return out


def _compile_block(
    sc: Scenario,
    year: int,
    group_index: Mapping[str, int] | None,
    growth: float,
    base_year: int,
) -> dict[str, _Block]:
    gkey = None if group_index is None else tuple(sorted(group_index.items()))
    key = (sc.digest(), int(year), gkey, float(growth), int(base_year))
    if key in _CACHE:
        return _CACHE[key]
    ctx = {
        "origin": sc.origin if sc.origin != "<memory>" else sc.id,
        "growth": growth,
        "base_year": base_year,
    }
    out: dict[str, _Block] = {}
    for inst in sc.instruments_in_force():
        try:
            elig = inst.eligibility.compile(None if group_index is None else dict(group_index))
        except ValueError as exc:
            raise ScenarioError(
                f"{ctx['origin']}: instrument {inst.id}.eligibility: {exc}"
            ) from None
        declared = _fill(inst, int(year), ctx)
        mask = 0
        for t in inst.training_types:
            mask |= 1 << TRAINING_TYPE_BITS[t]
        out[inst.id] = _Block(
            eligibility=elig,
            params=_apply_effects(declared, inst, sc),
            types_mask=mask,
            carry_over=CARRY_OVER_CODES[inst.carry_over],
            convert_from=inst.convert_from,
            exchange=(
                (inst.from_time_account, inst.to_money_account)
                if isinstance(inst, Exchange)
                else None
            ),
            kind=inst.kind,  # type: ignore[attr-defined]
            meta={
                "id": inst.id,
                "name": inst.name,
                "kind": inst.kind,  # type: ignore[attr-defined]
                "funder": inst.funder,
                "competence": inst.competence,
                "unit": UNIT_OF_KIND[inst.kind],  # type: ignore[attr-defined]
                "admin_cost_per_transaction_eur": declared[K_ADMIN_PER_TRANSACTION_EUR],
                "admin_cost_per_year_eur": declared[K_ADMIN_PER_YEAR_EUR],
                "admin_cost_per_year_basis": inst.admin_cost_per_year_basis,
                "reimbursement_eur_per_hour": declared[K_REIMBURSEMENT_EUR_PER_HOUR],
            },
        )
    _CACHE[key] = out
    return out


# -- the whole set ---------------------------------------------------------------------------


def _as_item(x: str | Path | Scenario | GrowthPath) -> Scenario | GrowthPath:
    return x if isinstance(x, GrowthPath) else load(x)


def compile_scenarios(
    scenarios_or_paths: Sequence[str | Path | Scenario | GrowthPath],
    years: Sequence[int] | range,
    group_index: Mapping[str, int] | None,
    *,
    costing: ParameterSet | None = None,
) -> CompiledScenarios:
    """Compile scenarios and growth paths for ``years`` (layout in the module docstring).

    ``group_index`` maps target-group names to their bit in a person's group mask
    (``llrsim.population.groups.group_index()``); it is needed when an instrument uses
    ``eligibility.any_of_groups``. ``costing`` gives the indexation parameters
    (``health_index.growth``, ``health_index.base_year``); default: the shipped
    ``data/parameters/costing.toml`` central values.
    """
    if isinstance(scenarios_or_paths, str | Path | Scenario | GrowthPath):
        raise ScenarioError("compile_scenarios: give a list of scenarios, e.g. ['S0', 'S4']")
    items = [_as_item(x) for x in scenarios_or_paths]
    if not items:
        raise ScenarioError("compile_scenarios: no scenarios given")
    years_arr = np.asarray(list(years), dtype=np.int64)
    if years_arr.size == 0 or np.any(np.diff(years_arr) != 1):
        raise ScenarioError(f"compile_scenarios: years must be consecutive, got {list(years)}")
    costing = load_parameters("costing") if costing is None else costing
    growth = costing.value("health_index.growth")
    base_year = int(costing.value("health_index.base_year"))
    labels = tuple(x.id for x in items)
    if len(set(labels)) != len(labels):
        raise ScenarioError(f"compile_scenarios: scenario labels repeat: {list(labels)}")
    S, Y = len(items), len(years_arr)
    in_force = [
        [x.in_force(int(y)) if isinstance(x, GrowthPath) else x for y in years_arr] for x in items
    ]
    blocks = [
        [
            _compile_block(sc, int(y), group_index, growth, base_year)
            for sc, y in zip(row, years_arr, strict=True)
        ]
        for row in in_force
    ]
    ids: list[str] = []
    meta: dict[str, dict[str, Any]] = {}
    for row in blocks:
        for b in row:
            for iid, blk in b.items():
                if iid not in meta:
                    ids.append(iid)
                    meta[iid] = blk.meta
    n_inst = len(ids)
    pos = {iid: k for k, iid in enumerate(ids)}
    active = np.zeros((S, Y, n_inst), dtype=np.bool_)
    elig = np.zeros((S, Y, n_inst, P_LEN), dtype=np.int64)
    params = np.zeros((S, Y, n_inst, K_LEN), dtype=np.float64)
    types = np.zeros((S, Y, n_inst), dtype=np.int16)
    carry = np.full((S, Y, n_inst), CARRY_OVER_CODES["forfeit"], dtype=np.int8)
    conv = np.full((S, Y, n_inst), -1, dtype=np.int16)
    ex_from = np.full((S, Y, n_inst), -1, dtype=np.int16)
    ex_to = np.full((S, Y, n_inst), -1, dtype=np.int16)
    switch = np.zeros((S, Y), dtype=np.bool_)
    effects = {
        n: np.zeros((S, Y), dtype=np.float64)
        for n in (
            "awareness_uplift",
            "friction_reduction",
            "admin_cost_reduction",
            "it_cost_oneoff_eur",
            "it_cost_yearly_eur",
        )
    }
    rows: list[dict[str, Any]] = []
    for s in range(S):
        for y in range(Y):
            sc = in_force[s][y]
            for iid, blk in blocks[s][y].items():
                i = pos[iid]
                active[s, y, i] = True
                elig[s, y, i] = blk.eligibility
                params[s, y, i] = blk.params
                types[s, y, i] = blk.types_mask
                carry[s, y, i] = blk.carry_over
                if blk.convert_from is not None and blk.convert_from in pos:
                    conv[s, y, i] = pos[blk.convert_from]
                if blk.exchange is not None:
                    ex_from[s, y, i] = pos[blk.exchange[0]]
                    ex_to[s, y, i] = pos[blk.exchange[1]]
            effects["awareness_uplift"][s, y] = central(sc.awareness_uplift)
            effects["friction_reduction"][s, y] = central(sc.friction_reduction)
            effects["admin_cost_reduction"][s, y] = central(sc.admin_cost_reduction)
            effects["it_cost_yearly_eur"][s, y] = central(sc.it_cost_yearly_eur)
            oneoff = central(sc.it_cost_oneoff_eur)
            if y == 0:
                effects["it_cost_oneoff_eur"][s, y] = oneoff
            elif sc.id != in_force[s][y - 1].id:
                switch[s, y] = True
                prev = central(in_force[s][y - 1].it_cost_oneoff_eur)
                effects["it_cost_oneoff_eur"][s, y] = max(0.0, oneoff - prev)
            for iid in ids:
                blk = blocks[s][y].get(iid)
                row = dict(meta[iid])
                if blk is not None:
                    row["admin_cost_per_transaction_eur"] = blk.params[K_ADMIN_PER_TRANSACTION_EUR]
                    row["admin_cost_per_year_eur"] = blk.params[K_ADMIN_PER_YEAR_EUR]
                    row["reimbursement_eur_per_hour"] = blk.params[K_REIMBURSEMENT_EUR_PER_HOUR]
                row["scenario"] = labels[s]
                row["year"] = int(years_arr[y])
                rows.append(row)
    instruments = pd.DataFrame([meta[i] for i in ids])
    instruments["kind_code"] = [KIND_CODES[k] for k in instruments["kind"]]
    instrument_rows = pd.DataFrame(rows)
    for col in ("admin_cost_per_transaction_eur", "admin_cost_per_year_eur"):
        instrument_rows[col] = instrument_rows[col].round(2)
        instruments[col] = instruments[col].round(2)
    return CompiledScenarios(
        scenarios=labels,
        years=years_arr,
        instrument_ids=tuple(ids),
        kind=np.array([KIND_CODES[meta[i]["kind"]] for i in ids], dtype=np.int8),
        funder=np.array([FUNDER_CODES[meta[i]["funder"]] for i in ids], dtype=np.int8),
        competence=np.array([COMPETENCE_CODES[meta[i]["competence"]] for i in ids], dtype=np.int8),
        unit=np.array([meta[i]["unit"] for i in ids], dtype=object),
        active=active,
        eligibility=elig,
        params=params,
        training_types_mask=types,
        carry_over=carry,
        convert_from=conv,
        exchange_from=ex_from,
        exchange_to=ex_to,
        switch=switch,
        awareness_uplift=effects["awareness_uplift"],
        friction_reduction=effects["friction_reduction"],
        admin_cost_reduction=effects["admin_cost_reduction"],
        it_cost_oneoff_eur=effects["it_cost_oneoff_eur"],
        it_cost_yearly_eur=effects["it_cost_yearly_eur"],
        instruments=instruments,
        instrument_rows=instrument_rows,
    )
