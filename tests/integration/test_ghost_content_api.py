"""The Ghost Content API over HTTP against the local stack: what front-ends see when Byline's
content changes (docs/GHOST.md). Other modules publish on the same stack, so every expectation
here is about an author and tags this module made."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tests.support.article_helpers import create, publish, published_article
from tests.support.content_keys import make_room
from tests.support.identity_helpers import User, make_user

pytestmark = pytest.mark.integration


def ghost(base: str, path: str, key: str | None, **params: str) -> requests.Response:
    query = ({"key": key} if key is not None else {}) | params
    return requests.get(f"{base}/ghost/api/content/{path}", params=query, timeout=30)


def ok(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture(scope="module")
def key(local_api) -> str:
    admin = make_user(local_api, "admin")
    make_room()
    response = requests.post(
        f"{local_api}/content-keys", json={"name": "ghost tests"}, headers=admin.auth, timeout=30
    )
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


@pytest.fixture(scope="module")
def site(local_api) -> dict[str, Any]:
    """An author with five published posts (newest last), tagged with two tags of the run."""
    author = make_user(local_api, "author")
    requests.patch(
        f"{local_api}/me",
        json={"display_name": "Ada Ghostwriter", "bio": "Writes for front-ends."},
        headers=author.auth,
        timeout=30,
    ).raise_for_status()
    common, rare = f"g{uuid.uuid4().hex[:8]}", f"r{uuid.uuid4().hex[:8]}"
    posts = []
    for i in range(5):
        tags = [common, rare] if i % 2 == 0 else [common]
        posts.append(
            published_article(
                local_api, author, title=f"Ghost post {i}", tags=tags, body=f"Body **{i}**"
            )
        )
    return {"author": author, "common": common, "rare": rare, "posts": posts}


def walk(base: str, key: str, **params: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page of a browse, following meta.pagination.next; the posts and each page's meta."""
    posts, metas, page = [], [], 1
    while page is not None:
        body = ok(ghost(base, "posts/", key, page=str(page), **params))
        posts += body["posts"]
        metas.append(body["meta"]["pagination"])
        page = body["meta"]["pagination"]["next"]
        assert len(metas) < 50
    return posts, metas


def test_an_author_filter_pages_through_exactly_their_posts_newest_first(local_api, key, site):
    author: User = site["author"]
    posts, metas = walk(local_api, key, filter=f"author:{author.username}", limit="2")
    assert [p["slug"] for p in posts] == [p["slug"] for p in reversed(site["posts"])]
    assert [m["page"] for m in metas] == [1, 2, 3]
    assert {m["total"] for m in metas} == {5}
    assert {m["pages"] for m in metas} == {3}
    assert metas[0]["prev"] is None
    assert metas[-1]["next"] is None


def test_a_tag_filter_counts_exactly_and_any_page_can_be_asked_for_directly(local_api, key, site):
    rare = [p["slug"] for p in reversed(site["posts"]) if site["rare"] in p["tags"]]
    body = ok(ghost(local_api, "posts/", key, filter=f"tag:{site['rare']}", limit="1", page="3"))
    assert body["meta"]["pagination"] == {
        "page": 3, "limit": 1, "pages": 3, "total": 3, "next": None, "prev": 2,
    }  # fmt: skip
    assert [p["slug"] for p in body["posts"]] == rare[2:3]
    also = ok(ghost(local_api, "posts/", key, filter=f"tags.slug:{site['rare']}", limit="1"))
    assert also["meta"]["pagination"]["total"] == 3


def test_a_compound_filter_and_another_order_are_answered_exactly(local_api, key, site):
    first, last = site["posts"][0], site["posts"][-1]
    body = ok(
        ghost(
            local_api,
            "posts/",
            key,
            filter=f"tag:{site['common']}+slug:-{first['slug']}",
            order="title asc",
            limit="10",
        )
    )
    titles = [p["title"] for p in body["posts"]]
    assert titles == sorted(p["title"] for p in site["posts"][1:])
    assert body["meta"]["pagination"]["total"] == 4
    listed = ok(ghost(local_api, "posts/", key, filter=f"slug:[{last['slug']},{first['slug']}]"))
    assert {p["slug"] for p in listed["posts"]} == {first["slug"], last["slug"]}


def test_unpublishing_republishing_and_deleting_move_the_counts(local_api, key, site):
    author: User = site["author"]
    tag = f"m{uuid.uuid4().hex[:8]}"
    article = published_article(local_api, author, tags=[tag])

    def total() -> int:
        body = ok(ghost(local_api, "posts/", key, filter=f"tag:{tag}"))
        return int(body["meta"]["pagination"]["total"])

    assert total() == 1
    response = requests.post(
        f"{local_api}/articles/{article['id']}/unpublish", headers=author.auth, timeout=30
    )
    assert response.status_code == 200, response.text
    assert total() == 0
    assert ghost(local_api, f"posts/slug/{article['slug']}/", key).status_code == 404
    publish(local_api, author, article)
    assert total() == 1
    deleted = requests.delete(
        f"{local_api}/articles/{article['id']}", headers=author.auth, timeout=30
    )
    assert deleted.status_code == 204, deleted.text
    assert total() == 0
    tags = ok(ghost(local_api, "tags/", key, filter=f"slug:{tag}", include="count.posts"))
    assert tags["tags"] == []


def test_retagging_a_published_post_moves_it_between_tags(local_api, key, site):
    author: User = site["author"]
    before, after = f"b{uuid.uuid4().hex[:8]}", f"a{uuid.uuid4().hex[:8]}"
    article = published_article(local_api, author, tags=[before])
    response = requests.patch(
        f"{local_api}/articles/{article['id']}",
        json={"tags": [after]},
        headers={**author.auth, "If-Match": article["etag"]},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    counts = ok(
        ghost(local_api, "tags/", key, filter=f"slug:[{before},{after}]", include="count.posts")
    )
    assert {t["slug"]: t["count"]["posts"] for t in counts["tags"]} == {after: 1}
    moved = ok(ghost(local_api, "posts/", key, filter=f"tag:{after}"))
    assert [p["slug"] for p in moved["posts"]] == [response.json()["slug"]]


def test_a_post_reads_the_same_by_slug_and_by_the_id_a_browse_gave(local_api, key, site):
    slug = site["posts"][0]["slug"]
    listed = ok(ghost(local_api, "posts/", key, filter=f"slug:{slug}", include="tags,authors"))
    [post] = listed["posts"]
    by_slug = ok(ghost(local_api, f"posts/slug/{slug}/", key, include="tags,authors"))
    by_id = ok(ghost(local_api, f"posts/{post['id']}/", key, include="tags,authors"))
    assert by_slug == by_id == {"posts": [post]}
    assert "meta" not in by_slug
    assert post["primary_author"]["name"] == "Ada Ghostwriter"
    assert post["primary_author"]["url"].endswith(f"/author/{site['author'].username}/")
    assert "email" not in post["primary_author"]
    assert post["primary_tag"]["slug"] == site["common"]
    assert [t["slug"] for t in post["tags"]] == [site["common"], site["rare"]]
    assert post["url"].endswith(f"/{slug}/")
    assert "<strong>0</strong>" in post["html"]


def test_drafts_and_unknown_ids_are_not_found_in_ghosts_words(local_api, key, site):
    draft = create(local_api, site["author"])
    missing = ghost(local_api, f"posts/slug/{draft['slug']}/", key)
    assert missing.status_code == 404
    [error] = missing.json()["errors"]
    assert (error["message"], error["context"], error["type"]) == (
        "Resource not found error, cannot read post.",
        "Post not found.",
        "NotFoundError",
    )
    assert ghost(local_api, "posts/0123456789abcdef01234567/", key).status_code == 404
    assert ghost(local_api, "posts/not-an-id/", key).status_code == 422


def test_authors_and_tags_count_published_posts(local_api, key, site):
    author: User = site["author"]
    authors = ok(ghost(local_api, f"authors/slug/{author.username}/", key, include="count.posts"))
    [profile] = authors["authors"]
    assert profile["name"] == "Ada Ghostwriter"
    assert profile["bio"] == "Writes for front-ends."
    assert profile["count"]["posts"] >= 5
    tag = ok(ghost(local_api, f"tags/slug/{site['common']}/", key, include="count.posts"))
    assert tag["tags"][0]["count"] == {"posts": 5}
    by_id = ok(ghost(local_api, f"tags/{tag['tags'][0]['id']}/", key))
    assert by_id["tags"][0]["slug"] == site["common"]


def test_keys_decide_before_anything_else(local_api, key, site):
    missing = ghost(local_api, "posts/", None)
    assert missing.status_code == 403
    assert missing.json()["errors"][0]["type"] == "NoPermissionError"
    unknown = ghost(local_api, "posts/", "0" * 26, limit="-1")
    assert unknown.status_code == 401
    assert unknown.json()["errors"][0]["code"] == "UNKNOWN_CONTENT_API_KEY"
    assert unknown.headers["Access-Control-Allow-Origin"] == "*"


def test_a_revoked_key_stops_working(local_api):
    admin = make_user(local_api, "admin")
    make_room()
    created = requests.post(
        f"{local_api}/content-keys", json={"name": "short-lived"}, headers=admin.auth, timeout=30
    ).json()
    assert ghost(local_api, "settings/", created["key"]).status_code == 200
    revoked = requests.delete(
        f"{local_api}/content-keys/{created['id']}", headers=admin.auth, timeout=30
    )
    assert revoked.status_code == 204, revoked.text
    assert ghost(local_api, "settings/", created["key"]).status_code == 401


def test_legacy_prefixes_answer_the_same_with_a_deprecation_header(local_api, key, site):
    params = {"key": key, "filter": f"tag:{site['rare']}"}
    current = requests.get(f"{local_api}/ghost/api/content/posts/", params=params, timeout=30)
    for prefix, version in (("v2", "v2"), ("v3", "v3"), ("v4", "v4"), ("canary", "v4")):
        legacy = requests.get(
            f"{local_api}/ghost/api/{prefix}/content/posts/", params=params, timeout=30
        )
        assert legacy.json() == current.json()
        assert legacy.headers["Deprecation"] == f'version="{version}"'
        assert 'rel="latest-version"' in legacy.headers["Link"]


def test_a_path_without_its_slash_is_redirected_with_the_query(local_api, key):
    response = requests.get(
        f"{local_api}/ghost/api/content/posts",
        params={"key": key, "limit": "1"},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 301
    assert response.headers["Location"] == f"posts/?key={key}&limit=1"
    followed = requests.get(f"{local_api}/ghost/api/content/posts", params={"key": key}, timeout=30)
    assert followed.status_code == 200  # the relative Location resolves to .../posts/


def test_responses_revalidate_with_their_etag(local_api, key, site):
    first = ghost(local_api, "posts/", key, filter=f"tag:{site['rare']}")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = requests.get(
        f"{local_api}/ghost/api/content/posts/",
        params={"key": key, "filter": f"tag:{site['rare']}"},
        headers={"If-None-Match": etag},
        timeout=30,
    )
    assert again.status_code == 304
    assert again.content == b""


def test_settings_follow_the_sites_own_settings(local_api, key):
    admin = make_user(local_api, "admin")
    current = requests.get(f"{local_api}/site", timeout=30)
    document = {k: v for k, v in current.json().items() if k != "url" and v is not None} | {
        "title": "Ghostly Byline",
        "timezone": "Europe/Paris",
    }
    saved = requests.put(
        f"{local_api}/site",
        json=document,
        headers={**admin.auth, "If-Match": current.headers["ETag"]},
        timeout=30,
    )
    assert saved.status_code == 200, saved.text
    try:
        settings = ok(ghost(local_api, "settings/", key, include="icon,url"))
        assert settings["meta"] == {}
        assert settings["settings"]["title"] == "Ghostly Byline"
        assert settings["settings"]["timezone"] == "Europe/Paris"
        assert settings["settings"]["url"].endswith("/")
        posts = ok(ghost(local_api, "posts/", key, limit="1"))
        assert posts["posts"][0]["published_at"].endswith(("+01:00", "+02:00"))
    finally:  # the stack is shared: the next module finds the settings it started with
        restored = requests.put(
            f"{local_api}/site",
            json={k: v for k, v in current.json().items() if k != "url" and v is not None},
            headers={**admin.auth, "If-Match": saved.headers["ETag"]},
            timeout=30,
        )
        assert restored.status_code == 200, restored.text


def test_a_deleted_account_leaves_the_authors_and_its_posts_leave_their_author(local_api, key):
    """Deleting an account unpublishes its articles and hands them to a pseudonym in one save:
    the author's entries and count go with them, and a republished one is not found under the
    old name (which would tie the pseudonym to it)."""
    author, editor = make_user(local_api, "author"), make_user(local_api, "editor")
    posts = [published_article(local_api, author) for _ in range(2)]
    gone = requests.delete(f"{local_api}/me", headers=author.auth, timeout=30)
    assert gone.status_code == 204, gone.text
    by_name = ok(ghost(local_api, "posts/", key, filter=f"author:{author.username}"))
    assert by_name["meta"]["pagination"]["total"] == 0
    listed = ok(ghost(local_api, "authors/", key, filter=f"slug:{author.username}"))
    assert listed["authors"] == []
    assert ghost(local_api, f"authors/slug/{author.username}/", key).status_code == 404
    republished = requests.post(
        f"{local_api}/articles/{posts[0]['id']}/publish", json={}, headers=editor.auth, timeout=30
    )
    assert republished.status_code == 200, republished.text
    pseudonym = republished.json()["author"]
    assert pseudonym != author.username
    again = ok(ghost(local_api, "posts/", key, filter=f"author:{author.username}"))
    assert again["posts"] == []
    assert again["meta"]["pagination"]["total"] == 0
    theirs = ok(ghost(local_api, "posts/", key, filter=f"author:{pseudonym}"))
    assert [p["slug"] for p in theirs["posts"]] == [republished.json()["slug"]]


def test_a_browsers_preflight_allows_the_clients_accept_version_header(local_api):
    """The official client sends Accept-Version, so a browser asks first (API Gateway's
    preflight, from the template's Cors)."""
    response = requests.options(
        f"{local_api}/ghost/api/content/posts/",
        headers={
            "Origin": "https://front.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "accept-version",
        },
        timeout=30,
    )
    assert response.status_code == 200
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert "accept-version" in allowed
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_body_that_would_expand_to_megabytes_of_html_is_refused(local_api, site):
    """A long link defined once and used a thousand times is 3 KB of Markdown and 2 MB of
    HTML: refused before it is rendered (a 500 once, from DynamoDB's 400 KB item limit)."""
    bomb = f"[x]: <https://x.example/{'a' * 2000}>\n\n" + "[x] " * 1000
    response = requests.post(
        f"{local_api}/articles",
        json={"title": "Bomb", "body": bomb},
        headers=site["author"].auth,
        timeout=30,
    )
    assert response.status_code == 422, response.text
    assert "reference links" in response.json()["detail"]
