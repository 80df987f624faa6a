"""Request limits over HTTP, beyond the bodies test_bad_input.py sweeps over every route: huge
headers, too many headers, a huge token, path traversal in media keys and in path parameters,
and bodies that are too big, too deep, not UTF-8 or not JSON on a route chosen as an example.
Each must be a 4xx problem document, and nothing may be written."""

from __future__ import annotations

import http.client
import json
import os
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from local.gateway import MAX_PAYLOAD_BYTES
from tests.support.identity_helpers import make_user
from tests.support.problems import assert_problem

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def author(local_api):
    return make_user(local_api, "author")


def test_a_header_line_over_64_kib_is_a_431_problem(local_api):
    response = requests.get(f"{local_api}/articles", headers={"X-Big": "a" * 70_000}, timeout=30)
    assert response.status_code == 431
    assert_problem(response)


def test_more_than_100_headers_is_a_431_problem(local_api):
    headers = {f"X-Header-{i}": "v" for i in range(150)}
    response = requests.get(f"{local_api}/articles", headers=headers, timeout=30)
    assert response.status_code == 431
    assert_problem(response)


def test_a_url_over_64_kib_is_a_414_problem(local_api):
    response = requests.get(f"{local_api}/articles/{'a' * 70_000}", timeout=30)
    assert response.status_code == 414
    assert_problem(response)


def test_a_huge_bearer_token_is_a_401_problem(local_api):
    response = requests.get(
        f"{local_api}/me", headers={"Authorization": "Bearer " + "a" * 8000}, timeout=30
    )
    assert response.status_code == 401
    assert_problem(response)


TRAVERSALS = ["media/../../etc/passwd", "../media/x.png", "media/%2e%2e/x", "/etc/passwd",
              "media\\..\\x", "media/x.png\x00.txt"]  # fmt: skip


@pytest.mark.parametrize("key", TRAVERSALS)
def test_a_cover_key_that_leaves_the_media_prefix_is_a_422_and_nothing_is_written(
    local_api, author, key
):
    body = {"title": "Traversal", "body": "x", "cover": key}
    response = requests.post(f"{local_api}/articles", json=body, headers=author.auth, timeout=30)
    assert response.status_code == 422, response.text
    assert_problem(response)
    mine = requests.get(f"{local_api}/me/articles", headers=author.auth, timeout=30).json()
    assert all(a["title"] != "Traversal" for a in mine["items"])


@pytest.mark.parametrize("key", TRAVERSALS)
def test_an_avatar_key_that_leaves_the_media_prefix_is_a_422(local_api, author, key):
    response = requests.patch(
        f"{local_api}/me", json={"avatar": key}, headers=author.auth, timeout=30
    )
    assert response.status_code == 422, response.text
    assert_problem(response)


@pytest.mark.parametrize(
    "path",
    [
        "/articles/..%2F..%2Fhealth",
        "/articles/%2E%2E/comments",
        "/tags/..%2Fsitemap.xml/feed.xml",
        "/me/digests/..%2F..%2Fsecrets",
        "/authors/..%5C..%5Cadmin",
    ],
)
def test_traversal_in_a_path_parameter_is_a_4xx_problem(local_api, author, path):
    response = requests.get(f"{local_api}{path}", headers=author.auth, timeout=30)
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (json.dumps({"title": "x" * 400_000}).encode(), "application/json", 413),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 413),
        # found by this test: a 500 (RecursionError in the JSON parser) before MAX_JSON_DEPTH
        (b"[" * 20_000 + b"]" * 20_000, "application/json", 400),
        (b'{"title": "\xc3\x28"}', "application/json", 400),
        (b'{"title": "ok"}', "text/plain", 415),
        (b"<article><title>x</title></article>", "application/xml", 415),
    ],
    ids=["oversized", "oversized and deep", "deep", "invalid utf-8", "text/plain", "xml"],
)
def test_bodies_over_the_limits_are_refused_before_anything_is_written(
    local_api, author, body, content_type, status
):
    before = requests.get(f"{local_api}/me/articles", headers=author.auth, timeout=30).json()
    response = requests.post(
        f"{local_api}/articles",
        data=body,
        headers={**author.auth, "Content-Type": content_type},
        timeout=30,
    )
    assert response.status_code == status, response.text[:300]
    assert_problem(response)
    after = requests.get(f"{local_api}/me/articles", headers=author.auth, timeout=30).json()
    assert len(after["items"]) == len(before["items"])


def test_a_body_over_the_gateway_payload_limit_is_a_413_whose_document_says_413(local_api):
    url = urlsplit(local_api)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.putrequest("POST", "/articles")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(MAX_PAYLOAD_BYTES + 1))
        connection.endheaders(b"{}")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 413
    assert response.getheader("Content-Type") == "application/problem+json"
    assert json.loads(body)["status"] == 413


def test_a_missing_token_is_a_401_whose_document_says_401(local_api):
    response = requests.get(f"{local_api}/me", timeout=30)
    assert response.status_code == 401
    assert_problem(response)


def _pool_signed(stack_resources: Any, private: dict[str, Any], **changes: Any) -> str:
    """An id token signed with the emulated pool's own key, so it passes the signature check
    and only its claims decide; None removes a claim."""
    import jwt

    region = os.environ["AWS_REGION"]
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": f"https://cognito-idp.{region}.amazonaws.com/{stack_resources['USER_POOL_ID']}",
        "aud": stack_resources["USER_POOL_CLIENT_ID"],
        "token_use": "id",
        "cognito:username": "someone",
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
    }
    claims = {k: v for k, v in {**claims, **changes}.items() if v is not None}
    key = jwt.PyJWK(private, algorithm="RS256").key
    return jwt.PyJWS().encode(json.dumps(claims).encode(), key, "RS256", {"kid": private["kid"]})


@pytest.mark.parametrize(
    "changes",
    [{"aud": ["client"]}, {"aud": 7}, {"exp": "soon"}, {"exp": 10**20}, {"sub": None},
     {"token_use": ["id"]}, {"iat": "yesterday"}, {"cognito:groups": "admin"}],
    ids=lambda c: ", ".join(f"{k}={v!r}" for k, v in c.items()),
)  # fmt: skip
def test_a_pool_signed_token_with_a_malformed_claim_is_a_401_problem(
    local_api, stack_resources, pool_signing_key, changes
):
    token = _pool_signed(stack_resources, pool_signing_key, **changes)
    response = requests.get(
        f"{local_api}/session", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 401, response.text
    assert_problem(response)


def test_a_well_formed_pool_signed_token_passes_the_local_authorizer(
    local_api, stack_resources, pool_signing_key, demo_users
):
    """The key above is the pool's: the 401s are about the claims, not the signature. (The
    token names a real account with its sub, as the function then checks the account.)"""
    from byline.data import keys
    from byline.data.table import table

    profile = table().get(keys.user_profile("reader"), consistent=True)
    assert profile is not None
    token = _pool_signed(
        stack_resources, pool_signing_key, sub=profile["sub"], **{"cognito:username": "reader"}
    )
    response = requests.get(
        f"{local_api}/session", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.json()["username"] == "reader"
