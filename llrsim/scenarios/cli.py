"""``llrsim scenarios list | show NAME | diff A B``: inspect the scenario files.

NAME may be a shipped scenario (``S4``), a combination (``S1+S2+S4``) or a path to a TOML
file. Errors (unknown name, invalid file) end with a one-line message and exit status 2
(handled by :func:`llrsim.cli.main`).
"""

from __future__ import annotations

import argparse
from typing import Any

from llrsim.scenarios.scenario import describe_predicate, load, names
from llrsim.scenarios.values import Ranged, central

_QUESTIONS = ("target_group", "training_types", "financing", "competence", "mechanism")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Subcommands of ``llrsim scenarios``."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="list the shipped scenarios")
    show = sub.add_parser("show", help="the five questions for every instrument in force")
    show.add_argument("name", help="S0..S6, a combination like S1+S2+S4, or a .toml path")
    diff = sub.add_parser("diff", help="instruments and parameters that differ")
    diff.add_argument("a")
    diff.add_argument("b")


def _effect(v: float | Ranged) -> str:
    return f"{v.value:g} [{v.low:g}, {v.high:g}]" if isinstance(v, Ranged) else f"{v:g}"


def _list() -> int:
    rows = []
    for n in names():
        s = load(n)
        rows.append((s.id, str(len(s.instruments_in_force())), s.name, s.title))
    w = [max(len(r[k]) for r in rows) for k in range(3)]
    print(f"{'id':<{w[0]}}  {'n':>{w[1]}}  {'name':<{w[2]}}  title")
    for r in rows:
        print(f"{r[0]:<{w[0]}}  {r[1]:>{w[1]}}  {r[2]:<{w[2]}}  {r[3]}")
    return 0


def _show(name: str) -> int:
    s = load(name)
    print(f"{s.id}: {s.name}" + (f" ({s.title})" if s.title else ""))
    if s.description:
        print(f"  {s.description}")
    print(
        f"  base {s.base or '-'}; replaces {', '.join(s.replaces) or '-'}; "
        f"absorbs {', '.join(s.absorbs) or '-'}"
    )
    print(
        f"  effects: awareness uplift {_effect(s.awareness_uplift)} "
        f"({', '.join(s.awareness_scope)}); friction reduction {_effect(s.friction_reduction)} "
        f"({', '.join(s.friction_scope)}); admin cost reduction "
        f"{_effect(s.admin_cost_reduction)} ({', '.join(s.admin_cost_scope)})"
    )
    print(
        f"  IT cost: one-off {central(s.it_cost_oneoff_eur):,.0f} EUR, yearly "
        f"{central(s.it_cost_yearly_eur):,.0f} EUR"
    )
    for note in s.notes:
        print(f"  note: {note}")
    table = s.describe()
    print(f"instruments in force ({len(table)}):")
    for iid, row in table.iterrows():
        print(f"  {iid} - {row['name']}")
        for q in _QUESTIONS:
            print(f"      {q.replace('_', ' ')}: {row[q]}")
    return 0


def _fields(obj: Any) -> dict[str, Any]:
    data = obj.model_dump(mode="python")
    if "eligibility" in data:
        data["eligibility"] = describe_predicate(obj.eligibility)
    data.pop("instruments", None)
    return data


def _diff(a_name: str, b_name: str) -> int:
    a, b = load(a_name), load(b_name)
    ia = {i.id: i for i in a.instruments_in_force()}
    ib = {i.id: i for i in b.instruments_in_force()}
    print(f"diff {a.id} -> {b.id}")
    only_a = [i for i in ia if i not in ib]
    only_b = [i for i in ib if i not in ia]
    print(f"  only in {a.id}: {', '.join(only_a) or '-'}")
    print(f"  only in {b.id}: {', '.join(only_b) or '-'}")
    sa, sb = _fields(a), _fields(b)
    for key in sa:
        if key in ("id", "name", "title", "description", "notes", "components"):
            continue
        if sa[key] != sb[key]:
            print(f"  scenario.{key}: {sa[key]!r} -> {sb[key]!r}")
    changed = 0
    for iid in (i for i in ia if i in ib):
        fa, fb = _fields(ia[iid]), _fields(ib[iid])
        for key in sorted(set(fa) | set(fb)):
            if fa.get(key) != fb.get(key):
                print(f"  {iid}.{key}: {fa.get(key)!r} -> {fb.get(key)!r}")
                changed += 1
    if not changed:
        print("  instruments in both: identical")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run ``llrsim scenarios ACTION``; returns the exit status."""
    if args.action == "list":
        return _list()
    if args.action == "show":
        return _show(args.name)
    if args.action == "diff":
        return _diff(args.a, args.b)
    raise AssertionError(f"unhandled action {args.action!r}")  # argparse restricts choices


__all__ = ["add_arguments", "run"]
