"""``llrsim compare``: the report, Excel and Parquet of one small run; argument checks before
any expensive work; atomic output (nothing partial, only earlier llrsim outputs replaced)."""

import contextlib
import io
import json
import re
import shutil
from html import unescape

import numpy as np
import pandas as pd
import pytest

import llrsim
import llrsim.report
from llrsim import compare
from llrsim.cli import main
from llrsim.report.html import SECTIONS

SCENARIOS = ["S0", "S1", "S2", "S3", "S4", "S5", "S6"]
N, FIRST, LAST = 3000, 2025, 2027
SMALL = ["--n", str(N), "--years", f"{FIRST}-{LAST}"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One default-scenario compare run (small n, three years): status, stdout, stderr, out."""
    out = tmp_path_factory.mktemp("compare") / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(["compare", *SMALL, "--out", str(out)])
    return {"status": status, "out": out, "stdout": stdout.getvalue(), "err": stderr.getvalue()}


@pytest.fixture(scope="module")
def res():
    """The same run through the library (results are deterministic)."""
    pop = llrsim.synthesize(year=2024, n=N, seed=0)
    return llrsim.simulate(pop, SCENARIOS, years=range(FIRST, LAST + 1), seed=0)


def _siblings(folder):
    """Everything in ``folder`` (temporary siblings included: names starting with '.')."""
    return sorted(p.name for p in folder.iterdir())


def test_exit_zero_and_every_output_written(run):
    assert run["status"] == 0, run["err"]
    out = run["out"]
    assert (out / "report.html").is_file()
    assert (out / "llrsim.xlsx").is_file()
    assert (out / "parquet" / "manifest.json").is_file()
    marker = json.loads((out / compare.MARKER).read_text())
    assert marker[compare.MARKER_KEY]["arguments"]["scenarios"] == SCENARIOS
    assert marker[compare.MARKER_KEY]["arguments"]["years"] == [FIRST, LAST]
    assert _siblings(out.parent) == ["out"]  # no temporary folder left behind


def test_terminal_summary_progress_and_paths(run, res):
    text = run["stdout"]
    assert f"Total {FIRST}-{LAST}" in text and "M EUR" in text
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    total = res.cost(["scenario"]).set_index("scenario")["cost_eur"] / 1e6
    for s in SCENARIOS:
        assert f"{total[s]:,.1f}" in lines[s].split(), (s, lines[s])
    for name in ("report.html", "llrsim.xlsx", "parquet"):
        assert str(run["out"] / name) in text
    for stage in ("synthesize", "simulate", "write report.html", "write llrsim.xlsx"):
        assert re.search(rf"{stage}.*: \d+\.\d s", run["err"]), stage


def test_report_has_every_scenario_and_section(run):
    html = unescape((run["out"] / "report.html").read_text(encoding="utf-8"))
    for section in SECTIONS:
        assert section in html, section
    for s in SCENARIOS:
        assert f">{s}<" in html, s
    assert "Opleidingscheques" in html  # the inventory / instrument rows
    assert "awareness uplift 0.3" in html  # S1's scenario-level answer
    assert html.count("data:image/png;base64,") >= 3


def test_descriptions_answer_the_questions_for_every_scenario():
    scs = [llrsim.scenarios.load(s) for s in ("S0", "S4")]
    d = compare.descriptions(scs)
    assert list(d["scenario"].unique()) == ["S0", "S4"]
    for col in ("target_group", "training_types", "financing", "competence", "mechanism"):
        assert d[col].notna().all() and (d[col] != "").all(), col
    s4 = d.loc[d["scenario"] == "S4", "instrument"].tolist()
    assert s4[0] == "(scenario)" and "llr_money_selective" in s4


def test_excel_budget_equals_results_cost(run, res):
    path = run["out"] / "llrsim.xlsx"
    totals = pd.read_excel(path, sheet_name="budget totals")
    expected = res.cost(["scenario", "year"]).pivot(
        index="scenario", columns="year", values="cost_eur"
    )
    assert list(totals["scenario"]) == SCENARIOS
    got = totals.set_index("scenario")
    for year in range(FIRST, LAST + 1):
        np.testing.assert_allclose(
            got[f"{year} (EUR, nominal)"], expected.loc[SCENARIOS, year], rtol=0, atol=1e-6
        )
    np.testing.assert_allclose(
        got["total (EUR, nominal)"], expected.loc[SCENARIOS].sum(axis=1), rtol=0, atol=1e-6
    )
    nominal = pd.read_excel(path, sheet_name="budget nominal")
    keys = ["scenario", "funder", "component"]
    by = res.cost([*keys, "year"]).groupby(keys)["cost_eur"].sum()
    sheet = nominal.set_index(keys)["total (EUR, nominal)"]
    np.testing.assert_allclose(sheet.sort_index(), by.sort_index(), rtol=0, atol=1e-6)
    assert sheet.sum() > 0


def test_parquet_tables_reopen_and_match(run, res):
    folder = run["out"] / "parquet"
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in manifest["llrsim_export"]["tables"]:
        frame = pd.read_parquet(folder / f"{name}.parquet")
        assert len(frame) > 0, name
    fund = pd.read_parquet(folder / "cost_by_funder.parquet")
    keys = ["scenario", "year", "funder", "component"]
    pd.testing.assert_series_equal(
        fund.set_index(keys)["cost_eur"].sort_index(),
        res.cost(keys).set_index(keys)["cost_eur"].sort_index(),
    )
    assert manifest["seed"] == 0 and manifest["years"] == list(range(FIRST, LAST + 1))


def _no_synthesis(*args, **kwargs):
    raise AssertionError("synthesize() called before the arguments were checked")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scenarios", "S0,S9"], "unknown scenario 'S9'"),
        (["--scenarios", "S0,S1+S9"], "unknown scenario 'S9'"),
        (["--scenarios", "S0,,S4"], "empty item"),
        (["--scenarios", "S0,S4,S0"], "'S0' given twice"),
        (["--scenarios", "missing.toml"], "missing.toml: scenario file not found"),
        (["--years", "2027-2025"], "last year 2025 is before first year 2027"),
        (["--years", "2026-2030"], "must start in 2025"),
        (["--years", "2025-2100"], "at most 60 years"),
        (["--years", "soon"], "expected FIRST-LAST"),
        (["--n", "0"], "--n: must be 'full' or a positive integer, got 0"),
        (["--n", "-5"], "positive integer"),
        (["--n", "many"], "--n: expected an integer"),
        (["--seed", "-1"], "--seed"),
        (["--base-year", "1990", "--years", "1991-1992"], "--base-year: must be in"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(llrsim, "synthesize", _no_synthesis)
    monkeypatch.chdir(tmp_path)  # a relative scenario path resolves here
    status = main(["compare", *argv, "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("llrsim compare: error: ") and message in captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert _siblings(tmp_path) == []


def test_invalid_scenario_file_names_the_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(llrsim, "synthesize", _no_synthesis)
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "X"\nname = 3\n')
    status = main(["compare", "--scenarios", f"S0,{bad}", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert str(bad) in err and "name" in err
    assert _siblings(tmp_path) == ["bad.toml"]


def test_refuses_to_overwrite_a_folder_that_is_not_llrsim_output(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(llrsim, "synthesize", _no_synthesis)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("keep me")
    assert main(["compare", "--out", str(mine)]) == 2
    err = capsys.readouterr().err
    assert "is not an llrsim output" in err and err.count("\n") == 1
    assert (mine / "thesis.txt").read_text() == "keep me"
    assert _siblings(mine) == ["thesis.txt"] and _siblings(tmp_path) == ["mine"]
    (tmp_path / "file").write_text("x")
    assert main(["compare", "--out", str(tmp_path / "file")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_replaces_an_earlier_llrsim_output(run, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(run["out"], out)
    (out / "stale.txt").write_text("from the earlier run")
    status = main(["compare", "--n", "2000", "--years", "2025-2026", "--scenarios", "S0,S4",
                   "--out", str(out)])  # fmt: skip
    assert status == 0, capsys.readouterr().err
    assert not (out / "stale.txt").exists()
    marker = json.loads((out / compare.MARKER).read_text())[compare.MARKER_KEY]
    assert marker["arguments"]["scenarios"] == ["S0", "S4"] and marker["arguments"]["n"] == 2000
    totals = pd.read_excel(out / "llrsim.xlsx", sheet_name="budget totals")
    assert list(totals["scenario"]) == ["S0", "S4"]
    assert _siblings(tmp_path) == ["out"]


def test_failure_while_writing_keeps_the_earlier_output(run, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(run["out"], out)
    before = (out / compare.MARKER).read_text()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(llrsim.report, "write_report", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        main(["compare", "--n", "2000", "--years", "2025-2025", "--out", str(out)])
    assert (out / compare.MARKER).read_text() == before
    assert _siblings(tmp_path) == ["out"]  # the temporary folder is removed


def test_library_value_error_becomes_one_line(tmp_path, capsys, monkeypatch):
    def refuse(**kwargs):
        raise ValueError("year 2024: no population table")

    monkeypatch.setattr(llrsim, "synthesize", refuse)
    assert main(["compare", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == "llrsim compare: error: year 2024: no population table"
    assert "Traceback" not in err and _siblings(tmp_path) == []
