"""The training episode of a participant: what kind of training, how long, what it costs.

An episode is drawn once per person and year from keyed uniforms, so it is the same under
every scenario (common random numbers). Its kind is a bit set of :data:`TRAINING_TYPES`
so that an instrument accepting ``job_related`` training accepts a certified job-related
course too. Hours are lognormal with the VOV mean of 53 h/year (Acerta 2020) by default;
certified courses last at least 32 contact hours, the VOV/opleidingscheques threshold of the
*opleidingsdatabank* (Prato 2023). The course fee is hours × cost per hour (a labelled
assumption, ~30 EUR/h, France proxy).
"""

from __future__ import annotations

import math

import numba as nb

from llrsim.behaviour.coefficients import (
    B_COST_PER_HOUR,
    B_HOURS_MEAN,
    B_HOURS_SIGMA,
    B_SHARE_BASIC_LOW,
    B_SHARE_CERTIFIED,
    B_SHARE_GENERAL,
)
from llrsim.population.codes import Education

#: training-type vocabulary of instruments and episodes (bit positions)
TRAINING_TYPES: tuple[str, ...] = (
    "job_related",
    "general",
    "certified",
    "basic_skills",
    "career_guidance",
)
T_JOB_RELATED, T_GENERAL, T_CERTIFIED, T_BASIC_SKILLS, T_CAREER_GUIDANCE = (
    1 << k for k in range(len(TRAINING_TYPES))
)

CERTIFIED_MIN_HOURS = 32.0  #: contact hours of a course in the opleidingsdatabank (VOV rule)
_LOW = int(Education.LOW)


def types_mask(names: list[str] | tuple[str, ...]) -> int:
    """Bit mask of the named training types; unknown names raise ``ValueError``."""
    mask = 0
    for name in names:
        if name not in TRAINING_TYPES:
            raise ValueError(f"unknown training type {name!r}; allowed {list(TRAINING_TYPES)}")
        mask |= 1 << TRAINING_TYPES.index(name)
    return mask


@nb.njit(cache=True)
def episode_kind(coef, education, u_general, u_basic, u_certified) -> int:
    """Bit set of the episode's training types from three uniforms."""
    if u_general < coef[B_SHARE_GENERAL]:
        return T_GENERAL
    if education == _LOW and u_basic < coef[B_SHARE_BASIC_LOW]:
        return T_BASIC_SKILLS | T_JOB_RELATED
    if u_certified < coef[B_SHARE_CERTIFIED]:
        return T_CERTIFIED | T_JOB_RELATED
    return T_JOB_RELATED


@nb.njit(cache=True)
def episode_minutes(coef, kind, u1, u2) -> int:
    """Training time in whole minutes: lognormal hours with the configured mean (Box-Muller)."""
    sigma = coef[B_HOURS_SIGMA]
    mu = math.log(coef[B_HOURS_MEAN]) - 0.5 * sigma * sigma
    z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
    hours = math.exp(mu + sigma * z)
    if kind & T_CERTIFIED and hours < CERTIFIED_MIN_HOURS:
        hours = CERTIFIED_MIN_HOURS
    if hours > 2000.0:  # a year of full-time study is the upper bound of one episode
        hours = 2000.0
    return int(round(hours * 60.0))


@nb.njit(cache=True)
def episode_cost_cents(coef, minutes) -> int:
    """Course fee in EUR cents: minutes / 60 × cost per hour (EUR) × 100."""
    return int(round(minutes * coef[B_COST_PER_HOUR] * 100.0 / 60.0))
