"""The fast set stays fast: under tests/unit, moto and the local stack refuse to start
(tests/unit/conftest.py), so a unit test that starts needing them fails here, not by slowing
``make test-fast`` down."""

from __future__ import annotations

import pytest

from local import LocalStack
from local.moto_server import MotoServer


def test_a_moto_server_refuses_to_start_under_tests_unit():
    with pytest.raises(pytest.fail.Exception, match="belongs in tests/integration"):
        MotoServer(port=0).start()


def test_the_local_stack_refuses_to_start_under_tests_unit():
    with pytest.raises(pytest.fail.Exception, match="belongs in tests/integration"):
        LocalStack.start(None, port=0)  # type: ignore[arg-type]


def test_the_moto_fixture_refuses_under_tests_unit(request: pytest.FixtureRequest):
    with pytest.raises(pytest.fail.Exception, match="belongs in tests/integration"):
        request.getfixturevalue("moto_endpoint")
