"""The Ghost Content API's use cases: browse and read posts, pages, authors and tags; the
settings and tiers (docs/GHOST.md, docs/decisions/0018-ghost-content-api.md).

Requests, at most, against DynamoDB:
- a posts browse whose filter is nothing, one ``tag:``, one ``author:`` or ``featured:true``,
  in the default order or by ``published_at``: three (the counters and the settings in one
  BatchGetItem, one Query of the scope's slim entries from the day holding the page's first
  post, one BatchGetItem of the posts and their authors);
- any other filter or order: the slim entries of the narrowest scope the filter allows (a few
  Query pages at 10,000 posts), then the page's posts and authors;
- a read by slug: two (the slug's Query, then the author and the settings); by id: three.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any, Final
from urllib.parse import quote

from byline.data import keys
from byline.data.articles import ArticleRecord, Articles
from byline.data.catalogue import (
    Catalogue,
    CatalogueEntry,
    Scope,
    page_limit,
    response_bytes,
)
from byline.data.site import SiteRecord
from byline.data.table import Item
from byline.data.users import UserRecord
from byline.ghost import nql
from byline.ghost.errors import (
    BadRequestError,
    GhostError,
    NotFoundError,
    UnknownKey,
    ValidationError,
)
from byline.ghost.ids import GHOST_ID, content_id
from byline.ghost.objects import (
    AuthorSource,
    PostSource,
    Site,
    TagSource,
    author_object,
    free_tier,
    post_object,
    settings_object,
    tag_object,
)
from byline.ghost.params import DEFAULT_ORDER, Query, pagination
from byline.models.fields import is_media_key
from byline.models.site import SiteSettings, SiteSettingsUpdate
from byline.observability import logger

GHOST_VERSION: Final = "6.65"
"""The Ghost release whose Content API behaviour Byline follows (``Content-Version``)."""

RESPONSE_BUDGET: Final = 5_500_000
"""Bytes of posts a browse response may carry: Lambda's response limit is 6 MB, with room for
the envelope and headers. A ``limit`` that would pass it is lowered for every page alike."""

_SLUG: Final = r"[a-z0-9\-_]+"
_SITE: Final = (keys.site_settings()["PK"], keys.site_settings()["SK"])


@dataclass(frozen=True)
class Result:
    """A response body and what caches may do with it."""

    body: dict[str, Any]


def _filter_error(error: nql.FilterError) -> GhostError:
    kind = ValidationError if error.ghost_type == "ValidationError" else BadRequestError
    return kind(error.message, context=error.context)


def _not_found(resource: str) -> NotFoundError:
    singular = resource.removesuffix("s")
    return NotFoundError(
        f"Resource not found error, cannot read {singular}.",
        context=f"{singular.capitalize()} not found.",
    )


def _checked_slug(slug: str, resource: str) -> str:
    if not re.fullmatch(_SLUG, slug):
        raise ValidationError(
            f"Validation error, cannot read {resource.removesuffix('s')}.",
            context="Validation (isSlug) failed for slug undefined.slug",
        )
    return slug


def _checked_id(value: str, resource: str) -> str:
    if not GHOST_ID.fullmatch(value.lower()) and value not in ("1", "me"):
        raise ValidationError(
            f"Validation error, cannot read {resource.removesuffix('s')}.",
            context="Validation (matches) failed for id undefined.id",
        )
    return value.lower()


def _when(timestamp: str | None) -> datetime | None:
    if not timestamp:
        return None
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone(UTC)


@dataclass
class GhostContent:
    articles: Articles
    catalogue: Catalogue
    site_url: str
    media_url: str = ""
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    key: str | None = None
    """The request's Content API key (its shape checked): read with the first items a route
    reads, so that the key costs no request of its own (see :meth:`for_key`)."""
    _key_checked: bool = False

    def for_key(self, key: str) -> GhostContent:
        """This service for one request made with ``key``."""
        return replace(self, key=key, _key_checked=False)

    # -- the key -----------------------------------------------------------------------------
    def _key_items(self) -> list[keys.Key]:
        return [keys.content_key(self.key)] if self.key and not self._key_checked else []

    def _check_key(self, found: Mapping[tuple[str, str], Item]) -> None:
        if self.key and not self._key_checked:
            key = keys.content_key(self.key)
            if (key["PK"], key["SK"]) not in found:
                raise UnknownKey()
            self._key_checked = True

    def _require_key(self) -> None:
        """Check the key before an error that comes from the request itself (Ghost decides on
        the key first: a bad parameter with an unknown key is a 401)."""
        if self.key and not self._key_checked:
            self._check_key(
                {(i["PK"], i["SK"]): i for i in self.catalogue.items(self._key_items())}
            )

    # -- shared ------------------------------------------------------------------------------
    def _site(self, item: Item | None) -> tuple[Site, Mapping[str, Any]]:
        settings = dict(SiteRecord.from_item(item).settings) if item else {}
        return Site(self.site_url.rstrip("/"), str(settings.get("timezone") or "Etc/UTC")), settings

    def image(self, ref: str | None) -> str | None:
        """An image as a front-end loads it: an upload under the media origin, an https URL as
        it is, nothing when no origin serves uploads."""
        if not ref:
            return None
        if is_media_key(ref):
            return f"{self.media_url.rstrip('/')}/{quote(ref)}" if self.media_url else None
        return ref

    def _author(self, profile: UserRecord | None, username: str) -> AuthorSource:
        if profile is None:
            return AuthorSource(username=username, name=username)
        return AuthorSource(
            username=profile.username,
            name=profile.display_name or profile.username,
            bio=profile.bio or None,
            profile_image=self.image(profile.avatar),
            cover_image=self.image(profile.cover),
            website=profile.website,
            location=profile.location,
            facebook=profile.facebook,
            twitter=profile.twitter,
            meta_title=profile.meta_title,
            meta_description=profile.meta_description,
        )

    def _post(self, record: ArticleRecord) -> PostSource:
        return PostSource(
            id=record.id,
            slug=record.slug,
            title=record.title,
            html=record.html,
            author=record.author,
            tags=record.tags,
            created_at=record.created_at,
            updated_at=record.updated_at,
            published_at=record.published_at or record.updated_at,
            reading_minutes=record.reading_minutes,
            page=record.page,
            featured=record.featured,
            custom_excerpt=record.custom_excerpt,
            feature_image=self.image(record.cover),
            canonical_url=record.canonical_url,
            meta_title=record.meta_title,
            meta_description=record.meta_description,
        )

    def _objects(
        self,
        records: Sequence[ArticleRecord],
        profiles: Mapping[str, UserRecord],
        site: Site,
        query: Query,
    ) -> list[dict[str, Any]]:
        authors = {r.author: self._author(profiles.get(r.author), r.author) for r in records}
        return [
            post_object(
                self._post(record),
                site,
                include=query.include,
                formats=query.formats,
                fields=query.fields,
                authors=authors,
            )
            for record in records
        ]

    def _load(
        self, ids: Sequence[str], authors: Sequence[str], with_site: bool
    ) -> tuple[list[ArticleRecord], dict[str, UserRecord], Item | None]:
        """The articles (in ``ids``' order), the profiles and maybe the settings, in one
        BatchGetItem per 100 keys."""
        wanted: list[keys.Key] = [keys.article(i) for i in ids]
        wanted += [keys.user_profile(u) for u in dict.fromkeys(authors)]
        if with_site:
            wanted.append(keys.site_settings())
        wanted += self._key_items()
        items = self.catalogue.items(wanted) if wanted else []
        by_key = {(i["PK"], i["SK"]): i for i in items}
        self._check_key(by_key)
        records = []
        for article_id in ids:
            item = by_key.get((keys.article(article_id)["PK"], "ARTICLE"))
            if item is not None and item.get("status") == "published":
                records.append(ArticleRecord.from_item(item))
        profiles = {}
        for username in authors:
            key = keys.user_profile(username)
            item = by_key.get((key["PK"], key["SK"]))
            if item is not None and item.get("kind") == "profile":
                profiles[username] = UserRecord.from_item(item)
        site = by_key.get((keys.site_settings()["PK"], keys.site_settings()["SK"]))
        return records, profiles, site

    def _parse(self, query: Query, resource: nql.Resource) -> nql.Node | None:
        if query.filter is None:
            return None
        try:
            return nql.parse(query.filter, resource, now=self.now())
        except nql.FilterError as error:
            self._require_key()
            raise _filter_error(error) from error

    # -- posts -------------------------------------------------------------------------------
    def _limit_for(self, query: Query, sizes: Mapping[int, int], cap: int | None) -> int:
        """The query's limit, lowered when a page of that many of the largest posts could
        pass Lambda's response limit (every format: the other fields count too), and to
        ``cap`` when a page built at a higher limit did pass it (:func:`_fitted`)."""
        limit = page_limit(query.limit, sizes, RESPONSE_BUDGET)
        return limit if cap is None else max(1, min(limit, cap))

    @staticmethod
    def _simple_scope(node: nql.Node | None) -> Scope | None:
        """The catalogue scope that holds exactly the filter's matches, if one does."""
        if node is None:
            return ("all", "")
        if not isinstance(node, nql.Term) or len(node.values) != 1:
            return None
        value = node.values[0]
        if node.op not in (nql.Op.EQ, nql.Op.IN):
            return None
        if node.key == "tags" and isinstance(value, str):
            return ("tag", value.lower())
        if node.key == "authors" and isinstance(value, str):
            return ("author", value.lower())
        if node.key == "featured" and value is True:
            return ("featured", "")
        return None

    def browse_posts(self, query: Query) -> dict[str, Any]:
        return _fitted(lambda cap: self._browse_posts(query, cap))

    def _browse_posts(self, query: Query, cap: int | None) -> dict[str, Any]:
        node = self._parse(query, "posts")
        order = query.order or DEFAULT_ORDER["posts"]
        scope = self._simple_scope(node)
        by_date = [name for name, _ in order] in (["published_at", "id"], ["published_at"])
        if scope is not None and by_date:
            newest_first = order[0][1]
            counts, sizes, found = self.catalogue.browse_start(scope, self._first_items())
            self._check_key(found)
            site_item = found.get(_SITE)
            limit = self._limit_for(query, sizes, cap)
            total = counts.total
            offset = (query.page - 1) * limit
            located = counts.locate(offset, newest_first=newest_first)
            entries: list[CatalogueEntry] = []
            if located is not None:
                day, skip = located
                entries = self.catalogue.entries_from(
                    scope, day, skip + limit, newest_first=newest_first
                )[skip:]
                if len(order) == 2 and order[1][1] != newest_first:
                    entries = _sorted(entries, order)
        else:
            entries, total, sizes, site_item = self._filtered(node, order)
            limit = self._limit_for(query, sizes, cap)
            offset = (query.page - 1) * limit
            entries = entries[offset : offset + limit]
        records, profiles, _ = self._load(
            [e.id for e in entries],
            [e.author for e in entries] if "authors" in query.include else [],
            with_site=False,
        )
        site, _ = self._site(site_item)
        return {
            "posts": self._objects(records, profiles, site, query),
            "meta": {"pagination": pagination(query.page, limit, total)},
        }

    def _filtered(
        self, node: nql.Node | None, order: Sequence[tuple[str, bool]]
    ) -> tuple[list[CatalogueEntry], int, dict[int, int], Item | None]:
        hint = nql.index_hint(node)
        scope: Scope = ("all", "")
        if hint is not None:
            scope = (
                ("featured", "")
                if hint.index == "featured"
                else (hint.index, str(hint.value).lower())
            )
        _, sizes, found = self.catalogue.browse_start(scope, self._first_items())
        self._check_key(found)
        site_item = found.get(_SITE)
        matching = [e for e in self.catalogue.all_entries(scope) if nql.matches(node, _record(e))]
        ordered = _sorted(matching, order)
        return ordered, len(ordered), sizes, site_item

    def _article(self, resource: str, slug: str | None, ghost_id: str | None) -> ArticleRecord:
        record: ArticleRecord | None = None
        try:
            if slug is not None:
                found = self.articles.find_by_slug(_checked_slug(slug, resource))
                record = found if isinstance(found, ArticleRecord) else None
            elif ghost_id is not None:
                article_id = self.catalogue.article_id_for(_checked_id(ghost_id, resource))
                record = self.articles.get(article_id) if article_id else None
        except GhostError:
            self._require_key()
            raise
        page = resource == "pages"
        if record is None or not record.is_published or record.page != page:
            self._require_key()
            raise _not_found(resource)
        return record

    def read_post(
        self, query: Query, *, slug: str | None = None, ghost_id: str | None = None
    ) -> dict[str, Any]:
        """``/posts/{id}/``, ``/posts/slug/{slug}/`` and the same for pages: a one-element
        list, no meta. An old slug of an article is not followed (Ghost has none)."""
        resource = query.resource
        record = self._article(resource, slug, ghost_id)
        authors = [record.author] if "authors" in query.include else []
        _, profiles, site_item = self._load([], authors, with_site=True)
        site, _ = self._site(site_item)
        return {resource: self._objects([record], profiles, site, query)}

    # -- pages -------------------------------------------------------------------------------
    def _published_pages(self) -> list[ArticleRecord]:
        found: list[ArticleRecord] = []
        start: Mapping[str, Any] | None = None
        while True:
            page = self.articles.published_pages(start=start)
            found.extend(page.items)
            if page.last_key is None:
                return found
            start = page.last_key

    def browse_pages(self, query: Query) -> dict[str, Any]:
        """Pages are few (about, contact): all are read, filtered, ordered and cut here."""
        return _fitted(lambda cap: self._browse_pages(query, cap))

    def _browse_pages(self, query: Query, cap: int | None) -> dict[str, Any]:
        node = self._parse(query, "pages")
        pages = {r.id: r for r in self._published_pages()}
        entries = [_entry(r) for r in pages.values()]
        kept = _sorted(
            [e for e in entries if nql.matches(node, _record(e))],
            query.order or DEFAULT_ORDER["pages"],
        )
        records = [pages[e.id] for e in kept]
        sizes = Counter(response_bytes(r.to_item()) for r in records)
        limit = self._limit_for(query, sizes, cap)
        offset = (query.page - 1) * limit
        window = records[offset : offset + limit]
        _, profiles, site_item = self._load(
            [], [r.author for r in window] if "authors" in query.include else [], with_site=True
        )
        site, _ = self._site(site_item)
        return {
            "pages": self._objects(window, profiles, site, query),
            "meta": {"pagination": pagination(query.page, limit, len(records))},
        }

    # -- authors -----------------------------------------------------------------------------
    def _author_list(self) -> tuple[list[tuple[AuthorSource, int]], Site]:
        counts = self.catalogue.authors()
        usernames = [c.username for c in counts]
        _, profiles, site_item = self._load([], usernames, with_site=True)
        site, _ = self._site(site_item)
        return [(self._author(profiles.get(c.username), c.username), c.posts) for c in counts], site

    def browse_authors(self, query: Query) -> dict[str, Any]:
        node = self._parse(query, "authors")
        authors, site = self._author_list()
        kept = [
            (a, n)
            for a, n in authors
            if nql.matches(
                node, {"id": content_id("author", a.username), "slug": a.username, "name": a.name}
            )
        ]
        kept = _ordered_named(
            kept, query.order or DEFAULT_ORDER["authors"], lambda a: a.username, "author"
        )
        offset = (query.page - 1) * query.limit
        counted = "count.posts" in query.include
        return {
            "authors": [
                _fields(author_object(a, site, count=n if counted else None), query.fields)
                for a, n in kept[offset : offset + query.limit]
            ],
            "meta": {"pagination": pagination(query.page, query.limit, len(kept))},
        }

    def read_author(
        self, query: Query, *, slug: str | None, ghost_id: str | None
    ) -> dict[str, Any]:
        try:
            wanted = _checked_slug(slug, "authors") if slug is not None else None
            wanted_id = _checked_id(ghost_id, "authors") if ghost_id is not None else None
        except GhostError:
            self._require_key()
            raise
        authors, site = self._author_list()
        for author, posts in authors:
            if author.username == wanted or content_id("author", author.username) == wanted_id:
                count = posts if "count.posts" in query.include else None
                return {
                    "authors": [_fields(author_object(author, site, count=count), query.fields)]
                }
        raise _not_found("authors")

    # -- tags --------------------------------------------------------------------------------
    def _tag_list(self) -> tuple[list[tuple[str, int]], Site]:
        tags = [(t.tag, t.articles) for t in self.articles.tags() if t.articles > 0]
        site, _ = self._site(self._site_item())
        return tags, site

    def _site_item(self) -> Item | None:
        return self._load([], [], with_site=True)[2]

    def _first_items(self) -> list[keys.Key]:
        return [keys.site_settings(), *self._key_items()]

    def browse_tags(self, query: Query) -> dict[str, Any]:
        node = self._parse(query, "tags")
        tags, site = self._tag_list()
        kept = [
            (t, n)
            for t, n in tags
            if nql.matches(
                node, {"id": content_id("tag", t), "slug": t, "name": t, "visibility": "public"}
            )
        ]
        kept = _ordered_named(kept, query.order or DEFAULT_ORDER["tags"], lambda t: t, "tag")
        offset = (query.page - 1) * query.limit
        counted = "count.posts" in query.include
        return {
            "tags": [
                _fields(tag_object(TagSource(t), site, count=n if counted else None), query.fields)
                for t, n in kept[offset : offset + query.limit]
            ],
            "meta": {"pagination": pagination(query.page, query.limit, len(kept))},
        }

    def read_tag(self, query: Query, *, slug: str | None, ghost_id: str | None) -> dict[str, Any]:
        try:
            checked = _checked_slug(slug, "tags") if slug is not None else None
            wanted = _checked_id(str(ghost_id), "tags") if slug is None else None
        except GhostError:
            self._require_key()
            raise
        if checked is not None:
            record = self.articles.tag(checked)
            found = (record.tag, record.articles) if record and record.articles > 0 else None
            site, _ = self._site(self._site_item())
        else:
            tags, site = self._tag_list()
            found = next(((t, n) for t, n in tags if content_id("tag", t) == wanted), None)
        if found is None:
            raise _not_found("tags")
        count = found[1] if "count.posts" in query.include else None
        return {"tags": [_fields(tag_object(TagSource(found[0]), site, count=count), query.fields)]}

    # -- settings and tiers ------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        site, stored = self._site(self._site_item())
        try:
            document = SiteSettingsUpdate.model_validate(dict(stored)).model_dump(mode="json")
        except ValueError:
            document = SiteSettingsUpdate().model_dump(mode="json")
        document = SiteSettings(**document, url=site.url + "/").model_dump(mode="json")
        for name in ("logo", "icon", "cover_image", "og_image", "twitter_image"):
            document[name] = self.image(document.get(name))
        return {"settings": settings_object(document, site, GHOST_VERSION), "meta": {}}

    def tiers(self, query: Query) -> dict[str, Any]:
        self._require_key()
        site, _ = self._site(None)
        tiers = [free_tier(site)]
        return {
            "tiers": tiers,
            "meta": {
                "pagination": {
                    "page": 1,
                    "pages": 1,
                    "limit": len(tiers),
                    "total": len(tiers),
                    "prev": None,
                    "next": None,
                }
            },
        }


def _fields(body: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    if not fields:
        return body
    kept = {k: v for k, v in body.items() if k in fields}
    return kept or body


def _ordered_named[T](
    items: list[tuple[T, int]],
    order: Sequence[tuple[str, bool]],
    slug_of: Callable[[T], str],
    kind: str,
) -> list[tuple[T, int]]:
    def value(item: tuple[T, int], name: str) -> Any:
        thing, count = item
        slug = slug_of(thing)
        match name:
            case "count.posts":
                return count
            case "id":
                return content_id("author" if kind == "author" else "tag", slug)
            case "slug":
                return slug
            case _:
                label = getattr(thing, "name", slug)
                return str(label).casefold()

    result = sorted(items, key=lambda i: slug_of(i[0]))
    for name, descending in reversed(order or (("name", False),)):
        result.sort(key=lambda i: value(i, name), reverse=descending)
    return result


def _entry(record: ArticleRecord) -> CatalogueEntry:
    """A page as the catalogue would hold it (pages are read whole, not from entries)."""
    return CatalogueEntry(
        id=record.id,
        slug=record.slug,
        title=record.title,
        author=record.author,
        tags=record.tags,
        featured=record.featured,
        published_at=record.published_at or record.updated_at,
        updated_at=record.updated_at,
    )


def _record(entry: CatalogueEntry) -> dict[str, object]:
    """What NQL filters see of a post or page."""
    return {
        "id": content_id("post", entry.id),
        "slug": entry.slug,
        "featured": entry.featured,
        "published_at": _when(entry.published_at),
        "visibility": "public",
        "tags": list(entry.tags),
        "authors": [entry.author],
    }


def _sorted(
    entries: Sequence[CatalogueEntry], order: Sequence[tuple[str, bool]]
) -> list[CatalogueEntry]:
    """Entries in ``order`` (field, descending), applied last key first (a stable sort)."""
    result = sorted(entries, key=lambda e: e.id)
    for name, descending in reversed(order):
        result.sort(key=lambda e: _sort_value(e, name), reverse=descending)
    return result


def _sort_value(entry: CatalogueEntry, name: str) -> Any:
    match name:
        case "id":
            return entry.id  # the catalogue's own tie-break: Byline's id
        case "title":
            return entry.title.casefold()
        case "slug":
            return entry.slug
        case "featured":
            return entry.featured
        case "updated_at" | "created_at":
            return entry.updated_at or entry.published_at
        case _:
            return entry.published_at


def lambda_bytes(body: Mapping[str, Any]) -> int:
    """The bytes ``body`` takes in Lambda's response: the handler's compact JSON, inside the
    runtime's JSON (which escapes it again and writes non-ASCII text as ``\\uXXXX``)."""
    return len(json.dumps(json.dumps(body, ensure_ascii=False, separators=(",", ":"))))


def _fitted(browse: Callable[[int | None], dict[str, Any]]) -> dict[str, Any]:
    """A browse whose response fits Lambda's limit. The size classes bound posts' own text;
    a page that still passes the budget (an author's profile of thousands of emoji repeated
    in every post) is built again at the limit its measured size allows, lower each time.
    Such a walk pages at that lower limit from then on: a client following ``next`` may see a
    post twice, never a 502."""
    cap: int | None = None
    while True:
        body = browse(cap)
        size = lambda_bytes(body)
        limit = int(body["meta"]["pagination"]["limit"])
        if size <= RESPONSE_BUDGET or limit <= 1:
            return body
        cap = max(1, min(limit - 1, limit * RESPONSE_BUDGET // size))
        logger.warning(
            "Content API page over the response budget: built again at a lower limit",
            extra={"bytes": size, "limit": limit, "lowered_to": cap},
        )


@cache
def ghost_content() -> GhostContent:
    from byline.data.table import table
    from byline.settings import get_settings

    settings = get_settings()
    return GhostContent(
        articles=Articles(table()),
        catalogue=Catalogue(table()),
        site_url=settings.site_url,
        media_url=settings.media_url,
    )
