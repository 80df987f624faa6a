"""Edits are not blocked by readers: the ETag an edit sends back as If-Match covers what the
author edits, not the like and comment counters that readers move; a real concurrent edit
still gets 412, and public reads still change their ETag when the counters change."""

from __future__ import annotations

import pytest
import requests

from tests.support.article_helpers import comment, get, published_article
from tests.support.identity_helpers import User, make_user

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def author(local_api):
    return make_user(local_api, "author")


@pytest.fixture(scope="module")
def reader(local_api):
    return make_user(local_api, "reader")


@pytest.fixture(scope="module")
def editor(local_api):
    return make_user(local_api, "editor")


def _draft(base: str, article: dict, user: User) -> requests.Response:
    response = requests.get(f"{base}/articles/{article['id']}/draft", headers=user.auth, timeout=30)
    assert response.status_code == 200, response.text
    return response


def _like(base: str, user: User, article: dict) -> None:
    response = requests.put(f"{base}/articles/{article['id']}/like", headers=user.auth, timeout=30)
    assert response.status_code == 200, response.text


def _edit(base: str, user: User, article: dict, etag: str, **fields: str) -> requests.Response:
    return requests.patch(
        f"{base}/articles/{article['id']}",
        json=fields,
        headers={**user.auth, "If-Match": etag},
        timeout=30,
    )


def test_likes_and_comments_do_not_block_the_authors_next_save(local_api, author, reader):
    article = published_article(local_api, author)
    etag = _draft(local_api, article, author).headers["ETag"]
    _like(local_api, reader, article)
    comment(local_api, reader, article)
    saved = _edit(local_api, author, article, etag, subtitle="saved after readers")
    assert saved.status_code == 200, saved.text
    stored = _draft(local_api, article, author).json()
    assert stored["subtitle"] == "saved after readers"
    assert (stored["like_count"], stored["comment_count"]) == (1, 1)


def test_the_etag_of_an_edit_response_is_the_one_the_next_edit_sends(local_api, author, reader):
    article = published_article(local_api, author)
    first = _edit(local_api, author, article, article["etag"], subtitle="one")
    assert first.status_code == 200, first.text
    _like(local_api, reader, article)
    assert _draft(local_api, article, author).headers["ETag"] == first.headers["ETag"]
    second = _edit(local_api, author, article, first.headers["ETag"], subtitle="two")
    assert second.status_code == 200, second.text


def test_a_concurrent_edit_of_the_article_still_gets_412(local_api, author, editor, reader):
    article = published_article(local_api, author)
    etag = _draft(local_api, article, author).headers["ETag"]
    _like(local_api, reader, article)
    assert _edit(local_api, editor, article, etag, subtitle="the editor's").status_code == 200
    lost = _edit(local_api, author, article, etag, subtitle="the author's")
    assert lost.status_code == 412
    assert lost.headers["Content-Type"] == "application/problem+json"
    assert _draft(local_api, article, author).json()["subtitle"] == "the editor's"


def test_a_public_read_sees_new_counts_instead_of_a_304(local_api, author, reader):
    article = published_article(local_api, author)
    before = get(local_api, article["slug"])
    _like(local_api, reader, article)
    after = get(local_api, article["slug"], **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.json()["like_count"] == 1
    assert after.headers["ETag"] != before.headers["ETag"]
