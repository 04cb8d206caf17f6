"""Calibration tools: iterative proportional fitting (IPF, raking) and integer rounding.

IPF (Deming and Stephan 1940) rescales a seed table until it meets a set of marginal
constraints; among all tables that do, it returns the one closest to the seed in the
Kullback-Leibler sense, so the seed's interactions (odds ratios) that no constraint fixes are
kept. Here every constraint is a *binary partition* of a domain of cells: the numerator cells
must hold a share ``s`` of the domain (or a number ``c`` of persons), and the domain total is
kept. Exact margins (e.g. persons by sex and single age) are imposed last in each sweep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from llrsim.errors import DataError


@dataclass(frozen=True)
class Constraint:
    """A binary-partition constraint on a flat table of cells.

    ``domain`` and ``numerator`` are boolean masks over the cells (the numerator is taken
    within the domain). ``kind`` is ``"share"`` (``value`` = numerator / domain) or
    ``"count"`` (``value`` = persons in the numerator).
    """

    name: str
    domain: np.ndarray
    numerator: np.ndarray
    value: float
    kind: str

    def achieved(self, table: np.ndarray) -> float:
        """The constraint's statistic on ``table``."""
        num = table[self.domain & self.numerator].sum()
        if self.kind == "count":
            return float(num)
        den = table[self.domain].sum()
        return float(num / den) if den > 0 else float("nan")

    def error(self, table: np.ndarray) -> float:
        """Absolute error for shares, relative error for counts."""
        got = self.achieved(table)
        if self.kind == "count":
            return abs(got - self.value) / max(self.value, 1.0)
        return abs(got - self.value)


def _rake(table: np.ndarray, c: Constraint) -> None:
    inside = c.domain & c.numerator
    outside = c.domain & ~c.numerator
    total = table[c.domain].sum()
    t_in = table[inside].sum()
    t_out = table[outside].sum()
    want_in = c.value if c.kind == "count" else c.value * total
    want_out = total - want_in
    if want_in < 0 or want_out < -1e-9 * max(total, 1.0):
        raise DataError(f"target {c.name}: value {c.value} is not attainable (domain {total:.0f})")
    if (want_in > 0 and t_in <= 0) or (want_out > 1e-9 and t_out <= 0):
        raise DataError(
            f"target {c.name}: the seed has no persons where the target needs some "
            "(a structural zero contradicts the target)"
        )
    if t_in > 0:
        table[inside] *= want_in / t_in
    if t_out > 0:
        table[outside] *= max(want_out, 0.0) / t_out


def ipf(
    seed: np.ndarray,
    constraints: list[Constraint],
    margin_group: np.ndarray,
    margin_total: np.ndarray,
    tol: float = 1e-9,
    accept: float = 1e-3,
    max_sweeps: int = 3000,
) -> np.ndarray:
    """Fit ``seed`` (flat, nonnegative) to ``constraints`` and exact group margins.

    ``margin_group`` gives each cell its margin group (0..G-1) and ``margin_total`` the
    persons per group; margins hold exactly in the result. Raises
    :class:`~llrsim.errors.DataError` naming the worst constraint when the sweeps do not
    bring every constraint within ``tol`` (absolute for shares, relative for counts), which
    means the targets contradict each other or the seed's structural zeros.
    """
    table = np.asarray(seed, dtype=np.float64).copy()
    if (table < 0).any() or not np.isfinite(table).all():
        raise ValueError("ipf: seed must be finite and nonnegative")
    margin_total = np.asarray(margin_total, dtype=np.float64)

    def fit_margins() -> None:
        sums = np.bincount(margin_group, weights=table, minlength=margin_total.shape[0])
        if ((sums <= 0) & (margin_total > 0)).any():
            raise DataError("ipf: a margin group has persons but no seed cells")
        factor = np.divide(margin_total, sums, out=np.zeros_like(sums), where=sums > 0)
        table[:] *= factor[margin_group]

    fit_margins()  # so that count constraints start from the right totals
    worst_name, worst = "", np.inf
    for _ in range(max_sweeps):
        before = table.copy()
        for c in constraints:
            _rake(table, c)
        fit_margins()
        errors = [c.error(table) for c in constraints]
        worst = max(errors) if errors else 0.0
        if worst < tol:
            return table
        worst_name = constraints[int(np.argmax(errors))].name
        if np.abs(table - before).max() <= 1e-12 * max(float(table.max()), 1.0):
            break
    if worst <= accept:
        return table
    raise DataError(
        f"ipf: no fit within {accept:g} after {max_sweeps} sweeps; worst target {worst_name!r} "
        f"off by {worst:.2e} (the calibrated targets contradict each other)"
    )


def round_within_groups(values: np.ndarray, group: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Integers close to ``values`` whose sums per group equal the integer ``totals``.

    Largest-remainder (Hamilton) rounding: each value is floored, then the units missing in
    its group go to the values with the largest fractional parts (ties broken by position,
    so the result is deterministic). Group sums of ``values`` must equal ``totals`` within a
    relative 1e-6 (floating-point error of a fit); when that error makes the floors overshoot
    a total, the excess units are taken from the values with the smallest fractional parts.
    Every result differs from its value by less than 1 (up to that error) and is
    nonnegative for nonnegative values.
    """
    values = np.asarray(values, dtype=np.float64)
    group = np.asarray(group, dtype=np.int64)
    totals = np.asarray(totals, dtype=np.int64)
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("round_within_groups: values must be finite and nonnegative")
    n_groups = totals.shape[0]
    base = np.floor(values)
    frac = values - base
    base = base.astype(np.int64)
    sums = np.bincount(group, weights=base, minlength=n_groups).astype(np.int64)
    missing = totals - sums
    counts = np.bincount(group, minlength=n_groups)
    exact = np.bincount(group, weights=values, minlength=n_groups)
    if (np.abs(exact - totals) > 1e-6 * np.maximum(totals, 1)).any() or (missing > counts).any():
        raise ValueError("round_within_groups: group totals differ from the sums of the values")
    idx = np.arange(values.shape[0])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    # Largest fractions first within each group: add one unit to the first `missing`.
    order = np.lexsort((idx, -frac, group))
    rank = np.empty(values.shape[0], dtype=np.int64)
    rank[order] = idx - starts[group[order]]
    out = base + (rank < np.maximum(missing, 0)[group]).astype(np.int64)
    for g in np.flatnonzero(missing < 0):  # rare: floating-point overshoot
        members = np.flatnonzero((group == g) & (out > 0))
        take = members[np.lexsort((members, frac[members]))][: -missing[g]]
        if take.shape[0] < -missing[g]:
            raise ValueError("round_within_groups: cannot reach a group total")
        out[take] -= 1
    return out


def largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Integers close to ``values * total / sum(values)`` (nonnegative) summing to ``total``."""
    values = np.asarray(values, dtype=np.float64)
    s = values.sum()
    if not s > 0:
        raise ValueError("largest_remainder: values must have a positive sum")
    scaled = values / s * total
    return round_within_groups(
        scaled, np.zeros(values.shape[0], dtype=np.int64), np.array([total], dtype=np.int64)
    )
