"""Instrument mechanisms: the vocabulary of rules the simulation kernel knows.

A scenario is a list of instruments; each instrument is one of a small set of mechanisms
(``kind``) with its parameters. A new scenario needs no new code, only new parameters.

=====================  ===================================================================
kind                   mechanism (example)
=====================  ===================================================================
money_account          personal money balance: accrual EUR/yr, cap, carry-over, FIFO expiry,
                       co-financing (S3, S4, Mtech+ loopbaanrekening)
time_account           personal time balance: hours/yr, cap, employer reimbursed per hour
                       up to a wage ceiling (Vlaams opleidingsverlof, S5)
voucher                co-financed per use with a yearly face-value ceiling
                       (opleidingscheques; IVOC; VDAB training as a fully paid voucher)
guidance_voucher       n vouchers per period of years, price and own contribution
                       (loopbaancheques)
employer_subsidy       subsidy rate by firm size with a ceiling per firm (KMO-portefeuille)
employer_obligation    training days per FTE by firm size, employer-funded, no public cost
                       (federal individual training right)
exchange               conversion between a time and a money account at a rate (S6)
leave_allowance        monthly allowance during training leave (Vlaams opleidingskrediet,
                       federal tijdskrediet with motive training)
=====================  ===================================================================

Every instrument carries its ``id`` (English, lower case, with the Flemish term where one
exists: ``vov``, ``opleidingscheques``), ``name`` (the Flemish name), ``funder``,
``competence`` (policy level), ``eligibility`` (a :class:`~llrsim.predicates.Predicate`),
admin costs, eligible ``training_types`` and two behavioural hooks used by the behaviour
module: ``awareness`` (share of the eligible who know the instrument) and ``friction``
(share of would-be users deterred by procedures), both fixed or ranged parameters.

Units are in the field names: ``_eur`` (euro, nominal in the year it applies unless the
field is listed in ``indexed``), ``_hours``, ``_years``, ``_months``; ``share`` fields are in
[0, 1]. Numeric rule fields accept year tables (see :mod:`llrsim.scenarios.values`).

Two carry-over notions exist and are named apart:

- ``carry_over_unused`` (accounts): unused balance is kept into the next year (otherwise it
  lapses at year end, e.g. VOV hours per school year);
- ``carry_over`` (all instruments): what happens at a phase switch of a growth path into a
  scenario holding this instrument: ``keep`` the balance accrued under the previous
  scenario (same id), ``convert`` the balance of instrument ``convert_from`` into this one at
  ``convert_rate`` (units of this instrument per unit of the source: 1 for EUR to EUR,
  21.30 for hours to EUR), or ``forfeit`` it (counted as forfeited, not dropped). An
  instrument that is no longer in force after a switch forfeits its balance unless an
  instrument in force converts it.

``admin_cost_per_year_eur`` is a fixed programme cost per year (EUR/yr for the whole
instrument) when ``admin_cost_per_year_basis = "fixed"``, or a cost per eligible person per
year when it is ``"eligible_person"``. ``admin_cost_per_transaction_eur`` is per use.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from llrsim.population.codes import EmployerSize
from llrsim.predicates import Predicate
from llrsim.scenarios._groups import known_group_names
from llrsim.scenarios.values import Amount, RangedShare, Share

TRAINING_TYPES = ("job_related", "general", "certified", "basic_skills", "career_guidance")
FUNDERS = ("flemish_government", "federal_government", "sector_fund", "employer", "individual")
COMPETENCES = ("flemish", "federal", "sectoral", "employer")
KINDS = (
    "money_account",
    "time_account",
    "voucher",
    "guidance_voucher",
    "employer_subsidy",
    "employer_obligation",
    "exchange",
    "leave_allowance",
)
CARRY_OVER = ("keep", "convert", "forfeit")
SIZES = tuple(m.name.lower() for m in sorted(EmployerSize, key=int))

TrainingType = Literal["job_related", "general", "certified", "basic_skills", "career_guidance"]
Funder = Literal[
    "flemish_government", "federal_government", "sector_fund", "employer", "individual"
]
Competence = Literal["flemish", "federal", "sectoral", "employer"]
Size = Literal["none", "micro", "small_10_19", "small_20_49", "medium", "large"]
InstrumentId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]


def _fail(kind: str, msg: str, field: str, year: int | None = None, **ctx: Any) -> None:
    raise PydanticCustomError(kind, msg, {"field": field, "year": year, **ctx})


def _years_of(*schedules: Any) -> list[int | None]:
    years: set[int] = set()
    for s in schedules:
        if isinstance(s, dict):
            years |= set(s)
    return sorted(years) if years else [None]


def _at(s: Any, year: int | None) -> float | None:
    """Value of a validated schedule at ``year`` (None when the year precedes its table)."""
    if not isinstance(s, dict):
        return float(s)
    keys = [k for k in s if year is not None and k <= year]
    return float(s[max(keys)]) if keys else None


class InstrumentBase(BaseModel):
    """Fields every instrument has (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: EUR fields of this kind that may be listed in ``indexed`` (set per subclass).
    EUR_FIELDS: ClassVar[tuple[str, ...]] = ()

    id: InstrumentId
    name: str = Field(min_length=1, description="Flemish name of the instrument")
    description: str = ""
    funder: Funder = Field(description="who pays the public (or private) share")
    competence: Competence = Field(description="policy level that sets the rules")
    eligibility: Predicate = Field(default_factory=Predicate)
    training_types: list[TrainingType] = Field(description="eligible training types")
    admin_cost_per_transaction_eur: Amount = Field(0.0, description="EUR per use")
    admin_cost_per_year_eur: Amount = Field(0.0, description="EUR/yr, see basis")
    admin_cost_per_year_basis: Literal["fixed", "eligible_person"] = "fixed"
    awareness: RangedShare = Field(description="share of the eligible who know it, 0-1")
    friction: RangedShare = Field(description="share of would-be users deterred, 0-1")
    indexed: list[str] = Field(default_factory=list, description="EUR fields following the index")
    carry_over: Literal["keep", "convert", "forfeit"] = Field(
        "keep", description="at a phase switch into this scenario"
    )
    convert_from: InstrumentId | None = Field(None, description="source of carry_over=convert")
    convert_rate: float = Field(
        1.0, gt=0, allow_inf_nan=False, description="units of this per unit of convert_from"
    )
    source: str = Field("", description="where the rules come from (URL or citation)")
    note: str = ""

    @model_validator(mode="after")
    def _check_common(self) -> InstrumentBase:
        allowed = ("admin_cost_per_transaction_eur", "admin_cost_per_year_eur", *self.EUR_FIELDS)
        for i, name in enumerate(self.indexed):
            if name not in allowed:
                _fail(
                    "indexed_field",
                    "'{name}' cannot be indexed; allowed: {allowed}",
                    f"indexed[{i}]",
                    name=name,
                    allowed=", ".join(allowed),
                )
        known = known_group_names()
        for i, g in enumerate(self.eligibility.any_of_groups):
            if g not in known:
                _fail(
                    "unknown_group",
                    "unknown target group '{group}'; allowed: {allowed}",
                    f"eligibility.any_of_groups[{i}]",
                    group=g,
                    allowed=", ".join(known),
                )
        if (self.carry_over == "convert") != (self.convert_from is not None):
            _fail(
                "convert",
                "carry_over = 'convert' needs convert_from (and convert_from needs 'convert')",
                "convert_from",
            )
        return self

    def _cap_not_below(self, cap: str, accrual: str) -> None:
        c, a = getattr(self, cap), getattr(self, accrual)
        for year in _years_of(c, a):
            cv, av = _at(c, year), _at(a, year)
            if cv is not None and av is not None and cv < av:
                _fail(
                    "cap_below_accrual",
                    "cap {cap} is below the yearly accrual {accrual}; allowed: cap >= accrual",
                    cap,
                    year,
                    cap=cv,
                    accrual=av,
                )

    def _all_sizes(self, field: str) -> None:
        got = getattr(self, field)
        missing = [s for s in SIZES if s not in got]
        if missing:
            _fail(
                "sizes",
                "every employer size needs a value; missing {missing}; sizes: {allowed}",
                field,
                missing=", ".join(missing),
                allowed=", ".join(SIZES),
            )


class MoneyAccount(InstrumentBase):
    """Personal money balance (*rugzak* in euro): accrual, cap, carry-over, FIFO expiry."""

    EUR_FIELDS: ClassVar[tuple[str, ...]] = ("accrual_eur", "cap_eur", "max_per_training_eur")

    kind: Literal["money_account"]
    accrual_eur: Amount = Field(description="EUR credited per year of eligibility")
    cap_eur: Amount = Field(description="maximum balance, EUR")
    carry_over_unused: StrictBool = Field(description="unused balance kept into the next year")
    expiry_years: StrictInt | None = Field(
        None, ge=1, le=60, description="years after accrual a vintage expires (FIFO); none"
    )
    own_share: Share = Field(0.0, description="own contribution share of the training cost")
    own_share_basic_skills: Share | None = Field(
        None, description="own share for basic-skills training; None = own_share"
    )
    max_per_training_eur: Amount | None = Field(None, description="EUR per training; none")
    transferable: StrictBool = Field(description="kept across employers and statuses")

    @model_validator(mode="after")
    def _check(self) -> MoneyAccount:
        self._cap_not_below("cap_eur", "accrual_eur")
        return self


class TimeAccount(InstrumentBase):
    """Personal time balance (training leave hours), employer reimbursed per hour used."""

    EUR_FIELDS: ClassVar[tuple[str, ...]] = (
        "employer_reimbursement_eur_per_hour",
        "wage_ceiling_eur_per_month",
    )

    kind: Literal["time_account"]
    accrual_hours: Amount = Field(description="hours credited per year of eligibility")
    cap_hours: Amount = Field(description="maximum balance, hours")
    carry_over_unused: StrictBool = Field(description="unused hours kept into the next year")
    expiry_years: StrictInt | None = Field(
        None, ge=1, le=60, description="FIFO expiry, years; none"
    )
    employer_reimbursement_eur_per_hour: Amount = Field(
        description="public reimbursement to the employer, EUR per hour of leave"
    )
    wage_ceiling_eur_per_month: Amount | None = Field(
        None, description="gross monthly wage up to which the leave is paid, EUR/month; none"
    )
    transferable: StrictBool = Field(description="kept across employers and statuses")

    @model_validator(mode="after")
    def _check(self) -> TimeAccount:
        self._cap_not_below("cap_hours", "accrual_hours")
        return self


class Voucher(InstrumentBase):
    """Co-financed voucher: the public pays (1 - own_share) of the face value per use."""

    EUR_FIELDS: ClassVar[tuple[str, ...]] = (
        "ceiling_eur_per_year",
        "ceiling_higher_education_eur_per_year",
    )

    kind: Literal["voucher"]
    ceiling_eur_per_year: Amount = Field(description="face value usable per person-year, EUR")
    ceiling_higher_education_eur_per_year: Amount | None = Field(
        None, description="face-value ceiling for higher-education programmes; None = same"
    )
    own_share: Share = Field(description="own contribution share of the face value")
    own_share_basic_skills: Share | None = Field(
        None, description="own share for basic skills (Dutch, numeracy, ICT); None = own_share"
    )


class GuidanceVoucher(InstrumentBase):
    """Career-guidance vouchers: n per period, a price and a fixed own contribution."""

    EUR_FIELDS: ClassVar[tuple[str, ...]] = ("price_eur", "own_contribution_eur")

    kind: Literal["guidance_voucher"]
    vouchers_per_period: StrictInt = Field(ge=1, le=20, description="vouchers per period")
    period_years: StrictInt = Field(ge=1, le=50, description="length of the period, years")
    price_eur: Amount = Field(description="real value of one voucher (paid to the provider)")
    own_contribution_eur: Amount = Field(description="paid by the person per voucher, EUR")

    @model_validator(mode="after")
    def _check(self) -> GuidanceVoucher:
        for year in _years_of(self.price_eur, self.own_contribution_eur):
            p, o = _at(self.price_eur, year), _at(self.own_contribution_eur, year)
            if p is not None and o is not None and o > p:
                _fail(
                    "contribution_above_price",
                    "own contribution {own} is above the price {price}; allowed: <= price",
                    "own_contribution_eur",
                    year if isinstance(self.own_contribution_eur, dict) else None,
                    own=o,
                    price=p,
                )
        return self


class EmployerSubsidy(InstrumentBase):
    """Subsidy to the employer: a share of training cost by firm size, ceiling per firm."""

    EUR_FIELDS: ClassVar[tuple[str, ...]] = ("ceiling_eur_per_firm_per_year",)

    kind: Literal["employer_subsidy"]
    rate_by_size: dict[Size, Share] = Field(description="subsidy share per employer size")
    ceiling_eur_per_firm_per_year: Amount = Field(description="subsidy ceiling, EUR/firm/yr")

    @model_validator(mode="after")
    def _check(self) -> EmployerSubsidy:
        self._all_sizes("rate_by_size")
        return self


class EmployerObligation(InstrumentBase):
    """Employer training obligation: days per FTE per year by firm size; no public cost."""

    kind: Literal["employer_obligation"]
    days_per_fte_by_size: dict[Size, Amount] = Field(description="training days/FTE/yr")
    hours_per_day: Amount = Field(description="hours in one training day")

    @model_validator(mode="after")
    def _check(self) -> EmployerObligation:
        self._all_sizes("days_per_fte_by_size")
        if self.funder != "employer":
            _fail(
                "obligation_funder",
                "an employer obligation is employer-funded; allowed funder: employer",
                "funder",
            )
        return self


class Exchange(InstrumentBase):
    """Exchange between a time account and a money account at a rate (S6)."""

    EUR_FIELDS: ClassVar[tuple[str, ...]] = ("rate_eur_per_hour",)

    kind: Literal["exchange"]
    from_time_account: InstrumentId = Field(description="id of the time account")
    to_money_account: InstrumentId = Field(description="id of the money account")
    rate_eur_per_hour: Amount = Field(description="EUR credited per hour converted")
    time_to_money: StrictBool = Field(description="hours may be converted into euro")
    money_to_time: StrictBool = Field(description="euro may be converted into hours")
    max_hours_per_year: Amount | None = Field(None, description="hours convertible per year")


class LeaveAllowance(InstrumentBase):
    """Monthly allowance during (part-time) training leave, up to a number of months."""

    EUR_FIELDS: ClassVar[tuple[str, ...]] = ("allowance_eur_per_month",)

    kind: Literal["leave_allowance"]
    allowance_eur_per_month: Amount = Field(description="gross allowance, EUR per month")
    leave_share: Share = Field(description="share of full time taken as leave (1, 0.5, 0.2)")
    max_months: StrictInt = Field(ge=1, le=600, description="months per career")
    min_training_hours_per_year: Amount = Field(
        0.0, description="course hours per year the leave requires (tijdskrediet: 360 h)"
    )


Instrument = Annotated[
    MoneyAccount
    | TimeAccount
    | Voucher
    | GuidanceVoucher
    | EmployerSubsidy
    | EmployerObligation
    | Exchange
    | LeaveAllowance,
    Field(discriminator="kind"),
]

#: kind name -> model class
KIND_MODELS: dict[str, type[InstrumentBase]] = {
    "money_account": MoneyAccount,
    "time_account": TimeAccount,
    "voucher": Voucher,
    "guidance_voucher": GuidanceVoucher,
    "employer_subsidy": EmployerSubsidy,
    "employer_obligation": EmployerObligation,
    "exchange": Exchange,
    "leave_allowance": LeaveAllowance,
}
