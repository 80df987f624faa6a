"""The test suite's own layout: helpers shared between test modules live in tests/support/, and
no module under tests/ imports a test module (tests.unit.*, tests.integration.*). Importing
one runs its module-level set-up a second time and ties two suites' orders together; under
pytest-xdist the imported module may not even be on the same worker."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
TEST_PACKAGES = ("tests.unit", "tests.integration")


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Every module a source imports, absolute, with its line (relative imports resolved
    against tests/ as a package would need them: ``from . import x`` inside tests/unit is
    ``tests.unit.x``)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append((node.lineno, "." * node.level + (node.module or "")))
            else:
                found.append((node.lineno, node.module or ""))
                found.extend((node.lineno, f"{node.module}.{a.name}") for a in node.names)
    return found


def offending(source: str, package: str) -> list[str]:
    """The test modules ``source`` (a module of ``package``, e.g. ``tests.unit``) imports."""
    bad = []
    for line, module in imported_modules(source):
        if module.startswith("."):
            dots = len(module) - len(module.lstrip("."))
            parts = package.split(".")
            module = ".".join([*parts[: len(parts) - (dots - 1)], module.lstrip(".")])
        if module.startswith(TEST_PACKAGES) and module not in TEST_PACKAGES:
            bad.append(f"line {line} imports {module}")
    return bad


def test_no_module_under_tests_imports_a_test_module():
    modules = sorted(TESTS.rglob("*.py"))
    assert len(modules) > 50  # the walk found the suite
    problems = [
        f"{path.relative_to(TESTS.parent)}: {problem}"
        for path in modules
        for problem in offending(
            path.read_text(encoding="utf-8"),
            ".".join(path.relative_to(TESTS.parent).parent.parts),
        )
    ]
    assert problems == [], "move shared helpers to tests/support/:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "source",
    [
        "from tests.integration.test_faults import CASES\n",
        "import tests.unit.test_keys\n",
        "from tests.unit import test_keys\n",
        "def f():\n    from tests.integration.test_digests_api import follow\n",
        "from .test_keys import something\n",
        "from ..integration.test_faults import CASES\n",
    ],
)
def test_the_check_sees_absolute_relative_and_local_imports_of_test_modules(source):
    assert offending(source, "tests.unit")


def test_the_check_allows_support_and_conftest():
    allowed = "from tests.conftest import reset_layer_caches\nfrom tests.support import images\n"
    assert offending(allowed, "tests.unit") == []
