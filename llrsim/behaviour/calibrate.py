"""Calibration of the behavioural parameters to the observed Flemish figures.

Two stages, each a documented least-squares problem (:func:`scipy.optimize.least_squares`):

1. **Participation** (7 parameters, the 7 ``PARTICIPATION_TARGETS`` of
   :mod:`llrsim.behaviour.targets`):
   the weighted mean of ``p0`` over the base population reproduces the 12-month
   participation of persons 25-64 and the ratios of the education, sex, age and status
   gradients. The objective is the vector of relative errors ``simulated / target - 1``.
2. **Take-up of today's instruments** (S0): the *expected* number of users in the first
   simulated year — the sum over persons of weight × P(train) × P(eligible episode) ×
   P(take-up) computed with the kernel's own functions — reproduces VOV users and their
   profile, opleidingscheques users and loopbaancheques first cheques and their profile.
   Expected values are smooth in the parameters, unlike a simulated count, so the fit is
   exact and reproducible; the test suite then checks the *simulated* S0 against the same
   targets.

``python -m llrsim.behaviour.calibrate`` runs both stages on the default population, writes
the fitted values into ``data/parameters/behaviour.toml`` (ranges move with the value and
keep their width) and prints the fit table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from llrsim.behaviour.coefficients import LAYOUT, behaviour_vector
from llrsim.behaviour.participation import participation_array
from llrsim.behaviour.targets import PARTICIPATION_TARGETS, Target
from llrsim.parameters import ParameterSet
from llrsim.population.codes import EMPLOYED_STATUSES, Education, Sex, Status
from llrsim.population.population import Population

PARTICIPATION_PARAMETERS: tuple[str, ...] = (
    "participation.intercept",
    "participation.education_medium",
    "participation.education_high",
    "participation.women",
    "participation.age_slope",
    "participation.jobseeker",
    "participation.inactive",
)


def _mean(p: np.ndarray, w: np.ndarray, mask: np.ndarray) -> float:
    tot = w[mask].sum()
    if tot <= 0:
        raise ValueError("calibration subgroup is empty in this population")
    return float((p[mask] * w[mask]).sum() / tot)


def participation_moments(pop: Population, coef: np.ndarray) -> dict[str, float]:
    """The simulated counterparts of :data:`PARTICIPATION_TARGETS` for ``pop``."""
    p = participation_array(coef, pop.age, pop.sex, pop.education, pop.status, pop.employer_size)
    w = pop.weight.astype(np.float64)
    a = pop.age
    core = (a >= 25) & (a <= 64)
    employed = np.isin(pop.status, [int(s) for s in EMPLOYED_STATUSES])

    def m(mask: np.ndarray) -> float:
        return _mean(p, w, core & mask)

    high = m(pop.education == Education.HIGH)
    return {
        "participation_25_64": m(np.ones_like(core)),
        "ratio_low_high": m(pop.education == Education.LOW) / high,
        "ratio_medium_high": m(pop.education == Education.MEDIUM) / high,
        "ratio_women_men": m(pop.sex == Sex.WOMEN) / m(pop.sex == Sex.MEN),
        "ratio_55_64_to_25_34": m(a >= 55) / m(a <= 34),
        "ratio_jobseeker_employed": m(pop.status == Status.JOBSEEKER) / m(employed),
        "ratio_inactive_employed": m(pop.status == Status.INACTIVE) / m(employed),
    }


def fit_table(moments: dict[str, float], targets: Sequence[Target]) -> pd.DataFrame:
    """Target, simulated value, relative error, tolerance and source, one row per target."""
    rows = []
    for t in targets:
        sim = moments[t.name]
        rows.append(
            {
                "target": t.name,
                "observed": t.value,
                "simulated": sim,
                "rel_error": sim / t.value - 1.0,
                "tolerance": t.tolerance,
                "within": abs(sim / t.value - 1.0) <= t.tolerance,
                "unit": t.unit,
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def _fit(
    names: Sequence[str],
    params: ParameterSet,
    moments: Callable[[np.ndarray], dict[str, float]],
    targets: Sequence[Target],
) -> ParameterSet:
    idx = [LAYOUT.index(n) if n in LAYOUT else None for n in names]
    base = behaviour_vector(params)

    def residuals(x: np.ndarray) -> np.ndarray:
        coef = base.copy()
        for k, val in zip(idx, x, strict=True):
            coef[k] = val
        mom = moments(coef)
        return np.array([mom[t.name] / t.value - 1.0 for t in targets])

    x0 = np.array([params.value(n) for n in names])
    sol = least_squares(residuals, x0, xtol=1e-12, ftol=1e-12, gtol=1e-12)
    if not sol.success:
        raise RuntimeError(f"calibration did not converge: {sol.message}")
    return params.with_values(dict(zip(names, sol.x.tolist(), strict=True)))


def calibrate_participation(pop: Population, params: ParameterSet) -> ParameterSet:
    """Fit :data:`PARTICIPATION_PARAMETERS` to :data:`PARTICIPATION_TARGETS` on ``pop``."""
    return _fit(
        PARTICIPATION_PARAMETERS,
        params,
        lambda coef: participation_moments(pop, coef),
        PARTICIPATION_TARGETS,
    )


def write_values(path: Path, old: ParameterSet, new: ParameterSet, names: Sequence[str]) -> None:
    """Rewrite ``value``/``low``/``high`` of ``names`` in a parameter TOML file, in place.

    Comments and layout are kept; each range moves with its value and keeps its width.
    """
    text = path.read_text()
    for name in names:
        header = re.escape(f"[{name}]")
        m = re.search(rf"^{header}\n(.*?)(?=^\[|\Z)", text, flags=re.M | re.S)
        if m is None:
            raise KeyError(f"{path}: no table [{name}]")
        body = m.group(1)
        delta = new.value(name) - old.value(name)
        p_old = old[name]

        def sub(key: str, val: float, b: str) -> str:
            return re.sub(rf"^{key} = .*$", f"{key} = {val:.4f}", b, count=1, flags=re.M)

        body = sub("value", new.value(name), body)
        if p_old.low is not None and p_old.high is not None:
            body = sub("low", p_old.low + delta, body)
            body = sub("high", p_old.high + delta, body)
        text = text[: m.start(1)] + body + text[m.end(1) :]
    path.write_text(text)
