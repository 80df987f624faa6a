"""Pages, featured articles, custom excerpts and meta fields (issue 15): who may manage pages
and feature articles, which excerpt is stored, that an article's type is fixed, and that a
published page is kept out of every listing's storage (feed, release index, tags, sitemap)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from byline.auth.policy import Action, can
from byline.auth.principal import Principal
from byline.content.markdown import article_excerpt
from byline.data import keys
from byline.data.articles import ArticleRecord, Articles, index_keys
from byline.errors import Forbidden, UnprocessableContent
from byline.models.articles import ArticleCreate, ArticlePatch, PublishRequest
from byline.services.articles import ArticleService
from tests.support.memory_table import MemoryTable


def person(name: str, role: str) -> Principal:
    return Principal(username=name, sub=f"sub-{name}", groups=(role,))


READER, AUTHOR, EDITOR, ADMIN = (
    person("rita", "reader"),
    person("arthur", "author"),
    person("edna", "editor"),
    person("ada", "admin"),
)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("principal", "allowed"), [(READER, False), (AUTHOR, False), (EDITOR, True), (ADMIN, True)]
)
def test_only_editors_and_admins_manage_pages_and_feature_articles(principal, allowed):
    for action in (Action.manage_pages, Action.feature_article):
        assert can(principal, action) is allowed
        assert can(principal, action, owner=principal.username) is allowed  # owning is not enough


def test_the_custom_excerpt_wins_over_the_subtitle_and_the_text():
    long_text = "word " * 100
    assert article_excerpt("Mine.", "A subtitle", long_text) == "Mine."
    assert article_excerpt("x" * 300, "", long_text) == "x" * 300  # never cut
    assert article_excerpt(None, "A subtitle", long_text) == "A subtitle"
    assert article_excerpt("", "", long_text).endswith("…")
    assert len(article_excerpt(None, "", long_text)) <= 201


def test_custom_excerpt_and_meta_fields_are_bounded_single_lines():
    assert ArticleCreate(title="T", custom_excerpt="x" * 300).custom_excerpt == "x" * 300
    for name, limit in (("custom_excerpt", 300), ("meta_title", 300), ("meta_description", 500)):
        with pytest.raises(ValidationError):
            ArticleCreate.model_validate({"title": "T", name: "x" * (limit + 1)})
        with pytest.raises(ValidationError):
            ArticlePatch.model_validate({name: "two\nlines"})
    with pytest.raises(ValidationError):
        ArticleCreate.model_validate({"title": "T", "type": "newsletter"})
    assert ArticleCreate(title="T").type == "post"
    assert ArticleCreate(title="T").featured is False


def page_item(status: str = "published", **extra: Any) -> dict[str, Any]:
    return {
        "id": "01jbq3k8w0x7c2d5f9g4h6",
        "slug": "about",
        "author": "edna",
        "status": status,
        "page": True,
        "tags": ["python"],
        "published_at": "2026-11-25T09:30:00.000Z",
        "released_at": "2026-11-25T09:30:00.000Z",
        "updated_at": "2026-11-25T09:30:00.000Z",
        "publish_at": "2026-12-01T09:00:00.000Z",
        **extra,
    }


def test_a_published_page_is_indexed_as_a_page_only():
    index = index_keys(page_item())
    assert index["GSI2PK"] == "PAGES#PUBLISHED"
    assert index["GSI2SK"] == "2026-11-25T09:30:00.000Z#01jbq3k8w0x7c2d5f9g4h6"
    assert index["GSI4PK"] is None
    assert index["GSI4SK"] is None
    assert index["GSI3SK"] is not None
    assert index["GSI3SK"].startswith("PAGE#PUBLISHED#")
    assert not index["GSI3SK"].startswith(keys.author_status_prefix("published"))
    scheduled = index_keys(page_item("scheduled"))
    assert scheduled["GSI2PK"] == keys.scheduled_queue()  # the scheduler still finds it
    post = index_keys({**page_item(), "page": None})
    assert post["GSI2PK"] == "FEED#PUBLISHED"
    assert post["GSI4PK"] == "FEED#RELEASED"


def test_new_fields_round_trip_and_are_absent_from_a_post_item():
    record = ArticleRecord(
        id="01jbq3k8w0x7c2d5f9g4h6",
        slug="about",
        title="About",
        author="edna",
        status="draft",
        version=1,
        created_at="2026-11-24T08:00:00.000Z",
        updated_at="2026-11-24T08:00:00.000Z",
        page=True,
        featured=True,
        custom_excerpt="Who we are.",
        meta_title="About us",
        meta_description="The people behind the site.",
    )
    stored = {k: v for k, v in record.to_item().items() if v is not None}
    assert ArticleRecord.from_item(stored) == record
    post = ArticleRecord(**{**stored, "page": False, "featured": False, "tags": ()})
    item = post.to_item()
    assert item["page"] is None
    assert item["featured"] is None


class Events:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, name: str, detail: dict[str, Any]) -> bool:
        self.sent.append((name, detail))
        return True


@pytest.fixture
def world() -> tuple[ArticleService, MemoryTable, Events]:
    table = MemoryTable()
    events = Events()
    service = ArticleService(
        articles=Articles(table),  # type: ignore[arg-type]
        cursor_key=lambda: b"k" * 32,
        publish_event=events,
        clock=lambda: NOW,
    )
    return service, table, events


def partitions(table: MemoryTable) -> set[str]:
    found = set()
    for item in table.items.values():
        for attr in ("PK", "GSI2PK", "GSI4PK"):
            if item.get(attr):
                found.add(str(item[attr]))
    return found


def test_only_editors_create_pages_and_pages_are_never_in_a_series(world):
    service, _, _ = world
    with pytest.raises(Forbidden):
        service.create(AUTHOR, ArticleCreate(title="About", type="page"))
    with pytest.raises(UnprocessableContent):
        service.create(EDITOR, ArticleCreate(title="About", type="page", series="Intro"))
    page = service.create(EDITOR, ArticleCreate(title="About", type="page"))
    assert page.type == "page"
    assert service.create(AUTHOR, ArticleCreate(title="Post")).type == "post"


def test_a_published_page_stays_out_of_feed_tags_digests_and_the_articles_sitemap(world):
    service, table, events = world
    page = service.create(EDITOR, ArticleCreate(title="About", type="page", tags=["python"]))
    published = service.publish(EDITOR, page.id, PublishRequest())
    assert published.type == "page"
    held = partitions(table)
    assert "PAGES#PUBLISHED" in held
    assert "SITEMAP#PAGES" in held
    for kept_out in ("FEED#PUBLISHED", "FEED#RELEASED", "TAG#python", "TAGS", "SITEMAP"):
        assert kept_out not in held
    assert service.articles.published_pages().items[0].id == page.id
    assert [e.slug for e in service.articles.page_sitemap_entries().items] == ["about"]
    assert service.articles.newest(10, None).items == []
    assert service.list(tag=None, author="edna", limit=10, cursor=None).items == []
    assert [a.id for a in service.list_mine(EDITOR, None, 10, None).items] == [page.id]
    assert [name for name, _ in events.sent] == ["PagePublished"]
    assert events.sent[0][1]["type"] == "page"
    service.unpublish(EDITOR, page.id)
    assert service.articles.published_pages().items == []
    assert service.articles.page_sitemap_entries().items == []
    assert [name for name, _ in events.sent] == ["PagePublished", "PageUnpublished"]


def test_a_page_created_by_an_editor_who_became_an_author_is_no_longer_theirs_to_manage(world):
    service, _, _ = world
    page = service.create(person("arthur", "editor"), ArticleCreate(title="About", type="page"))
    for act in (
        lambda: service.update(AUTHOR, page.id, ArticlePatch(subtitle="x"), lambda _: None),
        lambda: service.publish(AUTHOR, page.id, PublishRequest()),
        lambda: service.delete(AUTHOR, page.id),
    ):
        with pytest.raises(Forbidden):
            act()


def test_the_type_is_fixed_after_creation(world):
    service, _, _ = world
    post = service.create(AUTHOR, ArticleCreate(title="Post"))
    with pytest.raises(UnprocessableContent, match="type"):
        service.update(EDITOR, post.id, ArticlePatch(type="page"), lambda _: None)
    same = service.update(AUTHOR, post.id, ArticlePatch(type="post", subtitle="s"), lambda _: None)
    assert same.type == "post"
    assert same.subtitle == "s"
    page = service.create(EDITOR, ArticleCreate(title="About", type="page"))
    with pytest.raises(UnprocessableContent):
        service.update(EDITOR, page.id, ArticlePatch(type="post"), lambda _: None)
    with pytest.raises(UnprocessableContent):
        service.update(EDITOR, page.id, ArticlePatch(series="Intro"), lambda _: None)


def test_only_editors_set_or_change_featured(world):
    service, _, _ = world
    with pytest.raises(Forbidden):
        service.create(AUTHOR, ArticleCreate(title="Mine", featured=True))
    post = service.create(AUTHOR, ArticleCreate(title="Mine"))
    with pytest.raises(Forbidden):
        service.update(AUTHOR, post.id, ArticlePatch(featured=True), lambda _: None)
    unchanged = service.update(
        AUTHOR, post.id, ArticlePatch(featured=False, title="Mine too"), lambda _: None
    )
    assert unchanged.featured is False
    featured = service.update(EDITOR, post.id, ArticlePatch(featured=True), lambda _: None)
    assert featured.featured is True
    kept = service.update(
        AUTHOR, post.id, ArticlePatch(featured=True, subtitle="s"), lambda _: None
    )
    assert kept.featured is True
    assert kept.subtitle == "s"
    with pytest.raises(Forbidden):
        service.update(AUTHOR, post.id, ArticlePatch(featured=False), lambda _: None)
    assert service.create(EDITOR, ArticleCreate(title="Pick", featured=True)).featured is True


def test_the_stored_excerpt_follows_the_custom_one_and_listings_show_it(world):
    service, _, _ = world
    body = "Automatic " * 50
    post = service.create(
        AUTHOR, ArticleCreate(title="E", body=body, tags=["x"], custom_excerpt="Read this.")
    )
    assert post.excerpt == "Read this."
    assert post.custom_excerpt == "Read this."
    service.publish(AUTHOR, post.id, PublishRequest())
    assert service.list(tag="x", author=None, limit=5, cursor=None).items[0].excerpt == (
        "Read this."
    )
    assert service.articles.newest(5, None).items[0].excerpt == "Read this."
    cleared = service.update(AUTHOR, post.id, ArticlePatch(custom_excerpt=None), lambda _: None)
    assert cleared.custom_excerpt is None
    assert cleared.excerpt.startswith("Automatic Automatic")
    assert (
        service.list(tag="x", author=None, limit=5, cursor=None)
        .items[0]
        .excerpt.startswith("Automatic")
    )
    meta = service.update(
        AUTHOR, post.id, ArticlePatch(meta_title="M", meta_description="D"), lambda _: None
    )
    assert (meta.meta_title, meta.meta_description) == ("M", "D")


def test_a_body_rendering_past_the_html_cap_is_refused(world, monkeypatch):
    import byline.services.articles as articles_service

    service, _, _ = world
    monkeypatch.setattr(articles_service, "MAX_HTML_BYTES", 2_000)
    with pytest.raises(UnprocessableContent, match="renders to more than"):
        service.create(AUTHOR, ArticleCreate(title="Long", body="&" * 1_000))  # 5 KB of html
    assert service.create(AUTHOR, ArticleCreate(title="Short", body="&" * 100)).title == "Short"


def test_reference_links_that_would_expand_are_refused_before_rendering(world, monkeypatch):
    import byline.services.articles as articles_service

    service, _, _ = world
    rendered: list[str] = []
    monkeypatch.setattr(articles_service, "render", lambda *a, **k: rendered.append("x"))
    bomb = f"[x]: <https://x.example/{'a' * 2000}>\n\n" + "[x] " * 1000
    with pytest.raises(UnprocessableContent, match="reference links"):
        service.create(AUTHOR, ArticleCreate(title="Bomb", body=bomb))
    assert rendered == []
