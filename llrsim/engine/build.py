"""From compiled scenarios to the kernel plan: units, mechanisms and take-up behaviour.

:func:`llrsim.scenarios.compiled.compile_scenarios` turns scenario files into per-(scenario,
year, instrument) rules in EUR and hours. :func:`build_plan` converts them to the kernel's
exact units (cents, minutes) and parameter layout (:mod:`llrsim.engine.mechanisms`) and
attaches the behaviour that decides take-up:

- the take-up log-odds of instrument ``x`` come from ``takeup.<x>.intercept`` (and the
  optional ``men``, ``women``, ``high_educated``, ``size_50plus`` terms) of
  ``data/parameters/behaviour.toml``; an instrument without its own entry takes
  ``takeup.new_right.intercept`` when it is a new right (not in S0) and
  ``takeup.default.intercept`` otherwise — both labelled assumptions with ranges;
- a new right (an instrument absent from S0) raises participation through
  :mod:`llrsim.behaviour.response`; today's instruments are already in the baseline.

Rule translations (documented approximations):

- an account without ``carry_over_unused`` expires at the end of each year (VOV hours per
  school year); with it, vintages expire after ``expiry_years`` (never when unset);
- a voucher covers the course up to its yearly face value; the higher-education ceiling of
  opleidingscheques is not used (courses are not classified by level);
- the KMO-portefeuille ceiling is per firm and year; the kernel applies it per use;
- an account that is not ``transferable`` ends with the job: its balance is forfeited when
  the person changes employer or leaves employment (a transferable right stays with the
  person across employers and statuses);
- an exchange instrument (S6) lets the money account draw on the time account
  (``time_to_money``) and the time account on the money account (``money_to_time``).
"""

from __future__ import annotations

import zlib

import numpy as np

from llrsim.engine import mechanisms as m
from llrsim.engine.plan import KernelPlan, empty_q
from llrsim.errors import ScenarioError
from llrsim.parameters import ParameterSet
from llrsim.scenarios import compiled as c

_KIND = {
    "money_account": m.KIND_MONEY,
    "time_account": m.KIND_TIME,
    "voucher": m.KIND_VOUCHER,
    "guidance_voucher": m.KIND_GUIDANCE,
    "employer_subsidy": m.KIND_SUBSIDY,
    "employer_obligation": m.KIND_OBLIGATION,
    "exchange": m.KIND_EXCHANGE,
    "leave_allowance": m.KIND_LEAVE,
}
#: kernel units per EUR or per hour
_SCALE = {"cent": 100.0, "minute": 60.0}
_TAKEUP_TERMS = {
    "men": m.Q_T_MEN,
    "women": m.Q_T_WOMEN,
    "high_educated": m.Q_T_HIGH,
    "size_50plus": m.Q_T_SIZE50,
}


def instrument_key(instrument_id: str) -> int:
    """Stable 31-bit key of an instrument id for its take-up draws (CRC-32)."""
    return zlib.crc32(instrument_id.encode()) & 0x7FFFFFFF


def _limit(x: float, scale: float) -> float:
    """A limit in kernel units; 'no limit' (inf) becomes -1."""
    return -1.0 if not np.isfinite(x) else round(x * scale)


def _takeup_terms(iid: str, new: bool, behaviour: ParameterSet) -> dict[int, float]:
    own = f"takeup.{iid}."
    if own + "intercept" in behaviour:
        terms = {m.Q_T_INTERCEPT: behaviour.value(own + "intercept")}
        for name, k in _TAKEUP_TERMS.items():
            if own + name in behaviour:
                terms[k] = behaviour.value(own + name)
        return terms
    fallback = "takeup.new_right.intercept" if new else "takeup.default.intercept"
    return {m.Q_T_INTERCEPT: behaviour.value(fallback)}


def _fill_row(qv: np.ndarray, kind: str, unit: str, k: np.ndarray) -> None:
    """Translate one compiled parameter row ``k`` (EUR, hours) into the kernel row ``qv``."""
    carry = k[c.K_CARRY_OVER_UNUSED] > 0.0
    qv[m.Q_EXPIRY_YEARS] = k[c.K_EXPIRY_YEARS] if carry else 1.0
    if kind in ("money_account", "time_account"):
        qv[m.Q_TRANSFERABLE] = k[c.K_TRANSFERABLE]
    if kind == "money_account":
        qv[m.Q_ACCRUAL] = round(k[c.K_ACCRUAL_EUR] * 100.0)
        qv[m.Q_CAP] = _limit(k[c.K_CAP_EUR], 100.0)
        qv[m.Q_MAX_PER_USE] = _limit(k[c.K_MAX_PER_TRAINING_EUR], 100.0)
    elif kind == "time_account":
        qv[m.Q_ACCRUAL] = round(k[c.K_ACCRUAL_HOURS] * 60.0)
        qv[m.Q_CAP] = _limit(k[c.K_CAP_HOURS], 60.0)
        qv[m.Q_REIMB_CENTS_PER_HOUR] = round(k[c.K_REIMBURSEMENT_EUR_PER_HOUR] * 100.0)
        qv[m.Q_WAGE_CEILING_MONTH] = _limit(k[c.K_WAGE_CEILING_EUR_PER_MONTH], 100.0)
    elif kind == "voucher":
        qv[m.Q_MAX_PER_USE] = round(k[c.K_CEILING_EUR_PER_YEAR] * 100.0)
    elif kind == "guidance_voucher":
        qv[m.Q_N_PER_PERIOD] = k[c.K_VOUCHERS_PER_PERIOD]
        qv[m.Q_PERIOD_YEARS] = k[c.K_PERIOD_YEARS]
        qv[m.Q_PRICE] = round(k[c.K_PRICE_EUR] * 100.0)
        qv[m.Q_OWN_CONTRIB] = round(k[c.K_OWN_CONTRIBUTION_EUR] * 100.0)
    elif kind in ("employer_subsidy", "employer_obligation"):
        qv[m.Q_BY_SIZE_0 : m.Q_BY_SIZE_0 + 6] = k[c.K_BY_SIZE_0 : c.K_BY_SIZE_0 + 6]
        if kind == "employer_subsidy":
            qv[m.Q_MAX_PER_USE] = _limit(k[c.K_CEILING_EUR_PER_FIRM_PER_YEAR], 100.0)
        else:
            qv[m.Q_HOURS_PER_DAY] = k[c.K_HOURS_PER_DAY]
    elif kind == "leave_allowance":
        qv[m.Q_ALLOWANCE_MONTH] = round(k[c.K_ALLOWANCE_EUR_PER_MONTH] * 100.0)
        qv[m.Q_MAX_MONTHS] = k[c.K_MAX_MONTHS]
        qv[m.Q_MIN_MINUTES] = round(k[c.K_MIN_TRAINING_HOURS] * 60.0)
    if kind in ("money_account", "voucher"):
        qv[m.Q_OWN_SHARE] = k[c.K_OWN_SHARE]
        qv[m.Q_OWN_SHARE_BASIC] = k[c.K_OWN_SHARE_BASIC_SKILLS]
    qv[m.Q_AWARENESS] = k[c.K_AWARENESS]
    qv[m.Q_FRICTION] = k[c.K_FRICTION]


def build_plan(
    compiled: c.CompiledScenarios, behaviour: ParameterSet, baseline_ids: set[str]
) -> KernelPlan:
    """The :class:`KernelPlan` of compiled scenarios, with take-up behaviour attached.

    ``baseline_ids`` are the instrument ids of today's incentives (S0); any other instrument
    is a new right.
    """
    ids = list(compiled.instrument_ids)
    kinds = [str(k) for k in compiled.instruments["kind"]]
    units = [str(u) for u in compiled.unit]
    n_s, n_y, n_i = compiled.active.shape
    q = empty_q(n_s, n_y, n_i)
    second = behaviour.value("takeup.second_guidance_cheque")
    for i, (iid, kind, unit) in enumerate(zip(ids, kinds, units, strict=True)):
        new = iid not in baseline_ids
        terms = _takeup_terms(iid, new, behaviour)
        for s in range(n_s):
            for y in range(n_y):
                qv = q[s, y, i]
                qv[m.Q_KEY] = instrument_key(iid)
                qv[m.Q_NEW_RIGHT] = 1.0 if new else 0.0
                qv[m.Q_SECOND_SHARE] = second
                for k, v in terms.items():
                    qv[k] = v
                if not compiled.active[s, y, i]:
                    qv[m.Q_FORFEIT_INACTIVE] = 1.0
                    # keep the unit-level rules so the ledger of a dormant balance is defined
                    continue
                qv[m.Q_TYPES_MASK] = compiled.training_types_mask[s, y, i]
                _fill_row(qv, kind, unit, compiled.params[s, y, i])
                src = int(compiled.convert_from[s, y, i])
                if src >= 0:
                    qv[m.Q_CONVERT_FROM] = src
                    qv[m.Q_CONVERT_FACTOR] = (
                        compiled.params[s, y, i, c.K_CONVERT_RATE]
                        * _SCALE[unit]
                        / _SCALE[units[src]]
                    )
    # an account's vintages live in slots chosen by its expiry rule: keep one rule per
    # scenario and instrument (also in years it is not in force, so a dormant balance keeps
    # its ledger)
    for i, kind in enumerate(kinds):
        if kind not in ("money_account", "time_account"):
            continue
        for s in range(n_s):
            act = compiled.active[s, :, i]
            if not act.any():
                continue
            rules = np.unique(q[s, act, i, m.Q_EXPIRY_YEARS])
            if rules.size > 1:
                raise ScenarioError(
                    f"instrument {ids[i]} in scenario {compiled.scenarios[s]}: the expiry rule "
                    f"changes over the years ({sorted(rules.tolist())}); one rule per instrument "
                    f"is supported — give the new rule a new instrument id"
                )
            q[s, :, i, m.Q_EXPIRY_YEARS] = rules[0]
    # exchange (S6): wire the two accounts to each other
    for s in range(n_s):
        for y in range(n_y):
            for i in range(n_i):
                if kinds[i] != "exchange" or not compiled.active[s, y, i]:
                    continue
                k = compiled.params[s, y, i]
                t_acc, m_acc = (
                    int(compiled.exchange_from[s, y, i]),
                    int(compiled.exchange_to[s, y, i]),
                )
                rate = round(k[c.K_EXCHANGE_EUR_PER_HOUR] * 100.0)
                max_min = _limit(k[c.K_EXCHANGE_MAX_HOURS_PER_YEAR], 60.0)
                pairs = []
                if k[c.K_TIME_TO_MONEY] > 0.0:
                    pairs.append((m_acc, t_acc))
                if k[c.K_MONEY_TO_TIME] > 0.0:
                    pairs.append((t_acc, m_acc))
                for acc, partner in pairs:
                    q[s, y, acc, m.Q_EXCHANGE_PARTNER] = partner
                    q[s, y, acc, m.Q_EXCHANGE_CENTS_PER_HOUR] = rate
                    q[s, y, acc, m.Q_EXCHANGE_MAX_MINUTES] = max_min
    return KernelPlan(
        scenarios=list(compiled.scenarios),
        years=[int(y) for y in compiled.years],
        instruments=ids,
        kind=np.array([_KIND[k] for k in kinds], dtype=np.int64),
        active=np.ascontiguousarray(compiled.active, dtype=np.bool_),
        elig=np.ascontiguousarray(compiled.eligibility, dtype=np.int64),
        q=q,
        units=units,
        metadata=compiled.instrument_table(),
        it_costs=compiled.it_costs(),
    )
