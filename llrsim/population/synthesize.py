"""Synthesis of a weighted population of the Flemish Region aged 18-67.

The synthesis has three steps, each reproducible from the tables in ``data/population/``:

1. **Cells.** Persons by sex x single age (Statbel 2021, scaled to the reference year with the
   published or projected total: a DERIVED step, see ``population_totals``) are spread over
   education (3 levels) and labour status (7 statuses) by iterative proportional fitting
   (:func:`llrsim.population.calibrate.ipf`) to the calibrated targets of ``education_2022``
   and ``labour_status_2023``. The seed carries the labelled age profile of statuses
   (``status_seed_by_age``) and the sourced education gradients (``status_seed_by_education``).
   Cell counts are rounded to integers within each sex x age group by largest remainders, so
   they sum exactly to the persons of that group.
2. **Records.** ``n`` records are drawn from the persons ordered by status, education, sex
   and age with systematic sampling (one random start): record ``k`` stands for the persons
   at positions ``[floor(k N / n), floor((k + 1) N / n))`` and gets their number as integer
   weight, so the weights sum exactly to ``N``; with ``n=None`` every person is a record of
   weight 1. Samples are unbiased for any ``n``; the calibrated targets are within tolerance
   from about ``n = 20,000`` (sampling noise below that).
3. **Attributes.** Sector, employer size, working time, wage, unemployment spell, flags and
   work experience are drawn record by record from their (calibrated) conditional
   distributions with *randomised systematic allocation*: records of a group are put in a
   random order and each gets the quantile of the midpoint of its cumulative weight, so the
   weighted shares match their targets up to one record's weight while the assignment stays
   random. All randomness comes from one ``numpy.random.Generator`` built from ``seed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from numbers import Integral

import numpy as np
from scipy.special import ndtr, ndtri

from llrsim.errors import DataError
from llrsim.population import targets as tg
from llrsim.population.calibrate import Constraint, ipf, round_within_groups
from llrsim.population.codes import (
    EMPLOYED_STATUSES,
    Education,
    EmployerSize,
    Flag,
    Sector,
    Sex,
    Status,
)
from llrsim.population.population import Population
from llrsim.tables import Table, load_table

# The model's age range; equal to llrsim.predicates.AGE_LOWER / AGE_UPPER (tested). Not imported
# from there because llrsim.predicates imports llrsim.population.codes, which loads this package.
AGE_LOWER = 18  #: youngest age in the population (years)
AGE_UPPER = 67  #: oldest age in the population (years)

YEAR_MIN = 2021  #: first supported reference year (base year of the age x sex structure)
YEAR_MAX = 2033  #: last supported reference year (last projected population total)
BASE_YEAR = 2021  #: reference year of ``population/age_sex_2021``

N_AGES = AGE_UPPER - AGE_LOWER + 1
N_SEX, N_EDU, N_STATUS = len(Sex), len(Education), len(Status)
N_CELLS = N_SEX * N_AGES * N_EDU * N_STATUS

_EMPLOYED = np.array([int(s) for s in EMPLOYED_STATUSES])
_SEED_STATUS_COLUMNS = ("employee", "self_employed", "jobseeker", "inactive", "student", "retired")
_SEED_PUBLIC_SPLIT = 0.28  #: initial public share of the seed's employees (rescaled by IPF)


# --------------------------------------------------------------------------------------------
# Arguments and year-dependent inputs


def _check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, Integral):
        raise ValueError(f"year must be an integer in [{YEAR_MIN}, {YEAR_MAX}], got {year!r}")
    if not YEAR_MIN <= int(year) <= YEAR_MAX:
        raise ValueError(f"year must be in [{YEAR_MIN}, {YEAR_MAX}], got {year}")
    return int(year)


def population_total(year: int) -> int:
    """Population of the Flemish Region, all ages, on 1 January of ``year`` (persons).

    Published totals where they exist (``population/population_totals``), linear
    interpolation between rows otherwise (DERIVED). Raises ``ValueError`` outside the rows.
    """
    frame = load_table("population/population_totals").frame.sort_values("year")
    years = frame["year"].to_numpy()
    if not years[0] <= year <= years[-1]:
        raise ValueError(f"year must be in [{years[0]}, {years[-1]}] for a total, got {year}")
    return int(round(float(np.interp(year, years, frame["population"].to_numpy(np.float64)))))


def statutory_pension_age(year: int) -> int:
    """Statutory pension age on 1 January of ``year`` (years; law of 10 August 2015)."""
    frame = load_table("population/pension_age").frame.sort_values("from_year")
    rows = frame[frame["from_year"] <= year]
    if rows.empty:
        raise ValueError(f"no pension age known for {year}")
    return int(rows["pension_age"].iloc[-1])


def age_sex_counts(year: int) -> np.ndarray:
    """Persons 18-67 by sex (rows, codes.Sex) and single age (columns), int64.

    The 2021 Statbel structure scaled to the total of ``year`` (DERIVED): the 18-67 total is
    ``round(4,222,517 x total(year) / total(2021))``, spread over sex x age in the 2021
    proportions by largest remainders, so the counts sum exactly to that total.
    """
    year = _check_year(year)
    frame = load_table("population/age_sex_2021").frame.sort_values("age")
    if list(frame["age"]) != list(range(AGE_LOWER, AGE_UPPER + 1)):
        raise DataError("population/age_sex_2021: ages must be exactly 18..67")
    base = np.vstack([frame["men"].to_numpy(np.int64), frame["women"].to_numpy(np.int64)])
    if year == BASE_YEAR:
        return base
    factor = population_total(year) / population_total(BASE_YEAR)
    total = int(round(base.sum() * factor))
    flat = round_within_groups(
        base.ravel() * (total / base.sum()),
        np.zeros(base.size, dtype=np.int64),
        np.array([total]),
    )
    return flat.reshape(base.shape)


def parameter(name: str) -> float:
    """A scalar of ``population/synthesis_parameters`` by name (its unit is in the table)."""
    frame = load_table("population/synthesis_parameters").frame
    rows = frame[frame["name"] == name]
    if rows.empty:
        raise DataError(f"population/synthesis_parameters: parameter {name!r} missing")
    return float(rows["value"].iloc[0])


def _code_of(enum: type, name: str, where: str) -> int:
    try:
        return int(enum[name.upper()])
    except KeyError:
        raise DataError(
            f"{where}: unknown {enum.__name__} {name!r}; allowed {[m.name.lower() for m in enum]}"
        ) from None


def table_targets(name: str) -> list[tg.Target]:
    """The targets of a table in the common target format (``population/<name>``)."""
    t: Table = load_table(f"population/{name}")
    return tg.targets_from_frame(t.frame, f"population/{name}")


def year_targets(year: int) -> list[tg.Target]:
    """Education and labour-status targets, counts rescaled to ``year`` (DERIVED step)."""
    out = []
    for t in table_targets("education_2022") + table_targets("labour_status_2023"):
        if t.kind == "count":
            t = t.scaled(population_total(year) / population_total(t.year))
        out.append(t)
    return out


def target_by_name(name: str) -> tg.Target:
    """A target of the education or labour-status tables by its ``target`` id."""
    for t in table_targets("education_2022") + table_targets("labour_status_2023"):
        if t.name == name:
            return t
    raise DataError(f"target {name!r} not found in population/education_2022 or labour_status_2023")


# --------------------------------------------------------------------------------------------
# Step 1: cells


@dataclass(frozen=True)
class Cells:
    """Persons by sex x age x education x status for one year (flat, C order)."""

    year: int
    sex: np.ndarray
    age: np.ndarray
    education: np.ndarray
    status: np.ndarray
    count: np.ndarray  # int64 persons per cell

    def columns(self) -> dict[str, np.ndarray]:
        return {
            "sex": self.sex,
            "age": self.age,
            "education": self.education,
            "status": self.status,
        }


def _cell_axes() -> dict[str, np.ndarray]:
    s, a, e, st = np.meshgrid(
        np.arange(N_SEX), np.arange(N_AGES), np.arange(N_EDU), np.arange(N_STATUS), indexing="ij"
    )
    return {
        "sex": s.ravel().astype(np.int8),
        "age": (a.ravel() + AGE_LOWER).astype(np.int8),
        "education": e.ravel().astype(np.int8),
        "status": st.ravel().astype(np.int8),
    }


def _status_seed(year: int) -> np.ndarray:
    """Prior P(status | age) (N_AGES x N_STATUS) from ``status_seed_by_age``."""
    frame = load_table("population/status_seed_by_age").frame
    pension = statutory_pension_age(year)
    fixed = frame[~frame["from_pension_age"]]
    after = frame[frame["from_pension_age"]]
    if len(after) != 1:
        raise DataError("population/status_seed_by_age: exactly one from_pension_age row needed")
    out = np.zeros((N_AGES, N_STATUS))
    for i, age in enumerate(range(AGE_LOWER, AGE_UPPER + 1)):
        if age >= pension:
            row = after.iloc[0]
        else:
            rows = fixed[(fixed["age_min"] <= age) & (fixed["age_max"] >= age)]
            if len(rows) != 1:
                raise DataError(
                    f"population/status_seed_by_age: age {age} is in {len(rows)} bands, expected 1"
                )
            row = rows.iloc[0]
        emp = float(row["employee"])
        out[i, Status.EMPLOYEE_PRIVATE] = emp * (1 - _SEED_PUBLIC_SPLIT)
        out[i, Status.EMPLOYEE_PUBLIC] = emp * _SEED_PUBLIC_SPLIT
        out[i, Status.SELF_EMPLOYED] = float(row["self_employed"])
        out[i, Status.JOBSEEKER] = float(row["jobseeker"])
        out[i, Status.INACTIVE] = float(row["inactive"])
        out[i, Status.STUDENT] = float(row["student"])
        out[i, Status.RETIRED] = float(row["retired"])
    return out


def _education_odds() -> tuple[np.ndarray, np.ndarray]:
    frame = load_table("population/status_seed_by_education").frame
    emp, se = np.ones(N_EDU), np.ones(N_EDU)
    for row in frame.itertuples(index=False):
        e = _code_of(Education, row.education, "population/status_seed_by_education")
        emp[e], se[e] = row.employed_odds_ratio, row.self_employed_odds_ratio
    return emp, se


@cache
def cells(year: int) -> Cells:
    """The fitted integer cell counts of ``year`` (cached; arrays are read-only)."""
    year = _check_year(year)
    axes = _cell_axes()
    counts_as = age_sex_counts(year)
    margin_group = axes["sex"].astype(np.int64) * N_AGES + (axes["age"] - AGE_LOWER)
    margin_total = counts_as.ravel()

    status_seed = _status_seed(year)
    emp_or, se_or = _education_odds()
    age_i = axes["age"].astype(np.int64) - AGE_LOWER
    st, ed = axes["status"].astype(np.int64), axes["education"].astype(np.int64)
    seed = margin_total[margin_group] / N_EDU * status_seed[age_i, st]
    employed = np.isin(st, _EMPLOYED)
    seed = seed * np.where(employed, emp_or[ed], 1.0)
    seed = seed * np.where(st == Status.SELF_EMPLOYED, se_or[ed], 1.0)

    constraints = [
        Constraint(t.name, t.domain_mask(axes), t.measure_mask(axes), t.value, t.kind)
        for t in year_targets(year)
        if t.calibrate and t.in_cells
    ]
    fitted = ipf(seed, constraints, margin_group, margin_total)
    count = round_within_groups(fitted, margin_group, margin_total)
    for arr in (*axes.values(), count):
        arr.setflags(write=False)
    return Cells(year=year, count=count, **axes)


# --------------------------------------------------------------------------------------------
# Step 3 helpers: randomised systematic allocation


def random_quantiles(group: np.ndarray, weight: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A quantile in (0, 1) per record, uniform in weight within each group.

    Records of each group (``group`` = small nonnegative ints) are put in a random order; a
    record's quantile is ``(W_before + u w) / W``: the weight of the records before it plus a
    random fraction ``u`` (one per group) of its own weight ``w``, over the group's weight
    ``W`` (systematic sampling with a random start). Each quantile is uniform on (0, 1), so
    draws are unbiased for any group size, and mapping the quantiles through an inverse CDF
    gives a weighted distribution that matches the CDF in every group up to one record's
    weight.
    """
    n = group.shape[0]
    q = np.empty(n, dtype=np.float64)
    if n == 0:
        return q
    perm = rng.permutation(n)
    order = perm[np.argsort(group[perm], kind="stable")]
    w = weight[order].astype(np.float64)
    cum = np.cumsum(w)
    g = group[order].astype(np.int64)
    totals = np.bincount(g, weights=w)
    ends = np.cumsum(totals)
    start = (ends - totals)[g]
    u = rng.random(totals.shape[0])[g]
    q[order] = np.clip((cum - start - (1.0 - u) * w) / totals[g], 1e-12, 1 - 1e-12)
    return q


def _categorical(q: np.ndarray, row: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Category (column of ``probs``) for each quantile ``q`` given its ``row``."""
    cdf = np.cumsum(probs, axis=1)
    cdf[:, -1] = np.inf
    out = np.empty(q.shape[0], dtype=np.int64)
    for r in np.unique(row):
        sel = row == r
        out[sel] = np.searchsorted(cdf[r], q[sel], side="right")
    return out


# --------------------------------------------------------------------------------------------
# Conditional distributions of the record attributes


def sector_probabilities(c: Cells) -> np.ndarray:
    """P(sector | status): rows codes.Status, columns codes.Sector (NONE column 0).

    2-D IPF of ``sector_by_status_seed`` to the synthetic employed 20-64 by status (rows) and
    the sector shares of ``sector_2022`` (columns).
    """
    shares_t = load_table("population/sector_2022").frame
    seed_t = load_table("population/sector_by_status_seed").frame
    col_share = np.zeros(len(Sector))
    for row in shares_t.itertuples(index=False):
        col_share[_code_of(Sector, row.sector, "population/sector_2022")] = row.share
    seed = np.zeros((N_STATUS, len(Sector)))
    for row in seed_t.to_dict("records"):
        s = _code_of(Status, row.pop("status"), "population/sector_by_status_seed")
        for name, v in row.items():
            seed[s, _code_of(Sector, name, "population/sector_by_status_seed")] = v
    dom = (c.age >= 20) & (c.age <= 64)
    row_tot = np.bincount(c.status[dom], weights=c.count[dom], minlength=N_STATUS)
    row_tot[[s for s in range(N_STATUS) if s not in _EMPLOYED]] = 0
    table = seed * (row_tot[:, None] > 0)
    for _ in range(10000):
        table *= np.divide(row_tot, table.sum(1), out=np.zeros(N_STATUS), where=table.sum(1) > 0)[
            :, None
        ]
        want = col_share * row_tot.sum()
        table *= np.divide(want, table.sum(0), out=np.zeros_like(want), where=table.sum(0) > 0)
        if np.abs(table.sum(1) - row_tot).max() <= 1e-9 * row_tot.sum():
            break
    else:
        raise DataError("population/sector_by_status_seed: sector IPF did not converge")
    probs = np.divide(
        table,
        table.sum(1, keepdims=True),
        out=np.zeros_like(table),
        where=table.sum(1, keepdims=True) > 0,
    )
    return probs


def employer_size_probabilities() -> np.ndarray:
    """P(employer size | status): rows codes.Status, columns codes.EmployerSize."""
    frame = load_table("population/employer_size_2020").frame
    probs = np.zeros((N_STATUS, len(EmployerSize)))
    for row in frame.itertuples(index=False):
        k = _code_of(EmployerSize, row.employer_size, "population/employer_size_2020")
        probs[Status.EMPLOYEE_PRIVATE, k] = row.private
        probs[Status.EMPLOYEE_PUBLIC, k] = row.public
    return probs


def parttime_shares() -> np.ndarray:
    """Share of employees working part-time by sex (codes.Sex)."""
    return np.array([parameter("parttime_share_men"), parameter("parttime_share_women")])


def _wage_factors() -> tuple[np.ndarray, np.ndarray]:
    edu = np.zeros(N_EDU)
    for row in load_table("population/wage_education").frame.itertuples(index=False):
        edu[_code_of(Education, row.education, "population/wage_education")] = row.relative_median
    age = np.full(N_AGES, np.nan)
    for row in load_table("population/wage_age").frame.itertuples(index=False):
        age[row.age_min - AGE_LOWER : row.age_max - AGE_LOWER + 1] = row.relative_median
    if np.isnan(age).any() or (edu <= 0).any():
        raise DataError("population/wage_age and wage_education must cover every age and level")
    return edu, age


def _split_cdf(x: float, mu: np.ndarray, sig_lo: float, sig_hi: float) -> np.ndarray:
    """CDF at ``x`` of split normals with median ``mu`` and scales below / above it."""
    return np.where(x < mu, ndtr((x - mu) / sig_lo), ndtr((x - mu) / sig_hi))


def _mixture_quantile(
    p: float, w: np.ndarray, mu: np.ndarray, sig_lo: float, sig_hi: float
) -> float:
    """Quantile ``p`` of the ``w``-weighted mixture of split normals (bisection)."""
    lo = float(mu.min() - 10 * max(sig_lo, sig_hi))
    hi = float(mu.max() + 10 * max(sig_lo, sig_hi))
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if (w * _split_cdf(mid, mu, sig_lo, sig_hi)).sum() / w.sum() < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@cache
def wage_model(year: int) -> tuple[float, float, float]:
    """(scale EUR/month, sigma_low, sigma_high) of the full-time monthly gross wages.

    Within a cell (education x single age) the log wage is a *split normal*: median
    ``ln(scale x wage_education x wage_age)``, standard deviation ``sigma_low`` below the
    median and ``sigma_high`` above it, so the right skew of wages is kept. The three numbers
    are solved (fixed-point iteration) so that the analytic D1, median and D9 of the mixture of
    full-time employees (employees x (1 - part-time share) per cell) equal ``wages_2021``.
    """
    c = cells(year)
    targets = load_table("population/wages_2021").frame.set_index("statistic")["value"]
    edu_f, age_f = _wage_factors()
    emp = (c.status == Status.EMPLOYEE_PRIVATE) | (c.status == Status.EMPLOYEE_PUBLIC)
    w = c.count[emp] * (1 - parttime_shares()[c.sex[emp]])
    mu = np.log(edu_f[c.education[emp]] * age_f[c.age[emp] - AGE_LOWER])
    keep = w > 0
    w, mu = w[keep].astype(np.float64), mu[keep]
    med, d1, d9 = (math.log(targets[k]) for k in ("median", "d1", "d9"))
    log_scale, sig_lo, sig_hi = med, 0.3, 0.3
    for _ in range(200):
        log_scale += med - _mixture_quantile(0.5, w, mu + log_scale, sig_lo, sig_hi)
        got_d1 = _mixture_quantile(0.1, w, mu + log_scale, sig_lo, sig_hi)
        got_d9 = _mixture_quantile(0.9, w, mu + log_scale, sig_lo, sig_hi)
        err = max(abs(got_d1 - d1), abs(got_d9 - d9))
        sig_lo *= (med - d1) / (med - got_d1)
        sig_hi *= (d9 - med) / (got_d9 - med)
        if err < 1e-6:
            break
    else:
        raise DataError("population/wages_2021: the wage distribution fit did not converge")
    return float(math.exp(log_scale)), float(sig_lo), float(sig_hi)


def flag_probabilities(status: np.ndarray, weight: np.ndarray) -> dict[int, np.ndarray]:
    """P(flag | status) per codes.Flag, calibrated to the shares of ``population/flags``."""
    frame = load_table("population/flags").frame
    w_status = np.bincount(status, weights=weight.astype(np.float64), minlength=N_STATUS)
    out = {}
    for row in frame.to_dict("records"):
        f = _code_of(Flag, row["flag"], "population/flags")
        rr = np.array([row[f"rr_{s.name.lower()}"] for s in sorted(Status, key=int)])
        p0 = row["share"] * w_status.sum() / (w_status * rr).sum()
        p = p0 * rr
        if (p > 1).any():
            raise DataError(f"population/flags: {row['flag']} share and relative risks exceed 1")
        out[f] = p
    return out


# --------------------------------------------------------------------------------------------
# The public entry point


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, Integral) or not 0 <= int(seed) < 2**63:
        raise ValueError(f"seed must be an integer in [0, 2**63), got {seed!r}")
    return int(seed)


def synthesize(year: int = 2024, n: int | None = 100_000, seed: int = 0) -> Population:
    """A weighted synthetic population of the Flemish Region aged 18-67 on 1 January ``year``.

    Parameters
    ----------
    year
        Reference year, in [2021, 2033]. The 2021 age x sex structure is scaled to the total
        of that year (DERIVED); pension age and count targets follow the year.
    n
        Number of records, in [1, N] with N the persons 18-67 of that year (about 4.3 million
        in 2024); ``None`` gives the full population, one record of weight 1 per person.
    seed
        Integer in [0, 2**63): the same seed gives the same population bit for bit.

    Returns
    -------
    Population
        Records ordered by status, education, sex and age, ``person_id`` = 0..n-1, integer
        weights summing exactly to N. Every calibrated target of ``data/population`` is met
        within 1 percentage point (shares) or 1 % (counts); see :meth:`Population.validate`.
    """
    year = _check_year(year)
    seed = _check_seed(seed)
    c = cells(year)
    total = int(c.count.sum())
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, Integral):
            raise ValueError(f"n must be None or an integer in [1, {total}], got {n!r}")
        if not 1 <= int(n) <= total:
            raise ValueError(f"n must be in [1, {total}] (persons 18-67 in {year}), got {n}")
        n = int(n)
    rng = np.random.default_rng(np.random.SeedSequence(seed))

    # Step 2: records by systematic sampling of the persons ordered by cell. The order is
    # status, education, sex, age (implicit stratification): the earlier a key, the closer
    # its totals in the sample (within one sampling interval N/n per block).
    order = np.lexsort((c.age, c.sex, c.education, c.status))
    u_start = rng.random()  # drawn in every case, so n=None and n=N share one random stream
    if n is None or n == total:
        cell = np.repeat(order, c.count[order])
        weight = np.ones(total, dtype=np.int32)
    else:
        k = np.arange(n + 1, dtype=np.int64)
        start = (k * total) // n
        weight64 = np.diff(start)
        offset = np.floor(u_start * weight64).astype(np.int64)
        cum = np.cumsum(c.count[order])
        cell = order[np.searchsorted(cum, start[:-1] + offset, side="right")]
        weight = weight64.astype(np.int32)
    m = cell.shape[0]
    sex = c.sex[cell]
    age = c.age[cell]
    education = c.education[cell]
    status = c.status[cell]

    # Sector and employer size.
    sector = np.zeros(m, dtype=np.int8)
    employed = np.isin(status, _EMPLOYED)
    idx = np.flatnonzero(employed)
    q = random_quantiles(status[idx], weight[idx], rng)
    sector[idx] = _categorical(q, status[idx].astype(np.int64), sector_probabilities(c))
    employer_size = np.zeros(m, dtype=np.int8)
    is_emp = (status == Status.EMPLOYEE_PRIVATE) | (status == Status.EMPLOYEE_PUBLIC)
    ide = np.flatnonzero(is_emp)
    q = random_quantiles(status[ide], weight[ide], rng)
    employer_size[ide] = _categorical(
        q, status[ide].astype(np.int64), employer_size_probabilities()
    )

    # Working time: part-time by sex, then the part-time fraction.
    fte = np.where(employed, 1.0, 0.0).astype(np.float32)
    q = random_quantiles(sex[ide], weight[ide], rng)
    part = ide[q < parttime_shares()[sex[ide]]]
    levels = load_table("population/fte_parttime").frame
    q = random_quantiles(np.zeros(part.shape[0], dtype=np.int8), weight[part], rng)
    lvl = _categorical(q, np.zeros(part.shape[0], dtype=np.int64), levels[["share"]].to_numpy().T)
    fte[part] = levels["fte"].to_numpy(np.float32)[lvl]

    # Wages: split-lognormal per education x single age; quantiles stratified by education.
    scale, sig_lo, sig_hi = wage_model(year)
    edu_f, age_f = _wage_factors()
    wage = np.zeros(m, dtype=np.float32)
    q = random_quantiles(education[ide], weight[ide], rng)
    z = ndtri(q)
    z *= np.where(z < 0, sig_lo, sig_hi)
    monthly = scale * edu_f[education[ide]] * age_f[age[ide] - AGE_LOWER] * np.exp(z)
    wage[ide] = (monthly * parameter("months_per_year") * fte[ide]).astype(np.float32)

    # Unemployment spell of jobseekers: exponential, P(> 24 months) = long-term share.
    unemployment_months = np.zeros(m, dtype=np.int16)
    idj = np.flatnonzero(status == Status.JOBSEEKER)
    share_lt = target_by_name("long_term_jobseeker_share").value
    spell_scale = 24.0 / -math.log(share_lt)
    q = random_quantiles(np.zeros(idj.shape[0], dtype=np.int8), weight[idj], rng)
    months = 1 + np.floor(-spell_scale * np.log1p(-q))
    unemployment_months[idj] = np.minimum(months, parameter("max_unemployment_months")).astype(
        np.int16
    )

    # Flags: probability p0 x relative risk by status, calibrated to the target share.
    flags = np.zeros(m, dtype=np.uint8)
    for f, p in flag_probabilities(status, weight).items():
        q = random_quantiles(status, weight, rng)
        flags |= ((q < p[status]).astype(np.uint8) << np.uint8(f)).astype(np.uint8)

    # Work experience: years since the start age times the attachment of the status.
    start_age = np.array([parameter(f"start_age_{e.name.lower()}") for e in sorted(Education)])
    attach = np.zeros(N_STATUS)
    attach[list(_EMPLOYED)] = parameter("attachment_employed")
    for s, name in (
        (Status.JOBSEEKER, "jobseeker"),
        (Status.INACTIVE, "inactive"),
        (Status.STUDENT, "student"),
        (Status.RETIRED, "retired"),
    ):
        attach[s] = parameter(f"attachment_{name}")
    years = np.maximum(age - start_age[education], 0.0) * attach[status]
    years = years + rng.normal(0.0, parameter("experience_noise_sd"), m)
    experience = np.clip(np.rint(years), 0, np.maximum(age.astype(np.int64) - 15, 0)).astype(
        np.int8
    )

    return Population(
        year=year,
        person_id=np.arange(m, dtype=np.int64),
        weight=weight,
        age=age.astype(np.int8),
        sex=sex.astype(np.int8),
        education=education.astype(np.int8),
        status=status.astype(np.int8),
        sector=sector,
        employer_size=employer_size,
        wage=wage,
        fte=fte,
        experience=experience,
        unemployment_months=unemployment_months,
        flags=flags,
    )
