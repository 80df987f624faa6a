"""Pages, featured articles, custom excerpts and meta fields over HTTP through the local stack
(issue 15): editors manage pages, a published page is read like an article but listed nowhere
a post is (feeds, listings, tags, digests), and the new fields round-trip."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from byline.auth.principal import Principal
from byline.data.articles import Articles
from byline.data.table import table
from byline.models.articles import ArticleCreate, PublishRequest
from tests.support.article_helpers import create, get, publish, published_article
from tests.support.digest_pipeline import Clock, Mailbox, build_world, run_candidates, subscriber
from tests.support.identity_helpers import make_user

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def author(local_api):
    return make_user(local_api, "author")


@pytest.fixture(scope="module")
def editor(local_api):
    return make_user(local_api, "editor")


def patch(base, user, article, **fields):
    return requests.patch(
        f"{base}/articles/{article['id']}",
        json=fields,
        headers={**user.auth, "If-Match": article["etag"]},
        timeout=30,
    )


def test_an_author_gets_403_creating_a_page_and_an_editor_creates_one(local_api, author, editor):
    refused = requests.post(
        f"{local_api}/articles",
        json={"title": "About us", "type": "page"},
        headers=author.auth,
        timeout=30,
    )
    assert refused.status_code == 403
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    page = create(local_api, editor, type="page")
    assert page["type"] == "page"
    assert create(local_api, author)["type"] == "post"


def test_a_page_cannot_join_a_series_nor_become_a_post(local_api, editor):
    in_series = requests.post(
        f"{local_api}/articles",
        json={"title": "About", "type": "page", "series": "Intro"},
        headers=editor.auth,
        timeout=30,
    )
    assert in_series.status_code == 422
    page = create(local_api, editor, type="page")
    retyped = patch(local_api, editor, page, type="post")
    assert retyped.status_code == 422
    assert retyped.headers["Content-Type"].startswith("application/problem+json")
    assert "type" in retyped.json()["detail"]


def test_an_author_cannot_edit_publish_or_delete_a_page(local_api, author, editor):
    page = create(local_api, editor, type="page")
    other = make_user(local_api, "author")
    # an author who is not its creator does not even see the draft
    assert patch(local_api, other, page, subtitle="x").status_code in {403, 404}
    published = publish(local_api, editor, page)
    assert patch(local_api, author, published, subtitle="x").status_code == 403
    for action in ("unpublish",):
        response = requests.post(
            f"{local_api}/articles/{page['id']}/{action}", headers=author.auth, timeout=30
        )
        assert response.status_code == 403
    deleted = requests.delete(f"{local_api}/articles/{page['id']}", headers=author.auth, timeout=30)
    assert deleted.status_code == 403


def test_a_published_page_is_read_like_an_article_and_listed_nowhere(local_api, editor):
    tag = "pg" + uuid.uuid4().hex[:8]
    post = published_article(local_api, editor, tags=[tag])
    page = published_article(local_api, editor, type="page", tags=[tag])

    by_slug = get(local_api, page["slug"])
    assert by_slug.status_code == 200
    assert by_slug.json()["type"] == "page"
    assert get(local_api, page["id"]).json()["type"] == "page"

    def ids(params):
        response = requests.get(f"{local_api}/articles", params=params, timeout=30)
        assert response.status_code == 200
        return [a["id"] for a in response.json()["items"]]

    assert ids({"tag": tag}) == [post["id"]]
    assert ids({"author": editor.username, "limit": 100}) == [post["id"]]
    assert page["id"] not in ids({"limit": 100})
    assert requests.get(f"{local_api}/tags/{tag}", timeout=30).json()["articles"] == 1
    tags = requests.get(f"{local_api}/tags", timeout=30).json()["items"]
    assert {"tag": tag, "articles": 1} in tags

    site_feed = requests.get(f"{local_api}/feed.xml", timeout=30)
    tag_feed = requests.get(f"{local_api}/tags/{tag}/feed.xml", timeout=30)
    assert site_feed.status_code == tag_feed.status_code == 200
    assert post["slug"] in tag_feed.text
    for feed in (site_feed, tag_feed):
        assert page["slug"] not in feed.text
        assert page["title"] not in feed.text

    month = requests.get(f"{local_api}/sitemaps/{datetime.now(UTC):%Y-%m}.xml", timeout=30)
    pages = requests.get(f"{local_api}/sitemaps/pages.xml", timeout=30)
    index = requests.get(f"{local_api}/sitemap.xml", timeout=30)
    assert month.status_code == pages.status_code == index.status_code == 200
    assert f"/articles/{post['slug']}<" in month.text
    assert f"/articles/{page['slug']}<" not in month.text
    assert f"/articles/{page['slug']}<" in pages.text
    assert f"/articles/{post['slug']}<" not in pages.text
    assert "/sitemaps/pages.xml<" in index.text

    mine = requests.get(f"{local_api}/me/articles", headers=editor.auth, timeout=30).json()
    assert page["id"] in [a["id"] for a in mine["items"]]  # the editor's own listing has it

    published = Articles(table()).published_pages(limit=100)
    assert page["id"] in [p.id for p in published.items]
    assert post["id"] not in [p.id for p in published.items]


def test_an_unpublished_page_leaves_the_pages_index(local_api, editor):
    page = published_article(local_api, editor, type="page")
    response = requests.post(
        f"{local_api}/articles/{page['id']}/unpublish", headers=editor.auth, timeout=30
    )
    assert response.status_code == 200
    assert get(local_api, page["slug"]).status_code == 404
    assert page["id"] not in [p.id for p in Articles(table()).published_pages(limit=100).items]


def test_featured_custom_excerpt_and_meta_fields_round_trip(local_api, author, editor):
    article = create(
        local_api,
        author,
        custom_excerpt="A hand-written summary.",
        meta_title="Meta title",
        meta_description="Meta description for search engines.",
    )
    assert article["featured"] is False
    assert article["custom_excerpt"] == "A hand-written summary."
    assert article["excerpt"] == "A hand-written summary."
    assert article["meta_title"] == "Meta title"
    assert article["meta_description"] == "Meta description for search engines."

    featured = requests.post(
        f"{local_api}/articles",
        json={"title": "Pick", "featured": True},
        headers=author.auth,
        timeout=30,
    )
    assert featured.status_code == 403
    assert patch(local_api, author, article, featured=True).status_code == 403
    same = patch(local_api, author, article, featured=False, meta_title="New meta")
    assert same.status_code == 200, same.text
    assert same.json()["meta_title"] == "New meta"
    changed = patch(local_api, editor, {**same.json(), "etag": same.headers["ETag"]}, featured=True)
    assert changed.status_code == 200, changed.text
    assert changed.json()["featured"] is True
    cleared = patch(
        local_api, author, {**changed.json(), "etag": changed.headers["ETag"]}, custom_excerpt=None
    )
    assert cleared.status_code == 200
    assert cleared.json()["custom_excerpt"] is None
    assert cleared.json()["excerpt"] == "Hello world"
    assert cleared.json()["featured"] is True
    too_long = patch(
        local_api,
        author,
        {**cleared.json(), "etag": cleared.headers["ETag"]},
        custom_excerpt="x" * 301,
    )
    assert too_long.status_code == 422


def test_the_custom_excerpt_shows_in_listings_and_feeds(local_api, author):
    tag = "ex" + uuid.uuid4().hex[:8]
    summary = f"Custom summary {uuid.uuid4().hex[:6]}"
    article = published_article(local_api, author, tags=[tag], custom_excerpt=summary)
    listed = requests.get(f"{local_api}/articles", params={"tag": tag}, timeout=30).json()
    assert [(a["id"], a["excerpt"]) for a in listed["items"]] == [(article["id"], summary)]
    assert listed["items"][0]["featured"] is False
    assert listed["items"][0]["type"] == "post"
    newest = requests.get(f"{local_api}/articles", params={"limit": 100}, timeout=30).json()
    assert summary in [a["excerpt"] for a in newest["items"]]
    feed = requests.get(f"{local_api}/tags/{tag}/feed.xml", timeout=30)
    assert feed.status_code == 200
    assert f"<description>{summary}</description>" in feed.text


EDITOR = Principal(username="pages_editor", sub="pe", groups=("editor",))


def test_a_published_page_never_reaches_a_digest(stack_resources: Any) -> None:
    mailbox = Mailbox()
    world = build_world(
        stack_resources, Clock(datetime(2024, 7, 1, 6, 0, tzinfo=UTC)), mailbox, mailbox
    )
    clock, _, digests, articles, _ = world
    tag = "dg" + uuid.uuid4().hex[:8]
    name = subscriber(world, [tag])
    page = articles.create(EDITOR, ArticleCreate(title=f"About {tag}", type="page", tags=[tag]))
    articles.publish(EDITOR, page.id, PublishRequest())
    clock.now += timedelta(minutes=30)
    assert page.id not in [c.id for c in digests.load_candidates(clock())]
    assert digests.deliver(name, run_candidates(digests)) == "empty"
    post = articles.create(EDITOR, ArticleCreate(title=f"News {tag}", tags=[tag]))
    articles.publish(EDITOR, post.id, PublishRequest())
    clock.now += timedelta(days=1)
    assert digests.deliver(name, run_candidates(digests)) == "sent"
    (email,) = mailbox.to(name)
    assert post.title in email.text
    assert page.title not in email.text
