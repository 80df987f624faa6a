"""GET /articles/{article} takes the id a create returns as well as the slug, with the same
answer, the same ETag and the same 304; ids and slugs cannot collide (docs/decisions/0014)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import requests

from byline.auth.principal import Principal
from byline.content import slugs
from byline.data.articles import Articles
from byline.data.table import table
from byline.ids import looks_like_id, new_id
from byline.models.articles import ArticleCreate, PublishRequest
from byline.services import articles as articles_module
from byline.services.articles import ArticleService
from tests.support.article_helpers import create, get, publish, published_article
from tests.support.identity_helpers import make_user

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def author(local_api):
    return make_user(local_api, "author")


@pytest.fixture(scope="module")
def reader(local_api):
    return make_user(local_api, "reader")


def test_an_article_reads_back_by_the_id_from_its_create_and_by_its_slug(local_api, author):
    created = create(local_api, author, title=f"Read me back {uuid.uuid4().hex[:6]}")
    publish(local_api, author, created)

    by_id, by_slug = get(local_api, created["id"]), get(local_api, created["slug"])
    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.json() == by_slug.json()
    assert by_id.json()["id"] == created["id"]
    assert by_id.headers["ETag"] == by_slug.headers["ETag"]
    assert "public" in by_id.headers["Cache-Control"]

    etag = by_id.headers["ETag"]
    for key in (created["id"], created["slug"]):
        not_modified = get(local_api, key, **{"If-None-Match": etag})
        assert not_modified.status_code == 304, key
        assert not_modified.headers["ETag"] == etag
        assert get(local_api, key, **{"If-None-Match": '"stale"'}).status_code == 200


def test_a_draft_an_unpublished_or_a_deleted_article_is_404_by_id_for_others(
    local_api, author, reader
):
    draft = create(local_api, author)
    unpublished = published_article(local_api, author)
    response = requests.post(
        f"{local_api}/articles/{unpublished['id']}/unpublish", headers=author.auth, timeout=30
    )
    assert response.status_code == 200, response.text
    deleted = published_article(local_api, author)
    response = requests.delete(
        f"{local_api}/articles/{deleted['id']}", headers=author.auth, timeout=30
    )
    assert response.status_code == 204, response.text

    for article in (draft, unpublished, deleted):
        for user in (None, reader, author):
            answer = get(local_api, article["id"], user)
            assert answer.status_code == 404, (article["status"], user)
            assert answer.headers["Content-Type"].startswith("application/problem+json")
    # the author still reads the draft on its own route
    assert (
        requests.get(
            f"{local_api}/articles/{draft['id']}/draft", headers=author.auth, timeout=30
        ).status_code
        == 200
    )


def test_a_title_shaped_like_an_id_cannot_shadow_that_id(local_api, author):
    original = published_article(local_api, author)
    impostor = published_article(local_api, author, title=original["id"].upper())
    assert impostor["slug"] == f"{original['id']}-article"
    assert not looks_like_id(impostor["slug"])

    assert get(local_api, original["id"]).json()["id"] == original["id"]
    assert get(local_api, impostor["slug"]).json()["id"] == impostor["id"]
    assert get(local_api, impostor["id"]).json()["id"] == impostor["id"]


def test_old_slugs_redirect_and_the_id_stays_put_through_a_retitle(local_api, author):
    article = published_article(local_api, author, title=f"Before {uuid.uuid4().hex[:6]}")
    response = requests.patch(
        f"{local_api}/articles/{article['id']}",
        json={"title": f"After {uuid.uuid4().hex[:6]}"},
        headers={**author.auth, "If-Match": article["etag"]},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    current = response.json()["slug"]

    moved = get(local_api, article["slug"])
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/articles/{current}"
    by_id = get(local_api, article["id"])
    assert by_id.status_code == 200
    assert by_id.json()["slug"] == current
    assert by_id.headers["ETag"] == get(local_api, current).headers["ETag"]


def test_an_id_shaped_slug_made_before_the_rule_still_reads(local_api, monkeypatch):
    """Slugs stored before decision 0014 could be id-shaped: when no article has that id, the
    segment is tried as a slug too."""
    title = new_id(datetime(2001, 2, 3, tzinfo=UTC))  # id-shaped, no article's id
    monkeypatch.setattr(  # slugify as it was: an id-shaped title kept its shape
        articles_module, "slugify", lambda text, limit=slugs.MAX_SLUG_LENGTH: text.lower()
    )
    service = ArticleService(
        articles=Articles(table()), cursor_key=lambda: b"k" * 32, publish_event=lambda *_: True
    )
    principal = Principal(username="legacy_author", sub="legacy-1", groups=("author",))
    draft = service.create(principal, ArticleCreate(title=title))
    assert looks_like_id(draft.slug)
    service.publish(principal, draft.id, PublishRequest())

    found = get(local_api, draft.slug)
    assert found.status_code == 200, found.text
    assert found.json()["id"] == draft.id
    assert get(local_api, draft.id).json()["id"] == draft.id
