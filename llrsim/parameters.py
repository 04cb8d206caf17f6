"""Model parameters with units, sources and uncertainty ranges.

Behavioural and costing parameters live in TOML files under ``data/parameters/``; one table
per parameter, keyed by a dotted name::

    [participation.slope_high_education]
    value = 1.9              # central value used by a deterministic run
    unit = "log-odds"
    low = 1.6                # plausible range (used by Monte Carlo)
    high = 2.2
    distribution = "uniform" # uniform | triangular | normal | lognormal | beta | fixed
    source = "Statbel AES 2022: 18.0 / 39.7 / 61.1 % low / medium / high"
    calibrated = true        # fitted by a calibration routine (see its module)

A parameter without ``low``/``high`` is fixed (``distribution = "fixed"``). A parameter whose
value no source gives must say so in ``source`` (``"assumption: ..."``) and carry a range.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from llrsim.errors import ParameterError
from llrsim.tables import data_dir
from llrsim.tomlfile import read_toml

DISTRIBUTIONS = ("fixed", "uniform", "triangular", "normal", "lognormal", "beta")
_FIELDS = {"value", "unit", "low", "high", "distribution", "source", "calibrated", "note"}


@dataclass(frozen=True)
class Parameter:
    """One scalar model parameter: its central value, unit, range and provenance."""

    name: str
    value: float
    unit: str
    source: str
    low: float | None = None
    high: float | None = None
    distribution: str = "fixed"
    calibrated: bool = False
    note: str = ""

    @property
    def uncertain(self) -> bool:
        """True when the parameter has a range (Monte Carlo may vary it)."""
        return self.distribution != "fixed"


def _flatten(tree: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, dict]]:
    for key, val in tree.items():
        name = f"{prefix}{key}"
        if isinstance(val, Mapping) and "value" in val:
            yield name, dict(val)
        elif isinstance(val, Mapping):
            yield from _flatten(val, prefix=f"{name}.")
        else:
            raise ParameterError(f"'{name}': expected a table with 'value', got {val!r}")


def _parse(name: str, spec: dict, origin: str) -> Parameter:
    unknown = set(spec) - _FIELDS
    if unknown:
        raise ParameterError(
            f"{origin}: parameter '{name}': unknown fields {sorted(unknown)}; "
            f"allowed {sorted(_FIELDS)}"
        )
    for req in ("value", "unit", "source"):
        if req not in spec:
            raise ParameterError(f"{origin}: parameter '{name}': field '{req}' missing")
    dist = spec.get("distribution", "fixed" if "low" not in spec else "uniform")
    if dist not in DISTRIBUTIONS:
        raise ParameterError(
            f"{origin}: parameter '{name}': distribution {dist!r} not one of {DISTRIBUTIONS}"
        )
    value = float(spec["value"])
    low = spec.get("low")
    high = spec.get("high")
    if dist != "fixed":
        if low is None or high is None:
            raise ParameterError(
                f"{origin}: parameter '{name}': distribution {dist!r} needs 'low' and 'high'"
            )
        if not float(low) <= value <= float(high):
            raise ParameterError(
                f"{origin}: parameter '{name}': value {value} outside its range [{low}, {high}]"
            )
    return Parameter(
        name=name,
        value=value,
        unit=str(spec["unit"]),
        source=str(spec["source"]),
        low=None if low is None else float(low),
        high=None if high is None else float(high),
        distribution=dist,
        calibrated=bool(spec.get("calibrated", False)),
        note=str(spec.get("note", "")),
    )


class ParameterSet(Mapping[str, Parameter]):
    """An immutable, ordered set of parameters; ``ps["a.b"].value`` or ``ps.value("a.b")``."""

    def __init__(self, params: Mapping[str, Parameter], origin: str = "<memory>") -> None:
        self._params = dict(params)
        self.origin = origin

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self._params[name]
        except KeyError:
            raise ParameterError(
                f"unknown parameter '{name}' in {self.origin}; known: {sorted(self._params)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._params

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def value(self, name: str) -> float:
        """Central value of parameter ``name``."""
        return self[name].value

    def with_values(self, values: Mapping[str, float]) -> ParameterSet:
        """A copy with some values replaced (names must exist; ranges are not enforced,
        so Monte Carlo draws from unbounded distributions stay possible)."""
        new = dict(self._params)
        for name, val in values.items():
            new[name] = replace(self[name], value=float(val))
        return ParameterSet(new, origin=self.origin)

    def to_frame(self):  # -> pandas.DataFrame
        """All parameters as a table (name, value, unit, low, high, distribution, source)."""
        import pandas as pd

        return pd.DataFrame([p.__dict__ for p in self._params.values()])


def read_parameters(path: str | Path) -> ParameterSet:
    """Read a parameter TOML file from any path; errors name the file and the parameter.

    A file read before and unchanged since (same modification time and size) is not parsed
    again: a ParameterSet is read-only, so callers share it (Monte Carlo reads the same three
    files for every draw).
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ParameterError(f"{path}: parameter file not found") from None
    return _read_cached(str(path.resolve()), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _read_cached(path: str, mtime_ns: int, size: int) -> ParameterSet:
    return _read_parameters(Path(path))


def _read_parameters(path: Path) -> ParameterSet:
    tree = read_toml(path, ParameterError, "parameter file")
    params = {name: _parse(name, spec, str(path)) for name, spec in _flatten(tree)}
    return ParameterSet(params, origin=str(path))


def load_parameters(name: str) -> ParameterSet:
    """Load a shipped parameter file ``data/parameters/<name>.toml`` (e.g. ``"behaviour"``)."""
    return read_parameters(data_dir() / "parameters" / f"{name}.toml")
