"""Typed records (byline/data): ``from_item`` reads what the repositories store, and an
article written whole comes back the same."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from byline.data import keys
from byline.data.articles import (
    ArticleRecord,
    Articles,
    ListedArticle,
    SitemapEntry,
    SlugAlias,
    summary,
)
from byline.data.conversation import CommentRecord, LikeRecord
from byline.data.media import MediaRecord
from byline.data.users import UserRecord
from tests.support.memory_table import MemoryTable

ARTICLE = ArticleRecord(
    id="01jbq3k8w0x7c2d5f9g4h6",
    slug="hello",
    title="Hello",
    author="ann",
    status="published",
    version=3,
    created_at="2026-11-24T08:00:00.000Z",
    updated_at="2026-11-25T09:30:00.000Z",
    body="Hi",
    html="<p>Hi</p>",
    tags=("python", "aws"),
    series_id="ann--intro",
    series_title="Intro",
    series_part=2,
    like_count=4,
    published_at="2026-11-25T09:30:00.000Z",
    released_at="2026-11-25T09:30:00.000Z",
    aliases=("old-hello",),
)


def test_an_article_item_round_trips_with_the_numbers_dynamodb_returns():
    item = {k: v for k, v in ARTICLE.to_item().items() if v is not None}
    item.update(version=Decimal(3), like_count=Decimal(4), series_part=Decimal(2))
    assert ArticleRecord.from_item({**keys.article(ARTICLE.id), "kind": "article", **item}) == (
        ARTICLE
    )
    assert ARTICLE.to_item()["tags"] == ["python", "aws"]
    assert ArticleRecord.from_item(item).is_published


def test_a_listing_entry_reads_the_summary_an_article_copies():
    listed = ListedArticle.from_item(summary(ARTICLE.to_item()))
    assert (listed.id, listed.tags, listed.like_count, listed.published_at) == (
        ARTICLE.id,
        ARTICLE.tags,
        4,
        ARTICLE.published_at,
    )


def test_a_sitemap_entry_and_an_alias_take_what_their_keys_hold():
    entry = SitemapEntry.from_item(keys.sitemap_entry("2026-11-25T09:30:00.000Z", "01ja"))
    assert (entry.id, entry.published_at, entry.slug) == ("01ja", "2026-11-25T09:30:00.000Z", None)
    alias = SlugAlias.from_item(
        {**keys.slug_claim("old"), "kind": "alias", "article_id": "a1", "target_slug": "new"}
    )
    assert alias == SlugAlias(slug="old", article_id="a1", target_slug="new")


def test_comments_likes_and_media_parse_their_items():
    comment = CommentRecord(
        id="c1",
        article_id="a1",
        author="ann",
        status="visible",
        body="x",
        html="<p>x</p>",
        created_at="2026-11-25T09:30:00.000Z",
        thread_sort="2026-11-25T09:30:00.000Z#c1",
    )
    assert CommentRecord.from_item(comment.to_item()) == comment
    like = LikeRecord.from_item({**keys.like("a1", "Ann"), "username": "ann"})
    assert like == LikeRecord(article_id="a1", username="ann", created_at=None)
    media = MediaRecord.from_item(
        {"key": "media/ann/x.png", "owner": "ann", "status": "accepted",
         "content_type": "image/png", "declared_size": Decimal(10), "width": Decimal(3)}
    )  # fmt: skip
    assert (media.declared_size, media.width, media.height) == (10, 3, None)


def test_a_saved_article_reads_back_as_written_with_its_next_version():
    table = MemoryTable()
    articles = Articles(table)  # type: ignore[arg-type]
    draft = ArticleRecord(
        id="01jbq3k8w0x7c2d5f9g4h6",
        slug="hello",
        title="Hello",
        author="ann",
        status="draft",
        version=1,
        created_at="2026-11-24T08:00:00.000Z",
        updated_at="2026-11-24T08:00:00.000Z",
        tags=("python",),
    )
    articles.create(draft)
    assert articles.get(draft.id) == draft
    now = "2026-11-25T09:30:00.000Z"
    published = replace(draft, status="published", published_at=now, released_at=now)
    saved = articles.save(draft, published)
    assert saved.version == 2
    assert articles.get(draft.id) == saved
    assert [a.id for a in articles.by_tag("python", 10, None).items] == [draft.id]


def test_a_profile_writes_no_attribute_an_account_check_needs_absent():
    profile = UserRecord(username="ann", email="ann@example.com", display_name="Ann")
    item = profile.to_item()
    assert not {"deleting", "tokens_valid_from", "sub", "ttl"} & item.keys()
    stored = {**keys.user_profile("ann"), **item, "ttl": Decimal(2_000_000_000)}
    pending = UserRecord.from_item(stored)
    assert (pending.pending_until, pending.is_pending, pending.is_live) == (
        2_000_000_000,
        True,
        False,
    )
    confirmed = UserRecord.from_item({**stored, "confirmed": True, "deleting": True})
    assert (confirmed.is_pending, confirmed.is_live) == (False, False)
    assert UserRecord.from_item(replace(profile, deleting=True).to_item()).deleting
