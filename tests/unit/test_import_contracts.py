"""The dependency rule of docs/ARCHITECTURE.md ("The layers"): import-linter's contracts in
pyproject.toml hold for the code, they cover every part of the layer, and they do catch an
arrow that points back (checked on a copy of the code with one bad import added)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common" / "byline"
LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
)


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the tree at ``root`` (its byline, functions and local packages)."""
    paths = [str(root / "layers" / "common"), str(root), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    return subprocess.run(  # noqa: S603 - this interpreter and a fixed program
        [sys.executable, "-c", LINT],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_every_arrow_points_down():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_every_part_of_the_layer_sits_in_a_layer():
    """A new top-level module or package of the layer must be placed in the picture."""
    (layers,) = [c["layers"] for c in _contracts() if c["type"] == "layers"]
    assert isinstance(layers, list)
    placed = {
        name.strip().removeprefix("byline.")
        for layer in layers
        for name in layer.replace("|", ":").split(":")
    }
    parts = {
        p.stem if p.is_file() else p.name
        for p in LAYER.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    assert parts - placed == set()


def test_services_are_forbidden_http_and_boto3():
    (forbidden,) = [c for c in _contracts() if c.get("source_modules") == ["byline.services"]]
    modules = forbidden["forbidden_modules"]
    assert isinstance(modules, list)
    assert {"byline.http", "boto3", "botocore"} <= set(modules)


def test_an_arrow_pointing_back_breaks_the_contract(tmp_path: Path):
    """The same check on a copy of the code in which a repository imports a service."""
    for part in ("functions", "local"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    layer_copy = tmp_path / "layers" / "common" / "byline"
    shutil.copytree(LAYER, layer_copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bad = layer_copy / "data" / "backwards.py"
    bad.write_text("from byline.services import articles  # noqa: F401\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "byline.data.backwards -> byline.services.articles" in result.stdout
