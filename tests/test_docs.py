"""The generated documentation pages are up to date with the data, parameters and code."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "_generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """The reference pages written by the generator's command line into a temp dir."""
    out = tmp_path_factory.mktemp("docs")
    subprocess.run(
        [sys.executable, str(DOCS / "_generate.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        cwd=out,
    )
    return out


@pytest.mark.parametrize(
    "page", ["api.md", "data_sources.md", "model.md", "parameters.md", "scenarios.md"]
)
def test_committed_page_is_up_to_date(regenerated, page):
    fresh = (regenerated / page).read_text(encoding="utf-8")
    committed = (DOCS / page).read_text(encoding="utf-8")
    assert committed == fresh, f"docs/{page} is out of date: run python docs/_generate.py"


def test_pages_follow_the_metadata(gen, tmp_path):
    """The up-to-date check can fail: a changed title, year or parameter shows on the page."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    meta = data / "population" / "age_sex_2021.toml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(
        re.sub(r'^title = ".*"$', 'title = "A changed title"', text, count=1, flags=re.M),
        encoding="utf-8",
    )
    params = data / "parameters" / "costing.toml"
    ptext = params.read_text(encoding="utf-8")
    params.write_text(ptext.replace("value = 0.03", "value = 0.04", 1), encoding="utf-8")
    sources = gen.data_sources(data)
    assert "A changed title" in sources
    assert sources != (DOCS / "data_sources.md").read_text(encoding="utf-8")
    page = gen.parameters(data)
    assert "| `discounting.rate` | 0.04 |" in page
    assert page != (DOCS / "parameters.md").read_text(encoding="utf-8")


def test_every_table_and_parameter_is_on_its_page(gen):
    from llrsim.parameters import load_parameters
    from llrsim.tables import list_tables

    sources = (DOCS / "data_sources.md").read_text(encoding="utf-8")
    for name in list_tables():
        assert f"### `{name}`" in sources, name
    page = (DOCS / "parameters.md").read_text(encoding="utf-8")
    for file in sorted((ROOT / "data" / "parameters").glob("*.toml")):
        for pname in load_parameters(file.stem):
            assert f"| `{pname}` |" in page, pname


def test_scenarios_page_lists_every_field_of_every_kind():
    from llrsim.predicates import Predicate
    from llrsim.scenarios.instruments import KIND_MODELS
    from llrsim.scenarios.scenario import Scenario
    from llrsim.scenarios.values import Ranged

    page = (DOCS / "scenarios.md").read_text(encoding="utf-8")
    for kind, model in KIND_MODELS.items():
        section = page.split(f'### `kind = "{kind}"`', 1)
        assert len(section) == 2, f"no section for kind {kind}: run python docs/_generate.py"
        for field in model.model_fields:
            assert f"| `{field}` |" in page, f"{kind}.{field} missing from docs/scenarios.md"
    for model in (Scenario, Predicate, Ranged):
        for field in model.model_fields:
            assert f"| `{field}` |" in page, f"{model.__name__}.{field} missing"


def test_scenario_example_of_the_docs_is_valid_and_runs(gen):
    import llrsim
    from llrsim.scenarios import parse

    scenario = parse(gen.example_scenario(), origin="docs/scenarios.md")
    ids = [i.id for i in scenario.instruments_in_force()]
    assert "jobseeker_account" in ids and "vov" in ids
    pop = llrsim.synthesize(year=2024, n=2_000, seed=0)
    res = llrsim.simulate(pop, ["S0", scenario], years=range(2025, 2027), seed=0)
    assert res.scenarios == ["S0", "my_scenario"]


def test_api_page_lists_every_public_object(gen):
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    for _section, items in gen.api_objects():
        for qualname, _obj in items:
            assert f"### `{qualname}`" in page, f"{qualname}: run python docs/_generate.py"


def test_readme_example_runs(tmp_path, monkeypatch):
    """The example of the README runs as printed (outputs written into a temp dir)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README.md: no python example"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    assert (tmp_path / "budget.xlsx").is_file() and (tmp_path / "cost.png").is_file()


def _relative_links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    return [x for x in links if not x.startswith(("http://", "https://", "#", "mailto:"))]


@pytest.mark.parametrize(
    "path",
    [*sorted(DOCS.glob("*.md")), ROOT / "README.md"],
    ids=lambda p: p.name,
)
def test_relative_links_resolve(path):
    missing = []
    for target in _relative_links(path):
        file = target.split("#", 1)[0]
        if file and not (path.parent / file).exists():
            missing.append(target)
    assert not missing, f"{path.name}: broken links {missing}"
