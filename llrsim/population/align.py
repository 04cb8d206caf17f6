"""Alignment of a simulated binary event to an external total (weighted records).

Microsimulation outcomes drawn person by person hit a known total only on average;
alignment makes the weighted number of events equal an external figure (a projection, a
policy target such as the Flemish 80 % employment rate in 2030) while keeping the
person-level ranking of the model. Two methods, both weighted (a record of weight w is w
persons and is selected whole):

* **sort by difference** (Baekgaard 2002; LIAM2 ``align``): rank records by ``p - u``
  (model probability minus the record's keyed uniform) and select from the top until the
  weighted total reaches the target. Records that would overshoot are skipped and later,
  smaller ones taken, so the total misses the target by less than the smallest weight that
  could still fit — 0 when weights are 1.
* **sidewalk** (Neufeld 2000): rescale the probabilities so that their weighted sum is the
  target, then walk the records in the given order, selecting a record when
  ``u < p' + lag / w`` where ``lag`` is the expected-minus-selected total so far; the
  running error stays within about one record weight.

Both report the unaligned outcome (``u < p``) and the gap before and after, in persons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


@dataclass(frozen=True)
class AlignmentResult:
    """Selected records and the gaps (persons) before and after alignment."""

    selected: np.ndarray  #: bool per record
    target: int  #: external total (persons)
    before: int  #: weighted events without alignment (u < p)
    after: int  #: weighted events selected

    @property
    def gap_before(self) -> int:
        """Unaligned total minus target (persons)."""
        return self.before - self.target

    @property
    def gap_after(self) -> int:
        """Aligned total minus target (persons)."""
        return self.after - self.target


def _check(prob: np.ndarray, weight: np.ndarray, u: np.ndarray, target: int) -> None:
    if not (prob.shape == weight.shape == u.shape) or prob.ndim != 1:
        raise ValueError("prob, weight and u must be 1-d arrays of the same length")
    if np.any(~np.isfinite(prob)) or np.any((prob < 0) | (prob > 1)):
        raise ValueError("prob must lie in [0, 1]")
    if np.any(weight < 0):
        raise ValueError("weights must be non-negative")
    if not 0 <= target <= int(weight.sum(dtype=np.int64)):
        raise ValueError(f"target {target} outside [0, total weight {int(weight.sum())}]")


@njit(cache=True)
def _greedy_fill(order: np.ndarray, weight: np.ndarray, target: np.int64) -> np.ndarray:
    sel = np.zeros(weight.shape[0], dtype=np.bool_)
    acc = np.int64(0)
    best_over = -1
    for j in range(order.shape[0]):
        i = order[j]
        w = np.int64(weight[i])
        if acc == target:
            break
        if acc + w <= target:
            sel[i] = True
            acc += w
        elif best_over < 0:
            best_over = i
    # one overshooting record may still bring the total closer (remaining gap > w / 2)
    if acc < target and best_over >= 0:
        w = np.int64(weight[best_over])
        if acc + w - target < target - acc:
            sel[best_over] = True
    return sel


def align_sort_by_difference(
    prob: np.ndarray, weight: np.ndarray, target: int, u: np.ndarray
) -> AlignmentResult:
    """Select records by descending ``prob - u`` until the weighted total equals ``target``.

    ``prob`` are model probabilities in [0, 1], ``weight`` integer record weights, ``u`` the
    records' keyed uniforms (e.g. stream ALIGNMENT). Ties are broken by record position.
    """
    prob = np.asarray(prob, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.int64)
    u = np.asarray(u, dtype=np.float64)
    _check(prob, weight, u, int(target))
    order = np.lexsort((np.arange(prob.size), -(prob - u)))
    sel = _greedy_fill(order.astype(np.int64), weight, np.int64(target))
    return AlignmentResult(
        selected=sel,
        target=int(target),
        before=int(weight[u < prob].sum()),
        after=int(weight[sel].sum()),
    )


@njit(cache=True)
def _sidewalk(p: np.ndarray, weight: np.ndarray, u: np.ndarray) -> np.ndarray:
    sel = np.zeros(p.shape[0], dtype=np.bool_)
    lag = 0.0
    for i in range(p.shape[0]):
        w = float(weight[i])
        if w <= 0.0:
            continue
        expected = w * p[i]
        if u[i] < p[i] + lag / w:
            sel[i] = True
            lag += expected - w
        else:
            lag += expected
    return sel


def align_sidewalk(
    prob: np.ndarray, weight: np.ndarray, target: int, u: np.ndarray
) -> AlignmentResult:
    """Sidewalk alignment in record order (see the module docstring)."""
    prob = np.asarray(prob, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.int64)
    u = np.asarray(u, dtype=np.float64)
    _check(prob, weight, u, int(target))
    wf = weight.astype(np.float64)
    reachable = int(weight[prob > 0].sum())
    if target > reachable:
        raise ValueError(
            f"target {target} exceeds the weight of records with a positive probability "
            f"({reachable}); sidewalk only rescales probabilities"
        )
    lo, hi = 0.0, 1.0
    while float((wf * np.minimum(prob * hi, 1.0)).sum()) < target:
        hi *= 2.0
        if hi > 1e300:
            break
    for _ in range(200):  # bisection on the scale: sum of w * min(1, k p) = target
        mid = 0.5 * (lo + hi)
        if float((wf * np.minimum(prob * mid, 1.0)).sum()) < target:
            lo = mid
        else:
            hi = mid
    p = np.minimum(prob * hi, 1.0)
    sel = _sidewalk(p, weight, u)
    return AlignmentResult(
        selected=sel,
        target=int(target),
        before=int(weight[u < prob].sum()),
        after=int(weight[sel].sum()),
    )
