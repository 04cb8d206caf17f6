"""The kernel's vocabulary: instrument kinds and the layout of their parameter vectors.

The policy kernel knows a small, fixed set of mechanisms; a scenario is data that chooses
and parameterises them (see :mod:`llrsim.scenarios`). This module fixes the integer codes of
the mechanisms and the index of every parameter in the per-(scenario, year, instrument)
vector ``q`` of a :class:`~llrsim.engine.plan.KernelPlan`. All money is in EUR **cents** and
all time in **minutes**, so the kernel's ledgers are exact integers.

Mechanisms (Flemish examples):

- ``KIND_MONEY`` — money account (S3/S4 LLR right; Mtech+ *loopbaanrekening*): accrues
  ``Q_ACCRUAL`` cents a year while eligible, up to ``Q_CAP``; vintages expire after
  ``Q_EXPIRY_YEARS`` (first in, first out); pays up to ``Q_MAX_PER_USE`` of a course's
  public share ``1 - Q_OWN_SHARE``.
- ``KIND_TIME`` — time account (*Vlaams opleidingsverlof*, S5): accrues minutes; used only
  while an employee (the employer grants the leave); the Flemish government reimburses the
  employer ``Q_REIMB_CENTS_PER_HOUR``; the wage above it, up to ``Q_WAGE_CEILING_MONTH``, is
  the employer's cost.
- ``KIND_VOUCHER`` — co-financed voucher (*opleidingscheques*; also a free public service
  with ``Q_OWN_SHARE = 0`` such as VDAB training): covers the course up to a face value of
  ``Q_MAX_PER_USE`` a year, split between the public share and the person's own share.
- ``KIND_GUIDANCE`` — career-guidance voucher (*loopbaancheques*): up to ``Q_N_PER_PERIOD``
  cheques per ``Q_PERIOD_YEARS``, price ``Q_PRICE``, own contribution ``Q_OWN_CONTRIB``;
  used independently of a training episode.
- ``KIND_SUBSIDY`` — employer subsidy (*KMO-portefeuille*): a rate of the course cost by
  firm size (``Q_BY_SIZE_0 + size``), ceiling ``Q_MAX_PER_USE`` per use; the employer pays
  the rest.
- ``KIND_OBLIGATION`` — employer training obligation (federal *individueel opleidingsrecht*):
  days per FTE by firm size (``Q_BY_SIZE_0 + size``) of ``Q_HOURS_PER_DAY``; the employer
  pays the wage during training; no public cost.
- ``KIND_LEAVE`` — allowance during training leave (*Vlaams opleidingskrediet*,
  *tijdskrediet motief opleiding*): ``Q_ALLOWANCE_MONTH`` cents a month for a year of
  leave, up to ``Q_MAX_MONTHS`` over the career, for courses of ``Q_MIN_MINUTES`` or more.
- ``KIND_EXCHANGE`` — the rule that lets a money account convert time (S6). Its row holds
  the administrative metadata; the conversion itself is carried out on the money account
  (``Q_EXCHANGE_PARTNER``, ``Q_EXCHANGE_CENTS_PER_HOUR``, ``Q_EXCHANGE_MAX_MINUTES``).

Exchange (S6): an account with ``Q_EXCHANGE_PARTNER >= 0`` may draw on that partner account
at ``Q_EXCHANGE_CENTS_PER_HOUR`` when its own balance falls short: a money account converts
the partner's minutes into cents for a course fee (also for persons who cannot use time
because they have no employer), a time account converts the partner's cents into leave
minutes. At a phase switch, an instrument with ``Q_CONVERT_FROM >= 0`` takes over the
balance of that instrument (if no longer in force) at ``Q_CONVERT_FACTOR``; an instrument
no longer in force with ``Q_FORFEIT_INACTIVE`` loses its balance (``forfeited``).
"""

from __future__ import annotations

KIND_MONEY = 1
KIND_TIME = 2
KIND_VOUCHER = 3
KIND_GUIDANCE = 4
KIND_SUBSIDY = 5
KIND_OBLIGATION = 6
KIND_LEAVE = 7
KIND_EXCHANGE = 8

KIND_NAMES = {
    KIND_MONEY: "money_account",
    KIND_TIME: "time_account",
    KIND_VOUCHER: "voucher",
    KIND_GUIDANCE: "guidance_voucher",
    KIND_SUBSIDY: "employer_subsidy",
    KIND_OBLIGATION: "employer_obligation",
    KIND_LEAVE: "leave_allowance",
    KIND_EXCHANGE: "exchange",
}
#: kinds that hold a balance (and so a ledger)
BALANCE_KINDS = (KIND_MONEY, KIND_TIME)

#: Parameter layout of the vector q[s, y, i, :] (float64; integers stored exactly).
Q_FIELDS: tuple[str, ...] = (
    "accrual",  # cents (money) or minutes (time) per year while eligible
    "cap",  # cents or minutes; < 0 means no cap
    "expiry_years",  # 0: never; 1: expires at the end of the year of accrual (no carry-over)
    "own_share",  # share of the course cost paid by the person (co-financing), 0-1
    "own_share_basic",  # own share for basic-skills courses (Dutch, numeracy, ICT), 0-1
    "max_per_use",  # cents: money per course, voucher face value per year, subsidy per use;
    #                 < 0: no maximum
    "reimb_cents_per_hour",  # time: public reimbursement to the employer, cents per hour
    "wage_ceiling_month",  # time: wage ceiling, cents per month; < 0: none
    "price",  # guidance: price of one cheque, cents
    "own_contrib",  # guidance: own contribution per cheque, cents
    "n_per_period",  # guidance: cheques per period
    "period_years",  # guidance: length of the period, years
    "by_size_0",  # subsidy rate (share) or obligation days per FTE, by EmployerSize code 0..5
    "by_size_1",
    "by_size_2",
    "by_size_3",
    "by_size_4",
    "by_size_5",
    "hours_per_day",  # obligation: hours of one training day
    "exchange_cents_per_hour",  # accounts: cents per hour when converting with the partner
    "exchange_partner",  # accounts: index of the account this one may draw on, -1 none
    "exchange_max_minutes",  # accounts: minutes convertible per year; < 0: no limit
    "convert_from",  # index of the instrument converted into this one at a phase switch
    "convert_factor",  # units of this instrument per unit of convert_from (cents, minutes)
    "awareness",  # share aware of the instrument (after any S1 uplift), 0-1
    "friction",  # share deterred by administrative friction (after any S2 cut), 0-1
    "t_intercept",  # take-up log-odds, intercept
    "t_men",  # take-up log-odds, men
    "t_women",  # take-up log-odds, women
    "t_high",  # take-up log-odds, high educated
    "t_size50",  # take-up log-odds, employer of 50+
    "types_mask",  # bit set of accepted training types (llrsim.behaviour.episode)
    "pro_rata_fte",  # 1: accrual is multiplied by the working-time fraction
    "new_right",  # 1: a new LLR right that changes participation (response); 0: today's
    "key",  # stable key of the instrument for its take-up draws (crc32 of its id)
    "forfeit_inactive",  # 1: balance forfeited while the instrument is not in force
    "second_share",  # guidance: probability of using the next cheque in the same year
    "allowance_month",  # leave: allowance, cents per month
    "max_months",  # leave: months per career
    "min_minutes",  # leave: minimum course length, minutes per year
    "transferable",  # accounts: 1 kept across employers and statuses; 0 ends with the job
)
(
    Q_ACCRUAL,
    Q_CAP,
    Q_EXPIRY_YEARS,
    Q_OWN_SHARE,
    Q_OWN_SHARE_BASIC,
    Q_MAX_PER_USE,
    Q_REIMB_CENTS_PER_HOUR,
    Q_WAGE_CEILING_MONTH,
    Q_PRICE,
    Q_OWN_CONTRIB,
    Q_N_PER_PERIOD,
    Q_PERIOD_YEARS,
    Q_BY_SIZE_0,
    _Q_BY_SIZE_1,
    _Q_BY_SIZE_2,
    _Q_BY_SIZE_3,
    _Q_BY_SIZE_4,
    _Q_BY_SIZE_5,
    Q_HOURS_PER_DAY,
    Q_EXCHANGE_CENTS_PER_HOUR,
    Q_EXCHANGE_PARTNER,
    Q_EXCHANGE_MAX_MINUTES,
    Q_CONVERT_FROM,
    Q_CONVERT_FACTOR,
    Q_AWARENESS,
    Q_FRICTION,
    Q_T_INTERCEPT,
    Q_T_MEN,
    Q_T_WOMEN,
    Q_T_HIGH,
    Q_T_SIZE50,
    Q_TYPES_MASK,
    Q_PRO_RATA_FTE,
    Q_NEW_RIGHT,
    Q_KEY,
    Q_FORFEIT_INACTIVE,
    Q_SECOND_SHARE,
    Q_ALLOWANCE_MONTH,
    Q_MAX_MONTHS,
    Q_MIN_MINUTES,
    Q_TRANSFERABLE,
) = range(len(Q_FIELDS))
N_Q = len(Q_FIELDS)

#: Maximum expiry period in years the vintage ring supports (expiry_years < MAX_VINTAGES).
MAX_VINTAGES = 16

#: Person tallies on (scenario, year, group): index -> variable name
P_VARS = (
    "persons",
    "participants",
    "participants_baseline",
    "additional_participants",
    "training_minutes",
)
V_PERSONS, V_PARTICIPANTS, V_BASELINE, V_ADDITIONAL, V_MINUTES = range(len(P_VARS))

#: Instrument tallies on (scenario, year, group, instrument)
I_VARS = (
    "eligible",
    "users",
    "deadweight_users",
    "transactions",
    "opening",
    "accrued",
    "exchanged_in",
    "spent",
    "expired",
    "exchanged_out",
    "forfeited",
    "closing",
    "public_cents",
    "employer_cents",
    "own_cents",
    "first_users",
)
(
    W_ELIGIBLE,
    W_USERS,
    W_DEADWEIGHT,
    W_TRANSACTIONS,
    W_OPENING,
    W_ACCRUED,
    W_EXCHANGED_IN,
    W_SPENT,
    W_EXPIRED,
    W_EXCHANGED_OUT,
    W_FORFEITED,
    W_CLOSING,
    W_PUBLIC,
    W_EMPLOYER,
    W_OWN,
    W_FIRST_USERS,
) = range(len(I_VARS))

#: Paid working hours per month of a full-time employee, used to turn a monthly wage into an
#: hourly wage when valuing training leave: 38 h/week × 52 / 12 (Belgian standard week).
HOURS_PER_MONTH_FULL_TIME = 38.0 * 52.0 / 12.0
