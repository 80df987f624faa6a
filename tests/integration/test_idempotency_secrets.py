"""No secret reaches the table in any form: a password, a refresh token or a confirmation code
sent with an Idempotency-Key is neither stored nor hashed into the idempotency record.

The raw items of the whole table are searched (a Scan: a test looking for leaks, not a request
path) for each secret as sent, in hex digests (MD5, SHA-1, SHA-256), in base64, and as the
digests of the JSON body powertools' payload validation hashes, an unsalted hash that a
dictionary attack reverses."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from byline import aws
from byline.settings import get_settings

pytestmark = pytest.mark.integration

DIGESTS = ("md5", "sha1", "sha256")


def _digests(text: str) -> set[str]:
    return {hashlib.new(name, text.encode()).hexdigest() for name in DIGESTS}


def secret_forms(secret: str) -> set[str]:
    raw = secret.encode()
    encodings = {base64.b64encode(raw), base64.urlsafe_b64encode(raw)}
    return (
        {secret}
        | _digests(secret)
        | {e.decode() for e in encodings}
        | {e.decode().rstrip("=") for e in encodings}
    )


def body_forms(body: dict[str, Any]) -> set[str]:
    """Digests of the body as an idempotency layer would hash it (sorted keys, either spacing,
    alone or under "body")."""
    forms: set[str] = set()
    for value in (body, {"body": body}):
        for separators in (None, (",", ":")):
            forms |= _digests(json.dumps(value, sort_keys=True, separators=separators))
    return forms


def _strings(value: Any) -> Iterator[str]:
    """Every string in a raw DynamoDB item: values, binary values as base64, and names."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield str(name)
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)
    elif isinstance(value, bytes | bytearray):
        yield base64.b64encode(value).decode()
        yield value.decode("latin-1")
    else:
        yield str(value)


def table_text() -> str:
    client = aws.dynamodb()
    texts: list[str] = []
    start: dict[str, Any] | None = None
    while True:
        page = client.scan(
            TableName=get_settings().table_name, **({"ExclusiveStartKey": start} if start else {})
        )
        texts += ["\n".join(_strings(item)) for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            return "\n".join(texts)


def post(base: str, path: str, body: dict[str, Any], status: int) -> requests.Response:
    response = requests.post(
        f"{base}{path}", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=30
    )
    assert response.status_code == status, response.text
    return response


def test_secrets_sent_with_an_idempotency_key_never_reach_the_table(local_api):
    username = "s" + uuid.uuid4().hex[:12]
    password = "Pw-" + uuid.uuid4().hex
    code = "code-" + uuid.uuid4().hex
    signup = {
        "username": username,
        "email": f"{username}@example.com",
        "password": password,
        "display_name": username,
    }
    confirm = {"username": username, "code": code}
    login = {"login": username, "password": password}
    post(local_api, "/auth/signup", signup, 201)
    post(local_api, "/auth/confirm", confirm, 204)
    tokens = post(local_api, "/auth/login", login, 200).json()
    refresh = {"username": username, "refresh_token": tokens["refresh_token"]}
    post(local_api, "/auth/refresh", refresh, 200)

    stored = table_text()
    assert username in stored  # the scan does see this user's items (profile, records)
    for name, secret in [
        ("password", password),
        ("code", code),
        ("refresh token", tokens["refresh_token"]),
    ]:
        leaked = {form for form in secret_forms(secret) if form in stored}
        assert not leaked, f"the {name} is in the table as {leaked}"
    for name, body in [("sign-up", signup), ("confirm", confirm), ("login", login),
                       ("refresh", refresh)]:  # fmt: skip
        leaked = {form for form in body_forms(body) if form in stored}
        assert not leaked, f"a hash of the {name} body, secret included, is in the table"


def test_the_idempotency_record_binds_the_key_to_the_body_without_its_secrets(local_api):
    """Payload validation still works, on the fields that are not secret; and the digests the
    test above looks for are the ones the idempotency layer really stores."""
    username = "h" + uuid.uuid4().hex[:12]
    body = {
        "username": username,
        "email": f"{username}@example.com",
        "password": "Pw-" + uuid.uuid4().hex,
        "display_name": username,
    }
    post(local_api, "/auth/signup", body, 201)
    public = {k: v for k, v in body.items() if k != "password"}
    assert body_forms(public) & set(table_text().split("\n"))
