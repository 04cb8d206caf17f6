"""Validation of a population against every target in ``data/population``.

:func:`validate` returns one row per target: the sourced (or labelled) value, the synthetic
value, absolute and relative error, the tolerance (1 percentage point for shares, 1 % for
counts and amounts), whether the target is calibrated (imposed by the synthesis, so it must
be within tolerance) or a reference (reported only, e.g. a published figure that contradicts
the others; the tables' metadata say why) and the source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llrsim.population import groups as grp
from llrsim.population import targets as tg
from llrsim.population.codes import EMPLOYED_STATUSES, Sex, Status
from llrsim.population.synthesize import age_sex_counts, parameter, parttime_shares, year_targets
from llrsim.tables import load_table

if TYPE_CHECKING:
    from llrsim.population.population import Population

SHARE_TOLERANCE = 0.01  #: absolute, 1 percentage point
RELATIVE_TOLERANCE = 0.01  #: relative, 1 % (counts and amounts)

COLUMNS = [
    "target",
    "kind",
    "value",
    "synthetic",
    "abs_error",
    "rel_error",
    "tolerance",
    "within_tolerance",
    "calibrated",
    "basis",
    "source",
]


def _target(name: str, measure: str, value: float, **kw: Any) -> tg.Target:
    """A target in the common format built in code from a table row (defaults: share, 18-67)."""
    field, values = tg.parse_measure(measure, name)
    base: dict[str, Any] = {
        "year": 0,
        "sex": None,
        "age_min": 18,
        "age_max": 67,
        "education": None,
        "status": None,
        "kind": "share",
        "basis": "sourced",
        "calibrate": True,
        "source": "",
    }
    base.update(kw)
    return tg.Target(name=name, measure_field=field, measure_values=values, value=value, **base)


def all_targets(year: int) -> list[tg.Target]:
    """Every structured target for a population of ``year`` (counts rescaled to ``year``)."""
    out = year_targets(year)
    counts = age_sex_counts(year)
    cite_pop = load_table("population/population_totals").cite()
    out.append(
        _target(
            "population_18_67",
            "all",
            float(counts.sum()),
            kind="count",
            basis="derived",
            source=f"DERIVED 2021 structure x total({year}) / total(2021); {cite_pop}",
        )
    )
    for s in Sex:
        out.append(
            _target(
                f"population_18_67_{s.name.lower()}",
                "all",
                float(counts[int(s)].sum()),
                sex=(int(s),),
                kind="count",
                basis="derived",
                source="DERIVED as population_18_67",
            )
        )
    employed = tuple(sorted(int(s) for s in EMPLOYED_STATUSES))
    sect = load_table("population/sector_2022")
    for row in sect.frame.itertuples(index=False):
        out.append(
            _target(
                f"sector_share_{row.sector}",
                f"sector:{row.sector}",
                float(row.share),
                age_min=20,
                age_max=64,
                status=employed,
                basis=row.basis,
                source=f"{row.note}; {sect.source.publisher} {sect.year}",
            )
        )
    size = load_table("population/employer_size_2020")
    for row in size.frame.itertuples(index=False):
        for col, st in (("private", Status.EMPLOYEE_PRIVATE), ("public", Status.EMPLOYEE_PUBLIC)):
            out.append(
                _target(
                    f"employer_size_{row.employer_size}_{col}",
                    f"employer_size:{row.employer_size}",
                    float(getattr(row, col)),
                    status=(int(st),),
                    basis=row.basis.split(";")[0 if col == "private" else -1].strip(),
                    source=f"{row.basis}; {size.cite()}",
                )
            )
    flags = load_table("population/flags")
    for row in flags.frame.itertuples(index=False):
        out.append(
            _target(
                f"{row.flag}_share",
                f"flag:{row.flag}",
                float(row.share),
                basis="assumption",
                source=f"ASSUMPTION range {row.low}-{row.high} (population/flags)",
            )
        )
    return out


def _weighted_quantile(x: np.ndarray, w: np.ndarray, p: float) -> float:
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order].astype(np.float64))
    return float(x[order][np.searchsorted(cw, p * cw[-1], side="left")])


def _row(
    t_name: str,
    kind: str,
    value: float,
    synth: float,
    calibrated: bool,
    basis: str,
    source: str,
) -> dict[str, Any]:
    abs_err = abs(synth - value)
    rel_err = abs_err / abs(value) if value != 0 else float("inf") if abs_err else 0.0
    tol = SHARE_TOLERANCE if kind == "share" else RELATIVE_TOLERANCE
    ok = (abs_err if kind == "share" else rel_err) <= tol
    return {
        "target": t_name,
        "kind": kind,
        "value": value,
        "synthetic": synth,
        "abs_error": abs_err,
        "rel_error": rel_err,
        "tolerance": tol,
        "within_tolerance": bool(ok),
        "calibrated": bool(calibrated),
        "basis": basis,
        "source": source,
    }


def _too_small(pop: Population, target: str) -> None:
    raise ValueError(
        f"validate: the population of {pop.n} records has no record in the domain of target "
        f"{target!r}, so the target is undefined; validate a larger sample (n >= 20,000)"
    )


def validate(pop: Population) -> pd.DataFrame:
    """One row per target (see the module docstring); columns :data:`COLUMNS`.

    Raises ``ValueError`` when a target's domain holds no record (a tiny sample), rather than
    reporting an undefined share.
    """
    cols = pop.columns()
    targets = all_targets(pop.year)
    needed = sorted(
        {str(v) for t in targets if t.measure_field == "group" for v in t.measure_values}
    )
    members = grp.membership(pop, needed) if needed else {}
    rows = []
    for t in targets:
        synth = t.evaluate(cols, pop.weight, members)
        if np.isnan(synth):
            _too_small(pop, t.name)
        rows.append(_row(t.name, t.kind, t.value, synth, t.calibrate, t.basis, t.source))
    # Wages: monthly full-time gross of full-time employees (wage / months / fte).
    wages = load_table("population/wages_2021")
    months = parameter("months_per_year")
    ft = ((pop.status == Status.EMPLOYEE_PRIVATE) | (pop.status == Status.EMPLOYEE_PUBLIC)) & (
        pop.fte == 1.0
    )
    monthly = pop.wage[ft].astype(np.float64) / months
    w = pop.weight[ft]
    for row in wages.frame.itertuples(index=False):
        if monthly.size == 0:
            _too_small(pop, f"wage_fulltime_monthly_{row.statistic}")
        if row.quantile < 0:
            synth = float(np.average(monthly, weights=w))
        else:
            synth = _weighted_quantile(monthly, w, float(row.quantile))
        rows.append(
            _row(
                f"wage_fulltime_monthly_{row.statistic}",
                "amount",
                float(row.value),
                synth,
                row.calibrate,
                row.basis,
                f"{row.note}; {wages.cite()}",
            )
        )
    # Part-time shares of employees by sex (assumption, imposed by the draw).
    emp = (pop.status == Status.EMPLOYEE_PRIVATE) | (pop.status == Status.EMPLOYEE_PUBLIC)
    for s, share in zip(Sex, parttime_shares(), strict=True):
        sel = emp & (pop.sex == s)
        den = pop.weight[sel].sum(dtype=np.int64)
        if not den:
            _too_small(pop, f"parttime_share_{s.name.lower()}")
        synth = float(pop.weight[sel & (pop.fte < 1.0)].sum(dtype=np.int64) / den)
        rows.append(
            _row(
                f"parttime_share_{s.name.lower()}",
                "share",
                float(share),
                synth,
                True,
                "assumption",
                "ASSUMPTION population/synthesis_parameters",
            )
        )
    return pd.DataFrame(rows, columns=COLUMNS)
