"""Response of participation to new rights, with explicit deadweight.

A person draws one uniform ``u`` per year for the participation decision (the same draw in
every scenario). Without new rights the person trains when ``u < p0``; with new rights when
``u < p1``, where

    logit p1 = logit p0 + awareness × (beta_money × min(money / cost, 1)
                                       + beta_time × min(time / hours, 1))

Because p1 ≥ p0 for any non-negative right, users split exactly into *deadweight*
(``u < p0``: would have trained anyway) and *additional participants* (``p0 ≤ u < p1``), and
a larger right never makes anyone stop training. The coverage terms saturate at 1: a right
larger than the course is worth no more than the course. Those who already train are those
most likely to use a generic right — the Matthew effect is not assumed away.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from llrsim.behaviour.coefficients import B_BETA_MONEY, B_BETA_TIME
from llrsim.behaviour.participation import logistic, logit


@nb.njit(cache=True)
def response_probability(coef, p0, awareness, money_cents, cost_cents, time_minutes, minutes):
    """Participation probability p1 ≥ p0 given new rights (money in cents, time in minutes)."""
    if p0 <= 0.0:
        return 0.0
    if p0 >= 1.0:
        return 1.0
    return response_from_logit(
        coef, p0, logit(p0), awareness, money_cents, cost_cents, time_minutes, minutes
    )


@nb.njit(cache=True)
def response_from_logit(
    coef, p0, logit_p0, awareness, money_cents, cost_cents, time_minutes, minutes
):
    """:func:`response_probability` with ``logit_p0 = logit(p0)`` given (p0 < 1).

    The kernel computes the logit once per person-year and reuses it in every scenario. For
    p0 = 0 the logit is -inf and the result 0, as :func:`response_probability` gives.
    """
    boost = 0.0
    if money_cents > 0 and cost_cents > 0:
        boost += coef[B_BETA_MONEY] * min(money_cents / cost_cents, 1.0)
    if time_minutes > 0 and minutes > 0:
        boost += coef[B_BETA_TIME] * min(time_minutes / minutes, 1.0)
    if boost <= 0.0 or awareness <= 0.0:
        return p0
    p1 = logistic(logit_p0 + awareness * boost)
    return p1 if p1 > p0 else p0


def odds_growth_max(coef: np.ndarray, awareness_max: float) -> float:
    """exp(largest log-odds boost): the factor by which no right can raise the odds more.

    ``awareness_max`` is the largest awareness of a new right (0 to 1), ``coef`` the
    behaviour vector; the boost is largest when both coverage terms are 1.
    """
    boost = max(coef[B_BETA_MONEY], 0.0) + max(coef[B_BETA_TIME], 0.0)
    return float(np.exp(min(max(awareness_max, 0.0) * boost, 700.0)))


@nb.njit(cache=True)
def response_upper_bound(p0, growth):
    """The largest p1 any new right can give a person with baseline ``p0`` (probability).

    ``growth`` is :func:`odds_growth_max`: p1 = logistic(logit p0 + boost) is
    p0·e^boost / (1 − p0 + p0·e^boost), so the bound needs no exp or log per person-year.
    Rounding differs from the logistic form by an ulp or so; :func:`may_train` adds a
    margin of :data:`BOUND_MARGIN`.
    """
    if p0 <= 0.0:
        return 0.0
    if p0 >= 1.0 or not growth <= 1e300:  # an overflowing (or NaN) boost: anyone may train
        return 1.0
    return p0 * growth / (1.0 - p0 + p0 * growth)


#: margin of :func:`may_train` over the rounding of the bound (probability)
BOUND_MARGIN = 1e-9


@nb.njit(cache=True)
def may_train(u, p0, growth) -> bool:
    """Whether a participation draw ``u`` can fall below the p1 of some new right:
    ``u < response_upper_bound(p0, growth) + BOUND_MARGIN``, without its division.

    The kernel uses it to skip work that cannot matter: a person-year whose draw fails it
    trains in no scenario, so its training episode and its p1 need not be computed. The
    test is conservative (the margin is far above the rounding of either form), so which
    form is used changes no result, only the time: the division's latency was on the path
    of a branch taken once per person-year (2 % of the kernel's samples).
    """
    if p0 <= 0.0:
        return u < BOUND_MARGIN
    if p0 >= 1.0 or not growth <= 1e300:
        return u < 1.0 + BOUND_MARGIN
    num = p0 * growth
    den = 1.0 - p0 + num  # > 0
    return u * den < num + BOUND_MARGIN * den
