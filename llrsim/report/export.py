"""Exports of a ``Results``: Parquet, CSV and Excel, always with the run manifest.

Every export writes the same standard tables (``standard_tables``). Writes are atomic: the
files go to a temporary sibling first and are renamed into place only when complete, so a
failure never leaves a partial export under the requested name. An existing target is
replaced only if it is a previous llrsim export (a directory with ``manifest.json``, or an
``.xlsx`` file); anything else raises ``FileExistsError``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

import llrsim
from llrsim.errors import DataError

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from llrsim.results import Results

EXPORT_KEY = "llrsim_export"

HEADERS: dict[str, str] = {
    "cost_eur": "cost (EUR, nominal)",
    "cost_eur_constant": "cost (EUR, constant prices of the base year)",
    "baseline_cost_eur": "baseline cost (EUR, nominal)",
    "extra_cost_eur": "extra cost vs baseline (EUR, nominal)",
    "present_value_eur": "present value (EUR)",
    "undiscounted_eur": "undiscounted cost (EUR)",
    "outstanding_eur": "outstanding rights (EUR)",
    "expected_redemption_eur": "expected redemption (EUR)",
    "reimbursement_eur_per_hour": "reimbursement (EUR per hour)",
    "closing_hours": "closing balance (hours)",
    "closing": "closing balance (instrument unit)",
    "eligible": "eligible (persons)",
    "users": "users (persons)",
    "takeup_rate": "take-up rate (users / eligible)",
    "deadweight_users": "deadweight users (persons)",
    "deadweight_share": "deadweight share (deadweight / users)",
    "additional_users": "additional users (persons)",
    "transactions": "transactions (count)",
    "persons": "persons",
    "participants": "participants (persons)",
    "baseline_participants": "baseline participants (persons)",
    "extra_participants": "extra participants vs baseline (persons)",
    "participation_rate": "participation rate (participants / persons)",
    "participants_baseline": "would train anyway (persons)",
    "additional_participants": "additional participants (persons)",
    "training_hours": "training (hours)",
    "extra_training_hours": "extra training vs baseline (hours)",
    "matthew_ratio": "Matthew ratio (high / low educated)",
    "cost_per_additional_participant_eur": "cost per additional participant (EUR, nominal)",
    "redemption_rate": "redemption rate (assumption)",
    "rate": "discount rate (per year)",
    "imbalance": "imbalance (instrument unit)",
}
"""Column -> header with unit, used in Excel (tidy files keep the column names)."""

DESCRIPTIONS: dict[str, str] = {
    "cost_lines": "every cost line: scenario, year, group, instrument, funder, competence, "
    "component, item; EUR nominal (groups overlap; total = group 'all')",
    "cost_by_funder": "budget by scenario, year, funder and component (EUR nominal and constant)",
    "cost_by_instrument": "budget by scenario, year, instrument, funder, competence, component",
    "cost_by_competence": "budget by scenario, year, policy competence level and funder",
    "takeup": "per instrument: eligible, users, take-up, deadweight (persons per year)",
    "participation": "training participation by target group (persons per year; hours)",
    "matthew": "participation high-educated / low-educated (Matthew ratio)",
    "matthew_by_instrument": "take-up high-educated / low-educated per instrument",
    "cost_per_participant": "extra cost per additional participant vs baseline, per group "
    "(person-years over the horizon)",
    "compare": "each scenario vs the baseline by year: cost and participation differences",
    "ledger": "balance ledger per instrument (instrument unit) with exact balance check",
    "liability": "outstanding rights at year end valued in EUR; expected redemption",
    "present_value": "present value of the multi-year cost (constant prices, real rate)",
}


def standard_tables(res: Results, baseline: str | None = None) -> dict[str, pd.DataFrame]:
    """The tidy tables every export writes; ``baseline`` default ``res.default_baseline()``."""
    b = res.default_baseline() if baseline is None else baseline
    by_funder = ["scenario", "year", "funder", "component"]
    nominal = res.cost(by_funder)
    constant = res.cost(by_funder, prices="constant").rename(
        columns={"cost_eur": "cost_eur_constant"}
    )
    return {
        "cost_lines": res.cost_lines(),
        "cost_by_funder": nominal.merge(constant, on=by_funder, validate="one_to_one"),
        "cost_by_instrument": res.cost(
            ["scenario", "year", "instrument", "funder", "competence", "component"]
        ),
        "cost_by_competence": res.cost(["scenario", "year", "competence", "funder"]),
        "takeup": res.takeup(),
        "participation": res.participation(),
        "matthew": res.matthew(),
        "matthew_by_instrument": res.matthew(["scenario", "year", "instrument"]),
        "cost_per_participant": res.cost_per_participant(b),
        "compare": res.compare(b),
        "ledger": res.ledger(),
        "liability": res.liability(),
        "present_value": res.present_value(),
    }


def export_manifest(res: Results, baseline: str | None, tables: list[str]) -> dict[str, Any]:
    """The run manifest plus an ``llrsim_export`` section (version, baseline, assumptions,
    price base year, tables written)."""
    if EXPORT_KEY in res.manifest:
        raise DataError(f"manifest key {EXPORT_KEY!r} is reserved for the export section")
    return {
        **res.manifest,
        EXPORT_KEY: {
            "llrsim_version": llrsim.__version__,
            "baseline": res.default_baseline() if baseline is None else baseline,
            "costing_assumptions": res.assumptions.as_dict(),
            "price_base_year": res.base_year,
            "tables": tables,
        },
    }


def usual_permissions(path: Path) -> None:
    """Give a file or folder made by ``tempfile`` (private, 0600/0700) the permissions an
    ordinary ``open()``/``mkdir()`` would give it under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~mask)


def replace_folder(tmp: Path, target: Path) -> None:
    """Put the finished folder ``tmp`` at ``target``, replacing what is there: the old folder
    is moved aside first and removed only after the rename, so ``target`` is never half
    written."""
    if target.exists():
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex}")
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old)
    else:
        os.replace(tmp, target)


def _replaceable(target: Path) -> None:
    if not target.exists():
        return
    if target.is_dir():
        if any(target.iterdir()) and not (target / "manifest.json").exists():
            raise FileExistsError(f"{target} exists and is not an llrsim export; not replacing")
    elif target.suffix != ".xlsx":
        raise FileExistsError(f"{target} exists and is not an .xlsx file; not replacing")


def _write_dir(
    res: Results,
    target: Path,
    baseline: str | None,
    write_one: Callable[[pd.DataFrame, Path], None],
) -> Path:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _replaceable(target)
    tables = standard_tables(res, baseline)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp-"))
    try:
        usual_permissions(tmp)
        for name, frame in tables.items():
            write_one(frame, tmp / name)
        manifest = export_manifest(res, baseline, list(tables))
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
        for written in tmp.iterdir():
            usual_permissions(written)
        replace_folder(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def write_parquet(res: Results, directory: Path, baseline: str | None = None) -> Path:
    """``<name>.parquet`` per standard table + ``manifest.json`` in ``directory`` (atomic)."""
    return _write_dir(
        res, directory, baseline, lambda f, p: f.to_parquet(p.with_suffix(".parquet"), index=False)
    )


def write_csv(res: Results, directory: Path, baseline: str | None = None) -> Path:
    """``<name>.csv`` per standard table + ``manifest.json`` in ``directory`` (atomic)."""
    return _write_dir(
        res, directory, baseline, lambda f, p: f.to_csv(p.with_suffix(".csv"), index=False)
    )


def _year_columns(
    res: Results, frame: pd.DataFrame, rows: list[str], value: str, unit: str
) -> pd.DataFrame:
    """Multi-year budget layout: one row per ``rows`` combination, one column per year
    (header ``"<year> (<unit>)"``) and a total column. Absent combinations cost 0."""
    wide = frame.pivot_table(
        index=rows, columns="year", values=value, aggfunc="sum", fill_value=0.0
    )
    wide = wide.reindex(columns=res.years, fill_value=0.0)
    wide["total"] = wide.sum(axis=1)
    wide.columns = [f"{c} ({unit})" for c in wide.columns]
    return res.in_run_order(wide.reset_index())


def excel_sheets(res: Results, baseline: str | None = None) -> dict[str, pd.DataFrame]:
    """Sheet name -> table of the Excel workbook (README and manifest first)."""
    tables = standard_tables(res, baseline)
    b = res.default_baseline() if baseline is None else baseline
    manifest = export_manifest(res, baseline, list(tables))
    fund = tables["cost_by_funder"]
    sheets: dict[str, pd.DataFrame] = {}
    readme = [
        ("llrsim", f"version {llrsim.__version__}: leer- en loopbaanrekening microsimulation"),
        ("baseline scenario", b),
        ("price base year", str(res.base_year)),
        *[(f"assumption: {k}", str(v)) for k, v in res.assumptions.as_dict().items()],
        ("money", "EUR; nominal unless the header says constant prices"),
        ("counts", "persons per year (weighted); summed over years = person-years"),
        ("target groups", "overlap; 'all' is everybody: never add groups up"),
        ("empty ratio cells", "undefined (zero denominator); the *_note column says why"),
        ("budget totals", "total cost per scenario (all funders and components); years as columns"),
        ("budget nominal", "multi-year budget by scenario, funder, component; years as columns"),
        ("budget constant", f"the same in constant prices of {res.base_year} (health index)"),
        ("budget by instrument", "nominal, by instrument, funder, competence and component"),
        ("budget by competence", "nominal, by policy competence level and funder"),
        *[
            (name.replace("_", " "), text)
            for name, text in DESCRIPTIONS.items()
            if not name.startswith("cost_") or name == "cost_per_participant"
        ],
    ]
    sheets["README"] = pd.DataFrame(readme, columns=["item", "description"])
    sheets["manifest"] = pd.DataFrame(
        [
            (k, v if isinstance(v, str) else json.dumps(v, sort_keys=True))
            for k, v in manifest.items()
        ],
        columns=["key", "value"],
    )
    total = res.cost(["scenario", "year"])
    sheets["budget totals"] = _year_columns(res, total, ["scenario"], "cost_eur", "EUR, nominal")
    rows = ["scenario", "funder", "component"]
    sheets["budget nominal"] = _year_columns(res, fund, rows, "cost_eur", "EUR, nominal")
    sheets["budget constant"] = _year_columns(
        res, fund, rows, "cost_eur_constant", f"EUR, {res.base_year} prices"
    )
    sheets["budget by instrument"] = _year_columns(
        res,
        tables["cost_by_instrument"],
        ["scenario", "instrument", "funder", "competence", "component"],
        "cost_eur",
        "EUR, nominal",
    )
    sheets["budget by competence"] = _year_columns(
        res,
        tables["cost_by_competence"],
        ["scenario", "competence", "funder"],
        "cost_eur",
        "EUR, nominal",
    )
    for name in (
        "takeup",
        "participation",
        "matthew",
        "matthew_by_instrument",
        "cost_per_participant",
        "compare",
        "liability",
        "present_value",
        "ledger",
    ):
        sheets[name.replace("_", " ")] = tables[name].rename(columns=HEADERS)
    return sheets


def _format_sheet(ws: Worksheet) -> None:
    from openpyxl.styles import Font

    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for col in ws.columns:
        width = max(len(str(c.value)) if c.value is not None else 0 for c in col)
        ws.column_dimensions[col[0].column_letter].width = min(max(10, width + 2), 60)
        for c in col[1:]:
            if isinstance(c.value, float):
                c.number_format = "#,##0.00"


def write_excel(res: Results, path: Path, baseline: str | None = None) -> Path:
    """Workbook for budget officers at ``path`` (atomic: temp file, then rename)."""
    path = Path(path)
    if path.suffix != ".xlsx":
        raise ValueError(f"to_excel: path must end in .xlsx, got {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    _replaceable(path)
    sheets = excel_sheets(res, baseline)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.tmp-", suffix=".xlsx")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                frame.to_excel(writer, sheet_name=name, index=False)
                _format_sheet(writer.sheets[name])
        usual_permissions(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
