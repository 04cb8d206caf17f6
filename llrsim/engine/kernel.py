"""The policy kernel: one Numba pass over persons × years × scenarios.

For each person (chunks of persons run in parallel) and each simulated year:

1. demography once (:func:`llrsim.population.dynamics.demography_step`): ageing, death,
   retirement, labour-status transition, job change — shared by all scenarios;
2. the person's target groups (their bit mask), the distinct eligibility rules, baseline
   participation probability ``p0`` and, when it can matter, the training episode (kind,
   minutes, course fee), all from keyed draws, so the same in every scenario; persons and
   eligible persons are tallied here, once;
3. per scenario: accrual (with cap), participation ``u < p1`` with ``p1 ≥ p0`` from the
   value of new rights, take-up and spending of each instrument in order, career-guidance
   vouchers, FIFO expiry at year end, and the exact integer tallies.

Every tally is an integer (cents, minutes, persons) multiplied by the integer weight, added
once into the chunk's slot for the person-year's group mask; :func:`expand_tallies` adds the
slots to the groups afterwards. Integer sums do not depend on order, so every result is the
same whatever the number of threads or the chunking. How the loops are laid out for speed
(flat parameter rows, per-step instrument lists, mask order) is in ``docs/architecture.md``,
"How the kernel fills them"; the measured effect of each choice in
``benchmarks/PROFILE.md``. Nothing in here knows a policy: the plan's
arrays (:mod:`llrsim.engine.plan`) say which mechanism each instrument uses and with which
parameters (:mod:`llrsim.engine.mechanisms`).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from llrsim.behaviour.episode import (
    T_BASIC_SKILLS,
    episode_cost_cents,
    episode_kind,
    episode_minutes,
)
from llrsim.behaviour.participation import logistic, logit, participation_probability
from llrsim.behaviour.response import may_train, response_from_logit
from llrsim.engine import indexing
from llrsim.engine.mechanisms import (
    HOURS_PER_MONTH_FULL_TIME,
    I_VARS,
    KIND_LEAVE,
    KIND_MONEY,
    KIND_OBLIGATION,
    KIND_SUBSIDY,
    KIND_TIME,
    KIND_VOUCHER,
    MAX_VINTAGES,
    N_Q,
    P_VARS,
    Q_ACCRUAL,
    Q_ALLOWANCE_MONTH,
    Q_AWARENESS,
    Q_BY_SIZE_0,
    Q_CAP,
    Q_CONVERT_FACTOR,
    Q_CONVERT_FROM,
    Q_EXCHANGE_CENTS_PER_HOUR,
    Q_EXCHANGE_MAX_MINUTES,
    Q_EXCHANGE_PARTNER,
    Q_EXPIRY_YEARS,
    Q_FORFEIT_INACTIVE,
    Q_FRICTION,
    Q_HOURS_PER_DAY,
    Q_KEY,
    Q_MAX_MONTHS,
    Q_MAX_PER_USE,
    Q_MIN_MINUTES,
    Q_N_PER_PERIOD,
    Q_NEW_RIGHT,
    Q_OWN_CONTRIB,
    Q_OWN_SHARE,
    Q_OWN_SHARE_BASIC,
    Q_PERIOD_YEARS,
    Q_PRICE,
    Q_PRO_RATA_FTE,
    Q_REIMB_CENTS_PER_HOUR,
    Q_SECOND_SHARE,
    Q_T_HIGH,
    Q_T_INTERCEPT,
    Q_T_MEN,
    Q_T_SIZE50,
    Q_T_WOMEN,
    Q_TRANSFERABLE,
    Q_TYPES_MASK,
    Q_WAGE_CEILING_MONTH,
    V_ADDITIONAL,
    V_BASELINE,
    V_MINUTES,
    V_PARTICIPANTS,
    V_PERSONS,
    W_ACCRUED,
    W_CLOSING,
    W_DEADWEIGHT,
    W_ELIGIBLE,
    W_EMPLOYER,
    W_EXCHANGED_IN,
    W_EXCHANGED_OUT,
    W_EXPIRED,
    W_FIRST_USERS,
    W_FORFEITED,
    W_OPENING,
    W_OWN,
    W_PUBLIC,
    W_SPENT,
    W_TRANSACTIONS,
    W_USERS,
)
from llrsim.engine.plan import (
    N_SPEND_CLASSES,
    N_STEPS,
    SPEND_EMPLOYEE,
    STEP_CONVERT,
    STEP_GUIDE,
)
from llrsim.engine.rng import person_key, person_year_key, uniform_from_key
from llrsim.engine.streams import PARTICIPATION, TAKEUP_BASE, TRAINING_HOURS, TRAINING_TYPE
from llrsim.population.codes import Education, EmployerSize, Sex, Status
from llrsim.population.dynamics import (
    CHANGE_EDU_SHIFT,
    CHANGE_EDUCATION,
    CHANGE_JOB,
    demography_step,
    in_model,
)
from llrsim.predicates import P_AGE_MAX, P_AGE_MIN, P_LEN, P_MIN_EXP, P_MIN_UNEMP, matches_row

# every array index in this module is a non-negative offset, counter or code: its functions
# are compiled without numba's negative-index wraparound (see llrsim/engine/indexing.py)
indexing.install()

N_PV = len(P_VARS)
N_IV = len(I_VARS)
#: row widths of the flat per-(scenario, year, instrument) tables the chunk loop reads:
#: ``qh`` and ``ptab`` one cache line of 8 floats, ``qi`` two lines of 16 integers. The
#: tables, the tallies and the ledgers are passed flat (row ``r``, field ``f`` at
#: ``r * width + f``) so that the row width is a compile-time constant: numba computes the
#: address of a 2-d element with the row stride it loads from the array at run time
N_QH = 8
N_QI_ROW = 16
N_PTAB = 8
_EMP_PRIV, _EMP_PUB = int(Status.EMPLOYEE_PRIVATE), int(Status.EMPLOYEE_PUBLIC)
_SELF = int(Status.SELF_EMPLOYED)
_MEN, _WOMEN = int(Sex.MEN), int(Sex.WOMEN)
_HIGH = int(Education.HIGH)
_SIZE_MICRO, _SIZE_10_19 = int(EmployerSize.MICRO), int(EmployerSize.SMALL_10_19)
_SIZE_MEDIUM = int(EmployerSize.MEDIUM)
_BIG = np.int64(1) << np.int64(62)

__all__ = [
    "N_IV",
    "N_PV",
    "N_Q",
    "expand_tallies",
    "group_masks",
    "guidance_gate",
    "hot_fields",
    "integer_fields",
    "mask_order",
    "new_right_awareness_max",
    "policy_kernel",
    "predicate_classes",
    "takeup_table",
]


@nb.njit(cache=True)
def _slot(t: int, expiry: int) -> int:
    """Vintage slot of accrual year index ``t``.

    One slot when nothing expires (``expiry`` 0) and when everything expires at the end of
    the year of accrual (``expiry`` 1, use it or lose it, as vov): then the only vintage
    ever held is the current year's (the plan keeps one expiry rule per scenario and
    instrument, :class:`~llrsim.engine.plan.KernelPlan`).
    """
    if expiry <= 1:
        return 0
    return t % MAX_VINTAGES


@nb.njit(cache=True)
def _spend_fifo(bal, r, y, expiry, amount) -> np.int64:
    """Take ``amount`` from ledger row ``r``, oldest vintage first; returns what was taken."""
    if amount <= 0:
        return np.int64(0)
    if expiry <= 1:  # one vintage (_slot)
        take = min(amount, bal[r * MAX_VINTAGES])
        bal[r * MAX_VINTAGES] -= take
        return take
    taken = np.int64(0)
    first = y - expiry + 1
    if first < 0:
        first = 0
    for t in range(first, y + 1):
        k = t % MAX_VINTAGES
        take = min(amount - taken, bal[r * MAX_VINTAGES + k])
        bal[r * MAX_VINTAGES + k] -= take
        taken += take
        if taken == amount:
            break
    return taken


@nb.njit(cache=True)
def _takeup_probability(q, s, y, j, sex, education, employer_size) -> float:
    """P(take-up) of instrument ``j`` for an eligible person with a fitting episode."""
    x = q[s, y, j, Q_T_INTERCEPT]
    if sex == _MEN:
        x += q[s, y, j, Q_T_MEN]
    elif sex == _WOMEN:
        x += q[s, y, j, Q_T_WOMEN]
    if education == _HIGH:
        x += q[s, y, j, Q_T_HIGH]
    if employer_size >= _SIZE_MEDIUM:
        x += q[s, y, j, Q_T_SIZE50]
    return q[s, y, j, Q_AWARENESS] * (1.0 - q[s, y, j, Q_FRICTION]) * logistic(x)


@nb.njit(cache=True)
def _hourly_wage_cents(wage, fte, ceiling_month_cents) -> float:
    """Full-time-equivalent hourly gross wage in cents, capped at a monthly ceiling."""
    if wage <= 0.0 or fte <= 0.0:
        return 0.0
    month = wage * 100.0 / 12.0 / fte
    if ceiling_month_cents >= 0.0 and month > ceiling_month_cents:
        month = ceiling_month_cents
    return month / HOURS_PER_MONTH_FULL_TIME


@nb.njit(cache=True)
def _group_mask(group_preds, age, sex, edu, status, size, sector, flags, exp, unemp) -> np.int64:
    mask = np.int64(0)
    for g in range(group_preds.shape[0]):
        if matches_row(group_preds, g, age, sex, edu, status, size, sector, flags, exp, unemp, 0):
            mask |= np.int64(1) << np.int64(g)
    return mask


@nb.njit(cache=True)
def _slot_of(mask, hkeys, hvals, slot_mask, n_used) -> np.int64:
    """Index of the group ``mask`` in the chunk's table of distinct masks (added when new).

    Tallies are kept per distinct group mask (a person-year's set of target groups) and
    expanded to the groups once after the kernel, so a person-year costs one add per tally
    whatever the number of groups it belongs to. ``hkeys``/``hvals`` form an open-addressing
    hash table twice the capacity of ``slot_mask``; returns -1 when the table is full.
    """
    size = hkeys.shape[0]
    h = (mask ^ (mask >> 5) ^ (mask >> 11) ^ (mask >> 23)) & (size - 1)
    while True:
        key = hkeys[h]
        if key == mask:
            return hvals[h]
        if key == -1:
            k = n_used[0]
            if k >= slot_mask.shape[0]:
                return np.int64(-1)
            hkeys[h] = mask
            hvals[h] = k
            slot_mask[k] = mask
            n_used[0] = k + 1
            return k
        h = (h + 1) & (size - 1)


@nb.njit(cache=True)
def _spend(bal, btot, r, y, expiry, amount) -> np.int64:
    """:func:`_spend_fifo` on ledger row ``r`` that also keeps its running total ``btot``."""
    taken = _spend_fifo(bal, r, y, expiry, amount)
    btot[r] -= taken
    return taken


@nb.njit(cache=True)
def _deposit(bal, btot, r, y, expiry, amount) -> None:
    """Put ``amount`` in the vintage of year index ``y`` of row ``r`` (and its total)."""
    bal[r * MAX_VINTAGES + _slot(y, expiry)] += amount
    btot[r] += amount


@nb.njit(cache=True)
def _empty(bal, btot, r) -> None:
    for v in range(MAX_VINTAGES):
        bal[r * MAX_VINTAGES + v] = 0
    btot[r] = 0


@nb.njit(cache=True, _nrt=False, error_model="numpy")
def _run_chunk(
    c0, stride, order, init_mask, seed, year0, n_years, pid, weight, entry_year, state_i8, wage,
    fte, unemp, demo_tables, group_preds, kind, active, elig_id, unique_elig, step_idx, step_n,
    spend_idx, spend_n, ledger_idx, ledger_n, q, qi, qh, ptab, coef, odds_growth, age_class,
    exp_class, unemp_bounds, gate_idx, gate_key, gate_p, counted, acc_p, acc_i, pers, elig_t,
    hkeys, hvals, slot_mask, n_used, bal, btot, guid_start, guid_count, ever, eu,
):  # fmt: skip
    """Simulate records ``order[c0], order[c0 + stride], ...`` into the chunk's tallies.

    Tallies go to the chunk's slot of the person-year's group mask (:func:`_slot_of`):
    ``acc_p[kp * N_PV + v]``, ``acc_i[(ka + j) * N_IV + v]``, and — the same in every
    scenario — persons ``pers[k * Y + y]`` and eligible persons per distinct rule
    ``elig_t[(k * Y + y) * U + u]``
    (:func:`expand_tallies` turns them into per-group tallies). Records are interleaved over
    chunks so that the entrants at the end of the arrays spread evenly over the threads;
    ``order`` sorts them by group mask, so that consecutive records write to the same tally
    slots (cache lines) — the order changes no result, only the speed.

    Compiled without numba's reference counting (``_nrt=False``): the caller allocates every
    array, nothing here makes a view, so the threads never touch shared reference counts.
    ``error_model="numpy"`` drops the zero checks of Python's division semantics: every
    division here is by a constant or guarded by a test that its divisor is positive.
    On a full mask table, ``n_used[1]`` is set to 1 and the chunk stops (the caller retries
    with a larger table).

    The group mask and the distinct eligibility rules are evaluated again only in a year in
    which one of their inputs may have changed them (:func:`predicate_classes`): education,
    status, employer size, sector, or the class of age, experience or unemployment duration
    between the predicates' thresholds. Sex and flags do not change.
    """
    n_s = ledger_n.shape[0]
    n_u = unique_elig.shape[0]
    n_i = kind.shape[0]
    n_syi = n_s * n_years * n_i
    n = pid.shape[0]
    for t_i in range(c0, n, stride):
        i = order[t_i]
        w = np.int64(weight[i])
        pkey = person_key(seed, pid[i])
        # local copy of the person's state: age, sex, edu, status, sector, size, exp, flags
        age = np.int64(state_i8[i, 0])
        sex = np.int64(state_i8[i, 1])
        edu = np.int64(state_i8[i, 2])
        status = np.int64(state_i8[i, 3])
        sector = np.int64(state_i8[i, 4])
        size = np.int64(state_i8[i, 5])
        exp = np.int64(state_i8[i, 6])
        flags = np.int64(state_i8[i, 7])
        wg = np.float64(wage[i])
        ft = np.float64(fte[i])
        um = np.int64(unemp[i])
        # the previous record's state, reset where it can be non-zero: a ledger row whose
        # total is 0 has every vintage at 0 (none is negative); the counts of guidance and
        # leave instruments (``counted``, flat (s, i) rows). ``guid_start`` is read only
        # where the count is positive, and ``ever`` holds the stamp of the record that
        # last used the instrument, so neither needs a reset
        for s in range(n_s):
            for jb in range(ledger_n[s]):
                r = s * n_i + ledger_idx[s * n_i + jb]
                if btot[r] != 0:
                    _empty(bal, btot, r)
        for jc in range(counted.shape[0]):
            guid_count[counted[jc]] = 0
        stamp = t_i + 1  # unique per record of the chunk, and never 0 (the initial ``ever``)
        gmask = init_mask[i]  # group_masks of the record's initial state (computed once)
        k = _slot_of(gmask, hkeys, hvals, slot_mask, n_used)
        if k < 0:
            n_used[1] = 1
            return
        # inputs of the predicates when they were last evaluated (-1: not yet)
        c_edu = np.int64(-1)
        c_status = c_size = c_sector = c_age = c_exp = c_um = np.int64(-1)
        for y in range(n_years):
            year = year0 + y
            if entry_year[i] > year:
                continue
            pykey = person_year_key(pkey, year)
            prev_status = status
            event, age, status, sector, size, exp, wg, ft, um, changes = demography_step(
                pykey, year, entry_year[i], age, sex, edu, status, sector, size, exp, wg, ft, um,
                demo_tables,
            )  # fmt: skip
            if changes & CHANGE_EDUCATION:  # a student left study with a higher diploma
                edu = (changes >> CHANGE_EDU_SHIFT) & 3
            # a right that is not transferable ends with the job (employer change or leaving
            # employment); counted as forfeited
            moved = (changes & CHANGE_JOB) != 0 or (prev_status <= _SELF and status > _SELF)
            if not in_model(event):
                # rights end at exit: tallied under the groups of the last year in the model
                for s in range(n_s):
                    bs = s * n_i
                    ka = k * n_syi + (s * n_years + y) * n_i
                    for jb in range(ledger_n[s]):
                        j = ledger_idx[bs + jb]
                        b = btot[bs + j]
                        if b > 0:
                            acc_i[(ka + j) * N_IV + W_OPENING] += b * w
                            acc_i[(ka + j) * N_IV + W_FORFEITED] += b * w
                break
            a_c = age_class[min(max(age, 0), 127)]
            x_c = exp_class[min(max(exp, 0), 127)]
            u_c = np.searchsorted(unemp_bounds, um, side="right")  # thresholds <= um
            if not (
                edu == c_edu
                and status == c_status
                and size == c_size
                and sector == c_sector
                and a_c == c_age
                and x_c == c_exp
                and u_c == c_um
            ):
                c_edu, c_status, c_size, c_sector = edu, status, size, sector
                c_age, c_exp, c_um = a_c, x_c, u_c
                new_mask = _group_mask(
                    group_preds, age, sex, edu, status, size, sector, flags, exp, um
                )
                if new_mask != gmask:
                    gmask = new_mask
                    k = _slot_of(gmask, hkeys, hvals, slot_mask, n_used)
                    if k < 0:
                        n_used[1] = 1
                        return
                for u_i in range(n_u):
                    eu[u_i] = matches_row(
                        unique_elig, u_i, age, sex, edu, status, size, sector, flags, exp, um,
                        gmask,
                    )  # fmt: skip
            pers[k * n_years + y] += w
            for u_i in range(n_u):
                if eu[u_i]:
                    elig_t[(k * n_years + y) * n_u + u_i] += w
            employee = status == _EMP_PRIV or status == _EMP_PUB
            tix = sex * 4 + (2 if edu == _HIGH else 0) + (1 if size >= _SIZE_MEDIUM else 0)
            # the career-guidance gate (guidance_gate): one take-up draw per guidance voucher
            # for the person-year; when it reaches no scenario's take-up probability, no
            # scenario starts a period this year, and step 4 is skipped in all of them
            guide_go = False
            for jg in range(gate_idx.shape[0]):
                ug = uniform_from_key(pykey, TAKEUP_BASE, gate_key[jg])
                if ug < gate_p[(y * gate_idx.shape[0] + jg) * N_PTAB + tix]:
                    guide_go = True
                    break
            p0 = participation_probability(coef, age, sex, edu, status, size, sector)
            u = uniform_from_key(pykey, PARTICIPATION, 0)
            base = u < p0
            # a draw at or above the largest p1 any right can give trains in no scenario:
            # its episode is never used, and p1 is needed only for p0 <= u below that bound
            maybe = may_train(u, p0, odds_growth)
            ekind = np.int64(0)
            minutes = np.int64(0)
            cost = np.int64(0)
            if maybe:
                ekind = episode_kind(
                    coef,
                    edu,
                    uniform_from_key(pykey, TRAINING_TYPE, 0),
                    uniform_from_key(pykey, TRAINING_TYPE, 1),
                    uniform_from_key(pykey, TRAINING_TYPE, 2),
                )
                minutes = episode_minutes(
                    coef,
                    ekind,
                    uniform_from_key(pykey, TRAINING_HOURS, 0),
                    uniform_from_key(pykey, TRAINING_HOURS, 1),
                )
                cost = episode_cost_cents(coef, minutes)
            # p1 is needed only for p0 <= u below the bound (response_from_logit returns p0 when
            # there is no boost, and 0 for p0 = 0 where logit(p0) = -inf)
            need_p1 = not base and maybe
            sc = SPEND_EMPLOYEE * np.int64(employee) + ekind  # plan.spend_class
            lp0 = np.nan
            for s in range(n_s):
                # flat row offsets: parameters and ledgers of (s, y) / s, tallies of (k, s, y)
                syr = s * n_years + y  # the row of (s, y) in the per-(s, y) lists
                sy = syr * n_i
                bs = s * n_i
                ka = k * n_syi + sy
                kp = (k * n_s + s) * n_years + y
                money_new = np.int64(0)
                time_new = np.int64(0)
                aware_new = 0.0
                n_conv = step_n[syr * N_STEPS + STEP_CONVERT]
                # 1a. opening balances (before a phase switch moves them)
                if n_conv > 0:
                    for jb in range(ledger_n[s]):
                        j = ledger_idx[bs + jb]
                        b = btot[bs + j]
                        if b > 0:
                            acc_i[(ka + j) * N_IV + W_OPENING] += b * w
                # 1b. phase switch: an instrument in force takes over the balance of one that
                # is no longer in force (carry_over = "convert")
                for ja in range(n_conv):
                    j = step_idx[(syr * N_STEPS + STEP_CONVERT) * n_i + ja]
                    c = qi[(sy + j) * N_QI_ROW + QI_CONVERT_FROM]
                    b = btot[bs + c]
                    if b > 0:
                        _empty(bal, btot, bs + c)
                        conv = np.int64(b * q[(sy + j) * N_Q + Q_CONVERT_FACTOR])
                        acc_i[(ka + c) * N_IV + W_EXCHANGED_OUT] += b * w
                        acc_i[(ka + j) * N_IV + W_EXCHANGED_IN] += conv * w
                        _deposit(bal, btot, bs + j, y, qi[(sy + j) * N_QI_ROW + QI_EXPIRY], conv)
                # 1c. forfeiture of rights no longer in force, and accrual
                for jb in range(ledger_n[s]):
                    j = ledger_idx[bs + jb]
                    b = btot[bs + j]
                    if b > 0:
                        if n_conv == 0:
                            acc_i[(ka + j) * N_IV + W_OPENING] += b * w
                        if (moved and qh[(sy + j) * N_QH + H_TRANSFERABLE] == 0.0) or (
                            not active[sy + j] and qh[(sy + j) * N_QH + H_FORFEIT_INACTIVE] > 0.0
                        ):
                            _empty(bal, btot, bs + j)
                            acc_i[(ka + j) * N_IV + W_FORFEITED] += b * w
                            b = 0
                    e_id = elig_id[sy + j]  # -1 when not in force
                    if e_id < 0 or not eu[e_id]:
                        continue
                    if qh[(sy + j) * N_QH + H_PRO_RATA_FTE] > 0.0:
                        a = np.int64(round(qh[(sy + j) * N_QH + H_ACCRUAL] * ft))
                    else:  # round(accrual), once per plan
                        a = qi[(sy + j) * N_QI_ROW + QI_ACCRUAL]
                    cap = qi[(sy + j) * N_QI_ROW + QI_CAP]
                    if cap >= 0 and b + a > cap:
                        a = max(cap - b, 0)
                    if a > 0:
                        _deposit(bal, btot, bs + j, y, qi[(sy + j) * N_QI_ROW + QI_EXPIRY], a)
                        acc_i[(ka + j) * N_IV + W_ACCRUED] += a * w
                        b += a
                    if (
                        need_p1
                        and qh[(sy + j) * N_QH + H_NEW_RIGHT] > 0.0
                        and (qi[(sy + j) * N_QI_ROW + QI_TYPES] & ekind) != 0
                    ):
                        if kind[j] == KIND_MONEY:
                            money_new += b
                        elif employee:
                            time_new += b
                        if qh[(sy + j) * N_QH + H_AWARENESS] > aware_new:
                            aware_new = qh[(sy + j) * N_QH + H_AWARENESS]
                # 2. participation with common random numbers
                trained = base
                if need_p1 and (money_new > 0 or time_new > 0):
                    if lp0 != lp0:  # NaN: not computed yet this person-year
                        lp0 = logit(p0)
                    p1 = response_from_logit(
                        coef, p0, lp0, aware_new, money_new, cost, time_new, minutes
                    )
                    trained = u < p1
                if trained:
                    acc_p[kp * N_PV + V_PARTICIPANTS] += w
                    acc_p[kp * N_PV + V_MINUTES] += minutes * w
                    if base:
                        acc_p[kp * N_PV + V_BASELINE] += w
                    else:
                        acc_p[kp * N_PV + V_ADDITIONAL] += w
                    _spend_episode(
                        syr, y, bs, ka, w, pykey, tix, ekind, minutes, cost, base, sc, size,
                        wg, ft, kind, spend_idx, spend_n, elig_id, eu, q, qi, qh, ptab, bal,
                        btot, guid_count, ever, stamp, acc_i,
                    )  # fmt: skip
                # 4. career-guidance vouchers (loopbaancheques), independent of training:
                # a first cheque opens a period of Q_PERIOD_YEARS; the next cheques of the
                # period follow in the same year with probability Q_SECOND_SHARE each.
                for ja in range(step_n[syr * N_STEPS + STEP_GUIDE] if guide_go else 0):
                    j = step_idx[(syr * N_STEPS + STEP_GUIDE) * n_i + ja]
                    if not eu[elig_id[sy + j]]:
                        continue
                    if (
                        guid_count[bs + j] > 0
                        and year - guid_start[bs + j] >= qi[(sy + j) * N_QI_ROW + QI_PERIOD]
                    ):
                        guid_count[bs + j] = 0
                    if guid_count[bs + j] > 0:
                        continue
                    key = qi[(sy + j) * N_QI_ROW + QI_KEY]
                    if uniform_from_key(pykey, TAKEUP_BASE, key) >= ptab[(sy + j) * N_PTAB + tix]:
                        continue
                    guid_start[bs + j] = year
                    n_use = 1
                    n_max = qi[(sy + j) * N_QI_ROW + QI_N_PER_PERIOD]
                    while n_use < n_max and (
                        uniform_from_key(pykey, TAKEUP_BASE + n_use, key)
                        < q[(sy + j) * N_Q + Q_SECOND_SHARE]
                    ):
                        n_use += 1
                    guid_count[bs + j] = n_use
                    price = qi[(sy + j) * N_QI_ROW + QI_PRICE]
                    own_c = qi[(sy + j) * N_QI_ROW + QI_OWN_CONTRIB]
                    if ever[bs + j] != stamp:
                        ever[bs + j] = stamp
                        acc_i[(ka + j) * N_IV + W_FIRST_USERS] += w
                    acc_i[(ka + j) * N_IV + W_USERS] += w
                    acc_i[(ka + j) * N_IV + W_TRANSACTIONS] += n_use * w
                    acc_i[(ka + j) * N_IV + W_PUBLIC] += n_use * (price - own_c) * w
                    acc_i[(ka + j) * N_IV + W_OWN] += n_use * own_c * w
                    # career guidance is not a training episode: its use adds no
                    # participant, so every user counts as deadweight
                    acc_i[(ka + j) * N_IV + W_DEADWEIGHT] += w
                # 5. FIFO expiry at year end and closing balances
                for jb in range(ledger_n[s]):
                    j = ledger_idx[bs + jb]
                    if btot[bs + j] == 0:
                        continue
                    expiry = qi[(sy + j) * N_QI_ROW + QI_EXPIRY]
                    if expiry == 1:  # use it or lose it: the year's one vintage expires
                        e = btot[bs + j]
                        bal[(bs + j) * MAX_VINTAGES] = 0
                        btot[bs + j] = 0
                        acc_i[(ka + j) * N_IV + W_EXPIRED] += e * w
                        continue  # closing balance 0
                    if expiry > 0:
                        t = y - expiry + 1
                        if t >= 0:
                            slot = t % MAX_VINTAGES
                            e = bal[(bs + j) * MAX_VINTAGES + slot]
                            if e > 0:
                                bal[(bs + j) * MAX_VINTAGES + slot] = 0
                                btot[bs + j] -= e
                                acc_i[(ka + j) * N_IV + W_EXPIRED] += e * w
                    acc_i[(ka + j) * N_IV + W_CLOSING] += btot[bs + j] * w


@nb.njit(cache=True, inline="always")
def _spend_episode(
    syr, y, bs, ka, w, pykey, tix, ekind, minutes, cost, base, sc, size, wg, ft, kind,
    spend_idx, spend_n, elig_id, eu, q, qi, qh, ptab, bal, btot, guid_count, ever, stamp, acc_i,
):  # fmt: skip
    """Step 3 of a trained person-year: take-up and spending, instruments in plan order.

    Inlined into the chunk loop at numba level: as a call, its 30 arguments (arrays passed
    as several words each) cost about 10 ns per person-scenario-year. CPython passes a call
    with more than 30 arguments as one tuple, which numba's inliner refuses: keep it at 30.

    The course costs ``cost`` cents and takes ``minutes``; each instrument taken up covers
    what it can of what is still ``remaining``. The list of spend class ``sc``
    (:func:`llrsim.engine.plan.spend_class`) holds only the instruments that cover one of the
    episode's training types and, for time, leave, subsidy and obligation, only when the
    person is an employee.
    """
    remaining = cost
    sy = syr * kind.shape[0]  # the first parameter row of (s, y)
    row = syr * N_SPEND_CLASSES + sc  # the list of (s, y, sc); syr = s * Y + y
    for ja in range(spend_n[row]):
        j = spend_idx[row * kind.shape[0] + ja]
        if not eu[elig_id[sy + j]]:
            continue
        kd = kind[j]
        if kd == KIND_LEAVE and (
            minutes < q[(sy + j) * N_Q + Q_MIN_MINUTES]
            or guid_count[bs + j] >= qi[(sy + j) * N_QI_ROW + QI_MAX_MONTHS]
        ):
            continue
        if (
            uniform_from_key(pykey, TAKEUP_BASE, qi[(sy + j) * N_QI_ROW + QI_KEY])
            >= ptab[(sy + j) * N_PTAB + tix]
        ):
            continue
        used = False
        own_share = qh[(sy + j) * N_QH + H_OWN_SHARE]
        if (ekind & T_BASIC_SKILLS) != 0:
            own_share = qh[(sy + j) * N_QH + H_OWN_SHARE_BASIC]
        pub_share = 1.0 - own_share
        maxu = qi[(sy + j) * N_QI_ROW + QI_MAX_PER_USE]
        held = qi[(sy + j) * N_QI_ROW + QI_YEARLY]  # >= 0: a use-it-or-lose-it account
        if kd == KIND_MONEY:
            expiry = qi[(sy + j) * N_QI_ROW + QI_EXPIRY]
            want = min(np.int64(remaining * pub_share), maxu)
            if held >= 0:
                take = max(min(want, held), 0)
            else:
                take = _spend(bal, btot, bs + j, y, expiry, want)
            partner = qi[(sy + j) * N_QI_ROW + QI_PARTNER]
            rate = q[(sy + j) * N_Q + Q_EXCHANGE_CENTS_PER_HOUR]
            if take < want and partner >= 0 and rate > 0.0:
                pexp = qi[(sy + partner) * N_QI_ROW + QI_EXPIRY]
                short = want - take
                need_min = np.int64(np.ceil(short * 60.0 / rate))
                max_min = qi[(sy + j) * N_QI_ROW + QI_EXCHANGE_MAX_MINUTES]
                if max_min >= 0:
                    need_min = min(need_min, max_min)
                mins = _spend(bal, btot, bs + partner, y, pexp, need_min)
                if mins > 0:
                    cents = np.int64(mins * rate // 60.0)
                    acc_i[(ka + partner) * N_IV + W_EXCHANGED_OUT] += mins * w
                    acc_i[(ka + j) * N_IV + W_EXCHANGED_IN] += cents * w
                    _deposit(bal, btot, bs + j, y, expiry, cents)
                    take += _spend(bal, btot, bs + j, y, expiry, short)
            if take > 0:
                own = 0
                if pub_share > 0.0:
                    own = min(
                        np.int64(round(take * own_share / pub_share)),
                        remaining - take,
                    )
                acc_i[(ka + j) * N_IV + W_SPENT] += take * w
                acc_i[(ka + j) * N_IV + W_PUBLIC] += take * w
                acc_i[(ka + j) * N_IV + W_OWN] += own * w
                remaining -= take + own
                used = True
        elif kd == KIND_TIME:
            expiry = qi[(sy + j) * N_QI_ROW + QI_EXPIRY]
            if held >= 0:
                mins = min(minutes, held)
            else:
                mins = _spend(bal, btot, bs + j, y, expiry, minutes)
            partner = qi[(sy + j) * N_QI_ROW + QI_PARTNER]
            rate = q[(sy + j) * N_Q + Q_EXCHANGE_CENTS_PER_HOUR]
            if mins < minutes and partner >= 0 and rate > 0.0:
                short = minutes - mins
                max_min = qi[(sy + j) * N_QI_ROW + QI_EXCHANGE_MAX_MINUTES]
                if max_min >= 0:
                    short = min(short, max_min)
                pexp = qi[(sy + partner) * N_QI_ROW + QI_EXPIRY]
                need_c = np.int64(np.ceil(short * rate / 60.0))
                cents = _spend(bal, btot, bs + partner, y, pexp, need_c)
                got = np.int64(cents * 60.0 // rate)
                if cents > 0:
                    acc_i[(ka + partner) * N_IV + W_EXCHANGED_OUT] += cents * w
                    acc_i[(ka + j) * N_IV + W_EXCHANGED_IN] += got * w
                    _deposit(bal, btot, bs + j, y, expiry, got)
                    mins += _spend(bal, btot, bs + j, y, expiry, min(got, short))
            if mins > 0:
                reimb = q[(sy + j) * N_Q + Q_REIMB_CENTS_PER_HOUR]
                hw = _hourly_wage_cents(wg, ft, q[(sy + j) * N_Q + Q_WAGE_CEILING_MONTH])
                acc_i[(ka + j) * N_IV + W_SPENT] += mins * w
                acc_i[(ka + j) * N_IV + W_PUBLIC] += np.int64(mins * reimb // 60.0) * w
                if hw > reimb:
                    acc_i[(ka + j) * N_IV + W_EMPLOYER] += np.int64(mins * (hw - reimb) // 60.0) * w
                used = True
        elif kd == KIND_VOUCHER:
            covered = min(remaining, maxu)
            pub = np.int64(covered * pub_share)
            if covered > 0:
                acc_i[(ka + j) * N_IV + W_PUBLIC] += pub * w
                acc_i[(ka + j) * N_IV + W_OWN] += (covered - pub) * w
                remaining -= covered
                used = True
        elif kd == KIND_SUBSIDY:
            rate = q[(sy + j) * N_Q + Q_BY_SIZE_0 + size]
            if rate > 0.0:
                pub = min(np.int64(remaining * rate), maxu)
                if pub > 0:
                    acc_i[(ka + j) * N_IV + W_PUBLIC] += pub * w
                    acc_i[(ka + j) * N_IV + W_EMPLOYER] += (remaining - pub) * w
                    remaining = 0
                    used = True
        elif kd == KIND_OBLIGATION:
            days = q[(sy + j) * N_Q + Q_BY_SIZE_0 + size]
            if days > 0.0:
                cap_min = np.int64(days * ft * q[(sy + j) * N_Q + Q_HOURS_PER_DAY] * 60.0)
                mins = min(minutes, cap_min)
                if mins > 0:
                    hw = _hourly_wage_cents(wg, ft, -1.0)
                    acc_i[(ka + j) * N_IV + W_EMPLOYER] += np.int64(mins * hw // 60.0) * w
                    used = True
        elif kd == KIND_LEAVE:
            months = min(12, qi[(sy + j) * N_QI_ROW + QI_MAX_MONTHS] - guid_count[bs + j])
            guid_count[bs + j] += months
            acc_i[(ka + j) * N_IV + W_PUBLIC] += (
                months * qi[(sy + j) * N_QI_ROW + QI_ALLOWANCE_MONTH] * w
            )
            used = True
        if used:
            if ever[bs + j] != stamp:
                ever[bs + j] = stamp
                acc_i[(ka + j) * N_IV + W_FIRST_USERS] += w
            acc_i[(ka + j) * N_IV + W_USERS] += w
            acc_i[(ka + j) * N_IV + W_TRANSACTIONS] += w
            if base:
                acc_i[(ka + j) * N_IV + W_DEADWEIGHT] += w


# integer fields of an instrument's parameter row, converted once per plan (truncation)
QI_EXPIRY = 0
QI_CAP = 1
QI_KEY = 2
QI_MAX_PER_USE = 3  # no maximum (-1) becomes a very large number
QI_TYPES = 4
QI_PARTNER = 5
QI_CONVERT_FROM = 6
QI_MAX_MONTHS = 7
QI_PERIOD = 8
QI_N_PER_PERIOD = 9
QI_PRICE = 10
QI_OWN_CONTRIB = 11
QI_ALLOWANCE_MONTH = 12
QI_EXCHANGE_MAX_MINUTES = 13
QI_ACCRUAL = 14  # the accrual rounded to a whole cent or minute (np.rint, as round() does)
QI_YEARLY = 15  # a use-it-or-lose-it account's rights of the year (KernelPlan.yearly), else -1
N_QI = 16


# the float fields read for every account and trained person-year, packed in one 64-byte
# row per (scenario, year, instrument): the full parameter row ``q`` spans six cache lines
H_ACCRUAL = 0
H_PRO_RATA_FTE = 1
H_TRANSFERABLE = 2
H_FORFEIT_INACTIVE = 3
H_NEW_RIGHT = 4
H_AWARENESS = 5
H_OWN_SHARE = 6
H_OWN_SHARE_BASIC = 7
_H_SOURCE = (
    Q_ACCRUAL,
    Q_PRO_RATA_FTE,
    Q_TRANSFERABLE,
    Q_FORFEIT_INACTIVE,
    Q_NEW_RIGHT,
    Q_AWARENESS,
    Q_OWN_SHARE,
    Q_OWN_SHARE_BASIC,
)


def hot_fields(q: np.ndarray) -> np.ndarray:
    """``qh[s, y, i, H_*]``: copies of the float fields the kernel reads most often."""
    return np.ascontiguousarray(q[..., list(_H_SOURCE)])


#: the q field behind each QI_* field, in QI_* order
_QI_SOURCE = (
    Q_EXPIRY_YEARS,
    Q_CAP,
    Q_KEY,
    Q_MAX_PER_USE,
    Q_TYPES_MASK,
    Q_EXCHANGE_PARTNER,
    Q_CONVERT_FROM,
    Q_MAX_MONTHS,
    Q_PERIOD_YEARS,
    Q_N_PER_PERIOD,
    Q_PRICE,
    Q_OWN_CONTRIB,
    Q_ALLOWANCE_MONTH,
    Q_EXCHANGE_MAX_MINUTES,
)


def integer_fields(q: np.ndarray, yearly: np.ndarray | None = None) -> np.ndarray:
    """``qi[s, y, i, QI_*]``: the integer fields of ``q`` as int64 (counts, cents, keys).

    Truncated toward zero, as the kernel's ``np.int64(x)`` did field by field; "no maximum
    per use" (a negative value) becomes a very large number. ``QI_ACCRUAL`` is the accrual
    rounded to the nearest integer, ties to even, as the kernel's ``round()`` rounds an
    accrual pro rata of fte. ``QI_YEARLY`` is, for the use-it-or-lose-it accounts
    ``yearly[s, i]`` (:attr:`~llrsim.engine.plan.KernelPlan.yearly`; none when not given),
    what an eligible person holds in the year: the accrual up to the cap, at least 0; -1
    for every other instrument.
    """
    qi = np.concatenate(
        [q[..., list(_QI_SOURCE)], np.rint(q[..., Q_ACCRUAL])[..., None]], axis=-1
    ).astype(np.int64)
    maxu = qi[..., QI_MAX_PER_USE]
    maxu[maxu < 0] = _BIG
    accrual, cap = qi[..., QI_ACCRUAL], qi[..., QI_CAP]
    held = np.maximum(np.where(cap >= 0, np.minimum(accrual, cap), accrual), 0)
    if yearly is None:
        yearly = np.zeros((q.shape[0], q.shape[2]), dtype=np.bool_)
    if yearly.shape != (q.shape[0], q.shape[2]):
        raise ValueError(f"yearly: shape {yearly.shape}, expected {(q.shape[0], q.shape[2])}")
    qy = np.where(yearly[:, None, :], held, -1)
    return np.ascontiguousarray(np.concatenate([qi, qy[..., None]], axis=-1))


@nb.njit(cache=True)
def takeup_table(q) -> np.ndarray:
    """``ptab[s, y, i, t]``: P(take-up) per instrument for the 8 person types ``t``.

    ``t = 4 × sex + 2 × (education is high) + (employer has 50+ workers)``, the only person
    attributes :func:`_takeup_probability` reads; computed once per plan instead of one exp
    per instrument and person-year.
    """
    n_s, n_y, n_i = q.shape[0], q.shape[1], q.shape[2]
    pt = np.empty((n_s, n_y, n_i, 8), dtype=np.float64)
    for s in range(n_s):
        for y in range(n_y):
            for j in range(n_i):
                for sx in range(2):
                    for hi in range(2):
                        for big in range(2):
                            e = _HIGH if hi else -1
                            z = _SIZE_MEDIUM if big else -1
                            pt[s, y, j, sx * 4 + hi * 2 + big] = _takeup_probability(
                                q, s, y, j, sx, e, z
                            )
    return pt


def guidance_gate(
    step_idx: np.ndarray, step_n: np.ndarray, qi: np.ndarray, ptab: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The career-guidance gate: ``(gate_idx, gate_key, gate_p)``.

    ``gate_idx`` lists the guidance vouchers (loopbaancheques) of any scenario's step 4
    (STEP_GUIDE), ``gate_key`` their take-up keys, and ``gate_p[y * G + g, t]`` the largest
    take-up probability of voucher ``g`` in year ``y`` for person type ``t`` over the
    scenarios where it is in step 4 (``qi`` and ``ptab`` shaped ``(S, Y, I, ...)``). A
    person-year whose first take-up draw of every voucher reaches its ``gate_p`` starts a
    period in no scenario, so the kernel skips step 4 for it. The only other thing step 4
    does is end a period that is over; done later instead, at the next year the step runs,
    that gives the same state provided the period length is the same in every year (a
    period over stays over). A voucher whose key or period length changes over a scenario's
    years gets ``gate_p = 2``: its gate is always open and step 4 runs every year.
    """
    n_s, n_y = step_n.shape[:2]
    in_step = np.zeros(qi.shape[:3], dtype=np.bool_)  # (S, Y, I)
    for s in range(n_s):
        for y in range(n_y):
            in_step[s, y, step_idx[s, y, STEP_GUIDE, : step_n[s, y, STEP_GUIDE]]] = True
    gate_idx = np.flatnonzero(in_step.any(axis=(0, 1))).astype(np.int64)
    gate_key = np.zeros(gate_idx.size, dtype=np.int64)
    gate_p = np.zeros((n_y, gate_idx.size, N_PTAB), dtype=np.float64)
    for g, j in enumerate(gate_idx):
        where = in_step[:, :, j]
        keys = qi[:, :, j, QI_KEY][where]
        gate_key[g] = keys[0]
        periods_fixed = all(np.unique(qi[s, where[s], j, QI_PERIOD]).size <= 1 for s in range(n_s))
        if np.unique(keys).size > 1 or not periods_fixed:
            gate_p[:, g, :] = 2.0
            continue
        gate_p[:, g, :] = np.where(where[:, :, None], ptab[:, :, j, :], 0.0).max(axis=0)
    return gate_idx, gate_key, gate_p.reshape(n_y * gate_idx.size, N_PTAB)


def predicate_classes(*preds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the predicates ``preds`` (compiled rows) can change their answer.

    Returns ``age_class[a]`` and ``exp_class[e]`` (a = 0..127 years, e = 0..127 years of
    experience): the number of thresholds at most ``a`` (``e``), and the sorted unemployment
    duration thresholds in months. Two person-years with the same class of age, experience
    and unemployment duration (and the same categorical attributes) get the same answer from
    every predicate, so the kernel evaluates them again only when a class or an attribute
    changes. An age range ``[lo, hi]`` has thresholds ``lo`` and ``hi + 1``.
    """
    rows = np.concatenate([np.asarray(p, dtype=np.int64).reshape(-1, P_LEN) for p in preds])
    ages = np.unique(np.concatenate([rows[:, P_AGE_MIN], rows[:, P_AGE_MAX] + 1]))
    grid = np.arange(128, dtype=np.int64)
    age_class = np.searchsorted(ages, grid, side="right").astype(np.int64)
    exp_class = np.searchsorted(np.unique(rows[:, P_MIN_EXP]), grid, side="right")
    unemp_bounds = np.unique(rows[:, P_MIN_UNEMP]).astype(np.int64)
    return age_class, exp_class.astype(np.int64), unemp_bounds


def new_right_awareness_max(q: np.ndarray) -> float:
    """The largest awareness of any new right in the plan (0 when there is none)."""
    new = q[..., Q_NEW_RIGHT] > 0.0
    return float(q[..., Q_AWARENESS][new].max()) if new.any() else 0.0


@nb.njit(cache=True, parallel=True)
def policy_kernel(
    order, init_mask, seed, year0, n_years, pid, weight, entry_year, state_i8, wage, fte, unemp,
    demo_tables, group_preds, kind, active, elig_id, unique_elig, step_idx, step_n, spend_idx,
    spend_n, ledger_idx, ledger_n, q, qi, qh, ptab, coef, odds_growth, age_class, exp_class,
    unemp_bounds, gate_idx, gate_key, gate_p, counted, acc_p, acc_i, pers, elig_t, hkeys,
    hvals, slot_mask, n_used,
):  # fmt: skip
    """Run the whole simulation into the per-chunk, per-mask tallies (chunk ``c`` = row c).

    The per-(scenario, year, instrument) arrays come flat, row ``r = (s * Y + y) * I + i``
    (``active``, ``elig_id``, and ``q``, ``qi``, ``qh``, ``ptab`` with field ``f`` at
    ``r * width + f``, widths ``N_Q``, ``N_QI_ROW``, ``N_QH``, ``N_PTAB``): one add and a
    multiply by a constant per access instead of the strided arithmetic of four dimensions.
    The tallies ``acc_p[c, ((k * S + s) * Y + y) * N_PV + v]`` and
    ``acc_i[c, (((k * S + s) * Y + y) * I + i) * N_IV + v]`` follow the variable order of
    :data:`~llrsim.engine.mechanisms.P_VARS` and :data:`~llrsim.engine.mechanisms.I_VARS`
    for the group mask ``slot_mask[c, k]``; :func:`expand_tallies` sums them into groups.
    ``ledger_idx``/``ledger_n`` are :attr:`~llrsim.engine.plan.KernelPlan.ledger_idx`: the
    accounts that keep a balance (use-it-or-lose-it accounts keep none, ``QI_YEARLY``).
    """
    n_chunks = acc_p.shape[0]
    n_s, n_i = ledger_n.shape[0], kind.shape[0]
    for c in nb.prange(n_chunks):
        _run_chunk(
            c, n_chunks, order, init_mask, seed, year0, n_years, pid, weight, entry_year, state_i8,
            wage, fte, unemp, demo_tables, group_preds, kind, active, elig_id, unique_elig,
            step_idx, step_n, spend_idx, spend_n, ledger_idx, ledger_n, q, qi, qh, ptab, coef,
            odds_growth, age_class, exp_class, unemp_bounds, gate_idx, gate_key, gate_p,
            counted, acc_p[c], acc_i[c],
            pers[c], elig_t[c], hkeys[c], hvals[c], slot_mask[c], n_used[c],
            np.zeros(n_s * n_i * MAX_VINTAGES, dtype=np.int64),
            np.zeros(n_s * n_i, dtype=np.int64),
            np.zeros(n_s * n_i, dtype=np.int64),
            np.zeros(n_s * n_i, dtype=np.int64),
            np.zeros(n_s * n_i, dtype=np.int64),
            np.zeros(max(unique_elig.shape[0], 1), dtype=np.bool_),
        )  # fmt: skip


@nb.njit(cache=True, parallel=True)
def group_masks(group_preds, state_i8, unemp) -> np.ndarray:
    """Group mask (int64, bit g for group g) of every record in its initial state."""
    n = state_i8.shape[0]
    masks = np.empty(n, dtype=np.int64)
    for i in nb.prange(n):
        masks[i] = _group_mask(
            group_preds, np.int64(state_i8[i, 0]), np.int64(state_i8[i, 1]),
            np.int64(state_i8[i, 2]), np.int64(state_i8[i, 3]), np.int64(state_i8[i, 5]),
            np.int64(state_i8[i, 4]), np.int64(state_i8[i, 7]), np.int64(state_i8[i, 6]),
            np.int64(unemp[i]),
        )  # fmt: skip
    return masks


def mask_order(
    group_preds: np.ndarray, state_i8: np.ndarray, unemp: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Record order by initial group mask (stable), for the cache locality of the tallies,
    and the masks themselves (the kernel starts every record from its mask).

    With at most 16 groups the masks fit in 16 bits and a counting sort (linear time) gives
    the order; the order is the same as numpy's stable argsort either way.
    """
    masks = group_masks(group_preds, state_i8, unemp)
    if group_preds.shape[0] <= 16:
        return _counting_order(masks, 1 << group_preds.shape[0]), masks
    return np.argsort(masks, kind="stable"), masks


@nb.njit(cache=True)
def _counting_order(keys, n_keys) -> np.ndarray:
    """The stable sort order of ``keys`` (integers in ``[0, n_keys)``): a counting sort,
    the same order as ``np.argsort(keys, kind="stable")`` in linear time."""
    start = np.zeros(n_keys + 1, dtype=np.int64)
    for k in keys:
        start[k + 1] += 1
    for k in range(n_keys):
        start[k + 1] += start[k]
    order = np.empty(keys.shape[0], dtype=np.int64)
    for i in range(keys.shape[0]):
        k = keys[i]
        order[start[k]] = i
        start[k] += 1
    return order


@nb.njit(cache=True)
def expand_tallies(acc_p, acc_i, pers, elig_t, slot_mask, n_used, n_g, elig_id, act_idx,
                   act_n, held):  # fmt: skip
    """Sum the per-chunk, per-mask tallies into ``tp[s, y, g, v]`` and ``ti[s, y, g, i, v]``.

    A mask's tallies are added to every group whose bit it has; persons go to every
    scenario, and the eligible persons of a rule to every instrument in force that uses it.
    Integer sums, so the result does not depend on the chunks or the order.

    The use-it-or-lose-it accounts (``held[s, y, i] >= 0``, ``QI_YEARLY``), for which the
    kernel keeps no ledger, get their accrued rights here, ``held`` per eligible person,
    and their expired rights, what was accrued and not spent (they open and close every
    year at 0).
    """
    n_c, _, n_s, n_y, n_i, n_iv = acc_i.shape
    n_pv = acc_p.shape[4]
    tp = np.zeros((n_s, n_y, n_g, n_pv), dtype=np.int64)
    ti = np.zeros((n_s, n_y, n_g, n_i, n_iv), dtype=np.int64)
    for c in range(n_c):
        for k in range(n_used[c, 0]):
            mask = slot_mask[c, k]
            for g in range(n_g):
                if not (mask >> g) & 1:
                    continue
                for s in range(n_s):
                    for y in range(n_y):
                        for v in range(n_pv):
                            tp[s, y, g, v] += acc_p[c, k, s, y, v]
                        tp[s, y, g, V_PERSONS] += pers[c, k, y]
                        for j in range(n_i):
                            for v in range(n_iv):
                                ti[s, y, g, j, v] += acc_i[c, k, s, y, j, v]
                        for ja in range(act_n[s, y]):
                            j = act_idx[s, y, ja]
                            e = elig_t[c, k, y, elig_id[s, y, j]]
                            ti[s, y, g, j, W_ELIGIBLE] += e
                            if held[s, y, j] > 0:
                                ti[s, y, g, j, W_ACCRUED] += e * held[s, y, j]
    for s in range(n_s):
        for y in range(n_y):
            for j in range(n_i):
                if held[s, y, j] >= 0:
                    for g in range(n_g):
                        ti[s, y, g, j, W_EXPIRED] = (
                            ti[s, y, g, j, W_ACCRUED] - ti[s, y, g, j, W_SPENT]
                        )
    return tp, ti


@nb.njit(cache=True)
def takeup_probability_array(qv, sex, education, employer_size) -> np.ndarray:
    """The kernel's take-up probability of one instrument row ``qv`` over person arrays."""
    q = qv.reshape((1, 1, 1, qv.shape[0]))
    out = np.empty(sex.shape[0], dtype=np.float64)
    for i in range(sex.shape[0]):
        out[i] = _takeup_probability(q, 0, 0, 0, sex[i], education[i], employer_size[i])
    return out
