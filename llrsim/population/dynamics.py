"""Yearly demography and labour market of one person: the Numba step the engine calls.

Time convention
---------------
A :class:`~llrsim.population.population.Population` of ``year = Y0`` holds each person's
state *during* Y0 (age on 1 January of Y0). One step for simulated year ``y`` moves a
person's state from year ``y - 1`` to year ``y``; so a projection or a policy run over
``years = range(Y0 + 1, ...)`` calls the step with ``y = Y0 + 1`` first, and after the step
the arrays hold the state the policy rules of year ``y`` should see. Within one step, in
this order:

1. **death** during ``y - 1`` at age ``a`` (q_x of sex and age, Belgium 2018 life table,
   Gompertz-smoothed below 40, times ``(1 - r)^(y - 1 - 2018)``, r = mortality improvement);
2. **emigration** hazard (0 by default: migration enters as a net flow of entrants);
3. **ageing** to ``a + 1``; past the upper age 67 the person leaves the model (aged out);
4. **retirement**: at the statutory pension age of year ``y`` (65 up to 2024, 66 from 2025,
   67 from 2030) for certain; from 55 by the early-retirement hazard (SWT / early pension;
   students excepted); RETIRED is absorbing;
5. otherwise the **labour-status transition** (Markov row of sex × age band × education ×
   status, :mod:`llrsim.population.transitions`); a student leaving study reaches a diploma
   (education upgrade); a **job-to-job move** for employees who stay employees; a new job
   draws sector, employer size (and, coming from outside employment, wage and fte); leaving
   employment clears them; wages of stayers grow;
6. **durations**: experience +1 for a year employed in ``y - 1``; unemployment months
   +12 for a continuing spell, ``transitions.new_spell_months`` (6) for a new one, 0
   otherwise.

Every draw comes from the keyed generator with the person-year prefix ``pykey`` and the
streams of :mod:`llrsim.engine.streams`, so a person's demographic life depends only on
(seed, person id, year, own state) — never on other persons, threads, chunks or scenarios.

Engine API
----------
Tables: ``tb = demography_tables(start_year, end_year, params=None, base=None)`` returns a
:class:`DemographyTables` NamedTuple of numpy arrays (one numba type, pass it through).

Register form (state in local variables, fastest; what ``llrsim.engine.kernel`` uses)::

    (event, age, status, sector, size, exp, wage, fte, um, changes) = demography_step(
        pykey, year, entry_year, age, sex, edu, status, sector, size, exp, wage, fte, um, tb)
    if changes & CHANGE_EDUCATION:
        edu = (changes >> CHANGE_EDU_SHIFT) & 3

with ``pykey = rng.person_year_key(rng.person_key(seed, person_id), year)``; integers are
int64, ``wage`` and ``fte`` float64. In-place form on :class:`PersonState` arrays::

    event, changes = advance_person_year(i, year, seed, st, tb)

``event`` is one of the ``EVENT_*`` codes below; ``in_model(event)`` tells whether the
person counts in year ``y`` (policy rules apply); ``is_exit(event)`` whether she left the
model this year (rights end: forfeit balances). ``changes`` is a bit set:
``CHANGE_JOB`` (1) when an employed person changed employer (employee → other employer,
employee ↔ self-employed, private ↔ public) — not for entering employment from outside;
``CHANGE_EDUCATION`` (2) when a student left study with a higher diploma, the new level in
bits 2-3.

Education: the synthesized population records the diploma held *now*, so students carry
the level they have so far; on leaving study a student reaches a diploma drawn from the
education mix of non-students aged 25-29 of her sex in the base (levels at or above her
current one, renormalised), so cohorts keep the base's young-adult attainment.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np
from numba import njit

from llrsim.engine import streams
from llrsim.engine.rng import person_key, person_year_key, uniform_from_key
from llrsim.errors import DataError
from llrsim.parameters import ParameterSet, load_parameters
from llrsim.population.codes import Status
from llrsim.population.population import Population
from llrsim.population.transitions import (
    N_BANDS,
    N_EDU,
    CalibrationReport,
    band_of_age,
    calibrate_transitions,
    reference_stocks,
    student_stay_from_counts,
)
from llrsim.tables import load_table

# --- event codes --------------------------------------------------------------------------
EVENT_ALIVE = 0  #: in the model in year y (nothing special happened)
EVENT_ENTERED = 1  #: entrant record, first year in the model (no transition applied)
EVENT_RETIRED = 2  #: retired during the step, still in the model
EVENT_DIED = 3  #: died during y - 1 → not in the model in y
EVENT_EMIGRATED = 4  #: emigrated → not in the model in y
EVENT_AGED_OUT = 5  #: passed the upper age 67 → not in the model in y
EVENT_NOT_YET_ENTERED = 6  #: entrant record before its entry year (skip)
EVENT_EXITED = 7  #: left the model in an earlier year (advance_person_year only)
N_EVENTS = 8
EVENT_NAMES = (
    "alive",
    "entered",
    "retired",
    "died",
    "emigrated",
    "aged_out",
    "not_yet_entered",
    "exited",
)

#: bits of the last output of the step (``changes``)
CHANGE_JOB = 1  #: changed employer (job-to-job move, see the module docstring)
CHANGE_EDUCATION = 2  #: left study with a higher diploma; new level in bits 2-3
CHANGE_EDU_SHIFT = 2  #: ``new_education = (changes >> CHANGE_EDU_SHIFT) & 3``

_PRIV, _PUB, _SELF = int(Status.EMPLOYEE_PRIVATE), int(Status.EMPLOYEE_PUBLIC), 2
_U, _I, _S, _R = int(Status.JOBSEEKER), int(Status.INACTIVE), int(Status.STUDENT), 6
N_SIZE = 6  #: codes.EmployerSize
N_SECTOR = 8  #: codes.Sector

# indices of DemographyTables.scalars
SC_PART_TIME_FTE, SC_WAGE_GROWTH, SC_JOB_PREMIUM, SC_WAGE_SIGMA = 0, 1, 2, 3
SC_EMIGRATION, SC_NEW_SPELL_MONTHS = 4, 5
N_SCALARS = 6


class DemographyTables(NamedTuple):
    """Everything the demography step reads, as numpy arrays (built by demography_tables)."""

    start_year: int  #: first simulated year; per-year tables are indexed ``year - start_year``
    qx: np.ndarray  #: float64 [n_years, 2, 128]: P(death during y-1 at age a), by year, sex
    pension_age: np.ndarray  #: int64 [n_years]: statutory pension age in year y
    upper_age: int  #: oldest age in the model (67)
    early_min_age: int  #: earliest early-retirement age (60)
    early_hazard: np.ndarray  #: float64 [128]: early-retirement probability at age a (in y)
    band: np.ndarray  #: int64 [128]: age band of age a
    trans_cum: np.ndarray  #: float64 [2, 10, 3, 6, 6]: cumulative transition rows
    job_change: np.ndarray  #: float64 [10]: job-to-job probability of a staying employee
    job_cum: np.ndarray  #: float64 [3, 48]: cumulative P(sector * 6 + size | new job status)
    entry_wage: np.ndarray  #: float64 [3]: median annual gross wage of a new job by education
    part_time: np.ndarray  #: float64 [2]: P(part-time) of a new job by sex
    scalars: np.ndarray  #: float64 [N_SCALARS]: see SC_* indices
    edu_upgrade_cum: (
        np.ndarray
    )  #: float64 [2, 3, 3]: cumulative P(diploma | sex, edu) at leaving study


class PersonState(NamedTuple):
    """Mutable per-person arrays for :func:`advance_person_year` (see :func:`person_state`)."""

    person_id: np.ndarray  #: int64
    age: np.ndarray  #: int8
    sex: np.ndarray  #: int8
    education: np.ndarray  #: int8
    status: np.ndarray  #: int8
    sector: np.ndarray  #: int8
    employer_size: np.ndarray  #: int8
    wage: np.ndarray  #: float32, EUR/year
    fte: np.ndarray  #: float32
    experience: np.ndarray  #: int8, years
    unemployment_months: np.ndarray  #: int16
    entry_year: np.ndarray  #: int16: first year in the model (base records: base year)
    exit_year: np.ndarray  #: int16: year of exit (0 while in the model)
    employer_changes: np.ndarray  #: int16: job-to-job moves so far


def person_state(pop: Population, entry_year: np.ndarray | None = None) -> PersonState:
    """Copies of a population's arrays as a :class:`PersonState` (base records: entry = year)."""
    n = pop.n
    ey = (
        np.full(n, pop.year, dtype=np.int16)
        if entry_year is None
        else np.asarray(entry_year).astype(np.int16)
    )
    if ey.shape != (n,):
        raise ValueError(f"entry_year has shape {ey.shape}, expected ({n},)")
    return PersonState(
        pop.person_id.copy(),
        pop.age.copy(),
        pop.sex.copy(),
        pop.education.copy(),
        pop.status.copy(),
        pop.sector.copy(),
        pop.employer_size.copy(),
        pop.wage.copy(),
        pop.fte.copy(),
        pop.experience.copy(),
        pop.unemployment_months.copy(),
        ey,
        np.zeros(n, dtype=np.int16),
        np.zeros(n, dtype=np.int16),
    )


@njit(cache=True)
def in_model(event: int) -> bool:
    """True when the person counts in the year of the step (ALIVE, ENTERED, RETIRED)."""
    return event <= EVENT_RETIRED


@njit(cache=True)
def is_exit(event: int) -> bool:
    """True when the person left the model in this step (DIED, EMIGRATED, AGED_OUT)."""
    return event >= EVENT_DIED and event <= EVENT_AGED_OUT


def _demography_step(
    pykey, year, entry_year, age, sex, edu, status, sector, size, exp, wage, fte, um, tb
):  # fmt: skip
    """Implementation of :func:`demography_step` (plain Python, compiled twice below)."""
    event = EVENT_ALIVE
    changes = 0
    if year < entry_year:
        event = EVENT_NOT_YET_ENTERED
    elif year == entry_year:
        event = EVENT_ENTERED
    else:
        yi = year - tb.start_year  # the caller guarantees 0 <= yi < n_years of the tables
        emig = tb.scalars[SC_EMIGRATION]
        # 1. death during y-1 at age a; 2. emigration; 3. ageing past the upper age
        if uniform_from_key(pykey, streams.MORTALITY, 0) < tb.qx[yi, sex, age]:
            event = EVENT_DIED
        elif emig > 0.0 and uniform_from_key(pykey, streams.MIGRATION, 1) < emig:
            event = EVENT_EMIGRATED
        elif age + 1 > tb.upper_age:
            event = EVENT_AGED_OUT
            age = age + 1
        else:
            age = age + 1
            prev = status
            was_employed = prev <= _SELF
            if was_employed and exp < 127:
                exp += 1
            if prev != _R:
                # 4. retirement: statutory age for certain, early from 60 by a hazard
                retire = age >= tb.pension_age[yi]
                if not retire and age >= tb.early_min_age and prev != _S:
                    retire = uniform_from_key(pykey, streams.RETIREMENT, 0) < tb.early_hazard[age]
                if retire:
                    event = EVENT_RETIRED
                    status = _R
                    sector = 0
                    size = 0
                    wage = 0.0
                    fte = 0.0
                    um = 0
                else:
                    # 5. labour-status transition
                    band = tb.band[age]
                    u = uniform_from_key(pykey, streams.LABOUR_TRANSITION, 0)
                    new = 0
                    while new < 5 and u >= tb.trans_cum[sex, band, edu, prev, new]:
                        new += 1
                    if prev == _S and new != _S:  # leaving study: highest diploma reached
                        ue = uniform_from_key(pykey, streams.EDUCATION, 0)
                        e2 = edu
                        while e2 < 2 and ue >= tb.edu_upgrade_cum[sex, edu, e2]:
                            e2 += 1
                        if e2 != edu:
                            changes = changes | CHANGE_EDUCATION | (e2 << CHANGE_EDU_SHIFT)
                            edu = e2
                    if new <= _SELF:
                        move = False
                        if was_employed:
                            if new != prev:
                                move = True
                            elif new != _SELF:
                                ujc = uniform_from_key(pykey, streams.JOB_CHANGE, 0)
                                move = ujc < tb.job_change[band]
                        if move or not was_employed:
                            us = uniform_from_key(pykey, streams.SECTOR, 0)
                            k = 0
                            while k < 47 and us >= tb.job_cum[new, k]:
                                k += 1
                            sector = k // N_SIZE
                            size = k % N_SIZE if new != _SELF else 0
                        if move:
                            changes = changes | CHANGE_JOB
                        if new == _SELF:
                            wage = 0.0
                            if not was_employed:
                                fte = 1.0
                        elif was_employed and prev != _SELF:
                            wage = wage * (1.0 + tb.scalars[SC_WAGE_GROWTH])
                            if move:
                                wage = wage * (1.0 + tb.scalars[SC_JOB_PREMIUM])
                        else:  # a new employee job from outside employment or self-employment
                            u1 = uniform_from_key(pykey, streams.WAGE, 0)
                            u2 = uniform_from_key(pykey, streams.WAGE, 1)
                            z = np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)
                            wage = tb.entry_wage[edu] * np.exp(tb.scalars[SC_WAGE_SIGMA] * z)
                            if uniform_from_key(pykey, streams.WAGE, 2) < tb.part_time[sex]:
                                fte = tb.scalars[SC_PART_TIME_FTE]
                            else:
                                fte = 1.0
                    else:
                        sector = 0
                        size = 0
                        wage = 0.0
                        fte = 0.0
                    # 6. unemployment duration
                    if new == _U:
                        if prev == _U:
                            um = min(um + 12, 32000)
                        else:
                            um = np.int64(tb.scalars[SC_NEW_SPELL_MONTHS])
                    else:
                        um = 0
                    status = new
            # round to the float32 of the person arrays every year, so register and in-place
            # runs of the step (and kernels storing state between years) give identical lives
            wage = np.float64(np.float32(wage))
            fte = np.float64(np.float32(fte))
    return event, age, status, sector, size, exp, wage, fte, um, changes


#: The step inlined at the Numba IR level, for NRT-free kernels that have checked the years
#: against the tables (:func:`llrsim.population.project.project`). Inlined into a kernel that
#: uses reference counting it would bring the refcount traffic back; use demography_step.
demography_step_inline = njit(cache=True, _nrt=False, inline="always")(_demography_step)


@njit(cache=True, _nrt=False)
def demography_step(
    pykey, year, entry_year, age, sex, edu, status, sector, size, exp, wage, fte, um, tb
):  # fmt: skip
    """Advance one person by one year (register form; see the module docstring).

    Returns ``(event, age, status, sector, size, exp, wage, fte, um, changes)``; raises
    ValueError for a year outside the tables. Compiled with ``_nrt=False`` (it allocates
    nothing): without reference counting of the table arrays it runs ~5x faster (measured
    ~100 vs ~20 ns per person-year on the project machine).
    """
    if year > entry_year and (year < tb.start_year or year - tb.start_year >= tb.qx.shape[0]):
        raise ValueError("year outside the range of the demography tables")
    return demography_step_inline(
        pykey, year, entry_year, age, sex, edu, status, sector, size, exp, wage, fte, um, tb
    )


@njit(cache=True)
def advance_person_year(i, year, seed, st, tb):
    """Advance person ``i`` of the :class:`PersonState` ``st`` by one year, in place.

    Returns ``(event, changes)``; on exit sets ``st.exit_year[i] = year``; on a job
    change increments ``st.employer_changes[i]``; on an education upgrade updates
    ``st.education[i]``.
    """
    if st.exit_year[i] != 0:
        return EVENT_EXITED, 0
    pykey = person_year_key(person_key(seed, st.person_id[i]), year)
    event, age, status, sector, size, exp, wage, fte, um, ch = demography_step(
        pykey,
        np.int64(year),
        np.int64(st.entry_year[i]),
        np.int64(st.age[i]),
        np.int64(st.sex[i]),
        np.int64(st.education[i]),
        np.int64(st.status[i]),
        np.int64(st.sector[i]),
        np.int64(st.employer_size[i]),
        np.int64(st.experience[i]),
        np.float64(st.wage[i]),
        np.float64(st.fte[i]),
        np.int64(st.unemployment_months[i]),
        tb,
    )
    if is_exit(event):
        st.exit_year[i] = year
        return event, 0
    st.age[i] = age
    st.status[i] = status
    st.sector[i] = sector
    st.employer_size[i] = size
    st.experience[i] = exp
    st.wage[i] = wage
    st.fte[i] = fte
    st.unemployment_months[i] = um
    if ch & CHANGE_JOB:
        st.employer_changes[i] += 1
    if ch & CHANGE_EDUCATION:
        st.education[i] = (ch >> CHANGE_EDU_SHIFT) & 3
    return event, ch


# --- building the tables --------------------------------------------------------------------


@cache
def _pension_table() -> tuple[np.ndarray, np.ndarray]:
    """``data/dynamics/pension_age`` sorted by ``from_year``: (from_year, pension_age), int64.

    Read once (the table is cached and read-only); the arrays are read-only.
    """
    frame = load_table("dynamics/pension_age").frame.sort_values("from_year")
    years = frame["from_year"].to_numpy(dtype=np.int64).copy()
    ages = frame["pension_age"].to_numpy(dtype=np.int64).copy()
    years.flags.writeable = False
    ages.flags.writeable = False
    return years, ages


def _pension_ages(start_year: int, end_year: int) -> np.ndarray:
    """Statutory pension age (years) of every year ``start_year..end_year`` (int64).

    The age of the last row whose ``from_year`` is at or before the year.
    """
    from_year, age = _pension_table()
    years = np.arange(start_year, end_year + 1, dtype=np.int64)
    row = np.searchsorted(from_year, years, side="right") - 1  # last row with from_year <= y
    if years.size and row[0] < 0:
        raise DataError(f"data/dynamics/pension_age.csv: no pension age for year {years[0]}")
    return age[row].astype(np.int64)


def _job_allocation(counts: np.ndarray | None) -> np.ndarray:
    """P(sector, size | status) for statuses 0-2 as [3, 48].

    ``counts`` (int64 [3, 48], weighted persons of the base by status and cell
    ``sector * 6 + size``, from :func:`_base_tallies`); ``None`` (no base population, or no
    weight in a status): the reference table ``data/dynamics/job_allocation``.
    """
    probs = np.zeros((3, N_SECTOR * N_SIZE))
    ref = load_table("dynamics/job_allocation").frame
    for k in range(3):
        if counts is not None:
            if counts[k].sum() > 0:
                probs[k] = counts[k]  # integer persons: exact in float64
                if k == _SELF:  # the self-employed have no employer size
                    grid = probs[k].reshape(N_SECTOR, N_SIZE)
                    grid[:, 0] = grid.sum(axis=1)
                    grid[:, 1:] = 0.0
                probs[k] /= probs[k].sum()
                continue
        rows = ref[ref["status"] == k]
        probs[k, rows["sector"].to_numpy() * N_SIZE + rows["employer_size"].to_numpy()] = rows[
            "share"
        ].to_numpy()
    return probs


@cache
def _early_table() -> tuple[np.ndarray, np.ndarray]:
    """``data/dynamics/early_retirement``: ages (int64) and yearly hazards, read once."""
    er = load_table("dynamics/early_retirement").frame
    ages = er["age"].to_numpy().copy()
    hazard = er["hazard"].to_numpy().copy()
    ages.flags.writeable = False
    hazard.flags.writeable = False
    return ages, hazard


def _early_hazards(p: ParameterSet) -> np.ndarray:
    """Early-retirement probability by age 0-127 (float64), scaled by the parameter."""
    early = np.zeros(128)
    ages, hazard = _early_table()
    early[ages] = np.minimum(hazard * p.value("retirement.early_hazard_scale"), 1.0)
    return early


@cache
def _static_tables() -> dict[str, np.ndarray]:
    """Arrays of the demography tables that depend only on the data files, read once.

    ``base_qx`` [2, 128] (life table, men and women), ``job_change`` [10] (unscaled
    job-to-job risk by band), ``band`` [128] (age band of age). Read-only; ~1 ms of pandas
    access saved per call of :func:`demography_tables` (once per Monte Carlo draw).
    """
    mort = load_table("dynamics/mortality_qx_2018").frame
    base_qx = np.zeros((2, 128))
    ages = mort["age"].to_numpy()
    base_qx[0, ages] = mort["qx_men"].to_numpy()
    base_qx[1, ages] = mort["qx_women"].to_numpy()
    out = {
        "base_qx": base_qx,
        "job_change": load_table("dynamics/transition_risk_age")
        .frame["job_change"]
        .to_numpy()
        .copy(),
        "band": band_of_age(),
    }
    for a in out.values():
        a.flags.writeable = False
    return out


class _BaseTallies(NamedTuple):
    """What the demography tables read from a base population (one pass, see below).

    Weighted persons are exact int64 sums of the integer weights; ``*_products`` hold the
    non-integer terms in record order, summed afterwards by numpy exactly as before.
    """

    stocks: np.ndarray  #: int64 [2, 10, 3, 7]: persons aged 18-67 by sex, band, edu, status
    age_total: np.ndarray  #: int64 [128]: persons by single age
    age_students: np.ndarray  #: int64 [128]: students by single age
    job_cells: np.ndarray  #: int64 [3, 48]: employed persons by status and sector * 6 + size
    retire_products: np.ndarray  #: float64: weight × P(retire next step), employed 18-64
    retire_weight: int  #: persons employed and aged at most 64
    fte_weight: np.ndarray  #: int64 [2]: persons working (status 0-2, fte > 0) by sex
    part_time_weight: np.ndarray  #: int64 [2]: of whom part-time (fte < 0.999)
    part_time_products: tuple[np.ndarray, np.ndarray]  #: fte × weight of those, by sex
    wage_median: np.ndarray  #: float64 [3]: weighted median wage (EUR/year) by education
    wage_found: np.ndarray  #: bool [3]: a paid employee of that education exists
    upgrade_mix: np.ndarray  #: int64 [2, 3]: non-students aged 25-29 by sex and education


@njit(cache=True)
def _weighted_select(values: np.ndarray, weights: np.ndarray) -> float:
    """The weighted median of ``values`` (reordered in place): the smallest value ``v`` whose
    persons at or below ``v`` reach half the total weight.

    Equal to a stable sort, a cumulative sum and ``searchsorted(cw, cw[-1] / 2)`` for
    non-negative integer weights, whose sums are exact, in expected O(n) (3-way
    quickselect) instead of O(n log n).
    """
    n = values.shape[0]
    total = np.int64(0)
    for i in range(n):
        total += weights[i]
    half = 0.5 * np.float64(total)
    lo, hi = 0, n
    below = np.int64(0)  # weight of the values known to lie below values[lo:hi]
    while True:
        pivot = values[lo + (hi - lo) // 2]
        lt, i, gt = lo, lo, hi  # [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot
        w_lt = np.int64(0)
        w_eq = np.int64(0)
        while i < gt:
            v = values[i]
            if v < pivot:
                values[i], values[lt] = values[lt], v
                weights[i], weights[lt] = weights[lt], weights[i]
                w_lt += weights[lt]
                lt += 1
                i += 1
            elif v > pivot:
                gt -= 1
                values[i], values[gt] = values[gt], v
                weights[i], weights[gt] = weights[gt], weights[i]
            else:
                w_eq += weights[i]
                i += 1
        if lt > lo and np.float64(below + w_lt) >= half:
            hi = lt
        elif np.float64(below + w_lt + w_eq) >= half or gt == hi:
            return pivot
        else:
            below += w_lt + w_eq
            lo = gt


@njit(cache=True)
def _base_tallies_kernel(
    age, sex, edu, status, sector, size, wage, fte, weight, band, early, pension0
):  # fmt: skip
    # returns (bad, tallies...); bad is the first record with a code outside its range or a
    # negative weight (the caller raises), -1 when there is none
    n = age.shape[0]
    stocks = np.zeros((2, N_BANDS, N_EDU, 7), dtype=np.int64)
    age_tot = np.zeros(128, dtype=np.int64)
    age_stud = np.zeros(128, dtype=np.int64)
    job = np.zeros((3, N_SECTOR * N_SIZE), dtype=np.int64)
    fte_w = np.zeros(2, dtype=np.int64)
    pt_w = np.zeros(2, dtype=np.int64)
    pt_n = np.zeros(2, dtype=np.int64)
    mix = np.zeros((2, N_EDU), dtype=np.int64)
    n_young = np.zeros(N_EDU, dtype=np.int64)
    n_emp = np.zeros(N_EDU, dtype=np.int64)
    n_ret = 0
    ret_w = np.int64(0)
    pt_limit = np.float32(0.999)  # numpy compares float32 fte with a float32 0.999
    bad = np.int64(-1)  # the first record with a code out of range or a negative weight
    for i in range(n):
        a, s, e, st = np.int64(age[i]), np.int64(sex[i]), np.int64(edu[i]), np.int64(status[i])
        w = np.int64(weight[i])
        if a < 0 or s < 0 or s > 1 or e < 0 or e >= N_EDU or st < 0 or st > _R or w < 0:
            bad = i
            break
        age_tot[a] += w
        if st == _S:
            age_stud[a] += w
        if a >= 18 and a <= 67:
            stocks[s, band[a], e, st] += w
        if st <= _SELF:
            sc, sz = np.int64(sector[i]), np.int64(size[i])
            if sc < 0 or sc >= N_SECTOR or sz < 0 or sz >= N_SIZE:
                bad = i
                break
            job[st, sc * N_SIZE + sz] += w
            if a <= 64:
                n_ret += 1
                ret_w += w
            if fte[i] > 0:
                fte_w[s] += w
                if fte[i] < pt_limit:
                    pt_w[s] += w
                    pt_n[s] += 1
        if st <= _PUB and wage[i] > 0:
            n_emp[e] += 1
            if a <= 29:
                n_young[e] += 1
        if a >= 25 and a <= 29 and st != _S:
            mix[s, e] += w
    if bad >= 0:
        return (
            np.int64(bad),
            stocks,
            age_tot,
            age_stud,
            job,
            np.zeros(0),
            ret_w,
            fte_w,
            pt_w,
            (np.zeros(0), np.zeros(0)),
            np.zeros(N_EDU),
            n_emp > 0,
            mix,
        )
    # second pass: the non-integer terms in record order, and the wages for the medians
    ret_p = np.empty(n_ret, dtype=np.float64)
    pt_p0 = np.empty(pt_n[0], dtype=np.float64)
    pt_p1 = np.empty(pt_n[1], dtype=np.float64)
    use_young = n_young > 0
    n_wage = np.where(use_young, n_young, n_emp)
    wage_start = np.zeros(N_EDU + 1, dtype=np.int64)
    for e in range(N_EDU):
        wage_start[e + 1] = wage_start[e] + n_wage[e]
    wage_v = np.empty(wage_start[N_EDU], dtype=np.float64)
    wage_w = np.empty(wage_start[N_EDU], dtype=np.int64)
    fill = wage_start[:N_EDU].copy()
    j_ret = 0
    j_pt = np.zeros(2, dtype=np.int64)
    for i in range(n):
        st = np.int64(status[i])
        if st > _SELF:
            continue
        a, e = np.int64(age[i]), np.int64(edu[i])
        w = np.float64(weight[i])
        if a <= 64:
            a1 = min(a + 1, 127)
            ret_p[j_ret] = w * (1.0 if a1 >= pension0 else early[a1])
            j_ret += 1
        if fte[i] > 0 and fte[i] < pt_limit:
            s = np.int64(sex[i])
            if s == 0:
                pt_p0[j_pt[0]] = np.float64(fte[i]) * w
            else:
                pt_p1[j_pt[1]] = np.float64(fte[i]) * w
            j_pt[s] += 1
        if st <= _PUB and wage[i] > 0 and (a <= 29 or not use_young[e]):
            wage_v[fill[e]] = np.float64(wage[i])
            wage_w[fill[e]] = np.int64(weight[i])
            fill[e] += 1
    medians = np.zeros(N_EDU)
    for e in range(N_EDU):
        if n_wage[e] > 0:
            lo, hi = wage_start[e], wage_start[e + 1]
            medians[e] = _weighted_select(wage_v[lo:hi], wage_w[lo:hi])
    return (
        np.int64(-1),
        stocks,
        age_tot,
        age_stud,
        job,
        ret_p,
        ret_w,
        fte_w,
        pt_w,
        (pt_p0, pt_p1),
        medians,
        n_emp > 0,
        mix,
    )


def _base_tallies(base: Population, early: np.ndarray, pension0: int) -> _BaseTallies:
    """Everything the tables read from ``base``, in two passes of one Numba kernel.

    Replaces ~15 numpy passes with masks over the records (~0.2 s for 4.3 M records).
    Raises :class:`DataError` when a code lies outside its range or a weight is negative.
    """
    out = _base_tallies_kernel(
        base.age, base.sex, base.education, base.status, base.sector, base.employer_size,
        base.wage, base.fte, base.weight, _static_tables()["band"], early, np.int64(pension0),
    )  # fmt: skip
    if out[0] >= 0:
        i = int(out[0])
        raise DataError(
            f"base population: record {i} (person_id {int(base.person_id[i])}) has a code "
            f"outside its range (age < 0, sex not 0-1, education not 0-{N_EDU - 1}, status "
            f"not 0-{_R}, sector not 0-{N_SECTOR - 1} or employer size not 0-{N_SIZE - 1} "
            "for the employed) or a negative weight"
        )
    return _BaseTallies(*out[1:])


def calibrate(
    start_year: int,
    params: ParameterSet | None = None,
    base: Population | None = None,
    early: np.ndarray | None = None,
) -> tuple[np.ndarray, CalibrationReport]:
    """Transition matrices and their calibration report for a projection from ``start_year``.

    With ``base``: its stocks, its student profile at 18-24 and the retirement rate of its
    employed under the retirement rules of ``start_year``; without: the reference stocks.
    """
    p = params if params is not None else load_parameters("demography")
    early = _early_hazards(p) if early is None else early
    pension0 = int(_pension_ages(start_year, start_year)[0])
    tallies = _base_tallies(base, early, pension0) if base is not None else None
    return _calibrate(p, early, pension0, tallies)


def _calibrate(
    p: ParameterSet,
    early: np.ndarray,
    pension0: int,
    tallies: _BaseTallies | None,
) -> tuple[np.ndarray, CalibrationReport]:
    """:func:`calibrate` from the base's tallies (``None``: from the reference stocks)."""
    if tallies is not None:
        # the base's student profile sets the study exit of 18-24 only: from 25 the small,
        # flat shares of students reflect adults entering study, which is not modelled
        stay = student_stay_from_counts(
            tallies.age_total.astype(np.float64), tallies.age_students.astype(np.float64)
        )
        stay[1:] = np.nan
        w = float(tallies.retire_weight)  # integer persons: exact
        e_to_r = float(tallies.retire_products.sum() / w) if w > 0 else 0.0
        return calibrate_transitions(tallies.stocks.astype(np.float64), p, stay, e_to_r)
    ref = reference_stocks()
    ages = np.arange(18, 65)
    emp_w = ref[..., :3].sum(axis=(0, 2, 3))[band_of_age()[ages]]  # uniform within band
    e_to_r = _retirement_rate(ages, emp_w, early, pension0)
    return calibrate_transitions(ref, p, None, e_to_r)


def _retirement_rate(age: np.ndarray, weight: np.ndarray, early: np.ndarray, pension: int) -> float:
    """Share of (weighted) persons of the given ages who retire in the next step."""
    a1 = np.minimum(age.astype(np.int64) + 1, 127)
    p = np.where(a1 >= pension, 1.0, early[a1])
    w = weight.astype(np.float64)
    return float((w * p).sum() / w.sum()) if w.sum() > 0 else 0.0


def _wages_and_part_time(tallies: _BaseTallies) -> tuple[np.ndarray, np.ndarray, float]:
    """Entry wage by education (EUR/year), P(part-time) by sex, mean part-time fte.

    The entry wage is the weighted median wage of paid employees aged 18-29 of the
    education (all ages when there are none); part-time means fte < 0.999.
    """
    entry_wage = np.zeros(N_EDU)
    part_time = np.zeros(2)
    pt_fte = []
    for e in range(N_EDU):
        if not tallies.wage_found[e]:
            raise DataError(f"base population has no paid employees with education {e}")
        entry_wage[e] = tallies.wage_median[e]
    for s in (0, 1):
        w_all = float(tallies.fte_weight[s])  # integer persons: exact sums
        w_pt = float(tallies.part_time_weight[s])
        part_time[s] = w_pt / w_all if w_all > 0 else 0.0
        pt_fte.append(tallies.part_time_products[s].sum() / max(w_pt, 1.0))
    part_time_fte = float(np.mean(pt_fte)) if part_time.sum() > 0 else 1.0
    return entry_wage, part_time, part_time_fte


def demography_tables(
    start_year: int,
    end_year: int,
    params: ParameterSet | None = None,
    base: Population | None = None,
) -> DemographyTables:
    """Build the tables of the demography step for simulated years ``start_year..end_year``.

    ``params`` defaults to ``data/parameters/demography.toml``. With a ``base`` population
    the transition matrices are calibrated to its stocks (study exit at 18-24 to its
    student shares by age), and new jobs draw sector × size,
    entry wages (weighted median wage of employees aged 18-29 by education) and part-time
    shares from it; without one, from the reference tables (``data/dynamics/``).
    """
    if end_year < start_year:
        raise ValueError(f"end_year {end_year} before start_year {start_year}")
    p = params if params is not None else load_parameters("demography")
    static = _static_tables()
    years = np.arange(start_year, end_year + 1)
    qx = np.zeros((years.size, 2, 128))
    base_qx = static["base_qx"]
    r = p.value("mortality.improvement_rate")
    t0 = int(p.value("mortality.table_year"))
    for j, y in enumerate(years):
        # the step of year y applies the risk of dying during y - 1
        qx[j] = base_qx * (1.0 - r) ** (y - 1 - t0)
    early = _early_hazards(p)
    pension0 = int(_pension_ages(start_year, start_year)[0])
    tallies = _base_tallies(base, early, pension0) if base is not None else None
    P, _ = _calibrate(p, early, pension0, tallies)
    cum = np.cumsum(P, axis=-1)
    cum[..., -1] = 2.0  # guard against rounding: the last state catches u close to 1
    jc = static["job_change"]
    job_change = np.minimum(jc * p.value("transitions.job_change_scale"), 1.0)
    job_cells = tallies.job_cells if tallies is not None else None
    job_cum = np.cumsum(_job_allocation(job_cells), axis=-1)
    job_cum[:, -1] = 2.0
    if tallies is not None:
        entry_wage, part_time, part_time_fte = _wages_and_part_time(tallies)
    else:
        ratio = np.array([p.value(f"wage.education_ratio_{x}") for x in ("low", "medium", "high")])
        entry_wage = (
            12.0 * p.value("wage.reference_monthly") * ratio * p.value("wage.entry_discount")
        )
        part_time = np.array(
            [p.value("fte.part_time_share_men"), p.value("fte.part_time_share_women")]
        )
        part_time_fte = p.value("fte.part_time_fte")
    upgrade = np.zeros((2, N_EDU, N_EDU))
    for s in (0, 1):
        if tallies is not None:
            mix = tallies.upgrade_mix[s].astype(np.float64)  # integer persons: exact
        else:
            mix = reference_stocks()[s, 1].sum(axis=-1)  # 25-29 by education
        if mix.sum() <= 0:
            raise DataError(f"base population has no non-students aged 25-29 of sex {s}")
        for e in range(N_EDU):
            part = np.where(np.arange(N_EDU) >= e, mix, 0.0)
            upgrade[s, e] = part / part.sum() if part.sum() > 0 else np.eye(N_EDU)[e]
    edu_upgrade_cum = np.cumsum(upgrade, axis=-1)
    edu_upgrade_cum[..., -1] = 2.0
    scalars = np.zeros(N_SCALARS)
    scalars[SC_PART_TIME_FTE] = part_time_fte
    scalars[SC_WAGE_GROWTH] = p.value("wage.growth")
    scalars[SC_JOB_PREMIUM] = p.value("wage.job_change_premium")
    scalars[SC_WAGE_SIGMA] = p.value("wage.entry_sigma")
    scalars[SC_EMIGRATION] = p.value("migration.emigration_rate")
    scalars[SC_NEW_SPELL_MONTHS] = p.value("transitions.new_spell_months")
    if N_BANDS != job_change.shape[0]:
        raise DataError("data/dynamics/transition_risk_age.csv: one row per age band needed")
    return DemographyTables(
        start_year=int(start_year),
        qx=qx,
        pension_age=_pension_ages(start_year, end_year),
        upper_age=int(p.value("retirement.upper_age")),
        early_min_age=int(p.value("retirement.early_min_age")),
        early_hazard=early,
        band=band_of_age(),
        trans_cum=np.ascontiguousarray(cum),
        job_change=job_change.astype(np.float64),
        job_cum=np.ascontiguousarray(job_cum),
        entry_wage=entry_wage.astype(np.float64),
        part_time=part_time.astype(np.float64),
        scalars=scalars,
        edu_upgrade_cum=np.ascontiguousarray(edu_upgrade_cum),
    )


def mean_retirement_age(tb: DemographyTables, year_index: int = 0) -> float:
    """Mean age at retirement of a group not retired at the early minimum age (plausibility).

    Uses the early-retirement hazards and the statutory age of the given year index,
    ignoring mortality; compare with the Belgian effective average of 61.8 (2018).
    """
    alive, mean = 1.0, 0.0
    for a in range(tb.early_min_age, 128):
        if a >= tb.pension_age[year_index]:
            return mean + alive * a
        h = tb.early_hazard[a]
        mean += alive * h * a
        alive *= 1.0 - h
    return mean
