"""Annual labour-status transition matrices, calibrated to Flemish flows and base stocks.

Statuses (:class:`~llrsim.population.codes.Status`) 0-5 move by a Markov matrix per cell
(sex × age band × education); RETIRED (6) is absorbing and handled by the retirement rule of
:mod:`llrsim.population.dynamics`. The matrices are built, not copied: no source publishes
them for Flanders. :func:`calibrate_transitions` derives them from

* the 2023 Flemish flows (Steunpunt Werk, *Mobiliteit tussen arbeidsmarktstatuten*):
  employed → unemployed 1.1 %, employed → inactive 3.2 %, unemployed → employed 37.1 %,
  inactive → employed 12.2 % (``data/parameters/demography.toml``, ``transitions.*``);
* assumed relative risks by age band and education (``data/dynamics/transition_risk_*``);
* student exit and school-leaver destinations (``data/dynamics/student_*``);
* the stocks of the base population (or :func:`reference_stocks` without one).

Method (per cell c, stocks x_E, x_U, x_I, x_S):

1. Outflows from employment: ``eu_c = A_eu · rr_eu(c)``, ``ei_c = A_ei · rr_ei(c)``, with
   A_eu, A_ei such that the employment-weighted mean over ages 18-64 equals 1.1 % and
   3.2 % minus the employed's retirement rate under the model's retirement rules (the LFS
   counts retirement as inactivity, the model retires people separately).
2. Inflows into employment: ``ue_c = r · rr_ue(c) · m_c`` and ``ie_c = rr_ie(c) · m_c``; the
   cell factor ``m_c`` balances employment in the cell (outflow = inflow, school leavers
   included), bounded to 0.2-6 times its aggregate value (where school leavers alone
   outweigh the outflow, re-employment must not vanish), so employment rates by sex, age
   and education stay where the base puts them;
   the ratio ``r`` is set so the aggregate U→E / I→E ratio equals 37.1 / 12.2.
3. Unemployment is balanced by the U→I flow (I→U fixed by ``transitions.i_to_u``).
   In the young bands (18-29), which are not stationary in employment (school leavers move
   in, the employed age out), the jobseeker and inactive stocks are kept stationary
   instead: U→E and I→E equal the inflows into U and I per person in U and I, so
   employment grows by the school leavers who find work, as it does with age in the base.
   School leavers take the employed / jobseeker / inactive mix of the next age band of
   their sex and education in the stocks.
4. Moves between employee-private / employee-public / self-employed at rate
   ``transitions.within_employment`` go to destinations in proportion to the stocks of the
   next age band (detailed balance where the split does not change with age; toward more
   self-employment where it grows with age).

Because the steps fix both the levels of the employment outflows and the balance, the
aggregate U→E and I→E come out near, not exactly at, 37.1 % and 12.2 % (the 2023 flows and
stocks are not exactly in balance; the VDAB jobseeker stock is larger than the LFS one);
:class:`CalibrationReport` states the achieved values. Without the ageing of cohorts, the
cell stocks would be a fixed point; with ageing, entry and retirement, rates by education
move only through composition (tested over ten years in ``tests/test_dynamics.py``).

Run ``python -m llrsim.population.transitions`` to print the calibration on the reference
stocks (projection from 2025) and write ``data/dynamics/transition_matrices_reference.csv``
(documentation only; the model calibrates on its base population at run time:
:func:`llrsim.population.dynamics.calibrate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from llrsim.errors import DataError
from llrsim.parameters import ParameterSet, load_parameters
from llrsim.population.codes import Education, Sex, Status
from llrsim.population.population import Population
from llrsim.tables import load_table

#: Lower bounds of the age bands (last band 65-67). Ages on 1 January.
BAND_LOWER: tuple[int, ...] = (18, 25, 30, 35, 40, 45, 50, 55, 60, 65)
MIN_AGE, MAX_AGE = 18, 67
N_BANDS = len(BAND_LOWER)
N_SEX, N_EDU = 2, 3
N_STATUS = 7  #: all codes of Status, RETIRED included
N_MOVING = 6  #: statuses with a transition row (RETIRED is absorbing)
EMPLOYED = (int(Status.EMPLOYEE_PRIVATE), int(Status.EMPLOYEE_PUBLIC), int(Status.SELF_EMPLOYED))
U, I, S, R = int(Status.JOBSEEKER), int(Status.INACTIVE), int(Status.STUDENT), int(Status.RETIRED)  # noqa: E741
_WORKING_AGE_BANDS = 9  #: bands 18-24 ... 60-64, the scope of the 2023 flow statistics
_YOUNG_BANDS = 2  #: bands 18-24 and 25-29 (school leavers)
_M_RANGE = (0.2, 6.0)  #: cell balancing factor bounds, relative to the aggregate factor
_EMPLOYMENT_CAP = 0.97  #: reference stocks: largest employed share of those not studying/retired


def band_labels() -> list[str]:
    """Labels of the age bands, e.g. ``"18-24"``."""
    upper = [*(b - 1 for b in BAND_LOWER[1:]), MAX_AGE]
    return [f"{lo}-{hi}" for lo, hi in zip(BAND_LOWER, upper, strict=True)]


def band_of_age() -> np.ndarray:
    """Lookup array ``band[age]`` for ages 0-127 (int64; ages outside 18-67 map to the edges)."""
    ages = np.arange(128)
    return np.clip(np.searchsorted(BAND_LOWER, ages, side="right") - 1, 0, N_BANDS - 1).astype(
        np.int64
    )


def _band_table(name: str) -> pd.DataFrame:
    frame = load_table(name).frame
    if list(frame["age_from"]) != list(BAND_LOWER):
        raise DataError(f"data/{name}.csv: age_from must be exactly {BAND_LOWER}")
    return frame


def stocks_from_population(pop: Population) -> np.ndarray:
    """Weighted persons by (sex, age band, education, status): float64 ``[2, 10, 3, 7]``.

    Only ages 18-67 count; the calibration reads cell shares from these stocks.
    """
    keep = (pop.age >= MIN_AGE) & (pop.age <= MAX_AGE)
    band = band_of_age()[pop.age[keep].astype(np.int64)]
    cell = ((pop.sex[keep].astype(np.int64) * N_BANDS + band) * N_EDU + pop.education[keep]) * (
        N_STATUS
    ) + pop.status[keep]
    counts = np.bincount(
        cell, weights=pop.weight[keep].astype(np.float64), minlength=N_SEX * N_BANDS * N_EDU * 7
    )
    return counts.reshape(N_SEX, N_BANDS, N_EDU, N_STATUS)


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def reference_stocks(params: ParameterSet | None = None) -> np.ndarray:
    """Reference stocks ``[2, 10, 3, 7]`` (persons) when no base population is at hand.

    Built from ``data/dynamics/reference_labour_by_age`` (age shapes, education by age),
    the population by sex and age on 1 Jan 2021 and logit shifts of employment by education
    and sex solved so that the 20-64 employment rates equal 52.6 / 78.0 / 90.8 % (low /
    medium / high; fitted on ages 25-64) and a men-women logit gap of 80.3 vs 73.3 %,
    Statistiek Vlaanderen 2023. Employment
    is split 65.1 / 20.5 / 14.4 % private / public / self-employed (self-employed 14.4 % of
    the employed, 2022; public 24 % of employees, an assumption between the Belgian 28 %
    and the narrow Flemish ≈ 9 %).
    """
    del params  # the reference stocks have no free parameters
    ref = _band_table("dynamics/reference_labour_by_age")
    pop = load_table("population/age_sex_2021").frame
    band = band_of_age()[pop["age"].to_numpy()]
    persons = np.zeros((N_SEX, N_BANDS))
    np.add.at(persons[0], band, pop["men"].to_numpy(dtype=float))
    np.add.at(persons[1], band, pop["women"].to_numpy(dtype=float))
    low = ref["education_low"].to_numpy()
    high = ref["education_high"].to_numpy()
    edu_share = np.zeros((N_SEX, N_BANDS, N_EDU))
    for s, shift in ((0, -0.045), (1, 0.045)):  # high-educated men 42.2 %, women 51.3 % (2022)
        edu_share[s, :, 2] = high + shift
        edu_share[s, :, 0] = low - shift / 4
        edu_share[s, :, 1] = 1.0 - edu_share[s, :, 0] - edu_share[s, :, 2]
    stud = ref["student_share"].to_numpy()
    ret = ref["retired_share"].to_numpy()
    free = 1.0 - stud - ret
    emp_free = np.clip(
        ref["employment_rate"].to_numpy() / np.where(free > 0, free, 1.0) / _EMPLOYMENT_CAP,
        1e-3,
        0.999,
    )
    base_logit = np.log(emp_free / (1 - emp_free))
    edu_target = np.array([0.526, 0.780, 0.908])
    sex_target = np.array([0.803, 0.733])
    delta = np.zeros(N_EDU)
    # Education-specific rates are fitted on 25-64: below 25 the model's education is the
    # final attainment of students, not the diploma the LFS counts.
    working = (np.arange(N_BANDS) >= 1) & (np.arange(N_BANDS) < _WORKING_AGE_BANDS)

    def employment(delta: np.ndarray, gamma: np.ndarray) -> np.ndarray:
        x = base_logit[None, :, None] + delta[None, None, :] + gamma[:, None, None]
        # at most 97 % of those not in study or retirement work: every cell keeps some
        # jobseekers and inactive persons, so its flows can be balanced
        return free[None, :, None] * _EMPLOYMENT_CAP * _logistic(x)

    # Men and women differ by the logit gap of their 2023 rates (80.3 vs 73.3 %); the education
    # shifts are then solved exactly. (Both sets of targets cannot hold at once on this
    # composition: the education rates imply 80 % overall, the sex rates 76.8 %.)
    half_gap = 0.5 * (
        np.log(sex_target[0] / (1 - sex_target[0])) - np.log(sex_target[1] / (1 - sex_target[1]))
    )
    gamma = np.array([half_gap, -half_gap])
    w_work = (persons[:, :, None] * edu_share) * working[None, :, None]
    for _ in range(100):  # fixed point on the education shifts (converges geometrically)
        emp = employment(delta, gamma)
        rate_e = (emp * w_work).sum(axis=(0, 1)) / w_work.sum(axis=(0, 1))
        delta += np.log(edu_target / (1 - edu_target)) - np.log(rate_e / (1 - rate_e))
    emp = employment(delta, gamma)
    js = ref["jobseeker_share_of_active"].to_numpy()
    js_edu = np.array([2.0, 1.0, 0.6])  # assumption: jobseeker risk by education
    unemp = emp * (js[None, :, None] * js_edu[None, None, :]) / (1 - js[None, :, None])
    unemp = np.minimum(unemp, np.clip(free[None, :, None] - emp, 0, None))
    inact = np.clip(free[None, :, None] - emp - unemp, 0, None)
    shares = np.zeros((N_SEX, N_BANDS, N_EDU, N_STATUS))
    for k, part in zip(EMPLOYED, (0.651, 0.205, 0.144), strict=True):
        shares[..., k] = emp * part
    shares[..., U] = unemp
    shares[..., I] = inact
    shares[..., S] = stud[None, :, None]
    shares[..., R] = ret[None, :, None]
    shares /= shares.sum(axis=-1, keepdims=True)
    return shares * (persons[:, :, None] * edu_share)[..., None]


@dataclass(frozen=True)
class CalibrationReport:
    """Aggregate flows achieved by the calibrated matrices on the calibration stocks (18-64)."""

    e_to_u: float
    e_to_i: float
    u_to_e: float
    i_to_e: float
    u_to_i: float
    i_to_u: float
    targets: dict[str, float]
    clipped_cells: int
    #: employed → retired by the retirement rules (18-64); part of the LFS E→I flow
    e_to_r: float = 0.0
    #: E→I in the LFS concept (inactive includes the retired): ``e_to_i + e_to_r``
    e_to_i_lfs: float = float("nan")
    #: I→E in the LFS concept: (inactive + students + retired below 65) → employed
    i_to_e_lfs: float = float("nan")
    #: U→E per ILO unemployed (``transitions.ilo_unemployment_rate`` of the labour force)
    u_to_e_lfs: float = float("nan")

    def to_frame(self) -> pd.DataFrame:
        """Achieved vs target flows as a table (flow, achieved, target)."""
        rows = []
        names = ("e_to_u", "e_to_i", "e_to_r", "e_to_i_lfs", "u_to_e", "u_to_e_lfs")
        for name in (*names, "i_to_e", "i_to_e_lfs", "u_to_i", "i_to_u"):
            if name in ("e_to_u", "i_to_u") or name.endswith("_lfs"):
                target = self.targets.get(name.removesuffix("_lfs"))
            else:
                target = None  # model-concept rates: no published target
            rows.append({"flow": name, "achieved": getattr(self, name), "target": target})
        return pd.DataFrame(rows)


@cache
def _relative_risks() -> tuple[np.ndarray, ...]:
    """Relative risks [band, education] of the flows E→U, E→I, U→E, I→E (read-only).

    Depend only on the (cached) data tables, so they are computed once per process.
    """
    age = _band_table("dynamics/transition_risk_age")
    edu = load_table("dynamics/transition_risk_education").frame.set_index("education")
    if sorted(edu.index) != [int(e) for e in Education]:
        raise DataError("data/dynamics/transition_risk_education.csv: need one row per education")
    out = []
    for col in ("e_to_u", "e_to_i", "u_to_e", "i_to_e"):
        out.append(age[col].to_numpy()[:, None] * edu.loc[[0, 1, 2], col].to_numpy()[None, :])
    for a in out:
        a.flags.writeable = False
    return tuple(out)


@cache
def _student_destination() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shares of school leavers to employment, jobseeker, inactive by education (read-only)."""
    dest = load_table("dynamics/student_destination").frame.set_index("education")
    out = tuple(
        dest.loc[[0, 1, 2], c].to_numpy().copy() for c in ("employed", "jobseeker", "inactive")
    )
    for a in out:
        a.flags.writeable = False
    return out


def student_stay_from_population(pop: Population) -> np.ndarray:
    """P(still a student next year) by age band, from the base's student shares by age.

    Reads the cross-section as a cohort: ``stay(band) = sum_a S(a + 1) / sum_a S(a)`` over
    the ages a of the band, with S(a) the weighted share of students at single age a, so
    the projected student profile keeps the base's. Bands without students get NaN (the
    caller then uses ``data/dynamics/student_transitions``).
    """
    w = pop.weight.astype(np.float64)
    ages = pop.age.astype(np.int64)
    tot = np.bincount(ages, weights=w, minlength=MAX_AGE + 2)
    stud = np.bincount(ages, weights=w * (pop.status == S), minlength=MAX_AGE + 2)
    return student_stay_from_counts(tot, stud)


def student_stay_from_counts(total: np.ndarray, students: np.ndarray) -> np.ndarray:
    """:func:`student_stay_from_population` from weighted persons and students by single age.

    ``total`` and ``students`` (float64, persons) are indexed by age from 0 and cover at
    least ages 0-68; used by the demography tables, which tally them in one pass.
    """
    tot, stud = total, students
    share = np.where(tot > 0, stud / np.where(tot > 0, tot, 1), 0.0)
    out = np.full(N_BANDS, np.nan)
    upper = [*(b - 1 for b in BAND_LOWER[1:]), MAX_AGE]
    for b, (lo, hi) in enumerate(zip(BAND_LOWER, upper, strict=True)):
        now = share[lo : hi + 1].sum()
        if now > 0:
            out[b] = min(share[lo + 1 : hi + 2].sum() / now, 1.0)
    return out


def calibrate_transitions(
    stocks: np.ndarray,
    params: ParameterSet | None = None,
    student_stay: np.ndarray | None = None,
    e_to_r: float = 0.0,
) -> tuple[np.ndarray, CalibrationReport]:
    """Transition matrices ``P[sex, band, education, from, to]`` (float64 ``[2, 10, 3, 6, 6]``).

    ``stocks`` are weighted persons ``[2, 10, 3, 7]`` (:func:`stocks_from_population` or
    :func:`reference_stocks`); rows of P sum to 1. ``student_stay`` (by band, NaN = use the
    table) replaces ``data/dynamics/student_transitions``, e.g. from
    :func:`student_stay_from_population`. ``e_to_r`` is the yearly probability that an
    employed person aged 18-64 retires under the model's retirement rules: the LFS flow
    E→I (3.2 %) counts retirement as inactivity, so the matrix carries only the rest
    (``3.2 % - e_to_r``, at least a fifth of it). See the module docstring for the method.
    """
    p = params if params is not None else load_parameters("demography")
    stocks = np.asarray(stocks, dtype=np.float64)
    if stocks.shape != (N_SEX, N_BANDS, N_EDU, N_STATUS) or np.any(stocks < 0):
        raise ValueError(f"stocks must be non-negative with shape {(N_SEX, N_BANDS, N_EDU, 7)}")
    targets = {k: p.value(f"transitions.{k}") for k in ("e_to_u", "e_to_i", "u_to_e", "i_to_e")}
    targets["i_to_u"] = p.value("transitions.i_to_u")
    rr_eu, rr_ei, rr_ue, rr_ie = _relative_risks()
    stay = np.minimum(
        _band_table("dynamics/student_transitions")["stay_student"].to_numpy()
        * p.value("transitions.student_stay_scale"),
        1.0,
    )
    if student_stay is not None:
        given = np.asarray(student_stay, dtype=np.float64)
        if given.shape != (N_BANDS,):
            raise ValueError(f"student_stay must have shape ({N_BANDS},)")
        stay = np.where(np.isnan(given), stay, np.clip(given, 0.0, 1.0))
    d_e, d_u, d_i = _student_destination()
    mu = p.value("transitions.within_employment")
    iu0 = targets["i_to_u"]

    x_k = stocks[..., list(EMPLOYED)]  # [2, 10, 3, 3]
    x_e = x_k.sum(axis=-1)
    x_u, x_i, x_s = stocks[..., U], stocks[..., I], stocks[..., S]
    tot_k = x_k.sum(axis=(0, 1, 2))
    glob_split = tot_k / tot_k.sum() if tot_k.sum() > 0 else np.array([0.651, 0.205, 0.144])
    split = np.where(x_e[..., None] > 0, x_k / np.where(x_e > 0, x_e, 1)[..., None], glob_split)
    # moves between employment statuses head for the split of the next age band: stationary
    # where the split does not change with age, and self-employment grows with age where the
    # base has it so (6.7 % of the employed 25-29, 13 % from 30 in the synthesized base)
    split_next = split[:, np.minimum(np.arange(N_BANDS) + 1, N_BANDS - 1)]
    # school leavers take the employed / jobseeker / inactive mix of the next age band (same
    # sex and education) of the calibration stocks, so the young keep the base's status mix;
    # the student_destination table serves cells without such stocks
    nxt = np.minimum(np.arange(N_BANDS) + 1, N_BANDS - 1)
    eui = np.stack([x_e, x_u, x_i], axis=-1)[:, nxt]
    eui_tot = eui.sum(axis=-1, keepdims=True)
    table = np.stack([d_e, d_u, d_i], axis=-1)[None, None]
    dest3 = np.where(eui_tot > 0, eui / np.where(eui_tot > 0, eui_tot, 1), table)
    d_e, d_u, d_i = dest3[..., 0], dest3[..., 1], dest3[..., 2]

    wmask = np.zeros(N_BANDS, dtype=bool)
    wmask[:_WORKING_AGE_BANDS] = True
    xe_w = x_e * wmask[None, :, None]
    eu = rr_eu[None] * targets["e_to_u"] * xe_w.sum() / max((xe_w * rr_eu[None]).sum(), 1e-300)
    if not 0.0 <= e_to_r < 1.0:
        raise ValueError(f"e_to_r must lie in [0, 1), got {e_to_r}")
    ei_level = max(targets["e_to_i"] - e_to_r, 0.2 * targets["e_to_i"])
    ei = rr_ei[None] * ei_level * xe_w.sum() / max((xe_w * rr_ei[None]).sum(), 1e-300)
    eu = np.broadcast_to(eu, x_e.shape).copy()
    ei = np.broadcast_to(ei, x_e.shape).copy()
    leave_s = x_s * (1.0 - stay)[None, :, None]

    def inflows(ratio: float) -> tuple[np.ndarray, np.ndarray, int]:
        g_u = ratio * rr_ue[None] * np.ones_like(x_e)
        g_i = rr_ie[None] * np.ones_like(x_e)
        # school leavers into employment count as inflow; where they alone outweigh the
        # outflow (young bands) the bound below keeps re-employment from vanishing
        need = np.clip(x_e * (eu + ei) - leave_s * d_e, 0.0, None)
        denom = x_u * g_u + x_i * g_i
        ok = denom > 0
        m_all = need[ok].sum() / denom[ok].sum() if ok.any() else 1.0
        m = np.where(ok, need / np.where(ok, denom, 1.0), m_all)
        m = np.clip(m, _M_RANGE[0] * m_all, _M_RANGE[1] * m_all)
        ue, ie = g_u * m, g_i * m
        clipped = int(np.sum((ue > 0.9) | (ie > 0.6)))
        return np.minimum(ue, 0.9), np.minimum(ie, 0.6), clipped

    def agg(rate: np.ndarray, stock: np.ndarray) -> float:
        s = stock * wmask[None, :, None]
        return float((rate * s).sum() / s.sum()) if s.sum() > 0 else float("nan")

    # The 2023 flows are rates of LFS stocks: U→E per ILO unemployed (a smaller stock than the
    # VDAB jobseekers of the population), I→E per LFS inactive (inactive, students and
    # retired below 65). The split of the balancing inflow between U and I is set so that
    # the flows in persons stand in the LFS ratio.
    xw = lambda a: float((a * wmask[None, :, None]).sum())  # noqa: E731
    ilo = p.value("transitions.ilo_unemployment_rate")
    ilo_stock = ilo / (1.0 - ilo) * xw(x_e)
    lfs_inactive = xw(x_i) + xw(x_s) + xw(stocks[..., R])
    school_e = xw(leave_s * d_e)
    want = np.log(targets["u_to_e"] * ilo_stock / max(targets["i_to_e"] * lfs_inactive, 1e-300))
    lo, hi = np.log(1e-3), np.log(1e3)
    for _ in range(80):  # bisection on log(ratio) of the U and I inflow shapes
        mid = 0.5 * (lo + hi)
        ue, ie, _ = inflows(float(np.exp(mid)))
        got = np.log(xw(ue * x_u) / max(xw(ie * x_i) + school_e, 1e-300))
        lo, hi = (mid, hi) if got < want else (lo, mid)
    ue, ie, clipped = inflows(float(np.exp(0.5 * (lo + hi))))

    # unemployment balance through U->I (I->U fixed), falling back on I->U when U would grow
    into_u = x_e * eu + x_i * iu0 + leave_s * d_u
    ui = np.where(x_u > 0, into_u / np.where(x_u > 0, x_u, 1) - ue, 0.15)
    iu = np.full_like(ui, iu0)
    neg = ui < 0
    iu = np.where(
        neg & (x_i > 0), np.clip(iu + (-ui * x_u) / np.where(x_i > 0, x_i, 1), 0, 0.5), iu
    )
    ui = np.clip(ui, 0.0, 0.95 - ue)
    iu = np.minimum(iu, 0.95 - ie)

    # Young bands (18-29) are not stationary in employment: school leavers move in and the
    # employed age out. There the jobseeker and inactive stocks are kept stationary instead
    # (U->E, I->E = inflows into U, I per person in U, I; U->I, I->U as in the older bands),
    # so employment grows by the school leavers who find work, as it does with age.
    young = np.zeros(x_e.shape, dtype=bool)
    young[:, :_YOUNG_BANDS] = True
    into_u_y = x_e * eu + x_i * iu + leave_s * d_u
    into_i_y = x_e * ei + x_u * ui + leave_s * d_i
    ue_y = np.where(x_u > 0, into_u_y / np.where(x_u > 0, x_u, 1) - ui, ue)
    ie_y = np.where(x_i > 0, into_i_y / np.where(x_i > 0, x_i, 1) - iu, ie)
    ue = np.where(young, np.clip(ue_y, 0.0, 0.9), ue)
    ie = np.where(young, np.clip(ie_y, 0.0, 0.6), ie)
    ui = np.minimum(ui, 0.95 - ue)
    iu = np.minimum(iu, 0.95 - ie)

    P = np.zeros((N_SEX, N_BANDS, N_EDU, N_MOVING, N_MOVING))
    for a, k in enumerate(EMPLOYED):
        for b, k2 in enumerate(EMPLOYED):
            if k2 != k:
                P[..., k, k2] = mu * split_next[..., b]
        P[..., k, U] = eu
        P[..., k, I] = ei
        P[..., k, k] = 1.0 - P[..., k, :].sum(axis=-1)
        del a
    for b, k2 in enumerate(EMPLOYED):
        P[..., U, k2] = ue * split[..., b]
        P[..., I, k2] = ie * split[..., b]
        P[..., S, k2] = (1.0 - stay)[None, :, None] * d_e * split[..., b]
    P[..., U, I] = ui
    P[..., U, U] = 1.0 - P[..., U, :].sum(axis=-1)
    P[..., I, U] = iu
    P[..., I, I] = 1.0 - P[..., I, :].sum(axis=-1)
    P[..., S, U] = (1.0 - stay)[None, :, None] * d_u
    P[..., S, I] = (1.0 - stay)[None, :, None] * d_i
    P[..., S, S] = stay[None, :, None]
    if np.any(P < -1e-12) or not np.allclose(P.sum(axis=-1), 1.0):
        raise ValueError("calibration produced an invalid transition matrix")
    P = np.clip(P, 0.0, 1.0)
    report = CalibrationReport(
        e_to_u=agg(eu, x_e),
        e_to_i=agg(ei, x_e),
        e_to_r=float(e_to_r),
        e_to_i_lfs=agg(ei, x_e) + float(e_to_r),
        i_to_e_lfs=_lfs_i_to_e(ie, x_i, x_s, stocks[..., R], stay, d_e),
        u_to_e_lfs=xw(ue * x_u) / ilo_stock if ilo_stock > 0 else float("nan"),
        u_to_e=agg(ue, x_u),
        i_to_e=agg(ie, x_i),
        u_to_i=agg(ui, x_u),
        i_to_u=agg(iu, x_i),
        targets=targets,
        clipped_cells=clipped,
    )
    return P, report


def _lfs_i_to_e(ie, x_i, x_s, x_r, stay, d_e) -> float:
    """I→E with the LFS inactive (inactive, students, retired), ages 18-64."""
    w = np.arange(N_BANDS) < _WORKING_AGE_BANDS
    flow = (ie * x_i + x_s * (1.0 - stay)[None, :, None] * d_e)[:, w].sum()
    stock = (x_i + x_s + x_r)[:, w].sum()
    return float(flow / stock) if stock > 0 else float("nan")


def matrices_frame(P: np.ndarray) -> pd.DataFrame:
    """Tidy table of transition matrices: sex, age_band, education, from, to, probability."""
    s, b, e, f, t = np.indices(P.shape).reshape(5, -1)
    return pd.DataFrame(
        {
            "sex": np.array([m.name.lower() for m in Sex])[s],
            "age_band": np.array(band_labels())[b],
            "education": np.array([m.name.lower() for m in Education])[e],
            "from_status": np.array([m.name.lower() for m in Status])[f],
            "to_status": np.array([m.name.lower() for m in Status])[t],
            "probability": P.reshape(-1),
        }
    )


def reference_population(n: int, year: int = 2024, seed: int = 0) -> Population:
    """A simple weighted population drawn from :func:`reference_stocks` (tests, benchmarks).

    Not a substitute for ``llrsim.synthesize()``: single ages are uniform within a band,
    wages and fte are rough. ``n`` records with integer weights summing to the 18-67
    reference total (4,222,517 on 1 Jan 2021). Deterministic in ``seed``.
    """
    rng = np.random.default_rng(seed)
    stocks = reference_stocks()
    flat = stocks.reshape(-1)
    total = int(round(flat.sum()))
    cell = rng.choice(flat.size, size=n, p=flat / flat.sum())
    sex, band, edu, status = np.unravel_index(cell, stocks.shape)
    upper = np.array([*(b - 1 for b in BAND_LOWER[1:]), MAX_AGE])
    age = rng.integers(np.array(BAND_LOWER)[band], upper[band] + 1)
    weight = np.full(n, total // n, dtype=np.int64)
    weight[: total - weight.sum()] += 1
    employed = status <= 2
    employee = status <= 1
    alloc = load_table("dynamics/job_allocation").frame
    sector = np.zeros(n, dtype=np.int8)
    size = np.zeros(n, dtype=np.int8)
    for k in EMPLOYED:
        rows = alloc[alloc["status"] == k]
        idx = np.flatnonzero(status == k)
        pick = rng.choice(len(rows), size=idx.size, p=rows["share"].to_numpy())
        sector[idx] = rows["sector"].to_numpy()[pick]
        size[idx] = rows["employer_size"].to_numpy()[pick]
    ratio = np.array([0.689, 0.872, 1.102])
    wage = np.where(
        employee, 12 * 3886 * ratio[edu] * np.exp(0.3 * rng.standard_normal(n) - 0.045), 0.0
    )
    part = rng.random(n) < np.where(sex == 1, 0.4, 0.1)
    fte = np.where(employed, np.where(part, 0.7, 1.0), 0.0)
    um = np.where(status == U, rng.choice([6, 18, 30], size=n, p=[0.5, 0.25, 0.25]), 0)
    flags = (rng.random(n) < 0.2).astype(np.uint8)
    return Population(
        year=year,
        person_id=np.arange(n, dtype=np.int64),
        weight=weight.astype(np.int32),
        age=age.astype(np.int8),
        sex=sex.astype(np.int8),
        education=edu.astype(np.int8),
        status=status.astype(np.int8),
        sector=sector,
        employer_size=size,
        wage=wage.astype(np.float32),
        fte=fte.astype(np.float32),
        experience=np.clip(np.where(employed, (age - 18) * 0.85, (age - 18) * 0.5), 0, 60).astype(
            np.int8
        ),
        unemployment_months=um.astype(np.int16),
        flags=flags,
    )


_REFERENCE_META = (
    """title = "Labour-status transition matrices calibrated on the reference stocks (for reading)"
unit = "probability per year"
year = 2023
derivation = """
    + '"""'
    + """Written by `python -m llrsim.population.transitions` (calibrate_transitions on
reference_stocks(), see llrsim/population/transitions.py for the method). For inspection only:
the model calibrates the matrices on its base population at run time. Achieved aggregate flows
(18-64): {flows}."""
    + '"""'
    + """
assumption = true

[source]
publisher = "llrsim (derived from Steunpunt Werk 2023 flows and the reference stocks)"
title = "Mobiliteit tussen arbeidsmarktstatuten (2023) + data/dynamics assumptions"
url = "https://www.steunpuntwerk.be/onderzoeksthemas/arbeidsmarktmobiliteit-en-pendel/mobiliteit-tussen-arbeidsmarktstatuten"

[columns]
sex = "str"
age_band = "str"
education = "str"
from_status = "str"
to_status = "str"
probability = "float64"

[[checks]]
kind = "shares"
column = "probability"
by = ["sex", "age_band", "education", "from_status"]
tolerance = 1e-6

[[checks]]
kind = "unique"
columns = ["sex", "age_band", "education", "from_status", "to_status"]
"""
)


def main() -> None:  # pragma: no cover - documentation helper
    """Print the calibration on the reference stocks and write the reference matrices."""
    from llrsim.population.dynamics import calibrate  # the full rule set, retirement included

    P, report = calibrate(2025)
    frame = report.to_frame()
    print(frame.to_string(index=False))
    out = Path(__file__).resolve().parents[2] / "data" / "dynamics"
    matrices_frame(P).round(8).to_csv(out / "transition_matrices_reference.csv", index=False)
    flows = ", ".join(f"{r.flow} {r.achieved:.4f}" for r in frame.itertuples())
    (out / "transition_matrices_reference.toml").write_text(_REFERENCE_META.format(flows=flows))
    print(f"wrote {out / 'transition_matrices_reference.csv'} and its .toml")


if __name__ == "__main__":  # pragma: no cover
    main()
