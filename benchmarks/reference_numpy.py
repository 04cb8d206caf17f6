"""A plain, honest vectorised numpy implementation of the yearly demography (benchmark).

Same rules, tables and parameters as :func:`llrsim.population.dynamics.demography_step`
(the :class:`~llrsim.population.dynamics.DemographyTables` are shared), written the way a
careful numpy user would: whole-array operations per year with boolean masks, bulk PCG64
draws (``numpy.random.Generator.random``), fancy-indexed table look-ups. Its draws are not
the keyed ones, so it agrees with the kernel statistically, not record by record; the
benchmark checks the agreement of the yearly status stocks.
"""

from __future__ import annotations

import numpy as np

from llrsim.population.dynamics import DemographyTables, PersonState

N_AGES = 69


def project_numpy(
    st: PersonState, weight: np.ndarray, years: range, tb: DemographyTables, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Advance ``st`` in place over ``years``; returns (stocks, deaths per year).

    ``stocks[t, sex, age, education, status]`` are weighted persons in the model in year t,
    as in ``ProjectionResult.stock_array``.
    """
    rng = np.random.default_rng(seed)
    n = st.age.shape[0]
    age = st.age.astype(np.int64)
    sex = st.sex.astype(np.int64)
    edu = st.education.astype(np.int64)
    status = st.status.astype(np.int64)
    sector = st.sector.astype(np.int64)
    size = st.employer_size.astype(np.int64)
    exp = st.experience.astype(np.int64)
    wage = st.wage.astype(np.float64)
    fte = st.fte.astype(np.float64)
    um = st.unemployment_months.astype(np.int64)
    entry = st.entry_year.astype(np.int64)
    alive = st.exit_year == 0
    w = weight.astype(np.int64)
    stocks = np.zeros((len(years), 2, N_AGES, 3, 7), dtype=np.int64)
    deaths = np.zeros(len(years), dtype=np.int64)
    sc = tb.scalars
    for t, y in enumerate(years):
        yi = y - tb.start_year
        act = alive & (entry < y)  # in the model in y-1, to be advanced
        u = rng.random((6, n))
        died = act & (u[0] < tb.qx[yi, sex, age])
        deaths[t] = w[died].sum()
        alive &= ~died
        act &= ~died
        age = np.where(act, age + 1, age)
        out = act & (age > tb.upper_age)
        alive &= ~out
        act &= ~out
        was_emp = status <= 2
        exp = np.where(act & was_emp, np.minimum(exp + 1, 127), exp)
        not_ret = act & (status != 6)
        retire = not_ret & (
            (age >= tb.pension_age[yi])
            | ((age >= tb.early_min_age) & (status != 5) & (u[1] < tb.early_hazard[age]))
        )
        move = not_ret & ~retire
        band = tb.band[age]
        rows = tb.trans_cum[sex, band, edu, np.minimum(status, 5)]  # (n, 6) temporaries
        new = np.minimum((u[2][:, None] >= rows).sum(axis=1), 5)
        new = np.where(move, new, status)
        leave = move & (status == 5) & (new != 5)  # leaving study: diploma reached
        up_rows = tb.edu_upgrade_cum[sex, edu]  # (n, 3)
        e2 = np.minimum((rng.random(n)[:, None] >= up_rows).sum(axis=1), 2)
        edu = np.where(leave, np.maximum(e2, edu), edu)
        emp = new <= 2
        job = move & was_emp & emp & ((new != status) | ((new != 2) & (u[3] < tb.job_change[band])))
        fresh = move & emp & (~was_emp | job)
        k = np.minimum((u[4][:, None] >= tb.job_cum[new.clip(0, 2)]).sum(axis=1), 47)
        sector = np.where(fresh, k // 6, sector)
        size = np.where(fresh, np.where(new == 2, 0, k % 6), size)
        stay_emp = move & emp & was_emp & (status != 2) & (new != 2)
        wage = np.where(stay_emp, wage * (1 + sc[1]) * np.where(job, 1 + sc[2], 1.0), wage)
        new_employee = move & emp & (new != 2) & (~was_emp | (status == 2))
        z = np.sqrt(-2 * np.log(1 - rng.random(n))) * np.cos(2 * np.pi * u[5])
        wage = np.where(new_employee, tb.entry_wage[edu] * np.exp(sc[3] * z), wage)
        part = rng.random(n) < tb.part_time[sex]
        fte = np.where(new_employee, np.where(part, sc[0], 1.0), fte)
        fte = np.where(move & (new == 2) & ~was_emp, 1.0, fte)
        wage = np.where(move & (new == 2), 0.0, wage)
        lost = move & ~emp
        sector, size = np.where(lost, 0, sector), np.where(lost, 0, size)
        wage, fte = np.where(lost, 0.0, wage), np.where(lost, 0.0, fte)
        um = np.where(
            move & (new == 3), np.where(status == 3, um + 12, sc[5]), np.where(move, 0, um)
        )
        status = np.where(retire, 6, new)
        sector = np.where(retire, 0, sector)
        size = np.where(retire, 0, size)
        wage = np.where(retire, 0.0, wage)
        fte = np.where(retire, 0.0, fte)
        um = np.where(retire, 0, um)
        inm = alive & (entry <= y)
        cell = (((sex * N_AGES + age) * 3 + edu) * 7 + status)[inm]
        stocks[t] = np.bincount(cell, weights=w[inm], minlength=2 * N_AGES * 21).reshape(
            2, N_AGES, 3, 7
        )
    st.age[:] = age
    st.education[:] = edu
    st.status[:] = status
    st.exit_year[~alive & (st.exit_year == 0)] = years[-1]
    return stocks, deaths
