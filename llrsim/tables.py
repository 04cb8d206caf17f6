"""Loading and checking the sourced data tables shipped in ``data/``.

Every table is a CSV file ``name.csv`` with a metadata file ``name.toml`` beside it. The
metadata says where the numbers come from and what they mean, and declares the checks the
loader runs, so a malformed table is refused with the file and the row at fault instead of
silently producing a wrong population. Format of ``name.toml``::

    title = "Population of the Flemish Region by sex and single year of age"
    unit = "persons"
    year = 2021                       # reference year of the figures
    derivation = "..."                # optional: how the table was computed from the source
    assumption = false                # true when no source gives the numbers (labelled)

    [source]
    publisher = "Statbel"
    title = "Population by place of residence, nationality, marital status, age and gender"
    url = "https://statbel.fgov.be/..."

    [columns]                         # every column and its dtype, in file order
    age = "int64"
    men = "int64"

    [[checks]]                        # optional, any number
    kind = "nonnegative"              # nonnegative | range | shares | unique
    columns = ["men"]

``shares`` checks come in two forms: ``columns = [...]`` (the columns of each row sum to 1)
or ``column = "share"`` with ``by = [...]`` (the column sums to 1 within each group). Sums
must equal 1 within ``tolerance`` (default 1e-6). ``range`` takes ``column``, ``min``, ``max``.
``unique`` takes ``columns`` (no duplicate key rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llrsim.errors import DataError
from llrsim.tomlfile import read_toml

_ALLOWED_DTYPES = {"int64", "int32", "int16", "int8", "float64", "float32", "str", "bool"}
_REQUIRED_META = ("title", "unit", "year", "source", "columns")


@dataclass(frozen=True)
class Source:
    """Where a table's numbers come from."""

    publisher: str
    title: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Table:
    """A checked data table with its provenance."""

    name: str
    frame: pd.DataFrame
    title: str
    unit: str
    year: int | str
    source: Source
    derivation: str = ""
    assumption: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def cite(self) -> str:
        """One-line citation: publisher, title, year, URL."""
        return f"{self.source.publisher}, {self.source.title} ({self.year}), {self.source.url}"


def data_dir() -> Path:
    """Directory of the shipped data tables (the installed ``llrsim.data`` package)."""
    return Path(str(resources.files("llrsim.data")))


def _fail(path: Path, msg: str) -> None:
    raise DataError(f"{path}: {msg}")


def _read_meta(meta_path: Path) -> dict[str, Any]:
    if not meta_path.is_file():
        _fail(meta_path, "metadata file missing (every table needs a .toml beside its .csv)")
    meta = read_toml(meta_path, DataError, "metadata file")
    for key in _REQUIRED_META:
        if key not in meta:
            _fail(meta_path, f"required field '{key}' missing")
    src = meta["source"]
    for key in ("publisher", "title", "url"):
        if key not in src or not str(src[key]).strip():
            _fail(meta_path, f"field 'source.{key}' missing or empty")
    for col, dtype in meta["columns"].items():
        if dtype not in _ALLOWED_DTYPES:
            _fail(
                meta_path, f"column '{col}': dtype '{dtype}' not one of {sorted(_ALLOWED_DTYPES)}"
            )
    return meta


def _coerce(frame: pd.DataFrame, columns: dict[str, str], csv_path: Path) -> pd.DataFrame:
    got = list(frame.columns)
    want = list(columns)
    if got != want:
        _fail(csv_path, f"columns {got} do not match the declared columns {want}")
    out = {}
    for col, dtype in columns.items():
        series = frame[col]
        if dtype == "str":
            out[col] = series.astype(str)
            continue
        if dtype == "bool":
            bad = ~series.isin([True, False, 0, 1, "true", "false", "True", "False"])
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                _fail(csv_path, f"row {row + 1} (data row), column '{col}': not a boolean")
            out[col] = series.astype(str).str.lower().isin(["true", "1"])
            continue
        numeric = pd.to_numeric(series, errors="coerce")
        bad = numeric.isna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            _fail(
                csv_path,
                f"row {row + 1} (data row), column '{col}': "
                f"value {series.iloc[row]!r} is not a number",
            )
        if dtype.startswith("int"):
            if not np.all(np.equal(np.mod(numeric.to_numpy(dtype=float), 1), 0)):
                row = int(np.flatnonzero(np.mod(numeric.to_numpy(dtype=float), 1) != 0)[0])
                _fail(
                    csv_path,
                    f"row {row + 1} (data row), column '{col}': "
                    f"value {series.iloc[row]!r} is not an integer",
                )
        out[col] = numeric.astype(dtype)
    return pd.DataFrame(out)


def _first_bad_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0]) + 1


def _run_checks(frame: pd.DataFrame, checks: list[dict[str, Any]], csv_path: Path) -> None:
    for check in checks:
        kind = check.get("kind")
        if kind == "nonnegative":
            for col in check["columns"]:
                neg = frame[col].to_numpy() < 0
                if neg.any():
                    r = _first_bad_row(neg)
                    _fail(
                        csv_path,
                        f"row {r} (data row), column '{col}': negative value "
                        f"{frame[col].iloc[r - 1]}",
                    )
        elif kind == "range":
            col, lo, hi = check["column"], check["min"], check["max"]
            vals = frame[col].to_numpy()
            bad = (vals < lo) | (vals > hi)
            if bad.any():
                r = _first_bad_row(bad)
                _fail(
                    csv_path,
                    f"row {r} (data row), column '{col}': value {vals[r - 1]} outside [{lo}, {hi}]",
                )
        elif kind == "shares":
            tol = float(check.get("tolerance", 1e-6))
            if "columns" in check:
                sums = frame[check["columns"]].sum(axis=1).to_numpy()
                bad = np.abs(sums - 1.0) > tol
                if bad.any():
                    r = _first_bad_row(bad)
                    _fail(
                        csv_path,
                        f"row {r} (data row): shares {check['columns']} sum to "
                        f"{sums[r - 1]:.6f}, not 1",
                    )
            else:
                col = check["column"]
                by = check.get("by", [])
                if (frame[col].to_numpy() < 0).any():
                    r = _first_bad_row(frame[col].to_numpy() < 0)
                    _fail(csv_path, f"row {r} (data row), column '{col}': negative share")
                sums = (
                    frame.groupby(by)[col].transform("sum")
                    if by
                    else (pd.Series(frame[col].sum(), index=frame.index))
                )
                bad = np.abs(sums.to_numpy() - 1.0) > tol
                if bad.any():
                    r = _first_bad_row(bad)
                    _fail(
                        csv_path,
                        f"row {r} (data row): column '{col}' sums to "
                        f"{sums.iloc[r - 1]:.6f} within its group {by}, not 1",
                    )
        elif kind == "unique":
            dup = frame.duplicated(subset=check["columns"]).to_numpy()
            if dup.any():
                r = _first_bad_row(dup)
                _fail(csv_path, f"row {r} (data row): duplicate key {check['columns']}")
        else:
            _fail(csv_path.with_suffix(".toml"), f"unknown check kind {kind!r}")


def read_table(csv_path: str | Path) -> Table:
    """Read and check one table from any path (``x.csv`` with ``x.toml`` beside it).

    Raises :class:`~llrsim.errors.DataError` naming the file and the first row at fault.
    """
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise DataError(f"{csv_path}: table file not found")
    meta = _read_meta(csv_path.with_suffix(".toml"))
    try:
        raw = pd.read_csv(csv_path, comment="#", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{csv_path}: cannot parse CSV: {exc}") from exc
    frame = _coerce(raw, meta["columns"], csv_path)
    _run_checks(frame, meta.get("checks", []), csv_path)
    src = meta["source"]
    return Table(
        name=csv_path.stem,
        frame=frame,
        title=meta["title"],
        unit=meta["unit"],
        year=meta["year"],
        source=Source(src["publisher"], src["title"], src["url"], src.get("note", "")),
        derivation=meta.get("derivation", ""),
        assumption=bool(meta.get("assumption", False)),
        meta=meta,
    )


@cache
def load_table(name: str) -> Table:
    """Load a shipped table by its path under ``data/`` without suffix.

    Example: ``load_table("population/age_sex_2021")``.

    Tables are cached; treat the returned frame as read-only.
    """
    return read_table(data_dir() / f"{name}.csv")


def list_tables() -> list[str]:
    """Names of all shipped tables (paths under ``data/`` without suffix)."""
    root = data_dir()
    return sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.csv"))
