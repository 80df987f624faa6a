"""Helpers for article tests over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.support.identity_helpers import User


def create(base: str, user: User, **fields: Any) -> dict[str, Any]:
    body = {"title": f"Article {uuid.uuid4().hex[:8]}", "body": "Hello **world**", **fields}
    response = requests.post(f"{base}/articles", json=body, headers=user.auth, timeout=30)
    assert response.status_code == 201, response.text
    article = response.json()
    article["etag"] = response.headers["ETag"]
    return article


def publish(base: str, user: User, article: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = requests.post(
        f"{base}/articles/{article['id']}/publish", json=body, headers=user.auth, timeout=30
    )
    assert response.status_code == 200, response.text
    published = response.json()
    published["etag"] = response.headers["ETag"]
    return published


def published_article(base: str, user: User, **fields: Any) -> dict[str, Any]:
    return publish(base, user, create(base, user, **fields))


def comment(
    base: str, user: User, article: dict[str, Any], body: str = "a comment", **fields: Any
) -> dict[str, Any]:
    """Post a comment (``parent_id=`` for a reply) as ``user``; the created comment."""
    response = requests.post(
        f"{base}/articles/{article['id']}/comments",
        json={"body": body, **fields},
        headers=user.auth,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def get(base: str, slug: str, user: User | None = None, **headers: str) -> requests.Response:
    auth = user.auth if user else {}
    return requests.get(
        f"{base}/articles/{slug}", headers={**auth, **headers}, timeout=30, allow_redirects=False
    )
