"""Sample designs on the unit cube, values by inverse CDF, seeds per draw, and Sobol indices.

A *design* is an ``n_draws x D`` matrix of unit-cube coordinates (one row per draw, one
column per uncertain input) and the values ``dist.ppf(u)`` column by column. Samplers:

- ``"random"``: independent uniforms;
- ``"lhs"``: Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`, scrambled);
- ``"sobol"``: scrambled Sobol' sequence (:class:`scipy.stats.qmc.Sobol`; ``n`` ideally a
  power of two);
- ``"saltelli"``: Saltelli's design for Sobol' indices through SALib's ``ProblemSpec``
  (:func:`SALib.sample.sobol.sample`, second order on). ``n`` is then the *base* sample size
  N and the design has ``N * (2D + 2)`` rows, in SALib's order (for each base point: A, the
  D rows AB_j, the D rows BA_j, B). Draw ``i`` is row ``i``, so the model outputs in draw
  order are exactly what :func:`sobol_indices` hands back to SALib's analysis.

Seeds. The design's randomness comes from ``numpy.random.SeedSequence(seed)`` (the root);
draw ``i`` simulates with the key :func:`draw_seed` ``(seed, i)``, derived from the child
``SeedSequence(seed, spawn_key=(i,))`` (the ``i``-th child of ``SeedSequence(seed).spawn``).
Both depend on nothing but ``seed`` and ``i``: not on the backend, the workers or the order
in which draws finish.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from llrsim.errors import LlrsimError
from llrsim.montecarlo.uncertain import Uncertain

SAMPLERS = ("lhs", "random", "sobol", "saltelli")


class SamplingError(LlrsimError, ValueError):
    """A sample design cannot be built or analysed as asked."""


def draw_seed(seed: int, draw: int) -> int:
    """Simulation seed of draw ``draw`` of a run with ``seed``: a 63-bit non-negative integer.

    ``SeedSequence(seed, spawn_key=(draw,)).generate_state(1, uint64) >> 1``: distinct,
    well-mixed keys per draw that any backend recomputes identically.
    """
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(draw),))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class Design:
    """A sample design: unit-cube rows, the drawn values, and what SALib needs back."""

    names: tuple[str, ...]
    sampler: str
    unit: np.ndarray  #: (n_draws, D) coordinates in the unit cube
    values: np.ndarray  #: (n_draws, D) parameter values (inverse CDF of ``unit``)
    base_n: int  #: ``n`` as asked (the base sample size N for ``"saltelli"``)

    @property
    def n_draws(self) -> int:
        """Number of draws (rows)."""
        return int(self.unit.shape[0])

    def row(self, draw: int) -> dict[str, float]:
        """Parameter values of draw ``draw`` as ``{name: value}`` (plain floats)."""
        return {k: float(v) for k, v in zip(self.names, self.values[draw], strict=True)}

    def frame(self) -> pd.DataFrame:
        """One row per draw: ``draw`` and one column per parameter (values)."""
        out = pd.DataFrame(self.values, columns=list(self.names))
        out.insert(0, "draw", np.arange(self.n_draws, dtype=np.int64))
        return out


def _problem(names: Sequence[str]) -> dict:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def n_draws(n: int, d: int, sampler: str) -> int:
    """Number of simulations a design of ``n`` with ``d`` inputs needs."""
    return n * (2 * d + 2) if sampler == "saltelli" else n


def design(params: Sequence[Uncertain], n: int, sampler: str = "lhs", seed: int = 0) -> Design:
    """Build the design of ``n`` draws (``n`` base points for ``"saltelli"``) for ``params``."""
    if sampler not in SAMPLERS:
        raise SamplingError(f"sampler: {sampler!r} not one of {SAMPLERS}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise SamplingError(f"n: expected a positive integer, got {n!r}")
    n = int(n)
    names = tuple(p.name for p in params)
    if len(set(names)) != len(names):
        raise SamplingError(f"uncertain inputs: duplicate names in {list(names)}")
    d = len(names)
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    if sampler in ("sobol", "saltelli") and d == 0:
        raise SamplingError(f"sampler {sampler!r} needs at least one uncertain input")
    if d == 0:
        unit = np.empty((n, 0), dtype=np.float64)
    elif sampler == "random":
        unit = rng.random((n, d))
    elif sampler == "lhs":
        unit = qmc.LatinHypercube(d=d, rng=rng).random(n)
    elif sampler == "sobol":
        unit = qmc.Sobol(d=d, scramble=True, rng=rng).random(n)
    else:
        if d < 2:
            raise SamplingError("sampler 'saltelli': Sobol' indices need at least 2 inputs")
        from SALib import ProblemSpec
        from SALib.sample import sobol as sobol_sample

        sp = ProblemSpec(_problem(names))
        sp.sample(sobol_sample.sample, n, calc_second_order=True, seed=rng)
        unit = np.asarray(sp.samples, dtype=np.float64)
        if unit.shape != (n * (2 * d + 2), d):
            raise SamplingError(
                f"SALib returned a design of shape {unit.shape}, expected ({n * (2 * d + 2)}, {d})"
            )
    unit = np.ascontiguousarray(unit, dtype=np.float64)
    values = np.empty_like(unit)
    for j, p in enumerate(params):
        values[:, j] = p.ppf(unit[:, j])
    return Design(names=names, sampler=sampler, unit=unit, values=values, base_n=n)


SOBOL_COLUMNS = ("parameter", "S1", "S1_conf", "ST", "ST_conf", "note")


def sobol_indices(
    design_: Design,
    y: np.ndarray,
    *,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """First-order (S1) and total-order (ST) Sobol' indices of output ``y`` (one per draw).

    ``y`` must be in draw order (``y[i]`` is the output of draw ``i``) for a ``"saltelli"``
    design; SALib's :func:`SALib.analyze.sobol.analyze` gets the design's own rows back.
    ``*_conf`` are half-widths of bootstrap confidence intervals (``conf_level``; resampling
    seeded by ``seed``). An output that does not vary has no indices: ``pandas.NA`` with a
    note, never NaN.
    """
    if design_.sampler != "saltelli":
        raise SamplingError(
            f"Sobol' indices need sampler='saltelli' (this run used {design_.sampler!r})"
        )
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (design_.n_draws,):
        raise SamplingError(
            f"sobol: expected one output per draw ({design_.n_draws}), got shape {y.shape}"
        )
    if not np.all(np.isfinite(y)):
        raise SamplingError("sobol: the output has non-finite values")
    names = list(design_.names)
    if np.ptp(y) == 0:
        return pd.DataFrame(
            {
                "parameter": names,
                **{c: pd.array([pd.NA] * len(names), dtype="Float64") for c in SOBOL_COLUMNS[1:5]},
                "note": "output does not vary across draws",
            }
        )
    from SALib import ProblemSpec
    from SALib.analyze import sobol as sobol_analyze

    sp = ProblemSpec(_problem(names))
    sp.set_samples(design_.unit)
    sp.set_results(y)
    sp.analyze(
        sobol_analyze.analyze,
        calc_second_order=True,
        num_resamples=int(num_resamples),
        conf_level=float(conf_level),
        seed=int(seed),
    )
    res = sp.analysis
    out = pd.DataFrame(
        {
            "parameter": names,
            "S1": pd.array(np.asarray(res["S1"], dtype=np.float64), dtype="Float64"),
            "S1_conf": pd.array(np.asarray(res["S1_conf"], dtype=np.float64), dtype="Float64"),
            "ST": pd.array(np.asarray(res["ST"], dtype=np.float64), dtype="Float64"),
            "ST_conf": pd.array(np.asarray(res["ST_conf"], dtype=np.float64), dtype="Float64"),
            "note": "",
        }
    )
    vals = out[list(SOBOL_COLUMNS[1:5])].to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.all(np.isfinite(vals)):
        raise SamplingError("sobol: SALib returned non-finite indices; increase n")
    return out
