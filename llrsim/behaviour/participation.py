"""Baseline training participation: who trains in a year without any new right.

The yearly probability ``p0`` that a person takes part in job-related formal or non-formal
training is a logistic function of age, sex, education, labour status, employer size and
sector
(Flemish term: *opleidingsdeelname*). Coefficients are calibrated to the LFS 12-month
participation of Flanders (22.4 % of 25-64, 2022) and to the education, status, age and sex
gradients of Statbel (AES 2022, LFS 2022); see ``data/parameters/behaviour.toml``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from llrsim.behaviour.coefficients import (
    B_AGE_SLOPE,
    B_EDU_HIGH,
    B_EDU_MEDIUM,
    B_INACTIVE,
    B_INTERCEPT,
    B_JOBSEEKER,
    B_RETIRED,
    B_SECTOR_1,
    B_SELF_EMPLOYED,
    B_SIZE_LARGE,
    B_SIZE_MICRO,
    B_STUDENT,
    B_WOMEN,
)
from llrsim.population.codes import Education, EmployerSize, Sex, Status

_LOW, _MED, _HIGH = int(Education.LOW), int(Education.MEDIUM), int(Education.HIGH)
_WOMEN = int(Sex.WOMEN)
_SELF, _JOBSEEKER, _INACTIVE = (
    int(Status.SELF_EMPLOYED),
    int(Status.JOBSEEKER),
    int(Status.INACTIVE),
)
_STUDENT, _RETIRED = int(Status.STUDENT), int(Status.RETIRED)
_MICRO, _MEDIUM = int(EmployerSize.MICRO), int(EmployerSize.MEDIUM)


@nb.njit(cache=True)
def logistic(x: float) -> float:
    """The logistic function 1 / (1 + exp(-x)), numerically safe for large |x|."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@nb.njit(cache=True)
def logit(p: float) -> float:
    """log(p / (1 - p)) for p in (0, 1)."""
    return math.log(p / (1.0 - p))


@nb.njit(cache=True)
def participation_logit(coef, age, sex, education, status, employer_size, sector) -> float:
    """Log-odds of yearly training participation (see module docstring)."""
    x = coef[B_INTERCEPT] + coef[B_AGE_SLOPE] * (age - 30.0) / 10.0
    if education == _MED:
        x += coef[B_EDU_MEDIUM]
    elif education == _HIGH:
        x += coef[B_EDU_HIGH]
    if sex == _WOMEN:
        x += coef[B_WOMEN]
    if status == _SELF:
        x += coef[B_SELF_EMPLOYED]
    elif status == _JOBSEEKER:
        x += coef[B_JOBSEEKER]
    elif status == _INACTIVE:
        x += coef[B_INACTIVE]
    elif status == _STUDENT:
        x += coef[B_STUDENT]
    elif status == _RETIRED:
        x += coef[B_RETIRED]
    if employer_size == _MICRO:
        x += coef[B_SIZE_MICRO]
    elif employer_size >= _MEDIUM:
        x += coef[B_SIZE_LARGE]
    if sector > 0:
        x += coef[B_SECTOR_1 + sector - 1]
    return x


@nb.njit(cache=True)
def participation_probability(coef, age, sex, education, status, employer_size, sector) -> float:
    """Yearly probability of training participation without new rights, in [0, 1]."""
    return logistic(participation_logit(coef, age, sex, education, status, employer_size, sector))


@nb.njit(cache=True)
def participation_array(coef, age, sex, education, status, employer_size, sector) -> np.ndarray:
    """:func:`participation_probability` over person arrays (one implementation)."""
    out = np.empty(age.shape[0], dtype=np.float64)
    for i in range(age.shape[0]):
        out[i] = participation_probability(
            coef, age[i], sex[i], education[i], status[i], employer_size[i], sector[i]
        )
    return out
