"""Projecting the population year by year: entrants, the parallel kernel and its tallies.

:func:`project` runs :func:`llrsim.population.dynamics.demography_step` for every record and
year in one Numba pass (``prange`` over a fixed number of chunks; each chunk writes its own
integer tallies, summed afterwards), so results are identical bit for bit whatever the
number of threads, and a population split in parts projects to the sum of the parts.

Entrants (:func:`entrants`) are pre-generated records with an ``entry_year``: the kernel
skips a record before that year and counts it from it on. Two kinds:

* the **cohort of 18-year-olds** of each year (``data/dynamics/entry_cohorts``: persons
  aged 18 on 1 January, sourced up to 2024, then ``entry.cohort_size_after_last``);
* **net international immigrants** aged 18-67 (``migration.net_total`` × ``share_18_67``,
  ages from ``data/dynamics/migration_age_profile``).

Their attributes are copied from donor records of the base population (18-year-olds for
the cohort, so the young-cohort education and status mix is the base's; for immigrants,
records with a migration background in the same age band), chosen by keyed draws on the
entrant's own id. Ids are ``kind · 10^12 + entry_year · 10^7 + j`` (kind 1 cohort, 2
immigrant, ``j`` the index within the cohort), so they are stable, disjoint from base ids
(which must be below 10^12) and independent of chunking. Weights are integers summing to
the cohort total exactly; the number of records follows the base's mean weight.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd
from numba import njit, prange

from llrsim.engine import streams
from llrsim.engine.rng import person_key, person_year_key, uniform_array
from llrsim.errors import DataError
from llrsim.parameters import ParameterSet, load_parameters
from llrsim.population.align import align_sort_by_difference
from llrsim.population.codes import Education, Flag, Sex, Status
from llrsim.population.dynamics import (
    CHANGE_EDU_SHIFT,
    CHANGE_EDUCATION,
    CHANGE_JOB,
    EVENT_NAMES,
    EVENT_NOT_YET_ENTERED,
    N_EVENTS,
    SC_NEW_SPELL_MONTHS,
    SC_PART_TIME_FTE,
    DemographyTables,
    PersonState,
    demography_step_inline,
    demography_tables,
    is_exit,
    person_state,
)
from llrsim.population.population import SCHEMA, Population
from llrsim.population.transitions import BAND_LOWER, MAX_AGE, MIN_AGE, band_labels
from llrsim.tables import load_table

ENTRANT_ID_BASE = 10**12  #: entrant ids start here; base ids must be smaller
KIND_COHORT, KIND_IMMIGRANT = 1, 2
STEP = demography_step_inline
N_CHUNKS = 64  #: fixed number of parallel chunks (independent of the thread count)
N_AGES = MAX_AGE + 2  #: single-age tally axis 0..68 (68 = aged-out state, never tallied)


# --- entrants -------------------------------------------------------------------------------


def entrant_totals(years: Iterable[int], params: ParameterSet | None = None) -> pd.DataFrame:
    """Persons entering per year: ``year``, ``cohort`` (aged 18), ``immigrants`` (18-67)."""
    p = params if params is not None else load_parameters("demography")
    cohorts = load_table("dynamics/entry_cohorts").frame.set_index("entry_year")["persons"]
    after = int(round(p.value("entry.cohort_size_after_last")))
    migr = int(round(p.value("migration.net_total") * p.value("migration.share_18_67")))
    rows = []
    for y in years:
        y = int(y)
        c = (
            int(cohorts.loc[y])
            if y in cohorts.index
            else (after if y > cohorts.index.max() else None)
        )
        if c is None:
            raise DataError(f"data/dynamics/entry_cohorts.csv: no cohort size for {y}")
        rows.append({"year": y, "cohort": c, "immigrants": max(migr, 0)})
    return pd.DataFrame(rows)


def _split_weights(total: int, mean_weight: float) -> np.ndarray:
    k = max(1, int(round(total / mean_weight)))
    w = np.full(k, total // k, dtype=np.int64)
    w[: total - int(w.sum())] += 1
    return w


def _pick(pool_cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(pool_cum, u * pool_cum[-1], side="right"), pool_cum.size - 1)


def entrants(
    pop: Population, years: Iterable[int], seed: int, params: ParameterSet | None = None
) -> tuple[Population, np.ndarray]:
    """Entrant records for ``years`` and their ``entry_year`` (int16), drawn from ``pop``.

    A record's attributes describe the person in her entry year. The returned population
    carries ``pop.year``; concatenate with :func:`concat` (or use :func:`with_entrants`).
    """
    if pop.n == 0:
        raise ValueError("the base population is empty")
    if pop.person_id.max() >= ENTRANT_ID_BASE or pop.person_id.min() < 0:
        raise ValueError(f"base person ids must lie in [0, {ENTRANT_ID_BASE})")
    p = params if params is not None else load_parameters("demography")
    totals = entrant_totals(years, p)
    mean_w = pop.total / pop.n
    order = np.argsort(pop.person_id, kind="stable")  # donor pools in id order: no record order
    sorted_pop = pop.take(order)
    w_all = sorted_pop.weight.astype(np.float64)
    prof = load_table("dynamics/migration_age_profile").frame
    upper = prof["age_to"].to_numpy()
    lower = prof["age_from"].to_numpy()
    band_cum = np.cumsum(prof["share"].to_numpy())
    mig_flag = (sorted_pop.flags & (1 << int(Flag.MIGRATION_BACKGROUND))) != 0
    # donor pools (indices in id order and cumulative weights), built once
    cohort_pool = np.flatnonzero(sorted_pop.age == MIN_AGE)
    cohort_cum = np.cumsum(w_all[cohort_pool])
    age_band = np.searchsorted(upper, sorted_pop.age.astype(np.int64), side="left")
    in_prof = (sorted_pop.age >= lower[0]) & (sorted_pop.age <= upper[-1]) & mig_flag
    order_b = np.argsort(np.where(in_prof, age_band, upper.size), kind="stable")
    counts = np.bincount(age_band[in_prof], minlength=upper.size)
    starts = np.concatenate([[0], np.cumsum(counts)])
    band_pools = [order_b[starts[b] : starts[b + 1]] for b in range(upper.size)]
    band_cums = [np.cumsum(w_all[pool]) for pool in band_pools]
    parts, entry = [], []
    for row in totals.itertuples():
        y = int(row.year)
        for kind, total in ((KIND_COHORT, int(row.cohort)), (KIND_IMMIGRANT, int(row.immigrants))):
            if total <= 0:
                continue
            w = _split_weights(total, mean_w)
            ids = kind * ENTRANT_ID_BASE + y * 10**7 + np.arange(w.size, dtype=np.int64)
            if w.size >= 10**7:
                raise ValueError("too many entrant records in one year (>= 10^7)")
            u_donor = uniform_array(seed, streams.ENTRY, ids, y, 0)
            if kind == KIND_COHORT:
                age = np.full(w.size, MIN_AGE, dtype=np.int64)
                if cohort_pool.size == 0:
                    raise DataError("base population has no 18-year-olds to copy the cohort from")
                donor = cohort_pool[_pick(cohort_cum, u_donor)]
            else:
                u_age = uniform_array(seed, streams.MIGRATION, ids, y, 0)
                b = np.minimum(np.searchsorted(band_cum, u_age * band_cum[-1], side="right"), 9)
                u_in = uniform_array(seed, streams.MIGRATION, ids, y, 2)
                age = lower[b] + np.floor(u_in * (upper[b] - lower[b] + 1)).astype(np.int64)
                donor = np.empty(w.size, dtype=np.int64)
                for bb in np.unique(b):
                    pool = band_pools[bb]
                    if pool.size == 0:
                        raise DataError(
                            f"base population has no records with a migration background aged "
                            f"{lower[bb]}-{upper[bb]} to copy immigrants from"
                        )
                    m = b == bb
                    donor[m] = pool[_pick(band_cums[bb], u_donor[m])]
            cols = {k: v[donor].copy() for k, v in sorted_pop.columns().items()}
            cols["person_id"] = ids
            cols["weight"] = w.astype(np.int32)
            cols["age"] = age.astype(np.int8)
            if kind == KIND_IMMIGRANT:
                cols["flags"] = cols["flags"] | np.uint8(1 << int(Flag.MIGRATION_BACKGROUND))
            parts.append(cols)
            entry.append(np.full(w.size, y, dtype=np.int16))
    if not parts:
        empty = {k: np.zeros(0, dtype=d) for k, (d, _) in SCHEMA.items()}
        return Population(year=pop.year, **empty), np.zeros(0, dtype=np.int16)
    merged = {k: np.concatenate([c[k] for c in parts]) for k in SCHEMA}
    return Population(year=pop.year, **merged), np.concatenate(entry)


def concat(*pops: Population) -> Population:
    """Records of several populations of the same year, in order (ids must stay unique)."""
    years = {q.year for q in pops}
    if len(years) != 1:
        raise ValueError(f"populations of different years {sorted(years)}")
    out = Population(
        year=pops[0].year, **{k: np.concatenate([q.columns()[k] for q in pops]) for k in SCHEMA}
    )
    ids = np.sort(out.person_id)
    if ids.size > 1 and np.any(ids[1:] == ids[:-1]):
        raise ValueError("person ids are not unique after concatenation")
    return out


def with_entrants(
    pop: Population, years: Iterable[int], seed: int, params: ParameterSet | None = None
) -> tuple[Population, np.ndarray]:
    """Base records followed by the entrants, and the ``entry_year`` of every record."""
    ent, ey = entrants(pop, years, seed, params)
    return concat(pop, ent), np.concatenate([np.full(pop.n, pop.year, dtype=np.int16), ey])


# --- the projection kernel ------------------------------------------------------------------


@njit(cache=True, parallel=True, _nrt=False)
def _project_kernel(
    seed, year0, n_years, pid, weight, entry_year, exit_year, age, sex, edu, status, sector,
    size, exp, wage, fte, um, changes, tb, stocks, events,
):  # fmt: skip
    # No reference counting in here (_nrt=False): the tallies are allocated by the caller.
    # Measured: NRT increfs/decrefs of the table arrays cost ~100 ns per person-year and
    # serialise the threads on the shared refcounts.
    n = pid.shape[0]
    n_chunks = stocks.shape[0]
    step = (n + n_chunks - 1) // n_chunks
    for c in prange(n_chunks):
        lo = c * step
        hi = min(n, lo + step)
        for i in range(lo, hi):
            if exit_year[i] != 0:
                continue
            w = np.int64(weight[i])
            pkey = person_key(seed, pid[i])
            a = np.int64(age[i])
            s = np.int64(sex[i])
            e = np.int64(edu[i])
            st = np.int64(status[i])
            sc = np.int64(sector[i])
            sz = np.int64(size[i])
            ex = np.int64(exp[i])
            wg = np.float64(wage[i])
            ft = np.float64(fte[i])
            u = np.int64(um[i])
            ey = np.int64(entry_year[i])
            nch = np.int64(changes[i])
            for t in range(n_years):
                y = year0 + t
                ev, a, st, sc, sz, ex, wg, ft, u, ch = STEP(
                    person_year_key(pkey, y), y, ey, a, s, e, st, sc, sz, ex, wg, ft, u, tb
                )
                events[c, t, ev] += w
                if ev == EVENT_NOT_YET_ENTERED:
                    continue
                if is_exit(ev):
                    exit_year[i] = y
                    break
                jc = ch & CHANGE_JOB
                events[c, t, N_EVENTS] += w * jc
                nch += jc
                if ch & CHANGE_EDUCATION:
                    e = (ch >> CHANGE_EDU_SHIFT) & 3
                    events[c, t, N_EVENTS + 1] += w
                stocks[c, t, s, a, e, st] += w
            age[i] = a
            edu[i] = e
            status[i] = st
            sector[i] = sc
            size[i] = sz
            exp[i] = ex
            wage[i] = wg
            fte[i] = ft
            um[i] = u
            changes[i] = nch


def _run(st: PersonState, weight: np.ndarray, seed: int, year0: int, n_years: int, tb):
    """Run the kernel in place on ``st``; returns (stocks, events) summed over chunks."""
    stocks = np.zeros((N_CHUNKS, n_years, 2, N_AGES, 3, 7), dtype=np.int64)
    events = np.zeros((N_CHUNKS, n_years, N_EVENTS + 2), dtype=np.int64)
    _project_kernel(
        np.int64(seed),
        np.int64(year0),
        np.int64(n_years),
        st.person_id,
        weight,
        st.entry_year,
        st.exit_year,
        st.age,
        st.sex,
        st.education,
        st.status,
        st.sector,
        st.employer_size,
        st.experience,
        st.wage,
        st.fte,
        st.unemployment_months,
        st.employer_changes,
        tb,
        stocks,
        events,
    )
    return stocks.sum(axis=0), events.sum(axis=0)


# --- results --------------------------------------------------------------------------------


@dataclass
class ProjectionResult:
    """Yearly aggregates of a projection (weighted persons, exact integers)."""

    years: list[int]
    #: [n_years, sex, single age 0..68, education, status] weighted persons in the model
    stock_array: np.ndarray
    #: year × event counts (weighted persons): entered, retired, died, emigrated, aged_out,
    #: not_yet_entered, job_changes, education_upgrades, persons (in the model in the year)
    events: pd.DataFrame
    alignment: pd.DataFrame | None
    population: Population | None

    @property
    def stocks(self) -> pd.DataFrame:
        """Tidy table: year, sex, age_band, education, status, persons (weighted)."""
        by_band = np.zeros((*self.stock_array.shape[:2], len(BAND_LOWER), 3, 7), dtype=np.int64)
        for b, lo in enumerate(BAND_LOWER):
            hi = BAND_LOWER[b + 1] if b + 1 < len(BAND_LOWER) else MAX_AGE + 1
            by_band[:, :, b] = self.stock_array[:, :, lo:hi].sum(axis=2)
        idx = np.indices(by_band.shape).reshape(5, -1)
        return pd.DataFrame(
            {
                "year": np.array(self.years)[idx[0]],
                "sex": np.array([m.name.lower() for m in Sex])[idx[1]],
                "age_band": np.array(band_labels())[idx[2]],
                "education": np.array([m.name.lower() for m in Education])[idx[3]],
                "status": np.array([m.name.lower() for m in Status])[idx[4]],
                "persons": by_band.reshape(-1),
            }
        )

    def employment_rate(
        self, ages: tuple[int, int] = (20, 64), by: tuple[str, ...] = ()
    ) -> pd.DataFrame:
        """Employed (private, public, self-employed) / persons of the age range, by year."""
        arr = self.stock_array[:, :, ages[0] : ages[1] + 1]  # year, sex, age, edu, status
        emp = arr[..., :3].sum(axis=-1).sum(axis=2)  # year, sex, edu
        tot = arr.sum(axis=-1).sum(axis=2)
        axes = tuple(ax for ax, name in ((1, "sex"), (2, "education")) if name not in by)
        emp_s, tot_s = emp.sum(axis=axes), tot.sum(axis=axes)
        idx = np.indices(emp_s.shape).reshape(emp_s.ndim, -1)
        out = {"year": np.array(self.years)[idx[0]]}
        names = [n for n in ("sex", "education") if n in by]
        enums = {"sex": Sex, "education": Education}
        for j, name in enumerate(names, start=1):
            out[name] = np.array([m.name.lower() for m in enums[name]])[idx[j]]
        out["employed"] = emp_s.reshape(-1)
        out["persons"] = tot_s.reshape(-1)
        frame = pd.DataFrame(out)
        frame["rate"] = frame["employed"] / frame["persons"]
        return frame


def _stock_tally(st: PersonState, weight: np.ndarray, year: int) -> np.ndarray:
    m = (st.exit_year == 0) & (st.entry_year <= year)
    cell = (
        (st.sex[m].astype(np.int64) * N_AGES + st.age[m]) * 3 + st.education[m]
    ) * 7 + st.status[m]
    return (
        np.bincount(cell, weights=weight[m], minlength=2 * N_AGES * 21)
        .astype(np.int64)
        .reshape(2, N_AGES, 3, 7)
    )


def _align_employment(
    st: PersonState, weight: np.ndarray, year: int, rate: float, seed: int, tb: DemographyTables
) -> dict:
    """Sort-by-difference alignment of employment 20-64 in ``year`` to ``rate`` (in place)."""
    m = (st.exit_year == 0) & (st.entry_year <= year) & (st.age >= 20) & (st.age <= 64)
    w = weight.astype(np.int64)
    employed = st.status <= 2
    total = int(w[m].sum())
    target = int(round(rate * total))
    current = int(w[m & employed].sum())
    gap_before = current - target
    band = tb.band[st.age.astype(np.int64)]
    cum = tb.trans_cum
    movable = m & ((st.status == Status.JOBSEEKER) | (st.status == Status.INACTIVE))
    if gap_before > 0:
        movable = m & employed
    idx = np.flatnonzero(movable)
    if idx.size and gap_before != 0:
        s, b, e, k = (st.sex[idx], band[idx], st.education[idx], st.status[idx].astype(np.int64))
        p_emp = cum[s, b, e, k, 2]  # P(employed next year | current status)
        prob = np.clip(p_emp if gap_before < 0 else 1.0 - p_emp, 0.0, 1.0)
        u = uniform_array(seed, streams.ALIGNMENT, st.person_id[idx], year, 0)
        need = min(abs(gap_before), int(w[idx].sum()))
        res = align_sort_by_difference(prob, w[idx], need, u)
        flip = idx[res.selected]
        if gap_before < 0:  # into employment: a private employee job (the marginal job)
            k_new = int(Status.EMPLOYEE_PRIVATE)
            u_job = uniform_array(seed, streams.ALIGNMENT, st.person_id[flip], year, 1)
            kk = np.minimum(np.searchsorted(tb.job_cum[k_new], u_job, side="right"), 47)
            st.status[flip] = k_new
            st.sector[flip] = kk // 6
            st.employer_size[flip] = kk % 6
            st.wage[flip] = tb.entry_wage[st.education[flip]]
            u_pt = uniform_array(seed, streams.ALIGNMENT, st.person_id[flip], year, 2)
            pt = u_pt < tb.part_time[st.sex[flip]]
            st.fte[flip] = np.where(pt, tb.scalars[SC_PART_TIME_FTE], 1.0)
            st.unemployment_months[flip] = 0
        else:  # out of employment: jobseeker
            st.status[flip] = int(Status.JOBSEEKER)
            st.sector[flip] = 0
            st.employer_size[flip] = 0
            st.wage[flip] = 0.0
            st.fte[flip] = 0.0
            st.unemployment_months[flip] = int(tb.scalars[SC_NEW_SPELL_MONTHS])
    after = int(w[m & (st.status <= 2)].sum())
    return {
        "year": year,
        "target_rate": rate,
        "persons_20_64": total,
        "target": target,
        "before": current,
        "after": after,
        "gap_before": gap_before,
        "gap_after": after - target,
    }


def check_codes(pop: Population) -> None:
    """Refuse records the kernel cannot index (it does no bounds checks)."""
    checks = (
        ("age", pop.age, MIN_AGE, MAX_AGE),
        ("sex", pop.sex, 0, 1),
        ("education", pop.education, 0, 2),
        ("status", pop.status, 0, 6),
        ("sector", pop.sector, 0, 7),
        ("employer_size", pop.employer_size, 0, 5),
    )
    for name, arr, lo, hi in checks:
        bad = (arr < lo) | (arr > hi)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"Population.{name}: record {i} (person_id {int(pop.person_id[i])}) has "
                f"{int(arr[i])}, outside [{lo}, {hi}]"
            )
    if np.any(pop.weight < 0):
        raise ValueError("Population.weight: negative weights")
    if not (np.all(np.isfinite(pop.wage)) and np.all(np.isfinite(pop.fte))):
        raise ValueError("Population.wage / fte: NaN or infinite values")


def project(
    pop: Population,
    years: Iterable[int] = range(2025, 2035),
    seed: int = 0,
    align: Mapping[int, float] | None = None,
    return_population: bool = False,
    params: ParameterSet | None = None,
    with_new_entrants: bool = True,
    tables: DemographyTables | None = None,
    entry_year: np.ndarray | None = None,
) -> ProjectionResult:
    """Project ``pop`` over ``years`` (contiguous, starting at ``pop.year + 1``).

    ``align`` maps years to a target employment rate 20-64 (e.g. ``{2030: 0.80}``); in those
    years employment is aligned by sort-by-difference after the transitions and the gaps are
    reported in ``result.alignment``. ``with_new_entrants`` adds the 18-year-old cohorts and
    net immigrants (:func:`entrants`); ``params`` overrides ``data/parameters/demography``;
    ``tables`` overrides :func:`~llrsim.population.dynamics.demography_tables` (which is
    otherwise calibrated on ``pop``). With ``return_population`` the records still in the
    model in the last year are returned (state of the last year, ``year`` = last year).
    ``entry_year`` (with ``with_new_entrants=False``) projects records that already include
    entrants, e.g. one chunk of :func:`with_entrants` output: results of chunks add up.
    """
    years = [int(y) for y in years]
    if not years or years != list(range(years[0], years[0] + len(years))):
        raise ValueError("years must be a non-empty contiguous range")
    if years[0] != pop.year + 1:
        raise ValueError(f"years must start at pop.year + 1 = {pop.year + 1}, got {years[0]}")
    check_codes(pop)
    p = params if params is not None else load_parameters("demography")
    if entry_year is not None:
        if with_new_entrants:
            raise ValueError(
                "entry_year given: the records already hold entrants; pass with_new_entrants=False"
            )
        full = pop
        entry_year = np.asarray(entry_year, dtype=np.int16)
    elif with_new_entrants:
        full, entry_year = with_entrants(pop, years, seed, p)
    else:
        full, entry_year = pop, np.full(pop.n, pop.year, dtype=np.int16)
    tb = tables if tables is not None else demography_tables(years[0], years[-1], p, base=pop)
    if years[0] < tb.start_year or years[-1] - tb.start_year >= tb.qx.shape[0]:
        raise ValueError(
            f"years {years[0]}-{years[-1]} outside the demography tables "
            f"({tb.start_year}-{tb.start_year + tb.qx.shape[0] - 1})"
        )
    st = person_state(full, entry_year)
    weight = full.weight
    if align:
        bad = sorted(set(align) - set(years))
        if bad:
            raise ValueError(f"alignment years {bad} outside the projection years")
        parts, evs, rows = [], [], []
        for t, y in enumerate(years):
            s_y, e_y = _run(st, weight, seed, y, 1, tb)
            if y in align:
                rows.append(_align_employment(st, weight, y, float(align[y]), seed, tb))
                s_y = _stock_tally(st, weight, y)[None]
            parts.append(s_y)
            evs.append(e_y)
            del t
        stock_array = np.concatenate(parts)
        event_array = np.concatenate(evs)
        alignment = pd.DataFrame(rows)
    else:
        stock_array, event_array = _run(st, weight, seed, years[0], len(years), tb)
        alignment = None
    events = pd.DataFrame(event_array[:, :N_EVENTS], columns=list(EVENT_NAMES))
    events = events.drop(columns=["alive", "exited"])
    events.insert(0, "year", years)
    events["job_changes"] = event_array[:, N_EVENTS]
    events["education_upgrades"] = event_array[:, N_EVENTS + 1]
    events["persons"] = stock_array.reshape(len(years), -1).sum(axis=1)
    final = None
    if return_population:
        keep = np.flatnonzero((st.exit_year == 0) & (st.entry_year <= years[-1]))
        cols = {k: getattr(st, k)[keep] for k in SCHEMA if k not in ("weight", "flags")}
        final = Population(
            year=years[-1], weight=weight[keep].copy(), flags=full.flags[keep].copy(), **cols
        )
    return ProjectionResult(
        years=years, stock_array=stock_array, events=events, alignment=alignment, population=final
    )


def threads() -> int:
    """Current number of Numba threads (for benchmarks and invariance tests)."""
    return int(numba.get_num_threads())
