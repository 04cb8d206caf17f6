"""Command line: ``llrsim <command> ...``.

Each command lives next to the concept it drives (``llrsim.population.cli``, ...) and exposes
``add_arguments(parser)`` and ``run(args) -> int``. Commands are imported only when used, so
``llrsim --help`` stays fast. Errors raised on purpose by the library end with a one-line
message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from llrsim.errors import LlrsimError

#: command name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "population": ("llrsim.population.cli", "synthesize a population, write it, print validation"),
    "scenarios": ("llrsim.scenarios.cli", "list, show or diff the scenario files"),
    "compare": ("llrsim.compare", "run S0-S6 and write the report, Excel and Parquet"),
    "montecarlo": ("llrsim.montecarlo.cli", "Monte Carlo uncertainty and Sobol' sensitivity"),
}


def _available() -> dict[str, tuple[str, str]]:
    out = {}
    for name, (module, help_) in COMMANDS.items():
        if importlib.util.find_spec(module) is not None:
            out[name] = (module, help_)
    return out


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available command."""
    from llrsim import __version__

    parser = argparse.ArgumentParser(prog="llrsim", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"llrsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_) in _available().items():
        p = sub.add_parser(name, help=help_, description=help_)
        importlib.import_module(module).add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``llrsim`` script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 1
    try:
        return int(importlib.import_module(args._module).run(args))
    except LlrsimError as exc:
        print(f"llrsim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"llrsim {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
