"""Hand-built populations, demography without events, and plans for kernel tests."""

from __future__ import annotations

import numpy as np

from llrsim.behaviour.coefficients import (
    B_COST_PER_HOUR,
    B_HOURS_MEAN,
    B_HOURS_SIGMA,
    B_INTERCEPT,
    B_SHARE_CERTIFIED,
    B_SHARE_GENERAL,
    behaviour_vector,
)
from llrsim.engine import mechanisms as m
from llrsim.engine.plan import KernelPlan, empty_q
from llrsim.population.dynamics import SC_WAGE_GROWTH, demography_tables
from llrsim.population.population import SCHEMA, Population
from llrsim.predicates import Predicate


def population(n: int, year: int = 2024, weight: int = 3, **attrs) -> Population:
    """``n`` identical 30-year-old private employees (firm of 50-249) unless overridden."""
    base = {
        "person_id": np.arange(n, dtype=np.int64),
        "weight": np.full(n, weight, dtype=np.int32),
        "age": np.full(n, 30, dtype=np.int8),
        "sex": np.zeros(n, dtype=np.int8),
        "education": np.ones(n, dtype=np.int8),
        "status": np.zeros(n, dtype=np.int8),
        "sector": np.ones(n, dtype=np.int8),
        "employer_size": np.full(n, 4, dtype=np.int8),
        "wage": np.full(n, 48_000.0, dtype=np.float32),
        "fte": np.ones(n, dtype=np.float32),
        "experience": np.full(n, 8, dtype=np.int8),
        "unemployment_months": np.zeros(n, dtype=np.int16),
        "flags": np.zeros(n, dtype=np.uint8),
    }
    for k, v in attrs.items():
        base[k] = np.asarray(v, dtype=SCHEMA[k][0]) * np.ones(n, dtype=SCHEMA[k][0])
    return Population(year=year, **base)


def frozen_demography(start_year: int, end_year: int):
    """Demography in which nothing happens: no death, retirement, transition or wage growth."""
    tb = demography_tables(start_year, end_year)
    cum = np.zeros_like(tb.trans_cum)
    n_status = cum.shape[-1]
    for prev in range(n_status):
        cum[..., prev, prev:] = 1.0
    scalars = tb.scalars.copy()
    scalars[SC_WAGE_GROWTH] = 0.0
    return tb._replace(
        scalars=scalars,
        qx=np.zeros_like(tb.qx),
        early_hazard=np.zeros_like(tb.early_hazard),
        pension_age=np.full_like(tb.pension_age, 120),
        trans_cum=cum,
        job_change=np.zeros_like(tb.job_change),
    )


def forced_training_coef(hours: float = 40.0, eur_per_hour: float = 30.0) -> np.ndarray:
    """Behaviour in which everybody trains every year, a job-related course of fixed length."""
    coef = behaviour_vector()
    coef[B_INTERCEPT] = 60.0  # p0 = 1 for everyone
    coef[B_HOURS_MEAN] = hours
    coef[B_HOURS_SIGMA] = 0.0
    coef[B_COST_PER_HOUR] = eur_per_hour
    coef[B_SHARE_GENERAL] = 0.0
    coef[B_SHARE_CERTIFIED] = 0.0
    return coef


def single_instrument_plan(kind: int, years: list[int], unit: str, **fields: float) -> KernelPlan:
    """One scenario with one instrument in force every year; ``fields`` are Q_* names."""
    s, y, i = 1, len(years), 1
    q = empty_q(s, y, i)
    q[..., m.Q_AWARENESS] = 1.0
    q[..., m.Q_T_INTERCEPT] = 60.0  # forced take-up
    q[..., m.Q_TYPES_MASK] = 31
    q[..., m.Q_KEY] = 7
    for name, value in fields.items():
        q[..., getattr(m, "Q_" + name.upper())] = value
    return KernelPlan(
        scenarios=["T"],
        years=years,
        instruments=["x"],
        kind=np.array([kind], dtype=np.int64),
        active=np.ones((s, y, i), dtype=np.bool_),
        elig=np.tile(Predicate().compile(), (s, y, i, 1)),
        q=q,
        units=[unit],
    )
