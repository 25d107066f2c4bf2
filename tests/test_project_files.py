"""The project's own files agree with each other (environment.yml vs pyproject.toml, notebooks' shape)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def _name_and_bound(spec: str) -> tuple[str, str | None]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(?:>=\s*([0-9][^,<\s]*))?", spec)
    assert m, spec
    return m.group(1).lower().replace("_", "-"), m.group(2)


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_specs = project["dependencies"] + project["optional-dependencies"]["test"]
    bounds = dict(_name_and_bound(s) for s in pip_specs)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    for spec in conda:
        name, bound = _name_and_bound(spec)
        if name in ("python", "pip"):
            continue
        assert name in bounds, f"environment.yml installs {name!r}, which pyproject.toml does not list"
        assert bound == bounds[name], f"{name}: environment.yml says >={bound}, pyproject.toml >={bounds[name]}"
    core = {_name_and_bound(s)[0] for s in project["dependencies"]}
    conda_names = {_name_and_bound(s)[0] for s in conda}
    assert core <= conda_names, f"pyproject core deps missing from environment.yml: {sorted(core - conda_names)}"
    py = next(s for s in conda if s.startswith("python"))
    assert project["requires-python"].lstrip(">=") in py


NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.md"))


def test_five_notebooks_in_reading_order():
    stems = [p.stem.split("_", 1)[1] for p in NOTEBOOKS]
    assert stems == ["data", "kde", "frc", "training", "evaluation"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_shape(path: Path):
    import jupytext

    nb = jupytext.read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, f"{path.name}: expected exactly one cell tagged 'parameters', found {len(params)}"
    for name in ("quick", "seed", "run_dir"):
        assert re.search(rf"^{name}\s*(:[^=\n]*)?=", params[0].source, re.M), f"{path.name}: parameters cell lacks {name!r}"
    assert "google.colab" in code[0].source, f"{path.name}: the first code cell must be the Colab install cell"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "Summary" in nb.cells[-1].source or "Summary" in "".join(c.source for c in nb.cells[-3:])
