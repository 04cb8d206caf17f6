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
from dataclasses import dataclass
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
    p = participation_array(
        coef, pop.age, pop.sex, pop.education, pop.status, pop.employer_size, pop.sector
    )
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


TAKEUP_PARAMETERS: tuple[str, ...] = (
    "takeup.vov.intercept",
    "takeup.vov.men",
    "takeup.vov.size_50plus",
    "takeup.opleidingscheques.intercept",
    "takeup.loopbaancheques.intercept",
    "takeup.loopbaancheques.women",
    "takeup.loopbaancheques.high_educated",
)


def episode_type_probability(coef: np.ndarray, education: np.ndarray, mask: int) -> np.ndarray:
    """P(the year's training episode has a type in ``mask``), per person (analytic form of
    :func:`llrsim.behaviour.episode.episode_kind`)."""
    from llrsim.behaviour.coefficients import B_SHARE_BASIC_LOW, B_SHARE_CERTIFIED, B_SHARE_GENERAL
    from llrsim.behaviour.episode import T_BASIC_SKILLS, T_CERTIFIED, T_GENERAL, T_JOB_RELATED

    g, b, c = coef[B_SHARE_GENERAL], coef[B_SHARE_BASIC_LOW], coef[B_SHARE_CERTIFIED]
    low = education == Education.LOW
    p_basic = np.where(low, (1 - g) * b, 0.0)
    rest = (1 - g) - p_basic
    kinds = (
        (T_GENERAL, np.full(education.shape, g)),
        (T_BASIC_SKILLS | T_JOB_RELATED, p_basic),
        (T_CERTIFIED | T_JOB_RELATED, rest * c),
        (T_JOB_RELATED, rest * (1 - c)),
    )
    return sum(p for kind, p in kinds if kind & mask)


@dataclass(frozen=True)
class FirstYear:
    """What the take-up calibration needs of the first simulated year of S0."""

    pop: Population  # state in the first simulated year (entrants included)
    group_mask: np.ndarray
    plan: object  # llrsim.engine.plan.KernelPlan of S0 for that year


def first_year(pop: Population, seed: int, behaviour: ParameterSet) -> FirstYear:
    """The S0 plan and the population state of the year after ``pop.year``."""
    from llrsim.engine.build import build_plan
    from llrsim.population import groups
    from llrsim.population.project import project
    from llrsim.scenarios import compile_scenarios, load

    year = pop.year + 1
    state = project(pop, [year], seed=seed, return_population=True).population
    compiled = compile_scenarios(["S0"], [year], groups.group_index())
    ids = {i.id for i in load("S0").instruments_in_force()}
    return FirstYear(state, groups.masks(state), build_plan(compiled, behaviour, ids))


def takeup_moments(fy: FirstYear, behaviour: ParameterSet) -> dict[str, float]:
    """Expected S0 use in the first year: sum of weight × P(train) × P(episode type) ×
    P(take-up) over eligible persons, with the kernel's own functions."""
    from llrsim.engine import mechanisms as mech
    from llrsim.engine.kernel import takeup_probability_array
    from llrsim.predicates import match_arrays

    coef = behaviour_vector(behaviour)
    pop, plan = fy.pop, fy.plan
    w = pop.weight.astype(np.float64)
    p0 = participation_array(
        coef, pop.age, pop.sex, pop.education, pop.status, pop.employer_size, pop.sector
    )
    employee = np.isin(pop.status, [int(Status.EMPLOYEE_PRIVATE), int(Status.EMPLOYEE_PUBLIC)])

    def row(iid: str) -> tuple[np.ndarray, np.ndarray]:
        i = plan.instruments.index(iid)
        qv = plan.q[0, 0, i].copy()
        own = f"takeup.{iid}."
        for name, k in (("intercept", mech.Q_T_INTERCEPT), ("men", mech.Q_T_MEN),
                        ("women", mech.Q_T_WOMEN), ("high_educated", mech.Q_T_HIGH),
                        ("size_50plus", mech.Q_T_SIZE50)):  # fmt: skip
            if own + name in behaviour:
                qv[k] = behaviour.value(own + name)
        el = match_arrays(plan.elig[0, 0, i], pop.age.astype(np.int64), pop.sex, pop.education,
                          pop.status, pop.employer_size, pop.sector, pop.flags, pop.experience,
                          pop.unemployment_months, fy.group_mask)  # fmt: skip
        pt = takeup_probability_array(qv, pop.sex, pop.education, pop.employer_size)
        return qv, el * pt

    out: dict[str, float] = {}
    qv, pe = row("vov")
    users = (
        w
        * p0
        * employee
        * pe
        * episode_type_probability(coef, pop.education, int(qv[mech.Q_TYPES_MASK]))
    )
    out["vov_users"] = users.sum()
    out["vov_share_men"] = users[pop.sex == Sex.MEN].sum() / users.sum()
    out["vov_share_firms_50_plus"] = users[pop.employer_size >= 4].sum() / users.sum()
    qv, pe = row("opleidingscheques")
    users = w * p0 * pe * episode_type_probability(coef, pop.education, int(qv[mech.Q_TYPES_MASK]))
    out["opleidingscheques_users"] = users.sum()
    _, pe = row("loopbaancheques")
    users = w * pe
    out["loopbaancheques_first"] = users.sum()
    out["loopbaancheques_share_women"] = users[pop.sex == Sex.WOMEN].sum() / users.sum()
    out["loopbaancheques_share_high"] = users[pop.education == Education.HIGH].sum() / users.sum()
    return {k: float(v) for k, v in out.items()}


def calibrate_takeup(fy: FirstYear, params: ParameterSet) -> ParameterSet:
    """Fit :data:`TAKEUP_PARAMETERS` so that S0's expected first-year use hits the targets."""
    from llrsim.behaviour.targets import TAKEUP_TARGETS

    names = list(TAKEUP_PARAMETERS)

    def residuals(x: np.ndarray) -> np.ndarray:
        ps = params.with_values(dict(zip(names, x.tolist(), strict=True)))
        mom = takeup_moments(fy, ps)
        return np.array([mom[t.name] / t.value - 1.0 for t in TAKEUP_TARGETS])

    x0 = np.array([params.value(n) for n in names])
    sol = least_squares(residuals, x0, xtol=1e-10, ftol=1e-10, gtol=1e-10)
    if not sol.success:
        raise RuntimeError(f"take-up calibration did not converge: {sol.message}")
    return params.with_values(dict(zip(names, sol.x.tolist(), strict=True)))


#: The population the shipped parameters are calibrated on (documented, reproducible).
CALIBRATION_POPULATION = {"year": 2024, "n": 200_000, "seed": 0}


def calibrate(
    pop: Population | None = None, seed: int = 0, write: bool = False
) -> tuple[ParameterSet, pd.DataFrame]:
    """Run both stages; return the fitted parameters and the fit table.

    With ``write=True`` the fitted values are written into ``data/parameters/behaviour.toml``
    (of the source tree or installed package, wherever ``llrsim`` is imported from).
    """
    from llrsim.behaviour.coefficients import default_parameters
    from llrsim.behaviour.targets import TAKEUP_TARGETS
    from llrsim.population.synthesize import synthesize
    from llrsim.tables import data_dir

    if pop is None:
        pop = synthesize(**CALIBRATION_POPULATION)
    old = default_parameters()
    stage1 = calibrate_participation(pop, old)
    fy = first_year(pop, seed, stage1)
    stage2 = calibrate_takeup(fy, stage1)
    table = pd.concat(
        [
            fit_table(participation_moments(pop, behaviour_vector(stage2)), PARTICIPATION_TARGETS),
            fit_table(takeup_moments(fy, stage2), TAKEUP_TARGETS),
        ],
        ignore_index=True,
    )
    if write:
        write_values(
            data_dir() / "parameters" / "behaviour.toml",
            old,
            stage2,
            [*PARTICIPATION_PARAMETERS, *TAKEUP_PARAMETERS],
        )
    return stage2, table


def main() -> None:  # pragma: no cover - exercised by the documented command
    """``python -m llrsim.behaviour.calibrate``: fit, write the parameter file, print the table."""
    _, table = calibrate(write=True)
    with pd.option_context("display.width", 160, "display.max_columns", 10):
        print(table[["target", "observed", "simulated", "rel_error", "within"]].to_string())


if __name__ == "__main__":
    main()
