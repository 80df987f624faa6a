"""tests/unit is the fast set (``make test-fast``): pure logic, and services against in-memory
fakes (tests/support/memory_table.py). Nothing here may start moto, the local stack or any
emulated AWS: a unit test that asks for ``moto_endpoint`` (or anything built on it, such as
``stack_resources``, ``local_api`` or ``invoke_handler``), or starts a ``MotoServer`` or a
``LocalStack`` itself, fails with a message saying to move it to tests/integration.
Tests that need a ``sam build`` or ``.venv-sam`` live in tests/template."""

from __future__ import annotations

from typing import Any

import pytest

import local
from local import moto_server

UNIT_NEEDS_NO_MOTO = (
    "tests/unit runs without moto or the local stack (make test-fast): "
    "a test that needs them belongs in tests/integration"
)


@pytest.fixture(scope="session")
def moto_endpoint() -> str:
    """Overrides tests/conftest.py's for every test under tests/unit: it refuses."""
    pytest.fail(UNIT_NEEDS_NO_MOTO, pytrace=False)


def _refuse(*_args: Any, **_kwargs: Any) -> Any:
    pytest.fail(UNIT_NEEDS_NO_MOTO, pytrace=False)


@pytest.fixture(autouse=True)
def _no_emulated_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_server.MotoServer, "start", _refuse)
    monkeypatch.setattr(local.LocalStack, "start", _refuse)
