"""Scenario files: validated models, loading, combining, TOML round trip and description.

A scenario file (``llrsim/scenarios/files/S4.toml`` or any path) holds::

    id = "S4"
    name = "Selectief recht op geld"          # Flemish name
    title = "Selective right to money"        # English
    description = "..."
    base = "S0"                 # start from the instruments of S0 ...
    replaces = ["vov"]          # ... minus those replaced (a new instrument takes the role)
    absorbs = ["opleidingscheques"]  # ... minus those absorbed (budget folded into a new one)
    awareness_uplift = 0.0      # scenario effects (fixed or ranged, see below)
    friction_reduction = 0.0
    admin_cost_reduction = 0.0
    friction_scope = ["flemish"]  # competences whose instruments an effect applies to
    it_cost_oneoff_eur = 0.0
    it_cost_yearly_eur = 0.0

    [[instruments]]             # added, or overriding a base instrument with the same id
    id = "llr_money_selective"
    kind = "money_account"
    ...

**Effects** apply to the instruments in force whose ``competence`` is in the effect's scope
(``awareness_scope``, ``friction_scope``, ``admin_cost_scope``; default: all competences):
awareness ``a`` becomes ``a + awareness_uplift * (1 - a)`` (the uplift is the share of the
unaware who learn of the instrument), friction ``f`` becomes ``f * (1 - friction_reduction)``
and admin costs are multiplied by ``1 - admin_cost_reduction``. IT costs are EUR per year
(``it_cost_yearly_eur``) and EUR once, in the first year the scenario is in force
(``it_cost_oneoff_eur``).

**Combining** (``combine("S1", "S2", "S4")`` or ``load("S1+S2+S4")``): all scenarios must
share one root base (S0). Starting from the root's instruments, each scenario's changes are
applied in order: its replaced and absorbed instruments are removed, then its instruments are
added; for the same instrument id **the later scenario wins**. Scenario effects combine as
the **maximum** of each uplift / reduction (the strongest measure, not a sum, since both
address the same information or friction gap) with the scope of the scenario providing it,
the IT costs as the **sum** over distinct
scenarios (each builds its own system; conservative). Every conflict resolved is reported
in ``scenario.notes``.

Errors (:class:`~llrsim.errors.ScenarioError`) name the file, the field path (e.g.
``instruments[2].accrual_eur[2028]``) and the allowed values or range; all errors of a file
come in one line.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from llrsim.errors import ScenarioError
from llrsim.predicates import Predicate
from llrsim.scenarios.instruments import (
    COMPETENCES,
    KIND_MODELS,
    Competence,
    EmployerObligation,
    EmployerSubsidy,
    Exchange,
    GuidanceVoucher,
    Instrument,
    InstrumentBase,
    InstrumentId,
    LeaveAllowance,
    MoneyAccount,
    TimeAccount,
    Voucher,
)
from llrsim.scenarios.values import VALUE_TAGS, Ranged, RangedAmount, RangedShare, central
from llrsim.tomlfile import read_toml

FILES_DIR = Path(__file__).parent / "files"  #: shipped scenario files (package data)
_MAX_ERRORS = 6
_RANGED_SCENARIO_FIELDS = (
    "awareness_uplift",
    "friction_reduction",
    "admin_cost_reduction",
    "it_cost_oneoff_eur",
    "it_cost_yearly_eur",
)


class Scenario(BaseModel):
    """One policy scenario: the instruments in force and the scenario-level effects."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.\-+]+$", max_length=200)
    name: str = Field(min_length=1, description="Flemish name")
    title: str = Field("", description="English title")
    description: str = ""
    base: str | None = Field(None, description="scenario whose instruments this starts from")
    replaces: list[InstrumentId] = Field(default_factory=list)
    absorbs: list[InstrumentId] = Field(default_factory=list)
    awareness_uplift: RangedShare = Field(0.0, description="share of the unaware made aware")
    friction_reduction: RangedShare = Field(0.0, description="relative reduction of friction")
    admin_cost_reduction: RangedShare = Field(0.0, description="relative admin-cost reduction")
    awareness_scope: list[Competence] = Field(default_factory=lambda: list(COMPETENCES))
    friction_scope: list[Competence] = Field(default_factory=lambda: list(COMPETENCES))
    admin_cost_scope: list[Competence] = Field(default_factory=lambda: list(COMPETENCES))
    it_cost_oneoff_eur: RangedAmount = Field(0.0, description="EUR once, first year in force")
    it_cost_yearly_eur: RangedAmount = Field(0.0, description="EUR per year in force")
    components: list[str] = Field(default_factory=list, description="ids combined into this")
    notes: list[str] = Field(default_factory=list)
    instruments: list[Instrument] = Field(default_factory=list)

    _origin: str = PrivateAttr("<memory>")

    def __eq__(self, other: object) -> bool:
        """Equal content (the file a scenario was read from does not count)."""
        return type(other) is type(self) and self.model_dump() == other.model_dump()  # type: ignore[union-attr]

    __hash__ = BaseModel.__hash__

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        seen: dict[str, int] = {}
        for i, inst in enumerate(self.instruments):
            if inst.id in seen:
                raise ValueError(
                    f"instruments[{i}].id: duplicate instrument id '{inst.id}' "
                    f"(also instruments[{seen[inst.id]}]); ids must be unique"
                )
            seen[inst.id] = i
        both = set(self.replaces) & set(self.absorbs)
        if both:
            raise ValueError(f"replaces/absorbs: {sorted(both)} listed in both; pick one")
        for field in ("replaces", "absorbs"):
            for k, rid in enumerate(getattr(self, field)):
                if rid in seen:
                    raise ValueError(
                        f"{field}[{k}]: '{rid}' is removed and also defined in instruments; "
                        "override it by defining it, or remove it, not both"
                    )
        if (self.replaces or self.absorbs) and self.base is None:
            raise ValueError("replaces/absorbs need a base scenario to remove instruments from")
        return self

    # -- views -----------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """File the scenario was read from, or ``<memory>``."""
        return self._origin

    def instruments_in_force(self) -> list[InstrumentBase]:
        """Instruments in force: the base's, minus replaced/absorbed, plus this file's."""
        return _resolve(self, ())

    def instrument(self, instrument_id: str) -> InstrumentBase:
        """The instrument in force with this id (ScenarioError when not in force)."""
        for inst in self.instruments_in_force():
            if inst.id == instrument_id:
                return inst
        ids = [i.id for i in self.instruments_in_force()]
        raise ScenarioError(f"scenario {self.id}: no instrument '{instrument_id}'; in force: {ids}")

    def uncertain(self) -> dict[str, Ranged]:
        """Ranged parameters of the scenario, for Monte Carlo: name -> :class:`Ranged`.

        Names are the scenario-level field (``"awareness_uplift"``, ``"it_cost_oneoff_eur"``)
        or ``"<instrument id>.<field>"`` for instruments in force (``"vov.awareness"``).
        """
        out: dict[str, Ranged] = {}
        for field in _RANGED_SCENARIO_FIELDS:
            v = getattr(self, field)
            if isinstance(v, Ranged):
                out[field] = v
        for inst in self.instruments_in_force():
            for field in ("awareness", "friction"):
                v = getattr(inst, field)
                if isinstance(v, Ranged):
                    out[f"{inst.id}.{field}"] = v
        return out

    def with_values(self, values: Mapping[str, float]) -> Scenario:
        """A copy with ranged parameters fixed at ``values`` (names as in :meth:`uncertain`).

        A drawn value replaces the range (it may lie outside it, as a normal draw can) but
        must still satisfy the field's own bounds (shares in [0, 1], amounts >= 0). An
        instrument of the base is overridden in this scenario's own instruments.
        """
        known = self.uncertain()
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ScenarioError(
                f"scenario {self.id}: unknown uncertain parameters {unknown}; known: "
                f"{sorted(known)}"
            )
        data = self.model_dump(mode="python")
        in_force = {i.id: i for i in self.instruments_in_force()}
        own = {i["id"]: i for i in data["instruments"]}
        for name, value in values.items():
            if "." in name:
                iid, field = name.split(".", 1)
                if iid not in own:
                    own[iid] = in_force[iid].model_dump(mode="python")
                own[iid][field] = float(value)
            else:
                data[name] = float(value)
        data["instruments"] = list(own.values())
        out = parse(data, origin=f"{self.origin} (with values)")
        out.instruments_in_force()
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain TOML-ready dict (defaults left out, year keys as strings)."""
        data = self.model_dump(mode="python", exclude_defaults=True)
        data["instruments"] = [
            inst.model_dump(mode="python", exclude_defaults=True) for inst in self.instruments
        ]
        if not data["instruments"]:
            del data["instruments"]
        return _tomlify(data)

    def to_toml(self) -> str:
        """The scenario as TOML text; ``load`` of that text gives an equal scenario."""
        return tomli_w.dumps(self.to_dict())

    def dump(self, path: str | Path) -> Path:
        """Write :meth:`to_toml` to ``path`` and return the path."""
        path = Path(path)
        path.write_text(self.to_toml(), encoding="utf-8")
        return path

    def digest(self) -> str:
        """SHA-256 of the resolved scenario (its TOML and its base's), for caches/manifests."""
        return self.resolved_digest

    @functools.cached_property
    def resolved_digest(self) -> str:
        """:meth:`digest`, computed once: the model is frozen, so it cannot change."""
        h = hashlib.sha256(self.to_toml().encode())
        if self.base is not None:
            h.update(load(self.base).digest().encode())
        return h.hexdigest()

    def describe(self) -> pd.DataFrame:
        """The study's five questions, one row per instrument in force.

        Columns: ``target_group`` (who is eligible), ``training_types`` (eligible training),
        ``financing`` (funder and own contribution), ``competence`` (policy level) and
        ``mechanism`` (kind and key amounts), indexed by instrument id, with ``name``.
        Scenario-level effects and IT costs are in ``frame.attrs["effects"]``.
        """
        rows = []
        for inst in self.instruments_in_force():
            rows.append(
                {
                    "instrument": inst.id,
                    "name": inst.name,
                    "target_group": describe_predicate(inst.eligibility),
                    "training_types": ", ".join(inst.training_types) or "-",
                    "financing": _financing_text(inst),
                    "competence": inst.competence,
                    "mechanism": _mechanism_text(inst),
                }
            )
        frame = pd.DataFrame(rows).set_index("instrument")
        frame.attrs["scenario"] = self.id
        frame.attrs["effects"] = {
            "awareness_uplift": central(self.awareness_uplift),
            "friction_reduction": central(self.friction_reduction),
            "admin_cost_reduction": central(self.admin_cost_reduction),
            "awareness_scope": list(self.awareness_scope),
            "friction_scope": list(self.friction_scope),
            "admin_cost_scope": list(self.admin_cost_scope),
            "it_cost_oneoff_eur": central(self.it_cost_oneoff_eur),
            "it_cost_yearly_eur": central(self.it_cost_yearly_eur),
        }
        return frame


# -- error formatting --------------------------------------------------------------------


def _allowed_keys(parent: tuple[Any, ...]) -> list[str]:
    cls: type[BaseModel] | None = Scenario
    for el in parent:
        if isinstance(el, int):
            continue
        if el in KIND_MODELS:
            cls = KIND_MODELS[el]
        elif el == "ranged":
            cls = Ranged
        elif el == "eligibility":
            cls = Predicate
        elif el == "instruments":
            cls = InstrumentBase
        else:
            cls = None
    if cls is None:
        return []
    keys = list(cls.model_fields)
    if cls is InstrumentBase:
        keys.append("kind")
    return sorted(keys)


def _path(loc: tuple[Any, ...], ctx: Mapping[str, Any]) -> str:
    parts: list[str] = []
    prev: Any = None
    for el in loc:
        if isinstance(el, int):
            parts.append(f"[{el}]")
        elif el in VALUE_TAGS or (el in KIND_MODELS and isinstance(prev, int)):
            pass
        elif el == "[key]":
            parts.append(" (key)")
        elif el.isdigit():
            parts.append(f"[{el}]")
        else:
            parts.append(("." if parts else "") + el)
        prev = el
    if ctx.get("field"):
        parts.append(("." if parts else "") + str(ctx["field"]))
    if ctx.get("year") is not None:
        parts.append(f"[{ctx['year']}]")
    return "".join(parts) or "(top level)"


def _format(exc: ValidationError, origin: str) -> str:
    msgs = []
    for err in exc.errors(include_url=False):
        loc, ctx = tuple(err["loc"]), err.get("ctx") or {}
        if err["type"] == "extra_forbidden":
            path = _path(loc[:-1], {})
            allowed = _allowed_keys(loc[:-1])
            where = f"{path}: " if loc[:-1] else ""
            msgs.append(f"{where}unknown key '{loc[-1]}'; allowed keys: {', '.join(allowed)}")
            continue
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] in ("greater_than_equal", "less_than_equal", "greater_than"):
            msg += f" (got {err.get('input')!r})"
        msgs.append(f"{_path(loc, ctx)}: {msg}")
    more = len(msgs) - _MAX_ERRORS
    text = "; ".join(msgs[:_MAX_ERRORS]) + (f"; ... and {more} more" if more > 0 else "")
    return f"{origin}: {text}"


def parse(data: Mapping[str, Any], origin: str = "<memory>") -> Scenario:
    """Validate a scenario dict (as read from TOML); ScenarioError names origin and field."""
    try:
        scenario = Scenario.model_validate(dict(data))
    except ValidationError as exc:
        raise ScenarioError(_format(exc, origin)) from None
    scenario._origin = origin
    return scenario


def read(path: str | Path) -> Scenario:
    """Read, validate and resolve a scenario file from any path."""
    path = Path(path)
    stat = path.stat() if path.is_file() else None
    if stat is None:
        raise ScenarioError(f"{path}: scenario file not found")
    return _read_cached(str(path.resolve()), stat.st_mtime_ns)


@cache
def _read_cached(path: str, mtime_ns: int) -> Scenario:
    data = read_toml(path, ScenarioError, "scenario file")
    scenario = parse(data, origin=path)
    scenario.instruments_in_force()  # checks references to base and instruments
    return scenario


def names() -> list[str]:
    """Names of the shipped scenarios (``S0`` ... ``S6``)."""
    return sorted(p.stem for p in FILES_DIR.glob("*.toml"))


def load(name_or_path: str | Path | Scenario) -> Scenario:
    """A scenario by shipped name (``"S4"``), combination (``"S1+S2+S4"``) or file path."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    text = str(name_or_path)
    if isinstance(name_or_path, str) and "+" in text and not text.endswith(".toml"):
        return combine(*[part.strip() for part in text.split("+")])
    if isinstance(name_or_path, str) and text in names():
        return read(FILES_DIR / f"{text}.toml")
    path = Path(text)
    if path.suffix == ".toml" or path.is_file():
        return read(path)
    raise ScenarioError(
        f"unknown scenario '{text}'; shipped: {', '.join(names())} "
        "(or a combination like S1+S2+S4, or a path to a .toml file)"
    )


# -- resolution --------------------------------------------------------------------------


@cache
def instrument_catalogue() -> dict[str, str]:
    """Every instrument id defined in a shipped scenario file -> kind (for references)."""
    out: dict[str, str] = {}
    for name in names():
        data = read_toml(FILES_DIR / f"{name}.toml", ScenarioError, "scenario file")
        for inst in data.get("instruments", []):
            out.setdefault(str(inst.get("id")), str(inst.get("kind")))
    return out


def _resolve(s: Scenario, stack: tuple[str, ...]) -> list[InstrumentBase]:
    if s.id in stack:
        raise ScenarioError(f"{s.origin}: base: cycle of bases {' -> '.join((*stack, s.id))}")
    base_insts: list[InstrumentBase] = []
    if s.base is not None:
        base = load(s.base)
        base_insts = _resolve(base, (*stack, s.id))
    ids = [i.id for i in base_insts]
    for field in ("replaces", "absorbs"):
        for k, rid in enumerate(getattr(s, field)):
            if rid not in ids:
                raise ScenarioError(
                    f"{s.origin}: {field}[{k}]: unknown instrument '{rid}'; allowed: "
                    f"instruments of base {s.base}: {', '.join(ids)}"
                )
    removed = set(s.replaces) | set(s.absorbs)
    out = {i.id: i for i in base_insts if i.id not in removed}
    for inst in s.instruments:
        out[inst.id] = inst
    insts = list(out.values())
    _check_references(s, insts)
    return insts


def _check_references(s: Scenario, insts: list[InstrumentBase]) -> None:
    kinds = {i.id: i.kind for i in insts}  # type: ignore[attr-defined]
    catalogue = instrument_catalogue()
    position = {inst.id: k for k, inst in enumerate(s.instruments)}
    for inst in insts:
        where = f"{s.origin}: instruments[{position.get(inst.id, '?')}]"
        if isinstance(inst, Exchange):
            for field, want in (
                ("from_time_account", "time_account"),
                ("to_money_account", "money_account"),
            ):
                ref = getattr(inst, field)
                if kinds.get(ref) != want:
                    allowed = [i for i, k in kinds.items() if k == want]
                    raise ScenarioError(
                        f"{where}.{field}: '{ref}' is not a {want} in force; allowed: {allowed}"
                    )
        if inst.convert_from is not None and inst.convert_from not in kinds | catalogue:
            raise ScenarioError(
                f"{where}.convert_from: unknown instrument '{inst.convert_from}'; allowed: "
                f"{', '.join(sorted(set(kinds) | set(catalogue)))}"
            )


# -- combine -----------------------------------------------------------------------------


def _chain(s: Scenario) -> list[Scenario]:
    """Scenarios from the root base down to ``s`` (the root first)."""
    out = [s]
    while out[0].base is not None:
        out.insert(0, load(out[0].base))
    return out


def _sum_ranged(values: list[float | Ranged]) -> float | dict[str, Any]:
    if not any(isinstance(v, Ranged) for v in values):
        return float(sum(float(v) for v in values))
    lo = sum(v.low if isinstance(v, Ranged) else float(v) for v in values)
    hi = sum(v.high if isinstance(v, Ranged) else float(v) for v in values)
    val = sum(central(v) for v in values)
    src = "; ".join(v.source for v in values if isinstance(v, Ranged))
    return {"value": val, "low": lo, "high": hi, "source": f"sum of components: {src}"}


def combine(*scenarios: str | Path | Scenario) -> Scenario:
    """One scenario from several (S1+S2+S4), by the rules in the module docstring."""
    if not scenarios:
        raise ScenarioError("combine: give at least one scenario")
    items = [load(s) for s in scenarios]
    if len(items) == 1:
        return items[0]
    chains = [_chain(s) for s in items]
    roots = {c[0].id for c in chains}
    if len(roots) != 1:
        raise ScenarioError(f"combine: scenarios have different root bases {sorted(roots)}")
    root = chains[0][0]
    state: dict[str, InstrumentBase] = {i.id: i for i in root.instruments_in_force()}
    defined_by: dict[str, str] = {}
    replaced: dict[str, str] = {}
    absorbed: dict[str, str] = {}
    notes: list[str] = []
    deltas: list[Scenario] = []
    for chain in chains:
        for delta in chain[1:]:
            if any(d.id == delta.id for d in deltas):
                notes.append(f"{delta.id} appears more than once; applied once")
                continue
            deltas.append(delta)
    for delta in deltas:
        for field, record in (("replaces", replaced), ("absorbs", absorbed)):
            for rid in getattr(delta, field):
                if rid in state:
                    del state[rid]
                    record[rid] = delta.id
                    defined_by.pop(rid, None)
                else:
                    first = replaced.get(rid) or absorbed.get(rid)
                    notes.append(f"{delta.id} {field} {rid}, already removed by {first}")
        for inst in delta.instruments:
            if inst.id in defined_by and state.get(inst.id) != inst:
                notes.append(
                    f"instrument {inst.id}: defined by {defined_by[inst.id]} and {delta.id}; "
                    f"the later ({delta.id}) wins"
                )
            elif inst.id in replaced or inst.id in absorbed:
                notes.append(f"instrument {inst.id}: removed earlier, re-added by {delta.id}")
                replaced.pop(inst.id, None)
                absorbed.pop(inst.id, None)
            state[inst.id] = inst
            defined_by[inst.id] = delta.id
    all_parts = [root, *deltas] if root.id in {s.id for s in items} else deltas
    for field in ("awareness_uplift", "friction_reduction", "admin_cost_reduction"):
        nonzero = [d.id for d in all_parts if central(getattr(d, field)) > 0]
        if len(nonzero) > 1:
            notes.append(f"{field}: maximum of {', '.join(nonzero)}")

    def strongest(field: str) -> Scenario:
        return max(all_parts, key=lambda d: central(getattr(d, field)))

    root_ids = {i.id for i in root.instruments_in_force()}
    base_map = {i.id: i for i in root.instruments_in_force()}
    own = [i for i in state.values() if i.id not in base_map or base_map[i.id] != i]
    ids = [s.id for s in items]
    shipped_root = (
        root.id in names() and Path(root.origin) == (FILES_DIR / f"{root.id}.toml").resolve()
    )
    if not shipped_root and root.origin == "<memory>":
        raise ScenarioError(f"combine: root base {root.id} must be a shipped name or a file")
    combined = Scenario(
        id="+".join(ids),
        name=" + ".join(s.name for s in items),
        title=" + ".join(s.title or s.id for s in items),
        description="Combination of " + ", ".join(ids) + " (see llrsim.scenarios.combine).",
        base=root.id if shipped_root else root.origin,
        replaces=[r for r in replaced if r in root_ids and r not in state],
        absorbs=[a for a in absorbed if a in root_ids and a not in state],
        awareness_uplift=strongest("awareness_uplift").awareness_uplift,
        awareness_scope=strongest("awareness_uplift").awareness_scope,
        friction_reduction=strongest("friction_reduction").friction_reduction,
        friction_scope=strongest("friction_reduction").friction_scope,
        admin_cost_reduction=strongest("admin_cost_reduction").admin_cost_reduction,
        admin_cost_scope=strongest("admin_cost_reduction").admin_cost_scope,
        it_cost_oneoff_eur=_sum_ranged([d.it_cost_oneoff_eur for d in all_parts]),
        it_cost_yearly_eur=_sum_ranged([d.it_cost_yearly_eur for d in all_parts]),
        components=[c for s in items for c in (s.components or [s.id])],
        notes=notes,
        instruments=own,
    )
    combined.instruments_in_force()
    return combined


# -- text ------------------------------------------------------------------------------


def _tomlify(obj: Any) -> Any:
    """Year keys as strings, integral floats as ints, None dropped (TOML has no null)."""
    if isinstance(obj, Mapping):
        return {str(k): _tomlify(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list | tuple):
        return [_tomlify(v) for v in obj]
    if isinstance(obj, float) and obj.is_integer() and abs(obj) < 2**53:
        return int(obj)
    return obj


def _fmt(v: Any, unit: str = "") -> str:
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items()) + "}" + unit
    if isinstance(v, Ranged):
        return f"{v.value:g}{unit} [{v.low:g}-{v.high:g}]"
    if v is None:
        return "none"
    return f"{float(v):,.2f}".rstrip("0").rstrip(".") + unit


def describe_predicate(p: Predicate) -> str:
    """Human-readable eligibility rule (for tables and the CLI)."""
    parts = [f"age {p.age_min}-{p.age_max}"]
    for field in ("statuses", "education", "employer_sizes", "sectors", "sexes"):
        vals = getattr(p, field)
        if vals is not None:
            parts.append(f"{field.replace('_', ' ')}: {', '.join(vals)}")
    if p.flags:
        parts.append("flags: " + ", ".join(p.flags))
    if p.min_experience_years:
        parts.append(f">= {p.min_experience_years} years work experience")
    if p.min_unemployment_months:
        parts.append(f">= {p.min_unemployment_months} months unemployed")
    if p.any_of_groups:
        parts.append("any of groups: " + ", ".join(p.any_of_groups))
    return "; ".join(parts)


def _financing_text(inst: InstrumentBase) -> str:
    f = inst.funder
    if isinstance(inst, MoneyAccount | Voucher):
        own = _fmt(inst.own_share)
        extra = ""
        if inst.own_share_basic_skills is not None:
            extra = f", basic skills {_fmt(inst.own_share_basic_skills)}"
        return f"{f}; own contribution share {own}{extra}"
    if isinstance(inst, GuidanceVoucher):
        return f"{f}; own contribution {_fmt(inst.own_contribution_eur, ' EUR')} per voucher"
    if isinstance(inst, TimeAccount):
        return f"{f} reimburses the employer; wage above the rate paid by the employer"
    if isinstance(inst, EmployerObligation):
        return "employer (no public cost)"
    return f


def _mechanism_text(inst: InstrumentBase) -> str:
    if isinstance(inst, MoneyAccount):
        return (
            f"money account: {_fmt(inst.accrual_eur, ' EUR')}/yr, "
            f"cap {_fmt(inst.cap_eur, ' EUR')}, "
            f"{'carry-over' if inst.carry_over_unused else 'no carry-over'}, expiry "
            f"{inst.expiry_years or 'none'}, max/training {_fmt(inst.max_per_training_eur)}, "
            f"{'transferable' if inst.transferable else 'not transferable'}"
        )
    if isinstance(inst, TimeAccount):
        return (
            f"time account: {_fmt(inst.accrual_hours, ' h')}/yr, cap {_fmt(inst.cap_hours, ' h')}, "
            f"{'carry-over' if inst.carry_over_unused else 'no carry-over'}, employer reimbursed "
            f"{_fmt(inst.employer_reimbursement_eur_per_hour, ' EUR')}/h, wage ceiling "
            f"{_fmt(inst.wage_ceiling_eur_per_month, ' EUR')}/month, "
            f"{'transferable' if inst.transferable else 'not transferable'}"
        )
    if isinstance(inst, Voucher):
        return (
            f"voucher: ceiling {_fmt(inst.ceiling_eur_per_year, ' EUR')}/yr face value "
            f"(higher education {_fmt(inst.ceiling_higher_education_eur_per_year)})"
        )
    if isinstance(inst, GuidanceVoucher):
        return (
            f"guidance voucher: {inst.vouchers_per_period} per {inst.period_years} years, "
            f"price {_fmt(inst.price_eur, ' EUR')}"
        )
    if isinstance(inst, EmployerSubsidy):
        return (
            f"employer subsidy: rate by size {_fmt(inst.rate_by_size)}, ceiling "
            f"{_fmt(inst.ceiling_eur_per_firm_per_year, ' EUR')}/firm/yr"
        )
    if isinstance(inst, EmployerObligation):
        return f"employer obligation: days/FTE/yr by size {_fmt(inst.days_per_fte_by_size)}"
    if isinstance(inst, Exchange):
        ways = [
            w
            for w, ok in (("time->money", inst.time_to_money), ("money->time", inst.money_to_time))
            if ok
        ]
        return (
            f"exchange {inst.from_time_account} <-> {inst.to_money_account} at "
            f"{_fmt(inst.rate_eur_per_hour, ' EUR')}/h ({', '.join(ways) or 'closed'})"
        )
    if isinstance(inst, LeaveAllowance):
        return (
            f"leave allowance: {_fmt(inst.allowance_eur_per_month, ' EUR')}/month at "
            f"{_fmt(inst.leave_share)} FTE leave, max {inst.max_months} months"
        )
    raise ScenarioError(f"no description for instrument kind of {inst.id}")


def instrument_sets(scenarios: Iterable[str | Scenario]) -> dict[str, list[str]]:
    """Instrument ids in force per scenario (a small helper for tests and the CLI)."""
    out = {}
    for s in scenarios:
        sc = load(s)
        out[sc.id] = [i.id for i in sc.instruments_in_force()]
    return out
