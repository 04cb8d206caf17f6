"""Uncertain inputs of a Monte Carlo run: which parameters vary, and with which distribution.

Every parameter of ``data/parameters/{behaviour,demography,costing}.toml`` that has a range
(``low``, ``high``) may be declared uncertain. Its distribution is built with
:mod:`scipy.stats` from the file's ``value``, ``low``, ``high`` and ``distribution``:

============  ==========================================================================
uniform       uniform on ``[low, high]``
triangular    triangular on ``[low, high]`` with mode ``value``
normal        normal with mean ``value`` and sd ``(high - low) / 4``, truncated to
              ``[low, high]``
lognormal     log-normal with median ``value`` and log-sd ``(ln high - ln low) / 4``,
              truncated to ``[low, high]`` (needs ``low > 0``)
beta          beta-PERT scaled to ``[low, high]`` with mode ``value``: shapes
              ``1 + 4 (value - low) / (high - low)`` and ``1 + 4 (high - value) / (high - low)``
============  ==========================================================================

Every shipped distribution is bounded by the parameter's range, so a draw never leaves the
plausible range the data file documents. Values are drawn by inverse CDF (``ppf``) of
unit-cube samples (:mod:`llrsim.montecarlo.sampling`).

The ``uncertain`` argument of :func:`llrsim.montecarlo` accepts

- ``None`` (default): every ranged parameter of ``behaviour.toml`` (participation, episode,
  response and take-up coefficients; :func:`default_names` lists them);
- ``"all"``: every ranged parameter of the three files;
- a list of names: those parameters with the files' distributions;
- a dict ``name -> spec`` where spec is ``None`` (the file's distribution), a distribution
  name (``"normal"``; the file's value and range), a dict with any of ``distribution``,
  ``value``, ``low``, ``high`` overriding the file, or a frozen ``scipy.stats`` distribution
  (``scipy.stats.norm(0.35, 0.1)``; then draws are not bounded unless the distribution is);
- a path to a TOML file with one table per parameter holding such fields
  (:func:`read_uncertain`), e.g. ``[response.beta_money]  distribution = "normal"``.

**Scenario-level ranged values** (awareness, friction, uplifts, admin-cost reduction and IT
cost written as ``{value, low, high}`` in the scenario TOML files; see
``Scenario.uncertain()``) are varied only when named, with a ``:``:

- ``"*:vov.awareness"``: the same drawn value in *every* scenario of the run that has the
  field (an existing instrument's awareness is one unknown of the world, not of a scenario,
  so it stays paired across scenarios); the scenarios must agree on its range;
- ``"S4:it_cost_oneoff_eur"``: only in scenario ``S4`` (the id as run, e.g. ``"S1+S2+S4"``).

The scenario's own ``distribution`` and range are used unless a spec overrides them. Such
values reach the simulation through ``Scenario.with_values`` in each draw (not through
``simulate(params=...)``, which covers the parameter files only); growth paths
(``llrsim.scenarios.phase``) are not varied this way. ``"all"`` and the default never
include scenario-level values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from llrsim.errors import LlrsimError
from llrsim.parameters import DISTRIBUTIONS, Parameter
from llrsim.tomlfile import read_toml

#: distributions a spec may name (``fixed`` is not uncertain)
SHIPPED = tuple(d for d in DISTRIBUTIONS if d != "fixed")
_SPEC_FIELDS = {"distribution", "value", "low", "high"}


class UncertainError(LlrsimError, ValueError):
    """An uncertain-parameter declaration is invalid (names the parameter and the field)."""


class _TruncLogNormal:
    """Log-normal truncated to ``[low, high]``: ``exp`` of a truncated normal in log space."""

    def __init__(self, median: float, low: float, high: float) -> None:
        mu = math.log(median)
        s = (math.log(high) - math.log(low)) / 4.0
        self._log = stats.truncnorm(
            a=(math.log(low) - mu) / s, b=(math.log(high) - mu) / s, loc=mu, scale=s
        )

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.exp(self._log.ppf(u))


@dataclass(frozen=True)
class Uncertain:
    """One uncertain input: its name, a distribution with ``ppf`` and a description for hashes.

    ``spec`` is a JSON-ready description of the distribution (what it is, not how it was
    asked for); two equal specs give the same draws. Build with :meth:`shipped` or
    :meth:`from_scipy`.
    """

    name: str
    dist: Any = field(compare=False, repr=False)
    spec: dict[str, Any]

    @classmethod
    def shipped(
        cls, name: str, distribution: str, value: float, low: float, high: float
    ) -> Uncertain:
        """A distribution of :data:`SHIPPED` from a central value and a range (see module)."""
        if distribution not in SHIPPED:
            raise UncertainError(
                f"uncertain '{name}': distribution {distribution!r} not one of {SHIPPED}"
            )
        value, low, high = float(value), float(low), float(high)
        if not all(math.isfinite(x) for x in (value, low, high)):
            raise UncertainError(f"uncertain '{name}': value, low and high must be finite")
        if not low < high:
            raise UncertainError(f"uncertain '{name}': needs low < high, got [{low}, {high}]")
        if not low <= value <= high:
            raise UncertainError(
                f"uncertain '{name}': value {value} outside its range [{low}, {high}]"
            )
        width = high - low
        if distribution == "uniform":
            dist: Any = stats.uniform(loc=low, scale=width)
        elif distribution == "triangular":
            dist = stats.triang(c=(value - low) / width, loc=low, scale=width)
        elif distribution == "normal":
            sd = width / 4.0
            dist = stats.truncnorm(a=(low - value) / sd, b=(high - value) / sd, loc=value, scale=sd)
        elif distribution == "lognormal":
            if low <= 0:
                raise UncertainError(
                    f"uncertain '{name}': lognormal needs low > 0, got low = {low}"
                )
            dist = _TruncLogNormal(value, low, high)
        else:  # beta-PERT
            dist = stats.beta(
                1.0 + 4.0 * (value - low) / width,
                1.0 + 4.0 * (high - value) / width,
                loc=low,
                scale=width,
            )
        spec = {"distribution": distribution, "value": value, "low": low, "high": high}
        return cls(name=name, dist=dist, spec=spec)

    @classmethod
    def from_scipy(cls, name: str, dist: Any) -> Uncertain:
        """A frozen ``scipy.stats`` distribution (``scipy.stats.norm(0, 1)``) as given."""
        if not (hasattr(dist, "ppf") and hasattr(dist, "dist") and hasattr(dist, "args")):
            raise UncertainError(
                f"uncertain '{name}': expected a frozen scipy.stats distribution, got "
                f"{type(dist).__name__}"
            )
        try:
            args = [float(a) for a in dist.args]
            kwds = {str(k): float(v) for k, v in sorted(dist.kwds.items())}
        except (TypeError, ValueError) as exc:
            raise UncertainError(
                f"uncertain '{name}': scipy distribution arguments must be numbers ({exc})"
            ) from exc
        spec = {"scipy": str(dist.dist.name), "args": args, "kwds": kwds}
        return cls(name=name, dist=dist, spec=spec)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at unit-cube coordinates ``u`` (inverse CDF); refuses non-finite values."""
        x = np.asarray(self.dist.ppf(np.asarray(u, dtype=np.float64)), dtype=np.float64)
        if not np.all(np.isfinite(x)):
            bad = np.asarray(u)[~np.isfinite(x)]
            raise UncertainError(
                f"uncertain '{self.name}': inverse CDF is not finite at u = {bad[:3].tolist()} "
                "(an unbounded distribution at a sample on the cube's edge); use a bounded "
                "distribution"
            )
        return x


def _parameter_sets() -> dict[str, Any]:
    from llrsim.engine.simulate import resolve_parameters

    return resolve_parameters(None)


def _lookup(name: str, sets: Mapping[str, Any]) -> Parameter:
    for ps in sets.values():
        if name in ps:
            return ps[name]
    known = sorted(k for ps in sets.values() for k in ps)
    raise UncertainError(f"uncertain: unknown parameter '{name}'; known: {known}")


def default_names() -> list[str]:
    """Names of every ranged behaviour parameter: the default uncertain inputs."""
    sets = _parameter_sets()
    return [k for k, p in sets["behaviour"].items() if p.uncertain]


def all_names() -> list[str]:
    """Names of every ranged parameter of the behaviour, demography and costing files."""
    sets = _parameter_sets()
    return [k for ps in sets.values() for k, p in ps.items() if p.uncertain]


def _from_file(name: str, p: Parameter, override: Mapping[str, Any]) -> Uncertain:
    unknown = set(override) - _SPEC_FIELDS
    if unknown:
        raise UncertainError(
            f"uncertain '{name}': unknown fields {sorted(unknown)}; allowed {sorted(_SPEC_FIELDS)}"
        )
    dist = override.get("distribution", p.distribution)
    low = override.get("low", p.low)
    high = override.get("high", p.high)
    if dist == "fixed" or low is None or high is None:
        raise UncertainError(
            f"uncertain '{name}': the parameter file gives no range (distribution 'fixed'); "
            "give 'distribution', 'low' and 'high' or a scipy.stats distribution"
        )
    for key in ("value", "low", "high"):
        v = override.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise UncertainError(f"uncertain '{name}': '{key}' must be a number, got {v!r}")
    return Uncertain.shipped(name, str(dist), override.get("value", p.value), low, high)


def read_uncertain(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read a TOML file of uncertain-parameter specs: dotted name -> fields.

    Each table is a parameter (``[response.beta_money]``) with any of ``distribution``,
    ``value``, ``low``, ``high``; an empty table takes the parameter file's distribution.
    """
    path = Path(path)
    tree = read_toml(path, UncertainError, "uncertain-parameter file")
    out: dict[str, dict[str, Any]] = {}

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for key, val in node.items():
            name = f"{prefix}{key}"
            if not isinstance(val, Mapping):
                raise UncertainError(f"{path}: '{name}' must be a table, got {val!r}")
            if not val or set(val) & _SPEC_FIELDS:
                out[name] = dict(val)
            else:
                walk(val, f"{name}.")

    walk(tree, "")
    return out


SHARED = "*"  #: scenario prefix meaning "every scenario of the run that has the field"


def split_name(name: str) -> tuple[str, str] | None:
    """``"S4:vov.awareness" -> ("S4", "vov.awareness")``; ``None`` for a parameter-file name."""
    if ":" not in name:
        return None
    scenario, field_ = name.split(":", 1)
    if not scenario or not field_:
        raise UncertainError(f"uncertain '{name}': expected '<scenario or *>:<field>'")
    return scenario, field_


def _scenario_parameter(name: str, scenarios: Sequence[Any] | None) -> Parameter:
    from llrsim.scenarios import Scenario

    scenario, field_ = split_name(name)  # type: ignore[misc]
    if scenarios is None:
        raise UncertainError(f"uncertain '{name}': scenario-level values need the run's scenarios")
    if not all(isinstance(s, Scenario) for s in scenarios):
        raise UncertainError(
            f"uncertain '{name}': scenario-level values cannot vary in a growth path; run "
            "its scenarios as plain scenarios"
        )
    ids = [s.id for s in scenarios]
    if scenario != SHARED and scenario not in ids:
        raise UncertainError(f"uncertain '{name}': scenario {scenario!r} not in the run {ids}")
    chosen = [s for s in scenarios if scenario in (SHARED, s.id)]
    found = {s.id: s.uncertain()[field_] for s in chosen if field_ in s.uncertain()}
    if not found:
        known = sorted({k for s in chosen for k in s.uncertain()})
        raise UncertainError(
            f"uncertain '{name}': no ranged field {field_!r} in {[s.id for s in chosen]}; "
            f"ranged: {known}"
        )
    specs = {(r.value, r.low, r.high, r.distribution) for r in found.values()}
    if len(specs) > 1:
        raise UncertainError(
            f"uncertain '{name}': the scenarios give {field_!r} different ranges "
            f"{ {k: (r.value, r.low, r.high) for k, r in found.items()} }; name one scenario "
            f"each ('S4:{field_}')"
        )
    r = next(iter(found.values()))
    return Parameter(
        name=name,
        value=r.value,
        unit="",
        source=r.source,
        low=r.low,
        high=r.high,
        distribution=r.distribution,
    )


def scenario_values(scenario_id: str, values: Mapping[str, float]) -> dict[str, float]:
    """The drawn scenario-level values that apply to scenario ``scenario_id`` (field -> value);
    ``"*:"`` names apply where the scenario has the field (checked by the caller)."""
    out: dict[str, float] = {}
    for name, v in values.items():
        parts = split_name(name)
        if parts is not None and parts[0] in (SHARED, scenario_id):
            out[parts[1]] = float(v)
    return out


def resolve_uncertain(
    uncertain: str | Path | Iterable[str] | Mapping[str, Any] | None,
    scenarios: Sequence[Any] | None = None,
) -> list[Uncertain]:
    """The uncertain inputs of a run, in a fixed order (see the module for accepted forms).

    The order is the order given (files' order for ``None`` and ``"all"``); it is the column
    order of the sample design, so it is part of a run's identity. ``scenarios``: the run's
    loaded scenarios, needed for scenario-level names (``"*:vov.awareness"``).
    """
    sets = _parameter_sets()
    if uncertain is None:
        spec: Mapping[str, Any] = dict.fromkeys(default_names())
    elif isinstance(uncertain, str) and uncertain == "all":
        spec = dict.fromkeys(all_names())
    elif isinstance(uncertain, str | Path):
        if not str(uncertain).endswith(".toml"):
            raise UncertainError(
                f"uncertain: {str(uncertain)!r} is neither 'all' nor a .toml file of specs"
            )
        spec = read_uncertain(uncertain)
    elif isinstance(uncertain, Mapping):
        spec = uncertain
    else:
        names = list(uncertain)
        if not all(isinstance(n, str) for n in names):
            raise UncertainError(f"uncertain: expected parameter names, got {names!r}")
        if len(set(names)) != len(names):
            raise UncertainError(f"uncertain: duplicate names in {names}")
        spec = dict.fromkeys(names)
    out = []
    for name, s in spec.items():
        if not isinstance(name, str):
            raise UncertainError(f"uncertain: parameter names must be strings, got {name!r}")
        p = (
            _lookup(name, sets)
            if split_name(name) is None
            else _scenario_parameter(name, scenarios)
        )
        if s is None:
            out.append(_from_file(name, p, {}))
        elif isinstance(s, str):
            out.append(_from_file(name, p, {"distribution": s}))
        elif isinstance(s, Mapping):
            out.append(_from_file(name, p, s))
        else:
            out.append(Uncertain.from_scipy(name, s))
    return out
