"""The tutorial notebooks run top to bottom, are stored without outputs, and match their
generator (``notebooks/_build.py``)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def _build_module():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "_build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_generated_notebook_is_committed_and_nothing_else():
    build = _build_module()
    assert {p.name for p in PATHS} == set(build.NOTEBOOKS)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_is_up_to_date_and_without_outputs(path):
    build = _build_module()
    text = path.read_text(encoding="utf-8")
    assert text == build.render(path.name, build.NOTEBOOKS[path.name]), (
        f"{path.name} differs from notebooks/_build.py; run python notebooks/_build.py"
    )
    nb = json.loads(text)
    assert nb["nbformat"] == 4
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_a_failing_cell_fails_the_run(tmp_path, monkeypatch):
    """The execution check can fail: a notebook with an error is reported as such."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import llrsim\nllrsim.scenarios.load('S99')")]
    client = NotebookClient(nb, timeout=120, kernel_name="python3")
    with pytest.raises(CellExecutionError, match="unknown scenario"):
        client.execute(cwd=str(tmp_path))


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False)
    client.execute(cwd=str(tmp_path))  # raises CellExecutionError on the first failing cell
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
