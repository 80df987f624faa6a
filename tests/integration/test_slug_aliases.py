"""Old addresses of a retitled article: every one redirects straight to the current slug (the
alias items are kept current, so a redirect is one Query), and none resolves once the article
is deleted."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from byline.data.articles import MAX_ALIASES
from byline.models.articles import MAX_TAGS
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


def full_article(base: str, user: User, title: str) -> dict[str, Any]:
    """A published article with the most a save moves besides aliases: five tags and a series."""
    tags = [f"cap{uuid.uuid4().hex[:6]}{n}" for n in range(MAX_TAGS)]
    return published_article(base, user, title=title, tags=tags, series=f"Cap {title}")


def republish_and_delete(base: str, author: User, editor: User, article: dict[str, Any]) -> None:
    """Unpublish (editor), republish and delete (author) all succeed."""
    unpublish(base, editor, article)
    assert get(base, article["id"]).status_code == 404
    published = requests.post(
        f"{base}/articles/{article['id']}/publish", json={}, headers=author.auth, timeout=30
    )
    assert published.status_code == 200, published.text
    assert get(base, article["id"]).status_code == 200
    deleted = requests.delete(f"{base}/articles/{article['id']}", headers=author.auth, timeout=30)
    assert deleted.status_code == 204, deleted.text
    assert get(base, article["id"]).status_code == 404


def test_renaming_past_the_alias_cap_frees_the_oldest_slug_and_the_article_stays_removable(
    local_api,
):
    author = make_user(local_api, "author")
    editor = make_user(local_api, "editor")
    stem = f"Cap {uuid.uuid4().hex[:6]}"
    article = full_article(local_api, author, f"{stem} 0")
    slugs = [article["slug"]]
    for n in range(1, MAX_ALIASES + 3):
        article = retitle(local_api, author, {**article, "etag": "*"}, f"{stem} {n}")
        slugs.append(article["slug"])
    dropped, kept, current = slugs[:2], slugs[2:-1], slugs[-1]
    assert len(kept) == MAX_ALIASES

    unknown = get(local_api, f"never-{uuid.uuid4().hex}")
    for slug in dropped:
        assert_unknown(local_api, slug, unknown)
    for slug in (kept[0], kept[-1]):
        assert get(local_api, slug).headers["Location"] == f"/articles/{current}"
    other = published_article(local_api, author, title=f"{stem} 0")
    assert other["slug"] == dropped[0]  # free again, for anyone

    republish_and_delete(local_api, author, editor, article)
    for slug in (*kept, current):
        assert get(local_api, slug).status_code == 404


def test_an_article_with_more_aliases_than_the_cap_from_before_it_stays_removable(local_api):
    """Aliases stored before the cap (the review's 89 renames): unpublishing, republishing and
    deleting each drop some, and none of them fails."""
    from byline.data import keys
    from byline.data.table import table

    author = make_user(local_api, "author")
    editor = make_user(local_api, "editor")
    article = full_article(local_api, author, f"Many {uuid.uuid4().hex[:6]}")
    old = [f"many-{uuid.uuid4().hex[:8]}-{n}" for n in range(95)]
    for slug in old:
        table().put(
            {
                **keys.slug_claim(slug),
                "kind": "alias",
                "article_id": article["id"],
                "target_slug": article["slug"],
                "GSI1PK": keys.slug_lookup(slug),
                "GSI1SK": "ALIAS",
            }
        )
    table().update(keys.article(article["id"]), "SET aliases = :a", values={":a": old})
    assert get(local_api, old[0]).headers["Location"] == f"/articles/{article['slug']}"
    republish_and_delete(local_api, author, editor, article)
    for slug in (old[0], old[-1]):
        assert get(local_api, slug).status_code == 404
