"""A plain, honest vectorised numpy implementation of the policy model (benchmark reference).

Same inputs as :func:`llrsim.engine.run.run_plan` — the population with its entrants, the
:class:`~llrsim.engine.plan.KernelPlan` (``q`` layout of :mod:`llrsim.engine.mechanisms`),
the demography tables, the group predicates and the behaviour coefficients — and the same
outputs: the integer tallies ``tp[s, y, g, v]`` and ``ti[s, y, g, i, v]`` of the kernel.

It is written the way a careful numpy user would write it: whole-array operations over the
persons in the model, with loops over years, scenarios and instruments (and over the few
vintage slots of an account); boolean masks and index subsets; fancy-indexed table
look-ups; ``np.bincount`` for the weighted tallies. Nothing is compiled here. The keyed
random numbers are the library's (:mod:`llrsim.engine.rng`, the streams of
:mod:`llrsim.engine.streams`) computed with numpy ``uint64`` arithmetic: the person-year
prefix once per year for every record, then one splitmix64 finaliser per draw
(:func:`keyed_uniform`; bit-identical to :func:`llrsim.engine.rng.uniform_array`, checked
by ``tests/test_reference_agreement.py``). So every person-level draw equals the kernel's.
``uniform_array`` itself would do as well but is a parallel Numba call whose start-up costs
about a millisecond under load, for ~100 draws on small subsets per simulated year.

It follows the kernel's order of operations (demography step, group masks, episode, then
per scenario: opening balances and eligibility, phase-switch conversion, forfeiture and
accrual, participation ``u < p1``, take-up and spending in plan order with the S6
exchange, career-guidance vouchers, FIFO expiry), so on the same inputs it reproduces the
kernel's tallies — exactly, up to the last-bit differences between numpy's and libm's
``exp``/``log``/``cos`` (which change a decision with a probability of ~1e-16).

Every mechanism of :mod:`llrsim.engine.mechanisms` is covered (money account with cap,
expiry and co-financing, time account, voucher, guidance voucher, employer subsidy,
employer obligation, leave allowance, the S6 exchange and phase-switch conversion), and
the forfeiture of a non-transferable account at an employer change or on leaving
employment.

Memory: the state is ~100 bytes per record plus one ``int64`` per vintage slot of each
account of each scenario; temporaries are a few arrays of the in-model persons at a time.
"""

from __future__ import annotations

import inspect

import numpy as np

from llrsim.behaviour import coefficients as bc
from llrsim.behaviour.episode import (
    CERTIFIED_MIN_HOURS,
    T_BASIC_SKILLS,
    T_CERTIFIED,
    T_GENERAL,
    T_JOB_RELATED,
)
from llrsim.engine import mechanisms as m
from llrsim.engine import streams
from llrsim.engine.plan import KernelPlan
from llrsim.engine.run import state_block
from llrsim.population import dynamics as dyn
from llrsim.population.codes import Education, EmployerSize, Sex, Status
from llrsim.population.population import Population
from llrsim.predicates import (
    P_AGE_MAX,
    P_AGE_MIN,
    P_EDU,
    P_FLAGS,
    P_GROUPS,
    P_MIN_EXP,
    P_MIN_UNEMP,
    P_SECTOR,
    P_SEX,
    P_SIZE,
    P_STATUS,
)

N_PV, N_IV = len(m.P_VARS), len(m.I_VARS)
_PRIV, _PUB, _SELF = int(Status.EMPLOYEE_PRIVATE), int(Status.EMPLOYEE_PUBLIC), 2
_U, _S, _R = int(Status.JOBSEEKER), int(Status.STUDENT), int(Status.RETIRED)
_SELF_ST, _INACT = int(Status.SELF_EMPLOYED), int(Status.INACTIVE)
_MEN, _WOMEN = int(Sex.MEN), int(Sex.WOMEN)
_LOW, _MED, _HIGH = int(Education.LOW), int(Education.MEDIUM), int(Education.HIGH)
_MICRO, _MEDIUM = int(EmployerSize.MICRO), int(EmployerSize.MEDIUM)
_BIG = np.int64(1) << np.int64(62)
_EXACT = 2.0**53  #: float64 sums of integers are exact below this
_Q_TRANSFERABLE = getattr(m, "Q_TRANSFERABLE", None)  #: accounts: 0 ends with the job


def kernel_persists_education() -> bool:
    """Whether the policy kernel applies the demography step's education change.

    The step reports a diploma reached on leaving study in its ``changes`` bits; the
    projection applies it. This reference follows whatever the kernel does, so it looks.
    """
    from llrsim.engine import kernel

    return "CHANGE_EDU" in inspect.getsource(kernel)


# --- keyed random numbers in numpy -------------------------------------------------------

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_C_SEED = np.uint64(0x243F6A8885A308D3)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_ONE = np.uint64(1)


def _fmix64(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def person_year_keys(seed: int, person_id: np.ndarray, year: int) -> np.ndarray:
    """The keyed generator's (seed, person, year) prefix for every person (uint64)."""
    with np.errstate(over="ignore"):
        h0 = _fmix64(np.uint64(seed) * _GAMMA + _C_SEED)
        h1 = _fmix64(h0 + (person_id.astype(np.uint64) + _ONE) * _GAMMA)
        return _fmix64(h1 + (np.uint64(year) + _ONE) * _GAMMA)


def keyed_uniform(pykeys: np.ndarray, stream: int, index: int) -> np.ndarray:
    """Draw ``index`` of ``stream`` under person-year prefixes: ``rng.uniform_from_key``."""
    packed = (np.uint64(stream) << np.uint64(32)) | np.uint64(index & 0xFFFFFFFF)
    with np.errstate(over="ignore"):
        h = _fmix64(pykeys + (packed + _ONE) * _GAMMA)
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


# --- small vectorised pieces --------------------------------------------------------------


def logistic(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) with the kernel's branch for negative x."""
    x = np.asarray(x, dtype=np.float64)
    pos = x >= 0.0
    e = np.exp(np.where(pos, -x, x))
    return np.where(pos, 1.0 / (1.0 + e), e / (1.0 + e))


def match(pred, age, sex, edu, status, size, sector, flags, exp, um, gmask) -> np.ndarray:
    """:func:`llrsim.predicates.matches` over arrays."""
    ok = (age >= pred[P_AGE_MIN]) & (age <= pred[P_AGE_MAX])
    for field, code in (
        (P_SEX, sex),
        (P_STATUS, status),
        (P_EDU, edu),
        (P_SIZE, size),
        (P_SECTOR, sector),
    ):
        if pred[field] != 0:
            ok &= ((np.int64(pred[field]) >> code) & 1) == 1
    if pred[P_FLAGS] != 0:
        ok &= (flags & pred[P_FLAGS]) == pred[P_FLAGS]
    ok &= exp >= pred[P_MIN_EXP]
    ok &= um >= pred[P_MIN_UNEMP]
    if pred[P_GROUPS] != 0:
        ok &= (gmask & pred[P_GROUPS]) != 0
    return ok


def participation_probability(coef, age, sex, edu, status, size, sector) -> np.ndarray:
    """:func:`llrsim.behaviour.participation.participation_probability` over arrays."""
    x = coef[bc.B_INTERCEPT] + coef[bc.B_AGE_SLOPE] * (age - 30.0) / 10.0
    x = x + np.where(
        edu == _MED, coef[bc.B_EDU_MEDIUM], np.where(edu == _HIGH, coef[bc.B_EDU_HIGH], 0.0)
    )
    x = x + np.where(sex == _WOMEN, coef[bc.B_WOMEN], 0.0)
    st_term = np.zeros(age.shape[0])
    for code, b in (
        (_SELF_ST, bc.B_SELF_EMPLOYED),
        (_U, bc.B_JOBSEEKER),
        (_INACT, bc.B_INACTIVE),
        (_S, bc.B_STUDENT),
        (_R, bc.B_RETIRED),
    ):
        st_term = np.where(status == code, coef[b], st_term)
    x = x + st_term
    x = x + np.where(
        size == _MICRO, coef[bc.B_SIZE_MICRO], np.where(size >= _MEDIUM, coef[bc.B_SIZE_LARGE], 0.0)
    )
    if hasattr(bc, "B_SECTOR_1"):  # sector terms (sector 0 = none / reference)
        sec = np.concatenate([[0.0], coef[bc.B_SECTOR_1 : bc.B_SECTOR_1 + 7]])
        x = x + np.where(sector > 0, sec[sector], 0.0)
    return logistic(x)


def takeup_probability(qv, sex, edu, size) -> np.ndarray:
    """The kernel's take-up probability of instrument row ``qv`` over arrays."""
    x = np.full(sex.shape[0], qv[m.Q_T_INTERCEPT])
    x = x + np.where(sex == _MEN, qv[m.Q_T_MEN], np.where(sex == _WOMEN, qv[m.Q_T_WOMEN], 0.0))
    x = x + np.where(edu == _HIGH, qv[m.Q_T_HIGH], 0.0)
    x = x + np.where(size >= _MEDIUM, qv[m.Q_T_SIZE50], 0.0)
    return qv[m.Q_AWARENESS] * (1.0 - qv[m.Q_FRICTION]) * logistic(x)


def hourly_wage_cents(wage, fte, ceiling) -> np.ndarray:
    """Full-time-equivalent hourly wage in cents, capped at a monthly ceiling (kernel rule)."""
    ok = (wage > 0.0) & (fte > 0.0)
    month = wage * 100.0 / 12.0 / np.where(ok, fte, 1.0)
    if ceiling >= 0.0:
        month = np.where(month > ceiling, ceiling, month)
    return np.where(ok, month / m.HOURS_PER_MONTH_FULL_TIME, 0.0)


def response_probability(coef, p0, aware, money, cost, time, minutes) -> np.ndarray:
    """:func:`llrsim.behaviour.response.response_probability` over arrays."""
    boost = np.zeros(p0.shape[0])
    mm = (money > 0) & (cost > 0)
    boost[mm] += coef[bc.B_BETA_MONEY] * np.minimum(money[mm] / cost[mm], 1.0)
    tt = (time > 0) & (minutes > 0)
    boost[tt] += coef[bc.B_BETA_TIME] * np.minimum(time[tt] / minutes[tt], 1.0)
    go = (p0 > 0.0) & (p0 < 1.0) & (boost > 0.0) & (aware > 0.0)
    out = p0.copy()
    p = p0[go]
    p1 = logistic(np.log(p / (1.0 - p)) + aware[go] * boost[go])
    out[go] = np.where(p1 > p, p1, p)
    return out


def episode(coef, edu, ug, ub, uc, u1, u2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Episode kind (bit set), minutes and course fee in cents over arrays."""
    kind = np.where(
        ug < coef[bc.B_SHARE_GENERAL],
        T_GENERAL,
        np.where(
            (edu == _LOW) & (ub < coef[bc.B_SHARE_BASIC_LOW]),
            T_BASIC_SKILLS | T_JOB_RELATED,
            np.where(uc < coef[bc.B_SHARE_CERTIFIED], T_CERTIFIED | T_JOB_RELATED, T_JOB_RELATED),
        ),
    ).astype(np.int64)
    sigma = coef[bc.B_HOURS_SIGMA]
    mu = np.log(coef[bc.B_HOURS_MEAN]) - 0.5 * sigma * sigma
    z = np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)
    hours = np.exp(mu + sigma * z)
    hours = np.where(
        ((kind & T_CERTIFIED) != 0) & (hours < CERTIFIED_MIN_HOURS), CERTIFIED_MIN_HOURS, hours
    )
    hours = np.minimum(hours, 2000.0)
    minutes = np.rint(hours * 60.0).astype(np.int64)
    cost = np.rint(minutes * coef[bc.B_COST_PER_HOUR] * 100.0 / 60.0).astype(np.int64)
    return kind, minutes, cost


# --- demography ---------------------------------------------------------------------------


class _State:
    """Person arrays (int64 / float64) in the kernel's types."""

    def __init__(self, pop: Population):
        blk = state_block(pop).astype(np.int64)
        (
            self.age,
            self.sex,
            self.edu,
            self.status,
            self.sector,
            self.size,
            self.exp,
            self.flags,
        ) = (np.ascontiguousarray(blk[:, k]) for k in range(8))
        self.wage = pop.wage.astype(np.float64)
        self.fte = pop.fte.astype(np.float64)
        self.um = pop.unemployment_months.astype(np.int64)


def demography(
    st: _State, k: np.ndarray, keys: np.ndarray, year: int, tb, persist_edu: bool
) -> tuple[np.ndarray, np.ndarray]:
    """One demography step (``demography_step``) for records ``k``.

    Returns their exit mask and whether each one's job ended (an employer change, or
    leaving employment), which ends a right that is not transferable.
    """
    yi = year - tb.start_year
    if yi < 0 or yi >= tb.qx.shape[0]:
        raise ValueError("year outside the range of the demography tables")
    p = keys[k]
    a, sx, ed, prev = st.age[k], st.sex[k], st.edu[k], st.status[k]
    sc, sz, ex, wg, ft, um = st.sector[k], st.size[k], st.exp[k], st.wage[k], st.fte[k], st.um[k]

    def draw(stream, sel, index=0):
        return keyed_uniform(p[sel], stream, index)

    every = slice(None)
    out = draw(streams.MORTALITY, every) < tb.qx[yi, sx, a]
    emig = tb.scalars[dyn.SC_EMIGRATION]
    if emig > 0.0:
        cand = np.flatnonzero(~out)
        out[cand[draw(streams.MIGRATION, cand, 1) < emig]] = True
    out |= a + 1 > tb.upper_age
    c = np.flatnonzero(~out)
    a, sx, ed, prev = a[c] + 1, sx[c], ed[c], prev[c]
    sc, sz, ex, wg, ft, um = sc[c], sz[c], ex[c], wg[c], ft[c], um[c]
    p = p[c]
    was_emp = prev <= _SELF
    ex = np.where(was_emp & (ex < 127), ex + 1, ex)
    not_r = prev != _R
    retire = not_r & (a >= tb.pension_age[yi])
    early = np.flatnonzero(not_r & ~retire & (a >= tb.early_min_age) & (prev != _S))
    retire[early] = draw(streams.RETIREMENT, early) < tb.early_hazard[a[early]]
    tr = np.flatnonzero(not_r & ~retire)
    # labour-status transition of tr: first column with u < cumulative share, else 5
    band = tb.band[a[tr]]
    rows = tb.trans_cum[sx[tr], band, ed[tr], prev[tr], :5]
    below = draw(streams.LABOUR_TRANSITION, tr)[:, None] < rows
    new = np.where(below.any(axis=1), below.argmax(axis=1), 5)
    pv, we = prev[tr], was_emp[tr]
    e_loc = ed[tr].copy()
    if hasattr(tb, "edu_upgrade_cum"):
        lv = np.flatnonzero((pv == _S) & (new != _S))
        if lv.size:
            ue = draw(streams.EDUCATION, tr[lv])
            e0 = e_loc[lv]
            e2 = e0.copy()
            going = np.ones(lv.size, dtype=bool)
            for _ in range(2):
                going &= (e2 < 2) & (ue >= tb.edu_upgrade_cum[sx[tr[lv]], e0, np.minimum(e2, 2)])
                e2 += going
            e_loc[lv] = e2
            if persist_edu:
                ed[tr[lv]] = e2
    emp = new <= _SELF
    move = np.zeros(tr.size, dtype=bool)
    move[we & emp & (new != pv)] = True
    jc = np.flatnonzero(we & emp & (new == pv) & (new != _SELF))
    move[jc] = draw(streams.JOB_CHANGE, tr[jc]) < tb.job_change[band[jc]]
    t_sc, t_sz, t_wg, t_ft = sc[tr], sz[tr], wg[tr], ft[tr]
    alloc = np.flatnonzero(emp & (move | ~we))
    us = draw(streams.SECTOR, tr[alloc])
    kk = np.zeros(alloc.size, dtype=np.int64)
    for code in range(3):
        sel = new[alloc] == code
        kk[sel] = np.searchsorted(tb.job_cum[code, :47], us[sel], side="right")
    t_sc[alloc] = kk // dyn.N_SIZE
    t_sz[alloc] = np.where(new[alloc] != _SELF, kk % dyn.N_SIZE, 0)
    self_new = emp & (new == _SELF)
    t_wg[self_new] = 0.0
    t_ft[self_new & ~we] = 1.0
    stay = emp & (new != _SELF) & we & (pv != _SELF)
    sc_ = tb.scalars
    t_wg[stay] = t_wg[stay] * (1.0 + sc_[dyn.SC_WAGE_GROWTH])
    prem = stay & move
    t_wg[prem] = t_wg[prem] * (1.0 + sc_[dyn.SC_JOB_PREMIUM])
    nj = np.flatnonzero(emp & (new != _SELF) & ~(we & (pv != _SELF)))
    if nj.size:
        u1 = draw(streams.WAGE, tr[nj], 0)
        u2 = draw(streams.WAGE, tr[nj], 1)
        z = np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)
        t_wg[nj] = tb.entry_wage[e_loc[nj]] * np.exp(sc_[dyn.SC_WAGE_SIGMA] * z)
        part = draw(streams.WAGE, tr[nj], 2) < tb.part_time[sx[tr[nj]]]
        t_ft[nj] = np.where(part, sc_[dyn.SC_PART_TIME_FTE], 1.0)
    t_sc[~emp], t_sz[~emp], t_wg[~emp], t_ft[~emp] = 0, 0, 0.0, 0.0
    t_um = np.where(
        new == _U,
        np.where(pv == _U, np.minimum(um[tr] + 12, 32000), np.int64(sc_[dyn.SC_NEW_SPELL_MONTHS])),
        0,
    )
    status = prev.copy()
    status[tr], sc[tr], sz[tr], wg[tr], ft[tr], um[tr] = new, t_sc, t_sz, t_wg, t_ft, t_um
    status[retire], sc[retire], sz[retire], wg[retire], ft[retire], um[retire] = (
        _R,
        0,
        0,
        0.0,
        0.0,
        0,
    )
    kc = k[c]
    st.age[kc], st.status[kc], st.sector[kc], st.size[kc], st.exp[kc], st.um[kc] = (
        a,
        status,
        sc,
        sz,
        ex,
        um,
    )
    st.wage[kc] = wg.astype(np.float32)
    st.fte[kc] = ft.astype(np.float32)
    st.edu[kc] = ed
    job_end = np.zeros(k.size, dtype=bool)
    ended = prev <= _SELF
    ended &= status > _SELF
    ended[tr[move]] = True
    job_end[c] = ended
    return out, job_end


# --- tallies ------------------------------------------------------------------------------


class _Tally:
    """Weighted integer tallies of one (scenario, year) grouped by the persons' group masks.

    Persons with the same group mask fall in the same groups, so values are summed per
    distinct mask with ``np.bincount`` (float64, exact for integers below 2**53) and then
    spread over the groups with a small 0/1 matrix.
    """

    def __init__(self, gmask: np.ndarray, w: np.ndarray, n_groups: int, n_i: int):
        uq, self.inv = np.unique(gmask, return_inverse=True)
        self.inv = self.inv.reshape(-1)
        self.onehot = ((uq[:, None] >> np.arange(n_groups)) & 1).astype(np.float64)
        self.w = w
        self.k = uq.size
        self.p = np.zeros((N_PV, self.k))
        self.i = np.zeros((n_i, N_IV, self.k))

    def reset(self) -> None:
        self.p[:] = 0.0
        self.i[:] = 0.0

    def _sum(self, rows, values) -> np.ndarray:
        if rows is None:
            return np.bincount(self.inv, weights=values * self.w, minlength=self.k)
        return np.bincount(self.inv[rows], weights=values * self.w[rows], minlength=self.k)

    def add_p(self, v, rows, values) -> None:
        self.p[v] += self._sum(rows, values)

    def add_i(self, j, v, rows, values) -> None:
        self.i[j, v] += self._sum(rows, values)

    def into(self, tp: np.ndarray, ti: np.ndarray) -> None:
        if max(np.abs(self.p).max(initial=0), np.abs(self.i).max(initial=0)) >= _EXACT:
            raise OverflowError("tally beyond 2**53: float64 sums would not be exact")
        tp += np.rint(self.onehot.T @ self.p.T).astype(np.int64)
        ti += np.rint(np.einsum("kg,ivk->giv", self.onehot, self.i)).astype(np.int64)


# --- accounts -----------------------------------------------------------------------------


def _slots(e: int) -> int:
    return e if e > 0 else 1


def spend(bal: np.ndarray, rows: np.ndarray, y: int, e: int, amount: np.ndarray) -> np.ndarray:
    """Take ``amount`` from the balances of ``rows`` oldest vintage first; returns the takes."""
    amount = np.maximum(amount, 0)
    taken = np.zeros(rows.size, dtype=np.int64)
    ns = _slots(e)
    for k in range(ns):
        slot = (y - ns + 1 + k) % ns if e > 0 else 0
        have = bal[rows, slot]
        take = np.minimum(amount - taken, have)
        bal[rows, slot] = have - take
        taken += take
    return taken


# --- the model ----------------------------------------------------------------------------


def policy_numpy(
    pop: Population,
    entry_year: np.ndarray,
    plan: KernelPlan,
    tables,
    group_predicates: np.ndarray,
    coef: np.ndarray,
    seed: int,
    persist_education: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate ``plan`` on ``pop``; returns the kernel's tallies ``(tp, ti)`` (int64).

    Arguments are those of :func:`llrsim.engine.run.run_plan` (without the group names).
    ``persist_education`` (default: as the kernel does, :func:`kernel_persists_education`)
    says whether a diploma reached on leaving study changes the person's education.
    """
    if persist_education is None:
        persist_education = kernel_persists_education()
    tb = tables
    n = pop.n
    st = _State(pop)
    pid = pop.person_id.astype(np.int64)
    w = pop.weight.astype(np.int64)
    entry = np.asarray(entry_year, dtype=np.int64)
    gp = np.asarray(group_predicates, dtype=np.int64)
    n_g = gp.shape[0]
    n_s, n_y, n_i = plan.active.shape
    q, kind, year0 = plan.q, plan.kind, int(plan.years[0])
    tp = np.zeros((n_s, n_y, n_g, N_PV), dtype=np.int64)
    ti = np.zeros((n_s, n_y, n_g, n_i, N_IV), dtype=np.int64)
    alive = np.ones(n, dtype=bool)

    def gmask_of(k):
        gm = np.zeros(k.size, dtype=np.int64)
        zero = np.zeros(k.size, dtype=np.int64)
        for g in range(n_g):
            hit = match(
                gp[g], st.age[k], st.sex[k], st.edu[k], st.status[k], st.size[k],
                st.sector[k], st.flags[k], st.exp[k], st.um[k], zero,
            )  # fmt: skip
            gm |= hit.astype(np.int64) << np.int64(g)
        return gm

    gmask_last = gmask_of(np.arange(n))
    expiry = {(s, j): int(q[s, 0, j, m.Q_EXPIRY_YEARS]) for s in range(n_s) for j in range(n_i)}
    bal: dict[tuple[int, int], np.ndarray] = {}
    gstart: dict[tuple[int, int], np.ndarray] = {}
    gcount: dict[tuple[int, int], np.ndarray] = {}
    ever: dict[tuple[int, int], np.ndarray] = {}

    def account(s, j):
        if (s, j) not in bal:
            bal[(s, j)] = np.zeros((n, _slots(expiry[(s, j)])), dtype=np.int64)
        return bal[(s, j)]

    def person_array(store, s, j, fill, dtype):
        if (s, j) not in store:
            store[(s, j)] = np.full(n, fill, dtype=dtype)
        return store[(s, j)]

    for y in range(n_y):
        year = year0 + y
        cand = np.flatnonzero(alive & (entry <= year))
        step = cand[entry[cand] < year]
        keys = person_year_keys(seed, pid, year)
        gone, ended = demography(st, step, keys, year, tb, persist_education)
        job_end = np.zeros(n, dtype=bool)
        job_end[step] = ended
        left = step[gone]
        alive[left] = False
        ix = np.setdiff1d(cand, left, assume_unique=True)
        # rights end at exit: balances forfeited under the groups of the last year in the model
        if left.size:
            tx = _Tally(gmask_last[left], w[left], n_g, n_i)
            for s in range(n_s):
                tx.reset()
                for j in plan.bal_idx[s, : plan.bal_n[s]]:
                    b = account(s, j)[left].sum(axis=1)
                    r = np.flatnonzero(b > 0)
                    tx.add_i(j, m.W_OPENING, r, b[r])
                    tx.add_i(j, m.W_FORFEITED, r, b[r])
                    bal[(s, j)][left] = 0
                tx.into(tp[s, y], ti[s, y])
        # -- person-year quantities shared by every scenario
        nm = ix.size
        age, sex, edu, status = st.age[ix], st.sex[ix], st.edu[ix], st.status[ix]
        size, sector, flags, exp, um = (
            st.size[ix],
            st.sector[ix],
            st.flags[ix],
            st.exp[ix],
            st.um[ix],
        )
        wg, ft, k_ix, w_ix = st.wage[ix], st.fte[ix], keys[ix], w[ix]
        gmask = gmask_of(ix)
        gmask_last[ix] = gmask
        employee = (status == _PRIV) | (status == _PUB)
        job_end_ix = job_end[ix]
        p0 = participation_probability(coef, age, sex, edu, status, size, sector)
        u = keyed_uniform(k_ix, streams.PARTICIPATION, 0)
        ekind, minutes, cost = episode(
            coef,
            edu,
            keyed_uniform(k_ix, streams.TRAINING_TYPE, 0),
            keyed_uniform(k_ix, streams.TRAINING_TYPE, 1),
            keyed_uniform(k_ix, streams.TRAINING_TYPE, 2),
            keyed_uniform(k_ix, streams.TRAINING_HOURS, 0),
            keyed_uniform(k_ix, streams.TRAINING_HOURS, 1),
        )
        base = u < p0
        eu = [
            match(pr, age, sex, edu, status, size, sector, flags, exp, um, gmask)
            for pr in plan.unique_elig
        ]

        def draw_takeup(stream, key, rows, k_ix=k_ix):
            return keyed_uniform(k_ix[rows], stream, key)

        tl = _Tally(gmask, w_ix, n_g, n_i)
        for s in range(n_s):
            tl.reset()
            tl.add_p(m.V_PERSONS, None, np.ones(nm))
            act = plan.act_idx[s, y, : plan.act_n[s, y]]
            bal_j = plan.bal_idx[s, : plan.bal_n[s]]
            B = {j: account(s, j)[ix] for j in bal_j}

            def acc(j, s=s, B=B, ix=ix):
                if j not in B:
                    B[j] = account(s, j)[ix]
                return B[j]

            el = {}
            # 1a. opening balances and eligibility
            for j in bal_j:
                el[j] = np.zeros(nm, dtype=bool)
                tl.add_i(j, m.W_OPENING, None, B[j].sum(axis=1))
            for j in act:
                el[j] = eu[plan.elig_id[s, y, j]]
                tl.add_i(j, m.W_ELIGIBLE, None, el[j])
            # 1b. phase switch: convert the balance of an instrument no longer in force
            for j in act:
                c = int(q[s, y, j, m.Q_CONVERT_FROM])
                if c < 0 or plan.active[s, y, c]:
                    continue
                bc_ = acc(c)
                b = bc_.sum(axis=1)
                r = np.flatnonzero(b > 0)
                bc_[r] = 0
                moved = (b[r] * q[s, y, j, m.Q_CONVERT_FACTOR]).astype(np.int64)
                tl.add_i(c, m.W_EXCHANGED_OUT, r, b[r])
                tl.add_i(j, m.W_EXCHANGED_IN, r, moved)
                ej = expiry[(s, j)]
                acc(j)[r, y % _slots(ej) if ej > 0 else 0] += moved
            # 1c. forfeiture of rights no longer in force, and accrual
            money_new = np.zeros(nm, dtype=np.int64)
            time_new = np.zeros(nm, dtype=np.int64)
            aware_new = np.zeros(nm)
            for j in bal_j:
                qv = q[s, y, j]
                e = expiry[(s, j)]
                b = B[j].sum(axis=1)
                if _Q_TRANSFERABLE is not None and qv[_Q_TRANSFERABLE] == 0.0:
                    r = np.flatnonzero(job_end_ix & (b > 0))
                    B[j][r] = 0
                    tl.add_i(j, m.W_FORFEITED, r, b[r])
                    b[r] = 0
                if not plan.active[s, y, j] and qv[m.Q_FORFEIT_INACTIVE] > 0.0:
                    r = np.flatnonzero(b > 0)
                    B[j][r] = 0
                    tl.add_i(j, m.W_FORFEITED, r, b[r])
                    b[r] = 0
                ej = el[j]
                if not ej.any():
                    continue
                a = (
                    qv[m.Q_ACCRUAL] * ft
                    if qv[m.Q_PRO_RATA_FTE] > 0.0
                    else np.full(nm, qv[m.Q_ACCRUAL])
                )
                a = np.rint(a).astype(np.int64)
                cap = np.int64(qv[m.Q_CAP])
                if cap >= 0:
                    a = np.where(b + a > cap, np.maximum(cap - b, 0), a)
                a = np.where(ej, a, 0)
                r = np.flatnonzero(a > 0)
                B[j][r, y % _slots(e) if e > 0 else 0] += a[r]
                tl.add_i(j, m.W_ACCRUED, r, a[r])
                b = b + a
                if qv[m.Q_NEW_RIGHT] > 0.0:
                    sel = ej & ((np.int64(qv[m.Q_TYPES_MASK]) & ekind) != 0)
                    if kind[j] == m.KIND_MONEY:
                        money_new[sel] += b[sel]
                    else:
                        time_sel = sel & employee
                        time_new[time_sel] += b[time_sel]
                    aware_new[sel] = np.maximum(aware_new[sel], qv[m.Q_AWARENESS])
            # 2. participation with common random numbers
            has = np.flatnonzero((money_new > 0) | (time_new > 0))
            p1 = p0.copy()
            p1[has] = response_probability(
                coef,
                p0[has],
                aware_new[has],
                money_new[has],
                cost[has],
                time_new[has],
                minutes[has],
            )
            trained = u < p1
            tr = np.flatnonzero(trained)
            tl.add_p(m.V_PARTICIPANTS, tr, np.ones(tr.size))
            tl.add_p(m.V_MINUTES, tr, minutes[tr])
            tl.add_p(m.V_BASELINE, tr, base[tr])
            tl.add_p(m.V_ADDITIONAL, tr, ~base[tr])
            # 3. take-up and spending, instruments in plan order
            remaining = cost[tr].copy()
            for j in act:
                k = kind[j]
                if k == m.KIND_GUIDANCE or k == m.KIND_EXCHANGE:
                    continue
                qv = q[s, y, j]
                ok = el[j][tr] & ((np.int64(qv[m.Q_TYPES_MASK]) & ekind[tr]) != 0)
                if k == m.KIND_TIME or k == m.KIND_LEAVE:
                    ok &= employee[tr]
                if k == m.KIND_LEAVE:
                    gc = person_array(gcount, s, j, 0, np.int64)
                    ok &= (minutes[tr] >= qv[m.Q_MIN_MINUTES]) & (
                        gc[ix[tr]] < np.int64(qv[m.Q_MAX_MONTHS])
                    )
                pos = np.flatnonzero(ok)
                r = tr[pos]
                pt = takeup_probability(qv, sex[r], edu[r], size[r])
                key = int(qv[m.Q_KEY])
                go = draw_takeup(streams.TAKEUP_BASE, key, r) < pt
                pos, r = pos[go], r[go]
                if r.size == 0:
                    continue
                basic = (ekind[r] & T_BASIC_SKILLS) != 0
                own_share = np.where(basic, qv[m.Q_OWN_SHARE_BASIC], qv[m.Q_OWN_SHARE])
                pub_share = 1.0 - own_share
                maxu = np.int64(qv[m.Q_MAX_PER_USE])
                if maxu < 0:
                    maxu = _BIG
                rem = remaining[pos]
                used = np.zeros(r.size, dtype=bool)
                if k == m.KIND_MONEY:
                    e = expiry[(s, j)]
                    want = np.minimum((rem * pub_share).astype(np.int64), maxu)
                    take = spend(B[j], r, y, e, want)
                    partner = int(qv[m.Q_EXCHANGE_PARTNER])
                    rate = qv[m.Q_EXCHANGE_CENTS_PER_HOUR]
                    if partner >= 0 and rate > 0.0:
                        sh = np.flatnonzero(take < want)
                        short = want[sh] - take[sh]
                        need = np.ceil(short * 60.0 / rate).astype(np.int64)
                        max_min = np.int64(qv[m.Q_EXCHANGE_MAX_MINUTES])
                        if max_min >= 0:
                            need = np.minimum(need, max_min)
                        mins = spend(acc(partner), r[sh], y, expiry[(s, partner)], need)
                        pm = mins > 0
                        sh, short, mins = sh[pm], short[pm], mins[pm]
                        cents = (mins * rate // 60.0).astype(np.int64)
                        tl.add_i(partner, m.W_EXCHANGED_OUT, r[sh], mins)
                        tl.add_i(j, m.W_EXCHANGED_IN, r[sh], cents)
                        B[j][r[sh], y % _slots(e) if e > 0 else 0] += cents
                        take[sh] += spend(B[j], r[sh], y, e, short)
                    used = take > 0
                    own = np.zeros(r.size, dtype=np.int64)
                    ps = pub_share > 0.0
                    own[ps] = np.minimum(
                        np.rint(take[ps] * own_share[ps] / pub_share[ps]).astype(np.int64),
                        rem[ps] - take[ps],
                    )
                    own = np.where(used, own, 0)
                    tl.add_i(j, m.W_SPENT, r, take)
                    tl.add_i(j, m.W_PUBLIC, r, take)
                    tl.add_i(j, m.W_OWN, r, own)
                    remaining[pos] = rem - np.where(used, take + own, 0)
                elif k == m.KIND_TIME:
                    e = expiry[(s, j)]
                    need_m = minutes[r]
                    mins = spend(B[j], r, y, e, need_m)
                    partner = int(qv[m.Q_EXCHANGE_PARTNER])
                    rate = qv[m.Q_EXCHANGE_CENTS_PER_HOUR]
                    if partner >= 0 and rate > 0.0:
                        sh = np.flatnonzero(mins < need_m)
                        short = need_m[sh] - mins[sh]
                        max_min = np.int64(qv[m.Q_EXCHANGE_MAX_MINUTES])
                        if max_min >= 0:
                            short = np.minimum(short, max_min)
                        need_c = np.ceil(short * rate / 60.0).astype(np.int64)
                        cents = spend(acc(partner), r[sh], y, expiry[(s, partner)], need_c)
                        got = (cents * 60.0 // rate).astype(np.int64)
                        pc = cents > 0
                        sh, short, cents, got = sh[pc], short[pc], cents[pc], got[pc]
                        tl.add_i(partner, m.W_EXCHANGED_OUT, r[sh], cents)
                        tl.add_i(j, m.W_EXCHANGED_IN, r[sh], got)
                        B[j][r[sh], y % _slots(e) if e > 0 else 0] += got
                        mins[sh] += spend(B[j], r[sh], y, e, np.minimum(got, short))
                    used = mins > 0
                    reimb = qv[m.Q_REIMB_CENTS_PER_HOUR]
                    hw = hourly_wage_cents(wg[r], ft[r], qv[m.Q_WAGE_CEILING_MONTH])
                    tl.add_i(j, m.W_SPENT, r, mins)
                    tl.add_i(j, m.W_PUBLIC, r, (mins * reimb // 60.0).astype(np.int64))
                    emp_c = np.where(used & (hw > reimb), (mins * (hw - reimb) // 60.0), 0.0)
                    tl.add_i(j, m.W_EMPLOYER, r, emp_c.astype(np.int64))
                elif k == m.KIND_VOUCHER:
                    covered = np.minimum(rem, maxu)
                    pub = (covered * pub_share).astype(np.int64)
                    used = covered > 0
                    tl.add_i(j, m.W_PUBLIC, r, np.where(used, pub, 0))
                    tl.add_i(j, m.W_OWN, r, np.where(used, covered - pub, 0))
                    remaining[pos] = rem - np.where(used, covered, 0)
                elif k == m.KIND_SUBSIDY:
                    rate = q[s, y, j, m.Q_BY_SIZE_0 + size[r]]
                    pub = np.minimum((rem * rate).astype(np.int64), maxu)
                    used = employee[r] & (rate > 0.0) & (pub > 0)
                    tl.add_i(j, m.W_PUBLIC, r, np.where(used, pub, 0))
                    tl.add_i(j, m.W_EMPLOYER, r, np.where(used, rem - pub, 0))
                    remaining[pos] = np.where(used, 0, rem)
                elif k == m.KIND_OBLIGATION:
                    days = q[s, y, j, m.Q_BY_SIZE_0 + size[r]]
                    cap_min = (days * ft[r] * qv[m.Q_HOURS_PER_DAY] * 60.0).astype(np.int64)
                    mins = np.minimum(minutes[r], cap_min)
                    used = employee[r] & (days > 0.0) & (mins > 0)
                    hw = hourly_wage_cents(wg[r], ft[r], -1.0)
                    emp_c = np.where(used, (mins * hw // 60.0), 0.0).astype(np.int64)
                    tl.add_i(j, m.W_EMPLOYER, r, emp_c)
                elif k == m.KIND_LEAVE:
                    gc = gcount[(s, j)]
                    months = np.minimum(12, np.int64(qv[m.Q_MAX_MONTHS]) - gc[ix[r]])
                    gc[ix[r]] += months
                    tl.add_i(j, m.W_PUBLIC, r, months * np.int64(qv[m.Q_ALLOWANCE_MONTH]))
                    used = np.ones(r.size, dtype=bool)
                ru = r[used]
                ev = person_array(ever, s, j, False, bool)
                first = ~ev[ix[ru]]
                ev[ix[ru]] = True
                tl.add_i(j, m.W_FIRST_USERS, ru, first)
                tl.add_i(j, m.W_USERS, ru, np.ones(ru.size))
                tl.add_i(j, m.W_TRANSACTIONS, ru, np.ones(ru.size))
                tl.add_i(j, m.W_DEADWEIGHT, ru, base[ru])
            # 4. career-guidance vouchers, independent of training
            for j in act:
                if kind[j] != m.KIND_GUIDANCE:
                    continue
                qv = q[s, y, j]
                gs = person_array(gstart, s, j, -(1 << 20), np.int64)
                gc = person_array(gcount, s, j, 0, np.int64)
                gci = gc[ix]
                ej = el[j]
                reset = ej & (gci > 0) & (year - gs[ix] >= np.int64(qv[m.Q_PERIOD_YEARS]))
                gci[reset] = 0
                r = np.flatnonzero(ej & (gci == 0))
                key = int(qv[m.Q_KEY])
                go = draw_takeup(streams.TAKEUP_BASE, key, r) < takeup_probability(
                    qv, sex[r], edu[r], size[r]
                )
                r = r[go]
                n_use = np.ones(r.size, dtype=np.int64)
                going = np.ones(r.size, dtype=bool)
                for k in range(1, int(qv[m.Q_N_PER_PERIOD])):
                    idx = np.flatnonzero(going)
                    going[idx] = (
                        draw_takeup(streams.TAKEUP_BASE + k, key, r[idx]) < qv[m.Q_SECOND_SHARE]
                    )
                    n_use += going
                gci[r] = n_use
                gc[ix] = gci
                gs[ix[r]] = year
                price, own_c = np.int64(qv[m.Q_PRICE]), np.int64(qv[m.Q_OWN_CONTRIB])
                ev = person_array(ever, s, j, False, bool)
                tl.add_i(j, m.W_FIRST_USERS, r, ~ev[ix[r]])
                ev[ix[r]] = True
                tl.add_i(j, m.W_USERS, r, np.ones(r.size))
                tl.add_i(j, m.W_TRANSACTIONS, r, n_use)
                tl.add_i(j, m.W_PUBLIC, r, n_use * (price - own_c))
                tl.add_i(j, m.W_OWN, r, n_use * own_c)
                # career guidance adds no participant: every user is deadweight (as the kernel)
                tl.add_i(j, m.W_DEADWEIGHT, r, np.ones(r.size))
            # 5. FIFO expiry at year end and closing balances
            for j in bal_j:
                e = expiry[(s, j)]
                if e > 0 and y - e + 1 >= 0:
                    slot = (y - e + 1) % e
                    tl.add_i(j, m.W_EXPIRED, None, B[j][:, slot])
                    B[j][:, slot] = 0
                tl.add_i(j, m.W_CLOSING, None, B[j].sum(axis=1))
            for j, arr in B.items():
                bal[(s, j)][ix] = arr
            tl.into(tp[s, y], ti[s, y])
    return tp, ti
