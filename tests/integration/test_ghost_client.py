"""Ghost's official Content API client (npm's @tryghost/content-api 1.12.12) against the local
stack's Ghost Content API, as starters call it: ``version: 'v5.0'`` (``/ghost/api/content/``) and
``'v2'`` (``/ghost/api/v2/content/``). The content is made here through Byline's own API (two
authors' tagged posts, an editor's featured post and About page, a draft, the site's settings, a
key); one Node process runs every call for both versions (tools/ghost-client/scenario.cjs) and
each test asserts on what the client returned or threw. Other modules on this worker publish
too, so every count is of this module's content: its posts carry a tag of their own."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tests.support.article_helpers import create, publish
from tests.support.content_keys import make_room
from tests.support.ghost_client import PREFIXES, VERSIONS, run_scenario
from tests.support.identity_helpers import User, make_user

pytestmark = pytest.mark.integration

PAGE_LIMIT = 4


@dataclass
class Post:
    slug: str
    title: str
    author: str
    tags: list[str]
    featured: bool = False


@dataclass
class World:
    """What this module made, and so what the Content API must answer."""

    tag: str
    other_tag: str
    authors: dict[str, User]
    bios: dict[str, str]
    editor: User
    posts: list[Post] = field(default_factory=list)
    draft_slug: str = ""
    page_slug: str = ""
    page_title: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    key: str = ""

    def slugs(self, **where: Any) -> set[str]:
        return {p.slug for p in self.posts if all(getattr(p, k) == v for k, v in where.items())}

    def tagged(self, tag: str) -> set[str]:
        return {p.slug for p in self.posts if tag in p.tags}


def _ok(response: requests.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _put_site(base: str, admin: User, settings: dict[str, Any]) -> None:
    etag = requests.get(f"{base}/site", timeout=30).headers["ETag"]
    headers = {**admin.auth, "If-Match": etag}
    _ok(requests.put(f"{base}/site", json=settings, headers=headers, timeout=30))


@pytest.fixture(scope="module")
def world(local_api: str) -> World:
    run = uuid.uuid4().hex[:8]
    admin = make_user(local_api, "admin")
    editor = make_user(local_api, "editor")
    authors = {user.username: user for user in (make_user(local_api, "author") for _ in range(2))}
    bios = {name: f"Writes about {name} things." for name in authors}
    for name, user in authors.items():
        _ok(
            requests.patch(
                f"{local_api}/me",
                json={"display_name": f"Author {name}", "bio": bios[name]},
                headers=user.auth,
                timeout=30,
            )
        )
    found = World(tag=f"g{run}", other_tag=f"o{run}", authors=authors, bios=bios, editor=editor)

    def post(user: User, title: str, tags: list[str], **extra: Any) -> None:
        body = f"# {title}\n\nWords of **{found.tag}** in Markdown, run {run}."
        made = publish(
            local_api, user, create(local_api, user, title=title, body=body, tags=tags, **extra)
        )
        found.posts.append(
            Post(made["slug"], title, user.username, tags, bool(extra.get("featured")))
        )

    first, second = authors.values()
    for n in range(3):
        post(first, f"First author's post {n} {run}", [found.tag, found.other_tag][: 1 + n % 2])
    for n in range(2):
        post(second, f"Second author's post {n} {run}", [found.tag])
    post(editor, f"The featured post {run}", [found.tag], featured=True)
    found.draft_slug = create(local_api, first, title=f"A draft {run}", tags=[found.tag])["slug"]
    found.page_title = f"About {run}"
    page = create(local_api, editor, title=found.page_title, body="About us.", type="page")
    found.page_slug = publish(local_api, editor, page)["slug"]
    found.settings = {
        "title": f"Ghost client site {run}",
        "description": "Read through Ghost's own client.",
        "navigation": [
            {"label": "Home", "url": "/"},
            {"label": "About", "url": f"/{found.page_slug}/"},
        ],
        "lang": "en",
        "timezone": "Europe/Paris",
    }
    _put_site(local_api, admin, found.settings)
    make_room(needed=1)
    created = requests.post(
        f"{local_api}/content-keys",
        json={"name": f"ghost client {run}"},
        headers=admin.auth,
        timeout=30,
    )
    found.key = _ok(created, 201)["key"]
    return found


@pytest.fixture(scope="module")
def results(local_api: str, world: World) -> dict[str, dict[str, Any]]:
    plan = {
        "url": local_api,
        "key": world.key,
        "bad_key": "f" * 26,
        "tag": world.tag,
        "featured_tag": world.other_tag,
        "author": next(iter(world.authors)),
        "post_slug": world.posts[0].slug,
        "page_slug": world.page_slug,
        "missing_slug": f"no-such-post-{uuid.uuid4().hex[:8]}",
        "page_limit": PAGE_LIMIT,
    }
    return run_scenario(plan)


def value(results: dict[str, Any], call: str) -> Any:
    """The call's result, or a failure that shows what the client threw."""
    outcome = results[call]
    assert outcome["ok"], f"{call}: {outcome['error']}"
    return outcome["value"]


def items(results: dict[str, Any], call: str) -> list[dict[str, Any]]:
    browsed = value(results, call)
    assert set(browsed) == {"items", "meta"}, f"{call}: not an array, a read's object"
    assert browsed["meta"] is not None, f"{call}: a browse carries meta"
    found: list[dict[str, Any]] = browsed["items"]
    return found


def thrown(results: dict[str, Any], call: str) -> dict[str, Any]:
    outcome = results[call]
    assert not outcome["ok"], f"{call}: the client did not throw: {outcome['value']}"
    error: dict[str, Any] = outcome["error"]
    return error


@pytest.fixture(params=VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def got(results: dict[str, dict[str, Any]], version: str) -> dict[str, Any]:
    return results[version]


def test_a_two_page_walk_follows_meta_pagination(got, world):
    total = len(world.tagged(world.tag))
    pages = math.ceil(total / PAGE_LIMIT)
    assert pages == 2  # the content makes two pages
    first = value(got, "posts_page_1")["meta"]["pagination"]
    assert first == {
        "page": 1,
        "limit": PAGE_LIMIT,
        "pages": pages,
        "total": total,
        "next": 2,
        "prev": None,
    }
    second = value(got, "posts_page_2")["meta"]["pagination"]
    assert second == {
        "page": 2,
        "limit": PAGE_LIMIT,
        "pages": pages,
        "total": total,
        "next": None,
        "prev": 1,
    }
    walked = items(got, "posts_page_1") + items(got, "posts_page_2")
    assert len(items(got, "posts_page_1")) == PAGE_LIMIT
    assert [p["slug"] for p in walked] == [p["slug"] for p in items(got, "posts_all")]
    assert {p["slug"] for p in walked} == world.tagged(world.tag)
    assert world.draft_slug not in {p["slug"] for p in walked}
    assert world.page_slug not in {p["slug"] for p in walked}


def test_posts_come_newest_first_with_all_of_them_under_limit_all(got, world):
    posts = items(got, "posts_all")
    assert {p["slug"] for p in posts} == world.tagged(world.tag)
    published = [p["published_at"] for p in posts]
    assert all(isinstance(moment, str) for moment in published)
    assert published == sorted(published, reverse=True)
    meta = value(got, "posts_all")["meta"]["pagination"]
    assert (meta["total"], meta["pages"], meta["next"]) == (len(posts), 1, None)


def test_the_default_browse_is_the_first_page_of_fifteen(got):
    meta = value(got, "posts_default")["meta"]["pagination"]
    assert (meta["page"], meta["limit"], meta["prev"]) == (1, 15, None)
    assert len(items(got, "posts_default")) == min(15, meta["total"])


def test_include_tags_and_authors_gives_primary_tag_and_author(got, world):
    by_slug = {p.slug: p for p in world.posts}
    for post in items(got, "posts_all"):
        expected = by_slug[post["slug"]]
        assert post["title"] == expected.title
        assert [t["slug"] for t in post["tags"]] == expected.tags
        assert post["primary_tag"] == post["tags"][0]
        assert [a["slug"] for a in post["authors"]] == [expected.author]
        assert post["primary_author"] == post["authors"][0]
        for url in (post["url"], post["primary_author"]["url"], post["primary_tag"]["url"]):
            assert url.startswith(("http://", "https://")), url
        assert "email" not in post["primary_author"]


def test_read_by_the_id_a_browse_returned(got):
    read = value(got, "post_by_id")
    assert "items" not in read, "a read is the post itself, not an array"
    assert read["id"] == got["read_id_requested"]
    assert read["slug"] == items(got, "posts_page_1")[0]["slug"]
    assert isinstance(read["tags"], list)
    assert read["primary_author"]["slug"]


def test_read_by_slug_with_html_and_plaintext(got, world):
    read = value(got, "post_by_slug")
    expected = world.posts[0]
    assert (read["slug"], read["title"]) == (expected.slug, expected.title)
    assert read["primary_author"]["slug"] == expected.author
    assert f"<strong>{world.tag}</strong>" in read["html"]
    assert world.tag in read["plaintext"]
    assert "<" not in read["plaintext"]


def test_filter_by_tag(got, world):
    assert {p["slug"] for p in items(got, "posts_tag")} == world.tagged(world.other_tag)


def test_filter_featured(got, world):
    featured = items(got, "posts_featured")
    assert world.slugs(featured=True) <= {p["slug"] for p in featured}
    assert all(p["featured"] is True for p in featured)
    assert {p["slug"] for p in items(got, "posts_featured_in_run")} == world.slugs(featured=True)
    assert len(world.slugs(featured=True)) == 1


def test_filter_by_author(got, world):
    author = next(iter(world.authors))
    posts = items(got, "posts_author")
    assert {p["slug"] for p in posts} == world.slugs(author=author)
    assert all(p["primary_author"]["slug"] == author for p in posts)


def test_fields_limits_the_keys(got, world):
    posts = items(got, "posts_fields")
    assert {p["slug"] for p in posts} == world.tagged(world.tag)
    assert all(set(p) == {"id", "title", "slug"} for p in posts)


def test_formats_html_and_plaintext(got, world):
    posts = items(got, "posts_formats")
    assert {p["slug"] for p in posts} == world.tagged(world.tag)
    for post in posts:
        assert f"<strong>{world.tag}</strong>" in post["html"]
        assert world.tag in post["plaintext"]
        assert "<strong>" not in post["plaintext"]


def test_pages_browse_and_read(got, world):
    pages = items(got, "pages")
    slugs = {p["slug"] for p in pages}
    assert world.page_slug in slugs
    assert not slugs & world.slugs(), "posts are not pages"
    read = value(got, "page_by_slug")
    assert (read["slug"], read["title"]) == (world.page_slug, world.page_title)
    assert read["primary_author"]["slug"] == world.editor.username
    assert read["url"].endswith(f"/{world.page_slug}/")


def test_authors_with_their_post_counts(got, world):
    authors = {a["slug"]: a for a in items(got, "authors")}
    for name in world.authors:
        author = authors[name]
        assert author["name"] == f"Author {name}"
        assert author["bio"] == world.bios[name]
        assert author["count"]["posts"] == len(world.slugs(author=name))
        assert "email" not in author
    name = next(iter(world.authors))
    read = value(got, "author_by_slug")
    assert (read["slug"], read["count"]["posts"]) == (name, len(world.slugs(author=name)))


def test_tags_with_their_post_counts(got, world):
    tags = {t["slug"]: t for t in items(got, "tags")}
    for tag in (world.tag, world.other_tag):
        assert tags[tag]["count"]["posts"] == len(world.tagged(tag))  # the draft not counted
        assert tags[tag]["url"].endswith(f"/tag/{tag}/")
    read = value(got, "tag_by_slug")
    assert (read["slug"], read["count"]["posts"]) == (world.tag, len(world.tagged(world.tag)))


def test_settings_are_an_object_of_the_sites_settings(got, world):
    settings = value(got, "settings")
    assert isinstance(settings, dict)
    assert "items" not in settings
    for name in ("title", "description", "navigation", "lang", "timezone"):
        assert settings[name] == world.settings[name], name
    assert isinstance(settings["url"], str)
    assert settings["url"].startswith("http")


def test_tiers_hold_a_free_tier(got):
    tiers = items(got, "tiers")
    assert [t["type"] for t in tiers].count("free") == 1
    assert value(got, "tiers")["meta"]["pagination"]["total"] == len(tiers)


def test_an_unknown_key_is_thrown_as_unauthorized(got):
    error = thrown(got, "error_bad_key")
    assert (error["name"], error["message"], error["status"]) == (
        "UnauthorizedError",
        "Unknown Content API Key",
        401,
    )


def test_a_missing_post_is_thrown_as_not_found_on_the_versions_prefix(got, version):
    error = thrown(got, "error_missing_post")
    assert (error["name"], error["type"], error["status"]) == (
        "NotFoundError",
        "NotFoundError",
        404,
    )
    assert error["message"] == "Resource not found error, cannot read post."
    assert len(error["body"]["errors"]) == 1
    assert error["path"].startswith(f"{PREFIXES[version]}posts/slug/no-such-post-"), error["path"]


def test_a_filter_that_does_not_parse_is_thrown_as_bad_request(got):
    error = thrown(got, "error_bad_filter")
    assert (error["name"], error["status"]) == ("BadRequestError", 400)
