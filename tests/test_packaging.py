"""The package ships what it reads, and its code passes the linter."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import llrsim
from llrsim.tables import data_dir, list_tables, load_table

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        "llrsim." + ".".join(p.parent.relative_to(ROOT / "llrsim").parts)
        for p in (ROOT / "llrsim").rglob("__init__.py")
    }
    on_disk = {s.rstrip(".") for s in on_disk} | {"llrsim.data"}
    assert on_disk <= listed, f"subpackages missing from pyproject: {on_disk - listed}"


def test_installed_data_matches_repository_data():
    shipped = {
        str(p.relative_to(data_dir()))
        for p in data_dir().rglob("*")
        if p.suffix in {".csv", ".toml"}
    }
    repo = {
        str(p.relative_to(ROOT / "data"))
        for p in (ROOT / "data").rglob("*")
        if p.suffix in {".csv", ".toml"}
    }
    assert repo == shipped, f"data files not shipped: {repo - shipped}; stale: {shipped - repo}"


def test_every_shipped_table_loads_and_names_its_source():
    names = list_tables()
    assert names, "no data tables shipped"
    for name in names:
        t = load_table(name)
        assert t.source.url.startswith(("http", "assumption", "derived")), name
        assert len(t.frame) > 0, name


def test_version_is_set():
    assert llrsim.__version__ != "0+unknown"


def test_ruff_lint_and_format_clean():
    ruff = shutil.which("ruff")
    assert ruff is not None, "ruff is a test dependency; install '.[test]'"
    subprocess.run([ruff, "check", str(ROOT)], check=True, cwd=ROOT)
    subprocess.run([ruff, "format", "--check", str(ROOT)], check=True, cwd=ROOT)


def test_cli_help_runs():
    out = subprocess.run(
        [sys.executable, "-m", "llrsim.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "llrsim" in out.stdout
