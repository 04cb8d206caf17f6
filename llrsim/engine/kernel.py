"""The policy kernel: one Numba pass over persons × years × scenarios.

For each person (chunks of persons run in parallel) and each simulated year:

1. demography once (:func:`llrsim.population.dynamics.demography_step`): ageing, death,
   retirement, labour-status transition, job change — shared by all scenarios;
2. the person's target groups, baseline participation probability ``p0`` and training
   episode (kind, minutes, course fee), all from keyed draws, so the same in every scenario;
3. per scenario: eligibility, accrual (with cap), participation ``u < p1`` with ``p1 ≥ p0``
   from the value of new rights, take-up and spending of each instrument in order,
   career-guidance vouchers, FIFO expiry at year end, and the exact integer tallies.

Every tally is an integer (cents, minutes, persons) multiplied by the integer weight, and
each chunk writes its own slice, so the sum over chunks — and so every result — is the same
whatever the number of threads or the chunking. Nothing in here knows a policy: the plan's
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
from llrsim.behaviour.participation import logistic, participation_probability
from llrsim.behaviour.response import response_probability
from llrsim.engine.mechanisms import (
    HOURS_PER_MONTH_FULL_TIME,
    I_VARS,
    KIND_EXCHANGE,
    KIND_GUIDANCE,
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
from llrsim.predicates import matches_row

N_PV = len(P_VARS)
N_IV = len(I_VARS)
_EMP_PRIV, _EMP_PUB = int(Status.EMPLOYEE_PRIVATE), int(Status.EMPLOYEE_PUBLIC)
_SELF = int(Status.SELF_EMPLOYED)
_MEN, _WOMEN = int(Sex.MEN), int(Sex.WOMEN)
_HIGH = int(Education.HIGH)
_SIZE_MICRO, _SIZE_10_19 = int(EmployerSize.MICRO), int(EmployerSize.SMALL_10_19)
_SIZE_MEDIUM = int(EmployerSize.MEDIUM)
_BIG = np.int64(1) << np.int64(62)

__all__ = ["N_IV", "N_PV", "N_Q", "policy_kernel"]


@nb.njit(cache=True)
def _slot(t: int, expiry: int) -> int:
    """Vintage slot of accrual year index ``t`` (one slot when nothing expires)."""
    if expiry <= 0:
        return 0
    return t % MAX_VINTAGES


@nb.njit(cache=True)
def _clear(bal, s, j) -> None:
    for v in range(MAX_VINTAGES):
        bal[s, j, v] = 0


@nb.njit(cache=True)
def _balance(bal, s, j, y, expiry) -> np.int64:
    """Balance of account ``j``: the vintages that can still hold money in year index ``y``."""
    if expiry <= 0:
        return bal[s, j, 0]
    tot = np.int64(0)
    first = y - expiry + 1
    if first < 0:
        first = 0
    for t in range(first, y + 1):
        tot += bal[s, j, t % MAX_VINTAGES]
    return tot


@nb.njit(cache=True)
def _spend_fifo(bal, s, j, y, expiry, amount) -> np.int64:
    """Take ``amount`` from the balance, oldest vintage first; returns what was taken."""
    if amount <= 0:
        return np.int64(0)
    if expiry <= 0:
        take = min(amount, bal[s, j, 0])
        bal[s, j, 0] -= take
        return take
    taken = np.int64(0)
    first = y - expiry + 1
    if first < 0:
        first = 0
    for t in range(first, y + 1):
        k = t % MAX_VINTAGES
        take = min(amount - taken, bal[s, j, k])
        bal[s, j, k] -= take
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
def _group_list(gmask, n_groups, out) -> int:
    """Write the indices of the groups in ``gmask`` to ``out``; return how many."""
    k = 0
    for g in range(n_groups):
        if (gmask >> g) & 1:
            out[k] = g
            k += 1
    return k


@nb.njit(cache=True)
def _add_tallies(tp, ti, s, y, glist, n_in, loc_p, loc_i, touched, w):
    """Add the person-year's local tallies (times the weight) to each of its groups, then
    clear the local rows that were used."""
    n_i = touched.shape[0]
    for j in range(n_i):
        if not touched[j]:
            continue
        # most rows only say "eligible, nothing happened": add that one number
        only_eligible = (
            loc_i[j, W_USERS] == 0
            and loc_i[j, W_OPENING] == 0
            and loc_i[j, W_ACCRUED] == 0
            and loc_i[j, W_EXCHANGED_IN] == 0
            and loc_i[j, W_EXCHANGED_OUT] == 0
            and loc_i[j, W_EXPIRED] == 0
            and loc_i[j, W_FORFEITED] == 0
            and loc_i[j, W_CLOSING] == 0
        )
        if only_eligible:
            add = loc_i[j, W_ELIGIBLE] * w
            for k in range(n_in):
                ti[s, y, glist[k], j, W_ELIGIBLE] += add
            continue
        # an account row has a few non-zero values of N_IV: add only those
        for v in range(N_IV):
            if loc_i[j, v] != 0:
                add = loc_i[j, v] * w
                for k in range(n_in):
                    ti[s, y, glist[k], j, v] += add
    for k in range(n_in):
        g = glist[k]
        for v in range(N_PV):
            tp[s, y, g, v] += loc_p[v] * w
    for v in range(N_PV):
        loc_p[v] = 0
    for j in range(touched.shape[0]):
        if touched[j]:
            for v in range(N_IV):
                loc_i[j, v] = 0
            touched[j] = False


@nb.njit(cache=True, _nrt=False)
def _run_chunk(
    lo, hi, seed, year0, n_years, pid, weight, entry_year, state_i8, wage, fte, unemp,
    demo_tables, group_preds, kind, active, elig_id, unique_elig, act_idx, act_n, bal_idx,
    bal_n, q, coef, tp, ti, bal, guid_start, guid_count, ever, loc_p, loc_i, touched, el,
    glist, eu,
):  # fmt: skip
    """Simulate records ``lo..hi-1`` into the chunk's tallies ``tp``, ``ti``.

    Compiled without numba's reference counting (``_nrt=False``): the caller allocates every
    array, nothing here makes a view, so the threads never touch shared reference counts.
    """
    n_s = active.shape[0]
    n_g = group_preds.shape[0]
    n_u = unique_elig.shape[0]
    for i in range(lo, hi):
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
        bal.fill(0)
        guid_start.fill(-(1 << 20))
        guid_count.fill(0)
        ever.fill(False)
        gmask_last = _group_mask(group_preds, age, sex, edu, status, size, sector, flags, exp, um)
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
                gmask = gmask_last
                n_in = _group_list(gmask, n_g, glist)
                for s in range(n_s):
                    for jb in range(bal_n[s]):
                        j = bal_idx[s, jb]
                        b = _balance(bal, s, j, y, np.int64(q[s, y, j, Q_EXPIRY_YEARS]))
                        if b > 0:
                            loc_i[j, W_OPENING] = b
                            loc_i[j, W_FORFEITED] = b
                            touched[j] = True
                    _add_tallies(tp, ti, s, y, glist, n_in, loc_p, loc_i, touched, w)
                break
            gmask = _group_mask(group_preds, age, sex, edu, status, size, sector, flags, exp, um)
            gmask_last = gmask
            employee = status == _EMP_PRIV or status == _EMP_PUB
            p0 = participation_probability(coef, age, sex, edu, status, size, sector)
            u = uniform_from_key(pykey, PARTICIPATION, 0)
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
            base = u < p0
            n_in = _group_list(gmask, n_g, glist)
            for u_i in range(n_u):
                eu[u_i] = matches_row(
                    unique_elig, u_i, age, sex, edu, status, size, sector, flags, exp, um, gmask
                )
            for s in range(n_s):
                loc_p[V_PERSONS] = 1
                money_new = np.int64(0)
                time_new = np.int64(0)
                aware_new = 0.0
                n_act = act_n[s, y]
                # 1a. opening balances and eligibility
                for jb in range(bal_n[s]):
                    j = bal_idx[s, jb]
                    el[j] = False
                    b = _balance(bal, s, j, y, np.int64(q[s, y, j, Q_EXPIRY_YEARS]))
                    loc_i[j, W_OPENING] = b
                    if b > 0:
                        touched[j] = True
                for ja in range(n_act):
                    j = act_idx[s, y, ja]
                    el[j] = eu[elig_id[s, y, j]]
                    if el[j]:
                        loc_i[j, W_ELIGIBLE] = 1
                        touched[j] = True
                # 1b. phase switch: an instrument in force takes over the balance of one that
                # is no longer in force (carry_over = "convert")
                for ja in range(n_act):
                    j = act_idx[s, y, ja]
                    c = np.int64(q[s, y, j, Q_CONVERT_FROM])
                    if c < 0 or active[s, y, c]:
                        continue
                    b = _balance(bal, s, c, y, np.int64(q[s, y, c, Q_EXPIRY_YEARS]))
                    if b > 0:
                        _clear(bal, s, c)
                        touched[j] = True
                        moved = np.int64(b * q[s, y, j, Q_CONVERT_FACTOR])
                        loc_i[c, W_EXCHANGED_OUT] += b
                        loc_i[j, W_EXCHANGED_IN] += moved
                        bal[s, j, _slot(y, np.int64(q[s, y, j, Q_EXPIRY_YEARS]))] += moved
                        touched[c] = True
                # 1c. forfeiture of rights no longer in force, and accrual
                for jb in range(bal_n[s]):
                    j = bal_idx[s, jb]
                    k = kind[j]
                    b = _balance(bal, s, j, y, np.int64(q[s, y, j, Q_EXPIRY_YEARS]))
                    if moved and b > 0 and q[s, y, j, Q_TRANSFERABLE] == 0.0:
                        _clear(bal, s, j)
                        loc_i[j, W_FORFEITED] += b
                        b = 0
                    if not active[s, y, j] and q[s, y, j, Q_FORFEIT_INACTIVE] > 0.0 and b > 0:
                        _clear(bal, s, j)
                        loc_i[j, W_FORFEITED] += b
                        b = 0
                    if not el[j]:
                        continue
                    acc = q[s, y, j, Q_ACCRUAL]
                    if q[s, y, j, Q_PRO_RATA_FTE] > 0.0:
                        acc *= ft
                    a = np.int64(round(acc))
                    cap = np.int64(q[s, y, j, Q_CAP])
                    if cap >= 0 and b + a > cap:
                        a = max(cap - b, 0)
                    if a > 0:
                        bal[s, j, _slot(y, np.int64(q[s, y, j, Q_EXPIRY_YEARS]))] += a
                        loc_i[j, W_ACCRUED] = a
                        b += a
                    if (
                        q[s, y, j, Q_NEW_RIGHT] > 0.0
                        and (np.int64(q[s, y, j, Q_TYPES_MASK]) & ekind) != 0
                    ):
                        if k == KIND_MONEY:
                            money_new += b
                        elif employee:
                            time_new += b
                        if q[s, y, j, Q_AWARENESS] > aware_new:
                            aware_new = q[s, y, j, Q_AWARENESS]
                # 2. participation with common random numbers
                p1 = p0
                if money_new > 0 or time_new > 0:
                    p1 = response_probability(
                        coef, p0, aware_new, money_new, cost, time_new, minutes
                    )
                trained = u < p1
                if trained:
                    loc_p[V_PARTICIPANTS] = 1
                    loc_p[V_MINUTES] = minutes
                    if base:
                        loc_p[V_BASELINE] = 1
                    else:
                        loc_p[V_ADDITIONAL] = 1
                    # 3. take-up and spending, instruments in plan order
                    remaining = cost
                    for ja in range(n_act):
                        j = act_idx[s, y, ja]
                        if not el[j]:
                            continue
                        k = kind[j]
                        if k == KIND_GUIDANCE or k == KIND_EXCHANGE:
                            continue
                        if (np.int64(q[s, y, j, Q_TYPES_MASK]) & ekind) == 0:
                            continue
                        if (k == KIND_TIME or k == KIND_LEAVE) and not employee:
                            continue
                        if k == KIND_LEAVE and (
                            minutes < q[s, y, j, Q_MIN_MINUTES]
                            or guid_count[s, j] >= np.int64(q[s, y, j, Q_MAX_MONTHS])
                        ):
                            continue
                        pt = _takeup_probability(q, s, y, j, sex, edu, size)
                        if uniform_from_key(pykey, TAKEUP_BASE, np.int64(q[s, y, j, Q_KEY])) >= pt:
                            continue
                        used = False
                        own_share = q[s, y, j, Q_OWN_SHARE]
                        if (ekind & T_BASIC_SKILLS) != 0:
                            own_share = q[s, y, j, Q_OWN_SHARE_BASIC]
                        pub_share = 1.0 - own_share
                        maxu = np.int64(q[s, y, j, Q_MAX_PER_USE])
                        if maxu < 0:
                            maxu = _BIG
                        if k == KIND_MONEY:
                            expiry = np.int64(q[s, y, j, Q_EXPIRY_YEARS])
                            want = min(np.int64(remaining * pub_share), maxu)
                            take = _spend_fifo(bal, s, j, y, expiry, want)
                            partner = np.int64(q[s, y, j, Q_EXCHANGE_PARTNER])
                            rate = q[s, y, j, Q_EXCHANGE_CENTS_PER_HOUR]
                            if take < want and partner >= 0 and rate > 0.0:
                                pexp = np.int64(q[s, y, partner, Q_EXPIRY_YEARS])
                                short = want - take
                                need_min = np.int64(np.ceil(short * 60.0 / rate))
                                max_min = np.int64(q[s, y, j, Q_EXCHANGE_MAX_MINUTES])
                                if max_min >= 0:
                                    need_min = min(need_min, max_min)
                                mins = _spend_fifo(bal, s, partner, y, pexp, need_min)
                                if mins > 0:
                                    cents = np.int64(mins * rate // 60.0)
                                    loc_i[partner, W_EXCHANGED_OUT] += mins
                                    loc_i[j, W_EXCHANGED_IN] += cents
                                    touched[partner] = True
                                    bal[s, j, _slot(y, expiry)] += cents
                                    take += _spend_fifo(bal, s, j, y, expiry, short)
                            if take > 0:
                                own = 0
                                if pub_share > 0.0:
                                    own = min(
                                        np.int64(round(take * own_share / pub_share)),
                                        remaining - take,
                                    )
                                loc_i[j, W_SPENT] += take
                                loc_i[j, W_PUBLIC] += take
                                loc_i[j, W_OWN] += own
                                remaining -= take + own
                                used = True
                        elif k == KIND_TIME:
                            expiry = np.int64(q[s, y, j, Q_EXPIRY_YEARS])
                            mins = _spend_fifo(bal, s, j, y, expiry, np.int64(minutes))
                            partner = np.int64(q[s, y, j, Q_EXCHANGE_PARTNER])
                            rate = q[s, y, j, Q_EXCHANGE_CENTS_PER_HOUR]
                            if mins < minutes and partner >= 0 and rate > 0.0:
                                short = np.int64(minutes) - mins
                                max_min = np.int64(q[s, y, j, Q_EXCHANGE_MAX_MINUTES])
                                if max_min >= 0:
                                    short = min(short, max_min)
                                pexp = np.int64(q[s, y, partner, Q_EXPIRY_YEARS])
                                need_c = np.int64(np.ceil(short * rate / 60.0))
                                cents = _spend_fifo(bal, s, partner, y, pexp, need_c)
                                got = np.int64(cents * 60.0 // rate)
                                if cents > 0:
                                    loc_i[partner, W_EXCHANGED_OUT] += cents
                                    loc_i[j, W_EXCHANGED_IN] += got
                                    touched[partner] = True
                                    bal[s, j, _slot(y, expiry)] += got
                                    mins += _spend_fifo(bal, s, j, y, expiry, min(got, short))
                            if mins > 0:
                                reimb = q[s, y, j, Q_REIMB_CENTS_PER_HOUR]
                                hw = _hourly_wage_cents(wg, ft, q[s, y, j, Q_WAGE_CEILING_MONTH])
                                loc_i[j, W_SPENT] += mins
                                loc_i[j, W_PUBLIC] += np.int64(mins * reimb // 60.0)
                                if hw > reimb:
                                    loc_i[j, W_EMPLOYER] += np.int64(mins * (hw - reimb) // 60.0)
                                used = True
                        elif k == KIND_VOUCHER:
                            covered = min(remaining, maxu)
                            pub = np.int64(covered * pub_share)
                            if covered > 0:
                                loc_i[j, W_PUBLIC] += pub
                                loc_i[j, W_OWN] += covered - pub
                                remaining -= covered
                                used = True
                        elif k == KIND_SUBSIDY:
                            rate = q[s, y, j, Q_BY_SIZE_0 + size]
                            if employee and rate > 0.0:
                                pub = min(np.int64(remaining * rate), maxu)
                                if pub > 0:
                                    loc_i[j, W_PUBLIC] += pub
                                    loc_i[j, W_EMPLOYER] += remaining - pub
                                    remaining = 0
                                    used = True
                        elif k == KIND_OBLIGATION:
                            days = q[s, y, j, Q_BY_SIZE_0 + size]
                            if employee and days > 0.0:
                                cap_min = np.int64(days * ft * q[s, y, j, Q_HOURS_PER_DAY] * 60.0)
                                mins = min(np.int64(minutes), cap_min)
                                if mins > 0:
                                    hw = _hourly_wage_cents(wg, ft, -1.0)
                                    loc_i[j, W_EMPLOYER] += np.int64(mins * hw // 60.0)
                                    used = True
                        elif k == KIND_LEAVE:
                            months = min(12, np.int64(q[s, y, j, Q_MAX_MONTHS]) - guid_count[s, j])
                            guid_count[s, j] += months
                            loc_i[j, W_PUBLIC] += months * np.int64(q[s, y, j, Q_ALLOWANCE_MONTH])
                            used = True
                        if used:
                            if not ever[s, j]:
                                ever[s, j] = True
                                loc_i[j, W_FIRST_USERS] = 1
                            loc_i[j, W_USERS] = 1
                            loc_i[j, W_TRANSACTIONS] += 1
                            if base:
                                loc_i[j, W_DEADWEIGHT] = 1
                            touched[j] = True
                # 4. career-guidance vouchers (loopbaancheques), independent of training:
                # a first cheque opens a period of Q_PERIOD_YEARS; the next cheques of the
                # period follow in the same year with probability Q_SECOND_SHARE each.
                for ja in range(n_act):
                    j = act_idx[s, y, ja]
                    if not el[j] or kind[j] != KIND_GUIDANCE:
                        continue
                    if guid_count[s, j] > 0 and year - guid_start[s, j] >= np.int64(
                        q[s, y, j, Q_PERIOD_YEARS]
                    ):
                        guid_count[s, j] = 0
                    if guid_count[s, j] > 0:
                        continue
                    key = np.int64(q[s, y, j, Q_KEY])
                    pt = _takeup_probability(q, s, y, j, sex, edu, size)
                    if uniform_from_key(pykey, TAKEUP_BASE, key) >= pt:
                        continue
                    guid_start[s, j] = year
                    n_use = 1
                    n_max = np.int64(q[s, y, j, Q_N_PER_PERIOD])
                    while n_use < n_max and (
                        uniform_from_key(pykey, TAKEUP_BASE + n_use, key)
                        < q[s, y, j, Q_SECOND_SHARE]
                    ):
                        n_use += 1
                    guid_count[s, j] = n_use
                    price = np.int64(q[s, y, j, Q_PRICE])
                    own_c = np.int64(q[s, y, j, Q_OWN_CONTRIB])
                    if not ever[s, j]:
                        ever[s, j] = True
                        loc_i[j, W_FIRST_USERS] = 1
                    loc_i[j, W_USERS] = 1
                    loc_i[j, W_TRANSACTIONS] += n_use
                    loc_i[j, W_PUBLIC] += n_use * (price - own_c)
                    loc_i[j, W_OWN] += n_use * own_c
                    # career guidance is not a training episode: its use adds no
                    # participant, so every user counts as deadweight
                    loc_i[j, W_DEADWEIGHT] = 1
                    touched[j] = True
                # 5. FIFO expiry at year end and closing balances
                for jb in range(bal_n[s]):
                    j = bal_idx[s, jb]
                    expiry = np.int64(q[s, y, j, Q_EXPIRY_YEARS])
                    if expiry > 0:
                        t = y - expiry + 1
                        if t >= 0:
                            slot = t % MAX_VINTAGES
                            e = bal[s, j, slot]
                            if e > 0:
                                bal[s, j, slot] = 0
                                loc_i[j, W_EXPIRED] += e
                                touched[j] = True
                    closing = _balance(bal, s, j, y, expiry)
                    loc_i[j, W_CLOSING] = closing
                    if closing > 0:
                        touched[j] = True
                _add_tallies(tp, ti, s, y, glist, n_in, loc_p, loc_i, touched, w)


@nb.njit(cache=True, parallel=True)
def policy_kernel(
    seed, year0, n_years, pid, weight, entry_year, state_i8, wage, fte, unemp,
    demo_tables, group_preds, kind, active, elig_id, unique_elig, act_idx, act_n, bal_idx,
    bal_n, q, coef, n_chunks,
):  # fmt: skip
    """Run the whole simulation; returns integer tallies ``(tp, ti)`` summed over chunks.

    ``tp[s, y, g, v]`` and ``ti[s, y, g, i, v]`` follow the variable order of
    :data:`~llrsim.engine.mechanisms.P_VARS` and :data:`~llrsim.engine.mechanisms.I_VARS`.
    """
    n = pid.shape[0]
    n_s, n_i, n_g = active.shape[0], kind.shape[0], group_preds.shape[0]
    tp_c = np.zeros((n_chunks, n_s, n_years, n_g, N_PV), dtype=np.int64)
    ti_c = np.zeros((n_chunks, n_s, n_years, n_g, n_i, N_IV), dtype=np.int64)
    step = (n + n_chunks - 1) // n_chunks
    for c in nb.prange(n_chunks):
        lo = c * step
        hi = min(n, lo + step)
        if lo < hi:
            _run_chunk(
                lo, hi, seed, year0, n_years, pid, weight, entry_year, state_i8, wage, fte,
                unemp, demo_tables, group_preds, kind, active, elig_id, unique_elig, act_idx,
                act_n, bal_idx, bal_n, q, coef, tp_c[c], ti_c[c],
                np.zeros((n_s, n_i, MAX_VINTAGES), dtype=np.int64),
                np.zeros((n_s, n_i), dtype=np.int64),
                np.zeros((n_s, n_i), dtype=np.int64),
                np.zeros((n_s, n_i), dtype=np.bool_),
                np.zeros(N_PV, dtype=np.int64),
                np.zeros((n_i, N_IV), dtype=np.int64),
                np.zeros(n_i, dtype=np.bool_),
                np.zeros(n_i, dtype=np.bool_),
                np.zeros(64, dtype=np.int64),
                np.zeros(max(unique_elig.shape[0], 1), dtype=np.bool_),
            )  # fmt: skip
    return tp_c.sum(axis=0), ti_c.sum(axis=0)


@nb.njit(cache=True)
def takeup_probability_array(qv, sex, education, employer_size) -> np.ndarray:
    """The kernel's take-up probability of one instrument row ``qv`` over person arrays."""
    q = qv.reshape((1, 1, 1, qv.shape[0]))
    out = np.empty(sex.shape[0], dtype=np.float64)
    for i in range(sex.shape[0]):
        out[i] = _takeup_probability(q, 0, 0, 0, sex[i], education[i], employer_size[i])
    return out
