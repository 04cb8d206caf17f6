"""Self-contained HTML report of a run (jinja2 template shipped in ``templates/``).

One file, no external resources: tables are HTML, plots are embedded as base64 PNG. Sections:
inventory of existing incentives, each scenario's answers to the five VIONA questions (target
group, eligible training, financing, relation to policy competences, impact / opportunities /
pitfalls), the multi-year budget by funder, take-up by target group, the Matthew effect,
cost per additional participant, outstanding rights, the plots and the run manifest.
"""

from __future__ import annotations

import base64
import io
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

import llrsim
from llrsim.report.export import HEADERS, export_manifest, standard_tables, usual_permissions

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from llrsim.results import Results

SECTIONS: tuple[str, ...] = (
    "Inventory of existing incentives",
    "Scenarios: the five questions",
    "Multi-year budget by funder",
    "Take-up by target group",
    "Matthew effect",
    "Cost per additional participant",
    "Outstanding rights (liability)",
    "Plots",
    "Run manifest",
)
"""Section headings, in order (tests check the report contains them)."""


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _html(frame: pd.DataFrame | None, float_format: str = "{:,.2f}") -> str:
    if frame is None:
        return ""
    out = frame.rename(columns=HEADERS)
    return out.to_html(
        index=False,
        escape=True,
        na_rep="",
        float_format=float_format.format,
        classes="table",
        border=0,
    )


def _budget_wide(
    res: Results, table: pd.DataFrame, rows: tuple[str, ...] | list[str] = ("scenario", "funder")
) -> pd.DataFrame:
    wide = table.pivot_table(
        index=list(rows),
        columns="year",
        values="cost_eur",
        aggfunc="sum",
        fill_value=0.0,
    ).reindex(columns=res.years, fill_value=0.0)
    wide["total"] = wide.sum(axis=1)
    wide = wide / 1e6
    wide.columns = [f"{c} (M EUR, nominal)" for c in wide.columns]
    return res.in_run_order(wide.reset_index())


def render_report(
    results: Results,
    inventory: pd.DataFrame | None = None,
    descriptions: pd.DataFrame | None = None,
    baseline: str | None = None,
    title: str = "llrsim: leer- en loopbaanrekening scenarios",
) -> str:
    """The report as an HTML string (see ``write_report``)."""
    res = results
    tables = standard_tables(res, baseline)
    b = res.default_baseline() if baseline is None else baseline
    manifest = export_manifest(res, baseline, list(tables))
    takeup = tables["participation"]
    last = res.years[-1]
    takeup_last = takeup.loc[takeup["year"] == last].drop(columns="year")
    inst = res.takeup(["scenario", "year", "instrument"])
    inst_last = inst.loc[inst["year"] == last].drop(columns="year")
    plots = {
        "Budget cost by funder": _png(res.plot.cost()),
        "Training participation by target group": _png(res.plot.takeup()),
        "Matthew effect": _png(res.plot.matthew()),
    }
    env = Environment(
        loader=PackageLoader("llrsim.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    template = env.get_template("report.html.j2")
    return template.render(
        title=title,
        version=llrsim.__version__,
        sections=SECTIONS,
        scenarios=res.scenarios,
        years=f"{res.years[0]}-{res.years[-1]}",
        baseline=b,
        base_year=res.base_year,
        inventory=_html(inventory),
        descriptions=_html(descriptions),
        budget=_html(_budget_wide(res, tables["cost_by_funder"]), "{:,.3f}"),
        competence=_html(
            _budget_wide(res, tables["cost_by_competence"], ["scenario", "competence"]),
            "{:,.3f}",
        ),
        takeup=_html(takeup_last, "{:,.3f}"),
        instrument_takeup=_html(inst_last, "{:,.3f}"),
        takeup_year=last,
        matthew=_html(tables["matthew"], "{:,.3f}"),
        cost_per_participant=_html(tables["cost_per_participant"]),
        liability=_html(res.liability(by=["scenario", "year", "funder"])),
        present_value=_html(tables["present_value"]),
        plots=plots,
        manifest=json.dumps(manifest, indent=2, sort_keys=True),
    )


def write_report(
    results: Results,
    path: str | Path,
    inventory: pd.DataFrame | None = None,
    descriptions: pd.DataFrame | None = None,
    baseline: str | None = None,
) -> Path:
    """Write a self-contained HTML report to ``path`` (atomic: temp file, then rename).

    ``inventory``: the inventory of existing incentives (any DataFrame, shown as given);
    ``descriptions``: one row per scenario with its answers to the five questions. Either may
    be None (the section then says it was not supplied).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_report(results, inventory, descriptions, baseline)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        usual_permissions(Path(tmp_name))
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path
