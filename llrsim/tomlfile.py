"""Reading the TOML files llrsim ships or is given: one place for their file errors.

Parameter files, scenario files, the target-group registry, table metadata and Monte Carlo
specs are all TOML; each reader raises its own error class (``ParameterError``,
``ScenarioError``, ``DataError``, ...) with the path and what is wrong.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: str | Path, error: type[Exception], what: str = "file") -> dict[str, Any]:
    """The parsed TOML document of ``path``.

    A missing file raises ``error("<path>: <what> not found")``, invalid TOML
    ``error("<path>: invalid TOML: <parser message>")``.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: invalid TOML: {exc}") from exc
