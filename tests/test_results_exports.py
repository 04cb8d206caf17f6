"""Exports reopen with equal numbers; writes are atomic; plots and the HTML report are produced."""

from __future__ import annotations

import json
import re
from html import unescape

import matplotlib
import numpy as np
import openpyxl
import pandas as pd
import pytest
from matplotlib.figure import Figure
from test_costing_fixture import MANIFEST, YEARS, make_results

import llrsim.report.export as export
from llrsim.report import write_report
from llrsim.report.html import SECTIONS

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def res():
    return make_results()


def _same(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    assert list(a.columns) == list(b.columns), name
    assert len(a) == len(b), name
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
            xa = x.to_numpy(dtype="float64", na_value=np.nan)
            ya = y.to_numpy(dtype="float64", na_value=np.nan)
            assert np.array_equal(np.isnan(xa), np.isnan(ya)), (name, col)
            ok = ~np.isnan(xa)
            assert np.allclose(xa[ok], ya[ok], rtol=1e-12, atol=0), (name, col)
        elif pd.api.types.is_bool_dtype(x):
            assert (x.astype(bool).to_numpy() == y.astype(bool).to_numpy()).all(), (name, col)
        else:
            xs = x.astype("str").to_numpy()
            ys = y.fillna("").astype("str").to_numpy()
            assert (xs == ys).all(), (name, col)


def test_parquet_round_trip_with_manifest(res, tmp_path):
    out = res.to_parquet(tmp_path / "run")
    tables = res.tables()
    for name, frame in tables.items():
        back = pd.read_parquet(out / f"{name}.parquet")
        _same(frame, back, name)
    manifest = json.loads((out / "manifest.json").read_text())
    for key, value in MANIFEST.items():
        assert manifest[key] == value
    assert manifest["llrsim_export"]["baseline"] == "S0"
    assert manifest["llrsim_export"]["tables"] == list(tables)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_csv_round_trip(res, tmp_path):
    out = res.to_csv(tmp_path / "csv")
    for name, frame in res.tables().items():
        notes = {c: "str" for c in frame.columns if c.endswith("_note")}
        back = pd.read_csv(out / f"{name}.csv", dtype=notes, keep_default_na=False, na_values=[""])
        for col in notes:  # note columns: empty string means 'defined'
            back[col] = back[col].fillna("")
        _same(frame, back, name)
    assert (out / "manifest.json").exists()


def test_excel_workbook_for_budget_officers(res, tmp_path):
    path = res.to_excel(tmp_path / "budget.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames[:2] == ["README", "manifest"]
    assert "budget nominal" in wb.sheetnames and "budget constant" in wb.sheetnames
    budget = pd.read_excel(path, sheet_name="budget nominal")
    year_cols = [f"{y} (EUR, nominal)" for y in YEARS]
    assert list(budget.columns) == [
        "scenario",
        "funder",
        "component",
        *year_cols,
        "total (EUR, nominal)",
    ]
    cost = res.cost(["scenario", "year", "funder", "component"])
    for _, row in cost.iterrows():
        cell = budget.loc[
            (budget["scenario"] == row["scenario"])
            & (budget["funder"] == row["funder"])
            & (budget["component"] == row["component"]),
            f"{row['year']} (EUR, nominal)",
        ]
        assert cell.iloc[0] == pytest.approx(row["cost_eur"], rel=1e-12)
    s5 = budget.loc[(budget["scenario"] == "S5") & (budget["component"] == "it")]
    assert s5["total (EUR, nominal)"].iloc[0] == pytest.approx(1_600_000.0)
    takeup = pd.read_excel(path, sheet_name="takeup")
    assert "take-up rate (users / eligible)" in takeup.columns
    assert "eligible (persons)" in takeup.columns
    manifest = pd.read_excel(path, sheet_name="manifest").set_index("key")["value"]
    assert int(manifest["seed"]) == 1
    assert json.loads(manifest["scenario_hashes"]) == MANIFEST["scenario_hashes"]
    readme = pd.read_excel(path, sheet_name="README")
    assert "price base year" in set(readme["item"])
    undescribed = set(wb.sheetnames) - set(readme["item"]) - {"README", "manifest"}
    assert not undescribed
    constant = pd.read_excel(path, sheet_name="budget constant")
    base = res.base_year
    assert f"{YEARS[-1]} (EUR, {base} prices)" in constant.columns


def test_a_failed_write_leaves_the_previous_export_untouched(res, tmp_path, monkeypatch):
    target = res.to_parquet(tmp_path / "run")
    before = sorted(p.name for p in target.iterdir())
    calls = {"n": 0}
    original = pd.DataFrame.to_parquet

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing)
    with pytest.raises(OSError, match="disk full"):
        res.to_parquet(target)
    assert sorted(p.name for p in target.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary left behind
    monkeypatch.setattr(export, "standard_tables", lambda *a: (_ for _ in ()).throw(OSError("x")))
    with pytest.raises(OSError):
        res.to_excel(tmp_path / "new.xlsx")
    assert not (tmp_path / "new.xlsx").exists()


def test_an_unrelated_directory_is_not_overwritten(res, tmp_path):
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.docx").write_text("precious")
    with pytest.raises(FileExistsError):
        res.to_csv(other)
    assert (other / "thesis.docx").read_text() == "precious"


def test_plots_return_labelled_figures(res):
    for fig in (
        res.plot.cost(),
        res.plot.cost(prices="constant"),
        res.plot.takeup(),
        res.plot.matthew(),
    ):
        assert isinstance(fig, Figure)
        axes = fig.get_axes()
        assert axes
        assert axes[0].get_ylabel() and axes[0].get_xlabel()
    assert "EUR" in res.plot.cost().get_axes()[0].get_ylabel()
    fig = res.plot.takeup(year=2025, instrument="account")
    assert "eligible" in fig.get_axes()[0].get_ylabel()
    with pytest.raises(ValueError, match="unknown instrument"):
        res.plot.takeup(instrument="nope")


def test_html_report_is_self_contained_and_has_every_section(res, tmp_path):
    inventory = pd.DataFrame({"instrument": ["VOV"], "funder": ["Flemish government"]})
    descriptions = pd.DataFrame(
        {
            "scenario": ["S3"],
            "target group": ["all employees"],
            "eligible training": ["databank"],
            "financing": ["Flemish government"],
            "competences": ["flemish"],
            "impact, opportunities, pitfalls": ["<broad> & simple"],
        }
    )
    path = write_report(res, tmp_path / "report.html", inventory, descriptions)
    html = path.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert section in html, section
    assert html.count("data:image/png;base64,") == 3
    assert "&lt;broad&gt; &amp; simple" in html  # caller text is escaped
    assert "Flemish government" in html and "Matthew" in html
    assert "<script" not in html and 'src="http' not in html
    assert '"seed": 1' in unescape(html)
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert not re.search(r">\s*(nan|NaN|<NA>)\s*<", text)
    bare = write_report(res, tmp_path / "bare.html").read_text(encoding="utf-8")
    assert "No inventory supplied" in bare


def test_exports_get_ordinary_file_permissions(tmp_path):
    """Files written through tempfile are private (0600); exports must not be."""
    import os

    import llrsim
    from llrsim.report import write_report

    res = llrsim.simulate(llrsim.synthesize(2024, 2_000, seed=0), ["S0"], years=[2025])
    mask = os.umask(0)
    os.umask(mask)
    want_file, want_dir = 0o666 & ~mask, 0o777 & ~mask
    xlsx = res.to_excel(tmp_path / "b.xlsx")
    html = write_report(res, tmp_path / "r.html")
    pq = res.to_parquet(tmp_path / "pq")
    assert os.stat(xlsx).st_mode & 0o777 == want_file
    assert os.stat(html).st_mode & 0o777 == want_file
    assert os.stat(pq).st_mode & 0o777 == want_dir
    assert all(os.stat(p).st_mode & 0o777 == want_file for p in pq.iterdir())
