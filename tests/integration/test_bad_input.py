"""Bad input of many shapes, sent to every route of the OpenAPI document: always a 4xx
problem document, never a 500, never a traceback."""

from __future__ import annotations

import json

import pytest
import requests

from local.openapi import build_document
from tests.support.identity_helpers import make_user
from tests.support.problems import (
    assert_page,
    assert_problem,
)

pytestmark = pytest.mark.integration

DOCUMENT = build_document()
OPERATIONS = sorted(
    (method, path)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if "requestBody" in operation
)
ALL_OPERATIONS = sorted(
    (method, path) for path, item in DOCUMENT["paths"].items() for method in item
)

BAD_BODIES: dict[str, tuple[bytes, str]] = {
    "truncated json": (b'{"a": ', "application/json"),
    "not json": (b"hello=world", "application/json"),
    "array": (b"[1, 2, 3]", "application/json"),
    "string": (b'"just a string"', "application/json"),
    "null": (b"null", "application/json"),
    "empty object": (b"{}", "application/json"),
    "wrong types": (
        json.dumps({"username": 5, "password": [], "login": {}}).encode(),
        "application/json",
    ),
    "unknown fields": (
        json.dumps({"zzz": 1, "__proto__": {"admin": True}}).encode(),
        "application/json",
    ),
    "deep nesting": (b"[" * 5000 + b"]" * 5000, "application/json"),
    "invalid utf-8": (b'{"username": "\xff\xfe\xfd"}', "application/json"),
    "form body": (b"username=a&password=b", "application/x-www-form-urlencoded"),
    "oversized": (json.dumps({"bio": "x" * 200_000}).encode(), "application/json"),
    "huge string": (json.dumps({"username": "x" * 60_000}).encode(), "application/json"),
    "nul bytes": (json.dumps({"username": "a\u0000b"}).encode(), "application/json"),
    "integer of 5000 digits": (b'{"a": [{"b": 1' + b"0" * 5000 + b"}]}", "application/json"),
    "number overflowing to infinity": (b'{"a": 1e999999}', "application/json"),
}


@pytest.fixture(scope="module")
def admin(local_api):
    return make_user(local_api, "admin")


def concrete(path: str, value: str = "someone") -> str:
    return path.replace("{username}", value).replace("{path}", value)


def answers_with_pages(method: str, path: str) -> bool:
    """A route people open from an email documents its errors as HTML pages, not problems."""
    responses = DOCUMENT["paths"][path][method]["responses"]
    errors = [r.get("content", {}) for code, r in responses.items() if code.startswith("4")]
    return bool(errors) and all(list(content) == ["text/html"] for content in errors)


def _requires_fields(method: str, path: str) -> bool:
    body = DOCUMENT["paths"][path][method]["requestBody"]["content"]["application/json"]
    if "$ref" not in body["schema"]:
        return False  # an optional body (anyOf model | null)
    name = body["schema"]["$ref"].rsplit("/", 1)[-1]
    return bool(DOCUMENT["components"]["schemas"][name].get("required"))


CASES = [
    (operation, body_name)
    for operation in OPERATIONS
    for body_name in sorted(BAD_BODIES)
    # an empty object is a valid "change nothing" for bodies whose fields are all optional
    if body_name != "empty object" or _requires_fields(*operation)
]


@pytest.mark.parametrize(
    ("operation", "body_name"), CASES, ids=[f"{o[0].upper()} {o[1]} {b}" for o, b in CASES]
)
def test_bad_bodies_get_a_problem_document(local_api, admin, operation, body_name):
    method, path = operation
    body, content_type = BAD_BODIES[body_name]
    response = requests.request(
        method,
        f"{local_api}{concrete(path)}",
        data=body,
        headers={**admin.auth, "Content-Type": content_type},
        timeout=30,
    )
    assert_problem(response)


@pytest.mark.parametrize(
    "value", ["x" * 300, "..%2F..%2Fetc%2Fpasswd", "%00", "%F0%28%8C%28", "a b", "<script>"]
)
@pytest.mark.parametrize(
    "operation",
    [o for o in ALL_OPERATIONS if "{" in o[1]],
    ids=lambda o: f"{o[0].upper()} {o[1]}",
)
def test_bad_path_parameters_get_a_problem_document_or_a_page(local_api, admin, operation, value):
    method, path = operation
    body = {"role": "author"} if method == "put" else None
    response = requests.request(
        method, f"{local_api}{concrete(path, value)}", json=body, headers=admin.auth, timeout=30
    )
    if answers_with_pages(method, path):
        assert_page(response)
    elif path.startswith("/ghost/api/"):  # Ghost's Content API: no such path, Ghost's body
        assert response.status_code == 404, response.text
        [error] = response.json()["errors"]
        assert error["type"] == "NotFoundError"
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    else:
        assert_problem(response)
