"""Article use cases: drafts, edits with optimistic concurrency, the publishing workflow,
scheduled publishing, soft deletion and the public listings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Any, Literal

from byline.auth.policy import Action, authorize, can
from byline.auth.principal import Principal
from byline.clock import Clock, iso, utc_now
from byline.content.markdown import MAX_HTML_BYTES, article_excerpt, expansion_bound, render
from byline.content.reading_time import reading_minutes
from byline.content.slugs import slugify, with_suffix
from byline.data import cursors
from byline.data.articles import (
    ArticleRecord,
    Articles,
    ListedArticle,
    SlugAlias,
    SlugTaken,
    VersionConflict,
)
from byline.data.media import MediaRecords
from byline.data.table import Check, CheckFailed, Records
from byline.errors import (
    BadRequest,
    Conflict,
    NotFound,
    PreconditionFailed,
    UnprocessableContent,
)
from byline.ids import new_id
from byline.models.articles import (
    Article,
    ArticleCreate,
    ArticlePage,
    ArticlePatch,
    ArticleSummary,
    PublishRequest,
    SeriesRef,
    SeriesView,
    TagCount,
    TagList,
)
from byline.models.etags import etag_of

EventPublisher = Callable[[str, dict[str, Any]], bool]
PUBLISHABLE_FROM = {"draft", "review", "unpublished", "scheduled"}
PAGE_NOT_IN_SERIES = "series: a page cannot be part of a series."
TYPE_FIXED = "type: an article's type (post or page) is fixed when it is created; create a new one."
COVER_REFUSED = (
    "cover: not an accepted upload of the article's author or yours; upload it with "
    "POST /media and wait for it to pass validation."
)


@dataclass(frozen=True)
class Moved:
    """The slug asked for is an old one; the article now lives at ``slug``."""

    slug: str


def to_article(record: ArticleRecord) -> Article:
    series = None
    if record.series_id:
        series = SeriesRef(
            id=record.series_id, title=record.series_title or "", part=record.series_part or 1
        )
    return Article.model_validate(
        {
            "id": record.id,
            "slug": record.slug,
            "title": record.title,
            "subtitle": record.subtitle,
            "author": record.author,
            "status": record.status,
            "type": "page" if record.page else "post",
            "featured": record.featured,
            "tags": list(record.tags),
            "body": record.body,
            "html": record.html,
            "excerpt": record.excerpt,
            "custom_excerpt": record.custom_excerpt,
            "meta_title": record.meta_title,
            "meta_description": record.meta_description,
            "reading_minutes": record.reading_minutes,
            "cover": record.cover,
            "canonical_url": record.canonical_url,
            "series": series,
            "like_count": record.like_count,
            "comment_count": record.comment_count,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
            "published_at": record.published_at,
            "publish_at": record.publish_at,
        }
    )


READER_COUNTERS = frozenset({"like_count", "comment_count"})
"""What readers move: likes and comments change these and nothing an author edits."""


def edit_etag(article: Article) -> str:
    """The ETag an edit sends back as If-Match: the article without its readers' counters.

    Every write of the author or an editor changes ``updated_at`` (and content or status), so
    a concurrent edit still changes it and gets 412; a like or a comment does not. The draft
    route (``GET /articles/{id}/draft``) and every write's response send this ETag; the public
    read keeps the ETag of the whole representation, so caches refresh when counts change."""
    return etag_of(article, without=READER_COUNTERS)


def to_summary(record: ArticleRecord | ListedArticle) -> ArticleSummary:
    return ArticleSummary.model_validate(
        {
            "id": record.id,
            "slug": record.slug,
            "title": record.title,
            "subtitle": record.subtitle,
            "author": record.author,
            "status": record.status,
            "type": "page" if record.page else "post",
            "featured": record.featured,
            "tags": list(record.tags),
            "excerpt": record.excerpt,
            "reading_minutes": record.reading_minutes,
            "cover": record.cover,
            "like_count": record.like_count,
            "comment_count": record.comment_count,
            "published_at": record.published_at,
            "updated_at": record.updated_at,
        }
    )


def _cover_checks(cover: str | None, author: str, principal: Principal) -> list[Check]:
    """The cover must have passed validation and be an upload of the article's author or of
    the person making the change (who, on someone else's article, is an editor)."""
    if not cover:
        return []
    return [MediaRecords.usable_check(cover, {author, principal.username})]


def _series_id(author: str, name: str) -> str:
    return f"{author.lower()}--{slugify(name, 60)}"


def _event(record: ArticleRecord, change: str) -> str:
    """The event's detail-type: ``Article<change>`` for a post, ``Page<change>`` for a page, so
    nothing that reacts to a publication for readers (followers, digests) ever sees a page."""
    return f"{'Page' if record.page else 'Article'}{change}"


def _event_detail(record: ArticleRecord) -> dict[str, Any]:
    return {
        "type": "page" if record.page else "post",
        "id": record.id,
        "slug": record.slug,
        "author": record.author,
        "tags": list(record.tags),
        "title": record.title,
        "status": record.status,
        "published_at": record.published_at,
    }


@dataclass
class ArticleService:
    articles: Articles
    cursor_key: Callable[[], bytes]
    publish_event: EventPublisher
    clock: Clock = utc_now
    site_host: str | None = None
    authors_may_publish: bool = True
    new_id: Callable[[datetime], str] = field(default=new_id)

    # -- drafts ------------------------------------------------------------------------------
    def create(self, principal: Principal, request: ArticleCreate) -> Article:
        authorize(principal, Action.create_article)
        page = request.type == "page"
        if page:
            authorize(principal, Action.manage_pages)
            if request.series is not None or request.series_part is not None:
                raise UnprocessableContent(PAGE_NOT_IN_SERIES)
        if request.featured:
            authorize(principal, Action.feature_article)
        now = self.clock()
        article_id = self.new_id(now)
        draft = ArticleRecord(
            id=article_id,
            author=principal.username,
            status="draft",
            version=1,
            created_at=iso(now),
            updated_at=iso(now),
            page=page,
            featured=request.featured,
            **self._content(request.model_dump(mode="json"), principal.username),
        )
        checks = _cover_checks(draft.cover, draft.author, principal)
        for candidate in (draft.slug, with_suffix(draft.slug, article_id[-6:])):
            record = replace(draft, slug=candidate)
            try:
                self.articles.create(record, checks=checks)
                return to_article(record)
            except SlugTaken:
                continue
            except CheckFailed as refused:
                raise UnprocessableContent(COVER_REFUSED) from refused
        raise Conflict("Could not find a free slug for this title; change the title.")

    def _content(self, fields: dict[str, Any], author: str) -> dict[str, Any]:
        """Derived fields (slug, HTML, excerpt, reading time, series id) from the editable ones."""
        body = fields.get("body") or ""
        if expansion_bound(body) > MAX_HTML_BYTES:
            raise UnprocessableContent(
                "body: its reference links would expand past "
                f"{MAX_HTML_BYTES // 1024} KiB of HTML; use fewer or shorter ones."
            )
        rendered = render(body, site_host=self.site_host)
        if len(rendered.html.encode()) > MAX_HTML_BYTES:
            raise UnprocessableContent(
                f"body: it renders to more than {MAX_HTML_BYTES // 1024} KiB of HTML; shorten it."
            )
        series = fields.get("series")
        custom_excerpt = fields.get("custom_excerpt") or None
        return {
            "title": fields["title"],
            "slug": slugify(fields["title"]),
            "subtitle": fields.get("subtitle") or "",
            "body": fields.get("body") or "",
            "html": rendered.html,
            "excerpt": article_excerpt(custom_excerpt, fields.get("subtitle") or "", rendered.text),
            "custom_excerpt": custom_excerpt,
            "meta_title": fields.get("meta_title") or None,
            "meta_description": fields.get("meta_description") or None,
            "reading_minutes": reading_minutes(rendered.text, rendered.images),
            "tags": tuple(fields.get("tags") or ()),
            "cover": fields.get("cover"),
            "canonical_url": fields.get("canonical_url"),
            "series_id": _series_id(author, series) if series else None,
            "series_title": series,
            "series_part": fields.get("series_part") or (1 if series else None),
        }

    # -- reads -------------------------------------------------------------------------------
    def read(self, article: str) -> Article | Moved:
        """A published article by its id or its slug (drafts: :meth:`read_for_edit`).

        No slug is shaped like an id (content/slugs.py), so an id-shaped ``article`` is read by
        id, one GetItem; anything else by slug, one Query. Only when no article has that id is
        it also tried as a slug, for a slug made before that rule (decision 0014)."""
        found = self.articles.find(article)
        if found is None:
            raise NotFound("No such article.")
        if isinstance(found, SlugAlias):
            # An alias is found by slug only while its article is published (Articles.save
            # takes it out of GSI1 on unpublishing or deleting and puts it back on
            # republishing); aliases written before that rule still are, so the article is
            # read (one GetItem, on this rare path) and an unpublished one's slug, which would
            # tell its draft's title, is never named.
            target = self.articles.get(found.article_id)
            if target is None or target.status != "published":
                raise NotFound("No such article.")
            return Moved(target.slug)
        if found.status != "published":
            raise NotFound("No such article.")
        return to_article(found)

    def read_for_edit(self, principal: Principal, article_id: str) -> Article:
        """Any state of an article, for its author and editors (what an editor opens)."""
        return to_article(self._editable(principal, article_id, Action.read_draft))

    def _editable(self, principal: Principal, article_id: str, action: Action) -> ArticleRecord:
        record = self.articles.get(article_id, consistent=True)
        if record is None or record.status == "deleted":
            raise NotFound("No such article.")
        if not can(principal, Action.read_draft, owner=record.author) and record.status != (
            "published"
        ):
            raise NotFound("No such article.")
        authorize(principal, action, owner=record.author)
        if record.page and action is not Action.read_draft:
            authorize(principal, Action.manage_pages)
        return record

    # -- edits -------------------------------------------------------------------------------
    def update(
        self,
        principal: Principal,
        article_id: str,
        patch: ArticlePatch,
        precondition: Callable[[str], None],
    ) -> Article:
        """Edit the article. ``precondition`` is given the edit ETag of the stored version and
        raises to refuse the edit (the route's If-Match, byline/http/etags.py)."""
        before = self._editable(principal, article_id, Action.edit_article)
        precondition(edit_etag(to_article(before)))
        changes = patch.model_dump(mode="json", exclude_unset=True)
        if "title" in changes and changes["title"] is None:
            raise BadRequest("An article needs a title.")
        current = to_article(before).model_dump(mode="json")
        if "type" in changes and changes.pop("type") != current["type"]:
            raise UnprocessableContent(TYPE_FIXED)
        featured = bool(changes.pop("featured", before.featured))
        if featured != before.featured:
            authorize(principal, Action.feature_article)
        editable = {
            "title": current["title"],
            "subtitle": current["subtitle"],
            "body": current["body"],
            "tags": current["tags"],
            "cover": current["cover"],
            "canonical_url": current["canonical_url"],
            "custom_excerpt": current["custom_excerpt"],
            "meta_title": current["meta_title"],
            "meta_description": current["meta_description"],
            "series": before.series_title,
            "series_part": before.series_part,
        }
        editable.update(changes)
        if before.page and (editable["series"] is not None or changes.get("series_part")):
            raise UnprocessableContent(PAGE_NOT_IN_SERIES)
        after = replace(
            before,
            **self._content(editable, before.author),
            featured=featured,
            updated_at=iso(self.clock()),
        )
        is_public = before.status in {"published", "unpublished", "scheduled"}
        if after.title == before.title:
            after = replace(after, slug=before.slug)
        new_cover = after.cover if after.cover != before.cover else None
        checks = _cover_checks(new_cover, before.author, principal)
        after = self._save(before, after, keep_alias=is_public, checks=checks)
        if before.status == "published":
            self.publish_event(_event(after, "Updated"), _event_detail(after))
        return to_article(after)

    def _save(
        self,
        before: ArticleRecord,
        after: ArticleRecord,
        *,
        keep_alias: bool,
        checks: Sequence[Check] = (),
    ) -> ArticleRecord:
        base = after.slug
        candidates = [base] if base == before.slug else [base, with_suffix(base, after.id[-6:])]
        for candidate in candidates:
            try:
                return self.articles.save(
                    before, replace(after, slug=candidate), keep_alias=keep_alias, checks=checks
                )
            except VersionConflict as conflict:
                raise PreconditionFailed(
                    "The article changed while you were saving; fetch it again."
                ) from conflict
            except CheckFailed as refused:
                raise UnprocessableContent(COVER_REFUSED) from refused
            except SlugTaken:
                continue
        raise Conflict("Could not find a free slug for this title; change the title.")

    def delete(self, principal: Principal, article_id: str) -> None:
        before = self._editable(principal, article_id, Action.delete_article)
        now = iso(self.clock())
        after = replace(before, status="deleted", deleted_at=now, updated_at=now)
        after = self._save(before, after, keep_alias=False)
        if before.status == "published":
            self.publish_event(_event(after, "Deleted"), _event_detail(after))

    # -- workflow ----------------------------------------------------------------------------
    def publish(self, principal: Principal, article_id: str, request: PublishRequest) -> Article:
        before = self._editable(principal, article_id, Action.edit_article)
        if before.status == "published":
            raise Conflict("The article is already published.")
        may_publish = can(
            principal,
            Action.publish_article,
            owner=before.author,
            authors_may_publish=self.authors_may_publish,
        )
        now = self.clock()
        if not may_publish:
            if before.status == "review":
                raise Conflict("The article is already waiting for review.")
            after = replace(before, status="review", updated_at=iso(now))
            return to_article(self._save(before, after, keep_alias=False))
        when = request.publish_at
        if when is not None and when.tzinfo is None:
            raise BadRequest("publish_at needs a time zone (e.g. 2026-12-01T09:00:00Z).")
        if when is not None and when > now:
            after = replace(before, status="scheduled", publish_at=iso(when), updated_at=iso(now))
            return to_article(self._save(before, after, keep_alias=False))
        after = self._save(before, self._published(before, now), keep_alias=False)
        self.publish_event(_event(after, "Published"), _event_detail(after))
        return to_article(after)

    @staticmethod
    def _published(before: ArticleRecord, now: datetime) -> ArticleRecord:
        return replace(
            before,
            status="published",
            published_at=before.published_at or iso(now),
            released_at=iso(now),
            publish_at=None,
            updated_at=iso(now),
        )

    def unpublish(self, principal: Principal, article_id: str) -> Article:
        before = self._editable(principal, article_id, Action.publish_article)
        if before.status not in {"published", "scheduled"}:
            raise Conflict("Only a published or scheduled article can be unpublished.")
        after = replace(before, status="unpublished", publish_at=None, updated_at=iso(self.clock()))
        after = self._save(before, after, keep_alias=False)
        if before.status == "published":
            self.publish_event(_event(after, "Unpublished"), _event_detail(after))
        return to_article(after)

    def publish_due(self) -> int:
        """Publish every scheduled article whose time has come. Safe to run concurrently: the
        version condition lets exactly one run publish each article."""
        now = self.clock()
        published = 0
        for due in self.articles.due(iso(now)).items:
            before = self.articles.get(due.id, consistent=True)
            if before is None or before.status != "scheduled":
                continue
            try:
                after = self.articles.save(before, self._published(before, now))
            except (VersionConflict, SlugTaken):
                continue  # another run got there first, or the article changed meanwhile
            self.publish_event(_event(after, "Published"), _event_detail(after))
            published += 1
        return published

    def withdraw_author(self, username: str, pseudonym: str) -> None:
        """Account deletion: unpublish the author's articles and replace their name with a
        pseudonym (random, chosen once per deletion), so editors can still manage the articles
        but nothing names the person."""
        while True:
            page = self.articles.by_author(username, None, 100, None)
            if not page.items:
                return
            for listed in page.items:
                before = self.articles.get(listed.id, consistent=True)
                if before is None or before.author != username.lower():
                    continue
                status = before.status
                after = replace(
                    before,
                    author=pseudonym,
                    status="unpublished" if status in {"published", "scheduled"} else status,
                    publish_at=None,
                    updated_at=iso(self.clock()),
                )
                try:
                    after = self.articles.save(before, after)
                except VersionConflict:
                    continue  # changed meanwhile: the next pass sees it again
                if status == "published":
                    self.publish_event(_event(after, "Unpublished"), _event_detail(after))

    # -- listings ----------------------------------------------------------------------------
    def list(
        self,
        *,
        tag: str | None,
        author: str | None,
        limit: int,
        cursor: str | None,
    ) -> ArticlePage:
        if tag and author:
            raise BadRequest("Filter by tag or by author, not both.")
        key = self.cursor_key()
        listing = f"tag:{tag}" if tag else f"author:{author}" if author else "newest"
        start = cursors.decode(cursor, listing, key)
        page: Records[ListedArticle] | Records[ArticleRecord]
        if tag:
            page = self.articles.by_tag(tag, limit, start)
        elif author:
            page = self.articles.by_author(author, "published", limit, start)
        else:
            page = self.articles.newest(limit, start)
        return ArticlePage(
            items=[to_summary(i) for i in page.items],
            next_cursor=cursors.encode(page.last_key, listing, key),
        )

    def list_mine(
        self,
        principal: Principal,
        status: Literal["draft", "review", "scheduled", "published", "unpublished"] | None,
        limit: int,
        cursor: str | None,
    ) -> ArticlePage:
        key = self.cursor_key()
        listing = f"mine:{principal.username}:{status or ''}"
        start = cursors.decode(cursor, listing, key)
        page = self.articles.by_author(principal.username, status, limit, start)
        return ArticlePage(
            items=[to_summary(i) for i in page.items],
            next_cursor=cursors.encode(page.last_key, listing, key),
        )

    def tags(self) -> TagList:
        counts = [TagCount(tag=t.tag, articles=t.articles) for t in self.articles.tags()]
        counts = [c for c in counts if c.articles > 0]
        return TagList(items=sorted(counts, key=lambda c: (-c.articles, c.tag)))

    def tag(self, tag: str) -> TagCount:
        record = self.articles.tag(tag)
        if record is None or record.articles <= 0:
            raise NotFound("No published article has this tag.")
        return TagCount(tag=record.tag, articles=record.articles)

    def series(self, series_id: str) -> SeriesView:
        record = self.articles.series(series_id)
        if record is None or not record.parts:
            raise NotFound("No such series.")
        return SeriesView(
            id=series_id,
            title=record.title,
            author=record.author,
            parts=[to_summary(p) for p in record.parts],
        )


@cache
def article_service() -> ArticleService:
    from urllib.parse import urlsplit

    from byline.data import events
    from byline.data.table import table
    from byline.secrets import signing_key
    from byline.settings import get_settings

    settings = get_settings()
    return ArticleService(
        articles=Articles(table()),
        cursor_key=lambda: signing_key("cursor"),
        publish_event=events.publish,
        site_host=urlsplit(settings.site_url).hostname,
        authors_may_publish=settings.authors_may_publish,
    )
