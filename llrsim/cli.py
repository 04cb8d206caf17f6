"""Command line: ``llrsim <command> ...``.

Each command lives next to the concept it drives (``llrsim.population.cli``, ...) and exposes
``add_arguments(parser)`` and ``run(args) -> int``. Only the command named on the command
line is imported, so ``llrsim --help`` stays fast. Errors raised on purpose by the library end
with a one-line message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
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


def _chosen(argv: Sequence[str]) -> str | None:
    """The command named on the command line (the first word that is a command), if any."""
    for word in argv:
        if word in COMMANDS:
            return word
        if not word.startswith("-"):
            return None
    return None


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The argument parser; only the chosen command's module is imported (fast ``--help``)."""
    from llrsim import __version__

    parser = argparse.ArgumentParser(
        prog="llrsim",
        description="Microsimulation of the Flemish leer- en loopbaanrekening (LLR).",
    )
    parser.add_argument("--version", action="version", version=f"llrsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = _chosen(argv)
    for name, (module, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name == chosen:
            importlib.import_module(module).add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``llrsim`` script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
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
