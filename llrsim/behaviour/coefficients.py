"""The behavioural parameters as one flat ``float64`` vector for the Numba kernels.

:func:`behaviour_vector` reads a :class:`~llrsim.parameters.ParameterSet` (by default the
shipped ``data/parameters/behaviour.toml``) and lays the values out at the fixed indices
below, so kernels index ``coef[B_EDU_HIGH]`` instead of looking names up. The names are the
parameter names of the file; see that file for units, ranges and sources.
"""

from __future__ import annotations

import numpy as np

from llrsim.parameters import ParameterSet, load_parameters

#: parameter name -> index in the coefficient vector (order is the layout)
LAYOUT: tuple[str, ...] = (
    "participation.intercept",
    "participation.education_medium",
    "participation.education_high",
    "participation.women",
    "participation.age_slope",
    "participation.jobseeker",
    "participation.inactive",
    "participation.student",
    "participation.retired",
    "participation.self_employed",
    "participation.size_micro",
    "participation.size_large",
    "participation.sector_industry",
    "participation.sector_trade_transport_horeca",
    "participation.sector_business_services",
    "participation.sector_public_administration",
    "participation.sector_education",
    "participation.sector_health_social",
    "participation.sector_other",
    "episode.hours_mean",
    "episode.hours_sigma",
    "episode.cost_per_hour_eur",
    "episode.share_certified",
    "episode.share_basic_skills_low",
    "episode.share_general",
    "response.beta_money",
    "response.beta_time",
)

(
    B_INTERCEPT,
    B_EDU_MEDIUM,
    B_EDU_HIGH,
    B_WOMEN,
    B_AGE_SLOPE,
    B_JOBSEEKER,
    B_INACTIVE,
    B_STUDENT,
    B_RETIRED,
    B_SELF_EMPLOYED,
    B_SIZE_MICRO,
    B_SIZE_LARGE,
    B_SECTOR_1,  # Sector code 1 (industry); code k is at B_SECTOR_1 + k - 1
    _B_SECTOR_2,
    _B_SECTOR_3,
    _B_SECTOR_4,
    _B_SECTOR_5,
    _B_SECTOR_6,
    _B_SECTOR_7,
    B_HOURS_MEAN,
    B_HOURS_SIGMA,
    B_COST_PER_HOUR,
    B_SHARE_CERTIFIED,
    B_SHARE_BASIC_LOW,
    B_SHARE_GENERAL,
    B_BETA_MONEY,
    B_BETA_TIME,
) = range(len(LAYOUT))
N_COEF = len(LAYOUT)


def default_parameters() -> ParameterSet:
    """The shipped behavioural parameters (``data/parameters/behaviour.toml``)."""
    return load_parameters("behaviour")


def behaviour_vector(params: ParameterSet | None = None) -> np.ndarray:
    """Coefficient vector in :data:`LAYOUT` order (``float64``)."""
    params = default_parameters() if params is None else params
    return np.array([params.value(name) for name in LAYOUT], dtype=np.float64)
