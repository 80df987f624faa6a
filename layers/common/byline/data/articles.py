"""Articles in the single table: the article item, its slug claims and aliases, the per-tag
listing entries and counters, and series parts. Every multi-item change is one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, Self

from byline.data import keys
from byline.data.catalogue import ENTRY_FIELDS, catalogue_ops, count_expression, day_moves
from byline.data.table import (
    Check,
    ConditionFailed,
    Item,
    Page,
    Records,
    Table,
    Transaction,
    delete_op,
    put_op,
    raise_for_checks,
    update_op,
)
from byline.ids import looks_like_id
from byline.observability import logger

SUMMARY_FIELDS = (
    "id", "slug", "title", "subtitle", "author", "status", "tags", "excerpt", "reading_minutes",
    "cover", "like_count", "comment_count", "published_at", "updated_at", "featured",
)  # fmt: skip
SITEMAP_FIELDS = ENTRY_FIELDS
"""A sitemap entry is also the Content API catalogue's entry of every listed post."""
COUNTERS = ("like_count", "comment_count")
MAX_ALIASES = 20
"""Old slugs an article keeps (the newest). Every save that moves the article's slug or its
visibility updates each one in its transaction, and TransactWriteItems takes at most 100
items, so the list is capped: a rename that adds a 21st alias deletes the oldest alias's claim
in the same transaction (that slug answers 404 and is free again). tests/unit/test_records.py
computes the largest save's transaction from these limits."""
ALIAS_DROPS_PER_SAVE = 10
"""Alias claims one save deletes at most. More than one only for a list longer than
:data:`MAX_ALIASES` (stored before the cap): it shrinks by this many a save, and the aliases
still waiting beyond the newest :data:`MAX_ALIASES` are neither updated nor dropped meanwhile
(reading one reads the article, so an unpublished article's stays 404)."""


ALWAYS_WRITTEN = (
    "id", "slug", "title", "author", "status", "version", "created_at", "updated_at",
    "subtitle", "body", "html", "excerpt", "reading_minutes", "tags", "like_count",
    "comment_count",
)  # fmt: skip
"""What every article item has had since articles were first stored (the create of 746644f
wrote them all, and no save removes one). :meth:`ArticleRecord.from_item` refuses an item
without one instead of inventing a value: an empty body would be rendered over the published
html by the next edit, a version of 1 would make every write a 412, no tags would leave the
tag listings' entries behind and a new created_at would be saved. The other attributes are
optional (absent while unset: cover, series, published_at...) or newer than some items
(``released_at``, from the digests of 5cdb315: its absence means ``published_at``; ``page``,
``featured``, ``custom_excerpt``, ``meta_title`` and ``meta_description``, from issue 15: each
is written only when set, ``page`` and ``featured`` only as ``True``, so their absence means a
post that is not featured)."""


class IncompleteItem(Exception):
    """A stored item lacks an attribute every item of its kind is written with (a damaged
    item): an error, a 500 to the caller, never a default."""


def _require(item: Mapping[str, Any], names: Sequence[str]) -> None:
    missing = [name for name in names if item.get(name) is None]
    if missing:
        where = {"PK": item.get("PK"), "SK": item.get("SK"), "id": item.get("id")}
        logger.error("Stored article item lacks attributes", extra={"missing": missing, **where})
        raise IncompleteItem(f"article item {where} lacks {', '.join(missing)}")


def _text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value)


def _tags(item: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(t) for t in item.get("tags") or ())


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """An article as stored (the ``ARTICLE`` item; its GSI attributes follow from its state).
    Timestamps are the ISO strings the table holds."""

    id: str
    slug: str
    title: str
    author: str
    status: str
    version: int
    created_at: str
    updated_at: str
    subtitle: str = ""
    body: str = ""
    html: str = ""
    excerpt: str = ""
    reading_minutes: int = 1
    tags: tuple[str, ...] = ()
    cover: str | None = None
    canonical_url: str | None = None
    series_id: str | None = None
    series_title: str | None = None
    series_part: int | None = None
    like_count: int = 0
    comment_count: int = 0
    published_at: str | None = None
    released_at: str | None = None
    publish_at: str | None = None
    deleted_at: str | None = None
    aliases: tuple[str, ...] = ()
    page: bool = False
    """A page (about, contact) rather than a post: set on creation, never changed. Kept out of
    feeds, digests, listings, tags and the articles' sitemap (:func:`index_keys`)."""
    featured: bool = False
    custom_excerpt: str | None = None
    meta_title: str | None = None
    meta_description: str | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        """The record of a stored article item; :class:`IncompleteItem` (logged, naming the
        attributes) when it lacks one of :data:`ALWAYS_WRITTEN`."""
        _require(item, ALWAYS_WRITTEN)
        part = item.get("series_part")
        return cls(
            id=str(item["id"]),
            slug=str(item["slug"]),
            title=str(item["title"]),
            author=str(item["author"]),
            status=str(item["status"]),
            version=int(item["version"]),
            created_at=str(item["created_at"]),
            updated_at=str(item["updated_at"]),
            subtitle=str(item["subtitle"]),
            body=str(item["body"]),
            html=str(item["html"]),
            excerpt=str(item["excerpt"]),
            reading_minutes=int(item["reading_minutes"]),
            tags=_tags(item),
            cover=_text(item, "cover"),
            canonical_url=_text(item, "canonical_url"),
            series_id=_text(item, "series_id"),
            series_title=_text(item, "series_title"),
            series_part=None if part is None else int(part),
            like_count=int(item["like_count"]),
            comment_count=int(item["comment_count"]),
            published_at=_text(item, "published_at"),
            released_at=_text(item, "released_at"),
            publish_at=_text(item, "publish_at"),
            deleted_at=_text(item, "deleted_at"),
            aliases=tuple(str(a) for a in item.get("aliases") or ()),
            page=bool(item.get("page")),
            featured=bool(item.get("featured")),
            custom_excerpt=_text(item, "custom_excerpt"),
            meta_title=_text(item, "meta_title"),
            meta_description=_text(item, "meta_description"),
        )

    def to_item(self) -> Item:
        """Every attribute, ``None`` for one the article lacks (a put leaves it out, a save
        removes it). ``page`` and ``featured`` are stored only when true."""
        item: Item = {f.name: getattr(self, f.name) for f in fields(self)}
        item["tags"] = list(self.tags)
        item["aliases"] = list(self.aliases) or None
        item["page"] = True if self.page else None
        item["featured"] = True if self.featured else None
        return item

    @property
    def is_published(self) -> bool:
        return self.status == "published" and self.published_at is not None


@dataclass(frozen=True, slots=True)
class ListedArticle:
    """What a listing shows of an article: a tag entry, a series part, or an article item
    read through an index (the summary fields of :data:`SUMMARY_FIELDS`)."""

    id: str
    slug: str
    title: str
    author: str
    status: str
    updated_at: str
    subtitle: str = ""
    tags: tuple[str, ...] = ()
    excerpt: str = ""
    reading_minutes: int = 1
    cover: str | None = None
    like_count: int = 0
    comment_count: int = 0
    published_at: str | None = None
    featured: bool = False
    page: bool = False

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        return cls(
            id=str(item["id"]),
            slug=str(item["slug"]),
            title=str(item["title"]),
            author=str(item["author"]),
            status=str(item["status"]),
            updated_at=str(item["updated_at"]),
            subtitle=str(item.get("subtitle") or ""),
            tags=_tags(item),
            excerpt=str(item.get("excerpt") or ""),
            reading_minutes=int(item.get("reading_minutes") or 1),
            cover=_text(item, "cover"),
            like_count=int(item.get("like_count") or 0),
            comment_count=int(item.get("comment_count") or 0),
            published_at=_text(item, "published_at"),
            featured=bool(item.get("featured")),
            page=bool(item.get("page")),
        )

    @property
    def is_published(self) -> bool:
        return self.status == "published" and self.published_at is not None


@dataclass(frozen=True, slots=True)
class SlugAlias:
    """An old slug of an article (``SLUG#<old>`` while found by slug): it leads to
    ``target_slug``, the article's current one."""

    slug: str
    article_id: str
    target_slug: str | None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        return cls(
            slug=keys.parse_slug_claim(str(item["PK"])),
            article_id=str(item["article_id"]),
            target_slug=_text(item, "target_slug"),
        )


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """The slim copy of a published article that the sitemaps list."""

    id: str
    slug: str | None
    published_at: str
    updated_at: str | None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        published_at, article_id = keys.parse_timeline_sort(str(item["SK"]))
        return cls(
            id=str(item.get("id") or article_id),
            slug=_text(item, "slug"),
            published_at=str(item.get("published_at") or published_at),
            updated_at=_text(item, "updated_at"),
        )


@dataclass(frozen=True, slots=True)
class TagRecord:
    """A tag's counter: how many published articles carry it."""

    tag: str
    articles: int

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        return cls(tag=str(item["tag"]), articles=int(item.get("articles") or 0))


@dataclass(frozen=True, slots=True)
class SeriesRecord:
    """A series (its first part's title and author) and its published parts in order."""

    id: str
    title: str
    author: str
    parts: tuple[ListedArticle, ...]


class SlugTaken(Exception):
    pass


class VersionConflict(Exception):
    pass


def summary(article: Mapping[str, Any]) -> Item:
    """The summary fields of an article item (what its tag entries and series parts copy)."""
    return {f: article.get(f) for f in SUMMARY_FIELDS}


def tag_entry(tag: str, article: Mapping[str, Any]) -> Item:
    """A published post's listing entry under one of its tags."""
    return {
        **keys.tag_article(tag, article["published_at"], article["id"]),
        "kind": "tag-entry",
        **summary(article),
    }


def sitemap_entry(article: Mapping[str, Any]) -> Item:
    """A published article's sitemap entry (a page's in the pages' own partition)."""
    entry_key = keys.page_sitemap_entry if article.get("page") else keys.sitemap_entry
    return {
        **entry_key(article["published_at"], article["id"]),
        "kind": "sitemap-entry",
        **{f: article.get(f) for f in SITEMAP_FIELDS},
    }


def index_keys(article: Mapping[str, Any]) -> dict[str, str | None]:
    """The GSI attributes an article carries in its current state (None: not indexed). A
    published page is in GSI2 under ``PAGES#PUBLISHED`` only: never in the feed
    (``FEED#PUBLISHED``) nor the release index (GSI4) that the digests read; a scheduled page
    waits in ``FEED#SCHEDULED`` like a post, for the scheduled publisher."""
    status = article["status"]
    article_id = article["id"]
    page = bool(article.get("page"))
    feed: tuple[str | None, str | None] = (None, None)
    released: tuple[str | None, str | None] = (None, None)
    if status == "published" and page:
        feed = (keys.published_pages(), keys.timeline_sort(article["published_at"], article_id))
    elif status == "published":
        feed = (keys.published_feed(), keys.timeline_sort(article["published_at"], article_id))
        release = article.get("released_at") or article["published_at"]
        released = (keys.released_feed(), keys.timeline_sort(release, article_id))
    elif status == "scheduled":
        feed = (keys.scheduled_queue(), keys.timeline_sort(article["publish_at"], article_id))
    when = article["published_at"] if status == "published" else article["updated_at"]
    return {
        "GSI1PK": keys.slug_lookup(article["slug"]) if status != "deleted" else None,
        "GSI1SK": "ARTICLE" if status != "deleted" else None,
        "GSI2PK": feed[0],
        "GSI2SK": feed[1],
        "GSI3PK": keys.author_articles(article["author"]) if status != "deleted" else None,
        "GSI3SK": keys.author_article_sort(status, when, article_id, page=page)
        if status != "deleted"
        else None,
        "GSI4PK": released[0],
        "GSI4SK": released[1],
    }


def _listed_in_tags(article: Mapping[str, Any] | None) -> set[str]:
    """The tags whose listings (and counters) hold the article: none for a page."""
    if not article or article.get("status") != "published" or article.get("page"):
        return set()
    return set(article.get("tags") or [])


def _published(article: Mapping[str, Any] | None) -> bool:
    return article is not None and article.get("status") == "published"


def _aliases(
    before: Mapping[str, Any], after: Mapping[str, Any], *, keep_alias: bool
) -> tuple[list[str], list[str]]:
    """The old slugs that lead to the article after a save, oldest first, and the oldest ones
    the save drops (their claims are deleted): at most :data:`ALIAS_DROPS_PER_SAVE` of those
    beyond the newest :data:`MAX_ALIASES`."""
    aliases = [slug for slug in before.get("aliases") or [] if slug != after["slug"]]
    if keep_alias and before["slug"] != after["slug"]:
        aliases.append(before["slug"])
    drop = min(max(0, len(aliases) - MAX_ALIASES), ALIAS_DROPS_PER_SAVE)
    return aliases[drop:], aliases[:drop]


def _in_series(article: Mapping[str, Any] | None) -> tuple[str, int] | None:
    if not article or article.get("status") != "published" or not article.get("series_id"):
        return None
    if article.get("page"):
        return None  # the service refuses a series on a page; never listed as a part
    return str(article["series_id"]), int(article.get("series_part") or 1)


class Articles:
    def __init__(self, table: Table) -> None:
        self._table = table

    # -- reads (one request each) ------------------------------------------------------------
    def get(self, article_id: str, *, consistent: bool = False) -> ArticleRecord | None:
        item = self._table.get(keys.article(article_id), consistent=consistent)
        return ArticleRecord.from_item(item) if item else None

    def find(self, article: str) -> ArticleRecord | SlugAlias | None:
        """The article with this id, else the article or alias with this slug. An id-shaped
        ``article`` costs a GetItem, and a Query after it only when no article has that id."""
        if looks_like_id(article):
            item = self.get(article)
            if item is not None:
                return item
        return self.find_by_slug(article)

    def find_by_slug(self, slug: str) -> ArticleRecord | SlugAlias | None:
        """The article with this slug, or an alias pointing to it."""
        page = self._table.query("GSI1PK", keys.slug_lookup(slug), index="GSI1", limit=2)
        articles = [i for i in page.items if i.get("kind") == "article"]
        if articles:
            return ArticleRecord.from_item(articles[0])
        return SlugAlias.from_item(page.items[0]) if page.items else None

    def newest(self, limit: int, start: Mapping[str, Any] | None) -> Records[ArticleRecord]:
        page = self._table.query(
            "GSI2PK",
            keys.published_feed(),
            index="GSI2",
            forward=False,
            limit=limit,
            start_key=start,
        )
        return _records(page, ArticleRecord.from_item)

    def published_pages(
        self, limit: int = 100, start: Mapping[str, Any] | None = None
    ) -> Records[ArticleRecord]:
        """Published pages, newest first (one Query of GSI2 ``PAGES#PUBLISHED``; pass the
        returned ``last_key`` as ``start`` for the next page)."""
        page = self._table.query(
            "GSI2PK",
            keys.published_pages(),
            index="GSI2",
            forward=False,
            limit=limit,
            start_key=start,
        )
        return _records(page, ArticleRecord.from_item)

    def released_between(
        self, since: str, until: str, limit: int, start: Mapping[str, Any] | None
    ) -> Page:
        """Articles (re)published after ``since`` and no later than ``until``, oldest first
        (a digest owed more than the planner's snapshot holds)."""
        return self._table.query(
            "GSI4PK",
            keys.released_feed(),
            index="GSI4",
            sort_condition="GSI4SK BETWEEN :since AND :until",
            values={":since": since + "#", ":until": until + "#~"},
            limit=limit,
            start_key=start,
        )

    def released_since(self, since: str, limit: int, start: Mapping[str, Any] | None) -> Page:
        """Articles (re)published after ``since``, newest release first (the digest planner's
        candidates: a republished article is found by its republication)."""
        return self._table.query(
            "GSI4PK",
            keys.released_feed(),
            index="GSI4",
            sort_condition="GSI4SK > :since",
            values={":since": since},
            forward=False,
            limit=limit,
            start_key=start,
        )

    def by_tag(
        self, tag: str, limit: int, start: Mapping[str, Any] | None
    ) -> Records[ListedArticle]:
        page = self._table.query(
            "PK", keys.tag_partition(tag), forward=False, limit=limit, start_key=start
        )
        return _records(page, ListedArticle.from_item)

    def by_author(
        self, author: str, status: str | None, limit: int, start: Mapping[str, Any] | None
    ) -> Records[ArticleRecord]:
        condition, values = None, None
        if status:
            condition = "begins_with(GSI3SK, :status)"
            values = {":status": keys.author_status_prefix(status)}
        page = self._table.query(
            "GSI3PK",
            keys.author_articles(author),
            index="GSI3",
            sort_condition=condition,
            values=values,
            forward=False,
            limit=limit,
            start_key=start,
        )
        return _records(page, ArticleRecord.from_item)

    def due(self, now: str, limit: int = 100) -> Records[ArticleRecord]:
        page = self._table.query(
            "GSI2PK",
            keys.scheduled_queue(),
            index="GSI2",
            sort_condition="GSI2SK <= :now",
            values={":now": f"{now}#~"},
            limit=limit,
        )
        return _records(page, ArticleRecord.from_item)

    def tags(self) -> list[TagRecord]:
        found: list[TagRecord] = []
        start: Mapping[str, Any] | None = None
        while True:
            page = self._table.query("PK", "TAGS", start_key=start)
            found.extend(TagRecord.from_item(i) for i in page.items)
            if page.last_key is None:
                return found
            start = page.last_key

    def first_sitemap_entry(self) -> SitemapEntry | None:
        """The sitemap entry of the earliest published article still published."""
        items = self._table.query("PK", keys.sitemap_partition(), forward=True, limit=1).items
        return SitemapEntry.from_item(items[0]) if items else None

    def sitemap_month(self, month: str, start: Mapping[str, Any] | None) -> Records[SitemapEntry]:
        """Sitemap entries of the articles first published in ``month`` (``YYYY-MM``), oldest
        first, as many as one Query returns (DynamoDB stops at 1 MB)."""
        page = self._table.query(
            "PK",
            keys.sitemap_partition(),
            sort_condition="begins_with(SK, :month)",
            values={":month": f"{month}-"},
            start_key=start,
        )
        return _records(page, SitemapEntry.from_item)

    def page_sitemap_entries(
        self, limit: int = 1000, start: Mapping[str, Any] | None = None
    ) -> Records[SitemapEntry]:
        """Sitemap entries of the published pages (``SITEMAP#PAGES``), oldest first."""
        page = self._table.query("PK", keys.page_sitemap_partition(), limit=limit, start_key=start)
        return _records(page, SitemapEntry.from_item)

    def tag(self, tag: str) -> TagRecord | None:
        item = self._table.get(keys.tag_counter(tag))
        return TagRecord.from_item(item) if item else None

    def series(self, series_id: str) -> SeriesRecord | None:
        """The series and its parts in order; None when it has no head item."""
        items = self._table.query("PK", keys.series(series_id)["PK"], limit=1000).items
        head = next((i for i in items if i.get("kind") == "series"), None)
        if head is None:
            return None
        return SeriesRecord(
            id=series_id,
            title=str(head["title"]),
            author=str(head["author"]),
            parts=tuple(ListedArticle.from_item(i) for i in items if i.get("kind") == "part"),
        )

    # -- writes ------------------------------------------------------------------------------
    def create(self, record: ArticleRecord, *, checks: Sequence[Check] = ()) -> None:
        """Store a new draft and claim its slug, atomically. ``checks`` are conditions on
        items the article refers to (its cover); one that fails raises :class:`CheckFailed`."""
        article = {k: v for k, v in record.to_item().items() if v is not None}
        item = {**keys.article(record.id), "kind": "article", **article}
        item.update({k: v for k, v in index_keys(article).items() if v is not None})
        claim = {**keys.slug_claim(record.slug), "kind": "slug", "article_id": record.id}
        tx = self._table.transaction()
        tx.put(claim, "attribute_not_exists(PK)")
        tx.put(item, "attribute_not_exists(PK)")
        first_check = tx.require(checks)
        try:
            tx.commit()
        except ConditionFailed as refused:
            raise_for_checks(refused, first_check)
            raise SlugTaken(record.slug) from refused

    def save(
        self,
        before_record: ArticleRecord,
        after_record: ArticleRecord,
        *,
        keep_alias: bool = False,
        checks: Sequence[Check] = (),
    ) -> ArticleRecord:
        """Write ``after`` over ``before`` if nobody changed the article since ``before`` was
        read (its version), keeping slug claims, aliases, tag listings, counters and series in
        step; returns the article as written (its new version and aliases). ``checks`` are as
        for :meth:`create`."""
        before, after = before_record.to_item(), after_record.to_item()
        aliases, dropped = _aliases(before, after, keep_alias=keep_alias)
        ops: list[dict[str, Any]] = [
            self._article_update(before, {**after, "aliases": aliases or None})
        ]
        if before["slug"] != after["slug"]:
            ops.append(
                put_op(
                    {**keys.slug_claim(after["slug"]), "kind": "slug", "article_id": after["id"]},
                    "attribute_not_exists(PK)",
                )
            )
            if keep_alias:
                alias = {
                    **keys.slug_claim(before["slug"]),
                    "kind": "alias",
                    "article_id": after["id"],
                    "target_slug": after["slug"],
                }
                if _published(after):  # resolvable only while the article is public
                    alias.update(GSI1PK=keys.slug_lookup(before["slug"]), GSI1SK="ALIAS")
                ops.append(put_op(alias))
            else:
                ops.append(delete_op(keys.slug_claim(before["slug"])))
        ops.extend(delete_op(keys.slug_claim(slug)) for slug in dropped)
        ops.extend(self._alias_ops(before, after, aliases))
        ops.extend(self._tag_ops(before, after))
        ops.extend(self._sitemap_ops(before, after))
        ops.extend(self._series_ops(before, after))
        ops.extend(catalogue_ops(before, after))
        tx = self._table.transaction()
        tx.operations.extend(ops)
        first_check = tx.require(checks)
        try:
            tx.commit()
        except ConditionFailed as refused:
            raise_for_checks(refused, first_check)
            if 0 in refused.failed:
                raise VersionConflict(after["id"]) from refused
            raise SlugTaken(after["slug"]) from refused
        return replace(after_record, version=before_record.version + 1, aliases=tuple(aliases))

    def _article_update(self, before: Item, after: Item) -> dict[str, Any]:
        state = {**after, **index_keys(after)}
        for key_attribute in ("id", "PK", "SK"):
            state.pop(key_attribute, None)
        for counter in COUNTERS:
            state.pop(counter, None)  # counters move only through their own transactions
        state["version"] = int(before["version"]) + 1
        sets, removes, names, values = [], [], {}, {}
        for i, (field, value) in enumerate(sorted(state.items())):
            names[f"#a{i}"] = field
            if value is None:
                removes.append(f"#a{i}")
            else:
                values[f":a{i}"] = value
                sets.append(f"#a{i} = :a{i}")
        names["#version"] = "version"
        values[":expected"] = int(before["version"])
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return update_op(
            keys.article(after["id"]),
            expression,
            "#version = :expected",
            names=names,
            values=values,
        )

    def _alias_ops(self, before: Item, after: Item, aliases: list[str]) -> list[dict[str, Any]]:
        """Older aliases follow the article to its new slug, so reading an old address is one
        Query that already holds the redirect's target. An alias is in GSI1 (found by slug)
        only while its article is published: unpublishing, scheduling, sending to review or
        deleting the article takes its aliases out of GSI1 and republishing puts them back,
        so an old slug never reveals an unpublished article's current slug (they stay as
        claims: the slugs remain reserved). Only the newest :data:`MAX_ALIASES` of ``aliases``
        (the list after the save) are kept current; the one this save adds is written whole."""
        older = [slug for slug in aliases[-MAX_ALIASES:] if slug != before["slug"]]
        condition, owner = "article_id = :id", {":id": after["id"]}
        moved = before["slug"] != after["slug"]
        was_live, live = _published(before), _published(after)
        deleting = after["status"] == "deleted" and before["status"] != "deleted"
        if not moved and was_live == live and not deleting:
            return []
        ops = []
        for slug in older:
            sets, values = [], dict(owner)
            if moved:
                sets.append("target_slug = :slug")
                values[":slug"] = after["slug"]
            if live:
                sets.append("GSI1PK = :pk, GSI1SK = :sk")
                values.update({":pk": keys.slug_lookup(slug), ":sk": "ALIAS"})
            expression = "SET " + ", ".join(sets) if sets else ""
            if not live:
                expression = (expression + " REMOVE GSI1PK, GSI1SK").strip()
            ops.append(update_op(keys.slug_claim(slug), expression, condition, values=values))
        return ops

    def _tag_ops(self, before: Item, after: Item) -> list[dict[str, Any]]:
        """Each tag's listing entry, and its counter: how many published articles carry it,
        and how many per day of publication (the Content API's catalogue pages by those)."""
        was, now = _listed_in_tags(before), _listed_in_tags(after)
        ops: list[dict[str, Any]] = []
        for tag in sorted(was - now):
            ops.append(delete_op(keys.tag_article(tag, before["published_at"], before["id"])))
            ops.append(self._count(tag, -1, day_moves(before, None)))
        for tag in sorted(now):
            if tag in was and before["published_at"] != after["published_at"]:
                ops.append(delete_op(keys.tag_article(tag, before["published_at"], before["id"])))
                ops.append(self._count(tag, 0, day_moves(before, after)))
            ops.append(put_op(tag_entry(tag, after)))
            if tag not in was:
                ops.append(self._count(tag, +1, day_moves(None, after)))
        return ops

    def _count(self, tag: str, delta: int, moves: Mapping[str, int]) -> dict[str, Any]:
        days, names, values = count_expression(moves)
        return update_op(
            keys.tag_counter(tag),
            f"ADD articles :d{', ' + days if days else ''} SET tag = :t, kind = :k",
            names=names or None,
            values={":d": delta, ":t": tag, ":k": "tag", **values},
        )

    def _sitemap_ops(self, before: Item, after: Item) -> list[dict[str, Any]]:
        """The article's sitemap entry: a copy small enough that one Query reads a thousand.
        (GSI2 projects whole articles, so a 1 MB Query page of it holds only a few dozen.)"""
        ops: list[dict[str, Any]] = []
        was, now = _published(before), _published(after)
        # a page's entry is in its own partition (the type never changes)
        entry_key = keys.page_sitemap_entry if after.get("page") else keys.sitemap_entry
        if was and (not now or before["published_at"] != after["published_at"]):
            ops.append(delete_op(entry_key(before["published_at"], before["id"])))
        if now:
            ops.append(put_op(sitemap_entry(after)))
        return ops

    def _series_ops(self, before: Item, after: Item) -> list[dict[str, Any]]:
        was, now = _in_series(before), _in_series(after)
        ops: list[dict[str, Any]] = []
        if was and was != now:
            ops.append(delete_op(keys.series_part(was[0], was[1], before["id"])))
        if now:
            ops.append(
                update_op(
                    keys.series(now[0]),
                    "SET title = if_not_exists(title, :t), author = if_not_exists(author, :a), "
                    "kind = :k",
                    values={":t": after["series_title"], ":a": after["author"], ":k": "series"},
                )
            )
            ops.append(
                put_op(
                    {
                        **keys.series_part(now[0], now[1], after["id"]),
                        "kind": "part",
                        **summary(after),
                    }
                )
            )
        return ops

    # -- counters ----------------------------------------------------------------------------
    def move_counter(
        self, tx: Transaction, record: ArticleRecord, counter: str, delta: int
    ) -> None:
        """Add to ``tx`` the operations that move a counter on the article and on its copies,
        in one transaction with the like or comment that causes it. Conditions make a
        concurrent unpublish or delete cancel the transaction instead of creating stray
        copies."""
        article = record.to_item()
        tx.update(
            keys.article(record.id),
            f"ADD {counter} :d",
            "attribute_exists(PK) AND #s = :s",
            names={"#s": "status"},
            values={":d": delta, ":s": record.status},
        )
        for tag in sorted(_listed_in_tags(article)):
            tx.update(
                keys.tag_article(tag, article["published_at"], record.id),
                f"ADD {counter} :d",
                "attribute_exists(PK)",
                values={":d": delta},
            )
        series = _in_series(article)
        if series:
            tx.update(
                keys.series_part(series[0], series[1], record.id),
                f"ADD {counter} :d",
                "attribute_exists(PK)",
                values={":d": delta},
            )


def _records[T](page: Page, parse: Callable[[Mapping[str, Any]], T]) -> Records[T]:
    return Records(items=[parse(i) for i in page.items], last_key=page.last_key)
