"""Old addresses of a retitled article: every one redirects straight to the current slug (the
alias items are kept current, so a redirect is one Query), and none resolves once the article
is deleted."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tests.support.article_helpers import get, published_article
from tests.support.identity_helpers import User, make_user

pytestmark = pytest.mark.integration


def retitle(base: str, user: User, article: dict[str, Any], title: str) -> dict[str, Any]:
    response = requests.patch(
        f"{base}/articles/{article['id']}",
        json={"title": title},
        headers={**user.auth, "If-Match": article["etag"]},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return {**response.json(), "etag": response.headers["ETag"]}


def test_every_old_slug_redirects_in_one_hop_and_none_survives_deletion(local_api):
    author = make_user(local_api, "author")
    first_title = f"First {uuid.uuid4().hex[:6]}"
    article = published_article(local_api, author, title=first_title)
    first = article["slug"]
    article = retitle(local_api, author, article, f"Second {uuid.uuid4().hex[:6]}")
    second = article["slug"]
    article = retitle(local_api, author, article, first_title)  # its own alias holds the slug
    current = article["slug"]
    assert current.startswith(first)
    assert current not in {first, second}

    for old in (first, second):
        moved = get(local_api, old)
        assert moved.status_code == 301
        assert moved.headers["Location"] == f"/articles/{current}"
    assert get(local_api, current).status_code == 200

    deleted = requests.delete(
        f"{local_api}/articles/{article['id']}", headers=author.auth, timeout=30
    )
    assert deleted.status_code == 204
    for slug in (first, second, current):
        assert get(local_api, slug).status_code == 404


def unpublish(base: str, user: User, article: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(
        f"{base}/articles/{article['id']}/unpublish", headers=user.auth, timeout=30
    )
    assert response.status_code == 200, response.text
    return {**response.json(), "etag": response.headers["ETag"]}


def assert_unknown(base: str, slug: str, unknown: requests.Response) -> None:
    """``slug`` answers exactly what a slug nobody ever had answers: 404, no Location."""
    response = get(base, slug)
    assert response.status_code == 404, response.text
    assert "Location" not in response.headers
    same = {k: v for k, v in response.json().items() if k != "instance"}
    assert same == {k: v for k, v in unknown.json().items() if k != "instance"}


def test_old_slugs_of_an_unpublished_article_lead_nowhere_until_it_is_republished(local_api):
    author = make_user(local_api, "author")
    article = published_article(local_api, author, title=f"Public {uuid.uuid4().hex[:6]}")
    first = article["slug"]
    article = retitle(local_api, author, article, f"Second {uuid.uuid4().hex[:6]}")
    second = article["slug"]
    assert get(local_api, first).headers["Location"] == f"/articles/{second}"

    article = unpublish(local_api, author, article)
    unknown = get(local_api, f"never-{uuid.uuid4().hex}")
    for slug in (first, second):
        assert_unknown(local_api, slug, unknown)
    assert get(local_api, article["id"]).status_code == 404

    secret = f"Secret draft {uuid.uuid4().hex[:6]}"
    article = retitle(local_api, author, article, secret)
    draft_slug = article["slug"]
    for slug in (first, second, draft_slug):
        assert_unknown(local_api, slug, unknown)

    published = requests.post(
        f"{local_api}/articles/{article['id']}/publish", json={}, headers=author.auth, timeout=30
    )
    assert published.status_code == 200, published.text
    for old in (first, second):
        moved = get(local_api, old)
        assert moved.status_code == 301
        assert moved.headers["Location"] == f"/articles/{draft_slug}"
    assert get(local_api, draft_slug).status_code == 200


def test_old_slug_of_a_deleted_unpublished_article_leads_nowhere(local_api):
    author = make_user(local_api, "author")
    article = published_article(local_api, author, title=f"Public {uuid.uuid4().hex[:6]}")
    first = article["slug"]
    article = retitle(local_api, author, article, f"Second {uuid.uuid4().hex[:6]}")
    article = unpublish(local_api, author, article)
    article = retitle(local_api, author, article, f"Third {uuid.uuid4().hex[:6]}")
    deleted = requests.delete(
        f"{local_api}/articles/{article['id']}", headers=author.auth, timeout=30
    )
    assert deleted.status_code == 204
    unknown = get(local_api, f"never-{uuid.uuid4().hex}")
    for slug in (first, article["slug"]):
        assert_unknown(local_api, slug, unknown)


def test_an_alias_written_before_the_rule_does_not_name_an_unpublished_draft(local_api):
    """Aliases written before unpublished articles' aliases left the slug index are still found
    by slug: following one reads the article, and an unpublished one is not named."""
    from byline.data import keys
    from byline.data.table import table

    author = make_user(local_api, "author")
    article = published_article(local_api, author, title=f"Public {uuid.uuid4().hex[:6]}")
    first = article["slug"]
    article = retitle(local_api, author, article, f"Second {uuid.uuid4().hex[:6]}")
    article = unpublish(local_api, author, article)
    article = retitle(local_api, author, article, f"Secret draft {uuid.uuid4().hex[:6]}")
    # as the code before the rule left it: the alias still in GSI1, naming the draft's slug
    table().update(
        keys.slug_claim(first),
        "SET GSI1PK = :pk, GSI1SK = :sk, target_slug = :draft",
        values={":pk": keys.slug_lookup(first), ":sk": "ALIAS", ":draft": article["slug"]},
    )
    unknown = get(local_api, f"never-{uuid.uuid4().hex}")
    assert_unknown(local_api, first, unknown)
