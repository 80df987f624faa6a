"""Typed records (byline/data): ``from_item`` reads what the repositories store, and an
article written whole comes back the same."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from byline.data import articles as articles_module
from byline.data import keys
from byline.data.articles import (
    ALIAS_DROPS_PER_SAVE,
    ALWAYS_WRITTEN,
    MAX_ALIASES,
    ArticleRecord,
    Articles,
    IncompleteItem,
    ListedArticle,
    SitemapEntry,
    SlugAlias,
    index_keys,
    summary,
)
from byline.data.conversation import CommentRecord, LikeRecord
from byline.data.media import ACCEPTED, MediaRecord, MediaRecords
from byline.data.users import UserRecord
from byline.models.articles import MAX_TAGS
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


class CountingTable(MemoryTable):
    """Records the size of every transaction and refuses one DynamoDB would (over 100 items)."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def transact(self, operations: Sequence[Mapping[str, Any]]) -> None:
        self.sizes.append(len(operations))
        assert len(operations) <= TRANSACT_WRITE_LIMIT, "TransactWriteItems takes 100 items"
        super().transact(operations)


TRANSACT_WRITE_LIMIT = 100
LARGEST_SAVE = (
    1  # the article
    + 2  # the new slug's claim, and the old one's alias (or its deletion)
    + MAX_ALIASES  # the aliases kept current
    + ALIAS_DROPS_PER_SAVE  # the oldest aliases' claims, deleted
    + 4 * MAX_TAGS  # each old tag's entry and counter out, each new tag's in
    + 2  # the sitemap entry out and in
    + 3  # the series part out, the series head and the new part
    + 8  # the catalogue (decision 0018): the ALL counter, the author's entry out and in and
    # counter, the featured entry out and in and counter, the Content API id's lookup
    + 1  # the cover's check
    + 1  # the account guard (byline/services/authority.py), which rides along
)


def test_the_largest_save_stays_well_under_the_transaction_limit():
    assert LARGEST_SAVE <= 0.75 * TRANSACT_WRITE_LIMIT


def renamed(record: ArticleRecord, n: int, **changes: Any) -> ArticleRecord:
    tags = tuple(f"t{n}-{i}" for i in range(MAX_TAGS))
    return replace(
        record,
        title=f"Title {n}",
        slug=f"title-{n}",
        tags=tags,
        series_id=f"ann--s{n}",
        series_title=f"S{n}",
        series_part=n % 3 + 1,
        cover="m1",
        featured=True,  # its catalogue entry moves with the date
        published_at=f"2026-10-{n % 28 + 1:02d}T09:30:00.000Z",
        **changes,
    )


def test_renaming_a_published_article_keeps_its_newest_aliases_and_drops_the_oldest():
    table = CountingTable()
    table.put({**keys.media("m1"), "status": ACCEPTED, "owner": "ann"})
    articles = Articles(table)  # type: ignore[arg-type]
    now = "2026-11-25T09:30:00.000Z"
    record = replace(renamed(ARTICLE, 0), like_count=0, aliases=(), version=1)
    articles.create(record)
    cover = [MediaRecords.usable_check("m1", {"ann"})]
    for n in range(1, MAX_ALIASES + 15):
        after = renamed(record, n, updated_at=now)
        record = articles.save(record, after, keep_alias=True, checks=cover)
    assert len(record.aliases) == MAX_ALIASES
    assert record.aliases == tuple(f"title-{n}" for n in range(14, MAX_ALIASES + 14))
    stored = articles.get(record.id)
    assert stored is not None
    assert stored.aliases == record.aliases
    assert articles.find_by_slug("title-0") is None  # dropped: free again
    assert articles.find_by_slug("title-13") is None
    assert articles.find_by_slug("title-14") == SlugAlias("title-14", record.id, record.slug)
    for status in ("unpublished", "published", "deleted"):
        record = articles.save(record, replace(record, status=status, updated_at=now))
    assert max(table.sizes) <= LARGEST_SAVE - 1  # no guard here
    # the worst case ran (but the id lookup, written on a first publication only)
    assert max(table.sizes) >= LARGEST_SAVE - ALIAS_DROPS_PER_SAVE - 2 - 1


def test_an_article_with_aliases_from_before_the_cap_can_be_unpublished_and_deleted():
    table = CountingTable()
    articles = Articles(table)  # type: ignore[arg-type]
    old = tuple(f"old-{n}" for n in range(95))
    record = replace(ARTICLE, tags=tuple(f"t{i}" for i in range(MAX_TAGS)), version=1)
    articles.create(record)
    for slug in old:
        table.put({**keys.slug_claim(slug), "kind": "alias", "article_id": record.id})
    table.update(keys.article(record.id), "SET aliases = :a", values={":a": list(old)})
    record = replace(record, aliases=old)
    now = "2026-11-25T10:00:00.000Z"
    for status in ("unpublished", "published", "deleted"):
        record = articles.save(record, replace(record, status=status, updated_at=now))
    assert max(table.sizes) <= LARGEST_SAVE
    assert record.aliases == old[3 * ALIAS_DROPS_PER_SAVE :]  # shrinks a little every save
    assert articles.find_by_slug("old-0") is None


STORED = {**keys.article(ARTICLE.id), "kind": "article"} | {
    k: v for k, v in ARTICLE.to_item().items() if v is not None
}


@pytest.mark.parametrize("attribute", ALWAYS_WRITTEN)
def test_an_article_item_without_an_attribute_every_one_is_written_with_is_refused(
    attribute: str, monkeypatch: pytest.MonkeyPatch
):
    logged: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        articles_module.logger, "error", lambda msg, extra: logged.append((msg, extra))
    )
    damaged = {k: v for k, v in STORED.items() if k != attribute}
    with pytest.raises(IncompleteItem, match=attribute):
        ArticleRecord.from_item(damaged)
    assert logged == [
        (
            "Stored article item lacks attributes",
            {"missing": [attribute], "PK": STORED["PK"], "SK": "ARTICLE", "id": damaged.get("id")},
        )
    ]
    with pytest.raises(IncompleteItem):
        ArticleRecord.from_item({**STORED, attribute: None})


def test_the_attributes_the_strict_list_names_are_the_required_ones_of_a_new_draft():
    draft = ArticleRecord(
        id="a", slug="s", title="T", author="ann", status="draft", version=1,
        created_at="2026-11-24T08:00:00.000Z", updated_at="2026-11-24T08:00:00.000Z",
    )  # fmt: skip
    written = {k for k, v in draft.to_item().items() if v is not None}
    assert set(ALWAYS_WRITTEN) == written


OPTIONAL = (
    "cover", "canonical_url", "series_id", "series_title", "series_part", "published_at",
    "released_at", "publish_at", "deleted_at", "aliases",
)  # fmt: skip


def test_an_article_item_without_its_optional_or_newer_attributes_reads_with_defaults():
    sparse = {k: v for k, v in STORED.items() if k not in OPTIONAL}
    record = ArticleRecord.from_item(sparse)
    assert record == replace(
        ARTICLE, **{name: None for name in OPTIONAL if name != "aliases"}, aliases=()
    )
    # released_at is newer than the first published articles: their release is their publication
    old = ArticleRecord.from_item({k: v for k, v in STORED.items() if k != "released_at"})
    assert old.released_at is None
    assert index_keys(old.to_item())["GSI4SK"] == keys.timeline_sort(
        str(ARTICLE.published_at), ARTICLE.id
    )
    # an empty body, subtitle or tag list is a value, not a missing attribute
    empty = ArticleRecord.from_item({**STORED, "body": "", "subtitle": "", "tags": []})
    assert (empty.body, empty.subtitle, empty.tags) == ("", "", ())
