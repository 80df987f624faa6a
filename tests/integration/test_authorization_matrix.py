"""Every route, for every role, asserted over HTTP against the local stack.

The expected statuses are written down once, in MATRIX. A route in template.yaml without a row
fails ``test_every_route_has_a_row``; a row without a route fails it too. Roles: anonymous,
reader, author, editor, admin, and ``stranger``, an author acting on a resource somebody else
owns (for routes where ownership means nothing it behaves like any author).
"""

from __future__ import annotations

import pytest
import requests

from tests.support.authorization_matrix import (
    LINK_PAGES,
    MATRIX,
    ROLES,
)
from tests.support.identity_helpers import User, make_user
from tests.support.template_routes import api_routes

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def template_routes() -> set[tuple[str, str]]:
    return {(method.lower(), path) for method, path in api_routes()}


def test_every_route_has_a_row():
    assert template_routes() == set(MATRIX)


def _caller_for(base: str, role: str) -> User | None:
    if role == "anonymous":
        return None
    return make_user(base, "author" if role == "stranger" else role)


def _owner_for(base: str, role: str, caller: User | None) -> User:
    """Authors act on their own resources; every other role on an author's who is not them."""
    if role == "author" and caller is not None:
        return caller
    return make_user(base, "author")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0].upper()} {r[1]}")
def test_route_answers_each_role_as_written(local_api, route, role):
    case, expected = MATRIX[route]
    caller = _caller_for(local_api, role)
    owner = _owner_for(local_api, role, caller)
    call = case(local_api, caller, owner)
    headers = {**(caller.auth if caller else {}), **(call.headers or {})}
    response = requests.request(
        call.method,
        f"{local_api}{call.path}",
        json=call.json,
        data=call.data,
        headers=headers,
        timeout=30,
    )
    assert response.status_code == expected[role], response.text
    if response.status_code >= 400 and route in LINK_PAGES:
        assert response.headers["Content-Type"].startswith("text/html")
    elif response.status_code >= 400 and route == ("get", "/ghost/api/{path+}"):
        # Ghost's error body, which Ghost front-ends read
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert response.json()["errors"][0]["type"] == "NoPermissionError"
    elif response.status_code >= 400:
        assert response.headers["Content-Type"] == "application/problem+json"
